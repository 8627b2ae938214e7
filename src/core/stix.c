/* stix.c - strict STIX 2.1 object validation.
 *
 * Design. Every object kind is described by data, not code: a struct obj_rule lists the
 * properties the kind defines (name, kind of value, required or not, an argument such as
 * the allowed reference types, an enumeration, a sub-object rule or a numeric range), the
 * "at least one of" property sets the schemas express with anyOf, and an optional post
 * check for rules that tie several properties together (modified >= created, artifact's
 * payload_bin xor url, ...). An object is checked by one walk over its members: each member
 * is looked up in the type's table, then in the common table (core.json for SDO/SRO-like
 * objects, cyber-observable-core.json for SCO-like ones); members in neither are custom
 * properties, accepted when their name and value follow properties.json. A bit set records
 * which table entries were seen, so required properties cost nothing extra to check.
 *
 * Invariants: nothing is allocated; recursion depth is fixed by the tables (no rule recurses
 * into arbitrary custom content); the first rule broken ends the walk and fills the error
 * with "<label>: <path>: <rule>", where label is the object id (or "object" while the id is
 * missing or bad) and path is built in a fixed buffer in struct ctx as the walk descends.
 *
 * Where the OASIS schemas carry a regular expression with a precedence slip (an unanchored
 * alternation), the check here keeps what the schema rejects and adds what the
 * specification intends; each such spot says so.
 */
#include "core/stix.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/json.h"
#include "core/timeutil.h"

#define PATH_CAP 256
#define RULE_CAP 400
#define LANG_TAG_MAX 64

struct ctx;

enum kind {
	K_SKIP,         /* checked before the walk (type, id) */
	K_ANY,          /* any value properties.json allows: not null, no empty list */
	K_STR,          /* a string (open vocabularies too) */
	K_STR_NONEMPTY, /* a non-empty string */
	K_BOOL,
	K_INT,          /* integral number; F_LO / F_HI bound it */
	K_NUM,          /* any number; F_LO / F_HI bound it */
	K_TS,           /* RFC 3339 UTC timestamp */
	K_TS_MS,        /* ... with at least millisecond precision (created, modified) */
	K_TS_SEC,       /* ... without fraction (windows-pebinary-ext time_date_stamp) */
	K_SPEC_VERSION, /* exactly "2.1" */
	K_REF,          /* one identifier; arg: struct ref_rule */
	K_REFS,         /* non-empty list of identifiers; arg: struct ref_rule */
	K_STRS,         /* non-empty list of strings */
	K_ENUM,         /* closed vocabulary; arg: NULL-terminated list */
	K_ENUMS,        /* non-empty list of closed vocabulary values */
	K_HASHES,       /* hashes-type */
	K_DICT,         /* dictionary; arg: struct dict_rule */
	K_MARKING,      /* one known marking-definition id */
	K_MARKINGS,     /* non-empty list of known marking-definition ids */
	K_EXTENSIONS,   /* the extensions dictionary */
	K_HEX,
	K_BIN,
	K_URL,
	K_LANG,   /* RFC 5646 language tag */
	K_OBJECT, /* any JSON object */
	K_OBJ,    /* an object checked by arg: struct obj_rule */
	K_OBJS,   /* non-empty list of objects checked by arg: struct obj_rule */
	K_FUNC    /* arg: struct fn_rule */
};

#define F_REQ 1u
#define F_LO 2u
#define F_HI 4u

struct prop_rule {
	const char *name;
	unsigned char kind;
	unsigned char flags;
	const void *arg;
	double lo, hi;
};

/* obj_rule flags */
#define O_TOPLEVEL 1u /* unknown members are custom properties: name and value rules apply */
#define O_CLOSED 2u   /* unknown members are refused */
#define O_NONEMPTY 4u /* at least one member */

struct obj_rule {
	const char *what; /* for messages: "attack-pattern objects", "ntfs-ext" */
	const struct prop_rule *props;
	size_t nprops;
	const char *const *any_of; /* at least one of these must be present, or NULL */
	unsigned flags;
	pi_status (*post)(struct ctx *c, const cJSON *obj);
};

struct fn_rule {
	pi_status (*fn)(struct ctx *c, const cJSON *v);
};

/* Object categories, as bits so a reference rule can name a set of them. */
#define C_SDO 1u
#define C_SRO 2u
#define C_SCO 4u
#define C_MARKING 8u
#define C_LANG 16u
#define C_EXTDEF 32u
#define C_BUNDLE 64u
#define C_CUSTOM 128u
#define C_ALL 255u

struct ref_rule {
	const char *const *types; /* allowed types, or NULL to use cats */
	unsigned cats;
	const char *expect;   /* "an identity", for messages */
	int sdo_prefix_quirk; /* observed-data object_refs: refuse ids that begin with an SDO name
	                       */
};

enum dict_key { DK_GENERIC, DK_EXIF, DK_SOCKOPT, DK_LANG };
enum dict_value { DV_ANY, DV_STRING, DV_STRING_OR_INT, DV_INT, DV_STRLIST, DV_HEADER, DV_OBJECT };

struct dict_rule {
	unsigned char key;
	unsigned char value;
};

struct ext_rule {
	const char *name;
	const struct obj_rule *rule;
};

struct type_spec {
	const char *type;
	unsigned cat;
	const struct obj_rule *rule;
	const struct ext_rule *exts; /* predefined "-ext" extensions, NULL-name terminated */
};

struct ctx {
	const struct pi_stix_options *opt;
	struct pi_error *err;
	const char *label;
	const cJSON *embedded;       /* observed-data "objects" while checking embedded SCOs */
	const struct ext_rule *exts; /* predefined extensions of the object being checked */
	const cJSON *marked;         /* the object granular-marking selectors resolve in */
	int extdef_only;             /* marking-definition: only extension-definition-- keys */
	size_t plen;
	char path[PATH_CAP];
};

/* ---- messages and paths -------------------------------------------------------------- */

static pi_status fail(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static pi_status fail(struct ctx *c, const char *fmt, ...)
{
	char rule[RULE_CAP];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rule, sizeof(rule), fmt, ap);
	va_end(ap);
	if (n < 0)
		rule[0] = '\0';
	else if ((size_t)n >= sizeof(rule))
		memcpy(rule + sizeof(rule) - 4, "...", 4);
	return pi_error_set(c->err, PI_ERR_INVALID, "%.300s: %s: %s", c->label,
	        c->plen ? c->path : "object", rule);
}

/* Appends ".name" (or "name" at the start) to the path; returns the length to restore. */
static size_t path_push(struct ctx *c, const char *name)
{
	size_t old = c->plen, n = strlen(name), room;

	if (old + 1 >= PATH_CAP)
		return old;
	if (old) {
		c->path[c->plen++] = '.';
	}
	room = PATH_CAP - 1 - c->plen;
	if (n > room)
		n = room;
	memcpy(c->path + c->plen, name, n);
	c->plen += n;
	c->path[c->plen] = '\0';
	return old;
}

static size_t path_push_index(struct ctx *c, int index)
{
	size_t old = c->plen;
	char digits[16];
	int nd = 0;

	do {
		digits[nd++] = (char)('0' + index % 10);
		index /= 10;
	} while (index > 0 && nd < 12);
	if (c->plen + (size_t)nd + 3 >= PATH_CAP)
		return old;
	c->path[c->plen++] = '[';
	while (nd > 0)
		c->path[c->plen++] = digits[--nd];
	c->path[c->plen++] = ']';
	c->path[c->plen] = '\0';
	return old;
}

static void path_pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

static const char *json_kind(const cJSON *v)
{
	if (!v)
		return "missing";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "a list";
	if (cJSON_IsObject(v))
		return "an object";
	return "an unknown value";
}

/* Writes a number for a message: integral values without exponent or fraction. */
static const char *num_text(double d, char *buf, size_t size)
{
	if (isfinite(d) && d == floor(d) && fabs(d) < 1e15)
		snprintf(buf, size, "%lld", (long long)d);
	else
		snprintf(buf, size, "%.17g", d);
	return buf;
}

/* ---- small syntax checks ------------------------------------------------------------- */

static int is_lower(int ch)
{
	return ch >= 'a' && ch <= 'z';
}

static int is_upper(int ch)
{
	return ch >= 'A' && ch <= 'Z';
}

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_alpha(int ch)
{
	return is_lower(ch) || is_upper(ch);
}

static int is_alnum(int ch)
{
	return is_alpha(ch) || is_digit(ch);
}

static int is_hex(int ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static int in_list_n(const char *s, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strncmp(s, *list, len) == 0 && (*list)[len] == '\0')
			return 1;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A type name: ^[a-z][a-z0-9]*(-[a-z0-9]+)*$, 3-250 characters (core.json's pattern, whose
 * trailing optional hyphen no identifier could carry, and the spec's "no --"). */
static int type_name_valid_n(const char *s, size_t n)
{
	if (n < 3 || n > 250 || !is_lower((unsigned char)s[0]) || s[n - 1] == '-')
		return 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '-') {
			if (s[i - 1] == '-')
				return 0;
		} else if (!is_lower(ch) && !is_digit(ch)) {
			return 0;
		}
	}
	return 1;
}

/* Property names: "id" or ^[a-z][a-z0-9_]{2,249}$ (properties.json and the spec). */
static int prop_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (strcmp(s, "id") == 0)
		return 1;
	if (n < 3 || n > 250 || !is_lower((unsigned char)s[0]))
		return 0;
	for (size_t i = 1; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!is_lower(ch) && !is_digit(ch) && ch != '_')
			return 0;
	}
	return 1;
}

/* ^([a-z][a-z0-9]*)+(-[a-z0-9]+)*-ext$ */
static int ext_name_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 5 && ends_with(s, "-ext") && type_name_valid_n(s, n);
}

static int uuid_valid(const char *u)
{
	for (int i = 0; i < 36; i++) {
		unsigned char ch = (unsigned char)u[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (ch != '-')
				return 0;
		} else if (!is_hex(ch)) {
			return 0;
		}
	}
	if (u[36] != '\0')
		return 0;
	if (u[14] < '1' || u[14] > '5')
		return 0;
	return strchr("89abAB", u[19]) != NULL && u[19] != '\0';
}

int pi_stix_id_valid(const char *s, const char *type)
{
	const char *sep;
	size_t n;

	if (!s)
		return 0;
	sep = strstr(s, "--");
	if (!sep)
		return 0;
	n = (size_t)(sep - s);
	if (!type_name_valid_n(s, n) || !uuid_valid(sep + 2))
		return 0;
	if (type && (strlen(type) != n || memcmp(s, type, n) != 0))
		return 0;
	return 1;
}

static const char *const tlp_ids[] = {
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", /* TLP 1.0 white */
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", /* TLP 1.0 green */
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", /* TLP 1.0 amber */
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", /* TLP 1.0 red */
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", /* TLP 2.0 clear */
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", /* TLP 2.0 green */
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", /* TLP 2.0 amber */
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", /* TLP 2.0 amber+strict */
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", /* TLP 2.0 red */
        NULL};
static const char *const tlp_names[] = {"TLP:WHITE", "TLP:GREEN", "TLP:AMBER", "TLP:RED",
        "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"};
static const char *const tlp1_colours[] = {"white", "green", "amber", "red"};

static int tlp_index(const char *id)
{
	for (int i = 0; tlp_ids[i]; i++)
		if (strcmp(id, tlp_ids[i]) == 0)
			return i;
	return -1;
}

int pi_stix_marking_is_tlp(const char *id)
{
	return id && tlp_index(id) >= 0;
}

/* Base64 as binary.json: groups of 4, padding only at the end. */
static int base64_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n % 4 != 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (is_alnum(ch) || ch == '+' || ch == '/')
			continue;
		if (ch == '=' && (i == n - 1 || (i == n - 2 && s[n - 1] == '=')))
			continue;
		return 0;
	}
	return 1;
}

static int hex_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_hex((unsigned char)s[i]))
			return 0;
	return 1;
}

static int hex_len(const char *s, size_t want)
{
	return strlen(s) == want && hex_valid(s);
}

/* An absolute URI (RFC 3986): scheme ":" and a non-empty rest without white space or
 * control characters. */
