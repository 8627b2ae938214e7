/* pattern.c - recursive-descent parser for the STIX 2.1 patterning language.
 *
 * Design. A one-token-lookahead lexer feeds a recursive-descent parser that mirrors
 * STIXPattern.g4 with precedence climbing by level: FOLLOWEDBY < OR < AND < qualified
 * observation at the outer level, OR < AND < property test inside [ ]. Chains of one operator
 * are built as one n-ary node (children linked through `next`), so the tree's height grows
 * only with parentheses, never with the number of operands: recursion while parsing and
 * formatting is bounded by PI_PATTERN_MAX_DEPTH. Qualifiers are a list hanging off the node
 * they qualify; a parenthesised group that is qualified gets an N_GROUP node so that
 * "([a] WITHIN 5 SECONDS) WITHIN 6 SECONDS" stays distinct from the (refused)
 * "[a] WITHIN 5 SECONDS WITHIN 6 SECONDS".
 *
 * Storage. Nodes and terms live in two growable arrays, every string (object types, canonical
 * paths, decoded literals) in one pi_buf arena addressed by offset; the arrays and the arena
 * are the whole pattern, so freeing is three free() calls. Terms are appended in source order,
 * which is the order pi_pattern_each_term reports them in. Strings are turned into pointers
 * only when reported, so the arena may move while parsing.
 */
#include "core/pattern.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

#define NONE UINT32_MAX

enum tok_kind {
	T_EOF,
	T_LBRACK,
	T_RBRACK,
	T_LPAREN,
	T_RPAREN,
	T_COLON,
	T_DOT,
	T_COMMA,
	T_STAR,
	T_EQ,
	T_NEQ,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_IDENT,        /* IdentifierWithoutHyphen that is not a keyword */
	T_IDENT_HYPHEN, /* IdentifierWithHyphen containing at least one '-' */
	T_STRING,
	T_INT_POS,
	T_INT_NEG,
	T_FLOAT_POS,
	T_FLOAT_NEG,
	T_HEX,
	T_BINARY,
	T_TIMESTAMP,
	T_BOOL,
	T_AND,
	T_OR,
	T_NOT,
	T_FOLLOWEDBY,
	T_LIKE,
	T_MATCHES,
	T_ISSUPERSET,
	T_ISSUBSET,
	T_EXISTS,
	T_LAST,
	T_IN,
	T_START,
	T_STOP,
	T_SECONDS,
	T_WITHIN,
	T_REPEATS,
	T_TIMES
};

static const struct {
	const char *word;
	enum tok_kind kind;
} keywords[] = {
        {"AND", T_AND},
        {"OR", T_OR},
        {"NOT", T_NOT},
        {"FOLLOWEDBY", T_FOLLOWEDBY},
        {"LIKE", T_LIKE},
        {"MATCHES", T_MATCHES},
        {"ISSUPERSET", T_ISSUPERSET},
        {"ISSUBSET", T_ISSUBSET},
        {"EXISTS", T_EXISTS},
        {"LAST", T_LAST},
        {"IN", T_IN},
        {"START", T_START},
        {"STOP", T_STOP},
        {"SECONDS", T_SECONDS},
        {"WITHIN", T_WITHIN},
        {"REPEATS", T_REPEATS},
        {"TIMES", T_TIMES},
        {"true", T_BOOL},
        {"false", T_BOOL},
};

enum node_kind {
	N_SEQ,   /* FOLLOWEDBY chain */
	N_OOR,   /* observation OR chain */
	N_OAND,  /* observation AND chain */
	N_OBS,   /* [ comparison ]; first = comparison root */
	N_GROUP, /* ( observations ) that carries qualifiers; first = inner */
	N_COR,   /* comparison OR chain */
	N_CAND,  /* comparison AND chain */
	N_TEST,  /* one comparison: terms [term_first, term_first + term_count) */
	N_WITHIN,
	N_REPEATS,
	N_STARTSTOP
};

struct node {
	uint8_t kind;
	uint32_t first; /* first child */
	uint32_t next;  /* next sibling, or next qualifier in a qualifier list */
	uint32_t quals; /* first qualifier */
	uint32_t term_first, term_count;
	uint32_t a, b; /* qualifiers: arena offsets of the number, or of START and STOP */
};

enum op_code {
	OP_EQ,
	OP_NEQ,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_IN,
	OP_LIKE,
	OP_MATCHES,
	OP_ISSUBSET,
	OP_ISSUPERSET,
	OP_EXISTS
};

static const char *const op_names[] = {"=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES",
        "ISSUBSET", "ISSUPERSET", "EXISTS"};

struct term {
	uint32_t type_off, path_off, value_off; /* value_off NONE: no value */
	uint8_t op, negated, kind;
	uint32_t set_index, set_count;
	uint32_t observation;
	size_t offset;
};

struct pi_pattern {
	struct node *nodes;
	size_t node_count, node_alloc;
	struct term *terms;
	size_t term_count, term_alloc;
	struct pi_buf arena;
	uint32_t root;
	size_t observations;
};

struct token {
	enum tok_kind kind;
	size_t start, len;
};

struct parser {
	const char *text;
	size_t len;
	size_t pos; /* lexer position: just past tok */
	struct token tok;
	unsigned flags;
	unsigned depth;
	struct pi_pattern *p;
	struct pi_error *err;
};

/* ---------- errors ---------- */

static size_t char_index(const struct parser *ps, size_t byte_pos)
{
	size_t n = 0;

	for (size_t i = 0; i < byte_pos && i < ps->len; i++)
		if (((unsigned char)ps->text[i] & 0xC0) != 0x80)
			n++;
	return n;
}

