/* case.h - the case service: incident cases, their regimes, filings with signed receipts,
 * regulator limits and requests, attachments, deadlines, compliance and sharing.
 *
 * One pi_cases per process (the HTTP handlers find it with pi_cases_current; the CLI
 * opens its own). It owns the loaded regimes (data/regimes), the RSIT taxonomy
 * (data/rsit.json), the hub's receipt key and the clock. Everything persistent lives in
 * the store (store/store_cases.h).
 *
 * Case lifecycle (status), each move recorded with who and when:
 *
 *     new --> open --> contained --> closed
 *
 * pi_case_move goes forward only (skipping is allowed, going back is not: 409). Moving to
 * contained or closed sets handled_at (the regimes' "handled" trigger) to the move's time
 * unless the reporter has set it. Trigger times (discovered_at, aware_at, handled_at) can
 * be corrected with pi_case_patch; deadlines are recomputed from the stored triggers on
 * every read, so a correction moves them at once.
 *
 * Access. A case is read through the one decision, pi_access_allows, with the acl
 *   scope = community, tlp = max(case TLP, AMBER), owner = the reporting org and user,
 *   recipients = the regulator organisations the case is addressed to + named users.
 * (The AMBER floor keeps a TLP:CLEAR or GREEN case - whose TLP says how its content may be
 * shared onward - inside its reporter and addressees; see docs/cases.md.) Whoever cannot
 * read a case gets PI_ERR_NOTFOUND, exactly as for a case that does not exist. Writing
 * (patch, move, file, attach, share) additionally needs the reporting organisation and a
 * role of reporter, analyst, org-admin or admin; regulator actions (limit, request) need
 * role regulator in the organisation the regime is addressed to.
 *
 * Filings are immutable; a correction is a new filing with "supersedes". The content hash
 * is SHA-256 over the canonical JSON (cases/receipt.h) of the content. The receipt's
 * due_at is the due time of the stage instance the filing satisfies (null for corrections,
 * whose timeliness is that of the original).
 *
 * Time zones (display only): pi_cases_local_time formats a UTC time in an IANA zone by
 * switching TZ under a process-wide mutex around tzset/localtime_r (no other code in the
 * hub reads TZ); the zone name is checked against the system zoneinfo files first.
 */
#ifndef PI_CASES_CASE_H
#define PI_CASES_CASE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cases/regime.h"
#include "cases/taxonomy.h"
#include "core/access.h"
#include "core/error.h"
#include "store/store.h"

#define PI_CASE_MAX_BODY (1024 * 1024)   /* bytes of a case or filing JSON body */
#define PI_CASE_MAX_CONTENT (256 * 1024) /* bytes of a filing's canonical content */
#define PI_CASE_MAX_TEXT 20000           /* bytes of title/description/location */
#define PI_CASE_MAX_LIST 100             /* services, users, stix_refs, indicators, regimes */
#define PI_CASE_ATTACHMENT_DEFAULT_MAX (10u << 20)
#define PI_CASE_MAX_LEADS 8

struct pi_cases_config {
	char data_dir[1024]; /* "": pi_cases_default_data_dir */
	char key_file[1024]; /* "": receipt-key.hex next to the database */
	bool test_clock;     /* accept pi_cases_set_now (tests only) */
	size_t attachment_max;
	int64_t due_soon_lead; /* microseconds */
	/* reminders (cases/remind.h) */
	int reminder_interval;    /* seconds between passes; 0: no reminder thread */
	char reminder_leads[128]; /* "24h,1h": before-due reminders */
	char webhook_url[512];
	char webhook_secret[256];
	char smtp_url[512];
	char smtp_from[256];
};

typedef struct pi_cases pi_cases;

void pi_cases_config_defaults(struct pi_cases_config *cfg);

/* The data directory: $POSTISAC_DATA_DIR, else ./data if it has regimes, else the source
 * tree's data/ next to the binary (build/X/src/cli/postisac -> ../../../../data), else
 * /usr/share/postisac. Writes it into out. */
void pi_cases_default_data_dir(char *out, size_t size);

/* Loads regimes and taxonomy from cfg->data_dir (errors name the file and property) and the
 * receipt key (created 0600 on first use). db_url locates the default key file. *out is
 * the caller's (pi_cases_close, after every user of it has stopped). */
pi_status pi_cases_open(pi_store *store, const char *db_url, const struct pi_cases_config *cfg,
        pi_cases **out, struct pi_error *err);
void pi_cases_close(pi_cases *cases);

/* The process's service for the HTTP handlers (NULL when none is running). */
void pi_cases_set_current(pi_cases *cases);
pi_cases *pi_cases_current(void);

pi_store *pi_cases_store(pi_cases *cases);
const pi_regimes *pi_cases_regimes(pi_cases *cases);
const struct pi_cases_config *pi_cases_config_of(pi_cases *cases);

/* Now: the real clock, or the test clock once set. */
int64_t pi_cases_now(pi_cases *cases);
/* Sets the test clock; PI_ERR_DENIED unless the service was opened with test_clock. */
pi_status pi_cases_set_now(pi_cases *cases, int64_t now, struct pi_error *err);
bool pi_cases_test_clock(pi_cases *cases);