static int url_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!is_alpha(*p))
		return 0;
	while (is_alnum(*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	if (*p != ':' || p[1] == '\0')
		return 0;
	for (; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* RFC 5646 language tag, loosely: a primary subtag of 2-8 letters, then subtags of 1-8
 * letters and digits, separated by single hyphens. */
static int lang_tag_valid(const char *s)
{
	size_t i, seg = 0, nseg = 0;

	for (i = 0; s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i >= LANG_TAG_MAX)
			return 0;
		if (ch == '-') {
			if (seg == 0 || (nseg == 0 && seg < 2))
				return 0;
			seg = 0;
			nseg++;
			continue;
		}
		if (nseg == 0 ? !is_alpha(ch) : !is_alnum(ch))
			return 0;
		if (++seg > 8)
			return 0;
	}
	return seg > 0 && (nseg > 0 || seg >= 2);
}

/* software.languages items, the schema's expression restated:
 * ^([a-z]{2}(-[A-Z]{2})?(-[a-z]{4})?(-[A-Z]{2}|[0-9]{3})?(-[a-z0-9]{5,8}|[0-9][a-z0-9]{3})*
 *  (-[a-z0-9]{1,8})*|[a-z]{3})$
 * matched by a small backtracking walk over its stages (input capped in length). */
static int run_len(const char *s, int (*cls)(int))
{
	int n = 0;

	while (s[n] && cls((unsigned char)s[n]))
		n++;
	return n;
}

static int is_lower_or_digit(int ch)
{
	return is_lower(ch) || is_digit(ch);
}

static int lang_stage(const char *s, int stage)
{
	int n;

	if (stage == 4) { /* (-[a-z0-9]{1,8})* */
		while (*s == '-') {
			n = run_len(s + 1, is_lower_or_digit);
			if (n < 1 || n > 8)
				return 0;
			s += 1 + n;
		}
		return *s == '\0';
	}
	if (stage == 3) { /* (-[a-z0-9]{5,8}|[0-9][a-z0-9]{3})* then stage 4 */
		if (lang_stage(s, 4))
			return 1;
		if (*s == '-') {
			n = run_len(s + 1, is_lower_or_digit);
			for (int k = 5; k <= 8 && k <= n; k++)
				if (lang_stage(s + 1 + k, 3))
					return 1;
		}
		if (is_digit((unsigned char)s[0]) && run_len(s + 1, is_lower_or_digit) >= 3)
			return lang_stage(s + 4, 3);
		return 0;
	}
	if (stage == 2) { /* (-[A-Z]{2}|[0-9]{3})? */
		if (lang_stage(s, 3))
			return 1;
		if (s[0] == '-' && is_upper((unsigned char)s[1]) && is_upper((unsigned char)s[2]) &&
		        lang_stage(s + 3, 3))
			return 1;
		return is_digit((unsigned char)s[0]) && is_digit((unsigned char)s[1]) &&
		       is_digit((unsigned char)s[2]) && lang_stage(s + 3, 3);
	}
	if (stage == 1) { /* (-[a-z]{4})? */
		if (lang_stage(s, 2))
			return 1;
		return s[0] == '-' && run_len(s + 1, is_lower) >= 4 && lang_stage(s + 5, 2);
	}
	/* stage 0: (-[A-Z]{2})? */
	if (lang_stage(s, 1))
		return 1;
	return s[0] == '-' && is_upper((unsigned char)s[1]) && is_upper((unsigned char)s[2]) &&
	       lang_stage(s + 3, 1);
}

static int software_language_valid(const char *s)
{
	size_t n = strlen(s);

	if (n > LANG_TAG_MAX)
		return 0;
	if (n == 3 && is_lower((unsigned char)s[0]) && is_lower((unsigned char)s[1]) &&
	        is_lower((unsigned char)s[2]))
		return 1;
	return n >= 2 && is_lower((unsigned char)s[0]) && is_lower((unsigned char)s[1]) &&
	       lang_stage(s + 2, 0);
}

/* One CPE 2.3 formatted-string component (software.json's expression): "*" or "-", or
 * an optional leading "*" or run of "?", then one or more of [A-Za-z0-9._-] or a
 * backslash-escaped punctuation character, then an optional trailing "*" or run of "?".
 * Returns the length consumed, 0 if none. */
static size_t cpe_component(const char *s)
{
	static const char escapable[] = "\\*?!\"#$%&'()+,/:;<=>@[]^`{|}~";
	size_t i = 0, body = 0;

	if ((s[0] == '*' || s[0] == '-') && (s[1] == ':' || s[1] == '\0'))
		return 1;
	if (s[i] == '*')
		i++;
	else
		while (s[i] == '?')
			i++;
	for (;;) {
		unsigned char ch = (unsigned char)s[i];

		if (is_alnum(ch) || ch == '-' || ch == '.' || ch == '_') {
			i++;
		} else if (ch == '\\' && s[i + 1] && strchr(escapable, s[i + 1])) {
			i += 2;
		} else {
			break;
		}
		body++;
	}
	if (body == 0)
		return 0;
	if (s[i] == '*')
		i++;
	else
		while (s[i] == '?')
			i++;
	return i;
}

static size_t cpe_language(const char *s)
{
	size_t i = 0;

	if ((s[0] == '*' || s[0] == '-') && (s[1] == ':' || s[1] == '\0'))
		return 1;
	while (i < 3 && is_alpha((unsigned char)s[i]))
		i++;
	if (i < 2)
		return 0;
	if (s[i] == '-') {
		if (is_alpha((unsigned char)s[i + 1]) && is_alpha((unsigned char)s[i + 2]))
			return i + 3;
		if (is_digit((unsigned char)s[i + 1]) && is_digit((unsigned char)s[i + 2]) &&
		        is_digit((unsigned char)s[i + 3]))
			return i + 4;
		return 0;
	}
	return i;
}

static int cpe_valid(const char *s)
{
	size_t n;

	if (strncmp(s, "cpe:2.3:", 8) != 0 || !strchr("aho*-", s[8]) || s[8] == '\0')
		return 0;
	s += 9;
	for (int k = 0; k < 10; k++) {
		if (*s != ':')
			return 0;
		s++;
		n = k == 5 ? cpe_language(s) : cpe_component(s);
		if (n == 0)
			return 0;
		s += n;
	}
	return *s == '\0';
}

/* ipv4-addr value: dotted quad without leading zeros, optional /0-32. */
static int ipv4_number(const char **pp, int max)
{
	const char *p = *pp;
	int v = 0, n = 0;

	while (is_digit((unsigned char)p[n]) && n < 4) {
		v = v * 10 + (p[n] - '0');
		n++;
	}
	if (n == 0 || n > 3 || (n > 1 && p[0] == '0') || v > max)
		return -1;
	*pp = p + n;
	return v;
}

static int ipv4_valid(const char *s)
{
	for (int i = 0; i < 4; i++) {
		if (ipv4_number(&s, 255) < 0)
			return 0;
		if (i < 3 && *s++ != '.')
			return 0;
	}
	if (*s == '/') {
		s++;
		if (ipv4_number(&s, 32) < 0)
			return 0;
	}
	return *s == '\0';
}

/* ipv6-addr value: RFC 4291 text form in hex groups, one "::" at most, an optional
 * "%zone" and "/0-128". The schema's expression cannot match an embedded dotted IPv4
 * tail (its \d lost the backslash), so such forms are refused here too. */
static int ipv6_valid(const char *s)
{
	int groups = 0, gap = 0;
	const char *p = s;

	if (p[0] == ':' && p[1] == ':') {
		gap = 1;
		p += 2;
	} else if (p[0] == ':') {
		return 0;
	}
	while (*p && *p != '%' && *p != '/') {
		int n = 0;

		while (n < 5 && is_hex((unsigned char)p[n]))
			n++;
		if (n == 0 || n > 4)
			return 0;
		groups++;
		p += n;
		if (*p == ':') {
			if (p[1] == ':') {
				if (gap)
					return 0;
				gap = 1;
				p += 2;
			} else {
				p++;
				if (*p == '\0' || *p == '%' || *p == '/')
					return 0;
			}
		} else if (*p && *p != '%' && *p != '/') {
			return 0;
		}
	}
	if (gap ? groups > 7 : groups != 8)
		return 0;
	if (*p == '%') {
		p++;
		if (*p == '\0' || *p == '/')
			return 0;
		while (*p && *p != '/') {
			if ((unsigned char)*p <= 0x20)
				return 0;
			p++;
		}
	}
	if (*p == '/') {
		p++;
		if (ipv4_number(&p, 128) < 0)
			return 0;
	}
	return *p == '\0';
}

/* mac-addr value: ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ (lower case only). */
static int mac_valid(const char *s)
{
	if (strlen(s) != 17)
		return 0;
	for (int i = 0; i < 17; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i % 3 == 2) {
			if (ch != ':')
				return 0;
		} else if (!is_digit(ch) && !(ch >= 'a' && ch <= 'f')) {
			return 0;
		}
	}
	return 1;
}

/* path_enc / name_enc: ^[a-zA-Z0-9/.+_:-]{2,250}$ */
static int charset_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 250)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum((unsigned char)s[i]) && !strchr("/.+_:-", s[i]))
			return 0;
	return 1;
}

/* Dictionary keys: 1-250 of [a-zA-Z0-9_-]. */
static int dict_key_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > 250)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

static int no_space_or_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* ---- object categories --------------------------------------------------------------- */

static const char *const sdo_types[] = {"attack-pattern", "campaign", "course-of-action",
        "grouping", "identity", "incident", "indicator", "infrastructure", "intrusion-set",
        "location", "malware", "malware-analysis", "note", "observed-data", "opinion", "report",
        "threat-actor", "tool", "vulnerability", NULL};
static const char *const sco_types[] = {"artifact", "autonomous-system", "directory", "domain-name",
        "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
        "network-traffic", "process", "software", "url", "user-account", "windows-registry-key",
        "x509-certificate", NULL};

static unsigned category_n(const char *type, size_t n)
{
	if (in_list_n(type, n, sdo_types))
		return C_SDO;
	if (in_list_n(type, n, sco_types))
		return C_SCO;
	if ((n == 12 && memcmp(type, "relationship", 12) == 0) ||
	        (n == 8 && memcmp(type, "sighting", 8) == 0))
		return C_SRO;
	if (n == 18 && memcmp(type, "marking-definition", 18) == 0)
		return C_MARKING;
	if (n == 16 && memcmp(type, "language-content", 16) == 0)
		return C_LANG;
	if (n == 20 && memcmp(type, "extension-definition", 20) == 0)
		return C_EXTDEF;
	if (n == 6 && memcmp(type, "bundle", 6) == 0)
		return C_BUNDLE;
	return C_CUSTOM;
}

/* ---- value checks -------------------------------------------------------------------- */

static pi_status check_value(struct ctx *c, const struct prop_rule *r, const cJSON *v);
static pi_status check_object(struct ctx *c, const cJSON *obj, const struct obj_rule *common,
        const struct obj_rule *rule);

static pi_status need_string(struct ctx *c, const cJSON *v)
{
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail(c, "must be a string, not %s", json_kind(v));
	return PI_OK;
}

/* properties.json: a custom value may be anything but null or an empty list. */
static pi_status check_generic(struct ctx *c, const cJSON *v)
{
	if (cJSON_IsNull(v))
		return fail(c, "must not be null (leave the property out instead)");
	if (cJSON_IsArray(v) && !v->child)
		return fail(c, "must not be an empty list (leave the property out instead)");
	if (cJSON_IsInvalid(v) || cJSON_IsRaw(v))
		return fail(c, "is not a JSON value");
	return PI_OK;
}

static pi_status check_time(struct ctx *c, const cJSON *v, int kind, struct pi_time *out)
{
	struct pi_error terr;
	struct pi_time t;

	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (pi_time_parse(v->valuestring, &t, &terr) != PI_OK)
		return fail(c, "%s", terr.message);
	if (kind == K_TS_MS && t.frac_digits < 3)
		return fail(c,
		        "'%.40s' must be precise to the millisecond: expected at least 3 fraction "
		        "digits, like 2016-05-12T08:17:27.000Z",
		        v->valuestring);
	if (kind == K_TS_SEC && t.frac_digits > 0)
		return fail(c,
		        "'%.40s' must have no fraction of a second, like 2016-05-12T08:17:27Z",
		        v->valuestring);
	if (out)
		*out = t;
	return PI_OK;
}

static const cJSON *embedded_target(struct ctx *c, const char *key)
{
	if (!c->embedded)
		return NULL;
	return cJSON_GetObjectItemCaseSensitive(c->embedded, key);
}

static pi_status check_ref(struct ctx *c, const cJSON *v, const struct ref_rule *rr)
{
	const char *s, *sep;
	size_t n;
	unsigned cat;
	const cJSON *target;

	if (need_string(c, v))
		return PI_ERR_INVALID;
	s = v->valuestring;
	target = embedded_target(c, s);
	if (target) {
		/* observed-data "objects": references name keys of the same dictionary */
		const char *tt = pi_json_get_string(target, "type");

		if (!tt)
			return fail(c, "'%.80s' names an object without a type", s);
		n = strlen(tt);
		if (rr->types ? !in_list_n(tt, n, rr->types) : !(category_n(tt, n) & rr->cats))
			return fail(c, "'%.80s' must reference %s, not a '%.60s' object", s,
			        rr->expect, tt);
		return PI_OK;
	}
	if (!pi_stix_id_valid(s, NULL))
		return fail(c,
		        "'%.100s' is not a STIX identifier: expected '<type>--<RFC 4122 UUID>'%s",
		        s, c->embedded ? " or a key of objects" : "");
	sep = strstr(s, "--");
	n = (size_t)(sep - s);
	cat = category_n(s, n);
	if (rr->types ? !in_list_n(s, n, rr->types) : !(cat & rr->cats))
		return fail(c, "'%.100s' must reference %s, not a '%.*s' object", s, rr->expect,
		        (int)(n > 60 ? 60 : n), s);
	if (rr->sdo_prefix_quirk && cat == C_CUSTOM) {
		/* observed-data.json refuses any id that merely begins with an SDO type name */
		for (const char *const *t = sdo_types; *t; t++)
			if (starts_with(s, *t))
				return fail(c,
				        "'%.100s' must reference %s; a custom type may not begin "
				        "with the SDO type name '%s'",
				        s, rr->expect, *t);
	}
	return PI_OK;
}

static pi_status check_marking(struct ctx *c, const cJSON *v)
{
	const char *s;

	if (need_string(c, v))
		return PI_ERR_INVALID;
	s = v->valuestring;
	if (!pi_stix_id_valid(s, "marking-definition"))
		return fail(c,
		        "'%.100s' is not a marking-definition id: expected "
		        "'marking-definition--<RFC 4122 UUID>'",
		        s);
	if (tlp_index(s) >= 0)
		return PI_OK;
	if (c->opt && c->opt->marking_known && c->opt->marking_known(c->opt->arg, s))
		return PI_OK;
	return fail(c,
	        "'%.100s' is not a known marking definition: expected a TLP marking or one "
	        "stored on this hub",
	        s);
}

static pi_status check_list(struct ctx *c, const cJSON *v, const struct prop_rule *item)
{
	const cJSON *it;
	int i = 0;

	if (!cJSON_IsArray(v))
		return fail(c, "must be a list, not %s", json_kind(v));
	if (!v->child)
		return fail(c, "must not be an empty list (leave the property out instead)");
	cJSON_ArrayForEach(it, v)
	{
		size_t old = path_push_index(c, i++);
		pi_status st = check_value(c, item, it);

		path_pop(c, old);
		if (st)
			return st;
	}
	return PI_OK;
}

struct hash_algo {
	const char *name;
	size_t hex_digits; /* 0: other rule */
};

static const struct hash_algo hash_algos[] = {{"MD5", 32}, {"SHA-1", 40}, {"SHA-256", 64},
        {"SHA-512", 128}, {"SHA3-256", 64}, {"SHA3-512", 128}, {"SSDEEP", 0}, {"TLSH", 0},
        {NULL, 0}};

/* hashes-type.json. only_known: external references allow only the listed algorithms. */
static pi_status check_hashes(struct ctx *c, const cJSON *v, int only_known)
{
	const cJSON *h;

	if (!cJSON_IsObject(v))
		return fail(c, "must be an object of hash name to value, not %s", json_kind(v));
	if (!v->child)
		return fail(c, "must hold at least one hash");
	cJSON_ArrayForEach(h, v)
	{
		const char *k = h->string, *val;
		size_t n = strlen(k), old;
		const struct hash_algo *a;
		pi_status st = PI_OK;

		old = path_push(c, k);
		for (a = hash_algos; a->name; a++)
			if (strcmp(k, a->name) == 0)
				break;
		if (n < 3 || n > 250 || !dict_key_valid(k)) {
			st = fail(c,
			        "'%.60s' is not a valid hash name: expected 3-250 characters "
			        "of A-Z, a-z, 0-9, _ and -",
			        k);
		} else if (!a->name && only_known) {
			st = fail(c,
			        "'%.60s' is not a hash algorithm external references allow: "
			        "expected MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512, "
			        "SSDEEP or TLSH",
			        k);
		} else if (need_string(c, h)) {
			st = PI_ERR_INVALID;
		} else if (a->name) {
			val = h->valuestring;
			if (a->hex_digits && !hex_len(val, a->hex_digits)) {
				st = fail(c,
				        "'%.140s' is not a valid %s hash: expected %zu hexadecimal "
				        "digits",
				        val, k, a->hex_digits);
			} else if (strcmp(k, "SSDEEP") == 0) {
				size_t m = strlen(val);
				int ok = m >= 1 && m <= 128;

				for (size_t i = 0; ok && i < m; i++)
					ok = is_alnum((unsigned char)val[i]) ||
					     strchr("/+:.", val[i]);
				if (!ok)
					st = fail(c,
					        "'%.140s' is not an SSDEEP hash: expected 1-128 of "
					        "A-Z, a-z, 0-9, /, +, : and .",
					        val);
			} else if (strcmp(k, "TLSH") == 0) {
				int ok = strlen(val) == 70;

				for (size_t i = 0; ok && i < 70; i++)
					ok = is_alnum((unsigned char)val[i]);
				if (!ok)
					st = fail(c,
					        "'%.140s' is not a TLSH hash: expected 70 letters "
					        "and digits",
					        val);
			}
		}
		path_pop(c, old);
		if (st)
			return st;
	}
	return PI_OK;
}

/* process windows-process-ext startup_info: the STARTUPINFO members the schema names. */
static const char *const startup_string_keys[] = {"lpDesktop", "lpTitle", "dwFillAttribute",
        "dwFlags", "wShowWindow", "hStdInput", "hStdOutput", "hStdError", NULL};
static const char *const startup_int_keys[] = {"cb", "dwX", "dwY", "dwXSize", "dwYSize",
        "dwXCountChars", "dwYCountChars", "cbReserved2", NULL};

