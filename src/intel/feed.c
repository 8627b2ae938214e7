/* feed.c - feed writers and the streaming feed cursor (intel/feed.h).
 *
 * Cursor lifecycle:
 *   pi_feed_open    OPENING  (collections chosen and access-checked, writer ready)
 *   pi_feed_next    OPENING  -> ROWS     writes the opening
 *                   ROWS     -> ROWS     one page of PI_FEED_PAGE_ROWS rows of the current
 *                                        collection; moves to the next collection when a page
 *                                        comes back short
 *                   ROWS     -> CLOSING  after the last collection
 *                   CLOSING  -> DONE     writes the end, *done = 1
 *   pi_feed_close   any state
 * Between calls the cursor holds only (collection index, last date_added): no statement,
 * no rows, so a slow reader never pins the database.
 */
#include "intel/feed.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "intel/extract.h"
#include "intel/lookup.h"
#include "intel/warninglist.h"

#define VALUES_PER_INDICATOR_MAX 1000
#define LABELS_TEXT_MAX 1024
#define MSG_VALUE_MAX 200

/* ---- formats ---- */

static const struct {
	const char *name;
	const char *content_type;
	const char *file_name;
} formats[] = {
        [PI_FEED_STIX] = {"stix", "application/stix+json;version=2.1", "postisac-indicators.json"},
        [PI_FEED_CSV] = {"csv", "text/csv; charset=utf-8; header=present",
                "postisac-indicators.csv"},
        [PI_FEED_LIST] = {"list", "text/plain; charset=utf-8", "postisac-indicators.txt"},
        [PI_FEED_SURICATA] = {"suricata", "text/plain; charset=utf-8", "postisac-indicators.rules"},
        [PI_FEED_RPZ] = {"rpz", "text/dns", "postisac-rpz.zone"},
        [PI_FEED_ZEEK] = {"zeek", "text/plain; charset=utf-8", "postisac-intel.dat"},
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

const char *pi_feed_format_name(enum pi_feed_format f)
{
	return (size_t)f < NFORMATS ? formats[f].name : "unknown";
}

int pi_feed_format_parse(const char *name, enum pi_feed_format *out)
{
	for (size_t i = 0; name && i < NFORMATS; i++)
		if (strcmp(name, formats[i].name) == 0) {
			*out = (enum pi_feed_format)i;
			return 0;
		}
	return -1;
}

const char *pi_feed_content_type(enum pi_feed_format f)
{
	return (size_t)f < NFORMATS ? formats[f].content_type : "application/octet-stream";
}

const char *pi_feed_file_name(enum pi_feed_format f)
{
	return (size_t)f < NFORMATS ? formats[f].file_name : "postisac-feed";
}

/* ---- writers ---- */

pi_status pi_feed_writer_init(struct pi_feed_writer *w, enum pi_feed_format f, const char *zone,
        uint32_t sid_base, int64_t now_us, struct pi_error *err)
{
	char norm[PI_OBSERVABLE_MAX_OUTPUT];

	memset(w, 0, sizeof(*w));
	if ((size_t)f >= NFORMATS)
		return pi_error_set(err, PI_ERR_INVALID, "unknown feed format %d", (int)f);
	w->format = f;
	w->next_sid = sid_base ? sid_base : PI_FEED_DEFAULT_SID;
	w->now_us = now_us ? now_us : pi_time_now_us();
	if (!zone)
		zone = PI_FEED_DEFAULT_ZONE;
	if (strlen(zone) > PI_FEED_ZONE_MAX ||
	        pi_observable_normalize(PI_OBSERVABLE_DOMAIN, zone, strlen(zone), NULL, norm,
	                sizeof(norm), NULL, NULL) != PI_OK ||
	        strlen(norm) > PI_FEED_ZONE_MAX)
		return pi_error_set(err, PI_ERR_INVALID,
		        "zone: '%.100s' is not a domain name of at most %d characters (example: "
		        "%s)",
		        zone, PI_FEED_ZONE_MAX, PI_FEED_DEFAULT_ZONE);
	memcpy(w->zone, norm, strlen(norm) + 1);
	return PI_OK;
}

pi_status pi_feed_csv_field(struct pi_buf *out, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int quote = n && (s[0] == ' ' || s[n - 1] == ' ' || strpbrk(s, ",\"\r\n"));
	pi_status st;

	if (!quote)
		return n ? pi_buf_append(out, s, n) : PI_OK;
	st = pi_buf_putc(out, '"');
	for (size_t i = 0; st == PI_OK && i < n; i++)
		st = s[i] == '"' ? pi_buf_append(out, "\"\"", 2) : pi_buf_putc(out, s[i]);
	return st == PI_OK ? pi_buf_putc(out, '"') : st;
}

pi_status pi_feed_writer_begin(struct pi_feed_writer *w, struct pi_buf *out)
{
	char when[PI_TIME_TEXT_LEN];
	char uuid[37];

	pi_time_format_us(w->now_us, when);
	switch (w->format) {
	case PI_FEED_STIX:
		pi_uuid4(uuid);
		return pi_buf_printf(
		        out, "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", uuid);
	case PI_FEED_CSV:
		return pi_buf_puts(
		        out, "value,type,indicator_id,name,tlp,labels,valid_from,valid_until\r\n");
	case PI_FEED_LIST: return PI_OK;
	case PI_FEED_SURICATA:
		return pi_buf_printf(out, "# postisac indicator rules, generated %s\n", when);
	case PI_FEED_RPZ:
		/* serial: seconds since the epoch (fits 32 bits until 2106) */
		return pi_buf_printf(out,
		        "; postisac response policy zone, generated %s\n"
		        "$ORIGIN %s.\n"
		        "$TTL 300\n"
		        "@\tIN\tSOA\tlocalhost. hostmaster.localhost. %lld 3600 600 604800 300\n"
		        "@\tIN\tNS\tlocalhost.\n",
		        when, w->zone, (long long)(w->now_us / 1000000 % 4294967296LL));
	case PI_FEED_ZEEK:
		return pi_buf_puts(out,
		        "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n");
	}
	return PI_OK;
}

pi_status pi_feed_writer_end(struct pi_feed_writer *w, struct pi_buf *out)
{
	if (w->format == PI_FEED_STIX)
		return pi_buf_puts(out, "]}\n");
	return PI_OK;
}

pi_status pi_feed_writer_object(
        struct pi_feed_writer *w, const char *json, size_t len, struct pi_buf *out)
{
	pi_status st = PI_OK;

	if (w->format != PI_FEED_STIX)
		return PI_OK;
	if (w->entries)
		st = pi_buf_putc(out, ',');
	if (st == PI_OK)
		st = pi_buf_append(out, json, len);
	if (st == PI_OK)
		w->entries++;
	return st;
}

/* Text for a Suricata msg or a Zeek meta field: no control characters, Suricata's special
 * characters escaped with a backslash when for_rule, at most MSG_VALUE_MAX bytes of s. */
static pi_status put_text(struct pi_buf *out, const char *s, int for_rule)
{
	size_t n = strnlen(s, MSG_VALUE_MAX + 1);
	pi_status st = PI_OK;

	for (size_t i = 0; st == PI_OK && i < n && i < MSG_VALUE_MAX; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f)
			st = pi_buf_putc(out, ' ');
		else if (for_rule && (ch == '"' || ch == ';' || ch == '\\'))
			st = pi_buf_printf(out, "\\%c", ch);
		else
			st = pi_buf_putc(out, (char)ch);
	}
	if (st == PI_OK && n > MSG_VALUE_MAX)
		st = pi_buf_puts(out, "...");
	return st;
}

