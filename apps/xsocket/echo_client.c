/*
 * echo_client.c — `xsocket echo client`: sends sequence-numbered,
 * timestamped messages to an echo server, one at a time, at a fixed rate
 * or as fast as the echoes come back (--flood), and waits for each echo
 * up to a timeout; an echo that does not come back in time is lost (and
 * counted late if it turns up afterwards). Bounded by a duration (default
 * 5 s) and optionally a count; reports sent, received, lost, messages per
 * second and round-trip percentiles.
 */
#include <string.h>
#include <time.h>

#include "cli.h"
#include "echo.h"

enum echo_wait { ECHO_BACK, ECHO_LOST, ECHO_STOP, ECHO_FAILED };

struct client {
	struct echo_common c;
	const char *host;
	long count;	/* 0: until the duration ends */
	double timeout; /* seconds to wait for each echo */
	struct xs_sock *s;
	size_t have; /* bytes of the current TCP echo already read */
	struct echo_client_stats st;
	unsigned char tx[ECHO_MAX_SIZE], rx[ECHO_MAX_SIZE];
};

static const char usage[] =
	"usage: %s [--udp|--tcp] --host ADDR --port N [--size BYTES]\n"
	"          [--rate PPS|--flood] [--duration S] [--count N] [--timeout S] [--json]\n"
	"\n"
	"Sends numbered, timestamped messages to an echo server one at a time and\n"
	"waits for each echo; one not back within the timeout is lost. Prints\n"
	"sent, received, lost, messages per second and round-trip percentiles\n"
	"(p50 p90 p99 p99.9 max, microseconds).\n"
	"\n"
	"  --udp          UDP (default)\n"
	"  --tcp          TCP\n"
	"  --host ADDR    server address, IPv4 or IPv6 (required)\n"
	"  --port N       server port (required)\n"
	"  --size BYTES   message size, 24-65507 (default 64)\n"
	"  --rate PPS     messages per second (default 1000)\n"
	"  --flood        no pacing: the next message as soon as the echo is back\n"
	"  --duration S   seconds to run (default 5)\n"
	"  --count N      stop after N messages (default: the duration decides)\n"
	"  --timeout S    seconds to wait for each echo (default 1)\n"
	"  --json         the report as JSON\n"
	"  --help         this text\n";

/* The client's own options; 0 applied, -1 bad value. */
static int client_opt(struct client *cl, int c, const char *arg)
{
	switch (c) {
	case 'H':
		cl->host = arg;
		return 0;
	case 's':
		return cli_parse_long("--size", arg, sizeof(struct echo_hdr), ECHO_MAX_SIZE,
				      &cl->st.size);
	case 'r':
		return cli_parse_double("--rate", arg, 0.001, 1e9, &cl->st.rate);
	case 'f':
		cl->st.rate = 0;
		return 0;
	case 'n':
		return cli_parse_long("--count", arg, 1, 1000000000000L, &cl->count);
	case 'T':
		return cli_parse_double("--timeout", arg, 0.001, 60, &cl->timeout);
	}
	return -1;
}

