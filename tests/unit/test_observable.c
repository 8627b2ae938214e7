#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/observable.h"

static void ok_as(enum pi_observable_kind kind, const struct pi_observable_options *opt,
        const char *in, const char *want)
{
	char out[PI_OBSERVABLE_MAX_OUTPUT];
	struct pi_error err;
	size_t len = 99;

	if (pi_observable_normalize(kind, in, strlen(in), opt, out, sizeof(out), &len, &err) !=
	        PI_OK)
		fail_msg("%s %s refused: %s", pi_observable_kind_name(kind), in, err.message);
	if (strcmp(out, want) != 0)
		fail_msg("%s %s: want %s, got %s", pi_observable_kind_name(kind), in, want, out);
	assert_int_equal(len, strlen(want));
}

static void ok(enum pi_observable_kind kind, const char *in, const char *want)
{
	ok_as(kind, NULL, in, want);
}

static void bad_as(enum pi_observable_kind kind, const struct pi_observable_options *opt,
        const char *in, const char *reason)
{
	char out[PI_OBSERVABLE_MAX_OUTPUT];
	struct pi_error err;
	size_t len = 99;

	if (pi_observable_normalize(kind, in, strlen(in), opt, out, sizeof(out), &len, &err) ==
	        PI_OK)
		fail_msg("%s %s accepted as %s", pi_observable_kind_name(kind), in, out);
	assert_int_equal(err.status, PI_ERR_INVALID);
	if (!strstr(err.message, reason))
		fail_msg("%s %s: want reason '%s', got '%s'", pi_observable_kind_name(kind), in,
		        reason, err.message);
	assert_string_equal(out, "");
	assert_int_equal(len, 0);
	/* and without an error struct (the scanner's hot path) */
	assert_int_equal(
	        pi_observable_normalize(kind, in, strlen(in), opt, out, sizeof(out), NULL, NULL),
	        PI_ERR_INVALID);
}

static void bad(enum pi_observable_kind kind, const char *in, const char *reason)
{
	bad_as(kind, NULL, in, reason);
}

static void ipv4(void **state)
{
	(void)state;
	ok(PI_OBSERVABLE_IPV4, "192.0.2.1", "192.0.2.1");
	ok(PI_OBSERVABLE_IPV4, "0.0.0.0", "0.0.0.0");
	ok(PI_OBSERVABLE_IPV4, "255.255.255.255", "255.255.255.255");
	bad(PI_OBSERVABLE_IPV4, "010.0.0.1", "leading zeros");
	bad(PI_OBSERVABLE_IPV4, "10.0.0.01", "leading zeros");
	bad(PI_OBSERVABLE_IPV4, "256.0.0.1", "at most 255");
	bad(PI_OBSERVABLE_IPV4, "1.2.3.1000", "at most 255");
	bad(PI_OBSERVABLE_IPV4, "1.2.3", "four");
	bad(PI_OBSERVABLE_IPV4, "1.2.3.4.5", "exactly four parts");
	bad(PI_OBSERVABLE_IPV4, "1.2.3.", "four decimal parts");
	bad(PI_OBSERVABLE_IPV4, "", "four decimal parts");
	bad(PI_OBSERVABLE_IPV4, " 1.2.3.4", "four decimal parts");
	bad(PI_OBSERVABLE_IPV4, "1.2.3.4 ", "exactly four parts");
	bad(PI_OBSERVABLE_IPV4, "0x1.2.3.4", "four parts separated by '.'");
	bad(PI_OBSERVABLE_IPV4, "1.2.3.4/32", "no '/prefix'");
	bad(PI_OBSERVABLE_IPV4, "3232235777", "at most 255");
}

