/* api_cases.c - the JSON API of incident and regulatory reporting (docs/api.md, "Cases";
 * docs/cases.md). Thin: each handler parses the request, calls the case service
 * (cases/case.h), which decides access through pi_access_allows, and maps its status to
 * HTTP:
 *   PI_ERR_INVALID 400, PI_ERR_DENIED 403, PI_ERR_NOTFOUND 404 (also "not yours to see"),
 *   PI_ERR_CONFLICT / PI_ERR_EXISTS 409, PI_ERR_TOOBIG 413, anything else 500 (logged).
 *
 *   GET  /api/v1/cases                       cases the caller may see
 *   POST /api/v1/cases                       report a case
 *   GET  /api/v1/cases/{id}?tz=ZONE          one case with deadlines, filings, attachments
 *   PATCH /api/v1/cases/{id}                 correct fields / trigger times
 *   POST /api/v1/cases/{id}/status           {"status": "open"|"contained"|"closed"}
 *   POST /api/v1/cases/{id}/filings          file a stage -> 201 with the signed receipt
 *   POST /api/v1/cases/{id}/limits           regulator: per-case time limit
 *   POST /api/v1/cases/{id}/requests         regulator: request a report (e.g. intermediate)
 *   POST /api/v1/cases/{id}/attachments?filename=NAME   raw body (PNG, JPEG, PDF, text)
 *   GET  /api/v1/cases/{id}/attachments/{aid}           the file, with safe headers
 *   POST /api/v1/cases/{id}/share            publish chosen indicators as STIX
 *   GET  /api/v1/deadlines?tz=ZONE           member: due soon, overdue
 *   GET  /api/v1/compliance                  regulator: per provider
 *   GET  /api/v1/receipts/key                the hub's receipt public key
 *   GET  /api/v1/regimes                     the loaded regimes, stages and required fields
 *   GET  /api/v1/providers/{org}/documents   PUT /api/v1/providers/{org}/documents/{doc}
 *   GET|PUT /api/v1/test/clock, POST /api/v1/test/reminders   only with serve --test-clock
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cases/case.h"
#include "cases/case_attach.h"
#include "cases/remind.h"
#include "core/json.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/http_int.h"

#define API_JSON "application/json"
#define BODY_DEPTH 32

static pi_cases *service(struct pi_request *req)
{
	pi_cases *cs = pi_cases_current();

	if (!cs)
		pi_resp_error(req, 503, "Unavailable",
		        "incident reporting is not running on this server (regimes not loaded)");
	return cs;
}

static void fail(struct pi_request *req, const struct pi_error *err)
{
	switch (err->status) {
	case PI_ERR_INVALID: pi_resp_error(req, 400, "Invalid input", "%s", err->message); return;
	case PI_ERR_DENIED: pi_resp_error(req, 403, "Forbidden", "%s", err->message); return;
	case PI_ERR_NOTFOUND: pi_resp_error(req, 404, "Not found", "%s", err->message); return;
	case PI_ERR_EXISTS:
	case PI_ERR_CONFLICT: pi_resp_error(req, 409, "Conflict", "%s", err->message); return;
	case PI_ERR_TOOBIG: pi_resp_error(req, 413, "Too large", "%s", err->message); return;
	default:
		pi_log_error("event=api_cases_failed user=%s status=%s error=\"%s\"",
		        req->who.username, pi_status_name(err->status), err->message);
		pi_resp_error(req, 500, "Internal error",
		        "a server-side failure stopped the request; try again, and tell the hub "
		        "operator if it persists");
	}
}

/* Sends a JSON tree (and frees it). */
static void send_tree(struct pi_request *req, unsigned status, cJSON *tree)
{
	char *text = tree ? cJSON_PrintUnformatted(tree) : NULL;

	cJSON_Delete(tree);
	if (!text || pi_buf_puts(&req->out, text) != PI_OK) {
		free(text);
		pi_resp_error(req, 500, "Internal error", "the response could not be built");
		return;
	}
	free(text);
	pi_resp_json(req, status, API_JSON);
}

