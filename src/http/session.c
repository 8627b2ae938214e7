/* session.c - browser sessions, CSRF tokens and the log-in throttle (session.h).
 *
 * The session id never reaches the store or a log: it is hashed with SHA-256 on the way
 * in. The throttle tables are fixed arrays indexed by a keyed hash of the name or
 * address; a collision merely shares a counter (it can lock out early, never late).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/timeutil.h"
#include "http/http_int.h"
#include "http/session.h"

#define THROTTLE_SLOTS 4096

static void hash_id(const char *id, unsigned char hash[32])
{
	crypto_hash_sha256(hash, (const unsigned char *)id, strlen(id));
}

static void random_b64(char out[PI_SESSION_ID_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, PI_SESSION_ID_LEN + 1, raw, sizeof(raw),
	        sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

static int id_well_formed(const char *id)
{
	size_t n = strlen(id);

	if (n != PI_SESSION_ID_LEN)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		            (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

pi_status pi_session_create(pi_store *store, int64_t user_id, int64_t now,
        char id[PI_SESSION_ID_LEN + 1], struct pi_web_session *out, struct pi_error *err)
{
	unsigned char hash[32];
	pi_status ret;

	memset(out, 0, sizeof(*out));
	random_b64(id);
	random_b64(out->csrf);
	out->user_id = user_id;
	out->created_at = now;
	out->seen_at = now;
	out->expires_at = now + PI_SESSION_MAX_US;
	hash_id(id, hash);
	ret = pi_store_web_session_put(store, hash, out, err);
	if (ret != PI_OK) {
		sodium_memzero(id, PI_SESSION_ID_LEN + 1);
		memset(out, 0, sizeof(*out));
	}
	/* housekeeping: forget sessions that can no longer be used */
	if (ret == PI_OK) {
		struct pi_error perr;
		if (pi_store_web_session_purge(store, now, now - PI_SESSION_IDLE_US, NULL, &perr) !=
		        PI_OK)
			pi_log_warn("event=web_session_purge_failed error=\"%s\"", perr.message);
	}
	return ret;
}

pi_status pi_session_check(pi_store *store, const char *id, int64_t now, struct pi_web_session *out,
        struct pi_error *err)
{
	unsigned char hash[32];
	pi_status ret;

	memset(out, 0, sizeof(*out));
	if (!id_well_formed(id))
		return pi_error_set(err, PI_ERR_NOTFOUND, "no such session");
	hash_id(id, hash);
	ret = pi_store_web_session_get(store, hash, out, err);
	if (ret != PI_OK)
		return ret;
	if (now >= out->expires_at || now - out->seen_at >= PI_SESSION_IDLE_US) {
		struct pi_error derr;
		pi_store_web_session_delete(store, hash, &derr);
		memset(out, 0, sizeof(*out));
		return pi_error_set(err, PI_ERR_NOTFOUND, "the session has expired");
	}
	/* record use at most once a minute: the idle clock needs no finer grain */
	if (now - out->seen_at >= 60LL * 1000000) {
		ret = pi_store_web_session_touch(store, hash, now, err);
		if (ret != PI_OK)
			return ret;
		out->seen_at = now;
	}
	return PI_OK;
}

pi_status pi_session_destroy(pi_store *store, const char *id, struct pi_error *err)
{
	unsigned char hash[32];

	if (!id_well_formed(id))
		return PI_OK;
	hash_id(id, hash);
	return pi_store_web_session_delete(store, hash, err);
}

