/*
 * xdp_io.c — the xdp transport's data path: send, receive and wait.
 *
 * Receive is run-to-completion: a recv that finds its queue empty drains
 * the rings itself (xdp_port_poll), delivering to every socket, then
 * looks again; the kernel socket is read when the fast path has nothing,
 * and first on every 64th call so that a flood on the fast path cannot
 * starve what the kernel carried.
 *
 * Send builds Ethernet/IP/UDP in the TX frame when the kernel's tables say
 * the destination is on the xdp interface with a known link-layer
 * address; everything else (local or loopback destinations, other
 * interfaces, broadcast and multicast, unresolved neighbours, datagrams
 * over the MTU, ancillary data, MSG_MORE) goes through the kernel socket,
 * which sends it with the same source address and port — and, for an
 * unresolved neighbour, resolves it, so the next datagram takes the fast
 * path. Nothing is dropped for want of a neighbour.
 *
 * Batches do the same per datagram with the costs paid once: receive
 * drains the socket's queue, polls the rings only if it was empty, and
 * reads the kernel socket (recvmmsg) only if that found nothing; send
 * prepares runs of fast-path datagrams (one clock read for the route
 * cache per batch) and posts each run with one xdp_port_send_batch — one
 * lock, one submit, one kick — while a datagram the kernel must carry
 * goes through the kernel socket in its place in the order.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <sys/epoll.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "xdp_sock.h"

/* How long a route answer is trusted: a changed neighbour or route is
 * seen within this time. */
#define ROUTE_TTL_NS 1000000000LL
#define ROUTE_SLOTS  8

struct route_entry {
	int family;
	struct in6_addr dst;
	struct xdp_nexthop nh;
	int64_t at_ns;
};

/* Per thread, so the hot path takes no lock; direct-mapped by address. */
static __thread struct route_entry route_cache[ROUTE_SLOTS];

/* Datagrams a batch prepares and posts at once. */
#define BATCH_RUN 64

/* 0 fast path, 1 through the kernel this time, or -errno. A STALE
 * neighbour is used, but the fast path's traffic never confirms it to the
 * kernel: one datagram a second goes through the kernel socket, so the
 * kernel probes the neighbour and a changed or vanished one is noticed.
 * *now: the clock, read here if 0 (a batch reads it once). */
static int nexthop_for(int family, const struct in6_addr *dst, struct xdp_nexthop *nh,
		       int64_t *now_ns)
{
	struct route_entry *e = &route_cache[(dst->s6_addr32[3] ^ dst->s6_addr32[1]) %
					     ROUTE_SLOTS];
	int64_t now = *now_ns ? *now_ns : (*now_ns = xs_now_ns());
	int rc;

	if (e->family == family && !memcmp(&e->dst, dst, sizeof(*dst)) &&
	    now - e->at_ns < ROUTE_TTL_NS) {
		*nh = e->nh;
		return 0;
	}
	rc = xdp_route_lookup(family, dst, nh);
	if (rc < 0)
		return rc;
	if (!nh->resolved)
		return 1; /* not cached: ask again until the kernel resolves it */
	*e = (struct route_entry){ .family = family, .dst = *dst, .nh = *nh, .at_ns = now };
	return nh->stale;
}

static size_t iov_total(const struct iovec *iov, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

static ssize_t kernel_sendmsg(struct xdp_sock *x, const struct msghdr *m, int flags)
{
	ssize_t n = sendmsg(x->kfd, m, flags | MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return -errno;
	x->corked = flags & MSG_MORE;
	atomic_fetch_add(&x->tx_via_kernel, 1);
	atomic_fetch_add(&x->tx_kernel_bytes, (unsigned long long)n);
	return n;
}

/* The destination as an in6_addr (IPv4 mapped), if the fast path may
 * carry it: unicast, global scope, not v4-mapped on an IPv6 socket. */
static bool fast_destination(const struct sockaddr *to, struct in6_addr *dst, uint16_t *port)
{
	if (to->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)to;
		uint32_t a = ntohl(sin->sin_addr.s_addr);

		if (IN_MULTICAST(a) || a == INADDR_BROADCAST || a == INADDR_ANY)
			return false;
		memset(dst, 0, sizeof(*dst));
		dst->s6_addr16[5] = 0xffff;
		dst->s6_addr32[3] = sin->sin_addr.s_addr;
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)to;

		if (IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr))
			return false;
		*dst = sin6->sin6_addr;
		*port = ntohs(sin6->sin6_port);
	}
	return *port != 0;
}