static void answer(struct pi_request *req, unsigned status, pi_status ret, cJSON *tree,
        const struct pi_error *err)
{
	if (ret != PI_OK) {
		cJSON_Delete(tree);
		fail(req, err);
		return;
	}
	send_tree(req, status, tree);
}

static int json_content_type(const char *ct)
{
	size_t n = strlen(API_JSON);

	return ct && strncasecmp(ct, API_JSON, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* The body as a JSON object, or NULL with the response set. */
static cJSON *body_object(struct pi_request *req)
{
	struct pi_error err;
	cJSON *root = NULL;

	if (req->body.len == 0) {
		pi_resp_error(req, 400, "Missing body",
		        "send a JSON object (Content-Type: application/json)");
		return NULL;
	}
	if (!json_content_type(pi_req_header(req, "Content-Type"))) {
		pi_resp_error(req, 415, "Unsupported media type",
		        "send the body as JSON with 'Content-Type: application/json'");
		return NULL;
	}
	if (req->body.len > PI_CASE_MAX_BODY) {
		pi_resp_error(req, 413, "Too large", "the body is larger than %d bytes",
		        PI_CASE_MAX_BODY);
		return NULL;
	}
	if (pi_json_parse(req->body.data, req->body.len, BODY_DEPTH, &root, &err) != PI_OK) {
		pi_resp_error(req, 400, "Bad JSON", "the body is not valid JSON: %s", err.message);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		pi_resp_error(req, 400, "Bad JSON", "the body must be a JSON object");
		return NULL;
	}
	return root;
}

/* Case ids: "12" or "case-12". */
static int parse_id(struct pi_request *req, const char *text, const char *what, int64_t *id)
{
	char *end = NULL;
	long long n;

	if (strncmp(text, "case-", 5) == 0)
		text += 5;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno || end == text || *end || n < 1) {
		pi_resp_error(req, 404, "Not found", "no such %s", what);
		return -1;
	}
	*id = n;
	return 0;
}

static const char *tz_arg(struct pi_request *req)
{
	return pi_req_arg(req, "tz");
}

static void list_cases(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *out = NULL;

	if (cs) {
		pi_status r_ = pi_case_list(cs, &req->who, &out, &err);
		answer(req, 200, r_, out, &err);
	}
}

static void create_case(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *body, *out = NULL;
	pi_status ret;
	char loc[64];

	if (!cs || !(body = body_object(req)))
		return;
	ret = pi_case_create(cs, &req->who, body, tz_arg(req), &out, &err);
	cJSON_Delete(body);
	if (ret == PI_OK) {
		snprintf(loc, sizeof(loc), "/api/v1/cases/%d",
		        (int)cJSON_GetObjectItem(out, "id")->valuedouble);
		pi_resp_header(req, "Location", loc);
	}
	answer(req, 201, ret, out, &err);
}

static void get_case(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *out = NULL;
	int64_t id;

	if (cs && parse_id(req, arg[0], "case", &id) == 0) {
		pi_status r_ = pi_case_view(cs, &req->who, id, tz_arg(req), &out, &err);
		answer(req, 200, r_, out, &err);
	}
}

typedef pi_status (*body_op)(pi_cases *, const struct pi_principal *, int64_t, const cJSON *,
        const char *, cJSON **, struct pi_error *);

static void case_body_op(struct pi_request *req, char **arg, body_op op, unsigned status)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *body, *out = NULL;
	int64_t id;
	pi_status ret;

	if (!cs || parse_id(req, arg[0], "case", &id) != 0 || !(body = body_object(req)))
		return;
	ret = op(cs, &req->who, id, body, tz_arg(req), &out, &err);
	cJSON_Delete(body);
	answer(req, status, ret, out, &err);
}

static void patch_case(struct pi_request *req, char **arg)
{
	case_body_op(req, arg, pi_case_patch, 200);
}

static void set_limit(struct pi_request *req, char **arg)
{
	case_body_op(req, arg, pi_case_set_limit, 200);
}

