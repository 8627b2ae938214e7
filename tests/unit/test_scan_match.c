/* Unit tests for scan/indset and scan/matcher: loading indicators, versions, exact keys,
 * parent domains, CIDR ranges, LIKE / MATCHES through Vectorscan, and the cache file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/indset.h"
#include "scan/matcher.h"

#define IND(id, mod, pattern)                                                                      \
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--" id "\","           \
	"\"created\":\"2024-01-01T00:00:00Z\",\"modified\":\"" mod "\",\"pattern\":\"" pattern     \
	"\",\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}"

#define ID1 "11111111-1111-4111-8111-111111111111"
#define ID2 "22222222-2222-4222-8222-222222222222"
#define ID3 "33333333-3333-4333-8333-333333333333"

static const char bundle[] = "{\"type\":\"bundle\",\"id\":\"bundle--44444444-4444-4444-8444-"
                             "444444444444\","
                             "\"objects\":[" IND(ID1, "2024-01-01T00:00:00Z",
                                     "[domain-name:value = 'Evil.Example'] OR [ipv4-addr:value = "
                                     "'10.0.0.0/8']") "," IND(ID2, "2024-01-01T00:00:00Z",
                                     "[url:value LIKE 'http://kit.example/%/login'] AND "
                                     "[domain-name:value MATCHES "
                                     "'^usps-[0-9]+\\\\\\\\.top$'] OR [ipv6-addr:value = "
                                     "'2001:db8::1']") "," IND(ID3, "2024-01-01T00:00:00Z",
                                     "[file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']") ","
        /* a newer version of ID3 replaces it; an older one of ID1 is ignored */
        IND(ID3, "2024-02-01T00:00:00Z",
                "[email-addr:value = 'x@evil.example' AND process:name = 'a']") "," IND(ID1,
                "2023-01-01T00:00:00Z",
                "[domain-name:value = 'old.example']") ","
                                                       "{\"type\":\"malware\",\"id\":\"malware--"
                                                       "55555555-5555-4555-8555-555555555555\"}"
                                                       "]}";

struct seen {
	char text[2048];
	const pi_scan_set *set;
};

static void on_hit(void *arg, size_t obs, uint32_t value)
{
	struct seen *s = arg;
	struct pi_scan_value v;
	struct pi_scan_indicator ind;
	size_t l = strlen(s->text);

	assert_true(pi_scan_set_value(s->set, value, &v));
	pi_scan_set_indicator(s->set, v.indicator, &ind);
	snprintf(s->text + l, sizeof(s->text) - l, "%s%zu:%s:%.4s", l ? " " : "", obs, v.value,
	        ind.id + 11);
}

static void lookup(const pi_scan_matcher *m, const pi_scan_set *set, const char *const *vals,
        const unsigned *kinds, size_t n, const char *want)
{
	struct pi_scan_mobs obs[16];
	pi_scan_mthread *t = NULL;
	struct seen s;

	memset(&s, 0, sizeof(s));
	s.set = set;
	assert_int_equal(pi_scan_mthread_new(m, &t), PI_OK);
	for (size_t i = 0; i < n; i++) {
		int fam = 0;
		memset(&obs[i], 0, sizeof(obs[i]));
		obs[i].value = vals[i];
		obs[i].len = (uint32_t)strlen(vals[i]);
		obs[i].kind = (uint8_t)kinds[i];
		if (kinds[i] == PI_OBSERVABLE_IPV4 || kinds[i] == PI_OBSERVABLE_IPV6)
			assert_int_equal(pi_observable_ip_parse(
			                         vals[i], strlen(vals[i]), obs[i].addr, &fam, NULL),
			        PI_OK);
	}
	pi_scan_match_batch(m, t, obs, n, on_hit, &s);
	pi_scan_mthread_free(t);
	if (strcmp(s.text, want) != 0)
		fail_msg("want: %s\ngot:  %s", want, s.text);
}

