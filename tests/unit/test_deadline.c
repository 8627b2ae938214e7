/* Unit tests for the deadline engine (cases/deadline.h) against the shipped regimes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cases/deadline.h"
#include "cases/regime.h"
#include "core/timeutil.h"

#define HOUR PI_US_PER_HOUR
#define DAY (24 * HOUR)

static pi_regimes *regimes;

static int64_t T(const char *text)
{
	int64_t us = 0;
	struct pi_error err;

	if (pi_time_parse_us(text, &us, &err) != PI_OK)
		fail_msg("bad test time %s: %s", text, err.message);
	return us;
}

static int setup(void **state)
{
	const char *root = getenv("PI_SOURCE_DIR");
	char dir[1024];
	struct pi_error err;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data/regimes", root ? root : ".");
	if (pi_regimes_load_dir(dir, &regimes, &err) != PI_OK) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	pi_regimes_free(regimes);
	return 0;
}

static const struct pi_regime *regime(const char *id)
{
	const struct pi_regime *r = pi_regimes_find(regimes, id);

	assert_non_null(r);
	return r;
}

/* The n-th instance (0-based) of stage in list, or NULL. */
static const struct pi_deadline *find(const struct pi_deadline_list *l, const char *stage, size_t n)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i].stage->id, stage) == 0 && n-- == 0)
			return &l->items[i];
	return NULL;
}

static size_t instances(const struct pi_deadline_list *l, const char *stage)
{
	size_t n = 0;

	for (size_t i = 0; i < l->count; i++)
		n += strcmp(l->items[i].stage->id, stage) == 0;
	return n;
}

static void compute(const char *regime_id, const struct pi_case_timeline *tl, int64_t now,
        struct pi_deadline_list *out)
{
	struct pi_deadline_options opt = {now, 6 * HOUR};
	struct pi_error err;

	if (pi_deadline_compute(regime(regime_id), tl, &opt, out, &err) != PI_OK)
		fail_msg("compute failed: %s", err.message);
}

static void assert_due(const struct pi_deadline *d, const char *when)
{
	char text[PI_TIME_TEXT_LEN];

	assert_non_null(d);
	if (d->due_at == PI_TIME_UNSET)
		fail_msg("stage %s: due_at unset, expected %s", d->stage->id, when);
	pi_time_format_us(d->due_at, text);
	assert_string_equal(text, when);
}

static void month_arithmetic_follows_the_calendar(void **state)
{
	struct pi_time_limit one_month = {PI_LIMIT_MONTHS, 1}, twelve = {PI_LIMIT_MONTHS, 12};
	struct pi_time_limit thirteen = {PI_LIMIT_MONTHS, 13}, per_case = {PI_LIMIT_PER_CASE, 0};
	struct pi_time_limit h24 = {PI_LIMIT_HOURS, 24}, d7 = {PI_LIMIT_DAYS, 7};
	int64_t out = 0;
	char text[PI_TIME_TEXT_LEN];
	static const char *const cases[][3] = {
	        {"2028-01-31T09:15:00Z", "1", "2028-02-29T09:15:00.000000Z"}, /* leap year */
	        {"2027-01-31T09:15:00Z", "1", "2027-02-28T09:15:00.000000Z"},
	        {"2100-01-31T00:00:00Z", "1", "2100-02-28T00:00:00.000000Z"}, /* not leap */
	        {"2000-01-30T00:00:00Z", "1", "2000-02-29T00:00:00.000000Z"}, /* leap (400) */
	        {"2027-12-31T23:59:59Z", "1", "2028-01-31T23:59:59.000000Z"}, /* year end */
	        {"2028-03-31T12:00:00Z", "1", "2028-04-30T12:00:00.000000Z"},
	        {"2028-02-29T12:00:00Z", "1", "2028-03-29T12:00:00.000000Z"},
	        {"2028-01-15T00:00:00.123456Z", "1", "2028-02-15T00:00:00.123456Z"},
	        {"1969-12-31T23:00:00Z", "1", "1970-01-31T23:00:00.000000Z"}, /* before epoch */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pi_deadline_add(T(cases[i][0]), &one_month, &out), PI_OK);
		pi_time_format_us(out, text);
		assert_string_equal(text, cases[i][2]);
	}
	assert_int_equal(pi_deadline_add(T("2028-02-29T00:00:00Z"), &twelve, &out), PI_OK);
	pi_time_format_us(out, text);
	assert_string_equal(text, "2029-02-28T00:00:00.000000Z");
	assert_int_equal(pi_deadline_add(T("2027-12-31T00:00:00Z"), &thirteen, &out), PI_OK);
	pi_time_format_us(out, text);
	assert_string_equal(text, "2029-01-31T00:00:00.000000Z");
	assert_int_equal(pi_deadline_add(T("2028-02-28T12:00:00Z"), &h24, &out), PI_OK);
	pi_time_format_us(out, text);
	assert_string_equal(text, "2028-02-29T12:00:00.000000Z");
	assert_int_equal(pi_deadline_add(T("2028-12-28T00:00:00Z"), &d7, &out), PI_OK);
	pi_time_format_us(out, text);
	assert_string_equal(text, "2029-01-04T00:00:00.000000Z");
	assert_int_equal(
	        pi_deadline_add(T("2028-01-01T00:00:00Z"), &per_case, &out), PI_ERR_INVALID);
	assert_int_equal(
	        pi_deadline_add(T("9999-12-31T00:00:00Z"), &one_month, &out), PI_ERR_INVALID);
}

