/* store_intel.c - the observable index on SQLite (see store_intel.h and migrations_intel.c).
 *
 * pi_store_intel_put runs the object insert of store_objects.c (pi_objects_put_tx) and then,
 * in the same transaction, for each added row: the observable ids (found or created), one
 * intel_refs row per distinct observable (the insert trigger counts it in its access class if
 * the row is still the latest version) and, for sightings, one intel_sightings row.
 * Statements live in this file and are cached per connection by their text's address
 * (pi_stmt_sql_get).
 */
#include "store/store_intel.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define STIX_ID_MAX 320
#define GROUPS_MAX_DEFAULT 100000

static const char sql_obs_find[] =
        "SELECT id FROM intel_observables WHERE kind = ?1 AND value = ?2";
static const char sql_obs_insert[] =
        "INSERT OR IGNORE INTO intel_observables(kind, value) VALUES(?1, ?2)";
static const char sql_ref_insert[] = "INSERT OR IGNORE INTO intel_refs(obs_id, seq, revoked, "
                                     "valid_until, name) VALUES(?1, ?2, ?3, ?4, ?5)";
static const char sql_sighting_insert[] =
        "INSERT OR REPLACE INTO intel_sightings(seq, target, count, first_seen, last_seen, "
        "false_positive) VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_prefixes[] = "SELECT prefix FROM intel_prefixes WHERE kind = ?1 "
                                   "ORDER BY prefix LIMIT ?2";
static const char sql_groups[] =
        "SELECT g.collection_id, c.kind, c.scope_id, g.tlp, g.owner_org, g.owner_user, "
        "g.recipients, g.n, g.n_live, g.n_timed, g.min_vu, g.max_vu, g.first_added, "
        "g.last_added FROM intel_groups g JOIN collections c ON c.id = g.collection_id "
        "WHERE g.obs_id = ?1 LIMIT ?2";
static const char sql_expired[] =
        "SELECT count(*) FROM intel_refs r JOIN objects o ON o.seq = r.seq "
        "WHERE r.obs_id = ?1 AND r.revoked = 0 AND r.valid_until > 0 AND r.valid_until <= ?2 "
        "AND o.is_last = 1 AND o.collection_id = ?3 AND o.tlp = ?4 AND o.owner_org = ?5 "
        "AND o.owner_user = ?6 AND o.recipients = ?7";
static const char sql_refs[] =
        "SELECT o.seq, o.stix_id, o.type, o.version, c.uuid, o.date_added, c.kind, c.scope_id, "
        "o.tlp, o.owner_org, o.owner_user, o.recipients, r.revoked, r.valid_until, r.name, "
        "o.type = 'indicator' AND EXISTS(SELECT 1 FROM intel_sightings s "
        "WHERE s.target = o.stix_id) "
        "FROM intel_refs r JOIN objects o ON o.seq = r.seq "
        "JOIN collections c ON c.id = o.collection_id "
        "WHERE r.obs_id = ?1 AND o.is_last = 1 ORDER BY r.seq DESC LIMIT ?2";
static const char sql_sightings[] =
        "SELECT s.seq, o.stix_id, c.kind, c.scope_id, o.tlp, o.owner_org, o.owner_user, "
        "o.recipients, s.count, s.first_seen, s.last_seen, s.false_positive "
        "FROM intel_sightings s JOIN objects o ON o.seq = s.seq "
        "JOIN collections c ON c.id = o.collection_id "
        "WHERE s.target = ?1 AND o.is_last = 1 ORDER BY s.seq DESC LIMIT ?2";
static const char sql_object_rows[] =
        "SELECT o.seq, o.stix_id, o.type, o.spec_version, o.version, o.date_added, o.tlp, "
        "o.owner_org, o.owner_user, o.recipients, o.body, c.kind, c.scope_id, c.uuid "
        "FROM collections c JOIN objects o INDEXED BY objects_coll_id_version "
        "ON o.collection_id = c.id AND o.stix_id = ?1 "
        "ORDER BY c.id, o.version_key DESC LIMIT ?2";

static int64_t limit_of(size_t max)
{
	return max == 0 || max > (size_t)INT64_MAX - 1 ? -1 : (int64_t)max;
}

/* ---- write ---- */

/* The id of an observable, inserting it if new. New values (the common case on ingest) cost
 * one index probe: the insert is tried first and the look-up runs only when it was ignored. */
