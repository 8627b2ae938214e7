/* cmd_user.c - `postisac user list|add|show|set|passwd|token-add|token-list|token-revoke`:
 * user accounts and their API tokens, on the database directly (the hub operator's console).
 *
 * Secrets: a password is read from standard input (--password-stdin), never from argv, or
 * generated and printed once. A token is printed once at creation; only its SHA-256 is kept.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "store/member.h"

#define OPT_DISPLAY_NAME                                                                           \
	{                                                                                          \
		"--display-name", "NAME", "the person's name as shown to others"                   \
	}
#define OPT_EMAIL                                                                                  \
	{                                                                                          \
		"--email", "ADDRESS", "e-mail address (\"\" to clear)"                             \
	}

/* ---- shared ---- */

/* Opens the store and finds the user named by the first argument; *org gets their
 * organisation. */
static int open_user(
        struct pi_cli_args *a, pi_store **store, struct pi_user *user, struct pi_org *org)
{
	struct pi_error err;
	int rc = pi_cli_open_store(pi_cli_value(a, "--db"), store);

	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_store_user_find(*store, a->pos[0], user, NULL, 0, &err) != PI_OK) {
		if (err.status == PI_ERR_NOTFOUND)
			return pi_cli_error(a->cmd, PI_EXIT_FAIL,
			        "no user '%.64s' ('postisac user list' shows them)", a->pos[0]);
		return pi_cli_fail(a->cmd, &err);
	}
	if (pi_store_org_get(*store, user->org_id, org, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	return PI_EXIT_OK;
}

/* Gets the new password: from stdin with --password-stdin, else generated (*generated = 1).
 * Hashes it into hash. */
static int new_password(struct pi_cli_args *a, char *password, size_t size, int *generated,
        char hash[PI_PASSWORD_HASH_MAX])
{
	struct pi_error err;

	*generated = 0;
	if (pi_cli_has(a, "--password-stdin")) {
		if (pi_cli_read_password(a->cmd, password, size) != 0)
			return PI_EXIT_FAIL;
	} else {
		pi_member_password_generate(password, size);
		*generated = 1;
	}
	if (pi_password_hash(password, hash, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	return PI_EXIT_OK;
}

/* Checks --display-name and --email if given and copies them into user. */
static int apply_text(struct pi_cli_args *a, struct pi_user *user)
{
	struct pi_error err;
	const char *display = pi_cli_value(a, "--display-name"),
	           *email = pi_cli_value(a, "--email");

	if (display &&
	        pi_member_check_text("display_name", display, PI_MEMBER_NAME_MAX, 0, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	if (email && pi_member_check_email(email, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	if (display)
		snprintf(user->display_name, sizeof(user->display_name), "%s", display);
	if (email)
		snprintf(user->email, sizeof(user->email), "%s", email);
	return PI_EXIT_OK;
}

/* Prints {"user":{...}} plus "password" when one was generated. */
static int print_user(struct pi_cli_args *a, const struct pi_user *user, const char *org_slug,
        const char *generated_password)
{
	struct pi_buf out;
	pi_status st;
	int rc = PI_EXIT_OK;

	pi_buf_init(&out, PI_CLI_OUT_CAP);
	st = pi_buf_puts(&out, "{\"user\":");
	if (st == PI_OK)
		st = pi_member_json_user(&out, user, org_slug);
	if (st == PI_OK && generated_password) {
		st = pi_buf_puts(&out, ",\"password\":");
		if (st == PI_OK)
			st = pi_buf_json_string(&out, generated_password);
	}
	if (st == PI_OK)
		st = pi_buf_putc(&out, '}');
	if (st != PI_OK)
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "out of memory");
	else
		pi_cli_print_object(out.data, pi_cli_has(a, "--json"));
	if (generated_password && st == PI_OK)
		fprintf(stderr,
		        "postisac %s: the generated password is shown only this once; pass it "
		        "on securely\n",
		        a->cmd);
	sodium_memzero(out.data, out.len);
	pi_buf_free(&out);
	return rc;
}

/* ---- list ---- */

struct user_rows {
	pi_store *store;
	struct pi_buf *out;
	size_t n;
	pi_status st;
	struct pi_org org; /* one-entry cache */
};

static int add_user_row(void *arg, const struct pi_user *user)
{
	struct user_rows *l = arg;
	struct pi_error err;

	if (l->org.id != user->org_id &&
	        pi_store_org_get(l->store, user->org_id, &l->org, &err) != PI_OK) {
		l->st = err.status;
		return 1;
	}
	if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = pi_member_json_user(l->out, user, l->org.slug);
	return l->st != PI_OK;
}

static int user_list(struct pi_cli_args *a)
{
	static const char *const cols[] = {
	        "username", "org", "role", "disabled", "display_name", NULL};
	pi_store *store = NULL;
	struct pi_buf out;
	struct pi_error err;
	struct pi_org org;
	struct user_rows l;
	const char *slug = pi_cli_value(a, "--org");
	int64_t org_id = 0;
	int rc = pi_cli_open_store(pi_cli_value(a, "--db"), &store);

	pi_buf_init(&out, PI_CLI_OUT_CAP);
	if (rc != PI_EXIT_OK)
		goto out;
	if (slug) {
		if (pi_store_org_find(store, slug, &org, &err) != PI_OK) {
			rc = err.status == PI_ERR_NOTFOUND
			             ? pi_cli_error(a->cmd, PI_EXIT_FAIL,
			                       "no organisation with slug '%.64s'", slug)
			             : pi_cli_fail(a->cmd, &err);
			goto out;
		}
		org_id = org.id;
	}
	memset(&l, 0, sizeof(l));
	l.store = store;
	l.out = &out;
	pi_buf_puts(&out, "{\"users\":[");
	if (pi_store_user_list(store, org_id, add_user_row, &l, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (l.st != PI_OK || pi_buf_puts(&out, "]}") != PI_OK) {
		rc = pi_cli_error(
		        a->cmd, PI_EXIT_FAIL, "could not list users (%s)", pi_status_name(l.st));
		goto out;
	}
	pi_cli_print_table(out.data, "users", cols, pi_cli_has(a, "--json"));
out:
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}

/* ---- add ---- */

static int user_add(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_user user, existing;
	struct pi_org org;
	struct pi_error err;
	char password[PI_PASSWORD_MAX_LEN + 2] = "";
	char hash[PI_PASSWORD_HASH_MAX] = "";
	char uuid[37];
	const char *slug = pi_cli_value(a, "--org"), *role_name = pi_cli_value(a, "--role");
	int generated = 0;
	int rc;

	if (!slug || !role_name)
		return pi_cli_error(a->cmd, PI_EXIT_USAGE,
		        "--org and --role are required (run 'postisac user add --help')");
	if (pi_cli_has(a, "--password-stdin") && pi_cli_has(a, "--no-password"))
		return pi_cli_error(a->cmd, PI_EXIT_USAGE,
		        "--password-stdin and --no-password exclude each other");
	memset(&user, 0, sizeof(user));
	if (pi_member_check_username(a->pos[0], &err) != PI_OK ||
	        pi_member_check_role(role_name, &user.role, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	snprintf(user.username, sizeof(user.username), "%s", a->pos[0]);
	rc = apply_text(a, &user);
	if (rc != PI_EXIT_OK)
		return rc;
	rc = pi_cli_open_store(pi_cli_value(a, "--db"), &store);
	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_store_org_find(store, slug, &org, &err) != PI_OK) {
		rc = err.status == PI_ERR_NOTFOUND
		             ? pi_cli_error(a->cmd, PI_EXIT_FAIL,
		                       "no organisation with slug '%.64s' (add it first with "
		                       "'postisac org add')",
		                       slug)
		             : pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (pi_store_user_find(store, user.username, &existing, NULL, 0, &err) == PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL,
		        "the username '%s' is taken; user names are unique across the hub",
		        user.username);
		goto out;
	}
	if (!pi_cli_has(a, "--no-password")) {
		rc = new_password(a, password, sizeof(password), &generated, hash);
		if (rc != PI_EXIT_OK)
			goto out;
	}
	user.org_id = org.id;
	pi_uuid4(uuid);
	snprintf(user.identity_id, sizeof(user.identity_id), "identity--%s", uuid);
	user.created_at = pi_time_now_us();
	if (pi_store_user_create(store, &user, hash, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	rc = print_user(a, &user, org.slug, generated ? password : NULL);
out:
	sodium_memzero(password, sizeof(password));
	sodium_memzero(hash, sizeof(hash));
	pi_store_close(store);
	return rc;
}

/* ---- show, set, passwd ---- */

static int user_show(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_user user;
	struct pi_org org;
	int rc = open_user(a, &store, &user, &org);

	if (rc == PI_EXIT_OK)
		rc = print_user(a, &user, org.slug, NULL);
	pi_store_close(store);
	return rc;
}

static int user_set(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_user user;
	struct pi_org org;
	struct pi_error err;
	const char *role_name = pi_cli_value(a, "--role");
	int rc;

	if (!role_name && !pi_cli_has(a, "--display-name") && !pi_cli_has(a, "--email") &&
	        !pi_cli_has(a, "--disable") && !pi_cli_has(a, "--enable"))
		return pi_cli_error(a->cmd, PI_EXIT_USAGE,
		        "nothing to change: give --role, --display-name, --email, --disable or "
		        "--enable");
	if (pi_cli_has(a, "--disable") && pi_cli_has(a, "--enable"))
		return pi_cli_error(
		        a->cmd, PI_EXIT_USAGE, "--disable and --enable exclude each other");
	rc = open_user(a, &store, &user, &org);
	if (rc != PI_EXIT_OK)
		goto out;
	if (role_name && pi_member_check_role(role_name, &user.role, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	rc = apply_text(a, &user);
	if (rc != PI_EXIT_OK)
		goto out;
	if (pi_cli_has(a, "--disable"))
		user.disabled = 1;
	if (pi_cli_has(a, "--enable"))
		user.disabled = 0;
	if (pi_store_user_update(store, &user, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	rc = print_user(a, &user, org.slug, NULL);
out:
	pi_store_close(store);
	return rc;
}

static int user_passwd(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_user user;
	struct pi_org org;
	struct pi_error err;
	struct pi_buf out;
	char password[PI_PASSWORD_MAX_LEN + 2] = "";
	char hash[PI_PASSWORD_HASH_MAX] = "";
	int generated = 0;
	int rc = open_user(a, &store, &user, &org);

	pi_buf_init(&out, 4096);
	if (rc != PI_EXIT_OK)
		goto out;
	rc = new_password(a, password, sizeof(password), &generated, hash);
	if (rc != PI_EXIT_OK)
		goto out;
	if (pi_store_user_set_password(store, user.id, hash, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	pi_buf_puts(&out, "{\"username\":");
	pi_buf_json_string(&out, user.username);
	if (generated) {
		pi_buf_puts(&out, ",\"password\":");
		pi_buf_json_string(&out, password);
		fprintf(stderr, "postisac %s: the generated password is shown only this once\n",
		        a->cmd);
	}
	pi_buf_puts(&out, ",\"password_changed\":true}");
	pi_cli_print_object(out.data, pi_cli_has(a, "--json"));
	sodium_memzero(out.data, out.len);
out:
	sodium_memzero(password, sizeof(password));
	sodium_memzero(hash, sizeof(hash));
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}

/* ---- tokens ---- */

static int token_add(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_user user;
	struct pi_org org;
	struct pi_token token;
	struct pi_error err;
	struct pi_buf out;
	char secret[PI_TOKEN_LEN + 1] = "";
	unsigned char hash[32];
	const char *name = pi_cli_value(a, "--name");
	int rc;

	if (name && pi_member_check_text("name", name, PI_MEMBER_TOKEN_NAME_MAX, 1, &err) != PI_OK)
		return pi_cli_fail(a->cmd, &err);
	pi_buf_init(&out, 4096);
	rc = open_user(a, &store, &user, &org);
	if (rc != PI_EXIT_OK)
		goto out;
	memset(&token, 0, sizeof(token));
	pi_token_new(secret, hash);
	token.user_id = user.id;
	snprintf(token.name, sizeof(token.name), "%s", name ? name : PI_MEMBER_TOKEN_DEFAULT_NAME);
	snprintf(token.prefix, sizeof(token.prefix), "%.*s", PI_TOKEN_PREFIX_LEN, secret);
	token.created_at = pi_time_now_us();
	if (pi_store_token_create(store, &token, hash, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	pi_buf_puts(&out, "{\"token\":");
	pi_buf_json_string(&out, secret);
	pi_buf_printf(&out, ",\"id\":%lld,\"prefix\":", (long long)token.id);
	pi_buf_json_string(&out, token.prefix);
	pi_buf_puts(&out, ",\"name\":");
	pi_buf_json_string(&out, token.name);
	pi_buf_puts(&out, ",\"username\":");
	pi_buf_json_string(&out, user.username);
	pi_buf_putc(&out, '}');
	pi_cli_print_object(out.data, pi_cli_has(a, "--json"));
	fprintf(stderr, "postisac %s: the token is shown only this once; only its hash is stored\n",
	        a->cmd);
	sodium_memzero(out.data, out.len);
out:
	sodium_memzero(secret, sizeof(secret));
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}

struct token_rows {
	struct pi_buf *out;
	size_t n;
	pi_status st;
};

static int add_token_row(void *arg, const struct pi_token *token)
{
	struct token_rows *l = arg;

	if (l->n++ && pi_buf_putc(l->out, ',') != PI_OK)
		l->st = PI_ERR_TOOBIG;
	if (l->st == PI_OK)
		l->st = pi_member_json_token(l->out, token);
	return l->st != PI_OK;
}

static int token_list(struct pi_cli_args *a)
{
	static const char *const cols[] = {
	        "id", "prefix", "revoked", "created_at", "last_used_at", "name", NULL};
	pi_store *store = NULL;
	struct pi_user user;
	struct pi_org org;
	struct pi_error err;
	struct pi_buf out;
	struct token_rows l = {&out, 0, PI_OK};
	int rc = open_user(a, &store, &user, &org);

	pi_buf_init(&out, PI_CLI_OUT_CAP);
	if (rc != PI_EXIT_OK)
		goto out;
	pi_buf_puts(&out, "{\"tokens\":[");
	if (pi_store_token_list(store, user.id, add_token_row, &l, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (l.st != PI_OK || pi_buf_puts(&out, "]}") != PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "the list is too large to print");
		goto out;
	}
	pi_cli_print_table(out.data, "tokens", cols, pi_cli_has(a, "--json"));
out:
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}

static int token_revoke(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_user user;
	struct pi_org org;
	struct pi_token token;
	struct pi_error err;
	struct pi_buf out;
	const char *id_text = a->pos[1];
	size_t n = strlen(id_text);
	long long id;
	int rc;

	if (n < 1 || n > 18 || strspn(id_text, "0123456789") != n)
		return pi_cli_error(a->cmd, PI_EXIT_USAGE,
		        "ID must be the number of the token ('postisac user token-list %s' shows "
		        "them)",
		        a->pos[0]);
	id = strtoll(id_text, NULL, 10);
	pi_buf_init(&out, 4096);
	rc = open_user(a, &store, &user, &org);
	if (rc != PI_EXIT_OK)
		goto out;
	if (pi_store_token_get(store, id, &token, &err) != PI_OK || token.user_id != user.id) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL,
		        "user '%s' has no token with id %lld ('postisac user token-list %s' shows "
		        "them)",
		        user.username, id, user.username);
		goto out;
	}
	if (!token.revoked && pi_store_token_revoke(store, token.id, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	token.revoked = 1;
	if (pi_member_json_token(&out, &token) != PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "out of memory");
		goto out;
	}
	pi_cli_print_object(out.data, pi_cli_has(a, "--json"));
out:
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}

/* ---- table ---- */

static const struct pi_cli_opt list_opts[] = {
        {"--org", "SLUG", "only the users of this organisation"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const struct pi_cli_opt add_opts[] = {
        {"--org", "SLUG", "the user's organisation (required)"},
        {"--role", "ROLE",
                "admin, org-admin, analyst, reporter, regulator or read-only (required)"},
        OPT_DISPLAY_NAME,
        OPT_EMAIL,
        {"--password-stdin", NULL, "read the password from standard input (else one is generated)"},
        {"--no-password", NULL, "no password: the user signs in with API tokens only"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const struct pi_cli_opt plain_opts[] = {PI_CLI_OPT_DB, PI_CLI_OPT_JSON, PI_CLI_OPT_END};

static const struct pi_cli_opt set_opts[] = {
        {"--role", "ROLE", "new role"},
        OPT_DISPLAY_NAME,
        OPT_EMAIL,
        {"--disable", NULL, "disable the account (its passwords and tokens stop working)"},
        {"--enable", NULL, "enable the account again"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const struct pi_cli_opt passwd_opts[] = {
        {"--password-stdin", NULL,
                "read the new password from standard input (else one is generated)"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const struct pi_cli_opt token_add_opts[] = {
        {"--name", "NAME", "what the token is for, such as 'firewall feed'"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const struct pi_cli_sub subs[] = {
        {"list", "list [--org SLUG]", "list user accounts", list_opts, 0, 0, user_list},
        {"add", "add USERNAME --org SLUG --role ROLE [--password-stdin | --no-password]",
                "create a user account; without --password-stdin a password is generated and "
                "printed once",
                add_opts, 1, 1, user_add},
        {"show", "show USERNAME", "show one user account", plain_opts, 1, 1, user_show},
        {"set",
                "set USERNAME [--role ROLE] [--display-name NAME] [--email ADDRESS] "
                "[--disable|--enable]",
                "change a user account", set_opts, 1, 1, user_set},
        {"passwd", "passwd USERNAME [--password-stdin]",
                "set a new password (read from standard input, or generated and printed once)",
                passwd_opts, 1, 1, user_passwd},
        {"token-add", "token-add USERNAME [--name NAME]",
                "create an API token; it is printed once and only its hash is stored",
                token_add_opts, 1, 1, token_add},
        {"token-list", "token-list USERNAME",
                "list a user's API tokens (never the tokens themselves)", plain_opts, 1, 1,
                token_list},
        {"token-revoke", "token-revoke USERNAME ID", "revoke an API token at once", plain_opts, 2,
                2, token_revoke},
};

int pi_cmd_user(int argc, char **argv)
{
	return pi_cli_dispatch("user", "Manage user accounts and their API tokens.", subs,
	        sizeof(subs) / sizeof(subs[0]), argc, argv);
}