static void usps_notification_24h_after_discovery(void **state)
{
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	compute("usps-501.11", &tl, T("2028-03-10T09:00:00Z"), &l);
	d = find(&l, "notification", 0);
	assert_int_equal(d->state, PI_DEADLINE_NOT_TRIGGERED);
	assert_int_equal(d->due_at, PI_TIME_UNSET);
	assert_string_equal(d->waiting_for, "the discovery time");
	pi_deadline_list_free(&l);

	tl.discovered_at = T("2028-03-10T08:00:00Z");
	compute("usps-501.11", &tl, T("2028-03-10T09:00:00Z"), &l);
	d = find(&l, "notification", 0);
	assert_due(d, "2028-03-11T08:00:00.000000Z");
	assert_int_equal(d->triggered_at, tl.discovered_at);
	assert_int_equal(d->state, PI_DEADLINE_OPEN);
	assert_string_equal(pi_deadline_state_name(d->state), "open");
	/* nothing else has started */
	assert_int_equal(find(&l, "written-report", 0)->state, PI_DEADLINE_NOT_TRIGGERED);
	assert_int_equal(find(&l, "status-report", 0)->state, PI_DEADLINE_NOT_TRIGGERED);
	assert_int_equal(find(&l, "summary-of-findings", 0)->state, PI_DEADLINE_NOT_TRIGGERED);
	pi_deadline_list_free(&l);

	/* due soon within the 6 h lead, inclusive at the due instant */
	compute("usps-501.11", &tl, T("2028-03-11T02:00:00Z"), &l);
	assert_int_equal(find(&l, "notification", 0)->state, PI_DEADLINE_DUE_SOON);
	pi_deadline_list_free(&l);
	compute("usps-501.11", &tl, T("2028-03-11T08:00:00Z"), &l);
	assert_int_equal(find(&l, "notification", 0)->state, PI_DEADLINE_DUE_SOON);
	pi_deadline_list_free(&l);
	compute("usps-501.11", &tl, T("2028-03-11T01:59:59Z"), &l);
	assert_int_equal(find(&l, "notification", 0)->state, PI_DEADLINE_OPEN);
	pi_deadline_list_free(&l);

	/* overdue one microsecond after, with the lateness */
	compute("usps-501.11", &tl, T("2028-03-11T08:00:00.000001Z"), &l);
	d = find(&l, "notification", 0);
	assert_int_equal(d->state, PI_DEADLINE_OVERDUE);
	assert_int_equal(d->late_by, 1);
	pi_deadline_list_free(&l);
	compute("usps-501.11", &tl, T("2028-03-12T11:30:00Z"), &l);
	d = find(&l, "notification", 0);
	assert_int_equal(d->state, PI_DEADLINE_OVERDUE);
	assert_int_equal(d->late_by, 27 * HOUR + 30 * 60 * INT64_C(1000000));
	pi_deadline_list_free(&l);
}

