/* fastnorm.c - fast URL and e-mail normalisation for the log scanner (see fastnorm.h).
 *
 * Design. pi_observable_normalize accepts an input exactly when every one of its checks passes,
 * so the order in which checks are made does not change its verdict, only its message. The
 * fast path therefore reads the input front to back once, with byte-class tables fixed at
 * compile time, and stops at the first byte that settles the answer:
 *   - a byte the hub refuses wherever it stands (a space or control character in a URL, a
 *     character outside dot-atom text in an unquoted local part) or a structural fault the
 *     hub checks on ASCII alone (no "scheme://", a bad port, an empty host, an ASCII host or
 *     e-mail domain that breaks the DOMAIN rules) answers 0;
 *   - anything whose verdict depends on UTF-8 validation or IDNA (a byte >= 0x80 where the hub
 *     would look at it, an xn-- label), or on a shape we leave to the hub (bracketed IPv6
 *     hosts, quoted local parts) answers -1.
 * A domain refusal is only trusted when no byte >= 0x80 follows in that name, because the hub
 * sends a name with any non-ASCII byte through libidn2 as a whole (UTS #46 may, for instance,
 * drop ignored code points and so shorten an over-long name). The URL's authority is read
 * twice (once to find its end, its last '@' and the ':' before the port, once to lower-case
 * the host); the scheme, the userinfo and the path are read once, the path 8 bytes at a time.
 * Nothing here allocates or keeps state.
 */
#include "scan/fastnorm.h"

#include <string.h>

#include "core/observable.h"

/* ---------- byte tables, built by the preprocessor ---------- */

#define T4(f, c) f(c), f((c) + 1), f((c) + 2), f((c) + 3)
#define T16(f, c) T4(f, c), T4(f, (c) + 4), T4(f, (c) + 8), T4(f, (c) + 12)
#define T64(f, c) T16(f, c), T16(f, (c) + 16), T16(f, (c) + 32), T16(f, (c) + 48)
#define T256(f) T64(f, 0), T64(f, 64), T64(f, 128), T64(f, 192)

#define IS_LOWER(c) ((c) >= 'a' && (c) <= 'z')
#define IS_UPPER(c) ((c) >= 'A' && (c) <= 'Z')
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c) (IS_LOWER(c) || IS_UPPER(c) || IS_DIGIT(c))
#define IS_CTL(c) ((c) <= 0x20 || (c) == 0x7f) /* what a URL may not contain: space, controls */

/* Host bytes: letters, digits and '-' give their lower-case byte (all >= '-'); else: */
enum { H_BAD = 0, H_DOT = 1, H_HI = 2 };
#define HOST_CLASS(c)                                                                              \
	(unsigned char)(IS_LOWER(c) || IS_DIGIT(c) || (c) == '-' ? (c)                             \
	                : IS_UPPER(c)                            ? (c) + 32                        \
	                : (c) == '.'                             ? H_DOT                           \
	                : (c) >= 0x80                            ? H_HI                            \
	                                                         : H_BAD)
static const unsigned char host_tab[256] = {T256(HOST_CLASS)};

/* Scheme bytes: letters (lower-cased), digits, '+', '-', '.'; 0 ends the scheme. */
#define SCHEME_CLASS(c)                                                                            \
	(unsigned char)(IS_UPPER(c) ? (c) + 32                                                     \
	                : IS_LOWER(c) || IS_DIGIT(c) || (c) == '+' || (c) == '-' || (c) == '.'     \
	                        ? (c)                                                              \
	                        : 0)
static const unsigned char scheme_tab[256] = {T256(SCHEME_CLASS)};

/* Authority bytes. */
enum { A_PLAIN = 0, A_END, A_AT, A_COLON, A_CTL, A_HI };
#define AUTH_CLASS(c)                                                                              \
	(unsigned char)((c) == '/' || (c) == '?' || (c) == '#' ? A_END                             \
	                : (c) == '@'                           ? A_AT                              \
	                : (c) == ':'                           ? A_COLON                           \
	                : IS_CTL(c)                            ? A_CTL                             \
	                : (c) >= 0x80                          ? A_HI                              \
	                                                       : A_PLAIN)
