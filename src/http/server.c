/* server.c - libmicrohttpd glue: request accumulation with caps, dispatch, responses.
 *
 * Per request (struct pi_request, the MHD "con_cls"):
 *   first call        allocate the request; refuse at once a declared body over the cap
 *   upload calls      append to req->body up to max_content_length, then only count
 *   final call        authenticate, dispatch by path prefix, queue the response
 *   completed         free everything
 * The response is queued on the final call, never the first, so keep-alive survives
 * (libmicrohttpd 0.9.75 closes the connection when a response is queued on the first call;
 * see ../shared/MEASURED.md). Paths are NOT unescaped by libmicrohttpd (identity unescape
 * callback): segments and query values are decoded here, strictly.
 */
#include "http/http_int.h"
#include "http/web.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "core/log.h"
#include "core/secret.h"
#include "core/timeutil.h"

void pi_server_config_defaults(struct pi_server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->host, sizeof(cfg->host), "127.0.0.1");
	cfg->port = 8080;
	cfg->threads = 2;
	cfg->max_content_length = 20u << 20;
	snprintf(cfg->title, sizeof(cfg->title), "postisac - postal sector ISAC hub");
	cfg->page_max = 1000;
}

void *pi_req_alloc(struct pi_request *req, size_t size)
{
	struct pi_req_chunk *c = malloc(sizeof(*c) + size);

	if (!c)
		return NULL;
	c->next = req->allocs;
	req->allocs = c;
	return c->data;
}

char *pi_req_strdup(struct pi_request *req, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = pi_req_alloc(req, n);

	if (p)
		memcpy(p, s, n);
	return p;
}

void pi_resp_header(struct pi_request *req, const char *name, const char *value)
{
	if (req->nheaders >= PI_MAX_HEADERS)
		return;
	req->header_names[req->nheaders] = strdup(name);
	req->header_values[req->nheaders] = strdup(value);
	if (!req->header_names[req->nheaders] || !req->header_values[req->nheaders]) {
		free(req->header_names[req->nheaders]);
		free(req->header_values[req->nheaders]);
		return;
	}
	req->nheaders++;
}

static int is_taxii_path(const struct pi_request *req)
{
	return req->nseg > 0 && strcmp(req->seg[0], "taxii2") == 0;
}

/* For answers given before the path is split (413 on the declared length, 414). */
static int is_taxii_url(const char *url)
{
	return strncmp(url, "/taxii2/", 8) == 0 || strcmp(url, "/taxii2") == 0;
}

