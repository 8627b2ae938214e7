/* api_import.c - bulk import over HTTP: the web interface's file upload and scripts.
 *
 *   POST /api/v1/import?collection=NAME        collection uuid, "community", group name, org slug
 *       &format=auto|csv|stix|misp             default: csv for Content-Type text/csv, else auto
 *       &map=value=1,type=2,tlp=3,labels=4     CSV column map (1-based or header names)
 *       &header=true|false                     CSV: the first row is a header
 *       &tlp=LEVEL                             TLP for CSV / MISP values that carry none
 *   Body: the file itself (text/csv, text/plain, application/json or application/octet-stream),
 *   capped by the server's max_content_length like every body (413 before the handler).
 *
 * The body is already in memory (req->body), so the import reads it through a memory reader
 * and runs pi_import_run (intel/import.h) on behalf of req->who: the same streamed, batched
 * path as `postisac import`, through the hub's one ingest (validation, TLP, recipients). The
 * caller must be able to read the collection (404 otherwise, as if it did not exist) and write
 * it (pi_access_can_write_scope: analysts, organisation administrators, administrators; 403).
 *
 * Answers 200 with {"collection","records","imported","updated","unchanged","rejected",
 * "skipped","reasons":[{"where","id"?,"reason"}],"reasons_not_listed"} (the first
 * IMPORT_REASONS_MAX reasons). A file that cannot be read to its end (malformed JSON, an
 * unterminated quoted CSV field, a header without the mapped column) answers 400 saying where;
 * the batches read before the error stay stored and the description says how many.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "core/log.h"
#include "http/http_int.h"
#include "intel/feed.h"
#include "intel/import.h"

#define API_JSON "application/json"
#define IMPORT_REASONS_MAX 100

/* The request body as a pi_import_read_fn source. */
struct mem_src {
	const char *data;
	size_t len, pos;
};

