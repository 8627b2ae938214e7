/* Unit tests for scan/fastnorm: the fast URL and e-mail normalisers must agree with
 * pi_observable_normalize case by case (1: same bytes, 0: the hub refuses too), and must
 * answer (not fall back) for the shapes logs are full of. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/observable.h"
#include "scan/fastnorm.h"

struct tally {
	size_t cases, fast, refused, unsure;
};

/* Compares the fast URL path with the hub on in[0..n); the fast path gets exactly n + 2 bytes
 * so that ASan sees any write past its promise. */
static void check_url(const char *in, size_t n, struct tally *t)
{
	char slow[PI_OBSERVABLE_MAX_OUTPUT];
	size_t slen = 0;
	char *fast = malloc(n + 2);
	struct pi_scan_url_parts parts;
	pi_status st;
	int rc;

	assert_non_null(fast);
	memset(&parts, 0, sizeof(parts));
	rc = pi_scan_url_fast(in, n, fast, n + 2, &parts);
	st = pi_observable_normalize(
	        PI_OBSERVABLE_URL, in, n, NULL, slow, sizeof(slow), &slen, NULL);
	t->cases++;
	if (rc == 1) {
		size_t off, hlen;
		uint8_t a[16];
		int family = 0;
		t->fast++;
		if (st != PI_OK || parts.len != slen || memcmp(fast, slow, slen + 1) != 0)
			fail_msg("URL '%.*s': fast gives '%s', hub says %d '%s'", (int)n, in, fast,
			        (int)st, slow);
		off = pi_scan_url_host(slow, slen, &hlen);
		if (parts.host_off != off || parts.host_len != hlen)
			fail_msg("URL '%.*s': host at %zu+%zu, want %zu+%zu", (int)n, in,
			        parts.host_off, parts.host_len, off, hlen);
		if (parts.host_is_ipv4 !=
		        (pi_observable_ip_parse(slow + off, hlen, a, &family, NULL) == PI_OK &&
		                family == 4))
			fail_msg("URL '%.*s': host_is_ipv4 %d is wrong", (int)n, in,
			        parts.host_is_ipv4);
		if (parts.host_is_ipv4 && memcmp(parts.addr, a, 4) != 0)
			fail_msg("URL '%.*s': wrong IPv4 address bytes", (int)n, in);
	} else if (rc == 0) {
		t->refused++;
		if (st == PI_OK)
			fail_msg("URL '%.*s': fast refuses, hub accepts as '%s'", (int)n, in, slow);
	} else {
		assert_int_equal(rc, -1);
		t->unsure++;
	}
	free(fast);
}

static void check_email(const char *in, size_t n, struct tally *t)
{
	char slow[PI_OBSERVABLE_MAX_OUTPUT];
	size_t slen = 0, flen = 0, doff = 0;
	char *fast = malloc(n + 2);
	pi_status st;
	int rc;

	assert_non_null(fast);
	rc = pi_scan_email_fast(in, n, fast, n + 2, &flen, &doff);
	st = pi_observable_normalize(
	        PI_OBSERVABLE_EMAIL, in, n, NULL, slow, sizeof(slow), &slen, NULL);
	t->cases++;
	if (rc == 1) {
		t->fast++;
		if (st != PI_OK || flen != slen || memcmp(fast, slow, slen + 1) != 0)
			fail_msg("e-mail '%.*s': fast gives '%s', hub says %d '%s'", (int)n, in,
			        fast, (int)st, slow);
		if (doff != (size_t)(strrchr(slow, '@') - slow) + 1)
			fail_msg("e-mail '%.*s': domain at %zu", (int)n, in, doff);
	} else if (rc == 0) {
		t->refused++;
		if (st == PI_OK)
			fail_msg("e-mail '%.*s': fast refuses, hub accepts as '%s'", (int)n, in,
			        slow);
	} else {
		assert_int_equal(rc, -1);
		t->unsure++;
	}
	free(fast);
}

/* ---------- targeted cases ---------- */

