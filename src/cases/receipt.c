/* receipt.c - signing and verifying filing receipts (format in receipt.h and
 * docs/receipts.md).
 *
 * One canonical serialiser (canonical_value) is used both to produce the bytes that
 * are signed and, on verification, to rebuild them from the parsed document, so a
 * receipt verifies whatever white space or member order it was stored with, and a
 * change to any value breaks the signature.
 */
#include "cases/receipt.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "core/json.h"
#include "core/timeutil.h"

#define TIME_UNSET INT64_MIN
#define MAX_SAFE_INT 9007199254740992.0 /* 2^53 */

static const char *const receipt_members[] = {"case_id", "content_sha256", "due_at", "filed_at",
        "filing_id", "hub_key_id", "late_by_seconds", "on_time", "regime", "stage", "type",
        "version", NULL};

const char *pi_receipt_verdict_name(enum pi_receipt_verdict verdict)
{
	switch (verdict) {
	case PI_RECEIPT_VALID: return "valid";
	case PI_RECEIPT_MALFORMED: return "malformed";
	case PI_RECEIPT_WRONG_KEY: return "wrong key";
	case PI_RECEIPT_BAD_SIGNATURE: return "bad signature";
	}
	return "?";
}

static pi_status need_sodium(struct pi_error *err)
{
	if (sodium_init() < 0)
		return pi_error_set(err, PI_ERR_INTERNAL, "libsodium failed to initialise");
	return PI_OK;
}

void pi_receipt_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static void set_key_id(struct pi_receipt_key *key)
{
	char hex[65];

	pi_receipt_sha256_hex(key->public_key, sizeof(key->public_key), hex);
	memcpy(key->key_id, hex, PI_RECEIPT_KEY_ID_LEN);
	key->key_id[PI_RECEIPT_KEY_ID_LEN] = '\0';
}

void pi_receipt_key_public_hex(const struct pi_receipt_key *key, char out[65])
{
	sodium_bin2hex(out, 65, key->public_key, sizeof(key->public_key));
}

void pi_receipt_key_wipe(struct pi_receipt_key *key)
{
	sodium_memzero(key->secret_key, sizeof(key->secret_key));
	key->has_secret = false;
}

pi_status pi_receipt_key_generate(struct pi_receipt_key *key, struct pi_error *err)
{
	pi_status st;

	if ((st = need_sodium(err)) != PI_OK)
		return st;
	memset(key, 0, sizeof(*key));
	crypto_sign_keypair(key->public_key, key->secret_key);
	key->has_secret = true;
	set_key_id(key);
	return PI_OK;
}

/* Exactly 64 hex digits (lower or upper case) after trimming white space -> 32 bytes. */
static bool parse_hex32(const char *text, size_t len, unsigned char out[32])
{
	size_t bin_len = 0;
	const char *end = NULL;

	while (len && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t' || text[len - 1] == '\n' ||
	                      text[len - 1] == '\r'))
		len--;
	if (len != 64)
		return false;
	if (sodium_hex2bin(out, 32, text, len, NULL, &bin_len, &end) != 0 || bin_len != 32 ||
	        end != text + len)
		return false;
	return true;
}

pi_status pi_receipt_key_save(
        const struct pi_receipt_key *key, const char *path, struct pi_error *err)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	char line[2 * crypto_sign_SEEDBYTES + 2];
	ssize_t n;
	int fd = -1;
	pi_status st = PI_OK;

	if (!key->has_secret)
		return pi_error_set(err, PI_ERR_INVALID, "%s: no secret key to save", path);
	if ((st = need_sodium(err)) != PI_OK)
		return st;
	crypto_sign_ed25519_sk_to_seed(seed, key->secret_key);
	sodium_bin2hex(line, sizeof(line), seed, sizeof(seed));
	line[2 * crypto_sign_SEEDBYTES] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		st = pi_error_set(err, PI_ERR_IO, "%s: cannot create the key file: %s", path,
		        strerror(errno));
		goto out;
	}
	n = write(fd, line, sizeof(line) - 1);
	if (n != (ssize_t)(sizeof(line) - 1) || fsync(fd) != 0) {
		st = pi_error_set(
		        err, PI_ERR_IO, "%s: cannot write the key file: %s", path, strerror(errno));
		unlink(path);
	}
