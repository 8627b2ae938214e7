/* cmd_group.c - `postisac group list|add|show|add-org|remove-org`: sharing groups (each with
 * its own TAXII collection) and their member organisations, on the database directly. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/timeutil.h"
#include "store/member.h"

struct rows {
	pi_store *store;
	struct pi_buf *out;
	size_t n;
	pi_status st;
	int64_t find_org; /* add_member_row sets found when it sees this organisation */
	int found;
};

static pi_status put_group(
        pi_store *store, struct pi_buf *out, const struct pi_group *group, int close)
{
	struct pi_collection coll;
	struct pi_error err;
	const char *uuid = "";

	if (pi_store_collection_for_scope(store, PI_SCOPE_GROUP, group->id, &coll, &err) == PI_OK)
		uuid = coll.uuid;
	return pi_member_json_group(out, group, uuid, close);
}

static int add_group_row(void *arg, const struct pi_group *group)
{
	struct rows *l = arg;

	if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = put_group(l->store, l->out, group, 1);
	return l->st != PI_OK;
}

static int add_member_row(void *arg, const struct pi_org *org)
{
	struct rows *l = arg;

	if (org->id == l->find_org)
		l->found = 1;
	if (!l->out)
		return 0;
	if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = pi_member_json_org(l->out, org);
	return l->st != PI_OK;
}

