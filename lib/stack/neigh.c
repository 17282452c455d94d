/*
 * neigh.c — the addresses an interface owns, the choice of next hop, and
 * the neighbour cache: ARP (RFC 826) and IPv6 neighbour discovery
 * (RFC 4861) as the kernel's neighbour layer does them, for a driver that
 * owns its addresses. The wire formats are in neigh_wire.c.
 *
 * An entry moves INCOMPLETE -> REACHABLE (solicited answer) -> STALE
 * (reachable_ns later) -> DELAY (used while STALE) -> PROBE (no
 * confirmation after delay_ns: unicast requests) -> gone (no answer). An
 * INCOMPLETE entry sends mcast_probes requests retrans_ns apart and holds
 * up to queue_len frames, sent when the answer comes and dropped (and
 * counted) when it does not. Unused STALE entries go after gc_stale_ns.
 * A PERMANENT entry (xs_neigh_add_permanent, from the configuration)
 * stands outside all this: no timer, no request, no eviction, and what
 * ARP and ND say never changes it, as with the kernel's NUD_PERMANENT.
 *
 * Memory is fixed at creation: the entries, a hash of them, and a pool of
 * frame slots shared by all held frames. Nothing is allocated per frame.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "neigh.h"

#define NO_ENTRY   (-1)
#define NS_PER_SEC 1000000000LL

struct neigh_entry {
	struct in6_addr ip; /* IPv4 as ::ffff:a.b.c.d: the key */
	uint8_t state;	    /* enum xs_neigh_state; NONE: free */
	uint8_t probes;	    /* requests sent in this INCOMPLETE or PROBE phase */
	uint8_t qhead, qlen;
	uint8_t mac[6];
	int64_t confirmed_ns; /* REACHABLE since */
	int64_t used_ns;
	int64_t timer_ns; /* next request, or the end of DELAY; 0: none */
	int32_t next;	  /* the hash chain, or the free list */
	int16_t q[XS_NEIGH_QUEUE_MAX];
};

struct xs_neigh {
	pthread_mutex_t lock;
	struct xs_ifaddrs addrs;
	struct xs_neigh_params prm;
	struct xs_xmit xmit;
	struct neigh_entry *e;
	int32_t *bucket;
	uint32_t nbuckets; /* a power of two */
	int32_t free_head;
	uint8_t *slot_data; /* queue_slots frames of frame_cap bytes */
	uint32_t *slot_len;
	int16_t *slot_free;
	unsigned nslot_free;
	int64_t next_timer;
	struct xs_neigh_counters cnt;
};

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static bool is_v4(const struct in6_addr *a)
{
	return IN6_IS_ADDR_V4MAPPED(a);
}

static bool addr_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, 6) == 0;
}

/* ---- addresses ---- */

void xs_ifaddrs_set_mac(struct xs_ifaddrs *a, const uint8_t mac[6])
{
	memcpy(a->mac, mac, 6);
	memset(&a->v6_ll, 0, sizeof(a->v6_ll));
	a->v6_ll.s6_addr[0] = 0xfe;
	a->v6_ll.s6_addr[1] = 0x80;
	a->v6_ll.s6_addr[8] = mac[0] ^ 0x02; /* the universal/local bit, inverted */
	a->v6_ll.s6_addr[9] = mac[1];
	a->v6_ll.s6_addr[10] = mac[2];
	a->v6_ll.s6_addr[11] = 0xff;
	a->v6_ll.s6_addr[12] = 0xfe;
	memcpy(a->v6_ll.s6_addr + 13, mac + 3, 3);
}

bool xs_ifaddrs_owns(const struct xs_ifaddrs *a, int family, const struct in6_addr *ip)
{
	if (family == AF_INET)
		return a->v4.set && addr_eq(ip, &a->v4.addr);
	return (a->v6.set && addr_eq(ip, &a->v6.addr)) || addr_eq(ip, &a->v6_ll);
}

/* Do the first bits of a and b, from byte off on, agree? */
static bool prefix_match(const struct in6_addr *a, const struct in6_addr *b, unsigned off,
			 unsigned bits)
{
	unsigned bytes = bits / 8, rest = bits % 8;
	uint8_t mask = (uint8_t)(0xff00 >> rest);

	if (memcmp(a->s6_addr + off, b->s6_addr + off, bytes))
		return false;
	return rest == 0 || ((a->s6_addr[off + bytes] ^ b->s6_addr[off + bytes]) & mask) == 0;
}

