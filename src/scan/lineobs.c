/* lineobs.c - observables in log lines (see lineobs.h for the formats and the rules).
 *
 * The tokeniser is the scanner's hot path. It walks the line once with a byte-class table,
 * cutting "runs" of name characters (letters, digits, '.', '-', '_', ':', bytes >= 0x80) and
 * looking at the few bytes around each run: "scheme:" + "//" starts a URL, a run followed by
 * '@' is the local part of an e-mail address, a run with two or more ':' may be an IPv6
 * address, and everything else is split at ':' into host candidates. Only runs with a '.' are
 * candidate names or IPv4 addresses and only dot-less runs of 32/40/64/128 characters are
 * candidate hashes. So only runs that hold a '.' or ':', that end right before an '@' or that
 * are at least 32 bytes long can give anything. The tokeniser builds two bit masks of the text,
 * 16 bytes at a time (SSE2 where there is one, the byte-class table elsewhere): "name
 * character" and "look here" ('.', ':', the byte before an '@', the first byte of 16 aligned
 * name characters, which every run of 32 or more holds). It visits only the runs with a "look
 * here" bit, in text order, so ordinary words cost nothing but the mask building. A raw name
 * seen again in the same text (BIND writes the query name twice) is not normalised again.
 * Two line shapes common enough to matter skip the tokeniser: BIND query log lines (read from
 * bit masks, bind_fast) and squid access log lines (field by field, squid_line); each checks
 * the whole line before it reports anything, and reports what the tokeniser would.
 * Nothing allocates here; IDN names go through pi_observable_normalize (libidn2 allocates).
 */
#include "scan/lineobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "scan/fastnorm.h"

/* The BIND bit-mask reading is compiled twice, for the baseline x86-64 and for x86-64-v3
 * (AVX2, BMI2's one-cycle variable shifts, LZCNT, POPCNT), and the processor picks at load
 * time (GCC's target_clones); its helpers are inlined into each copy. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__)
#define PI_CLONES __attribute__((target_clones("default", "arch=x86-64-v3")))
#else
#define PI_CLONES
#endif
#define PI_HOT inline __attribute__((always_inline))

/* the BIND bit-mask reading (bind_fast): longest line, and its padded copy */
#define FAST_MAX 256
#define FAST_LINE_BUF (FAST_MAX + 32)

/* mask words for the longest text the bit-mask tokeniser takes */
#define MASK_WORDS (PI_SCAN_MAX_LINE / 64 + 2)

enum {
	C_ALPHA = 1,
	C_DIGIT = 2,
	C_DOT = 4,
	C_HYPHEN = 8, /* '-' and '_' */
	C_COLON = 16,
	C_HI = 32, /* bytes >= 0x80 */
	C_UPPER = 64,
	C_HEXA = 128, /* a-f, A-F */
	C_RUN = C_ALPHA | C_DIGIT | C_DOT | C_HYPHEN | C_COLON | C_HI
};

static unsigned char cls[256];
/* domain bytes: the lower-case byte for letters, digits and '-'; D_DOT, D_HI or 0 (refused) */
enum { D_BAD = 0, D_DOT = 1, D_HI = 2 };
static unsigned char dtab[256];
/* bytes that end a URL: controls, space, DEL and "'<>`\\{}|^ */
static unsigned char url_end[256];
static pthread_once_t cls_once = PTHREAD_ONCE_INIT;

static void lmask_choose(void);

static void cls_init(void)
{
	for (int c = 0; c < 256; c++) {
		unsigned char v = 0;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			v |= C_ALPHA;
		if (c >= 'A' && c <= 'Z')
			v |= C_UPPER;
		if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			v |= C_HEXA;
		if (c >= '0' && c <= '9')
			v |= C_DIGIT;
		if (c == '.')
			v |= C_DOT;
		if (c == '-' || c == '_')
			v |= C_HYPHEN;
		if (c == ':')
			v |= C_COLON;
		if (c >= 0x80)
			v |= C_HI;
		cls[c] = v;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
			dtab[c] = (unsigned char)c;
		else if (c >= 'A' && c <= 'Z')
			dtab[c] = (unsigned char)(c + 32);
		else if (c == '.')
			dtab[c] = D_DOT;
		else if (c >= 0x80)
			dtab[c] = D_HI;
		else
			dtab[c] = D_BAD;
		url_end[c] = c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' ||
		             c == '>' || c == '`' || c == '\\' || c == '{' || c == '}' ||
		             c == '|' || c == '^';
	}
	lmask_choose();
}

static char lower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

pi_status pi_scan_xctx_init(struct pi_scan_xctx *x, unsigned flags, pi_scan_emit_fn emit, void *arg)
{
	memset(x, 0, sizeof(*x));
	pthread_once(&cls_once, cls_init);
	x->flags = flags;
	x->emit = emit;
	x->arg = arg;
	x->refang = malloc(PI_SCAN_MAX_LINE + 1);
	x->unescape = malloc(PI_SCAN_MAX_LINE + 1);
	x->runs = malloc(MASK_WORDS * sizeof(uint64_t));
	x->want = malloc(MASK_WORDS * sizeof(uint64_t));
	x->lbuf = aligned_alloc(32, FAST_LINE_BUF);
	if (!x->refang || !x->unescape || !x->runs || !x->want || !x->lbuf) {
		pi_scan_xctx_free(x);
		return PI_ERR_NOMEM;
	}
	return PI_OK;
}

void pi_scan_xctx_free(struct pi_scan_xctx *x)
{
	free(x->refang);
	free(x->unescape);
	free(x->runs);
	free(x->want);
	free(x->lbuf);
	x->lbuf = NULL;
	x->refang = NULL;
	x->unescape = NULL;
	x->runs = NULL;
	x->want = NULL;
}

/* ---------- emitting normalised values ---------- */

/* The IPv4 addresses whose first two bytes are p16 (a[0] << 8 | a[1]) pass x->ip4_filter.
 * Callers give p16 from registers: a 16-bit load of two bytes just stored one by one waits
 * for both stores (no store forwarding). */
static inline __attribute__((always_inline)) int ip4_wanted16(
        const struct pi_scan_xctx *x, unsigned p16)
{
	return !x->ip4_filter || ((x->ip4_filter[p16 >> 6] >> (p16 & 63)) & 1);
}

/* The IPv4 address a (4 bytes) passes x->ip4_filter. */
static inline int ip4_wanted(const struct pi_scan_xctx *x, const uint8_t *a)
{
	return ip4_wanted16(x, (unsigned)a[0] << 8 | a[1]);
}

/* Reports the normalised value v[0..n) (addr: its address bytes, or NULL). An IPv4 address
 * has passed ip4_wanted already: each reader of addresses checks the filter as soon as it has
 * the first two parts. */
static void emit_value(struct pi_scan_xctx *x, enum pi_observable_kind kind, const char *v,
        size_t n, const uint8_t *addr)
{
	struct pi_scan_obs o;

	o.kind = kind;
	o.value = v;
	o.len = n;
	if (addr)
		memcpy(o.addr, addr, 16);
	else
		memset(o.addr, 0, 16);
	x->emit(x->arg, &o);
}

/* The label out[0..n) (lower case) ends: 1 if valid, 0 if not a label, -1 for an "xn--" label
 * (the caller needs pi_observable_normalize). */
static int label_check(const char *l, size_t n)
{
	if (n == 0 || n > 63 || l[0] == '-' || l[n - 1] == '-')
		return 0;
	if (n >= 4 && l[2] == '-' && l[3] == '-')
		return (l[0] == 'x' && l[1] == 'n') ? -1 : 0;
	return 1;
}

int pi_scan_domain_fast(const char *in, size_t n, char *out, size_t *out_len)
{
	size_t ls = 0;
	int rc;

	if (n > 0 && in[n - 1] == '.')
		n--;
	if (n == 0)
		return 0;
	if (n > PI_DOMAIN_MAX) {
		/* too long as written, but IDNA mapping may drop characters (U+00AD): a name
		 * with non-ASCII bytes is the hub normaliser's to judge */
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)in[i] >= 0x80)
				return -1;
		return 0;
	}
	pthread_once(&cls_once, cls_init);
	/* the same verdicts, in the same order, as a byte-by-byte reading: a refused byte or a
	 * non-ASCII byte decides when it is reached, a label when its end is reached */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = dtab[(unsigned char)in[i]];
		if (c > D_HI) {
			out[i] = (char)c;
			continue;
		}
		if (c == D_BAD)
			return 0;
		if (c == D_HI)
			return -1;
		if ((rc = label_check(out + ls, i - ls)) != 1)
			return rc;
		out[i] = '.';
		ls = i + 1;
	}
	if ((rc = label_check(out + ls, n - ls)) != 1)
		return rc;
	{
		size_t k = ls;
		while (k < n && out[k] >= '0' && out[k] <= '9')
			k++;
		if (k == n)
			return 0; /* the top-level label is all digits */
	}
	out[n] = '\0';
	*out_len = n;
	return 1;
}

static void emit_domain(struct pi_scan_xctx *x, const char *s, size_t n)
{
	size_t len = 0;
	int rc;

	if (n > PI_OBSERVABLE_MAX_INPUT)
		return;
	/* a name of the tokenised text reported before gives the same value: skip it (only
	 * names inside x->text: the scratch buffers are rewritten between names) */
	if (x->text && s >= x->text && s + n <= x->text + x->text_len) {
		for (size_t k = 0; k < x->nseen; k++)
			if (x->seen_len[k] == n && memcmp(x->seen[k], s, n) == 0)
				return;
		if (x->nseen < sizeof(x->seen) / sizeof(x->seen[0])) {
			x->seen[x->nseen] = s;
			x->seen_len[x->nseen++] = n;
		}
	}
	rc = pi_scan_domain_fast(s, n, x->norm, &len);
	if (rc == 0)
		return;
	if (rc < 0 && pi_observable_normalize(PI_OBSERVABLE_DOMAIN, s, n, NULL, x->norm,
	                      sizeof(x->norm), &len, NULL) != PI_OK)
		return;
	emit_value(x, PI_OBSERVABLE_DOMAIN, x->norm, len, NULL);
}

/* s[0..n) of digits and dots: a canonical IPv4 address (no leading zeros) or nothing. */
static void emit_ipv4(struct pi_scan_xctx *x, const char *s, size_t n)
{
	uint8_t a[16] = {0};
	size_t i = 0;

	if (n < 7 || n > 15)
		return;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start;
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return;
			i++;
		}
		start = i;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || (i - start > 1 && s[start] == '0') || v > 255)
			return;
		a[part] = (uint8_t)v;
		if (part == 1 && !ip4_wanted16(x, (unsigned)a[0] << 8 | v))
			return; /* outside the filter: not reported, whatever follows */
	}
	if (i != n)
		return;
	memcpy(x->norm, s, n);
	x->norm[n] = '\0';
	emit_value(x, PI_OBSERVABLE_IPV4, x->norm, n, a);
}

/* What every RFC 4291 text form has: a "::", or seven ':' (eight groups), or six and an IPv4
 * tail. Times ("12:00:55", nginx's "2024:12:00:55") have neither and are not parsed. */
static int ipv6_shape(const char *s, size_t n)
{
	size_t colons = 0;
	int pair = 0, dot = 0;

	for (size_t i = 0; i < n; i++) {
		colons += s[i] == ':';
		pair |= i > 0 && s[i] == ':' && s[i - 1] == ':';
		dot |= s[i] == '.';
	}
	return pair || colons == 7 || (colons == 6 && dot);
}

/* An IPv6 address in any RFC 4291 form; returns 1 if it was one. */
static int emit_ipv6(struct pi_scan_xctx *x, const char *s, size_t n)
{
	uint8_t a[16];
	int family = 0;
	size_t len = 0;

	if (n < 2 || n > 45 || !ipv6_shape(s, n))
		return 0;
	if (pi_observable_ip_parse(s, n, a, &family, NULL) != PI_OK || family != 6)
		return 0;
	if (pi_observable_normalize(
	            PI_OBSERVABLE_IPV6, s, n, NULL, x->norm, sizeof(x->norm), &len, NULL) != PI_OK)
		return 0;
	emit_value(x, PI_OBSERVABLE_IPV6, x->norm, len, a);
	return 1;
}

