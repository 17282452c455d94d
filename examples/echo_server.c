/*
 * echo_server.c — the IPv4 echo server of the Python socket documentation
 * ("Echo server program"), written against xsocket.h only.
 *
 * It binds (HOST, PORT), listens with a backlog of 1, accepts one client,
 * prints "Connected by <address>", sends back everything it receives in
 * chunks of up to 1024 bytes until the client closes, and exits. The
 * default timeout (10 s) applies to every socket it creates, so a client
 * that never comes or never closes makes it fail instead of hang.
 *
 * Usage: echo_server [HOST [PORT]]
 *   HOST  "" (the default) = all interfaces (INADDR_ANY)
 *   PORT  default 50007; 0 = a free port chosen by the kernel
 * Before accepting it prints "Listening on <address>" (the bound address,
 * so the port chosen for 0 is visible); run_examples.sh waits for it.
 */
#include <stdio.h>
#include <stdlib.h>

#include <xsocket.h>

#include "example.h"

const char *prog = "echo_server";

/* Echo until the peer closes; 0 on an orderly end, 1 on an error. */
static int echo(struct xs_sock *conn)
{
	char data[1024];
	ssize_t n;

	for (;;) {
		n = xs_recv(conn, data, sizeof(data), 0);
		if (n < 0)
			return fail("recv");
		if (n == 0)
			return 0;
		if (xs_sendall(conn, data, (size_t)n, 0, NULL) < 0)
			return fail("sendall");
	}
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 ? argv[1] : "";
	int port = 50007;
	struct xs_sock *s, *conn;
	struct xs_addr a, peer;
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
	if (xs_bind(s, &a) < 0) {
		fail("bind");
		goto out_free;
	}
	if (xs_listen(s, 1) < 0) {
		fail("listen");
		goto out_free;
	}
	if (xs_getsockname(s, &a) < 0 || print_addr("Listening on", &a) < 0) {
		fail("getsockname");
		goto out_free;
	}

	conn = xs_accept(s, &peer);
	if (!conn) {
		fail("accept");
		goto out_free;
	}
	print_addr("Connected by", &peer);
	rc = echo(conn);
	if (xs_close(conn) < 0)
		rc = fail("close");
	xs_free(conn);
out_free:
	xs_free(s);
	return rc;
}