static pi_status check_dict(struct ctx *c, const cJSON *v, const struct dict_rule *dr)
{
	const cJSON *e;

	if (!cJSON_IsObject(v))
		return fail(c, "must be a dictionary (JSON object), not %s", json_kind(v));
	if (!v->child)
		return fail(c, "must not be an empty dictionary (leave the property out instead)");
	cJSON_ArrayForEach(e, v)
	{
		const char *k = e->string;
		size_t old = path_push(c, k);
		pi_status st = PI_OK;

		if (!dict_key_valid(k)) {
			st = fail(c,
			        "'%.60s' is not a valid dictionary key: expected 1-250 "
			        "characters of A-Z, a-z, 0-9, _ and -",
			        k);
		} else if (dr->key == DK_EXIF && !(is_upper((unsigned char)k[0]) && k[1])) {
			st = fail(c,
			        "'%.60s' is not an EXIF tag name: expected an upper-case letter "
			        "then letters, digits, _ or -",
			        k);
		} else if (dr->key == DK_LANG && !lang_tag_valid(k)) {
			st = fail(c, "'%.60s' is not an RFC 5646 language tag", k);
		} else if (dr->key == DK_SOCKOPT) {
			static const char *const prefixes[] = {"SO_", "ICMP_", "ICMP6_", "IP_",
			        "IPV6_", "MCAST_", "TCP_", "IRLMP_", NULL};
			const char *rest = NULL;

			for (const char *const *p = prefixes; *p && !rest; p++)
				if (starts_with(k, *p))
					rest = k + strlen(*p) - 1;
			for (int ok = rest != NULL; ok && *rest;) {
				/* (_[A-Z]+)+ */
				if (*rest != '_' || !is_upper((unsigned char)rest[1])) {
					rest = NULL;
					break;
				}
				rest++;
				while (is_upper((unsigned char)*rest))
					rest++;
			}
			if (!rest)
				st = fail(c,
				        "'%.60s' is not a socket option name like SO_REUSEADDR", k);
		}
		if (!st) {
			if (cJSON_IsNull(e)) {
				st = check_generic(c, e);
			} else if (cJSON_IsArray(e) && !e->child) {
				st = check_generic(c, e);
			} else {
				switch (dr->value) {
				case DV_STRING: st = need_string(c, e); break;
				case DV_INT:
					if (!cJSON_IsNumber(e) ||
					        e->valuedouble != floor(e->valuedouble))
						st = fail(c, "must be an integer, not %s",
						        json_kind(e));
					break;
				case DV_STRING_OR_INT:
					if (!cJSON_IsString(e) &&
					        !(cJSON_IsNumber(e) &&
					                e->valuedouble == floor(e->valuedouble)))
						st = fail(c,
						        "must be a string or an integer, not %s",
						        json_kind(e));
					break;
				case DV_STRLIST:
				case DV_HEADER: {
					const cJSON *it;
					int count = 0;

					if (dr->value == DV_HEADER && cJSON_IsString(e))
						break;
					if (!cJSON_IsArray(e)) {
						st = fail(c, "must be %s, not %s",
						        dr->value == DV_HEADER
						                ? "a string or a list of strings"
						                : "a list of strings",
						        json_kind(e));
						break;
					}
					cJSON_ArrayForEach(it, e)
					{
						count++;
						if (!cJSON_IsString(it)) {
							st = fail(c,
							        "must hold only strings, not %s",
							        json_kind(it));
							break;
						}
					}
					if (!st && dr->value == DV_HEADER && count < 2)
						st = fail(c, "a single header value must be "
						             "written as a "
						             "string, not a list of one");
					break;
				}
				case DV_OBJECT:
					if (!cJSON_IsObject(e))
						st = fail(c, "must be an object, not %s",
						        json_kind(e));
					break;
				default: break;
				}
			}
		}
		path_pop(c, old);
		if (st)
			return st;
	}
	return PI_OK;
}

static const char *const ext_types[] = {
        "new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension", NULL};

static const struct prop_rule extdef_ext_props[] = {
        {"extension_type", K_ENUM, F_REQ, ext_types, 0, 0},
};
static const struct obj_rule extdef_ext_rule = {
        "extensions", extdef_ext_props, 1, NULL, O_TOPLEVEL | O_NONEMPTY, NULL};
static const struct obj_rule custom_ext_rule = {
        "extensions", NULL, 0, NULL, O_TOPLEVEL | O_NONEMPTY, NULL};

static pi_status check_extensions(struct ctx *c, const cJSON *v)
{
	const cJSON *e;

	if (!cJSON_IsObject(v))
		return fail(c, "must be an object of extension name to extension, not %s",
		        json_kind(v));
	if (!v->child)
		return fail(c, "must not be empty (leave the property out instead)");
	cJSON_ArrayForEach(e, v)
	{
		const char *k = e->string;
		size_t old = path_push(c, k);
		const struct obj_rule *rule = NULL;
		pi_status st;

		if (pi_stix_id_valid(k, "extension-definition")) {
			rule = &extdef_ext_rule;
		} else if (!c->extdef_only && ext_name_valid(k)) {
			rule = &custom_ext_rule;
			for (const struct ext_rule *x = c->exts; x && x->name; x++)
				if (strcmp(k, x->name) == 0)
					rule = x->rule;
		}
		if (!rule) {
			st = fail(c, "'%.80s' is not a valid extension name: expected %s", k,
			        c->extdef_only
			                ? "'extension-definition--<UUID>'"
			                : "'extension-definition--<UUID>' or a name ending in "
			                  "'-ext' (a-z, 0-9, single hyphens)");
		} else {
			st = check_object(c, e, NULL, rule);
		}
		path_pop(c, old);
		if (st)
			return st;
	}
	return PI_OK;
}

static pi_status check_value(struct ctx *c, const struct prop_rule *r, const cJSON *v)
{
	char nb[40], lb[40];
	double d;

	switch ((enum kind)r->kind) {
	case K_SKIP: return PI_OK;
	case K_ANY: return check_generic(c, v);
	case K_STR: return need_string(c, v);
	case K_STR_NONEMPTY:
		if (need_string(c, v))
			return PI_ERR_INVALID;
		if (!v->valuestring[0])
			return fail(c, "must not be an empty string");
		return PI_OK;
	case K_BOOL:
		if (!cJSON_IsBool(v))
			return fail(c, "must be true or false, not %s", json_kind(v));
		return PI_OK;
	case K_INT:
	case K_NUM:
		if (!cJSON_IsNumber(v))
			return fail(c, "must be %s, not %s",
			        r->kind == K_INT ? "an integer" : "a number", json_kind(v));
		d = v->valuedouble;
		if (!isfinite(d))
			return fail(c, "must be a finite number");
		if (r->kind == K_INT && d != floor(d))
			return fail(c, "%s is not an integer", num_text(d, nb, sizeof(nb)));
		if (((r->flags & F_LO) && d < r->lo) || ((r->flags & F_HI) && d > r->hi)) {
			num_text(d, nb, sizeof(nb));
			if ((r->flags & F_LO) && (r->flags & F_HI)) {
				char hb[40];

				return fail(c, "%s is out of range: expected %s from %s to %s", nb,
				        r->kind == K_INT ? "an integer" : "a number",
				        num_text(r->lo, lb, sizeof(lb)),
				        num_text(r->hi, hb, sizeof(hb)));
			}
			if (r->flags & F_LO)
				return fail(c, "%s is out of range: expected %s of at least %s", nb,
				        r->kind == K_INT ? "an integer" : "a number",
				        num_text(r->lo, lb, sizeof(lb)));
			return fail(c, "%s is out of range: expected %s of at most %s", nb,
			        r->kind == K_INT ? "an integer" : "a number",
			        num_text(r->hi, lb, sizeof(lb)));
		}
		return PI_OK;
	case K_TS:
	case K_TS_MS:
	case K_TS_SEC: return check_time(c, v, r->kind, NULL);
	case K_SPEC_VERSION:
		if (need_string(c, v))
			return PI_ERR_INVALID;
		if (strcmp(v->valuestring, "2.1") != 0)
			return fail(
			        c, "'%.20s' is not supported: expected \"2.1\"", v->valuestring);
		return PI_OK;
	case K_REF: return check_ref(c, v, r->arg);
	case K_REFS: {
		struct prop_rule item = {r->name, K_REF, 0, r->arg, 0, 0};

		return check_list(c, v, &item);
	}
	case K_STRS: {
		struct prop_rule item = {r->name, K_STR, 0, NULL, 0, 0};

		return check_list(c, v, &item);
	}
	case K_ENUM: {
		const char *const *list = r->arg;

		if (need_string(c, v))
			return PI_ERR_INVALID;
		if (!in_list(v->valuestring, list)) {
			char expect[RULE_CAP / 2];
			size_t len = 0;

			expect[0] = '\0';
			for (; *list && len + 1 < sizeof(expect); list++) {
				int n = snprintf(expect + len, sizeof(expect) - len, "%s'%s'",
				        len ? ", " : "", *list);

				if (n < 0 || (size_t)n >= sizeof(expect) - len) {
					len = sizeof(expect) - 1;
					break;
				}
				len += (size_t)n;
			}
			return fail(c, "'%.60s' is not allowed: expected one of %s", v->valuestring,
			        expect);
		}
		return PI_OK;
	}
	case K_ENUMS: {
		struct prop_rule item = {r->name, K_ENUM, 0, r->arg, 0, 0};

		return check_list(c, v, &item);
	}
	case K_HASHES: return check_hashes(c, v, 0);
	case K_DICT: return check_dict(c, v, r->arg);
	case K_MARKING: return check_marking(c, v);
	case K_MARKINGS: {
		struct prop_rule item = {r->name, K_MARKING, 0, NULL, 0, 0};

		return check_list(c, v, &item);
	}
	case K_EXTENSIONS: return check_extensions(c, v);
	case K_HEX:
		if (need_string(c, v))
			return PI_ERR_INVALID;
		if (!hex_valid(v->valuestring))
			return fail(c,
			        "'%.80s' is not hex: expected an even number of hexadecimal "
			        "digits",
			        v->valuestring);
		return PI_OK;
	case K_BIN:
		if (need_string(c, v))
			return PI_ERR_INVALID;
		if (!base64_valid(v->valuestring))
			return fail(c, "'%.60s' is not base64 (RFC 4648, padded to groups of 4)",
			        v->valuestring);
		return PI_OK;
	case K_URL:
		if (need_string(c, v))
			return PI_ERR_INVALID;
		if (!url_valid(v->valuestring))
			return fail(c,
			        "'%.100s' is not a URL: expected an absolute URI like "
			        "https://example.com/x, without spaces",
			        v->valuestring);
		return PI_OK;
	case K_LANG:
		if (need_string(c, v))
			return PI_ERR_INVALID;
		if (!lang_tag_valid(v->valuestring))
			return fail(c,
			        "'%.60s' is not an RFC 5646 language tag like 'en' or 'fr-CA'",
			        v->valuestring);
		return PI_OK;
	case K_OBJECT:
		if (!cJSON_IsObject(v))
			return fail(c, "must be an object, not %s", json_kind(v));
		return PI_OK;
	case K_OBJ: return check_object(c, v, NULL, r->arg);
	case K_OBJS: {
		struct prop_rule item = {r->name, K_OBJ, 0, r->arg, 0, 0};

		return check_list(c, v, &item);
	}
	case K_FUNC: return ((const struct fn_rule *)r->arg)->fn(c, v);
	}
	return fail(c, "has no rule (internal error)");
}

static const struct prop_rule *find_rule(const struct obj_rule *o, const char *name, size_t *idx)
{
	if (!o)
		return NULL;
	for (size_t i = 0; i < o->nprops; i++) {
		if (o->props[i].name[0] == name[0] && strcmp(o->props[i].name, name) == 0) {
			*idx = i;
			return &o->props[i];
		}
	}
	return NULL;
}

static const char *const reserved_names[] = {
        "severity", "action", "username", "phone_numbers", NULL};

static pi_status check_custom_property(struct ctx *c, const char *name, const cJSON *v)
{
	if (!prop_name_valid(name))
		return fail(c,
		        "'%.60s' is not a valid property name: expected 3-250 characters "
		        "of a-z, 0-9 and _, starting with a letter",
		        name);
	if (in_list(name, reserved_names))
		return fail(c, "is a reserved property name in STIX 2.1 and must not be used");
	return check_generic(c, v);
}

static pi_status check_required(struct ctx *c, const struct obj_rule *o, uint64_t seen)
{
	if (!o)
		return PI_OK;
	for (size_t i = 0; i < o->nprops; i++) {
		if ((o->props[i].flags & F_REQ) && !(seen & ((uint64_t)1 << i))) {
			size_t old = path_push(c, o->props[i].name);
			pi_status st = fail(c, "is required for %s", o->what);

			path_pop(c, old);
			return st;
		}
	}
	return PI_OK;
}

static pi_status fail_any_of(struct ctx *c, const struct obj_rule *o)
{
	char names[RULE_CAP / 2];
	size_t len = 0;

	names[0] = '\0';
	for (const char *const *p = o->any_of; *p && len + 1 < sizeof(names); p++) {
		int n = snprintf(names + len, sizeof(names) - len, "%s%s", len ? ", " : "", *p);

		if (n < 0 || (size_t)n >= sizeof(names) - len)
			break;
		len += (size_t)n;
	}
	return fail(c, "%s must have at least one of: %s", o->what, names);
}

static int any_of_present(const cJSON *obj, const char *const *names)
{
	for (; *names; names++)
		if (cJSON_GetObjectItemCaseSensitive(obj, *names))
			return 1;
	return 0;
}

/* Checks obj against rule (and common, for top-level objects): every member, then the
 * required properties, the at-least-one-of set and the post checks. */
static pi_status check_object(
        struct ctx *c, const cJSON *obj, const struct obj_rule *common, const struct obj_rule *rule)
{
	uint64_t seen_common = 0, seen_rule = 0;
	const cJSON *m;
	unsigned flags = rule->flags | (common ? common->flags : 0);
	pi_status st;

	if (!cJSON_IsObject(obj))
		return fail(c, "must be an object, not %s", json_kind(obj));
	if ((flags & O_NONEMPTY) && !obj->child)
		return fail(c, "must not be an empty object");
	cJSON_ArrayForEach(m, obj)
	{
		const struct prop_rule *r;
		size_t idx = 0, old;

		if (!m->string)
			return fail(c, "has a member without a name");
		old = path_push(c, m->string);
		if ((r = find_rule(rule, m->string, &idx)) != NULL) {
			seen_rule |= (uint64_t)1 << idx;
		} else if ((r = find_rule(common, m->string, &idx)) != NULL) {
			seen_common |= (uint64_t)1 << idx;
		}
		if (r) {
			st = check_value(c, r, m);
			if (!st && (flags & O_TOPLEVEL) && r->kind != K_BIN && r->kind != K_HEX) {
				if (ends_with(m->string, "_bin") && strlen(m->string) > 4) {
					struct prop_rule b = {m->string, K_BIN, 0, NULL, 0, 0};

					st = check_value(c, &b, m);
				} else if (ends_with(m->string, "_hex") && strlen(m->string) > 4) {
					struct prop_rule h = {m->string, K_HEX, 0, NULL, 0, 0};

					st = check_value(c, &h, m);
				}
			}
		} else if (flags & O_TOPLEVEL) {
			st = check_custom_property(c, m->string, m);
			if (!st && ends_with(m->string, "_bin")) {
				struct prop_rule b = {m->string, K_BIN, 0, NULL, 0, 0};

				st = check_value(c, &b, m);
			} else if (!st && ends_with(m->string, "_hex")) {
				struct prop_rule h = {m->string, K_HEX, 0, NULL, 0, 0};

				st = check_value(c, &h, m);
			}
		} else if (flags & O_CLOSED) {
			st = fail(c, "is not a property of %s", rule->what);
		} else {
			st = PI_OK;
		}
		path_pop(c, old);
		if (st)
			return st;
	}
	if (common) {
		struct obj_rule tmp = *common;

		tmp.what = rule->what;
		if ((st = check_required(c, &tmp, seen_common)) != PI_OK)
			return st;
	}
	if ((st = check_required(c, rule, seen_rule)) != PI_OK)
		return st;
	if (rule->any_of && !any_of_present(obj, rule->any_of))
		return fail_any_of(c, rule);
	if (common && common->post && (st = common->post(c, obj)) != PI_OK)
		return st;
	if (rule->post && (st = rule->post(c, obj)) != PI_OK)
		return st;
	return PI_OK;
}

/* ---- cross-property rules ------------------------------------------------------------ */

