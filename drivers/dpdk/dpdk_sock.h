/*
 * dpdk_sock.h — the dpdk transport's socket, shared by its control path
 * (dpdk_ops.c), its data path (dpdk_io.c) and the poller (dpdk_poller.c).
 *
 * A socket is a lib/stack socket and nothing else: the stack owns the
 * addresses and the ports (there is no kernel under it), so bind, port 0,
 * EADDRINUSE and the options the fast path honours are the transport's
 * own, following the kernel's rules. The descriptor the core sees (s->fd,
 * fileno) is a duplicate of the stack socket's eventfd: readable while
 * the socket has data queued.
 *
 * Receive is run-to-completion (a recv or wait that finds nothing polls
 * the port itself); a poller thread takes over while no one polls, so
 * ARP, ping and sleeping waiters are served when the program is idle.
 */
#ifndef XS_DPDK_SOCK_H
#define XS_DPDK_SOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "dpdk.h"
#include "frame_sock.h"
#include "transport.h"

struct dpdk_sock {
	struct xs_frame_sock f;         /* first: what the frame transports share */
	bool bound;                     /* UDP: local is in the stack's table */
	bool connected;
	struct sockaddr_storage local;  /* UDP: the bound address and port */
	struct sockaddr_storage peer;
	/* options the transport keeps itself */
	int reuse, broadcast, ttl, tos, v6only, sndbuf;
};

/* The process's port, opened by init; its configuration. */
extern struct dpdk_port *dpdk_port;
extern struct dpdk_cfg dpdk_cfg;
/* dpdk.busy_poll_us in ns: a waiting receiver polls this long itself. */
extern int64_t dpdk_busy_poll_ns;

static inline struct dpdk_sock *dpdk_of(const struct xs_sock *s)
{
	return s->priv;
}

/* UDP: bind to the wildcard address, port 0, if not bound (sending from
 * an unbound socket). */
int dpdk_udp_autobind(struct xs_sock *s, struct dpdk_sock *d);

ssize_t dpdk_sendmsg(struct xs_sock *s, const struct msghdr *m, int flags);
ssize_t dpdk_recvmsg(struct xs_sock *s, struct msghdr *m, int flags);
int dpdk_wait(struct xs_sock *s, short events, int64_t timeout_ns);
int dpdk_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
int dpdk_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);

/* ---- the poller (dpdk_poller.c) ---- */
/* Start the thread that polls the port while no one else does. */
int dpdk_poller_start(void);
/* A thread is about to sleep waiting for data / has woken: the poller
 * polls often while anyone sleeps, rarely otherwise. */
void dpdk_poller_sleeper(int delta);
/* Stop the poller, close the port and clean the EAL up (at exit). */
void dpdk_poller_shutdown(void);

#endif