void pi_resp_error(struct pi_request *req, unsigned status, const char *title, const char *fmt, ...)
{
	char description[1024];
	char code[8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(description, sizeof(description), fmt, ap);
	va_end(ap);
	snprintf(code, sizeof(code), "%u", status);
	pi_buf_reset(&req->out);
	pi_buf_puts(&req->out, "{\"title\":");
	pi_buf_json_string(&req->out, title);
	pi_buf_puts(&req->out, ",\"description\":");
	pi_buf_json_string(&req->out, description);
	pi_buf_puts(&req->out, ",\"http_status\":");
	pi_buf_json_string(&req->out, code);
	pi_buf_puts(&req->out, "}");
	pi_resp_json(req, status,
		is_taxii_path(req) ? "application/taxii+json;version=2.1" : "application/json");
}

void pi_resp_json(struct pi_request *req, unsigned status, const char *content_type)
{
	req->status = status;
	req->content_type = content_type;
}

void pi_resp_stream(struct pi_request *req, unsigned status, const char *content_type,
	MHD_ContentReaderCallback read, MHD_ContentReaderFreeCallback free_cb, void *cls)
{
	req->status = status;
	req->content_type = content_type;
	req->stream_read = read;
	req->stream_free = free_cb;
	req->stream_cls = cls;
}

const char *pi_req_header(struct pi_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* Nonzero if the raw (still percent-encoded) query key decodes to name: clients encode
 * "match[id]" as "match%5Bid%5D", and libmicrohttpd leaves keys as sent. */
static int key_is(const char *raw_key, const char *name)
{
	char tmp[256];

	if (strlen(raw_key) >= sizeof(tmp) || pi_url_decode(raw_key, tmp) < 0)
		return 0;
	return strcmp(tmp, name) == 0;
}

struct arg_find {
	const char *name;
	const char *value;
};

static enum MHD_Result find_arg(void *cls, enum MHD_ValueKind kind, const char *key,
	const char *value)
{
	struct arg_find *f = cls;

	(void)kind;
	if (!key_is(key, f->name))
		return MHD_YES;
	f->value = value ? value : "";
	return MHD_NO;
}

/* The raw value of the first argument whose decoded key is name, or NULL. */
static const char *raw_arg(struct pi_request *req, const char *name)
{
	struct arg_find f = {name, NULL};

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, find_arg, &f);
	return f.value;
}

const char *pi_req_arg(struct pi_request *req, const char *name)
{
	const char *raw = raw_arg(req, name);
	char *out;

	if (!raw)
		return NULL;
	out = pi_req_alloc(req, strlen(raw) + 1);
	if (!out || pi_url_decode(raw, out) < 0)
		return NULL; /* pi_req_check_args has refused bad encodings before */
	return out;
}

struct arg_check {
	struct pi_request *req;
	const char *const *allowed;
	const char *bad_name;
	const char *problem;
};

static enum MHD_Result check_one_arg(void *cls, enum MHD_ValueKind kind, const char *key,
	const char *value)
{
	struct arg_check *c = cls;
	char tmp[16384]; /* room for match[id] with 100 ids */
	int known = 0;

	(void)kind;
	if (strlen(key) >= sizeof(tmp) || (value && strlen(value) >= sizeof(tmp))) {
		c->bad_name = key;
		c->problem = "is longer than 16,383 characters";
		return MHD_NO;
	}
	if (pi_url_decode(key, tmp) < 0 || (value && pi_url_decode(value, tmp) < 0)) {
		c->bad_name = key;
		c->problem = "has invalid percent-encoding (use %XX with two hex digits, no %00)";
		return MHD_NO;
	}
	/* compare and report the decoded name: match%5Bid%5D is match[id] */
	pi_url_decode(key, tmp);
	for (size_t i = 0; c->allowed && c->allowed[i]; i++)
		if (strcmp(tmp, c->allowed[i]) == 0)
			known = 1;
	if (!known) {
		c->bad_name = pi_req_strdup(c->req, tmp);
		if (!c->bad_name)
			c->bad_name = key;
		c->problem = "is not a parameter of this endpoint";
		return MHD_NO;
	}
	if (!value || !*value) {
		c->bad_name = pi_req_strdup(c->req, tmp);
		if (!c->bad_name)
			c->bad_name = key;
		c->problem = "has an empty value";
		return MHD_NO;
	}
	return MHD_YES;
}

int pi_req_check_args(struct pi_request *req, const char *const *allowed)
{
	struct arg_check c;
	char list[512] = "";
	size_t used = 0;

	memset(&c, 0, sizeof(c));
	c.req = req;
	c.allowed = allowed;
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, check_one_arg, &c);
	if (!c.bad_name)
		return 0;
	for (size_t i = 0; allowed && allowed[i]; i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", allowed[i]);
		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;
		used += (size_t)n;
	}
	pi_resp_error(req, 400, "Bad query parameter", "query parameter '%.100s' %s (accepted here: %s)",
		c.bad_name, c.problem, used ? list : "none");
	return -1;
}

struct arg_list {
	struct pi_request *req;
	const char *name;
	const char **vals;
	size_t n;
	size_t max;
	int bad;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
	const char *value)
{
	struct arg_list *l = cls;
	char *dec, *p, *save = NULL;

	(void)kind;
	if (!key_is(key, l->name) || !value)
		return MHD_YES;
	dec = pi_req_alloc(l->req, strlen(value) + 1);
	if (!dec || pi_url_decode(value, dec) < 0) {
		l->bad = 1;
		return MHD_NO;
	}
	for (p = strtok_r(dec, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (l->n >= l->max) {
			l->bad = 1;
			return MHD_NO;
		}
		l->vals[l->n++] = p;
	}
	return MHD_YES;
}

const char **pi_req_arg_list(struct pi_request *req, const char *name, size_t max, int *bad)
{
	struct arg_list l = {req, name, NULL, 0, max, 0};

	*bad = 0;
	if (!raw_arg(req, name))
		return NULL;
	l.vals = pi_req_alloc(req, (max + 1) * sizeof(*l.vals));
	if (!l.vals) {
		*bad = 1;
		return NULL;
	}
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &l);
	if (l.bad || l.n == 0) {
		*bad = 1;
		return NULL;
	}
	l.vals[l.n] = NULL;
	return l.vals;
}

