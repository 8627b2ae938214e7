/* store_int.h - internals shared by the SQLite backend's files (store_sqlite.c: connections,
 * statements, transactions, schema; store_members.c: organisations, users, tokens, groups,
 * collections; store_objects.c: STIX objects and status resources). Nothing outside
 * src/store/ (tests excepted) includes this header.
 *
 * A pi_store owns one SQLite connection per thread that uses it (struct pi_conn). Each
 * connection caches its prepared statements, one slot per enum pi_stmt_id. A statement is
 * taken with pi_stmt_get and given back with pi_stmt_put (which resets it); if the cached one
 * is already taken (a row callback re-entering the store), a private one is prepared and
 * finalised on give-back, so re-entrant use is safe.
 */
#ifndef PI_STORE_STORE_INT_H
#define PI_STORE_STORE_INT_H

#include <sqlite3.h>

#include "store/store.h"

#define PI_STORE_SCHEMA_VERSION 1
#define PI_STORE_BUSY_TIMEOUT_MS 10000
#define PI_STMT_SQL_MAX 128

enum pi_stmt_id {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_USER_VERSION,
	ST_SETTING_GET,
	ST_SETTING_SET,
	ST_COUNTER_GET,
	ST_COUNTER_SET,
	ST_ORG_INSERT,
	ST_ORG_GET,
	ST_ORG_FIND,
	ST_ORG_UPDATE,
	ST_ORG_LIST,
	ST_ORG_BY_IDENTITY,
	ST_USER_INSERT,
	ST_USER_GET,
	ST_USER_FIND,
	ST_USER_UPDATE,
	ST_USER_SET_PASSWORD,
	ST_USER_LIST_ALL,
	ST_USER_LIST_ORG,
	ST_USER_BY_IDENTITY,
	ST_IDENTITY_USED,
	ST_TOKEN_INSERT,
	ST_TOKEN_LOOKUP,
	ST_TOKEN_TOUCH,
	ST_TOKEN_LIST,
	ST_TOKEN_REVOKE,
	ST_TOKEN_GET,
	ST_TOKEN_HASH_USED,
	ST_GROUP_INSERT,
	ST_GROUP_GET,
	ST_GROUP_FIND,
	ST_GROUP_LIST,
	ST_MEMBER_ADD,
	ST_MEMBER_REMOVE,
	ST_MEMBER_IS,
	ST_MEMBERS,
	ST_ORG_GROUPS,
	ST_COLL_INSERT,
	ST_COLL_RETITLE,
	ST_COLL_BY_UUID,
	ST_COLL_BY_SCOPE,
	ST_COLL_BY_ID,
	ST_COLL_LIST,
	ST_OBJ_EXACT,
	ST_OBJ_MAXKEY,
	ST_OBJ_MINKEY,
	ST_OBJ_AUTO,
	ST_OBJ_DELETE_AUTO,
	ST_OBJ_INSERT,
	ST_OBJ_CLEAR_LAST,
	ST_OBJ_CLEAR_FIRST,
	ST_OBJ_RECOMPUTE,
	ST_OBJ_Q_ADDED,
	ST_OBJ_Q_LAST,
	ST_OBJ_Q_TYPE,
	ST_OBJ_Q_IDS,
	ST_OBJ_Q_ONE_ID,
	ST_OBJ_DELETE_SEQ,
	ST_MARKING,
	ST_STATUS_SAVE,
	ST_STATUS_GET,
	ST_COUNT
};

struct pi_conn {
	pi_store *store;
	sqlite3 *db;
	int in_use; /* bound to a live thread (under store->lock) */
	sqlite3_stmt *stmts[ST_COUNT];
	unsigned char taken[ST_COUNT];
	/* statements of subsystem store files, keyed by SQL text address (pi_stmt_sql_get) */
	const char *sql_keys[PI_STMT_SQL_MAX];
	sqlite3_stmt *sql_stmts[PI_STMT_SQL_MAX];
	unsigned char sql_taken[PI_STMT_SQL_MAX];
	size_t n_sql;
	unsigned read_depth; /* pi_store_read_begin calls not yet ended */
};

/* The connection of the calling thread, opened on first use. Valid until the thread ends
 * or the store is closed. */
pi_status pi_conn_get(pi_store *store, struct pi_conn **out, struct pi_error *err);

