#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/pattern.h"

static pi_status parse(const char *text, pi_pattern **p, struct pi_error *err)
{
	return pi_pattern_parse(text, strlen(text), p, err);
}

static char *read_file(const char *name, size_t *len)
{
	const char *dir = getenv("PI_STIX_DIR");
	char path[1024];
	FILE *f;
	char *data;
	long size;

	assert_non_null(dir);
	assert_true(snprintf(path, sizeof(path), "%s/patterns/%s", dir, name) < (int)sizeof(path));
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size > 0);
	rewind(f);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	data[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return data;
}

/* Parses, formats canonically, re-parses the canonical form and checks it is stable. */
static void assert_roundtrip(const char *text)
{
	pi_pattern *p = NULL, *q = NULL;
	struct pi_error err;
	struct pi_buf a, b;

	pi_buf_init(&a, 1 << 22);
	pi_buf_init(&b, 1 << 22);
	assert_int_equal(parse(text, &p, &err), PI_OK);
	assert_int_equal(pi_pattern_format(p, &a), PI_OK);
	if (pi_pattern_parse(a.data, a.len, &q, &err) != PI_OK)
		fail_msg("canonical form %s does not parse: %s", a.data, err.message);
	assert_int_equal(pi_pattern_format(q, &b), PI_OK);
	assert_string_equal(a.data, b.data);
	pi_pattern_free(p);
	pi_pattern_free(q);
	pi_buf_free(&a);
	pi_buf_free(&b);
}

static void oasis_cases_all_pass(void **state)
{
	size_t len, valid = 0, invalid = 0;
	char *text = read_file("stix21_pattern_cases.json", &len);
	cJSON *root = NULL, *item;
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_json_parse(text, len, PI_JSON_MAX_DEPTH, &root, &err), PI_OK);
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "valid"))
	{
		const char *pat = pi_json_get_string(item, "pattern");
		pi_pattern *p = NULL;
		assert_non_null(pat);
		if (parse(pat, &p, &err) != PI_OK)
			fail_msg("valid pattern refused: %s\n  %s", pat, err.message);
		assert_true(pi_pattern_observation_count(p) >= 1);
		pi_pattern_free(p);
		assert_roundtrip(pat);
		valid++;
	}
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "invalid"))
	{
		const char *pat = pi_json_get_string(item, "pattern");
		const char *want = pi_json_get_string(item, "expected_error_prefix");
		pi_pattern *p = NULL;
		const char *at;
		char expect[128];
		int col;

		assert_non_null(pat);
		assert_non_null(want);
		if (parse(pat, &p, &err) == PI_OK)
			fail_msg("invalid pattern accepted: %s", pat);
		assert_null(p);
		assert_int_equal(err.status, PI_ERR_INVALID);
		assert_non_null(strstr(err.message, "pattern error at character "));
		at = strstr(want, "line 1:");
		if (at && sscanf(at, "line 1:%d.", &col) == 1) {
			/* ANTLR's 0-based column is our character index */
			snprintf(expect, sizeof(expect), "at character %d:", col);
			if (!strstr(err.message, expect))
				fail_msg("%s\n  want %s\n  got %s", pat, want, err.message);
		} else if ((at = strstr(want, "Duplicate qualifier type encountered: ")) != NULL) {
			const char *type = at + strlen("Duplicate qualifier type encountered: ");
			snprintf(expect, sizeof(expect), "duplicate %s qualifier",
			        strcmp(type, "STARTSTOP") == 0 ? "START/STOP" : type);
			if (!strstr(err.message, expect))
				fail_msg("%s\n  want %s\n  got %s", pat, expect, err.message);
		} else if (strstr(want, "is not a valid")) {
			assert_non_null(strstr(err.message, want + strlen("FAIL: ")));
		} else if (!strstr(want, "line 1:")) {
			fail_msg("unclassified case %s", want);
		}
		invalid++;
	}
	assert_int_equal(valid, 60);
	assert_int_equal(invalid, 27);
	cJSON_Delete(root);
	free(text);
}

