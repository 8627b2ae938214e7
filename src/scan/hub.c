/* hub.c - TAXII 2.1 pull of indicators and push of sightings (see hub.h).
 *
 * The aggregation keeps two open-addressing tables (uint32 index + 1, 0 empty) over two
 * arrays: pairs (indicator key, kind, observable) and indicators (key). Keys are the STIX id,
 * or "value:<matched>" for list entries without one.
 */
#include "scan/hub.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/timeutil.h"

#define TAXII_MEDIA "application/taxii+json;version=2.1"
#define PAGE_LIMIT 1000
#define MAX_COLLECTIONS 256
#define MAX_PAGES 1000000

int pi_scan_hub_is_url(const char *source)
{
	return strncmp(source, "http://", 7) == 0 || strncmp(source, "https://", 8) == 0;
}

/* ---- HTTP ---- */

struct answer {
	char *data;
	size_t len, cap;
	int overflow;
	char date_added_last[64];
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t add = size * n;

	if (a->len + add + 1 > a->cap) {
		size_t nc = a->cap ? a->cap * 2 : 65536;
		char *q;
		while (nc < a->len + add + 1)
			nc *= 2;
		if (nc > PI_SCAN_HUB_MAX_PAGE + 1 || !(q = realloc(a->data, nc))) {
			a->overflow = 1;
			return 0;
		}
		a->data = q;
		a->cap = nc;
	}
	memcpy(a->data + a->len, p, add);
	a->len += add;
	a->data[a->len] = '\0';
	return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t len = size * n;
	static const char name[] = "X-TAXII-Date-Added-Last:";

