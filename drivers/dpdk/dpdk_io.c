/*
 * dpdk_io.c — the dpdk transport's data path: send, receive and wait.
 *
 * Send builds Ethernet/IP/UDP in an mbuf. A unicast destination goes
 * through dpdk_port_send_ip, which takes the next hop's MAC from the
 * stack's neighbour cache, or holds the frame while ARP/ND resolves it;
 * broadcast (with SO_BROADCAST, as the kernel asks) and multicast take
 * their group MAC; a destination that is one of the stack's own
 * addresses is looped back into the stack's input, as the kernel loops
 * back local traffic. There is no fragmentation: a datagram over the MTU
 * is EMSGSIZE.
 *
 * Receive is run-to-completion: a recv that finds its queue empty polls
 * the port; a wait polls for up to dpdk.busy_poll_us, then sleeps on the
 * socket's eventfd while the poller thread polls for it (dpdk_poller.c).
 * So a blocked receive with a timeout never spins for longer than the
 * budget, and an idle program costs the poller's wakeups only.
 */
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "dpdk_sock.h"
#include "internal.h"

static size_t iov_total(const struct iovec *iov, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

static void sockaddr_in6_addr(const struct sockaddr *sa, struct in6_addr *a, uint16_t *port)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memset(a, 0, sizeof(*a));
		a->s6_addr16[5] = 0xffff;
		a->s6_addr32[3] = sin->sin_addr.s_addr;
		*port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		*a = sin6->sin6_addr;
		*port = ntohs(sin6->sin6_port);
	}
}

enum dest_kind { DEST_UNICAST, DEST_LOCAL, DEST_BROADCAST, DEST_MULTICAST, DEST_LOOPBACK };

static bool is_subnet_broadcast(const struct xs_ifaddr *v4, uint32_t a)
{
	uint32_t mask = v4->plen ? ~0u << (32 - v4->plen) : 0;

	return v4->set && v4->plen < 31 &&
	       (a | mask) == a && (a & mask) == (ntohl(v4->addr.s6_addr32[3]) & mask);
}

static enum dest_kind classify(int family, const struct in6_addr *dst)
{
	const struct xs_ifaddrs *own = dpdk_port_addrs(dpdk_port);

	if (family == AF_INET) {
		uint32_t a = ntohl(dst->s6_addr32[3]);

		if (a == INADDR_BROADCAST || is_subnet_broadcast(&own->v4, a))
			return DEST_BROADCAST;
		if (IN_MULTICAST(a))
			return DEST_MULTICAST;
		if ((a >> 24) == 127)
			return DEST_LOOPBACK;
	} else {
		if (IN6_IS_ADDR_MULTICAST(dst))
			return DEST_MULTICAST;
		if (IN6_IS_ADDR_LOOPBACK(dst))
			return DEST_LOOPBACK;
	}
	return xs_ifaddrs_owns(own, family, dst) ? DEST_LOCAL : DEST_UNICAST;
}

static void group_mac(int family, const struct in6_addr *dst, uint8_t mac[6])
{
	if (family == AF_INET6) {
		xs_ipv6_mcast_mac(dst, mac);
		return;
	}
	mac[0] = 0x01, mac[1] = 0x00, mac[2] = 0x5e;
	mac[3] = dst->s6_addr[13] & 0x7f, mac[4] = dst->s6_addr[14], mac[5] = dst->s6_addr[15];
}

static ssize_t build_udp(uint8_t *buf, size_t cap, const void *arg)
{
	return xs_udp_build(buf, cap, arg);
}

/* A datagram to one of the stack's own addresses: straight into input. */
static ssize_t loop_back(const struct xs_udp_tx *tx)
{
	struct xs_stack *st = dpdk_port_stack(dpdk_port);
	uint8_t frame[9216];
	struct xs_frame f = { .data = frame };
	ssize_t n = xs_udp_build(frame, sizeof(frame), tx);

	if (n < 0)
		return n;
	f.len = (uint32_t)n;
	xs_stack_lock(st);
	xs_stack_input(st, &f, 1, NULL);
	xs_stack_unlock(st);
	return n;
}

static void source_of(const struct dpdk_sock *d, int family, const struct in6_addr *dst,
		      struct in6_addr *src)
{
	struct in6_addr hop;
	uint16_t port;

	sockaddr_in6_addr((const struct sockaddr *)&d->local, src, &port);
	if ((family == AF_INET && src->s6_addr32[3] == 0) ||
	    (family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(src)))
		xs_ifaddrs_route(dpdk_port_addrs(dpdk_port), family, dst, &hop, src);
}

