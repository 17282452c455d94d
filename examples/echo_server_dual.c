/*
 * echo_server_dual.c — the IPv4/IPv6 echo server of the Python socket
 * documentation, written against xsocket.h only.
 *
 * It walks getaddrinfo(HOST, PORT, AF_UNSPEC, SOCK_STREAM, 0, AI_PASSIVE)
 * and keeps the first result it can create, bind and listen(1) on; as the
 * seed says, it listens on that one family only. Then it accepts one
 * client, prints "Connected by <address>", echoes with recv(1024)/send
 * until the client closes, and exits. The default timeout (10 s) bounds
 * every wait.
 *
 * Usage: echo_server_dual [HOST [PORT]]
 *   HOST  omitted or "" = None (all interfaces, the AI_PASSIVE addresses)
 *   PORT  default 50007; 0 = a free port chosen by the kernel
 * Before accepting it prints "Listening on <address>" with the bound
 * address; run_examples.sh waits for it.
 */
#include <netdb.h> /* AI_PASSIVE: xsocket.h uses the system's constants */
#include <stdio.h>
#include <stdlib.h>

#include <xsocket.h>

#include "example.h"

const char *prog = "echo_server_dual";

/* The first result that binds and listens, or NULL. */
static struct xs_sock *open_listener(const struct xs_addrinfo *res)
{
	const struct xs_addrinfo *ai;
	struct xs_sock *s;

	for (ai = res; ai; ai = ai->next) {
		s = xs_socket(ai->family, ai->type, ai->proto);
		if (!s)
			continue;
		if (xs_bind(s, &ai->addr) < 0 || xs_listen(s, 1) < 0) {
			xs_free(s);
			continue;
		}
		return s;
	}
	return NULL;
}

/* Echo until the peer closes; 0 on an orderly end, 1 on an error. The
 * seed's dual-stack server uses send(), not sendall(). */
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
		if (xs_send(conn, data, (size_t)n, 0) < 0)
			return fail("send");
	}
}

int main(int argc, char **argv)
{
	const char *host = argc > 1 && argv[1][0] ? argv[1] : NULL;
	const char *port = argc > 2 ? argv[2] : "50007";
	struct xs_addrinfo *res;
	struct xs_sock *s, *conn;
	struct xs_addr a, peer;
	int rc = 1;

	if (argc > 3) {
		fprintf(stderr, "usage: %s [HOST [PORT]]\n", prog);
		return 2;
	}
	xs_setdefaulttimeout(10.0);

	if (xs_getaddrinfo(host, port, AF_UNSPEC, SOCK_STREAM, 0, AI_PASSIVE, &res) < 0)
		return fail("getaddrinfo");
	s = open_listener(res);
	xs_freeaddrinfo(res);
	if (!s) {
		puts("could not open socket");
		return 1;
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
