/*
 * test_xdp.c — what only the xdp transport does, checked as a user would on
 * the two-host testbed (tests/netns/with-testbed.sh runs this in xs-NAME-b,
 * XSOCKET_TRANSPORT puts inet, inet6 and packet on xdp over vB):
 *
 * - the host keeps working while a socket is bound (ping, TCP, other UDP
 *   ports reach the kernel), and datagrams to the bound port go through
 *   the fast path and not through the kernel's UDP (xs_stats, /proc/net);
 * - the steering program goes with a process killed by SIGKILL, and the
 *   port then belongs to the kernel again;
 * - IPv4 options and fragments still arrive, through the kernel;
 *   malformed frames are dropped and counted, never delivered;
 * - a full queue drops and counts, and what it queued is intact;
 * - packet sockets receive frames from the wire with their address and
 *   send frames that arrive on the peer.
 *
 * The peer is the other namespace (xs-NAME-a, vA): kernel sockets made
 * there with peer_socket_fd(), and an AF_PACKET socket on vA for frames
 * built by hand. Everything stays on the testbed's addresses.
 */
#include "helpers.h"
#include "host_helpers.h"

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEER_IFACE	   "vA"	  /* tests/netns/testbed.sh */
#define ETH_P_EXPERIMENTAL 0x88b5 /* IEEE 802 local experimental ethertype 1 */
#define WAIT_S		   2.0

static void require_testbed(void)
{
	const char *tp;

	if (!peer_mode())
		cr_skip_test("needs the two-host testbed: run through tests/netns/with-testbed.sh");
	tp = xs_transport_for(AF_INET, SOCK_DGRAM, 0);
	if (!tp || strcmp(tp, "xdp") != 0)
		cr_skip_test("inet is carried by %s, not xdp: set XSOCKET_TRANSPORT=%s",
			     tp ? tp : "nothing", "inet=xdp,inet6=xdp,packet=xdp");
}

TestSuite(xdp, .init = require_testbed, .timeout = 30);

/* ---- kernel descriptors on both hosts ---- */

/* A kernel socket (not an xsocket) bound to host:port, in the peer
 * namespace if in_peer. */
static int kernel_socket(int family, int type, const char *host, int port, int in_peer)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = in_peer ? peer_socket_fd(family, type, 0) : socket(family, type | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	sockaddr_of(family, host, port, &ss, &len);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0, "bind %s port %d: %s", host, port,
		     strerror(errno));
	return fd;
}

/* The peer sends a datagram to host:port from a kernel socket of its own. */
static void peer_sends(int family, const char *host, int port, const void *data, size_t len)
{
	int fd = kernel_socket(family, SOCK_DGRAM, peer_host(family), 0, 1);
	struct sockaddr_storage ss;
	socklen_t sslen;

	sockaddr_of(family, host, port, &ss, &sslen);
	cr_assert_eq(sendto(fd, data, len, 0, (struct sockaddr *)&ss, sslen), (ssize_t)len,
		     "peer sendto %s port %d: %s", host, port, strerror(errno));
	close(fd);
}

/* ---- the rest of the host ---- */

/* An ICMP echo from the peer to the host under test gets its reply. */
static void assert_peer_pings_the_host(void)
{
	int fd = peer_socket_fd(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	uint8_t req[24] = {ICMP_ECHO, 0}, buf[256];
	uint16_t id = (uint16_t)getpid();
	struct sockaddr_storage to;
	socklen_t tolen;
	double deadline = now_s() + WAIT_S;
	int answered = 0;

	put16(req + 4, id);
	put16(req + 6, 1);
	memcpy(req + 8, "xsocket-testbed!", 16);
	put16(req + 2, inet_csum(req, sizeof req, 0));
	sockaddr_of(AF_INET, test_host(AF_INET), 0, &to, &tolen);
	cr_assert_eq(sendto(fd, req, sizeof req, 0, (struct sockaddr *)&to, tolen),
		     (ssize_t)sizeof req, "ping: %s", strerror(errno));
	while (!answered && now_s() < deadline && readable(fd, deadline - now_s())) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		size_t ihl = n > 0 ? (size_t)(buf[0] & 0x0f) * 4 : 0;

		answered = n >= (ssize_t)(ihl + 8) && buf[ihl] == ICMP_ECHOREPLY &&
			   buf[ihl + 4] == (uint8_t)(id >> 8) && buf[ihl + 5] == (uint8_t)id;
	}
	close(fd);
	cr_assert(answered, "no echo reply from %s within %.0f s", test_host(AF_INET), WAIT_S);
}