static void test_bundle_and_matching(void **state)
{
	pi_scan_set *set = NULL;
	pi_scan_matcher *m = NULL;
	struct pi_scan_set_stats st;
	struct pi_scan_matcher_stats ms;
	struct pi_error err;
	static const char *const vals[] = {"www.evil.example", "evil.example", "example",
	        "10.20.30.40", "11.0.0.1", "2001:db8::1", "http://kit.example/a/b/login",
	        "http://kit.example/a/login/x", "usps-123.top", "USPS-1.top", "x@evil.example",
	        "d41d8cd98f00b204e9800998ecf8427e", "old.example"};
	static const unsigned kinds[] = {PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_DOMAIN,
	        PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_IPV4, PI_OBSERVABLE_IPV4, PI_OBSERVABLE_IPV6,
	        PI_OBSERVABLE_URL, PI_OBSERVABLE_URL, PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_DOMAIN,
	        PI_OBSERVABLE_EMAIL, PI_OBSERVABLE_MD5, PI_OBSERVABLE_DOMAIN};

	(void)state;
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, bundle, strlen(bundle), "test", &err), PI_OK);
	pi_scan_set_stats(set, &st);
	assert_int_equal(st.objects, 6);
	assert_int_equal(st.indicators, 3);
	assert_int_equal(st.patterns, 2);
	assert_int_equal(st.replaced, 1);
	assert_int_equal(pi_scan_matcher_build(set, NULL, &m, &err), PI_OK);
	pi_scan_matcher_stats(m, &ms);
	assert_int_equal(ms.ranges, 1);
	assert_int_equal(ms.expressions, 2);
	lookup(m, set, vals, kinds, 13,
	        "0:evil.example:1111 1:evil.example:1111 5:2001:db8::1:2222 "
	        "10:x@evil.example:3333 3:10.0.0.0/8:1111 "
	        "6:http://kit.example/%/login:2222 8:^usps-[0-9]+\\.top$:2222 "
	        "9:^usps-[0-9]+\\.top$:2222");
	pi_scan_matcher_free(m);
	pi_scan_set_free(set);
}

static void test_list_csv_and_refusals(void **state)
{
	pi_scan_set *set = NULL;
	struct pi_scan_set_stats st;
	struct pi_error err;
	static const char list[] = "# comment\n\nevil.example\n192.0.2.1/24\nbad value!\n"
	                           "http://x.example\nA@B.example\n";
	static const char csv[] =
	        "id,value,tlp,labels,confidence\n"
	        "indicator--" ID1 ",\"a.example\",green,\"x;y\",50\n,b.example,,,\n";
	struct pi_scan_value v;
	struct pi_scan_indicator ind;

	(void)state;
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_list(set, list, strlen(list), "l", &err), PI_OK);
	pi_scan_set_stats(set, &st);
	assert_int_equal(st.indicators, 4);
	assert_int_equal(st.invalid, 1);
	assert_true(pi_scan_set_value(set, 1, &v));
	assert_string_equal(v.value, "192.0.2.0/24");
	assert_true(pi_scan_set_value(set, 3, &v));
	assert_string_equal(v.value, "A@b.example");
	assert_int_equal(pi_scan_set_load_list(set, csv, strlen(csv), "c", &err), PI_OK);
	assert_true(pi_scan_set_value(set, 4, &v));
	pi_scan_set_indicator(set, v.indicator, &ind);
	assert_string_equal(ind.id, "indicator--" ID1);
	assert_string_equal(ind.labels, "[\"x\",\"y\"]");
	assert_int_equal(ind.confidence, 50);
	assert_int_equal(ind.tlp, PI_TLP_GREEN);
	assert_string_equal(ind.source, "c");
	pi_scan_set_free(set);

	/* the CSV `postisac export` writes */
	{
		static const char feed[] =
		        "value,type,indicator_id,name,tlp,labels,valid_from,valid_until\r\n"
		        "198.51.100.0/24,ipv4-cidr,indicator--" ID2 ",\"net, bad\",amber,"
		        "\"malicious-activity,c2\",2024-01-01T00:00:00Z,\r\n";
		assert_int_equal(pi_scan_set_new(&set), PI_OK);
		assert_int_equal(pi_scan_set_load_list(set, feed, strlen(feed), "f", &err), PI_OK);
		assert_true(pi_scan_set_value(set, 0, &v));
		assert_string_equal(v.value, "198.51.100.0/24");
		assert_int_equal(v.kind, PI_OBSERVABLE_IPV4_CIDR);
		pi_scan_set_indicator(set, v.indicator, &ind);
		assert_string_equal(ind.id, "indicator--" ID2);
		assert_string_equal(ind.labels, "[\"malicious-activity\",\"c2\"]");
		assert_int_equal(ind.tlp, PI_TLP_AMBER);
		pi_scan_set_free(set);
	}

	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, "[1,2]", 5, "s", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "not a STIX bundle"));
	assert_int_equal(pi_scan_set_load_stix(set, "{\"objects\":[{\"type\":", 20, "s", &err),
	        PI_ERR_INVALID);
	pi_scan_set_free(set);
}

