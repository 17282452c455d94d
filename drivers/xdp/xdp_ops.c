/*
 * xdp_ops.c — the xdp transport's ops table and control path: init (the
 * xdp.* keys, then the interface), creating and closing sockets, bind and
 * connect (the kernel socket decides, then the stack and the steering
 * program follow what it decided), names, options and counters. The data
 * path is in xdp_io.c; xdp_sock.h says how a socket is built.
 */
#include <errno.h>
#include <net/if_arp.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "internal.h"
#include "xdp_sock.h"

struct xdp_port *xdp_port;
struct xdp_cfg xdp_cfg;

static const char *const xdp_keys[] = {"iface", "queues", "mode", "zerocopy", "busy_poll_us", NULL};

static int xdp_init(void)
{
	char msg[480] = "";
	int rc = xdp_config_load(&xdp_cfg, msg, sizeof(msg));

	if (rc == 0)
		rc = xdp_port_open(&xdp_cfg, &xdp_port, msg, sizeof(msg));
	if (rc < 0)
		xs_fail_os(-rc, "xdp: %s", msg[0] ? msg : strerror(-rc));
	return rc;
}

static bool xdp_supports(int family, int type, int proto)
{
	if (family == AF_INET || family == AF_INET6)
		return type == SOCK_DGRAM && (proto == 0 || proto == IPPROTO_UDP);
	return family == AF_PACKET && (type == SOCK_RAW || type == SOCK_DGRAM);
}

