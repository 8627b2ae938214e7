/* cmd_init.c - `postisac init`: creates (or upgrades) a database; with --demo, fills it
 * with a small demo community: the ISAC operator, three postal operators, a regulator, a
 * PES provider, a sharing group, a user with each role, and demo indicators at every TLP
 * level. Demo passwords and tokens are random, printed once, and optionally written to a
 * credentials file (mode 0600) so `make run` can show them again.
 */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cases/case.h"
#include "cli/commands.h"
#include "core/buf.h"
#include "core/secret.h"
#include "core/timeutil.h"
#include "intel/ingest.h"
#include "store/store.h"

struct demo_org {
	const char *slug, *name, *type, *country;
};

static const struct demo_org demo_orgs[] = {
	{"isac", "POST-ISAC Operations", "isac-operator", ""},
	{"northpost", "Northland Post", "postal-operator", "NO"},
	{"southpost", "Southland Post", "postal-operator", "ES"},
	{"eastpost", "Eastland Post", "postal-operator", "PL"},
	{"postreg", "Postal Regulatory Authority", "regulator", "US"},
	{"meterco", "MeterSafe Postage Systems", "pes-provider", "US"},
};

struct demo_user {
	const char *username, *display_name, *org, *role;
};

static const struct demo_user demo_users[] = {
	{"admin", "Ada Admin", "isac", "admin"},
	{"nadia", "Nadia Org-Admin", "northpost", "org-admin"},
	{"alice", "Alice Analyst", "northpost", "analyst"},
	{"nils", "Nils Analyst", "northpost", "analyst"},
	{"bob", "Bob Analyst", "southpost", "analyst"},
	{"sara", "Sara Read-Only", "southpost", "read-only"},
	{"carol", "Carol Analyst", "eastpost", "analyst"},
	{"rita", "Rita Regulator", "postreg", "regulator"},
	{"mike", "Mike Reporter", "meterco", "reporter"},
};
#define NUSERS (sizeof(demo_users) / sizeof(demo_users[0]))

struct created_user {
	char password[40];
	char token[PI_TOKEN_LEN + 1];
	struct pi_user user;
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: postisac init [--db URL] [--demo] [--credentials FILE] [--json]\n\n"
		"Creates the database (or applies missing schema migrations to it).\n\n"
		"  --db URL            sqlite:PATH (default sqlite:var/postisac.db)\n"
		"  --demo              add the demo community (refused if the database has members)\n"
		"  --credentials FILE  also write the demo passwords and tokens to FILE (mode 0600)\n"
		"  --json              print the result as JSON\n"
		"  --help              this text\n");
}

static void random_password(char out[40])
{
	char tok[PI_TOKEN_LEN + 1];
	unsigned char hash[32];

	pi_token_new(tok, hash);
	snprintf(out, 40, "demo-%.16s", tok + 3);
}

static int count_org(void *arg, const struct pi_org *org)
{
	(void)org;
	(*(int *)arg)++;
	return 0;
}

/* A demo indicator: domain pattern, TLP marking, optional recipients. */
static cJSON *demo_indicator(const char *name, const char *domain, enum pi_tlp tlp,
	const char *recipient, const char *creator_identity)
{
	char id[64], uuid[37], now[PI_TIME_TEXT_LEN], pattern[300];
	cJSON *o = cJSON_CreateObject();
	int64_t us = pi_time_now_us();

	pi_uuid4(uuid);
	snprintf(id, sizeof(id), "indicator--%s", uuid);
	pi_time_format_us(us - us % 1000, now);
	/* keep millisecond precision: "....123000Z" -> "....123Z" */
	memmove(now + 23, now + 26, 2);
	snprintf(pattern, sizeof(pattern), "[domain-name:value = '%s']", domain);
	cJSON_AddStringToObject(o, "type", "indicator");
	cJSON_AddStringToObject(o, "spec_version", "2.1");
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "created_by_ref", creator_identity);
	cJSON_AddStringToObject(o, "created", now);
	cJSON_AddStringToObject(o, "modified", now);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "description", "Demo indicator: a smishing domain imitating a postal brand.");
	cJSON_AddItemToObject(o, "indicator_types", cJSON_CreateStringArray((const char *[]){"malicious-activity"}, 1));
	cJSON_AddStringToObject(o, "pattern", pattern);
	cJSON_AddStringToObject(o, "pattern_type", "stix");
	cJSON_AddStringToObject(o, "valid_from", now);
	cJSON_AddItemToObject(o, "labels", cJSON_CreateStringArray((const char *[]){"phishing", "smishing"}, 2));
	if (tlp != PI_TLP_UNMARKED) {
		const char *mid = pi_tlp_marking_id(tlp);
		cJSON_AddItemToObject(o, "object_marking_refs", cJSON_CreateStringArray(&mid, 1));
	}
	if (recipient)
		cJSON_AddItemToObject(o, "x_postisac_recipients", cJSON_CreateStringArray(&recipient, 1));
	return o;
}

