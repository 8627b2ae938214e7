/* The TLP / sharing decision table of core/access.h, row by row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/access.h"

enum { ORG_A = 1, ORG_B = 2, ORG_C = 3, GROUP_AB = 10, U_A1 = 101, U_A2 = 102, U_B1 = 201, U_B2 = 202, U_C1 = 301 };

static struct pi_principal who(int64_t user, int64_t org, enum pi_role role, int in_group)
{
	struct pi_principal p;

	memset(&p, 0, sizeof(p));
	p.user_id = user;
	p.org_id = org;
	p.role = role;
	if (in_group) {
		p.group_ids[0] = GROUP_AB;
		p.n_groups = 1;
	}
	return p;
}

static struct pi_acl acl(enum pi_scope_kind scope, int64_t scope_id, enum pi_tlp tlp, const char *recipients)
{
	struct pi_acl a = {scope, scope_id, tlp, ORG_A, U_A1, recipients};
	return a;
}

struct row {
	enum pi_scope_kind scope;
	int64_t scope_id;
	enum pi_tlp tlp;
	const char *recipients;
	/* expected VIEW for: creator A1, colleague A2, B1, B2, C1, anonymous */
	int creator, colleague, b1, b2, c1, anon;
};

static const struct row table[] = {
	/* community collection */
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_CLEAR, NULL, 1, 1, 1, 1, 1, 1},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_GREEN, NULL, 1, 1, 1, 1, 1, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER, NULL, 1, 1, 0, 0, 0, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER, "o2", 1, 1, 1, 1, 0, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER, "u201", 1, 1, 1, 0, 0, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER_STRICT, "o2", 1, 1, 1, 1, 0, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER_STRICT, NULL, 1, 1, 0, 0, 0, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_RED, NULL, 1, 0, 0, 0, 0, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_RED, "u201", 1, 0, 1, 0, 0, 0},
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_RED, "u2010,u20", 1, 0, 0, 0, 0, 0}, /* no prefix matches */
	{PI_SCOPE_COMMUNITY, 0, PI_TLP_UNMARKED, NULL, 1, 1, 0, 0, 0, 0},
	/* sharing group of A and B */
	{PI_SCOPE_GROUP, GROUP_AB, PI_TLP_CLEAR, NULL, 1, 1, 1, 1, 0, 0},
	{PI_SCOPE_GROUP, GROUP_AB, PI_TLP_GREEN, NULL, 1, 1, 1, 1, 0, 0},
	{PI_SCOPE_GROUP, GROUP_AB, PI_TLP_AMBER, NULL, 1, 1, 1, 1, 0, 0},
	{PI_SCOPE_GROUP, GROUP_AB, PI_TLP_AMBER_STRICT, NULL, 1, 1, 1, 1, 0, 0},
	{PI_SCOPE_GROUP, GROUP_AB, PI_TLP_AMBER, "o3", 1, 1, 1, 1, 0, 0}, /* C cannot read the scope */
	{PI_SCOPE_GROUP, GROUP_AB, PI_TLP_RED, "u202", 1, 0, 0, 1, 0, 0},
	{PI_SCOPE_GROUP, GROUP_AB, PI_TLP_UNMARKED, NULL, 1, 1, 0, 0, 0, 0},
	/* A's private collection */
	{PI_SCOPE_ORG, ORG_A, PI_TLP_CLEAR, NULL, 1, 1, 0, 0, 0, 0},
	{PI_SCOPE_ORG, ORG_A, PI_TLP_GREEN, NULL, 1, 1, 0, 0, 0, 0},
	{PI_SCOPE_ORG, ORG_A, PI_TLP_AMBER, "o2", 1, 1, 0, 0, 0, 0},
	{PI_SCOPE_ORG, ORG_A, PI_TLP_RED, NULL, 1, 0, 0, 0, 0, 0},
};

static void decision_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		struct pi_acl a = acl(r->scope, r->scope_id, r->tlp, r->recipients);
		struct pi_principal readers[] = {who(U_A1, ORG_A, PI_ROLE_ANALYST, 1),
			who(U_A2, ORG_A, PI_ROLE_READONLY, 1), who(U_B1, ORG_B, PI_ROLE_ANALYST, 1),
			who(U_B2, ORG_B, PI_ROLE_ANALYST, 1), who(U_C1, ORG_C, PI_ROLE_ADMIN, 0),
			who(0, 0, PI_ROLE_NONE, 0)};
		int expect[] = {r->creator, r->colleague, r->b1, r->b2, r->c1, r->anon};
		for (size_t k = 0; k < 6; k++) {
			int got = pi_access_allows(&readers[k], &a, PI_PURPOSE_VIEW);
			if (got != expect[k])
				fail_msg("row %zu (%s, tlp %s, recipients %s), reader %zu: got %d, expected %d", i,
					r->scope == PI_SCOPE_COMMUNITY ? "community" : r->scope == PI_SCOPE_GROUP ? "group" : "org",
					pi_tlp_name(r->tlp), r->recipients ? r->recipients : "-", k, got, expect[k]);
		}
	}
}

