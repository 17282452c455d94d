/*
 * stack.c — one stack per interface: its lifetime, lock and counters, and
 * xs_stack_input, the receive pipeline a driver feeds with bursts.
 *
 * For each frame, as the kernel orders it: Ethernet; a copy to every packet
 * socket that wants the ethertype; then, for IPv4/IPv6 frames addressed to
 * this host, the IP and UDP checks and the UDP demux. Every frame counts in
 * rx_frames; each copy queued in rx_delivered, each copy a full queue
 * refused in rx_queue_full. The IP layer counts every frame it refuses
 * (rx_malformed, rx_bad_csum, rx_unhandled, rx_no_socket), whether or not a
 * packet socket took a copy, as the kernel's IP and UDP counters do; a
 * frame the IP layer does not look at (another ethertype, or an Ethernet
 * destination that is not this host) counts in rx_unhandled only when no
 * packet socket took it (the kernel's rx_nohandler).
 *
 * The records queued during a burst are published, and the readers woken,
 * once per socket at the end of the burst.
 */
#include <linux/if_ether.h>
#include <netpacket/packet.h>
#include <stdlib.h>

#include "stack_internal.h"

struct xs_stack *xs_stack_new(const struct xs_stack_port *port)
{
	static const uint8_t zero_mac[6];
	struct xs_stack *st;
	size_t size = (sizeof(*st) + XS_CACHELINE - 1) & ~(size_t)(XS_CACHELINE - 1);

	if (!port)
		return NULL;
	st = aligned_alloc(XS_CACHELINE, size);
	if (!st)
		return NULL;
	memset(st, 0, sizeof(*st));
	st->port = *port;
	st->port.ifname[IF_NAMESIZE - 1] = '\0';
	st->mac_known = memcmp(port->mac, zero_mac, 6) != 0;
	pthread_mutex_init(&st->lock, NULL);
	return st;
}

void xs_stack_free(struct xs_stack *st)
{
	if (!st)
		return;
	xs_demux_free(st);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

const struct xs_stack_port *xs_stack_port(const struct xs_stack *st)
{
	return &st->port;
}

void xs_stack_lock(struct xs_stack *st)
{
	pthread_mutex_lock(&st->lock);
}

bool xs_stack_trylock(struct xs_stack *st)
{
	return pthread_mutex_trylock(&st->lock) == 0;
}

void xs_stack_unlock(struct xs_stack *st)
{
	pthread_mutex_unlock(&st->lock);
}

void xs_stack_counters(const struct xs_stack *st, struct xs_stack_counters *out)
{
	out->rx_frames = xs_ctr_get(&st->ctr.rx_frames);
	out->rx_delivered = xs_ctr_get(&st->ctr.rx_delivered);
	out->rx_malformed = xs_ctr_get(&st->ctr.rx_malformed);
	out->rx_bad_csum = xs_ctr_get(&st->ctr.rx_bad_csum);
	out->rx_unhandled = xs_ctr_get(&st->ctr.rx_unhandled);
	out->rx_control = xs_ctr_get(&st->ctr.rx_control);
	out->rx_no_socket = xs_ctr_get(&st->ctr.rx_no_socket);
	out->rx_queue_full = xs_ctr_get(&st->ctr.rx_queue_full);
	out->tx_frames = atomic_load_explicit(&st->tx_frames, memory_order_relaxed);
}

/* Any thread, no lock: senders do not contend with the receive path. */
void xs_stack_count_tx(struct xs_stack *st, struct xs_stack_sock *ss, size_t bytes)
{
	atomic_fetch_add_explicit(&st->tx_frames, 1, memory_order_relaxed);
	if (!ss)
		return;
	atomic_fetch_add_explicit(&ss->tx_packets, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&ss->tx_bytes, bytes, memory_order_relaxed);
}

/* ---- input ---- */

/* A zero port MAC means the driver does not know it: then every frame is
 * taken as addressed to this host. */
static uint8_t pkttype_of(const struct xs_stack *st, const uint8_t *dst)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	if (memcmp(dst, bcast, 6) == 0)
		return PACKET_BROADCAST;
	if (dst[0] & 1)
		return PACKET_MULTICAST;
	if (!st->mac_known || memcmp(dst, st->port.mac, 6) == 0)
		return PACKET_HOST;
	return PACKET_OTHERHOST;
}

