/* store_sqlite.c - the SQLite backend: opening, per-thread connections, the statement cache,
 * transactions, schema migrations and hub settings.
 *
 * Lifecycle: pi_store_open (parses the URL, creates the folder and a 0600 database file,
 * opens the calling thread's connection, refuses a schema newer than PI_STORE_SCHEMA_VERSION)
 * -> pi_store_migrate (once, at start-up) -> any number of calls from any threads ->
 * pi_store_close (no other thread may still be using the store).
 *
 * Connections: each thread gets its own connection on first use, found again through a
 * pthread key (no lock on the fast path). All connections are listed in store->conns so
 * pi_store_close can close them; when a thread ends, its connection is marked free and the
 * next new thread reuses it. Each connection runs WAL, synchronous=FULL (a committed write
 * is durable), foreign_keys=ON and a 10 s busy wait (busy_wait, fine-grained). Writes that touch
 * several rows use BEGIN IMMEDIATE, so two writers queue on it instead of deadlocking.
 *
 * Statements: every SQL text lives in sql_text[] below, prepared once per connection on first
 * use and reset on give-back (see store_int.h).
 */
#include "store/store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/secret.h"
#include "core/timeutil.h"

#define STORE_MAX_CONNS 64
#define STORE_PATH_MAX 4096
#define SETTING_KEY_MAX 128
#define SETTING_VALUE_MAX (1u << 20)

struct pi_store {
	char *path;
	pthread_mutex_t lock; /* guards conns, n_conns and each conn's in_use */
	pthread_key_t key;    /* the calling thread's struct pi_conn */
	struct pi_conn *conns[STORE_MAX_CONNS];
	size_t n_conns;
	int64_t status_swept_at; /* pi_store_sweep_due, atomic */
};

int pi_store_sweep_due(pi_store *store, int64_t now_us, int64_t every_us)
{
	int64_t last = __atomic_load_n(&store->status_swept_at, __ATOMIC_RELAXED);

	if (last != 0 && now_us - last < every_us && now_us >= last)
		return 0;
	return __atomic_compare_exchange_n(
	        &store->status_swept_at, &last, now_us, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

/* The counter lives in the database (counters 'auth'), so a change made by another process
 * (the CLI) invalidates the server's caches too. Reading it is one indexed row. */
static const char sql_auth_generation[] = "SELECT value FROM counters WHERE name = 'auth'";
static const char sql_auth_changed[] = "INSERT INTO counters(name, value) VALUES('auth', 2)"
                                       " ON CONFLICT(name) DO UPDATE SET value = value + 1";

static const char sql_read_begin[] = "BEGIN DEFERRED";
static const char sql_read_end[] = "COMMIT";

pi_status pi_store_read_begin(pi_store *store, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_conn_get(store, &c, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	if (c->read_depth > 0) {
		c->read_depth++;
		return PI_OK;
	}
	ret = pi_stmt_sql_get(c, sql_read_begin, &st, err);
	if (ret != PI_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "starting a read transaction", err);
	else
		c->read_depth = 1;
	pi_stmt_sql_put(c, sql_read_begin, st);
	return ret;
}

void pi_store_read_end(pi_store *store)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;

	if (pi_conn_get(store, &c, NULL) != PI_OK)
		return;
	if (c->read_depth > 1) {
		c->read_depth--;
		return;
	}
	c->read_depth = 0;
	if (sqlite3_get_autocommit(c->db))
		return;
	if (pi_stmt_sql_get(c, sql_read_end, &st, NULL) != PI_OK)
		return;
	if (sqlite3_step(st) != SQLITE_DONE)
		pi_tx_rollback(c);
	pi_stmt_sql_put(c, sql_read_end, st);
}

uint64_t pi_store_auth_generation(pi_store *store)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	uint64_t gen = 0;
	int rc;

	if (pi_conn_get(store, &c, NULL) != PI_OK ||
	        pi_stmt_sql_get(c, sql_auth_generation, &st, NULL) != PI_OK)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		gen = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		gen = 1; /* never changed yet */
	pi_stmt_sql_put(c, sql_auth_generation, st);
	return gen;
}

void pi_store_auth_changed(pi_store *store)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;

	if (pi_conn_get(store, &c, NULL) != PI_OK ||
	        pi_stmt_sql_get(c, sql_auth_changed, &st, NULL) != PI_OK)
		return;
	if (sqlite3_step(st) != SQLITE_DONE)
		pi_log_warn(
		        "event=auth_generation_bump_failed error=\"%s\"", sqlite3_errmsg(c->db));
	pi_stmt_sql_put(c, sql_auth_changed, st);
}

