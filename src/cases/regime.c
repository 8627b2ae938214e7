/* regime.c - loading and validating regime files.
 *
 * A file is parsed strictly (pi_json_parse: no duplicate keys), then walked once.
 * Every object is checked for unknown properties so that a misspelt key ("time_limt")
 * is an error at start-up rather than a silently missing deadline. Cross references
 * (trigger.stage, replaceable.by, stands_in_for) are resolved in a second pass once
 * all stage ids are known. Strings are not copied: they point into the cJSON tree,
 * which the regime keeps (regime->doc) and frees with itself.
 */
#include "cases/regime.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/json.h"

const char *const pi_regime_org_types[] = {
        "postal-operator", "regulator", "pes-provider", "partner", "isac-operator", NULL};

/* Where we are in the file, for error messages. */
struct where {
	const char *source;
	const char *stage; /* NULL outside a stage */
};

static pi_status fail(const struct where *w, struct pi_error *err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static pi_status fail(const struct where *w, struct pi_error *err, const char *fmt, ...)
{
	char msg[PI_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->stage)
		return pi_error_set(
		        err, PI_ERR_INVALID, "%s: stage '%.64s': %s", w->source, w->stage, msg);
	return pi_error_set(err, PI_ERR_INVALID, "%s: %s", w->source, msg);
}

const char *pi_trigger_event_name(enum pi_trigger_event event)
{
	switch (event) {
	case PI_TRIGGER_DISCOVERY: return "discovery";
	case PI_TRIGGER_AWARENESS: return "awareness";
	case PI_TRIGGER_FILING: return "filing";
	case PI_TRIGGER_REQUEST: return "request";
	case PI_TRIGGER_PERIOD: return "period";
	case PI_TRIGGER_HANDLED: return "handled";
	case PI_TRIGGER_OCCURRENCE: return "occurrence";
	}
	return "?";
}

const char *pi_limit_unit_name(enum pi_limit_unit unit)
{
	switch (unit) {
	case PI_LIMIT_HOURS: return "hours";
	case PI_LIMIT_DAYS: return "days";
	case PI_LIMIT_MONTHS: return "months";
	case PI_LIMIT_PER_CASE: return "per-case";
	}
	return "?";
}

const char *pi_regime_status_name(enum pi_regime_status status)
{
	return status == PI_REGIME_DRAFT ? "draft" : "in-force";
}

/* Refuses any member of obj not in allowed (NULL-terminated). */
static pi_status check_keys(const cJSON *obj, const char *const *allowed, const char *what,
        const struct where *w, struct pi_error *err)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, obj)
	{
		size_t i;

		for (i = 0; allowed[i]; i++)
			if (strcmp(item->string, allowed[i]) == 0)
				break;
		if (!allowed[i])
			return fail(
			        w, err, "%s has an unknown property '%.64s'", what, item->string);
	}
	return PI_OK;
}

/* An id: 1..PI_REGIME_MAX_ID characters of a-z, 0-9, '-', '.', '_', starting with a
 * letter or digit. */
static bool valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > PI_REGIME_MAX_ID)
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		            c == '_'))
			return false;
	}
	return true;
}

/* A required string member; *out points into obj. */
static pi_status get_text(const cJSON *obj, const char *key, const char *what, bool required,
        const char **out, const struct where *w, struct pi_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = NULL;
	if (!v) {
		if (required)
			return fail(w, err, "%s%s is missing", what, key);
		return PI_OK;
	}
	if (!cJSON_IsString(v))
		return fail(w, err, "%s%s must be a string", what, key);
	if (v->valuestring[0] == '\0')
		return fail(w, err, "%s%s must not be empty", what, key);
	if (strlen(v->valuestring) > PI_REGIME_MAX_TEXT)
		return fail(
		        w, err, "%s%s is longer than %d characters", what, key, PI_REGIME_MAX_TEXT);
	*out = v->valuestring;
	return PI_OK;
}