/* The peer connects to a kernel TCP listener on the host under test. */
static void assert_tcp_from_the_peer_works(void)
{
	int l = kernel_socket(AF_INET, SOCK_STREAM, test_host(AF_INET), 0, 0), c, conn;
	struct timeval tv = {.tv_sec = 2};
	struct sockaddr_storage to;
	socklen_t tolen;
	char buf[8] = {0};

	cr_assert_eq(listen(l, 1), 0);
	sockaddr_of(AF_INET, test_host(AF_INET), port_of(l), &to, &tolen);
	c = peer_socket_fd(AF_INET, SOCK_STREAM, 0);
	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	cr_assert_eq(connect(c, (struct sockaddr *)&to, tolen), 0, "TCP connect from the peer: %s",
		     strerror(errno));
	cr_assert(readable(l, WAIT_S), "the listener never saw the connection");
	conn = accept(l, NULL, NULL);
	cr_assert_geq(conn, 0);
	cr_assert_eq(write(c, "tcp", 3), 3);
	cr_assert(readable(conn, WAIT_S), "no TCP data from the peer");
	cr_assert_eq(read(conn, buf, sizeof buf), 3);
	cr_assert_str_eq(buf, "tcp");
	close(conn);
	close(c);
	close(l);
}

/* A datagram to a port no xsocket holds reaches a kernel socket. */
static void assert_udp_reaches_the_kernel_on(int port)
{
	int k = kernel_socket(AF_INET, SOCK_DGRAM, test_host(AF_INET), port, 0);
	char buf[16] = {0};

	peer_sends(AF_INET, test_host(AF_INET), port_of(k), "kernel", 6);
	cr_assert(readable(k, WAIT_S), "the kernel socket on port %d got nothing", port_of(k));
	cr_assert_eq(recv(k, buf, sizeof buf, 0), 6);
	cr_assert_str_eq(buf, "kernel");
	close(k);
}

static void assert_the_host_keeps_working(void)
{
	assert_peer_pings_the_host();
	assert_tcp_from_the_peer_works();
	assert_udp_reaches_the_kernel_on(0);
}

/* "ip -d link show" lists an XDP program on the interface. */
static int xdp_program_on(const char *ifname)
{
	char cmd[128], line[1024];
	int found = 0, status;
	FILE *p;

	snprintf(cmd, sizeof cmd, "ip -d link show dev %s 2>&1", ifname);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen(%s): %s", cmd, strerror(errno));
	while (fgets(line, sizeof line, p))
		found |= strstr(line, "prog/xdp") != NULL;
	status = pclose(p);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed", cmd);
	return found;
}

/* ---- xdp sockets ---- */

static struct xs_sock *xdp_udp(int family, struct xs_addr *bound)
{
	struct xs_sock *s = udp_local(family, bound);

	cr_assert_str_eq(xs_transport_name(s), "xdp");
	return s;
}

static struct xs_stats stats_of(const struct xs_sock *s)
{
	struct xs_stats st;

	CHECK(xs_stats(s, &st));
	return st;
}

/* Udp InDatagrams (or Udp6InDatagrams) of this namespace's kernel. */
static unsigned long long kernel_udp_in(int family)
{
	const char *path = family == AF_INET6 ? "/proc/net/snmp6" : "/proc/net/snmp";
	char line[2048];
	unsigned long long v = 0;
	int header = 0, found = 0;
	FILE *f = fopen(path, "r");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	while (!found && fgets(line, sizeof line, f)) {
		if (family == AF_INET6)
			found = sscanf(line, "Udp6InDatagrams %llu", &v) == 1;
		else if (!strncmp(line, "Udp: InDatagrams ", 17))
			header = 1; /* the values follow, InDatagrams first */
		else if (header && !strncmp(line, "Udp: ", 5))
			found = sscanf(line + 5, "%llu", &v) == 1;
	}
	fclose(f);
	cr_assert(found, "no UDP InDatagrams in %s", path);
	return v;
}

Test(xdp, the_host_keeps_answering_ping_tcp_and_other_udp_ports_while_a_socket_is_bound)
{
	struct xs_sock *s = xdp_udp(AF_INET, NULL);

	cr_assert(xdp_program_on(local_iface()), "no XDP program on %s with a bound socket",
		  local_iface());
	assert_the_host_keeps_working();
	xs_free(s);
}