static int epoll_add(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The pollable descriptor: the stack socket's eventfd, the rings, kfd. */
static int make_epoll(const struct xdp_sock *x)
{
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	int rc = 0;

	if (epfd < 0)
		return -errno;
	rc = epoll_add(epfd, xs_stack_sock_eventfd(x->f.ss));
	for (unsigned i = 0; rc == 0 && i < xdp_port_nfds(xdp_port); i++)
		rc = epoll_add(epfd, xdp_port_fd(xdp_port, i));
	if (rc == 0 && x->kfd >= 0)
		rc = epoll_add(epfd, x->kfd);
	if (rc < 0) {
		close(epfd);
		return rc;
	}
	return epfd;
}

static int packet_steer(struct xdp_sock *x, uint16_t ethertype)
{
	int rc;

	if (ethertype == x->f.ethertype)
		return 0;
	if (ethertype) {
		rc = xdp_port_steer_ethertype(xdp_port, ethertype, true);
		if (rc < 0)
			return rc;
	}
	if (x->f.ethertype)
		xdp_port_steer_ethertype(xdp_port, x->f.ethertype, false);
	x->f.ethertype = ethertype;
	return xs_stack_bind_packet(x->f.ss, ethertype);
}

static void xdp_sock_free(struct xdp_sock *x)
{
	if (x->steered)
		xdp_port_steer_udp(xdp_port, (struct sockaddr *)&x->local, false);
	if (x->f.ethertype)
		xdp_port_steer_ethertype(xdp_port, x->f.ethertype, false);
	if (x->f.ss)
		xs_stack_sock_free(x->f.ss);
	if (x->kfd >= 0)
		close(x->kfd);
	if (x->member_fd >= 0)
		close(x->member_fd);
	free(x);
}

static int xdp_open(struct xs_sock *s, int family, int type, int proto)
{
	struct xdp_sock *x = calloc(1, sizeof(*x));
	int rc = -ENOMEM;

	if (!x)
		return -ENOMEM;
	xs_frame_sock_init(&x->f);
	x->kfd = -1;
	x->member_fd = -1;
	if (family != AF_PACKET) {
		x->kfd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
		if (x->kfd < 0) {
			rc = -errno;
			goto out_free;
		}
	}
	x->f.ss = xs_stack_sock_new(xdp_port_stack(xdp_port), family, type, 0);
	if (!x->f.ss)
		goto out_free;
	/* A packet socket with a protocol receives from the start, as in
	 * the kernel (protocol in network order). */
	if (family == AF_PACKET && proto) {
		rc = packet_steer(x, ntohs(proto));
		if (rc < 0)
			goto out_free;
	}
	rc = make_epoll(x);
	if (rc < 0)
		goto out_free;
	s->fd = rc;
	s->priv = x;
	return 0;
out_free:
	xdp_sock_free(x);
	return rc;
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					: ((const struct sockaddr_in6 *)ss)->sin6_port;
}

static void unsteer_udp(struct xdp_sock *x)
{
	if (!x->steered)
		return;
	xs_stack_unbind(x->f.ss);
	xdp_port_steer_udp(xdp_port, (struct sockaddr *)&x->local, false);
	x->steered = false;
}

/* Make the stack and the steering program follow what kfd is bound to. */
static int follow_kernel_binding(struct xdp_sock *x)
{
	struct sockaddr_storage now;
	socklen_t len = sizeof(now);
	int rc;

	if (getsockname(x->kfd, (struct sockaddr *)&now, &len) < 0)
		return -errno;
	if (x->steered && !memcmp(&now, &x->local, len))
		return 0;
	if (port_of(&now) == 0) { /* a dissolved association lost its port */
		unsteer_udp(x);
		return 0;
	}
	rc = xdp_port_steer_udp(xdp_port, (struct sockaddr *)&now, true);
	if (rc < 0)
		return rc;
	if (x->steered)
		xdp_port_steer_udp(xdp_port, (struct sockaddr *)&x->local, false);
	x->local = now;
	x->steered = true;
	xs_stack_unbind(x->f.ss);
	return xs_stack_bind_udp(x->f.ss, (struct sockaddr *)&now);
}

int xdp_udp_autobind(struct xdp_sock *x, int family)
{
	struct sockaddr_storage any = {.ss_family = family};
	socklen_t len =
		family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	if (x->steered)
		return 0;
	if (bind(x->kfd, (struct sockaddr *)&any, len) < 0 && errno != EINVAL)
		return -errno; /* EINVAL: the kernel bound it already */
	return follow_kernel_binding(x);
}

static int packet_bind(struct xdp_sock *x, const struct sockaddr_ll *sll)
{
	int ifindex = xs_stack_port(xdp_port_stack(xdp_port))->ifindex;

	if (sll->sll_ifindex && sll->sll_ifindex != ifindex) {
		xs_log(XS_LOG_WARN,
		       "xdp carries packet sockets on %s (xdp.iface) only; "
		       "interface %d is the kernel's",
		       xdp_cfg.iface, sll->sll_ifindex);
		return -ENODEV;
	}
	x->f.ifindex = sll->sll_ifindex;
	return sll->sll_protocol ? packet_steer(x, ntohs(sll->sll_protocol)) : 0;
}

static int xdp_bind(struct xs_sock *s, const struct xs_addr *a)
{
	struct xdp_sock *x = xdp_of(s);

	if (s->family == AF_PACKET)
		return packet_bind(x, (const struct sockaddr_ll *)&a->ss);
	if (bind(x->kfd, (const struct sockaddr *)&a->ss, a->len) < 0)
		return -errno;
	return follow_kernel_binding(x);
}

static int xdp_connect(struct xs_sock *s, const struct xs_addr *a)
{
	struct xdp_sock *x = xdp_of(s);
	bool dissolve = a->ss.ss_family == AF_UNSPEC;
	int rc;

	if (s->family == AF_PACKET)
		return -EOPNOTSUPP;
	if (connect(x->kfd, (const struct sockaddr *)&a->ss, a->len) < 0)
		return -errno;
	/* connect bound kfd to the route's source address: follow it. */
	x->connected = !dissolve;
	if (!dissolve)
		memcpy(&x->peer, &a->ss, a->len);
	rc = follow_kernel_binding(x);
	if (rc < 0)
		return rc;
	return xs_stack_connect_udp(x->f.ss, dissolve ? NULL : (const struct sockaddr *)&a->ss);
}

static int xdp_close(struct xs_sock *s)
{
	bool last;
	int rc = xs_frame_close(s, &last);

	if (last)
		xdp_sock_free(xdp_of(s));
	return rc;
}

static int xdp_getsockname(const struct xs_sock *s, struct xs_addr *out)
{
	const struct xdp_sock *x = xdp_of(s);
	socklen_t len = sizeof(out->ss);

	if (s->family == AF_PACKET) {
		xs_frame_packet_name(&x->f, xdp_port_stack(xdp_port), out);
		return 0;
	}
	if (getsockname(x->kfd, (struct sockaddr *)&out->ss, &len) < 0)
		return -errno;
	out->len = len;
	return 0;
}

static int xdp_getpeername(const struct xs_sock *s, struct xs_addr *out)
{
	const struct xdp_sock *x = xdp_of(s);
	socklen_t len = sizeof(out->ss);

	if (x->kfd < 0)
		return -ENOTCONN;
	if (getpeername(x->kfd, (struct sockaddr *)&out->ss, &len) < 0)
		return -errno;
	out->len = len;
	return 0;
}

/* What the rings lost under the sockets so far (AF_XDP's counters). */
static uint64_t ring_drops(void)
{
	struct xdp_port_info info;

	xdp_port_info(xdp_port, &info);
	return info.xsk_rx_dropped + info.xsk_rx_ring_full;
}

static int xdp_getsockopt(struct xs_sock *s, int level, int name, void *val, socklen_t *len)
{
	struct xdp_sock *x = xdp_of(s);

	/* A packet socket has no kernel socket: it answers what describes it. */
	if (s->family == AF_PACKET)
		return xs_frame_packet_getsockopt(s, ring_drops(), level, name, val, len);
	return getsockopt(x->kfd, level, name, val, len) < 0 ? -errno : 0;
}

/* The options the fast path must honour itself; the rest is kfd's. */
static int udp_option_seen(struct xdp_sock *x, int level, int name, const void *val)
{
	int v;

	memcpy(&v, val, sizeof(v));
	if ((level == IPPROTO_IP && name == IP_TTL) ||
	    (level == IPPROTO_IPV6 && name == IPV6_UNICAST_HOPS))
		x->ttl = v < 0 ? 0 : (uint8_t)v; /* -1: the default */
	else if ((level == IPPROTO_IP && name == IP_TOS) ||
		 (level == IPPROTO_IPV6 && name == IPV6_TCLASS))
		x->tos = v < 0 ? 0 : (uint8_t)v;
	else if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_RCVBUFFORCE)) {
		socklen_t len = sizeof(v);

		/* The kernel's answer (it doubles what is asked) sizes the queue. */
		if (getsockopt(x->kfd, SOL_SOCKET, SO_RCVBUF, &v, &len) < 0)
			return -errno;
		return xs_stack_sock_set_rcvbuf(x->f.ss, (size_t)v);
	}
	return 0;
}

