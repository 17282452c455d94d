/*
 * demux.c — which sockets a frame belongs to.
 *
 * UDP: per family, a table of 65536 chains indexed by the local port
 * (allocated at the first bind of that family: 512 KiB), so the lookup on
 * the hot path is one index and a walk over the few sockets sharing the
 * port. Among those, the kernel's compute_score() decides: a socket bound
 * to another address or connected to another peer does not match; a bound
 * address and each connected field (peer address, peer port) add to the
 * score; the highest score gets a unicast datagram (connected, then exact
 * address, then wildcard), and every matching socket gets a copy of a
 * broadcast or multicast one (__udp4_lib_mcast_deliver()). IPv4 and IPv6
 * are separate tables: an AF_INET6 socket does not receive IPv4.
 *
 * Packet sockets: one list, each socket taking ETH_P_ALL or one ethertype;
 * every match gets a copy of the frame (whole for SOCK_RAW, after the
 * Ethernet header for SOCK_DGRAM), before IP sees it, as dev_queue_xmit_nit
 * and the ptype lists do in the kernel.
 *
 * Tables change only under the stack lock, which input also holds, so the
 * lookups take no lock of their own.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <netpacket/packet.h>
#include <stdlib.h>

#include "stack_internal.h"

#define NPORTS 65536

static int fam_index(int family)
{
	return family == AF_INET6;
}

/* ---- binding ---- */

static void unlink_sock(struct xs_stack_sock **head, struct xs_stack_sock *ss)
{
	for (; *head; head = &(*head)->next) {
		if (*head == ss) {
			*head = ss->next;
			ss->next = NULL;
			return;
		}
	}
}

/* Stack lock held. */
static void unbind_locked(struct xs_stack_sock *ss)
{
	struct xs_stack *st = ss->st;

	if (ss->bound == XS_BOUND_UDP)
		unlink_sock(&st->udp[fam_index(ss->family)][ss->lport], ss);
	else if (ss->bound == XS_BOUND_PACKET)
		unlink_sock(&st->packet, ss);
	ss->bound = XS_UNBOUND;
}

void xs_stack_unbind(struct xs_stack_sock *ss)
{
	xs_stack_lock(ss->st);
	unbind_locked(ss);
	xs_stack_unlock(ss->st);
}

/* The address and port of a sockaddr of the socket's family; false if it
 * is not one. */
static bool inet_addr_of(const struct xs_stack_sock *ss, const struct sockaddr *sa,
			 struct in6_addr *addr, bool *any, uint16_t *port)
{
	static const struct in6_addr zero;

	if (!sa || sa->sa_family != ss->family)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		xs_map_v4(addr, (const uint8_t *)&sin->sin_addr);
		*any = sin->sin_addr.s_addr == htonl(INADDR_ANY);
		*port = ntohs(sin->sin_port);
		return true;
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

	*addr = sin6->sin6_addr;
	*any = xs_in6_eq(addr, &zero);
	*port = ntohs(sin6->sin6_port);
	return true;
}

static bool is_udp(const struct xs_stack_sock *ss)
{
	return ss->family == AF_INET || ss->family == AF_INET6;
}

/* Stack lock held; the family's table exists. */
static void bind_locked(struct xs_stack_sock *ss, const struct in6_addr *addr, bool any,
			uint16_t port)
{
	struct xs_stack *st = ss->st;
	int fi = fam_index(ss->family);

	unbind_locked(ss);
	ss->local = *addr;
	ss->local_any = any;
	ss->lport = port;
	ss->next = st->udp[fi][port];
	st->udp[fi][port] = ss;
	ss->bound = XS_BOUND_UDP;
}

static bool table_ready(struct xs_stack *st, int fi)
{
	if (!st->udp[fi])
		st->udp[fi] = calloc(NPORTS, sizeof(*st->udp[fi]));
	return st->udp[fi] != NULL;
}