static int busy_wait(void *arg, int count);

#define OBJ_COLS                                                                                   \
	"SELECT seq, stix_id, type, spec_version, version, date_added, tlp, owner_org, "           \
	"owner_user, recipients, body FROM objects "
/* ?1 collection, ?2 after, ?3 driving id/type/ids, ?4 types JSON, ?5 spec_versions JSON,
 * ?6 all, ?7 last, ?8 first, ?9 version keys JSON, ?10 limit */
#define OBJ_RESIDUAL                                                                               \
	" AND (?4 IS NULL OR type IN (SELECT value FROM json_each(?4)))"                           \
	" AND (?5 IS NULL OR spec_version IN (SELECT value FROM json_each(?5)))"                   \
	" AND (?6 OR (?7 AND is_last) OR (?8 AND is_first)"                                        \
	" OR (?9 IS NOT NULL AND version_key IN (SELECT value FROM json_each(?9))))"               \
	" ORDER BY date_added LIMIT ?10"

#define ORG_COLS "SELECT id, slug, name, type, country, identity_id, created_at FROM orgs "
#define USER_COLS                                                                                  \
	"SELECT id, org_id, username, display_name, email, role, identity_id, disabled, "          \
	"created_at, password_hash FROM users "
#define TOKEN_COLS                                                                                 \
	"SELECT id, user_id, name, prefix, created_at, last_used_at, revoked FROM tokens "
#define GROUP_COLS "SELECT id, name, description, created_at FROM sharing_groups "
#define COLL_COLS "SELECT id, uuid, kind, scope_id, title, description FROM collections "

