/*
 * fuzz_config.c — the configuration parser over arbitrary text: a value
 * from the environment or from xs_config_set is either accepted or
 * refused with a message, and what is accepted can be read back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const keys[] = { "transport", "fallback", "log" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char value[512], back[512];

	if (size < 1 || size > sizeof(value))
		return 0;
	/* First byte: which key; the rest: the value. */
	memcpy(value, data + 1, size - 1);
	value[size - 1] = '\0';
	if (xs_config_set(keys[data[0] % 3], value) == 0 &&
	    (xs_config_get(keys[data[0] % 3], back, sizeof(back)) < 0 || strcmp(back, value)))
		abort();
	if (xs_last_error()->kind != XS_ERR_NONE && !xs_last_error()->msg[0])
		abort();
	return 0;
}
