/* stixmeta.h - the facts about a STIX object that storage and TAXII need: id, type,
 * spec_version and version. Pure reads of an already-validated cJSON object. */
#ifndef PI_CORE_STIXMETA_H
#define PI_CORE_STIXMETA_H

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/timeutil.h"

struct pi_stix_meta {
	const char *id;           /* points into the object */
	const char *type;         /* points into the object */
	const char *spec_version; /* "2.1" when absent (SCOs) */
	const char *version;      /* modified, else created, else NULL (versionless) */
	char version_key[PI_TIME_KEY_LEN]; /* sortable key of version, "" if versionless */
};

/* Fills meta from object. The pointers are stale once the object is freed. */
pi_status pi_stix_meta_read(const cJSON *object, struct pi_stix_meta *meta, struct pi_error *err);

#endif
