/* observable.c - normal forms of observable values (see observable.h for the rules).
 *
 * Every normaliser writes into the caller's buffer through `struct out`, which never writes
 * past out_size and remembers that it ran out; the public function turns that into
 * PI_ERR_TOOBIG. Parsers take (pointer, length) and never read past it, so values cut out
 * of a log line need no copy. The only allocation is inside libidn2, for non-ASCII names and
 * for checking xn-- labels.
 */
#include "core/observable.h"

#include <idn2.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, len;
	int over;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->over || o->len + n + 1 > o->size) {
		o->over = 1;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void putc_out(struct out *o, char c)
{
	put(o, &c, 1);
}

static void put_uint(struct out *o, unsigned v)
{
	char tmp[12];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < sizeof(tmp));
	put(o, tmp + sizeof(tmp) - n, n);
}

static pi_status fail(struct pi_error *err, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static pi_status fail(struct pi_error *err, const char *fmt, ...)
{
	char msg[PI_ERROR_MSG_MAX];
	va_list ap;

	if (!err)
		return PI_ERR_INVALID;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	return pi_error_set(err, PI_ERR_INVALID, "%s", msg);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* 1 if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
static int utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n;) {
		unsigned c = s[i], cp;
		size_t need;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c < 0xC2 || c > 0xF4)
			return 0;
		need = c <= 0xDF ? 1 : c <= 0xEF ? 2 : 3;
		cp = c & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
		if (i + need >= n)
			return 0;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		        (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* ---------- IP addresses ---------- */

static pi_status parse_ipv4(const char *s, size_t n, uint8_t a[4], struct pi_error *err)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return fail(err, "an IPv4 address has four parts separated by '.'");
			start = ++i;
		}
		while (i < n && is_digit(s[i]) && i - start < 4)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start)
			return fail(err, "an IPv4 address has four decimal parts separated by '.'");
		if (i - start > 1 && s[start] == '0')
			return fail(err, "leading zeros are not allowed in an IPv4 address (they "
			                 "mean octal to some software)");
		if (v > 255 || i - start > 3)
			return fail(err, "an IPv4 address part is at most 255");
		a[part] = (uint8_t)v;
	}
	if (i != n)
		return fail(err, "an IPv4 address has exactly four parts");
	return PI_OK;
}

static pi_status parse_ipv6(const char *s, size_t n, uint8_t a[16], struct pi_error *err)
{
	uint16_t groups[8];
	int count = 0, gap = -1;
	size_t i = 0;
	pi_status rc;

	if (memchr(s, '%', n))
		return fail(err, "IPv6 zone ids ('%%eth0') are not allowed");
	if (n > 0 && (s[0] == '[' || s[n - 1] == ']'))
		return fail(err, "write an IPv6 address without brackets");
	if (n < 2)
		return fail(err, "too short for an IPv6 address");
	if (s[0] == ':') {
		if (s[1] != ':')
			return fail(err, "an IPv6 address cannot start with a single ':'");
		gap = 0;
		i = 2;
	}
	while (i < n) {
		size_t j = i;
		unsigned v = 0;
		while (j < n && hex_value(s[j]) >= 0 && j - i < 5)
			j++;
		if (j < n && s[j] == '.') {
			uint8_t v4[4];
			if (count > 6)
				return fail(err,
				        "too many groups before the IPv4 part of an IPv6 address");
			if ((rc = parse_ipv4(s + i, n - i, v4, err)) != PI_OK)
				return rc;
			groups[count++] = (uint16_t)(v4[0] << 8 | v4[1]);
			groups[count++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = n;
			break;
		}
		if (j == i || j - i > 4)
			return fail(err, "an IPv6 group is 1-4 hex digits");
		if (count == 8)
			return fail(err, "an IPv6 address has at most 8 groups");
		for (size_t k = i; k < j; k++)
			v = v << 4 | (unsigned)hex_value(s[k]);
		groups[count++] = (uint16_t)v;
		i = j;
		if (i == n)
			break;
		if (s[i] != ':')
			return fail(err, "'%c' is not allowed in an IPv6 address", s[i]);
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return fail(err, "an IPv6 address may contain '::' only once");
			gap = count;
			i++;
		} else if (i == n) {
			return fail(err, "an IPv6 address cannot end with a single ':'");
		}
	}
	if (gap >= 0 ? count > 7 : count != 8)
		return fail(err, gap >= 0 ? "'::' must stand for at least one group"
		                          : "an IPv6 address has 8 groups (or '::')");
	memset(a, 0, 16);
	for (int g = 0; g < count; g++) {
		int at = (gap >= 0 && g >= gap) ? g + (8 - count) : g;
		a[2 * at] = (uint8_t)(groups[g] >> 8);
		a[2 * at + 1] = (uint8_t)groups[g];
	}
	return PI_OK;
}

