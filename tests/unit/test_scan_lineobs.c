/* Unit tests for scan/lineobs: the tokeniser and each line extractor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan/lineobs.h"

struct got {
	char text[4096];
	size_t len;
};

static void collect(void *arg, const struct pi_scan_obs *o)
{
	struct got *g = arg;
	int n = snprintf(g->text + g->len, sizeof(g->text) - g->len, "%s%s=%s", g->len ? " " : "",
	        pi_observable_kind_name(o->kind), o->value);
	assert_true(n > 0 && (size_t)n < sizeof(g->text) - g->len);
	assert_int_equal(strlen(o->value), o->len);
	g->len += (size_t)n;
}

/* Extracts line as format and compares the observables, in order, with want. */
static void expect_fmt(enum pi_scan_format fmt, unsigned flags, const pi_scan_zeek *z,
        const char *line, const char *want, int want_rc)
{
	struct pi_scan_xctx x;
	struct got g;
	int rc;

	memset(&g, 0, sizeof(g));
	assert_int_equal(pi_scan_xctx_init(&x, flags, collect, &g), PI_OK);
	x.zeek = z;
	rc = pi_scan_extract_line(&x, fmt, line, strlen(line));
	pi_scan_xctx_free(&x);
	if (rc != want_rc)
		fail_msg("%s: rc %d, want %d", line, rc, want_rc);
	if (strcmp(g.text, want) != 0)
		fail_msg("%s\n  want: %s\n  got:  %s", line, want, g.text);
}

static void expect(const char *line, const char *want)
{
	expect_fmt(PI_SCAN_FORMAT_TEXT, 0, NULL, line, want, 0);
}

static void test_ipv4(void **state)
{
	(void)state;
	expect("from 192.0.2.1 to 10.0.0.1.", "ipv4=192.0.2.1 ipv4=10.0.0.1");
	expect("host 1.2.3.4:8080 and [5.6.7.8]", "ipv4=1.2.3.4 ipv4=5.6.7.8");
	expect("client 192.0.2.10#53211", "ipv4=192.0.2.10");
	/* leading zeros, out of range, too many parts, versions */
	expect("010.0.0.1 256.1.1.1 1.2.3.4.5 1.2.3 v1.2.3", "");
}

/* With an IPv4 /16 filter, addresses outside it are not reported, from any path: the BIND
 * reading (copied and in place), the tokeniser, URLs and JSON fields. */
static void test_ip4_filter(void **state)
{
	static const char *const lines[] = {
	        "01-May-2024 12:56:10.590 client @0x7f3a3e3978 10.3.218.127#14597 "
	        "(www.m4pdlxp.ru): query: www.m4pdlxp.ru IN HTTPS +E(0)K (10.1.0.53)",
	        "from 10.1.2.3 to 10.3.4.5 via http://10.3.9.9/x and http://10.1.9.9/y",
	};
	static const char *const want_all[] = {
	        "ipv4=10.3.218.127 domain=www.m4pdlxp.ru ipv4=10.1.0.53",
	        "ipv4=10.1.2.3 ipv4=10.3.4.5 url=http://10.3.9.9/x ipv4=10.3.9.9 "
	        "url=http://10.1.9.9/y ipv4=10.1.9.9",
	};
	static const char *const want_filtered[] = {
	        "domain=www.m4pdlxp.ru ipv4=10.1.0.53",
	        "ipv4=10.1.2.3 url=http://10.3.9.9/x url=http://10.1.9.9/y ipv4=10.1.9.9",
	};
	static uint64_t filter[1024];
	struct pi_scan_xctx x;
	struct got g;

	(void)state;
	filter[(10u << 8 | 1u) >> 6] |= (uint64_t)1 << ((10u << 8 | 1u) & 63);
	for (int f = 0; f < 2; f++)
		for (unsigned flags = 0; flags <= PI_SCAN_PADDED; flags += PI_SCAN_PADDED)
			for (size_t i = 0; i < 2; i++) {
				char buf[512];
				size_t len = strlen(lines[i]);
				memset(buf, 'a', sizeof(buf));
				memcpy(buf, lines[i], len);
				memset(&g, 0, sizeof(g));
				assert_int_equal(pi_scan_xctx_init(&x, flags, collect, &g), PI_OK);
				x.ip4_filter = f ? filter : NULL;
				assert_int_equal(
				        pi_scan_extract_line(&x, PI_SCAN_FORMAT_TEXT, buf, len), 0);
				pi_scan_xctx_free(&x);
				assert_string_equal(g.text, f ? want_filtered[i] : want_all[i]);
			}
	memset(&g, 0, sizeof(g));
	assert_int_equal(pi_scan_xctx_init(&x, 0, collect, &g), PI_OK);
	x.ip4_filter = filter;
	{
		static const char json[] = "{\"src\":\"10.3.0.1\",\"dst\":\"10.1.0.1\"}";
		assert_int_equal(
		        pi_scan_extract_line(&x, PI_SCAN_FORMAT_JSONL, json, strlen(json)), 0);
	}
	pi_scan_xctx_free(&x);
	assert_string_equal(g.text, "ipv4=10.1.0.1");
}