static void check_lines(const char *file, pi_status want, size_t min_lines)
{
	size_t len, count = 0;
	char *text = read_file(file, &len);
	char *line = text, *nl;
	struct pi_error err;

	while (line < text + len) {
		pi_pattern *p = NULL;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line) {
			pi_status rc = parse(line, &p, &err);
			if (rc != want)
				fail_msg("%s: %s gave %s (%s)", file, line, pi_status_name(rc),
				        rc ? err.message : "");
			pi_pattern_free(p);
			count++;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	assert_true(count >= min_lines);
	free(text);
}

static void oasis_text_files(void **state)
{
	(void)state;
	check_lines("stix21_valid_patterns.txt", PI_OK, 60);
	check_lines("stix21_invalid_patterns.txt", PI_ERR_INVALID, 27);
	check_lines("spec_examples_v21.txt", PI_OK, 23);
}

static void assert_format(const char *text, const char *want)
{
	pi_pattern *p = NULL;
	struct pi_error err;
	struct pi_buf b;

	pi_buf_init(&b, 1 << 20);
	if (parse(text, &p, &err) != PI_OK)
		fail_msg("%s: %s", text, err.message);
	assert_int_equal(pi_pattern_format(p, &b), PI_OK);
	assert_string_equal(b.data, want);
	pi_pattern_free(p);
	pi_buf_free(&b);
	assert_roundtrip(text);
}

static void precedence_and_grouping(void **state)
{
	(void)state;
	assert_format("[a:b = 1] OR [c:d = 2] AND [e:f = 3] FOLLOWEDBY [g:h = 4]",
	        "(([a:b = 1] OR ([c:d = 2] AND [e:f = 3])) FOLLOWEDBY [g:h = 4])");
	assert_format("[a:b = 1] FOLLOWEDBY [c:d = 2] OR [e:f = 3]",
	        "([a:b = 1] FOLLOWEDBY ([c:d = 2] OR [e:f = 3]))");
	assert_format("([a:b = 1] OR [c:d = 2]) AND [e:f = 3]",
	        "(([a:b = 1] OR [c:d = 2]) AND [e:f = 3])");
	assert_format(
	        "[a:b = 1] OR [a:b = 2] OR [a:b = 3]", "([a:b = 1] OR [a:b = 2] OR [a:b = 3])");
	assert_format("[a:b = 1 OR c:d = 2 AND e:f = 3]", "[(a:b = 1 OR (c:d = 2 AND e:f = 3))]");
	assert_format("[(a:b = 1 OR c:d = 2) AND e:f = 3]", "[((a:b = 1 OR c:d = 2) AND e:f = 3)]");
	assert_format("[a:b = 1] AND [c:d = 2] WITHIN 5 SECONDS",
	        "([a:b = 1] AND [c:d = 2] WITHIN 5 SECONDS)");
	assert_format("([a:b = 1] AND [c:d = 2]) WITHIN 5.5 SECONDS",
	        "([a:b = 1] AND [c:d = 2]) WITHIN 5.5 SECONDS");
	assert_format("[a:b = 1] REPEATS +5 TIMES WITHIN 10 SECONDS START t'2020-01-01T00:00:00Z' "
	              "STOP t'2020-01-02T00:00:00Z'",
	        "[a:b = 1] REPEATS 5 TIMES WITHIN 10 SECONDS START t'2020-01-01T00:00:00Z' STOP "
	        "t'2020-01-02T00:00:00Z'");
	assert_format("([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS",
	        "([a:b = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS");
	assert_format("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS",
	        "([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS");
	assert_format("(([a:b = 1]))", "[a:b = 1]");
	assert_format("[a:b == 1 AND a:c <> 2 AND a:d NOT > -3 AND a:e >= .5 AND a:f < -0.5]",
	        "[(a:b = 1 AND a:c != 2 AND a:d NOT > -3 AND a:e >= .5 AND a:f < -0.5)]");
	assert_format("[NOT EXISTS a:b AND EXISTS a:'c d'.e[0][*][-1][+2]]",
	        "[(NOT EXISTS a:b AND EXISTS a:'c d'.e[0][*][-1][2])]");
	assert_format("[a:b IN ()] AND [a:b NOT IN ('x', 1, true, h'AB')]",
	        "([a:b IN ()] AND [a:b NOT IN ('x', 1, true, h'ab')])");
	assert_format("[a:'AND'.'b'.'it\\'s' = 'x']", "[a:'AND'.b.'it\\'s' = 'x']");
	assert_format("/* c */ [a:b = 'x' // line\n ]\t\r\n\xc2\xa0\xe3\x80\x80", "[a:b = 'x']");
}

struct collected {
	int count;
	int stop_after;
	char lines[32][256];
};

static int collect(void *arg, const struct pi_pattern_term *t)
{
	struct collected *c = arg;

	if (c->count < 32)
		snprintf(c->lines[c->count], sizeof(c->lines[0]), "%zu|%s|%s|%s%s|%s|%d|%zu/%zu",
		        t->observation, t->object_type, t->path, t->negated ? "NOT " : "", t->op,
		        t->value ? t->value : "(null)", t->value_kind, t->set_index, t->set_count);
	c->count++;
	return c->stop_after && c->count == c->stop_after ? 42 : 0;
}

static void terms_in_source_order(void **state)
{
	const char *text =
	        "[file:hashes.'SHA-256' = "
	        "'AEC070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'"
	        " OR file:hashes.'MD5' = 'cead3f77f6cda6ec00f57d76c9a6879f'] FOLLOWEDBY "
	        "[ipv4-addr:value IN ('10.0.0.1', '10.0.0.2') AND url:value NOT LIKE 'http://%' "
	        "AND "
	        "x:s = 'it\\'s a \\\\ path' AND x:i = +7 AND x:f = -1.25 AND x:t = true AND "
	        "x:h = h'DEADbeef' AND x:b = b'AAE=' AND x:ts > t'2020-01-01T00:00:00.5Z' AND "
	        "NOT EXISTS x:gone AND x:n IN () AND x:net ISSUBSET '10.0.0.0/8' AND "
	        "x:m MATCHES '^a\\\\.b$']";
	static const char *want[] = {
	        ("0|file|hashes.'SHA-256'|=|"
	         "AEC070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f|1|0/0"),
	        "0|file|hashes.MD5|=|cead3f77f6cda6ec00f57d76c9a6879f|1|0/0",
	        "1|ipv4-addr|value|IN|10.0.0.1|1|0/2",
	        "1|ipv4-addr|value|IN|10.0.0.2|1|1/2",
	        "1|url|value|NOT LIKE|http://%|1|0/0",
	        "1|x|s|=|it's a \\ path|1|0/0",
	        "1|x|i|=|7|2|0/0",
	        "1|x|f|=|-1.25|3|0/0",
	        "1|x|t|=|true|4|0/0",
	        "1|x|h|=|deadbeef|5|0/0",
	        "1|x|b|=|AAE=|6|0/0",
	        "1|x|ts|>|2020-01-01T00:00:00.5Z|7|0/0",
	        "1|x|gone|NOT EXISTS|(null)|0|0/0",
	        "1|x|n|IN|(null)|0|0/0",
	        "1|x|net|ISSUBSET|10.0.0.0/8|1|0/0",
	        "1|x|m|MATCHES|^a\\.b$|1|0/0",
	};
	struct collected c = {0};
	pi_pattern *p = NULL;
	struct pi_error err;

	(void)state;
	if (parse(text, &p, &err) != PI_OK)
		fail_msg("%s", err.message);
	assert_int_equal(pi_pattern_observation_count(p), 2);
	assert_int_equal(pi_pattern_each_term(p, collect, &c), 0);
	assert_int_equal(c.count, (int)(sizeof(want) / sizeof(want[0])));
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_string_equal(c.lines[i], want[i]);
	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	assert_int_equal(pi_pattern_each_term(p, collect, &c), 42);
	assert_int_equal(c.count, 3);
	pi_pattern_free(p);
	assert_roundtrip(text);
}

static void assert_error(const char *text, pi_status status, const char *message)
{
	pi_pattern *p = (pi_pattern *)&p;
	struct pi_error err;

	assert_int_equal(pi_pattern_parse(text, strlen(text), &p, &err), status);
	assert_null(p);
	if (strcmp(err.message, message) != 0)
		fail_msg("%s\n  want: %s\n  got:  %s", text, message, err.message);
}

static void refusals_point_at_the_character(void **state)
{
	(void)state;
	assert_error("[file:name = 'x' AN file:size = 1]", PI_ERR_INVALID,
	        "pattern error at character 17: expected AND, OR or ']' to end the observation, "
	        "found 'AN'");
	/* character, not byte: the e-acute is two bytes */
	assert_error("[x:y = '\xc3\xa9' AN x:z = 1]", PI_ERR_INVALID,
	        "pattern error at character 11: expected AND, OR or ']' to end the observation, "
	        "found 'AN'");
	assert_error("", PI_ERR_INVALID, "pattern error at character 0: the pattern is empty");
	assert_error("  /* only */ ", PI_ERR_INVALID,
	        "pattern error at character 13: the pattern is empty");
	assert_error("[a:b = 'x]", PI_ERR_INVALID,
	        "pattern error at character 7: unterminated string: no closing quote (write \\' "
	        "for "
	        "a quote inside)");
	assert_error("[a:b = 'x\\n']", PI_ERR_INVALID,
	        "pattern error at character 9: invalid escape in string: only \\' and \\\\ are "
	        "allowed");
	assert_error("[a:b = 007]", PI_ERR_INVALID,
	        "pattern error at character 7: leading zeros are not allowed in integers");
	assert_error("[a:b = h'abc']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid hex literal: an odd number of hex digits");
	assert_error("[a:b = h'zz']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid hex literal: 'z' is not a hex digit");
	assert_error("[a:b = b'']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid binary literal: base64 text must be a "
	        "non-empty multiple of 4 characters");
	assert_error("[a:b = b'A=A=']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid binary literal: '=' is not a base64 "
	        "character");
	assert_error("[a:b = t'2024-13-01T00:00:00Z']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid timestamp t'2024-13-01T00:00:00Z': the "
	        "month "
	        "must be 01-12");
	assert_error("[a:b = t'2024-01-01T00:00:00+01:00']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid timestamp t'2024-01-01T00:00:00+01:00': it "
	        "must end with 'Z' (UTC)");
	assert_error("[a:b = t'2024-01-01T00:00:00.Z']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid timestamp t'2024-01-01T00:00:00.Z': a '.' "
	        "must be followed by fraction digits");
	assert_error("[a:b = t'2024-01-01']", PI_ERR_INVALID,
	        "pattern error at character 7: invalid timestamp t'2024-01-01': it is too short "
	        "for "
	        "YYYY-MM-DDTHH:MM:SSZ");
	assert_error("[file:hashes.SHA-256 = 'x']", PI_ERR_INVALID,
	        "pattern error at character 13: property name 'SHA-256' contains '-': quote it, as "
	        "in hashes.'SHA-256'");
	assert_error("[file:AND = 'x']", PI_ERR_INVALID,
	        "pattern error at character 6: expected a property name (an identifier or a quoted "
	        "string), found 'AND'");
	assert_error("[NOT file:name = 'x']", PI_ERR_INVALID,
	        "pattern error at character 5: expected EXISTS after a leading NOT (write NOT "
	        "after "
	        "the object path for other comparisons: file:name NOT = 'x'), found 'file'");
	assert_error("[file:name LIKE 1]", PI_ERR_INVALID,
	        "pattern error at character 16: expected a string literal in single quotes, found "
	        "'1'");
	assert_error("[file:size > true]", PI_ERR_INVALID,
	        "pattern error at character 13: expected an orderable literal (a 'string', number, "
	        "h'hex', b'base64' or t'timestamp'), found 'true'");
	assert_error("[a:b IN ('x' 'y')]", PI_ERR_INVALID,
	        "pattern error at character 13: expected ',' or ')' in the set of values, found "
	        "''y''");
	assert_error("[a:b IN 'x']", PI_ERR_INVALID,
	        "pattern error at character 8: expected '(' to start the set of values after IN, "
	        "found ''x''");
	assert_error("[a:b = 1] REPEATS 0 TIMES", PI_ERR_INVALID,
	        "pattern error at character 18: REPEATS must be more than 0");
	assert_error("[a:b = 1] WITHIN 0.0 SECONDS", PI_ERR_INVALID,
	        "pattern error at character 17: WITHIN must be more than 0");
	assert_error("[a:b = 1] REPEATS 1.5 TIMES", PI_ERR_INVALID,
	        "pattern error at character 18: expected a positive whole number after REPEATS, "
	        "found '1.5'");
	assert_error("[a:b = 1] START t'2020-01-01T00:00:00Z'", PI_ERR_INVALID,
	        "pattern error at character 39: expected STOP, found the end of the pattern");
	assert_error("[a:b = 1] [c:d = 2]", PI_ERR_INVALID,
	        "pattern error at character 10: expected AND, OR, FOLLOWEDBY, WITHIN, REPEATS, "
	        "START "
	        "or the end of the pattern, found '['");
	assert_error("([a:b = 1]", PI_ERR_INVALID,
	        "pattern error at character 10: expected AND, OR, FOLLOWEDBY, a qualifier or ')', "
	        "found the end of the pattern");
	assert_error("[a:b = 1 AND]", PI_ERR_INVALID,
	        "pattern error at character 12: expected an object path like file:name, '(', NOT "
	        "or "
	        "EXISTS, found ']'");
	assert_error("[a:b = 1] ! [c:d = 1]", PI_ERR_INVALID,
	        "pattern error at character 10: unexpected '!' (did you mean '!='?)");
	assert_error("[a:b = 1] /* open", PI_ERR_INVALID,
	        "pattern error at character 10: unterminated /* comment");
	assert_error("[a:b = '\xff']", PI_ERR_INVALID,
	        "pattern error at character 8: the pattern is not valid UTF-8");
	assert_error("[a:b = '\xe2\x82']", PI_ERR_INVALID,
	        "pattern error at character 8: the pattern is not valid UTF-8");
	assert_error("[a:b = '\xed\xa0\x80']", PI_ERR_INVALID,
	        "pattern error at character 8: the pattern is not valid UTF-8");
	assert_error("[a:b = \xe2\x82\xac]", PI_ERR_INVALID,
	        "pattern error at character 7: unexpected character '\xe2\x82\xac'");
	{
		pi_pattern *p = NULL;
		struct pi_error err;
		assert_int_equal(pi_pattern_parse("[a:b = '\0']", 11, &p, &err), PI_ERR_INVALID);
		assert_string_equal(err.message, "pattern error at character 8: NUL character in "
		                                 "the pattern");
		/* length is honoured: the text need not be NUL-terminated */
		assert_int_equal(pi_pattern_parse("[a:b = 1]GARBAGE", 9, &p, &err), PI_OK);
		pi_pattern_free(p);
		assert_int_equal(pi_pattern_parse(NULL, 0, &p, &err), PI_ERR_INVALID);
	}
}

static void hash_values_are_checked(void **state)
{
	pi_pattern *p = NULL;
	struct pi_error err;

	(void)state;
	assert_error("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879']", PI_ERR_INVALID,
	        "pattern error at character 19: 'cead3f77f6cda6ec00f57d76c9a6879' is not a valid "
	        "MD5 "
	        "hash");
	assert_error("[file:hashes.'sha-1' = 'zz']", PI_ERR_INVALID,
	        "pattern error at character 23: 'zz' is not a valid SHA-1 hash");
	assert_error(
	        "[file:hashes.'SHA-512' IN ('" /* second member wrong */
	        "00000000000000000000000000000000000000000000000000000000000000000000000000000000"
	        "000000000000000000000000000000000000000000000000', 'ab')]",
	        PI_ERR_INVALID, "pattern error at character 159: 'ab' is not a valid SHA-512 hash");
	assert_error("[file:hashes.MD5 = 5]", PI_ERR_INVALID,
	        "pattern error at character 19: '5' is not a valid MD5 hash");
	assert_int_equal(parse("[file:hashes.'SHA-1' = '3395856CE81F2B7382DEE72602F798B642F14140']",
	                         &p, &err),
	        PI_OK);
	pi_pattern_free(p);
	assert_int_equal(parse("[file:hashes.SSDEEP = '3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C']",
	                         &p, &err),
	        PI_OK);
	pi_pattern_free(p);
	/* only pinning comparisons are checked; unknown algorithms are free-form */
	assert_int_equal(parse("[file:hashes.MD5 MATCHES '^cead'] AND [file:hashes.'x-custom' = "
	                       "'abc'] AND [file:hashes[*] = 'f00']",
	                         &p, &err),
	        PI_OK);
	pi_pattern_free(p);
}

static void duplicate_qualifiers(void **state)
{
	pi_pattern *p = NULL;
	struct pi_error err;

	(void)state;
	assert_error("[a:b = 1] REPEATS 2 TIMES WITHIN 5 SECONDS REPEATS 3 TIMES", PI_ERR_INVALID,
	        "pattern error at character 43: duplicate REPEATS qualifier on the same "
	        "observation");
	/* a second [ ] starts afresh */
	assert_int_equal(
	        parse("[a:b = 1] WITHIN 5 SECONDS AND [a:b = 2] WITHIN 5 SECONDS", &p, &err),
	        PI_OK);
	pi_pattern_free(p);
}

static void timestamps_grammar_and_strict(void **state)
{
	const char *feb30 = "[x:created = t'2024-02-30T12:00:00Z']";
	const char *leap = "[x:created = t'2016-12-31T23:59:60Z']";
	const char *long_fraction = "[x:created = t'2016-12-31T23:59:59.1234567890Z']";
	pi_pattern *p = NULL;
	struct pi_error err;

	(void)state;
	/* the grammar (and the OASIS validator) accepts these */
	assert_int_equal(parse(feb30, &p, &err), PI_OK);
	pi_pattern_free(p);
	assert_int_equal(parse(leap, &p, &err), PI_OK);
	pi_pattern_free(p);
	assert_int_equal(parse(long_fraction, &p, &err), PI_OK);
	pi_pattern_free(p);
	/* strict mode asks pi_time_parse */
	assert_int_equal(
	        pi_pattern_parse_ex(feb30, strlen(feb30), PI_PATTERN_STRICT_TIMES, &p, &err),
	        PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "pattern error at character 13: invalid timestamp: "));
	assert_non_null(strstr(err.message, "not a real calendar date"));
	assert_int_equal(pi_pattern_parse_ex(long_fraction, strlen(long_fraction),
	                         PI_PATTERN_STRICT_TIMES, &p, &err),
	        PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "more than 9 fraction digits"));
	assert_int_equal(
	        pi_pattern_parse_ex(leap, strlen(leap), PI_PATTERN_STRICT_TIMES, &p, &err), PI_OK);
	pi_pattern_free(p);
}

