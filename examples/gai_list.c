/*
 * gai_list.c — the getaddrinfo() example of the Python socket
 * documentation, written against xsocket.h only.
 *
 * The seeds show
 *   >>> socket.getaddrinfo("www.python.org", 80, 0, 0, socket.SOL_TCP)
 *   [(2, 1, 6, '', ('82.94.164.162', 80)), (10, 1, 6, '', ('2001:...', 80, 0, 0))]
 * This program makes the same call (family 0, type 0, proto IPPROTO_TCP,
 * flags 0) and prints the list in the same form: one
 * (family, type, proto, canonname, sockaddr) tuple per entry, the numbers
 * as the system defines them and the address as xs_addr_format() renders
 * it. A failure prints the error record and exits 1.
 *
 * Usage: gai_list [HOST [PORT]]     (default: localhost 50007)
 */
#include <netinet/in.h>
#include <stdio.h>

#include <xsocket.h>

#include "example.h"

const char *prog = "gai_list";

static int print_entry(const struct xs_addrinfo *ai)
{
	char addr[256];

	if (xs_addr_format(&ai->addr, addr, sizeof(addr)) < 0)
		return -1;
	printf("(%d, %d, %d, '%s', %s)", ai->family, ai->type, ai->proto,
	       ai->canonname ? ai->canonname : "", addr);
	return 0;
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "localhost";
	const char *port = argc > 2 ? argv[2] : "50007";
	const struct xs_addrinfo *ai;
	struct xs_addrinfo *res;
	int rc = 0;

	if (argc > 3) {
		fprintf(stderr, "usage: %s [HOST [PORT]]\n", prog);
		return 2;
	}
	if (xs_getaddrinfo(host, port, 0, 0, IPPROTO_TCP, 0, &res) < 0)
		return fail("getaddrinfo");

	putchar('[');
	for (ai = res; ai; ai = ai->next) {
		if (ai != res)
			fputs(", ", stdout);
		if (print_entry(ai) < 0) {
			rc = fail("format");
			break;
		}
	}
	puts("]");
	xs_freeaddrinfo(res);
	return rc;
}
