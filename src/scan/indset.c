/* indset.c - the indicator set (see indset.h).
 *
 * Layout: `inds` (one record per indicator version ever added, dead ones flagged), `vals`
 * (one record per pinned value, pointing at its indicator), one string arena `str` for ids,
 * labels and values, and `idmap`, an open-addressing table from id to the live record. A
 * replaced version stays in the arrays, dead, until the set is cloned (clone copies live
 * records only) or saved.
 */
#include "scan/indset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "core/json.h"
#include "core/pattern.h"
#include "core/timeutil.h"
#include "intel/extract.h"

#define MAX_SOURCES 4096
#define CACHE_MAGIC "PISCANSET2\n"

struct ind {
	uint32_t id_off, labels_off;
	uint32_t val_first, val_count;
	int64_t modified_us;
	int8_t confidence;
	uint8_t tlp;
	uint8_t dead;
	uint8_t pad;
	uint32_t src;
};

struct val {
	uint32_t off, len;
	uint32_t ind;
	uint8_t kind, op, pad[2];
};

struct pi_scan_set {
	struct ind *inds;
	size_t ninds, inds_alloc;
	struct val *vals;
	size_t nvals, vals_alloc;
	char *str;
	size_t str_len, str_alloc;
	uint32_t *idmap; /* index + 1 of the live record, 0 empty */
	size_t idmap_size, idmap_used;
	char *sources[MAX_SOURCES];
	size_t nsources;
	/* a set read from a cache file: inds, vals and str point into this private mapping
	 * until they grow (then they are copied to the heap) */
	char *map;
	size_t map_len;
	uint8_t map_inds, map_vals, map_str;
	uint32_t last_labels; /* offset of the last labels text, for sharing */
	uint32_t empty_labels;
	struct pi_scan_set_stats stats;
};

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

/* Grows array *p of *alloc elements to hold need. *mapped: *p points into the cache mapping
 * (it is then copied to the heap, and *mapped cleared). */
static pi_status grow(void **p, size_t *alloc, size_t need, size_t elem, uint8_t *mapped)
{
	size_t n = *alloc ? *alloc : 1024;
	void *q;

	if (need <= *alloc)
		return PI_OK;
	while (n < need)
		n *= 2;
	if (*mapped) {
		if ((q = malloc(n * elem)) != NULL) {
			memcpy(q, *p, *alloc * elem);
			*mapped = 0;
		}
	} else {
		q = realloc(*p, n * elem);
	}
	if (!q)
		return PI_ERR_NOMEM;
	*p = q;
	*alloc = n;
	return PI_OK;
}

/* Appends s[0..n) and a NUL to the arena; *off gets its offset. */
static pi_status str_add(
        pi_scan_set *s, const char *v, size_t n, uint32_t *off, struct pi_error *err)
{
	if (s->str_len + n + 1 > PI_SCAN_SET_MAX_STRINGS)
		return pi_error_set(err, PI_ERR_TOOBIG,
		        "the indicator set holds more than %zu MB of text",
		        PI_SCAN_SET_MAX_STRINGS >> 20);
	if (grow((void **)&s->str, &s->str_alloc, s->str_len + n + 1, 1, &s->map_str) != PI_OK)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory for indicator text");
	memcpy(s->str + s->str_len, v, n);
	s->str[s->str_len + n] = '\0';
	*off = (uint32_t)s->str_len;
	s->str_len += n + 1;
	return PI_OK;
}

pi_status pi_scan_set_new(pi_scan_set **out)
{
	pi_scan_set *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return PI_ERR_NOMEM;
	if (str_add(s, "[]", 2, &s->empty_labels, NULL) != PI_OK) {
		free(s);
		return PI_ERR_NOMEM;
	}
	s->last_labels = s->empty_labels;
	*out = s;
	return PI_OK;
}

void pi_scan_set_free(pi_scan_set *s)
{
	if (!s)
		return;
	if (!s->map_inds)
		free(s->inds);
	if (!s->map_vals)
		free(s->vals);
	if (!s->map_str)
		free(s->str);
	if (s->map)
		munmap(s->map, s->map_len);
	free(s->idmap);
	for (size_t i = 0; i < s->nsources; i++)
		free(s->sources[i]);
	free(s);
}

/* ---- id map ---- */

static uint32_t *idmap_slot(pi_scan_set *s, const char *id, size_t n)
{
	size_t mask = s->idmap_size - 1, i = (size_t)hash_bytes(id, n) & mask;

	for (;;) {
		uint32_t v = s->idmap[i];
		if (v == 0)
			return &s->idmap[i];
		if (strcmp(s->str + s->inds[v - 1].id_off, id) == 0)
			return &s->idmap[i];
		i = (i + 1) & mask;
	}
}

static pi_status idmap_reserve(pi_scan_set *s)
{
	uint32_t *old = s->idmap;
	size_t old_size = s->idmap_size, size = old_size ? old_size : 1024;

	if ((s->idmap_used + 1) * 2 <= old_size)
		return PI_OK;
	while ((s->idmap_used + 1) * 2 > size)
		size *= 2;
	if (!(s->idmap = calloc(size, sizeof(uint32_t)))) {
		s->idmap = old;
		return PI_ERR_NOMEM;
	}
	s->idmap_size = size;
	for (size_t i = 0; i < old_size; i++)
		if (old[i]) {
			const char *id = s->str + s->inds[old[i] - 1].id_off;
			*idmap_slot(s, id, strlen(id)) = old[i];
		}
	free(old);
	return PI_OK;
}

