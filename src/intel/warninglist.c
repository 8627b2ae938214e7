/* warninglist.c - known-benign value lists (see warninglist.h).
 *
 * A set is a vector of lists; each list keeps its CIDR blocks as (family, 16-byte network,
 * prefix) and its other values as a sorted array of normalised strings searched with
 * bsearch. A set is never modified after it is handed out, so readers need no lock; the
 * process-wide pointer is set once (install or first use) under a mutex and read atomically.
 */
#include "intel/warninglist.h"
#include "core/datadir.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/log.h"

#define LIST_NAME_MAX 64
#define LISTS_MAX 256
#define DESCRIPTION_MAX 1024
#define PATH_MAX_LEN 4096

enum list_type { LIST_CIDR = 1, LIST_HOSTNAME, LIST_EXACT };

struct cidr {
	uint8_t net[16];
	int family;
	int prefix;
};

struct list {
	char name[LIST_NAME_MAX];
	enum list_type type;
	enum pi_observable_kind kind; /* LIST_EXACT */
	struct cidr *cidrs;
	size_t n_cidrs;
	char **values; /* sorted */
	size_t n_values;
};

struct pi_warninglists {
	struct list *lists;
	size_t n;
};

struct pi_warninglists *pi_warninglists_new(void)
{
	return calloc(1, sizeof(struct pi_warninglists));
}

static void list_free(struct list *l)
{
	for (size_t i = 0; i < l->n_values; i++)
		free(l->values[i]);
	free(l->values);
	free(l->cidrs);
	memset(l, 0, sizeof(*l));
}

void pi_warninglists_free(struct pi_warninglists *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		list_free(&w->lists[i]);
	free(w->lists);
	free(w);
}

size_t pi_warninglists_count(const struct pi_warninglists *w)
{
	return w ? w->n : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Parses "addr/prefix" or "addr" (normalised) into a block with host bits clear. */
static int cidr_parse(const char *s, struct cidr *out)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct pi_error err;

	memset(out, 0, sizeof(*out));
	if (pi_observable_ip_parse(s, alen, out->net, &out->family, &err) != PI_OK)
		return -1;
	out->prefix = out->family == 4 ? 32 : 128;
	if (slash) {
		char *end = NULL;
		long p = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end || p < 0 || p > out->prefix)
			return -1;
		out->prefix = (int)p;
	}
	return 0;
}

/* Nonzero if block b (prefix >= a's) lies inside block a. */
static int cidr_contains(const struct cidr *a, const struct cidr *b)
{
	int full, rest;

	if (a->family != b->family || b->prefix < a->prefix)
		return 0;
	full = a->prefix / 8;
	rest = a->prefix % 8;
	if (memcmp(a->net, b->net, (size_t)full) != 0)
		return 0;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));
		if ((a->net[full] & mask) != (b->net[full] & mask))
			return 0;
	}
	return 1;
}

static pi_status add_value(
        struct list *l, const char *file, size_t i, const char *raw, struct pi_error *err)
{
	char out[PI_OBSERVABLE_MAX_OUTPUT];
	struct pi_error verr;
	enum pi_observable_kind kind = l->kind;
	char *copy;

	if (l->type == LIST_CIDR) {
		enum pi_observable_kind k =
		        strchr(raw, ':') ? PI_OBSERVABLE_IPV6_CIDR : PI_OBSERVABLE_IPV4_CIDR;
		if (pi_observable_normalize(
		            k, raw, strlen(raw), NULL, out, sizeof(out), NULL, &verr) != PI_OK ||
		        cidr_parse(out, &l->cidrs[l->n_cidrs]) != 0)
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: values[%zu]: '%.100s' is not an IPv4 or IPv6 block: %s", file,
			        i, raw, verr.message);
		l->n_cidrs++;
		return PI_OK;
	}
	if (l->type == LIST_HOSTNAME)
		kind = PI_OBSERVABLE_DOMAIN;
	if (pi_observable_normalize(kind, raw, strlen(raw), NULL, out, sizeof(out), NULL, &verr) !=
	        PI_OK)
		return pi_error_set(err, PI_ERR_INVALID,
		        "%s: values[%zu]: '%.100s' is not a valid %s: %s", file, i, raw,
		        pi_observable_kind_name(kind), verr.message);
	copy = strdup(out);
	if (!copy)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	l->values[l->n_values++] = copy;
	return PI_OK;
}

