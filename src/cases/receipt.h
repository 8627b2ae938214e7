/* receipt.h - filing receipts signed with the hub's Ed25519 key (libsodium).
 *
 * When a stage is filed the hub answers with a receipt a provider can keep and show
 * later to prove what it filed and when, verifiable offline with only the hub's
 * public key (GET /api/v1/receipts/key, `postisac receipt verify`). Format and the
 * canonical serialisation that is signed: docs/receipts.md.
 *
 * A receipt file is one JSON object:
 *   {"receipt":{...12 members...},"signature":{"alg":"Ed25519","key_id":"...","value":"<hex>"}}
 * The signature is crypto_sign_detached over the canonical form of the "receipt"
 * object: members sorted by name (byte order), no white space, strings as UTF-8 with
 * only '"', '\\' and control characters escaped (\b \f \n \r \t, else \u00xx in lower
 * case), integers in plain decimal, true/false/null. This is RFC 8785 (JCS) for the
 * value types a receipt uses.
 *
 * Keys: the hub's key file holds the 32-byte Ed25519 seed as 64 hex digits and a
 * newline, mode 0600 (a file readable by group or others is refused). The key id is
 * the first 16 hex digits of SHA-256 over the 32-byte public key.
 */
#ifndef PI_CASES_RECEIPT_H
#define PI_CASES_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/error.h"

#define PI_RECEIPT_MAX_DOC (64 * 1024) /* bytes of a receipt file */
#define PI_RECEIPT_MAX_ID 128          /* case_id, filing_id */
#define PI_RECEIPT_MAX_NAME 64         /* regime, stage */
#define PI_RECEIPT_KEY_ID_LEN 16
#define PI_RECEIPT_TYPE "postisac-filing-receipt"

struct pi_receipt_key {
	unsigned char public_key[32];
	unsigned char secret_key[64]; /* all zero when has_secret is false */
	bool has_secret;
	char key_id[PI_RECEIPT_KEY_ID_LEN + 1];
};

/* A fresh key pair. */
pi_status pi_receipt_key_generate(struct pi_receipt_key *key, struct pi_error *err);
/* Writes the seed to a new file (O_EXCL, mode 0600); refuses to overwrite. */
pi_status pi_receipt_key_save(
        const struct pi_receipt_key *key, const char *path, struct pi_error *err);
/* Reads a key file written by pi_receipt_key_save. Refuses a file that group or others
 * may read, or that is not exactly 64 hex digits (and an optional newline). */
pi_status pi_receipt_key_load(const char *path, struct pi_receipt_key *key, struct pi_error *err);
/* Loads path, or generates and saves a key there if it does not exist (*created true). */
pi_status pi_receipt_key_load_or_create(
        const char *path, struct pi_receipt_key *key, bool *created, struct pi_error *err);
/* A public key only: text is 64 hex digits (white space around allowed) or a JSON
 * object with a "public_key" member of 64 hex digits (what GET /api/v1/receipts/key
 * returns). */
pi_status pi_receipt_public_key_parse(
        const char *text, size_t len, struct pi_receipt_key *key, struct pi_error *err);
void pi_receipt_key_public_hex(const struct pi_receipt_key *key, char out[65]);
/* Zeroes the secret key (sodium_memzero). */
void pi_receipt_key_wipe(struct pi_receipt_key *key);

/* Lower-case hex SHA-256 of data (crypto_hash_sha256). */
void pi_receipt_sha256_hex(const void *data, size_t len, char out[65]);

/* What a receipt says. filed_at and due_at are microseconds since the epoch; due_at
 * PI_TIME_UNSET (INT64_MIN) when the stage had no due time. on_time and
 * late_by_seconds are derived: on time when there is no due time or filed_at <=
 * due_at, else late by the difference rounded up to whole seconds. */
struct pi_receipt_fields {
	const char *case_id;        /* 1-128 printable ASCII characters */
	const char *regime;         /* 1-64 */
	const char *stage;          /* 1-64 */
	const char *filing_id;      /* 1-128 */
	const char *content_sha256; /* 64 lower-case hex digits */
	int64_t filed_at;
	int64_t due_at;
};

/* Builds and signs a receipt. key must have its secret. On success *out is a
 * NUL-terminated JSON document the caller frees with free(). */
pi_status pi_receipt_sign(const struct pi_receipt_fields *fields, const struct pi_receipt_key *key,
        char **out, struct pi_error *err);

enum pi_receipt_verdict {
	PI_RECEIPT_VALID,
	PI_RECEIPT_MALFORMED, /* not a receipt: bad JSON, missing or extra members, bad values */
	PI_RECEIPT_WRONG_KEY, /* signed (it says) by another key than the one given */
	PI_RECEIPT_BAD_SIGNATURE, /* the signature does not match the content */
};

/* What a verified (or at least well-formed) receipt says; plain storage. */
struct pi_receipt_info {
	char case_id[PI_RECEIPT_MAX_ID + 1];
	char regime[PI_RECEIPT_MAX_NAME + 1];
	char stage[PI_RECEIPT_MAX_NAME + 1];
	char filing_id[PI_RECEIPT_MAX_ID + 1];
	char content_sha256[65];
	char key_id[PI_RECEIPT_KEY_ID_LEN + 1];
	int64_t filed_at;
	int64_t due_at;
	bool on_time;
	int64_t late_by_seconds;
};

/* Checks a receipt document against key (only its public half is used). err gets
 * the reason for anything but PI_RECEIPT_VALID. info (may be NULL) is filled when the
 * document was well-formed, whatever the verdict. */
enum pi_receipt_verdict pi_receipt_verify(const char *text, size_t len,
        const struct pi_receipt_key *key, struct pi_receipt_info *info, struct pi_error *err);
const char *pi_receipt_verdict_name(enum pi_receipt_verdict verdict);

/* Appends the canonical form of value (objects, arrays, strings, integers up to
 * 2^53, booleans, null; no fractions) to out. */
pi_status pi_receipt_canonical(const cJSON *value, struct pi_buf *out, struct pi_error *err);

#endif