static pi_status get_id(const cJSON *obj, const char *key, const char *what, const char **out,
        const struct where *w, struct pi_error *err)
{
	pi_status st = get_text(obj, key, what, true, out, w, err);

	if (st != PI_OK)
		return st;
	if (!valid_id(*out))
		return fail(w, err,
		        "%s%s '%.80s' is not a valid id (1-%d characters of a-z, 0-9, '-', '.', "
		        "'_')",
		        what, key, *out, PI_REGIME_MAX_ID);
	return PI_OK;
}

static pi_status parse_limit(const cJSON *obj, const char *what, struct pi_time_limit *out,
        const struct where *w, struct pi_error *err)
{
	static const char *const keys[] = {"unit", "value", NULL};
	const cJSON *unit, *value;
	pi_status st;

	if (!cJSON_IsObject(obj))
		return fail(w, err,
		        "%s must be an object like {\"unit\": \"hours\", \"value\": 24}", what);
	if ((st = check_keys(obj, keys, what, w, err)) != PI_OK)
		return st;
	unit = cJSON_GetObjectItemCaseSensitive(obj, "unit");
	value = cJSON_GetObjectItemCaseSensitive(obj, "value");
	if (!cJSON_IsString(unit))
		return fail(w, err, "%s.unit is missing or not a string", what);
	if (strcmp(unit->valuestring, "hours") == 0)
		out->unit = PI_LIMIT_HOURS;
	else if (strcmp(unit->valuestring, "days") == 0)
		out->unit = PI_LIMIT_DAYS;
	else if (strcmp(unit->valuestring, "months") == 0)
		out->unit = PI_LIMIT_MONTHS;
	else if (strcmp(unit->valuestring, "per-case") == 0)
		out->unit = PI_LIMIT_PER_CASE;
	else
		return fail(w, err, "%s.unit '%.40s' is not one of hours, days, months, per-case",
		        what, unit->valuestring);
	out->value = 0;
	if (out->unit == PI_LIMIT_PER_CASE) {
		if (value)
			return fail(w, err,
			        "%s.value must be absent when the unit is per-case (the regulator "
			        "sets it)",
			        what);
		return PI_OK;
	}
	if (!cJSON_IsNumber(value))
		return fail(w, err, "%s.value is missing or not a number", what);
	if (value->valuedouble != (double)(int)value->valuedouble || value->valuedouble < 1 ||
	        value->valuedouble > PI_REGIME_MAX_LIMIT_VALUE)
		return fail(w, err, "%s.value must be a whole number from 1 to %d", what,
		        PI_REGIME_MAX_LIMIT_VALUE);
	out->value = (int)value->valuedouble;
	return PI_OK;
}

static pi_status parse_trigger(const cJSON *obj, const char *what, struct pi_trigger *out,
        const struct where *w, struct pi_error *err)
{
	static const char *const keys[] = {"event", "stage", "name", NULL};
	static const struct {
		const char *name;
		enum pi_trigger_event event;
	} events[] = {{"discovery", PI_TRIGGER_DISCOVERY}, {"awareness", PI_TRIGGER_AWARENESS},
	        {"filing", PI_TRIGGER_FILING}, {"request", PI_TRIGGER_REQUEST},
	        {"period", PI_TRIGGER_PERIOD}, {"handled", PI_TRIGGER_HANDLED},
	        {"occurrence", PI_TRIGGER_OCCURRENCE}};
	const cJSON *event;
	bool needs_stage, needs_name;
	char sub[64];
	size_t i;
	pi_status st;

	if (!cJSON_IsObject(obj))
		return fail(w, err, "%s must be an object like {\"event\": \"discovery\"}", what);
	if ((st = check_keys(obj, keys, what, w, err)) != PI_OK)
		return st;
	event = cJSON_GetObjectItemCaseSensitive(obj, "event");
	if (!cJSON_IsString(event))
		return fail(w, err, "%s.event is missing or not a string", what);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(event->valuestring, events[i].name) == 0)
			break;
	if (i == sizeof(events) / sizeof(events[0]))
		return fail(w, err,
		        "%s.event '%.40s' is not one of discovery, awareness, filing, request, "
		        "period, "
		        "handled, occurrence",
		        what, event->valuestring);
	out->event = events[i].event;
	out->stage = NULL;
	out->name = NULL;
	out->stage_index = -1;
	needs_stage = out->event == PI_TRIGGER_FILING || out->event == PI_TRIGGER_PERIOD;
	needs_name = out->event == PI_TRIGGER_OCCURRENCE;
	snprintf(sub, sizeof(sub), "%s.", what);
	if (needs_stage) {
		if ((st = get_id(obj, "stage", sub, &out->stage, w, err)) != PI_OK)
			return st;
	} else if (cJSON_GetObjectItemCaseSensitive(obj, "stage")) {
		return fail(
		        w, err, "%s.stage is only allowed with the events filing and period", what);
	}
	if (needs_name) {
		if ((st = get_id(obj, "name", sub, &out->name, w, err)) != PI_OK)
			return st;
	} else if (cJSON_GetObjectItemCaseSensitive(obj, "name")) {
		return fail(w, err, "%s.name is only allowed with the event occurrence", what);
	}
	return PI_OK;
}