static const cJSON *get(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* later must be > earlier (strict) or >= earlier; both already checked as timestamps. */
static pi_status check_order(
        struct ctx *c, const cJSON *obj, const char *earlier, const char *later, int strict)
{
	const cJSON *e = get(obj, earlier), *l = get(obj, later);
	struct pi_time te, tl;
	size_t old;
	pi_status st = PI_OK;
	int cmp;

	if (!cJSON_IsString(e) || !cJSON_IsString(l))
		return PI_OK;
	if (pi_time_parse(e->valuestring, &te, NULL) || pi_time_parse(l->valuestring, &tl, NULL))
		return PI_OK;
	cmp = pi_time_cmp(&tl, &te);
	old = path_push(c, later);
	if (strict && cmp <= 0)
		st = fail(c, "'%.40s' must be later than %s (%.40s)", l->valuestring, earlier,
		        e->valuestring);
	else if (!strict && cmp < 0)
		st = fail(c, "'%.40s' must not be earlier than %s (%.40s)", l->valuestring, earlier,
		        e->valuestring);
	path_pop(c, old);
	return st;
}

static pi_status fail_at(struct ctx *c, const char *prop, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static pi_status fail_at(struct ctx *c, const char *prop, const char *fmt, ...)
{
	char rule[RULE_CAP];
	size_t old = path_push(c, prop);
	va_list ap;
	int n;
	pi_status st;

	va_start(ap, fmt);
	n = vsnprintf(rule, sizeof(rule), fmt, ap);
	va_end(ap);
	if (n < 0)
		rule[0] = '\0';
	st = fail(c, "%s", rule);
	path_pop(c, old);
	return st;
}

static pi_status post_core(struct ctx *c, const cJSON *obj)
{
	return check_order(c, obj, "created", "modified", 0);
}

static pi_status post_seen(struct ctx *c, const cJSON *obj)
{
	return check_order(c, obj, "first_seen", "last_seen", 0);
}

static pi_status post_indicator(struct ctx *c, const cJSON *obj)
{
	return check_order(c, obj, "valid_from", "valid_until", 1);
}

static pi_status post_relationship(struct ctx *c, const cJSON *obj)
{
	return check_order(c, obj, "start_time", "stop_time", 1);
}

static pi_status post_location(struct ctx *c, const cJSON *obj)
{
	int lat = get(obj, "latitude") != NULL, lon = get(obj, "longitude") != NULL;

	if (lat != lon)
		return fail_at(c, lat ? "longitude" : "latitude",
		        "is required when %s is present (latitude and longitude go together)",
		        lat ? "latitude" : "longitude");
	if (get(obj, "precision") && !lat)
		return fail_at(c, "precision", "requires latitude and longitude");
	if (!lat && !get(obj, "region") && !get(obj, "country"))
		return fail_at(c, "region",
		        "a location must have at least one of: region, country, latitude and "
		        "longitude");
	return PI_OK;
}

static pi_status post_malware(struct ctx *c, const cJSON *obj)
{
	if (cJSON_IsTrue(get(obj, "is_family")) && !get(obj, "name"))
		return fail_at(c, "name", "is required when is_family is true");
	return post_seen(c, obj);
}

static pi_status post_malware_analysis(struct ctx *c, const cJSON *obj)
{
	if (!get(obj, "result") && !get(obj, "analysis_sco_refs"))
		return fail_at(c, "result",
		        "a malware-analysis must have at least one of: result, analysis_sco_refs");
	return PI_OK;
}

static pi_status post_sighting(struct ctx *c, const cJSON *obj)
{
	return post_seen(c, obj);
}

static pi_status post_observed_data(struct ctx *c, const cJSON *obj)
{
	int objects = get(obj, "objects") != NULL, refs = get(obj, "object_refs") != NULL;

	if (objects && refs)
		return fail_at(c, "objects",
		        "must not be present together with object_refs (objects is deprecated: use "
		        "object_refs)");
	if (!objects && !refs)
		return fail_at(c, "object_refs", "is required for observed-data objects");
	return check_order(c, obj, "first_observed", "last_observed", 0);
}

static pi_status post_extdef(struct ctx *c, const cJSON *obj)
{
	const cJSON *types = get(obj, "extension_types"), *t;
	int toplevel = 0;

	cJSON_ArrayForEach(t, types) if (cJSON_IsString(t) &&
	                                 strcmp(t->valuestring, "toplevel-property-extension") == 0)
	        toplevel = 1;
	if (get(obj, "extension_properties") && !toplevel)
		return fail_at(c, "extension_properties",
		        "is only allowed when extension_types includes "
		        "'toplevel-property-extension'");
	return PI_OK;
}

static pi_status post_marking(struct ctx *c, const cJSON *obj)
{
	const cJSON *dt = get(obj, "definition_type"), *def = get(obj, "definition"), *m;
	const char *id = pi_json_get_string(obj, "id");
	const char *name = pi_json_get_string(obj, "name");
	int tlp = id ? tlp_index(id) : -1;

	if (cJSON_IsString(dt) && strcmp(dt->valuestring, "tlp") == 0) {
		/* marking-definition.json's TLP branch: exactly the four TLP 1.0 objects */
		static const char *const allowed[] = {"type", "id", "spec_version", "created",
		        "name", "definition", "definition_type", NULL};
		const cJSON *colour;

		if (tlp < 0 || tlp > 3)
			return fail_at(c, "id",
			        "'%.100s' is not a TLP 1.0 marking id: definition_type 'tlp' is "
			        "reserved for the four TLP 1.0 marking definitions",
			        id ? id : "");
		cJSON_ArrayForEach(m, obj) if (!in_list(m->string, allowed)) return fail_at(
		        c, m->string, "is not allowed in a TLP 1.0 marking definition");
		if (!name || strcmp(name, tlp_names[tlp]) != 0)
			return fail_at(
			        c, "name", "must be '%s' for this TLP 1.0 marking", tlp_names[tlp]);
		if (strcmp(pi_json_get_string(obj, "created") ? pi_json_get_string(obj, "created")
		                                              : "",
		            "2017-01-20T00:00:00.000Z") != 0)
			return fail_at(c, "created",
			        "must be '2017-01-20T00:00:00.000Z' for a TLP 1.0 marking");
		colour = cJSON_GetObjectItemCaseSensitive(def, "tlp");
		if (!cJSON_IsObject(def) || !cJSON_IsString(colour) ||
		        strcmp(colour->valuestring, tlp1_colours[tlp]) != 0 ||
		        cJSON_GetArraySize(def) != 1)
			return fail_at(c, "definition",
			        "must be {\"tlp\": \"%s\"} for this TLP 1.0 marking",
			        tlp1_colours[tlp]);
		return PI_OK;
	}
	if (tlp >= 0 && tlp <= 3)
		return fail_at(c, "definition_type",
		        "must be 'tlp': %.100s is the TLP 1.0 %s marking", id, tlp_names[tlp]);
	if (tlp > 3 && name && strcmp(name, tlp_names[tlp]) != 0)
		return fail_at(c, "name", "'%.60s' must be '%s' for this TLP 2.0 marking", name,
		        tlp_names[tlp]);
	if (cJSON_IsString(dt) && strcmp(dt->valuestring, "statement") == 0) {
		const cJSON *stmt = cJSON_GetObjectItemCaseSensitive(def, "statement");

		if (!def)
			return fail_at(
			        c, "definition", "is required when definition_type is present");
		if (!cJSON_IsString(stmt))
			return fail_at(c, "definition",
			        "a statement marking needs {\"statement\": \"<text>\"}, and "
			        "statement "
			        "must be a string");
		return PI_OK;
	}
	if (cJSON_IsString(dt) &&
	        (starts_with(dt->valuestring, "statement") || ends_with(dt->valuestring, "tlp")))
		return fail_at(c, "definition_type",
		        "'%.60s' is reserved: definition types beginning with 'statement' or "
		        "ending "
		        "in 'tlp' are not allowed",
		        dt->valuestring);
	if (!get(obj, "extensions")) {
		if (!dt)
			return fail_at(c, "definition_type",
			        "is required for marking-definition objects without extensions");
		if (!def)
			return fail_at(c, "definition",
			        "is required for marking-definition objects without extensions");
	}
	return PI_OK;
}

static pi_status post_granular(struct ctx *c, const cJSON *gm);

static pi_status post_extref(struct ctx *c, const cJSON *er)
{
	const char *src = pi_json_get_string(er, "source_name");
	const cJSON *xid = get(er, "external_id");
	const char *id = cJSON_IsString(xid) ? xid->valuestring : NULL;
	int is_cve = 0, is_capec = 0;

	if (id && strncmp(id, "CVE-", 4) == 0) {
		/* ^CVE-\d{4}-(0\d{3}|[1-9]\d{3,})$ */
		const char *p = id + 4;
		size_t n = 0;

		is_cve = is_digit((unsigned char)p[0]) && is_digit((unsigned char)p[1]) &&
		         is_digit((unsigned char)p[2]) && is_digit((unsigned char)p[3]) &&
		         p[4] == '-';
		if (is_cve) {
			p += 5;
			while (is_digit((unsigned char)p[n]))
				n++;
			is_cve = p[n] == '\0' && (p[0] == '0' ? n == 4 : n >= 4);
		}
	}
	if (id && strncmp(id, "CAPEC-", 6) == 0) {
		const char *p = id + 6;

		is_capec = *p != '\0';
		for (; *p && is_capec; p++)
			is_capec = is_digit((unsigned char)*p);
	}
	if (src && strcmp(src, "cve") == 0) {
		if (!id)
			return fail_at(c, "external_id", "is required when source_name is 'cve'");
		if (!is_cve)
			return fail_at(c, "external_id",
			        "'%.60s' is not a CVE id: expected CVE-YYYY-NNNN (4 or more "
			        "digits)",
			        id);
		return PI_OK;
	}
	if (src && strcmp(src, "capec") == 0) {
		if (!id)
			return fail_at(c, "external_id", "is required when source_name is 'capec'");
		if (!is_capec)
			return fail_at(c, "external_id",
			        "'%.60s' is not a CAPEC id: expected CAPEC-N", id);
		return PI_OK;
	}
	if (is_cve || is_capec)
		return fail_at(c, "source_name",
		        "'%.60s' does not match external_id '%.40s': expected '%s'", src ? src : "",
		        id, is_cve ? "cve" : "capec");
	if (!id && !get(er, "description") && !get(er, "url"))
		return fail_at(c, "source_name",
		        "an external reference must have at least one of: external_id, "
		        "description, "
		        "url");
	return PI_OK;
}

static pi_status check_extref_hashes(struct ctx *c, const cJSON *v)
{
	return check_hashes(c, v, 1);
}

/* ---- rules for the nested structures ------------------------------------------------- */

static const struct fn_rule fn_extref_hashes = {check_extref_hashes};

static const struct prop_rule extref_props[] = {
        {"source_name", K_STR, F_REQ, NULL, 0, 0},
        {"description", K_STR, 0, NULL, 0, 0},
        {"url", K_URL, 0, NULL, 0, 0},
        {"hashes", K_FUNC, 0, &fn_extref_hashes, 0, 0},
        {"external_id", K_STR, 0, NULL, 0, 0},
};
static const struct obj_rule extref_rule = {
        "external references", extref_props, 5, NULL, 0, post_extref};

static const struct prop_rule kcp_props[] = {
        {"kill_chain_name", K_STR, F_REQ, NULL, 0, 0},
        {"phase_name", K_STR, F_REQ, NULL, 0, 0},
};
static const struct obj_rule kcp_rule = {"kill chain phases", kcp_props, 2, NULL, 0, NULL};

static pi_status check_selectors(struct ctx *c, const cJSON *v)
{
	const cJSON *sel;
	int i = 0;

	if (!cJSON_IsArray(v))
		return fail(c, "must be a list, not %s", json_kind(v));
	if (!v->child)
		return fail(c, "must not be an empty list");
	cJSON_ArrayForEach(sel, v)
	{
		size_t old = path_push_index(c, i++);
		const cJSON *node = c->marked;
		const char *s, *p;
		pi_status st = PI_OK;

		if (need_string(c, sel)) {
			path_pop(c, old);
			return PI_ERR_INVALID;
		}
		s = sel->valuestring;
		p = s;
		/* ^([a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*|id)$, resolved as we go */
		for (int seg = 0; st == PI_OK; seg++) {
			const char *start = p;
			char name[251];
			size_t n = 0;

			if (seg > 0 && *p == '[') {
				long idx = 0;

				p++;
				while (is_digit((unsigned char)*p) && idx < 100000000)
					idx = idx * 10 + (*p++ - '0');
				if (p == start + 1 || *p != ']') {
					st = fail(c,
					        "'%.100s' is not a selector: a list index is "
					        "written [N]",
					        s);
					break;
				}
				p++;
				node = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, (int)idx)
				                           : NULL;
			} else {
				while (*p && *p != '.' && n < 250) {
					unsigned char ch = (unsigned char)*p;

					if (!is_lower(ch) && !is_digit(ch) && ch != '_' &&
					        ch != '-')
						break;
					name[n++] = *p++;
				}
				name[n] = '\0';
				if ((*p && *p != '.') || n == 0 ||
				        (seg == 0 && n < 3 && strcmp(name, "id") != 0) ||
				        (seg == 0 && n > 249)) {
					st = fail(c,
					        "'%.100s' is not a selector: expected property "
					        "names (a-z, 0-9, _, -) and [N] list indexes "
					        "joined by '.'",
					        s);
					break;
				}
				if (seg == 0 && strcmp(name, "id") == 0 && *p) {
					st = fail(c,
					        "'%.100s' is not a selector: 'id' has no parts", s);
					break;
				}
				node = cJSON_IsObject(node)
				               ? cJSON_GetObjectItemCaseSensitive(node, name)
				               : NULL;
			}
			if (!node) {
				st = fail(c,
				        "'%.100s' selects nothing: it must name a property or "
				        "list item present in this object",
				        s);
				break;
			}
			if (*p == '\0')
				break;
			p++; /* '.' */
			if (*p == '\0') {
				st = fail(c, "'%.100s' is not a selector: it ends with '.'", s);
				break;
			}
		}
		path_pop(c, old);
		if (st)
			return st;
	}
	return PI_OK;
}

static const struct fn_rule fn_selectors = {check_selectors};

static const struct prop_rule granular_props[] = {
        {"selectors", K_FUNC, F_REQ, &fn_selectors, 0, 0},
        {"marking_ref", K_MARKING, F_REQ, NULL, 0, 0},
        {"lang", K_LANG, 0, NULL, 0, 0},
};
static const struct obj_rule granular_rule = {
        "granular markings", granular_props, 3, NULL, 0, post_granular};

static pi_status post_granular(struct ctx *c, const cJSON *gm)
{
	if (get(gm, "lang") && get(gm, "marking_ref"))
		return fail_at(c, "lang",
		        "must not be present together with marking_ref (a granular marking carries "
		        "one or the other)");
	return PI_OK;
}

/* ---- reference rules ----------------------------------------------------------------- */

static const char *const t_identity[] = {"identity", NULL};
static const char *const t_identity_location[] = {"identity", "location", NULL};
static const char *const t_software[] = {"software", NULL};
static const char *const t_observed_data[] = {"observed-data", NULL};
static const char *const t_sample[] = {"artifact", "file", "network-traffic", NULL};
static const char *const t_file_artifact[] = {"file", "artifact", NULL};
static const char *const t_file_directory[] = {"file", "directory", NULL};
static const char *const t_resolves[] = {"ipv4-addr", "ipv6-addr", "domain-name", NULL};
static const char *const t_user_account[] = {"user-account", NULL};
static const char *const t_email_addr[] = {"email-addr", NULL};
static const char *const t_artifact[] = {"artifact", NULL};
static const char *const t_directory[] = {"directory", NULL};
static const char *const t_file[] = {"file", NULL};
static const char *const t_mac[] = {"mac-addr", NULL};
static const char *const t_as[] = {"autonomous-system", NULL};
static const char *const t_endpoint[] = {"ipv4-addr", "ipv6-addr", "mac-addr", "domain-name", NULL};
static const char *const t_network_traffic[] = {"network-traffic", NULL};
static const char *const t_process[] = {"process", NULL};

static const struct ref_rule rr_identity = {t_identity, 0, "an identity", 0};
static const struct ref_rule rr_where_sighted = {
        t_identity_location, 0, "an identity or a location", 0};
static const struct ref_rule rr_software = {t_software, 0, "a software object", 0};
static const struct ref_rule rr_observed_data = {t_observed_data, 0, "an observed-data object", 0};
static const struct ref_rule rr_sample = {
        t_sample, 0, "an artifact, file or network-traffic object", 0};
static const struct ref_rule rr_file_artifact = {t_file_artifact, 0, "a file or an artifact", 0};
static const struct ref_rule rr_file_directory = {t_file_directory, 0, "a file or a directory", 0};
static const struct ref_rule rr_resolves = {
        t_resolves, 0, "an ipv4-addr, ipv6-addr or domain-name object", 0};
static const struct ref_rule rr_user_account = {t_user_account, 0, "a user-account object", 0};
static const struct ref_rule rr_email_addr = {t_email_addr, 0, "an email-addr object", 0};
static const struct ref_rule rr_artifact = {t_artifact, 0, "an artifact object", 0};
static const struct ref_rule rr_directory = {t_directory, 0, "a directory object", 0};
static const struct ref_rule rr_file = {t_file, 0, "a file object", 0};
static const struct ref_rule rr_mac = {t_mac, 0, "a mac-addr object", 0};
static const struct ref_rule rr_as = {t_as, 0, "an autonomous-system object", 0};
static const struct ref_rule rr_endpoint = {
        t_endpoint, 0, "an ipv4-addr, ipv6-addr, mac-addr or domain-name object", 0};
static const struct ref_rule rr_network_traffic = {
        t_network_traffic, 0, "a network-traffic object", 0};
static const struct ref_rule rr_process = {t_process, 0, "a process object", 0};
static const struct ref_rule rr_any_sco = {NULL, C_SCO | C_CUSTOM, "a cyber-observable object", 0};
static const struct ref_rule rr_body_raw = {t_file_artifact, 0, "an artifact or a file", 0};
static const struct ref_rule rr_any_object = {NULL, C_ALL & ~C_BUNDLE, "a STIX object", 0};
static const struct ref_rule rr_language_target = {NULL, C_ALL & ~(C_BUNDLE | C_LANG),
        "a STIX object other than a bundle or language-content", 0};
static const struct ref_rule rr_sdo_or_sco = {NULL, C_SDO | C_SCO | C_CUSTOM,
        "an SDO or SCO (not a relationship, sighting, bundle, marking-definition, "
        "language-content or extension-definition)",
        0};
static const struct ref_rule rr_sighting_of = {NULL, C_SDO | C_CUSTOM, "an SDO", 0};
static const struct ref_rule rr_observed_refs = {
        NULL, C_SCO | C_SRO | C_CUSTOM, "an SCO, relationship or sighting", 1};

/* ---- common properties --------------------------------------------------------------- */

#define PR(n, k, f, a)                                                                             \
	{                                                                                          \
		n, k, f, a, 0, 0                                                                   \
	}
#define RANGE(n, k, f, lo, hi)                                                                     \
	{                                                                                          \
		n, k, (unsigned char)((f) | F_LO | F_HI), NULL, lo, hi                             \
	}
#define MIN0(n, k)                                                                                 \
	{                                                                                          \
		n, k, F_LO, NULL, 0, 0                                                             \
	}
#define NPROPS(a) (sizeof(a) / sizeof((a)[0]))

static const struct prop_rule core_props[] = {
        PR("type", K_SKIP, F_REQ, NULL),
        PR("spec_version", K_SPEC_VERSION, F_REQ, NULL),
        PR("id", K_SKIP, F_REQ, NULL),
        PR("created", K_TS_MS, F_REQ, NULL),
        PR("modified", K_TS_MS, F_REQ, NULL),
        PR("created_by_ref", K_REF, 0, &rr_identity),
        PR("labels", K_STRS, 0, NULL),
        PR("revoked", K_BOOL, 0, NULL),
        RANGE("confidence", K_INT, 0, 0, 100),
        PR("lang", K_LANG, 0, NULL),
        PR("external_references", K_OBJS, 0, &extref_rule),
        PR("object_marking_refs", K_MARKINGS, 0, NULL),
        PR("granular_markings", K_OBJS, 0, &granular_rule),
        PR("extensions", K_EXTENSIONS, 0, NULL),
};
static const struct obj_rule core_rule = {
        "STIX objects", core_props, NPROPS(core_props), NULL, O_TOPLEVEL, post_core};

static const struct prop_rule sco_core_props[] = {
        PR("type", K_SKIP, F_REQ, NULL),
        PR("id", K_SKIP, F_REQ, NULL),
        PR("spec_version", K_SPEC_VERSION, 0, NULL),
        PR("object_marking_refs", K_MARKINGS, 0, NULL),
        PR("granular_markings", K_OBJS, 0, &granular_rule),
        PR("defanged", K_BOOL, 0, NULL),
        PR("extensions", K_EXTENSIONS, 0, NULL),
};
static const struct obj_rule sco_core_rule = {
        "cyber-observable objects", sco_core_props, NPROPS(sco_core_props), NULL, O_TOPLEVEL, NULL};

/* ---- SDOs ---------------------------------------------------------------------------- */

#define OBJ_RULE(var, what, props, any, post)                                                      \
	static const struct obj_rule var = {what, props, NPROPS(props), any, O_TOPLEVEL, post}

static const struct prop_rule attack_pattern_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("aliases", K_STRS, 0, NULL),
        PR("kill_chain_phases", K_OBJS, 0, &kcp_rule),
};
OBJ_RULE(attack_pattern_rule, "attack-pattern objects", attack_pattern_props, NULL, NULL);

