/*
 * helpers.c — the shared fixture and frame helpers of the lib/stack suites
 * (see helpers.h).
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <poll.h>
#include <string.h>

#include "helpers.h"

const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
struct xs_stack *st;

#define MAX_TRACKED 64
static struct xs_stack_sock *tracked[MAX_TRACKED];

void stack_setup(void)
{
	struct xs_stack_port port = {.ifindex = PORT_IFINDEX, .ifname = "vB", .mtu = 1500};

	memcpy(port.mac, our_mac, 6);
	st = xs_stack_new(&port);
	cr_assert_not_null(st);
}

void stack_teardown(void)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		xs_stack_sock_free(tracked[i]);
		tracked[i] = NULL;
	}
	xs_stack_free(st);
	st = NULL;
}

struct xs_stack_sock *track(struct xs_stack_sock *ss)
{
	cr_assert_not_null(ss);
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (!tracked[i]) {
			tracked[i] = ss;
			return ss;
		}
	}
	cr_assert_fail("too many sockets in one test");
	return ss;
}

void untrack(struct xs_stack_sock *ss)
{
	for (int i = 0; i < MAX_TRACKED; i++)
		if (tracked[i] == ss)
			tracked[i] = NULL;
}

int family_of(const char *text)
{
	return strchr(text, ':') ? AF_INET6 : AF_INET;
}

struct in6_addr addr_of(const char *text)
{
	struct in6_addr a = {0};
	struct in_addr v4;

	if (family_of(text) == AF_INET6) {
		cr_assert_eq(inet_pton(AF_INET6, text, &a), 1, "bad address %s", text);
		return a;
	}
	cr_assert_eq(inet_pton(AF_INET, text, &v4), 1, "bad address %s", text);
	a.s6_addr[10] = a.s6_addr[11] = 0xff;
	memcpy(a.s6_addr + 12, &v4, 4);
	return a;
}

socklen_t sockaddr_of(struct sockaddr_storage *sa, const char *text, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	if (family_of(text) == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = addr_of(text);
		return sizeof(*sin6);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)sa;
	struct in6_addr a = addr_of(text);

	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, a.s6_addr + 12, 4);
	return sizeof(*sin);
}

size_t udp_frame(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		 const void *payload, size_t len)
{
	struct iovec iov = {(void *)payload, len};
	struct xs_udp_tx tx = {
		.family = family_of(src),
		.src = addr_of(src),
		.dst = addr_of(dst),
		.sport = sport,
		.dport = dport,
		.iov = &iov,
		.iovcnt = 1,
	};
	ssize_t n;

	memcpy(tx.src_mac, peer_mac, 6);
	memcpy(tx.dst_mac, our_mac, 6);
	n = xs_udp_build(buf, FRAME_MAX, &tx);
	cr_assert_gt(n, 0, "xs_udp_build: %zd", n);
	return (size_t)n;
}

size_t l4_offset(int family)
{
	return family == AF_INET ? 14 + 20 : 14 + 40;
}

void fix_ipv4_csum(uint8_t *frame, size_t l3)
{
	size_t ihl = (frame[l3] & 0x0f) * 4u;
	uint16_t c;

	frame[l3 + 10] = frame[l3 + 11] = 0;
	c = xs_csum_fold(xs_csum_add(0, frame + l3, ihl));
	memcpy(frame + l3 + 10, &c, 2);
}

void fix_udp_csum(uint8_t *frame, int family, size_t l3, size_t l4)
{
	struct in6_addr src = {0}, dst = {0};
	uint16_t ulen = (uint16_t)(frame[l4 + 4] << 8 | frame[l4 + 5]), c;

	if (family == AF_INET) {
		src.s6_addr[10] = src.s6_addr[11] = dst.s6_addr[10] = dst.s6_addr[11] = 0xff;
		memcpy(src.s6_addr + 12, frame + l3 + 12, 4);
		memcpy(dst.s6_addr + 12, frame + l3 + 16, 4);
	} else {
		memcpy(&src, frame + l3 + 8, 16);
		memcpy(&dst, frame + l3 + 24, 16);
	}
	frame[l4 + 6] = frame[l4 + 7] = 0;
	c = xs_udp_csum(family, &src, &dst, frame + l4, ulen);
	memcpy(frame + l4 + 6, &c, 2);
}

unsigned feed(const uint8_t *frame, size_t len, struct xs_stack_sock *self)
{
	struct xs_frame f = {frame, (uint32_t)len};
	unsigned n;

	xs_stack_lock(st);
	n = xs_stack_input(st, &f, 1, self);
	xs_stack_unlock(st);
	return n;
}

struct xs_stack_counters counters(void)
{
	struct xs_stack_counters c;

	xs_stack_counters(st, &c);
	return c;
}

struct xs_stack_sock *udp_sock(const char *addr, uint16_t port)
{
	struct xs_stack_sock *ss = track(xs_stack_sock_new(st, family_of(addr), SOCK_DGRAM, 0));
	struct sockaddr_storage sa;

	sockaddr_of(&sa, addr, port);
	cr_assert_eq(xs_stack_bind_udp(ss, (struct sockaddr *)&sa), 0);
	return ss;
}

struct xs_stack_sock *packet_sock(int type, uint16_t ethertype)
{
	struct xs_stack_sock *ss = track(xs_stack_sock_new(st, AF_PACKET, type, 0));

	cr_assert_eq(xs_stack_bind_packet(ss, ethertype), 0);
	return ss;
}

ssize_t recv_buf(struct xs_stack_sock *ss, void *buf, size_t cap, struct sockaddr_storage *from,
		 socklen_t *fromlen, int flags, int *msg_flags)
{
	struct iovec iov = {buf, cap};

	return xs_stack_sock_recv(ss, &iov, 1, (struct sockaddr *)from, fromlen, flags, msg_flags);
}

bool eventfd_readable(const struct xs_stack_sock *ss)
{
	struct pollfd pfd = {.fd = xs_stack_sock_eventfd(ss), .events = POLLIN};

	cr_assert_geq(poll(&pfd, 1, 0), 0);
	return pfd.revents & POLLIN;
}
