/* api_intel.c - look-up, object correlation and sightings under /api/v1/ (docs/api.md,
 * section "Indicators: look-up, correlation, sightings").
 *
 *   GET  /api/v1/lookup?value=V[&kind=K]     one value
 *   POST /api/v1/lookup  {"values":[...], "kind"?}   up to PI_LOOKUP_BATCH_MAX values
 *   GET  /api/v1/objects/{stix-id}           the newest version the caller may see, its
 *                                            sightings and its related objects
 *   POST /api/v1/sightings {"indicator" | "value", "kind"?, "count"?, "first_seen"?,
 *                          "last_seen"?, "false_positive"?, "collection"?, "tlp"?}
 *
 * Every answer is built by intel/lookup.c from rows and access classes that passed
 * pi_access_allows for the caller; these handlers only parse, refuse and print. A sighting
 * is a real STIX sighting object added through pi_ingest_objects, so TAXII readers see it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "http/http_int.h"
#include "intel/ingest.h"
#include "intel/lookup.h"
#include "intel/warninglist.h"
#include "store/store_intel.h"

#define API_JSON "application/json"
#define BODY_DEPTH 4
#define SIGHTING_TARGETS_MAX 100
#define SIGHTING_COUNT_MAX 999999999

static void opts_init(struct pi_lookup_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->now_us = pi_time_now_us();
	o->list_max = PI_LOOKUP_LIST_DEFAULT;
	o->wl = pi_warninglists_current();
}

static void send_tree(struct pi_request *req, unsigned status, cJSON *tree)
{
	if (!tree || pi_json_write(&req->out, tree) != PI_OK ||
	        pi_buf_putc(&req->out, '\n') != PI_OK) {
		pi_resp_error(req, 500, "Internal error", "the response could not be built");
		return;
	}
	pi_resp_json(req, status, API_JSON);
}

static void failed(struct pi_request *req, const char *what, const struct pi_error *err)
{
	switch (err->status) {
	case PI_ERR_INVALID: pi_resp_error(req, 400, "Invalid value", "%s", err->message); return;
	case PI_ERR_NOTFOUND: pi_resp_error(req, 404, "Not found", "%s", err->message); return;
	case PI_ERR_TOOBIG: pi_resp_error(req, 413, "Too large", "%s", err->message); return;
	default:
		pi_log_error("event=api_intel_failed what=\"%s\" user=%s error=\"%s\"", what,
		        req->who.username, err->message);
		pi_resp_error(req, 500, "Internal error",
		        "could not %s because of a server-side failure; try again", what);
	}
}

/* Parses kind (may be NULL: detect). Returns -1 with the response set when unknown. */
static int parse_kind(struct pi_request *req, const char *name, enum pi_observable_kind *kind)
{
	*kind = PI_OBSERVABLE_NONE;
	if (!name)
		return 0;
	*kind = pi_observable_kind_from_name(name);
	if (*kind == PI_OBSERVABLE_NONE) {
		pi_resp_error(req, 400, "Invalid kind",
		        "kind '%.40s' is not one of ipv4, ipv6, ipv4-cidr, ipv6-cidr, domain, url, "
		        "email, md5, sha1, sha256, sha512, phone, sms-sender",
		        name);
		return -1;
	}
	return 0;
}