static int add_demo_objects(pi_store *store, struct created_user *users, struct pi_error *err)
{
	struct pi_collection community, group;
	struct pi_group g;
	struct pi_org southpost;
	struct pi_principal alice;
	struct pi_ingest_result res;
	const struct pi_user *a = &users[2].user, *b = &users[4].user;
	cJSON *objs = cJSON_CreateArray(), *gobjs = cJSON_CreateArray();
	int rc = -1;

	memset(&alice, 0, sizeof(alice));
	alice.user_id = a->id;
	alice.org_id = a->org_id;
	alice.role = a->role;
	snprintf(alice.username, sizeof(alice.username), "%s", a->username);
	if (pi_store_collection_for_scope(store, PI_SCOPE_COMMUNITY, 0, &community, err) != PI_OK ||
		pi_store_group_find(store, "europe-posts", &g, err) != PI_OK ||
		pi_store_collection_for_scope(store, PI_SCOPE_GROUP, g.id, &group, err) != PI_OK ||
		pi_store_org_find(store, "southpost", &southpost, err) != PI_OK)
		goto out;
	{
		char ident[64];
		struct pi_org north;
		if (pi_store_org_get(store, a->org_id, &north, err) != PI_OK)
			goto out;
		snprintf(ident, sizeof(ident), "%s", north.identity_id);
		cJSON_AddItemToArray(objs, demo_indicator("Parcel redelivery smishing (CLEAR)",
			"usps-redelivery-demo.example", PI_TLP_CLEAR, NULL, ident));
		cJSON_AddItemToArray(objs, demo_indicator("Customs fee smishing (GREEN)",
			"customs-fee-demo.example", PI_TLP_GREEN, NULL, ident));
		cJSON_AddItemToArray(objs, demo_indicator("Tracking lure shared with Southland Post (AMBER)",
			"track-parcel-demo.example", PI_TLP_AMBER, southpost.identity_id, ident));
		cJSON_AddItemToArray(objs, demo_indicator("Internal phishing kit host (AMBER+STRICT)",
			"kit-host-demo.example", PI_TLP_AMBER_STRICT, NULL, ident));
		cJSON_AddItemToArray(objs, demo_indicator("Investigation lead for Bob only (RED)",
			"red-lead-demo.example", PI_TLP_RED, b->identity_id, ident));
		cJSON_AddItemToArray(objs, demo_indicator("Unmarked draft (Northland Post only)",
			"draft-demo.example", PI_TLP_UNMARKED, NULL, ident));
		cJSON_AddItemToArray(gobjs, demo_indicator("European posts: fake customs portal (AMBER)",
			"eu-customs-demo.example", PI_TLP_AMBER, NULL, ident));
	}
	if (pi_ingest_objects(store, &community, &alice, objs, &res, err) != PI_OK)
		goto out;
	if (res.failure) {
		pi_error_set(err, PI_ERR_INTERNAL, "demo objects rejected: %s", res.details);
		free(res.details);
		goto out;
	}
	free(res.details);
	if (pi_ingest_objects(store, &group, &alice, gobjs, &res, err) != PI_OK)
		goto out;
	free(res.details);
	if (res.failure) {
		pi_error_set(err, PI_ERR_INTERNAL, "demo group objects rejected");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(objs);
	cJSON_Delete(gobjs);
	return rc;
}

static int create_demo(pi_store *store, struct created_user *users, struct pi_error *err)
{
	struct pi_group g;
	int64_t org_ids[sizeof(demo_orgs) / sizeof(demo_orgs[0])];

	for (size_t i = 0; i < sizeof(demo_orgs) / sizeof(demo_orgs[0]); i++) {
		struct pi_org o;
		memset(&o, 0, sizeof(o));
		snprintf(o.slug, sizeof(o.slug), "%s", demo_orgs[i].slug);
		snprintf(o.name, sizeof(o.name), "%s", demo_orgs[i].name);
		snprintf(o.type, sizeof(o.type), "%s", demo_orgs[i].type);
		snprintf(o.country, sizeof(o.country), "%s", demo_orgs[i].country);
		if (pi_store_org_create(store, &o, err) != PI_OK)
			return -1;
		org_ids[i] = o.id;
	}
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "europe-posts");
	snprintf(g.description, sizeof(g.description), "European postal operators");
	if (pi_store_group_create(store, &g, err) != PI_OK ||
		pi_store_group_add_org(store, g.id, org_ids[1], err) != PI_OK ||
		pi_store_group_add_org(store, g.id, org_ids[2], err) != PI_OK)
		return -1;
	for (size_t i = 0; i < NUSERS; i++) {
		struct created_user *cu = &users[i];
		char hash[PI_PASSWORD_HASH_MAX];
		unsigned char thash[32];
		struct pi_token t;
		struct pi_org o;

		if (pi_store_org_find(store, demo_users[i].org, &o, err) != PI_OK)
			return -1;
		memset(&cu->user, 0, sizeof(cu->user));
		cu->user.org_id = o.id;
		snprintf(cu->user.username, sizeof(cu->user.username), "%s", demo_users[i].username);
		snprintf(cu->user.display_name, sizeof(cu->user.display_name), "%s", demo_users[i].display_name);
		snprintf(cu->user.email, sizeof(cu->user.email), "%s@%s.example", demo_users[i].username,
			demo_users[i].org);
		pi_role_parse(demo_users[i].role, &cu->user.role);
		random_password(cu->password);
		if (pi_password_hash(cu->password, hash, err) != PI_OK ||
			pi_store_user_create(store, &cu->user, hash, err) != PI_OK)
			return -1;
		pi_token_new(cu->token, thash);
		memset(&t, 0, sizeof(t));
		t.user_id = cu->user.id;
		snprintf(t.name, sizeof(t.name), "demo");
		snprintf(t.prefix, sizeof(t.prefix), "%.*s", PI_TOKEN_PREFIX_LEN, cu->token);
		if (pi_store_token_create(store, &t, thash, err) != PI_OK)
			return -1;
	}
	return add_demo_objects(store, users, err);
}

