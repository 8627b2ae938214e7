/* case.c - the case service (case.h): validation, access, deadlines, filings and receipts
 * on top of store/store_cases.h and the pure modules (regime, deadline, receipt, taxonomy).
 *
 * Every operation loads what it needs from the store, decides access with
 * pi_access_allows on the case's acl (case_acl), and writes through one store call, which
 * appends the audit entry in the same transaction. Deadlines are never stored: they are
 * computed from the stored trigger times, filings, limits and requests whenever read.
 */
#include "cases/case.h"
#include "core/datadir.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cases/case_attach.h"
#include "cases/deadline.h"
#include "cases/receipt.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/log.h"
#include "core/pattern.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "intel/ingest.h"
#include "store/store_cases.h"

#define ACL_RECIPIENTS_MAX 4096
#define CANON_MAX (PI_CASE_MAX_CONTENT + 1)

struct pi_cases {
	pi_store *store;
	struct pi_cases_config cfg;
	pi_regimes *regimes;
	pi_taxonomy *taxonomy;
	struct pi_receipt_key key;
	_Atomic int64_t test_now; /* 0: not set */
};

static const char *const statuses[] = {"new", "open", "contained", "closed", NULL};
static const char *const severities[] = {"low", "medium", "high", "critical", NULL};
static const char *const revenue_risks[] = {"none", "low", "medium", "high", "critical", NULL};

static pi_cases *_Atomic current_service;

void pi_cases_set_current(pi_cases *cases)
{
	atomic_store(&current_service, cases);
}

pi_cases *pi_cases_current(void)
{
	return atomic_load(&current_service);
}

pi_store *pi_cases_store(pi_cases *cases)
{
	return cases->store;
}

const pi_regimes *pi_cases_regimes(pi_cases *cases)
{
	return cases->regimes;
}

const struct pi_cases_config *pi_cases_config_of(pi_cases *cases)
{
	return &cases->cfg;
}

void pi_cases_config_defaults(struct pi_cases_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->attachment_max = PI_CASE_ATTACHMENT_DEFAULT_MAX;
	cfg->due_soon_lead = 24 * PI_US_PER_HOUR;
	cfg->reminder_interval = 60;
	snprintf(cfg->reminder_leads, sizeof(cfg->reminder_leads), "24h,1h");
}

void pi_cases_default_data_dir(char *out, size_t size)
{
	pi_data_dir_default(out, size);
}

/* The key file next to the database: sqlite:DIR/x.db -> DIR/receipt-key.hex. */
static pi_status default_key_file(const char *db_url, char *out, size_t size, struct pi_error *err)
{
	const char *path = db_url ? db_url : "var/postisac.db";
	const char *slash;
	int n;

	if (strncmp(path, "sqlite:", 7) == 0)
		path += 7;
	if (strstr(path, "://"))
		return pi_error_set(err, PI_ERR_INVALID,
		        "cannot place the receipt key next to database %s: set the key file "
		        "explicitly",
		        path);
	slash = strrchr(path, '/');
	if (slash)
		n = snprintf(out, size, "%.*s/receipt-key.hex", (int)(slash - path), path);
	else
		n = snprintf(out, size, "receipt-key.hex");
	if (n < 0 || (size_t)n >= size)
		return pi_error_set(err, PI_ERR_INVALID, "database path too long");
	return PI_OK;
}

pi_status pi_cases_open(pi_store *store, const char *db_url, const struct pi_cases_config *cfg,
        pi_cases **out, struct pi_error *err)
{
	pi_cases *cs = calloc(1, sizeof(*cs));
	char path[1200];
	bool created = false;
	pi_status ret;

	*out = NULL;
	if (!cs)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	cs->store = store;
	cs->cfg = *cfg;
	if (!cs->cfg.data_dir[0])
		pi_cases_default_data_dir(cs->cfg.data_dir, sizeof(cs->cfg.data_dir));
	if (cs->cfg.attachment_max == 0)
		cs->cfg.attachment_max = PI_CASE_ATTACHMENT_DEFAULT_MAX;
	if (snprintf(path, sizeof(path), "%s/regimes", cs->cfg.data_dir) >= (int)sizeof(path)) {
		ret = pi_error_set(err, PI_ERR_INVALID, "data-dir too long");
		goto fail;
	}
	ret = pi_regimes_load_dir(path, &cs->regimes, err);
	if (ret != PI_OK) {
		pi_error_prefix(err, "regimes (data-dir %s)", cs->cfg.data_dir);
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/rsit.json", cs->cfg.data_dir);
	ret = pi_taxonomy_load(path, &cs->taxonomy, err);
	if (ret != PI_OK)
		goto fail;
	if (!cs->cfg.key_file[0]) {
		ret = default_key_file(db_url, cs->cfg.key_file, sizeof(cs->cfg.key_file), err);
		if (ret != PI_OK)
			goto fail;
	}
	ret = pi_receipt_key_load_or_create(cs->cfg.key_file, &cs->key, &created, err);
	if (ret != PI_OK) {
		pi_error_prefix(err, "receipt key %s", cs->cfg.key_file);
		goto fail;
	}
	if (created)
		pi_log_info("event=receipt_key_created file=%s key_id=%s", cs->cfg.key_file,
		        cs->key.key_id);
	*out = cs;
	return PI_OK;
fail:
	pi_cases_close(cs);
	return ret;
}

void pi_cases_close(pi_cases *cs)
{
	if (!cs)
		return;
	if (pi_cases_current() == cs)
		pi_cases_set_current(NULL);
	pi_regimes_free(cs->regimes);
	pi_taxonomy_free(cs->taxonomy);
	pi_receipt_key_wipe(&cs->key);
	free(cs);
}

int64_t pi_cases_now(pi_cases *cs)
{
	int64_t t = atomic_load(&cs->test_now);

	return t ? t : pi_time_now_us();
}

bool pi_cases_test_clock(pi_cases *cs)
{
	return cs->cfg.test_clock;
}

pi_status pi_cases_set_now(pi_cases *cs, int64_t now, struct pi_error *err)
{
	if (!cs->cfg.test_clock)
		return pi_error_set(
		        err, PI_ERR_DENIED, "the test clock is off (serve --test-clock)");
	atomic_store(&cs->test_now, now);
	pi_log_warn("event=test_clock_set now=%lld", (long long)now);
	return PI_OK;
}

cJSON *pi_cases_key_json(pi_cases *cs)
{
	cJSON *o = cJSON_CreateObject();
	char hex[65];

	pi_receipt_key_public_hex(&cs->key, hex);
	cJSON_AddStringToObject(o, "alg", "Ed25519");
	cJSON_AddStringToObject(o, "key_id", cs->key.key_id);
	cJSON_AddStringToObject(o, "public_key", hex);
	return o;
}

void pi_cases_actor(const struct pi_principal *who, char *out, size_t size)
{
	snprintf(out, size, "user:%s", who->username[0] ? who->username : "?");
}

pi_status pi_cases_principal(
        pi_store *store, const char *username, struct pi_principal *out, struct pi_error *err)
{
	struct pi_user u;
	pi_status ret;

	memset(out, 0, sizeof(*out));
	ret = pi_store_user_find(store, username, &u, NULL, 0, err);
	if (ret != PI_OK)
		return ret == PI_ERR_NOTFOUND
		               ? pi_error_set(err, PI_ERR_NOTFOUND, "no user '%.64s'", username)
		               : ret;
	if (u.disabled)
		return pi_error_set(err, PI_ERR_DENIED, "user '%s' is disabled", u.username);
	out->user_id = u.id;
	out->org_id = u.org_id;
	out->role = u.role;
	snprintf(out->username, sizeof(out->username), "%s", u.username);
	return pi_store_org_groups(
	        store, u.org_id, out->group_ids, PI_PRINCIPAL_MAX_GROUPS, &out->n_groups, err);
}

/* ---- time zones ---- */

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;

static int tz_name_ok(const char *tz)
{
	char path[300];
	struct stat st;
	size_t n = strlen(tz);

	if (n == 0 || n > 64 || tz[0] == '/' || strstr(tz, ".."))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = tz[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		            c == '/' || c == '_' || c == '-' || c == '+'))
			return 0;
	}
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

pi_status pi_cases_local_time(
        const char *tz, int64_t us, char *out, size_t size, struct pi_error *err)
{
	time_t t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	struct tm tm;
	char *saved = NULL;
	const char *old;
	long off;
	int ok;

	if (!tz || !*tz || strcmp(tz, "UTC") == 0) {
		gmtime_r(&t, &tm);
		off = 0;
	} else {
		if (!tz_name_ok(tz))
			return pi_error_set(err, PI_ERR_INVALID,
			        "tz: '%.64s' is not a time zone of the system's database (e.g. "
			        "Europe/Paris, America/New_York, UTC)",
			        tz);
		pthread_mutex_lock(&tz_lock);
		old = getenv("TZ");
		if (old)
			saved = strdup(old);
		ok = setenv("TZ", tz, 1) == 0;
		tzset();
		if (ok)
			ok = localtime_r(&t, &tm) != NULL;
		if (saved)
			setenv("TZ", saved, 1);
		else
			unsetenv("TZ");
		tzset();
		pthread_mutex_unlock(&tz_lock);
		free(saved);
		if (!ok)
			return pi_error_set(
			        err, PI_ERR_INTERNAL, "cannot convert the time to %s", tz);
		off = tm.tm_gmtoff;
	}
	if (snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld", tm.tm_year + 1900,
	            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	            off < 0 ? '-' : '+', labs(off) / 3600, labs(off) % 3600 / 60) >= (int)size)
		return pi_error_set(err, PI_ERR_INTERNAL, "time buffer too small");
	return PI_OK;
}

/* ---- small JSON helpers ---- */

static int64_t row_i64(const cJSON *row, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, name);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : PI_STORE_TIME_NULL;
}

static const char *row_str(const cJSON *row, const char *name)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(row, name));

	return s ? s : "";
}

static void add_time(cJSON *o, const char *name, int64_t us, const char *tz)
{
	char text[PI_TIME_TEXT_LEN], local[80], lname[80];
	struct pi_error e;

	if (us == PI_STORE_TIME_NULL || us == PI_TIME_UNSET) {
		cJSON_AddNullToObject(o, name);
		return;
	}
	pi_time_format_us(us, text);
	cJSON_AddStringToObject(o, name, text);
	if (tz && *tz && pi_cases_local_time(tz, us, local, sizeof(local), &e) == PI_OK) {
		snprintf(lname, sizeof(lname), "%s_local", name);
		cJSON_AddStringToObject(o, lname, local);
	}
}