static const unsigned char auth_tab[256] = {T256(AUTH_CLASS)};

/* Bytes of an unquoted local part: dot-atom text (letters, digits, !#$%&'*+-/=?^_`{|}~). */
enum { L_ATEXT = 0, L_DOT, L_AT, L_HI, L_BAD };
#define IS_ATEXT_SYMBOL(c)                                                                         \
	((c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || (c) == '\'' ||      \
	        (c) == '*' || (c) == '+' || (c) == '-' || (c) == '/' || (c) == '=' ||              \
	        (c) == '?' || (c) == '^' || (c) == '_' || (c) == '`' || (c) == '{' ||              \
	        (c) == '|' || (c) == '}' || (c) == '~')
#define LOCAL_CLASS(c)                                                                             \
	(unsigned char)(IS_ALNUM(c) || IS_ATEXT_SYMBOL(c) ? L_ATEXT                                \
	                : (c) == '.'                      ? L_DOT                                  \
	                : (c) == '@'                      ? L_AT                                   \
	                : (c) >= 0x80                     ? L_HI                                   \
	                                                  : L_BAD)
static const unsigned char local_tab[256] = {T256(LOCAL_CLASS)};

/* Eight bytes at once: nonzero when some byte of w is < 0x21 or > 0x7e (a space, a control
 * character or a byte >= 0x80). Exact as a yes/no answer: no borrow or carry crosses a byte
 * unless that byte already answers yes. */
#define BYTES(v) (~(uint64_t)0 / 255 * (v))
static uint64_t word_has_odd_byte(uint64_t w)
{
	uint64_t below = (w - BYTES(0x21)) & ~w & BYTES(0x80);
	uint64_t above = ((w + BYTES(0x7f - 0x7e)) | w) & BYTES(0x80);
	return below | above;
}

/* ---------- domain names and IPv4 addresses ---------- */

enum { DOM_UNSURE = -1, DOM_REFUSED = 0, DOM_OK = 1, DOM_DIGIT_TOP = 2 };

static int has_high_byte(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* The label l[0..n), already lower-cased, ends: DOM_OK, DOM_REFUSED, or DOM_UNSURE for an
 * "xn--" label (only libidn2 can say whether its punycode is canonical). */
static int label_verdict(const char *l, size_t n)
{
	if (n == 0 || n > 63 || l[0] == '-' || l[n - 1] == '-')
		return DOM_REFUSED;
	if (n >= 4 && l[2] == '-' && l[3] == '-')
		return l[0] == 'x' && l[1] == 'n' ? DOM_UNSURE : DOM_REFUSED;
	return DOM_OK;
}

/* The hub's DOMAIN form of in[0..n) into out (n bytes fit): DOM_OK with *out_len, DOM_REFUSED
 * when the hub refuses it, DOM_UNSURE, or DOM_DIGIT_TOP when the name is well-formed but its
 * top label is all digits (refused as a domain; a URL host may still be an IPv4 address). */
static int domain_norm(const char *in, size_t n, char *out, size_t *out_len)
{
	size_t len = n, ls = 0, i = 0;
	unsigned nondigit = 0; /* the label being read has a letter or '-' */
	int rc;

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len > PI_DOMAIN_MAX)
		goto refused;
	for (; i < len; i++) {
		unsigned char c = host_tab[(unsigned char)in[i]];
		if (c > H_HI) {
			out[i] = (char)c;
			nondigit |= (unsigned)(c - '0') > 9;
			continue;
		}
		if (c != H_DOT)
			goto refused;
		if ((rc = label_verdict(out + ls, i - ls)) != DOM_OK)
			goto verdict;
		out[i] = '.';
		ls = i + 1;
		nondigit = 0;
	}
	if ((rc = label_verdict(out + ls, len - ls)) != DOM_OK)
		goto verdict;
	*out_len = len;
	return nondigit ? DOM_OK : DOM_DIGIT_TOP;
verdict:
	if (rc == DOM_UNSURE)
		return DOM_UNSURE;
refused:
	/* bytes before i were all ASCII; a later non-ASCII byte sends the hub to libidn2 */
	return has_high_byte(in + i, n - i) ? DOM_UNSURE : DOM_REFUSED;
}

/* 1 if s[0..n) is an IPv4 address as the hub reads one (four decimal parts 0-255 without
 * leading zeros), which is then also its normal form; the address goes to a. */
static int ipv4_parse(const char *s, size_t n, uint8_t a[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start;
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
		start = i;
		while (i < n && IS_DIGIT(s[i]) && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || i - start > 3 || (i - start > 1 && s[start] == '0') || v > 255)
			return 0;
		a[part] = (uint8_t)v;
	}
	return i == n;
}

static int all_digits_and_dots(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!IS_DIGIT(s[i]) && s[i] != '.')
			return 0;
	return 1;
}