/* The public receipt key as {"alg","key_id","public_key"}; caller frees. */
cJSON *pi_cases_key_json(pi_cases *cases);

/* Builds the principal of a user (for the CLI's --as). */
pi_status pi_cases_principal(
        pi_store *store, const char *username, struct pi_principal *out, struct pi_error *err);

/* Formats us in zone tz ("" or NULL: UTC) as "YYYY-MM-DDTHH:MM:SS+HH:MM". PI_ERR_INVALID
 * for an unknown zone name. */
pi_status pi_cases_local_time(
        const char *tz, int64_t us, char *out, size_t size, struct pi_error *err);

/* Operations. who is the caller; tz (may be NULL) the reader's zone for *_local fields.
 * Results are cJSON trees the caller frees. PI_ERR_NOTFOUND: no such case or not visible;
 * PI_ERR_DENIED: visible but not allowed; PI_ERR_INVALID: bad input (err says which);
 * PI_ERR_CONFLICT: not possible in the case's state. */
pi_status pi_case_create(pi_cases *cases, const struct pi_principal *who, const cJSON *body,
        const char *tz, cJSON **out, struct pi_error *err);
pi_status pi_case_view(pi_cases *cases, const struct pi_principal *who, int64_t id, const char *tz,
        cJSON **out, struct pi_error *err);
pi_status pi_case_list(
        pi_cases *cases, const struct pi_principal *who, cJSON **out, struct pi_error *err);
pi_status pi_case_patch(pi_cases *cases, const struct pi_principal *who, int64_t id,
        const cJSON *body, const char *tz, cJSON **out, struct pi_error *err);
pi_status pi_case_move(pi_cases *cases, const struct pi_principal *who, int64_t id,
        const char *to_status, const char *tz, cJSON **out, struct pi_error *err);
/* Files a stage: body {regime, stage, content: {...}, supersedes?: filing id}. *receipt
 * is the signed receipt document (caller frees with free()). */
pi_status pi_case_file(pi_cases *cases, const struct pi_principal *who, int64_t id,
        const cJSON *body, char **receipt, struct pi_error *err);
/* Regulator: body {regime, stage, unit: hours|days|months, value} or {regime, stage,
 * due_at}. */
pi_status pi_case_set_limit(pi_cases *cases, const struct pi_principal *who, int64_t id,
        const cJSON *body, const char *tz, cJSON **out, struct pi_error *err);
/* Regulator: body {regime, stage?, due_at?, note?}; stage defaults to the regime's first
 * request-triggered stage. */
pi_status pi_case_request(pi_cases *cases, const struct pi_principal *who, int64_t id,
        const cJSON *body, const char *tz, cJSON **out, struct pi_error *err);
/* Adds an attachment: content checked by magic bytes (PNG and JPEG structurally), size
 * capped, file name checked (no paths). declared_type may be NULL. */
pi_status pi_case_attach(pi_cases *cases, const struct pi_principal *who, int64_t id,
        const char *filename, const char *declared_type, const void *data, size_t len, cJSON **out,
        struct pi_error *err);
/* Reads an attachment (audited). *data is malloc'ed (caller frees). */
pi_status pi_case_attachment(pi_cases *cases, const struct pi_principal *who, int64_t id,
        int64_t attachment_id, cJSON **meta, void **data, size_t *len, struct pi_error *err);
/* Due soon and overdue stages of the cases the caller reports. */
pi_status pi_cases_deadlines(pi_cases *cases, const struct pi_principal *who, const char *tz,
        cJSON **out, struct pi_error *err);
/* Regulator's compliance view, per provider. */
pi_status pi_cases_compliance(
        pi_cases *cases, const struct pi_principal *who, cJSON **out, struct pi_error *err);
/* Shares chosen indicators: body {collection: uuid, indicators?: [index, ...], tlp?}. */
pi_status pi_case_share(pi_cases *cases, const struct pi_principal *who, int64_t id,
        const cJSON *body, cJSON **out, struct pi_error *err);
/* Standing documents (39 CFR 501.11(d)) of the provider org_slug: put needs a writer of
 * that org, body {content: text, recipient: regulator org slug}; get is for the org and
 * the recipient. document is the regime's standing document id. */
pi_status pi_provider_doc_put(pi_cases *cases, const struct pi_principal *who, const char *org_slug,
        const char *document, const cJSON *body, cJSON **out, struct pi_error *err);
pi_status pi_provider_docs(pi_cases *cases, const struct pi_principal *who, const char *org_slug,
        cJSON **out, struct pi_error *err);

/* The deadlines of one case for all its regimes at now (used by reminders): calls fn for
 * each stage instance with a due time. */
struct pi_case_due {
	int64_t case_id;
	int64_t reporter_user;
	const char *title;
	const char *regime;
	const char *stage;
	const char *stage_title;
	unsigned instance;
	const char *state;
	int64_t due_at;
};
pi_status pi_cases_each_due(pi_cases *cases, int64_t now,
        int (*fn)(void *arg, const struct pi_case_due *due), void *arg, struct pi_error *err);

/* "user:NAME" for audit entries. */
void pi_cases_actor(const struct pi_principal *who, char *out, size_t size);

#endif
