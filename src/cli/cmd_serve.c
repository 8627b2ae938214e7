/* cmd_serve.c - `postisac serve`: runs the hub until SIGTERM or SIGINT.
 *
 * Configuration is one table (name, type, default, validator, help); every option works
 * as --name VALUE on the command line and as "name = value" in a --config file (command
 * line wins). --check-config validates everything, prints the result and exits.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases/case.h"
#include "cases/remind.h"
#include "cli/commands.h"
#include "core/log.h"
#include "core/secret.h"
#include "http/server.h"
#include "intel/warninglist.h"
#include "store/store.h"

struct serve_settings {
	struct pi_server_config server;
	char db[1024];
	char port_file[1024];
	char log_level[16];
	char warninglist_extra[1024];
	struct pi_cases_config cases;
};

enum opt_type { OPT_STRING, OPT_INT, OPT_BOOL, OPT_SIZE };

struct option_def {
	const char *name;
	enum opt_type type;
	const char *def;
	size_t offset; /* into struct serve_settings */
	size_t size;   /* string buffer size */
	long min, max; /* for numbers */
	const char *help;
};

#define S(field) offsetof(struct serve_settings, field), sizeof(((struct serve_settings *)0)->field)
#define N(field) offsetof(struct serve_settings, field), 0

static const struct option_def options[] = {
	{"db", OPT_STRING, "sqlite:var/postisac.db", S(db), 0, 0, "database: sqlite:PATH"},
	{"host", OPT_STRING, "127.0.0.1", S(server.host), 0, 0, "address to listen on (IPv4 or IPv6)"},
	{"port", OPT_INT, "8080", N(server.port), 0, 65535, "TCP port (0: any free port)"},
	{"port-file", OPT_STRING, "", S(port_file), 0, 0, "write the bound port to this file once listening"},
	{"threads", OPT_INT, "2", N(server.threads), 1, 64, "worker threads"},
	{"max-content-length", OPT_SIZE, "20971520", N(server.max_content_length), 1024, 1L << 30,
		"largest request body in bytes"},
	{"page-max", OPT_INT, "1000", N(server.page_max), 1, 10000, "largest TAXII page"},
	{"public-url", OPT_STRING, "", S(server.public_url), 0, 0,
		"base URL clients use (discovery); empty: from the Host header"},
	{"anonymous-read", OPT_BOOL, "false", N(server.anonymous_read), 0, 1,
		"let requests without credentials read TLP:CLEAR"},
	{"title", OPT_STRING, "postisac - postal sector ISAC hub", S(server.title), 0, 0, "hub title"},
	{"contact", OPT_STRING, "", S(server.contact), 0, 0, "contact shown in TAXII discovery"},
	{"tls-cert", OPT_STRING, "", S(server.tls_cert), 0, 0, "TLS certificate (PEM); with tls-key"},
	{"tls-key", OPT_STRING, "", S(server.tls_key), 0, 0, "TLS private key (PEM)"},
	{"log-level", OPT_STRING, "info", S(log_level), 0, 0, "debug, info, warn, error or off"},
	{"data-dir", OPT_STRING, "", S(cases.data_dir), 0, 0,
		"regimes and taxonomy (empty: $POSTISAC_DATA_DIR, ./data, the source tree, /usr/share/postisac)"},
	{"warninglist-extra", OPT_STRING, "", S(warninglist_extra), 0, 0,
		"extra warninglist file (JSON, the format of data/warninglists/*.json), e.g. your own domains"},
	{"receipt-key", OPT_STRING, "", S(cases.key_file), 0, 0,
		"Ed25519 receipt key file, created 0600 (empty: receipt-key.hex next to the database)"},
	{"attachment-max", OPT_SIZE, "10485760", N(cases.attachment_max), 1, 1L << 30,
		"largest case attachment in bytes"},
	{"reminder-interval", OPT_INT, "60", N(cases.reminder_interval), 0, 86400,
		"seconds between deadline reminder passes (0: no reminder thread)"},
	{"reminder-leads", OPT_STRING, "24h,1h", S(cases.reminder_leads), 0, 0,
		"reminders this long before a deadline (m, h, d); overdue ones are always sent"},
	{"webhook-url", OPT_STRING, "", S(cases.webhook_url), 0, 0, "reminder webhook (POST JSON)"},
	{"webhook-secret", OPT_STRING, "", S(cases.webhook_secret), 0, 0,
		"HMAC-SHA256 key of the X-Postisac-Signature header"},
	{"smtp-url", OPT_STRING, "", S(cases.smtp_url), 0, 0, "reminder e-mail: smtp://host:port"},
	{"smtp-from", OPT_STRING, "postisac@localhost", S(cases.smtp_from), 0, 0, "reminder sender"},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static int set_option(struct serve_settings *s, const struct option_def *o, const char *value,
	char *why, size_t why_size)
{
	char *base = (char *)s + o->offset;
	char *end = NULL;
	long long n;

	switch (o->type) {
	case OPT_STRING:
		if (strlen(value) >= o->size) {
			snprintf(why, why_size, "%s: longer than %zu characters", o->name, o->size - 1);
			return -1;
		}
		memcpy(base, value, strlen(value) + 1);
		return 0;
	case OPT_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
			*(int *)base = 1;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
			*(int *)base = 0;
		else {
			snprintf(why, why_size, "%s: '%s' is not true or false", o->name, value);
			return -1;
		}
		return 0;
	case OPT_INT:
	case OPT_SIZE:
		errno = 0;
		n = strtoll(value, &end, 10);
		if (errno || end == value || *end || n < o->min || n > o->max) {
			snprintf(why, why_size, "%s: '%s' is not a whole number from %ld to %ld", o->name,
				value, o->min, o->max);
			return -1;
		}
		if (o->type == OPT_INT)
			*(int *)base = (int)n;
		else
			*(size_t *)base = (size_t)n;
		return 0;
	}
	return -1;
}

static const struct option_def *find_option(const char *name)
{
	for (size_t i = 0; i < NOPTIONS; i++)
		if (strcmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

static int load_config_file(struct serve_settings *s, const char *path, char *why, size_t why_size)
{
	FILE *f = fopen(path, "r");
	char line[2048];
	int lineno = 0;

	if (!f) {
		snprintf(why, why_size, "config: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq, *name_end, *value, *e;
		const struct option_def *o;
		char inner[512];
		lineno++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#' || *p == '\n' || *p == '\0')
			continue;
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(why, why_size, "%s:%d: expected 'name = value'", path, lineno);
			fclose(f);
			return -1;
		}
		name_end = eq;
		while (name_end > p && (name_end[-1] == ' ' || name_end[-1] == '\t'))
			name_end--;
		*name_end = '\0';
		value = eq + 1;
		while (*value == ' ' || *value == '\t')
			value++;
		e = value + strlen(value);
		while (e > value && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		o = find_option(p);
		if (!o || strcmp(p, "config") == 0) {
			snprintf(why, why_size, "%s:%d: unknown option '%.100s' (see postisac serve --help)",
				path, lineno, p);
			fclose(f);
			return -1;
		}
		if (set_option(s, o, value, inner, sizeof(inner)) != 0) {
			snprintf(why, why_size, "%s:%d: %s", path, lineno, inner);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: postisac serve [--config FILE] [--check-config] [OPTIONS]\n\n"
		     "Runs the hub: TAXII 2.1 at /taxii2/, the JSON API at /api/v1/, /healthz and /metrics.\n"
		     "Stops cleanly on SIGTERM or SIGINT. Every option can also be set in the --config file\n"
		     "as 'name = value'; the command line wins.\n\nOptions:\n");
	for (size_t i = 0; i < NOPTIONS; i++)
		fprintf(out, "  --%-20s %s (default: %s)\n", options[i].name, options[i].help,
			options[i].def[0] ? options[i].def : "empty");
	fprintf(out, "  --%-20s %s\n  --%-20s %s\n  --%-20s %s\n", "config FILE", "read options from FILE",
		"check-config", "validate the configuration and the database, then exit",
		"help", "this text");
	fprintf(out, "  --%-20s %s\n", "test-clock",
		"TESTS ONLY: accept PUT /api/v1/test/clock (prints a warning)");
}

int pi_cmd_serve(int argc, char **argv)
{
	struct serve_settings s;
	struct option longopts[NOPTIONS + 5];
	const char *config_file = NULL;
	int check_only = 0, test_clock = 0, c, rc = 1;
	pi_cases *cases = NULL;
	pi_reminders *reminders = NULL;
	char why[1024];
	pi_store *store = NULL;
	pi_server *server = NULL;
	struct pi_error err;
	enum pi_log_level level;
	sigset_t set;
	int sig = 0;

	memset(&s, 0, sizeof(s));
	pi_cases_config_defaults(&s.cases);
	for (size_t i = 0; i < NOPTIONS; i++) {
		if (set_option(&s, &options[i], options[i].def, why, sizeof(why)) != 0)
			pi_fatal("event=bad_default %s", why);
		longopts[i].name = options[i].name;
		longopts[i].has_arg = required_argument;
		longopts[i].flag = NULL;
		longopts[i].val = 1000 + (int)i;
	}
	longopts[NOPTIONS] = (struct option){"config", required_argument, NULL, 'c'};
	longopts[NOPTIONS + 1] = (struct option){"check-config", no_argument, NULL, 'k'};
	longopts[NOPTIONS + 2] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[NOPTIONS + 3] = (struct option){"test-clock", no_argument, NULL, 't'};
	longopts[NOPTIONS + 4] = (struct option){NULL, 0, NULL, 0};
	/* first pass: find --config and --help */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'c')
			config_file = optarg;
		else if (c == 'h') {
			usage(stdout);
			return 0;
		}
	}
	if (config_file && load_config_file(&s, config_file, why, sizeof(why)) != 0) {
		fprintf(stderr, "postisac serve: %s\n", why);
		return 2;
	}
	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c >= 1000) {
			if (set_option(&s, &options[c - 1000], optarg, why, sizeof(why)) != 0) {
				fprintf(stderr, "postisac serve: %s\n", why);
				return 2;
			}
		} else if (c == 'k') {
			check_only = 1;
		} else if (c == 't') {
			test_clock = 1;
		} else if (c != 'c') {
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "postisac serve: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (pi_log_level_parse(s.log_level, &level) != 0) {
		fprintf(stderr, "postisac serve: log-level: '%s' is not debug, info, warn, error or off\n",
			s.log_level);
		return 2;
	}
	if ((s.server.tls_cert[0] != 0) != (s.server.tls_key[0] != 0)) {
		fprintf(stderr, "postisac serve: tls-cert and tls-key go together\n");
		return 2;
	}
	pi_log_set_level(level);
	if (pi_secret_init() != 0)
		pi_fatal("event=sodium_init_failed");
	if (pi_store_open(s.db, &store, &err) != PI_OK || pi_store_migrate(store, NULL, &err) != PI_OK) {
		fprintf(stderr, "postisac serve: database %s: %s\n", s.db, err.message);
		goto out;
	}
	s.cases.test_clock = test_clock;
	if (pi_cases_open(store, s.db, &s.cases, &cases, &err) != PI_OK) {
		fprintf(stderr, "postisac serve: %s\n", err.message);
		goto out;
	}
	{
		char wl_dir[1100];
		if (!s.cases.data_dir[0])
			pi_cases_default_data_dir(s.cases.data_dir, sizeof(s.cases.data_dir));
		if (snprintf(wl_dir, sizeof(wl_dir), "%s/warninglists", s.cases.data_dir) >= (int)sizeof(wl_dir) ||
			pi_warninglists_install(wl_dir, s.warninglist_extra[0] ? s.warninglist_extra : NULL, &err) != PI_OK) {
			fprintf(stderr, "postisac serve: warninglists: %s\n", err.message);
			goto out;
		}
	}
	if (test_clock)
		fprintf(stderr, "postisac serve: WARNING: --test-clock: any hub administrator can set the "
				"server's clock (PUT /api/v1/test/clock); never use this outside tests\n");
	if (check_only) {
		printf("configuration ok: listen %s:%d, database %s\n", s.server.host, s.server.port, s.db);
		rc = 0;
		goto out;
	}
	/* Block the stop signals in every thread; this one waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pi_cases_set_current(cases);
	if (pi_reminders_start(cases, &reminders, &err) != PI_OK) {
		fprintf(stderr, "postisac serve: reminders: %s\n", err.message);
		goto out;
	}
	if (pi_server_start(&s.server, store, &server, &err) != PI_OK) {
		fprintf(stderr, "postisac serve: %s\n", err.message);
		goto out;
	}
	pi_log_info("event=listening host=%s port=%d db=%s threads=%d", s.server.host,
		pi_server_port(server), s.db, s.server.threads);
	if (s.port_file[0]) {
		char tmp[1100];
		FILE *f;
		snprintf(tmp, sizeof(tmp), "%s.tmp", s.port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", pi_server_port(server)) < 0 || fclose(f) != 0 ||
			rename(tmp, s.port_file) != 0) {
			fprintf(stderr, "postisac serve: cannot write %s\n", s.port_file);
			goto out;
		}
	}
	sigwait(&set, &sig);
	pi_log_info("event=stopping signal=%d", sig);
	rc = 0;
out:
	pi_server_stop(server);
	pi_reminders_stop(reminders);
	pi_cases_close(cases);
	pi_store_close(store);
	return rc;
}
