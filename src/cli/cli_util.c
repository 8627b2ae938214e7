/* cli_util.c - shared helpers of the subcommands; see cli_util.h. */
#include "cli/cli_util.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "core/secret.h"

#define TABLE_MAX_COLS 12
#define TABLE_COL_MAX 48

static int find_opt(const struct pi_cli_opt *opts, const char *name, size_t name_len)
{
	for (int i = 0; opts[i].name && i < PI_CLI_MAX_OPTS; i++)
		if (strlen(opts[i].name) == name_len && strncmp(opts[i].name, name, name_len) == 0)
			return i;
	return -1;
}

int pi_cli_parse(const char *cmd, const struct pi_cli_opt *opts, size_t min_pos, size_t max_pos,
        int argc, char **argv, struct pi_cli_args *out)
{
	int only_pos = 0;

	memset(out, 0, sizeof(*out));
	out->cmd = cmd;
	out->opts = opts;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *eq;
		int k;

		if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			out->help = 1;
			return 0;
		}
		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (out->npos >= max_pos || out->npos >= PI_CLI_MAX_POS)
				return pi_cli_error(cmd, PI_EXIT_USAGE,
				        "unexpected argument '%.80s' (run 'postisac %s --help')", a,
				        cmd);
			out->pos[out->npos++] = a;
			continue;
		}
		eq = strchr(a, '=');
		k = find_opt(opts, a, eq ? (size_t)(eq - a) : strlen(a));
		if (k < 0)
			return pi_cli_error(cmd, PI_EXIT_USAGE,
			        "unknown option '%.80s' (run 'postisac %s --help')", a, cmd);
		if (out->values[k])
			return pi_cli_error(
			        cmd, PI_EXIT_USAGE, "option %s given twice", opts[k].name);
		if (!opts[k].metavar) {
			if (eq)
				return pi_cli_error(cmd, PI_EXIT_USAGE, "option %s takes no value",
				        opts[k].name);
			out->values[k] = "";
		} else if (eq) {
			out->values[k] = eq + 1;
		} else if (i + 1 < argc) {
			out->values[k] = argv[++i];
		} else {
			return pi_cli_error(cmd, PI_EXIT_USAGE, "option %s needs a value (%s)",
			        opts[k].name, opts[k].metavar);
		}
	}
	if (out->npos < min_pos)
		return pi_cli_error(cmd, PI_EXIT_USAGE,
		        "missing argument%s (run 'postisac %s --help')",
		        min_pos - out->npos > 1 ? "s" : "", cmd);
	return 0;
}

const char *pi_cli_value(const struct pi_cli_args *a, const char *name)
{
	int k = find_opt(a->opts, name, strlen(name));

	return k < 0 ? NULL : a->values[k];
}

int pi_cli_has(const struct pi_cli_args *a, const char *name)
{
	return pi_cli_value(a, name) != NULL;
}

void pi_cli_print_usage(
        FILE *out, const char *synopsis, const char *description, const struct pi_cli_opt *opts)
{
	fprintf(out, "usage: postisac %s\n\n%s\n", synopsis, description);
	if (!opts || !opts[0].name)
		return;
	fprintf(out, "\nOptions:\n");
	for (size_t i = 0; opts[i].name; i++) {
		char left[64];
		snprintf(left, sizeof(left), "%s%s%s", opts[i].name, opts[i].metavar ? " " : "",
		        opts[i].metavar ? opts[i].metavar : "");
		fprintf(out, "  %-24s %s\n", left, opts[i].help);
	}
	fprintf(out, "  %-24s %s\n", "--help", "show this help");
}

static void print_subs(FILE *out, const char *cmd, const char *summary,
        const struct pi_cli_sub *subs, size_t nsubs)
{
	fprintf(out, "usage: postisac %s SUBCOMMAND [OPTIONS]\n\n%s\n\nSubcommands:\n", cmd,
	        summary);
	for (size_t i = 0; i < nsubs; i++)
		fprintf(out, "  %-14s %s\n", subs[i].name, subs[i].description);
	fprintf(out, "\nRun 'postisac %s SUBCOMMAND --help' for its options.\n", cmd);
}