static ssize_t udp_sendmsg(struct xs_sock *s, struct dpdk_sock *d, const struct msghdr *m)
{
	const struct xs_stack_port *port = xs_stack_port(dpdk_port_stack(dpdk_port));
	const struct sockaddr *to = m->msg_name;
	struct xs_udp_tx tx = { .family = s->family, .iov = m->msg_iov,
				.iovcnt = (int)m->msg_iovlen, .ttl = (uint8_t)d->ttl,
				.tos = (uint8_t)d->tos };
	size_t len = iov_total(m->msg_iov, m->msg_iovlen);
	uint16_t sport;
	ssize_t n;

	if (!to) {
		if (!d->connected)
			return -EDESTADDRREQ;
		to = (const struct sockaddr *)&d->peer;
	}
	sockaddr_in6_addr(to, &tx.dst, &tx.dport);
	if (tx.dport == 0)
		return -EINVAL;
	if (len + xs_udp_header_len(s->family) - ETH_HLEN > port->mtu)
		return -EMSGSIZE;
	n = dpdk_udp_autobind(s, d);
	if (n < 0)
		return n;
	sockaddr_in6_addr((const struct sockaddr *)&d->local, &tx.src, &sport);
	tx.sport = sport;
	source_of(d, s->family, &tx.dst, &tx.src);
	memcpy(tx.src_mac, port->mac, ETH_ALEN);
	switch (classify(s->family, &tx.dst)) {
	case DEST_LOOPBACK:
		return -ENETUNREACH; /* loopback is the kernel's; this stack has none */
	case DEST_LOCAL:
		memcpy(tx.dst_mac, port->mac, ETH_ALEN);
		n = loop_back(&tx);
		break;
	case DEST_BROADCAST:
		if (!d->broadcast)
			return -EACCES;
		memset(tx.dst_mac, 0xff, ETH_ALEN);
		n = dpdk_port_send(dpdk_port, d->f.tx_hint, build_udp, &tx);
		break;
	case DEST_MULTICAST:
		group_mac(s->family, &tx.dst, tx.dst_mac);
		n = dpdk_port_send(dpdk_port, d->f.tx_hint, build_udp, &tx);
		break;
	default:
		n = dpdk_port_send_ip(dpdk_port, d->f.tx_hint, s->family, &tx.dst, build_udp, &tx);
	}
	if (n < 0)
		return n == -ENOBUFS ? -EAGAIN : n;
	xs_stack_count_tx(dpdk_port_stack(dpdk_port), d->f.ss, len);
	return (ssize_t)len;
}

static ssize_t build_packet(uint8_t *buf, size_t cap, const void *arg)
{
	return xs_packet_build(buf, cap, arg);
}

/* As the kernel: the interface comes from the address or the binding;
 * SOCK_RAW sends the frame as given, SOCK_DGRAM gets an Ethernet header
 * to the address's sll_addr. */
static ssize_t packet_sendmsg(struct xs_sock *s, struct dpdk_sock *d, const struct msghdr *m)
{
	const struct sockaddr_ll *sll = m->msg_name;
	const struct xs_stack_port *port = xs_stack_port(dpdk_port_stack(dpdk_port));
	struct xs_packet_tx tx = { .with_header = s->type == SOCK_DGRAM, .iov = m->msg_iov,
				   .iovcnt = (int)m->msg_iovlen };
	size_t len = iov_total(m->msg_iov, m->msg_iovlen);
	int ifindex = sll && sll->sll_ifindex ? sll->sll_ifindex : d->f.ifindex;
	ssize_t n;

	if (!ifindex)
		return -ENXIO;
	if (ifindex != port->ifindex)
		return -ENODEV;
	if (tx.with_header) {
		if (!sll || sll->sll_halen != ETH_ALEN)
			return -EDESTADDRREQ;
		memcpy(tx.dst_mac, sll->sll_addr, ETH_ALEN);
		memcpy(tx.src_mac, port->mac, ETH_ALEN);
		tx.proto_be = sll->sll_protocol ? sll->sll_protocol : htons(d->f.ethertype);
	} else if (len < ETH_HLEN) {
		return -EINVAL;
	}
	if (len + (tx.with_header ? ETH_HLEN : 0) > port->mtu + ETH_HLEN)
		return -EMSGSIZE;
	n = dpdk_port_send(dpdk_port, d->f.tx_hint, build_packet, &tx);
	if (n < 0)
		return n == -ENOBUFS ? -EAGAIN : n;
	xs_stack_count_tx(dpdk_port_stack(dpdk_port), d->f.ss, len);
	return (ssize_t)len;
}