static void put_ipv4(struct out *o, const uint8_t a[4])
{
	for (int i = 0; i < 4; i++) {
		if (i)
			putc_out(o, '.');
		put_uint(o, a[i]);
	}
}

static void put_ipv6(struct out *o, const uint8_t a[16])
{
	static const char hex[] = "0123456789abcdef";
	int best = -1, best_len = 0, mapped = 1;

	for (int i = 0; i < 10; i++)
		mapped &= a[i] == 0;
	if (mapped && a[10] == 0xff && a[11] == 0xff) {
		put(o, "::ffff:", 7);
		put_ipv4(o, a + 12);
		return;
	}
	for (int g = 0; g < 8;) {
		int run = 0;
		while (g + run < 8 && a[2 * (g + run)] == 0 && a[2 * (g + run) + 1] == 0)
			run++;
		if (run > best_len && run >= 2) {
			best = g;
			best_len = run;
		}
		g += run ? run : 1;
	}
	for (int g = 0; g < 8; g++) {
		unsigned v = (unsigned)a[2 * g] << 8 | a[2 * g + 1];
		char tmp[4];
		int n = 0, shift;
		if (g == best) {
			put(o, "::", 2);
			g += best_len - 1;
			continue;
		}
		if (g > 0 && g != best + best_len)
			putc_out(o, ':');
		for (shift = 12; shift > 0 && ((v >> shift) & 0xf) == 0; shift -= 4)
			;
		for (; shift >= 0; shift -= 4)
			tmp[n++] = hex[(v >> shift) & 0xf];
		put(o, tmp, (size_t)n);
	}
}

pi_status pi_observable_ip_parse(
        const char *in, size_t len, uint8_t addr[16], int *family, struct pi_error *err)
{
	if (memchr(in, ':', len)) {
		*family = 6;
		return parse_ipv6(in, len, addr, err);
	}
	*family = 4;
	memset(addr, 0, 16);
	return parse_ipv4(in, len, addr, err);
}

static pi_status norm_ip(int family, int cidr, const char *s, size_t n, unsigned flags,
        struct out *o, struct pi_error *err)
{
	const char *slash = memchr(s, '/', n);
	size_t addr_len = slash ? (size_t)(slash - s) : n;
	unsigned bits = family == 4 ? 32 : 128, prefix = bits;
	uint8_t a[16] = {0};
	pi_status rc;

	if (slash) {
		const char *p = slash + 1;
		size_t plen = n - addr_len - 1;
		if (!cidr)
			return fail(err, "a single address has no '/prefix' (use the CIDR kind)");
		if (plen == 0 || plen > 3)
			return fail(err, "the prefix length after '/' must be 0-%u", bits);
		prefix = 0;
		for (size_t i = 0; i < plen; i++) {
			if (!is_digit(p[i]))
				return fail(err, "the prefix length after '/' must be 0-%u", bits);
			prefix = prefix * 10 + (unsigned)(p[i] - '0');
		}
		if (plen > 1 && p[0] == '0')
			return fail(err, "leading zeros are not allowed in a prefix length");
		if (prefix > bits)
			return fail(err, "the prefix length after '/' must be 0-%u", bits);
	}
	rc = family == 4 ? parse_ipv4(s, addr_len, a, err) : parse_ipv6(s, addr_len, a, err);
	if (rc != PI_OK)
		return rc;
	for (unsigned bit = prefix; bit < bits; bit++) {
		uint8_t m = (uint8_t)(0x80 >> (bit % 8));
		if (a[bit / 8] & m) {
			if (flags & PI_OBSERVABLE_STRICT_CIDR)
				return fail(err,
				        "the address has bits set after the /%u prefix (did "
				        "you mean the network address?)",
				        prefix);
			a[bit / 8] &= (uint8_t)~m;
		}
	}
	if (family == 4)
		put_ipv4(o, a);
	else
		put_ipv6(o, a);
	if (prefix != bits) {
		putc_out(o, '/');
		put_uint(o, prefix);
	}
	return PI_OK;
}

