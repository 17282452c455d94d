/*
 * fuzz_cmsg.c — xs_cmsg_parse over arbitrary control buffers: whatever a
 * peer or the kernel put there, parsing must stay inside anclen and every
 * item it returns must lie inside the buffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_ITEMS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_msginfo info = { .anclen = size };
	struct xs_cmsg items[MAX_ITEMS];
	/* Exactly size bytes (aligned for cmsghdr) so ASan sees any overread. */
	void *buf = size ? aligned_alloc(sizeof(size_t), (size + 7) & ~(size_t)7) : NULL;
	size_t n, i;

	if (size && !buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	n = xs_cmsg_parse(buf, &info, items, MAX_ITEMS);
	for (i = 0; i < n && i < MAX_ITEMS; i++) {
		const uint8_t *p = items[i].data, *base = buf;

		if (items[i].len && (p < base || p + items[i].len > base + size))
			abort();
	}
	free(buf);
	return 0;
}
