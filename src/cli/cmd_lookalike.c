/* cmd_lookalike.c - `postisac lookalike gen|watch`: lookalike domains of postal brands.
 *
 * gen prints the permutations of domains, formatted into one capped buffer that is written in
 * blocks of about GEN_FLUSH bytes; watch streams feeds of names (plain lines or JSON
 * lines) through a pi_watcher and prints hits, optionally publishing them to a hub. Input is
 * read in fixed blocks, so memory does not grow with the feed; only hits kept for --publish
 * are held (capped at MAX_PUBLISH).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/buf.h"
#include "core/json.h"
#include "lookalike/lookalike.h"

#define READ_BLOCK (1u << 20)
#define MAX_LINE (256u << 10)
#define MAX_PUBLISH 1000000u
#define GEN_FLUSH (1u << 20)    /* gen writes its output in blocks of about this size */
#define MAX_GEN_LINE (8u << 10) /* over any line of gen (names <= 253 bytes, JSON-escaped) */

static void gen_usage(FILE *out)
{
	fprintf(out,
	        "usage: postisac lookalike gen DOMAIN... [--fuzzers LIST] [--dict FILE]\n"
	        "                              [--tld FILE] [--json | --list]\n\n"
	        "Prints the permutations a phisher would register for each DOMAIN (ASCII,\n"
	        "Unicode or punycode; subdomains are kept), each name once, tagged with the\n"
	        "first fuzzer that made it, sorted by fuzzer and name, one a line as\n"
	        "'FUZZER NAME [UNICODE]': NAME is the ASCII host name (punycode for\n"
	        "internationalised names), UNICODE its Unicode form when that differs.\n\n"
	        "Fuzzers: addition, bitsquatting, cyrillic, homoglyph, hyphenation, insertion,\n"
	        "omission, repetition, replacement, subdomain, transposition, vowel-swap,\n"
	        "dictionary (needs --dict), tld-swap (needs --tld), various, plural, combosquat,\n"
	        "brand-subdomain. Default: all of them, plus *original (the domain itself).\n\n"
	        "  --fuzzers LIST  comma-separated fuzzer names (no *original)\n"
	        "  --dict FILE     words for the dictionary fuzzer, one a line; lines that are\n"
	        "                  not all letters and digits are skipped\n"
	        "  --tld FILE      suffixes for the tld-swap fuzzer, one a line (com, co.uk);\n"
	        "                  other lines are skipped\n"
	        "  --json          JSON lines {\"domain\",\"unicode\",\"fuzzer\",\"original\"}\n"
	        "  --list          names only (like dnstwist --format list)\n\n"
	        "Limits: a domain gives at most %u permutations from at most %u\n"
	        "candidate labels, a --dict or --tld file at most %u lines; beyond them gen\n"
	        "stops with an error.\n\n"
	        "Exit status: 0 on success, 2 on error.\n",
	        PI_LOOKALIKE_MAX_PERMS, PI_LOOKALIKE_MAX_LABELS, PI_LOOKALIKE_MAX_WORDS);
}

