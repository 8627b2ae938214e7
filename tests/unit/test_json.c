#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/json.h"

static pi_status check(const char *text, struct pi_error *err)
{
	return pi_json_check(text, strlen(text), PI_JSON_MAX_DEPTH, err);
}

static void accepts_valid_documents(void **state)
{
	struct pi_error err;
	const char *ok[] = {"{}", "[]", " {\"a\":[1,2.5,-0.1e+3,true,false,null]} ",
		"\"caf\xc3\xa9\"", "\"\\ud83d\\ude00\"", "0", "-0", "1E5", "{\"a\":{\"b\":{}}}"};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(check(ok[i], &err), PI_OK);
}

static void rejects_with_position(void **state)
{
	struct pi_error err;

	(void)state;
	assert_int_equal(check("{\"a\":01}", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "leading zeros"));
	assert_non_null(strstr(err.message, "byte 6"));
	assert_int_equal(check("{\"a\":1,}", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "member name"));
	assert_int_equal(check("[1,2", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "unexpected end"));
	assert_int_equal(check("\"a\x01\"", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "control character"));
	assert_int_equal(check("\"\xff\"", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "UTF-8"));
	assert_int_equal(check("\"\xc0\xaf\"", &err), PI_ERR_INVALID);
	assert_int_equal(check("\"\xed\xa0\x80\"", &err), PI_ERR_INVALID);
	assert_int_equal(check("\"\\ud800\"", &err), PI_ERR_INVALID);
	assert_int_equal(check("\"\\x\"", &err), PI_ERR_INVALID);
	assert_int_equal(check("{} {}", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "after the JSON value"));
	assert_int_equal(check("NaN", &err), PI_ERR_INVALID);
	assert_int_equal(check("", &err), PI_ERR_INVALID);
	assert_int_equal(check("{\"a\" 1}", &err), PI_ERR_INVALID);
	assert_int_equal(check("[1 2]", &err), PI_ERR_INVALID);
	assert_int_equal(check("tru", &err), PI_ERR_INVALID);
}

static void caps_nesting_without_recursion(void **state)
{
	struct pi_buf b;
	struct pi_error err;

	(void)state;
	pi_buf_init(&b, 1 << 20);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(pi_buf_putc(&b, '['), PI_OK);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(pi_buf_putc(&b, ']'), PI_OK);
	assert_int_equal(pi_json_check(b.data, b.len, PI_JSON_MAX_DEPTH, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "nesting deeper than 100"));
	pi_buf_free(&b);
}

static void rejects_duplicate_keys(void **state)
{
	cJSON *root = NULL;
	struct pi_error err;
	const char *dup = "{\"a\":1,\"b\":{\"x\":1,\"x\":2}}";
	struct pi_buf big;

	(void)state;
	assert_int_equal(pi_json_parse(dup, strlen(dup), 100, &root, &err), PI_ERR_INVALID);
	assert_null(root);
	assert_non_null(strstr(err.message, "\"x\" appears twice"));

	/* many keys: the sorted path */
	pi_buf_init(&big, 1 << 20);
	pi_buf_putc(&big, '{');
	for (int i = 0; i < 40; i++)
		pi_buf_printf(&big, "\"k%d\":%d,", i, i);
	pi_buf_puts(&big, "\"k7\":0}");
	assert_int_equal(pi_json_parse(big.data, big.len, 100, &root, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "\"k7\""));
	pi_buf_free(&big);

	assert_int_equal(pi_json_parse("{\"a\":[{\"b\":1},{\"b\":2}]}", 23, 100, &root, &err), PI_OK);
	assert_non_null(root);
	cJSON_Delete(root);
}

static void buf_respects_cap(void **state)
{
	struct pi_buf b;

	(void)state;
	pi_buf_init(&b, 8);
	assert_int_equal(pi_buf_puts(&b, "12345678"), PI_OK);
	assert_int_equal(pi_buf_putc(&b, '9'), PI_ERR_TOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	pi_buf_free(&b);

	pi_buf_init(&b, 1024);
	assert_int_equal(pi_buf_json_string(&b, "a\"b\\c\n\x01"), PI_OK);
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
	pi_buf_free(&b);
}

static void writes_compact_json(void **state)
{
	struct pi_buf b;
	cJSON *root = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(root, "n");

	(void)state;
	cJSON_AddItemToArray(list, cJSON_CreateNumber(0));
	cJSON_AddItemToArray(list, cJSON_CreateNumber(-42));
	cJSON_AddItemToArray(list, cJSON_CreateNumber(1795418981047887.0));
	cJSON_AddItemToArray(list, cJSON_CreateNumber(9007199254740992.0));
	cJSON_AddItemToArray(list, cJSON_CreateNumber(0.5));
	cJSON_AddItemToArray(list, cJSON_CreateNumber(1e300));
	cJSON_AddItemToArray(list, cJSON_CreateNumber(0.0 / 0.0));
	cJSON_AddStringToObject(root, "s", "a\"b\n\u00e9");
	cJSON_AddTrueToObject(root, "t");
	cJSON_AddNullToObject(root, "z");
	cJSON_AddItemToObject(root, "e", cJSON_CreateObject());
	pi_buf_init(&b, 4096);
	assert_int_equal(pi_json_write(&b, root), PI_OK);
	assert_string_equal(b.data, "{\"n\":[0,-42,1795418981047887,9007199254740992,0.5,1.0000000000000001e+300,null],"
		"\"s\":\"a\\\"b\\n\u00e9\",\"t\":true,\"z\":null,\"e\":{}}");
	pi_buf_free(&b);
	/* over the cap: an error, never a crash */
	pi_buf_init(&b, 8);
	assert_int_equal(pi_json_write(&b, root), PI_ERR_TOOBIG);
	pi_buf_free(&b);
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_valid_documents),
		cmocka_unit_test(rejects_with_position),
		cmocka_unit_test(caps_nesting_without_recursion),
		cmocka_unit_test(rejects_duplicate_keys),
		cmocka_unit_test(buf_respects_cap),
		cmocka_unit_test(writes_compact_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