static int in_list(const char *s, const char *const *list)
{
	for (size_t i = 0; s && list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

static void join_list(const char *const *list, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; list[i]; i++) {
		int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", list[i]);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* Body member checks: only the listed names, strings within caps. */
static pi_status check_members(const cJSON *body, const char *const *allowed, struct pi_error *err)
{
	char names[512];

	if (!cJSON_IsObject(body))
		return pi_error_set(err, PI_ERR_INVALID, "the body must be a JSON object");
	join_list(allowed, names, sizeof(names));
	for (const cJSON *m = body->child; m; m = m->next)
		if (!in_list(m->string, allowed))
			return pi_error_set(err, PI_ERR_INVALID,
			        "field '%.64s' is not accepted here; the accepted fields are: %s",
			        m->string, names);
	return PI_OK;
}

static pi_status get_text(const cJSON *body, const char *name, bool required, size_t max,
        const char **out, struct pi_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

	*out = NULL;
	if (!v || cJSON_IsNull(v)) {
		if (required)
			return pi_error_set(err, PI_ERR_INVALID, "%s: required", name);
		return PI_OK;
	}
	if (!cJSON_IsString(v))
		return pi_error_set(err, PI_ERR_INVALID, "%s: must be a string", name);
	if (strlen(v->valuestring) > max)
		return pi_error_set(err, PI_ERR_INVALID, "%s: longer than %zu bytes", name, max);
	if (required && !v->valuestring[0])
		return pi_error_set(err, PI_ERR_INVALID, "%s: must not be empty", name);
	*out = v->valuestring;
	return PI_OK;
}

/* A time member: absent/null -> PI_STORE_TIME_NULL (or an error when required). */
static pi_status get_time(
        const cJSON *body, const char *name, bool required, int64_t *out, struct pi_error *err)
{
	const char *text = NULL;
	pi_status ret = get_text(body, name, required, 64, &text, err);

	*out = PI_STORE_TIME_NULL;
	if (ret != PI_OK || !text)
		return ret;
	ret = pi_time_parse_us(text, out, err);
	if (ret != PI_OK)
		return pi_error_set(err, PI_ERR_INVALID,
		        "%s: '%.64s' is not a UTC time like 2027-01-31T09:30:00Z", name, text);
	return PI_OK;
}

/* ---- access ---- */

struct case_acl {
	struct pi_acl acl;
	char recipients[ACL_RECIPIENTS_MAX];
};

/* The case's acl (case.h: "Access"). */
static void case_acl(const cJSON *row, struct case_acl *out)
{
	size_t used = 0;
	cJSON *users = NULL;
	int tlp = (int)row_i64(row, "tlp");

	memset(out, 0, sizeof(*out));
	out->acl.scope = PI_SCOPE_COMMUNITY;
	out->acl.scope_id = 0;
	out->acl.tlp = tlp < PI_TLP_AMBER ? PI_TLP_AMBER : (enum pi_tlp)tlp;
	out->acl.owner_org = row_i64(row, "reporter_org");
	out->acl.owner_user = row_i64(row, "reporter_user");
	out->acl.recipients = out->recipients;
	for (const cJSON *r = cJSON_GetObjectItem(row, "regimes")
	                              ? cJSON_GetObjectItem(row, "regimes")->child
	                              : NULL;
	        r; r = r->next) {
		int n = snprintf(out->recipients + used, sizeof(out->recipients) - used, "%so%lld",
		        used ? "," : "", (long long)row_i64(r, "recipient_org"));
		if (n < 0 || (size_t)n >= sizeof(out->recipients) - used)
			return;
		used += (size_t)n;
	}
	users = cJSON_Parse(row_str(row, "users"));
	for (const cJSON *u = users ? users->child : NULL; u; u = u->next) {
		int n;
		if (!cJSON_IsNumber(u))
			continue;
		n = snprintf(out->recipients + used, sizeof(out->recipients) - used, "%su%lld",
		        used ? "," : "", (long long)u->valuedouble);
		if (n < 0 || (size_t)n >= sizeof(out->recipients) - used)
			break;
		used += (size_t)n;
	}
	cJSON_Delete(users);
}

static int can_view(const struct pi_principal *who, const cJSON *row)
{
	struct case_acl a;

	case_acl(row, &a);
	return pi_access_allows(who, &a.acl, PI_PURPOSE_VIEW);
}

static int reporter_role(enum pi_role r)
{
	return r == PI_ROLE_REPORTER || r == PI_ROLE_ANALYST || r == PI_ROLE_ORG_ADMIN ||
	       r == PI_ROLE_ADMIN;
}

static int can_write(const struct pi_principal *who, const cJSON *row)
{
	return can_view(who, row) && who->org_id == row_i64(row, "reporter_org") &&
	       reporter_role(who->role);
}

/* The regime entry of the case, or NULL. */
static const cJSON *case_regime(const cJSON *row, const char *regime)
{
	const cJSON *list = cJSON_GetObjectItem(row, "regimes");

	for (const cJSON *r = list ? list->child : NULL; r; r = r->next)
		if (strcmp(row_str(r, "regime"), regime) == 0)
			return r;
	return NULL;
}

static int is_regulator_for(const struct pi_principal *who, const cJSON *row, const char *regime)
{
	const cJSON *r = case_regime(row, regime);

	return r && who->role == PI_ROLE_REGULATOR && can_view(who, row) &&
	       row_i64(r, "recipient_org") == who->org_id;
}

/* Loads a case the caller may see: PI_ERR_NOTFOUND otherwise (same as absent). */
static pi_status load_visible(
        pi_cases *cs, const struct pi_principal *who, int64_t id, cJSON **row, struct pi_error *err)
{
	pi_status ret = pi_store_case_get(cs->store, id, row, err);

	if (ret != PI_OK)
		return ret;
	if (!can_view(who, *row)) {
		cJSON_Delete(*row);
		*row = NULL;
		return pi_error_set(err, PI_ERR_NOTFOUND, "no such case");
	}
	return PI_OK;
}

/* ---- deadlines ---- */

struct case_data {
	cJSON *row;
	cJSON *filings;
	cJSON *limits;
	cJSON *requests;
};

static void case_data_free(struct case_data *d)
{
	cJSON_Delete(d->row);
	cJSON_Delete(d->filings);
	cJSON_Delete(d->limits);
	cJSON_Delete(d->requests);
	memset(d, 0, sizeof(*d));
}

static pi_status case_data_load(pi_cases *cs, int64_t id, struct case_data *d, struct pi_error *err)
{
	pi_status ret;

	memset(d, 0, sizeof(*d));
	ret = pi_store_case_get(cs->store, id, &d->row, err);
	if (ret == PI_OK)
		ret = pi_store_case_filings(cs->store, id, &d->filings, err);
	if (ret == PI_OK)
		ret = pi_store_case_limits(cs->store, id, &d->limits, err);
	if (ret == PI_OK)
		ret = pi_store_case_requests(cs->store, id, &d->requests, err);
	if (ret != PI_OK)
		case_data_free(d);
	return ret;
}

static int unit_parse(const char *s, enum pi_limit_unit *out)
{
	static const char *const names[] = {"hours", "days", "months", "per-case"};

	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (enum pi_limit_unit)i;
			return 0;
		}
	return -1;
}

/* Storage behind a timeline (the strings point into d). */
struct timeline_buf {
	struct pi_case_timeline tl;
	struct pi_case_filing *filings;
	char (*filing_ids)[32];
	char (*supersedes)[32];
	struct pi_case_request *requests;
	struct pi_case_limit *limits;
};

static void timeline_buf_free(struct timeline_buf *b)
{
	free(b->filings);
	free(b->filing_ids);
	free(b->supersedes);
	free(b->requests);
	free(b->limits);
	memset(b, 0, sizeof(*b));
}

/* Builds the timeline of regime for the case; pending (may be NULL) is an extra original
 * filing of stage pending_stage at pending_at, id "pending". */
static pi_status timeline_build(const struct case_data *d, const char *regime,
        const char *pending_stage, int64_t pending_at, struct timeline_buf *b, struct pi_error *err)
{
	size_t nf = (size_t)cJSON_GetArraySize(d->filings) + 1;
	size_t nr = (size_t)cJSON_GetArraySize(d->requests);
	size_t nl = (size_t)cJSON_GetArraySize(d->limits);
	int64_t handled;

	memset(b, 0, sizeof(*b));
	pi_case_timeline_init(&b->tl);
	b->filings = calloc(nf, sizeof(*b->filings));
	b->filing_ids = calloc(nf, sizeof(*b->filing_ids));
	b->supersedes = calloc(nf, sizeof(*b->supersedes));
	b->requests = calloc(nr + 1, sizeof(*b->requests));
	b->limits = calloc(nl + 1, sizeof(*b->limits));
	if (!b->filings || !b->filing_ids || !b->supersedes || !b->requests || !b->limits) {
		timeline_buf_free(b);
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	b->tl.discovered_at = row_i64(d->row, "discovered_at");
	b->tl.aware_at = row_i64(d->row, "aware_at");
	handled = row_i64(d->row, "handled_at");
	if (b->tl.discovered_at == PI_STORE_TIME_NULL)
		b->tl.discovered_at = PI_TIME_UNSET;
	if (b->tl.aware_at == PI_STORE_TIME_NULL)
		b->tl.aware_at = PI_TIME_UNSET;
	b->tl.handled_at = handled == PI_STORE_TIME_NULL ? PI_TIME_UNSET : handled;
	for (const cJSON *f = d->filings->child; f; f = f->next) {
		size_t k = b->tl.filing_count;
		if (strcmp(row_str(f, "regime"), regime) != 0)
			continue;
		snprintf(b->filing_ids[k], sizeof(b->filing_ids[k]), "filing-%lld",
		        (long long)row_i64(f, "id"));
		b->filings[k].id = b->filing_ids[k];
		b->filings[k].stage = row_str(f, "stage");
		b->filings[k].filed_at = row_i64(f, "filed_at");
		if (row_i64(f, "supersedes") != PI_STORE_TIME_NULL) {
			snprintf(b->supersedes[k], sizeof(b->supersedes[k]), "filing-%lld",
			        (long long)row_i64(f, "supersedes"));
			b->filings[k].supersedes = b->supersedes[k];
		}
		b->tl.filing_count++;
	}
	if (pending_stage) {
		size_t k = b->tl.filing_count++;
		b->filings[k].id = "pending";
		b->filings[k].stage = pending_stage;
		b->filings[k].filed_at = pending_at;
	}
	b->tl.filings = b->filings;
	for (const cJSON *r = d->requests->child; r; r = r->next) {
		size_t k = b->tl.request_count;
		int64_t due = row_i64(r, "due_at");
		if (strcmp(row_str(r, "regime"), regime) != 0)
			continue;
		b->requests[k].stage = row_str(r, "stage");
		b->requests[k].requested_at = row_i64(r, "requested_at");
		b->requests[k].due_at = due == PI_STORE_TIME_NULL ? PI_TIME_UNSET : due;
		b->tl.request_count++;
	}
	b->tl.requests = b->requests;
	for (const cJSON *l = d->limits->child; l; l = l->next) {
		size_t k = b->tl.limit_count;
		int64_t due = row_i64(l, "due_at");
		if (strcmp(row_str(l, "regime"), regime) != 0)
			continue;
		b->limits[k].stage = row_str(l, "stage");
		if (unit_parse(row_str(l, "unit"), &b->limits[k].limit.unit) != 0)
			continue;
		b->limits[k].limit.value = (int)row_i64(l, "value");
		b->limits[k].due_at = due == PI_STORE_TIME_NULL ? PI_TIME_UNSET : due;
		b->tl.limit_count++;
	}
	b->tl.limits = b->limits;
	return PI_OK;
}

static pi_status compute(pi_cases *cs, const struct case_data *d, const struct pi_regime *regime,
        int64_t now, const char *pending_stage, struct pi_deadline_list *out,
        struct timeline_buf *b, struct pi_error *err)
{
	struct pi_deadline_options opt = {now, cs->cfg.due_soon_lead};
	pi_status ret = timeline_build(d, regime->id, pending_stage, now, b, err);

	if (ret != PI_OK)
		return ret;
	ret = pi_deadline_compute(regime, &b->tl, &opt, out, err);
	if (ret != PI_OK)
		timeline_buf_free(b);
	return ret;
}

static cJSON *deadline_json(const struct pi_deadline *dl, const char *tz)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "stage", dl->stage->id);
	cJSON_AddStringToObject(o, "title", dl->stage->title);
	cJSON_AddStringToObject(o, "citation", dl->stage->citation);
	cJSON_AddNumberToObject(o, "instance", dl->instance);
	cJSON_AddStringToObject(o, "state", pi_deadline_state_name(dl->state));
	add_time(o, "triggered_at", dl->triggered_at, NULL);
	add_time(o, "due_at", dl->due_at, tz);
	add_time(o, "filed_at", dl->filed_at, tz);
	if (dl->filing_id)
		cJSON_AddStringToObject(o, "filing_id", dl->filing_id);
	cJSON_AddNumberToObject(o, "late_by_seconds", (double)((dl->late_by + 999999) / 1000000));
	if (dl->replaced)
		cJSON_AddTrueToObject(o, "replaced");
	if (dl->waiting_for)
		cJSON_AddStringToObject(o, "waiting_for", dl->waiting_for);
	return o;
}

/* ---- views ---- */

static void add_org(pi_cases *cs, cJSON *o, const char *name, int64_t org_id)
{
	struct pi_org org;
	struct pi_error e;

	if (pi_store_org_get(cs->store, org_id, &org, &e) == PI_OK)
		cJSON_AddStringToObject(o, name, org.slug);
	else
		cJSON_AddNullToObject(o, name);
}

static void add_user(pi_cases *cs, cJSON *o, const char *name, int64_t user_id)
{
	struct pi_user u;
	struct pi_error e;

	if (user_id != PI_STORE_TIME_NULL && pi_store_user_get(cs->store, user_id, &u, &e) == PI_OK)
		cJSON_AddStringToObject(o, name, u.username);
	else
		cJSON_AddNullToObject(o, name);
}

static void add_parsed(cJSON *o, const char *name, const char *text)
{
	cJSON *v = cJSON_Parse(text && *text ? text : "[]");

	cJSON_AddItemToObject(o, name, v ? v : cJSON_CreateArray());
}

static pi_status case_json(pi_cases *cs, const struct pi_principal *who, const struct case_data *d,
        const char *tz, bool full, cJSON **out, struct pi_error *err)
{
	const cJSON *row = d->row;
	int64_t id = row_i64(row, "id");
	int64_t now = pi_cases_now(cs);
	cJSON *o = cJSON_CreateObject(), *arr, *users, *names;
	char case_id[32];
	pi_status ret = PI_OK;

	*out = NULL;
	if (!o)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	snprintf(case_id, sizeof(case_id), "case-%lld", (long long)id);
	cJSON_AddNumberToObject(o, "id", (double)id);
	cJSON_AddStringToObject(o, "case_id", case_id);
	cJSON_AddStringToObject(o, "title", row_str(row, "title"));
	cJSON_AddStringToObject(o, "status", row_str(row, "status"));
	cJSON_AddStringToObject(o, "tlp", pi_tlp_name((enum pi_tlp)row_i64(row, "tlp")));
	cJSON_AddStringToObject(o, "severity", row_str(row, "severity"));
	cJSON_AddStringToObject(o, "revenue_risk", row_str(row, "revenue_risk"));
	cJSON_AddStringToObject(o, "category", row_str(row, "category_class"));
	cJSON_AddStringToObject(o, "type", row_str(row, "category_type"));
	add_org(cs, o, "reporter_org", row_i64(row, "reporter_org"));
	add_user(cs, o, "reporter", row_i64(row, "reporter_user"));
	add_time(o, "discovered_at", row_i64(row, "discovered_at"), tz);
	add_time(o, "aware_at", row_i64(row, "aware_at"), tz);
	add_time(o, "occurred_at", row_i64(row, "occurred_at"), tz);
	add_time(o, "handled_at", row_i64(row, "handled_at"), tz);
	add_time(o, "created_at", row_i64(row, "created_at"), tz);
	add_time(o, "updated_at", row_i64(row, "updated_at"), tz);
	if (!full)
		goto regimes;
	cJSON_AddStringToObject(o, "description", row_str(row, "description"));
	cJSON_AddStringToObject(o, "location", row_str(row, "location"));
	add_parsed(o, "services", row_str(row, "services"));
	add_parsed(o, "stix_refs", row_str(row, "stix_refs"));
	add_parsed(o, "indicators", row_str(row, "indicators"));
	users = cJSON_Parse(row_str(row, "users"));
	names = cJSON_AddArrayToObject(o, "users");
	for (const cJSON *u = users ? users->child : NULL; u; u = u->next) {
		cJSON *tmp = cJSON_CreateObject();
		add_user(cs, tmp, "u", (int64_t)u->valuedouble);
		if (cJSON_IsString(cJSON_GetObjectItem(tmp, "u")))
			cJSON_AddItemToArray(names, cJSON_CreateString(row_str(tmp, "u")));
		cJSON_Delete(tmp);
	}
	cJSON_Delete(users);
	arr = cJSON_AddArrayToObject(o, "moves");
	for (const cJSON *m = cJSON_GetObjectItem(row, "moves")->child; m; m = m->next) {
		cJSON *mv = cJSON_CreateObject();
		cJSON_AddStringToObject(mv, "from", row_str(m, "from_status"));
		cJSON_AddStringToObject(mv, "to", row_str(m, "to_status"));
		add_user(cs, mv, "by", row_i64(m, "by_user"));
		add_time(mv, "at", row_i64(m, "at"), tz);
		cJSON_AddItemToArray(arr, mv);
	}
regimes:
	arr = cJSON_AddArrayToObject(o, "regimes");
	for (const cJSON *r = cJSON_GetObjectItem(row, "regimes")->child; r; r = r->next) {
		const struct pi_regime *rg = pi_regimes_find(cs->regimes, row_str(r, "regime"));
		cJSON *ro = cJSON_CreateObject(), *dls;
		struct pi_deadline_list list = {NULL, 0};
		struct timeline_buf b;
		cJSON_AddItemToArray(arr, ro);
		cJSON_AddStringToObject(ro, "regime", row_str(r, "regime"));
		add_org(cs, ro, "recipient", row_i64(r, "recipient_org"));
		if (!rg) {
			cJSON_AddStringToObject(ro, "error", "regime no longer loaded");
			continue;
		}
		cJSON_AddStringToObject(ro, "title", rg->title);
		cJSON_AddStringToObject(ro, "status", pi_regime_status_name(rg->status));
		dls = cJSON_AddArrayToObject(ro, "deadlines");
		ret = compute(cs, d, rg, now, NULL, &list, &b, err);
		if (ret != PI_OK)
			goto out;
		for (size_t k = 0; k < list.count; k++)
			cJSON_AddItemToArray(dls, deadline_json(&list.items[k], tz));
		pi_deadline_list_free(&list);
		timeline_buf_free(&b);
	}
	if (!full)
		goto done;
	arr = cJSON_AddArrayToObject(o, "filings");
	for (const cJSON *f = d->filings->child; f; f = f->next) {
		cJSON *fo = cJSON_CreateObject();
		char fid[32];
		snprintf(fid, sizeof(fid), "filing-%lld", (long long)row_i64(f, "id"));
		cJSON_AddStringToObject(fo, "id", fid);
		cJSON_AddStringToObject(fo, "regime", row_str(f, "regime"));
		cJSON_AddStringToObject(fo, "stage", row_str(f, "stage"));
		add_time(fo, "filed_at", row_i64(f, "filed_at"), tz);
		add_time(fo, "due_at", row_i64(f, "due_at"), tz);
		add_user(cs, fo, "filed_by", row_i64(f, "filed_by"));
		if (row_i64(f, "supersedes") != PI_STORE_TIME_NULL) {
			snprintf(fid, sizeof(fid), "filing-%lld",
			        (long long)row_i64(f, "supersedes"));
			cJSON_AddStringToObject(fo, "supersedes", fid);
		}
		cJSON_AddStringToObject(fo, "content_sha256", row_str(f, "content_sha256"));
		add_parsed(fo, "content", row_str(f, "content"));
		add_parsed(fo, "receipt", row_str(f, "receipt"));
		cJSON_AddItemToArray(arr, fo);
	}
	arr = cJSON_AddArrayToObject(o, "limits");
	for (const cJSON *l = d->limits->child; l; l = l->next) {
		cJSON *lo = cJSON_CreateObject();
		cJSON_AddStringToObject(lo, "regime", row_str(l, "regime"));
		cJSON_AddStringToObject(lo, "stage", row_str(l, "stage"));
		cJSON_AddStringToObject(lo, "unit", row_str(l, "unit"));
		if (strcmp(row_str(l, "unit"), "per-case") != 0)
			cJSON_AddNumberToObject(lo, "value", (double)row_i64(l, "value"));
		add_time(lo, "due_at", row_i64(l, "due_at"), tz);
		add_user(cs, lo, "set_by", row_i64(l, "set_by"));
		add_time(lo, "set_at", row_i64(l, "set_at"), tz);
		cJSON_AddItemToArray(arr, lo);
	}
	arr = cJSON_AddArrayToObject(o, "requests");
	for (const cJSON *q = d->requests->child; q; q = q->next) {
		cJSON *qo = cJSON_CreateObject();
		cJSON_AddNumberToObject(qo, "id", (double)row_i64(q, "id"));
		cJSON_AddStringToObject(qo, "regime", row_str(q, "regime"));
		cJSON_AddStringToObject(qo, "stage", row_str(q, "stage"));
		add_time(qo, "requested_at", row_i64(q, "requested_at"), tz);
		add_time(qo, "due_at", row_i64(q, "due_at"), tz);
		cJSON_AddStringToObject(qo, "note", row_str(q, "note"));
		add_user(cs, qo, "by", row_i64(q, "by_user"));
		cJSON_AddItemToArray(arr, qo);
	}
	{
		cJSON *atts = NULL;
		ret = pi_store_case_attachments(cs->store, id, &atts, err);
		if (ret != PI_OK)
			goto out;
		for (cJSON *a = atts->child; a; a = a->next) {
			int64_t by = row_i64(a, "added_by"), at = row_i64(a, "added_at");
			cJSON_DeleteItemFromObject(a, "added_by");
			add_user(cs, a, "added_by", by);
			/* RFC 3339, as every other time of the case */
			cJSON_DeleteItemFromObject(a, "added_at");
			add_time(a, "added_at", at, NULL);
		}
		cJSON_AddItemToObject(o, "attachments", atts);
	}
	(void)who;
done:
	if (tz && *tz)
		cJSON_AddStringToObject(o, "timezone", tz);
	*out = o;
	o = NULL;
out:
	cJSON_Delete(o);
	return ret;
}

static pi_status view_after(pi_cases *cs, const struct pi_principal *who, int64_t id,
        const char *tz, cJSON **out, struct pi_error *err)
{
	struct case_data d;
	pi_status ret = case_data_load(cs, id, &d, err);

	if (ret != PI_OK)
		return ret;
	ret = case_json(cs, who, &d, tz, true, out, err);
	case_data_free(&d);
	return ret;
}

pi_status pi_case_view(pi_cases *cs, const struct pi_principal *who, int64_t id, const char *tz,
        cJSON **out, struct pi_error *err)
{
	struct case_data d;
	char actor[96], target[32];
	pi_status ret;

	*out = NULL;
	if (tz && *tz && !tz_name_ok(tz) && strcmp(tz, "UTC") != 0)
		return pi_error_set(err, PI_ERR_INVALID,
		        "tz: '%.64s' is not a time zone of the system's database (e.g. "
		        "Europe/Paris)",
		        tz);
	ret = case_data_load(cs, id, &d, err);
	if (ret != PI_OK)
		return ret;
	if (!can_view(who, d.row)) {
		case_data_free(&d);
		return pi_error_set(err, PI_ERR_NOTFOUND, "no such case");
	}
	if (row_i64(d.row, "tlp") == PI_TLP_RED) { /* every read of RED data is audited */
		pi_cases_actor(who, actor, sizeof(actor));
		snprintf(target, sizeof(target), "case-%lld", (long long)id);
		if (pi_audit_append(cs->store, actor, "case.read", target, "{\"tlp\":\"red\"}") !=
		        PI_OK) {
			case_data_free(&d);
			return pi_error_set(
			        err, PI_ERR_IO, "could not record the read in the audit log");
		}
	}
	ret = case_json(cs, who, &d, tz, true, out, err);
	case_data_free(&d);
	return ret;
}

pi_status pi_case_list(
        pi_cases *cs, const struct pi_principal *who, cJSON **out, struct pi_error *err)
{
	int64_t *ids = NULL;
	size_t n = 0;
	cJSON *arr = cJSON_CreateArray();
	pi_status ret = pi_store_case_ids(cs->store, &ids, &n, err);

	*out = NULL;
	for (size_t i = 0; ret == PI_OK && i < n; i++) {
		struct case_data d;
		cJSON *item = NULL;
		ret = case_data_load(cs, ids[i], &d, err);
		if (ret != PI_OK)
			break;
		if (can_view(who, d.row)) {
			ret = case_json(cs, who, &d, NULL, false, &item, err);
			if (ret == PI_OK)
				cJSON_AddItemToArray(arr, item);
		}
		case_data_free(&d);
	}
	free(ids);
	if (ret != PI_OK) {
		cJSON_Delete(arr);
		return ret;
	}
	*out = cJSON_CreateObject();
	cJSON_AddItemToObject(*out, "cases", arr);
	return PI_OK;
}

/* ---- create / patch ---- */

static const char *const case_fields[] = {"title", "description", "discovered_at", "aware_at",
        "occurred_at", "handled_at", "location", "services", "category", "type", "severity",
        "revenue_risk", "tlp", "regimes", "users", "stix_refs", "indicators", NULL};

static pi_status check_string_array(
        const cJSON *v, const char *name, size_t max_len, struct pi_error *err)
{
	if (!cJSON_IsArray(v))
		return pi_error_set(err, PI_ERR_INVALID, "%s: must be an array of strings", name);
	if (cJSON_GetArraySize(v) > PI_CASE_MAX_LIST)
		return pi_error_set(
		        err, PI_ERR_INVALID, "%s: more than %d entries", name, PI_CASE_MAX_LIST);
	for (const cJSON *s = v->child; s; s = s->next)
		if (!cJSON_IsString(s) || !s->valuestring[0] || strlen(s->valuestring) > max_len)
			return pi_error_set(err, PI_ERR_INVALID,
			        "%s: every entry must be a non-empty string of at most %zu bytes",
			        name, max_len);
	return PI_OK;
}

static int stix_id_ok(const char *s)
{
	const char *dd = strstr(s, "--");
	size_t n;

	if (!dd || dd == s || strlen(dd + 2) != 36)
		return 0;
	for (const char *p = s; p < dd; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	n = 0;
	for (const char *p = dd + 2; *p; p++, n++) {
		int hyphen = n == 8 || n == 13 || n == 18 || n == 23;
		if (hyphen ? *p != '-' : !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	}
	return 1;
}

/* Validates indicators [{name, pattern, description?}] and returns the normalised JSON. */
static pi_status check_indicators(const cJSON *v, char **out, struct pi_error *err)
{
	cJSON *norm = cJSON_CreateArray();
	size_t k = 0;

	*out = NULL;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > PI_CASE_MAX_LIST) {
		cJSON_Delete(norm);
		return pi_error_set(err, PI_ERR_INVALID,
		        "indicators: must be an array of at most %d {name, pattern} objects",
		        PI_CASE_MAX_LIST);
	}
	for (const cJSON *i = v->child; i; i = i->next, k++) {
		static const char *const allowed[] = {"name", "pattern", "description", NULL};
		const char *name = NULL, *pattern = NULL, *desc = NULL;
		pi_pattern *p = NULL;
		struct pi_error perr;
		cJSON *o;
		if (check_members(i, allowed, err) != PI_OK ||
		        get_text(i, "name", true, 500, &name, err) != PI_OK ||
		        get_text(i, "pattern", true, 10000, &pattern, err) != PI_OK ||
		        get_text(i, "description", false, 5000, &desc, err) != PI_OK) {
			pi_error_prefix(err, "indicators[%zu]", k);
			cJSON_Delete(norm);
			return PI_ERR_INVALID;
		}
		if (pi_pattern_parse(pattern, strlen(pattern), &p, &perr) != PI_OK) {
			cJSON_Delete(norm);
			return pi_error_set(err, PI_ERR_INVALID, "indicators[%zu].pattern: %s", k,
			        perr.message);
		}
		pi_pattern_free(p);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", name);
		cJSON_AddStringToObject(o, "pattern", pattern);
		if (desc)
			cJSON_AddStringToObject(o, "description", desc);
		cJSON_AddItemToArray(norm, o);
	}
	*out = cJSON_PrintUnformatted(norm);
	cJSON_Delete(norm);
	return *out ? PI_OK : pi_error_set(err, PI_ERR_NOMEM, "out of memory");
}

/* Usernames -> JSON array of user ids. */
static pi_status check_users(pi_cases *cs, const cJSON *v, char **out, struct pi_error *err)
{
	cJSON *ids = cJSON_CreateArray();
	pi_status ret = check_string_array(v, "users", 63, err);

	*out = NULL;
	for (const cJSON *u = ret == PI_OK ? v->child : NULL; u; u = u->next) {
		struct pi_user user;
		if (pi_store_user_find(cs->store, u->valuestring, &user, NULL, 0, err) != PI_OK) {
			ret = pi_error_set(
			        err, PI_ERR_INVALID, "users: no user '%.64s'", u->valuestring);
			break;
		}
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)user.id));
	}
	if (ret == PI_OK) {
		*out = cJSON_PrintUnformatted(ids);
		if (!*out)
			ret = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	}
	cJSON_Delete(ids);
	return ret;
}