/* A Suricata content string body: printable ASCII as is, the characters the rule language
 * reserves (" ; \ |) and anything else as |XX| hex. */
static pi_status put_content(struct pi_buf *out, const char *s, size_t n)
{
	pi_status st = PI_OK;

	for (size_t i = 0; st == PI_OK && i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == ';' || ch == '\\' || ch == '|')
			st = pi_buf_printf(out, "|%02X|", ch);
		else
			st = pi_buf_putc(out, (char)ch);
	}
	return st;
}

static pi_status rule_tail(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	pi_status st =
	        pi_buf_printf(out, " metadata:postisac_indicator %s, tlp %s; sid:%lu; rev:1;)\n",
	                v->indicator_id, pi_tlp_name(v->tlp), (unsigned long)w->next_sid);

	if (st == PI_OK) {
		w->next_sid++;
		w->entries++;
	}
	return st;
}

static pi_status rule_head(
        struct pi_buf *out, const char *header, const struct pi_feed_value *v, const char *what)
{
	pi_status st = pi_buf_printf(
	        out, "alert %s (msg:\"postisac %s ", header, pi_observable_kind_name(v->kind));

	if (st == PI_OK)
		st = put_text(out, v->value, 1);
	if (st == PI_OK)
		st = pi_buf_printf(out, " (%s)\";", what);
	return st;
}

