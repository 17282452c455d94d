/*
 * xdp_port.h — the inside of struct xdp_port, shared by the files of the
 * port (xdp_port.c opens and describes it, xdp_prog.c attaches the
 * steering program, xdp_busy.c says who holds an interface that already
 * has one, xdp_steer.c fills its maps, xdp_queue.c sets up one
 * AF_XDP socket and UMEM per RX queue, xdp_rxtx.c moves the frames,
 * xdp_log.c forwards libbpf's and libxdp's messages). xdp_ops.c sees only
 * xdp.h.
 *
 * Threads: receive work on every queue (the RX and fill rings) runs under
 * the stack's lock, taken with trylock by xdp_port_poll; transmit work on
 * a queue (the TX and completion rings, the TX free list) runs under that
 * queue's tx_lock; the steering tables under the program's steer_lock.
 */
#ifndef XS_XDP_PORT_H
#define XS_XDP_PORT_H

#include <pthread.h>

#include <xdp/xsk.h>

#include "xdp.h"
#include "xdp_log.h"

/* UMEM layout, per queue. A frame of 2048 bytes holds a 1500-byte MTU
 * frame behind the kernel's XDP_PACKET_HEADROOM (256) with room for a
 * VLAN tag, at half the memory (and TLB reach) of the 4096-byte default;
 * an interface whose MTU does not fit gets 4096-byte frames. Half the
 * frames feed the fill ring, the other half are the TX pool; every ring
 * has as many entries as the frames that can be in it, so the fill ring
 * always has room for the frames handed back and the TX ring for every
 * free TX frame. */
#define XDP_FRAME_SMALL 2048u
#define XDP_FRAME_LARGE 4096u
#define XDP_RING_SIZE	2048u
#define XDP_RX_FRAMES	XDP_RING_SIZE
#define XDP_TX_FRAMES	XDP_RING_SIZE
#define XDP_NFRAMES	(XDP_RX_FRAMES + XDP_TX_FRAMES)
#define XDP_BURST	64u

/* One served RX queue: its AF_XDP socket, UMEM and rings. */
struct xdp_queue {
	unsigned id;
	int fd;
	bool zerocopy;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	uint8_t *area;
	size_t area_len;
	uint32_t frame_size;
	/* receive side: under the stack lock */
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fill;
	/* transmit side: under tx_lock */
	pthread_mutex_t tx_lock;
	struct xsk_ring_prod tx;
	struct xsk_ring_cons comp;
	uint64_t tx_free[XDP_TX_FRAMES];
	unsigned tx_nfree;
};

/* Steered endpoints or ethertypes and how many sockets hold each: the
 * map entry exists while refs > 0. A growing array: steering is control
 * path, and a socket holds one entry. */
struct xdp_steer_ref {
	uint8_t key[20]; /* struct xs_steer_udp_key, or the ethertype (network order) */
	unsigned refs;
};

struct xdp_steer_table {
	struct xdp_steer_ref *refs;
	size_t n, cap;
};

struct xs_steer; /* the skeleton (xs_steer.skel.h) */

/* The steering program and its link. */
struct xdp_prog {
	struct xs_steer *skel;
	int link_fd;
	bool native;
	uint32_t prog_id;
	pthread_mutex_t steer_lock;
	struct xdp_steer_table udp, eth;
};

struct xdp_port {
	struct xdp_cfg cfg;
	struct xs_stack_port sport;
	struct xs_stack *stack;
	struct xdp_prog prog;
	uint32_t frame_size;
	unsigned nqueues;
	struct xdp_queue *q[XDP_MAX_QUEUES];
};

/* Format msg and return err (a negative errno): the error paths end
 * with `return xdp_fail(msg, len, -EINVAL, "...")`. */
int xdp_fail(char *msg, size_t msglen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* What to do about a permission error, for the end of a message. */
extern const char xdp_perm_hint[];

/* ---- xdp_prog.c ---- */
/* Load the program from the embedded object, without attaching it. */
int xdp_prog_load(struct xdp_prog *pg, char *msg, size_t msglen);
/* Redirect the frames of RX queue `queue` to the AF_XDP socket xsk_fd. */
int xdp_prog_set_queue(struct xdp_prog *pg, unsigned queue, int xsk_fd, char *msg, size_t msglen);
/* Attach with a bpf_link in the configured mode (auto: native, then
 * generic). */
int xdp_prog_attach(struct xdp_prog *pg, const char *ifname, int ifindex, enum xdp_mode mode,
		    char *msg, size_t msglen);
void xdp_prog_close(struct xdp_prog *pg);
/* The per-CPU counters, summed. */
void xdp_prog_counters(struct xdp_prog *pg, uint64_t *redirected, uint64_t *passed);

/* ---- xdp_busy.c ---- */
/* Fail with EBUSY and a message naming the program (and the process that
 * holds it) if ifindex already has an XDP program. */
int xdp_prog_check_free(const char *ifname, int ifindex, char *msg, size_t msglen);

/* ---- xdp_steer.c ---- */
int xdp_steer_udp(struct xdp_prog *pg, const struct sockaddr *local, bool on);
int xdp_steer_ethertype(struct xdp_prog *pg, uint16_t ethertype, bool on);
void xdp_steer_free(struct xdp_prog *pg);

/* ---- xdp_queue.c ---- */
/* Map the UMEM, bind the AF_XDP socket to (ifname, id) and prime its fill
 * ring. *out is NULL on failure. */
int xdp_queue_open(const struct xdp_cfg *cfg, unsigned id, uint32_t frame_size,
		   struct xdp_queue **out, char *msg, size_t msglen);
void xdp_queue_close(struct xdp_queue *q);
/* Add the queue's XDP_STATISTICS to the sums in info. */
void xdp_queue_stats(const struct xdp_queue *q, struct xdp_port_info *info);

#endif
