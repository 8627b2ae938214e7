/* import.c - the bulk import driver (intel/import.h): format detection, values into
 * indicators, MISP events, batching through pi_ingest_objects, and the summary.
 *
 * A batch holds at most PI_IMPORT_BATCH parsed objects and where each came from. Flushing a
 * batch: (1) ask the store for the latest version of each id in the collection; (2) for
 * indicators this module built from CSV or MISP values, drop those whose meaningful content
 * (pattern, name, description, labels, markings, valid_until) is already there - "unchanged" -
 * and give changed CSV values a new version (same id and created, modified now); (3) ingest;
 * (4) count each outcome: added and unknown before = imported, added and known = updated,
 * "already present" = unchanged, failed = rejected with the ingest's reason.
 */
#include "intel/import.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/timeutil.h"
#include "intel/ingest.h"

#define PEEK_MAX ((size_t)64 << 10)
#define REASONS_CAP ((size_t)64 << 20)
#define LABELS_MAX 16
#define LABEL_LEN_MAX 100

enum origin { FROM_STIX = 0, FROM_CSV, FROM_MISP };

struct existing {
	char *id;
	char *body; /* CSV / MISP batches only */
};

struct import_ctx {
	pi_store *store;
	const struct pi_collection *coll;
	const struct pi_principal *who;
	const struct pi_import_options *opt;
	struct pi_import_summary *sum;
	struct pi_buf reasons;
	size_t reasons_kept;
	size_t reasons_max;
	char now_ts[PI_TIME_TEXT_LEN];
	int64_t now_us;
	char creator[64]; /* identity of the importing organisation */
	/* the batch */
	cJSON *batch;
	size_t n;
	enum origin origin[PI_IMPORT_BATCH];
	char where[PI_IMPORT_BATCH][40];
	struct existing known[PI_IMPORT_BATCH];
	size_t nknown;
	/* progress */
	uint64_t bytes;
};

/* ---- input with a replayed prefix (format detection) and a byte count ---- */

struct counted_input {
	pi_import_read_fn read;
	void *ctx;
	char *prefix;
	size_t prefix_len, prefix_pos;
	uint64_t *bytes;
};

static size_t counted_read(void *arg, char *buf, size_t max)
{
	struct counted_input *in = arg;
	size_t n;

	if (in->prefix_pos < in->prefix_len) {
		n = in->prefix_len - in->prefix_pos;
		if (n > max)
			n = max;
		memcpy(buf, in->prefix + in->prefix_pos, n);
		in->prefix_pos += n;
	} else {
		n = in->read(in->ctx, buf, max);
		if (n == (size_t)-1)
			return n;
	}
	*in->bytes += n;
	return n;
}

/* ---- reasons ---- */

static void add_reason(struct import_ctx *x, const char *where, const char *id, const char *why)
{
	x->sum->rejected++;
	if (x->reasons_kept >= x->reasons_max) {
		x->sum->reasons_dropped++;
		return;
	}
	if (x->reasons_kept && pi_buf_putc(&x->reasons, ',') != PI_OK) {
		x->sum->reasons_dropped++;
		return;
	}
	pi_buf_puts(&x->reasons, "{\"where\":");
	pi_buf_json_string(&x->reasons, where ? where : "");
	if (id) {
		pi_buf_puts(&x->reasons, ",\"id\":");
		pi_buf_json_string(&x->reasons, id);
	}
	pi_buf_puts(&x->reasons, ",\"reason\":");
	pi_buf_json_string(&x->reasons, why);
	pi_buf_putc(&x->reasons, '}');
	x->reasons_kept++;
}

/* ---- kinds and patterns ---- */

static const struct {
	const char *type;
	enum pi_observable_kind kind;
} type_words[] = {
        {"ip", PI_OBSERVABLE_IPV4_CIDR},
        {"ip-src", PI_OBSERVABLE_IPV4_CIDR},
        {"ip-dst", PI_OBSERVABLE_IPV4_CIDR},
        {"ip-src|port", PI_OBSERVABLE_IPV4_CIDR},
        {"ip-dst|port", PI_OBSERVABLE_IPV4_CIDR},
        {"ipv4-addr", PI_OBSERVABLE_IPV4_CIDR},
        {"ipv6-addr", PI_OBSERVABLE_IPV6_CIDR},
        {"cidr", PI_OBSERVABLE_IPV4_CIDR},
        {"domain-name", PI_OBSERVABLE_DOMAIN},
        {"hostname", PI_OBSERVABLE_DOMAIN},
        {"hostname|port", PI_OBSERVABLE_DOMAIN},
        {"email-addr", PI_OBSERVABLE_EMAIL},
        {"email-src", PI_OBSERVABLE_EMAIL},
        {"email-dst", PI_OBSERVABLE_EMAIL},
        {"email-reply-to", PI_OBSERVABLE_EMAIL},
        {"filename|md5", PI_OBSERVABLE_MD5},
        {"filename|sha1", PI_OBSERVABLE_SHA1},
        {"filename|sha256", PI_OBSERVABLE_SHA256},
        {"filename|sha512", PI_OBSERVABLE_SHA512},
        {"phone-number", PI_OBSERVABLE_PHONE},
        {"x-phone-number", PI_OBSERVABLE_PHONE},
        {"whois-registrant-phone", PI_OBSERVABLE_PHONE},
        {"x-sms-sender", PI_OBSERVABLE_SMS_SENDER},
};

