/* cmd_export.c - `postisac export`: writes an indicator feed (STIX bundle, CSV, plain list,
 * Suricata rules, DNS RPZ zone, Zeek intel file) as it reads the database, page by page
 * (intel/feed.h), to standard output or a file. The feed holds what the user named by --as
 * may take away: the same access decision, TLP rules and filters as GET /api/v1/feeds/{format}.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/timeutil.h"
#include "intel/feed.h"

#define CMD "export"

static const struct pi_cli_opt opts[] = {
        PI_CLI_OPT_DB,
        {"--as", "USER",
                "export on behalf of this user (what they may take away leaves; required)"},
        {"--format", "FORMAT", "stix, csv, list, suricata, rpz or zeek (required)"},
        {"--collection", "NAMES",
                "collection uuids, \"community\", group names or org slugs, comma-separated "
                "(default: every collection the user reads)"},
        {"--since", "TIME", "only indicators added after this RFC 3339 time"},
        {"--type", "KINDS",
                "observable kinds, comma-separated: domain, ipv4, ipv6, ipv4-cidr, url, email, "
                "md5, sha1, sha256, ..."},
        {"--tlp", "LEVEL", "TLP ceiling: clear, green, amber, amber+strict (RED never leaves)"},
        {"--label", "LABEL", "only indicators with this label"},
        {"--include-warninglisted", NULL,
                "keep values that are on a warninglist (left out by default)"},
        {"--zone", "NAME", "RPZ zone origin (default " PI_FEED_DEFAULT_ZONE ")"},
        {"--sid-base", "N", "first Suricata sid (default 1000000)"},
        {"--output", "FILE", "write to FILE instead of standard output"},
        PI_CLI_OPT_END,
};

static const char synopsis[] = "export --as USER --format FORMAT [OPTIONS]";
static const char description[] =
        "Writes the indicators the user may export as a feed. Expired and revoked indicators and\n"
        "TLP:RED are never written; warninglisted values are left out unless asked for.\n"
        "Examples:\n"
        "  postisac export --as alice --format suricata --type domain,ipv4 > postisac.rules\n"
        "  postisac export --as alice --format rpz --zone rpz.example.net --output db.rpz";

/* The principal for a user name: role, organisation and its sharing groups. */
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

/* Fills q from the options; returns PI_EXIT_OK or a reported failure. */
static int build_query(pi_store *store, const struct pi_cli_args *a, struct pi_feed_query *q)
{
	const char *v;
	struct pi_error err;
	char list[2048];
	char *save = NULL;

	memset(q, 0, sizeof(*q));
	if (pi_feed_format_parse(pi_cli_value(a, "--format"), &q->format) != 0)
		return pi_cli_error(CMD, PI_EXIT_USAGE,
		        "--format: '%s' is not a feed format; use stix, csv, list, suricata, rpz "
		        "or zeek",
		        pi_cli_value(a, "--format"));
	v = pi_cli_value(a, "--collection");
	if (v) {
		snprintf(list, sizeof(list), "%s", v);
		for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			struct pi_collection c;
			int dup = 0;
			if (pi_feed_collection_resolve(store, p, &c, &err) != PI_OK)
				return pi_cli_fail(CMD, &err);
			if (q->n_collections >= PI_FEED_MAX_COLLECTIONS)
				return pi_cli_error(CMD, PI_EXIT_USAGE, "--collection: at most %d",
				        PI_FEED_MAX_COLLECTIONS);
			for (size_t i = 0; i < q->n_collections; i++)
				dup |= q->collections[i] == c.id;
			if (!dup)
				q->collections[q->n_collections++] = c.id;
		}
	}
	v = pi_cli_value(a, "--since");
	if (v && pi_time_parse_us(v, &q->since_us, &err) != PI_OK)
		return pi_cli_error(CMD, PI_EXIT_USAGE,
		        "--since: '%s' is not an RFC 3339 UTC time (example: 2026-01-31T00:00:00Z)",
		        v);
	v = pi_cli_value(a, "--type");
	if (v) {
		snprintf(list, sizeof(list), "%s", v);
		save = NULL;
		for (char *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
			enum pi_observable_kind k = pi_observable_kind_from_name(p);
			if (k == PI_OBSERVABLE_NONE)
				return pi_cli_error(CMD, PI_EXIT_USAGE,
				        "--type: '%s' is not an observable kind (ipv4, ipv6, "
				        "ipv4-cidr, ipv6-cidr, domain, url, email, md5, sha1, "
				        "sha256, sha512, phone, sms-sender)",
				        p);
			q->kinds |= 1u << k;
		}
	}
	v = pi_cli_value(a, "--tlp");
	if (v) {
		if (pi_tlp_parse(v, &q->tlp_max) != 0 || q->tlp_max == PI_TLP_UNMARKED)
			return pi_cli_error(CMD, PI_EXIT_USAGE,
			        "--tlp: '%s' is not a TLP level (clear, green, amber, "
			        "amber+strict, red)",
			        v);
		q->has_tlp_max = 1;
	}
	q->label = pi_cli_value(a, "--label");
	q->include_warninglisted = pi_cli_has(a, "--include-warninglisted");
	q->zone = pi_cli_value(a, "--zone");
	v = pi_cli_value(a, "--sid-base");
	if (v) {
		char *end = NULL;
		unsigned long n = strtoul(v, &end, 10);
		if (!end || *end || n < 1 || n > 4000000000UL)
			return pi_cli_error(CMD, PI_EXIT_USAGE,
			        "--sid-base: give a number from 1 to 4000000000");
		q->sid_base = (uint32_t)n;
	}
	return PI_EXIT_OK;
}