ssize_t dpdk_sendmsg(struct xs_sock *s, const struct msghdr *m, int flags)
{
	struct dpdk_sock *d = dpdk_of(s);

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (s->family == AF_PACKET)
		return packet_sendmsg(s, d, m);
	return udp_sendmsg(s, d, m);
}

ssize_t dpdk_recvmsg(struct xs_sock *s, struct msghdr *m, int flags)
{
	struct dpdk_sock *d = dpdk_of(s);
	ssize_t n;

	if (flags & (MSG_ERRQUEUE | MSG_OOB))
		return -EOPNOTSUPP;
	if (d->f.shut_rd)
		return 0;
	m->msg_flags = 0;
	n = xs_frame_recv_queued(&d->f, m, flags);
	if (n == -EAGAIN && dpdk_port_poll(dpdk_port, d->f.ss))
		n = xs_frame_recv_queued(&d->f, m, flags);
	return n;
}

static unsigned poll_port(struct xs_stack_sock *self)
{
	return dpdk_port_poll(dpdk_port, self);
}

/* Room to send comes back as the device transmits: a short nap. */
static int wait_writable(int64_t timeout_ns)
{
	struct timespec ts = { 0, 20000 };

	if (timeout_ns >= 0 && timeout_ns < ts.tv_nsec)
		ts.tv_nsec = (long)timeout_ns;
	return nanosleep(&ts, NULL) < 0 ? -errno : 0;
}

int dpdk_wait(struct xs_sock *s, short events, int64_t timeout_ns)
{
	struct dpdk_sock *d = dpdk_of(s);
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	struct timespec ts;
	int rc;

	if (!(events & POLLIN))
		return wait_writable(timeout_ns);
	if (d->f.shut_rd || xs_frame_busy_poll(&d->f, dpdk_busy_poll_ns, timeout_ns, poll_port))
		return 0;
	if (timeout_ns >= 0) {
		timeout_ns -= dpdk_busy_poll_ns < timeout_ns ? dpdk_busy_poll_ns : timeout_ns;
		ts = (struct timespec){ timeout_ns / 1000000000, timeout_ns % 1000000000 };
	}
	dpdk_poller_sleeper(1);
	rc = ppoll(&pfd, 1, timeout_ns < 0 ? NULL : &ts, NULL);
	dpdk_poller_sleeper(-1);
	if (rc < 0)
		return -errno;
	return rc == 0 ? -ETIMEDOUT : 0;
}

int dpdk_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	struct dpdk_sock *d = dpdk_of(s);
	unsigned n;

	if (flags & (MSG_ERRQUEUE | MSG_OOB))
		return -EOPNOTSUPP;
	if (d->f.shut_rd) { /* as recvmsg: an empty datagram from nobody, at once */
		msgs[0] = (struct xs_msg){ .buf = msgs[0].buf, .len = msgs[0].len };
		return 1;
	}
	n = xs_stack_sock_recv_msgs(d->f.ss, msgs, count, flags);
	if (n == 0 && dpdk_port_poll(dpdk_port, d->f.ss))
		n = xs_stack_sock_recv_msgs(d->f.ss, msgs, count, flags);
	return n ? (int)n : -EAGAIN;
}

/* ---- send batches ----
 * The datagrams of a batch that go to a resolved unicast neighbour are
 * built into a burst of mbufs and leave in one rte_eth_tx_burst, under
 * one TX lock, the neighbour looked up once per destination and batch;
 * any other datagram (first from an unbound socket, broadcast,
 * multicast, to ourselves, to a neighbour still resolving, or one that
 * fails) takes dpdk_sendmsg's path, after the burst before it has gone out
 * whole, so the order and the count returned stay exact. */

struct batch_dgram {
	struct xs_udp_tx tx;
	struct iovec iov;
};

/* The last destination of this batch, and the datagram built for it:
 * the next one to the same address and port differs only in its data. */
struct batch_dest {
	bool valid;
	struct in6_addr ip;
	uint16_t port;
	struct xs_udp_tx tx;
};

/* The headers of a datagram to dst:dport from d, if it can join the
 * burst: a unicast destination whose next hop is resolved. */
