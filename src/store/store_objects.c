/* store_objects.c - STIX object versions, TAXII status resources.
 *
 * Writing (pi_store_objects_put): one BEGIN IMMEDIATE transaction per call. For each object:
 *  - with a version: if (collection, id, version_key) exists, the bodies are compared (bytes,
 *    then semantically with cJSON_Compare so key order and spacing do not matter):
 *    PI_PUT_UNCHANGED or PI_PUT_CONFLICT, nothing written; otherwise a new row;
 *  - without a version (SCOs, some marking-definitions): the store gives it date_added as its
 *    version ("YYYY-MM-DDTHH:MM:SS.ffffffZ") and version key. Re-posting the same id with the
 *    same content is PI_PUT_UNCHANGED; with different content the earlier versionless row(s)
 *    of that id are REPLACED by a new row with a new date_added (an object without a version
 *    has no history to keep, and TAXII clients polling added_after then see the change);
 *  - every added row gets date_added = max(now, last + 1), where last is the hub-wide
 *    counter kept in the same transaction, so date_added is unique and strictly increasing
 *    across the hub even across deletes and clock steps backwards;
 *  - is_first / is_last are kept exact per (collection, id) by comparing the new version key
 *    with the current smallest and largest (two index probes).
 * Any error rolls the whole call back: nothing is half-written.
 *
 * Reading (pi_store_objects_query): keyset pagination on date_added (never OFFSET). Four
 * statement shapes, each forcing the index that drives it (INDEXED BY), so that the page
 * after any position costs O(log n + page):
 *    ids given        objects_coll_id_version (collection_id, stix_id, ...), then sorted
 *    one type         objects_coll_type_added (collection_id, type, date_added)
 *    latest only      objects_coll_last_added (collection_id, is_last, date_added)
 *    otherwise        objects_coll_added      (collection_id, date_added)
 * Remaining filters (several types, spec versions, version selection) are checked on the
 * rows the index yields; list filters are bound as JSON arrays read with json_each, so one
 * prepared statement serves every list length. The statement fetches max_rows + 1 rows: the
 * extra one only tells *more.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/timeutil.h"
#include "store/store_int.h"

#define OBJECT_BODY_MAX (64u << 20)
#define STIX_ID_MAX 320
#define STIX_TYPE_MAX 256
#define SPEC_VERSION_MAX 16
#define VERSION_MAX 64
#define RECIPIENTS_MAX 16384
#define FILTER_LIST_MAX 1000
#define FILTER_JSON_MAX (1u << 20)
#define DELETE_VERSIONS_MAX 1000000
#define STATUS_ID_MAX 40
#define STATUS_DETAILS_MAX (64u << 20)

static const char counter_date_added[] = "date_added";

/* ---- shared helpers ---- */

/* Reads a collection's scope for the rows' access facts. */
static pi_status collection_scope(struct pi_conn *c, int64_t collection_id,
        enum pi_scope_kind *kind, int64_t *scope_id, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, ST_COLL_BY_ID, &st, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, collection_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*kind = (enum pi_scope_kind)sqlite3_column_int(st, 2);
		*scope_id = sqlite3_column_int64(st, 3);
	} else if (rc == SQLITE_DONE) {
		ret = pi_error_set(err, PI_ERR_NOTFOUND, "no collection with id %lld",
		        (long long)collection_id);
	} else {
		ret = pi_db_fail(c, rc, "reading a collection", err);
	}
	pi_stmt_put(c, ST_COLL_BY_ID, st);
	return ret;
}

/* Nonzero if two JSON texts hold the same value (member order and spacing ignored). */
static int bodies_equal(const char *a, size_t alen, const char *b, size_t blen)
{
	cJSON *ja = NULL;
	cJSON *jb = NULL;
	int same;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 1;
	ja = cJSON_ParseWithLength(a, alen);
	jb = ja ? cJSON_ParseWithLength(b, blen) : NULL;
	same = ja && jb && cJSON_Compare(ja, jb, 1);
	cJSON_Delete(ja);
	cJSON_Delete(jb);
	return same;
}

