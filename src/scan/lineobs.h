/* lineobs.h - the observables in one log line, normalised exactly as the hub normalises
 * indicator values (core/observable.h), so a value the scanner finds and a value an indicator
 * pins compare as bytes.
 *
 * Formats:
 *   TEXT    the whole line goes through the tokeniser (below).
 *   SYSLOG  RFC 3164 ("Mmm dd hh:mm:ss host ..."), RFC 5424 ("<pri>1 time host app procid
 *           msgid sd ...") and ISO-stamped ("2024-01-02T03:04:05Z host ...") headers are
 *           skipped, so the logging host's own name is not an observable; the message is
 *           tokenised.
 *   JSONL   one JSON object per line; every string value is tokenised.
 *   EVE     Suricata eve.json: only the named fields dns.rrname (and dns.queries[].rrname,
 *           dns.answers[].rdata, dns.grouped.*), tls.sni, quic.sni, http.hostname, http.url
 *           (joined with http.hostname into an absolute URL), http.http_refer, url, src_ip,
 *           dest_ip, fileinfo.md5/sha1/sha256, smtp.helo, email.from/to/cc.
 *   ZEEK    Zeek TSV logs, columns named by the "#fields" header: query, answers, host
 *           (with uri into an absolute URL), uri, referrer, server_name, id.orig_h,
 *           id.resp_h, md5, sha1, sha256, mailfrom, rcptto, from, to, helo, tx_hosts,
 *           rx_hosts. Lines starting with '#' are skipped.
 *
 * The tokeniser finds IPv4 and IPv6 addresses (not inside brackets' port suffix: "[::1]:53"
 * gives ::1, "1.2.3.4:80" gives 1.2.3.4), domain names (at least two labels, the last not
 * all digits; a run right after a single '/' is a path component, not a name), URLs with an
 * authority ("scheme://..."; the host is also reported as a domain or address), e-mail
 * addresses (the domain is also reported) and hex strings of exactly 32, 40, 64 or 128
 * digits (MD5, SHA-1, SHA-256, SHA-512). With PI_SCAN_REFANG, defanged forms are read first:
 * hxxp/hxxps/fxp schemes, "[.]", "(.)", "{.}", "[dot]", "[:]", "[@]" and "[at]".
 *
 * Fast readings: TEXT lines of BIND's query log and TEXT or header-less SYSLOG lines of
 * squid's native access log are read by a parser of that one shape, which reports exactly what
 * the tokeniser would (the same values in the same order) and hands every other line to the
 * tokeniser; a differential test and a fuzz target hold them to it (PI_SCAN_NO_FAST turns
 * them off).
 *
 * Values that do not normalise are dropped, never guessed. ASCII names take a fast path that
 * applies the same rules as pi_observable_normalize; names with non-ASCII bytes or xn-- labels
 * go through pi_observable_normalize itself (libidn2).
 *
 * Thread use: one struct pi_scan_xctx per thread; a pi_scan_zeek header map is read-only once
 * parsed and may be shared.
 */
#ifndef PI_SCAN_LINEOBS_H
#define PI_SCAN_LINEOBS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/observable.h"

/* Longest line looked at; longer lines are skipped by the caller. */
#define PI_SCAN_MAX_LINE ((size_t)1 << 20)

enum pi_scan_format {
	PI_SCAN_FORMAT_AUTO = 0,
	PI_SCAN_FORMAT_TEXT,
	PI_SCAN_FORMAT_SYSLOG,
	PI_SCAN_FORMAT_JSONL,
	PI_SCAN_FORMAT_ZEEK,
	PI_SCAN_FORMAT_EVE
};

enum pi_scan_xflags {
	PI_SCAN_REFANG = 1, /* read defanged indicators (hxxp://, example[.]com) */
	/* the caller guarantees PI_SCAN_LINE_PAD readable bytes after every line it passes
	 * (their content does not matter): short lines are then read in place, not copied */
	PI_SCAN_PADDED = 2,
	/* tests and fuzzing: no format's fast reading (BIND, squid), only the tokeniser, the
	 * reference they are held to */
	PI_SCAN_NO_FAST = 4
};

#define PI_SCAN_LINE_PAD 64

/* One observable found in a line. value is normalised and NUL-terminated, and at least
 * PI_SCAN_OBS_PAD bytes from its start are readable whatever its length (a callback may copy a
 * short value with fixed-size moves); for IPV4 / IPV6, addr holds the address in network order
 * (IPv4 in addr[0..3]). Valid only during the callback. */
#define PI_SCAN_OBS_PAD 32

struct pi_scan_obs {
	enum pi_observable_kind kind;
	const char *value;
	size_t len;
	uint8_t addr[16];
};

