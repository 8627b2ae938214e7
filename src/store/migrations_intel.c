/* migrations_intel.c - the tables of the observable index, correlation counts and sightings
 * (module "intel"; see store_intel.h for how they are used).
 *
 *   intel_observables  one row per normalised observable (kind, value); never deleted (a value
 *                      nobody mentions any more simply has no refs)
 *   intel_prefixes     the CIDR prefix lengths in use per kind, so an address is matched
 *                      against every shared block with one probe per prefix length in use
 *   intel_refs         (observable, object row): every version row of every object that pins
 *                      the value, with the row's revoked flag and valid_until (microseconds,
 *                      0 = none). Readers join objects and keep only is_last rows.
 *   intel_groups       per observable and per ACCESS CLASS (collection, tlp, owner org, owner
 *                      user, recipients: exactly the facts pi_access_allows looks at), how many
 *                      latest versions mention the value: n, n_live (not revoked), n_timed
 *                      (live with a valid_until), bounds of valid_until and date_added. Every
 *                      row of a group is visible to a principal or none is, so a count over
 *                      the visible objects is a sum over visible groups: a value mentioned by
 *                      50,000 objects is answered from a few group rows, not by scanning.
 *                      Since migration 5 each row also carries the object's "name" (when
 *                      it is a string), so a look-up lists objects without parsing bodies;
 *                      it is repeated in every ref of the object (most objects pin few values).
 *   intel_sightings    sighting objects: sighting_of_ref, count, first/last seen, false positive
 *
 * Invariant (kept by the triggers below, in whatever transaction touches objects): intel_groups
 * counts exactly the intel_refs rows whose object row is the latest version (is_last = 1);
 * deleting an object row drops its refs and sightings. So TAXII DELETE, versionless
 * replacement and version-flag recomputation keep the index current without knowing it.
 * The bounds (min/max valid_until, first/last added) are not narrowed when rows go: they stay
 * bounds, and readers count exactly when a bound is not conclusive.
 */
#include "store/store_int.h"

#define GROUP_KEY "obs_id, collection_id, tlp, owner_org, owner_user, recipients"
#define GROUP_UPSERT_TAIL                                                                          \
	" ON CONFLICT(" GROUP_KEY ") DO UPDATE SET n = n + 1,"                                     \
	" n_live = n_live + excluded.n_live,"                                                      \
	" min_vu = CASE WHEN excluded.n_timed = 0 THEN min_vu WHEN n_timed = 0 THEN "              \
	"excluded.min_vu"                                                                          \
	"   ELSE min(min_vu, excluded.min_vu) END,"                                                \
	" max_vu = CASE WHEN excluded.n_timed = 0 THEN max_vu WHEN n_timed = 0 THEN "              \
	"excluded.max_vu"                                                                          \
	"   ELSE max(max_vu, excluded.max_vu) END,"                                                \
	" n_timed = n_timed + excluded.n_timed,"                                                   \
	" first_added = min(first_added, excluded.first_added),"                                   \
	" last_added = max(last_added, excluded.last_added);"
#define GROUP_COLS_INSERT                                                                          \
	"INSERT INTO intel_groups(" GROUP_KEY                                                      \
	", n, n_live, n_timed, min_vu, max_vu, first_added, "                                      \
	"last_added) "
/* Decrements the groups of object row R (alias of OLD/NEW) for each of its refs, when COND. */
#define GROUP_DECREMENT(R, COND)                                                                   \
	"UPDATE intel_groups SET n = n - 1,"                                                       \
	" n_live = n_live - (SELECT r.revoked = 0 FROM intel_refs r"                               \
	"   WHERE r.obs_id = intel_groups.obs_id AND r.seq = " R ".seq),"                          \
	" n_timed = n_timed - (SELECT r.revoked = 0 AND r.valid_until > 0 FROM intel_refs r"       \
	"   WHERE r.obs_id = intel_groups.obs_id AND r.seq = " R ".seq)"                           \
	" WHERE " COND " AND obs_id IN (SELECT obs_id FROM intel_refs WHERE seq = " R ".seq)"      \
	" AND collection_id = " R ".collection_id AND tlp = " R ".tlp"                             \
	" AND owner_org = " R ".owner_org AND owner_user = " R ".owner_user"                       \
	" AND recipients = " R ".recipients;"                                                      \
	"DELETE FROM intel_groups WHERE n <= 0"                                                    \
	" AND obs_id IN (SELECT obs_id FROM intel_refs WHERE seq = " R ".seq);"