/* The source address: the bound one, or the route's preferred one. */
static void source_address(const struct xdp_sock *x, const struct xdp_nexthop *nh,
			   struct in6_addr *src, uint16_t *port)
{
	if (x->local.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&x->local;

		*port = ntohs(sin->sin_port);
		if (sin->sin_addr.s_addr == INADDR_ANY) {
			*src = nh->src;
			return;
		}
		memset(src, 0, sizeof(*src));
		src->s6_addr16[5] = 0xffff;
		src->s6_addr32[3] = sin->sin_addr.s_addr;
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&x->local;

		*port = ntohs(sin6->sin6_port);
		*src = IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ? nh->src : sin6->sin6_addr;
	}
}

static ssize_t build_udp(uint8_t *buf, size_t cap, const void *arg)
{
	return xs_udp_build(buf, cap, arg);
}

/* Fill tx (all but its payload, iov and iovcnt) for the fast path: 1 it
 * may take the datagram, 0 the kernel must carry it, or -errno. */
static int udp_prepare(struct xs_sock *s, struct xdp_sock *x, const struct sockaddr *to, size_t len,
		       int64_t *now, struct xs_udp_tx *tx)
{
	const struct xs_stack_port *port = xs_stack_port(xdp_port_stack(xdp_port));
	struct xdp_nexthop nh;
	int rc;

	*tx = (struct xs_udp_tx){.family = s->family, .ttl = x->ttl, .tos = x->tos};
	if (!fast_destination(to, &tx->dst, &tx->dport) ||
	    len + xs_udp_header_len(s->family) - ETH_HLEN > port->mtu)
		return 0;
	rc = xdp_udp_autobind(x, s->family);
	if (rc < 0)
		return rc;
	if (nexthop_for(s->family, &tx->dst, &nh, now) != 0 || nh.local || nh.oif != port->ifindex)
		return 0;
	source_address(x, &nh, &tx->src, &tx->sport);
	memcpy(tx->src_mac, port->mac, ETH_ALEN);
	memcpy(tx->dst_mac, nh.mac, ETH_ALEN);
	return 1;
}

/* 1 sent on the fast path, 0 the kernel must carry it, or -errno. */
static ssize_t udp_send_fast(struct xs_sock *s, struct xdp_sock *x, const struct msghdr *m,
			     const struct sockaddr *to, size_t len)
{
	struct xs_udp_tx tx;
	int64_t now = 0;
	ssize_t n = udp_prepare(s, x, to, len, &now, &tx);

	if (n <= 0)
		return n;
	tx.iov = m->msg_iov;
	tx.iovcnt = (int)m->msg_iovlen;
	n = xdp_port_send(xdp_port, x->f.tx_hint, build_udp, &tx);
	if (n < 0)
		return n;
	xs_stack_count_tx(xdp_port_stack(xdp_port), x->f.ss, len);
	return 1;
}

/* The destination: the address given, or the connected peer (NULL if
 * there is none). */
static const struct sockaddr *udp_dest(const struct xdp_sock *x, const struct sockaddr *to)
{
	if (to)
		return to;
	return x->connected ? (const struct sockaddr *)&x->peer : NULL;
}

/* MSG_MORE, or a datagram already corked in the kernel socket: the
 * datagram is (part of) one the kernel assembles. */
static bool udp_corked(const struct xdp_sock *x, int flags)
{
	return (flags & MSG_MORE) || x->corked;
}

