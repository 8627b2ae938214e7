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
#include "scan/lineobs.h"
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

/* Values as the scan hands them to the matcher: each followed by PI_SCAN_OBS_PAD readable
 * bytes (struct pi_scan_mobs), dots here, which the reading of a name must not take for its
 * own. Each batch's values start over at the arena's start (pad_used = 0). */
static char pad_arena[1 << 16];
static size_t pad_used;

static const char *padded(const char *v)
{
	size_t n = strlen(v);
	char *p;

	assert_true(pad_used + n + PI_SCAN_OBS_PAD <= sizeof(pad_arena));
	p = pad_arena + pad_used;
	memcpy(p, v, n);
	memset(p + n, '.', PI_SCAN_OBS_PAD);
	pad_used += n + PI_SCAN_OBS_PAD;
	return p;
}

/* obs[i] for vals[i] (padded), of kind kinds[i] (or kind for all when kinds is NULL), with its
 * address when it is one. */
static void obs_of(struct pi_scan_mobs *obs, const char *const *vals, const unsigned *kinds,
        unsigned kind, size_t n)
{
	pad_used = 0;
	for (size_t i = 0; i < n; i++) {
		int fam = 0;
		memset(&obs[i], 0, sizeof(obs[i]));
		obs[i].value = padded(vals[i]);
		obs[i].len = (uint32_t)strlen(vals[i]);
		obs[i].kind = (uint8_t)(kinds ? kinds[i] : kind);
		if (obs[i].kind == PI_OBSERVABLE_IPV4 || obs[i].kind == PI_OBSERVABLE_IPV6)
			assert_int_equal(pi_observable_ip_parse(
			                         vals[i], obs[i].len, obs[i].addr, &fam, NULL),
			        PI_OK);
	}
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
	obs_of(obs, vals, kinds, 0, n);
	pi_scan_match_batch(m, t, obs, n, on_hit, &s);
	pi_scan_mthread_free(t);
	if (strcmp(s.text, want) != 0)
		fail_msg("want: %s\ngot:  %s", want, s.text);
}

/* A matcher of a list (or, with stix, of a STIX bundle), a thread for it and a hit recorder. */
struct rig {
	pi_scan_set *set;
	pi_scan_matcher *m;
	pi_scan_mthread *t;
	struct seen sn;
};

static void rig_up(struct rig *r, const char *text, int stix)
{
	struct pi_error err;

	memset(r, 0, sizeof(*r));
	assert_int_equal(pi_scan_set_new(&r->set), PI_OK);
	if (stix)
		assert_int_equal(
		        pi_scan_set_load_stix(r->set, text, strlen(text), "test", &err), PI_OK);
	else
		assert_int_equal(
		        pi_scan_set_load_list(r->set, text, strlen(text), "l", &err), PI_OK);
	assert_int_equal(pi_scan_matcher_build(r->set, NULL, &r->m, &err), PI_OK);
	assert_int_equal(pi_scan_mthread_new(r->m, &r->t), PI_OK);
	r->sn.set = r->set;
}