struct case_input {
	struct pi_case_fields f;
	char *services, *users, *stix_refs, *indicators; /* owned */
};

static void case_input_free(struct case_input *in)
{
	free(in->services);
	free(in->users);
	free(in->stix_refs);
	free(in->indicators);
}

/* Reads the members present in body into in (whose f holds the current values for a
 * patch). creating: required members must be present. */
static pi_status read_case_fields(
        pi_cases *cs, const cJSON *body, bool creating, struct case_input *in, struct pi_error *err)
{
	const cJSON *v;
	const char *s = NULL, *cls = NULL, *typ = NULL, *canonical = NULL;
	char names[256];
	pi_status ret;

	ret = check_members(body, case_fields, err);
	if (ret != PI_OK)
		return ret;
#define TEXT(name, req, max, dst)                                                                  \
	do {                                                                                       \
		if (creating || cJSON_GetObjectItemCaseSensitive(body, name)) {                    \
			ret = get_text(body, name, req, max, &s, err);                             \
			if (ret != PI_OK)                                                          \
				return ret;                                                        \
			if (s || creating)                                                         \
				dst = s ? s : "";                                                  \
		}                                                                                  \
	} while (0)
#define TIME(name, req, dst)                                                                       \
	do {                                                                                       \
		if (creating || cJSON_GetObjectItemCaseSensitive(body, name)) {                    \
			ret = get_time(body, name, req, &dst, err);                                \
			if (ret != PI_OK)                                                          \
				return ret;                                                        \
		}                                                                                  \
	} while (0)
	TEXT("title", true, 500, in->f.title);
	TEXT("description", true, PI_CASE_MAX_TEXT, in->f.description);
	TEXT("location", false, 2000, in->f.location);
	TIME("discovered_at", true, in->f.discovered_at);
	TIME("aware_at", false, in->f.aware_at);
	TIME("occurred_at", false, in->f.occurred_at);
	TIME("handled_at", false, in->f.handled_at);
	if (creating && in->f.aware_at == PI_STORE_TIME_NULL)
		in->f.aware_at = in->f.discovered_at;
	if (in->f.discovered_at == PI_STORE_TIME_NULL)
		return pi_error_set(err, PI_ERR_INVALID, "discovered_at: required");
	if (in->f.aware_at != PI_STORE_TIME_NULL && in->f.aware_at < in->f.discovered_at)
		return pi_error_set(err, PI_ERR_INVALID,
		        "aware_at: may not be before discovered_at (you become aware of what you "
		        "discovered)");
	if (in->f.handled_at != PI_STORE_TIME_NULL && in->f.handled_at < in->f.discovered_at)
		return pi_error_set(
		        err, PI_ERR_INVALID, "handled_at: may not be before discovered_at");
	if (creating || cJSON_GetObjectItemCaseSensitive(body, "severity")) {
		ret = get_text(body, "severity", true, 16, &s, err);
		if (ret != PI_OK)
			return ret;
		if (!in_list(s, severities)) {
			join_list(severities, names, sizeof(names));
			return pi_error_set(err, PI_ERR_INVALID,
			        "severity: '%.16s' is not one of %s", s, names);
		}
		in->f.severity = s;
	}
	if (creating || cJSON_GetObjectItemCaseSensitive(body, "revenue_risk")) {
		ret = get_text(body, "revenue_risk", creating, 16, &s, err);
		if (ret != PI_OK)
			return ret;
		if (!in_list(s, revenue_risks)) {
			join_list(revenue_risks, names, sizeof(names));
			return pi_error_set(err, PI_ERR_INVALID,
			        "revenue_risk: '%.16s' is not one of %s", s ? s : "", names);
		}
		in->f.revenue_risk = s;
	}
	if (creating || cJSON_GetObjectItemCaseSensitive(body, "tlp")) {
		enum pi_tlp tlp;
		ret = get_text(body, "tlp", false, 32, &s, err);
		if (ret != PI_OK)
			return ret;
		if (!s)
			s = "amber";
		if (pi_tlp_parse(s, &tlp) != 0 || tlp == PI_TLP_UNMARKED)
			return pi_error_set(err, PI_ERR_INVALID,
			        "tlp: '%.32s' is not one of clear, green, amber, amber+strict, red",
			        s);
		in->f.tlp = (int)tlp;
	}
	if (creating || cJSON_GetObjectItemCaseSensitive(body, "category") ||
	        cJSON_GetObjectItemCaseSensitive(body, "type")) {
		ret = get_text(body, "category", creating, 64, &cls, err);
		if (ret == PI_OK)
			ret = get_text(body, "type", creating, 64, &typ, err);
		if (ret != PI_OK)
			return ret;
		if (!cls)
			cls = in->f.category_class;
		if (!typ)
			typ = in->f.category_type;
		ret = pi_taxonomy_check(cs->taxonomy, cls, typ, &canonical, err);
		if (ret != PI_OK)
			return ret;
		in->f.category_class = cls;
		in->f.category_type = canonical;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "services");
	if (v) {
		ret = check_string_array(v, "services", 200, err);
		if (ret != PI_OK)
			return ret;
		free(in->services);
		in->services = cJSON_PrintUnformatted(v);
		in->f.services = in->services;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "stix_refs");
	if (v) {
		ret = check_string_array(v, "stix_refs", 300, err);
		if (ret != PI_OK)
			return ret;
		for (const cJSON *r = v->child; r; r = r->next)
			if (!stix_id_ok(r->valuestring))
				return pi_error_set(err, PI_ERR_INVALID,
				        "stix_refs: '%.100s' is not a STIX id (type--uuid)",
				        r->valuestring);
		free(in->stix_refs);
		in->stix_refs = cJSON_PrintUnformatted(v);
		in->f.stix_refs = in->stix_refs;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "indicators");
	if (v) {
		free(in->indicators);
		in->indicators = NULL;
		ret = check_indicators(v, &in->indicators, err);
		if (ret != PI_OK)
			return ret;
		in->f.indicators = in->indicators;
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "users");
	if (v) {
		free(in->users);
		in->users = NULL;
		ret = check_users(cs, v, &in->users, err);
		if (ret != PI_OK)
			return ret;
		in->f.users = in->users;
	}
#undef TEXT
#undef TIME
	return PI_OK;
}

