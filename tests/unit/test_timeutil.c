#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/timeutil.h"

static void parses_stix_timestamps(void **state)
{
	struct pi_time t;
	struct pi_error err;
	char key[PI_TIME_KEY_LEN];

	(void)state;
	assert_int_equal(pi_time_parse("2016-04-06T20:03:48.000Z", &t, &err), PI_OK);
	assert_int_equal(t.sec, 1459973028);
	assert_int_equal(t.nsec, 0);
	assert_int_equal(t.frac_digits, 3);
	pi_time_key(&t, key);
	assert_string_equal(key, "2016-04-06T20:03:48.000000000Z");
	assert_int_equal(pi_time_parse("2024-02-29T00:00:00Z", &t, &err), PI_OK);
	assert_int_equal(pi_time_parse("1970-01-01T00:00:00.123456789Z", &t, &err), PI_OK);
	assert_int_equal(t.nsec, 123456789);
	assert_int_equal(pi_time_parse("0001-01-01T00:00:00Z", &t, &err), PI_OK);
	pi_time_key(&t, key);
	assert_string_equal(key, "0001-01-01T00:00:00.000000000Z");
}

static void refuses_bad_timestamps(void **state)
{
	struct pi_time t;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_time_parse("2023-02-29T00:00:00Z", &t, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "calendar date"));
	assert_int_equal(pi_time_parse("2016-04-06T20:03:48+01:00", &t, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "UTC"));
	assert_int_equal(pi_time_parse("2016-04-06 20:03:48Z", &t, &err), PI_ERR_INVALID);
	assert_int_equal(pi_time_parse("2016-04-06T24:00:00Z", &t, &err), PI_ERR_INVALID);
	assert_int_equal(pi_time_parse("2016-04-06T20:03:48.Z", &t, &err), PI_ERR_INVALID);
	assert_int_equal(pi_time_parse("2016-04-06T20:03:48.1234567890Z", &t, &err), PI_ERR_INVALID);
	assert_int_equal(pi_time_parse("2016-04-06T20:03:48z", &t, &err), PI_ERR_INVALID);
	assert_int_equal(pi_time_parse("2016-04-06T20:03:48Zjunk", &t, &err), PI_ERR_INVALID);
}

static void formats_microseconds(void **state)
{
	char out[PI_TIME_TEXT_LEN];
	int64_t us;
	struct pi_error err;

	(void)state;
	pi_time_format_us(1459973028000001, out);
	assert_string_equal(out, "2016-04-06T20:03:48.000001Z");
	assert_int_equal(pi_time_parse_us(out, &us, &err), PI_OK);
	assert_int_equal(us, 1459973028000001);
	pi_time_format_us(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000000Z");
}

static void civil_round_trip(void **state)
{
	(void)state;
	for (int64_t d = -800000; d < 800000; d += 37) {
		int64_t y;
		unsigned m, day;
		pi_civil_from_days(d, &y, &m, &day);
		assert_int_equal(pi_days_from_civil(y, m, day), d);
	}
	assert_int_equal(pi_days_in_month(2000, 2), 29);
	assert_int_equal(pi_days_in_month(1900, 2), 28);
	assert_int_equal(pi_days_in_month(2024, 4), 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_stix_timestamps),
		cmocka_unit_test(refuses_bad_timestamps),
		cmocka_unit_test(formats_microseconds),
		cmocka_unit_test(civil_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
