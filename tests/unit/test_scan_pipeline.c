/* Unit tests for scan/scan: the pipeline on a mapped file that shrinks while it is scanned
 * (logrotate's copytruncate): the scan goes on, does not die of SIGBUS, and reports the file
 * as failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/scan.h"

struct shrink {
	const char *path;
	off_t to;
	int hits;
};

/* The writer's first hit comes after the first chunk is scanned, while later chunks are still
 * to be read from the mapping: the file shrinks there. */
static void on_hit(void *arg, const struct pi_scan_hit *hit)
{
	struct shrink *sh = arg;

	(void)hit;
	if (sh->hits++ == 0)
		assert_int_equal(truncate(sh->path, sh->to), 0);
}

static void test_file_shrinks_while_mapped(void **state)
{
	static const char list[] = "evil.example\n";
	char path[] = "/tmp/postisac-shrink-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	pi_scan_set *set = NULL;
	pi_scan_matcher *m = NULL;
	pi_scan *s = NULL;
	struct pi_scan_options opt;
	struct pi_scan_totals tot;
	struct pi_error err;
	struct shrink sh = {path, (off_t)1 << 20, 0};
	const char *files[] = {path};
	size_t written = 0;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	/* 40 MB: ten chunks, more than the scanner's window of chunks in flight */
	for (unsigned i = 0; written < ((size_t)40 << 20); i++) {
		int n = i % 1000 == 0 ? fprintf(f, "line %u saw www.evil.example\n", i)
		                      : fprintf(f, "line %u nothing to see here at all\n", i);
		assert_true(n > 0);
		written += (size_t)n;
	}
	assert_int_equal(fclose(f), 0);
	assert_int_equal(pi_scan_set_new(&set), PI_OK);
	assert_int_equal(pi_scan_set_load_list(set, list, strlen(list), "l", &err), PI_OK);
	assert_int_equal(pi_scan_matcher_build(set, NULL, &m, &err), PI_OK);
	memset(&opt, 0, sizeof(opt));
	opt.threads = 1;
	opt.on_hit = on_hit;
	opt.arg = &sh;
	assert_int_equal(pi_scan_new(&opt, set, m, &s, &err), PI_OK);
	memset(&tot, 0, sizeof(tot));
	assert_int_equal(pi_scan_run(s, files, 1, &tot, &err), PI_ERR_IO);
	assert_int_equal(tot.files, 1);
	assert_int_equal(tot.files_failed, 1);
	/* the hits of the first megabyte at least; nothing from the zeros */
	assert_true(sh.hits >= 20);
	assert_true(tot.lines < written / 30);
	pi_scan_free(s);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_file_shrinks_while_mapped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