static void corrected_trigger_time_moves_the_deadline(void **state)
{
	struct pi_case_timeline tl;
	struct pi_deadline_list l;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.discovered_at = T("2028-03-10T08:00:00Z");
	compute("usps-501.11", &tl, T("2028-03-11T09:00:00Z"), &l);
	assert_int_equal(find(&l, "notification", 0)->state, PI_DEADLINE_OVERDUE);
	pi_deadline_list_free(&l);
	/* the provider corrects the discovery time: it was a day later */
	tl.discovered_at = T("2028-03-11T07:00:00Z");
	compute("usps-501.11", &tl, T("2028-03-11T09:00:00Z"), &l);
	assert_due(find(&l, "notification", 0), "2028-03-12T07:00:00.000000Z");
	assert_int_equal(find(&l, "notification", 0)->state, PI_DEADLINE_OPEN);
	pi_deadline_list_free(&l);
}

static void usps_written_report_waits_for_the_regulator(void **state)
{
	struct pi_case_filing filings[] = {
	        {"f-1", "notification", T("2028-03-10T20:00:00Z"), NULL},
	};
	struct pi_case_limit limit = {"written-report", {PI_LIMIT_DAYS, 10}, PI_TIME_UNSET};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.discovered_at = T("2028-03-10T08:00:00Z");
	tl.filings = filings;
	tl.filing_count = 1;
	compute("usps-501.11", &tl, T("2028-03-11T09:00:00Z"), &l);
	d = find(&l, "notification", 0);
	assert_int_equal(d->state, PI_DEADLINE_FILED_ON_TIME);
	assert_string_equal(d->filing_id, "f-1");
	d = find(&l, "written-report", 0);
	assert_int_equal(d->state, PI_DEADLINE_WAITING_REGULATOR);
	assert_string_equal(pi_deadline_state_name(d->state), "waiting-for-regulator");
	assert_int_equal(d->triggered_at, T("2028-03-10T20:00:00Z"));
	assert_int_equal(d->due_at, PI_TIME_UNSET);
	assert_string_equal(d->waiting_for, "the regulator to set the time limit");
	pi_deadline_list_free(&l);

	/* the Postal Service sets 10 days for this revenue risk */
	tl.limits = &limit;
	tl.limit_count = 1;
	compute("usps-501.11", &tl, T("2028-03-11T09:00:00Z"), &l);
	d = find(&l, "written-report", 0);
	assert_due(d, "2028-03-20T20:00:00.000000Z");
	assert_int_equal(d->state, PI_DEADLINE_OPEN);
	pi_deadline_list_free(&l);

	/* or a date */
	limit.limit.unit = PI_LIMIT_PER_CASE;
	limit.due_at = T("2028-04-01T17:00:00Z");
	compute("usps-501.11", &tl, T("2028-03-11T09:00:00Z"), &l);
	assert_due(find(&l, "written-report", 0), "2028-04-01T17:00:00.000000Z");
	pi_deadline_list_free(&l);
}

static void usps_status_reports_roll_until_completion(void **state)
{
	struct pi_case_filing filings[] = {
	        {"f-1", "notification", T("2028-03-10T20:00:00Z"), NULL},
	        {"f-2", "written-report", T("2028-03-15T10:00:00Z"), NULL},
	        {"f-3", "status-report", T("2028-04-10T10:00:00Z"), NULL},
	        {"f-4", "status-report", T("2028-05-20T10:00:00Z"), NULL}, /* late */
	};
	struct pi_case_limit limits[] = {
	        {"written-report", {PI_LIMIT_DAYS, 10}, PI_TIME_UNSET},
	        {"status-report", {PI_LIMIT_DAYS, 30}, PI_TIME_UNSET},
	        {"summary-of-findings", {PI_LIMIT_DAYS, 14}, PI_TIME_UNSET},
	};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.discovered_at = T("2028-03-10T08:00:00Z");
	tl.filings = filings;
	tl.filing_count = 2;
	tl.limits = limits;
	tl.limit_count = 1;
	/* interval not set yet */
	compute("usps-501.11", &tl, T("2028-03-16T00:00:00Z"), &l);
	assert_int_equal(find(&l, "written-report", 0)->state, PI_DEADLINE_FILED_ON_TIME);
	d = find(&l, "status-report", 0);
	assert_int_equal(d->state, PI_DEADLINE_WAITING_REGULATOR);
	pi_deadline_list_free(&l);

	tl.limit_count = 3;
	tl.filing_count = 4;
	compute("usps-501.11", &tl, T("2028-05-25T00:00:00Z"), &l);
	assert_int_equal(instances(&l, "status-report"), 3);
	d = find(&l, "status-report", 0);
	assert_int_equal(d->instance, 1);
	assert_due(d, "2028-04-14T10:00:00.000000Z");
	assert_int_equal(d->state, PI_DEADLINE_FILED_ON_TIME);
	d = find(&l, "status-report", 1);
	assert_due(d, "2028-05-10T10:00:00.000000Z");
	assert_int_equal(d->state, PI_DEADLINE_FILED_LATE);
	assert_int_equal(d->late_by, 10 * DAY);
	d = find(&l, "status-report", 2);
	assert_int_equal(d->instance, 3);
	assert_due(d, "2028-06-19T10:00:00.000000Z");
	assert_int_equal(d->state, PI_DEADLINE_OPEN);
	assert_int_equal(find(&l, "summary-of-findings", 0)->state, PI_DEADLINE_NOT_TRIGGERED);
	pi_deadline_list_free(&l);

	/* investigation completed on June 1: no further status report; summary due */
	tl.handled_at = T("2028-06-01T12:00:00Z");
	compute("usps-501.11", &tl, T("2028-06-02T00:00:00Z"), &l);
	assert_int_equal(instances(&l, "status-report"), 2);
	d = find(&l, "summary-of-findings", 0);
	assert_due(d, "2028-06-15T12:00:00.000000Z");
	assert_int_equal(d->state, PI_DEADLINE_OPEN);
	pi_deadline_list_free(&l);

	/* completed after the third report fell due: it is still owed (overdue) */
	tl.handled_at = T("2028-06-25T00:00:00Z");
	compute("usps-501.11", &tl, T("2028-06-26T00:00:00Z"), &l);
	assert_int_equal(instances(&l, "status-report"), 3);
	assert_int_equal(find(&l, "status-report", 2)->state, PI_DEADLINE_OVERDUE);
	pi_deadline_list_free(&l);
}