static void on_range_hit(void *arg, size_t obs, uint32_t value)
{
	struct seen *s = arg;
	struct pi_scan_value v;
	size_t l = strlen(s->text);

	assert_true(pi_scan_set_value(s->set, value, &v));
	snprintf(s->text + l, sizeof(s->text) - l, "%s%zu:%s", l ? " " : "", obs, v.value);
}

/* Ranges shorter and longer than the 16-bit jump table of the prefix trees, exact addresses,
 * and addresses that leave the tree early. */
static void check_ranges(const char *list, const char *const *addrs, size_t n, const char *want)
{
	pi_scan_set *set = NULL;
	pi_scan_matcher *m = NULL;
	pi_scan_mthread *t = NULL;
	struct pi_scan_mobs obs[8];
	struct pi_error err;
	struct seen s;

	assert_true(n <= 8);
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_list(set, list, strlen(list), "l", &err), PI_OK);
	assert_int_equal(pi_scan_matcher_build(set, NULL, &m, &err), PI_OK);
	assert_int_equal(pi_scan_mthread_new(m, &t), PI_OK);
	memset(&s, 0, sizeof(s));
	s.set = set;
	for (size_t i = 0; i < n; i++) {
		int fam = 0;
		memset(&obs[i], 0, sizeof(obs[i]));
		obs[i].value = addrs[i];
		obs[i].len = (uint32_t)strlen(addrs[i]);
		assert_int_equal(
		        pi_observable_ip_parse(addrs[i], strlen(addrs[i]), obs[i].addr, &fam, NULL),
		        PI_OK);
		obs[i].kind = (uint8_t)(fam == 4 ? PI_OBSERVABLE_IPV4 : PI_OBSERVABLE_IPV6);
	}
	pi_scan_match_batch(m, t, obs, n, on_range_hit, &s);
	if (strcmp(s.text, want) != 0)
		fail_msg("want: %s\ngot:  %s", want, s.text);
	pi_scan_mthread_free(t);
	pi_scan_matcher_free(m);
	pi_scan_set_free(set);
}

static void test_ranges(void **state)
{
	static const char *const a[] = {"10.1.2.3", "10.2.0.1", "11.0.0.1", "10.1.3.1",
	        "2001:db8::1", "2001:db9::1", "fe80::1"};
	static const char *const b[] = {"192.0.2.200", "192.0.2.1", "192.0.3.1", "192.0.2.7"};

	(void)state;
	/* a /8 and a /12 above the jump depth: every address under them walks from the root */
	check_ranges("10.0.0.0/8\n10.1.0.0/16\n10.1.2.0/24\n10.1.2.3\n2001:db8::/32\n"
	             "2000::/12\n",
	        a, 7,
	        "0:10.1.2.3 0:10.0.0.0/8 0:10.1.0.0/16 0:10.1.2.0/24 1:10.0.0.0/8 "
	        "3:10.0.0.0/8 3:10.1.0.0/16 4:2000::/12 4:2001:db8::/32 5:2000::/12");
	/* only ranges below the jump depth: the walk starts at depth 16 */
	check_ranges("192.0.2.0/24\n192.0.2.128/25\n192.0.2.7/32\n", b, 4,
	        "3:192.0.2.7 0:192.0.2.0/24 0:192.0.2.128/25 1:192.0.2.0/24 3:192.0.2.0/24");
}

