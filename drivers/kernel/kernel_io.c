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
 *
 * Batches are recvmmsg/sendmmsg over msghdr arrays on the stack, in
 * chunks of KERNEL_BATCH_CHUNK. In blocking mode the descriptor blocks,
 * as for the other ops, but only for a batch's first datagram:
 * MSG_WAITFORONE on receive; on send a first try with MSG_DONTWAIT, and
 * only if that finds no room a blocking send of the first datagram alone.
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

#define KERNEL_BATCH_CHUNK 64

/* The first n entries of msgs as mmsghdrs (addresses out for receive, in
 * for send: AF_UNSPEC is the connected peer). */
static void mmsg_fill(struct mmsghdr *v, struct iovec *iov, struct xs_msg *msgs, unsigned n,
		      bool recv)
{
	for (unsigned i = 0; i < n; i++) {
		struct xs_msg *m = &msgs[i];
		bool named = recv || m->addr.family != AF_UNSPEC;
		socklen_t namelen = recv ? sizeof(m->addr.ss) : m->addr.len;

		iov[i] = (struct iovec){m->buf, m->len};
		v[i].msg_hdr = (struct msghdr){
			.msg_iov = &iov[i],
			.msg_iovlen = 1,
			.msg_name = named ? &m->addr.ss : NULL,
			.msg_namelen = named ? namelen : 0,
		};
	}
}

static int recv_chunk(int fd, struct xs_msg *msgs, unsigned n, int flags)
{
	struct mmsghdr v[KERNEL_BATCH_CHUNK];
	struct iovec iov[KERNEL_BATCH_CHUNK];
	int got;

	mmsg_fill(v, iov, msgs, n, true);
	got = recvmmsg(fd, v, n, flags, NULL);
	if (got < 0)
		return -errno;
	for (int i = 0; i < got; i++) {
		msgs[i].n = v[i].msg_len;
		msgs[i].flags = v[i].msg_hdr.msg_flags;
		msgs[i].addr.len = v[i].msg_hdr.msg_namelen;
	}
	return got;
}

/* MSG_WAITFORONE: a blocking descriptor waits for the first datagram and
 * no longer; later chunks take only what is queued. */
int kernel_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	unsigned done = 0;

	while (done < count) {
		unsigned want =
			count - done < KERNEL_BATCH_CHUNK ? count - done : KERNEL_BATCH_CHUNK;
		int n = recv_chunk(s->fd, msgs + done, want,
				   done ? flags | MSG_DONTWAIT : flags | MSG_WAITFORONE);

		if (n < 0)
			return done ? (int)done : n;
		done += n;
		if ((unsigned)n < want)
			break;
	}
	return (int)done;
}

static int send_chunk(int fd, struct xs_msg *msgs, unsigned n, int flags)
{
	struct mmsghdr v[KERNEL_BATCH_CHUNK];
	struct iovec iov[KERNEL_BATCH_CHUNK];
	int sent;

	mmsg_fill(v, iov, msgs, n, false);
	sent = sendmmsg(fd, v, n, flags | MSG_NOSIGNAL);
	if (sent < 0)
		return -errno;
	for (int i = 0; i < sent; i++)
		msgs[i].n = v[i].msg_len;
	return sent;
}

/* Chunk after chunk while each goes out whole; never waits. */
static int send_chunks(int fd, struct xs_msg *msgs, unsigned count, int flags)
{
	unsigned done = 0;

	while (done < count) {
		unsigned want =
			count - done < KERNEL_BATCH_CHUNK ? count - done : KERNEL_BATCH_CHUNK;
		int n = send_chunk(fd, msgs + done, want, flags | MSG_DONTWAIT);

		if (n < 0)
			return done ? (int)done : n;
		done += n;
		if ((unsigned)n < want)
			break;
	}
	return (int)done;
}

int kernel_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	int n = send_chunks(s->fd, msgs, count, flags);
	int rest;

	/* Only a blocking descriptor (timeout None) waits in the kernel; the
	 * core waits for the others, and MSG_DONTWAIT must not wait at all. */
	if (n != -EAGAIN || s->timeout >= 0 || (flags & MSG_DONTWAIT))
		return n;
	n = send_chunk(s->fd, msgs, 1, flags);
	if (n < 0 || count == 1)
		return n;
	rest = send_chunks(s->fd, msgs + 1, count - 1, flags);
	return rest > 0 ? 1 + rest : 1;
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
