/* publish.c - lookalike hits become STIX 2.1 indicators in a TAXII 2.1 collection.
 *
 * One indicator per name: pattern [domain-name:value = 'NAME'], labels phishing and lookalike,
 * the brand in the description, the chosen TLP 2.0 marking. Indicators are posted in batches
 * of at most PUBLISH_BATCH to {hub}/taxii2/hub/collections/{id}/objects/ with the TAXII 2.1
 * media type; the hub answers with a status resource whose counts and failures are reported.
 * Answers are read into a capped buffer (PUBLISH_MAX_ANSWER) and parsed strictly.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/timeutil.h"
#include "lookalike/lookalike.h"

#define PUBLISH_BATCH 1000
#define PUBLISH_MAX_BODY (64u << 20)
#define PUBLISH_MAX_ANSWER (4u << 20)
#define TAXII_MEDIA "application/taxii+json;version=2.1"

static const struct {
	const char *level;
	const char *id;
} tlp2[] = {
        {"clear", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"},
        {"green", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"},
        {"amber", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"},
        {"amber+strict", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"},
        {"red", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"},
};

const char *pi_tlp2_marking_id(const char *level)
{
	for (size_t i = 0; i < sizeof(tlp2) / sizeof(tlp2[0]); i++)
		if (strcasecmp(level, tlp2[i].level) == 0)
			return tlp2[i].id;
	return NULL;
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

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
static void time_ms(int64_t now_us, char out[PI_TIME_TEXT_LEN])
{
	pi_time_format_us(now_us, out);
	/* pi_time_format_us writes six fraction digits: keep three. */
	out[23] = 'Z';
	out[24] = '\0';
}

pi_status pi_lookalike_indicators_json(const struct pi_publish_item *items, size_t n,
        const char *marking_id, int64_t now_us, char **out, struct pi_error *err)
{
	struct pi_buf b;
	char now[PI_TIME_TEXT_LEN], id[37], pattern[600], desc[600];
	pi_status st = PI_OK;

	*out = NULL;
	if (sodium_init() < 0)
		return pi_error_set(err, PI_ERR_INTERNAL, "libsodium failed to initialise");
	pi_buf_init(&b, PUBLISH_MAX_BODY);
	time_ms(now_us, now);
	st = pi_buf_puts(&b, "{\"objects\":[");
	for (size_t i = 0; i < n && st == PI_OK; i++) {
		int k;
		for (const char *p = items[i].name; *p; p++)
			if (*p == '\'' || *p == '\\' || (unsigned char)*p < 0x20) {
				pi_buf_free(&b);
				return pi_error_set(err, PI_ERR_INVALID,
				        "'%.100s' cannot go into a STIX pattern", items[i].name);
			}
		k = snprintf(pattern, sizeof(pattern), "[domain-name:value = '%s']", items[i].name);
		if (k < 0 || (size_t)k >= sizeof(pattern)) {
			pi_buf_free(&b);
			return pi_error_set(err, PI_ERR_TOOBIG, "domain name too long");
		}
		k = snprintf(desc, sizeof(desc),
		        "Lookalike domain imitating the brand %s (found by postisac lookalike)",
		        items[i].brand);
		if (k < 0 || (size_t)k >= sizeof(desc)) {
			pi_buf_free(&b);
			return pi_error_set(err, PI_ERR_TOOBIG, "brand name too long");
		}
		uuid4(id);
		if ((i && (st = pi_buf_putc(&b, ',')) != PI_OK) ||
		        (st = pi_buf_printf(&b,
		                 "{\"type\":\"indicator\",\"spec_version\":\"2.1\","
		                 "\"id\":\"indicator--%s\",\"created\":\"%s\",\"modified\":\"%s\","
		                 "\"name\":",
		                 id, now, now)) != PI_OK ||
		        (st = pi_buf_json_string(&b, items[i].name)) != PI_OK ||
		        (st = pi_buf_puts(&b, ",\"description\":")) != PI_OK ||
		        (st = pi_buf_json_string(&b, desc)) != PI_OK ||
		        (st = pi_buf_puts(&b, ",\"pattern\":")) != PI_OK ||
		        (st = pi_buf_json_string(&b, pattern)) != PI_OK ||
		        (st = pi_buf_printf(&b,
		                 ",\"pattern_type\":\"stix\",\"valid_from\":\"%s\","
		                 "\"indicator_types\":[\"malicious-activity\"],"
		                 "\"labels\":[\"phishing\",\"lookalike\"],"
		                 "\"object_marking_refs\":[\"%s\"]}",
		                 now, marking_id)) != PI_OK)
			break;
	}
	if (st == PI_OK)
		st = pi_buf_puts(&b, "]}");
	if (st != PI_OK) {
		pi_buf_free(&b);
		return pi_error_set(
		        err, st, "cannot build the indicators (%s)", pi_status_name(st));
	}
	*out = pi_buf_steal(&b);
	return PI_OK;
}

struct answer {
	struct pi_buf body;
	int overflow;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct answer *a = user;
	size_t n = size * nmemb;

	if (pi_buf_append(&a->body, data, n) != PI_OK) {
		a->overflow = 1;
		return 0;
	}
	return n;
}