static pi_status suricata_domain(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	static const struct {
		const char *proto, *buffer, *what, *nocase;
	} kinds[] = {
	        {"dns", "dns.query", "DNS query", " nocase;"},
	        {"tls", "tls.sni", "TLS SNI", " nocase;"},
	        {"http", "http.host", "HTTP Host", ""}, /* http.host is lower-cased already */
	};
	pi_status st = PI_OK;

	for (size_t i = 0; st == PI_OK && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		char header[32];
		snprintf(header, sizeof(header), "%s any any -> any any", kinds[i].proto);
		st = rule_head(out, header, v, kinds[i].what);
		if (st == PI_OK)
			st = pi_buf_printf(out, " %s; dotprefix; content:\".", kinds[i].buffer);
		if (st == PI_OK)
			st = put_content(out, v->value, strlen(v->value));
		if (st == PI_OK)
			st = pi_buf_printf(out, "\";%s endswith;", kinds[i].nocase);
		if (st == PI_OK)
			st = rule_tail(w, v, out);
	}
	return st;
}

static pi_status suricata_address(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	char header[128];
	int n = snprintf(header, sizeof(header), "ip any any <> %s any", v->value);
	pi_status st;

	if (n < 0 || (size_t)n >= sizeof(header))
		return PI_OK;
	st = rule_head(out, header, v, "traffic");
	return st == PI_OK ? rule_tail(w, v, out) : st;
}

/* Splits a normalised URL into host and request target (path and query, fragment dropped).
 * Returns 0, or -1 for URLs an HTTP rule cannot express (other schemes, IPv6 hosts). */
static int url_parts(const char *url, const char **host, size_t *host_len, const char **target,
        size_t *target_len)
{
	const char *p, *h, *end;

	if (strncmp(url, "http://", 7) == 0)
		h = url + 7;
	else if (strncmp(url, "https://", 8) == 0)
		h = url + 8;
	else
		return -1;
	end = h + strcspn(h, "/?#");
	p = memchr(h, '@', (size_t)(end - h));
	if (p)
		h = p + 1;
	if (*h == '[' || h == end)
		return -1;
	p = memchr(h, ':', (size_t)(end - h));
	*host = h;
	*host_len = (size_t)((p ? p : end) - h);
	*target = end;
	*target_len = strcspn(end, "#");
	if (*target_len == 0) {
		*target = "/";
		*target_len = 1;
	}
	return 0;
}

static pi_status suricata_url(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	const char *host, *target;
	size_t host_len, target_len;
	pi_status st;

	if (url_parts(v->value, &host, &host_len, &target, &target_len) != 0)
		return PI_OK;
	st = rule_head(out, "http any any -> any any", v, "HTTP request");
	if (st == PI_OK)
		st = pi_buf_puts(out, " http.host; content:\"");
	if (st == PI_OK)
		st = put_content(out, host, host_len);
	if (st == PI_OK)
		st = pi_buf_printf(out, "\"; bsize:%zu; http.uri.raw; content:\"", host_len);
	if (st == PI_OK)
		st = put_content(out, target, target_len);
	if (st == PI_OK)
		st = pi_buf_puts(out, "\"; startswith;");
	return st == PI_OK ? rule_tail(w, v, out) : st;
}

