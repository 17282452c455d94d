/*
 * dpdk_udp.c — a small program over xsocket for the dpdk tests that need
 * whole processes. The EAL starts once per process, at its first socket,
 * and what a program leaves behind shows only after it exits; so the
 * tests run this program, each run a process of its own that exits as
 * any program does, and look at what it reports and what it leaves.
 *
 *   dpdk_udp open [-b HOST] [-s HOST -p PORT] [-w SECONDS] [-f]
 *	one UDP socket (the family of HOST, else IPv4) on the configured
 *	transport; bind HOST port 0; send "hello" to HOST:PORT; print
 *	"ok PORT", or "error KIND CODE MESSAGE" and exit 1; then wait
 *	SECONDS, free the socket if -f, and exit.
 *   dpdk_udp echo -a ADDR [-a ADDR] -p PORT [-t SECONDS]
 *	a socket on each ADDR:PORT that sends every datagram back to its
 *	sender, until one says "quit" (answered "bye", exit 0) or SECONDS
 *	pass (exit 3); prints "echoed N".
 *   dpdk_udp client -a LOCAL,REMOTE [-a ...] -p PORT [-n COUNT] [-t SECONDS]
 *	from a socket on each LOCAL, COUNT numbered datagrams of varied
 *	sizes to REMOTE:PORT, one at a time, each echo checked byte for
 *	byte and for its source; then "quit" to the first REMOTE until it
 *	says "bye". Exit 0 when every echo came back intact, 1 otherwise.
 *
 * Every mode prints "pid N" first: a test that runs it under timeout(1)
 * needs the pid of the process that ran the EAL. The transport and its
 * keys come from the environment (XSOCKET_TRANSPORT, XSOCKET_DPDK_*).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xsocket.h"

#define MAX_ADDRS 4
#define ECHO_WAIT 2.0 /* seconds for one echo, ARP/ND resolution included */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "error KIND CODE MESSAGE" on one line, from the last error. */
static int report_error(const char *what)
{
	const struct xs_error *e = xs_last_error();
	char msg[sizeof e->msg];

	snprintf(msg, sizeof msg, "%s", e->msg);
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	printf("error %s %d %s: %s\n", xs_errkind_name(e->kind), e->code, what, msg);
	fflush(stdout);
	return 1;
}

static int family_of(const char *host)
{
	return host && strchr(host, ':') ? AF_INET6 : AF_INET;
}

static int make_addr(struct xs_addr *a, const char *host, int port)
{
	if (family_of(host) == AF_INET6)
		return xs_addr_inet6(a, host, port, 0, 0);
	return xs_addr_inet(a, host, port);
}

/* ---- open ---- */

struct open_opts {
	const char *bind_host, *send_host;
	int port;
	double wait_s;
	int free_first;
};

static int do_open(const struct open_opts *o)
{
	struct xs_sock *s =
		xs_socket(family_of(o->bind_host ? o->bind_host : o->send_host), SOCK_DGRAM, 0);
	struct xs_addr a;
	int port = 0;

	if (!s)
		return report_error("xs_socket");
	if (o->bind_host) {
		if (make_addr(&a, o->bind_host, 0) < 0 || xs_bind(s, &a) < 0 ||
		    xs_getsockname(s, &a) < 0)
			return report_error("bind");
		port = xs_addr_port(&a);
	}
	if (o->send_host) {
		if (make_addr(&a, o->send_host, o->port) < 0 || xs_sendto(s, "hello", 5, 0, &a) < 0)
			return report_error("sendto");
	}
	printf("ok %d\n", port);
	fflush(stdout);
	for (double end = now_s() + o->wait_s; now_s() < end;)
		usleep(10000);
	if (o->free_first)
		xs_free(s);
	return 0;
}

/* ---- echo ---- */

static int open_bound(struct xs_sock **s, const char *host, int port)
{
	struct xs_addr a;

	*s = xs_socket(family_of(host), SOCK_DGRAM, 0);
	if (!*s)
		return report_error("xs_socket");
	if (make_addr(&a, host, port) < 0 || xs_bind(*s, &a) < 0)
		return report_error(host);
	return 0;
}