static void red_never_leaves(void **state)
{
	struct pi_principal creator = who(U_A1, ORG_A, PI_ROLE_ANALYST, 0);
	struct pi_acl red = acl(PI_SCOPE_COMMUNITY, 0, PI_TLP_RED, "u201");
	struct pi_acl strict = acl(PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER_STRICT, NULL);
	struct pi_acl amber = acl(PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER, NULL);
	struct pi_acl green = acl(PI_SCOPE_COMMUNITY, 0, PI_TLP_GREEN, NULL);

	(void)state;
	assert_true(pi_access_allows(&creator, &red, PI_PURPOSE_VIEW));
	assert_false(pi_access_allows(&creator, &red, PI_PURPOSE_EXPORT));
	assert_false(pi_access_allows(&creator, &red, PI_PURPOSE_FEDERATE));
	assert_true(pi_access_allows(&creator, &strict, PI_PURPOSE_EXPORT));
	assert_false(pi_access_allows(&creator, &strict, PI_PURPOSE_FEDERATE));
	assert_false(pi_access_allows(&creator, &amber, PI_PURPOSE_FEDERATE));
	assert_true(pi_access_allows(&creator, &green, PI_PURPOSE_FEDERATE));
}

static void admins_get_no_bypass(void **state)
{
	struct pi_principal admin = who(900, 9, PI_ROLE_ADMIN, 0);
	struct pi_acl amber = acl(PI_SCOPE_COMMUNITY, 0, PI_TLP_AMBER, NULL);
	struct pi_acl priv = acl(PI_SCOPE_ORG, ORG_A, PI_TLP_CLEAR, NULL);

	(void)state;
	assert_false(pi_access_allows(&admin, &amber, PI_PURPOSE_VIEW));
	assert_false(pi_access_allows(&admin, &priv, PI_PURPOSE_VIEW));
	assert_false(pi_access_can_read_scope(&admin, PI_SCOPE_GROUP, GROUP_AB));
}

static void writers_and_deleters(void **state)
{
	struct pi_principal analyst = who(U_A2, ORG_A, PI_ROLE_ANALYST, 1);
	struct pi_principal reader = who(U_A2, ORG_A, PI_ROLE_READONLY, 1);
	struct pi_principal reporter = who(U_A2, ORG_A, PI_ROLE_REPORTER, 1);
	struct pi_principal regulator = who(U_A2, ORG_A, PI_ROLE_REGULATOR, 1);
	struct pi_principal other = who(U_B1, ORG_B, PI_ROLE_ORG_ADMIN, 1);
	struct pi_principal anon = who(0, 0, PI_ROLE_NONE, 0);
	struct pi_acl green = acl(PI_SCOPE_COMMUNITY, 0, PI_TLP_GREEN, NULL);

	(void)state;
	assert_true(pi_access_can_write_scope(&analyst, PI_SCOPE_COMMUNITY, 0));
	assert_false(pi_access_can_write_scope(&reader, PI_SCOPE_COMMUNITY, 0));
	assert_false(pi_access_can_write_scope(&reporter, PI_SCOPE_COMMUNITY, 0));
	assert_false(pi_access_can_write_scope(&regulator, PI_SCOPE_COMMUNITY, 0));
	assert_false(pi_access_can_write_scope(&anon, PI_SCOPE_COMMUNITY, 0));
	assert_false(pi_access_can_write_scope(&analyst, PI_SCOPE_ORG, ORG_B));
	assert_true(pi_access_can_delete(&analyst, &green));
	assert_false(pi_access_can_delete(&other, &green));
	assert_false(pi_access_can_delete(&reader, &green));
}

static void recipients_parse_exactly(void **state)
{
	(void)state;
	assert_true(pi_recipients_contain("o1,u7,o12", 'o', 12));
	assert_true(pi_recipients_contain("o1,u7,o12", 'u', 7));
	assert_false(pi_recipients_contain("o1,u7,o12", 'o', 7));
	assert_false(pi_recipients_contain("o12", 'o', 1));
	assert_false(pi_recipients_contain("", 'o', 0));
	assert_false(pi_recipients_contain(NULL, 'u', 1));
	assert_false(pi_recipients_contain("u", 'u', 0));
}

static void tlp_names_and_ids(void **state)
{
	enum pi_tlp t;

	(void)state;
	assert_int_equal(pi_tlp_from_marking_id("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"), PI_TLP_AMBER_STRICT);
	assert_int_equal(pi_tlp_from_marking_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"), PI_TLP_CLEAR);
	assert_int_equal(pi_tlp_from_marking_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"), PI_TLP_RED);
	assert_int_equal(pi_tlp_from_marking_id("marking-definition--00000000-0000-4000-8000-000000000000"), -1);
	assert_int_equal(pi_tlp_parse("TLP:AMBER+STRICT", &t), 0);
	assert_int_equal(t, PI_TLP_AMBER_STRICT);
	assert_int_equal(pi_tlp_parse("white", &t), 0);
	assert_int_equal(t, PI_TLP_CLEAR);
	assert_int_equal(pi_tlp_parse("purple", &t), -1);
	assert_string_equal(pi_tlp_label(PI_TLP_RED), "TLP:RED");
	assert_null(pi_tlp_marking_id(PI_TLP_UNMARKED));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decision_table),
		cmocka_unit_test(red_never_leaves),
		cmocka_unit_test(admins_get_no_bypass),
		cmocka_unit_test(writers_and_deleters),
		cmocka_unit_test(recipients_parse_exactly),
		cmocka_unit_test(tlp_names_and_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
