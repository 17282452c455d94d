/*
 * neigh_wire.c — the bytes on the wire for neigh.c and icmp.c: the
 * Internet checksum, a reader for the IP layer of a frame, and ARP and
 * IPv6 neighbour solicitation/advertisement (RFC 826, RFC 4861) built and
 * parsed. Pure functions over buffers: no state, no locks, no allocation.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "neigh.h"

#define ETH_HLEN	14
#define ETH_TYPE_IPV4	0x0800
#define ETH_TYPE_ARP	0x0806
#define ETH_TYPE_IPV6	0x86dd
#define IPV4_HLEN	20
#define IPV6_HLEN	40
#define ARP_LEN		28
#define ND_LEN		24 /* ICMPv6 header, flags/reserved, target */
#define ND_OPT_LEN	8  /* one link-layer address option */
#define ND_OPT_SLLA	1
#define ND_OPT_TLLA	2
#define ND_HOP_LIMIT	255
#define IPPROTO_ICMPV6_ 58

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void map4(struct in6_addr *out, const uint8_t *ip4)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = 0xff;
	out->s6_addr[11] = 0xff;
	memcpy(out->s6_addr + 12, ip4, 4);
}

/* ---- checksums ---- */

/* Big-endian 16-bit words added into sum; an odd last byte is padded. */
static uint32_t sum_words(uint32_t sum, const uint8_t *p, size_t len)
{
	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t finish(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

uint16_t xs_inet_csum(const void *data, size_t len)
{
	return finish(sum_words(0, data, len));
}

uint16_t xs_icmp6_csum(const struct in6_addr *src, const struct in6_addr *dst, const uint8_t *icmp,
		       uint32_t len)
{
	uint32_t sum = 0;

	/* The pseudo header: addresses, upper-layer length, next header. */
	sum = sum_words(sum, src->s6_addr, 16);
	sum = sum_words(sum, dst->s6_addr, 16);
	sum += len >> 16;
	sum += len & 0xffff;
	sum += IPPROTO_ICMPV6_;
	return finish(sum_words(sum, icmp, len));
}

/* ---- the IP layer ---- */

static enum xs_pkt_verdict parse_ipv4(const uint8_t *p, uint32_t len, struct xs_l3 *o)
{
	uint32_t ihl, tot;

	if (len < IPV4_HLEN || p[0] >> 4 != 4)
		return XS_PKT_MALFORMED;
	ihl = (p[0] & 0x0f) * 4u;
	tot = get16(p + 2);
	if (ihl < IPV4_HLEN || ihl > tot || tot > len)
		return XS_PKT_MALFORMED;
	if (xs_inet_csum(p, ihl) != 0)
		return XS_PKT_BAD_CSUM;
	o->family = AF_INET;
	o->ttl = p[8];
	o->proto = p[9];
	o->fragment = (get16(p + 6) & 0x3fff) != 0; /* MF or an offset */
	map4(&o->src, p + 12);
	map4(&o->dst, p + 16);
	o->ip = p;
	o->ip_len = tot;
	o->l4 = p + ihl;
	o->l4_len = tot - ihl;
	return XS_PKT_OK;
}

static enum xs_pkt_verdict parse_ipv6(const uint8_t *p, uint32_t len, struct xs_l3 *o)
{
	uint32_t plen;

	if (len < IPV6_HLEN || p[0] >> 4 != 6)
		return XS_PKT_MALFORMED;
	plen = get16(p + 4);
	if (IPV6_HLEN + plen > len)
		return XS_PKT_MALFORMED;
	o->family = AF_INET6;
	o->proto = p[6];
	o->ttl = p[7];
	memcpy(o->src.s6_addr, p + 8, 16);
	memcpy(o->dst.s6_addr, p + 24, 16);
	o->ip = p;
	o->ip_len = IPV6_HLEN + plen;
	o->l4 = p + IPV6_HLEN;
	o->l4_len = plen;
	return XS_PKT_OK;
}

enum xs_pkt_verdict xs_l3_parse(const uint8_t *frame, uint32_t len, struct xs_l3 *out)
{
	uint16_t type;

	memset(out, 0, sizeof(*out));
	if (len < ETH_HLEN)
		return XS_PKT_MALFORMED;
	out->eth_dst = frame;
	out->eth_src = frame + 6;
	type = get16(frame + 12);
	if (type == ETH_TYPE_IPV4)
		return parse_ipv4(frame + ETH_HLEN, len - ETH_HLEN, out);
	if (type == ETH_TYPE_IPV6)
		return parse_ipv6(frame + ETH_HLEN, len - ETH_HLEN, out);
	return XS_PKT_UNHANDLED;
}

/* ---- ARP ---- */

enum xs_pkt_verdict xs_arp_parse(const uint8_t *frame, uint32_t len, struct xs_arp *out)
{
	const uint8_t *p = frame + ETH_HLEN;

	if (len < ETH_HLEN || get16(frame + 12) != ETH_TYPE_ARP)
		return len < ETH_HLEN ? XS_PKT_MALFORMED : XS_PKT_UNHANDLED;
	if (len < ETH_HLEN + ARP_LEN)
		return XS_PKT_MALFORMED;
	/* Ethernet hardware, IPv4 protocol, their address lengths. */
	if (get16(p) != 1 || get16(p + 2) != ETH_TYPE_IPV4 || p[4] != 6 || p[5] != 4)
		return XS_PKT_UNHANDLED;
	out->op = get16(p + 6);
	if (out->op != XS_ARP_REQUEST && out->op != XS_ARP_REPLY)
		return XS_PKT_UNHANDLED;
	memcpy(out->eth_dst, frame, 6);
	memcpy(out->eth_src, frame + 6, 6);
	memcpy(out->sha, p + 8, 6);
	map4(&out->spa, p + 14);
	memcpy(out->tha, p + 18, 6);
	map4(&out->tpa, p + 24);
	return XS_PKT_OK;
}

ssize_t xs_arp_build(uint8_t *buf, size_t cap, const struct xs_arp *a)
{
	uint8_t *p = buf + ETH_HLEN;

	if (cap < XS_ARP_FRAME_LEN)
		return -EMSGSIZE;
	memcpy(buf, a->eth_dst, 6);
	memcpy(buf + 6, a->eth_src, 6);
	put16(buf + 12, ETH_TYPE_ARP);
	put16(p, 1);
	put16(p + 2, ETH_TYPE_IPV4);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, a->op);
	memcpy(p + 8, a->sha, 6);
	memcpy(p + 14, a->spa.s6_addr + 12, 4);
	memcpy(p + 18, a->tha, 6);
	memcpy(p + 24, a->tpa.s6_addr + 12, 4);
	return XS_ARP_FRAME_LEN;
}

/* ---- neighbour discovery ---- */

void xs_nd_solicited_node(const struct in6_addr *target, struct in6_addr *group)
{
	memset(group, 0, sizeof(*group));
	group->s6_addr[0] = 0xff;
	group->s6_addr[1] = 0x02;
	group->s6_addr[11] = 0x01;
	group->s6_addr[12] = 0xff;
	memcpy(group->s6_addr + 13, target->s6_addr + 13, 3);
}

void xs_ipv6_mcast_mac(const struct in6_addr *group, uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, group->s6_addr + 12, 4);
}

