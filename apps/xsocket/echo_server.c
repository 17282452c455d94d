/*
 * echo_server.c — `xsocket echo server`: echoes UDP datagrams (in
 * batches: xs_recv_batch takes what is queued, up to ECHO_BATCH, and
 * xs_send_batch returns each to its sender) or the bytes of TCP clients
 * (accept, then recv/sendall under one poll over every socket's
 * xs_fileno) until the duration ends or SIGINT/SIGTERM, then reports what
 * it echoed. Its first line on stdout is
 * "listening on (<address>)", so a script can start it with --port 0.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "echo.h"

#define MAX_CLIENTS 64
#define CLIENT_TIMEOUT 1.0 /* bounds a sendall to a client that stopped reading */
#define ECHO_BATCH     32  /* datagrams received and echoed per call */

struct server {
	struct echo_common c;
	const char *bind;
	struct xs_sock *s;
	struct xs_sock *clients[MAX_CLIENTS];
	size_t nclients;
	int64_t deadline_ns;
	struct echo_server_stats st;
	unsigned char buf[65536];
	/* UDP: a batch, each datagram with a buffer of its own */
	struct xs_msg msgs[ECHO_BATCH];
	unsigned char bufs[ECHO_BATCH][65536];
};

static const char usage[] =
	"usage: %s [--udp|--tcp] [--bind ADDR] [--port N] [--duration S] [--json]\n"
	"\n"
	"Echoes every datagram (UDP) or every byte from each client (TCP) back to\n"
	"its sender until the duration ends or SIGINT/SIGTERM, then prints what it\n"
	"echoed: messages (datagrams, or reads for TCP), bytes, messages per second.\n"
	"The first line on stdout is \"listening on (ADDR, PORT)\".\n"
	"\n"
	"  --udp          UDP (default)\n"
	"  --tcp          TCP, up to 64 clients at once\n"
	"  --bind ADDR    address to bind, IPv4 or IPv6 (default 127.0.0.1)\n"
	"  --port N       port, 0 = any free one (default 7007)\n"
	"  --duration S   seconds to run (default 10)\n"
	"  --json         the report as JSON (the listening line goes to stderr)\n"
	"  --help         this text\n";

