/* Unit tests of the observable index (store_intel.c + its triggers), look-up and correlation
 * logic (intel/lookup.c) and warninglists (intel/warninglist.c). Store tests use a fresh
 * database under a mkdtemp folder in /tmp, removed afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json.h"
#include "core/timeutil.h"
#include "intel/lookup.h"
#include "intel/warninglist.h"
#include "store/store.h"
#include "store/store_intel.h"

struct fixture {
	char dir[64];
	char path[256];
	char url[300];
	pi_store *store;
	struct pi_collection community;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pi_error err;

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pi-intel-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/hub.db", f->dir);
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
	if (pi_store_open(f->url, &f->store, &err) != PI_OK ||
	        pi_store_migrate(f->store, NULL, &err) != PI_OK ||
	        pi_store_collection_for_scope(
	                f->store, PI_SCOPE_COMMUNITY, 0, &f->community, &err) != PI_OK) {
		fprintf(stderr, "setup: %s\n", err.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[300];

	pi_store_close(f->store);
	unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static const char green[] = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
static const char amber[] = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";

/* Stores one object as org/user with the index facts built from it. */
static void put(
        struct fixture *f, const char *json, int64_t org, int64_t user, enum pi_put_result expect)
{
	cJSON *obj = cJSON_Parse(json);
	struct pi_intel_doc doc;
	struct pi_object_in in;
	struct pi_error err;
	enum pi_put_result res;
	char *body;
	const char *mod;
	struct pi_time t;
	char key[PI_TIME_KEY_LEN];

	assert_non_null(obj);
	assert_int_equal(pi_intel_doc_build(obj, NULL, NULL, &doc, &err), PI_OK);
	body = cJSON_PrintUnformatted(obj);
	mod = pi_json_get_string(obj, "modified");
	assert_int_equal(pi_time_parse(mod, &t, &err), PI_OK);
	pi_time_key(&t, key);
	memset(&in, 0, sizeof(in));
	in.stix_id = pi_json_get_string(obj, "id");
	in.type = pi_json_get_string(obj, "type");
	in.spec_version = "2.1";
	in.version = mod;
	in.version_key = key;
	in.tlp = pi_tlp_of_object(obj);
	in.body = body;
	in.body_len = strlen(body);
	assert_int_equal(pi_store_intel_put(f->store, f->community.id, org, user, &in, &doc.facts,
	                         1, &res, NULL, &err),
	        PI_OK);
	assert_int_equal(res, expect);
	cJSON_free(body);
	pi_intel_doc_free(&doc);
	cJSON_Delete(obj);
}

static void indicator_json(char *out, size_t size, const char *id, const char *modified,
        const char *pattern, const char *marking, const char *extra)
{
	snprintf(out, size,
	        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
	        "\"created\":\"2024-05-01T00:00:00Z\",\"modified\":\"%s\",\"pattern\":\"%s\","
	        "\"pattern_type\":\"stix\",\"valid_from\":\"2024-05-01T00:00:00Z\","
	        "\"object_marking_refs\":[\"%s\"]%s}",
	        id, modified, pattern, marking, extra ? extra : "");
}

static const struct pi_principal alice = {.user_id = 10, .org_id = 1, .role = PI_ROLE_ANALYST};
static const struct pi_principal bob = {.user_id = 20, .org_id = 2, .role = PI_ROLE_ANALYST};

