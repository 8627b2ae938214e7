/* api.c - the native JSON API for administering the hub, under /api/v1/ (docs/api.md).
 *
 *   GET    /api/v1/me                               who am I: user, organisation, role, groups
 *   GET    /api/v1/orgs          POST /api/v1/orgs          organisations
 *   GET    /api/v1/orgs/{slug}   PATCH /api/v1/orgs/{slug}
 *   GET    /api/v1/users         POST /api/v1/users         users (?org=slug)
 *   GET    /api/v1/users/{name}  PATCH /api/v1/users/{name}
 *   GET    /api/v1/users/{name}/tokens   POST ...            API tokens (POST shows the token once)
 *   GET    /api/v1/users/{name}/tokens/{id}   DELETE ...     one token / revoke it
 *   GET    /api/v1/groups        POST /api/v1/groups        sharing groups
 *   GET    /api/v1/groups/{name}
 *   PUT    /api/v1/groups/{name}/members/{slug}   DELETE ...   membership
 *
 * Who may do what. Hub administrators (role admin) manage everything. Organisation
 * administrators (org-admin) see their own organisation and manage its users and their tokens,
 * but never grant the admin role nor touch a hub administrator's account. Everybody may read
 * /me, read and change their own display name, e-mail and password, and manage their own
 * tokens; nobody changes their own role or disables themself. A resource the caller cannot see
 * at all answers 404, exactly like one that does not exist; one they can see but not change
 * answers 403 with the reason. Anonymous requests get 401.
 *
 * Input: bodies are strict JSON objects (pi_json_parse) sent as application/json; every field
 * is declared in a table with its type and length cap, and anything else is refused with a 400
 * naming it. Field values then pass the rules of store/member.h. Passwords are hashed with
 * argon2id and never leave; tokens are shown once and only their SHA-256 is kept.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "http/http_int.h"
#include "store/member.h"
#include "store/store_cases.h"

#define API_JSON "application/json"
#define BODY_MAX_DEPTH 4
#define MAX_ROUTE_SEGS PI_API_MAX_ROUTE_SEGS

/* ---- responses and small helpers ---- */

static pi_store *store_of(struct pi_request *req)
{
	return req->server->store;
}

static int is_admin(const struct pi_request *req)
{
	return req->who.role == PI_ROLE_ADMIN;
}

static int is_org_admin(const struct pi_request *req)
{
	return req->who.role == PI_ROLE_ORG_ADMIN;
}

/* Sends what was appended to req->out, or a 500 if building it failed. */
static void send_json(struct pi_request *req, unsigned status, pi_status built)
{
	if (built != PI_OK) {
		pi_resp_error(req, 500, "Internal error",
		        "the response could not be built (%s); try again or ask the hub operator",
		        pi_status_name(built));
		return;
	}
	pi_resp_json(req, status, API_JSON);
}

static void forbidden(struct pi_request *req, const char *why)
{
	pi_resp_error(req, 403, "Forbidden", "%s", why);
}

/* Answers a failed store call: 400/404/409 carry the store's message, anything else is
 * logged and answered 500 without internals. */
static void store_failed(struct pi_request *req, const char *what, const struct pi_error *err)
{
	switch (err->status) {
	case PI_ERR_INVALID: pi_resp_error(req, 400, "Invalid input", "%s", err->message); return;
	case PI_ERR_NOTFOUND: pi_resp_error(req, 404, "Not found", "%s", err->message); return;
	case PI_ERR_EXISTS:
	case PI_ERR_CONFLICT: pi_resp_error(req, 409, "Conflict", "%s", err->message); return;
	default:
		pi_log_error("event=api_store_failed what=\"%s\" user=%s error=\"%s\"", what,
		        req->who.username, err->message);
		pi_resp_error(req, 500, "Internal error",
		        "could not %s because of a server-side failure; try again, and tell the "
		        "hub "
		        "operator if it persists",
		        what);
	}
}

static int in_my_groups(const struct pi_request *req, int64_t group_id)
{
	for (size_t i = 0; i < req->who.n_groups && i < PI_PRINCIPAL_MAX_GROUPS; i++)
		if (req->who.group_ids[i] == group_id)
			return 1;
	return 0;
}

/* ---- request bodies ---- */

enum field_type { F_STRING, F_BOOL };

struct field {
	const char *name;
	enum field_type type;
	size_t max; /* bytes, for strings */
};