static const char *const sql_text[ST_COUNT] = {
        [ST_BEGIN] = "BEGIN IMMEDIATE",
        [ST_COMMIT] = "COMMIT",
        [ST_ROLLBACK] = "ROLLBACK",
        [ST_USER_VERSION] = "PRAGMA user_version",
        [ST_SETTING_GET] = "SELECT value FROM settings WHERE key = ?1",
        [ST_SETTING_SET] = "INSERT INTO settings(key, value) VALUES(?1, ?2) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [ST_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?1",
        [ST_COUNTER_SET] = "INSERT INTO counters(name, value) VALUES(?1, ?2) "
                           "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        [ST_ORG_INSERT] = "INSERT INTO orgs(slug, name, type, country, identity_id, created_at) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
        [ST_ORG_GET] = ORG_COLS "WHERE id = ?1",
        [ST_ORG_FIND] = ORG_COLS "WHERE slug = ?1",
        [ST_ORG_UPDATE] = "UPDATE orgs SET slug = ?2, name = ?3, type = ?4, country = ?5 "
                          "WHERE id = ?1",
        [ST_ORG_LIST] = ORG_COLS "ORDER BY id",
        [ST_ORG_BY_IDENTITY] = "SELECT id FROM orgs WHERE identity_id = ?1",
        [ST_USER_INSERT] = "INSERT INTO users(org_id, username, display_name, email, role, "
                           "identity_id, password_hash, disabled, created_at) "
                           "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        [ST_USER_GET] = USER_COLS "WHERE id = ?1",
        [ST_USER_FIND] = USER_COLS "WHERE username = ?1",
        [ST_USER_UPDATE] = "UPDATE users SET org_id = ?2, username = ?3, display_name = ?4, "
                           "email = ?5, role = ?6, disabled = ?7 WHERE id = ?1",
        [ST_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        [ST_USER_LIST_ALL] = USER_COLS "ORDER BY id",
        [ST_USER_LIST_ORG] = USER_COLS "WHERE org_id = ?1 ORDER BY id",
        [ST_USER_BY_IDENTITY] = "SELECT id FROM users WHERE identity_id = ?1",
        [ST_IDENTITY_USED] = "SELECT 1 FROM orgs WHERE identity_id = ?1 "
                             "UNION ALL SELECT 1 FROM users WHERE identity_id = ?1",
        [ST_TOKEN_INSERT] = "INSERT INTO tokens(user_id, name, prefix, hash, created_at) "
                            "VALUES(?1, ?2, ?3, ?4, ?5)",
        [ST_TOKEN_LOOKUP] = "SELECT t.id, t.user_id, t.name, t.prefix, t.created_at, "
                            "t.last_used_at, t.revoked, u.id, u.org_id, u.username, "
                            "u.display_name, u.email, u.role, u.identity_id, u.disabled, "
                            "u.created_at FROM tokens t JOIN users u ON u.id = t.user_id "
                            "WHERE t.hash = ?1 AND t.revoked = 0 AND u.disabled = 0",
        [ST_TOKEN_TOUCH] = "UPDATE tokens SET last_used_at = ?2 WHERE id = ?1 "
                           "AND last_used_at < ?3",
        [ST_TOKEN_LIST] = TOKEN_COLS "WHERE user_id = ?1 ORDER BY id",
        [ST_TOKEN_REVOKE] = "UPDATE tokens SET revoked = 1 WHERE id = ?1",
        [ST_TOKEN_GET] = TOKEN_COLS "WHERE id = ?1",
        [ST_TOKEN_HASH_USED] = "SELECT 1 FROM tokens WHERE hash = ?1",
        [ST_GROUP_INSERT] = "INSERT INTO sharing_groups(name, description, created_at) "
                            "VALUES(?1, ?2, ?3)",
        [ST_GROUP_GET] = GROUP_COLS "WHERE id = ?1",
        [ST_GROUP_FIND] = GROUP_COLS "WHERE name = ?1",
        [ST_GROUP_LIST] = GROUP_COLS "ORDER BY id",
        [ST_MEMBER_ADD] = "INSERT INTO group_members(group_id, org_id, added_at) "
                          "VALUES(?1, ?2, ?3)",
        [ST_MEMBER_REMOVE] = "DELETE FROM group_members WHERE group_id = ?1 AND org_id = ?2",
        [ST_MEMBER_IS] = "SELECT 1 FROM group_members WHERE group_id = ?1 AND org_id = ?2",
        [ST_MEMBERS] = "SELECT o.id, o.slug, o.name, o.type, o.country, o.identity_id, "
                       "o.created_at FROM group_members m JOIN orgs o ON o.id = m.org_id "
                       "WHERE m.group_id = ?1 ORDER BY o.id",
        [ST_ORG_GROUPS] = "SELECT group_id FROM group_members WHERE org_id = ?1 "
                          "ORDER BY group_id LIMIT ?2",
        [ST_COLL_INSERT] = "INSERT INTO collections(uuid, kind, scope_id, title, created_at) "
                           "VALUES(?1, ?2, ?3, ?4, ?5)",
        [ST_COLL_RETITLE] = "UPDATE collections SET title = ?3 WHERE kind = ?1 AND scope_id = ?2",
        [ST_COLL_BY_UUID] = COLL_COLS "WHERE uuid = ?1",
        [ST_COLL_BY_SCOPE] = COLL_COLS "WHERE kind = ?1 AND scope_id = ?2",
        [ST_COLL_BY_ID] = COLL_COLS "WHERE id = ?1",
        [ST_COLL_LIST] = COLL_COLS "ORDER BY id",
        [ST_OBJ_EXACT] = "SELECT seq, body FROM objects "
                         "WHERE collection_id = ?1 AND stix_id = ?2 AND version_key = ?3",
        [ST_OBJ_MAXKEY] = "SELECT seq, version_key FROM objects "
                          "WHERE collection_id = ?1 AND stix_id = ?2 "
                          "ORDER BY version_key DESC LIMIT 1",
        [ST_OBJ_MINKEY] = "SELECT seq, version_key FROM objects "
                          "WHERE collection_id = ?1 AND stix_id = ?2 "
                          "ORDER BY version_key ASC LIMIT 1",
        [ST_OBJ_AUTO] = "SELECT seq, body FROM objects WHERE collection_id = ?1 "
                        "AND stix_id = ?2 AND auto_version = 1 ORDER BY version_key DESC",
        [ST_OBJ_DELETE_AUTO] = "DELETE FROM objects WHERE collection_id = ?1 AND stix_id = ?2 "
                               "AND auto_version = 1",
        [ST_OBJ_INSERT] = "INSERT INTO objects(collection_id, stix_id, type, spec_version, "
                          "version, version_key, auto_version, date_added, is_first, is_last, "
                          "tlp, owner_org, owner_user, recipients, body) VALUES(?1, ?2, ?3, ?4, "
                          "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        [ST_OBJ_CLEAR_LAST] = "UPDATE objects SET is_last = 0 WHERE seq = ?1",
        [ST_OBJ_CLEAR_FIRST] = "UPDATE objects SET is_first = 0 WHERE seq = ?1",
        [ST_OBJ_RECOMPUTE] = "UPDATE objects SET "
                             "is_first = (version_key = (SELECT min(version_key) FROM objects "
                             "WHERE collection_id = ?1 AND stix_id = ?2)), "
                             "is_last = (version_key = (SELECT max(version_key) FROM objects "
                             "WHERE collection_id = ?1 AND stix_id = ?2)) "
                             "WHERE collection_id = ?1 AND stix_id = ?2",
        /* The query variants: each forces the index that drives it (see store_objects.c). */
        [ST_OBJ_Q_ADDED] = OBJ_COLS "INDEXED BY objects_coll_added "
                                    "WHERE collection_id = ?1 AND date_added > ?2" OBJ_RESIDUAL,
        [ST_OBJ_Q_LAST] = OBJ_COLS
        "INDEXED BY objects_coll_last_added "
        "WHERE collection_id = ?1 AND is_last = 1 AND date_added > ?2" OBJ_RESIDUAL,
        [ST_OBJ_Q_TYPE] =
                OBJ_COLS "INDEXED BY objects_coll_type_added "
                         "WHERE collection_id = ?1 AND type = ?3 AND date_added > ?2" OBJ_RESIDUAL,
        [ST_OBJ_Q_IDS] =
                OBJ_COLS "INDEXED BY objects_coll_id_version "
                         "WHERE collection_id = ?1 AND stix_id IN "
                         "(SELECT value FROM json_each(?3)) AND date_added > ?2" OBJ_RESIDUAL,
        [ST_OBJ_Q_ONE_ID] = OBJ_COLS
        "INDEXED BY objects_coll_id_version "
        "WHERE collection_id = ?1 AND stix_id = ?3 AND date_added > ?2" OBJ_RESIDUAL,
        [ST_OBJ_DELETE_SEQ] = "DELETE FROM objects WHERE seq = ?1",
        [ST_MARKING] = "SELECT 1 FROM objects WHERE type = 'marking-definition' "
                       "AND stix_id = ?1 LIMIT 1",
        [ST_STATUS_SAVE] =
                "INSERT INTO status_resources(id, collection_id, user_id, org_id, "
                "request_timestamp, total, success, failure, pending, details) "
                "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                "ON CONFLICT(id) DO UPDATE SET collection_id = excluded.collection_id, "
                "user_id = excluded.user_id, org_id = excluded.org_id, "
                "request_timestamp = excluded.request_timestamp, total = excluded.total, "
                "success = excluded.success, failure = excluded.failure, "
                "pending = excluded.pending, details = excluded.details",
        [ST_STATUS_GET] = "SELECT id, collection_id, user_id, org_id, request_timestamp, total, "
                          "success, failure, pending, details FROM status_resources WHERE id = ?1",
};

/* ---- errors and small helpers ---- */

pi_status pi_db_fail(struct pi_conn *c, int rc, const char *what, struct pi_error *err)
{
	pi_status st = PI_ERR_IO;
	const char *msg = c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc);
	const char *hint = "";

	switch (rc & 0xff) {
	case SQLITE_NOMEM: st = PI_ERR_NOMEM; break;
	case SQLITE_TOOBIG: st = PI_ERR_TOOBIG; break;
	case SQLITE_CONSTRAINT: st = PI_ERR_CONFLICT; break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		hint = " (another writer held the database for more than 10 s; retry)";
		break;
	case SQLITE_ERROR:
		if (strstr(msg, "no such table"))
			hint = " (the database has no schema yet: run `postisac init`)";
		break;
	default: break;
	}
	return pi_error_set(err, st, "database: %s: %s%s", what, msg, hint);
}

