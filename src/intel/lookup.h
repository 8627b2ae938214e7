/* lookup.h - the read side of "indicators that work": what the index keeps about an object,
 * value look-up, correlation through shared observables, sighting totals and expiry.
 *
 * Access: every object row, access class and sighting passes pi_access_allows (VIEW) for the
 * caller before it counts or is listed; an answer is built only from what the caller may see,
 * so a value mentioned only in objects they cannot see answers exactly like an unknown value.
 *
 * Costs: counts come from the per-access-class rows of store_intel.h (a value in 50,000
 * objects is a handful of rows); listings scan at most PI_LOOKUP_SCAN_MAX index rows per
 * observable and show at most opts->list_max objects; sightings are summed over at most
 * PI_LOOKUP_SIGHTINGS_MAX sightings per object.
 */
#ifndef PI_INTEL_LOOKUP_H
#define PI_INTEL_LOOKUP_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "core/access.h"
#include "core/buf.h"
#include "core/observable.h"
#include "intel/warninglist.h"
#include "store/store.h"
#include "store/store_intel.h"

#define PI_LOOKUP_BATCH_MAX 10000
#define PI_LOOKUP_SCAN_MAX 2000
#define PI_LOOKUP_SIGHTINGS_MAX 10000
#define PI_LOOKUP_LIST_DEFAULT 50
#define PI_INTEL_OBS_PER_OBJECT_MAX 10000

/* Nonzero if obj is in force at now_us: not "revoked": true and, when it has valid_until,
 * valid_until is later than now_us. For any object type (feeds use it on indicators). */
int pi_indicator_active(const cJSON *obj, int64_t now_us);

/* The kind a value is indexed under: an address written as a one-address CIDR block is an
 * address (IPV4/IPV6), and an SMS sender that is a phone number is a PHONE. */
enum pi_observable_kind pi_intel_index_kind(enum pi_observable_kind kind, const char *normalised);

/* What the index keeps about one object, built from its JSON; owns its strings. */
struct pi_intel_doc {
	struct pi_intel_facts facts;
	struct pi_intel_obs *obs;
	size_t n_obs;
	char *sighting_of;
	char *name; /* the object's "name" when it is a string */
	/* human-readable notes for the submitter ("warning: ..."; "; "-separated): values that
	 * do not normalise (never indexed) and values on a warninglist; NULL when none */
	char *warnings;
};

/* Fills doc from obj (wl may be NULL). Release with pi_intel_doc_free (also after errors). */
struct pi_pattern;
pi_status pi_intel_doc_build(const cJSON *obj, const struct pi_pattern *parsed,
        const struct pi_warninglists *wl, struct pi_intel_doc *doc, struct pi_error *err);
void pi_intel_doc_free(struct pi_intel_doc *doc);

/* The kind of a value by its shape: URL (has "://"), e-mail (has '@'), IPv4/IPv6 address or
 * CIDR block, hash by length (32/40/64/128 hex digits), phone ("+" or "00" then digits),
 * short code (3-8 digits: SMS sender), domain (has a dot), else an alphanumeric SMS sender
 * id; PI_OBSERVABLE_NONE when nothing fits. */
enum pi_observable_kind pi_lookup_detect(const char *value, size_t len);

struct pi_lookup_opts {
	int64_t now_us;
	size_t list_max; /* objects listed per match; 0: PI_LOOKUP_LIST_DEFAULT */
	const struct pi_warninglists *wl;
};

/* Looks value up for who: kind NONE detects it, and appends the answer object described in
 * docs/api.md to out as compact JSON text, written straight from the index rows (no tree).
 * PI_ERR_INVALID (with the reason) when the value does not normalise as its kind;
 * PI_ERR_TOOBIG when the answer would pass out's cap. On any error nothing is appended. */
pi_status pi_lookup_value_write(pi_store *store, const struct pi_principal *who, const char *value,
        enum pi_observable_kind kind, const struct pi_lookup_opts *opts, struct pi_buf *out,
        struct pi_error *err);

/* The same answer as a tree: *out (caller frees with cJSON_Delete) is NULL on error. */
pi_status pi_lookup_value(pi_store *store, const struct pi_principal *who, const char *value,
        enum pi_observable_kind kind, const struct pi_lookup_opts *opts, cJSON **out,
        struct pi_error *err);

/* Sightings of the object stix_id that who may see. */
struct pi_sighting_totals {
	int64_t sightings;             /* sighting objects */
	int64_t count;                 /* sum of their counts */
	int64_t false_positives;       /* sightings flagged x_postisac_false_positive */
	int64_t first_seen, last_seen; /* microseconds, 0 = unknown */
};
pi_status pi_intel_sighting_totals(pi_store *store, const struct pi_principal *who,
        const char *stix_id, struct pi_sighting_totals *out, struct pi_error *err);

/* The object stix_id as who sees it, with its correlations: *out (caller frees) is the
 * answer object of GET /api/v1/objects/{id}. PI_ERR_NOTFOUND when no version is visible. */
pi_status pi_intel_object_view(pi_store *store, const struct pi_principal *who, const char *stix_id,
        const struct pi_lookup_opts *opts, cJSON **out, struct pi_error *err);

#endif
