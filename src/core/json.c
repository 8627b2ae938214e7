#include "core/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct scanner {
	const unsigned char *p;
	size_t len;
	size_t pos;
	unsigned max_depth;
	struct pi_error *err;
};

static pi_status scan_fail(struct scanner *s, const char *what)
{
	size_t line = 1, col = 1;

	for (size_t i = 0; i < s->pos && i < s->len; i++) {
		if (s->p[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (s->pos >= s->len)
		return pi_error_set(s->err, PI_ERR_INVALID,
		        "invalid JSON: unexpected end of input at byte %zu (line %zu, column %zu): "
		        "%s",
		        s->pos, line, col, what);
	return pi_error_set(s->err, PI_ERR_INVALID,
	        "invalid JSON at byte %zu (line %zu, column %zu): %s", s->pos, line, col, what);
}

static void skip_ws(struct scanner *s)
{
	while (s->pos < s->len) {
		unsigned char c = s->p[s->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		s->pos++;
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static pi_status scan_u_escape(struct scanner *s, unsigned *out)
{
	unsigned v = 0;

	if (s->len - s->pos < 4)
		return scan_fail(s, "\\u needs four hex digits");
	for (int i = 0; i < 4; i++) {
		int h = hexval(s->p[s->pos + (size_t)i]);
		if (h < 0)
			return scan_fail(s, "\\u needs four hex digits");
		v = v * 16 + (unsigned)h;
	}
	s->pos += 4;
	*out = v;
	return PI_OK;
}

/* Validates one UTF-8 sequence starting at s->pos (first byte >= 0x80). */
static pi_status scan_utf8(struct scanner *s)
{
	const unsigned char *p = s->p + s->pos;
	size_t left = s->len - s->pos;
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return scan_fail(s, "invalid UTF-8 byte in string");
	}
	if (left < n)
		return scan_fail(s, "truncated UTF-8 sequence in string");
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return scan_fail(s, "invalid UTF-8 continuation byte in string");
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	        (cp >= 0xD800 && cp <= 0xDFFF))
		return scan_fail(s, "overlong or surrogate UTF-8 sequence in string");
	s->pos += n;
	return PI_OK;
}

static pi_status scan_string(struct scanner *s)
{
	pi_status st;

	s->pos++; /* opening quote */
	while (s->pos < s->len) {
		unsigned char c = s->p[s->pos];
		if (c == '"') {
			s->pos++;
			return PI_OK;
		}
		if (c < 0x20)
			return scan_fail(s, "control character in string (escape it as \\u00XX)");
		if (c == '\\') {
			s->pos++;
			if (s->pos >= s->len)
				break;
			c = s->p[s->pos++];
			if (c == 'u') {
				unsigned hi, lo;
				if ((st = scan_u_escape(s, &hi)) != PI_OK)
					return st;
				if (hi >= 0xDC00 && hi <= 0xDFFF)
					return scan_fail(s, "lone low surrogate in \\u escape");
				if (hi >= 0xD800 && hi <= 0xDBFF) {
					if (s->len - s->pos < 2 || s->p[s->pos] != '\\' ||
					        s->p[s->pos + 1] != 'u')
						return scan_fail(s, "high surrogate not followed "
						                    "by a low surrogate");
					s->pos += 2;
					if ((st = scan_u_escape(s, &lo)) != PI_OK)
						return st;
					if (lo < 0xDC00 || lo > 0xDFFF)
						return scan_fail(s, "high surrogate not followed "
						                    "by a low surrogate");
				}
				if (hi == 0)
					return scan_fail(s, "\\u0000 is not allowed in strings");
			} else if (!strchr("\"\\/bfnrt", c) || c == '\0') {
				s->pos--;
				return scan_fail(s, "invalid escape (allowed: \\\" \\\\ \\/ \\b "
				                    "\\f \\n \\r \\t \\uXXXX)");
			}
			continue;
		}
		if (c >= 0x80) {
			if ((st = scan_utf8(s)) != PI_OK)
				return st;
			continue;
		}
		s->pos++;
	}
	return scan_fail(s, "unterminated string");
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static pi_status scan_number(struct scanner *s)
{
	if (s->p[s->pos] == '-')
		s->pos++;
	if (s->pos >= s->len)
		return scan_fail(s, "digit expected");
	if (s->p[s->pos] == '0') {
		s->pos++;
		if (s->pos < s->len && is_digit(s->p[s->pos]))
			return scan_fail(s, "numbers must not have leading zeros");
	} else if (is_digit(s->p[s->pos])) {
		while (s->pos < s->len && is_digit(s->p[s->pos]))
			s->pos++;
	} else {
		return scan_fail(s, "digit expected");
	}
	if (s->pos < s->len && s->p[s->pos] == '.') {
		s->pos++;
		if (s->pos >= s->len || !is_digit(s->p[s->pos]))
			return scan_fail(s, "digit expected after decimal point");
		while (s->pos < s->len && is_digit(s->p[s->pos]))
			s->pos++;
	}
	if (s->pos < s->len && (s->p[s->pos] == 'e' || s->p[s->pos] == 'E')) {
		s->pos++;
		if (s->pos < s->len && (s->p[s->pos] == '+' || s->p[s->pos] == '-'))
			s->pos++;
		if (s->pos >= s->len || !is_digit(s->p[s->pos]))
			return scan_fail(s, "digit expected in exponent");
		while (s->pos < s->len && is_digit(s->p[s->pos]))
			s->pos++;
	}
	return PI_OK;
}

static pi_status scan_literal(struct scanner *s, const char *word)
{
	size_t n = strlen(word);

	if (s->len - s->pos < n || memcmp(s->p + s->pos, word, n) != 0)
		return scan_fail(
		        s, "expected a value (object, array, string, number, true, false or null)");
	s->pos += n;
	return PI_OK;
}

/* Iterative scan with an explicit container stack: hostile nesting cannot
 * exhaust the C stack. */
static pi_status scan_value(struct scanner *s)
{
	unsigned char stack[1024];
	unsigned depth = 0;
	unsigned max_depth = s->max_depth < sizeof(stack) ? s->max_depth : sizeof(stack);
	pi_status st;

	for (;;) {
		unsigned char c;

		skip_ws(s);
		if (s->pos >= s->len)
			return scan_fail(s, "value expected");
		c = s->p[s->pos];
		if (c == '{' || c == '[') {
			if (depth >= max_depth) {
				char what[96];
				snprintf(what, sizeof(what), "nesting deeper than %u levels",
				        max_depth);
				return scan_fail(s, what);
			}
			stack[depth++] = c;
			s->pos++;
			skip_ws(s);
			if (s->pos < s->len && s->p[s->pos] == (c == '{' ? '}' : ']')) {
				s->pos++;
				depth--;
				goto after_value;
			}
			if (c == '{')
				goto member_key;
			continue;
		} else if (c == '"') {
			st = scan_string(s);
		} else if (c == '-' || is_digit(c)) {
			st = scan_number(s);
		} else if (c == 't') {
			st = scan_literal(s, "true");
		} else if (c == 'f') {
			st = scan_literal(s, "false");
		} else if (c == 'n') {
			st = scan_literal(s, "null");
		} else {
			return scan_fail(s, "expected a value (object, array, string, number, "
			                    "true, false or null)");
		}
		if (st != PI_OK)
			return st;
	after_value:
		for (;;) {
			if (depth == 0)
				return PI_OK;
			skip_ws(s);
			if (s->pos >= s->len)
				return scan_fail(s, stack[depth - 1] == '{'
				                            ? "',' or '}' expected"
				                            : "',' or ']' expected");
			c = s->p[s->pos];
			if (c == ',') {
				s->pos++;
				if (stack[depth - 1] == '{')
					goto member_key;
				break; /* next array element */
			}
			if ((stack[depth - 1] == '{' && c == '}') ||
			        (stack[depth - 1] == '[' && c == ']')) {
				s->pos++;
				depth--;
				continue;
			}
			return scan_fail(s, stack[depth - 1] == '{' ? "',' or '}' expected"
			                                            : "',' or ']' expected");
		}
		continue;
	member_key:
		skip_ws(s);
		if (s->pos >= s->len || s->p[s->pos] != '"')
			return scan_fail(
			        s, "object member name (a string in double quotes) expected");
		if ((st = scan_string(s)) != PI_OK)
			return st;
		skip_ws(s);
		if (s->pos >= s->len || s->p[s->pos] != ':')
			return scan_fail(s, "':' expected after member name");
		s->pos++;
	}
}

pi_status pi_json_scan_value(
        const char *text, size_t len, unsigned max_depth, size_t *end, struct pi_error *err)
{
	struct scanner s = {(const unsigned char *)text, len, 0, max_depth, err};
	pi_status st = scan_value(&s);

	if (st == PI_OK)
		*end = s.pos;
	return st;
}

pi_status pi_json_check(const char *text, size_t len, unsigned max_depth, struct pi_error *err)
{
	struct scanner s = {(const unsigned char *)text, len, 0, max_depth, err};
	pi_status st = scan_value(&s);

	if (st != PI_OK)
		return st;
	skip_ws(&s);
	if (s.pos != s.len)
		return scan_fail(&s, "unexpected data after the JSON value");
	return PI_OK;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *pi_json_find_duplicate_key(const cJSON *node)
{
	/* Iterative walk is not needed: pi_json_check has bounded the depth. */
	for (const cJSON *c = node; c; c = NULL) {
		if (cJSON_IsObject(c)) {
			size_t n = 0;
			for (const cJSON *k = c->child; k; k = k->next)
				n++;
			if (n > 1 && n <= 16) {
				for (const cJSON *a = c->child; a; a = a->next)
					for (const cJSON *b = a->next; b; b = b->next)
						if (strcmp(a->string, b->string) == 0)
							return a->string;
			} else if (n > 16) {
				const char **names = malloc(n * sizeof(*names));
				const char *dup = NULL;
				size_t i = 0;
				if (!names)
					return NULL;
				for (const cJSON *k = c->child; k; k = k->next)
					names[i++] = k->string;
				qsort(names, n, sizeof(*names), cmp_names);
				for (i = 1; i < n && !dup; i++)
					if (strcmp(names[i - 1], names[i]) == 0)
						dup = names[i];
				free(names);
				if (dup)
					return dup;
			}
		}
		if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			for (const cJSON *k = c->child; k; k = k->next) {
				const char *dup = pi_json_find_duplicate_key(k);
				if (dup)
					return dup;
			}
		}
	}
	return NULL;
}

pi_status pi_json_parse(
        const char *text, size_t len, unsigned max_depth, cJSON **out, struct pi_error *err)
{
	cJSON *root = NULL;
	const char *dup;
	pi_status st;

	*out = NULL;
	if (max_depth > CJSON_NESTING_LIMIT)
		max_depth = CJSON_NESTING_LIMIT;
	st = pi_json_check(text, len, max_depth, err);
	if (st != PI_OK)
		return st;
	root = cJSON_ParseWithLengthOpts(text, len, NULL, 0);
	if (!root)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory while parsing JSON");
	dup = pi_json_find_duplicate_key(root);
	if (dup) {
		st = pi_error_set(err, PI_ERR_INVALID,
		        "invalid JSON: the key \"%.100s\" appears twice in one object; keys must "
		        "be unique",
		        dup);
		cJSON_Delete(root);
		return st;
	}
	*out = root;
	return PI_OK;
}

static pi_status write_number(struct pi_buf *b, double v)
{
	char digits[32];
	int n = 0;
	uint64_t u;
	int neg;

	if (v != v || v > 1.7976931348623157e308 || v < -1.7976931348623157e308)
		return pi_buf_puts(b, "null");
	if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && (double)(int64_t)v == v) {
		neg = v < 0;
		u = neg ? (uint64_t)(-(int64_t)v) : (uint64_t)(int64_t)v;
		do {
			digits[n++] = (char)('0' + u % 10);
			u /= 10;
		} while (u);
		if (neg)
			digits[n++] = '-';
		for (int i = 0, j = n - 1; i < j; i++, j--) {
			char t = digits[i];
			digits[i] = digits[j];
			digits[j] = t;
		}
		return pi_buf_append(b, digits, (size_t)n);
	}
	return pi_buf_printf(b, "%.17g", v);
}

pi_status pi_json_write(struct pi_buf *b, const cJSON *node)
{
	pi_status st = PI_OK;

	if (!node)
		return pi_buf_puts(b, "null");
	if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
		int obj = cJSON_IsObject(node);
		st = pi_buf_putc(b, obj ? '{' : '[');
		for (const cJSON *c = node->child; c && st == PI_OK; c = c->next) {
			if (c != node->child)
				st = pi_buf_putc(b, ',');
			if (st == PI_OK && obj) {
				st = pi_buf_json_string(b, c->string ? c->string : "");
				if (st == PI_OK)
					st = pi_buf_putc(b, ':');
			}
			if (st == PI_OK)
				st = pi_json_write(b, c);
		}
		return st == PI_OK ? pi_buf_putc(b, obj ? '}' : ']') : st;
	}
	if (cJSON_IsString(node))
		return pi_buf_json_string(b, node->valuestring ? node->valuestring : "");
	if (cJSON_IsNumber(node))
		return write_number(b, node->valuedouble);
	if (cJSON_IsTrue(node))
		return pi_buf_puts(b, "true");
	if (cJSON_IsFalse(node))
		return pi_buf_puts(b, "false");
	if (cJSON_IsRaw(node))
		return pi_buf_puts(b, node->valuestring ? node->valuestring : "null");
	return pi_buf_puts(b, "null");
}

const char *pi_json_get_string(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}