int pi_bind_str(sqlite3_stmt *st, int col, const char *s, size_t max)
{
	if (!s)
		return sqlite3_bind_null(st, col);
	return sqlite3_bind_text(st, col, s, (int)strnlen(s, max), SQLITE_STATIC);
}

void pi_col_copy(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *text = sqlite3_column_text(st, col);
	size_t n = text ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(dst, text, n);
	dst[n] = '\0';
}

/* ---- statements ---- */

pi_status pi_stmt_get(
        struct pi_conn *c, enum pi_stmt_id id, sqlite3_stmt **out, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (c->stmts[id] && !c->taken[id]) {
		c->taken[id] = 1;
		*out = c->stmts[id];
		return PI_OK;
	}
	rc = sqlite3_prepare_v3(
	        c->db, sql_text[id], -1, c->stmts[id] ? 0 : SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return pi_db_fail(c, rc, "preparing a statement", err);
	if (!c->stmts[id]) {
		c->stmts[id] = st;
		c->taken[id] = 1;
	}
	*out = st;
	return PI_OK;
}

void pi_stmt_put(struct pi_conn *c, enum pi_stmt_id id, sqlite3_stmt *st)
{
	if (!st)
		return;
	if (st == c->stmts[id]) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		c->taken[id] = 0;
	} else {
		sqlite3_finalize(st);
	}
}

