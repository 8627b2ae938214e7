/* main.c - the `postisac` front door: finds the subcommand and runs it. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

struct command {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{"init", "create a database (optionally with the demo community)", pi_cmd_init},
	{"serve", "run the hub: TAXII 2.1, the JSON API and the web interface", pi_cmd_serve},
	{"receipt", "verify a filing receipt signed by a hub", pi_cmd_receipt},
	{"case", "report incident cases and file regulatory stages", pi_cmd_case},
	{"audit", "verify the hash-chained audit log", pi_cmd_audit},
	{"org", "list, add and change member organisations", pi_cmd_org},
	{"user", "manage user accounts, passwords and API tokens", pi_cmd_user},
	{"group", "manage sharing groups and their member organisations", pi_cmd_group},
	{"lookalike", "generate and watch for lookalike domains of postal brands", pi_cmd_lookalike},
	{"scan", "match logs against the shared indicators and report sightings", pi_cmd_scan},
	{"import", "bulk import of STIX bundles, CSV files and MISP events", pi_cmd_import},
	{"export", "write indicator feeds: STIX, CSV, list, Suricata, RPZ, Zeek", pi_cmd_export},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: postisac COMMAND [OPTIONS]\n\n"
		     "The security information sharing and incident reporting hub of the postal sector.\n\n"
		     "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'postisac COMMAND --help' for the options of one command.\n");
}

int main(int argc, char **argv)
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
	if (strcmp(argv[1], "--version") == 0) {
		printf("postisac " PI_VERSION "\n");
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "postisac: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