static void ipv6(void **state)
{
	(void)state;
	ok(PI_OBSERVABLE_IPV6, "::", "::");
	ok(PI_OBSERVABLE_IPV6, "::1", "::1");
	ok(PI_OBSERVABLE_IPV6, "1::", "1::");
	ok(PI_OBSERVABLE_IPV6, "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	ok(PI_OBSERVABLE_IPV6, "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	ok(PI_OBSERVABLE_IPV6, "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	ok(PI_OBSERVABLE_IPV6, "2001:db8::0:1", "2001:db8::1");
	ok(PI_OBSERVABLE_IPV6, "2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	ok(PI_OBSERVABLE_IPV6, "0:0:0:0:0:0:0:0", "::");
	ok(PI_OBSERVABLE_IPV6, "1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
	ok(PI_OBSERVABLE_IPV6, "::ffff:1.2.3.4", "::ffff:1.2.3.4");
	ok(PI_OBSERVABLE_IPV6, "::FFFF:0102:0304", "::ffff:1.2.3.4");
	ok(PI_OBSERVABLE_IPV6, "::1.2.3.4", "::102:304");
	ok(PI_OBSERVABLE_IPV6, "64:ff9b::192.0.2.33", "64:ff9b::c000:221");
	ok(PI_OBSERVABLE_IPV6, "fe80:0:0:0:0:0:0:0", "fe80::");
	bad(PI_OBSERVABLE_IPV6, "fe80::1%eth0", "zone ids");
	bad(PI_OBSERVABLE_IPV6, "fe80::1%25eth0", "zone ids");
	bad(PI_OBSERVABLE_IPV6, "[::1]", "without brackets");
	bad(PI_OBSERVABLE_IPV6, "1::2::3", "only once");
	bad(PI_OBSERVABLE_IPV6, ":1::", "single ':'");
	bad(PI_OBSERVABLE_IPV6, "1:2:3:4:5:6:7:8:9", "at most 8 groups");
	bad(PI_OBSERVABLE_IPV6, "1:2:3:4:5:6:7", "8 groups");
	bad(PI_OBSERVABLE_IPV6, "1:2:3:4:5:6:7:8::", "at least one group");
	bad(PI_OBSERVABLE_IPV6, "12345::", "1-4 hex digits");
	bad(PI_OBSERVABLE_IPV6, "1:2:", "single ':'");
	bad(PI_OBSERVABLE_IPV6, "g::", "1-4 hex digits");
	bad(PI_OBSERVABLE_IPV6, "::ffff:01.2.3.4", "leading zeros");
	bad(PI_OBSERVABLE_IPV6, "1:2:3:4:5:6:7:1.2.3.4", "too many groups");
	bad(PI_OBSERVABLE_IPV6, ":", "too short");
}

static void cidr(void **state)
{
	struct pi_observable_options strict = {.flags = PI_OBSERVABLE_STRICT_CIDR};

	(void)state;
	ok(PI_OBSERVABLE_IPV4_CIDR, "192.168.0.0/24", "192.168.0.0/24");
	ok(PI_OBSERVABLE_IPV4_CIDR, "192.168.0.1/24", "192.168.0.0/24"); /* masked */
	ok(PI_OBSERVABLE_IPV4_CIDR, "10.1.2.3/8", "10.0.0.0/8");
	ok(PI_OBSERVABLE_IPV4_CIDR, "203.0.113.33/32", "203.0.113.33");
	ok(PI_OBSERVABLE_IPV4_CIDR, "203.0.113.33", "203.0.113.33");
	ok(PI_OBSERVABLE_IPV4_CIDR, "1.2.3.4/0", "0.0.0.0/0");
	ok(PI_OBSERVABLE_IPV4_CIDR, "255.255.255.255/31", "255.255.255.254/31");
	ok(PI_OBSERVABLE_IPV6_CIDR, "2001:0db8:dead:beef:0000:0000:0000:0000/64",
	        "2001:db8:dead:beef::/64");
	ok(PI_OBSERVABLE_IPV6_CIDR, "2001:db8::1/32", "2001:db8::/32");
	ok(PI_OBSERVABLE_IPV6_CIDR, "2001:db8::1/128", "2001:db8::1");
	ok(PI_OBSERVABLE_IPV6_CIDR, "2001:db8:ffff::/33", "2001:db8:8000::/33");
	ok(PI_OBSERVABLE_IPV6_CIDR, "::/0", "::/0");
	ok_as(PI_OBSERVABLE_IPV4_CIDR, &strict, "192.168.0.0/24", "192.168.0.0/24");
	bad_as(PI_OBSERVABLE_IPV4_CIDR, &strict, "192.168.0.1/24", "bits set after the /24 prefix");
	bad_as(PI_OBSERVABLE_IPV6_CIDR, &strict, "2001:db8::1/64", "bits set after the /64 prefix");
	bad(PI_OBSERVABLE_IPV4_CIDR, "1.2.3.4/33", "must be 0-32");
	bad(PI_OBSERVABLE_IPV4_CIDR, "1.2.3.4/", "must be 0-32");
	bad(PI_OBSERVABLE_IPV4_CIDR, "1.2.3.4/-1", "must be 0-32");
	bad(PI_OBSERVABLE_IPV4_CIDR, "1.2.3.4/08", "leading zeros");
	bad(PI_OBSERVABLE_IPV4_CIDR, "1.2.3.4/1000", "must be 0-32");
	bad(PI_OBSERVABLE_IPV6_CIDR, "::/129", "must be 0-128");
	bad(PI_OBSERVABLE_IPV4_CIDR, "1.2.3.04/8", "leading zeros");
}

static void ip_parse_for_scanner(void **state)
{
	uint8_t a[16];
	int family = 0;
	struct pi_error err;
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	(void)state;
	assert_int_equal(pi_observable_ip_parse("10.0.0.1", 8, a, &family, &err), PI_OK);
	assert_int_equal(family, 4);
	assert_int_equal(a[0], 10);
	assert_int_equal(a[3], 1);
	assert_int_equal(pi_observable_ip_parse("2001:db8::1", 11, a, &family, &err), PI_OK);
	assert_int_equal(family, 6);
	assert_memory_equal(a, v6, 16);
	/* length is honoured: no NUL needed */
	assert_int_equal(pi_observable_ip_parse("10.0.0.1,more", 8, a, &family, &err), PI_OK);
	assert_int_equal(
	        pi_observable_ip_parse("10.0.0.256", 10, a, &family, &err), PI_ERR_INVALID);
}

static void domains(void **state)
{
	char label63[80], label64[80], long_name[300];

	(void)state;
	ok(PI_OBSERVABLE_DOMAIN, "Example.COM", "example.com");
	ok(PI_OBSERVABLE_DOMAIN, "example.com.", "example.com");
	ok(PI_OBSERVABLE_DOMAIN, "a-b.c0.example", "a-b.c0.example");
	ok(PI_OBSERVABLE_DOMAIN, "com", "com");
	ok(PI_OBSERVABLE_DOMAIN, "www.5z8.info", "www.5z8.info");
	ok(PI_OBSERVABLE_DOMAIN,
	        "b\xc3\xbc"
	        "cher.example",
	        "xn--bcher-kva.example");
	ok(PI_OBSERVABLE_DOMAIN,
	        "B\xc3\x9c"
	        "CHER.Example.",
	        "xn--bcher-kva.example");
	ok(PI_OBSERVABLE_DOMAIN, "xn--bcher-kva.example", "xn--bcher-kva.example");
	ok(PI_OBSERVABLE_DOMAIN, "XN--BCHER-KVA.EXAMPLE", "xn--bcher-kva.example");
	ok(PI_OBSERVABLE_DOMAIN, "fa\xc3\x9f.de",
	        "xn--fa-hia.de"); /* non-transitional: keeps sharp s */
	ok(PI_OBSERVABLE_DOMAIN, "\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
	        "xn--r8jz45g.xn--zckzah");
	/* ideographic full stop is a label separator under UTS #46 */
	ok(PI_OBSERVABLE_DOMAIN,
	        "b\xc3\xbc"
	        "cher\xe3\x80\x82"
	        "example",
	        "xn--bcher-kva.example");
	memset(label63, 'a', 63);
	memcpy(label63 + 63, ".com", 5);
	ok(PI_OBSERVABLE_DOMAIN, label63, label63);
	memset(label64, 'a', 64);
	memcpy(label64 + 64, ".com", 5);
	bad(PI_OBSERVABLE_DOMAIN, label64, "at most 63 characters");
	for (int i = 0; i < 63; i++)
		memcpy(long_name + 4 * i, "abc.", 4);
	memcpy(long_name + 252, "ab", 3); /* 254 characters */
	bad(PI_OBSERVABLE_DOMAIN, long_name, "at most 253 characters");
	long_name[253] = '\0'; /* 253 characters */
	ok(PI_OBSERVABLE_DOMAIN, long_name, long_name);
	bad(PI_OBSERVABLE_DOMAIN, "", "empty");
	bad(PI_OBSERVABLE_DOMAIN, ".", "empty");
	bad(PI_OBSERVABLE_DOMAIN, "example..com", "empty label");
	bad(PI_OBSERVABLE_DOMAIN, ".example.com", "empty label");
	bad(PI_OBSERVABLE_DOMAIN, "example.com..", "empty label");
	bad(PI_OBSERVABLE_DOMAIN, "-example.com", "start or end with '-'");
	bad(PI_OBSERVABLE_DOMAIN, "example-.com", "start or end with '-'");
	bad(PI_OBSERVABLE_DOMAIN, "ex_ample.com", "'_' is not allowed");
	bad(PI_OBSERVABLE_DOMAIN, "ex ample.com", "' ' is not allowed");
	bad(PI_OBSERVABLE_DOMAIN, "ab--cd.example", "reserved for IDNA");
	bad(PI_OBSERVABLE_DOMAIN, "xn--zz.example", "invalid punycode");
	bad(PI_OBSERVABLE_DOMAIN, "xn--abc-.example", "start or end with '-'");
	bad(PI_OBSERVABLE_DOMAIN, "xn--.example", "start or end with '-'");
	bad(PI_OBSERVABLE_DOMAIN, "xn--a.example", "not a valid internationalised domain name");
	bad(PI_OBSERVABLE_DOMAIN, "1.2.3.4", "all digits");
	bad(PI_OBSERVABLE_DOMAIN,
	        "b\xc3\xbc"
	        "cher.exa mple",
	        "' ' is not allowed");
	bad(PI_OBSERVABLE_DOMAIN, "\xff.example", "not a valid internationalised");
}

static void domain_parents(void **state)
{
	const char *name = "a.b.example.com";
	const char *want[] = {"b.example.com", "example.com"};
	size_t n = 0;

	(void)state;
	for (const char *d = pi_domain_parent(name); d; d = pi_domain_parent(d)) {
		assert_true(n < 2);
		assert_string_equal(d, want[n]);
		assert_true(d > name && d < name + strlen(name)); /* points into the input */
		n++;
	}
	assert_int_equal(n, 2);
	assert_null(pi_domain_parent("example.com"));
	assert_null(pi_domain_parent("com"));
	assert_null(pi_domain_parent(NULL));
}

static void urls(void **state)
{
	(void)state;
	ok(PI_OBSERVABLE_URL, "HTTP://Example.COM", "http://example.com/");
	ok(PI_OBSERVABLE_URL, "http://example.com:80/a?b#c", "http://example.com/a?b#c");
	ok(PI_OBSERVABLE_URL, "https://example.com:443", "https://example.com/");
	ok(PI_OBSERVABLE_URL, "https://example.com:80/", "https://example.com:80/");
	ok(PI_OBSERVABLE_URL, "http://example.com:8080/Path/To?Q=Upper",
	        "http://example.com:8080/Path/To?Q=Upper");
	ok(PI_OBSERVABLE_URL, "http://example.com:/x", "http://example.com/x");
	ok(PI_OBSERVABLE_URL, "http://example.com:0080/x", "http://example.com/x");
	ok(PI_OBSERVABLE_URL, "http://example.com?q=1", "http://example.com/?q=1");
	ok(PI_OBSERVABLE_URL, "http://example.com#frag", "http://example.com/#frag");
	ok(PI_OBSERVABLE_URL, "http://example.com./", "http://example.com/");
	ok(PI_OBSERVABLE_URL, "http://User:Pass@Example.com/", "http://User:Pass@example.com/");
	ok(PI_OBSERVABLE_URL,
	        "http://b\xc3\xbc"
	        "cher.example/\xc3\xbc",
	        "http://xn--bcher-kva.example/\xc3\xbc");
	ok(PI_OBSERVABLE_URL, "http://[2001:DB8::0001]:8080/x", "http://[2001:db8::1]:8080/x");
	ok(PI_OBSERVABLE_URL, "http://[::1]", "http://[::1]/");
	ok(PI_OBSERVABLE_URL, "http://192.0.2.1:80/", "http://192.0.2.1/");
	ok(PI_OBSERVABLE_URL, "ftp://files.example:21/pub", "ftp://files.example/pub");
	ok(PI_OBSERVABLE_URL, "wss://chat.example:443/s", "wss://chat.example/s");
	ok(PI_OBSERVABLE_URL, "hxxp://example.com:80/", "hxxp://example.com:80/");
	bad(PI_OBSERVABLE_URL, "example.com/path", "authority");
	bad(PI_OBSERVABLE_URL, "mailto:a@example.com", "authority");
	bad(PI_OBSERVABLE_URL, "http://", "no host");
	bad(PI_OBSERVABLE_URL, "http:/", "authority");
	bad(PI_OBSERVABLE_URL, "http:///path", "no host");
	bad(PI_OBSERVABLE_URL, "http://example.com:99999/", "1-65535");
	bad(PI_OBSERVABLE_URL, "http://example.com:0/", "1-65535");
	bad(PI_OBSERVABLE_URL, "http://example.com:8o/", "port must be digits");
	bad(PI_OBSERVABLE_URL, "http://[::1/", "closing ']'");
	bad(PI_OBSERVABLE_URL, "http://[fe80::1%25eth0]/", "URL host: IPv6 zone ids");
	bad(PI_OBSERVABLE_URL, "http://[::1]x/", "only ':port'");
	bad(PI_OBSERVABLE_URL, "http://010.0.0.1/", "URL host: leading zeros");
	bad(PI_OBSERVABLE_URL, "http://exa mple.com/", "spaces or control");
	bad(PI_OBSERVABLE_URL, "http://example.com/a b", "spaces or control");
	bad(PI_OBSERVABLE_URL, "http://ex_ample.com/", "URL host: '_' is not allowed");
	bad(PI_OBSERVABLE_URL, "http://xn--zz.example/", "URL host: not a valid internationalised");
	bad(PI_OBSERVABLE_URL, "1http://example.com/", "scheme");
	bad(PI_OBSERVABLE_URL, "http://example.com/\xc3", "not valid UTF-8");
}

static void emails(void **state)
{
	char local65[100];

	(void)state;
	ok(PI_OBSERVABLE_EMAIL, "John.Doe@Example.COM", "John.Doe@example.com");
	ok(PI_OBSERVABLE_EMAIL, "jdoe+tag@example.com.", "jdoe+tag@example.com");
	ok(PI_OBSERVABLE_EMAIL,
	        "info@b\xc3\xbc"
	        "cher.example",
	        "info@xn--bcher-kva.example");
	ok(PI_OBSERVABLE_EMAIL, "\"john doe\"@example.com", "\"john doe\"@example.com");
	ok(PI_OBSERVABLE_EMAIL, "\"a@b\"@example.com", "\"a@b\"@example.com");
	ok(PI_OBSERVABLE_EMAIL, "j\xc3\xb6rg@example.com", "j\xc3\xb6rg@example.com");
	memset(local65, 'a', 65);
	memcpy(local65 + 65, "@example.com", 13);
	bad(PI_OBSERVABLE_EMAIL, local65, "1-64 characters");
	bad(PI_OBSERVABLE_EMAIL, "example.com", "needs an '@'");
	bad(PI_OBSERVABLE_EMAIL, "@example.com", "1-64 characters");
	bad(PI_OBSERVABLE_EMAIL, "a@", "e-mail domain: the domain name is empty");
	bad(PI_OBSERVABLE_EMAIL, ".a@example.com", "'..'");
	bad(PI_OBSERVABLE_EMAIL, "a.@example.com", "'..'");
	bad(PI_OBSERVABLE_EMAIL, "a..b@example.com", "'..'");
	bad(PI_OBSERVABLE_EMAIL, "a b@example.com", "' ' is not allowed in the local part");
	bad(PI_OBSERVABLE_EMAIL, "a(b)@example.com", "'(' is not allowed");
	bad(PI_OBSERVABLE_EMAIL, "\"a\"b\"@example.com", "must be escaped");
	bad(PI_OBSERVABLE_EMAIL, "a@ex_ample.com", "e-mail domain: '_' is not allowed");
	bad(PI_OBSERVABLE_EMAIL, "a@[192.0.2.1]", "'[' is not allowed");
	bad(PI_OBSERVABLE_EMAIL, "a\xff" "b@example.com", "not valid UTF-8");
	{
		char out[64];
		struct pi_error err;
		assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_EMAIL, "a\0b@example.com",
		                         15, NULL, out, sizeof(out), NULL, &err),
		        PI_ERR_INVALID);
		assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_URL, "http://a.example/\0",
		                         18, NULL, out, sizeof(out), NULL, &err),
		        PI_ERR_INVALID);
		assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_DOMAIN, "a\0.example", 11,
		                         NULL, out, sizeof(out), NULL, &err),
		        PI_ERR_INVALID);
	}
}