/* Builds the id map of a set read from a cache file (which carries none). */
static pi_status idmap_ensure(pi_scan_set *s)
{
	if (s->idmap || s->ninds == 0)
		return PI_OK;
	for (size_t i = 0; i < s->ninds; i++) {
		const char *id = s->str + s->inds[i].id_off;
		if (!id[0] || s->inds[i].dead)
			continue;
		if (idmap_reserve(s) != PI_OK)
			return PI_ERR_NOMEM;
		*idmap_slot(s, id, strlen(id)) = (uint32_t)i + 1;
		s->idmap_used++;
	}
	return PI_OK;
}

static uint32_t source_index(pi_scan_set *s, const char *source)
{
	if (!source)
		source = "";
	for (size_t i = s->nsources; i > 0; i--)
		if (strcmp(s->sources[i - 1], source) == 0)
			return (uint32_t)(i - 1);
	if (s->nsources >= MAX_SOURCES)
		return 0;
	if (!(s->sources[s->nsources] = strdup(source)))
		return 0;
	return (uint32_t)s->nsources++;
}

/* ---- adding ---- */

struct collect {
	pi_scan_set *s;
	struct pi_error *err;
	pi_status st;
	size_t added;
	uint32_t ind;
};

static pi_status add_value(pi_scan_set *s, enum pi_observable_kind kind, enum pi_scan_op op,
        const char *v, size_t n, uint32_t ind, struct pi_error *err)
{
	struct val *r;
	uint32_t off;
	pi_status st;

	if (s->nvals >= PI_SCAN_SET_MAX_VALUES)
		return pi_error_set(err, PI_ERR_TOOBIG,
		        "the indicator set holds more than %u values", PI_SCAN_SET_MAX_VALUES);
	if (grow((void **)&s->vals, &s->vals_alloc, s->nvals + 1, sizeof(*s->vals), &s->map_vals) !=
	        PI_OK)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory for indicator values");
	if ((st = str_add(s, v, n, &off, err)) != PI_OK)
		return st;
	r = &s->vals[s->nvals++];
	memset(r, 0, sizeof(*r));
	r->off = off;
	r->len = (uint32_t)n;
	r->ind = ind;
	r->kind = (uint8_t)kind;
	r->op = (uint8_t)op;
	return PI_OK;
}

static int on_extracted(void *arg, const struct pi_extracted *e)
{
	struct collect *c = arg;

	if (!e->valid) {
		c->s->stats.invalid++;
		return 0;
	}
	if (e->kind == PI_OBSERVABLE_PHONE || e->kind == PI_OBSERVABLE_SMS_SENDER)
		return 0; /* not in logs the scanner reads */
	c->st = add_value(c->s, e->kind, PI_SCAN_OP_EQ, e->value, e->value_len, c->ind, c->err);
	if (c->st != PI_OK)
		return 1;
	c->added++;
	return 0;
}

static int on_term(void *arg, const struct pi_pattern_term *t)
{
	struct collect *c = arg;
	enum pi_observable_kind kind;
	enum pi_scan_op op;

	if (t->negated || !t->value || t->value_kind != PI_PATTERN_VALUE_STRING)
		return 0;
	if (strcmp(t->op, "LIKE") == 0)
		op = PI_SCAN_OP_LIKE;
	else if (strcmp(t->op, "MATCHES") == 0)
		op = PI_SCAN_OP_MATCHES;
	else
		return 0;
	kind = pi_observable_kind_for_term(t->object_type, t->path);
	if (kind == PI_OBSERVABLE_IPV4_CIDR)
		kind = PI_OBSERVABLE_IPV4;
	else if (kind == PI_OBSERVABLE_IPV6_CIDR)
		kind = PI_OBSERVABLE_IPV6;
	if (kind == PI_OBSERVABLE_NONE || kind == PI_OBSERVABLE_PHONE ||
	        kind == PI_OBSERVABLE_SMS_SENDER)
		return 0;
	c->st = add_value(c->s, kind, op, t->value, strlen(t->value), c->ind, c->err);
	if (c->st != PI_OK)
		return 1;
	c->s->stats.patterns++;
	c->added++;
	return 0;
}

static void kill_ind(pi_scan_set *s, uint32_t *slot)
{
	if (*slot && !s->inds[*slot - 1].dead) {
		s->inds[*slot - 1].dead = 1;
		s->stats.replaced++;
		s->stats.indicators--;
		s->stats.values -= s->inds[*slot - 1].val_count;
	}
}