static int do_echo(const char *const *addrs, int naddrs, int port, double seconds)
{
	struct xs_sock *s[MAX_ADDRS];
	static char buf[65536];
	unsigned long echoed = 0;
	double end = now_s() + seconds;
	int quit = 0;

	for (int i = 0; i < naddrs; i++)
		if (open_bound(&s[i], addrs[i], port) || xs_settimeout(s[i], 0.02) < 0)
			return 1;
	printf("listening\n");
	fflush(stdout);
	while (!quit && now_s() < end) {
		for (int i = 0; i < naddrs && !quit; i++) {
			struct xs_addr from;
			ssize_t n = xs_recvfrom(s[i], buf, sizeof buf, 0, &from);

			if (n < 0 && xs_last_error()->kind == XS_ERR_TIMEOUT)
				continue;
			if (n < 0)
				return report_error("recvfrom");
			quit = n == 4 && !memcmp(buf, "quit", 4);
			if (quit && xs_sendto(s[i], "bye", 3, 0, &from) < 0)
				return report_error("sendto bye");
			if (!quit && xs_sendto(s[i], buf, (size_t)n, 0, &from) < 0)
				return report_error("sendto");
			echoed += !quit;
		}
	}
	printf("echoed %lu\n", echoed);
	fflush(stdout); /* said, even if the exit goes wrong */
	for (int i = 0; i < naddrs; i++)
		xs_free(s[i]);
	return quit ? 0 : 3;
}

/* ---- client ---- */

/* Datagram i: its number, then bytes that depend on it; 16 to 1416
 * bytes, within one frame of an MTU of 1500 in both families. */
static size_t numbered(unsigned char *buf, unsigned i)
{
	size_t len = 16 + ((size_t)i * 97) % 1401;

	for (size_t k = 0; k < len; k++)
		buf[k] = (unsigned char)((k * 31 + i * 7) ^ (k >> 8));
	memcpy(buf, &i, sizeof i);
	return len;
}

static int same_addr(const struct xs_addr *a, const struct xs_addr *b)
{
	char ha[64], hb[64];

	return xs_addr_host(a, ha, sizeof ha) == 0 && xs_addr_host(b, hb, sizeof hb) == 0 &&
	       !strcmp(ha, hb) && xs_addr_port(a) == xs_addr_port(b);
}

static int exchange(struct xs_sock *s, const struct xs_addr *to, unsigned i, const char *remote)
{
	static unsigned char out[2048], in[4096];
	size_t len = numbered(out, i);
	struct xs_addr from;
	double t0 = now_s();
	ssize_t n;

	if (xs_sendto(s, out, len, 0, to) != (ssize_t)len)
		return report_error("sendto");
	n = xs_recvfrom(s, in, sizeof in, 0, &from);
	if (n < 0) {
		fprintf(stderr,
			"dpdk_udp: no echo of datagram %u (%zu bytes) from %s within %.0f s\n", i,
			len, remote, ECHO_WAIT);
		return report_error("recvfrom");
	}
	if ((size_t)n != len || memcmp(in, out, len) || !same_addr(&from, to)) {
		printf("error bad-echo 0 datagram %u to %s: %zd bytes back of %zu, %s\n", i, remote,
		       n, len, same_addr(&from, to) ? "from the server" : "from another address");
		return 1;
	}
	if (i == 0)
		printf("first echo from %s after %.1f ms (neighbour resolution included)\n", remote,
		       (now_s() - t0) * 1e3);
	return 0;
}

static int client_pair(const char *pair, int port, unsigned count, double end, struct xs_sock **s,
		       struct xs_addr *to)
{
	char local[64], *remote;

