/* fastnorm.h - the log scanner's fast path for URL and e-mail normalisation.
 *
 * pi_observable_normalize (core/observable.h) is the one definition of the normal forms. These
 * functions compute the same forms for the common, all-ASCII shapes in one table-driven walk
 * without libidn2 or allocation, and answer with a verdict:
 *    1  normalised: out holds exactly the bytes pi_observable_normalize writes;
 *    0  refused: pi_observable_normalize refuses this input too;
 *   -1  not sure (non-ASCII bytes, xn-- labels, bracketed IPv6 hosts, quoted local parts, a
 *       host with several ':', an output buffer smaller than n + 2): the caller asks
 *       pi_observable_normalize.
 * The unit test test_scan_fastnorm and the fuzz target fuzz_scan_fastnorm check this promise
 * against pi_observable_normalize itself.
 */
#ifndef PI_SCAN_FASTNORM_H
#define PI_SCAN_FASTNORM_H

#include <stddef.h>
#include <stdint.h>

/* Where the parts of a normalised URL sit in the output (valid when the answer is 1). */
struct pi_scan_url_parts {
	size_t len;       /* length of the normalised URL (out[len] is '\0') */
	size_t host_off;  /* the host (a lower-case domain name or a dotted quad) is */
	size_t host_len;  /* out[host_off .. host_off + host_len) */
	int host_is_ipv4; /* 1: the host is an IPv4 address, addr holds it; 0: a domain name */
	uint8_t addr[4];  /* network order */
};

/* Normalises the URL in[0..n) into out (cap bytes, NUL-terminated on 1) as
 * pi_observable_normalize(PI_OBSERVABLE_URL) does; answers 1 / 0 / -1 as above and, on 1,
 * fills *parts. Thread-safe, reads only in[0..n), writes only out[0..n + 2). */
int pi_scan_url_fast(
        const char *in, size_t n, char *out, size_t cap, struct pi_scan_url_parts *parts);

/* The host of u[0..len), a URL in the hub's normalised form (it has "://" and a '/' after the
 * authority): after "://" and the authority's last '@', up to its port's ':' or, for an IPv6
 * literal, its ']' (included). Returns the host's offset and sets *hlen. The scanner's reading
 * of what pi_observable_normalize returns, and the reference the fast path is tested against. */
size_t pi_scan_url_host(const char *u, size_t len, size_t *hlen);

/* Normalises the e-mail address in[0..n) into out (cap bytes, NUL-terminated on 1) as
 * pi_observable_normalize(PI_OBSERVABLE_EMAIL) does; answers 1 / 0 / -1 as above and, on 1,
 * sets *out_len and *domain_off (the normalised domain is out[*domain_off .. *out_len), right
 * after the '@'). Thread-safe, reads only in[0..n), writes only out[0..n + 2). */
int pi_scan_email_fast(
        const char *in, size_t n, char *out, size_t cap, size_t *out_len, size_t *domain_off);

#endif
