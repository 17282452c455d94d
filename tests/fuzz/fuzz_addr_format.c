/*
 * fuzz_addr_format.c — xs_addr_format over arbitrary socket addresses
 * (they come back from the kernel and from peers) and every buffer size:
 * the result is NUL-terminated inside the buffer or an ERANGE error,
 * never a write past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_addr a;
	char *out;
	size_t cap;

	if (size < 2)
		return 0;
	/* First byte: the output capacity; the rest: the sockaddr. */
	cap = data[0];
	if (xs_addr_from_sockaddr(&a, (const struct sockaddr *)(data + 1), size - 1, 0) < 0)
		return 0;
	out = malloc(cap ? cap : 1);
	if (!out)
		return 0;
	if (xs_addr_format(&a, out, cap) >= 0 && memchr(out, '\0', cap) == NULL)
		abort();
	free(out);
	return 0;
}