bool xs_ifaddrs_onlink(const struct xs_ifaddrs *a, int family, const struct in6_addr *ip)
{
	if (family == AF_INET)
		return a->v4.set && prefix_match(ip, &a->v4.addr, 12, a->v4.plen);
	if (IN6_IS_ADDR_LINKLOCAL(ip))
		return true;
	return a->v6.set && prefix_match(ip, &a->v6.addr, 0, a->v6.plen);
}

static bool v4_broadcast(const struct xs_ifaddrs *a, const struct in6_addr *ip)
{
	const uint8_t *b = ip->s6_addr + 12;
	uint32_t host, v;

	if (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255)
		return true;
	if (!a->v4.set || a->v4.plen >= 31 || !prefix_match(ip, &a->v4.addr, 12, a->v4.plen))
		return false;
	host = ~0u >> a->v4.plen;
	v = (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	return (v & host) == host;
}

int xs_ifaddrs_route(const struct xs_ifaddrs *a, int family, const struct in6_addr *dst,
		     struct in6_addr *nexthop, struct in6_addr *src)
{
	const struct xs_ifaddr *ia = family == AF_INET ? &a->v4 : &a->v6;
	bool has_gw = family == AF_INET ? a->has_gw4 : a->has_gw6;

	*nexthop = *dst;
	/* Link-local and link-scope multicast need no global address. */
	if (family == AF_INET6 && (IN6_IS_ADDR_LINKLOCAL(dst) || IN6_IS_ADDR_MC_LINKLOCAL(dst))) {
		*src = a->v6_ll;
		return 0;
	}
	if (!ia->set)
		return -ENETUNREACH;
	*src = ia->addr;
	if (family == AF_INET6 ? IN6_IS_ADDR_MULTICAST(dst)
			       : (dst->s6_addr[12] & 0xf0) == 0xe0 || v4_broadcast(a, dst))
		return 0;
	if (xs_ifaddrs_onlink(a, family, dst))
		return 0;
	if (!has_gw)
		return -ENETUNREACH;
	*nexthop = family == AF_INET ? a->gw4 : a->gw6;
	return 0;
}

/* Multicast and broadcast next hops need no resolution. */
static bool static_mac(const struct xs_ifaddrs *a, const struct in6_addr *ip, uint8_t mac[6])
{
	const uint8_t *b = ip->s6_addr + 12;

	if (!is_v4(ip)) {
		if (!IN6_IS_ADDR_MULTICAST(ip))
			return false;
		xs_ipv6_mcast_mac(ip, mac);
		return true;
	}
	if (v4_broadcast(a, ip)) {
		memcpy(mac, bcast_mac, 6);
		return true;
	}
	if ((b[0] & 0xf0) != 0xe0)
		return false;
	mac[0] = 0x01;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = b[1] & 0x7f;
	mac[4] = b[2];
	mac[5] = b[3];
	return true;
}

/* ---- sending requests and replies ---- */

static ssize_t build_arp(uint8_t *buf, size_t cap, const void *arg)
{
	return xs_arp_build(buf, cap, arg);
}

static ssize_t build_nd(uint8_t *buf, size_t cap, const void *arg)
{
	return xs_nd_build(buf, cap, arg);
}

static void xmit(struct xs_neigh *nt, xs_build_fn build, const void *arg, uint64_t *counter)
{
	if (nt->xmit.send(nt->xmit.ctx, build, arg) < 0)
		nt->cnt.tx_errors++;
	else
		(*counter)++;
}

/* A request for e's address: broadcast/multicast while INCOMPLETE,
 * unicast to the cached MAC in PROBE. */
static void send_request(struct xs_neigh *nt, const struct neigh_entry *e, bool unicast)
{
	const struct xs_ifaddrs *a = &nt->addrs;

	if (is_v4(&e->ip)) {
		struct xs_arp arp = {.op = XS_ARP_REQUEST, .spa = a->v4.addr, .tpa = e->ip};

		memcpy(arp.eth_dst, unicast ? e->mac : bcast_mac, 6);
		memcpy(arp.eth_src, a->mac, 6);
		memcpy(arp.sha, a->mac, 6);
		if (unicast)
			memcpy(arp.tha, e->mac, 6);
		xmit(nt, build_arp, &arp, &nt->cnt.tx_requests);
		return;
	}
	struct xs_nd ns = {.type = XS_ND_NS, .target = e->ip, .has_lladdr = true};

	ns.src = IN6_IS_ADDR_LINKLOCAL(&e->ip) || !a->v6.set ? a->v6_ll : a->v6.addr;
	if (unicast) {
		ns.dst = e->ip;
		memcpy(ns.eth_dst, e->mac, 6);
	} else {
		xs_nd_solicited_node(&e->ip, &ns.dst);
		xs_ipv6_mcast_mac(&ns.dst, ns.eth_dst);
	}
	memcpy(ns.eth_src, a->mac, 6);
	memcpy(ns.lladdr, a->mac, 6);
	xmit(nt, build_nd, &ns, &nt->cnt.tx_requests);
}

/* ---- held frames ---- */

struct held {
	const uint8_t *data;
	uint32_t len;
	const uint8_t *mac;
};

static ssize_t build_held(uint8_t *buf, size_t cap, const void *arg)
{
	const struct held *h = arg;

	if (cap < h->len)
		return -EMSGSIZE;
	memcpy(buf, h->data, h->len);
	memcpy(buf, h->mac, 6);
	return h->len;
}

static void slot_put(struct xs_neigh *nt, int16_t slot)
{
	nt->slot_free[nt->nslot_free++] = slot;
}

/* Take the oldest held frame off e; its slot number, or -1. */
static int16_t queue_pop(struct neigh_entry *e)
{
	int16_t slot;

	if (!e->qlen)
		return -1;
	slot = e->q[e->qhead];
	e->qhead = (e->qhead + 1) % XS_NEIGH_QUEUE_MAX;
	e->qlen--;
	return slot;
}

static void queue_push(struct neigh_entry *e, int16_t slot)
{
	e->q[(e->qhead + e->qlen) % XS_NEIGH_QUEUE_MAX] = slot;
	e->qlen++;
}

static void queue_drop(struct xs_neigh *nt, struct neigh_entry *e, uint64_t *counter)
{
	int16_t slot;

	while ((slot = queue_pop(e)) >= 0) {
		slot_put(nt, slot);
		(*counter)++;
	}
}

/* The neighbour answered: send what waited for it, oldest first. */
static void queue_flush(struct xs_neigh *nt, struct neigh_entry *e)
{
	int16_t slot;

	while ((slot = queue_pop(e)) >= 0) {
		struct held h = {
			.data = nt->slot_data + (size_t)slot * nt->prm.frame_cap,
			.len = nt->slot_len[slot],
			.mac = e->mac,
		};

		xmit(nt, build_held, &h, &nt->cnt.held_sent);
		slot_put(nt, slot);
	}
}

/* ---- entries ---- */

static uint32_t hash(const struct xs_neigh *nt, const struct in6_addr *ip)
{
	uint32_t w[4], h = 2166136261u;

	memcpy(w, ip->s6_addr, sizeof(w));
	for (int i = 0; i < 4; i++)
		h = (h ^ w[i]) * 16777619u;
	return (h ^ h >> 16) & (nt->nbuckets - 1);
}

static struct neigh_entry *entry_find(struct xs_neigh *nt, const struct in6_addr *ip)
{
	for (int32_t i = nt->bucket[hash(nt, ip)]; i != NO_ENTRY; i = nt->e[i].next)
		if (addr_eq(&nt->e[i].ip, ip))
			return &nt->e[i];
	return NULL;
}

static void entry_free(struct xs_neigh *nt, struct neigh_entry *e)
{
	int32_t idx = (int32_t)(e - nt->e), *link = &nt->bucket[hash(nt, &e->ip)];

	while (*link != idx)
		link = &nt->e[*link].next;
	*link = e->next;
	queue_drop(nt, e, &nt->cnt.held_dropped);
	memset(e, 0, sizeof(*e));
	e->next = nt->free_head;
	nt->free_head = idx;
}

/* The least recently used STALE entry: the only kind a new one may evict
 * (the others are being resolved or were just confirmed). */
static struct neigh_entry *entry_victim(struct xs_neigh *nt)
{
	struct neigh_entry *best = NULL;

	for (unsigned i = 0; i < nt->prm.entries; i++) {
		struct neigh_entry *e = &nt->e[i];

		if (e->state == XS_NEIGH_STALE && (!best || e->used_ns < best->used_ns))
			best = e;
	}
	return best;
}

static struct neigh_entry *entry_new(struct xs_neigh *nt, const struct in6_addr *ip, int64_t now)
{
	struct neigh_entry *e;
	uint32_t b;

	if (nt->free_head == NO_ENTRY) {
		e = entry_victim(nt);
		if (!e) {
			nt->cnt.table_full++;
			return NULL;
		}
		entry_free(nt, e);
	}
	e = &nt->e[nt->free_head];
	nt->free_head = e->next;
	e->ip = *ip;
	e->used_ns = now;
	b = hash(nt, ip);
	e->next = nt->bucket[b];
	nt->bucket[b] = (int32_t)(e - nt->e);
	return e;
}

static void timer_arm(struct xs_neigh *nt, struct neigh_entry *e, int64_t at)
{
	e->timer_ns = at;
	if (at < nt->next_timer)
		nt->next_timer = at;
}

static void set_reachable(struct xs_neigh *nt, struct neigh_entry *e, int64_t now)
{
	e->state = XS_NEIGH_REACHABLE;
	e->confirmed_ns = now;
	e->probes = 0;
	e->timer_ns = 0;
	if (now + nt->prm.reachable_ns < nt->next_timer)
		nt->next_timer = now + nt->prm.reachable_ns;
}

static void set_stale(struct xs_neigh *nt, struct neigh_entry *e)
{
	e->state = XS_NEIGH_STALE;
	e->probes = 0;
	e->timer_ns = 0;
	/* Armed so that an unused entry is collected. */
	if (e->used_ns + nt->prm.gc_stale_ns < nt->next_timer)
		nt->next_timer = e->used_ns + nt->prm.gc_stale_ns;
}

/* A REACHABLE entry whose time is up is STALE (checked when used, and by
 * the tick). */
static void age(struct xs_neigh *nt, struct neigh_entry *e, int64_t now)
{
	if (e->state == XS_NEIGH_REACHABLE && now - e->confirmed_ns >= nt->prm.reachable_ns)
		set_stale(nt, e);
}

/* What an answer or a claim says about e (the kernel's neigh_update,
 * RFC 4861 7.2.5): solicited confirms; a different address is taken when
 * override allows, else only demotes REACHABLE to STALE. */
static void entry_update(struct xs_neigh *nt, struct neigh_entry *e, const uint8_t *mac,
			 bool solicited, bool override, int64_t now)
{
	bool changed = !mac_eq(mac, e->mac);

	if (e->state == XS_NEIGH_PERMANENT)
		return; /* only the configuration changes it */
	if (e->state == XS_NEIGH_INCOMPLETE) {
		memcpy(e->mac, mac, 6);
		if (solicited)
			set_reachable(nt, e, now);
		else
			set_stale(nt, e);
		queue_flush(nt, e);
		return;
	}
	if (changed && !override) {
		if (e->state == XS_NEIGH_REACHABLE)
			set_stale(nt, e);
		return;
	}
	memcpy(e->mac, mac, 6);
	if (solicited)
		set_reachable(nt, e, now);
	else if (changed)
		set_stale(nt, e);
}

/* A neighbour that sent us a request: create its entry (STALE) if need
 * be, as the kernel does for whoever asks for one of its addresses. */
static void learn(struct xs_neigh *nt, const struct in6_addr *ip, const uint8_t *mac, bool create,
		  int64_t now)
{
	struct neigh_entry *e = entry_find(nt, ip);

	if (e) {
		entry_update(nt, e, mac, false, true, now);
		return;
	}
	if (!create)
		return;
	e = entry_new(nt, ip, now);
	if (!e)
		return;
	memcpy(e->mac, mac, 6);
	set_stale(nt, e);
}

/* ---- input ---- */

static bool v4_host(const struct in6_addr *ip)
{
	uint8_t b0 = ip->s6_addr[12];

	return b0 != 0 && b0 != 127 && b0 < 224;
}

static void arp_reply(struct xs_neigh *nt, const struct xs_arp *req)
{
	struct xs_arp rep = {.op = XS_ARP_REPLY, .spa = req->tpa, .tpa = req->spa};

	memcpy(rep.eth_dst, req->sha, 6);
	memcpy(rep.eth_src, nt->addrs.mac, 6);
	memcpy(rep.sha, nt->addrs.mac, 6);
	memcpy(rep.tha, req->sha, 6);
	xmit(nt, build_arp, &rep, &nt->cnt.tx_replies);
}

static void arp_input(struct xs_neigh *nt, const struct xs_arp *a, int64_t now)
{
	const struct xs_ifaddr *v4 = &nt->addrs.v4;
	bool for_us, solicited;

	/* Our own frames, seen again on a tap or packet socket. */
	if (!v4->set || mac_eq(a->sha, nt->addrs.mac))
		return;
	if (addr_eq(&a->spa, &v4->addr)) {
		nt->cnt.conflicts++;
		return;
	}
	for_us = addr_eq(&a->tpa, &v4->addr);
	if (v4_host(&a->spa) && !(a->sha[0] & 1)) {
		solicited = a->op == XS_ARP_REPLY && mac_eq(a->eth_dst, nt->addrs.mac);
		if (solicited) {
			struct neigh_entry *e = entry_find(nt, &a->spa);

			if (e)
				entry_update(nt, e, a->sha, true, true, now);
		} else {
			learn(nt, &a->spa, a->sha, for_us && a->op == XS_ARP_REQUEST, now);
		}
	}
	if (for_us && a->op == XS_ARP_REQUEST)
		arp_reply(nt, a);
}

static void na_send(struct xs_neigh *nt, const struct xs_nd *ns)
{
	struct xs_nd na = {.type = XS_ND_NA, .src = ns->target, .target = ns->target};
	bool dad = IN6_IS_ADDR_UNSPECIFIED(&ns->src);

	/* To a DAD probe the answer goes to all nodes (ff02::1), unsolicited. */
	if (dad) {
		na.dst.s6_addr[0] = 0xff;
		na.dst.s6_addr[1] = 0x02;
		na.dst.s6_addr[15] = 0x01;
		xs_ipv6_mcast_mac(&na.dst, na.eth_dst);
	} else {
		na.dst = ns->src;
		memcpy(na.eth_dst, ns->has_lladdr ? ns->lladdr : ns->eth_src, 6);
	}
	na.solicited = !dad;
	na.override = true;
	na.has_lladdr = true;
	memcpy(na.lladdr, nt->addrs.mac, 6);
	memcpy(na.eth_src, nt->addrs.mac, 6);
	xmit(nt, build_nd, &na, &nt->cnt.tx_replies);
}

static void nd_input(struct xs_neigh *nt, const struct xs_nd *nd, int64_t now)
{
	struct neigh_entry *e;

	if (mac_eq(nd->eth_src, nt->addrs.mac))
		return;
	if (nd->type == XS_ND_NS) {
		if (!xs_ifaddrs_owns(&nt->addrs, AF_INET6, &nd->target))
			return;
		if (!IN6_IS_ADDR_UNSPECIFIED(&nd->src) && nd->has_lladdr)
			learn(nt, &nd->src, nd->lladdr, true, now);
		na_send(nt, nd);
		return;
	}
	if (xs_ifaddrs_owns(&nt->addrs, AF_INET6, &nd->target)) {
		nt->cnt.conflicts++;
		return;
	}
	e = entry_find(nt, &nd->target);
	if (!e || (!nd->has_lladdr && e->state == XS_NEIGH_INCOMPLETE))
		return;
	entry_update(nt, e, nd->has_lladdr ? nd->lladdr : e->mac, nd->solicited, nd->override, now);
}

bool xs_neigh_input(struct xs_neigh *nt, const uint8_t *frame, uint32_t len, int64_t now_ns)
{
	enum xs_pkt_verdict v;
	struct xs_arp arp;
	struct xs_nd nd;

	if (len < 14)
		return false;
	v = xs_arp_parse(frame, len, &arp);
	if (v == XS_PKT_UNHANDLED) {
		v = xs_nd_parse(frame, len, &nd);
		if (v == XS_PKT_UNHANDLED)
			return false;
		pthread_mutex_lock(&nt->lock);
		nt->cnt.rx_nd++;
		if (v == XS_PKT_OK)
			nd_input(nt, &nd, now_ns);
		else
			nt->cnt.rx_bad++;
		pthread_mutex_unlock(&nt->lock);
		return true;
	}
	pthread_mutex_lock(&nt->lock);
	nt->cnt.rx_arp++;
	if (v == XS_PKT_OK)
		arp_input(nt, &arp, now_ns);
	else
		nt->cnt.rx_bad++;
	pthread_mutex_unlock(&nt->lock);
	return true;
}

/* ---- output ---- */

/* Start resolving ip: a new INCOMPLETE entry and its first request. */
static struct neigh_entry *resolve(struct xs_neigh *nt, const struct in6_addr *ip, int64_t now)
{
	struct neigh_entry *e = entry_new(nt, ip, now);

	if (!e)
		return NULL;
	e->state = XS_NEIGH_INCOMPLETE;
	e->probes = 1;
	send_request(nt, e, false);
	timer_arm(nt, e, now + nt->prm.retrans_ns);
	return e;
}

static bool can_ask(const struct xs_neigh *nt, const struct in6_addr *ip)
{
	return is_v4(ip) ? nt->addrs.v4.set : true; /* IPv6 always has its link-local */
}

static int lookup_locked(struct xs_neigh *nt, const struct in6_addr *ip, int64_t now,
			 uint8_t mac[6])
{
	struct neigh_entry *e = entry_find(nt, ip);

	if (!e)
		return resolve(nt, ip, now) ? -EAGAIN : -ENOBUFS;
	e->used_ns = now;
	age(nt, e, now);
	if (e->state == XS_NEIGH_INCOMPLETE)
		return -EAGAIN;
	if (e->state == XS_NEIGH_STALE) {
		e->state = XS_NEIGH_DELAY;
		timer_arm(nt, e, now + nt->prm.delay_ns);
	}
	memcpy(mac, e->mac, 6);
	return 0;
}

int xs_neigh_lookup(struct xs_neigh *nt, int family, const struct in6_addr *nexthop, int64_t now_ns,
		    uint8_t mac[6])
{
	int rc;

	if (static_mac(&nt->addrs, nexthop, mac))
		return 0;
	if (xs_ifaddrs_owns(&nt->addrs, family, nexthop))
		return -EINVAL;
	if (!can_ask(nt, nexthop))
		return -ENETUNREACH;
	pthread_mutex_lock(&nt->lock);
	nt->cnt.lookups++;
	rc = lookup_locked(nt, nexthop, now_ns, mac);
	if (rc == 0)
		nt->cnt.hits++;
	pthread_mutex_unlock(&nt->lock);
	return rc;
}

static int hold_locked(struct xs_neigh *nt, const struct in6_addr *ip, const uint8_t *frame,
		       uint32_t len, int64_t now)
{
	struct neigh_entry *e = entry_find(nt, ip);
	int16_t slot;

	if (!e)
		e = resolve(nt, ip, now);
	if (!e) {
		nt->cnt.unres_discards++;
		return -ENOBUFS;
	}
	if (e->state != XS_NEIGH_INCOMPLETE) {
		struct held h = {.data = frame, .len = len, .mac = e->mac};
		ssize_t rc = nt->xmit.send(nt->xmit.ctx, build_held, &h);

		return rc < 0 ? (int)rc : 0;
	}
	/* Full: the oldest frame makes room, as in the kernel's arp_queue. */
	if (e->qlen == nt->prm.queue_len) {
		slot_put(nt, queue_pop(e));
		nt->cnt.unres_discards++;
	}
	if (!nt->nslot_free) {
		nt->cnt.unres_discards++;
		return -ENOBUFS;
	}
	slot = nt->slot_free[--nt->nslot_free];
	memcpy(nt->slot_data + (size_t)slot * nt->prm.frame_cap, frame, len);
	nt->slot_len[slot] = len;
	queue_push(e, slot);
	nt->cnt.held++;
	return 0;
}

int xs_neigh_hold(struct xs_neigh *nt, int family, const struct in6_addr *nexthop,
		  const uint8_t *frame, uint32_t len, int64_t now_ns)
{
	int rc;

	if (len > nt->prm.frame_cap || len < 6)
		return -EMSGSIZE;
	if (!can_ask(nt, nexthop))
		return -ENETUNREACH;
	pthread_mutex_lock(&nt->lock);
	rc = hold_locked(nt, nexthop, frame, len, now_ns);
	pthread_mutex_unlock(&nt->lock);
	return rc;
}

/* An address that xs_neigh_add_permanent may pin: a unicast host of
 * the family that is not ours (those need no resolution). */
static bool pinnable(const struct xs_neigh *nt, int family, const struct in6_addr *ip)
{
	uint8_t group[6];

	if (family == AF_INET ? !is_v4(ip) || !v4_host(ip)
			      : family != AF_INET6 || is_v4(ip) || IN6_IS_ADDR_UNSPECIFIED(ip) ||
					IN6_IS_ADDR_LOOPBACK(ip))
		return false;
	return !static_mac(&nt->addrs, ip, group) && !xs_ifaddrs_owns(&nt->addrs, family, ip);
}

int xs_neigh_add_permanent(struct xs_neigh *nt, int family, const struct in6_addr *nexthop,
			   const uint8_t mac[6])
{
	static const uint8_t zero_mac[6];
	struct neigh_entry *e;
	int rc = 0;

	if (!pinnable(nt, family, nexthop) || (mac[0] & 1) || mac_eq(mac, zero_mac))
		return -EINVAL;
	pthread_mutex_lock(&nt->lock);
	e = entry_find(nt, nexthop);
	if (!e)
		e = entry_new(nt, nexthop, 0);
	if (e) {
		memcpy(e->mac, mac, 6);
		e->state = XS_NEIGH_PERMANENT;
		e->probes = 0;
		e->timer_ns = 0;
		queue_flush(nt, e); /* what waited while it was INCOMPLETE */
	} else {
		rc = -ENOBUFS;
	}
	pthread_mutex_unlock(&nt->lock);
	return rc;
}

/* ---- timers ---- */

static void give_up(struct xs_neigh *nt, struct neigh_entry *e)
{
	nt->cnt.res_failed++;
	entry_free(nt, e);
}

/* A due timer: the next request, the end of DELAY, or giving up. */
static void entry_timer(struct xs_neigh *nt, struct neigh_entry *e, int64_t now)
{
	switch (e->state) {
	case XS_NEIGH_INCOMPLETE:
	case XS_NEIGH_PROBE:
		if (e->probes >=
		    (e->state == XS_NEIGH_PROBE ? nt->prm.ucast_probes : nt->prm.mcast_probes)) {
			give_up(nt, e);
			return;
		}
		break;
	case XS_NEIGH_DELAY:
		e->state = XS_NEIGH_PROBE;
		e->probes = 0;
		break;
	default:
		e->timer_ns = 0;
		return;
	}
	e->probes++;
	send_request(nt, e, e->state == XS_NEIGH_PROBE);
	e->timer_ns = now + nt->prm.retrans_ns;
}

/* When e next needs the tick, or INT64_MAX. */
static int64_t entry_due(const struct xs_neigh *nt, const struct neigh_entry *e)
{
	if (e->timer_ns)
		return e->timer_ns;
	if (e->state == XS_NEIGH_REACHABLE)
		return e->confirmed_ns + nt->prm.reachable_ns;
	if (e->state == XS_NEIGH_STALE)
		return e->used_ns + nt->prm.gc_stale_ns;
	return INT64_MAX;
}

static void entry_tick(struct xs_neigh *nt, struct neigh_entry *e, int64_t now)
{
	age(nt, e, now);
	if (e->timer_ns && e->timer_ns <= now)
		entry_timer(nt, e, now);
	else if (e->state == XS_NEIGH_STALE && now - e->used_ns >= nt->prm.gc_stale_ns)
		entry_free(nt, e);
}

int64_t xs_neigh_tick(struct xs_neigh *nt, int64_t now_ns)
{
	int64_t next = INT64_MAX;

	pthread_mutex_lock(&nt->lock);
	if (now_ns < nt->next_timer) {
		next = nt->next_timer;
		goto out;
	}
	for (unsigned i = 0; i < nt->prm.entries; i++) {
		struct neigh_entry *e = &nt->e[i];
		int64_t due;

		if (e->state == XS_NEIGH_NONE)
			continue;
		entry_tick(nt, e, now_ns);
		due = e->state == XS_NEIGH_NONE ? INT64_MAX : entry_due(nt, e);
		if (due < next)
			next = due;
	}
	nt->next_timer = next;
out:
	pthread_mutex_unlock(&nt->lock);
	return next;
}

/* ---- the table ---- */

void xs_neigh_params_default(struct xs_neigh_params *p)
{
	*p = (struct xs_neigh_params){
		.entries = 256,
		.queue_len = 3,
		.queue_slots = 64,
		.frame_cap = 1518,
		.mcast_probes = 3,
		.ucast_probes = 3,
		.retrans_ns = 1 * NS_PER_SEC,
		.reachable_ns = 30 * NS_PER_SEC,
		.delay_ns = 5 * NS_PER_SEC,
		.gc_stale_ns = 60 * NS_PER_SEC,
	};
}

static bool params_valid(const struct xs_neigh_params *p)
{
	return p->entries >= 1 && p->entries <= 65536 && p->queue_len >= 1 &&
	       p->queue_len <= XS_NEIGH_QUEUE_MAX && p->queue_slots >= 1 &&
	       p->queue_slots <= 32767 && p->frame_cap >= 60 && p->frame_cap <= 65535 &&
	       p->mcast_probes >= 1 && p->mcast_probes <= 255 && p->ucast_probes >= 1 &&
	       p->ucast_probes <= 255 && p->retrans_ns > 0 && p->reachable_ns > 0 &&
	       p->delay_ns > 0 && p->gc_stale_ns > 0;
}

static int table_alloc(struct xs_neigh *nt)
{
	const struct xs_neigh_params *p = &nt->prm;

	nt->nbuckets = 1;
	while (nt->nbuckets < 2 * p->entries)
		nt->nbuckets <<= 1;
	nt->e = calloc(p->entries, sizeof(*nt->e));
	nt->bucket = malloc(nt->nbuckets * sizeof(*nt->bucket));
	nt->slot_data = malloc((size_t)p->queue_slots * p->frame_cap);
	nt->slot_len = calloc(p->queue_slots, sizeof(*nt->slot_len));
	nt->slot_free = malloc(p->queue_slots * sizeof(*nt->slot_free));
	if (!nt->e || !nt->bucket || !nt->slot_data || !nt->slot_len || !nt->slot_free)
		return -ENOMEM;
	for (uint32_t b = 0; b < nt->nbuckets; b++)
		nt->bucket[b] = NO_ENTRY;
	for (unsigned i = 0; i < p->entries; i++)
		nt->e[i].next = i + 1 < p->entries ? (int32_t)i + 1 : NO_ENTRY;
	nt->free_head = 0;
	for (unsigned s = 0; s < p->queue_slots; s++)
		nt->slot_free[s] = (int16_t)(p->queue_slots - 1 - s);
	nt->nslot_free = p->queue_slots;
	return 0;
}

int xs_neigh_new(const struct xs_ifaddrs *addrs, const struct xs_neigh_params *params,
		 const struct xs_xmit *xmit, struct xs_neigh **out)
{
	struct xs_neigh *nt;

	*out = NULL;
	if (!xmit || !xmit->send || (params && !params_valid(params)))
		return -EINVAL;
	nt = calloc(1, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	nt->addrs = *addrs;
	nt->xmit = *xmit;
	if (params)
		nt->prm = *params;
	else
		xs_neigh_params_default(&nt->prm);
	nt->next_timer = INT64_MAX;
	pthread_mutex_init(&nt->lock, NULL);
	if (table_alloc(nt) < 0) {
		xs_neigh_free(nt);
		return -ENOMEM;
	}
	*out = nt;
	return 0;
}

void xs_neigh_free(struct xs_neigh *nt)
{
	if (!nt)
		return;
	pthread_mutex_destroy(&nt->lock);
	free(nt->e);
	free(nt->bucket);
	free(nt->slot_data);
	free(nt->slot_len);
	free(nt->slot_free);
	free(nt);
}

enum xs_neigh_state xs_neigh_state(struct xs_neigh *nt, int family, const struct in6_addr *ip,
				   int64_t now_ns, uint8_t mac[6])
{
	enum xs_neigh_state st = XS_NEIGH_NONE;
	struct neigh_entry *e;

	pthread_mutex_lock(&nt->lock);
	e = entry_find(nt, ip);
	if (e) {
		age(nt, e, now_ns);
		st = e->state;
		if (mac && st != XS_NEIGH_INCOMPLETE)
			memcpy(mac, e->mac, 6);
	}
	pthread_mutex_unlock(&nt->lock);
	return st;
}

void xs_neigh_counters(struct xs_neigh *nt, struct xs_neigh_counters *out)
{
	pthread_mutex_lock(&nt->lock);
	*out = nt->cnt;
	pthread_mutex_unlock(&nt->lock);
}