static void nis2_early_warning_and_notification(void **state)
{
	struct pi_case_filing filings[] = {
	        {"ew", "early-warning", T("2028-01-29T12:00:00Z"), NULL}, /* 2 h late */
	};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.discovered_at = T("2028-01-27T00:00:00Z"); /* discovery does not start NIS2 clocks */
	tl.aware_at = T("2028-01-28T10:00:00Z");
	compute("nis2-art23", &tl, T("2028-01-28T11:00:00Z"), &l);
	assert_due(find(&l, "early-warning", 0), "2028-01-29T10:00:00.000000Z");
	assert_due(find(&l, "incident-notification", 0), "2028-01-31T10:00:00.000000Z");
	assert_int_equal(find(&l, "final-report", 0)->state, PI_DEADLINE_NOT_TRIGGERED);
	assert_int_equal(find(&l, "intermediate-report", 0)->state, PI_DEADLINE_NOT_TRIGGERED);
	assert_int_equal(find(&l, "intermediate-report", 0)->instance, 0);
	assert_string_equal(
	        find(&l, "intermediate-report", 0)->waiting_for, "a request from the regulator");
	pi_deadline_list_free(&l);

	tl.filings = filings;
	tl.filing_count = 1;
	compute("nis2-art23", &tl, T("2028-01-30T00:00:00Z"), &l);
	d = find(&l, "early-warning", 0);
	assert_int_equal(d->state, PI_DEADLINE_FILED_LATE);
	assert_string_equal(pi_deadline_state_name(d->state), "filed-late");
	assert_int_equal(d->late_by, 2 * HOUR);
	assert_int_equal(d->filed_at, T("2028-01-29T12:00:00Z"));
	pi_deadline_list_free(&l);
}

static void nis2_final_report_one_calendar_month_after_notification(void **state)
{
	struct pi_case_filing filings[] = {
	        {"n", "incident-notification", T("2028-01-31T09:00:00Z"), NULL},
	};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.aware_at = T("2028-01-29T10:00:00Z");
	tl.filings = filings;
	tl.filing_count = 1;
	compute("nis2-art23", &tl, T("2028-02-01T00:00:00Z"), &l);
	d = find(&l, "final-report", 0);
	assert_due(d, "2028-02-29T09:00:00.000000Z"); /* Jan 31 -> Feb 29, 2028 is a leap year */
	assert_int_equal(d->state, PI_DEADLINE_OPEN);
	assert_false(d->replaced);
	/* the progress report is only needed if the incident is still ongoing then */
	d = find(&l, "progress-report", 0);
	assert_int_equal(d->state, PI_DEADLINE_NOT_TRIGGERED);
	assert_due(d, "2028-02-29T09:00:00.000000Z");
	pi_deadline_list_free(&l);

	/* over the year end: Dec 31 -> Jan 31 */
	filings[0].filed_at = T("2027-12-31T23:00:00Z");
	tl.aware_at = T("2027-12-30T10:00:00Z");
	compute("nis2-art23", &tl, T("2028-01-02T00:00:00Z"), &l);
	assert_due(find(&l, "final-report", 0), "2028-01-31T23:00:00.000000Z");
	pi_deadline_list_free(&l);

	/* in a common year Jan 31 -> Feb 28 */
	filings[0].filed_at = T("2027-01-31T09:00:00Z");
	tl.aware_at = T("2027-01-29T10:00:00Z");
	compute("nis2-art23", &tl, T("2027-02-01T00:00:00Z"), &l);
	assert_due(find(&l, "final-report", 0), "2027-02-28T09:00:00.000000Z");
	pi_deadline_list_free(&l);
}

