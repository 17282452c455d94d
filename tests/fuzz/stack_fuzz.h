/*
 * stack_fuzz.h — what the lib/stack fuzz targets share: an exact-size heap
 * copy of the input (so AddressSanitizer sees any read past the frame), the
 * invariants every parser result must keep, a slow reference checksum to
 * compare the fast one against, and a pass that repairs the IPv4 and UDP
 * checksums of a frame so that the fuzzer also reaches what lies beyond
 * them.
 */
#ifndef XS_STACK_FUZZ_H
#define XS_STACK_FUZZ_H

#include <linux/if_ether.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			abort();                                                                   \
	} while (0)

static inline uint8_t *fuzz_copy(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(size ? size : 1);

	if (buf && size)
		memcpy(buf, data, size);
	return buf;
}

static inline bool fuzz_inside(const struct xs_pkt *p, const uint8_t *ptr, uint64_t len)
{
	return ptr >= p->frame && (uint64_t)(ptr - p->frame) + len <= p->len;
}

/* Run eth -> IPv4/IPv6 -> UDP as the stack does and check what each layer
 * claims against the frame it was given. Returns the last verdict. */
static inline enum xs_pkt_verdict fuzz_parse_chain(struct xs_pkt *p, const uint8_t *frame,
						   uint32_t len)
{
	enum xs_pkt_verdict v = xs_parse_eth(p, frame, len);

	CHECK(p->frame == frame && p->len == len);
	if (v != XS_PKT_OK)
		return v;
	CHECK(p->l3_off == 14 || p->l3_off == 18);
	CHECK(p->l3_off <= len && p->dst_mac == frame && p->src_mac == frame + 6);
	if (p->ethertype == ETH_P_IP)
		v = xs_parse_ipv4(p);
	else if (p->ethertype == ETH_P_IPV6)
		v = xs_parse_ipv6(p);
	else
		return XS_PKT_UNHANDLED;
	if (v == XS_PKT_OK || v == XS_PKT_UNHANDLED) {
		CHECK(p->family == (p->ethertype == ETH_P_IP ? AF_INET : AF_INET6));
		CHECK(p->l4_off >= p->l3_off + 20);
		CHECK(fuzz_inside(p, frame + p->l4_off, p->l4_len));
	}
	if (v != XS_PKT_OK)
		return v;
	CHECK(p->ip_proto == IPPROTO_UDP);
	v = xs_parse_udp(p);
	if (v == XS_PKT_OK || v == XS_PKT_BAD_CSUM) {
		CHECK(p->payload == frame + p->l4_off + 8);
		CHECK(p->payload_len + 8 <= p->l4_len);
		CHECK(fuzz_inside(p, p->payload, p->payload_len));
	}
	return v;
}

/* RFC 1071 4.1, one big-endian word at a time. */
static inline uint16_t fuzz_reference_csum(const uint8_t *p, size_t len)
{
	uint64_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void fuzz_put_csum(uint8_t *at, uint16_t c)
{
	memcpy(at, &c, 2); /* xs_csum_fold's result is in network order */
}

/* Make the checksums of an untagged IPv4/IPv6 UDP frame right, reading
 * lengths leniently and staying inside len. */
static inline void fuzz_fix_csums(uint8_t *f, size_t len)
{
	struct in6_addr src = {0}, dst = {0};
	size_t l3 = 14, l4, ulen;
	int family;

	if (len < l3 + 1)
		return;
	if (f[12] == 0x08 && f[13] == 0x00 && (f[l3] >> 4) == 4) {
		size_t ihl = (f[l3] & 0x0f) * 4u;

		if (ihl < 20 || l3 + ihl > len)
			return;
		f[l3 + 10] = f[l3 + 11] = 0;
		fuzz_put_csum(f + l3 + 10, xs_csum_fold(xs_csum_add(0, f + l3, ihl)));
		family = AF_INET;
		src.s6_addr[10] = src.s6_addr[11] = dst.s6_addr[10] = dst.s6_addr[11] = 0xff;
		memcpy(src.s6_addr + 12, f + l3 + 12, 4);
		memcpy(dst.s6_addr + 12, f + l3 + 16, 4);
		l4 = l3 + ihl;
	} else if (f[12] == 0x86 && f[13] == 0xdd && len >= l3 + 40) {
		family = AF_INET6;
		memcpy(&src, f + l3 + 8, 16);
		memcpy(&dst, f + l3 + 24, 16);
		l4 = l3 + 40;
	} else {
		return;
	}
	if (len < l4 + 8)
		return;
	ulen = (size_t)(f[l4 + 4] << 8 | f[l4 + 5]);
	if (ulen < 8 || ulen > len - l4)
		return;
	f[l4 + 6] = f[l4 + 7] = 0;
	fuzz_put_csum(f + l4 + 6, xs_udp_csum(family, &src, &dst, f + l4, (uint32_t)ulen));
}

/* An Ethernet header to us from the peer, then body: the targets that fuzz
 * one layer put the fuzzer's bytes right behind the layers below it. */
static inline uint8_t *fuzz_frame(uint16_t ethertype, const uint8_t *body, size_t size, size_t *len)
{
	static const uint8_t eth[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	uint8_t *f = malloc(14 + size);

	if (!f)
		return NULL;
	memcpy(f, eth, 12);
	f[12] = (uint8_t)(ethertype >> 8);
	f[13] = (uint8_t)ethertype;
	if (size)
		memcpy(f + 14, body, size);
	*len = 14 + size;
	return f;
}

#endif