static void fast_path_only(int family)
{
	enum { N = 20, LEN = 200 };
	struct xs_sock *s = xdp_udp(family, NULL), *peer;
	struct xs_addr s_addr, from;
	struct xs_stats before, after;
	unsigned long long kernel_before;
	uint8_t buf[LEN + 1];

	CHECK(xs_getsockname(s, &s_addr));
	peer = udp_peer(family, NULL);
	before = stats_of(s);
	kernel_before = kernel_udp_in(family);
	for (unsigned i = 0; i < N; i++) {
		numbered(buf, LEN, i);
		CHECK(xs_sendto(peer, buf, LEN, 0, &s_addr));
	}
	CHECK(xs_settimeout(s, WAIT_S));
	for (unsigned i = 0; i < N; i++) {
		cr_assert_eq(CHECK(xs_recvfrom(s, buf, sizeof buf, 0, &from)), LEN);
		assert_numbered(buf, LEN, i);
	}
	after = stats_of(s);
	cr_assert_eq(after.rx_packets - before.rx_packets, N, "rx_packets went up by %llu",
		     (unsigned long long)(after.rx_packets - before.rx_packets));
	cr_assert_eq(after.rx_bytes - before.rx_bytes, N * LEN);
	cr_assert_geq(after.if_rx_frames - before.if_rx_frames, N);
	cr_assert_eq(kernel_udp_in(family), kernel_before,
		     "the kernel's UDP received %llu datagrams meant for the fast path",
		     kernel_udp_in(family) - kernel_before);

	/* and the reply leaves through the fast path too: the peer's
	 * neighbour entry exists since it sent to us */
	CHECK(xs_sendto(s, "reply", 5, 0, &from));
	CHECK(xs_settimeout(peer, WAIT_S));
	cr_assert_eq(CHECK(xs_recv(peer, buf, sizeof buf, 0)), 5);
	after = stats_of(s);
	cr_assert_eq(after.tx_packets - before.tx_packets, 1);
	cr_assert_eq(after.tx_via_kernel - before.tx_via_kernel, 0,
		     "a reply to a known neighbour went through the kernel");
	xs_free(peer);
	xs_free(s);
}

Test(xdp, datagrams_to_a_bound_port_go_through_the_fast_path_and_not_the_kernel)
{
	fast_path_only(AF_INET);
}

Test(xdp, ipv6_datagrams_to_a_bound_port_go_through_the_fast_path_and_not_the_kernel)
{
	skip_unless_ipv6();
	fast_path_only(AF_INET6);
}

/* The first datagram to a neighbour the kernel has not resolved goes
 * through the kernel socket, which resolves it; once resolved, the next
 * ones take the fast path. Nothing is dropped for want of a MAC. */
static void unresolved_neighbour(int family)
{
	struct xs_sock *s = xdp_udp(family, NULL), *peer;
	struct xs_addr peer_addr;
	struct xs_stats before, after;
	char buf[16];
	double until;

	peer = udp_peer(family, &peer_addr);
	cr_assert_eq(system(family == AF_INET6 ? "ip -6 neigh flush dev vB"
					       : "ip -4 neigh flush dev vB"), 0);
	before = stats_of(s);
	cr_assert_eq(CHECK(xs_sendto(s, "first", 5, 0, &peer_addr)), 5);
	CHECK(xs_settimeout(peer, WAIT_S));
	cr_assert_eq(CHECK(xs_recv(peer, buf, sizeof buf, 0)), 5, "the first datagram was lost");
	after = stats_of(s);
	cr_assert_eq(after.tx_via_kernel - before.tx_via_kernel, 1,
		     "the first datagram to an unresolved neighbour did not go through the kernel");

	/* the kernel resolves the neighbour; then the fast path carries */
	until = now_s() + WAIT_S;
	do {
		sleep_s(0.05);
		before = stats_of(s);
		CHECK(xs_sendto(s, "again", 5, 0, &peer_addr));
		cr_assert_eq(CHECK(xs_recv(peer, buf, sizeof buf, 0)), 5, "a datagram was lost");
		after = stats_of(s);
	} while (after.tx_via_kernel != before.tx_via_kernel && now_s() < until);
	cr_assert_eq(after.tx_via_kernel, before.tx_via_kernel,
		     "the neighbour was never resolved: every datagram went through the kernel");
	xs_free(peer);
	xs_free(s);
}

