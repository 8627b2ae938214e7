/* store_cases.h - storage of incident cases, filings, attachments, reminders and the
 * hash-chained audit log (tables: src/store/migrations_cases.c).
 *
 * Callers are src/cases (the case service) and, for pi_audit_append, any module that
 * changes something (TAXII POST/DELETE, the admin API). Nothing here decides access: the
 * case service asks pi_access_allows before it reads or writes.
 *
 * Results. Reads return cJSON trees the caller frees with cJSON_Delete: one object per row,
 * members named like the columns (times are integer microseconds since the epoch, null when
 * unknown; JSON-array columns such as services are returned as text). Every write is one
 * durable transaction that also appends its audit entry, so a change and its audit entry
 * are stored together or not at all.
 *
 * Audit chain. Entries are appended under the write lock (BEGIN IMMEDIATE): the new entry
 * takes seq = last seq + 1 and prev_hash = the last entry's hash (core/audit.h computes
 * the hash). The table keeps storage order (pos) apart from seq, so verification can see
 * an entry moved out of its place.
 */
#ifndef PI_STORE_STORE_CASES_H
#define PI_STORE_STORE_CASES_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/error.h"
#include "store/store.h"

#define PI_STORE_TIME_NULL INT64_MIN /* an unknown time (stored as NULL) */
#define PI_STORE_MAX_CASES 100000    /* cases listed at once */
#define PI_STORE_MAX_ROWS 10000      /* filings, limits, requests, attachments of one case */

/* The fields of a case a reporter sets (create) or corrects (update). Strings are
 * borrowed; JSON-array fields are JSON text. */
struct pi_case_fields {
	int64_t reporter_org;
	int64_t reporter_user;
	const char *title;
	const char *description;
	int64_t discovered_at; /* PI_STORE_TIME_NULL when unknown */
	int64_t aware_at;
	int64_t occurred_at;
	int64_t handled_at;
	const char *location;
	const char *services; /* JSON array of strings */
	const char *category_class;
	const char *category_type;
	const char *severity;
	const char *revenue_risk;
	int tlp; /* enum pi_tlp */
	const char *status;
	const char *users;      /* JSON array of named user ids (numbers) */
	const char *stix_refs;  /* JSON array of STIX ids */
	const char *indicators; /* JSON array of {name, pattern, ...} */
};

/* One regime a new case runs under. */
struct pi_case_regime_in {
	const char *regime;
	int64_t recipient_org;
};

/* Creates a case with its regimes and the first move ("" -> fields->status) at time at.
 * actor and detail go to the audit entry. *id receives the new case id. */
pi_status pi_store_case_create(pi_store *store, const struct pi_case_fields *fields,
        const struct pi_case_regime_in *regimes, size_t nregimes, int64_t at, const char *actor,
        const char *detail, int64_t *id, struct pi_error *err);

/* Rewrites the case's mutable fields (all of fields except the reporter). When
 * move_from is not NULL a status move from move_from to fields->status by by_user at at is
 * recorded; the update fails with PI_ERR_CONFLICT if the stored status is no longer
 * move_from. action/detail go to the audit entry. */
pi_status pi_store_case_update(pi_store *store, int64_t id, const struct pi_case_fields *fields,
        const char *move_from, int64_t by_user, int64_t at, const char *actor, const char *action,
        const char *detail, struct pi_error *err);

/* Adds a regime to an existing case. PI_ERR_EXISTS if the case already runs under it. */
pi_status pi_store_case_add_regime(pi_store *store, int64_t id,
        const struct pi_case_regime_in *regime, int64_t at, const char *actor,
        struct pi_error *err);

/* The case row (PI_ERR_NOTFOUND if none) with "regimes" [{regime, recipient_org, added_at}]
 * and "moves" [{from_status, to_status, by_user, at}] members added. */
pi_status pi_store_case_get(pi_store *store, int64_t id, cJSON **out, struct pi_error *err);

/* Every case id, ascending (at most PI_STORE_MAX_CASES). *ids is the caller's (free). */
pi_status pi_store_case_ids(pi_store *store, int64_t **ids, size_t *n, struct pi_error *err);

/* ---- filings ---- */
struct pi_filing_in {
	int64_t case_id;
	const char *regime;
	const char *stage;
	const char *content; /* JSON text */
	const char *content_sha256;
	int64_t filed_at;
	int64_t filed_by;
	int64_t supersedes; /* 0: an original */
	int64_t due_at;     /* PI_STORE_TIME_NULL when the stage had no due time */
};

/* Builds the receipt of the filing that will get id filing_id; *receipt is malloc'ed and
 * handed to the store (which frees it). */
typedef pi_status (*pi_filing_sign_fn)(
        void *arg, int64_t filing_id, char **receipt, struct pi_error *err);

