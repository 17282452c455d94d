/*
 * dpdk_ops.c — the dpdk transport's ops table and control path: init (the
 * dpdk.* keys, the EAL, the port, the poller), creating and closing
 * sockets, bind and connect by the kernel's rules but in the stack (which
 * owns the addresses and ports), names, options and counters. The data
 * path is in dpdk_io.c; dpdk_sock.h says what a socket is.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>

#include "dpdk_sock.h"
#include "internal.h"

struct dpdk_port *dpdk_port;
struct dpdk_cfg dpdk_cfg;

static const char *const dpdk_keys[] = { "eal", "port", "ipv4", "ipv6", "gateway", "queues",
					 "busy_poll_us", "neighbours", NULL };

int64_t dpdk_busy_poll_ns = 200000;

/* dpdk.busy_poll_us: how long a waiting receiver polls the port itself
 * before it sleeps and leaves the polling to the poller thread. */
static int busy_poll_load(char *msg, size_t len)
{
	const char *v = xs_config_value("dpdk.busy_poll_us");
	char *end;
	long us;

	if (!v || !*v)
		return 0;
	errno = 0;
	us = strtol(v, &end, 10);
	if (errno || *end || us < 0 || us > 1000000) {
		snprintf(msg, len, "bad value for key 'dpdk.busy_poll_us': '%s' (use microseconds, "
			 "0 to 1000000; 0: sleep at once)", v);
		return -EINVAL;
	}
	dpdk_busy_poll_ns = us * 1000;
	return 0;
}

static int dpdk_init(void)
{
	char msg[480] = "";
	int rc = busy_poll_load(msg, sizeof(msg));

	if (rc == 0)
		rc = dpdk_config_load(&dpdk_cfg, msg, sizeof(msg));

	if (rc == 0) {
		rc = dpdk_port_open(&dpdk_cfg, &dpdk_port, msg, sizeof(msg));
		if (rc < 0) /* the EAL may have started: leave nothing behind */
			dpdk_eal_cleanup();
	}
	if (rc == 0) {
		rc = dpdk_poller_start();
		if (rc < 0)
			dpdk_poller_shutdown();
	}
	if (rc < 0)
		xs_fail_os(-rc, "dpdk: %s", msg[0] ? msg : strerror(-rc));
	return rc;
}

static bool dpdk_supports(int family, int type, int proto)
{
	if (family == AF_INET || family == AF_INET6)
		return type == SOCK_DGRAM && (proto == 0 || proto == IPPROTO_UDP);
	return family == AF_PACKET && (type == SOCK_RAW || type == SOCK_DGRAM);
}

static const struct xs_stack_port *port_of(void)
{
	return xs_stack_port(dpdk_port_stack(dpdk_port));
}

static int packet_steer(struct dpdk_sock *d, uint16_t ethertype)
{
	d->f.ethertype = ethertype;
	return xs_stack_bind_packet(d->f.ss, ethertype);
}

static void dpdk_sock_free(struct dpdk_sock *d)
{
	if (d->f.ss)
		xs_stack_sock_free(d->f.ss);
	free(d);
}

static int dpdk_open(struct xs_sock *s, int family, int type, int proto)
{
	struct dpdk_sock *d = calloc(1, sizeof(*d));
	int rc = -ENOMEM, fd;

	if (!d)
		return -ENOMEM;
	xs_frame_sock_init(&d->f);
	d->local.ss_family = (sa_family_t)family;
	d->v6only = 1; /* no IPv4-mapped traffic on an IPv6 socket */
	d->sndbuf = 212992;
	d->f.ss = xs_stack_sock_new(dpdk_port_stack(dpdk_port), family, type, 0);
	if (!d->f.ss)
		goto out_free;
	/* A packet socket with a protocol receives from the start, as in
	 * the kernel (protocol in network order). */
	if (family == AF_PACKET && proto) {
		rc = packet_steer(d, ntohs(proto));
		if (rc < 0)
			goto out_free;
	}
	fd = fcntl(xs_stack_sock_eventfd(d->f.ss), F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out_free;
	}
	s->fd = fd;
	s->priv = d;
	return 0;
out_free:
	dpdk_sock_free(d);
	return rc;
}

