#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http/path.h"

static void splits_and_decodes(void **state)
{
	struct pi_path p;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_path_parse("/taxii2/hub/collections/a%20b/objects/", &p, &err), PI_OK);
	assert_int_equal(p.nseg, 5);
	assert_string_equal(p.seg[3], "a b");
	assert_true(p.trailing_slash);
	assert_int_equal(pi_path_parse("//taxii2//hub", &p, &err), PI_OK);
	assert_int_equal(p.nseg, 2);
	assert_false(p.trailing_slash);
	assert_int_equal(pi_path_parse("/", &p, &err), PI_OK);
	assert_int_equal(p.nseg, 0);
}

static void refuses_tricks(void **state)
{
	struct pi_path p;
	struct pi_error err;
	char *longpath;

	(void)state;
	assert_int_equal(pi_path_parse("/taxii2/../etc", &p, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "'..'"));
	assert_int_equal(pi_path_parse("/taxii2/%2e%2e/etc", &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_path_parse("/taxii2/a%2Fb", &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_path_parse("/taxii2/a%5Cb", &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_path_parse("/taxii2/%zz", &p, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "percent-encoding"));
	assert_int_equal(pi_path_parse("/taxii2/%00", &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_path_parse("/taxii2/%4", &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_path_parse("taxii2", &p, &err), PI_ERR_INVALID);
	assert_int_equal(pi_path_parse("/a/b/c/d/e/f/g/h/i/j/k/l/m", &p, &err), PI_ERR_NOTFOUND);
	longpath = malloc(5000);
	assert_non_null(longpath);
	memset(longpath, 'a', 4999);
	longpath[0] = '/';
	longpath[4999] = '\0';
	assert_int_equal(pi_path_parse(longpath, &p, &err), PI_ERR_TOOBIG);
	longpath[300] = '\0';
	assert_int_equal(pi_path_parse(longpath, &p, &err), PI_ERR_NOTFOUND);
	free(longpath);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(splits_and_decodes),
		cmocka_unit_test(refuses_tricks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
