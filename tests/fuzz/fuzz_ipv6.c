/*
 * fuzz_ipv6.c — arbitrary bytes as an IPv6 packet behind an Ethernet
 * header, through the IPv6 and UDP parsers. The first byte chooses whether
 * the UDP checksum is repaired first.
 */
#include <stdint.h>

#include "stack_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_pkt p;
	enum xs_pkt_verdict v;
	uint8_t *frame;
	size_t len;

	if (size < 1 || size > 70000)
		return 0;
	frame = fuzz_frame(ETH_P_IPV6, data + 1, size - 1, &len);
	if (!frame)
		return 0;
	if (data[0] & 1)
		fuzz_fix_csums(frame, len);
	v = fuzz_parse_chain(&p, frame, (uint32_t)len);
	if (v == XS_PKT_OK)
		CHECK(p.l4_len == (uint32_t)(frame[18] << 8 | frame[19]));
	free(frame);
	return 0;
}