static void add_request(struct pi_request *req, char **arg)
{
	case_body_op(req, arg, pi_case_request, 201);
}

static void move_case(struct pi_request *req, char **arg)
{
	static const char *const allowed[] = {"status", NULL};
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *body, *out = NULL;
	int64_t id;
	pi_status ret;

	if (!cs || parse_id(req, arg[0], "case", &id) != 0 || !(body = body_object(req)))
		return;
	for (const cJSON *m = body->child; m; m = m->next)
		if (!m->string || strcmp(m->string, allowed[0]) != 0) {
			pi_resp_error(req, 400, "Unknown field",
			        "field '%.64s' is not accepted here; send {\"status\": ...}",
			        m->string);
			cJSON_Delete(body);
			return;
		}
	ret = pi_case_move(
	        cs, &req->who, id, pi_json_get_string(body, "status"), tz_arg(req), &out, &err);
	cJSON_Delete(body);
	answer(req, 200, ret, out, &err);
}

static void file_stage(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *body;
	char *receipt = NULL;
	int64_t id;
	pi_status ret;

	if (!cs || parse_id(req, arg[0], "case", &id) != 0 || !(body = body_object(req)))
		return;
	ret = pi_case_file(cs, &req->who, id, body, &receipt, &err);
	cJSON_Delete(body);
	if (ret != PI_OK) {
		fail(req, &err);
		return;
	}
	if (pi_buf_puts(&req->out, receipt) != PI_OK) {
		free(receipt);
		pi_resp_error(req, 500, "Internal error", "the response could not be built");
		return;
	}
	free(receipt);
	pi_resp_json(req, 201, API_JSON);
}

static void add_attachment(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *out = NULL;
	int64_t id;

	if (!cs || parse_id(req, arg[0], "case", &id) != 0)
		return;
	if (req->body_too_big) {
		pi_resp_error(
		        req, 413, "Too large", "the attachment is larger than the server accepts");
		return;
	}
	{
		pi_status r_ = pi_case_attach(cs, &req->who, id, pi_req_arg(req, "filename"),
		        pi_req_header(req, "Content-Type"), req->body.data, req->body.len, &out,
		        &err);
		answer(req, 201, r_, out, &err);
	}
}

static const char *known_type(const char *t)
{
	static const char *const types[] = {
	        "image/png", "image/jpeg", "application/pdf", "text/plain", NULL};

	for (size_t i = 0; types[i]; i++)
		if (t && strcmp(t, types[i]) == 0)
			return types[i];
	return "application/octet-stream";
}

static void get_attachment(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *meta = NULL;
	void *data = NULL;
	size_t len = 0;
	int64_t id, aid;
	const char *type;
	char disp[400];

	if (!cs || parse_id(req, arg[0], "case", &id) != 0 ||
	        parse_id(req, arg[1], "attachment", &aid) != 0)
		return;
	if (pi_case_attachment(cs, &req->who, id, aid, &meta, &data, &len, &err) != PI_OK) {
		fail(req, &err);
		return;
	}
	type = known_type(pi_json_get_string(meta, "media_type"));
	/* the stored name has no quotes, slashes or control characters (case_attach.h) */
	snprintf(disp, sizeof(disp), "%s; filename=\"%s\"",
	        pi_attach_is_image(type) ? "inline" : "attachment",
	        pi_json_get_string(meta, "filename"));
	pi_resp_header(req, "Content-Disposition", disp);
	pi_resp_header(req, "Content-Security-Policy", "default-src 'none'; sandbox");
	if (pi_buf_append(&req->out, data, len) != PI_OK) {
		pi_resp_error(req, 500, "Internal error", "the attachment could not be sent");
	} else {
		pi_resp_json(req, 200, type);
		if (strcmp(type, "text/plain") == 0)
			req->content_type = "text/plain; charset=utf-8";
	}
	cJSON_Delete(meta);
	free(data);
}