static int content_type_is_json(const char *ct)
{
	size_t n = strlen(API_JSON);

	return ct && strncasecmp(ct, API_JSON, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static void list_fields(const struct field *fields, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; fields[i].name; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", fields[i].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* Parses the body as a JSON object whose members are all in fields, with the declared
 * types and caps. An empty body is {} when allow_empty. Returns the tree (caller frees with
 * cJSON_Delete) or NULL with the response set. */
static cJSON *parse_body(struct pi_request *req, const struct field *fields, int allow_empty)
{
	struct pi_error err;
	cJSON *root = NULL;
	char names[256];

	list_fields(fields, names, sizeof(names));
	if (req->body.len == 0) {
		if (allow_empty)
			return cJSON_CreateObject();
		pi_resp_error(req, 400, "Missing body",
		        "send a JSON object (Content-Type: application/json) with the fields: %s",
		        names);
		return NULL;
	}
	if (!content_type_is_json(pi_req_header(req, "Content-Type"))) {
		pi_resp_error(req, 415, "Unsupported media type",
		        "send the body as JSON with 'Content-Type: application/json'");
		return NULL;
	}
	if (pi_json_parse(req->body.data, req->body.len, BODY_MAX_DEPTH, &root, &err) != PI_OK) {
		pi_resp_error(req, 400, "Bad JSON", "the body is not valid JSON: %s", err.message);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		pi_resp_error(req, 400, "Bad JSON",
		        "the body must be a JSON object with the fields: %s", names);
		cJSON_Delete(root);
		return NULL;
	}
	for (const cJSON *m = root->child; m; m = m->next) {
		const struct field *f = NULL;
		for (size_t i = 0; fields[i].name && !f; i++)
			if (strcmp(m->string, fields[i].name) == 0)
				f = &fields[i];
		if (!f) {
			pi_resp_error(req, 400, "Unknown field",
			        "field '%.64s' is not accepted here; the accepted fields are: %s",
			        m->string, names);
			goto fail;
		}
		if (f->type == F_BOOL && !cJSON_IsBool(m)) {
			pi_resp_error(req, 400, "Wrong type", "field '%s' must be true or false",
			        f->name);
			goto fail;
		}
		if (f->type == F_STRING && !cJSON_IsString(m)) {
			pi_resp_error(
			        req, 400, "Wrong type", "field '%s' must be a string", f->name);
			goto fail;
		}
		if (f->type == F_STRING && strlen(m->valuestring) > f->max) {
			pi_resp_error(req, 400, "Field too long",
			        "field '%s' is longer than %zu bytes", f->name, f->max);
			goto fail;
		}
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

/* The string member name of a parsed body, or NULL if absent. */
static const char *body_str(const cJSON *root, const char *name)
{
	return pi_json_get_string(root, name);
}

/* 1 and *out set if the boolean member is present, else 0. */
static int body_bool(const cJSON *root, const char *name, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);

	if (!cJSON_IsBool(v))
		return 0;
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return 1;
}

/* Answers 400 with a member.h rule's message; returns -1 so callers can `return`. */
static int invalid(struct pi_request *req, const struct pi_error *err)
{
	pi_resp_error(req, 400, "Invalid input", "%s", err->message);
	return -1;
}

/* ---- lookups with visibility ---- */

/* Finds the organisation by slug if the caller may see it (hub admin: every one; others:
 * their own). Returns 0, or -1 with a 404 (or 500) set. */
static int find_visible_org(struct pi_request *req, const char *slug, struct pi_org *org)
{
	struct pi_error err;
	pi_status st = pi_store_org_find(store_of(req), slug, org, &err);

	if (st == PI_OK && (is_admin(req) || org->id == req->who.org_id))
		return 0;
	if (st != PI_OK && st != PI_ERR_NOTFOUND) {
		store_failed(req, "look up the organisation", &err);
		return -1;
	}
	pi_resp_error(req, 404, "Not found",
	        "no organisation with slug '%.64s' that you can see; GET /api/v1/orgs lists them",
	        slug);
	return -1;
}

/* Finds the user if the caller may see it: hub admins see everyone, org-admins the users of
 * their organisation, everybody themself. org_slug (64 bytes) receives the user's
 * organisation. Returns 0, or -1 with a 404 (or 500) set. */
static int find_visible_user(
        struct pi_request *req, const char *username, struct pi_user *user, char org_slug[64])
{
	struct pi_error err;
	struct pi_org org;
	pi_status st = pi_store_user_find(store_of(req), username, user, NULL, 0, &err);
	int visible;

	if (st != PI_OK && st != PI_ERR_NOTFOUND) {
		store_failed(req, "look up the user", &err);
		return -1;
	}
	visible = st == PI_OK && (is_admin(req) || user->id == req->who.user_id ||
	                                 (is_org_admin(req) && user->org_id == req->who.org_id));
	if (!visible) {
		pi_resp_error(req, 404, "Not found", "no user '%.64s' that you can see", username);
		return -1;
	}
	if (pi_store_org_get(store_of(req), user->org_id, &org, &err) != PI_OK) {
		store_failed(req, "look up the user's organisation", &err);
		return -1;
	}
	snprintf(org_slug, 64, "%s", org.slug);
	return 0;
}

/* For changes to a visible user's account or tokens: 0 if the caller may make them, else -1
 * with 403 set (an org-admin may not manage a hub administrator). */
static int may_manage_user(struct pi_request *req, const struct pi_user *user)
{
	if (is_admin(req) || user->id == req->who.user_id)
		return 0;
	if (is_org_admin(req) && user->org_id == req->who.org_id && user->role != PI_ROLE_ADMIN)
		return 0;
	forbidden(req,
	        "only hub administrators manage the account and tokens of a hub administrator");
	return -1;
}

/* Finds a sharing group visible to the caller (hub admins: all; others: the groups of their
 * organisation). Returns 0 or -1 with 404 (or 500) set. */
static int find_visible_group(struct pi_request *req, const char *name, struct pi_group *group)
{
	struct pi_error err;
	pi_status st = pi_store_group_find(store_of(req), name, group, &err);

	if (st == PI_OK && (is_admin(req) || in_my_groups(req, group->id)))
		return 0;
	if (st != PI_OK && st != PI_ERR_NOTFOUND) {
		store_failed(req, "look up the sharing group", &err);
		return -1;
	}
	pi_resp_error(req, 404, "Not found",
	        "no sharing group '%.64s' that you can see; GET /api/v1/groups lists yours", name);
	return -1;
}

/* ---- JSON writers that need the store ---- */

static pi_status put_group(struct pi_request *req, const struct pi_group *group, int close)
{
	struct pi_collection coll;
	struct pi_error err;
	const char *uuid = "";

	if (pi_store_collection_for_scope(store_of(req), PI_SCOPE_GROUP, group->id, &coll, &err) ==
	        PI_OK)
		uuid = coll.uuid;
	return pi_member_json_group(&req->out, group, uuid, close);
}

struct member_list {
	struct pi_buf *out;
	size_t n;
	pi_status st;
	int64_t find_org; /* set found when this org is among the members */
	int found;
};

static int put_member(void *arg, const struct pi_org *org)
{
	struct member_list *l = arg;

	if (l->out) {
		if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
			l->st = PI_ERR_TOOBIG;
		if (l->st == PI_OK)
			l->st = pi_member_json_org(l->out, org);
	}
	if (org->id == l->find_org)
		l->found = 1;
	return l->st != PI_OK;
}

/* 1 if the organisation belongs to the group, 0 if not, -1 with the response set. */
static int group_has_member(struct pi_request *req, int64_t group_id, int64_t org_id)
{
	struct member_list l = {NULL, 0, PI_OK, org_id, 0};
	struct pi_error err;

	if (pi_store_group_members(store_of(req), group_id, put_member, &l, &err) != PI_OK) {
		store_failed(req, "list the group's members", &err);
		return -1;
	}
	return l.found;
}

/* Answers the group with its member organisations. */
static void send_group(struct pi_request *req, unsigned status, const struct pi_group *group)
{
	struct member_list l = {&req->out, 0, PI_OK, 0, 0};
	struct pi_error err;
	pi_status st;

	pi_buf_reset(&req->out);
	st = put_group(req, group, 0);
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, ",\"members\":[");
	if (st == PI_OK &&
	        pi_store_group_members(store_of(req), group->id, put_member, &l, &err) != PI_OK) {
		store_failed(req, "list the group's members", &err);
		return;
	}
	if (st == PI_OK)
		st = l.st;
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "]}");
	send_json(req, status, st);
}

static void send_user(
        struct pi_request *req, unsigned status, const struct pi_user *user, const char *org_slug)
{
	pi_buf_reset(&req->out);
	send_json(req, status, pi_member_json_user(&req->out, user, org_slug));
}

static void send_org(struct pi_request *req, unsigned status, const struct pi_org *org)
{
	pi_buf_reset(&req->out);
	send_json(req, status, pi_member_json_org(&req->out, org));
}

static void set_location(struct pi_request *req, const char *fmt1, const char *a, const char *b)
{
	char loc[512];
	int n = snprintf(loc, sizeof(loc), fmt1, a, b ? b : "");

	if (n > 0 && (size_t)n < sizeof(loc))
		pi_resp_header(req, "Location", loc);
}

/* ---- /me ---- */

static void get_me(struct pi_request *req, char **arg)
{
	struct pi_user user;
	struct pi_org org;
	struct pi_group group;
	struct pi_error err;
	pi_status st;
	size_t n = 0;

	(void)arg;
	if (pi_store_user_get(store_of(req), req->who.user_id, &user, &err) != PI_OK ||
	        pi_store_org_get(store_of(req), user.org_id, &org, &err) != PI_OK) {
		store_failed(req, "load your account", &err);
		return;
	}
	st = pi_buf_puts(&req->out, "{\"user\":");
	if (st == PI_OK)
		st = pi_member_json_user(&req->out, &user, org.slug);
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, ",\"org\":");
	if (st == PI_OK)
		st = pi_member_json_org(&req->out, &org);
	if (st == PI_OK)
		st = pi_buf_printf(
		        &req->out, ",\"role\":\"%s\",\"groups\":[", pi_role_name(user.role));
	for (size_t i = 0; st == PI_OK && i < req->who.n_groups && i < PI_PRINCIPAL_MAX_GROUPS;
	        i++) {
		if (pi_store_group_get(store_of(req), req->who.group_ids[i], &group, &err) != PI_OK)
			continue; /* removed since the request started */
		if (n++)
			st = pi_buf_putc(&req->out, ',');
		if (st == PI_OK)
			st = put_group(req, &group, 1);
	}
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "]}");
	send_json(req, 200, st);
}

