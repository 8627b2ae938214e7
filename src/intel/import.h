/* import.h - bulk import of STIX bundles, CSV files and MISP event JSON into a collection.
 *
 * Everything that is stored goes through pi_ingest_objects (intel/ingest.h) in batches of
 * PI_IMPORT_BATCH objects, so validation, TLP, recipients and durability are the hub's own;
 * an import is as safe as a TAXII POST and a failed batch leaves the earlier ones stored.
 *
 * Three readers, each pulling bytes through a pi_import_read_fn (a FILE, a memory buffer in
 * tests, the fuzzers' input):
 *   pi_bundle_reader  splits {"type":"bundle","objects":[...]} into one object at a time
 *                     with pi_json_scan_value, holding one object (not the bundle) in memory;
 *                     malformed input is refused with its byte offset and line.
 *   pi_csv_reader     RFC 4180 records (quoted fields, "" escapes, CRLF or LF, line breaks
 *                     inside quotes), with caps on field length and field count.
 *   MISP              Event / Attribute / Object JSON, read whole (capped at
 *                     PI_IMPORT_MISP_MAX bytes): MISP exports are events, not millions.
 * CSV and MISP values become indicators with the pattern of their observable kind
 * (pi_import_pattern), an id derived from the value (CSV) or the attribute uuid (MISP), so a
 * second import of the same file reports "unchanged" instead of adding copies.
 */
#ifndef PI_INTEL_IMPORT_H
#define PI_INTEL_IMPORT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "core/access.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/observable.h"
#include "core/tlp.h"
#include "store/store.h"

#define PI_IMPORT_BATCH 1000
#define PI_IMPORT_OBJECT_MAX ((size_t)16 << 20) /* one STIX object */
#define PI_IMPORT_MISP_MAX ((size_t)256 << 20)
#define PI_CSV_FIELD_MAX 65536
#define PI_CSV_FIELDS_MAX 256

/* Reads up to max bytes into buf. Returns the count, 0 at the end, or (size_t)-1 on a read
 * error (then the reader fails with PI_ERR_IO). */
typedef size_t (*pi_import_read_fn)(void *ctx, char *buf, size_t max);

/* ---- streaming bundle splitter ---- */
typedef struct pi_bundle_reader pi_bundle_reader;

/* A reader over read(ctx). object_max 0: PI_IMPORT_OBJECT_MAX. Free with pi_bundle_reader_free. */
pi_status pi_bundle_reader_new(pi_import_read_fn read, void *ctx, size_t object_max,
        pi_bundle_reader **out, struct pi_error *err);
/* The next element of "objects": *obj points into the reader (valid until the next call),
 * *len its length, *offset its byte offset in the input. At the end (after checking that the
 * rest of the bundle is well formed) *obj is NULL. Errors: PI_ERR_INVALID with the byte
 * offset, line and what was expected (e.g. "bundle.json: invalid JSON at byte 1234 (line 40,
 * column 3)"); PI_ERR_TOOBIG for an object over object_max; PI_ERR_IO for read failures. */
pi_status pi_bundle_reader_next(
        pi_bundle_reader *r, const char **obj, size_t *len, uint64_t *offset, struct pi_error *err);
/* Bytes consumed so far (for progress). */
uint64_t pi_bundle_reader_position(const pi_bundle_reader *r);
void pi_bundle_reader_free(pi_bundle_reader *r);

/* ---- CSV ---- */
typedef struct pi_csv_reader pi_csv_reader;

pi_status pi_csv_reader_new(
        pi_import_read_fn read, void *ctx, pi_csv_reader **out, struct pi_error *err);
/* The next record: fields[i] (NUL-terminated, valid until the next call), *nfields of them,
 * *line the line it started on. *nfields is 0 at the end of input. A blank line is a record
 * with one empty field. Errors: PI_ERR_INVALID ("line 7: unterminated quoted field", "line 3,
 * field 2: '\"' inside an unquoted field"), PI_ERR_TOOBIG (field or field count over cap). */
pi_status pi_csv_reader_next(pi_csv_reader *r, char *const **fields, size_t *nfields,
        uint64_t *line, struct pi_error *err);
uint64_t pi_csv_reader_position(const pi_csv_reader *r);
void pi_csv_reader_free(pi_csv_reader *r);