	if (len > sizeof(name) && strncasecmp(p, name, sizeof(name) - 1) == 0) {
		size_t s = sizeof(name) - 1, e = len;
		while (s < e && (p[s] == ' ' || p[s] == '\t'))
			s++;
		while (e > s && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
			e--;
		if (e - s < sizeof(a->date_added_last)) {
			memcpy(a->date_added_last, p + s, e - s);
			a->date_added_last[e - s] = '\0';
		}
	}
	return len;
}

/* One request; body NULL means GET. *code gets the HTTP status. */
static pi_status http(const char *url, const char *token, const char *body, struct answer *a,
        long *code, struct pi_error *err)
{
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = NULL;
	char auth[600];
	CURLcode rc;
	pi_status st = PI_OK;
	int n;

	memset(a, 0, sizeof(*a));
	*code = 0;
	if (!curl)
		return pi_error_set(err, PI_ERR_NOMEM, "cannot start libcurl");
	n = snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token ? token : "");
	if (n < 0 || (size_t)n >= sizeof(auth)) {
		st = pi_error_set(err, PI_ERR_INVALID, "the token is too long");
		goto out;
	}
	if ((token && !(headers = curl_slist_append(headers, auth))) ||
	        !(headers = curl_slist_append(headers, "Accept: " TAXII_MEDIA)) ||
	        (body && !(headers = curl_slist_append(headers, "Content-Type: " TAXII_MEDIA)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 300L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	}
	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		st = pi_error_set(err, PI_ERR_IO, "%s: %s", url,
		        a->overflow ? "answer too large" : curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, code);
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return st;
}

static pi_status status_error(
        const char *url, long code, const struct answer *a, struct pi_error *err)
{
	pi_status st = code == 401   ? PI_ERR_AUTH
	               : code == 403 ? PI_ERR_DENIED
	               : code == 404 ? PI_ERR_NOTFOUND
	                             : PI_ERR_IO;
	return pi_error_set(err, st, "%s: HTTP %ld%s%.200s", url, code, a->len ? ": " : "",
	        a->len ? a->data : "");
}

/* ---- pull ---- */

/* Appends s to buf (cap bytes, NUL-terminated). */
static int append(char *buf, size_t cap, const char *s)
{
	size_t o = strlen(buf), n = strlen(s);

	if (o + n + 1 > cap)
		return -1;
	memcpy(buf + o, s, n + 1);
	return 0;
}

/* Appends s to buf URL-encoded. */
static int url_escape(char *buf, size_t cap, const char *s)
{
	size_t o = strlen(buf);
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (o + 4 >= cap)
			return -1;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		        c == '-' || c == '.' || c == '_' || c == '~') {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '%';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	return 0;
}

static pi_status pull_collection(const char *objects_url, const char *token,
        const char *added_after, pi_scan_set *set, char *latest, size_t latest_size,
        size_t *objects, struct pi_error *err)
{
	char next[128] = "";
	struct answer a;
	pi_status st = PI_OK;

	for (size_t page = 0; page < MAX_PAGES; page++) {
		char url[8192];
		cJSON *doc = NULL;
		const cJSON *objs, *o, *more;
		long code;
		int n = snprintf(url, sizeof(url), "%s?match%%5Btype%%5D=indicator&limit=%d",
		        objects_url, PAGE_LIMIT);
		if (n < 0 || (size_t)n >= sizeof(url))
			return pi_error_set(err, PI_ERR_INVALID, "the hub URL is too long");
		if (added_after && *added_after) {
			if (append(url, sizeof(url), "&added_after=") < 0 ||
			        url_escape(url, sizeof(url), added_after) < 0)
				return pi_error_set(err, PI_ERR_INVALID, "the hub URL is too long");
		}
		if (next[0]) {
			if (append(url, sizeof(url), "&next=") < 0 ||
			        url_escape(url, sizeof(url), next) < 0)
				return pi_error_set(err, PI_ERR_INVALID, "the hub URL is too long");
		}
		if ((st = http(url, token, NULL, &a, &code, err)) != PI_OK)
			return st;
		if (code != 200) {
			st = status_error(objects_url, code, &a, err);
			free(a.data);
			return st;
		}
		if (a.date_added_last[0] && strcmp(a.date_added_last, latest) > 0 &&
		        strlen(a.date_added_last) < latest_size)
			memcpy(latest, a.date_added_last, strlen(a.date_added_last) + 1);
		if (a.len == 0) { /* an empty page */
			free(a.data);
			return PI_OK;
		}
		st = pi_json_parse(a.data, a.len, PI_JSON_MAX_DEPTH, &doc, err);
		free(a.data);
		if (st != PI_OK) {
			pi_error_prefix(err, "%s: the answer is not JSON", objects_url);
			return PI_ERR_INVALID;
		}
		objs = cJSON_GetObjectItemCaseSensitive(doc, "objects");
		cJSON_ArrayForEach(o, objs)
		{
			if (objects)
				(*objects)++;
			if ((st = pi_scan_set_add_object(set, o, objects_url, err)) != PI_OK) {
				cJSON_Delete(doc);
				return st;
			}
		}
		more = cJSON_GetObjectItemCaseSensitive(doc, "more");
		if (cJSON_IsTrue(more)) {
			const char *nx = pi_json_get_string(doc, "next");
			if (!nx || strlen(nx) >= sizeof(next) || strcmp(nx, next) == 0) {
				cJSON_Delete(doc);
				return pi_error_set(err, PI_ERR_INVALID,
				        "%s: more=true without a usable 'next'", objects_url);
			}
			memcpy(next, nx, strlen(nx) + 1);
			cJSON_Delete(doc);
			continue;
		}
		cJSON_Delete(doc);
		return PI_OK;
	}
	return pi_error_set(err, PI_ERR_TOOBIG, "%s: more than %d pages", objects_url, MAX_PAGES);
}

pi_status pi_scan_hub_pull(const char *url, const char *token, const char *added_after,
        pi_scan_set *set, char **next_added_after, size_t *objects, struct pi_error *err)
{
	char base[4096], objs[4400], latest[64] = "";
	const char *coll = strstr(url, "/collections/");
	size_t blen;
	pi_status st = PI_OK;
	int n;

	if (next_added_after)
		*next_added_after = NULL;
	if (objects)
		*objects = 0;
	if (!pi_scan_hub_is_url(url))
		return pi_error_set(
		        err, PI_ERR_INVALID, "'%s' is not an http:// or https:// URL", url);
	if (coll) {
		size_t idlen;
		const char *id = coll + 13;
		idlen = strcspn(id, "/?");
		if (idlen == 0 || idlen > 100)
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: no collection id after /collections/", url);
		n = snprintf(objs, sizeof(objs), "%.*s%.*s/objects/", (int)(coll + 13 - url), url,
		        (int)idlen, id);
		if (n < 0 || (size_t)n >= sizeof(objs))
			return pi_error_set(err, PI_ERR_INVALID, "the hub URL is too long");
		st = pull_collection(
		        objs, token, added_after, set, latest, sizeof(latest), objects, err);
	} else {
		struct answer a;
		cJSON *doc = NULL;
		const cJSON *list, *c;
		long code;
		size_t count = 0;
		blen = strlen(url);
		while (blen > 0 && url[blen - 1] == '/')
			blen--;
		if (blen >= sizeof(base) - 64)
			return pi_error_set(err, PI_ERR_INVALID, "the hub URL is too long");
		memcpy(base, url, blen);
		base[blen] = '\0';
		n = snprintf(objs, sizeof(objs), "%s/taxii2/hub/collections/", base);
		if (n < 0 || (size_t)n >= sizeof(objs))
			return pi_error_set(err, PI_ERR_INVALID, "the hub URL is too long");
		if ((st = http(objs, token, NULL, &a, &code, err)) != PI_OK)
			return st;
		if (code != 200) {
			st = status_error(objs, code, &a, err);
			free(a.data);
			return st;
		}
		st = a.len ? pi_json_parse(a.data, a.len, PI_JSON_MAX_DEPTH, &doc, err)
		           : pi_error_set(err, PI_ERR_INVALID, "empty answer");
		free(a.data);
		if (st != PI_OK) {
			pi_error_prefix(err, "%s", objs);
			return PI_ERR_INVALID;
		}
		list = cJSON_GetObjectItemCaseSensitive(doc, "collections");
		cJSON_ArrayForEach(c, list)
		{
			const char *id = pi_json_get_string(c, "id");
			char curl_objs[4400];
			if (!id || strlen(id) > 100 ||
			        !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "can_read")))
				continue;
			if (++count > MAX_COLLECTIONS)
				break;
			n = snprintf(curl_objs, sizeof(curl_objs),
			        "%s/taxii2/hub/collections/%s/objects/", base, id);
			if (n < 0 || (size_t)n >= sizeof(curl_objs))
				continue;
			if ((st = pull_collection(curl_objs, token, added_after, set, latest,
			             sizeof(latest), objects, err)) != PI_OK)
				break;
		}
		cJSON_Delete(doc);
	}
	if (st == PI_OK && next_added_after && latest[0] && !(*next_added_after = strdup(latest)))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	return st;
}

