#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <idn2.h>

#include "core/json.h"
#include "lookalike/lookalike.h"

static const char brands_text[] = "# postal brands\n"
                                  "usps.com usps uspis.gov\n"
                                  "royalmail.com royal-mail royalmail.co.uk\n"
                                  "laposte.fr\n"
                                  "canadapost-postescanada.ca canadapost canadapost.ca\n"
                                  "post.ch\n";

static int perms_has(const pi_perms *p, const char *name, enum pi_fuzzer f)
{
	for (size_t i = 0; i < pi_perms_count(p); i++)
		if (strcmp(pi_perms_domain(p, i), name) == 0)
			return pi_perms_fuzzer(p, i) == f;
	return 0;
}

static void parses_fuzzer_lists(void **state)
{
	unsigned mask = 0;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_fuzzer_parse_list("addition, Homoglyph,tld-swap", &mask, &err), PI_OK);
	assert_int_equal(mask,
	        (1u << PI_FUZZ_ADDITION) | (1u << PI_FUZZ_HOMOGLYPH) | (1u << PI_FUZZ_TLD_SWAP));
	assert_int_equal(pi_fuzzer_parse_list("addition,typo", &mask, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "unknown fuzzer 'typo'"));
	assert_int_equal(pi_fuzzer_parse_list(" , ", &mask, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "empty"));
	assert_string_equal(pi_fuzzer_name(PI_FUZZ_VOWEL_SWAP), "vowel-swap");
	assert_string_equal(pi_fuzzer_name(PI_FUZZ_ORIGINAL), "*original");
}

static void checks_host_names(void **state)
{
	(void)state;
	assert_true(pi_lookalike_valid_fqdn("usps.com", 8));
	assert_true(pi_lookalike_valid_fqdn("a-b.co.uk", 9));
	assert_false(pi_lookalike_valid_fqdn("-usps.com", 9));
	assert_false(pi_lookalike_valid_fqdn("usps-.com", 9));
	assert_false(pi_lookalike_valid_fqdn("usps..com", 9));
	assert_false(pi_lookalike_valid_fqdn("usps.c", 6));
	assert_false(pi_lookalike_valid_fqdn("usps", 4));
	assert_false(pi_lookalike_valid_fqdn("us_ps.com", 9));
	assert_false(pi_lookalike_valid_fqdn("a.b", 3));
}

static void generates_dnstwist_and_postal_permutations(void **state)
{
	pi_perms *p = NULL;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_lookalike_generate("USPS.com.", NULL, &p, &err), PI_OK);
	assert_true(pi_perms_count(p) > 800);
	assert_true(perms_has(p, "usps.com", PI_FUZZ_ORIGINAL));
	assert_true(perms_has(p, "uspsa.com", PI_FUZZ_ADDITION));
	assert_true(perms_has(p, "usp.com", PI_FUZZ_OMISSION));
	assert_true(perms_has(p, "sups.com", PI_FUZZ_TRANSPOSITION));
	assert_true(perms_has(p, "us-ps.com", PI_FUZZ_HYPHENATION));
	assert_true(perms_has(p, "us.ps.com", PI_FUZZ_SUBDOMAIN));
	assert_true(perms_has(p, "uspscom.com", PI_FUZZ_VARIOUS));
	assert_true(perms_has(p, "uusps.com", PI_FUZZ_REPETITION));
	assert_true(perms_has(p, "usps-tracking.com", PI_FUZZ_COMBOSQUAT));
	assert_true(perms_has(p, "redeliveryusps.com", PI_FUZZ_COMBOSQUAT));
	assert_true(perms_has(p, "usps.com-track.com", PI_FUZZ_BRAND_SUBDOMAIN));
	assert_true(perms_has(p, "uspses.com", PI_FUZZ_PLURAL));
	/* every name is a host name, once, and Unicode ones are the punycode libidn2 makes */
	for (size_t i = 0; i < pi_perms_count(p); i++) {
		const char *d = pi_perms_domain(p, i);
		const char *u = pi_perms_unicode(p, i);
		assert_true(pi_lookalike_valid_fqdn(d, strlen(d)));
		for (size_t j = i + 1; j < pi_perms_count(p) && j < i + 50; j++)
			assert_string_not_equal(d, pi_perms_domain(p, j));
		if (u) {
			char *idn = NULL;
			assert_int_equal(idn2_to_ascii_8z(u, &idn, IDN2_NONTRANSITIONAL), IDN2_OK);
			assert_string_equal(idn, d);
			idn2_free(idn);
		}
	}
	pi_perms_free(p);
}