pi_status pi_stmt_sql_get(
        struct pi_conn *c, const char *sql, sqlite3_stmt **out, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	size_t slot = c->n_sql;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < c->n_sql; i++) {
		if (c->sql_keys[i] == sql) {
			slot = i;
			break;
		}
	}
	if (slot < c->n_sql && !c->sql_taken[slot]) {
		c->sql_taken[slot] = 1;
		*out = c->sql_stmts[slot];
		return PI_OK;
	}
	int cache = slot == c->n_sql && c->n_sql < PI_STMT_SQL_MAX;
	rc = sqlite3_prepare_v3(c->db, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &st, NULL);
	if (rc != SQLITE_OK)
		return pi_db_fail(c, rc, "preparing a statement", err);
	if (cache) {
		c->sql_keys[slot] = sql;
		c->sql_stmts[slot] = st;
		c->sql_taken[slot] = 1;
		c->n_sql++;
	}
	*out = st;
	return PI_OK;
}

void pi_stmt_sql_put(struct pi_conn *c, const char *sql, sqlite3_stmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < c->n_sql; i++) {
		if (c->sql_keys[i] == sql && c->sql_stmts[i] == st) {
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			c->sql_taken[i] = 0;
			return;
		}
	}
	sqlite3_finalize(st);
}

pi_status pi_stmt_done(struct pi_conn *c, enum pi_stmt_id id, sqlite3_stmt *st, const char *what,
        struct pi_error *err)
{
	int rc = sqlite3_step(st);
	pi_status ret = PI_OK;

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = pi_db_fail(c, rc, what, err);
	pi_stmt_put(c, id, st);
	return ret;
}

static pi_status run_simple(
        struct pi_conn *c, enum pi_stmt_id id, const char *what, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, id, &st, err);

	if (ret != PI_OK)
		return ret;
	return pi_stmt_done(c, id, st, what, err);
}

pi_status pi_tx_begin(struct pi_conn *c, struct pi_error *err)
{
	if (c->read_depth > 0)
		return pi_error_set(err, PI_ERR_INTERNAL,
		        "a write transaction was started inside a read snapshot");
	return run_simple(c, ST_BEGIN, "starting a write transaction", err);
}