/* The rpz-ip owner name of an address or block: prefix length, then the address reversed
 * (IPv4 bytes; IPv6 16-bit groups with the longest zero run as "zz"). */
static pi_status rpz_ip_owner(const char *value, char *owner, size_t size)
{
	char addr_text[64];
	const char *slash = strchr(value, '/');
	size_t alen = slash ? (size_t)(slash - value) : strlen(value);
	uint8_t a[16];
	int family, prefix, used = 0, n;

	if (alen >= sizeof(addr_text))
		return PI_ERR_INVALID;
	memcpy(addr_text, value, alen);
	addr_text[alen] = '\0';
	if (pi_observable_ip_parse(addr_text, alen, a, &family, NULL) != PI_OK)
		return PI_ERR_INVALID;
	prefix = slash ? atoi(slash + 1) : (family == 4 ? 32 : 128);
	n = snprintf(owner, size, "%d", prefix);
	if (n < 0 || (size_t)n >= size)
		return PI_ERR_TOOBIG;
	used = n;
	if (family == 4) {
		n = snprintf(owner + used, size - (size_t)used, ".%u.%u.%u.%u.rpz-ip", a[3], a[2],
		        a[1], a[0]);
	} else {
		unsigned g[8];
		int best = -1, best_len = 0;
		for (int i = 0; i < 8; i++)
			g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		for (int i = 0; i < 8;) {
			int j = i;
			while (j < 8 && g[j] == 0)
				j++;
			if (j - i > best_len && j - i >= 2) {
				best = i;
				best_len = j - i;
			}
			i = j > i ? j : i + 1;
		}
		for (int i = 7; i >= 0; i--) {
			if (best >= 0 && i >= best && i < best + best_len) {
				if (i == best) {
					n = snprintf(owner + used, size - (size_t)used, ".zz");
					if (n < 0 || (size_t)n >= size - (size_t)used)
						return PI_ERR_TOOBIG;
					used += n;
				}
				continue;
			}
			n = snprintf(owner + used, size - (size_t)used, ".%x", g[i]);
			if (n < 0 || (size_t)n >= size - (size_t)used)
				return PI_ERR_TOOBIG;
			used += n;
		}
		n = snprintf(owner + used, size - (size_t)used, ".rpz-ip");
	}
	if (n < 0 || (size_t)n >= size - (size_t)used)
		return PI_ERR_TOOBIG;
	return PI_OK;
}

static pi_status rpz_value(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	char owner[128];
	size_t zone_len = strlen(w->zone);
	pi_status st;

	switch (v->kind) {
	case PI_OBSERVABLE_DOMAIN:
		/* "*.name.zone." must fit the 253-character limit of a domain name */
		if (strlen(v->value) + 2 + zone_len + 1 > PI_DOMAIN_MAX)
			return PI_OK;
		st = pi_buf_printf(out, "%s\tCNAME\t.\n*.%s\tCNAME\t.\n", v->value, v->value);
		if (st == PI_OK)
			w->entries += 2;
		return st;
	case PI_OBSERVABLE_IPV4:
	case PI_OBSERVABLE_IPV6:
	case PI_OBSERVABLE_IPV4_CIDR:
	case PI_OBSERVABLE_IPV6_CIDR:
		if (rpz_ip_owner(v->value, owner, sizeof(owner)) != PI_OK)
			return PI_OK;
		st = pi_buf_printf(out, "%s\tCNAME\t.\n", owner);
		if (st == PI_OK)
			w->entries++;
		return st;
	default: return PI_OK;
	}
}

static const char *zeek_type(enum pi_observable_kind kind)
{
	switch (kind) {
	case PI_OBSERVABLE_IPV4:
	case PI_OBSERVABLE_IPV6: return "Intel::ADDR";
	case PI_OBSERVABLE_IPV4_CIDR:
	case PI_OBSERVABLE_IPV6_CIDR: return "Intel::SUBNET";
	case PI_OBSERVABLE_DOMAIN: return "Intel::DOMAIN";
	case PI_OBSERVABLE_URL: return "Intel::URL";
	case PI_OBSERVABLE_EMAIL: return "Intel::EMAIL";
	case PI_OBSERVABLE_MD5:
	case PI_OBSERVABLE_SHA1:
	case PI_OBSERVABLE_SHA256:
	case PI_OBSERVABLE_SHA512: return "Intel::FILE_HASH";
	default: return NULL;
	}
}

