/* extract.h - the observable values an object pins, normalised (core/observable.h).
 *
 * From indicators with pattern_type "stix": every comparison that pins a value (=, each
 * member of IN, ISSUBSET for address blocks), not negated, whose object path maps to an
 * observable kind (pi_observable_kind_for_term). From cyber-observable objects: ipv4-addr,
 * ipv6-addr, domain-name, url, email-addr values, file/artifact hashes, x-phone-number and
 * x-sms-sender values. Values that do not normalise are reported (valid = 0, with the
 * reason), never silently indexed. The same function serves indexing, feeds and scanning,
 * so they agree on what an indicator means.
 */
#ifndef PI_INTEL_EXTRACT_H
#define PI_INTEL_EXTRACT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "core/error.h"
#include "core/observable.h"

struct pi_extracted {
	enum pi_observable_kind kind;
	int valid;
	const char *value;  /* normalised (valid) or as written (invalid) */
	size_t value_len;
	const char *reason; /* why it is invalid; NULL when valid */
	const char *source; /* "pattern" or the SCO property ("value", "hashes.SHA-256") */
	size_t observation; /* pattern: index of the [ ] it came from; 0 for SCOs */
};

/* Calls fn for each value object pins, in order; stops when fn returns nonzero. The
 * pointers in *e are valid only during the call. Returns PI_ERR_INVALID only if a STIX
 * pattern does not parse (err says where); objects that pin nothing are fine. */
pi_status pi_extract_observables(const cJSON *object, int (*fn)(void *arg, const struct pi_extracted *e),
	void *arg, struct pi_error *err);

/* As pi_extract_observables, for an indicator whose pattern the caller has already parsed
 * (parsed may be NULL: then it parses as above). The pattern stays the caller's. */
struct pi_pattern;
pi_status pi_extract_observables_parsed(const cJSON *object, const struct pi_pattern *parsed,
	int (*fn)(void *arg, const struct pi_extracted *e), void *arg, struct pi_error *err);

#endif