static bool is_any(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static void addr_of(const struct sockaddr_storage *ss, struct in6_addr *out)
{
	if (ss->ss_family == AF_INET) {
		memset(out, 0, sizeof(*out));
		out->s6_addr16[5] = 0xffff;
		out->s6_addr32[3] = ((const struct sockaddr_in *)ss)->sin_addr.s_addr;
	} else {
		*out = ((const struct sockaddr_in6 *)ss)->sin6_addr;
	}
}

/* Bind in the stack: the address must be one the stack owns (or the
 * wildcard); port 0 takes an ephemeral one. */
static int udp_bind(struct dpdk_sock *d, const struct sockaddr_storage *want)
{
	struct sockaddr_storage local = *want;
	struct in6_addr a;
	int rc;

	addr_of(&local, &a);
	if (!is_any(&local) && !xs_ifaddrs_owns(dpdk_port_addrs(dpdk_port), local.ss_family, &a))
		return -EADDRNOTAVAIL;
	rc = xs_stack_bind_udp_owned(d->f.ss, (struct sockaddr *)&local);
	if (rc < 0)
		return rc;
	d->local = local;
	d->bound = true;
	return 0;
}

int dpdk_udp_autobind(struct xs_sock *s, struct dpdk_sock *d)
{
	struct sockaddr_storage any = { .ss_family = (sa_family_t)s->family };

	return d->bound ? 0 : udp_bind(d, &any);
}

static int packet_bind(struct dpdk_sock *d, const struct sockaddr_ll *sll)
{
	int ifindex = port_of()->ifindex;

	if (sll->sll_ifindex && sll->sll_ifindex != ifindex) {
		xs_log(XS_LOG_WARN, "dpdk carries packet sockets on its port (%s) only; "
		       "interface %d is the kernel's", port_of()->ifname, sll->sll_ifindex);
		return -ENODEV;
	}
	d->f.ifindex = sll->sll_ifindex;
	return sll->sll_protocol ? packet_steer(d, ntohs(sll->sll_protocol)) : 0;
}

static int dpdk_bind(struct xs_sock *s, const struct xs_addr *a)
{
	struct dpdk_sock *d = dpdk_of(s);

	if (s->family == AF_PACKET)
		return packet_bind(d, (const struct sockaddr_ll *)&a->ss);
	if (d->bound)
		return -EINVAL; /* as the kernel: a socket binds once */
	return udp_bind(d, &a->ss);
}

/* connect on a socket bound to the wildcard fixes the source address the
 * route gives, as the kernel does (ip4_datagram_connect). */
static int fix_source(struct dpdk_sock *d, const struct sockaddr_storage *peer)
{
	struct sockaddr_storage local = d->local;
	struct in6_addr dst, hop, src;
	int rc;

	if (!is_any(&local))
		return 0;
	addr_of(peer, &dst);
	rc = xs_ifaddrs_route(dpdk_port_addrs(dpdk_port), peer->ss_family, &dst, &hop, &src);
	if (rc < 0)
		return rc;
	if (local.ss_family == AF_INET)
		((struct sockaddr_in *)&local)->sin_addr.s_addr = src.s6_addr32[3];
	else
		((struct sockaddr_in6 *)&local)->sin6_addr = src;
	rc = xs_stack_bind_udp_owned(d->f.ss, (struct sockaddr *)&local);
	if (rc == 0)
		d->local = local;
	return rc;
}

static int dpdk_connect(struct xs_sock *s, const struct xs_addr *a)
{
	struct dpdk_sock *d = dpdk_of(s);
	int rc;

	if (s->family == AF_PACKET)
		return -EOPNOTSUPP;
	if (a->ss.ss_family == AF_UNSPEC) {
		d->connected = false;
		return xs_stack_connect_udp(d->f.ss, NULL);
	}
	rc = dpdk_udp_autobind(s, d);
	if (rc == 0)
		rc = fix_source(d, &a->ss);
	if (rc == 0)
		rc = xs_stack_connect_udp(d->f.ss, (const struct sockaddr *)&a->ss);
	if (rc < 0)
		return rc;
	memcpy(&d->peer, &a->ss, a->len);
	d->connected = true;
	return 0;
}

static int dpdk_close(struct xs_sock *s)
{
	bool last;
	int rc = xs_frame_close(s, &last);

	if (last)
		dpdk_sock_free(dpdk_of(s));
	return rc;
}

static socklen_t inet_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int dpdk_getsockname(const struct xs_sock *s, struct xs_addr *out)
{
	const struct dpdk_sock *d = dpdk_of(s);

	if (s->family == AF_PACKET) {
		xs_frame_packet_name(&d->f, dpdk_port_stack(dpdk_port), out);
		return 0;
	}
	memcpy(&out->ss, &d->local, inet_len(s->family));
	out->len = inet_len(s->family);
	return 0;
}

static int dpdk_getpeername(const struct xs_sock *s, struct xs_addr *out)
{
	const struct dpdk_sock *d = dpdk_of(s);

	if (!d->connected)
		return -ENOTCONN;
	memcpy(&out->ss, &d->peer, inet_len(s->family));
	out->len = inet_len(s->family);
	return 0;
}

/* What the device lost under the sockets so far. */
static uint64_t ring_drops(void)
{
	struct dpdk_port_info info;

	dpdk_port_info(dpdk_port, &info);
	return info.imissed + info.rx_nombuf;
}

/* The integer options the transport keeps, by level and name; NULL if it
 * has no such option for this family. */
static int *option_slot(struct xs_sock *s, struct dpdk_sock *d, int level, int name)
{
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
		case SO_REUSEPORT:
			return &d->reuse;
		case SO_BROADCAST:
			return &d->broadcast;
		case SO_SNDBUF:
			return &d->sndbuf;
		}
	} else if (s->family == AF_INET && level == IPPROTO_IP) {
		if (name == IP_TTL)
			return &d->ttl;
		if (name == IP_TOS)
			return &d->tos;
	} else if (s->family == AF_INET6 && level == IPPROTO_IPV6) {
		if (name == IPV6_UNICAST_HOPS)
			return &d->ttl;
		if (name == IPV6_TCLASS)
			return &d->tos;
		if (name == IPV6_V6ONLY)
			return &d->v6only;
	}
	return NULL;
}