static const struct prop_rule campaign_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("aliases", K_STRS, 0, NULL),
        PR("first_seen", K_TS, 0, NULL),
        PR("last_seen", K_TS, 0, NULL),
        PR("objective", K_STR, 0, NULL),
};
OBJ_RULE(campaign_rule, "campaign objects", campaign_props, NULL, post_seen);

static const struct prop_rule course_of_action_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
};
OBJ_RULE(course_of_action_rule, "course-of-action objects", course_of_action_props, NULL, NULL);

static const struct prop_rule grouping_props[] = {
        PR("name", K_STR, 0, NULL),
        PR("description", K_STR, 0, NULL),
        PR("context", K_STR, F_REQ, NULL),
        PR("object_refs", K_REFS, F_REQ, &rr_any_object),
};
OBJ_RULE(grouping_rule, "grouping objects", grouping_props, NULL, NULL);

static const struct prop_rule identity_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("roles", K_STRS, 0, NULL),
        PR("identity_class", K_STR, 0, NULL),
        PR("sectors", K_STRS, 0, NULL),
        PR("contact_information", K_STR, 0, NULL),
};
OBJ_RULE(identity_rule, "identity objects", identity_props, NULL, NULL);

static const struct prop_rule incident_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("kill_chain_phases", K_OBJS, 0, &kcp_rule),
};
OBJ_RULE(incident_rule, "incident objects", incident_props, NULL, NULL);

static const struct prop_rule indicator_props[] = {
        PR("name", K_STR, 0, NULL),
        PR("description", K_STR, 0, NULL),
        PR("indicator_types", K_STRS, 0, NULL),
        PR("pattern", K_STR_NONEMPTY, F_REQ, NULL),
        PR("pattern_type", K_STR, F_REQ, NULL),
        PR("pattern_version", K_STR, 0, NULL),
        PR("valid_from", K_TS, F_REQ, NULL),
        PR("valid_until", K_TS, 0, NULL),
        PR("kill_chain_phases", K_OBJS, 0, &kcp_rule),
};
OBJ_RULE(indicator_rule, "indicator objects", indicator_props, NULL, post_indicator);

static const struct prop_rule infrastructure_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("infrastructure_types", K_STRS, 0, NULL),
        PR("aliases", K_STRS, 0, NULL),
        PR("kill_chain_phases", K_OBJS, 0, &kcp_rule),
        PR("first_seen", K_TS, 0, NULL),
        PR("last_seen", K_TS, 0, NULL),
};
OBJ_RULE(infrastructure_rule, "infrastructure objects", infrastructure_props, NULL, post_seen);

static const struct prop_rule intrusion_set_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("aliases", K_STRS, 0, NULL),
        PR("first_seen", K_TS, 0, NULL),
        PR("last_seen", K_TS, 0, NULL),
        PR("goals", K_STRS, 0, NULL),
        PR("resource_level", K_STR, 0, NULL),
        PR("primary_motivation", K_STR, 0, NULL),
        PR("secondary_motivations", K_STRS, 0, NULL),
};
OBJ_RULE(intrusion_set_rule, "intrusion-set objects", intrusion_set_props, NULL, post_seen);

static const struct prop_rule location_props[] = {
        PR("name", K_STR, 0, NULL),
        PR("description", K_STR, 0, NULL),
        RANGE("latitude", K_NUM, 0, -90, 90),
        RANGE("longitude", K_NUM, 0, -180, 180),
        PR("precision", K_NUM, 0, NULL),
        PR("region", K_STR, 0, NULL),
        PR("country", K_STR, 0, NULL),
        PR("administrative_area", K_STR, 0, NULL),
        PR("city", K_STR, 0, NULL),
        PR("street_address", K_STR, 0, NULL),
        PR("postal_code", K_STR, 0, NULL),
};
OBJ_RULE(location_rule, "location objects", location_props, NULL, post_location);

static const struct prop_rule malware_props[] = {
        PR("name", K_STR, 0, NULL),
        PR("description", K_STR, 0, NULL),
        PR("malware_types", K_STRS, 0, NULL),
        PR("is_family", K_BOOL, F_REQ, NULL),
        PR("aliases", K_STRS, 0, NULL),
        PR("kill_chain_phases", K_OBJS, 0, &kcp_rule),
        PR("first_seen", K_TS, 0, NULL),
        PR("last_seen", K_TS, 0, NULL),
        PR("operating_system_refs", K_REFS, 0, &rr_software),
        PR("architecture_execution_envs", K_STRS, 0, NULL),
        PR("implementation_languages", K_STRS, 0, NULL),
        PR("capabilities", K_STRS, 0, NULL),
        PR("sample_refs", K_REFS, 0, &rr_file_artifact),
};
OBJ_RULE(malware_rule, "malware objects", malware_props, NULL, post_malware);

static const struct prop_rule malware_analysis_props[] = {
        PR("product", K_STR, F_REQ, NULL),
        PR("version", K_STR, 0, NULL),
        PR("host_vm_ref", K_REF, 0, &rr_software),
        PR("operating_system_ref", K_REF, 0, &rr_software),
        PR("installed_software_refs", K_REFS, 0, &rr_software),
        PR("configuration_version", K_STR, 0, NULL),
        PR("modules", K_STRS, 0, NULL),
        PR("analysis_engine_version", K_STR, 0, NULL),
        PR("analysis_definition_version", K_STR, 0, NULL),
        PR("submitted", K_TS, 0, NULL),
        PR("analysis_started", K_TS, 0, NULL),
        PR("analysis_ended", K_TS, 0, NULL),
        PR("result_name", K_STR, 0, NULL),
        PR("result", K_STR, 0, NULL),
        PR("analysis_sco_refs", K_REFS, 0, &rr_any_sco),
        PR("sample_ref", K_REF, 0, &rr_sample),
};
OBJ_RULE(malware_analysis_rule, "malware-analysis objects", malware_analysis_props, NULL,
        post_malware_analysis);

static const struct prop_rule note_props[] = {
        PR("abstract", K_STR, 0, NULL),
        PR("content", K_STR, F_REQ, NULL),
        PR("authors", K_STRS, 0, NULL),
        PR("object_refs", K_REFS, F_REQ, &rr_any_object),
};
OBJ_RULE(note_rule, "note objects", note_props, NULL, NULL);

static pi_status check_embedded_objects(struct ctx *c, const cJSON *v);
static const struct fn_rule fn_embedded = {check_embedded_objects};

static const struct prop_rule observed_data_props[] = {
        PR("first_observed", K_TS, F_REQ, NULL),
        PR("last_observed", K_TS, F_REQ, NULL),
        RANGE("number_observed", K_INT, F_REQ, 1, 999999999),
        PR("objects", K_FUNC, 0, &fn_embedded),
        PR("object_refs", K_REFS, 0, &rr_observed_refs),
};
OBJ_RULE(
        observed_data_rule, "observed-data objects", observed_data_props, NULL, post_observed_data);

static const char *const opinion_values[] = {
        "strongly-disagree", "disagree", "neutral", "agree", "strongly-agree", NULL};

static const struct prop_rule opinion_props[] = {
        PR("explanation", K_STR, 0, NULL),
        PR("authors", K_STRS, 0, NULL),
        PR("opinion", K_ENUM, F_REQ, opinion_values),
        PR("object_refs", K_REFS, F_REQ, &rr_any_object),
};
OBJ_RULE(opinion_rule, "opinion objects", opinion_props, NULL, NULL);

static const struct prop_rule report_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("report_types", K_STRS, 0, NULL),
        PR("published", K_TS, F_REQ, NULL),
        PR("object_refs", K_REFS, F_REQ, &rr_any_object),
};
OBJ_RULE(report_rule, "report objects", report_props, NULL, NULL);

static const struct prop_rule threat_actor_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("threat_actor_types", K_STRS, 0, NULL),
        PR("aliases", K_STRS, 0, NULL),
        PR("first_seen", K_TS, 0, NULL),
        PR("last_seen", K_TS, 0, NULL),
        PR("roles", K_STRS, 0, NULL),
        PR("goals", K_STRS, 0, NULL),
        PR("sophistication", K_STR, 0, NULL),
        PR("resource_level", K_STR, 0, NULL),
        PR("primary_motivation", K_STR, 0, NULL),
        PR("secondary_motivations", K_STRS, 0, NULL),
        PR("personal_motivations", K_STRS, 0, NULL),
};
OBJ_RULE(threat_actor_rule, "threat-actor objects", threat_actor_props, NULL, post_seen);

static const struct prop_rule tool_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("tool_types", K_STRS, 0, NULL),
        PR("aliases", K_STRS, 0, NULL),
        PR("kill_chain_phases", K_OBJS, 0, &kcp_rule),
        PR("tool_version", K_STR, 0, NULL),
};
OBJ_RULE(tool_rule, "tool objects", tool_props, NULL, NULL);

static const struct prop_rule vulnerability_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
};
OBJ_RULE(vulnerability_rule, "vulnerability objects", vulnerability_props, NULL, NULL);

/* ---- SROs ---------------------------------------------------------------------------- */

static pi_status check_relationship_type(struct ctx *c, const cJSON *v)
{
	const char *s;

	if (need_string(c, v))
		return PI_ERR_INVALID;
	s = v->valuestring;
	if (!*s)
		return fail(c, "must not be empty: expected a-z, 0-9 and -");
	for (const char *p = s; *p; p++)
		if (!is_lower((unsigned char)*p) && !is_digit((unsigned char)*p) && *p != '-')
			return fail(c, "'%.60s' may only hold a-z, 0-9 and -", s);
	return PI_OK;
}
static const struct fn_rule fn_relationship_type = {check_relationship_type};

static const struct prop_rule relationship_props[] = {
        PR("relationship_type", K_FUNC, F_REQ, &fn_relationship_type),
        PR("description", K_STR, 0, NULL),
        PR("source_ref", K_REF, F_REQ, &rr_sdo_or_sco),
        PR("target_ref", K_REF, F_REQ, &rr_sdo_or_sco),
        PR("start_time", K_TS, 0, NULL),
        PR("stop_time", K_TS, 0, NULL),
};
OBJ_RULE(relationship_rule, "relationship objects", relationship_props, NULL, post_relationship);