enum pi_observable_kind pi_import_kind_from_type(const char *type)
{
	enum pi_observable_kind k;

	if (!type)
		return PI_OBSERVABLE_NONE;
	k = pi_observable_kind_from_name(type);
	if (k != PI_OBSERVABLE_NONE)
		return k;
	for (size_t i = 0; i < sizeof(type_words) / sizeof(type_words[0]); i++)
		if (strcasecmp(type, type_words[i].type) == 0)
			return type_words[i].kind;
	return PI_OBSERVABLE_NONE;
}

static int all_hex(const char *s)
{
	return *s && strspn(s, "0123456789abcdefABCDEF") == strlen(s);
}

enum pi_observable_kind pi_import_kind_guess(const char *v)
{
	size_t n = strlen(v);
	uint8_t a[16];
	int fam;

	if (all_hex(v)) {
		if (n == 32)
			return PI_OBSERVABLE_MD5;
		if (n == 40)
			return PI_OBSERVABLE_SHA1;
		if (n == 64)
			return PI_OBSERVABLE_SHA256;
		if (n == 128)
			return PI_OBSERVABLE_SHA512;
	}
	if (strstr(v, "://"))
		return PI_OBSERVABLE_URL;
	if (strchr(v, '@'))
		return PI_OBSERVABLE_EMAIL;
	if (strchr(v, ':') || pi_observable_ip_parse(v, n, a, &fam, NULL) == PI_OK)
		return strchr(v, ':') ? PI_OBSERVABLE_IPV6_CIDR : PI_OBSERVABLE_IPV4_CIDR;
	if (strchr(v, '/') && strspn(v, "0123456789./") == n)
		return PI_OBSERVABLE_IPV4_CIDR;
	if (v[0] == '+' && n > 1 && strspn(v + 1, "0123456789 -") == n - 1)
		return PI_OBSERVABLE_PHONE;
	if (strchr(v, '.'))
		return PI_OBSERVABLE_DOMAIN;
	return PI_OBSERVABLE_NONE;
}

/* Normalises raw as kind. IP kinds follow the value: an address with ':' is IPv6, and the
 * result is a bare address (IPV4/IPV6) or a block (*_CIDR). */
static pi_status normalize(enum pi_observable_kind kind, const char *raw, char *out, size_t size,
        enum pi_observable_kind *final, struct pi_error *err)
{
	int is_ip = kind == PI_OBSERVABLE_IPV4 || kind == PI_OBSERVABLE_IPV6 ||
	            kind == PI_OBSERVABLE_IPV4_CIDR || kind == PI_OBSERVABLE_IPV6_CIDR;
	pi_status st;

	if (is_ip)
		kind = strchr(raw, ':') ? PI_OBSERVABLE_IPV6_CIDR : PI_OBSERVABLE_IPV4_CIDR;
	st = pi_observable_normalize(kind, raw, strlen(raw), NULL, out, size, NULL, err);
	if (st != PI_OK)
		return st;
	if (is_ip && !strchr(out, '/'))
		kind = kind == PI_OBSERVABLE_IPV6_CIDR ? PI_OBSERVABLE_IPV6 : PI_OBSERVABLE_IPV4;
	*final = kind;
	return PI_OK;
}

pi_status pi_import_pattern(enum pi_observable_kind kind, const char *value, struct pi_buf *out)
{
	const char *path;
	pi_status st;

	switch (kind) {
	case PI_OBSERVABLE_IPV4:
	case PI_OBSERVABLE_IPV4_CIDR: path = "ipv4-addr:value"; break;
	case PI_OBSERVABLE_IPV6:
	case PI_OBSERVABLE_IPV6_CIDR: path = "ipv6-addr:value"; break;
	case PI_OBSERVABLE_DOMAIN: path = "domain-name:value"; break;
	case PI_OBSERVABLE_URL: path = "url:value"; break;
	case PI_OBSERVABLE_EMAIL: path = "email-addr:value"; break;
	case PI_OBSERVABLE_MD5: path = "file:hashes.MD5"; break;
	case PI_OBSERVABLE_SHA1: path = "file:hashes.'SHA-1'"; break;
	case PI_OBSERVABLE_SHA256: path = "file:hashes.'SHA-256'"; break;
	case PI_OBSERVABLE_SHA512: path = "file:hashes.'SHA-512'"; break;
	case PI_OBSERVABLE_PHONE: path = "x-phone-number:value"; break;
	case PI_OBSERVABLE_SMS_SENDER: path = "x-sms-sender:value"; break;
	default: return PI_ERR_INVALID;
	}
	st = pi_buf_printf(out, "[%s = '", path);
	for (const char *p = value; st == PI_OK && *p; p++)
		st = (*p == '\'' || *p == '\\') ? pi_buf_printf(out, "\\%c", *p)
		                                : pi_buf_putc(out, *p);
	return st == PI_OK ? pi_buf_puts(out, "']") : st;
}