/* The demo cases: a 39 CFR 501.11 case from mike (meterco, PES provider) addressed to rita's
 * postreg, and a NIS2 case from bob (southpost). Goes through the case service, so the
 * receipt key is created next to the database as serve would. */
static int add_demo_cases(pi_store *store, const char *db, struct pi_error *err)
{
	static const char *const bodies[][2] = {
		{"mike", "{\"title\":\"Demo: meter accepts replayed indicia\",\"description\":"
			 "\"Lab testing found that meter model SM-200 accepts a replayed postage indicium.\","
			 "\"discovered_at\":\"2027-03-01T08:00:00Z\",\"location\":\"MeterSafe lab\","
			 "\"services\":[\"postage metering\"],\"category\":\"fraud\",\"type\":"
			 "\"masquerade\",\"severity\":\"high\",\"revenue_risk\":\"high\",\"tlp\":"
			 "\"amber\",\"regimes\":[{\"regime\":\"usps-501.11\",\"recipient\":\"postreg\"}]}"},
		{"bob", "{\"title\":\"Demo: tracking portal DDoS\",\"description\":\"The parcel "
			"tracking portal was unavailable for five hours.\",\"discovered_at\":"
			"\"2027-03-01T00:00:00Z\",\"services\":[\"parcel tracking\"],\"category\":"
			"\"availability\",\"type\":\"ddos\",\"severity\":\"critical\",\"revenue_risk\":"
			"\"medium\",\"tlp\":\"green\",\"regimes\":[{\"regime\":\"nis2-art23\","
			"\"recipient\":\"postreg\"}],\"indicators\":[{\"name\":\"Botnet C2\",\"pattern\":"
			"\"[domain-name:value = 'c2-botnet-demo.example']\"}]}"},
	};
	struct pi_cases_config cfg;
	pi_cases *cases = NULL;
	int rc = -1;

	pi_cases_config_defaults(&cfg);
	if (pi_cases_open(store, db, &cfg, &cases, err) != PI_OK)
		return -1;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct pi_principal who;
		cJSON *body = cJSON_Parse(bodies[i][1]), *out = NULL;
		pi_status st = body ? pi_cases_principal(store, bodies[i][0], &who, err) : PI_ERR_NOMEM;
		if (st == PI_OK)
			st = pi_case_create(cases, &who, body, NULL, &out, err);
		cJSON_Delete(body);
		cJSON_Delete(out);
		if (st != PI_OK)
			goto out;
	}
	rc = 0;
out:
	pi_cases_close(cases);
	return rc;
}

