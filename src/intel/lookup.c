/* lookup.c - index facts, value look-up, correlation and sighting totals (see lookup.h).
 *
 * A look-up turns the value into candidate index keys: the value itself ("exact"), a domain's
 * parent domains ("parent-domain"), the CIDR blocks in use that contain an address or block
 * ("cidr": one probe per prefix length in use, found in intel_prefixes), and a URL's host
 * ("url-host", with its parents). For each key it sums the access classes the caller may
 * see (counts never scan objects) and lists the newest visible objects. A key with no visible
 * object is left out entirely, so hidden data leaves no trace in the answer.
 */
#include "intel/lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "intel/extract.h"

#define ORGS_MAX 4096
#define CANDIDATES_MAX 160
#define WARNINGS_MAX 4096
#define VIEW_OBSERVABLES_MAX 200
#define VIEW_ROWS_MAX 10000
#define LOOKUP_TREE_TEXT_MAX ((size_t)256 << 20) /* the text behind a cJSON answer */

/* ---- expiry ---- */

static int64_t time_field(const cJSON *obj, const char *key)
{
	const char *s = pi_json_get_string(obj, key);
	int64_t us = 0;

	if (!s || pi_time_parse_us(s, &us, NULL) != PI_OK)
		return 0;
	return us;
}

int pi_indicator_active(const cJSON *obj, int64_t now_us)
{
	int64_t until;

	if (!obj)
		return 0;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "revoked")))
		return 0;
	until = time_field(obj, "valid_until");
	return until == 0 || until > now_us;
}

enum pi_observable_kind pi_intel_index_kind(enum pi_observable_kind kind, const char *normalised)
{
	if (kind == PI_OBSERVABLE_IPV4_CIDR && !strchr(normalised, '/'))
		return PI_OBSERVABLE_IPV4;
	if (kind == PI_OBSERVABLE_IPV6_CIDR && !strchr(normalised, '/'))
		return PI_OBSERVABLE_IPV6;
	if (kind == PI_OBSERVABLE_SMS_SENDER && normalised[0] == '+')
		return PI_OBSERVABLE_PHONE;
	return kind;
}

/* ---- index facts ---- */

struct doc_ctx {
	struct pi_intel_doc *doc;
	const struct pi_warninglists *wl;
	struct pi_buf warnings;
	size_t cap;
	int over;
	pi_status failed;
};

static void warn_add(struct doc_ctx *d, const char *fmt, const char *a, const char *b)
{
	if (d->warnings.len)
		pi_buf_puts(&d->warnings, "; ");
	pi_buf_printf(&d->warnings, fmt, a, b);
}

static int on_extracted(void *arg, const struct pi_extracted *e)
{
	struct doc_ctx *d = arg;
	struct pi_intel_doc *doc = d->doc;
	const char *list = NULL;
	enum pi_observable_kind kind;
	char *copy;

	if (!e->valid) {
		char shown[128];
		snprintf(shown, sizeof(shown), "%.*s",
		        (int)(e->value_len > 100 ? 100 : e->value_len), e->value);
		warn_add(d, "warning: '%s' not indexed: %s", shown,
		        e->reason ? e->reason : "invalid");
		return 0;
	}
	if (doc->n_obs >= PI_INTEL_OBS_PER_OBJECT_MAX) {
		d->over = 1;
		return 1;
	}
	kind = pi_intel_index_kind(e->kind, e->value);
	if (pi_warninglist_match(d->wl, kind, e->value, &list)) {
		char shown[128];
		snprintf(shown, sizeof(shown), "%.100s", e->value);
		warn_add(d,
		        "warning: '%s' is on warninglist %s (known benign; left out of feeds by "
		        "default)",
		        shown, list);
	}
	if (doc->n_obs == d->cap) {
		size_t grown = d->cap ? d->cap * 2 : 8;
		struct pi_intel_obs *bigger = realloc(doc->obs, grown * sizeof(*bigger));
		if (!bigger) {
			d->failed = PI_ERR_NOMEM;
			return 1;
		}
		doc->obs = bigger;
		d->cap = grown;
	}
	copy = malloc(e->value_len + 1);
	if (!copy) {
		d->failed = PI_ERR_NOMEM;
		return 1;
	}
	memcpy(copy, e->value, e->value_len);
	copy[e->value_len] = '\0';
	doc->obs[doc->n_obs].kind = kind;
	doc->obs[doc->n_obs].value = copy;
	doc->n_obs++;
	return 0;
}