static void homoglyphs_cover_two_rounds(void **state)
{
	struct pi_gen_options o = {.fuzzers = 1u << PI_FUZZ_HOMOGLYPH};
	pi_perms *p = NULL;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_lookalike_generate("royalmail.com", &o, &p, &err), PI_OK);
	assert_true(perms_has(p, "royalrnail.com", PI_FUZZ_HOMOGLYPH));
	assert_true(perms_has(p, "r0yalrnail.com", PI_FUZZ_HOMOGLYPH)); /* two rounds */
	assert_true(perms_has(p, "royaimaii.com", PI_FUZZ_HOMOGLYPH));  /* one window, both l */
	pi_perms_free(p);
}

/* pi_perms_sort orders by (fuzzer name, ASCII name) as strcmp does, "*original" first; and
 * every Unicode name of a long label is the punycode libidn2 makes. */
static void sorts_by_fuzzer_name_then_domain(void **state)
{
	pi_perms *p = NULL;
	struct pi_error err;
	size_t homoglyphs = 0;

	(void)state;
	assert_int_equal(pi_lookalike_generate("royalmail.co.uk", NULL, &p, &err), PI_OK);
	pi_perms_sort(p);
	assert_string_equal(pi_fuzzer_name(pi_perms_fuzzer(p, 0)), "*original");
	assert_string_equal(pi_perms_domain(p, 0), "royalmail.co.uk");
	for (size_t i = 1; i < pi_perms_count(p); i++) {
		int c = strcmp(pi_fuzzer_name(pi_perms_fuzzer(p, i - 1)),
		        pi_fuzzer_name(pi_perms_fuzzer(p, i)));
		assert_true(c <= 0);
		if (c == 0)
			assert_true(strcmp(pi_perms_domain(p, i - 1), pi_perms_domain(p, i)) < 0);
		homoglyphs += pi_perms_fuzzer(p, i) == PI_FUZZ_HOMOGLYPH;
		/* our punycode encoder agrees with libidn2 on every Unicode name */
		const char *u = pi_perms_unicode(p, i);
		if (u) {
			char *idn = NULL;
			assert_int_equal(idn2_to_ascii_8z(u, &idn, IDN2_NONTRANSITIONAL), IDN2_OK);
			assert_string_equal(idn, pi_perms_domain(p, i));
			idn2_free(idn);
		}
	}
	assert_true(homoglyphs > 4000); /* long runs of names with a common xn-- prefix */
	pi_perms_free(p);
}

/* Homoglyph replacements of two different characters are made in one order only (see
 * homoglyph_mix); the names must not depend on which: o->0 with m->rn, a->à with l->1, and
 * pairs where the first glyph holds the second character (m->n then n->r, d->cl then c->e). */
static void homoglyph_pairs_in_either_order(void **state)
{
	struct pi_gen_options o = {.fuzzers = 1u << PI_FUZZ_HOMOGLYPH};
	pi_perms *p = NULL;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_lookalike_generate("royalmail.com", &o, &p, &err), PI_OK);
	assert_true(perms_has(p, "r0yalrnail.com", PI_FUZZ_HOMOGLYPH));
	assert_true(perms_has(p, "xn--roy1mail-1ya.com", PI_FUZZ_HOMOGLYPH)); /* royà1mail */
	assert_true(perms_has(p, "royalnail.com", PI_FUZZ_HOMOGLYPH));
	assert_true(perms_has(p, "royalrail.com", PI_FUZZ_HOMOGLYPH)); /* m->n, then n->r */
	pi_perms_free(p);
	assert_int_equal(pi_lookalike_generate("dhl.com", &o, &p, &err), PI_OK);
	assert_true(perms_has(p, "clhl.com", PI_FUZZ_HOMOGLYPH));
	assert_true(perms_has(p, "elhl.com", PI_FUZZ_HOMOGLYPH));  /* d->cl, then c->e */
	assert_true(perms_has(p, "cllhl.com", PI_FUZZ_HOMOGLYPH)); /* d->cl, h->lh */
	pi_perms_free(p);
}

/* A label whose homoglyph candidates would run into the hundreds of millions is refused at
 * once with PI_ERR_TOOBIG, before any memory is spent on them. */