/* ---- sightings ---- */

struct pair {
	char *ind;   /* indicator key */
	char *value; /* observable */
	uint8_t kind, tlp;
	uint64_t total, pending;
	int64_t first_us, last_us, pending_first_us;
	uint32_t indicator; /* index into inds */
};

struct indrec {
	char *key;
	uint8_t tlp;
	uint64_t hits;
	size_t observables;
};

struct pi_scan_sightings {
	struct pair *pairs;
	size_t npairs, pairs_alloc;
	uint32_t *pmap;
	size_t pmap_size;
	struct indrec *inds;
	size_t ninds, inds_alloc;
	uint32_t *imap;
	size_t imap_size;
	size_t dropped;
	char keybuf[PI_OBSERVABLE_MAX_OUTPUT + 64];
};

static uint64_t h64(const char *a, const char *b, unsigned k)
{
	uint64_t h = 1469598103934665603ull ^ k;
	for (; a && *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (; b && *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ull;
	return h ^ (h >> 31);
}

pi_status pi_scan_sightings_new(pi_scan_sightings **out)
{
	pi_scan_sightings *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return PI_ERR_NOMEM;
	s->pmap_size = s->imap_size = 1024;
	s->pmap = calloc(s->pmap_size, sizeof(uint32_t));
	s->imap = calloc(s->imap_size, sizeof(uint32_t));
	if (!s->pmap || !s->imap) {
		pi_scan_sightings_free(s);
		return PI_ERR_NOMEM;
	}
	*out = s;
	return PI_OK;
}

void pi_scan_sightings_free(pi_scan_sightings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npairs; i++) {
		free(s->pairs[i].ind);
		free(s->pairs[i].value);
	}
	for (size_t i = 0; i < s->ninds; i++)
		free(s->inds[i].key);
	free(s->pairs);
	free(s->inds);
	free(s->pmap);
	free(s->imap);
	free(s);
}

static int rehash(uint32_t **map, size_t *size, size_t used, uint64_t (*key)(const void *, size_t),
        const void *arr)
{
	size_t ns = *size * 2;
	uint32_t *nm;

	if ((used + 1) * 2 <= *size)
		return 0;
	if (!(nm = calloc(ns, sizeof(uint32_t))))
		return -1;
	for (size_t i = 0; i < *size; i++)
		if ((*map)[i]) {
			size_t j = (size_t)key(arr, (*map)[i] - 1) & (ns - 1);
			while (nm[j])
				j = (j + 1) & (ns - 1);
			nm[j] = (*map)[i];
		}
	free(*map);
	*map = nm;
	*size = ns;
	return 0;
}

static uint64_t pair_key(const void *arr, size_t i)
{
	const struct pair *p = &((const struct pair *)arr)[i];
	return h64(p->ind, p->value, p->kind);
}

static uint64_t ind_key(const void *arr, size_t i)
{
	return h64(((const struct indrec *)arr)[i].key, NULL, 0);
}

static long find_ind(pi_scan_sightings *s, const char *key, uint8_t tlp)
{
	size_t j;

	if (rehash(&s->imap, &s->imap_size, s->ninds, ind_key, s->inds) < 0)
		return -1;
	j = (size_t)h64(key, NULL, 0) & (s->imap_size - 1);
	while (s->imap[j]) {
		if (strcmp(s->inds[s->imap[j] - 1].key, key) == 0)
			return (long)s->imap[j] - 1;
		j = (j + 1) & (s->imap_size - 1);
	}
	if (s->ninds == s->inds_alloc) {
		size_t na = s->inds_alloc ? s->inds_alloc * 2 : 64;
		struct indrec *p = realloc(s->inds, na * sizeof(*p));
		if (!p)
			return -1;
		s->inds = p;
		s->inds_alloc = na;
	}
	memset(&s->inds[s->ninds], 0, sizeof(struct indrec));
	if (!(s->inds[s->ninds].key = strdup(key)))
		return -1;
	s->inds[s->ninds].tlp = tlp;
	s->imap[j] = (uint32_t)++s->ninds;
	return (long)s->ninds - 1;
}

void pi_scan_sightings_add(pi_scan_sightings *s, const struct pi_scan_hit *hit)
{
	const char *key = hit->indicator.id;
	struct pair *p;
	size_t j;
	long ind;
	int n;

	if (!key[0]) {
		n = snprintf(s->keybuf, sizeof(s->keybuf), "value:%s", hit->matched);
		if (n < 0 || (size_t)n >= sizeof(s->keybuf))
			return;
		key = s->keybuf;
	}
	if (rehash(&s->pmap, &s->pmap_size, s->npairs, pair_key, s->pairs) < 0)
		return;
	j = (size_t)h64(key, hit->observable, (unsigned)hit->kind) & (s->pmap_size - 1);
	while (s->pmap[j]) {
		p = &s->pairs[s->pmap[j] - 1];
		if (p->kind == hit->kind && strcmp(p->ind, key) == 0 &&
		        strcmp(p->value, hit->observable) == 0) {
			p->total++;
			if (!p->pending)
				p->pending_first_us = hit->time_us;
			p->pending++;
			p->last_us = hit->time_us;
			s->inds[p->indicator].hits++;
			return;
		}
		j = (j + 1) & (s->pmap_size - 1);
	}
	if (s->npairs >= PI_SCAN_SIGHTINGS_MAX) {
		s->dropped++;
		return;
	}
	if ((ind = find_ind(s, key, (uint8_t)hit->indicator.tlp)) < 0)
		return;
	if (s->npairs == s->pairs_alloc) {
		size_t na = s->pairs_alloc ? s->pairs_alloc * 2 : 64;
		struct pair *q = realloc(s->pairs, na * sizeof(*q));
		if (!q)
			return;
		s->pairs = q;
		s->pairs_alloc = na;
	}
	p = &s->pairs[s->npairs];
	memset(p, 0, sizeof(*p));
	if (!(p->ind = strdup(key)) || !(p->value = strdup(hit->observable))) {
		free(p->ind);
		free(p->value);
		return;
	}
	p->kind = (uint8_t)hit->kind;
	p->tlp = (uint8_t)hit->indicator.tlp;
	p->total = p->pending = 1;
	p->first_us = p->last_us = p->pending_first_us = hit->time_us;
	p->indicator = (uint32_t)ind;
	s->inds[ind].hits++;
	s->inds[ind].observables++;
	s->pmap[j] = (uint32_t)++s->npairs;
}

size_t pi_scan_sightings_pending(const pi_scan_sightings *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->npairs; i++)
		n += s->pairs[i].pending > 0 && strncmp(s->pairs[i].ind, "indicator--", 11) == 0;
	return n;
}