/* Splits and decodes the path (http/path.c). Returns 0, or -1 with the error response set. */
static int parse_path(struct pi_request *req, const char *url)
{
	struct pi_error err;
	pi_status st = pi_path_parse(url, &req->path, &err);

	if (st == PI_OK) {
		for (size_t i = 0; i < req->path.nseg; i++)
			req->seg[i] = req->path.seg[i];
		req->nseg = req->path.nseg;
		return 0;
	}
	if (st == PI_ERR_TOOBIG)
		pi_resp_error(req, 414, "URI too long", "%s", err.message);
	else if (st == PI_ERR_NOTFOUND)
		pi_resp_error(req, 404, "Not found", "%s", err.message);
	else
		pi_resp_error(req, 400, "Bad path", "%s", err.message);
	if (is_taxii_url(url)) /* no segments yet: TAXII paths still get the TAXII media type */
		req->content_type = "application/taxii+json;version=2.1";
	return -1;
}

static void handle_healthz(struct pi_request *req)
{
	pi_buf_puts(&req->out, "{\"status\":\"ok\"}");
	pi_resp_json(req, 200, "application/json");
}

static void handle_metrics(struct pi_request *req)
{
	pi_server *s = req->server;

	pi_buf_printf(&req->out,
		"# HELP postisac_http_requests_total HTTP requests received.\n"
		"# TYPE postisac_http_requests_total counter\n"
		"postisac_http_requests_total %llu\n"
		"# HELP postisac_http_responses_total HTTP responses by status class.\n"
		"# TYPE postisac_http_responses_total counter\n",
		(unsigned long long)atomic_load(&s->requests_total));
	for (int c = 1; c <= 5; c++)
		pi_buf_printf(&req->out, "postisac_http_responses_total{class=\"%dxx\"} %llu\n", c,
			(unsigned long long)atomic_load(&s->responses_by_class[c]));
	pi_buf_printf(&req->out,
		"# HELP postisac_objects_added_total STIX objects added through TAXII.\n"
		"# TYPE postisac_objects_added_total counter\n"
		"postisac_objects_added_total %llu\n"
		"# HELP postisac_uptime_seconds Seconds since the server started.\n"
		"# TYPE postisac_uptime_seconds gauge\n"
		"postisac_uptime_seconds %lld\n",
		(unsigned long long)atomic_load(&s->objects_added),
		(long long)((pi_time_now_us() - s->started_at) / 1000000));
	pi_resp_json(req, 200, "text/plain; version=0.0.4");
}

static void dispatch(struct pi_request *req, const char *url)
{
	if (parse_path(req, url) != 0)
		return;
	if (req->nseg == 1 && strcmp(req->seg[0], "healthz") == 0) {
		if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
			pi_resp_error(req, 405, "Method not allowed", "use GET");
			return;
		}
		handle_healthz(req);
		return;
	}
	if (req->nseg == 1 && strcmp(req->seg[0], "metrics") == 0) {
		handle_metrics(req);
		return;
	}
	if (req->nseg >= 1 && strcmp(req->seg[0], "taxii2") == 0) {
		if (req->body_too_big) {
			pi_resp_error(req, 413, "Request too large",
				"the request body is larger than max_content_length (%zu bytes)",
				req->server->cfg.max_content_length);
			return;
		}
		if (pi_auth_request(req) != 0)
			return;
		pi_taxii_handle(req);
		return;
	}
	if (req->nseg >= 2 && strcmp(req->seg[0], "api") == 0 && strcmp(req->seg[1], "v1") == 0) {
		if (req->body_too_big) {
			pi_resp_error(req, 413, "Request too large",
				"the request body is larger than %zu bytes", req->server->cfg.max_content_length);
			return;
		}
		/* GET /api/v1/lookup only reads: one snapshot for the credential check (the
		 * generation counter of a cached token) and the look-up's queries */
		if (req->nseg == 3 && strcmp(req->seg[2], "lookup") == 0 &&
		        strcmp(req->method, "GET") == 0 &&
		        pi_store_read_begin(req->server->store, NULL) == PI_OK)
			req->snapshot = 1;
		if (pi_auth_request(req) == 0)
			pi_api_handle(req);
		if (req->snapshot)
			pi_store_read_end(req->server->store);
		req->snapshot = 0;
		return;
	}
	if (pi_web_handle(req))
		return;
	if (req->nseg == 0) {
		pi_buf_puts(&req->out, "{\"name\":\"postisac\",\"taxii\":\"/taxii2/\",\"api\":\"/api/v1/\"}");
		pi_resp_json(req, 200, "application/json");
		return;
	}
	pi_resp_error(req, 404, "Not found", "no such resource: %.200s", url);
}