static ssize_t udp_sendmsg(struct xs_sock *s, struct xdp_sock *x, const struct msghdr *m, int flags)
{
	const struct sockaddr *to = udp_dest(x, m->msg_name);
	size_t len = iov_total(m->msg_iov, m->msg_iovlen);
	ssize_t rc;

	if (!to)
		return -EDESTADDRREQ;
	if (!udp_corked(x, flags) && !m->msg_controllen) {
		rc = udp_send_fast(s, x, m, to, len);
		if (rc != 0)
			return rc < 0 ? rc : (ssize_t)len;
	}
	return kernel_sendmsg(x, m, flags);
}

struct packet_frame {
	const struct iovec *iov;
	size_t iovcnt;
	bool with_header; /* SOCK_DGRAM: the Ethernet header is ours to write */
	struct ether_header eth;
};

static ssize_t build_packet(uint8_t *buf, size_t cap, const void *arg)
{
	const struct packet_frame *f = arg;
	size_t used = f->with_header ? sizeof(f->eth) : 0;

	if (used + iov_total(f->iov, f->iovcnt) > cap)
		return -EMSGSIZE;
	memcpy(buf, &f->eth, used);
	for (size_t i = 0; i < f->iovcnt; i++) {
		memcpy(buf + used, f->iov[i].iov_base, f->iov[i].iov_len);
		used += f->iov[i].iov_len;
	}
	return (ssize_t)used;
}

/* As the kernel: the interface comes from the address or the binding;
 * SOCK_RAW sends the frame as given, SOCK_DGRAM gets an Ethernet header
 * to the address's sll_addr. Fills f (but its payload) for len bytes of
 * payload; returns the frame's length or -errno. */
static ssize_t packet_prepare(struct xs_sock *s, struct xdp_sock *x, const struct sockaddr_ll *sll,
			      size_t len, struct packet_frame *f)
{
	const struct xs_stack_port *port = xs_stack_port(xdp_port_stack(xdp_port));
	int ifindex = sll && sll->sll_ifindex ? sll->sll_ifindex : x->f.ifindex;

	f->with_header = s->type == SOCK_DGRAM;
	if (!ifindex)
		return -ENXIO;
	if (ifindex != port->ifindex)
		return -ENODEV;
	if (f->with_header) {
		if (!sll || sll->sll_halen != ETH_ALEN)
			return -EDESTADDRREQ;
		memcpy(f->eth.ether_dhost, sll->sll_addr, ETH_ALEN);
		memcpy(f->eth.ether_shost, port->mac, ETH_ALEN);
		f->eth.ether_type = sll->sll_protocol ? sll->sll_protocol : htons(x->f.ethertype);
		len += ETH_HLEN;
	} else if (len < ETH_HLEN) {
		return -EINVAL;
	}
	if (len > port->mtu + ETH_HLEN)
		return -EMSGSIZE;
	return (ssize_t)len;
}

static ssize_t packet_sendmsg(struct xs_sock *s, struct xdp_sock *x, const struct msghdr *m)
{
	struct packet_frame f = {.iov = m->msg_iov, .iovcnt = m->msg_iovlen};
	ssize_t len = packet_prepare(s, x, m->msg_name, iov_total(m->msg_iov, m->msg_iovlen), &f);
	ssize_t n;

	if (len < 0)
		return len;
	n = xdp_port_send(xdp_port, x->f.tx_hint, build_packet, &f);
	if (n < 0)
		return n;
	xs_stack_count_tx(xdp_port_stack(xdp_port), x->f.ss, len);
	return (ssize_t)(f.with_header ? len - ETH_HLEN : len);
}

ssize_t xdp_sendmsg(struct xs_sock *s, const struct msghdr *m, int flags)
{
	struct xdp_sock *x = xdp_of(s);

	if (s->family == AF_PACKET)
		return packet_sendmsg(s, x, m);
	return udp_sendmsg(s, x, m, flags);
}