pi_status pi_intel_doc_build(const cJSON *obj, const struct pi_pattern *parsed,
        const struct pi_warninglists *wl, struct pi_intel_doc *doc, struct pi_error *err)
{
	struct doc_ctx d;
	const char *type = pi_json_get_string(obj, "type");
	pi_status ret;

	memset(doc, 0, sizeof(*doc));
	memset(&d, 0, sizeof(d));
	d.doc = doc;
	d.wl = wl;
	pi_buf_init(&d.warnings, WARNINGS_MAX);
	ret = pi_extract_observables_parsed(obj, parsed, on_extracted, &d, err);
	if (ret == PI_OK && d.failed)
		ret = pi_error_set(err, d.failed, "out of memory");
	if (ret != PI_OK)
		goto out;
	if (d.over) {
		char cap[32];
		snprintf(cap, sizeof(cap), "%d", PI_INTEL_OBS_PER_OBJECT_MAX);
		warn_add(&d, "warning: only the first %s values are indexed%s", cap, "");
	}
	doc->facts.obs = doc->obs;
	doc->facts.n_obs = doc->n_obs;
	doc->facts.revoked = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "revoked"));
	doc->facts.valid_until = time_field(obj, "valid_until");
	if (pi_json_get_string(obj, "name")) {
		doc->name = strdup(pi_json_get_string(obj, "name"));
		if (!doc->name) {
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		doc->facts.name = doc->name;
	}
	if (type && strcmp(type, "sighting") == 0) {
		const char *target = pi_json_get_string(obj, "sighting_of_ref");
		const cJSON *count = cJSON_GetObjectItemCaseSensitive(obj, "count");
		if (target) {
			doc->sighting_of = strdup(target);
			if (!doc->sighting_of) {
				ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
				goto out;
			}
			doc->facts.sighting_of = doc->sighting_of;
			doc->facts.sighting_count = cJSON_IsNumber(count) && count->valuedouble >= 0
			                                    ? (int64_t)count->valuedouble
			                                    : 1;
			doc->facts.first_seen = time_field(obj, "first_seen");
			doc->facts.last_seen = time_field(obj, "last_seen");
			doc->facts.false_positive = cJSON_IsTrue(
			        cJSON_GetObjectItemCaseSensitive(obj, "x_postisac_false_positive"));
		}
	}
	if (d.warnings.len)
		doc->warnings = pi_buf_steal(&d.warnings);
out:
	pi_buf_free(&d.warnings);
	return ret;
}

void pi_intel_doc_free(struct pi_intel_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n_obs; i++)
		free((char *)doc->obs[i].value);
	free(doc->obs);
	free(doc->sighting_of);
	free(doc->name);
	free(doc->warnings);
	memset(doc, 0, sizeof(*doc));
}

/* ---- kind detection ---- */

static int all_in(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(set, s[i]) || !s[i])
			return 0;
	return len > 0;
}

static int has_scheme_sep(const char *v, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i++)
		if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/')
			return 1;
	return 0;
}

enum pi_observable_kind pi_lookup_detect(const char *v, size_t len)
{
	uint8_t addr[16];
	int family;
	size_t digits = 0;

	if (!v || len == 0 || len > PI_OBSERVABLE_MAX_INPUT)
		return PI_OBSERVABLE_NONE;
	if (has_scheme_sep(v, len))
		return PI_OBSERVABLE_URL;
	if (memchr(v, '@', len))
		return PI_OBSERVABLE_EMAIL;
	if (memchr(v, '/', len))
		return memchr(v, ':', len) ? PI_OBSERVABLE_IPV6_CIDR : PI_OBSERVABLE_IPV4_CIDR;
	if (pi_observable_ip_parse(v, len, addr, &family, NULL) == PI_OK)
		return family == 4 ? PI_OBSERVABLE_IPV4 : PI_OBSERVABLE_IPV6;
	if (memchr(v, ':', len))
		return PI_OBSERVABLE_IPV6;
	if (all_in(v, len, "0123456789abcdefABCDEF")) {
		switch (len) {
		case 32: return PI_OBSERVABLE_MD5;
		case 40: return PI_OBSERVABLE_SHA1;
		case 64: return PI_OBSERVABLE_SHA256;
		case 128: return PI_OBSERVABLE_SHA512;
		default: break;
		}
	}
	for (size_t i = 0; i < len; i++)
		digits += v[i] >= '0' && v[i] <= '9';
	if (v[0] == '+' || (len > 2 && v[0] == '0' && v[1] == '0' && digits >= 8))
		return PI_OBSERVABLE_PHONE;
	if (all_in(v, len, "0123456789")) {
		if (len >= 3 && len <= 8)
			return PI_OBSERVABLE_SMS_SENDER;
		return PI_OBSERVABLE_PHONE;
	}
	if (all_in(v, len, "0123456789 -./()") && digits >= 8)
		return PI_OBSERVABLE_PHONE;
	if (memchr(v, '.', len) && !memchr(v, ' ', len))
		return PI_OBSERVABLE_DOMAIN;
	if (len <= 11)
		return PI_OBSERVABLE_SMS_SENDER;
	return PI_OBSERVABLE_NONE;
}

/* ---- shared: times, org sets ---- */

static void add_time(cJSON *o, const char *key, int64_t us)
{
	char text[PI_TIME_TEXT_LEN];

	if (us <= 0) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	pi_time_format_us(us, text);
	cJSON_AddStringToObject(o, key, text);
}

/* A set of organisation ids, at most ORGS_MAX (beyond that the count saturates): starts in
 * its own small array and moves to the heap only when an answer spans many organisations.
 * Initialise with org_init, release with org_free; the struct must not be copied. */
struct org_set {
	int64_t small[16];
	int64_t *ids;
	size_t n, cap;
};

static void org_init(struct org_set *s)
{
	s->ids = s->small;
	s->n = 0;
	s->cap = sizeof(s->small) / sizeof(s->small[0]);
}

static void org_free(struct org_set *s)
{
	if (s->ids != s->small)
		free(s->ids);
	org_init(s);
}

