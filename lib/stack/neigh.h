/*
 * neigh.h — what a frame driver that owns its IP addresses (dpdk) needs
 * beyond stack.h: the interface's addresses and the choice of next hop,
 * ARP and IPv6 neighbour discovery (build and parse), and a neighbour
 * cache in the manner of the kernel's (INCOMPLETE, REACHABLE, STALE,
 * DELAY, PROBE, and PERMANENT entries that configuration sets) that
 * resolves next hops and holds a few frames per unresolved neighbour
 * until the answer comes. icmp.h has the ICMP side.
 * For drivers only; applications must not include it. The xdp driver does
 * not use it: there the kernel owns the addresses and answers ARP/ND.
 *
 * Nothing here knows DPDK: frames come in as pointer + length, and go out
 * through the driver's transmit callback (struct xs_xmit), which lets a
 * build function write the frame straight into the driver's buffer.
 * Frames are untagged Ethernet II (no 802.1Q).
 *
 * Addresses of both families are struct in6_addr, IPv4 as ::ffff:a.b.c.d,
 * as in stack.h. Times are CLOCK_MONOTONIC nanoseconds that the caller
 * passes in (now_ns), so that tests drive the clock.
 *
 * Threads: a neighbour table has its own lock; every xs_neigh_* call on
 * it may come from any thread. The table calls the transmit callback
 * with that lock held, so the driver's transmit must never call back
 * into the table (lock order: stack lock, then table, then TX queue).
 */
#ifndef XS_NEIGH_H
#define XS_NEIGH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "stack.h"

/* ---- transmit, through the driver ---- */

/* Write one frame into buf (at most cap bytes); return its length, or
 * -EMSGSIZE if it does not fit. Same shape as xdp_build_fn. */
typedef ssize_t (*xs_build_fn)(uint8_t *buf, size_t cap, const void *arg);

struct xs_xmit {
	/* Take a TX buffer, let build fill it, send it. Returns the frame
	 * length, or -errno (-EAGAIN: no room now; the frame is dropped). */
	ssize_t (*send)(void *ctx, xs_build_fn build, const void *arg);
	void *ctx;
};

/* ---- the interface's addresses (neigh.c) ---- */

struct xs_ifaddr {
	bool set;
	struct in6_addr addr; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t plen;	      /* prefix length in the family's terms: 0-32 or 0-128 */
};

struct xs_ifaddrs {
	uint8_t mac[6];
	struct xs_ifaddr v4, v6; /* dpdk.ipv4, dpdk.ipv6 */
	struct in6_addr v6_ll;	 /* fe80::/64 from the MAC (xs_ifaddrs_set_mac) */
	bool has_gw4, has_gw6;	 /* dpdk.gateway */
	struct in6_addr gw4, gw6;
};

/* Set the MAC and derive the IPv6 link-local address from it
 * (modified EUI-64, RFC 4291 appendix A). */
void xs_ifaddrs_set_mac(struct xs_ifaddrs *a, const uint8_t mac[6]);
/* Is ip one of the interface's unicast addresses (IPv4, IPv6, link-local)? */
bool xs_ifaddrs_owns(const struct xs_ifaddrs *a, int family, const struct in6_addr *ip);
/* Is ip inside the prefix of the family's address (IPv6: or link-local)? */
bool xs_ifaddrs_onlink(const struct xs_ifaddrs *a, int family, const struct in6_addr *ip);
/* The next hop towards dst (dst itself when on link or multicast, else
 * the gateway) and the source address to send from. -ENETUNREACH when the
 * family has no address, or dst is off link and there is no gateway. */
int xs_ifaddrs_route(const struct xs_ifaddrs *a, int family, const struct in6_addr *dst,
		     struct in6_addr *nexthop, struct in6_addr *src);

/* ---- ARP for IPv4 over Ethernet (neigh.c) ---- */
#define XS_ARP_REQUEST	 1
#define XS_ARP_REPLY	 2
#define XS_ARP_FRAME_LEN 42 /* Ethernet + ARP; the driver pads to 60 if it must */

struct xs_arp {
	uint8_t eth_dst[6], eth_src[6];
	uint16_t op;		  /* XS_ARP_REQUEST or XS_ARP_REPLY */
	uint8_t sha[6], tha[6];	  /* sender and target hardware addresses */
	struct in6_addr spa, tpa; /* sender and target IPv4, ::ffff:a.b.c.d */
};

/* XS_PKT_OK, XS_PKT_UNHANDLED (not ARP, or not Ethernet/IPv4 ARP, or an
 * op other than request/reply), XS_PKT_MALFORMED (truncated). */
enum xs_pkt_verdict xs_arp_parse(const uint8_t *frame, uint32_t len, struct xs_arp *out);
/* XS_ARP_FRAME_LEN, or -EMSGSIZE. */
ssize_t xs_arp_build(uint8_t *buf, size_t cap, const struct xs_arp *a);