static int text_in(const char *s, size_t max, size_t min)
{
	size_t n = s ? strnlen(s, max) : 0;

	return s && n < max && n >= min;
}

static pi_status object_check(const struct pi_object_in *o, size_t i, struct pi_error *err)
{
	int has_version = o->version && o->version[0];
	int has_key = o->version_key && o->version_key[0];

	if (!text_in(o->stix_id, STIX_ID_MAX, 3))
		return pi_error_set(err, PI_ERR_INVALID, "object %zu: id missing or over %d bytes",
		        i, STIX_ID_MAX - 1);
	if (!text_in(o->type, STIX_TYPE_MAX, 1))
		return pi_error_set(err, PI_ERR_INVALID,
		        "object %zu: type missing or over %d bytes", i, STIX_TYPE_MAX - 1);
	if (o->spec_version && !text_in(o->spec_version, SPEC_VERSION_MAX, 0))
		return pi_error_set(err, PI_ERR_INVALID, "object %zu: spec_version over %d bytes",
		        i, SPEC_VERSION_MAX - 1);
	if (has_version != has_key)
		return pi_error_set(err, PI_ERR_INVALID,
		        "object %zu: version and version_key must be both set or both empty", i);
	if (has_version &&
	        (!text_in(o->version, VERSION_MAX, 1) || !text_in(o->version_key, VERSION_MAX, 1)))
		return pi_error_set(err, PI_ERR_INVALID, "object %zu: version over %d bytes", i,
		        VERSION_MAX - 1);
	if (o->tlp < PI_TLP_UNMARKED || o->tlp > PI_TLP_RED)
		return pi_error_set(
		        err, PI_ERR_INVALID, "object %zu: unknown TLP level %d", i, (int)o->tlp);
	if (o->recipients && !text_in(o->recipients, RECIPIENTS_MAX, 0))
		return pi_error_set(err, PI_ERR_INVALID, "object %zu: recipient list over %d bytes",
		        i, RECIPIENTS_MAX - 1);
	if (!o->body || o->body_len == 0)
		return pi_error_set(err, PI_ERR_INVALID, "object %zu: empty body", i);
	if (o->body_len > OBJECT_BODY_MAX)
		return pi_error_set(err, PI_ERR_TOOBIG, "object %zu: body of %zu bytes is over %u",
		        i, o->body_len, OBJECT_BODY_MAX);
	return PI_OK;
}

/* ---- put ---- */

struct put_ctx {
	struct pi_conn *c;
	int64_t collection_id;
	int64_t owner_org;
	int64_t owner_user;
	int64_t now;
	int64_t last;     /* last date_added handed out */
	int64_t last_seq; /* seq of the row put_one added */
};

static pi_status counter_read(struct pi_conn *c, int64_t *value, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, ST_COUNTER_GET, &st, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_text(st, 1, counter_date_added, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		*value = 0;
	else
		ret = pi_db_fail(c, rc, "reading the date_added counter", err);
	pi_stmt_put(c, ST_COUNTER_GET, st);
	return ret;
}

static pi_status counter_write(struct pi_conn *c, int64_t value, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, ST_COUNTER_SET, &st, err);

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_text(st, 1, counter_date_added, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, value);
	return pi_stmt_done(c, ST_COUNTER_SET, st, "saving the date_added counter", err);
}

/* Runs a statement bound to (collection, id) [+ one int64]; returns no rows. */
static pi_status run_keyed(struct put_ctx *p, enum pi_stmt_id id, const char *stix_id, int64_t seq,
        const char *what, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(p->c, id, &st, err);

	if (ret != PI_OK)
		return ret;
	if (stix_id) {
		sqlite3_bind_int64(st, 1, p->collection_id);
		pi_bind_str(st, 2, stix_id, STIX_ID_MAX);
	} else {
		sqlite3_bind_int64(st, 1, seq);
	}
	return pi_stmt_done(p->c, id, st, what, err);
}

/* Looks for stored versions equal to o: *result set and *found = 1 when o needs no write.
 * For a versionless object, *replace tells that older versionless rows must go. */