static int is_json(const char *ct)
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
		pi_resp_error(req, 400, "Missing body", "send a JSON object (application/json)");
		return NULL;
	}
	if (!is_json(pi_req_header(req, "Content-Type"))) {
		pi_resp_error(req, 415, "Unsupported media type",
		        "send the body as JSON with 'Content-Type: application/json'");
		return NULL;
	}
	if (pi_json_parse(req->body.data, req->body.len, BODY_DEPTH, &root, &err) != PI_OK) {
		pi_resp_error(req, 400, "Bad JSON", "the body is not valid JSON: %s", err.message);
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		pi_resp_error(req, 400, "Bad JSON", "the body must be a JSON object");
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* Refuses members not in the NULL-terminated list. Returns -1 with the response set. */
static int only_fields(
        struct pi_request *req, const cJSON *root, const char *const *names, const char *listed)
{
	for (const cJSON *m = root->child; m; m = m->next) {
		size_t i = 0;
		while (names[i] && strcmp(names[i], m->string) != 0)
			i++;
		if (!names[i]) {
			pi_resp_error(req, 400, "Unknown field",
			        "field '%.64s' is not accepted here; the accepted fields are: %s",
			        m->string, listed);
			return -1;
		}
	}
	return 0;
}

/* ---- look-up ---- */

static void lookup_get(struct pi_request *req, char **arg)
{
	const char *value = pi_req_arg(req, "value");
	struct pi_lookup_opts opts;
	enum pi_observable_kind kind;
	struct pi_error err;
	pi_status st;

	(void)arg;
	if (!value || !*value) {
		pi_resp_error(req, 400, "Missing value",
		        "give the value to look up as ?value=... (and &kind=... to say what it "
		        "is)");
		return;
	}
	if (parse_kind(req, pi_req_arg(req, "kind"), &kind) != 0)
		return;
	opts_init(&opts);
	/* one snapshot for the several queries of a look-up */
	if (pi_store_read_begin(req->server->store, &err) != PI_OK) {
		failed(req, "look the value up", &err);
		return;
	}
	/* the answer is written straight into the response: no tree */
	st = pi_lookup_value_write(
	        req->server->store, &req->who, value, kind, &opts, &req->out, &err);
	pi_store_read_end(req->server->store);
	if (st == PI_OK)
		st = pi_buf_putc(&req->out, '\n');
	if (st == PI_ERR_TOOBIG || st == PI_ERR_NOMEM) {
		pi_buf_reset(&req->out);
		pi_resp_error(req, 500, "Internal error", "the response could not be built");
		return;
	}
	if (st != PI_OK) {
		pi_buf_reset(&req->out);
		failed(req, "look the value up", &err);
		return;
	}
	pi_resp_json(req, 200, API_JSON);
}

static void lookup_post(struct pi_request *req, char **arg)
{
	static const char *const fields[] = {"values", "kind", NULL};
	struct pi_lookup_opts opts;
	enum pi_observable_kind kind;
	cJSON *root = NULL;
	const cJSON *values, *v;
	size_t i = 0;
	pi_status st;

	(void)arg;
	root = body_object(req);
	if (!root)
		return;
	if (only_fields(req, root, fields, "values, kind") != 0)
		goto out;
	values = cJSON_GetObjectItemCaseSensitive(root, "values");
	if (!cJSON_IsArray(values)) {
		pi_resp_error(req, 400, "Missing values",
		        "send {\"values\": [\"...\", ...]} with 1 to %d values",
		        PI_LOOKUP_BATCH_MAX);
		goto out;
	}
	if (cJSON_GetArraySize(values) > PI_LOOKUP_BATCH_MAX) {
		pi_resp_error(req, 413, "Too many values",
		        "%d values sent; at most %d per request: split the batch",
		        cJSON_GetArraySize(values), PI_LOOKUP_BATCH_MAX);
		goto out;
	}
	if (cJSON_GetArraySize(values) == 0) {
		pi_resp_error(req, 400, "Missing values", "'values' is empty: send 1 to %d values",
		        PI_LOOKUP_BATCH_MAX);
		goto out;
	}
	{
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "kind");
		if (k && !cJSON_IsString(k)) {
			pi_resp_error(req, 400, "Wrong type", "field 'kind' must be a string");
			goto out;
		}
		if (parse_kind(req, k ? k->valuestring : NULL, &kind) != 0)
			goto out;
	}
	cJSON_ArrayForEach(v, values)
	{
		if (!cJSON_IsString(v)) {
			pi_resp_error(req, 400, "Wrong type", "values[%zu] is not a string", i);
			goto out;
		}
		i++;
	}
	opts_init(&opts);
	{
		struct pi_error err;
		/* one snapshot for the whole batch */
		if (pi_store_read_begin(req->server->store, &err) != PI_OK) {
			failed(req, "look the values up", &err);
			goto out;
		}
	}
	/* each answer is written straight into the response: no tree */
	st = pi_buf_puts(&req->out, "{\"results\":[");
	i = 0;
	cJSON_ArrayForEach(v, values)
	{
		struct pi_error err;
		if (st == PI_OK && i++ > 0)
			st = pi_buf_putc(&req->out, ',');
		if (st == PI_OK)
			st = pi_lookup_value_write(req->server->store, &req->who, v->valuestring,
			        kind, &opts, &req->out, &err);
		if (st == PI_ERR_INVALID) {
			st = pi_buf_puts(&req->out, "{\"value\":");
			if (st == PI_OK)
				st = pi_buf_json_string(&req->out, v->valuestring);
			if (st == PI_OK)
				st = pi_buf_puts(&req->out, ",\"error\":");
			if (st == PI_OK)
				st = pi_buf_json_string(&req->out, err.message);
			if (st == PI_OK)
				st = pi_buf_putc(&req->out, '}');
		} else if (st != PI_OK && st != PI_ERR_TOOBIG && st != PI_ERR_NOMEM) {
			pi_store_read_end(req->server->store);
			pi_buf_reset(&req->out);
			failed(req, "look the values up", &err);
			goto out;
		}
		if (st != PI_OK)
			break;
	}
	pi_store_read_end(req->server->store);
	if (st == PI_OK)
		st = pi_buf_puts(&req->out, "]}\n");
	if (st != PI_OK) {
		pi_buf_reset(&req->out);
		pi_resp_error(req, 500, "Internal error", "the response could not be built");
		goto out;
	}
	pi_resp_json(req, 200, API_JSON);
out:
	cJSON_Delete(root);
}