/* ---- IPv6 neighbour discovery (neigh.c) ---- */
#define XS_ND_NS	135
#define XS_ND_NA	136
#define XS_ND_FRAME_LEN 86 /* Ethernet + IPv6 + NS/NA + one link-layer option */

struct xs_nd {
	uint8_t eth_dst[6], eth_src[6];
	struct in6_addr src, dst; /* the IPv6 header's */
	uint8_t type;		  /* XS_ND_NS or XS_ND_NA */
	struct in6_addr target;
	bool router, solicited, override; /* NA flags */
	bool has_lladdr;		  /* source (NS) / target (NA) link-layer option */
	uint8_t lladdr[6];
};

/* Parse and validate as RFC 4861 7.1.1 and 7.1.2 say: hop limit 255,
 * code 0, checksum, lengths, options of non-zero length, a target that is
 * not multicast; an NS from :: goes to a solicited-node group and has no
 * source link-layer option; an NA to a multicast group is not solicited.
 * XS_PKT_OK, XS_PKT_UNHANDLED (not an intact IPv6 packet with NS/NA right
 * after the header: other frames, extension headers),
 * XS_PKT_MALFORMED, XS_PKT_BAD_CSUM. */
enum xs_pkt_verdict xs_nd_parse(const uint8_t *frame, uint32_t len, struct xs_nd *out);
/* Hop limit 255, the link-layer option if has_lladdr, the checksum.
 * Returns the frame length (XS_ND_FRAME_LEN, or 8 less without the
 * option), or -EMSGSIZE. */
ssize_t xs_nd_build(uint8_t *buf, size_t cap, const struct xs_nd *nd);
/* ff02::1:ffXX:XXXX for target, and the Ethernet group of an IPv6
 * multicast address (33:33 and its low 32 bits). */
void xs_nd_solicited_node(const struct in6_addr *target, struct in6_addr *group);
void xs_ipv6_mcast_mac(const struct in6_addr *group, uint8_t mac[6]);

/* ---- checksums and the IP layer of a frame, as neigh.c and icmp.c read it ---- */

/* The Internet checksum (inverted, in network byte order as two bytes:
 * store with memcpy) over an ICMPv6 message and its pseudo header. */
uint16_t xs_icmp6_csum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *icmp,
		       uint32_t len);
/* The same over bytes alone (IPv4 header, ICMP message). */
uint16_t xs_inet_csum(const void *data, size_t len);

struct xs_l3 {
	const uint8_t *eth_dst, *eth_src;
	int family;		  /* AF_INET or AF_INET6 */
	struct in6_addr src, dst; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t proto;		  /* IPv4 protocol / IPv6 next header */
	uint8_t ttl;		  /* or hop limit */
	bool fragment;		  /* IPv4 with MF or an offset */
	const uint8_t *ip;	  /* the IP header */
	uint32_t ip_len;	  /* header + payload, from the header */
	const uint8_t *l4;
	uint32_t l4_len;
};

/* Untagged Ethernet, then IPv4 (header checksum verified; options
 * skipped) or IPv6 (no extension headers: next header is the payload's
 * protocol). Trailing Ethernet padding is excluded. XS_PKT_UNHANDLED for
 * other ethertypes. */
enum xs_pkt_verdict xs_l3_parse(const uint8_t *frame, uint32_t len, struct xs_l3 *out);

/* ---- the neighbour cache (neigh.c) ---- */

enum xs_neigh_state {
	XS_NEIGH_NONE = 0,   /* no entry */
	XS_NEIGH_INCOMPLETE, /* requests out, frames held, no address yet */
	XS_NEIGH_REACHABLE,  /* confirmed less than reachable_ns ago */
	XS_NEIGH_STALE,	     /* known, unconfirmed; still used */
	XS_NEIGH_DELAY,	     /* used while STALE: waiting delay_ns for a confirmation */
	XS_NEIGH_PROBE,	     /* unicast requests out; still used */
	XS_NEIGH_PERMANENT,  /* set by xs_neigh_add_permanent: never ages, never
			      * replaced by ARP/ND, never evicted */
};

#define XS_NEIGH_QUEUE_MAX 256

/* Defaults are the kernel's (net.ipv4.neigh.default.*), except that the
 * reachable time is not randomised. */
struct xs_neigh_params {
	unsigned entries;      /* table size (default 256) */
	unsigned queue_len;    /* frames held per unresolved neighbour, 1..XS_NEIGH_QUEUE_MAX (3) */
	unsigned queue_slots;  /* frames held by the whole table (64) */
	uint32_t frame_cap;    /* largest frame held (1518) */
	unsigned mcast_probes; /* broadcast/multicast requests while INCOMPLETE (3) */
	unsigned ucast_probes; /* unicast requests in PROBE (3) */
	int64_t retrans_ns;    /* between two requests (1 s) */
	int64_t reachable_ns;  /* REACHABLE after a confirmation (30 s) */
	int64_t delay_ns;      /* DELAY before the first unicast probe (5 s) */
	int64_t gc_stale_ns;   /* a STALE entry unused this long goes (60 s) */
};