static void nis2_progress_report_when_still_ongoing(void **state)
{
	struct pi_case_filing filings[] = {
	        {"n", "incident-notification", T("2028-01-31T09:00:00Z"), NULL},
	        {"p", "progress-report", T("2028-02-28T09:00:00Z"), NULL},
	        {"f", "final-report", T("2028-04-10T09:00:00Z"), NULL},
	};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.aware_at = T("2028-01-29T10:00:00Z");
	tl.filings = filings;
	tl.filing_count = 1;
	/* past the final report's due time, incident not handled: progress report owed */
	compute("nis2-art23", &tl, T("2028-03-01T00:00:00Z"), &l);
	d = find(&l, "progress-report", 0);
	assert_int_equal(d->state, PI_DEADLINE_OVERDUE);
	assert_due(d, "2028-02-29T09:00:00.000000Z");
	d = find(&l, "final-report", 0);
	assert_true(d->replaced);
	assert_int_equal(d->state, PI_DEADLINE_NOT_TRIGGERED);
	assert_int_equal(d->due_at, PI_TIME_UNSET);
	assert_string_equal(d->waiting_for, "the incident to be handled (investigation completed)");
	pi_deadline_list_free(&l);

	/* progress report filed; incident handled on March 15: final due April 15 */
	tl.filing_count = 2;
	tl.handled_at = T("2028-03-15T16:00:00Z");
	compute("nis2-art23", &tl, T("2028-03-16T00:00:00Z"), &l);
	assert_int_equal(find(&l, "progress-report", 0)->state, PI_DEADLINE_FILED_ON_TIME);
	d = find(&l, "final-report", 0);
	assert_true(d->replaced);
	assert_int_equal(d->triggered_at, tl.handled_at);
	assert_due(d, "2028-04-15T16:00:00.000000Z");
	assert_int_equal(d->state, PI_DEADLINE_OPEN);
	pi_deadline_list_free(&l);

	tl.filing_count = 3;
	compute("nis2-art23", &tl, T("2028-04-20T00:00:00Z"), &l);
	assert_int_equal(find(&l, "final-report", 0)->state, PI_DEADLINE_FILED_ON_TIME);
	pi_deadline_list_free(&l);

	/* handled before the final report's due time: no progress report needed */
	tl.filing_count = 1;
	tl.handled_at = T("2028-02-10T00:00:00Z");
	compute("nis2-art23", &tl, T("2028-03-01T00:00:00Z"), &l);
	d = find(&l, "progress-report", 0);
	assert_int_equal(d->state, PI_DEADLINE_NOT_REQUIRED);
	assert_string_equal(pi_deadline_state_name(d->state), "not-required");
	d = find(&l, "final-report", 0);
	assert_false(d->replaced);
	assert_int_equal(d->state, PI_DEADLINE_OVERDUE);
	assert_due(d, "2028-02-29T09:00:00.000000Z");
	pi_deadline_list_free(&l);
}