Test(xdp, a_datagram_to_an_unresolved_neighbour_is_resolved_and_delivered_not_dropped)
{
	unresolved_neighbour(AF_INET);
}

Test(xdp, an_ipv6_datagram_to_an_unresolved_neighbour_is_resolved_and_delivered)
{
	skip_unless_ipv6();
	unresolved_neighbour(AF_INET6);
}

/* The child binds an xdp socket, reports its port and waits to be killed. */
static void bind_and_wait(int report_fd)
{
	struct xs_sock *s = xs_socket(AF_INET, SOCK_DGRAM, 0);
	struct xs_addr a;
	int port = -1;

	if (s && xs_addr_inet(&a, test_host(AF_INET), 0) == 0 && xs_bind(s, &a) == 0 &&
	    xs_getsockname(s, &a) == 0)
		port = xs_addr_port(&a);
	if (write(report_fd, &port, sizeof port) != sizeof port || port < 0)
		_exit(1);
	sleep_s(30); /* killed long before */
	_exit(2);
}

Test(xdp, a_killed_process_leaves_no_xdp_program_and_its_port_goes_back_to_the_kernel)
{
	int fds[2], port = -1, status;
	double deadline;
	pid_t pid;

	cr_assert_not(xdp_program_on(local_iface()), "an XDP program is on %s before the test",
		      local_iface());
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		close(fds[0]);
		bind_and_wait(fds[1]);
	}
	close(fds[1]);
	cr_assert(readable(fds[0], 10.0), "the child never reported its port");
	cr_assert_eq(read(fds[0], &port, sizeof port), (ssize_t)sizeof port);
	close(fds[0]);
	cr_assert_gt(port, 0, "the child could not bind an xdp socket");
	cr_assert(xdp_program_on(local_iface()),
		  "no XDP program while the child's socket is bound");

	cr_assert_eq(kill(pid, SIGKILL), 0);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	deadline = now_s() + 3.0;
	while (xdp_program_on(local_iface()) && now_s() < deadline)
		sleep_s(0.05);
	cr_assert_not(xdp_program_on(local_iface()), "the XDP program outlived its process");
	assert_udp_reaches_the_kernel_on(port);
}

/* ---- frames built by hand, sent from the peer's vA ---- */

struct wire {
	int fd; /* AF_PACKET on vA, in the peer namespace */
	int ifindex;
	uint8_t peer_mac[6], local_mac[6];
};

/* An AF_PACKET socket on the peer's vA for `ethertype` (host order). */
static void wire_open(struct wire *w, uint16_t ethertype)
{
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ethertype)};
	int local = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	struct ifreq ifr;

	/* vA lives in the peer namespace: ask through the peer's socket */
	w->fd = peer_socket_fd(AF_PACKET, SOCK_RAW, htons(ethertype));
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", PEER_IFACE);
	cr_assert_eq(ioctl(w->fd, SIOCGIFINDEX, &ifr), 0, "%s: %s", PEER_IFACE, strerror(errno));
	w->ifindex = ifr.ifr_ifindex;
	mac_of(w->fd, PEER_IFACE, w->peer_mac);
	cr_assert_geq(local, 0);
	mac_of(local, local_iface(), w->local_mac);
	close(local);
	ll.sll_ifindex = w->ifindex;
	cr_assert_eq(bind(w->fd, (struct sockaddr *)&ll, sizeof ll), 0, "bind on %s: %s",
		     PEER_IFACE, strerror(errno));
}

static void wire_send(const struct wire *w, const void *frame, size_t len)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = w->ifindex, .sll_halen = 6};

	memcpy(ll.sll_addr, w->local_mac, 6);
	cr_assert_eq(sendto(w->fd, frame, len, 0, (struct sockaddr *)&ll, sizeof ll), (ssize_t)len,
		     "sending a frame on %s: %s", PEER_IFACE, strerror(errno));
}

struct frame {
	uint8_t b[4096];
	size_t len;
	uint8_t *ip, *udp;
};

static void put_eth(struct frame *f, const struct wire *w, uint16_t ethertype)
{
	memcpy(f->b, w->local_mac, 6);
	memcpy(f->b + 6, w->peer_mac, 6);
	put16(f->b + 12, ethertype);
}

