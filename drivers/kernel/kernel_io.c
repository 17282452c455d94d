/*
 * kernel_io.c — the kernel transport's data path. One-buffer calls
 * without ancillary data (send, sendto, recv, recvfrom) take the plain
 * system calls rather than sendmsg/recvmsg: the kernel then imports no
 * msghdr or iovec, which is most of what a msghdr would add to a small
 * datagram's cost.
 *
 * Sends carry MSG_NOSIGNAL: a Python program gets EPIPE from a send to a
 * closed stream (the interpreter ignores SIGPIPE), and so does a program
 * using xsocket, instead of being killed.
 */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include "kernel.h"

ssize_t kernel_sendmsg(struct xs_sock *s, const struct msghdr *m, int flags)
{
	ssize_t n = sendmsg(s->fd, m, flags | MSG_NOSIGNAL);

	return n < 0 ? -errno : n;
}

ssize_t kernel_recvmsg(struct xs_sock *s, struct msghdr *m, int flags)
{
	ssize_t n = recvmsg(s->fd, m, flags);

	return n < 0 ? -errno : n;
}

ssize_t kernel_send(struct xs_sock *s, const void *buf, size_t len, int flags,
		    const struct sockaddr *to, socklen_t tolen)
{
	ssize_t n = sendto(s->fd, buf, len, flags | MSG_NOSIGNAL, to, tolen);

	return n < 0 ? -errno : n;
}

ssize_t kernel_recv(struct xs_sock *s, void *buf, size_t len, int flags, struct sockaddr *from,
		    socklen_t *fromlen)
{
	ssize_t n = from ? recvfrom(s->fd, buf, len, flags, from, fromlen)
			 : recv(s->fd, buf, len, flags);

	return n < 0 ? -errno : n;
}

/* sendfile(2) has no MSG_NOSIGNAL: block SIGPIPE in this thread for the
 * call, and consume the one it raised unless one was already pending. */
ssize_t kernel_sendfile(struct xs_sock *s, int in_fd, off_t *offset, size_t count)
{
	static const struct timespec now = { 0, 0 };
	sigset_t pipe_set, old, pending;
	bool was_pending;
	ssize_t n;
	int err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = sendfile(s->fd, in_fd, offset, count);
	err = errno;
	if (n < 0 && err == EPIPE && !was_pending)
		sigtimedwait(&pipe_set, NULL, &now);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return n < 0 ? -err : n;
}
