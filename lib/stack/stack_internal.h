/*
 * stack_internal.h — what the files of lib/stack share and drivers do not
 * see: byte-order helpers for the parsers, the stack and socket structures,
 * the socket queue (queue.c) and the hooks between input (stack.c), demux
 * (demux.c) and sockets (sock.c).
 *
 * Who touches what: fields marked "stack lock" are read and written only
 * with the stack's lock held (input, bind, unbind); "reader lock" ones only
 * by the socket's reader; atomics are shared between the two sides.
 */
#ifndef XS_STACK_INTERNAL_H
#define XS_STACK_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>

#include "stack.h"

#define XS_ETH_HLEN  14
#define XS_VLAN_HLEN 4
#define XS_IPV4_HLEN 20
#define XS_IPV6_HLEN 40
#define XS_UDP_HLEN  8
#define XS_CACHELINE 64

/* ---- reading and writing header fields (unaligned, network order) ---- */

static inline uint16_t xs_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void xs_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* IPv4 addresses live in struct xs_pkt as ::ffff:a.b.c.d. */
static inline void xs_map_v4(struct in6_addr *a, const uint8_t *v4)
{
	static const uint8_t prefix[12] = {[10] = 0xff, [11] = 0xff};

	memcpy(a->s6_addr, prefix, sizeof(prefix));
	memcpy(a->s6_addr + 12, v4, 4);
}

static inline bool xs_in6_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Sum of the pseudo header of RFC 768 / RFC 8200 8.1 (not folded). */
uint32_t xs_csum_pseudo(int family, const struct in6_addr *src, const struct in6_addr *dst,
			uint32_t len, uint8_t proto);

/* ---- counters: one writer each, read by anyone without a lock ---- */

/* Counters written only under the stack lock need no atomic add, only
 * tear-free loads and stores, so a reader on another thread sees a value
 * that was true at some point. */
static inline void xs_ctr_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline uint64_t xs_ctr_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* ---- the socket queue (queue.c) ----
 * A byte ring of variable-length records, single producer (input, under the
 * stack lock) and single consumer (the reader, under the reader lock). The
 * two sides share only the positions head and tail (bytes ever consumed /
 * produced, so tail - head is the bytes queued); each side keeps its own
 * offset into the ring and a cached copy of the other side's position. */

/* In front of every record; records start and end 8-byte aligned and may
 * wrap around the end of the ring. */
struct xs_rec {
	uint32_t size;	  /* bytes of the record, header and padding included */
	uint32_t len;	  /* payload bytes */
	uint8_t addr[16]; /* UDP: source address (IPv4 mapped); packet: source MAC */
	uint16_t port;	  /* UDP: source port; packet: ethertype (network order both) */
	uint8_t pkttype;  /* packet sockets: PACKET_HOST ... */
	uint8_t pad[5];
};

#define XS_REC_ALIGN 8
/* Room beyond the limit so that a queue under its limit always takes the
 * largest datagram (the kernel's rule: accept while below rcvbuf). */
#define XS_QUEUE_SLACK (sizeof(struct xs_rec) + 65536)

struct xs_queue {
	/* producer (stack lock) */
	alignas(XS_CACHELINE) uint64_t prod_tail; /* ahead of tail until published */
	size_t prod_off;
	uint64_t head_cache;
	/* shared */
	alignas(XS_CACHELINE) _Atomic uint64_t tail;
	alignas(XS_CACHELINE) _Atomic uint64_t head;
	/* consumer (reader lock) */
	alignas(XS_CACHELINE) size_t cons_off;
	uint64_t tail_cache;
	/* changed only with both locks held */
	alignas(XS_CACHELINE) uint8_t *ring;
	size_t size;  /* bytes of ring, a multiple of 8 */
	size_t limit; /* rcvbuf */
	bool strict;  /* packet sockets: full at limit; UDP: over limit */
};

int xs_queue_init(struct xs_queue *q, size_t limit, bool strict);
void xs_queue_destroy(struct xs_queue *q);
/* Both locks held. -ENOMEM leaves the queue as it was. */
int xs_queue_resize(struct xs_queue *q, size_t limit);
/* Producer: append a record (rec->len and the address fields set) with its
 * payload; false if the queue is full. Invisible until published. */
