/*
 * batch.c — xs_recv_batch and xs_send_batch, the recvmmsg/sendmmsg-style
 * extension beside the documented API. The arguments are checked once,
 * here, for every entry; then one attempt goes to the transport's batch
 * op (or, where it has none, to a loop over its one-datagram ops that
 * never waits after the first datagram), and only an EAGAIN or EINTR of
 * that first datagram goes to xs_call_wait, exactly as a single recvfrom
 * or sendto would. So a batch costs one wait decision, not one per
 * datagram, and no clock read unless it has to wait.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>

#include "internal.h"

/* The call's arguments, before any entry is looked at. */
static int check_call(struct xs_sock *s, const struct xs_msg *msgs, unsigned count, int flags,
		      const char *what)
{
	if (xs_sock_check(s) < 0)
		return -1;
	if (s->type != SOCK_DGRAM && s->type != SOCK_RAW)
		return xs_fail_value(EINVAL, "%s: batches are for SOCK_DGRAM and SOCK_RAW, not %s",
				     what,
				     s->type == SOCK_STREAM ? "a stream socket" : "this type");
	if (flags & MSG_PEEK)
		return xs_fail_value(EINVAL, "%s: MSG_PEEK is not supported (use xs_recvfrom)",
				     what);
	if (count > XS_BATCH_MAX)
		return xs_fail_value(EINVAL, "%s: count %u is above XS_BATCH_MAX (%d)", what, count,
				     XS_BATCH_MAX);
	if (!msgs && count)
		return xs_fail_value(EINVAL, "%s: argument 'msgs' must not be NULL with count %u",
				     what, count);
	return 0;
}

static int check_buf(const struct xs_msg *m, unsigned i, const char *what)
{
	if (!m->buf && m->len)
		return xs_fail_value(EINVAL, "%s: msgs[%u].buf is NULL but its len is %zu", what, i,
				     m->len);
	return 0;
}

static int check_recv(const struct xs_msg *msgs, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		if (check_buf(&msgs[i], i, "recv_batch") < 0)
			return -1;
	return 0;
}

/* The common case inline; anything else gets xs_addr_check's verdict
 * (and its message, naming the entry). */
static int check_dest(const struct xs_sock *s, const struct xs_addr *a, unsigned i)
{
	char what[40];

	if (a->family == AF_UNSPEC ||
	    (a->family == s->family && a->len >= sizeof(sa_family_t) && a->len <= sizeof(a->ss)))
		return 0;
	snprintf(what, sizeof(what), "send_batch: msgs[%u].addr", i);
	return xs_addr_check(s, a, what);
}

static int check_send(const struct xs_sock *s, const struct xs_msg *msgs, unsigned count)
{
	for (unsigned i = 0; i < count; i++)
		if (check_buf(&msgs[i], i, "send_batch") < 0 || check_dest(s, &msgs[i].addr, i) < 0)
			return -1;
	return 0;
}

/* ---- the loop for a transport without batch ops ---- */

static ssize_t recv_one(struct xs_sock *s, struct xs_msg *m, int flags)
{
	struct iovec iov = {m->buf, m->len};
	struct msghdr h = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_name = &m->addr.ss,
			   .msg_namelen = sizeof(m->addr.ss)};
	ssize_t n = s->tp->recvmsg(s, &h, flags);

	if (n >= 0) {
		m->n = n;
		m->flags = h.msg_flags;
		m->addr.len = h.msg_namelen;
	}
	return n;
}

static ssize_t send_one(struct xs_sock *s, struct xs_msg *m, int flags)
{
	bool to = m->addr.family != AF_UNSPEC;
	const struct sockaddr *sa = to ? (const struct sockaddr *)&m->addr.ss : NULL;
	socklen_t salen = to ? m->addr.len : 0;
	ssize_t n;

	if (s->tp->send) {
		n = s->tp->send(s, m->buf, m->len, flags, sa, salen);
	} else {
		struct iovec iov = {m->buf, m->len};
		struct msghdr h = {.msg_iov = &iov,
				   .msg_iovlen = 1,
				   .msg_name = (void *)sa,
				   .msg_namelen = salen};

		n = s->tp->sendmsg(s, &h, flags);
	}
	if (n >= 0)
		m->n = n;
	return n;
}

/* One datagram at a time; after the first, MSG_DONTWAIT keeps a
 * transport that blocks by itself (set_blocking) from waiting. */
static int each(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags,
		ssize_t (*one)(struct xs_sock *, struct xs_msg *, int))
{
	ssize_t n = one(s, &msgs[0], flags);
	unsigned i;

	if (n < 0)
		return (int)n;
	for (i = 1; i < count; i++)
		if (one(s, &msgs[i], flags | MSG_DONTWAIT) < 0)
			break; /* EAGAIN, or an error the next call reports */
	return (int)i;
}

static inline int recv_attempt(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	if (__builtin_expect(s->tp->recv_batch != NULL, 1))
		return s->tp->recv_batch(s, msgs, count, flags);
	return each(s, msgs, count, flags, recv_one);
}

static inline int send_attempt(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	if (__builtin_expect(s->tp->send_batch != NULL, 1))
		return s->tp->send_batch(s, msgs, count, flags);
	return each(s, msgs, count, flags, send_one);
}

/* ---- the public calls ---- */

int xs_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	struct xs_deadline dl = {0};
	int n;

	if (check_call(s, msgs, count, flags, "recv_batch") < 0 || check_recv(msgs, count) < 0)
		return -1;
	if (count == 0)
		return 0;
	while ((n = recv_attempt(s, msgs, count, flags)) < 0)
		if (xs_call_wait(s, n, flags, POLLIN, &dl, "recv_batch") < 0)
			return -1;
	for (int i = 0; i < n; i++)
		xs_addr_settle(&msgs[i].addr, s, msgs[i].addr.len);
	return n;
}

int xs_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	struct xs_deadline dl = {0};
	int n;

	if (check_call(s, msgs, count, flags, "send_batch") < 0 || check_send(s, msgs, count) < 0)
		return -1;
	if (count == 0)
		return 0;
	while ((n = send_attempt(s, msgs, count, flags)) < 0)
		if (xs_call_wait(s, n, flags, POLLOUT, &dl, "send_batch") < 0)
			return -1;
	for (int i = 0; i < n; i++)
		msgs[i].flags = 0;
	return n;
}