static bool is_filter_option(int level, int name)
{
	return level == SOL_SOCKET &&
	       (name == SO_ATTACH_FILTER || name == SO_ATTACH_BPF ||
		name == SO_ATTACH_REUSEPORT_CBPF || name == SO_ATTACH_REUSEPORT_EBPF);
}

/* Memberships (promiscuous mode for a capture on a mirror port,
 * multicast MACs) are the kernel's to keep: they go to a kernel packet
 * socket of protocol 0, which receives nothing, and end when it closes. */
static int packet_membership(struct xdp_sock *x, int name, const void *val, socklen_t len)
{
	if (x->member_fd < 0) {
		x->member_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
		if (x->member_fd < 0)
			return -errno;
	}
	return setsockopt(x->member_fd, SOL_PACKET, name, val, len) < 0 ? -errno : 0;
}

static int packet_setsockopt(struct xdp_sock *x, int level, int name, const void *val,
			     socklen_t len)
{
	if (level == SOL_PACKET && (name == PACKET_ADD_MEMBERSHIP || name == PACKET_DROP_MEMBERSHIP))
		return packet_membership(x, name, val, len);
	if (level == SOL_SOCKET && name == SO_RCVBUF && len >= sizeof(int))
		return xs_stack_sock_set_rcvbuf(x->f.ss, 2 * (size_t) * (const int *)val);
	return -ENOPROTOOPT;
}