bool xs_queue_push(struct xs_queue *q, struct xs_rec *rec, const uint8_t *payload);
void xs_queue_publish(struct xs_queue *q);
/* Consumer: the record at the head, false if empty. */
bool xs_queue_front(struct xs_queue *q, struct xs_rec *rec);
/* Consumer: copy the front record's payload into iov; returns bytes copied. */
size_t xs_queue_copy(const struct xs_queue *q, const struct xs_rec *rec, const struct iovec *iov,
		     int iovcnt);
void xs_queue_pop(struct xs_queue *q, const struct xs_rec *rec);
/* Anyone: is a published record waiting? */
bool xs_queue_readable(const struct xs_queue *q);

/* ---- sockets (sock.c) ---- */

enum xs_bound { XS_UNBOUND, XS_BOUND_UDP, XS_BOUND_PACKET };
enum xs_ready { XS_READY_IDLE, XS_READY_WRITING, XS_READY_SIGNALLED };

struct xs_stack_sock {
	struct xs_stack *st;
	int family, type;
	int efd;
	/* binding (stack lock) */
	enum xs_bound bound;
	struct xs_stack_sock *next;  /* in the port's chain or the packet list */
	struct in6_addr local, peer; /* IPv4 mapped */
	bool local_any, connected, peer_any;
	bool reuse;            /* SO_REUSEADDR/SO_REUSEPORT, for owned ports */
	uint16_t lport, pport; /* host order; pport 0: any */
	uint16_t ethertype;    /* packet sockets, host order */
	/* input (stack lock) */
	struct xs_stack_sock *pending_next;
	bool pending; /* pushed to during this xs_stack_input call */
	/* readiness, see sock.c */
	alignas(XS_CACHELINE) _Atomic uint8_t ready; /* enum xs_ready */
	pthread_mutex_t reader;
	_Atomic size_t rcvbuf; /* q.limit, for readers without a lock */
	struct xs_queue q;
	/* counters */
	alignas(XS_CACHELINE) _Atomic uint64_t rx_packets, rx_bytes, rx_dropped;
	alignas(XS_CACHELINE) _Atomic uint64_t tx_packets, tx_bytes;
};

/* Queue one record on ss (stack lock held); counts the outcome on the
 * socket and the stack. Returns true if it was queued. */
bool xs_sock_deliver(struct xs_stack_sock *ss, struct xs_rec *rec, const uint8_t *payload);
/* Make what input queued visible and signal the readers (end of a burst). */
void xs_sock_publish(struct xs_stack_sock *ss, const struct xs_stack_sock *self);

/* ---- the stack (stack.c) and its demux tables (demux.c) ---- */

struct xs_stack_ctrs {
	_Atomic uint64_t rx_frames, rx_delivered, rx_malformed, rx_bad_csum, rx_unhandled,
		rx_no_socket, rx_queue_full, rx_control;
};

struct xs_stack {
	pthread_mutex_t lock;
	struct xs_stack_port port;
	bool mac_known; /* port.mac is not all zero */
	/* stack lock */
	struct xs_stack_sock **udp[2]; /* per family (AF_INET, AF_INET6): 65536 chains */
	struct xs_stack_sock *packet;  /* packet sockets with an ethertype */
	struct xs_stack_sock *pending; /* sockets to publish at the end of input */
	uint16_t next_ephemeral[2];    /* owned ports: where the next search starts */
	xs_stack_ctl_fn ctl;           /* the driver's own protocols, or NULL */
	void *ctl_ctx;
	struct xs_stack_ctrs ctr;
	alignas(XS_CACHELINE) _Atomic uint64_t tx_frames; /* any thread */
};

/* demux.c, stack lock held. Both return how many copies were queued; the
 * UDP one sets *matched to how many sockets wanted the datagram. */
unsigned xs_demux_packet(struct xs_stack *st, const struct xs_pkt *p, uint8_t pkttype);
unsigned xs_demux_udp(struct xs_stack *st, const struct xs_pkt *p, uint8_t pkttype,
		      unsigned *matched);
void xs_demux_free(struct xs_stack *st);

#endif