static int dpdk_getsockopt(struct xs_sock *s, int level, int name, void *val, socklen_t *len)
{
	struct dpdk_sock *d = dpdk_of(s);
	int *slot;

	if (s->family == AF_PACKET)
		return xs_frame_packet_getsockopt(s, ring_drops(), level, name, val, len);
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE:
			return xs_frame_int_opt(s->type, val, len);
		case SO_DOMAIN:
			return xs_frame_int_opt(s->family, val, len);
		case SO_PROTOCOL:
			return xs_frame_int_opt(s->family == AF_PACKET ? htons(d->f.ethertype) : IPPROTO_UDP,
					val, len);
		case SO_RCVBUF:
			return xs_frame_int_opt((int)xs_stack_sock_rcvbuf(d->f.ss), val, len);
		case SO_ERROR:
			return xs_frame_int_opt(0, val, len);
		}
	}
	slot = option_slot(s, d, level, name);
	if (!slot)
		return -ENOPROTOOPT;
	/* TTL and hop limit read back the default (64) when unset. */
	if (slot == &d->ttl && *slot == 0)
		return xs_frame_int_opt(64, val, len);
	return xs_frame_int_opt(*slot, val, len);
}

static int dpdk_setsockopt(struct xs_sock *s, int level, int name, const void *val,
			   socklen_t len)
{
	struct dpdk_sock *d = dpdk_of(s);
	int v, *slot;

	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof(v));
	if (level == SOL_SOCKET && (name == SO_RCVBUF || name == SO_RCVBUFFORCE))
		return xs_stack_sock_set_rcvbuf(d->f.ss, 2 * (size_t)(v < 256 ? 256 : v));
	slot = option_slot(s, d, level, name);
	if (!slot)
		return -ENOPROTOOPT;
	if (slot == &d->ttl) {
		if (v < -1 || v > 255 || v == 0)
			return -EINVAL;
		*slot = v == -1 ? 0 : v; /* -1: back to the default */
		return 0;
	}
	*slot = slot == &d->sndbuf ? 2 * v : v; /* the kernel doubles buffer sizes */
	if (slot == &d->reuse)
		xs_stack_sock_set_reuse(d->f.ss, v != 0);
	return 0;
}

