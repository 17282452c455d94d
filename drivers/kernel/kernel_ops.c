/*
 * kernel_ops.c — the kernel transport's control path: every family and
 * type the running kernel has, through the system calls. The socket's
 * descriptor is the kernel socket itself. Ops return -errno; the core
 * turns that into the error record.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel.h"

static bool kernel_supports(int family, int type, int proto)
{
	return true; /* the kernel itself answers for what it lacks */
}

static int kernel_open(struct xs_sock *s, int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	s->fd = fd;
	return 0;
}

/* What the caller left as -1, from the kernel (CPython 3.7+). */
static int ask_kernel(int fd, int opt, int *value)
{
	socklen_t len = sizeof(*value);
	int got;

	if (getsockopt(fd, SOL_SOCKET, opt, &got, &len) < 0)
		return -errno;
	if (*value == -1)
		*value = got;
	return 0;
}

/* Asking for SO_TYPE always also checks that fd is a socket (ENOTSOCK),
 * as CPython does even when every argument is given. */
static int kernel_adopt(struct xs_sock *s, int fd)
{
	int rc = ask_kernel(fd, SO_TYPE, &s->type);

	if (rc == 0 && s->family == -1)
		rc = ask_kernel(fd, SO_DOMAIN, &s->family);
	if (rc == 0 && s->proto == -1)
		rc = ask_kernel(fd, SO_PROTOCOL, &s->proto);
	if (rc < 0)
		return rc;
	s->fd = fd;
	return 0;
}

static int kernel_socketpair(struct xs_sock *a, struct xs_sock *b)
{
	int fds[2];

	if (socketpair(a->family, a->type | SOCK_CLOEXEC, a->proto, fds) < 0)
		return -errno;
	a->fd = fds[0];
	b->fd = fds[1];
	return 0;
}

static int kernel_dup(const struct xs_sock *s, struct xs_sock *copy)
{
	int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	copy->fd = fd;
	return 0;
}

static int kernel_detach(struct xs_sock *s)
{
	return 0; /* nothing of ours besides the descriptor */
}

static int kernel_set_blocking(struct xs_sock *s, bool blocking)
{
	int flags = fcntl(s->fd, F_GETFL);

	if (flags < 0)
		return -errno;
	flags = blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK;
	return fcntl(s->fd, F_SETFL, flags) < 0 ? -errno : 0;
}

static int kernel_bind(struct xs_sock *s, const struct xs_addr *a)
{
	return bind(s->fd, (const struct sockaddr *)&a->ss, a->len) < 0 ? -errno : 0;
}

static int kernel_connect(struct xs_sock *s, const struct xs_addr *a)
{
	return connect(s->fd, (const struct sockaddr *)&a->ss, a->len) < 0 ? -errno : 0;
}

static int kernel_listen(struct xs_sock *s, int backlog)
{
	return listen(s->fd, backlog) < 0 ? -errno : 0;
}

static int kernel_accept(struct xs_sock *s, struct xs_sock *child, struct xs_addr *peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd = accept4(s->fd, (struct sockaddr *)(peer ? &peer->ss : &ss), &len, SOCK_CLOEXEC);

	if (fd < 0)
		return -errno;
	child->fd = fd;
	if (peer)
		peer->len = len;
	return 0;
}

static int kernel_wait(struct xs_sock *s, short events, int64_t timeout_ns)
{
	struct pollfd pfd = { .fd = s->fd, .events = events };
	struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
	int n = ppoll(&pfd, 1, timeout_ns < 0 ? NULL : &ts, NULL);

	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int kernel_getsockopt(struct xs_sock *s, int level, int name, void *val, socklen_t *len)
{
	return getsockopt(s->fd, level, name, val, len) < 0 ? -errno : 0;
}

static int kernel_setsockopt(struct xs_sock *s, int level, int name, const void *val,
			     socklen_t len)
{
	return setsockopt(s->fd, level, name, val, len) < 0 ? -errno : 0;
}

static int name_of(int fd, struct xs_addr *out,
		   int (*get)(int, struct sockaddr *, socklen_t *))
{
	socklen_t len = sizeof(out->ss);

	if (get(fd, (struct sockaddr *)&out->ss, &len) < 0)
		return -errno;
	out->len = len;
	return 0;
}

static int kernel_getsockname(const struct xs_sock *s, struct xs_addr *out)
{
	return name_of(s->fd, out, getsockname);
}

static int kernel_getpeername(const struct xs_sock *s, struct xs_addr *out)
{
	return name_of(s->fd, out, getpeername);
}

static int kernel_shutdown(struct xs_sock *s, int how)
{
	return shutdown(s->fd, how) < 0 ? -errno : 0;
}

static int kernel_close(struct xs_sock *s)
{
	/* Linux releases the descriptor even when close reports EINTR. */
	if (close(s->fd) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

const struct xs_transport xs_kernel_transport = {
	.name = "kernel",
	.supports = kernel_supports,
	.open = kernel_open,
	.adopt = kernel_adopt,
	.socketpair = kernel_socketpair,
	.dup = kernel_dup,
	.detach = kernel_detach,
	.set_blocking = kernel_set_blocking,
	.bind = kernel_bind,
	.connect = kernel_connect,
	.listen = kernel_listen,
	.accept = kernel_accept,
	.sendmsg = kernel_sendmsg,
	.recvmsg = kernel_recvmsg,
	.send = kernel_send,
	.recv = kernel_recv,
	.sendfile = kernel_sendfile,
	.recv_batch = kernel_recv_batch,
	.send_batch = kernel_send_batch,
	.wait = kernel_wait,
	.getsockopt = kernel_getsockopt,
	.setsockopt = kernel_setsockopt,
	.getsockname = kernel_getsockname,
	.getpeername = kernel_getpeername,
	.shutdown = kernel_shutdown,
	.close = kernel_close,
};