static pi_status obs_id_get(
        struct pi_conn *c, const struct pi_intel_obs *o, int64_t *id, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret;
	int rc;

	*id = 0;
	ret = pi_stmt_sql_get(c, sql_obs_insert, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int(st, 1, (int)o->kind);
	pi_bind_str(st, 2, o->value, PI_INTEL_VALUE_MAX);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE && sqlite3_changes(c->db) == 1)
		*id = sqlite3_last_insert_rowid(c->db);
	else if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "indexing an observable", err);
	pi_stmt_sql_put(c, sql_obs_insert, st);
	if (ret != PI_OK || *id)
		return ret;
	ret = pi_stmt_sql_get(c, sql_obs_find, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int(st, 1, (int)o->kind);
	pi_bind_str(st, 2, o->value, PI_INTEL_VALUE_MAX);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else
		ret = pi_db_fail(c, rc == SQLITE_DONE ? SQLITE_CORRUPT : rc,
		        "looking up an observable", err);
	pi_stmt_sql_put(c, sql_obs_find, st);
	return ret;
}

static pi_status index_row(
        struct pi_conn *c, int64_t seq, const struct pi_intel_facts *f, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = PI_OK;
	int rc;

	for (size_t i = 0; i < f->n_obs && ret == PI_OK; i++) {
		int64_t id = 0;
		if (!f->obs[i].value ||
		        strnlen(f->obs[i].value, PI_INTEL_VALUE_MAX) >= PI_INTEL_VALUE_MAX)
			return pi_error_set(err, PI_ERR_INVALID,
			        "observable %zu: value missing or too long", i);
		ret = obs_id_get(c, &f->obs[i], &id, err);
		if (ret != PI_OK)
			return ret;
		ret = pi_stmt_sql_get(c, sql_ref_insert, &st, err);
		if (ret != PI_OK)
			return ret;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, seq);
		sqlite3_bind_int(st, 3, f->revoked ? 1 : 0);
		sqlite3_bind_int64(st, 4, f->valid_until > 0 ? f->valid_until : 0);
		if (f->name) /* part of a stored body: never cut */
			sqlite3_bind_text(st, 5, f->name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		rc = sqlite3_step(st);
		if (rc != SQLITE_DONE)
			ret = pi_db_fail(c, rc, "indexing an observable", err);
		pi_stmt_sql_put(c, sql_ref_insert, st);
	}
	if (ret != PI_OK || !f->sighting_of)
		return ret;
	ret = pi_stmt_sql_get(c, sql_sighting_insert, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, seq);
	pi_bind_str(st, 2, f->sighting_of, STIX_ID_MAX);
	sqlite3_bind_int64(st, 3, f->sighting_count);
	sqlite3_bind_int64(st, 4, f->first_seen);
	sqlite3_bind_int64(st, 5, f->last_seen);
	sqlite3_bind_int(st, 6, f->false_positive ? 1 : 0);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "indexing a sighting", err);
	pi_stmt_sql_put(c, sql_sighting_insert, st);
	return ret;
}

pi_status pi_store_intel_put(pi_store *store, int64_t collection_id, int64_t owner_org,
        int64_t owner_user, const struct pi_object_in *objs, const struct pi_intel_facts *facts,
        size_t n, enum pi_put_result *results, int64_t *date_added, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	int64_t *seqs = NULL;
	int64_t added = 0;
	pi_status ret;

	if (date_added)
		*date_added = 0;
	if (n == 0)
		return PI_OK;
	if (!store || !objs || !results)
		return pi_error_set(err, PI_ERR_INVALID, "intel put: missing argument");
	seqs = calloc(n, sizeof(*seqs));
	if (!seqs)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_objects_put_tx(
	        c, collection_id, owner_org, owner_user, objs, n, results, seqs, &added, err);
	for (size_t i = 0; i < n && ret == PI_OK && facts; i++) {
		if (results[i] != PI_PUT_ADDED || !seqs[i])
			continue;
		ret = index_row(c, seqs[i], &facts[i], err);
		if (ret != PI_OK)
			pi_error_prefix(err, "object %zu (%.100s)", i, objs[i].stix_id);
	}
	if (ret == PI_OK)
		ret = pi_tx_commit(c, err);
	if (ret != PI_OK)
		pi_tx_rollback(c);
	else if (date_added)
		*date_added = added;
out:
	free(seqs);
	return ret;
}