static char *repeat(const char *head, const char *unit, size_t times, const char *tail)
{
	struct pi_buf b;

	pi_buf_init(&b, 1 << 24);
	assert_int_equal(pi_buf_puts(&b, head), PI_OK);
	for (size_t i = 0; i < times; i++)
		assert_int_equal(pi_buf_puts(&b, unit), PI_OK);
	assert_int_equal(pi_buf_puts(&b, tail), PI_OK);
	return pi_buf_steal(&b);
}

static void caps_depth_and_size(void **state)
{
	pi_pattern *p = NULL;
	struct pi_error err;
	char *text;
	struct pi_buf b;

	(void)state;
	/* 63 parentheses plus the bracket: exactly at the cap */
	text = repeat("", "(", 63, "[a:b = 1");
	{
		char *full = repeat(text, ")", 0, "]");
		free(text);
		text = repeat(full, ")", 63, "");
		free(full);
	}
	assert_int_equal(parse(text, &p, &err), PI_OK);
	pi_pattern_free(p);
	free(text);
	/* deeper: refused without using the stack for every level */
	text = repeat("", "(", 100000, "");
	assert_int_equal(parse(text, &p, &err), PI_ERR_TOOBIG);
	assert_string_equal(err.message, "pattern error at character 64: nesting deeper than 64 "
	                                 "levels of brackets and parentheses");
	free(text);
	text = repeat("[", "(", 100000, "");
	assert_int_equal(parse(text, &p, &err), PI_ERR_TOOBIG);
	free(text);
	/* too many elements */
	text = repeat("[a:b IN (0", ",1", PI_PATTERN_MAX_NODES, ")]");
	assert_int_equal(parse(text, &p, &err), PI_ERR_TOOBIG);
	assert_non_null(strstr(err.message, "more than 200000 elements"));
	free(text);
	/* long flat chains are fine: no recursion per operand */
	text = repeat("[a:b = 0]", " OR [a:b = 1]", 20000, "");
	assert_int_equal(parse(text, &p, &err), PI_OK);
	pi_buf_init(&b, 1 << 24);
	assert_int_equal(pi_pattern_format(p, &b), PI_OK);
	assert_int_equal(b.len, strlen(text) + 2);
	pi_buf_free(&b);
	pi_pattern_free(p);
	free(text);
	text = repeat("[a:b = 0", " AND a:b = 1", 20000, "] WITHIN 1 SECONDS");
	assert_int_equal(parse(text, &p, &err), PI_OK);
	pi_pattern_free(p);
	free(text);
	text = repeat("([a:b = 0])", " WITHIN 1 SECONDS", 20000, "");
	assert_int_equal(parse(text, &p, &err), PI_OK);
	pi_pattern_free(p);
	free(text);
}