/* Appends an indicator record; the caller adds its values after it. */
static pi_status new_ind(pi_scan_set *s, const char *id, const char *labels, enum pi_tlp tlp,
        int confidence, int64_t modified_us, uint32_t src, uint32_t *out, struct pi_error *err)
{
	struct ind *r;
	uint32_t id_off, labels_off = s->empty_labels;
	pi_status st;

	if (s->ninds >= UINT32_MAX - 1)
		return pi_error_set(err, PI_ERR_TOOBIG, "too many indicators");
	if (grow((void **)&s->inds, &s->inds_alloc, s->ninds + 1, sizeof(*s->inds), &s->map_inds) !=
	        PI_OK)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory for indicators");
	if ((st = str_add(s, id, strlen(id), &id_off, err)) != PI_OK)
		return st;
	if (labels && strcmp(labels, "[]") != 0) {
		if (strcmp(s->str + s->last_labels, labels) == 0)
			labels_off = s->last_labels;
		else if ((st = str_add(s, labels, strlen(labels), &labels_off, err)) != PI_OK)
			return st;
		s->last_labels = labels_off;
	}
	r = &s->inds[s->ninds];
	memset(r, 0, sizeof(*r));
	r->id_off = id_off;
	r->labels_off = labels_off;
	r->val_first = (uint32_t)s->nvals;
	r->modified_us = modified_us;
	r->confidence = (int8_t)(confidence < 0 || confidence > 100 ? -1 : confidence);
	r->tlp = (uint8_t)tlp;
	r->src = src;
	*out = (uint32_t)s->ninds++;
	return PI_OK;
}

pi_status pi_scan_set_add_object(
        pi_scan_set *s, const cJSON *obj, const char *source, struct pi_error *err)
{
	const char *type = pi_json_get_string(obj, "type"), *id = pi_json_get_string(obj, "id");
	const char *modified = pi_json_get_string(obj, "modified");
	const char *valid_until = pi_json_get_string(obj, "valid_until");
	const char *pattern = pi_json_get_string(obj, "pattern");
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(obj, "labels");
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(obj, "confidence");
	struct collect c = {s, err, PI_OK, 0, 0};
	char *labels_text = NULL;
	int64_t mod_us = 0, until_us = 0;
	uint32_t *slot;
	size_t nvals_before = s->nvals, str_before = s->str_len;
	struct pi_error perr;
	pi_status st = PI_OK;

	s->stats.objects++;
	if (!type || strcmp(type, "indicator") != 0 || !id || strncmp(id, "indicator--", 11) != 0)
		return PI_OK;
	if (!modified || pi_time_parse_us(modified, &mod_us, NULL) != PI_OK)
		mod_us = 0;
	if (idmap_ensure(s) != PI_OK || idmap_reserve(s) != PI_OK)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory for indicator ids");
	slot = idmap_slot(s, id, strlen(id));
	if (*slot && s->inds[*slot - 1].modified_us >= mod_us)
		return PI_OK; /* we hold this version or a newer one */
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "revoked")) ||
	        (valid_until && pi_time_parse_us(valid_until, &until_us, NULL) == PI_OK &&
	                until_us <= pi_time_now_us())) {
		/* the slot keeps pointing at the dead record: probe chains stay intact */
		kill_ind(s, slot);
		return PI_OK;
	}
	if (cJSON_IsArray(labels) && !(labels_text = cJSON_PrintUnformatted(labels)))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	st = new_ind(s, id, labels_text, pi_tlp_of_object(obj),
	        cJSON_IsNumber(conf) ? conf->valueint : -1, mod_us, source_index(s, source), &c.ind,
	        err);
	free(labels_text);
	if (st != PI_OK)
		return st;
	if (pi_extract_observables(obj, on_extracted, &c, &perr) != PI_OK) {
		s->stats.invalid++; /* a pattern that does not parse pins nothing */
	} else if (c.st == PI_OK && pattern &&
	           (strstr(pattern, "LIKE") || strstr(pattern, "MATCHES"))) {
		pi_pattern *p = NULL;
		if (pi_pattern_parse(pattern, strlen(pattern), &p, NULL) == PI_OK) {
			pi_pattern_each_term(p, on_term, &c);
			pi_pattern_free(p);
		}
	}
	if (c.st != PI_OK) {
		st = c.st;
		goto undo;
	}
	if (c.added == 0) {
		s->stats.unmatchable++;
		kill_ind(s, slot);
		goto undo;
	}
	kill_ind(s, slot);
	s->inds[c.ind].val_count = (uint32_t)(s->nvals - nvals_before);
	s->stats.indicators++;
	s->stats.values += s->nvals - nvals_before;
	if (*slot == 0)
		s->idmap_used++;
	*slot = c.ind + 1;
	return PI_OK;
undo:
	s->ninds--;
	s->nvals = nvals_before;
	s->str_len = str_before;
	if (s->last_labels >= str_before)
		s->last_labels = s->empty_labels;
	return st;
}

/* ---- STIX text ---- */

static size_t skip_ws(const char *t, size_t n, size_t i)
{
	while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
		i++;
	return i;
}

static pi_status add_text_object(
        pi_scan_set *s, const char *t, size_t n, const char *source, struct pi_error *err)
{
	cJSON *obj = NULL;
	pi_status st;

	if ((st = pi_json_parse(t, n, PI_JSON_MAX_DEPTH, &obj, err)) != PI_OK)
		return st;
	st = pi_scan_set_add_object(s, obj, source, err);
	cJSON_Delete(obj);
	return st;
}