/* Adds id; -1 when memory ran out (the set is unchanged). */
static int org_add(struct org_set *s, int64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return 0;
	if (s->n >= ORGS_MAX)
		return 0;
	if (s->n == s->cap) {
		size_t grown = s->cap * 4 < ORGS_MAX ? s->cap * 4 : ORGS_MAX;
		int64_t *bigger = malloc(grown * sizeof(*bigger));
		if (!bigger)
			return -1;
		memcpy(bigger, s->ids, s->n * sizeof(*bigger));
		if (s->ids != s->small)
			free(s->ids);
		s->ids = bigger;
		s->cap = grown;
	}
	s->ids[s->n++] = id;
	return 0;
}

static void time_min(int64_t *t, int64_t v)
{
	if (v > 0 && (*t == 0 || v < *t))
		*t = v;
}

static void time_max(int64_t *t, int64_t v)
{
	if (v > *t)
		*t = v;
}

/* ---- sightings ---- */

struct sighting_ctx {
	const struct pi_principal *who;
	struct pi_sighting_totals *t;
};

static int on_sighting(void *arg, const struct pi_intel_sighting *s)
{
	struct sighting_ctx *c = arg;

	if (!pi_access_allows(c->who, &s->acl, PI_PURPOSE_VIEW))
		return 0;
	c->t->sightings++;
	c->t->count += s->count;
	c->t->false_positives += s->false_positive ? 1 : 0;
	time_min(&c->t->first_seen, s->first_seen);
	time_max(&c->t->last_seen, s->last_seen);
	return 0;
}

pi_status pi_intel_sighting_totals(pi_store *store, const struct pi_principal *who,
        const char *stix_id, struct pi_sighting_totals *out, struct pi_error *err)
{
	struct sighting_ctx c = {who, out};

	memset(out, 0, sizeof(*out));
	return pi_store_intel_sightings(
	        store, stix_id, PI_LOOKUP_SIGHTINGS_MAX, on_sighting, &c, err);
}

static cJSON *sightings_json(const struct pi_sighting_totals *t)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "sightings", (double)t->sightings);
	cJSON_AddNumberToObject(o, "count", (double)t->count);
	cJSON_AddNumberToObject(o, "false_positives", (double)t->false_positives);
	add_time(o, "first_seen", t->first_seen);
	add_time(o, "last_seen", t->last_seen);
	return o;
}

/* ---- writing answers as JSON text ---- */

/* Appends to b; the first failure (PI_ERR_TOOBIG, PI_ERR_NOMEM) sticks in st and every later
 * call does nothing, so a sequence of writes is checked once at its end. The last time
 * formatted is kept (an answer repeats the same few times). Initialise with jw_init. */
struct jw {
	struct pi_buf *b;
	pi_status st;
	int64_t time_us; /* 0: time_text holds nothing */
	char time_text[PI_TIME_TEXT_LEN];
};

static void jw_init(struct jw *w, struct pi_buf *b)
{
	w->b = b;
	w->st = PI_OK;
	w->time_us = 0;
}

static void jw_raw(struct jw *w, const char *s)
{
	if (w->st == PI_OK)
		w->st = pi_buf_puts(w->b, s);
}

static void jw_str(struct jw *w, const char *s)
{
	if (w->st == PI_OK)
		w->st = pi_buf_json_string(w->b, s ? s : "");
}

