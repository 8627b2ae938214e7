#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/json.h"
#include "core/secret.h"
#include "store/member.h"

static void slugs(void **state)
{
	struct pi_error err;
	const char *ok[] = {"ab", "northpost", "poste-italiane", "a1", "9z",
	        "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij123"};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(pi_member_check_slug("slug", ok[i], &err), PI_OK);
	assert_int_equal(pi_member_check_slug("slug", "a", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "slug: must be 2 to 63 characters long (got 1)"));
	assert_int_equal(pi_member_check_slug("slug", "", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_slug("slug", NULL, &err), PI_ERR_INVALID);
	assert_int_equal(
	        pi_member_check_slug("slug",
	                "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij1234", &err),
	        PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "or more"));
	assert_int_equal(pi_member_check_slug("name", "North_Post", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "name: character 1 is not allowed"));
	assert_int_equal(pi_member_check_slug("slug", "north post", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "character 6"));
	assert_int_equal(pi_member_check_slug("slug", "-north", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "start and end"));
	assert_int_equal(pi_member_check_slug("slug", "north-", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_slug("slug", "n\xc3\xb6rd", &err), PI_ERR_INVALID);
}

static void usernames(void **state)
{
	struct pi_error err;

	(void)state;
	assert_int_equal(pi_member_check_username("alice", &err), PI_OK);
	assert_int_equal(pi_member_check_username("a.b_c-d9", &err), PI_OK);
	assert_int_equal(pi_member_check_username("9lives", &err), PI_OK);
	assert_int_equal(pi_member_check_username(".alice", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "must start with a letter or digit"));
	assert_int_equal(pi_member_check_username("Alice", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "username: character 1 is not allowed"));
	assert_int_equal(pi_member_check_username("al ice", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_username("al@ice", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_username("x", &err), PI_ERR_INVALID);
}

static void org_types_countries_roles(void **state)
{
	struct pi_error err;
	enum pi_role role = PI_ROLE_NONE;

	(void)state;
	assert_int_equal(pi_member_check_org_type("postal-operator", &err), PI_OK);
	assert_int_equal(pi_member_check_org_type("isac-operator", &err), PI_OK);
	assert_int_equal(pi_member_check_org_type("pes-provider", &err), PI_OK);
	assert_int_equal(pi_member_check_org_type("courier", &err), PI_ERR_INVALID);
	assert_non_null(
	        strstr(err.message, "type: 'courier' is not an organisation type; use one of "
	                            "postal-operator, regulator"));
	assert_int_equal(pi_member_check_org_type("", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_country("", &err), PI_OK);
	assert_int_equal(pi_member_check_country(NULL, &err), PI_OK);
	assert_int_equal(pi_member_check_country("DE", &err), PI_OK);
	assert_int_equal(pi_member_check_country("de", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "two-letter ISO 3166-1 code"));
	assert_int_equal(pi_member_check_country("DEU", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_role("org-admin", &role, &err), PI_OK);
	assert_int_equal(role, PI_ROLE_ORG_ADMIN);
	assert_int_equal(pi_member_check_role("read-only", &role, &err), PI_OK);
	assert_int_equal(role, PI_ROLE_READONLY);
	assert_int_equal(pi_member_check_role("root", &role, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "role: 'root' is not a role"));
	assert_int_equal(pi_member_check_role("none", &role, &err), PI_ERR_INVALID);
}

static void emails_and_text(void **state)
{
	struct pi_error err;
	char big[300];

	(void)state;
	assert_int_equal(pi_member_check_email("", &err), PI_OK);
	assert_int_equal(pi_member_check_email("soc@northpost.example", &err), PI_OK);
	assert_int_equal(pi_member_check_email("soc", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "is not an e-mail address"));
	assert_int_equal(pi_member_check_email("@x.org", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_email("a@b@c.org", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_email("a@localhost", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "not a dotted name"));
	assert_int_equal(pi_member_check_email("a@x.", &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_email("a b@x.org", &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "spaces"));

	assert_int_equal(pi_member_check_text("name", "Poste \xc3\x89toile", 255, 1, &err), PI_OK);
	assert_int_equal(pi_member_check_text("name", "", 255, 1, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "name: must not be empty"));
	assert_int_equal(pi_member_check_text("name", "", 255, 0, &err), PI_OK);
	assert_int_equal(pi_member_check_text("name", "a\nb", 255, 0, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "control characters"));
	assert_int_equal(pi_member_check_text("name", "a\xc3", 255, 0, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "byte 2 is not valid UTF-8"));
	assert_int_equal(
	        pi_member_check_text("name", "\xed\xa0\x80", 255, 0, &err), PI_ERR_INVALID);
	assert_int_equal(pi_member_check_text("name", "\xc0\xaf", 255, 0, &err), PI_ERR_INVALID);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pi_member_check_text("display_name", big, 255, 0, &err), PI_ERR_INVALID);
	assert_non_null(strstr(err.message, "display_name: longer than 255 bytes"));
	big[255] = '\0';
	assert_int_equal(pi_member_check_text("display_name", big, 255, 0, &err), PI_OK);
}

static void generated_passwords(void **state)
{
	char a[PI_MEMBER_PASSWORD_GEN_LEN + 1], b[PI_MEMBER_PASSWORD_GEN_LEN + 1];
	char small[5];
	struct pi_error err;
	char hash[PI_PASSWORD_HASH_MAX];

	(void)state;
	assert_int_equal(pi_secret_init(), 0);
	pi_member_password_generate(a, sizeof(a));
	pi_member_password_generate(b, sizeof(b));
	assert_int_equal(strlen(a), PI_MEMBER_PASSWORD_GEN_LEN);
	assert_string_not_equal(a, b);
	assert_null(strpbrk(a, "0O1lI"));
	pi_member_password_generate(small, sizeof(small));
	assert_int_equal(strlen(small), 4);
	/* the generated password satisfies the password policy */
	assert_int_equal(pi_password_hash(a, hash, &err), PI_OK);
	assert_true(pi_password_verify(hash, a));
}

static cJSON *parse(const struct pi_buf *b)
{
	cJSON *root = NULL;
	struct pi_error err;

	assert_int_equal(pi_json_parse(b->data, b->len, 10, &root, &err), PI_OK);
	return root;
}

static void json_forms(void **state)
{
	struct pi_buf b;
	struct pi_org org;
	struct pi_user user;
	struct pi_token token;
	struct pi_group group;
	cJSON *root;

	(void)state;
	pi_buf_init(&b, 1 << 16);
	memset(&org, 0, sizeof(org));
	snprintf(org.slug, sizeof(org.slug), "northpost");
	snprintf(org.name, sizeof(org.name), "Northland \"Post\"");
	snprintf(org.type, sizeof(org.type), "postal-operator");
	org.created_at = 1700000000123456;
	assert_int_equal(pi_member_json_org(&b, &org), PI_OK);
	root = parse(&b);
	assert_string_equal(pi_json_get_string(root, "name"), "Northland \"Post\"");
	assert_string_equal(pi_json_get_string(root, "created_at"), "2023-11-14T22:13:20.123456Z");
	assert_string_equal(pi_json_get_string(root, "country"), "");
	cJSON_Delete(root);

	pi_buf_reset(&b);
	memset(&user, 0, sizeof(user));
	snprintf(user.username, sizeof(user.username), "alice");
	user.role = PI_ROLE_ORG_ADMIN;
	user.disabled = 1;
	assert_int_equal(pi_member_json_user(&b, &user, "northpost"), PI_OK);
	root = parse(&b);
	assert_string_equal(pi_json_get_string(root, "org"), "northpost");
	assert_string_equal(pi_json_get_string(root, "role"), "org-admin");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(root, "disabled")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "created_at")));
	assert_null(cJSON_GetObjectItem(root, "password"));
	cJSON_Delete(root);

	pi_buf_reset(&b);
	memset(&token, 0, sizeof(token));
	token.id = 42;
	snprintf(token.prefix, sizeof(token.prefix), "pi_abcdefg");
	token.created_at = 1700000000000000;
	assert_int_equal(pi_member_json_token(&b, &token), PI_OK);
	root = parse(&b);
	assert_int_equal(cJSON_GetObjectItem(root, "id")->valueint, 42);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "last_used_at")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(root, "revoked")));
	cJSON_Delete(root);

	pi_buf_reset(&b);
	memset(&group, 0, sizeof(group));
	snprintf(group.name, sizeof(group.name), "europe-posts");
	assert_int_equal(pi_member_json_group(&b, &group, "", 1), PI_OK);
	root = parse(&b);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "collection_id")));
	cJSON_Delete(root);
	pi_buf_reset(&b);
	assert_int_equal(pi_member_json_group(&b, &group, "1234", 0), PI_OK);
	assert_int_equal(pi_buf_puts(&b, ",\"members\":[]}"), PI_OK);
	root = parse(&b);
	assert_string_equal(pi_json_get_string(root, "collection_id"), "1234");
	cJSON_Delete(root);
	pi_buf_free(&b);

	/* a cap that is too small is reported, not overrun */
	pi_buf_init(&b, 16);
	assert_int_equal(pi_member_json_org(&b, &org), PI_ERR_TOOBIG);
	pi_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(slugs),
	        cmocka_unit_test(usernames),
	        cmocka_unit_test(org_types_countries_roles),
	        cmocka_unit_test(emails_and_text),
	        cmocka_unit_test(generated_passwords),
	        cmocka_unit_test(json_forms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