static const char *const security_headers[][2] = {
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
	{"Cache-Control", "no-store"},
};
static const char api_csp[] = "default-src 'none'; frame-ancestors 'none'";

static enum MHD_Result send_response(struct pi_request *req)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = req->out.len;
	char *data = pi_buf_steal(&req->out);

	if (req->status == 0) {
		free(data);
		pi_buf_init(&req->out, PI_RESPONSE_CAP);
		pi_resp_error(req, 500, "Internal error", "the request was not answered");
		len = req->out.len;
		data = pi_buf_steal(&req->out);
	}
	if (strcmp(req->method, "HEAD") == 0) {
		free(data);
		data = NULL;
		len = 0;
	}
	if (req->stream_read && data == NULL && len == 0 && strcmp(req->method, "HEAD") != 0) {
		/* MHD owns stream_cls from here and calls stream_free when the response is done */
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024,
			req->stream_read, req->stream_cls, req->stream_free);
		if (resp)
			req->stream_free = NULL;
	} else {
		resp = MHD_create_response_from_buffer(len, data ? data : (char *)"",
			data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	}
	if (!resp) {
		free(data);
		return MHD_NO;
	}
	if (req->content_type)
		MHD_add_response_header(resp, "Content-Type", req->content_type);
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
	MHD_add_response_header(resp, "Content-Security-Policy", req->csp ? req->csp : api_csp);
	for (size_t i = 0; i < req->nheaders; i++)
		MHD_add_response_header(resp, req->header_names[i], req->header_values[i]);
	ret = MHD_queue_response(req->conn, req->status, resp);
	MHD_destroy_response(resp);
	if (req->status / 100 < 6)
		atomic_fetch_add(&req->server->responses_by_class[req->status / 100], 1);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
	const char *method, const char *version, const char *upload_data, size_t *upload_data_size,
	void **con_cls)
{
	pi_server *server = cls;
	struct pi_request *req = *con_cls;

	(void)version;
	if (!req) {
		const char *cl;
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->server = server;
		req->conn = conn;
		req->method = method;
		pi_buf_init(&req->body, server->cfg.max_content_length);
		pi_buf_init(&req->out, PI_RESPONSE_CAP);
		*con_cls = req;
		atomic_fetch_add(&server->requests_total, 1);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl) {
			char *end = NULL;
			unsigned long long n;
			errno = 0;
			n = strtoull(cl, &end, 10);
			if (errno == 0 && end != cl && *end == '\0' &&
				n > server->cfg.max_content_length) {
				/* Answer now: the connection closes instead of reading the body. */
				pi_resp_error(req, 413, "Request too large",
					"the request body (%llu bytes) is larger than max_content_length (%zu bytes)",
					n, server->cfg.max_content_length);
				if (is_taxii_url(url))
					req->content_type = "application/taxii+json;version=2.1";
				return send_response(req);
			}
		}
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!req->body_too_big &&
			pi_buf_append(&req->body, upload_data, *upload_data_size) != PI_OK)
			req->body_too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->status)
		return MHD_YES; /* already answered (early 413) */
	dispatch(req, url);
	return send_response(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct pi_request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (!req)
		return;
	if (req->stream_free)
		req->stream_free(req->stream_cls);
	for (size_t i = 0; i < req->nheaders; i++) {
		free(req->header_names[i]);
		free(req->header_values[i]);
	}
	while (req->allocs) {
		struct pi_req_chunk *next = req->allocs->next;
		free(req->allocs);
		req->allocs = next;
	}
	pi_buf_free(&req->body);
	pi_buf_free(&req->out);
	free(req);
	*con_cls = NULL;
}