static pi_status parse_fields(const cJSON *arr, struct pi_regime_stage *stage,
        const struct where *w, struct pi_error *err)
{
	static const char *const keys[] = {"name", "description", NULL};
	struct pi_regime_field *fields = NULL;
	const cJSON *item;
	size_t n = 0, count;
	pi_status st = PI_OK;

	if (!cJSON_IsArray(arr))
		return fail(w, err, "required_fields is missing or not an array");
	count = (size_t)cJSON_GetArraySize(arr);
	if (count > PI_REGIME_MAX_FIELDS)
		return fail(
		        w, err, "required_fields has more than %d entries", PI_REGIME_MAX_FIELDS);
	if (count > 0 && !(fields = calloc(count, sizeof(*fields))))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	cJSON_ArrayForEach(item, arr)
	{
		char what[48];

		snprintf(what, sizeof(what), "required_fields[%zu]", n);
		if (!cJSON_IsObject(item)) {
			st = fail(
			        w, err, "%s must be an object with a name and a description", what);
			goto out;
		}
		if ((st = check_keys(item, keys, what, w, err)) != PI_OK)
			goto out;
		snprintf(what, sizeof(what), "required_fields[%zu].", n);
		if ((st = get_id(item, "name", what, &fields[n].name, w, err)) != PI_OK ||
		        (st = get_text(item, "description", what, true, &fields[n].description, w,
		                 err)) != PI_OK)
			goto out;
		for (size_t j = 0; j < n; j++)
			if (strcmp(fields[j].name, fields[n].name) == 0) {
				st = fail(w, err, "required field '%s' is listed twice",
				        fields[n].name);
				goto out;
			}
		n++;
	}
	stage->required_fields = fields;
	stage->required_count = n;
	fields = NULL;
out:
	free(fields);
	return st;
}

static pi_status parse_replaceable(const cJSON *obj, struct pi_regime_stage *stage,
        const struct where *w, struct pi_error *err)
{
	static const char *const keys[] = {"by", "when", "trigger", "time_limit", "citation", NULL};
	const cJSON *when;
	pi_status st;

	if (!cJSON_IsObject(obj))
		return fail(w, err, "replaceable must be an object");
	if ((st = check_keys(obj, keys, "replaceable", w, err)) != PI_OK)
		return st;
	if ((st = get_id(obj, "by", "replaceable.", &stage->replaced_by, w, err)) != PI_OK)
		return st;
	when = cJSON_GetObjectItemCaseSensitive(obj, "when");
	if (!cJSON_IsString(when) || strcmp(when->valuestring, "ongoing-at-due") != 0)
		return fail(w, err, "replaceable.when must be \"ongoing-at-due\"");
	stage->replace_when = PI_REPLACE_ONGOING_AT_DUE;
	if ((st = parse_trigger(cJSON_GetObjectItemCaseSensitive(obj, "trigger"),
	             "replaceable.trigger", &stage->replace_trigger, w, err)) != PI_OK)
		return st;
	if (stage->replace_trigger.event != PI_TRIGGER_HANDLED &&
	        stage->replace_trigger.event != PI_TRIGGER_DISCOVERY &&
	        stage->replace_trigger.event != PI_TRIGGER_AWARENESS)
		return fail(w, err,
		        "replaceable.trigger.event must be handled, discovery or awareness (a "
		        "one-off "
		        "event)");
	if ((st = parse_limit(cJSON_GetObjectItemCaseSensitive(obj, "time_limit"),
	             "replaceable.time_limit", &stage->replace_time_limit, w, err)) != PI_OK)
		return st;
	if ((st = get_text(obj, "citation", "replaceable.", false, &stage->replace_citation, w,
	             err)) != PI_OK)
		return st;
	stage->replaceable = true;
	return PI_OK;
}