static void jw_int(struct jw *w, int64_t v)
{
	char text[24];
	size_t i = sizeof(text);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	text[--i] = '\0';
	do {
		text[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		text[--i] = '-';
	jw_raw(w, text + i);
}

static void jw_bool(struct jw *w, int v)
{
	jw_raw(w, v ? "true" : "false");
}

/* An RFC 3339 time, or null for 0 (unknown). */
static void jw_time(struct jw *w, int64_t us)
{
	if (us <= 0) {
		jw_raw(w, "null");
		return;
	}
	if (us != w->time_us) {
		pi_time_format_us(us, w->time_text);
		w->time_us = us;
	}
	jw_str(w, w->time_text);
}

static void jw_sightings(struct jw *w, const struct pi_sighting_totals *t)
{
	jw_raw(w, "{\"sightings\":");
	jw_int(w, t->sightings);
	jw_raw(w, ",\"count\":");
	jw_int(w, t->count);
	jw_raw(w, ",\"false_positives\":");
	jw_int(w, t->false_positives);
	jw_raw(w, ",\"first_seen\":");
	jw_time(w, t->first_seen);
	jw_raw(w, ",\"last_seen\":");
	jw_time(w, t->last_seen);
	jw_raw(w, "}");
}

/* Drops what was appended to b after len (b keeps its memory). */
static void buf_truncate(struct pi_buf *b, size_t len)
{
	if (b->data && len <= b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

/* ---- one index key: counts and listing ---- */

struct summary {
	int64_t objects, active;
	int64_t first, last;
	struct org_set *orgs; /* shared across the keys of one answer */
	struct pi_sighting_totals sightings;
};

struct group_ctx {
	pi_store *store;
	const struct pi_principal *who;
	int64_t obs_id;
	int64_t now;
	struct summary *s;
	struct org_set local;
	pi_status failed;
	struct pi_error *err;
};

static int on_group(void *arg, const struct pi_intel_group *g)
{
	struct group_ctx *c = arg;
	int64_t expired = 0;

	if (!pi_access_allows(c->who, &g->acl, PI_PURPOSE_VIEW))
		return 0;
	if (g->n_timed > 0) {
		if (g->max_vu <= c->now)
			expired = g->n_timed;
		else if (g->min_vu <= c->now && pi_store_intel_expired(c->store, c->obs_id, g,
		                                        c->now, &expired, c->err) != PI_OK) {
			c->failed = PI_ERR_IO;
			return 1;
		}
	}
	c->s->objects += g->n;
	c->s->active += g->n_live - expired;
	time_min(&c->s->first, g->first_added);
	time_max(&c->s->last, g->last_added);
	if (org_add(&c->local, g->acl.owner_org) != 0 ||
	        org_add(c->s->orgs, g->acl.owner_org) != 0) {
		c->failed = pi_error_set(c->err, PI_ERR_NOMEM, "out of memory");
		return 1;
	}
	return 0;
}

struct list_ctx {
	pi_store *store;
	const struct pi_principal *who;
	const char *self_id;
	size_t max;
	size_t listed;
	int64_t now;
	struct jw *w;
	struct summary *s;
	pi_status failed;
	struct pi_error *err;
};

static int on_ref(void *arg, const struct pi_intel_ref *r)
{
	struct list_ctx *c = arg;
	struct jw *w = c->w;
	int expired;

	if (!pi_access_allows(c->who, &r->acl, PI_PURPOSE_VIEW))
		return 0;
	if (c->self_id && strcmp(r->stix_id, c->self_id) == 0)
		return 0;
	if (c->listed >= c->max)
		return 1;
	expired = r->valid_until > 0 && r->valid_until <= c->now;
	jw_raw(w, c->listed ? ",{\"id\":" : "{\"id\":");
	c->listed++;
	jw_str(w, r->stix_id);
	jw_raw(w, ",\"type\":");
	jw_str(w, r->type);
	if (r->name) {
		jw_raw(w, ",\"name\":");
		jw_str(w, r->name);
	}
	jw_raw(w, ",\"version\":");
	jw_str(w, r->version);
	jw_raw(w, ",\"collection\":");
	jw_str(w, r->collection_uuid);
	jw_raw(w, ",\"tlp\":");
	jw_str(w, pi_tlp_name(r->acl.tlp));
	jw_raw(w, ",\"date_added\":");
	jw_time(w, r->date_added);
	if (r->valid_until > 0) {
		jw_raw(w, ",\"valid_until\":");
		jw_time(w, r->valid_until);
	}
	jw_raw(w, ",\"revoked\":");
	jw_bool(w, r->revoked);
	jw_raw(w, ",\"expired\":");
	jw_bool(w, expired);
	jw_raw(w, ",\"active\":");
	jw_bool(w, !r->revoked && !expired);
	if (strcmp(r->type, "indicator") == 0) {
		struct pi_sighting_totals t;
		memset(&t, 0, sizeof(t));
		/* no sighting row at all: the totals are zero whoever asks */
		if (r->has_sightings && pi_intel_sighting_totals(c->store, c->who, r->stix_id, &t,
		                                c->err) != PI_OK) {
			c->failed = PI_ERR_IO;
			return 1;
		}
		jw_raw(w, ",\"sightings\":");
		jw_sightings(w, &t);
		c->s->sightings.sightings += t.sightings;
		c->s->sightings.count += t.count;
		c->s->sightings.false_positives += t.false_positives;
		time_min(&c->s->sightings.first_seen, t.first_seen);
		time_max(&c->s->sightings.last_seen, t.last_seen);
	}
	jw_raw(w, "}");
	if (w->st != PI_OK) {
		c->failed = w->st;
		return 1;
	}
	return 0;
}

/* Appends the caller's view of one index key to w: the members "objects", "active",
 * "organisations", "first_seen", "last_seen", "too_common" and "listed" (no braces, no
 * leading comma), and sets *visible to the visible object count. When that is 0 nothing is
 * appended: the key must not be shown. self_rows visible rows of self_id are not "related".
 * On an error w may hold part of the members: the caller drops them. */
static pi_status summarise(pi_store *store, const struct pi_principal *who, int64_t obs_id,
        const struct pi_lookup_opts *opts, const char *self_id, int64_t self_rows,
        struct summary *total, struct jw *w, int64_t *visible, struct pi_error *err)
{
	struct summary s;
	struct group_ctx g;
	struct list_ctx l;
	pi_status ret;

	*visible = 0;
	memset(&s, 0, sizeof(s));
	s.orgs = total->orgs;
	g.store = store;
	g.who = who;
	g.obs_id = obs_id;
	g.now = opts->now_us;
	g.s = &s;
	g.failed = PI_OK;
	g.err = err;
	org_init(&g.local);
	ret = pi_store_intel_groups(store, obs_id, 0, on_group, &g, err);
	if (ret == PI_OK && g.failed)
		ret = g.failed;
	if (ret != PI_OK)
		goto out;
	if (self_id) {
		s.objects = s.objects > self_rows ? s.objects - self_rows : 0;
		s.active = s.active > self_rows ? s.active - self_rows : 0;
	}
	if (s.objects == 0)
		goto out;
	memset(&l, 0, sizeof(l));
	l.store = store;
	l.who = who;
	l.self_id = self_id;
	l.max = opts->list_max ? opts->list_max : PI_LOOKUP_LIST_DEFAULT;
	l.now = opts->now_us;
	l.w = w;
	l.s = &s;
	l.err = err;
	jw_raw(w, "\"objects\":");
	jw_int(w, s.objects);
	jw_raw(w, ",\"active\":");
	jw_int(w, s.active);
	jw_raw(w, ",\"organisations\":");
	jw_int(w, (int64_t)g.local.n);
	jw_raw(w, ",\"first_seen\":");
	jw_time(w, s.first);
	jw_raw(w, ",\"last_seen\":");
	jw_time(w, s.last);
	jw_raw(w, ",\"too_common\":");
	jw_bool(w, s.objects > (int64_t)l.max);
	jw_raw(w, ",\"listed\":[");
	ret = pi_store_intel_refs(store, obs_id, PI_LOOKUP_SCAN_MAX, on_ref, &l, NULL, err);
	if (ret == PI_OK && l.failed)
		ret = l.failed;
	jw_raw(w, "]");
	if (ret == PI_OK && w->st != PI_OK)
		ret = w->st;
	if (ret == PI_ERR_NOMEM || ret == PI_ERR_TOOBIG)
		ret = pi_error_set(err, ret,
		        ret == PI_ERR_NOMEM ? "out of memory" : "the answer is too large");
	if (ret != PI_OK)
		goto out;
	total->objects += s.objects;
	total->active += s.active;
	time_min(&total->first, s.first);
	time_max(&total->last, s.last);
	total->sightings.sightings += s.sightings.sightings;
	total->sightings.count += s.sightings.count;
	total->sightings.false_positives += s.sightings.false_positives;
	time_min(&total->sightings.first_seen, s.sightings.first_seen);
	time_max(&total->sightings.last_seen, s.sightings.last_seen);
	*visible = s.objects;
out:
	org_free(&g.local);
	return ret;
}

/* ---- look-up ---- */

struct candidate {
	const char *match;
	enum pi_observable_kind kind;
	char *value; /* malloc'ed; freed with the candidates */
};

struct candidates {
	struct candidate *c;
	size_t n;
};

static void cand_add(
        struct candidates *cs, const char *match, enum pi_observable_kind kind, const char *value)
{
	struct candidate *c;

	if (cs->n >= CANDIDATES_MAX || strlen(value) >= PI_OBSERVABLE_MAX_OUTPUT)
		return;
	c = &cs->c[cs->n];
	c->value = strdup(value);
	if (!c->value)
		return; /* out of memory: the look-up answers without this candidate */
	c->match = match;
	c->kind = kind;
	cs->n++;
}

static void cand_domain_parents(struct candidates *cs, const char *match, const char *domain)
{
	for (const char *d = pi_domain_parent(domain); d; d = pi_domain_parent(d))
		cand_add(cs, match, PI_OBSERVABLE_DOMAIN, d);
}

/* The CIDR blocks in use that contain addr (an address or "net/p"), shorter prefixes only. */
static pi_status cand_cidrs(
        pi_store *store, struct candidates *cs, const char *value, struct pi_error *err)
{
	const char *slash = strchr(value, '/');
	size_t alen = slash ? (size_t)(slash - value) : strlen(value);
	int v6 = memchr(value, ':', alen) != NULL;
	enum pi_observable_kind ck = v6 ? PI_OBSERVABLE_IPV6_CIDR : PI_OBSERVABLE_IPV4_CIDR;
	int own = slash ? atoi(slash + 1) : (v6 ? 128 : 32);
	int prefixes[130];
	size_t n = 0;
	pi_status ret;

	ret = pi_store_intel_prefixes(store, ck, prefixes, 130, &n, err);
	if (ret != PI_OK)
		return ret;
	for (size_t i = 0; i < n; i++) {
		char in[128], out[PI_OBSERVABLE_MAX_OUTPUT];
		int k;
		if (prefixes[i] >= own)
			continue;
		k = snprintf(in, sizeof(in), "%.*s/%d", (int)alen, value, prefixes[i]);
		if (k < 0 || (size_t)k >= sizeof(in))
			continue;
		if (pi_observable_normalize(
		            ck, in, (size_t)k, NULL, out, sizeof(out), NULL, NULL) == PI_OK)
			cand_add(cs, "cidr", pi_intel_index_kind(ck, out), out);
	}
	return PI_OK;
}

/* The host of a normalised URL (see warninglist.c); "" when none. */
static void host_of_url(const char *url, char *out, size_t size)
{
	const char *p = strstr(url, "://");
	const char *end, *at;
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (!close)
			return;
		p++;
		end = close;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (colon)
			end = colon;
	}
	n = (size_t)(end - p);
	if (n < size) {
		memcpy(out, p, n);
		out[n] = '\0';
	}
}

static pi_status candidates_of(pi_store *store, enum pi_observable_kind kind, const char *norm,
        struct candidates *cs, struct pi_error *err)
{
	char host[PI_OBSERVABLE_MAX_OUTPUT];
	uint8_t addr[16];
	int family;

	cand_add(cs, "exact", kind, norm);
	switch (kind) {
	case PI_OBSERVABLE_DOMAIN: cand_domain_parents(cs, "parent-domain", norm); break;
	case PI_OBSERVABLE_IPV4:
	case PI_OBSERVABLE_IPV6:
	case PI_OBSERVABLE_IPV4_CIDR:
	case PI_OBSERVABLE_IPV6_CIDR: return cand_cidrs(store, cs, norm, err);
	case PI_OBSERVABLE_URL:
		host_of_url(norm, host, sizeof(host));
		if (!host[0])
			break;
		if (pi_observable_ip_parse(host, strlen(host), addr, &family, NULL) == PI_OK) {
			cand_add(cs, "url-host",
			        family == 4 ? PI_OBSERVABLE_IPV4 : PI_OBSERVABLE_IPV6, host);
		} else {
			cand_add(cs, "url-host", PI_OBSERVABLE_DOMAIN, host);
			cand_domain_parents(cs, "url-host", host);
		}
		break;
	default: break;
	}
	return PI_OK;
}

pi_status pi_lookup_value_write(pi_store *store, const struct pi_principal *who, const char *value,
        enum pi_observable_kind kind, const struct pi_lookup_opts *opts, struct pi_buf *out,
        struct pi_error *err)
{
	char norm[PI_OBSERVABLE_MAX_OUTPUT];
	struct candidate cand[CANDIDATES_MAX];
	struct candidates cs = {cand, 0};
	struct summary total;
	struct org_set orgs;
	struct pi_buf matches;
	struct jw mw, w;
	enum pi_observable_kind nkind, ikind;
	const char *list = NULL;
	size_t len = value ? strlen(value) : 0, n_matches = 0, out_mark = out->len;
	pi_status ret;

	if (!value || len == 0)
		return pi_error_set(err, PI_ERR_INVALID, "empty value");
	if (len > PI_OBSERVABLE_MAX_INPUT)
		return pi_error_set(
		        err, PI_ERR_INVALID, "value longer than %d bytes", PI_OBSERVABLE_MAX_INPUT);
	nkind = kind != PI_OBSERVABLE_NONE ? kind : pi_lookup_detect(value, len);
	if (nkind == PI_OBSERVABLE_NONE)
		return pi_error_set(err, PI_ERR_INVALID,
		        "cannot tell what kind of value '%.100s' is; give &kind= (ipv4, ipv6, "
		        "ipv4-cidr, ipv6-cidr, domain, url, email, md5, sha1, sha256, sha512, "
		        "phone, "
		        "sms-sender)",
		        value);
	/* addresses are normalised as one-address blocks so "10.0.0.1/32" and "10.0.0.1" agree */
	if (nkind == PI_OBSERVABLE_IPV4)
		nkind = PI_OBSERVABLE_IPV4_CIDR;
	else if (nkind == PI_OBSERVABLE_IPV6)
		nkind = PI_OBSERVABLE_IPV6_CIDR;
	ret = pi_observable_normalize(nkind, value, len, NULL, norm, sizeof(norm), NULL, err);
	if (ret != PI_OK) {
		pi_error_prefix(
		        err, "'%.100s' is not a valid %s", value, pi_observable_kind_name(nkind));
		return ret == PI_ERR_NOMEM ? ret : PI_ERR_INVALID;
	}
	ikind = pi_intel_index_kind(nkind, norm);
	memset(&total, 0, sizeof(total));
	org_init(&orgs);
	total.orgs = &orgs;
	pi_buf_init(&matches, out->cap);
	jw_init(&mw, &matches);
	jw_init(&w, out);
	ret = candidates_of(store, ikind, norm, &cs, err);
	for (size_t i = 0; i < cs.n && ret == PI_OK; i++) {
		int64_t obs_id = 0, visible = 0;
		size_t mark = matches.len;
		if (pi_store_intel_obs_find(store, cs.c[i].kind, cs.c[i].value, &obs_id, NULL) !=
		        PI_OK)
			continue;
		jw_raw(&mw, n_matches ? ",{\"match\":" : "{\"match\":");
		jw_str(&mw, cs.c[i].match);
		jw_raw(&mw, ",\"kind\":");
		jw_str(&mw, pi_observable_kind_name(cs.c[i].kind));
		jw_raw(&mw, ",\"value\":");
		jw_str(&mw, cs.c[i].value);
		jw_raw(&mw, ",");
		ret = summarise(store, who, obs_id, opts, NULL, 0, &total, &mw, &visible, err);
		jw_raw(&mw, "}");
		if (ret == PI_OK && mw.st != PI_OK)
			ret = pi_error_set(err, mw.st,
			        mw.st == PI_ERR_NOMEM ? "out of memory"
			                              : "the answer is too large");
		if (ret == PI_OK && visible > 0)
			n_matches++;
		else
			buf_truncate(&matches, mark);
	}
	if (ret != PI_OK)
		goto out;
	jw_raw(&w, "{\"value\":");
	jw_str(&w, value);
	jw_raw(&w, ",\"kind\":");
	jw_str(&w, pi_observable_kind_name(ikind));
	jw_raw(&w, ",\"normalised\":");
	jw_str(&w, norm);
	jw_raw(&w, ",\"found\":");
	jw_bool(&w, n_matches > 0);
	jw_raw(&w, ",\"warninglists\":[");
	if (pi_warninglist_match(opts->wl, ikind, norm, &list))
		jw_str(&w, list);
	jw_raw(&w, "],\"objects\":");
	jw_int(&w, total.objects);
	jw_raw(&w, ",\"active\":");
	jw_int(&w, total.active);
	jw_raw(&w, ",\"organisations\":");
	jw_int(&w, (int64_t)orgs.n);
	jw_raw(&w, ",\"sightings\":");
	jw_sightings(&w, &total.sightings);
	jw_raw(&w, ",\"first_seen\":");
	jw_time(&w, total.first);
	jw_raw(&w, ",\"last_seen\":");
	jw_time(&w,
	        total.last > total.sightings.last_seen ? total.last : total.sightings.last_seen);
	jw_raw(&w, ",\"matches\":[");
	if (w.st == PI_OK && matches.len)
		w.st = pi_buf_append(out, matches.data, matches.len);
	jw_raw(&w, "]}");
	if (w.st != PI_OK)
		ret = pi_error_set(err, w.st,
		        w.st == PI_ERR_NOMEM ? "out of memory" : "the answer is too large");
out:
	if (ret != PI_OK)
		buf_truncate(out, out_mark);
	for (size_t i = 0; i < cs.n; i++)
		free(cs.c[i].value);
	pi_buf_free(&matches);
	org_free(&orgs);
	return ret;
}

pi_status pi_lookup_value(pi_store *store, const struct pi_principal *who, const char *value,
        enum pi_observable_kind kind, const struct pi_lookup_opts *opts, cJSON **out,
        struct pi_error *err)
{
	struct pi_buf text;
	pi_status ret;

	*out = NULL;
	pi_buf_init(&text, LOOKUP_TREE_TEXT_MAX);
	ret = pi_lookup_value_write(store, who, value, kind, opts, &text, err);
	if (ret == PI_OK) {
		*out = cJSON_ParseWithLength(text.data, text.len);
		if (!*out)
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	pi_buf_free(&text);
	return ret;
}

/* ---- object view and correlation ---- */

/* summarise into the cJSON object entry: its members are added to entry when visible. */
static pi_status summarise_into(pi_store *store, const struct pi_principal *who, int64_t obs_id,
        const struct pi_lookup_opts *opts, const char *self_id, int64_t self_rows,
        struct summary *total, cJSON *entry, int64_t *visible, struct pi_error *err)
{
	struct pi_buf text;
	struct jw w;
	cJSON *members = NULL, *m;
	pi_status ret;

	pi_buf_init(&text, LOOKUP_TREE_TEXT_MAX);
	jw_init(&w, &text);
	jw_raw(&w, "{");
	ret = summarise(store, who, obs_id, opts, self_id, self_rows, total, &w, visible, err);
	jw_raw(&w, "}");
	if (ret == PI_OK && w.st != PI_OK)
		ret = pi_error_set(err, w.st, "out of memory");
	if (ret == PI_OK && *visible > 0) {
		members = cJSON_ParseWithLength(text.data, text.len);
		if (!members)
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	while (ret == PI_OK && members && (m = members->child) != NULL) {
		char key[32];
		snprintf(key, sizeof(key), "%s", m->string);
		cJSON_DetachItemViaPointer(members, m);
		if (!cJSON_AddItemToObject(entry, key, m)) {
			cJSON_Delete(m);
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		}
	}
	cJSON_Delete(members);
	pi_buf_free(&text);
	return ret;
}

struct view_ctx {
	const struct pi_principal *who;
	char *body; /* newest visible version (malloc'ed) */
	int64_t best_added;
	char collection[64];
	enum pi_tlp tlp;
	char version[80];
	int64_t versions;    /* visible versions */
	int64_t latest_rows; /* collections whose latest version is visible */
	char last_coll[64];  /* collection of the previous row */
	int failed;
};

static int on_view_row(void *arg, const struct pi_object_row *row, const char *coll)
{
	struct view_ctx *v = arg;
	int first_of_coll = strcmp(v->last_coll, coll) != 0;

	snprintf(v->last_coll, sizeof(v->last_coll), "%s", coll);
	if (!pi_access_allows(v->who, &row->acl, PI_PURPOSE_VIEW))
		return 0;
	v->versions++;
	if (first_of_coll)
		v->latest_rows++;
	if (row->date_added > v->best_added) {
		char *copy = malloc(row->body_len + 1);
		if (!copy) {
			v->failed = 1;
			return 1;
		}
		memcpy(copy, row->body, row->body_len);
		copy[row->body_len] = '\0';
		free(v->body);
		v->body = copy;
		v->best_added = row->date_added;
		v->tlp = row->acl.tlp;
		snprintf(v->collection, sizeof(v->collection), "%s", coll);
		snprintf(v->version, sizeof(v->version), "%s", row->version);
	}
	return 0;
}

struct obs_item {
	int valid;
	enum pi_observable_kind kind;
	char *value;
	char *reason;
};

struct obs_list {
	struct obs_item items[VIEW_OBSERVABLES_MAX];
	size_t n;
	int failed;
};

static int on_view_obs(void *arg, const struct pi_extracted *e)
{
	struct obs_list *l = arg;
	struct obs_item *it;

	if (l->n >= VIEW_OBSERVABLES_MAX)
		return 1;
	it = &l->items[l->n];
	it->valid = e->valid;
	it->kind = e->valid ? pi_intel_index_kind(e->kind, e->value) : e->kind;
	it->value = strndup(e->value, e->value_len);
	it->reason = e->reason ? strdup(e->reason) : NULL;
	if (!it->value || (e->reason && !it->reason)) {
		free(it->value);
		free(it->reason);
		l->failed = 1;
		return 1;
	}
	l->n++;
	return 0;
}

pi_status pi_intel_object_view(pi_store *store, const struct pi_principal *who, const char *stix_id,
        const struct pi_lookup_opts *opts, cJSON **out, struct pi_error *err)
{
	struct view_ctx v;
	struct obs_list *obs = NULL;
	struct pi_sighting_totals st;
	struct summary total;
	struct org_set orgs;
	cJSON *o = NULL, *body = NULL, *arr = NULL;
	pi_status ret;

	*out = NULL;
	org_init(&orgs);
	memset(&v, 0, sizeof(v));
	v.who = who;
	ret = pi_store_intel_object_rows(store, stix_id, VIEW_ROWS_MAX, on_view_row, &v, err);
	if (ret == PI_OK && v.failed)
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	if (ret != PI_OK)
		goto out;
	if (!v.body) {
		ret = pi_error_set(
		        err, PI_ERR_NOTFOUND, "no object %.100s that you may see", stix_id);
		goto out;
	}
	body = cJSON_Parse(v.body);
	obs = calloc(1, sizeof(*obs));
	o = cJSON_CreateObject();
	arr = cJSON_CreateArray();
	if (!body || !obs || !o || !arr) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* the body was validated on the way in; a pattern that no longer parses pins nothing */
	(void)pi_extract_observables(body, on_view_obs, obs, NULL);
	if (obs->failed) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = pi_intel_sighting_totals(store, who, stix_id, &st, err);
	if (ret != PI_OK)
		goto out;
	memset(&total, 0, sizeof(total));
	total.orgs = &orgs;
	for (size_t i = 0; i < obs->n && ret == PI_OK; i++) {
		struct obs_item *it = &obs->items[i];
		const char *list = NULL;
		int64_t obs_id = 0, visible = 0;
		cJSON *entry = cJSON_CreateObject();
		if (!entry || !cJSON_AddItemToArray(arr, entry)) {
			cJSON_Delete(entry);
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			break;
		}
		cJSON_AddStringToObject(entry, "kind", pi_observable_kind_name(it->kind));
		cJSON_AddStringToObject(entry, "value", it->value);
		cJSON_AddBoolToObject(entry, "valid", it->valid);
		if (!it->valid) {
			cJSON_AddStringToObject(
			        entry, "reason", it->reason ? it->reason : "invalid");
			continue;
		}
		cJSON *wl = cJSON_AddArrayToObject(entry, "warninglists");
		if (wl && pi_warninglist_match(opts->wl, it->kind, it->value, &list))
			cJSON_AddItemToArray(wl, cJSON_CreateString(list));
		if (pi_store_intel_obs_find(store, it->kind, it->value, &obs_id, NULL) == PI_OK)
			ret = summarise_into(store, who, obs_id, opts, stix_id, v.latest_rows,
			        &total, entry, &visible, err);
		if (ret == PI_OK && visible == 0) {
			cJSON_AddNumberToObject(entry, "objects", 0);
			cJSON_AddItemToObject(entry, "listed", cJSON_CreateArray());
		}
	}
	if (ret != PI_OK)
		goto out;
	cJSON_AddStringToObject(o, "id", stix_id);
	cJSON_AddStringToObject(o, "collection", v.collection);
	cJSON_AddStringToObject(o, "version", v.version);
	cJSON_AddStringToObject(o, "tlp", pi_tlp_name(v.tlp));
	add_time(o, "date_added", v.best_added);
	cJSON_AddNumberToObject(o, "visible_versions", (double)v.versions);
	cJSON_AddBoolToObject(
	        o, "revoked", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(body, "revoked")));
	cJSON_AddBoolToObject(o, "expired",
	        time_field(body, "valid_until") > 0 &&
	                time_field(body, "valid_until") <= opts->now_us);
	cJSON_AddBoolToObject(o, "active", pi_indicator_active(body, opts->now_us));
	cJSON_AddItemToObject(o, "sightings", sightings_json(&st));
	cJSON_AddNumberToObject(o, "related_objects", (double)total.objects);
	cJSON_AddNumberToObject(o, "related_organisations", (double)orgs.n);
	cJSON_AddItemToObject(o, "observables", arr);
	arr = NULL;
	cJSON_AddItemToObject(o, "object", body);
	body = NULL;
	*out = o;
	o = NULL;
out:
	if (obs) {
		for (size_t i = 0; i < obs->n; i++) {
			free(obs->items[i].value);
			free(obs->items[i].reason);
		}
	}
	free(obs);
	org_free(&orgs);
	free(v.body);
	cJSON_Delete(body);
	cJSON_Delete(arr);
	cJSON_Delete(o);
	return ret;
}