/* ---- one object with its correlations ---- */

static void object_get(struct pi_request *req, char **arg)
{
	struct pi_lookup_opts opts;
	struct pi_error err;
	cJSON *answer = NULL;

	if (!strstr(arg[0], "--") || strlen(arg[0]) > 300) {
		pi_resp_error(
		        req, 400, "Invalid id", "'%.100s' is not a STIX id (type--uuid)", arg[0]);
		return;
	}
	opts_init(&opts);
	if (pi_intel_object_view(req->server->store, &req->who, arg[0], &opts, &answer, &err) !=
	        PI_OK) {
		failed(req, "read the object", &err);
		return;
	}
	send_tree(req, 200, answer);
	cJSON_Delete(answer);
}

/* ---- sightings ---- */

struct targets {
	char *ids[SIGHTING_TARGETS_MAX];
	size_t n;
	const struct pi_principal *who;
	int type_checked; /* only indicators */
	int wrong_type;
};

static int on_target_row(void *arg, const struct pi_object_row *row, const char *coll)
{
	struct targets *t = arg;

	(void)coll;
	if (!pi_access_allows(t->who, &row->acl, PI_PURPOSE_VIEW))
		return 0;
	if (strcmp(row->type, "indicator") != 0) {
		t->wrong_type = 1;
		return 1;
	}
	t->n = 1;
	return 1;
}

static int on_target_ref(void *arg, const struct pi_intel_ref *r)
{
	struct targets *t = arg;

	if (!pi_access_allows(t->who, &r->acl, PI_PURPOSE_VIEW) ||
	        strcmp(r->type, "indicator") != 0)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->ids[i], r->stix_id) == 0)
			return 0;
	t->ids[t->n] = strdup(r->stix_id);
	if (t->ids[t->n])
		t->n++;
	return t->n >= SIGHTING_TARGETS_MAX;
}

static int time_arg(struct pi_request *req, const cJSON *root, const char *name, int64_t *us)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
	struct pi_error err;

	*us = 0;
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || pi_time_parse_us(v->valuestring, us, &err) != PI_OK) {
		pi_resp_error(req, 400, "Invalid time",
		        "'%s' must be an RFC 3339 UTC time such as 2024-05-01T12:00:00Z", name);
		return -1;
	}
	return 0;
}

