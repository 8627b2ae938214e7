/* store_cases.c - SQLite storage of cases, filings, attachments, reminders and the audit
 * log (store_cases.h).
 *
 * Statements are prepared per call on the calling thread's connection (pi_conn_get) and
 * finalised before return; the shared statement cache of store_sqlite.c is not used, so
 * this file adds no entries to the core's statement table. Every write runs in one
 * BEGIN IMMEDIATE transaction that also appends its audit entry (audit_append_tx).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "store/store_cases.h"
#include "store/store_int.h"

#define TEXT_MAX ((size_t)16 << 20)
#define BLOB_MAX ((size_t)64 << 20)

/* A value to bind: 'i' integer (PI_STORE_TIME_NULL binds NULL), 's' text (NULL binds
 * NULL), 'b' blob, 'n' NULL. */
struct val {
	char t;
	int64_t i;
	const char *s;
	const void *b;
	size_t n;
};
#define VI(x) ((struct val){'i', (int64_t)(x), NULL, NULL, 0})
#define VS(x) ((struct val){'s', 0, (x), NULL, 0})
#define VB(p, len) ((struct val){'b', 0, NULL, (p), (len)})

static pi_status prepare(struct pi_conn *c, const char *sql, const struct val *v, size_t nv,
        sqlite3_stmt **out, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);

	*out = NULL;
	if (rc != SQLITE_OK)
		return pi_db_fail(c, rc, "preparing a cases statement", err);
	for (size_t k = 0; k < nv; k++) {
		int col = (int)k + 1;
		switch (v[k].t) {
		case 'i':
			rc = v[k].i == PI_STORE_TIME_NULL ? sqlite3_bind_null(st, col)
			                                  : sqlite3_bind_int64(st, col, v[k].i);
			break;
		case 's': rc = pi_bind_str(st, col, v[k].s, TEXT_MAX); break;
		case 'b': rc = sqlite3_bind_blob64(st, col, v[k].b, v[k].n, SQLITE_STATIC); break;
		default: rc = sqlite3_bind_null(st, col); break;
		}
		if (rc != SQLITE_OK) {
			sqlite3_finalize(st);
			return pi_db_fail(c, rc, "binding a cases statement", err);
		}
	}
	*out = st;
	return PI_OK;
}