/* ---- organisations ---- */

static const struct field org_create_fields[] = {
        {"slug", F_STRING, PI_MEMBER_SLUG_MAX},
        {"name", F_STRING, PI_MEMBER_NAME_MAX},
        {"type", F_STRING, 31},
        {"country", F_STRING, 7},
        {NULL, F_STRING, 0},
};

static const struct field org_patch_fields[] = {
        {"name", F_STRING, PI_MEMBER_NAME_MAX},
        {"type", F_STRING, 31},
        {"country", F_STRING, 7},
        {NULL, F_STRING, 0},
};

struct org_list {
	struct pi_buf *out;
	size_t n;
	int64_t only; /* 0: every organisation */
	pi_status st;
};

static int put_org(void *arg, const struct pi_org *org)
{
	struct org_list *l = arg;

	if (l->only && org->id != l->only)
		return 0;
	if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = pi_member_json_org(l->out, org);
	return l->st != PI_OK;
}

static void list_orgs(struct pi_request *req, char **arg)
{
	struct org_list l = {&req->out, 0, is_admin(req) ? 0 : req->who.org_id, PI_OK};
	struct pi_error err;
	pi_status st;

	(void)arg;
	st = pi_buf_puts(&req->out, "{\"orgs\":[");
	if (st == PI_OK && pi_store_org_list(store_of(req), put_org, &l, &err) != PI_OK) {
		store_failed(req, "list organisations", &err);
		return;
	}
	if (st == PI_OK)
		st = l.st;
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "]}");
	send_json(req, 200, st);
}

/* Checks name/type/country members present in body (when required, all three must be). */
static int check_org_fields(struct pi_request *req, const cJSON *body, int required)
{
	struct pi_error err;
	const char *name = body_str(body, "name"), *type = body_str(body, "type");
	const char *country = body_str(body, "country");

	if (required && (!name || !type)) {
		pi_resp_error(req, 400, "Missing field", "field '%s' is required (%s)",
		        !name ? "name" : "type",
		        !name ? "the organisation's full name" : "one of " PI_ORG_TYPES);
		return -1;
	}
	if (name && pi_member_check_text("name", name, PI_MEMBER_NAME_MAX, 1, &err) != PI_OK)
		return invalid(req, &err);
	if (type && pi_member_check_org_type(type, &err) != PI_OK)
		return invalid(req, &err);
	if (country && pi_member_check_country(country, &err) != PI_OK)
		return invalid(req, &err);
	return 0;
}

