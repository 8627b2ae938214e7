/* cmd_import.c - `postisac import`: bulk import of a STIX bundle, a CSV file or MISP event
 * JSON into a collection, on behalf of a user (intel/import.h: streamed, batched through the
 * hub's one ingest path). Shows a progress bar when standard error is a terminal and ends with
 * a summary: imported, updated, unchanged, rejected (the first reasons; all with --json).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "intel/feed.h"
#include "intel/import.h"

#define CMD "import"
#define REASONS_SHOWN_DEFAULT 10
#define REASONS_JSON_MAX 1000000

static const struct pi_cli_opt opts[] = {
        PI_CLI_OPT_DB,
        {"--collection", "NAME",
                "collection uuid, \"community\", a sharing group name or an organisation slug (its "
                "private collection) (required)"},
        {"--as", "USER",
                "import on behalf of this user: owner of the objects and TLP audience (required)"},
        {"--format", "FORMAT", "auto (default), stix, csv or misp"},
        {"--map", "SPEC",
                "CSV columns, e.g. value=1,type=2,tlp=3,labels=4 (1-based) or header names "
                "(value=indicator); keys: value, type, tlp, labels, name, description, "
                "valid_until"},
        {"--header", NULL,
                "CSV: the first row is a header (implied when --map names columns or is absent)"},
        {"--tlp", "LEVEL",
                "TLP for CSV and MISP values that carry none: clear, green, amber, amber+strict, "
                "red"},
        {"--reasons", "N", "print at most N rejection reasons (default 10; --json lists them all)"},
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static const char synopsis[] = "import --collection NAME --as USER [OPTIONS] FILE";
static const char description[] =
        "Imports FILE (or - for standard input): a STIX 2.1 bundle (any size: read one object at "
        "a\n"
        "time), a CSV file of values, or MISP event JSON. Every object is validated and stored by\n"
        "the hub's ingest, 1,000 at a time. CSV and MISP values become indicators with the "
        "pattern\n"
        "of their kind; importing the same file again reports them unchanged.\n"
        "Examples:\n"
        "  postisac import --collection community --as alice bundle.json\n"
        "  postisac import --collection europe-posts --as alice --map value=1,type=2,tlp=3 "
        "iocs.csv";

static int principal_of(pi_store *store, const char *username, struct pi_principal *p)
{
	struct pi_user u;
	struct pi_error err;

	memset(p, 0, sizeof(*p));
	if (pi_store_user_find(store, username, &u, NULL, 0, &err) != PI_OK)
		return pi_cli_error(
		        CMD, PI_EXIT_FAIL, "no user '%s' (see postisac user list)", username);
	if (u.disabled)
		return pi_cli_error(CMD, PI_EXIT_FAIL, "user '%s' is disabled", username);
	p->user_id = u.id;
	p->org_id = u.org_id;
	p->role = u.role;
	snprintf(p->username, sizeof(p->username), "%s", u.username);
	if (pi_store_org_groups(store, u.org_id, p->group_ids, PI_PRINCIPAL_MAX_GROUPS,
	            &p->n_groups, &err) != PI_OK)
		return pi_cli_fail(CMD, &err);
	return PI_EXIT_OK;
}

static size_t file_read(void *ctx, char *buf, size_t max)
{
	FILE *f = ctx;
	size_t n = fread(buf, 1, max, f);

	if (n == 0 && ferror(f))
		return (size_t)-1;
	return n;
}

struct progress {
	int on;
	uint64_t total;
	struct timespec start, last;
	int drawn;
};

static double since(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Draws "[#####     ]  45%  123,456 records  12.3 MB  45,678/s" on stderr, at most 10 times
 * a second. */
