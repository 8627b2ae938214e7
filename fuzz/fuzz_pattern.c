/* fuzz_pattern.c - libFuzzer target for the STIX pattern parser.
 *
 * Every input must either parse or be refused with PI_ERR_INVALID / PI_ERR_TOOBIG and a
 * "pattern error at character" message; an accepted pattern must format to a canonical text
 * that parses again and formats identically.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_term(void *arg, const struct pi_pattern_term *t)
{
	size_t *n = arg;

	if (!t->object_type || !t->path || !t->op)
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pi_pattern *p = NULL, *q = NULL;
	struct pi_error err;
	struct pi_buf a, b;
	size_t terms = 0;
	pi_status rc;

	if (size > 1 << 16)
		return 0;
	rc = pi_pattern_parse((const char *)data, size, &p, &err);
	if (rc != PI_OK) {
		if (p || (rc != PI_ERR_INVALID && rc != PI_ERR_TOOBIG && rc != PI_ERR_NOMEM) ||
		        strncmp(err.message, "pattern error at character ", 27) != 0)
			abort();
		return 0;
	}
	pi_pattern_each_term(p, count_term, &terms);
	pi_buf_init(&a, 1 << 22);
	pi_buf_init(&b, 1 << 22);
	if (pi_pattern_format(p, &a) != PI_OK)
		abort();
	if (pi_pattern_parse(a.data, a.len, &q, &err) != PI_OK)
		abort();
	if (pi_pattern_format(q, &b) != PI_OK || a.len != b.len || memcmp(a.data, b.data, a.len))
		abort();
	pi_buf_free(&a);
	pi_buf_free(&b);
	pi_pattern_free(p);
	pi_pattern_free(q);
	return 0;
}
