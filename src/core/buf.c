#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pi_buf_init(struct pi_buf *b, size_t cap)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->cap = cap;
}

void pi_buf_free(struct pi_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void pi_buf_reset(struct pi_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

pi_status pi_buf_reserve(struct pi_buf *b, size_t extra)
{
	size_t need, want;
	char *p;

	if (extra > b->cap || b->len > b->cap - extra)
		return PI_ERR_TOOBIG;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return PI_OK;
	want = b->alloc ? b->alloc : 256;
	while (want < need)
		want = want > ((size_t)-1) / 2 ? need : want * 2;
	if (want > b->cap + 1)
		want = b->cap + 1;
	p = realloc(b->data, want);
	if (!p)
		return PI_ERR_NOMEM;
	b->data = p;
	b->alloc = want;
	return PI_OK;
}

pi_status pi_buf_append(struct pi_buf *b, const void *data, size_t len)
{
	pi_status st = pi_buf_reserve(b, len);

	if (st != PI_OK)
		return st;
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return PI_OK;
}

pi_status pi_buf_puts(struct pi_buf *b, const char *s)
{
	return pi_buf_append(b, s, strlen(s));
}

pi_status pi_buf_putc(struct pi_buf *b, char c)
{
	return pi_buf_append(b, &c, 1);
}

pi_status pi_buf_printf(struct pi_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	pi_status st;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PI_ERR_INVALID;
	st = pi_buf_reserve(b, (size_t)n);
	if (st != PI_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PI_OK;
}

pi_status pi_buf_json_string(struct pi_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	pi_status st = pi_buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;

	while (st == PI_OK && *p) {
		unsigned char c = *p;
		char esc[7];
		size_t esc_len = 0;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			esc_len = 2;
		} else if (c < 0x20) {
			esc[0] = '\\';
			switch (c) {
			case '\n': esc[1] = 'n'; esc_len = 2; break;
			case '\r': esc[1] = 'r'; esc_len = 2; break;
			case '\t': esc[1] = 't'; esc_len = 2; break;
			case '\b': esc[1] = 'b'; esc_len = 2; break;
			case '\f': esc[1] = 'f'; esc_len = 2; break;
			default:
				memcpy(esc + 1, "u00", 3);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				esc_len = 6;
			}
		}
		if (esc_len) {
			st = pi_buf_append(b, run, (size_t)(p - run));
			if (st == PI_OK)
				st = pi_buf_append(b, esc, esc_len);
			run = p + 1;
		}
		p++;
	}
	if (st == PI_OK)
		st = pi_buf_append(b, run, (size_t)(p - run));
	if (st == PI_OK)
		st = pi_buf_putc(b, '"');
	return st;
}

char *pi_buf_steal(struct pi_buf *b)
{
	char *p = b->data;

	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}
