/* scan.h - the log scanner: reads logs, finds observables, matches them, writes hits.
 *
 * Inputs are files or stdin ("-"), plain, gzip or zstd (recognised by their first bytes).
 * With follow, plain files are read like `tail -F`: after the end the scanner waits for
 * more, and when the path is renamed away or truncated it finishes the old file and opens
 * the new one.
 *
 * Pipeline. The calling thread is the producer and the writer: it reads inputs into chunks
 * of about PI_SCAN_CHUNK bytes cut at line ends (a partial last line is carried to the next
 * chunk) and hands them to `threads` workers through a window of chunk slots. A worker
 * extracts observables (lineobs.h), looks them up in batches (matcher.h) and records hits in
 * the chunk's own arrays, so workers share no written memory and nothing is allocated per
 * line. The writer takes chunks back in input order and writes one JSON line per hit, so the
 * output is the same for every thread count.
 *
 * Skipped, never fatal: lines over PI_SCAN_MAX_LINE bytes, lines with NUL bytes (binary
 * blobs), lines that are corrupt for their format (JSON that does not parse, Zeek lines
 * with the wrong number of columns). They are counted in struct pi_scan_totals.
 *
 * Hit JSON (one line each): {"time", "file", "line_number", "kind", "observable", "matched",
 * "match" ("exact", "parent", "range", "like", "matches"), "indicator" (id or null), "tlp",
 * "labels", "confidence" (omitted when unknown), "source", "line" (unless no_line)}.
 *
 * Indicator refresh: pi_scan_publish hands the scanner a new set and matcher at any time
 * (from another thread); chunks read after that use it, chunks in flight finish with the
 * one they started with, and each is freed once no chunk uses it.
 */
#ifndef PI_SCAN_SCAN_H
#define PI_SCAN_SCAN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "scan/indset.h"
#include "scan/lineobs.h"
#include "scan/matcher.h"

#define PI_SCAN_CHUNK ((size_t)4 << 20)
#define PI_SCAN_MAX_THREADS 64

/* One hit as the writer sees it; pointers valid only during the callback. */
struct pi_scan_hit {
	int64_t time_us;
	const char *file;
	uint64_t line_number;
	const char *line;
	size_t line_len;
	enum pi_observable_kind kind;
	const char *observable;
	const char *matched;
	const char *match; /* "exact", "parent", "range", "like", "matches" */
	struct pi_scan_indicator indicator;
};

struct pi_scan_totals {
	uint64_t bytes, lines, hits;
	uint64_t skipped_long, skipped_binary, corrupt;
	uint64_t files, files_failed;
};

struct pi_scan_options {
	enum pi_scan_format format; /* AUTO: per file, from its first line */
	unsigned threads;           /* workers, 1..PI_SCAN_MAX_THREADS */
	unsigned xflags;            /* enum pi_scan_xflags */
	int follow;
	int no_line;
	int progress;                      /* print a progress line on stderr */
	FILE *out;                         /* hits go here (NULL: no JSON output) */
	const volatile sig_atomic_t *stop; /* set nonzero to end a follow (may be NULL) */
	unsigned poll_ms;                  /* follow: wait between polls (default 250) */
	/* called by the writer for each hit, in output order (may be NULL) */
	void (*on_hit)(void *arg, const struct pi_scan_hit *hit);
	/* called by the writer about once a second (may be NULL) */
	void (*on_tick)(void *arg);
	void *arg;
};

typedef struct pi_scan pi_scan;

/* Creates a scanner that starts with set and matcher and takes ownership of both (they are
 * freed with the scanner or when replaced). On failure they are freed too. */
pi_status pi_scan_new(const struct pi_scan_options *opt, pi_scan_set *set, pi_scan_matcher *m,
        pi_scan **out, struct pi_error *err);
void pi_scan_free(pi_scan *s);

/* Scans files[0..n) in order ("-" is stdin). Returns PI_OK when every input was read (the
 * totals say whether anything matched); a file that cannot be opened or read is reported on
 * stderr, counted in files_failed and skipped, and then PI_ERR_IO is returned at the end.
 * Errors of the output stream return PI_ERR_IO at once. */
pi_status pi_scan_run(pi_scan *s, const char *const *files, size_t n, struct pi_scan_totals *totals,
        struct pi_error *err);

/* Replaces the indicators (thread-safe); takes ownership of set and m. */
void pi_scan_publish(pi_scan *s, pi_scan_set *set, pi_scan_matcher *m);

/* Writes s as a JSON string (quotes included) into out[0..cap); invalid UTF-8 becomes U+FFFD
 * and control characters are escaped. Returns the length, or 0 if it did not fit. */
size_t pi_scan_json_string(const char *s, size_t n, char *out, size_t cap);

#endif
