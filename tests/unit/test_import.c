/* Unit tests of the import readers (intel/import.h): the streaming bundle splitter, the CSV
 * reader, column mappings and patterns for values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "intel/import.h"

/* A memory input that hands out at most `step` bytes per read. */
struct mem_in {
	const char *text;
	size_t len, pos, step;
};

static size_t mem_read(void *ctx, char *buf, size_t max)
{
	struct mem_in *m = ctx;
	size_t n = m->len - m->pos;

	if (n > max)
		n = max;
	if (n > m->step)
		n = m->step;
	memcpy(buf, m->text + m->pos, n);
	m->pos += n;
	return n;
}

/* Splits text with reads of `step` bytes; collects the objects joined by '\n' into out.
 * Returns the status of the first failing call. */
static pi_status split(const char *text, size_t step, char *out, size_t out_size, size_t *count,
        struct pi_error *err)
{
	struct mem_in m = {text, strlen(text), 0, step};
	pi_bundle_reader *r = NULL;
	pi_status st;
	size_t used = 0;

	*count = 0;
	out[0] = '\0';
	st = pi_bundle_reader_new(mem_read, &m, 4096, &r, err);
	while (st == PI_OK) {
		const char *obj;
		size_t len;
		uint64_t off;
		st = pi_bundle_reader_next(r, &obj, &len, &off, err);
		if (st != PI_OK || !obj)
			break;
		assert_true(used + len + 2 < out_size);
		memcpy(out + used, obj, len);
		used += len;
		out[used++] = '\n';
		out[used] = '\0';
		(*count)++;
		/* the offset points at the object in the input */
		assert_int_equal(memcmp(text + off, obj, len), 0);
	}
	pi_bundle_reader_free(r);
	return st;
}

static const char bundle[] =
        "{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\n"
        " \"objects\": [\n"
        "  {\"type\":\"indicator\",\"name\":\"braces } { ] [ and \\\" "
        "quotes\",\"n\":{\"deep\":[1,{\"x\":2}]}},\n"
        "  {\"type\":\"identity\",\"name\":\"B\"}\n"
        " ],\n"
        " \"x_extra\": {\"objects\": [1, 2]}\n"
        "}\n";

static void splits_objects_whatever_the_read_size(void **state)
{
	static const size_t steps[] = {1, 2, 3, 7, 64, 100000};
	char out[4096];
	size_t n;
	struct pi_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		assert_int_equal(split(bundle, steps[i], out, sizeof(out), &n, &err), PI_OK);
		assert_int_equal(n, 2);
		assert_string_equal(out, "{\"type\":\"indicator\",\"name\":\"braces } { ] [ and "
		                         "\\\" quotes\",\"n\":{\"deep\":[1,{\"x\":2}]}}\n"
		                         "{\"type\":\"identity\",\"name\":\"B\"}\n");
	}
}

static void empty_and_objects_first_bundles(void **state)
{
	char out[256];
	size_t n;
	struct pi_error err;

	(void)state;
	assert_int_equal(split("{\"type\":\"bundle\",\"id\":\"bundle--x\",\"objects\":[]}", 5, out,
	                         sizeof(out), &n, &err),
	        PI_OK);
	assert_int_equal(n, 0);
	assert_int_equal(split("{\"objects\":[{\"a\":1}],\"type\":\"bundle\"}", 1, out, sizeof(out),
	                         &n, &err),
	        PI_OK);
	assert_int_equal(n, 1);
	assert_int_equal(split("{\"type\":\"bundle\"}", 1, out, sizeof(out), &n, &err), PI_OK);
	assert_int_equal(n, 0);
}

static void truncated_input_says_where(void **state)
{
	char out[4096];
	char cut[4096];
	size_t n;
	struct pi_error err;

	(void)state;
	/* cut inside the second object */
	snprintf(cut, sizeof(cut), "%.*s", (int)(strstr(bundle, "\"B\"") - bundle), bundle);
	assert_int_equal(split(cut, 3, out, sizeof(out), &n, &err), PI_ERR_INVALID);
	assert_int_equal(n, 1);
	assert_string_equal(err.message,
	        "invalid STIX bundle at byte 202 (line 4, column 29): unexpected end of input: the "
	        "bundle is truncated (value expected)");
}