/* indicator--<UUID> from a SHA-256 of the parts (RFC 4122 version 5 layout). */
static void derived_id(const char *a, const char *b, const char *c, char out[64])
{
	crypto_hash_sha256_state h;
	unsigned char d[32];

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, (const unsigned char *)"postisac-import", 16);
	crypto_hash_sha256_update(&h, (const unsigned char *)a, strlen(a) + 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)b, strlen(b) + 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)c, strlen(c) + 1);
	crypto_hash_sha256_final(&h, d);
	d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);
	d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);
	snprintf(out, 64,
	        "indicator--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	        d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12],
	        d[13], d[14], d[15]);
}

/* A value to become an indicator. */
struct value_in {
	enum pi_observable_kind kind; /* as given or guessed */
	const char *raw;
	enum pi_tlp tlp;
	cJSON *labels; /* array of strings or NULL; borrowed */
	const char *name;
	const char *description;
	const char *valid_until;
	const char *id;       /* NULL: derived from the value */
	const char *created;  /* NULL: now */
	const char *modified; /* NULL: created */
};

/* Builds the indicator (*out, caller deletes) or explains why not. */
static pi_status build_indicator(
        struct import_ctx *x, const struct value_in *v, cJSON **out, struct pi_error *err)
{
	char norm[PI_OBSERVABLE_MAX_OUTPUT];
	char id[64];
	enum pi_observable_kind kind = v->kind;
	struct pi_buf pat;
	cJSON *o = NULL;
	pi_status st;
	int64_t until;

	*out = NULL;
	if (kind == PI_OBSERVABLE_NONE) {
		kind = pi_import_kind_guess(v->raw);
		if (kind == PI_OBSERVABLE_NONE)
			return pi_error_set(err, PI_ERR_INVALID,
			        "cannot tell what kind of value '%.80s' is; give its type (domain, "
			        "ipv4, url, email, sha256, ...)",
			        v->raw);
	}
	st = normalize(kind, v->raw, norm, sizeof(norm), &kind, err);
	if (st != PI_OK) {
		pi_error_prefix(err, "%s '%.80s'", pi_observable_kind_name(kind), v->raw);
		return st;
	}
	if (v->valid_until && *v->valid_until &&
	        pi_time_parse_us(v->valid_until, &until, err) != PI_OK) {
		pi_error_prefix(err, "valid_until");
		return PI_ERR_INVALID;
	}
	pi_buf_init(&pat, PI_OBSERVABLE_MAX_OUTPUT * 2 + 64);
	st = pi_import_pattern(kind, norm, &pat);
	if (st != PI_OK) {
		pi_buf_free(&pat);
		return pi_error_set(err, PI_ERR_INVALID, "no pattern for %s values",
		        pi_observable_kind_name(kind));
	}
	if (v->id)
		snprintf(id, sizeof(id), "%s", v->id);
	else
		derived_id(pi_observable_kind_name(kind), norm, "", id);
	o = cJSON_CreateObject();
	if (!o) {
		pi_buf_free(&pat);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	cJSON_AddStringToObject(o, "type", "indicator");
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	cJSON_AddStringToObject(o, "id", id);
	if (x->creator[0])
		cJSON_AddStringToObject(o, "created_by_ref", x->creator);
	cJSON_AddStringToObject(o, "created", v->created ? v->created : x->now_ts);
	cJSON_AddStringToObject(o, "modified",
	        v->modified  ? v->modified
	        : v->created ? v->created
	                     : x->now_ts);
	cJSON_AddStringToObject(o, "name", v->name && *v->name ? v->name : norm);
	if (v->description && *v->description)
		cJSON_AddStringToObject(o, "description", v->description);
	cJSON_AddStringToObject(o, "pattern", pat.data);
	cJSON_AddStringToObject(o, "pattern_type", "stix");
	cJSON_AddStringToObject(o, "valid_from", v->created ? v->created : x->now_ts);
	if (v->valid_until && *v->valid_until)
		cJSON_AddStringToObject(o, "valid_until", v->valid_until);
	if (v->labels && cJSON_GetArraySize(v->labels) > 0)
		cJSON_AddItemToObject(o, "labels", cJSON_Duplicate(v->labels, 1));
	if (v->tlp != PI_TLP_UNMARKED) {
		cJSON *refs = cJSON_AddArrayToObject(o, "object_marking_refs");
		cJSON_AddItemToArray(refs, cJSON_CreateString(pi_tlp_marking_id(v->tlp)));
	}
	pi_buf_free(&pat);
	*out = o;
	return PI_OK;
}

/* ---- batches ---- */

static void clear_known(struct import_ctx *x)
{
	for (size_t i = 0; i < x->nknown; i++) {
		free(x->known[i].id);
		free(x->known[i].body);
	}
	x->nknown = 0;
}

static int on_known(void *arg, const struct pi_object_row *row)
{
	struct import_ctx *x = arg;
	struct existing *e;

	if (x->nknown >= PI_IMPORT_BATCH)
		return 1;
	e = &x->known[x->nknown];
	e->id = strdup(row->stix_id);
	e->body = x->origin[0] != FROM_STIX ? strndup(row->body, row->body_len) : NULL;
	if (!e->id) {
		free(e->body);
		return 1;
	}
	x->nknown++;
	return 0;
}

static const struct existing *find_known(const struct import_ctx *x, const char *id)
{
	for (size_t i = 0; id && i < x->nknown; i++)
		if (strcmp(x->known[i].id, id) == 0)
			return &x->known[i];
	return NULL;
}

static int same_member(const cJSON *a, const cJSON *b, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, key);
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, key);

	if (!x || !y)
		return !x && !y;
	return cJSON_Compare(x, y, 1);
}