static void watch_usage(FILE *out)
{
	fprintf(out,
	        "usage: postisac lookalike watch --brands FILE [OPTIONS] [FEED...|-]\n\n"
	        "Reads feeds of newly registered domains or certificate transparency names and\n"
	        "prints each name that imitates a brand, one a line as\n"
	        "NAME<TAB>BRAND<TAB>SCORE<TAB>REASONS; reasons: skeleton, tld-swap, split,\n"
	        "brand-subdomain, combosquat:WORD, edit-distance:D. A brand's own domains and\n"
	        "their subdomains are never reported.\n\n"
	        "A feed line is a name (the first field when spaces, tabs or commas follow), or\n"
	        "a JSON object with \"domain\", \"name\", \"names\", \"all_domains\", "
	        "\"dns_names\",\n"
	        "\"domains\" or certstream's data.leaf_cert.all_domains; '#' lines are skipped,\n"
	        "'*.' and trailing dots ignored. '-' or no FEED reads standard input.\n\n"
	        "  --brands FILE       one brand a line: DOMAIN [TOKEN...] ('usps.com usps');\n"
	        "                      a token with a dot is another legitimate domain, others\n"
	        "                      (3 to 63 characters) are more brand words\n"
	        "  --threshold X       minimum score, 0..1 (default 0.5)\n"
	        "  --json              JSON lines {\"name\",\"brand\",\"score\",\"reasons\"}\n"
	        "  --publish HUB       post the hits as STIX indicators to the hub at HUB (e.g.\n"
	        "                      http://127.0.0.1:8080), in batches of 1000\n"
	        "  --collection ID     TAXII collection for --publish (required with it)\n"
	        "  --token TOKEN       bearer token for --publish (default: env POSTISAC_TOKEN)\n"
	        "  --tlp LEVEL         TLP 2.0 marking of the indicators: clear, green, amber,\n"
	        "                      amber+strict or red (default amber)\n\n"
	        "Limits: lines over %u KiB are skipped (and counted on standard error); at most\n"
	        "%u hits are published a run.\n\n"
	        "Exit status: 0 if anything was found, 1 if nothing, 2 on error (also when\n"
	        "the hub refuses any indicator).\n",
	        MAX_LINE >> 10, MAX_PUBLISH);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: postisac lookalike gen|watch [OPTIONS]\n\n"
	             "  gen    generate the lookalike permutations of domains\n"
	             "  watch  watch feeds of new names for lookalikes of brands\n\n"
	             "Run 'postisac lookalike gen --help' or '... watch --help' for options.\n");
}

static void print_json_string(FILE *out, const char *s)
{
	struct pi_buf b;

	pi_buf_init(&b, 4096);
	if (pi_buf_json_string(&b, s) == PI_OK)
		fputs(b.data, out);
	else
		fputs("\"\"", out);
	pi_buf_free(&b);
}

/* Appends the line of permutation i in the chosen format to out. */
static pi_status gen_line(struct pi_buf *out, const pi_perms *perms, size_t i, int list, int json,
        const char *original)
{
	const char *name = pi_perms_domain(perms, i);
	const char *uni = pi_perms_unicode(perms, i);
	const char *fz = pi_fuzzer_name(pi_perms_fuzzer(perms, i));
	static const char pad[] = "               ";
	size_t fz_len = strlen(fz);
	pi_status st = PI_OK;

	if (list) {
		st = pi_buf_puts(out, name);
	} else if (json) {
		if ((st = pi_buf_puts(out, "{\"domain\":")) == PI_OK &&
		        (st = pi_buf_json_string(out, name)) == PI_OK &&
		        (st = pi_buf_puts(out, ",\"unicode\":")) == PI_OK &&
		        (st = pi_buf_json_string(out, uni ? uni : name)) == PI_OK &&
		        (st = pi_buf_puts(out, ",\"fuzzer\":\"")) == PI_OK &&
		        (st = pi_buf_puts(out, fz)) == PI_OK &&
		        (st = pi_buf_puts(out, "\",\"original\":")) == PI_OK &&
		        (st = pi_buf_json_string(out, original)) == PI_OK)
			st = pi_buf_putc(out, '}');
	} else {
		/* "%-15s %s[ %s]" */
		if ((st = pi_buf_puts(out, fz)) == PI_OK && fz_len < 15)
			st = pi_buf_append(out, pad, 15 - fz_len);
		if (st == PI_OK && (st = pi_buf_putc(out, ' ')) == PI_OK &&
		        (st = pi_buf_puts(out, name)) == PI_OK && uni &&
		        (st = pi_buf_putc(out, ' ')) == PI_OK)
			st = pi_buf_puts(out, uni);
	}
	return st == PI_OK ? pi_buf_putc(out, '\n') : st;
}

/* Writes out what gen_line collected and empties it. Returns 0, or -1 (reported). */
static int gen_flush(struct pi_buf *out)
{
	if (out->len && fwrite(out->data, 1, out->len, stdout) != out->len) {
		fprintf(stderr, "postisac lookalike gen: cannot write: %s\n", strerror(errno));
		return -1;
	}
	pi_buf_reset(out);
	return 0;
}