/* Resolves body "regimes": [{regime, recipient}] for a reporter of org type org_type. */
static pi_status read_regimes(pi_cases *cs, const cJSON *v, const char *org_type,
        struct pi_case_regime_in *out, size_t *n, struct pi_error *err)
{
	size_t k = 0;

	*n = 0;
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0 ||
	        cJSON_GetArraySize(v) > (int)pi_regimes_count(cs->regimes))
		return pi_error_set(err, PI_ERR_INVALID,
		        "regimes: give a non-empty array of {\"regime\": ID, \"recipient\": ORG} "
		        "(at most one per regime)");
	for (const cJSON *r = v->child; r; r = r->next, k++) {
		static const char *const allowed[] = {"regime", "recipient", NULL};
		const char *id = NULL, *recipient = NULL;
		const struct pi_regime *rg;
		struct pi_org org;
		bool applies = false;
		if (check_members(r, allowed, err) != PI_OK ||
		        get_text(r, "regime", true, 64, &id, err) != PI_OK ||
		        get_text(r, "recipient", true, 63, &recipient, err) != PI_OK) {
			pi_error_prefix(err, "regimes[%zu]", k);
			return PI_ERR_INVALID;
		}
		rg = pi_regimes_find(cs->regimes, id);
		if (!rg)
			return pi_error_set(err, PI_ERR_INVALID,
			        "regimes[%zu]: no regime '%.64s' (GET /api/v1/regimes lists them)",
			        k, id);
		for (size_t a = 0; a < rg->applies_count; a++)
			if (strcmp(rg->applies_to[a], org_type) == 0)
				applies = true;
		if (!applies)
			return pi_error_set(err, PI_ERR_INVALID,
			        "regimes[%zu]: regime '%s' does not apply to a %s", k, id,
			        org_type);
		for (size_t j = 0; j < k; j++)
			if (strcmp(out[j].regime, rg->id) == 0)
				return pi_error_set(err, PI_ERR_INVALID,
				        "regimes: '%s' is named twice", rg->id);
		if (pi_store_org_find(cs->store, recipient, &org, err) != PI_OK ||
		        strcmp(org.type, "regulator") != 0)
			return pi_error_set(err, PI_ERR_INVALID,
			        "regimes[%zu].recipient: '%.63s' is not a regulator organisation "
			        "of the hub",
			        k, recipient);
		out[k].regime = rg->id;
		out[k].recipient_org = org.id;
	}
	*n = k;
	return PI_OK;
}