pi_status pi_tx_commit(struct pi_conn *c, struct pi_error *err)
{
	pi_status ret = run_simple(c, ST_COMMIT, "committing", err);

	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

void pi_tx_rollback(struct pi_conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		(void)run_simple(c, ST_ROLLBACK, "rolling back", NULL);
}

/* ---- connections ---- */

static void conn_close(struct pi_conn *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(c->stmts[i]);
	for (size_t i = 0; i < c->n_sql; i++)
		sqlite3_finalize(c->sql_stmts[i]);
	sqlite3_close(c->db);
	free(c);
}

/* pthread key destructor: the thread ended; its connection becomes free for the next one. */
static void conn_release(void *arg)
{
	struct pi_conn *c = arg;

	if (!c)
		return;
	pi_tx_rollback(c);
	pthread_mutex_lock(&c->store->lock);
	c->in_use = 0;
	pthread_mutex_unlock(&c->store->lock);
}

static pi_status conn_open(pi_store *store, struct pi_conn **out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char *errmsg = NULL;
	pi_status ret = PI_OK;
	int rc;
	static const char pragmas[] = "PRAGMA foreign_keys = ON;"
	                              "PRAGMA synchronous = FULL;"
	                              "PRAGMA temp_store = MEMORY;"
	                              "PRAGMA cache_size = -16384;"
	                              "PRAGMA wal_autocheckpoint = 10000;";

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return pi_error_set(err, PI_ERR_NOMEM, "database: out of memory");
	c->store = store;
	rc = sqlite3_open_v2(store->path, &c->db,
	        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		ret = pi_error_set(err, PI_ERR_IO, "database %s: cannot open: %s", store->path,
		        c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_handler(c->db, busy_wait, NULL);
	rc = sqlite3_exec(c->db, "PRAGMA journal_mode = WAL", NULL, NULL, &errmsg);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(c->db, pragmas, NULL, NULL, &errmsg);
	if (rc != SQLITE_OK) {
		ret = pi_error_set(err, (rc & 0xff) == SQLITE_NOTADB ? PI_ERR_INVALID : PI_ERR_IO,
		        "database %s: %s", store->path, errmsg ? errmsg : sqlite3_errstr(rc));
		goto out;
	}
	*out = c;
	c = NULL;
out:
	sqlite3_free(errmsg);
	conn_close(c);
	return ret;
}

pi_status pi_conn_get(pi_store *store, struct pi_conn **out, struct pi_error *err)
{
	struct pi_conn *c = pthread_getspecific(store->key);
	pi_status ret = PI_OK;

	if (c) {
		*out = c;
		return PI_OK;
	}
	pthread_mutex_lock(&store->lock);
	for (size_t i = 0; i < store->n_conns && !c; i++)
		if (!store->conns[i]->in_use)
			c = store->conns[i];
	if (!c) {
		if (store->n_conns >= STORE_MAX_CONNS) {
			ret = pi_error_set(err, PI_ERR_IO,
			        "database: more than %d threads use the store at once",
			        STORE_MAX_CONNS);
			goto out;
		}
		ret = conn_open(store, &c, err);
		if (ret != PI_OK)
			goto out;
		store->conns[store->n_conns++] = c;
	}
	if (pthread_setspecific(store->key, c) != 0) {
		ret = pi_error_set(
		        err, PI_ERR_NOMEM, "database: cannot bind a connection to the thread");
		goto out;
	}
	c->in_use = 1;
	*out = c;
out:
	pthread_mutex_unlock(&store->lock);
	return ret;
}

/* ---- open, close, migrate ---- */

/* mkdir -p of the folder that holds path (0750 for new folders). */
static pi_status make_parent_dirs(const char *path, struct pi_error *err)
{
	char dir[STORE_PATH_MAX];
	size_t len = strlen(path);
	char *slash;

	if (len >= sizeof(dir))
		return pi_error_set(err, PI_ERR_INVALID, "database path is longer than %d bytes",
		        STORE_PATH_MAX - 1);
	memcpy(dir, path, len + 1);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return PI_OK;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0750) != 0 && errno != EEXIST)
			return pi_error_set(err, PI_ERR_IO, "cannot create folder %s: %s", dir,
			        strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return pi_error_set(
		        err, PI_ERR_IO, "cannot create folder %s: %s", dir, strerror(errno));
	return PI_OK;
}

/* The database holds password and token hashes: a new file is readable by its owner only
 * (SQLite gives the -wal and -shm files the same mode). */
static pi_status create_private_file(const char *path, struct pi_error *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return pi_error_set(
		        err, PI_ERR_IO, "cannot create database %s: %s", path, strerror(errno));
	close(fd);
	return PI_OK;
}

static pi_status read_user_version(struct pi_conn *c, int *version, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, ST_USER_VERSION, &st, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	else
		ret = pi_db_fail(c, rc, "reading the schema version", err);
	pi_stmt_put(c, ST_USER_VERSION, st);
	if (ret == PI_OK && *version > PI_STORE_SCHEMA_VERSION)
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "database %s has schema version %d, newer than this program knows (%d): "
		        "run a newer postisac",
		        c->store->path, *version, PI_STORE_SCHEMA_VERSION);
	return ret;
}

/* Waiting for another connection's write lock. SQLite's own busy timeout sleeps in steps of
 * up to 100 ms, so a writer waiting behind a 5 ms transaction could idle for 10-50 ms: with two
 * clients posting, ingest ran at the speed of one. This handler retries every 100 us for the
 * first 100 ms, then every millisecond, and gives up after PI_STORE_BUSY_TIMEOUT_MS. */
static int busy_wait(void *arg, int count)
{
	struct timespec pause = {0, count < 1000 ? 100000 : 1000000};
	long waited_ms = count < 1000 ? count / 10 : 100 + (count - 1000);

	(void)arg;
	if (waited_ms >= PI_STORE_BUSY_TIMEOUT_MS)
		return 0;
	nanosleep(&pause, NULL);
	return 1;
}

/* Process-wide SQLite settings, before the library initialises: every connection belongs to
 * one thread at a time (SQLITE_OPEN_NOMUTEX), so the global mutexes of serialized mode and the
 * memory-statistics lock on every allocation are pure cost (they were ~8% of ingest CPU). */
static pthread_once_t sqlite_config_once = PTHREAD_ONCE_INIT;

static void sqlite_configure(void)
{
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

pi_status pi_store_open(const char *url, pi_store **out, struct pi_error *err)
{
	pi_store *store = NULL;
	struct pi_conn *c = NULL;
	const char *path = url;
	pi_status ret = PI_OK;
	int version = 0;
	int have_lock = 0;

	pthread_once(&sqlite_config_once, sqlite_configure);
	if (out)
		*out = NULL;
	if (!url || !out)
		return pi_error_set(err, PI_ERR_INVALID, "database: no URL given");
	if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0)
		return pi_error_set(err, PI_ERR_INVALID,
		        "PostgreSQL backend is not built yet; use sqlite:PATH");
	if (strncmp(url, "sqlite:", 7) == 0)
		path = url + 7;
	if (!*path)
		return pi_error_set(err, PI_ERR_INVALID,
		        "database: empty path; use sqlite:PATH such as sqlite:var/postisac.db");
	if (strcmp(path, ":memory:") == 0)
		return pi_error_set(err, PI_ERR_INVALID,
		        "database: :memory: is not supported (each thread would see its own "
		        "database); use a file path");
	if (pi_secret_init() != 0)
		return pi_error_set(err, PI_ERR_INTERNAL, "libsodium failed to initialise");
	ret = make_parent_dirs(path, err);
	if (ret != PI_OK)
		return ret;
	ret = create_private_file(path, err);
	if (ret != PI_OK)
		return ret;
	store = calloc(1, sizeof(*store));
	if (!store)
		return pi_error_set(err, PI_ERR_NOMEM, "database: out of memory");
	store->path = strdup(path);
	if (!store->path) {
		free(store);
		return pi_error_set(err, PI_ERR_NOMEM, "database: out of memory");
	}
	if (pthread_mutex_init(&store->lock, NULL) != 0) {
		free(store->path);
		free(store);
		return pi_error_set(err, PI_ERR_INTERNAL, "database: cannot create a mutex");
	}
	if (pthread_key_create(&store->key, conn_release) != 0) {
		pthread_mutex_destroy(&store->lock);
		free(store->path);
		free(store);
		return pi_error_set(err, PI_ERR_INTERNAL, "database: cannot create a thread key");
	}
	have_lock = 1;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		goto out;
	ret = read_user_version(c, &version, err);
	if (ret != PI_OK)
		goto out;
	*out = store;
	store = NULL;
out:
	if (store && have_lock)
		pi_store_close(store);
	return ret;
}

void pi_store_close(pi_store *store)
{
	if (!store)
		return;
	/* After the key is deleted no thread's destructor touches the store any more. */
	pthread_key_delete(store->key);
	for (size_t i = 0; i < store->n_conns; i++)
		conn_close(store->conns[i]);
	pthread_mutex_destroy(&store->lock);
	free(store->path);
	free(store);
}

pi_status pi_collection_insert(struct pi_conn *c, enum pi_scope_kind kind, int64_t scope_id,
        const char *title, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	char uuid[37];
	pi_status ret = pi_stmt_get(c, ST_COLL_INSERT, &st, err);

	if (ret != PI_OK)
		return ret;
	pi_uuid4(uuid);
	sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, (int)kind);
	sqlite3_bind_int64(st, 3, scope_id);
	sqlite3_bind_text(st, 4, title, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, pi_time_now_us());
	return pi_stmt_done(c, ST_COLL_INSERT, st, "creating a collection", err);
}