static void malformed_bundles_are_refused_with_position(void **state)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
	        {"", "invalid STIX bundle at byte 0 (line 1, column 1): the file is empty; a STIX "
	             "bundle starts with '{'"},
	        {"[1]", "invalid STIX bundle at byte 0 (line 1, column 1): a STIX bundle starts "
	                "with '{'"},
	        {"{\"type\":\"report\"}",
	                "invalid STIX bundle at byte 8 (line 1, column 9): \"type\" must be "
	                "\"bundle\" (this is not a STIX bundle)"},
	        {"{\"objects\":[1]}", "invalid STIX bundle at byte 12 (line 1, column 13): each "
	                              "element of \"objects\" must be a JSON object"},
	        {"{\"objects\":{}}", "invalid STIX bundle at byte 11 (line 1, column 12): "
	                             "\"objects\" must be a list"},
	        {"{\"type\":\"bundle\",\n\"objects\":[{\"a\":01}]}",
	                "invalid STIX bundle at byte 35 (line 2, column 18): numbers must not have "
	                "leading zeros"},
	        {"{\"type\":\"bundle\",\"objects\":[{}{}]}",
	                "invalid STIX bundle at byte 30 (line 1, column 31): expected ',' or ']' "
	                "after an object"},
	        {"{\"type\":\"bundle\",\"objects\":[],\"objects\":[]}",
	                "invalid STIX bundle at byte 30 (line 1, column 31): \"objects\" appears "
	                "twice"},
	        {"{\"type\":\"bundle\"} x", "invalid STIX bundle at byte 18 (line 1, column 19): "
	                                    "unexpected data after the bundle"},
	        {"{\"objects\":[]}", "invalid STIX bundle: no \"type\": \"bundle\" member (is this "
	                             "a STIX 2.1 bundle?)"},
	        {"{\"type\":\"bundle\",\"objects\":[{}",
	                "invalid STIX bundle at byte 30 (line 1, column 31): unexpected end of "
	                "input: the bundle is truncated"},
	};
	char out[256];
	size_t n;
	struct pi_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t step = 1; step <= 1000; step *= 1000) {
			pi_error_clear(&err);
			assert_int_equal(split(cases[i].text, step, out, sizeof(out), &n, &err),
			        PI_ERR_INVALID);
			if (strcmp(err.message, cases[i].message) != 0)
				fail_msg("case %zu step %zu: got '%s'", i, step, err.message);
		}
	}
}

static void object_over_cap_is_refused(void **state)
{
	char *big = malloc(10000);
	char out[256];
	size_t n;
	struct pi_error err;
	int used;

	(void)state;
	used = snprintf(big, 10000, "{\"type\":\"bundle\",\"objects\":[{\"pad\":\"");
	memset(big + used, 'x', 6000);
	snprintf(big + used + 6000, 10000 - (size_t)used - 6000, "\"}]}");
	assert_int_equal(split(big, 512, out, sizeof(out), &n, &err), PI_ERR_TOOBIG);
	assert_string_equal(err.message, "the object at byte 28 is larger than 4096 bytes");
	free(big);
}

/* ---- CSV ---- */

static pi_status csv_all(
        const char *text, size_t step, char *out, size_t out_size, struct pi_error *err)
{
	struct mem_in m = {text, strlen(text), 0, step};
	pi_csv_reader *r = NULL;
	pi_status st = pi_csv_reader_new(mem_read, &m, &r, err);
	size_t used = 0;

	out[0] = '\0';
	while (st == PI_OK) {
		char *const *f;
		size_t nf;
		uint64_t line;
		int w;
		st = pi_csv_reader_next(r, &f, &nf, &line, err);
		if (st != PI_OK || nf == 0)
			break;
		w = snprintf(out + used, out_size - used, "%llu:", (unsigned long long)line);
		used += (size_t)w;
		for (size_t i = 0; i < nf; i++) {
			w = snprintf(out + used, out_size - used, "[%s]", f[i]);
			used += (size_t)w;
		}
		w = snprintf(out + used, out_size - used, "\n");
		used += (size_t)w;
	}
	pi_csv_reader_free(r);
	return st;
}