static char *demo_json(pi_store *store, const struct created_user *users, const char *db)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "users");
	cJSON *cols = cJSON_AddObjectToObject(root, "collections");
	cJSON *orgs = cJSON_AddObjectToObject(root, "orgs");
	struct pi_collection c;
	struct pi_group g;
	struct pi_error err;
	char *text;

	cJSON_AddStringToObject(root, "db", db);
	for (size_t i = 0; i < NUSERS; i++) {
		cJSON *u = cJSON_CreateObject();
		cJSON_AddStringToObject(u, "username", users[i].user.username);
		cJSON_AddStringToObject(u, "password", users[i].password);
		cJSON_AddStringToObject(u, "token", users[i].token);
		cJSON_AddStringToObject(u, "org", demo_users[i].org);
		cJSON_AddStringToObject(u, "role", demo_users[i].role);
		cJSON_AddStringToObject(u, "identity_id", users[i].user.identity_id);
		cJSON_AddItemToArray(arr, u);
	}
	if (pi_store_collection_for_scope(store, PI_SCOPE_COMMUNITY, 0, &c, &err) == PI_OK)
		cJSON_AddStringToObject(cols, "community", c.uuid);
	if (pi_store_group_find(store, "europe-posts", &g, &err) == PI_OK &&
		pi_store_collection_for_scope(store, PI_SCOPE_GROUP, g.id, &c, &err) == PI_OK)
		cJSON_AddStringToObject(cols, "europe-posts", c.uuid);
	for (size_t i = 0; i < sizeof(demo_orgs) / sizeof(demo_orgs[0]); i++) {
		struct pi_org o;
		if (pi_store_org_find(store, demo_orgs[i].slug, &o, &err) == PI_OK)
			cJSON_AddStringToObject(orgs, o.slug, o.identity_id);
		if (pi_store_org_find(store, demo_orgs[i].slug, &o, &err) == PI_OK &&
			pi_store_collection_for_scope(store, PI_SCOPE_ORG, o.id, &c, &err) == PI_OK) {
			char key[80];
			snprintf(key, sizeof(key), "%s-private", o.slug);
			cJSON_AddStringToObject(cols, key, c.uuid);
		}
	}
	text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}

static void print_table(FILE *f, const struct created_user *users)
{
	fprintf(f, "%-8s %-10s %-10s %-22s %s\n", "user", "org", "role", "password", "API token");
	for (size_t i = 0; i < NUSERS; i++)
		fprintf(f, "%-8s %-10s %-10s %-22s %s\n", users[i].user.username, demo_users[i].org,
			demo_users[i].role, users[i].password, users[i].token);
}

int pi_cmd_init(int argc, char **argv)
{
	static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
		{"demo", no_argument, NULL, 'D'}, {"credentials", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	const char *db = "sqlite:var/postisac.db", *cred_file = NULL;
	int demo = 0, json = 0, c, rc = 1, version = 0, norgs = 0;
	pi_store *store = NULL;
	struct pi_error err;
	struct created_user *users = NULL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'D': demo = 1; break;
		case 'c': cred_file = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "postisac init: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (pi_secret_init() != 0) {
		fprintf(stderr, "postisac init: libsodium failed to initialise\n");
		return 1;
	}
	if (pi_store_open(db, &store, &err) != PI_OK || pi_store_migrate(store, &version, &err) != PI_OK) {
		fprintf(stderr, "postisac init: database %s: %s\n", db, err.message);
		goto out;
	}
	if (!demo) {
		if (json)
			printf("{\"db\":\"%s\",\"schema_version\":%d}\n", db, version);
		else
			printf("database %s ready (schema version %d)\n", db, version);
		rc = 0;
		goto out;
	}
	pi_store_org_list(store, count_org, &norgs, &err);
	if (norgs > 0) {
		fprintf(stderr, "postisac init: %s already has member organisations; the demo community goes into a new database only\n", db);
		goto out;
	}
	users = calloc(NUSERS, sizeof(*users));
	if (!users || create_demo(store, users, &err) != 0 || add_demo_cases(store, db, &err) != 0) {
		fprintf(stderr, "postisac init: creating the demo community failed: %s\n",
			users ? err.message : "out of memory");
		goto out;
	}
	if (cred_file) {
		int fd = open(cred_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f) {
			fprintf(stderr, "postisac init: cannot write %s\n", cred_file);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		print_table(f, users);
		fclose(f);
	}
	if (json) {
		char *text = demo_json(store, users, db);
		printf("%s\n", text ? text : "{}");
		free(text);
	} else {
		printf("database %s ready with the demo community (schema version %d)\n\n", db, version);
		print_table(stdout, users);
	}
	rc = 0;
out:
	free(users);
	pi_store_close(store);
	return rc;
}