static void apply_org_fields(struct pi_org *org, const cJSON *body)
{
	const char *name = body_str(body, "name"), *type = body_str(body, "type");
	const char *country = body_str(body, "country");

	if (name)
		snprintf(org->name, sizeof(org->name), "%s", name);
	if (type)
		snprintf(org->type, sizeof(org->type), "%s", type);
	if (country)
		snprintf(org->country, sizeof(org->country), "%s", country);
}

static void create_org(struct pi_request *req, char **arg)
{
	cJSON *body = NULL;
	struct pi_org org, existing;
	struct pi_error err;
	const char *slug;
	char uuid[37];

	(void)arg;
	if (!is_admin(req)) {
		forbidden(req, "only hub administrators admit organisations");
		return;
	}
	body = parse_body(req, org_create_fields, 0);
	if (!body)
		return;
	slug = body_str(body, "slug");
	if (!slug) {
		pi_resp_error(req, 400, "Missing field",
		        "field 'slug' is required (2-63 of a-z, 0-9 and '-', such as "
		        "'poste-italiane')");
		goto out;
	}
	if (pi_member_check_slug("slug", slug, &err) != PI_OK) {
		invalid(req, &err);
		goto out;
	}
	if (check_org_fields(req, body, 1) != 0)
		goto out;
	if (pi_store_org_find(store_of(req), slug, &existing, &err) == PI_OK) {
		pi_resp_error(req, 409, "Conflict",
		        "an organisation with slug '%s' already exists; choose another slug, or "
		        "change it with "
		        "PATCH /api/v1/orgs/%s",
		        slug, slug);
		goto out;
	}
	memset(&org, 0, sizeof(org));
	snprintf(org.slug, sizeof(org.slug), "%s", slug);
	apply_org_fields(&org, body);
	pi_uuid4(uuid);
	snprintf(org.identity_id, sizeof(org.identity_id), "identity--%s", uuid);
	org.created_at = pi_time_now_us();
	if (pi_store_org_create(store_of(req), &org, &err) != PI_OK) {
		store_failed(req, "create the organisation", &err);
		goto out;
	}
	pi_log_info("event=org_created by=%s org=%s", req->who.username, org.slug);
	set_location(req, "/api/v1/orgs/%s%s", org.slug, NULL);
	pi_audit_append_by(store_of(req), req->who.username, "org.create", org.slug, NULL);
	send_org(req, 201, &org);
out:
	cJSON_Delete(body);
}

static void get_org(struct pi_request *req, char **arg)
{
	struct pi_org org;

	if (find_visible_org(req, arg[0], &org) == 0)
		send_org(req, 200, &org);
}

static void patch_org(struct pi_request *req, char **arg)
{
	cJSON *body = NULL;
	struct pi_org org;
	struct pi_error err;

	if (find_visible_org(req, arg[0], &org) != 0)
		return;
	if (!is_admin(req)) {
		forbidden(req, "only hub administrators change an organisation's details");
		return;
	}
	body = parse_body(req, org_patch_fields, 0);
	if (!body)
		return;
	if (!body->child) {
		pi_resp_error(req, 400, "Nothing to change",
		        "send at least one of the fields: name, type, country");
		goto out;
	}
	if (check_org_fields(req, body, 0) != 0)
		goto out;
	apply_org_fields(&org, body);
	if (pi_store_org_update(store_of(req), &org, &err) != PI_OK) {
		store_failed(req, "change the organisation", &err);
		goto out;
	}
	pi_log_info("event=org_changed by=%s org=%s", req->who.username, org.slug);
	pi_audit_append_by(store_of(req), req->who.username, "org.update", org.slug, NULL);
	send_org(req, 200, &org);
out:
	cJSON_Delete(body);
}

/* ---- users ---- */

static const struct field user_create_fields[] = {
        {"username", F_STRING, PI_MEMBER_SLUG_MAX},
        {"org", F_STRING, PI_MEMBER_SLUG_MAX},
        {"role", F_STRING, 31},
        {"display_name", F_STRING, PI_MEMBER_NAME_MAX},
        {"email", F_STRING, PI_MEMBER_NAME_MAX},
        {"password", F_STRING, PI_PASSWORD_MAX_LEN},
        {NULL, F_STRING, 0},
};

static const struct field user_patch_fields[] = {
        {"role", F_STRING, 31},
        {"display_name", F_STRING, PI_MEMBER_NAME_MAX},
        {"email", F_STRING, PI_MEMBER_NAME_MAX},
        {"disabled", F_BOOL, 0},
        {"password", F_STRING, PI_PASSWORD_MAX_LEN},
        {NULL, F_STRING, 0},
};

struct user_list {
	struct pi_request *req;
	size_t n;
	pi_status st;
	struct pi_org org; /* the organisation of the previous row, as a one-entry cache */
};

