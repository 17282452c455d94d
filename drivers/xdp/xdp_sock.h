/*
 * xdp_sock.h — the xdp transport's socket, shared by its control path
 * (xdp_ops.c) and its data path (xdp_io.c).
 *
 * A UDP socket is two sockets in one: a kernel UDP socket (kfd) bound to
 * the same address and port, and a lib/stack socket fed by the AF_XDP
 * rings. The kernel socket reserves the port (so the kernel's own port
 * allocation, EADDRINUSE and SO_REUSEADDR rules hold), answers the
 * options and names, and carries what the fast path cannot: local and
 * loopback destinations, destinations the kernel has not resolved yet
 * (the kernel resolves them), datagrams larger than the MTU, and what
 * the steering program passed up (fragments, IP options, IPv4 to an
 * IPv6 dual-stack socket). A packet socket has only the stack socket.
 *
 * The descriptor the core sees (s->fd, fileno) is an epoll instance
 * holding the stack socket's eventfd, the AF_XDP sockets and kfd: it
 * polls readable when the socket has data queued or frames wait in the
 * rings (then recv drains them: run-to-completion, no helper thread).
 */
#ifndef XS_XDP_SOCK_H
#define XS_XDP_SOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "frame_sock.h"
#include "transport.h"
#include "xdp.h"

struct xdp_sock {
	struct xs_frame_sock f;	       /* first: what the frame transports share */
	int kfd;		       /* the kernel socket (UDP), or -1 */
	bool steered;		       /* local is in the steering map and the stack */
	struct sockaddr_storage local; /* what the kernel bound kfd to */
	struct sockaddr_storage peer;  /* the connected peer */
	bool connected;
	bool corked;		     /* a MSG_MORE datagram is pending in kfd */
	uint8_t ttl, tos;	     /* IP_TTL/IPV6_UNICAST_HOPS, IP_TOS/IPV6_TCLASS */
	unsigned turn;		     /* receive calls, to give kfd its turn */
	bool kfd_ready;		     /* the last wait saw kfd readable */
	atomic_ullong tx_via_kernel; /* datagrams sent through kfd */
	atomic_ullong tx_kernel_bytes;
	int member_fd; /* packet sockets: a kernel packet socket that holds
			* PACKET_ADD_MEMBERSHIPs (promiscuous mode, multicast);
			* it receives nothing */
};

/* The process's interface, opened by init. */
extern struct xdp_port *xdp_port;
extern struct xdp_cfg xdp_cfg;

static inline struct xdp_sock *xdp_of(const struct xs_sock *s)
{
	return s->priv;
}

/* Bind kfd to the wildcard address, port 0, if it is not bound yet, and
 * steer what the kernel chose (sending from an unbound socket). */
int xdp_udp_autobind(struct xdp_sock *x, int family);

ssize_t xdp_sendmsg(struct xs_sock *s, const struct msghdr *m, int flags);
ssize_t xdp_recvmsg(struct xs_sock *s, struct msghdr *m, int flags);
int xdp_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
int xdp_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
int xdp_wait(struct xs_sock *s, short events, int64_t timeout_ns);

#endif
