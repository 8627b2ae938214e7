/* Unit tests for the case service (cases/case.h), its storage (store/store_cases.h) and the
 * reminder helpers (cases/remind.h), on a fresh database under a mkdtemp folder with the
 * source tree's data/ (PI_SOURCE_DIR). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cases/case.h"
#include "cases/deadline.h"
#include "cases/receipt.h"
#include "cases/remind.h"
#include "core/json.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "store/store.h"
#include "store/store_cases.h"

struct fixture {
	char dir[64];
	char db[128];
	pi_store *store;
	pi_cases *cases;
	struct pi_principal mike, rita, bob;
};

static void add_user(pi_store *store, const char *org_slug, const char *type, const char *name,
        enum pi_role role, struct pi_principal *p)
{
	struct pi_org org;
	struct pi_user u;
	struct pi_error err;

	if (pi_store_org_find(store, org_slug, &org, &err) != PI_OK) {
		memset(&org, 0, sizeof(org));
		snprintf(org.slug, sizeof(org.slug), "%s", org_slug);
		snprintf(org.name, sizeof(org.name), "%s", org_slug);
		snprintf(org.type, sizeof(org.type), "%s", type);
		assert_int_equal(pi_store_org_create(store, &org, &err), PI_OK);
	}
	memset(&u, 0, sizeof(u));
	u.org_id = org.id;
	u.role = role;
	snprintf(u.username, sizeof(u.username), "%s", name);
	snprintf(u.email, sizeof(u.email), "%s@%s.example", name, org_slug);
	assert_int_equal(pi_store_user_create(store, &u, "", &err), PI_OK);
	assert_int_equal(pi_cases_principal(store, name, p, &err), PI_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pi_cases_config cfg;
	struct pi_error err;
	const char *src = getenv("PI_SOURCE_DIR");

	pi_secret_init();
	snprintf(f->dir, sizeof(f->dir), "/tmp/pi_case_test_XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->db, sizeof(f->db), "sqlite:%s/hub.db", f->dir);
	if (pi_store_open(f->db, &f->store, &err) != PI_OK ||
	        pi_store_migrate(f->store, NULL, &err) != PI_OK)
		return -1;
	add_user(f->store, "meterco", "pes-provider", "mike", PI_ROLE_REPORTER, &f->mike);
	add_user(f->store, "postreg", "regulator", "rita", PI_ROLE_REGULATOR, &f->rita);
	add_user(f->store, "southpost", "postal-operator", "bob", PI_ROLE_ANALYST, &f->bob);
	pi_cases_config_defaults(&cfg);
	cfg.test_clock = true;
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/data", src ? src : ".");
	if (pi_cases_open(f->store, f->db, &cfg, &f->cases, &err) != PI_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	pi_cases_close(f->cases);
	pi_store_close(f->store);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static const char pes_case[] =
        "{\"title\":\"Replay\",\"description\":\"d\",\"discovered_at\":\"2027-03-01T08:00:00Z\","
        "\"category\":\"fraud\",\"type\":\"masquerade\",\"severity\":\"high\","
        "\"revenue_risk\":\"high\",\"regimes\":[{\"regime\":\"usps-501.11\","
        "\"recipient\":\"postreg\"}]}";

static int64_t create(struct fixture *f)
{
	struct pi_error err;
	cJSON *body = cJSON_Parse(pes_case), *out = NULL;
	int64_t id;

	assert_int_equal(pi_case_create(f->cases, &f->mike, body, NULL, &out, &err), PI_OK);
	id = (int64_t)cJSON_GetObjectItem(out, "id")->valuedouble;
	cJSON_Delete(body);
	cJSON_Delete(out);
	return id;
}

static void access_follows_the_acl(void **state)
{
	struct fixture *f = *state;
	struct pi_error err;
	cJSON *out = NULL;
	int64_t id;

	assert_int_equal(pi_cases_set_now(f->cases, INT64_C(1803895200000000), &err), PI_OK);
	id = create(f);
	assert_int_equal(pi_case_view(f->cases, &f->rita, id, "Europe/Paris", &out, &err), PI_OK);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(out, "discovered_at_local")),
	        "2027-03-01T09:00:00+01:00");
	cJSON_Delete(out);
	out = NULL;
	assert_int_equal(pi_case_view(f->cases, &f->bob, id, NULL, &out, &err), PI_ERR_NOTFOUND);
	assert_null(out);
	assert_int_equal(
	        pi_case_move(f->cases, &f->rita, id, "open", NULL, &out, &err), PI_ERR_DENIED);
	assert_int_equal(
	        pi_case_move(f->cases, &f->bob, id, "open", NULL, &out, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_case_move(f->cases, &f->mike, id, "closed", NULL, &out, &err), PI_OK);
	assert_non_null(cJSON_GetObjectItem(out, "handled_at")->valuestring);
	cJSON_Delete(out);
	assert_int_equal(
	        pi_case_move(f->cases, &f->mike, id, "open", NULL, &out, &err), PI_ERR_CONFLICT);
}

static void filing_returns_a_verifiable_receipt(void **state)
{
	struct fixture *f = *state;
	struct pi_error err;
	struct pi_receipt_info info;
	cJSON *key = NULL, *body;
	struct pi_receipt_key pub;
	char *receipt = NULL, *key_text;
	int64_t id;

	/* 2027-03-02T09:00:00Z: one hour late */
	assert_int_equal(
	        pi_cases_set_now(f->cases, INT64_C(1803888000000000) + 25 * PI_US_PER_HOUR, &err),
	        PI_OK);
	id = create(f);
	body = cJSON_Parse("{\"regime\":\"usps-501.11\",\"stage\":\"notification\",\"content\":"
	                   "{\"finding_kind\":\"cyber-attack\",\"description\":\"x\","
	                   "\"affected_models\":[\"A\"],\"risk_description\":\"r\"}}");
	assert_int_equal(pi_case_file(f->cases, &f->mike, id, body, &receipt, &err), PI_OK);
	key = pi_cases_key_json(f->cases);
	key_text = cJSON_PrintUnformatted(key);
	assert_int_equal(
	        pi_receipt_public_key_parse(key_text, strlen(key_text), &pub, &err), PI_OK);
	assert_int_equal(
	        pi_receipt_verify(receipt, strlen(receipt), &pub, &info, &err), PI_RECEIPT_VALID);
	assert_false(info.on_time);
	assert_int_equal(info.late_by_seconds, 3600);
	assert_string_equal(info.stage, "notification");
	free(receipt);
	receipt = NULL;
	/* an original stage is filed once; the regulator may not file */
	assert_int_equal(
	        pi_case_file(f->cases, &f->mike, id, body, &receipt, &err), PI_ERR_CONFLICT);
	assert_non_null(strstr(err.message, "supersedes"));
	assert_int_equal(pi_case_file(f->cases, &f->rita, id, body, &receipt, &err), PI_ERR_DENIED);
	/* a required field missing */
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(body, "content"), "risk_description");
	cJSON_AddStringToObject(body, "supersedes", "filing-1");
	assert_int_equal(
	        pi_case_file(f->cases, &f->mike, id, body, &receipt, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "risk_description"));
	assert_null(receipt);
	free(key_text);
	cJSON_Delete(key);
	cJSON_Delete(body);
}