static int put_user(void *arg, const struct pi_user *user)
{
	struct user_list *l = arg;
	struct pi_error err;

	if (l->org.id != user->org_id &&
	        pi_store_org_get(store_of(l->req), user->org_id, &l->org, &err) != PI_OK) {
		l->st = err.status;
		return 1;
	}
	if (l->n++ && pi_buf_putc(&l->req->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = pi_member_json_user(&l->req->out, user, l->org.slug);
	return l->st != PI_OK;
}

static void list_users(struct pi_request *req, char **arg)
{
	struct user_list l;
	struct pi_error err;
	struct pi_org org;
	const char *slug = pi_req_arg(req, "org");
	int64_t org_id = req->who.org_id;
	pi_status st;

	(void)arg;
	if (!is_admin(req) && !is_org_admin(req)) {
		forbidden(req,
		        "only hub administrators and organisation administrators list users; "
		        "GET /api/v1/me shows your own account");
		return;
	}
	if (slug) {
		if (find_visible_org(req, slug, &org) != 0)
			return;
		org_id = org.id;
	} else if (is_admin(req)) {
		org_id = 0;
	}
	memset(&l, 0, sizeof(l));
	l.req = req;
	st = pi_buf_puts(&req->out, "{\"users\":[");
	if (st == PI_OK && pi_store_user_list(store_of(req), org_id, put_user, &l, &err) != PI_OK) {
		store_failed(req, "list users", &err);
		return;
	}
	if (st == PI_OK)
		st = l.st;
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "]}");
	send_json(req, 200, st);
}

/* Checks display_name and email if present. */
static int check_user_text(struct pi_request *req, const cJSON *body)
{
	struct pi_error err;
	const char *display = body_str(body, "display_name"), *email = body_str(body, "email");

	if (display &&
	        pi_member_check_text("display_name", display, PI_MEMBER_NAME_MAX, 0, &err) != PI_OK)
		return invalid(req, &err);
	if (email && pi_member_check_email(email, &err) != PI_OK)
		return invalid(req, &err);
	return 0;
}

/* Works out the organisation of a new user: hub admins must name it, org-admins may only
 * name their own (the default). Returns 0 or -1 with the response set. */
static int new_user_org(struct pi_request *req, const char *slug, struct pi_org *org)
{
	struct pi_error err;

	if (is_admin(req)) {
		if (!slug) {
			pi_resp_error(req, 400, "Missing field",
			        "field 'org' is required: the slug of the user's organisation");
			return -1;
		}
		return find_visible_org(req, slug, org);
	}
	if (pi_store_org_get(store_of(req), req->who.org_id, org, &err) != PI_OK) {
		store_failed(req, "load your organisation", &err);
		return -1;
	}
	if (slug && strcmp(slug, org->slug) != 0) {
		pi_resp_error(req, 403, "Forbidden",
		        "organisation administrators create users only in their own organisation "
		        "('%s'); "
		        "leave out 'org' or ask a hub administrator",
		        org->slug);
		return -1;
	}
	return 0;
}

static void create_user(struct pi_request *req, char **arg)
{
	cJSON *body = NULL;
	struct pi_user user, existing;
	struct pi_org org;
	struct pi_error err;
	const char *username, *role_name, *password;
	char hash[PI_PASSWORD_HASH_MAX] = "";
	char uuid[37];
	enum pi_role role;

	(void)arg;
	if (!is_admin(req) && !is_org_admin(req)) {
		forbidden(req,
		        "only hub administrators and organisation administrators create users");
		return;
	}
	body = parse_body(req, user_create_fields, 0);
	if (!body)
		return;
	username = body_str(body, "username");
	role_name = body_str(body, "role");
	password = body_str(body, "password");
	if (!username || !role_name) {
		pi_resp_error(req, 400, "Missing field", "field '%s' is required",
		        !username ? "username" : "role");
		goto out;
	}
	if (pi_member_check_username(username, &err) != PI_OK ||
	        pi_member_check_role(role_name, &role, &err) != PI_OK) {
		invalid(req, &err);
		goto out;
	}
	if (check_user_text(req, body) != 0 || new_user_org(req, body_str(body, "org"), &org) != 0)
		goto out;
	if (role == PI_ROLE_ADMIN && !is_admin(req)) {
		forbidden(req, "only hub administrators create users with the 'admin' role");
		goto out;
	}
	if (pi_store_user_find(store_of(req), username, &existing, NULL, 0, &err) == PI_OK) {
		pi_resp_error(req, 409, "Conflict",
		        "the username '%s' is taken; user names are unique across the hub, choose "
		        "another",
		        username);
		goto out;
	}
	if (password && pi_password_hash(password, hash, &err) != PI_OK) {
		invalid(req, &err);
		goto out;
	}
	memset(&user, 0, sizeof(user));
	user.org_id = org.id;
	user.role = role;
	snprintf(user.username, sizeof(user.username), "%s", username);
	snprintf(user.display_name, sizeof(user.display_name), "%s",
	        body_str(body, "display_name") ? body_str(body, "display_name") : "");
	snprintf(user.email, sizeof(user.email), "%s",
	        body_str(body, "email") ? body_str(body, "email") : "");
	pi_uuid4(uuid);
	snprintf(user.identity_id, sizeof(user.identity_id), "identity--%s", uuid);
	user.created_at = pi_time_now_us();
	if (pi_store_user_create(store_of(req), &user, hash, &err) != PI_OK) {
		store_failed(req, "create the user", &err);
		goto out;
	}
	pi_log_info("event=user_created by=%s user=%s org=%s role=%s", req->who.username,
	        user.username, org.slug, pi_role_name(role));
	set_location(req, "/api/v1/users/%s%s", user.username, NULL);
	pi_audit_append_by(store_of(req), req->who.username, "user.create", user.username, NULL);
	send_user(req, 201, &user, org.slug);
out:
	sodium_memzero(hash, sizeof(hash));
	cJSON_Delete(body);
}

static void get_user(struct pi_request *req, char **arg)
{
	struct pi_user user;
	char org_slug[64];

	if (find_visible_user(req, arg[0], &user, org_slug) == 0)
		send_user(req, 200, &user, org_slug);
}

/* Applies the role and disabled members of a PATCH to user, refusing what the caller may
 * not do. Returns 0 or -1 with the response set. */
static int patch_role_disabled(struct pi_request *req, const cJSON *body, struct pi_user *user)
{
	struct pi_error err;
	const char *role_name = body_str(body, "role");
	int self = user->id == req->who.user_id;
	int disabled;
	enum pi_role role;

	if (role_name) {
		if (pi_member_check_role(role_name, &role, &err) != PI_OK)
			return invalid(req, &err);
		if (self && role != user->role) {
			forbidden(
			        req, "you cannot change your own role; ask another administrator");
			return -1;
		}
		if (role == PI_ROLE_ADMIN && !is_admin(req) && role != user->role) {
			forbidden(req, "only hub administrators grant the 'admin' role");
			return -1;
		}
		user->role = role;
	}
	if (body_bool(body, "disabled", &disabled)) {
		if (self && disabled) {
			forbidden(req,
			        "you cannot disable your own account; ask another administrator");
			return -1;
		}
		user->disabled = disabled;
	}
	return 0;
}

static void patch_user(struct pi_request *req, char **arg)
{
	cJSON *body = NULL;
	struct pi_user user;
	struct pi_error err;
	char org_slug[64];
	char hash[PI_PASSWORD_HASH_MAX] = "";
	const char *password, *display, *email;

	if (find_visible_user(req, arg[0], &user, org_slug) != 0 ||
	        may_manage_user(req, &user) != 0)
		return;
	body = parse_body(req, user_patch_fields, 0);
	if (!body)
		return;
	if (!body->child) {
		pi_resp_error(req, 400, "Nothing to change",
		        "send at least one of the fields: role, display_name, email, disabled, "
		        "password");
		goto out;
	}
	if (check_user_text(req, body) != 0 || patch_role_disabled(req, body, &user) != 0)
		goto out;
	password = body_str(body, "password");
	if (password && pi_password_hash(password, hash, &err) != PI_OK) {
		invalid(req, &err);
		goto out;
	}
	display = body_str(body, "display_name");
	email = body_str(body, "email");
	if (display)
		snprintf(user.display_name, sizeof(user.display_name), "%s", display);
	if (email)
		snprintf(user.email, sizeof(user.email), "%s", email);
	if (pi_store_user_update(store_of(req), &user, &err) != PI_OK ||
	        (password &&
	                pi_store_user_set_password(store_of(req), user.id, hash, &err) != PI_OK)) {
		store_failed(req, "change the user", &err);
		goto out;
	}
	pi_log_info("event=user_changed by=%s user=%s role=%s disabled=%d password_changed=%d",
	        req->who.username, user.username, pi_role_name(user.role), user.disabled,
	        password != NULL);
	pi_audit_append_by(store_of(req), req->who.username, "user.update", user.username, NULL);
	send_user(req, 200, &user, org_slug);
out:
	sodium_memzero(hash, sizeof(hash));
	cJSON_Delete(body);
}

/* ---- tokens ---- */

static const struct field token_create_fields[] = {
        {"name", F_STRING, PI_MEMBER_TOKEN_NAME_MAX},
        {NULL, F_STRING, 0},
};

/* The user of a token path, if the caller may manage their tokens. */
static int token_owner(struct pi_request *req, const char *username, struct pi_user *user)
{
	char org_slug[64];

	if (find_visible_user(req, username, user, org_slug) != 0)
		return -1;
	return may_manage_user(req, user);
}

struct token_list {
	struct pi_buf *out;
	size_t n;
	pi_status st;
};

static int put_token(void *arg, const struct pi_token *token)
{
	struct token_list *l = arg;

	if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = pi_member_json_token(l->out, token);
	return l->st != PI_OK;
}

static void list_tokens(struct pi_request *req, char **arg)
{
	struct pi_user user;
	struct token_list l = {&req->out, 0, PI_OK};
	struct pi_error err;
	pi_status st;

	if (token_owner(req, arg[0], &user) != 0)
		return;
	st = pi_buf_puts(&req->out, "{\"tokens\":[");
	if (st == PI_OK &&
	        pi_store_token_list(store_of(req), user.id, put_token, &l, &err) != PI_OK) {
		store_failed(req, "list tokens", &err);
		return;
	}
	if (st == PI_OK)
		st = l.st;
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "]}");
	send_json(req, 200, st);
}

