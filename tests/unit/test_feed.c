/* Unit tests of the feed writers (intel/feed.h): exact output for sample indicators. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intel/feed.h"

#define NOW 1767225600000000LL /* 2026-01-01T00:00:00Z */
#define ID "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"

static struct pi_feed_value val(enum pi_observable_kind kind, const char *value)
{
	struct pi_feed_value v;

	memset(&v, 0, sizeof(v));
	v.kind = kind;
	v.value = value;
	v.indicator_id = ID;
	v.name = "Smishing lure";
	v.tlp = PI_TLP_GREEN;
	v.labels = "phishing,smishing";
	v.valid_from = "2026-01-01T00:00:00Z";
	return v;
}

/* Writes one value with a fresh writer; returns the text (static buffer). */
static const char *one(enum pi_feed_format f, enum pi_observable_kind kind, const char *value)
{
	static char text[8192];
	struct pi_feed_writer w;
	struct pi_feed_value v = val(kind, value);
	struct pi_buf b;
	struct pi_error err;

	assert_int_equal(pi_feed_writer_init(&w, f, NULL, 0, NOW, &err), PI_OK);
	pi_buf_init(&b, 1 << 20);
	assert_int_equal(pi_feed_writer_value(&w, &v, &b), PI_OK);
	snprintf(text, sizeof(text), "%s", b.data ? b.data : "");
	pi_buf_free(&b);
	return text;
}

static void suricata_domain_rules(void **state)
{
	(void)state;
	assert_string_equal(one(PI_FEED_SURICATA, PI_OBSERVABLE_DOMAIN, "evil.example"),
	        "alert dns any any -> any any (msg:\"postisac domain evil.example (DNS query)\"; "
	        "dns.query; dotprefix; content:\".evil.example\"; nocase; endswith; "
	        "metadata:postisac_indicator " ID ", tlp green; sid:1000000; rev:1;)\n"
	        "alert tls any any -> any any (msg:\"postisac domain evil.example (TLS SNI)\"; "
	        "tls.sni; dotprefix; content:\".evil.example\"; nocase; endswith; "
	        "metadata:postisac_indicator " ID ", tlp green; sid:1000001; rev:1;)\n"
	        "alert http any any -> any any (msg:\"postisac domain evil.example (HTTP Host)\"; "
	        "http.host; dotprefix; content:\".evil.example\"; endswith; "
	        "metadata:postisac_indicator " ID ", tlp green; sid:1000002; rev:1;)\n");
}

static void suricata_address_url_and_skips(void **state)
{
	(void)state;
	assert_string_equal(one(PI_FEED_SURICATA, PI_OBSERVABLE_IPV4, "192.0.2.1"),
	        "alert ip any any <> 192.0.2.1 any (msg:\"postisac ipv4 192.0.2.1 (traffic)\"; "
	        "metadata:postisac_indicator " ID ", tlp green; sid:1000000; rev:1;)\n");
	assert_string_equal(one(PI_FEED_SURICATA, PI_OBSERVABLE_IPV6_CIDR, "2001:db8::/32"),
	        "alert ip any any <> 2001:db8::/32 any (msg:\"postisac ipv6-cidr 2001:db8::/32 "
	        "(traffic)\"; metadata:postisac_indicator " ID
	        ", tlp green; sid:1000000; rev:1;)\n");
	/* reserved characters: escaped in msg, hex in content; the fragment is not sent */
	assert_string_equal(one(PI_FEED_SURICATA, PI_OBSERVABLE_URL,
	                            "http://u@bad.example:8080/a;b\"c|d?q=1#frag"),
	        "alert http any any -> any any (msg:\"postisac url "
	        "http://u@bad.example:8080/a\\;b\\\"c|d?q=1#frag (HTTP request)\"; http.host; "
	        "content:\"bad.example\"; bsize:11; http.uri.raw; "
	        "content:\"/a|3B|b|22|c|7C|d?q=1\"; "
	        "startswith; metadata:postisac_indicator " ID
	        ", tlp green; sid:1000000; rev:1;)\n");
	/* what a rule cannot express is left out */
	assert_string_equal(one(PI_FEED_SURICATA, PI_OBSERVABLE_URL, "ftp://files.example/x"), "");
	assert_string_equal(one(PI_FEED_SURICATA, PI_OBSERVABLE_URL, "http://[2001:db8::1]/x"), "");
	assert_string_equal(one(PI_FEED_SURICATA, PI_OBSERVABLE_EMAIL, "a@b.example"), "");
	assert_string_equal(
	        one(PI_FEED_SURICATA, PI_OBSERVABLE_MD5, "d41d8cd98f00b204e9800998ecf8427e"), "");
}