static void refuses_labels_with_too_many_candidates(void **state)
{
	char domain[80];
	pi_perms *p = NULL;
	struct pi_error err;

	(void)state;
	memset(domain, 'i', 63);
	memcpy(domain + 63, ".com", 5);
	assert_int_equal(pi_lookalike_generate(domain, NULL, &p, &err), PI_ERR_TOOBIG);
	assert_null(p);
	assert_string_equal(err.message,
	        "too many homoglyph candidates: use a shorter domain or fewer fuzzers");
	/* without the homoglyph fuzzer the same label is fine */
	struct pi_gen_options o = {.fuzzers = PI_FUZZ_ALL & ~(1u << PI_FUZZ_HOMOGLYPH)};
	assert_int_equal(pi_lookalike_generate(domain, &o, &p, &err), PI_OK);
	assert_true(pi_perms_count(p) > 100);
	pi_perms_free(p);
}

static void uses_dictionary_and_tld_lists(void **state)
{
	const char *words[] = {"track", "usps"};
	const char *tlds[] = {"com", "shop", "co.uk"};
	struct pi_gen_options o = {.fuzzers = (1u << PI_FUZZ_DICTIONARY) | (1u << PI_FUZZ_TLD_SWAP),
	        .dict_words = words,
	        .n_dict_words = 2,
	        .tlds = tlds,
	        .n_tlds = 3};
	pi_perms *p = NULL;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_lookalike_generate("usps.com", &o, &p, &err), PI_OK);
	assert_true(perms_has(p, "usps-track.com", PI_FUZZ_DICTIONARY));
	assert_true(perms_has(p, "trackusps.com", PI_FUZZ_DICTIONARY));
	assert_true(perms_has(p, "usps.shop", PI_FUZZ_TLD_SWAP));
	assert_true(perms_has(p, "usps.co.uk", PI_FUZZ_TLD_SWAP));
	assert_false(perms_has(p, "uspsusps.com", PI_FUZZ_DICTIONARY)); /* dnstwist skips it */
	assert_int_equal(pi_perms_count(p), 6);
	pi_perms_free(p);
}