static pi_status fail_at(struct parser *ps, size_t pos, pi_status status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static pi_status fail_at(struct parser *ps, size_t pos, pi_status status, const char *fmt, ...)
{
	char msg[PI_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	return pi_error_set(
	        ps->err, status, "pattern error at character %zu: %s", char_index(ps, pos), msg);
}

/* Writes a printable quotation of text[start, start+len) (at most 40 bytes, cut on a
 * character boundary, control characters as '?') to out. */
static void quote_text(const char *text, size_t len, char *out, size_t size)
{
	size_t o = 0, i = 0, limit = len > 40 ? 40 : len;

	while (limit < len && limit > 0 && ((unsigned char)text[limit] & 0xC0) == 0x80)
		limit--;
	out[o++] = '\'';
	for (i = 0; i < limit && o + 5 < size; i++) {
		unsigned char c = (unsigned char)text[i];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (limit < len && o + 5 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o++] = '\'';
	out[o] = '\0';
}

static const char *found(const struct parser *ps, char *buf, size_t size)
{
	if (ps->tok.kind == T_EOF)
		return "the end of the pattern";
	quote_text(ps->text + ps->tok.start, ps->tok.len, buf, size);
	return buf;
}

static pi_status expected(struct parser *ps, const char *what)
{
	char buf[64];

	return fail_at(ps, ps->tok.start, PI_ERR_INVALID, "expected %s, found %s", what,
	        found(ps, buf, sizeof(buf)));
}

/* ---------- lexer ---------- */

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_b64(int c)
{
	return (is_alpha(c) && c != '_') || is_digit(c) || c == '+' || c == '/';
}

/* Length in bytes of the whitespace character at s (the grammar's WS set), 0 if none. */
static size_t ws_len(const unsigned char *s, size_t avail)
{
	if (avail == 0)
		return 0;
	if (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n' || s[0] == 0x0B ||
	        s[0] == 0x0C)
		return 1;
	if (avail >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
		return 2;
	if (avail < 3)
		return 0;
	if (s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x80 &&
	        (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF) && s[2] >= 0x80)
		return 3;
	if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
		return 3;
	if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Refuses text that is not UTF-8 or holds a NUL, before any lexing. */
static pi_status check_utf8(struct parser *ps)
{
	const unsigned char *s = (const unsigned char *)ps->text;
	size_t i = 0, n = ps->len;

	while (i < n) {
		unsigned c = s[i];
		size_t need;
		unsigned cp;

		if (c == 0)
			return fail_at(ps, i, PI_ERR_INVALID, "NUL character in the pattern");
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			goto bad;
		}
		if (i + need >= n)
			goto bad;
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		        (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += need + 1;
		continue;
	bad:
		return fail_at(ps, i, PI_ERR_INVALID, "the pattern is not valid UTF-8");
	}
	return PI_OK;
}

/* Checks a timestamp body (between the quotes) against the grammar; returns NULL if it
 * conforms, else what is wrong. */
static const char *timestamp_problem(const char *s, size_t n)
{
	size_t i;

	if (n < 20)
		return "it is too short for YYYY-MM-DDTHH:MM:SSZ";
	for (i = 0; i < 19; i++) {
		int want_digit = !(i == 4 || i == 7 || i == 10 || i == 13 || i == 16);
		if (want_digit && !is_digit(s[i]))
			return "it is not in the form YYYY-MM-DDTHH:MM:SS[.fraction]Z";
	}
	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return "it is not in the form YYYY-MM-DDTHH:MM:SS[.fraction]Z";
	if (!((s[5] == '0' && s[6] != '0') || (s[5] == '1' && s[6] <= '2')))
		return "the month must be 01-12";
	if (!((s[8] == '0' && s[9] != '0') || s[8] == '1' || s[8] == '2' ||
	            (s[8] == '3' && s[9] <= '1')))
		return "the day must be 01-31";
	if (!(s[11] <= '1' || (s[11] == '2' && s[12] <= '3')))
		return "the hour must be 00-23";
	if (s[14] > '5')
		return "the minute must be 00-59";
	if (!(s[17] <= '5' || (s[17] == '6' && s[18] == '0')))
		return "the second must be 00-60";
	i = 19;
	if (s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return "a '.' must be followed by fraction digits";
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i != n - 1 || s[i] != 'Z')
		return "it must end with 'Z' (UTC)";
	return NULL;
}

static pi_status lex_quoted_special(struct parser *ps, size_t start, char prefix)
{
	const char *t = ps->text;
	size_t i = start + 2, body, end;

	while (i < ps->len && t[i] != '\'')
		i++;
	if (i >= ps->len)
		return fail_at(ps, start, PI_ERR_INVALID, "unterminated %c'...' literal", prefix);
	body = start + 2;
	end = i; /* closing quote */
	if (prefix == 'h') {
		for (size_t k = body; k < end; k++)
			if (!is_hex(t[k]))
				return fail_at(ps, start, PI_ERR_INVALID,
				        "invalid hex literal: '%c' is not a hex digit", t[k]);
		if ((end - body) % 2)
			return fail_at(ps, start, PI_ERR_INVALID,
			        "invalid hex literal: an odd number of hex digits");
		ps->tok.kind = T_HEX;
	} else if (prefix == 'b') {
		size_t n = end - body, pad = 0;
		if (n == 0 || n % 4)
			return fail_at(ps, start, PI_ERR_INVALID,
			        "invalid binary literal: base64 text must be a non-empty multiple "
			        "of 4 "
			        "characters");
		if (t[end - 1] == '=')
			pad = t[end - 2] == '=' ? 2 : 1;
		for (size_t k = body; k < end - pad; k++)
			if (!is_b64(t[k]))
				return fail_at(ps, start, PI_ERR_INVALID,
				        "invalid binary literal: '%c' is not a base64 character",
				        t[k]);
		ps->tok.kind = T_BINARY;
	} else {
		const char *why = timestamp_problem(t + body, end - body);
		if (why) {
			char q[64];
			quote_text(t + body, end - body, q, sizeof(q));
			return fail_at(
			        ps, start, PI_ERR_INVALID, "invalid timestamp t%s: %s", q, why);
		}
		if (ps->flags & PI_PATTERN_STRICT_TIMES) {
			char copy[64];
			struct pi_error terr;
			if (end - body >= sizeof(copy))
				return fail_at(ps, start, PI_ERR_INVALID,
				        "invalid timestamp: more than 9 fraction digits");
			memcpy(copy, t + body, end - body);
			copy[end - body] = '\0';
			if (pi_time_parse(copy, &(struct pi_time){0}, &terr) != PI_OK)
				return fail_at(ps, start, PI_ERR_INVALID, "invalid timestamp: %s",
				        terr.message);
		}
		ps->tok.kind = T_TIMESTAMP;
	}
	ps->tok.start = start;
	ps->tok.len = end + 1 - start;
	ps->pos = end + 1;
	return PI_OK;
}

static pi_status lex_string(struct parser *ps, size_t start)
{
	const char *t = ps->text;
	size_t i = start + 1;

	for (;;) {
		if (i >= ps->len)
			return fail_at(ps, start, PI_ERR_INVALID,
			        "unterminated string: no closing quote (write \\' for a quote "
			        "inside)");
		if (t[i] == '\'')
			break;
		if (t[i] == '\\') {
			if (i + 1 < ps->len && (t[i + 1] == '\'' || t[i + 1] == '\\')) {
				i += 2;
				continue;
			}
			return fail_at(ps, i, PI_ERR_INVALID,
			        "invalid escape in string: only \\' and \\\\ are allowed");
		}
		i++;
	}
	ps->tok.kind = T_STRING;
	ps->tok.start = start;
	ps->tok.len = i + 1 - start;
	ps->pos = i + 1;
	return PI_OK;
}

static pi_status lex_number(struct parser *ps, size_t start)
{
	const char *t = ps->text;
	size_t i = start, int_start, int_len;
	int neg = 0;

	if (t[i] == '+' || t[i] == '-') {
		neg = t[i] == '-';
		i++;
	}
	int_start = i;
	while (i < ps->len && is_digit(t[i]))
		i++;
	int_len = i - int_start;
	if (i + 1 < ps->len && t[i] == '.' && is_digit(t[i + 1])) {
		i++;
		while (i < ps->len && is_digit(t[i]))
			i++;
		ps->tok.kind = neg ? T_FLOAT_NEG : T_FLOAT_POS;
	} else {
		if (int_len == 0)
			return fail_at(ps, start, PI_ERR_INVALID, "unexpected '%c'", t[start]);
		if (int_len > 1 && t[int_start] == '0')
			return fail_at(ps, start, PI_ERR_INVALID,
			        "leading zeros are not allowed in integers");
		ps->tok.kind = neg ? T_INT_NEG : T_INT_POS;
	}
	ps->tok.start = start;
	ps->tok.len = i - start;
	ps->pos = i;
	return PI_OK;
}

/* Reads the next token into ps->tok. */
static pi_status lex(struct parser *ps)
{
	const char *t = ps->text;
	size_t n = ps->len, i = ps->pos, w;
	int c;

	for (;;) {
		if (i < n && (w = ws_len((const unsigned char *)t + i, n - i)) > 0) {
			i += w;
		} else if (i + 1 < n && t[i] == '/' && t[i + 1] == '*') {
			size_t k = i + 2;
			while (k + 1 < n && !(t[k] == '*' && t[k + 1] == '/'))
				k++;
			if (k + 1 >= n)
				return fail_at(ps, i, PI_ERR_INVALID, "unterminated /* comment");
			i = k + 2;
		} else if (i + 1 < n && t[i] == '/' && t[i + 1] == '/') {
			while (i < n && t[i] != '\n' && t[i] != '\r')
				i++;
		} else {
			break;
		}
	}
	ps->tok.start = i;
	ps->tok.len = 1;
	if (i >= n) {
		ps->tok.kind = T_EOF;
		ps->tok.len = 0;
		ps->pos = i;
		return PI_OK;
	}
	c = (unsigned char)t[i];
	ps->pos = i + 1;
	switch (c) {
	case '[': ps->tok.kind = T_LBRACK; return PI_OK;
	case ']': ps->tok.kind = T_RBRACK; return PI_OK;
	case '(': ps->tok.kind = T_LPAREN; return PI_OK;
	case ')': ps->tok.kind = T_RPAREN; return PI_OK;
	case ':': ps->tok.kind = T_COLON; return PI_OK;
	case ',': ps->tok.kind = T_COMMA; return PI_OK;
	case '*': ps->tok.kind = T_STAR; return PI_OK;
	case '\'': return lex_string(ps, i);
	case '=':
		ps->tok.kind = T_EQ;
		if (i + 1 < n && t[i + 1] == '=')
			ps->pos = i + 2;
		break;
	case '!':
		if (i + 1 < n && t[i + 1] == '=') {
			ps->tok.kind = T_NEQ;
			ps->pos = i + 2;
			break;
		}
		return fail_at(ps, i, PI_ERR_INVALID, "unexpected '!' (did you mean '!='?)");
	case '<':
		ps->tok.kind = T_LT;
		if (i + 1 < n && (t[i + 1] == '=' || t[i + 1] == '>')) {
			ps->tok.kind = t[i + 1] == '=' ? T_LE : T_NEQ;
			ps->pos = i + 2;
		}
		break;
	case '>':
		ps->tok.kind = T_GT;
		if (i + 1 < n && t[i + 1] == '=') {
			ps->tok.kind = T_GE;
			ps->pos = i + 2;
		}
		break;
	default:
		if (is_digit(c) ||
		        ((c == '+' || c == '-' || c == '.') && i + 1 < n &&
		                (is_digit(t[i + 1]) || (c != '.' && t[i + 1] == '.' && i + 2 < n &&
		                                               is_digit(t[i + 2])))))
			return lex_number(ps, i);
		if (c == '.') {
			ps->tok.kind = T_DOT;
			return PI_OK;
		}
		if (is_alpha(c)) {
			size_t k = i + 1;
			int hyphen = 0;
			while (k < n && (is_alpha(t[k]) || is_digit(t[k]) || t[k] == '-')) {
				hyphen |= t[k] == '-';
				k++;
			}
			if (k == i + 1 && k < n && t[k] == '\'' &&
			        (c == 't' || c == 'h' || c == 'b'))
				return lex_quoted_special(ps, i, (char)c);
			ps->tok.len = k - i;
			ps->pos = k;
			ps->tok.kind = hyphen ? T_IDENT_HYPHEN : T_IDENT;
			if (!hyphen)
				for (size_t kw = 0; kw < sizeof(keywords) / sizeof(keywords[0]);
				        kw++)
					if (strlen(keywords[kw].word) == ps->tok.len &&
					        memcmp(keywords[kw].word, t + i, ps->tok.len) == 0)
						ps->tok.kind = keywords[kw].kind;
			return PI_OK;
		}
		{
			char q[16];
			size_t clen = 1;
			while (i + clen < n && ((unsigned char)t[i + clen] & 0xC0) == 0x80)
				clen++;
			quote_text(t + i, clen, q, sizeof(q));
			return fail_at(ps, i, PI_ERR_INVALID, "unexpected character %s", q);
		}
	}
	ps->tok.len = ps->pos - i;
	return PI_OK;
}

/* ---------- building ---------- */

static pi_status new_node(struct parser *ps, enum node_kind kind, uint32_t *out)
{
	struct pi_pattern *p = ps->p;

	if (p->node_count + p->term_count >= PI_PATTERN_MAX_NODES)
		return fail_at(ps, ps->tok.start, PI_ERR_TOOBIG,
		        "the pattern has more than %d elements", PI_PATTERN_MAX_NODES);
	if (p->node_count == p->node_alloc) {
		size_t alloc = p->node_alloc ? p->node_alloc * 2 : 16;
		struct node *nodes = realloc(p->nodes, alloc * sizeof(*nodes));
		if (!nodes)
			return pi_error_set(
			        ps->err, PI_ERR_NOMEM, "out of memory parsing a pattern");
		p->nodes = nodes;
		p->node_alloc = alloc;
	}
	p->nodes[p->node_count] = (struct node){.kind = (uint8_t)kind,
	        .first = NONE,
	        .next = NONE,
	        .quals = NONE,
	        .a = NONE,
	        .b = NONE};
	*out = (uint32_t)p->node_count++;
	return PI_OK;
}

static pi_status new_term(struct parser *ps, struct term **out)
{
	struct pi_pattern *p = ps->p;

	if (p->node_count + p->term_count >= PI_PATTERN_MAX_NODES)
		return fail_at(ps, ps->tok.start, PI_ERR_TOOBIG,
		        "the pattern has more than %d elements", PI_PATTERN_MAX_NODES);
	if (p->term_count == p->term_alloc) {
		size_t alloc = p->term_alloc ? p->term_alloc * 2 : 16;
		struct term *terms = realloc(p->terms, alloc * sizeof(*terms));
		if (!terms)
			return pi_error_set(
			        ps->err, PI_ERR_NOMEM, "out of memory parsing a pattern");
		p->terms = terms;
		p->term_alloc = alloc;
	}
	*out = &p->terms[p->term_count++];
	memset(*out, 0, sizeof(**out));
	return PI_OK;
}

static pi_status arena_status(struct parser *ps, pi_status rc)
{
	if (rc == PI_OK)
		return PI_OK;
	return pi_error_set(ps->err, rc, "out of memory or over the size cap parsing a pattern");
}

/* Appends bytes plus a NUL to the arena; *off receives where they start. */
static pi_status arena_add(struct parser *ps, const char *s, size_t n, uint32_t *off)
{
	struct pi_buf *a = &ps->p->arena;
	pi_status rc;

	*off = (uint32_t)a->len;
	rc = pi_buf_append(a, s, n);
	if (rc == PI_OK)
		rc = pi_buf_putc(a, '\0');
	return arena_status(ps, rc);
}

static const char *arena_str(const struct pi_pattern *p, uint32_t off)
{
	return off == NONE ? NULL : p->arena.data + off;
}

/* Decodes the current literal token into the arena. */
static pi_status take_literal(struct parser *ps, uint32_t *off, uint8_t *kind)
{
	const char *s = ps->text + ps->tok.start;
	size_t n = ps->tok.len;
	struct pi_buf *a = &ps->p->arena;
	pi_status rc = PI_OK;

	*off = (uint32_t)a->len;
	switch (ps->tok.kind) {
	case T_STRING:
		*kind = PI_PATTERN_VALUE_STRING;
		for (size_t i = 1; i + 1 < n && rc == PI_OK; i++) {
			if (s[i] == '\\')
				i++;
			rc = pi_buf_putc(a, s[i]);
		}
		break;
	case T_INT_POS:
	case T_INT_NEG:
	case T_FLOAT_POS:
	case T_FLOAT_NEG:
		*kind = (ps->tok.kind == T_INT_POS || ps->tok.kind == T_INT_NEG)
		                ? PI_PATTERN_VALUE_INT
		                : PI_PATTERN_VALUE_FLOAT;
		if (s[0] == '+') {
			s++;
			n--;
		}
		rc = pi_buf_append(a, s, n);
		break;
	case T_BOOL:
		*kind = PI_PATTERN_VALUE_BOOL;
		rc = pi_buf_append(a, s, n);
		break;
	case T_HEX:
		*kind = PI_PATTERN_VALUE_HEX;
		for (size_t i = 2; i + 1 < n && rc == PI_OK; i++)
			rc = pi_buf_putc(a, (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]));
		break;
	case T_BINARY:
		*kind = PI_PATTERN_VALUE_BINARY;
		rc = pi_buf_append(a, s + 2, n - 3);
		break;
	case T_TIMESTAMP:
		*kind = PI_PATTERN_VALUE_TIMESTAMP;
		rc = pi_buf_append(a, s + 2, n - 3);
		break;
	default: return pi_error_set(ps->err, PI_ERR_INTERNAL, "not a literal");
	}
	if (rc == PI_OK)
		rc = pi_buf_putc(a, '\0');
	return arena_status(ps, rc);
}

static int is_keyword(const char *s, size_t n)
{
	for (size_t kw = 0; kw < sizeof(keywords) / sizeof(keywords[0]); kw++)
		if (strlen(keywords[kw].word) == n && memcmp(keywords[kw].word, s, n) == 0)
			return 1;
	return 0;
}

/* Appends a path key: bare if it is an identifier without hyphen and not a keyword, else
 * quoted with escapes. */
static pi_status put_key(struct pi_buf *b, const char *key, size_t n)
{
	int bare = n > 0 && is_alpha((unsigned char)key[0]) && !is_keyword(key, n);
	pi_status rc = PI_OK;

	for (size_t i = 1; i < n && bare; i++)
		bare = is_alpha((unsigned char)key[i]) || is_digit(key[i]);
	if (bare)
		return pi_buf_append(b, key, n);
	rc = pi_buf_putc(b, '\'');
	for (size_t i = 0; i < n && rc == PI_OK; i++) {
		if (key[i] == '\'' || key[i] == '\\')
			rc = pi_buf_putc(b, '\\');
		if (rc == PI_OK)
			rc = pi_buf_putc(b, key[i]);
	}
	return rc == PI_OK ? pi_buf_putc(b, '\'') : rc;
}

/* Appends the decoded key of the current T_IDENT or T_STRING token to path. */
static pi_status put_token_key(
        struct parser *ps, struct pi_buf *path, char *last_key, size_t last_size)
{
	const char *s = ps->text + ps->tok.start;
	size_t n = ps->tok.len, o = 0;
	char tmp[256];
	struct pi_buf dec;
	pi_status rc;

	if (ps->tok.kind == T_IDENT) {
		rc = pi_buf_append(path, s, n);
		if (n < last_size) {
			memcpy(last_key, s, n);
			last_key[n] = '\0';
		} else {
			last_key[0] = '\0';
		}
		return rc;
	}
	pi_buf_init(&dec, ps->len + 1);
	rc = PI_OK;
	for (size_t i = 1; i + 1 < n && rc == PI_OK; i++) {
		if (s[i] == '\\')
			i++;
		rc = pi_buf_putc(&dec, s[i]);
		if (o + 1 < sizeof(tmp))
			tmp[o++] = s[i];
	}
	if (rc == PI_OK)
		rc = put_key(path, dec.len ? dec.data : "", dec.len);
	tmp[o] = '\0';
	if (o < last_size && dec.len == o)
		memcpy(last_key, tmp, o + 1);
	else
		last_key[0] = '\0';
	pi_buf_free(&dec);
	return rc;
}

struct path_info {
	uint32_t type_off, path_off;
	size_t offset;
	int has_hashes;    /* some key component is "hashes" */
	int last_is_key;   /* the last component is a key (not an index) */
	char last_key[32]; /* that key, decoded (empty if longer) */
};

static pi_status parse_path(struct parser *ps, struct path_info *pi)
{
	struct pi_buf path;
	char type_q[64];
	pi_status rc = PI_OK;
	int first = 1;

	memset(pi, 0, sizeof(*pi));
	pi->offset = ps->tok.start;
	if (ps->tok.kind != T_IDENT && ps->tok.kind != T_IDENT_HYPHEN)
		return expected(ps, "an object path like file:name, '(', NOT or EXISTS");
	rc = arena_add(ps, ps->text + ps->tok.start, ps->tok.len, &pi->type_off);
	if (rc)
		return rc;
	quote_text(ps->text + ps->tok.start, ps->tok.len, type_q, sizeof(type_q));
	if ((rc = lex(ps)) != PI_OK)
		return rc;
	if (ps->tok.kind != T_COLON) {
		char what[128];
		snprintf(what, sizeof(what), "':' after the object type %s", type_q);
		return expected(ps, what);
	}
	if ((rc = lex(ps)) != PI_OK)
		return rc;
	pi_buf_init(&path, ps->len * 2 + 16);
	for (;;) {
		if (first || ps->tok.kind == T_DOT) {
			if (!first && (rc = lex(ps)) != PI_OK)
				goto out;
			if (!first && (rc = pi_buf_putc(&path, '.')) != PI_OK)
				goto nomem;
			if (ps->tok.kind == T_IDENT_HYPHEN) {
				char q[64];
				quote_text(ps->text + ps->tok.start, ps->tok.len, q, sizeof(q));
				rc = fail_at(ps, ps->tok.start, PI_ERR_INVALID,
				        "property name %s contains '-': quote it, as in "
				        "hashes.'SHA-256'",
				        q);
				goto out;
			}
			if (ps->tok.kind != T_IDENT && ps->tok.kind != T_STRING) {
				rc = expected(
				        ps, "a property name (an identifier or a quoted string)");
				goto out;
			}
			if ((rc = put_token_key(ps, &path, pi->last_key, sizeof(pi->last_key))) !=
			        PI_OK)
				goto nomem;
			if (strcmp(pi->last_key, "hashes") == 0)
				pi->has_hashes = 1;
			pi->last_is_key = 1;
			first = 0;
		} else if (ps->tok.kind == T_LBRACK) {
			if ((rc = lex(ps)) != PI_OK)
				goto out;
			if (ps->tok.kind == T_STAR) {
				rc = pi_buf_puts(&path, "[*]");
			} else if (ps->tok.kind == T_INT_POS || ps->tok.kind == T_INT_NEG) {
				const char *s = ps->text + ps->tok.start;
				size_t n = ps->tok.len;
				if (*s == '+') {
					s++;
					n--;
				}
				rc = pi_buf_putc(&path, '[');
				if (rc == PI_OK)
					rc = pi_buf_append(&path, s, n);
				if (rc == PI_OK)
					rc = pi_buf_putc(&path, ']');
			} else {
				rc = expected(ps, "a list index (an integer or '*')");
				goto out;
			}
			if (rc != PI_OK)
				goto nomem;
			if ((rc = lex(ps)) != PI_OK)
				goto out;
			if (ps->tok.kind != T_RBRACK) {
				rc = expected(ps, "']' after the list index");
				goto out;
			}
			pi->last_is_key = 0;
		} else {
			break;
		}
		if ((rc = lex(ps)) != PI_OK)
			goto out;
	}
	rc = arena_add(ps, path.data ? path.data : "", path.len, &pi->path_off);
	goto out;
nomem:
	if (rc == PI_ERR_NOMEM || rc == PI_ERR_TOOBIG)
		rc = arena_status(ps, rc);
out:
	pi_buf_free(&path);
	return rc;
}

/* File-hash value shapes the reference validator checks, by upper-cased algorithm name
 * with '-' removed. */
static const struct {
	const char *key, *name;
	int min, max; /* hex length range; 0: special */
} hash_shapes[] = {
        {"MD5", "MD5", 32, 32},
        {"MD6", "MD6", 32, 128},
        {"RIPEMD160", "RIPEMD-160", 40, 40},
        {"SHA1", "SHA-1", 40, 40},
        {"SHA224", "SHA-224", 56, 56},
        {"SHA256", "SHA-256", 64, 64},
        {"SHA384", "SHA-384", 96, 96},
        {"SHA512", "SHA-512", 128, 128},
        {"SHA3224", "SHA3-224", 56, 56},
        {"SHA3256", "SHA3-256", 64, 64},
        {"SHA3384", "SHA3-384", 96, 96},
        {"SHA3512", "SHA3-512", 128, 128},
        {"SSDEEP", "SSDEEP", 0, 0},
        {"WHIRLPOOL", "WHIRLPOOL", 128, 128},
};

static int hash_value_ok(size_t shape, const char *v)
{
	size_t n = strlen(v);

	if (hash_shapes[shape].min == 0) {
		if (n < 1 || n > 128)
			return 0;
		for (size_t i = 0; i < n; i++)
			if (!(is_alpha(v[i]) && v[i] != '_') && !is_digit(v[i]) &&
			        !strchr("/+:.", v[i]))
				return 0;
		return 1;
	}
	if (hash_shapes[shape].min != hash_shapes[shape].max) {
		if (n != 32 && n != 40 && n != 56 && n != 64 && n != 96 && n != 128)
			return 0;
	} else if ((int)n != hash_shapes[shape].min) {
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!is_hex(v[i]))
			return 0;
	return 1;
}

/* For a comparison of file hashes of a known algorithm, checks the value's shape. */
static pi_status check_hash(
        struct parser *ps, const struct path_info *pi, const struct term *t, size_t lit_pos)
{
	char key[32];
	size_t o = 0;
	const char *v;

	if (!pi->has_hashes || !pi->last_is_key || !pi->last_key[0])
		return PI_OK;
	for (const char *s = pi->last_key; *s && o + 1 < sizeof(key); s++)
		if (*s != '-')
			key[o++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
	key[o] = '\0';
	for (size_t i = 0; i < sizeof(hash_shapes) / sizeof(hash_shapes[0]); i++) {
		if (strcmp(key, hash_shapes[i].key) != 0)
			continue;
		v = arena_str(ps->p, t->value_off);
		if (t->kind != PI_PATTERN_VALUE_STRING || !hash_value_ok(i, v)) {
			char q[64];
			quote_text(v, strlen(v), q, sizeof(q));
			return fail_at(ps, lit_pos, PI_ERR_INVALID, "%s is not a valid %s hash", q,
			        hash_shapes[i].name);
		}
	}
	return PI_OK;
}

/* ---------- parser ---------- */

static pi_status enter(struct parser *ps)
{
	if (++ps->depth > PI_PATTERN_MAX_DEPTH)
		return fail_at(ps, ps->tok.start, PI_ERR_TOOBIG,
		        "nesting deeper than %d levels of brackets and parentheses",
		        PI_PATTERN_MAX_DEPTH);
	return PI_OK;
}

static int is_literal(enum tok_kind k, int allow_bool)
{
	return k == T_STRING || k == T_INT_POS || k == T_INT_NEG || k == T_FLOAT_POS ||
	       k == T_FLOAT_NEG || k == T_HEX || k == T_BINARY || k == T_TIMESTAMP ||
	       (allow_bool && k == T_BOOL);
}

static pi_status parse_test(struct parser *ps, size_t observation, uint32_t *out)
{
	struct path_info pi;
	struct term *t = NULL;
	uint32_t node = NONE;
	int negated = 0;
	enum op_code op;
	pi_status rc;

	if (ps->tok.kind == T_NOT || ps->tok.kind == T_EXISTS) {
		if (ps->tok.kind == T_NOT) {
			negated = 1;
			if ((rc = lex(ps)) != PI_OK)
				return rc;
			if (ps->tok.kind != T_EXISTS)
				return expected(ps, "EXISTS after a leading NOT (write NOT after "
				                    "the object path for "
				                    "other comparisons: file:name NOT = 'x')");
		}
		if ((rc = lex(ps)) != PI_OK)
			return rc;
		if ((rc = parse_path(ps, &pi)) != PI_OK)
			return rc;
		if ((rc = new_node(ps, N_TEST, &node)) != PI_OK || (rc = new_term(ps, &t)) != PI_OK)
			return rc;
		*t = (struct term){.type_off = pi.type_off,
		        .path_off = pi.path_off,
		        .value_off = NONE,
		        .op = OP_EXISTS,
		        .negated = (uint8_t)negated,
		        .kind = PI_PATTERN_VALUE_NONE,
		        .observation = (uint32_t)observation,
		        .offset = pi.offset};
		ps->p->nodes[node].term_first = (uint32_t)(ps->p->term_count - 1);
		ps->p->nodes[node].term_count = 1;
		*out = node;
		return PI_OK;
	}
	if ((rc = parse_path(ps, &pi)) != PI_OK)
		return rc;
	if (ps->tok.kind == T_NOT) {
		negated = 1;
		if ((rc = lex(ps)) != PI_OK)
			return rc;
	}
	switch (ps->tok.kind) {
	case T_EQ: op = OP_EQ; break;
	case T_NEQ: op = OP_NEQ; break;
	case T_LT: op = OP_LT; break;
	case T_LE: op = OP_LE; break;
	case T_GT: op = OP_GT; break;
	case T_GE: op = OP_GE; break;
	case T_IN: op = OP_IN; break;
	case T_LIKE: op = OP_LIKE; break;
	case T_MATCHES: op = OP_MATCHES; break;
	case T_ISSUBSET: op = OP_ISSUBSET; break;
	case T_ISSUPERSET: op = OP_ISSUPERSET; break;
	default:
		return expected(
		        ps, negated ? "a comparison operator after NOT"
		                    : "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, "
		                      "MATCHES, ISSUBSET, ISSUPERSET)");
	}
	if ((rc = lex(ps)) != PI_OK)
		return rc;
	if ((rc = new_node(ps, N_TEST, &node)) != PI_OK)
		return rc;
	ps->p->nodes[node].term_first = (uint32_t)ps->p->term_count;
	if (op == OP_IN) {
		uint32_t first_term = (uint32_t)ps->p->term_count, count = 0;
		if (ps->tok.kind != T_LPAREN)
			return expected(ps, "'(' to start the set of values after IN");
		if ((rc = lex(ps)) != PI_OK)
			return rc;
		while (ps->tok.kind != T_RPAREN) {
			size_t lit_pos = ps->tok.start;
			if (count > 0) {
				if (ps->tok.kind != T_COMMA)
					return expected(ps, "',' or ')' in the set of values");
				if ((rc = lex(ps)) != PI_OK)
					return rc;
				lit_pos = ps->tok.start;
			}
			if (!is_literal(ps->tok.kind, 1))
				return expected(
				        ps, count ? "a literal value after ','"
				                  : "a literal value or ')' in the set of values");
			if ((rc = new_term(ps, &t)) != PI_OK)
				return rc;
			*t = (struct term){.type_off = pi.type_off,
			        .path_off = pi.path_off,
			        .op = OP_IN,
			        .negated = (uint8_t)negated,
			        .set_index = count,
			        .observation = (uint32_t)observation,
			        .offset = pi.offset};
			if ((rc = take_literal(ps, &t->value_off, &t->kind)) != PI_OK)
				return rc;
			if ((rc = check_hash(ps, &pi, t, lit_pos)) != PI_OK)
				return rc;
			count++;
			if ((rc = lex(ps)) != PI_OK)
				return rc;
		}
		if (count == 0) {
			if ((rc = new_term(ps, &t)) != PI_OK)
				return rc;
			*t = (struct term){.type_off = pi.type_off,
			        .path_off = pi.path_off,
			        .value_off = NONE,
			        .op = OP_IN,
			        .negated = (uint8_t)negated,
			        .observation = (uint32_t)observation,
			        .offset = pi.offset};
		}
		for (uint32_t k = 0; k < count; k++)
			ps->p->terms[first_term + k].set_count = count;
		ps->p->nodes[node].term_count = count ? count : 1;
	} else {
		size_t lit_pos = ps->tok.start;
		if (op == OP_EQ || op == OP_NEQ) {
			if (!is_literal(ps->tok.kind, 1))
				return expected(ps,
				        "a literal value ('string', number, true, false, "
				        "h'hex', b'base64' or t'timestamp')");
		} else if (op <= OP_GE) {
			if (!is_literal(ps->tok.kind, 0))
				return expected(ps,
				        "an orderable literal (a 'string', number, h'hex', "
				        "b'base64' or t'timestamp')");
		} else if (ps->tok.kind != T_STRING) {
			return expected(ps, "a string literal in single quotes");
		}
		if ((rc = new_term(ps, &t)) != PI_OK)
			return rc;
		*t = (struct term){.type_off = pi.type_off,
		        .path_off = pi.path_off,
		        .op = (uint8_t)op,
		        .negated = (uint8_t)negated,
		        .observation = (uint32_t)observation,
		        .offset = pi.offset};
		if ((rc = take_literal(ps, &t->value_off, &t->kind)) != PI_OK)
			return rc;
		if ((op == OP_EQ || op == OP_NEQ) &&
		        (rc = check_hash(ps, &pi, t, lit_pos)) != PI_OK)
			return rc;
		ps->p->nodes[node].term_count = 1;
		if ((rc = lex(ps)) != PI_OK)
			return rc;
	}
	if (op == OP_IN && (rc = lex(ps)) != PI_OK) /* the closing ')' */
		return rc;
	*out = node;
	return PI_OK;
}

static pi_status parse_cmp(struct parser *ps, int level, size_t observation, uint32_t *out);

static pi_status parse_cmp_primary(struct parser *ps, size_t observation, uint32_t *out)
{
	pi_status rc;

	if (ps->tok.kind != T_LPAREN)
		return parse_test(ps, observation, out);
	if ((rc = enter(ps)) != PI_OK || (rc = lex(ps)) != PI_OK)
		return rc;
	if ((rc = parse_cmp(ps, 0, observation, out)) != PI_OK)
		return rc;
	if (ps->tok.kind != T_RPAREN)
		return expected(ps, "AND, OR or ')'");
	ps->depth--;
	return lex(ps);
}

/* level 0: OR chain, level 1: AND chain, level 2: a property test or a parenthesised one. */
static pi_status parse_cmp(struct parser *ps, int level, size_t observation, uint32_t *out)
{
	enum tok_kind op = level == 0 ? T_OR : T_AND;
	uint32_t left = NONE, right = NONE, chain, last;
	pi_status rc;

	if (level == 2)
		return parse_cmp_primary(ps, observation, out);
	if ((rc = parse_cmp(ps, level + 1, observation, &left)) != PI_OK)
		return rc;
	if (ps->tok.kind != op) {
		*out = left;
		return PI_OK;
	}
	if ((rc = new_node(ps, level == 0 ? N_COR : N_CAND, &chain)) != PI_OK)
		return rc;
	ps->p->nodes[chain].first = left;
	last = left;
	while (ps->tok.kind == op) {
		if ((rc = lex(ps)) != PI_OK)
			return rc;
		if ((rc = parse_cmp(ps, level + 1, observation, &right)) != PI_OK)
			return rc;
		ps->p->nodes[last].next = right;
		last = right;
	}
	*out = chain;
	return PI_OK;
}

static pi_status parse_obs(struct parser *ps, int level, uint32_t *out);

static const char *qual_name(enum node_kind k)
{
	return k == N_WITHIN ? "WITHIN" : k == N_REPEATS ? "REPEATS" : "START/STOP";
}

/* Reads the qualifiers after a [ ] observation (simple) or an N_GROUP node into the list of
 * *target. Duplicate types are refused only directly after a [ ] observation, as the
 * reference validator does. */
static pi_status parse_qualifiers(struct parser *ps, const uint32_t *target, int simple)
{
	unsigned seen = 0;
	uint32_t last = NONE, q;
	pi_status rc;

	while (ps->tok.kind == T_WITHIN || ps->tok.kind == T_REPEATS || ps->tok.kind == T_START) {
		enum node_kind kind = ps->tok.kind == T_WITHIN    ? N_WITHIN
		                      : ps->tok.kind == T_REPEATS ? N_REPEATS
		                                                  : N_STARTSTOP;
		unsigned bit = 1u << (kind - N_WITHIN);
		size_t qpos = ps->tok.start;

		if (simple && (seen & bit))
			return fail_at(ps, qpos, PI_ERR_INVALID,
			        "duplicate %s qualifier on the same observation", qual_name(kind));
		seen |= bit;
		if ((rc = new_node(ps, kind, &q)) != PI_OK || (rc = lex(ps)) != PI_OK)
			return rc;
		if (kind == N_STARTSTOP) {
			if (ps->tok.kind != T_TIMESTAMP)
				return expected(
				        ps, "a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after START");
			if ((rc = arena_add(ps, ps->text + ps->tok.start + 2, ps->tok.len - 3,
			             &ps->p->nodes[q].a)) != PI_OK ||
			        (rc = lex(ps)) != PI_OK)
				return rc;
			if (ps->tok.kind != T_STOP)
				return expected(ps, "STOP");
			if ((rc = lex(ps)) != PI_OK)
				return rc;
			if (ps->tok.kind != T_TIMESTAMP)
				return expected(
				        ps, "a timestamp t'YYYY-MM-DDTHH:MM:SSZ' after STOP");
			if ((rc = arena_add(ps, ps->text + ps->tok.start + 2, ps->tok.len - 3,
			             &ps->p->nodes[q].b)) != PI_OK)
				return rc;
		} else {
			const char *s = ps->text + ps->tok.start;
			size_t n = ps->tok.len;
			int nonzero = 0;
			if (kind == N_WITHIN && ps->tok.kind != T_INT_POS &&
			        ps->tok.kind != T_FLOAT_POS)
				return expected(ps, "a positive number of seconds after WITHIN");
			if (kind == N_REPEATS && ps->tok.kind != T_INT_POS)
				return expected(ps, "a positive whole number after REPEATS");
			if (*s == '+') {
				s++;
				n--;
			}
			for (size_t i = 0; i < n; i++)
				nonzero |= s[i] >= '1' && s[i] <= '9';
			if (!nonzero)
				return fail_at(ps, ps->tok.start, PI_ERR_INVALID,
				        "%s must be more than 0", qual_name(kind));
			if (n > 20)
				return fail_at(ps, ps->tok.start, PI_ERR_INVALID,
				        "%s value has more than 20 digits", qual_name(kind));
			if ((rc = arena_add(ps, s, n, &ps->p->nodes[q].a)) != PI_OK)
				return rc;
			if ((rc = lex(ps)) != PI_OK)
				return rc;
			if (ps->tok.kind != (kind == N_WITHIN ? T_SECONDS : T_TIMES))
				return expected(ps, kind == N_WITHIN ? "SECONDS" : "TIMES");
		}
		if ((rc = lex(ps)) != PI_OK)
			return rc;
		if (last == NONE)
			ps->p->nodes[*target].quals = q;
		else
			ps->p->nodes[last].next = q;
		last = q;
	}
	return PI_OK;
}

static pi_status parse_obs_primary(struct parser *ps, uint32_t *out)
{
	uint32_t node = NONE, inner = NONE;
	pi_status rc;

	if (ps->tok.kind == T_LBRACK) {
		size_t observation = ps->p->observations++;
		if ((rc = enter(ps)) != PI_OK || (rc = lex(ps)) != PI_OK)
			return rc;
		if ((rc = new_node(ps, N_OBS, &node)) != PI_OK)
			return rc;
		if ((rc = parse_cmp(ps, 0, observation, &inner)) != PI_OK)
			return rc;
		ps->p->nodes[node].first = inner;
		if (ps->tok.kind != T_RBRACK)
			return expected(ps, "AND, OR or ']' to end the observation");
		ps->depth--;
		if ((rc = lex(ps)) != PI_OK)
			return rc;
		if ((rc = parse_qualifiers(ps, &node, 1)) != PI_OK)
			return rc;
	} else if (ps->tok.kind == T_LPAREN) {
		if ((rc = enter(ps)) != PI_OK || (rc = lex(ps)) != PI_OK)
			return rc;
		if ((rc = parse_obs(ps, 0, &node)) != PI_OK)
			return rc;
		if (ps->tok.kind != T_RPAREN)
			return expected(ps, "AND, OR, FOLLOWEDBY, a qualifier or ')'");
		ps->depth--;
		if ((rc = lex(ps)) != PI_OK)
			return rc;
		if (ps->tok.kind == T_WITHIN || ps->tok.kind == T_REPEATS ||
		        ps->tok.kind == T_START) {
			uint32_t group;
			if ((rc = new_node(ps, N_GROUP, &group)) != PI_OK)
				return rc;
			ps->p->nodes[group].first = node;
			node = group;
			if ((rc = parse_qualifiers(ps, &node, 0)) != PI_OK)
				return rc;
		}
	} else {
		return expected(ps, "'[' or '(' to start an observation expression");
	}
	*out = node;
	return PI_OK;
}

/* level 0: FOLLOWEDBY chain, 1: OR chain, 2: AND chain, 3: a qualified observation. */
static pi_status parse_obs(struct parser *ps, int level, uint32_t *out)
{
	static const enum tok_kind ops[] = {T_FOLLOWEDBY, T_OR, T_AND};
	static const enum node_kind kinds[] = {N_SEQ, N_OOR, N_OAND};
	uint32_t left = NONE, right = NONE, chain, last;
	pi_status rc;

	if (level == 3)
		return parse_obs_primary(ps, out);
	if ((rc = parse_obs(ps, level + 1, &left)) != PI_OK)
		return rc;
	if (ps->tok.kind != ops[level]) {
		*out = left;
		return PI_OK;
	}
	if ((rc = new_node(ps, kinds[level], &chain)) != PI_OK)
		return rc;
	ps->p->nodes[chain].first = left;
	last = left;
	while (ps->tok.kind == ops[level]) {
		if ((rc = lex(ps)) != PI_OK)
			return rc;
		if ((rc = parse_obs(ps, level + 1, &right)) != PI_OK)
			return rc;
		ps->p->nodes[last].next = right;
		last = right;
	}
	*out = chain;
	return PI_OK;
}

pi_status pi_pattern_parse_ex(
        const char *text, size_t len, unsigned flags, pi_pattern **out, struct pi_error *err)
{
	struct parser ps = {0};
	struct pi_pattern *p = NULL;
	pi_status rc;

	*out = NULL;
	if (!text)
		return pi_error_set(err, PI_ERR_INVALID, "pattern error: no pattern text");
	if (len > PI_PATTERN_MAX_TEXT)
		return pi_error_set(err, PI_ERR_TOOBIG,
		        "pattern error: the pattern is longer than %u bytes", PI_PATTERN_MAX_TEXT);
	p = calloc(1, sizeof(*p));
	if (!p)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory parsing a pattern");
	pi_buf_init(&p->arena, len * 3 + 4096);
	ps.text = text;
	ps.len = len;
	ps.flags = flags;
	ps.p = p;
	ps.err = err;
	if ((rc = check_utf8(&ps)) != PI_OK || (rc = lex(&ps)) != PI_OK)
		goto out;
	if (ps.tok.kind == T_EOF) {
		rc = fail_at(&ps, ps.tok.start, PI_ERR_INVALID, "the pattern is empty");
		goto out;
	}
	if ((rc = parse_obs(&ps, 0, &p->root)) != PI_OK)
		goto out;
	if (ps.tok.kind != T_EOF) {
		rc = expected(&ps, "AND, OR, FOLLOWEDBY, WITHIN, REPEATS, START or the end of the "
		                   "pattern");
		goto out;
	}
	*out = p;
	p = NULL;
out:
	pi_pattern_free(p);
	return rc;
}

pi_status pi_pattern_parse(const char *text, size_t len, pi_pattern **out, struct pi_error *err)
{
	return pi_pattern_parse_ex(text, len, 0, out, err);
}

void pi_pattern_free(pi_pattern *p)
{
	if (!p)
		return;
	free(p->nodes);
	free(p->terms);
	pi_buf_free(&p->arena);
	free(p);
}

static void fill_term(const pi_pattern *p, const struct term *t, struct pi_pattern_term *out)
{
	out->object_type = arena_str(p, t->type_off);
	out->path = arena_str(p, t->path_off);
	out->op = op_names[t->op];
	out->negated = t->negated;
	out->value = arena_str(p, t->value_off);
	out->value_kind = t->kind;
	out->set_index = t->set_index;
	out->set_count = t->set_count;
	out->observation = t->observation;
	out->offset = t->offset;
}

int pi_pattern_each_term(
        const pi_pattern *p, int (*fn)(void *arg, const struct pi_pattern_term *t), void *arg)
{
	struct pi_pattern_term term;
	int rc;

	if (!p || !fn)
		return 0;
	for (size_t i = 0; i < p->term_count; i++) {
		fill_term(p, &p->terms[i], &term);
		if ((rc = fn(arg, &term)) != 0)
			return rc;
	}
	return 0;
}

size_t pi_pattern_observation_count(const pi_pattern *p)
{
	return p ? p->observations : 0;
}

/* ---------- formatting ---------- */

static pi_status put_literal(struct pi_buf *b, const struct pi_pattern_term *t)
{
	const char *v = t->value;
	pi_status rc = PI_OK;

	switch (t->value_kind) {
	case PI_PATTERN_VALUE_STRING:
		rc = pi_buf_putc(b, '\'');
		for (; *v && rc == PI_OK; v++) {
			if (*v == '\'' || *v == '\\')
				rc = pi_buf_putc(b, '\\');
			if (rc == PI_OK)
				rc = pi_buf_putc(b, *v);
		}
		return rc == PI_OK ? pi_buf_putc(b, '\'') : rc;
	case PI_PATTERN_VALUE_HEX: return pi_buf_printf(b, "h'%s'", v);
	case PI_PATTERN_VALUE_BINARY: return pi_buf_printf(b, "b'%s'", v);
	case PI_PATTERN_VALUE_TIMESTAMP: return pi_buf_printf(b, "t'%s'", v);
	default: return pi_buf_puts(b, v ? v : "");
	}
}

static pi_status format_test(const pi_pattern *p, const struct node *n, struct pi_buf *b)
{
	struct pi_pattern_term t;
	pi_status rc;

	fill_term(p, &p->terms[n->term_first], &t);
	if (t.value_kind == PI_PATTERN_VALUE_NONE && strcmp(t.op, "EXISTS") == 0)
		return pi_buf_printf(
		        b, "%sEXISTS %s:%s", t.negated ? "NOT " : "", t.object_type, t.path);
	rc = pi_buf_printf(b, "%s:%s %s%s ", t.object_type, t.path, t.negated ? "NOT " : "", t.op);
	if (rc != PI_OK)
		return rc;
	if (strcmp(t.op, "IN") != 0)
		return put_literal(b, &t);
	rc = pi_buf_putc(b, '(');
	for (uint32_t k = 0; k < n->term_count && rc == PI_OK && t.value; k++) {
		fill_term(p, &p->terms[n->term_first + k], &t);
		if (k > 0)
			rc = pi_buf_puts(b, ", ");
		if (rc == PI_OK)
			rc = put_literal(b, &t);
	}
	return rc == PI_OK ? pi_buf_putc(b, ')') : rc;
}

static pi_status format_node(const pi_pattern *p, uint32_t idx, struct pi_buf *b)
{
	const struct node *n = &p->nodes[idx];
	pi_status rc = PI_OK;
	const char *sep = NULL;

	switch (n->kind) {
	case N_SEQ: sep = " FOLLOWEDBY "; break;
	case N_OOR:
	case N_COR: sep = " OR "; break;
	case N_OAND:
	case N_CAND: sep = " AND "; break;
	case N_OBS:
		rc = pi_buf_putc(b, '[');
		if (rc == PI_OK)
			rc = format_node(p, n->first, b);
		if (rc == PI_OK)
			rc = pi_buf_putc(b, ']');
		break;
	case N_GROUP: {
		int wrap = p->nodes[n->first].kind == N_OBS || p->nodes[n->first].kind == N_GROUP;
		rc = wrap ? pi_buf_putc(b, '(') : PI_OK;
		if (rc == PI_OK)
			rc = format_node(p, n->first, b);
		if (rc == PI_OK && wrap)
			rc = pi_buf_putc(b, ')');
		break;
	}
	case N_TEST: rc = format_test(p, n, b); break;
	default: return PI_ERR_INTERNAL;
	}
	if (sep) {
		rc = pi_buf_putc(b, '(');
		for (uint32_t c = n->first; c != NONE && rc == PI_OK; c = p->nodes[c].next) {
			if (c != n->first)
				rc = pi_buf_puts(b, sep);
			if (rc == PI_OK)
				rc = format_node(p, c, b);
		}
		if (rc == PI_OK)
			rc = pi_buf_putc(b, ')');
	}
	for (uint32_t q = n->quals; q != NONE && rc == PI_OK; q = p->nodes[q].next) {
		const struct node *qn = &p->nodes[q];
		if (qn->kind == N_WITHIN)
			rc = pi_buf_printf(b, " WITHIN %s SECONDS", arena_str(p, qn->a));
		else if (qn->kind == N_REPEATS)
			rc = pi_buf_printf(b, " REPEATS %s TIMES", arena_str(p, qn->a));
		else
			rc = pi_buf_printf(b, " START t'%s' STOP t'%s'", arena_str(p, qn->a),
			        arena_str(p, qn->b));
	}
	return rc;
}

pi_status pi_pattern_format(const pi_pattern *p, struct pi_buf *out)
{
	if (!p || p->root == NONE)
		return PI_ERR_INVALID;
	return format_node(p, p->root, out);
}