static cJSON *look(struct fixture *f, const struct pi_principal *who, const char *value)
{
	struct pi_lookup_opts o = {.now_us = pi_time_now_us(), .list_max = 50};
	struct pi_error err;
	cJSON *out = NULL;

	assert_int_equal(
	        pi_lookup_value(f->store, who, value, PI_OBSERVABLE_NONE, &o, &out, &err), PI_OK);
	return out;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static void test_index_insert_version_delete(void **state)
{
	struct fixture *f = *state;
	char j[2048];
	cJSON *r;
	size_t deleted = 0;
	struct pi_error err;
	const char *id = "indicator--11111111-1111-4111-8111-111111111111";

	indicator_json(j, sizeof(j), id, "2024-05-01T00:00:00Z",
	        "[domain-name:value = 'A.Example'] OR [domain-name:value = 'a.example']", green,
	        NULL);
	put(f, j, 1, 10, PI_PUT_ADDED);
	put(f, j, 1, 10, PI_PUT_UNCHANGED);
	r = look(f, &bob, "a.example");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "found")));
	assert_int_equal((int)num(r, "objects"), 1); /* the value twice in one pattern: once */
	assert_int_equal((int)num(r, "organisations"), 1);
	cJSON_Delete(r);
	/* a new version moves the index to its values */
	indicator_json(j, sizeof(j), id, "2024-05-02T00:00:00Z",
	        "[domain-name:value = 'b.example']", green, NULL);
	put(f, j, 1, 10, PI_PUT_ADDED);
	r = look(f, &bob, "a.example");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "found")));
	cJSON_Delete(r);
	r = look(f, &bob, "b.example");
	assert_int_equal((int)num(r, "objects"), 1);
	cJSON_Delete(r);
	/* deleting the newest version brings the older one back */
	{
		const char *keys[] = {NULL, NULL};
		char key[PI_TIME_KEY_LEN];
		struct pi_time t;
		struct pi_object_query q = {.version_keys = keys};
		assert_int_equal(pi_time_parse("2024-05-02T00:00:00Z", &t, &err), PI_OK);
		pi_time_key(&t, key);
		keys[0] = key;
		assert_int_equal(pi_store_objects_delete(f->store, f->community.id, id, &q, NULL,
		                         NULL, &deleted, &err),
		        PI_OK);
		assert_int_equal(deleted, 1);
	}
	r = look(f, &bob, "b.example");
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "found")));
	cJSON_Delete(r);
	r = look(f, &bob, "a.example");
	assert_int_equal((int)num(r, "objects"), 1);
	cJSON_Delete(r);
	/* deleting every version empties the index */
	assert_int_equal(pi_store_objects_delete(
	                         f->store, f->community.id, id, NULL, NULL, NULL, &deleted, &err),
	        PI_OK);
	r = look(f, &bob, "a.example");
	assert_int_equal((int)num(r, "objects"), 0);
	cJSON_Delete(r);
}

static void test_visibility_and_cidr(void **state)
{
	struct fixture *f = *state;
	char j[2048];
	cJSON *r, *unknown;

	indicator_json(j, sizeof(j), "indicator--22222222-2222-4222-8222-222222222222",
	        "2024-05-01T00:00:00Z", "[ipv4-addr:value ISSUBSET '198.51.100.0/24']", amber,
	        NULL);
	put(f, j, 1, 10, PI_PUT_ADDED);
	r = look(f, &alice, "198.51.100.7");
	assert_int_equal((int)num(r, "objects"), 1);
	assert_string_equal(
	        cJSON_GetObjectItem(
	                cJSON_GetArrayItem(cJSON_GetObjectItem(r, "matches"), 0), "match")
	                ->valuestring,
	        "cidr");
	cJSON_Delete(r);
	/* another organisation: the same answer as for a value nobody shared */
	r = look(f, &bob, "198.51.100.7");
	unknown = look(f, &bob, "198.51.99.7");
	cJSON_DeleteItemFromObject(r, "value");
	cJSON_DeleteItemFromObject(r, "normalised");
	cJSON_DeleteItemFromObject(unknown, "value");
	cJSON_DeleteItemFromObject(unknown, "normalised");
	assert_true(cJSON_Compare(r, unknown, 1));
	cJSON_Delete(r);
	cJSON_Delete(unknown);
}

