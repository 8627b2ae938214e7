/* cmd_case.c - `postisac case new|list|show|file|status`: incident cases on the database
 * directly, acting as a named user (--as), through the same case service (cases/case.h)
 * the JSON API uses, so the same checks, access decisions, receipts and audit entries
 * apply. Receipts are signed with the key next to the database (the one serve uses).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/case.h"
#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/json.h"

#define FILE_MAX ((size_t)16 << 20)

#define OPT_AS                                                                                     \
	{                                                                                          \
		"--as", "USER", "act as this user (required): access rules apply as on the API"    \
	}
#define OPT_DATA                                                                                   \
	{                                                                                          \
		"--data-dir", "DIR", "regimes and taxonomy (default: as postisac serve)"           \
	}

static const struct pi_cli_opt new_opts[] = {
        OPT_AS,
        {"--from", "FILE", "the case as a JSON object (as POST /api/v1/cases); flags override"},
        {"--title", "TEXT", "short title"},
        {"--description", "TEXT", "what happened"},
        {"--discovered-at", "TIME", "when it was discovered (UTC, 2027-01-31T09:30:00Z)"},
        {"--aware-at", "TIME", "when the organisation became aware (default: discovered-at)"},
        {"--occurred-at", "TIME", "when it happened, if known"},
        {"--category", "CLASS", "ENISA RSIT class (data/rsit.json), e.g. fraud"},
        {"--type", "TYPE", "ENISA RSIT type of the class, e.g. phishing"},
        {"--severity", "LEVEL", "low, medium, high or critical"},
        {"--revenue-risk", "LEVEL", "none, low, medium, high or critical"},
        {"--tlp", "TLP", "clear, green, amber (default), amber+strict or red"},
        {"--regime", "ID:ORG", "regime and recipient organisation; comma-separated for several"},
        {"--service", "NAMES", "affected services, comma-separated"},
        {"--location", "TEXT", "where"},
        {"--attach", "FILE", "attach a screen capture or document after creating the case"},
        OPT_DATA,
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};
static const struct pi_cli_opt list_opts[] = {
        OPT_AS, OPT_DATA, PI_CLI_OPT_DB, PI_CLI_OPT_JSON, PI_CLI_OPT_END};
static const struct pi_cli_opt show_opts[] = {OPT_AS,
        {"--tz", "ZONE", "also show times in this zone (e.g. Europe/Paris)"}, OPT_DATA,
        PI_CLI_OPT_DB, PI_CLI_OPT_JSON, PI_CLI_OPT_END};
static const struct pi_cli_opt file_opts[] = {
        OPT_AS,
        {"--regime", "ID", "the regime (required)"},
        {"--stage", "ID", "the stage (required)"},
        {"--content", "FILE", "the filing's fields as a JSON object ('-': standard input)"},
        {"--supersedes", "FILING", "this filing corrects that one (filing-N)"},
        {"--receipt-out", "FILE", "also write the signed receipt to FILE"},
        OPT_DATA,
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};
static const struct pi_cli_opt status_opts[] = {OPT_AS,
        {"--to", "STATUS", "open, contained or closed (required)"}, OPT_DATA, PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON, PI_CLI_OPT_END};

/* Reads a whole file ("-": stdin) into a NUL-terminated malloc'ed buffer. */
static char *read_file(const char *path, size_t *len, char *why, size_t why_size)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *data = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		size_t got;
		if (n + 65536 + 1 > cap) {
			char *grown;
			cap = cap ? cap * 2 : 65536 * 2;
			if (cap > FILE_MAX + 65537) {
				snprintf(why, why_size, "%s is larger than %zu bytes", path,
				        FILE_MAX);
				free(data);
				data = NULL;
				goto out;
			}
			grown = realloc(data, cap);
			if (!grown) {
				snprintf(why, why_size, "out of memory");
				free(data);
				data = NULL;
				goto out;
			}
			data = grown;
		}
		got = fread(data + n, 1, 65536, f);
		n += got;
		if (got < 65536)
			break;
	}
	if (ferror(f)) {
		snprintf(why, why_size, "cannot read %s", path);
		free(data);
		data = NULL;
		goto out;
	}
	data[n] = '\0';
	*len = n;
