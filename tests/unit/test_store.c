/* Unit tests of the SQLite store: schema, members, tokens, groups, objects, status. Each test
 * gets a fresh database under a mkdtemp folder in /tmp, removed afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/timeutil.h"
#include "store/store.h"
#include "store/store_int.h"

struct fixture {
	char dir[64];
	char path[256];
	char url[300];
	pi_store *store;
	int64_t community;
};

/* Removes a folder and the files directly in it. */
static void remove_dir(const char *dir)
{
	char path[600];
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		remove(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pi_error err;
	struct pi_collection col;
	int version = 0;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pi_store_test_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	/* a folder that does not exist yet: open must create it */
	snprintf(f->path, sizeof(f->path), "%s/var/db/hub.db", f->dir);
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
	if (pi_store_open(f->url, &f->store, &err) != PI_OK) {
		fprintf(stderr, "open: %s\n", err.message);
		return -1;
	}
	if (pi_store_migrate(f->store, &version, &err) != PI_OK || version != 1) {
		fprintf(stderr, "migrate: %s\n", err.message);
		return -1;
	}
	if (pi_store_collection_for_scope(f->store, PI_SCOPE_COMMUNITY, 0, &col, &err) != PI_OK)
		return -1;
	f->community = col.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char sub[128];

	pi_store_close(f->store);

	snprintf(sub, sizeof(sub), "%s/var/db", f->dir);
	remove_dir(sub);
	snprintf(sub, sizeof(sub), "%s/var", f->dir);
	remove_dir(sub);
	remove_dir(f->dir);
	free(f);
	return 0;
}

/* ---- helpers ---- */

static int count_cb(void *arg, const void *row)
{
	(void)row;
	(*(int *)arg)++;
	return 0;
}

static int count_collections(void *arg, const struct pi_collection *c)
{
	return count_cb(arg, c);
}

static int count_orgs(void *arg, const struct pi_org *o)
{
	return count_cb(arg, o);
}

static int count_users(void *arg, const struct pi_user *u)
{
	return count_cb(arg, u);
}

static int count_tokens(void *arg, const struct pi_token *t)
{
	return count_cb(arg, t);
}

#define MAX_SEEN 64
struct seen {
	int n;
	char versions[MAX_SEEN][72];
	char bodies[MAX_SEEN][256];
	int64_t dates[MAX_SEEN];
	struct pi_acl acl;
};

static int collect(void *arg, const struct pi_object_row *row)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN) {
		snprintf(s->versions[s->n], sizeof(s->versions[0]), "%s", row->version);
		snprintf(s->bodies[s->n], sizeof(s->bodies[0]), "%.*s", (int)row->body_len,
		        row->body);
		s->dates[s->n] = row->date_added;
		s->acl = row->acl;
	}
	s->n++;
	return 0;
}

static void key_of(const char *version, char key[PI_TIME_KEY_LEN])
{
	struct pi_time t;
	struct pi_error err;

	assert_int_equal(pi_time_parse(version, &t, &err), PI_OK);
	pi_time_key(&t, key);
}

static pi_status put1(pi_store *s, int64_t coll, const char *id, const char *type,
        const char *version, const char *body, enum pi_put_result *result, struct pi_error *err)
{
	char key[PI_TIME_KEY_LEN] = "";
	struct pi_object_in in = {.stix_id = id,
	        .type = type,
	        .spec_version = "2.1",
	        .version = version,
	        .version_key = key,
	        .tlp = PI_TLP_GREEN,
	        .body = body,
	        .body_len = strlen(body)};

	if (version)
		key_of(version, key);
	return pi_store_objects_put(s, coll, 1, 1, &in, 1, result, NULL, err);
}

static struct seen query_versions(
        pi_store *s, int64_t coll, const char *id, int flags, const char *const *keys)
{
	const char *ids[] = {id, NULL};
	struct pi_object_query q = {.collection_id = coll,
	        .ids = id ? ids : NULL,
	        .version_flags = flags,
	        .version_keys = keys};
	struct seen seen;
	struct pi_error err;
	size_t examined = 0;
	int more = 1;

	memset(&seen, 0, sizeof(seen));
	assert_int_equal(
	        pi_store_objects_query(s, &q, collect, &seen, &examined, &more, &err), PI_OK);
	assert_int_equal((int)examined, seen.n);
	assert_int_equal(more, 0);
	return seen;
}

static int64_t new_org(pi_store *s, const char *slug)
{
	struct pi_org org = {0};
	struct pi_error err;

	snprintf(org.slug, sizeof(org.slug), "%s", slug);
	snprintf(org.name, sizeof(org.name), "Org %s", slug);
	snprintf(org.type, sizeof(org.type), "postal-operator");
	assert_int_equal(pi_store_org_create(s, &org, &err), PI_OK);
	return org.id;
}

static int64_t new_user(pi_store *s, int64_t org_id, const char *username)
{
	struct pi_user user = {.org_id = org_id, .role = PI_ROLE_ANALYST};
	struct pi_error err;

	snprintf(user.username, sizeof(user.username), "%s", username);
	assert_int_equal(pi_store_user_create(s, &user, "", &err), PI_OK);
	return user.id;
}

/* ---- schema and open ---- */

