/* cmd_receipt.c - `postisac receipt verify FILE`: check a filing receipt offline.
 *
 * Needs only the receipt and the hub's public key (GET /api/v1/receipts/key, or the
 * hex printed by the hub). No database, no network. Exit status: 0 valid, 1 invalid
 * (the reason is printed), 2 usage error or unreadable input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/receipt.h"
#include "cli/commands.h"
#include "core/buf.h"
#include "core/timeutil.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: postisac receipt verify FILE (--key PUBKEY_FILE | --key-hex HEX) [--json]\n"
	        "\n"
	        "Checks that a filing receipt was signed by the hub whose public key is given and\n"
	        "has not been changed since. FILE '-' reads standard input.\n"
	        "\n"
	        "Options:\n"
	        "  --key FILE     the hub's public key: 64 hex digits, or the JSON document\n"
	        "                 served at GET /api/v1/receipts/key\n"
	        "  --key-hex HEX  the hub's public key as 64 hex digits\n"
	        "  --json         print the result as one JSON object\n"
	        "  -h, --help     print this help\n"
	        "\n"
	        "Exit status: 0 valid, 1 invalid (the reason is printed), 2 usage error.\n");
}

/* Reads a file (or stdin for "-") of at most cap bytes into b. */
static int slurp(const char *path, size_t cap, struct pi_buf *b)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char chunk[4096];
	size_t n;
	int rc = 0;

	if (!f) {
		fprintf(stderr, "postisac receipt: %s: %s\n", path, strerror(errno));
		return -1;
	}
	pi_buf_init(b, cap);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (pi_buf_append(b, chunk, n) != PI_OK) {
			fprintf(stderr, "postisac receipt: %s: larger than %zu bytes\n", path, cap);
			rc = -1;
			break;
		}
	if (ferror(f)) {
		fprintf(stderr, "postisac receipt: %s: read error\n", path);
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	return rc;
}

static void print_time(const char *label, int64_t us)
{
	char text[PI_TIME_TEXT_LEN];

	if (us == INT64_MIN) {
		printf("  %-16s none\n", label);
		return;
	}
	pi_time_format_us(us, text);
	printf("  %-16s %s\n", label, text);
}

static void print_json(enum pi_receipt_verdict v, const struct pi_receipt_info *info,
        const struct pi_error *err, const struct pi_receipt_key *key, bool well_formed)
{
	struct pi_buf b;
	char filed[PI_TIME_TEXT_LEN], due[PI_TIME_TEXT_LEN];

	pi_buf_init(&b, 16 * 1024);
	pi_buf_printf(&b, "{\"valid\":%s,\"verdict\":", v == PI_RECEIPT_VALID ? "true" : "false");
	pi_buf_json_string(&b, pi_receipt_verdict_name(v));
	pi_buf_puts(&b, ",\"reason\":");
	if (v == PI_RECEIPT_VALID)
		pi_buf_puts(&b, "null");
	else
		pi_buf_json_string(&b, err->message);
	pi_buf_puts(&b, ",\"key_id\":");
	pi_buf_json_string(&b, key->key_id);
	if (well_formed) {
		pi_time_format_us(info->filed_at, filed);
		pi_buf_puts(&b, ",\"receipt\":{\"case_id\":");
		pi_buf_json_string(&b, info->case_id);
		pi_buf_puts(&b, ",\"regime\":");
		pi_buf_json_string(&b, info->regime);
		pi_buf_puts(&b, ",\"stage\":");
		pi_buf_json_string(&b, info->stage);
		pi_buf_puts(&b, ",\"filing_id\":");
		pi_buf_json_string(&b, info->filing_id);
		pi_buf_printf(&b, ",\"content_sha256\":\"%s\",\"filed_at\":\"%s\",\"due_at\":",
		        info->content_sha256, filed);
		if (info->due_at == INT64_MIN) {
			pi_buf_puts(&b, "null");
		} else {
			pi_time_format_us(info->due_at, due);
			pi_buf_printf(&b, "\"%s\"", due);
		}
		pi_buf_printf(&b, ",\"on_time\":%s,\"late_by_seconds\":%lld,\"hub_key_id\":\"%s\"}",
		        info->on_time ? "true" : "false", (long long)info->late_by_seconds,
		        info->key_id);
	}
	pi_buf_puts(&b, "}");
	if (b.data)
		printf("%s\n", b.data);
	pi_buf_free(&b);
}