static void expect_url(const char *in, int want_rc, const char *want, const char *want_host)
{
	char out[PI_OBSERVABLE_MAX_OUTPUT];
	struct pi_scan_url_parts parts;
	struct tally t = {0};
	int rc = pi_scan_url_fast(in, strlen(in), out, sizeof(out), &parts);

	if (rc != want_rc)
		fail_msg("URL '%s': answer %d, want %d", in, rc, want_rc);
	if (rc == 1) {
		assert_string_equal(out, want);
		assert_int_equal(parts.len, strlen(want));
		if (strlen(want_host) != parts.host_len ||
		        memcmp(out + parts.host_off, want_host, parts.host_len) != 0)
			fail_msg("URL '%s': host '%.*s', want '%s'", in, (int)parts.host_len,
			        out + parts.host_off, want_host);
	}
	check_url(in, strlen(in), &t);
}

static void expect_email(const char *in, int want_rc, const char *want)
{
	char out[PI_OBSERVABLE_MAX_OUTPUT];
	size_t len = 0, doff = 0;
	struct tally t = {0};
	int rc = pi_scan_email_fast(in, strlen(in), out, sizeof(out), &len, &doff);

	if (rc != want_rc)
		fail_msg("e-mail '%s': answer %d, want %d", in, rc, want_rc);
	if (rc == 1) {
		assert_string_equal(out, want);
		assert_int_equal(len, strlen(want));
		assert_string_equal(out + doff, strchr(want, '@') + 1);
	}
	check_email(in, strlen(in), &t);
}

static void test_url_common_shapes(void **state)
{
	(void)state;
	expect_url("http://host.example/path?query", 1, "http://host.example/path?query",
	        "host.example");
	expect_url("https://1.2.3.4:8443/x", 1, "https://1.2.3.4:8443/x", "1.2.3.4");
	expect_url("HTTP://WWW.Example.COM./A/B?C=D#E", 1, "http://www.example.com/A/B?C=D#E",
	        "www.example.com");
	/* default ports go, an empty port goes, other ports stay without leading zeros */
	expect_url("http://a.example:80/", 1, "http://a.example/", "a.example");
	expect_url("https://a.example:443", 1, "https://a.example/", "a.example");
	expect_url("ftp://a.example:21/f", 1, "ftp://a.example/f", "a.example");
	expect_url("ws://a.example:80/s", 1, "ws://a.example/s", "a.example");
	expect_url("wss://a.example:443/s", 1, "wss://a.example/s", "a.example");
	expect_url("http://a.example:443/", 1, "http://a.example:443/", "a.example");
	expect_url("https://a.example:80/", 1, "https://a.example:80/", "a.example");
	expect_url("http://a.example:/p", 1, "http://a.example/p", "a.example");
	expect_url("http://a.example:00080/p", 1, "http://a.example/p", "a.example");
	expect_url("http://a.example:08080/p", 1, "http://a.example:8080/p", "a.example");
	expect_url("http://a.example:65535", 1, "http://a.example:65535/", "a.example");
	expect_url("svn+ssh://a.example:80/", 1, "svn+ssh://a.example:80/", "a.example");
	/* an empty path becomes "/", before a query or fragment too */
	expect_url("http://a.example", 1, "http://a.example/", "a.example");
	expect_url("http://a.example?q=1", 1, "http://a.example/?q=1", "a.example");
	expect_url("http://a.example#top", 1, "http://a.example/#top", "a.example");
	expect_url("http://a.example//x", 1, "http://a.example//x", "a.example");
	/* userinfo is kept as written; the host is after its last '@' */
	expect_url("http://User:Pw@Host.example:8080/", 1, "http://User:Pw@host.example:8080/",
	        "host.example");
	expect_url("http://a@b@c.example/", 1, "http://a@b@c.example/", "c.example");
	expect_url(
	        "http://1password.example/", 1, "http://1password.example/", "1password.example");
	expect_url("http://a.b1/", 1, "http://a.b1/", "a.b1");
	/* a long path crosses the 8-byte copy */
	expect_url("http://a.example/0123456789abcdefghijklmnopqrstuvwxyz?q=0123456789", 1,
	        "http://a.example/0123456789abcdefghijklmnopqrstuvwxyz?q=0123456789", "a.example");
}