static void local_time_checks_zone_names(void **state)
{
	struct pi_error err;
	char out[64];

	(void)state;
	/* 2027-07-01T12:00:00Z */
	assert_int_equal(pi_cases_local_time(
	                         "Europe/Paris", INT64_C(1814443200000000), out, sizeof(out), &err),
	        PI_OK);
	assert_string_equal(out, "2027-07-01T14:00:00+02:00");
	assert_int_equal(pi_cases_local_time("America/New_York", INT64_C(1814443200000000), out,
	                         sizeof(out), &err),
	        PI_OK);
	assert_string_equal(out, "2027-07-01T08:00:00-04:00");
	assert_int_equal(
	        pi_cases_local_time(NULL, INT64_C(1814443200000000), out, sizeof(out), &err),
	        PI_OK);
	assert_string_equal(out, "2027-07-01T12:00:00+00:00");
	assert_int_equal(
	        pi_cases_local_time("../../etc/passwd", 0, out, sizeof(out), &err), PI_ERR_INVALID);
	assert_int_equal(
	        pi_cases_local_time("Mars/Base", 0, out, sizeof(out), &err), PI_ERR_INVALID);
	assert_int_equal(
	        pi_cases_local_time("/etc/localtime", 0, out, sizeof(out), &err), PI_ERR_INVALID);
}