static bool batch_dest_new(struct xs_sock *s, struct dpdk_sock *d, const struct in6_addr *dst,
			   uint16_t dport, struct batch_dest *last)
{
	const struct xs_stack_port *port = xs_stack_port(dpdk_port_stack(dpdk_port));
	struct xs_udp_tx *tx = &last->tx;
	uint16_t sport;

	last->valid = false;
	if (dport == 0 || classify(s->family, dst) != DEST_UNICAST ||
	    dpdk_port_resolve(dpdk_port, s->family, dst, tx->dst_mac) < 0)
		return false;
	tx->family = s->family;
	tx->dst = *dst;
	tx->dport = dport;
	tx->ttl = (uint8_t)d->ttl;
	tx->tos = (uint8_t)d->tos;
	sockaddr_in6_addr((const struct sockaddr *)&d->local, &tx->src, &sport);
	tx->sport = sport;
	source_of(d, s->family, dst, &tx->src);
	memcpy(tx->src_mac, port->mac, ETH_ALEN);
	last->ip = *dst;
	last->port = dport;
	last->valid = true;
	return true;
}

/* Can m join the burst? Fills b if so; no means dpdk_sendmsg's path, which
 * also reports whatever is wrong with m. */
static bool batch_fast(struct xs_sock *s, struct dpdk_sock *d, const struct xs_msg *m,
		       struct batch_dgram *b, struct batch_dest *last)
{
	const struct xs_stack_port *port = xs_stack_port(dpdk_port_stack(dpdk_port));
	const struct sockaddr *to =
		m->addr.ss.ss_family == AF_UNSPEC
			? (d->connected ? (const struct sockaddr *)&d->peer : NULL)
			: (const struct sockaddr *)&m->addr.ss;
	struct in6_addr dst;
	uint16_t dport;

	if (!to || !d->bound || m->len + xs_udp_header_len(s->family) - ETH_HLEN > port->mtu)
		return false;
	sockaddr_in6_addr(to, &dst, &dport);
	if ((!last->valid || dport != last->port || memcmp(&dst, &last->ip, sizeof(dst))) &&
	    !batch_dest_new(s, d, &dst, dport, last))
		return false;
	b->tx = last->tx;
	b->iov = (struct iovec){.iov_base = m->buf, .iov_len = m->len};
	b->tx.iov = &b->iov;
	b->tx.iovcnt = 1;
	return true;
}

/* Send the n datagrams of b (msgs[0..n-1]): how many went out (a
 * prefix), or -errno if none did. */
static int batch_flush(struct dpdk_sock *d, struct xs_msg *msgs, const struct batch_dgram *b,
		       unsigned n)
{
	struct xs_stack *st = dpdk_port_stack(dpdk_port);
	struct dpdk_tx tx[DPDK_BURST];
	int sent;

	for (unsigned i = 0; i < n; i++)
		tx[i] = (struct dpdk_tx){.build = build_udp, .arg = &b[i].tx};
	sent = dpdk_port_send_batch(dpdk_port, d->f.tx_hint, tx, n);
	if (sent < 0)
		return sent == -ENOBUFS ? -EAGAIN : sent;
	for (int i = 0; i < sent; i++) {
		msgs[i].n = msgs[i].len;
		xs_stack_count_tx(st, d->f.ss, msgs[i].len);
	}
	return sent;
}

/* One datagram alone, through dpdk_sendmsg. */
static ssize_t batch_one(struct xs_sock *s, struct xs_msg *m, int flags)
{
	const struct sockaddr *to =
		m->addr.ss.ss_family == AF_UNSPEC ? NULL : (const struct sockaddr *)&m->addr.ss;
	struct iovec iov = {.iov_base = m->buf, .iov_len = m->len};
	struct msghdr h = {.msg_name = (void *)to,
			   .msg_namelen = m->addr.len,
			   .msg_iov = &iov,
			   .msg_iovlen = 1};
	ssize_t n = dpdk_sendmsg(s, &h, flags);

	if (n >= 0)
		m->n = (size_t)n;
	return n;
}

int dpdk_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags)
{
	struct dpdk_sock *d = dpdk_of(s);
	struct batch_dgram b[DPDK_BURST];
	struct batch_dest last = {.valid = false};
	bool fast = s->family != AF_PACKET && !(flags & MSG_OOB);
	unsigned done = 0, n = 0;
	ssize_t rc;

	while (done < count) {
		if (fast && done + n < count && n < DPDK_BURST &&
		    batch_fast(s, d, &msgs[done + n], &b[n], &last)) {
			n++;
			continue;
		}
		if (n) { /* the burst so far, whole, before anything else */
			rc = batch_flush(d, msgs + done, b, n);
			if (rc < 0)
				return done ? (int)done : (int)rc;
			done += (unsigned)rc;
			if ((unsigned)rc < n)
				return (int)done; /* the ring is full: the rest later */
			n = 0;
			continue;
		}
		rc = batch_one(s, &msgs[done], flags);
		if (rc < 0)
			return done ? (int)done : (int)rc;
		done++;
	}
	return (int)done;
}