static pi_status parse_stage(const cJSON *obj, size_t index, struct pi_regime_stage *stage,
        struct where *w, struct pi_error *err)
{
	static const char *const keys[] = {"id", "title", "citation", "note", "required_fields",
	        "trigger", "time_limit", "repeats", "replaceable", "stands_in_for", NULL};
	const cJSON *repeats, *replaceable;
	char what[32];
	pi_status st;

	snprintf(what, sizeof(what), "stages[%zu]", index);
	if (!cJSON_IsObject(obj))
		return fail(w, err, "%s must be an object", what);
	snprintf(what, sizeof(what), "stages[%zu].", index);
	if ((st = get_id(obj, "id", what, &stage->id, w, err)) != PI_OK)
		return st;
	w->stage = stage->id;
	if ((st = check_keys(obj, keys, "the stage", w, err)) != PI_OK)
		return st;
	if ((st = get_text(obj, "title", "", true, &stage->title, w, err)) != PI_OK ||
	        (st = get_text(obj, "citation", "", true, &stage->citation, w, err)) != PI_OK ||
	        (st = get_text(obj, "note", "", false, &stage->note, w, err)) != PI_OK)
		return st;
	if ((st = parse_fields(cJSON_GetObjectItemCaseSensitive(obj, "required_fields"), stage, w,
	             err)) != PI_OK)
		return st;
	if ((st = parse_trigger(cJSON_GetObjectItemCaseSensitive(obj, "trigger"), "trigger",
	             &stage->trigger, w, err)) != PI_OK)
		return st;
	if ((st = parse_limit(cJSON_GetObjectItemCaseSensitive(obj, "time_limit"), "time_limit",
	             &stage->time_limit, w, err)) != PI_OK)
		return st;
	repeats = cJSON_GetObjectItemCaseSensitive(obj, "repeats");
	if (!cJSON_IsBool(repeats))
		return fail(w, err, "repeats is missing or not true/false");
	stage->repeats = cJSON_IsTrue(repeats);
	switch (stage->trigger.event) {
	case PI_TRIGGER_PERIOD:
		if (!stage->repeats)
			return fail(
			        w, err, "a stage with a period trigger must have repeats: true");
		break;
	case PI_TRIGGER_REQUEST:
	case PI_TRIGGER_OCCURRENCE: break;
	default:
		if (stage->repeats)
			return fail(w, err,
			        "repeats: true needs a request, occurrence or period trigger (a %s "
			        "trigger happens once)",
			        pi_trigger_event_name(stage->trigger.event));
	}
	stage->replaced_by_index = -1;
	stage->stands_in_for_index = -1;
	replaceable = cJSON_GetObjectItemCaseSensitive(obj, "replaceable");
	if (replaceable) {
		if (stage->repeats)
			return fail(w, err, "a repeating stage cannot be replaceable");
		if (stage->time_limit.unit == PI_LIMIT_PER_CASE)
			return fail(w, err,
			        "a replaceable stage needs a fixed time_limit (its due time "
			        "decides the "
			        "replacement)");
		if ((st = parse_replaceable(replaceable, stage, w, err)) != PI_OK)
			return st;
	}
	if ((st = get_text(obj, "stands_in_for", "", false, &stage->stands_in_for, w, err)) !=
	        PI_OK)
		return st;
	return PI_OK;
}

static int stage_index(const struct pi_regime_stage *stages, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(stages[i].id, id) == 0)
			return (int)i;
	return -1;
}

static bool same_limit(const struct pi_time_limit *a, const struct pi_time_limit *b)
{
	return a->unit == b->unit && a->value == b->value;
}