pi_status pi_warninglists_add(struct pi_warninglists *w, const char *file_name, const char *text,
        size_t len, struct pi_error *err)
{
	const char *file = file_name ? file_name : "warninglist";
	cJSON *doc = NULL;
	const cJSON *item, *values, *v;
	const char *name, *type, *kind_name;
	struct list l;
	struct list *grown;
	size_t nvals, i = 0;
	pi_status ret;

	memset(&l, 0, sizeof(l));
	if (!w || !text)
		return pi_error_set(err, PI_ERR_INVALID, "warninglist: missing argument");
	if (len > PI_WARNINGLIST_FILE_MAX)
		return pi_error_set(err, PI_ERR_TOOBIG, "%s: larger than %u bytes", file,
		        PI_WARNINGLIST_FILE_MAX);
	ret = pi_json_parse(text, len, 8, &doc, err);
	if (ret != PI_OK) {
		pi_error_prefix(err, "%s", file);
		return ret;
	}
	ret = PI_ERR_INVALID;
	if (!cJSON_IsObject(doc)) {
		pi_error_set(err, ret, "%s: must be a JSON object", file);
		goto out;
	}
	cJSON_ArrayForEach(item, doc)
	{
		if (strcmp(item->string, "name") && strcmp(item->string, "description") &&
		        strcmp(item->string, "type") && strcmp(item->string, "kind") &&
		        strcmp(item->string, "values")) {
			pi_error_set(err, ret,
			        "%s: unknown key '%.64s' (expected name, description, type, kind, "
			        "values)",
			        file, item->string);
			goto out;
		}
	}
	name = pi_json_get_string(doc, "name");
	type = pi_json_get_string(doc, "type");
	kind_name = pi_json_get_string(doc, "kind");
	values = cJSON_GetObjectItemCaseSensitive(doc, "values");
	if (!name || !*name || strlen(name) >= LIST_NAME_MAX) {
		pi_error_set(err, ret, "%s: 'name' must be a string of 1-%d characters", file,
		        LIST_NAME_MAX - 1);
		goto out;
	}
	for (size_t k = 0; k < w->n; k++) {
		if (strcmp(w->lists[k].name, name) == 0) {
			pi_error_set(
			        err, ret, "%s: a list named '%s' is already loaded", file, name);
			goto out;
		}
	}
	snprintf(l.name, sizeof(l.name), "%s", name);
	if (type && strcmp(type, "cidr") == 0) {
		l.type = LIST_CIDR;
	} else if (type && strcmp(type, "hostname") == 0) {
		l.type = LIST_HOSTNAME;
	} else if (type && strcmp(type, "exact") == 0) {
		l.type = LIST_EXACT;
	} else {
		pi_error_set(
		        err, ret, "%s: 'type' must be \"cidr\", \"hostname\" or \"exact\"", file);
		goto out;
	}
	if (l.type == LIST_EXACT) {
		l.kind = kind_name ? pi_observable_kind_from_name(kind_name) : PI_OBSERVABLE_NONE;
		if (l.kind == PI_OBSERVABLE_NONE) {
			pi_error_set(err, ret,
			        "%s: an \"exact\" list needs 'kind' (ipv4, domain, url, email, "
			        "sha256, "
			        "phone, ...)",
			        file);
			goto out;
		}
	} else if (kind_name) {
		pi_error_set(err, ret, "%s: 'kind' is only for \"exact\" lists", file);
		goto out;
	}
	if (!cJSON_IsArray(values) || cJSON_GetArraySize(values) == 0) {
		pi_error_set(err, ret, "%s: 'values' must be a non-empty list of strings", file);
		goto out;
	}
	nvals = (size_t)cJSON_GetArraySize(values);
	if (nvals > PI_WARNINGLIST_VALUES_MAX) {
		ret = pi_error_set(err, PI_ERR_TOOBIG, "%s: more than %d values", file,
		        PI_WARNINGLIST_VALUES_MAX);
		goto out;
	}
	if (l.type == LIST_CIDR)
		l.cidrs = calloc(nvals, sizeof(*l.cidrs));
	else
		l.values = calloc(nvals, sizeof(*l.values));
	if (!l.cidrs && !l.values) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(v, values)
	{
		if (!cJSON_IsString(v)) {
			pi_error_set(err, ret, "%s: values[%zu]: not a string", file, i);
			goto out;
		}
		if (add_value(&l, file, i, v->valuestring, err) != PI_OK)
			goto out;
		i++;
	}
	if (l.values)
		qsort(l.values, l.n_values, sizeof(*l.values), cmp_str);
	if (w->n >= LISTS_MAX) {
		pi_error_set(err, ret, "%s: more than %d lists", file, LISTS_MAX);
		goto out;
	}
	grown = realloc(w->lists, (w->n + 1) * sizeof(*w->lists));
	if (!grown) {
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	w->lists = grown;
	w->lists[w->n++] = l;
	memset(&l, 0, sizeof(l));
	ret = PI_OK;
out:
	list_free(&l);
	cJSON_Delete(doc);
	return ret;
}

pi_status pi_warninglists_add_file(
        struct pi_warninglists *w, const char *path, struct pi_error *err)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0;
	pi_status ret;

	if (!f)
		return pi_error_set(err, PI_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	text = malloc(PI_WARNINGLIST_FILE_MAX + 1);
	if (!text) {
		fclose(f);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	len = fread(text, 1, PI_WARNINGLIST_FILE_MAX + 1, f);
	if (ferror(f))
		ret = pi_error_set(err, PI_ERR_IO, "%s: cannot read", path);
	else if (len > PI_WARNINGLIST_FILE_MAX)
		ret = pi_error_set(err, PI_ERR_TOOBIG, "%s: larger than %u bytes", path,
		        PI_WARNINGLIST_FILE_MAX);
	else
		ret = pi_warninglists_add(w, path, text, len, err);
	fclose(f);
	free(text);
	return ret;
}

pi_status pi_warninglists_load_dir(
        const char *dir, struct pi_warninglists **out, struct pi_error *err)
{
	struct dirent **names = NULL;
	struct pi_warninglists *w = NULL;
	pi_status ret = PI_OK;
	int n;

	*out = NULL;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return pi_error_set(err, PI_ERR_IO, "warninglists: cannot read folder %s: %s", dir,
		        strerror(errno));
	w = pi_warninglists_new();
	if (!w)
		ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t len = strlen(name);
		char path[PATH_MAX_LEN];
		int k;

		if (ret == PI_OK && len > 5 && strcmp(name + len - 5, ".json") == 0 &&
		        name[0] != '.') {
			k = snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (k < 0 || (size_t)k >= sizeof(path))
				ret = pi_error_set(err, PI_ERR_INVALID,
				        "warninglists: path too long: %s", dir);
			else
				ret = pi_warninglists_add_file(w, path, err);
		}
		free(names[i]);
	}
	free(names);
	if (ret != PI_OK) {
		pi_warninglists_free(w);
		return ret;
	}
	*out = w;
	return PI_OK;
}

static int match_cidr(const struct pi_warninglists *w, const char *value, const char **list_name)
{
	struct cidr b;

	if (cidr_parse(value, &b) != 0)
		return 0;
	for (size_t i = 0; i < w->n; i++) {
		const struct list *l = &w->lists[i];
		for (size_t k = 0; l->type == LIST_CIDR && k < l->n_cidrs; k++) {
			if (cidr_contains(&l->cidrs[k], &b)) {
				if (list_name)
					*list_name = l->name;
				return 1;
			}
		}
	}
	return 0;
}

static int in_sorted(const struct list *l, const char *value)
{
	return l->n_values &&
	       bsearch(&value, l->values, l->n_values, sizeof(*l->values), cmp_str) != NULL;
}

static int match_host(const struct pi_warninglists *w, const char *host, const char **list_name)
{
	uint8_t addr[16];
	int family = 0;

	if (!*host)
		return 0;
	if (pi_observable_ip_parse(host, strlen(host), addr, &family, NULL) == PI_OK)
		return match_cidr(w, host, list_name);
	for (const char *d = host; d; d = pi_domain_parent(d)) {
		for (size_t i = 0; i < w->n; i++) {
			if (w->lists[i].type == LIST_HOSTNAME && in_sorted(&w->lists[i], d)) {
				if (list_name)
					*list_name = w->lists[i].name;
				return 1;
			}
		}
	}
	return 0;
}

/* The host of a normalised URL into out ("" when there is none). */
static void url_host(const char *url, char *out, size_t size)
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
	if (n >= size)
		return;
	memcpy(out, p, n);
	out[n] = '\0';
}

