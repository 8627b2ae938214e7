/* taxii.c - the TAXII 2.1 server (OASIS TAXII 2.1, sections 4 and 5).
 *
 *   GET    /taxii2/                                         discovery
 *   GET    /taxii2/hub/                                     API root
 *   GET    /taxii2/hub/status/{id}/                         status of a POST
 *   GET    /taxii2/hub/collections/                         collections the caller may read
 *   GET    /taxii2/hub/collections/{cid}/                   one collection
 *   GET    /taxii2/hub/collections/{cid}/objects/           objects (envelope, paginated)
 *   POST   /taxii2/hub/collections/{cid}/objects/           add objects (202 + status)
 *   GET    /taxii2/hub/collections/{cid}/objects/{oid}/     one object's versions (filters)
 *   DELETE /taxii2/hub/collections/{cid}/objects/{oid}/     delete it
 *   GET    /taxii2/hub/collections/{cid}/objects/{oid}/versions/
 *   GET    /taxii2/hub/collections/{cid}/manifest/
 *
 * Every object that leaves goes through pi_access_allows (core/access.h); a collection or
 * object the caller may not see answers 404, exactly like one that does not exist.
 * Pagination is keyset on date_added: `next` is the date_added (microseconds) of the last
 * row examined, so every page costs the same wherever it starts.
 */
#include <ctype.h>
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
#include "store/store_cases.h"

#define TAXII_TYPE "application/taxii+json;version=2.1"
#define STIX_TYPE "application/stix+json;version=2.1"
#define API_ROOT "hub"
#define MAX_FILTER_VALUES 100
#define DEFAULT_PAGE 100

/* ---- media types ---- */

/* Nonzero if one media range of an Accept or Content-Type value names type/subtype with
 * version 2.1 (or no version, for Accept). */
static int media_match(const char *range, size_t len, const char *want, int need_version)
{
	char buf[256];
	char *p, *params, *save = NULL;
	int version_ok = !need_version;
	size_t wl = strlen(want);

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, range, len);
	buf[len] = '\0';
	p = buf;
	while (*p == ' ' || *p == '\t')
		p++;
	params = strchr(p, ';');
	if (params)
		*params++ = '\0';
	for (char *e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	if (strcasecmp(p, want) != 0) {
		if (!need_version && (strcmp(p, "*/*") == 0 || strcasecmp(p, "application/*") == 0))
			return 1;
		return 0;
	}
	(void)wl;
	for (char *kv = params ? strtok_r(params, ";", &save) : NULL; kv; kv = strtok_r(NULL, ";", &save)) {
		while (*kv == ' ')
			kv++;
		if (strncasecmp(kv, "version=", 8) == 0) {
			const char *v = kv + 8;
			version_ok = strncmp(v, "2.1", 3) == 0 && (v[3] == '\0' || v[3] == ' ');
			if (!version_ok)
				return 0;
		}
	}
	return version_ok;
}

static int header_has_media(const char *value, const char *want, int need_version)
{
	const char *p = value;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (media_match(p, len, want, need_version))
			return 1;
		p = comma ? comma + 1 : NULL;
	}
	return 0;
}

/* Checks Accept; returns the content type to answer with, or NULL with 406 set. */
static const char *negotiate(struct pi_request *req, int stix_too)
{
	const char *accept = pi_req_header(req, "Accept");

	if (!accept || !*accept || header_has_media(accept, "application/taxii+json", 0))
		return TAXII_TYPE;
	if (stix_too && header_has_media(accept, "application/stix+json", 0))
		return STIX_TYPE;
	pi_resp_error(req, 406, "Not acceptable",
		"this endpoint answers with %s%s; the Accept header does not allow it", TAXII_TYPE,
		stix_too ? " (or " STIX_TYPE ")" : "");
	return NULL;
}

/* ---- small helpers ---- */