static void ipv4_csum(struct frame *f)
{
	size_t ihl = (size_t)(f->ip[0] & 0x0f) * 4;

	put16(f->ip + 10, 0);
	put16(f->ip + 10, inet_csum(f->ip, ihl, 0));
}

static void udp4_csum(struct frame *f)
{
	size_t ulen = (size_t)(f->udp[4] << 8 | f->udp[5]);
	uint8_t pseudo[12];
	uint16_t c;

	memcpy(pseudo, f->ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP;
	put16(pseudo + 10, (uint16_t)ulen);
	put16(f->udp + 6, 0);
	c = inet_csum(f->udp, ulen, (uint16_t)~inet_csum(pseudo, sizeof pseudo, 0));
	put16(f->udp + 6, c ? c : 0xffff);
}

/* Ethernet + IPv4 (with optlen bytes of NOP options) + UDP from the peer
 * (sport) to the host under test (dport), checksums right. */
static void udp4_frame(struct frame *f, const struct wire *w, int sport, int dport, size_t optlen,
		       const void *payload, size_t plen)
{
	size_t ihl = 20 + optlen;

	cr_assert(optlen % 4 == 0 && ihl <= 60 && 14 + ihl + 8 + plen <= sizeof f->b);
	memset(f, 0, sizeof *f);
	put_eth(f, w, ETH_P_IP);
	f->ip = f->b + 14;
	f->ip[0] = (uint8_t)(0x40 | ihl / 4);
	put16(f->ip + 2, (uint16_t)(ihl + 8 + plen));
	put16(f->ip + 4, (uint16_t)rand());
	put16(f->ip + 6, 0x4000); /* DF */
	f->ip[8] = 64;
	f->ip[9] = IPPROTO_UDP;
	cr_assert_eq(inet_pton(AF_INET, peer_host(AF_INET), f->ip + 12), 1);
	cr_assert_eq(inet_pton(AF_INET, test_host(AF_INET), f->ip + 16), 1);
	memset(f->ip + 20, IPOPT_NOP, optlen);
	f->udp = f->ip + ihl;
	put16(f->udp, (uint16_t)sport);
	put16(f->udp + 2, (uint16_t)dport);
	put16(f->udp + 4, (uint16_t)(8 + plen));
	memcpy(f->udp + 8, payload, plen);
	f->len = 14 + ihl + 8 + plen;
	ipv4_csum(f);
	udp4_csum(f);
}

static void assert_from_peer(const struct xs_addr *from, int sport)
{
	char host[64];

	CHECK(xs_addr_host(from, host, sizeof host));
	cr_assert_str_eq(host, peer_host(AF_INET));
	cr_assert_eq(xs_addr_port(from), sport);
}

Test(xdp, a_datagram_with_ipv4_options_arrives_intact_through_the_kernel)
{
	struct xs_addr s_addr, from;
	struct xs_sock *s = xdp_udp(AF_INET, &s_addr);
	struct wire w;
	struct frame f;
	uint8_t payload[300], buf[400];

	wire_open(&w, ETH_P_IP);
	numbered(payload, sizeof payload, 1);
	udp4_frame(&f, &w, 40001, xs_addr_port(&s_addr), 8, payload, sizeof payload);
	wire_send(&w, f.b, f.len);
	CHECK(xs_settimeout(s, WAIT_S));
	cr_assert_eq(CHECK(xs_recvfrom(s, buf, sizeof buf, 0, &from)), (ssize_t)sizeof payload);
	assert_numbered(buf, sizeof payload, 1);
	assert_from_peer(&from, 40001);
	close(w.fd);
	xs_free(s);
}

static void fragmented_datagram(int family)
{
	enum { LEN = 3000 }; /* two fragments at vA's MTU of 1500 */
	struct xs_addr s_addr, peer_addr, from;
	struct xs_sock *s = xdp_udp(family, &s_addr), *peer = udp_peer(family, &peer_addr);
	static uint8_t out[LEN], in[LEN + 100];

	numbered(out, LEN, 3);
	cr_assert_eq(CHECK(xs_sendto(peer, out, LEN, 0, &s_addr)), LEN);
	CHECK(xs_settimeout(s, WAIT_S));
	cr_assert_eq(CHECK(xs_recvfrom(s, in, sizeof in, 0, &from)), LEN);
	assert_numbered(in, LEN, 3);
	cr_assert_eq(xs_addr_port(&from), xs_addr_port(&peer_addr));
	xs_free(peer);
	xs_free(s);
}

Test(xdp, a_fragmented_ipv4_datagram_arrives_intact_through_the_kernel)
{
	fragmented_datagram(AF_INET);
}

Test(xdp, a_fragmented_ipv6_datagram_arrives_intact_through_the_kernel)
{
	skip_unless_ipv6();
	fragmented_datagram(AF_INET6);
}

/* What a bad frame does to a frame as udp4_frame built it. */
enum damage { BAD_IP_CSUM, BAD_UDP_CSUM, UDP_LONGER_THAN_IP, TRUNCATED };

static void damage(struct frame *f, enum damage d)
{
	switch (d) {
	case BAD_IP_CSUM:
		f->ip[10] ^= 0x5a;
		break;
	case BAD_UDP_CSUM:
		f->udp[6] ^= 0x5a;
		break;
	case UDP_LONGER_THAN_IP: /* UDP says 40 bytes more than the IP payload holds */
		put16(f->udp + 4, (uint16_t)((f->udp[4] << 8 | f->udp[5]) + 40));
		udp4_csum(f);
		break;
	case TRUNCATED: /* the IP header promises 100 bytes the frame lacks */
		f->len -= 100;
		break;
	}
}

static uint64_t counter_for(const struct xs_stats *st, enum damage d)
{
	return d == BAD_IP_CSUM || d == BAD_UDP_CSUM ? st->if_rx_bad_csum : st->if_rx_malformed;
}

/* A damaged frame, then a good one: only the good one arrives, and the
 * counter for that kind of damage goes up by one. */
static void dropped_and_counted(enum damage d, const char *counter)
{
	struct xs_addr s_addr, from;
	struct xs_sock *s = xdp_udp(AF_INET, &s_addr);
	struct xs_stats before, after;
	struct wire w;
	struct frame f;
	uint8_t bad[200], good[150], buf[400];

	wire_open(&w, ETH_P_IP);
	numbered(bad, sizeof bad, 66);
	udp4_frame(&f, &w, 40002, xs_addr_port(&s_addr), 0, bad, sizeof bad);
	damage(&f, d);
	before = stats_of(s);
	wire_send(&w, f.b, f.len);
	numbered(good, sizeof good, 7);
	udp4_frame(&f, &w, 40003, xs_addr_port(&s_addr), 0, good, sizeof good);
	wire_send(&w, f.b, f.len);

	CHECK(xs_settimeout(s, WAIT_S));
	cr_assert_eq(CHECK(xs_recvfrom(s, buf, sizeof buf, 0, &from)), (ssize_t)sizeof good,
		     "the damaged frame was delivered");
	assert_numbered(buf, sizeof good, 7);
	assert_from_peer(&from, 40003);
	CHECK(xs_setblocking(s, 0));
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1, "more than the good datagram arrived");
	assert_os_error(EAGAIN);
	after = stats_of(s);
	cr_assert_eq(counter_for(&after, d) - counter_for(&before, d), 1, "%s went up by %llu",
		     counter,
		     (unsigned long long)(counter_for(&after, d) - counter_for(&before, d)));
	cr_assert_eq(after.rx_packets - before.rx_packets, 1);
	close(w.fd);
	xs_free(s);
}