static pi_status zeek_value(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	const char *type = zeek_type(v->kind);
	const char *value = v->value;
	const char *sep;
	pi_status st;

	if (!type)
		return PI_OK;
	/* Intel::SUBNET wants a block; a bare address of a CIDR kind is an Intel::ADDR */
	if ((v->kind == PI_OBSERVABLE_IPV4_CIDR || v->kind == PI_OBSERVABLE_IPV6_CIDR) &&
	        !strchr(value, '/'))
		type = "Intel::ADDR";
	/* Zeek's URLs carry no scheme: "example.com/path" */
	if (v->kind == PI_OBSERVABLE_URL && (sep = strstr(value, "://")) != NULL)
		value = sep + 3;
	st = pi_buf_printf(out, "%s\t%s\tpostisac\t", value, type);
	if (st == PI_OK && v->name && *v->name) {
		st = put_text(out, v->name, 0);
		if (st == PI_OK)
			st = pi_buf_putc(out, ' ');
	}
	if (st == PI_OK)
		st = pi_buf_printf(out, "(%s, TLP:%s)\t-\n", v->indicator_id, pi_tlp_name(v->tlp));
	if (st == PI_OK)
		w->entries++;
	return st;
}

static pi_status csv_value(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	pi_status st = pi_feed_csv_field(out, v->value);

	if (st == PI_OK)
		st = pi_buf_printf(
		        out, ",%s,%s,", pi_observable_kind_name(v->kind), v->indicator_id);
	if (st == PI_OK)
		st = pi_feed_csv_field(out, v->name);
	if (st == PI_OK)
		st = pi_buf_printf(out, ",%s,", pi_tlp_name(v->tlp));
	if (st == PI_OK)
		st = pi_feed_csv_field(out, v->labels);
	if (st == PI_OK)
		st = pi_buf_putc(out, ',');
	if (st == PI_OK)
		st = pi_feed_csv_field(out, v->valid_from);
	if (st == PI_OK)
		st = pi_buf_putc(out, ',');
	if (st == PI_OK)
		st = pi_feed_csv_field(out, v->valid_until);
	if (st == PI_OK)
		st = pi_buf_puts(out, "\r\n");
	if (st == PI_OK)
		w->entries++;
	return st;
}

pi_status pi_feed_writer_value(
        struct pi_feed_writer *w, const struct pi_feed_value *v, struct pi_buf *out)
{
	pi_status st;

	switch (w->format) {
	case PI_FEED_CSV: return csv_value(w, v, out);
	case PI_FEED_LIST:
		st = pi_buf_printf(out, "%s\n", v->value);
		if (st == PI_OK)
			w->entries++;
		return st;
	case PI_FEED_SURICATA:
		switch (v->kind) {
		case PI_OBSERVABLE_DOMAIN: return suricata_domain(w, v, out);
		case PI_OBSERVABLE_IPV4:
		case PI_OBSERVABLE_IPV6:
		case PI_OBSERVABLE_IPV4_CIDR:
		case PI_OBSERVABLE_IPV6_CIDR: return suricata_address(w, v, out);
		case PI_OBSERVABLE_URL: return suricata_url(w, v, out);
		default: return PI_OK;
		}
	case PI_FEED_RPZ: return rpz_value(w, v, out);
	case PI_FEED_ZEEK: return zeek_value(w, v, out);
	case PI_FEED_STIX: return PI_OK;
	}
	return PI_OK;
}

/* ---- collections ---- */

static int is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return 0;
	}
	return 1;
}