static void refuses_what_is_not_a_domain(void **state)
{
	pi_perms *p = NULL;
	struct pi_error err;
	char long_label[80];

	(void)state;
	assert_int_equal(
	        pi_lookalike_generate("https://usps.com/", NULL, &p, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "no scheme or path"));
	assert_null(p);
	assert_int_equal(pi_lookalike_generate("usps", NULL, &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_lookalike_generate("", NULL, &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_lookalike_generate("us ps.com", NULL, &p, &err), PI_ERR_INVALID);
	memset(long_label, 'a', 70);
	memcpy(long_label + 70, ".com", 5);
	assert_int_equal(pi_lookalike_generate(long_label, NULL, &p, &err), PI_ERR_INVALID);
	assert_null(p);
}

static void skeletons_agree_with_icu(void **state)
{
	char a[64], u[256];

	(void)state;
	assert_int_equal(pi_skeleton_ascii("RoyalRnail", 10, a), 9);
	assert_string_equal(a, "royalmail");
	assert_int_equal(pi_skeleton_utf8("royalmail", 9, u, sizeof(u)), 9);
	assert_string_equal(u, a);
	assert_true(pi_skeleton_utf8("u\xd1\x95ps", 5, u, sizeof(u)) > 0); /* Cyrillic dze */
	assert_string_equal(u, "usps");
	assert_true(pi_skeleton_utf8("r\xc3\xb2yalmail", 10, u, sizeof(u)) > 0); /* ò */
	assert_string_equal(u, "royalmail");
	assert_int_equal(pi_skeleton_ascii("p0st", 4, a), 4);
	assert_string_equal(a, "post");
	assert_int_equal(pi_skeleton_utf8("\xff", 1, u, sizeof(u)), -1);
}

static pi_watcher *new_watcher(void)
{
	pi_watcher *w = NULL;
	struct pi_error err;

	assert_int_equal(pi_watcher_new(brands_text, strlen(brands_text), &w, &err), PI_OK);
	return w;
}

static int check(pi_watcher *w, const char *name, struct pi_watch_hit *hit)
{
	return pi_watcher_check(w, name, strlen(name), hit);
}

static void watch_finds_lookalikes_with_reasons(void **state)
{
	pi_watcher *w = new_watcher();
	struct pi_watch_hit h;
	char reasons[256];

	(void)state;
	assert_int_equal(pi_watcher_brand_count(w), 5);
	assert_true(check(w, "usps.informedtrck.com", &h));
	assert_string_equal(pi_watcher_brand_domain(w, h.brand), "usps.com");
	assert_true(h.reasons & PI_REASON_BRAND_SUBDOMAIN);
	assert_true(check(w, "usa-usps.shop", &h));
	assert_true(h.reasons & PI_REASON_COMBOSQUAT);
	pi_watch_reasons_format(&h, reasons, sizeof(reasons));
	assert_string_equal(reasons, "\"combosquat:usa\"");
	assert_true(check(w, "USPS-Post.World.", &h));
	assert_true(check(w, "royalrnail.com", &h));
	assert_string_equal(pi_watcher_brand_domain(w, h.brand), "royalmail.com");
	assert_true(h.reasons & PI_REASON_SKELETON);
	assert_true(h.score > 0.99);
	assert_true(check(w, "usps.net", &h));
	assert_int_equal(h.reasons, PI_REASON_TLD_SWAP);
	assert_true(check(w, "uspps.com", &h));
	assert_int_equal(h.reasons, PI_REASON_EDIT_DISTANCE);
	assert_true(h.distance > 0.4 && h.distance < 0.6);
	pi_watch_reasons_format(&h, reasons, sizeof(reasons));
	assert_string_equal(reasons, "\"edit-distance:0.5\"");
	assert_true(check(w, "us.ps.com", &h));
	assert_true(h.reasons & PI_REASON_SPLIT);
	assert_true(check(w, "u\xd1\x95ps.com", &h)); /* Cyrillic dze, through ICU */
	assert_true(h.reasons & PI_REASON_SKELETON);
	assert_true(check(w, "xn--ups-fhd.com", &h)); /* punycode of the same kind */
	assert_true(check(w, "*.laposte-colis.fr", &h));
	assert_string_equal(pi_watcher_brand_domain(w, h.brand), "laposte.fr");
	pi_watcher_free(w);
}

static void watch_never_flags_legitimate_or_unrelated(void **state)
{
	pi_watcher *w = new_watcher();
	struct pi_watch_hit h;
	const char *quiet[] = {"usps.com", "tools.usps.com", "USPS.COM.", "uspis.gov",
	        "www.uspis.gov", "royalmail.com", "royalmail.co.uk", "parcels.royalmail.co.uk",
	        "canadapost.ca", "post.ch", "example.com", "mailbox.org", "host.ch", "lost.io",
	        "most.com", "postman.com", "bestpost.com", "not a name", "", "a..b.com", "com",
	        "usps"};

	(void)state;
	for (size_t i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++)
		if (check(w, quiet[i], &h))
			fail_msg("'%s' was flagged as %s", quiet[i],
			        pi_watcher_brand_domain(w, h.brand));
	pi_watcher_free(w);
}

static void threshold_filters_weak_hits(void **state)
{
	pi_watcher *w = new_watcher();
	struct pi_watch_hit h;

	(void)state;
	assert_true(check(w, "lapost.fr", &h));
	assert_true(h.score < 0.9);
	pi_watcher_set_threshold(w, 0.9);
	assert_false(check(w, "lapost.fr", &h));
	assert_true(check(w, "royalrnail.com", &h));
	pi_watcher_free(w);
}

static void refuses_bad_brands_files(void **state)
{
	pi_watcher *w = NULL;
	struct pi_error err;

	(void)state;
	assert_int_equal(
	        pi_watcher_new("usps.com\nnot_a_domain x\n", 24, &w, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "line 2"));
	assert_null(w);
	assert_int_equal(pi_watcher_new("# nothing\n\n", 11, &w, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "no brands"));
	assert_int_equal(pi_watcher_new("usps.com us\n", 12, &w, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "3 to 63"));
	assert_int_equal(pi_watcher_new("co.uk\n", 6, &w, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "public suffix"));
	assert_int_equal(pi_watcher_load("/nonexistent/brands.txt", &w, &err), PI_ERR_IO);
	assert_non_null(strstr(err.message, "cannot open"));
}

static void builds_stix_indicators(void **state)
{
	struct pi_publish_item items[2] = {
	        {"usps-track.shop", "usps.com"}, {"royalrnail.com", "royalmail.com"}};
	char *json = NULL;
	cJSON *root = NULL, *ind;
	struct pi_error err;
	const char *green = pi_tlp2_marking_id("green");

	(void)state;
	assert_string_equal(green, "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
	assert_string_equal(pi_tlp2_marking_id("amber+strict"),
	        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003");
	assert_null(pi_tlp2_marking_id("white"));
	/* 2024-05-06T07:08:09.123456Z */
	assert_int_equal(
	        pi_lookalike_indicators_json(items, 2, green, 1714979289123456LL, &json, &err),
	        PI_OK);
	assert_int_equal(pi_json_parse(json, strlen(json), 16, &root, &err), PI_OK);
	cJSON *objects = cJSON_GetObjectItemCaseSensitive(root, "objects");
	assert_int_equal(cJSON_GetArraySize(objects), 2);
	ind = cJSON_GetArrayItem(objects, 0);
	assert_string_equal(pi_json_get_string(ind, "type"), "indicator");
	assert_string_equal(pi_json_get_string(ind, "spec_version"), "2.1");
	assert_string_equal(
	        pi_json_get_string(ind, "pattern"), "[domain-name:value = 'usps-track.shop']");
	assert_string_equal(pi_json_get_string(ind, "pattern_type"), "stix");
	assert_string_equal(pi_json_get_string(ind, "created"), "2024-05-06T07:08:09.123Z");
	assert_string_equal(pi_json_get_string(ind, "modified"), "2024-05-06T07:08:09.123Z");
	assert_string_equal(pi_json_get_string(ind, "valid_from"), "2024-05-06T07:08:09.123Z");
	const char *id = pi_json_get_string(ind, "id");
	assert_int_equal(strlen(id), strlen("indicator--") + 36);
	assert_int_equal(id[strlen("indicator--") + 14], '4'); /* uuid v4 */
	assert_non_null(strstr(pi_json_get_string(ind, "description"), "usps.com"));
	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ind, "labels"), 1)->valuestring,
	        "lookalike");
	assert_string_equal(
	        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ind, "object_marking_refs"), 0)
	                ->valuestring,
	        green);
	assert_string_not_equal(id, pi_json_get_string(cJSON_GetArrayItem(objects, 1), "id"));
	cJSON_Delete(root);
	free(json);
	items[0].name = "bad'name.com";
	assert_int_equal(
	        pi_lookalike_indicators_json(items, 1, green, 0, &json, &err), PI_ERR_INVALID);
	assert_null(json);
}