static void csv_reads_rfc4180(void **state)
{
	char out[1024];
	struct pi_error err;

	(void)state;
	for (size_t step = 1; step <= 4096; step *= 4) {
		assert_int_equal(csv_all("\xEF\xBB\xBFvalue,type\r\n"
		                         "\"a,b\",\"say \"\"hi\"\"\"\r\n"
		                         "\"two\nlines\",x\n"
		                         "\n"
		                         ",\n"
		                         "last,\"\"",
		                         step, out, sizeof(out), &err),
		        PI_OK);
		assert_string_equal(out, "1:[value][type]\n"
		                         "2:[a,b][say \"hi\"]\n"
		                         "3:[two\nlines][x]\n"
		                         "5:[]\n"
		                         "6:[][]\n"
		                         "7:[last][]\n");
	}
}

static void csv_refusals(void **state)
{
	char out[1024];
	struct pi_error err;

	(void)state;
	assert_int_equal(csv_all("a,b\n\"open,c\n", 3, out, sizeof(out), &err), PI_ERR_INVALID);
	assert_string_equal(
	        err.message, "line 2, field 1: unterminated quoted field (a '\"' is missing)");
	assert_int_equal(csv_all("a,b\"c\n", 3, out, sizeof(out), &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "line 1, field 2: '\"' inside an unquoted field (quote "
	                                 "the whole field and write \"\" for a quote)");
	assert_int_equal(csv_all("\"a\"b\n", 3, out, sizeof(out), &err), PI_ERR_INVALID);
	assert_non_null(
	        strstr(err.message, "line 1, field 1: unexpected character after a closing '\"'"));
}

static void csv_maps(void **state)
{
	struct pi_csv_map m;
	struct pi_error err;
	char *header[] = {"Indicator", "kind", "tlp"};

	(void)state;
	assert_int_equal(pi_csv_map_parse("value=1,type=2,tlp=3,labels=4", &m, &err), PI_OK);
	assert_int_equal(m.column[PI_CSV_VALUE], 0);
	assert_int_equal(m.column[PI_CSV_LABELS], 3);
	assert_int_equal(m.column[PI_CSV_NAME], -1);
	assert_int_equal(pi_csv_map_parse("vale=1", &m, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "--map: unknown key 'vale' (keys: value, type, tlp, "
	                                 "labels, name, description, valid_until)");
	assert_int_equal(pi_csv_map_parse("value", &m, &err), PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "--map: 'value' is not KEY=COLUMN (example: --map value=1,type=2,tlp=3,labels=4)");
	assert_int_equal(pi_csv_map_parse("type=2", &m, &err), PI_ERR_INVALID);
	assert_string_equal(
	        err.message, "--map: 'value' must be mapped (example: --map value=1,type=2)");
	assert_int_equal(pi_csv_map_parse("value=0", &m, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "out of range"));
	assert_int_equal(pi_csv_map_parse("value=1,type=1", &m, &err), PI_ERR_INVALID);
	assert_string_equal(err.message, "--map: column 1 is mapped to both 'value' and 'type'");
	assert_int_equal(pi_csv_map_parse("value=1,value=2", &m, &err), PI_ERR_INVALID);
	/* names resolve against the header, case-insensitively */
	assert_int_equal(pi_csv_map_parse("value=indicator,type=kind", &m, &err), PI_OK);
	assert_int_equal(pi_csv_map_resolve(&m, header, 3, &err), PI_OK);
	assert_int_equal(m.column[PI_CSV_VALUE], 0);
	assert_int_equal(m.column[PI_CSV_TYPE], 1);
	assert_int_equal(pi_csv_map_parse("value=indicator,tlp=colour", &m, &err), PI_OK);
	assert_int_equal(pi_csv_map_resolve(&m, header, 3, &err), PI_ERR_INVALID);
	assert_string_equal(err.message,
	        "--map: unknown column 'colour'; the header has: Indicator, kind, tlp");
	assert_int_equal(pi_csv_map_parse("value=1,tlp=9", &m, &err), PI_OK);
	assert_int_equal(pi_csv_map_resolve(&m, header, 3, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "unknown column 9 for 'tlp'"));
	/* no mapping: the header names the columns; "indicator" stands for value */
	assert_int_equal(pi_csv_map_parse(NULL, &m, &err), PI_OK);
	assert_int_equal(pi_csv_map_resolve(&m, header, 3, &err), PI_OK);
	assert_int_equal(m.column[PI_CSV_VALUE], 0);
	assert_int_equal(m.column[PI_CSV_TLP], 2);
	assert_int_equal(m.column[PI_CSV_TYPE], -1);
}

static void patterns_and_kinds(void **state)
{
	struct pi_buf b;

	(void)state;
	pi_buf_init(&b, 4096);
	assert_int_equal(pi_import_pattern(PI_OBSERVABLE_DOMAIN, "evil.example", &b), PI_OK);
	assert_string_equal(b.data, "[domain-name:value = 'evil.example']");
	pi_buf_reset(&b);
	assert_int_equal(pi_import_pattern(PI_OBSERVABLE_SHA256, "ab", &b), PI_OK);
	assert_string_equal(b.data, "[file:hashes.'SHA-256' = 'ab']");
	pi_buf_reset(&b);
	assert_int_equal(
	        pi_import_pattern(PI_OBSERVABLE_URL, "http://x.example/it's\\", &b), PI_OK);
	assert_string_equal(b.data, "[url:value = 'http://x.example/it\\'s\\\\']");
	pi_buf_reset(&b);
	assert_int_equal(pi_import_pattern(PI_OBSERVABLE_IPV6_CIDR, "2001:db8::/32", &b), PI_OK);
	assert_string_equal(b.data, "[ipv6-addr:value = '2001:db8::/32']");
	pi_buf_free(&b);
	assert_int_equal(pi_import_kind_from_type("ip-dst"), PI_OBSERVABLE_IPV4_CIDR);
	assert_int_equal(pi_import_kind_from_type("hostname"), PI_OBSERVABLE_DOMAIN);
	assert_int_equal(pi_import_kind_from_type("email-src"), PI_OBSERVABLE_EMAIL);
	assert_int_equal(pi_import_kind_from_type("filename|sha1"), PI_OBSERVABLE_SHA1);
	assert_int_equal(pi_import_kind_from_type("sha256"), PI_OBSERVABLE_SHA256);
	assert_int_equal(pi_import_kind_from_type("comment"), PI_OBSERVABLE_NONE);
	assert_int_equal(
	        pi_import_kind_guess("d41d8cd98f00b204e9800998ecf8427e"), PI_OBSERVABLE_MD5);
	assert_int_equal(pi_import_kind_guess("https://a.example/"), PI_OBSERVABLE_URL);
	assert_int_equal(pi_import_kind_guess("a@b.example"), PI_OBSERVABLE_EMAIL);
	assert_int_equal(pi_import_kind_guess("192.0.2.1"), PI_OBSERVABLE_IPV4_CIDR);
	assert_int_equal(pi_import_kind_guess("10.0.0.0/8"), PI_OBSERVABLE_IPV4_CIDR);
	assert_int_equal(pi_import_kind_guess("2001:db8::1"), PI_OBSERVABLE_IPV6_CIDR);
	assert_int_equal(pi_import_kind_guess("evil.example"), PI_OBSERVABLE_DOMAIN);
	assert_int_equal(pi_import_kind_guess("nothing"), PI_OBSERVABLE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(splits_objects_whatever_the_read_size),
	        cmocka_unit_test(empty_and_objects_first_bundles),
	        cmocka_unit_test(truncated_input_says_where),
	        cmocka_unit_test(malformed_bundles_are_refused_with_position),
	        cmocka_unit_test(object_over_cap_is_refused),
	        cmocka_unit_test(csv_reads_rfc4180),
	        cmocka_unit_test(csv_refusals),
	        cmocka_unit_test(csv_maps),
	        cmocka_unit_test(patterns_and_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