/* ---------- URLs ---------- */

/* 1 if port is the default port of the (lower-case) scheme, as the hub's table has them. */
static int is_default_port(const char *scheme, size_t len, unsigned port)
{
	switch (len) {
	case 2: return port == 80 && memcmp(scheme, "ws", 2) == 0;
	case 3:
		return (port == 21 && memcmp(scheme, "ftp", 3) == 0) ||
		       (port == 443 && memcmp(scheme, "wss", 3) == 0);
	case 4: return port == 80 && memcmp(scheme, "http", 4) == 0;
	case 5: return port == 443 && memcmp(scheme, "https", 5) == 0;
	default: return 0;
	}
}

/* Writes port (1-65535) in decimal to out; returns the number of digits. */
static size_t put_port(char *out, unsigned port)
{
	char tmp[5];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + port % 10);
		port /= 10;
	} while (port);
	for (size_t k = 0; k < n; k++)
		out[k] = tmp[n - 1 - k];
	return n;
}

int pi_scan_url_fast(
        const char *in, size_t n, char *out, size_t cap, struct pi_scan_url_parts *parts)
{
	size_t i, p, o, auth, host, host_end, dlen = 0;
	size_t at = SIZE_MAX, colon = SIZE_MAX; /* the last '@', the last ':' after it */
	unsigned port = 0;
	int has_port = 0, host_is_ipv4 = 0, rc;
	uint8_t addr[4] = {0};

	if (n > PI_OBSERVABLE_MAX_INPUT)
		return 0; /* the hub answers PI_ERR_TOOBIG */
	if (cap < n + 2)
		return -1;
	/* scheme "://": a letter, then letters, digits, '+', '-', '.'; lower-cased */
	if (n == 0 || !(IS_LOWER(in[0]) || IS_UPPER(in[0])))
		return 0;
	for (i = 0; i < n && scheme_tab[(unsigned char)in[i]]; i++)
		out[i] = (char)scheme_tab[(unsigned char)in[i]];
	if (i + 2 >= n || in[i] != ':' || in[i + 1] != '/' || in[i + 2] != '/' || i >= 32)
		return 0;
	memcpy(out + i, "://", 3);
	auth = i + 3;
	/* the authority ends at the first '/', '?' or '#' */
	for (p = auth; p < n; p++) {
		unsigned char k = auth_tab[(unsigned char)in[p]];
		if (k == A_PLAIN)
			continue;
		if (k == A_END)
			break;
		if (k == A_AT) {
			at = p;
			colon = SIZE_MAX;
		} else if (k == A_COLON) {
			colon = p;
		} else {
			return k == A_CTL ? 0 : -1;
		}
	}
	host = at == SIZE_MAX ? auth : at + 1;
	if (host < p && in[host] == '[')
		return -1; /* IPv6 literal */
	host_end = colon == SIZE_MAX ? p : colon;
	if (colon != SIZE_MAX) {
		if (p - colon - 1 > 5)
			return 0;
		for (size_t k = colon + 1; k < p; k++) {
			if (!IS_DIGIT(in[k]))
				return 0;
			port = port * 10 + (unsigned)(in[k] - '0');
			has_port = 1;
		}
		if (has_port && (port == 0 || port > 65535))
			return 0;
	}
	if (host_end == host)
		return 0;
	/* userinfo as written, the host, the port unless it is the scheme's default */
	o = auth;
	if (at != SIZE_MAX) {
		memcpy(out + o, in + auth, at + 1 - auth);
		o = at + 1;
	}
	rc = domain_norm(in + host, host_end - host, out + o, &dlen);
	if (rc == DOM_DIGIT_TOP) {
		dlen = host_end - host;
		if (!all_digits_and_dots(in + host, dlen) || !ipv4_parse(in + host, dlen, addr))
			return 0;
		memcpy(out + o, in + host, dlen);
		host_is_ipv4 = 1;
	} else if (rc != DOM_OK) {
		return rc;
	}
	parts->host_off = o;
	parts->host_len = dlen;
	o += dlen;
	if (has_port && !is_default_port(out, i, port)) {
		out[o++] = ':';
		o += put_port(out + o, port);
	}
	/* the path, query and fragment as written, after a '/' (the output never gets more than
	 * one byte ahead of the input: o <= p + 1) */
	if (p == n || in[p] != '/')
		out[o++] = '/';
	while (n - p >= 8) {
		uint64_t w;
		memcpy(&w, in + p, 8);
		if (word_has_odd_byte(w))
			break;
		memcpy(out + o, &w, 8);
		o += 8;
		p += 8;
	}
	for (; p < n; p++) {
		unsigned char c = (unsigned char)in[p];
		if (IS_CTL(c))
			return 0;
		if (c >= 0x80)
			return -1; /* UTF-8 validation is the hub's */
		out[o++] = (char)c;
	}
	out[o] = '\0';
	parts->len = o;
	parts->host_is_ipv4 = host_is_ipv4;
	memcpy(parts->addr, addr, 4);
	return 1;
}