/* Resolves "indicator" or "value" into the indicator ids the sighting is of. */
static int find_targets(struct pi_request *req, const cJSON *root, struct targets *t)
{
	const char *indicator = pi_json_get_string(root, "indicator");
	const char *value = pi_json_get_string(root, "value");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(root, "kind");
	char norm[PI_OBSERVABLE_MAX_OUTPUT];
	enum pi_observable_kind kind;
	struct pi_error err;
	int64_t obs_id = 0;

	if (!indicator == !value) {
		pi_resp_error(req, 400, "Missing target",
		        "give exactly one of 'indicator' (an indicator id) or 'value' (an "
		        "observable "
		        "value; every indicator you can see that pins it is sighted)");
		return -1;
	}
	if (indicator) {
		if (strlen(indicator) > 300 || strncmp(indicator, "indicator--", 11) != 0) {
			pi_resp_error(req, 400, "Invalid indicator",
			        "'indicator' must be an indicator id (indicator--UUID)");
			return -1;
		}
		if (pi_store_intel_object_rows(req->server->store, indicator, 10000, on_target_row,
		            t, &err) != PI_OK) {
			failed(req, "find the indicator", &err);
			return -1;
		}
		if (t->n == 0 || t->wrong_type) {
			t->n = 0;
			pi_resp_error(req, 404, "Not found", "no indicator %.100s that you may see",
			        indicator);
			return -1;
		}
		t->ids[0] = strdup(indicator);
		if (!t->ids[0]) {
			t->n = 0;
			pi_resp_error(req, 500, "Internal error", "out of memory");
			return -1;
		}
		return 0;
	}
	if (k && !cJSON_IsString(k)) {
		pi_resp_error(req, 400, "Wrong type", "field 'kind' must be a string");
		return -1;
	}
	if (parse_kind(req, k ? k->valuestring : NULL, &kind) != 0)
		return -1;
	if (kind == PI_OBSERVABLE_NONE)
		kind = pi_lookup_detect(value, strlen(value));
	if (kind == PI_OBSERVABLE_IPV4)
		kind = PI_OBSERVABLE_IPV4_CIDR;
	if (kind == PI_OBSERVABLE_IPV6)
		kind = PI_OBSERVABLE_IPV6_CIDR;
	if (kind == PI_OBSERVABLE_NONE || pi_observable_normalize(kind, value, strlen(value), NULL,
	                                          norm, sizeof(norm), NULL, &err) != PI_OK) {
		pi_resp_error(req, 400, "Invalid value", "'%.100s' is not a valid %s%s%s", value,
		        kind == PI_OBSERVABLE_NONE ? "observable value"
		                                   : pi_observable_kind_name(kind),
		        kind == PI_OBSERVABLE_NONE ? "; give 'kind'" : ": ",
		        kind == PI_OBSERVABLE_NONE ? "" : err.message);
		return -1;
	}
	if (pi_store_intel_obs_find(req->server->store, pi_intel_index_kind(kind, norm), norm,
	            &obs_id, NULL) == PI_OK &&
	        pi_store_intel_refs(req->server->store, obs_id, PI_LOOKUP_SCAN_MAX, on_target_ref,
	                t, NULL, &err) != PI_OK) {
		failed(req, "find the indicators", &err);
		return -1;
	}
	if (t->n == 0) {
		pi_resp_error(req, 404, "Not found",
		        "no indicator that you may see pins %s '%.100s'; share an indicator first, "
		        "or give its id",
		        pi_observable_kind_name(kind), norm);
		return -1;
	}
	return 0;
}

