/* deadline.c - the deadline engine (contract and states in deadline.h).
 *
 * One pass per stage: find the trigger time(s), turn each into a due time with the
 * stage's limit (or the regulator's per-case limit), match filings, classify against
 * "now". Nothing is cached between calls; the result only points into the regime
 * and the timeline.
 */
#include "cases/deadline.h"

#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"

#define US_PER_DAY (INT64_C(86400) * 1000000)
/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z */
#define MIN_US (INT64_C(-62135596800) * 1000000)
#define MAX_US (INT64_C(253402300800) * 1000000 - 1)

void pi_case_timeline_init(struct pi_case_timeline *timeline)
{
	memset(timeline, 0, sizeof(*timeline));
	timeline->discovered_at = PI_TIME_UNSET;
	timeline->aware_at = PI_TIME_UNSET;
	timeline->handled_at = PI_TIME_UNSET;
}

const char *pi_deadline_state_name(enum pi_deadline_state state)
{
	switch (state) {
	case PI_DEADLINE_NOT_TRIGGERED: return "not-yet-triggered";
	case PI_DEADLINE_WAITING_REGULATOR: return "waiting-for-regulator";
	case PI_DEADLINE_OPEN: return "open";
	case PI_DEADLINE_DUE_SOON: return "due-soon";
	case PI_DEADLINE_OVERDUE: return "overdue";
	case PI_DEADLINE_FILED_ON_TIME: return "filed-on-time";
	case PI_DEADLINE_FILED_LATE: return "filed-late";
	case PI_DEADLINE_NOT_REQUIRED: return "not-required";
	}
	return "?";
}