	snprintf(local, sizeof local, "%s", pair);
	remote = strchr(local, ',');
	if (!remote) {
		fprintf(stderr, "dpdk_udp: -a takes LOCAL,REMOTE, not '%s'\n", pair);
		return 2;
	}
	*remote++ = '\0';
	if (open_bound(s, local, 0) || xs_settimeout(*s, ECHO_WAIT) < 0)
		return 1;
	if (make_addr(to, remote, port) < 0)
		return report_error(remote);
	for (unsigned i = 0; i < count; i++) {
		if (now_s() > end) {
			printf("error timeout 0 %u of %u datagrams to %s before the deadline\n", i,
			       count, remote);
			return 1;
		}
		if (exchange(*s, to, i, remote))
			return 1;
	}
	printf("%u datagrams echoed intact by %s\n", count, remote);
	return 0;
}

/* "quit" until the server says "bye" (three tries): a datagram sent
 * just before this process exits could still be in flight when the port
 * closes, and the server would wait for it until its deadline. The
 * server's "bye" may go the same way, and once it has gone a send may
 * find no room: the server's exit status says whether it heard a quit. */
static void say_quit(struct xs_sock *s, const struct xs_addr *to)
{
	char buf[16];

	xs_settimeout(s, 0.5);
	for (int i = 0; i < 3; i++) {
		if (xs_sendto(s, "quit", 4, 0, to) < 0) {
			printf("quit %d not sent: %s\n", i + 1, xs_last_error()->msg);
			return;
		}
		if (xs_recv(s, buf, sizeof buf, 0) == 3 && !memcmp(buf, "bye", 3))
			return;
	}
	printf("no bye from the server after three quits\n");
}

static int do_client(const char *const *pairs, int npairs, int port, unsigned count, double seconds)
{
	struct xs_sock *s[MAX_ADDRS] = {NULL};
	struct xs_addr to[MAX_ADDRS];
	double end = now_s() + seconds;
	int rc = 0;

	for (int i = 0; i < npairs && !rc; i++)
		rc = client_pair(pairs[i], port, count, end, &s[i], &to[i]);
	if (s[0] && !rc)
		say_quit(s[0], &to[0]);
	if (!rc)
		printf("ok\n");
	for (int i = 0; i < npairs; i++)
		xs_free(s[i]);
	return rc;
}

/* ---- arguments ---- */

static int usage(void)
{
	fprintf(stderr, "usage: dpdk_udp open [-b HOST] [-s HOST -p PORT] [-w SECONDS] [-f]\n"
			"       dpdk_udp echo -a ADDR [-a ADDR] -p PORT [-t SECONDS]\n"
			"       dpdk_udp client -a LOCAL,REMOTE [-a ...] -p PORT [-n COUNT] [-t "
			"SECONDS]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct open_opts o = {0};
	const char *addrs[MAX_ADDRS];
	int naddrs = 0, opt;
	unsigned count = 20;
	double seconds = 20;

	if (argc < 2)
		return usage();
	optind = 2;
	while ((opt = getopt(argc, argv, "a:b:s:p:w:fn:t:")) != -1) {
		switch (opt) {
		case 'a':
			if (naddrs == MAX_ADDRS)
				return usage();
			addrs[naddrs++] = optarg;
			break;
		case 'b':
			o.bind_host = optarg;
			break;
		case 's':
			o.send_host = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'w':
			o.wait_s = atof(optarg);
			break;
		case 'f':
			o.free_first = 1;
			break;
		case 'n':
			count = (unsigned)atoi(optarg);
			break;
		case 't':
			seconds = atof(optarg);
			break;
		default:
			return usage();
		}
	}
	printf("pid %ld\n", (long)getpid());
	fflush(stdout);
	if (!strcmp(argv[1], "open"))
		return do_open(&o);
	if (!strcmp(argv[1], "echo") && naddrs > 0 && o.port > 0)
		return do_echo(addrs, naddrs, o.port, seconds);
	if (!strcmp(argv[1], "client") && naddrs > 0 && o.port > 0)
		return do_client(addrs, naddrs, o.port, count, seconds);
	return usage();
}
