/* cmd_scan.c - `postisac scan`: match logs against the shared indicators.
 *
 * Loads the indicators (a hub over TAXII, a STIX bundle or an export file), from the cache
 * directory when it holds them already, builds the matcher, runs the scanner (scan/scan.h)
 * and, with --report-sightings, posts aggregated sightings back to a hub. For a hub source
 * a refresher thread pulls what was added since the last pull every --refresh seconds and
 * hands the scanner a new matcher without stopping it.
 *
 * Exit status (like grep): 0 something matched, 1 nothing matched, 2 an error (bad usage,
 * indicators that cannot be loaded, an input that cannot be read, sightings not accepted).
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "cli/commands.h"
#include "core/timeutil.h"
#include "scan/hub.h"
#include "scan/indset.h"
#include "scan/matcher.h"
#include "scan/scan.h"

#define EXIT_MATCH 0
#define EXIT_NOMATCH 1
#define EXIT_ERROR 2
#define MAX_FILES 4096

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: postisac scan --indicators SOURCE [OPTIONS] FILE... | -\n\n"
	        "Matches log lines against indicators and prints one JSON line per hit:\n"
	        "{time, file, line_number, kind, observable, matched, match, indicator, tlp,\n"
	        "labels, confidence, source, line}. Files may be plain, gzip or zstd; '-' is\n"
	        "standard input.\n\n"
	        "SOURCE is a hub (http://HOST:PORT or https://HOST, or one collection's URL\n"
	        ".../taxii2/hub/collections/ID/), a STIX bundle file, or an export file (one "
	        "value\n"
	        "a line, or CSV with a 'value' column).\n\n"
	        "  --indicators SOURCE        where the indicators come from (required)\n"
	        "  --token TOKEN              bearer token for a hub (default: env "
	        "POSTISAC_TOKEN)\n"
	        "  --format FMT               auto|text|syslog|jsonl|zeek|eve (default auto)\n"
	        "  --threads N                worker threads, 1-%d (default 1)\n"
	        "  --follow                   keep reading growing files across rotation (tail "
	        "-F)\n"
	        "  --refang                   read defanged values (hxxp://, example[.]com)\n"
	        "  --no-line                  leave the log line out of hits\n"
	        "  --quiet                    print no hits (with --summary: counts only)\n"
	        "  --summary                  print counts per indicator at the end\n"
	        "  --refresh SECONDS          re-pull a hub source this often (default 300, 0 "
	        "off)\n"
	        "  --cache-dir DIR            cache (default $XDG_CACHE_HOME/postisac or\n"
	        "                             ~/.cache/postisac)\n"
	        "  --no-cache                 neither read nor write the cache\n"
	        "  --report-sightings HUB     post aggregated sightings to HUB\n"
	        "  --sightings-collection ID  TAXII collection for the sightings\n"
	        "  --sightings-tlp LEVEL      clear|green|amber|amber+strict|red (default green)\n"
	        "  --sightings-interval SEC   with --follow, post this often (default 60)\n"
	        "  --progress | --no-progress progress line on stderr (default: when a "
	        "terminal)\n\n"
	        "Exit status: 0 if something matched, 1 if nothing matched, 2 on error.\n",
	        PI_SCAN_MAX_THREADS);
}

struct opts {
	const char *indicators, *token, *format, *threads, *refresh, *cache_dir;
	const char *report, *sight_coll, *sight_tlp, *sight_interval;
	int follow, refang, no_line, quiet, summary, no_cache, progress, help;
	const char *files[MAX_FILES];
	size_t nfiles;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct {
		const char *name;
		size_t off; /* offset of a const char * member, or of an int flag */
		int flag;
	} table[] = {
#define V(n, m) {n, offsetof(struct opts, m), 0}
#define F(n, m)                                                                                    \
	{                                                                                          \
		n, offsetof(struct opts, m), 1                                                     \
	}
	        V("--indicators", indicators),
	        V("--token", token),
	        V("--format", format),
	        V("--threads", threads),
	        V("--refresh", refresh),
	        V("--cache-dir", cache_dir),
	        V("--report-sightings", report),
	        V("--sightings-collection", sight_coll),
	        V("--sightings-tlp", sight_tlp),
	        V("--sightings-interval", sight_interval),
	        F("--follow", follow),
	        F("--refang", refang),
	        F("--no-line", no_line),
	        F("--quiet", quiet),
	        F("--summary", summary),
	        F("--no-cache", no_cache),
	        F("--help", help),
	        F("-h", help),
#undef V
#undef F
	};
	int dashdash = 0;

	memset(o, 0, sizeof(*o));
	o->progress = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t k;
		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			if (o->nfiles >= MAX_FILES) {
				fprintf(stderr, "postisac scan: at most %d files\n", MAX_FILES);
				return -1;
			}
			o->files[o->nfiles++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (strcmp(a, "--progress") == 0 || strcmp(a, "--no-progress") == 0) {
			o->progress = a[2] == 'p';
			continue;
		}
		for (k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
			size_t nl = strlen(table[k].name);
			if (strncmp(a, table[k].name, nl) != 0 || (a[nl] != '\0' && a[nl] != '='))
				continue;
			if (table[k].flag) {
				if (a[nl] == '=') {
					fprintf(stderr, "postisac scan: %s takes no value\n",
					        table[k].name);
					return -1;
				}
				*(int *)((char *)o + table[k].off) = 1;
			} else if (a[nl] == '=') {
				*(const char **)((char *)o + table[k].off) = a + nl + 1;
			} else if (i + 1 < argc) {
				*(const char **)((char *)o + table[k].off) = argv[++i];
			} else {
				fprintf(stderr, "postisac scan: %s needs a value\n", table[k].name);
				return -1;
			}
			break;
		}
		if (k == sizeof(table) / sizeof(table[0])) {
			fprintf(stderr, "postisac scan: unknown option '%s' (see --help)\n", a);
			return -1;
		}
	}
	return 0;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- cache ---- */

