/*
 * xdp_route.c — how to reach a destination, asked of the kernel's own
 * tables over rtnetlink, as `ip route get` and `ip neigh get` do: the
 * route (output interface, gateway, preferred source, whether the
 * address is local), then the neighbour entry of the next hop on that
 * interface. The transport never resolves addresses itself: a neighbour
 * that is missing or incomplete is reported unresolved, the datagram
 * goes out through the kernel socket, and the kernel resolves it for the
 * next one. One netlink socket per thread (no lock; closed when the
 * thread exits, reopened after fork); every answer's sequence number and
 * sender are checked, and the kernel has 500 ms to answer.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "xdp.h"

#define NL_TIMEOUT_MS 500
#define NL_BUF	      8192

struct nl_thread {
	int fd;
	pid_t pid; /* the process that opened fd: a forked child opens its own */
	uint32_t seq;
};

static __thread struct nl_thread nl = {.fd = -1};
static pthread_key_t nl_key;
static pthread_once_t nl_once = PTHREAD_ONCE_INIT;

static void nl_thread_exit(void *arg)
{
	struct nl_thread *t = arg;

	if (t->fd >= 0 && t->pid == getpid())
		close(t->fd);
	t->fd = -1;
}

static void nl_key_create(void)
{
	pthread_key_create(&nl_key, nl_thread_exit);
}

static int nl_socket(void)
{
	struct timespec now;
	int fd;

	if (nl.fd >= 0 && nl.pid == getpid())
		return nl.fd;
	if (nl.fd >= 0)
		close(nl.fd); /* the parent's, inherited through fork: only our copy */
	nl.fd = -1;
	pthread_once(&nl_once, nl_key_create);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &now);
	nl.fd = fd;
	nl.pid = getpid();
	nl.seq = (uint32_t)now.tv_nsec;
	pthread_setspecific(nl_key, &nl);
	return fd;
}

/* Append one attribute to the request in buf (room was reserved). */
static void put_attr(struct nlmsghdr *nh, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

/* The kernel's answer to request seq: its first message of type want
 * copied to out, or the error it sent. Answers to earlier requests (a
 * previous call that timed out) are skipped. */
static int nl_answer(int fd, uint32_t seq, uint16_t want, void *out, size_t outlen)
{
	int64_t deadline = now_ms() + NL_TIMEOUT_MS;
	char buf[NL_BUF] __attribute__((aligned(4)));

	for (;;) {
		struct sockaddr_nl from;
		socklen_t fromlen = sizeof(from);
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t n;
		int rest;

		if (left <= 0 || poll(&pfd, 1, left) == 0)
			return -ETIMEDOUT;
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from,
			     &fromlen);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		if (from.nl_pid != 0)
			continue; /* not from the kernel */
		rest = n;
		for (struct nlmsghdr *nh = (void *)buf; NLMSG_OK(nh, rest);
		     nh = NLMSG_NEXT(nh, rest)) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR && e->error)
				return e->error;
			if (nh->nlmsg_type != want)
				continue;
			if (nh->nlmsg_len > outlen)
				return -EMSGSIZE;
			memcpy(out, nh, nh->nlmsg_len);
			return 0;
		}
	}
}

static int nl_request(struct nlmsghdr *req, uint16_t want, void *out, size_t outlen)
{
	int fd = nl_socket();

	if (fd < 0)
		return fd;
	req->nlmsg_flags = NLM_F_REQUEST;
	req->nlmsg_seq = ++nl.seq;
	if (send(fd, req, req->nlmsg_len, 0) < 0)
		return -errno;
	return nl_answer(fd, req->nlmsg_seq, want, out, outlen);
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* The bytes of an address as netlink carries it (IPv4: the last four of
 * the mapped form). */
static const void *addr_bytes(int family, const struct in6_addr *a)
{
	return family == AF_INET ? (const void *)&a->s6_addr[12] : (const void *)a;
}

static void addr_store(int family, const void *bytes, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->s6_addr[10] = a->s6_addr[11] = 0xff;
		memcpy(&a->s6_addr[12], bytes, 4);
	} else {
		memcpy(a, bytes, 16);
	}
}

struct route {
	unsigned char type;
	int gw_family; /* AF_UNSPEC: on link, the next hop is dst */
	struct in6_addr gw;
};

