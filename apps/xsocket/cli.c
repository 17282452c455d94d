/*
 * cli.c — the plumbing every subcommand of the xsocket command uses:
 * git-style dispatch over a table of subcommands, failure and usage
 * reporting in one format, and strict parsing of numeric option values.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xsocket.h"

static void cli_list(const char *parent, const struct cli_cmd *cmds, size_t ncmds, FILE *f)
{
	fprintf(f, "usage: %s <command> [options]\n\ncommands:\n", parent);
	for (size_t i = 0; i < ncmds; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'%s <command> --help' describes a command.\n", parent);
}

static const struct cli_cmd *cli_find(const struct cli_cmd *cmds, size_t ncmds, const char *name)
{
	for (size_t i = 0; i < ncmds; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

int cli_dispatch(const char *parent, const struct cli_cmd *cmds, size_t ncmds, int argc,
		 char **argv)
{
	const struct cli_cmd *cmd;
	char *fullname;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		cli_list(parent, cmds, ncmds, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_USAGE : 0;
	}
	cmd = cli_find(cmds, ncmds, argv[1]);
	if (!cmd)
		return cli_usage_error(parent, "unknown command '%s'", argv[1]);
	/* The subcommand sees its full name as argv[0], so that its usage
	 * text and getopt's messages say "xsocket echo server". */
	if (asprintf(&fullname, "%s %s", parent, argv[1]) >= 0)
		argv[1] = fullname;
	return cmd->run(argc - 1, argv + 1);
}

int cli_fail_msg(const char *what, const char *msg)
{
	fprintf(stderr, "xsocket: %s: %s\n", what, msg);
	return CLI_EXIT_FAIL;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("xsocket: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", xs_last_error()->msg);
	return CLI_EXIT_FAIL;
}

int cli_try_help(const char *cmd)
{
	fprintf(stderr, "Try '%s --help'.\n", cmd);
	return CLI_EXIT_USAGE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("xsocket: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return cli_try_help(cmd);
}

int cli_parse_long(const char *opt, const char *arg, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "xsocket: %s: expected an integer %ld-%ld, got '%s'\n", opt, min,
			max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

int cli_parse_double(const char *opt, const char *arg, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || isnan(v) || v < min || v > max) {
		fprintf(stderr, "xsocket: %s: expected a number %g-%g, got '%s'\n", opt, min, max,
			arg);
		return -1;
	}
	*out = v;
	return 0;
}
