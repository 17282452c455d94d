/*
 * data.c — the data calls: recv, recvfrom, recvmsg, send, sendall,
 * sendto, sendmsg and sendfile. One-buffer calls go to the transport's
 * send/recv op, the others through a msghdr; either way the first
 * attempt is inlined and an EAGAIN or EINTR goes out of line to
 * xs_call_wait, which decides what it means in the socket's mode. The
 * common path — data or room is there — is one indirect call and no
 * clock read.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CMSG_STACK_BYTES 256
#define SENDFILE_CHUNK (1u << 30) /* CPython's chunk bound */
#define FALLBACK_CHUNK 8192

static ssize_t recv_loop(struct xs_sock *s, struct msghdr *m, int flags, const char *what)
{
	struct xs_deadline dl = { 0 };
	ssize_t n;

	while ((n = s->tp->recvmsg(s, m, flags)) < 0)
		if (xs_call_wait(s, (int)n, flags, POLLIN, &dl, what) < 0)
			return -1;
	return n;
}

static ssize_t send_loop(struct xs_sock *s, const struct msghdr *m, int flags,
			 struct xs_deadline *dl, const char *what)
{
	ssize_t n;

	while ((n = s->tp->sendmsg(s, m, flags)) < 0)
		if (xs_call_wait(s, (int)n, flags, POLLOUT, dl, what) < 0)
			return -1;
	return n;
}

/* One buffer, no ancillary data, no msg_flags wanted: the transport's
 * one-buffer path when it has one, else a msghdr. first is the result of
 * the attempt the caller already made (or -EAGAIN to make none). */
static __attribute__((noinline)) ssize_t
recv_plain_slow(struct xs_sock *s, void *buf, size_t len, int flags, struct sockaddr *from,
		socklen_t *fromlen, ssize_t first, const char *what)
{
	struct xs_deadline dl = { 0 };
	ssize_t n = first;

	if (!s->tp->recv) {
		struct iovec iov = { buf, len };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_name = from,
				    .msg_namelen = fromlen ? *fromlen : 0 };

		n = recv_loop(s, &m, flags, what);
		if (fromlen)
			*fromlen = m.msg_namelen;
		return n;
	}
	do {
		if (xs_call_wait(s, (int)n, flags, POLLIN, &dl, what) < 0)
			return -1;
	} while ((n = s->tp->recv(s, buf, len, flags, from, fromlen)) < 0);
	return n;
}

/* The hot path: one indirect call; anything else goes out of line. */
static inline ssize_t recv_plain(struct xs_sock *s, void *buf, size_t len, int flags,
				 struct sockaddr *from, socklen_t *fromlen, const char *what)
{
	ssize_t n = -EAGAIN;

	if (__builtin_expect(s->tp->recv != NULL, 1)) {
		n = s->tp->recv(s, buf, len, flags, from, fromlen);
		if (__builtin_expect(n >= 0, 1))
			return n;
	}
	return recv_plain_slow(s, buf, len, flags, from, fromlen, n, what);
}

static __attribute__((noinline)) ssize_t
send_plain_slow(struct xs_sock *s, const void *buf, size_t len, int flags,
		const struct sockaddr *to, socklen_t tolen, struct xs_deadline *dl, ssize_t first,
		const char *what)
{
	ssize_t n = first;

	if (!s->tp->send) {
		struct iovec iov = { (void *)buf, len };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_name = (void *)to,
				    .msg_namelen = tolen };

		return send_loop(s, &m, flags, dl, what);
	}
	do {
		if (xs_call_wait(s, (int)n, flags, POLLOUT, dl, what) < 0)
			return -1;
	} while ((n = s->tp->send(s, buf, len, flags, to, tolen)) < 0);
	return n;
}

static inline ssize_t send_plain(struct xs_sock *s, const void *buf, size_t len, int flags,
				 const struct sockaddr *to, socklen_t tolen,
				 struct xs_deadline *dl, const char *what)
{
	ssize_t n = -EAGAIN;

	if (__builtin_expect(s->tp->send != NULL, 1)) {
		n = s->tp->send(s, buf, len, flags, to, tolen);
		if (__builtin_expect(n >= 0, 1))
			return n;
	}
	return send_plain_slow(s, buf, len, flags, to, tolen, dl, n, what);
}

static int check_buf(const void *buf, size_t len, const char *what)
{
	if (!buf && len)
		return xs_fail_value(EINVAL, "%s: buffer is NULL but length is %zu", what, len);
	return 0;
}