static void test_url_refusals(void **state)
{
	(void)state;
	expect_url("", 0, NULL, NULL);
	expect_url("http://", 0, NULL, NULL);
	expect_url("http:/a.example/", 0, NULL, NULL);
	expect_url("mailto:a@b.example", 0, NULL, NULL);
	expect_url("1http://a.example/", 0, NULL, NULL);
	expect_url("http://a example/", 0, NULL, NULL);
	expect_url("http://a.example/a b", 0, NULL, NULL);
	expect_url("http://a.example/a\x01", 0, NULL, NULL);
	expect_url("http://a.example/0123456789abcdef\x7f", 0, NULL, NULL);
	expect_url("http://a.example:0/", 0, NULL, NULL);
	expect_url("http://a.example:65536/", 0, NULL, NULL);
	expect_url("http://a.example:123456/", 0, NULL, NULL);
	expect_url("http://a.example:8a/", 0, NULL, NULL);
	expect_url("http://:80/", 0, NULL, NULL);
	expect_url("http://user@/", 0, NULL, NULL);
	expect_url("http://a_b.example/", 0, NULL, NULL);
	expect_url("http://-a.example/", 0, NULL, NULL);
	expect_url("http://a-.example/", 0, NULL, NULL);
	expect_url("http://ab--cd.example/", 0, NULL, NULL);
	expect_url("http://a..example/", 0, NULL, NULL);
	expect_url("http://a.example../", 0, NULL, NULL);
	expect_url("http://a.123/", 0, NULL, NULL);
	expect_url("http://01.2.3.4/", 0, NULL, NULL);
	expect_url("http://256.2.3.4/", 0, NULL, NULL);
	expect_url("http://1.2.3/", 0, NULL, NULL);
	expect_url("http://1.2.3.4./", 0, NULL, NULL);
	expect_url("http://a%41.example/", 0, NULL, NULL);
	expect_url("http://a.example:80:90/", 0, NULL, NULL);
	expect_url("http://a[b.example/", 0, NULL, NULL);
	expect_url("abcdefghijabcdefghijabcdefghijab://a.example/", 0, NULL, NULL);
	expect_url("abcdefghijabcdefghijabcdefghija://a.example/", 1,
	        "abcdefghijabcdefghijabcdefghija://a.example/", "a.example");
}

static void test_url_falls_back(void **state)
{
	(void)state;
	expect_url("http://[2001:DB8::1]:8080/", -1, NULL, NULL);
	expect_url("http://bücher.example/", -1, NULL, NULL);
	expect_url("http://xn--bcher-kva.example/", -1, NULL, NULL);
	expect_url("http://a.example/bücher", -1, NULL, NULL);
	/* an output buffer without room for n + 2 bytes */
	{
		char out[8];
		struct pi_scan_url_parts parts;
		assert_int_equal(pi_scan_url_fast("http://a.b/", 11, out, sizeof(out), &parts), -1);
	}
}

static void test_email_cases(void **state)
{
	(void)state;
	expect_email("user.name+tag@mail.example", 1, "user.name+tag@mail.example");
	expect_email("User@Mail.EXAMPLE.", 1, "User@mail.example");
	expect_email("!#$%&'*+-/=?^_`{|}~@a.example", 1, "!#$%&'*+-/=?^_`{|}~@a.example");
	expect_email("", 0, NULL);
	expect_email("user", 0, NULL);
	expect_email("@a.example", 0, NULL);
	expect_email("user@", 0, NULL);
	expect_email("user@.", 0, NULL);
	expect_email(".user@a.example", 0, NULL);
	expect_email("user.@a.example", 0, NULL);
	expect_email("us..er@a.example", 0, NULL);
	expect_email("a@b@c.example", 0, NULL);
	expect_email("a b@c.example", 0, NULL);
	expect_email("a(b)@c.example", 0, NULL);
	expect_email("a@1.2.3.4", 0, NULL);
	expect_email("a@[1.2.3.4]", 0, NULL);
	expect_email("a@b_c.example", 0, NULL);
	expect_email("a@b..example", 0, NULL);
	expect_email("\"john doe\"@a.example", -1, NULL);
	expect_email("jörg@a.example", -1, NULL);
	expect_email("a@bücher.example", -1, NULL);
	expect_email("a@xn--bcher-kva.example", -1, NULL);
	/* a bad ASCII byte before a non-ASCII one: the hub goes through libidn2, so unsure */
	expect_email("a@b_c.bücher.example", -1, NULL);
}