struct xs_neigh_counters {
	uint64_t rx_arp, rx_nd;	  /* ARP and NS/NA frames seen */
	uint64_t rx_bad;	  /* malformed, bad checksum, invalid per RFC 4861 */
	uint64_t tx_requests;	  /* ARP requests and NS sent (broadcast and unicast) */
	uint64_t tx_replies;	  /* ARP replies and NA sent */
	uint64_t tx_errors;	  /* the transmit callback failed */
	uint64_t lookups, hits;	  /* xs_neigh_lookup calls, and those that gave a MAC */
	uint64_t res_failed;	  /* neighbours that never answered */
	uint64_t held, held_sent; /* frames held for an unresolved neighbour; sent later */
	uint64_t unres_discards;  /* held frames dropped: per-neighbour queue or pool full */
	uint64_t held_dropped;	  /* held frames dropped when resolution failed */
	uint64_t table_full;	  /* no free entry, none evictable */
	uint64_t conflicts;	  /* someone else claims one of our addresses */
};

struct xs_neigh;

void xs_neigh_params_default(struct xs_neigh_params *p);
/* addrs is copied; xmit sends requests, replies and held frames. params
 * NULL: the defaults. 0, -EINVAL (a parameter out of range), -ENOMEM. */
int xs_neigh_new(const struct xs_ifaddrs *addrs, const struct xs_neigh_params *params,
		 const struct xs_xmit *xmit, struct xs_neigh **out);
void xs_neigh_free(struct xs_neigh *nt);

/* ARP and NS/NA in: answer requests for our addresses, learn from
 * requests and replies (RFC 826's merge, RFC 4861 7.2.5), send the frames
 * held for a neighbour that just resolved. Returns true if the frame was
 * ARP or NS/NA (taken, whatever became of it), false for anything else. */
bool xs_neigh_input(struct xs_neigh *nt, const uint8_t *frame, uint32_t len, int64_t now_ns);

/* The MAC of nexthop (from xs_ifaddrs_route): 0 with mac filled
 * (multicast and broadcast map directly), -EAGAIN while resolving (the
 * call that creates the entry sends the first request), -ENOBUFS if the
 * table is full of entries in use, -ENETUNREACH if the family has no
 * address to ask from, -EINVAL for one of our own addresses (delivering
 * to ourselves is the driver's business). Using a STALE entry starts
 * DELAY, as in the kernel. */
int xs_neigh_lookup(struct xs_neigh *nt, int family, const struct in6_addr *nexthop, int64_t now_ns,
		    uint8_t mac[6]);
/* Hold a whole frame (its first 6 bytes, the destination MAC, are
 * rewritten) until nexthop resolves, after xs_neigh_lookup said -EAGAIN;
 * if it resolved meanwhile, send it now. A full per-neighbour queue drops
 * its oldest frame, as the kernel's arp_queue does. 0 (held or sent),
 * -EMSGSIZE (longer than frame_cap), -ENOBUFS (no entry, or no slot left
 * in the pool: the frame is dropped and counted), or xmit's error. */
int xs_neigh_hold(struct xs_neigh *nt, int family, const struct in6_addr *nexthop,
		  const uint8_t *frame, uint32_t len, int64_t now_ns);
/* A static entry, as `ip neigh replace IP lladdr MAC nud permanent`:
 * nexthop (IPv4 as ::ffff:a.b.c.d for AF_INET) answers lookups with mac
 * from now on; it never ages, sends no request, is never evicted, and
 * ARP and ND neither replace nor demote it (a neighbour that does not
 * answer ARP, such as a packet generator, stays reachable). An existing
 * entry of any state becomes permanent; frames held for it go out now.
 * 0, -EINVAL (family and address disagree, an address that needs no
 * resolution: multicast, broadcast, unspecified or one of our own; a
 * multicast or all-zero mac), -ENOBUFS (the table is full of entries in
 * use). */
int xs_neigh_add_permanent(struct xs_neigh *nt, int family, const struct in6_addr *nexthop,
			   const uint8_t mac[6]);
/* Run the timers due by now_ns: resend requests, move DELAY to PROBE,
 * give up on silent neighbours (their held frames are dropped and
 * counted), age REACHABLE to STALE, collect unused STALE entries.
 * Returns when the next timer is due (INT64_MAX if none): call again
 * then, or sooner. */
int64_t xs_neigh_tick(struct xs_neigh *nt, int64_t now_ns);

/* The state of one entry (mac filled if known and mac is not NULL), for
 * tests and xsocket info; does not count as a use. */
enum xs_neigh_state xs_neigh_state(struct xs_neigh *nt, int family, const struct in6_addr *ip,
				   int64_t now_ns, uint8_t mac[6]);
void xs_neigh_counters(struct xs_neigh *nt, struct xs_neigh_counters *out);

#endif
