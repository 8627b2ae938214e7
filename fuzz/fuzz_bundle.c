/* libFuzzer target: the streaming STIX bundle splitter (intel/import_read.c). The first byte
 * picks the read size (1-256 bytes), so objects split across reads at every position. Every
 * object handed out must be exactly one JSON value (pi_json_scan_value agrees), sit at its
 * reported offset, and the reader must stop at the first error. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "intel/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct mem_in {
	const uint8_t *data;
	size_t len, pos, step;
};

static size_t mem_read(void *ctx, char *buf, size_t max)
{
	struct mem_in *m = ctx;
	size_t n = m->len - m->pos;

	if (n > max)
		n = max;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_in m;
	pi_bundle_reader *r = NULL;
	struct pi_error err;
	size_t count = 0;

	if (size < 1)
		return 0;
	m.data = data + 1;
	m.len = size - 1;
	m.pos = 0;
	m.step = (size_t)data[0] + 1;
	if (pi_bundle_reader_new(mem_read, &m, 1 << 16, &r, &err) != PI_OK)
		return 0;
	for (;;) {
		const char *obj;
		size_t len, end;
		uint64_t off;
		if (pi_bundle_reader_next(r, &obj, &len, &off, &err) != PI_OK || !obj)
			break;
		if (obj[0] != '{' || off + len > m.len || memcmp(m.data + off, obj, len) != 0)
			abort();
		if (pi_json_scan_value(obj, len, PI_JSON_MAX_DEPTH, &end, &err) != PI_OK ||
		        end != len)
			abort();
		if (++count > m.len)
			abort();
	}
	pi_bundle_reader_free(r);
	return 0;
}