/* Nonzero if the stored version says the same as the built one. */
static int same_content(const cJSON *built, const char *stored_body)
{
	static const char *const keys[] = {"pattern", "name", "description", "labels",
	        "object_marking_refs", "valid_until", NULL};
	cJSON *stored = stored_body ? cJSON_Parse(stored_body) : NULL;
	int same = stored != NULL;

	for (size_t i = 0; same && keys[i]; i++)
		same = same_member(built, stored, keys[i]);
	cJSON_Delete(stored);
	return same;
}

static int batch_index_of(const struct import_ctx *x, const char *id)
{
	int i = 0;
	const cJSON *o;

	cJSON_ArrayForEach(o, x->batch)
	{
		const char *oid = cJSON_IsObject(o) ? pi_json_get_string(o, "id") : NULL;
		if (oid && id && strcmp(oid, id) == 0)
			return i;
		i++;
	}
	return -1;
}

static pi_status flush(struct import_ctx *x, struct pi_error *err)
{
	const char *ids[PI_IMPORT_BATCH + 1];
	size_t nids = 0;
	struct pi_object_query q;
	struct pi_ingest_result res;
	cJSON *details = NULL, *o, *next;
	char where_of[PI_IMPORT_BATCH][40];
	pi_status st = PI_OK;
	size_t i;

	if (x->n == 0)
		return PI_OK;
	memset(&res, 0, sizeof(res));
	cJSON_ArrayForEach(o, x->batch)
	{
		const char *id = cJSON_IsObject(o) ? pi_json_get_string(o, "id") : NULL;
		if (id && strlen(id) < 300)
			ids[nids++] = id;
	}
	ids[nids] = NULL;
	clear_known(x);
	if (nids) {
		memset(&q, 0, sizeof(q));
		q.collection_id = x->coll->id;
		q.ids = ids;
		q.version_flags = PI_MATCH_LAST;
		q.max_rows = 2 * PI_IMPORT_BATCH;
		st = pi_store_objects_query(x->store, &q, on_known, x, NULL, NULL, err);
		if (st != PI_OK)
			goto out;
	}
	/* built indicators already there with the same content: unchanged, not sent */
	i = 0;
	for (o = x->batch ? x->batch->child : NULL; o; o = next) {
		const struct existing *e;
		next = o->next;
		if (x->origin[i] != FROM_STIX &&
		        (e = find_known(x, pi_json_get_string(o, "id"))) != NULL) {
			if (same_content(o, e->body)) {
				x->sum->unchanged++;
				cJSON_Delete(cJSON_DetachItemViaPointer(x->batch, o));
				memmove(&x->origin[i], &x->origin[i + 1],
				        (x->n - i - 1) * sizeof(x->origin[0]));
				memmove(&x->where[i], &x->where[i + 1],
				        (x->n - i - 1) * sizeof(x->where[0]));
				x->n--;
				continue;
			}
			if (x->origin[i] == FROM_CSV) {
				/* a new version: same id and created, modified now */
				cJSON *stored = cJSON_Parse(e->body);
				const char *created =
				        stored ? pi_json_get_string(stored, "created") : NULL;
				if (created) {
					cJSON_ReplaceItemInObject(
					        o, "created", cJSON_CreateString(created));
				}
				cJSON_Delete(stored);
			}
		}
		i++;
	}
	if (x->n == 0)
		goto out;
	memcpy(where_of, x->where, sizeof(where_of[0]) * x->n);
	st = pi_ingest_objects(x->store, x->coll, x->who, x->batch, &res, err);
	if (st != PI_OK)
		goto out;
	details = res.details ? cJSON_Parse(res.details) : NULL;
	if (!details) {
		st = pi_error_set(err, PI_ERR_INTERNAL, "the ingest status could not be read");
		goto out;
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(details, "successes"))
	{
		const char *id = pi_json_get_string(o, "id");
		const char *msg = pi_json_get_string(o, "message");
		if (msg && strcmp(msg, "already present") == 0)
			x->sum->unchanged++;
		else if (find_known(x, id))
			x->sum->updated++;
		else
			x->sum->imported++;
	}
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(details, "failures"))
	{
		const char *id = pi_json_get_string(o, "id");
		const char *msg = pi_json_get_string(o, "message");
		int idx = batch_index_of(x, id);
		add_reason(x, idx >= 0 ? where_of[idx] : "", id && *id ? id : NULL,
		        msg ? msg : "refused");
	}
out:
	cJSON_Delete(details);
	free(res.details);
	clear_known(x);
	cJSON_Delete(x->batch);
	x->batch = NULL;
	x->n = 0;
	if (x->opt->progress)
		x->opt->progress(x->opt->progress_arg, x->bytes, x->sum->records);
	return st;
}