Test(xdp, a_frame_with_a_bad_ipv4_header_checksum_is_dropped_and_counted)
{
	dropped_and_counted(BAD_IP_CSUM, "if_rx_bad_csum");
}

Test(xdp, a_datagram_with_a_bad_udp_checksum_is_dropped_and_counted)
{
	dropped_and_counted(BAD_UDP_CSUM, "if_rx_bad_csum");
}

Test(xdp, a_udp_length_beyond_the_ip_payload_is_dropped_and_counted)
{
	dropped_and_counted(UDP_LONGER_THAN_IP, "if_rx_malformed");
}

Test(xdp, a_truncated_frame_is_dropped_and_counted)
{
	dropped_and_counted(TRUNCATED, "if_rx_malformed");
}

Test(xdp, a_full_queue_drops_and_counts_and_what_it_queued_arrives_intact)
{
	enum { N = 64, LEN = 1000 };
	struct xs_addr s_addr;
	struct xs_sock *s = xdp_udp(AF_INET, &s_addr), *peer = udp_peer(AF_INET, NULL);
	struct xs_stats before, after;
	uint8_t buf[LEN + 1];
	unsigned got = 0, last = 0;
	ssize_t n;

	CHECK(xs_setsockopt_int(s, SOL_SOCKET, SO_RCVBUF, 4096));
	before = stats_of(s);
	for (unsigned i = 1; i <= N; i++) {
		numbered(buf, LEN, i);
		CHECK(xs_sendto(peer, buf, LEN, 0, &s_addr));
	}
	sleep_s(0.2); /* the burst waits in the AF_XDP ring until the first read */
	CHECK(xs_settimeout(s, 0.5));
	while ((n = xs_recv(s, buf, sizeof buf, 0)) >= 0 && got < N) {
		unsigned i;

		cr_assert_eq(n, LEN);
		memcpy(&i, buf, sizeof i);
		cr_assert_gt(i, last, "datagram %u after %u", i, last);
		assert_numbered(buf, LEN, i);
		last = i;
		got++;
	}
	cr_assert_eq(n, -1);
	assert_error(XS_ERR_TIMEOUT, ETIMEDOUT);
	after = stats_of(s);
	cr_assert_lt(got, N, "a 4096-byte SO_RCVBUF queued all %d datagrams of %d bytes", N, LEN);
	cr_assert_gt(got, 0);
	cr_assert_eq(after.rx_packets - before.rx_packets, got);
	cr_assert_eq(after.rx_dropped - before.rx_dropped, N - got, "%u read, %llu dropped of %d",
		     got, (unsigned long long)(after.rx_dropped - before.rx_dropped), N);
	cr_assert_geq(after.if_rx_queue_full - before.if_rx_queue_full, N - got);
	xs_free(peer);
	xs_free(s);
}