static void on_progress(void *arg, uint64_t bytes, uint64_t records)
{
	struct progress *p = arg;
	struct timespec now;
	char bar[31];
	double secs;
	int fill = 0;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->drawn && since(&p->last, &now) < 0.1)
		return;
	p->last = now;
	p->drawn = 1;
	secs = since(&p->start, &now);
	if (p->total)
		fill = (int)(30.0 * (double)(bytes > p->total ? p->total : bytes) /
		             (double)p->total);
	for (int i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[30] = '\0';
	if (p->total)
		fprintf(stderr, "\r[%s] %3d%%  %llu records  %.1f MB  %.0f/s ", bar,
		        (int)(100.0 * (double)(bytes > p->total ? p->total : bytes) /
		                (double)p->total),
		        (unsigned long long)records, (double)bytes / 1e6,
		        secs > 0 ? (double)records / secs : 0.0);
	else
		fprintf(stderr, "\r%llu records  %.1f MB  %.0f/s ", (unsigned long long)records,
		        (double)bytes / 1e6, secs > 0 ? (double)records / secs : 0.0);
	fflush(stderr);
}

static void progress_clear(struct progress *p)
{
	if (p->on && p->drawn) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
	}
}

static void print_summary(
        const struct pi_import_summary *s, double secs, const char *error, int as_json, long shown)
{
	cJSON *reasons = s->reasons ? cJSON_Parse(s->reasons) : NULL;
	const cJSON *r;
	long i = 0;

	if (as_json) {
		cJSON *o = cJSON_CreateObject();
		char *text;
		cJSON_AddNumberToObject(o, "records", (double)s->records);
		cJSON_AddNumberToObject(o, "imported", (double)s->imported);
		cJSON_AddNumberToObject(o, "updated", (double)s->updated);
		cJSON_AddNumberToObject(o, "unchanged", (double)s->unchanged);
		cJSON_AddNumberToObject(o, "rejected", (double)s->rejected);
		cJSON_AddNumberToObject(o, "skipped", (double)s->skipped);
		cJSON_AddNumberToObject(o, "seconds", secs);
		if (error)
			cJSON_AddStringToObject(o, "error", error);
		cJSON_AddItemToObject(o, "reasons", reasons ? reasons : cJSON_CreateArray());
		reasons = NULL;
		cJSON_AddNumberToObject(o, "reasons_not_listed", (double)s->reasons_dropped);
		text = cJSON_PrintUnformatted(o);
		if (text)
			printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(o);
		return;
	}
	printf("imported %llu, updated %llu, unchanged %llu, rejected %llu, skipped %llu "
	       "(%llu records in %.1f s)\n",
	        (unsigned long long)s->imported, (unsigned long long)s->updated,
	        (unsigned long long)s->unchanged, (unsigned long long)s->rejected,
	        (unsigned long long)s->skipped, (unsigned long long)s->records, secs);
	cJSON_ArrayForEach(r, reasons)
	{
		const char *where = cJSON_GetStringValue(cJSON_GetObjectItem(r, "where"));
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(r, "id"));
		const char *why = cJSON_GetStringValue(cJSON_GetObjectItem(r, "reason"));
		if (i == 0)
			printf("rejected:\n");
		if (i++ >= shown) {
			printf("  ... %llu more (use --json to see them all)\n",
			        (unsigned long long)(s->rejected - (uint64_t)shown));
			break;
		}
		if (id && why && strncmp(why, id, strlen(id)) == 0)
			id = NULL; /* the reason names the object already */
		printf("  %s%s%s: %s\n", where ? where : "", id ? " " : "", id ? id : "",
		        why ? why : "");
	}
	cJSON_Delete(reasons);
}

