/*
 * eth.c — the Ethernet header of a received frame: the addresses, and the
 * ethertype after at most one 802.1Q tag. Like the kernel's
 * eth_type_trans(), an IEEE 802.3 length field in place of the ethertype
 * reads as ETH_P_802_3 (raw 802.3, the old IPX framing) or ETH_P_802_2
 * (LLC), which is what a packet socket bound to those types expects.
 */
#include <linux/if_ether.h>

#include "stack_internal.h"

static uint16_t eth_proto(uint16_t type, const uint8_t *l3, uint32_t avail)
{
	if (type >= ETH_P_802_3_MIN)
		return type;
	if (avail >= 2 && l3[0] == 0xff && l3[1] == 0xff)
		return ETH_P_802_3;
	return ETH_P_802_2;
}

enum xs_pkt_verdict xs_parse_eth(struct xs_pkt *p, const uint8_t *frame, uint32_t len)
{
	uint16_t type, off = XS_ETH_HLEN;

	memset(p, 0, sizeof(*p));
	p->frame = frame;
	p->len = len;
	if (len < XS_ETH_HLEN)
		return XS_PKT_MALFORMED;
	p->dst_mac = frame;
	p->src_mac = frame + 6;
	type = xs_get_be16(frame + 12);
	if (type == ETH_P_8021Q) {
		if (len < XS_ETH_HLEN + XS_VLAN_HLEN)
			return XS_PKT_MALFORMED;
		type = xs_get_be16(frame + 16);
		off += XS_VLAN_HLEN;
	}
	p->ethertype = eth_proto(type, frame + off, len - off);
	p->l3_off = off;
	return XS_PKT_OK;
}