static pi_status ensure_community(struct pi_conn *c, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, ST_COLL_BY_SCOPE, &st, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int(st, 1, PI_SCOPE_COMMUNITY);
	sqlite3_bind_int64(st, 2, 0);
	rc = sqlite3_step(st);
	pi_stmt_put(c, ST_COLL_BY_SCOPE, st);
	if (rc == SQLITE_ROW)
		return PI_OK;
	if (rc != SQLITE_DONE)
		return pi_db_fail(c, rc, "looking for the community collection", err);
	return pi_collection_insert(c, PI_SCOPE_COMMUNITY, 0, "Community", err);
}

/* Applies each subsystem's missing migrations (inside the caller's transaction). A module
 * version higher than the program knows is refused like a newer core schema. */
static pi_status migrate_modules(struct pi_conn *c, struct pi_error *err)
{
	for (size_t m = 0; m < pi_store_nmodules; m++) {
		const struct pi_store_module *mod = &pi_store_modules[m];
		char key[80], value[32];
		char *errmsg = NULL;
		int have = 0;
		pi_status ret;

		if (mod->count == 0)
			continue;
		snprintf(key, sizeof(key), "schema.%s", mod->name);
		ret = pi_store_setting_get(c->store, key, value, sizeof(value), err);
		if (ret == PI_OK)
			have = atoi(value);
		else if (ret != PI_ERR_NOTFOUND)
			return ret;
		if (have > mod->count)
			return pi_error_set(err, PI_ERR_INVALID,
			        "database %s has %s schema version %d, newer than this program "
			        "knows (%d): "
			        "run a newer postisac",
			        c->store->path, mod->name, have, mod->count);
		for (int v = have; v < mod->count; v++) {
			int rc = sqlite3_exec(c->db, mod->migrations[v], NULL, NULL, &errmsg);
			if (rc != SQLITE_OK) {
				ret = pi_error_set(err, PI_ERR_IO,
				        "database: %s migration %d failed: %s", mod->name, v + 1,
				        errmsg ? errmsg : sqlite3_errstr(rc));
				sqlite3_free(errmsg);
				return ret;
			}
			snprintf(value, sizeof(value), "%d", v + 1);
			ret = pi_store_setting_set(c->store, key, value, err);
			if (ret != PI_OK)
				return ret;
		}
	}
	return PI_OK;
}