int pi_cmd_export(int argc, char **argv)
{
	struct pi_cli_args a;
	pi_store *store = NULL;
	pi_feed_cursor *cur = NULL;
	struct pi_principal who;
	struct pi_feed_query q;
	struct pi_feed_stats stats;
	struct pi_buf out;
	struct pi_error err;
	const char *path = NULL;
	FILE *f = stdout;
	int rc, done = 0;

	rc = pi_cli_parse(CMD, opts, 0, 0, argc - 1, argv + 1, &a);
	if (rc != 0)
		return rc;
	if (a.help) {
		pi_cli_print_usage(stdout, synopsis, description, opts);
		return PI_EXIT_OK;
	}
	if (!pi_cli_value(&a, "--as") || !pi_cli_value(&a, "--format"))
		return pi_cli_error(CMD, PI_EXIT_USAGE,
		        "give --as USER and --format FORMAT (see postisac export --help)");
	pi_buf_init(&out, (size_t)64 << 20);
	rc = pi_cli_open_store(pi_cli_value(&a, "--db"), &store);
	if (rc != PI_EXIT_OK)
		goto out;
	rc = principal_of(store, pi_cli_value(&a, "--as"), &who);
	if (rc != PI_EXIT_OK)
		goto out;
	rc = build_query(store, &a, &q);
	if (rc != PI_EXIT_OK)
		goto out;
	if (pi_feed_open(store, &who, &q, &cur, &err) != PI_OK) {
		rc = pi_cli_fail(CMD, &err);
		goto out;
	}
	path = pi_cli_value(&a, "--output");
	if (path) {
		f = fopen(path, "w");
		if (!f) {
			f = stdout;
			rc = pi_cli_error(
			        CMD, PI_EXIT_FAIL, "cannot write %s: %s", path, strerror(errno));
			goto out;
		}
	}
	while (!done) {
		pi_buf_reset(&out);
		if (pi_feed_next(cur, &out, &done, &err) != PI_OK) {
			rc = pi_cli_fail(CMD, &err);
			goto out;
		}
		if (out.len && fwrite(out.data, 1, out.len, f) != out.len) {
			rc = pi_cli_error(
			        CMD, PI_EXIT_FAIL, "cannot write the feed: %s", strerror(errno));
			goto out;
		}
	}
	if (fflush(f) != 0) {
		rc = pi_cli_error(CMD, PI_EXIT_FAIL, "cannot write the feed: %s", strerror(errno));
		goto out;
	}
	pi_feed_stats_get(cur, &stats);
	if (path)
		fprintf(stderr,
		        "postisac export: %llu entries from %llu indicators written to %s\n",
		        (unsigned long long)stats.entries, (unsigned long long)stats.indicators,
		        path);
	rc = PI_EXIT_OK;
out:
	if (f != stdout && fclose(f) != 0 && rc == PI_EXIT_OK)
		rc = pi_cli_error(CMD, PI_EXIT_FAIL, "cannot write %s: %s", path, strerror(errno));
	pi_feed_close(cur);
	pi_buf_free(&out);
	pi_store_close(store);
	return rc;
}