static void hashes(void **state)
{
	(void)state;
	ok(PI_OBSERVABLE_MD5, "CEAD3F77F6CDA6EC00F57D76C9A6879F",
	        "cead3f77f6cda6ec00f57d76c9a6879f");
	ok(PI_OBSERVABLE_SHA1, "3395856CE81F2B7382DEE72602F798B642F14140",
	        "3395856ce81f2b7382dee72602f798b642f14140");
	ok(PI_OBSERVABLE_SHA256, "AEC070645FE53EE3B3763059376134F058CC337247C978ADD178B6CCDFB0019F",
	        "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f");
	ok(PI_OBSERVABLE_SHA512,
	        "CF83E1357EEFB8BDF1542850D66D8007D620E4050B5715DC83F4A921D36CE9CE47D0D13C5D85F2B0FF"
	        "8318D2877EEC2F63B931BD47417A81A538327AF927DA3E",
	        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff"
	        "8318d2877eec2f63b931bd47417a81a538327af927da3e");
	bad(PI_OBSERVABLE_MD5, "cead3f77f6cda6ec00f57d76c9a6879",
	        "an MD5 hash is 32 hex digits, not 31");
	bad(PI_OBSERVABLE_MD5, "zead3f77f6cda6ec00f57d76c9a6879f", "hex digits only");
	bad(PI_OBSERVABLE_SHA1, "3395856ce81f2b7382dee72602f798b642f1414",
	        "a SHA-1 hash is 40 hex digits");
	bad(PI_OBSERVABLE_SHA256,
	        "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f0",
	        "64 hex digits, not 65");
	bad(PI_OBSERVABLE_SHA512, "", "128 hex digits, not 0");
	bad(PI_OBSERVABLE_SHA256,
	        "gec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f",
	        "hex digits only");
}

