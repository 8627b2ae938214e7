#include "core/stixmeta.h"

#include <string.h>

#include "core/json.h"

pi_status pi_stix_meta_read(const cJSON *object, struct pi_stix_meta *meta, struct pi_error *err)
{
	struct pi_time t;
	const char *sv;

	memset(meta, 0, sizeof(*meta));
	if (!cJSON_IsObject(object))
		return pi_error_set(err, PI_ERR_INVALID, "object: each STIX object must be a JSON object");
	meta->id = pi_json_get_string(object, "id");
	meta->type = pi_json_get_string(object, "type");
	if (!meta->id || !meta->type)
		return pi_error_set(err, PI_ERR_INVALID, "object: 'id' and 'type' are required strings");
	sv = pi_json_get_string(object, "spec_version");
	meta->spec_version = sv ? sv : "2.1";
	meta->version = pi_json_get_string(object, "modified");
	if (!meta->version)
		meta->version = pi_json_get_string(object, "created");
	if (meta->version) {
		if (pi_time_parse(meta->version, &t, err) != PI_OK) {
			pi_error_prefix(err, "%.80s: %s", meta->id,
				cJSON_GetObjectItemCaseSensitive(object, "modified") ? "modified" : "created");
			return PI_ERR_INVALID;
		}
		pi_time_key(&t, meta->version_key);
	}
	return PI_OK;
}