static void keywords_and_lexing_edges(void **state)
{
	static const char *ok[] = {
	        "[file:name MATCHES'^a']",
	        "[x-usb-device:usbdrive.serial_number = '5']",
	        "[a_b:c = 'multi\nline']",
	        "[a:b = 1]WITHIN 1SECONDS",
	        "[a:b = -0]",
	        "[a:b = 00.5]",
	        "[a:b = +.5]",
	        "[a:b = h'']",
	        "[a:b = b'AA==']",
	        "[a:b = b'AAA=']",
	        "[a:b = b'AAAA']",
	        "[a:b = 'x'] AND [a:b = '']",
	        "[a:b = true] OR [a:b = false]",
	        "[a:b ISSUPERSET '10.0.0.0/8']",
	        "[a:'b'.c = 1]",
	        "[t:h = 1]",
	        "[ANDx:ORy = 1]",
	        "[a:b = 1] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:00.000000001Z'",
	};
	static const char *bad[] = {
	        "[a:b = 1.]",
	        "[a:b = .]",
	        "[a:b = 1] within 1 SECONDS",
	        "[a:b = 1] AND",
	        "[a:b = 1] OR ()",
	        "[]",
	        "()",
	        "[a:b]",
	        "[a: = 1]",
	        "[:b = 1]",
	        "[a:b = 1] WITHIN -1 SECONDS",
	        "[a:b = 1] REPEATS 1 TIME",
	        "[a:b[x] = 1]",
	        "[a:b[1 = 1]",
	        "[a:b = tru]",
	        "[a:b = TRUE]",
	        "[a:b LAST 1]",
	        "[a:b = 'x' 'y']",
	        "[a:b = 1] FOLLOWEDBY",
	        "[a:b NOT]",
	        "[a:b NOT NOT = 1]",
	        "[a:b = b'AAA']",
	        "[a:b = t'2020-01-01T00:00:00Z]",
	        "[a:b = 1]]",
	        "[a:b = 1-2]",
	        "[a:b = 1] START t'2020-01-01T00:00:00Z' STOP 5",
	};
	pi_pattern *p = NULL;
	struct pi_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (parse(ok[i], &p, &err) != PI_OK)
			fail_msg("%s: %s", ok[i], err.message);
		pi_pattern_free(p);
		assert_roundtrip(ok[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &p, &err) == PI_OK)
			fail_msg("accepted %s", bad[i]);
		assert_int_equal(err.status, PI_ERR_INVALID);
		assert_non_null(strstr(err.message, "pattern error at character "));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(oasis_cases_all_pass),
	        cmocka_unit_test(oasis_text_files),
	        cmocka_unit_test(precedence_and_grouping),
	        cmocka_unit_test(terms_in_source_order),
	        cmocka_unit_test(refusals_point_at_the_character),
	        cmocka_unit_test(hash_values_are_checked),
	        cmocka_unit_test(duplicate_qualifiers),
	        cmocka_unit_test(timestamps_grammar_and_strict),
	        cmocka_unit_test(caps_depth_and_size),
	        cmocka_unit_test(keywords_and_lexing_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