static void publish_refuses_bad_options_before_connecting(void **state)
{
	struct pi_publish_item item = {"usps-track.shop", "usps.com"};
	struct pi_publish_options o = {"http://127.0.0.1:9", "tok", "c1", "orange"};
	struct pi_publish_result r;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_lookalike_publish(&o, &item, 1, &r, NULL, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "unknown TLP 'orange'"));
	o.tlp = "red";
	o.token = "";
	assert_int_equal(pi_lookalike_publish(&o, &item, 1, &r, NULL, &err), PI_ERR_AUTH);
	o.token = "tok";
	o.collection = "../x";
	assert_int_equal(pi_lookalike_publish(&o, &item, 1, &r, NULL, &err), PI_ERR_INVALID);
	o.collection = "c1";
	/* nothing listens on port 9: a transport error, reported */
	assert_int_equal(pi_lookalike_publish(&o, &item, 1, &r, NULL, &err), PI_ERR_IO);
	assert_non_null(strstr(err.message, "batch at 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(parses_fuzzer_lists),
	        cmocka_unit_test(checks_host_names),
	        cmocka_unit_test(generates_dnstwist_and_postal_permutations),
	        cmocka_unit_test(homoglyphs_cover_two_rounds),
	        cmocka_unit_test(sorts_by_fuzzer_name_then_domain),
	        cmocka_unit_test(homoglyph_pairs_in_either_order),
	        cmocka_unit_test(refuses_labels_with_too_many_candidates),
	        cmocka_unit_test(uses_dictionary_and_tld_lists),
	        cmocka_unit_test(refuses_what_is_not_a_domain),
	        cmocka_unit_test(skeletons_agree_with_icu),
	        cmocka_unit_test(watch_finds_lookalikes_with_reasons),
	        cmocka_unit_test(watch_never_flags_legitimate_or_unrelated),
	        cmocka_unit_test(threshold_filters_weak_hits),
	        cmocka_unit_test(refuses_bad_brands_files),
	        cmocka_unit_test(builds_stix_indicators),
	        cmocka_unit_test(publish_refuses_bad_options_before_connecting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
