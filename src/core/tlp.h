/* tlp.h - Traffic Light Protocol levels and the STIX marking-definition ids that carry them.
 *
 * Both TLP 2.0 and TLP 1.0 marking-definition ids are understood (TLP 1.0 WHITE reads as
 * CLEAR). An object carrying several TLP markings takes the most restrictive. An object
 * with no TLP marking is PI_TLP_UNMARKED: the creator organisation's own until marked.
 */
#ifndef PI_CORE_TLP_H
#define PI_CORE_TLP_H

#include <cjson/cJSON.h>

enum pi_tlp {
	PI_TLP_UNMARKED = 0,
	PI_TLP_CLEAR,
	PI_TLP_GREEN,
	PI_TLP_AMBER,
	PI_TLP_AMBER_STRICT,
	PI_TLP_RED,
};

/* The TLP level of a marking-definition id, or -1 when the id is not a TLP marking. */
int pi_tlp_from_marking_id(const char *id);

/* The most restrictive TLP among an object's object_marking_refs (UNMARKED if none). */
enum pi_tlp pi_tlp_of_object(const cJSON *object);

/* "TLP:CLEAR", ..., "TLP:AMBER+STRICT", "TLP:RED"; "unmarked" for UNMARKED. */
const char *pi_tlp_label(enum pi_tlp tlp);
/* "clear", "green", "amber", "amber+strict", "red", "unmarked". */
const char *pi_tlp_name(enum pi_tlp tlp);
/* Parses a name as pi_tlp_name writes it (case-insensitive, "TLP:" prefix allowed,
 * "white" means clear). Returns 0 on success, -1 if unknown. */
int pi_tlp_parse(const char *name, enum pi_tlp *out);
/* The TLP 2.0 marking-definition id of a level (NULL for UNMARKED). */
const char *pi_tlp_marking_id(enum pi_tlp tlp);

#endif