int pi_warninglist_match(const struct pi_warninglists *w, enum pi_observable_kind kind,
        const char *normalised, const char **list_name)
{
	char host[PI_OBSERVABLE_MAX_OUTPUT];
	const char *at;

	if (list_name)
		*list_name = NULL;
	if (!w || !normalised)
		return 0;
	for (size_t i = 0; i < w->n; i++) {
		if (w->lists[i].type == LIST_EXACT && w->lists[i].kind == kind &&
		        in_sorted(&w->lists[i], normalised)) {
			if (list_name)
				*list_name = w->lists[i].name;
			return 1;
		}
	}
	switch (kind) {
	case PI_OBSERVABLE_IPV4:
	case PI_OBSERVABLE_IPV6:
	case PI_OBSERVABLE_IPV4_CIDR:
	case PI_OBSERVABLE_IPV6_CIDR: return match_cidr(w, normalised, list_name);
	case PI_OBSERVABLE_DOMAIN: return match_host(w, normalised, list_name);
	case PI_OBSERVABLE_URL:
		url_host(normalised, host, sizeof(host));
		return match_host(w, host, list_name);
	case PI_OBSERVABLE_EMAIL:
		at = strrchr(normalised, '@');
		return at ? match_host(w, at + 1, list_name) : 0;
	default: return 0;
	}
}