static void nis2_intermediate_report_on_request(void **state)
{
	struct pi_case_request requests[] = {
	        {"intermediate-report", T("2028-02-10T08:00:00Z"), T("2028-02-12T17:00:00Z")},
	        {"intermediate-report", T("2028-02-05T08:00:00Z"), T("2028-02-07T17:00:00Z")},
	        {"intermediate-report", T("2028-02-20T08:00:00Z"), PI_TIME_UNSET},
	};
	struct pi_case_filing filings[] = {
	        {"n", "incident-notification", T("2028-01-31T09:00:00Z"), NULL},
	        {"i0", "intermediate-report", T("2028-02-01T09:00:00Z"), NULL}, /* unsolicited */
	        {"i1", "intermediate-report", T("2028-02-07T09:00:00Z"), NULL},
	        {"i1c", "intermediate-report", T("2028-02-07T10:00:00Z"), "i1"}, /* correction */
	        {"i2", "intermediate-report", T("2028-02-13T09:00:00Z"), NULL},
	};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.aware_at = T("2028-01-29T10:00:00Z");
	tl.requests = requests;
	tl.request_count = 3;
	tl.filings = filings;
	tl.filing_count = 5;
	compute("nis2-art23", &tl, T("2028-02-21T00:00:00Z"), &l);
	assert_int_equal(instances(&l, "intermediate-report"), 3);
	d = find(&l, "intermediate-report", 0); /* the Feb 5 request, by time */
	assert_int_equal(d->instance, 1);
	assert_int_equal(d->triggered_at, T("2028-02-05T08:00:00Z"));
	assert_string_equal(d->filing_id, "i1");
	assert_int_equal(d->state, PI_DEADLINE_FILED_ON_TIME);
	d = find(&l, "intermediate-report", 1);
	assert_string_equal(d->filing_id, "i2");
	assert_int_equal(d->state, PI_DEADLINE_FILED_LATE);
	assert_int_equal(d->late_by, 16 * HOUR);
	d = find(&l, "intermediate-report", 2); /* a request without a date */
	assert_int_equal(d->state, PI_DEADLINE_WAITING_REGULATOR);
	pi_deadline_list_free(&l);
}

static void circia_draft_ransom_payments_each_24h(void **state)
{
	struct pi_case_occurrence occ[] = {
	        {"ransom-payment", T("2028-05-01T10:00:00Z")},
	        {"new-information", T("2028-05-02T10:00:00Z")},
	        {"ransom-payment", T("2028-05-03T10:00:00Z")},
	};
	struct pi_case_filing filings[] = {
	        {"r1", "ransom-payment-report", T("2028-05-01T20:00:00Z"), NULL},
	};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;

	(void)state;
	assert_int_equal(regime("circia-draft")->status, PI_REGIME_DRAFT);
	pi_case_timeline_init(&tl);
	tl.aware_at = T("2028-04-30T10:00:00Z");
	tl.occurrences = occ;
	tl.occurrence_count = 3;
	tl.filings = filings;
	tl.filing_count = 1;
	compute("circia-draft", &tl, T("2028-05-04T11:00:00Z"), &l);
	assert_due(find(&l, "covered-incident-report", 0), "2028-05-03T10:00:00.000000Z");
	assert_int_equal(instances(&l, "ransom-payment-report"), 2);
	assert_int_equal(find(&l, "ransom-payment-report", 0)->state, PI_DEADLINE_FILED_ON_TIME);
	assert_due(find(&l, "ransom-payment-report", 1), "2028-05-04T10:00:00.000000Z");
	assert_int_equal(find(&l, "ransom-payment-report", 1)->state, PI_DEADLINE_OVERDUE);
	assert_int_equal(find(&l, "ransom-payment-report", 1)->late_by, HOUR);
	assert_int_equal(instances(&l, "supplemental-report"), 1);
	assert_due(find(&l, "supplemental-report", 0), "2028-05-03T10:00:00.000000Z");
	pi_deadline_list_free(&l);
}

static void voluntary_regime(void **state)
{
	struct pi_case_request req = {"update", T("2028-06-01T00:00:00Z"), PI_TIME_UNSET};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;

	(void)state;
	assert_false(regime("post-isac-voluntary")->mandatory);
	pi_case_timeline_init(&tl);
	tl.aware_at = T("2028-05-30T00:00:00Z");
	tl.handled_at = T("2028-06-10T00:00:00Z");
	tl.requests = &req;
	tl.request_count = 1;
	compute("post-isac-voluntary", &tl, T("2028-06-02T00:00:00Z"), &l);
	assert_due(find(&l, "initial-share", 0), "2028-06-02T00:00:00.000000Z");
	assert_int_equal(find(&l, "initial-share", 0)->state, PI_DEADLINE_DUE_SOON);
	assert_due(find(&l, "update", 0), "2028-06-08T00:00:00.000000Z");
	assert_due(find(&l, "lessons-learned", 0), "2028-07-10T00:00:00.000000Z");
	pi_deadline_list_free(&l);
}

/* Every shipped regime, every stage: nothing starts without triggers; with every
 * trigger time known and every per-case limit set, every stage has a due time. */