/* A host as it appears in a normalised URL or a log field: address or name. */
static void emit_host(struct pi_scan_xctx *x, const char *s, size_t n)
{
	int dotted_digits = 1;

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		emit_ipv6(x, s + 1, n - 2);
		return;
	}
	for (size_t i = 0; i < n && dotted_digits; i++)
		dotted_digits = (s[i] >= '0' && s[i] <= '9') || s[i] == '.';
	if (dotted_digits)
		emit_ipv4(x, s, n);
	else if (memchr(s, ':', n))
		emit_ipv6(x, s, n);
	else
		emit_domain(x, s, n);
}

static void emit_url(struct pi_scan_xctx *x, const char *s, size_t n)
{
	size_t len = 0, host, hlen;
	struct pi_scan_url_parts parts;
	int rc;

	if (n > PI_OBSERVABLE_MAX_INPUT)
		return;
	/* the common all-ASCII shapes take the fast path (fastnorm.h), which also says where the
	 * host is; that host is already in its DOMAIN or IPV4 normal form */
	rc = pi_scan_url_fast(s, n, x->url, sizeof(x->url), &parts);
	if (rc == 0)
		return;
	if (rc == 1) {
		uint8_t addr[16] = {0};
		emit_value(x, PI_OBSERVABLE_URL, x->url, parts.len, NULL);
		memcpy(x->host, x->url + parts.host_off, parts.host_len);
		x->host[parts.host_len] = '\0';
		if (parts.host_is_ipv4) {
			memcpy(addr, parts.addr, 4);
			if (ip4_wanted(x, addr))
				emit_value(x, PI_OBSERVABLE_IPV4, x->host, parts.host_len, addr);
		} else {
			emit_value(x, PI_OBSERVABLE_DOMAIN, x->host, parts.host_len, NULL);
		}
		return;
	}
	if (pi_observable_normalize(
	            PI_OBSERVABLE_URL, s, n, NULL, x->url, sizeof(x->url), &len, NULL) != PI_OK)
		return;
	emit_value(x, PI_OBSERVABLE_URL, x->url, len, NULL);
	host = pi_scan_url_host(x->url, len, &hlen);
	memcpy(x->host, x->url + host, hlen);
	emit_host(x, x->host, hlen);
}

static void emit_email(struct pi_scan_xctx *x, const char *s, size_t n)
{
	size_t len = 0, domain = 0;
	const char *at;
	int rc;

	rc = pi_scan_email_fast(s, n, x->url, sizeof(x->url), &len, &domain);
	if (rc == 0)
		return;
	if (rc < 0) {
		if (pi_observable_normalize(PI_OBSERVABLE_EMAIL, s, n, NULL, x->url, sizeof(x->url),
		            &len, NULL) != PI_OK)
			return;
		at = strrchr(x->url, '@');
		if (!at) {
			emit_value(x, PI_OBSERVABLE_EMAIL, x->url, len, NULL);
			return;
		}
		domain = (size_t)(at + 1 - x->url);
	}
	emit_value(x, PI_OBSERVABLE_EMAIL, x->url, len, NULL);
	emit_value(x, PI_OBSERVABLE_DOMAIN, x->url + domain, len - domain, NULL);
}

static void emit_hash(struct pi_scan_xctx *x, const char *s, size_t n)
{
	enum pi_observable_kind kind = n == 32   ? PI_OBSERVABLE_MD5
	                               : n == 40 ? PI_OBSERVABLE_SHA1
	                               : n == 64 ? PI_OBSERVABLE_SHA256
	                                         : PI_OBSERVABLE_SHA512;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = cls[(unsigned char)s[i]];
		if (!(c & (C_DIGIT | C_HEXA)))
			return;
		x->norm[i] = lower_ascii(s[i]);
	}
	x->norm[n] = '\0';
	emit_value(x, kind, x->norm, n, NULL);
}

/* ---------- the tokeniser ---------- */

/* A piece of a run without ':'; after_slash: it follows a single '/' (a path, not a host);
 * acc: the OR of the byte classes of s[0..n) when the caller has it, else 0. */
static void plain_piece(
        struct pi_scan_xctx *x, const char *s, size_t n, int after_slash, unsigned acc)
{
	size_t n0 = n;

	while (n > 0 && (s[0] == '.' || s[0] == '-' || s[0] == '_')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == '.' || s[n - 1] == '-' || s[n - 1] == '_'))
		n--;
	if (n == 0)
		return;
	if (!acc || n != n0) { /* not given, or the trim took bytes whose class may be gone */
		acc = 0;
		for (size_t i = 0; i < n; i++)
			acc |= cls[(unsigned char)s[i]];
	}
	if (acc & C_DOT) {
		if (!(acc & ~(unsigned)(C_DIGIT | C_DOT)))
			emit_ipv4(x, s, n);
		else if (!after_slash)
			emit_domain(x, s, n);
		return;
	}
	if ((n == 32 || n == 40 || n == 64 || n == 128) &&
	        !(acc & ~(unsigned)(C_DIGIT | C_ALPHA | C_UPPER | C_HEXA)))
		emit_hash(x, s, n);
}

/* The first byte at or after e that ends a URL (url_end), or len; *parens gains the number of
 * '(' less the number of ')' before it. */
static size_t url_stop(const char *t, size_t len, size_t e, int *parens)
{
#ifdef __SSE2__
	/* 16 bytes a step while they are inside the text: the end is the first url_end byte
	 * (controls, space, DEL and "'<>`\\{}|^), and '(' and ')' before it are counted */
	while (e + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + e));
		__m128i end = _mm_or_si128(
		        _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x20)), v),
		                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)),
		                        _mm_cmpeq_epi8(v, _mm_set1_epi8('"')))),
		        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')),
		                             _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
		                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('>')),
		                        _mm_cmpeq_epi8(v, _mm_set1_epi8('`')))));
		__m128i end2 = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')),
		                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('{'))),
		        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('}')),
		                             _mm_cmpeq_epi8(v, _mm_set1_epi8('|'))),
		                _mm_cmpeq_epi8(v, _mm_set1_epi8('^'))));
		unsigned endm = (unsigned)_mm_movemask_epi8(_mm_or_si128(end, end2));
		unsigned po = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('(')));
		unsigned pc = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(')')));
		unsigned keep = endm ? (1u << __builtin_ctz(endm)) - 1 : 0xFFFFu;
		if ((po | pc) & keep)
			*parens += __builtin_popcount(po & keep) - __builtin_popcount(pc & keep);
		if (endm)
			return e + (size_t)__builtin_ctz(endm);
		e += 16;
	}
#endif
	while (e < len && !url_end[(unsigned char)t[e]]) {
		*parens += t[e] == '(' ? 1 : t[e] == ')' ? -1 : 0;
		e++;
	}
	return e;
}

/* Punctuation a URL does not end with (the sentence's, not the URL's): take_url trims it, and
 * a ')' that closes no '(' of the URL. */
static int url_trailer(char c)
{
	return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == ']';
}

/* A URL whose "scheme:" ends at colon (text[colon] == ':' and "//" follows). Returns the index
 * just past the URL. */
static size_t take_url(
        struct pi_scan_xctx *x, const char *t, size_t len, size_t run_start, size_t colon)
{
	size_t s = colon, e;
	int parens = 0;

	while (s > run_start && ((cls[(unsigned char)t[s - 1]] & (C_ALPHA | C_DIGIT)) ||
	                                t[s - 1] == '.' || t[s - 1] == '-'))
		s--;
	while (s < colon && !(cls[(unsigned char)t[s]] & C_ALPHA))
		s++;
	e = url_stop(t, len, colon + 3, &parens);
	while (e > colon + 3) {
		char c = t[e - 1];
		if (url_trailer(c) || (c == ')' && parens < 0)) {
			parens += c == ')' ? 1 : 0;
			e--;
			continue;
		}
		break;
	}
	if (s < colon && e > colon + 3)
		emit_url(x, t + s, e - s);
	return e;
}

/* Handles run t[s..e) (acc: OR of its byte classes). Returns where scanning goes on. */
static size_t take_run(
        struct pi_scan_xctx *x, const char *t, size_t len, size_t s, size_t e, unsigned acc)
{
	int after_slash = s > 0 && t[s - 1] == '/' && !(s > 1 && t[s - 2] == '/');

	if (acc & C_COLON) {
		/* scheme://... */
		if (t[e - 1] == ':' && e + 1 < len && t[e] == '/' && t[e + 1] == '/') {
			size_t colon = e - 1;
			while (colon > s && t[colon - 1] != ':')
				colon--;
			/* colon is the start of the last ':'-separated piece; the scheme ends at
			 * e-1 */
			return take_url(x, t, len, colon, e - 1);
		}
	}
	if (e < len && t[e] == '@') {
		size_t ls = e, de = e + 1;
		while (ls > 0 && (t[ls - 1] == '+' || ((cls[(unsigned char)t[ls - 1]] & C_RUN) &&
		                                              t[ls - 1] != ':')))
			ls--;
		while (de < len && (cls[(unsigned char)t[de]] & C_RUN) && t[de] != ':')
			de++;
		while (de > e + 1 && t[de - 1] == '.')
			de--;
		if (de > e + 1) {
			emit_email(x, t + ls, de - ls);
			return de;
		}
	}
	if (acc & C_COLON) {
		size_t colons = 0, p;
		for (size_t i = s; i < e; i++)
			colons += t[i] == ':';
		if (colons >= 2 && !(acc & (C_HI | C_HYPHEN))) {
			if (emit_ipv6(x, t + s, e - s))
				return e;
			if (t[e - 1] == ':' && emit_ipv6(x, t + s, e - s - 1))
				return e;
		}
		p = s;
		for (size_t i = s; i <= e; i++) {
			if (i == e || t[i] == ':') {
				if (i > p)
					plain_piece(x, t + p, i - p, p == s && after_slash, 0);
				p = i + 1;
			}
		}
		return e;
	}
	plain_piece(x, t + s, e - s, after_slash, acc);
	return e;
}

static int ci_eq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower_ascii(a[i]) != b[i])
			return 0;
	return 1;
}

/* Copies text into out with defanged forms undone; returns the new length (<= len). */
static size_t refang(const char *t, size_t len, char *out)
{
	static const struct {
		const char *from, *to;
	} subst[] = {{"[.]", "."}, {"(.)", "."}, {"{.}", "."}, {"[dot]", "."}, {"(dot)", "."},
	        {"[:]", ":"}, {"[://]", "://"}, {"[@]", "@"}, {"[at]", "@"}, {"hxxps", "https"},
	        {"hxxp", "http"}, {"hxxxp", "http"}, {"fxp", "ftp"}};
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		size_t k;
		for (k = 0; k < sizeof(subst) / sizeof(subst[0]); k++) {
			size_t fl = strlen(subst[k].from), tl = strlen(subst[k].to);
			if (i + fl <= len && ci_eq(t + i, subst[k].from, fl)) {
				/* schemes only when "://" (or a defanged "[:]//") follows */
				if (subst[k].from[0] != '[' && subst[k].from[0] != '(' &&
				        subst[k].from[0] != '{' &&
				        !(i + fl + 3 <= len && memcmp(t + i + fl, "://", 3) == 0) &&
				        !(i + fl + 5 <= len &&
				                memcmp(t + i + fl, "[:]//", 5) == 0) &&
				        !(i + fl + 5 <= len && memcmp(t + i + fl, "[://]", 5) == 0))
					continue;
				memcpy(out + o, subst[k].to, tl);
				o += tl;
				i += fl;
				break;
			}
		}
		if (k == sizeof(subst) / sizeof(subst[0]))
			out[o++] = t[i++];
	}
	return o;
}

/* Builds the masks of t[0..len), one bit per byte, bits past len clear: runs (name
 * characters) and want ('.' and ':', a name character right before an '@', the first byte of
 * an aligned block of 16 name characters). */