static int cache_dir(const struct opts *o, char *out, size_t size)
{
	const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (o->no_cache)
		return -1;
	if (o->cache_dir)
		n = snprintf(out, size, "%s", o->cache_dir);
	else if (x && x[0] == '/')
		n = snprintf(out, size, "%s/postisac", x);
	else if (home && home[0])
		n = snprintf(out, size, "%s/.cache/postisac", home);
	else
		return -1;
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void mkdirs(const char *dir)
{
	char p[PATH_MAX];
	size_t n = strlen(dir);

	if (n >= sizeof(p))
		return;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (p[i] == '/' || p[i] == '\0') {
			char c = p[i];
			p[i] = '\0';
			mkdir(p, 0700);
			p[i] = c;
		}
}

/* The cache file of a source: a file by its identity (path, device, inode, size, time), a
 * hub by its URL and a hash of the token (other users see other indicators). */
static int cache_path(
        const char *dir, const char *source, const char *token, char *out, size_t size)
{
	crypto_generichash_state st;
	unsigned char d[16];
	char hex[33], real[PATH_MAX];
	struct stat sb;
	int n;

	crypto_generichash_init(&st, NULL, 0, sizeof(d));
	if (pi_scan_hub_is_url(source)) {
		crypto_generichash_update(&st, (const unsigned char *)"hub", 4);
		crypto_generichash_update(&st, (const unsigned char *)source, strlen(source) + 1);
		if (token)
			crypto_generichash_update(&st, (const unsigned char *)token, strlen(token));
	} else {
		if (strcmp(source, "-") == 0 || stat(source, &sb) != 0 || !S_ISREG(sb.st_mode) ||
		        !realpath(source, real))
			return -1;
		crypto_generichash_update(&st, (const unsigned char *)"file", 5);
		crypto_generichash_update(&st, (const unsigned char *)real, strlen(real) + 1);
		crypto_generichash_update(
		        &st, (const unsigned char *)&sb.st_dev, sizeof(sb.st_dev));
		crypto_generichash_update(
		        &st, (const unsigned char *)&sb.st_ino, sizeof(sb.st_ino));
		crypto_generichash_update(
		        &st, (const unsigned char *)&sb.st_size, sizeof(sb.st_size));
		crypto_generichash_update(
		        &st, (const unsigned char *)&sb.st_mtim, sizeof(sb.st_mtim));
	}
	crypto_generichash_final(&st, d, sizeof(d));
	sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
	n = snprintf(out, size, "%s/set-%s.bin", dir, hex);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* ---- the refresher (hub sources) ---- */

struct refresher {
	pi_scan *scan;
	const char *url, *token, *cache_file, *cache_dir;
	const pi_scan_set *latest; /* the set the scanner uses now (we publish every set) */
	char *added_after;
	unsigned long interval;
	pthread_t tid;
	int started;
	volatile int quit;
};

static void *refresh_main(void *arg)
{
	struct refresher *r = arg;
	unsigned long waited = 0;

	while (!r->quit && !stop_flag) {
		struct timespec ts = {1, 0};
		pi_scan_set *next = NULL;
		pi_scan_matcher *m = NULL;
		struct pi_error err;
		char *after = NULL;
		size_t objects = 0;
		nanosleep(&ts, NULL);
		if (++waited < r->interval)
			continue;
		waited = 0;
		if (pi_scan_set_clone(r->latest, &next) != PI_OK)
			continue;
		if (pi_scan_hub_pull(r->url, r->token, r->added_after, next, &after, &objects,
		            &err) != PI_OK) {
			fprintf(stderr,
			        "postisac scan: refresh: %s (keeping the indicators we have)\n",
			        err.message);
			pi_scan_set_free(next);
			continue;
		}
		if (after) {
			free(r->added_after);
			r->added_after = after;
		}
		if (objects == 0) {
			pi_scan_set_free(next);
			continue;
		}
		if (pi_scan_matcher_build(next, r->cache_dir, &m, &err) != PI_OK) {
			fprintf(stderr, "postisac scan: refresh: %s\n", err.message);
			pi_scan_set_free(next);
			continue;
		}
		if (r->cache_file)
			pi_scan_set_save(next, r->cache_file, r->added_after, NULL);
		r->latest = next;
		pi_scan_publish(r->scan, next, m);
	}
	return NULL;
}

/* ---- hits, summary, sightings ---- */

struct run {
	pi_scan_sightings *sightings;
	const char *report, *token, *coll;
	enum pi_tlp tlp;
	unsigned long interval;
	int64_t last_post_us;
	int post_failed;
};

static void on_hit(void *arg, const struct pi_scan_hit *hit)
{
	struct run *r = arg;
	if (r->sightings)
		pi_scan_sightings_add(r->sightings, hit);
}

static int post_sightings(struct run *r)
{
	struct pi_error err;
	size_t posted = 0;

	if (!r->report || !r->sightings || pi_scan_sightings_pending(r->sightings) == 0)
		return 0;
	if (pi_scan_sightings_post(
	            r->sightings, r->report, r->token, r->coll, r->tlp, &posted, &err) != PI_OK) {
		fprintf(stderr, "postisac scan: sightings: %s\n", err.message);
		r->post_failed = 1;
		return -1;
	}
	fprintf(stderr, "postisac scan: %zu sightings posted to %s\n", posted, r->report);
	return 0;
}

static void on_tick(void *arg)
{
	struct run *r = arg;
	int64_t now = pi_time_now_us();

	if (r->report && now - r->last_post_us >= (int64_t)r->interval * 1000000) {
		r->last_post_us = now;
		post_sightings(r);
	}
}

static void print_summary_line(
        void *arg, const char *id, const char *tlp, uint64_t hits, size_t observables)
{
	char esc[1024];
	size_t n = pi_scan_json_string(id, strlen(id), esc, sizeof(esc));
	(void)arg;
	printf("{\"summary\":\"indicator\",\"indicator\":%.*s,\"tlp\":\"%s\",\"hits\":%llu,"
	       "\"observables\":%zu}\n",
	        (int)n, esc, tlp, (unsigned long long)hits, observables);
}

/* ---- loading ---- */

static int load_indicators(const struct opts *o, const char *token, const char *cdir,
        pi_scan_set **out, char **added_after, char *cfile, size_t cfile_size)
{
	pi_scan_set *set = NULL;
	struct pi_error err;
	struct pi_scan_set_stats stats;
	char *meta = NULL;
	int hub = pi_scan_hub_is_url(o->indicators), from_cache = 0;
	int64_t t0 = pi_time_now_us();

	cfile[0] = '\0';
	if (cdir && cache_path(cdir, o->indicators, token, cfile, cfile_size) == 0) {
		if (pi_scan_set_load_cache(cfile, &set, &meta, &err) == PI_OK)
			from_cache = 1;
		else if (err.status != PI_ERR_NOTFOUND)
			fprintf(stderr, "postisac scan: ignoring the cache: %s\n", err.message);
	}
	if (!set && pi_scan_set_new(&set) != PI_OK) {
		fprintf(stderr, "postisac scan: out of memory\n");
		return -1;
	}
	if (hub) {
		size_t objects = 0;
		char *after = NULL;
		if (pi_scan_hub_pull(o->indicators, token, meta, set, &after, &objects, &err) !=
		        PI_OK) {
			fprintf(stderr, "postisac scan: %s\n", err.message);
			free(meta);
			pi_scan_set_free(set);
			return -1;
		}
		if (after) {
			free(meta);
			meta = after;
		}
		if (cfile[0] && (objects > 0 || !from_cache)) {
			mkdirs(cdir);
			if (pi_scan_set_save(set, cfile, meta, &err) != PI_OK)
				fprintf(stderr, "postisac scan: cache not written: %s\n",
				        err.message);
		}
	} else if (!from_cache) {
		if (pi_scan_set_load_file(set, o->indicators, &err) != PI_OK) {
			fprintf(stderr, "postisac scan: %s\n", err.message);
			pi_scan_set_free(set);
			return -1;
		}
		if (cfile[0]) {
			mkdirs(cdir);
			if (pi_scan_set_save(set, cfile, NULL, &err) != PI_OK)
				fprintf(stderr, "postisac scan: cache not written: %s\n",
				        err.message);
		}
	}
	pi_scan_set_stats(set, &stats);
	if (stats.indicators == 0)
		fprintf(stderr, "postisac scan: warning: %s holds no indicator a log can match\n",
		        o->indicators);
	if (getenv("POSTISAC_SCAN_DEBUG"))
		fprintf(stderr,
		        "postisac scan: %zu indicators, %zu values, %zu patterns, %zu invalid, %s, "
		        "%.3f s\n",
		        stats.indicators, stats.values, stats.patterns, stats.invalid,
		        from_cache ? "from cache" : "loaded",
		        (double)(pi_time_now_us() - t0) / 1e6);
	*out = set;
	*added_after = meta;
	return 0;
}

/* The matcher for set: read from the cache next to the set's cache file cfile (if any) when
 * it was built from that very file, else built (and written there for the next run). */
static pi_status matcher_get(const pi_scan_set *set, const char *cdir, const char *cfile,
        pi_scan_matcher **m, struct pi_error *err)
{
	char mfile[PATH_MAX + 80];
	size_t n = strlen(cfile);
	pi_status st;

	mfile[0] = '\0';
	if (cfile[0] && n > 4 && n + 8 < sizeof(mfile) && strcmp(cfile + n - 4, ".bin") == 0) {
		memcpy(mfile, cfile, n - 4);
		memcpy(mfile + n - 4, ".match", 7);
		st = pi_scan_matcher_load(set, mfile, cfile, m, err);
		if (st == PI_OK)
			return PI_OK;
		if (st == PI_ERR_INVALID)
			fprintf(stderr, "postisac scan: rebuilding: %s\n", err->message);
	}
	if ((st = pi_scan_matcher_build(set, cdir, m, err)) != PI_OK)
		return st;
	if (mfile[0]) {
		struct pi_error e2;
		if (pi_scan_matcher_save(*m, mfile, cfile, &e2) != PI_OK && e2.status != PI_ERR_IO)
			fprintf(stderr, "postisac scan: matcher cache not written: %s\n",
			        e2.message);
	}
	return PI_OK;
}

int pi_cmd_scan(int argc, char **argv)
{
	struct opts o;
	struct pi_scan_options so;
	struct pi_scan_totals totals;
	struct run run;
	struct refresher ref;
	struct pi_error err;
	pi_scan_set *set = NULL;
	pi_scan_matcher *m = NULL;
	pi_scan *scan = NULL;
	char cdir_buf[PATH_MAX], cfile[PATH_MAX + 64], *added_after = NULL;
	const char *cdir = NULL, *token;
	unsigned long threads = 1, refresh = 300, interval = 60;
	enum pi_scan_format format = PI_SCAN_FORMAT_AUTO;
	struct sigaction sa;
	int rc = EXIT_ERROR;
	pi_status st;

	memset(&run, 0, sizeof(run));
	memset(&ref, 0, sizeof(ref));
	if (parse(argc, argv, &o) < 0)
		return EXIT_ERROR;
	if (o.help) {
		usage(stdout);
		return 0;
	}
	if (!o.indicators) {
		fprintf(stderr, "postisac scan: --indicators SOURCE is required (see --help)\n");
		return EXIT_ERROR;
	}
	if (o.nfiles == 0) {
		fprintf(stderr,
		        "postisac scan: name the logs to scan, or '-' for standard input\n");
		return EXIT_ERROR;
	}
	if (o.format && pi_scan_format_parse(o.format, &format) < 0) {
		fprintf(stderr,
		        "postisac scan: --format must be auto, text, syslog, jsonl, zeek or eve\n");
		return EXIT_ERROR;
	}
	if (o.threads && parse_uint(o.threads, 1, PI_SCAN_MAX_THREADS, &threads) < 0) {
		fprintf(stderr, "postisac scan: --threads must be 1-%d\n", PI_SCAN_MAX_THREADS);
		return EXIT_ERROR;
	}
	if (o.refresh && parse_uint(o.refresh, 0, 86400 * 7, &refresh) < 0) {
		fprintf(stderr, "postisac scan: --refresh must be 0-604800 seconds\n");
		return EXIT_ERROR;
	}
	if (o.sight_interval && parse_uint(o.sight_interval, 1, 86400, &interval) < 0) {
		fprintf(stderr, "postisac scan: --sightings-interval must be 1-86400 seconds\n");
		return EXIT_ERROR;
	}
	run.tlp = PI_TLP_GREEN;
	if (o.sight_tlp &&
	        (pi_tlp_parse(o.sight_tlp, &run.tlp) != 0 || run.tlp == PI_TLP_UNMARKED)) {
		fprintf(stderr, "postisac scan: --sightings-tlp must be clear, green, amber, "
		                "amber+strict or red\n");
		return EXIT_ERROR;
	}
	if (o.report && !pi_scan_hub_is_url(o.report)) {
		fprintf(stderr, "postisac scan: --report-sightings needs a hub URL (http:// or "
		                "https://)\n");
		return EXIT_ERROR;
	}
	if (o.report && !o.sight_coll) {
		fprintf(stderr,
		        "postisac scan: --report-sightings needs --sightings-collection ID\n");
		return EXIT_ERROR;
	}
	if (o.sight_coll && !o.report) {
		fprintf(stderr,
		        "postisac scan: --sightings-collection needs --report-sightings HUB\n");
		return EXIT_ERROR;
	}
	token = o.token ? o.token : getenv("POSTISAC_TOKEN");
	if ((pi_scan_hub_is_url(o.indicators) || o.report) && (!token || !*token)) {
		fprintf(stderr, "postisac scan: a hub needs a token: --token or POSTISAC_TOKEN\n");
		return EXIT_ERROR;
	}
	if (sodium_init() < 0 || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "postisac scan: cannot initialise the crypto or HTTP library\n");
		return EXIT_ERROR;
	}
	if (cache_dir(&o, cdir_buf, sizeof(cdir_buf)) == 0)
		cdir = cdir_buf;
	if (load_indicators(&o, token, cdir, &set, &added_after, cfile, sizeof(cfile)) < 0)
		goto out;
	if ((st = matcher_get(set, cdir, cfile, &m, &err)) != PI_OK) {
		fprintf(stderr, "postisac scan: %s\n", err.message);
		goto out;
	}
	{
		struct pi_scan_matcher_stats ms;
		pi_scan_matcher_stats(m, &ms);
		if (ms.expressions_bad)
			fprintf(stderr,
			        "postisac scan: warning: %zu LIKE/MATCHES expressions were refused "
			        "by "
			        "Vectorscan and are not matched\n",
			        ms.expressions_bad);
	}
	if ((o.summary || o.report) && pi_scan_sightings_new(&run.sightings) != PI_OK) {
		fprintf(stderr, "postisac scan: out of memory\n");
		goto out;
	}
	run.report = o.report;
	run.token = token;
	run.coll = o.sight_coll;
	run.interval = interval;
	run.last_post_us = pi_time_now_us();

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	memset(&so, 0, sizeof(so));
	so.format = format;
	so.threads = (unsigned)threads;
	so.xflags = o.refang ? PI_SCAN_REFANG : 0;
	so.follow = o.follow;
	so.no_line = o.no_line;
	so.progress = o.progress >= 0 ? o.progress : isatty(STDERR_FILENO);
	so.out = o.quiet ? NULL : stdout;
	so.stop = &stop_flag;
	so.on_hit = run.sightings ? on_hit : NULL;
	so.on_tick = on_tick;
	so.arg = &run;
	{
		pi_scan_set *s0 = set;
		set = NULL;
		st = pi_scan_new(&so, s0, m, &scan, &err);
		m = NULL;
		if (st != PI_OK) {
			fprintf(stderr, "postisac scan: %s\n", err.message);
			goto out;
		}
		if (pi_scan_hub_is_url(o.indicators) && refresh > 0) {
			ref.scan = scan;
			ref.url = o.indicators;
			ref.token = token;
			ref.cache_file = cfile[0] ? cfile : NULL;
			ref.cache_dir = cdir;
			ref.latest = s0;
			ref.added_after = added_after;
			added_after = NULL;
			ref.interval = refresh;
			if (pthread_create(&ref.tid, NULL, refresh_main, &ref) == 0)
				ref.started = 1;
		}
	}
	st = pi_scan_run(scan, o.files, o.nfiles, &totals, &err);
	if (ref.started) {
		ref.quit = 1;
		pthread_join(ref.tid, NULL);
		ref.started = 0;
	}
	if (st != PI_OK)
		fprintf(stderr, "postisac scan: %s\n", err.message);
	if (o.summary) {
		pi_scan_sightings_each_indicator(run.sightings, print_summary_line, NULL);
		printf("{\"summary\":\"totals\",\"bytes\":%llu,\"lines\":%llu,\"hits\":%llu,"
		       "\"skipped_long\":%llu,\"skipped_binary\":%llu,\"corrupt\":%llu}\n",
		        (unsigned long long)totals.bytes, (unsigned long long)totals.lines,
		        (unsigned long long)totals.hits, (unsigned long long)totals.skipped_long,
		        (unsigned long long)totals.skipped_binary,
		        (unsigned long long)totals.corrupt);
	}
	if (fflush(stdout) != 0)
		st = PI_ERR_IO;
	post_sightings(&run);
	if (run.sightings && pi_scan_sightings_dropped(run.sightings))
		fprintf(stderr,
		        "postisac scan: %zu (indicator, observable) pairs over the cap of %d "
		        "were not aggregated\n",
		        pi_scan_sightings_dropped(run.sightings), PI_SCAN_SIGHTINGS_MAX);
	if (st != PI_OK || run.post_failed)
		rc = EXIT_ERROR;
	else
		rc = totals.hits ? EXIT_MATCH : EXIT_NOMATCH;
out:
	if (ref.started) {
		ref.quit = 1;
		pthread_join(ref.tid, NULL);
	}
	pi_scan_free(scan);
	free(ref.added_after);
	free(added_after);
	pi_scan_matcher_free(m);
	pi_scan_set_free(set);
	pi_scan_sightings_free(run.sightings);
	curl_global_cleanup();
	return rc;
}