/* ---- read ---- */

pi_status pi_store_intel_obs_find(pi_store *store, enum pi_observable_kind kind, const char *value,
        int64_t *obs_id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;
	int rc;

	*obs_id = 0;
	if (!store || !value)
		return pi_error_set(err, PI_ERR_INVALID, "observable find: missing argument");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql_obs_find, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int(st, 1, (int)kind);
	pi_bind_str(st, 2, value, PI_INTEL_VALUE_MAX);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*obs_id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		ret = pi_error_set(err, PI_ERR_NOTFOUND, "value not indexed");
	else
		ret = pi_db_fail(c, rc, "looking up an observable", err);
	pi_stmt_sql_put(c, sql_obs_find, st);
	return ret;
}

pi_status pi_store_intel_prefixes(pi_store *store, enum pi_observable_kind kind, int *prefixes,
        size_t max, size_t *n, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;
	int rc;

	*n = 0;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql_prefixes, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_int64(st, 2, (int64_t)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max)
		prefixes[(*n)++] = sqlite3_column_int(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "reading CIDR prefixes", err);
	pi_stmt_sql_put(c, sql_prefixes, st);
	return ret;
}

pi_status pi_store_intel_groups(pi_store *store, int64_t obs_id, size_t max,
        int (*fn)(void *arg, const struct pi_intel_group *g), void *arg, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct pi_intel_group g;
	pi_status ret;
	int rc;

	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql_groups, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, obs_id);
	sqlite3_bind_int64(st, 2, max ? limit_of(max) : GROUPS_MAX_DEFAULT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&g, 0, sizeof(g));
		g.collection_id = sqlite3_column_int64(st, 0);
		g.acl.scope = (enum pi_scope_kind)sqlite3_column_int(st, 1);
		g.acl.scope_id = sqlite3_column_int64(st, 2);
		g.acl.tlp = (enum pi_tlp)sqlite3_column_int(st, 3);
		g.acl.owner_org = sqlite3_column_int64(st, 4);
		g.acl.owner_user = sqlite3_column_int64(st, 5);
		g.acl.recipients = (const char *)sqlite3_column_text(st, 6);
		g.n = sqlite3_column_int64(st, 7);
		g.n_live = sqlite3_column_int64(st, 8);
		g.n_timed = sqlite3_column_int64(st, 9);
		g.min_vu = sqlite3_column_int64(st, 10);
		g.max_vu = sqlite3_column_int64(st, 11);
		g.first_added = sqlite3_column_int64(st, 12);
		g.last_added = sqlite3_column_int64(st, 13);
		if (fn(arg, &g)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "reading observable counts", err);
	pi_stmt_sql_put(c, sql_groups, st);
	return ret;
}

pi_status pi_store_intel_expired(pi_store *store, int64_t obs_id, const struct pi_intel_group *g,
        int64_t now_us, int64_t *expired, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;
	int rc;

	*expired = 0;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql_expired, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, obs_id);
	sqlite3_bind_int64(st, 2, now_us);
	sqlite3_bind_int64(st, 3, g->collection_id);
	sqlite3_bind_int(st, 4, (int)g->acl.tlp);
	sqlite3_bind_int64(st, 5, g->acl.owner_org);
	sqlite3_bind_int64(st, 6, g->acl.owner_user);
	pi_bind_str(st, 7, g->acl.recipients ? g->acl.recipients : "", 16384);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*expired = sqlite3_column_int64(st, 0);
	else
		ret = pi_db_fail(c, rc, "counting expired objects", err);
	pi_stmt_sql_put(c, sql_expired, st);
	return ret;
}