/* ---- packet sockets ---- */

static struct xs_sock *xdp_packet(uint16_t ethertype)
{
	struct xs_sock *p = CHECK_PTR(xs_socket(AF_PACKET, SOCK_RAW, htons(ethertype)));
	struct xs_addr a;

	cr_assert_str_eq(xs_transport_name(p), "xdp");
	CHECK(xs_addr_packet(&a, local_iface(), htons(ethertype), 0, 0, NULL, 0));
	CHECK(xs_bind(p, &a));
	return p;
}

/* from is the peer's vA seen on vB: (ifname, proto, PACKET_HOST, ARPHRD_ETHER, MAC). */
static void assert_packet_address(const struct xs_addr *from, const struct wire *w,
				  uint16_t ethertype)
{
	const struct sockaddr_ll *ll = (const struct sockaddr_ll *)xs_addr_sa(from);
	char fmt[256], want[64];

	cr_assert_eq(from->family, AF_PACKET);
	cr_assert_eq((unsigned)ll->sll_ifindex, if_nametoindex(local_iface()));
	cr_assert_eq(ntohs(ll->sll_protocol), ethertype);
	cr_assert_eq(ll->sll_pkttype, PACKET_HOST);
	cr_assert_eq(ll->sll_hatype, ARPHRD_ETHER);
	cr_assert_eq(ll->sll_halen, 6);
	cr_assert_arr_eq(ll->sll_addr, w->peer_mac, 6);
	CHECK(xs_addr_format(from, fmt, sizeof fmt));
	snprintf(want, sizeof want, "('%s', %u, %d, %d, b'", local_iface(), ethertype, PACKET_HOST,
		 ARPHRD_ETHER);
	cr_assert(strncmp(fmt, want, strlen(want)) == 0, "packet address %s, expected %s...", fmt,
		  want);
}

static void frame_of(struct frame *f, const struct wire *w, uint16_t ethertype, unsigned i)
{
	memset(f, 0, sizeof *f);
	put_eth(f, w, ethertype);
	numbered(f->b + 14, 100, i);
	f->len = 14 + 100;
}

Test(xdp, a_packet_socket_receives_frames_of_its_ethertype_with_their_address)
{
	struct xs_sock *p = xdp_packet(ETH_P_EXPERIMENTAL);
	struct xs_addr from;
	struct wire w;
	struct frame f;
	uint8_t buf[2048];

	wire_open(&w, ETH_P_EXPERIMENTAL);
	frame_of(&f, &w, ETH_P_EXPERIMENTAL, 21);
	wire_send(&w, f.b, f.len);
	CHECK(xs_settimeout(p, WAIT_S));
	cr_assert_eq(CHECK(xs_recvfrom(p, buf, sizeof buf, 0, &from)), (ssize_t)f.len);
	cr_assert_arr_eq(buf, f.b, f.len, "the frame arrived changed");
	assert_packet_address(&from, &w, ETH_P_EXPERIMENTAL);
	close(w.fd);
	xs_free(p);
}