pi_status pi_scan_set_load_stix(
        pi_scan_set *s, const char *t, size_t n, const char *source, struct pi_error *err)
{
	size_t i = skip_ws(t, n, 0), end;
	int found = 0;
	pi_status st;

	if (i >= n || t[i] != '{')
		return pi_error_set(
		        err, PI_ERR_INVALID, "%s: not a STIX bundle (no JSON object)", source);
	i = skip_ws(t, n, i + 1);
	while (i < n && t[i] != '}') {
		size_t key = i;
		int is_objects;
		if ((st = pi_json_scan_value(t + i, n - i, PI_JSON_MAX_DEPTH, &end, err)) != PI_OK)
			goto bad;
		if (t[i] != '"')
			goto bad_shape;
		is_objects = end == 9 && memcmp(t + key, "\"objects\"", 9) == 0;
		i = skip_ws(t, n, i + end);
		if (i >= n || t[i] != ':')
			goto bad_shape;
		i = skip_ws(t, n, i + 1);
		if (is_objects && i < n && t[i] == '[') {
			found = 1;
			i = skip_ws(t, n, i + 1);
			while (i < n && t[i] != ']') {
				if ((st = pi_json_scan_value(
				             t + i, n - i, PI_JSON_MAX_DEPTH, &end, err)) != PI_OK)
					goto bad;
				if ((st = add_text_object(s, t + i, end, source, err)) != PI_OK) {
					if (st == PI_ERR_NOMEM || st == PI_ERR_TOOBIG)
						return st;
					s->stats.invalid++; /* one bad object does not stop the load
					                     */
				}
				i = skip_ws(t, n, i + end);
				if (i < n && t[i] == ',')
					i = skip_ws(t, n, i + 1);
				else if (i < n && t[i] != ']')
					goto bad_shape;
			}
			if (i >= n)
				goto bad_shape;
			i++;
		} else {
			if ((st = pi_json_scan_value(t + i, n - i, PI_JSON_MAX_DEPTH, &end, err)) !=
			        PI_OK)
				goto bad;
			i += end;
		}
		i = skip_ws(t, n, i);
		if (i < n && t[i] == ',')
			i = skip_ws(t, n, i + 1);
		else if (i < n && t[i] != '}')
			goto bad_shape;
	}
	if (i >= n)
		goto bad_shape;
	if (!found) /* a single object */
		return add_text_object(s, t, n, source, err);
	return PI_OK;
bad:
	pi_error_prefix(err, "%s", source);
	return st;
bad_shape:
	return pi_error_set(err, PI_ERR_INVALID,
	        "%s: not a STIX bundle or TAXII envelope (byte %zu)", source, i);
}

/* ---- export files ---- */

static enum pi_observable_kind infer_kind(const char *v, size_t n)
{
	int hex = 1, ipchars = 1;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		hex &= (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		ipchars &= (c >= '0' && c <= '9') || c == '.' || c == '/';
	}
	for (size_t i = 0; i + 3 <= n; i++)
		if (memcmp(v + i, "://", 3) == 0)
			return PI_OBSERVABLE_URL;
	if (memchr(v, '@', n))
		return PI_OBSERVABLE_EMAIL;
	if (hex && (n == 32 || n == 40 || n == 64 || n == 128))
		return n == 32   ? PI_OBSERVABLE_MD5
		       : n == 40 ? PI_OBSERVABLE_SHA1
		       : n == 64 ? PI_OBSERVABLE_SHA256
		                 : PI_OBSERVABLE_SHA512;
	if (ipchars)
		return PI_OBSERVABLE_IPV4_CIDR;
	if (memchr(v, ':', n))
		return PI_OBSERVABLE_IPV6_CIDR;
	return PI_OBSERVABLE_DOMAIN;
}

/* Splits one CSV record (RFC 4180 quoting) into at most max fields, unquoted into buf. */
static size_t csv_split(
        const char *l, size_t n, char *buf, size_t cap, const char **f, size_t *fl, size_t max)
{
	size_t nf = 0, o = 0, i = 0;

	while (nf < max) {
		size_t start = o;
		if (i < n && l[i] == '"') {
			i++;
			while (i < n && o + 1 < cap) {
				if (l[i] == '"' && i + 1 < n && l[i + 1] == '"') {
					buf[o++] = '"';
					i += 2;
				} else if (l[i] == '"') {
					i++;
					break;
				} else {
					buf[o++] = l[i++];
				}
			}
		}
		while (i < n && l[i] != ',' && o + 1 < cap)
			buf[o++] = l[i++];
		f[nf] = buf + start;
		fl[nf++] = o - start;
		buf[o++] = '\0';
		if (i >= n || l[i] != ',')
			break;
		i++;
	}
	return nf;
}

static void trim(const char **v, size_t *n)
{
	while (*n > 0 && ((*v)[0] == ' ' || (*v)[0] == '\t' || (*v)[0] == '\r')) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t' || (*v)[*n - 1] == '\r'))
		(*n)--;
}

#define CSV_MAX_FIELDS 32

enum { COL_VALUE, COL_ID, COL_KIND, COL_TLP, COL_LABELS, COL_CONF, NCOLS };

static pi_status add_entry(pi_scan_set *s, const char *v, size_t n, enum pi_observable_kind kind,
        const char *id, enum pi_tlp tlp, const char *labels, int conf, uint32_t src,
        struct pi_error *err)
{
	char norm[PI_OBSERVABLE_MAX_OUTPUT];
	size_t len = 0;
	uint32_t ind;
	pi_status st;

	if (kind == PI_OBSERVABLE_NONE)
		kind = infer_kind(v, n);
	if (pi_observable_normalize(kind, v, n, NULL, norm, sizeof(norm), &len, NULL) != PI_OK) {
		s->stats.invalid++;
		return PI_OK;
	}
	if ((st = new_ind(s, id ? id : "", labels, tlp, conf, 0, src, &ind, err)) != PI_OK)
		return st;
	if ((st = add_value(s, kind, PI_SCAN_OP_EQ, norm, len, ind, err)) != PI_OK) {
		s->ninds--;
		return st;
	}
	s->inds[ind].val_count = 1;
	s->stats.indicators++;
	s->stats.values++;
	return PI_OK;
}