static ssize_t kernel_recvmsg(struct xdp_sock *x, struct msghdr *m, int flags)
{
	ssize_t n = recvmsg(x->kfd, m, flags | MSG_DONTWAIT);

	return n < 0 ? -errno : n;
}

/* After the fast path came up empty: is the kernel socket worth a system
 * call? A non-blocking caller may have polled fileno, which covers kfd,
 * so it always asks; a caller the core makes wait asks only when that
 * wait saw kfd readable (xdp_wait), so a blocking receive on the fast
 * path does not pay a recvmsg on kfd per datagram. */
static bool kernel_due(const struct xs_sock *s, struct xdp_sock *x)
{
	if (x->kfd < 0)
		return false;
	if (s->timeout == 0.0 || x->kfd_ready) {
		x->kfd_ready = false;
		return true;
	}
	return false;
}

ssize_t xdp_recvmsg(struct xs_sock *s, struct msghdr *m, int flags)
{
	struct xdp_sock *x = xdp_of(s);
	bool kernel_first = x->kfd >= 0 && (++x->turn & 63) == 0;
	ssize_t n;

	if (x->f.shut_rd)
		return 0;
	if (flags & (MSG_ERRQUEUE | MSG_OOB))
		return x->kfd >= 0 ? kernel_recvmsg(x, m, flags) : -EOPNOTSUPP;
	m->msg_flags = 0;
	if (kernel_first && (n = kernel_recvmsg(x, m, flags)) != -EAGAIN)
		return n;
	n = xs_frame_recv_queued(&x->f, m, flags);
	if (n == -EAGAIN && xdp_port_poll(xdp_port, x->f.ss))
		n = xs_frame_recv_queued(&x->f, m, flags);
	if (n == -EAGAIN && !kernel_first && kernel_due(s, x))
		n = kernel_recvmsg(x, m, flags);
	return n;
}

/* ---- batches ---- */

/* Post a prepared run of datagrams with one xdp_port_send_batch; each
 * that went gets its n and its count (extra: header bytes the wire adds
 * to the counted length). */
static int post_run(struct xdp_sock *x, struct xs_msg *msgs, unsigned run, xdp_build_fn build,
		    const void *const *args, size_t extra)
{
	struct xs_stack *st = xdp_port_stack(xdp_port);
	int sent = xdp_port_send_batch(xdp_port, x->f.tx_hint, build, args, run);

	for (int i = 0; i < sent; i++) {
		msgs[i].n = msgs[i].len;
		xs_stack_count_tx(st, x->f.ss, msgs[i].len + extra);
	}
	return sent;
}

/* One datagram through the kernel socket, in its place in the batch
 * (AF_UNSPEC: kfd is connected to the peer). */
static ssize_t udp_send_kernel(struct xdp_sock *x, struct xs_msg *m, int flags)
{
	bool named = m->addr.family != AF_UNSPEC;
	struct iovec iov = {.iov_base = m->buf, .iov_len = m->len};
	struct msghdr h = {.msg_name = named ? &m->addr.ss : NULL,
			   .msg_namelen = named ? m->addr.len : 0,
			   .msg_iov = &iov,
			   .msg_iovlen = 1};
	ssize_t n = kernel_sendmsg(x, &h, flags);

	if (n >= 0)
		m->n = n;
	return n;
}

/* Prepare datagrams from msgs[0] on for the fast path, up to BATCH_RUN:
 * returns how many can go, with *why the verdict on the one that stopped
 * the run (0: the kernel carries it; -errno). */
static unsigned udp_prepare_run(struct xs_sock *s, struct xdp_sock *x, struct xs_msg *msgs,
				unsigned count, int flags, int64_t *now, struct xs_udp_tx *tx,
				struct iovec *iov, int *why)
{
	unsigned run = 0;

