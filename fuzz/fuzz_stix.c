/* fuzz_stix.c - libFuzzer target for the strict STIX 2.1 object validator.
 *
 * Each input is parsed with pi_json_parse; a parsed document is validated as one object and,
 * when it carries an "objects" list (a bundle), each element is validated too. The validator
 * must never crash, leak or read out of bounds, and its verdict must be either PI_OK with an
 * empty message or PI_ERR_INVALID with a message of the form "<label>: <path>: <rule>".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/stix.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every other marking id is "known" when its last hex digit is even. */
static int marking_known(void *arg, const char *id)
{
	size_t n = strlen(id);

	(void)arg;
	return n > 0 && strchr("02468ace", id[n - 1]) != NULL;
}

static void check_one(const cJSON *obj)
{
	struct pi_stix_options opt = {marking_known, NULL};
	struct pi_error err;
	pi_status st = pi_stix_validate(obj, &opt, &err);

	if (st == PI_OK) {
		if (err.message[0] != '\0')
			abort();
		return;
	}
	if (st != PI_ERR_INVALID || err.status != PI_ERR_INVALID)
		abort();
	/* label, path and rule separated by ": " */
	{
		const char *first = strstr(err.message, ": ");

		if (!first || !strstr(first + 2, ": "))
			abort();
	}
	/* validation is a pure function of its input */
	{
		struct pi_error again;

		if (pi_stix_validate(obj, &opt, &again) != st ||
		        strcmp(again.message, err.message) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pi_error err;
	cJSON *doc = NULL;
	const cJSON *list, *o;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (pi_json_parse((const char *)data, size, PI_JSON_MAX_DEPTH, &doc, &err) != PI_OK)
		return 0;
	check_one(doc);
	list = cJSON_GetObjectItemCaseSensitive(doc, "objects");
	cJSON_ArrayForEach(o, list) check_one(o);
	cJSON_Delete(doc);
	return 0;
}