static void test_ipv6(void **state)
{
	(void)state;
	expect("src 2001:DB8:0:0:0:0:0:1 dst ::1", "ipv6=2001:db8::1 ipv6=::1");
	expect("[2001:db8::5]:443 and fe80::1%eth0", "ipv6=2001:db8::5 ipv6=fe80::1");
	expect("mapped ::ffff:192.0.2.1 end", "ipv6=::ffff:192.0.2.1");
	expect("client 2001:db8::7: query", "ipv6=2001:db8::7");
	/* times and MAC addresses are not addresses */
	expect("at 12:34:56 mac 00:11:22:33:44:55", "");
	expect("bad 1:2:3:4:5:6:7:8:9 and 2001:db8:::1", "");
	/* the forms without "::": eight groups, six and an IPv4 tail; a group's worth short of
	 * either is not an address */
	expect("full 1:2:3:4:5:6:7:8 tail 1:2:3:4:5:6:192.0.2.1 end",
	        "ipv6=1:2:3:4:5:6:7:8 ipv6=1:2:3:4:5:6:c000:201");
	expect("short 1:2:3:4:5:6:7 and 1:2:3:4:5:192.0.2.1 and [01/May/2024:12:00:55 +0000]",
	        "ipv4=192.0.2.1");
}

static void test_domains(void **state)
{
	(void)state;
	expect("query: WWW.Example.COM. IN A", "domain=www.example.com");
	/* a raw name written twice in one text (BIND) is reported once */
	expect("(mail.example.org): and mail.example.org again", "domain=mail.example.org");
	expect("MAIL.example.org and mail.example.org",
	        "domain=mail.example.org domain=mail.example.org");
	expect("IDN bücher.example", "domain=xn--bcher-kva.example");
	expect("punycode xn--bcher-kva.example", "domain=xn--bcher-kva.example");
	/* not names: all-digit top label, bad labels, path components, single labels */
	expect("1.2.3 -bad-.example a..b GET /index.html x.123 localhost", "");
	expect("_sip._tcp.example.com ab--cd.example", "");
	expect("sentence ends with example.net.", "domain=example.net");
	expect("xn--bad-label.example", "");
}

/* BIND query log lines take a fast path in the TEXT format; it must report exactly what the
 * tokeniser reports for the whole line, and leave lines of another shape to the tokeniser. */
static void test_bind_lines(void **state)
{
	static const char *const lines[] = {
	        "01-May-2024 12:00:00.123 client @0x7f3a12 10.1.2.3#5353 (www.Evil.example): "
	        "query: www.Evil.example IN A +E(0)K (10.0.0.53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (a.example): view int.example: "
	        "query: a.example IN AAAA -EDC (10.0.0.53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353: query: b.example. IN MX +",
	        "01-May-2024 12:00:00.123 client 2001:db8::1#5353 (c.example): query: C.EXAMPLE "
	        "IN A +T (2001:db8::53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (d41d8cd98f00b204e9800998ecf8427e):"
	        " query: d41d8cd98f00b204e9800998ecf8427e IN TXT +E(0)K (10.0.0.53)",
	        /* near misses: other shapes, tokenised as text */
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (e.example): query: e.example IN A "
	        "+E(0)K (10.0.0.53) trailing f.example",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (user@g.example): query: "
	        "user@g.example IN A + (10.0.0.53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (http://h.example/x): query: "
	        "i.example IN A + (10.0.0.53)",
	};
	struct pi_scan_xctx x;
	struct got fast, slow;

	(void)state;
	expect("01-May-2024 12:00:00.123 client @0x7f3a12 10.1.2.3#5353 (www.Evil.example): "
	       "query: www.Evil.example IN A +E(0)K (10.0.0.53)",
	        "ipv4=10.1.2.3 domain=www.evil.example ipv4=10.0.0.53");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		memset(&fast, 0, sizeof(fast));
		memset(&slow, 0, sizeof(slow));
		assert_int_equal(pi_scan_xctx_init(&x, 0, collect, &fast), PI_OK);
		assert_int_equal(
		        pi_scan_extract_line(&x, PI_SCAN_FORMAT_TEXT, lines[i], strlen(lines[i])),
		        0);
		x.arg = &slow;
		pi_scan_tokenise(&x, lines[i], strlen(lines[i]));
		pi_scan_xctx_free(&x);
		if (strcmp(fast.text, slow.text) != 0 || fast.len == 0)
			fail_msg("%s\n  fast: %s\n  tokeniser: %s", lines[i], fast.text, slow.text);
	}
}

