/*
 * frame_sock.h — what the ops of the frame transports (drivers/xdp,
 * drivers/dpdk) share above lib/stack: the socket's common part
 * (reference count, stack socket, packet-socket binding, counters) and
 * the ops that read the same way whatever moves the frames: dup and
 * close, a packet socket's name and options, PACKET_STATISTICS, xs_stats,
 * receiving from the stack socket's queue, and busy polling. For
 * transport authors only.
 *
 * A transport's socket (s->priv) starts with a struct xs_frame_sock, so
 * these helpers take the xs_sock the core passes.
 */
#ifndef XS_FRAME_SOCK_H
#define XS_FRAME_SOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stack.h"
#include "transport.h"

struct xs_frame_sock {
	atomic_int refs;          /* dup shares the socket */
	struct xs_stack_sock *ss; /* the queue, the binding, the counters */
	unsigned tx_hint;         /* the TX queue of this socket */
	bool shut_rd;             /* shutdown(SHUT_RD): recv gives 0 at once */
	/* packet sockets */
	uint16_t ethertype; /* host order; 0 = none */
	int ifindex;        /* bound interface; 0 = unbound */
	uint64_t stats_packets, stats_drops; /* at the last PACKET_STATISTICS */
};

static inline struct xs_frame_sock *xs_frame_of(const struct xs_sock *s)
{
	return s->priv;
}

/* A new socket's common part: one reference, its TX queue hint. */
void xs_frame_sock_init(struct xs_frame_sock *f);
/* dup: a duplicate descriptor sharing the socket. */
int xs_frame_dup(const struct xs_sock *s, struct xs_sock *copy);
/* close: drop a reference and close s->fd; *last says whether the socket
 * itself is now the caller's to free. 0 or -errno from close(). */
int xs_frame_close(struct xs_sock *s, bool *last);

/* An int option's value out, as getsockopt gives it. */
int xs_frame_int_opt(int value, void *val, socklen_t *len);
/* A packet socket's name: AF_PACKET, its protocol and interface, the
 * port's MAC. */
void xs_frame_packet_name(const struct xs_frame_sock *f, const struct xs_stack *st,
			  struct xs_addr *out);
/* getsockopt of a packet socket: SO_TYPE, SO_DOMAIN, SO_PROTOCOL,
 * SO_RCVBUF, SO_ERROR, and PACKET_STATISTICS (since the last read, as the
 * kernel gives it; drops: the socket's full queue plus ring_drops, what the
 * device lost under it so far). -ENOPROTOOPT for the rest. */
int xs_frame_packet_getsockopt(struct xs_sock *s, uint64_t ring_drops, int level, int name,
			       void *val, socklen_t *len);
/* xs_stats from the socket's and the interface's counters (the driver
 * adds what only it knows: ring drops, kernel-path sends). */
void xs_frame_stats(const struct xs_frame_sock *f, const struct xs_stack *st,
		    struct xs_stats *out);

/* One datagram from the socket's queue into m (no ancillary data), or
 * -EAGAIN. */
ssize_t xs_frame_recv_queued(struct xs_frame_sock *f, struct msghdr *m, int flags);

/* Poll (the driver's burst receive, with self) until the socket has data
 * or budget_ns (bounded by timeout_ns, -1 = none) has passed; at least
 * once. True if data is queued. */
typedef unsigned (*xs_frame_poll_fn)(struct xs_stack_sock *self);
bool xs_frame_busy_poll(struct xs_frame_sock *f, int64_t budget_ns, int64_t timeout_ns,
			xs_frame_poll_fn poll);

#endif