ssize_t xs_recv(struct xs_sock *s, void *buf, size_t len, int flags)
{
	if (xs_sock_check(s) < 0 || check_buf(buf, len, "recv") < 0)
		return -1;
	/* CPython's recv(0) is b'' at once in every mode; a blocking kernel
	 * recv of 0 bytes on a stream would wait for data instead. */
	if (len == 0)
		return 0;
	return recv_plain(s, buf, len, flags, NULL, NULL, "recv");
}

ssize_t xs_recvfrom(struct xs_sock *s, void *buf, size_t len, int flags, struct xs_addr *from)
{
	socklen_t fromlen = from ? sizeof(from->ss) : 0;
	ssize_t n;

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "recvfrom") < 0)
		return -1;
	n = recv_plain(s, buf, len, flags, from ? (struct sockaddr *)&from->ss : NULL,
		       from ? &fromlen : NULL, "recvfrom");
	if (n >= 0 && from)
		xs_addr_settle(from, s, fromlen);
	return n;
}

static int check_iov(const struct iovec *iov, int iovcnt, const char *what)
{
	if (iovcnt < 0 || (!iov && iovcnt))
		return xs_fail_value(EINVAL, "%s: %d buffers at %p is not a valid vector", what,
				     iovcnt, (const void *)iov);
	return 0;
}

ssize_t xs_recvmsg(struct xs_sock *s, const struct iovec *iov, int iovcnt, void *ancbuf,
		   size_t ancbufsize, int flags, struct xs_msginfo *info)
{
	struct xs_addr *from = info ? &info->addr : NULL;
	struct msghdr m = {
		.msg_iov = (struct iovec *)iov,
		.msg_iovlen = iovcnt,
		.msg_control = ancbufsize ? ancbuf : NULL,
		.msg_controllen = ancbufsize,
		.msg_name = from ? &from->ss : NULL,
		.msg_namelen = from ? sizeof(from->ss) : 0,
	};
	ssize_t n;

	if (xs_sock_check(s) < 0 || check_iov(iov, iovcnt, "recvmsg") < 0 ||
	    check_buf(ancbuf, ancbufsize, "recvmsg") < 0)
		return -1;
	n = recv_loop(s, &m, flags, "recvmsg");
	if (n < 0)
		return -1;
	if (!info) {
		/* Nobody can see the descriptors that arrived: do not leak them. */
		xs_cmsg_close_fds(ancbuf, m.msg_control ? m.msg_controllen : 0);
		return n;
	}
	info->msg_flags = m.msg_flags;
	info->anclen = m.msg_control ? m.msg_controllen : 0;
	xs_addr_settle(from, s, m.msg_namelen);
	return n;
}

ssize_t xs_send(struct xs_sock *s, const void *buf, size_t len, int flags)
{
	struct xs_deadline dl = { 0 };

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "send") < 0)
		return -1;
	return send_plain(s, buf, len, flags, NULL, 0, &dl, "send");
}

int xs_sendall(struct xs_sock *s, const void *buf, size_t len, int flags, size_t *nsent)
{
	struct xs_deadline dl = { 0 };
	size_t done = 0;
	ssize_t n = 0;

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "sendall") < 0)
		return -1;
	if (s->timeout > 0)
		xs_deadline_start(s, &dl); /* one deadline for the whole call (v3.5) */
	/* do/while: an empty sendall still sends one (empty) datagram. */
	do {
		n = send_plain(s, (const char *)buf + done, len - done, flags, NULL, 0, &dl,
			       "sendall");
		if (n < 0)
			break;
		done += n;
	} while (done < len);
	if (nsent)
		*nsent = done;
	return n < 0 ? -1 : 0;
}

ssize_t xs_sendto(struct xs_sock *s, const void *buf, size_t len, int flags,
		  const struct xs_addr *to)
{
	struct xs_deadline dl = { 0 };

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "sendto") < 0 ||
	    xs_addr_check(s, to, "sendto") < 0)
		return -1;
	return send_plain(s, buf, len, flags, (const struct sockaddr *)&to->ss, to->len, &dl,
			  "sendto");
}