/* Rebinding moves the socket: the driver decides what the kernel allows. */
int xs_stack_bind_udp(struct xs_stack_sock *ss, const struct sockaddr *local)
{
	struct xs_stack *st = ss->st;
	struct in6_addr addr;
	uint16_t port;
	bool any;

	if (!is_udp(ss) || !inet_addr_of(ss, local, &addr, &any, &port) || !port)
		return -EINVAL;
	xs_stack_lock(st);
	if (!table_ready(st, fam_index(ss->family))) {
		xs_stack_unlock(st);
		return -ENOMEM;
	}
	bind_locked(ss, &addr, any, port);
	xs_stack_unlock(st);
	return 0;
}

/* Would binding ss to addr/port clash with a socket already there? As
 * the kernel's inet_bind_conflict: overlapping addresses (equal, or
 * either the wildcard) clash unless both sockets allow reuse. */
static bool port_taken(const struct xs_stack_sock *chain, const struct xs_stack_sock *ss,
		       const struct in6_addr *addr, bool any)
{
	for (; chain; chain = chain->next) {
		if (chain == ss || (chain->reuse && ss->reuse))
			continue;
		if (any || chain->local_any || xs_in6_eq(&chain->local, addr))
			return true;
	}
	return false;
}

/* The kernel's default ephemeral range (ip_local_port_range). */
#define EPHEMERAL_LO 32768
#define EPHEMERAL_HI 60999

int xs_stack_bind_udp_owned(struct xs_stack_sock *ss, struct sockaddr *local)
{
	struct xs_stack *st = ss->st;
	int fi = fam_index(ss->family);
	struct in6_addr addr;
	uint16_t port, span = EPHEMERAL_HI - EPHEMERAL_LO + 1;
	bool any;
	int rc = 0;

	if (!is_udp(ss) || !inet_addr_of(ss, local, &addr, &any, &port))
		return -EINVAL;
	xs_stack_lock(st);
	if (!table_ready(st, fi)) {
		rc = -ENOMEM;
	} else if (port) {
		if (port_taken(st->udp[fi][port], ss, &addr, any))
			rc = -EADDRINUSE;
	} else {
		uint16_t i;

		for (i = 0; i < span; i++) {
			port = EPHEMERAL_LO + (st->next_ephemeral[fi] + i) % span;
			if (!port_taken(st->udp[fi][port], ss, &addr, any))
				break;
		}
		st->next_ephemeral[fi] = (uint16_t)(port - EPHEMERAL_LO + 1);
		rc = i == span ? -EADDRINUSE : 0;
	}
	if (rc == 0) {
		bind_locked(ss, &addr, any, port);
		if (local->sa_family == AF_INET)
			((struct sockaddr_in *)local)->sin_port = htons(port);
		else
			((struct sockaddr_in6 *)local)->sin6_port = htons(port);
	}
	xs_stack_unlock(st);
	return rc;
}

void xs_stack_sock_set_reuse(struct xs_stack_sock *ss, bool reuse)
{
	xs_stack_lock(ss->st);
	ss->reuse = reuse;
	xs_stack_unlock(ss->st);
}

int xs_stack_connect_udp(struct xs_stack_sock *ss, const struct sockaddr *peer)
{
	struct in6_addr addr;
	uint16_t port;
	bool any, disconnect = !peer || peer->sa_family == AF_UNSPEC;

	if (!is_udp(ss) || (!disconnect && !inet_addr_of(ss, peer, &addr, &any, &port)))
		return -EINVAL;
	xs_stack_lock(ss->st);
	ss->connected = !disconnect;
	if (!disconnect) {
		ss->peer = addr;
		ss->peer_any = any;
		ss->pport = port;
	}
	xs_stack_unlock(ss->st);
	return 0;
}

/* Ethertype 0 receives nothing, as a kernel packet socket of protocol 0. */
int xs_stack_bind_packet(struct xs_stack_sock *ss, uint16_t ethertype)
{
	struct xs_stack *st = ss->st;

	if (ss->family != AF_PACKET)
		return -EINVAL;
	xs_stack_lock(st);
	unbind_locked(ss);
	ss->ethertype = ethertype;
	if (ethertype) {
		ss->next = st->packet;
		st->packet = ss;
		ss->bound = XS_BOUND_PACKET;
	}
	xs_stack_unlock(st);
	return 0;
}

