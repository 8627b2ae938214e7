/* Unit tests for signed filing receipts (cases/receipt.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cases/receipt.h"
#include "core/json.h"
#include "core/timeutil.h"

#define SHA_ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static int64_t T(const char *text)
{
	int64_t us = 0;

	assert_int_equal(pi_time_parse_us(text, &us, NULL), PI_OK);
	return us;
}

static struct pi_receipt_fields fields(void)
{
	struct pi_receipt_fields f = {
	        "case-42", "nis2-art23", "final-report", "filing-7", SHA_ABC, 0, 0};

	f.filed_at = T("2028-02-29T10:00:00.5Z");
	f.due_at = T("2028-02-29T09:00:00Z");
	return f;
}

/* Replaces the first occurrence of from with to in a malloc'd string (same length). */
static void patch(char *doc, const char *from, const char *to)
{
	char *p = strstr(doc, from);

	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

static void sha256_and_canonical_form(void **state)
{
	char hex[65];
	struct pi_buf b;
	struct pi_error err;
	cJSON *v = NULL;
	const char *in = "{\"b\":[true,null,-3],\"a\":\"x\\u0001\\n\\\"\\u00e9/\",\"A\":{\"z\":1,"
	                 "\"y\":2},\"n\":1e3}";

	(void)state;
	pi_receipt_sha256_hex("abc", 3, hex);
	assert_string_equal(hex, SHA_ABC);
	assert_int_equal(pi_json_parse(in, strlen(in), 8, &v, &err), PI_OK);
	pi_buf_init(&b, 4096);
	assert_int_equal(pi_receipt_canonical(v, &b, &err), PI_OK);
	assert_string_equal(b.data, "{\"A\":{\"y\":2,\"z\":1},\"a\":\"x\\u0001\\n\\\"\xc3\xa9/\","
	                            "\"b\":[true,null,-3],\"n\":1000}");
	cJSON_Delete(v);
	pi_buf_free(&b);
	assert_int_equal(pi_json_parse("{\"x\":1.5}", 9, 8, &v, &err), PI_OK);
	pi_buf_init(&b, 4096);
	assert_int_equal(pi_receipt_canonical(v, &b, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "numbers in a receipt must be integers of at most 2^53");
	cJSON_Delete(v);
	pi_buf_free(&b);
}

static void signs_and_verifies(void **state)
{
	struct pi_receipt_key key;
	struct pi_receipt_fields f = fields();
	struct pi_receipt_info info;
	struct pi_error err;
	char *doc = NULL;

	(void)state;
	assert_int_equal(pi_receipt_key_generate(&key, &err), PI_OK);
	assert_int_equal(strlen(key.key_id), 16);
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_OK);
	/* late by 1 h 0.5 s: rounded up to whole seconds */
	assert_non_null(strstr(doc, "\"late_by_seconds\":3601,\"on_time\":false,"));
	assert_non_null(strstr(doc, "\"due_at\":\"2028-02-29T09:00:00.000000Z\","
	                            "\"filed_at\":\"2028-02-29T10:00:00.500000Z\""));
	assert_int_equal(strncmp(doc, "{\"receipt\":{\"case_id\":\"case-42\",", 32), 0);
	assert_int_equal(pi_receipt_verify(doc, strlen(doc), &key, &info, &err), PI_RECEIPT_VALID);
	assert_string_equal(info.case_id, "case-42");
	assert_string_equal(info.regime, "nis2-art23");
	assert_string_equal(info.stage, "final-report");
	assert_string_equal(info.filing_id, "filing-7");
	assert_string_equal(info.content_sha256, SHA_ABC);
	assert_string_equal(info.key_id, key.key_id);
	assert_int_equal(info.filed_at, f.filed_at);
	assert_int_equal(info.due_at, f.due_at);
	assert_false(info.on_time);
	assert_int_equal(info.late_by_seconds, 3601);
	free(doc);

	/* no due time: on time, due_at null */
	f.due_at = INT64_MIN;
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_OK);
	assert_non_null(strstr(doc, "\"due_at\":null"));
	assert_non_null(strstr(doc, "\"late_by_seconds\":0,\"on_time\":true"));
	assert_int_equal(pi_receipt_verify(doc, strlen(doc), &key, &info, &err), PI_RECEIPT_VALID);
	assert_true(info.on_time);
	assert_int_equal(info.due_at, INT64_MIN);
	free(doc);

	/* white space and member order do not matter, values do */
	f = fields();
	f.due_at = f.filed_at;
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_OK);
	{
		char *spaced = malloc(strlen(doc) * 2 + 1);
		size_t n = 0;

		for (const char *p = doc; *p; p++) {
			spaced[n++] = *p;
			if (*p == ',')
				spaced[n++] = '\n';
		}
		spaced[n] = '\0';
		assert_int_equal(pi_receipt_verify(spaced, n, &key, NULL, &err), PI_RECEIPT_VALID);
		free(spaced);
	}
	free(doc);
	pi_receipt_key_wipe(&key);
	assert_false(key.has_secret);
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_ERR_INVALID);
	assert_null(doc);
}

