/*
 * sock.c — the socket object: creation through the chosen transport,
 * lifetime (close, free, detach, dup, fromfd, adopt), the timeout modes
 * of §1.7.3 and the option calls. Arguments are validated here once, so
 * transports never see a closed socket or a NULL buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define TYPE_FLAGS (SOCK_NONBLOCK | SOCK_CLOEXEC)

/* Seconds; < 0 is None. Read by every new socket, set rarely. */
static double default_timeout = -1.0;

void xs_addr_settle(struct xs_addr *a, const struct xs_sock *s, socklen_t len)
{
	a->len = len;
	a->family = len >= sizeof(sa_family_t) ? a->ss.ss_family : AF_UNSPEC;
	a->proto = (s->family == AF_BLUETOOTH || s->family == AF_CAN) ? s->proto : 0;
}

int xs_sock_unusable(const struct xs_sock *s)
{
	if (!s)
		return xs_fail_value(EINVAL, "socket handle is NULL");
	return xs_fail_os(EBADF, "Bad file descriptor: the socket is closed");
}

struct xs_sock *xs_sock_new(const struct xs_transport *tp, int family, int type, int proto)
{
	struct xs_sock *s = calloc(1, sizeof(*s));

	if (!s) {
		xs_fail_os(ENOMEM, "out of memory allocating a socket");
		return NULL;
	}
	s->tp = tp;
	s->fd = -1;
	s->family = family;
	s->type = type;
	s->proto = proto;
	s->timeout = -1.0; /* what a fresh kernel socket is: blocking */
	return s;
}

/* Set the transport's blocking state for a timeout. Without force it is
 * changed only when the mode's blocking-ness changes: the core's own
 * fresh endpoints are known to be blocking. settimeout forces it, as
 * CPython does, since a dup or the caller's fcntl may have changed the
 * descriptor's flag behind the handle. */
static int apply_timeout(struct xs_sock *s, double timeout, bool force)
{
	bool was_blocking = s->timeout < 0, blocking = timeout < 0;
	int rc;

	if (s->tp->set_blocking && (force || was_blocking != blocking)) {
		rc = s->tp->set_blocking(s, blocking);
		if (rc < 0)
			return xs_fail_op(rc, "settimeout");
	}
	s->timeout = timeout < 0 ? -1.0 : timeout;
	return 0;
}

int xs_sock_apply_timeout(struct xs_sock *s, double timeout)
{
	return apply_timeout(s, timeout, false);
}

static int check_timeout(double timeout)
{
	if (isnan(timeout))
		return xs_fail_value(EINVAL, "Timeout value out of range: NaN (use a negative "
				     "value for None, 0 for non-blocking, seconds otherwise)");
	if (timeout > 0 && timeout * 1e9 > (double)INT64_MAX / 2)
		return xs_fail_value(EOVERFLOW, "Timeout value too large: %g s", timeout);
	return 0;
}

struct xs_sock *xs_socket(int family, int type, int proto)
{
	int base = type & ~TYPE_FLAGS;
	const struct xs_transport *tp = xs_transport_pick(family, base, proto);
	struct xs_sock *s;
	int rc;

	if (!tp || xs_transport_ready(tp) < 0)
		return NULL;
	s = xs_sock_new(tp, family, base, proto);
	if (!s)
		return NULL;
	rc = tp->open(s, family, base, proto);
	if (rc < 0) {
		xs_fail_op(rc, "socket");
		free(s);
		return NULL;
	}
	if (apply_timeout(s, (type & SOCK_NONBLOCK) ? 0.0 : xs_getdefaulttimeout(), false) < 0) {
		xs_free(s);
		return NULL;
	}
	return s;
}

/* As CPython: SOCK_NONBLOCK in type means timeout 0.0, otherwise the
 * default timeout; the descriptor's flag is touched only for a timeout
 * mode, so a blocking adoption leaves the caller's descriptor as it was.
 * Returns -errno for wrap_fd's single error path. */
static int adopt_timeout(struct xs_sock *s, int type)
{
	double timeout = (type != -1 && (type & SOCK_NONBLOCK)) ? 0.0 : xs_getdefaulttimeout();

	s->timeout = timeout < 0 ? -1.0 : timeout;
	return timeout >= 0 ? xs_kernel_transport.set_blocking(s, false) : 0;
}

