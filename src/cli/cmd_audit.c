/* cmd_audit.c - `postisac audit verify`: checks the hash-chained audit log of a database
 * (core/audit.h, stored by store/store_cases.h) and says whether any entry was edited,
 * removed or reordered, and which. Exit status 0 intact, 1 damaged (or unreadable).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "store/store_cases.h"

static const struct pi_cli_opt verify_opts[] = {
        {"--expect-seq", "N", "the log must reach entry N (a tip you recorded earlier)"},
        {"--expect-hash", "HEX", "and entry N must have this hash (64 hex digits)"},
        PI_CLI_OPT_DB,
        PI_CLI_OPT_JSON,
        PI_CLI_OPT_END,
};

static int audit_verify(struct pi_cli_args *a)
{
	pi_store *store = NULL;
	struct pi_error err;
	struct pi_audit_report report;
	struct pi_audit_expect expect = {0, NULL};
	unsigned char hash[PI_AUDIT_HASH_LEN];
	const char *seq_text = pi_cli_value(a, "--expect-seq");
	const char *hash_text = pi_cli_value(a, "--expect-hash");
	char tip[PI_AUDIT_HASH_LEN * 2 + 1];
	int rc;

	if (hash_text && !seq_text)
		return pi_cli_error(a->cmd, PI_EXIT_USAGE, "--expect-hash goes with --expect-seq");
	if (seq_text) {
		char *end = NULL;
		unsigned long long n = strtoull(seq_text, &end, 10);
		if (end == seq_text || *end || n == 0)
			return pi_cli_error(
			        a->cmd, PI_EXIT_USAGE, "--expect-seq: a positive number");
		expect.last_seq = n;
	}
	if (hash_text) {
		size_t got = 0;
		if (strlen(hash_text) != 64 ||
		        sodium_hex2bin(hash, sizeof(hash), hash_text, 64, NULL, &got, NULL) != 0 ||
		        got != sizeof(hash))
			return pi_cli_error(a->cmd, PI_EXIT_USAGE, "--expect-hash: 64 hex digits");
		expect.last_hash = hash;
	}
	rc = pi_cli_open_store(pi_cli_value(a, "--db"), &store);
	if (rc != PI_EXIT_OK)
		return rc;
	memset(&report, 0, sizeof(report));
	if (pi_store_audit_verify(store, &expect, &report, &err) != PI_OK) {
		rc = pi_cli_fail(a->cmd, &err);
		goto out;
	}
	sodium_bin2hex(tip, sizeof(tip), report.last_hash, sizeof(report.last_hash));
	if (pi_cli_has(a, "--json")) {
		printf("{\"result\":\"%s\",\"seq\":%llu,\"entries\":%llu,\"last_seq\":%llu,"
		       "\"last_hash\":\"%s\",\"message\":",
		        pi_audit_problem_name(report.problem), (unsigned long long)report.seq,
		        (unsigned long long)report.entries, (unsigned long long)report.last_seq,
		        tip);
		{
			struct pi_buf b;
			pi_buf_init(&b, 4096);
			pi_buf_json_string(&b, report.message);
			printf("%s}\n", b.data ? b.data : "\"\"");
			pi_buf_free(&b);
		}
	} else if (report.problem == PI_AUDIT_INTACT) {
		printf("audit log intact: %llu entries, last seq %llu, last hash %s\n",
		        (unsigned long long)report.entries, (unsigned long long)report.last_seq,
		        tip);
	} else {
		printf("audit log %s at seq %llu: %s\n", pi_audit_problem_name(report.problem),
		        (unsigned long long)report.seq, report.message);
	}
	rc = report.problem == PI_AUDIT_INTACT ? PI_EXIT_OK : PI_EXIT_FAIL;
out:
	pi_store_close(store);
	return rc;
}

static const struct pi_cli_sub subs[] = {
        {"verify", "verify [--db URL] [--expect-seq N [--expect-hash HEX]]",
                "check the audit log's hash chain; exit 1 and name the first edited, removed or "
                "reordered entry",
                verify_opts, 0, 0, audit_verify},
};

int pi_cmd_audit(int argc, char **argv)
{
	return pi_cli_dispatch("audit", "Verify the hash-chained audit log.", subs,
	        sizeof(subs) / sizeof(subs[0]), argc, argv);
}