static const struct prop_rule sighting_props[] = {
        PR("description", K_STR, 0, NULL),
        PR("first_seen", K_TS, 0, NULL),
        PR("last_seen", K_TS, 0, NULL),
        RANGE("count", K_INT, 0, 0, 999999999),
        PR("sighting_of_ref", K_REF, F_REQ, &rr_sighting_of),
        PR("observed_data_refs", K_REFS, 0, &rr_observed_data),
        PR("where_sighted_refs", K_REFS, 0, &rr_where_sighted),
        PR("summary", K_BOOL, 0, NULL),
};
OBJ_RULE(sighting_rule, "sighting objects", sighting_props, NULL, post_sighting);

/* ---- meta objects -------------------------------------------------------------------- */

static const struct dict_rule contents_dict = {DK_LANG, DV_OBJECT};
static const struct prop_rule language_content_props[] = {
        PR("object_ref", K_REF, F_REQ, &rr_language_target),
        PR("object_modified", K_TS, 0, NULL),
        PR("contents", K_DICT, F_REQ, &contents_dict),
};
OBJ_RULE(language_content_rule, "language-content objects", language_content_props, NULL, NULL);

static const struct prop_rule extension_definition_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("description", K_STR, 0, NULL),
        PR("schema", K_STR, F_REQ, NULL),
        PR("version", K_STR, F_REQ, NULL),
        PR("extension_types", K_ENUMS, F_REQ, ext_types),
        PR("extension_properties", K_STRS, 0, NULL),
};
OBJ_RULE(extension_definition_rule, "extension-definition objects", extension_definition_props,
        NULL, post_extdef);

static const struct prop_rule marking_props[] = {
        PR("type", K_SKIP, F_REQ, NULL),
        PR("spec_version", K_SPEC_VERSION, F_REQ, NULL),
        PR("id", K_SKIP, F_REQ, NULL),
        PR("created", K_TS, F_REQ, NULL),
        PR("created_by_ref", K_REF, 0, &rr_identity),
        PR("external_references", K_OBJS, 0, &extref_rule),
        PR("object_marking_refs", K_MARKINGS, 0, NULL),
        PR("granular_markings", K_OBJS, 0, &granular_rule),
        PR("extensions", K_EXTENSIONS, 0, NULL),
        PR("name", K_STR, 0, NULL),
        PR("definition_type", K_STR, 0, NULL),
        PR("definition", K_OBJECT, 0, NULL),
};
OBJ_RULE(marking_rule, "marking-definition objects", marking_props, NULL, post_marking);

/* ---- SCOs ---------------------------------------------------------------------------- */

static pi_status post_artifact(struct ctx *c, const cJSON *obj)
{
	int payload = get(obj, "payload_bin") != NULL, url = get(obj, "url") != NULL;

	if (payload && url)
		return fail_at(c, "url", "must not be present together with payload_bin");
	if (!payload && !url)
		return fail_at(c, "payload_bin",
		        "an artifact must have payload_bin, or url together with hashes");
	if (url && !get(obj, "hashes"))
		return fail_at(c, "hashes", "is required when url is present");
	if (get(obj, "decryption_key") && !get(obj, "encryption_algorithm"))
		return fail_at(c, "decryption_key", "requires encryption_algorithm");
	return PI_OK;
}

static pi_status check_mime_type(struct ctx *c, const cJSON *v)
{
	static const char *const tops[] = {"application/", "audio/", "font/", "image/", "message/",
	        "model/", "multipart/", "text/", "video/", NULL};
	const char *s, *p = NULL;
	size_t n = 0;

	if (need_string(c, v))
		return PI_ERR_INVALID;
	s = v->valuestring;
	for (const char *const *t = tops; *t && !p; t++)
		if (starts_with(s, *t))
			p = s + strlen(*t);
	while (p && (is_alnum((unsigned char)p[n]) || strchr(".+_-", p[n])) && p[n])
		n++;
	if (!p || n == 0 || (p[n] && p[n] != ';'))
		return fail(c,
		        "'%.80s' is not a MIME type like 'application/zip' (top-level type "
		        "application, audio, font, image, message, model, multipart, text or "
		        "video)",
		        s);
	return PI_OK;
}
static const struct fn_rule fn_mime_type = {check_mime_type};

static const char *const encryption_algorithms[] = {
        "AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated", NULL};

static const struct prop_rule artifact_props[] = {
        PR("mime_type", K_FUNC, 0, &fn_mime_type),
        PR("payload_bin", K_BIN, 0, NULL),
        PR("url", K_URL, 0, NULL),
        PR("hashes", K_HASHES, 0, NULL),
        PR("encryption_algorithm", K_ENUM, 0, encryption_algorithms),
        PR("decryption_key", K_STR, 0, NULL),
};
OBJ_RULE(artifact_rule, "artifact objects", artifact_props, NULL, post_artifact);

static const struct prop_rule autonomous_system_props[] = {
        RANGE("number", K_INT, F_REQ, 0, 4294967295.0),
        PR("name", K_STR, 0, NULL),
        PR("rir", K_STR, 0, NULL),
};
OBJ_RULE(autonomous_system_rule, "autonomous-system objects", autonomous_system_props, NULL, NULL);

static pi_status check_enc_name(struct ctx *c, const cJSON *v)
{
	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (!charset_name_valid(v->valuestring))
		return fail(c,
		        "'%.60s' is not a character set name: expected 2-250 of A-Z, a-z, "
		        "0-9, /, ., +, _, : and -",
		        v->valuestring);
	return PI_OK;
}
static const struct fn_rule fn_enc_name = {check_enc_name};

static const struct prop_rule directory_props[] = {
        PR("path", K_STR, F_REQ, NULL),
        PR("path_enc", K_FUNC, 0, &fn_enc_name),
        PR("ctime", K_TS, 0, NULL),
        PR("mtime", K_TS, 0, NULL),
        PR("atime", K_TS, 0, NULL),
        PR("contains_refs", K_REFS, 0, &rr_file_directory),
};
OBJ_RULE(directory_rule, "directory objects", directory_props, NULL, NULL);

static pi_status check_domain(struct ctx *c, const cJSON *v)
{
	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (!v->valuestring[0] || !no_space_or_control(v->valuestring))
		return fail(c,
		        "'%.100s' is not a domain name: expected a non-empty name without "
		        "spaces",
		        v->valuestring);
	return PI_OK;
}
static const struct fn_rule fn_domain = {check_domain};

static const struct prop_rule domain_name_props[] = {
        PR("value", K_FUNC, F_REQ, &fn_domain),
        PR("resolves_to_refs", K_REFS, 0, &rr_resolves),
};
OBJ_RULE(domain_name_rule, "domain-name objects", domain_name_props, NULL, NULL);

static pi_status check_email(struct ctx *c, const cJSON *v)
{
	const char *s, *at;

	if (need_string(c, v))
		return PI_ERR_INVALID;
	s = v->valuestring;
	at = strrchr(s, '@');
	if (!at || at == s || !at[1] || !no_space_or_control(s))
		return fail(c, "'%.100s' is not an e-mail address: expected local-part@domain", s);
	return PI_OK;
}
static const struct fn_rule fn_email = {check_email};

static const struct prop_rule email_addr_props[] = {
        PR("value", K_FUNC, F_REQ, &fn_email),
        PR("display_name", K_STR, 0, NULL),
        PR("belongs_to_ref", K_REF, 0, &rr_user_account),
};
OBJ_RULE(email_addr_rule, "email-addr objects", email_addr_props, NULL, NULL);

static pi_status post_mime_part(struct ctx *c, const cJSON *part)
{
	int body = get(part, "body") != NULL, raw = get(part, "body_raw_ref") != NULL;

	if (body == raw)
		return fail_at(
		        c, "body", "a MIME part must have exactly one of body and body_raw_ref");
	return PI_OK;
}

static const struct prop_rule mime_part_props[] = {
        PR("body", K_STR, 0, NULL),
        PR("body_raw_ref", K_REF, 0, &rr_body_raw),
        PR("content_type", K_STR, 0, NULL),
        PR("content_disposition", K_STR, 0, NULL),
};
static const struct obj_rule mime_part_rule = {
        "MIME parts", mime_part_props, NPROPS(mime_part_props), NULL, 0, post_mime_part};

/* additional_header_fields. The schema refuses a dictionary whose every key matches
 * "^date|received_lines|content_type|from_ref|sender_ref|to_refs|cc_refs|bcc_refs|subject$"
 * (an unanchored alternation); the spec refuses the headers that have their own property. */
static int header_schema_match(const char *k)
{
	static const char *const inner[] = {"received_lines", "content_type", "from_ref",
	        "sender_ref", "to_refs", "cc_refs", "bcc_refs", NULL};

	if (starts_with(k, "date") || ends_with(k, "subject"))
		return 1;
	for (const char *const *p = inner; *p; p++)
		if (strstr(k, *p))
			return 1;
	return 0;
}

static pi_status check_header_fields(struct ctx *c, const cJSON *v)
{
	static const char *const own[] = {"date", "received", "content-type", "from", "sender",
	        "to", "cc", "bcc", "subject", NULL};
	static const struct dict_rule dr = {DK_GENERIC, DV_HEADER};
	const cJSON *e;
	int all_match = 1;
	pi_status st = check_dict(c, v, &dr);

	if (st)
		return st;
	cJSON_ArrayForEach(e, v)
	{
		for (const char *const *p = own; *p; p++) {
			if (strcasecmp(e->string, *p) == 0) {
				size_t old = path_push(c, e->string);

				st = fail(c, "'%.40s' has its own property: do not repeat it here",
				        e->string);
				path_pop(c, old);
				return st;
			}
		}
		if (!header_schema_match(e->string))
			all_match = 0;
	}
	if (all_match)
		return fail(c, "must hold header fields other than those with their own property");
	return PI_OK;
}
static const struct fn_rule fn_header_fields = {check_header_fields};

static pi_status post_email_message(struct ctx *c, const cJSON *obj)
{
	const cJSON *mp = get(obj, "is_multipart");

	if (cJSON_IsTrue(mp) && get(obj, "body"))
		return fail_at(c, "body",
		        "must not be present when is_multipart is true (use "
		        "body_multipart)");
	if (cJSON_IsFalse(mp) && get(obj, "body_multipart"))
		return fail_at(
		        c, "body_multipart", "must not be present when is_multipart is false");
	return PI_OK;
}

static const struct prop_rule email_message_props[] = {
        PR("is_multipart", K_BOOL, F_REQ, NULL),
        PR("date", K_TS, 0, NULL),
        PR("content_type", K_STR, 0, NULL),
        PR("from_ref", K_REF, 0, &rr_email_addr),
        PR("sender_ref", K_REF, 0, &rr_email_addr),
        PR("to_refs", K_REFS, 0, &rr_email_addr),
        PR("cc_refs", K_REFS, 0, &rr_email_addr),
        PR("bcc_refs", K_REFS, 0, &rr_email_addr),
        PR("message_id", K_STR, 0, NULL),
        PR("subject", K_STR, 0, NULL),
        PR("received_lines", K_STRS, 0, NULL),
        PR("additional_header_fields", K_FUNC, 0, &fn_header_fields),
        PR("body", K_STR, 0, NULL),
        PR("body_multipart", K_OBJS, 0, &mime_part_rule),
        PR("raw_email_ref", K_REF, 0, &rr_artifact),
};
OBJ_RULE(
        email_message_rule, "email-message objects", email_message_props, NULL, post_email_message);

/* file extensions */
static const struct prop_rule ads_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("hashes", K_HASHES, 0, NULL),
        MIN0("size", K_INT),
};
static const struct obj_rule ads_rule = {
        "alternate data streams", ads_props, NPROPS(ads_props), NULL, 0, NULL};

static const char *const ntfs_any[] = {"sid", "alternate_data_streams", NULL};
static const struct prop_rule ntfs_props[] = {
        PR("sid", K_STR, 0, NULL),
        PR("alternate_data_streams", K_OBJS, 0, &ads_rule),
};
static const struct obj_rule ntfs_rule = {
        "ntfs-ext", ntfs_props, NPROPS(ntfs_props), ntfs_any, O_TOPLEVEL | O_NONEMPTY, NULL};

static const char *const raster_any[] = {"image_height", "image_width", "bits_per_pixel",
        "image_compression_algorithm", "exif_tags", NULL};
static const struct dict_rule exif_dict = {DK_EXIF, DV_STRING_OR_INT};
static const struct prop_rule raster_props[] = {
        PR("image_height", K_INT, 0, NULL),
        PR("image_width", K_INT, 0, NULL),
        PR("bits_per_pixel", K_INT, 0, NULL),
        PR("exif_tags", K_DICT, 0, &exif_dict),
};
static const struct obj_rule raster_rule = {"raster-image-ext", raster_props, NPROPS(raster_props),
        raster_any, O_TOPLEVEL | O_NONEMPTY, NULL};

static const char *const pdf_any[] = {
        "version", "is_optimized", "document_info_dict", "pdfid0", "pdfid1", NULL};
static const struct dict_rule string_dict = {DK_GENERIC, DV_STRING};
static const struct prop_rule pdf_props[] = {
        PR("version", K_STR, 0, NULL),
        PR("is_optimized", K_BOOL, 0, NULL),
        PR("document_info_dict", K_DICT, 0, &string_dict),
        PR("pdfid0", K_STR, 0, NULL),
        PR("pdfid1", K_STR, 0, NULL),
};
static const struct obj_rule pdf_rule = {
        "pdf-ext", pdf_props, NPROPS(pdf_props), pdf_any, O_TOPLEVEL | O_NONEMPTY, NULL};

static const struct prop_rule archive_props[] = {
        PR("contains_refs", K_REFS, F_REQ, &rr_file_directory),
        PR("comment", K_STR, 0, NULL),
};
static const struct obj_rule archive_rule = {
        "archive-ext", archive_props, NPROPS(archive_props), NULL, O_TOPLEVEL | O_NONEMPTY, NULL};

static const struct prop_rule pe_optional_header_props[] = {
        PR("magic_hex", K_HEX, 0, NULL),
        PR("major_linker_version", K_INT, 0, NULL),
        PR("minor_linker_version", K_INT, 0, NULL),
        MIN0("size_of_code", K_INT),
        MIN0("size_of_initialized_data", K_INT),
        MIN0("size_of_uninitialized_data", K_INT),
        PR("address_of_entry_point", K_INT, 0, NULL),
        PR("base_of_code", K_INT, 0, NULL),
        PR("base_of_data", K_INT, 0, NULL),
        PR("image_base", K_INT, 0, NULL),
        PR("section_alignment", K_INT, 0, NULL),
        PR("file_alignment", K_INT, 0, NULL),
        PR("major_os_version", K_INT, 0, NULL),
        PR("minor_os_version", K_INT, 0, NULL),
        PR("major_image_version", K_INT, 0, NULL),
        PR("minor_image_version", K_INT, 0, NULL),
        PR("major_subsystem_version", K_INT, 0, NULL),
        PR("minor_subsystem_version", K_INT, 0, NULL),
        PR("win32_version_value_hex", K_HEX, 0, NULL),
        MIN0("size_of_image", K_INT),
        MIN0("size_of_headers", K_INT),
        PR("checksum_hex", K_HEX, 0, NULL),
        PR("subsystem_hex", K_HEX, 0, NULL),
        PR("dll_characteristics_hex", K_HEX, 0, NULL),
        MIN0("size_of_stack_reserve", K_INT),
        MIN0("size_of_stack_commit", K_INT),
        MIN0("size_of_heap_reserve", K_INT),
        MIN0("size_of_heap_commit", K_INT),
        PR("loader_flags_hex", K_HEX, 0, NULL),
        PR("number_of_rva_and_sizes", K_INT, 0, NULL),
        PR("hashes", K_HASHES, 0, NULL),
};
static const struct obj_rule pe_optional_header_rule = {"the windows PE optional header",
        pe_optional_header_props, NPROPS(pe_optional_header_props), NULL, O_CLOSED | O_NONEMPTY,
        NULL};

static const struct prop_rule pe_section_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        MIN0("size", K_INT),
        PR("entropy", K_NUM, 0, NULL),
        PR("hashes", K_HASHES, 0, NULL),
};
static const struct obj_rule pe_section_rule = {
        "windows PE sections", pe_section_props, NPROPS(pe_section_props), NULL, 0, NULL};

