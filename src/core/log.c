#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum pi_log_level pi_log_threshold = PI_LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void pi_log_set_level(enum pi_log_level level)
{
	pi_log_threshold = level;
}

int pi_log_level_parse(const char *name, enum pi_log_level *out)
{
	for (int i = 0; i <= PI_LOG_OFF; i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum pi_log_level)i;
			return 0;
		}
	}
	return -1;
}

static void vlog(enum pi_log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	char stamp[32];
	struct timespec now;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* One write per line so concurrent threads do not interleave. */
	fprintf(stderr, "ts=%s.%03ldZ level=%s %s%s\n", stamp, now.tv_nsec / 1000000,
		level_names[level], line, (size_t)n >= sizeof(line) ? "..." : "");
}

void pi_log_write(enum pi_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void pi_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PI_LOG_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