static int client_parse(struct client *cl, int argc, char **argv)
{
	static const struct option opts[] = {
		ECHO_COMMON_LONGOPTS,
		{ "host", required_argument, NULL, 'H' },
		{ "size", required_argument, NULL, 's' },
		{ "rate", required_argument, NULL, 'r' },
		{ "flood", no_argument, NULL, 'f' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *shortopts = ECHO_COMMON_SHORTOPTS "H:s:r:fn:T:";
	int c, r;

	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		r = echo_common_opt(&cl->c, c, optarg);
		if (r < 0)
			return cli_try_help(argv[0]);
		if (r)
			continue;
		if (c == 'h') {
			printf(usage, argv[0]);
			return -1;
		}
		if (c == '?' || client_opt(cl, c, optarg) < 0)
			return cli_try_help(argv[0]);
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (!cl->host || !cl->c.port)
		return cli_usage_error(argv[0], "--host and --port are required");
	return 0;
}

static int client_open(struct client *cl)
{
	struct xs_addr a;

	if (echo_resolve(cl->host, cl->c.port, cl->c.type, false, &a) < 0)
		return cli_fail("resolving %s", cl->host);
	if (xs_addr_format(&a, cl->st.peer, sizeof(cl->st.peer)) < 0)
		return cli_fail("formatting the address of %s", cl->host);
	cl->s = xs_socket(a.family, cl->c.type, 0);
	if (!cl->s)
		return cli_fail("creating a socket");
	if (xs_settimeout(cl->s, cl->timeout) < 0)
		return cli_fail("setting the timeout");
	if (xs_connect(cl->s, &a) < 0)
		return cli_fail("connecting to %s", cl->st.peer);
	return 0;
}

/* Bounds the next library call by the deadline; false once it has passed. */
static bool client_arm(struct client *cl, int64_t deadline_ns)
{
	double left = (deadline_ns - echo_now_ns()) / 1e9;

	return left > 0 && xs_settimeout(cl->s, left) == 0;
}

/* One echo into rx: a datagram, or size bytes of the stream (a partial
 * read is kept across a timeout, so the stream stays in step). */
static ssize_t client_recv_msg(struct client *cl)
{
	ssize_t n;

	if (cl->c.type == SOCK_DGRAM)
		return xs_recv(cl->s, cl->rx, sizeof(cl->rx), 0);
	while (cl->have < (size_t)cl->st.size) {
		n = xs_recv(cl->s, cl->rx + cl->have, cl->st.size - cl->have, 0);
		if (n <= 0)
			return n;
		cl->have += n;
	}
	cl->have = 0;
	return cl->st.size;
}

/* What a failed receive means: the echo is lost, the run is stopping, or
 * an error (reported). */
static enum echo_wait client_recv_failed(const struct client *cl, ssize_t n)
{
	if (n == 0) {
		cli_fail_msg("waiting for an echo", "the server closed the connection");
		return ECHO_FAILED;
	}
	if (echo_timed_out())
		return ECHO_LOST;
	if (echo_interrupted())
		return ECHO_STOP;
	cli_fail("waiting for an echo from %s", cl->st.peer);
	return ECHO_FAILED;
}

/* Waits for the echo of seq until deadline_ns; older echoes are late. */
static enum echo_wait client_await(struct client *cl, uint64_t seq, int64_t deadline_ns)
{
	struct echo_hdr h;
	ssize_t n;

	while (client_arm(cl, deadline_ns)) {
		n = client_recv_msg(cl);
		if (n <= 0)
			return client_recv_failed(cl, n);
		if (n < (ssize_t)sizeof(h))
			continue; /* not one of ours */
		memcpy(&h, cl->rx, sizeof(h));
		if (h.magic == ECHO_MAGIC && h.seq == seq)
			return echo_client_rtt(&cl->st, echo_now_ns() - h.sent_ns) < 0 ?
				       ECHO_FAILED : ECHO_BACK;
		if (h.magic == ECHO_MAGIC && h.seq < seq)
			cl->st.late++;
	}
	return ECHO_LOST;
}

static int client_send(struct client *cl, uint64_t seq, int64_t deadline_ns)
{
	struct echo_hdr h = { .magic = ECHO_MAGIC, .seq = seq, .sent_ns = echo_now_ns() };

	memcpy(cl->tx, &h, sizeof(h));
	if (!client_arm(cl, deadline_ns))
		return -1;
	if (cl->c.type == SOCK_STREAM)
		return xs_sendall(cl->s, cl->tx, cl->st.size, 0, NULL);
	return xs_send(cl->s, cl->tx, cl->st.size, 0) < 0 ? -1 : 0;
}

/* Sleeps until the next send time of a paced run; false past the deadline
 * or on a stop signal. */
static bool client_pace(struct client *cl, int64_t *next_ns, int64_t deadline_ns)
{
	int64_t now = echo_now_ns();
	struct timespec ts;

	if (cl->st.rate > 0 && *next_ns >= deadline_ns)
		return false; /* never sleep past the end */
	if (cl->st.rate > 0 && *next_ns > now) {
		ts.tv_sec = *next_ns / 1000000000;
		ts.tv_nsec = *next_ns % 1000000000;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		now = echo_now_ns();
	}
	/* The schedule is absolute, so that the rate holds; a run more than
	 * one interval behind restarts it rather than bursting to catch up. */
	if (cl->st.rate > 0) {
		int64_t interval = (int64_t)(1e9 / cl->st.rate);

		*next_ns += interval;
		if (*next_ns < now - interval)
			*next_ns = now;
	}
	return now < deadline_ns && !echo_stopped();
}

static int client_loop(struct client *cl)
{
	int64_t timeout_ns = (int64_t)(cl->timeout * 1e9);
	int64_t deadline_ns = cl->st.start_ns + (int64_t)(cl->c.duration * 1e9);
	int64_t next_ns = cl->st.start_ns;
	enum echo_wait w = ECHO_BACK;

	for (uint64_t seq = 0; (!cl->count || seq < (uint64_t)cl->count) && w != ECHO_STOP;
	     seq++) {
		if (!client_pace(cl, &next_ns, deadline_ns))
			break;
		if (client_send(cl, seq, echo_now_ns() + timeout_ns) < 0)
			return echo_interrupted() ? 0 : cli_fail("sending to %s", cl->st.peer);
		cl->st.sent++;
		w = client_await(cl, seq, echo_now_ns() + timeout_ns);
		if (w == ECHO_FAILED)
			return CLI_EXIT_FAIL;
		cl->st.received += w == ECHO_BACK;
	}
	return 0;
}

int cmd_echo_client(int argc, char **argv)
{
	static struct client cl = {
		.c = { .type = SOCK_DGRAM, .duration = 5.0 },
		.timeout = 1.0,
		.st = { .size = 64, .rate = 1000 },
	};
	int rc = client_parse(&cl, argc, argv);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = client_open(&cl);
	if (!rc) {
		echo_catch_signals();
		cl.st.proto = echo_proto_name(cl.c.type);
		cl.st.start_ns = echo_now_ns();
		rc = client_loop(&cl);
		cl.st.end_ns = echo_now_ns();
	}
	if (!rc)
		echo_client_report(&cl.st, cl.c.json);
	xs_free(cl.s);
	return rc;
}
