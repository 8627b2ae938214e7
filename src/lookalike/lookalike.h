/* lookalike.h - lookalike domains of postal brands: generate them, and watch feeds for them.
 *
 * Two halves share this header:
 *
 * Generation (fuzz.c) makes the permutations a phisher would register for one domain, each
 * tagged with the fuzzer that made it. The dnstwist fuzzers (addition ... various) produce at
 * least the set dnstwist 20221213 produces for the same options; ours add plural, combosquat
 * (postal words before/after the brand, with and without hyphen) and brand-subdomain forms.
 * Unicode results are given in punycode (libidn2) and in Unicode; names that are not valid
 * host names are never emitted.
 *
 * Watching (watch.c, skeleton.c) holds a set of protected brands and scores one name at a time
 * against all of them: same UTS #39 skeleton, weighted edit distance on skeletons, brand token
 * with postal words around it, brand as a subdomain of an unrelated domain. ASCII names take a
 * table-driven path with no ICU call; only non-ASCII or xn-- names go through ICU's uspoof.
 * Legitimate domains of the brand owners (and their subdomains) are never flagged.
 *
 * Publishing (publish.c) turns hits into STIX 2.1 indicators and posts them to a TAXII 2.1
 * collection with libcurl.
 */
#ifndef PI_LOOKALIKE_LOOKALIKE_H
#define PI_LOOKALIKE_LOOKALIKE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

/* ---- generation ---- */

enum pi_fuzzer {
	PI_FUZZ_ORIGINAL = 0,
	PI_FUZZ_ADDITION,
	PI_FUZZ_BITSQUATTING,
	PI_FUZZ_CYRILLIC,
	PI_FUZZ_HOMOGLYPH,
	PI_FUZZ_HYPHENATION,
	PI_FUZZ_INSERTION,
	PI_FUZZ_OMISSION,
	PI_FUZZ_REPETITION,
	PI_FUZZ_REPLACEMENT,
	PI_FUZZ_SUBDOMAIN,
	PI_FUZZ_TRANSPOSITION,
	PI_FUZZ_VOWEL_SWAP,
	PI_FUZZ_DICTIONARY,
	PI_FUZZ_TLD_SWAP,
	PI_FUZZ_VARIOUS,
	PI_FUZZ_PLURAL,
	PI_FUZZ_COMBOSQUAT,
	PI_FUZZ_BRAND_SUBDOMAIN,
	PI_FUZZ_COUNT
};

#define PI_FUZZ_ALL ((1u << PI_FUZZ_COUNT) - 1u)
#define PI_LOOKALIKE_MAX_PERMS 4000000u /* cap on permutations of one domain */
/* cap on candidate domain labels the fuzzers make for one domain, repeats and labels whose
 * names are not valid included (bounds the work on long labels) */
#define PI_LOOKALIKE_MAX_LABELS 16000000u
#define PI_LOOKALIKE_MAX_WORDS 100000u /* cap on --dict / --tld lines */

/* "*original", "addition", ..., "vowel-swap", "tld-swap", "brand-subdomain". */
const char *pi_fuzzer_name(enum pi_fuzzer f);

/* Parses a comma-separated list of fuzzer names (case-insensitive, spaces around names
 * allowed) into a bit mask (1u << PI_FUZZ_x). Unknown names are refused with the name in err. */
pi_status pi_fuzzer_parse_list(const char *list, unsigned *mask, struct pi_error *err);

struct pi_gen_options {
	unsigned fuzzers;              /* bit mask; 0 means the default: every fuzzer */
	const char *const *dict_words; /* for "dictionary"; borrowed */
	size_t n_dict_words;
	const char *const *tlds; /* for "tld-swap"; borrowed */
	size_t n_tlds;
};

typedef struct pi_perms pi_perms;

/* Generates the permutations of domain (ASCII, Unicode or punycode; lower-cased; a scheme or
 * path is refused). On success *out holds them, each name once, tagged with the first fuzzer
 * (in enum order) that made it; the caller frees it with pi_perms_free. Over
 * PI_LOOKALIKE_MAX_PERMS permutations or PI_LOOKALIKE_MAX_LABELS candidate labels it fails with
 * PI_ERR_TOOBIG (a label whose homoglyph candidates would pass the label cap is refused before
 * they are made). */
pi_status pi_lookalike_generate(const char *domain, const struct pi_gen_options *opts,
        pi_perms **out, struct pi_error *err);

size_t pi_perms_count(const pi_perms *p);
/* The i-th permutation as an ASCII host name (punycode where needed). Valid until freed. */
const char *pi_perms_domain(const pi_perms *p, size_t i);
/* The Unicode form, or NULL when it equals the ASCII form. Valid until freed. */
const char *pi_perms_unicode(const pi_perms *p, size_t i);
enum pi_fuzzer pi_perms_fuzzer(const pi_perms *p, size_t i);
/* Sorts by (fuzzer name, domain), the order dnstwist prints. */
void pi_perms_sort(pi_perms *p);
void pi_perms_free(pi_perms *p);

/* The postal words used for combosquats (track, parcel, redelivery, ...): *n gets the count;
 * the array is static. */
const char *const *pi_lookalike_postal_words(size_t *n);

/* Reads a word list file: one entry a line, at most PI_LOOKALIKE_MAX_WORDS kept, duplicates
 * dropped. kind 'd' keeps lines that are all letters/digits (dnstwist --dictionary rule);
 * kind 't' keeps lines matching ^[a-z0-9-]{2,63}(\.[a-z0-9-]{2,63})?$ (its --tld rule).
 * *words_out is an array of *n_out strings; free with pi_wordlist_free. */
