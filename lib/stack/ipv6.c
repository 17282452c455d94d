/*
 * ipv6.c — the fixed IPv6 header: version, and the payload length against
 * what the frame holds (bytes beyond it are Ethernet padding). The fast
 * path carries UDP directly after the fixed header only; any other next
 * header, extension headers (and so jumbograms) included, is
 * XS_PKT_UNHANDLED, with the addresses filled in.
 */
#include "stack_internal.h"

enum xs_pkt_verdict xs_parse_ipv6(struct xs_pkt *p)
{
	const uint8_t *ip = p->frame + p->l3_off;
	uint32_t avail = p->len - p->l3_off, plen;

	if (p->l3_off > p->len || avail < XS_IPV6_HLEN || ip[0] >> 4 != 6)
		return XS_PKT_MALFORMED;
	plen = xs_get_be16(ip + 4);
	if (plen > avail - XS_IPV6_HLEN)
		return XS_PKT_MALFORMED;
	p->family = AF_INET6;
	p->ip_proto = ip[6];
	p->l4_off = (uint16_t)(p->l3_off + XS_IPV6_HLEN);
	p->l4_len = plen;
	memcpy(&p->src, ip + 8, 16);
	memcpy(&p->dst, ip + 24, 16);
	return p->ip_proto == IPPROTO_UDP ? XS_PKT_OK : XS_PKT_UNHANDLED;
}