static const char *const pe_any[] = {"imphash", "machine_hex", "number_of_sections",
        "time_date_stamp", "pointer_to_symbol_table_hex", "number_of_symbols",
        "size_of_optional_header", "characteristics_hex", "file_header_hashes", "optional_header",
        "sections", NULL};
static const struct prop_rule pe_props[] = {
        PR("pe_type", K_STR, F_REQ, NULL),
        PR("imphash", K_STR, 0, NULL),
        PR("machine_hex", K_HEX, 0, NULL),
        MIN0("number_of_sections", K_INT),
        PR("time_date_stamp", K_TS_SEC, 0, NULL),
        PR("pointer_to_symbol_table_hex", K_HEX, 0, NULL),
        MIN0("number_of_symbols", K_INT),
        MIN0("size_of_optional_header", K_INT),
        PR("characteristics_hex", K_HEX, 0, NULL),
        PR("file_header_hashes", K_HASHES, 0, NULL),
        PR("optional_header", K_OBJ, 0, &pe_optional_header_rule),
        PR("sections", K_OBJS, 0, &pe_section_rule),
};
static const struct obj_rule pe_rule = {
        "windows-pebinary-ext", pe_props, NPROPS(pe_props), pe_any, O_TOPLEVEL | O_NONEMPTY, NULL};

static const struct ext_rule file_exts[] = {{"ntfs-ext", &ntfs_rule},
        {"raster-image-ext", &raster_rule}, {"pdf-ext", &pdf_rule}, {"archive-ext", &archive_rule},
        {"windows-pebinary-ext", &pe_rule}, {NULL, NULL}};

static const char *const file_any[] = {"hashes", "name", NULL};
static const struct prop_rule file_props[] = {
        PR("hashes", K_HASHES, 0, NULL),
        MIN0("size", K_INT),
        PR("name", K_STR, 0, NULL),
        PR("name_enc", K_FUNC, 0, &fn_enc_name),
        PR("magic_number_hex", K_HEX, 0, NULL),
        PR("mime_type", K_STR, 0, NULL),
        PR("ctime", K_TS, 0, NULL),
        PR("mtime", K_TS, 0, NULL),
        PR("atime", K_TS, 0, NULL),
        PR("parent_directory_ref", K_REF, 0, &rr_directory),
        PR("contains_refs", K_REFS, 0, &rr_any_sco),
        PR("content_ref", K_REF, 0, &rr_artifact),
};
OBJ_RULE(file_rule, "file objects", file_props, file_any, NULL);

static pi_status check_ipv4(struct ctx *c, const cJSON *v)
{
	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (!ipv4_valid(v->valuestring))
		return fail(c,
		        "'%.60s' is not an IPv4 address or CIDR block like 198.51.100.3 or "
		        "198.51.100.0/24",
		        v->valuestring);
	return PI_OK;
}
static const struct fn_rule fn_ipv4 = {check_ipv4};

static pi_status check_ipv6(struct ctx *c, const cJSON *v)
{
	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (!ipv6_valid(v->valuestring))
		return fail(c,
		        "'%.60s' is not an IPv6 address or CIDR block like 2001:db8::1 or "
		        "2001:db8::/32 (hex groups only)",
		        v->valuestring);
	return PI_OK;
}
static const struct fn_rule fn_ipv6 = {check_ipv6};

static const struct prop_rule ipv4_props[] = {
        PR("value", K_FUNC, F_REQ, &fn_ipv4),
        PR("resolves_to_refs", K_REFS, 0, &rr_mac),
        PR("belongs_to_refs", K_REFS, 0, &rr_as),
};
OBJ_RULE(ipv4_rule, "ipv4-addr objects", ipv4_props, NULL, NULL);

static const struct prop_rule ipv6_props[] = {
        PR("value", K_FUNC, F_REQ, &fn_ipv6),
        PR("resolves_to_refs", K_REFS, 0, &rr_mac),
        PR("belongs_to_refs", K_REFS, 0, &rr_as),
};
OBJ_RULE(ipv6_rule, "ipv6-addr objects", ipv6_props, NULL, NULL);

static pi_status check_mac(struct ctx *c, const cJSON *v)
{
	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (!mac_valid(v->valuestring))
		return fail(c,
		        "'%.60s' is not a MAC address: expected six lower-case hex pairs "
		        "joined by ':', like 00:00:5e:00:53:01",
		        v->valuestring);
	return PI_OK;
}
static const struct fn_rule fn_mac = {check_mac};

static const struct prop_rule mac_props[] = {
        PR("value", K_FUNC, F_REQ, &fn_mac),
};
OBJ_RULE(mac_rule, "mac-addr objects", mac_props, NULL, NULL);

static const struct prop_rule mutex_props[] = {
        PR("name", K_STR, F_REQ, NULL),
};
OBJ_RULE(mutex_rule, "mutex objects", mutex_props, NULL, NULL);

/* network-traffic extensions */
static const struct dict_rule header_list_dict = {DK_GENERIC, DV_STRLIST};
static const struct prop_rule http_request_props[] = {
        PR("request_method", K_STR, F_REQ, NULL),
        PR("request_value", K_STR, F_REQ, NULL),
        PR("request_version", K_STR, 0, NULL),
        PR("request_header", K_DICT, 0, &header_list_dict),
        PR("message_body_length", K_INT, 0, NULL),
        PR("message_body_data_ref", K_REF, 0, &rr_artifact),
};
static const struct obj_rule http_request_rule = {"http-request-ext", http_request_props,
        NPROPS(http_request_props), NULL, O_TOPLEVEL | O_NONEMPTY, NULL};

static const struct prop_rule icmp_props[] = {
        PR("icmp_type_hex", K_HEX, F_REQ, NULL),
        PR("icmp_code_hex", K_HEX, F_REQ, NULL),
};
static const struct obj_rule icmp_rule = {
        "icmp-ext", icmp_props, NPROPS(icmp_props), NULL, O_TOPLEVEL | O_NONEMPTY, NULL};

static const char *const address_families[] = {"AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK",
        "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH", NULL};
static const char *const socket_types[] = {
        "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", NULL};
static const struct dict_rule sockopt_dict = {DK_SOCKOPT, DV_INT};
static const struct prop_rule socket_props[] = {
        PR("address_family", K_ENUM, F_REQ, address_families),
        PR("is_blocking", K_BOOL, 0, NULL),
        PR("is_listening", K_BOOL, 0, NULL),
        PR("options", K_DICT, 0, &sockopt_dict),
        PR("socket_type", K_ENUM, 0, socket_types),
        MIN0("socket_descriptor", K_INT),
        PR("socket_handle", K_INT, 0, NULL),
};
static const struct obj_rule socket_rule = {
        "socket-ext", socket_props, NPROPS(socket_props), NULL, O_TOPLEVEL | O_NONEMPTY, NULL};

static const char *const tcp_any[] = {"src_flags_hex", "dst_flags_hex", NULL};
static const struct prop_rule tcp_props[] = {
        PR("src_flags_hex", K_HEX, 0, NULL),
        PR("dst_flags_hex", K_HEX, 0, NULL),
};
static const struct obj_rule tcp_rule = {
        "tcp-ext", tcp_props, NPROPS(tcp_props), tcp_any, O_TOPLEVEL | O_NONEMPTY, NULL};

static const struct ext_rule network_traffic_exts[] = {{"http-request-ext", &http_request_rule},
        {"icmp-ext", &icmp_rule}, {"socket-ext", &socket_rule}, {"tcp-ext", &tcp_rule},
        {NULL, NULL}};

static pi_status post_network_traffic(struct ctx *c, const cJSON *obj)
{
	if (!get(obj, "src_ref") && !get(obj, "dst_ref"))
		return fail_at(c, "src_ref",
		        "a network-traffic object must have at least one of: src_ref, dst_ref");
	if (cJSON_IsTrue(get(obj, "is_active")) && get(obj, "end"))
		return fail_at(c, "end", "must not be present when is_active is true");
	return check_order(c, obj, "start", "end", 0);
}

static const struct dict_rule ipfix_dict = {DK_GENERIC, DV_STRING_OR_INT};
static const struct prop_rule network_traffic_props[] = {
        PR("start", K_TS, 0, NULL),
        PR("end", K_TS, 0, NULL),
        PR("is_active", K_BOOL, 0, NULL),
        PR("src_ref", K_REF, 0, &rr_endpoint),
        PR("dst_ref", K_REF, 0, &rr_endpoint),
        RANGE("src_port", K_INT, 0, 0, 65535),
        RANGE("dst_port", K_INT, 0, 0, 65535),
        PR("protocols", K_STRS, F_REQ, NULL),
        MIN0("src_byte_count", K_INT),
        MIN0("dst_byte_count", K_INT),
        MIN0("src_packets", K_INT),
        MIN0("dst_packets", K_INT),
        PR("ipfix", K_DICT, 0, &ipfix_dict),
        PR("src_payload_ref", K_REF, 0, &rr_artifact),
        PR("dst_payload_ref", K_REF, 0, &rr_artifact),
        PR("encapsulates_refs", K_REFS, 0, &rr_network_traffic),
        PR("encapsulated_by_ref", K_REF, 0, &rr_network_traffic),
};
OBJ_RULE(network_traffic_rule, "network-traffic objects", network_traffic_props, NULL,
        post_network_traffic);

/* process extensions */
static pi_status check_startup_info(struct ctx *c, const cJSON *v)
{
	static const struct dict_rule any_dict = {DK_GENERIC, DV_ANY};
	const cJSON *e;
	pi_status st = check_dict(c, v, &any_dict);

	if (st)
		return st;
	cJSON_ArrayForEach(e, v)
	{
		size_t old = path_push(c, e->string);

		if (in_list(e->string, startup_string_keys)) {
			st = need_string(c, e);
		} else if (in_list(e->string, startup_int_keys)) {
			if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble))
				st = fail(c, "must be an integer, not %s", json_kind(e));
			else if (strcmp(e->string, "cbReserved2") == 0 && e->valuedouble != 0)
				st = fail(c, "must be 0");
		} else {
			st = fail(c, "is not a STARTUPINFO member this dictionary may hold");
		}
		path_pop(c, old);
		if (st)
			return st;
	}
	return PI_OK;
}
static const struct fn_rule fn_startup_info = {check_startup_info};

static const char *const integrity_levels[] = {"low", "medium", "high", "system", NULL};
static const char *const windows_process_any[] = {"aslr_enabled", "dep_enabled", "priority",
        "owner_sid", "window_title", "startup_info", NULL};
static const struct prop_rule windows_process_props[] = {
        PR("aslr_enabled", K_BOOL, 0, NULL),
        PR("dep_enabled", K_BOOL, 0, NULL),
        PR("priority", K_STR, 0, NULL),
        PR("owner_sid", K_STR, 0, NULL),
        PR("window_title", K_STR, 0, NULL),
        PR("startup_info", K_FUNC, 0, &fn_startup_info),
        PR("integrity_level", K_ENUM, 0, integrity_levels),
};
static const struct obj_rule windows_process_rule = {"windows-process-ext", windows_process_props,
        NPROPS(windows_process_props), windows_process_any, O_TOPLEVEL | O_NONEMPTY, NULL};

static const char *const start_types[] = {"SERVICE_AUTO_START", "SERVICE_BOOT_START",
        "SERVICE_DEMAND_START", "SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT", NULL};
static const char *const service_types[] = {"SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER",
        "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS", NULL};
static const char *const service_statuses[] = {"SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING",
        "SERVICE_PAUSED", "SERVICE_RUNNING", "SERVICE_START_PENDING", "SERVICE_STOP_PENDING",
        "SERVICE_STOPPED", NULL};
static const char *const windows_service_any[] = {"service_name", "descriptions", "display_name",
        "group_name", "start_type", "service_dll_refs", "service_type", "service_status", NULL};
static const struct prop_rule windows_service_props[] = {
        PR("service_name", K_STR, 0, NULL),
        PR("descriptions", K_STRS, 0, NULL),
        PR("display_name", K_STR, 0, NULL),
        PR("group_name", K_STR, 0, NULL),
        PR("start_type", K_ENUM, 0, start_types),
        PR("service_dll_refs", K_REFS, 0, &rr_file),
        PR("service_type", K_ENUM, 0, service_types),
        PR("service_status", K_ENUM, 0, service_statuses),
};
static const struct obj_rule windows_service_rule = {"windows-service-ext", windows_service_props,
        NPROPS(windows_service_props), windows_service_any, O_TOPLEVEL | O_NONEMPTY, NULL};

static const struct ext_rule process_exts[] = {{"windows-process-ext", &windows_process_rule},
        {"windows-service-ext", &windows_service_rule}, {NULL, NULL}};

static const struct dict_rule any_value_dict = {DK_GENERIC, DV_ANY};
static const char *const process_any[] = {"extensions", "is_hidden", "pid", "name", "created",
        "cwd", "arguments", "command_line", "environment_variables", "opened_connection_refs",
        "creator_user_ref", "image_ref", "parent_ref", "child_refs", NULL};
static const struct prop_rule process_props[] = {
        PR("is_hidden", K_BOOL, 0, NULL),
        PR("pid", K_INT, 0, NULL),
        PR("created_time", K_TS, 0, NULL),
        PR("cwd", K_STR, 0, NULL),
        PR("command_line", K_STR, 0, NULL),
        PR("environment_variables", K_DICT, 0, &any_value_dict),
        PR("opened_connection_refs", K_REFS, 0, &rr_network_traffic),
        PR("creator_user_ref", K_REF, 0, &rr_user_account),
        PR("image_ref", K_REF, 0, &rr_file),
        PR("parent_ref", K_REF, 0, &rr_process),
        PR("child_refs", K_REFS, 0, &rr_process),
};
OBJ_RULE(process_rule, "process objects", process_props, process_any, NULL);

static pi_status check_cpe(struct ctx *c, const cJSON *v)
{
	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (!cpe_valid(v->valuestring))
		return fail(c,
		        "'%.120s' is not a CPE 2.3 formatted string like "
		        "cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*",
		        v->valuestring);
	return PI_OK;
}
static const struct fn_rule fn_cpe = {check_cpe};

static pi_status check_software_language(struct ctx *c, const cJSON *v)
{
	if (need_string(c, v))
		return PI_ERR_INVALID;
	if (!software_language_valid(v->valuestring))
		return fail(
		        c, "'%.60s' is not a language code like 'en' or 'en-US'", v->valuestring);
	return PI_OK;
}
static const struct fn_rule fn_software_language = {check_software_language};

static pi_status check_software_languages(struct ctx *c, const cJSON *v)
{
	static const struct prop_rule item = {"languages", K_FUNC, 0, &fn_software_language, 0, 0};

	return check_list(c, v, &item);
}
static const struct fn_rule fn_software_languages = {check_software_languages};

static const struct prop_rule software_props[] = {
        PR("name", K_STR, F_REQ, NULL),
        PR("cpe", K_FUNC, 0, &fn_cpe),
        PR("swid", K_STR, 0, NULL),
        PR("languages", K_FUNC, 0, &fn_software_languages),
        PR("vendor", K_STR, 0, NULL),
        PR("version", K_STR, 0, NULL),
};
OBJ_RULE(software_rule, "software objects", software_props, NULL, NULL);

static pi_status check_url_value(struct ctx *c, const cJSON *v)
{
	static const struct prop_rule r = {"value", K_URL, 0, NULL, 0, 0};

	return check_value(c, &r, v);
}
static const struct fn_rule fn_url_value = {check_url_value};

static const struct prop_rule url_props[] = {
        PR("value", K_FUNC, F_REQ, &fn_url_value),
};
OBJ_RULE(url_rule, "url objects", url_props, NULL, NULL);

