/* libFuzzer target: the free-text tokeniser and the syslog extractor (with and without --refang)
 * (scan/lineobs.c). Every reported observable must be NUL-terminated at its length and non-empty,
 * and the fast readings (BIND query log, squid access log) must report exactly what the tokeniser
 * reports for the whole line, as TEXT and as SYSLOG (the differential oracle; seed with BIND
 * and squid lines).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scan/lineobs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct trace {
	char text[1 << 16];
	size_t len;
};

static void check(void *arg, const struct pi_scan_obs *o)
{
	struct trace *t = arg;
	if (o->len == 0 || strlen(o->value) != o->len)
		abort();
	if (t && t->len + o->len + 4 < sizeof(t->text)) {
		t->text[t->len++] = (char)('0' + o->kind);
		memcpy(t->text + t->len, o->value, o->len);
		t->len += o->len;
		t->text[t->len++] = '|';
	}
}

static struct trace fast_trace, slow_trace;

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
	/* TEXT, no refang: the fast paths against the tokeniser */
	x.flags = 0;
	fast_trace.len = slow_trace.len = 0;
	x.arg = &fast_trace;
	pi_scan_extract_line(&x, PI_SCAN_FORMAT_TEXT, (const char *)data, size);
	x.arg = &slow_trace;
	pi_scan_tokenise(&x, (const char *)data, size);
	if (fast_trace.len != slow_trace.len ||
	        memcmp(fast_trace.text, slow_trace.text, fast_trace.len) != 0)
		abort();
	/* SYSLOG: the fast readings (squid lines without a header) against the tokeniser's */
	fast_trace.len = slow_trace.len = 0;
	x.arg = &fast_trace;
	pi_scan_extract_line(&x, PI_SCAN_FORMAT_SYSLOG, (const char *)data, size);
	x.flags = PI_SCAN_NO_FAST;
	x.arg = &slow_trace;
	pi_scan_extract_line(&x, PI_SCAN_FORMAT_SYSLOG, (const char *)data, size);
	if (fast_trace.len != slow_trace.len ||
	        memcmp(fast_trace.text, slow_trace.text, fast_trace.len) != 0)
		abort();
	pi_scan_xctx_free(&x);
	return 0;
}