const char *const pi_store_intel_migrations[] = {
        /* 1: observable index, access-class counts, sightings */
        "CREATE TABLE intel_observables ("
        "  id INTEGER PRIMARY KEY,"
        "  kind INTEGER NOT NULL,"
        "  value TEXT NOT NULL,"
        "  UNIQUE (kind, value)"
        ") STRICT;"
        "CREATE TABLE intel_prefixes ("
        "  kind INTEGER NOT NULL,"
        "  prefix INTEGER NOT NULL,"
        "  PRIMARY KEY (kind, prefix)"
        ") STRICT, WITHOUT ROWID;"
        "CREATE TABLE intel_refs ("
        "  obs_id INTEGER NOT NULL,"
        "  seq INTEGER NOT NULL,"
        "  revoked INTEGER NOT NULL,"
        "  valid_until INTEGER NOT NULL,"
        "  PRIMARY KEY (obs_id, seq)"
        ") STRICT, WITHOUT ROWID;"
        "CREATE INDEX intel_refs_seq ON intel_refs(seq);"
        "CREATE TABLE intel_groups ("
        "  obs_id INTEGER NOT NULL,"
        "  collection_id INTEGER NOT NULL,"
        "  tlp INTEGER NOT NULL,"
        "  owner_org INTEGER NOT NULL,"
        "  owner_user INTEGER NOT NULL,"
        "  recipients TEXT NOT NULL,"
        "  n INTEGER NOT NULL,"
        "  n_live INTEGER NOT NULL,"
        "  n_timed INTEGER NOT NULL,"
        "  min_vu INTEGER NOT NULL,"
        "  max_vu INTEGER NOT NULL,"
        "  first_added INTEGER NOT NULL,"
        "  last_added INTEGER NOT NULL,"
        "  PRIMARY KEY (" GROUP_KEY ")"
        ") STRICT, WITHOUT ROWID;"
        "CREATE TABLE intel_sightings ("
        "  seq INTEGER PRIMARY KEY,"
        "  target TEXT NOT NULL,"
        "  count INTEGER NOT NULL,"
        "  first_seen INTEGER NOT NULL,"
        "  last_seen INTEGER NOT NULL,"
        "  false_positive INTEGER NOT NULL"
        ") STRICT;"
        "CREATE INDEX intel_sightings_target ON intel_sightings(target, seq);",
        /* 2: triggers that keep the index current on insert */
        "CREATE TRIGGER intel_observables_prefix AFTER INSERT ON intel_observables"
        " WHEN instr(NEW.value, '/') > 0 BEGIN"
        " INSERT OR IGNORE INTO intel_prefixes(kind, prefix)"
        "  VALUES(NEW.kind, CAST(substr(NEW.value, instr(NEW.value, '/') + 1) AS INTEGER));"
        " END;"
        "CREATE TRIGGER intel_refs_added AFTER INSERT ON intel_refs BEGIN " GROUP_COLS_INSERT
        " SELECT NEW.obs_id, o.collection_id, o.tlp, o.owner_org, o.owner_user, o.recipients, 1,"
        " NEW.revoked = 0, NEW.revoked = 0 AND NEW.valid_until > 0, NEW.valid_until,"
        " NEW.valid_until, o.date_added, o.date_added"
        " FROM objects o WHERE o.seq = NEW.seq AND o.is_last = 1" GROUP_UPSERT_TAIL " END;",
        /* 3: ... and on version changes */
        "CREATE TRIGGER intel_objects_became_last AFTER UPDATE OF is_last ON objects"
        " WHEN OLD.is_last = 0 AND NEW.is_last = 1 BEGIN " GROUP_COLS_INSERT
        " SELECT r.obs_id, NEW.collection_id, NEW.tlp, NEW.owner_org, NEW.owner_user,"
        " NEW.recipients, 1, r.revoked = 0, r.revoked = 0 AND r.valid_until > 0, r.valid_until,"
        " r.valid_until, NEW.date_added, NEW.date_added"
        " FROM intel_refs r WHERE r.seq = NEW.seq" GROUP_UPSERT_TAIL " END;"
        "CREATE TRIGGER intel_objects_lost_last AFTER UPDATE OF is_last ON objects"
        " WHEN OLD.is_last = 1 AND NEW.is_last = 0 BEGIN " GROUP_DECREMENT("NEW", "1") " END;",
        /* 4: ... and on deletion */
        "CREATE TRIGGER intel_objects_deleted AFTER DELETE ON objects BEGIN " GROUP_DECREMENT(
                "OLD", "OLD.is_last = 1") " DELETE FROM intel_refs WHERE seq = OLD.seq;"
                                          " DELETE FROM intel_sightings WHERE seq = OLD.seq;"
                                          " END;",
        /* 5: the object's name in each ref (look-ups list objects without parsing bodies);
         * rows indexed before it get the name from the stored body, as pi_intel_doc_build
         * takes it (a string "name" member, else NULL) */
        "ALTER TABLE intel_refs ADD COLUMN name TEXT;"
        "UPDATE intel_refs SET name = (SELECT CASE WHEN json_valid(o.body)"
        "  AND json_type(o.body, '$.name') = 'text' THEN json_extract(o.body, '$.name') END"
        "  FROM objects o WHERE o.seq = intel_refs.seq);",
};