pi_status pi_case_create(pi_cases *cs, const struct pi_principal *who, const cJSON *body,
        const char *tz, cJSON **out, struct pi_error *err)
{
	struct case_input in;
	struct pi_case_regime_in regimes[PI_REGIME_MAX_FILES];
	struct pi_org org;
	size_t nregimes = 0;
	char actor[96];
	int64_t id = 0, now = pi_cases_now(cs);
	pi_status ret;

	*out = NULL;
	memset(&in, 0, sizeof(in));
	if (!reporter_role(who->role))
		return pi_error_set(err, PI_ERR_DENIED,
		        "reporting a case needs the role reporter, analyst or org-admin");
	ret = pi_store_org_get(cs->store, who->org_id, &org, err);
	if (ret != PI_OK)
		return ret;
	in.f.discovered_at = in.f.aware_at = in.f.occurred_at = in.f.handled_at =
	        PI_STORE_TIME_NULL;
	ret = read_case_fields(cs, body, true, &in, err);
	if (ret == PI_OK)
		ret = read_regimes(cs, cJSON_GetObjectItemCaseSensitive(body, "regimes"), org.type,
		        regimes, &nregimes, err);
	if (ret != PI_OK)
		goto out;
	in.f.reporter_org = who->org_id;
	in.f.reporter_user = who->user_id;
	in.f.status = "new";
	pi_cases_actor(who, actor, sizeof(actor));
	ret = pi_store_case_create(
	        cs->store, &in.f, regimes, nregimes, now, actor, "{\"status\":\"new\"}", &id, err);
	if (ret == PI_OK)
		ret = view_after(cs, who, id, tz, out, err);
out:
	case_input_free(&in);
	return ret;
}

/* Current values of a case row as case fields (strings point into row). */
static void fields_from_row(const cJSON *row, struct pi_case_fields *f)
{
	memset(f, 0, sizeof(*f));
	f->reporter_org = row_i64(row, "reporter_org");
	f->reporter_user = row_i64(row, "reporter_user");
	f->title = row_str(row, "title");
	f->description = row_str(row, "description");
	f->discovered_at = row_i64(row, "discovered_at");
	f->aware_at = row_i64(row, "aware_at");
	f->occurred_at = row_i64(row, "occurred_at");
	f->handled_at = row_i64(row, "handled_at");
	f->location = row_str(row, "location");
	f->services = row_str(row, "services");
	f->category_class = row_str(row, "category_class");
	f->category_type = row_str(row, "category_type");
	f->severity = row_str(row, "severity");
	f->revenue_risk = row_str(row, "revenue_risk");
	f->tlp = (int)row_i64(row, "tlp");
	f->status = row_str(row, "status");
	f->users = row_str(row, "users");
	f->stix_refs = row_str(row, "stix_refs");
	f->indicators = row_str(row, "indicators");
}

pi_status pi_case_patch(pi_cases *cs, const struct pi_principal *who, int64_t id, const cJSON *body,
        const char *tz, cJSON **out, struct pi_error *err)
{
	struct case_input in;
	cJSON *row = NULL;
	char actor[96], *detail = NULL;
	pi_status ret;

	*out = NULL;
	memset(&in, 0, sizeof(in));
	ret = load_visible(cs, who, id, &row, err);
	if (ret != PI_OK)
		return ret;
	if (!can_write(who, row)) {
		ret = pi_error_set(err, PI_ERR_DENIED,
		        "only the reporting organisation's reporters and analysts change a case");
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(body, "regimes")) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "regimes: cannot be changed by PATCH (a case's regimes are fixed once "
		        "filed)");
		goto out;
	}
	fields_from_row(row, &in.f);
	if (in.f.tlp < PI_TLP_CLEAR)
		in.f.tlp = PI_TLP_AMBER;
	ret = read_case_fields(cs, body, false, &in, err);
	if (ret != PI_OK)
		goto out;
	pi_cases_actor(who, actor, sizeof(actor));
	{
		cJSON *names = cJSON_CreateArray();
		for (const cJSON *m = body->child; m; m = m->next)
			cJSON_AddItemToArray(names, cJSON_CreateString(m->string));
		cJSON *d = cJSON_CreateObject();
		cJSON_AddItemToObject(d, "changed", names);
		detail = cJSON_PrintUnformatted(d);
		cJSON_Delete(d);
	}
	ret = pi_store_case_update(cs->store, id, &in.f, NULL, who->user_id, pi_cases_now(cs),
	        actor, "case.update", detail, err);
	if (ret == PI_OK)
		ret = view_after(cs, who, id, tz, out, err);
out:
	free(detail);
	case_input_free(&in);
	cJSON_Delete(row);
	return ret;
}

static int status_index(const char *s)
{
	for (int i = 0; statuses[i]; i++)
		if (s && strcmp(s, statuses[i]) == 0)
			return i;
	return -1;
}

pi_status pi_case_move(pi_cases *cs, const struct pi_principal *who, int64_t id,
        const char *to_status, const char *tz, cJSON **out, struct pi_error *err)
{
	struct pi_case_fields f;
	cJSON *row = NULL;
	char actor[96], detail[128], from[16];
	int64_t now = pi_cases_now(cs);
	int to, cur;
	pi_status ret;

	*out = NULL;
	ret = load_visible(cs, who, id, &row, err);
	if (ret != PI_OK)
		return ret;
	if (!can_write(who, row)) {
		ret = pi_error_set(err, PI_ERR_DENIED,
		        "only the reporting organisation's reporters and analysts move a case");
		goto out;
	}
	to = status_index(to_status);
	cur = status_index(row_str(row, "status"));
	if (to < 0) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "status: '%.32s' is not one of new, open, contained, closed",
		        to_status ? to_status : "");
		goto out;
	}
	if (to <= cur) {
		ret = pi_error_set(err, PI_ERR_CONFLICT,
		        "the case is %s; a case moves forward only (new -> open -> contained -> "
		        "closed)",
		        statuses[cur < 0 ? 0 : cur]);
		goto out;
	}
	snprintf(from, sizeof(from), "%s", row_str(row, "status"));
	fields_from_row(row, &f);
	f.status = statuses[to];
	if (to >= 2 && f.handled_at == PI_STORE_TIME_NULL)
		f.handled_at = now;
	pi_cases_actor(who, actor, sizeof(actor));
	snprintf(detail, sizeof(detail), "{\"from\":\"%s\",\"to\":\"%s\"}", from, statuses[to]);
	ret = pi_store_case_update(
	        cs->store, id, &f, from, who->user_id, now, actor, "case.status", detail, err);
	if (ret == PI_OK)
		ret = view_after(cs, who, id, tz, out, err);
out:
	cJSON_Delete(row);
	return ret;
}

/* ---- filing ---- */

struct sign_ctx {
	pi_cases *cs;
	struct pi_receipt_fields fields;
	char case_id[32];
	char filing_id[32];
};

static pi_status sign_receipt(void *arg, int64_t filing_id, char **receipt, struct pi_error *err)
{
	struct sign_ctx *s = arg;

	snprintf(s->filing_id, sizeof(s->filing_id), "filing-%lld", (long long)filing_id);
	s->fields.filing_id = s->filing_id;
	return pi_receipt_sign(&s->fields, &s->cs->key, receipt, err);
}

static int64_t parse_filing_ref(const cJSON *v)
{
	const char *s;
	char *end = NULL;
	long long n;

	if (cJSON_IsNumber(v))
		return v->valuedouble >= 1 ? (int64_t)v->valuedouble : -1;
	s = cJSON_GetStringValue(v);
	if (!s)
		return -1;
	if (strncmp(s, "filing-", 7) == 0)
		s += 7;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || *end || n < 1)
		return -1;
	return n;
}

pi_status pi_case_file(pi_cases *cs, const struct pi_principal *who, int64_t id, const cJSON *body,
        char **receipt, struct pi_error *err)
{
	static const char *const allowed[] = {"regime", "stage", "content", "supersedes", NULL};
	struct case_data d;
	struct pi_buf canon;
	struct sign_ctx sc;
	struct pi_filing_in fi;
	const char *regime_id = NULL, *stage_id = NULL;
	const struct pi_regime *rg;
	const struct pi_regime_stage *stage;
	const cJSON *content, *sup;
	char sha[65], actor[96];
	int64_t now = pi_cases_now(cs), supersedes = 0, due = PI_STORE_TIME_NULL, filing_id = 0;
	pi_status ret;

	*receipt = NULL;
	pi_buf_init(&canon, CANON_MAX);
	memset(&sc, 0, sizeof(sc));
	ret = case_data_load(cs, id, &d, err);
	if (ret != PI_OK)
		return ret;
	if (!can_view(who, d.row)) {
		ret = pi_error_set(err, PI_ERR_NOTFOUND, "no such case");
		goto out;
	}
	if (!can_write(who, d.row)) {
		ret = pi_error_set(err, PI_ERR_DENIED,
		        "only the reporting organisation's reporters and analysts file stages");
		goto out;
	}
	ret = check_members(body, allowed, err);
	if (ret == PI_OK)
		ret = get_text(body, "regime", true, 64, &regime_id, err);
	if (ret == PI_OK)
		ret = get_text(body, "stage", true, 64, &stage_id, err);
	if (ret != PI_OK)
		goto out;
	if (!case_regime(d.row, regime_id)) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "regime: the case does not run under '%.64s'", regime_id);
		goto out;
	}
	rg = pi_regimes_find(cs->regimes, regime_id);
	stage = rg ? pi_regime_find_stage(rg, stage_id) : NULL;
	if (!stage) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "stage: regime '%.64s' has no stage '%.64s'", regime_id, stage_id);
		goto out;
	}
	content = cJSON_GetObjectItemCaseSensitive(body, "content");
	if (!cJSON_IsObject(content)) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "content: required, a JSON object with the stage's fields");
		goto out;
	}
	ret = pi_regime_check_filing(stage, content, err);
	if (ret != PI_OK)
		goto out;
	sup = cJSON_GetObjectItemCaseSensitive(body, "supersedes");
	if (sup && !cJSON_IsNull(sup)) {
		supersedes = parse_filing_ref(sup);
		if (supersedes < 0) {
			ret = pi_error_set(err, PI_ERR_INVALID,
			        "supersedes: must be a filing id such as \"filing-3\"");
			goto out;
		}
	}
	if (!supersedes && !stage->repeats) {
		for (const cJSON *f = d.filings->child; f; f = f->next)
			if (strcmp(row_str(f, "regime"), regime_id) == 0 &&
			        strcmp(row_str(f, "stage"), stage_id) == 0) {
				ret = pi_error_set(err, PI_ERR_CONFLICT,
				        "stage '%s' was already filed (filing-%lld); a correction "
				        "is a "
				        "new filing with \"supersedes\": \"filing-%lld\"",
				        stage_id, (long long)row_i64(f, "id"),
				        (long long)row_i64(f, "id"));
				goto out;
			}
	}
	ret = pi_receipt_canonical(content, &canon, err);
	if (ret != PI_OK) {
		if (ret == PI_ERR_TOOBIG)
			pi_error_set(err, PI_ERR_TOOBIG, "content: larger than %d bytes",
			        PI_CASE_MAX_CONTENT);
		goto out;
	}
	pi_receipt_sha256_hex(canon.data, canon.len, sha);
	if (!supersedes) {
		struct pi_deadline_list list = {NULL, 0};
		struct timeline_buf b;
		ret = compute(cs, &d, rg, now, stage_id, &list, &b, err);
		if (ret != PI_OK)
			goto out;
		for (size_t k = 0; k < list.count; k++)
			if (list.items[k].filing_id &&
			        strcmp(list.items[k].filing_id, "pending") == 0 &&
			        list.items[k].due_at != PI_TIME_UNSET)
				due = list.items[k].due_at;
		pi_deadline_list_free(&list);
		timeline_buf_free(&b);
	}
	sc.cs = cs;
	snprintf(sc.case_id, sizeof(sc.case_id), "case-%lld", (long long)id);
	sc.fields.case_id = sc.case_id;
	sc.fields.regime = rg->id;
	sc.fields.stage = stage->id;
	sc.fields.content_sha256 = sha;
	sc.fields.filed_at = now;
	sc.fields.due_at = due == PI_STORE_TIME_NULL ? PI_TIME_UNSET : due;
	memset(&fi, 0, sizeof(fi));
	fi.case_id = id;
	fi.regime = rg->id;
	fi.stage = stage->id;
	fi.content = canon.data;
	fi.content_sha256 = sha;
	fi.filed_at = now;
	fi.filed_by = who->user_id;
	fi.supersedes = supersedes;
	fi.due_at = due;
	pi_cases_actor(who, actor, sizeof(actor));
	ret = pi_store_filing_add(
	        cs->store, &fi, sign_receipt, &sc, actor, &filing_id, receipt, err);