	*why = 0;
	if (udp_corked(x, flags))
		return 0;
	for (; run < count && run < BATCH_RUN; run++) {
		struct xs_msg *m = &msgs[run];
		const struct sockaddr *to = udp_dest(
			x,
			m->addr.family != AF_UNSPEC ? (const struct sockaddr *)&m->addr.ss : NULL);

		*why = to ? udp_prepare(s, x, to, m->len, now, &tx[run]) : -EDESTADDRREQ;
		if (*why <= 0)
			break;
		iov[run] = (struct iovec){.iov_base = m->buf, .iov_len = m->len};
		tx[run].iov = &iov[run];
		tx[run].iovcnt = 1;
	}
	return run;
}

static int udp_send_batch(struct xs_sock *s, struct xdp_sock *x, struct xs_msg *msgs,
			  unsigned count, int flags)
{
	struct xs_udp_tx tx[BATCH_RUN];
	struct iovec iov[BATCH_RUN];
	const void *args[BATCH_RUN];
	int64_t now = 0;
	unsigned done = 0;

	for (unsigned i = 0; i < BATCH_RUN; i++)
		args[i] = &tx[i];
	while (done < count) {
		int why, n;
		unsigned run = udp_prepare_run(s, x, msgs + done, count - done, flags, &now, tx,
					       iov, &why);

		if (run) {
			n = post_run(x, msgs + done, run, build_udp, args, 0);
			if (n < 0)
				return done ? (int)done : n;
			done += n;
			if ((unsigned)n < run)
				break; /* the ring is full: the rest waits for the next call */
			continue;
		}
		n = why < 0 ? why : (int)udp_send_kernel(x, &msgs[done], flags);
		if (n < 0)
			return done ? (int)done : n;
		done++;
	}
	return (int)done;
}

static int packet_send_batch(struct xs_sock *s, struct xdp_sock *x, struct xs_msg *msgs,
			     unsigned count)
{
	struct packet_frame f[BATCH_RUN];
	struct iovec iov[BATCH_RUN];
	const void *args[BATCH_RUN];
	unsigned run = 0;
	ssize_t len = 0;
	int n;

	for (; run < count && run < BATCH_RUN; run++) {
		struct xs_msg *m = &msgs[run];

		len = packet_prepare(s, x, m->addr.family != AF_UNSPEC ? (void *)&m->addr.ss : NULL,
				     m->len, &f[run]);
		if (len < 0)
			break;
		iov[run] = (struct iovec){.iov_base = m->buf, .iov_len = m->len};
		f[run].iov = &iov[run];
		f[run].iovcnt = 1;
		args[run] = &f[run];
	}
	if (!run)
		return (int)len;
	n = post_run(x, msgs, run, build_packet, args, s->type == SOCK_DGRAM ? ETH_HLEN : 0);
	return n;
}

int xdp_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	struct xdp_sock *x = xdp_of(s);

	if (s->family == AF_PACKET)
		return packet_send_batch(s, x, msgs, count);
	return udp_send_batch(s, x, msgs, count, flags);
}

/* The one-datagram receive, as one entry of a batch. */
static int recv_single(struct xs_sock *s, struct xs_msg *m, int flags)
{
	struct iovec iov = {.iov_base = m->buf, .iov_len = m->len};
	struct msghdr h = {.msg_name = &m->addr.ss,
			   .msg_namelen = sizeof(m->addr.ss),
			   .msg_iov = &iov,
			   .msg_iovlen = 1};
	ssize_t n = xdp_recvmsg(s, &h, flags);

	if (n < 0)
		return (int)n;
	m->n = n;
	m->flags = h.msg_flags;
	m->addr.len = h.msg_namelen;
	return 1;
}

