/* log.h - levelled, one-line key=value logging to stderr.
 *
 * pi_log_debug/info/warn/error cost one comparison when their level is disabled.
 * pi_fatal logs and exits(1): for start-up failures only, never on input from
 * outside. Messages must not contain secrets (tokens, passwords, keys).
 */
#ifndef PI_CORE_LOG_H
#define PI_CORE_LOG_H

enum pi_log_level { PI_LOG_DEBUG = 0, PI_LOG_INFO, PI_LOG_WARN, PI_LOG_ERROR, PI_LOG_OFF };

extern enum pi_log_level pi_log_threshold;

void pi_log_set_level(enum pi_log_level level);
/* Parses "debug", "info", "warn", "error", "off"; returns -1 if unknown. */
int pi_log_level_parse(const char *name, enum pi_log_level *out);

void pi_log_write(enum pi_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
_Noreturn void pi_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define PI_LOG_AT(lvl, ...)                                                    \
	do {                                                                   \
		if ((lvl) >= pi_log_threshold)                                 \
			pi_log_write((lvl), __VA_ARGS__);                      \
	} while (0)
#define pi_log_debug(...) PI_LOG_AT(PI_LOG_DEBUG, __VA_ARGS__)
#define pi_log_info(...) PI_LOG_AT(PI_LOG_INFO, __VA_ARGS__)
#define pi_log_warn(...) PI_LOG_AT(PI_LOG_WARN, __VA_ARGS__)
#define pi_log_error(...) PI_LOG_AT(PI_LOG_ERROR, __VA_ARGS__)

#endif