static void test_expiry_and_revocation_counts(void **state)
{
	struct fixture *f = *state;
	char j[2048];
	cJSON *r;

	indicator_json(j, sizeof(j), "indicator--33333333-3333-4333-8333-333333333333",
	        "2024-05-01T00:00:00Z", "[url:value = 'http://x.example:80']", green,
	        ",\"valid_until\":\"2024-06-01T00:00:00Z\"");
	put(f, j, 1, 10, PI_PUT_ADDED);
	indicator_json(j, sizeof(j), "indicator--44444444-4444-4444-8444-444444444444",
	        "2024-05-01T00:00:00Z", "[url:value = 'http://x.example/']", green,
	        ",\"valid_until\":\"2999-06-01T00:00:00Z\"");
	put(f, j, 2, 20, PI_PUT_ADDED);
	indicator_json(j, sizeof(j), "indicator--55555555-5555-4555-8555-555555555555",
	        "2024-05-01T00:00:00Z", "[url:value = 'http://x.example/']", green,
	        ",\"revoked\":true");
	put(f, j, 2, 20, PI_PUT_ADDED);
	r = look(f, &alice, "http://X.example");
	assert_string_equal(cJSON_GetObjectItem(r, "normalised")->valuestring, "http://x.example/");
	assert_int_equal((int)num(r, "objects"), 3);
	assert_int_equal((int)num(r, "active"), 1);
	assert_int_equal((int)num(r, "organisations"), 2);
	cJSON_Delete(r);
}

static void test_sighting_totals(void **state)
{
	struct fixture *f = *state;
	struct pi_sighting_totals t;
	struct pi_error err;
	const char *target = "indicator--66666666-6666-4666-8666-666666666666";
	char j[1024];

	snprintf(j, sizeof(j),
	        "{\"type\":\"sighting\",\"spec_version\":\"2.1\","
	        "\"id\":\"sighting--77777777-7777-4777-8777-777777777777\","
	        "\"created\":\"2024-05-01T00:00:00Z\",\"modified\":\"2024-05-01T00:00:00Z\","
	        "\"sighting_of_ref\":\"%s\",\"count\":4,\"first_seen\":\"2024-05-01T01:00:00Z\","
	        "\"last_seen\":\"2024-05-01T02:00:00Z\",\"x_postisac_false_positive\":true,"
	        "\"object_marking_refs\":[\"%s\"]}",
	        target, amber);
	put(f, j, 1, 10, PI_PUT_ADDED);
	assert_int_equal(pi_intel_sighting_totals(f->store, &alice, target, &t, &err), PI_OK);
	assert_int_equal(t.sightings, 1);
	assert_int_equal(t.count, 4);
	assert_int_equal(t.false_positives, 1);
	assert_int_equal(t.last_seen - t.first_seen, 3600LL * 1000000);
	assert_int_equal(pi_intel_sighting_totals(f->store, &bob, target, &t, &err), PI_OK);
	assert_int_equal(t.sightings, 0);
}

static void test_detect(void **state)
{
	(void)state;
	struct {
		const char *v;
		enum pi_observable_kind k;
	} cases[] = {
	        {"1.2.3.4", PI_OBSERVABLE_IPV4},
	        {"10.0.0.0/8", PI_OBSERVABLE_IPV4_CIDR},
	        {"2001:db8::1", PI_OBSERVABLE_IPV6},
	        {"2001:db8::/32", PI_OBSERVABLE_IPV6_CIDR},
	        {"usps-track.example", PI_OBSERVABLE_DOMAIN},
	        {"https://a.example/x", PI_OBSERVABLE_URL},
	        {"a@b.example", PI_OBSERVABLE_EMAIL},
	        {"d41d8cd98f00b204e9800998ecf8427e", PI_OBSERVABLE_MD5},
	        {"da39a3ee5e6b4b0d3255bfef95601890afd80709", PI_OBSERVABLE_SHA1},
	        {"+447700900123", PI_OBSERVABLE_PHONE},
	        {"0044 7700 900123", PI_OBSERVABLE_PHONE},
	        {"12345", PI_OBSERVABLE_SMS_SENDER},
	        {"USPS", PI_OBSERVABLE_SMS_SENDER},
	        {"", PI_OBSERVABLE_NONE},
	        {"this is not anything at all", PI_OBSERVABLE_NONE},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(pi_lookup_detect(cases[i].v, strlen(cases[i].v)), cases[i].k);
}

static void test_lookup_refuses_bad_values(void **state)
{
	struct fixture *f = *state;
	struct pi_lookup_opts o = {.now_us = 1};
	struct pi_error err;
	cJSON *out = NULL;

	assert_int_equal(
	        pi_lookup_value(f->store, &alice, "999.1.1.1", PI_OBSERVABLE_IPV4, &o, &out, &err),
	        PI_ERR_INVALID);
	assert_null(out);
	assert_non_null(strstr(err.message, "'999.1.1.1' is not a valid ipv4-cidr"));
	assert_int_equal(pi_lookup_value(f->store, &alice, "", PI_OBSERVABLE_NONE, &o, &out, &err),
	        PI_ERR_INVALID);
	assert_int_equal(pi_lookup_value(f->store, &alice, "this is not anything at all",
	                         PI_OBSERVABLE_NONE, &o, &out, &err),
	        PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "give &kind="));
}

