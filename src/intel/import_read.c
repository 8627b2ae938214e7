/* import_read.c - the streaming readers of intel/import.h: the STIX bundle splitter and the
 * RFC 4180 CSV reader, plus column mappings.
 *
 * Bundle splitter. The reader keeps a window buf[pos..len) of the input. It walks the top
 * level of the bundle itself ('{', member names, ':', ',', '}', the '[' and ']' of "objects")
 * and hands every value to pi_json_scan_value to find its extent. A scan that runs into the
 * end of the window ("unexpected end of input") or that ends exactly there reads more and
 * scans again, with reads at least as large as the window, so an object of n bytes costs
 * O(n) scanning overall. Consumed bytes are dropped when the window is refilled; memory is
 * one object plus one read, never the bundle. Line numbers are counted over dropped bytes so
 * errors can say where they are in the whole file.
 *
 * States: START -> MEMBER (name or '}') -> AFTER_MEMBER (',' or '}') ... "objects" ->
 * ELEMENT_FIRST (element or ']') -> ELEMENT_NEXT (',' element or ']') -> AFTER_MEMBER ->
 * TAIL (only white space) -> DONE.
 */
#include "intel/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"

#define READ_CHUNK ((size_t)64 << 10)

enum bstate {
	B_START,
	B_MEMBER,
	B_MEMBER_AFTER_COMMA,
	B_AFTER_MEMBER,
	B_ELEMENT_FIRST,
	B_ELEMENT_NEXT,
	B_TAIL,
	B_DONE
};

struct pi_bundle_reader {
	pi_import_read_fn read;
	void *ctx;
	size_t object_max;
	char *buf;
	size_t len, pos, alloc;
	uint64_t base;      /* input offset of buf[0] */
	uint64_t base_line; /* line number of buf[0] */
	uint64_t base_col;  /* column of buf[0] */
	int eof;
	enum bstate state;
	int seen_objects;
	int seen_type;
};

pi_status pi_bundle_reader_new(pi_import_read_fn read, void *ctx, size_t object_max,
        pi_bundle_reader **out, struct pi_error *err)
{
	pi_bundle_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	r->read = read;
	r->ctx = ctx;
	r->object_max = object_max ? object_max : PI_IMPORT_OBJECT_MAX;
	r->base_line = 1;
	r->base_col = 1;
	*out = r;
	return PI_OK;
}

void pi_bundle_reader_free(pi_bundle_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	free(r);
}

uint64_t pi_bundle_reader_position(const pi_bundle_reader *r)
{
	return r->base + r->pos;
}

/* Line and column of buf[off]. */
static void where(const pi_bundle_reader *r, size_t off, uint64_t *line, uint64_t *col)
{
	uint64_t l = r->base_line;
	size_t line_start = 0;
	int newline = 0;

	for (size_t i = 0; i < off && i < r->len; i++)
		if (r->buf[i] == '\n') {
			l++;
			line_start = i + 1;
			newline = 1;
		}
	*line = l;
	*col = newline ? (uint64_t)(off - line_start) + 1 : r->base_col + off;
}

static pi_status fail_at(pi_bundle_reader *r, size_t off, struct pi_error *err, const char *what)
{
	uint64_t line, col;

	where(r, off, &line, &col);
	return pi_error_set(err, PI_ERR_INVALID,
	        "invalid STIX bundle at byte %llu (line %llu, column %llu): %s",
	        (unsigned long long)(r->base + off), (unsigned long long)line,
	        (unsigned long long)col, what);
}

