/* libFuzzer target: the Zeek TSV header parser and line extractor (first line: header, rest: lines)
 * (scan/lineobs.c). Every reported observable must be NUL-terminated at its length and non-empty.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan/lineobs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(void *arg, const struct pi_scan_obs *o)
{
	(void)arg;
	if (o->len == 0 || strlen(o->value) != o->len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pi_scan_xctx x;

	if (size > PI_SCAN_MAX_LINE)
		return 0;
	if (pi_scan_xctx_init(&x, 0, check, NULL) != PI_OK)
		return 0;
	pi_scan_zeek *z = NULL;
	const char *p = (const char *)data, *end = p + size;
	if (pi_scan_zeek_parse_header(p, size, &z, NULL) != PI_OK)
		z = NULL;
	x.zeek = z;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		pi_scan_extract_line(&x, PI_SCAN_FORMAT_ZEEK, p, n);
		p += n + 1;
	}
	pi_scan_zeek_free(z);
	pi_scan_xctx_free(&x);
	return 0;
}
