/*
 * echo.h — what `xsocket echo server` and `xsocket echo client` share: the
 * payload header, the options both take, address resolution, a clean stop
 * on SIGINT/SIGTERM, the clock, and the two reports (echo_stats.c).
 */
#ifndef XSOCKET_ECHO_H
#define XSOCKET_ECHO_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "xsocket.h"

/* Every client message starts with this header, in host byte order (client
 * and server compare only what the client itself wrote). */
struct echo_hdr {
	uint64_t magic;
	uint64_t seq;
	int64_t sent_ns;
};

#define ECHO_MAGIC 0x78736f636b656368ull /* "xsockech" */
#define ECHO_MAX_SIZE 65507    /* the largest UDP payload over IPv4 */
#define ECHO_MAX_DURATION 86400.0

struct echo_common {
	int type;	  /* SOCK_DGRAM (--udp, default) or SOCK_STREAM (--tcp) */
	const char *port; /* validated decimal string */
	double duration;  /* seconds, always bounded */
	bool json;
};

/* Options both sides take; each adds its own and handles --help. */
#define ECHO_COMMON_LONGOPTS                        \
	{ "udp", no_argument, NULL, 'u' },          \
	{ "tcp", no_argument, NULL, 't' },          \
	{ "port", required_argument, NULL, 'p' },   \
	{ "duration", required_argument, NULL, 'd' }, \
	{ "json", no_argument, NULL, 'j' },         \
	{ "help", no_argument, NULL, 'h' }
#define ECHO_COMMON_SHORTOPTS "utp:d:jh"

/* 1 if c was a common option (applied), 0 if not, -1 on a bad value. */
int echo_common_opt(struct echo_common *o, int c, const char *arg);
const char *echo_proto_name(int type);

/* First getaddrinfo result for host/port; passive for a server's bind. */
int echo_resolve(const char *host, const char *port, int type, bool passive, struct xs_addr *out);

/* SIGINT/SIGTERM stop the run: blocked library calls return EINTR. */
void echo_catch_signals(void);
bool echo_stopped(void);
/* Did the last library call fail because of the stop, or a timeout? */
bool echo_interrupted(void);
bool echo_timed_out(void);

int64_t echo_now_ns(void); /* CLOCK_MONOTONIC */

struct echo_server_stats {
	const char *proto;
	const char *transport;
	char addr[128];
	int64_t start_ns, end_ns;
	uint64_t messages, bytes, clients;
	bool have_counters; /* counters: the transport's (xs_stats), if it keeps them */
	struct xs_stats counters;
};

struct echo_client_stats {
	const char *proto;
	char peer[128];
	long size;
	double rate; /* 0: --flood */
	int64_t start_ns, end_ns;
	uint64_t sent, received, late; /* lost = sent - received */
	int64_t *rtt_ns; /* one per received echo, up to rtt_cap */
	size_t nrtt, rtt_cap;
};

void echo_server_report(const struct echo_server_stats *st, bool json);
/* Records a round trip; returns -1 (message printed) if memory runs out. */
int echo_client_rtt(struct echo_client_stats *st, int64_t rtt_ns);
/* Prints the report (sorting the samples) and frees them. */
void echo_client_report(struct echo_client_stats *st, bool json);

#endif
