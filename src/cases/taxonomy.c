/* taxonomy.c - loading and checking the RSIT data (contract in taxonomy.h).
 *
 * The parsed cJSON tree is kept and the tables point into it; nothing is copied.
 */
#include "cases/taxonomy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/json.h"

struct tax_type {
	const char *value;
	const char *title;
	const cJSON *aliases; /* array of strings or NULL */
};

struct tax_class {
	const char *value;
	const char *title;
	struct tax_type *types;
	size_t type_count;
};

struct pi_taxonomy {
	cJSON *doc;
	const char *version;
	struct tax_class *classes;
	size_t class_count;
};

static bool valid_value(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

void pi_taxonomy_free(pi_taxonomy *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->class_count; i++)
		free(t->classes[i].types);
	free(t->classes);
	cJSON_Delete(t->doc);
	free(t);
}

static const char *text_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* True if value names type ty of a class (its value or an alias). */
static bool type_matches(const struct tax_type *ty, const char *value)
{
	const cJSON *a;

	if (strcmp(ty->value, value) == 0)
		return true;
	cJSON_ArrayForEach(a, ty->aliases)
	{
		if (strcmp(a->valuestring, value) == 0)
			return true;
	}
	return false;
}

static pi_status parse_types(
        const cJSON *arr, struct tax_class *c, const char *src, struct pi_error *err)
{
	const cJSON *item;
	size_t n = 0, size;

	if (!cJSON_IsArray(arr) || (size = (size_t)cJSON_GetArraySize(arr)) == 0)
		return pi_error_set(err, PI_ERR_INVALID,
		        "%s: class '%s': types is missing or not a non-empty array", src, c->value);
	if (size > PI_TAXONOMY_MAX_TYPES)
		return pi_error_set(err, PI_ERR_INVALID, "%s: class '%s': more than %d types", src,
		        c->value, PI_TAXONOMY_MAX_TYPES);
	if (!(c->types = calloc(size, sizeof(*c->types))))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	cJSON_ArrayForEach(item, arr)
	{
		struct tax_type *ty = &c->types[n];
		const cJSON *a;

		ty->value = text_of(item, "value");
		ty->title = text_of(item, "title");
		if (!ty->value || !valid_value(ty->value))
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: class '%s': types[%zu].value is missing or not 1-64 "
			        "characters of "
			        "a-z, 0-9 and '-'",
			        src, c->value, n);
		if (!ty->title)
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: class '%s': type '%s' has no title", src, c->value, ty->value);
		ty->aliases = cJSON_GetObjectItemCaseSensitive(item, "aliases");
		if (ty->aliases) {
			if (!cJSON_IsArray(ty->aliases) ||
			        cJSON_GetArraySize(ty->aliases) > PI_TAXONOMY_MAX_ALIASES)
				return pi_error_set(err, PI_ERR_INVALID,
				        "%s: class '%s': type '%s': aliases must be an array of at "
				        "most %d "
				        "values",
				        src, c->value, ty->value, PI_TAXONOMY_MAX_ALIASES);
			cJSON_ArrayForEach(a, ty->aliases)
			{
				if (!cJSON_IsString(a) || !valid_value(a->valuestring))
					return pi_error_set(err, PI_ERR_INVALID,
					        "%s: class '%s': type '%s': an alias is not 1-64 "
					        "characters of a-z, 0-9 and '-'",
					        src, c->value, ty->value);
			}
		}
		for (size_t k = 0; k < n; k++) {
			cJSON_ArrayForEach(a, ty->aliases)
			{
				if (type_matches(&c->types[k], a->valuestring))
					return pi_error_set(err, PI_ERR_INVALID,
					        "%s: class '%s': alias '%s' is already a type", src,
					        c->value, a->valuestring);
			}
			if (type_matches(&c->types[k], ty->value))
				return pi_error_set(err, PI_ERR_INVALID,
				        "%s: class '%s': type '%s' is listed twice", src, c->value,
				        ty->value);
		}
		c->type_count = ++n;
	}
	return PI_OK;
}

