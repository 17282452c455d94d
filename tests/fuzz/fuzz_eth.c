/*
 * fuzz_eth.c — arbitrary bytes as a whole received frame through the
 * stack's parser chain (Ethernet, at most one VLAN tag, IPv4/IPv6, UDP):
 * no layer reads outside the frame and every offset and length it reports
 * lies inside it. The fast checksum is compared with the slow reference on
 * the same bytes.
 */
#include <stdint.h>

#include "stack_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *frame = fuzz_copy(data, size);
	struct xs_pkt p;

	if (!frame || size > UINT32_MAX)
		return free(frame), 0;
	fuzz_parse_chain(&p, frame, (uint32_t)size);
	CHECK(xs_csum_fold(xs_csum_add(0, frame, size)) == htons(fuzz_reference_csum(frame, size)));
	free(frame);
	return 0;
}