static bool in_range(int64_t t)
{
	return t >= MIN_US && t <= MAX_US;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

pi_status pi_deadline_add(int64_t from, const struct pi_time_limit *limit, int64_t *out)
{
	int64_t result, days, rem, y;
	unsigned m, d;
	int64_t month_index;
	int dim;

	if (!in_range(from) || limit->value < 0 || limit->value > PI_REGIME_MAX_LIMIT_VALUE)
		return PI_ERR_INVALID;
	switch (limit->unit) {
	case PI_LIMIT_HOURS: result = from + (int64_t)limit->value * PI_US_PER_HOUR; break;
	case PI_LIMIT_DAYS: result = from + (int64_t)limit->value * US_PER_DAY; break;
	case PI_LIMIT_MONTHS:
		days = floor_div(from, US_PER_DAY);
		rem = from - days * US_PER_DAY;
		pi_civil_from_days(days, &y, &m, &d);
		month_index = y * 12 + (int64_t)(m - 1) + limit->value;
		y = floor_div(month_index, 12);
		m = (unsigned)(month_index - y * 12) + 1;
		dim = pi_days_in_month(y, m);
		if (d > (unsigned)dim)
			d = (unsigned)dim;
		result = pi_days_from_civil(y, m, d) * US_PER_DAY + rem;
		break;
	default: return PI_ERR_INVALID;
	}
	if (!in_range(result))
		return PI_ERR_INVALID;
	*out = result;
	return PI_OK;
}

/* ---- input checks ---- */

static pi_status check_time(int64_t t, const char *what, struct pi_error *err)
{
	if (t != PI_TIME_UNSET && !in_range(t))
		return pi_error_set(err, PI_ERR_INVALID, "%s is outside the years 0001-9999", what);
	return PI_OK;
}

static pi_status check_timeline(const struct pi_regime *r, const struct pi_case_timeline *tl,
        const struct pi_deadline_options *opt, struct pi_error *err)
{
	pi_status st;

	if (tl->filing_count > PI_DEADLINE_MAX_INPUT || tl->request_count > PI_DEADLINE_MAX_INPUT ||
	        tl->limit_count > PI_DEADLINE_MAX_INPUT ||
	        tl->occurrence_count > PI_DEADLINE_MAX_INPUT)
		return pi_error_set(err, PI_ERR_TOOBIG,
		        "a case may have at most %d filings, requests, limits and occurrences each",
		        PI_DEADLINE_MAX_INPUT);
	if ((st = check_time(tl->discovered_at, "discovered_at", err)) != PI_OK ||
	        (st = check_time(tl->aware_at, "aware_at", err)) != PI_OK ||
	        (st = check_time(tl->handled_at, "handled_at", err)) != PI_OK)
		return st;
	if (!in_range(opt->now) || opt->due_soon_lead < 0 || opt->due_soon_lead > 366 * US_PER_DAY)
		return pi_error_set(err, PI_ERR_INVALID,
		        "now must be within the years 0001-9999 and the due-soon lead 0 to 366 "
		        "days");
	for (size_t i = 0; i < tl->filing_count; i++) {
		const struct pi_case_filing *f = &tl->filings[i];

		if (!f->id || !f->stage || f->filed_at == PI_TIME_UNSET)
			return pi_error_set(err, PI_ERR_INVALID,
			        "filing %zu needs an id, a stage and filed_at", i);
		if (!pi_regime_find_stage(r, f->stage))
			return pi_error_set(err, PI_ERR_INVALID,
			        "filing '%.64s' names stage '%.64s', which regime '%s' does not "
			        "have",
			        f->id, f->stage, r->id);
		if ((st = check_time(f->filed_at, "a filing's filed_at", err)) != PI_OK)
			return st;
	}
	for (size_t i = 0; i < tl->request_count; i++) {
		const struct pi_case_request *q = &tl->requests[i];
		const struct pi_regime_stage *s =
		        q->stage ? pi_regime_find_stage(r, q->stage) : NULL;

		if (!s)
			return pi_error_set(err, PI_ERR_INVALID,
			        "request %zu names stage '%.64s', which regime '%s' does not have",
			        i, q->stage ? q->stage : "(none)", r->id);
		if (s->trigger.event != PI_TRIGGER_REQUEST)
			return pi_error_set(err, PI_ERR_INVALID,
			        "stage '%s' of regime '%s' is not filed on request (its trigger is "
			        "%s)",
			        s->id, r->id, pi_trigger_event_name(s->trigger.event));
		if (q->requested_at == PI_TIME_UNSET)
			return pi_error_set(
			        err, PI_ERR_INVALID, "request %zu has no requested_at", i);
		if ((st = check_time(q->requested_at, "a request's requested_at", err)) != PI_OK ||
		        (st = check_time(q->due_at, "a request's due_at", err)) != PI_OK)
			return st;
	}
	for (size_t i = 0; i < tl->limit_count; i++) {
		const struct pi_case_limit *l = &tl->limits[i];
		const struct pi_regime_stage *s =
		        l->stage ? pi_regime_find_stage(r, l->stage) : NULL;

		if (!s)
			return pi_error_set(err, PI_ERR_INVALID,
			        "limit %zu names stage '%.64s', which regime '%s' does not have", i,
			        l->stage ? l->stage : "(none)", r->id);
		if (s->time_limit.unit != PI_LIMIT_PER_CASE)
			return pi_error_set(err, PI_ERR_INVALID,
			        "stage '%s' of regime '%s' has a fixed time limit (%d %s); the "
			        "regulator "
			        "does not set it per case",
			        s->id, r->id, s->time_limit.value,
			        pi_limit_unit_name(s->time_limit.unit));
		if (l->limit.unit == PI_LIMIT_PER_CASE) {
			if (l->due_at == PI_TIME_UNSET)
				return pi_error_set(err, PI_ERR_INVALID,
				        "the limit for stage '%s' needs a duration or a due_at",
				        s->id);
			if (s->trigger.event == PI_TRIGGER_PERIOD)
				return pi_error_set(err, PI_ERR_INVALID,
				        "the limit for periodic stage '%s' must be an interval "
				        "(hours, "
				        "days or months), not a date",
				        s->id);
			if ((st = check_time(l->due_at, "a limit's due_at", err)) != PI_OK)
				return st;
		} else if (l->limit.value < 1 || l->limit.value > PI_REGIME_MAX_LIMIT_VALUE) {
			return pi_error_set(err, PI_ERR_INVALID,
			        "the limit for stage '%s' must be 1 to %d %s", s->id,
			        PI_REGIME_MAX_LIMIT_VALUE, pi_limit_unit_name(l->limit.unit));
		}
	}
	for (size_t i = 0; i < tl->occurrence_count; i++) {
		if (!tl->occurrences[i].name || tl->occurrences[i].at == PI_TIME_UNSET)
			return pi_error_set(
			        err, PI_ERR_INVALID, "occurrence %zu needs a name and a time", i);
		if ((st = check_time(tl->occurrences[i].at, "an occurrence's time", err)) != PI_OK)
			return st;
	}
	return PI_OK;
}

/* ---- helpers over the timeline ---- */

/* The earliest original filing of stage (ties: the first in the list), or NULL. */
static const struct pi_case_filing *first_filing(
        const struct pi_case_timeline *tl, const char *stage)
{
	const struct pi_case_filing *best = NULL;

	for (size_t i = 0; i < tl->filing_count; i++) {
		const struct pi_case_filing *f = &tl->filings[i];

		if (f->supersedes || strcmp(f->stage, stage) != 0)
			continue;
		if (!best || f->filed_at < best->filed_at)
			best = f;
	}
	return best;
}

static const struct pi_case_limit *case_limit(const struct pi_case_timeline *tl, const char *stage)
{
	const struct pi_case_limit *last = NULL;

	for (size_t i = 0; i < tl->limit_count; i++)
		if (strcmp(tl->limits[i].stage, stage) == 0)
			last = &tl->limits[i];
	return last;
}

/* The due time of a stage triggered at trig, or PI_TIME_UNSET (trigger unknown or the
 * per-case limit not set). A per-case absolute date applies even before the trigger. */
static int64_t due_from(const struct pi_case_timeline *tl, const struct pi_regime_stage *s,
        const struct pi_time_limit *limit, int64_t trig)
{
	int64_t due = PI_TIME_UNSET;

	if (limit->unit == PI_LIMIT_PER_CASE) {
		const struct pi_case_limit *l = case_limit(tl, s->id);

		if (!l)
			return PI_TIME_UNSET;
		if (l->limit.unit == PI_LIMIT_PER_CASE)
			return l->due_at;
		limit = &l->limit;
	}
	if (trig == PI_TIME_UNSET || pi_deadline_add(trig, limit, &due) != PI_OK)
		return PI_TIME_UNSET;
	return due;
}

static int64_t one_off_trigger(
        const struct pi_case_timeline *tl, const struct pi_trigger *t, const char **waiting_for)
{
	const struct pi_case_filing *f;

	switch (t->event) {
	case PI_TRIGGER_DISCOVERY: *waiting_for = "the discovery time"; return tl->discovered_at;
	case PI_TRIGGER_AWARENESS: *waiting_for = "the time of awareness"; return tl->aware_at;
	case PI_TRIGGER_HANDLED:
		*waiting_for = "the incident to be handled (investigation completed)";
		return tl->handled_at;
	case PI_TRIGGER_FILING:
		*waiting_for = "the filing of the stage that triggers it";
		f = first_filing(tl, t->stage);
		return f ? f->filed_at : PI_TIME_UNSET;
	default: *waiting_for = "its trigger"; return PI_TIME_UNSET;
	}
}

/* Sets state and late_by from the times already in d. */
static void classify(
        struct pi_deadline *d, const struct pi_deadline_options *opt, const char *waiting_for)
{
	d->late_by = 0;
	d->waiting_for = NULL;
	if (d->filed_at != PI_TIME_UNSET) {
		if (d->due_at == PI_TIME_UNSET || d->filed_at <= d->due_at) {
			d->state = PI_DEADLINE_FILED_ON_TIME;
		} else {
			d->state = PI_DEADLINE_FILED_LATE;
			d->late_by = d->filed_at - d->due_at;
		}
		return;
	}
	if (d->due_at == PI_TIME_UNSET) {
		if (d->triggered_at == PI_TIME_UNSET) {
			d->state = PI_DEADLINE_NOT_TRIGGERED;
			d->waiting_for = waiting_for;
		} else {
			d->state = PI_DEADLINE_WAITING_REGULATOR;
			d->waiting_for = "the regulator to set the time limit";
		}
		return;
	}
	if (opt->now > d->due_at) {
		d->state = PI_DEADLINE_OVERDUE;
		d->late_by = opt->now - d->due_at;
	} else if (d->due_at - opt->now <= opt->due_soon_lead) {
		d->state = PI_DEADLINE_DUE_SOON;
	} else {
		d->state = PI_DEADLINE_OPEN;
	}
}

/* ---- the result list ---- */

struct builder {
	struct pi_deadline_list *list;
	size_t alloc;
};

static pi_status push(struct builder *b, const struct pi_regime *r, size_t stage_index,
        struct pi_deadline **out, struct pi_error *err)
{
	struct pi_deadline *d;

	if (b->list->count == PI_DEADLINE_MAX_INSTANCES)
		return pi_error_set(err, PI_ERR_TOOBIG, "more than %d deadlines in one case",
		        PI_DEADLINE_MAX_INSTANCES);
	if (b->list->count == b->alloc) {
		size_t n = b->alloc ? b->alloc * 2 : 16;
		struct pi_deadline *items = realloc(b->list->items, n * sizeof(*items));

		if (!items)
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		b->list->items = items;
		b->alloc = n;
	}
	d = &b->list->items[b->list->count++];
	memset(d, 0, sizeof(*d));
	d->stage = &r->stages[stage_index];
	d->stage_index = stage_index;
	d->instance = 1;
	d->triggered_at = PI_TIME_UNSET;
	d->due_at = PI_TIME_UNSET;
	d->filed_at = PI_TIME_UNSET;
	*out = d;
	return PI_OK;
}

/* ---- replacement (replaceable / stands_in_for) ---- */

enum replacement { REPL_UNDECIDED, REPL_NO, REPL_YES };

/* Whether replaceable stage s is replaced; *original_due gets its own due time. */
static enum replacement replacement_of(const struct pi_case_timeline *tl,
        const struct pi_regime_stage *s, int64_t now, int64_t *original_due)
{
	const char *unused;
	const struct pi_case_filing *f = first_filing(tl, s->id);
	int64_t due = due_from(tl, s, &s->time_limit, one_off_trigger(tl, &s->trigger, &unused));

	*original_due = due;
	if (due == PI_TIME_UNSET)
		return REPL_UNDECIDED;
	if (f && f->filed_at <= due)
		return REPL_NO;
	if (tl->handled_at != PI_TIME_UNSET)
		return tl->handled_at > due ? REPL_YES : REPL_NO;
	return now >= due ? REPL_YES : REPL_UNDECIDED;
}

static pi_status one_off(struct builder *b, const struct pi_regime *r, size_t si,
        const struct pi_case_timeline *tl, const struct pi_deadline_options *opt,
        struct pi_error *err)
{
	const struct pi_regime_stage *s = &r->stages[si];
	const struct pi_case_filing *f = first_filing(tl, s->id);
	const char *waiting = NULL;
	struct pi_deadline *d = NULL;
	enum replacement repl = REPL_NO;
	int64_t original_due;
	pi_status st;

	if ((st = push(b, r, si, &d, err)) != PI_OK)
		return st;
	d->triggered_at = one_off_trigger(tl, &s->trigger, &waiting);
	d->due_at = due_from(tl, s, &s->time_limit, d->triggered_at);
	if (f) {
		d->filed_at = f->filed_at;
		d->filing_id = f->id;
	}
	if (s->replaceable) {
		repl = replacement_of(tl, s, opt->now, &original_due);
		if (repl == REPL_YES) {
			d->replaced = true;
			d->triggered_at = one_off_trigger(tl, &s->replace_trigger, &waiting);
			d->due_at = due_from(tl, s, &s->replace_time_limit, d->triggered_at);
		}
	}
	classify(d, opt, waiting);
	if (s->stands_in_for && d->filed_at == PI_TIME_UNSET) {
		repl = replacement_of(
		        tl, &r->stages[s->stands_in_for_index], opt->now, &original_due);
		if (repl == REPL_NO) {
			d->state = PI_DEADLINE_NOT_REQUIRED;
			d->late_by = 0;
			d->waiting_for = "not needed: the stage it stands in for was filed, or the "
			                 "incident was handled, by that stage's due time";
		} else if (repl == REPL_UNDECIDED) {
			d->state = PI_DEADLINE_NOT_TRIGGERED;
			d->late_by = 0;
			d->waiting_for =
			        "the incident still being ongoing when the stage it stands "
			        "in for falls due";
		}
	}
	return PI_OK;
}

/* An event that opens one instance of a request or occurrence stage. */
struct opening {
	int64_t at;
	int64_t due_at; /* PI_TIME_UNSET: from the stage's limit */
};

static int cmp_openings(const void *a, const void *b)
{
	const struct opening *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

static int cmp_filings(const void *a, const void *b)
{
	const struct pi_case_filing *x = *(const struct pi_case_filing *const *)a;
	const struct pi_case_filing *y = *(const struct pi_case_filing *const *)b;

	if (x->filed_at != y->filed_at)
		return x->filed_at < y->filed_at ? -1 : 1;
	return x < y ? -1 : x > y; /* stable: list order */
}

/* The original filings of a stage sorted by time (caller frees *out). */
static pi_status sorted_filings(const struct pi_case_timeline *tl, const char *stage,
        const struct pi_case_filing ***out, size_t *count, struct pi_error *err)
{
	const struct pi_case_filing **v = NULL;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	if (tl->filing_count == 0)
		return PI_OK;
	if (!(v = malloc(tl->filing_count * sizeof(*v))))
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < tl->filing_count; i++)
		if (!tl->filings[i].supersedes && strcmp(tl->filings[i].stage, stage) == 0)
			v[n++] = &tl->filings[i];
	qsort(v, n, sizeof(*v), cmp_filings);
	*out = v;
	*count = n;
	return PI_OK;
}

static pi_status on_events(struct builder *b, const struct pi_regime *r, size_t si,
        const struct pi_case_timeline *tl, const struct pi_deadline_options *opt,
        struct pi_error *err)
{
	const struct pi_regime_stage *s = &r->stages[si];
	struct opening *ev = NULL;
	const struct pi_case_filing **filings = NULL;
	bool *used = NULL;
	size_t nev = 0, nf = 0, cap;
	struct pi_deadline *d;
	const char *waiting;
	pi_status st = PI_OK;

	cap = s->trigger.event == PI_TRIGGER_REQUEST ? tl->request_count : tl->occurrence_count;
	waiting = s->trigger.event == PI_TRIGGER_REQUEST ? "a request from the regulator"
	                                                 : "the occurrence that triggers it";
	if (cap && !(ev = calloc(cap, sizeof(*ev)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (s->trigger.event == PI_TRIGGER_REQUEST) {
		for (size_t i = 0; i < tl->request_count; i++)
			if (strcmp(tl->requests[i].stage, s->id) == 0)
				ev[nev++] = (struct opening){
				        tl->requests[i].requested_at, tl->requests[i].due_at};
	} else {
		for (size_t i = 0; i < tl->occurrence_count; i++)
			if (strcmp(tl->occurrences[i].name, s->trigger.name) == 0)
				ev[nev++] = (struct opening){tl->occurrences[i].at, PI_TIME_UNSET};
	}
	if (nev > 1)
		qsort(ev, nev, sizeof(*ev), cmp_openings); /* equal times keep no promised order */
	if (!s->repeats && nev > 1)
		nev = 1;
	if (nev == 0) {
		if ((st = push(b, r, si, &d, err)) != PI_OK)
			goto out;
		d->instance = 0;
		classify(d, opt, waiting);
		goto out;
	}
	if ((st = sorted_filings(tl, s->id, &filings, &nf, err)) != PI_OK)
		goto out;
	if (nf && !(used = calloc(nf, sizeof(*used)))) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nev; i++) {
		if ((st = push(b, r, si, &d, err)) != PI_OK)
			goto out;
		d->instance = (unsigned)(i + 1);
		d->triggered_at = ev[i].at;
		d->due_at = ev[i].due_at != PI_TIME_UNSET
		                    ? ev[i].due_at
		                    : due_from(tl, s, &s->time_limit, ev[i].at);
		for (size_t k = 0; k < nf; k++)
			if (!used[k] && filings[k]->filed_at >= ev[i].at) {
				used[k] = true;
				d->filed_at = filings[k]->filed_at;
				d->filing_id = filings[k]->id;
				break;
			}
		classify(d, opt, waiting);
	}
out:
	free(ev);
	free(filings);
	free(used);
	return st;
}

static pi_status periodic(struct builder *b, const struct pi_regime *r, size_t si,
        const struct pi_case_timeline *tl, const struct pi_deadline_options *opt,
        struct pi_error *err)
{
	const struct pi_regime_stage *s = &r->stages[si];
	const struct pi_case_filing *anchor = first_filing(tl, s->trigger.stage);
	const struct pi_case_filing **filings = NULL;
	struct pi_time_limit interval = s->time_limit;
	struct pi_deadline *d;
	size_t nf = 0;
	int64_t prev, due;
	unsigned instance = 1;
	pi_status st = PI_OK;

	if (s->time_limit.unit == PI_LIMIT_PER_CASE) {
		const struct pi_case_limit *l = case_limit(tl, s->id);

		interval.unit = PI_LIMIT_PER_CASE;
		if (l)
			interval = l->limit;
	}
	if (!anchor || interval.unit == PI_LIMIT_PER_CASE) {
		if ((st = push(b, r, si, &d, err)) != PI_OK)
			return st;
		d->instance = anchor ? 1 : 0;
		d->triggered_at = anchor ? anchor->filed_at : PI_TIME_UNSET;
		classify(d, opt, "the filing of the stage that starts the period");
		return PI_OK;
	}
	if ((st = sorted_filings(tl, s->id, &filings, &nf, err)) != PI_OK)
		return st;
	prev = anchor->filed_at;
	for (size_t k = 0; k < nf; k++) {
		if ((st = push(b, r, si, &d, err)) != PI_OK)
			goto out;
		d->instance = instance++;
		d->triggered_at = prev;
		if (pi_deadline_add(prev, &interval, &d->due_at) != PI_OK)
			d->due_at = PI_TIME_UNSET;
		d->filed_at = filings[k]->filed_at;
		d->filing_id = filings[k]->id;
		classify(d, opt, NULL);
		prev = filings[k]->filed_at;
	}
	if (pi_deadline_add(prev, &interval, &due) != PI_OK)
		goto out;
	if (tl->handled_at != PI_TIME_UNSET && due > tl->handled_at) {
		/* the investigation ended before the next report fell due */
		if (nf == 0 && (st = push(b, r, si, &d, err)) == PI_OK) {
			d->instance = 0;
			d->triggered_at = prev;
			d->state = PI_DEADLINE_NOT_REQUIRED;
			d->waiting_for = "not needed: the investigation was completed before the "
			                 "first report fell due";
		}
		goto out;
	}
	if ((st = push(b, r, si, &d, err)) != PI_OK)
		goto out;
	d->instance = instance;
	d->triggered_at = prev;
	d->due_at = due;
	classify(d, opt, NULL);
out:
	free(filings);
	return st;
}

pi_status pi_deadline_compute(const struct pi_regime *regime,
        const struct pi_case_timeline *timeline, const struct pi_deadline_options *options,
        struct pi_deadline_list *out, struct pi_error *err)
{
	struct builder b = {out, 0};
	pi_status st;

	out->items = NULL;
	out->count = 0;
	if ((st = check_timeline(regime, timeline, options, err)) != PI_OK)
		return st;
	for (size_t i = 0; i < regime->stage_count; i++) {
		switch (regime->stages[i].trigger.event) {
		case PI_TRIGGER_REQUEST:
		case PI_TRIGGER_OCCURRENCE:
			st = on_events(&b, regime, i, timeline, options, err);
			break;
		case PI_TRIGGER_PERIOD: st = periodic(&b, regime, i, timeline, options, err); break;
		default: st = one_off(&b, regime, i, timeline, options, err);
		}
		if (st != PI_OK) {
			pi_deadline_list_free(out);
			return st;
		}
	}
	return PI_OK;
}

void pi_deadline_list_free(struct pi_deadline_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->count = 0;
}
