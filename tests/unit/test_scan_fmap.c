/* Unit tests for scan/fmap: mappings that survive the file shrinking, the table limit, page
 * release, and that a SIGBUS outside a mapping still ends the process. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "scan/fmap.h"

/* A temporary file of n pages of 'x', open read-write; its path in path (unlinked by the
 * caller). */
static int make_file(char *path, size_t n, size_t page)
{
	char *buf = malloc(page);
	int fd;

	strcpy(path, "/tmp/postisac-fmap-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_non_null(buf);
	memset(buf, 'x', page);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(write(fd, buf, page), (ssize_t)page);
	free(buf);
	return fd;
}

static void test_shrunk_file_reads_zeros(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[64];
	int fd = make_file(path, 4, page);
	struct pi_fmap m;
	volatile const char *d;

	(void)state;
	assert_int_equal(pi_fmap_open(fd, 4 * page, &m), PI_OK);
	d = m.data;
	assert_int_equal(d[0], 'x');
	assert_int_equal(d[3 * page], 'x');
	assert_false(pi_fmap_shrunk(&m));
	/* the file shrinks to one page: the pages past it read as zeros instead of SIGBUS */
	assert_int_equal(ftruncate(fd, (off_t)page), 0);
	assert_int_equal(d[2 * page + 17], 0);
	assert_int_equal(d[3 * page], 0);
	assert_true(pi_fmap_shrunk(&m));
	assert_int_equal(d[0], 'x');
	pi_fmap_close(&m);
	assert_null(m.data);
	pi_fmap_close(&m); /* twice is harmless */
	close(fd);
	unlink(path);
}

static void test_release_keeps_data_readable(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), unit = PI_FMAP_UNIT / page;
	size_t n = 2 * unit + 9; /* two units and a few pages */
	char path[64];
	int fd = make_file(path, n, page);
	struct pi_fmap m;

	(void)state;
	assert_int_equal(pi_fmap_open(fd, n * page, &m), PI_OK);
	/* filling the page tables ahead, past the end too (clamped), changes nothing read */
	pi_fmap_prefault(&m, page + 7, 100 * n * page);
	pi_fmap_prefault(&m, (n + 1) * page, (n + 2) * page);
	pi_fmap_prefault(&m, 3 * page, page);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(m.data[i * page], 'x');
	/* releases go by whole units: inside the first one, nothing is dropped */
	pi_fmap_release(&m, 2 * page + 100);
	assert_int_equal(m.dropped, 0);
	pi_fmap_release(&m, PI_FMAP_UNIT + 3 * page + 5);
	assert_int_equal(m.dropped, PI_FMAP_UNIT);
	pi_fmap_release(&m, page); /* never backwards */
	assert_int_equal(m.dropped, PI_FMAP_UNIT);
	pi_fmap_release(&m, 2 * PI_FMAP_UNIT + 5 * page); /* the last unit */
	assert_int_equal(m.dropped, 2 * PI_FMAP_UNIT);
	/* at the end, the whole pages of the tail too; capped at the length */
	pi_fmap_release(&m, 100 * n * page);
	assert_int_equal(m.dropped, n * page);
	/* released pages come back from the page cache if read again */
	assert_int_equal(m.data[page], 'x');
	assert_int_equal(m.data[PI_FMAP_UNIT + 2 * page], 'x');
	assert_int_equal(m.data[(n - 1) * page], 'x');
	pi_fmap_close(&m);
	close(fd);
	unlink(path);
}

/* The VmFlags line of the /proc/self/smaps entry that starts at addr, into flags; 0 if found. */
static int vm_flags(const void *addr, char *flags, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0, found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) { /* a mapping's first line */
			in = lo == (unsigned long)(uintptr_t)addr;
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, cap, "%.200s", line + 8);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static void test_mapping_is_advised_huge(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), n = PI_FMAP_UNIT / page + 3;
	char path[64], flags[256];
	int fd = make_file(path, n, page);
	struct pi_fmap m;

	(void)state;
	assert_int_equal(pi_fmap_open(fd, n * page - 10, &m), PI_OK);
	assert_int_equal(m.data[n * page - 11], 'x');
	assert_int_equal(vm_flags(m.data, flags, sizeof(flags)), 0);
	/* "hg": MADV_HUGEPAGE, on kernels that have huge pages */
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0)
		assert_non_null(strstr(flags, " hg"));
	/* "sr": MADV_SEQUENTIAL */
	assert_non_null(strstr(flags, " sr"));
	pi_fmap_close(&m);
	close(fd);
	unlink(path);
}

static void test_table_limit(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[64];
	int fd = make_file(path, 1, page);
	struct pi_fmap m[PI_FMAP_MAX + 1];

	(void)state;
	for (int i = 0; i < PI_FMAP_MAX; i++)
		assert_int_equal(pi_fmap_open(fd, page, &m[i]), PI_OK);
	assert_int_equal(pi_fmap_open(fd, page, &m[PI_FMAP_MAX]), PI_ERR_CONFLICT);
	pi_fmap_close(&m[3]);
	assert_int_equal(pi_fmap_open(fd, page, &m[PI_FMAP_MAX]), PI_OK);
	assert_int_equal(m[PI_FMAP_MAX].data[0], 'x');
	for (int i = 0; i <= PI_FMAP_MAX; i++)
		pi_fmap_close(&m[i]);
	assert_int_equal(pi_fmap_open(fd, 0, &m[0]), PI_ERR_INVALID);
	close(fd);
	unlink(path);
}

/* A file mapped without fmap, shrunk and read past its end: the handler fmap installed must
 * not swallow that SIGBUS. */
static void test_foreign_sigbus_still_kills(void **state)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char path[64];
	int fd = make_file(path, 3, page), status = 0;
	struct pi_fmap m;
	pid_t pid;

	(void)state;
	assert_int_equal(pi_fmap_open(fd, page, &m), PI_OK); /* the handler is installed */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the default action under fmap's handler (the test harness has its own) */
		volatile const char *raw;
		struct pi_fmap m2;
		signal(SIGBUS, SIG_DFL);
		if (pi_fmap_open(fd, page, &m2) != PI_OK)
			_exit(2);
		raw = mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE, fd, 0);
		if (raw == MAP_FAILED)
			_exit(3);
		if (ftruncate(fd, (off_t)page) != 0)
			_exit(4);
		_exit(raw[2 * page] == 0 ? 5 : 6); /* never reached: SIGBUS */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status))
		fail_msg("child exited with %d", WEXITSTATUS(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
	pi_fmap_close(&m);
	close(fd);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_shrunk_file_reads_zeros),
	        cmocka_unit_test(test_release_keeps_data_readable),
	        cmocka_unit_test(test_mapping_is_advised_huge),
	        cmocka_unit_test(test_table_limit),
	        cmocka_unit_test(test_foreign_sigbus_still_kills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
