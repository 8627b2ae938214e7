/* api_feeds.c - indicator feeds for firewalls, DNS servers and sensors (docs/feeds.md).
 *
 *   GET /api/v1/feeds/{format}   format: stix, csv, list, suricata, rpz, zeek
 *       ?collection=NAME[,NAME]  collection uuids, "community", group names, org slugs
 *       ?since=TIMESTAMP         only indicators added after it (RFC 3339)
 *       ?type=KIND[,KIND]        observable kinds (domain, ipv4, url, sha256, ...)
 *       ?tlp=LEVEL               ceiling: clear, green, amber, amber+strict, red
 *       ?label=LABEL             only indicators carrying this label
 *       ?include_warninglisted=true   keep values on warninglists
 *       ?zone=NAME               RPZ origin (default rpz.postisac.local)
 *       ?sid_base=N              first Suricata sid (default 1000000)
 *
 * The body is streamed (intel/feed.h cursor, one page at a time through libmicrohttpd's
 * callback response), so a feed of a million indicators costs the server a page of memory.
 * Every indicator passes pi_access_allows with PI_PURPOSE_EXPORT inside the cursor. Feeds
 * answer with a download file name (Content-Disposition) and work with a Bearer token, so a
 * firewall or DNS server can pull them on a schedule.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "http/http_int.h"
#include "intel/feed.h"

#define FEED_MAX_TYPES 16

/* The streaming state: owned by libmicrohttpd once the response is created. */
struct feed_stream {
	pi_feed_cursor *cursor;
	struct pi_buf pending;
	size_t sent; /* bytes of pending already handed out */
	int done;
	char username[64];
	char label[256]; /* the cursor's label filter lives here */
};

static void feed_stream_free(void *cls)
{
	struct feed_stream *s = cls;

	if (!s)
		return;
	pi_feed_close(s->cursor);
	pi_buf_free(&s->pending);
	free(s);
}

