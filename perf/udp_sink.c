/*
 * udp_sink.c — a UDP receiver for perf/xdp_bench.sh: binds HOST:PORT
 * (0.0.0.0:9999 by default), receives in a loop until --count packets,
 * --duration seconds or --idle seconds without a packet, and reports the
 * packets per second delivered to it and the CPU time of the process per
 * packet (rx_meter.h). One receive per datagram, as a Python program does:
 *
 *   (default)  xs_recvfrom() on an xsocket socket in timeout mode
 *              (settimeout(0.1)), over whatever transport the configuration
 *              gives AF_INET (XSOCKET_TRANSPORT=inet=xdp for xdp);
 *   --raw      recvfrom() on a plain socket() with SO_RCVTIMEO 0.1 s, no
 *              xsocket at all: the kernel's own cost.
 *
 * With --nap the socket is non-blocking (settimeout(0.0), MSG_DONTWAIT)
 * and the loop sleeps a fixed time whenever it finds nothing (rx_meter.h).
 * --recv uses xs_recv()/recv() instead (no source address). Drops are
 * reported where the socket can say: xs_stats() on a frame transport,
 * SO_MEMINFO's drop count on a kernel socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rx_meter.h"
#include "xsocket.h"

#define BUF_SIZE     2048
#define WAIT_S	     0.1
#define DEFAULT_PORT 9999
#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

struct sink {
	struct rx_meter m;
	const char *host;
	int port;
	bool raw, no_from;
	char buf[BUF_SIZE];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: udp_sink [--raw] [--recv] [--bind HOST] [--port PORT] [-c N] [-d S]\n"
		"                [-I S] [-n US] [--ready FILE] [--json]\n"
		"Receives UDP datagrams on HOST:PORT (default 0.0.0.0:%d) and reports packets/s\n"
		"and the process's CPU time per packet, from the first packet to the last.\n\n"
		"  -r, --raw           plain socket()/recvfrom(), not xsocket\n"
		"      --recv          recv() without the source address\n"
		"  -b, --bind HOST     the address to bind (default 0.0.0.0)\n"
		"  -p, --port PORT     the port (default %d)\n" RX_METER_HELP
		"  -h, --help          this text\n",
		DEFAULT_PORT, DEFAULT_PORT);
}

static int parse_args(struct sink *k, int argc, char **argv)
{
	static const struct option longopts[] = {{"raw", no_argument, NULL, 'r'},
						 {"recv", no_argument, NULL, 'N'},
						 {"bind", required_argument, NULL, 'b'},
						 {"port", required_argument, NULL, 'p'},
						 {"help", no_argument, NULL, 'h'},
						 RX_METER_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "rb:p:h" RX_METER_SHORTOPTS, longopts, NULL)) != -1) {
		rc = rx_meter_option(&k->m, opt, optarg);
		if (rc < 0)
			goto bad_value;
		if (rc)
			continue;
		switch (opt) {
		case 'r':
			k->raw = true;
			break;
		case 'N':
			k->no_from = true;
			break;
		case 'b':
			k->host = optarg;
			break;
		case 'p':
			k->port = atoi(optarg);
			if (k->port <= 0 || k->port > 65535)
				goto bad_value;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;

bad_value:
	fprintf(stderr, "udp_sink: bad value for option -%c: '%s'\n", opt, optarg);
	return -1;
}

/* ---- xsocket ---- */

static struct xs_sock *xs_open(struct sink *k)
{
	struct xs_sock *s = xs_socket(AF_INET, SOCK_DGRAM, 0);
	struct xs_addr a;

	if (!s)
		return NULL;
	if (xs_addr_inet(&a, k->host, k->port) < 0 || xs_bind(s, &a) < 0 ||
	    xs_settimeout(s, k->m.nap_us ? 0.0 : WAIT_S) < 0) {
		xs_free(s);
		return NULL;
	}
	return s;
}

static bool xs_waited(struct sink *k)
{
	const struct xs_error *e = xs_last_error();

	if (e->kind == XS_ERR_TIMEOUT)
		return rx_meter_waited(&k->m, WAIT_S);
	if (e->kind == XS_ERR_OS && e->code == EAGAIN && k->m.nap_us)
		return rx_meter_nap(&k->m);
	if (e->kind == XS_ERR_OS && e->code == EINTR && rx_stop)
		return rx_meter_waited(&k->m, 0);
	fprintf(stderr, "udp_sink: recv: %s\n", e->msg);
	k->m.stopped_by = "error";
	return true;
}

/* The loops are not inlined: callgrind counts them alone
 * (--toggle-collect='xs_loop*', 'raw_loop*'). */