/* What the socket's queue holds, up to count; never the rings. */
/* What the kernel socket holds, up to BATCH_RUN, without waiting. */
static int kernel_recv_batch(struct xdp_sock *x, struct xs_msg *msgs, unsigned count, int flags)
{
	struct mmsghdr v[BATCH_RUN];
	struct iovec iov[BATCH_RUN];
	unsigned want = count < BATCH_RUN ? count : BATCH_RUN;
	int got;

	for (unsigned i = 0; i < want; i++) {
		iov[i] = (struct iovec){.iov_base = msgs[i].buf, .iov_len = msgs[i].len};
		v[i].msg_hdr = (struct msghdr){.msg_name = &msgs[i].addr.ss,
					       .msg_namelen = sizeof(msgs[i].addr.ss),
					       .msg_iov = &iov[i],
					       .msg_iovlen = 1};
	}
	got = recvmmsg(x->kfd, v, want, flags | MSG_DONTWAIT, NULL);
	if (got < 0)
		return -errno;
	for (int i = 0; i < got; i++) {
		msgs[i].n = v[i].msg_len;
		msgs[i].flags = v[i].msg_hdr.msg_flags;
		msgs[i].addr.len = v[i].msg_hdr.msg_namelen;
	}
	return got;
}

int xdp_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	struct xdp_sock *x = xdp_of(s);
	bool kernel_first;
	unsigned n = 0;
	int rc;

	if (x->f.shut_rd) { /* as recvmsg: an empty datagram from nobody, at once */
		msgs[0].n = 0;
		msgs[0].flags = 0;
		msgs[0].addr.len = 0;
		return 1;
	}
	if (flags & (MSG_ERRQUEUE | MSG_OOB))
		return recv_single(s, msgs, flags);
	kernel_first = x->kfd >= 0 && (++x->turn & 63) == 0;
	if (kernel_first) {
		rc = kernel_recv_batch(x, msgs, count, flags);
		if (rc < 0 && rc != -EAGAIN)
			return rc;
		n = rc > 0 ? (unsigned)rc : 0;
	}
	n += xs_stack_sock_recv_msgs(x->f.ss, msgs + n, count - n, flags);
	if (n == 0 && xdp_port_poll(xdp_port, x->f.ss))
		n = xs_stack_sock_recv_msgs(x->f.ss, msgs, count, flags);
	if (n == 0 && !kernel_first && kernel_due(s, x))
		return kernel_recv_batch(x, msgs, count, flags);
	return n ? (int)n : -EAGAIN;
}

static unsigned poll_port(struct xs_stack_sock *self)
{
	return xdp_port_poll(xdp_port, self);
}

/* Sleep on the epoll set (eventfd, rings, kfd), noting whether kfd fired. */
static int wait_readable(struct xs_sock *s, struct xdp_sock *x, const struct timespec *ts)
{
	struct epoll_event ev[4];
	int n = epoll_pwait2(s->fd, ev, 4, ts, NULL);

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++)
		if (ev[i].data.fd == x->kfd)
			x->kfd_ready = true;
	return n == 0 ? -ETIMEDOUT : 0;
}

int xdp_wait(struct xs_sock *s, short events, int64_t timeout_ns)
{
	struct xdp_sock *x = xdp_of(s);
	struct timespec ts = {timeout_ns / 1000000000, timeout_ns % 1000000000};
	struct pollfd pfd[3];
	nfds_t n = 0;
	int rc;

	if (events & POLLIN) {
		if (x->f.shut_rd || xs_frame_busy_poll(&x->f, (int64_t)xdp_cfg.busy_poll_us * 1000,
						       timeout_ns, poll_port))
			return 0;
		if (!(events & POLLOUT))
			return wait_readable(s, x, timeout_ns < 0 ? NULL : &ts);
		pfd[n++] = (struct pollfd){.fd = s->fd, .events = POLLIN};
		x->kfd_ready = true; /* not told which fired: let recv ask kfd */
	}
	if (events & POLLOUT) {
		pfd[n++] = (struct pollfd){.fd = xdp_port_tx_fd(xdp_port, x->f.tx_hint),
					   .events = POLLOUT};
		if (x->kfd >= 0)
			pfd[n++] = (struct pollfd){.fd = x->kfd, .events = POLLOUT};
	}
	rc = ppoll(pfd, n, timeout_ns < 0 ? NULL : &ts, NULL);
	if (rc < 0)
		return -errno;
	return rc == 0 ? -ETIMEDOUT : 0;
}