/* fromfd and socket(fileno=) wrap a kernel descriptor: the kernel
 * transport carries it whatever the configuration says. */
static struct xs_sock *wrap_fd(int fd, int family, int type, int proto)
{
	struct xs_sock *s;
	int rc;

	if (xs_transport_ready(&xs_kernel_transport) < 0)
		return NULL;
	/* -1 asks the kernel; keep it intact for the transport to see. */
	s = xs_sock_new(&xs_kernel_transport, family, type == -1 ? -1 : type & ~TYPE_FLAGS,
			proto);
	if (!s)
		return NULL;
	rc = xs_kernel_transport.adopt(s, fd);
	if (rc == 0)
		rc = adopt_timeout(s, type);
	if (rc < 0) {
		xs_fail_op(rc, "socket(fileno)");
		s->fd = -1; /* the descriptor stays the caller's */
		free(s);
		return NULL;
	}
	return s;
}

struct xs_sock *xs_socket_adopt(xs_fd_t fd, int family, int type, int proto)
{
	if (fd < 0) {
		xs_fail_value(EINVAL, "socket(fileno): negative file descriptor %d", fd);
		return NULL;
	}
	return wrap_fd(fd, family, type, proto);
}

struct xs_sock *xs_fromfd(xs_fd_t fd, int family, int type, int proto)
{
	struct xs_sock *s;
	int copy;

	if (fd < 0) {
		xs_fail_value(EINVAL, "fromfd: negative file descriptor %d", fd);
		return NULL;
	}
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (copy < 0) {
		xs_fail_os(errno, "fromfd: cannot duplicate descriptor %d: %m", fd);
		return NULL;
	}
	s = wrap_fd(copy, family, type, proto);
	if (!s)
		close(copy);
	return s;
}

int xs_socketpair(int family, int type, int proto, struct xs_sock *pair[2])
{
	int base = type & ~TYPE_FLAGS, rc;
	double timeout = (type & SOCK_NONBLOCK) ? 0.0 : xs_getdefaulttimeout();
	const struct xs_transport *tp;

	if (!pair)
		return xs_fail_value(EINVAL, "socketpair: pair must not be NULL");
	family = family == AF_UNSPEC ? AF_UNIX : family;
	tp = xs_transport_pick(family, base, proto);
	if (!tp || xs_transport_ready(tp) < 0)
		return -1;
	if (!tp->socketpair)
		return xs_fail_os(EOPNOTSUPP, "socketpair: transport %s has no socket pairs",
				  tp->name);
	pair[0] = xs_sock_new(tp, family, base, proto);
	pair[1] = xs_sock_new(tp, family, base, proto);
	if (!pair[0] || !pair[1])
		goto out_free;
	rc = tp->socketpair(pair[0], pair[1]);
	if (rc < 0) {
		xs_fail_op(rc, "socketpair");
		goto out_free;
	}
	if (apply_timeout(pair[0], timeout, false) == 0 &&
	    apply_timeout(pair[1], timeout, false) == 0)
		return 0;
out_free:
	xs_free(pair[0]);
	xs_free(pair[1]);
	pair[0] = pair[1] = NULL;
	return -1;
}

int xs_close(struct xs_sock *s)
{
	int rc;

	if (!s)
		return xs_fail_value(EINVAL, "close: socket handle is NULL");
	if (s->fd < 0)
		return 0;
	rc = s->tp->close(s);
	s->fd = -1;
	s->priv = NULL;
	/* As CPython: ECONNRESET at close means the peer already left. */
	if (rc < 0 && rc != -ECONNRESET)
		return xs_fail_op(rc, "close");
	return 0;
}

void xs_free(struct xs_sock *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		s->tp->close(s);
	free(s);
}

xs_fd_t xs_detach(struct xs_sock *s)
{
	int fd, rc;

	if (!s)
		return xs_fail_value(EINVAL, "detach: socket handle is NULL");
	if (s->fd < 0)
		return -1; /* already closed or detached: no descriptor, as in Python */
	if (!s->tp->detach)
		return xs_fail_os(EOPNOTSUPP, "detach: a %s socket's descriptor is not the whole "
				  "socket; use close", s->tp->name);
	rc = s->tp->detach(s);
	if (rc < 0)
		return xs_fail_op(rc, "detach");
	fd = s->fd;
	s->fd = -1;
	s->priv = NULL;
	return fd;
}