static void build_masks(const char *t, size_t len, uint64_t *runs, uint64_t *want)
{
	size_t nw = (len + 63) / 64;

	for (size_t w = 0; w < nw; w++) {
		uint64_t r = 0, d = 0, a = 0, l = 0;
		size_t base = w * 64;
		for (size_t k = 0; k < 64 && base + k < len; k += 16) {
			const char *p = t + base + k;
			size_t left = len - base - k;
			uint64_t lane;
#ifdef __SSE2__
			__m128i v, lo, alpha, digcol, dot, colon, rest;
			/* a text's last bytes: its last 16 bytes read again and the bytes before
			 * p dropped from every mask (a copy would cost a call) */
			unsigned drop = 0, keep = 0xFFFF;
			char tmp[16];
			if (left < 16) {
				if (len >= 16) {
					drop = 16 - (unsigned)left;
					p -= drop;
				} else {
					memset(tmp, 0, sizeof(tmp));
					memcpy(tmp, p, left);
					p = tmp;
				}
				keep = (1u << left) - 1;
			}
			v = _mm_loadu_si128((const __m128i *)(const void *)p);
			lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
			alpha = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
			        _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));
			digcol = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
			        _mm_cmplt_epi8(v, _mm_set1_epi8(':' + 1)));
			dot = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
			colon = _mm_cmpeq_epi8(v, _mm_set1_epi8(':'));
			rest = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
			        _mm_cmpeq_epi8(v, _mm_set1_epi8('_')));
			lane = (((unsigned)_mm_movemask_epi8(_mm_or_si128(
			                 _mm_or_si128(alpha, digcol), _mm_or_si128(dot, rest))) |
			                (unsigned)_mm_movemask_epi8(v)) >>
			               drop) &
			       keep;
			d |= (uint64_t)(((unsigned)_mm_movemask_epi8(_mm_or_si128(dot, colon)) >>
			                        drop) &
			                keep)
			     << k;
			a |= (uint64_t)(((unsigned)_mm_movemask_epi8(
			                         _mm_cmpeq_epi8(v, _mm_set1_epi8('@'))) >>
			                        drop) &
			                keep)
			     << k;
#else
			size_t m = left < 16 ? left : 16;
			lane = 0;
			for (size_t b = 0; b < m; b++) {
				unsigned c = cls[(unsigned char)p[b]];
				if (c & C_RUN)
					lane |= (uint64_t)1 << b;
				if (c & (C_DOT | C_COLON))
					d |= (uint64_t)1 << (k + b);
				if (p[b] == '@')
					a |= (uint64_t)1 << (k + b);
			}
#endif
			r |= lane << k;
			if (lane == 0xFFFF)
				l |= (uint64_t)1 << k;
		}
		runs[w] = r;
		want[w] = d | l | ((a >> 1) & r);
		if (w > 0 && (a & 1) && (runs[w - 1] >> 63))
			want[w - 1] |= (uint64_t)1 << 63;
	}
}

/* The first i' >= i (< len) whose bit in m equals want, or len. */
static size_t next_bit(const uint64_t *m, size_t i, size_t len, int want)
{
	size_t w = i >> 6;
	uint64_t flip = want ? 0 : ~(uint64_t)0, b;

	if (i >= len)
		return len;
	b = (m[w] ^ flip) & (~(uint64_t)0 << (i & 63));
	while (!b) {
		if (++w * 64 >= len)
			return len;
		b = m[w] ^ flip;
	}
	i = w * 64 + (size_t)__builtin_ctzll(b);
	return i < len ? i : len;
}

/* The start of the run of set bits of m that holds p (bit p set), but not before floor. */
static size_t run_start(const uint64_t *m, size_t p, size_t floor)
{
	size_t w = p >> 6, s;
	uint64_t b = ~m[w] & (~(uint64_t)0 >> (63 - (p & 63)));

	while (!b) {
		if (w == 0 || w * 64 <= floor)
			return floor;
		b = ~m[--w];
	}
	s = w * 64 + 64 - (size_t)__builtin_clzll(b);
	return s > floor ? s : floor;
}

/* visit_run for a run whose byte classes the caller has ORed into acc. */
static size_t visit_run_acc(
        struct pi_scan_xctx *x, const char *t, size_t len, size_t s, size_t e, unsigned acc)
{
	size_t n = e - s;

	/* words without '.', ':' or '@' after them and not hash-long give nothing */
	if (!(acc & (C_DOT | C_COLON)) && !(e < len && t[e] == '@')) {
		if (n == 32 || n == 40 || n == 64 || n == 128)
			plain_piece(x, t + s, n, 0, 0);
		return e;
	}
	return take_run(x, t, len, s, e, acc);
}

/* The maximal run t[s..e) as the byte-wise loop handles it; returns where scanning goes on. */
static size_t visit_run(struct pi_scan_xctx *x, const char *t, size_t len, size_t s, size_t e)
{
	unsigned acc = 0;

	for (size_t k = s; k < e; k++)
		acc |= cls[(unsigned char)t[k]];
	return visit_run_acc(x, t, len, s, e, acc);
}

/* ---------- BIND query log lines ---------- */

/* The end of the run of name characters that starts at i (i itself if none). */
static size_t run_end(const char *t, size_t len, size_t i)
{
	while (i < len && (cls[(unsigned char)t[i]] & C_RUN))
		i++;
	return i;
}

static int at(const char *t, size_t len, size_t i, const char *lit, size_t n)
{
	return i + n <= len && memcmp(t + i, lit, n) == 0;
}

static int digits_at(const char *t, size_t len, size_t i, size_t n)
{
	if (i + n > len)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (!(cls[(unsigned char)t[i + k]] & C_DIGIT))
			return 0;
	return 1;
}

/* A word of letters and digits at i (up to 16 bytes) followed by a space: its end, or 0. */
static size_t word_at(const char *t, size_t len, size_t i)
{
	size_t k = i;
	while (k < len && k - i <= 16 && (cls[(unsigned char)t[k]] & (C_ALPHA | C_DIGIT)))
		k++;
	return k > i && k - i <= 16 && k < len && t[k] == ' ' ? k : 0;
}

/* A BIND 9 query log line, "DD-Mmm-YYYY HH:MM:SS.mmm client [@0xPTR ]ADDR#PORT [(NAME)]:
 * [view VIEW: ]query: NAME CLASS TYPE FLAGS [(SERVER)]", looked at without tokenising the
 * whole line: the runs that can hold an observable (the client and server addresses, the
 * names, the view) go through visit_run exactly as the tokeniser would visit them, and
 * everything else is of a shape that gives nothing (the stamp, "client", the pointer, the
 * port, "query:", the class, type and flags). Every byte is checked before anything is
 * reported; returns 0 (and reports nothing) if the line is not exactly of this shape, so the
 * caller tokenises it. */
static int bind_line(struct pi_scan_xctx *x, const char *t, size_t len)
{
	size_t i, ca, ce, na = 0, ne = 0, va = 0, ve = 0, qa, qe, sa = 0, se = 0;

	/* "01-May-2024 12:00:00.123 client " */
	if (len < 40 || t[2] != '-' || t[6] != '-' || t[11] != ' ' || t[14] != ':' ||
	        t[17] != ':' || t[20] != '.' || t[24] != ' ' || !digits_at(t, len, 0, 2) ||
	        !(cls[(unsigned char)t[3]] & C_ALPHA) || !(cls[(unsigned char)t[4]] & C_ALPHA) ||
	        !(cls[(unsigned char)t[5]] & C_ALPHA) || !digits_at(t, len, 7, 4) ||
	        !digits_at(t, len, 12, 2) || !digits_at(t, len, 15, 2) ||
	        !digits_at(t, len, 18, 2) || !digits_at(t, len, 21, 3) ||
	        !at(t, len, 25, "client ", 7))
		return 0;
	i = 32;
	if (at(t, len, i, "@0x", 3)) { /* "@0x7f3a..." then a space */
		size_t k = i + 3;
		while (k < len && k - i <= 20 && (cls[(unsigned char)t[k]] & (C_DIGIT | C_HEXA)))
			k++;
		if (k == i + 3 || k - i > 20 || k >= len || t[k] != ' ')
			return 0;
		i = k + 1;
	}
	/* the client address, then "#port" */
	ca = i;
	ce = run_end(t, len, ca);
	if (ce == ca || ce >= len || t[ce] != '#')
		return 0;
	i = ce + 1;
	if (!digits_at(t, len, i, 1))
		return 0;
	while (i < len && (cls[(unsigned char)t[i]] & C_DIGIT))
		i++;
	if (i - ce > 6)
		return 0;
	if (at(t, len, i, " (", 2)) {
		na = i + 2;
		ne = run_end(t, len, na);
		if (ne == na || !at(t, len, ne, "):", 2))
			return 0;
		i = ne + 2;
	} else if (at(t, len, i, ":", 1)) {
		i++;
	} else {
		return 0;
	}
	if (!at(t, len, i, " ", 1))
		return 0;
	i++;
	if (at(t, len, i, "view ", 5)) {
		va = i + 5;
		ve = run_end(t, len, va);
		/* the view's run ends with its ':' (a run character) */
		if (ve - va < 2 || t[ve - 1] != ':' || !at(t, len, ve, " ", 1))
			return 0;
		i = ve + 1;
	}
	if (!at(t, len, i, "query: ", 7))
		return 0;
	qa = i + 7;
	qe = run_end(t, len, qa);
	if (qe == qa || !at(t, len, qe, " ", 1))
		return 0;
	i = qe + 1;
	/* class and type */
	if (!(i = word_at(t, len, i)) || !(i = word_at(t, len, i + 1)))
		return 0;
	i++;
	/* flags: '+' or '-' then letters, digits and "(...)", up to 24 bytes */
	{
		size_t k = i;
		while (k < len && k - i <= 24 &&
		        ((cls[(unsigned char)t[k]] & (C_ALPHA | C_DIGIT)) || t[k] == '+' ||
		                t[k] == '-' || t[k] == '(' || t[k] == ')'))
			k++;
		if (k == i || k - i > 24 || (t[i] != '+' && t[i] != '-'))
			return 0;
		i = k;
	}
	if (i < len) {
		if (!at(t, len, i, " (", 2))
			return 0;
		sa = i + 2;
		se = run_end(t, len, sa);
		if (se == sa || se + 1 != len || t[se] != ')')
			return 0;
	}
	/* the shape holds: report, in line order */
	visit_run(x, t, len, ca, ce);
	if (na)
		visit_run(x, t, len, na, ne);
	if (va)
		visit_run(x, t, len, va, ve);
	visit_run(x, t, len, qa, qe); /* the same name again costs a comparison (emit_domain) */
	if (sa)
		visit_run(x, t, len, sa, se);
	return 1;
}

/* ---------- BIND query log lines, the bit-mask reading ---------- */

/* Lines up to FAST_MAX bytes are read a second way, with the same verdicts as bind_line but
 * without a byte loop: the line is copied into a zero-padded buffer and classified 16 bytes at
 * a time into bit masks (one bit per byte), and every "the run ends here", "these are all
 * digits" and "no ':' in this run" of bind_line becomes a few operations on the masks. Runs
 * of plain ASCII (no ':', '_' or byte >= 0x80) are read straight from the masks: an address
 * of digits and dots, a name of letters, digits, '-' and '.' whose labels are checked from
 * the dot positions; anything else goes to visit_run, the tokeniser's own handling. A
 * differential test and a fuzz target hold this reading to the tokeniser's. */
#define FAST_WORDS (FAST_MAX / 64)

struct lmask {
	uint64_t run[FAST_WORDS + 2];   /* name characters (C_RUN) */
	uint64_t digit[FAST_WORDS + 2]; /* '0'-'9' */
	uint64_t alpha[FAST_WORDS + 2]; /* letters */
	uint64_t dot[FAST_WORDS + 2];   /* '.' */
	uint64_t hy[FAST_WORDS + 2];    /* '-' */
	uint64_t odd[FAST_WORDS + 2];   /* ':', '_' and bytes >= 0x80 */
	uint64_t sp[FAST_WORDS + 2];    /* ' ' */
};

