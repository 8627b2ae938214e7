/* cli_util.h - what the `postisac` subcommands share: option parsing with generated --help,
 * sub-subcommand dispatch ("postisac user add ..."), opening the database, reading a password
 * from standard input, and printing results as JSON (--json) or as text for people.
 *
 * Conventions every command follows: exit status 0 success, 1 failure (the message on stderr
 * says what went wrong and what to do), 2 usage error. Messages start with "postisac CMD:".
 * Results go to stdout; nothing secret is ever taken from argv (passwords come from stdin).
 *
 * Options are "--name VALUE", "--name=VALUE" or a bare "--flag"; "--" ends options. Values
 * point into argv and live as long as it does.
 */
#ifndef PI_CLI_CLI_UTIL_H
#define PI_CLI_CLI_UTIL_H

#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/error.h"
#include "store/store.h"

#define PI_EXIT_OK 0
#define PI_EXIT_FAIL 1
#define PI_EXIT_USAGE 2

#define PI_CLI_DEFAULT_DB "sqlite:var/postisac.db"
#define PI_CLI_MAX_OPTS 24
#define PI_CLI_MAX_POS 8
#define PI_CLI_OUT_CAP ((size_t)64 << 20)

/* One option: name with the dashes ("--db"), metavar (NULL for a flag) and help text. */
struct pi_cli_opt {
	const char *name;
	const char *metavar;
	const char *help;
};

/* The options every database command takes; put it in an option list. */
#define PI_CLI_OPT_DB                                                                              \
	{                                                                                          \
		"--db", "URL", "database: sqlite:PATH or PATH (default " PI_CLI_DEFAULT_DB ")"     \
	}
#define PI_CLI_OPT_JSON                                                                            \
	{                                                                                          \
		"--json", NULL, "print the result as JSON (for scripts)"                           \
	}
#define PI_CLI_OPT_END                                                                             \
	{                                                                                          \
		NULL, NULL, NULL                                                                   \
	}

/* A parsed command line. values[i] belongs to opts[i]: the value, "" for a present flag,
 * NULL if absent. */
struct pi_cli_args {
	const char *cmd; /* "user add", for messages */
	const struct pi_cli_opt *opts;
	const char *values[PI_CLI_MAX_OPTS];
	const char *pos[PI_CLI_MAX_POS];
	size_t npos;
	int help;
};

/* Parses argv[0..argc) (argv[0] is NOT skipped: pass what follows the command words) against
 * opts (ended by PI_CLI_OPT_END) and min_pos..max_pos positional arguments. "--help"/"-h"
 * sets out->help and skips the count checks. Returns 0, or PI_EXIT_USAGE after printing the
 * problem to stderr. */
int pi_cli_parse(const char *cmd, const struct pi_cli_opt *opts, size_t min_pos, size_t max_pos,
        int argc, char **argv, struct pi_cli_args *out);
/* The value of the option called name, NULL if absent ("" for a present flag). */
const char *pi_cli_value(const struct pi_cli_args *a, const char *name);
/* Nonzero if the flag or option was given. */
int pi_cli_has(const struct pi_cli_args *a, const char *name);

/* Prints "usage: postisac SYNOPSIS", the description and the option table. */
void pi_cli_print_usage(
        FILE *out, const char *synopsis, const char *description, const struct pi_cli_opt *opts);

/* A subcommand of a command with subcommands (`postisac user add`). run gets the parsed
 * arguments and returns the exit status. */
struct pi_cli_sub {
	const char *name;
	const char *synopsis; /* after "postisac CMD ": "add SLUG --name NAME ..." */
	const char *description;
	const struct pi_cli_opt *opts;
	size_t min_pos, max_pos;
	int (*run)(struct pi_cli_args *a);
};

/* Runs `postisac cmd SUB ...`: argv[0] is cmd, argv[1] the subcommand. Handles --help at both
 * levels, unknown subcommands (exit 2) and option parsing. */
int pi_cli_dispatch(const char *cmd, const char *summary, const struct pi_cli_sub *subs,
        size_t nsubs, int argc, char **argv);

/* Opens the database (db_url NULL: PI_CLI_DEFAULT_DB), applies migrations and initialises
 * the crypto library. Prints the reason and returns PI_EXIT_FAIL on failure, else PI_EXIT_OK
 * with *out to close with pi_store_close. */
int pi_cli_open_store(const char *db_url, pi_store **out);

/* Prints "postisac CMD: message" to stderr and returns PI_EXIT_FAIL. */
int pi_cli_fail(const char *cmd, const struct pi_error *err);
/* Prints a printf-style message the same way and returns status. */
int pi_cli_error(const char *cmd, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Reads one line (the password) from stdin into out (at most size - 1 bytes, without the line
 * end). Returns 0, or -1 after printing why (empty, too long, no input). */
int pi_cli_read_password(const char *cmd, char *out, size_t size);

/* Prints JSON text: as-is with a newline when as_json, otherwise as "key: value" lines (an
 * object) for people. */
void pi_cli_print_object(const char *json, int as_json);
/* Prints the array under key of the JSON object text: as-is when as_json, otherwise as a
 * table with the given member names as columns (NULL-terminated). */
void pi_cli_print_table(const char *json, const char *key, const char *const *columns, int as_json);

#endif