struct dgot {
	char text[16384];
	size_t len;
	size_t count;
};

static void dcollect(void *arg, const struct pi_scan_obs *o)
{
	struct dgot *g = arg;
	int n = snprintf(
	        g->text + g->len, sizeof(g->text) - g->len, "|%d=%s", (int)o->kind, o->value);
	g->count++;
	if (n > 0 && (size_t)n < sizeof(g->text) - g->len)
		g->len += (size_t)n;
}

static uint64_t xorshift(uint64_t *r)
{
	*r ^= *r << 13;
	*r ^= *r >> 7;
	*r ^= *r << 17;
	return *r;
}

/* Applies muts random mutations (r's next values) to line[0..len) (room for cap bytes): a byte
 * of alphabet put in or inserted, a byte deleted, the line cut, or stretch bytes of a name
 * (a '.' every period) inserted. Returns the new length. */
static size_t mutate(char *line, size_t cap, size_t len, uint64_t *r, size_t muts,
        const char *alphabet, size_t stretch, size_t period)
{
	size_t na = strlen(alphabet);

	for (size_t k = 0; k < muts; k++) {
		size_t pos;
		xorshift(r);
		pos = (size_t)(*r >> 20) % len;
		switch ((*r >> 8) % 6) {
		case 0:
		case 1: line[pos] = alphabet[(*r >> 40) % na]; break;
		case 2: /* insert */
			if (len + 1 < cap) {
				memmove(line + pos + 1, line + pos, len - pos);
				line[pos] = alphabet[(*r >> 40) % na];
				len++;
			}
			break;
		case 3: /* delete */
			if (len > 1) {
				memmove(line + pos, line + pos + 1, len - pos - 1);
				len--;
			}
			break;
		case 4: len = pos + 1; break; /* cut */
		default:                      /* stretch */
			if (len + 200 < cap) {
				memmove(line + pos + stretch, line + pos, len - pos);
				for (size_t q = 0; q < stretch; q++)
					line[pos + q] = (q % period == period - 1)
					                        ? '.'
					                        : (char)('a' + q % 26);
				len += stretch;
			}
			break;
		}
	}
	return len;
}

/* The BIND fast paths (the bit-mask reading of lines up to 256 bytes, the byte reading of
 * longer ones) against the tokeniser, on 60,000 mutations of BIND lines: every byte class
 * that changes a verdict (separators, '.', ':', '_', '-', '@', '/', upper case, UTF-8,
 * digits, spaces) is put in every position, lines are cut, stretched past 256 bytes and
 * doubled. Whatever the fast path reports (or declines to) must be what the tokeniser
 * reports for the whole line, in the same order. */