pi_status pi_taxonomy_parse(
        const char *text, size_t len, const char *source, pi_taxonomy **out, struct pi_error *err)
{
	const char *src = source ? source : "(taxonomy)";
	pi_taxonomy *t = NULL;
	const cJSON *arr, *item;
	size_t size, n = 0;
	pi_status st;

	*out = NULL;
	if (len > PI_TAXONOMY_MAX_FILE)
		return pi_error_set(
		        err, PI_ERR_TOOBIG, "%s: larger than %d bytes", src, PI_TAXONOMY_MAX_FILE);
	if (!(t = calloc(1, sizeof(*t))))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	if ((st = pi_json_parse(text, len, 16, &t->doc, err)) != PI_OK) {
		pi_error_prefix(err, "%s", src);
		goto out;
	}
	t->version = text_of(t->doc, "version");
	arr = cJSON_GetObjectItemCaseSensitive(t->doc, "classes");
	if (!cJSON_IsArray(arr) || (size = (size_t)cJSON_GetArraySize(arr)) == 0) {
		st = pi_error_set(err, PI_ERR_INVALID,
		        "%s: classes is missing or not a non-empty array", src);
		goto out;
	}
	if (size > PI_TAXONOMY_MAX_CLASSES) {
		st = pi_error_set(err, PI_ERR_INVALID, "%s: more than %d classes", src,
		        PI_TAXONOMY_MAX_CLASSES);
		goto out;
	}
	if (!(t->classes = calloc(size, sizeof(*t->classes)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(item, arr)
	{
		struct tax_class *c = &t->classes[n];

		c->value = text_of(item, "value");
		c->title = text_of(item, "title");
		if (!c->value || !valid_value(c->value)) {
			st = pi_error_set(err, PI_ERR_INVALID,
			        "%s: classes[%zu].value is missing or not 1-64 characters of a-z, "
			        "0-9 "
			        "and '-'",
			        src, n);
			goto out;
		}
		if (!c->title) {
			st = pi_error_set(
			        err, PI_ERR_INVALID, "%s: class '%s' has no title", src, c->value);
			goto out;
		}
		for (size_t k = 0; k < n; k++)
			if (strcmp(t->classes[k].value, c->value) == 0) {
				st = pi_error_set(err, PI_ERR_INVALID,
				        "%s: class '%s' is listed twice", src, c->value);
				goto out;
			}
		t->class_count = ++n; /* so pi_taxonomy_free releases its types */
		if ((st = parse_types(cJSON_GetObjectItemCaseSensitive(item, "types"), c, src,
		             err)) != PI_OK)
			goto out;
	}
	*out = t;
	t = NULL;
out:
	pi_taxonomy_free(t);
	return st;
}

pi_status pi_taxonomy_load(const char *path, pi_taxonomy **out, struct pi_error *err)
{
	FILE *f = NULL;
	char *data = NULL;
	size_t n;
	pi_status st;

	*out = NULL;
	if (!(f = fopen(path, "rb")))
		return pi_error_set(err, PI_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	if (!(data = malloc(PI_TAXONOMY_MAX_FILE + 1))) {
		fclose(f);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	n = fread(data, 1, PI_TAXONOMY_MAX_FILE + 1, f);
	if (ferror(f))
		st = pi_error_set(err, PI_ERR_IO, "%s: read error", path);
	else
		st = pi_taxonomy_parse(data, n, path, out, err);
	fclose(f);
	free(data);
	return st;
}

pi_status pi_taxonomy_check(const pi_taxonomy *t, const char *class_value, const char *type_value,
        const char **canonical, struct pi_error *err)
{
	const struct tax_class *c = NULL;
	struct pi_buf list;
	pi_status st;

	if (canonical)
		*canonical = NULL;
	if (!class_value || !type_value)
		return pi_error_set(err, PI_ERR_INVALID,
		        "an incident category needs both an RSIT class and a type");
	for (size_t i = 0; i < t->class_count && !c; i++)
		if (strcmp(t->classes[i].value, class_value) == 0)
			c = &t->classes[i];
	if (!c)
		return pi_error_set(err, PI_ERR_INVALID,
		        "'%.64s' is not an RSIT class (for example abusive-content, "
		        "malicious-code, "
		        "fraud, other)",
		        class_value);
	for (size_t i = 0; i < c->type_count; i++)
		if (type_matches(&c->types[i], type_value)) {
			if (canonical)
				*canonical = c->types[i].value;
			return PI_OK;
		}
	pi_buf_init(&list, 1024);
	for (size_t i = 0; i < c->type_count; i++)
		if (pi_buf_printf(&list, "%s%s", i ? ", " : "", c->types[i].value) != PI_OK)
			break;
	st = pi_error_set(err, PI_ERR_INVALID,
	        "'%.64s' is not a type of RSIT class '%s' (one of: %s)", type_value, c->value,
	        list.data ? list.data : "");
	pi_buf_free(&list);
	return st;
}

const char *pi_taxonomy_version(const pi_taxonomy *t)
{
	return t->version;
}

size_t pi_taxonomy_class_count(const pi_taxonomy *t)
{
	return t->class_count;
}

const char *pi_taxonomy_class_value(const pi_taxonomy *t, size_t ci)
{
	return ci < t->class_count ? t->classes[ci].value : NULL;
}

const char *pi_taxonomy_class_title(const pi_taxonomy *t, size_t ci)
{
	return ci < t->class_count ? t->classes[ci].title : NULL;
}

size_t pi_taxonomy_type_count(const pi_taxonomy *t, size_t ci)
{
	return ci < t->class_count ? t->classes[ci].type_count : 0;
}

const char *pi_taxonomy_type_value(const pi_taxonomy *t, size_t ci, size_t ti)
{
	return ci < t->class_count && ti < t->classes[ci].type_count
	               ? t->classes[ci].types[ti].value
	               : NULL;
}

const char *pi_taxonomy_type_title(const pi_taxonomy *t, size_t ci, size_t ti)
{
	return ci < t->class_count && ti < t->classes[ci].type_count
	               ? t->classes[ci].types[ti].title
	               : NULL;
}