size_t pi_scan_sightings_dropped(const pi_scan_sightings *s)
{
	return s->dropped;
}

void pi_scan_sightings_each_indicator(const pi_scan_sightings *s,
        void (*fn)(void *arg, const char *id, const char *tlp, uint64_t hits, size_t observables),
        void *arg)
{
	for (size_t i = 0; i < s->ninds; i++)
		fn(arg, s->inds[i].key, pi_tlp_name((enum pi_tlp)s->inds[i].tlp), s->inds[i].hits,
		        s->inds[i].observables);
}

static void uuid4(char out[37])
{
	unsigned char b[16];
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

/* Builds one sighting object for pair p. Returns NULL when out of memory. */
static cJSON *sighting_json(const struct pair *p, enum pi_tlp tlp, const char *now)
{
	cJSON *o = cJSON_CreateObject(), *obs, *marks;
	char id[64], first[PI_TIME_TEXT_LEN], last[PI_TIME_TEXT_LEN],
	        desc[PI_OBSERVABLE_MAX_OUTPUT + 64];
	char uuid[37];
	const char *kind = pi_observable_kind_name((enum pi_observable_kind)p->kind);

	if (!o)
		return NULL;
	uuid4(uuid);
	snprintf(id, sizeof(id), "sighting--%s", uuid);
	pi_time_format_us(p->pending_first_us, first);
	pi_time_format_us(p->last_us, last);
	snprintf(desc, sizeof(desc), "postisac scan: %s %s seen in logs", kind, p->value);
	cJSON_AddStringToObject(o, "type", "sighting");
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "created", now);
	cJSON_AddStringToObject(o, "modified", now);
	cJSON_AddStringToObject(o, "sighting_of_ref", p->ind);
	cJSON_AddNumberToObject(
	        o, "count", (double)(p->pending > 999999999 ? 999999999 : p->pending));
	cJSON_AddStringToObject(o, "first_seen", first);
	cJSON_AddStringToObject(o, "last_seen", last);
	cJSON_AddStringToObject(o, "description", desc);
	obs = cJSON_AddObjectToObject(o, "x_postisac_observable");
	if (obs) {
		cJSON_AddStringToObject(obs, "kind", kind);
		cJSON_AddStringToObject(obs, "value", p->value);
	}
	if (pi_tlp_marking_id(tlp)) {
		marks = cJSON_AddArrayToObject(o, "object_marking_refs");
		if (marks)
			cJSON_AddItemToArray(marks, cJSON_CreateString(pi_tlp_marking_id(tlp)));
	}
	return o;
}

