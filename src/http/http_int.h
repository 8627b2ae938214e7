/* http_int.h - what the handlers of src/http share: the request being served, the
 * response being built, and helpers. Not for use outside src/http. */
#ifndef PI_HTTP_INT_H
#define PI_HTTP_INT_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/access.h"
#include "core/buf.h"
#include "http/path.h"
#include "http/server.h"

#define PI_MAX_HEADERS 8
#define PI_RESPONSE_CAP ((size_t)256 << 20)

struct pi_server {
	struct pi_server_config cfg;
	pi_store *store;
	struct MHD_Daemon *daemon;
	int port;
	char *tls_cert_pem;
	char *tls_key_pem;
	int64_t started_at;
	atomic_ullong requests_total;
	atomic_ullong responses_by_class[6]; /* index status / 100 */
	atomic_ullong objects_added;
};

struct pi_req_chunk {
	struct pi_req_chunk *next;
	max_align_t data[];
};

struct pi_request {
	pi_server *server;
	struct MHD_Connection *conn;
	const char *method;
	struct pi_path path; /* decoded segments */
	char *seg[PI_PATH_MAX_SEGMENTS]; /* path.seg[i], for handlers */
	size_t nseg;
	struct pi_buf body;
	int body_too_big;
	struct pi_principal who; /* user_id 0: anonymous */
	/* a read snapshot (pi_store_read_begin) opened by the server before authentication, for
	 * read-only routes: the credential check and the handler's queries share it. Auth ends
	 * it early when it must do more than read the generation counter. */
	int snapshot;
	struct pi_req_chunk *allocs; /* freed when the request ends */
	/* response */
	unsigned status;
	const char *content_type;
	struct pi_buf out;
	size_t nheaders;
	char *header_names[PI_MAX_HEADERS];
	char *header_values[PI_MAX_HEADERS];
	/* streamed response (pi_resp_stream): sent instead of out when stream_read is set */
	MHD_ContentReaderCallback stream_read;
	MHD_ContentReaderFreeCallback stream_free;
	void *stream_cls;
	const char *csp; /* static string: replaces the API's Content-Security-Policy (web.c) */
};

/* Adds a response header (copies both strings). */
void pi_resp_header(struct pi_request *req, const char *name, const char *value);
/* Sets a JSON error response. For TAXII paths the body is a TAXII error message
 * ({"title","description","http_status",...}) with the TAXII media type. */
void pi_resp_error(struct pi_request *req, unsigned status, const char *title,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Sets status and content type; the body is whatever was appended to req->out. */
void pi_resp_json(struct pi_request *req, unsigned status, const char *content_type);

/* Sets status and content type and streams the body from read(cls, pos, buf, max) (libmicrohttpd
 * MHD_create_response_from_callback, chunked, unknown size) instead of req->out. free_cb(cls)
 * is called exactly once: when the response is done, or when the request ends without it. */
void pi_resp_stream(struct pi_request *req, unsigned status, const char *content_type,
	MHD_ContentReaderCallback read, MHD_ContentReaderFreeCallback free_cb, void *cls);

/* Query arguments. pi_req_arg returns the decoded value of the first occurrence, NULL
 * if absent; the string lives until the request ends. pi_req_check_args refuses (400,
 * returns -1) any argument not in the NULL-terminated allowed list, repeated arguments
 * that may not repeat, and bad percent-encoding. */
const char *pi_req_arg(struct pi_request *req, const char *name);
int pi_req_check_args(struct pi_request *req, const char *const *allowed);
/* Collects every value of name, comma lists split, into a NULL-terminated array owned by
 * the request; at most max values (400 beyond). Returns NULL if the argument is absent
 * and sets *bad on error. */
const char **pi_req_arg_list(struct pi_request *req, const char *name, size_t max, int *bad);
const char *pi_req_header(struct pi_request *req, const char *name);
/* Allocates memory that is freed with the request. */
void *pi_req_alloc(struct pi_request *req, size_t size);
char *pi_req_strdup(struct pi_request *req, const char *s);


/* Credentials -> req->who. Returns 0 when the request is anonymous or authenticated,
 * -1 (response already set to 401) when credentials are present but wrong. */
int pi_auth_request(struct pi_request *req);
/* Sets 401 with WWW-Authenticate. */
void pi_auth_challenge(struct pi_request *req, const char *why);

/* The JSON API under /api/v1/ is a set of route tables, one per subsystem (api.c: admin;
 * others in api_<subsystem>.c), listed in api_routes.c. A route matches the segments after
 * /api/v1/ ("*" captures one segment into arg[]) and names the query parameters it accepts
 * (pi_req_check_args runs before the handler). Anonymous callers never reach a handler. */
#define PI_API_MAX_ROUTE_SEGS 6
struct pi_api_route {
	const char *method;
	const char *path[PI_API_MAX_ROUTE_SEGS];
	void (*handle)(struct pi_request *req, char **arg);
	const char *const *args;
};
struct pi_api_table {
	const struct pi_api_route *routes;
	const size_t *count;
};
extern const struct pi_api_table pi_api_tables[];
extern const size_t pi_api_ntables;
extern const struct pi_api_route pi_api_admin_routes[];
extern const size_t pi_api_admin_nroutes;
extern const struct pi_api_route pi_api_cases_routes[];
extern const size_t pi_api_cases_nroutes;
extern const struct pi_api_route pi_api_intel_routes[];
extern const size_t pi_api_intel_nroutes;
extern const struct pi_api_route pi_api_feeds_routes[];
extern const size_t pi_api_feeds_nroutes;
extern const struct pi_api_route pi_api_web_routes[];
extern const size_t pi_api_web_nroutes;
extern const struct pi_api_route pi_api_import_routes[];
extern const size_t pi_api_import_nroutes;

/* Handlers. Each sets the response. */
void pi_taxii_handle(struct pi_request *req);
void pi_api_handle(struct pi_request *req);

#endif