out:
	pi_buf_free(&canon);
	case_data_free(&d);
	return ret;
}

/* ---- regulator ---- */

static pi_status regulator_target(pi_cases *cs, const struct pi_principal *who, int64_t id,
        const cJSON *body, const char *const *allowed, bool stage_required, cJSON **row,
        const struct pi_regime **rg, const struct pi_regime_stage **stage, struct pi_error *err)
{
	const char *regime_id = NULL, *stage_id = NULL;
	pi_status ret = load_visible(cs, who, id, row, err);

	if (ret != PI_OK)
		return ret;
	ret = check_members(body, allowed, err);
	if (ret == PI_OK)
		ret = get_text(body, "regime", true, 64, &regime_id, err);
	if (ret == PI_OK)
		ret = get_text(body, "stage", stage_required, 64, &stage_id, err);
	if (ret != PI_OK)
		return ret;
	if (!case_regime(*row, regime_id))
		return pi_error_set(err, PI_ERR_INVALID,
		        "regime: the case does not run under '%.64s'", regime_id);
	if (!is_regulator_for(who, *row, regime_id))
		return pi_error_set(err, PI_ERR_DENIED,
		        "only a regulator of the organisation this regime is addressed to may do "
		        "this");
	*rg = pi_regimes_find(cs->regimes, regime_id);
	if (!*rg)
		return pi_error_set(err, PI_ERR_INVALID, "regime '%.64s' is not loaded", regime_id);
	if (stage_id) {
		*stage = pi_regime_find_stage(*rg, stage_id);
		if (!*stage)
			return pi_error_set(err, PI_ERR_INVALID,
			        "stage: regime '%s' has no stage '%.64s'", (*rg)->id, stage_id);
	} else {
		*stage = NULL;
		for (size_t k = 0; k < (*rg)->stage_count && !*stage; k++)
			if ((*rg)->stages[k].trigger.event == PI_TRIGGER_REQUEST)
				*stage = &(*rg)->stages[k];
		if (!*stage)
			return pi_error_set(err, PI_ERR_INVALID,
			        "stage: regime '%s' has no stage triggered by requests", (*rg)->id);
	}
	return PI_OK;
}

pi_status pi_case_set_limit(pi_cases *cs, const struct pi_principal *who, int64_t id,
        const cJSON *body, const char *tz, cJSON **out, struct pi_error *err)
{
	static const char *const allowed[] = {"regime", "stage", "unit", "value", "due_at", NULL};
	cJSON *row = NULL;
	const struct pi_regime *rg = NULL;
	const struct pi_regime_stage *stage = NULL;
	const char *unit_text = NULL;
	const cJSON *value;
	enum pi_limit_unit unit = PI_LIMIT_PER_CASE;
	int64_t due = PI_STORE_TIME_NULL;
	int n = 0;
	char actor[96];
	pi_status ret;

	*out = NULL;
	ret = regulator_target(cs, who, id, body, allowed, true, &row, &rg, &stage, err);
	if (ret != PI_OK)
		goto out;
	if (stage->time_limit.unit != PI_LIMIT_PER_CASE) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "stage '%s' has a fixed time limit (%d %s) set by the regime", stage->id,
		        stage->time_limit.value, pi_limit_unit_name(stage->time_limit.unit));
		goto out;
	}
	ret = get_time(body, "due_at", false, &due, err);
	if (ret == PI_OK)
		ret = get_text(body, "unit", false, 16, &unit_text, err);
	if (ret != PI_OK)
		goto out;
	value = cJSON_GetObjectItemCaseSensitive(body, "value");
	if ((due != PI_STORE_TIME_NULL) == (unit_text != NULL)) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "give either unit and value (a duration from the stage's trigger) or "
		        "due_at");
		goto out;
	}
	if (unit_text) {
		if (unit_parse(unit_text, &unit) != 0 || unit == PI_LIMIT_PER_CASE) {
			ret = pi_error_set(err, PI_ERR_INVALID,
			        "unit: '%.16s' is not one of hours, days, months", unit_text);
			goto out;
		}
		if (!cJSON_IsNumber(value) ||
		        value->valuedouble != (double)(int)value->valuedouble ||
		        value->valuedouble < 1 || value->valuedouble > PI_REGIME_MAX_LIMIT_VALUE) {
			ret = pi_error_set(err, PI_ERR_INVALID,
			        "value: a whole number from 1 to %d", PI_REGIME_MAX_LIMIT_VALUE);
			goto out;
		}
		n = (int)value->valuedouble;
	} else if (value) {
		ret = pi_error_set(err, PI_ERR_INVALID, "value: only with unit");
		goto out;
	}
	if (stage->trigger.event == PI_TRIGGER_PERIOD && due != PI_STORE_TIME_NULL) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "stage '%s' repeats: give its interval as unit and value, not a date",
		        stage->id);
		goto out;
	}
	pi_cases_actor(who, actor, sizeof(actor));
	ret = pi_store_case_limit_add(cs->store, id, rg->id, stage->id,
	        unit_text ? pi_limit_unit_name(unit) : "per-case", n, due, who->user_id,
	        pi_cases_now(cs), actor, err);
	if (ret == PI_OK)
		ret = view_after(cs, who, id, tz, out, err);
out:
	cJSON_Delete(row);
	return ret;
}

pi_status pi_case_request(pi_cases *cs, const struct pi_principal *who, int64_t id,
        const cJSON *body, const char *tz, cJSON **out, struct pi_error *err)
{
	static const char *const allowed[] = {"regime", "stage", "due_at", "note", NULL};
	cJSON *row = NULL;
	const struct pi_regime *rg = NULL;
	const struct pi_regime_stage *stage = NULL;
	const char *note = NULL;
	int64_t due = PI_STORE_TIME_NULL, now = pi_cases_now(cs), rid = 0;
	char actor[96];
	pi_status ret;

	*out = NULL;
	ret = regulator_target(cs, who, id, body, allowed, false, &row, &rg, &stage, err);
	if (ret != PI_OK)
		goto out;
	if (stage->trigger.event != PI_TRIGGER_REQUEST) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "stage '%s' is not filed on request (its trigger is %s)", stage->id,
		        pi_trigger_event_name(stage->trigger.event));
		goto out;
	}
	ret = get_time(body, "due_at", false, &due, err);
	if (ret == PI_OK)
		ret = get_text(body, "note", false, 2000, &note, err);
	if (ret != PI_OK)
		goto out;
	if (due != PI_STORE_TIME_NULL && due <= now) {
		ret = pi_error_set(err, PI_ERR_INVALID, "due_at: must be in the future");
		goto out;
	}
	pi_cases_actor(who, actor, sizeof(actor));
	ret = pi_store_case_request_add(
	        cs->store, id, rg->id, stage->id, now, due, note, who->user_id, actor, &rid, err);
	if (ret == PI_OK)
		ret = view_after(cs, who, id, tz, out, err);
out:
	cJSON_Delete(row);
	return ret;
}

/* ---- attachments ---- */

pi_status pi_case_attach(pi_cases *cs, const struct pi_principal *who, int64_t id,
        const char *filename, const char *declared_type, const void *data, size_t len, cJSON **out,
        struct pi_error *err)
{
	cJSON *row = NULL;
	const char *type = NULL;
	char sha[65], actor[96];
	int64_t aid = 0;
	pi_status ret;

	*out = NULL;
	ret = load_visible(cs, who, id, &row, err);
	if (ret != PI_OK)
		return ret;
	if (!can_write(who, row)) {
		ret = pi_error_set(err, PI_ERR_DENIED,
		        "only the reporting organisation's reporters and analysts add attachments");
		goto out;
	}
	ret = pi_attach_check(
	        filename, declared_type, data, len, cs->cfg.attachment_max, &type, err);
	if (ret != PI_OK)
		goto out;
	pi_receipt_sha256_hex(data, len, sha);
	pi_cases_actor(who, actor, sizeof(actor));
	ret = pi_store_attachment_add(cs->store, id, sha, filename, type, data, len, who->user_id,
	        pi_cases_now(cs), actor, &aid, err);
	if (ret != PI_OK)
		goto out;
	*out = cJSON_CreateObject();
	cJSON_AddNumberToObject(*out, "id", (double)aid);
	cJSON_AddStringToObject(*out, "sha256", sha);
	cJSON_AddStringToObject(*out, "filename", filename);
	cJSON_AddStringToObject(*out, "media_type", type);
	cJSON_AddNumberToObject(*out, "size", (double)len);
out:
	cJSON_Delete(row);
	return ret;
}

pi_status pi_case_attachment(pi_cases *cs, const struct pi_principal *who, int64_t id,
        int64_t attachment_id, cJSON **meta, void **data, size_t *len, struct pi_error *err)
{
	cJSON *row = NULL;
	char actor[96], target[32], detail[64];
	pi_status ret;

	*meta = NULL;
	*data = NULL;
	*len = 0;
	ret = load_visible(cs, who, id, &row, err);
	cJSON_Delete(row);
	if (ret != PI_OK)
		return ret;
	ret = pi_store_attachment_get(cs->store, id, attachment_id, meta, data, len, err);
	if (ret != PI_OK)
		return ret;
	pi_cases_actor(who, actor, sizeof(actor));
	snprintf(target, sizeof(target), "case-%lld", (long long)id);
	snprintf(detail, sizeof(detail), "{\"attachment\":%lld}", (long long)attachment_id);
	if (pi_audit_append(cs->store, actor, "case.attachment.read", target, detail) != PI_OK) {
		cJSON_Delete(*meta);
		free(*data);
		*meta = NULL;
		*data = NULL;
		return pi_error_set(err, PI_ERR_IO, "could not record the read in the audit log");
	}
	return PI_OK;
}

/* ---- deadlines across cases ---- */

typedef int (*each_case_fn)(void *arg, const struct case_data *d);

static pi_status each_case(pi_cases *cs, each_case_fn fn, void *arg, struct pi_error *err)
{
	int64_t *ids = NULL;
	size_t n = 0;
	pi_status ret = pi_store_case_ids(cs->store, &ids, &n, err);

	for (size_t i = 0; ret == PI_OK && i < n; i++) {
		struct case_data d;
		int stop;
		ret = case_data_load(cs, ids[i], &d, err);
		if (ret != PI_OK)
			break;
		stop = fn(arg, &d);
		case_data_free(&d);
		if (stop < 0)
			ret = pi_error_set(err, PI_ERR_INTERNAL, "computing deadlines failed");
		if (stop)
			break;
	}
	free(ids);
	return ret;
}