out:
	if (f != stdin)
		fclose(f);
	return data;
}

struct session {
	pi_store *store;
	pi_cases *cases;
	struct pi_principal who;
};

static int session_open(struct pi_cli_args *a, struct session *s)
{
	struct pi_cases_config cfg;
	struct pi_error err;
	const char *as = pi_cli_value(a, "--as");
	const char *data = pi_cli_value(a, "--data-dir");
	const char *db = pi_cli_value(a, "--db");
	int rc;

	memset(s, 0, sizeof(*s));
	if (!as || !*as)
		return pi_cli_error(a->cmd, PI_EXIT_USAGE, "--as USER is required");
	rc = pi_cli_open_store(db, &s->store);
	if (rc != PI_EXIT_OK)
		return rc;
	pi_cases_config_defaults(&cfg);
	if (data)
		snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", data);
	if (pi_cases_open(s->store, db ? db : PI_CLI_DEFAULT_DB, &cfg, &s->cases, &err) != PI_OK ||
	        pi_cases_principal(s->store, as, &s->who, &err) != PI_OK) {
		pi_cases_close(s->cases);
		pi_store_close(s->store);
		memset(s, 0, sizeof(*s));
		return pi_cli_fail(a->cmd, &err);
	}
	return PI_EXIT_OK;
}

static void session_close(struct session *s)
{
	pi_cases_close(s->cases);
	pi_store_close(s->store);
}

static int print_tree(cJSON *tree, int as_json)
{
	char *text = cJSON_PrintUnformatted(tree);

	if (!text)
		return PI_EXIT_FAIL;
	pi_cli_print_object(text, as_json);
	free(text);
	return PI_EXIT_OK;
}

static int parse_case_id(const char *cmd, const char *text, int64_t *id)
{
	char *end = NULL;
	long long n;

	if (strncmp(text, "case-", 5) == 0)
		text += 5;
	errno = 0;
	n = strtoll(text, &end, 10);
	if (errno || end == text || *end || n < 1)
		return pi_cli_error(
		        cmd, PI_EXIT_USAGE, "'%s' is not a case id (12 or case-12)", text);
	*id = n;
	return PI_EXIT_OK;
}

/* Adds a comma-separated list as an array of strings. */
static void add_list(cJSON *body, const char *name, const char *csv)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = csv;

	while (*p) {
		size_t n = strcspn(p, ",");
		char item[512];
		snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) ? n : sizeof(item) - 1),
		        p);
		if (item[0])
			cJSON_AddItemToArray(arr, cJSON_CreateString(item));
		p += n;
		if (*p == ',')
			p++;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(body, name);
	cJSON_AddItemToObject(body, name, arr);
}

static void add_regimes(cJSON *body, const char *csv)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = csv;

	while (*p) {
		size_t n = strcspn(p, ",");
		char item[256], *colon;
		cJSON *r = cJSON_CreateObject();
		snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) ? n : sizeof(item) - 1),
		        p);
		colon = strchr(item, ':');
		if (colon)
			*colon = '\0';
		cJSON_AddStringToObject(r, "regime", item);
		cJSON_AddStringToObject(r, "recipient", colon ? colon + 1 : "");
		cJSON_AddItemToArray(arr, r);
		p += n;
		if (*p == ',')
			p++;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(body, "regimes");
	cJSON_AddItemToObject(body, "regimes", arr);
}