/* Takes obj into the batch (always: the caller gives up obj), flushing when full. */
static pi_status add_object(struct import_ctx *x, cJSON *obj, enum origin origin, const char *where,
        struct pi_error *err)
{
	if (!x->batch) {
		x->batch = cJSON_CreateArray();
		if (!x->batch) {
			cJSON_Delete(obj);
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		}
	}
	/* a batch holds one origin, so the known-bodies lookup knows what to keep */
	if (x->n && x->origin[0] != origin) {
		pi_status st = flush(x, err);
		if (st != PI_OK) {
			cJSON_Delete(obj);
			return st;
		}
		return add_object(x, obj, origin, where, err);
	}
	cJSON_AddItemToArray(x->batch, obj);
	x->origin[x->n] = origin;
	snprintf(x->where[x->n], sizeof(x->where[0]), "%s", where);
	x->n++;
	return x->n >= PI_IMPORT_BATCH ? flush(x, err) : PI_OK;
}

/* ---- STIX ---- */

static pi_status import_stix(
        struct import_ctx *x, pi_import_read_fn read, void *ctx, struct pi_error *err)
{
	pi_bundle_reader *r = NULL;
	pi_status st;

	st = pi_bundle_reader_new(read, ctx, 0, &r, err);
	while (st == PI_OK) {
		const char *text;
		size_t len;
		uint64_t off = 0;
		cJSON *obj = NULL;
		struct pi_error oerr;
		char where[40];

		st = pi_bundle_reader_next(r, &text, &len, &off, err);
		if (st != PI_OK || !text)
			break;
		x->sum->records++;
		snprintf(where, sizeof(where), "byte %llu", (unsigned long long)off);
		if (pi_json_parse(text, len, PI_JSON_MAX_DEPTH, &obj, &oerr) != PI_OK) {
			add_reason(x, where, NULL, oerr.message);
			continue;
		}
		st = add_object(x, obj, FROM_STIX, where, err);
	}
	if (st == PI_OK)
		st = flush(x, err);
	else {
		struct pi_error ferr;
		/* keep what was read before the error: the batch is valid on its own */
		flush(x, &ferr);
	}
	pi_bundle_reader_free(r);
	return st;
}

/* ---- CSV ---- */

static void trim(char *s)
{
	size_t n = strlen(s), b = 0;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	while (s[b] == ' ' || s[b] == '\t')
		b++;
	if (b)
		memmove(s, s + b, n - b + 1);
}

/* Splits "a;b, c|d" into a JSON array of labels. */
static cJSON *split_labels(const char *text)
{
	cJSON *arr = cJSON_CreateArray();
	char copy[2048];
	char *save = NULL;
	int n = 0;

	if (!arr || !text || !*text)
		return arr;
	snprintf(copy, sizeof(copy), "%s", text);
	for (char *p = strtok_r(copy, ",;|", &save); p && n < LABELS_MAX;
	        p = strtok_r(NULL, ",;|", &save)) {
		trim(p);
		if (*p && strlen(p) <= LABEL_LEN_MAX) {
			cJSON_AddItemToArray(arr, cJSON_CreateString(p));
			n++;
		}
	}
	return arr;
}

static const char *field(char *const *f, size_t nf, int col)
{
	return col >= 0 && (size_t)col < nf ? f[col] : NULL;
}

static pi_status import_csv(
        struct import_ctx *x, pi_import_read_fn read, void *ctx, struct pi_error *err)
{
	pi_csv_reader *r = NULL;
	struct pi_csv_map map;
	int need_header;
	pi_status st;