pi_status pi_feed_collection_resolve(
        pi_store *store, const char *name, struct pi_collection *out, struct pi_error *err)
{
	struct pi_group g;
	struct pi_org o;
	struct pi_error e2;
	pi_status st;

	if (!name || !*name || strlen(name) > 200)
		return pi_error_set(err, PI_ERR_INVALID,
		        "collection: give a collection uuid, \"community\", a sharing group name "
		        "or an organisation slug");
	if (is_uuid(name)) {
		st = pi_store_collection_find(store, name, out, err);
		if (st == PI_ERR_NOTFOUND)
			pi_error_set(err, st, "collection: no collection %s", name);
		return st;
	}
	if (strcmp(name, "community") == 0)
		return pi_store_collection_for_scope(store, PI_SCOPE_COMMUNITY, 0, out, err);
	if (pi_store_group_find(store, name, &g, &e2) == PI_OK)
		return pi_store_collection_for_scope(store, PI_SCOPE_GROUP, g.id, out, err);
	if (pi_store_org_find(store, name, &o, &e2) == PI_OK)
		return pi_store_collection_for_scope(store, PI_SCOPE_ORG, o.id, out, err);
	return pi_error_set(err, PI_ERR_NOTFOUND,
	        "collection: '%.100s' is neither a collection uuid, \"community\", a sharing group "
	        "nor an organisation",
	        name);
}

/* ---- the cursor ---- */

enum cursor_state { C_OPENING, C_ROWS, C_CLOSING, C_DONE };

struct pi_feed_cursor {
	pi_store *store;
	struct pi_principal who;
	struct pi_feed_query q;
	struct pi_feed_writer w;
	struct pi_feed_stats stats;
	enum cursor_state state;
	int64_t coll_ids[PI_FEED_MAX_COLLECTIONS];
	size_t ncoll;
	size_t coll_index;
	int64_t after; /* date_added of the last row seen in the current collection */
	/* per page */
	struct pi_buf *out;
	pi_status page_status;
	struct pi_error page_err;
	/* per indicator: the surviving values */
	char *vals[VALUES_PER_INDICATOR_MAX];
	enum pi_observable_kind kinds[VALUES_PER_INDICATOR_MAX];
	size_t nvals;
	int pinned_any;
	const struct pi_warninglists *warninglists;
};

static int listed(const struct pi_feed_query *q, int64_t id)
{
	for (size_t i = 0; i < q->n_collections; i++)
		if (q->collections[i] == id)
			return 1;
	return 0;
}

/* Keeps the collections the principal may read (and, if the query lists some, only those). */
static int pick_collection(void *arg, const struct pi_collection *col)
{
	pi_feed_cursor *c = arg;

	if (c->q.n_collections && !listed(&c->q, col->id))
		return 0;
	if (c->ncoll < PI_FEED_MAX_COLLECTIONS &&
	        pi_access_can_read_scope(&c->who, col->kind, col->scope_id))
		c->coll_ids[c->ncoll++] = col->id;
	return 0;
}

pi_status pi_feed_open(pi_store *store, const struct pi_principal *who,
        const struct pi_feed_query *q, pi_feed_cursor **out, struct pi_error *err)
{
	pi_feed_cursor *c = NULL;
	pi_status st;

	*out = NULL;
	if (q->n_collections > PI_FEED_MAX_COLLECTIONS)
		return pi_error_set(err, PI_ERR_INVALID, "at most %d collections per feed",
		        PI_FEED_MAX_COLLECTIONS);
	c = calloc(1, sizeof(*c));
	if (!c)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	c->store = store;
	c->who = *who;
	c->q = *q;
	if (!c->q.now_us)
		c->q.now_us = pi_time_now_us();
	st = pi_feed_writer_init(&c->w, q->format, q->zone, q->sid_base, c->q.now_us, err);
	if (st != PI_OK)
		goto out;
	st = pi_store_collection_list(store, pick_collection, c, err);
	if (st != PI_OK)
		goto out;
	for (size_t i = 0; i < q->n_collections; i++) {
		int picked = 0;
		for (size_t j = 0; j < c->ncoll; j++)
			picked |= c->coll_ids[j] == q->collections[i];
		if (!picked) {
			st = pi_error_set(err, PI_ERR_NOTFOUND,
			        "collection: no such collection, or not one you may read");
			goto out;
		}
	}
	c->warninglists = c->q.include_warninglisted ? NULL : pi_warninglists_current();
	c->state = C_OPENING;
	*out = c;
	c = NULL;
out:
	free(c);
	return st;
}