static const char *base_url(struct pi_request *req, char *out, size_t size)
{
	const char *host;
	const pi_server *s = req->server;

	if (s->cfg.public_url[0]) {
		size_t n = strlen(s->cfg.public_url);
		snprintf(out, size, "%.*s", (int)(n && s->cfg.public_url[n - 1] == '/' ? n - 1 : n),
			s->cfg.public_url);
		return out;
	}
	host = pi_req_header(req, "Host");
	if (!host || !*host || strlen(host) > 255)
		return NULL;
	for (const char *p = host; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-:[]_", *p))
			return NULL;
	snprintf(out, size, "%s://%s", s->tls_cert_pem ? "https" : "http", host);
	return out;
}

static int valid_type_name(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 250)
		return 0;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-')
			return 0;
	return 1;
}

static int valid_object_id(const char *s)
{
	const char *dd = strstr(s, "--");
	size_t n = strlen(s);

	if (!dd || n > 300 || dd == s)
		return 0;
	for (const char *p = s; p < dd; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return 0;
	for (const char *p = dd + 2; *p; p++)
		if (!isxdigit((unsigned char)*p) && *p != '-')
			return 0;
	return strlen(dd + 2) == 36;
}

static int load_collection(struct pi_request *req, const char *uuid, struct pi_collection *c)
{
	struct pi_error err;
	pi_status st;

	if (strlen(uuid) > 36) {
		pi_resp_error(req, 404, "Collection not found", "no collection with id '%.60s'", uuid);
		return -1;
	}
	st = pi_store_collection_find(req->server->store, uuid, c, &err);
	if (st == PI_ERR_NOTFOUND || (st == PI_OK && !pi_access_can_read_scope(&req->who, c->kind, c->scope_id))) {
		pi_resp_error(req, 404, "Collection not found",
			"no collection with id '%.60s' that you may read", uuid);
		return -1;
	}
	if (st != PI_OK) {
		pi_log_error("event=collection_lookup_failed error=\"%s\"", err.message);
		pi_resp_error(req, 500, "Internal error", "could not read the collection");
		return -1;
	}
	return 0;
}

static void collection_json(struct pi_request *req, const struct pi_collection *c)
{
	struct pi_buf *o = &req->out;

	pi_buf_puts(o, "{\"id\":");
	pi_buf_json_string(o, c->uuid);
	pi_buf_puts(o, ",\"title\":");
	pi_buf_json_string(o, c->title);
	if (c->description[0]) {
		pi_buf_puts(o, ",\"description\":");
		pi_buf_json_string(o, c->description);
	}
	pi_buf_printf(o, ",\"can_read\":true,\"can_write\":%s,\"media_types\":[\"%s\"]}",
		pi_access_can_write_scope(&req->who, c->kind, c->scope_id) ? "true" : "false", STIX_TYPE);
}

/* ---- discovery, API root, collections ---- */

static void get_discovery(struct pi_request *req)
{
	char base[600];
	const char *ct = negotiate(req, 0);
	const pi_server *s = req->server;

	if (!ct || pi_req_check_args(req, NULL) != 0)
		return;
	if (!base_url(req, base, sizeof(base))) {
		pi_resp_error(req, 400, "Bad Host header",
			"the Host header is missing or malformed, and no public_url is configured");
		return;
	}
	pi_buf_puts(&req->out, "{\"title\":");
	pi_buf_json_string(&req->out, s->cfg.title);
	pi_buf_puts(&req->out, ",\"description\":\"Security information sharing and incident reporting hub of the postal sector\"");
	if (s->cfg.contact[0]) {
		pi_buf_puts(&req->out, ",\"contact\":");
		pi_buf_json_string(&req->out, s->cfg.contact);
	}
	pi_buf_printf(&req->out, ",\"default\":\"%s/taxii2/" API_ROOT "/\",\"api_roots\":[\"%s/taxii2/" API_ROOT "/\"]}",
		base, base);
	pi_resp_json(req, 200, ct);
}

static void get_api_root(struct pi_request *req)
{
	const char *ct = negotiate(req, 0);

	if (!ct || pi_req_check_args(req, NULL) != 0)
		return;
	pi_buf_printf(&req->out,
		"{\"title\":\"postisac hub\",\"description\":\"Member collections of the postal sector ISAC\","
		"\"versions\":[\"%s\"],\"max_content_length\":%zu}",
		TAXII_TYPE, req->server->cfg.max_content_length);
	pi_resp_json(req, 200, ct);
}

struct coll_list {
	struct pi_request *req;
	int n;
};

static int add_collection(void *arg, const struct pi_collection *c)
{
	struct coll_list *l = arg;

	if (!pi_access_can_read_scope(&l->req->who, c->kind, c->scope_id))
		return 0;
	if (l->n++)
		pi_buf_putc(&l->req->out, ',');
	collection_json(l->req, c);
	return 0;
}

static void get_collections(struct pi_request *req)
{
	const char *ct = negotiate(req, 0);
	struct coll_list l = {req, 0};
	struct pi_error err;

	if (!ct || pi_req_check_args(req, NULL) != 0)
		return;
	pi_buf_puts(&req->out, "{\"collections\":[");
	if (pi_store_collection_list(req->server->store, add_collection, &l, &err) != PI_OK) {
		pi_resp_error(req, 500, "Internal error", "could not list collections");
		return;
	}
	pi_buf_puts(&req->out, "]}");
	pi_resp_json(req, 200, ct);
}

static void get_collection(struct pi_request *req, const char *cid)
{
	const char *ct = negotiate(req, 0);
	struct pi_collection c;

	if (!ct || pi_req_check_args(req, NULL) != 0 || load_collection(req, cid, &c) != 0)
		return;
	collection_json(req, &c);
	pi_resp_json(req, 200, ct);
}

/* ---- reading objects: objects, object, versions, manifest ---- */

enum page_mode { PAGE_OBJECTS, PAGE_MANIFEST, PAGE_VERSIONS };

struct page {
	struct pi_request *req;
	enum page_mode mode;
	size_t limit;
	size_t count;
	int64_t first_added;
	int64_t last_added;
	int64_t last_examined;
	pi_status st;
	size_t red_reads; /* RED rows served: one audit entry per request */
};

static int page_row(void *arg, const struct pi_object_row *row)
{
	struct page *pg = arg;
	struct pi_buf *o = &pg->req->out;
	char added[PI_TIME_TEXT_LEN];

	pg->last_examined = row->date_added;
	if (!pi_access_allows(&pg->req->who, &row->acl, PI_PURPOSE_VIEW))
		return 0;
	if (pg->count++)
		pi_buf_putc(o, ',');
	if (pg->count == 1)
		pg->first_added = row->date_added;
	pg->last_added = row->date_added;
	pg->red_reads += row->acl.tlp == PI_TLP_RED;
	switch (pg->mode) {
	case PAGE_OBJECTS:
		pg->st = pi_buf_append(o, row->body, row->body_len);
		break;
	case PAGE_VERSIONS:
		pg->st = pi_buf_json_string(o, row->version);
		break;
	case PAGE_MANIFEST:
		pi_time_format_us(row->date_added, added);
		pi_buf_puts(o, "{\"id\":");
		pi_buf_json_string(o, row->stix_id);
		pi_buf_printf(o, ",\"date_added\":\"%s\",\"version\":", added);
		pi_buf_json_string(o, row->version);
		pg->st = pi_buf_puts(o, ",\"media_type\":\"" STIX_TYPE "\"}");
		break;
	}
	if (pg->st != PI_OK)
		return 1;
	return pg->count >= pg->limit;
}

/* Parses the TAXII filters into q. Returns 0, or -1 with a 400 set. */
static int parse_filters(struct pi_request *req, struct pi_object_query *q, size_t *limit,
	int allow_id_type)
{
	const char *v;
	int bad = 0;
	const char **list;

	*limit = DEFAULT_PAGE;
	q->version_flags = 0;
	v = pi_req_arg(req, "limit");
	if (v) {
		char *end = NULL;
		long n = strtol(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || n < 1) {
			pi_resp_error(req, 400, "Bad limit", "limit must be a positive whole number, not '%.40s'", v);
			return -1;
		}
		*limit = n > req->server->cfg.page_max ? (size_t)req->server->cfg.page_max : (size_t)n;
	}
	v = pi_req_arg(req, "added_after");
	if (v) {
		int64_t us;
		struct pi_error err;
		if (pi_time_parse_us(v, &us, &err) != PI_OK) {
			pi_resp_error(req, 400, "Bad added_after", "added_after: %s", err.message);
			return -1;
		}
		q->after = us;
	}
	v = pi_req_arg(req, "next");
	if (v) {
		char *end = NULL;
		long long n = strtoll(v, &end, 10);
		if (!isdigit((unsigned char)*v) || *end || n < 0) {
			pi_resp_error(req, 400, "Bad next", "next must be a value returned by this server in 'next', not '%.40s'", v);
			return -1;
		}
		if (n > q->after)
			q->after = n;
	}
	if (allow_id_type) {
		list = pi_req_arg_list(req, "match[id]", MAX_FILTER_VALUES, &bad);
		for (size_t i = 0; list && list[i]; i++)
			if (!valid_object_id(list[i]))
				bad = 2;
		if (bad) {
			pi_resp_error(req, 400, "Bad match[id]",
				"match[id] takes up to %d comma-separated STIX ids like indicator--<uuid>", MAX_FILTER_VALUES);
			return -1;
		}
		q->ids = list;
		list = pi_req_arg_list(req, "match[type]", MAX_FILTER_VALUES, &bad);
		for (size_t i = 0; list && list[i]; i++)
			if (!valid_type_name(list[i]))
				bad = 2;
		if (bad) {
			pi_resp_error(req, 400, "Bad match[type]",
				"match[type] takes up to %d comma-separated STIX type names (a-z, 0-9, '-')", MAX_FILTER_VALUES);
			return -1;
		}
		q->types = list;
	}
	list = pi_req_arg_list(req, "match[spec_version]", MAX_FILTER_VALUES, &bad);
	for (size_t i = 0; list && list[i]; i++)
		if (strlen(list[i]) > 10)
			bad = 2;
	if (bad) {
		pi_resp_error(req, 400, "Bad match[spec_version]", "match[spec_version] takes versions like 2.1");
		return -1;
	}
	q->spec_versions = list;
	list = pi_req_arg_list(req, "match[version]", MAX_FILTER_VALUES, &bad);
	if (bad) {
		pi_resp_error(req, 400, "Bad match[version]",
			"match[version] takes first, last, all or timestamps, comma-separated (at most %d)", MAX_FILTER_VALUES);
		return -1;
	}
	if (list) {
		const char **keys = pi_req_alloc(req, (MAX_FILTER_VALUES + 1) * sizeof(*keys));
		size_t nk = 0;
		if (!keys) {
			pi_resp_error(req, 500, "Out of memory", "the server is out of memory");
			return -1;
		}
		for (size_t i = 0; list[i]; i++) {
			struct pi_time t;
			struct pi_error err;
			char *key;
			if (strcmp(list[i], "first") == 0) {
				q->version_flags |= PI_MATCH_FIRST;
			} else if (strcmp(list[i], "last") == 0) {
				q->version_flags |= PI_MATCH_LAST;
			} else if (strcmp(list[i], "all") == 0) {
				q->version_flags |= PI_MATCH_ALL;
			} else if (pi_time_parse(list[i], &t, &err) == PI_OK) {
				key = pi_req_alloc(req, PI_TIME_KEY_LEN);
				if (!key) {
					pi_resp_error(req, 500, "Out of memory", "the server is out of memory");
					return -1;
				}
				pi_time_key(&t, key);
				keys[nk++] = key;
			} else {
				pi_resp_error(req, 400, "Bad match[version]",
					"match[version] value '%.40s' is not first, last, all or a timestamp: %s",
					list[i], err.message);
				return -1;
			}
		}
		keys[nk] = NULL;
		q->version_keys = nk ? keys : NULL;
	}
	return 0;
}

static void run_page(struct pi_request *req, const char *ct, struct pi_object_query *q,
	struct page *pg, int not_found_if_empty)
{
	struct pi_error err;
	int more = 0;
	char stamp[PI_TIME_TEXT_LEN];
	static const char *const keys[] = {"objects", "objects", "versions"};
	size_t examined = 0;

	/* Scan cap: a reader who may see little of a big collection gets short pages with
	 * more=true rather than a request that reads the whole collection. */
	q->max_rows = pg->limit * 10 + 1000;
	pi_buf_puts(&req->out, "{\"");
	pi_buf_puts(&req->out, keys[pg->mode]);
	pi_buf_puts(&req->out, "\":[");
	if (pi_store_objects_query(req->server->store, q, page_row, pg, &examined, &more, &err) != PI_OK) {
		pi_log_error("event=objects_query_failed error=\"%s\"", err.message);
		pi_resp_error(req, 500, "Internal error", "could not read the collection");
		return;
	}
	pi_audit_red_reads(req->server->store, req->who.username, q->collection_id, pg->red_reads);
	if (pg->st != PI_OK) {
		pi_resp_error(req, 500, "Response too large", "the page is too large; ask for a smaller limit");
		return;
	}
	if (pg->count == 0 && not_found_if_empty) {
		pi_resp_error(req, 404, "Object not found",
			"no object with this id (and these filters) that you may see in this collection");
		return;
	}
	if (pg->count == 0) {
		/* TAXII: an empty result is an envelope without the list */
		pi_buf_reset(&req->out);
		pi_buf_puts(&req->out, "{");
	} else {
		pi_buf_puts(&req->out, "],");
	}
	if (more)
		pi_buf_printf(&req->out, "\"more\":true,\"next\":\"%lld\"}", (long long)pg->last_examined);
	else
		pi_buf_puts(&req->out, "\"more\":false}");
	if (pg->count) {
		pi_time_format_us(pg->first_added, stamp);
		pi_resp_header(req, "X-TAXII-Date-Added-First", stamp);
		pi_time_format_us(pg->last_added, stamp);
		pi_resp_header(req, "X-TAXII-Date-Added-Last", stamp);
	}
	pi_resp_json(req, 200, ct);
}

static const char *const list_args[] = {"limit", "next", "added_after", "match[id]", "match[type]",
	"match[version]", "match[spec_version]", NULL};
static const char *const object_args[] = {"limit", "next", "added_after", "match[version]",
	"match[spec_version]", NULL};
static const char *const versions_args[] = {"limit", "next", "added_after", "match[spec_version]", NULL};
static const char *const delete_args[] = {"match[version]", "match[spec_version]", NULL};

static void get_objects(struct pi_request *req, const char *cid, enum page_mode mode)
{
	const char *ct = negotiate(req, mode == PAGE_OBJECTS);
	struct pi_collection c;
	struct pi_object_query q;
	struct page pg;

	memset(&q, 0, sizeof(q));
	memset(&pg, 0, sizeof(pg));
	if (!ct || pi_req_check_args(req, list_args) != 0 || load_collection(req, cid, &c) != 0)
		return;
	if (parse_filters(req, &q, &pg.limit, 1) != 0)
		return;
	if (!q.version_flags && !q.version_keys)
		q.version_flags = PI_MATCH_LAST;
	q.collection_id = c.id;
	pg.req = req;
	pg.mode = mode;
	run_page(req, ct, &q, &pg, 0);
}

static void get_object(struct pi_request *req, const char *cid, const char *oid, int versions)
{
	const char *ct = negotiate(req, !versions);
	struct pi_collection c;
	struct pi_object_query q;
	struct page pg;
	const char **ids;

	memset(&q, 0, sizeof(q));
	memset(&pg, 0, sizeof(pg));
	if (!ct || pi_req_check_args(req, versions ? versions_args : object_args) != 0 ||
		load_collection(req, cid, &c) != 0)
		return;
	if (!valid_object_id(oid)) {
		pi_resp_error(req, 404, "Object not found", "'%.80s' is not a STIX object id", oid);
		return;
	}
	if (parse_filters(req, &q, &pg.limit, 0) != 0)
		return;
	ids = pi_req_alloc(req, 2 * sizeof(*ids));
	if (!ids) {
		pi_resp_error(req, 500, "Out of memory", "the server is out of memory");
		return;
	}
	ids[0] = oid;
	ids[1] = NULL;
	q.ids = ids;
	q.collection_id = c.id;
	if (versions)
		q.version_flags = PI_MATCH_ALL;
	else if (!q.version_flags && !q.version_keys)
		q.version_flags = PI_MATCH_LAST;
	pg.req = req;
	pg.mode = versions ? PAGE_VERSIONS : PAGE_OBJECTS;
	run_page(req, ct, &q, &pg, 1);
}

struct visible {
	struct pi_request *req;
	int seen;
};

static int any_visible(void *arg, const struct pi_object_row *row)
{
	struct visible *v = arg;

	if (pi_access_allows(&v->req->who, &row->acl, PI_PURPOSE_VIEW)) {
		v->seen = 1;
		return 1;
	}
	return 0;
}

static int may_delete(void *arg, const struct pi_object_row *row)
{
	struct pi_request *req = arg;

	return pi_access_can_delete(&req->who, &row->acl);
}

static void delete_object(struct pi_request *req, const char *cid, const char *oid)
{
	struct pi_collection c;
	struct pi_object_query q;
	struct visible vis = {req, 0};
	struct pi_error err;
	size_t limit, deleted = 0;
	const char *ids[2] = {oid, NULL};
	int more;

	memset(&q, 0, sizeof(q));
	if (pi_req_check_args(req, delete_args) != 0 || load_collection(req, cid, &c) != 0)
		return;
	if (!req->who.user_id) {
		pi_auth_challenge(req, "deleting needs credentials");
		return;
	}
	if (!valid_object_id(oid)) {
		pi_resp_error(req, 404, "Object not found", "'%.80s' is not a STIX object id", oid);
		return;
	}
	if (parse_filters(req, &q, &limit, 0) != 0)
		return;
	if (!q.version_flags && !q.version_keys)
		q.version_flags = PI_MATCH_ALL;
	q.collection_id = c.id;
	q.ids = ids;
	q.max_rows = 100000;
	if (pi_store_objects_query(req->server->store, &q, any_visible, &vis, NULL, &more, &err) != PI_OK) {
		pi_resp_error(req, 500, "Internal error", "could not read the collection");
		return;
	}
	if (!vis.seen) {
		pi_resp_error(req, 404, "Object not found",
			"no object with this id (and these filters) that you may see in this collection");
		return;
	}
	q.ids = NULL;
	if (pi_store_objects_delete(req->server->store, c.id, oid, &q, may_delete, req, &deleted, &err) != PI_OK) {
		pi_log_error("event=delete_failed error=\"%s\"", err.message);
		pi_resp_error(req, 500, "Internal error", "could not delete the object");
		return;
	}
	if (deleted == 0) {
		pi_resp_error(req, 403, "Forbidden",
			"you may not delete this object: only writers of the creating organisation (or a hub admin) may");
		return;
	}
	pi_log_info("event=object_deleted collection=%s id=%s versions=%zu user=%s", c.uuid, oid,
		deleted, req->who.username);
	pi_audit_append_by(req->server->store, req->who.username, "taxii.delete", oid, NULL);
	pi_resp_json(req, 200, NULL);
}

/* ---- adding objects ---- */

static void status_json(struct pi_buf *o, const struct pi_status_res *s)
{
	char stamp[PI_TIME_TEXT_LEN];

	pi_time_format_us(s->request_timestamp, stamp);
	pi_buf_printf(o,
		"{\"id\":\"%s\",\"status\":\"%s\",\"request_timestamp\":\"%s\",\"total_count\":%d,"
		"\"success_count\":%d,\"failure_count\":%d,\"pending_count\":%d",
		s->id, s->pending ? "pending" : "complete", stamp, s->total, s->success, s->failure,
		s->pending);
	/* details is {"successes":[...],"failures":[...],"pendings":[...]}: splice its members */
	if (s->details && strlen(s->details) > 2) {
		pi_buf_putc(o, ',');
		pi_buf_append(o, s->details + 1, strlen(s->details) - 2);
	}
	pi_buf_putc(o, '}');
}

static void post_objects(struct pi_request *req, const char *cid)
{
	const char *ct = negotiate(req, 0);
	const char *ctype = pi_req_header(req, "Content-Type");
	struct pi_collection c;
	struct pi_error err;
	cJSON *root = NULL;
	const cJSON *objects;
	struct pi_ingest_result res;
	struct pi_status_res status;
	pi_status st;

	memset(&res, 0, sizeof(res));
	if (!ct || pi_req_check_args(req, NULL) != 0 || load_collection(req, cid, &c) != 0)
		goto out;
	if (!req->who.user_id) {
		pi_auth_challenge(req, "adding objects needs credentials");
		goto out;
	}
	if (!pi_access_can_write_scope(&req->who, c.kind, c.scope_id)) {
		pi_resp_error(req, 403, "Forbidden",
			"your role (%s) may not add objects to this collection", pi_role_name(req->who.role));
		goto out;
	}
	if (!ctype || !(header_has_media(ctype, "application/taxii+json", 1) ||
			    header_has_media(ctype, "application/stix+json", 1))) {
		pi_resp_error(req, 415, "Unsupported media type",
			"send the objects as %s (Content-Type was '%.80s')", TAXII_TYPE,
			ctype ? ctype : "missing");
		goto out;
	}
	if (pi_json_parse(req->body.data ? req->body.data : "", req->body.len, PI_JSON_MAX_DEPTH,
		    &root, &err) != PI_OK) {
		pi_resp_error(req, 400, "Invalid JSON", "%s", err.message);
		goto out;
	}
	objects = cJSON_GetObjectItemCaseSensitive(root, "objects");
	if (!cJSON_IsObject(root) || !cJSON_IsArray(objects)) {
		pi_resp_error(req, 422, "Not an envelope",
			"the body must be a TAXII envelope: a JSON object with an \"objects\" list of STIX objects");
		goto out;
	}
	st = pi_ingest_objects(req->server->store, &c, &req->who, objects, &res, &err);
	if (st != PI_OK) {
		pi_log_error("event=objects_put_failed error=\"%s\"", err.message);
		pi_resp_error(req, st == PI_ERR_TOOBIG ? 413 : 500, "Not stored",
			"the objects could not be stored; nothing was added: %s", err.message);
		goto out;
	}
	atomic_fetch_add(&req->server->objects_added, (unsigned long long)res.added);
	pi_audit_append_by(req->server->store, req->who.username, "taxii.post", c.uuid, NULL);
	memset(&status, 0, sizeof(status));
	pi_uuid4(status.id);
	status.collection_id = c.id;
	status.user_id = req->who.user_id;
	status.org_id = req->who.org_id;
	status.request_timestamp = pi_time_now_us();
	status.total = res.total;
	status.success = res.success;
	status.failure = res.failure;
	status.details = res.details;
	if (pi_store_status_save(req->server->store, &status, &err) != PI_OK) {
		pi_log_error("event=status_save_failed error=\"%s\"", err.message);
		pi_resp_error(req, 500, "Internal error",
			"the objects were stored but the status could not be saved");
		goto out;
	}
	pi_log_info("event=objects_posted collection=%s user=%s total=%d success=%d failure=%d",
		c.uuid, req->who.username, res.total, res.success, res.failure);
	status_json(&req->out, &status);
	pi_resp_json(req, 202, ct);
out:
	free(res.details);
	cJSON_Delete(root);
}

static void get_status(struct pi_request *req, const char *sid)
{
	const char *ct = negotiate(req, 0);
	struct pi_status_res s;
	struct pi_error err;

	if (!ct || pi_req_check_args(req, NULL) != 0)
		return;
	if (!req->who.user_id || strlen(sid) > 36 ||
		pi_store_status_get(req->server->store, sid, &s, &err) != PI_OK) {
		pi_resp_error(req, 404, "Status not found", "no status resource '%.40s' of yours", sid);
		return;
	}
	if (s.org_id != req->who.org_id) {
		free((char *)s.details);
		pi_resp_error(req, 404, "Status not found", "no status resource '%.40s' of yours", sid);
		return;
	}
	status_json(&req->out, &s);
	free((char *)s.details);
	pi_resp_json(req, 200, ct);
}

/* ---- routing ---- */

static int method_is(struct pi_request *req, const char *m)
{
	return strcmp(req->method, m) == 0 || (strcmp(m, "GET") == 0 && strcmp(req->method, "HEAD") == 0);
}

static void not_allowed(struct pi_request *req, const char *allow)
{
	pi_resp_header(req, "Allow", allow);
	pi_resp_error(req, 405, "Method not allowed", "this resource accepts %s", allow);
}

void pi_taxii_handle(struct pi_request *req)
{
	char **s = req->seg;
	size_t n = req->nseg;

	if (!req->who.user_id && !req->server->cfg.anonymous_read) {
		pi_auth_challenge(req, "this hub needs credentials: send 'Authorization: Bearer TOKEN' or HTTP Basic");
		return;
	}
	if (n == 1) {
		if (!method_is(req, "GET"))
			{
			not_allowed(req, "GET");
			return;
		}
		{
			get_discovery(req);
			return;
		}
	}
	if (strcmp(s[1], API_ROOT) != 0) {
		pi_resp_error(req, 404, "API root not found", "no API root '%.60s'; this hub has /taxii2/" API_ROOT "/", s[1]);
		return;
	}
	if (n == 2) {
		if (!method_is(req, "GET"))
			{
			not_allowed(req, "GET");
			return;
		}
		{
			get_api_root(req);
			return;
		}
	}
	if (n == 4 && strcmp(s[2], "status") == 0) {
		if (!method_is(req, "GET"))
			{
			not_allowed(req, "GET");
			return;
		}
		{
			get_status(req, s[3]);
			return;
		}
	}
	if (strcmp(s[2], "collections") != 0 || n > 7) {
		pi_resp_error(req, 404, "Not found", "no such TAXII resource");
		return;
	}
	if (n == 3) {
		if (!method_is(req, "GET"))
			{
			not_allowed(req, "GET");
			return;
		}
		{
			get_collections(req);
			return;
		}
	}
	if (n == 4) {
		if (!method_is(req, "GET"))
			{
			not_allowed(req, "GET");
			return;
		}
		{
			get_collection(req, s[3]);
			return;
		}
	}
	if (n == 5 && strcmp(s[4], "objects") == 0) {
		if (method_is(req, "GET"))
			{
			get_objects(req, s[3], PAGE_OBJECTS);
			return;
		}
		if (method_is(req, "POST"))
			{
			post_objects(req, s[3]);
			return;
		}
		{
			not_allowed(req, "GET, POST");
			return;
		}
	}
	if (n == 5 && strcmp(s[4], "manifest") == 0) {
		if (!method_is(req, "GET"))
			{
			not_allowed(req, "GET");
			return;
		}
		{
			get_objects(req, s[3], PAGE_MANIFEST);
			return;
		}
	}
	if (n == 6 && strcmp(s[4], "objects") == 0) {
		if (method_is(req, "GET"))
			{
			get_object(req, s[3], s[5], 0);
			return;
		}
		if (method_is(req, "DELETE"))
			{
			delete_object(req, s[3], s[5]);
			return;
		}
		{
			not_allowed(req, "GET, DELETE");
			return;
		}
	}
	if (n == 7 && strcmp(s[4], "objects") == 0 && strcmp(s[6], "versions") == 0) {
		if (!method_is(req, "GET"))
			{
			not_allowed(req, "GET");
			return;
		}
		{
			get_object(req, s[3], s[5], 1);
			return;
		}
	}
	pi_resp_error(req, 404, "Not found", "no such TAXII resource");
}
