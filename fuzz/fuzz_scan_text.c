/* libFuzzer target: the free-text tokeniser and the syslog extractor (with and without --refang)
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
	static const enum pi_scan_format fmts[] = {PI_SCAN_FORMAT_TEXT, PI_SCAN_FORMAT_SYSLOG};
	for (size_t f = 0; f < 2; f++)
		for (unsigned flags = 0; flags < 2; flags++) {
			x.flags = flags;
			pi_scan_extract_line(&x, fmts[f], (const char *)data, size);
		}
	pi_scan_xctx_free(&x);
	return 0;
}