void pi_feed_stats_get(const pi_feed_cursor *c, struct pi_feed_stats *out)
{
	*out = c->stats;
	out->entries = c->w.entries;
}

void pi_feed_close(pi_feed_cursor *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nvals; i++)
		free(c->vals[i]);
	free(c);
}

/* TLP rank for the ceiling: unmarked data ranks as AMBER+STRICT (its creator's own). */
static int tlp_rank(enum pi_tlp t)
{
	switch (t) {
	case PI_TLP_CLEAR: return 1;
	case PI_TLP_GREEN: return 2;
	case PI_TLP_AMBER: return 3;
	case PI_TLP_AMBER_STRICT:
	case PI_TLP_UNMARKED: return 4;
	case PI_TLP_RED: return 5;
	}
	return 5;
}

/* Warninglist hook: nonzero if value is a known-benign value that feeds leave out
 * (intel/warninglist.h, the process-wide set). */
static int feed_value_warninglisted(
        const pi_feed_cursor *c, enum pi_observable_kind kind, const char *value)
{
	return pi_warninglist_match(c->warninglists, kind, value, NULL);
}

static int has_label(const cJSON *obj, const char *label)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(obj, "labels");
	const cJSON *l;

	cJSON_ArrayForEach(l, labels)
	{
		if (cJSON_IsString(l) && strcmp(l->valuestring, label) == 0)
			return 1;
	}
	return 0;
}

static void labels_text(const cJSON *obj, char *out, size_t size)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(obj, "labels");
	const cJSON *l;
	size_t used = 0;

	out[0] = '\0';
	cJSON_ArrayForEach(l, labels)
	{
		int n;
		if (!cJSON_IsString(l))
			continue;
		n = snprintf(out + used, size - used, "%s%s", used ? "," : "", l->valuestring);
		if (n < 0 || (size_t)n >= size - used) {
			out[used] = '\0';
			return;
		}
		used += (size_t)n;
	}
}

/* Nonzero if the query's kind filter wants kind; "ipv4" / "ipv6" also take blocks. */
static int kind_wanted(const struct pi_feed_query *q, enum pi_observable_kind kind)
{
	if (!q->kinds || (q->kinds & (1u << kind)))
		return 1;
	if (kind == PI_OBSERVABLE_IPV4_CIDR)
		return (q->kinds & (1u << PI_OBSERVABLE_IPV4)) != 0;
	if (kind == PI_OBSERVABLE_IPV6_CIDR)
		return (q->kinds & (1u << PI_OBSERVABLE_IPV6)) != 0;
	return 0;
}

static int collect_value(void *arg, const struct pi_extracted *e)
{
	pi_feed_cursor *c = arg;
	enum pi_observable_kind kind;

	if (!e->valid)
		return 0;
	c->pinned_any = 1;
	/* the index's kind: a one-address block is an address */
	kind = pi_intel_index_kind(e->kind, e->value);
	if (!kind_wanted(&c->q, kind))
		return 0;
	for (size_t i = 0; i < c->nvals; i++)
		if (c->kinds[i] == kind && strcmp(c->vals[i], e->value) == 0)
			return 0;
	if (!c->q.include_warninglisted && feed_value_warninglisted(c, kind, e->value)) {
		c->stats.warninglisted++;
		return 0;
	}
	if (c->nvals >= VALUES_PER_INDICATOR_MAX)
		return 1;
	c->vals[c->nvals] = strdup(e->value);
	if (!c->vals[c->nvals])
		return 1;
	c->kinds[c->nvals++] = kind;
	return 0;
}

static void clear_values(pi_feed_cursor *c)
{
	for (size_t i = 0; i < c->nvals; i++)
		free(c->vals[i]);
	c->nvals = 0;
	c->pinned_any = 0;
}

