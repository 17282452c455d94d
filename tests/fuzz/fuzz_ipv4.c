/*
 * fuzz_ipv4.c — arbitrary bytes as an IPv4 packet behind an Ethernet
 * header, through the IPv4 and UDP parsers. The first byte chooses whether
 * the header and UDP checksums are repaired first, so the fuzzer reaches
 * the length, option, fragment and UDP checks as well as the checksum
 * ones.
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
	frame = fuzz_frame(ETH_P_IP, data + 1, size - 1, &len);
	if (!frame)
		return 0;
	if (data[0] & 1)
		fuzz_fix_csums(frame, len);
	v = fuzz_parse_chain(&p, frame, (uint32_t)len);
	/* A header that passed its checksum sums to zero by the reference. */
	if (v == XS_PKT_OK || v == XS_PKT_UNHANDLED)
		CHECK(fuzz_reference_csum(frame + 14, (frame[14] & 0x0f) * 4u) == 0);
	free(frame);
	return 0;
}
