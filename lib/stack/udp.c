/*
 * udp.c — the UDP header, as the kernel's __udp4_lib_rcv()/udpv6_rcv()
 * take it: the length field may not exceed what IP carried nor be below
 * the header (bytes beyond it are ignored); IPv6 reads a zero length as
 * "the IP payload" (RFC 2675). The checksum is verified over the pseudo
 * header: zero means none for IPv4 and is refused for IPv6 (RFC 8200 8.1).
 */
#include "stack_internal.h"

static bool udp_csum_ok(const struct xs_pkt *p, const uint8_t *udp, uint32_t ulen)
{
	uint32_t sum = xs_csum_pseudo(p->family, &p->src, &p->dst, ulen, IPPROTO_UDP);

	return xs_csum_fold(xs_csum_add(sum, udp, ulen)) == 0;
}

enum xs_pkt_verdict xs_parse_udp(struct xs_pkt *p)
{
	const uint8_t *udp = p->frame + p->l4_off;
	uint32_t ulen;

	if ((p->family != AF_INET && p->family != AF_INET6) || p->ip_proto != IPPROTO_UDP)
		return XS_PKT_UNHANDLED;
	if (p->l4_off > p->len || p->l4_len > p->len - p->l4_off || p->l4_len < XS_UDP_HLEN)
		return XS_PKT_MALFORMED;
	ulen = xs_get_be16(udp + 4);
	if (ulen == 0 && p->family == AF_INET6)
		ulen = p->l4_len;
	if (ulen < XS_UDP_HLEN || ulen > p->l4_len)
		return XS_PKT_MALFORMED;
	p->sport = xs_get_be16(udp);
	p->dport = xs_get_be16(udp + 2);
	p->payload = udp + XS_UDP_HLEN;
	p->payload_len = ulen - XS_UDP_HLEN;
	if (xs_get_be16(udp + 6) == 0)
		return p->family == AF_INET ? XS_PKT_OK : XS_PKT_MALFORMED;
	return udp_csum_ok(p, udp, ulen) ? XS_PKT_OK : XS_PKT_BAD_CSUM;
}