static int tamper(const char *db_url, const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open(db_url + strlen("sqlite:"), &db);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void audit_chain_detects_changes(void **state)
{
	struct fixture *f = *state;
	struct pi_audit_report rep;
	struct pi_error err;

	for (int i = 0; i < 5; i++)
		assert_int_equal(
		        pi_audit_append(f->store, "user:test", "test.action", "t", "{}"), PI_OK);
	assert_int_equal(pi_store_audit_verify(f->store, NULL, &rep, &err), PI_OK);
	assert_int_equal(rep.problem, PI_AUDIT_INTACT);
	assert_int_equal(rep.entries, 5);
	assert_int_equal(tamper(f->db, "UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 3"),
	        SQLITE_OK);
	assert_int_equal(pi_store_audit_verify(f->store, NULL, &rep, &err), PI_OK);
	assert_int_equal(rep.problem, PI_AUDIT_EDITED);
	assert_int_equal(rep.seq, 3);
	assert_int_equal(
	        tamper(f->db, "UPDATE audit_log SET actor = 'user:test' WHERE seq = 3"), SQLITE_OK);
	assert_int_equal(tamper(f->db, "DELETE FROM audit_log WHERE seq = 5"), SQLITE_OK);
	{
		struct pi_audit_expect expect = {5, NULL};
		assert_int_equal(pi_store_audit_verify(f->store, &expect, &rep, &err), PI_OK);
		assert_int_equal(rep.problem, PI_AUDIT_REMOVED);
		assert_int_equal(rep.seq, 5);
	}
	assert_int_equal(tamper(f->db, "UPDATE audit_log SET pos = 100 WHERE seq = 2"), SQLITE_OK);
	assert_int_equal(pi_store_audit_verify(f->store, NULL, &rep, &err), PI_OK);
	assert_int_equal(rep.problem, PI_AUDIT_REORDERED);
}

static int sends;
static pi_status send_ok(void *arg, struct pi_error *err)
{
	(void)arg;
	(void)err;
	sends++;
	return PI_OK;
}
static pi_status send_fail(void *arg, struct pi_error *err)
{
	(void)arg;
	return pi_error_set(err, PI_ERR_IO, "down");
}

static void reminder_is_sent_once(void **state)
{
	struct fixture *f = *state;
	struct pi_reminder_key k = {7, "nis2-art23", "early-warning", 1, 42, "overdue", "webhook"};
	struct pi_error err;
	int64_t n = -1;

	sends = 0;
	assert_int_equal(pi_store_reminder_once(f->store, &k, 1, send_fail, NULL, &err), PI_ERR_IO);
	assert_int_equal(pi_store_reminders_count(f->store, 7, &n, &err), PI_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pi_store_reminder_once(f->store, &k, 1, send_ok, NULL, &err), PI_OK);
	assert_int_equal(
	        pi_store_reminder_once(f->store, &k, 2, send_ok, NULL, &err), PI_ERR_EXISTS);
	assert_int_equal(sends, 1);
	k.kind = "before-1h";
	assert_int_equal(pi_store_reminder_once(f->store, &k, 2, send_ok, NULL, &err), PI_OK);
	assert_int_equal(pi_store_reminders_count(f->store, 7, &n, &err), PI_OK);
	assert_int_equal(n, 2);
}

static void leads_and_hmac(void **state)
{
	int64_t leads[PI_CASE_MAX_LEADS];
	size_t n = 0;
	struct pi_error err;
	char hex[65];

	(void)state;
	assert_int_equal(pi_remind_parse_leads("1h,24h,30m,2d", leads, &n, &err), PI_OK);
	assert_int_equal(n, 4);
	assert_true(leads[0] == 48 * PI_US_PER_HOUR && leads[3] == PI_US_PER_HOUR / 2);
	assert_int_equal(pi_remind_parse_leads("", leads, &n, &err), PI_OK);
	assert_int_equal(n, 0);
	assert_int_equal(pi_remind_parse_leads("24", leads, &n, &err), PI_ERR_INVALID);
	assert_int_equal(pi_remind_parse_leads("24h;1h", leads, &n, &err), PI_ERR_INVALID);
	assert_int_equal(pi_remind_parse_leads("0h", leads, &n, &err), PI_ERR_INVALID);
	assert_int_equal(pi_remind_parse_leads("1h,1h,1h,1h,1h,1h,1h,1h,1h", leads, &n, &err),
	        PI_ERR_INVALID);
	/* RFC 4231 test case 2 */
	pi_remind_hmac_hex("Jefe", "what do ya want for nothing?", 28, hex);
	assert_string_equal(
	        hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void bad_regime_dir_is_refused(void **state)
{
	struct fixture *f = *state;
	struct pi_cases_config cfg;
	struct pi_error err;
	pi_cases *cs = NULL;

	pi_cases_config_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s/nothing-here", f->dir);
	assert_int_not_equal(pi_cases_open(f->store, f->db, &cfg, &cs, &err), PI_OK);
	assert_null(cs);
	assert_non_null(strstr(err.message, "nothing-here"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(access_follows_the_acl, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                filing_returns_a_verifiable_receipt, setup, teardown),
	        cmocka_unit_test(local_time_checks_zone_names),
	        cmocka_unit_test_setup_teardown(audit_chain_detects_changes, setup, teardown),
	        cmocka_unit_test_setup_teardown(reminder_is_sent_once, setup, teardown),
	        cmocka_unit_test(leads_and_hmac),
	        cmocka_unit_test_setup_teardown(bad_regime_dir_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
