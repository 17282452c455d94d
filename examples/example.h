/*
 * example.h — the few helpers the seed examples share, so that each
 * example file holds only what its seed program does.
 */
#ifndef XS_EXAMPLE_H
#define XS_EXAMPLE_H

#include <stddef.h>

#include <xsocket.h>

/* The program's name for messages; each example defines it. */
extern const char *prog;

/* Print "prog: what: kind [code]: message" from the error record; returns 1. */
int fail(const char *what);
/* A decimal port 0-65535 into *port; -1 if s is not one. */
int parse_port(const char *s, int *port);
/* Python 2's repr() of a str, on stdout. */
void print_repr(const unsigned char *p, size_t n);
/* "label <address in Python's form>" on stdout, flushed; -1 on error. */
int print_addr(const char *label, const struct xs_addr *a);

#endif
