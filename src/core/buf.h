/* buf.h - a growable byte buffer with a hard size cap fixed at creation.
 *
 * Invariants: data is always NUL-terminated (len < alloc), len <= cap. An append
 * that would pass the cap fails with PI_ERR_TOOBIG and leaves the buffer as it
 * was; an allocation failure gives PI_ERR_NOMEM, also without change.
 * Ownership: the struct is caller storage; pi_buf_free releases data.
 * pi_buf_steal hands data to the caller (free() it) and resets the buffer.
 */
#ifndef PI_CORE_BUF_H
#define PI_CORE_BUF_H

#include <stddef.h>

#include "core/error.h"

struct pi_buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap;
};

void pi_buf_init(struct pi_buf *b, size_t cap);
void pi_buf_free(struct pi_buf *b);
void pi_buf_reset(struct pi_buf *b); /* len = 0, memory kept */
pi_status pi_buf_append(struct pi_buf *b, const void *data, size_t len);
pi_status pi_buf_puts(struct pi_buf *b, const char *s);
pi_status pi_buf_putc(struct pi_buf *b, char c);
pi_status pi_buf_printf(struct pi_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
pi_status pi_buf_json_string(struct pi_buf *b, const char *s);
/* Makes room for at least extra more bytes. */
pi_status pi_buf_reserve(struct pi_buf *b, size_t extra);
/* Returns the data (caller frees) and leaves b empty; NULL if nothing was ever appended. */
char *pi_buf_steal(struct pi_buf *b);

#endif