/* Reads more input: drops consumed bytes, grows the window to hold at least `want` more. */
static pi_status fill(pi_bundle_reader *r, size_t want, struct pi_error *err)
{
	size_t n;

	if (r->eof)
		return PI_OK;
	if (r->pos > 0) {
		const char *last_nl = NULL;
		for (const char *p = r->buf, *end = r->buf + r->pos;
		        (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
			r->base_line++;
			last_nl = p;
		}
		if (last_nl)
			r->base_col = (uint64_t)(r->buf + r->pos - last_nl);
		else
			r->base_col += r->pos;
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->base += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	if (want < READ_CHUNK)
		want = READ_CHUNK;
	if (r->alloc - r->len < want + 1) {
		size_t alloc = r->len + want + 1;
		char *nb = realloc(r->buf, alloc);
		if (!nb)
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory reading the bundle");
		r->buf = nb;
		r->alloc = alloc;
	}
	n = r->read(r->ctx, r->buf + r->len, r->alloc - r->len - 1);
	if (n == (size_t)-1)
		return pi_error_set(err, PI_ERR_IO, "cannot read the bundle at byte %llu",
		        (unsigned long long)(r->base + r->len));
	if (n == 0)
		r->eof = 1;
	r->len += n;
	r->buf[r->len] = '\0';
	return PI_OK;
}

/* The next non-white-space character (not consumed), or -1 at the end of input. */
static int peek(pi_bundle_reader *r, pi_status *st, struct pi_error *err)
{
	for (;;) {
		while (r->pos < r->len) {
			char ch = r->buf[r->pos];
			if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
				return (unsigned char)ch;
			r->pos++;
		}
		if (r->eof)
			return -1;
		*st = fill(r, 0, err);
		if (*st != PI_OK)
			return -1;
	}
}

/* Scans one JSON value at pos: [*start, *end) in the window. */
static pi_status scan(pi_bundle_reader *r, size_t *start, size_t *end, struct pi_error *err)
{
	for (;;) {
		struct pi_error e;
		size_t n = 0;
		size_t avail = r->len - r->pos;
		pi_status st =
		        pi_json_scan_value(r->buf + r->pos, avail, PI_JSON_MAX_DEPTH, &n, &e);
		int truncated = st != PI_OK && strstr(e.message, "unexpected end of input") != NULL;

		if (st == PI_OK && (n < avail || r->eof)) {
			*start = r->pos;
			*end = r->pos + n;
			return PI_OK;
		}
		if ((st == PI_OK || truncated) && !r->eof) {
			if (avail > r->object_max)
				return pi_error_set(err, PI_ERR_TOOBIG,
				        "the object at byte %llu is larger than %zu bytes",
				        (unsigned long long)(r->base + r->pos), r->object_max);
			st = fill(r, avail, err);
			if (st != PI_OK)
				return st;
			continue;
		}
		{
			/* the scanner's offset is relative to the value; report it in the file */
			const char *at = strstr(e.message, "at byte ");
			const char *why = strstr(e.message, "): ");
			size_t rel = 0;
			if (at)
				rel = (size_t)strtoull(at + 8, NULL, 10);
			if (rel > avail)
				rel = avail;
			if (truncated) {
				char msg[PI_ERROR_MSG_MAX];
				snprintf(msg, sizeof(msg),
				        "unexpected end of input: the bundle is truncated (%s)",
				        why ? why + 3 : "inside a value");
				return fail_at(r, r->pos + rel, err, msg);
			}
			return fail_at(
			        r, r->pos + rel, err, why ? why + 3 : "malformed JSON value");
		}
	}
}

static int raw_equals(const pi_bundle_reader *r, size_t start, size_t end, const char *lit)
{
	size_t n = strlen(lit);

	return end - start == n && memcmp(r->buf + start, lit, n) == 0;
}

pi_status pi_bundle_reader_next(
        pi_bundle_reader *r, const char **obj, size_t *len, uint64_t *offset, struct pi_error *err)
{
	pi_status st = PI_OK;
	size_t s, e;
	int ch;

	*obj = NULL;
	*len = 0;
	for (;;) {
		ch = peek(r, &st, err);
		if (st != PI_OK)
			return st;
		switch (r->state) {
		case B_START:
			if (ch != '{')
				return fail_at(r, r->pos, err,
				        ch < 0 ? "the file is empty; a STIX bundle starts with '{'"
				               : "a STIX bundle starts with '{'");
			r->pos++;
			r->state = B_MEMBER;
			continue;
		case B_MEMBER:
		case B_MEMBER_AFTER_COMMA:
			if (ch == '}' && r->state == B_MEMBER) {
				r->pos++;
				r->state = B_TAIL;
				continue;
			}
			if (ch != '"')
				return fail_at(r, r->pos, err,
				        ch < 0 ? "unexpected end of input: the bundle is truncated"
				               : "expected a member name in double quotes");
			st = scan(r, &s, &e, err);
			if (st != PI_OK)
				return st;
			r->pos = e;
			ch = peek(r, &st, err);
			if (st != PI_OK)
				return st;
			if (ch != ':')
				return fail_at(r, r->pos, err,
				        ch < 0 ? "unexpected end of input: the bundle is truncated"
				               : "expected ':' after the member name");
			r->pos++;
			if (raw_equals(r, s, e, "\"objects\"")) {
				if (r->seen_objects)
					return fail_at(r, s, err, "\"objects\" appears twice");
				r->seen_objects = 1;
				ch = peek(r, &st, err);
				if (st != PI_OK)
					return st;
				if (ch != '[')
					return fail_at(
					        r, r->pos, err, "\"objects\" must be a list");
				r->pos++;
				r->state = B_ELEMENT_FIRST;
				continue;
			}
			{
				int is_type = raw_equals(r, s, e, "\"type\"");
				ch = peek(r, &st, err);
				if (st != PI_OK)
					return st;
				if (ch < 0)
					return fail_at(r, r->pos, err,
					        "unexpected end of input: the bundle is truncated");
				st = scan(r, &s, &e, err);
				if (st != PI_OK)
					return st;
				if (is_type) {
					if (!raw_equals(r, s, e, "\"bundle\""))
						return fail_at(r, s, err,
						        "\"type\" must be \"bundle\" (this is not "
						        "a STIX bundle)");
					r->seen_type = 1;
				}
				r->pos = e;
			}
			r->state = B_AFTER_MEMBER;
			continue;
		case B_AFTER_MEMBER:
			if (ch == ',') {
				r->pos++;
				r->state = B_MEMBER_AFTER_COMMA;
				continue;
			}
			if (ch == '}') {
				r->pos++;
				r->state = B_TAIL;
				continue;
			}
			return fail_at(r, r->pos, err,
			        ch < 0 ? "unexpected end of input: the bundle is truncated"
			               : "expected ',' or '}' after a member of the bundle");
		case B_ELEMENT_FIRST:
		case B_ELEMENT_NEXT:
			if (ch == ']') {
				r->pos++;
				r->state = B_AFTER_MEMBER;
				continue;
			}
			if (r->state == B_ELEMENT_NEXT) {
				if (ch != ',')
					return fail_at(r, r->pos, err,
					        ch < 0 ? "unexpected end of input: the bundle is "
					                 "truncated"
					               : "expected ',' or ']' after an object");
				r->pos++;
				ch = peek(r, &st, err);
				if (st != PI_OK)
					return st;
			}
			if (ch != '{')
				return fail_at(r, r->pos, err,
				        ch < 0 ? "unexpected end of input: the bundle is truncated"
				               : "each element of \"objects\" must be a JSON "
				                 "object");
			st = scan(r, &s, &e, err);
			if (st != PI_OK)
				return st;
			r->pos = e;
			r->state = B_ELEMENT_NEXT;
			*obj = r->buf + s;
			*len = e - s;
			if (offset)
				*offset = r->base + s;
			return PI_OK;
		case B_TAIL:
			if (ch >= 0)
				return fail_at(r, r->pos, err, "unexpected data after the bundle");
			if (!r->seen_type)
				return pi_error_set(err, PI_ERR_INVALID,
				        "invalid STIX bundle: no \"type\": \"bundle\" member (is "
				        "this a STIX 2.1 bundle?)");
			r->state = B_DONE;
			return PI_OK;
		case B_DONE: return PI_OK;
		}
	}
}

/* ---- CSV ---- */

struct pi_csv_reader {
	pi_import_read_fn read;
	void *ctx;
	char buf[READ_CHUNK];
	size_t len, pos;
	int eof;
	int started;
	uint64_t consumed;
	uint64_t line;
	struct pi_buf rec;
	size_t offs[PI_CSV_FIELDS_MAX];
	char *fields[PI_CSV_FIELDS_MAX];
};

pi_status pi_csv_reader_new(
        pi_import_read_fn read, void *ctx, pi_csv_reader **out, struct pi_error *err)
{
	pi_csv_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	r->read = read;
	r->ctx = ctx;
	r->line = 1;
	pi_buf_init(&r->rec, (size_t)PI_CSV_FIELDS_MAX * (PI_CSV_FIELD_MAX + 1));
	*out = r;
	return PI_OK;
}

void pi_csv_reader_free(pi_csv_reader *r)
{
	if (!r)
		return;
	pi_buf_free(&r->rec);
	free(r);
}

uint64_t pi_csv_reader_position(const pi_csv_reader *r)
{
	return r->consumed;
}

/* The next byte, -1 at the end, -2 on a read error. */
static int csv_get(pi_csv_reader *r)
{
	if (r->pos == r->len) {
		size_t n;
		if (r->eof)
			return -1;
		n = r->read(r->ctx, r->buf, sizeof(r->buf));
		if (n == (size_t)-1)
			return -2;
		if (n == 0) {
			r->eof = 1;
			return -1;
		}
		r->len = n;
		r->pos = 0;
	}
	r->consumed++;
	return (unsigned char)r->buf[r->pos++];
}

static int csv_peek(pi_csv_reader *r)
{
	int c = csv_get(r);

	if (c >= 0) {
		r->pos--;
		r->consumed--;
	}
	return c;
}

pi_status pi_csv_reader_next(pi_csv_reader *r, char *const **fields, size_t *nfields,
        uint64_t *line, struct pi_error *err)
{
	size_t nf = 0, flen = 0;
	uint64_t start_line = r->line;
	int c;

	*nfields = 0;
	*fields = r->fields;
	*line = start_line;
	pi_buf_reset(&r->rec);
	if (!r->started) {
		r->started = 1;
		/* a UTF-8 byte order mark is not data */
		if (csv_peek(r) == 0xEF) {
			csv_get(r);
			if (csv_get(r) != 0xBB || csv_get(r) != 0xBF)
				return pi_error_set(err, PI_ERR_INVALID,
				        "line 1: the file starts with a broken UTF-8 byte order "
				        "mark");
		}
	}
	c = csv_peek(r);
	if (c == -2)
		return pi_error_set(err, PI_ERR_IO, "cannot read the CSV input at line %llu",
		        (unsigned long long)r->line);
	if (c == -1)
		return PI_OK;
	r->offs[0] = 0;
	for (;;) {
		c = csv_get(r);
		if (c == -2)
			return pi_error_set(err, PI_ERR_IO,
			        "cannot read the CSV input at line %llu",
			        (unsigned long long)r->line);
		if (flen == 0 && c == '"') {
			/* quoted field */
			for (;;) {
				c = csv_get(r);
				if (c == -2)
					return pi_error_set(err, PI_ERR_IO,
					        "cannot read the CSV input at line %llu",
					        (unsigned long long)r->line);
				if (c == -1)
					return pi_error_set(err, PI_ERR_INVALID,
					        "line %llu, field %zu: unterminated quoted field "
					        "(a '\"' is missing)",
					        (unsigned long long)start_line, nf + 1);
				if (c == '"') {
					if (csv_peek(r) != '"')
						break;
					csv_get(r);
				}
				if (c == '\n')
					r->line++;
				if (++flen > PI_CSV_FIELD_MAX)
					return pi_error_set(err, PI_ERR_TOOBIG,
					        "line %llu, field %zu: longer than %d bytes",
					        (unsigned long long)start_line, nf + 1,
					        PI_CSV_FIELD_MAX);
				if (pi_buf_putc(&r->rec, (char)c) != PI_OK)
					return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			}
			c = csv_get(r);
			if (c != ',' && c != '\n' && c != '\r' && c != -1)
				return pi_error_set(err, PI_ERR_INVALID,
				        "line %llu, field %zu: unexpected character after a "
				        "closing '\"' (use \"\" for a quote inside a quoted field)",
				        (unsigned long long)r->line, nf + 1);
			flen = 1; /* a quoted field is never "at field start" again */
		}
		if (c == ',' || c == '\n' || c == '\r' || c == -1) {
			if (pi_buf_putc(&r->rec, '\0') != PI_OK)
				return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			nf++;
			if (c != ',')
				break;
			if (nf >= PI_CSV_FIELDS_MAX)
				return pi_error_set(err, PI_ERR_TOOBIG,
				        "line %llu: more than %d fields",
				        (unsigned long long)start_line, PI_CSV_FIELDS_MAX);
			r->offs[nf] = r->rec.len;
			flen = 0;
			continue;
		}
		if (c == '"')
			return pi_error_set(err, PI_ERR_INVALID,
			        "line %llu, field %zu: '\"' inside an unquoted field (quote the "
			        "whole field and write \"\" for a quote)",
			        (unsigned long long)start_line, nf + 1);
		if (++flen > PI_CSV_FIELD_MAX)
			return pi_error_set(err, PI_ERR_TOOBIG,
			        "line %llu, field %zu: longer than %d bytes",
			        (unsigned long long)start_line, nf + 1, PI_CSV_FIELD_MAX);
		if (pi_buf_putc(&r->rec, (char)c) != PI_OK)
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	if (c == '\r' && csv_peek(r) == '\n')
		csv_get(r);
	if (c != -1)
		r->line++;
	for (size_t i = 0; i < nf; i++)
		r->fields[i] = r->rec.data + r->offs[i];
	*nfields = nf;
	return PI_OK;
}

/* ---- column mappings ---- */

static const char *const map_keys[PI_CSV_NKEYS] = {
        "value", "type", "tlp", "labels", "name", "description", "valid_until"};

pi_status pi_csv_map_parse(const char *spec, struct pi_csv_map *out, struct pi_error *err)
{
	char copy[1024];
	char *save = NULL;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k < PI_CSV_NKEYS; k++)
		out->column[k] = -1;
	if (!spec) {
		/* the header names the columns after the keys */
		for (int k = 0; k < PI_CSV_NKEYS; k++)
			snprintf(out->header_name[k], sizeof(out->header_name[k]), "%s",
			        map_keys[k]);
		out->uses_names = 2; /* 2: optional names, "value" (or "indicator") required */
		return PI_OK;
	}
	if (strlen(spec) >= sizeof(copy))
		return pi_error_set(
		        err, PI_ERR_INVALID, "--map: longer than %zu characters", sizeof(copy) - 1);
	memcpy(copy, spec, strlen(spec) + 1);
	for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(part, '=');
		int k;
		if (!eq || eq == part || !eq[1])
			return pi_error_set(err, PI_ERR_INVALID,
			        "--map: '%.60s' is not KEY=COLUMN (example: --map "
			        "value=1,type=2,tlp=3,labels=4)",
			        part);
		*eq = '\0';
		for (k = 0; k < PI_CSV_NKEYS; k++)
			if (strcmp(part, map_keys[k]) == 0)
				break;
		if (k == PI_CSV_NKEYS)
			return pi_error_set(err, PI_ERR_INVALID,
			        "--map: unknown key '%.60s' (keys: value, type, tlp, labels, name, "
			        "description, valid_until)",
			        part);
		if (out->column[k] >= 0 || out->header_name[k][0])
			return pi_error_set(
			        err, PI_ERR_INVALID, "--map: '%s' is mapped twice", part);
		if (strspn(eq + 1, "0123456789") == strlen(eq + 1)) {
			long col = strtol(eq + 1, NULL, 10);
			if (strlen(eq + 1) > 3 || col < 1 || col > PI_CSV_FIELDS_MAX)
				return pi_error_set(err, PI_ERR_INVALID,
				        "--map: column %.10s of '%s' is out of range (columns "
				        "count from 1 to %d)",
				        eq + 1, part, PI_CSV_FIELDS_MAX);
			out->column[k] = (int)col - 1;
		} else {
			if (strlen(eq + 1) >= sizeof(out->header_name[k]))
				return pi_error_set(err, PI_ERR_INVALID,
				        "--map: column name of '%s' is too long", part);
			snprintf(out->header_name[k], sizeof(out->header_name[k]), "%s", eq + 1);
			out->uses_names = 1;
		}
	}
	if (out->column[PI_CSV_VALUE] < 0 && !out->header_name[PI_CSV_VALUE][0])
		return pi_error_set(err, PI_ERR_INVALID,
		        "--map: 'value' must be mapped (example: --map value=1,type=2)");
	for (int a = 0; a < PI_CSV_NKEYS; a++)
		for (int b = a + 1; b < PI_CSV_NKEYS; b++)
			if (out->column[a] >= 0 && out->column[a] == out->column[b])
				return pi_error_set(err, PI_ERR_INVALID,
				        "--map: column %d is mapped to both '%s' and '%s'",
				        out->column[a] + 1, map_keys[a], map_keys[b]);
	return PI_OK;
}

static int header_index(char *const *header, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		const char *h = header[i];
		while (*h == ' ')
			h++;
		if (strncasecmp(h, name, strlen(name)) == 0 &&
		        strspn(h + strlen(name), " ") == strlen(h + strlen(name)))
			return (int)i;
	}
	return -1;
}