/* The JSON text writer: appends after what the buffer holds, carries the name from the index
 * row (escaped; absent when the object has none), and on a cap appends nothing at all. */
static void test_lookup_write_appends_and_respects_cap(void **state)
{
	struct fixture *f = *state;
	struct pi_lookup_opts o = {.now_us = pi_time_now_us(), .list_max = 50};
	struct pi_error err;
	struct pi_buf b;
	char json[1200];
	cJSON *tree, *listed;
	size_t full;

	indicator_json(json, sizeof(json), "indicator--7a1c1c1c-0000-4000-8000-000000000001",
	        "2024-05-02T00:00:00Z", "[domain-name:value = 'write-test.example']", green,
	        ",\"name\":\"quote \\\" and \\u00e9\\nline\"");
	put(f, json, 1, 10, PI_PUT_ADDED);
	indicator_json(json, sizeof(json), "indicator--7a1c1c1c-0000-4000-8000-000000000002",
	        "2024-05-03T00:00:00Z", "[domain-name:value = 'write-test.example']", green, NULL);
	put(f, json, 2, 20, PI_PUT_ADDED);

	pi_buf_init(&b, 1 << 20);
	assert_int_equal(pi_buf_puts(&b, "["), PI_OK);
	assert_int_equal(pi_lookup_value_write(f->store, &alice, "write-test.example",
	                         PI_OBSERVABLE_NONE, &o, &b, &err),
	        PI_OK);
	assert_int_equal(pi_buf_puts(&b, "]"), PI_OK);
	tree = cJSON_Parse(b.data);
	assert_non_null(tree);
	assert_int_equal(cJSON_GetArraySize(tree), 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(tree->child, "found")));
	assert_int_equal((int)num(tree->child, "objects"), 2);
	listed = cJSON_GetObjectItemCaseSensitive(
	        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(tree->child, "matches"), 0),
	        "listed");
	assert_int_equal(cJSON_GetArraySize(listed), 2);
	/* newest first: the second has no name, the first keeps its escapes */
	assert_null(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(listed, 0), "name"));
	assert_string_equal(pi_json_get_string(cJSON_GetArrayItem(listed, 1), "name"),
	        "quote \" and \xc3\xa9\nline");
	cJSON_Delete(tree);
	full = b.len - 2;

	/* a cap one byte short of "[" and the answer: PI_ERR_TOOBIG and the buffer as it was */
	pi_buf_free(&b);
	pi_buf_init(&b, full);
	assert_int_equal(pi_buf_puts(&b, "["), PI_OK);
	assert_int_equal(pi_lookup_value_write(f->store, &alice, "write-test.example",
	                         PI_OBSERVABLE_NONE, &o, &b, &err),
	        PI_ERR_TOOBIG);
	assert_int_equal(b.len, 1);
	assert_string_equal(b.data, "[");
	/* an invalid value appends nothing either */
	assert_int_equal(pi_lookup_value_write(
	                         f->store, &alice, "999.1.1.1", PI_OBSERVABLE_IPV4, &o, &b, &err),
	        PI_ERR_INVALID);
	assert_int_equal(b.len, 1);
	pi_buf_free(&b);
}

