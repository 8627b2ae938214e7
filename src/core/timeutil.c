#include "core/timeutil.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int pi_days_in_month(int64_t y, unsigned m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Howard Hinnant's days_from_civil algorithm, restated. */
int64_t pi_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void pi_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

pi_status pi_time_parse(const char *text, struct pi_time *out, struct pi_error *err)
{
	int y, mo, d, h, mi, s;
	const char *p;
	int32_t nsec = 0;
	int nd = 0;

	if (!text || strlen(text) < 20)
		goto bad;
	if (digits(text, 4, &y) || text[4] != '-' || digits(text + 5, 2, &mo) || text[7] != '-' ||
		digits(text + 8, 2, &d) || text[10] != 'T' || digits(text + 11, 2, &h) ||
		text[13] != ':' || digits(text + 14, 2, &mi) || text[16] != ':' ||
		digits(text + 17, 2, &s))
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > pi_days_in_month(y, (unsigned)mo))
		return pi_error_set(err, PI_ERR_INVALID,
			"'%.40s' is not a real calendar date (month 01-12, day within the month)", text);
	if (h > 23 || mi > 59 || s > 60)
		return pi_error_set(err, PI_ERR_INVALID,
			"'%.40s' has an out-of-range time of day (hours 00-23, minutes 00-59, seconds 00-60)",
			text);
	p = text + 19;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nd == 9)
				return pi_error_set(err, PI_ERR_INVALID,
					"'%.40s' has more than 9 fraction digits", text);
			nsec = nsec * 10 + (*p - '0');
			nd++;
			p++;
		}
		if (nd == 0)
			goto bad;
		for (int i = nd; i < 9; i++)
			nsec *= 10;
	}
	if (p[0] != 'Z' || p[1] != '\0') {
		if (*p == '+' || *p == '-' || *p == 'z')
			return pi_error_set(err, PI_ERR_INVALID,
				"'%.40s' must be in UTC and end with an upper-case 'Z' (no offsets)", text);
		goto bad;
	}
	out->sec = pi_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
	out->nsec = nsec;
	out->frac_digits = nd;
	return PI_OK;
bad:
	return pi_error_set(err, PI_ERR_INVALID,
		"'%.40s' is not an RFC 3339 UTC timestamp like 2026-01-31T23:59:59.000Z",
		text ? text : "(null)");
}

void pi_time_key(const struct pi_time *t, char key[PI_TIME_KEY_LEN])
{
	int64_t days = t->sec >= 0 ? t->sec / 86400 : (t->sec - 86399) / 86400;
	int64_t rem = t->sec - days * 86400;
	int64_t y;
	unsigned m, d;

	pi_civil_from_days(days, &y, &m, &d);
	snprintf(key, PI_TIME_KEY_LEN, "%04d-%02u-%02uT%02d:%02d:%02d.%09dZ", (int)y, m, d,
		(int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)t->nsec);
}

int pi_time_cmp(const struct pi_time *a, const struct pi_time *b)
{
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	if (a->nsec != b->nsec)
		return a->nsec < b->nsec ? -1 : 1;
	return 0;
}

int64_t pi_time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void pi_time_format_us(int64_t us, char out[PI_TIME_TEXT_LEN])
{
	int64_t sec = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
	int64_t frac = us - sec * 1000000;
	int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
	int64_t rem = sec - days * 86400;
	int64_t y;
	unsigned m, d;

	pi_civil_from_days(days, &y, &m, &d);
	snprintf(out, PI_TIME_TEXT_LEN, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", (int)y, m, d,
		(int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)frac);
}

pi_status pi_time_parse_us(const char *text, int64_t *us, struct pi_error *err)
{
	struct pi_time t;
	pi_status st = pi_time_parse(text, &t, err);

	if (st != PI_OK)
		return st;
	*us = t.sec * 1000000 + t.nsec / 1000;
	return PI_OK;
}
