/*
 * fuzz_udp.c — arbitrary bytes as a UDP header and payload behind valid
 * Ethernet and IPv4 or IPv6 headers (the IP length covers all of them).
 * The first byte picks the family and whether the UDP checksum is
 * repaired; a datagram that parses is then rebuilt with xs_udp_build and
 * must parse back to the same ports and payload.
 */
#include <stdint.h>

#include "stack_fuzz.h"

static const uint8_t v6_src[16] = {0x20, 0x01, 0, 2, [15] = 1};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0, 2, [15] = 2};

static uint8_t *ip_frame(bool v6, const uint8_t *udp, size_t size, size_t *len)
{
	size_t l3 = v6 ? 40 : 20;
	uint8_t *f = malloc(14 + l3 + size);

	if (!f)
		return NULL;
	memset(f, 0, 14 + l3);
	memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01", 12);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[14] = 0x60;
		f[18] = (uint8_t)(size >> 8), f[19] = (uint8_t)size;
		f[20] = IPPROTO_UDP;
		f[21] = 64;
		memcpy(f + 22, v6_src, 16);
		memcpy(f + 38, v6_dst, 16);
	} else {
		f[14] = 0x45;
		f[16] = (uint8_t)((20 + size) >> 8), f[17] = (uint8_t)(20 + size);
		f[22] = 64;
		f[23] = IPPROTO_UDP;
		memcpy(f + 26, "\xc6\x12\x00\x01\xc6\x12\x00\x02", 8);
		fuzz_put_csum(f + 24, xs_csum_fold(xs_csum_add(0, f + 14, 20)));
	}
	if (size)
		memcpy(f + 14 + l3, udp, size);
	*len = 14 + l3 + size;
	return f;
}

/* What parsed must build and parse back the same. */
static void round_trip(const struct xs_pkt *p)
{
	static uint8_t out[70000];
	struct iovec iov = {(void *)p->payload, p->payload_len};
	struct xs_udp_tx tx = {.family = p->family,
			       .src = p->src,
			       .dst = p->dst,
			       .sport = p->sport,
			       .dport = p->dport,
			       .iov = &iov,
			       .iovcnt = 1};
	struct xs_pkt q;
	ssize_t n = xs_udp_build(out, sizeof(out), &tx);

	CHECK(n == (ssize_t)(xs_udp_header_len(p->family) + p->payload_len));
	CHECK(fuzz_parse_chain(&q, out, (uint32_t)n) == XS_PKT_OK);
	CHECK(q.sport == p->sport && q.dport == p->dport && q.payload_len == p->payload_len);
	CHECK(memcmp(q.payload, p->payload, p->payload_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_pkt p;
	uint8_t *frame;
	size_t len;
	bool v6;

	if (size < 1 || size > 65000)
		return 0;
	v6 = data[0] & 1;
	frame = ip_frame(v6, data + 1, size - 1, &len);
	if (!frame)
		return 0;
	if (data[0] & 2)
		fuzz_fix_csums(frame, len);
	if (fuzz_parse_chain(&p, frame, (uint32_t)len) == XS_PKT_OK)
		round_trip(&p);
	free(frame);
	return 0;
}