/* Clears the words of m that lmask_build fills for len bytes, and the one after them, which
 * the readers below may look at. */
static void lmask_clear(struct lmask *m, size_t len)
{
	size_t nw = (len + 63) / 64 + 1;

	if (nw > FAST_WORDS + 1)
		nw = FAST_WORDS + 1;
	for (size_t w = 0; w < nw; w++)
		m->run[w] = m->digit[w] = m->alpha[w] = m->dot[w] = m->hy[w] = m->odd[w] =
		        m->sp[w] = 0;
}

/* Clears the bits at and past len that the vector builders set from the bytes after the line
 * (the padding of a copy is zero, but a line read in place is followed by the next one), and
 * the word after the nw words they filled: the readers below may look one word past the line,
 * and mclear stops there. The last vector ends in the word that holds len or the one before,
 * so one word is enough to trim. */
static inline __attribute__((always_inline)) void lmask_trim_word(struct lmask *m, size_t len)
{
	size_t w = len >> 6;
	uint64_t keep = ((uint64_t)1 << (len & 63)) - 1;

	if (w > FAST_WORDS)
		return;
	m->run[w] &= keep;
	m->digit[w] &= keep;
	m->alpha[w] &= keep;
	m->dot[w] &= keep;
	m->hy[w] &= keep;
	m->odd[w] &= keep;
	m->sp[w] &= keep;
}

static inline __attribute__((always_inline)) void lmask_trim(struct lmask *m, size_t len, size_t nw)
{
	for (size_t w = nw; w <= nw + 1 && w <= FAST_WORDS + 1; w++)
		m->run[w] = m->digit[w] = m->alpha[w] = m->dot[w] = m->hy[w] = m->odd[w] =
		        m->sp[w] = 0;
	lmask_trim_word(m, len);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* Fills m for buf[0..len) (buf padded with zero bytes to a multiple of 32). Bits past len are
 * clear (a zero byte is in no class). */
__attribute__((target("avx2"))) static void lmask_build_avx2(
        const char *buf, size_t len, struct lmask *m)
{
	size_t nw = (len + 63) / 64;

	for (size_t k = 0; k < 2 * nw; k++) {
		__m256i v = _mm256_setzero_si256();
		if (k * 32 < len)
			v = _mm256_loadu_si256((const __m256i *)(const void *)(buf + k * 32));
		__m256i lo = _mm256_or_si256(v, _mm256_set1_epi8(0x20));
		__m256i alpha = _mm256_and_si256(_mm256_cmpgt_epi8(lo, _mm256_set1_epi8('a' - 1)),
		        _mm256_cmpgt_epi8(_mm256_set1_epi8('z' + 1), lo));
		__m256i digit = _mm256_and_si256(_mm256_cmpgt_epi8(v, _mm256_set1_epi8('0' - 1)),
		        _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), v));
		__m256i dot = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('.'));
		__m256i hy = _mm256_cmpeq_epi8(v, _mm256_set1_epi8('-'));
		__m256i odd = _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8(':')),
		        _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('_')),
		                _mm256_cmpgt_epi8(_mm256_setzero_si256(), v)));
		__m256i run = _mm256_or_si256(_mm256_or_si256(_mm256_or_si256(alpha, digit), dot),
		        _mm256_or_si256(hy, odd));
		size_t w = k / 2, sh = (k % 2) * 32;
		/* the first half of a word sets it, the second adds to it */
		uint64_t keep = sh ? ~(uint64_t)0 : 0;
		m->run[w] = (m->run[w] & keep) | (uint64_t)(uint32_t)_mm256_movemask_epi8(run)
		                                         << sh;
		m->digit[w] = (m->digit[w] & keep) | (uint64_t)(uint32_t)_mm256_movemask_epi8(digit)
		                                             << sh;
		m->alpha[w] = (m->alpha[w] & keep) | (uint64_t)(uint32_t)_mm256_movemask_epi8(alpha)
		                                             << sh;
		m->dot[w] = (m->dot[w] & keep) | (uint64_t)(uint32_t)_mm256_movemask_epi8(dot)
		                                         << sh;
		m->hy[w] = (m->hy[w] & keep) | (uint64_t)(uint32_t)_mm256_movemask_epi8(hy) << sh;
		m->sp[w] = (m->sp[w] & keep) | (uint64_t)(uint32_t)_mm256_movemask_epi8(
		                                       _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')))
		                                       << sh;
		m->odd[w] = (m->odd[w] & keep) | (uint64_t)(uint32_t)_mm256_movemask_epi8(odd)
		                                         << sh;
	}
	lmask_trim(m, len, nw);
}
#define HAVE_LMASK_AVX2 1

/* The same with AVX-512 (BW): 64 bytes a step. Each byte's classes come from two 16-entry
 * tables, one for its low and one for its high four bits (the bits both give are its
 * classes), then each class straight into a 64-bit mask; bytes >= 0x80 (odd, run) from their
 * top bit. Letters need two bits: A-O and a-o share their low halves (1-F), P-Z and p-z
 * theirs (0-A). */
enum { LM_DIGIT = 1, LM_ALPHA1 = 2, LM_ALPHA2 = 4, LM_DOT = 8, LM_HY = 16, LM_SP = 32,
	LM_COLON = 64, LM_UNDER = 128 };
__attribute__((target("avx512f,avx512bw"))) static void lmask_build_avx512(
        const char *buf, size_t len, struct lmask *m)
{
	size_t nv = (len + 63) / 64;
	const __m512i lo_tab = _mm512_broadcast_i32x4(_mm_setr_epi8(
	        (char)(LM_DIGIT | LM_ALPHA2 | LM_SP), (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2),
	        (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2), (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2),
	        (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2), (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2),
	        (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2), (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2),
	        (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2), (char)(LM_DIGIT | LM_ALPHA1 | LM_ALPHA2),
	        (char)(LM_COLON | LM_ALPHA1 | LM_ALPHA2), (char)LM_ALPHA1, (char)LM_ALPHA1,
	        (char)(LM_ALPHA1 | LM_HY), (char)(LM_ALPHA1 | LM_DOT), (char)(LM_ALPHA1 | LM_UNDER)));
	const __m512i hi_tab = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 0,
	        (char)(LM_DOT | LM_HY | LM_SP), (char)(LM_DIGIT | LM_COLON), (char)LM_ALPHA1,
	        (char)(LM_ALPHA2 | LM_UNDER), (char)LM_ALPHA1, (char)LM_ALPHA2, 0, 0, 0, 0, 0, 0, 0,
	        0));
	const __m512i nib = _mm512_set1_epi8(0x0F);

	for (size_t k = 0; k < nv; k++) {
		__m512i v = _mm512_loadu_si512((const void *)(buf + k * 64));
		__m512i c = _mm512_and_si512(
		        _mm512_shuffle_epi8(lo_tab, _mm512_and_si512(v, nib)),
		        _mm512_shuffle_epi8(hi_tab, _mm512_and_si512(_mm512_srli_epi16(v, 4), nib)));
		uint64_t hi = _mm512_movepi8_mask(v);
		uint64_t odd = _mm512_test_epi8_mask(c, _mm512_set1_epi8((char)(LM_COLON | LM_UNDER))) | hi;
		m->digit[k] = _mm512_test_epi8_mask(c, _mm512_set1_epi8(LM_DIGIT));
		m->alpha[k] = _mm512_test_epi8_mask(c, _mm512_set1_epi8(LM_ALPHA1 | LM_ALPHA2));
		m->dot[k] = _mm512_test_epi8_mask(c, _mm512_set1_epi8(LM_DOT));
		m->hy[k] = _mm512_test_epi8_mask(c, _mm512_set1_epi8(LM_HY));
		m->sp[k] = _mm512_test_epi8_mask(c, _mm512_set1_epi8(LM_SP));
		m->odd[k] = odd;
		m->run[k] = _mm512_test_epi8_mask(c, _mm512_set1_epi8((char)~LM_SP)) | hi;
	}
	lmask_trim(m, len, nv);
}
#define HAVE_LMASK_AVX512 1
#endif

#ifdef __SSE2__
static void lmask_build_sse2(const char *buf, size_t len, struct lmask *m)
{
	size_t nw = (len + 63) / 64;

	for (size_t k = 0; k < 4 * nw; k++) {
		__m128i v = _mm_setzero_si128();
		if (k * 16 < len)
			v = _mm_loadu_si128((const __m128i *)(const void *)(buf + k * 16));
		__m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
		__m128i alpha = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
		        _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));
		__m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
		        _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
		__m128i dot = _mm_cmpeq_epi8(v, _mm_set1_epi8('.'));
		__m128i hy = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));
		__m128i odd = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(':')),
		        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')),
		                _mm_cmplt_epi8(v, _mm_setzero_si128())));
		__m128i run = _mm_or_si128(
		        _mm_or_si128(_mm_or_si128(alpha, digit), dot), _mm_or_si128(hy, odd));
		size_t w = k / 4, sh = (k % 4) * 16;
		/* the first quarter of a word sets it, the others add to it */
		uint64_t keep = sh ? ~(uint64_t)0 : 0;
		m->run[w] = (m->run[w] & keep) | (uint64_t)(unsigned)_mm_movemask_epi8(run) << sh;
		m->digit[w] = (m->digit[w] & keep) | (uint64_t)(unsigned)_mm_movemask_epi8(digit)
		                                             << sh;
		m->alpha[w] = (m->alpha[w] & keep) | (uint64_t)(unsigned)_mm_movemask_epi8(alpha)
		                                             << sh;
		m->dot[w] = (m->dot[w] & keep) | (uint64_t)(unsigned)_mm_movemask_epi8(dot) << sh;
		m->hy[w] = (m->hy[w] & keep) | (uint64_t)(unsigned)_mm_movemask_epi8(hy) << sh;
		m->odd[w] = (m->odd[w] & keep) | (uint64_t)(unsigned)_mm_movemask_epi8(odd) << sh;
		m->sp[w] =
		        (m->sp[w] & keep) |
		        (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')))
		                << sh;
	}
	lmask_trim(m, len, nw);
}
#endif

/* The portable reading, and the reference for the vector ones (a unit test compares them). */
static void lmask_build_bytes(const char *buf, size_t len, struct lmask *m)
{
	lmask_clear(m, len);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];
		unsigned c = cls[ch];
		uint64_t b = (uint64_t)1 << (i & 63);
		size_t w = i >> 6;
		if (c & C_RUN)
			m->run[w] |= b;
		if (c & C_DIGIT)
			m->digit[w] |= b;
		if (c & C_ALPHA)
			m->alpha[w] |= b;
		if (ch == '.')
			m->dot[w] |= b;
		if (ch == '-')
			m->hy[w] |= b;
		if (ch == ' ')
			m->sp[w] |= b;
		if (ch == ':' || ch == '_' || ch >= 0x80)
			m->odd[w] |= b;
	}
}

typedef void (*lmask_fn)(const char *buf, size_t len, struct lmask *m);
/* chosen once by cls_init from what the processor has */
static lmask_fn lmask_build = lmask_build_bytes;

/* The widest the processor has; POSTISAC_SCAN_ISA=avx2|sse2|bytes caps it (the unit tests run
 * every reading this way). */
static void lmask_choose(void)
{
	const char *cap = getenv("POSTISAC_SCAN_ISA");
	int level = !cap ? 3 : strcmp(cap, "avx2") == 0 ? 2 : strcmp(cap, "sse2") == 0 ? 1 : 0;

	(void)level;
#ifdef __SSE2__
	if (level >= 1)
		lmask_build = lmask_build_sse2;
#endif
#ifdef HAVE_LMASK_AVX2
	__builtin_cpu_init();
	if (level >= 2 && __builtin_cpu_supports("avx2"))
		lmask_build = lmask_build_avx2;
#endif
#ifdef HAVE_LMASK_AVX512
	if (level >= 3 && __builtin_cpu_supports("avx512bw"))
		lmask_build = lmask_build_avx512;
#endif
}