	if (x->opt->map)
		map = *x->opt->map;
	else
		pi_csv_map_parse(NULL, &map, NULL);
	need_header = x->opt->csv_header || map.uses_names;
	st = pi_csv_reader_new(read, ctx, &r, err);
	while (st == PI_OK) {
		char *const *f;
		size_t nf;
		uint64_t line;
		struct value_in v;
		struct pi_error verr;
		char where[40];
		cJSON *obj = NULL;
		const char *s;

		st = pi_csv_reader_next(r, &f, &nf, &line, err);
		if (st != PI_OK || nf == 0)
			break;
		if (need_header) {
			st = pi_csv_map_resolve(&map, f, nf, err);
			need_header = 0;
			continue;
		}
		if (nf == 1 && f[0][0] == '\0')
			continue; /* blank line */
		x->sum->records++;
		snprintf(where, sizeof(where), "line %llu", (unsigned long long)line);
		for (size_t i = 0; i < nf; i++)
			trim(f[i]);
		memset(&v, 0, sizeof(v));
		v.raw = field(f, nf, map.column[PI_CSV_VALUE]);
		if (!v.raw) {
			char why[128];
			snprintf(why, sizeof(why), "has %zu fields; the value is in column %d", nf,
			        map.column[PI_CSV_VALUE] + 1);
			add_reason(x, where, NULL, why);
			continue;
		}
		if (!*v.raw) {
			add_reason(x, where, NULL, "empty value");
			continue;
		}
		s = field(f, nf, map.column[PI_CSV_TYPE]);
		if (s && *s) {
			v.kind = pi_import_kind_from_type(s);
			if (v.kind == PI_OBSERVABLE_NONE) {
				char why[160];
				snprintf(why, sizeof(why),
				        "unknown type '%.60s' (domain, ipv4, ipv6, url, email, "
				        "md5, sha1, sha256, sha512, phone, sms-sender, ...)",
				        s);
				add_reason(x, where, NULL, why);
				continue;
			}
		}
		v.tlp = x->opt->default_tlp;
		s = field(f, nf, map.column[PI_CSV_TLP]);
		if (s && *s && pi_tlp_parse(s, &v.tlp) != 0) {
			char why[160];
			snprintf(why, sizeof(why),
			        "unknown TLP '%.40s' (clear, green, amber, amber+strict, red)", s);
			add_reason(x, where, NULL, why);
			continue;
		}
		v.labels = split_labels(field(f, nf, map.column[PI_CSV_LABELS]));
		v.name = field(f, nf, map.column[PI_CSV_NAME]);
		v.description = field(f, nf, map.column[PI_CSV_DESCRIPTION]);
		v.valid_until = field(f, nf, map.column[PI_CSV_VALID_UNTIL]);
		if (build_indicator(x, &v, &obj, &verr) != PI_OK) {
			cJSON_Delete(v.labels);
			add_reason(x, where, NULL, verr.message);
			continue;
		}
		cJSON_Delete(v.labels);
		st = add_object(x, obj, FROM_CSV, where, err);
	}
	if (st == PI_OK && need_header)
		st = pi_error_set(
		        err, PI_ERR_INVALID, "the CSV file is empty: expected a header row");
	if (st == PI_OK)
		st = flush(x, err);
	else {
		struct pi_error ferr;
		flush(x, &ferr);
	}
	pi_csv_reader_free(r);
	return st;
}

/* ---- MISP ---- */

static int misp_tlp(const cJSON *tags, enum pi_tlp *tlp)
{
	const cJSON *t;
	int found = 0;

	cJSON_ArrayForEach(t, tags)
	{
		const char *name = pi_json_get_string(t, "name");
		enum pi_tlp level;
		if (name && strncasecmp(name, "tlp:", 4) == 0 &&
		        pi_tlp_parse(name + 4, &level) == 0) {
			if (!found || level > *tlp)
				*tlp = level;
			found = 1;
		}
	}
	return found;
}

static void misp_labels(const cJSON *tags, cJSON *labels)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tags)
	{
		const char *name = pi_json_get_string(t, "name");
		if (cJSON_GetArraySize(labels) >= LABELS_MAX)
			return;
		if (name && strncasecmp(name, "tlp:", 4) != 0 && *name &&
		        strlen(name) <= LABEL_LEN_MAX)
			cJSON_AddItemToArray(labels, cJSON_CreateString(name));
	}
}

static int misp_flag(const cJSON *o, const char *key, int dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v);
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, "1") == 0 || strcasecmp(v->valuestring, "true") == 0;
	return dflt;
}

static int misp_time(const cJSON *o, char out[PI_TIME_TEXT_LEN])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
	long long secs = -1;

	if (cJSON_IsNumber(v))
		secs = (long long)v->valuedouble;
	else if (cJSON_IsString(v) && *v->valuestring &&
	         strspn(v->valuestring, "0123456789") == strlen(v->valuestring) &&
	         strlen(v->valuestring) < 12)
		secs = strtoll(v->valuestring, NULL, 10);
	if (secs <= 0)
		return 0;
	pi_time_format_us((int64_t)secs * 1000000, out);
	return 1;
}

static int uuid_ok(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
			return 0;
	}
	return 1;
}

struct misp_event {
	enum pi_tlp tlp;
	cJSON *labels;
	const char *info;
	char time[PI_TIME_TEXT_LEN];
	int has_time;
	uint64_t index;
};

