/* store_members.c - organisations, users, API tokens, sharing groups and collections.
 *
 * Invariants kept here:
 *  - every organisation has exactly one private collection (PI_SCOPE_ORG, its id) and every
 *    sharing group one collection (PI_SCOPE_GROUP, its id), created in the same transaction;
 *  - slugs, usernames, group names, identity ids (across organisations AND users) and token
 *    hashes are unique; a duplicate is refused with PI_ERR_EXISTS and a message naming it;
 *  - a token is usable only while it is not revoked and its user is not disabled;
 *    last_used_at is written at most once a minute per token, and never waits for a lock.
 * Field rules are the shared ones of member.h (the API and the command line refuse the same
 * input with the same words); every input also fits the struct field that holds it when read
 * back, so reads never truncate.
 */
#include <stdio.h>
#include <string.h>

#include "core/secret.h"
#include "core/timeutil.h"
#include "store/member.h"
#include "store/store_int.h"

#define IDENTITY_PREFIX "identity--"
#define TOKEN_TOUCH_INTERVAL_US (60 * 1000000LL)
#define PASSWORD_HASH_MAX 256

/* ---- validation ---- */

/* Nonzero if s fits in size bytes (with its NUL) and has no control characters. */
static int text_ok(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n >= size)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int hex_ok(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* Nonzero if s is "identity--" followed by a UUID in 8-4-4-4-12 hex form. */
static int identity_ok(const char *s)
{
	size_t plen = strlen(IDENTITY_PREFIX);

	if (strnlen(s, 64) != plen + 36 || strncmp(s, IDENTITY_PREFIX, plen) != 0)
		return 0;
	s += plen;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!hex_ok(s[i])) {
			return 0;
		}
	}
	return 1;
}

static void identity_new(char out[64])
{
	char uuid[37];

	pi_uuid4(uuid);
	snprintf(out, 64, IDENTITY_PREFIX "%s", uuid);
}

/* Checks an organisation's editable fields with the shared member rules (member.h);
 * copies country into country_out. */
static pi_status org_check(const struct pi_org *org, char country_out[8], struct pi_error *err)
{
	pi_status ret = pi_member_check_slug("slug", org->slug, err);

	if (ret == PI_OK)
		ret = pi_member_check_text("name", org->name, PI_MEMBER_NAME_MAX, 1, err);
	if (ret == PI_OK)
		ret = strnlen(org->type, sizeof(org->type)) < sizeof(org->type)
		              ? pi_member_check_org_type(org->type, err)
		              : pi_error_set(err, PI_ERR_INVALID, "type: too long");
	if (ret == PI_OK)
		ret = strnlen(org->country, sizeof(org->country)) < sizeof(org->country)
		              ? pi_member_check_country(org->country, err)
		              : pi_error_set(err, PI_ERR_INVALID, "country: too long");
	if (ret == PI_OK)
		memcpy(country_out, org->country, sizeof(org->country));
	return ret;
}

static pi_status user_check(const struct pi_user *user, struct pi_error *err)
{
	pi_status ret = pi_member_check_username(user->username, err);

	if (ret == PI_OK)
		ret = pi_member_check_text(
		        "display_name", user->display_name, PI_MEMBER_NAME_MAX, 0, err);
	if (ret == PI_OK)
		ret = pi_member_check_email(user->email, err);
	if (ret == PI_OK && (user->role < PI_ROLE_ADMIN || user->role > PI_ROLE_READONLY))
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "role: %d is not a role; use one of admin, org-admin, analyst, reporter, "
		        "regulator, read-only",
		        (int)user->role);
	return ret;
}

static pi_status hash_check(const char *hash, struct pi_error *err)
{
	if (!hash || !text_ok(hash, PASSWORD_HASH_MAX))
		return pi_error_set(err, PI_ERR_INVALID,
		        "password hash must be at most %d characters", PASSWORD_HASH_MAX - 1);
	return PI_OK;
}

/* ---- row readers ---- */

/* Steps st once: PI_OK on a row, PI_ERR_NOTFOUND (err untouched) when there is none. */
static pi_status step_row(
        struct pi_conn *c, sqlite3_stmt *st, const char *what, struct pi_error *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return PI_OK;
	if (rc == SQLITE_DONE)
		return PI_ERR_NOTFOUND;
	return pi_db_fail(c, rc, what, err);
}

static void org_from_row(sqlite3_stmt *st, struct pi_org *o)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	pi_col_copy(st, 1, o->slug, sizeof(o->slug));
	pi_col_copy(st, 2, o->name, sizeof(o->name));
	pi_col_copy(st, 3, o->type, sizeof(o->type));
	pi_col_copy(st, 4, o->country, sizeof(o->country));
	pi_col_copy(st, 5, o->identity_id, sizeof(o->identity_id));
	o->created_at = sqlite3_column_int64(st, 6);
}

/* Columns base.. : id, org_id, username, display_name, email, role, identity_id, disabled,
 * created_at. */
static void user_from_row(sqlite3_stmt *st, int base, struct pi_user *u)
{
	int role = sqlite3_column_int(st, base + 5);

	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(st, base);
	u->org_id = sqlite3_column_int64(st, base + 1);
	pi_col_copy(st, base + 2, u->username, sizeof(u->username));
	pi_col_copy(st, base + 3, u->display_name, sizeof(u->display_name));
	pi_col_copy(st, base + 4, u->email, sizeof(u->email));
	u->role = role >= PI_ROLE_ADMIN && role <= PI_ROLE_READONLY ? (enum pi_role)role
	                                                            : PI_ROLE_NONE;
	pi_col_copy(st, base + 6, u->identity_id, sizeof(u->identity_id));
	u->disabled = sqlite3_column_int(st, base + 7);
	u->created_at = sqlite3_column_int64(st, base + 8);
}

