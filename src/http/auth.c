/* auth.c - who is asking: Bearer tokens and HTTP Basic (user name with a password or a
 * token) resolved into a struct pi_principal.
 *
 * Tokens are looked up by their SHA-256. Passwords are argon2id (~50 ms and 64 MiB per
 * check), so a successful Basic password check is remembered for 60 s in a small cache
 * keyed by SHA-256 of (user, password, stored hash): a changed password or hash misses.
 * Failures are never cached. Nothing here logs a secret.
 *
 * Bearer tokens: the principal a token resolves to (user, organisation, role, sharing
 * groups: two queries) is remembered for PRINCIPAL_TTL_US, keyed by the token's SHA-256 and
 * tagged with pi_store_auth_generation read before the queries (one row). Any change to what
 * a credential stands for (a revoked token, a disabled user, a new role or group membership),
 * through the API or the CLI, bumps that counter in the database, so the next request misses
 * and sees it at once.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "http/http_int.h"
#include "http/session.h"

#define CACHE_SLOTS 256
#define CACHE_TTL_US (60 * 1000000LL)
#define PRINCIPAL_SLOTS 1024
#define PRINCIPAL_TTL_US (5 * 1000000LL)

struct principal_slot {
	unsigned char token_hash[32];
	uint64_t generation;
	int64_t expires;
	struct pi_principal who;
};

static struct principal_slot principals[PRINCIPAL_SLOTS];
static pthread_mutex_t principals_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t principal_slot_of(const unsigned char hash[32])
{
	return ((size_t)hash[0] | (size_t)hash[1] << 8) % PRINCIPAL_SLOTS;
}

/* Copies a cached principal for this token into *who; 0 on a hit. */
static int principal_get(
        uint64_t generation, const unsigned char hash[32], struct pi_principal *who)
{
	struct principal_slot *slot = &principals[principal_slot_of(hash)];
	int hit;

	pthread_mutex_lock(&principals_lock);
	hit = generation != 0 && slot->expires > pi_time_now_us() &&
	      slot->generation == generation && sodium_memcmp(slot->token_hash, hash, 32) == 0;
	if (hit)
		*who = slot->who;
	pthread_mutex_unlock(&principals_lock);
	return hit ? 0 : -1;
}

static void principal_put(
        const unsigned char hash[32], uint64_t generation, const struct pi_principal *who)
{
	struct principal_slot *slot = &principals[principal_slot_of(hash)];

	pthread_mutex_lock(&principals_lock);
	memcpy(slot->token_hash, hash, 32);
	slot->generation = generation;
	slot->expires = pi_time_now_us() + PRINCIPAL_TTL_US;
	slot->who = *who;
	pthread_mutex_unlock(&principals_lock);
}

struct cache_slot {
	unsigned char key[32];
	int64_t expires;
};

static struct cache_slot cache[CACHE_SLOTS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static void cache_key(
        const char *user, const char *password, const char *stored, unsigned char key[32])
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)user, strlen(user) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)password, strlen(password) + 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)stored, strlen(stored));
	crypto_hash_sha256_final(&st, key);
}

static int cache_hit(const unsigned char key[32])
{
	struct cache_slot *slot = &cache[key[0]];
	int hit;

	pthread_mutex_lock(&cache_lock);
	hit = slot->expires > pi_time_now_us() && sodium_memcmp(slot->key, key, 32) == 0;
	pthread_mutex_unlock(&cache_lock);
	return hit;
}

static void cache_put(const unsigned char key[32])
{
	struct cache_slot *slot = &cache[key[0]];

	pthread_mutex_lock(&cache_lock);
	memcpy(slot->key, key, 32);
	slot->expires = pi_time_now_us() + CACHE_TTL_US;
	pthread_mutex_unlock(&cache_lock);
}

void pi_auth_challenge(struct pi_request *req, const char *why)
{
	pi_resp_header(req, "WWW-Authenticate", "Bearer realm=\"postisac\"");
	/* the web interface's scripts (X-Requested-With) handle a 401 themselves: a Basic
	 * challenge would make the browser pop up its own password dialog */
	if (!pi_req_header(req, "X-Requested-With"))
		pi_resp_header(
		        req, "WWW-Authenticate", "Basic realm=\"postisac\", charset=\"UTF-8\"");
	pi_resp_error(req, 401, "Authentication required", "%s", why);
}

