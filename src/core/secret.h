/* secret.h - API tokens and passwords.
 *
 * Tokens are "pi_" + 43 characters of URL-safe base64 of 32 random bytes (256 bits).
 * Only their SHA-256 is ever stored; the token is shown once, at creation.
 * Passwords are stored as argon2id strings (libsodium crypto_pwhash_str, interactive
 * limits), verified in constant time by libsodium.
 */
#ifndef PI_CORE_SECRET_H
#define PI_CORE_SECRET_H

#include <stddef.h>

#include "core/error.h"

#define PI_TOKEN_LEN 46        /* "pi_" + 43 */
#define PI_TOKEN_PREFIX_LEN 10 /* shown in lists: "pi_" + 7 */
#define PI_PASSWORD_HASH_MAX 128
#define PI_PASSWORD_MIN_LEN 10
#define PI_PASSWORD_MAX_LEN 1024

/* Initialises libsodium; call once at start-up (idempotent). Returns -1 on failure. */
int pi_secret_init(void);

/* Makes a new token: out receives the NUL-terminated token (PI_TOKEN_LEN + 1 bytes),
 * hash its SHA-256. */
void pi_token_new(char out[PI_TOKEN_LEN + 1], unsigned char hash[32]);
/* SHA-256 of a presented token (any length up to 1024 bytes). */
void pi_token_hash(const char *token, size_t len, unsigned char hash[32]);

/* Checks the password policy (length) and hashes it with argon2id into out. */
pi_status pi_password_hash(const char *password, char out[PI_PASSWORD_HASH_MAX],
	struct pi_error *err);
/* Nonzero if password matches the stored argon2id string. */
int pi_password_verify(const char *stored_hash, const char *password);

/* A random UUID v4 as text (37 bytes with NUL). */
void pi_uuid4(char out[37]);

#endif