static void phones(void **state)
{
	struct pi_observable_options nl = {.default_calling_code = 31};
	struct pi_observable_options it = {.default_calling_code = 39};
	struct pi_observable_options us = {.default_calling_code = 1};

	(void)state;
	ok(PI_OBSERVABLE_PHONE, "+44 20 7946 0958", "+442079460958");
	ok(PI_OBSERVABLE_PHONE, "+1 (800) 555-0199", "+18005550199");
	ok(PI_OBSERVABLE_PHONE, "+31.6.1234.5678", "+31612345678");
	ok(PI_OBSERVABLE_PHONE, "0044 20 7946 0958", "+442079460958");
	ok(PI_OBSERVABLE_PHONE, " +49/30/123456 ", "+4930123456");
	ok(PI_OBSERVABLE_PHONE, "+123456789012345", "+123456789012345");
	ok_as(PI_OBSERVABLE_PHONE, &nl, "06-12345678", "+31612345678");
	ok_as(PI_OBSERVABLE_PHONE, &nl, "+44 20 7946 0958", "+442079460958");
	ok_as(PI_OBSERVABLE_PHONE, &it, "06 1234 5678", "+390612345678");
	ok_as(PI_OBSERVABLE_PHONE, &us, "(800) 555-0199", "+18005550199");
	bad(PI_OBSERVABLE_PHONE, "06-12345678", "no country code");
	bad(PI_OBSERVABLE_PHONE, "+1234567", "8-15 digits with its country code, not 7");
	bad(PI_OBSERVABLE_PHONE, "+1234567890123456", "8-15 digits");
	bad(PI_OBSERVABLE_PHONE, "+12345678901234567890", "at most 15 digits");
	bad(PI_OBSERVABLE_PHONE, "+0123456789", "cannot start with 0");
	bad(PI_OBSERVABLE_PHONE, "+1 800 FLOWERS", "'F' is not allowed");
	bad(PI_OBSERVABLE_PHONE, "+1 800 555 0199 x12", "'x' is not allowed");
	bad(PI_OBSERVABLE_PHONE, "1+8005550199", "only allowed at the start");
	bad(PI_OBSERVABLE_PHONE, "", "no country code");
	bad_as(PI_OBSERVABLE_PHONE, &nl, "0", "no digits");
	bad_as(PI_OBSERVABLE_PHONE, &us, "123456789012345", "at most 15 digits");
}

