/* raw_insert - the ceiling for ingest: inserts the rows of a generated TSV file
 * (stix_id TAB modified TAB json) straight into the hub's own objects table (same schema,
 * same indexes, created by pi_store_migrate) with one prepared INSERT in ONE transaction,
 * no validation, no JSON parsing. Prints rows/s.
 * With --with-index it also inserts the rows the hub's observable index writes for each
 * indicator (the domain's intel_observables row and its intel_refs row; the schema's own
 * triggers add the intel_groups row), taking the domain from the pattern text with a plain
 * string search: the ceiling for ingest that indexes.
 * Usage: raw_insert [--with-index] DB_PATH ROWS.tsv
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/timeutil.h"
#include "store/store.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	pi_store *store = NULL;
	struct pi_error err;
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	long rows = 0;
	double t0, t1;
	char url[4200];

	int with_index = argc == 4 && strcmp(argv[1], "--with-index") == 0;
	sqlite3_stmt *obs = NULL, *ref = NULL, *obs_find = NULL;

	if (with_index) {
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: raw_insert [--with-index] DB_PATH ROWS.tsv\n");
		return 2;
	}
	snprintf(url, sizeof(url), "sqlite:%s", argv[1]);
	if (pi_store_open(url, &store, &err) != PI_OK || pi_store_migrate(store, NULL, &err) != PI_OK) {
		fprintf(stderr, "raw_insert: %s\n", err.message);
		return 1;
	}
	pi_store_close(store);
	f = fopen(argv[2], "r");
	if (!f || sqlite3_open(argv[1], &db) != SQLITE_OK) {
		fprintf(stderr, "raw_insert: cannot open inputs\n");
		return 1;
	}
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db,
		    "INSERT INTO objects (collection_id, stix_id, type, spec_version, version, version_key,"
		    " auto_version, date_added, is_first, is_last, tlp, owner_org, owner_user, recipients, body)"
		    " VALUES (1, ?1, 'indicator', '2.1', ?2, ?2, 0, ?3, 1, 1, 2, 1, 1, '', ?4)",
		    -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw_insert: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if (with_index &&
		(sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO intel_observables(kind, value) VALUES(5, ?1)",
			 -1, &obs, NULL) != SQLITE_OK ||
			sqlite3_prepare_v2(db, "SELECT id FROM intel_observables WHERE kind = 5 AND value = ?1",
				-1, &obs_find, NULL) != SQLITE_OK ||
			sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO intel_refs(obs_id, seq, revoked, valid_until)"
					       " VALUES(?1, ?2, 0, 0)",
				-1, &ref, NULL) != SQLITE_OK)) {
		fprintf(stderr, "raw_insert: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	t0 = now();
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	while (getline(&line, &cap, f) > 0) {
		char *id = line, *mod = strchr(id, '\t'), *body;
		if (!mod)
			continue;
		*mod++ = '\0';
		body = strchr(mod, '\t');
		if (!body)
			continue;
		*body++ = '\0';
		body[strcspn(body, "\n")] = '\0';
		sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 2, mod, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 3, 1700000000000000LL + rows);
		sqlite3_bind_text(ins, 4, body, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE) {
			fprintf(stderr, "raw_insert: %s\n", sqlite3_errmsg(db));
			return 1;
		}
		sqlite3_reset(ins);
		if (with_index) {
			const char *v = strstr(body, "domain-name:value = '");
			const char *e = v ? strchr(v + 21, '\'') : NULL;
			sqlite3_int64 obs_id, seq = sqlite3_last_insert_rowid(db);
			if (!e) {
				fprintf(stderr, "raw_insert: no domain in row %ld\n", rows);
				return 1;
			}
			sqlite3_bind_text(obs, 1, v + 21, (int)(e - v - 21), SQLITE_STATIC);
			if (sqlite3_step(obs) != SQLITE_DONE) {
				fprintf(stderr, "raw_insert: %s\n", sqlite3_errmsg(db));
				return 1;
			}
			sqlite3_reset(obs);
			if (sqlite3_changes(db) == 1) {
				obs_id = sqlite3_last_insert_rowid(db);
			} else {
				sqlite3_bind_text(obs_find, 1, v + 21, (int)(e - v - 21), SQLITE_STATIC);
				if (sqlite3_step(obs_find) != SQLITE_ROW)
					return 1;
				obs_id = sqlite3_column_int64(obs_find, 0);
				sqlite3_reset(obs_find);
			}
			sqlite3_bind_int64(ref, 1, obs_id);
			sqlite3_bind_int64(ref, 2, seq);
			if (sqlite3_step(ref) != SQLITE_DONE) {
				fprintf(stderr, "raw_insert: %s\n", sqlite3_errmsg(db));
				return 1;
			}
			sqlite3_reset(ref);
		}
		rows++;
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	t1 = now();
	printf("%ld %.3f %.0f\n", rows, t1 - t0, (double)rows / (t1 - t0));
	sqlite3_finalize(ins);
	sqlite3_finalize(obs);
	sqlite3_finalize(obs_find);
	sqlite3_finalize(ref);
	sqlite3_close(db);
	free(line);
	fclose(f);
	return 0;
}
