/* api_web.c - the JSON API the web interface adds under /api/v1/ (docs/web.md):
 *
 *   GET  /api/v1/advisories[?kind=advisory|best-practice]   list (newest first, no body)
 *   POST /api/v1/advisories  {kind, title, body, tlp}          publish (201)
 *   GET  /api/v1/advisories/{id}                               one, with its Markdown body
 *                                                              and the HTML rendered by
 *                                                              libcmark (raw HTML dropped)
 *   GET  /api/v1/taxonomy/rsit                                 the RSIT classes and types
 *                                                              the case form offers
 *
 * Advisories and best practices are published by hub administrators and by analysts or
 * org-admins of an ISAC-operator organisation. A reader sees one when pi_access_allows says
 * so, with the acl {community scope, the advisory's TLP, publishing org and user, no
 * recipients}; one they may not see answers 404 like one that does not exist.
 */
#include <cmark.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cases/case.h"
#include "cases/taxonomy.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/http_int.h"
#include "store/store_web.h"

#define API_JSON "application/json"

static const char *const no_args[] = {NULL};
static const char *const list_args[] = {"kind", NULL};

static void acl_of(const struct pi_web_advisory *a, struct pi_acl *acl)
{
	memset(acl, 0, sizeof(*acl));
	acl->scope = PI_SCOPE_COMMUNITY;
	acl->scope_id = 0;
	acl->tlp = (enum pi_tlp)a->tlp;
	acl->owner_org = a->org_id;
	acl->owner_user = a->user_id;
	acl->recipients = NULL;
}

static void store_failed(struct pi_request *req, const char *what, const struct pi_error *err)
{
	if (err->status == PI_ERR_NOTFOUND) {
		pi_resp_error(req, 404, "Not found", "%s", err->message);
		return;
	}
	pi_log_error("event=api_web_store_failed what=\"%s\" error=\"%s\"", what, err->message);
	pi_resp_error(req, 500, "Internal error",
	        "could not %s because of a server-side failure; try again, and tell the hub "
	        "operator if it persists",
	        what);
}

/* Appends the members every advisory answer has (without braces). */
static void put_common(struct pi_request *req, const struct pi_web_advisory *a)
{
	char when[PI_TIME_TEXT_LEN];
	struct pi_org org;
	struct pi_user user;
	struct pi_error err;
	struct pi_buf *o = &req->out;

	pi_time_format_us(a->created_at, when);
	pi_buf_printf(o, "\"id\":%lld,\"kind\":", (long long)a->id);
	pi_buf_json_string(o, a->kind);
	pi_buf_puts(o, ",\"title\":");
	pi_buf_json_string(o, a->title);
	pi_buf_puts(o, ",\"tlp\":");
	pi_buf_json_string(o, pi_tlp_name((enum pi_tlp)a->tlp));
	pi_buf_puts(o, ",\"org\":");
	if (pi_store_org_get(req->server->store, a->org_id, &org, &err) == PI_OK)
		pi_buf_json_string(o, org.slug);
	else
		pi_buf_puts(o, "null");
	pi_buf_puts(o, ",\"author\":");
	if (pi_store_user_get(req->server->store, a->user_id, &user, &err) == PI_OK)
		pi_buf_json_string(o, user.username);
	else
		pi_buf_puts(o, "null");
	pi_buf_puts(o, ",\"created_at\":");
	pi_buf_json_string(o, when);
}

struct list_ctx {
	struct pi_request *req;
	const char *kind;
	size_t n;
};

static int list_one(void *arg, const struct pi_web_advisory *a)
{
	struct list_ctx *ctx = arg;
	struct pi_acl acl;

	if (ctx->kind && strcmp(ctx->kind, a->kind) != 0)
		return 0;
	acl_of(a, &acl);
	if (!pi_access_allows(&ctx->req->who, &acl, PI_PURPOSE_VIEW))
		return 0;
	pi_buf_puts(&ctx->req->out, ctx->n++ ? ",{" : "{");
	put_common(ctx->req, a);
	pi_buf_puts(&ctx->req->out, "}");
	return 0;
}

static int kind_ok(const char *k)
{
	return strcmp(k, "advisory") == 0 || strcmp(k, "best-practice") == 0;
}

static void list_advisories(struct pi_request *req, char **arg)
{
	struct list_ctx ctx = {req, pi_req_arg(req, "kind"), 0};
	struct pi_error err;

	(void)arg;
	if (ctx.kind && !kind_ok(ctx.kind)) {
		pi_resp_error(req, 400, "Bad query parameter",
		        "kind: '%.32s' is not one of advisory, best-practice", ctx.kind);
		return;
	}
	pi_buf_puts(&req->out, "{\"advisories\":[");
	if (pi_store_web_advisory_each(req->server->store, list_one, &ctx, &err) != PI_OK) {
		pi_buf_reset(&req->out);
		store_failed(req, "list the advisories", &err);
		return;
	}
	pi_buf_puts(&req->out, "]}");
	pi_resp_json(req, 200, API_JSON);
}

