/* pattern.h - the STIX 2.1 patterning language: a hand-written parser and an opaque AST.
 *
 * pi_pattern_parse accepts exactly the language of the OASIS grammar STIXPattern.g4
 * (observation expressions in [ ], AND / OR / FOLLOWEDBY between them, AND / OR and
 * parentheses inside them, the WITHIN / REPEATS / START..STOP qualifiers, every comparison
 * operator and literal), plus the checks the OASIS reference validator makes after parsing:
 * a qualifier type may not be applied twice directly to one [ ] observation, and a value
 * compared with file hashes of a known algorithm (hashes.MD5, hashes.'SHA-256', ...) must have
 * that algorithm's shape. On top of the reference it refuses REPEATS 0 TIMES and
 * WITHIN 0 SECONDS, which the specification forbids.
 *
 * Timestamps t'...' are checked against the grammar (month 01-12, day 01-31, hour 00-23,
 * minute 00-59, second 00-60, 'Z'), like the reference validator, which accepts
 * t'2024-02-30T12:00:00Z'. With PI_PATTERN_STRICT_TIMES, pi_pattern_parse_ex also requires
 * pi_time_parse to accept the timestamp (a real calendar date, at most 9 fraction digits).
 *
 * Errors: PI_ERR_INVALID with a message "pattern error at character N: ..." where N is the
 * 0-based index of the offending character (Unicode code points, the column ANTLR reports),
 * and the message names what was expected and what was found. Nesting of parentheses deeper
 * than PI_PATTERN_MAX_DEPTH and more than PI_PATTERN_MAX_NODES elements are refused with
 * PI_ERR_TOOBIG, as is text over PI_PATTERN_MAX_TEXT; the parser's recursion is bounded by the
 * depth cap. The caller caps the length of the text (the hub takes at most 1 MB).
 */
#ifndef PI_CORE_PATTERN_H
#define PI_CORE_PATTERN_H

#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

/* nested parentheses and brackets */
#define PI_PATTERN_MAX_DEPTH 64
/* observations, comparisons, set members and operators */
#define PI_PATTERN_MAX_NODES 200000
/* a defensive ceiling on the text; the hub's own cap is 1 MB */
#define PI_PATTERN_MAX_TEXT (16u << 20)

typedef struct pi_pattern pi_pattern;

enum pi_pattern_flags {
	PI_PATTERN_STRICT_TIMES = 1 /* timestamps must be real calendar times (pi_time_parse) */
};

enum pi_pattern_value_kind {
	PI_PATTERN_VALUE_NONE = 0, /* EXISTS, or the empty set of IN () */
	PI_PATTERN_VALUE_STRING,
	PI_PATTERN_VALUE_INT,
	PI_PATTERN_VALUE_FLOAT,
	PI_PATTERN_VALUE_BOOL,
	PI_PATTERN_VALUE_HEX,
	PI_PATTERN_VALUE_BINARY,
	PI_PATTERN_VALUE_TIMESTAMP
};

/* One comparison, as pi_pattern_each_term reports it. The strings belong to the pattern and
 * stay valid until pi_pattern_free. */
struct pi_pattern_term {
	const char *object_type; /* "file", "ipv4-addr", ... */
	const char *path;        /* canonical: "value", "hashes.'SHA-256'", "sections[*].entropy";
	                            keys that are identifiers (and not keywords) are written bare,
	                            others quoted with \' and \\ escapes */
	const char *op;          /* "=", "!=", "<", "<=", ">", ">=", "IN", "LIKE", "MATCHES",
	                            "ISSUBSET", "ISSUPERSET", "EXISTS" ("==" is reported as "=",
	                            "<>" as "!=") */
	int negated;             /* NOT before the operator */
	const char *value;       /* decoded literal: string without quotes and escapes; integer
	                            and float as written without a leading '+'; "true"/"false";
	                            hex digits in lower case without h''; base64 text without
	                            b''; timestamp text without t''. NULL for EXISTS and IN () */
	int value_kind;          /* enum pi_pattern_value_kind */
	size_t set_index;        /* IN: the member's index; 0 otherwise */
	size_t set_count;        /* IN: number of members (each member is one call); 0 otherwise */
	size_t observation;      /* 0-based index of the enclosing [ ] in source order */
	size_t offset;           /* byte offset of the comparison's object path in the text */
};

/* Parses text[0..len) (need not be NUL-terminated). On success *out is a new pattern the
 * caller frees with pi_pattern_free; on failure *out is NULL and err says where and why. */
pi_status pi_pattern_parse(const char *text, size_t len, pi_pattern **out, struct pi_error *err);

/* As pi_pattern_parse, with flags from enum pi_pattern_flags. */
pi_status pi_pattern_parse_ex(
        const char *text, size_t len, unsigned flags, pi_pattern **out, struct pi_error *err);

/* Frees p and every string it handed out; NULL is fine. */
void pi_pattern_free(pi_pattern *p);

/* Calls fn for every comparison in the pattern, in source order (an IN comparison once per
 * set member, or once with value NULL for an empty set). Stops early and returns fn's value
 * if fn returns nonzero; returns 0 after the last term. */
int pi_pattern_each_term(
        const pi_pattern *p, int (*fn)(void *arg, const struct pi_pattern_term *t), void *arg);

/* Number of [ ] observation expressions. */
size_t pi_pattern_observation_count(const pi_pattern *p);

/* Appends the pattern to out in a canonical, fully parenthesised form (every binary operator
 * and every qualifier gets its own parentheses, literals re-encoded, paths canonical), e.g.
 * "(([a:b = 1] OR [c:d = 2]) FOLLOWEDBY [e:f = 3])". The result parses to the same tree. */
pi_status pi_pattern_format(const pi_pattern *p, struct pi_buf *out);

#endif
