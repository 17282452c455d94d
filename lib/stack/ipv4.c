/*
 * ipv4.c — the IPv4 header, checked in the order of the kernel's
 * ip_rcv_core(): version and header length, the header inside the frame,
 * the header checksum, then the total length against what the frame holds
 * (bytes beyond it are Ethernet padding and are ignored). What the fast
 * path does not carry — options, fragments, protocols other than UDP — is
 * XS_PKT_UNHANDLED, with the addresses filled in for the counters' sake.
 */
#include "stack_internal.h"

#define IPV4_MF	    0x2000
#define IPV4_OFFSET 0x1fff

static bool ipv4_unhandled(const uint8_t *ip, unsigned ihl)
{
	return ihl > XS_IPV4_HLEN || (xs_get_be16(ip + 6) & (IPV4_MF | IPV4_OFFSET)) ||
	       ip[9] != IPPROTO_UDP;
}

enum xs_pkt_verdict xs_parse_ipv4(struct xs_pkt *p)
{
	const uint8_t *ip = p->frame + p->l3_off;
	uint32_t avail = p->len - p->l3_off, tot;
	unsigned ihl;

	if (p->l3_off > p->len || avail < XS_IPV4_HLEN || ip[0] >> 4 != 4)
		return XS_PKT_MALFORMED;
	ihl = (ip[0] & 0x0f) * 4u;
	if (ihl < XS_IPV4_HLEN || ihl > avail)
		return XS_PKT_MALFORMED;
	if (xs_csum_fold(xs_csum_add(0, ip, ihl)) != 0)
		return XS_PKT_BAD_CSUM;
	tot = xs_get_be16(ip + 2);
	if (tot < ihl || tot > avail)
		return XS_PKT_MALFORMED;
	p->family = AF_INET;
	p->ip_proto = ip[9];
	p->l4_off = (uint16_t)(p->l3_off + ihl);
	p->l4_len = tot - ihl;
	xs_map_v4(&p->src, ip + 12);
	xs_map_v4(&p->dst, ip + 16);
	return ipv4_unhandled(ip, ihl) ? XS_PKT_UNHANDLED : XS_PKT_OK;
}