static int server_parse(struct server *sv, int argc, char **argv)
{
	static const struct option opts[] = {
		ECHO_COMMON_LONGOPTS,
		{ "bind", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	while ((c = getopt_long(argc, argv, ECHO_COMMON_SHORTOPTS "b:", opts, NULL)) != -1) {
		r = echo_common_opt(&sv->c, c, optarg);
		if (r < 0)
			return cli_try_help(argv[0]);
		if (r)
			continue;
		if (c == 'h') {
			printf(usage, argv[0]);
			return -1;
		}
		if (c != 'b')
			return cli_try_help(argv[0]);
		sv->bind = optarg;
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	return 0;
}

static int server_open(struct server *sv)
{
	struct xs_addr a;

	if (echo_resolve(sv->bind, sv->c.port, sv->c.type, true, &a) < 0)
		return cli_fail("resolving %s", sv->bind);
	if (sv->c.type == SOCK_STREAM) {
		sv->s = xs_create_server(&a, XS_LISTEN_DEFAULT, 0, 0);
		if (!sv->s)
			return cli_fail("listening on %s port %s", sv->bind, sv->c.port);
		/* accept only after poll says a client is waiting */
		if (xs_settimeout(sv->s, 0.0) < 0)
			return cli_fail("making the listener non-blocking");
	} else {
		sv->s = xs_socket(a.family, SOCK_DGRAM, 0);
		if (!sv->s)
			return cli_fail("creating a socket");
		if (xs_bind(sv->s, &a) < 0)
			return cli_fail("binding to %s port %s", sv->bind, sv->c.port);
	}
	if (xs_getsockname(sv->s, &a) < 0 ||
	    xs_addr_format(&a, sv->st.addr, sizeof(sv->st.addr)) < 0)
		return cli_fail("reading the bound address");
	fprintf(sv->c.json ? stderr : stdout, "listening on %s\n", sv->st.addr);
	fflush(NULL);
	return 0;
}

/* Seconds left before the deadline; <= 0 when it has passed. */
static double server_left(const struct server *sv)
{
	return (sv->deadline_ns - echo_now_ns()) / 1e9;
}

/* A timeout or a stop signal ends the run (0); anything else is an error. */
static int server_ended(const char *what)
{
	return echo_timed_out() || echo_interrupted() ? 0 : cli_fail("%s", what);
}

/* Send the n datagrams just received back to their senders (each entry's
 * addr), as many calls as the socket's room needs. */
static int server_udp_echo(struct server *sv, unsigned n)
{
	unsigned done = 0;
	int sent;

	for (unsigned i = 0; i < n; i++)
		sv->msgs[i].len = sv->msgs[i].n;
	while (done < n) {
		sent = xs_send_batch(sv->s, sv->msgs + done, n - done, 0);
		if (sent < 0)
			return server_ended("echoing a datagram");
		for (int i = 0; i < sent; i++)
			sv->st.bytes += sv->msgs[done + i].n;
		sv->st.messages += sent;
		done += sent;
	}
	return 0;
}

static int server_udp(struct server *sv)
{
	double left;
	int n, rc;

	while (!echo_stopped() && (left = server_left(sv)) > 0) {
		if (xs_settimeout(sv->s, left) < 0)
			return cli_fail("setting the timeout");
		for (unsigned i = 0; i < ECHO_BATCH; i++)
			sv->msgs[i] =
				(struct xs_msg){.buf = sv->bufs[i], .len = sizeof(sv->bufs[i])};
		n = xs_recv_batch(sv->s, sv->msgs, ECHO_BATCH, 0);
		if (n < 0)
			return server_ended("receiving a datagram");
		rc = server_udp_echo(sv, (unsigned)n);
		if (rc)
			return rc;
	}
	return 0;
}

static void client_drop(struct server *sv, size_t i)
{
	xs_free(sv->clients[i]);
	sv->clients[i] = sv->clients[--sv->nclients];
}

static int client_accept(struct server *sv)
{
	struct xs_sock *c = xs_accept(sv->s, NULL);

	if (!c) /* the client may have gone before we got to it */
		return xs_last_error()->code == EAGAIN ? 0 : cli_fail("accepting a client");
	if (sv->nclients == MAX_CLIENTS || xs_settimeout(c, CLIENT_TIMEOUT) < 0) {
		fprintf(stderr, "xsocket: accept: refusing a client beyond %d\n", MAX_CLIENTS);
		xs_free(c);
		return 0;
	}
	sv->clients[sv->nclients++] = c;
	sv->st.clients++;
	return 0;
}

/* Echo one read; a client that closed, reset or stalled is dropped. */
static void client_echo(struct server *sv, size_t i)
{
	ssize_t n = xs_recv(sv->clients[i], sv->buf, sizeof(sv->buf), 0);

	if (n > 0 && xs_sendall(sv->clients[i], sv->buf, n, 0, NULL) == 0) {
		sv->st.messages++;
		sv->st.bytes += n;
		return;
	}
	client_drop(sv, i);
}

/* pfd[0] is the listener, pfd[1 + i] client i, as poll left them. */
static int server_tcp_events(struct server *sv, const struct pollfd *pfd, size_t npfd)
{
	/* Backwards, so that dropping client i (moving the last one into
	 * its slot) never skips a client that still has events. */
	for (size_t i = npfd - 1; i > 0; i--)
		if (pfd[i].revents)
			client_echo(sv, i - 1);
	return pfd[0].revents ? client_accept(sv) : 0;
}

static int server_tcp(struct server *sv)
{
	struct pollfd pfd[1 + MAX_CLIENTS];
	double left;
	int r;

	while (!echo_stopped() && (left = server_left(sv)) > 0) {
		pfd[0] = (struct pollfd){ .fd = xs_fileno(sv->s), .events = POLLIN };
		for (size_t i = 0; i < sv->nclients; i++)
			pfd[1 + i] = (struct pollfd){ .fd = xs_fileno(sv->clients[i]),
						      .events = POLLIN };
		r = poll(pfd, 1 + sv->nclients, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return cli_fail_msg("waiting for clients", strerror(errno));
		if (r > 0 && server_tcp_events(sv, pfd, 1 + sv->nclients))
			return CLI_EXIT_FAIL;
	}
	return 0;
}

static int server_run(struct server *sv)
{
	int rc = server_open(sv);

	if (rc)
		return rc;
	echo_catch_signals();
	sv->st.proto = echo_proto_name(sv->c.type);
	sv->st.start_ns = echo_now_ns();
	sv->deadline_ns = sv->st.start_ns + (int64_t)(sv->c.duration * 1e9);
	rc = sv->c.type == SOCK_STREAM ? server_tcp(sv) : server_udp(sv);
	sv->st.end_ns = echo_now_ns();
	sv->st.transport = xs_transport_name(sv->s);
	sv->st.have_counters = xs_stats(sv->s, &sv->st.counters) == 0;
	if (!rc)
		echo_server_report(&sv->st, sv->c.json);
	return rc;
}

int cmd_echo_server(int argc, char **argv)
{
	static struct server sv = {
		.c = { .type = SOCK_DGRAM, .port = "7007", .duration = 10.0 },
		.bind = "127.0.0.1",
	};
	int rc = server_parse(&sv, argc, argv);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = server_run(&sv);
	while (sv.nclients)
		client_drop(&sv, 0);
	xs_free(sv.s);
	return rc;
}