/* Runs a statement that returns no rows. *changes (may be NULL) gets the rows changed. */
static pi_status exec(struct pi_conn *c, const char *sql, const struct val *v, size_t nv,
        int *changes, const char *what, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = prepare(c, sql, v, nv, &st, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		ret = pi_db_fail(c, rc, what, err);
	else if (changes)
		*changes = sqlite3_changes(c->db);
	sqlite3_finalize(st);
	return ret;
}

/* Converts the current row into a JSON object (integers, text, null; blobs skipped). */
static cJSON *row_object(sqlite3_stmt *st)
{
	cJSON *o = cJSON_CreateObject();
	int n = sqlite3_column_count(st);

	for (int k = 0; o && k < n; k++) {
		const char *name = sqlite3_column_name(st, k);
		cJSON *v = NULL;
		switch (sqlite3_column_type(st, k)) {
		case SQLITE_INTEGER:
			v = cJSON_CreateNumber((double)sqlite3_column_int64(st, k));
			break;
		case SQLITE_FLOAT: v = cJSON_CreateNumber(sqlite3_column_double(st, k)); break;
		case SQLITE_TEXT:
			v = cJSON_CreateString((const char *)sqlite3_column_text(st, k));
			break;
		case SQLITE_NULL: v = cJSON_CreateNull(); break;
		default: continue;
		}
		if (!v || !cJSON_AddItemToObject(o, name, v)) {
			cJSON_Delete(v);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

/* Runs a query and returns its rows as a JSON array (at most max rows). */
static pi_status query(struct pi_conn *c, const char *sql, const struct val *v, size_t nv,
        size_t max, cJSON **out, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	cJSON *arr = NULL;
	pi_status ret = prepare(c, sql, v, nv, &st, err);
	int rc;

	*out = NULL;
	if (ret != PI_OK)
		return ret;
	arr = cJSON_CreateArray();
	if (!arr) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		cJSON *o;
		if ((size_t)cJSON_GetArraySize(arr) >= max) {
			ret = pi_error_set(err, PI_ERR_TOOBIG, "more than %zu rows", max);
			goto out;
		}
		o = row_object(st);
		if (!o) {
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		cJSON_AddItemToArray(arr, o);
	}
	if (rc != SQLITE_DONE) {
		ret = pi_db_fail(c, rc, "reading cases", err);
		goto out;
	}
	*out = arr;
	arr = NULL;
out:
	cJSON_Delete(arr);
	sqlite3_finalize(st);
	return ret;
}

static pi_status begin(pi_store *store, struct pi_conn **c, struct pi_error *err)
{
	pi_status ret = pi_conn_get(store, c, err);

	if (ret != PI_OK)
		return ret;
	return pi_tx_begin(*c, err);
}

static pi_status finish(struct pi_conn *c, pi_status ret, struct pi_error *err)
{
	if (ret == PI_OK)
		return pi_tx_commit(c, err);
	pi_tx_rollback(c);
	return ret;
}

/* ---- audit ---- */

/* Appends an audit entry inside the caller's transaction. */
static pi_status audit_append_tx(struct pi_conn *c, const char *actor, const char *action,
        const char *target, const char *detail, struct pi_error *err)
{
	struct pi_audit_entry e, prev;
	sqlite3_stmt *st = NULL;
	int have_prev = 0, rc;
	pi_status ret;

	memset(&e, 0, sizeof(e));
	memset(&prev, 0, sizeof(prev));
	ret = prepare(
	        c, "SELECT seq, hash FROM audit_log ORDER BY pos DESC LIMIT 1", NULL, 0, &st, err);
	if (ret != PI_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(st, 1);
		if (sqlite3_column_bytes(st, 1) != PI_AUDIT_HASH_LEN || !h) {
			sqlite3_finalize(st);
			return pi_error_set(err, PI_ERR_INTERNAL,
			        "the last audit entry has no valid hash: run `postisac audit "
			        "verify`");
		}
		prev.seq = (uint64_t)sqlite3_column_int64(st, 0);
		memcpy(prev.hash, h, PI_AUDIT_HASH_LEN);
		have_prev = 1;
	} else if (rc != SQLITE_DONE) {
		ret = pi_db_fail(c, rc, "reading the audit tip", err);
	}
	sqlite3_finalize(st);
	if (ret != PI_OK)
		return ret;
	e.at = pi_time_now_us();
	e.actor = actor ? actor : "system";
	e.action = action ? action : "";
	e.target = target ? target : "";
	e.detail = detail ? detail : "";
	ret = pi_audit_chain(&e, have_prev ? &prev : NULL);
	if (ret != PI_OK)
		return pi_error_set(err, ret, "audit entry too big");
	return exec(c,
	        "INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash) "
	        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	        (struct val[]){VI(e.seq), VI(e.at), VS(e.actor), VS(e.action), VS(e.target),
	                VS(e.detail), VB(e.prev_hash, PI_AUDIT_HASH_LEN),
	                VB(e.hash, PI_AUDIT_HASH_LEN)},
	        8, NULL, "appending to the audit log", err);
}

pi_status pi_audit_append(pi_store *store, const char *actor, const char *action,
        const char *target, const char *detail)
{
	struct pi_conn *c = NULL;
	struct pi_error err;
	pi_status ret = begin(store, &c, &err);

	if (ret == PI_OK)
		ret = finish(c, audit_append_tx(c, actor, action, target, detail, &err), &err);
	if (ret != PI_OK)
		pi_log_error("event=audit_append_failed action=\"%s\" error=\"%s\"",
		        action ? action : "", err.message);
	return ret;
}

pi_status pi_audit_append_by(pi_store *store, const char *username, const char *action,
        const char *target, const char *detail)
{
	char actor[96];

	snprintf(actor, sizeof(actor), "user:%s", username && *username ? username : "?");
	return pi_audit_append(store, actor, action, target, detail);
}

void pi_audit_red_reads(pi_store *store, const char *username, int64_t collection_id, size_t count)
{
	char target[48], detail[64];

	if (count == 0)
		return;
	snprintf(target, sizeof(target), "collection-%lld", (long long)collection_id);
	snprintf(detail, sizeof(detail), "{\"tlp\":\"red\",\"objects\":%zu}", count);
	pi_audit_append_by(store, username, "taxii.read", target, detail);
}

struct audit_cursor {
	sqlite3_stmt *st;
};

static pi_status audit_next(void *ctx, struct pi_audit_entry *e, bool *done)
{
	struct audit_cursor *cur = ctx;
	int rc = sqlite3_step(cur->st);
	const void *p, *h;

	if (rc == SQLITE_DONE) {
		*done = true;
		return PI_OK;
	}
	if (rc != SQLITE_ROW)
		return PI_ERR_IO;
	memset(e, 0, sizeof(*e));
	e->seq = (uint64_t)sqlite3_column_int64(cur->st, 0);
	e->at = sqlite3_column_int64(cur->st, 1);
	e->actor = (const char *)sqlite3_column_text(cur->st, 2);
	e->action = (const char *)sqlite3_column_text(cur->st, 3);
	e->target = (const char *)sqlite3_column_text(cur->st, 4);
	e->detail = (const char *)sqlite3_column_text(cur->st, 5);
	p = sqlite3_column_blob(cur->st, 6);
	if (p && sqlite3_column_bytes(cur->st, 6) == PI_AUDIT_HASH_LEN)
		memcpy(e->prev_hash, p, PI_AUDIT_HASH_LEN);
	else /* a damaged link: all ones never matches a real hash */
		memset(e->prev_hash, 0xff, PI_AUDIT_HASH_LEN);
	h = sqlite3_column_blob(cur->st, 7);
	if (h && sqlite3_column_bytes(cur->st, 7) == PI_AUDIT_HASH_LEN)
		memcpy(e->hash, h, PI_AUDIT_HASH_LEN);
	else
		memset(e->hash, 0xff, PI_AUDIT_HASH_LEN);
	if (!e->actor)
		e->actor = "";
	if (!e->action)
		e->action = "";
	if (!e->target)
		e->target = "";
	*done = false;
	return PI_OK;
}

pi_status pi_store_audit_verify(pi_store *store, const struct pi_audit_expect *expect,
        struct pi_audit_report *report, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	struct audit_cursor cur = {NULL};
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = prepare(c,
	        "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log "
	        "ORDER BY pos",
	        NULL, 0, &cur.st, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_audit_verify(audit_next, &cur, expect, report);
	if (ret != PI_OK)
		pi_error_set(err, ret, "reading the audit log failed: %s", sqlite3_errmsg(c->db));
	sqlite3_finalize(cur.st);
	return ret;
}

/* ---- cases ---- */

static void case_vals(const struct pi_case_fields *f, struct val *v)
{
	v[0] = VS(f->title);
	v[1] = VS(f->description);
	v[2] = VI(f->discovered_at);
	v[3] = VI(f->aware_at);
	v[4] = VI(f->occurred_at);
	v[5] = VI(f->handled_at);
	v[6] = VS(f->location ? f->location : "");
	v[7] = VS(f->services ? f->services : "[]");
	v[8] = VS(f->category_class);
	v[9] = VS(f->category_type);
	v[10] = VS(f->severity);
	v[11] = VS(f->revenue_risk);
	v[12] = VI(f->tlp);
	v[13] = VS(f->status);
	v[14] = VS(f->users ? f->users : "[]");
	v[15] = VS(f->stix_refs ? f->stix_refs : "[]");
	v[16] = VS(f->indicators ? f->indicators : "[]");
}

static pi_status add_move(struct pi_conn *c, int64_t case_id, const char *from, const char *to,
        int64_t by, int64_t at, struct pi_error *err)
{
	return exec(c,
	        "INSERT INTO case_moves (case_id, from_status, to_status, by_user, at) "
	        "VALUES (?1, ?2, ?3, ?4, ?5)",
	        (struct val[]){VI(case_id), VS(from), VS(to), VI(by), VI(at)}, 5, NULL,
	        "recording a status move", err);
}

pi_status pi_store_case_create(pi_store *store, const struct pi_case_fields *f,
        const struct pi_case_regime_in *regimes, size_t nregimes, int64_t at, const char *actor,
        const char *detail, int64_t *id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	struct val v[21];
	char target[64];
	pi_status ret = begin(store, &c, err);

	if (ret != PI_OK)
		return ret;
	case_vals(f, v);
	v[17] = VI(f->reporter_org);
	v[18] = VI(f->reporter_user);
	v[19] = VI(at);
	v[20] = VI(at);
	ret = exec(c,
	        "INSERT INTO cases (title, description, discovered_at, aware_at, occurred_at, "
	        "handled_at, location, services, category_class, category_type, severity, "
	        "revenue_risk, tlp, status, users, stix_refs, indicators, reporter_org, "
	        "reporter_user, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
	        "?9, "
	        "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
	        v, 21, NULL, "creating a case", err);
	if (ret != PI_OK)
		goto out;
	*id = sqlite3_last_insert_rowid(c->db);
	for (size_t k = 0; k < nregimes && ret == PI_OK; k++)
		ret = exec(c,
		        "INSERT INTO case_regimes (case_id, regime, recipient_org, added_at) "
		        "VALUES (?1, ?2, ?3, ?4)",
		        (struct val[]){VI(*id), VS(regimes[k].regime), VI(regimes[k].recipient_org),
		                VI(at)},
		        4, NULL, "adding a regime to the case", err);
	if (ret == PI_OK)
		ret = add_move(c, *id, "", f->status, f->reporter_user, at, err);
	snprintf(target, sizeof(target), "case-%lld", (long long)*id);
	if (ret == PI_OK)
		ret = audit_append_tx(c, actor, "case.create", target, detail, err);
out:
	return finish(c, ret, err);
}

pi_status pi_store_case_update(pi_store *store, int64_t id, const struct pi_case_fields *f,
        const char *move_from, int64_t by_user, int64_t at, const char *actor, const char *action,
        const char *detail, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	struct val v[20];
	char target[64];
	int changes = 0;
	pi_status ret = begin(store, &c, err);

	if (ret != PI_OK)
		return ret;
	case_vals(f, v);
	v[17] = VI(at);
	v[18] = VI(id);
	v[19] = VS(move_from);
	ret = exec(c,
	        "UPDATE cases SET title = ?1, description = ?2, discovered_at = ?3, aware_at = ?4, "
	        "occurred_at = ?5, handled_at = ?6, location = ?7, services = ?8, category_class = "
	        "?9, category_type = ?10, severity = ?11, revenue_risk = ?12, tlp = ?13, status = "
	        "?14, users = ?15, stix_refs = ?16, indicators = ?17, updated_at = ?18 WHERE id = "
	        "?19 "
	        "AND (?20 IS NULL OR status = ?20)",
	        v, 20, &changes, "updating a case", err);
	if (ret == PI_OK && changes == 0)
		ret = pi_error_set(err, move_from ? PI_ERR_CONFLICT : PI_ERR_NOTFOUND,
		        move_from ? "the case's status changed meanwhile; reload and try again"
		                  : "no such case");
	if (ret == PI_OK && move_from)
		ret = add_move(c, id, move_from, f->status, by_user, at, err);
	snprintf(target, sizeof(target), "case-%lld", (long long)id);
	if (ret == PI_OK)
		ret = audit_append_tx(c, actor, action, target, detail, err);
	return finish(c, ret, err);
}

pi_status pi_store_case_add_regime(pi_store *store, int64_t id,
        const struct pi_case_regime_in *regime, int64_t at, const char *actor, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char target[64], detail[256];
	cJSON *rows = NULL;
	pi_status ret = begin(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = query(c, "SELECT 1 AS x FROM case_regimes WHERE case_id = ?1 AND regime = ?2",
	        (struct val[]){VI(id), VS(regime->regime)}, 2, 1, &rows, err);
	if (ret == PI_OK && cJSON_GetArraySize(rows) > 0)
		ret = pi_error_set(err, PI_ERR_EXISTS, "the case already runs under regime '%s'",
		        regime->regime);
	if (ret == PI_OK)
		ret = exec(c,
		        "INSERT INTO case_regimes (case_id, regime, recipient_org, added_at) "
		        "VALUES (?1, ?2, ?3, ?4)",
		        (struct val[]){
		                VI(id), VS(regime->regime), VI(regime->recipient_org), VI(at)},
		        4, NULL, "adding a regime", err);
	snprintf(target, sizeof(target), "case-%lld", (long long)id);
	snprintf(detail, sizeof(detail), "{\"regime\":\"%.64s\",\"recipient_org\":%lld}",
	        regime->regime, (long long)regime->recipient_org);
	if (ret == PI_OK)
		ret = audit_append_tx(c, actor, "case.regime.add", target, detail, err);
	cJSON_Delete(rows);
	return finish(c, ret, err);
}

pi_status pi_store_case_get(pi_store *store, int64_t id, cJSON **out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	cJSON *rows = NULL, *regimes = NULL, *moves = NULL, *row;
	pi_status ret = pi_conn_get(store, &c, err);

	*out = NULL;
	if (ret != PI_OK)
		return ret;
	ret = query(
	        c, "SELECT * FROM cases WHERE id = ?1", (struct val[]){VI(id)}, 1, 1, &rows, err);
	if (ret != PI_OK)
		goto out;
	if (cJSON_GetArraySize(rows) == 0) {
		ret = pi_error_set(err, PI_ERR_NOTFOUND, "no such case");
		goto out;
	}
	ret = query(c,
	        "SELECT regime, recipient_org, added_at FROM case_regimes WHERE case_id = ?1 "
	        "ORDER BY added_at, regime",
	        (struct val[]){VI(id)}, 1, PI_STORE_MAX_ROWS, &regimes, err);
	if (ret == PI_OK)
		ret = query(c,
		        "SELECT from_status, to_status, by_user, at FROM case_moves WHERE case_id "
		        "= ?1 "
		        "ORDER BY id",
		        (struct val[]){VI(id)}, 1, PI_STORE_MAX_ROWS, &moves, err);
	if (ret != PI_OK)
		goto out;
	row = cJSON_DetachItemFromArray(rows, 0);
	cJSON_AddItemToObject(row, "regimes", regimes);
	cJSON_AddItemToObject(row, "moves", moves);
	regimes = moves = NULL;
	*out = row;
out:
	cJSON_Delete(rows);
	cJSON_Delete(regimes);
	cJSON_Delete(moves);
	return ret;
}

pi_status pi_store_case_ids(pi_store *store, int64_t **ids, size_t *n, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	cJSON *rows = NULL;
	int64_t *list = NULL;
	size_t k = 0;
	pi_status ret = pi_conn_get(store, &c, err);

	*ids = NULL;
	*n = 0;
	if (ret != PI_OK)
		return ret;
	ret = query(c, "SELECT id FROM cases ORDER BY id", NULL, 0, PI_STORE_MAX_CASES, &rows, err);
	if (ret != PI_OK)
		return ret;
	list = calloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof(*list));
	if (!list) {
		cJSON_Delete(rows);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	for (const cJSON *r = rows->child; r; r = r->next)
		list[k++] = (int64_t)cJSON_GetObjectItem(r, "id")->valuedouble;
	cJSON_Delete(rows);
	*ids = list;
	*n = k;
	return PI_OK;
}

/* ---- filings ---- */

pi_status pi_store_filing_add(pi_store *store, const struct pi_filing_in *f, pi_filing_sign_fn sign,
        void *sign_arg, const char *actor, int64_t *id, char **receipt, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	cJSON *rows = NULL;
	char *signed_receipt = NULL;
	char target[64], detail[512];
	int64_t next;
	pi_status ret = begin(store, &c, err);

	if (receipt)
		*receipt = NULL;
	if (ret != PI_OK)
		return ret;
	if (f->supersedes) {
		ret = query(c,
		        "SELECT id FROM case_filings WHERE id = ?1 AND case_id = ?2 AND regime = "
		        "?3 "
		        "AND stage = ?4",
		        (struct val[]){
		                VI(f->supersedes), VI(f->case_id), VS(f->regime), VS(f->stage)},
		        4, 1, &rows, err);
		if (ret == PI_OK && cJSON_GetArraySize(rows) == 0)
			ret = pi_error_set(err, PI_ERR_NOTFOUND,
			        "supersedes: filing %lld is not a filing of this case's stage '%s'",
			        (long long)f->supersedes, f->stage);
		cJSON_Delete(rows);
		rows = NULL;
		if (ret != PI_OK)
			goto out;
	}
	ret = query(c, "SELECT COALESCE(MAX(id), 0) + 1 AS next FROM case_filings", NULL, 0, 1,
	        &rows, err);
	if (ret != PI_OK)
		goto out;
	next = (int64_t)cJSON_GetObjectItem(rows->child, "next")->valuedouble;
	ret = sign(sign_arg, next, &signed_receipt, err);
	if (ret != PI_OK)
		goto out;
	ret = exec(c,
	        "INSERT INTO case_filings (id, case_id, regime, stage, content, content_sha256, "
	        "filed_at, filed_by, supersedes, due_at, receipt) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	        "?7, ?8, ?9, ?10, ?11)",
	        (struct val[]){VI(next), VI(f->case_id), VS(f->regime), VS(f->stage),
	                VS(f->content), VS(f->content_sha256), VI(f->filed_at), VI(f->filed_by),
	                f->supersedes ? VI(f->supersedes) : VI(PI_STORE_TIME_NULL), VI(f->due_at),
	                VS(signed_receipt)},
	        11, NULL, "storing the filing", err);
	if (ret != PI_OK)
		goto out;
	snprintf(target, sizeof(target), "case-%lld", (long long)f->case_id);
	snprintf(detail, sizeof(detail),
	        "{\"filing_id\":%lld,\"regime\":\"%.64s\",\"stage\":\"%.64s\","
	        "\"content_sha256\":\"%.64s\",\"supersedes\":%lld}",
	        (long long)next, f->regime, f->stage, f->content_sha256, (long long)f->supersedes);
	ret = audit_append_tx(c, actor, "case.file", target, detail, err);
	if (ret == PI_OK) {
		*id = next;
		if (receipt) {
			*receipt = signed_receipt;
			signed_receipt = NULL;
		}
	}
out:
	cJSON_Delete(rows);
	ret = finish(c, ret, err);
	if (ret != PI_OK && receipt) {
		free(*receipt);
		*receipt = NULL;
	}
	free(signed_receipt);
	return ret;
}

pi_status pi_store_case_filings(pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	return query(c, "SELECT * FROM case_filings WHERE case_id = ?1 ORDER BY id",
	        (struct val[]){VI(case_id)}, 1, PI_STORE_MAX_ROWS, out, err);
}

/* ---- limits and requests ---- */

pi_status pi_store_case_limit_add(pi_store *store, int64_t case_id, const char *regime,
        const char *stage, const char *unit, int value, int64_t due_at, int64_t by_user, int64_t at,
        const char *actor, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char target[64], detail[256];
	pi_status ret = begin(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = exec(c,
	        "INSERT INTO case_limits (case_id, regime, stage, unit, value, due_at, set_by, "
	        "set_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	        (struct val[]){VI(case_id), VS(regime), VS(stage), VS(unit), VI(value), VI(due_at),
	                VI(by_user), VI(at)},
	        8, NULL, "storing the time limit", err);
	snprintf(target, sizeof(target), "case-%lld", (long long)case_id);
	snprintf(detail, sizeof(detail),
	        "{\"regime\":\"%.64s\",\"stage\":\"%.64s\",\"unit\":\"%.16s\",\"value\":%d}",
	        regime, stage, unit, value);
	if (ret == PI_OK)
		ret = audit_append_tx(c, actor, "case.limit", target, detail, err);
	return finish(c, ret, err);
}

pi_status pi_store_case_limits(pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	return query(c, "SELECT * FROM case_limits WHERE case_id = ?1 ORDER BY id",
	        (struct val[]){VI(case_id)}, 1, PI_STORE_MAX_ROWS, out, err);
}

pi_status pi_store_case_request_add(pi_store *store, int64_t case_id, const char *regime,
        const char *stage, int64_t requested_at, int64_t due_at, const char *note, int64_t by_user,
        const char *actor, int64_t *id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char target[64], detail[256];
	pi_status ret = begin(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = exec(c,
	        "INSERT INTO case_requests (case_id, regime, stage, requested_at, due_at, note, "
	        "by_user) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	        (struct val[]){VI(case_id), VS(regime), VS(stage), VI(requested_at), VI(due_at),
	                VS(note ? note : ""), VI(by_user)},
	        7, NULL, "storing the request", err);
	if (ret == PI_OK)
		*id = sqlite3_last_insert_rowid(c->db);
	snprintf(target, sizeof(target), "case-%lld", (long long)case_id);
	snprintf(detail, sizeof(detail), "{\"regime\":\"%.64s\",\"stage\":\"%.64s\"}", regime,
	        stage);
	if (ret == PI_OK)
		ret = audit_append_tx(c, actor, "case.request", target, detail, err);
	return finish(c, ret, err);
}

pi_status pi_store_case_requests(
        pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	return query(c, "SELECT * FROM case_requests WHERE case_id = ?1 ORDER BY requested_at, id",
	        (struct val[]){VI(case_id)}, 1, PI_STORE_MAX_ROWS, out, err);
}

/* ---- attachments ---- */

pi_status pi_store_attachment_add(pi_store *store, int64_t case_id, const char *sha256,
        const char *filename, const char *media_type, const void *data, size_t size,
        int64_t by_user, int64_t at, const char *actor, int64_t *id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char target[64], detail[512];
	pi_status ret;

	if (size > BLOB_MAX)
		return pi_error_set(
		        err, PI_ERR_TOOBIG, "attachment larger than %zu bytes", BLOB_MAX);
	ret = begin(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = exec(c,
	        "INSERT INTO attachment_blobs (sha256, size, content) VALUES (?1, ?2, ?3) "
	        "ON CONFLICT(sha256) DO NOTHING",
	        (struct val[]){VS(sha256), VI((int64_t)size), VB(data, size)}, 3, NULL,
	        "storing the attachment", err);
	if (ret == PI_OK)
		ret = exec(c,
		        "INSERT INTO case_attachments (case_id, sha256, filename, media_type, "
		        "size, "
		        "added_by, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		        (struct val[]){VI(case_id), VS(sha256), VS(filename), VS(media_type),
		                VI((int64_t)size), VI(by_user), VI(at)},
		        7, NULL, "linking the attachment", err);
	if (ret == PI_OK)
		*id = sqlite3_last_insert_rowid(c->db);
	snprintf(target, sizeof(target), "case-%lld", (long long)case_id);
	snprintf(detail, sizeof(detail),
	        "{\"sha256\":\"%.64s\",\"media_type\":\"%.64s\",\"size\":%zu}", sha256, media_type,
	        size);
	if (ret == PI_OK)
		ret = audit_append_tx(c, actor, "case.attach", target, detail, err);
	return finish(c, ret, err);
}

pi_status pi_store_case_attachments(
        pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	return query(c,
	        "SELECT id, sha256, filename, media_type, size, added_by, added_at FROM "
	        "case_attachments WHERE case_id = ?1 ORDER BY id",
	        (struct val[]){VI(case_id)}, 1, PI_STORE_MAX_ROWS, out, err);
}

pi_status pi_store_attachment_get(pi_store *store, int64_t case_id, int64_t attachment_id,
        cJSON **meta, void **data, size_t *size, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	cJSON *rows = NULL;
	pi_status ret = pi_conn_get(store, &c, err);
	int rc;

	*meta = NULL;
	*data = NULL;
	*size = 0;
	if (ret != PI_OK)
		return ret;
	ret = query(c,
	        "SELECT id, sha256, filename, media_type, size, added_by, added_at FROM "
	        "case_attachments WHERE case_id = ?1 AND id = ?2",
	        (struct val[]){VI(case_id), VI(attachment_id)}, 2, 1, &rows, err);
	if (ret != PI_OK)
		return ret;
	if (cJSON_GetArraySize(rows) == 0) {
		cJSON_Delete(rows);
		return pi_error_set(err, PI_ERR_NOTFOUND, "no such attachment");
	}
	ret = prepare(c, "SELECT content FROM attachment_blobs WHERE sha256 = ?1",
	        (struct val[]){
	                VS(cJSON_GetStringValue(cJSON_GetObjectItem(rows->child, "sha256")))},
	        1, &st, err);
	if (ret != PI_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		ret = rc == SQLITE_DONE
		              ? pi_error_set(err, PI_ERR_INTERNAL, "attachment content missing")
		              : pi_db_fail(c, rc, "reading the attachment", err);
		goto out;
	}
	*size = (size_t)sqlite3_column_bytes(st, 0);
	*data = malloc(*size ? *size : 1);
	if (!*data) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (*size)
		memcpy(*data, sqlite3_column_blob(st, 0), *size);
	*meta = cJSON_DetachItemFromArray(rows, 0);
out:
	sqlite3_finalize(st);
	cJSON_Delete(rows);
	return ret;
}

/* ---- provider documents ---- */

pi_status pi_store_provider_doc_add(pi_store *store, int64_t org_id, int64_t recipient_org,
        const char *regime, const char *document, const char *content, const char *content_sha256,
        int64_t by_user, int64_t at, const char *actor, int64_t *id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char target[64], detail[256];
	pi_status ret = begin(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = exec(c,
	        "INSERT INTO provider_documents (org_id, regime, document, content, "
	        "content_sha256, "
	        "filed_by, filed_at, recipient_org) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	        (struct val[]){VI(org_id), VS(regime), VS(document), VS(content),
	                VS(content_sha256), VI(by_user), VI(at), VI(recipient_org)},
	        8, NULL, "storing the document", err);
	if (ret == PI_OK)
		*id = sqlite3_last_insert_rowid(c->db);
	snprintf(target, sizeof(target), "org-%lld", (long long)org_id);
	snprintf(detail, sizeof(detail),
	        "{\"regime\":\"%.64s\",\"document\":\"%.64s\",\"content_sha256\":\"%.64s\"}",
	        regime, document, content_sha256);
	if (ret == PI_OK)
		ret = audit_append_tx(c, actor, "provider.document", target, detail, err);
	return finish(c, ret, err);
}

pi_status pi_store_provider_docs(pi_store *store, int64_t org_id, cJSON **out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	return query(c, "SELECT * FROM provider_documents WHERE org_id = ?1 ORDER BY id",
	        (struct val[]){VI(org_id)}, 1, PI_STORE_MAX_ROWS, out, err);
}

/* ---- reminders ---- */

pi_status pi_store_reminder_once(pi_store *store, const struct pi_reminder_key *k, int64_t at,
        pi_status (*send)(void *arg, struct pi_error *err), void *arg, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	char target[64], detail[512];
	int changes = 0;
	pi_status ret = begin(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = exec(c,
	        "INSERT INTO reminders_sent (case_id, regime, stage, instance, due_at, kind, "
	        "channel, sent_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
	        (struct val[]){VI(k->case_id), VS(k->regime), VS(k->stage), VI(k->instance),
	                VI(k->due_at), VS(k->kind), VS(k->channel), VI(at)},
	        8, &changes, "claiming a reminder", err);
	if (ret == PI_OK && changes == 0)
		ret = pi_error_set(err, PI_ERR_EXISTS, "reminder already sent");
	if (ret == PI_OK)
		ret = send(arg, err);
	snprintf(target, sizeof(target), "case-%lld", (long long)k->case_id);
	snprintf(detail, sizeof(detail),
	        "{\"regime\":\"%.64s\",\"stage\":\"%.64s\",\"instance\":%d,\"kind\":\"%.32s\","
	        "\"channel\":\"%.200s\"}",
	        k->regime, k->stage, k->instance, k->kind, k->channel);
	if (ret == PI_OK)
		ret = audit_append_tx(c, "system", "case.remind", target, detail, err);
	return finish(c, ret, err);
}

pi_status pi_store_reminders_count(
        pi_store *store, int64_t case_id, int64_t *count, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	cJSON *rows = NULL;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = query(c, "SELECT COUNT(*) AS n FROM reminders_sent WHERE ?1 = 0 OR case_id = ?1",
	        (struct val[]){VI(case_id)}, 1, 1, &rows, err);
	if (ret == PI_OK)
		*count = (int64_t)cJSON_GetObjectItem(rows->child, "n")->valuedouble;
	cJSON_Delete(rows);
	return ret;
}
