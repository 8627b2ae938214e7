#include "core/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void mark_truncated(char *buf, size_t size)
{
	if (size >= 4)
		memcpy(buf + size - 4, "...", 4);
}

pi_status pi_error_set(struct pi_error *err, pi_status status, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err)
		return status;
	err->status = status;
	va_start(ap, fmt);
	n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (n < 0)
		err->message[0] = '\0';
	else if ((size_t)n >= sizeof(err->message))
		mark_truncated(err->message, sizeof(err->message));
	return status;
}

void pi_error_prefix(struct pi_error *err, const char *fmt, ...)
{
	char prefix[PI_ERROR_MSG_MAX];
	char joined[PI_ERROR_MSG_MAX];
	va_list ap;
	int n;

	if (!err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = snprintf(joined, sizeof(joined), "%s: %s", prefix, err->message);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(joined))
		mark_truncated(joined, sizeof(joined));
	memcpy(err->message, joined, sizeof(joined));
}

void pi_error_clear(struct pi_error *err)
{
	if (!err)
		return;
	err->status = PI_OK;
	err->message[0] = '\0';
}

const char *pi_status_name(pi_status status)
{
	switch (status) {
	case PI_OK: return "ok";
	case PI_ERR_INVALID: return "invalid";
	case PI_ERR_NOMEM: return "out of memory";
	case PI_ERR_NOTFOUND: return "not found";
	case PI_ERR_EXISTS: return "already exists";
	case PI_ERR_DENIED: return "denied";
	case PI_ERR_AUTH: return "authentication required";
	case PI_ERR_TOOBIG: return "too big";
	case PI_ERR_CONFLICT: return "conflict";
	case PI_ERR_IO: return "i/o error";
	case PI_ERR_INTERNAL: return "internal error";
	}
	return "unknown";
}
