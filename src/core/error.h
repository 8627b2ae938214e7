/* error.h - status codes and human-readable errors shared by every module.
 *
 * A function that can fail returns pi_status (PI_OK == 0). Where a person will
 * read the failure, the function also fills a caller-owned struct pi_error with a
 * message that says what was wrong, where, and what to do. The struct is plain
 * storage: no allocation, nothing to free.
 */
#ifndef PI_CORE_ERROR_H
#define PI_CORE_ERROR_H

#include <stddef.h>

typedef enum pi_status {
	PI_OK = 0,
	PI_ERR_INVALID,  /* input breaks a rule: a 400 / 422 */
	PI_ERR_NOMEM,    /* allocation failed */
	PI_ERR_NOTFOUND, /* no such thing (or not visible to the caller) */
	PI_ERR_EXISTS,   /* would duplicate something unique */
	PI_ERR_DENIED,   /* authenticated but not allowed */
	PI_ERR_AUTH,     /* missing or wrong credentials */
	PI_ERR_TOOBIG,   /* over a size cap */
	PI_ERR_CONFLICT, /* state does not allow it now */
	PI_ERR_IO,       /* file, socket or database failure */
	PI_ERR_INTERNAL  /* a bug or an impossible state */
} pi_status;

#define PI_ERROR_MSG_MAX 512

struct pi_error {
	pi_status status;
	char message[PI_ERROR_MSG_MAX];
};

/* Records status and a printf-style message in err (err may be NULL) and returns
 * status, so callers can write `return pi_error_set(err, PI_ERR_INVALID, ...)`.
 * A message longer than the buffer is cut and ends with "...". */
pi_status pi_error_set(struct pi_error *err, pi_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message (for adding context on the way up). */
void pi_error_prefix(struct pi_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Resets err to PI_OK with an empty message. */
void pi_error_clear(struct pi_error *err);

/* A short constant name for a status ("invalid", "not found", ...). */
const char *pi_status_name(pi_status status);

#endif
