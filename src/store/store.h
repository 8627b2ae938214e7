/* store.h - the one storage interface of the hub.
 *
 * Callers (http, cli, cases, intel) see only this header. The SQLite backend lives in
 * store_sqlite.c; a PostgreSQL backend can be added behind the same functions (the URL
 * scheme picks the backend) without touching callers: nothing here exposes SQL, rows
 * or statements.
 *
 * Threads: one pi_store may be used from many threads at once; it keeps a connection per
 * thread that uses it. Writes are serialised by the database.
 *
 * Durability: a function that writes returns PI_OK only after the change is durable
 * (SQLite: WAL + synchronous=FULL, one transaction per call). A failed call changes nothing.
 *
 * Memory: struct arguments are caller storage; strings inside result structs are fixed
 * buffers. Row callbacks get pointers that are valid only during the call.
 *
 * Schema: versioned migrations, applied in order by pi_store_migrate; the version is kept in
 * the database. Opening a database newer than this program is refused.
 */
#ifndef PI_STORE_STORE_H
#define PI_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/error.h"
#include "core/tlp.h"

typedef struct pi_store pi_store;

/* Opens "sqlite:PATH", a plain PATH, or (later) a postgresql:// URL. The database and
 * its folder are created if missing. The caller closes it with pi_store_close. */
pi_status pi_store_open(const char *url, pi_store **out, struct pi_error *err);
void pi_store_close(pi_store *store);
/* Applies missing migrations; *version (may be NULL) receives the schema version. */
pi_status pi_store_migrate(pi_store *store, int *version, struct pi_error *err);

/* A counter, kept in the database, that changes whenever anything a credential stands for
 * changes (tokens revoked, users or organisations updated, passwords set, group memberships),
 * whichever process made the change. Caches of resolved credentials remember it and drop
 * entries made under another value. 0 means it could not be read: do not cache. */
uint64_t pi_store_auth_generation(pi_store *store);

/* Runs the calling thread's following reads in one read transaction until pi_store_read_end:
 * a request that makes several queries sees one consistent snapshot and takes the database's
 * read lock once instead of once per query. Nothing may be written in between (a write
 * transaction started inside one fails with PI_ERR_INTERNAL). Calls nest: only the outermost
 * pair begins and ends the transaction. */
pi_status pi_store_read_begin(pi_store *store, struct pi_error *err);
void pi_store_read_end(pi_store *store);

/* ---- hub settings: small key/value pairs (hub key pair, hub title, ...) ---- */
pi_status pi_store_setting_get(pi_store *store, const char *key, char *out, size_t out_size,
	struct pi_error *err); /* PI_ERR_NOTFOUND if unset */
pi_status pi_store_setting_set(pi_store *store, const char *key, const char *value,
	struct pi_error *err);

/* ---- organisations ---- */
#define PI_ORG_TYPES "postal-operator, regulator, pes-provider, partner, isac-operator"
struct pi_org {
	int64_t id;
	char slug[64];   /* short unique name: [a-z0-9-], 2-63 chars */
	char name[256];
	char type[32];   /* one of PI_ORG_TYPES */
	char country[8]; /* ISO 3166-1 alpha-2, may be empty */
	char identity_id[64]; /* identity--UUID of the organisation */
	int64_t created_at;   /* microseconds */
};
pi_status pi_store_org_create(pi_store *store, struct pi_org *org, struct pi_error *err);
pi_status pi_store_org_get(pi_store *store, int64_t id, struct pi_org *out, struct pi_error *err);
pi_status pi_store_org_find(pi_store *store, const char *slug, struct pi_org *out,
	struct pi_error *err);
pi_status pi_store_org_update(pi_store *store, const struct pi_org *org, struct pi_error *err);
/* Calls fn for each organisation by id; fn returns nonzero to stop. */
pi_status pi_store_org_list(pi_store *store, int (*fn)(void *arg, const struct pi_org *org),
	void *arg, struct pi_error *err);

/* ---- users ---- */
struct pi_user {
	int64_t id;
	int64_t org_id;
	char username[64]; /* unique: [a-z0-9._-], 2-63 chars */
	char display_name[256];
	char email[256];
	enum pi_role role;
	char identity_id[64]; /* identity--UUID of the individual */
	int disabled;
	int64_t created_at;
};
/* password_hash is an argon2id string (crypto_pwhash_str) or "" for token-only users. */
pi_status pi_store_user_create(pi_store *store, struct pi_user *user, const char *password_hash,
	struct pi_error *err);