static void token_from_row(sqlite3_stmt *st, struct pi_token *t)
{
	memset(t, 0, sizeof(*t));
	t->id = sqlite3_column_int64(st, 0);
	t->user_id = sqlite3_column_int64(st, 1);
	pi_col_copy(st, 2, t->name, sizeof(t->name));
	pi_col_copy(st, 3, t->prefix, sizeof(t->prefix));
	t->created_at = sqlite3_column_int64(st, 4);
	t->last_used_at = sqlite3_column_int64(st, 5);
	t->revoked = sqlite3_column_int(st, 6);
}

static void group_from_row(sqlite3_stmt *st, struct pi_group *g)
{
	memset(g, 0, sizeof(*g));
	g->id = sqlite3_column_int64(st, 0);
	pi_col_copy(st, 1, g->name, sizeof(g->name));
	pi_col_copy(st, 2, g->description, sizeof(g->description));
	g->created_at = sqlite3_column_int64(st, 3);
}

static void collection_from_row(sqlite3_stmt *st, struct pi_collection *col)
{
	memset(col, 0, sizeof(*col));
	col->id = sqlite3_column_int64(st, 0);
	pi_col_copy(st, 1, col->uuid, sizeof(col->uuid));
	col->kind = (enum pi_scope_kind)sqlite3_column_int(st, 2);
	col->scope_id = sqlite3_column_int64(st, 3);
	pi_col_copy(st, 4, col->title, sizeof(col->title));
	pi_col_copy(st, 5, col->description, sizeof(col->description));
}

/* Nonzero-returning existence probe on a statement keyed by one text or integer value. */
static pi_status probe(struct pi_conn *c, enum pi_stmt_id id, const char *text, int64_t num,
        int *found, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, id, &st, err);

	if (ret != PI_OK)
		return ret;
	if (text)
		pi_bind_str(st, 1, text, 1024);
	else
		sqlite3_bind_int64(st, 1, num);
	ret = step_row(c, st, "looking up a name", err);
	*found = ret == PI_OK;
	if (ret == PI_ERR_NOTFOUND)
		ret = PI_OK;
	pi_stmt_put(c, id, st);
	return ret;
}

static pi_status probe2(struct pi_conn *c, enum pi_stmt_id id, int64_t a, int64_t b, int *found,
        struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, id, &st, err);

	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	ret = step_row(c, st, "looking up a membership", err);
	*found = ret == PI_OK;
	if (ret == PI_ERR_NOTFOUND)
		ret = PI_OK;
	pi_stmt_put(c, id, st);
	return ret;
}

static pi_status identity_free(struct pi_conn *c, const char *identity_id, struct pi_error *err)
{
	int used = 0;
	pi_status ret = probe(c, ST_IDENTITY_USED, identity_id, 0, &used, err);

	if (ret == PI_OK && used)
		ret = pi_error_set(err, PI_ERR_EXISTS,
		        "identity id %s is already used by another organisation or user",
		        identity_id);
	return ret;
}

/* ---- organisations ---- */