static void detects_tampering_and_wrong_keys(void **state)
{
	struct pi_receipt_key key, other;
	struct pi_receipt_fields f = fields();
	struct pi_error err;
	char *doc = NULL;

	(void)state;
	assert_int_equal(pi_receipt_key_generate(&key, &err), PI_OK);
	assert_int_equal(pi_receipt_key_generate(&other, &err), PI_OK);
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_OK);

	assert_int_equal(
	        pi_receipt_verify(doc, strlen(doc), &other, NULL, &err), PI_RECEIPT_WRONG_KEY);
	assert_int_equal(err.status, PI_ERR_AUTH);
	assert_non_null(strstr(err.message, "wrong key: the receipt was signed by key "));
	assert_non_null(strstr(err.message, other.key_id));

	patch(doc, "case-42", "case-43");
	assert_int_equal(
	        pi_receipt_verify(doc, strlen(doc), &key, NULL, &err), PI_RECEIPT_BAD_SIGNATURE);
	assert_non_null(
	        strstr(err.message, "bad signature: the receipt was changed after signing"));
	assert_string_equal(pi_receipt_verdict_name(PI_RECEIPT_BAD_SIGNATURE), "bad signature");
	patch(doc, "case-43", "case-42");
	assert_int_equal(pi_receipt_verify(doc, strlen(doc), &key, NULL, &err), PI_RECEIPT_VALID);

	/* the other key claiming to be ours: key ids match, signature does not */
	memcpy(other.key_id, key.key_id, sizeof(key.key_id));
	assert_int_equal(
	        pi_receipt_verify(doc, strlen(doc), &other, NULL, &err), PI_RECEIPT_BAD_SIGNATURE);

	/* a flipped signature digit */
	{
		char *v = strstr(doc, "\"value\":\"") + 9;

		*v = *v == '0' ? '1' : '0';
		assert_int_equal(pi_receipt_verify(doc, strlen(doc), &key, NULL, &err),
		        PI_RECEIPT_BAD_SIGNATURE);
	}
	free(doc);
}

static void refuses_malformed_receipts(void **state)
{
	struct pi_receipt_key key;
	struct pi_receipt_fields f = fields();
	struct pi_error err;
	char *doc = NULL, *copy;

	(void)state;
	assert_int_equal(pi_receipt_key_generate(&key, &err), PI_OK);
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_OK);

	assert_int_equal(pi_receipt_verify("{", 1, &key, NULL, &err), PI_RECEIPT_MALFORMED);
	assert_non_null(strstr(err.message, "not valid JSON"));
	assert_int_equal(
	        pi_receipt_verify("{\"receipt\":{}}", 14, &key, NULL, &err), PI_RECEIPT_MALFORMED);
	assert_string_equal(
	        err.message, "a receipt is an object with exactly \"receipt\" and \"signature\"");

	copy = strdup(doc);
	patch(copy, "\"on_time\":false", "\"on_time\":true ");
	assert_int_equal(
	        pi_receipt_verify(copy, strlen(copy), &key, NULL, &err), PI_RECEIPT_MALFORMED);
	assert_string_equal(
	        err.message, "on_time and late_by_seconds do not agree with filed_at and due_at");
	free(copy);

	copy = strdup(doc);
	patch(copy, "\"stage\":", "\"stagx\":");
	assert_int_equal(
	        pi_receipt_verify(copy, strlen(copy), &key, NULL, &err), PI_RECEIPT_MALFORMED);
	assert_string_equal(err.message, "the receipt has an unknown member 'stagx'");
	free(copy);

	copy = strdup(doc);
	patch(copy, "T10:00:00.500000Z", "T10:00:00.5Z     ");
	assert_int_equal(
	        pi_receipt_verify(copy, strlen(copy), &key, NULL, &err), PI_RECEIPT_MALFORMED);
	assert_non_null(strstr(err.message, "filed_at must be a UTC time"));
	free(copy);

	copy = strdup(doc);
	patch(copy, "\"alg\":\"Ed25519\"", "\"alg\":\"Ed448\"  ");
	assert_int_equal(
	        pi_receipt_verify(copy, strlen(copy), &key, NULL, &err), PI_RECEIPT_MALFORMED);
	free(copy);

	copy = strdup(doc);
	patch(copy, SHA_ABC, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
	assert_int_equal(
	        pi_receipt_verify(copy, strlen(copy), &key, NULL, &err), PI_RECEIPT_MALFORMED);
	assert_string_equal(err.message, "content_sha256 must be 64 lower-case hex digits");
	free(copy);
	free(doc);

	/* signing refuses bad fields */
	f.content_sha256 = "abc";
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "content_sha256 must be 64 lower-case hex digits");
	f = fields();
	f.case_id = "line\nbreak";
	assert_int_equal(pi_receipt_sign(&f, &key, &doc, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "case_id must be 1-128 printable ASCII characters");
	assert_null(doc);
}

