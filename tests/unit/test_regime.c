/* Unit tests for regime files (cases/regime.h) and the RSIT taxonomy (cases/taxonomy.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cases/regime.h"
#include "cases/taxonomy.h"
#include "core/json.h"

static const char *source_dir(void)
{
	const char *root = getenv("PI_SOURCE_DIR");

	return root ? root : ".";
}

/* A minimal valid regime with one stage; %s is spliced into the stage object. */
static const char *const base_fmt =
        "{\"id\":\"x\",\"title\":\"X\",\"citation\":\"Law 1\",\"status\":\"in-force\","
        "\"recipient\":\"Regulator\",\"applies_to\":[\"postal-operator\"],\"stages\":["
        "{\"id\":\"first\",\"title\":\"First\",\"citation\":\"Law 1(a)\",\"required_fields\":"
        "[{\"name\":\"what\",\"description\":\"What happened\"}],\"trigger\":{\"event\":"
        "\"discovery\"},\"time_limit\":{\"unit\":\"hours\",\"value\":24},\"repeats\":false},"
        "{\"id\":\"second\",\"title\":\"Second\",\"citation\":\"Law "
        "1(b)\",\"required_fields\":[]%s}]}";

static pi_status parse_second(const char *stage_tail, struct pi_error *err)
{
	char text[4096];
	struct pi_regime *r = NULL;
	pi_status st;

	snprintf(text, sizeof(text), base_fmt, stage_tail);
	st = pi_regime_parse(text, strlen(text), "data/regimes/x.json", &r, err);
	pi_regime_free(r);
	return st;
}

static void loads_the_shipped_regimes(void **state)
{
	char dir[1024];
	pi_regimes *set = NULL;
	const struct pi_regime *r;
	const struct pi_regime_stage *s;
	struct pi_error err;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/regimes", source_dir());
	if (pi_regimes_load_dir(dir, &set, &err) != PI_OK)
		fail_msg("%s", err.message);
	assert_int_equal(pi_regimes_count(set), 4);
	assert_string_equal(pi_regimes_get(set, 0)->id, "circia-draft");
	assert_string_equal(pi_regimes_get(set, 3)->id, "usps-501.11");
	assert_null(pi_regimes_get(set, 4));
	assert_null(pi_regimes_find(set, "nope"));

	r = pi_regimes_find(set, "usps-501.11");
	assert_string_equal(r->citation, "39 CFR 501.11");
	assert_int_equal(r->status, PI_REGIME_IN_FORCE);
	assert_int_equal(r->applies_count, 1);
	assert_string_equal(r->applies_to[0], "pes-provider");
	assert_int_equal(r->document_count, 1);
	assert_string_equal(r->documents[0].citation, "39 CFR 501.11(d)");
	assert_int_equal(r->stage_count, 4);
	s = pi_regime_find_stage(r, "notification");
	assert_int_equal(s->trigger.event, PI_TRIGGER_DISCOVERY);
	assert_int_equal(s->time_limit.unit, PI_LIMIT_HOURS);
	assert_int_equal(s->time_limit.value, 24);
	assert_string_equal(s->citation, "39 CFR 501.11(b)");
	s = pi_regime_find_stage(r, "written-report");
	assert_int_equal(s->time_limit.unit, PI_LIMIT_PER_CASE);
	assert_int_equal(s->trigger.event, PI_TRIGGER_FILING);
	assert_int_equal(s->trigger.stage_index, 0);
	assert_int_equal(s->required_count, 3);
	assert_string_equal(s->required_fields[2].name, "anticipated_completion_date");
	s = pi_regime_find_stage(r, "status-report");
	assert_int_equal(s->trigger.event, PI_TRIGGER_PERIOD);
	assert_true(s->repeats);

	r = pi_regimes_find(set, "nis2-art23");
	s = pi_regime_find_stage(r, "final-report");
	assert_true(s->replaceable);
	assert_string_equal(s->replaced_by, "progress-report");
	assert_int_equal(s->replace_trigger.event, PI_TRIGGER_HANDLED);
	assert_int_equal(s->replace_time_limit.unit, PI_LIMIT_MONTHS);
	assert_string_equal(r->stages[s->replaced_by_index].stands_in_for, "final-report");
	assert_int_equal(
	        pi_regime_find_stage(r, "intermediate-report")->trigger.event, PI_TRIGGER_REQUEST);
	assert_int_equal(pi_regimes_find(set, "circia-draft")->status, PI_REGIME_DRAFT);
	pi_regimes_free(set);
}