static void count_refusal(struct xs_stack *st, enum xs_pkt_verdict v)
{
	if (v == XS_PKT_MALFORMED)
		xs_ctr_add(&st->ctr.rx_malformed, 1);
	else if (v == XS_PKT_BAD_CSUM)
		xs_ctr_add(&st->ctr.rx_bad_csum, 1);
	else
		xs_ctr_add(&st->ctr.rx_unhandled, 1);
}

/* A frame for the driver's own protocols (ARP/ND, ICMP, port
 * unreachable), if it has a hook; true if it took the frame. */
static bool control(struct xs_stack *st, const struct xs_pkt *p, enum xs_stack_ctl why)
{
	if (!st->ctl || !st->ctl(st->ctl_ctx, p->frame, p->len, why))
		return false;
	xs_ctr_add(&st->ctr.rx_control, 1);
	return true;
}

/* The IP and UDP layers; returns the copies queued. */
static unsigned input_ip(struct xs_stack *st, struct xs_pkt *p, uint8_t pkttype)
{
	enum xs_pkt_verdict v;
	unsigned matched, n;

	v = p->ethertype == ETH_P_IP ? xs_parse_ipv4(p) : xs_parse_ipv6(p);
	if (v == XS_PKT_UNHANDLED && (p->ip_proto == IPPROTO_ICMP || p->ip_proto == IPPROTO_ICMPV6) &&
	    control(st, p, XS_STACK_CTL_FRAME))
		return 0;
	if (v == XS_PKT_OK)
		v = xs_parse_udp(p);
	if (v != XS_PKT_OK) {
		count_refusal(st, v);
		return 0;
	}
	n = xs_demux_udp(st, p, pkttype, &matched);
	if (!matched) {
		xs_ctr_add(&st->ctr.rx_no_socket, 1);
		if (pkttype == PACKET_HOST)
			control(st, p, XS_STACK_CTL_NO_SOCKET);
	}
	return n;
}

static bool input_one(struct xs_stack *st, const struct xs_frame *f)
{
	struct xs_pkt p;
	unsigned n = 0;
	uint8_t pkttype;
	bool ip;

	if (xs_parse_eth(&p, f->data, f->len) != XS_PKT_OK) {
		xs_ctr_add(&st->ctr.rx_malformed, 1);
		return false;
	}
	pkttype = pkttype_of(st, p.dst_mac);
	if (st->packet)
		n = xs_demux_packet(st, &p, pkttype);
	ip = (p.ethertype == ETH_P_IP || p.ethertype == ETH_P_IPV6) && pkttype != PACKET_OTHERHOST;
	if (ip)
		n += input_ip(st, &p, pkttype);
	else if (!control(st, &p, XS_STACK_CTL_FRAME) && !n)
		xs_ctr_add(&st->ctr.rx_unhandled, 1);
	return n > 0;
}

static void publish_pending(struct xs_stack *st, const struct xs_stack_sock *self)
{
	struct xs_stack_sock *ss = st->pending, *next;

	st->pending = NULL;
	for (; ss; ss = next) {
		next = ss->pending_next;
		xs_sock_publish(ss, self);
	}
}

unsigned xs_stack_input(struct xs_stack *st, const struct xs_frame *frames, unsigned n,
			struct xs_stack_sock *self)
{
	unsigned i, delivered = 0;

	for (i = 0; i < n; i++)
		delivered += input_one(st, &frames[i]);
	xs_ctr_add(&st->ctr.rx_frames, n);
	publish_pending(st, self);
	return delivered;
}

void xs_stack_set_ctl(struct xs_stack *st, xs_stack_ctl_fn fn, void *ctx)
{
	xs_stack_lock(st);
	st->ctl = fn;
	st->ctl_ctx = ctx;
	xs_stack_unlock(st);
}