static void test_email_limits(void **state)
{
	char buf[600];
	char label[64];

	(void)state;
	memset(label, 'l', 63);
	label[63] = '\0';
	/* 64-character local part yes, 65 no */
	memset(buf, 'a', 64);
	strcpy(buf + 64, "@a.example");
	expect_email(buf, 1, buf);
	memset(buf, 'a', 65);
	strcpy(buf + 65, "@a.example");
	expect_email(buf, 0, NULL);
	/* at most 254 characters in all: 1 + 1 + 252 */
	snprintf(buf, sizeof(buf), "a@%s.%s.%s.%.60s", label, label, label, label);
	assert_int_equal(strlen(buf), 254);
	expect_email(buf, 1, buf);
	snprintf(buf, sizeof(buf), "ab@%s.%s.%s.%.60s", label, label, label, label);
	expect_email(buf, 0, NULL);
	/* label of 64 */
	snprintf(buf, sizeof(buf), "a@%sl.example", label);
	expect_email(buf, 0, NULL);
	/* a URL host of 253 characters with a trailing dot, and one of 254 */
	{
		char want[600], host[300];
		snprintf(host, sizeof(host), "%s.%s.%s.%.61s", label, label, label, label);
		assert_int_equal(strlen(host), 253);
		snprintf(buf, sizeof(buf), "http://%s./", host);
		snprintf(want, sizeof(want), "http://%s/", host);
		expect_url(buf, 1, want, host);
		snprintf(buf, sizeof(buf), "http://%sl./", host);
		expect_url(buf, 0, NULL, NULL);
	}
}

/* ---------- the differential corpus ---------- */

static uint32_t seed = 20240501u;

