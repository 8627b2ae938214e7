/* store_web.c - SQLite storage of browser sessions and advisories (store_web.h).
 *
 * Statements come from the per-connection cache of subsystem statements
 * (pi_stmt_sql_get, keyed by the address of the static SQL text), so the session check
 * that runs on every browser request costs no prepare. Each function is one statement;
 * none needs a transaction of its own.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "store/store_web.h"

static const char sql_session_put[] =
        "INSERT INTO web_sessions (id_hash, user_id, csrf, created_at, seen_at, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_session_get[] =
        "SELECT user_id, csrf, created_at, seen_at, expires_at FROM web_sessions "
        "WHERE id_hash = ?1";
static const char sql_session_touch[] = "UPDATE web_sessions SET seen_at = ?2 WHERE id_hash = ?1";
static const char sql_session_delete[] = "DELETE FROM web_sessions WHERE id_hash = ?1";
static const char sql_session_purge[] =
        "DELETE FROM web_sessions WHERE expires_at <= ?1 OR seen_at < ?2";
static const char sql_adv_add[] =
        "INSERT INTO web_advisories (kind, title, body, tlp, org_id, user_id, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_adv_get[] =
        "SELECT id, kind, title, body, tlp, org_id, user_id, created_at FROM web_advisories "
        "WHERE id = ?1";
static const char sql_adv_list[] =
        "SELECT id, kind, title, NULL, tlp, org_id, user_id, created_at FROM web_advisories "
        "ORDER BY created_at DESC, id DESC LIMIT ?1";

/* Runs a statement that returns no rows, already bound; gives it back. */
static pi_status run(struct pi_conn *c, const char *sql, sqlite3_stmt *st, const char *what,
        struct pi_error *err)
{
	int rc = sqlite3_step(st);
	pi_status ret = PI_OK;

	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, what, err);
	pi_stmt_sql_put(c, sql, st);
	return ret;
}

/* Takes the connection and the statement for sql. */
static pi_status take(pi_store *store, const char *sql, struct pi_conn **c, sqlite3_stmt **st,
        struct pi_error *err)
{
	pi_status ret = pi_conn_get(store, c, err);

	if (ret != PI_OK)
		return ret;
	return pi_stmt_sql_get(*c, sql, st, err);
}

pi_status pi_store_web_session_put(pi_store *store, const unsigned char hash[32],
        const struct pi_web_session *s, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_session_put, &c, &st, err);

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, s->user_id);
	pi_bind_str(st, 3, s->csrf, PI_WEB_CSRF_LEN);
	sqlite3_bind_int64(st, 4, s->created_at);
	sqlite3_bind_int64(st, 5, s->seen_at);
	sqlite3_bind_int64(st, 6, s->expires_at);
	return run(c, sql_session_put, st, "storing a web session", err);
}

pi_status pi_store_web_session_get(pi_store *store, const unsigned char hash[32],
        struct pi_web_session *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_session_get, &c, &st, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->user_id = sqlite3_column_int64(st, 0);
		pi_col_copy(st, 1, out->csrf, sizeof(out->csrf));
		out->created_at = sqlite3_column_int64(st, 2);
		out->seen_at = sqlite3_column_int64(st, 3);
		out->expires_at = sqlite3_column_int64(st, 4);
	} else if (rc == SQLITE_DONE) {
		ret = pi_error_set(err, PI_ERR_NOTFOUND, "no such session");
	} else {
		ret = pi_db_fail(c, rc, "reading a web session", err);
	}
	pi_stmt_sql_put(c, sql_session_get, st);
	return ret;
}

pi_status pi_store_web_session_touch(
        pi_store *store, const unsigned char hash[32], int64_t seen_at, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_session_touch, &c, &st, err);

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seen_at);
	return run(c, sql_session_touch, st, "touching a web session", err);
}

pi_status pi_store_web_session_delete(
        pi_store *store, const unsigned char hash[32], struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_session_delete, &c, &st, err);

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	return run(c, sql_session_delete, st, "deleting a web session", err);
}

pi_status pi_store_web_session_purge(
        pi_store *store, int64_t now, int64_t idle_before, int *removed, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_session_purge, &c, &st, err);

	if (removed)
		*removed = 0;
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, idle_before);
	ret = run(c, sql_session_purge, st, "purging web sessions", err);
	if (ret == PI_OK && removed)
		*removed = sqlite3_changes(c->db);
	return ret;
}

void pi_web_advisory_clear(struct pi_web_advisory *a)
{
	free(a->title);
	free(a->body);
	memset(a, 0, sizeof(*a));
}

pi_status pi_store_web_advisory_add(
        pi_store *store, const struct pi_web_advisory *a, int64_t *id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_adv_add, &c, &st, err);

	*id = 0;
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, a->kind, sizeof(a->kind));
	pi_bind_str(st, 2, a->title, PI_WEB_ADVISORY_TITLE_MAX);
	pi_bind_str(st, 3, a->body, PI_WEB_ADVISORY_BODY_MAX);
	sqlite3_bind_int(st, 4, a->tlp);
	sqlite3_bind_int64(st, 5, a->org_id);
	sqlite3_bind_int64(st, 6, a->user_id);
	sqlite3_bind_int64(st, 7, a->created_at);
	ret = run(c, sql_adv_add, st, "storing an advisory", err);
	if (ret == PI_OK)
		*id = sqlite3_last_insert_rowid(c->db);
	return ret;
}

static char *col_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? strdup((const char *)s) : NULL;
}

/* Fills a from the current row; title and body are malloc'ed (body NULL when absent). */
static pi_status row_advisory(sqlite3_stmt *st, struct pi_web_advisory *a, struct pi_error *err)
{
	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	pi_col_copy(st, 1, a->kind, sizeof(a->kind));
	a->title = col_dup(st, 2);
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		a->body = col_dup(st, 3);
		if (!a->body) {
			pi_web_advisory_clear(a);
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		}
	}
	a->tlp = sqlite3_column_int(st, 4);
	a->org_id = sqlite3_column_int64(st, 5);
	a->user_id = sqlite3_column_int64(st, 6);
	a->created_at = sqlite3_column_int64(st, 7);
	if (!a->title) {
		pi_web_advisory_clear(a);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	return PI_OK;
}

pi_status pi_store_web_advisory_get(
        pi_store *store, int64_t id, struct pi_web_advisory *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_adv_get, &c, &st, err);
	int rc;

	memset(out, 0, sizeof(*out));
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = row_advisory(st, out, err);
	else if (rc == SQLITE_DONE)
		ret = pi_error_set(err, PI_ERR_NOTFOUND, "no advisory %lld", (long long)id);
	else
		ret = pi_db_fail(c, rc, "reading an advisory", err);
	pi_stmt_sql_put(c, sql_adv_get, st);
	return ret;
}

pi_status pi_store_web_advisory_each(pi_store *store,
        int (*fn)(void *arg, const struct pi_web_advisory *a), void *arg, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = take(store, sql_adv_list, &c, &st, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int(st, 1, PI_WEB_ADVISORY_LIST_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct pi_web_advisory a;
		int stop;
		ret = row_advisory(st, &a, err);
		if (ret != PI_OK)
			goto out;
		stop = fn(arg, &a);
		pi_web_advisory_clear(&a);
		if (stop)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "listing advisories", err);
out:
	pi_stmt_sql_put(c, sql_adv_list, st);
	return ret;
}