static pi_status misp_attribute(struct import_ctx *x, const struct misp_event *ev, const cJSON *a,
        uint64_t n, struct pi_error *err)
{
	const char *type = pi_json_get_string(a, "type");
	const char *value = pi_json_get_string(a, "value");
	const char *uuid = pi_json_get_string(a, "uuid");
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(a, "Tag");
	char where[40], time[PI_TIME_TEXT_LEN];
	char parts[2][PI_OBSERVABLE_MAX_INPUT];
	enum pi_observable_kind kinds[2];
	int nparts = 1;
	struct value_in v;
	cJSON *labels = NULL;
	pi_status st = PI_OK;

	x->sum->records++;
	snprintf(where, sizeof(where), "event %llu attribute %llu", (unsigned long long)ev->index,
	        (unsigned long long)n);
	if (misp_flag(a, "deleted", 0) || !misp_flag(a, "to_ids", 1)) {
		x->sum->skipped++;
		return PI_OK;
	}
	if (!type || !value) {
		add_reason(x, where, uuid, "an attribute needs a 'type' and a 'value'");
		return PI_OK;
	}
	if (strlen(value) >= sizeof(parts[0])) {
		add_reason(x, where, uuid, "value longer than 8192 bytes");
		return PI_OK;
	}
	if (strcmp(type, "domain|ip") == 0 && strchr(value, '|')) {
		const char *bar = strchr(value, '|');
		snprintf(parts[0], sizeof(parts[0]), "%.*s", (int)(bar - value), value);
		snprintf(parts[1], sizeof(parts[1]), "%s", bar + 1);
		kinds[0] = PI_OBSERVABLE_DOMAIN;
		kinds[1] = PI_OBSERVABLE_IPV4_CIDR;
		nparts = 2;
	} else {
		const char *bar = strchr(value, '|');
		kinds[0] = pi_import_kind_from_type(type);
		if (kinds[0] == PI_OBSERVABLE_NONE) {
			x->sum->skipped++; /* not an observable: text, comment, vulnerability, ...
			                    */
			return PI_OK;
		}
		if (strchr(type, '|') && bar) {
			/* filename|md5 keeps the hash; ip-dst|port and hostname|port keep the host
			 */
			if (strncmp(type, "filename|", 9) == 0)
				snprintf(parts[0], sizeof(parts[0]), "%s", bar + 1);
			else
				snprintf(parts[0], sizeof(parts[0]), "%.*s", (int)(bar - value),
				        value);
		} else {
			snprintf(parts[0], sizeof(parts[0]), "%s", value);
		}
	}
	memset(&v, 0, sizeof(v));
	v.tlp = ev->tlp;
	misp_tlp(tags, &v.tlp);
	labels = cJSON_Duplicate(ev->labels, 1);
	if (!labels)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	misp_labels(tags, labels);
	v.labels = labels;
	v.description = ev->info;
	if (misp_time(a, time))
		v.created = time;
	else if (ev->has_time)
		v.created = ev->time;
	for (int p = 0; p < nparts && st == PI_OK; p++) {
		char id[64];
		cJSON *obj = NULL;
		struct pi_error verr;
		v.kind = kinds[p];
		v.raw = parts[p];
		if (uuid_ok(uuid) && nparts == 1) {
			snprintf(id, sizeof(id), "indicator--%s", uuid);
			v.id = id;
		} else {
			derived_id("misp", uuid ? uuid : "", parts[p], id);
			v.id = id;
		}
		if (build_indicator(x, &v, &obj, &verr) != PI_OK) {
			add_reason(x, where, uuid, verr.message);
			continue;
		}
		st = add_object(x, obj, FROM_MISP, where, err);
	}
	cJSON_Delete(labels);
	return st;
}

static pi_status misp_event(
        struct import_ctx *x, const cJSON *event, uint64_t index, struct pi_error *err)
{
	struct misp_event ev;
	const cJSON *a, *obj;
	uint64_t n = 0;
	pi_status st = PI_OK;

	if (!cJSON_IsObject(event))
		return pi_error_set(err, PI_ERR_INVALID, "MISP: event %llu is not a JSON object",
		        (unsigned long long)index);
	memset(&ev, 0, sizeof(ev));
	ev.index = index;
	ev.tlp = x->opt->default_tlp;
	misp_tlp(cJSON_GetObjectItemCaseSensitive(event, "Tag"), &ev.tlp);
	ev.labels = cJSON_CreateArray();
	if (!ev.labels)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	misp_labels(cJSON_GetObjectItemCaseSensitive(event, "Tag"), ev.labels);
	ev.info = pi_json_get_string(event, "info");
	ev.has_time = misp_time(event, ev.time);
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(event, "Attribute"))
	{
		st = misp_attribute(x, &ev, a, ++n, err);
		if (st != PI_OK)
			goto out;
	}
	cJSON_ArrayForEach(obj, cJSON_GetObjectItemCaseSensitive(event, "Object"))
	{
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(obj, "Attribute"))
		{
			st = misp_attribute(x, &ev, a, ++n, err);
			if (st != PI_OK)
				goto out;
		}
	}
out:
	cJSON_Delete(ev.labels);
	return st;
}

static pi_status import_misp(
        struct import_ctx *x, pi_import_read_fn read, void *ctx, struct pi_error *err)
{
	struct pi_buf text;
	cJSON *root = NULL;
	const cJSON *list, *e;
	char chunk[65536];
	uint64_t index = 0;
	pi_status st = PI_OK;
	size_t n;

	pi_buf_init(&text, PI_IMPORT_MISP_MAX);
	while ((n = read(ctx, chunk, sizeof(chunk))) > 0) {
		if (n == (size_t)-1) {
			st = pi_error_set(err, PI_ERR_IO, "cannot read the MISP file");
			goto out;
		}
		if (pi_buf_append(&text, chunk, n) != PI_OK) {
			st = pi_error_set(err, PI_ERR_TOOBIG,
			        "the MISP file is larger than %zu MB; split it into events",
			        PI_IMPORT_MISP_MAX >> 20);
			goto out;
		}
	}
	st = pi_json_parse(text.data ? text.data : "", text.len, PI_JSON_MAX_DEPTH, &root, err);
	if (st != PI_OK) {
		pi_error_prefix(err, "MISP");
		goto out;
	}
	if (cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "Event")) {
		st = misp_event(x, cJSON_GetObjectItemCaseSensitive(root, "Event"), ++index, err);
	} else {
		list = cJSON_IsArray(root) ? root
		                           : cJSON_GetObjectItemCaseSensitive(root, "response");
		if (!cJSON_IsArray(list)) {
			st = pi_error_set(err, PI_ERR_INVALID,
			        "MISP: expected {\"Event\": {...}}, {\"response\": [{\"Event\": "
			        "...}]} or a list of events");
			goto out;
		}
		cJSON_ArrayForEach(e, list)
		{
			const cJSON *ev = cJSON_GetObjectItemCaseSensitive(e, "Event");
			st = misp_event(x, ev ? ev : e, ++index, err);
			if (st != PI_OK)
				break;
		}
	}
	if (st == PI_OK)
		st = flush(x, err);
