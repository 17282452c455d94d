/*
 * cli.h — what the xsocket command's subcommands share: the subcommand
 * table and its dispatcher, the one way of reporting a failure, option
 * value parsing, and the entry point of each subcommand.
 *
 * Exit codes follow one rule everywhere: 0 success, 1 a failed operation
 * (reported as "xsocket: <what failed>: <message>"), 2 a usage error.
 */
#ifndef XSOCKET_CLI_H
#define XSOCKET_CLI_H

#include <stddef.h>

#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

typedef int (*cli_main_fn)(int argc, char **argv);

struct cli_cmd {
	const char *name;
	cli_main_fn run;
	const char *summary;
};

/* Run the subcommand named by argv[1] (argv[0] is the parent's name, e.g.
 * "xsocket echo"); "--help", "help" or nothing prints the list. */
int cli_dispatch(const char *parent, const struct cli_cmd *cmds, size_t ncmds, int argc,
		 char **argv);

/* "xsocket: <what failed>: <xs_last_error()->msg>" on stderr, the first
 * part from a printf format ("connecting to %s"); returns CLI_EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with a message of the caller's (strerror for a system call). */
int cli_fail_msg(const char *what, const char *msg);
/* "Try '<cmd> --help'." after getopt's own message; returns CLI_EXIT_USAGE. */
int cli_try_help(const char *cmd);
/* "xsocket: <message>" plus that hint; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Option values; on a malformed or out-of-range value they print a usage
 * error naming the option and return -1. */
int cli_parse_long(const char *opt, const char *arg, long min, long max, long *out);
int cli_parse_double(const char *opt, const char *arg, double min, double max, double *out);

int cmd_info(int argc, char **argv);
int cmd_echo(int argc, char **argv);
int cmd_echo_server(int argc, char **argv);
int cmd_echo_client(int argc, char **argv);
int cmd_capture(int argc, char **argv);

#endif