static bool same_trigger(const struct pi_trigger *a, const struct pi_trigger *b)
{
	if (a->event != b->event)
		return false;
	if ((a->stage == NULL) != (b->stage == NULL) || (a->stage && strcmp(a->stage, b->stage)))
		return false;
	return (a->name == NULL) == (b->name == NULL) && (!a->name || !strcmp(a->name, b->name));
}

/* Second pass: resolves and checks every reference between stages. */
static pi_status link_stages(
        struct pi_regime_stage *stages, size_t n, struct where *w, struct pi_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct pi_regime_stage *s = &stages[i];

		w->stage = s->id;
		if (s->trigger.stage) {
			s->trigger.stage_index = stage_index(stages, n, s->trigger.stage);
			if (s->trigger.stage_index < 0)
				return fail(w, err,
				        "trigger.stage '%s' is not a stage of this regime",
				        s->trigger.stage);
			if ((size_t)s->trigger.stage_index == i)
				return fail(w, err, "trigger.stage names the stage itself");
			if (stages[s->trigger.stage_index].repeats)
				return fail(w, err,
				        "trigger.stage '%s' repeats; a trigger needs a stage filed "
				        "once",
				        s->trigger.stage);
		}
		if (s->replaceable) {
			const struct pi_regime_stage *by;

			s->replaced_by_index = stage_index(stages, n, s->replaced_by);
			if (s->replaced_by_index < 0)
				return fail(w, err,
				        "replaceable.by '%s' is not a stage of this regime",
				        s->replaced_by);
			if ((size_t)s->replaced_by_index == i)
				return fail(w, err, "replaceable.by names the stage itself");
			by = &stages[s->replaced_by_index];
			if (!by->stands_in_for || strcmp(by->stands_in_for, s->id) != 0)
				return fail(w, err,
				        "replaceable.by '%s' must say \"stands_in_for\": \"%s\"",
				        by->id, s->id);
		}
		if (s->stands_in_for) {
			const struct pi_regime_stage *target;

			s->stands_in_for_index = stage_index(stages, n, s->stands_in_for);
			if (s->stands_in_for_index < 0)
				return fail(w, err,
				        "stands_in_for '%s' is not a stage of this regime",
				        s->stands_in_for);
			if ((size_t)s->stands_in_for_index == i)
				return fail(w, err, "stands_in_for names the stage itself");
			target = &stages[s->stands_in_for_index];
			if (!target->replaceable || strcmp(target->replaced_by, s->id) != 0)
				return fail(w, err,
				        "stands_in_for '%s' needs that stage to say "
				        "\"replaceable\": "
				        "{\"by\": \"%s\", ...}",
				        target->id, s->id);
			if (!same_trigger(&s->trigger, &target->trigger) ||
			        !same_limit(&s->time_limit, &target->time_limit))
				return fail(w, err,
				        "a stage that stands in for '%s' must have the same "
				        "trigger and "
				        "time_limit (it is due when '%s' would have been)",
				        target->id, target->id);
			if (s->repeats)
				return fail(
				        w, err, "a stage that stands in for another cannot repeat");
		}
	}
	w->stage = NULL;
	return PI_OK;
}

static pi_status parse_string_list(const cJSON *arr, const char *key, bool org_types,
        const char ***out, size_t *count, const struct where *w, struct pi_error *err)
{
	const char **list = NULL;
	const cJSON *item;
	size_t n = 0, size;
	pi_status st = PI_OK;

	if (!cJSON_IsArray(arr) || (size = (size_t)cJSON_GetArraySize(arr)) == 0)
		return fail(w, err, "%s is missing or not a non-empty array", key);
	if (size > PI_REGIME_MAX_LIST)
		return fail(w, err, "%s has more than %d entries", key, PI_REGIME_MAX_LIST);
	if (!(list = calloc(size, sizeof(*list))))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	cJSON_ArrayForEach(item, arr)
	{
		size_t k;

		if (!cJSON_IsString(item)) {
			st = fail(w, err, "%s[%zu] must be a string", key, n);
			goto out;
		}
		if (org_types) {
			for (k = 0; pi_regime_org_types[k]; k++)
				if (strcmp(item->valuestring, pi_regime_org_types[k]) == 0)
					break;
			if (!pi_regime_org_types[k]) {
				st = fail(w, err,
				        "%s[%zu] '%.40s' is not one of postal-operator, regulator, "
				        "pes-provider, partner, isac-operator",
				        key, n, item->valuestring);
				goto out;
			}
		}
		for (k = 0; k < n; k++)
			if (strcmp(list[k], item->valuestring) == 0) {
				st = fail(w, err, "%s lists '%s' twice", key, list[k]);
				goto out;
			}
		list[n++] = item->valuestring;
	}
	*out = list;
	*count = n;
	list = NULL;
out:
	free(list);
	return st;
}

