/* libFuzzer target: the scanner's fast URL and e-mail normalisers (scan/fastnorm.c) against
 * their oracle, pi_observable_normalize. The input is read both as a URL and as an e-mail
 * address. Aborts when the fast path answers 1 and the hub refuses or writes other bytes, when
 * it answers 0 and the hub accepts, when the host / domain position it reports is not where
 * the normalised value has it, or when it writes past the n + 2 bytes it promises (ASan: the
 * output buffer is allocated to exactly that size).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/observable.h"
#include "scan/fastnorm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(
        const char *in, size_t n, char *fast, const char *slow, size_t slen, pi_status st)
{
	struct pi_scan_url_parts parts;
	int rc = pi_scan_url_fast(in, n, fast, n + 2, &parts);

	if (rc == 0 && st == PI_OK)
		abort();
	if (rc == 1) {
		size_t host = parts.host_off, end = parts.host_off + parts.host_len;
		if (st != PI_OK || parts.len != slen || memcmp(fast, slow, slen + 1) != 0)
			abort();
		/* the host follows "://" or an '@' and ends the authority or comes before ':' */
		if (host < 3 || (slow[host - 1] != '/' && slow[host - 1] != '@') ||
		        (slow[end] != '/' && slow[end] != ':') || parts.host_len == 0 ||
		        memchr(slow + host, '@', parts.host_len) ||
		        memchr(slow + host, ':', parts.host_len))
			abort();
		if (parts.host_is_ipv4) {
			uint8_t a[16];
			int family = 0;
			if (pi_observable_ip_parse(slow + host, parts.host_len, a, &family, NULL) !=
			                PI_OK ||
			        family != 4 || memcmp(a, parts.addr, 4) != 0)
				abort();
		}
	}
	if (rc < -1 || rc > 1)
		abort();
}

static void check_email(
        const char *in, size_t n, char *fast, const char *slow, size_t slen, pi_status st)
{
	size_t flen = 0, doff = 0;
	int rc = pi_scan_email_fast(in, n, fast, n + 2, &flen, &doff);

	if (rc == 0 && st == PI_OK)
		abort();
	if (rc == 1 && (st != PI_OK || flen != slen || memcmp(fast, slow, slen + 1) != 0 ||
	                       doff != (size_t)(strrchr(slow, '@') - slow) + 1))
		abort();
	if (rc < -1 || rc > 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char slow[PI_OBSERVABLE_MAX_OUTPUT];
	const char *in = (const char *)data;
	size_t slen = 0;
	char *fast;
	pi_status st;

	if (size > PI_OBSERVABLE_MAX_INPUT)
		return 0;
	fast = malloc(size + 2);
	if (!fast)
		return 0;
	st = pi_observable_normalize(
	        PI_OBSERVABLE_URL, in, size, NULL, slow, sizeof(slow), &slen, NULL);
	check_url(in, size, fast, slow, slen, st);
	st = pi_observable_normalize(
	        PI_OBSERVABLE_EMAIL, in, size, NULL, slow, sizeof(slow), &slen, NULL);
	check_email(in, size, fast, slow, slen, st);
	free(fast);
	return 0;
}
