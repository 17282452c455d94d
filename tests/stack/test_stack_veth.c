/*
 * test_stack_veth.c — lib/stack against the Linux kernel on a real veth
 * pair, in a network namespace private to each test (Criterion runs every
 * test in its own process, so the namespace and the veth vanish with it).
 * vA is the kernel's host (198.18.0.1, 2001:2::1); vB is the wire the
 * stack drives (its port: vB's MAC, 198.18.0.2, 2001:2::2), reached through
 * a packet socket the way a frame driver would. Skipped where the test
 * cannot create a namespace (no root) or has no `ip` command.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

static const uint8_t va_mac[6] = {0x02, 0, 0, 0, 0, 0x0a};
static int wire = -1; /* packet socket on vB */
static int vb_index;

static bool sh(const char *cmd)
{
	return system(cmd) == 0;
}

/* Two ends and the kernel's side of the network. With checksum offload on,
 * a veth hands its peer frames whose UDP checksum covers only the pseudo
 * header (CHECKSUM_PARTIAL): an AF_XDP or packet reader sees them as bad,
 * so the kernel's end turns it off, as a testbed for the stack must. */
static bool make_veth(bool tx_csum_offload)
{
	char cmd[512];

	if (unshare(CLONE_NEWNET) != 0 || !sh("command -v ip >/dev/null"))
		return false;
	snprintf(cmd, sizeof(cmd),
		 "ip link set lo up && ip link add vA address 02:00:00:00:00:0a type veth "
		 "peer name vB address 02:00:00:00:00:02 && "
		 "sysctl -qw net.ipv6.conf.vB.disable_ipv6=1 && "
		 "ip addr add 198.18.0.1/24 dev vA && ip -6 addr add 2001:2::1/64 dev vA nodad && "
		 "ip link set vA up && ip link set vB up && "
		 "ip neigh add 198.18.0.2 lladdr 02:00:00:00:00:02 dev vA && "
		 "ip -6 neigh add 2001:2::2 lladdr 02:00:00:00:00:02 dev vA %s",
		 tx_csum_offload ? "" : "&& ethtool -K vA tx off >/dev/null 2>&1");
	return sh(cmd);
}

static void setup_wire(bool tx_csum_offload)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};

	stack_setup();
	if (!make_veth(tx_csum_offload))
		cr_skip_test("cannot create a network namespace and a veth (needs root, ip and ethtool)");
	vb_index = (int)if_nametoindex("vB");
	cr_assert_gt(vb_index, 0);
	wire = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	cr_assert_geq(wire, 0);
	sll.sll_ifindex = vb_index;
	cr_assert_eq(bind(wire, (struct sockaddr *)&sll, sizeof(sll)), 0);
}

static void setup(void)
{
	setup_wire(false);
}

static void setup_offload(void)
{
	setup_wire(true);
}

static void teardown(void)
{
	if (wire >= 0)
		close(wire);
	wire = -1;
	stack_teardown();
}

TestSuite(veth, .init = setup, .fini = teardown);
TestSuite(veth_offload, .init = setup_offload, .fini = teardown);

static int kernel_udp(const char *addr, uint16_t port)
{
	struct sockaddr_storage sa;
	socklen_t len = sockaddr_of(&sa, addr, port);
	int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 3};

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, len), 0, "bind %s: %s", addr,
		     strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Build a datagram with the stack and put it on the wire at vB. */
static void inject(const char *src, uint16_t sport, const char *dst, uint16_t dport,
		   const struct iovec *iov, int iovcnt)
{
	uint8_t f[FRAME_MAX];
	struct xs_udp_tx tx = {
		.family = family_of(src),
		.src = addr_of(src),
		.dst = addr_of(dst),
		.sport = sport,
		.dport = dport,
		.iov = iov,
		.iovcnt = iovcnt,
	};
	ssize_t n;

	memcpy(tx.src_mac, our_mac, 6);
	memcpy(tx.dst_mac, va_mac, 6);
	n = xs_udp_build(f, sizeof(f), &tx);
	cr_assert_gt(n, 0);
	cr_assert_eq(send(wire, f, (size_t)n, 0), n, "send: %s", strerror(errno));
}

static void expect_kernel_gets(int fd, const char *from, uint16_t sport, const char *text,
			       size_t len)
{
	char buf[2048];
	struct sockaddr_storage sa, want;
	socklen_t salen = sizeof(sa);
	ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&sa, &salen);

	cr_assert_eq(n, (ssize_t)len, "the kernel got %zd bytes (%s), want %zu", n,
		     n < 0 ? strerror(errno) : "", len);
	cr_assert_arr_eq(buf, text, len);
	cr_assert_eq(salen, sockaddr_of(&want, from, sport));
	cr_assert_arr_eq(&sa, &want, salen, "source is not %s:%u", from, sport);
}