pi_status pi_store_user_get(pi_store *store, int64_t id, struct pi_user *out, struct pi_error *err);
pi_status pi_store_user_find(pi_store *store, const char *username, struct pi_user *out,
	char *password_hash, size_t hash_size, struct pi_error *err); /* password_hash may be NULL */
pi_status pi_store_user_update(pi_store *store, const struct pi_user *user, struct pi_error *err);
pi_status pi_store_user_set_password(pi_store *store, int64_t user_id, const char *password_hash,
	struct pi_error *err);
/* org_id 0 lists every user. */
pi_status pi_store_user_list(pi_store *store, int64_t org_id,
	int (*fn)(void *arg, const struct pi_user *user), void *arg, struct pi_error *err);
/* Finds the organisation or user whose STIX identity id this is: *kind 'o' or 'u'. */
pi_status pi_store_identity_find(pi_store *store, const char *identity_id, char *kind,
	int64_t *id, struct pi_error *err);

/* ---- API tokens: only a SHA-256 of the token is stored ---- */
struct pi_token {
	int64_t id;
	int64_t user_id;
	char name[128];
	char prefix[16]; /* first characters of the token, to recognise it in lists */
	int64_t created_at;
	int64_t last_used_at;
	int revoked;
};
pi_status pi_store_token_create(pi_store *store, struct pi_token *token,
	const unsigned char hash[32], struct pi_error *err);
/* Finds an unrevoked token by hash and its enabled user. PI_ERR_NOTFOUND otherwise. */
pi_status pi_store_token_lookup(pi_store *store, const unsigned char hash[32],
	struct pi_token *token, struct pi_user *user, struct pi_error *err);
pi_status pi_store_token_list(pi_store *store, int64_t user_id,
	int (*fn)(void *arg, const struct pi_token *token), void *arg, struct pi_error *err);
pi_status pi_store_token_revoke(pi_store *store, int64_t token_id, struct pi_error *err);
pi_status pi_store_token_get(pi_store *store, int64_t token_id, struct pi_token *out,
	struct pi_error *err);

/* ---- sharing groups and collections ---- */
struct pi_group {
	int64_t id;
	char name[64]; /* unique slug */
	char description[512];
	int64_t created_at;
};
/* Creating a group also creates its collection. */
pi_status pi_store_group_create(pi_store *store, struct pi_group *group, struct pi_error *err);
pi_status pi_store_group_get(pi_store *store, int64_t id, struct pi_group *out,
	struct pi_error *err);
pi_status pi_store_group_find(pi_store *store, const char *name, struct pi_group *out,
	struct pi_error *err);
pi_status pi_store_group_list(pi_store *store, int (*fn)(void *arg, const struct pi_group *g),
	void *arg, struct pi_error *err);
pi_status pi_store_group_add_org(pi_store *store, int64_t group_id, int64_t org_id,
	struct pi_error *err);
pi_status pi_store_group_remove_org(pi_store *store, int64_t group_id, int64_t org_id,
	struct pi_error *err);
pi_status pi_store_group_members(pi_store *store, int64_t group_id,
	int (*fn)(void *arg, const struct pi_org *org), void *arg, struct pi_error *err);
/* Fills the sharing groups of an organisation (at most max). */
pi_status pi_store_org_groups(pi_store *store, int64_t org_id, int64_t *ids, size_t max,
	size_t *n, struct pi_error *err);

struct pi_collection {
	int64_t id;
	char uuid[40];
	enum pi_scope_kind kind;
	int64_t scope_id; /* group id or org id; 0 for the community */
	char title[256];
	char description[512];
};
/* The community collection and each organisation's private collection are created by
 * pi_store_migrate / pi_store_org_create. */
pi_status pi_store_collection_find(pi_store *store, const char *uuid, struct pi_collection *out,
	struct pi_error *err);
pi_status pi_store_collection_for_scope(pi_store *store, enum pi_scope_kind kind, int64_t scope_id,
	struct pi_collection *out, struct pi_error *err);
pi_status pi_store_collection_list(pi_store *store,
	int (*fn)(void *arg, const struct pi_collection *c), void *arg, struct pi_error *err);

/* ---- STIX objects ---- */
/* One object to store, already validated. version is the modified (or created) timestamp
 * as written; version_key the sortable key of it (pi_time_key); both empty for objects
 * that have neither (the store then uses date_added). body is the JSON text to serve. */
