/* deadline.h - the deadline engine: from a regime and a case's trigger times to the
 * due time and state of every stage.
 *
 * Pure functions: no clock, no globals, no I/O. The caller passes "now" and gets the
 * same answer for the same input, so a corrected trigger time (a new discovered_at,
 * a regulator's new limit) is handled by computing again.
 *
 * Time is int64 microseconds since the Unix epoch, UTC (core/timeutil.h);
 * PI_TIME_UNSET marks a time that is not known. Hours and days are exact durations
 * (UTC has no daylight saving). Months are calendar months: the same day and time of
 * day N months later, clamped to the last day of a shorter month (Jan 31 + 1 month =
 * Feb 28, or Feb 29 in a leap year; Dec 31 + 1 month = Jan 31 of the next year).
 *
 * Each stage yields one or more instances (struct pi_deadline), each in one state:
 *
 *   NOT_TRIGGERED      its trigger has not happened (waiting_for says which)
 *   WAITING_REGULATOR  triggered, but the limit is "per-case" and not set yet
 *   OPEN               due_at known, now < due_at - due-soon lead
 *   DUE_SOON           due_at - lead <= now <= due_at
 *   OVERDUE            now > due_at and not filed (late_by = now - due_at)
 *   FILED_ON_TIME      filed at or before due_at (or no due time was set)
 *   FILED_LATE         filed after due_at (late_by = filed_at - due_at)
 *   NOT_REQUIRED       a stand-in stage whose stage was not replaced
 *
 * Instances: a one-off stage has one. A request or occurrence stage has one per
 * request / occurrence, matched in time order to the filings made at or after it
 * (instance 0 in state NOT_TRIGGERED when there is none). A period stage rolls: each
 * report is due one interval after the previous report (the first one interval
 * after the anchor stage was filed); while the case is not handled there is one
 * unfiled instance after the last filing; once handled, an unfiled instance is kept
 * only if it fell due before handled_at.
 *
 * Filings: only originals count (supersedes == NULL); a correction supersedes the
 * content but not the time of the original. The first original filing of a stage is
 * what "filing" and "period" triggers start from.
 *
 * Replacement (NIS2 Art. 23(4)(e)): if a replaceable stage is not filed by its due
 * time and the incident is still ongoing then (handled_at unset and now >= due, or
 * handled_at > due), its stand-in (progress report) is due at that time instead, and
 * the stage itself becomes due its replace_time_limit after its replace_trigger
 * (one month after handling). Before that is decided the stand-in is NOT_TRIGGERED.
 */
#ifndef PI_CASES_DEADLINE_H
#define PI_CASES_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cases/regime.h"
#include "core/error.h"

#define PI_TIME_UNSET INT64_MIN
#define PI_DEADLINE_MAX_INPUT 10000     /* filings, requests, limits, occurrences each */
#define PI_DEADLINE_MAX_INSTANCES 10000 /* instances in one result */
#define PI_US_PER_HOUR INT64_C(3600000000)

struct pi_case_filing {
	const char *id;
	const char *stage;
	int64_t filed_at;
	const char *supersedes; /* id of the filing this one corrects, or NULL */
};

/* A regulator's request for a request-triggered stage; due_at PI_TIME_UNSET when the
 * request names no date (the stage's own limit then applies). */
struct pi_case_request {
	const char *stage;
	int64_t requested_at;
	int64_t due_at;
};

/* A regulator-set limit for a "per-case" stage: either a duration counted from the
 * stage's trigger (limit.unit hours, days or months) or an absolute due_at. For a
 * period stage only a duration (the interval) is meaningful. The last entry for a
 * stage wins, so pass them in the order they were set. */
struct pi_case_limit {
	const char *stage;
	struct pi_time_limit limit; /* unit PI_LIMIT_PER_CASE when due_at is used */
	int64_t due_at;
};

/* Something that happened and triggers occurrence stages ("ransom-payment"). */
struct pi_case_occurrence {
	const char *name;
	int64_t at;
};

struct pi_case_timeline {
	int64_t discovered_at; /* PI_TIME_UNSET if not known */
	int64_t aware_at;
	int64_t handled_at; /* incident handled / investigation complete; UNSET while ongoing */
	const struct pi_case_filing *filings;
	size_t filing_count;
	const struct pi_case_request *requests;
	size_t request_count;
	const struct pi_case_limit *limits;
	size_t limit_count;
	const struct pi_case_occurrence *occurrences;
	size_t occurrence_count;
};

struct pi_deadline_options {
	int64_t now;
	int64_t due_soon_lead; /* microseconds before due_at when OPEN turns DUE_SOON */
};

enum pi_deadline_state {
	PI_DEADLINE_NOT_TRIGGERED,
	PI_DEADLINE_WAITING_REGULATOR,
	PI_DEADLINE_OPEN,
	PI_DEADLINE_DUE_SOON,
	PI_DEADLINE_OVERDUE,
	PI_DEADLINE_FILED_ON_TIME,
	PI_DEADLINE_FILED_LATE,
	PI_DEADLINE_NOT_REQUIRED,
};

struct pi_deadline {
	const struct pi_regime_stage *stage; /* points into the regime */
	size_t stage_index;
	unsigned instance; /* 1, 2, ... ; 0 for a repeating stage not triggered yet */
	enum pi_deadline_state state;
	int64_t triggered_at;  /* PI_TIME_UNSET when not triggered */
	int64_t due_at;        /* PI_TIME_UNSET when not known */
	int64_t filed_at;      /* PI_TIME_UNSET when not filed */
	const char *filing_id; /* points into the timeline; NULL when not filed */
	int64_t late_by;       /* microseconds; 0 unless OVERDUE or FILED_LATE */
	bool replaced;         /* a replaceable stage moved to after its replace trigger */
	const char
	        *waiting_for; /* static text for NOT_TRIGGERED / WAITING_REGULATOR / NOT_REQUIRED */
};

struct pi_deadline_list {
	struct pi_deadline *items; /* in stage order, then instance order */
	size_t count;
};

/* Sets every time to PI_TIME_UNSET and every list to empty. */
void pi_case_timeline_init(struct pi_case_timeline *timeline);

/* Computes every stage's instances. Refuses (PI_ERR_INVALID, err says which) a
 * filing, request or limit naming a stage the regime does not have, a request for a
 * stage not triggered by requests, a limit for a stage whose limit is fixed, times
 * outside years 0001-9999, and more than PI_DEADLINE_MAX_INPUT entries in a list.
 * On success out->items is the caller's (pi_deadline_list_free); its pointers are
 * stale once the regime or the timeline's strings are freed. */
pi_status pi_deadline_compute(const struct pi_regime *regime,
        const struct pi_case_timeline *timeline, const struct pi_deadline_options *options,
        struct pi_deadline_list *out, struct pi_error *err);
void pi_deadline_list_free(struct pi_deadline_list *list);

/* from + limit (hours, days or calendar months). PI_ERR_INVALID for a per-case limit
 * or a result outside years 0001-9999. */
pi_status pi_deadline_add(int64_t from, const struct pi_time_limit *limit, int64_t *out);

/* "not-yet-triggered", "waiting-for-regulator", "open", "due-soon", "overdue",
 * "filed-on-time", "filed-late", "not-required". */
const char *pi_deadline_state_name(enum pi_deadline_state state);

#endif