static void test_indicator_active(void **state)
{
	cJSON *o = cJSON_Parse("{\"valid_until\":\"2024-06-01T00:00:00Z\"}");
	int64_t until = 0;

	(void)state;
	assert_int_equal(pi_time_parse_us("2024-06-01T00:00:00Z", &until, NULL), PI_OK);
	assert_true(pi_indicator_active(o, until - 1));
	assert_false(pi_indicator_active(o, until));
	cJSON_AddTrueToObject(o, "revoked");
	assert_false(pi_indicator_active(o, until - 1));
	cJSON_Delete(o);
	o = cJSON_Parse("{}");
	assert_true(pi_indicator_active(o, INT64_MAX));
	cJSON_Delete(o);
}

static void test_doc_reports_invalid_values(void **state)
{
	cJSON *o = cJSON_Parse(
	        "{\"type\":\"indicator\",\"pattern_type\":\"stix\",\"pattern\":"
	        "\"[ipv4-addr:value = '1.2.3.400'] OR [ipv4-addr:value = '8.8.8.8']\"}");
	struct pi_warninglists *w = pi_warninglists_new();
	const char list[] = "{\"name\":\"dns\",\"type\":\"cidr\",\"values\":[\"8.8.8.0/24\"]}";
	struct pi_intel_doc doc;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_warninglists_add(w, "t.json", list, strlen(list), &err), PI_OK);
	assert_int_equal(pi_intel_doc_build(o, NULL, w, &doc, &err), PI_OK);
	assert_int_equal(doc.n_obs, 1);
	assert_int_equal(doc.obs[0].kind, PI_OBSERVABLE_IPV4);
	assert_string_equal(doc.obs[0].value, "8.8.8.8");
	assert_non_null(strstr(doc.warnings, "warning: '1.2.3.400' not indexed"));
	assert_non_null(strstr(doc.warnings, "'8.8.8.8' is on warninglist dns"));
	pi_intel_doc_free(&doc);
	pi_warninglists_free(w);
	cJSON_Delete(o);
}