static pi_status parse_documents(
        const cJSON *arr, struct pi_regime *r, const struct where *w, struct pi_error *err)
{
	static const char *const keys[] = {"id", "title", "citation", NULL};
	struct pi_regime_document *docs = NULL;
	const cJSON *item;
	size_t n = 0, size;
	pi_status st = PI_OK;

	if (!arr)
		return PI_OK;
	if (!cJSON_IsArray(arr))
		return fail(w, err, "standing_documents must be an array");
	size = (size_t)cJSON_GetArraySize(arr);
	if (size > PI_REGIME_MAX_LIST)
		return fail(
		        w, err, "standing_documents has more than %d entries", PI_REGIME_MAX_LIST);
	if (size == 0)
		return PI_OK;
	if (!(docs = calloc(size, sizeof(*docs))))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	cJSON_ArrayForEach(item, arr)
	{
		char what[40];

		snprintf(what, sizeof(what), "standing_documents[%zu]", n);
		if (!cJSON_IsObject(item)) {
			st = fail(w, err, "%s must be an object", what);
			goto out;
		}
		if ((st = check_keys(item, keys, what, w, err)) != PI_OK)
			goto out;
		snprintf(what, sizeof(what), "standing_documents[%zu].", n);
		if ((st = get_id(item, "id", what, &docs[n].id, w, err)) != PI_OK ||
		        (st = get_text(item, "title", what, true, &docs[n].title, w, err)) !=
		                PI_OK ||
		        (st = get_text(item, "citation", what, true, &docs[n].citation, w, err)) !=
		                PI_OK)
			goto out;
		n++;
	}
	r->documents = docs;
	r->document_count = n;
	docs = NULL;
out:
	free(docs);
	return st;
}

void pi_regime_free(struct pi_regime *regime)
{
	if (!regime)
		return;
	if (regime->stages)
		for (size_t i = 0; i < regime->stage_count; i++)
			free((void *)regime->stages[i].required_fields);
	free((void *)regime->stages);
	free((void *)regime->applies_to);
	free((void *)regime->documents);
	free((void *)regime->source);
	cJSON_Delete(regime->doc);
	free(regime);
}

pi_status pi_regime_parse(const char *text, size_t len, const char *source, struct pi_regime **out,
        struct pi_error *err)
{
	static const char *const keys[] = {"id", "title", "citation", "citation_url", "status",
	        "mandatory", "recipient", "applies_to", "note", "standing_documents", "stages",
	        NULL};
	struct where w = {source ? source : "(regime)", NULL};
	struct pi_regime *r = NULL;
	struct pi_regime_stage *stages = NULL;
	const cJSON *status, *mandatory, *arr, *item;
	const char **applies = NULL;
	cJSON *root = NULL;
	size_t n = 0, size = 0;
	pi_status st;