Test(xdp, a_packet_socket_sends_frames_that_arrive_on_the_peer)
{
	struct xs_sock *p = xdp_packet(ETH_P_EXPERIMENTAL);
	struct xs_addr to;
	struct wire w;
	struct frame f;
	struct sockaddr_ll ll;
	socklen_t len;
	uint8_t buf[2048];
	double deadline = now_s() + WAIT_S;
	int arrived = 0;

	wire_open(&w, ETH_P_EXPERIMENTAL);
	frame_of(&f, &w, ETH_P_EXPERIMENTAL, 22);
	memcpy(f.b, w.peer_mac, 6); /* from vB to vA this time */
	memcpy(f.b + 6, w.local_mac, 6);
	CHECK(xs_addr_packet(&to, local_iface(), htons(ETH_P_EXPERIMENTAL), 0, 0, w.peer_mac, 6));
	cr_assert_eq(CHECK(xs_sendto(p, f.b, f.len, 0, &to)), (ssize_t)f.len);
	while (!arrived && now_s() < deadline && readable(w.fd, deadline - now_s())) {
		ssize_t n;

		len = sizeof ll;
		n = recvfrom(w.fd, buf, sizeof buf, 0, (struct sockaddr *)&ll, &len);
		arrived = ll.sll_pkttype != PACKET_OUTGOING && n == (ssize_t)f.len &&
			  memcmp(buf, f.b, f.len) == 0;
	}
	cr_assert(arrived, "the frame never reached %s intact", PEER_IFACE);
	close(w.fd);
	xs_free(p);
}

Test(xdp, the_host_keeps_working_while_a_packet_socket_holds_an_ethertype)
{
	struct xs_sock *p = xdp_packet(ETH_P_EXPERIMENTAL);

	assert_the_host_keeps_working();
	xs_free(p);
}

Test(xdp, a_packet_socket_for_ipv4_receives_the_ipv4_frames_from_the_wire)
{
	struct xs_sock *p = xdp_packet(ETH_P_IP);
	struct xs_addr from;
	struct wire w;
	struct frame f;
	uint8_t payload[64], buf[2048];
	double deadline = now_s() + WAIT_S;
	ssize_t n = -1;

	wire_open(&w, ETH_P_IP);
	numbered(payload, sizeof payload, 23);
	udp4_frame(&f, &w, 40004, 9, 0, payload, sizeof payload);
	wire_send(&w, f.b, f.len);
	CHECK(xs_settimeout(p, WAIT_S));
	/* other IPv4 frames may come first; ours is the one that matches */
	while (now_s() < deadline) {
		n = CHECK(xs_recvfrom(p, buf, sizeof buf, 0, &from));
		if (n == (ssize_t)f.len && memcmp(buf, f.b, f.len) == 0)
			break;
	}
	cr_assert_eq(n, (ssize_t)f.len, "the IPv4 frame never arrived intact");
	cr_assert_arr_eq(buf, f.b, f.len);
	assert_packet_address(&from, &w, ETH_P_IP);
	close(w.fd);
	xs_free(p);
}

static unsigned iface_flags(const char *ifname)
{
	char path[128];
	unsigned flags = 0;
	FILE *f;

	snprintf(path, sizeof path, "/sys/class/net/%s/flags", ifname);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fscanf(f, "%x", &flags), 1);
	fclose(f);
	return flags;
}

Test(xdp, a_capture_asking_for_promiscuous_mode_gets_it_until_it_closes)
{
	struct xs_sock *p = xdp_packet(ETH_P_EXPERIMENTAL);
	struct packet_mreq mr = { .mr_ifindex = (int)if_nametoindex(local_iface()),
				  .mr_type = PACKET_MR_PROMISC };

	cr_assert_eq(iface_flags(local_iface()) & IFF_PROMISC, 0, "%s is promiscuous already",
		     local_iface());
	CHECK(xs_setsockopt(p, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof mr));
	cr_assert_neq(iface_flags(local_iface()) & IFF_PROMISC, 0,
		      "PACKET_MR_PROMISC did not make %s promiscuous", local_iface());
	xs_free(p);
	cr_assert_eq(iface_flags(local_iface()) & IFF_PROMISC, 0,
		     "%s stayed promiscuous after the socket closed", local_iface());
}