int pi_cmd_import(int argc, char **argv)
{
	struct pi_cli_args a;
	pi_store *store = NULL;
	struct pi_principal who;
	struct pi_collection coll;
	struct pi_csv_map map;
	struct pi_import_options io;
	struct pi_import_summary sum;
	struct pi_error err;
	struct progress prog;
	struct timespec t0, t1;
	struct stat sb;
	const char *path, *v;
	FILE *f = NULL;
	long shown = REASONS_SHOWN_DEFAULT;
	int rc;
	pi_status st;

	memset(&sum, 0, sizeof(sum));
	memset(&io, 0, sizeof(io));
	memset(&prog, 0, sizeof(prog));
	rc = pi_cli_parse(CMD, opts, 1, 1, argc - 1, argv + 1, &a);
	if (rc != 0)
		return rc;
	if (a.help) {
		pi_cli_print_usage(stdout, synopsis, description, opts);
		return PI_EXIT_OK;
	}
	if (a.npos != 1 || !pi_cli_value(&a, "--collection") || !pi_cli_value(&a, "--as"))
		return pi_cli_error(CMD, PI_EXIT_USAGE,
		        "give --collection NAME, --as USER and one FILE (see postisac import "
		        "--help)");
	v = pi_cli_value(&a, "--format");
	if (v && pi_import_format_parse(v, &io.format) != 0)
		return pi_cli_error(
		        CMD, PI_EXIT_USAGE, "--format: '%s' is not auto, stix, csv or misp", v);
	v = pi_cli_value(&a, "--map");
	if (v) {
		if (pi_csv_map_parse(v, &map, &err) != PI_OK)
			return pi_cli_error(CMD, PI_EXIT_USAGE, "%s", err.message);
		io.map = &map;
	}
	io.csv_header = pi_cli_has(&a, "--header");
	v = pi_cli_value(&a, "--tlp");
	if (v && (pi_tlp_parse(v, &io.default_tlp) != 0 || io.default_tlp == PI_TLP_UNMARKED))
		return pi_cli_error(CMD, PI_EXIT_USAGE,
		        "--tlp: '%s' is not a TLP level (clear, green, amber, amber+strict, red)",
		        v);
	v = pi_cli_value(&a, "--reasons");
	if (v) {
		char *end = NULL;
		shown = strtol(v, &end, 10);
		if (!end || *end || shown < 0 || shown > 1000000)
			return pi_cli_error(
			        CMD, PI_EXIT_USAGE, "--reasons: give a number from 0 to 1000000");
	}
	path = a.pos[0];
	rc = pi_cli_open_store(pi_cli_value(&a, "--db"), &store);
	if (rc != PI_EXIT_OK)
		return rc;
	rc = principal_of(store, pi_cli_value(&a, "--as"), &who);
	if (rc != PI_EXIT_OK)
		goto out;
	if (pi_feed_collection_resolve(store, pi_cli_value(&a, "--collection"), &coll, &err) !=
	        PI_OK) {
		rc = pi_cli_fail(CMD, &err);
		goto out;
	}
	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		rc = pi_cli_error(CMD, PI_EXIT_FAIL, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode))
		io.total_bytes = (uint64_t)sb.st_size;
	prog.on = isatty(STDERR_FILENO);
	prog.total = io.total_bytes;
	clock_gettime(CLOCK_MONOTONIC, &prog.start);
	io.source_name = path;
	io.progress = on_progress;
	io.progress_arg = &prog;
	io.reasons_max = pi_cli_has(&a, "--json") ? REASONS_JSON_MAX : (size_t)shown + 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st = pi_import_run(store, &coll, &who, file_read, f, &io, &sum, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	progress_clear(&prog);
	if (st == PI_ERR_DENIED) {
		rc = pi_cli_fail(CMD, &err);
		goto out;
	}
	print_summary(&sum, since(&t0, &t1), st == PI_OK ? NULL : err.message,
	        pi_cli_has(&a, "--json"), shown);
	if (st != PI_OK) {
		fprintf(stderr, "postisac %s: %s: %s\n", CMD, path, err.message);
		if (sum.imported + sum.updated)
			fprintf(stderr,
			        "postisac %s: the %llu objects read before the error are stored\n",
			        CMD, (unsigned long long)(sum.imported + sum.updated));
		rc = PI_EXIT_FAIL;
		goto out;
	}
	rc = PI_EXIT_OK;
out:
	if (f && f != stdin)
		fclose(f);
	free(sum.reasons);
	pi_store_close(store);
	return rc;
}