static void migrations_are_idempotent(void **state)
{
	struct fixture *f = *state;
	struct pi_collection a, b;
	struct pi_error err;
	int version = 0;
	int n = 0;

	assert_int_equal(
	        pi_store_collection_for_scope(f->store, PI_SCOPE_COMMUNITY, 0, &a, &err), PI_OK);
	assert_string_equal(a.title, "Community");
	assert_int_equal(a.kind, PI_SCOPE_COMMUNITY);
	assert_int_equal(strlen(a.uuid), 36);
	assert_int_equal(a.uuid[14], '4'); /* UUID version 4 */
	assert_true(strchr("89ab", a.uuid[19]) != NULL);
	assert_int_equal(pi_store_migrate(f->store, &version, &err), PI_OK);
	assert_int_equal(version, 1);
	assert_int_equal(pi_store_migrate(f->store, NULL, &err), PI_OK);
	assert_int_equal(
	        pi_store_collection_for_scope(f->store, PI_SCOPE_COMMUNITY, 0, &b, &err), PI_OK);
	assert_string_equal(a.uuid, b.uuid);
	assert_int_equal(pi_store_collection_list(f->store, count_collections, &n, &err), PI_OK);
	assert_int_equal(n, 1);
	assert_int_equal(pi_store_collection_find(f->store, a.uuid, &b, &err), PI_OK);
	assert_int_equal(b.id, a.id);
	assert_int_equal(pi_store_collection_find(f->store, "nope", &b, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no collection with id \"nope\"");
}

static void refuses_bad_urls_and_newer_schemas(void **state)
{
	struct fixture *f = *state;
	pi_store *other = NULL;
	struct pi_error err;
	sqlite3 *db = NULL;

	assert_int_equal(
	        pi_store_open("postgresql://u@localhost/hub", &other, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "PostgreSQL backend is not built yet; use sqlite:PATH");
	assert_null(other);
	assert_int_equal(pi_store_open("sqlite:", &other, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "empty path"));
	assert_int_equal(pi_store_open(":memory:", &other, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, ":memory: is not supported"));

	/* plain PATH works too, and a second handle on the same file sees the same data */
	assert_int_equal(pi_store_open(f->path, &other, &err), PI_OK);
	pi_store_close(other);
	other = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(pi_store_open(f->url, &other, &err), PI_ERR_INVALID);
	assert_null(other);
	assert_non_null(strstr(err.message,
	        "has schema version 99, newer than this program knows (1): run a newer postisac"));
}

static void settings_round_trip(void **state)
{
	struct fixture *f = *state;
	struct pi_error err;
	char out[16];

	assert_int_equal(pi_store_setting_get(f->store, "hub.title", out, sizeof(out), &err),
	        PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "setting hub.title is not set");
	assert_int_equal(pi_store_setting_set(f->store, "hub.title", "POST-ISAC", &err), PI_OK);
	assert_int_equal(
	        pi_store_setting_get(f->store, "hub.title", out, sizeof(out), &err), PI_OK);
	assert_string_equal(out, "POST-ISAC");
	assert_int_equal(pi_store_setting_set(f->store, "hub.title", "EU POST-ISAC", &err), PI_OK);
	assert_int_equal(
	        pi_store_setting_get(f->store, "hub.title", out, sizeof(out), &err), PI_OK);
	assert_string_equal(out, "EU POST-ISAC");
	assert_int_equal(pi_store_setting_set(f->store, "k", "0123456789abcdefXYZ", &err), PI_OK);
	assert_int_equal(
	        pi_store_setting_get(f->store, "k", out, sizeof(out), &err), PI_ERR_TOOBIG);
	assert_int_equal(pi_store_setting_set(f->store, "", "x", &err), PI_ERR_INVALID);
}

/* ---- organisations ---- */

static void orgs_crud_and_refusals(void **state)
{
	struct fixture *f = *state;
	struct pi_org org = {0}, got, dup;
	struct pi_collection col;
	struct pi_error err;
	int n = 0;

	snprintf(org.slug, sizeof(org.slug), "acme-post");
	snprintf(org.name, sizeof(org.name), "ACME Post");
	snprintf(org.type, sizeof(org.type), "postal-operator");
	snprintf(org.country, sizeof(org.country), "FR");
	assert_int_equal(pi_store_org_create(f->store, &org, &err), PI_OK);
	assert_true(org.id > 0);
	assert_true(org.created_at > 0);
	assert_int_equal(strlen(org.identity_id), 46);
	assert_memory_equal(org.identity_id, "identity--", 10);

	assert_int_equal(
	        pi_store_collection_for_scope(f->store, PI_SCOPE_ORG, org.id, &col, &err), PI_OK);
	assert_string_equal(col.title, "ACME Post (private)");
	assert_int_equal(col.scope_id, org.id);

	assert_int_equal(pi_store_org_get(f->store, org.id, &got, &err), PI_OK);
	assert_string_equal(got.slug, "acme-post");
	assert_string_equal(got.country, "FR");
	assert_string_equal(got.identity_id, org.identity_id);
	assert_int_equal(got.created_at, org.created_at);
	assert_int_equal(pi_store_org_find(f->store, "acme-post", &got, &err), PI_OK);
	assert_int_equal(got.id, org.id);
	assert_int_equal(pi_store_org_find(f->store, "nope", &got, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no organisation with slug \"nope\"");
	assert_int_equal(pi_store_org_get(f->store, 999, &got, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no organisation with id 999");

	/* refusals */
	dup = org;
	dup.identity_id[0] = '\0';
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_EXISTS);
	assert_string_equal(err.message, "an organisation with slug \"acme-post\" already exists");
	snprintf(dup.slug, sizeof(dup.slug), "other");
	snprintf(dup.identity_id, sizeof(dup.identity_id), "%s", org.identity_id);
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_EXISTS);
	assert_non_null(strstr(err.message, "is already used by another organisation or user"));
	snprintf(dup.identity_id, sizeof(dup.identity_id), "identity--not-a-uuid");
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "identity id \"identity--not-a-uuid\" is invalid: use "
	                                 "identity--UUID or leave it empty");
	dup.identity_id[0] = '\0';
	snprintf(dup.slug, sizeof(dup.slug), "Bad Slug");
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "slug"));
	snprintf(dup.slug, sizeof(dup.slug), "x");
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_INVALID);
	snprintf(dup.slug, sizeof(dup.slug), "other");
	snprintf(dup.type, sizeof(dup.type), "bank");
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, PI_ORG_TYPES));
	snprintf(dup.type, sizeof(dup.type), "regulator");
	dup.name[0] = '\0';
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "name"));
	snprintf(dup.name, sizeof(dup.name), "Other");
	snprintf(dup.country, sizeof(dup.country), "FRA");
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "country"));
	dup.country[0] = '\0';
	assert_int_equal(pi_store_org_create(f->store, &dup, &err), PI_OK);

	/* update: rename retitles the private collection; slug clash refused */
	got = org;
	snprintf(got.name, sizeof(got.name), "ACME Group Post");
	assert_int_equal(pi_store_org_update(f->store, &got, &err), PI_OK);
	assert_int_equal(
	        pi_store_collection_for_scope(f->store, PI_SCOPE_ORG, org.id, &col, &err), PI_OK);
	assert_string_equal(col.title, "ACME Group Post (private)");
	snprintf(got.slug, sizeof(got.slug), "other");
	assert_int_equal(pi_store_org_update(f->store, &got, &err), PI_ERR_EXISTS);
	assert_string_equal(err.message, "an organisation with slug \"other\" already exists");
	got.id = 4242;
	snprintf(got.slug, sizeof(got.slug), "ghost");
	assert_int_equal(pi_store_org_update(f->store, &got, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_store_org_list(f->store, count_orgs, &n, &err), PI_OK);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(pi_store_collection_list(f->store, count_collections, &n, &err), PI_OK);
	assert_int_equal(n, 3);
}

/* ---- users ---- */