static void share_case(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *body, *out = NULL;
	int64_t id;
	pi_status ret;

	if (!cs || parse_id(req, arg[0], "case", &id) != 0 || !(body = body_object(req)))
		return;
	ret = pi_case_share(cs, &req->who, id, body, &out, &err);
	cJSON_Delete(body);
	answer(req, 201, ret, out, &err);
}

static void get_deadlines(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *out = NULL;

	if (cs) {
		pi_status r_ = pi_cases_deadlines(cs, &req->who, tz_arg(req), &out, &err);
		answer(req, 200, r_, out, &err);
	}
}

static void get_compliance(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *out = NULL;

	if (cs) {
		pi_status r_ = pi_cases_compliance(cs, &req->who, &out, &err);
		answer(req, 200, r_, out, &err);
	}
}

static void get_receipt_key(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);

	if (cs)
		send_tree(req, 200, pi_cases_key_json(cs));
}

static void get_regimes(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	const pi_regimes *set;
	cJSON *o, *arr;

	if (!cs)
		return;
	set = pi_cases_regimes(cs);
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "regimes");
	for (size_t i = 0; i < pi_regimes_count(set); i++) {
		const struct pi_regime *rg = pi_regimes_get(set, i);
		cJSON *r = cJSON_CreateObject(), *stages, *docs, *applies;
		cJSON_AddStringToObject(r, "id", rg->id);
		cJSON_AddStringToObject(r, "title", rg->title);
		cJSON_AddStringToObject(r, "citation", rg->citation);
		cJSON_AddStringToObject(r, "status", pi_regime_status_name(rg->status));
		cJSON_AddBoolToObject(r, "mandatory", rg->mandatory);
		cJSON_AddStringToObject(r, "recipient", rg->recipient);
		applies = cJSON_AddArrayToObject(r, "applies_to");
		for (size_t k = 0; k < rg->applies_count; k++)
			cJSON_AddItemToArray(applies, cJSON_CreateString(rg->applies_to[k]));
		docs = cJSON_AddArrayToObject(r, "standing_documents");
		for (size_t k = 0; k < rg->document_count; k++)
			cJSON_AddItemToArray(docs, cJSON_CreateString(rg->documents[k].id));
		stages = cJSON_AddArrayToObject(r, "stages");
		for (size_t k = 0; k < rg->stage_count; k++) {
			const struct pi_regime_stage *st = &rg->stages[k];
			cJSON *s = cJSON_CreateObject(), *fields;
			cJSON_AddStringToObject(s, "id", st->id);
			cJSON_AddStringToObject(s, "title", st->title);
			cJSON_AddStringToObject(
			        s, "trigger", pi_trigger_event_name(st->trigger.event));
			cJSON_AddStringToObject(
			        s, "limit_unit", pi_limit_unit_name(st->time_limit.unit));
			if (st->time_limit.unit != PI_LIMIT_PER_CASE)
				cJSON_AddNumberToObject(s, "limit_value", st->time_limit.value);
			fields = cJSON_AddArrayToObject(s, "required_fields");
			for (size_t f = 0; f < st->required_count; f++)
				cJSON_AddItemToArray(
				        fields, cJSON_CreateString(st->required_fields[f].name));
			cJSON_AddItemToArray(stages, s);
		}
		cJSON_AddItemToArray(arr, r);
	}
	send_tree(req, 200, o);
}

static void get_provider_docs(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *out = NULL;

	if (cs) {
		pi_status r_ = pi_provider_docs(cs, &req->who, arg[0], &out, &err);
		answer(req, 200, r_, out, &err);
	}
}

static void put_provider_doc(struct pi_request *req, char **arg)
{
	pi_cases *cs = service(req);
	struct pi_error err;
	cJSON *body, *out = NULL;
	pi_status ret;

	if (!cs || !(body = body_object(req)))
		return;
	ret = pi_provider_doc_put(cs, &req->who, arg[0], arg[1], body, &out, &err);
	cJSON_Delete(body);
	answer(req, 201, ret, out, &err);
}

/* ---- test mode ---- */