static void names_file_stage_and_property(void **state)
{
	struct pi_error err;

	(void)state;
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"filing\",\"stage\":\"first\"},"
	                     "\"time_limit\":{\"unit\":\"weeks\",\"value\":1},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "data/regimes/x.json: stage 'second': time_limit.unit 'weeks' is not one of hours, "
	        "days, months, per-case");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"filing\",\"stage\":\"first\"},"
	                     "\"time_limt\":{\"unit\":\"days\",\"value\":1},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message, "data/regimes/x.json: stage 'second': the stage has an "
	                                 "unknown property 'time_limt'");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"filing\",\"stage\":\"third\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "data/regimes/x.json: stage 'second': trigger.stage 'third' is not a stage of this "
	        "regime");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"filing\",\"stage\":\"second\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "data/regimes/x.json: stage 'second': trigger.stage names the stage itself");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"tuesday\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "data/regimes/x.json: stage 'second': trigger.event 'tuesday' is not one of "
	        "discovery, awareness, filing, request, period, handled, occurrence");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"awareness\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1},\"repeats\":true",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "data/regimes/x.json: stage 'second': repeats: true needs a request, occurrence or "
	        "period trigger (a awareness trigger happens once)");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"period\",\"stage\":\"first\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "period trigger must have repeats: true"));
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"awareness\"},"
	                     "\"time_limit\":{\"unit\":\"per-case\",\"value\":3},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message, "data/regimes/x.json: stage 'second': time_limit.value "
	                                 "must be absent when the unit "
	                                 "is per-case (the regulator sets it)");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"awareness\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1.5},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message, "data/regimes/x.json: stage 'second': time_limit.value "
	                                 "must be a whole number from 1 "
	                                 "to 10000");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"awareness\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":0},\"repeats\":false",
	                &err),
	        PI_ERR_INVALID);
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"occurrence\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1},\"repeats\":true",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(
	        err.message, "data/regimes/x.json: stage 'second': trigger.name is missing");
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"awareness\"},"
	                     "\"time_limit\":{\"unit\":\"days\",\"value\":1},\"repeats\":false,"
	                     "\"replaceable\":{\"by\":\"first\",\"when\":\"ongoing-at-due\","
	                     "\"trigger\":{\"event\":\"handled\"},\"time_limit\":{\"unit\":"
	                     "\"months\",\"value\":1}}",
	                &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "data/regimes/x.json: stage 'second': replaceable.by 'first' must say "
	        "\"stands_in_for\": \"second\"");
	/* the control: a good second stage parses */
	assert_int_equal(
	        parse_second(",\"trigger\":{\"event\":\"filing\",\"stage\":\"first\"},"
	                     "\"time_limit\":{\"unit\":\"months\",\"value\":1},\"repeats\":false",
	                &err),
	        PI_OK);
}