static void test_warninglists(void **state)
{
	struct pi_warninglists *w = pi_warninglists_new();
	struct pi_error err;
	const char *name = NULL;
	const char *host = "{\"name\":\"posts\",\"type\":\"hostname\",\"values\":[\"USPS.com.\"]}";
	const char *apex = "{\"name\":\"cdn\",\"type\":\"exact\",\"kind\":\"domain\","
	                   "\"values\":[\"amazonaws.com\"]}";
	const char *v6 = "{\"name\":\"v6\",\"type\":\"cidr\",\"values\":[\"fe80::/10\"]}";

	(void)state;
	assert_int_equal(pi_warninglists_add(w, "a.json", host, strlen(host), &err), PI_OK);
	assert_int_equal(pi_warninglists_add(w, "b.json", apex, strlen(apex), &err), PI_OK);
	assert_int_equal(pi_warninglists_add(w, "c.json", v6, strlen(v6), &err), PI_OK);
	assert_int_equal(pi_warninglists_count(w), 3);
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_DOMAIN, "tools.usps.com", &name));
	assert_string_equal(name, "posts");
	assert_false(pi_warninglist_match(w, PI_OBSERVABLE_DOMAIN, "usps.com.evil.example", &name));
	assert_null(name);
	assert_true(pi_warninglist_match(
	        w, PI_OBSERVABLE_URL, "https://u:p@www.usps.com:8443/x", NULL));
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_EMAIL, "help@usps.com", NULL));
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_DOMAIN, "amazonaws.com", NULL));
	assert_false(pi_warninglist_match(w, PI_OBSERVABLE_DOMAIN, "evil.s3.amazonaws.com", NULL));
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_IPV6, "fe80::1", &name));
	assert_string_equal(name, "v6");
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_IPV6_CIDR, "fe80::/64", NULL));
	assert_false(pi_warninglist_match(w, PI_OBSERVABLE_IPV6_CIDR, "fe80::/9", NULL));
	assert_false(pi_warninglist_match(NULL, PI_OBSERVABLE_DOMAIN, "usps.com", NULL));
	/* refusals name the file and the problem, and leave the set unchanged */
	{
		struct {
			const char *text;
			const char *msg;
		} bad[] = {
		        {"{\"name\":\"posts\",\"type\":\"hostname\",\"values\":[\"x.example\"]}",
		                "x.json: a list named 'posts' is already loaded"},
		        {"{\"name\":\"n\",\"type\":\"cidr\",\"values\":[\"10.0.0.0/33\"]}",
		                "x.json: values[0]: '10.0.0.0/33' is not an IPv4 or IPv6 block"},
		        {"{\"name\":\"n\",\"type\":\"regex\",\"values\":[\"x\"]}",
		                "x.json: 'type' must be"},
		        {"{\"name\":\"n\",\"type\":\"exact\",\"values\":[\"x\"]}",
		                "x.json: an \"exact\" list needs 'kind'"},
		        {"{\"name\":\"n\",\"type\":\"hostname\",\"values\":[]}",
		                "x.json: 'values' must be a non-empty list"},
		        {"{\"name\":\"n\",\"type\":\"hostname\",\"values\":[\"-bad-.example\"]}",
		                "x.json: values[0]: '-bad-.example' is not a valid domain"},
		        {"{\"name\":\"n\",\"type\":\"hostname\",\"values\":[\"a.example\"],\"x\":"
		         "1}",
		                "x.json: unknown key 'x'"},
		        {"{\"name\":\"n\",", "x.json"},
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			assert_int_not_equal(pi_warninglists_add(w, "x.json", bad[i].text,
			                             strlen(bad[i].text), &err),
			        PI_OK);
			if (!strstr(err.message, bad[i].msg))
				fail_msg("case %zu: '%s' does not contain '%s'", i, err.message,
				        bad[i].msg);
		}
	}
	assert_int_equal(pi_warninglists_count(w), 3);
	pi_warninglists_free(w);
}

static void test_shipped_warninglists_load(void **state)
{
	const char *src = getenv("PI_SOURCE_DIR");
	struct pi_warninglists *w = NULL;
	struct pi_error err;
	char dir[1024];
	const char *name = NULL;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/warninglists", src ? src : ".");
	if (pi_warninglists_load_dir(dir, &w, &err) != PI_OK)
		fail_msg("%s", err.message);
	assert_true(pi_warninglists_count(w) >= 5);
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_IPV4, "100.64.1.1", &name));
	assert_string_equal(name, "private-ipv4");
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_IPV4, "9.9.9.9", &name));
	assert_string_equal(name, "public-dns-resolvers");
	assert_true(pi_warninglist_match(w, PI_OBSERVABLE_DOMAIN, "www.royalmail.com", &name));
	assert_string_equal(name, "postal-operators");
	assert_false(pi_warninglist_match(w, PI_OBSERVABLE_IPV4, "185.1.2.3", NULL));
	pi_warninglists_free(w);
	assert_int_equal(pi_warninglists_load_dir("/nonexistent-dir", &w, &err), PI_ERR_IO);
	assert_non_null(strstr(err.message, "/nonexistent-dir"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_index_insert_version_delete, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_visibility_and_cidr, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_expiry_and_revocation_counts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sighting_totals, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lookup_refuses_bad_values, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_lookup_write_appends_and_respects_cap, setup, teardown),
	        cmocka_unit_test(test_detect),
	        cmocka_unit_test(test_indicator_active),
	        cmocka_unit_test(test_doc_reports_invalid_values),
	        cmocka_unit_test(test_warninglists),
	        cmocka_unit_test(test_shipped_warninglists_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