static PI_HOT int mbit(const uint64_t *mk, size_t i)
{
	return (int)((mk[i >> 6] >> (i & 63)) & 1);
}

/* The first i' >= i whose bit in mk is clear (at most FAST_MAX: the padding is clear). */
static PI_HOT size_t mclear(const uint64_t *mk, size_t i)
{
	size_t w = i >> 6;
	uint64_t b = ~mk[w] & (~(uint64_t)0 << (i & 63));

	while (!b)
		b = ~mk[++w];
	return w * 64 + (size_t)__builtin_ctzll(b);
}

/* Bits of mk in [s, e) (s < e <= s + 64, s inside the line) as a word, bit 0 = position s;
 * bits past the line are clear. */
static PI_HOT uint64_t mrange(const uint64_t *mk, size_t s, size_t e)
{
	size_t w = s >> 6, o = s & 63, n = e - s;
	/* the next word's bits come in with two shifts, so o == 0 brings none; it is there:
	 * s < len, so w + 1 is at most the zeroed word after the line's (lmask_trim) */
	uint64_t v = (mk[w] >> o) | ((mk[w + 1] << 1) << (63 - o));

	return v & (~(uint64_t)0 >> (64 - n));
}

/* Equal bytes a[0..n) and b[0..n), both in the padded line (reads may pass n by 32 bytes). */
static PI_HOT int same_bytes(const char *a, const char *b, size_t n)
{
	size_t i = 0;

#ifdef __SSE2__
	if (n <= 32) {
		/* names differ in length from line to line: no loop whose count varies */
		unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		                      _mm_loadu_si128((const __m128i *)(const void *)a),
		                      _mm_loadu_si128((const __m128i *)(const void *)b))) |
		              (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		                      _mm_loadu_si128((const __m128i *)(const void *)(a + 16)),
		                      _mm_loadu_si128((const __m128i *)(const void *)(b + 16))))
		                      << 16;
		uint64_t want;
		if (n == 0)
			return 1;
		want = ~(uint64_t)0 >> (64 - n);
		return (eq & want) == want;
	}
#endif
	for (; i + 8 <= n; i += 8) {
		uint64_t u, v;
		memcpy(&u, a + i, 8);
		memcpy(&v, b + i, 8);
		if (u != v)
			return 0;
	}
	if (i < n) {
		uint64_t u, v;
		memcpy(&u, a + i, 8);
		memcpy(&v, b + i, 8);
		return ((u ^ v) & (~(uint64_t)0 >> (64 - 8 * (n - i)))) == 0;
	}
	return 1;
}

/* The value of the 1-3 digits at p (k of them, the bytes after them readable) and whether
 * they are a canonical part of a dotted quad (k of 1-3, no leading zero, at most 255),
 * without a branch: the lengths of the parts vary from address to address. */
static PI_HOT unsigned quad_part(const char *p, size_t k, unsigned *bad)
{
	/* weights of the first three bytes for k = 0..3 (k > 3 is bad and reads as 0) */
	static const uint8_t w0[4] = {0, 1, 10, 100}, w1[4] = {0, 0, 1, 10}, w2[4] = {0, 0, 0, 1};
	size_t kk = k > 3 ? 0 : k;
	unsigned d0 = (unsigned)(unsigned char)p[0] - '0';
	unsigned d1 = (unsigned)(unsigned char)p[1] - '0';
	unsigned d2 = (unsigned)(unsigned char)p[2] - '0';
	unsigned v = d0 * w0[kk] + d1 * w1[kk] + d2 * w2[kk];

	*bad |= (unsigned)(kk == 0) | ((unsigned)(k > 1) & (unsigned)(d0 == 0)) |
	        (unsigned)(v > 255);
	return v;
}

/* A canonical dotted quad t[0..n) of digits and dots (dot: its dots as bits): emit_ipv4's
 * verdicts from the dot positions (exactly three, parts of 1-3 digits, no leading zero,
 * at most 255). The bytes after t[n) are readable (the line is padded). */
static PI_HOT void fast_ipv4(struct pi_scan_xctx *x, const char *t, size_t n, uint64_t dot)
{
	uint8_t a[16] = {0};
	uint64_t d2 = dot & (dot - 1), d3 = d2 & (d2 - 1);
	size_t p1, p2, p3;
	unsigned bad = 0, v0, v1;

	/* exactly three dots (without a popcount instruction in the baseline ISA) */
	if (n < 7 || n > 15 || !dot || !d2 || !d3 || (d3 & (d3 - 1)))
		return;
	p1 = (size_t)__builtin_ctzll(dot);
	p2 = (size_t)__builtin_ctzll(d2);
	p3 = (size_t)__builtin_ctzll(d3);
	v0 = quad_part(t, p1, &bad) & 0xFF;
	v1 = quad_part(t + p1 + 1, p2 - p1 - 1, &bad) & 0xFF;
	/* outside the filter it is not reported whether or not it is an address (a bad part
	 * gives some byte, and bad is not looked at) */
	if (!ip4_wanted16(x, v0 << 8 | v1))
		return;
	a[0] = (uint8_t)v0;
	a[1] = (uint8_t)v1;
	a[2] = (uint8_t)quad_part(t + p2 + 1, p3 - p2 - 1, &bad);
	a[3] = (uint8_t)quad_part(t + p3 + 1, n - p3 - 1, &bad);
	if (bad)
		return;
	memcpy(x->norm, t, n);
	x->norm[n] = '\0';
	emit_value(x, PI_OBSERVABLE_IPV4, x->norm, n, a);
}

/* fast_run for a run of at most 64 bytes: every mask of the run in one word. */
static PI_HOT void fast_run_word(struct pi_scan_xctx *x, const struct lmask *m, const char *t,
        size_t len, size_t s, size_t e)
{
	size_t n = e - s, lead, ls;
	uint64_t all = ~(uint64_t)0 >> (64 - n); /* 1 <= n <= 64 */
	uint64_t dot = mrange(m->dot, s, e), hy, alpha, digit = mrange(m->digit, s, e), edge,
	                                           starts, ends;

	/* digits and dots from a digit to a digit (the addresses of a BIND line): where the
	 * steps below would send them, without the trim */
	if (dot && (dot | digit) == all && (digit & 1) && ((digit >> (n - 1)) & 1)) {
		fast_ipv4(x, t + s, n, dot);
		return;
	}
	if (mrange(m->odd, s, e)) {
		visit_run(x, t, len, s, e);
		return;
	}
	if (!dot) {
		/* visit_run: no '.' or ':' and no '@' after it, so only a hash-long word counts */
		if (n == 32 || n == 40 || n == 64)
			plain_piece(x, t + s, n, 0, 0);
		return;
	}
	hy = mrange(m->hy, s, e);
	/* take_run -> plain_piece: the trim of '.' and '-' ('_' went to visit_run) */
	edge = dot | hy;
	lead = (size_t)__builtin_ctzll(~edge | ~all);
	if (lead >= n)
		return;
	{
		uint64_t rest = ~edge & all;
		e = s + 64 - (size_t)__builtin_clzll(rest);
	}
	s += lead;
	n = e - s;
	all = ~(uint64_t)0 >> (64 - n);
	dot = (dot >> lead) & all;
	hy = (hy >> lead) & all;
	digit = (digit >> lead) & all;
	if (!dot) {
		plain_piece(x, t + s, n, 0, 0);
		return;
	}
	alpha = mrange(m->alpha, s, e);
	if (!(alpha | hy)) {
		fast_ipv4(x, t + s, n, dot); /* digits and dots */
		return;
	}
	/* a name: emit_domain's seen records, then pi_scan_domain_fast's verdicts */
	for (size_t k = 0; k < x->nseen; k++)
		if (x->seen_len[k] == n && same_bytes(x->seen[k], t + s, n))
			return;
	starts = ((dot << 1) | 1) & all;
	ends = ((dot >> 1) | ((uint64_t)1 << (n - 1))) & all;
	if ((dot & (dot >> 1)) || (hy & (starts | ends)))
		goto refused; /* an empty label, or one that starts or ends with '-' */
	if (hy & (hy >> 1) & (starts << 2)) {
		emit_domain(x, t + s, n); /* "--" in positions 3-4: xn-- or refused */
		return;
	}
	ls = 64 - (size_t)__builtin_clzll(dot); /* the top-level label starts here */
	if ((digit >> ls) == (all >> ls))
		goto refused; /* the top-level label is all digits */
#ifdef __SSE2__
	/* 32 bytes whatever n (the line is padded, norm is longer): most names are shorter */
	for (size_t i = 0; i < 32 || i < n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + s + i));
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
		        _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
		_mm_storeu_si128((__m128i *)(void *)(x->norm + i),
		        _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20))));
	}
#else
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[s + i];
		x->norm[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
#endif
	x->norm[n] = '\0';
	emit_value(x, PI_OBSERVABLE_DOMAIN, x->norm, n, NULL);
refused:
	if (x->nseen < sizeof(x->seen) / sizeof(x->seen[0])) {
		x->seen[x->nseen] = t + s;
		x->seen_len[x->nseen++] = n;
	}
}

static PI_HOT void fast_run(struct pi_scan_xctx *x, const struct lmask *m, const char *t,
        size_t len, size_t s, size_t e)
{
	/* a run of over 64 bytes is rare in a BIND line: the tokeniser's own handling */
	if (e - s <= 64)
		fast_run_word(x, m, t, len, s, e);
	else
		visit_run(x, t, len, s, e);
}

/* t[i..i+n) (within len) is l[0..n), 1 <= n <= 8, l zero-padded to 8 bytes: one 8-byte
 * comparison (the line is padded). Use LIT. */
/* The number of hex digits at p (at most 18; p has 18 readable bytes). */
static PI_HOT size_t hex_prefix(const char *p)
{
	size_t n;
#ifdef __SSE2__
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
	__m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
	        _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
	__m128i hex = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
	        _mm_cmplt_epi8(lo, _mm_set1_epi8('f' + 1)));
	uint32_t mk = (uint32_t)_mm_movemask_epi8(_mm_or_si128(dig, hex));

	n = (size_t)__builtin_ctz(~mk); /* at most 16: bit 16 of ~mk is set */
#else
	n = 0;
#endif
	while (n < 18 && (cls[(unsigned char)p[n]] & (C_DIGIT | C_HEXA)))
		n++;
	return n;
}

/* The number of bytes at p, of the first avail, that are letters, digits, '+', '-', '(' or
 * ')' (at most 32; p has 32 readable bytes). */
static PI_HOT size_t flag_prefix(const char *p, size_t avail)
{
	uint64_t mk = 0;
#ifdef __SSE2__
	for (int h = 0; h < 2; h++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * h));
		__m128i lo = _mm_or_si128(v, _mm_set1_epi8(0x20));
		__m128i al = _mm_and_si128(_mm_cmpgt_epi8(lo, _mm_set1_epi8('a' - 1)),
		        _mm_cmplt_epi8(lo, _mm_set1_epi8('z' + 1)));
		__m128i dg = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
		        _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
		__m128i pu = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('+')),
		                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('-'))),
		        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('(')),
		                _mm_cmpeq_epi8(v, _mm_set1_epi8(')'))));
		mk |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(al, dg), pu))
		      << (16 * h);
	}
#else
	for (size_t k = 0; k < 32; k++) {
		unsigned char c = (unsigned char)p[k];
		if ((cls[c] & (C_ALPHA | C_DIGIT)) || c == '+' || c == '-' || c == '(' || c == ')')
			mk |= (uint64_t)1 << k;
	}
#endif
	if (avail < 32)
		mk &= ((uint64_t)1 << avail) - 1;
	return (size_t)__builtin_ctzll(~mk);
}

static PI_HOT int lit8(const char *t, size_t len, size_t i, const char *l, size_t n)
{
	uint64_t a, b;

	memcpy(&a, t + i, 8);
	memcpy(&b, l, 8);
	return i + n <= len && ((a ^ b) & (~(uint64_t)0 >> (64 - 8 * n))) == 0;
}
#define LIT(t, len, i, s) lit8(t, len, i, (const char[8]){s}, sizeof(s) - 1)