void xs_demux_free(struct xs_stack *st)
{
	free(st->udp[0]);
	free(st->udp[1]);
	st->udp[0] = st->udp[1] = NULL;
}

/* ---- lookup (stack lock held) ---- */

unsigned xs_demux_packet(struct xs_stack *st, const struct xs_pkt *p, uint8_t pkttype)
{
	struct xs_stack_sock *ss;
	struct xs_rec rec = {.pkttype = pkttype};
	unsigned n = 0;

	xs_put_be16((uint8_t *)&rec.port, p->ethertype);
	memcpy(rec.addr, p->src_mac, 6);
	for (ss = st->packet; ss; ss = ss->next) {
		if (ss->ethertype != ETH_P_ALL && ss->ethertype != p->ethertype)
			continue;
		if (ss->type == SOCK_RAW) {
			rec.len = p->len;
			n += xs_sock_deliver(ss, &rec, p->frame);
		} else {
			rec.len = p->len - p->l3_off;
			n += xs_sock_deliver(ss, &rec, p->frame + p->l3_off);
		}
	}
	return n;
}

/* -1: not for this socket; otherwise the more fields match, the higher. */
static int udp_score(const struct xs_stack_sock *ss, const struct xs_pkt *p)
{
	int score = 0;

	if (!ss->local_any) {
		if (!xs_in6_eq(&ss->local, &p->dst))
			return -1;
		score += 4;
	}
	if (!ss->connected)
		return score;
	if (!ss->peer_any) {
		if (!xs_in6_eq(&ss->peer, &p->src))
			return -1;
		score += 4;
	}
	if (ss->pport) {
		if (ss->pport != p->sport)
			return -1;
		score += 4;
	}
	return score;
}

static void udp_rec(struct xs_rec *rec, const struct xs_pkt *p)
{
	memset(rec, 0, sizeof(*rec));
	rec->len = p->payload_len;
	memcpy(rec->addr, &p->src, 16);
	xs_put_be16((uint8_t *)&rec->port, p->sport);
}

static unsigned udp_unicast(struct xs_stack_sock *chain, const struct xs_pkt *p, unsigned *matched)
{
	struct xs_stack_sock *ss, *best = NULL;
	int score, best_score = -1;
	struct xs_rec rec;

	for (ss = chain; ss; ss = ss->next) {
		score = udp_score(ss, p);
		if (score > best_score) {
			best = ss;
			best_score = score;
		}
	}
	if (!best)
		return 0;
	*matched = 1;
	udp_rec(&rec, p);
	return xs_sock_deliver(best, &rec, p->payload);
}

static unsigned udp_multicast(struct xs_stack_sock *chain, const struct xs_pkt *p,
			      unsigned *matched)
{
	struct xs_stack_sock *ss;
	struct xs_rec rec;
	unsigned n = 0;

	udp_rec(&rec, p);
	for (ss = chain; ss; ss = ss->next) {
		if (udp_score(ss, p) < 0)
			continue;
		++*matched;
		n += xs_sock_deliver(ss, &rec, p->payload);
	}
	return n;
}

static bool dst_is_group(const struct xs_pkt *p, uint8_t pkttype)
{
	const uint8_t *d = p->dst.s6_addr;

	if (pkttype == PACKET_BROADCAST || pkttype == PACKET_MULTICAST)
		return true;
	if (p->family == AF_INET6)
		return d[0] == 0xff;
	return (d[12] & 0xf0) == 0xe0 || (d[12] & d[13] & d[14] & d[15]) == 0xff;
}

unsigned xs_demux_udp(struct xs_stack *st, const struct xs_pkt *p, uint8_t pkttype,
		      unsigned *matched)
{
	struct xs_stack_sock **table = st->udp[fam_index(p->family)];
	struct xs_stack_sock *chain = table ? table[p->dport] : NULL;

	*matched = 0;
	if (!chain)
		return 0;
	if (dst_is_group(p, pkttype))
		return udp_multicast(chain, p, matched);
	return udp_unicast(chain, p, matched);
}