static void rig_down(struct rig *r)
{
	pi_scan_mthread_free(r->t);
	pi_scan_matcher_free(r->m);
	pi_scan_set_free(r->set);
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

/* Runs vals (kinds) through a matcher of bundle b; the hits as lookup() writes them, and
 * the prefilter's counts. */
static void like_run(const char *b, const char *const *vals, const unsigned *kinds, size_t n,
        const char *want, uint64_t want_scans, uint64_t want_skipped)
{
	struct rig r;
	struct pi_scan_mobs obs[16];
	struct pi_scan_mthread_counts cn;

	rig_up(&r, b, 1);
	obs_of(obs, vals, kinds, 0, n);
	pi_scan_match_batch(r.m, r.t, obs, n, on_hit, &r.sn);
	pi_scan_mthread_counts(r.t, &cn);
	if (strcmp(r.sn.text, want) != 0)
		fail_msg("want: %s\ngot:  %s", want, r.sn.text);
	assert_int_equal(cn.hs_scans, want_scans);
	assert_int_equal(cn.hs_skipped, want_skipped);
	rig_down(&r);
}

/* LIKE patterns with literal starts: values that start like none of them are not scanned, and
 * every match is still found (the cut is the shortest start; '_' ends a start; domains compare
 * without case). A MATCHES in a class, or a LIKE that starts with a wildcard, turns the
 * prefilter off for that class. */
static void test_like_prefilter(void **state)
{
	static const char *const vals[] = {"http://kit1.example/a/login",
	        "http://kit22.example/ax/y", "http://kit22.example/abx",
	        "http://other.example/a/login", "http://kit", "parcel-track.example",
	        "parcel.example"};
	static const unsigned kinds[] = {PI_OBSERVABLE_URL, PI_OBSERVABLE_URL, PI_OBSERVABLE_URL,
	        PI_OBSERVABLE_URL, PI_OBSERVABLE_URL, PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_DOMAIN};
	static const char likes[] =
	        "{\"type\":\"bundle\",\"id\":\"bundle--44444444-4444-4444-8444-444444444444\","
	        "\"objects\":[" IND(ID1, "2024-01-01T00:00:00Z",
	                "[url:value LIKE 'http://kit1.example/%/login'] OR "
	                "[url:value LIKE 'http://kit22.example/_x%']") "," IND(ID2,
	                "2024-01-01T00:00:00Z", "[domain-name:value LIKE 'PARCEL-%.example']") "]}";
	static const char mixed[] =
	        "{\"type\":\"bundle\",\"id\":\"bundle--44444444-4444-4444-8444-444444444444\","
	        "\"objects\":[" IND(ID1, "2024-01-01T00:00:00Z",
	                "[url:value LIKE 'http://kit1.example/%/login'] OR "
	                "[url:value MATCHES '^http://other\\\\\\\\.']") "," IND(ID2,
	                "2024-01-01T00:00:00Z", "[domain-name:value LIKE '%-track.example']") "]}";

	(void)state;
	like_run(likes, vals, kinds, 7,
	        "0:http://kit1.example/%/login:1111 1:http://kit22.example/_x%:1111 "
	        "5:PARCEL-%.example:2222",
	        4, 3);
	like_run(mixed, vals, kinds, 7,
	        "0:http://kit1.example/%/login:1111 3:^http://other\\.:1111 "
	        "5:%-track.example:2222",
	        7, 0);
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
	struct rig r;
	struct pi_scan_mobs obs[8];

	assert_true(n <= 8);
	rig_up(&r, list, 0);
	obs_of(obs, addrs, NULL, 0, n);
	for (size_t i = 0; i < n; i++) {
		int fam = 0;
		assert_int_equal(
		        pi_observable_ip_parse(addrs[i], strlen(addrs[i]), obs[i].addr, &fam, NULL),
		        PI_OK);
		obs[i].kind = (uint8_t)(fam == 4 ? PI_OBSERVABLE_IPV4 : PI_OBSERVABLE_IPV6);
	}
	pi_scan_match_batch(r.m, r.t, obs, n, on_range_hit, &r.sn);
	if (strcmp(r.sn.text, want) != 0)
		fail_msg("want: %s\ngot:  %s", want, r.sn.text);
	rig_down(&r);
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

/* Parent domains of names of every length band the dot finder reads differently (under 4,
 * 4-7, 8-15, 16-64 bytes and over 64): each parent is probed, the top-level label is not, and
 * the whole name is. Values are copied to exactly-sized buffers, so a read past a name's end
 * is caught by the sanitizer. */
static void test_parent_domains(void **state)
{
	static const char *const names[] = {"a.b", "a.b.cd", "w.ex.org", "www.example.co.uk",
	        "x.y.a-long-registered-domain.example",
	        "q.r.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbb.example",
	        "plain.org", "org"};
	static const char list[] = "a.b\nb.cd\nex.org\nexample.co.uk\n"
	                           "a-long-registered-domain.example\n"
	                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."
	                           "bbbbbbbbbbbbbb.example\norg\nuk\n";
	const size_t n = sizeof(names) / sizeof(names[0]);
	struct rig r;
	struct pi_scan_mobs obs[8];
	char *copies[8];

	(void)state;
	rig_up(&r, list, 0);
	obs_of(obs, names, NULL, PI_OBSERVABLE_DOMAIN, n);
	for (size_t i = 0; i < n; i++) {
		/* exactly the room the matcher may read: the name and its padding of dots */
		copies[i] = malloc(obs[i].len + PI_SCAN_OBS_PAD);
		assert_non_null(copies[i]);
		memcpy(copies[i], names[i], obs[i].len);
		memset(copies[i] + obs[i].len, '.', PI_SCAN_OBS_PAD);
		obs[i].value = copies[i];
	}
	pi_scan_match_batch(r.m, r.t, obs, n, on_range_hit, &r.sn);
	assert_string_equal(r.sn.text,
	        "0:a.b 1:b.cd 2:ex.org 3:example.co.uk 4:a-long-registered-domain.example "
	        "5:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbb.example "
	        "7:org");
	for (size_t i = 0; i < n; i++)
		free(copies[i]);
	rig_down(&r);
}

/* The keys and names of the domain-walk tests. */
static const char walk_list[] = "login.evil.example\nx.y.z.example\nplain.example\n";
static const char *const walk_names[] = {"a.login.evil.example", "www.benign.example",
        "q.z.example", "login.evil.example", "deep.x.y.z.example", "plain.example", "example"};

/* A name is looked up from its shortest parent to itself and the walk stops at the first
 * suffix the filter does not hold: the filter holds every key and every ancestor of a domain
 * key, so every hit is still found (exact and parent), and most names cost one check. */
static void test_domain_walk(void **state)
{
	const size_t n = sizeof(walk_names) / sizeof(walk_names[0]);
	struct rig r;
	struct pi_scan_mobs obs[8];
	struct pi_scan_mthread_counts cn;

	(void)state;
	rig_up(&r, walk_list, 0);
	obs_of(obs, walk_names, NULL, PI_OBSERVABLE_DOMAIN, n);
	pi_scan_match_batch(r.m, r.t, obs, n, on_range_hit, &r.sn);
	assert_string_equal(r.sn.text, "0:login.evil.example 3:login.evil.example "
	                               "4:x.y.z.example 5:plain.example");
	/* checks: evil.example, login.evil.example, a.login...; benign.example; z.example,
	 * q.z.example; evil.example, login.evil.example; z.example, y.z.example, x.y.z.example,
	 * deep...; plain.example; example */
	pi_scan_mthread_counts(r.t, &cn);
	assert_int_equal(cn.filter_checks, 3 + 1 + 2 + 2 + 4 + 1 + 1);
	rig_down(&r);
}

/* A batch longer than the matcher's look-ahead (the first filter word of a block of
 * observables is fetched before any is checked): hits and checks are those of the small batch
 * above, repeated, whatever block an observable falls in. */
static void test_long_batch(void **state)
{
	enum { NAMES = sizeof(walk_names) / sizeof(walk_names[0]), REPS = 12 };
	struct rig r;
	struct pi_scan_mobs obs[NAMES * REPS];
	const char *vals[NAMES * REPS];
	struct pi_scan_mthread_counts cn;
	char want[2048];
	size_t wl = 0;

	(void)state;
	for (size_t i = 0; i < NAMES * REPS; i++)
		vals[i] = walk_names[i % NAMES];
	for (size_t k = 0; k < REPS; k++)
		wl += (size_t)snprintf(want + wl, sizeof(want) - wl,
		        "%s%zu:login.evil.example %zu:login.evil.example %zu:x.y.z.example "
		        "%zu:plain.example",
		        k ? " " : "", k * NAMES, k * NAMES + 3, k * NAMES + 4, k * NAMES + 5);
	rig_up(&r, walk_list, 0);
	obs_of(obs, vals, NULL, PI_OBSERVABLE_DOMAIN, NAMES * REPS);
	pi_scan_match_batch(r.m, r.t, obs, NAMES * REPS, on_range_hit, &r.sn);
	assert_string_equal(r.sn.text, want);
	pi_scan_mthread_counts(r.t, &cn);
	assert_int_equal(cn.filter_checks, (3 + 1 + 2 + 2 + 4 + 1 + 1) * REPS);
	rig_down(&r);
}

static void on_count(void *arg, size_t obs, uint32_t value)
{
	unsigned *count = arg;

	(void)value;
	count[obs]++;
}

enum { KEY_LMAX = 100, KEY_NOBS = 4 * KEY_LMAX };
static char key_room[KEY_NOBS][KEY_LMAX + PI_SCAN_OBS_PAD + 1];

/* Two probes of key k (len bytes, kind) at obs[*n]: the whole key followed by junk, and the
 * key one byte shorter, followed by the byte it lost and then junk. */
static void key_probes(struct pi_scan_mobs *obs, size_t *n, const char *k, size_t len,
        unsigned kind)
{
	for (int shorter = 0; shorter < 2; shorter++) {
		memset(&obs[*n], 0, sizeof(obs[*n]));
		memcpy(key_room[*n], k, len);
		memset(key_room[*n] + len, '%', PI_SCAN_OBS_PAD);
		obs[*n].value = key_room[*n];
		obs[*n].len = (uint32_t)(len - (size_t)shorter);
		obs[(*n)++].kind = (uint8_t)kind;
	}
}

/* Keys of every length from 6 to 100 bytes, names and URLs, looked up in place: each is found
 * when the bytes after it are junk, and the same value one byte shorter, followed by the byte
 * it lost, finds nothing. Short values are hashed from whole words with what follows them
 * masked off, a key from a zeroed copy: a wrong mask loses the first. */
static void test_key_lengths(void **state)
{
	static char list[2 * KEY_LMAX * (KEY_LMAX + 2)];
	static struct pi_scan_mobs obs[KEY_NOBS];
	static unsigned count[KEY_NOBS];
	size_t ll = 0, n = 0;
	struct rig r;

	(void)state;
	memset(count, 0, sizeof(count));
	for (size_t len = 6; len <= KEY_LMAX; len++) {
		char c = (char)('a' + len % 26), name[KEY_LMAX + 1], url[KEY_LMAX + 1];
		/* a name of len bytes: labels of c (a dot every tenth byte), then ".test" */
		for (size_t i = 0; i + 5 < len; i++)
			name[i] = i % 10 == 9 && i + 6 < len ? '.' : c;
		memcpy(name + len - 5, ".test", 6);
		ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%s\n", name);
		key_probes(obs, &n, name, len, PI_OBSERVABLE_DOMAIN);
		if (len < 15)
			continue;
		memcpy(url, "http://u.test/", 14);
		memset(url + 14, c, len - 14);
		url[len] = '\0';
		ll += (size_t)snprintf(list + ll, sizeof(list) - ll, "%s\n", url);
		key_probes(obs, &n, url, len, PI_OBSERVABLE_URL);
	}
	rig_up(&r, list, 0);
	pi_scan_match_batch(r.m, r.t, obs, n, on_count, count);
	for (size_t i = 0; i < n; i++)
		if (count[i] != (i % 2 ? 0u : 1u))
			fail_msg("%.*s (%u bytes, kind %u): %u hits", (int)obs[i].len, obs[i].value,
			        obs[i].len, obs[i].kind, count[i]);
	rig_down(&r);
}

static int filter_bit(const uint64_t *f, unsigned a0, unsigned a1)
{
	unsigned p16 = a0 << 8 | a1;
	return (int)((f[p16 >> 6] >> (p16 & 63)) & 1);
}

/* The /16 filter the extractor drops addresses with: set for the /16 of an exact key and under
 * a range above or below the jump depth, clear elsewhere; all set when an expression may
 * match any address; all clear without IPv4 indicators. */
static void test_ip4_filter(void **state)
{
	static const struct {
		const char *list;
		unsigned on[4][2], off[4][2];
	} cases[] = {
	        {"10.0.0.0/8\n192.0.2.7\n172.16.5.0/24\n",
	                {{10, 0}, {10, 255}, {192, 0}, {172, 16}},
	                {{11, 0}, {192, 1}, {172, 17}, {9, 255}}},
	        {"example.org\n", {{0, 0}, {0, 0}, {0, 0}, {0, 0}},
	                {{10, 0}, {192, 0}, {0, 0}, {255, 255}}},
	};
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		pi_scan_set *set = NULL;
		pi_scan_matcher *m = NULL;
		struct pi_error err;
		const uint64_t *f;
		size_t on = 0;
		assert_int_equal(pi_scan_set_new(&set), PI_OK);
		assert_int_equal(
		        pi_scan_set_load_list(set, cases[c].list, strlen(cases[c].list), "l", &err),
		        PI_OK);
		assert_int_equal(pi_scan_matcher_build(set, NULL, &m, &err), PI_OK);
		f = pi_scan_match_ip4_filter(m);
		for (size_t k = 0; k < 4; k++) {
			if (c == 0)
				assert_true(filter_bit(f, cases[c].on[k][0], cases[c].on[k][1]));
			assert_false(filter_bit(f, cases[c].off[k][0], cases[c].off[k][1]));
		}
		for (size_t w = 0; w < PI_SCAN_IP4_FILTER_WORDS; w++)
			on += (size_t)__builtin_popcountll(f[w]);
		/* a /8 (256 /16s), one exact key's /16 and a /24's /16 */
		assert_int_equal(on, c == 0 ? 258 : 0);
		pi_scan_matcher_free(m);
		pi_scan_set_free(set);
	}
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

/* A set read from its cache file is mapped; adding to it (a hub refresh) must copy what
 * grows and leave the file alone. */
static void test_cache_then_add(void **state)
{
	pi_scan_set *set = NULL, *back = NULL, *again = NULL;
	struct pi_scan_set_stats st;
	struct pi_error err;
	char path[] = "/tmp/pi_scan_cacheaddXXXXXX";
	int fd = mkstemp(path);
	static const char more[] =
	        "{\"type\":\"bundle\",\"id\":\"bundle--66666666-6666-4666-8666-666666666666\","
	        "\"objects\":[" IND(ID1, "2024-03-01T00:00:00Z",
	                "[domain-name:value = 'new.example']") "," IND("77777777-7777-4777-8777-"
	                                                               "777777777777",
	                "2024-01-01T00:00:00Z", "[domain-name:value = 'seven.example']") "]}";

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, bundle, strlen(bundle), "src", &err), PI_OK);
	assert_int_equal(pi_scan_set_save(set, path, NULL, &err), PI_OK);
	assert_int_equal(pi_scan_set_load_cache(path, &back, NULL, &err), PI_OK);
	/* a newer version of ID1 kills the mapped record; a new indicator grows every array */
	assert_int_equal(pi_scan_set_load_stix(back, more, strlen(more), "src", &err), PI_OK);
	pi_scan_set_stats(back, &st);
	assert_int_equal(st.indicators, 4);
	{
		pi_scan_matcher *m = NULL;
		static const char *const vals[] = {"evil.example", "new.example", "seven.example"};
		static const unsigned kinds[] = {
		        PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_DOMAIN};
		assert_int_equal(pi_scan_matcher_build(back, NULL, &m, &err), PI_OK);
		lookup(m, back, vals, kinds, 3, "1:new.example:1111 2:seven.example:7777");
		pi_scan_matcher_free(m);
	}
	/* the file still holds the first version */
	assert_int_equal(pi_scan_set_load_cache(path, &again, NULL, &err), PI_OK);
	pi_scan_set_stats(again, &st);
	assert_int_equal(st.indicators, 3);
	unlink(path);
	pi_scan_set_free(again);
	pi_scan_set_free(back);
	pi_scan_set_free(set);
}