/* The most spaces a line of bind_line's shape holds: three in the stamp and "client ", the
 * pointer, the address, the name, two for the view, "query:", the name, class, type, flags. */
#define FAST_SPACES 13

/* Fills p with the positions of the spaces of the line, in order, and returns how many there
 * are; more than FAST_SPACES returns FAST_SPACES + 1 (p then holds part of them). p has room
 * for FAST_SPACES + 16 entries: up to 8 or 16 are written per word whatever its count (the
 * extra entries are junk), so no loop runs as many times as a line has spaces. */
static PI_HOT size_t fast_spaces(const struct lmask *m, size_t len, uint16_t *p)
{
	size_t cnt = 0, nw = (len + 63) / 64;

	for (size_t w = 0; w < nw; w++) {
		uint64_t bits = m->sp[w];
		size_t c = (size_t)__builtin_popcountll(bits);
		if (cnt + c > FAST_SPACES)
			return FAST_SPACES + 1;
		for (size_t k = 0; k < 8; k++) {
			p[cnt + k] = (uint16_t)(w * 64 +
			                        (size_t)__builtin_ctzll(bits | (uint64_t)1 << 63));
			bits &= bits - 1;
		}
		for (size_t k = 8; k < c; k++) {
			p[cnt + k] = (uint16_t)(w * 64 + (size_t)__builtin_ctzll(bits));
			bits &= bits - 1;
		}
		cnt += c;
	}
	return cnt;
}

/* bind_line's grammar read from the masks of the padded copy b of the line (len <= FAST_MAX):
 * returns 0, having reported nothing, when the line is not of that shape. The spaces are found
 * first, all at once; every field is then checked from the spaces around it, so the checks do
 * not wait on one another (reading the line field after field would make each wait for the
 * end of the one before). */
PI_CLONES static int bind_fast(struct pi_scan_xctx *x, const char *b, size_t len)
{
	/* "01-May-2024 12:00:00.123 client ": digits, letters and literal bytes */
	static const uint64_t digits = 0xEDB783ull, letters = 0x38ull;
	static const char head[] = "\?\?-\?\?\?-\?\?\?\? \?\?:\?\?:\?\?.\?\?\? client ";
	struct lmask m;
	uint16_t p[FAST_SPACES + 16];
	size_t nsp, j, i, k, ca, ce, pe, na = 0, ne = 0, va = 0, ve = 0, qa, qe, sa = 0, se = 0;

	if (len < 40)
		return 0;
#ifdef __SSE2__
	{
		/* the literal bytes of head, 16 at a time: bit k of lits is set where head[k] is
		 * one */
		static const uint32_t lits = 0xFFFFFFFFu & ~digits & ~letters;
		__m128i h0 = _mm_loadu_si128((const __m128i *)(const void *)head);
		__m128i h1 = _mm_loadu_si128((const __m128i *)(const void *)(head + 16));
		uint32_t eq = (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
		                      _mm_loadu_si128((const __m128i *)(const void *)b), h0)) |
		              (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
		                      _mm_loadu_si128((const __m128i *)(const void *)(b + 16)), h1))
		                      << 16;
		if ((eq & lits) != lits)
			return 0;
	}
#else
	for (k = 0; k < 32; k++)
		if (head[k] != '?' && b[k] != head[k])
			return 0;
#endif
	lmask_build(b, len, &m);
	if ((m.digit[0] & digits) != digits || (m.alpha[0] & letters) != letters)
		return 0;
	/* the head's three spaces (11, 24, 31) are p[0..2]: the head allows no other */
	nsp = fast_spaces(&m, len, p);
	if (nsp < 8 || nsp > FAST_SPACES)
		return 0;
	j = 3; /* p[j - 1] + 1 starts the next field */
	if (LIT(b, len, 32, "@0x")) {
		/* "@0x" and 1-17 hex digits up to the next space */
		k = 35 + hex_prefix(b + 35);
		if (k == 35 || k > 52 || k != p[3])
			return 0;
		j = 4;
	}
	/* the client address, then "#port" and " (" or ":" and a space */
	ca = (size_t)p[j - 1] + 1;
	ce = mclear(m.run, ca);
	if (ce == ca || ce >= len || b[ce] != '#' || !mbit(m.digit, ce + 1))
		return 0;
	pe = mclear(m.digit, ce + 1);
	if (pe - ce > 6)
		return 0;
	if (pe == p[j]) {
		/* " (NAME):" then a space */
		if (b[pe + 1] != '(')
			return 0;
		na = pe + 2;
		ne = mclear(m.run, na);
		if (ne == na || ne + 2 != p[j + 1] || !LIT(b, len, ne, "):"))
			return 0;
		j += 2;
	} else if (b[pe] == ':' && pe + 1 == p[j]) {
		j += 1;
	} else {
		return 0;
	}
	/* p[j - 1] is the space before "view" or "query:"; at least 4 spaces follow it (after
	 * "query:", the name, the class and the type) */
	if (j + 4 > nsp)
		return 0;
	i = (size_t)p[j - 1] + 1;
	if (LIT(b, len, i, "view ")) {
		va = i + 5;
		ve = mclear(m.run, va);
		if (ve - va < 2 || b[ve - 1] != ':' || ve != p[j + 1] || j + 6 > nsp)
			return 0;
		j += 2;
		i = ve + 1;
	}
	if (!LIT(b, len, i, "query: "))
		return 0;
	qa = i + 7;
	qe = mclear(m.run, qa);
	if (qe == qa || qe != p[j + 1])
		return 0;
	/* class and type: 1-16 letters and digits between two spaces */
	for (size_t f = j + 1; f < j + 3; f++) {
		size_t s0 = (size_t)p[f] + 1, n = (size_t)p[f + 1] - s0;
		uint64_t an = mrange(m.alpha, s0, s0 + 17) | mrange(m.digit, s0, s0 + 17);
		if (n == 0 || n > 16 || (size_t)__builtin_ctzll(~an) != n)
			return 0;
	}
	/* flags: '+' or '-' then letters, digits, '+', '-', '(' and ')', up to 24 bytes, to the
	 * end of the line or to " (SERVER)" */
	i = (size_t)p[j + 3] + 1;
	if (i >= len || (b[i] != '+' && b[i] != '-'))
		return 0;
	k = i + flag_prefix(b + i, len - i);
	if (k - i > 24)
		return 0;
	if (k < len) {
		if (j + 4 >= nsp || k != p[j + 4] || b[k + 1] != '(')
			return 0;
		sa = k + 2;
		se = mclear(m.run, sa);
		if (se == sa || se + 1 != len || b[se] != ')')
			return 0;
	}
	/* no space left over (the fields above account for every one) */
	if (nsp != j + 4 + (k < len))
		return 0;
	x->fast_lines++;
	fast_run(x, &m, b, len, ca, ce);
	if (na)
		fast_run(x, &m, b, len, na, ne);
	if (va)
		visit_run(x, b, len, va, ve);
	/* the query name is most often the parenthesised name again: when it is, byte for
	 * byte, and that is a name (a '.', a letter or '-', no ':', '_' or UTF-8: the domain
	 * reading, which reports a name once per line), it gives nothing new; an address or a
	 * hash-long word would be reported again by the tokeniser, so those are read */
	if (!(na && qe - qa == ne - na && qe - qa <= 32 && same_bytes(b + qa, b + na, qe - qa) &&
	            mrange(m.dot, na, ne) && (mrange(m.alpha, na, ne) | mrange(m.hy, na, ne)) &&
	            !mrange(m.odd, na, ne)))
		fast_run(x, &m, b, len, qa, qe);
	if (sa)
		fast_run(x, &m, b, len, sa, se);
	return 1;
}

/* ---------- squid access log lines ---------- */

/* The end of the bytes from i whose class has a bit of want; *acc gets the OR of their
 * classes. */
static PI_HOT size_t span(const char *t, size_t len, size_t i, unsigned want, unsigned *acc)
{
	unsigned a = 0, c;

	while (i < len && ((c = cls[(unsigned char)t[i]]) & want)) {
		a |= c;
		i++;
	}
	*acc = a;
	return i;
}

/* A field of name characters from i, ended by the byte stop: fills f, returns its end or 0. */
struct sfield {
	size_t s, e;
	unsigned acc;
};

static PI_HOT size_t run_field(const char *t, size_t len, size_t i, char stop, struct sfield *f)
{
	f->s = i;
	f->e = span(t, len, i, C_RUN, &f->acc);
	return f->e > i && f->e < len && t[f->e] == stop ? f->e : 0;
}

/* visit_run_acc for a run of run_field; a run of digits and dots that starts and ends with a
 * digit goes straight to emit_ipv4, where take_run and plain_piece would send it. */
static PI_HOT void give_run(
        struct pi_scan_xctx *x, const char *t, size_t len, const struct sfield *f)
{
	if ((f->acc & C_DOT) && !(f->acc & ~(unsigned)(C_DIGIT | C_DOT)) && t[f->s] != '.' &&
	        t[f->e - 1] != '.')
		emit_ipv4(x, t + f->s, f->e - f->s);
	else
		visit_run_acc(x, t, len, f->s, f->e, f->acc);
}

#define SQUID_TYPE_RUNS 4

/* A squid access log line in squid's native format ("logformat squid"):
 *   TIME.MS ELAPSED CLIENT CODE/STATUS BYTES METHOD URL IDENT HIERARCHY/PEER TYPE
 * e.g. "1714564800.487   9691 10.1.66.169 TCP_MISS/200 52031 GET http://a.example/x -
 * HIER_DIRECT/192.0.2.7 text/html", read field by field without the tokeniser's masks. The
 * fields that cannot give anything are only checked for their shape: the stamp (4-12 digits,
 * '.', 3 digits: never an address, its first part is too long), the elapsed time and the size
 * (digits), the code and the method (letters, digits, '-', '_' and '/', at most 30 bytes: no
 * run in them is looked at by the tokeniser). The others are runs of name characters ended by
 * a space or a '/', which visit_run handles as the tokeniser would (none is followed by an
 * '@' or by "//", so none reaches past its end), and the URL: "scheme://" up to its first
 * url_end byte, which must be the space, after a byte take_url does not trim, so take_url
 * would report exactly that span. Returns 0, having reported nothing, when the line is not of
 * this shape (the caller tokenises it). */