static void test_bind_mutations(void **state)
{
	static const char *const base[] = {
	        "01-May-2024 12:56:10.590 client @0x7f3a3e3978 10.3.218.127#14597 "
	        "(www.m4pdlxp.ru): query: www.m4pdlxp.ru IN HTTPS +E(0)K (10.0.0.53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (a.Example.co.uk): view "
	        "int.example: query: a.Example.co.uk IN AAAA -EDC (10.0.0.53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353: query: b.example. IN MX +",
	        "01-May-2024 12:00:00.123 client 2001:db8::1#5353 (c-d.example): query: "
	        "C-D.EXAMPLE IN A +T (2001:db8::53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (xn--bcher-kva.example): query: "
	        "xn--bcher-kva.example IN A +E(0)K (192.0.2.1)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (d41d8cd98f00b204e9800998ecf8427e)"
	        ": query: d41d8cd98f00b204e9800998ecf8427e IN TXT +E(0)K (10.0.0.53)",
	        /* '_' and bytes >= 0x80 are name bytes the fast reading must class as such */
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (_dmarc.mail_1.example): query: "
	        "_dmarc.mail_1.example IN TXT +E(0)K (10.0.0.53)",
	        "01-May-2024 12:00:00.123 client 10.1.2.3#5353 (b\xc3\xbc" "cher.example): query: "
	        "b\xc3\xbc" "cher.example IN A + (10.0.0.53)",
	};
	enum { NBASE = sizeof(base) / sizeof(base[0]) };
	static const char alphabet[] = ".:-_@/#() AZaz09x\xc3\xa9\x80.";
	char line[1024];
	struct pi_scan_xctx x;
	struct dgot *fast = malloc(sizeof(*fast)), *slow = malloc(sizeof(*slow));
	uint64_t r = 0x9E3779B97F4A7C15ull;
	size_t differ = 0, taken_fast = 0;

	(void)state;
	assert_non_null(fast);
	assert_non_null(slow);
	assert_int_equal(pi_scan_xctx_init(&x, 0, dcollect, fast), PI_OK);
	for (int iter = 0; iter < 60000; iter++) {
		const char *b = base[iter % NBASE];
		size_t len = strlen(b), muts;
		memcpy(line, b, len);
		xorshift(&r);
		muts = iter % 5 == 0 ? 0 : 1 + r % 3;
		/* names stretched past 256 bytes */
		len = mutate(line, sizeof(line), len, &r, muts, alphabet, 150, 7);
		if (len >= 40 && line[25] == 'c')
			taken_fast++;
		fast->len = fast->count = 0;
		fast->text[0] = '\0';
		x.arg = fast;
		{
			uint64_t before = x.fast_lines;
			assert_int_equal(
			        pi_scan_extract_line(&x, PI_SCAN_FORMAT_TEXT, line, len), 0);
			/* every base line is read by the bit masks, not left to the tokeniser */
			if (muts == 0 && x.fast_lines != before + 1)
				fail_msg("not read by the fast reading: %.*s", (int)len, line);
		}
		slow->len = slow->count = 0;
		slow->text[0] = '\0';
		x.arg = slow;
		pi_scan_tokenise(&x, line, len);
		/* read in place (PI_SCAN_PADDED): the line followed by bytes that would change
		 * every verdict if they were read as part of it */
		{
			static const char junk[] = "a9.-:_@0xfF(A) ";
			struct dgot *inplace = malloc(sizeof(*inplace));
			char *buf = malloc(len + PI_SCAN_LINE_PAD);
			assert_non_null(inplace);
			assert_non_null(buf);
			memcpy(buf, line, len);
			for (size_t q = 0; q < PI_SCAN_LINE_PAD; q++)
				buf[len + q] = junk[(q + (size_t)iter) % (sizeof(junk) - 1)];
			inplace->len = inplace->count = 0;
			inplace->text[0] = '\0';
			x.arg = inplace;
			x.flags = PI_SCAN_PADDED;
			{
				uint64_t before = x.fast_lines;
				assert_int_equal(
				        pi_scan_extract_line(&x, PI_SCAN_FORMAT_TEXT, buf, len), 0);
				if (muts == 0 && x.fast_lines != before + 1)
					fail_msg("not read in place by the fast reading: %.*s",
					        (int)len, line);
			}
			x.flags = 0;
			if (strcmp(inplace->text, slow->text) != 0) {
				differ++;
				if (differ < 5)
					print_message(
					        "in place: %.*s\n  fast: %s\n  tokeniser: %s\n",
					        (int)len, line, inplace->text, slow->text);
			}
			free(buf);
			free(inplace);
		}
		/* the same values in the same order; the tokeniser may repeat a value the fast
		 * path reports once (the scanner counts a value once per line either way) */
		if (strcmp(fast->text, slow->text) != 0) {
			differ++;
			if (differ < 5)
				print_message("line: %.*s\n  fast: %s\n  tokeniser: %s\n", (int)len,
				        line, fast->text, slow->text);
		}
	}
	pi_scan_xctx_free(&x);
	free(fast);
	free(slow);
	assert_true(taken_fast > 30000);
	assert_int_equal(differ, 0);
}

/* One squid test line read three ways: by extract_line as fmt (copied, and in place with
 * junk after it) and by extract_line with PI_SCAN_NO_FAST, the tokeniser's reading. Returns
 * how many of the two fast readings were taken (x->fast_lines); fails on any difference. */
