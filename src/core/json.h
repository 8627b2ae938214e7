/* json.h - strict JSON input on top of cJSON.
 *
 * cJSON alone is lenient (leading zeros, raw control characters, invalid UTF-8,
 * duplicate keys all pass). Every JSON document that comes from outside goes
 * through pi_json_parse, which first runs a strict RFC 8259 scanner (UTF-8,
 * string escapes, number grammar, nesting depth cap, nothing after the value),
 * then parses with cJSON and rejects objects that repeat a key.
 */
#ifndef PI_CORE_JSON_H
#define PI_CORE_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/error.h"

#define PI_JSON_MAX_DEPTH 100

/* Validates that text[0..len) is exactly one JSON value (surrounding white space
 * allowed) no deeper than max_depth. On failure fills err with the byte offset,
 * line and column and what was expected there. */
pi_status pi_json_check(const char *text, size_t len, unsigned max_depth, struct pi_error *err);

/* Scans one JSON value starting at text[0] (after optional white space) and sets
 * *end to the offset just past it, without requiring that nothing follows.
 * Used to split streams (bundles, JSON lines) without building a tree. */
pi_status pi_json_scan_value(const char *text, size_t len, unsigned max_depth, size_t *end,
	struct pi_error *err);

/* pi_json_check, then cJSON parse, then duplicate-key check. On success *out is a
 * tree the caller frees with cJSON_Delete. On failure *out is NULL. */
pi_status pi_json_parse(const char *text, size_t len, unsigned max_depth, cJSON **out,
	struct pi_error *err);

/* Returns the first duplicate key found anywhere in the tree, or NULL. The
 * pointer is into the tree and is stale once the tree is freed. */
const char *pi_json_find_duplicate_key(const cJSON *node);

/* Appends node as compact JSON to b. Integral numbers within +-2^53 are written as integers
 * without going through printf (cJSON's printer formats and re-parses every number); other
 * numbers with 17 significant digits; strings escaped as RFC 8259 requires. NaN and infinities,
 * which JSON cannot carry, are written as null. */
pi_status pi_json_write(struct pi_buf *b, const cJSON *node);

/* Small typed getters: NULL / default when absent or of another type. */
const char *pi_json_get_string(const cJSON *obj, const char *key);

#endif