/* Stores a filing (immutable: the table refuses UPDATE and DELETE) and its receipt in one
 * transaction with its audit entry. *id gets the filing id; *receipt (may be NULL) a copy
 * of the receipt the caller frees. PI_ERR_NOTFOUND if supersedes names no filing of the
 * same case, regime and stage. */
pi_status pi_store_filing_add(pi_store *store, const struct pi_filing_in *filing,
        pi_filing_sign_fn sign, void *sign_arg, const char *actor, int64_t *id, char **receipt,
        struct pi_error *err);
/* Filings of a case by id, each {id, case_id, regime, stage, content, content_sha256,
 * filed_at, filed_by, supersedes, due_at, receipt}. */
pi_status pi_store_case_filings(
        pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err);

/* ---- regulator limits and requests ---- */
pi_status pi_store_case_limit_add(pi_store *store, int64_t case_id, const char *regime,
        const char *stage, const char *unit, int value, int64_t due_at, int64_t by_user, int64_t at,
        const char *actor, struct pi_error *err);
pi_status pi_store_case_limits(pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err);
pi_status pi_store_case_request_add(pi_store *store, int64_t case_id, const char *regime,
        const char *stage, int64_t requested_at, int64_t due_at, const char *note, int64_t by_user,
        const char *actor, int64_t *id, struct pi_error *err);
pi_status pi_store_case_requests(
        pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err);

/* ---- attachments ---- */
/* Stores data under its SHA-256 (once) and links it to the case. */
pi_status pi_store_attachment_add(pi_store *store, int64_t case_id, const char *sha256,
        const char *filename, const char *media_type, const void *data, size_t size,
        int64_t by_user, int64_t at, const char *actor, int64_t *id, struct pi_error *err);
/* Attachments of a case (metadata only): {id, sha256, filename, media_type, size, added_by,
 * added_at}. */
pi_status pi_store_case_attachments(
        pi_store *store, int64_t case_id, cJSON **out, struct pi_error *err);
/* One attachment of the case: *meta as above, *data malloc'ed (caller frees). */
pi_status pi_store_attachment_get(pi_store *store, int64_t case_id, int64_t attachment_id,
        cJSON **meta, void **data, size_t *size, struct pi_error *err);

/* ---- standing documents of a provider (39 CFR 501.11(d)) ---- */
pi_status pi_store_provider_doc_add(pi_store *store, int64_t org_id, int64_t recipient_org,
        const char *regime, const char *document, const char *content, const char *content_sha256,
        int64_t by_user, int64_t at, const char *actor, int64_t *id, struct pi_error *err);
/* Every version of every document of the organisation, oldest first. */
pi_status pi_store_provider_docs(
        pi_store *store, int64_t org_id, cJSON **out, struct pi_error *err);

/* ---- reminders: each sent once ---- */
struct pi_reminder_key {
	int64_t case_id;
	const char *regime;
	const char *stage;
	int instance;
	int64_t due_at;
	const char *kind;    /* "before-24h", "overdue", ... */
	const char *channel; /* "webhook", "email:ADDRESS" */
};
/* Sends the reminder once: in one transaction, claims key (PI_ERR_EXISTS, nothing sent,
 * if it was sent before), calls send(arg) and commits the claim only if send returned
 * PI_OK. A failed send leaves no record, so the next pass tries again. */
pi_status pi_store_reminder_once(pi_store *store, const struct pi_reminder_key *key, int64_t at,
        pi_status (*send)(void *arg, struct pi_error *err), void *arg, struct pi_error *err);
/* Number of reminders recorded for a case (0 = all cases). */
pi_status pi_store_reminders_count(
        pi_store *store, int64_t case_id, int64_t *count, struct pi_error *err);

/* ---- audit log ---- */
/* Appends one entry (its own transaction): actor ("user:alice", "system"), action
 * ("case.create", "taxii.post"), target ("case-4"), detail (JSON text or NULL). Failures
 * are logged and returned. */
pi_status pi_audit_append(pi_store *store, const char *actor, const char *action,
        const char *target, const char *detail);

/* pi_audit_append with actor "user:<username>" (a one-line hook for handlers). */
pi_status pi_audit_append_by(pi_store *store, const char *username, const char *action,
        const char *target, const char *detail);

/* Records that username was served count TLP:RED object versions of a collection in one
 * request (nothing when count is 0). */
void pi_audit_red_reads(pi_store *store, const char *username, int64_t collection_id, size_t count);

/* Walks the log in storage order and verifies it (core/audit.h). */
pi_status pi_store_audit_verify(pi_store *store, const struct pi_audit_expect *expect,
        struct pi_audit_report *report, struct pi_error *err);

#endif