/* ---------- domains ---------- */

/* Lower-cases and checks an ASCII name (trailing dot already gone) into o. *has_xn is set if
 * a label starts with "xn--". */
static pi_status norm_ascii_domain(
        const char *s, size_t n, struct out *o, int *has_xn, struct pi_error *err)
{
	size_t label = 0, start = o->len;
	int all_digits = 1;

	*has_xn = 0;
	if (n == 0)
		return fail(err, "the domain name is empty");
	if (n > PI_DOMAIN_MAX)
		return fail(err, "a domain name is at most %d characters", PI_DOMAIN_MAX);
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? lower(s[i]) : '.';
		if (c == '.') {
			const char *l = o->buf + o->len - label;
			if (o->over)
				return PI_OK;
			if (label == 0)
				return fail(err,
				        "a domain name has an empty label ('..' or a leading '.')");
			if (label > 63)
				return fail(err, "a domain label is at most 63 characters");
			if (l[0] == '-' || l[label - 1] == '-')
				return fail(err, "a domain label cannot start or end with '-'");
			if (label >= 4 && l[2] == '-' && l[3] == '-') {
				if (l[0] != 'x' || l[1] != 'n')
					return fail(err,
					        "'--' in the 3rd and 4th positions of a label is "
					        "reserved for IDNA xn-- labels");
				*has_xn = 1;
			}
			if (i == n && all_digits)
				return fail(err,
				        "the last label is all digits (an IP address is not a "
				        "domain name)");
			if (i < n)
				putc_out(o, '.');
			label = 0;
			all_digits = 1;
			continue;
		}
		if (!is_alpha(c) && !is_digit(c) && c != '-') {
			if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
				return fail(err, "a domain name cannot contain control characters");
			return fail(err,
			        "'%c' is not allowed in a domain name (letters, digits and "
			        "'-' only)",
			        c);
		}
		all_digits &= is_digit(c);
		putc_out(o, c);
		label++;
	}
	(void)start;
	return PI_OK;
}

static pi_status idn_error(int rc, struct pi_error *err)
{
	if (rc == IDN2_MALLOC)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory converting a domain name");
	return fail(err, "not a valid internationalised domain name: %s", idn2_strerror(rc));
}

static pi_status norm_domain(const char *s, size_t n, struct out *o, struct pi_error *err)
{
	char tmp[4 * PI_DOMAIN_MAX + 8];
	size_t start = o->len;
	uint8_t *idn = NULL;
	int has_xn = 0, ascii = 1, rc;
	pi_status st;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return fail(err, "the domain name is empty");
	for (size_t i = 0; i < n && ascii; i++)
		ascii = (unsigned char)s[i] < 0x80;
	if (ascii) {
		if ((st = norm_ascii_domain(s, n, o, &has_xn, err)) != PI_OK || o->over || !has_xn)
			return st;
		/* let libidn2 decode and re-encode every xn-- label */
		if (o->len - start >= sizeof(tmp))
			return fail(err, "the domain name is too long");
		memcpy(tmp, o->buf + start, o->len - start);
		tmp[o->len - start] = '\0';
		rc = idn2_lookup_u8((const uint8_t *)tmp, &idn, IDN2_NONTRANSITIONAL);
		if (rc != IDN2_OK)
			return idn_error(rc, err);
		rc = strcmp((const char *)idn, tmp);
		idn2_free(idn);
		if (rc != 0)
			return fail(err, "an xn-- label is not in its canonical form");
		return PI_OK;
	}
	if (n >= sizeof(tmp))
		return fail(err, "the domain name is too long");
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0')
			return fail(err, "a domain name cannot contain NUL");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)tmp, &idn, IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK)
		return idn_error(rc, err);
	n = strlen((const char *)idn);
	if (n > 0 && idn[n - 1] == '.')
		n--;
	if (n >= sizeof(tmp)) {
		idn2_free(idn);
		return fail(err, "a domain name is at most %d characters", PI_DOMAIN_MAX);
	}
	memcpy(tmp, idn, n);
	idn2_free(idn);
	return norm_ascii_domain(tmp, n, o, &has_xn, err);
}

const char *pi_domain_parent(const char *domain)
{
	const char *dot;

	if (!domain)
		return NULL;
	dot = strchr(domain, '.');
	if (!dot || !strchr(dot + 1, '.'))
		return NULL;
	return dot + 1;
}