static int squid_compare(struct pi_scan_xctx *x, enum pi_scan_format fmt, const char *line,
        size_t len, struct dgot *fast, struct dgot *slow, size_t *differ)
{
	static const char junk[] = "a9.-:_@0xfF(A)/ ";
	char *buf = malloc(len + PI_SCAN_LINE_PAD);
	uint64_t before = x->fast_lines;

	assert_non_null(buf);
	slow->len = slow->count = 0;
	slow->text[0] = '\0';
	x->arg = slow;
	x->flags = PI_SCAN_NO_FAST;
	assert_int_equal(pi_scan_extract_line(x, fmt, line, len), 0);
	for (int inplace = 0; inplace < 2; inplace++) {
		memcpy(buf, line, len);
		for (size_t q = 0; q < PI_SCAN_LINE_PAD; q++)
			buf[len + q] = junk[(q + len) % (sizeof(junk) - 1)];
		fast->len = fast->count = 0;
		fast->text[0] = '\0';
		x->arg = fast;
		x->flags = inplace ? PI_SCAN_PADDED : 0;
		assert_int_equal(pi_scan_extract_line(x, fmt, buf, len), 0);
		if (strcmp(fast->text, slow->text) != 0) {
			(*differ)++;
			if (*differ < 5)
				print_message("%s line: %.*s\n  fast: %s\n  tokeniser: %s\n",
				        inplace ? "in place" : "copied", (int)len, line, fast->text,
				        slow->text);
		}
	}
	x->flags = 0;
	free(buf);
	return (int)(x->fast_lines - before);
}

/* The squid access log reading against the tokeniser, as for BIND: 60,000 mutations of squid
 * lines (every byte class that changes a verdict in every position, cuts, insertions,
 * deletions, stretched fields), read as TEXT and as SYSLOG. */
static void test_squid_mutations(void **state)
{
	static const char *const base[] = {
	        "1714564800.487   9691 10.1.66.169 TCP_MISS/200 52031 GET "
	        "http://uhipjgo.io/91oi01836yj1/hk8rnsy.html?q=rffi8 - HIER_DIRECT/100.95.127.233 "
	        "text/html",
	        "1714564800.921      5 2001:db8::7 TCP_TUNNEL/200 4512 CONNECT www.Example.com:443 "
	        "alice HIER_DIRECT/203.0.113.9 -",
	        "1714564801.002    120 10.0.0.1 TCP_HIT/200 1200 GET "
	        "HTTPS://Evil.Example.ORG:8443/a/(b)/c?d=e&f=g#h - HIER_NONE/- "
	        "application/vnd.ms-excel",
	        "1714564801.115     77 192.0.2.44 TCP_DENIED/403 3900 POST "
	        "http://198.51.100.23/upload.php - HIER_NONE/- text/html",
	        "1714564802.300   3001 10.9.8.7 TCP_MISS/200 88 GET "
	        "http://xn--bcher-kva.example/d41d8cd98f00b204e9800998ecf8427e/x "
	        "d41d8cd98f00b204e9800998ecf8427e FIRSTUP_PARENT/proxy.corp.example image/png",
	        "1714564803.000      0 10.1.1.1 NONE_NONE/400 0 NONE error:invalid-request - "
	        "HIER_NONE/- text/html",
	};
	static const char alphabet[] = ".:-_@/#()[] AZaz09x\xc3\xa9\x80.\"<|,";
	char line[1024];
	struct pi_scan_xctx x;
	struct dgot *fast = malloc(sizeof(*fast)), *slow = malloc(sizeof(*slow));
	uint64_t r = 0x2545F4914F6CDD1Dull;
	size_t differ = 0, taken = 0;

	(void)state;
	assert_non_null(fast);
	assert_non_null(slow);
	assert_int_equal(pi_scan_xctx_init(&x, 0, dcollect, fast), PI_OK);
	/* every base line is read by the squid reading, both ways, in both formats */
	for (size_t b = 0; b < sizeof(base) / sizeof(base[0]); b++)
		for (int f = 0; f < 2; f++)
			if (squid_compare(&x, f ? PI_SCAN_FORMAT_SYSLOG : PI_SCAN_FORMAT_TEXT,
			            base[b], strlen(base[b]), fast, slow, &differ) != 2)
				fail_msg("not read by the squid reading: %s", base[b]);
	for (int iter = 0; iter < 60000; iter++) {
		const char *b = base[iter % 6];
		size_t len = strlen(b), muts;
		memcpy(line, b, len);
		xorshift(&r);
		muts = 1 + r % 3;
		len = mutate(line, sizeof(line), len, &r, muts, alphabet, 70, 9);
		taken += (size_t)squid_compare(&x,
		        (iter & 1) ? PI_SCAN_FORMAT_SYSLOG : PI_SCAN_FORMAT_TEXT, line, len, fast,
		        slow, &differ);
	}
	pi_scan_xctx_free(&x);
	free(fast);
	free(slow);
	/* the mutations left enough lines of the shape to test the reading */
	assert_true(taken > 20000);
	assert_int_equal(differ, 0);
}

