/*
 * xdp_log.c — libbpf and libxdp print through a callback; this file sets
 * both callbacks to forward into xs_log at debug level, line by line, so
 * that nothing from them reaches stderr behind the application's back.
 * It also keeps, per thread, the tail of what libbpf printed since the
 * last reset: when the kernel refuses the steering program, the reason
 * at the end of the verifier's log goes into the error message itself.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "internal.h"
#include "xdp_log.h"

#define CAPTURE_SIZE 4096

static __thread char capture[CAPTURE_SIZE];
static __thread size_t capture_len;

static void capture_append(const char *s, size_t len)
{
	if (len >= CAPTURE_SIZE) {
		s += len - (CAPTURE_SIZE - 1);
		len = CAPTURE_SIZE - 1;
	}
	if (capture_len + len >= CAPTURE_SIZE) {
		size_t drop = capture_len + len - (CAPTURE_SIZE - 1);

		memmove(capture, capture + drop, capture_len - drop);
		capture_len -= drop;
	}
	memcpy(capture + capture_len, s, len);
	capture_len += len;
	capture[capture_len] = '\0';
}

/* One xs_log message per line: a verifier log is many lines. */
static void log_lines(const char *who, const char *text)
{
	while (*text) {
		const char *nl = strchrnul(text, '\n');

		if (nl > text)
			xs_log(XS_LOG_DEBUG, "%s: %.*s", who, (int)(nl - text), text);
		text = *nl ? nl + 1 : nl;
	}
}

static int forward(const char *who, const char *fmt, va_list ap)
{
	char small[1024], *text = small;
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n >= (int)sizeof(small)) {
		text = malloc(n + 1);
		if (text)
			vsnprintf(text, n + 1, fmt, copy);
		else
			text = small; /* truncated, still worth showing */
	}
	va_end(copy);
	if (n < 0)
		return n;
	capture_append(text, strlen(text));
	log_lines(who, text);
	if (text != small)
		free(text);
	return n;
}

static int from_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's lines already start with "libbpf: ". */
	return forward("bpf", fmt, ap);
}

static int from_libxdp(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	return forward("libxdp", fmt, ap);
}

static void setup_once(void)
{
	libbpf_set_print(from_libbpf);
	libxdp_set_print(from_libxdp);
}

void xdp_log_setup(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, setup_once);
}

void xdp_log_capture_reset(void)
{
	capture_len = 0;
	capture[0] = '\0';
}

/* The start of the line that ends just before end (end is the start of
 * the next line, or of the marker). */
static const char *line_before(const char *end)
{
	const char *p = end - 1;

	while (p > capture && p[-1] != '\n')
		p--;
	return p;
}

/* A line of the verifier's own words, not an instruction ("12: (71) r1
 * = ...") or a source line ("; if (...)"). */
static bool verifier_words(const char *line)
{
	return *line && !strchr("0123456789;", *line);
}

const char *xdp_log_verifier_error(char *buf, size_t len)
{
	const char *end = strstr(capture, "-- END PROG LOAD LOG --");
	const char *last, *prev;

	if (!end || end == capture)
		return NULL;
	/* The log ends with "processed N insns ..."; the reason comes just
	 * before it, in one line or two. */
	last = line_before(end);
	if (!strncmp(last, "processed ", 10) && last > capture) {
		end = last;
		last = line_before(end);
	}
	if (last == end || !verifier_words(last))
		return NULL;
	prev = last > capture ? line_before(last) : last;
	if (prev < last && verifier_words(prev))
		snprintf(buf, len, "%.*s; %.*s", (int)(last - prev - 1), prev,
			 (int)(end - last - 1), last);
	else
		snprintf(buf, len, "%.*s", (int)(end - last - 1), last);
	return buf;
}