/* Parses a decimal id of 1..2^53; -1 if it is not one. */
static int64_t parse_id(const char *s)
{
	char *end = NULL;
	long long v;

	if (!s || !*s || *s == '0' || strlen(s) > 16)
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	return errno || *end ? -1 : (int64_t)v;
}

static void get_advisory(struct pi_request *req, char **arg)
{
	struct pi_web_advisory a;
	struct pi_acl acl;
	struct pi_error err;
	int64_t id = parse_id(arg[0]);
	char *html = NULL;

	if (id < 0) {
		pi_resp_error(req, 404, "Not found", "no advisory '%.40s'", arg[0]);
		return;
	}
	if (pi_store_web_advisory_get(req->server->store, id, &a, &err) != PI_OK) {
		store_failed(req, "read the advisory", &err);
		return;
	}
	acl_of(&a, &acl);
	if (!pi_access_allows(&req->who, &acl, PI_PURPOSE_VIEW)) {
		pi_resp_error(req, 404, "Not found", "no advisory %lld", (long long)id);
		goto out;
	}
	/* CMARK_OPT_DEFAULT leaves raw HTML and dangerous URLs out (cmark >= 0.29: "safe"
	 * unless CMARK_OPT_UNSAFE) */
	html = cmark_markdown_to_html(
	        a.body ? a.body : "", a.body ? strlen(a.body) : 0, CMARK_OPT_DEFAULT);
	if (!html) {
		pi_resp_error(req, 500, "Internal error", "the advisory could not be rendered");
		goto out;
	}
	pi_buf_puts(&req->out, "{");
	put_common(req, &a);
	pi_buf_puts(&req->out, ",\"body\":");
	pi_buf_json_string(&req->out, a.body ? a.body : "");
	pi_buf_puts(&req->out, ",\"html\":");
	pi_buf_json_string(&req->out, html);
	pi_buf_puts(&req->out, "}");
	pi_resp_json(req, 200, API_JSON);
out:
	free(html);
	pi_web_advisory_clear(&a);
}

static int may_publish(struct pi_request *req)
{
	struct pi_org org;
	struct pi_error err;

	if (req->who.role == PI_ROLE_ADMIN)
		return 1;
	if (req->who.role != PI_ROLE_ANALYST && req->who.role != PI_ROLE_ORG_ADMIN)
		return 0;
	return pi_store_org_get(req->server->store, req->who.org_id, &org, &err) == PI_OK &&
	       strcmp(org.type, "isac-operator") == 0;
}

static const char *get_str(struct pi_request *req, const cJSON *body, const char *name, size_t max)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

	if (!cJSON_IsString(v) || !v->valuestring[0]) {
		pi_resp_error(req, 400, "Invalid input", "%s: required (a non-empty string)", name);
		return NULL;
	}
	if (strlen(v->valuestring) > max) {
		pi_resp_error(req, 400, "Invalid input", "%s: longer than %zu bytes", name, max);
		return NULL;
	}
	return v->valuestring;
}

