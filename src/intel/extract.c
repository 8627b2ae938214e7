#include "intel/extract.h"

#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "core/pattern.h"

struct term_ctx {
	int (*fn)(void *arg, const struct pi_extracted *e);
	void *arg;
	char out[PI_OBSERVABLE_MAX_OUTPUT];
	int stopped;
};

static int emit(int (*fn)(void *, const struct pi_extracted *), void *arg,
	enum pi_observable_kind kind, const char *raw, const char *source, size_t observation,
	char *out)
{
	struct pi_extracted e;
	struct pi_error err;
	size_t len = 0;

	memset(&e, 0, sizeof(e));
	e.kind = kind;
	e.source = source;
	e.observation = observation;
	if (pi_observable_normalize(kind, raw, strlen(raw), NULL, out, PI_OBSERVABLE_MAX_OUTPUT, &len,
		    &err) == PI_OK) {
		e.valid = 1;
		e.value = out;
		e.value_len = len;
	} else {
		e.value = raw;
		e.value_len = strlen(raw);
		e.reason = err.message;
	}
	return fn(arg, &e);
}

static int on_term(void *arg, const struct pi_pattern_term *t)
{
	struct term_ctx *c = arg;
	enum pi_observable_kind kind;

	if (t->negated || !t->value || t->value_kind != PI_PATTERN_VALUE_STRING)
		return 0;
	if (strcmp(t->op, "=") != 0 && strcmp(t->op, "IN") != 0 && strcmp(t->op, "ISSUBSET") != 0)
		return 0;
	kind = pi_observable_kind_for_term(t->object_type, t->path);
	if (kind == PI_OBSERVABLE_NONE)
		return 0;
	if (strcmp(t->op, "ISSUBSET") == 0 && kind != PI_OBSERVABLE_IPV4_CIDR &&
		kind != PI_OBSERVABLE_IPV6_CIDR)
		return 0;
	if (emit(c->fn, c->arg, kind, t->value, "pattern", t->observation, c->out)) {
		c->stopped = 1;
		return 1;
	}
	return 0;
}

static const struct {
	const char *type;
	enum pi_observable_kind kind;
} sco_values[] = {
	{"ipv4-addr", PI_OBSERVABLE_IPV4_CIDR},
	{"ipv6-addr", PI_OBSERVABLE_IPV6_CIDR},
	{"domain-name", PI_OBSERVABLE_DOMAIN},
	{"url", PI_OBSERVABLE_URL},
	{"email-addr", PI_OBSERVABLE_EMAIL},
	{"x-phone-number", PI_OBSERVABLE_PHONE},
	{"x-sms-sender", PI_OBSERVABLE_SMS_SENDER},
};

static enum pi_observable_kind hash_kind(const char *algo)
{
	if (strcmp(algo, "MD5") == 0)
		return PI_OBSERVABLE_MD5;
	if (strcmp(algo, "SHA-1") == 0)
		return PI_OBSERVABLE_SHA1;
	if (strcmp(algo, "SHA-256") == 0)
		return PI_OBSERVABLE_SHA256;
	if (strcmp(algo, "SHA-512") == 0)
		return PI_OBSERVABLE_SHA512;
	return PI_OBSERVABLE_NONE;
}

pi_status pi_extract_observables(const cJSON *object, int (*fn)(void *arg, const struct pi_extracted *e),
	void *arg, struct pi_error *err)
{
	return pi_extract_observables_parsed(object, NULL, fn, arg, err);
}

pi_status pi_extract_observables_parsed(const cJSON *object, const struct pi_pattern *given,
	int (*fn)(void *arg, const struct pi_extracted *e), void *arg, struct pi_error *err)
{
	const char *type = pi_json_get_string(object, "type");
	struct term_ctx ctx;

	if (!type)
		return PI_OK;
	ctx.fn = fn;
	ctx.arg = arg;
	ctx.stopped = 0;
	if (strcmp(type, "indicator") == 0) {
		const char *ptype = pi_json_get_string(object, "pattern_type");
		const char *pat = pi_json_get_string(object, "pattern");
		pi_pattern *parsed = NULL;
		pi_status st;

		if (!ptype || !pat || strcmp(ptype, "stix") != 0)
			return PI_OK;
		if (given) {
			pi_pattern_each_term(given, on_term, &ctx);
			return PI_OK;
		}
		st = pi_pattern_parse(pat, strlen(pat), &parsed, err);
		if (st != PI_OK)
			return st;
		pi_pattern_each_term(parsed, on_term, &ctx);
		pi_pattern_free(parsed);
		return PI_OK;
	}
	for (size_t i = 0; i < sizeof(sco_values) / sizeof(sco_values[0]); i++) {
		if (strcmp(type, sco_values[i].type) == 0) {
			const char *v = pi_json_get_string(object, "value");
			if (v)
				emit(fn, arg, sco_values[i].kind, v, "value", 0, ctx.out);
			return PI_OK;
		}
	}
	if (strcmp(type, "file") == 0 || strcmp(type, "artifact") == 0) {
		const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(object, "hashes");
		const cJSON *h;
		char source[64];

		cJSON_ArrayForEach(h, hashes)
		{
			enum pi_observable_kind kind = hash_kind(h->string);
			if (kind == PI_OBSERVABLE_NONE || !cJSON_IsString(h))
				continue;
			snprintf(source, sizeof(source), "hashes.%s", h->string);
			if (emit(fn, arg, kind, h->valuestring, source, 0, ctx.out))
				break;
		}
	}
	return PI_OK;
}