	*out = NULL;
	if (len > PI_REGIME_MAX_FILE)
		return pi_error_set(err, PI_ERR_TOOBIG, "%s: larger than %d bytes", w.source,
		        PI_REGIME_MAX_FILE);
	if ((st = pi_json_parse(text, len, 16, &root, err)) != PI_OK) {
		pi_error_prefix(err, "%s", w.source);
		return st;
	}
	if (!(r = calloc(1, sizeof(*r))) || !(r->source = strdup(w.source))) {
		cJSON_Delete(root);
		free(r);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	r->doc = root;
	if (!cJSON_IsObject(root)) {
		st = fail(&w, err, "a regime must be a JSON object");
		goto out;
	}
	if ((st = check_keys(root, keys, "the regime", &w, err)) != PI_OK)
		goto out;
	if ((st = get_id(root, "id", "", &r->id, &w, err)) != PI_OK ||
	        (st = get_text(root, "title", "", true, &r->title, &w, err)) != PI_OK ||
	        (st = get_text(root, "citation", "", true, &r->citation, &w, err)) != PI_OK ||
	        (st = get_text(root, "citation_url", "", false, &r->citation_url, &w, err)) !=
	                PI_OK ||
	        (st = get_text(root, "recipient", "", true, &r->recipient, &w, err)) != PI_OK ||
	        (st = get_text(root, "note", "", false, &r->note, &w, err)) != PI_OK)
		goto out;
	status = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsString(status)) {
		st = fail(&w, err, "status is missing or not a string");
		goto out;
	}
	if (strcmp(status->valuestring, "in-force") == 0) {
		r->status = PI_REGIME_IN_FORCE;
	} else if (strcmp(status->valuestring, "draft") == 0) {
		r->status = PI_REGIME_DRAFT;
	} else {
		st = fail(&w, err, "status '%.40s' is not one of in-force, draft",
		        status->valuestring);
		goto out;
	}
	mandatory = cJSON_GetObjectItemCaseSensitive(root, "mandatory");
	if (mandatory && !cJSON_IsBool(mandatory)) {
		st = fail(&w, err, "mandatory must be true or false");
		goto out;
	}
	r->mandatory = !mandatory || cJSON_IsTrue(mandatory);
	if ((st = parse_string_list(cJSON_GetObjectItemCaseSensitive(root, "applies_to"),
	             "applies_to", true, &applies, &r->applies_count, &w, err)) != PI_OK)
		goto out;
	r->applies_to = applies;
	if ((st = parse_documents(cJSON_GetObjectItemCaseSensitive(root, "standing_documents"), r,
	             &w, err)) != PI_OK)
		goto out;
	arr = cJSON_GetObjectItemCaseSensitive(root, "stages");
	if (!cJSON_IsArray(arr) || (size = (size_t)cJSON_GetArraySize(arr)) == 0) {
		st = fail(&w, err, "stages is missing or not a non-empty array");
		goto out;
	}
	if (size > PI_REGIME_MAX_STAGES) {
		st = fail(&w, err, "stages has more than %d entries", PI_REGIME_MAX_STAGES);
		goto out;
	}
	if (!(stages = calloc(size, sizeof(*stages)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	r->stages = stages;
	cJSON_ArrayForEach(item, arr)
	{
		w.stage = NULL;
		st = parse_stage(item, n, &stages[n], &w, err);
		r->stage_count = ++n; /* so pi_regime_free releases what this stage holds */
		if (st != PI_OK)
			goto out;
		if (stage_index(stages, n - 1, stages[n - 1].id) >= 0) {
			st = fail(&w, err, "the stage id is used twice");
			goto out;
		}
	}
	if ((st = link_stages(stages, n, &w, err)) != PI_OK)
		goto out;
	*out = r;
	r = NULL;
out:
	pi_regime_free(r);
	return st;
}

const struct pi_regime_stage *pi_regime_find_stage(const struct pi_regime *regime, const char *id)
{
	if (!regime || !id)
		return NULL;
	for (size_t i = 0; i < regime->stage_count; i++)
		if (strcmp(regime->stages[i].id, id) == 0)
			return &regime->stages[i];
	return NULL;
}

pi_status pi_regime_check_filing(
        const struct pi_regime_stage *stage, const cJSON *content, struct pi_error *err)
{
	if (!cJSON_IsObject(content))
		return pi_error_set(err, PI_ERR_INVALID,
		        "the filing for stage '%s' must be a JSON object of fields", stage->id);
	for (size_t i = 0; i < stage->required_count; i++) {
		const struct pi_regime_field *f = &stage->required_fields[i];
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(content, f->name);

		if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && v->valuestring[0] == '\0') ||
		        (cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0))
			return pi_error_set(err, PI_ERR_INVALID,
			        "stage '%s' requires the field '%s' (%.200s)", stage->id, f->name,
			        f->description);
	}
	return PI_OK;
}

/* ---- a directory of regimes ---- */

struct pi_regimes {
	struct pi_regime **items;
	size_t count;
};

void pi_regimes_free(pi_regimes *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->count; i++)
		pi_regime_free(set->items[i]);
	free(set->items);
	free(set);
}