pi_status pi_store_migrate(pi_store *store, int *version, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char *errmsg = NULL;
	char pragma[64];
	pi_status ret;
	int current = 0;
	int rc;

	if (!store)
		return pi_error_set(err, PI_ERR_INVALID, "database: no store");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = read_user_version(c, &current, err);
	if (ret != PI_OK)
		goto out;
	for (int v = current; v < PI_STORE_SCHEMA_VERSION; v++) {
		rc = sqlite3_exec(c->db, pi_store_migrations[v], NULL, NULL, &errmsg);
		if (rc != SQLITE_OK) {
			ret = pi_error_set(err, PI_ERR_IO, "database: migration %d failed: %s",
			        v + 1, errmsg ? errmsg : sqlite3_errstr(rc));
			goto out;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		rc = sqlite3_exec(c->db, pragma, NULL, NULL, &errmsg);
		if (rc != SQLITE_OK) {
			ret = pi_error_set(err, PI_ERR_IO,
			        "database: recording version %d failed: %s", v + 1,
			        errmsg ? errmsg : sqlite3_errstr(rc));
			goto out;
		}
		current = v + 1;
	}
	ret = migrate_modules(c, err);
	if (ret != PI_OK)
		goto out;
	ret = ensure_community(c, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_commit(c, err);
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	else if (version)
		*version = current;
	sqlite3_free(errmsg);
	return ret;
}

/* ---- settings ---- */

static pi_status check_setting_key(const char *key, struct pi_error *err)
{
	if (!key || !*key || strnlen(key, SETTING_KEY_MAX) >= SETTING_KEY_MAX)
		return pi_error_set(err, PI_ERR_INVALID, "setting name must be 1-%d characters",
		        SETTING_KEY_MAX - 1);
	return PI_OK;
}

pi_status pi_store_setting_get(
        pi_store *store, const char *key, char *out, size_t out_size, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;
	size_t n;
	int rc;

	ret = check_setting_key(key, err);
	if (ret != PI_OK)
		return ret;
	if (!out || out_size == 0)
		return pi_error_set(err, PI_ERR_INVALID, "setting %s: no output buffer", key);
	out[0] = '\0';
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_SETTING_GET, &st, err);
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, key, SETTING_KEY_MAX);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = pi_error_set(err, PI_ERR_NOTFOUND, "setting %s is not set", key);
	} else if (rc != SQLITE_ROW) {
		ret = pi_db_fail(c, rc, "reading a setting", err);
	} else {
		n = (size_t)sqlite3_column_bytes(st, 0);
		if (n >= out_size)
			ret = pi_error_set(err, PI_ERR_TOOBIG,
			        "setting %s is %zu bytes, more than the %zu-byte buffer", key, n,
			        out_size - 1);
		else
			pi_col_copy(st, 0, out, out_size);
	}
	pi_stmt_put(c, ST_SETTING_GET, st);
	return ret;
}

pi_status pi_store_setting_set(
        pi_store *store, const char *key, const char *value, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	ret = check_setting_key(key, err);
	if (ret != PI_OK)
		return ret;
	if (!value || strnlen(value, SETTING_VALUE_MAX) >= SETTING_VALUE_MAX)
		return pi_error_set(err, PI_ERR_INVALID,
		        "setting %s: value missing or over %u bytes", key, SETTING_VALUE_MAX - 1);
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_SETTING_SET, &st, err);
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, key, SETTING_KEY_MAX);
	pi_bind_str(st, 2, value, SETTING_VALUE_MAX);
	return pi_stmt_done(c, ST_SETTING_SET, st, "saving a setting", err);
}