static void sms_senders(void **state)
{
	struct pi_observable_options nl = {.default_calling_code = 31};

	(void)state;
	ok(PI_OBSERVABLE_SMS_SENDER, "PostNL", "postnl");
	ok(PI_OBSERVABLE_SMS_SENDER, " USPS ", "usps");
	ok(PI_OBSERVABLE_SMS_SENDER, "Royal-Mail", "royal-mail");
	ok(PI_OBSERVABLE_SMS_SENDER, "DHL Express", "dhl express");
	ok(PI_OBSERVABLE_SMS_SENDER, "28777", "28777");
	ok(PI_OBSERVABLE_SMS_SENDER, "123", "123");
	ok(PI_OBSERVABLE_SMS_SENDER, "12345678", "12345678");
	ok(PI_OBSERVABLE_SMS_SENDER, "+44 7700 900123", "+447700900123");
	ok_as(PI_OBSERVABLE_SMS_SENDER, &nl, "0612345678", "+31612345678");
	bad(PI_OBSERVABLE_SMS_SENDER, "ParcelDelivery", "at most 11 characters");
	bad(PI_OBSERVABLE_SMS_SENDER, "Post@NL", "'@' is not allowed");
	bad(PI_OBSERVABLE_SMS_SENDER, "12", "3-8 digits");
	bad(PI_OBSERVABLE_SMS_SENDER, "   ", "empty");
	bad(PI_OBSERVABLE_SMS_SENDER, "0612345678", "no country code");
}

