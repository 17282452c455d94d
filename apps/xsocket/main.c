/*
 * main.c — entry point of the xsocket command: git-style dispatch to the
 * subcommands (info, echo, capture ...), each of which has its own --help,
 * a table for people and --json for scripts. The configuration is the library's
 * (XSOCKET_* environment), so every subcommand reads the same one.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_cmd commands[] = {
	{"info", cmd_info, "transports, what carries each address family, what the host has"},
	{"echo", cmd_echo, "UDP/TCP echo server and client with rates and latency percentiles"},
	{"capture", cmd_capture, "capture an interface's frames to pcap, with a tcpdump filter"},
};

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("xsocket %s\n", XSOCKET_VERSION);
		return 0;
	}
	return cli_dispatch("xsocket", commands, sizeof(commands) / sizeof(commands[0]), argc,
			    argv);
}