static pi_cases *test_service(struct pi_request *req)
{
	pi_cases *cs = pi_cases_current();

	if (!cs || !pi_cases_test_clock(cs)) {
		pi_resp_error(req, 404, "Not found",
		        "no such API resource (the test endpoints exist only under serve "
		        "--test-clock)");
		return NULL;
	}
	if (req->who.role != PI_ROLE_ADMIN) {
		pi_resp_error(req, 403, "Forbidden", "the test clock is for hub administrators");
		return NULL;
	}
	return cs;
}

static void send_clock(struct pi_request *req, pi_cases *cs)
{
	cJSON *o = cJSON_CreateObject();
	char text[PI_TIME_TEXT_LEN];

	pi_time_format_us(pi_cases_now(cs), text);
	cJSON_AddStringToObject(o, "now", text);
	cJSON_AddBoolToObject(o, "test_clock", 1);
	send_tree(req, 200, o);
}

static void get_clock(struct pi_request *req, char **arg)
{
	pi_cases *cs = test_service(req);

	if (cs)
		send_clock(req, cs);
}

static void put_clock(struct pi_request *req, char **arg)
{
	pi_cases *cs = test_service(req);
	struct pi_error err;
	cJSON *body;
	const char *now;
	int64_t us = 0;

	if (!cs || !(body = body_object(req)))
		return;
	now = pi_json_get_string(body, "now");
	if (!now || cJSON_GetArraySize(body) != 1 || pi_time_parse_us(now, &us, &err) != PI_OK) {
		cJSON_Delete(body);
		pi_resp_error(req, 400, "Invalid input",
		        "send {\"now\": \"2027-01-31T09:30:00Z\"} (a UTC time)");
		return;
	}
	cJSON_Delete(body);
	if (us == 0)
		us = 1; /* 0 means "not set" */
	if (pi_cases_set_now(cs, us, &err) != PI_OK) {
		fail(req, &err);
		return;
	}
	send_clock(req, cs);
}

static void run_reminders(struct pi_request *req, char **arg)
{
	pi_cases *cs = test_service(req);
	struct pi_error err;
	cJSON *o;
	int sent = 0;

	if (!cs)
		return;
	if (pi_reminders_run(cs, &sent, &err) != PI_OK) {
		fail(req, &err);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "sent", sent);
	send_tree(req, 200, o);
}

static const char *const no_args[] = {NULL};
static const char *const tz_args[] = {"tz", NULL};
static const char *const attach_args[] = {"filename", NULL};

const struct pi_api_route pi_api_cases_routes[] = {
        {"GET", {"cases"}, list_cases, no_args},
        {"POST", {"cases"}, create_case, tz_args},
        {"GET", {"cases", "*"}, get_case, tz_args},
        {"PATCH", {"cases", "*"}, patch_case, tz_args},
        {"POST", {"cases", "*", "status"}, move_case, tz_args},
        {"POST", {"cases", "*", "filings"}, file_stage, no_args},
        {"POST", {"cases", "*", "limits"}, set_limit, tz_args},
        {"POST", {"cases", "*", "requests"}, add_request, tz_args},
        {"POST", {"cases", "*", "attachments"}, add_attachment, attach_args},
        {"GET", {"cases", "*", "attachments", "*"}, get_attachment, no_args},
        {"POST", {"cases", "*", "share"}, share_case, no_args},
        {"GET", {"deadlines"}, get_deadlines, tz_args},
        {"GET", {"compliance"}, get_compliance, no_args},
        {"GET", {"receipts", "key"}, get_receipt_key, no_args},
        {"GET", {"regimes"}, get_regimes, no_args},
        {"GET", {"providers", "*", "documents"}, get_provider_docs, no_args},
        {"PUT", {"providers", "*", "documents", "*"}, put_provider_doc, no_args},
        {"GET", {"test", "clock"}, get_clock, no_args},
        {"PUT", {"test", "clock"}, put_clock, no_args},
        {"POST", {"test", "reminders"}, run_reminders, no_args},
};
const size_t pi_api_cases_nroutes = sizeof(pi_api_cases_routes) / sizeof(pi_api_cases_routes[0]);