static void create_token(struct pi_request *req, char **arg)
{
	cJSON *body = NULL;
	struct pi_user user;
	struct pi_token token;
	struct pi_error err;
	char secret[PI_TOKEN_LEN + 1];
	unsigned char hash[32];
	char id[24];
	const char *name;
	pi_status st;

	if (token_owner(req, arg[0], &user) != 0)
		return;
	body = parse_body(req, token_create_fields, 1);
	if (!body)
		return;
	name = body_str(body, "name");
	if (name &&
	        pi_member_check_text("name", name, PI_MEMBER_TOKEN_NAME_MAX, 1, &err) != PI_OK) {
		invalid(req, &err);
		goto out;
	}
	memset(&token, 0, sizeof(token));
	pi_token_new(secret, hash);
	token.user_id = user.id;
	snprintf(token.name, sizeof(token.name), "%s", name ? name : PI_MEMBER_TOKEN_DEFAULT_NAME);
	snprintf(token.prefix, sizeof(token.prefix), "%.*s", PI_TOKEN_PREFIX_LEN, secret);
	token.created_at = pi_time_now_us();
	if (pi_store_token_create(store_of(req), &token, hash, &err) != PI_OK) {
		store_failed(req, "create the token", &err);
		goto out;
	}
	pi_log_info("event=token_created by=%s user=%s token_id=%lld prefix=%s", req->who.username,
	        user.username, (long long)token.id, token.prefix);
	pi_audit_append_by(store_of(req), req->who.username, "token.create", user.username, NULL);
	st = pi_buf_puts(&req->out, "{\"token\":");
	if (st == PI_OK)
		st = pi_buf_json_string(&req->out, secret);
	if (st == PI_OK)
		st = pi_buf_printf(&req->out, ",\"id\":%lld,\"prefix\":", (long long)token.id);
	if (st == PI_OK)
		st = pi_buf_json_string(&req->out, token.prefix);
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, ",\"name\":");
	if (st == PI_OK)
		st = pi_buf_json_string(&req->out, token.name);
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "}");
	snprintf(id, sizeof(id), "%lld", (long long)token.id);
	set_location(req, "/api/v1/users/%s/tokens/%s", user.username, id);
	send_json(req, 201, st);
out:
	sodium_memzero(secret, sizeof(secret));
	cJSON_Delete(body);
}

