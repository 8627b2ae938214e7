/* stix.h - strict validation of single STIX 2.1 objects.
 *
 * pi_stix_validate checks one parsed object (SDO, SRO, SCO, marking-definition,
 * language-content, extension-definition or a custom object) against everything the
 * OASIS STIX 2.1 JSON schemas express, plus the rules of the specification that the
 * schemas miss: spec_version exactly "2.1", modified >= created, RFC 3339 UTC
 * timestamps with real calendar dates, ordered time ranges (valid_until > valid_from,
 * last_seen >= first_seen, ...), integers that are integral and in range, id prefixes
 * equal to the type, references that point at the right kind of object, hash lengths,
 * property and type name syntax, and marking references the hub knows.
 *
 * The validator is stateless and allocates nothing: it walks the cJSON tree once and
 * stops at the first rule broken. It is safe to call from several threads at once.
 */
#ifndef PI_CORE_STIX_H
#define PI_CORE_STIX_H

#include <cjson/cJSON.h>

#include "core/error.h"

struct pi_stix_options {
	/* Called for each marking-definition id referenced (object_marking_refs,
	 * granular_markings[].marking_ref) that is not one of the TLP 1.0 / TLP 2.0 ids
	 * (which are always known). Returns nonzero if the hub knows it.
	 * NULL callback: only the TLP ids are known. */
	int (*marking_known)(void *arg, const char *marking_id);
	void *arg;
};

/* Validates one STIX 2.1 object. opt may be NULL (only TLP markings known).
 * On failure returns PI_ERR_INVALID and err->message reads
 * "<object id>: <property>: <rule broken, with the offending value quoted and what is
 * expected>", e.g. "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: valid_until: must be
 * later than valid_from (2016-01-01T00:00:00Z)". "object" stands in for the id when the id
 * itself is missing or bad. Nested properties are written as a path:
 * "external_references[0].external_id", "extensions.ntfs-ext.sid", "objects.0.value".
 * The object is only read; nothing is allocated or retained. */
pi_status pi_stix_validate(
        const cJSON *object, const struct pi_stix_options *opt, struct pi_error *err);

/* Nonzero if s is "<type>--<RFC 4122 UUID>" (type: 3-250 characters, a-z, 0-9 and single
 * hyphens, starting with a letter; UUID version 1-5, variant 10xx, hex digits of either
 * case, as the OASIS identifier schema allows) and, if type is non-NULL, the prefix equals
 * type. */
int pi_stix_id_valid(const char *s, const char *type);

/* Nonzero if id is one of the TLP 1.0 or TLP 2.0 marking-definition ids. */
int pi_stix_marking_is_tlp(const char *id);

#endif