ssize_t xs_sendmsg(struct xs_sock *s, const struct iovec *iov, int iovcnt,
		   const struct xs_cmsg *anc, size_t nanc, int flags, const struct xs_addr *to)
{
	union {
		char buf[CMSG_STACK_BYTES];
		struct cmsghdr align;
	} stack;
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };
	struct xs_deadline dl = { 0 };
	size_t need;
	ssize_t n;

	if (xs_sock_check(s) < 0 || check_iov(iov, iovcnt, "sendmsg") < 0 ||
	    (to && to->family != AF_UNSPEC && xs_addr_check(s, to, "sendmsg") < 0))
		return -1;
	if (nanc && !anc)
		return xs_fail_value(EINVAL, "sendmsg: %zu ancillary items but anc is NULL", nanc);
	need = nanc ? xs_cmsg_build_size(anc, nanc) : 0;
	if (to && to->family != AF_UNSPEC) {
		m.msg_name = (void *)&to->ss;
		m.msg_namelen = to->len;
	}
	if (need) {
		m.msg_control = need <= sizeof(stack) ? stack.buf : malloc(need);
		if (!m.msg_control)
			return xs_fail_os(ENOMEM, "sendmsg: no memory for %zu bytes of ancillary "
					  "data", need);
		if (xs_cmsg_build(anc, nanc, m.msg_control, need) < 0) {
			n = -1;
			goto out_free;
		}
		m.msg_controllen = need;
	}
	n = send_loop(s, &m, flags, &dl, "sendmsg");
out_free:
	if (m.msg_control != stack.buf)
		free(m.msg_control);
	return n;
}

/* The send() loop for what sendfile(2) cannot take (a pipe, a socket, a
 * transport without sendfile): read() from where the descriptor stands,
 * which xs_sendfile has set to the offset when it can seek. */
static ssize_t sendfile_copy(struct xs_sock *s, int in_fd, off_t *pos, size_t count)
{
	char chunk[FALLBACK_CHUNK];
	size_t total = 0;

	while (!count || total < count) {
		size_t want = count && count - total < sizeof(chunk) ? count - total : sizeof(chunk);
		ssize_t got = read(in_fd, chunk, want);
		size_t sent = 0;
		int rc;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return xs_fail_os(errno, "sendfile: reading the file: %m");
		if (got == 0)
			break;
		rc = xs_sendall(s, chunk, got, 0, &sent);
		*pos += sent;
		total += sent;
		if (rc < 0)
			return -1;
	}
	return total;
}

static bool is_regular_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* sendfile(2) in chunks; each wait gets the full timeout, as in CPython. */
static ssize_t sendfile_native(struct xs_sock *s, int in_fd, off_t *offset, size_t count)
{
	size_t total = 0;

	while (!count || total < count) {
		size_t want = count && count - total < SENDFILE_CHUNK ? count - total : SENDFILE_CHUNK;
		struct xs_deadline dl = { 0 };
		ssize_t n = s->tp->sendfile(s, in_fd, offset, want);

		if (n == 0)
			break;
		if (n > 0) {
			total += n;
			continue;
		}
		if (xs_call_wait(s, (int)n, 0, POLLOUT, &dl, "sendfile") < 0)
			return -1;
	}
	return total;
}

ssize_t xs_sendfile(struct xs_sock *s, int in_fd, off_t offset, size_t count)
{
	off_t pos = offset;
	bool reposition;
	ssize_t n;

	if (xs_sock_check(s) < 0)
		return -1;
	if (s->type != SOCK_STREAM)
		return xs_fail_value(EINVAL, "sendfile: only SOCK_STREAM sockets are supported");
	if (s->timeout == 0.0)
		return xs_fail_value(EINVAL, "sendfile: non-blocking sockets are not supported "
				     "(set a timeout or blocking mode)");
	if (in_fd < 0 || offset < 0)
		return xs_fail_value(EINVAL, "sendfile: bad file descriptor %d or offset %lld",
				     in_fd, (long long)offset);
	if (s->tp->sendfile && is_regular_file(in_fd)) {
		n = sendfile_native(s, in_fd, &pos, count);
		reposition = pos != offset; /* sendfile(2) left the position alone */
	} else {
		reposition = lseek(in_fd, offset, SEEK_SET) >= 0;
		if (!reposition && offset)
			return xs_fail_value(EINVAL, "sendfile: descriptor %d cannot seek to offset "
					     "%lld (a pipe or socket): pass offset 0", in_fd,
					     (long long)offset);
		n = sendfile_copy(s, in_fd, &pos, count);
	}
	/* The file position tells how much went out (offset + sent), also on
	 * failure, where the file can seek. */
	if (reposition)
		lseek(in_fd, pos, SEEK_SET);
	return n < 0 ? -1 : (ssize_t)(pos - offset);
}