struct pi_object_in {
	const char *stix_id;
	const char *type;
	const char *spec_version;
	const char *version;
	const char *version_key;
	enum pi_tlp tlp;
	const char *recipients; /* compact "o1,u7" list, may be NULL */
	const char *body;
	size_t body_len;
};

enum pi_put_result {
	PI_PUT_ADDED = 0,     /* new object or new version */
	PI_PUT_UNCHANGED,     /* this exact version was already there with the same content */
	PI_PUT_CONFLICT,      /* this version exists with different content */
};

/* Stores n objects into a collection in one durable transaction, owned by the caller's
 * organisation and user. results[i] says what happened to objs[i]; *date_added receives the
 * time given to added objects. Either every object is processed or (on error) none is. */
pi_status pi_store_objects_put(pi_store *store, int64_t collection_id, int64_t owner_org,
	int64_t owner_user, const struct pi_object_in *objs, size_t n, enum pi_put_result *results,
	int64_t *date_added, struct pi_error *err);

/* A stored object version as the read paths see it. */
struct pi_object_row {
	int64_t seq;
	const char *stix_id;
	const char *type;
	const char *spec_version;
	const char *version; /* modified/created as written, or date_added formatted */
	int64_t date_added;  /* microseconds, unique and increasing across the hub */
	struct pi_acl acl;   /* scope, tlp, owner, recipients: what pi_access_allows needs */
	const char *body;
	size_t body_len;
};

enum pi_version_match {
	PI_MATCH_LAST = 1,  /* the newest version of each object (the default) */
	PI_MATCH_FIRST = 2, /* the oldest */
	PI_MATCH_ALL = 4,   /* every version */
};

/* A query on one collection, in date_added order. Lists are NULL-terminated or NULL. */
struct pi_object_query {
	int64_t collection_id;
	int64_t after;          /* only date_added > after (0: no bound) */
	const char *const *ids; /* match[id] */
	const char *const *types;
	const char *const *spec_versions;
	int version_flags;                  /* PI_MATCH_* bits */
	const char *const *version_keys;    /* specific versions (pi_time_key form) */
	size_t max_rows; /* stop after examining this many rows (the caller's page and scan cap) */
};

/* Calls fn for each row matching q, oldest date_added first, until fn returns nonzero or
 * max_rows rows were examined. *examined (may be NULL) gets the number of rows passed to fn;
 * *more is set when rows remain beyond the last one passed. */
pi_status pi_store_objects_query(pi_store *store, const struct pi_object_query *q,
	int (*fn)(void *arg, const struct pi_object_row *row), void *arg, size_t *examined,
	int *more, struct pi_error *err);

/* Deletes the versions of stix_id in the collection that q selects (q->ids and q->collection_id
 * are ignored; pass the rest of the filters) and for which allow(arg, row) is nonzero.
 * *deleted receives how many versions went. */
pi_status pi_store_objects_delete(pi_store *store, int64_t collection_id, const char *stix_id,
	const struct pi_object_query *q, int (*allow)(void *arg, const struct pi_object_row *row),
	void *arg, size_t *deleted, struct pi_error *err);

/* Nonzero if a marking-definition with this id is stored in any collection. */
int pi_store_marking_known(pi_store *store, const char *marking_id);

/* ---- TAXII status resources ---- */
struct pi_status_res {
	char id[40];
	int64_t collection_id;
	int64_t user_id;
	int64_t org_id;
	int64_t request_timestamp; /* microseconds */
	int total;
	int success;
	int failure;
	int pending;
	const char *details; /* JSON: {"successes":[...],"failures":[...],"pendings":[...]} */
};
pi_status pi_store_status_save(pi_store *store, const struct pi_status_res *res,
	struct pi_error *err);
/* Status resources are kept PI_STATUS_RETENTION_US after their request: pi_store_status_save
 * deletes older ones, at most once an hour per store handle (and on its first save). */
#define PI_STATUS_RETENTION_US (7LL * 24 * 3600 * 1000000)
/* Deletes the status resources whose request is older than before_us; *deleted (may be NULL)
 * gets how many. */
pi_status pi_store_status_expire(
	pi_store *store, int64_t before_us, size_t *deleted, struct pi_error *err);
/* On success out->details is malloc'ed: the caller frees it. */
pi_status pi_store_status_get(pi_store *store, const char *id, struct pi_status_res *out,
	struct pi_error *err);

#endif
