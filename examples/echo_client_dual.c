/*
 * echo_client_dual.c — the IPv4/IPv6 echo client of the Python socket
 * documentation, written against xsocket.h only.
 *
 * It walks getaddrinfo(HOST, PORT, AF_UNSPEC, SOCK_STREAM) and uses the
 * first result it can create and connect; the others are closed and
 * skipped, as in the seed. Then it sends "Hello, world" with sendall,
 * receives up to 1024 bytes once and prints them as the Python 2 seeds do:
 *   Received 'Hello, world'
 * Every socket has the default timeout of 10 s.
 *
 * Usage: echo_client_dual [HOST [PORT]]
 *   HOST  default 127.0.0.1; "::1" or "localhost" exercise the loop
 *   PORT  default 50007
 */
#include <stdio.h>
#include <string.h>

#include <xsocket.h>

#include "example.h"

const char *prog = "echo_client_dual";

/* The first result that connects, or NULL. */
static struct xs_sock *open_connection(const struct xs_addrinfo *res)
{
	const struct xs_addrinfo *ai;
	struct xs_sock *s;

	for (ai = res; ai; ai = ai->next) {
		s = xs_socket(ai->family, ai->type, ai->proto);
		if (!s)
			continue;
		if (xs_connect(s, &ai->addr) < 0) {
			xs_free(s);
			continue;
		}
		return s;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const char msg[] = "Hello, world";
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	const char *port = argc > 2 ? argv[2] : "50007";
	unsigned char data[1024];
	struct xs_addrinfo *res;
	struct xs_sock *s;
	ssize_t n;
	int rc = 1;

	if (argc > 3) {
		fprintf(stderr, "usage: %s [HOST [PORT]]\n", prog);
		return 2;
	}
	xs_setdefaulttimeout(10.0);

	if (xs_getaddrinfo(host, port, AF_UNSPEC, SOCK_STREAM, 0, 0, &res) < 0)
		return fail("getaddrinfo");
	s = open_connection(res);
	xs_freeaddrinfo(res);
	if (!s) {
		puts("could not open socket");
		return 1;
	}
	if (xs_sendall(s, msg, strlen(msg), 0, NULL) < 0) {
		fail("sendall");
		goto out_free;
	}
	n = xs_recv(s, data, sizeof(data), 0);
	if (n < 0) {
		fail("recv");
		goto out_free;
	}
	if (xs_close(s) < 0) {
		fail("close");
		goto out_free;
	}
	fputs("Received ", stdout);
	print_repr(data, (size_t)n);
	putchar('\n');
	rc = 0;
out_free:
	xs_free(s);
	return rc;
}