static pi_status put_lookup(struct put_ctx *p, const struct pi_object_in *o, int versionless,
        enum pi_put_result *result, int *found, int *replace, struct pi_error *err)
{
	enum pi_stmt_id id = versionless ? ST_OBJ_AUTO : ST_OBJ_EXACT;
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(p->c, id, &st, err);
	int rc;

	*found = 0;
	*replace = 0;
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p->collection_id);
	pi_bind_str(st, 2, o->stix_id, STIX_ID_MAX);
	if (!versionless)
		pi_bind_str(st, 3, o->version_key, VERSION_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *body = (const char *)sqlite3_column_text(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		int same = body && bodies_equal(body, len, o->body, o->body_len);

		if (same || !versionless) {
			*found = 1;
			*result = same ? PI_PUT_UNCHANGED : PI_PUT_CONFLICT;
			break;
		}
		*replace = 1;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = pi_db_fail(p->c, rc, "looking up an object version", err);
	pi_stmt_put(p->c, id, st);
	return ret;
}

/* The current largest (or smallest) version of the id: *seq 0 when there is none; *after
 * tells whether key sorts after (before, for the smallest) it. */
static pi_status put_edge(struct put_ctx *p, enum pi_stmt_id id, const char *stix_id,
        const char *key, int64_t *seq, int *beyond, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(p->c, id, &st, err);
	int rc;

	*seq = 0;
	*beyond = 1;
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p->collection_id);
	pi_bind_str(st, 2, stix_id, STIX_ID_MAX);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int cmp = strcmp(key, (const char *)sqlite3_column_text(st, 1));
		*seq = sqlite3_column_int64(st, 0);
		*beyond = id == ST_OBJ_MAXKEY ? cmp > 0 : cmp < 0;
	} else if (rc != SQLITE_DONE) {
		ret = pi_db_fail(p->c, rc, "looking up object versions", err);
	}
	pi_stmt_put(p->c, id, st);
	return ret;
}