/* ---- the process-wide set ---- */

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct pi_warninglists *) current_set;

static void free_current(void)
{
	pi_warninglists_free(atomic_load(&current_set));
}

static void set_current(struct pi_warninglists *w)
{
	static int registered;

	/* Installed once per process; an earlier set is kept alive (readers may hold it). */
	if (!atomic_load(&current_set) && !registered) {
		registered = 1;
		atexit(free_current);
	}
	atomic_store(&current_set, w);
}

pi_status pi_warninglists_install(const char *dir, const char *extra_file, struct pi_error *err)
{
	struct pi_warninglists *w = NULL;
	pi_status ret;

	ret = pi_warninglists_load_dir(dir, &w, err);
	if (ret == PI_OK && extra_file && *extra_file)
		ret = pi_warninglists_add_file(w, extra_file, err);
	if (ret != PI_OK) {
		pi_warninglists_free(w);
		return ret;
	}
	pthread_mutex_lock(&current_lock);
	if (atomic_load(&current_set)) {
		pthread_mutex_unlock(&current_lock);
		pi_warninglists_free(w);
		return pi_error_set(
		        err, PI_ERR_CONFLICT, "warninglists: already installed for this process");
	}
	set_current(w);
	pthread_mutex_unlock(&current_lock);
	return PI_OK;
}

const struct pi_warninglists *pi_warninglists_current(void)
{
	struct pi_warninglists *w = atomic_load(&current_set);
	struct pi_error err;
	const char *dir;

	if (w)
		return w;
	pthread_mutex_lock(&current_lock);
	w = atomic_load(&current_set);
	if (!w) {
		char def[1100], base[1024];
		dir = getenv("POSTISAC_WARNINGLISTS");
		if (!dir || !*dir) {
			pi_data_dir_default(base, sizeof(base));
			snprintf(def, sizeof(def), "%s/warninglists", base);
			dir = def;
		}
		const char *extra = getenv("POSTISAC_WARNINGLIST_EXTRA");
		pi_status ret = pi_warninglists_load_dir(dir, &w, &err);
		if (ret == PI_OK && extra && *extra)
			ret = pi_warninglists_add_file(w, extra, &err);
		if (ret != PI_OK) {
			pi_log_warn("event=warninglists_not_loaded dir=%s error=\"%s\"", dir,
			        err.message);
			pi_warninglists_free(w);
			w = pi_warninglists_new();
		}
		if (w)
			set_current(w);
	}
	pthread_mutex_unlock(&current_lock);
	return w;
}