static void sighting_post(struct pi_request *req, char **arg)
{
	static const char *const fields[] = {"indicator", "value", "kind", "count", "first_seen",
	        "last_seen", "false_positive", "collection", "tlp", NULL};
	static const char listed[] = "indicator, value, kind, count, first_seen, last_seen, "
	                             "false_positive, collection, tlp";
	pi_store *store = req->server->store;
	struct targets t;
	struct pi_collection coll;
	struct pi_org org;
	struct pi_ingest_result res;
	struct pi_error err;
	enum pi_tlp tlp = PI_TLP_GREEN;
	int64_t first = 0, last = 0, count = 1;
	char now_text[PI_TIME_TEXT_LEN];
	cJSON *root = NULL, *objects = NULL, *out = NULL, *ids;
	const cJSON *v;
	int fp = 0;

	(void)arg;
	memset(&t, 0, sizeof(t));
	memset(&res, 0, sizeof(res));
	t.who = &req->who;
	root = body_object(req);
	if (!root || only_fields(req, root, fields, listed) != 0)
		goto out;
	for (const cJSON *m = root->child; m; m = m->next) {
		int want_string = strcmp(m->string, "count") && strcmp(m->string, "false_positive");
		if (want_string && (!cJSON_IsString(m) || strlen(m->valuestring) > 8192)) {
			pi_resp_error(req, 400, "Wrong type",
			        "field '%s' must be a string of at most 8192 bytes", m->string);
			goto out;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "count");
	if (v) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
		        v->valuedouble > SIGHTING_COUNT_MAX ||
		        v->valuedouble != (double)(int64_t)v->valuedouble) {
			pi_resp_error(req, 400, "Invalid count",
			        "'count' must be a whole number from 0 to %d", SIGHTING_COUNT_MAX);
			goto out;
		}
		count = (int64_t)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "false_positive");
	if (v) {
		if (!cJSON_IsBool(v)) {
			pi_resp_error(
			        req, 400, "Wrong type", "'false_positive' must be true or false");
			goto out;
		}
		fp = cJSON_IsTrue(v);
	}
	if (time_arg(req, root, "first_seen", &first) || time_arg(req, root, "last_seen", &last))
		goto out;
	if (first && last && last < first) {
		pi_resp_error(req, 400, "Invalid time", "'last_seen' is earlier than 'first_seen'");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "tlp");
	if (v && (pi_tlp_parse(v->valuestring, &tlp) != 0 || tlp == PI_TLP_UNMARKED)) {
		pi_resp_error(req, 400, "Invalid TLP",
		        "'tlp' must be clear, green, amber, amber+strict or red");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "collection");
	if (v) {
		if (pi_store_collection_find(store, v->valuestring, &coll, &err) != PI_OK ||
		        !pi_access_can_read_scope(&req->who, coll.kind, coll.scope_id)) {
			pi_resp_error(req, 404, "Not found",
			        "no collection %.64s that you may read", v->valuestring);
			goto out;
		}
	} else if (pi_store_collection_for_scope(
	                   store, PI_SCOPE_ORG, req->who.org_id, &coll, &err) != PI_OK) {
		failed(req, "find your organisation's collection", &err);
		goto out;
	}
	if (!pi_access_can_write_scope(&req->who, coll.kind, coll.scope_id)) {
		pi_resp_error(req, 403, "Forbidden",
		        "your role (%s) may not add objects to collection %s; analysts, "
		        "organisation administrators and administrators may",
		        pi_role_name(req->who.role), coll.uuid);
		goto out;
	}
	if (pi_store_org_get(store, req->who.org_id, &org, &err) != PI_OK) {
		failed(req, "read your organisation", &err);
		goto out;
	}
	if (find_targets(req, root, &t) != 0)
		goto out;
	objects = cJSON_CreateArray();
	out = cJSON_CreateObject();
	ids = out ? cJSON_AddArrayToObject(out, "sightings") : NULL;
	if (!objects || !ids) {
		pi_resp_error(req, 500, "Internal error", "out of memory");
		goto out;
	}
	pi_time_format_us(pi_time_now_us(), now_text);
	for (size_t i = 0; i < t.n; i++) {
		char uuid[37], id[64], text[PI_TIME_TEXT_LEN];
		cJSON *s = cJSON_CreateObject();
		cJSON *refs;
		if (!s || !cJSON_AddItemToArray(objects, s)) {
			cJSON_Delete(s);
			pi_resp_error(req, 500, "Internal error", "out of memory");
			goto out;
		}
		pi_uuid4(uuid);
		snprintf(id, sizeof(id), "sighting--%s", uuid);
		cJSON_AddStringToObject(s, "type", "sighting");
		cJSON_AddStringToObject(s, "spec_version", "2.1");
		cJSON_AddStringToObject(s, "id", id);
		cJSON_AddStringToObject(s, "created", now_text);
		cJSON_AddStringToObject(s, "modified", now_text);
		cJSON_AddStringToObject(s, "created_by_ref", org.identity_id);
		cJSON_AddStringToObject(s, "sighting_of_ref", t.ids[i]);
		cJSON_AddNumberToObject(s, "count", (double)count);
		if (first) {
			pi_time_format_us(first, text);
			cJSON_AddStringToObject(s, "first_seen", text);
		}
		if (last) {
			pi_time_format_us(last, text);
			cJSON_AddStringToObject(s, "last_seen", text);
		}
		refs = cJSON_AddArrayToObject(s, "where_sighted_refs");
		cJSON_AddItemToArray(refs, cJSON_CreateString(org.identity_id));
		refs = cJSON_AddArrayToObject(s, "object_marking_refs");
		cJSON_AddItemToArray(refs, cJSON_CreateString(pi_tlp_marking_id(tlp)));
		cJSON_AddBoolToObject(s, "x_postisac_false_positive", fp);
		cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	}
	if (pi_ingest_objects(store, &coll, &req->who, objects, &res, &err) != PI_OK) {
		failed(req, "store the sighting", &err);
		goto out;
	}
	if (res.failure > 0) {
		pi_log_error("event=sighting_refused user=%s details=%s", req->who.username,
		        res.details ? res.details : "");
		pi_resp_error(req, 400, "Sighting refused", "the hub refused the sighting: %.400s",
		        res.details ? res.details : "");
		goto out;
	}
	cJSON_AddStringToObject(out, "collection", coll.uuid);
	cJSON_AddNumberToObject(out, "count", (double)count);
	cJSON_AddBoolToObject(out, "false_positive", fp);
	send_tree(req, 201, out);
out:
	for (size_t i = 0; i < t.n; i++)
		free(t.ids[i]);
	free(res.details);
	cJSON_Delete(objects);
	cJSON_Delete(out);
	cJSON_Delete(root);
}

static const char *const lookup_args[] = {"value", "kind", NULL};
static const char *const no_args[] = {NULL};

const struct pi_api_route pi_api_intel_routes[] = {
        {"GET", {"lookup"}, lookup_get, lookup_args},
        {"POST", {"lookup"}, lookup_post, no_args},
        {"GET", {"objects", "*"}, object_get, no_args},
        {"POST", {"sightings"}, sighting_post, no_args},
};
const size_t pi_api_intel_nroutes = sizeof(pi_api_intel_routes) / sizeof(pi_api_intel_routes[0]);
