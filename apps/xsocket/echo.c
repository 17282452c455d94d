/*
 * echo.c — `xsocket echo`: dispatch to the server and the client, and the
 * pieces both use: the common options, resolving host and port strings
 * with xs_getaddrinfo, the clock, and stopping cleanly on SIGINT/SIGTERM
 * through the library's interrupt hook (PEP 475: without the hook the
 * library would retry the interrupted call).
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "echo.h"

static volatile sig_atomic_t stop_requested;

static const struct cli_cmd echo_commands[] = {
	{ "server", cmd_echo_server, "echo what arrives until the duration ends or a signal" },
	{ "client", cmd_echo_client, "send numbered messages, time their echoes" },
};

int cmd_echo(int argc, char **argv)
{
	return cli_dispatch(argv[0], echo_commands,
			    sizeof(echo_commands) / sizeof(echo_commands[0]), argc, argv);
}

int echo_common_opt(struct echo_common *o, int c, const char *arg)
{
	long port;

	switch (c) {
	case 'u':
		o->type = SOCK_DGRAM;
		return 1;
	case 't':
		o->type = SOCK_STREAM;
		return 1;
	case 'p':
		if (cli_parse_long("--port", arg, 0, 65535, &port) < 0)
			return -1;
		o->port = arg;
		return 1;
	case 'd':
		if (cli_parse_double("--duration", arg, 0.001, ECHO_MAX_DURATION, &o->duration) < 0)
			return -1;
		return 1;
	case 'j':
		o->json = true;
		return 1;
	}
	return 0;
}

const char *echo_proto_name(int type)
{
	return type == SOCK_STREAM ? "tcp" : "udp";
}

int echo_resolve(const char *host, const char *port, int type, bool passive, struct xs_addr *out)
{
	struct xs_addrinfo *res = NULL;
	int flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);

	if (xs_getaddrinfo(host, port, AF_UNSPEC, type, 0, flags, &res) <= 0) {
		xs_freeaddrinfo(res);
		return -1;
	}
	*out = res->addr;
	xs_freeaddrinfo(res);
	return 0;
}

static void on_stop_signal(int sig)
{
	stop_requested = 1;
}

/* Non-zero makes the interrupted library call fail with EINTR. */
static int interrupt_hook(void)
{
	return stop_requested;
}

void echo_catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal }; /* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	xs_set_interrupt_hook(interrupt_hook);
}

bool echo_stopped(void)
{
	return stop_requested;
}

bool echo_interrupted(void)
{
	const struct xs_error *e = xs_last_error();

	return e->kind == XS_ERR_OS && e->code == EINTR;
}

bool echo_timed_out(void)
{
	return xs_last_error()->kind == XS_ERR_TIMEOUT;
}

int64_t echo_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