static void key_files(void **state)
{
	char dir[] = "/tmp/pi_receipt_test_XXXXXX", path[256], hex[65], json[200];
	struct pi_receipt_key key, again, pub;
	struct pi_error err;
	struct stat sb;
	bool created = false;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/hub.key", dir);
	assert_int_equal(pi_receipt_key_load(path, &key, &err), PI_ERR_NOTFOUND);
	assert_int_equal(pi_receipt_key_load_or_create(path, &key, &created, &err), PI_OK);
	assert_true(created);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, 65);
	assert_int_equal(pi_receipt_key_load_or_create(path, &again, &created, &err), PI_OK);
	assert_false(created);
	assert_memory_equal(again.public_key, key.public_key, 32);
	assert_memory_equal(again.secret_key, key.secret_key, 64);
	assert_string_equal(again.key_id, key.key_id);
	assert_int_equal(pi_receipt_key_save(&key, path, &err), PI_ERR_IO); /* no overwrite */

	/* key id = first 16 hex of SHA-256 of the public key */
	{
		char sha[65];

		pi_receipt_sha256_hex(key.public_key, 32, sha);
		assert_memory_equal(sha, key.key_id, 16);
	}

	/* public key as hex and as the API's JSON */
	pi_receipt_key_public_hex(&key, hex);
	assert_int_equal(pi_receipt_public_key_parse(hex, 64, &pub, &err), PI_OK);
	assert_false(pub.has_secret);
	assert_string_equal(pub.key_id, key.key_id);
	snprintf(json, sizeof(json),
	        "{\"alg\":\"Ed25519\",\"key_id\":\"%s\",\"public_key\":\"%s\"}", key.key_id, hex);
	assert_int_equal(pi_receipt_public_key_parse(json, strlen(json), &pub, &err), PI_OK);
	assert_string_equal(pub.key_id, key.key_id);
	assert_int_equal(pi_receipt_public_key_parse("abcd", 4, &pub, &err), PI_ERR_INVALID);
	assert_int_equal(pi_receipt_public_key_parse("{\"public_key\":\"zz\"}", 19, &pub, &err),
	        PI_ERR_INVALID);

	/* a key file others can read is refused */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(pi_receipt_key_load(path, &again, &err), PI_ERR_DENIED);
	assert_non_null(strstr(err.message, "may be read by others (mode 0644); run chmod 600"));
	unlink(path);

	/* a key file that is not 64 hex digits */
	f = fopen(path, "w");
	fputs("not a key\n", f);
	fclose(f);
	chmod(path, 0600);
	assert_int_equal(pi_receipt_key_load(path, &again, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "exactly 64 hex digits"));
	unlink(path);
	rmdir(dir);
	pi_receipt_key_wipe(&key);
	pi_receipt_key_wipe(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(sha256_and_canonical_form),
	        cmocka_unit_test(signs_and_verifies),
	        cmocka_unit_test(detects_tampering_and_wrong_keys),
	        cmocka_unit_test(refuses_malformed_receipts),
	        cmocka_unit_test(key_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