/* Finds token id (decimal) of user; 0, or -1 with 404 set. */
static int find_token(struct pi_request *req, const struct pi_user *user, const char *id_text,
        struct pi_token *token)
{
	struct pi_error err;
	long long id = 0;
	size_t n = strlen(id_text);
	pi_status st = PI_ERR_NOTFOUND;

	if (n >= 1 && n <= 18 && strspn(id_text, "0123456789") == n) {
		id = strtoll(id_text, NULL, 10);
		st = id > 0 ? pi_store_token_get(store_of(req), id, token, &err) : PI_ERR_NOTFOUND;
	}
	if (st != PI_OK && st != PI_ERR_NOTFOUND) {
		store_failed(req, "look up the token", &err);
		return -1;
	}
	if (st != PI_OK || token->user_id != user->id) {
		pi_resp_error(req, 404, "Not found",
		        "user '%s' has no token with id '%.24s'; GET /api/v1/users/%s/tokens lists "
		        "them",
		        user->username, id_text, user->username);
		return -1;
	}
	return 0;
}

static void get_token(struct pi_request *req, char **arg)
{
	struct pi_user user;
	struct pi_token token;

	if (token_owner(req, arg[0], &user) != 0 || find_token(req, &user, arg[1], &token) != 0)
		return;
	send_json(req, 200, pi_member_json_token(&req->out, &token));
}

static void revoke_token(struct pi_request *req, char **arg)
{
	struct pi_user user;
	struct pi_token token;
	struct pi_error err;

	if (token_owner(req, arg[0], &user) != 0 || find_token(req, &user, arg[1], &token) != 0)
		return;
	if (!token.revoked && pi_store_token_revoke(store_of(req), token.id, &err) != PI_OK) {
		store_failed(req, "revoke the token", &err);
		return;
	}
	token.revoked = 1;
	pi_log_info("event=token_revoked by=%s user=%s token_id=%lld", req->who.username,
	        user.username, (long long)token.id);
	pi_audit_append_by(store_of(req), req->who.username, "token.revoke", user.username, NULL);
	send_json(req, 200, pi_member_json_token(&req->out, &token));
}

/* ---- sharing groups ---- */

static const struct field group_create_fields[] = {
        {"name", F_STRING, PI_MEMBER_SLUG_MAX},
        {"description", F_STRING, PI_MEMBER_DESCRIPTION_MAX},
        {NULL, F_STRING, 0},
};

struct group_list {
	struct pi_request *req;
	size_t n;
	pi_status st;
};