out:
	if (fd >= 0)
		close(fd);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(line, sizeof(line));
	return st;
}

pi_status pi_receipt_key_load(const char *path, struct pi_receipt_key *key, struct pi_error *err)
{
	unsigned char seed[crypto_sign_SEEDBYTES];
	char text[200];
	struct stat sb;
	ssize_t n;
	int fd = -1;
	pi_status st = PI_OK;

	memset(key, 0, sizeof(*key));
	if ((st = need_sodium(err)) != PI_OK)
		return st;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		return pi_error_set(err, e == ENOENT ? PI_ERR_NOTFOUND : PI_ERR_IO,
		        "%s: cannot open the key file: %s", path, strerror(e));
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		st = pi_error_set(err, PI_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_mode & 077) {
		st = pi_error_set(err, PI_ERR_DENIED,
		        "%s: the key file may be read by others (mode %04o); run chmod 600 on it",
		        path, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n < 0 || !parse_hex32(text, (size_t)n, seed)) {
		st = pi_error_set(err, PI_ERR_INVALID,
		        "%s: a key file must hold exactly 64 hex digits (the Ed25519 seed)", path);
		goto out;
	}
	crypto_sign_seed_keypair(key->public_key, key->secret_key, seed);
	key->has_secret = true;
	set_key_id(key);
out:
	close(fd);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(text, sizeof(text));
	return st;
}

pi_status pi_receipt_key_load_or_create(
        const char *path, struct pi_receipt_key *key, bool *created, struct pi_error *err)
{
	pi_status st = pi_receipt_key_load(path, key, err);

	*created = false;
	if (st != PI_ERR_NOTFOUND)
		return st;
	if ((st = pi_receipt_key_generate(key, err)) != PI_OK)
		return st;
	if ((st = pi_receipt_key_save(key, path, err)) != PI_OK) {
		pi_receipt_key_wipe(key);
		return st;
	}
	*created = true;
	return PI_OK;
}

pi_status pi_receipt_public_key_parse(
        const char *text, size_t len, struct pi_receipt_key *key, struct pi_error *err)
{
	cJSON *root = NULL;
	const char *hex;
	pi_status st;

	memset(key, 0, sizeof(*key));
	if ((st = need_sodium(err)) != PI_OK)
		return st;
	if (parse_hex32(text, len, key->public_key)) {
		set_key_id(key);
		return PI_OK;
	}
	if (len > 4096 || pi_json_parse(text, len, 8, &root, NULL) != PI_OK)
		return pi_error_set(err, PI_ERR_INVALID,
		        "a public key must be 64 hex digits or a JSON object with \"public_key\"");
	hex = pi_json_get_string(root, "public_key");
	if (!hex || !parse_hex32(hex, strlen(hex), key->public_key)) {
		cJSON_Delete(root);
		return pi_error_set(err, PI_ERR_INVALID,
		        "the JSON key document has no \"public_key\" of 64 hex digits");
	}
	cJSON_Delete(root);
	set_key_id(key);
	return PI_OK;
}

/* ---- canonical serialisation ---- */

static pi_status canonical_string(struct pi_buf *b, const char *s)
{
	pi_status st = pi_buf_putc(b, '"');

	for (const unsigned char *p = (const unsigned char *)s; st == PI_OK && *p; p++) {
		switch (*p) {
		case '"': st = pi_buf_puts(b, "\\\""); break;
		case '\\': st = pi_buf_puts(b, "\\\\"); break;
		case '\b': st = pi_buf_puts(b, "\\b"); break;
		case '\f': st = pi_buf_puts(b, "\\f"); break;
		case '\n': st = pi_buf_puts(b, "\\n"); break;
		case '\r': st = pi_buf_puts(b, "\\r"); break;
		case '\t': st = pi_buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				st = pi_buf_printf(b, "\\u%04x", *p);
			else
				st = pi_buf_putc(b, (char)*p);
		}
	}
	return st == PI_OK ? pi_buf_putc(b, '"') : st;
}

static int cmp_members(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

static pi_status canonical_value(const cJSON *v, struct pi_buf *b, int depth, struct pi_error *err)
{
	pi_status st = PI_OK;

	if (depth > 8)
		return pi_error_set(err, PI_ERR_INVALID, "nested deeper than a receipt may be");
	if (cJSON_IsNull(v))
		st = pi_buf_puts(b, "null");
	else if (cJSON_IsTrue(v))
		st = pi_buf_puts(b, "true");
	else if (cJSON_IsFalse(v))
		st = pi_buf_puts(b, "false");
	else if (cJSON_IsString(v))
		st = canonical_string(b, v->valuestring);
	else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d != floor(d) || fabs(d) > MAX_SAFE_INT)
			return pi_error_set(err, PI_ERR_INVALID,
			        "numbers in a receipt must be integers of at most 2^53");
		st = pi_buf_printf(b, "%" PRId64, (int64_t)d);
	} else if (cJSON_IsArray(v)) {
		const cJSON *item;
		bool first = true;

		st = pi_buf_putc(b, '[');
		cJSON_ArrayForEach(item, v)
		{
			if (st == PI_OK && !first)
				st = pi_buf_putc(b, ',');
			first = false;
			if (st == PI_OK)
				st = canonical_value(item, b, depth + 1, err);
			if (st != PI_OK)
				return st;
		}
		if (st == PI_OK)
			st = pi_buf_putc(b, ']');
	} else if (cJSON_IsObject(v)) {
		const cJSON **members = NULL;
		const cJSON *item;
		size_t n = 0, count = (size_t)cJSON_GetArraySize(v);

		if (count && !(members = malloc(count * sizeof(*members))))
			return pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		cJSON_ArrayForEach(item, v)
		{
			members[n++] = item;
		}
		if (n > 1)
			qsort(members, n, sizeof(*members), cmp_members);
		st = pi_buf_putc(b, '{');
		for (size_t i = 0; i < n && st == PI_OK; i++) {
			if (i)
				st = pi_buf_putc(b, ',');
			if (st == PI_OK)
				st = canonical_string(b, members[i]->string);
			if (st == PI_OK)
				st = pi_buf_putc(b, ':');
			if (st == PI_OK)
				st = canonical_value(members[i], b, depth + 1, err);
		}
		free(members);
		if (st == PI_OK)
			st = pi_buf_putc(b, '}');
	} else {
		return pi_error_set(
		        err, PI_ERR_INVALID, "a receipt may not hold this kind of value");
	}
	if (st != PI_OK && st != PI_ERR_INVALID)
		return pi_error_set(
		        err, st, "the canonical form does not fit (%s)", pi_status_name(st));
	return st;
}