static int group_list(struct pi_cli_args *a)
{
	static const char *const cols[] = {"name", "collection_id", "description", NULL};
	pi_store *store = NULL;
	struct pi_buf out;
	struct pi_error err;
	struct rows l;
	int rc = pi_cli_open_store(pi_cli_value(a, "--db"), &store);

	pi_buf_init(&out, PI_CLI_OUT_CAP);
	if (rc != PI_EXIT_OK)
		goto out;
	memset(&l, 0, sizeof(l));
	l.store = store;
	l.out = &out;
	pi_buf_puts(&out, "{\"groups\":[");
	if (pi_store_group_list(store, add_group_row, &l, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (l.st != PI_OK || pi_buf_puts(&out, "]}") != PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "the list is too large to print");
		goto out;
	}
	pi_cli_print_table(out.data, "groups", cols, pi_cli_has(a, "--json"));
out:
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}

/* Prints the group with its member organisations. */
static int print_group(struct pi_cli_args *a, pi_store *store, const struct pi_group *group)
{
	struct pi_buf out;
	struct pi_error err;
	struct rows l;
	pi_status st;
	int rc = PI_EXIT_OK;

	pi_buf_init(&out, PI_CLI_OUT_CAP);
	memset(&l, 0, sizeof(l));
	l.out = &out;
	st = put_group(store, &out, group, 0);
	if (st == PI_OK)
		st = pi_buf_puts(&out, ",\"members\":[");
	if (st == PI_OK &&
	        pi_store_group_members(store, group->id, add_member_row, &l, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (st == PI_OK)
		st = l.st;
	if (st == PI_OK)
		st = pi_buf_puts(&out, "]}");
	if (st != PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "the group is too large to print");
		goto out;
	}
	pi_cli_print_object(out.data, pi_cli_has(a, "--json"));
out:
	pi_buf_free(&out);
	return rc;
}

static int group_add(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_group group, existing;
	struct pi_error err;
	const char *description = pi_cli_value(a, "--description");
	int rc;

	if (pi_member_check_slug("name", a->pos[0], &err) != PI_OK ||
	        (description && pi_member_check_text("description", description,
	                                PI_MEMBER_DESCRIPTION_MAX, 0, &err) != PI_OK))
		return pi_cli_fail(a->cmd, &err);
	rc = pi_cli_open_store(pi_cli_value(a, "--db"), &store);
	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_store_group_find(store, a->pos[0], &existing, &err) == PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "a sharing group named '%s' already exists",
		        a->pos[0]);
		goto out;
	}
	memset(&group, 0, sizeof(group));
	snprintf(group.name, sizeof(group.name), "%s", a->pos[0]);
	snprintf(
	        group.description, sizeof(group.description), "%s", description ? description : "");
	group.created_at = pi_time_now_us();
	if (pi_store_group_create(store, &group, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	rc = print_group(a, store, &group);
out:
	pi_store_close(store);
	return rc;
}

/* Opens the store and finds the group named by the first argument. */
static int open_group(struct pi_cli_args *a, pi_store **store, struct pi_group *group)
{
	struct pi_error err;
	int rc = pi_cli_open_store(pi_cli_value(a, "--db"), store);

	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_store_group_find(*store, a->pos[0], group, &err) != PI_OK) {
		if (err.status == PI_ERR_NOTFOUND)
			return pi_cli_error(a->cmd, PI_EXIT_FAIL,
			        "no sharing group '%.64s' ('postisac group list' shows them)",
			        a->pos[0]);
		return pi_cli_fail(a->cmd, &err);
	}
	return PI_EXIT_OK;
}

static int group_show(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_group group;
	int rc = open_group(a, &store, &group);

	if (rc == PI_EXIT_OK)
		rc = print_group(a, store, &group);
	pi_store_close(store);
	return rc;
}

/* add-org and remove-org: adding = 1 or 0. */
static int change_member(struct pi_cli_args *a, int adding)
{
	pi_store *store = NULL;
	struct pi_group group;
	struct pi_org org;
	struct pi_error err;
	struct rows l;
	int rc = open_group(a, &store, &group);

	if (rc != PI_EXIT_OK)
		goto out;
	if (pi_store_org_find(store, a->pos[1], &org, &err) != PI_OK) {
		rc = err.status == PI_ERR_NOTFOUND ? pi_cli_error(a->cmd, PI_EXIT_FAIL,
		                                             "no organisation with slug '%.64s' "
		                                             "('postisac org list' shows them)",
		                                             a->pos[1])
		                                   : pi_cli_fail(a->cmd, &err);
		goto out;
	}
	memset(&l, 0, sizeof(l));
	l.find_org = org.id;
	if (pi_store_group_members(store, group.id, add_member_row, &l, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (!adding && !l.found) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "organisation '%s' is not a member of '%s'",
		        org.slug, group.name);
		goto out;
	}
	if (adding && !l.found && pi_store_group_add_org(store, group.id, org.id, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (!adding && pi_store_group_remove_org(store, group.id, org.id, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	rc = print_group(a, store, &group);
out:
	pi_store_close(store);
	return rc;
}

static int group_add_org(struct pi_cli_args *a)
{
	return change_member(a, 1);
}

static int group_remove_org(struct pi_cli_args *a)
{
	return change_member(a, 0);
}

static const struct pi_cli_opt plain_opts[] = {PI_CLI_OPT_DB, PI_CLI_OPT_JSON, PI_CLI_OPT_END};

static const struct pi_cli_opt add_opts[] = {
        {"--description", "TEXT", "what the group is for"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const struct pi_cli_sub subs[] = {
        {"list", "list", "list the sharing groups and their TAXII collection ids", plain_opts, 0, 0,
                group_list},
        {"add", "add NAME [--description TEXT]",
                "create a sharing group and its collection (NAME: 2-63 of a-z, 0-9 and '-')",
                add_opts, 1, 1, group_add},
        {"show", "show NAME", "show a group with its member organisations", plain_opts, 1, 1,
                group_show},
        {"add-org", "add-org NAME ORG", "make an organisation a member of the group", plain_opts, 2,
                2, group_add_org},
        {"remove-org", "remove-org NAME ORG", "remove an organisation from the group", plain_opts,
                2, 2, group_remove_org},
};

int pi_cmd_group(int argc, char **argv)
{
	return pi_cli_dispatch("group", "Manage sharing groups and their member organisations.",
	        subs, sizeof(subs) / sizeof(subs[0]), argc, argv);
}