static int squid_line(struct pi_scan_xctx *x, const char *t, size_t len)
{
	struct sfield client, url = {0, 0, 0}, ident, hier, peer, type[SQUID_TYPE_RUNS];
	size_t i, k, ntype = 0, colon = 0;
	unsigned acc;

	/* the stamp, then the elapsed time, right-aligned */
	k = span(t, len, 0, C_DIGIT, &acc);
	if (k < 4 || k > 12 || k + 5 > len || t[k] != '.' || !digits_at(t, len, k + 1, 3) ||
	        t[k + 4] != ' ')
		return 0;
	i = k + 5;
	while (i < len && t[i] == ' ')
		i++;
	k = span(t, len, i, C_DIGIT, &acc);
	if (k == i || k - i > 10 || k >= len || t[k] != ' ')
		return 0;
	if (!(k = run_field(t, len, k + 1, ' ', &client)))
		return 0;
	/* CODE/STATUS */
	i = k + 1;
	for (k = i; k < len &&
	            ((cls[(unsigned char)t[k]] & (C_ALPHA | C_DIGIT | C_HYPHEN)) || t[k] == '/');
	        k++)
		;
	if (k == i || k - i > 30 || k >= len || t[k] != ' ')
		return 0;
	/* the size and the method */
	i = k + 1;
	k = span(t, len, i, C_DIGIT, &acc);
	if (k == i || k - i > 20 || k >= len || t[k] != ' ')
		return 0;
	i = k + 1;
	k = span(t, len, i, C_ALPHA | C_DIGIT | C_HYPHEN, &acc);
	if (k == i || k - i > 30 || k >= len || t[k] != ' ')
		return 0;
	/* the URL, or a run ("host:port" of a CONNECT, "-") */
	i = k + 1;
	k = span(t, len, i, C_ALPHA, &acc);
	if (k > i && k + 3 <= len && t[k] == ':' && t[k + 1] == '/' && t[k + 2] == '/') {
		int parens = 0;
		char last;
		colon = k;
		url.s = i;
		url.e = url_stop(t, len, k + 3, &parens);
		if (url.e == k + 3 || url.e >= len || t[url.e] != ' ')
			return 0;
		/* take_url would trim nothing (a ')' only perhaps: not taken) */
		last = t[url.e - 1];
		if (url_trailer(last) || last == ')')
			return 0;
		k = url.e;
	} else if (!(k = run_field(t, len, i, ' ', &url))) {
		return 0;
	}
	if (!(k = run_field(t, len, k + 1, ' ', &ident)) ||
	        !(k = run_field(t, len, k + 1, '/', &hier)) ||
	        !(k = run_field(t, len, k + 1, ' ', &peer)))
		return 0;
	/* the type: runs separated by single '/', to the end of the line */
	for (i = k + 1;; i = k + 1) {
		if (ntype == SQUID_TYPE_RUNS)
			return 0;
		type[ntype].s = i;
		k = type[ntype].e = span(t, len, i, C_RUN, &type[ntype].acc);
		if (k == i)
			return 0;
		ntype++;
		if (k == len)
			break;
		if (t[k] != '/')
			return 0;
	}
	/* the shape holds: report, in line order */
	x->fast_lines++;
	give_run(x, t, len, &client);
	if (colon)
		emit_url(x, t + url.s, url.e - url.s);
	else
		give_run(x, t, len, &url);
	give_run(x, t, len, &ident);
	give_run(x, t, len, &hier);
	give_run(x, t, len, &peer);
	for (size_t n = 0; n < ntype; n++)
		give_run(x, t, len, &type[n]);
	return 1;
}

/* The format fast readings of a TEXT line, or of a SYSLOG line without a syslog header
 * (NULL x->text: none): 1 when one took the line. */
static int fast_text(struct pi_scan_xctx *x, const char *t, size_t len)
{
	int done;

	if (!(cls[(unsigned char)t[0]] & C_DIGIT))
		return 0;
	x->nseen = 0;
	x->text = t;
	x->text_len = len;
	done = squid_line(x, t, len);
	x->text = NULL;
	return done;
}

void pi_scan_tokenise(struct pi_scan_xctx *x, const char *t, size_t len)
{
	size_t i = 0;

	/* the tables are ready: x went through pi_scan_xctx_init */
	if ((x->flags & PI_SCAN_REFANG) && len <= PI_SCAN_MAX_LINE && t != x->refang) {
		len = refang(t, len, x->refang);
		t = x->refang;
	}
	x->text = t;
	x->text_len = len;
	x->nseen = 0;
	if (len <= PI_SCAN_MAX_LINE && x->runs && x->want) {
		build_masks(t, len, x->runs, x->want);
		/* the runs the loop below visits are the runs of the byte-wise loop that can give
		 * something, cut at i the same way */
		while (i < len) {
			size_t p = next_bit(x->want, i, len, 1), s, e;
			if (p >= len)
				break;
			s = run_start(x->runs, p, i);
			e = next_bit(x->runs, p, len, 0);
			i = visit_run(x, t, len, s, e);
		}
		x->text = NULL;
		return;
	}
	while (i < len) {
		size_t s;
		unsigned acc = 0, c = 0;
		while (i < len && !(cls[(unsigned char)t[i]] & C_RUN))
			i++;
		if (i >= len)
			break;
		s = i;
		while (i < len && ((c = cls[(unsigned char)t[i]]) & C_RUN)) {
			acc |= c;
			i++;
		}
		/* words without '.', ':' or '@' after them and not hash-long cost nothing more */
		if (!(acc & (C_DOT | C_COLON)) && !(i < len && t[i] == '@')) {
			size_t n = i - s;
			if (n == 32 || n == 40 || n == 64 || n == 128)
				plain_piece(x, t + s, n, 0, 0);
			continue;
		}
		i = take_run(x, t, len, s, i, acc);
	}
	x->text = NULL;
}

/* ---------- syslog ---------- */

static const char *const months[] = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int is_month(const char *s, size_t n)
{
	if (n < 4 || s[3] != ' ')
		return 0;
	for (size_t i = 0; i < 12; i++)
		if (memcmp(s, months[i], 3) == 0)
			return 1;
	return 0;
}

static size_t skip_field(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] != ' ')
		i++;
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

static int is_iso_stamp(const char *s, size_t n)
{
	return n >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ') &&
	       s[13] == ':' && (cls[(unsigned char)s[0]] & C_DIGIT);
}

/* Offset of the message after a syslog header, or 0 if none is recognised. */
static size_t syslog_body(const char *s, size_t n)
{
	size_t i = 0;

	if (n > 0 && s[0] == '<') {
		size_t k = 1;
		while (k < n && k < 5 && (cls[(unsigned char)s[k]] & C_DIGIT))
			k++;
		if (k < n && s[k] == '>' && k > 1)
			i = k + 1;
	}
	if (i > 0 && i + 1 < n && s[i] == '1' && s[i + 1] == ' ') { /* RFC 5424 */
		i += 2;
		for (int f = 0; f < 5; f++)
			i = skip_field(s, n, i);
		if (i < n && s[i] == '[') {
			while (i < n) {
				if (s[i] == '"') { /* quoted parameter value: \" and \] escape */
					i++;
					while (i < n && s[i] != '"')
						i += s[i] == '\\' ? 2 : 1;
				} else if (s[i] == ']' && (i + 1 >= n || s[i + 1] != '[')) {
					i++;
					break;
				}
				i++;
			}
		} else {
			i = skip_field(s, n, i);
		}
		return i < n ? i : n;
	}
	if (is_month(s + i, n - i)) {
		i += 4;
		while (i < n && s[i] == ' ')
			i++;
		i = skip_field(s, n, i);    /* day */
		i = skip_field(s, n, i);    /* time */
		return skip_field(s, n, i); /* host */
	}
	if (is_iso_stamp(s + i, n - i)) {
		i = skip_field(s, n, i);
		return skip_field(s, n, i);
	}
	return i;
}

/* ---------- JSON lines ---------- */

#define JSON_MAX_DEPTH 32
#define JSON_PATH_MAX 256

struct jw {
	struct pi_scan_xctx *x;
	const char *s;
	size_t n, i;
	int eve;
	char path[JSON_PATH_MAX];
	size_t plen;
	int path_over;
	char host[PI_DOMAIN_MAX + 2];
	size_t host_len;
	char port[8];
	size_t port_len;
	char url[2048];
	size_t url_len;
};

static void jw_ws(struct jw *w)
{
	while (w->i < w->n && (w->s[w->i] == ' ' || w->s[w->i] == '\t' || w->s[w->i] == '\r' ||
	                              w->s[w->i] == '\n'))
		w->i++;
}