/* A column mapping: "value=1,type=2,tlp=3,labels=4" (1-based columns) or names of header
 * columns ("value=indicator,type=kind"). Keys: value (required), type, tlp, labels, name,
 * description, valid_until. */
enum pi_csv_key {
	PI_CSV_VALUE = 0,
	PI_CSV_TYPE,
	PI_CSV_TLP,
	PI_CSV_LABELS,
	PI_CSV_NAME,
	PI_CSV_DESCRIPTION,
	PI_CSV_VALID_UNTIL,
	PI_CSV_NKEYS
};
struct pi_csv_map {
	int column[PI_CSV_NKEYS];           /* 0-based; -1 unmapped */
	char header_name[PI_CSV_NKEYS][64]; /* set when mapped by name, resolved by the header */
	int uses_names;
};
/* Parses a mapping. spec NULL: the header names the columns (value, type, tlp, labels, name,
 * description, valid_until). Errors name the bad part: "--map: unknown key 'vale' (keys: ...)". */
pi_status pi_csv_map_parse(const char *spec, struct pi_csv_map *out, struct pi_error *err);
/* Resolves names against a header row: "unknown column 'kind'; the header has: a, b, c". */
pi_status pi_csv_map_resolve(
        struct pi_csv_map *map, char *const *header, size_t n, struct pi_error *err);

/* ---- values into indicators ---- */

/* The observable kind a type word means: the kind names ("domain", "ipv4", ...), STIX names
 * ("domain-name", "ipv4-addr", "email-addr", "url") and MISP attribute types ("ip-dst",
 * "hostname", "email-src", "md5", ...). NONE if unknown. */
enum pi_observable_kind pi_import_kind_from_type(const char *type);
/* Guesses the kind of a value (address, block, hash length, URL, e-mail, domain); NONE if
 * none fits. */
enum pi_observable_kind pi_import_kind_guess(const char *value);
/* Appends the STIX pattern that pins a normalised value of a kind:
 * "[domain-name:value = 'evil.example']", "[file:hashes.'SHA-256' = '...']". */
pi_status pi_import_pattern(enum pi_observable_kind kind, const char *value, struct pi_buf *out);

/* ---- the import ---- */
enum pi_import_format { PI_IMPORT_AUTO = 0, PI_IMPORT_STIX, PI_IMPORT_CSV, PI_IMPORT_MISP };
int pi_import_format_parse(const char *name, enum pi_import_format *out);

struct pi_import_options {
	enum pi_import_format format;
	const struct pi_csv_map *map; /* CSV; NULL: header names the columns */
	int csv_header;               /* CSV: the first record is a header (implied by names) */
	enum pi_tlp default_tlp;      /* CSV / MISP values without a TLP; UNMARKED: none */
	const char *source_name;      /* for messages ("bundle.json") */
	uint64_t total_bytes;         /* for progress; 0 unknown */
	/* called about every batch: bytes read so far, records done so far */
	void (*progress)(void *arg, uint64_t bytes, uint64_t records);
	void *progress_arg;
	size_t reasons_max; /* rejection reasons kept (0: 1000) */
	int64_t now_us;     /* 0: the clock */
};

struct pi_import_summary {
	uint64_t records;         /* objects (STIX), data rows (CSV), attributes (MISP) read */
	uint64_t imported;        /* new objects */
	uint64_t updated;         /* new versions of objects already in the collection */
	uint64_t unchanged;       /* already there, identical */
	uint64_t rejected;        /* refused, with a reason */
	uint64_t skipped;         /* MISP attributes not for detection (to_ids false) or deleted */
	uint64_t reasons_dropped; /* reasons past reasons_max, counted only */
	/* JSON array [{"where":"line 7","id":"...","reason":"..."}], malloc'ed; caller frees */
	char *reasons;
};

/* Imports from read(ctx) into collection c on behalf of who (owner, TLP audience). Refuses
 * (PI_ERR_DENIED) a principal who may not write to c. Returns PI_OK when the whole input was
 * read (some records may be rejected: see summary); an error means the input could not be
 * read to its end (malformed file: err says where) - batches before the error are stored and
 * counted in summary. The caller frees summary->reasons in every case. */
pi_status pi_import_run(pi_store *store, const struct pi_collection *c,
        const struct pi_principal *who, pi_import_read_fn read, void *ctx,
        const struct pi_import_options *opt, struct pi_import_summary *summary,
        struct pi_error *err);

#endif
