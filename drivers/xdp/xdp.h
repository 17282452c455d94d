/*
 * xdp.h — what the files of the xdp transport share. The transport is
 * split by concern: xdp_config.c reads the xdp.* keys, xdp_port.c owns
 * the interface (the steering program and its bpf_link, one AF_XDP socket
 * and UMEM per RX queue, the rings; its parts are listed in xdp_port.h,
 * which the ops side does not include), xdp_route.c asks the kernel for
 * routes and neighbours, xdp_ops.c is the ops table that the core calls
 * and glues a kernel socket (which reserves the port and carries what the
 * fast path cannot) to a lib/stack socket (which carries the fast path).
 */
#ifndef XS_XDP_H
#define XS_XDP_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "stack.h"

/* ---- configuration (xdp_config.c) ---- */
/* (<xdp/libxdp.h> spells XDP_MODE_NATIVE too: a file that includes this
 * header must not include that one.) */
enum xdp_mode { XDP_MODE_AUTO, XDP_MODE_NATIVE, XDP_MODE_GENERIC };
enum xdp_zc { XDP_ZC_AUTO, XDP_ZC_ON, XDP_ZC_OFF };

#define XDP_MAX_QUEUES 64

struct xdp_cfg {
	char iface[IF_NAMESIZE];
	uint64_t queues; /* bit q set: serve RX queue q; 0 = every active queue */
	enum xdp_mode mode;
	enum xdp_zc zerocopy;
	unsigned busy_poll_us; /* 0 = off */
};

/* Read and validate the xdp.* keys. 0, or -EINVAL with msg set to a
 * sentence naming the key, the bad value and what it accepts. */
int xdp_config_load(struct xdp_cfg *cfg, char *msg, size_t msglen);

/* ---- the interface (xdp_port.c) ---- */
struct xdp_port;

/* What the port got, for xsocket info and the log. */
struct xdp_port_info {
	char iface[IF_NAMESIZE];
	int ifindex;
	bool native;   /* native (driver) XDP, else generic (skb) */
	bool zerocopy; /* every queue bound zero-copy, else copy */
	unsigned nqueues;
	unsigned queue_ids[XDP_MAX_QUEUES];
	unsigned busy_poll_us;
	uint32_t prog_id;
	/* AF_XDP's own drop counters, summed over the queues
	 * (XDP_STATISTICS): rx_dropped, rx_ring_full, rx_fill_ring_empty. */
	uint64_t xsk_rx_dropped, xsk_rx_ring_full, xsk_fill_empty;
	uint64_t xsk_tx_invalid;	       /* TX descriptors the kernel refused (too long) */
	uint64_t prog_redirected, prog_passed; /* the steering program's counters */
	uint32_t frame_size;		       /* UMEM frame: 2048, or 4096 for a large MTU */
	uint32_t ring_size;		       /* entries of each ring */
};

/* Attach the steering program to cfg->iface (bpf_link: detached when the
 * process exits, however it exits) and open one AF_XDP socket per served
 * queue. 0, or -errno with msg saying what failed and what to do:
 * -ENODEV (no such interface), -EBUSY (the interface has an XDP program,
 * or a queue stays bound to another AF_XDP socket for 2 s), -EPERM
 * (privileges), -EOPNOTSUPP (no native XDP or zero-copy where the
 * configuration demands it; not Ethernet), -EAFNOSUPPORT (no AF_XDP),
 * -EINVAL (a queue the device lacks), -EACCES or -EINVAL with the
 * verifier's reason (program refused), -ERANGE (native XDP refused for
 * the MTU). Messages stay under 250 bytes (but for a quoted bad value).
 * One port per interface and process; open and close are not
 * thread-safe. A forked child must not use the port (the UMEM is
 * MADV_DONTFORK); every descriptor is close-on-exec. */
int xdp_port_open(const struct xdp_cfg *cfg, struct xdp_port **out, char *msg, size_t msglen);
void xdp_port_close(struct xdp_port *p);
struct xs_stack *xdp_port_stack(struct xdp_port *p);
void xdp_port_info(struct xdp_port *p, struct xdp_port_info *out);
/* The AF_XDP socket descriptors (pollable: POLLIN while its RX ring
 * holds frames, POLLOUT while its TX ring has room), for a socket's epoll
 * set. Level-triggered: POLLIN stays set until xdp_port_poll drains. */
unsigned xdp_port_nfds(const struct xdp_port *p);
int xdp_port_fd(const struct xdp_port *p, unsigned i);