/* ---------- e-mail addresses ---------- */

int pi_scan_email_fast(
        const char *in, size_t n, char *out, size_t cap, size_t *out_len, size_t *domain_off)
{
	size_t at, dlen = 0;
	int rc;

	if (n > PI_OBSERVABLE_MAX_INPUT)
		return 0; /* the hub answers PI_ERR_TOOBIG */
	if (cap < n + 2)
		return -1;
	if (n > 0 && in[0] == '"')
		return -1; /* quoted local part */
	/* the local part up to the first '@': a '@' after it would put one in the local part,
	 * which an unquoted local part may not hold, so the domain below refuses any '@' */
	for (at = 0; at < n; at++) {
		unsigned char k = local_tab[(unsigned char)in[at]];
		if (k == L_ATEXT) {
			out[at] = in[at];
			continue;
		}
		if (k == L_AT)
			break;
		if (k == L_DOT) {
			if (at == 0 || at + 1 == n || in[at + 1] == '.' || in[at + 1] == '@')
				return 0;
			out[at] = '.';
			continue;
		}
		return k == L_HI ? -1 : 0; /* a non-ASCII local part needs UTF-8 validation */
	}
	if (at == n || at == 0 || at > 64)
		return 0;
	out[at] = '@';
	rc = domain_norm(in + at + 1, n - at - 1, out + at + 1, &dlen);
	if (rc == DOM_DIGIT_TOP)
		return 0;
	if (rc != DOM_OK)
		return rc;
	if (at + 1 + dlen > 254)
		return 0;
	out[at + 1 + dlen] = '\0';
	*out_len = at + 1 + dlen;
	*domain_off = at + 1;
	return 1;
}

size_t pi_scan_url_host(const char *u, size_t len, size_t *hlen)
{
	size_t host = (size_t)(strstr(u, "://") - u) + 3, end = host;

	while (end < len && u[end] != '/')
		end++;
	for (size_t k = host; k < end; k++)
		if (u[k] == '@')
			host = k + 1;
	if (host < end && u[host] == '[') {
		const char *close = memchr(u + host, ']', end - host);
		if (close)
			end = (size_t)(close - u) + 1;
	} else {
		const char *colon = memchr(u + host, ':', end - host);
		if (colon)
			end = (size_t)(colon - u);
	}
	*hlen = end - host;
	return host;
}
