/* store_web.h - storage of the web interface: browser sessions and advisories
 * (tables in migrations_web.c). Used by src/http/session.c and src/http/api_web.c.
 *
 * Sessions are keyed by the SHA-256 of the session id; the id itself is never stored.
 * Advisories are Markdown documents with a TLP; who may read one is decided by the caller
 * through pi_access_allows, never here.
 */
#ifndef PI_STORE_STORE_WEB_H
#define PI_STORE_STORE_WEB_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"

#define PI_WEB_CSRF_LEN 43 /* base64url of 32 random bytes, no padding */
#define PI_WEB_ADVISORY_TITLE_MAX 300
#define PI_WEB_ADVISORY_BODY_MAX (200 * 1024)
#define PI_WEB_ADVISORY_LIST_MAX 500

struct pi_web_session {
	int64_t user_id;
	char csrf[PI_WEB_CSRF_LEN + 1];
	int64_t created_at; /* microseconds UTC */
	int64_t seen_at;
	int64_t expires_at; /* absolute expiry */
};

/* Stores a new session under hash (the SHA-256 of its id). */
pi_status pi_store_web_session_put(pi_store *store, const unsigned char hash[32],
        const struct pi_web_session *s, struct pi_error *err);
/* Reads a session; PI_ERR_NOTFOUND if there is none under hash. */
pi_status pi_store_web_session_get(pi_store *store, const unsigned char hash[32],
        struct pi_web_session *out, struct pi_error *err);
/* Records activity (the idle clock restarts at seen_at). */
pi_status pi_store_web_session_touch(
        pi_store *store, const unsigned char hash[32], int64_t seen_at, struct pi_error *err);
/* Deletes one session (no error if it is already gone). */
pi_status pi_store_web_session_delete(
        pi_store *store, const unsigned char hash[32], struct pi_error *err);
/* Deletes sessions whose absolute expiry has passed or that were idle since before
 * idle_before; *removed (may be NULL) gets how many. */
pi_status pi_store_web_session_purge(
        pi_store *store, int64_t now, int64_t idle_before, int *removed, struct pi_error *err);

struct pi_web_advisory {
	int64_t id;
	char kind[16]; /* "advisory" or "best-practice" */
	char *title;   /* owned by the struct: pi_web_advisory_clear frees */
	char *body;    /* Markdown */
	int tlp;       /* enum pi_tlp */
	int64_t org_id;
	int64_t user_id;
	int64_t created_at;
};

/* Frees title and body and zeroes the struct. */
void pi_web_advisory_clear(struct pi_web_advisory *a);

/* Adds an advisory (a->id is ignored); *id gets the new id. */
pi_status pi_store_web_advisory_add(
        pi_store *store, const struct pi_web_advisory *a, int64_t *id, struct pi_error *err);
/* Reads one; PI_ERR_NOTFOUND if there is no such id. out is the caller's to clear. */
pi_status pi_store_web_advisory_get(
        pi_store *store, int64_t id, struct pi_web_advisory *out, struct pi_error *err);
/* Calls fn for each advisory, newest first, at most PI_WEB_ADVISORY_LIST_MAX rows read; the
 * struct is valid only during the call (body is NULL: lists do not carry it). fn returns
 * nonzero to stop. */
pi_status pi_store_web_advisory_each(pi_store *store,
        int (*fn)(void *arg, const struct pi_web_advisory *a), void *arg, struct pi_error *err);

#endif