static void suricata_sids_count_up_from_base(void **state)
{
	struct pi_feed_writer w;
	struct pi_feed_value v = val(PI_OBSERVABLE_IPV4, "192.0.2.7");
	struct pi_buf b;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_feed_writer_init(&w, PI_FEED_SURICATA, NULL, 5000, NOW, &err), PI_OK);
	pi_buf_init(&b, 1 << 20);
	assert_int_equal(pi_feed_writer_value(&w, &v, &b), PI_OK);
	assert_int_equal(pi_feed_writer_value(&w, &v, &b), PI_OK);
	assert_non_null(strstr(b.data, "sid:5000;"));
	assert_non_null(strstr(b.data, "sid:5001;"));
	assert_int_equal(w.entries, 2);
	pi_buf_free(&b);
}

static void rpz_records(void **state)
{
	struct pi_feed_writer w;
	struct pi_buf b;
	struct pi_error err;

	(void)state;
	assert_string_equal(one(PI_FEED_RPZ, PI_OBSERVABLE_DOMAIN, "evil.example"),
	        "evil.example\tCNAME\t.\n*.evil.example\tCNAME\t.\n");
	assert_string_equal(one(PI_FEED_RPZ, PI_OBSERVABLE_IPV4, "192.0.2.1"),
	        "32.1.2.0.192.rpz-ip\tCNAME\t.\n");
	assert_string_equal(one(PI_FEED_RPZ, PI_OBSERVABLE_IPV4_CIDR, "198.51.100.0/24"),
	        "24.0.100.51.198.rpz-ip\tCNAME\t.\n");
	assert_string_equal(one(PI_FEED_RPZ, PI_OBSERVABLE_IPV6, "2001:db8::1"),
	        "128.1.zz.db8.2001.rpz-ip\tCNAME\t.\n");
	assert_string_equal(one(PI_FEED_RPZ, PI_OBSERVABLE_IPV6_CIDR, "2001:db8:0:0:1::/80"),
	        "80.zz.1.0.0.db8.2001.rpz-ip\tCNAME\t.\n");
	assert_string_equal(one(PI_FEED_RPZ, PI_OBSERVABLE_URL, "http://evil.example/"), "");
	/* the zone head */
	assert_int_equal(
	        pi_feed_writer_init(&w, PI_FEED_RPZ, "RPZ.Example.NET.", 0, NOW, &err), PI_OK);
	pi_buf_init(&b, 1 << 20);
	assert_int_equal(pi_feed_writer_begin(&w, &b), PI_OK);
	assert_non_null(
	        strstr(b.data, "\n$ORIGIN rpz.example.net.\n$TTL 300\n"
	                       "@\tIN\tSOA\tlocalhost. hostmaster.localhost. 1767225600 3600 600 "
	                       "604800 300\n@\tIN\tNS\tlocalhost.\n"));
	pi_buf_free(&b);
	assert_int_equal(
	        pi_feed_writer_init(&w, PI_FEED_RPZ, "not a zone", 0, NOW, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "zone: 'not a zone' is not a domain name"));
}

static void rpz_skips_names_too_long_for_the_zone(void **state)
{
	char name[260];

	(void)state;
	/* 240 characters + "*." + ".rpz.postisac.local." passes 253 */
	memset(name, 'a', 60);
	name[60] = '.';
	memset(name + 61, 'b', 60);
	name[121] = '.';
	memset(name + 122, 'c', 60);
	name[182] = '.';
	memset(name + 183, 'd', 57);
	memcpy(name + 240, ".example", 9);
	assert_string_equal(one(PI_FEED_RPZ, PI_OBSERVABLE_DOMAIN, name), "");
}