static bool is_solicited_node(const struct in6_addr *a)
{
	static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	return memcmp(a->s6_addr, prefix, sizeof(prefix)) == 0;
}

/* The options after the fixed part: take the link-layer address one. */
static enum xs_pkt_verdict nd_options(const uint8_t *opt, uint32_t len, struct xs_nd *nd)
{
	uint8_t want = nd->type == XS_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;

	while (len > 0) {
		uint32_t olen;

		if (len < 2)
			return XS_PKT_MALFORMED;
		olen = opt[1] * 8u;
		if (olen == 0 || olen > len)
			return XS_PKT_MALFORMED;
		if (opt[0] == want && olen >= ND_OPT_LEN) {
			nd->has_lladdr = true;
			memcpy(nd->lladdr, opt + 2, 6);
		}
		opt += olen;
		len -= olen;
	}
	return XS_PKT_OK;
}

/* What RFC 4861 7.1.1 and 7.1.2 ask beyond the lengths and checksum. */
static enum xs_pkt_verdict nd_validate(const struct xs_nd *nd)
{
	if (nd->type == XS_ND_NS && IN6_IS_ADDR_UNSPECIFIED(&nd->src) &&
	    (!is_solicited_node(&nd->dst) || nd->has_lladdr))
		return XS_PKT_MALFORMED;
	if (nd->type == XS_ND_NA && IN6_IS_ADDR_MULTICAST(&nd->dst) && nd->solicited)
		return XS_PKT_MALFORMED;
	return XS_PKT_OK;
}

