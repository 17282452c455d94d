/*
 * conn.c — binding, listening, accepting and connecting, including the
 * connect-with-timeout sequence of §2.9 (connect, EINPROGRESS, wait for
 * POLLOUT, SO_ERROR). create.c builds create_connection and
 * create_server on these calls.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>

#include "internal.h"

#define LISTEN_DEFAULT_BACKLOG 128 /* CPython: min(SOMAXCONN, 128) */

static const char *family_label(int family)
{
	const char *name = xs_family_name(family);

	return name ? name : "unspec";
}

int xs_addr_check(const struct xs_sock *s, const struct xs_addr *a, const char *what)
{
	if (!a)
		return xs_fail_value(EINVAL, "%s: address must not be NULL", what);
	if (a->len > sizeof(a->ss) || a->len < sizeof(sa_family_t))
		return xs_fail_value(EINVAL, "%s: address length %u is out of range (build the "
				     "address with an xs_addr_* constructor)", what, a->len);
	/* AF_RDS sockets take AF_INET addresses, as CPython does. */
	if (a->family != s->family && !(s->family == AF_RDS && a->family == AF_INET))
		return xs_fail_value(EAFNOSUPPORT, "%s: a %s socket needs a %s address, not %s",
				     what, family_label(s->family), family_label(s->family),
				     family_label(a->family));
	return 0;
}

static int addr_call(struct xs_sock *s, const struct xs_addr *a, const char *what,
		     int (*op)(struct xs_sock *, const struct xs_addr *))
{
	int rc;

	if (xs_sock_check(s) < 0 || xs_addr_check(s, a, what) < 0)
		return -1;
	if (!op)
		return xs_fail_os(EOPNOTSUPP, "%s: not supported by transport %s", what,
				  s->tp->name);
	rc = op(s, a);
	return rc < 0 ? xs_fail_op(rc, what) : 0;
}

int xs_bind(struct xs_sock *s, const struct xs_addr *a)
{
	return addr_call(s, a, "bind", s ? s->tp->bind : NULL);
}

int xs_listen(struct xs_sock *s, int backlog)
{
	int rc;

	if (xs_sock_check(s) < 0)
		return -1;
	if (!s->tp->listen)
		return xs_fail_os(EOPNOTSUPP, "listen: not supported by transport %s", s->tp->name);
	if (backlog == XS_LISTEN_DEFAULT)
		backlog = SOMAXCONN < LISTEN_DEFAULT_BACKLOG ? SOMAXCONN : LISTEN_DEFAULT_BACKLOG;
	rc = s->tp->listen(s, backlog < 0 ? 0 : backlog);
	return rc < 0 ? xs_fail_op(rc, "listen") : 0;
}

struct xs_sock *xs_accept(struct xs_sock *s, struct xs_addr *peer)
{
	struct xs_deadline dl = { 0 };
	struct xs_sock *child;
	int rc;

	if (xs_sock_check(s) < 0)
		return NULL;
	if (!s->tp->accept) {
		xs_fail_os(EOPNOTSUPP, "accept: not supported by transport %s", s->tp->name);
		return NULL;
	}
	child = xs_sock_new(s->tp, s->family, s->type, s->proto);
	if (!child)
		return NULL;
	while ((rc = s->tp->accept(s, child, peer)) < 0)
		if (xs_call_wait(s, rc, 0, POLLIN, &dl, "accept") < 0)
			goto out_free;
	if (peer)
		xs_addr_settle(peer, s, peer->len);
	/* §1.7.3: the accepted socket takes the default timeout, whatever the
	 * listener's mode; it arrives blocking from accept4. */
	if (xs_sock_apply_timeout(child, xs_getdefaulttimeout()) == 0)
		return child;
out_free:
	xs_free(child);
	return NULL;
}