__attribute__((noinline)) static void xs_loop(struct sink *k, struct xs_sock *s)
{
	struct xs_addr from;
	ssize_t n;

	for (;;) {
		n = k->no_from ? xs_recv(s, k->buf, sizeof(k->buf), 0)
			       : xs_recvfrom(s, k->buf, sizeof(k->buf), 0, &from);
		if (n >= 0) {
			if (rx_meter_add(&k->m, 1, (uint64_t)n))
				return;
		} else if (xs_waited(k)) {
			return;
		}
	}
}

/* The kernel's drop count for the socket behind fd (SK_MEMINFO_DROPS). */
static void kernel_drops(struct rx_meter *m, int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) == 0 &&
	    len > SK_MEMINFO_DROPS * sizeof(uint32_t))
		rx_meter_extra(m, "socket_drops", mem[SK_MEMINFO_DROPS]);
}

static void xs_counters(struct rx_meter *m, struct xs_sock *s)
{
	struct xs_stats st;

	if (xs_stats(s, &st) < 0) {
		kernel_drops(m, xs_fileno(s));
		return;
	}
	rx_meter_extra(m, "socket_drops", (long long)st.rx_dropped);
	rx_meter_extra(m, "if_rx_frames", (long long)st.if_rx_frames);
	rx_meter_extra(m, "if_rx_ring_drops", (long long)st.if_rx_ring_drops);
	rx_meter_extra(m, "if_rx_queue_full", (long long)st.if_rx_queue_full);
	rx_meter_extra(m, "if_rx_bad_csum", (long long)st.if_rx_bad_csum);
	rx_meter_extra(m, "if_rx_malformed", (long long)st.if_rx_malformed);
	rx_meter_extra(m, "if_rx_no_socket", (long long)st.if_rx_no_socket);
}

static int run_xsocket(struct sink *k)
{
	struct xs_sock *s = xs_open(k);

	if (!s) {
		fprintf(stderr, "udp_sink: %s:%d: %s\n", k->host, k->port, xs_last_error()->msg);
		return 1;
	}
	if (rx_meter_start(&k->m) < 0) {
		xs_free(s);
		return 1;
	}
	xs_loop(k, s);
	xs_counters(&k->m, s);
	rx_meter_report(&k->m, "udp_sink", "xsocket", xs_transport_name(s));
	xs_free(s);
	return 0;
}

/* ---- plain system calls ---- */

static int raw_open(struct sink *k)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(k->port)};
	struct timeval tv = {0, (suseconds_t)(WAIT_S * 1e6)};
	int fd;

	if (k->m.nap_us)
		tv.tv_usec = 0; /* MSG_DONTWAIT instead */
	if (inet_pton(AF_INET, *k->host ? k->host : "0.0.0.0", &a.sin_addr) != 1) {
		fprintf(stderr, "udp_sink: --raw takes a dotted quad: '%s'\n", k->host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		fprintf(stderr, "udp_sink: %s:%d: %s\n", k->host, k->port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Nothing came: wait again, nap, or stop. */
static bool raw_waited(struct sink *k)
{
	if (errno == EAGAIN && k->m.nap_us)
		return rx_meter_nap(&k->m);
	return rx_meter_waited(&k->m, errno == EAGAIN ? WAIT_S : 0);
}

__attribute__((noinline)) static void raw_loop(struct sink *k, int fd)
{
	int flags = k->m.nap_us ? MSG_DONTWAIT : 0;
	struct sockaddr_storage from;
	socklen_t fromlen;
	ssize_t n;

	for (;;) {
		fromlen = sizeof(from);
		n = k->no_from ? recv(fd, k->buf, sizeof(k->buf), flags)
			       : recvfrom(fd, k->buf, sizeof(k->buf), flags,
					  (struct sockaddr *)&from, &fromlen);
		if (n >= 0) {
			if (rx_meter_add(&k->m, 1, (uint64_t)n))
				return;
			continue;
		}
		if (errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "udp_sink: recvfrom: %s\n", strerror(errno));
			k->m.stopped_by = "error";
			return;
		}
		if (raw_waited(k))
			return;
	}
}

static int run_raw(struct sink *k)
{
	int fd = raw_open(k);

	if (fd < 0)
		return 1;
	if (rx_meter_start(&k->m) < 0) {
		close(fd);
		return 1;
	}
	raw_loop(k, fd);
	kernel_drops(&k->m, fd);
	rx_meter_report(&k->m, "udp_sink", "raw", "kernel");
	close(fd);
	return 0;
}

static int interrupt_hook(void)
{
	return rx_stop;
}

int main(int argc, char **argv)
{
	static struct sink k = {.host = "", .port = DEFAULT_PORT};

	rx_meter_init(&k.m);
	if (parse_args(&k, argc, argv) < 0)
		return 2;
	rx_meter_catch_signals();
	xs_set_interrupt_hook(interrupt_hook);
	return k.raw ? run_raw(&k) : run_xsocket(&k);
}