static void caps_and_buffers(void **state)
{
	char small[8], big[PI_OBSERVABLE_MAX_INPUT + 2];
	struct pi_error err;
	size_t len = 5;

	(void)state;
	assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_DOMAIN, "example.com", 11, NULL,
	                         small, sizeof(small), &len, &err),
	        PI_ERR_TOOBIG);
	assert_string_equal(err.message, "the output buffer of 8 bytes is too small");
	assert_string_equal(small, "");
	assert_int_equal(len, 0);
	assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_DOMAIN, "example", 7, NULL, small,
	                         sizeof(small), &len, &err),
	        PI_OK);
	assert_string_equal(small, "example");
	memset(big, 'a', sizeof(big));
	assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_URL, big, sizeof(big), NULL, small,
	                         sizeof(small), NULL, &err),
	        PI_ERR_TOOBIG);
	assert_non_null(strstr(err.message, "longer than 8192 bytes"));
	assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_NONE, "x", 1, NULL, small,
	                         sizeof(small), NULL, &err),
	        PI_ERR_INVALID);
	assert_int_equal(pi_observable_normalize(
	                         PI_OBSERVABLE_IPV4, "1.2.3.4", 7, NULL, small, 0, NULL, &err),
	        PI_ERR_TOOBIG);
	/* input is (pointer, length): no NUL needed, nothing read past len */
	assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_IPV4, "1.2.3.4xyz", 7, NULL, small,
	                         sizeof(small), NULL, &err),
	        PI_OK);
	assert_string_equal(small, "1.2.3.4");
}