/* Takes the statement id, ready to bind. Give it back with pi_stmt_put (NULL is fine). */
pi_status pi_stmt_get(
        struct pi_conn *c, enum pi_stmt_id id, sqlite3_stmt **out, struct pi_error *err);
void pi_stmt_put(struct pi_conn *c, enum pi_stmt_id id, sqlite3_stmt *st);

/* The same cache for subsystem store files (store_<name>.c), whose statements have no slot
 * in enum pi_stmt_id: the ADDRESS of the SQL text is the key, so pass a static string (the
 * same pointer every time). At most PI_STMT_SQL_MAX texts are cached per connection; beyond
 * that, and when the cached one is taken, a private statement is prepared and finalised on
 * give-back. Give back with pi_stmt_sql_put (NULL is fine). */
pi_status pi_stmt_sql_get(
        struct pi_conn *c, const char *sql, sqlite3_stmt **out, struct pi_error *err);
void pi_stmt_sql_put(struct pi_conn *c, const char *sql, sqlite3_stmt *st);

/* Fills err from the connection's last SQLite error; returns the pi_status for rc. */
pi_status pi_db_fail(struct pi_conn *c, int rc, const char *what, struct pi_error *err);

/* Runs a statement that returns no rows (takes and gives it back). */
pi_status pi_stmt_done(struct pi_conn *c, enum pi_stmt_id id, sqlite3_stmt *st, const char *what,
        struct pi_error *err);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. Rollback never fails visibly. */
pi_status pi_tx_begin(struct pi_conn *c, struct pi_error *err);
pi_status pi_tx_commit(struct pi_conn *c, struct pi_error *err);
void pi_tx_rollback(struct pi_conn *c);

/* Binds a string of at most max bytes (strnlen), or NULL for s == NULL. */
int pi_bind_str(sqlite3_stmt *st, int col, const char *s, size_t max);
/* Copies a text column into a fixed buffer (always terminated). */
void pi_col_copy(sqlite3_stmt *st, int col, char *dst, size_t size);

/* The body of pi_store_objects_put, run inside the caller's transaction (pi_tx_begin done;
 * the caller commits or rolls back). seqs (may be NULL) receives the row seq of each object
 * added (0 for unchanged or conflicting ones). For stores that write more rows with the
 * objects in the same transaction (store_intel.c: the observable index). */
pi_status pi_objects_put_tx(struct pi_conn *c, int64_t collection_id, int64_t owner_org,
        int64_t owner_user, const struct pi_object_in *objs, size_t n, enum pi_put_result *results,
        int64_t *seqs, int64_t *date_added, struct pi_error *err);

/* Inserts a collection for a scope with a random uuid (inside the caller's transaction). */
pi_status pi_collection_insert(struct pi_conn *c, enum pi_scope_kind kind, int64_t scope_id,
        const char *title, struct pi_error *err);

/* Bumps the counter pi_store_auth_generation reads. */
void pi_store_auth_changed(pi_store *store);

/* The core schema migrations, index 0 = version 1 (PRAGMA user_version). */
extern const char *const pi_store_migrations[PI_STORE_SCHEMA_VERSION];

/* Subsystems (intel, cases, ...) keep their own tables and their own migration chains, so
 * they evolve independently: module NAME's version is the setting "schema.NAME", and its
 * migrations run after the core ones, in pi_store_modules order. Each module lists its
 * migrations in its own migrations_NAME.c; a released entry is never edited. */
struct pi_store_module {
	const char *name;
	const char *const *migrations; /* index 0 = version 1 */
	int count;
};
extern const struct pi_store_module pi_store_modules[];
extern const char *const pi_store_cases_migrations[];
extern const char *const pi_store_intel_migrations[];
extern const char *const pi_store_web_migrations[];
extern const size_t pi_store_nmodules;

/* 1 for the one caller that should run a periodic clean-up now (the first call on this store
 * handle, then at most once per every_us); 0 for everyone else. Thread-safe. */
int pi_store_sweep_due(pi_store *store, int64_t now_us, int64_t every_us);

/* Test hook: writes the EXPLAIN QUERY PLAN of the statement pi_store_objects_query would run
 * for q into out (lines joined by '\n'). */
pi_status pi_store_explain_query(pi_store *store, const struct pi_object_query *q, char *out,
        size_t out_size, struct pi_error *err);

#endif