/* The matcher cache: written, read back with the same hits; refused when the set file
 * changed, when it is truncated, when its header lies; damaged tables give misses, never a
 * read outside the mapping (ASan watches). */
static void test_matcher_cache(void **state)
{
	pi_scan_set *set = NULL;
	pi_scan_matcher *m = NULL, *back = NULL;
	struct pi_scan_matcher_stats a, b;
	struct pi_error err;
	char setp[] = "/tmp/pi_scan_msetXXXXXX", mp[] = "/tmp/pi_scan_mcacheXXXXXX";
	int fd1 = mkstemp(setp), fd2 = mkstemp(mp);
	static const char *const vals[] = {"www.evil.example", "10.20.30.40", "2001:db8::1",
	        "http://kit.example/a/b/login", "usps-123.top", "x@evil.example",
	        "d41d8cd98f00b204e9800998ecf8427e", "nothing.example"};
	static const unsigned kinds[] = {PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_IPV4,
	        PI_OBSERVABLE_IPV6, PI_OBSERVABLE_URL, PI_OBSERVABLE_DOMAIN, PI_OBSERVABLE_EMAIL,
	        PI_OBSERVABLE_MD5, PI_OBSERVABLE_DOMAIN};
	static const char want[] = "0:evil.example:1111 2:2001:db8::1:2222 5:x@evil.example:3333 "
	                           "1:10.0.0.0/8:1111 3:http://kit.example/%/login:2222 "
	                           "4:^usps-[0-9]+\\.top$:2222";
	FILE *f;
	long size;

	(void)state;
	assert_true(fd1 >= 0 && fd2 >= 0);
	close(fd1);
	close(fd2);
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_stix(set, bundle, strlen(bundle), "src", &err), PI_OK);
	assert_int_equal(pi_scan_set_save(set, setp, NULL, &err), PI_OK);
	assert_int_equal(pi_scan_matcher_build(set, NULL, &m, &err), PI_OK);
	lookup(m, set, vals, kinds, 8, want);
	assert_int_equal(pi_scan_matcher_save(m, mp, setp, &err), PI_OK);
	assert_int_equal(pi_scan_matcher_load(set, mp, setp, &back, &err), PI_OK);
	lookup(back, set, vals, kinds, 8, want);
	pi_scan_matcher_stats(m, &a);
	pi_scan_matcher_stats(back, &b);
	assert_int_equal(a.keys, b.keys);
	assert_int_equal(a.ranges, b.ranges);
	assert_int_equal(a.expressions, b.expressions);
	pi_scan_matcher_free(back);
	back = NULL;

	/* damaged tables: every byte after the header overwritten with 0xff, then with a
	 * pattern; the file still has the right size, so it loads, and look-ups stay inside */
	f = fopen(mp, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	for (int pass = 0; pass < 2; pass++) {
		/* the header (8,472 bytes with the /16 bitmap) ends at 8,512; the slots (at least
		 * 1,024 of 8 bytes) follow: damage 4 KiB of them, then the rest of the file */
		long from = pass == 0 ? 8512 : 8512 + 8192, to = pass == 0 ? 8512 + 4096 : size;
		for (long off = from; off < to; off++) {
			assert_int_equal(fseek(f, off, SEEK_SET), 0);
			fputc(pass == 0 ? 0xff : (int)(off * 37 & 0xff), f);
		}
		fflush(f);
		if (pass == 0)
			assert_int_equal(pi_scan_matcher_load(set, mp, setp, &back, &err), PI_OK);
		if (back || pi_scan_matcher_load(set, mp, setp, &back, &err) == PI_OK) {
			struct pi_scan_mobs o;
			pi_scan_mthread *t = NULL;
			struct seen sn;
			memset(&sn, 0, sizeof(sn));
			sn.set = set;
			if (pi_scan_mthread_new(back, &t) == PI_OK) {
				for (size_t i = 0; i < 8; i++) {
					obs_of(&o, &vals[i], &kinds[i], 0, 1);
					pi_scan_match_batch(back, t, &o, 1, on_hit, &sn);
				}
				pi_scan_mthread_free(t);
			}
			pi_scan_matcher_free(back);
			back = NULL;
		} else {
			assert_int_equal(err.status, PI_ERR_INVALID);
		}
	}
	/* truncated: refused */
	assert_int_equal(ftruncate(fileno(f), size - 64), 0);
	fclose(f);
	assert_int_equal(pi_scan_matcher_load(set, mp, setp, &back, &err), PI_ERR_INVALID);
	assert_null(back);
	/* built from another version of the set file: not found (rebuilt by the caller) */
	assert_int_equal(pi_scan_matcher_save(m, mp, setp, &err), PI_OK);
	usleep(20000);
	assert_int_equal(pi_scan_set_save(set, setp, "x", &err), PI_OK);
	assert_int_equal(pi_scan_matcher_load(set, mp, setp, &back, &err), PI_ERR_NOTFOUND);
	/* no file */
	unlink(mp);
	assert_int_equal(pi_scan_matcher_load(set, mp, setp, &back, &err), PI_ERR_NOTFOUND);
	unlink(setp);
	pi_scan_matcher_free(m);
	pi_scan_set_free(set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_bundle_and_matching),
	        cmocka_unit_test(test_list_csv_and_refusals),
	        cmocka_unit_test(test_ranges),
	        cmocka_unit_test(test_like_prefilter),
	        cmocka_unit_test(test_ip4_filter),
	        cmocka_unit_test(test_parent_domains),
	        cmocka_unit_test(test_domain_walk),
	        cmocka_unit_test(test_long_batch),
	        cmocka_unit_test(test_key_lengths),
	        cmocka_unit_test(test_revoked_and_expired),
	        cmocka_unit_test(test_cache_round_trip),
	        cmocka_unit_test(test_cache_then_add),
	        cmocka_unit_test(test_matcher_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
