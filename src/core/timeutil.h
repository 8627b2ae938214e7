/* timeutil.h - RFC 3339 UTC timestamps as STIX and TAXII use them.
 *
 * Times are held as seconds since the Unix epoch (int64, proleptic Gregorian,
 * years 0000-9999) plus nanoseconds. STIX timestamps must end in "Z"; offsets
 * other than UTC are refused. Server-made times (date_added, filed_at) have
 * microsecond precision and are held as int64 microseconds.
 */
#ifndef PI_CORE_TIMEUTIL_H
#define PI_CORE_TIMEUTIL_H

#include <stdint.h>

#include "core/error.h"

#define PI_TIME_KEY_LEN 72 /* key is 30 chars: "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"; room for the compiler */
#define PI_TIME_TEXT_LEN 72 /* text is 27 chars */

struct pi_time {
	int64_t sec;  /* since 1970-01-01T00:00:00Z */
	int32_t nsec; /* 0..999999999 */
	int frac_digits; /* digits written after the decimal point, 0 if none */
};

/* Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" strictly (valid calendar date, at most
 * 9 fraction digits). err names the rule that failed. */
pi_status pi_time_parse(const char *text, struct pi_time *out, struct pi_error *err);

/* Writes a fixed-width key that sorts like the time ("...SS.nnnnnnnnnZ"). */
void pi_time_key(const struct pi_time *t, char key[PI_TIME_KEY_LEN]);

/* -1, 0, 1 as a is before, equal to, after b. */
int pi_time_cmp(const struct pi_time *a, const struct pi_time *b);

/* Current time in microseconds since the epoch (CLOCK_REALTIME). */
int64_t pi_time_now_us(void);

/* Formats microseconds as "YYYY-MM-DDTHH:MM:SS.ffffffZ". */
void pi_time_format_us(int64_t us, char out[PI_TIME_TEXT_LEN]);

/* Parses an RFC 3339 UTC timestamp into microseconds (fraction past 6 digits
 * is truncated). */
pi_status pi_time_parse_us(const char *text, int64_t *us, struct pi_error *err);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t pi_days_from_civil(int64_t y, unsigned m, unsigned d);
void pi_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
int pi_days_in_month(int64_t y, unsigned m);

#endif