/* Leaves paths and query values as sent; they are decoded strictly by us. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	return strlen(s);
}

static char *read_file(const char *path, struct pi_error *err)
{
	FILE *f = fopen(path, "rb");
	struct pi_buf b;
	char chunk[4096];
	size_t n;

	if (!f) {
		pi_error_set(err, PI_ERR_IO, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	pi_buf_init(&b, 1 << 20);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (pi_buf_append(&b, chunk, n) != PI_OK) {
			fclose(f);
			pi_buf_free(&b);
			pi_error_set(err, PI_ERR_TOOBIG, "%s is larger than 1 MB", path);
			return NULL;
		}
	}
	fclose(f);
	return pi_buf_steal(&b);
}

pi_status pi_server_start(const struct pi_server_config *cfg, pi_store *store, pi_server **out,
	struct pi_error *err)
{
	pi_server *s = NULL;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int is_v6 = strchr(cfg->host, ':') != NULL;
	struct sockaddr_in sa4;
	struct sockaddr_in6 sa6;
	struct sockaddr *sa;
	const union MHD_DaemonInfo *info;

	*out = NULL;
	memset(&sa4, 0, sizeof(sa4));
	memset(&sa6, 0, sizeof(sa6));
	if (is_v6) {
		sa6.sin6_family = AF_INET6;
		sa6.sin6_port = htons((uint16_t)cfg->port);
		if (inet_pton(AF_INET6, cfg->host, &sa6.sin6_addr) != 1)
			return pi_error_set(err, PI_ERR_INVALID, "host: '%s' is not an IPv6 address", cfg->host);
		sa = (struct sockaddr *)&sa6;
		flags |= MHD_USE_IPv6;
	} else {
		sa4.sin_family = AF_INET;
		sa4.sin_port = htons((uint16_t)cfg->port);
		if (inet_pton(AF_INET, cfg->host, &sa4.sin_addr) != 1)
			return pi_error_set(err, PI_ERR_INVALID,
				"host: '%s' is not an IPv4 address (use an address like 127.0.0.1 or ::1)", cfg->host);
		sa = (struct sockaddr *)&sa4;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	s->cfg = *cfg;
	s->store = store;
	s->started_at = pi_time_now_us();
	if (cfg->tls_cert[0] || cfg->tls_key[0]) {
		if (!cfg->tls_cert[0] || !cfg->tls_key[0]) {
			free(s);
			return pi_error_set(err, PI_ERR_INVALID, "tls: give both tls_cert and tls_key");
		}
		s->tls_cert_pem = read_file(cfg->tls_cert, err);
		s->tls_key_pem = s->tls_cert_pem ? read_file(cfg->tls_key, err) : NULL;
		if (!s->tls_key_pem) {
			free(s->tls_cert_pem);
			free(s);
			return PI_ERR_IO;
		}
		flags |= MHD_USE_TLS;
	}
	if (s->tls_cert_pem)
		s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
			MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
			keep_escaped, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
			MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_HTTPS_MEM_CERT, s->tls_cert_pem,
			MHD_OPTION_HTTPS_MEM_KEY, s->tls_key_pem, MHD_OPTION_END);
	else
		s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
			MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK,
			keep_escaped, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
			MHD_OPTION_CONNECTION_LIMIT, 4096u, MHD_OPTION_END);
	if (!s->daemon) {
		free(s->tls_cert_pem);
		free(s->tls_key_pem);
		free(s);
		return pi_error_set(err, PI_ERR_IO,
			"cannot listen on %s port %d (is it in use? try --port)", cfg->host, cfg->port);
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : cfg->port;
	*out = s;
	return PI_OK;
}

int pi_server_port(const pi_server *server)
{
	return server->port;
}

void pi_server_stop(pi_server *server)
{
	if (!server)
		return;
	MHD_stop_daemon(server->daemon);
	free(server->tls_cert_pem);
	free(server->tls_key_pem);
	free(server);
}