static int case_new(struct pi_cli_args *a)
{
	static const char *const flags[][2] = {{"--title", "title"},
	        {"--description", "description"}, {"--discovered-at", "discovered_at"},
	        {"--aware-at", "aware_at"}, {"--occurred-at", "occurred_at"},
	        {"--category", "category"}, {"--type", "type"}, {"--severity", "severity"},
	        {"--revenue-risk", "revenue_risk"}, {"--tlp", "tlp"}, {"--location", "location"}};
	struct session s;
	struct pi_error err;
	cJSON *body = NULL, *out = NULL;
	const char *from = pi_cli_value(a, "--from"), *attach = pi_cli_value(a, "--attach");
	char why[512];
	int rc = session_open(a, &s);

	if (rc != PI_EXIT_OK)
		return rc;
	if (from) {
		size_t len = 0;
		char *text = read_file(from, &len, why, sizeof(why));
		if (!text) {
			rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "%s", why);
			goto out;
		}
		if (pi_json_parse(text, len, 32, &body, &err) != PI_OK || !cJSON_IsObject(body)) {
			free(text);
			rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "%s: not a JSON object%s%s", from,
			        body ? "" : ": ", body ? "" : err.message);
			goto out;
		}
		free(text);
	} else {
		body = cJSON_CreateObject();
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		const char *v = pi_cli_value(a, flags[i][0]);
		if (!v)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(body, flags[i][1]);
		cJSON_AddStringToObject(body, flags[i][1], v);
	}
	if (pi_cli_value(a, "--service"))
		add_list(body, "services", pi_cli_value(a, "--service"));
	if (pi_cli_value(a, "--regime"))
		add_regimes(body, pi_cli_value(a, "--regime"));
	if (pi_case_create(s.cases, &s.who, body, NULL, &out, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (attach) {
		size_t len = 0;
		char *data = read_file(attach, &len, why, sizeof(why));
		const char *name = strrchr(attach, '/') ? strrchr(attach, '/') + 1 : attach;
		cJSON *att = NULL;
		int64_t id = (int64_t)cJSON_GetObjectItem(out, "id")->valuedouble;
		if (!data) {
			rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "case %lld created, but %s",
			        (long long)id, why);
			goto out;
		}
		if (pi_case_attach(s.cases, &s.who, id, name, NULL, data, len, &att, &err) !=
		        PI_OK) {
			free(data);
			pi_error_prefix(&err, "case %lld created, but the attachment was refused",
			        (long long)id);
			rc = pi_cli_fail(a->cmd, &err);
			goto out;
		}
		free(data);
		cJSON_Delete(att);
		cJSON_Delete(out);
		out = NULL;
		if (pi_case_view(s.cases, &s.who, id, NULL, &out, &err) != PI_OK) {
			rc = pi_cli_fail(a->cmd, &err);
			goto out;
		}
	}
	rc = print_tree(out, pi_cli_has(a, "--json"));
out:
	cJSON_Delete(body);
	cJSON_Delete(out);
	session_close(&s);
	return rc;
}

static int case_list(struct pi_cli_args *a)
{
	static const char *const cols[] = {
	        "id", "status", "tlp", "severity", "reporter_org", "title", NULL};
	struct session s;
	struct pi_error err;
	cJSON *out = NULL;
	char *text;
	int rc = session_open(a, &s);

	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_case_list(s.cases, &s.who, &out, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	text = cJSON_PrintUnformatted(out);
	if (text)
		pi_cli_print_table(text, "cases", cols, pi_cli_has(a, "--json"));
	free(text);
out:
	cJSON_Delete(out);
	session_close(&s);
	return rc;
}

static int case_show(struct pi_cli_args *a)
{
	struct session s;
	struct pi_error err;
	cJSON *out = NULL;
	int64_t id;
	int rc = parse_case_id(a->cmd, a->pos[0], &id);

	if (rc != PI_EXIT_OK)
		return rc;
	rc = session_open(a, &s);
	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_case_view(s.cases, &s.who, id, pi_cli_value(a, "--tz"), &out, &err) != PI_OK)
		rc = pi_cli_fail(a->cmd, &err);
	else
		rc = print_tree(out, pi_cli_has(a, "--json"));
	cJSON_Delete(out);
	session_close(&s);
	return rc;
}