int pi_cookie_get(const char *header, const char *name, char *out, size_t size)
{
	size_t nlen = strlen(name);
	const char *p = header;

	if (size)
		out[0] = '\0';
	while (p && *p) {
		const char *end;
		size_t vlen;
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1;
			vlen = (size_t)(end - v);
			while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen == 0 || vlen >= size)
				return -1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

static int changes_state(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

int pi_session_auth(struct pi_request *req, struct pi_user *user, char *csrf)
{
	const char *cookies = pi_req_header(req, "Cookie");
	char id[PI_SESSION_ID_LEN + 2];
	struct pi_web_session s;
	struct pi_error err;
	const char *sent;
	int ret = 0;

	if (csrf)
		csrf[0] = '\0';
	if (!cookies || pi_cookie_get(cookies, PI_SESSION_COOKIE, id, sizeof(id)) != 0)
		return 0;
	if (pi_session_check(req->server->store, id, pi_time_now_us(), &s, &err) != PI_OK) {
		if (err.status != PI_ERR_NOTFOUND)
			pi_log_error("event=web_session_failed error=\"%s\"", err.message);
		goto out;
	}
	if (pi_store_user_get(req->server->store, s.user_id, user, &err) != PI_OK || user->disabled)
		goto out;
	if (changes_state(req->method)) {
		sent = pi_req_header(req, "X-CSRF-Token");
		if (!sent || strlen(sent) != PI_WEB_CSRF_LEN ||
		        sodium_memcmp(sent, s.csrf, PI_WEB_CSRF_LEN) != 0) {
			pi_log_info("event=csrf_refused user=%s method=%s", user->username,
			        req->method);
			pi_resp_error(req, 403, "Forbidden",
			        "this change was refused because it did not come from a page of "
			        "this "
			        "hub (missing or wrong CSRF token); reload the page and try again");
			ret = -1;
			goto out;
		}
	}
	if (csrf)
		memcpy(csrf, s.csrf, PI_WEB_CSRF_LEN + 1);
	ret = 1;
out:
	sodium_memzero(id, sizeof(id));
	return ret;
}

/* ---- log-in throttle ---- */

struct throttle_slot {
	int fails;
	int64_t window_start;
};

static struct throttle_slot user_slots[THROTTLE_SLOTS];
static struct throttle_slot addr_slots[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char throttle_key[crypto_shorthash_KEYBYTES];
static int throttle_keyed;

static struct throttle_slot *slot_of(struct throttle_slot *table, const char *s)
{
	unsigned char h[crypto_shorthash_BYTES];
	size_t idx;

	if (!throttle_keyed) {
		randombytes_buf(throttle_key, sizeof(throttle_key));
		throttle_keyed = 1;
	}
	crypto_shorthash(h, (const unsigned char *)s, strlen(s), throttle_key);
	idx = ((size_t)h[0] | (size_t)h[1] << 8 | (size_t)h[2] << 16) % THROTTLE_SLOTS;
	return &table[idx];
}

/* Seconds left of a lock on slot, 0 if none; an old window is forgotten. */
static int64_t slot_locked(struct throttle_slot *slot, int max, int64_t now)
{
	if (slot->fails && now - slot->window_start >= PI_LOGIN_WINDOW_US) {
		slot->fails = 0;
		slot->window_start = 0;
	}
	if (slot->fails < max)
		return 0;
	return (slot->window_start + PI_LOGIN_WINDOW_US - now + 999999) / 1000000;
}

int64_t pi_login_locked(const char *username, const char *addr, int64_t now)
{
	int64_t u, a;

	pthread_mutex_lock(&throttle_lock);
	u = slot_locked(slot_of(user_slots, username), PI_LOGIN_MAX_USER_FAILS, now);
	a = addr ? slot_locked(slot_of(addr_slots, addr), PI_LOGIN_MAX_IP_FAILS, now) : 0;
	pthread_mutex_unlock(&throttle_lock);
	return u > a ? u : a;
}

static void slot_fail(struct throttle_slot *slot, int64_t now)
{
	if (slot->fails == 0 || now - slot->window_start >= PI_LOGIN_WINDOW_US) {
		slot->fails = 0;
		slot->window_start = now;
	}
	slot->fails++;
}

void pi_login_failed(const char *username, const char *addr, int64_t now)
{
	pthread_mutex_lock(&throttle_lock);
	slot_fail(slot_of(user_slots, username), now);
	if (addr)
		slot_fail(slot_of(addr_slots, addr), now);
	pthread_mutex_unlock(&throttle_lock);
}

void pi_login_succeeded(const char *username)
{
	struct throttle_slot *slot;

	pthread_mutex_lock(&throttle_lock);
	slot = slot_of(user_slots, username);
	slot->fails = 0;
	slot->window_start = 0;
	pthread_mutex_unlock(&throttle_lock);
}

void pi_login_reset(void)
{
	pthread_mutex_lock(&throttle_lock);
	memset(user_slots, 0, sizeof(user_slots));
	memset(addr_slots, 0, sizeof(addr_slots));
	pthread_mutex_unlock(&throttle_lock);
}
