/* session.h - browser sessions of the web interface, their CSRF tokens, and the log-in
 * throttle.
 *
 * A session id is 32 random bytes (base64url, 43 characters) given to the browser in the
 * cookie PI_SESSION_COOKIE (HttpOnly, SameSite=Strict, Secure when the hub serves TLS). The
 * store keeps only its SHA-256. A session ends PI_SESSION_IDLE_US after its last use or
 * PI_SESSION_MAX_US after log-in, whichever comes first, or at log-out. Logging in always
 * makes a new session (the old one, if the browser sent one, is deleted): ids are rotated.
 *
 * CSRF. Every session has its own random token. A request authenticated by the cookie with
 * a method that changes state (anything but GET, HEAD, OPTIONS) must carry the token in the
 * X-CSRF-Token header; requests with Authorization (Bearer, Basic) do not use the cookie and
 * need no token.
 *
 * Throttle. Failed log-ins are counted per user name and per client address in fixed
 * in-memory tables; PI_LOGIN_MAX_USER_FAILS failures for one name (or PI_LOGIN_MAX_IP_FAILS
 * from one address) within PI_LOGIN_WINDOW_US lock further attempts out until the window
 * ends. A success clears the name's count. The tables are per process.
 */
#ifndef PI_HTTP_SESSION_H
#define PI_HTTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "store/store.h"
#include "store/store_web.h"

#define PI_SESSION_COOKIE "pi_session"
#define PI_SESSION_ID_LEN 43
#define PI_SESSION_IDLE_US (30LL * 60 * 1000000)
#define PI_SESSION_MAX_US (12LL * 3600 * 1000000)
#define PI_LOGIN_MAX_USER_FAILS 5
#define PI_LOGIN_MAX_IP_FAILS 20
#define PI_LOGIN_WINDOW_US (15LL * 60 * 1000000)

struct pi_request;
struct pi_user;

/* Creates a session for user_id at now: writes the id for the cookie into id and the
 * session (with its CSRF token) into *out. */
pi_status pi_session_create(pi_store *store, int64_t user_id, int64_t now,
        char id[PI_SESSION_ID_LEN + 1], struct pi_web_session *out, struct pi_error *err);
/* Looks the id up: PI_OK with *out if it is valid at now (and records the use),
 * PI_ERR_NOTFOUND if unknown, malformed or expired (an expired one is deleted). */
pi_status pi_session_check(pi_store *store, const char *id, int64_t now, struct pi_web_session *out,
        struct pi_error *err);
/* Ends a session (no error if it does not exist). */
pi_status pi_session_destroy(pi_store *store, const char *id, struct pi_error *err);

/* Finds cookie name in a Cookie header value and copies its value into out (size bytes).
 * Returns 0, or -1 if absent, empty or too long. */
int pi_cookie_get(const char *header, const char *name, char *out, size_t size);

/* The request's session, for pi_auth_request: returns 0 when the request carries no valid
 * session cookie (anonymous), 1 with *user filled when it does, -1 with a 403 response set
 * when a state-changing request lacks the right CSRF token. csrf (may be NULL, size
 * PI_WEB_CSRF_LEN + 1) receives the session's token. */
int pi_session_auth(struct pi_request *req, struct pi_user *user, char *csrf);

/* Log-in throttle. pi_login_locked returns the seconds until the user name or address may
 * try again, 0 if it may now. */
int64_t pi_login_locked(const char *username, const char *addr, int64_t now);
void pi_login_failed(const char *username, const char *addr, int64_t now);
void pi_login_succeeded(const char *username);
/* Forgets every count (tests). */
void pi_login_reset(void);

#endif