static void test_urls(void **state)
{
	(void)state;
	expect("GET http://Example.COM:80/a?b=1 HTTP/1.1",
	        "url=http://example.com/a?b=1 domain=example.com");
	expect("\"https://user@198.51.100.7:8443/x\"",
	        "url=https://user@198.51.100.7:8443/x ipv4=198.51.100.7");
	expect("see (http://example.com/path).", "url=http://example.com/path domain=example.com");
	expect("ipv6 http://[2001:db8::1]/", "url=http://[2001:db8::1]/ ipv6=2001:db8::1");
	expect("url=https://a.example?q", "url=https://a.example/?q domain=a.example");
	expect("no authority mailto:x and http:/bad", "");
	/* long URLs (read 16 bytes a step): the end byte and the parentheses before it in any
	 * step, a step that ends with the text */
	expect("go http://h.example/aaaaaaaaaaaaaaaaaaaa/(bbbbbbbbbbbbbbbbbbbbbbb)/c and",
	        "url=http://h.example/aaaaaaaaaaaaaaaaaaaa/(bbbbbbbbbbbbbbbbbbbbbbb)/c "
	        "domain=h.example");
	expect("(see http://h.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa) now",
	        "url=http://h.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa domain=h.example");
	expect("(see http://h.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa(b)) now",
	        "url=http://h.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa(b) domain=h.example");
	expect("x http://h.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|pipe and http://i.example/"
	       "bbbbbbbbbbbbbbbbbbbbbbbbbbbb\tc",
	        "url=http://h.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa domain=h.example "
	        "url=http://i.example/bbbbbbbbbbbbbbbbbbbbbbbbbbbb domain=i.example");
	expect("end http://h.example/0123456789abcdef0123456789abcdef",
	        "url=http://h.example/0123456789abcdef0123456789abcdef domain=h.example");
	expect("q http://h.example/aaaaaaaaaaaaaaaaaaaaaaaa^b{c}d`e",
	        "url=http://h.example/aaaaaaaaaaaaaaaaaaaaaaaa domain=h.example");
}

static void test_emails_and_hashes(void **state)
{
	(void)state;
	expect("from=<Bad+tag@Mail.Example>, size=1",
	        "email=Bad+tag@mail.example domain=mail.example");
	expect("mailto:someone@example.org", "email=someone@example.org domain=example.org");
	expect("md5 D41D8CD98F00B204E9800998ECF8427E sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
	        "md5=d41d8cd98f00b204e9800998ecf8427e "
	        "sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709");
	expect("not a hash: d41d8cd98f00b204e9800998ecf8427g or 31-char "
	       "d41d8cd98f00b204e9800998ecf842",
	        "");
}

static void test_refang(void **state)
{
	(void)state;
	expect_fmt(PI_SCAN_FORMAT_TEXT, PI_SCAN_REFANG, NULL,
	        "hxxp://evil[.]example/a and bad[@]mail(.)example 192.0.2[.]1 fxp://x[.]example/",
	        "url=http://evil.example/a domain=evil.example email=bad@mail.example "
	        "domain=mail.example ipv4=192.0.2.1 url=ftp://x.example/ domain=x.example",
	        0);
	/* without the flag the defanged forms are not observables */
	expect("hxxp://evil[.]example/a", "");
}

static void test_syslog(void **state)
{
	(void)state;
	expect_fmt(PI_SCAN_FORMAT_SYSLOG, 0, NULL,
	        "May  1 12:00:00 mx.example.org postfix/smtpd[12]: connect from unknown[192.0.2.1]",
	        "ipv4=192.0.2.1", 0);
	expect_fmt(PI_SCAN_FORMAT_SYSLOG, 0, NULL,
	        "<34>1 2024-05-01T12:00:00Z host.example.org app 12 ID1 [x a=\"b]c\"] msg "
	        "evil.example",
	        "domain=evil.example", 0);
	expect_fmt(PI_SCAN_FORMAT_SYSLOG, 0, NULL,
	        "2024-05-01T12:00:00+00:00 host.example.org named[1]: query evil.example",
	        "domain=evil.example", 0);
	expect_fmt(
	        PI_SCAN_FORMAT_SYSLOG, 0, NULL, "no header evil.example", "domain=evil.example", 0);
}