static int cmd_gen(int argc, char **argv)
{
	struct pi_gen_options opts;
	struct pi_error err;
	char **dict = NULL, **tlds = NULL;
	size_t ndict = 0, ntlds = 0;
	int json = 0, list = 0, rc = 2, ndomains = 0;
	const char *dict_path = NULL, *tld_path = NULL;
	const char **domains = NULL;
	pi_perms *perms = NULL;
	struct pi_buf line;

	memset(&opts, 0, sizeof(opts));
	pi_buf_init(&line, GEN_FLUSH + 4 * MAX_GEN_LINE);
	domains = calloc((size_t)argc, sizeof(*domains));
	if (!domains)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			gen_usage(stdout);
			rc = 0;
			goto out;
		} else if (strcmp(a, "--json") == 0) {
			json = 1;
		} else if (strcmp(a, "--list") == 0) {
			list = 1;
		} else if ((strcmp(a, "--fuzzers") == 0 || strcmp(a, "--dict") == 0 ||
		                   strcmp(a, "--tld") == 0)) {
			if (i + 1 >= argc) {
				fprintf(stderr, "postisac lookalike gen: %s needs a value\n", a);
				goto out;
			}
			const char *v = argv[++i];
			if (strcmp(a, "--fuzzers") == 0) {
				if (pi_fuzzer_parse_list(v, &opts.fuzzers, &err) != PI_OK) {
					fprintf(stderr, "postisac lookalike gen: %s\n",
					        err.message);
					goto out;
				}
			} else if (strcmp(a, "--dict") == 0) {
				dict_path = v;
			} else {
				tld_path = v;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "postisac lookalike gen: unknown option '%s'\n\n", a);
			gen_usage(stderr);
			goto out;
		} else {
			domains[ndomains++] = a;
		}
	}
	if (ndomains == 0) {
		fprintf(stderr, "postisac lookalike gen: give at least one DOMAIN\n\n");
		gen_usage(stderr);
		goto out;
	}
	if (json && list) {
		fprintf(stderr, "postisac lookalike gen: --json and --list exclude each other\n");
		goto out;
	}
	if (dict_path && pi_wordlist_load(dict_path, 'd', &dict, &ndict, &err) != PI_OK) {
		fprintf(stderr, "postisac lookalike gen: %s\n", err.message);
		goto out;
	}
	if (tld_path && pi_wordlist_load(tld_path, 't', &tlds, &ntlds, &err) != PI_OK) {
		fprintf(stderr, "postisac lookalike gen: %s\n", err.message);
		goto out;
	}
	opts.dict_words = (const char *const *)dict;
	opts.n_dict_words = ndict;
	opts.tlds = (const char *const *)tlds;
	opts.n_tlds = ntlds;
	for (int d = 0; d < ndomains; d++) {
		if (pi_lookalike_generate(domains[d], &opts, &perms, &err) != PI_OK) {
			fprintf(stderr, "postisac lookalike gen: %s\n", err.message);
			goto out;
		}
		pi_perms_sort(perms);
		for (size_t i = 0; i < pi_perms_count(perms); i++) {
			if (gen_line(&line, perms, i, list, json, domains[d]) != PI_OK) {
				fprintf(stderr, "postisac lookalike gen: out of memory\n");
				goto out;
			}
			if (line.len >= GEN_FLUSH && gen_flush(&line) != 0)
				goto out;
		}
		pi_perms_free(perms);
		perms = NULL;
	}
	if (gen_flush(&line) != 0)
		goto out;
	if (fflush(stdout) != 0) {
		fprintf(stderr, "postisac lookalike gen: cannot write: %s\n", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	pi_buf_free(&line);
	pi_perms_free(perms);
	pi_wordlist_free(dict, ndict);
	pi_wordlist_free(tlds, ntlds);
	free(domains);
	return rc;
}

struct watch_run {
	pi_watcher *w;
	int json;
	size_t hits, names, bad_lines, long_lines;
	int keep; /* collect hits for --publish */
	struct pi_publish_item *kept;
	size_t nkept, capkept;
	int failed;
};

static void report(struct watch_run *r, const char *name, size_t len, const struct pi_watch_hit *h)
{
	char reasons[256];
	const char *brand = pi_watcher_brand_domain(r->w, h->brand);

	r->hits++;
	pi_watch_reasons_format(h, reasons, sizeof(reasons));
	if (r->json) {
		char tmp[PI_LOOKALIKE_MAX_NAME + 1];
		memcpy(tmp, name, len);
		tmp[len] = '\0';
		fputs("{\"name\":", stdout);
		print_json_string(stdout, tmp);
		printf(",\"brand\":\"%s\",\"score\":%.2f,\"reasons\":[%s]}\n", brand, h->score,
		        reasons);
	} else {
		/* reasons without the JSON quotes */
		char plain[256];
		size_t k = 0;
		for (const char *p = reasons; *p && k + 1 < sizeof(plain); p++)
			if (*p != '"')
				plain[k++] = *p;
		plain[k] = '\0';
		printf("%.*s\t%s\t%.2f\t%s\n", (int)len, name, brand, h->score, plain);
	}
	if (r->keep && !r->failed) {
		if (r->nkept == r->capkept) {
			size_t cap = r->capkept ? r->capkept * 2 : 256;
			struct pi_publish_item *nk;
			if (cap > MAX_PUBLISH) {
				fprintf(stderr,
				        "postisac lookalike watch: more than %u hits to "
				        "publish; publish a smaller feed\n",
				        MAX_PUBLISH);
				r->failed = 1;
				return;
			}
			nk = realloc(r->kept, cap * sizeof(*nk));
			if (!nk) {
				r->failed = 1;
				return;
			}
			r->kept = nk;
			r->capkept = cap;
		}
		char *copy = strndup(name, len);
		if (!copy) {
			r->failed = 1;
			return;
		}
		/* a name with a trailing dot or "*." is published as the bare name */
		char *bare = copy;
		if (bare[0] == '*' && bare[1] == '.')
			bare += 2;
		size_t bl = strlen(bare);
		while (bl && bare[bl - 1] == '.')
			bare[--bl] = '\0';
		memmove(copy, bare, bl + 1);
		r->kept[r->nkept].name = copy;
		r->kept[r->nkept].brand = brand;
		r->nkept++;
	}
}

static void check_name(struct watch_run *r, const char *name, size_t len)
{
	struct pi_watch_hit h;

	r->names++;
	if (pi_watcher_check(r->w, name, len, &h))
		report(r, name, len, &h);
}

static void check_json_item(struct watch_run *r, const cJSON *item)
{
	if (cJSON_IsString(item) && item->valuestring)
		check_name(r, item->valuestring, strlen(item->valuestring));
}

static void check_json_line(struct watch_run *r, const char *line, size_t len)
{
	static const char *const single[] = {"domain", "name"};
	static const char *const arrays[] = {"names", "all_domains", "dns_names", "domains"};
	cJSON *root = NULL, *item, *el;
	struct pi_error err;

	if (pi_json_parse(line, len, 16, &root, &err) != PI_OK || !cJSON_IsObject(root)) {
		r->bad_lines++;
		cJSON_Delete(root);
		return;
	}
	for (size_t i = 0; i < 2; i++)
		check_json_item(r, cJSON_GetObjectItemCaseSensitive(root, single[i]));
	for (size_t i = 0; i < 4; i++) {
		item = cJSON_GetObjectItemCaseSensitive(root, arrays[i]);
		cJSON_ArrayForEach(el, item) check_json_item(r, el);
	}
	/* certstream: {"data":{"leaf_cert":{"all_domains":[...]}}} */
	item = cJSON_GetObjectItemCaseSensitive(root, "data");
	item = cJSON_GetObjectItemCaseSensitive(item, "leaf_cert");
	item = cJSON_GetObjectItemCaseSensitive(item, "all_domains");
	cJSON_ArrayForEach(el, item) check_json_item(r, el);
	cJSON_Delete(root);
}

static void check_line(struct watch_run *r, const char *line, size_t len)
{
	while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	while (len && (line[0] == ' ' || line[0] == '\t')) {
		line++;
		len--;
	}
	if (len == 0 || line[0] == '#')
		return;
	if (line[0] == '{') {
		check_json_line(r, line, len);
		return;
	}
	/* "name" alone, or the first field of a whitespace or comma separated line */
	size_t n = 0;
	while (n < len && line[n] != ' ' && line[n] != '\t' && line[n] != ',')
		n++;
	check_name(r, line, n);
}

/* Streams one feed. Returns 0, or -1 on a read error (reported). */
static int watch_stream(struct watch_run *r, FILE *f, const char *label, char *buf)
{
	size_t have = 0;
	int skipping = 0;

	for (;;) {
		size_t n = fread(buf + have, 1, READ_BLOCK - have, f);
		size_t start = 0;
		int eof = n == 0;
		have += n;
		for (;;) {
			char *nl = memchr(buf + start, '\n', have - start);
			if (!nl)
				break;
			size_t end = (size_t)(nl - buf);
			if (!skipping)
				check_line(r, buf + start, end - start);
			skipping = 0;
			start = end + 1;
		}
		if (eof) {
			if (have > start && !skipping)
				check_line(r, buf + start, have - start);
			break;
		}
		memmove(buf, buf + start, have - start);
		have -= start;
		if (have >= MAX_LINE) {
			/* an over-long line: drop it up to its newline */
			r->long_lines++;
			skipping = 1;
			have = 0;
		}
	}
	if (ferror(f)) {
		fprintf(stderr, "postisac lookalike watch: cannot read %s: %s\n", label,
		        strerror(errno));
		return -1;
	}
	return 0;
}

static int item_cmp(const void *a, const void *b)
{
	const struct pi_publish_item *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->brand, y->brand);
}

