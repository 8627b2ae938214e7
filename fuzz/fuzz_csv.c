/* libFuzzer target: the RFC 4180 CSV reader and column mappings (intel/import_read.c). The
 * first byte picks the read size; the rest is CSV. Records must have 1..PI_CSV_FIELDS_MAX
 * fields of at most PI_CSV_FIELD_MAX bytes, and line numbers must never go backwards. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	pi_csv_reader *r = NULL;
	struct pi_csv_map map;
	struct pi_error err;
	uint64_t last_line = 0;
	int first = 1;

	if (size < 1)
		return 0;
	m.data = data + 1;
	m.len = size - 1;
	m.pos = 0;
	m.step = (size_t)data[0] + 1;
	if (pi_csv_reader_new(mem_read, &m, &r, &err) != PI_OK)
		return 0;
	for (;;) {
		char *const *f;
		size_t nf;
		uint64_t line;
		if (pi_csv_reader_next(r, &f, &nf, &line, &err) != PI_OK || nf == 0)
			break;
		if (nf > PI_CSV_FIELDS_MAX || line < last_line)
			abort();
		for (size_t i = 0; i < nf; i++)
			if (strlen(f[i]) > PI_CSV_FIELD_MAX)
				abort();
		if (first) {
			/* the first record doubles as a mapping spec and as a header */
			if (pi_csv_map_parse(f[0], &map, &err) == PI_OK)
				pi_csv_map_resolve(&map, f, nf, &err);
			first = 0;
		}
		last_line = line;
	}
	pi_csv_reader_free(r);
	return 0;
}