/* ---------- URLs ---------- */

static const struct {
	const char *scheme;
	unsigned port;
} default_ports[] = {{"http", 80}, {"https", 443}, {"ftp", 21}, {"ws", 80}, {"wss", 443}};

static pi_status norm_url(const char *s, size_t n, struct out *o, struct pi_error *err)
{
	size_t i = 0, auth, auth_end, host, host_end, at = SIZE_MAX;
	char scheme[32];
	size_t scheme_len;
	unsigned port = 0;
	int has_port_digits = 0;
	pi_status rc;

	for (size_t k = 0; k < n; k++)
		if ((unsigned char)s[k] <= 0x20 || (unsigned char)s[k] == 0x7f)
			return fail(err, "a URL cannot contain spaces or control characters");
	if (!utf8_valid(s, n))
		return fail(err, "the URL is not valid UTF-8");
	if (n == 0 || !is_alpha(s[0]))
		return fail(err, "a URL starts with a scheme such as http://");
	while (i < n &&
	        (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
		i++;
	scheme_len = i;
	if (i + 2 >= n || s[i] != ':' || s[i + 1] != '/' || s[i + 2] != '/')
		return fail(err, "only URLs with an authority (scheme://host...) are supported");
	if (scheme_len >= sizeof(scheme))
		return fail(err, "the URL scheme is too long");
	for (size_t k = 0; k < scheme_len; k++)
		scheme[k] = lower(s[k]);
	scheme[scheme_len] = '\0';
	auth = i + 3;
	auth_end = auth;
	while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#')
		auth_end++;
	for (size_t k = auth; k < auth_end; k++)
		if (s[k] == '@')
			at = k;
	host = at == SIZE_MAX ? auth : at + 1;
	host_end = auth_end;
	if (host < auth_end && s[host] == '[') {
		const char *close = memchr(s + host, ']', auth_end - host);
		if (!close)
			return fail(err, "a bracketed IPv6 host needs its closing ']'");
		host_end = (size_t)(close - s) + 1;
		if (host_end < auth_end && s[host_end] != ':')
			return fail(err, "only ':port' may follow a bracketed IPv6 host");
	} else {
		for (size_t k = host; k < auth_end; k++)
			if (s[k] == ':')
				host_end = k;
	}
	if (host_end < auth_end) { /* ":port" */
		size_t k = host_end + 1;
		if (auth_end - k > 5)
			return fail(err, "the URL port must be 1-65535");
		for (; k < auth_end; k++) {
			if (!is_digit(s[k]))
				return fail(err, "the URL port must be digits");
			port = port * 10 + (unsigned)(s[k] - '0');
			has_port_digits = 1;
		}
		if (has_port_digits && (port == 0 || port > 65535))
			return fail(err, "the URL port must be 1-65535");
	}
	if (host_end == host)
		return fail(err, "the URL has no host");
	put(o, scheme, scheme_len);
	put(o, "://", 3);
	if (at != SIZE_MAX) {
		put(o, s + auth, at - auth);
		putc_out(o, '@');
	}
	if (s[host] == '[') {
		uint8_t a[16];
		if ((rc = parse_ipv6(s + host + 1, host_end - host - 2, a, err)) != PI_OK) {
			pi_error_prefix(err, "URL host");
			return rc;
		}
		putc_out(o, '[');
		put_ipv6(o, a);
		putc_out(o, ']');
	} else {
		int dotted_digits = 1;
		for (size_t k = host; k < host_end; k++)
			dotted_digits &= is_digit(s[k]) || s[k] == '.';
		if (dotted_digits) {
			uint8_t a[4];
			if ((rc = parse_ipv4(s + host, host_end - host, a, err)) != PI_OK) {
				pi_error_prefix(err, "URL host");
				return rc;
			}
			put_ipv4(o, a);
		} else if ((rc = norm_domain(s + host, host_end - host, o, err)) != PI_OK) {
			pi_error_prefix(err, "URL host");
			return rc;
		}
	}
	if (has_port_digits) {
		int is_default = 0;
		for (size_t k = 0; k < sizeof(default_ports) / sizeof(default_ports[0]); k++)
			if (strcmp(scheme, default_ports[k].scheme) == 0 &&
			        port == default_ports[k].port)
				is_default = 1;
		if (!is_default) {
			putc_out(o, ':');
			put_uint(o, port);
		}
	}
	if (auth_end == n || s[auth_end] != '/')
		putc_out(o, '/');
	put(o, s + auth_end, n - auth_end);
	return PI_OK;
}

/* ---------- e-mail ---------- */

static pi_status norm_email(const char *s, size_t n, struct out *o, struct pi_error *err)
{
	const char *at = NULL;
	size_t local_len;
	pi_status rc;

	for (size_t k = 0; k < n; k++)
		if (s[k] == '@')
			at = s + k;
	if (!at)
		return fail(err, "an e-mail address needs an '@'");
	local_len = (size_t)(at - s);
	if (!utf8_valid(s, local_len))
		return fail(err, "the local part of the e-mail address is not valid UTF-8");
	if (local_len == 0 || local_len > 64)
		return fail(err, "the local part of an e-mail address is 1-64 characters");
	if (s[0] == '"') {
		if (local_len < 2 || s[local_len - 1] != '"')
			return fail(err, "a quoted local part must end with '\"'");
		for (size_t k = 1; k + 1 < local_len; k++) {
			unsigned char c = (unsigned char)s[k];
			if (c < 0x20 || c == 0x7f)
				return fail(
				        err, "an e-mail address cannot contain control characters");
			if (c == '\\' && k + 2 < local_len && (unsigned char)s[k + 1] >= 0x20 &&
			        (unsigned char)s[k + 1] != 0x7f)
				k++;
			else if (c == '\\' || c == '"')
				return fail(
				        err, "a '\"' or '\\' inside a quoted local part must be escaped");
		}
	} else {
		for (size_t k = 0; k < local_len; k++) {
			unsigned char c = (unsigned char)s[k];
			if (c == '.') {
				if (k == 0 || k + 1 == local_len || s[k + 1] == '.')
					return fail(err,
					        "the local part cannot start or end with '.' or "
					        "contain '..'");
				continue;
			}
			if (c < 0x80 && !is_alpha(c) && !is_digit(c) &&
			        (c == 0 || !strchr("!#$%&'*+-/=?^_`{|}~", c)))
				return fail(err,
				        "'%c' is not allowed in the local part of an e-mail "
				        "address",
				        c >= 0x20 && c < 0x7f ? c : '?');
		}
	}
	put(o, s, local_len);
	putc_out(o, '@');
	if ((rc = norm_domain(at + 1, n - local_len - 1, o, err)) != PI_OK) {
		pi_error_prefix(err, "e-mail domain");
		return rc;
	}
	if (!o->over && o->len > 254)
		return fail(err, "an e-mail address is at most 254 characters");
	return PI_OK;
}

/* ---------- hashes ---------- */

static pi_status norm_hash(
        const char *name, size_t want, const char *s, size_t n, struct out *o, struct pi_error *err)
{
	if (n != want)
		return fail(err, "a%s %s hash is %zu hex digits, not %zu",
		        name[0] == 'M' ? "n" : "", name, want, n);
	for (size_t i = 0; i < n; i++) {
		if (hex_value(s[i]) < 0)
			return fail(err, "a%s %s hash is hex digits only",
			        name[0] == 'M' ? "n" : "", name);
		putc_out(o, lower(s[i]));
	}
	return PI_OK;
}

/* ---------- phone numbers and SMS senders ---------- */

static pi_status norm_phone(
        const char *s, size_t n, unsigned default_cc, struct out *o, struct pi_error *err)
{
	char digits[20];
	size_t nd = 0, i = 0;
	int intl = 0;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '+') {
		intl = 1;
		i++;
	}
	for (; i < n; i++) {
		char c = s[i];
		if (is_digit(c)) {
			if (nd >= 17)
				return fail(err, "a phone number has at most 15 digits");
			digits[nd++] = c;
		} else if (!strchr(" -./()", c) || c == '\0') {
			if (c == '+')
				return fail(
				        err, "'+' is only allowed at the start of a phone number");
			return fail(err,
			        "'%c' is not allowed in a phone number (digits, an optional "
			        "leading '+' and the separators ' -./()' only)",
			        (unsigned char)c >= 0x20 && (unsigned char)c < 0x7f ? c : '?');
		}
	}
	if (!intl && nd >= 2 && digits[0] == '0' && digits[1] == '0') {
		intl = 1;
		memmove(digits, digits + 2, nd - 2);
		nd -= 2;
	}
	if (intl) {
		if (nd > 0 && digits[0] == '0')
			return fail(err, "a country calling code cannot start with 0");
	} else {
		char cc[4];
		size_t ncc = 0, skip = 0;
		if (default_cc == 0)
			return fail(err, "the phone number has no country code: write it as "
			                 "+<country code><number>");
		if (default_cc > 999)
			return fail(err, "the default calling code must be 1-999");
		for (unsigned v = default_cc; v; v /= 10)
			ncc++;
		for (unsigned v = default_cc, k = 0; k < ncc; k++, v /= 10)
			cc[ncc - 1 - k] = (char)('0' + v % 10);
		if (nd > 0 && digits[0] == '0' && default_cc != 39)
			skip = 1;
		if (nd == skip)
			return fail(err, "the phone number has no digits");
		if (nd - skip + ncc > 15)
			return fail(err, "a phone number has at most 15 digits");
		memmove(digits + ncc, digits + skip, nd - skip);
		memcpy(digits, cc, ncc);
		nd = nd - skip + ncc;
	}
	putc_out(o, '+');
	if (nd < 8 || nd > 15)
		return fail(err,
		        "an E.164 phone number has 8-15 digits with its country code, not %zu", nd);
	put(o, digits, nd);
	return PI_OK;
}

static pi_status norm_sms_sender(
        const char *s, size_t n, unsigned default_cc, struct out *o, struct pi_error *err)
{
	int letters = 0, only_digits = 1;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	while (n > 0 && s[0] == ' ') {
		s++;
		n--;
	}
	if (n == 0)
		return fail(err, "the SMS sender is empty");
	for (size_t i = 0; i < n; i++) {
		letters |= is_alpha(s[i]);
		only_digits &= is_digit(s[i]);
	}
	if (letters) {
		if (n > 11)
			return fail(err, "an alphanumeric SMS sender id is at most 11 characters");
		for (size_t i = 0; i < n; i++) {
			if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != ' ' && s[i] != '-' &&
			        s[i] != '.')
				return fail(err,
				        "'%c' is not allowed in an alphanumeric SMS sender id",
				        (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f
				                ? s[i]
				                : '?');
			putc_out(o, lower(s[i]));
		}
		return PI_OK;
	}
	if (only_digits && n <= 8) {
		if (n < 3)
			return fail(err, "an SMS short code has 3-8 digits");
		put(o, s, n);
		return PI_OK;
	}
	return norm_phone(s, n, default_cc, o, err);
}

/* ---------- dispatch ---------- */

pi_status pi_observable_normalize(enum pi_observable_kind kind, const char *in, size_t len,
        const struct pi_observable_options *options, char *out, size_t out_size, size_t *out_len,
        struct pi_error *err)
{
	struct out o = {out, out_size, 0, 0};
	unsigned flags = options ? options->flags : 0;
	unsigned cc = options ? options->default_calling_code : 0;
	pi_status rc;

	if (out_len)
		*out_len = 0;
	if (!out || out_size == 0)
		return pi_error_set(err, PI_ERR_TOOBIG, "no output buffer");
	out[0] = '\0';
	if (!in)
		return fail(err, "no value");
	if (len > PI_OBSERVABLE_MAX_INPUT)
		return pi_error_set(err, PI_ERR_TOOBIG, "the value is longer than %d bytes",
		        PI_OBSERVABLE_MAX_INPUT);
	switch (kind) {
	case PI_OBSERVABLE_IPV4: rc = norm_ip(4, 0, in, len, flags, &o, err); break;
	case PI_OBSERVABLE_IPV6: rc = norm_ip(6, 0, in, len, flags, &o, err); break;
	case PI_OBSERVABLE_IPV4_CIDR: rc = norm_ip(4, 1, in, len, flags, &o, err); break;
	case PI_OBSERVABLE_IPV6_CIDR: rc = norm_ip(6, 1, in, len, flags, &o, err); break;
	case PI_OBSERVABLE_DOMAIN: rc = norm_domain(in, len, &o, err); break;
	case PI_OBSERVABLE_URL: rc = norm_url(in, len, &o, err); break;
	case PI_OBSERVABLE_EMAIL: rc = norm_email(in, len, &o, err); break;
	case PI_OBSERVABLE_MD5: rc = norm_hash("MD5", 32, in, len, &o, err); break;
	case PI_OBSERVABLE_SHA1: rc = norm_hash("SHA-1", 40, in, len, &o, err); break;
	case PI_OBSERVABLE_SHA256: rc = norm_hash("SHA-256", 64, in, len, &o, err); break;
	case PI_OBSERVABLE_SHA512: rc = norm_hash("SHA-512", 128, in, len, &o, err); break;
	case PI_OBSERVABLE_PHONE: rc = norm_phone(in, len, cc, &o, err); break;
	case PI_OBSERVABLE_SMS_SENDER: rc = norm_sms_sender(in, len, cc, &o, err); break;
	default: return fail(err, "unknown observable kind %d", (int)kind);
	}
	if (rc == PI_OK && o.over)
		rc = pi_error_set(err, PI_ERR_TOOBIG, "the output buffer of %zu bytes is too small",
		        out_size);
	if (rc != PI_OK) {
		out[0] = '\0';
		return rc;
	}
	if (out_len)
		*out_len = o.len;
	return PI_OK;
}

/* ---------- names and STIX mapping ---------- */

static const char *const kind_names[] = {"none", "ipv4", "ipv6", "ipv4-cidr", "ipv6-cidr", "domain",
        "url", "email", "md5", "sha1", "sha256", "sha512", "phone", "sms-sender"};

const char *pi_observable_kind_name(enum pi_observable_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "none";
	return kind_names[kind];
}

enum pi_observable_kind pi_observable_kind_from_name(const char *name)
{
	for (size_t i = 1; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (enum pi_observable_kind)i;
	return PI_OBSERVABLE_NONE;
}

static enum pi_observable_kind hash_kind(const char *path)
{
	char key[16];
	size_t o = 0;

	if (strncmp(path, "hashes.", 7) != 0)
		return PI_OBSERVABLE_NONE;
	for (const char *s = path + 7; *s; s++) {
		if (*s == '\'' || *s == '-')
			continue;
		if (o + 1 >= sizeof(key) || *s == '.' || *s == '[')
			return PI_OBSERVABLE_NONE;
		key[o++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
	}
	key[o] = '\0';
	if (strcmp(key, "MD5") == 0)
		return PI_OBSERVABLE_MD5;
	if (strcmp(key, "SHA1") == 0)
		return PI_OBSERVABLE_SHA1;
	if (strcmp(key, "SHA256") == 0)
		return PI_OBSERVABLE_SHA256;
	if (strcmp(key, "SHA512") == 0)
		return PI_OBSERVABLE_SHA512;
	return PI_OBSERVABLE_NONE;
}

enum pi_observable_kind pi_observable_kind_for_term(const char *object_type, const char *path)
{
	static const struct {
		const char *type, *path;
		enum pi_observable_kind kind;
	} map[] = {
	        {"ipv4-addr", "value", PI_OBSERVABLE_IPV4_CIDR},
	        {"ipv6-addr", "value", PI_OBSERVABLE_IPV6_CIDR},
	        {"domain-name", "value", PI_OBSERVABLE_DOMAIN},
	        {"url", "value", PI_OBSERVABLE_URL},
	        {"email-addr", "value", PI_OBSERVABLE_EMAIL},
	        {"email-message", "from_ref.value", PI_OBSERVABLE_EMAIL},
	        {"email-message", "sender_ref.value", PI_OBSERVABLE_EMAIL},
	        {"email-message", "to_refs[*].value", PI_OBSERVABLE_EMAIL},
	        {"email-message", "cc_refs[*].value", PI_OBSERVABLE_EMAIL},
	        {"email-message", "bcc_refs[*].value", PI_OBSERVABLE_EMAIL},
	        {"x-phone-number", "value", PI_OBSERVABLE_PHONE},
	        {"phone-number", "value", PI_OBSERVABLE_PHONE},
	        {"x-sms-sender", "value", PI_OBSERVABLE_SMS_SENDER},
	        {"x-sms-message", "sender", PI_OBSERVABLE_SMS_SENDER},
	};

	if (!object_type || !path)
		return PI_OBSERVABLE_NONE;
	if (strcmp(object_type, "file") == 0 || strcmp(object_type, "artifact") == 0)
		return hash_kind(path);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(object_type, map[i].type) == 0 && strcmp(path, map[i].path) == 0)
			return map[i].kind;
	return PI_OBSERVABLE_NONE;
}