static ssize_t feed_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct feed_stream *s = cls;
	size_t n;

	(void)pos;
	while (s->sent == s->pending.len) {
		struct pi_error err;
		if (s->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pi_buf_reset(&s->pending);
		s->sent = 0;
		if (pi_feed_next(s->cursor, &s->pending, &s->done, &err) != PI_OK) {
			pi_log_error(
			        "event=feed_failed user=%s error=\"%s\"", s->username, err.message);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
	}
	n = s->pending.len - s->sent;
	if (n > max)
		n = max;
	memcpy(buf, s->pending.data + s->sent, n);
	s->sent += n;
	return (ssize_t)n;
}

static int parse_bool(const char *s, int *out)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

static void get_feed(struct pi_request *req, char **arg)
{
	pi_store *store = req->server->store;
	struct pi_feed_query q;
	struct feed_stream *s = NULL;
	const char **list;
	const char *v;
	char disposition[128];
	struct pi_error err;
	int bad = 0;

	memset(&q, 0, sizeof(q));
	if (pi_feed_format_parse(arg[0], &q.format) != 0) {
		pi_resp_error(req, 404, "Not found",
		        "no feed format '%.40s'; use stix, csv, list, suricata, rpz or zeek",
		        arg[0]);
		return;
	}
	list = pi_req_arg_list(req, "collection", PI_FEED_MAX_COLLECTIONS, &bad);
	if (bad) {
		pi_resp_error(req, 400, "Bad query parameter",
		        "collection: give at most %d collections, comma-separated",
		        PI_FEED_MAX_COLLECTIONS);
		return;
	}
	for (size_t i = 0; list && list[i]; i++) {
		struct pi_collection c;
		int dup = 0;
		if (pi_feed_collection_resolve(store, list[i], &c, &err) != PI_OK) {
			pi_resp_error(req, err.status == PI_ERR_NOTFOUND ? 404 : 400,
			        err.status == PI_ERR_NOTFOUND ? "Not found" : "Bad query parameter",
			        "%s", err.message);
			return;
		}
		for (size_t j = 0; j < q.n_collections; j++)
			dup |= q.collections[j] == c.id;
		if (!dup)
			q.collections[q.n_collections++] = c.id;
	}
	v = pi_req_arg(req, "since");
	if (v && pi_time_parse_us(v, &q.since_us, &err) != PI_OK) {
		pi_resp_error(req, 400, "Bad query parameter",
		        "since: '%.60s' is not an RFC 3339 UTC timestamp (example: "
		        "2026-01-31T00:00:00Z)",
		        v);
		return;
	}
	list = pi_req_arg_list(req, "type", FEED_MAX_TYPES, &bad);
	if (bad) {
		pi_resp_error(req, 400, "Bad query parameter",
		        "type: at most %d kinds, comma-separated", FEED_MAX_TYPES);
		return;
	}
	for (size_t i = 0; list && list[i]; i++) {
		enum pi_observable_kind k = pi_observable_kind_from_name(list[i]);
		if (k == PI_OBSERVABLE_NONE) {
			pi_resp_error(req, 400, "Bad query parameter",
			        "type: '%.40s' is not an observable kind (ipv4, ipv6, ipv4-cidr, "
			        "ipv6-cidr, domain, url, email, md5, sha1, sha256, sha512, phone, "
			        "sms-sender)",
			        list[i]);
			return;
		}
		q.kinds |= 1u << k;
	}
	v = pi_req_arg(req, "tlp");
	if (v) {
		if (pi_tlp_parse(v, &q.tlp_max) != 0 || q.tlp_max == PI_TLP_UNMARKED) {
			pi_resp_error(req, 400, "Bad query parameter",
			        "tlp: '%.40s' is not a TLP level (clear, green, amber, "
			        "amber+strict, red)",
			        v);
			return;
		}
		q.has_tlp_max = 1;
	}
	q.label = pi_req_arg(req, "label");
	v = pi_req_arg(req, "include_warninglisted");
	if (v && parse_bool(v, &q.include_warninglisted) != 0) {
		pi_resp_error(req, 400, "Bad query parameter",
		        "include_warninglisted: use true or false");
		return;
	}
	q.zone = pi_req_arg(req, "zone");
	v = pi_req_arg(req, "sid_base");
	if (v) {
		char *end = NULL;
		unsigned long n = strtoul(v, &end, 10);
		if (!end || *end || n < 1 || n > 4000000000UL) {
			pi_resp_error(req, 400, "Bad query parameter",
			        "sid_base: give a number from 1 to 4000000000");
			return;
		}
		q.sid_base = (uint32_t)n;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		pi_resp_error(req, 500, "Internal error", "out of memory");
		return;
	}
	pi_buf_init(&s->pending, (size_t)64 << 20);
	snprintf(s->username, sizeof(s->username), "%s", req->who.username);
	/* the label string lives in the request; the cursor may outlive it, so copy it into s */
	if (q.label) {
		if (strlen(q.label) >= sizeof(s->label)) {
			feed_stream_free(s);
			pi_resp_error(
			        req, 400, "Bad query parameter", "label: at most 255 characters");
			return;
		}
		snprintf(s->label, sizeof(s->label), "%s", q.label);
		q.label = s->label;
	}
	if (pi_feed_open(store, &req->who, &q, &s->cursor, &err) != PI_OK) {
		feed_stream_free(s);
		if (err.status == PI_ERR_NOTFOUND)
			pi_resp_error(req, 404, "Not found", "%s", err.message);
		else if (err.status == PI_ERR_INVALID)
			pi_resp_error(req, 400, "Bad query parameter", "%s", err.message);
		else
			pi_resp_error(req, 500, "Internal error", "the feed could not be opened");
		return;
	}
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s\"",
	        pi_feed_file_name(q.format));
	pi_resp_header(req, "Content-Disposition", disposition);
	pi_log_info("event=feed user=%s format=%s collections=%zu", req->who.username,
	        pi_feed_format_name(q.format), q.n_collections);
	pi_resp_stream(
	        req, 200, pi_feed_content_type(q.format), feed_stream_read, feed_stream_free, s);
}

static const char *const feed_args[] = {"collection", "since", "type", "tlp", "label",
        "include_warninglisted", "zone", "sid_base", NULL};

const struct pi_api_route pi_api_feeds_routes[] = {
        {"GET", {"feeds", "*"}, get_feed, feed_args},
};
const size_t pi_api_feeds_nroutes = sizeof(pi_api_feeds_routes) / sizeof(pi_api_feeds_routes[0]);