pi_status pi_wordlist_load(
        const char *path, char kind, char ***words_out, size_t *n_out, struct pi_error *err);
void pi_wordlist_free(char **words, size_t n);

/* True if name (ASCII) passes the host name rule every emitted name obeys: 4..253 chars, at
 * least two labels, labels [a-z0-9-]{1,63} not starting or ending with '-', last label
 * [a-z0-9-]{2,63}. */
int pi_lookalike_valid_fqdn(const char *name, size_t len);

/* ---- watching ---- */

typedef struct pi_watcher pi_watcher;

#define PI_LOOKALIKE_MAX_BRANDS 10000u
#define PI_LOOKALIKE_MAX_NAME 253u

/* Reasons, as bits in pi_watch_hit.reasons. */
enum pi_watch_reason {
	PI_REASON_SKELETON = 1u << 0,        /* same UTS #39 skeleton as the brand label */
	PI_REASON_EDIT_DISTANCE = 1u << 1,   /* weighted edit distance on skeletons within budget */
	PI_REASON_COMBOSQUAT = 1u << 2,      /* brand token with postal words around it */
	PI_REASON_BRAND_SUBDOMAIN = 1u << 3, /* brand as a subdomain of an unrelated domain */
	PI_REASON_SPLIT = 1u << 4,           /* brand split across labels (us.ps.com) */
	PI_REASON_TLD_SWAP = 1u << 5,        /* the brand label itself under another suffix */
};

struct pi_watch_hit {
	size_t brand;     /* index into the brand list */
	double score;     /* 0..1 */
	unsigned reasons; /* pi_watch_reason bits */
	double distance;  /* weighted edit distance when PI_REASON_EDIT_DISTANCE */
	char word[32];    /* the postal word for PI_REASON_COMBOSQUAT */
};

/* Creates a watcher from a brands file text: one brand a line, "DOMAIN [TOKEN...]", '#'
 * comments. A token with a dot is another legitimate domain of the brand; other tokens
 * (at least 3 characters) are further brand words to look for. Errors name the line. The
 * caller frees the watcher with pi_watcher_free. */
pi_status pi_watcher_new(const char *text, size_t len, pi_watcher **out, struct pi_error *err);
pi_status pi_watcher_load(const char *path, pi_watcher **out, struct pi_error *err);
void pi_watcher_free(pi_watcher *w);

/* Minimum score reported by pi_watcher_check (default 0.5). */
void pi_watcher_set_threshold(pi_watcher *w, double threshold);

size_t pi_watcher_brand_count(const pi_watcher *w);
/* The brand's protected domain (first field of its line). Valid until the watcher is freed. */
const char *pi_watcher_brand_domain(const pi_watcher *w, size_t i);

/* Checks one name (len bytes, need not be NUL-terminated, any case, optional trailing dot
 * and "*." prefix). Returns 1 and fills *hit with the best brand if the name imitates a brand
 * with score >= threshold, 0 if not (including names that are a brand's legitimate domains
 * and names that are not host names). Never allocates on the ASCII path. */
int pi_watcher_check(pi_watcher *w, const char *name, size_t len, struct pi_watch_hit *hit);

/* Writes the reasons as a JSON array body (without brackets) of strings such as
 * "skeleton", "edit-distance:1.0", "combosquat:track" into out (NUL-terminated, cut at
 * size). */
void pi_watch_reasons_format(const struct pi_watch_hit *hit, char *out, size_t size);

/* ---- skeletons (skeleton.c) ---- */

/* Writes the matching skeleton of a UTF-8 string: ICU uspoof skeleton (UTS #39), lower-cased,
 * non-spacing marks dropped, then the ASCII fold (see skeleton.c). out gets at most size-1
 * bytes and a NUL. Returns the length, or -1 if the text is not valid UTF-8 or ICU fails. */
long pi_skeleton_utf8(const char *text, size_t len, char *out, size_t size);

/* The ASCII-only fold of text[0..len) into out (size >= len + 1); returns the length.
 * Equal to pi_skeleton_utf8 on ASCII input, without calling ICU per name. */
size_t pi_skeleton_ascii(const char *text, size_t len, char *out);

/* ---- publishing (publish.c) ---- */

struct pi_publish_options {
	const char *hub;        /* base URL, e.g. http://127.0.0.1:8080 */
	const char *token;      /* Bearer token */
	const char *collection; /* collection id */
	const char *tlp;        /* clear|green|amber|amber+strict|red */
};

struct pi_publish_item {
	const char *name;  /* the lookalike domain (ASCII) */
	const char *brand; /* the imitated brand's domain */
};

struct pi_publish_result {
	size_t total;
	size_t success;
	size_t failure;
};

/* The TLP 2.0 marking-definition id of a level name, or NULL if unknown. */
const char *pi_tlp2_marking_id(const char *level);

/* Builds a TAXII envelope {"objects":[...]} of STIX 2.1 indicators for items[0..n) into a
 * newly allocated string (caller frees). now_us is the creation time. */
pi_status pi_lookalike_indicators_json(const struct pi_publish_item *items, size_t n,
        const char *marking_id, int64_t now_us, char **out, struct pi_error *err);

/* Posts indicators for items[0..n) in batches of at most 1000, reads each TAXII status
 * resource, adds the counts to *result and writes one line per failure to failures_out
 * (may be NULL). Fails on transport errors or a non-2xx answer, naming the batch. */
pi_status pi_lookalike_publish(const struct pi_publish_options *opts,
        const struct pi_publish_item *items, size_t n, struct pi_publish_result *result,
        FILE *failures_out, struct pi_error *err);

#endif