/* Receive: if no other thread is doing it, drain up to a burst from every
 * served queue into the stack (xs_stack_input with self) and refill the
 * fill rings. Returns frames handed to the stack (0 also when another
 * thread held the stack lock). Never blocks. Takes the stack lock
 * (trylock): the caller must not hold it. With busy polling, or when the
 * fill ring asks for it, a receive with nothing ready makes one
 * recvfrom(MSG_DONTWAIT) system call. */
unsigned xdp_port_poll(struct xdp_port *p, struct xs_stack_sock *self);

/* Transmit one frame on queue (hint % nqueues): build writes at most cap
 * bytes into buf and returns the frame length or -errno. Returns the
 * frame length, -EAGAIN when the TX ring or its frames are all in use
 * (after reclaiming completions and kicking the kernel once), or build's
 * error. cap is min(frame size, MTU + 14): build writes the Ethernet
 * header at buf and gets -EMSGSIZE room checks right. build runs under
 * the queue's TX lock (a mutex): it must not call xdp_port_send. Thread-
 * safe; does not take the stack lock. In copy mode the kick (sendto) is
 * the transmission, so every call makes one system call. */
typedef ssize_t (*xdp_build_fn)(uint8_t *buf, size_t cap, const void *arg);
ssize_t xdp_port_send(struct xdp_port *p, unsigned hint, xdp_build_fn build, const void *arg);
/* Transmit up to n frames on queue (hint % nqueues) at once, frame i
 * built by build(buf, cap, args[i]) as for xdp_port_send: one lock, one
 * ring submit and one kick for the lot (in copy mode, as many kicks as
 * the kernel's per-call budget of 32 frames needs). Returns how many
 * frames were posted, in order (>= 1; fewer than n when the ring or the
 * free frames ran out, or frame k's build failed: frames before k go),
 * -EAGAIN when there was room for none (after reclaiming and one kick),
 * or the first frame's build error. Thread-safe, as xdp_port_send. */
int xdp_port_send_batch(struct xdp_port *p, unsigned hint, xdp_build_fn build,
			const void *const *args, unsigned n);
/* The descriptor to poll for POLLOUT after -EAGAIN from xdp_port_send
 * with the same hint (the AF_XDP socket of that queue; in copy mode the
 * poll itself also transmits what is pending). */
int xdp_port_tx_fd(const struct xdp_port *p, unsigned hint);

/* Steering, reference-counted: frames to this local UDP address and port
 * (wildcard address: any) / of this ethertype (host order, as the stack
 * takes it; ETH_P_ALL: every frame) go to the AF_XDP sockets while at
 * least one reference holds. local: sockaddr_in or sockaddr_in6 with a
 * port; a v4-mapped IPv6 address steers the IPv4 endpoint, and the IPv6
 * wildcard steers IPv6 only (steer 0.0.0.0 as well for a dual-stack
 * socket). Every on needs its off. 0, -EINVAL (port 0), -EAFNOSUPPORT,
 * -ENOENT (off without on), -ENOBUFS (map full: 4096 endpoints, 64
 * ethertypes), -ENOMEM. Note that a steered ethertype (ETH_P_ALL above
 * all) takes those frames away from the kernel. Thread-safe. */
int xdp_port_steer_udp(struct xdp_port *p, const struct sockaddr *local, bool on);
int xdp_port_steer_ethertype(struct xdp_port *p, uint16_t ethertype, bool on);

/* ---- routes and neighbours (xdp_route.c) ---- */
struct xdp_nexthop {
	int oif;       /* output interface index */
	bool local;    /* the destination is this host (loopback, own address) */
	bool resolved; /* mac is valid (neighbour REACHABLE/STALE/DELAY/PROBE/PERMANENT/
			* NOARP); never for broadcast, multicast or local routes */
	bool stale;    /* the kernel has not confirmed mac lately (NUD_STALE) */
	uint8_t mac[6];
	struct in6_addr src; /* preferred source (IPv4 as ::ffff:a.b.c.d) */
};
/* Ask the kernel (rtnetlink RTM_GETROUTE, then RTM_GETNEIGH for the
 * gateway or the destination) how to reach dst (family AF_INET: dst is
 * ::ffff:a.b.c.d). 0 or -errno (-ENETUNREACH, -EHOSTUNREACH, -EACCES for
 * a prohibit route, -EAFNOSUPPORT, -ETIMEDOUT if the kernel did not
 * answer within 500 ms). A neighbour that is missing or incomplete is
 * 0 with resolved false: send through the kernel, which resolves it.
 * Thread-safe; one netlink socket per thread, closed at thread exit. */
int xdp_route_lookup(int family, const struct in6_addr *dst, struct xdp_nexthop *out);

#endif
