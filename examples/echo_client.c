/*
 * echo_client.c — the IPv4 echo client of the Python socket documentation
 * ("Echo client program"), written against xsocket.h only.
 *
 * It connects to (HOST, PORT), sends "Hello, world" with sendall, receives
 * up to 1024 bytes once and prints them as the Python 2 seeds do:
 *   Received 'Hello, world'
 * Every socket has the default timeout of 10 s, so a silent server makes
 * it fail instead of hang. Errors go to stderr with the error record's
 * kind, code and message; the exit status is then 1.
 *
 * Usage: echo_client [HOST [PORT]]
 *   HOST  default 127.0.0.1 (the seeds' remote host is replaced by loopback)
 *   PORT  default 50007
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xsocket.h>

#include "example.h"

const char *prog = "echo_client";

int main(int argc, char **argv)
{
	static const char msg[] = "Hello, world";
	const char *host = argc > 1 ? argv[1] : "127.0.0.1";
	int port = 50007;
	unsigned char data[1024];
	struct xs_sock *s;
	struct xs_addr a;
	ssize_t n;
	int rc = 1;

	if (argc > 3 || (argc > 2 && parse_port(argv[2], &port) < 0)) {
		fprintf(stderr, "usage: %s [HOST [PORT]]\n", prog);
		return 2;
	}
	xs_setdefaulttimeout(10.0);

	s = xs_socket(AF_INET, SOCK_STREAM, 0);
	if (!s)
		return fail("socket");
	if (xs_addr_inet(&a, host, port) < 0) {
		fail("address");
		goto out_free;
	}
	if (xs_connect(s, &a) < 0) {
		fail("connect");
		goto out_free;
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