Test(veth, the_kernel_accepts_an_ipv4_datagram_the_stack_built)
{
	int fd = kernel_udp("198.18.0.1", 5000);
	struct iovec iov[2] = {{"hello ", 6}, {"kernel", 6}};

	inject("198.18.0.2", 7000, "198.18.0.1", 5000, iov, 2);
	expect_kernel_gets(fd, "198.18.0.2", 7000, "hello kernel", 12);
	close(fd);
}

Test(veth, the_kernel_accepts_an_ipv6_datagram_the_stack_built)
{
	int fd = kernel_udp("2001:2::1", 5000);
	struct iovec iov = {"hello kernel", 12};

	inject("2001:2::2", 7000, "2001:2::1", 5000, &iov, 1);
	expect_kernel_gets(fd, "2001:2::2", 7000, "hello kernel", 12);
	close(fd);
}

Test(veth, the_kernel_accepts_zero_length_and_odd_length_datagrams)
{
	int fd4 = kernel_udp("198.18.0.1", 5000), fd6 = kernel_udp("2001:2::1", 5000);
	static char big[1401];
	struct iovec iov = {big, sizeof(big)};

	memset(big, 'z', sizeof(big));
	inject("198.18.0.2", 7000, "198.18.0.1", 5000, NULL, 0);
	inject("2001:2::2", 7000, "2001:2::1", 5000, NULL, 0);
	inject("198.18.0.2", 7000, "198.18.0.1", 5000, &iov, 1);
	inject("2001:2::2", 7000, "2001:2::1", 5000, &iov, 1);
	expect_kernel_gets(fd4, "198.18.0.2", 7000, "", 0);
	expect_kernel_gets(fd6, "2001:2::2", 7000, "", 0);
	expect_kernel_gets(fd4, "198.18.0.2", 7000, big, sizeof(big));
	expect_kernel_gets(fd6, "2001:2::2", 7000, big, sizeof(big));
	close(fd4);
	close(fd6);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Feed what arrives at vB (neighbour discovery and all) to the stack until
 * ss has a datagram or timeout_ms pass. */
static ssize_t pump_until_readable(struct xs_stack_sock *ss, int timeout_ms)
{
	uint8_t f[FRAME_MAX];
	struct pollfd pfd = {.fd = wire, .events = POLLIN};
	int64_t deadline = now_ms() + timeout_ms;

	while (!xs_stack_sock_readable(ss)) {
		int64_t left = deadline - now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
			return -ETIMEDOUT;
		ssize_t n = recv(wire, f, sizeof(f), 0);

		cr_assert_geq(n, 0);
		feed(f, (size_t)n, NULL);
	}
	return xs_stack_sock_peek_len(ss);
}

static void kernel_send(const char *from, const char *to, const char *text)
{
	struct sockaddr_storage src, dst;
	socklen_t slen = sockaddr_of(&src, from, 6000), dlen = sockaddr_of(&dst, to, 7);
	int fd = socket(src.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&src, slen), 0);
	cr_assert_eq(sendto(fd, text, strlen(text), 0, (struct sockaddr *)&dst, dlen),
		     (ssize_t)strlen(text), "sendto: %s", strerror(errno));
	close(fd);
}

Test(veth, the_stack_delivers_datagrams_the_kernel_sent_in_both_families)
{
	struct xs_stack_sock *v4 = udp_sock("198.18.0.2", 7), *v6 = udp_sock("2001:2::2", 7);
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char buf[64];

	kernel_send("198.18.0.1", "198.18.0.2", "from linux");
	cr_assert_eq(pump_until_readable(v4, 3000), 10);
	cr_assert_eq(recv_buf(v4, buf, sizeof(buf), &from, &fromlen, 0, NULL), 10);
	cr_assert_arr_eq(buf, "from linux", 10);
	cr_assert_eq(ntohs(((struct sockaddr_in *)&from)->sin_port), 6000);
	kernel_send("2001:2::1", "2001:2::2", "from linux six");
	cr_assert_eq(pump_until_readable(v6, 3000), 14);
	cr_assert_eq(recv_buf(v6, buf, sizeof(buf), NULL, NULL, 0, NULL), 14);
	cr_assert_arr_eq(buf, "from linux six", 14);
	cr_assert_eq(counters().rx_bad_csum, 0);
}

/* What a driver author must know: with the peer's offload on, the stack
 * counts the frames as bad and delivers none. */
Test(veth_offload, partial_checksums_from_a_veth_with_offload_on_count_as_bad)
{
	struct xs_stack_sock *v4 = udp_sock("198.18.0.2", 7);

	kernel_send("198.18.0.1", "198.18.0.2", "partial");
	cr_assert_eq(pump_until_readable(v4, 500), -ETIMEDOUT);
	cr_assert_geq(counters().rx_bad_csum, 1);
}