enum xs_pkt_verdict xs_nd_parse(const uint8_t *frame, uint32_t len, struct xs_nd *out)
{
	enum xs_pkt_verdict v;
	struct xs_l3 l3;
	const uint8_t *m;

	/* A frame that is not an intact IPv6 packet is not known to be ND. */
	if (xs_l3_parse(frame, len, &l3) != XS_PKT_OK)
		return XS_PKT_UNHANDLED;
	if (l3.family != AF_INET6 || l3.proto != IPPROTO_ICMPV6_ || l3.l4_len < 1)
		return XS_PKT_UNHANDLED;
	m = l3.l4;
	if (m[0] != XS_ND_NS && m[0] != XS_ND_NA)
		return XS_PKT_UNHANDLED;
	if (l3.ttl != ND_HOP_LIMIT || l3.l4_len < ND_LEN || m[1] != 0)
		return XS_PKT_MALFORMED;
	if (xs_icmp6_csum(&l3.src, &l3.dst, m, l3.l4_len) != 0)
		return XS_PKT_BAD_CSUM;
	memset(out, 0, sizeof(*out));
	memcpy(out->eth_dst, frame, 6);
	memcpy(out->eth_src, frame + 6, 6);
	out->src = l3.src;
	out->dst = l3.dst;
	out->type = m[0];
	out->router = m[4] & 0x80;
	out->solicited = m[4] & 0x40;
	out->override = m[4] & 0x20;
	memcpy(out->target.s6_addr, m + 8, 16);
	if (IN6_IS_ADDR_MULTICAST(&out->target))
		return XS_PKT_MALFORMED;
	v = nd_options(m + ND_LEN, l3.l4_len - ND_LEN, out);
	return v == XS_PKT_OK ? nd_validate(out) : v;
}

ssize_t xs_nd_build(uint8_t *buf, size_t cap, const struct xs_nd *nd)
{
	uint32_t mlen = ND_LEN + (nd->has_lladdr ? ND_OPT_LEN : 0);
	uint8_t *ip = buf + ETH_HLEN, *m = ip + IPV6_HLEN;
	uint16_t csum;

	if (cap < ETH_HLEN + IPV6_HLEN + mlen)
		return -EMSGSIZE;
	memcpy(buf, nd->eth_dst, 6);
	memcpy(buf + 6, nd->eth_src, 6);
	put16(buf + 12, ETH_TYPE_IPV6);
	memset(ip, 0, IPV6_HLEN);
	ip[0] = 0x60;
	put16(ip + 4, mlen);
	ip[6] = IPPROTO_ICMPV6_;
	ip[7] = ND_HOP_LIMIT;
	memcpy(ip + 8, nd->src.s6_addr, 16);
	memcpy(ip + 24, nd->dst.s6_addr, 16);
	memset(m, 0, ND_LEN);
	m[0] = nd->type;
	if (nd->type == XS_ND_NA)
		m[4] = (nd->router ? 0x80 : 0) | (nd->solicited ? 0x40 : 0) |
		       (nd->override ? 0x20 : 0);
	memcpy(m + 8, nd->target.s6_addr, 16);
	if (nd->has_lladdr) {
		m[ND_LEN] = nd->type == XS_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
		m[ND_LEN + 1] = 1;
		memcpy(m + ND_LEN + 2, nd->lladdr, 6);
	}
	csum = xs_icmp6_csum(&nd->src, &nd->dst, m, mlen);
	memcpy(m + 2, &csum, 2);
	return ETH_HLEN + IPV6_HLEN + mlen;
}