static size_t mem_read(void *ctx, char *buf, size_t max)
{
	struct mem_src *m = ctx;
	size_t n = m->len - m->pos;

	if (n > max)
		n = max;
	if (n)
		memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

/* 1 if the Content-Type (parameters ignored, case-insensitive) is one a file may come as. */
static int content_type_ok(const char *ct, int *is_csv)
{
	static const char *const types[] = {
	        "text/csv", "text/plain", "application/json", "application/octet-stream", NULL};
	size_t n;

	*is_csv = 0;
	if (!ct)
		return 0;
	n = strcspn(ct, "; \t");
	for (size_t i = 0; types[i]; i++) {
		if (n == strlen(types[i]) && strncasecmp(ct, types[i], n) == 0) {
			*is_csv = i == 0;
			return 1;
		}
	}
	return 0;
}

/* Builds and sends the summary. Returns nothing; sets a 500 if the JSON cannot be built. */
static void send_summary(
        struct pi_request *req, const struct pi_collection *c, const struct pi_import_summary *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *reasons = s->reasons ? cJSON_Parse(s->reasons) : NULL;
	char *text = NULL;

	if (!o)
		goto out;
	cJSON_AddStringToObject(o, "collection", c->uuid);
	cJSON_AddNumberToObject(o, "records", (double)s->records);
	cJSON_AddNumberToObject(o, "imported", (double)s->imported);
	cJSON_AddNumberToObject(o, "updated", (double)s->updated);
	cJSON_AddNumberToObject(o, "unchanged", (double)s->unchanged);
	cJSON_AddNumberToObject(o, "rejected", (double)s->rejected);
	cJSON_AddNumberToObject(o, "skipped", (double)s->skipped);
	cJSON_AddItemToObject(o, "reasons", reasons ? reasons : cJSON_CreateArray());
	reasons = NULL;
	cJSON_AddNumberToObject(o, "reasons_not_listed", (double)s->reasons_dropped);
	text = cJSON_PrintUnformatted(o);
out:
	if (!text || pi_buf_puts(&req->out, text) != PI_OK) {
		pi_resp_error(req, 500, "Internal error", "the import summary could not be built");
	} else {
		pi_buf_putc(&req->out, '\n');
		pi_resp_json(req, 200, API_JSON);
	}
	cJSON_free(text);
	cJSON_Delete(reasons);
	cJSON_Delete(o);
}

static void import_post(struct pi_request *req, char **arg)
{
	pi_store *store = req->server->store;
	struct pi_collection coll;
	struct pi_csv_map map;
	struct pi_import_options io;
	struct pi_import_summary sum;
	struct pi_error err;
	struct mem_src src;
	const char *name, *v;
	int is_csv = 0;
	pi_status st;

	(void)arg;
	memset(&io, 0, sizeof(io));
	memset(&sum, 0, sizeof(sum));
	name = pi_req_arg(req, "collection");
	if (!name || !*name) {
		pi_resp_error(req, 400, "Missing collection",
		        "give ?collection= a collection uuid, \"community\", a sharing group name "
		        "or an organisation slug");
		return;
	}
	if (!content_type_ok(pi_req_header(req, "Content-Type"), &is_csv)) {
		pi_resp_error(req, 415, "Unsupported media type",
		        "send the file as the body with Content-Type text/csv, text/plain, "
		        "application/json or application/octet-stream");
		return;
	}
	io.format = is_csv ? PI_IMPORT_CSV : PI_IMPORT_AUTO;
	v = pi_req_arg(req, "format");
	if (v && pi_import_format_parse(v, &io.format) != 0) {
		pi_resp_error(req, 400, "Bad query parameter",
		        "format: '%.40s' is not auto, csv, stix or misp", v);
		return;
	}
	v = pi_req_arg(req, "map");
	if (v) {
		if (pi_csv_map_parse(v, &map, &err) != PI_OK) {
			const char *m = err.message;
			if (strncmp(m, "--map: ", 7) == 0)
				m += 7;
			pi_resp_error(req, 400, "Bad query parameter", "map: %s", m);
			return;
		}
		io.map = &map;
	}
	v = pi_req_arg(req, "header");
	if (v) {
		if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0) {
			io.csv_header = 1;
		} else if (strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
			pi_resp_error(req, 400, "Bad query parameter",
			        "header: '%.20s' is not true or false", v);
			return;
		}
	}
	v = pi_req_arg(req, "tlp");
	if (v && (pi_tlp_parse(v, &io.default_tlp) != 0 || io.default_tlp == PI_TLP_UNMARKED)) {
		pi_resp_error(req, 400, "Bad query parameter",
		        "tlp: '%.40s' is not clear, green, amber, amber+strict or red", v);
		return;
	}
	st = pi_feed_collection_resolve(store, name, &coll, &err);
	if (st == PI_OK && !pi_access_can_read_scope(&req->who, coll.kind, coll.scope_id))
		st = PI_ERR_NOTFOUND;
	if (st == PI_ERR_NOTFOUND) {
		pi_resp_error(
		        req, 404, "Not found", "no collection '%.64s' that you may read", name);
		return;
	}
	if (st != PI_OK) {
		pi_resp_error(req, st == PI_ERR_INVALID ? 400 : 500,
		        st == PI_ERR_INVALID ? "Bad query parameter" : "Internal error", "%s",
		        err.message);
		return;
	}
	if (!pi_access_can_write_scope(&req->who, coll.kind, coll.scope_id)) {
		pi_resp_error(req, 403, "Forbidden",
		        "your role (%s) may not add objects to collection %s; analysts, "
		        "organisation administrators and administrators may",
		        pi_role_name(req->who.role), coll.uuid);
		return;
	}
	if (req->body.len == 0) {
		pi_resp_error(req, 400, "Empty file", "the request body (the file) is empty");
		return;
	}
	src.data = req->body.data;
	src.len = req->body.len;
	src.pos = 0;
	io.source_name = "upload";
	io.total_bytes = req->body.len;
	io.reasons_max = IMPORT_REASONS_MAX;
	st = pi_import_run(store, &coll, &req->who, mem_read, &src, &io, &sum, &err);
	pi_log_info("event=import_http user=%s collection=%s bytes=%zu status=%d imported=%llu "
	            "updated=%llu unchanged=%llu rejected=%llu",
	        req->who.username, coll.uuid, req->body.len, (int)st,
	        (unsigned long long)sum.imported, (unsigned long long)sum.updated,
	        (unsigned long long)sum.unchanged, (unsigned long long)sum.rejected);
	switch (st) {
	case PI_OK: send_summary(req, &coll, &sum); break;
	case PI_ERR_DENIED: pi_resp_error(req, 403, "Forbidden", "%s", err.message); break;
	case PI_ERR_INVALID:
	case PI_ERR_TOOBIG:
		pi_resp_error(req, 400, "Malformed file",
		        "%s; %llu objects read before that were stored (%llu new, %llu updated)",
		        err.message, (unsigned long long)(sum.imported + sum.updated),
		        (unsigned long long)sum.imported, (unsigned long long)sum.updated);
		break;
	default:
		pi_log_error("event=import_http_failed user=%s error=\"%s\"", req->who.username,
		        err.message);
		pi_resp_error(req, 500, "Internal error",
		        "the import failed because of a server-side failure; try again");
	}
	free(sum.reasons);
}

static const char *const import_args[] = {"collection", "format", "map", "header", "tlp", NULL};

const struct pi_api_route pi_api_import_routes[] = {
        {"POST", {"import"}, import_post, import_args},
};
const size_t pi_api_import_nroutes = sizeof(pi_api_import_routes) / sizeof(pi_api_import_routes[0]);