int pi_cli_dispatch(const char *cmd, const char *summary, const struct pi_cli_sub *subs,
        size_t nsubs, int argc, char **argv)
{
	struct pi_cli_args args;
	char full[64];
	char synopsis[256];
	const struct pi_cli_sub *sub = NULL;
	int rc;

	if (argc < 2) {
		print_subs(stderr, cmd, summary, subs, nsubs);
		return PI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	        strcmp(argv[1], "help") == 0) {
		print_subs(stdout, cmd, summary, subs, nsubs);
		return PI_EXIT_OK;
	}
	for (size_t i = 0; i < nsubs && !sub; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			sub = &subs[i];
	if (!sub) {
		fprintf(stderr, "postisac %s: unknown subcommand '%.80s'\n\n", cmd, argv[1]);
		print_subs(stderr, cmd, summary, subs, nsubs);
		return PI_EXIT_USAGE;
	}
	snprintf(full, sizeof(full), "%s %s", cmd, sub->name);
	rc = pi_cli_parse(full, sub->opts, sub->min_pos, sub->max_pos, argc - 2, argv + 2, &args);
	if (rc != 0)
		return rc;
	if (args.help) {
		snprintf(synopsis, sizeof(synopsis), "%s %s", cmd, sub->synopsis);
		pi_cli_print_usage(stdout, synopsis, sub->description, sub->opts);
		return PI_EXIT_OK;
	}
	return sub->run(&args);
}

int pi_cli_open_store(const char *db_url, pi_store **out)
{
	struct pi_error err;
	const char *url = db_url ? db_url : PI_CLI_DEFAULT_DB;

	*out = NULL;
	if (pi_secret_init() != 0) {
		fprintf(stderr, "postisac: cannot initialise libsodium\n");
		return PI_EXIT_FAIL;
	}
	if (pi_store_open(url, out, &err) != PI_OK) {
		fprintf(stderr, "postisac: cannot open the database %s: %s\n", url, err.message);
		return PI_EXIT_FAIL;
	}
	if (pi_store_migrate(*out, NULL, &err) != PI_OK) {
		fprintf(stderr, "postisac: cannot prepare the database %s: %s\n", url, err.message);
		pi_store_close(*out);
		*out = NULL;
		return PI_EXIT_FAIL;
	}
	return PI_EXIT_OK;
}

int pi_cli_fail(const char *cmd, const struct pi_error *err)
{
	fprintf(stderr, "postisac %s: %s\n", cmd, err->message);
	return PI_EXIT_FAIL;
}

int pi_cli_error(const char *cmd, int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "postisac %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

int pi_cli_read_password(const char *cmd, char *out, size_t size)
{
	size_t n;

	if (!fgets(out, (int)size, stdin)) {
		pi_cli_error(cmd, PI_EXIT_FAIL,
		        "--password-stdin: nothing to read on standard input; pipe the password "
		        "in");
		return -1;
	}
	n = strlen(out);
	if (n == size - 1 && out[n - 1] != '\n' && !feof(stdin)) {
		pi_cli_error(cmd, PI_EXIT_FAIL,
		        "--password-stdin: the password is longer than %zu bytes", size - 2);
		return -1;
	}
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n == 0) {
		pi_cli_error(cmd, PI_EXIT_FAIL, "--password-stdin: the password is empty");
		return -1;
	}
	return 0;
}

/* ---- printing for people ---- */

/* Writes a scalar member as text into out. */
static void scalar_text(const cJSON *v, char *out, size_t size)
{
	if (cJSON_IsString(v))
		snprintf(out, size, "%s", v->valuestring);
	else if (cJSON_IsBool(v))
		snprintf(out, size, "%s", cJSON_IsTrue(v) ? "yes" : "no");
	else if (cJSON_IsNumber(v))
		snprintf(out, size, "%.0f", v->valuedouble);
	else
		snprintf(out, size, "-");
}

/* The name to show for an array element that is an object. */
static const char *element_name(const cJSON *v)
{
	static const char *const keys[] = {"slug", "username", "name", "id"};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(v, keys[i]);
		if (cJSON_IsString(k))
			return k->valuestring;
	}
	return NULL;
}