pi_status pi_store_org_create(pi_store *store, struct pi_org *org, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	char country[8];
	char identity[64];
	char title[300];
	int64_t now = pi_time_now_us();
	int64_t id;
	int found = 0;
	pi_status ret;

	if (!org)
		return pi_error_set(err, PI_ERR_INVALID, "no organisation given");
	ret = org_check(org, country, err);
	if (ret != PI_OK)
		return ret;
	if (org->identity_id[0] == '\0')
		identity_new(identity);
	else if (identity_ok(org->identity_id))
		memcpy(identity, org->identity_id, sizeof(identity));
	else
		return pi_error_set(err, PI_ERR_INVALID,
		        "identity id \"%.64s\" is invalid: use identity--UUID or leave it empty",
		        org->identity_id);
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = probe(c, ST_ORG_FIND, org->slug, 0, &found, err);
	if (ret != PI_OK)
		goto out;
	if (found) {
		ret = pi_error_set(err, PI_ERR_EXISTS,
		        "an organisation with slug \"%s\" already exists", org->slug);
		goto out;
	}
	ret = identity_free(c, identity, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, ST_ORG_INSERT, &st, err);
	if (ret != PI_OK)
		goto out;
	pi_bind_str(st, 1, org->slug, sizeof(org->slug));
	pi_bind_str(st, 2, org->name, sizeof(org->name));
	pi_bind_str(st, 3, org->type, sizeof(org->type));
	pi_bind_str(st, 4, country, sizeof(country));
	pi_bind_str(st, 5, identity, sizeof(identity));
	sqlite3_bind_int64(st, 6, now);
	ret = pi_stmt_done(c, ST_ORG_INSERT, st, "creating an organisation", err);
	if (ret != PI_OK)
		goto out;
	id = sqlite3_last_insert_rowid(c->db);
	snprintf(title, sizeof(title), "%.240s (private)", org->name);
	ret = pi_collection_insert(c, PI_SCOPE_ORG, id, title, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_commit(c, err);
	if (ret != PI_OK)
		goto out;
	org->id = id;
	org->created_at = now;
	memcpy(org->country, country, sizeof(org->country));
	memcpy(org->identity_id, identity, sizeof(org->identity_id));
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

static pi_status org_fetch(pi_store *store, enum pi_stmt_id id, const char *slug, int64_t org_id,
        struct pi_org *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	if (!out)
		return pi_error_set(err, PI_ERR_INVALID, "no output given");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, id, &st, err);
	if (ret != PI_OK)
		return ret;
	if (slug)
		pi_bind_str(st, 1, slug, 64);
	else
		sqlite3_bind_int64(st, 1, org_id);
	ret = step_row(c, st, "reading an organisation", err);
	if (ret == PI_OK)
		org_from_row(st, out);
	else if (ret == PI_ERR_NOTFOUND && slug)
		pi_error_set(err, ret, "no organisation with slug \"%.64s\"", slug);
	else if (ret == PI_ERR_NOTFOUND)
		pi_error_set(err, ret, "no organisation with id %lld", (long long)org_id);
	pi_stmt_put(c, id, st);
	return ret;
}

pi_status pi_store_org_get(pi_store *store, int64_t id, struct pi_org *out, struct pi_error *err)
{
	return org_fetch(store, ST_ORG_GET, NULL, id, out, err);
}

pi_status pi_store_org_find(
        pi_store *store, const char *slug, struct pi_org *out, struct pi_error *err)
{
	if (!slug)
		return pi_error_set(err, PI_ERR_INVALID, "no organisation slug given");
	return org_fetch(store, ST_ORG_FIND, slug, 0, out, err);
}

static pi_status org_update_impl(pi_store *store, const struct pi_org *org, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct pi_org old;
	char country[8];
	char title[300];
	pi_status ret;

	if (!org)
		return pi_error_set(err, PI_ERR_INVALID, "no organisation given");
	ret = org_check(org, country, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_store_org_get(store, org->id, &old, err);
	if (ret != PI_OK)
		goto out;
	if (strcmp(old.slug, org->slug) != 0) {
		int found = 0;
		ret = probe(c, ST_ORG_FIND, org->slug, 0, &found, err);
		if (ret == PI_OK && found)
			ret = pi_error_set(err, PI_ERR_EXISTS,
			        "an organisation with slug \"%s\" already exists", org->slug);
		if (ret != PI_OK)
			goto out;
	}
	ret = pi_stmt_get(c, ST_ORG_UPDATE, &st, err);
	if (ret != PI_OK)
		goto out;
	sqlite3_bind_int64(st, 1, org->id);
	pi_bind_str(st, 2, org->slug, sizeof(org->slug));
	pi_bind_str(st, 3, org->name, sizeof(org->name));
	pi_bind_str(st, 4, org->type, sizeof(org->type));
	pi_bind_str(st, 5, country, sizeof(country));
	ret = pi_stmt_done(c, ST_ORG_UPDATE, st, "updating an organisation", err);
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, ST_COLL_RETITLE, &st, err);
	if (ret != PI_OK)
		goto out;
	snprintf(title, sizeof(title), "%.240s (private)", org->name);
	sqlite3_bind_int(st, 1, PI_SCOPE_ORG);
	sqlite3_bind_int64(st, 2, org->id);
	sqlite3_bind_text(st, 3, title, -1, SQLITE_TRANSIENT);
	ret = pi_stmt_done(c, ST_COLL_RETITLE, st, "renaming the private collection", err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_commit(c, err);
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

/* ---- listing: one row loop for every list function ---- */

/* Steps statement id (with *param bound as ?1 when param is not NULL) and hands each row to
 * each(st, ctx) until it returns nonzero. what names the listing in a database error. */
static pi_status list_rows(pi_store *store, enum pi_stmt_id id, const int64_t *param,
        int (*each)(sqlite3_stmt *st, void *ctx), void *ctx, const char *what, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_conn_get(store, &c, err);
	int rc;

	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, id, &st, err);
	if (ret != PI_OK)
		return ret;
	if (param)
		sqlite3_bind_int64(st, 1, *param);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (each(st, ctx))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, what, err);
	pi_stmt_put(c, id, st);
	return ret;
}

/* The row readers of list_rows: a row into its struct, then the caller's callback. */
struct org_each {
	int (*fn)(void *arg, const struct pi_org *org);
	void *arg;
};
static int org_each(sqlite3_stmt *st, void *ctx)
{
	struct org_each *e = ctx;
	struct pi_org org;
	org_from_row(st, &org);
	return e->fn(e->arg, &org);
}

struct user_each {
	int (*fn)(void *arg, const struct pi_user *user);
	void *arg;
};
static int user_each(sqlite3_stmt *st, void *ctx)
{
	struct user_each *e = ctx;
	struct pi_user user;
	user_from_row(st, 0, &user);
	return e->fn(e->arg, &user);
}

struct token_each {
	int (*fn)(void *arg, const struct pi_token *token);
	void *arg;
};
static int token_each(sqlite3_stmt *st, void *ctx)
{
	struct token_each *e = ctx;
	struct pi_token t;
	token_from_row(st, &t);
	return e->fn(e->arg, &t);
}

struct group_each {
	int (*fn)(void *arg, const struct pi_group *g);
	void *arg;
};
static int group_each(sqlite3_stmt *st, void *ctx)
{
	struct group_each *e = ctx;
	struct pi_group g;
	group_from_row(st, &g);
	return e->fn(e->arg, &g);
}

struct collection_each {
	int (*fn)(void *arg, const struct pi_collection *c);
	void *arg;
};
static int collection_each(sqlite3_stmt *st, void *ctx)
{
	struct collection_each *e = ctx;
	struct pi_collection col;
	collection_from_row(st, &col);
	return e->fn(e->arg, &col);
}

pi_status pi_store_org_list(pi_store *store, int (*fn)(void *arg, const struct pi_org *org),
        void *arg, struct pi_error *err)
{
	struct org_each e = {fn, arg};

	if (!fn)
		return pi_error_set(err, PI_ERR_INVALID, "no callback given");
	return list_rows(store, ST_ORG_LIST, NULL, org_each, &e, "listing organisations", err);
}

/* ---- users ---- */

static pi_status org_must_exist(struct pi_conn *c, int64_t org_id, struct pi_error *err)
{
	int found = 0;
	pi_status ret = probe(c, ST_ORG_GET, NULL, org_id, &found, err);

	if (ret == PI_OK && !found)
		ret = pi_error_set(
		        err, PI_ERR_NOTFOUND, "no organisation with id %lld", (long long)org_id);
	return ret;
}

pi_status pi_store_user_create(
        pi_store *store, struct pi_user *user, const char *password_hash, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	char identity[64];
	int64_t now = pi_time_now_us();
	int64_t id;
	int found = 0;
	pi_status ret;

	if (!user)
		return pi_error_set(err, PI_ERR_INVALID, "no user given");
	ret = user_check(user, err);
	if (ret != PI_OK)
		return ret;
	if (!password_hash)
		password_hash = "";
	ret = hash_check(password_hash, err);
	if (ret != PI_OK)
		return ret;
	if (user->identity_id[0] == '\0')
		identity_new(identity);
	else if (identity_ok(user->identity_id))
		memcpy(identity, user->identity_id, sizeof(identity));
	else
		return pi_error_set(err, PI_ERR_INVALID,
		        "identity id \"%.64s\" is invalid: use identity--UUID or leave it empty",
		        user->identity_id);
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = org_must_exist(c, user->org_id, err);
	if (ret != PI_OK)
		goto out;
	ret = probe(c, ST_USER_FIND, user->username, 0, &found, err);
	if (ret != PI_OK)
		goto out;
	if (found) {
		ret = pi_error_set(
		        err, PI_ERR_EXISTS, "a user named \"%s\" already exists", user->username);
		goto out;
	}
	ret = identity_free(c, identity, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, ST_USER_INSERT, &st, err);
	if (ret != PI_OK)
		goto out;
	sqlite3_bind_int64(st, 1, user->org_id);
	pi_bind_str(st, 2, user->username, sizeof(user->username));
	pi_bind_str(st, 3, user->display_name, sizeof(user->display_name));
	pi_bind_str(st, 4, user->email, sizeof(user->email));
	sqlite3_bind_int(st, 5, (int)user->role);
	pi_bind_str(st, 6, identity, sizeof(identity));
	pi_bind_str(st, 7, password_hash, PASSWORD_HASH_MAX);
	sqlite3_bind_int(st, 8, user->disabled ? 1 : 0);
	sqlite3_bind_int64(st, 9, now);
	ret = pi_stmt_done(c, ST_USER_INSERT, st, "creating a user", err);
	if (ret != PI_OK)
		goto out;
	id = sqlite3_last_insert_rowid(c->db);
	ret = pi_tx_commit(c, err);
	if (ret != PI_OK)
		goto out;
	user->id = id;
	user->created_at = now;
	user->disabled = user->disabled ? 1 : 0;
	memcpy(user->identity_id, identity, sizeof(user->identity_id));
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

static pi_status user_fetch(pi_store *store, enum pi_stmt_id id, const char *username,
        int64_t user_id, struct pi_user *out, char *password_hash, size_t hash_size,
        struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	if (!out)
		return pi_error_set(err, PI_ERR_INVALID, "no output given");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, id, &st, err);
	if (ret != PI_OK)
		return ret;
	if (username)
		pi_bind_str(st, 1, username, 64);
	else
		sqlite3_bind_int64(st, 1, user_id);
	ret = step_row(c, st, "reading a user", err);
	if (ret == PI_OK) {
		user_from_row(st, 0, out);
		if (password_hash) {
			if ((size_t)sqlite3_column_bytes(st, 9) >= hash_size)
				ret = pi_error_set(err, PI_ERR_TOOBIG,
				        "password hash of %s does not fit the buffer",
				        out->username);
			else
				pi_col_copy(st, 9, password_hash, hash_size);
		}
	} else if (ret == PI_ERR_NOTFOUND && username) {
		pi_error_set(err, ret, "no user named \"%.64s\"", username);
	} else if (ret == PI_ERR_NOTFOUND) {
		pi_error_set(err, ret, "no user with id %lld", (long long)user_id);
	}
	pi_stmt_put(c, id, st);
	return ret;
}

pi_status pi_store_user_get(pi_store *store, int64_t id, struct pi_user *out, struct pi_error *err)
{
	return user_fetch(store, ST_USER_GET, NULL, id, out, NULL, 0, err);
}

pi_status pi_store_user_find(pi_store *store, const char *username, struct pi_user *out,
        char *password_hash, size_t hash_size, struct pi_error *err)
{
	if (!username)
		return pi_error_set(err, PI_ERR_INVALID, "no username given");
	if (password_hash && hash_size == 0)
		return pi_error_set(err, PI_ERR_INVALID, "empty password hash buffer");
	return user_fetch(store, ST_USER_FIND, username, 0, out, password_hash, hash_size, err);
}

static pi_status user_update_impl(pi_store *store, const struct pi_user *user, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct pi_user old;
	pi_status ret;

	if (!user)
		return pi_error_set(err, PI_ERR_INVALID, "no user given");
	ret = user_check(user, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_store_user_get(store, user->id, &old, err);
	if (ret != PI_OK)
		goto out;
	ret = org_must_exist(c, user->org_id, err);
	if (ret != PI_OK)
		goto out;
	if (strcmp(old.username, user->username) != 0) {
		int found = 0;
		ret = probe(c, ST_USER_FIND, user->username, 0, &found, err);
		if (ret == PI_OK && found)
			ret = pi_error_set(err, PI_ERR_EXISTS, "a user named \"%s\" already exists",
			        user->username);
		if (ret != PI_OK)
			goto out;
	}
	ret = pi_stmt_get(c, ST_USER_UPDATE, &st, err);
	if (ret != PI_OK)
		goto out;
	sqlite3_bind_int64(st, 1, user->id);
	sqlite3_bind_int64(st, 2, user->org_id);
	pi_bind_str(st, 3, user->username, sizeof(user->username));
	pi_bind_str(st, 4, user->display_name, sizeof(user->display_name));
	pi_bind_str(st, 5, user->email, sizeof(user->email));
	sqlite3_bind_int(st, 6, (int)user->role);
	sqlite3_bind_int(st, 7, user->disabled ? 1 : 0);
	ret = pi_stmt_done(c, ST_USER_UPDATE, st, "updating a user", err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_commit(c, err);
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

static pi_status user_set_password_impl(
        pi_store *store, int64_t user_id, const char *password_hash, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = hash_check(password_hash, err);

	if (ret != PI_OK)
		return ret;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_USER_SET_PASSWORD, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, user_id);
	pi_bind_str(st, 2, password_hash, PASSWORD_HASH_MAX);
	ret = pi_stmt_done(c, ST_USER_SET_PASSWORD, st, "setting a password", err);
	if (ret == PI_OK && sqlite3_changes(c->db) == 0)
		ret = pi_error_set(
		        err, PI_ERR_NOTFOUND, "no user with id %lld", (long long)user_id);
	return ret;
}

pi_status pi_store_user_list(pi_store *store, int64_t org_id,
        int (*fn)(void *arg, const struct pi_user *user), void *arg, struct pi_error *err)
{
	struct user_each e = {fn, arg};

	if (!fn)
		return pi_error_set(err, PI_ERR_INVALID, "no callback given");
	return list_rows(store, org_id ? ST_USER_LIST_ORG : ST_USER_LIST_ALL,
	        org_id ? &org_id : NULL, user_each, &e, "listing users", err);
}

static pi_status id_by_identity(struct pi_conn *c, enum pi_stmt_id id, const char *identity_id,
        int64_t *out, struct pi_error *err)
{
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_stmt_get(c, id, &st, err);

	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, identity_id, 64);
	ret = step_row(c, st, "looking up an identity", err);
	if (ret == PI_OK)
		*out = sqlite3_column_int64(st, 0);
	pi_stmt_put(c, id, st);
	return ret;
}

pi_status pi_store_identity_find(
        pi_store *store, const char *identity_id, char *kind, int64_t *id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	int64_t found = 0;
	pi_status ret;

	if (!identity_id || !kind || !id)
		return pi_error_set(err, PI_ERR_INVALID, "identity look-up: missing argument");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = id_by_identity(c, ST_ORG_BY_IDENTITY, identity_id, &found, err);
	if (ret == PI_OK) {
		*kind = 'o';
		*id = found;
		return PI_OK;
	}
	if (ret != PI_ERR_NOTFOUND)
		return ret;
	ret = id_by_identity(c, ST_USER_BY_IDENTITY, identity_id, &found, err);
	if (ret == PI_OK) {
		*kind = 'u';
		*id = found;
		return PI_OK;
	}
	if (ret == PI_ERR_NOTFOUND)
		pi_error_set(
		        err, ret, "no organisation or user has identity id \"%.64s\"", identity_id);
	return ret;
}

/* ---- tokens ---- */

pi_status pi_store_token_create(
        pi_store *store, struct pi_token *token, const unsigned char hash[32], struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t now = pi_time_now_us();
	int64_t id;
	int found = 0;
	pi_status ret;

	if (!token || !hash)
		return pi_error_set(err, PI_ERR_INVALID, "token: missing argument");
	ret = pi_member_check_text("name", token->name, PI_MEMBER_TOKEN_NAME_MAX, 1, err);
	if (ret != PI_OK)
		return ret;
	if (!text_ok(token->prefix, sizeof(token->prefix)))
		return pi_error_set(
		        err, PI_ERR_INVALID, "token prefix must be at most 15 characters");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = probe(c, ST_USER_GET, NULL, token->user_id, &found, err);
	if (ret == PI_OK && !found)
		ret = pi_error_set(
		        err, PI_ERR_NOTFOUND, "no user with id %lld", (long long)token->user_id);
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, ST_TOKEN_HASH_USED, &st, err);
	if (ret != PI_OK)
		goto out;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	ret = step_row(c, st, "looking up a token", err);
	pi_stmt_put(c, ST_TOKEN_HASH_USED, st);
	if (ret == PI_OK)
		ret = pi_error_set(err, PI_ERR_EXISTS, "a token with this hash already exists");
	else if (ret == PI_ERR_NOTFOUND)
		ret = PI_OK;
	if (ret != PI_OK)
		goto out;
	ret = pi_stmt_get(c, ST_TOKEN_INSERT, &st, err);
	if (ret != PI_OK)
		goto out;
	sqlite3_bind_int64(st, 1, token->user_id);
	pi_bind_str(st, 2, token->name, sizeof(token->name));
	pi_bind_str(st, 3, token->prefix, sizeof(token->prefix));
	sqlite3_bind_blob(st, 4, hash, 32, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	ret = pi_stmt_done(c, ST_TOKEN_INSERT, st, "creating a token", err);
	if (ret != PI_OK)
		goto out;
	id = sqlite3_last_insert_rowid(c->db);
	ret = pi_tx_commit(c, err);
	if (ret != PI_OK)
		goto out;
	token->id = id;
	token->created_at = now;
	token->last_used_at = 0;
	token->revoked = 0;
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

/* Records that the token was used, at most once a minute; best effort and never waits for a
 * lock held by another writer (it simply tries again on a later request). */
static void token_touch(struct pi_conn *c, int64_t token_id, int64_t now)
{
	sqlite3_stmt *st = NULL;

	if (pi_stmt_get(c, ST_TOKEN_TOUCH, &st, NULL) != PI_OK)
		return;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_int64(st, 2, now);
	sqlite3_bind_int64(st, 3, now - TOKEN_TOUCH_INTERVAL_US);
	sqlite3_busy_timeout(c->db, 0);
	(void)sqlite3_step(st);
	sqlite3_busy_timeout(c->db, PI_STORE_BUSY_TIMEOUT_MS);
	pi_stmt_put(c, ST_TOKEN_TOUCH, st);
}

pi_status pi_store_token_lookup(pi_store *store, const unsigned char hash[32],
        struct pi_token *token, struct pi_user *user, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	struct pi_token t;
	struct pi_user u;
	int64_t now = pi_time_now_us();
	pi_status ret;

	if (!hash)
		return pi_error_set(err, PI_ERR_INVALID, "token: no hash given");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_TOKEN_LOOKUP, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
	ret = step_row(c, st, "looking up a token", err);
	if (ret == PI_OK) {
		token_from_row(st, &t);
		user_from_row(st, 7, &u);
	} else if (ret == PI_ERR_NOTFOUND) {
		pi_error_set(err, ret, "unknown or revoked token, or disabled user");
	}
	pi_stmt_put(c, ST_TOKEN_LOOKUP, st);
	if (ret != PI_OK)
		return ret;
	if (now - t.last_used_at >= TOKEN_TOUCH_INTERVAL_US)
		token_touch(c, t.id, now);
	if (token)
		*token = t;
	if (user)
		*user = u;
	return PI_OK;
}

pi_status pi_store_token_list(pi_store *store, int64_t user_id,
        int (*fn)(void *arg, const struct pi_token *token), void *arg, struct pi_error *err)
{
	struct token_each e = {fn, arg};

	if (!fn)
		return pi_error_set(err, PI_ERR_INVALID, "no callback given");
	return list_rows(store, ST_TOKEN_LIST, &user_id, token_each, &e, "listing tokens", err);
}

static pi_status token_revoke_impl(pi_store *store, int64_t token_id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_TOKEN_REVOKE, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, token_id);
	ret = pi_stmt_done(c, ST_TOKEN_REVOKE, st, "revoking a token", err);
	if (ret == PI_OK && sqlite3_changes(c->db) == 0)
		ret = pi_error_set(
		        err, PI_ERR_NOTFOUND, "no token with id %lld", (long long)token_id);
	return ret;
}

pi_status pi_store_token_get(
        pi_store *store, int64_t token_id, struct pi_token *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	if (!out)
		return pi_error_set(err, PI_ERR_INVALID, "no output given");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_TOKEN_GET, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, token_id);
	ret = step_row(c, st, "reading a token", err);
	if (ret == PI_OK)
		token_from_row(st, out);
	else if (ret == PI_ERR_NOTFOUND)
		pi_error_set(err, ret, "no token with id %lld", (long long)token_id);
	pi_stmt_put(c, ST_TOKEN_GET, st);
	return ret;
}

/* ---- sharing groups ---- */

pi_status pi_store_group_create(pi_store *store, struct pi_group *group, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	char title[300];
	int64_t now = pi_time_now_us();
	int64_t id;
	int found = 0;
	pi_status ret;

	if (!group)
		return pi_error_set(err, PI_ERR_INVALID, "no sharing group given");
	ret = pi_member_check_slug("name", group->name, err);
	if (ret == PI_OK)
		ret = pi_member_check_text(
		        "description", group->description, PI_MEMBER_DESCRIPTION_MAX, 0, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = probe(c, ST_GROUP_FIND, group->name, 0, &found, err);
	if (ret != PI_OK)
		goto out;
	if (found) {
		ret = pi_error_set(err, PI_ERR_EXISTS,
		        "a sharing group named \"%s\" already exists", group->name);
		goto out;
	}
	ret = pi_stmt_get(c, ST_GROUP_INSERT, &st, err);
	if (ret != PI_OK)
		goto out;
	pi_bind_str(st, 1, group->name, sizeof(group->name));
	pi_bind_str(st, 2, group->description, sizeof(group->description));
	sqlite3_bind_int64(st, 3, now);
	ret = pi_stmt_done(c, ST_GROUP_INSERT, st, "creating a sharing group", err);
	if (ret != PI_OK)
		goto out;
	id = sqlite3_last_insert_rowid(c->db);
	snprintf(title, sizeof(title), "%s (sharing group)", group->name);
	ret = pi_collection_insert(c, PI_SCOPE_GROUP, id, title, err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_commit(c, err);
	if (ret != PI_OK)
		goto out;
	group->id = id;
	group->created_at = now;
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

static pi_status group_fetch(pi_store *store, enum pi_stmt_id id, const char *name,
        int64_t group_id, struct pi_group *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	if (!out)
		return pi_error_set(err, PI_ERR_INVALID, "no output given");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, id, &st, err);
	if (ret != PI_OK)
		return ret;
	if (name)
		pi_bind_str(st, 1, name, 64);
	else
		sqlite3_bind_int64(st, 1, group_id);
	ret = step_row(c, st, "reading a sharing group", err);
	if (ret == PI_OK)
		group_from_row(st, out);
	else if (ret == PI_ERR_NOTFOUND && name)
		pi_error_set(err, ret, "no sharing group named \"%.64s\"", name);
	else if (ret == PI_ERR_NOTFOUND)
		pi_error_set(err, ret, "no sharing group with id %lld", (long long)group_id);
	pi_stmt_put(c, id, st);
	return ret;
}

pi_status pi_store_group_get(
        pi_store *store, int64_t id, struct pi_group *out, struct pi_error *err)
{
	return group_fetch(store, ST_GROUP_GET, NULL, id, out, err);
}

pi_status pi_store_group_find(
        pi_store *store, const char *name, struct pi_group *out, struct pi_error *err)
{
	if (!name)
		return pi_error_set(err, PI_ERR_INVALID, "no sharing group name given");
	return group_fetch(store, ST_GROUP_FIND, name, 0, out, err);
}

pi_status pi_store_group_list(pi_store *store, int (*fn)(void *arg, const struct pi_group *g),
        void *arg, struct pi_error *err)
{
	struct group_each e = {fn, arg};

	if (!fn)
		return pi_error_set(err, PI_ERR_INVALID, "no callback given");
	return list_rows(store, ST_GROUP_LIST, NULL, group_each, &e, "listing sharing groups", err);
}

/* Checks that the group and the organisation exist; *member tells whether org is in group. */
static pi_status membership(
        struct pi_conn *c, int64_t group_id, int64_t org_id, int *member, struct pi_error *err)
{
	int found = 0;
	pi_status ret = probe(c, ST_GROUP_GET, NULL, group_id, &found, err);

	if (ret == PI_OK && !found)
		ret = pi_error_set(
		        err, PI_ERR_NOTFOUND, "no sharing group with id %lld", (long long)group_id);
	if (ret == PI_OK)
		ret = org_must_exist(c, org_id, err);
	if (ret == PI_OK)
		ret = probe2(c, ST_MEMBER_IS, group_id, org_id, member, err);
	return ret;
}

static pi_status group_add_org_impl(
        pi_store *store, int64_t group_id, int64_t org_id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	int member = 0;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = membership(c, group_id, org_id, &member, err);
	if (ret != PI_OK)
		goto out;
	if (member) {
		ret = pi_error_set(err, PI_ERR_EXISTS,
		        "organisation %lld is already a member of sharing group %lld",
		        (long long)org_id, (long long)group_id);
		goto out;
	}
	ret = pi_stmt_get(c, ST_MEMBER_ADD, &st, err);
	if (ret != PI_OK)
		goto out;
	sqlite3_bind_int64(st, 1, group_id);
	sqlite3_bind_int64(st, 2, org_id);
	sqlite3_bind_int64(st, 3, pi_time_now_us());
	ret = pi_stmt_done(c, ST_MEMBER_ADD, st, "adding a group member", err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_commit(c, err);
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

static pi_status group_remove_org_impl(
        pi_store *store, int64_t group_id, int64_t org_id, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	int member = 0;
	pi_status ret = pi_conn_get(store, &c, err);

	if (ret != PI_OK)
		return ret;
	ret = pi_tx_begin(c, err);
	if (ret != PI_OK)
		return ret;
	ret = membership(c, group_id, org_id, &member, err);
	if (ret != PI_OK)
		goto out;
	if (!member) {
		ret = pi_error_set(err, PI_ERR_NOTFOUND,
		        "organisation %lld is not a member of sharing group %lld",
		        (long long)org_id, (long long)group_id);
		goto out;
	}
	ret = pi_stmt_get(c, ST_MEMBER_REMOVE, &st, err);
	if (ret != PI_OK)
		goto out;
	sqlite3_bind_int64(st, 1, group_id);
	sqlite3_bind_int64(st, 2, org_id);
	ret = pi_stmt_done(c, ST_MEMBER_REMOVE, st, "removing a group member", err);
	if (ret != PI_OK)
		goto out;
	ret = pi_tx_commit(c, err);
out:
	if (ret != PI_OK)
		pi_tx_rollback(c);
	return ret;
}

pi_status pi_store_group_members(pi_store *store, int64_t group_id,
        int (*fn)(void *arg, const struct pi_org *org), void *arg, struct pi_error *err)
{
	struct org_each e = {fn, arg};

	if (!fn)
		return pi_error_set(err, PI_ERR_INVALID, "no callback given");
	return list_rows(store, ST_MEMBERS, &group_id, org_each, &e, "listing group members", err);
}

/* Fills at most max group ids (smallest first); an organisation in more groups than that
 * gets only the first max, which can only narrow what its users see. */
pi_status pi_store_org_groups(
        pi_store *store, int64_t org_id, int64_t *ids, size_t max, size_t *n, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	size_t count = 0;
	pi_status ret;
	int rc = SQLITE_DONE;

	if (!n || (max && !ids))
		return pi_error_set(err, PI_ERR_INVALID, "org groups: missing argument");
	*n = 0;
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_ORG_GROUPS, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int64(st, 1, org_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(max > INT32_MAX ? INT32_MAX : max));
	while (count < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[count++] = sqlite3_column_int64(st, 0);
	if (count < max && rc != SQLITE_DONE)
		ret = pi_db_fail(c, rc, "listing an organisation's groups", err);
	else
		*n = count;
	pi_stmt_put(c, ST_ORG_GROUPS, st);
	return ret;
}

/* ---- collections ---- */

pi_status pi_store_collection_find(
        pi_store *store, const char *uuid, struct pi_collection *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	if (!uuid || !out)
		return pi_error_set(err, PI_ERR_INVALID, "collection: missing argument");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_COLL_BY_UUID, &st, err);
	if (ret != PI_OK)
		return ret;
	pi_bind_str(st, 1, uuid, 64);
	ret = step_row(c, st, "reading a collection", err);
	if (ret == PI_OK)
		collection_from_row(st, out);
	else if (ret == PI_ERR_NOTFOUND)
		pi_error_set(err, ret, "no collection with id \"%.64s\"", uuid);
	pi_stmt_put(c, ST_COLL_BY_UUID, st);
	return ret;
}

pi_status pi_store_collection_for_scope(pi_store *store, enum pi_scope_kind kind, int64_t scope_id,
        struct pi_collection *out, struct pi_error *err)
{
	struct pi_conn *c = NULL;
	sqlite3_stmt *st = NULL;
	pi_status ret;

	if (!out)
		return pi_error_set(err, PI_ERR_INVALID, "no output given");
	ret = pi_conn_get(store, &c, err);
	if (ret != PI_OK)
		return ret;
	ret = pi_stmt_get(c, ST_COLL_BY_SCOPE, &st, err);
	if (ret != PI_OK)
		return ret;
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_int64(st, 2, scope_id);
	ret = step_row(c, st, "reading a collection", err);
	if (ret == PI_OK)
		collection_from_row(st, out);
	else if (ret == PI_ERR_NOTFOUND)
		pi_error_set(err, ret, "no collection for scope %d/%lld", (int)kind,
		        (long long)scope_id);
	pi_stmt_put(c, ST_COLL_BY_SCOPE, st);
	return ret;
}

pi_status pi_store_collection_list(pi_store *store,
        int (*fn)(void *arg, const struct pi_collection *c), void *arg, struct pi_error *err)
{
	struct collection_each e = {fn, arg};

	if (!fn)
		return pi_error_set(err, PI_ERR_INVALID, "no callback given");
	return list_rows(
	        store, ST_COLL_LIST, NULL, collection_each, &e, "listing collections", err);
}

/* Changes that affect who a credential stands for: cached principals (http/auth.c) compare
 * pi_store_auth_generation before and after, so these bump it on both sides. */
pi_status pi_store_org_update(pi_store *store, const struct pi_org *org, struct pi_error *err)
{
	pi_status st;

	pi_store_auth_changed(store);
	st = org_update_impl(store, org, err);
	pi_store_auth_changed(store);
	return st;
}

pi_status pi_store_user_update(pi_store *store, const struct pi_user *user, struct pi_error *err)
{
	pi_status st;

	pi_store_auth_changed(store);
	st = user_update_impl(store, user, err);
	pi_store_auth_changed(store);
	return st;
}

pi_status pi_store_token_revoke(pi_store *store, int64_t token_id, struct pi_error *err)
{
	pi_status st;

	pi_store_auth_changed(store);
	st = token_revoke_impl(store, token_id, err);
	pi_store_auth_changed(store);
	return st;
}

pi_status pi_store_user_set_password(
        pi_store *store, int64_t user_id, const char *password_hash, struct pi_error *err)
{
	pi_status st;

	pi_store_auth_changed(store);
	st = user_set_password_impl(store, user_id, password_hash, err);
	pi_store_auth_changed(store);
	return st;
}

pi_status pi_store_group_add_org(
        pi_store *store, int64_t group_id, int64_t org_id, struct pi_error *err)
{
	pi_status st;

	pi_store_auth_changed(store);
	st = group_add_org_impl(store, group_id, org_id, err);
	pi_store_auth_changed(store);
	return st;
}

pi_status pi_store_group_remove_org(
        pi_store *store, int64_t group_id, int64_t org_id, struct pi_error *err)
{
	pi_status st;

	pi_store_auth_changed(store);
	st = group_remove_org_impl(store, group_id, org_id, err);
	pi_store_auth_changed(store);
	return st;
}
