/*
 * error.c — the thread-local error record behind xs_last_error().
 *
 * Every failing public call ends here exactly once: the record gets the
 * kind (which Python exception the failure stands for), the code and a
 * message, and errno gets the code when the code is an errno value. A
 * successful call never touches the record, as with errno.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static __thread struct xs_error last_error;

const struct xs_error *xs_last_error(void)
{
	return &last_error;
}

void xs_clear_error(void)
{
	memset(&last_error, 0, sizeof(last_error));
}

const char *xs_errkind_name(enum xs_errkind kind)
{
	static const char *const names[] = {
		[XS_ERR_NONE] = "none",         [XS_ERR_OS] = "OSError",
		[XS_ERR_HERROR] = "herror",     [XS_ERR_GAI] = "gaierror",
		[XS_ERR_TIMEOUT] = "timeout",   [XS_ERR_VALUE] = "ValueError",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[kind];
}

/* The standard text for a code of a kind, used when the caller gave none. */
static void default_message(enum xs_errkind kind, int code, char *buf, size_t len)
{
	switch (kind) {
	case XS_ERR_GAI:
		snprintf(buf, len, "%s", gai_strerror(code));
		break;
	case XS_ERR_HERROR:
		snprintf(buf, len, "%s", hstrerror(code));
		break;
	case XS_ERR_TIMEOUT:
		snprintf(buf, len, "timed out");
		break;
	default:
		snprintf(buf, len, "%s", strerror(code));
	}
}

int xs_fail(enum xs_errkind kind, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	last_error.kind = kind;
	last_error.code = code;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(last_error.msg, sizeof(last_error.msg), fmt, ap);
		va_end(ap);
	} else {
		default_message(kind, code, last_error.msg, sizeof(last_error.msg));
	}
	/* h_errno and EAI_* values are not errnos; keep errno meaningful. */
	if (kind == XS_ERR_OS || kind == XS_ERR_TIMEOUT || kind == XS_ERR_VALUE)
		errno = code ? code : saved;
	return -1;
}

/* The message is what + text, joined without a format: an event loop on a
 * non-blocking socket meets EAGAIN often, and vsnprintf would be most of
 * the cost of an empty poll. */
int xs_fail_join(enum xs_errkind kind, int code, const char *what, const char *text)
{
	size_t cap = sizeof(last_error.msg) - 1;
	size_t a = strnlen(what, cap), b = strnlen(text, cap - a);

	last_error.kind = kind;
	last_error.code = code;
	memcpy(last_error.msg, what, a);
	memcpy(last_error.msg + a, text, b);
	last_error.msg[a + b] = '\0';
	errno = code;
	return -1;
}

int xs_copy_out(const char *src, char *buf, size_t len, const char *what)
{
	size_t need = strlen(src) + 1;

	if (need > len)
		return xs_fail_os(ERANGE, "%s: result needs %zu bytes, buffer has %zu", what,
				  need, len);
	memcpy(buf, src, need);
	return 0;
}

int xs_fail_op(int neg_errno, const char *what)
{
	int code = -neg_errno;

	return xs_fail(XS_ERR_OS, code, "%s: %s", what, strerror(code));
}

int xs_fail_timeout(void)
{
	return xs_fail(XS_ERR_TIMEOUT, ETIMEDOUT, "timed out");
}

int xs_fail_gai(int eai, const char *what)
{
	if (eai == EAI_SYSTEM)
		return xs_fail(XS_ERR_OS, errno, "%s: %s", what, strerror(errno));
	return xs_fail(XS_ERR_GAI, eai, "%s: %s", what, gai_strerror(eai));
}