static int fill_principal(struct pi_request *req, const struct pi_user *user)
{
	struct pi_principal *p = &req->who;
	struct pi_error err;

	memset(p, 0, sizeof(*p));
	p->user_id = user->id;
	p->org_id = user->org_id;
	p->role = user->role;
	snprintf(p->username, sizeof(p->username), "%s", user->username);
	if (pi_store_org_groups(req->server->store, user->org_id, p->group_ids,
	            PI_PRINCIPAL_MAX_GROUPS, &p->n_groups, &err) != PI_OK) {
		pi_log_error("event=auth_groups_failed user=%s error=\"%s\"", user->username,
		        err.message);
		pi_resp_error(
		        req, 500, "Internal error", "could not load the user's sharing groups");
		return -1;
	}
	return 0;
}

static int token_user(struct pi_request *req, const char *token, size_t len, struct pi_user *user)
{
	unsigned char hash[32];
	struct pi_token tok;
	struct pi_error err;

	if (len == 0 || len > 1024)
		return -1;
	pi_token_hash(token, len, hash);
	return pi_store_token_lookup(req->server->store, hash, &tok, user, &err) == PI_OK ? 0 : -1;
}

static int basic_user(struct pi_request *req, const char *b64, struct pi_user *user)
{
	unsigned char decoded[1200];
	size_t dlen = 0;
	char *colon, *name, *secret;
	char stored[PI_PASSWORD_HASH_MAX] = "";
	unsigned char key[32];
	struct pi_error err;
	int ok = -1;

	if (strlen(b64) > 1600 || sodium_base642bin(decoded, sizeof(decoded) - 1, b64, strlen(b64),
	                                  NULL, &dlen, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return -1;
	decoded[dlen] = '\0';
	if (memchr(decoded, '\0', dlen))
		return -1;
	colon = strchr((char *)decoded, ':');
	if (!colon)
		return -1;
	*colon = '\0';
	name = (char *)decoded;
	secret = colon + 1;
	if (strncmp(secret, "pi_", 3) == 0) {
		/* user name with a token: the token must belong to that user */
		if (token_user(req, secret, strlen(secret), user) == 0 &&
		        strcmp(user->username, name) == 0)
			ok = 0;
		goto out;
	}
	if (pi_store_user_find(req->server->store, name, user, stored, sizeof(stored), &err) !=
	                PI_OK ||
	        user->disabled || !stored[0])
		goto out;
	cache_key(name, secret, stored, key);
	if (cache_hit(key)) {
		ok = 0;
	} else if (pi_password_verify(stored, secret)) {
		cache_put(key);
		ok = 0;
	}
out:
	sodium_memzero(decoded, sizeof(decoded));
	return ok;
}

/* Ends the server's read snapshot before anything but reading the generation counter (a
 * token's last use, a session's expiry are written). */
static void snapshot_end(struct pi_request *req)
{
	if (req->snapshot) {
		pi_store_read_end(req->server->store);
		req->snapshot = 0;
	}
}

int pi_auth_request(struct pi_request *req)
{
	const char *h = pi_req_header(req, "Authorization");
	struct pi_user user;

	memset(&req->who, 0, sizeof(req->who));
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		snapshot_end(req);
	if (!h) {
		/* a browser: the web interface's session cookie (CSRF-checked, http/session.h) */
		int r = pi_session_auth(req, &user, NULL);
		return r == 1 ? fill_principal(req, &user) : r;
	}
	if (strncasecmp(h, "Bearer ", 7) == 0) {
		const char *t = h + 7;
		unsigned char hash[32];
		uint64_t generation = pi_store_auth_generation(req->server->store);
		size_t len;
		while (*t == ' ')
			t++;
		len = strlen(t);
		if (len > 0 && len <= 1024) {
			pi_token_hash(t, len, hash);
			if (principal_get(generation, hash, &req->who) == 0)
				return 0;
		}
		snapshot_end(req);
		if (token_user(req, t, len, &user) != 0) {
			pi_auth_challenge(req, "the bearer token is not valid (unknown, revoked, "
			                       "or its user is disabled)");
			return -1;
		}
		if (fill_principal(req, &user) != 0)
			return -1;
		if (generation != 0)
			principal_put(hash, generation, &req->who);
		return 0;
	} else if (strncasecmp(h, "Basic ", 6) == 0) {
		const char *b = h + 6;
		while (*b == ' ')
			b++;
		if (basic_user(req, b, &user) != 0) {
			pi_log_info("event=login_failed method=basic");
			pi_auth_challenge(req, "wrong user name, password or token");
			return -1;
		}
	} else {
		pi_auth_challenge(
		        req, "unsupported Authorization scheme: use 'Bearer TOKEN' or HTTP Basic");
		return -1;
	}
	return fill_principal(req, &user);
}