static void print_members(const cJSON *obj, const char *prefix, int depth)
{
	char text[1024];

	for (const cJSON *m = obj->child; m; m = m->next) {
		if (cJSON_IsObject(m) && depth < 3) {
			char sub[128];
			int n = snprintf(sub, sizeof(sub), "%s%s.", prefix, m->string);
			if (n < 0 || (size_t)n >= sizeof(sub))
				continue; /* a key path this long is not worth printing as text */
			print_members(m, sub, depth + 1);
		} else if (cJSON_IsArray(m)) {
			int first = 1;
			printf("%s%s:", prefix, m->string);
			for (const cJSON *e = m->child; e; e = e->next) {
				const char *name = cJSON_IsObject(e) ? element_name(e) : NULL;
				if (name)
					snprintf(text, sizeof(text), "%s", name);
				else
					scalar_text(e, text, sizeof(text));
				printf("%s %s", first ? "" : ",", text);
				first = 0;
			}
			printf("%s\n", first ? " -" : "");
		} else {
			scalar_text(m, text, sizeof(text));
			printf("%s%s: %s\n", prefix, m->string, text);
		}
	}
}

void pi_cli_print_object(const char *json, int as_json)
{
	cJSON *root;

	if (as_json) {
		printf("%s\n", json);
		return;
	}
	root = cJSON_Parse(json);
	if (!cJSON_IsObject(root))
		printf("%s\n", json);
	else
		print_members(root, "", 0);
	cJSON_Delete(root);
}

void pi_cli_print_table(const char *json, const char *key, const char *const *columns, int as_json)
{
	cJSON *root;
	const cJSON *rows;
	size_t ncols = 0, width[TABLE_MAX_COLS];
	char text[TABLE_COL_MAX + 1];

	if (as_json) {
		printf("%s\n", json);
		return;
	}
	root = cJSON_Parse(json);
	rows = cJSON_GetObjectItemCaseSensitive(root, key);
	if (!cJSON_IsArray(rows)) {
		printf("%s\n", json);
		goto out;
	}
	while (columns[ncols] && ncols < TABLE_MAX_COLS) {
		width[ncols] = strlen(columns[ncols]);
		ncols++;
	}
	for (const cJSON *r = rows->child; r; r = r->next)
		for (size_t c = 0; c < ncols; c++) {
			scalar_text(cJSON_GetObjectItemCaseSensitive(r, columns[c]), text,
			        sizeof(text));
			if (strlen(text) > width[c])
				width[c] = strlen(text);
		}
	for (size_t c = 0; c < ncols; c++) {
		char head[64];
		size_t i;
		for (i = 0; columns[c][i] && i < sizeof(head) - 1; i++)
			head[i] = (char)toupper((unsigned char)columns[c][i]);
		head[i] = '\0';
		printf("%-*s%s", c + 1 < ncols ? (int)width[c] : 0, head,
		        c + 1 < ncols ? "  " : "\n");
	}
	for (const cJSON *r = rows->child; r; r = r->next)
		for (size_t c = 0; c < ncols; c++) {
			scalar_text(cJSON_GetObjectItemCaseSensitive(r, columns[c]), text,
			        sizeof(text));
			printf("%-*s%s", c + 1 < ncols ? (int)width[c] : 0, text,
			        c + 1 < ncols ? "  " : "\n");
		}
	if (!rows->child)
		printf("(none)\n");
out:
	cJSON_Delete(root);
}
