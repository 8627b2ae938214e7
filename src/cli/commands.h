/* commands.h - one entry point per `postisac` subcommand (src/cli/cmd_*.c).
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand)
 * and returns the process exit status. */
#ifndef PI_CLI_COMMANDS_H
#define PI_CLI_COMMANDS_H


#endif