/* Reads a TAXII status resource into result and prints its failures. */
static pi_status read_status(const char *body, size_t len, struct pi_publish_result *result,
        FILE *failures_out, struct pi_error *err)
{
	cJSON *root = NULL, *item;
	pi_status st = pi_json_parse(body, len, PI_JSON_MAX_DEPTH, &root, err);

	if (st != PI_OK) {
		pi_error_prefix(err, "the hub's answer is not JSON");
		return st;
	}
	const char *names[3] = {"total_count", "success_count", "failure_count"};
	size_t *fields[3] = {&result->total, &result->success, &result->failure};
	for (int i = 0; i < 3; i++) {
		item = cJSON_GetObjectItemCaseSensitive(root, names[i]);
		if (!cJSON_IsNumber(item) || item->valuedouble < 0) {
			st = pi_error_set(err, PI_ERR_INVALID,
			        "the hub's answer is not a TAXII status resource (no %s)",
			        names[i]);
			goto out;
		}
		*fields[i] += (size_t)item->valuedouble;
	}
	item = cJSON_GetObjectItemCaseSensitive(root, "failures");
	if (item && failures_out) {
		cJSON *f;
		cJSON_ArrayForEach(f, item)
		{
			const char *id = pi_json_get_string(f, "id");
			const char *msg = pi_json_get_string(f, "message");
			fprintf(failures_out, "postisac lookalike: hub refused %s: %s\n",
			        id ? id : "(no id)", msg ? msg : "(no message)");
		}
	}
out:
	cJSON_Delete(root);
	return st;
}

pi_status pi_lookalike_publish(const struct pi_publish_options *opts,
        const struct pi_publish_item *items, size_t n, struct pi_publish_result *result,
        FILE *failures_out, struct pi_error *err)
{
	const char *marking = pi_tlp2_marking_id(opts->tlp ? opts->tlp : "");
	CURL *curl = NULL;
	struct curl_slist *headers = NULL;
	char url[2048], auth[1200];
	char *body = NULL;
	struct answer ans;
	pi_status st = PI_OK;
	int k;

	memset(result, 0, sizeof(*result));
	pi_buf_init(&ans.body, PUBLISH_MAX_ANSWER);
	if (!marking)
		return pi_error_set(err, PI_ERR_INVALID,
		        "unknown TLP '%s' (use clear, green, amber, amber+strict or red)",
		        opts->tlp ? opts->tlp : "");
	if (!opts->hub || !*opts->hub || !opts->collection || !*opts->collection)
		return pi_error_set(
		        err, PI_ERR_INVALID, "publishing needs a hub URL and --collection");
	if (!opts->token || !*opts->token)
		return pi_error_set(err, PI_ERR_AUTH,
		        "publishing needs a token: --token TOKEN or POSTISAC_TOKEN");
	for (const char *p = opts->collection; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return pi_error_set(err, PI_ERR_INVALID,
			        "collection id '%.80s' may hold only a-z, 0-9 and '-'",
			        opts->collection);
	for (const char *p = opts->token; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return pi_error_set(
			        err, PI_ERR_INVALID, "the token has invalid characters");
	size_t hub_len = strlen(opts->hub);
	while (hub_len && opts->hub[hub_len - 1] == '/')
		hub_len--;
	k = snprintf(url, sizeof(url), "%.*s/taxii2/hub/collections/%s/objects/", (int)hub_len,
	        opts->hub, opts->collection);
	if (k < 0 || (size_t)k >= sizeof(url))
		return pi_error_set(err, PI_ERR_TOOBIG, "hub URL too long");
	k = snprintf(auth, sizeof(auth), "Authorization: Bearer %s", opts->token);
	if (k < 0 || (size_t)k >= sizeof(auth))
		return pi_error_set(err, PI_ERR_TOOBIG, "token too long");
	curl = curl_easy_init();
	if (!curl)
		return pi_error_set(err, PI_ERR_INTERNAL, "libcurl failed to initialise");
	if (!(headers = curl_slist_append(headers, auth)) ||
	        !(headers = curl_slist_append(headers, "Content-Type: " TAXII_MEDIA)) ||
	        !(headers = curl_slist_append(headers, "Accept: " TAXII_MEDIA))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ans);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 120L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	for (size_t start = 0; start < n; start += PUBLISH_BATCH) {
		size_t count = n - start < PUBLISH_BATCH ? n - start : PUBLISH_BATCH;
		long code = 0;
		CURLcode rc;
		free(body);
		body = NULL;
		st = pi_lookalike_indicators_json(
		        items + start, count, marking, pi_time_now_us(), &body, err);
		if (st != PI_OK)
			goto out;
		pi_buf_reset(&ans.body);
		ans.overflow = 0;
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		rc = curl_easy_perform(curl);
		if (rc != CURLE_OK) {
			st = pi_error_set(err, PI_ERR_IO, "batch at %zu: %s: %s", start, url,
			        ans.overflow ? "answer too large" : curl_easy_strerror(rc));
			goto out;
		}
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
		if (code < 200 || code > 299) {
			st = pi_error_set(err, code == 401 || code == 403 ? PI_ERR_AUTH : PI_ERR_IO,
			        "batch at %zu: the hub answered HTTP %ld: %.200s", start, code,
			        ans.body.data ? ans.body.data : "");
			goto out;
		}
		st = read_status(ans.body.data ? ans.body.data : "", ans.body.len, result,
		        failures_out, err);
		if (st != PI_OK) {
			pi_error_prefix(err, "batch at %zu", start);
			goto out;
		}
	}
out:
	free(body);
	pi_buf_free(&ans.body);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	return st;
}