typedef void (*pi_scan_emit_fn)(void *arg, const struct pi_scan_obs *obs);

/* Column map of a Zeek log, from its "#separator" and "#fields" header lines. */
typedef struct pi_scan_zeek pi_scan_zeek;

/* Per-thread extraction state: scratch buffers sized for PI_SCAN_MAX_LINE. */
struct pi_scan_xctx {
	unsigned flags; /* enum pi_scan_xflags */
	const pi_scan_zeek *zeek;
	pi_scan_emit_fn emit;
	void *arg;
	char *refang;   /* PI_SCAN_MAX_LINE + 1 bytes */
	char *unescape; /* PI_SCAN_MAX_LINE + 1 bytes, JSON string values */
	uint64_t *runs; /* tokeniser: bit i set when byte i is a name character */
	uint64_t *want; /* tokeniser: bits in the runs that must be looked at (see lineobs.c) */
	char *lbuf;     /* a short line's zero-padded copy (BIND lines, see lineobs.c) */
	/* tokeniser: the text being tokenised and the raw names already reported from it, so
	 * a name written twice in a line (BIND) is normalised once */
	const char *text;
	size_t text_len;
	const char *seen[8];
	size_t seen_len[8];
	size_t nseen;
	/* NULL, or a bit per IPv4 /16 (bit p & 63 of word p >> 6, p the address's first 16
	 * bits): an IPv4 address whose bit is clear is not reported. A scan sets it to what its
	 * matcher can match (pi_scan_match_ip4_filter), so that addresses no indicator covers
	 * cost no formatting and no call. */
	const uint64_t *ip4_filter;
	/* lines read by a format's fast reading (the BIND query log's bit masks, squid's access
	 * log): a count for tests and benchmarks, which check that the fast reading is taken */
	uint64_t fast_lines;
	char norm[PI_OBSERVABLE_MAX_OUTPUT];
	char url[PI_OBSERVABLE_MAX_OUTPUT];
	char host[PI_OBSERVABLE_MAX_OUTPUT];
	char obs_pad[PI_SCAN_OBS_PAD]; /* values are in the three above: see pi_scan_obs */
};

/* Allocates the scratch buffers and makes the byte tables ready: the functions below that take
 * an x need one that went through here. Returns PI_ERR_NOMEM on failure (nothing to free
 * then). Free with pi_scan_xctx_free. */
pi_status pi_scan_xctx_init(
        struct pi_scan_xctx *x, unsigned flags, pi_scan_emit_fn emit, void *arg);
void pi_scan_xctx_free(struct pi_scan_xctx *x);

/* Calls x->emit for each observable of line[0..len) (no line end; len <= PI_SCAN_MAX_LINE) read
 * as format (not AUTO; ZEEK needs x->zeek). The same value may be reported more than once.
 * Returns 0, or -1 if the line is corrupt for its format (JSON that does not parse, a Zeek
 * line with the wrong number of columns); observables found before the fault may already
 * have been reported. */
int pi_scan_extract_line(
        struct pi_scan_xctx *x, enum pi_scan_format format, const char *line, size_t len);

/* Tokenises free text (as the TEXT format does). */
void pi_scan_tokenise(struct pi_scan_xctx *x, const char *text, size_t len);

/* Guesses the format of a log from its first bytes: '{' with "event_type" -> EVE, other '{'
 * -> JSONL, "#separator" -> ZEEK, a syslog header -> SYSLOG, else TEXT. */
enum pi_scan_format pi_scan_format_detect(const char *text, size_t len);

/* "auto", "text", "syslog", "jsonl", "zeek", "eve" and back (-1 if unknown). */
const char *pi_scan_format_name(enum pi_scan_format format);
int pi_scan_format_parse(const char *name, enum pi_scan_format *out);

/* Parses the header lines at the start of a Zeek log (text[0..len) may hold more).
 * On success *out is a map the caller frees with pi_scan_zeek_free. Errors: PI_ERR_INVALID
 * when there is no "#fields" line in the first lines, PI_ERR_TOOBIG over 256 columns. */
pi_status pi_scan_zeek_parse_header(
        const char *text, size_t len, pi_scan_zeek **out, struct pi_error *err);
void pi_scan_zeek_free(pi_scan_zeek *z);

/* The fast ASCII domain normaliser the tokeniser uses: lower-cases in[0..n) into out (at least
 * n + 1 bytes) when it is a valid ASCII domain without xn-- labels and returns 1; returns 0 if
 * it is not a domain name, -1 if it needs pi_observable_normalize (non-ASCII or xn--). A
 * trailing dot is removed. Exposed for the unit test that compares it with the hub's rules. */
int pi_scan_domain_fast(const char *in, size_t n, char *out, size_t *out_len);

#endif