static void refuses_bad_regime_documents(void **state)
{
	struct pi_regime *r = NULL;
	struct pi_error err;
	char text[4096];
	const char *dup_stage;

	(void)state;
	assert_int_equal(pi_regime_parse("[]", 2, "a.json", &r, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "a.json: a regime must be a JSON object");
	assert_int_equal(pi_regime_parse("{\"id\":1}", 8, "a.json", &r, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "a.json: id must be a string");
	assert_int_equal(pi_regime_parse("{\"id\":\"a\",\"id\":\"b\"}", 19, "a.json", &r, &err),
	        PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "a.json: "));
	assert_null(r);

	snprintf(text, sizeof(text), base_fmt, "");
	memcpy(strstr(text, "in-force"), "in-forc!", 8);
	assert_int_equal(pi_regime_parse(text, strlen(text), "a.json", &r, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "a.json: status 'in-forc!' is not one of in-force, draft");

	snprintf(text, sizeof(text), base_fmt, "");
	memcpy(strstr(text, "postal-operator"), "postal-operatoX", 15);
	assert_int_equal(pi_regime_parse(text, strlen(text), "a.json", &r, &err), PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "a.json: applies_to[0] 'postal-operatoX' is not one of postal-operator, regulator, "
	        "pes-provider, partner, isac-operator");

	dup_stage = "{\"id\":\"x\",\"title\":\"X\",\"citation\":\"L\",\"status\":\"draft\","
	            "\"recipient\":\"R\",\"applies_to\":[\"partner\"],\"stages\":["
	            "{\"id\":\"a\",\"title\":\"A\",\"citation\":\"L\",\"required_fields\":[],"
	            "\"trigger\":{\"event\":\"discovery\"},\"time_limit\":{\"unit\":\"hours\","
	            "\"value\":1},\"repeats\":false},"
	            "{\"id\":\"a\",\"title\":\"A\",\"citation\":\"L\",\"required_fields\":[],"
	            "\"trigger\":{\"event\":\"discovery\"},\"time_limit\":{\"unit\":\"hours\","
	            "\"value\":1},\"repeats\":false}]}";
	assert_int_equal(
	        pi_regime_parse(dup_stage, strlen(dup_stage), "a.json", &r, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "a.json: stage 'a': the stage id is used twice");

	snprintf(text, sizeof(text), base_fmt, "");
	memcpy(strstr(text, "\"what\""), "\"What\"", 6);
	assert_int_equal(pi_regime_parse(text, strlen(text), "a.json", &r, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message,
	        "a.json: stage 'first': required_fields[0].name 'What' is not a valid id"));
	assert_null(r);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void directory_rules(void **state)
{
	char dir[] = "/tmp/pi_regime_test_XXXXXX", path[256], text[4096];
	pi_regimes *set = NULL;
	struct pi_error err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(pi_regimes_load_dir(dir, &set, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "no regime files (*.json) found"));
	snprintf(text, sizeof(text), base_fmt,
	        ",\"trigger\":{\"event\":\"request\"},\"time_limit\":{\"unit\":\"per-case\"},"
	        "\"repeats\":true");
	snprintf(path, sizeof(path), "%s/y.json", dir);
	write_file(path, text);
	assert_int_equal(pi_regimes_load_dir(dir, &set, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "/y.json: id 'x' does not match the file name"));
	assert_null(set);
	unlink(path);
	snprintf(path, sizeof(path), "%s/x.json", dir);
	snprintf(text, sizeof(text), base_fmt, "");
	write_file(path, text);
	assert_int_equal(pi_regimes_load_dir(dir, &set, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "/x.json: stage 'second': trigger must be an object"));
	snprintf(text, sizeof(text), base_fmt,
	        ",\"trigger\":{\"event\":\"request\"},\"time_limit\":{\"unit\":\"per-case\"},"
	        "\"repeats\":true");
	write_file(path, text);
	assert_int_equal(pi_regimes_load_dir(dir, &set, &err), PI_OK);
	assert_int_equal(pi_regimes_count(set), 1);
	pi_regimes_free(set);
	unlink(path);
	rmdir(dir);
	assert_int_equal(pi_regimes_load_dir("/nonexistent/regimes", &set, &err), PI_ERR_IO);
}

static void checks_required_fields_of_a_filing(void **state)
{
	char dir[1024];
	pi_regimes *set = NULL;
	const struct pi_regime_stage *s;
	struct pi_error err;
	cJSON *content = NULL;
	const char *good = "{\"circumstances\":\"meter firmware tampering\","
	                   "\"proposed_investigative_procedure\":\"forensics\","
	                   "\"anticipated_completion_date\":\"2028-04-01\"}";
	const char *missing = "{\"circumstances\":\"x\",\"proposed_investigative_procedure\":\"\","
	                      "\"anticipated_completion_date\":\"2028-04-01\"}";

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/regimes", source_dir());
	assert_int_equal(pi_regimes_load_dir(dir, &set, &err), PI_OK);
	s = pi_regime_find_stage(pi_regimes_find(set, "usps-501.11"), "written-report");
	assert_int_equal(pi_json_parse(good, strlen(good), 8, &content, &err), PI_OK);
	assert_int_equal(pi_regime_check_filing(s, content, &err), PI_OK);
	cJSON_Delete(content);
	assert_int_equal(pi_json_parse(missing, strlen(missing), 8, &content, &err), PI_OK);
	assert_int_equal(pi_regime_check_filing(s, content, &err), PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "stage 'written-report' requires the field 'proposed_investigative_procedure' (The "
	        "proposed investigative procedure)");
	cJSON_Delete(content);
	pi_regimes_free(set);
}

static void taxonomy_checks_class_and_type(void **state)
{
	char path[1024];
	pi_taxonomy *t = NULL;
	struct pi_error err;
	const char *canon = NULL;
	size_t total = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/data/rsit.json", source_dir());
	if (pi_taxonomy_load(path, &t, &err) != PI_OK)
		fail_msg("%s", err.message);
	assert_int_equal(pi_taxonomy_class_count(t), 11);
	assert_string_equal(pi_taxonomy_class_value(t, 0), "abusive-content");
	assert_string_equal(pi_taxonomy_class_value(t, 10), "test");
	assert_null(pi_taxonomy_class_value(t, 11));
	for (size_t i = 0; i < pi_taxonomy_class_count(t); i++)
		total += pi_taxonomy_type_count(t, i);
	assert_int_equal(total, 39);
	assert_string_equal(pi_taxonomy_version(t), "1003");
	assert_int_equal(pi_taxonomy_check(t, "fraud", "phishing", &canon, &err), PI_OK);
	assert_string_equal(canon, "phishing");
	assert_int_equal(
	        pi_taxonomy_check(t, "fraud", "unauthorized-use-of-resources", &canon, &err),
	        PI_OK);
	assert_string_equal(canon, "unauthorised-use-of-resources");
	assert_int_equal(
	        pi_taxonomy_check(t, "intrusions", "system-compromise", NULL, &err), PI_OK);
	assert_int_equal(pi_taxonomy_check(t, "test", "test", NULL, &err), PI_OK);
	assert_int_equal(pi_taxonomy_check(t, "fraud", "ddos", NULL, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "'ddos' is not a type of RSIT class 'fraud' (one of: "
	                                 "unauthorised-use-of-resources, "
	                                 "copyright, masquerade, phishing)");
	assert_int_equal(pi_taxonomy_check(t, "Fraud", "phishing", NULL, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "'Fraud' is not an RSIT class"));
	assert_int_equal(pi_taxonomy_check(t, "fraud", NULL, NULL, &err), PI_ERR_INVALID);
	pi_taxonomy_free(t);
}

static void taxonomy_refuses_bad_documents(void **state)
{
	pi_taxonomy *t = NULL;
	struct pi_error err;
	const char *dup = "{\"classes\":[{\"value\":\"a\",\"title\":\"A\",\"types\":["
	                  "{\"value\":\"x\",\"title\":\"X\"},{\"value\":\"x\",\"title\":\"X\"}]}]}";
	const char *dup_alias =
	        "{\"classes\":[{\"value\":\"a\",\"title\":\"A\",\"types\":["
	        "{\"value\":\"x\",\"title\":\"X\"},{\"value\":\"y\",\"title\":\"Y\","
	        "\"aliases\":[\"x\"]}]}]}";
	const char *no_types = "{\"classes\":[{\"value\":\"a\",\"title\":\"A\",\"types\":[]}]}";
	const char *upper = "{\"classes\":[{\"value\":\"A\",\"title\":\"A\",\"types\":[]}]}";

	(void)state;
	assert_int_equal(pi_taxonomy_parse(dup, strlen(dup), "t.json", &t, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "t.json: class 'a': type 'x' is listed twice");
	assert_int_equal(pi_taxonomy_parse(dup_alias, strlen(dup_alias), "t.json", &t, &err),
	        PI_ERR_INVALID);
	assert_string_equal(err.message, "t.json: class 'a': alias 'x' is already a type");
	assert_int_equal(
	        pi_taxonomy_parse(no_types, strlen(no_types), "t.json", &t, &err), PI_ERR_INVALID);
	assert_string_equal(
	        err.message, "t.json: class 'a': types is missing or not a non-empty array");
	assert_int_equal(
	        pi_taxonomy_parse(upper, strlen(upper), "t.json", &t, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "classes[0].value"));
	assert_int_equal(pi_taxonomy_parse("{}", 2, "t.json", &t, &err), PI_ERR_INVALID);
	assert_int_equal(pi_taxonomy_parse("{", 1, "t.json", &t, &err), PI_ERR_INVALID);
	assert_null(t);
	assert_int_equal(pi_taxonomy_load("/nonexistent/rsit.json", &t, &err), PI_ERR_IO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(loads_the_shipped_regimes),
	        cmocka_unit_test(names_file_stage_and_property),
	        cmocka_unit_test(refuses_bad_regime_documents),
	        cmocka_unit_test(directory_rules),
	        cmocka_unit_test(checks_required_fields_of_a_filing),
	        cmocka_unit_test(taxonomy_checks_class_and_type),
	        cmocka_unit_test(taxonomy_refuses_bad_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