struct due_walk {
	pi_cases *cs;
	int64_t now;
	int (*fn)(void *arg, const struct pi_case_due *due);
	void *arg;
};

static int due_walk_case(void *arg, const struct case_data *d)
{
	struct due_walk *w = arg;

	for (const cJSON *r = cJSON_GetObjectItem(d->row, "regimes")->child; r; r = r->next) {
		const struct pi_regime *rg = pi_regimes_find(w->cs->regimes, row_str(r, "regime"));
		struct pi_deadline_list list = {NULL, 0};
		struct timeline_buf b;
		struct pi_error e;
		if (!rg || compute(w->cs, d, rg, w->now, NULL, &list, &b, &e) != PI_OK)
			continue;
		for (size_t k = 0; k < list.count; k++) {
			const struct pi_deadline *dl = &list.items[k];
			struct pi_case_due due;
			if (dl->due_at == PI_TIME_UNSET ||
			        (dl->state != PI_DEADLINE_OPEN &&
			                dl->state != PI_DEADLINE_DUE_SOON &&
			                dl->state != PI_DEADLINE_OVERDUE))
				continue;
			due.case_id = row_i64(d->row, "id");
			due.reporter_user = row_i64(d->row, "reporter_user");
			due.title = row_str(d->row, "title");
			due.regime = rg->id;
			due.stage = dl->stage->id;
			due.stage_title = dl->stage->title;
			due.instance = dl->instance;
			due.state = pi_deadline_state_name(dl->state);
			due.due_at = dl->due_at;
			if (w->fn(w->arg, &due)) {
				pi_deadline_list_free(&list);
				timeline_buf_free(&b);
				return 1;
			}
		}
		pi_deadline_list_free(&list);
		timeline_buf_free(&b);
	}
	return 0;
}

pi_status pi_cases_each_due(pi_cases *cs, int64_t now,
        int (*fn)(void *arg, const struct pi_case_due *due), void *arg, struct pi_error *err)
{
	struct due_walk w = {cs, now, fn, arg};

	return each_case(cs, due_walk_case, &w, err);
}

struct member_walk {
	pi_cases *cs;
	const struct pi_principal *who;
	const char *tz;
	int64_t now;
	cJSON *due_soon, *overdue, *waiting, *open;
};

static int member_walk_case(void *arg, const struct case_data *d)
{
	struct member_walk *w = arg;

	if (!can_view(w->who, d->row) || row_i64(d->row, "reporter_org") != w->who->org_id)
		return 0;
	for (const cJSON *r = cJSON_GetObjectItem(d->row, "regimes")->child; r; r = r->next) {
		const struct pi_regime *rg = pi_regimes_find(w->cs->regimes, row_str(r, "regime"));
		struct pi_deadline_list list = {NULL, 0};
		struct timeline_buf b;
		struct pi_error e;
		if (!rg || compute(w->cs, d, rg, w->now, NULL, &list, &b, &e) != PI_OK)
			continue;
		for (size_t k = 0; k < list.count; k++) {
			const struct pi_deadline *dl = &list.items[k];
			cJSON *target = NULL, *o;
			switch (dl->state) {
			case PI_DEADLINE_DUE_SOON: target = w->due_soon; break;
			case PI_DEADLINE_OVERDUE: target = w->overdue; break;
			case PI_DEADLINE_WAITING_REGULATOR: target = w->waiting; break;
			case PI_DEADLINE_OPEN: target = w->open; break;
			default: break;
			}
			if (!target)
				continue;
			o = deadline_json(dl, w->tz);
			cJSON_AddNumberToObject(o, "case", (double)row_i64(d->row, "id"));
			cJSON_AddStringToObject(o, "case_title", row_str(d->row, "title"));
			cJSON_AddStringToObject(o, "regime", rg->id);
			cJSON_AddItemToArray(target, o);
		}
		pi_deadline_list_free(&list);
		timeline_buf_free(&b);
	}
	return 0;
}

pi_status pi_cases_deadlines(pi_cases *cs, const struct pi_principal *who, const char *tz,
        cJSON **out, struct pi_error *err)
{
	struct member_walk w;
	cJSON *o;
	pi_status ret;

	*out = NULL;
	if (tz && *tz && !tz_name_ok(tz) && strcmp(tz, "UTC") != 0)
		return pi_error_set(err, PI_ERR_INVALID,
		        "tz: '%.64s' is not a time zone of the system's database (e.g. "
		        "Europe/Paris)",
		        tz);
	o = cJSON_CreateObject();
	memset(&w, 0, sizeof(w));
	w.cs = cs;
	w.who = who;
	w.tz = tz;
	w.now = pi_cases_now(cs);
	add_time(o, "now", w.now, tz);
	w.overdue = cJSON_AddArrayToObject(o, "overdue");
	w.due_soon = cJSON_AddArrayToObject(o, "due_soon");
	w.waiting = cJSON_AddArrayToObject(o, "waiting_for_regulator");
	w.open = cJSON_AddArrayToObject(o, "open");
	ret = each_case(cs, member_walk_case, &w, err);
	if (ret != PI_OK) {
		cJSON_Delete(o);
		return ret;
	}
	*out = o;
	return PI_OK;
}

#define MAX_PROVIDERS 1000

struct provider_stats {
	int64_t org;
	int64_t cases, on_time, late, open_stages, overdue, waiting;
	int64_t ttf_total, ttf_count, ttf_max; /* seconds from trigger to filing */
};

struct compliance_walk {
	pi_cases *cs;
	const struct pi_principal *who;
	int64_t now;
	struct provider_stats *p;
	size_t np;
	int overflow;
};

static int compliance_walk_case(void *arg, const struct case_data *d)
{
	struct compliance_walk *w = arg;
	struct provider_stats *ps = NULL;
	int64_t org = row_i64(d->row, "reporter_org");
	int counted = 0;

	if (!can_view(w->who, d->row))
		return 0;
	for (const cJSON *r = cJSON_GetObjectItem(d->row, "regimes")->child; r; r = r->next) {
		const struct pi_regime *rg = pi_regimes_find(w->cs->regimes, row_str(r, "regime"));
		struct pi_deadline_list list = {NULL, 0};
		struct timeline_buf b;
		struct pi_error e;
		if (row_i64(r, "recipient_org") != w->who->org_id || !rg)
			continue;
		if (!ps) {
			for (size_t i = 0; i < w->np; i++)
				if (w->p[i].org == org)
					ps = &w->p[i];
			if (!ps) {
				if (w->np >= MAX_PROVIDERS) {
					w->overflow = 1;
					return 1;
				}
				ps = &w->p[w->np++];
				memset(ps, 0, sizeof(*ps));
				ps->org = org;
			}
		}
		if (!counted) {
			ps->cases++;
			counted = 1;
		}
		if (compute(w->cs, d, rg, w->now, NULL, &list, &b, &e) != PI_OK)
			continue;
		for (size_t k = 0; k < list.count; k++) {
			const struct pi_deadline *dl = &list.items[k];
			switch (dl->state) {
			case PI_DEADLINE_FILED_ON_TIME: ps->on_time++; break;
			case PI_DEADLINE_FILED_LATE: ps->late++; break;
			case PI_DEADLINE_OPEN:
			case PI_DEADLINE_DUE_SOON: ps->open_stages++; break;
			case PI_DEADLINE_WAITING_REGULATOR:
				ps->open_stages++;
				ps->waiting++;
				break;
			case PI_DEADLINE_OVERDUE:
				ps->open_stages++;
				ps->overdue++;
				break;
			default: break;
			}
			if ((dl->state == PI_DEADLINE_FILED_ON_TIME ||
			            dl->state == PI_DEADLINE_FILED_LATE) &&
			        dl->triggered_at != PI_TIME_UNSET &&
			        dl->filed_at != PI_TIME_UNSET) {
				int64_t s = (dl->filed_at - dl->triggered_at) / 1000000;
				ps->ttf_total += s;
				ps->ttf_count++;
				if (s > ps->ttf_max)
					ps->ttf_max = s;
			}
		}
		pi_deadline_list_free(&list);
		timeline_buf_free(&b);
	}
	return 0;
}

pi_status pi_cases_compliance(
        pi_cases *cs, const struct pi_principal *who, cJSON **out, struct pi_error *err)
{
	struct compliance_walk w;
	cJSON *o, *arr;
	pi_status ret;

	*out = NULL;
	if (who->role != PI_ROLE_REGULATOR)
		return pi_error_set(err, PI_ERR_DENIED, "the compliance view is for regulators");
	memset(&w, 0, sizeof(w));
	w.cs = cs;
	w.who = who;
	w.now = pi_cases_now(cs);
	w.p = calloc(MAX_PROVIDERS, sizeof(*w.p));
	if (!w.p)
		return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
	ret = each_case(cs, compliance_walk_case, &w, err);
	if (ret == PI_OK && w.overflow)
		ret = pi_error_set(err, PI_ERR_TOOBIG, "more than %d providers", MAX_PROVIDERS);
	if (ret != PI_OK) {
		free(w.p);
		return ret;
	}
	o = cJSON_CreateObject();
	add_time(o, "now", w.now, NULL);
	add_org(cs, o, "regulator", who->org_id);
	arr = cJSON_AddArrayToObject(o, "providers");
	for (size_t i = 0; i < w.np; i++) {
		struct provider_stats *ps = &w.p[i];
		cJSON *po = cJSON_CreateObject();
		add_org(cs, po, "provider", ps->org);
		cJSON_AddNumberToObject(po, "cases", (double)ps->cases);
		cJSON_AddNumberToObject(po, "filings_on_time", (double)ps->on_time);
		cJSON_AddNumberToObject(po, "filings_late", (double)ps->late);
		cJSON_AddNumberToObject(po, "open_stages", (double)ps->open_stages);
		cJSON_AddNumberToObject(po, "waiting_for_regulator", (double)ps->waiting);
		cJSON_AddNumberToObject(po, "overdue_now", (double)ps->overdue);
		if (ps->ttf_count) {
			cJSON_AddNumberToObject(po, "time_to_file_avg_seconds",
			        (double)(ps->ttf_total / ps->ttf_count));
			cJSON_AddNumberToObject(
			        po, "time_to_file_max_seconds", (double)ps->ttf_max);
		} else {
			cJSON_AddNullToObject(po, "time_to_file_avg_seconds");
			cJSON_AddNullToObject(po, "time_to_file_max_seconds");
		}
		cJSON_AddItemToArray(arr, po);
	}
	free(w.p);
	*out = o;
	return PI_OK;
}

/* ---- sharing ---- */

static cJSON *stix_base(const char *type, const char *stamp, enum pi_tlp tlp, const char *creator)
{
	cJSON *o = cJSON_CreateObject(), *marks;
	char uuid[37], id[80];

	pi_uuid4(uuid);
	snprintf(id, sizeof(id), "%s--%s", type, uuid);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "created", stamp);
	cJSON_AddStringToObject(o, "modified", stamp);
	if (creator && *creator)
		cJSON_AddStringToObject(o, "created_by_ref", creator);
	marks = cJSON_AddArrayToObject(o, "object_marking_refs");
	cJSON_AddItemToArray(marks, cJSON_CreateString(pi_tlp_marking_id(tlp)));
	return o;
}