static void test_revoked_and_expired(void **state)
{
	pi_scan_set *set = NULL;
	struct pi_scan_set_stats st;
	struct pi_error err;
	static const char b[] = "{\"objects\":[" IND(
	        ID1, "2024-01-01T00:00:00Z", "[domain-name:value = 'a.example']") "," IND(ID2,
	        "2024-01-01T00:00:00Z", "[domain-name:value = 'b.example']") "]}";
	static const char revoke[] = "{\"type\":\"indicator\",\"id\":\"indicator--" ID1
	                             "\",\"modified\":\"2024-03-01T00:00:00Z\",\"revoked\":true}";
	static const char expire[] =
	        "{\"type\":\"indicator\",\"id\":\"indicator--" ID2
	        "\",\"modified\":\"2024-03-01T00:00:00Z\",\"pattern\":"
	        "\"[domain-name:value = 'b.example']\",\"pattern_type\":\"stix\","
	        "\"valid_until\":\"2024-03-02T00:00:00Z\"}";

	(void)state;
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, b, strlen(b), "s", &err), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, revoke, strlen(revoke), "s", &err), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, expire, strlen(expire), "s", &err), PI_OK);
	pi_scan_set_stats(set, &st);
	assert_int_equal(st.indicators, 0);
	assert_int_equal(st.values, 0);
	/* the revoked id does not come back with an older version */
	assert_int_equal(pi_scan_set_load_stix(set, b, strlen(b), "s", &err), PI_OK);
	pi_scan_set_stats(set, &st);
	assert_int_equal(st.indicators, 0);
	pi_scan_set_free(set);
}

static void test_cache_round_trip(void **state)
{
	pi_scan_set *set = NULL, *back = NULL, *clone = NULL;
	struct pi_scan_set_stats a, b;
	struct pi_error err;
	char path[] = "/tmp/pi_scan_cacheXXXXXX", *meta = NULL;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, bundle, strlen(bundle), "src", &err), PI_OK);
	assert_int_equal(pi_scan_set_save(set, path, "2024-05-01T00:00:00Z", &err), PI_OK);
	assert_int_equal(pi_scan_set_load_cache(path, &back, &meta, &err), PI_OK);
	assert_string_equal(meta, "2024-05-01T00:00:00Z");
	pi_scan_set_stats(set, &a);
	pi_scan_set_stats(back, &b);
	assert_int_equal(a.indicators, b.indicators);
	assert_int_equal(pi_scan_set_clone(back, &clone), PI_OK);
	assert_int_equal(pi_scan_set_value_slots(clone), pi_scan_set_value_slots(back));
	/* a truncated or foreign file is refused, not trusted */
	f = fopen(path, "r+b");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 100), 0);
	fclose(f);
	pi_scan_set_free(back);
	back = NULL;
	assert_int_equal(pi_scan_set_load_cache(path, &back, NULL, &err), PI_ERR_INVALID);
	assert_null(back);
	unlink(path);
	assert_int_equal(pi_scan_set_load_cache(path, &back, NULL, &err), PI_ERR_NOTFOUND);
	free(meta);
	pi_scan_set_free(clone);
	pi_scan_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bundle_and_matching),
	        cmocka_unit_test(test_list_csv_and_refusals),
	        cmocka_unit_test(test_ranges),
	        cmocka_unit_test(test_revoked_and_expired),
	        cmocka_unit_test(test_cache_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
