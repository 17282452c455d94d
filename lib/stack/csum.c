/*
 * csum.c — the Internet checksum (RFC 1071) for the IPv4 header and UDP.
 * The sum is taken over 16-bit words as they lie in memory: one's-complement
 * addition does not care about byte order (RFC 1071 2(B)), so the folded
 * result is already in network order when stored as a native integer, and
 * no byte swap is needed on either side.
 */
#include "stack_internal.h"

/* 32-bit words into a 64-bit accumulator: no carry to handle per word,
 * and the folds at the end give the same one's-complement sum. */
uint32_t xs_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;
	uint32_t w;
	uint16_t h;

	for (; len >= 16; p += 16, len -= 16) {
		uint32_t v[4];

		memcpy(v, p, sizeof(v));
		acc += (uint64_t)v[0] + v[1] + v[2] + v[3];
	}
	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		acc += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		acc += h;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* The odd byte is the first of a word whose second is zero. */
		uint8_t last[2] = {p[0], 0};

		memcpy(&h, last, 2);
		acc += h;
	}
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t xs_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t xs_csum_pseudo(int family, const struct in6_addr *src, const struct in6_addr *dst,
			uint32_t len, uint8_t proto)
{
	uint8_t tail[8] = {0};
	uint32_t sum;

	if (family == AF_INET) {
		sum = xs_csum_add(0, src->s6_addr + 12, 4);
		sum = xs_csum_add(sum, dst->s6_addr + 12, 4);
		tail[1] = proto;
		xs_put_be16(tail + 2, (uint16_t)len);
		return xs_csum_add(sum, tail, 4);
	}
	sum = xs_csum_add(0, src->s6_addr, 16);
	sum = xs_csum_add(sum, dst->s6_addr, 16);
	xs_put_be16(tail, (uint16_t)(len >> 16));
	xs_put_be16(tail + 2, (uint16_t)len);
	tail[7] = proto;
	return xs_csum_add(sum, tail, 8);
}

uint16_t xs_udp_csum(int family, const struct in6_addr *src, const struct in6_addr *dst,
		     const uint8_t *udp, uint32_t udp_len)
{
	uint32_t sum = xs_csum_pseudo(family, src, dst, udp_len, IPPROTO_UDP);
	uint16_t c = xs_csum_fold(xs_csum_add(sum, udp, udp_len));

	/* Zero on the wire means "no checksum" (RFC 768): send all ones. */
	return c ? c : 0xffff;
}