size_t pi_regimes_count(const pi_regimes *set)
{
	return set ? set->count : 0;
}

const struct pi_regime *pi_regimes_get(const pi_regimes *set, size_t i)
{
	return set && i < set->count ? set->items[i] : NULL;
}

const struct pi_regime *pi_regimes_find(const pi_regimes *set, const char *id)
{
	if (!set || !id)
		return NULL;
	for (size_t i = 0; i < set->count; i++)
		if (strcmp(set->items[i]->id, id) == 0)
			return set->items[i];
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads path into a NUL-terminated buffer of at most cap bytes (caller frees). */
static pi_status read_file(
        const char *path, size_t cap, char **out, size_t *len, struct pi_error *err)
{
	FILE *f = NULL;
	char *data = NULL;
	size_t n = 0;
	pi_status st = PI_OK;

	*out = NULL;
	if (!(f = fopen(path, "rb")))
		return pi_error_set(err, PI_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	if (!(data = malloc(cap + 2))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	n = fread(data, 1, cap + 1, f);
	if (ferror(f)) {
		st = pi_error_set(err, PI_ERR_IO, "%s: read error", path);
		goto out;
	}
	if (n > cap) {
		st = pi_error_set(err, PI_ERR_TOOBIG, "%s: larger than %zu bytes", path, cap);
		goto out;
	}
	data[n] = '\0';
	*out = data;
	*len = n;
	data = NULL;
out:
	free(data);
	if (f)
		fclose(f);
	return st;
}

pi_status pi_regimes_load_dir(const char *dir, pi_regimes **out, struct pi_error *err)
{
	DIR *d = NULL;
	struct dirent *de;
	char *names[PI_REGIME_MAX_FILES];
	size_t nnames = 0;
	pi_regimes *set = NULL;
	char *text = NULL;
	pi_status st = PI_OK;

	*out = NULL;
	if (!(d = opendir(dir)))
		return pi_error_set(err, PI_ERR_IO, "%s: cannot open the regime directory: %s", dir,
		        strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < 6 || strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		if (nnames == PI_REGIME_MAX_FILES) {
			st = pi_error_set(err, PI_ERR_TOOBIG, "%s: more than %d regime files", dir,
			        PI_REGIME_MAX_FILES);
			goto out;
		}
		if (!(names[nnames] = strdup(de->d_name))) {
			st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
			goto out;
		}
		nnames++;
	}
	if (nnames == 0) {
		st = pi_error_set(err, PI_ERR_INVALID, "%s: no regime files (*.json) found", dir);
		goto out;
	}
	qsort(names, nnames, sizeof(names[0]), cmp_names);
	if (!(set = calloc(1, sizeof(*set))) ||
	        !(set->items = calloc(nnames, sizeof(*set->items)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nnames; i++) {
		char path[4096];
		struct pi_regime *r = NULL;
		size_t len = 0, idlen;
		int n = snprintf(path, sizeof(path), "%s/%s", dir, names[i]);

		if (n < 0 || (size_t)n >= sizeof(path)) {
			st = pi_error_set(err, PI_ERR_INVALID, "%s: path too long", dir);
			goto out;
		}
		if ((st = read_file(path, PI_REGIME_MAX_FILE, &text, &len, err)) != PI_OK)
			goto out;
		st = pi_regime_parse(text, len, path, &r, err);
		free(text);
		text = NULL;
		if (st != PI_OK)
			goto out;
		set->items[set->count++] = r;
		idlen = strlen(names[i]) - 5;
		if (strlen(r->id) != idlen || strncmp(r->id, names[i], idlen) != 0) {
			st = pi_error_set(err, PI_ERR_INVALID,
			        "%s: id '%s' does not match the file name (expected %.*s.json to "
			        "hold "
			        "id '%.*s')",
			        path, r->id, (int)idlen, names[i], (int)idlen, names[i]);
			goto out;
		}
		/* unique ids follow from unique file names */
	}
	*out = set;
	set = NULL;
out:
	free(text);
	pi_regimes_free(set);
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	if (d)
		closedir(d);
	return st;
}