static void term_mapping_and_names(void **state)
{
	(void)state;
	assert_int_equal(
	        pi_observable_kind_for_term("ipv4-addr", "value"), PI_OBSERVABLE_IPV4_CIDR);
	assert_int_equal(
	        pi_observable_kind_for_term("ipv6-addr", "value"), PI_OBSERVABLE_IPV6_CIDR);
	assert_int_equal(pi_observable_kind_for_term("domain-name", "value"), PI_OBSERVABLE_DOMAIN);
	assert_int_equal(pi_observable_kind_for_term("url", "value"), PI_OBSERVABLE_URL);
	assert_int_equal(pi_observable_kind_for_term("email-addr", "value"), PI_OBSERVABLE_EMAIL);
	assert_int_equal(pi_observable_kind_for_term("email-message", "from_ref.value"),
	        PI_OBSERVABLE_EMAIL);
	assert_int_equal(pi_observable_kind_for_term("email-message", "to_refs[*].value"),
	        PI_OBSERVABLE_EMAIL);
	assert_int_equal(pi_observable_kind_for_term("file", "hashes.MD5"), PI_OBSERVABLE_MD5);
	assert_int_equal(pi_observable_kind_for_term("file", "hashes.'SHA-1'"), PI_OBSERVABLE_SHA1);
	assert_int_equal(
	        pi_observable_kind_for_term("file", "hashes.'SHA-256'"), PI_OBSERVABLE_SHA256);
	assert_int_equal(
	        pi_observable_kind_for_term("file", "hashes.SHA256"), PI_OBSERVABLE_SHA256);
	assert_int_equal(
	        pi_observable_kind_for_term("file", "hashes.'sha-512'"), PI_OBSERVABLE_SHA512);
	assert_int_equal(pi_observable_kind_for_term("artifact", "hashes.MD5"), PI_OBSERVABLE_MD5);
	assert_int_equal(
	        pi_observable_kind_for_term("x-phone-number", "value"), PI_OBSERVABLE_PHONE);
	assert_int_equal(pi_observable_kind_for_term("phone-number", "value"), PI_OBSERVABLE_PHONE);
	assert_int_equal(
	        pi_observable_kind_for_term("x-sms-sender", "value"), PI_OBSERVABLE_SMS_SENDER);
	assert_int_equal(
	        pi_observable_kind_for_term("file", "hashes.'SHA3-256'"), PI_OBSERVABLE_NONE);
	assert_int_equal(pi_observable_kind_for_term("file", "hashes[*]"), PI_OBSERVABLE_NONE);
	assert_int_equal(pi_observable_kind_for_term("file", "name"), PI_OBSERVABLE_NONE);
	assert_int_equal(pi_observable_kind_for_term("file", "hashes.MD5.x"), PI_OBSERVABLE_NONE);
	assert_int_equal(pi_observable_kind_for_term("url", "name"), PI_OBSERVABLE_NONE);
	assert_int_equal(pi_observable_kind_for_term(NULL, "value"), PI_OBSERVABLE_NONE);
	for (int k = PI_OBSERVABLE_IPV4; k <= PI_OBSERVABLE_SMS_SENDER; k++)
		assert_int_equal(pi_observable_kind_from_name(pi_observable_kind_name(k)), k);
	assert_string_equal(pi_observable_kind_name(PI_OBSERVABLE_SMS_SENDER), "sms-sender");
	assert_int_equal(pi_observable_kind_from_name("nope"), PI_OBSERVABLE_NONE);
	assert_string_equal(pi_observable_kind_name((enum pi_observable_kind)99), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(ipv4),
	        cmocka_unit_test(ipv6),
	        cmocka_unit_test(cidr),
	        cmocka_unit_test(ip_parse_for_scanner),
	        cmocka_unit_test(domains),
	        cmocka_unit_test(domain_parents),
	        cmocka_unit_test(urls),
	        cmocka_unit_test(emails),
	        cmocka_unit_test(hashes),
	        cmocka_unit_test(phones),
	        cmocka_unit_test(sms_senders),
	        cmocka_unit_test(caps_and_buffers),
	        cmocka_unit_test(term_mapping_and_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
