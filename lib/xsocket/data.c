/*
 * data.c — the data calls: recv, recvfrom, recvmsg, send, sendall,
 * sendto, sendmsg and sendfile. Each builds a msghdr once, then loops on
 * the transport's primitive; xs_call_wait decides what an EAGAIN or an
 * EINTR means in the socket's mode. The common path — data or room is
 * there — is one indirect call and no clock read.
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

/* One attempt; plain calls (one buffer, no ancillary data, no msg_flags
 * wanted) take the transport's one-buffer path when it has one. */
static ssize_t recv_once(struct xs_sock *s, struct msghdr *m, int flags, bool plain)
{
	if (plain && s->tp->recv)
		return s->tp->recv(s, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, flags,
				   m->msg_name, &m->msg_namelen);
	return s->tp->recvmsg(s, m, flags);
}

static ssize_t send_once(struct xs_sock *s, const struct msghdr *m, int flags, bool plain)
{
	if (plain && s->tp->send)
		return s->tp->send(s, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, flags,
				   m->msg_name, m->msg_namelen);
	return s->tp->sendmsg(s, m, flags);
}

static ssize_t recv_loop(struct xs_sock *s, struct msghdr *m, int flags, bool plain,
			 const char *what)
{
	struct xs_deadline dl = { 0 };
	ssize_t n;

	while ((n = recv_once(s, m, flags, plain)) < 0)
		if (xs_call_wait(s, (int)n, flags, POLLIN, &dl, what) < 0)
			return -1;
	return n;
}

static ssize_t send_loop(struct xs_sock *s, const struct msghdr *m, int flags, bool plain,
			 struct xs_deadline *dl, const char *what)
{
	ssize_t n;

	while ((n = send_once(s, m, flags, plain)) < 0)
		if (xs_call_wait(s, (int)n, flags, POLLOUT, dl, what) < 0)
			return -1;
	return n;
}

static int check_buf(const void *buf, size_t len, const char *what)
{
	if (!buf && len)
		return xs_fail_value(EINVAL, "%s: buffer is NULL but length is %zu", what, len);
	return 0;
}

/* An address the kernel (or transport) wrote back, as an xs_addr. */
static void addr_from_msg(struct xs_addr *a, const struct xs_sock *s, socklen_t len)
{
	a->len = len;
	a->family = len >= sizeof(sa_family_t) ? a->ss.ss_family : AF_UNSPEC;
	a->proto = (s->family == AF_BLUETOOTH || s->family == AF_CAN) ? s->proto : 0;
}

ssize_t xs_recv(struct xs_sock *s, void *buf, size_t len, int flags)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "recv") < 0)
		return -1;
	return recv_loop(s, &m, flags, true, "recv");
}

ssize_t xs_recvfrom(struct xs_sock *s, void *buf, size_t len, int flags, struct xs_addr *from)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "recvfrom") < 0)
		return -1;
	if (from) {
		m.msg_name = &from->ss;
		m.msg_namelen = sizeof(from->ss);
	}
	n = recv_loop(s, &m, flags, true, "recvfrom");
	if (n >= 0 && from)
		addr_from_msg(from, s, m.msg_namelen);
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
	n = recv_loop(s, &m, flags, false, "recvmsg");
	if (n < 0)
		return -1;
	if (!info) {
		/* Nobody can see the descriptors that arrived: do not leak them. */
		xs_cmsg_close_fds(ancbuf, m.msg_control ? m.msg_controllen : 0);
		return n;
	}
	info->msg_flags = m.msg_flags;
	info->anclen = m.msg_control ? m.msg_controllen : 0;
	addr_from_msg(from, s, m.msg_namelen);
	return n;
}

ssize_t xs_send(struct xs_sock *s, const void *buf, size_t len, int flags)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct xs_deadline dl = { 0 };

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "send") < 0)
		return -1;
	return send_loop(s, &m, flags, true, &dl, "send");
}

int xs_sendall(struct xs_sock *s, const void *buf, size_t len, int flags, size_t *nsent)
{
	struct xs_deadline dl = { 0 };
	size_t done = 0;
	int rc = 0;

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "sendall") < 0)
		return -1;
	xs_deadline_start(s, &dl); /* one deadline for the whole call (v3.5) */
	while (done < len) {
		struct iovec iov = { (char *)buf + done, len - done };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = send_loop(s, &m, flags, true, &dl, "sendall");

		if (n < 0) {
			rc = -1;
			break;
		}
		done += n;
	}
	if (nsent)
		*nsent = done;
	return rc;
}

ssize_t xs_sendto(struct xs_sock *s, const void *buf, size_t len, int flags,
		  const struct xs_addr *to)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct xs_deadline dl = { 0 };

	if (xs_sock_check(s) < 0 || check_buf(buf, len, "sendto") < 0 ||
	    xs_addr_check(s, to, "sendto") < 0)
		return -1;
	m.msg_name = (void *)&to->ss;
	m.msg_namelen = to->len;
	return send_loop(s, &m, flags, true, &dl, "sendto");
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
	size_t need = nanc ? xs_cmsg_build_size(anc, nanc) : 0;
	ssize_t n;

	if (xs_sock_check(s) < 0 || check_iov(iov, iovcnt, "sendmsg") < 0 ||
	    (to && to->family != AF_UNSPEC && xs_addr_check(s, to, "sendmsg") < 0))
		return -1;
	if (nanc && !anc)
		return xs_fail_value(EINVAL, "sendmsg: %zu ancillary items but anc is NULL", nanc);
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
	n = send_loop(s, &m, flags, false, &dl, "sendmsg");
out_free:
	if (m.msg_control != stack.buf)
		free(m.msg_control);
	return n;
}

/* The send() loop for what sendfile(2) cannot take (not a regular file, or
 * a transport without sendfile). */
static ssize_t sendfile_copy(struct xs_sock *s, int in_fd, off_t *offset, size_t count)
{
	char chunk[FALLBACK_CHUNK];
	size_t total = 0;

	while (!count || total < count) {
		size_t want = count && count - total < sizeof(chunk) ? count - total : sizeof(chunk);
		ssize_t got = pread(in_fd, chunk, want, *offset);
		size_t sent = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return xs_fail_os(errno, "sendfile: reading the file: %m");
		if (got == 0)
			break;
		int rc = xs_sendall(s, chunk, got, 0, &sent);

		*offset += sent;
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
	if (s->tp->sendfile && is_regular_file(in_fd))
		n = sendfile_native(s, in_fd, &pos, count);
	else
		n = sendfile_copy(s, in_fd, &pos, count);
	/* The file position tells how much went out, also on failure. */
	lseek(in_fd, pos, SEEK_SET);
	return n < 0 ? -1 : (ssize_t)(pos - offset);
}
