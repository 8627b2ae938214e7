/* indset.h - the indicators a scan matches against, and the values each one pins.
 *
 * A set is filled from STIX objects (a bundle or TAXII envelope file, or pages pulled from a
 * hub) and from export files (a plain list, one value per line, or CSV with a "value"
 * column). The values of a STIX indicator are exactly what pi_extract_observables
 * (intel/extract.h) reports for it, so the hub and the scanner agree on what an indicator
 * pins; comparisons with LIKE or MATCHES on an observable path are kept as patterns for
 * Vectorscan (matcher.h). An indicator that pins several values hits on any one of them (the
 * scanner looks at one line at a time and does not evaluate AND or FOLLOWEDBY).
 *
 * Versions: an indicator id is held once, in its latest "modified" version; a newer version
 * replaces the old one, an older one is ignored, a revoked one or one whose valid_until has
 * passed removes it. List and CSV entries have no STIX id unless the CSV names one.
 *
 * Memory: records are packed in arrays and one string arena (about 60 bytes per domain
 * indicator plus its id); no per-indicator allocation. Caps: PI_SCAN_SET_MAX_VALUES values
 * and PI_SCAN_SET_MAX_STRINGS bytes of strings; over them the load fails with PI_ERR_TOOBIG.
 *
 * Lifecycle: new -> add/load (single writer) -> read by matchers (any number of threads,
 * no writes meanwhile) -> free. pi_scan_set_clone makes a writable copy for a refresh.
 */
#ifndef PI_SCAN_INDSET_H
#define PI_SCAN_INDSET_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/observable.h"
#include "core/tlp.h"

#define PI_SCAN_SET_MAX_VALUES (50u * 1000 * 1000)
#define PI_SCAN_SET_MAX_STRINGS ((size_t)3 << 30)
/* indicator files (bundles, lists) larger than this are refused */
#define PI_SCAN_SET_MAX_FILE ((size_t)4 << 30)

typedef struct pi_scan_set pi_scan_set;

enum pi_scan_op { PI_SCAN_OP_EQ = 0, PI_SCAN_OP_LIKE, PI_SCAN_OP_MATCHES };

/* What a hit reports about its indicator. Strings belong to the set. */
struct pi_scan_indicator {
	const char *id;     /* "indicator--..."; "" for list entries without one */
	const char *labels; /* JSON array text, "[]" when none */
	const char *source; /* file name or hub URL it came from */
	enum pi_tlp tlp;
	int confidence; /* 0-100, -1 when absent */
	int64_t modified_us;
};

/* Load statistics, for messages. */
struct pi_scan_set_stats {
	size_t objects;     /* STIX objects read */
	size_t indicators;  /* live indicators */
	size_t values;      /* live values (EQ) */
	size_t patterns;    /* live LIKE / MATCHES values */
	size_t unmatchable; /* indicators that pin nothing a log can show */
	size_t invalid;     /* values or lines that did not normalise (skipped) */
	size_t replaced;    /* older versions replaced, revoked or expired */
};

/* Creates an empty set. Returns PI_ERR_NOMEM on failure. Free with pi_scan_set_free. */
pi_status pi_scan_set_new(pi_scan_set **out);
void pi_scan_set_free(pi_scan_set *s);

/* A writable copy of s (for merging a refresh while matchers still read s). */
pi_status pi_scan_set_clone(const pi_scan_set *s, pi_scan_set **out);

/* Adds one STIX object. Objects that are not indicators are ignored; see the version rules
 * above. source is remembered by reference (it must outlive the set; pass a string literal
 * or one kept by the caller). Errors: PI_ERR_TOOBIG over the caps, PI_ERR_NOMEM. */
pi_status pi_scan_set_add_object(
        pi_scan_set *s, const cJSON *obj, const char *source, struct pi_error *err);

/* Reads STIX objects from a bundle or TAXII envelope (a JSON object with an "objects" array)
 * without building a tree of the whole text: each object is parsed on its own. */
pi_status pi_scan_set_load_stix(
        pi_scan_set *s, const char *text, size_t len, const char *source, struct pi_error *err);

/* Reads an export file: CSV when the first line names a "value" column (optional columns:
 * id or indicator_id, kind or type, tlp, labels separated by ';' or ',', confidence: the CSV
 * of `postisac export` reads as is), otherwise one value per line
 * ('#' comments and blank lines skipped). The kind of a bare value is inferred: CIDR/IP,
 * URL (has "://"), e-mail (has '@'), hash (32/40/64/128 hex digits), else domain. */
pi_status pi_scan_set_load_list(
        pi_scan_set *s, const char *text, size_t len, const char *source, struct pi_error *err);

/* Reads a file (gzip and zstd detected by content) and loads it as STIX when it starts with
 * '{', else as an export file. */
pi_status pi_scan_set_load_file(pi_scan_set *s, const char *path, struct pi_error *err);

/* Reads a whole file into memory, decompressing gzip or zstd (by magic bytes); at most cap
 * bytes after decompression. "-" is stdin. *out (caller frees) is NUL-terminated. */
pi_status pi_scan_read_file(
        const char *path, size_t cap, char **out, size_t *len, struct pi_error *err);

void pi_scan_set_stats(const pi_scan_set *s, struct pi_scan_set_stats *out);

/* ---- for the matcher: iteration over live values ---- */

struct pi_scan_value {
	enum pi_observable_kind kind;
	enum pi_scan_op op;
	const char *value; /* normalised (EQ) or the LIKE / MATCHES text */
	size_t len;
	uint32_t indicator; /* index for pi_scan_set_indicator */
};

/* Number of value slots (live or not); pi_scan_set_value returns 0 for dead ones. */
size_t pi_scan_set_value_slots(const pi_scan_set *s);
int pi_scan_set_value(const pi_scan_set *s, size_t i, struct pi_scan_value *out);
/* Fills *out for indicator index i (as a pi_scan_value names it). */
void pi_scan_set_indicator(const pi_scan_set *s, uint32_t i, struct pi_scan_indicator *out);
size_t pi_scan_set_indicator_slots(const pi_scan_set *s);

/* ---- cache: a set written to and read from a file ---- */

/* Writes s to path atomically (temporary file + rename). */
pi_status pi_scan_set_save(
        const pi_scan_set *s, const char *path, const char *meta, struct pi_error *err);
/* Reads a set written by pi_scan_set_save; *meta (caller frees, may be NULL on input) gets the
 * meta text saved with it. PI_ERR_NOTFOUND if there is no such file, PI_ERR_INVALID if it is
 * not a cache file of this version. Sources of the loaded indicators read "cache". */
pi_status pi_scan_set_load_cache(
        const char *path, pi_scan_set **out, char **meta, struct pi_error *err);

#endif