static int hexv(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower_ascii(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int read_u4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexv(s[k]);
		if (h < 0)
			return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/* Reads a string at w->i (on the opening quote). out and len: the raw bytes when there is no
 * escape, else the decoded text in dst (cap bytes). Returns -1 on a fault. */
static int jw_string(struct jw *w, char *dst, size_t cap, const char **out, size_t *len)
{
	size_t start = ++w->i, o = 0;
	int escaped = 0;

	while (w->i < w->n && w->s[w->i] != '"') {
		if ((unsigned char)w->s[w->i] < 0x20)
			return -1;
		if (w->s[w->i] == '\\') {
			escaped = 1;
			w->i += 2;
		} else {
			w->i++;
		}
	}
	if (w->i >= w->n)
		return -1;
	if (!escaped) {
		*out = w->s + start;
		*len = w->i - start;
		w->i++;
		return 0;
	}
	for (size_t k = start; k < w->i;) {
		char c = w->s[k];
		unsigned cp;
		if (o + 4 >= cap)
			return -1;
		if (c != '\\') {
			dst[o++] = c;
			k++;
			continue;
		}
		c = w->s[k + 1];
		k += 2;
		switch (c) {
		case '"': dst[o++] = '"'; break;
		case '\\': dst[o++] = '\\'; break;
		case '/': dst[o++] = '/'; break;
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'u':
			if (k + 4 > w->i || read_u4(w->s + k, &cp) < 0)
				return -1;
			k += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {
				unsigned lo;
				if (k + 6 > w->i || w->s[k] != '\\' || w->s[k + 1] != 'u' ||
				        read_u4(w->s + k + 2, &lo) < 0 || lo < 0xDC00 ||
				        lo > 0xDFFF)
					return -1;
				k += 6;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
				return -1;
			}
			if (cp < 0x80) {
				dst[o++] = (char)cp;
			} else if (cp < 0x800) {
				dst[o++] = (char)(0xC0 | cp >> 6);
				dst[o++] = (char)(0x80 | (cp & 0x3F));
			} else if (cp < 0x10000) {
				dst[o++] = (char)(0xE0 | cp >> 12);
				dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				dst[o++] = (char)(0xF0 | cp >> 18);
				dst[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
				dst[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				dst[o++] = (char)(0x80 | (cp & 0x3F));
			}
			break;
		default: return -1;
		}
	}
	dst[o] = '\0';
	*out = dst;
	*len = o;
	w->i++;
	return 0;
}

static const char *const eve_tokenise[] = {"dns.rrname", "dns.queries.rrname", "dns.query.rrname",
        "dns.answers.rdata", "dns.rdata", "dns.grouped.A", "dns.grouped.AAAA", "dns.grouped.CNAME",
        "dns.grouped.MX", "dns.grouped.NS", "dns.grouped.PTR", "tls.sni", "quic.sni",
        "http.http_refer", "url", "src_ip", "dest_ip", "fileinfo.md5", "fileinfo.sha1",
        "fileinfo.sha256", "smtp.helo", "email.from", "email.to", "email.cc", NULL};

static int path_is(const struct jw *w, const char *p)
{
	return !w->path_over && strcmp(w->path, p) == 0;
}

static void jw_string_value(struct jw *w, const char *v, size_t n)
{
	if (!w->eve) {
		pi_scan_tokenise(w->x, v, n);
		return;
	}
	if (path_is(w, "http.hostname")) {
		if (n < sizeof(w->host)) {
			memcpy(w->host, v, n);
			w->host_len = n;
		}
		pi_scan_tokenise(w->x, v, n);
		return;
	}
	if (path_is(w, "http.url")) {
		if (n < sizeof(w->url)) {
			memcpy(w->url, v, n);
			w->url_len = n;
		}
		if (n > 0 && v[0] != '/')
			pi_scan_tokenise(w->x, v, n);
		return;
	}
	for (size_t k = 0; eve_tokenise[k]; k++)
		if (path_is(w, eve_tokenise[k])) {
			pi_scan_tokenise(w->x, v, n);
			return;
		}
}

static int jw_value(struct jw *w, int depth);

static int jw_scalar(struct jw *w)
{
	size_t start = w->i;
	const char *s = w->s;

	if (w->i < w->n && (s[w->i] == 't' || s[w->i] == 'f' || s[w->i] == 'n')) {
		const char *lit = s[w->i] == 't' ? "true" : s[w->i] == 'f' ? "false" : "null";
		size_t l = strlen(lit);
		if (w->n - w->i < l || memcmp(s + w->i, lit, l) != 0)
			return -1;
		w->i += l;
		return 0;
	}
	while (w->i < w->n &&
	        (cls[(unsigned char)s[w->i]] & C_DIGIT || s[w->i] == '-' || s[w->i] == '+' ||
	                s[w->i] == '.' || s[w->i] == 'e' || s[w->i] == 'E'))
		w->i++;
	if (w->i == start)
		return -1;
	if (w->eve && path_is(w, "http.http_port") && w->i - start < sizeof(w->port)) {
		memcpy(w->port, s + start, w->i - start);
		w->port_len = w->i - start;
	}
	return 0;
}

static int jw_object(struct jw *w, int depth)
{
	size_t saved = w->plen;
	int saved_over = w->path_over;

	w->i++;
	jw_ws(w);
	if (w->i < w->n && w->s[w->i] == '}') {
		w->i++;
		return 0;
	}
	for (;;) {
		const char *k;
		size_t kl;
		char kbuf[128];
		jw_ws(w);
		if (w->i >= w->n || w->s[w->i] != '"' ||
		        jw_string(w, kbuf, sizeof(kbuf), &k, &kl) < 0)
			return -1;
		w->plen = saved;
		w->path_over = saved_over;
		if (saved + kl + 2 > sizeof(w->path)) {
			w->path_over = 1;
		} else {
			if (saved > 0)
				w->path[w->plen++] = '.';
			memcpy(w->path + w->plen, k, kl);
			w->plen += kl;
			w->path[w->plen] = '\0';
		}
		jw_ws(w);
		if (w->i >= w->n || w->s[w->i] != ':')
			return -1;
		w->i++;
		if (jw_value(w, depth + 1) < 0)
			return -1;
		jw_ws(w);
		if (w->i < w->n && w->s[w->i] == ',') {
			w->i++;
			continue;
		}
		if (w->i < w->n && w->s[w->i] == '}') {
			w->i++;
			break;
		}
		return -1;
	}
	w->plen = saved;
	w->path_over = saved_over;
	w->path[w->plen] = '\0';
	return 0;
}

static int jw_array(struct jw *w, int depth)
{
	w->i++;
	jw_ws(w);
	if (w->i < w->n && w->s[w->i] == ']') {
		w->i++;
		return 0;
	}
	for (;;) {
		if (jw_value(w, depth + 1) < 0)
			return -1;
		jw_ws(w);
		if (w->i < w->n && w->s[w->i] == ',') {
			w->i++;
			continue;
		}
		if (w->i < w->n && w->s[w->i] == ']') {
			w->i++;
			return 0;
		}
		return -1;
	}
}

static int jw_value(struct jw *w, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return -1;
	jw_ws(w);
	if (w->i >= w->n)
		return -1;
	switch (w->s[w->i]) {
	case '{': return jw_object(w, depth);
	case '[': return jw_array(w, depth);
	case '"': {
		const char *v;
		size_t vl;
		if (jw_string(w, w->x->unescape, PI_SCAN_MAX_LINE, &v, &vl) < 0)
			return -1;
		jw_string_value(w, v, vl);
		return 0;
	}
	default: return jw_scalar(w);
	}
}

static int json_line(struct pi_scan_xctx *x, const char *s, size_t n, int eve)
{
	struct jw w;

	w.x = x;
	w.s = s;
	w.n = n;
	w.i = 0;
	w.eve = eve;
	w.path[0] = '\0';
	w.plen = 0;
	w.path_over = 0;
	w.host_len = w.url_len = w.port_len = 0;
	jw_ws(&w);
	if (w.i >= n)
		return 0; /* blank line */
	if (s[w.i] != '{' || jw_value(&w, 0) < 0)
		return -1;
	jw_ws(&w);
	if (w.i != n)
		return -1;
	if (eve && w.host_len > 0 && w.url_len > 0 && w.url[0] == '/') {
		char u[sizeof(w.host) + sizeof(w.port) + sizeof(w.url) + 16];
		size_t o = 0;
		memcpy(u, "http://", 7);
		o = 7;
		memcpy(u + o, w.host, w.host_len);
		o += w.host_len;
		if (w.port_len > 0) {
			u[o++] = ':';
			memcpy(u + o, w.port, w.port_len);
			o += w.port_len;
		}
		memcpy(u + o, w.url, w.url_len);
		o += w.url_len;
		emit_url(x, u, o);
	}
	return 0;
}

/* ---------- Zeek ---------- */

#define ZEEK_MAX_COLS 256

enum { Z_IGNORE = 0, Z_TOKENISE, Z_HOST, Z_URI };

struct pi_scan_zeek {
	char sep;
	size_t ncols;
	unsigned char role[ZEEK_MAX_COLS];
};

void pi_scan_zeek_free(pi_scan_zeek *z)
{
	free(z);
}

static unsigned char zeek_role(const char *name, size_t n)
{
	static const char *const tok[] = {"query", "answers", "server_name", "id.orig_h",
	        "id.resp_h", "md5", "sha1", "sha256", "mailfrom", "rcptto", "from", "to", "helo",
	        "tx_hosts", "rx_hosts", "referrer", NULL};
	if (n == 4 && memcmp(name, "host", 4) == 0)
		return Z_HOST;
	if (n == 3 && memcmp(name, "uri", 3) == 0)
		return Z_URI;
	for (size_t k = 0; tok[k]; k++)
		if (strlen(tok[k]) == n && memcmp(tok[k], name, n) == 0)
			return Z_TOKENISE;
	return Z_IGNORE;
}

pi_status pi_scan_zeek_parse_header(
        const char *text, size_t len, pi_scan_zeek **out, struct pi_error *err)
{
	pi_scan_zeek *z = NULL;
	size_t i = 0;
	pi_status st = PI_OK;

	*out = NULL;
	if (!(z = calloc(1, sizeof(*z))))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	z->sep = '\t';
	for (int lines = 0; i < len && lines < 32; lines++) {
		const char *l = text + i, *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		i += n + 1;
		if (n == 0 || l[0] != '#')
			break;
		if (n > 11 && memcmp(l, "#separator ", 11) == 0) {
			if (n >= 15 && l[11] == '\\' && l[12] == 'x' && hexv(l[13]) >= 0 &&
			        hexv(l[14]) >= 0)
				z->sep = (char)(hexv(l[13]) * 16 + hexv(l[14]));
			else
				z->sep = l[11];
		} else if (n > 7 && memcmp(l, "#fields", 7) == 0 && l[7] == z->sep) {
			size_t p = 8;
			z->ncols = 0;
			for (size_t k = 8; k <= n; k++) {
				if (k == n || l[k] == z->sep) {
					if (z->ncols >= ZEEK_MAX_COLS) {
						st = pi_error_set(err, PI_ERR_TOOBIG,
						        "a Zeek log has at most %d columns",
						        ZEEK_MAX_COLS);
						goto out;
					}
					z->role[z->ncols++] = zeek_role(l + p, k - p);
					p = k + 1;
				}
			}
		}
	}
	if (z->ncols == 0) {
		st = pi_error_set(err, PI_ERR_INVALID,
		        "not a Zeek TSV log: no '#fields' line in its header (use --format)");
		goto out;
	}
	*out = z;
	z = NULL;
out:
	free(z);
	return st;
}

static int zeek_line(struct pi_scan_xctx *x, const char *s, size_t n)
{
	const pi_scan_zeek *z = x->zeek;
	const char *host = NULL, *uri = NULL;
	size_t host_len = 0, uri_len = 0, col = 0, p = 0;

	if (n == 0 || s[0] == '#')
		return 0;
	if (!z)
		return -1;
	for (size_t k = 0; k <= n; k++) {
		const char *v;
		size_t vl;
		if (k < n && s[k] != z->sep)
			continue;
		v = s + p;
		vl = k - p;
		p = k + 1;
		if (col >= z->ncols)
			return -1;
		if (!(vl == 1 && v[0] == '-') && !(vl == 7 && memcmp(v, "(empty)", 7) == 0)) {
			switch (z->role[col]) {
			case Z_TOKENISE: pi_scan_tokenise(x, v, vl); break;
			case Z_HOST:
				host = v;
				host_len = vl;
				pi_scan_tokenise(x, v, vl);
				break;
			case Z_URI:
				uri = v;
				uri_len = vl;
				if (vl > 0 && v[0] != '/')
					pi_scan_tokenise(x, v, vl);
				break;
			default: break;
			}
		}
		col++;
	}
	if (col != z->ncols)
		return -1;
	if (host && uri && uri_len > 0 && uri[0] == '/' && host_len <= PI_DOMAIN_MAX + 8 &&
	        uri_len < PI_OBSERVABLE_MAX_INPUT - PI_DOMAIN_MAX - 16) {
		char tmp[PI_OBSERVABLE_MAX_INPUT];
		size_t o = 0;
		memcpy(tmp, "http://", 7);
		o = 7;
		memcpy(tmp + o, host, host_len);
		o += host_len;
		memcpy(tmp + o, uri, uri_len);
		o += uri_len;
		emit_url(x, tmp, o);
	}
	return 0;
}

/* ---------- dispatch ---------- */

int pi_scan_extract_line(
        struct pi_scan_xctx *x, enum pi_scan_format format, const char *line, size_t len)
{
	size_t body;

	if (len > PI_SCAN_MAX_LINE)
		return -1;
	switch (format) {
	case PI_SCAN_FORMAT_SYSLOG:
		body = syslog_body(line, len);
		if (body == 0 && !(x->flags & (PI_SCAN_REFANG | PI_SCAN_NO_FAST)) && len > 0 &&
		        fast_text(x, line, len))
			return 0;
		pi_scan_tokenise(x, line + body, len - body);
		return 0;
	case PI_SCAN_FORMAT_JSONL: return json_line(x, line, len, 0);
	case PI_SCAN_FORMAT_EVE: return json_line(x, line, len, 1);
	case PI_SCAN_FORMAT_ZEEK: return zeek_line(x, line, len);
	default:
		if (!(x->flags & (PI_SCAN_REFANG | PI_SCAN_NO_FAST)) && len >= 40 &&
		        line[25] == 'c') {
			int done;
			x->nseen = 0;
			if (len <= FAST_MAX && (x->flags & PI_SCAN_PADDED)) {
				x->text = line;
				x->text_len = len;
				done = bind_fast(x, line, len);
			} else if (len <= FAST_MAX && x->lbuf) {
				memcpy(x->lbuf, line, len);
				memset(x->lbuf + len, 0, 32);
				x->text = x->lbuf;
				x->text_len = len;
				done = bind_fast(x, x->lbuf, len);
			} else {
				x->text = line;
				x->text_len = len;
				done = bind_line(x, line, len);
			}
			x->text = NULL;
			if (done)
				return 0;
		}
		if (!(x->flags & (PI_SCAN_REFANG | PI_SCAN_NO_FAST)) && len > 0 &&
		        fast_text(x, line, len))
			return 0;
		pi_scan_tokenise(x, line, len);
		return 0;
	}
}

enum pi_scan_format pi_scan_format_detect(const char *text, size_t len)
{
	size_t i = 0, n;
	const char *nl;

	pthread_once(&cls_once, cls_init); /* no x here: syslog_body reads the tables */
	while (i < len && (text[i] == '\n' || text[i] == '\r' || text[i] == ' ' || text[i] == '\t'))
		i++;
	if (i >= len)
		return PI_SCAN_FORMAT_TEXT;
	nl = memchr(text + i, '\n', len - i);
	n = nl ? (size_t)(nl - text) - i : len - i;
	text += i;
	if (text[0] == '{') {
		for (size_t k = 0; k + 12 <= n; k++)
			if (memcmp(text + k, "\"event_type\"", 12) == 0)
				return PI_SCAN_FORMAT_EVE;
		return PI_SCAN_FORMAT_JSONL;
	}
	if (n >= 10 && memcmp(text, "#separator", 10) == 0)
		return PI_SCAN_FORMAT_ZEEK;
	if (syslog_body(text, n) > 0)
		return PI_SCAN_FORMAT_SYSLOG;
	return PI_SCAN_FORMAT_TEXT;
}

static const char *const format_names[] = {"auto", "text", "syslog", "jsonl", "zeek", "eve"};

const char *pi_scan_format_name(enum pi_scan_format format)
{
	if ((unsigned)format >= sizeof(format_names) / sizeof(format_names[0]))
		return "unknown";
	return format_names[format];
}

int pi_scan_format_parse(const char *name, enum pi_scan_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum pi_scan_format)i;
			return 0;
		}
	return -1;
}