static int put_group_row(void *arg, const struct pi_group *group)
{
	struct group_list *l = arg;

	if (!is_admin(l->req) && !in_my_groups(l->req, group->id))
		return 0;
	if (l->n++ && pi_buf_putc(&l->req->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = put_group(l->req, group, 1);
	return l->st != PI_OK;
}

static void list_groups(struct pi_request *req, char **arg)
{
	struct group_list l = {req, 0, PI_OK};
	struct pi_error err;
	pi_status st;

	(void)arg;
	st = pi_buf_puts(&req->out, "{\"groups\":[");
	if (st == PI_OK && pi_store_group_list(store_of(req), put_group_row, &l, &err) != PI_OK) {
		store_failed(req, "list sharing groups", &err);
		return;
	}
	if (st == PI_OK)
		st = l.st;
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "]}");
	send_json(req, 200, st);
}

static void create_group(struct pi_request *req, char **arg)
{
	cJSON *body = NULL;
	struct pi_group group, existing;
	struct pi_error err;
	const char *name, *description;

	(void)arg;
	if (!is_admin(req)) {
		forbidden(req, "only hub administrators create sharing groups");
		return;
	}
	body = parse_body(req, group_create_fields, 0);
	if (!body)
		return;
	name = body_str(body, "name");
	description = body_str(body, "description");
	if (!name) {
		pi_resp_error(req, 400, "Missing field",
		        "field 'name' is required (2-63 of a-z, 0-9 and '-', such as "
		        "'eu-operators')");
		goto out;
	}
	if (pi_member_check_slug("name", name, &err) != PI_OK ||
	        (description && pi_member_check_text("description", description,
	                                PI_MEMBER_DESCRIPTION_MAX, 0, &err) != PI_OK)) {
		invalid(req, &err);
		goto out;
	}
	if (pi_store_group_find(store_of(req), name, &existing, &err) == PI_OK) {
		pi_resp_error(req, 409, "Conflict",
		        "a sharing group named '%s' already exists; choose another name", name);
		goto out;
	}
	memset(&group, 0, sizeof(group));
	snprintf(group.name, sizeof(group.name), "%s", name);
	snprintf(
	        group.description, sizeof(group.description), "%s", description ? description : "");
	group.created_at = pi_time_now_us();
	if (pi_store_group_create(store_of(req), &group, &err) != PI_OK) {
		store_failed(req, "create the sharing group", &err);
		goto out;
	}
	pi_log_info("event=group_created by=%s group=%s", req->who.username, group.name);
	set_location(req, "/api/v1/groups/%s%s", group.name, NULL);
	pi_audit_append_by(store_of(req), req->who.username, "group.create", group.name, NULL);
	send_group(req, 201, &group);
out:
	cJSON_Delete(body);
}

static void get_group(struct pi_request *req, char **arg)
{
	struct pi_group group;

	if (find_visible_group(req, arg[0], &group) == 0)
		send_group(req, 200, &group);
}

/* Common part of PUT/DELETE membership: visible group, hub admin, existing organisation. */
static int member_change_target(
        struct pi_request *req, char **arg, struct pi_group *group, struct pi_org *org)
{
	struct pi_error err;
	pi_status st;

	if (find_visible_group(req, arg[0], group) != 0)
		return -1;
	if (!is_admin(req)) {
		forbidden(req, "only hub administrators change the members of a sharing group");
		return -1;
	}
	st = pi_store_org_find(store_of(req), arg[1], org, &err);
	if (st == PI_ERR_NOTFOUND) {
		pi_resp_error(req, 404, "Not found",
		        "no organisation with slug '%.64s'; GET /api/v1/orgs lists them", arg[1]);
		return -1;
	}
	if (st != PI_OK) {
		store_failed(req, "look up the organisation", &err);
		return -1;
	}
	return 0;
}

static void add_member(struct pi_request *req, char **arg)
{
	struct pi_group group;
	struct pi_org org;
	struct pi_error err;
	int member;

	if (member_change_target(req, arg, &group, &org) != 0)
		return;
	member = group_has_member(req, group.id, org.id);
	if (member < 0)
		return;
	if (!member) {
		if (pi_store_group_add_org(store_of(req), group.id, org.id, &err) != PI_OK) {
			store_failed(req, "add the organisation to the group", &err);
			return;
		}
		pi_log_info("event=group_member_added by=%s group=%s org=%s", req->who.username,
		        group.name, org.slug);
	}
	pi_audit_append_by(store_of(req), req->who.username, "group.member.add", group.name, NULL);
	send_group(req, 200, &group);
}

static void remove_member(struct pi_request *req, char **arg)
{
	struct pi_group group;
	struct pi_org org;
	struct pi_error err;
	int member;

	if (member_change_target(req, arg, &group, &org) != 0)
		return;
	member = group_has_member(req, group.id, org.id);
	if (member < 0)
		return;
	if (!member) {
		pi_resp_error(req, 404, "Not found",
		        "organisation '%s' is not a member of sharing group '%s'", org.slug,
		        group.name);
		return;
	}
	if (pi_store_group_remove_org(store_of(req), group.id, org.id, &err) != PI_OK) {
		store_failed(req, "remove the organisation from the group", &err);
		return;
	}
	pi_log_info("event=group_member_removed by=%s group=%s org=%s", req->who.username,
	        group.name, org.slug);
	pi_audit_append_by(store_of(req), req->who.username, "group.member.remove", group.name, NULL);
	send_group(req, 200, &group);
}

/* ---- routing ---- */

static const char *const users_args[] = {"org", NULL};
static const char *const no_args[] = {NULL};

const struct pi_api_route pi_api_admin_routes[] = {
        {"GET", {"me"}, get_me, no_args},
        {"GET", {"orgs"}, list_orgs, no_args},
        {"POST", {"orgs"}, create_org, no_args},
        {"GET", {"orgs", "*"}, get_org, no_args},
        {"PATCH", {"orgs", "*"}, patch_org, no_args},
        {"GET", {"users"}, list_users, users_args},
        {"POST", {"users"}, create_user, no_args},
        {"GET", {"users", "*"}, get_user, no_args},
        {"PATCH", {"users", "*"}, patch_user, no_args},
        {"GET", {"users", "*", "tokens"}, list_tokens, no_args},
        {"POST", {"users", "*", "tokens"}, create_token, no_args},
        {"GET", {"users", "*", "tokens", "*"}, get_token, no_args},
        {"DELETE", {"users", "*", "tokens", "*"}, revoke_token, no_args},
        {"GET", {"groups"}, list_groups, no_args},
        {"POST", {"groups"}, create_group, no_args},
        {"GET", {"groups", "*"}, get_group, no_args},
        {"PUT", {"groups", "*", "members", "*"}, add_member, no_args},
        {"DELETE", {"groups", "*", "members", "*"}, remove_member, no_args},
};
const size_t pi_api_admin_nroutes = sizeof(pi_api_admin_routes) / sizeof(pi_api_admin_routes[0]);

/* Nonzero if the path after /api/v1/ matches the route's segments; captures go to arg. */
static int path_matches(const struct pi_api_route *r, char *const *seg, size_t n, char **arg)
{
	size_t k = 0, len = 0;

	while (len < MAX_ROUTE_SEGS && r->path[len])
		len++;
	if (len != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(r->path[i], "*") == 0)
			arg[k++] = seg[i];
		else if (strcmp(r->path[i], seg[i]) != 0)
			return 0;
	}
	return 1;
}

void pi_api_handle(struct pi_request *req)
{
	char *arg[MAX_ROUTE_SEGS] = {NULL};
	char allow[64] = "";
	size_t used = 0;
	size_t n = req->nseg - 2;
	const char *method = strcmp(req->method, "HEAD") == 0 ? "GET" : req->method;

	/* The hub's receipt-signing public key is public: anyone must be able to check a receipt. */
	if (req->who.user_id == 0 && !(n == 2 && strcmp(req->seg[2], "receipts") == 0 &&
	                                 strcmp(req->seg[3], "key") == 0)) {
		pi_auth_challenge(req,
		        "the administration API needs credentials: send "
		        "'Authorization: Bearer TOKEN' or HTTP Basic with your user name");
		return;
	}
	for (size_t t = 0; t < pi_api_ntables; t++)
	for (size_t i = 0; i < *pi_api_tables[t].count; i++) {
		const struct pi_api_route *r = &pi_api_tables[t].routes[i];
		int len;

		if (!path_matches(r, req->seg + 2, n, arg))
			continue;
		if (strcmp(r->method, method) == 0) {
			if (pi_req_check_args(req, r->args) != 0)
				return;
			r->handle(req, arg);
			return;
		}
		len = snprintf(
		        allow + used, sizeof(allow) - used, "%s%s", used ? ", " : "", r->method);
		if (len > 0 && (size_t)len < sizeof(allow) - used)
			used += (size_t)len;
	}
	if (used) {
		pi_resp_header(req, "Allow", allow);
		pi_resp_error(req, 405, "Method not allowed", "%s is not allowed here; use %s",
		        req->method, allow);
		return;
	}
	pi_resp_error(req, 404, "Not found",
	        "no such API resource; docs/api.md lists them (/api/v1/me, orgs, users, groups)");
}
