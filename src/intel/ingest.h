/* ingest.h - adding STIX objects to a collection: the one path TAXII POST, `postisac init
 * --demo` and imports share.
 *
 * For each object: strict STIX 2.1 validation (core/stix.h, with marking-definitions known to
 * the hub or earlier in the same batch), STIX pattern syntax for pattern_type "stix", TLP
 * from its markings, x_postisac_recipients mapped to member organisations and users, then
 * one durable store transaction for all objects that passed. Per-object outcomes are
 * written as TAXII status details.
 */
#ifndef PI_INTEL_INGEST_H
#define PI_INTEL_INGEST_H

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "store/store.h"

struct pi_ingest_result {
	int total;
	int success;
	int failure;
	int added;
	/* JSON {"successes":[...],"failures":[...],"pendings":[]}; malloc'ed, caller frees */
	char *details;
};

/* Ingests the objects (a cJSON array) into collection c on behalf of who (owner org/user).
 * Returns PI_OK when every object was processed (some may have failed: see res); an error
 * status means nothing was stored (err says why). */
pi_status pi_ingest_objects(pi_store *store, const struct pi_collection *c,
	const struct pi_principal *who, const cJSON *objects, struct pi_ingest_result *res,
	struct pi_error *err);

#endif