/* Sorts the kept hits and drops repeated names (a feed may list a name many times). */
static void dedupe_kept(struct watch_run *r)
{
	size_t o = 0;

	if (r->nkept < 2)
		return;
	qsort(r->kept, r->nkept, sizeof(*r->kept), item_cmp);
	for (size_t i = 0; i < r->nkept; i++) {
		if (o && strcmp(r->kept[o - 1].name, r->kept[i].name) == 0) {
			free((char *)r->kept[i].name);
			continue;
		}
		r->kept[o++] = r->kept[i];
	}
	r->nkept = o;
}

static int cmd_watch(int argc, char **argv)
{
	const char *brands = NULL, *hub = NULL, *token = getenv("POSTISAC_TOKEN");
	const char *collection = NULL, *tlp = "amber";
	double threshold = 0.5;
	struct watch_run r;
	struct pi_error err;
	const char **feeds = NULL;
	int nfeeds = 0, rc = 2, tlp_given = 0, token_given = 0;
	char *buf = NULL;
	static char outbuf[1 << 16];

	memset(&r, 0, sizeof(r));
	feeds = calloc((size_t)argc + 1, sizeof(*feeds));
	if (!feeds)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			watch_usage(stdout);
			rc = 0;
			goto out;
		} else if (strcmp(a, "--json") == 0) {
			r.json = 1;
		} else if (strcmp(a, "--brands") == 0 || strcmp(a, "--threshold") == 0 ||
		           strcmp(a, "--publish") == 0 || strcmp(a, "--token") == 0 ||
		           strcmp(a, "--collection") == 0 || strcmp(a, "--tlp") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "postisac lookalike watch: %s needs a value\n", a);
				goto out;
			}
			const char *v = argv[++i];
			if (strcmp(a, "--brands") == 0) {
				brands = v;
			} else if (strcmp(a, "--threshold") == 0) {
				char *end = NULL;
				errno = 0;
				threshold = strtod(v, &end);
				if (errno || !end || *end || end == v || !(threshold >= 0.0) ||
				        threshold > 1.0) {
					fprintf(stderr,
					        "postisac lookalike watch: --threshold takes a "
					        "number from 0 to 1, not '%s'\n",
					        v);
					goto out;
				}
			} else if (strcmp(a, "--publish") == 0) {
				hub = v;
			} else if (strcmp(a, "--token") == 0) {
				token = v;
				token_given = 1;
			} else if (strcmp(a, "--collection") == 0) {
				collection = v;
			} else {
				tlp = v;
				tlp_given = 1;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "postisac lookalike watch: unknown option '%s'\n\n", a);
			watch_usage(stderr);
			goto out;
		} else {
			feeds[nfeeds++] = a;
		}
	}
	if (!brands) {
		fprintf(stderr, "postisac lookalike watch: --brands FILE is required\n\n");
		watch_usage(stderr);
		goto out;
	}
	if (hub) {
		if (!pi_tlp2_marking_id(tlp)) {
			fprintf(stderr,
			        "postisac lookalike watch: unknown TLP '%s' (use clear, "
			        "green, amber, amber+strict or red)\n",
			        tlp);
			goto out;
		}
		if (!collection) {
			fprintf(stderr,
			        "postisac lookalike watch: --publish needs --collection ID\n");
			goto out;
		}
		if (!token || !*token) {
			fprintf(stderr, "postisac lookalike watch: --publish needs --token TOKEN "
			                "or POSTISAC_TOKEN\n");
			goto out;
		}
		r.keep = 1;
	} else if (collection || tlp_given || token_given) {
		fprintf(stderr, "postisac lookalike watch: %s only goes with --publish\n",
		        collection  ? "--collection"
		        : tlp_given ? "--tlp"
		                    : "--token");
		goto out;
	}
	if (pi_watcher_load(brands, &r.w, &err) != PI_OK) {
		fprintf(stderr, "postisac lookalike watch: %s\n", err.message);
		goto out;
	}
	pi_watcher_set_threshold(r.w, threshold);
	buf = malloc(READ_BLOCK);
	if (!buf) {
		fprintf(stderr, "postisac lookalike watch: out of memory\n");
		goto out;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	if (nfeeds == 0)
		feeds[nfeeds++] = "-";
	for (int i = 0; i < nfeeds; i++) {
		FILE *f = strcmp(feeds[i], "-") == 0 ? stdin : fopen(feeds[i], "rb");
		int bad;
		if (!f) {
			fprintf(stderr, "postisac lookalike watch: cannot open %s: %s\n", feeds[i],
			        strerror(errno));
			goto out;
		}
		bad = watch_stream(&r, f, feeds[i], buf);
		if (f != stdin)
			fclose(f);
		if (bad || r.failed)
			goto out;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "postisac lookalike watch: cannot write: %s\n", strerror(errno));
		goto out;
	}
	if (r.bad_lines)
		fprintf(stderr,
		        "postisac lookalike watch: skipped %zu JSON lines that were not "
		        "JSON objects\n",
		        r.bad_lines);
	if (r.long_lines)
		fprintf(stderr, "postisac lookalike watch: skipped %zu lines over %u bytes\n",
		        r.long_lines, MAX_LINE);
	if (hub && r.nkept) {
		dedupe_kept(&r);
		struct pi_publish_options po = {hub, token, collection, tlp};
		struct pi_publish_result res;
		if (pi_lookalike_publish(&po, r.kept, r.nkept, &res, stderr, &err) != PI_OK) {
			fprintf(stderr, "postisac lookalike watch: publishing failed: %s\n",
			        err.message);
			goto out;
		}
		fprintf(stderr,
		        "postisac lookalike watch: published %zu indicators: %zu accepted, %zu "
		        "refused\n",
		        res.total, res.success, res.failure);
		if (res.failure) {
			rc = 2;
			goto out;
		}
	}
	rc = r.hits ? 0 : 1;
out:
	fflush(stdout);
	for (size_t i = 0; i < r.nkept; i++)
		free((char *)r.kept[i].name);
	free(r.kept);
	pi_watcher_free(r.w);
	free(buf);
	free(feeds);
	return rc;
}

int pi_cmd_lookalike(int argc, char **argv)
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
	if (strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc - 1, argv + 1);
	if (strcmp(argv[1], "watch") == 0)
		return cmd_watch(argc - 1, argv + 1);
	fprintf(stderr, "postisac lookalike: unknown subcommand '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