static int case_file(struct pi_cli_args *a)
{
	struct session s;
	struct pi_error err;
	cJSON *body = NULL, *content = NULL;
	const char *content_path = pi_cli_value(a, "--content");
	const char *regime = pi_cli_value(a, "--regime"), *stage = pi_cli_value(a, "--stage");
	const char *sup = pi_cli_value(a, "--supersedes"), *rout = pi_cli_value(a, "--receipt-out");
	char *receipt = NULL, *text = NULL, why[512];
	size_t len = 0;
	int64_t id;
	int rc = parse_case_id(a->cmd, a->pos[0], &id);

	if (rc != PI_EXIT_OK)
		return rc;
	if (!regime || !stage || !content_path)
		return pi_cli_error(
		        a->cmd, PI_EXIT_USAGE, "--regime, --stage and --content are required");
	rc = session_open(a, &s);
	if (rc != PI_EXIT_OK)
		return rc;
	text = read_file(content_path, &len, why, sizeof(why));
	if (!text) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "%s", why);
		goto out;
	}
	if (pi_json_parse(text, len, 32, &content, &err) != PI_OK) {
		rc = pi_cli_error(a->cmd, PI_EXIT_FAIL, "%s: %s", content_path, err.message);
		goto out;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "regime", regime);
	cJSON_AddStringToObject(body, "stage", stage);
	cJSON_AddItemToObject(body, "content", content);
	content = NULL;
	if (sup)
		cJSON_AddStringToObject(body, "supersedes", sup);
	if (pi_case_file(s.cases, &s.who, id, body, &receipt, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	if (rout) {
		FILE *f = fopen(rout, "w");
		if (!f || fprintf(f, "%s\n", receipt) < 0 || fclose(f) != 0) {
			rc = pi_cli_error(a->cmd, PI_EXIT_FAIL,
			        "filed, but the receipt could not be written to %s (it is also in "
			        "`postisac "
			        "case show`)",
			        rout);
			goto out;
		}
	}
	pi_cli_print_object(receipt, pi_cli_has(a, "--json"));
	rc = PI_EXIT_OK;
out:
	free(text);
	free(receipt);
	cJSON_Delete(content);
	cJSON_Delete(body);
	session_close(&s);
	return rc;
}

static int case_status(struct pi_cli_args *a)
{
	struct session s;
	struct pi_error err;
	cJSON *out = NULL;
	const char *to = pi_cli_value(a, "--to");
	int64_t id;
	int rc = parse_case_id(a->cmd, a->pos[0], &id);

	if (rc != PI_EXIT_OK)
		return rc;
	if (!to)
		return pi_cli_error(a->cmd, PI_EXIT_USAGE, "--to STATUS is required");
	rc = session_open(a, &s);
	if (rc != PI_EXIT_OK)
		return rc;
	if (pi_case_move(s.cases, &s.who, id, to, NULL, &out, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
	} else {
		cJSON *brief = cJSON_CreateObject();
		cJSON_AddNumberToObject(brief, "id", (double)id);
		cJSON_AddStringToObject(brief, "status", pi_json_get_string(out, "status"));
		cJSON *h = cJSON_GetObjectItem(out, "handled_at");
		cJSON_AddItemToObject(brief, "handled_at", cJSON_Duplicate(h, 1));
		rc = print_tree(brief, pi_cli_has(a, "--json"));
		cJSON_Delete(brief);
	}
	cJSON_Delete(out);
	session_close(&s);
	return rc;
}

static const struct pi_cli_sub subs[] = {
        {"new", "new --as USER [--from FILE] [--title T --description D --discovered-at TIME ...]",
                "report an incident case (JSON fields as POST /api/v1/cases; see docs/cases.md)",
                new_opts, 0, 0, case_new},
        {"list", "list --as USER", "list the cases USER may see", list_opts, 0, 0, case_list},
        {"show", "show ID --as USER [--tz ZONE]",
                "one case with its deadlines, filings and attachments", show_opts, 1, 1, case_show},
        {"file", "file ID --as USER --regime ID --stage ID --content FILE",
                "file a stage and print the signed receipt", file_opts, 1, 1, case_file},
        {"status", "status ID --as USER --to STATUS",
                "move a case forward: new -> open -> contained -> closed", status_opts, 1, 1,
                case_status},
};

int pi_cmd_case(int argc, char **argv)
{
	return pi_cli_dispatch("case", "Report incident cases and file regulatory stages.", subs,
	        sizeof(subs) / sizeof(subs[0]), argc, argv);
}