static int on_row(void *arg, const struct pi_object_row *row)
{
	pi_feed_cursor *c = arg;
	cJSON *obj = NULL;
	struct pi_error xerr;
	pi_status st = PI_OK;
	uint64_t before = c->w.entries;

	c->after = row->date_added;
	c->stats.rows++;
	if (!pi_access_allows(&c->who, &row->acl, PI_PURPOSE_EXPORT) ||
	        (c->q.has_tlp_max && tlp_rank(row->acl.tlp) > tlp_rank(c->q.tlp_max))) {
		c->stats.denied++;
		return 0;
	}
	obj = cJSON_ParseWithLength(row->body, row->body_len);
	if (!obj)
		return 0; /* stored bodies are valid JSON; nothing to export if not */
	if (!pi_indicator_active(obj, c->q.now_us)) {
		c->stats.expired++;
		goto out;
	}
	if (c->q.label && !has_label(obj, c->q.label))
		goto out;
	clear_values(c);
	if (pi_extract_observables(obj, collect_value, c, &xerr) != PI_OK)
		goto out;
	if (c->w.format == PI_FEED_STIX) {
		if (c->nvals || (!c->pinned_any && !c->q.kinds))
			st = pi_feed_writer_object(&c->w, row->body, row->body_len, c->out);
	} else {
		char labels[LABELS_TEXT_MAX];
		struct pi_feed_value v;
		labels_text(obj, labels, sizeof(labels));
		memset(&v, 0, sizeof(v));
		v.indicator_id = row->stix_id;
		v.name = pi_json_get_string(obj, "name");
		v.tlp = row->acl.tlp;
		v.labels = labels;
		v.valid_from = pi_json_get_string(obj, "valid_from");
		v.valid_until = pi_json_get_string(obj, "valid_until");
		for (size_t i = 0; st == PI_OK && i < c->nvals; i++) {
			v.kind = c->kinds[i];
			v.value = c->vals[i];
			st = pi_feed_writer_value(&c->w, &v, c->out);
		}
	}
	if (c->w.entries > before)
		c->stats.indicators++;
out:
	clear_values(c);
	cJSON_Delete(obj);
	if (st != PI_OK) {
		c->page_status = pi_error_set(&c->page_err, st,
		        "the feed output grew over its buffer cap (%s)", pi_status_name(st));
		return 1;
	}
	return 0;
}

pi_status pi_feed_next(pi_feed_cursor *c, struct pi_buf *out, int *done, struct pi_error *err)
{
	static const char *const types[] = {"indicator", NULL};
	struct pi_object_query oq;
	size_t examined = 0;
	int more = 0;
	pi_status st;

	*done = 0;
	switch (c->state) {
	case C_OPENING:
		st = pi_feed_writer_begin(&c->w, out);
		if (st != PI_OK)
			return pi_error_set(err, st, "cannot write the feed opening");
		c->state = c->ncoll ? C_ROWS : C_CLOSING;
		c->coll_index = 0;
		c->after = c->q.since_us;
		return PI_OK;
	case C_ROWS:
		memset(&oq, 0, sizeof(oq));
		oq.collection_id = c->coll_ids[c->coll_index];
		oq.after = c->after;
		oq.types = types;
		oq.version_flags = PI_MATCH_LAST;
		oq.max_rows = PI_FEED_PAGE_ROWS;
		c->out = out;
		c->page_status = PI_OK;
		st = pi_store_objects_query(c->store, &oq, on_row, c, &examined, &more, err);
		c->out = NULL;
		if (st != PI_OK)
			return st;
		if (c->page_status != PI_OK) {
			*err = c->page_err;
			return c->page_status;
		}
		if (!more) {
			c->coll_index++;
			c->after = c->q.since_us;
			if (c->coll_index >= c->ncoll)
				c->state = C_CLOSING;
		}
		return PI_OK;
	case C_CLOSING:
		st = pi_feed_writer_end(&c->w, out);
		if (st != PI_OK)
			return pi_error_set(err, st, "cannot write the feed end");
		c->state = C_DONE;
		*done = 1;
		return PI_OK;
	case C_DONE: *done = 1; return PI_OK;
	}
	return PI_OK;
}