static void zeek_lines(void **state)
{
	struct pi_feed_writer w;
	struct pi_buf b;
	struct pi_error err;

	(void)state;
	assert_string_equal(one(PI_FEED_ZEEK, PI_OBSERVABLE_DOMAIN, "evil.example"),
	        "evil.example\tIntel::DOMAIN\tpostisac\tSmishing lure (" ID ", TLP:green)\t-\n");
	assert_string_equal(one(PI_FEED_ZEEK, PI_OBSERVABLE_URL, "https://evil.example/login"),
	        "evil.example/login\tIntel::URL\tpostisac\tSmishing lure (" ID ", TLP:green)\t-\n");
	assert_string_equal(one(PI_FEED_ZEEK, PI_OBSERVABLE_IPV4_CIDR, "10.0.0.0/8"),
	        "10.0.0.0/8\tIntel::SUBNET\tpostisac\tSmishing lure (" ID ", TLP:green)\t-\n");
	assert_string_equal(one(PI_FEED_ZEEK, PI_OBSERVABLE_IPV6, "2001:db8::1"),
	        "2001:db8::1\tIntel::ADDR\tpostisac\tSmishing lure (" ID ", TLP:green)\t-\n");
	assert_string_equal(one(PI_FEED_ZEEK, PI_OBSERVABLE_EMAIL, "a@b.example"),
	        "a@b.example\tIntel::EMAIL\tpostisac\tSmishing lure (" ID ", TLP:green)\t-\n");
	assert_string_equal(
	        one(PI_FEED_ZEEK, PI_OBSERVABLE_SHA256,
	                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
	        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\tIntel::FILE_"
	        "HASH\t"
	        "postisac\tSmishing lure (" ID ", TLP:green)\t-\n");
	assert_string_equal(one(PI_FEED_ZEEK, PI_OBSERVABLE_PHONE, "+4712345678"), "");
	assert_int_equal(pi_feed_writer_init(&w, PI_FEED_ZEEK, NULL, 0, NOW, &err), PI_OK);
	pi_buf_init(&b, 1 << 20);
	assert_int_equal(pi_feed_writer_begin(&w, &b), PI_OK);
	assert_string_equal(
	        b.data, "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n");
	pi_buf_free(&b);
}

static void csv_quoting(void **state)
{
	struct pi_buf b;
	struct pi_feed_writer w;
	struct pi_feed_value v = val(PI_OBSERVABLE_DOMAIN, "evil.example");
	struct pi_error err;

	(void)state;
	pi_buf_init(&b, 1 << 20);
	assert_int_equal(pi_feed_csv_field(&b, "plain"), PI_OK);
	pi_buf_putc(&b, '|');
	assert_int_equal(pi_feed_csv_field(&b, "a,b"), PI_OK);
	pi_buf_putc(&b, '|');
	assert_int_equal(pi_feed_csv_field(&b, "say \"hi\""), PI_OK);
	pi_buf_putc(&b, '|');
	assert_int_equal(pi_feed_csv_field(&b, "two\r\nlines"), PI_OK);
	pi_buf_putc(&b, '|');
	assert_int_equal(pi_feed_csv_field(&b, " padded"), PI_OK);
	pi_buf_putc(&b, '|');
	assert_int_equal(pi_feed_csv_field(&b, ""), PI_OK);
	pi_buf_putc(&b, '|');
	assert_int_equal(pi_feed_csv_field(&b, NULL), PI_OK);
	assert_string_equal(
	        b.data, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\r\nlines\"|\" padded\"||");
	pi_buf_free(&b);

	assert_string_equal(one(PI_FEED_CSV, PI_OBSERVABLE_DOMAIN, "evil.example"),
	        "evil.example,domain," ID ",Smishing lure,green,\"phishing,smishing\","
	        "2026-01-01T00:00:00Z,\r\n");
	assert_int_equal(pi_feed_writer_init(&w, PI_FEED_CSV, NULL, 0, NOW, &err), PI_OK);
	pi_buf_init(&b, 1 << 20);
	v.name = "Lure, \"urgent\"";
	v.labels = NULL;
	assert_int_equal(pi_feed_writer_begin(&w, &b), PI_OK);
	assert_int_equal(pi_feed_writer_value(&w, &v, &b), PI_OK);
	assert_string_equal(b.data,
	        "value,type,indicator_id,name,tlp,labels,valid_from,valid_until\r\n"
	        "evil.example,domain," ID
	        ",\"Lure, \"\"urgent\"\"\",green,,2026-01-01T00:00:00Z,\r\n");
	pi_buf_free(&b);
}

static void list_and_stix_bundle(void **state)
{
	struct pi_feed_writer w;
	struct pi_buf b;
	struct pi_error err;

	(void)state;
	assert_string_equal(
	        one(PI_FEED_LIST, PI_OBSERVABLE_DOMAIN, "evil.example"), "evil.example\n");
	assert_int_equal(pi_feed_writer_init(&w, PI_FEED_STIX, NULL, 0, NOW, &err), PI_OK);
	pi_buf_init(&b, 1 << 20);
	assert_int_equal(pi_feed_writer_begin(&w, &b), PI_OK);
	assert_int_equal(pi_feed_writer_object(&w, "{\"a\":1}", 7, &b), PI_OK);
	assert_int_equal(pi_feed_writer_object(&w, "{\"b\":2}", 7, &b), PI_OK);
	assert_int_equal(pi_feed_writer_end(&w, &b), PI_OK);
	assert_int_equal(strncmp(b.data, "{\"type\":\"bundle\",\"id\":\"bundle--", 31), 0);
	assert_non_null(strstr(b.data, "\",\"objects\":[{\"a\":1},{\"b\":2}]}\n"));
	pi_buf_free(&b);
}

static void format_names(void **state)
{
	enum pi_feed_format f;

	(void)state;
	assert_int_equal(pi_feed_format_parse("suricata", &f), 0);
	assert_int_equal(f, PI_FEED_SURICATA);
	assert_int_equal(pi_feed_format_parse("snort", &f), -1);
	assert_string_equal(
	        pi_feed_content_type(PI_FEED_STIX), "application/stix+json;version=2.1");
	assert_string_equal(pi_feed_file_name(PI_FEED_RPZ), "postisac-rpz.zone");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(suricata_domain_rules),
	        cmocka_unit_test(suricata_address_url_and_skips),
	        cmocka_unit_test(suricata_sids_count_up_from_base),
	        cmocka_unit_test(rpz_records),
	        cmocka_unit_test(rpz_skips_names_too_long_for_the_zone),
	        cmocka_unit_test(zeek_lines),
	        cmocka_unit_test(csv_quoting),
	        cmocka_unit_test(list_and_stix_bundle),
	        cmocka_unit_test(format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