static unsigned rnd(unsigned n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

/* Pieces of URLs and e-mail addresses; the first GOOD_* of each list are well-formed, so that
 * the random assemblies below also give many values the hub accepts. */
static const char *const schemes[] = {"http", "https", "HTTP", "HtTpS", "ftp", "FTP", "ws", "wss",
        "WSS", "svn+ssh", "a", "h-t.t", "h_t", "1x", "", "x12345678901234567890123456789012"};
#define GOOD_SCHEMES 12
static const char *const seps[] = {"://", "://", "://", "://", ":/", ":", "//", ":///"};
#define GOOD_SEPS 4
static const char *const userinfos[] = {
        "", "", "", "", "user@", "User:Pw@", "@", "a@b@", "u:p:q@", "u%40x@", "ü@", "u p@"};
#define GOOD_USERINFOS 10
static const char *const hosts[] = {"example.com", "EXAMPLE.COM", "Www.Example.Co.Uk",
        "example.com.", "1.2.3.4", "192.168.100.255", "0.0.0.0", "a.b1", "1password.com",
        "a-b.example", "localhost", "MiXeD-CaSe.EXAMPLE.", "x.y.z.w.v.example",
        /* the rest are refused or left to the hub */
        "example.com..", ".example.com", "a..b", "01.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.",
        "1.2.3.4.5", "a.123", "123", "xn--bcher-kva.example", "XN--abc.example", "ab--cd.example",
        "-a.example", "a-.example", "a_b.example", "bücher.example", "%41.example", "", ".",
        "[::1]", "[2001:DB8::1]", "[1.2.3.4]", "[::1", "a]b.example", "a.example:", "h.example\t"};
#define GOOD_HOSTS 13
static const char *const ports[] = {"", "", "", ":", ":80", ":443", ":21", ":8080", ":65535",
        ":00080", ":0", ":65536", ":000443", ":123456", ":8a", "::80", ":80:", ":-1"};
#define GOOD_PORTS 10
static const char *const paths[] = {"", "", "/", "/path", "/p/a/t/h.html?q=1&r=2", "?q", "#frag",
        "//x", "/a@b:c", "/%20x?y#z", "/0123456789abcdef0123456789abcdef", "/~user/", "?", "#",
        "/a b", "/ü", "/\x01", "/\x7f",
        ("/0123456789ab\x7f"
         "def")};
#define GOOD_PATHS 14

static const char *const locals[] = {"user", "user.name+tag", "USER", "first.last", "x", "0",
        "a.b.c.d", "!#$%&'*+-/=?^_`{|}~", ".user", "user.", "us..er", "", "\"quoted\"",
        "\"q\\\"x\"", "\"a", "ü", "a b", "a@b", "a(b", "a\x01"};
#define GOOD_LOCALS 8

/* An element of list (count long, the first good of them well-formed): half the time a
 * well-formed one. */
static const char *pick(const char *const *list, size_t count, size_t good)
{
	return list[rnd(2) ? rnd((unsigned)good) : rnd((unsigned)count)];
}

static size_t add(char *buf, size_t o, size_t cap, const char *s)
{
	size_t n = strlen(s);
	if (o + n < cap) {
		memcpy(buf + o, s, n);
		o += n;
	}
	return o;
}

/* A random edit of buf[0..n): replace, insert or delete a byte from an alphabet of the bytes
 * the rules care about, or flip the case of a letter. */
static size_t mutate(char *buf, size_t n, size_t cap)
{
	static const char alphabet[] = "aZ09.-_:/@?#[]%+\"\\ \x01\x7f\xc3\xbc\x80.:@/";
	unsigned op = rnd(4);
	size_t at = n ? rnd((unsigned)n) : 0;
	char c = alphabet[rnd(sizeof(alphabet) - 1)];

	if (op == 0 && n > 0) {
		buf[at] = c;
	} else if (op == 1 && n + 1 < cap) {
		memmove(buf + at + 1, buf + at, n - at);
		buf[at] = c;
		n++;
	} else if (op == 2 && n > 0) {
		memmove(buf + at, buf + at + 1, n - at - 1);
		n--;
	} else if (n > 0) {
		char b = buf[at];
		if (b >= 'a' && b <= 'z')
			buf[at] = (char)(b - 32);
		else if (b >= 'A' && b <= 'Z')
			buf[at] = (char)(b + 32);
	}
	return n;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void test_urls_agree_with_hub(void **state)
{
	char buf[700];
	struct tally t = {0};
	char label[70];

	(void)state;
	/* every host with every port, path and a few schemes */
	for (size_t h = 0; h < COUNT(hosts); h++)
		for (size_t p = 0; p < COUNT(ports); p++)
			for (size_t q = 0; q < COUNT(paths); q++) {
				size_t o = add(
				        buf, 0, sizeof(buf), schemes[(h + p + q) % COUNT(schemes)]);
				o = add(buf, o, sizeof(buf), "://");
				o = add(buf, o, sizeof(buf), hosts[h]);
				o = add(buf, o, sizeof(buf), ports[p]);
				o = add(buf, o, sizeof(buf), paths[q]);
				check_url(buf, o, &t);
			}
	/* random assemblies, then random edits of them */
	for (int i = 0; i < 100000; i++) {
		size_t o = add(buf, 0, sizeof(buf), pick(schemes, COUNT(schemes), GOOD_SCHEMES));
		o = add(buf, o, sizeof(buf), pick(seps, COUNT(seps), GOOD_SEPS));
		o = add(buf, o, sizeof(buf), pick(userinfos, COUNT(userinfos), GOOD_USERINFOS));
		o = add(buf, o, sizeof(buf), pick(hosts, COUNT(hosts), GOOD_HOSTS));
		o = add(buf, o, sizeof(buf), pick(ports, COUNT(ports), GOOD_PORTS));
		o = add(buf, o, sizeof(buf), pick(paths, COUNT(paths), GOOD_PATHS));
		check_url(buf, o, &t);
		for (unsigned k = 1 + rnd(3); k > 0; k--)
			o = mutate(buf, o, sizeof(buf));
		check_url(buf, o, &t);
	}
	/* labels of 62-65 and names around 253 */
	for (size_t len = 62; len <= 65; len++) {
		memset(label, 'b', len);
		label[len] = '\0';
		for (int labels = 1; labels <= 4; labels++)
			for (int tail = 0; tail < 4; tail++) {
				size_t o = add(buf, 0, sizeof(buf), "http://");
				for (int l = 0; l < labels; l++) {
					o = add(buf, o, sizeof(buf), label);
					o = add(buf, o, sizeof(buf), ".");
				}
				o = add(buf, o, sizeof(buf),
				        tail == 0   ? "c"
				        : tail == 1 ? "c."
				        : tail == 2 ? "cc"
				                    : "1");
				o = add(buf, o, sizeof(buf), "/x");
				check_url(buf, o, &t);
			}
	}
	print_message("URLs: %zu cases, %zu normalised, %zu refused, %zu left to the hub\n",
	        t.cases, t.fast, t.refused, t.unsure);
	/* the corpus must exercise every answer */
	assert_true(t.fast > t.cases / 10);
	assert_true(t.refused > t.cases / 5);
	assert_true(t.unsure > 0);
}

static void test_emails_agree_with_hub(void **state)
{
	char buf[700];
	struct tally t = {0};

	(void)state;
	for (size_t l = 0; l < COUNT(locals); l++)
		for (size_t h = 0; h < COUNT(hosts); h++) {
			size_t o = add(buf, 0, sizeof(buf), locals[l]);
			o = add(buf, o, sizeof(buf), "@");
			o = add(buf, o, sizeof(buf), hosts[h]);
			check_email(buf, o, &t);
		}
	for (int i = 0; i < 100000; i++) {
		size_t o = add(buf, 0, sizeof(buf), pick(locals, COUNT(locals), GOOD_LOCALS));
		if (rnd(8))
			o = add(buf, o, sizeof(buf), "@");
		o = add(buf, o, sizeof(buf), pick(hosts, COUNT(hosts), GOOD_HOSTS));
		check_email(buf, o, &t);
		for (unsigned k = 1 + rnd(3); k > 0; k--)
			o = mutate(buf, o, sizeof(buf));
		check_email(buf, o, &t);
	}
	/* lengths around 64 (local) and 254 (all) */
	for (size_t local = 60; local <= 66; local++)
		for (size_t dom = 180; dom <= 200; dom++) {
			size_t o = 0;
			memset(buf, 'u', local);
			o = local;
			buf[o++] = '@';
			for (size_t k = 0; k < dom; k++)
				buf[o++] = (k % 50 == 49) ? '.' : 'd';
			o = add(buf, o, sizeof(buf), ".example");
			check_email(buf, o, &t);
		}
	print_message("e-mails: %zu cases, %zu normalised, %zu refused, %zu left to the hub\n",
	        t.cases, t.fast, t.refused, t.unsure);
	assert_true(t.fast > t.cases / 10);
	assert_true(t.refused > t.cases / 5);
	assert_true(t.unsure > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_url_common_shapes),
	        cmocka_unit_test(test_url_refusals),
	        cmocka_unit_test(test_url_falls_back),
	        cmocka_unit_test(test_email_cases),
	        cmocka_unit_test(test_email_limits),
	        cmocka_unit_test(test_urls_agree_with_hub),
	        cmocka_unit_test(test_emails_agree_with_hub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