static pi_status put_one(struct put_ctx *p, const struct pi_object_in *o,
        enum pi_put_result *result, struct pi_error *err)
{
	int versionless = !o->version || !o->version[0];
	char auto_version[PI_TIME_TEXT_LEN];
	char auto_key[PI_TIME_KEY_LEN];
	const char *version = o->version;
	const char *key = o->version_key;
	int64_t date = p->now > p->last ? p->now : p->last + 1;
	int64_t max_seq = 0, min_seq = 0;
	int is_last = 1, is_first = 1;
	int found = 0, replace = 0;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	ret = put_lookup(p, o, versionless, result, &found, &replace, err);
	if (ret != PI_OK || found)
		return ret;
	if (replace) {
		ret = run_keyed(p, ST_OBJ_DELETE_AUTO, o->stix_id, 0, "replacing an object", err);
		if (ret != PI_OK)
			return ret;
	}
	if (versionless) {
		struct pi_time t = {
		        .sec = date / 1000000, .nsec = (int32_t)(date % 1000000) * 1000};
		pi_time_format_us(date, auto_version);
		pi_time_key(&t, auto_key);
		version = auto_version;
		key = auto_key;
	}
	ret = put_edge(p, ST_OBJ_MAXKEY, o->stix_id, key, &max_seq, &is_last, err);
	if (ret == PI_OK && max_seq)
		ret = put_edge(p, ST_OBJ_MINKEY, o->stix_id, key, &min_seq, &is_first, err);
	if (ret == PI_OK && max_seq && is_last)
		ret = run_keyed(p, ST_OBJ_CLEAR_LAST, NULL, max_seq, "updating is_last", err);
	if (ret == PI_OK && min_seq && is_first)
		ret = run_keyed(p, ST_OBJ_CLEAR_FIRST, NULL, min_seq, "updating is_first", err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(p->c, ST_OBJ_INSERT, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, p->collection_id);
	pi_bind_str(st, 2, o->stix_id, STIX_ID_MAX);
	pi_bind_str(st, 3, o->type, STIX_TYPE_MAX);
	pi_bind_str(st, 4, o->spec_version ? o->spec_version : "", SPEC_VERSION_MAX);
	pi_bind_str(st, 5, version, VERSION_MAX);
	pi_bind_str(st, 6, key, VERSION_MAX);
	sqlite3_bind_int(st, 7, versionless);
	sqlite3_bind_int64(st, 8, date);
	sqlite3_bind_int(st, 9, is_first);
	sqlite3_bind_int(st, 10, is_last);
	sqlite3_bind_int(st, 11, (int)o->tlp);
	sqlite3_bind_int64(st, 12, p->owner_org);
	sqlite3_bind_int64(st, 13, p->owner_user);
	pi_bind_str(st, 14, o->recipients ? o->recipients : "", RECIPIENTS_MAX);
	sqlite3_bind_text(st, 15, o->body, (int)o->body_len, SQLITE_STATIC);
	ret = pi_stmt_done(p->c, ST_OBJ_INSERT, st, "storing an object", err);
	if (ret != PI_OK)
		return ret;
	p->last_seq = sqlite3_last_insert_rowid(p->c->db);
	if (replace) {
		/* Other (versioned) rows of the id may have lost their flags to the removed rows.
		 */
		ret = run_keyed(p, ST_OBJ_RECOMPUTE, o->stix_id, 0, "updating version flags", err);
		if (ret != PI_OK)
			return ret;
	}
	p->last = date;
	*result = PI_PUT_ADDED;
	return PI_OK;
}

pi_status pi_objects_put_tx(struct pi_conn *c, int64_t collection_id, int64_t owner_org,
        int64_t owner_user, const struct pi_object_in *objs, size_t n, enum pi_put_result *results,
        int64_t *seqs, int64_t *date_added, struct pi_error *err)
{
	struct put_ctx p = {.c = c,
	        .collection_id = collection_id,
	        .owner_org = owner_org,
	        .owner_user = owner_user};
	enum pi_scope_kind kind;
	int64_t scope_id;
	int64_t first_added = 0;
	pi_status ret;

	if (date_added)
		*date_added = 0;
	if (n == 0)
		return PI_OK;
	if (!c || !objs || !results)
		return pi_error_set(err, PI_ERR_INVALID, "objects put: missing argument");
	for (size_t i = 0; i < n; i++) {
		ret = object_check(&objs[i], i, err);
		if (ret != PI_OK)
			return ret;
	}
	ret = collection_scope(p.c, collection_id, &kind, &scope_id, err);
	if (ret != PI_OK)
		return ret;
	ret = counter_read(p.c, &p.last, err);
	if (ret != PI_OK)
		return ret;
	p.now = pi_time_now_us();
	for (size_t i = 0; i < n; i++) {
		int64_t before = p.last;
		p.last_seq = 0;
		ret = put_one(&p, &objs[i], &results[i], err);
		if (ret != PI_OK) {
			pi_error_prefix(err, "object %zu (%.100s)", i, objs[i].stix_id);
			return ret;
		}
		if (seqs)
			seqs[i] = results[i] == PI_PUT_ADDED ? p.last_seq : 0;
		if (!first_added && p.last != before)
			first_added = p.last;
	}
	if (first_added) {
		ret = counter_write(p.c, p.last, err);
		if (ret != PI_OK)
			return ret;
	}
	if (date_added)
		*date_added = first_added;
	return PI_OK;
}

pi_status pi_store_objects_put(pi_store *store, int64_t collection_id, int64_t owner_org,
        int64_t owner_user, const struct pi_object_in *objs, size_t n, enum pi_put_result *results,
        int64_t *date_added, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	int64_t added = 0;
	pi_status ret;

	if (date_added)
		*date_added = 0;
	if (n == 0)
		return PI_OK;
	if (!store || !objs || !results)
		return pi_error_set(err, PI_ERR_INVALID, "objects put: missing argument");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_objects_put_tx(
	        c, collection_id, owner_org, owner_user, objs, n, results, NULL, &added, err);
	if (ret == PI_OK)
		ret = pi_tx_commit(c, err);
	if (ret == PI_OK && date_added)
		*date_added = added;
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

/* ---- query ---- */

/* The statement shape chosen for a query and its bound values. */
struct query_plan {
	enum pi_stmt_id id;
	const char *driver; /* ?3 for ONE_ID / TYPE */
	struct pi_buf ids;  /* ?3 for IDS */
	struct pi_buf types;
	struct pi_buf specs;
	struct pi_buf keys;
	int all, last, first;
};

static size_t list_len(const char *const *list)
{
	size_t n = 0;

	while (list && list[n] && n <= FILTER_LIST_MAX)
		n++;
	return n;
}

/* Writes list as a JSON array of strings into b (left empty for an empty list). */
static pi_status list_json(
        struct pi_buf *b, const char *const *list, const char *what, struct pi_error *err)
{
	size_t n = list_len(list);
	pi_status ret = PI_OK;

	if (n == 0)
		return PI_OK;
	if (n > FILTER_LIST_MAX)
		return pi_error_set(
		        err, PI_ERR_TOOBIG, "more than %d %s in one query", FILTER_LIST_MAX, what);
	ret = pi_buf_putc(b, '[');
	for (size_t i = 0; i < n && ret == PI_OK; i++) {
		if (i)
			ret = pi_buf_putc(b, ',');
		if (ret == PI_OK)
			ret = pi_buf_json_string(b, list[i]);
	}
	if (ret == PI_OK)
		ret = pi_buf_putc(b, ']');
	if (ret != PI_OK)
		return pi_error_set(err, ret, "query: the %s list is too long", what);
	return PI_OK;
}

static void plan_free(struct query_plan *plan)
{
	pi_buf_free(&plan->ids);
	pi_buf_free(&plan->types);
	pi_buf_free(&plan->specs);
	pi_buf_free(&plan->keys);
}

/* Chooses the statement for q. one_id (delete) forces the single-id shape on that id. q may
 * be NULL only with one_id: then every version matches. */
static pi_status plan_query(const struct pi_object_query *q, const char *one_id,
        struct query_plan *plan, struct pi_error *err)
{
	int flags = q ? q->version_flags & (PI_MATCH_LAST | PI_MATCH_FIRST | PI_MATCH_ALL) : 0;
	size_t n_ids = q && !one_id ? list_len(q->ids) : 0;
	size_t n_types = q ? list_len(q->types) : 0;
	size_t n_keys = q ? list_len(q->version_keys) : 0;
	pi_status ret;

	memset(plan, 0, sizeof(*plan));
	pi_buf_init(&plan->ids, FILTER_JSON_MAX);
	pi_buf_init(&plan->types, FILTER_JSON_MAX);
	pi_buf_init(&plan->specs, FILTER_JSON_MAX);
	pi_buf_init(&plan->keys, FILTER_JSON_MAX);
	if (!q)
		flags = PI_MATCH_ALL;
	else if (flags == 0 && n_keys == 0)
		flags = PI_MATCH_LAST;
	plan->all = (flags & PI_MATCH_ALL) != 0;
	plan->last = (flags & PI_MATCH_LAST) != 0;
	plan->first = (flags & PI_MATCH_FIRST) != 0;
	if (one_id) {
		plan->id = ST_OBJ_Q_ONE_ID;
		plan->driver = one_id;
	} else if (n_ids == 1) {
		plan->id = ST_OBJ_Q_ONE_ID;
		plan->driver = q->ids[0];
	} else if (n_ids > 1) {
		plan->id = ST_OBJ_Q_IDS;
		ret = list_json(&plan->ids, q->ids, "ids", err);
		if (ret != PI_OK)
			return ret;
	} else if (n_types == 1) {
		plan->id = ST_OBJ_Q_TYPE;
		plan->driver = q->types[0];
	} else if (flags == PI_MATCH_LAST && n_keys == 0) {
		plan->id = ST_OBJ_Q_LAST;
	} else {
		plan->id = ST_OBJ_Q_ADDED;
	}
	if (!q)
		return PI_OK;
	if (plan->id != ST_OBJ_Q_TYPE) {
		ret = list_json(&plan->types, q->types, "types", err);
		if (ret != PI_OK)
			return ret;
	}
	ret = list_json(&plan->specs, q->spec_versions, "spec versions", err);
	if (ret == PI_OK)
		ret = list_json(&plan->keys, q->version_keys, "versions", err);
	return ret;
}

static void bind_json(sqlite3_stmt *st, int col, const struct pi_buf *b)
{
	if (b->len)
		sqlite3_bind_text(st, col, b->data, (int)b->len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

static void plan_bind(sqlite3_stmt *st, const struct query_plan *plan, int64_t collection_id,
        int64_t after, int64_t limit)
{
	sqlite3_bind_int64(st, 1, collection_id);
	sqlite3_bind_int64(st, 2, after);
	if (plan->driver)
		pi_bind_str(st, 3, plan->driver, STIX_ID_MAX);
	else
		bind_json(st, 3, &plan->ids);
	bind_json(st, 4, &plan->types);
	bind_json(st, 5, &plan->specs);
	sqlite3_bind_int(st, 6, plan->all);
	sqlite3_bind_int(st, 7, plan->last);
	sqlite3_bind_int(st, 8, plan->first);
	bind_json(st, 9, &plan->keys);
	sqlite3_bind_int64(st, 10, limit);
}

static void row_fill(
        sqlite3_stmt *st, enum pi_scope_kind kind, int64_t scope_id, struct pi_object_row *row)
{
	row->seq = sqlite3_column_int64(st, 0);
	row->stix_id = (const char *)sqlite3_column_text(st, 1);
	row->type = (const char *)sqlite3_column_text(st, 2);
	row->spec_version = (const char *)sqlite3_column_text(st, 3);
	row->version = (const char *)sqlite3_column_text(st, 4);
	row->date_added = sqlite3_column_int64(st, 5);
	row->acl.scope = kind;
	row->acl.scope_id = scope_id;
	row->acl.tlp = (enum pi_tlp)sqlite3_column_int(st, 6);
	row->acl.owner_org = sqlite3_column_int64(st, 7);
	row->acl.owner_user = sqlite3_column_int64(st, 8);
	row->acl.recipients = (const char *)sqlite3_column_text(st, 9);
	row->body = (const char *)sqlite3_column_text(st, 10);
	row->body_len = (size_t)sqlite3_column_bytes(st, 10);
}

pi_status pi_store_objects_query(pi_store *store, const struct pi_object_query *q,
        int (*fn)(void *arg, const struct pi_object_row *row), void *arg, size_t *examined,
        int *more, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct query_plan plan;
	struct pi_object_row row;
	enum pi_scope_kind kind;
	int64_t scope_id;
	size_t count = 0;
	int has_more = 0;
	pi_status ret;
	int rc;

	if (examined)
		*examined = 0;
	if (more)
		*more = 0;
	if (!store || !q || !fn)
		return pi_error_set(err, PI_ERR_INVALID, "objects query: missing argument");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = collection_scope(c, q->collection_id, &kind, &scope_id, err);
	if (ret != PI_OK)
		return ret;
	ret = plan_query(q, NULL, &plan, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, plan.id, &st, err);
	if (ret != PI_OK)
		goto out;
	plan_bind(st, &plan, q->collection_id, q->after,
	        q->max_rows == 0 || q->max_rows >= INT64_MAX ? -1 : (int64_t)q->max_rows + 1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (q->max_rows && count == q->max_rows) {
			has_more = 1;
			break;
		}
		row_fill(st, kind, scope_id, &row);
		count++;
		if (fn(arg, &row)) {
			rc = sqlite3_step(st);
			has_more = rc == SQLITE_ROW;
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "reading objects", err);
	pi_stmt_put(c, plan.id, st);
	if (examined)
		*examined = count;
	if (more)
		*more = has_more;
out:
	plan_free(&plan);
	return ret;
}

pi_status pi_store_explain_query(pi_store *store, const struct pi_object_query *q, char *out,
        size_t out_size, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *cached = NULL;
	sqlite3_stmt *st = NULL;
	struct query_plan plan;
	struct pi_buf text;
	char *sql = NULL;
	pi_status ret;
	int rc;

	pi_buf_init(&text, out_size ? out_size - 1 : 0);
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = plan_query(q, NULL, &plan, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, plan.id, &cached, err);
	if (ret != PI_OK)
		goto out;
	sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqlite3_sql(cached));
	pi_stmt_put(c, plan.id, cached);
	if (!sql) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = pi_db_fail(c, rc, "explaining a query", err);
		goto out;
	}
	plan_bind(st, &plan, q->collection_id, q->after, 101);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && ret == PI_OK)
		ret = pi_buf_printf(&text, "%s\n", (const char *)sqlite3_column_text(st, 3));
	if (ret == PI_OK && rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "explaining a query", err);
	if (ret == PI_OK && out_size)
		snprintf(out, out_size, "%s", text.data ? text.data : "");
out:
	sqlite3_finalize(st);
	sqlite3_free(sql);
	pi_buf_free(&text);
	plan_free(&plan);
	return ret;
}

/* ---- delete ---- */

pi_status pi_store_objects_delete(pi_store *store, int64_t collection_id, const char *stix_id,
        const struct pi_object_query *q, int (*allow)(void *arg, const struct pi_object_row *row),
        void *arg, size_t *deleted, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct query_plan plan;
	struct pi_object_row row;
	struct put_ctx p = {.collection_id = collection_id};
	enum pi_scope_kind kind;
	int64_t scope_id;
	int64_t *seqs = NULL;
	size_t n = 0, alloc = 0;
	pi_status ret;
	int rc;

	memset(&plan, 0, sizeof(plan));
	if (deleted)
		*deleted = 0;
	if (!store || !text_in(stix_id, STIX_ID_MAX, 1))
		return pi_error_set(err, PI_ERR_INVALID, "objects delete: missing or overlong id");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	p.c = c;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = collection_scope(c, collection_id, &kind, &scope_id, err);
	if (ret != PI_OK)
		goto out;
	ret = plan_query(q, stix_id, &plan, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, plan.id, &st, err);
	if (ret != PI_OK)
		goto out;
	plan_bind(st, &plan, collection_id, q ? q->after : 0, -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_fill(st, kind, scope_id, &row);
		if (allow && !allow(arg, &row))
			continue;
		if (n == alloc) {
			size_t grown = alloc ? alloc * 2 : 16;
			int64_t *bigger;
			if (grown > DELETE_VERSIONS_MAX) {
				ret = pi_error_set(err, PI_ERR_TOOBIG,
				        "more than %d versions to delete at once",
				        DELETE_VERSIONS_MAX);
				break;
			}
			bigger = realloc(seqs, grown * sizeof(*seqs));
			if (!bigger) {
				ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
				break;
			}
			seqs = bigger;
			alloc = grown;
		}
		seqs[n++] = row.seq;
	}
	if (ret == PI_OK && rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "selecting versions to delete", err);
	pi_stmt_put(c, plan.id, st);
	for (size_t i = 0; i < n && ret == PI_OK; i++)
		ret = run_keyed(&p, ST_OBJ_DELETE_SEQ, NULL, seqs[i], "deleting an object", err);
	if (ret == PI_OK && n)
		ret = run_keyed(&p, ST_OBJ_RECOMPUTE, stix_id, 0, "updating version flags", err);
	if (ret == PI_OK)
		ret = pi_tx_commit(c, err);
	if (ret == PI_OK && deleted)
		*deleted = n;
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	free(seqs);
	plan_free(&plan);
	return ret;
}

int pi_store_marking_known(pi_store *store, const char *marking_id)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	int known = 0;

	if (!store || !text_in(marking_id, STIX_ID_MAX, 1))
		return 0;
	if (pi_conn_get(store, &c, NULL) != PI_OK)
		return 0;
	if (pi_stmt_get(c, ST_MARKING, &st, NULL) != PI_OK)
		return 0;
	pi_bind_str(st, 1, marking_id, STIX_ID_MAX);
	known = sqlite3_step(st) == SQLITE_ROW;
	pi_stmt_put(c, ST_MARKING, st);
	return known;
}

/* ---- status resources ---- */

pi_status pi_store_status_save(
        pi_store *store, const struct pi_status_res *res, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	if (!store || !res)
		return pi_error_set(err, PI_ERR_INVALID, "status: missing argument");
	if (!text_in(res->id, sizeof(res->id), 1))
		return pi_error_set(err, PI_ERR_INVALID,
		        "status: id missing or over %zu characters", sizeof(res->id) - 1);
	if (!res->details || !text_in(res->details, STATUS_DETAILS_MAX, 2))
		return pi_error_set(err, PI_ERR_INVALID,
		        "status %s: details missing or over %u bytes", res->id,
		        STATUS_DETAILS_MAX - 1);
	{
		/* old ones go first (before this one is written, so a save never removes what it
		 * saved); a failed clean-up costs nothing but space */
		int64_t now = pi_time_now_us();
		if (pi_store_sweep_due(store, now, 3600LL * 1000000))
			(void)pi_store_status_expire(
			        store, now - PI_STATUS_RETENTION_US, NULL, NULL);
	}
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_STATUS_SAVE, &st, err);
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, res->id, sizeof(res->id));
	sqlite3_bind_int64(st, 2, res->collection_id);
	sqlite3_bind_int64(st, 3, res->user_id);
	sqlite3_bind_int64(st, 4, res->org_id);
	sqlite3_bind_int64(st, 5, res->request_timestamp);
	sqlite3_bind_int(st, 6, res->total);
	sqlite3_bind_int(st, 7, res->success);
	sqlite3_bind_int(st, 8, res->failure);
	sqlite3_bind_int(st, 9, res->pending);
	pi_bind_str(st, 10, res->details, STATUS_DETAILS_MAX);
	return pi_stmt_done(c, ST_STATUS_SAVE, st, "saving a status resource", err);
}