static void post_advisory(struct pi_request *req, char **arg)
{
	static const char *const fields[] = {"kind", "title", "body", "tlp", NULL};
	const char *ct = pi_req_header(req, "Content-Type");
	struct pi_web_advisory a;
	cJSON *body = NULL;
	struct pi_error err;
	const char *kind, *title, *text, *tlp;
	enum pi_tlp level;
	int64_t id = 0;

	(void)arg;
	memset(&a, 0, sizeof(a));
	if (!may_publish(req)) {
		pi_resp_error(req, 403, "Forbidden",
		        "advisories are published by hub administrators and by analysts of the "
		        "ISAC operator");
		return;
	}
	if (!ct || strncasecmp(ct, API_JSON, strlen(API_JSON)) != 0) {
		pi_resp_error(req, 415, "Unsupported media type",
		        "send the body as JSON with 'Content-Type: application/json'");
		return;
	}
	if (req->body.len > PI_WEB_ADVISORY_BODY_MAX + 4096) {
		pi_resp_error(req, 413, "Request too large", "an advisory is at most %d bytes",
		        PI_WEB_ADVISORY_BODY_MAX);
		return;
	}
	if (pi_json_parse(req->body.data, req->body.len, 4, &body, &err) != PI_OK ||
	        !cJSON_IsObject(body)) {
		pi_resp_error(req, 400, "Bad JSON", "send a JSON object {kind, title, body, tlp}");
		goto out;
	}
	for (const cJSON *m = body->child; m; m = m->next) {
		int known = 0;
		for (size_t i = 0; fields[i]; i++)
			known |= strcmp(m->string, fields[i]) == 0;
		if (!known) {
			pi_resp_error(req, 400, "Unknown field",
			        "field '%.64s' is not accepted here; the accepted fields are: "
			        "kind, "
			        "title, body, tlp",
			        m->string);
			goto out;
		}
	}
	if (!(kind = get_str(req, body, "kind", 15)) ||
	        !(title = get_str(req, body, "title", PI_WEB_ADVISORY_TITLE_MAX)) ||
	        !(text = get_str(req, body, "body", PI_WEB_ADVISORY_BODY_MAX)) ||
	        !(tlp = get_str(req, body, "tlp", 32)))
		goto out;
	if (!kind_ok(kind)) {
		pi_resp_error(req, 400, "Invalid input",
		        "kind: '%s' is not one of advisory, best-practice", kind);
		goto out;
	}
	if (pi_tlp_parse(tlp, &level) != 0 || level == PI_TLP_UNMARKED) {
		pi_resp_error(req, 400, "Invalid input",
		        "tlp: '%s' is not one of clear, green, amber, amber+strict, red", tlp);
		goto out;
	}
	snprintf(a.kind, sizeof(a.kind), "%s", kind);
	a.title = (char *)title;
	a.body = (char *)text;
	a.tlp = (int)level;
	a.org_id = req->who.org_id;
	a.user_id = req->who.user_id;
	a.created_at = pi_time_now_us();
	if (pi_store_web_advisory_add(req->server->store, &a, &id, &err) != PI_OK) {
		store_failed(req, "publish the advisory", &err);
		goto out;
	}
	a.id = id;
	pi_log_info("event=advisory_published id=%lld user=%s tlp=%s", (long long)id,
	        req->who.username, pi_tlp_name(level));
	pi_buf_puts(&req->out, "{");
	put_common(req, &a);
	pi_buf_puts(&req->out, "}");
	pi_resp_json(req, 201, API_JSON);
out:
	cJSON_Delete(body);
}

/* ---- RSIT taxonomy for the case form ---- */

static void get_rsit(struct pi_request *req, char **arg)
{
	pi_cases *cs = pi_cases_current();
	const struct pi_cases_config *cfg;
	pi_taxonomy *tx = NULL;
	struct pi_error err;
	char path[1200];
	int n;

	(void)arg;
	if (!cs) {
		pi_resp_error(req, 503, "Unavailable",
		        "incident reporting is not running on this server");
		return;
	}
	cfg = pi_cases_config_of(cs);
	n = snprintf(path, sizeof(path), "%s/rsit.json", cfg->data_dir);
	if (n < 0 || (size_t)n >= sizeof(path) || pi_taxonomy_load(path, &tx, &err) != PI_OK) {
		pi_log_error("event=rsit_load_failed path=%s", path);
		pi_resp_error(
		        req, 500, "Internal error", "the incident taxonomy could not be read");
		return;
	}
	pi_buf_puts(&req->out, "{\"version\":");
	pi_buf_json_string(&req->out, pi_taxonomy_version(tx));
	pi_buf_puts(&req->out, ",\"classes\":[");
	for (size_t c = 0; c < pi_taxonomy_class_count(tx); c++) {
		pi_buf_puts(&req->out, c ? ",{\"value\":" : "{\"value\":");
		pi_buf_json_string(&req->out, pi_taxonomy_class_value(tx, c));
		pi_buf_puts(&req->out, ",\"title\":");
		pi_buf_json_string(&req->out, pi_taxonomy_class_title(tx, c));
		pi_buf_puts(&req->out, ",\"types\":[");
		for (size_t t = 0; t < pi_taxonomy_type_count(tx, c); t++) {
			pi_buf_puts(&req->out, t ? ",{\"value\":" : "{\"value\":");
			pi_buf_json_string(&req->out, pi_taxonomy_type_value(tx, c, t));
			pi_buf_puts(&req->out, ",\"title\":");
			pi_buf_json_string(&req->out, pi_taxonomy_type_title(tx, c, t));
			pi_buf_puts(&req->out, "}");
		}
		pi_buf_puts(&req->out, "]}");
	}
	pi_buf_puts(&req->out, "]}");
	pi_taxonomy_free(tx);
	pi_resp_json(req, 200, API_JSON);
}

const struct pi_api_route pi_api_web_routes[] = {
        {"GET", {"advisories"}, list_advisories, list_args},
        {"POST", {"advisories"}, post_advisory, no_args},
        {"GET", {"advisories", "*"}, get_advisory, no_args},
        {"GET", {"taxonomy", "rsit"}, get_rsit, no_args},
};
const size_t pi_api_web_nroutes = sizeof(pi_api_web_routes) / sizeof(pi_api_web_routes[0]);