static void route_attr(int family, const struct rtattr *rta, struct route *r,
		       struct xdp_nexthop *out)
{
	const struct rtvia *via = RTA_DATA(rta);
	size_t len = RTA_PAYLOAD(rta);

	if (rta->rta_type == RTA_OIF && len >= sizeof(int)) {
		memcpy(&out->oif, RTA_DATA(rta), sizeof(int));
	} else if (rta->rta_type == RTA_PREFSRC && len >= addr_len(family)) {
		addr_store(family, RTA_DATA(rta), &out->src);
	} else if (rta->rta_type == RTA_GATEWAY && len >= addr_len(family)) {
		r->gw_family = family;
		addr_store(family, RTA_DATA(rta), &r->gw);
	} else if (rta->rta_type == RTA_VIA && len >= sizeof(*via)) {
		/* An IPv4 route through an IPv6 gateway (or the reverse). */
		if ((via->rtvia_family == AF_INET || via->rtvia_family == AF_INET6) &&
		    len >= sizeof(*via) + addr_len(via->rtvia_family)) {
			r->gw_family = via->rtvia_family;
			addr_store(via->rtvia_family, via->rtvia_addr, &r->gw);
		}
	}
}

static int get_route(int family, const struct in6_addr *dst, struct route *r,
		     struct xdp_nexthop *out)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		char attrs[64];
	} req = {0};
	char answer[NL_BUF] __attribute__((aligned(4)));
	struct nlmsghdr *nh = (void *)answer;
	struct rtmsg *rt = NLMSG_DATA(nh);
	int len, rc;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.rt));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.rt.rtm_family = family;
	req.rt.rtm_dst_len = addr_len(family) * 8;
	put_attr(&req.nh, RTA_DST, addr_bytes(family, dst), addr_len(family));
	rc = nl_request(&req.nh, RTM_NEWROUTE, answer, sizeof(answer));
	if (rc < 0)
		return rc;
	r->type = rt->rtm_type;
	len = RTM_PAYLOAD(nh);
	for (struct rtattr *rta = RTM_RTA(rt); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		route_attr(family, rta, r, out);
	return 0;
}

static bool neigh_usable(uint16_t state)
{
	return state &
	       (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP);
}

/* The MAC of hop on oif, if the kernel has a usable entry for it. */
static int get_neigh(int family, const struct in6_addr *hop, struct xdp_nexthop *out)
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
		char attrs[64];
	} req = {0};
	char answer[1024] __attribute__((aligned(4)));
	struct nlmsghdr *nh = (void *)answer;
	struct ndmsg *nd = NLMSG_DATA(nh);
	int len, rc;

	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd));
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nd.ndm_family = family;
	req.nd.ndm_ifindex = out->oif;
	put_attr(&req.nh, NDA_DST, addr_bytes(family, hop), addr_len(family));
	rc = nl_request(&req.nh, RTM_NEWNEIGH, answer, sizeof(answer));
	if (rc == -ENOENT)
		return 0; /* no entry yet: unresolved */
	if (rc < 0)
		return rc;
	if (!neigh_usable(nd->ndm_state))
		return 0;
	out->stale = nd->ndm_state == NUD_STALE;
	len = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd));
	for (struct rtattr *rta = (void *)((char *)nd + NLMSG_ALIGN(sizeof(*nd))); RTA_OK(rta, len);
	     rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6) {
			memcpy(out->mac, RTA_DATA(rta), 6);
			out->resolved = true;
		}
	}
	return 0;
}

int xdp_route_lookup(int family, const struct in6_addr *dst, struct xdp_nexthop *out)
{
	struct route r = {.gw_family = AF_UNSPEC};
	int rc;

	memset(out, 0, sizeof(*out));
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	rc = get_route(family, dst, &r, out);
	if (rc < 0)
		return rc;
	switch (r.type) {
	case RTN_LOCAL:
		out->local = true;
		return 0;
	case RTN_UNICAST:
		break;
	case RTN_BROADCAST:
	case RTN_MULTICAST:
		return 0; /* the kernel sends these: SO_BROADCAST, multicast TTL */
	default:
		return -ENETUNREACH;
	}
	if (r.gw_family != AF_UNSPEC)
		return get_neigh(r.gw_family, &r.gw, out);
	return get_neigh(family, dst, out);
}