/* The connection started by connect(): wait for it, then read its fate. */
static int connect_finish(struct xs_sock *s)
{
	struct xs_deadline dl = { 0 };
	socklen_t len = sizeof(int);
	int err = 0, rc;

	if (xs_wait_ready(s, POLLOUT, &dl, "connect") < 0)
		return -1;
	rc = s->tp->getsockopt ? s->tp->getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) :
				 -EOPNOTSUPP;
	if (rc < 0)
		return xs_fail_op(rc, "connect");
	if (err && err != EISCONN)
		return xs_fail_op(-err, "connect");
	return 0;
}

/* 0, or -1 with the record; *os_err gets the connect-level errno for
 * connect_ex (0 when the failure was not the connection's). */
static int connect_common(struct xs_sock *s, const struct xs_addr *a, int *os_err)
{
	int rc;

	*os_err = 0;
	if (xs_sock_check(s) < 0 || xs_addr_check(s, a, "connect") < 0)
		return -1;
	if (!s->tp->connect)
		return xs_fail_os(EOPNOTSUPP, "connect: not supported by transport %s",
				  s->tp->name);
	rc = s->tp->connect(s, a);
	if (rc == 0)
		return 0;
	/* Only EINPROGRESS means the connection is under way: AF_UNIX answers
	 * EAGAIN for a full backlog, and nothing was started then. */
	bool in_progress = rc == -EINPROGRESS;
	bool waits = (rc == -EINTR && s->timeout != 0.0) ||
		     (in_progress && (s->timeout > 0 || (s->timeout < 0 && !s->tp->set_blocking)));

	if (rc == -EINTR && xs_interrupted())
		waits = false;
	if (!waits) {
		*os_err = -rc;
		return xs_fail_op(rc, "connect");
	}
	if (connect_finish(s) == 0)
		return 0;
	if (xs_last_error()->kind == XS_ERR_TIMEOUT)
		*os_err = EWOULDBLOCK; /* connect_ex reports a timeout as CPython does */
	else if (xs_last_error()->kind == XS_ERR_OS)
		*os_err = xs_last_error()->code;
	return -1;
}

int xs_connect(struct xs_sock *s, const struct xs_addr *a)
{
	int os_err;

	return connect_common(s, a, &os_err);
}

int xs_connect_ex(struct xs_sock *s, const struct xs_addr *a)
{
	int os_err;

	if (connect_common(s, a, &os_err) == 0)
		return 0;
	return os_err ? os_err : -1;
}

static int name_call(const struct xs_sock *s, struct xs_addr *out, const char *what,
		     int (*op)(const struct xs_sock *, struct xs_addr *))
{
	int rc;

	if (xs_sock_check(s) < 0)
		return -1;
	if (!out)
		return xs_fail_value(EINVAL, "%s: out must not be NULL", what);
	if (!op)
		return xs_fail_os(EOPNOTSUPP, "%s: not supported by transport %s", what,
				  s->tp->name);
	rc = op(s, out);
	if (rc < 0)
		return xs_fail_op(rc, what);
	xs_addr_settle(out, s, out->len);
	/* An unbound AF_UNIX socket has a family but no name (Python ''). */
	if (out->family == AF_UNSPEC && op == s->tp->getsockname)
		out->family = s->family;
	return 0;
}

int xs_getsockname(const struct xs_sock *s, struct xs_addr *out)
{
	return name_call(s, out, "getsockname", s ? s->tp->getsockname : NULL);
}

int xs_getpeername(const struct xs_sock *s, struct xs_addr *out)
{
	return name_call(s, out, "getpeername", s ? s->tp->getpeername : NULL);
}

int xs_shutdown(struct xs_sock *s, int how)
{
	int rc;

	if (xs_sock_check(s) < 0)
		return -1;
	if (!s->tp->shutdown)
		return xs_fail_os(EOPNOTSUPP, "shutdown: not supported by transport %s",
				  s->tp->name);
	rc = s->tp->shutdown(s, how);
	return rc < 0 ? xs_fail_op(rc, "shutdown") : 0;
}