static int xdp_setsockopt(struct xs_sock *s, int level, int name, const void *val, socklen_t len)
{
	struct xdp_sock *x = xdp_of(s);

	/* A kernel filter would see only the kernel's share of the traffic:
	 * refuse it rather than filter half of it (capture filters in user
	 * space when this fails). */
	if (is_filter_option(level, name))
		return -ENOPROTOOPT;
	if (s->family == AF_PACKET)
		return packet_setsockopt(x, level, name, val, len);
	if (setsockopt(x->kfd, level, name, val, len) < 0)
		return -errno;
	return len >= sizeof(int) ? udp_option_seen(x, level, name, val) : 0;
}

static int xdp_shutdown(struct xs_sock *s, int how)
{
	struct xdp_sock *x = xdp_of(s);

	if (x->kfd >= 0 && shutdown(x->kfd, how) < 0)
		return -errno;
	if (how == SHUT_RD || how == SHUT_RDWR)
		x->f.shut_rd = true;
	return 0;
}

static int xdp_stats(const struct xs_sock *s, struct xs_stats *out)
{
	const struct xdp_sock *x = xdp_of(s);

	xs_frame_stats(&x->f, xdp_port_stack(xdp_port), out);
	out->tx_via_kernel = atomic_load(&x->tx_via_kernel);
	out->tx_packets += out->tx_via_kernel;
	out->tx_bytes += atomic_load(&x->tx_kernel_bytes);
	out->if_rx_ring_drops = ring_drops();
	return 0;
}

static int xdp_describe(char *buf, size_t len)
{
	struct xdp_port_info info;
	struct xs_stack_counters pc;
	char queues[128] = "";
	size_t used = 0;
	int n;

	xdp_port_info(xdp_port, &info);
	xs_stack_counters(xdp_port_stack(xdp_port), &pc);
	for (unsigned i = 0; i < info.nqueues && used < sizeof(queues); i++)
		used += snprintf(queues + used, sizeof(queues) - used, "%s%u", i ? "," : "",
				 info.queue_ids[i]);
	n = snprintf(buf, len,
		     "interface %s (index %d): %s XDP, %s, RX queues %s, busy polling %s%s\n"
		     "steering program id %u: %llu frames redirected, %llu passed to the kernel\n"
		     "fast path: %llu frames in, %llu delivered, dropped %llu malformed, "
		     "%llu bad checksum, %llu unhandled, %llu no socket, %llu queue full, "
		     "%llu in the rings\n",
		     info.iface, info.ifindex, info.native ? "native" : "generic",
		     info.zerocopy ? "zero-copy" : "copy mode", queues,
		     info.busy_poll_us ? "on, " : "off", info.busy_poll_us ? "us" : "",
		     info.prog_id, (unsigned long long)info.prog_redirected,
		     (unsigned long long)info.prog_passed, (unsigned long long)pc.rx_frames,
		     (unsigned long long)pc.rx_delivered, (unsigned long long)pc.rx_malformed,
		     (unsigned long long)pc.rx_bad_csum, (unsigned long long)pc.rx_unhandled,
		     (unsigned long long)pc.rx_no_socket, (unsigned long long)pc.rx_queue_full,
		     (unsigned long long)(info.xsk_rx_dropped + info.xsk_rx_ring_full));
	return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

const struct xs_transport xs_xdp_transport = {
	.name = "xdp",
	.config_keys = xdp_keys,
	.init = xdp_init,
	.supports = xdp_supports,
	.open = xdp_open,
	.dup = xs_frame_dup,
	.bind = xdp_bind,
	.connect = xdp_connect,
	.sendmsg = xdp_sendmsg,
	.recvmsg = xdp_recvmsg,
	.recv_batch = xdp_recv_batch,
	.send_batch = xdp_send_batch,
	.wait = xdp_wait,
	.getsockopt = xdp_getsockopt,
	.setsockopt = xdp_setsockopt,
	.getsockname = xdp_getsockname,
	.getpeername = xdp_getpeername,
	.shutdown = xdp_shutdown,
	.stats = xdp_stats,
	.describe = xdp_describe,
	.close = xdp_close,
};