pi_status pi_case_share(pi_cases *cs, const struct pi_principal *who, int64_t id, const cJSON *body,
        cJSON **out, struct pi_error *err)
{
	static const char *const allowed[] = {"collection", "indicators", "tlp", NULL};
	cJSON *row = NULL, *inds = NULL, *objs = NULL, *refs, *picked;
	const char *coll_id = NULL, *tlp_text = NULL;
	struct pi_collection coll;
	struct pi_ingest_result res;
	struct pi_org org;
	enum pi_tlp tlp;
	char stamp[PI_TIME_TEXT_LEN], actor[96], target[32], detail[256],
	        first_seen[PI_TIME_TEXT_LEN];
	int n;
	pi_status ret;

	*out = NULL;
	memset(&res, 0, sizeof(res));
	ret = load_visible(cs, who, id, &row, err);
	if (ret != PI_OK)
		return ret;
	if (!can_write(who, row)) {
		ret = pi_error_set(err, PI_ERR_DENIED,
		        "only the reporting organisation's analysts share from a case");
		goto out;
	}
	ret = check_members(body, allowed, err);
	if (ret == PI_OK)
		ret = get_text(body, "collection", true, 64, &coll_id, err);
	if (ret == PI_OK)
		ret = get_text(body, "tlp", false, 32, &tlp_text, err);
	if (ret != PI_OK)
		goto out;
	tlp = (enum pi_tlp)row_i64(row, "tlp");
	if (tlp_text) {
		enum pi_tlp asked;
		if (pi_tlp_parse(tlp_text, &asked) != 0 || asked == PI_TLP_UNMARKED) {
			ret = pi_error_set(err, PI_ERR_INVALID,
			        "tlp: '%.32s' is not one of clear, green, amber, amber+strict, red",
			        tlp_text);
			goto out;
		}
		if (asked < tlp) {
			ret = pi_error_set(err, PI_ERR_INVALID,
			        "tlp: %s is looser than the case's %s; share under %s or stricter",
			        pi_tlp_label(asked), pi_tlp_label(tlp), pi_tlp_label(tlp));
			goto out;
		}
		tlp = asked;
	}
	if (pi_store_collection_find(cs->store, coll_id, &coll, err) != PI_OK ||
	        !pi_access_can_write_scope(who, coll.kind, coll.scope_id)) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "collection: '%.64s' is not a collection you may add to", coll_id);
		goto out;
	}
	inds = cJSON_Parse(row_str(row, "indicators"));
	n = cJSON_GetArraySize(inds);
	picked = cJSON_GetObjectItemCaseSensitive(body, "indicators");
	if (picked && (!cJSON_IsArray(picked) || cJSON_GetArraySize(picked) > PI_CASE_MAX_LIST)) {
		ret = pi_error_set(err, PI_ERR_INVALID,
		        "indicators: an array of indexes into the case's indicators (0..%d)",
		        n - 1);
		goto out;
	}
	if (n == 0 || (picked && cJSON_GetArraySize(picked) == 0)) {
		ret = pi_error_set(err, PI_ERR_INVALID, "the case has no indicators to share");
		goto out;
	}
	ret = pi_store_org_get(cs->store, who->org_id, &org, err);
	if (ret != PI_OK)
		goto out;
	pi_time_format_us(pi_cases_now(cs), stamp);
	pi_time_format_us(row_i64(row, "discovered_at"), first_seen);
	objs = cJSON_CreateArray();
	refs = cJSON_CreateArray();
	for (int i = 0; i < n; i++) {
		const cJSON *ind = cJSON_GetArrayItem(inds, i);
		cJSON *io, *so, *where;
		bool chosen = !picked;
		for (const cJSON *p = picked ? picked->child : NULL; p; p = p->next) {
			if (!cJSON_IsNumber(p) || p->valuedouble < 0 || p->valuedouble >= n ||
			        p->valuedouble != (int)p->valuedouble) {
				cJSON_Delete(refs);
				ret = pi_error_set(err, PI_ERR_INVALID,
				        "indicators: every entry must be an index from 0 to %d",
				        n - 1);
				goto out;
			}
			if ((int)p->valuedouble == i)
				chosen = true;
		}
		if (!chosen)
			continue;
		io = stix_base("indicator", stamp, tlp, org.identity_id);
		cJSON_AddStringToObject(io, "name", row_str(ind, "name"));
		if (row_str(ind, "description")[0])
			cJSON_AddStringToObject(io, "description", row_str(ind, "description"));
		cJSON_AddStringToObject(io, "pattern", row_str(ind, "pattern"));
		cJSON_AddStringToObject(io, "pattern_type", "stix");
		cJSON_AddStringToObject(io, "valid_from", stamp);
		so = stix_base("sighting", stamp, tlp, org.identity_id);
		cJSON_AddStringToObject(so, "sighting_of_ref", row_str(io, "id"));
		cJSON_AddNumberToObject(so, "count", 1);
		cJSON_AddStringToObject(so, "first_seen", first_seen);
		where = cJSON_AddArrayToObject(so, "where_sighted_refs");
		cJSON_AddItemToArray(where, cJSON_CreateString(org.identity_id));
		cJSON_AddItemToArray(refs, cJSON_CreateString(row_str(io, "id")));
		cJSON_AddItemToArray(refs, cJSON_CreateString(row_str(so, "id")));
		cJSON_AddItemToArray(objs, io);
		cJSON_AddItemToArray(objs, so);
	}
	{
		cJSON *rep = stix_base("report", stamp, tlp, org.identity_id), *types;
		char desc[256];
		cJSON_AddStringToObject(rep, "name", row_str(row, "title"));
		snprintf(desc, sizeof(desc),
		        "Incident summary shared from a POST-ISAC case: %s / %s, "
		        "severity %s.",
		        row_str(row, "category_class"), row_str(row, "category_type"),
		        row_str(row, "severity"));
		cJSON_AddStringToObject(rep, "description", desc);
		types = cJSON_AddArrayToObject(rep, "report_types");
		cJSON_AddItemToArray(types, cJSON_CreateString("incident"));
		cJSON_AddStringToObject(rep, "published", stamp);
		cJSON_AddItemToObject(rep, "object_refs", refs);
		cJSON_AddItemToArray(objs, rep);
	}
	ret = pi_ingest_objects(cs->store, &coll, who, objs, &res, err);
	if (ret != PI_OK)
		goto out;
	pi_cases_actor(who, actor, sizeof(actor));
	snprintf(target, sizeof(target), "case-%lld", (long long)id);
	snprintf(detail, sizeof(detail), "{\"collection\":\"%.40s\",\"tlp\":\"%s\",\"objects\":%d}",
	        coll.uuid, pi_tlp_name(tlp), res.success);
	pi_audit_append(cs->store, actor, "case.share", target, detail);
	*out = cJSON_CreateObject();
	cJSON_AddStringToObject(*out, "collection", coll.uuid);
	cJSON_AddStringToObject(*out, "tlp", pi_tlp_name(tlp));
	cJSON_AddNumberToObject(*out, "total", res.total);
	cJSON_AddNumberToObject(*out, "success", res.success);
	cJSON_AddNumberToObject(*out, "failure", res.failure);
	{
		cJSON *ids = cJSON_AddArrayToObject(*out, "objects");
		for (const cJSON *ob = objs->child; ob; ob = ob->next)
			cJSON_AddItemToArray(ids, cJSON_CreateString(row_str(ob, "id")));
		cJSON *det = res.details ? cJSON_Parse(res.details) : NULL;
		if (det)
			cJSON_AddItemToObject(*out, "details", det);
	}
out:
	free(res.details);
	cJSON_Delete(objs);
	cJSON_Delete(inds);
	cJSON_Delete(row);
	return ret;
}

/* ---- standing documents ---- */

/* The regime that lists document as a standing document applying to org_type. */
static const struct pi_regime *doc_regime(pi_cases *cs, const char *document, const char *org_type)
{
	for (size_t i = 0; i < pi_regimes_count(cs->regimes); i++) {
		const struct pi_regime *rg = pi_regimes_get(cs->regimes, i);
		bool applies = false;
		for (size_t a = 0; a < rg->applies_count; a++)
			if (strcmp(rg->applies_to[a], org_type) == 0)
				applies = true;
		for (size_t k = 0; applies && k < rg->document_count; k++)
			if (strcmp(rg->documents[k].id, document) == 0)
				return rg;
	}
	return NULL;
}

pi_status pi_provider_doc_put(pi_cases *cs, const struct pi_principal *who, const char *org_slug,
        const char *document, const cJSON *body, cJSON **out, struct pi_error *err)
{
	static const char *const allowed[] = {"content", "recipient", NULL};
	struct pi_org org, rec;
	const struct pi_regime *rg;
	const char *content = NULL, *recipient = NULL;
	char sha[65], actor[96];
	int64_t did = 0;
	pi_status ret;

	*out = NULL;
	if (pi_store_org_find(cs->store, org_slug, &org, err) != PI_OK || org.id != who->org_id)
		return pi_error_set(err, PI_ERR_NOTFOUND, "no such organisation");
	if (!reporter_role(who->role))
		return pi_error_set(err, PI_ERR_DENIED,
		        "only the organisation's reporters, analysts and org-admins file its "
		        "documents");
	rg = doc_regime(cs, document, org.type);
	if (!rg)
		return pi_error_set(err, PI_ERR_INVALID,
		        "no regime that applies to a %s keeps a standing document '%.64s'",
		        org.type, document);
	ret = check_members(body, allowed, err);
	if (ret == PI_OK)
		ret = get_text(body, "content", true, PI_CASE_MAX_CONTENT, &content, err);
	if (ret == PI_OK)
		ret = get_text(body, "recipient", true, 63, &recipient, err);
	if (ret != PI_OK)
		return ret;
	if (pi_store_org_find(cs->store, recipient, &rec, err) != PI_OK ||
	        strcmp(rec.type, "regulator") != 0)
		return pi_error_set(err, PI_ERR_INVALID,
		        "recipient: '%.63s' is not a regulator organisation of the hub", recipient);
	pi_receipt_sha256_hex(content, strlen(content), sha);
	pi_cases_actor(who, actor, sizeof(actor));
	ret = pi_store_provider_doc_add(cs->store, org.id, rec.id, rg->id, document, content, sha,
	        who->user_id, pi_cases_now(cs), actor, &did, err);
	if (ret != PI_OK)
		return ret;
	*out = cJSON_CreateObject();
	cJSON_AddNumberToObject(*out, "id", (double)did);
	cJSON_AddStringToObject(*out, "regime", rg->id);
	cJSON_AddStringToObject(*out, "document", document);
	cJSON_AddStringToObject(*out, "recipient", rec.slug);
	cJSON_AddStringToObject(*out, "content_sha256", sha);
	return PI_OK;
}

pi_status pi_provider_docs(pi_cases *cs, const struct pi_principal *who, const char *org_slug,
        cJSON **out, struct pi_error *err)
{
	struct pi_org org;
	cJSON *rows = NULL, *arr;
	int any = 0;
	pi_status ret;

	*out = NULL;
	if (pi_store_org_find(cs->store, org_slug, &org, err) != PI_OK)
		return pi_error_set(err, PI_ERR_NOTFOUND, "no such organisation");
	ret = pi_store_provider_docs(cs->store, org.id, &rows, err);
	if (ret != PI_OK)
		return ret;
	*out = cJSON_CreateObject();
	cJSON_AddStringToObject(*out, "provider", org.slug);
	arr = cJSON_AddArrayToObject(*out, "documents");
	for (const cJSON *r = rows->child; r; r = r->next) {
		char rec[32];
		struct pi_acl acl = {
		        PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER, org.id, row_i64(r, "filed_by"), rec};
		cJSON *d;
		snprintf(rec, sizeof(rec), "o%lld", (long long)row_i64(r, "recipient_org"));
		if (!pi_access_allows(who, &acl, PI_PURPOSE_VIEW))
			continue;
		any = 1;
		d = cJSON_CreateObject();
		cJSON_AddNumberToObject(d, "id", (double)row_i64(r, "id"));
		cJSON_AddStringToObject(d, "regime", row_str(r, "regime"));
		cJSON_AddStringToObject(d, "document", row_str(r, "document"));
		add_org(cs, d, "recipient", row_i64(r, "recipient_org"));
		cJSON_AddStringToObject(d, "content", row_str(r, "content"));
		cJSON_AddStringToObject(d, "content_sha256", row_str(r, "content_sha256"));
		add_user(cs, d, "filed_by", row_i64(r, "filed_by"));
		add_time(d, "filed_at", row_i64(r, "filed_at"), NULL);
		cJSON_AddItemToArray(arr, d);
	}
	cJSON_Delete(rows);
	if (!any && org.id != who->org_id) {
		cJSON_Delete(*out);
		*out = NULL;
		return pi_error_set(err, PI_ERR_NOTFOUND, "no such organisation");
	}
	return PI_OK;
}