/* labels "a;b" or "a,b" (postisac export) -> ["a","b"] into out (cap bytes); "" for none. */
static void labels_json(const char *v, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	if (n == 0 || cap < 8)
		return;
	out[o++] = '[';
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && v[i] != ';' && v[i] != ',')
			continue;
		const char *l = v + start;
		size_t ln = i - start;
		start = i + 1;
		trim(&l, &ln);
		if (ln == 0)
			continue;
		if (o + ln * 6 + 4 >= cap)
			break;
		if (out[o - 1] != '[')
			out[o++] = ',';
		out[o++] = '"';
		for (size_t k = 0; k < ln; k++) {
			unsigned char c = (unsigned char)l[k];
			if (c == '"' || c == '\\') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c < 0x20) {
				o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
			} else {
				out[o++] = (char)c;
			}
		}
		out[o++] = '"';
	}
	out[o++] = ']';
	out[o] = '\0';
}

pi_status pi_scan_set_load_list(
        pi_scan_set *s, const char *t, size_t n, const char *source, struct pi_error *err)
{
	const char *f[CSV_MAX_FIELDS];
	size_t fl[CSV_MAX_FIELDS];
	int col[NCOLS];
	char *buf = NULL;
	size_t i = 0, cap = 64 * 1024;
	int csv = 0, first = 1;
	uint32_t src = source_index(s, source);
	pi_status st = PI_OK;

	for (int k = 0; k < NCOLS; k++)
		col[k] = -1;
	if (!(buf = malloc(cap)))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	if (n >= 3 && memcmp(t, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n) {
		const char *l = t + i, *nl = memchr(l, '\n', n - i);
		size_t ln = nl ? (size_t)(nl - l) : n - i;
		i += ln + 1;
		if (ln >= cap) {
			s->stats.invalid++;
			continue;
		}
		trim(&l, &ln);
		if (ln == 0 || l[0] == '#')
			continue;
		if (first) {
			size_t nf = csv_split(l, ln, buf, cap, f, fl, CSV_MAX_FIELDS);
			for (size_t k = 0; k < nf; k++) {
				const char *name = f[k];
				size_t nl2 = fl[k];
				trim(&name, &nl2);
#define IS(x) (nl2 == strlen(x) && strncasecmp(name, x, nl2) == 0)
				if (IS("value") || IS("indicator_value"))
					col[COL_VALUE] = (int)k;
				else if (IS("id") || IS("indicator_id") || IS("indicator"))
					col[COL_ID] = (int)k;
				else if (IS("kind") || IS("type"))
					col[COL_KIND] = (int)k;
				else if (IS("tlp"))
					col[COL_TLP] = (int)k;
				else if (IS("labels"))
					col[COL_LABELS] = (int)k;
				else if (IS("confidence"))
					col[COL_CONF] = (int)k;
#undef IS
			}
			first = 0;
			if (col[COL_VALUE] >= 0) {
				csv = 1;
				continue;
			}
		}
		if (!csv) {
			if ((st = add_entry(s, l, ln, PI_OBSERVABLE_NONE, NULL, PI_TLP_UNMARKED,
			             NULL, -1, src, err)) != PI_OK)
				goto out;
			continue;
		}
		{
			size_t nf = csv_split(l, ln, buf, cap, f, fl, CSV_MAX_FIELDS);
			const char *v, *id = NULL;
			size_t vn;
			enum pi_observable_kind kind = PI_OBSERVABLE_NONE;
			enum pi_tlp tlp = PI_TLP_UNMARKED;
			char labels[2048];
			int conf = -1;
			if ((size_t)col[COL_VALUE] >= nf) {
				s->stats.invalid++;
				continue;
			}
			v = f[col[COL_VALUE]];
			vn = fl[col[COL_VALUE]];
			trim(&v, &vn);
			if (col[COL_ID] >= 0 && (size_t)col[COL_ID] < nf && fl[col[COL_ID]] > 0)
				id = f[col[COL_ID]];
			if (col[COL_KIND] >= 0 && (size_t)col[COL_KIND] < nf) {
				kind = pi_observable_kind_from_name(f[col[COL_KIND]]);
				if (kind == PI_OBSERVABLE_IPV4)
					kind = PI_OBSERVABLE_IPV4_CIDR;
				else if (kind == PI_OBSERVABLE_IPV6)
					kind = PI_OBSERVABLE_IPV6_CIDR;
			}
			if (col[COL_TLP] >= 0 && (size_t)col[COL_TLP] < nf &&
			        pi_tlp_parse(f[col[COL_TLP]], &tlp) != 0)
				tlp = PI_TLP_UNMARKED;
			labels[0] = '\0';
			if (col[COL_LABELS] >= 0 && (size_t)col[COL_LABELS] < nf)
				labels_json(f[col[COL_LABELS]], fl[col[COL_LABELS]], labels,
				        sizeof(labels));
			if (col[COL_CONF] >= 0 && (size_t)col[COL_CONF] < nf &&
			        fl[col[COL_CONF]] > 0)
				conf = atoi(f[col[COL_CONF]]);
			if ((st = add_entry(s, v, vn, kind, id, tlp, labels[0] ? labels : NULL,
			             conf, src, err)) != PI_OK)
				goto out;
		}
	}
out:
	free(buf);
	return st;
}

/* ---- files ---- */

static pi_status inflate_all(
        const char *in, size_t n, size_t cap, char **out, size_t *len, struct pi_error *err)
{
	z_stream z;
	char *buf = NULL;
	size_t alloc = n * 4 + 4096, used = 0;
	int rc = Z_OK;
	pi_status st = PI_OK;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return pi_error_set(err, PI_ERR_NOMEM, "zlib: cannot start");
	z.next_in = (Bytef *)(uintptr_t)in;
	while (z.next_in < (const Bytef *)in + n) {
		size_t left = n - (size_t)(z.next_in - (const Bytef *)in);
		z.avail_in = left > (1u << 30) ? (1u << 30) : (unsigned)left;
		if (used + 1 >= alloc || !buf) {
			char *nb;
			if (buf)
				alloc *= 2;
			if (alloc > cap + 1)
				alloc = cap + 1;
			if (used + 1 >= alloc) {
				st = pi_error_set(err, PI_ERR_TOOBIG,
				        "the decompressed file is over %zu MB", cap >> 20);
				goto out;
			}
			if (!(nb = realloc(buf, alloc))) {
				st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
				goto out;
			}
			buf = nb;
		}
		z.next_out = (Bytef *)buf + used;
		z.avail_out = (unsigned)((alloc - used - 1) > (1u << 30) ? (1u << 30)
		                                                         : (alloc - used - 1));
		rc = inflate(&z, Z_NO_FLUSH);
		used = (size_t)((char *)z.next_out - buf);
		if (rc == Z_STREAM_END) {
			if (inflateReset(&z) != Z_OK)
				break;
			continue;
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			st = pi_error_set(
			        err, PI_ERR_INVALID, "gzip: %s", z.msg ? z.msg : "corrupt data");
			goto out;
		}
		if (rc == Z_BUF_ERROR && z.avail_in > 0 && z.avail_out > 0) {
			st = pi_error_set(err, PI_ERR_INVALID, "gzip: truncated data");
			goto out;
		}
		if (rc == Z_BUF_ERROR && z.avail_out > 0)
			break;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	inflateEnd(&z);
	free(buf);
	return st;
}

static pi_status unzstd_all(
        const char *in, size_t n, size_t cap, char **out, size_t *len, struct pi_error *err)
{
	ZSTD_DStream *d = ZSTD_createDStream();
	ZSTD_inBuffer ib = {in, n, 0};
	char *buf = NULL;
	size_t alloc = 0, used = 0;
	pi_status st = PI_OK;

	if (!d)
		return pi_error_set(err, PI_ERR_NOMEM, "zstd: cannot start");
	while (ib.pos < ib.size) {
		ZSTD_outBuffer ob;
		size_t rc;
		if (used + 1 >= alloc) {
			char *nb;
			size_t na = alloc ? alloc * 2 : n * 4 + 4096;
			if (na > cap + 1)
				na = cap + 1;
			if (used + 1 >= na) {
				st = pi_error_set(err, PI_ERR_TOOBIG,
				        "the decompressed file is over %zu MB", cap >> 20);
				goto out;
			}
			if (!(nb = realloc(buf, na))) {
				st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
				goto out;
			}
			buf = nb;
			alloc = na;
		}
		ob.dst = buf + used;
		ob.size = alloc - used - 1;
		ob.pos = 0;
		rc = ZSTD_decompressStream(d, &ob, &ib);
		used += ob.pos;
		if (ZSTD_isError(rc)) {
			st = pi_error_set(err, PI_ERR_INVALID, "zstd: %s", ZSTD_getErrorName(rc));
			goto out;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	buf = NULL;
out:
	ZSTD_freeDStream(d);
	free(buf);
	return st;
}

pi_status pi_scan_read_file(
        const char *path, size_t cap, char **out, size_t *len, struct pi_error *err)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL, *dec = NULL;
	size_t alloc = 0, used = 0, dlen = 0;
	pi_status st = PI_OK;

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return pi_error_set(err, PI_ERR_IO, "%s: %s", path, strerror(errno));
	for (;;) {
		ssize_t r;
		if (used + 1 >= alloc) {
			size_t na = alloc ? alloc * 2 : 1 << 20;
			char *nb;
			if (na > cap + 1)
				na = cap + 1;
			if (used + 1 >= na) {
				st = pi_error_set(
				        err, PI_ERR_TOOBIG, "%s: over %zu MB", path, cap >> 20);
				goto out;
			}
			if (!(nb = realloc(buf, na))) {
				st = pi_error_set(
				        err, PI_ERR_NOMEM, "out of memory reading %s", path);
				goto out;
			}
			buf = nb;
			alloc = na;
		}
		r = read(fd, buf + used, alloc - used - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			st = pi_error_set(err, PI_ERR_IO, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		used += (size_t)r;
	}
	buf[used] = '\0';
	if (used >= 2 && (unsigned char)buf[0] == 0x1f && (unsigned char)buf[1] == 0x8b)
		st = inflate_all(buf, used, cap, &dec, &dlen, err);
	else if (used >= 4 && memcmp(buf, "\x28\xb5\x2f\xfd", 4) == 0)
		st = unzstd_all(buf, used, cap, &dec, &dlen, err);
	else {
		*out = buf;
		*len = used;
		buf = NULL;
		goto out;
	}
	if (st != PI_OK) {
		pi_error_prefix(err, "%s", path);
		goto out;
	}
	*out = dec;
	*len = dlen;
out:
	if (fd > 0)
		close(fd);
	free(buf);
	return st;
}

pi_status pi_scan_set_load_file(pi_scan_set *s, const char *path, struct pi_error *err)
{
	char *text = NULL;
	size_t len = 0, i = 0;
	pi_status st;

	if ((st = pi_scan_read_file(path, PI_SCAN_SET_MAX_FILE, &text, &len, err)) != PI_OK)
		return st;
	while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\r' || text[i] == '\t'))
		i++;
	if (i < len && text[i] == '{')
		st = pi_scan_set_load_stix(s, text, len, path, err);
	else
		st = pi_scan_set_load_list(s, text, len, path, err);
	free(text);
	return st;
}

/* ---- reading ---- */

void pi_scan_set_stats(const pi_scan_set *s, struct pi_scan_set_stats *out)
{
	*out = s->stats;
}

size_t pi_scan_set_value_slots(const pi_scan_set *s)
{
	return s->nvals;
}

size_t pi_scan_set_indicator_slots(const pi_scan_set *s)
{
	return s->ninds;
}

int pi_scan_set_value(const pi_scan_set *s, size_t i, struct pi_scan_value *out)
{
	const struct val *v = &s->vals[i];

	if (s->inds[v->ind].dead)
		return 0;
	out->kind = (enum pi_observable_kind)v->kind;
	out->op = (enum pi_scan_op)v->op;
	out->value = s->str + v->off;
	out->len = v->len;
	out->indicator = v->ind;
	return 1;
}

void pi_scan_set_indicator(const pi_scan_set *s, uint32_t i, struct pi_scan_indicator *out)
{
	const struct ind *r = &s->inds[i];

	out->id = s->str + r->id_off;
	out->labels = s->str + r->labels_off;
	out->source = r->src < s->nsources ? s->sources[r->src] : "";
	out->tlp = (enum pi_tlp)r->tlp;
	out->confidence = r->confidence;
	out->modified_us = r->modified_us;
}

/* Copies the live records of src into the empty set dst. */
static pi_status copy_live(const pi_scan_set *src, pi_scan_set *dst, struct pi_error *err)
{
	pi_status st;

	for (size_t i = 0; i < src->nsources; i++)
		source_index(dst, src->sources[i]);
	for (size_t i = 0; i < src->ninds; i++) {
		const struct ind *r = &src->inds[i];
		uint32_t ind, *slot;
		const char *id = src->str + r->id_off;
		if (r->dead)
			continue;
		if ((st = new_ind(dst, id, src->str + r->labels_off, (enum pi_tlp)r->tlp,
		             r->confidence, r->modified_us, r->src, &ind, err)) != PI_OK)
			return st;
		for (uint32_t k = 0; k < r->val_count; k++) {
			const struct val *v = &src->vals[r->val_first + k];
			if ((st = add_value(dst, (enum pi_observable_kind)v->kind,
			             (enum pi_scan_op)v->op, src->str + v->off, v->len, ind,
			             err)) != PI_OK)
				return st;
		}
		dst->inds[ind].val_count = r->val_count;
		if (id[0]) {
			if (idmap_reserve(dst) != PI_OK)
				return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			slot = idmap_slot(dst, id, strlen(id));
			*slot = ind + 1;
			dst->idmap_used++;
		}
	}
	dst->stats = src->stats;
	return PI_OK;
}

pi_status pi_scan_set_clone(const pi_scan_set *s, pi_scan_set **out)
{
	pi_scan_set *c = NULL;
	pi_status st;

	*out = NULL;
	if ((st = pi_scan_set_new(&c)) != PI_OK)
		return st;
	if ((st = copy_live(s, c, NULL)) != PI_OK) {
		pi_scan_set_free(c);
		return st;
	}
	*out = c;
	return PI_OK;
}

/* ---- cache files ---- */

struct cache_head {
	char magic[16];
	uint64_t ninds, nvals, str_len, nsources, meta_len;
	struct pi_scan_set_stats stats;
};

pi_status pi_scan_set_save(
        const pi_scan_set *s, const char *path, const char *meta, struct pi_error *err)
{
	pi_scan_set *c = NULL;
	struct cache_head h;
	char tmp[4096];
	FILE *f = NULL;
	pi_status st;
	int n, ok;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return pi_error_set(err, PI_ERR_TOOBIG, "cache path too long");
	if ((st = pi_scan_set_new(&c)) != PI_OK || (st = copy_live(s, c, err)) != PI_OK) {
		pi_scan_set_free(c);
		return st;
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1);
	h.ninds = c->ninds;
	h.nvals = c->nvals;
	h.str_len = c->str_len;
	h.nsources = c->nsources;
	h.meta_len = meta ? strlen(meta) : 0;
	h.stats = s->stats;
	if (!(f = fopen(tmp, "wb"))) {
		st = pi_error_set(err, PI_ERR_IO, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	ok = fwrite(&h, sizeof(h), 1, f) == 1 &&
	     fwrite(c->inds, sizeof(*c->inds), c->ninds, f) == c->ninds &&
	     fwrite(c->vals, sizeof(*c->vals), c->nvals, f) == c->nvals &&
	     fwrite(c->str, 1, c->str_len, f) == c->str_len;
	for (size_t i = 0; ok && i < c->nsources; i++)
		ok = fwrite(c->sources[i], 1, strlen(c->sources[i]) + 1, f) ==
		     strlen(c->sources[i]) + 1;
	if (ok && h.meta_len)
		ok = fwrite(meta, 1, h.meta_len, f) == h.meta_len;
	if (fclose(f) != 0 || !ok) {
		f = NULL;
		unlink(tmp);
		st = pi_error_set(err, PI_ERR_IO, "%s: write failed", tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		st = pi_error_set(err, PI_ERR_IO, "%s: %s", path, strerror(errno));
	}
out:
	pi_scan_set_free(c);
	return st;
}

pi_status pi_scan_set_load_cache(
        const char *path, pi_scan_set **out, char **meta, struct pi_error *err)
{
	pi_scan_set *s = NULL;
	struct cache_head h;
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	const char *srcs;
	size_t expect, slen;
	pi_status st = PI_OK;

	*out = NULL;
	if (meta)
		*meta = NULL;
	if (fd < 0)
		return pi_error_set(err, errno == ENOENT ? PI_ERR_NOTFOUND : PI_ERR_IO, "%s: %s",
		        path, strerror(errno));
	if (fstat(fd, &sb) != 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	        memcmp(h.magic, CACHE_MAGIC, sizeof(CACHE_MAGIC) - 1) != 0 ||
	        h.ninds > UINT32_MAX || h.nvals > PI_SCAN_SET_MAX_VALUES ||
	        h.str_len > PI_SCAN_SET_MAX_STRINGS || h.nsources > MAX_SOURCES ||
	        h.meta_len > (1u << 20))
		goto bad;
	expect =
	        sizeof(h) + h.ninds * sizeof(struct ind) + h.nvals * sizeof(struct val) + h.str_len;
	if ((uint64_t)sb.st_size < expect + h.meta_len || h.str_len == 0)
		goto bad;
	slen = (size_t)sb.st_size - expect - h.meta_len;
	if ((st = pi_scan_set_new(&s)) != PI_OK)
		goto nomem;
	free(s->str);
	s->str = NULL;
	/* a private mapping: the arrays are read in place, and a write (a refresh kills a
	 * replaced version) copies only the page it touches */
	s->map = mmap(NULL, (size_t)sb.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (s->map == MAP_FAILED) {
		s->map = NULL;
		goto nomem;
	}
	s->map_len = (size_t)sb.st_size;
	s->inds = (struct ind *)(void *)(s->map + sizeof(h));
	s->vals = (struct val *)(void *)(s->map + sizeof(h) + h.ninds * sizeof(struct ind));
	s->str = s->map + sizeof(h) + h.ninds * sizeof(struct ind) + h.nvals * sizeof(struct val);
	s->map_inds = s->map_vals = s->map_str = 1;
	s->inds_alloc = s->ninds = h.ninds;
	s->vals_alloc = s->nvals = h.nvals;
	s->str_alloc = s->str_len = h.str_len;
	srcs = s->str + h.str_len;
	if (s->str[h.str_len - 1] != '\0')
		goto bad;
	/* every offset must stay inside the arena (which ends with a NUL, so every string read
	 * from it ends inside it); the NUL after each value is not looked for: that would read
	 * the whole 100 MB arena at every start, and a damaged byte there changes a value, it
	 * does not lead a read outside the mapping */
	for (size_t i = 0; i < s->ninds; i++) {
		const struct ind *r = &s->inds[i];
		if (r->id_off >= h.str_len || r->labels_off >= h.str_len ||
		        (uint64_t)r->val_first + r->val_count > h.nvals || r->tlp > PI_TLP_RED ||
		        r->dead)
			goto bad;
	}
	for (size_t i = 0; i < s->nvals; i++) {
		const struct val *v = &s->vals[i];
		if ((uint64_t)v->off + v->len >= h.str_len || v->ind >= s->ninds ||
		        v->op > PI_SCAN_OP_MATCHES ||
		        v->kind > PI_OBSERVABLE_SMS_SENDER)
			goto bad;
	}
	{
		size_t p = 0;
		for (size_t i = 0; i < h.nsources; i++) {
			const char *nul = p < slen ? memchr(srcs + p, '\0', slen - p) : NULL;
			if (!nul)
				goto bad;
			if (!(s->sources[i] = strdup(srcs + p)))
				goto nomem;
			s->nsources++;
			p = (size_t)(nul - srcs) + 1;
		}
		if (meta && h.meta_len) {
			if (!(*meta = calloc(1, h.meta_len + 1)))
				goto nomem;
			memcpy(*meta, srcs + slen, h.meta_len);
		}
	}
	/* the id map is rebuilt on the first pi_scan_set_add_object (idmap_ensure): a scan that
	 * only reads the set never pays for it */
	s->stats = h.stats;
	s->last_labels = s->empty_labels = 0;
	*out = s;
	s = NULL;
	goto out;
bad:
	st = pi_error_set(err, PI_ERR_INVALID, "%s: not a valid indicator cache file", path);
	goto out;
nomem:
	st = pi_error_set(err, PI_ERR_NOMEM, "out of memory reading %s", path);
out:
	if (st != PI_OK && meta && *meta) {
		free(*meta);
		*meta = NULL;
	}
	close(fd);
	pi_scan_set_free(s);
	return st;
}