struct xs_sock *xs_dup(const struct xs_sock *s)
{
	struct xs_sock *copy;
	int rc;

	if (xs_sock_check(s) < 0)
		return NULL;
	if (!s->tp->dup) {
		xs_fail_os(EOPNOTSUPP, "dup: transport %s cannot duplicate sockets", s->tp->name);
		return NULL;
	}
	copy = xs_sock_new(s->tp, s->family, s->type, s->proto);
	if (!copy)
		return NULL;
	rc = s->tp->dup(s, copy);
	if (rc < 0) {
		xs_fail_op(rc, "dup");
		free(copy);
		return NULL;
	}
	copy->timeout = s->timeout; /* the descriptor shares the file's blocking state */
	return copy;
}

xs_fd_t xs_fileno(const struct xs_sock *s)
{
	return s ? s->fd : -1;
}

int xs_close_fd(xs_fd_t fd)
{
	if (close(fd) < 0)
		return xs_fail_os(errno, "close(%d): %m", fd);
	return 0;
}

int xs_get_inheritable(const struct xs_sock *s)
{
	int flags;

	if (xs_sock_check(s) < 0)
		return -1;
	flags = fcntl(s->fd, F_GETFD);
	if (flags < 0)
		return xs_fail_os(errno, "get_inheritable: %m");
	return !(flags & FD_CLOEXEC);
}

int xs_set_inheritable(struct xs_sock *s, int inheritable)
{
	int flags;

	if (xs_sock_check(s) < 0)
		return -1;
	flags = fcntl(s->fd, F_GETFD);
	if (flags < 0)
		return xs_fail_os(errno, "set_inheritable: %m");
	flags = inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC;
	if (fcntl(s->fd, F_SETFD, flags) < 0)
		return xs_fail_os(errno, "set_inheritable: %m");
	return 0;
}

int xs_family(const struct xs_sock *s)
{
	return s ? s->family : xs_fail_value(EINVAL, "socket handle is NULL");
}

int xs_type(const struct xs_sock *s)
{
	return s ? s->type : xs_fail_value(EINVAL, "socket handle is NULL");
}

int xs_proto(const struct xs_sock *s)
{
	return s ? s->proto : xs_fail_value(EINVAL, "socket handle is NULL");
}

const char *xs_transport_name(const struct xs_sock *s)
{
	return s ? s->tp->name : "none";
}

int xs_stats(const struct xs_sock *s, struct xs_stats *out)
{
	int rc;

	if (xs_sock_check(s) < 0 || XS_NONNULL("xs_stats", out) < 0)
		return -1;
	if (!s->tp->stats)
		return xs_fail_os(EOPNOTSUPP, "the %s transport keeps its counters in the kernel "
				  "(/proc/net/udp, PACKET_STATISTICS)", s->tp->name);
	memset(out, 0, sizeof(*out));
	rc = s->tp->stats(s, out);
	return rc < 0 ? xs_fail_op(rc, "xs_stats") : 0;
}

int xs_settimeout(struct xs_sock *s, double timeout)
{
	if (xs_sock_check(s) < 0 || check_timeout(timeout) < 0)
		return -1;
	return apply_timeout(s, timeout, true);
}

double xs_gettimeout(const struct xs_sock *s)
{
	return s ? s->timeout : -1.0;
}

int xs_setblocking(struct xs_sock *s, int flag)
{
	return xs_settimeout(s, flag ? -1.0 : 0.0);
}

int xs_getblocking(const struct xs_sock *s)
{
	if (xs_sock_check(s) < 0)
		return -1;
	return s->timeout != 0.0;
}

int xs_setdefaulttimeout(double timeout)
{
	if (check_timeout(timeout) < 0)
		return -1;
	__atomic_store(&default_timeout, &(double){ timeout < 0 ? -1.0 : timeout },
		       __ATOMIC_RELAXED);
	return 0;
}

double xs_getdefaulttimeout(void)
{
	double t;

	__atomic_load(&default_timeout, &t, __ATOMIC_RELAXED);
	return t;
}