static void test_json_lines(void **state)
{
	(void)state;
	expect_fmt(PI_SCAN_FORMAT_JSONL, 0, NULL,
	        "{\"client\":\"192.0.2.1\",\"q\":{\"name\":\"evil\\u002eexample\"},\"n\":[1,true,"
	        "null]}",
	        "ipv4=192.0.2.1 domain=evil.example", 0);
	expect_fmt(PI_SCAN_FORMAT_JSONL, 0, NULL, "  ", "", 0);
	expect_fmt(PI_SCAN_FORMAT_JSONL, 0, NULL, "{\"a\":\"evil.example\"", "domain=evil.example",
	        -1);
	expect_fmt(PI_SCAN_FORMAT_JSONL, 0, NULL, "{\"a\":\"x\"} trailing", "", -1);
	expect_fmt(PI_SCAN_FORMAT_JSONL, 0, NULL, "[\"evil.example\"]", "", -1);
	expect_fmt(PI_SCAN_FORMAT_JSONL, 0, NULL, "{\"a\":\"\\ud800\"}", "", -1);
}

static void test_eve(void **state)
{
	(void)state;
	expect_fmt(PI_SCAN_FORMAT_EVE, 0, NULL,
	        "{\"event_type\":\"http\",\"src_ip\":\"10.0.0.1\",\"dest_ip\":\"2001:db8::2\","
	        "\"http\":{\"hostname\":\"Evil.Example\",\"url\":\"/a?b\",\"http_port\":8080,"
	        "\"http_user_agent\":\"bot good.example\"}}",
	        "ipv4=10.0.0.1 ipv6=2001:db8::2 domain=evil.example "
	        "url=http://evil.example:8080/a?b "
	        "domain=evil.example",
	        0);
	expect_fmt(PI_SCAN_FORMAT_EVE, 0, NULL,
	        "{\"event_type\":\"dns\",\"dns\":{\"queries\":[{\"rrname\":\"a.example\"}],"
	        "\"answers\":[{\"rdata\":\"192.0.2.9\"}],\"grouped\":{\"CNAME\":[\"b.example\"]}}}",
	        "domain=a.example ipv4=192.0.2.9 domain=b.example", 0);
	expect_fmt(PI_SCAN_FORMAT_EVE, 0, NULL,
	        "{\"event_type\":\"tls\",\"tls\":{\"sni\":\"c.example\",\"subject\":\"CN=d."
	        "example\"}}",
	        "domain=c.example", 0);
	expect_fmt(PI_SCAN_FORMAT_EVE, 0, NULL, "{\"event_type\":\"dns\",", "", -1);
}

static const char zeek_head[] = "#separator \\x09\n#set_separator\t,\n#path\thttp\n"
                                "#fields\tts\tid.orig_h\thost\turi\tuser_agent\tanswers\n"
                                "#types\ttime\taddr\tstring\tstring\tstring\tvector[string]\n";

static void test_zeek(void **state)
{
	pi_scan_zeek *z = NULL;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_scan_zeek_parse_header(zeek_head, strlen(zeek_head), &z, &err), PI_OK);
	expect_fmt(PI_SCAN_FORMAT_ZEEK, 0, z,
	        "1.0\t10.0.0.1\tEvil.example\t/x\tua evil2.example\t-",
	        "ipv4=10.0.0.1 domain=evil.example url=http://evil.example/x domain=evil.example",
	        0);
	expect_fmt(PI_SCAN_FORMAT_ZEEK, 0, z, "1.0\t-\t-\t-\t-\t192.0.2.1,b.example",
	        "ipv4=192.0.2.1 domain=b.example", 0);
	expect_fmt(PI_SCAN_FORMAT_ZEEK, 0, z, "#close\t2024", "", 0);
	expect_fmt(PI_SCAN_FORMAT_ZEEK, 0, z, "1.0\t10.0.0.1\tonly-three", "ipv4=10.0.0.1", -1);
	expect_fmt(PI_SCAN_FORMAT_ZEEK, 0, z, "1\t2\t3\t4\t5\t6\t7", "", -1);
	pi_scan_zeek_free(z);
	z = NULL;
	assert_int_equal(pi_scan_zeek_parse_header("#separator \\x09\n#path\tx\n", 24, &z, &err),
	        PI_ERR_INVALID);
	assert_null(z);
	assert_non_null(strstr(err.message, "#fields"));
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(
	        pi_scan_format_detect("{\"event_type\":\"dns\"}\n", 21), PI_SCAN_FORMAT_EVE);
	assert_int_equal(pi_scan_format_detect("\n{\"a\":1}\n", 9), PI_SCAN_FORMAT_JSONL);
	assert_int_equal(pi_scan_format_detect(zeek_head, strlen(zeek_head)), PI_SCAN_FORMAT_ZEEK);
	assert_int_equal(
	        pi_scan_format_detect("May  1 12:00:00 h p: m\n", 23), PI_SCAN_FORMAT_SYSLOG);
	assert_int_equal(pi_scan_format_detect("01-May-2024 12:00:00.1 client x\n", 32),
	        PI_SCAN_FORMAT_TEXT);
	assert_int_equal(pi_scan_format_detect("", 0), PI_SCAN_FORMAT_TEXT);
}

