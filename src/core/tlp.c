#include "core/tlp.h"

#include <string.h>
#include <strings.h>

struct tlp_marking {
	const char *id;
	enum pi_tlp tlp;
};

static const struct tlp_marking tlp_markings[] = {
	/* TLP 2.0 (FIRST, 2022) */
	{"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", PI_TLP_CLEAR},
	{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", PI_TLP_GREEN},
	{"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", PI_TLP_AMBER},
	{"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", PI_TLP_AMBER_STRICT},
	{"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", PI_TLP_RED},
	/* TLP 1.0, as defined in STIX 2.1 section 7.2.1.4 */
	{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", PI_TLP_CLEAR},
	{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", PI_TLP_GREEN},
	{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", PI_TLP_AMBER},
	{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", PI_TLP_RED},
};

int pi_tlp_from_marking_id(const char *id)
{
	if (!id || strncmp(id, "marking-definition--", 20) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(tlp_markings) / sizeof(tlp_markings[0]); i++)
		if (strcmp(id, tlp_markings[i].id) == 0)
			return (int)tlp_markings[i].tlp;
	return -1;
}

enum pi_tlp pi_tlp_of_object(const cJSON *object)
{
	const cJSON *refs = cJSON_GetObjectItemCaseSensitive(object, "object_marking_refs");
	const cJSON *ref;
	enum pi_tlp level = PI_TLP_UNMARKED;

	cJSON_ArrayForEach(ref, refs)
	{
		int t = cJSON_IsString(ref) ? pi_tlp_from_marking_id(ref->valuestring) : -1;
		if (t > (int)level)
			level = (enum pi_tlp)t;
	}
	return level;
}

static const char *const labels[] = {"unmarked", "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER",
	"TLP:AMBER+STRICT", "TLP:RED"};
static const char *const names[] = {"unmarked", "clear", "green", "amber", "amber+strict", "red"};

const char *pi_tlp_label(enum pi_tlp tlp)
{
	return (unsigned)tlp <= PI_TLP_RED ? labels[tlp] : "unmarked";
}

const char *pi_tlp_name(enum pi_tlp tlp)
{
	return (unsigned)tlp <= PI_TLP_RED ? names[tlp] : "unmarked";
}

int pi_tlp_parse(const char *name, enum pi_tlp *out)
{
	if (!name)
		return -1;
	if (strncasecmp(name, "TLP:", 4) == 0)
		name += 4;
	if (strcasecmp(name, "white") == 0) {
		*out = PI_TLP_CLEAR;
		return 0;
	}
	for (int i = 0; i <= PI_TLP_RED; i++) {
		if (strcasecmp(name, names[i]) == 0) {
			*out = (enum pi_tlp)i;
			return 0;
		}
	}
	return -1;
}

const char *pi_tlp_marking_id(enum pi_tlp tlp)
{
	if (tlp == PI_TLP_UNMARKED || (unsigned)tlp > PI_TLP_RED)
		return NULL;
	return tlp_markings[tlp - 1].id;
}
