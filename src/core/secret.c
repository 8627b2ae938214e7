#include "core/secret.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int pi_secret_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void pi_token_new(char out[PI_TOKEN_LEN + 1], unsigned char hash[32])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "pi_", 3);
	sodium_bin2base64(out + 3, PI_TOKEN_LEN + 1 - 3, raw, sizeof(raw),
		sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	pi_token_hash(out, strlen(out), hash);
}

void pi_token_hash(const char *token, size_t len, unsigned char hash[32])
{
	crypto_hash_sha256(hash, (const unsigned char *)token, len);
}

pi_status pi_password_hash(const char *password, char out[PI_PASSWORD_HASH_MAX],
	struct pi_error *err)
{
	size_t len = strlen(password);

	if (len < PI_PASSWORD_MIN_LEN)
		return pi_error_set(err, PI_ERR_INVALID,
			"password: too short (%zu characters); use at least %d", len, PI_PASSWORD_MIN_LEN);
	if (len > PI_PASSWORD_MAX_LEN)
		return pi_error_set(err, PI_ERR_INVALID, "password: longer than %d characters",
			PI_PASSWORD_MAX_LEN);
	if (crypto_pwhash_STRBYTES > PI_PASSWORD_HASH_MAX)
		return pi_error_set(err, PI_ERR_INTERNAL, "password hash buffer too small");
	if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
		    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return pi_error_set(err, PI_ERR_NOMEM, "password: not enough memory to hash it");
	return PI_OK;
}

int pi_password_verify(const char *stored_hash, const char *password)
{
	if (!stored_hash || !*stored_hash || !password)
		return 0;
	return crypto_pwhash_str_verify(stored_hash, password, strlen(password)) == 0;
}

void pi_uuid4(char out[37])
{
	unsigned char b[16];

	randombytes_buf(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		b[13], b[14], b[15]);
}