/* The fast domain path must agree with the hub's normaliser on every token it accepts. */
static void test_fast_domain_agrees_with_hub(void **state)
{
	static const char alphabet[] = "ab-.0X_";
	char in[16], fast[64], slow[PI_OBSERVABLE_MAX_OUTPUT];
	unsigned seed = 12345;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 12, flen = 0, slen = 0;
		int rc;
		pi_status st;
		for (size_t k = 0; k < n; k++)
			in[k] = alphabet[((seed = seed * 1103515245u + 12345u) >> 16) % 7];
		rc = pi_scan_domain_fast(in, n, fast, &flen);
		st = pi_observable_normalize(
		        PI_OBSERVABLE_DOMAIN, in, n, NULL, slow, sizeof(slow), &slen, NULL);
		if (rc == 1 && (st != PI_OK || flen != slen || memcmp(fast, slow, slen) != 0))
			fail_msg("'%.*s': fast accepts as '%s', hub says %d '%s'", (int)n, in, fast,
			        (int)st, slow);
		if (rc == 0 && st == PI_OK)
			fail_msg("'%.*s': fast refuses, hub accepts as '%s'", (int)n, in, slow);
	}
	{
		/* over 253 bytes as written, but IDNA drops soft hyphens (U+00AD): the hub
		 * accepts "exampl" + 122 soft hyphens + ".com" as exampl.com, so the fast path
		 * must not refuse it (it leaves it to the hub), and the tokeniser finds it */
		char big[300];
		size_t n = 0, flen = 0, slen = 0;
		memcpy(big, "exampl", 6);
		n = 6;
		for (int k = 0; k < 122; k++) {
			big[n++] = (char)0xC2;
			big[n++] = (char)0xAD;
		}
		memcpy(big + n, ".com", 4);
		n += 4;
		assert_int_equal(n, 254);
		assert_int_equal(pi_observable_normalize(PI_OBSERVABLE_DOMAIN, big, n, NULL, slow,
		                         sizeof(slow), &slen, NULL),
		        PI_OK);
		assert_string_equal(slow, "exampl.com");
		assert_int_equal(pi_scan_domain_fast(big, n, fast, &flen), -1);
		big[n] = '\0';
		{
			char line[320];
			snprintf(line, sizeof(line), "see %s now", big);
			expect(line, "domain=exampl.com");
		}
	}
}

static void test_format_names(void **state)
{
	enum pi_scan_format f;

	(void)state;
	assert_int_equal(pi_scan_format_parse("eve", &f), 0);
	assert_int_equal(f, PI_SCAN_FORMAT_EVE);
	assert_int_equal(pi_scan_format_parse("EVE", &f), -1);
	assert_string_equal(pi_scan_format_name(PI_SCAN_FORMAT_ZEEK), "zeek");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_ipv4),
	        cmocka_unit_test(test_ip4_filter),
	        cmocka_unit_test(test_ipv6),
	        cmocka_unit_test(test_domains),
	        cmocka_unit_test(test_bind_lines),
	        cmocka_unit_test(test_bind_mutations),
	        cmocka_unit_test(test_squid_mutations),
	        cmocka_unit_test(test_urls),
	        cmocka_unit_test(test_emails_and_hashes),
	        cmocka_unit_test(test_refang),
	        cmocka_unit_test(test_syslog),
	        cmocka_unit_test(test_json_lines),
	        cmocka_unit_test(test_eve),
	        cmocka_unit_test(test_zeek),
	        cmocka_unit_test(test_detect),
	        cmocka_unit_test(test_fast_domain_agrees_with_hub),
	        cmocka_unit_test(test_format_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
