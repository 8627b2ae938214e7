/* matcher.h - matches observables against an indicator set, built once per set.
 *
 *   exact values   one open-addressing hash table for every kind (compact slots: a 32-bit
 *                  tag from the hash and the 32-bit offset of the entry, so a miss touches
 *                  one cache line); keys are the normalised text, IP addresses their 4 or 16
 *                  bytes. A domain is looked up with each of its parents (www.a.example,
 *                  a.example; never the top-level label alone). Look-ups are batched: the
 *                  slots of a whole batch are prefetched before the first is compared.
 *   CIDR ranges    a binary prefix tree per address family; an address reports every
 *                  range that contains it.
 *   LIKE, MATCHES  Vectorscan, one block-mode database per observable kind, compiled once;
 *                  with a cache directory the database is stored there
 *                  (hs_serialize_database) under the hash of its expressions and reused.
 *                  LIKE 'a%b_' becomes the anchored expression ^a.*b.$ ('_' is one byte);
 *                  MATCHES is the PCRE expression as written, unanchored. Expressions on
 *                  domains are case-insensitive (domains are lower case). An expression
 *                  Vectorscan refuses is dropped and counted, never fatal.
 *
 * Hits name the matching value by its index in the set (pi_scan_set_value), which gives the
 * indicator and the matched text. The matcher is immutable after building and may be read
 * by any number of threads, each with its own pi_scan_mthread (Vectorscan scratch and the
 * probe batch). The set must outlive the matcher.
 */
#ifndef PI_SCAN_MATCHER_H
#define PI_SCAN_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "scan/indset.h"
#include "scan/lineobs.h"

typedef struct pi_scan_matcher pi_scan_matcher;
typedef struct pi_scan_mthread pi_scan_mthread;

struct pi_scan_matcher_stats {
	size_t keys;            /* distinct exact keys */
	size_t ranges;          /* CIDR ranges */
	size_t expressions;     /* Vectorscan expressions compiled */
	size_t expressions_bad; /* dropped because Vectorscan refused them */
	int hs_from_cache;      /* every database came from the cache directory */
	size_t bytes;           /* memory held by the tables */
};

/* Builds the matcher for set. cache_dir (may be NULL: no cache) is created if missing.
 * *out is freed with pi_scan_matcher_free. Errors: PI_ERR_NOMEM, PI_ERR_TOOBIG (over 2^31
 * keys), PI_ERR_INTERNAL when Vectorscan fails for a reason other than an expression. */
pi_status pi_scan_matcher_build(
        const pi_scan_set *set, const char *cache_dir, pi_scan_matcher **out, struct pi_error *err);
void pi_scan_matcher_free(pi_scan_matcher *m);

/* The matcher cache: m written to path, naming set_file (the cache file its set was read
 * from or written to: pi_scan_set_save), and read back for the same set. A load finds
 * PI_ERR_NOTFOUND when there is no file or it was built from another version of set_file,
 * PI_ERR_INVALID when the file is damaged (every offset is checked), PI_ERR_NOMEM. A loaded
 * matcher maps the file read-only and behaves as a built one. */
pi_status pi_scan_matcher_save(
        const pi_scan_matcher *m, const char *path, const char *set_file, struct pi_error *err);
pi_status pi_scan_matcher_load(const pi_scan_set *set, const char *path, const char *set_file,
        pi_scan_matcher **out, struct pi_error *err);
const pi_scan_set *pi_scan_matcher_set(const pi_scan_matcher *m);
void pi_scan_matcher_stats(const pi_scan_matcher *m, struct pi_scan_matcher_stats *out);

/* Per-thread state for m. Free with pi_scan_mthread_free before m. */
pi_status pi_scan_mthread_new(const pi_scan_matcher *m, pi_scan_mthread **out);
void pi_scan_mthread_free(pi_scan_mthread *t);

/* What t's look-ups cost: filter checks (a domain's walk stops at the first suffix the filter
 * does not hold, see matcher.c), values run through Vectorscan, and values the LIKE
 * prefilter spared (they start like no LIKE pattern of their class). */
struct pi_scan_mthread_counts {
	uint64_t filter_checks, hs_scans, hs_skipped;
};
void pi_scan_mthread_counts(const pi_scan_mthread *t, struct pi_scan_mthread_counts *out);

/* One observable to look up (as lineobs.h reports it; value normalised). The PI_SCAN_OBS_PAD
 * bytes after the value, value[len .. len + PI_SCAN_OBS_PAD), must be readable too (their
 * content does not matter): short names are read with fixed-size loads. The scan's batch
 * arena keeps that room after each value. */
struct pi_scan_mobs {
	const char *value;
	uint32_t len;
	uint8_t kind; /* enum pi_observable_kind */
	uint8_t addr[16];
};

/* Called for each hit: obs is the index into the batch, value the index of the matching
 * value in the set. A pair may be reported twice (a value that is both a key and an
 * expression); callers that need each once de-duplicate. */
typedef void (*pi_scan_hit_fn)(void *arg, size_t obs, uint32_t value);

/* Words of an IPv4 /16 filter: a bit per value of an address's first 16 bits. */
#define PI_SCAN_IP4_FILTER_WORDS (65536 / 64)

/* m's bit per /16 (PI_SCAN_IP4_FILTER_WORDS words; bit p & 63 of word p >> 6, p the first 16
 * bits of an address in network order): clear when no IPv4 address in that /16 can hit
 * anything (no exact key in it, no range on its path and no expression on addresses), set when
 * one may. Made once with the matcher and valid as long as it; a scan hands it to the
 * extractor (struct pi_scan_xctx's ip4_filter), so most addresses of a log are dropped before
 * they are formatted or batched. */
const uint64_t *pi_scan_match_ip4_filter(const pi_scan_matcher *m);

/* Looks up obs[0..n) and calls fn for each hit, in the order of obs. */
void pi_scan_match_batch(const pi_scan_matcher *m, pi_scan_mthread *t,
        const struct pi_scan_mobs *obs, size_t n, pi_scan_hit_fn fn, void *arg);

#endif