static int dpdk_shutdown(struct xs_sock *s, int how)
{
	struct dpdk_sock *d = dpdk_of(s);

	if (s->family != AF_PACKET && !d->connected)
		return -ENOTCONN; /* as the kernel's UDP */
	if (how == SHUT_RD || how == SHUT_RDWR) {
		d->f.shut_rd = true;
		/* a reader blocked in wait sees the end at once */
		eventfd_write(xs_stack_sock_eventfd(d->f.ss), 1);
	}
	return 0;
}

static int dpdk_stats(const struct xs_sock *s, struct xs_stats *out)
{
	xs_frame_stats(&dpdk_of(s)->f, dpdk_port_stack(dpdk_port), out);
	out->if_rx_ring_drops = ring_drops();
	return 0;
}

static int dpdk_describe(char *buf, size_t len)
{
	struct dpdk_port_info info;
	struct xs_stack_counters pc;
	char v4[INET6_ADDRSTRLEN] = "-", v6[INET6_ADDRSTRLEN] = "-";
	const struct xs_ifaddrs *a = dpdk_port_addrs(dpdk_port);
	int n;

	dpdk_port_info(dpdk_port, &info);
	xs_stack_counters(dpdk_port_stack(dpdk_port), &pc);
	if (a->v4.set)
		inet_ntop(AF_INET, &a->v4.addr.s6_addr32[3], v4, sizeof(v4));
	if (a->v6.set)
		inet_ntop(AF_INET6, &a->v6.addr, v6, sizeof(v6));
	n = snprintf(buf, len,
		     "port %u (%s, driver %s): link %s, %u queue%s, %u mbufs%s\n"
		     "addresses: %s/%u %s/%u, MAC %02x:%02x:%02x:%02x:%02x:%02x, MTU %u\n"
		     "port counters: %llu in, %llu out, %llu missed, %llu without mbuf\n"
		     "stack: %llu frames in, %llu delivered, %llu ARP/ND/ICMP, dropped %llu "
		     "malformed, %llu bad checksum, %llu no socket, %llu queue full\n",
		     info.port_id, info.name, info.driver, info.link_up ? "up" : "down",
		     info.nqueues, info.nqueues == 1 ? "" : "s", info.nb_mbufs,
		     info.no_huge ? ", --no-huge (no hugepages: slower, see docs/dpdk.md)" : "",
		     v4, a->v4.plen, v6, a->v6.plen, info.mac[0], info.mac[1], info.mac[2],
		     info.mac[3], info.mac[4], info.mac[5], info.mtu,
		     (unsigned long long)info.ipackets, (unsigned long long)info.opackets,
		     (unsigned long long)info.imissed, (unsigned long long)info.rx_nombuf,
		     (unsigned long long)pc.rx_frames, (unsigned long long)pc.rx_delivered,
		     (unsigned long long)pc.rx_control, (unsigned long long)pc.rx_malformed,
		     (unsigned long long)pc.rx_bad_csum, (unsigned long long)pc.rx_no_socket,
		     (unsigned long long)pc.rx_queue_full);
	return n < 0 || (size_t)n >= len ? -ERANGE : 0;
}

const struct xs_transport xs_dpdk_transport = {
	.name = "dpdk",
	.config_keys = dpdk_keys,
	.init = dpdk_init,
	.supports = dpdk_supports,
	.open = dpdk_open,
	.dup = xs_frame_dup,
	.bind = dpdk_bind,
	.connect = dpdk_connect,
	.sendmsg = dpdk_sendmsg,
	.recvmsg = dpdk_recvmsg,
	.recv_batch = dpdk_recv_batch,
	.send_batch = dpdk_send_batch,
	.wait = dpdk_wait,
	.getsockopt = dpdk_getsockopt,
	.setsockopt = dpdk_setsockopt,
	.getsockname = dpdk_getsockname,
	.getpeername = dpdk_getpeername,
	.shutdown = dpdk_shutdown,
	.stats = dpdk_stats,
	.describe = dpdk_describe,
	.close = dpdk_close,
};
