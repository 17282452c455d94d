/*
 * create.c — create_connection and create_server: the two conveniences
 * the seeds (and CPython 3.8+) build from socket, bind, connect and
 * listen. They go through the public calls, so they behave the same on
 * every transport.
 */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <unistd.h>

#include "internal.h"

/* Bind s to (src_host, src_port) in s's family; "" / 0 = any. */
static int bind_source(struct xs_sock *s, const char *src_host, int src_port)
{
	struct xs_addr src;
	int rc;

	if (s->family == AF_INET6)
		rc = xs_addr_inet6(&src, src_host, src_port, 0, 0);
	else
		rc = xs_addr_inet(&src, src_host, src_port);
	return rc < 0 ? -1 : xs_bind(s, &src);
}

static struct xs_sock *try_connect(const struct xs_addrinfo *ai, double timeout,
				   const char *src_host, int src_port)
{
	struct xs_sock *s = xs_socket(ai->family, ai->type, ai->proto);

	if (!s)
		return NULL;
	if (xs_settimeout(s, timeout) == 0 &&
	    (!src_host || bind_source(s, src_host, src_port) == 0) &&
	    xs_connect(s, &ai->addr) == 0)
		return s;
	xs_free(s);
	return NULL;
}

struct xs_sock *xs_create_connection(const char *host, const char *port, double timeout,
				     const char *src_host, int src_port)
{
	struct xs_addrinfo *res, *ai;
	struct xs_sock *s = NULL;
	int n;

	if (!host || !port) {
		xs_fail_value(EINVAL, "create_connection: host and port must not be NULL");
		return NULL;
	}
	if (isnan(timeout))
		timeout = xs_getdefaulttimeout();
	n = xs_getaddrinfo(host, port, AF_UNSPEC, SOCK_STREAM, 0, 0, &res);
	if (n < 0)
		return NULL;
	if (n == 0)
		xs_fail_os(0, "getaddrinfo returns an empty list");
	/* On total failure the record keeps the last attempt's error. */
	for (ai = res; ai && !s; ai = ai->next)
		s = try_connect(ai, timeout, src_host, src_port);
	xs_freeaddrinfo(res);
	return s;
}

static int server_options(struct xs_sock *s, int reuse_port, int dualstack)
{
	if (xs_setsockopt_int(s, SOL_SOCKET, SO_REUSEADDR, 1) < 0)
		return -1;
	if (reuse_port && xs_setsockopt_int(s, SOL_SOCKET, SO_REUSEPORT, 1) < 0)
		return -1;
	if (s->family == AF_INET6 &&
	    xs_setsockopt_int(s, IPPROTO_IPV6, IPV6_V6ONLY, dualstack ? 0 : 1) < 0)
		return -1;
	return 0;
}

struct xs_sock *xs_create_server(const struct xs_addr *a, int backlog, int reuse_port,
				 int dualstack)
{
	struct xs_sock *s;

	if (!a) {
		xs_fail_value(EINVAL, "create_server: address must not be NULL");
		return NULL;
	}
	if (dualstack && a->family != AF_INET6) {
		xs_fail_value(EINVAL, "create_server: dualstack needs an AF_INET6 address "
			      "(such as \"::\")");
		return NULL;
	}
	s = xs_socket(a->family, SOCK_STREAM, 0);
	if (!s)
		return NULL;
	if (server_options(s, reuse_port, dualstack) == 0 && xs_bind(s, a) == 0 &&
	    xs_listen(s, backlog) == 0)
		return s;
	xs_free(s);
	return NULL;
}

/* A question about the host, answered with a bare kernel socket: it must
 * neither freeze the configuration nor touch the error record. */
int xs_has_dualstack_ipv6(void)
{
	int off = 0, fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	ok = setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0;
	close(fd);
	return ok;
}
