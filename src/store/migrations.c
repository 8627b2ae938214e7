/* migrations.c - the SQLite schema, as an ordered list of migrations.
 *
 * pi_store_migrations[k] moves a database from schema version k to k + 1 (PRAGMA
 * user_version holds the version). pi_store_migrate applies the missing ones in one
 * transaction. A released migration is never edited: a change is a new entry.
 *
 * The objects table (one row per stored object version):
 *   seq           rowid, insertion order
 *   date_added    microseconds, UNIQUE and strictly increasing across the hub (the counters
 *                 row 'date_added' holds the last one handed out, so a deleted newest object
 *                 never lets a later one reuse its time); TAXII pagination keys on it
 *   version       modified/created as written, or date_added formatted for objects that have
 *                 neither (then auto_version = 1)
 *   version_key   sortable form of version (pi_time_key); UNIQUE per (collection, stix_id)
 *   is_first/is_last  exactly one row of each (collection, stix_id) has each flag
 *   tlp, owner_org, owner_user, recipients  the access facts of the row (struct pi_acl)
 */
#include "store/store_int.h"

const char *const pi_store_migrations[PI_STORE_SCHEMA_VERSION] = {
        /* 1: everything */
        "CREATE TABLE settings ("
        "  key TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ") STRICT, WITHOUT ROWID;"
        "CREATE TABLE counters ("
        "  name TEXT PRIMARY KEY,"
        "  value INTEGER NOT NULL"
        ") STRICT, WITHOUT ROWID;"
        "CREATE TABLE orgs ("
        "  id INTEGER PRIMARY KEY,"
        "  slug TEXT NOT NULL UNIQUE,"
        "  name TEXT NOT NULL,"
        "  type TEXT NOT NULL,"
        "  country TEXT NOT NULL DEFAULT '',"
        "  identity_id TEXT NOT NULL UNIQUE,"
        "  created_at INTEGER NOT NULL"
        ") STRICT;"
        "CREATE TABLE users ("
        "  id INTEGER PRIMARY KEY,"
        "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
        "  username TEXT NOT NULL UNIQUE,"
        "  display_name TEXT NOT NULL DEFAULT '',"
        "  email TEXT NOT NULL DEFAULT '',"
        "  role INTEGER NOT NULL,"
        "  identity_id TEXT NOT NULL UNIQUE,"
        "  password_hash TEXT NOT NULL DEFAULT '',"
        "  disabled INTEGER NOT NULL DEFAULT 0,"
        "  created_at INTEGER NOT NULL"
        ") STRICT;"
        "CREATE INDEX users_org ON users(org_id, id);"
        "CREATE TABLE tokens ("
        "  id INTEGER PRIMARY KEY,"
        "  user_id INTEGER NOT NULL REFERENCES users(id),"
        "  name TEXT NOT NULL,"
        "  prefix TEXT NOT NULL,"
        "  hash BLOB NOT NULL UNIQUE,"
        "  created_at INTEGER NOT NULL,"
        "  last_used_at INTEGER NOT NULL DEFAULT 0,"
        "  revoked INTEGER NOT NULL DEFAULT 0"
        ") STRICT;"
        "CREATE INDEX tokens_user ON tokens(user_id, id);"
        "CREATE TABLE sharing_groups ("
        "  id INTEGER PRIMARY KEY,"
        "  name TEXT NOT NULL UNIQUE,"
        "  description TEXT NOT NULL DEFAULT '',"
        "  created_at INTEGER NOT NULL"
        ") STRICT;"
        "CREATE TABLE group_members ("
        "  group_id INTEGER NOT NULL REFERENCES sharing_groups(id),"
        "  org_id INTEGER NOT NULL REFERENCES orgs(id),"
        "  added_at INTEGER NOT NULL,"
        "  PRIMARY KEY (group_id, org_id)"
        ") STRICT, WITHOUT ROWID;"
        "CREATE INDEX group_members_org ON group_members(org_id, group_id);"
        "CREATE TABLE collections ("
        "  id INTEGER PRIMARY KEY,"
        "  uuid TEXT NOT NULL UNIQUE,"
        "  kind INTEGER NOT NULL,"
        "  scope_id INTEGER NOT NULL,"
        "  title TEXT NOT NULL,"
        "  description TEXT NOT NULL DEFAULT '',"
        "  created_at INTEGER NOT NULL,"
        "  UNIQUE (kind, scope_id)"
        ") STRICT;"
        "CREATE TABLE objects ("
        "  seq INTEGER PRIMARY KEY,"
        "  collection_id INTEGER NOT NULL REFERENCES collections(id),"
        "  stix_id TEXT NOT NULL,"
        "  type TEXT NOT NULL,"
        "  spec_version TEXT NOT NULL,"
        "  version TEXT NOT NULL,"
        "  version_key TEXT NOT NULL,"
        "  auto_version INTEGER NOT NULL,"
        "  date_added INTEGER NOT NULL UNIQUE,"
        "  is_first INTEGER NOT NULL,"
        "  is_last INTEGER NOT NULL,"
        "  tlp INTEGER NOT NULL,"
        "  owner_org INTEGER NOT NULL,"
        "  owner_user INTEGER NOT NULL,"
        "  recipients TEXT NOT NULL,"
        "  body TEXT NOT NULL"
        ") STRICT;"
        "CREATE INDEX objects_coll_added ON objects(collection_id, date_added);"
        "CREATE UNIQUE INDEX objects_coll_id_version ON objects(collection_id, stix_id, "
        "version_key);"
        "CREATE INDEX objects_coll_type_added ON objects(collection_id, type, date_added);"
        "CREATE INDEX objects_coll_last_added ON objects(collection_id, is_last, date_added);"
        "CREATE INDEX objects_markings ON objects(stix_id) WHERE type = 'marking-definition';"
        "CREATE TABLE status_resources ("
        "  id TEXT PRIMARY KEY,"
        "  collection_id INTEGER NOT NULL REFERENCES collections(id),"
        "  user_id INTEGER NOT NULL,"
        "  org_id INTEGER NOT NULL,"
        "  request_timestamp INTEGER NOT NULL,"
        "  total INTEGER NOT NULL,"
        "  success INTEGER NOT NULL,"
        "  failure INTEGER NOT NULL,"
        "  pending INTEGER NOT NULL,"
        "  details TEXT NOT NULL"
        ") STRICT, WITHOUT ROWID;",
};

/* The subsystem migration chains (see store_int.h). One line per module. */
const struct pi_store_module pi_store_modules[] = {
	{"none", NULL, 0},
	{"intel", pi_store_intel_migrations, 5},
	{"cases", pi_store_cases_migrations, 1},
	{"web", pi_store_web_migrations, 1},
};
const size_t pi_store_nmodules = sizeof(pi_store_modules) / sizeof(pi_store_modules[0]);