static void every_regime_every_trigger(void **state)
{
	(void)state;
	assert_int_equal(pi_regimes_count(regimes), 4);
	for (size_t ri = 0; ri < pi_regimes_count(regimes); ri++) {
		const struct pi_regime *r = pi_regimes_get(regimes, ri);
		struct pi_case_filing filings[PI_REGIME_MAX_STAGES];
		struct pi_case_request requests[PI_REGIME_MAX_STAGES];
		struct pi_case_limit limits[PI_REGIME_MAX_STAGES];
		struct pi_case_occurrence occ[PI_REGIME_MAX_STAGES];
		struct pi_deadline_options opt = {T("2028-01-01T00:00:00Z"), HOUR};
		struct pi_case_timeline tl;
		struct pi_deadline_list l;
		struct pi_error err;
		size_t nf = 0, nq = 0, nl = 0, no = 0;

		pi_case_timeline_init(&tl);
		assert_int_equal(pi_deadline_compute(r, &tl, &opt, &l, &err), PI_OK);
		assert_int_equal(l.count, r->stage_count);
		for (size_t i = 0; i < l.count; i++) {
			if (l.items[i].state != PI_DEADLINE_NOT_TRIGGERED)
				fail_msg("%s/%s: %s with no triggers", r->id, l.items[i].stage->id,
				        pi_deadline_state_name(l.items[i].state));
			assert_non_null(l.items[i].waiting_for);
		}
		pi_deadline_list_free(&l);

		/* every trigger: times known, anchors filed, requests and occurrences made */
		tl.discovered_at = T("2028-01-01T00:00:00Z");
		tl.aware_at = T("2028-01-01T01:00:00Z");
		for (size_t i = 0; i < r->stage_count; i++) {
			const struct pi_regime_stage *s = &r->stages[i];

			if (s->trigger.event == PI_TRIGGER_FILING ||
			        s->trigger.event == PI_TRIGGER_PERIOD)
				filings[nf++] = (struct pi_case_filing){"anchor", s->trigger.stage,
				        T("2028-01-01T02:00:00Z"), NULL};
			if (s->trigger.event == PI_TRIGGER_REQUEST)
				requests[nq++] = (struct pi_case_request){
				        s->id, T("2028-01-01T03:00:00Z"), PI_TIME_UNSET};
			if (s->trigger.event == PI_TRIGGER_OCCURRENCE)
				occ[no++] = (struct pi_case_occurrence){
				        s->trigger.name, T("2028-01-01T04:00:00Z")};
			if (s->time_limit.unit == PI_LIMIT_PER_CASE)
				limits[nl++] = (struct pi_case_limit){
				        s->id, {PI_LIMIT_DAYS, 5}, PI_TIME_UNSET};
		}
		tl.filings = filings;
		tl.filing_count = nf;
		tl.requests = requests;
		tl.request_count = nq;
		tl.occurrences = occ;
		tl.occurrence_count = no;
		tl.limits = limits;
		tl.limit_count = nl;
		/* before handling: everything but handling-triggered stages has a due time */
		if (pi_deadline_compute(r, &tl, &opt, &l, &err) != PI_OK)
			fail_msg("%s: %s", r->id, err.message);
		for (size_t i = 0; i < l.count; i++) {
			const struct pi_deadline *d = &l.items[i];
			bool filed_anchor = d->state == PI_DEADLINE_FILED_ON_TIME;

			if (d->stage->trigger.event == PI_TRIGGER_HANDLED ||
			        d->stage->stands_in_for) {
				assert_int_equal(d->state, PI_DEADLINE_NOT_TRIGGERED);
				continue;
			}
			if (!filed_anchor && d->due_at == PI_TIME_UNSET)
				fail_msg("%s/%s: no due time with every trigger set (%s)", r->id,
				        d->stage->id, pi_deadline_state_name(d->state));
		}
		pi_deadline_list_free(&l);
		tl.handled_at = T("2028-01-01T05:00:00Z");
		assert_int_equal(pi_deadline_compute(r, &tl, &opt, &l, &err), PI_OK);
		for (size_t i = 0; i < l.count; i++)
			if (l.items[i].stage->trigger.event == PI_TRIGGER_HANDLED)
				assert_int_not_equal(l.items[i].due_at, PI_TIME_UNSET);
		pi_deadline_list_free(&l);
	}
}