pi_status pi_receipt_canonical(const cJSON *value, struct pi_buf *out, struct pi_error *err)
{
	return canonical_value(value, out, 0, err);
}

/* ---- field rules shared by signing and verifying ---- */

static bool printable_ascii(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static bool lower_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int64_t late_seconds(int64_t filed_at, int64_t due_at)
{
	if (due_at == TIME_UNSET || filed_at <= due_at)
		return 0;
	return (filed_at - due_at + 999999) / 1000000;
}

static pi_status check_fields(const struct pi_receipt_fields *f, struct pi_error *err)
{
	if (!f->case_id || !printable_ascii(f->case_id, PI_RECEIPT_MAX_ID))
		return pi_error_set(err, PI_ERR_INVALID,
		        "case_id must be 1-%d printable ASCII characters", PI_RECEIPT_MAX_ID);
	if (!f->filing_id || !printable_ascii(f->filing_id, PI_RECEIPT_MAX_ID))
		return pi_error_set(err, PI_ERR_INVALID,
		        "filing_id must be 1-%d printable ASCII characters", PI_RECEIPT_MAX_ID);
	if (!f->regime || !printable_ascii(f->regime, PI_RECEIPT_MAX_NAME))
		return pi_error_set(err, PI_ERR_INVALID,
		        "regime must be 1-%d printable ASCII characters", PI_RECEIPT_MAX_NAME);
	if (!f->stage || !printable_ascii(f->stage, PI_RECEIPT_MAX_NAME))
		return pi_error_set(err, PI_ERR_INVALID,
		        "stage must be 1-%d printable ASCII characters", PI_RECEIPT_MAX_NAME);
	if (!f->content_sha256 || !lower_hex(f->content_sha256, 64))
		return pi_error_set(
		        err, PI_ERR_INVALID, "content_sha256 must be 64 lower-case hex digits");
	return PI_OK;
}

pi_status pi_receipt_sign(const struct pi_receipt_fields *f, const struct pi_receipt_key *key,
        char **out, struct pi_error *err)
{
	unsigned char sig[crypto_sign_BYTES];
	char sig_hex[2 * crypto_sign_BYTES + 1];
	char filed[PI_TIME_TEXT_LEN], due[PI_TIME_TEXT_LEN];
	struct pi_buf canon, doc;
	cJSON *r = NULL;
	int64_t late;
	pi_status st;

	*out = NULL;
	pi_buf_init(&canon, PI_RECEIPT_MAX_DOC);
	pi_buf_init(&doc, PI_RECEIPT_MAX_DOC);
	if ((st = need_sodium(err)) != PI_OK || (st = check_fields(f, err)) != PI_OK)
		goto out;
	if (!key->has_secret) {
		st = pi_error_set(
		        err, PI_ERR_INVALID, "signing a receipt needs the hub's secret key");
		goto out;
	}
	pi_time_format_us(f->filed_at, filed);
	if (f->due_at != TIME_UNSET)
		pi_time_format_us(f->due_at, due);
	late = late_seconds(f->filed_at, f->due_at);
	if (!(r = cJSON_CreateObject()) || !cJSON_AddStringToObject(r, "type", PI_RECEIPT_TYPE) ||
	        !cJSON_AddNumberToObject(r, "version", 1) ||
	        !cJSON_AddStringToObject(r, "case_id", f->case_id) ||
	        !cJSON_AddStringToObject(r, "regime", f->regime) ||
	        !cJSON_AddStringToObject(r, "stage", f->stage) ||
	        !cJSON_AddStringToObject(r, "filing_id", f->filing_id) ||
	        !cJSON_AddStringToObject(r, "content_sha256", f->content_sha256) ||
	        !cJSON_AddStringToObject(r, "filed_at", filed) ||
	        !(f->due_at == TIME_UNSET ? cJSON_AddNullToObject(r, "due_at")
	                                  : cJSON_AddStringToObject(r, "due_at", due)) ||
	        !cJSON_AddBoolToObject(r, "on_time", late == 0) ||
	        !cJSON_AddNumberToObject(r, "late_by_seconds", (double)late) ||
	        !cJSON_AddStringToObject(r, "hub_key_id", key->key_id)) {
		st = pi_error_set(err, PI_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((st = canonical_value(r, &canon, 0, err)) != PI_OK)
		goto out;
	crypto_sign_detached(
	        sig, NULL, (const unsigned char *)canon.data, canon.len, key->secret_key);
	sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
	if ((st = pi_buf_printf(&doc,
	             "{\"receipt\":%s,\"signature\":{\"alg\":\"Ed25519\",\"key_id\":\"%s\","
	             "\"value\":\"%s\"}}\n",
	             canon.data, key->key_id, sig_hex)) != PI_OK) {
		pi_error_set(err, st, "the receipt does not fit in %d bytes", PI_RECEIPT_MAX_DOC);
		goto out;
	}
	*out = pi_buf_steal(&doc);
out:
	cJSON_Delete(r);
	pi_buf_free(&canon);
	pi_buf_free(&doc);
	return st;
}

/* ---- verification ---- */

static enum pi_receipt_verdict malformed(struct pi_error *err, const char *fmt, const char *what)
        __attribute__((format(printf, 2, 0)));

static enum pi_receipt_verdict malformed(struct pi_error *err, const char *fmt, const char *what)
{
	pi_error_set(err, PI_ERR_INVALID, fmt, what);
	return PI_RECEIPT_MALFORMED;
}

static bool copy_text(char *dst, size_t cap, const cJSON *v, bool ascii_only, size_t max)
{
	if (!cJSON_IsString(v))
		return false;
	if (ascii_only && !printable_ascii(v->valuestring, max))
		return false;
	if (strlen(v->valuestring) >= cap)
		return false;
	memcpy(dst, v->valuestring, strlen(v->valuestring) + 1);
	return true;
}

/* Parses a time member that must be exactly as pi_time_format_us writes it. */
static bool get_time(const cJSON *v, int64_t *out)
{
	char again[PI_TIME_TEXT_LEN];

	if (!cJSON_IsString(v) || pi_time_parse_us(v->valuestring, out, NULL) != PI_OK)
		return false;
	pi_time_format_us(*out, again);
	return strcmp(again, v->valuestring) == 0;
}

enum pi_receipt_verdict pi_receipt_verify(const char *text, size_t len,
        const struct pi_receipt_key *key, struct pi_receipt_info *info, struct pi_error *err)
{
	struct pi_receipt_info local;
	struct pi_error perr;
	unsigned char sig[crypto_sign_BYTES];
	const cJSON *r, *s, *v, *item;
	struct pi_buf canon;
	cJSON *root = NULL;
	size_t sig_len = 0;
	const char *end = NULL;
	enum pi_receipt_verdict verdict = PI_RECEIPT_MALFORMED;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	pi_buf_init(&canon, PI_RECEIPT_MAX_DOC);
	if (need_sodium(err) != PI_OK)
		return PI_RECEIPT_MALFORMED;
	if (len > PI_RECEIPT_MAX_DOC)
		return malformed(err, "%s", "larger than a receipt can be (64 KiB)");
	if (pi_json_parse(text, len, 8, &root, &perr) != PI_OK)
		return malformed(err, "not valid JSON: %s", perr.message);
	r = cJSON_GetObjectItemCaseSensitive(root, "receipt");
	s = cJSON_GetObjectItemCaseSensitive(root, "signature");
	if (!cJSON_IsObject(root) || cJSON_GetArraySize(root) != 2 || !cJSON_IsObject(r) ||
	        !cJSON_IsObject(s)) {
		verdict = malformed(err, "%s",
		        "a receipt is an object with exactly \"receipt\" and \"signature\"");
		goto out;
	}
	cJSON_ArrayForEach(item, r)
	{
		size_t i;

		for (i = 0; receipt_members[i]; i++)
			if (strcmp(item->string, receipt_members[i]) == 0)
				break;
		if (!receipt_members[i]) {
			verdict = malformed(
			        err, "the receipt has an unknown member '%.64s'", item->string);
			goto out;
		}
	}
	for (size_t i = 0; receipt_members[i]; i++)
		if (!cJSON_GetObjectItemCaseSensitive(r, receipt_members[i])) {
			verdict = malformed(err, "the receipt has no '%s'", receipt_members[i]);
			goto out;
		}
	v = cJSON_GetObjectItemCaseSensitive(r, "type");
	if (!cJSON_IsString(v) || strcmp(v->valuestring, PI_RECEIPT_TYPE) != 0) {
		verdict = malformed(err, "type must be \"%s\"", PI_RECEIPT_TYPE);
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "version");
	if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		verdict = malformed(err, "%s", "version must be 1 (this postisac knows no other)");
		goto out;
	}
	if (!copy_text(info->case_id, sizeof(info->case_id),
	            cJSON_GetObjectItemCaseSensitive(r, "case_id"), true, PI_RECEIPT_MAX_ID) ||
	        !copy_text(info->filing_id, sizeof(info->filing_id),
	                cJSON_GetObjectItemCaseSensitive(r, "filing_id"), true,
	                PI_RECEIPT_MAX_ID) ||
	        !copy_text(info->regime, sizeof(info->regime),
	                cJSON_GetObjectItemCaseSensitive(r, "regime"), true, PI_RECEIPT_MAX_NAME) ||
	        !copy_text(info->stage, sizeof(info->stage),
	                cJSON_GetObjectItemCaseSensitive(r, "stage"), true, PI_RECEIPT_MAX_NAME)) {
		verdict = malformed(err, "%s",
		        "case_id, filing_id, regime and stage must be printable ASCII strings");
		goto out;
	}
	if (!copy_text(info->content_sha256, sizeof(info->content_sha256),
	            cJSON_GetObjectItemCaseSensitive(r, "content_sha256"), false, 0) ||
	        !lower_hex(info->content_sha256, 64)) {
		verdict = malformed(err, "%s", "content_sha256 must be 64 lower-case hex digits");
		goto out;
	}
	if (!copy_text(info->key_id, sizeof(info->key_id),
	            cJSON_GetObjectItemCaseSensitive(r, "hub_key_id"), false, 0) ||
	        !lower_hex(info->key_id, PI_RECEIPT_KEY_ID_LEN)) {
		verdict = malformed(err, "%s", "hub_key_id must be 16 lower-case hex digits");
		goto out;
	}
	if (!get_time(cJSON_GetObjectItemCaseSensitive(r, "filed_at"), &info->filed_at)) {
		verdict = malformed(
		        err, "%s", "filed_at must be a UTC time like 2028-01-31T12:00:00.000000Z");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "due_at");
	info->due_at = TIME_UNSET;
	if (!cJSON_IsNull(v) && !get_time(v, &info->due_at)) {
		verdict = malformed(err, "%s",
		        "due_at must be null or a UTC time like 2028-01-31T12:00:00.000000Z");
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(r, "on_time");
	if (!cJSON_IsBool(v)) {
		verdict = malformed(err, "%s", "on_time must be true or false");
		goto out;
	}
	info->on_time = cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(r, "late_by_seconds");
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > MAX_SAFE_INT ||
	        v->valuedouble != floor(v->valuedouble)) {
		verdict = malformed(err, "%s", "late_by_seconds must be a whole number >= 0");
		goto out;
	}
	info->late_by_seconds = (int64_t)v->valuedouble;
	if (info->late_by_seconds != late_seconds(info->filed_at, info->due_at) ||
	        info->on_time != (info->late_by_seconds == 0)) {
		verdict = malformed(err, "%s",
		        "on_time and late_by_seconds do not agree with filed_at and due_at");
		goto out;
	}
	if (cJSON_GetArraySize(s) != 3 ||
	        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "alg")) ||
	        strcmp(cJSON_GetObjectItemCaseSensitive(s, "alg")->valuestring, "Ed25519") != 0 ||
	        !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(s, "key_id")) ||
	        !cJSON_IsString(v = cJSON_GetObjectItemCaseSensitive(s, "value"))) {
		verdict = malformed(err, "%s",
		        "signature must be {\"alg\": \"Ed25519\", \"key_id\": ..., \"value\": "
		        "...}");
		goto out;
	}
	if (strlen(v->valuestring) != 2 * crypto_sign_BYTES ||
	        sodium_hex2bin(sig, sizeof(sig), v->valuestring, strlen(v->valuestring), NULL,
	                &sig_len, &end) != 0 ||
	        sig_len != sizeof(sig)) {
		verdict = malformed(err, "%s", "signature.value must be 128 hex digits");
		goto out;
	}
	if (strcmp(cJSON_GetObjectItemCaseSensitive(s, "key_id")->valuestring, info->key_id) != 0) {
		verdict = malformed(err, "%s", "signature.key_id differs from receipt.hub_key_id");
		goto out;
	}
	if (strcmp(info->key_id, key->key_id) != 0) {
		pi_error_set(err, PI_ERR_AUTH,
		        "wrong key: the receipt was signed by key %s, the key given is %s",
		        info->key_id, key->key_id);
		verdict = PI_RECEIPT_WRONG_KEY;
		goto out;
	}
	if (canonical_value(r, &canon, 0, err) != PI_OK)
		goto out;
	if (crypto_sign_verify_detached(
	            sig, (const unsigned char *)canon.data, canon.len, key->public_key) != 0) {
		pi_error_set(err, PI_ERR_AUTH,
		        "bad signature: the receipt was changed after signing, or the signature is "
		        "not from key %s",
		        key->key_id);
		verdict = PI_RECEIPT_BAD_SIGNATURE;
		goto out;
	}
	verdict = PI_RECEIPT_VALID;
out:
	pi_buf_free(&canon);
	cJSON_Delete(root);
	return verdict;
}