static void users_crud_and_refusals(void **state)
{
	struct fixture *f = *state;
	int64_t org_id = new_org(f->store, "acme");
	int64_t other_org = new_org(f->store, "beta");
	struct pi_user user = {.org_id = org_id, .role = PI_ROLE_ORG_ADMIN}, got, dup;
	struct pi_org org;
	struct pi_error err;
	char hash[128];
	char small[4];
	char kind = 0;
	int64_t id = 0;
	int n = 0;

	snprintf(user.username, sizeof(user.username), "alice.m");
	snprintf(user.display_name, sizeof(user.display_name), "Alice M");
	snprintf(user.email, sizeof(user.email), "alice@acme.example");
	assert_int_equal(pi_store_user_create(f->store, &user, "$argon2id$v=19$fake", &err), PI_OK);
	assert_true(user.id > 0);
	assert_memory_equal(user.identity_id, "identity--", 10);

	assert_int_equal(
	        pi_store_user_find(f->store, "alice.m", &got, hash, sizeof(hash), &err), PI_OK);
	assert_string_equal(hash, "$argon2id$v=19$fake");
	assert_int_equal(got.role, PI_ROLE_ORG_ADMIN);
	assert_string_equal(got.email, "alice@acme.example");
	assert_int_equal(got.org_id, org_id);
	assert_int_equal(pi_store_user_find(f->store, "alice.m", &got, small, sizeof(small), &err),
	        PI_ERR_TOOBIG);
	assert_int_equal(pi_store_user_find(f->store, "bob", &got, NULL, 0, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no user named \"bob\"");

	dup = user;
	dup.identity_id[0] = '\0';
	assert_int_equal(pi_store_user_create(f->store, &dup, "", &err), PI_ERR_EXISTS);
	assert_string_equal(err.message, "a user named \"alice.m\" already exists");
	snprintf(dup.username, sizeof(dup.username), "bob");
	dup.org_id = 999;
	assert_int_equal(pi_store_user_create(f->store, &dup, "", &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no organisation with id 999");
	dup.org_id = org_id;
	dup.role = PI_ROLE_NONE;
	assert_int_equal(pi_store_user_create(f->store, &dup, "", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "role"));
	dup.role = PI_ROLE_ANALYST;
	snprintf(dup.username, sizeof(dup.username), "Bob Smith");
	assert_int_equal(pi_store_user_create(f->store, &dup, "", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "username"));
	snprintf(dup.username, sizeof(dup.username), "bob");
	snprintf(dup.email, sizeof(dup.email), "not-an-address");
	assert_int_equal(pi_store_user_create(f->store, &dup, "", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "email"));
	dup.email[0] = '\0';
	/* identity ids are unique across organisations and users */
	assert_int_equal(pi_store_org_get(f->store, org_id, &org, &err), PI_OK);
	snprintf(dup.identity_id, sizeof(dup.identity_id), "%s", org.identity_id);
	assert_int_equal(pi_store_user_create(f->store, &dup, "", &err), PI_ERR_EXISTS);
	dup.identity_id[0] = '\0';
	dup.org_id = other_org;
	assert_int_equal(pi_store_user_create(f->store, &dup, NULL, &err), PI_OK);

	/* update, password, list */
	got = user;
	got.disabled = 1;
	got.role = PI_ROLE_READONLY;
	assert_int_equal(pi_store_user_update(f->store, &got, &err), PI_OK);
	assert_int_equal(pi_store_user_get(f->store, user.id, &got, &err), PI_OK);
	assert_int_equal(got.disabled, 1);
	assert_int_equal(got.role, PI_ROLE_READONLY);
	snprintf(got.username, sizeof(got.username), "bob");
	assert_int_equal(pi_store_user_update(f->store, &got, &err), PI_ERR_EXISTS);
	assert_string_equal(err.message, "a user named \"bob\" already exists");
	assert_int_equal(
	        pi_store_user_set_password(f->store, user.id, "$argon2id$new", &err), PI_OK);
	assert_int_equal(
	        pi_store_user_find(f->store, "alice.m", &got, hash, sizeof(hash), &err), PI_OK);
	assert_string_equal(hash, "$argon2id$new");
	assert_int_equal(pi_store_user_set_password(f->store, 999, "$x", &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no user with id 999");
	assert_int_equal(pi_store_user_list(f->store, org_id, count_users, &n, &err), PI_OK);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(pi_store_user_list(f->store, 0, count_users, &n, &err), PI_OK);
	assert_int_equal(n, 2);

	/* identities */
	assert_int_equal(
	        pi_store_identity_find(f->store, org.identity_id, &kind, &id, &err), PI_OK);
	assert_int_equal(kind, 'o');
	assert_int_equal(id, org_id);
	assert_int_equal(
	        pi_store_identity_find(f->store, user.identity_id, &kind, &id, &err), PI_OK);
	assert_int_equal(kind, 'u');
	assert_int_equal(id, user.id);
	assert_int_equal(
	        pi_store_identity_find(f->store, "identity--00000000-0000-4000-8000-000000000000",
	                &kind, &id, &err),
	        PI_ERR_NOTFOUND);
}

/* ---- tokens ---- */

static void tokens_lookup_revoke_and_disable(void **state)
{
	struct fixture *f = *state;
	int64_t org_id = new_org(f->store, "acme");
	int64_t user_id = new_user(f->store, org_id, "carol");
	struct pi_token tok = {.user_id = user_id}, t2 = {.user_id = user_id}, got;
	struct pi_user user;
	struct pi_error err;
	unsigned char hash[32], hash2[32];
	int64_t first_use;
	int n = 0;

	memset(hash, 0xab, sizeof(hash));
	memset(hash2, 0xcd, sizeof(hash2));
	snprintf(tok.name, sizeof(tok.name), "sensor 1");
	snprintf(tok.prefix, sizeof(tok.prefix), "pi_abcdefg");
	assert_int_equal(pi_store_token_create(f->store, &tok, hash, &err), PI_OK);
	assert_true(tok.id > 0);
	assert_int_equal(tok.last_used_at, 0);
	snprintf(t2.name, sizeof(t2.name), "again");
	assert_int_equal(pi_store_token_create(f->store, &t2, hash, &err), PI_ERR_EXISTS);
	assert_string_equal(err.message, "a token with this hash already exists");
	t2.user_id = 999;
	assert_int_equal(pi_store_token_create(f->store, &t2, hash2, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no user with id 999");
	t2.user_id = user_id;
	t2.name[0] = '\0';
	assert_int_equal(pi_store_token_create(f->store, &t2, hash2, &err), PI_ERR_INVALID);
	snprintf(t2.name, sizeof(t2.name), "second");
	assert_int_equal(pi_store_token_create(f->store, &t2, hash2, &err), PI_OK);
	assert_int_equal(pi_store_token_list(f->store, user_id, count_tokens, &n, &err), PI_OK);
	assert_int_equal(n, 2);

	/* look-up returns token and user and records the use once a minute at most */
	assert_int_equal(pi_store_token_lookup(f->store, hash, &got, &user, &err), PI_OK);
	assert_int_equal(got.id, tok.id);
	assert_string_equal(got.name, "sensor 1");
	assert_string_equal(user.username, "carol");
	assert_int_equal(pi_store_token_get(f->store, tok.id, &got, &err), PI_OK);
	first_use = got.last_used_at;
	assert_true(first_use > 0);
	assert_int_equal(pi_store_token_lookup(f->store, hash, &got, &user, &err), PI_OK);
	assert_int_equal(pi_store_token_get(f->store, tok.id, &got, &err), PI_OK);
	assert_int_equal(got.last_used_at, first_use);

	/* revoked token and disabled user are not found */
	assert_int_equal(pi_store_token_revoke(f->store, tok.id, &err), PI_OK);
	assert_int_equal(pi_store_token_lookup(f->store, hash, &got, &user, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_store_token_get(f->store, tok.id, &got, &err), PI_OK);
	assert_int_equal(got.revoked, 1);
	assert_int_equal(pi_store_token_revoke(f->store, 999, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_store_token_lookup(f->store, hash2, NULL, NULL, &err), PI_OK);
	assert_int_equal(pi_store_user_get(f->store, user_id, &user, &err), PI_OK);
	user.disabled = 1;
	assert_int_equal(pi_store_user_update(f->store, &user, &err), PI_OK);
	assert_int_equal(
	        pi_store_token_lookup(f->store, hash2, &got, &user, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "unknown or revoked token, or disabled user");
}

/* ---- groups ---- */

static int first_member(void *arg, const struct pi_org *org)
{
	*(int64_t *)arg = org->id;
	return 1;
}

static void groups_membership(void **state)
{
	struct fixture *f = *state;
	int64_t a = new_org(f->store, "acme");
	int64_t b = new_org(f->store, "beta");
	struct pi_group g = {0}, got;
	struct pi_collection col;
	struct pi_error err;
	int64_t ids[4];
	int64_t member = 0;
	size_t n = 0;

	snprintf(g.name, sizeof(g.name), "eu-parcels");
	snprintf(g.description, sizeof(g.description), "EU parcel operators");
	assert_int_equal(pi_store_group_create(f->store, &g, &err), PI_OK);
	assert_true(g.id > 0);
	assert_int_equal(
	        pi_store_collection_for_scope(f->store, PI_SCOPE_GROUP, g.id, &col, &err), PI_OK);
	assert_string_equal(col.title, "eu-parcels (sharing group)");
	got = g;
	assert_int_equal(pi_store_group_create(f->store, &got, &err), PI_ERR_EXISTS);
	assert_string_equal(err.message, "a sharing group named \"eu-parcels\" already exists");
	snprintf(got.name, sizeof(got.name), "EU Parcels");
	assert_int_equal(pi_store_group_create(f->store, &got, &err), PI_ERR_INVALID);
	assert_int_equal(pi_store_group_find(f->store, "eu-parcels", &got, &err), PI_OK);
	assert_int_equal(got.id, g.id);
	assert_string_equal(got.description, "EU parcel operators");
	assert_int_equal(pi_store_group_get(f->store, 77, &got, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no sharing group with id 77");

	assert_int_equal(pi_store_group_add_org(f->store, g.id, a, &err), PI_OK);
	assert_int_equal(pi_store_group_add_org(f->store, g.id, a, &err), PI_ERR_EXISTS);
	assert_non_null(strstr(err.message, "is already a member of sharing group"));
	assert_int_equal(pi_store_group_add_org(f->store, g.id, 999, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_store_group_add_org(f->store, 999, a, &err), PI_ERR_NOTFOUND);
	assert_int_equal(
	        pi_store_group_members(f->store, g.id, first_member, &member, &err), PI_OK);
	assert_int_equal(member, a);
	assert_int_equal(pi_store_org_groups(f->store, a, ids, 4, &n, &err), PI_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], g.id);
	assert_int_equal(pi_store_org_groups(f->store, b, ids, 4, &n, &err), PI_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pi_store_group_remove_org(f->store, g.id, b, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_store_group_remove_org(f->store, g.id, a, &err), PI_OK);
	assert_int_equal(pi_store_org_groups(f->store, a, ids, 4, &n, &err), PI_OK);
	assert_int_equal(n, 0);
}

/* ---- objects ---- */

#define IND "indicator--11111111-1111-4111-8111-111111111111"
#define V1 "2024-01-01T00:00:00.000Z"
#define V2 "2024-02-01T00:00:00.000Z"
#define V3 "2024-03-01T00:00:00.000Z"

static void object_versions_first_last_all(void **state)
{
	struct fixture *f = *state;
	enum pi_put_result r;
	struct pi_error err;
	struct seen s;
	char k1[PI_TIME_KEY_LEN], k2[PI_TIME_KEY_LEN], k3[PI_TIME_KEY_LEN];
	const char *only_k2[] = {k2, NULL};
	const char *only_k3[] = {k3, NULL};
	size_t deleted = 0;

	key_of(V1, k1);
	key_of(V2, k2);
	key_of(V3, k3);
	/* out of order on purpose: v2, v1, v3 */
	assert_int_equal(
	        put1(f->store, f->community, IND, "indicator", V2, "{\"v\":2}", &r, &err), PI_OK);
	assert_int_equal(r, PI_PUT_ADDED);
	assert_int_equal(
	        put1(f->store, f->community, IND, "indicator", V1, "{\"v\":1}", &r, &err), PI_OK);
	assert_int_equal(
	        put1(f->store, f->community, IND, "indicator", V3, "{\"v\":3}", &r, &err), PI_OK);

	s = query_versions(f->store, f->community, IND, 0, NULL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.versions[0], V3);
	s = query_versions(f->store, f->community, NULL, PI_MATCH_LAST, NULL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.versions[0], V3);
	s = query_versions(f->store, f->community, IND, PI_MATCH_FIRST, NULL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.versions[0], V1);
	s = query_versions(f->store, f->community, IND, PI_MATCH_ALL, NULL);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.versions[0], V2); /* date_added order */
	assert_string_equal(s.versions[1], V1);
	assert_string_equal(s.versions[2], V3);
	assert_true(s.dates[0] < s.dates[1] && s.dates[1] < s.dates[2]);
	assert_int_equal(s.acl.scope, PI_SCOPE_COMMUNITY);
	assert_int_equal(s.acl.tlp, PI_TLP_GREEN);
	assert_int_equal(s.acl.owner_org, 1);
	s = query_versions(f->store, f->community, IND, 0, only_k2);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.bodies[0], "{\"v\":2}");
	s = query_versions(f->store, f->community, NULL, PI_MATCH_FIRST | PI_MATCH_LAST, NULL);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.versions[0], V1);
	assert_string_equal(s.versions[1], V3);
	s = query_versions(f->store, f->community, IND, PI_MATCH_FIRST, only_k3);
	assert_int_equal(s.n, 2);

	/* deleting the last version makes v2 the last */
	{
		struct pi_object_query q = {.version_keys = only_k3};
		assert_int_equal(pi_store_objects_delete(f->store, f->community, IND, &q, NULL,
		                         NULL, &deleted, &err),
		        PI_OK);
		assert_int_equal(deleted, 1);
	}
	s = query_versions(f->store, f->community, IND, 0, NULL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.versions[0], V2);
	/* deleting the first (v1) makes v2 also the first */
	{
		struct pi_object_query q = {.version_flags = PI_MATCH_FIRST};
		assert_int_equal(pi_store_objects_delete(f->store, f->community, IND, &q, NULL,
		                         NULL, &deleted, &err),
		        PI_OK);
		assert_int_equal(deleted, 1);
	}
	s = query_versions(f->store, f->community, IND, PI_MATCH_FIRST, NULL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.versions[0], V2);
	/* a new version after deletes: is_last moves to it */
	assert_int_equal(
	        put1(f->store, f->community, IND, "indicator", V3, "{\"v\":33}", &r, &err), PI_OK);
	assert_int_equal(r, PI_PUT_ADDED);
	s = query_versions(f->store, f->community, IND, PI_MATCH_LAST, NULL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.bodies[0], "{\"v\":33}");
	s = query_versions(f->store, f->community, IND, PI_MATCH_FIRST, NULL);
	assert_string_equal(s.versions[0], V2);
}

static int refuse_all(void *arg, const struct pi_object_row *row)
{
	(void)row;
	(*(int *)arg)++;
	return 0;
}

static void delete_respects_allow_and_null_query(void **state)
{
	struct fixture *f = *state;
	enum pi_put_result r;
	struct pi_error err;
	struct seen s;
	size_t deleted = 9;
	int asked = 0;

	assert_int_equal(put1(f->store, f->community, IND, "indicator", V1, "{}", &r, &err), PI_OK);
	assert_int_equal(put1(f->store, f->community, IND, "indicator", V2, "{}", &r, &err), PI_OK);
	assert_int_equal(pi_store_objects_delete(f->store, f->community, IND, NULL, refuse_all,
	                         &asked, &deleted, &err),
	        PI_OK);
	assert_int_equal(asked, 2);
	assert_int_equal(deleted, 0);
	assert_int_equal(pi_store_objects_delete(
	                         f->store, f->community, IND, NULL, NULL, NULL, &deleted, &err),
	        PI_OK);
	assert_int_equal(deleted, 2);
	s = query_versions(f->store, f->community, IND, PI_MATCH_ALL, NULL);
	assert_int_equal(s.n, 0);
	assert_int_equal(
	        pi_store_objects_delete(f->store, 999, IND, NULL, NULL, NULL, &deleted, &err),
	        PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no collection with id 999");
}

static void conflict_versus_unchanged(void **state)
{
	struct fixture *f = *state;
	enum pi_put_result r;
	struct pi_error err;
	struct seen s;

	assert_int_equal(put1(f->store, f->community, IND, "indicator", V1,
	                         "{\"id\":\"x\",\"n\":[1,2],\"o\":{\"a\":1,\"b\":2}}", &r, &err),
	        PI_OK);
	assert_int_equal(r, PI_PUT_ADDED);
	assert_int_equal(put1(f->store, f->community, IND, "indicator", V1,
	                         "{\"id\":\"x\",\"n\":[1,2],\"o\":{\"a\":1,\"b\":2}}", &r, &err),
	        PI_OK);
	assert_int_equal(r, PI_PUT_UNCHANGED);
	/* same content, other member order and spacing */
	assert_int_equal(
	        put1(f->store, f->community, IND, "indicator", V1,
	                "{ \"o\": {\"b\":2, \"a\":1}, \"n\":[1,2], \"id\":\"x\" }", &r, &err),
	        PI_OK);
	assert_int_equal(r, PI_PUT_UNCHANGED);
	/* array order matters */
	assert_int_equal(put1(f->store, f->community, IND, "indicator", V1,
	                         "{\"id\":\"x\",\"n\":[2,1],\"o\":{\"a\":1,\"b\":2}}", &r, &err),
	        PI_OK);
	assert_int_equal(r, PI_PUT_CONFLICT);
	s = query_versions(f->store, f->community, IND, PI_MATCH_ALL, NULL);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.bodies[0], "{\"id\":\"x\",\"n\":[1,2],\"o\":{\"a\":1,\"b\":2}}");
}

static void versionless_objects(void **state)
{
	struct fixture *f = *state;
	const char *ip = "ipv4-addr--22222222-2222-4222-8222-222222222222";
	char expect[PI_TIME_TEXT_LEN];
	enum pi_put_result r;
	struct pi_error err;
	struct seen s;
	int64_t first_date;

	assert_int_equal(put1(f->store, f->community, ip, "ipv4-addr", NULL,
	                         "{\"type\":\"ipv4-addr\",\"value\":\"192.0.2.1\"}", &r, &err),
	        PI_OK);
	assert_int_equal(r, PI_PUT_ADDED);
	s = query_versions(f->store, f->community, ip, 0, NULL);
	assert_int_equal(s.n, 1);
	pi_time_format_us(s.dates[0], expect);
	assert_string_equal(s.versions[0], expect);
	first_date = s.dates[0];
	assert_int_equal(put1(f->store, f->community, ip, "ipv4-addr", NULL,
	                         "{\"value\":\"192.0.2.1\",\"type\":\"ipv4-addr\"}", &r, &err),
	        PI_OK);
	assert_int_equal(r, PI_PUT_UNCHANGED);
	assert_int_equal(
	        put1(f->store, f->community, ip, "ipv4-addr", NULL,
	                "{\"type\":\"ipv4-addr\",\"value\":\"192.0.2.1\",\"x_note\":1}", &r, &err),
	        PI_OK);
	assert_int_equal(r, PI_PUT_ADDED);
	s = query_versions(f->store, f->community, ip, PI_MATCH_ALL, NULL);
	assert_int_equal(s.n, 1); /* replaced, not a second version */
	assert_true(s.dates[0] > first_date);
	assert_non_null(strstr(s.bodies[0], "x_note"));
	pi_time_format_us(s.dates[0], expect);
	assert_string_equal(s.versions[0], expect);
	s = query_versions(f->store, f->community, ip, PI_MATCH_FIRST, NULL);
	assert_int_equal(s.n, 1);
}

/* Builds n indicator objects numbered from base; bodies in one buffer. */
struct batch {
	struct pi_object_in in[1000];
	enum pi_put_result res[1000];
	char ids[1000][64];
	char bodies[1000][400];
};

static void batch_fill(struct batch *b, int base, size_t n, const char *type)
{
	static const char *key = "2024-01-01T00:00:00.000000000Z";

	for (size_t i = 0; i < n; i++) {
		int num = base + (int)i;
		snprintf(b->ids[i], sizeof(b->ids[i]), "%s--%08d-0000-4000-8000-000000000000", type,
		        num);
		snprintf(b->bodies[i], sizeof(b->bodies[i]),
		        "{\"type\":\"%s\",\"spec_version\":\"2.1\",\"id\":\"%s\",\"created\":"
		        "\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
		        "\"name\":\"bad domain %d\",\"pattern\":\"[domain-name:value = "
		        "'parcel-%d.example']\",\"pattern_type\":\"stix\",\"valid_from\":"
		        "\"2024-01-01T00:00:00Z\"}",
		        type, b->ids[i], num, num);
		b->in[i] = (struct pi_object_in){.stix_id = b->ids[i],
		        .type = type,
		        .spec_version = num % 2 ? "2.1" : "2.0",
		        .version = "2024-01-01T00:00:00.000Z",
		        .version_key = key,
		        .tlp = PI_TLP_CLEAR,
		        .recipients = "o1,u2",
		        .body = b->bodies[i],
		        .body_len = strlen(b->bodies[i])};
	}
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct walk {
	unsigned char *visited;
	int total;
	int64_t last_date;
	int ordered;
	int dup;
};

static int walk_row(void *arg, const struct pi_object_row *row)
{
	struct walk *w = arg;
	int num = atoi(row->stix_id + strlen("indicator--"));

	if (num >= 0 && num < 5000) {
		if (w->visited[num])
			w->dup = 1;
		w->visited[num] = 1;
	}
	if (row->date_added <= w->last_date)
		w->ordered = 0;
	w->last_date = row->date_added;
	w->total++;
	return 0;
}

static void keyset_pagination_visits_each_once(void **state)
{
	struct fixture *f = *state;
	struct batch *b = calloc(1, sizeof(*b));
	struct walk w = {.ordered = 1};
	struct pi_error err;
	int64_t date_added = 0;
	double t0, t1;
	int pages = 0;
	int more = 1;

	assert_non_null(b);
	w.visited = calloc(5000, 1);
	assert_non_null(w.visited);
	for (int k = 0; k < 5; k++) {
		batch_fill(b, k * 1000, 1000, "indicator");
		t0 = now_seconds();
		assert_int_equal(pi_store_objects_put(f->store, f->community, 1, 1, b->in, 1000,
		                         b->res, &date_added, &err),
		        PI_OK);
		t1 = now_seconds();
		if (k == 1)
			printf("store: one 1000-object put took %.1f ms: %.0f objects/s\n",
			        (t1 - t0) * 1e3, 1000.0 / (t1 - t0));
		for (int i = 0; i < 1000; i++)
			assert_int_equal(b->res[i], PI_PUT_ADDED);
		assert_true(date_added > 0);
	}
	/* pages of 100 keyed on date_added */
	while (more && pages < 100) {
		struct pi_object_query q = {.collection_id = f->community,
		        .after = w.last_date,
		        .version_flags = PI_MATCH_ALL,
		        .max_rows = 100};
		size_t examined = 0;
		assert_int_equal(
		        pi_store_objects_query(f->store, &q, walk_row, &w, &examined, &more, &err),
		        PI_OK);
		assert_int_equal(examined, 100);
		pages++;
	}
	assert_int_equal(pages, 50);
	assert_int_equal(more, 0);
	assert_int_equal(w.total, 5000);
	assert_int_equal(w.dup, 0);
	assert_int_equal(w.ordered, 1);
	for (int i = 0; i < 5000; i++)
		assert_int_equal(w.visited[i], 1);
	/* the same with the default (latest) selection, which takes another index */
	memset(w.visited, 0, 5000);
	w.total = 0;
	w.last_date = 0;
	more = 1;
	pages = 0;
	while (more && pages < 100) {
		struct pi_object_query q = {
		        .collection_id = f->community, .after = w.last_date, .max_rows = 333};
		assert_int_equal(
		        pi_store_objects_query(f->store, &q, walk_row, &w, NULL, &more, &err),
		        PI_OK);
		pages++;
	}
	assert_int_equal(pages, 16);
	assert_int_equal(w.total, 5000);
	assert_int_equal(w.dup, 0);
	assert_int_equal(w.ordered, 1);
	free(w.visited);
	free(b);
}

static void query_plans_use_the_right_index(void **state)
{
	struct fixture *f = *state;
	const char *one_type[] = {"indicator", NULL};
	const char *two_types[] = {"indicator", "malware", NULL};
	const char *ids[] = {IND, "malware--x", NULL};
	struct pi_error err;
	char plan[1024];

	{
		struct pi_object_query q = {.collection_id = f->community,
		        .after = 5,
		        .version_flags = PI_MATCH_ALL,
		        .types = two_types,
		        .max_rows = 100};
		assert_int_equal(
		        pi_store_explain_query(f->store, &q, plan, sizeof(plan), &err), PI_OK);
		assert_non_null(strstr(
		        plan, "USING INDEX objects_coll_added (collection_id=? AND date_added>?)"));
		assert_null(strstr(plan, "TEMP B-TREE"));
	}
	{
		struct pi_object_query q = {.collection_id = f->community, .after = 5};
		assert_int_equal(
		        pi_store_explain_query(f->store, &q, plan, sizeof(plan), &err), PI_OK);
		assert_non_null(strstr(plan, "USING INDEX objects_coll_last_added (collection_id=? "
		                             "AND is_last=? AND date_added>?)"));
		assert_null(strstr(plan, "TEMP B-TREE"));
	}
	{
		struct pi_object_query q = {
		        .collection_id = f->community, .after = 5, .types = one_type};
		assert_int_equal(
		        pi_store_explain_query(f->store, &q, plan, sizeof(plan), &err), PI_OK);
		assert_non_null(strstr(plan, "USING INDEX objects_coll_type_added (collection_id=? "
		                             "AND type=? AND date_added>?)"));
		assert_null(strstr(plan, "TEMP B-TREE"));
	}
	{
		struct pi_object_query q = {.collection_id = f->community, .ids = ids};
		assert_int_equal(
		        pi_store_explain_query(f->store, &q, plan, sizeof(plan), &err), PI_OK);
		assert_non_null(strstr(plan,
		        "USING INDEX objects_coll_id_version (collection_id=? AND stix_id=?)"));
	}
}

static int stop_at_first(void *arg, const struct pi_object_row *row)
{
	(void)row;
	(*(int *)arg)++;
	return 1;
}

static void filters_and_more_flag(void **state)
{
	struct fixture *f = *state;
	struct batch *b = calloc(1, sizeof(*b));
	const char *mal[] = {"malware", NULL};
	const char *both[] = {"malware", "indicator", NULL};
	const char *spec20[] = {"2.0", NULL};
	const char *ids[] = {NULL, NULL, NULL};
	struct pi_error err;
	struct seen s;
	size_t examined = 0;
	int more = 0;
	int calls = 0;

	assert_non_null(b);
	batch_fill(b, 0, 10, "indicator");
	assert_int_equal(
	        pi_store_objects_put(f->store, f->community, 1, 1, b->in, 10, b->res, NULL, &err),
	        PI_OK);
	batch_fill(b, 100, 4, "malware");
	assert_int_equal(
	        pi_store_objects_put(f->store, f->community, 1, 1, b->in, 4, b->res, NULL, &err),
	        PI_OK);
	ids[0] = b->ids[1];
	ids[1] = b->ids[3];
	{
		struct pi_object_query q = {.collection_id = f->community, .types = mal};
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		        pi_store_objects_query(f->store, &q, collect, &s, &examined, &more, &err),
		        PI_OK);
		assert_int_equal(s.n, 4);
	}
	{
		struct pi_object_query q = {.collection_id = f->community, .types = both};
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		        pi_store_objects_query(f->store, &q, collect, &s, &examined, &more, &err),
		        PI_OK);
		assert_int_equal(s.n, 14);
	}
	{
		struct pi_object_query q = {.collection_id = f->community, .spec_versions = spec20};
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		        pi_store_objects_query(f->store, &q, collect, &s, &examined, &more, &err),
		        PI_OK);
		assert_int_equal(s.n, 7); /* even numbers: 0,2,..,8 and 100,102 */
	}
	{
		struct pi_object_query q = {
		        .collection_id = f->community, .ids = ids, .types = mal};
		memset(&s, 0, sizeof(s));
		assert_int_equal(
		        pi_store_objects_query(f->store, &q, collect, &s, &examined, &more, &err),
		        PI_OK);
		assert_int_equal(s.n, 2); /* malware 101 and 103 */
	}
	{
		struct pi_object_query q = {.collection_id = f->community, .max_rows = 14};
		assert_int_equal(pi_store_objects_query(
		                         f->store, &q, refuse_all, &calls, &examined, &more, &err),
		        PI_OK);
		assert_int_equal(examined, 14);
		assert_int_equal(more, 0);
		q.max_rows = 13;
		assert_int_equal(pi_store_objects_query(
		                         f->store, &q, refuse_all, &calls, &examined, &more, &err),
		        PI_OK);
		assert_int_equal(examined, 13);
		assert_int_equal(more, 1);
		calls = 0;
		assert_int_equal(pi_store_objects_query(f->store, &q, stop_at_first, &calls,
		                         &examined, &more, &err),
		        PI_OK);
		assert_int_equal(calls, 1);
		assert_int_equal(examined, 1);
		assert_int_equal(more, 1);
		q.collection_id = 999;
		assert_int_equal(pi_store_objects_query(
		                         f->store, &q, refuse_all, &calls, &examined, &more, &err),
		        PI_ERR_NOTFOUND);
	}
	free(b);
}

static void failed_put_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct batch *b = calloc(1, sizeof(*b));
	struct pi_error err;
	struct seen s;
	sqlite3 *db = NULL;
	int64_t date_added = 7;

	assert_non_null(b);
	/* a trigger makes the third insert fail inside the transaction */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                         "CREATE TRIGGER boom BEFORE INSERT ON objects WHEN NEW.stix_id "
	                         "LIKE '%00000002-%' BEGIN SELECT RAISE(ABORT, 'boom'); END",
	                         NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	batch_fill(b, 0, 5, "indicator");
	assert_int_not_equal(pi_store_objects_put(f->store, f->community, 1, 1, b->in, 5, b->res,
	                             &date_added, &err),
	        PI_OK);
	assert_non_null(strstr(err.message, "boom"));
	assert_non_null(strstr(err.message, "object 2"));
	assert_int_equal(date_added, 0);
	s = query_versions(f->store, f->community, NULL, PI_MATCH_ALL, NULL);
	assert_int_equal(s.n, 0);
	/* a bad object anywhere refuses the whole call before writing */
	batch_fill(b, 10, 3, "indicator");
	b->in[2].version_key = "";
	assert_int_equal(
	        pi_store_objects_put(f->store, f->community, 1, 1, b->in, 3, b->res, NULL, &err),
	        PI_ERR_INVALID);
	assert_string_equal(
	        err.message, "object 2: version and version_key must be both set or both empty");
	assert_int_equal(pi_store_objects_put(f->store, 999, 1, 1, b->in, 2, b->res, NULL, &err),
	        PI_ERR_NOTFOUND);
	s = query_versions(f->store, f->community, NULL, PI_MATCH_ALL, NULL);
	assert_int_equal(s.n, 0);
	free(b);
}

static void markings_and_status(void **state)
{
	struct fixture *f = *state;
	const char *md = "marking-definition--33333333-3333-4333-8333-333333333333";
	struct pi_status_res res = {.collection_id = f->community,
	        .user_id = 3,
	        .org_id = 2,
	        .request_timestamp = 1700000000000000,
	        .total = 2,
	        .success = 1,
	        .pending = 1,
	        .details = "{\"successes\":[],\"failures\":[],\"pendings\":[]}"};
	struct pi_status_res got;
	enum pi_put_result r;
	struct pi_error err;

	assert_false(pi_store_marking_known(f->store, md));
	assert_int_equal(put1(f->store, f->community, md, "marking-definition",
	                         "2024-01-01T00:00:00Z", "{}", &r, &err),
	        PI_OK);
	assert_true(pi_store_marking_known(f->store, md));
	assert_false(pi_store_marking_known(f->store, IND));

	snprintf(res.id, sizeof(res.id), "2d086da7-4bdc-4f91-900e-d77486753710");
	assert_int_equal(pi_store_status_save(f->store, &res, &err), PI_OK);
	assert_int_equal(pi_store_status_get(f->store, res.id, &got, &err), PI_OK);
	assert_string_equal(got.id, res.id);
	assert_int_equal(got.total, 2);
	assert_int_equal(got.pending, 1);
	assert_int_equal(got.request_timestamp, res.request_timestamp);
	assert_string_equal(got.details, res.details);
	free((char *)got.details);
	res.success = 2;
	res.pending = 0;
	assert_int_equal(pi_store_status_save(f->store, &res, &err), PI_OK);
	assert_int_equal(pi_store_status_get(f->store, res.id, &got, &err), PI_OK);
	assert_int_equal(got.success, 2);
	assert_int_equal(got.pending, 0);
	free((char *)got.details);
	assert_int_equal(pi_store_status_get(f->store, "nope", &got, &err), PI_ERR_NOTFOUND);
	assert_string_equal(err.message, "no status resource with id \"nope\"");

	/* expiry: older than the cut-off goes, the rest stays */
	{
		struct pi_status_res fresh = res;
		size_t n = 99;
		pi_store *again = NULL;
		snprintf(fresh.id, sizeof(fresh.id), "3d086da7-4bdc-4f91-900e-d77486753711");
		fresh.request_timestamp = pi_time_now_us();
		assert_int_equal(pi_store_status_save(f->store, &fresh, &err), PI_OK);
		assert_int_equal(
		        pi_store_status_expire(f->store, 1600000000000000, &n, &err), PI_OK);
		assert_int_equal(n, 0);
		assert_int_equal(pi_store_status_get(f->store, res.id, &got, &err), PI_OK);
		free((char *)got.details);
		/* a new handle sweeps on its first save: the 2023 one is past the retention */
		assert_int_equal(pi_store_open(f->url, &again, &err), PI_OK);
		snprintf(fresh.id, sizeof(fresh.id), "4d086da7-4bdc-4f91-900e-d77486753712");
		assert_int_equal(pi_store_status_save(again, &fresh, &err), PI_OK);
		assert_int_equal(pi_store_status_get(again, res.id, &got, &err), PI_ERR_NOTFOUND);
		assert_int_equal(pi_store_status_get(again, fresh.id, &got, &err), PI_OK);
		free((char *)got.details);
		assert_int_equal(pi_store_status_get(
		                         again, "3d086da7-4bdc-4f91-900e-d77486753711", &got, &err),
		        PI_OK);
		free((char *)got.details);
		assert_int_equal(
		        pi_store_status_expire(again, pi_time_now_us() + 1, &n, &err), PI_OK);
		assert_int_equal(n, 2);
		pi_store_close(again);
	}
}

/* ---- threads, re-entrancy, reopen ---- */

struct writer {
	pi_store *store;
	int64_t collection;
	int base;
	pi_status status;
	char message[PI_ERROR_MSG_MAX];
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct batch *b = calloc(1, sizeof(*b));
	struct pi_error err;

	w->status = PI_ERR_NOMEM;
	if (!b)
		return NULL;
	for (int k = 0; k < 20; k++) {
		batch_fill(b, w->base + k * 25, 25, "indicator");
		w->status = pi_store_objects_put(
		        w->store, w->collection, 1, 1, b->in, 25, b->res, NULL, &err);
		if (w->status != PI_OK) {
			snprintf(w->message, sizeof(w->message), "%s", err.message);
			break;
		}
	}
	free(b);
	return NULL;
}

static void two_threads_write_concurrently(void **state)
{
	struct fixture *f = *state;
	struct writer w[2] = {{.store = f->store, .collection = f->community, .base = 0},
	        {.store = f->store, .collection = f->community, .base = 2500}};
	pthread_t th[2];
	struct walk walk = {.ordered = 1};
	struct pi_error err;
	struct pi_object_query q = {.collection_id = f->community, .version_flags = PI_MATCH_ALL};

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	for (int i = 0; i < 2; i++) {
		if (w[i].status != PI_OK)
			fprintf(stderr, "writer %d: %s\n", i, w[i].message);
		assert_int_equal(w[i].status, PI_OK);
	}
	walk.visited = calloc(5000, 1);
	assert_non_null(walk.visited);
	assert_int_equal(
	        pi_store_objects_query(f->store, &q, walk_row, &walk, NULL, NULL, &err), PI_OK);
	assert_int_equal(walk.total, 1000);
	assert_int_equal(walk.dup, 0);
	assert_int_equal(walk.ordered, 1);
	free(walk.visited);
}

struct nested {
	pi_store *store;
	int64_t collection;
	int inner_total;
	int outer;
};

static int nested_row(void *arg, const struct pi_object_row *row)
{
	struct nested *n = arg;
	struct pi_object_query q = {.collection_id = n->collection, .max_rows = 100};
	struct pi_error err;
	size_t examined = 0;
	int calls = 0;

	(void)row;
	n->outer++;
	if (pi_store_objects_query(n->store, &q, refuse_all, &calls, &examined, NULL, &err) ==
	        PI_OK)
		n->inner_total += (int)examined;
	return 0;
}

static void callbacks_may_reenter_the_store(void **state)
{
	struct fixture *f = *state;
	struct batch *b = calloc(1, sizeof(*b));
	struct nested n = {.store = f->store, .collection = f->community};
	struct pi_object_query q = {.collection_id = f->community};
	struct pi_error err;

	assert_non_null(b);
	batch_fill(b, 0, 3, "indicator");
	assert_int_equal(
	        pi_store_objects_put(f->store, f->community, 1, 1, b->in, 3, b->res, NULL, &err),
	        PI_OK);
	assert_int_equal(
	        pi_store_objects_query(f->store, &q, nested_row, &n, NULL, NULL, &err), PI_OK);
	assert_int_equal(n.outer, 3);
	assert_int_equal(n.inner_total, 9);
	free(b);
}

static void *short_lived_reader(void *arg)
{
	struct nested *n = arg;
	struct pi_object_query q = {.collection_id = n->collection};
	struct pi_error err;
	int calls = 0;

	if (pi_store_objects_query(n->store, &q, refuse_all, &calls, NULL, NULL, &err) == PI_OK)
		n->outer++;
	return NULL;
}

static void ended_threads_give_their_connection_back(void **state)
{
	struct fixture *f = *state;
	struct nested n = {.store = f->store, .collection = f->community};

	/* more threads than the connection cap (64), one after the other */
	for (int i = 0; i < 100; i++) {
		pthread_t th;
		assert_int_equal(pthread_create(&th, NULL, short_lived_reader, &n), 0);
		assert_int_equal(pthread_join(th, NULL), 0);
	}
	assert_int_equal(n.outer, 100);
}

static void refuses_a_file_that_is_not_a_database(void **state)
{
	struct fixture *f = *state;
	char path[300];
	char url[320];
	pi_store *other = NULL;
	struct pi_error err;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/notes.txt", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database, just some notes\n", fp);
	fclose(fp);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	assert_int_equal(pi_store_open(url, &other, &err), PI_ERR_INVALID);
	assert_null(other);
	assert_non_null(strstr(err.message, "not a database"));
	remove(path);
}

static void reopen_sees_everything(void **state)
{
	struct fixture *f = *state;
	struct batch *b = calloc(1, sizeof(*b));
	struct pi_org org;
	struct pi_error err;
	struct seen s;
	int version = 0;
	int64_t org_id = new_org(f->store, "acme");
	int64_t last_before, first_after;

	assert_non_null(b);
	batch_fill(b, 0, 20, "indicator");
	assert_int_equal(pi_store_objects_put(f->store, f->community, 1, 1, b->in, 20, b->res,
	                         &last_before, &err),
	        PI_OK);
	pi_store_close(f->store);
	f->store = NULL;
	assert_int_equal(pi_store_open(f->url, &f->store, &err), PI_OK);
	assert_int_equal(pi_store_migrate(f->store, &version, &err), PI_OK);
	assert_int_equal(version, 1);
	assert_int_equal(pi_store_org_get(f->store, org_id, &org, &err), PI_OK);
	assert_string_equal(org.slug, "acme");
	s = query_versions(f->store, f->community, NULL, PI_MATCH_ALL, NULL);
	assert_int_equal(s.n, 20);
	/* date_added keeps increasing after a reopen, even after the newest objects go away */
	assert_int_equal(pi_store_objects_delete(
	                         f->store, f->community, b->ids[19], NULL, NULL, NULL, NULL, &err),
	        PI_OK);
	batch_fill(b, 100, 1, "indicator");
	assert_int_equal(pi_store_objects_put(f->store, f->community, 1, 1, b->in, 1, b->res,
	                         &first_after, &err),
	        PI_OK);
	assert_true(first_after > s.dates[19]);
	free(b);
}

/* Read snapshots nest (only the outermost pair begins and ends the transaction), and a write
 * transaction inside one is refused instead of failing halfway or upgrading the snapshot. */
static void read_snapshots_nest(void **state)
{
	struct fixture *f = *state;
	struct pi_org org;
	struct pi_error err;

	memset(&org, 0, sizeof(org));
	snprintf(org.slug, sizeof(org.slug), "snap-post");
	snprintf(org.name, sizeof(org.name), "Snapshot Post");
	snprintf(org.type, sizeof(org.type), "postal-operator");
	assert_int_equal(pi_store_read_begin(f->store, &err), PI_OK);
	assert_true(pi_store_auth_generation(f->store) != 0);
	assert_int_equal(pi_store_read_begin(f->store, &err), PI_OK);
	pi_store_read_end(f->store);
	/* still inside the outer snapshot */
	assert_int_equal(pi_store_org_create(f->store, &org, &err), PI_ERR_INTERNAL);
	assert_non_null(strstr(err.message, "inside a read snapshot"));
	pi_store_read_end(f->store);
	assert_int_equal(pi_store_org_create(f->store, &org, &err), PI_OK);
	/* an unmatched end is harmless */
	pi_store_read_end(f->store);
	memset(&org, 0, sizeof(org));
	snprintf(org.slug, sizeof(org.slug), "snap-post-2");
	snprintf(org.name, sizeof(org.name), "Snapshot Post 2");
	snprintf(org.type, sizeof(org.type), "postal-operator");
	assert_int_equal(pi_store_org_create(f->store, &org, &err), PI_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(migrations_are_idempotent, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                refuses_bad_urls_and_newer_schemas, setup, teardown),
	        cmocka_unit_test_setup_teardown(settings_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(read_snapshots_nest, setup, teardown),
	        cmocka_unit_test_setup_teardown(orgs_crud_and_refusals, setup, teardown),
	        cmocka_unit_test_setup_teardown(users_crud_and_refusals, setup, teardown),
	        cmocka_unit_test_setup_teardown(tokens_lookup_revoke_and_disable, setup, teardown),
	        cmocka_unit_test_setup_teardown(groups_membership, setup, teardown),
	        cmocka_unit_test_setup_teardown(object_versions_first_last_all, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                delete_respects_allow_and_null_query, setup, teardown),
	        cmocka_unit_test_setup_teardown(conflict_versus_unchanged, setup, teardown),
	        cmocka_unit_test_setup_teardown(versionless_objects, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                keyset_pagination_visits_each_once, setup, teardown),
	        cmocka_unit_test_setup_teardown(query_plans_use_the_right_index, setup, teardown),
	        cmocka_unit_test_setup_teardown(filters_and_more_flag, setup, teardown),
	        cmocka_unit_test_setup_teardown(failed_put_leaves_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(markings_and_status, setup, teardown),
	        cmocka_unit_test_setup_teardown(two_threads_write_concurrently, setup, teardown),
	        cmocka_unit_test_setup_teardown(callbacks_may_reenter_the_store, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                ended_threads_give_their_connection_back, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                refuses_a_file_that_is_not_a_database, setup, teardown),
	        cmocka_unit_test_setup_teardown(reopen_sees_everything, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