pi_status pi_scan_sightings_post(pi_scan_sightings *s, const char *hub_url, const char *token,
        const char *collection_id, enum pi_tlp tlp, size_t *posted, struct pi_error *err)
{
	char url[4400], now[PI_TIME_TEXT_LEN];
	size_t blen = strlen(hub_url), i = 0;
	const char *t = strstr(hub_url, "/taxii2/");
	pi_status st = PI_OK;
	int n;

	if (posted)
		*posted = 0;
	if (!pi_scan_hub_is_url(hub_url))
		return pi_error_set(
		        err, PI_ERR_INVALID, "'%s' is not an http:// or https:// URL", hub_url);
	if (t)
		blen = (size_t)(t - hub_url);
	while (blen > 0 && hub_url[blen - 1] == '/')
		blen--;
	if (!collection_id || !collection_id[0] || strlen(collection_id) > 100 ||
	        strcspn(collection_id, "/?#% ") != strlen(collection_id))
		return pi_error_set(err, PI_ERR_INVALID, "a sightings collection id is required");
	n = snprintf(url, sizeof(url), "%.*s/taxii2/hub/collections/%s/objects/", (int)blen,
	        hub_url, collection_id);
	if (n < 0 || (size_t)n >= sizeof(url))
		return pi_error_set(err, PI_ERR_INVALID, "the hub URL is too long");
	pi_time_format_us(pi_time_now_us(), now);
	while (i < s->npairs) {
		cJSON *env = cJSON_CreateObject(),
		      *arr = env ? cJSON_AddArrayToObject(env, "objects") : NULL;
		size_t idx[PI_SCAN_SIGHTINGS_BATCH], k = 0;
		struct answer a;
		cJSON *doc = NULL;
		char *body;
		long code;
		if (!arr) {
			cJSON_Delete(env);
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		}
		for (; i < s->npairs && k < PI_SCAN_SIGHTINGS_BATCH; i++) {
			cJSON *o;
			if (!s->pairs[i].pending ||
			        strncmp(s->pairs[i].ind, "indicator--", 11) != 0)
				continue;
			if (!(o = sighting_json(&s->pairs[i], tlp, now))) {
				cJSON_Delete(env);
				return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			}
			cJSON_AddItemToArray(arr, o);
			idx[k++] = i;
		}
		if (k == 0) {
			cJSON_Delete(env);
			break;
		}
		body = cJSON_PrintUnformatted(env);
		cJSON_Delete(env);
		if (!body)
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		st = http(url, token, body, &a, &code, err);
		free(body);
		if (st != PI_OK)
			return st;
		if (code != 202 && code != 200) {
			st = status_error(url, code, &a, err);
			free(a.data);
			return st;
		}
		if (a.len && pi_json_parse(a.data, a.len, PI_JSON_MAX_DEPTH, &doc, NULL) == PI_OK) {
			const cJSON *fc = cJSON_GetObjectItemCaseSensitive(doc, "failure_count");
			const cJSON *sc = cJSON_GetObjectItemCaseSensitive(doc, "success_count");
			if (cJSON_IsNumber(fc) && fc->valuedouble > 0) {
				const cJSON *f = cJSON_GetArrayItem(
				        cJSON_GetObjectItemCaseSensitive(doc, "failures"), 0);
				const char *msg = pi_json_get_string(f, "message");
				st = pi_error_set(err, PI_ERR_INVALID,
				        "%s: the hub refused %d sightings%s%.300s", url,
				        fc->valueint, msg ? ": " : "", msg ? msg : "");
			}
			if (posted && cJSON_IsNumber(sc))
				*posted += (size_t)sc->valueint;
			cJSON_Delete(doc);
		}
		free(a.data);
		for (size_t m = 0; m < k; m++)
			s->pairs[idx[m]].pending = 0;
		if (st != PI_OK)
			return st;
	}
	return st;
}
