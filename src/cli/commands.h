/* commands.h - one entry point per `postisac` subcommand (src/cli/cmd_*.c).
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand)
 * and returns the process exit status. */
#ifndef PI_CLI_COMMANDS_H
#define PI_CLI_COMMANDS_H

int pi_cmd_init(int argc, char **argv);
int pi_cmd_serve(int argc, char **argv);
int pi_cmd_receipt(int argc, char **argv);
int pi_cmd_case(int argc, char **argv);
int pi_cmd_audit(int argc, char **argv);
int pi_cmd_org(int argc, char **argv);
int pi_cmd_user(int argc, char **argv);
int pi_cmd_group(int argc, char **argv);
int pi_cmd_lookalike(int argc, char **argv);
int pi_cmd_scan(int argc, char **argv);
int pi_cmd_import(int argc, char **argv);
int pi_cmd_export(int argc, char **argv);


#endif