pi_status pi_store_status_expire(
        pi_store *store, int64_t before_us, size_t *deleted, struct pi_error *err)
{
	static const char sql[] = "DELETE FROM status_resources WHERE request_timestamp < ?1";
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;
	int rc;

	if (deleted)
		*deleted = 0;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, before_us);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "expiring status resources", err);
	else if (deleted)
		*deleted = (size_t)sqlite3_changes(c->db);
	pi_stmt_sql_put(c, sql, st);
	return ret;
}

pi_status pi_store_status_get(
        pi_store *store, const char *id, struct pi_status_res *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;
	int rc;

	if (!store || !id || !out)
		return pi_error_set(err, PI_ERR_INVALID, "status: missing argument");
	memset(out, 0, sizeof(*out));
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_STATUS_GET, &st, err);
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, id, STATUS_ID_MAX + 1);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *details = (const char *)sqlite3_column_text(st, 9);
		size_t len = (size_t)sqlite3_column_bytes(st, 9);
		char *copy = malloc(len + 1);
		if (!copy) {
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		} else {
			memcpy(copy, details ? details : "", len);
			copy[len] = '\0';
			pi_col_copy(st, 0, out->id, sizeof(out->id));
			out->collection_id = sqlite3_column_int64(st, 1);
			out->user_id = sqlite3_column_int64(st, 2);
			out->org_id = sqlite3_column_int64(st, 3);
			out->request_timestamp = sqlite3_column_int64(st, 4);
			out->total = sqlite3_column_int(st, 5);
			out->success = sqlite3_column_int(st, 6);
			out->failure = sqlite3_column_int(st, 7);
			out->pending = sqlite3_column_int(st, 8);
			out->details = copy;
		}
	} else if (rc == SQLITE_DONE) {
		ret = pi_error_set(
		        err, PI_ERR_NOTFOUND, "no status resource with id \"%.40s\"", id);
	} else {
		ret = pi_db_fail(c, rc, "reading a status resource", err);
	}
	pi_stmt_put(c, ST_STATUS_GET, st);
	return ret;
}