static void refuses_bad_timelines(void **state)
{
	struct pi_case_filing bad_stage = {"x", "no-such-stage", T("2028-01-01T00:00:00Z"), NULL};
	struct pi_case_request bad_req = {
	        "early-warning", T("2028-01-01T00:00:00Z"), PI_TIME_UNSET};
	struct pi_case_limit bad_limit = {"final-report", {PI_LIMIT_DAYS, 3}, PI_TIME_UNSET};
	struct pi_case_limit date_for_period = {
	        "status-report", {PI_LIMIT_PER_CASE, 0}, T("2028-01-01T00:00:00Z")};
	struct pi_deadline_options opt = {T("2028-01-01T00:00:00Z"), HOUR};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	struct pi_error err;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.filings = &bad_stage;
	tl.filing_count = 1;
	assert_int_equal(
	        pi_deadline_compute(regime("nis2-art23"), &tl, &opt, &l, &err), PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "filing 'x' names stage 'no-such-stage', which regime 'nis2-art23' does not have");
	assert_null(l.items);

	pi_case_timeline_init(&tl);
	tl.requests = &bad_req;
	tl.request_count = 1;
	assert_int_equal(
	        pi_deadline_compute(regime("nis2-art23"), &tl, &opt, &l, &err), PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "stage 'early-warning' of regime 'nis2-art23' is not filed on request (its trigger "
	        "is awareness)");

	pi_case_timeline_init(&tl);
	tl.limits = &bad_limit;
	tl.limit_count = 1;
	assert_int_equal(
	        pi_deadline_compute(regime("nis2-art23"), &tl, &opt, &l, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "stage 'final-report' of regime 'nis2-art23' has a fixed "
	                                 "time limit (1 months); the "
	                                 "regulator does not set it per case");

	pi_case_timeline_init(&tl);
	tl.limits = &date_for_period;
	tl.limit_count = 1;
	assert_int_equal(
	        pi_deadline_compute(regime("usps-501.11"), &tl, &opt, &l, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "must be an interval"));

	pi_case_timeline_init(&tl);
	tl.aware_at = INT64_MAX;
	assert_int_equal(
	        pi_deadline_compute(regime("nis2-art23"), &tl, &opt, &l, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "aware_at is outside the years 0001-9999");

	pi_case_timeline_init(&tl);
	opt.due_soon_lead = -1;
	assert_int_equal(
	        pi_deadline_compute(regime("nis2-art23"), &tl, &opt, &l, &err), PI_ERR_INVALID);
}

static void corrections_do_not_restart_the_clock(void **state)
{
	struct pi_case_filing filings[] = {
	        {"c2", "early-warning", T("2028-01-29T09:00:00Z"), "c1"}, /* correction, on time */
	        {"c1", "early-warning", T("2028-01-29T11:00:00Z"), NULL}, /* original, late */
	};
	struct pi_case_timeline tl;
	struct pi_deadline_list l;
	const struct pi_deadline *d;

	(void)state;
	pi_case_timeline_init(&tl);
	tl.aware_at = T("2028-01-28T10:00:00Z");
	tl.filings = filings;
	tl.filing_count = 2;
	compute("nis2-art23", &tl, T("2028-01-30T00:00:00Z"), &l);
	d = find(&l, "early-warning", 0);
	assert_string_equal(d->filing_id, "c1");
	assert_int_equal(d->state, PI_DEADLINE_FILED_LATE);
	assert_int_equal(d->late_by, HOUR);
	pi_deadline_list_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(month_arithmetic_follows_the_calendar),
	        cmocka_unit_test(usps_notification_24h_after_discovery),
	        cmocka_unit_test(corrected_trigger_time_moves_the_deadline),
	        cmocka_unit_test(usps_written_report_waits_for_the_regulator),
	        cmocka_unit_test(usps_status_reports_roll_until_completion),
	        cmocka_unit_test(nis2_early_warning_and_notification),
	        cmocka_unit_test(nis2_final_report_one_calendar_month_after_notification),
	        cmocka_unit_test(nis2_progress_report_when_still_ongoing),
	        cmocka_unit_test(nis2_intermediate_report_on_request),
	        cmocka_unit_test(circia_draft_ransom_payments_each_24h),
	        cmocka_unit_test(voluntary_regime),
	        cmocka_unit_test(every_regime_every_trigger),
	        cmocka_unit_test(refuses_bad_timelines),
	        cmocka_unit_test(corrections_do_not_restart_the_clock),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
