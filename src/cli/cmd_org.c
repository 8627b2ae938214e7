/* cmd_org.c - `postisac org list|add|show|set`: member organisations, on the database
 * directly (for the hub operator at the console; the JSON API does the same over HTTP).
 * The field rules and JSON shapes are those of store/member.h, so both agree. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "store/member.h"

static const struct pi_cli_opt list_opts[] = {PI_CLI_OPT_DB, PI_CLI_OPT_JSON, PI_CLI_OPT_END};

static const struct pi_cli_opt add_opts[] = {
        {"--name", "NAME", "the organisation's full name (required)"},
        {"--type", "TYPE", "one of " PI_ORG_TYPES " (required)"},
        {"--country", "CC", "two-letter ISO 3166-1 country code, such as DE"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const struct pi_cli_opt set_opts[] = {
        {"--name", "NAME", "new full name"},
        {"--type", "TYPE", "new type: one of " PI_ORG_TYPES},
        {"--country", "CC", "new country code (\"\" to clear)"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

struct list_ctx {
	struct pi_buf *out;
	size_t n;
	pi_status st;
};

static int add_row(void *arg, const struct pi_org *org)
{
	struct list_ctx *l = arg;

	if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = pi_member_json_org(l->out, org);
	return l->st != PI_OK;
}

static int org_list(struct pi_cli_args *a)
{
	static const char *const cols[] = {"slug", "type", "country", "name", NULL};
	pi_store *store = NULL;
	struct pi_buf out;
	struct pi_error err;
	struct list_ctx l = {&out, 0, PI_OK};
	int rc = pi_cli_open_store(pi_cli_value(a, "--db"), &store);

	pi_buf_init(&out, PI_CLI_OUT_CAP);
	if (rc != PI_EXIT_OK)
		goto out;
	pi_buf_puts(&out, "{\"orgs\":[");
	if (pi_store_org_list(store, add_row, &l, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (l.st != PI_OK || pi_buf_puts(&out, "]}") != PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "the list is too large to print");
		goto out;
	}
	pi_cli_print_table(out.data, "orgs", cols, pi_cli_has(a, "--json"));
out:
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}

/* Checks --name/--type/--country if given and copies them into org. */
static int apply_fields(struct pi_cli_args *a, struct pi_org *org)
{
	struct pi_error err;
	const char *name = pi_cli_value(a, "--name"), *type = pi_cli_value(a, "--type");
	const char *country = pi_cli_value(a, "--country");

	if (name && pi_member_check_text("name", name, PI_MEMBER_NAME_MAX, 1, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	if (type && pi_member_check_org_type(type, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	if (country && pi_member_check_country(country, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	if (name)
		snprintf(org->name, sizeof(org->name), "%s", name);
	if (type)
		snprintf(org->type, sizeof(org->type), "%s", type);
	if (country)
		snprintf(org->country, sizeof(org->country), "%s", country);
	return PI_EXIT_OK;
}

static int print_org(struct pi_cli_args *a, const struct pi_org *org)
{
	struct pi_buf out;
	int rc = PI_EXIT_OK;

	pi_buf_init(&out, PI_CLI_OUT_CAP);
	if (pi_member_json_org(&out, org) != PI_OK)
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "out of memory");
	else
		pi_cli_print_object(out.data, pi_cli_has(a, "--json"));
	pi_buf_free(&out);
	return rc;
}

static int org_add(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_org org, existing;
	struct pi_error err;
	char uuid[37];
	const char *slug = a->pos[0];
	int rc;

	if (!pi_cli_has(a, "--name") || !pi_cli_has(a, "--type"))
		return pi_cli_error(a->cmd, PI_EXIT_USAGE,
		        "--name and --type are required (run 'postisac org add --help')");
	if (pi_member_check_slug("slug", slug, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	memset(&org, 0, sizeof(org));
	snprintf(org.slug, sizeof(org.slug), "%s", slug);
	rc = apply_fields(a, &org);
	if (rc != PI_EXIT_OK)
		return rc;
	rc = pi_cli_open_store(pi_cli_value(a, "--db"), &store);
	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_store_org_find(store, slug, &existing, &err) == PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL,
		        "an organisation with slug '%s' already exists; change it with 'postisac "
		        "org set %s'",
		        slug, slug);
		goto out;
	}
	pi_uuid4(uuid);
	snprintf(org.identity_id, sizeof(org.identity_id), "identity--%s", uuid);
	org.created_at = pi_time_now_us();
	if (pi_store_org_create(store, &org, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	rc = print_org(a, &org);
out:
	pi_store_close(store);
	return rc;
}

/* Opens the store and finds the organisation named by the first argument. */
static int open_org(struct pi_cli_args *a, pi_store **store, struct pi_org *org)
{
	struct pi_error err;
	int rc = pi_cli_open_store(pi_cli_value(a, "--db"), store);

	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_store_org_find(*store, a->pos[0], org, &err) != PI_OK) {
		if (err.status == PI_ERR_NOTFOUND)
			return pi_cli_error(a->cmd, PI_EXIT_FAIL,
			        "no organisation with slug '%.64s' ('postisac org list' shows "
			        "them)",
			        a->pos[0]);
		return pi_cli_fail(a->cmd, &err);
	}
	return PI_EXIT_OK;
}

static int org_show(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_org org;
	int rc = open_org(a, &store, &org);

	if (rc == PI_EXIT_OK)
		rc = print_org(a, &org);
	pi_store_close(store);
	return rc;
}

static int org_set(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_org org;
	struct pi_error err;
	int rc;

	if (!pi_cli_has(a, "--name") && !pi_cli_has(a, "--type") && !pi_cli_has(a, "--country"))
		return pi_cli_error(a->cmd, PI_EXIT_USAGE,
		        "nothing to change: give --name, --type or --country");
	rc = open_org(a, &store, &org);
	if (rc == PI_EXIT_OK)
		rc = apply_fields(a, &org);
	if (rc == PI_EXIT_OK && pi_store_org_update(store, &org, &err) != PI_OK)
		rc = pi_cli_fail(a->cmd, &err);
	if (rc == PI_EXIT_OK)
		rc = print_org(a, &org);
	pi_store_close(store);
	return rc;
}

static const struct pi_cli_opt show_opts[] = {PI_CLI_OPT_DB, PI_CLI_OPT_JSON, PI_CLI_OPT_END};

static const struct pi_cli_sub subs[] = {
        {"list", "list [--json]", "list the member organisations", list_opts, 0, 0, org_list},
        {"add", "add SLUG --name NAME --type TYPE [--country CC]",
                "admit an organisation (SLUG: 2-63 of a-z, 0-9 and '-')", add_opts, 1, 1, org_add},
        {"show", "show SLUG", "show one organisation", show_opts, 1, 1, org_show},
        {"set", "set SLUG [--name NAME] [--type TYPE] [--country CC]",
                "change an organisation's name, type or country", set_opts, 1, 1, org_set},
};

int pi_cmd_org(int argc, char **argv)
{
	return pi_cli_dispatch("org", "List, admit and change member organisations.", subs,
	        sizeof(subs) / sizeof(subs[0]), argc, argv);
}
