/*
 * example.c — the helpers of example.h: error report, port parsing, and
 * printing in Python's forms, as the seeds' programs print.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

int fail(const char *what)
{
	const struct xs_error *e = xs_last_error();

	fprintf(stderr, "%s: %s: %s [%d]: %s\n", prog, what, xs_errkind_name(e->kind), e->code,
		e->msg);
	return 1;
}

int parse_port(const char *s, int *port)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

/* Quoted, with escapes for quotes, backslash and bytes that are not
 * printable ASCII. */
void print_repr(const unsigned char *p, size_t n)
{
	char q = (memchr(p, '\'', n) && !memchr(p, '"', n)) ? '"' : '\'';
	size_t i;

	putchar(q);
	for (i = 0; i < n; i++) {
		if (p[i] == q || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (p[i] == '\t')
			fputs("\\t", stdout);
		else if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\r')
			fputs("\\r", stdout);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			printf("\\x%02x", p[i]);
		else
			putchar(p[i]);
	}
	putchar(q);
}

int print_addr(const char *label, const struct xs_addr *a)
{
	char text[256];

	if (xs_addr_format(a, text, sizeof(text)) < 0)
		return -1;
	printf("%s %s\n", label, text);
	fflush(stdout);
	return 0;
}