out:
	if (st != PI_OK && x->n) {
		struct pi_error ferr;
		flush(x, &ferr);
	}
	cJSON_Delete(root);
	pi_buf_free(&text);
	return st;
}

/* ---- the driver ---- */

int pi_import_format_parse(const char *name, enum pi_import_format *out)
{
	static const char *const names[] = {"auto", "stix", "csv", "misp"};

	for (int i = 0; name && i < 4; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum pi_import_format)i;
			return 0;
		}
	return -1;
}

static enum pi_import_format detect(const char *pre, size_t n, const char *source)
{
	size_t i = 0;
	size_t slen = source ? strlen(source) : 0;

	if (slen > 4 && strcasecmp(source + slen - 4, ".csv") == 0)
		return PI_IMPORT_CSV;
	if (n >= 3 && (unsigned char)pre[0] == 0xEF)
		i = 3;
	while (i < n && strchr(" \t\r\n", pre[i]))
		i++;
	if (i < n && (pre[i] == '{' || pre[i] == '[')) {
		/* a bundle says "type": "bundle" near the top; MISP says "Event" */
		for (size_t k = i; k + 7 <= n; k++)
			if (memcmp(pre + k, "\"Event\"", 7) == 0)
				return PI_IMPORT_MISP;
		return PI_IMPORT_STIX;
	}
	return PI_IMPORT_CSV;
}

pi_status pi_import_run(pi_store *store, const struct pi_collection *c,
        const struct pi_principal *who, pi_import_read_fn read, void *ctx,
        const struct pi_import_options *opt, struct pi_import_summary *summary,
        struct pi_error *err)
{
	struct import_ctx *x = NULL;
	struct counted_input in;
	enum pi_import_format fmt = opt->format;
	struct pi_user user;
	struct pi_org org;
	struct pi_error e2;
	pi_status st = PI_OK;

	memset(summary, 0, sizeof(*summary));
	memset(&in, 0, sizeof(in));
	if (!pi_access_can_write_scope(who, c->kind, c->scope_id))
		return pi_error_set(err, PI_ERR_DENIED,
		        "%s may not add to collection %s (%s): writing needs the analyst, "
		        "org-admin or admin role and access to the collection",
		        who->username, c->uuid, c->title);
	x = calloc(1, sizeof(*x));
	if (!x)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	x->store = store;
	x->coll = c;
	x->who = who;
	x->opt = opt;
	x->sum = summary;
	x->reasons_max = opt->reasons_max ? opt->reasons_max : 1000;
	pi_buf_init(&x->reasons, REASONS_CAP);
	pi_buf_putc(&x->reasons, '[');
	x->now_us = opt->now_us ? opt->now_us : pi_time_now_us();
	pi_time_format_us(x->now_us, x->now_ts);
	if (pi_store_user_get(store, who->user_id, &user, &e2) == PI_OK &&
	        pi_store_org_get(store, user.org_id, &org, &e2) == PI_OK)
		snprintf(x->creator, sizeof(x->creator), "%s", org.identity_id);
	in.read = read;
	in.ctx = ctx;
	in.bytes = &x->bytes;
	if (fmt == PI_IMPORT_AUTO) {
		in.prefix = malloc(PEEK_MAX);
		if (!in.prefix) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		while (in.prefix_len < PEEK_MAX) {
			size_t n = read(ctx, in.prefix + in.prefix_len, PEEK_MAX - in.prefix_len);
			if (n == (size_t)-1) {
				st = pi_error_set(err, PI_ERR_IO, "cannot read the input");
				goto out;
			}
			if (n == 0)
				break;
			in.prefix_len += n;
		}
		fmt = detect(in.prefix, in.prefix_len, opt->source_name);
	}
	switch (fmt) {
	case PI_IMPORT_STIX: st = import_stix(x, counted_read, &in, err); break;
	case PI_IMPORT_CSV: st = import_csv(x, counted_read, &in, err); break;
	case PI_IMPORT_MISP: st = import_misp(x, counted_read, &in, err); break;
	default: st = pi_error_set(err, PI_ERR_INVALID, "unknown import format"); break;
	}
out:
	pi_buf_putc(&x->reasons, ']');
	summary->reasons = pi_buf_steal(&x->reasons);
	cJSON_Delete(x->batch);
	clear_known(x);
	pi_buf_free(&x->reasons);
	free(in.prefix);
	free(x);
	return st;
}