static int verify(int argc, char **argv)
{
	const char *file = NULL, *key_file = NULL, *key_hex = NULL;
	bool json = false, well_formed;
	struct pi_receipt_key key;
	struct pi_receipt_info info;
	struct pi_error err;
	struct pi_buf doc = {0}, keytext = {0};
	enum pi_receipt_verdict v;
	int rc = 2;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			key_file = argv[++i];
		} else if (strcmp(argv[i], "--key-hex") == 0 && i + 1 < argc) {
			key_hex = argv[++i];
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr,
			        "postisac receipt verify: unknown or incomplete option '%s'\n\n",
			        argv[i]);
			usage(stderr);
			return 2;
		} else if (!file) {
			file = argv[i];
		} else {
			fprintf(stderr, "postisac receipt verify: one FILE only ('%s')\n\n",
			        argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!file || (!key_file && !key_hex) || (key_file && key_hex)) {
		fprintf(stderr, "postisac receipt verify: %s\n\n",
		        !file ? "FILE is missing"
		              : "give the hub's public key with exactly one of --key or --key-hex "
		                "(the "
		                "hub serves it at GET /api/v1/receipts/key)");
		usage(stderr);
		return 2;
	}
	if (key_file) {
		if (slurp(key_file, 4096, &keytext) != 0)
			goto out;
		if (pi_receipt_public_key_parse(
		            keytext.data ? keytext.data : "", keytext.len, &key, &err) != PI_OK) {
			fprintf(stderr, "postisac receipt verify: %s: %s\n", key_file, err.message);
			goto out;
		}
	} else if (pi_receipt_public_key_parse(key_hex, strlen(key_hex), &key, &err) != PI_OK) {
		fprintf(stderr, "postisac receipt verify: --key-hex: %s\n", err.message);
		goto out;
	}
	if (slurp(file, PI_RECEIPT_MAX_DOC, &doc) != 0)
		goto out;
	pi_error_clear(&err);
	v = pi_receipt_verify(doc.data ? doc.data : "", doc.len, &key, &info, &err);
	well_formed = v != PI_RECEIPT_MALFORMED;
	rc = v == PI_RECEIPT_VALID ? 0 : 1;
	if (json) {
		print_json(v, &info, &err, &key, well_formed);
	} else if (v == PI_RECEIPT_VALID) {
		printf("valid: signed by hub key %s\n", key.key_id);
		printf("  %-16s %s\n  %-16s %s\n  %-16s %s\n  %-16s %s\n  %-16s %s\n", "case",
		        info.case_id, "regime", info.regime, "stage", info.stage, "filing",
		        info.filing_id, "content sha256", info.content_sha256);
		print_time("filed at", info.filed_at);
		print_time("due at", info.due_at);
		if (info.on_time)
			printf("  %-16s on time\n", "timeliness");
		else
			printf("  %-16s late by %lld s\n", "timeliness",
			        (long long)info.late_by_seconds);
	} else {
		printf("invalid: %s%s\n", v == PI_RECEIPT_MALFORMED ? "malformed receipt: " : "",
		        err.message);
	}
out:
	pi_buf_free(&doc);
	pi_buf_free(&keytext);
	return rc;
}

int pi_cmd_receipt(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	        strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return verify(argc - 1, argv + 1);
	fprintf(stderr, "postisac receipt: unknown action '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