pi_status pi_csv_map_resolve(
        struct pi_csv_map *map, char *const *header, size_t n, struct pi_error *err)
{
	char cols[512] = "";
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(
		        cols + used, sizeof(cols) - used, "%s%s", i ? ", " : "", header[i]);
		if (w < 0 || (size_t)w >= sizeof(cols) - used)
			break;
		used += (size_t)w;
	}
	for (int k = 0; k < PI_CSV_NKEYS; k++) {
		int idx;
		if (map->column[k] >= 0) {
			if ((size_t)map->column[k] >= n)
				return pi_error_set(err, PI_ERR_INVALID,
				        "--map: unknown column %d for '%s': the header has %zu "
				        "columns (%s)",
				        map->column[k] + 1, map_keys[k], n, cols);
			continue;
		}
		if (!map->header_name[k][0])
			continue;
		idx = header_index(header, n, map->header_name[k]);
		if (idx < 0 && k == PI_CSV_VALUE && map->uses_names == 2)
			idx = header_index(header, n, "indicator");
		if (idx < 0 && (map->uses_names == 1 || k == PI_CSV_VALUE))
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: unknown column '%s'; the header has: %s",
			        map->uses_names == 2 ? "CSV header" : "--map", map->header_name[k],
			        cols);
		map->column[k] = idx;
	}
	return PI_OK;
}