static const char *const unix_any[] = {"gid", "groups", "home_dir", "shell", NULL};
static const struct prop_rule unix_account_props[] = {
        PR("gid", K_NUM, 0, NULL),
        PR("groups", K_STRS, 0, NULL),
        PR("home_dir", K_STR, 0, NULL),
        PR("shell", K_STR, 0, NULL),
};
static const struct obj_rule unix_account_rule = {"unix-account-ext", unix_account_props,
        NPROPS(unix_account_props), unix_any, O_TOPLEVEL | O_NONEMPTY, NULL};
static const struct ext_rule user_account_exts[] = {
        {"unix-account-ext", &unix_account_rule}, {NULL, NULL}};

static const char *const user_account_any[] = {"extensions", "user_id", "credential",
        "account_login", "account_type", "display_name", "is_service_account", "is_privileged",
        "can_escalate_privs", "is_disabled", "account_created", "account_expires",
        "credential_last_changed", "account_first_login", "account_last_login", NULL};
static const struct prop_rule user_account_props[] = {
        PR("user_id", K_STR, 0, NULL),
        PR("credential", K_STR, 0, NULL),
        PR("account_login", K_STR, 0, NULL),
        PR("account_type", K_STR, 0, NULL),
        PR("display_name", K_STR, 0, NULL),
        PR("is_service_account", K_BOOL, 0, NULL),
        PR("is_privileged", K_BOOL, 0, NULL),
        PR("can_escalate_privs", K_BOOL, 0, NULL),
        PR("is_disabled", K_BOOL, 0, NULL),
        PR("account_created", K_TS, 0, NULL),
        PR("account_expires", K_TS, 0, NULL),
        PR("credential_last_changed", K_TS, 0, NULL),
        PR("account_first_login", K_TS, 0, NULL),
        PR("account_last_login", K_TS, 0, NULL),
};
OBJ_RULE(user_account_rule, "user-account objects", user_account_props, user_account_any, NULL);

/* windows-registry-key key. The schema refuses "^HKLM|HKCC|HKCR|HKCU|HKU|hklm|..." (an
 * unanchored alternation: a key that begins with HKLM or holds any other abbreviation); the
 * spec wants the hive spelled out. */
static pi_status check_registry_key(struct ctx *c, const cJSON *v)
{
	static const char *const abbrev[] = {
	        "HKCC", "HKCR", "HKCU", "HKU", "hklm", "hkcc", "hkcr", "hkcu", "hku", NULL};
	const char *s;

	if (need_string(c, v))
		return PI_ERR_INVALID;
	s = v->valuestring;
	if (starts_with(s, "HKLM"))
		return fail(c, "'%.100s' abbreviates the hive: write HKEY_LOCAL_MACHINE", s);
	for (const char *const *a = abbrev; *a; a++)
		if (strstr(s, *a))
			return fail(c,
			        "'%.100s' holds the hive abbreviation '%s': write the hive "
			        "name in full (HKEY_...)",
			        s, *a);
	return PI_OK;
}
static const struct fn_rule fn_registry_key = {check_registry_key};

static const char *const registry_data_types[] = {"REG_NONE", "REG_SZ", "REG_EXPAND_SZ",
        "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN", "REG_LINK",
        "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION",
        "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE", NULL};
static const char *const registry_value_any[] = {"name", "data", "data_type", NULL};
static const struct prop_rule registry_value_props[] = {
        PR("name", K_STR, 0, NULL),
        PR("data", K_STR, 0, NULL),
        PR("data_type", K_ENUM, 0, registry_data_types),
};
static const struct obj_rule registry_value_rule = {"windows registry values", registry_value_props,
        NPROPS(registry_value_props), registry_value_any, 0, NULL};

static const char *const registry_any[] = {
        "key", "values", "modified", "creator_user_ref", "number_of_subkeys", NULL};
static const struct prop_rule registry_props[] = {
        PR("key", K_FUNC, 0, &fn_registry_key),
        PR("values", K_OBJS, 0, &registry_value_rule),
        PR("modified_time", K_TS, 0, NULL),
        PR("creator_user_ref", K_REF, 0, &rr_user_account),
        MIN0("number_of_subkeys", K_INT),
};
OBJ_RULE(registry_rule, "windows-registry-key objects", registry_props, registry_any, NULL);

static const char *const x509_ext_any[] = {"basic_constraints", "name_constraints",
        "policy_constraints", "key_usage", "extended_key_usage", "subject_key_identifier",
        "authority_key_identifier", "subject_alternative_name", "issuer_alternative_name",
        "subject_directory_attributes", "crl_distribution_points", "inhibit_any_policy",
        "private_key_usage_period_not_before", "private_key_usage_period_not_after",
        "certificate_policies", "policy_mappings", NULL};
static const struct prop_rule x509_ext_props[] = {
        PR("basic_constraints", K_STR, 0, NULL),
        PR("name_constraints", K_STR, 0, NULL),
        PR("policy_constraints", K_STR, 0, NULL),
        PR("key_usage", K_STR, 0, NULL),
        PR("extended_key_usage", K_STR, 0, NULL),
        PR("subject_key_identifier", K_STR, 0, NULL),
        PR("authority_key_identifier", K_STR, 0, NULL),
        PR("subject_alternative_name", K_STR, 0, NULL),
        PR("issuer_alternative_name", K_STR, 0, NULL),
        PR("subject_directory_attributes", K_STR, 0, NULL),
        PR("crl_distribution_points", K_STR, 0, NULL),
        PR("inhibit_any_policy", K_STR, 0, NULL),
        PR("private_key_usage_period_not_before", K_TS, 0, NULL),
        PR("private_key_usage_period_not_after", K_TS, 0, NULL),
        PR("certificate_policies", K_STR, 0, NULL),
        PR("policy_mappings", K_STR, 0, NULL),
};
static const struct obj_rule x509_ext_rule = {
        "x509_v3_extensions", x509_ext_props, NPROPS(x509_ext_props), x509_ext_any, 0, NULL};

static const char *const x509_any[] = {"is_self_signed", "hashes", "version", "serial_number",
        "signature_algorithm", "issuer", "validity_not_before", "validity_not_after", "subject",
        "subject_public_key_algorithm", "subject_public_key_modulus", "subject_public_key_exponent",
        "x509_v3_extensions", NULL};
static const struct prop_rule x509_props[] = {
        PR("is_self_signed", K_BOOL, 0, NULL),
        PR("hashes", K_HASHES, 0, NULL),
        PR("version", K_STR, 0, NULL),
        PR("serial_number", K_STR, 0, NULL),
        PR("signature_algorithm", K_STR, 0, NULL),
        PR("issuer", K_STR, 0, NULL),
        PR("validity_not_before", K_TS, 0, NULL),
        PR("validity_not_after", K_TS, 0, NULL),
        PR("subject", K_STR, 0, NULL),
        PR("subject_public_key_algorithm", K_STR, 0, NULL),
        PR("subject_public_key_modulus", K_STR, 0, NULL),
        PR("subject_public_key_exponent", K_INT, 0, NULL),
        PR("x509_v3_extensions", K_OBJ, 0, &x509_ext_rule),
};
OBJ_RULE(x509_rule, "x509-certificate objects", x509_props, x509_any, NULL);

static const struct obj_rule custom_rule = {"custom objects", NULL, 0, NULL, O_TOPLEVEL, NULL};

/* ---- the type table ------------------------------------------------------------------ */

static const struct type_spec types[] = {
        {"attack-pattern", C_SDO, &attack_pattern_rule, NULL},
        {"campaign", C_SDO, &campaign_rule, NULL},
        {"course-of-action", C_SDO, &course_of_action_rule, NULL},
        {"grouping", C_SDO, &grouping_rule, NULL},
        {"identity", C_SDO, &identity_rule, NULL},
        {"incident", C_SDO, &incident_rule, NULL},
        {"indicator", C_SDO, &indicator_rule, NULL},
        {"infrastructure", C_SDO, &infrastructure_rule, NULL},
        {"intrusion-set", C_SDO, &intrusion_set_rule, NULL},
        {"location", C_SDO, &location_rule, NULL},
        {"malware", C_SDO, &malware_rule, NULL},
        {"malware-analysis", C_SDO, &malware_analysis_rule, NULL},
        {"note", C_SDO, &note_rule, NULL},
        {"observed-data", C_SDO, &observed_data_rule, NULL},
        {"opinion", C_SDO, &opinion_rule, NULL},
        {"report", C_SDO, &report_rule, NULL},
        {"threat-actor", C_SDO, &threat_actor_rule, NULL},
        {"tool", C_SDO, &tool_rule, NULL},
        {"vulnerability", C_SDO, &vulnerability_rule, NULL},
        {"relationship", C_SRO, &relationship_rule, NULL},
        {"sighting", C_SRO, &sighting_rule, NULL},
        {"marking-definition", C_MARKING, &marking_rule, NULL},
        {"language-content", C_LANG, &language_content_rule, NULL},
        {"extension-definition", C_EXTDEF, &extension_definition_rule, NULL},
        {"artifact", C_SCO, &artifact_rule, NULL},
        {"autonomous-system", C_SCO, &autonomous_system_rule, NULL},
        {"directory", C_SCO, &directory_rule, NULL},
        {"domain-name", C_SCO, &domain_name_rule, NULL},
        {"email-addr", C_SCO, &email_addr_rule, NULL},
        {"email-message", C_SCO, &email_message_rule, NULL},
        {"file", C_SCO, &file_rule, file_exts},
        {"ipv4-addr", C_SCO, &ipv4_rule, NULL},
        {"ipv6-addr", C_SCO, &ipv6_rule, NULL},
        {"mac-addr", C_SCO, &mac_rule, NULL},
        {"mutex", C_SCO, &mutex_rule, NULL},
        {"network-traffic", C_SCO, &network_traffic_rule, network_traffic_exts},
        {"process", C_SCO, &process_rule, process_exts},
        {"software", C_SCO, &software_rule, NULL},
        {"url", C_SCO, &url_rule, NULL},
        {"user-account", C_SCO, &user_account_rule, user_account_exts},
        {"windows-registry-key", C_SCO, &registry_rule, NULL},
        {"x509-certificate", C_SCO, &x509_rule, NULL},
};

static const struct type_spec *find_type(const char *type)
{
	for (size_t i = 0; i < NPROPS(types); i++)
		if (types[i].type[0] == type[0] && strcmp(types[i].type, type) == 0)
			return &types[i];
	return NULL;
}

/* ---- objects ------------------------------------------------------------------------- */

/* Checks type and id of obj; on success *spec is the type's spec (custom_spec for a type
 * STIX 2.1 does not define). */
static pi_status check_header(struct ctx *c, const cJSON *obj, const struct type_spec **spec,
        const struct type_spec *custom_spec)
{
	const cJSON *t = get(obj, "type"), *id = get(obj, "id");
	const char *type;
	size_t old;
	pi_status st = PI_OK;

	old = path_push(c, "type");
	if (!t)
		st = fail(c, "is required");
	else if (!cJSON_IsString(t))
		st = fail(c, "must be a string, not %s", json_kind(t));
	else if (!type_name_valid_n(t->valuestring, strlen(t->valuestring)))
		st = fail(c,
		        "'%.80s' is not a valid type name: expected 3-250 characters of a-z, "
		        "0-9 and single hyphens, starting with a letter",
		        t->valuestring);
	else if (strcmp(t->valuestring, "bundle") == 0)
		st = fail(c, "'bundle' is a container, not a STIX object: validate each of its "
		             "objects");
	else if (strcmp(t->valuestring, "action") == 0)
		st = fail(c, "'action' is a reserved type name");
	path_pop(c, old);
	if (st)
		return st;
	type = t->valuestring;
	old = path_push(c, "id");
	if (!id)
		st = fail(c, "is required");
	else if (!cJSON_IsString(id))
		st = fail(c, "must be a string, not %s", json_kind(id));
	else if (!pi_stix_id_valid(id->valuestring, NULL))
		st = fail(c, "'%.100s' is not a valid identifier: expected '%s--<RFC 4122 UUID>'",
		        id->valuestring, type);
	else if (!pi_stix_id_valid(id->valuestring, type))
		st = fail(c, "'%.100s' does not begin with the object's type: expected '%s--'",
		        id->valuestring, type);
	path_pop(c, old);
	if (st)
		return st;
	*spec = find_type(type);
	if (!*spec)
		*spec = custom_spec;
	return PI_OK;
}

/* The schema's custom-SCO branch in observed-data refuses types that begin with "artifact",
 * hold an SCO type name or end in "url" (an unanchored alternation); refused here too. */
static int embedded_custom_type_refused(const char *type)
{
	if (starts_with(type, "artifact") || ends_with(type, "url"))
		return 1;
	for (const char *const *p = sco_types; *p; p++)
		if (strstr(type, *p))
			return 1;
	return 0;
}

static pi_status check_embedded_objects(struct ctx *c, const cJSON *v)
{
	static const struct type_spec custom_sco = {"", C_CUSTOM, &custom_rule, NULL};
	const cJSON *e;
	const cJSON *saved_embedded = c->embedded;
	const struct ext_rule *saved_exts = c->exts;
	const cJSON *saved_marked = c->marked;
	pi_status st = PI_OK;

	if (!cJSON_IsObject(v))
		return fail(c, "must be a dictionary of cyber-observable objects, not %s",
		        json_kind(v));
	if (!v->child)
		return fail(c, "must not be empty");
	c->embedded = v;
	cJSON_ArrayForEach(e, v)
	{
		size_t old = path_push(c, e->string);
		const struct type_spec *spec = NULL;

		if (!cJSON_IsObject(e)) {
			st = fail(c, "must be a cyber-observable object, not %s", json_kind(e));
		} else if ((st = check_header(c, e, &spec, &custom_sco)) == PI_OK) {
			if (spec->cat != C_SCO && spec->cat != C_CUSTOM) {
				size_t o2 = path_push(c, "type");

				st = fail(c, "'%.60s' is not a cyber-observable type", spec->type);
				path_pop(c, o2);
			} else if (spec->cat == C_CUSTOM &&
			           embedded_custom_type_refused(pi_json_get_string(e, "type"))) {
				size_t o2 = path_push(c, "type");

				st = fail(c,
				        "'%.60s' may not be used as a custom type here: it holds "
				        "a STIX cyber-observable type name",
				        pi_json_get_string(e, "type"));
				path_pop(c, o2);
			} else {
				c->exts = spec->exts;
				c->marked = e;
				st = check_object(c, e, &sco_core_rule, spec->rule);
			}
		}
		path_pop(c, old);
		if (st)
			break;
	}
	c->embedded = saved_embedded;
	c->exts = saved_exts;
	c->marked = saved_marked;
	return st;
}

pi_status pi_stix_validate(
        const cJSON *object, const struct pi_stix_options *opt, struct pi_error *err)
{
	static const struct type_spec custom_spec = {"", C_CUSTOM, &custom_rule, NULL};
	struct ctx c;
	const struct type_spec *spec = NULL;
	const struct obj_rule *common;
	const char *id, *type;
	pi_status st;

	memset(&c, 0, sizeof(c));
	c.opt = opt;
	c.err = err;
	c.label = "object";
	if (!cJSON_IsObject(object))
		return fail(&c, "must be a JSON object, not %s", json_kind(object));
	id = pi_json_get_string(object, "id");
	type = pi_json_get_string(object, "type");
	if (id && type && pi_stix_id_valid(id, type))
		c.label = id;
	if ((st = check_header(&c, object, &spec, &custom_spec)) != PI_OK)
		return st;
	switch (spec->cat) {
	case C_SCO: common = &sco_core_rule; break;
	case C_MARKING:
		common = NULL;
		c.extdef_only = 1;
		break;
	case C_CUSTOM:
		/* SDO/SRO-like when it carries the core timestamps or spec_version, else SCO-like
		 */
		common = get(object, "created") || get(object, "modified") ? &core_rule
		                                                           : &sco_core_rule;
		break;
	default: common = &core_rule; break;
	}
	c.exts = spec->exts;
	c.marked = object;
	st = check_object(&c, object, common, spec->rule);
	if (st == PI_OK)
		pi_error_clear(err);
	return st;
}