pi_status pi_store_intel_refs(pi_store *store, int64_t obs_id, size_t max_rows,
        int (*fn)(void *arg, const struct pi_intel_ref *r), void *arg, size_t *examined,
        struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct pi_intel_ref r;
	size_t count = 0;
	pi_status ret;
	int rc;

	if (examined)
		*examined = 0;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql_refs, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, obs_id);
	sqlite3_bind_int64(st, 2, limit_of(max_rows));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.seq = sqlite3_column_int64(st, 0);
		r.stix_id = (const char *)sqlite3_column_text(st, 1);
		r.type = (const char *)sqlite3_column_text(st, 2);
		r.version = (const char *)sqlite3_column_text(st, 3);
		r.collection_uuid = (const char *)sqlite3_column_text(st, 4);
		r.date_added = sqlite3_column_int64(st, 5);
		r.acl.scope = (enum pi_scope_kind)sqlite3_column_int(st, 6);
		r.acl.scope_id = sqlite3_column_int64(st, 7);
		r.acl.tlp = (enum pi_tlp)sqlite3_column_int(st, 8);
		r.acl.owner_org = sqlite3_column_int64(st, 9);
		r.acl.owner_user = sqlite3_column_int64(st, 10);
		r.acl.recipients = (const char *)sqlite3_column_text(st, 11);
		r.revoked = sqlite3_column_int(st, 12);
		r.valid_until = sqlite3_column_int64(st, 13);
		r.name = (const char *)sqlite3_column_text(st, 14);
		r.has_sightings = sqlite3_column_int(st, 15);
		count++;
		if (fn(arg, &r)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "reading the observable index", err);
	pi_stmt_sql_put(c, sql_refs, st);
	if (examined)
		*examined = count;
	return ret;
}

pi_status pi_store_intel_sightings(pi_store *store, const char *target, size_t max_rows,
        int (*fn)(void *arg, const struct pi_intel_sighting *s), void *arg, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct pi_intel_sighting s;
	pi_status ret;
	int rc;

	if (!store || !target)
		return pi_error_set(err, PI_ERR_INVALID, "sightings: missing argument");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql_sightings, &st, err);
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, target, STIX_ID_MAX);
	sqlite3_bind_int64(st, 2, limit_of(max_rows));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&s, 0, sizeof(s));
		s.seq = sqlite3_column_int64(st, 0);
		s.stix_id = (const char *)sqlite3_column_text(st, 1);
		s.acl.scope = (enum pi_scope_kind)sqlite3_column_int(st, 2);
		s.acl.scope_id = sqlite3_column_int64(st, 3);
		s.acl.tlp = (enum pi_tlp)sqlite3_column_int(st, 4);
		s.acl.owner_org = sqlite3_column_int64(st, 5);
		s.acl.owner_user = sqlite3_column_int64(st, 6);
		s.acl.recipients = (const char *)sqlite3_column_text(st, 7);
		s.count = sqlite3_column_int64(st, 8);
		s.first_seen = sqlite3_column_int64(st, 9);
		s.last_seen = sqlite3_column_int64(st, 10);
		s.false_positive = sqlite3_column_int(st, 11);
		if (fn(arg, &s)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "reading sightings", err);
	pi_stmt_sql_put(c, sql_sightings, st);
	return ret;
}

pi_status pi_store_intel_object_rows(pi_store *store, const char *stix_id, size_t max_rows,
        int (*fn)(void *arg, const struct pi_object_row *row, const char *collection_uuid),
        void *arg, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct pi_object_row row;
	pi_status ret;
	int rc;

	if (!store || !stix_id || strnlen(stix_id, STIX_ID_MAX) >= STIX_ID_MAX)
		return pi_error_set(err, PI_ERR_INVALID, "object rows: missing or overlong id");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_sql_get(c, sql_object_rows, &st, err);
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, stix_id, STIX_ID_MAX);
	sqlite3_bind_int64(st, 2, limit_of(max_rows));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		row.seq = sqlite3_column_int64(st, 0);
		row.stix_id = (const char *)sqlite3_column_text(st, 1);
		row.type = (const char *)sqlite3_column_text(st, 2);
		row.spec_version = (const char *)sqlite3_column_text(st, 3);
		row.version = (const char *)sqlite3_column_text(st, 4);
		row.date_added = sqlite3_column_int64(st, 5);
		row.acl.tlp = (enum pi_tlp)sqlite3_column_int(st, 6);
		row.acl.owner_org = sqlite3_column_int64(st, 7);
		row.acl.owner_user = sqlite3_column_int64(st, 8);
		row.acl.recipients = (const char *)sqlite3_column_text(st, 9);
		row.body = (const char *)sqlite3_column_text(st, 10);
		row.body_len = (size_t)sqlite3_column_bytes(st, 10);
		row.acl.scope = (enum pi_scope_kind)sqlite3_column_int(st, 11);
		row.acl.scope_id = sqlite3_column_int64(st, 12);
		if (fn(arg, &row, (const char *)sqlite3_column_text(st, 13))) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "reading object versions", err);
	pi_stmt_sql_put(c, sql_object_rows, st);
	return ret;
}
