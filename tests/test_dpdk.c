/*
 * test_dpdk.c — what only the dpdk transport does, checked as a user
 * would on the bare two-host testbed (tests/netns/with-testbed.sh --bare-b
 * runs this in xs-NAME-b, whose kernel has no address on vB; the
 * transport's own stack owns 198.18.0.2 and 2001:2::2 on a
 * net_af_packet port over vB):
 *
 * - the stack answers ARP, neighbour solicitations and ping from the
 *   peer, also while the program does nothing (a background thread
 *   polls the port), and sends port unreachable for a closed port;
 * - UDP goes both ways in both families, and the first datagrams to a
 *   neighbour never seen arrive: the stack holds them while it resolves;
 * - a packet socket receives a frame of its ethertype with its address,
 *   and sends one that arrives on the peer;
 * - a program leaves nothing when it exits (no EAL runtime directory, no
 *   hugepage or shared memory file, no process), and a bad configuration
 *   fails at its first socket with a message that says what to fix, and
 *   leaves nothing either.
 *
 * Each Criterion test is a process of its own, so each starts the EAL.
 * The tests about whole programs (suite dpdk_process) run
 * tests/dpdk/dpdk_udp as a child under timeout(1): a fresh process that
 * reads the environment, starts the EAL once and exits as a program
 * does, and reports the result of its first socket over a pipe.
 *
 * The peer is the other namespace (xs-NAME-a, vA): kernel sockets made
 * there with peer_socket_fd(), raw ICMP sockets, and an AF_PACKET socket
 * on vA for frames built by hand. Everything stays on the testbed's
 * addresses.
 */
#include "helpers.h"
#include "host_helpers.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef XS_DPDK_UDP
#define XS_DPDK_UDP "dpdk_udp" /* tests/meson.build gives the built path */
#endif

#define PEER_IFACE	   "vA"	  /* tests/netns/testbed.sh */
#define ETH_P_EXPERIMENTAL 0x88b5 /* IEEE 802 local experimental ethertype 1 */
#define WAIT_S		   2.0
#define DPDK_VALUE	   "inet=dpdk,inet6=dpdk,packet=dpdk"

extern char **environ;

static int dpdk_built(void)
{
	for (size_t i = 0; xs_transport_at(i); i++)
		if (!strcmp(xs_transport_at(i), "dpdk"))
			return 1;
	return 0;
}

static void require_bare_testbed(void)
{
	if (!dpdk_built())
		cr_skip_test("the dpdk transport is not built in (meson setup says why)");
	if (!peer_mode() || !getenv("XS_TESTBED_BARE_B"))
		cr_skip_test("needs the bare two-host testbed: run through "
			     "tests/netns/with-testbed.sh --bare-b");
}

/* In-process tests: this process's inet, inet6 and packet are on dpdk. */
static void require_dpdk_testbed(void)
{
	const char *tp;

	require_bare_testbed();
	tp = xs_transport_for(AF_INET, SOCK_DGRAM, 0);
	if (!tp || strcmp(tp, "dpdk") != 0)
		cr_skip_test("inet is carried by %s, not dpdk: set XSOCKET_TRANSPORT=%s",
			     tp ? tp : "nothing", DPDK_VALUE);
}

/* Process tests: the test process itself never touches the library's
 * configuration, so each child reads its own environment. */
static void require_dpdk_processes(void)
{
	require_bare_testbed();
	if (access(XS_DPDK_UDP, X_OK) != 0)
		cr_skip_test("%s: %s (built with the tests when dpdk is)", XS_DPDK_UDP,
			     strerror(errno));
}

TestSuite(dpdk, .init = require_dpdk_testbed, .timeout = 30);
TestSuite(dpdk_process, .init = require_dpdk_processes, .timeout = 60);

/* ---- kernel descriptors and commands on both hosts ---- */

/* A kernel UDP socket in the peer namespace, bound to peer_host:0. */
static int peer_udp(int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = peer_socket_fd(family, SOCK_DGRAM, 0);

	sockaddr_of(family, peer_host(family), 0, &ss, &len);
	cr_assert_eq(bind(fd, (struct sockaddr *)&ss, len), 0, "bind %s: %s", peer_host(family),
		     strerror(errno));
	return fd;
}

/* Run a command; it must succeed. */
static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	status = system(cmd);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "`%s` failed (status %d)", cmd,
		  status);
}

/* The peer forgets its neighbours: the next datagram or ping to the host
 * under test needs a fresh ARP or neighbour solicitation. */
static void peer_forgets_neighbours(int family)
{
	run("ip -n %s %s neigh flush dev %s", getenv("XS_TEST_PEER_NETNS"),
	    family == AF_INET6 ? "-6" : "-4", PEER_IFACE);
}

/* vB's MAC: the port's, since net_af_packet takes the interface's. */
static void local_mac(uint8_t mac[6])
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	mac_of(fd, local_iface(), mac);
	close(fd);
}

/* The peer's neighbour entry for the host under test has vB's MAC: only
 * the stack can have told it (the kernel of xs-NAME-b has no address). */
static void assert_peer_learned_the_port_mac(int family)
{
	char cmd[256], line[512], want[32];
	uint8_t mac[6];
	int found = 0;
	FILE *p;

	local_mac(mac);
	snprintf(want, sizeof want, "lladdr %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	snprintf(cmd, sizeof cmd, "ip -n %s neigh show %s dev %s 2>&1",
		 getenv("XS_TEST_PEER_NETNS"), test_host(family), PEER_IFACE);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen(%s): %s", cmd, strerror(errno));
	while (fgets(line, sizeof line, p))
		found |= strstr(line, want) != NULL;
	pclose(p);
	cr_assert(found, "the peer has no neighbour entry \"%s %s\" (%s)", test_host(family), want,
		  cmd);
}

/* ---- dpdk sockets ---- */

static struct xs_sock *dpdk_udp(int family, struct xs_addr *bound)
{
	struct xs_sock *s = udp_local(family, bound);

	cr_assert_str_eq(xs_transport_name(s), "dpdk");
	return s;
}

/* ---- ping ---- */

/* One echo request from a raw socket in the peer namespace; the reply
 * must come back with the same identifier, sequence and data. ICMPv6
 * raw sockets get the message without the IPv6 header, and the kernel
 * fills in their checksum. */
static int peer_pings(int family, uint16_t seq)
{
	int v6 = family == AF_INET6;
	int fd = peer_socket_fd(family, SOCK_RAW, v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	uint8_t req[8 + 16] = {v6 ? ICMP6_ECHO_REQUEST : ICMP_ECHO, 0}, buf[512];
	uint16_t id = (uint16_t)getpid();
	struct sockaddr_storage to;
	socklen_t tolen;
	double deadline = now_s() + WAIT_S;
	int answered = 0;

	put16(req + 4, id);
	put16(req + 6, seq);
	memcpy(req + 8, "xsocket-dpdk-pin", 16);
	if (!v6)
		put16(req + 2, inet_csum(req, sizeof req, 0));
	sockaddr_of(family, test_host(family), 0, &to, &tolen);
	cr_assert_eq(sendto(fd, req, sizeof req, 0, (struct sockaddr *)&to, tolen),
		     (ssize_t)sizeof req, "ping %s: %s", test_host(family), strerror(errno));
	while (!answered && readable(fd, deadline - now_s())) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		size_t off = n > 0 && !v6 ? (size_t)(buf[0] & 0x0f) * 4 : 0;
		const uint8_t *icmp = buf + off;

		answered = n >= (ssize_t)(off + sizeof req) &&
			   icmp[0] == (v6 ? ICMP6_ECHO_REPLY : ICMP_ECHOREPLY) &&
			   !memcmp(icmp + 4, req + 4, sizeof req - 4);
	}
	close(fd);
	return answered;
}

static void pinged_while_idle(int family)
{
	struct xs_sock *s = dpdk_udp(family, NULL);

	/* From here on the program makes no xsocket call: whatever answers
	 * is the transport's own thread. */
	peer_forgets_neighbours(family);
	sleep_s(0.5);
	for (uint16_t seq = 1; seq <= 3; seq++)
		cr_assert(peer_pings(family, seq), "no echo reply %u from %s within %.0f s", seq,
			  test_host(family), WAIT_S);
	assert_peer_learned_the_port_mac(family);
	xs_free(s);
}

Test(dpdk, the_stack_answers_arp_and_ping_from_the_peer_while_the_program_is_idle)
{
	pinged_while_idle(AF_INET);
}

Test(dpdk, the_stack_answers_neighbour_solicitation_and_ipv6_ping_while_the_program_is_idle)
{
	skip_unless_ipv6();
	pinged_while_idle(AF_INET6);
}

/* ---- UDP ---- */

static void both_ways(int family)
{
	const size_t max = family == AF_INET6 ? 1500 - 40 - 8 : 1500 - 20 - 8;
	const size_t sizes[] = {1, 100, 512, 1000, max};
	struct xs_addr s_addr, peer_addr, from;
	struct xs_sock *s = dpdk_udp(family, &s_addr), *peer = udp_peer(family, &peer_addr);
	static uint8_t buf[2048];
	char host[64];

	CHECK(xs_settimeout(s, WAIT_S));
	CHECK(xs_settimeout(peer, WAIT_S));
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		numbered(buf, sizes[i], i);
		cr_assert_eq(CHECK(xs_sendto(peer, buf, sizes[i], 0, &s_addr)), (ssize_t)sizes[i]);
		memset(buf, 0, sizeof buf);
		cr_assert_eq(CHECK(xs_recvfrom(s, buf, sizeof buf, 0, &from)), (ssize_t)sizes[i],
			     "peer -> dpdk, %zu bytes", sizes[i]);
		assert_numbered(buf, sizes[i], i);
		CHECK(xs_addr_host(&from, host, sizeof host));
		cr_assert_str_eq(host, peer_host(family));
		cr_assert_eq(xs_addr_port(&from), xs_addr_port(&peer_addr));

		numbered(buf, sizes[i], 100 + i);
		cr_assert_eq(CHECK(xs_sendto(s, buf, sizes[i], 0, &from)), (ssize_t)sizes[i]);
		memset(buf, 0, sizeof buf);
		cr_assert_eq(CHECK(xs_recvfrom(peer, buf, sizeof buf, 0, &from)), (ssize_t)sizes[i],
			     "dpdk -> peer, %zu bytes", sizes[i]);
		assert_numbered(buf, sizes[i], 100 + i);
		CHECK(xs_addr_host(&from, host, sizeof host));
		cr_assert_str_eq(host, test_host(family));
		cr_assert_eq(xs_addr_port(&from), xs_addr_port(&s_addr));
	}
	xs_free(peer);
	xs_free(s);
}

Test(dpdk, udp_goes_both_ways_between_a_dpdk_socket_and_a_kernel_socket_on_the_peer)
{
	both_ways(AF_INET);
}

Test(dpdk, ipv6_udp_goes_both_ways_between_a_dpdk_socket_and_a_kernel_socket_on_the_peer)
{
	skip_unless_ipv6();
	both_ways(AF_INET6);
}

/* The peer's connected kernel socket sends to `port` of the host under
 * test; returns the error its next recv reports (0: a datagram came
 * back, -1: nothing within WAIT_S). */
static int peer_send_and_recv_error(int family, int port)
{
	int fd = peer_udp(family);
	struct sockaddr_storage to;
	socklen_t tolen;
	char buf[16];
	int err = -1;

	sockaddr_of(family, test_host(family), port, &to, &tolen);
	cr_assert_eq(connect(fd, (struct sockaddr *)&to, tolen), 0, "connect: %s", strerror(errno));
	cr_assert_eq(send(fd, "knock", 5, 0), 5, "send: %s", strerror(errno));
	if (readable(fd, WAIT_S))
		err = recv(fd, buf, sizeof buf, MSG_DONTWAIT) < 0 ? errno : 0;
	close(fd);
	return err;
}

static void closed_port_refuses(int family)
{
	struct xs_addr open_addr, closed_addr;
	struct xs_sock *open = dpdk_udp(family, &open_addr);
	struct xs_sock *closed = dpdk_udp(family, &closed_addr);
	char buf[16];
	int err;

	xs_free(closed); /* its port is closed from now on */
	err = peer_send_and_recv_error(family, xs_addr_port(&closed_addr));
	cr_assert_eq(err, ECONNREFUSED,
		     "the peer's send to closed port %d of %s: expected ECONNREFUSED, got %s",
		     xs_addr_port(&closed_addr), test_host(family),
		     err < 0 ? "nothing within 2 s"
		     : err   ? strerror(err)
			     : "a datagram");

	/* and the open port takes the datagram without complaint */
	err = peer_send_and_recv_error(family, xs_addr_port(&open_addr));
	cr_assert_eq(err, -1, "sending to the bound port %d gave %s", xs_addr_port(&open_addr),
		     err ? strerror(err) : "a datagram back");
	CHECK(xs_settimeout(open, WAIT_S));
	cr_assert_eq(CHECK(xs_recv(open, buf, sizeof buf, 0)), 5);
	cr_assert_arr_eq(buf, "knock", 5);
	xs_free(open);
}

Test(dpdk, a_kernel_socket_on_the_peer_gets_econnrefused_from_a_closed_port)
{
	closed_port_refuses(AF_INET);
}

Test(dpdk, a_kernel_socket_on_the_peer_gets_econnrefused_from_a_closed_ipv6_port)
{
	skip_unless_ipv6();
	closed_port_refuses(AF_INET6);
}

/* A new process has a new stack with an empty neighbour cache: the first
 * datagrams to the peer wait while ARP (or neighbour discovery) asks for
 * its MAC, then all go out, in order. lib/stack holds three frames per
 * unresolved neighbour, as many as this test sends at once. */
static void first_datagrams_to_a_new_neighbour(int family)
{
	enum { N = 3, LEN = 300 };
	struct xs_addr peer_addr;
	struct xs_sock *s = dpdk_udp(family, NULL), *peer = udp_peer(family, &peer_addr);
	uint8_t buf[LEN + 1];

	peer_forgets_neighbours(family);
	for (unsigned i = 0; i < N; i++) {
		numbered(buf, LEN, i);
		cr_assert_eq(CHECK(xs_sendto(s, buf, LEN, 0, &peer_addr)), LEN,
			     "datagram %u to a neighbour not yet resolved", i);
	}
	CHECK(xs_settimeout(peer, WAIT_S));
	for (unsigned i = 0; i < N; i++) {
		ssize_t n = xs_recv(peer, buf, sizeof buf, 0);

		cr_assert_eq(n, LEN, "datagram %u of %d to a new neighbour never arrived (%s)", i,
			     N, n < 0 ? xs_last_error()->msg : "short");
		assert_numbered(buf, LEN, i);
	}
	assert_peer_learned_the_port_mac(family);
	xs_free(peer);
	xs_free(s);
}

Test(dpdk, the_first_datagrams_to_a_neighbour_never_seen_arrive_once_arp_resolves_it)
{
	first_datagrams_to_a_new_neighbour(AF_INET);
}

Test(dpdk, the_first_ipv6_datagrams_to_a_neighbour_never_seen_arrive_once_it_resolves)
{
	skip_unless_ipv6();
	first_datagrams_to_a_new_neighbour(AF_INET6);
}

/* ---- packet sockets ---- */

struct wire {
	int fd; /* AF_PACKET on vA, in the peer namespace */
	int ifindex;
	uint8_t peer_mac[6], local_mac[6];
};

/* An AF_PACKET socket on the peer's vA for `ethertype` (host order). */
static void wire_open(struct wire *w, uint16_t ethertype)
{
	struct sockaddr_ll ll = {.sll_family = AF_PACKET, .sll_protocol = htons(ethertype)};
	struct ifreq ifr;

	w->fd = peer_socket_fd(AF_PACKET, SOCK_RAW, htons(ethertype));
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", PEER_IFACE);
	cr_assert_eq(ioctl(w->fd, SIOCGIFINDEX, &ifr), 0, "%s: %s", PEER_IFACE, strerror(errno));
	w->ifindex = ifr.ifr_ifindex;
	mac_of(w->fd, PEER_IFACE, w->peer_mac);
	local_mac(w->local_mac);
	ll.sll_ifindex = w->ifindex;
	cr_assert_eq(bind(w->fd, (struct sockaddr *)&ll, sizeof ll), 0, "bind on %s: %s",
		     PEER_IFACE, strerror(errno));
}

/* 14 bytes of Ethernet header and 100 numbered bytes, src -> dst. */
static size_t frame_of(uint8_t *f, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype,
		       unsigned i)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	put16(f + 12, ethertype);
	numbered(f + 14, 100, i);
	return 14 + 100;
}

static struct xs_sock *dpdk_packet(uint16_t ethertype)
{
	struct xs_sock *p = CHECK_PTR(xs_socket(AF_PACKET, SOCK_RAW, htons(ethertype)));
	struct xs_addr a;

	cr_assert_str_eq(xs_transport_name(p), "dpdk");
	CHECK(xs_addr_packet(&a, local_iface(), htons(ethertype), 0, 0, NULL, 0));
	CHECK(xs_bind(p, &a));
	return p;
}

Test(dpdk, a_packet_socket_receives_a_frame_of_its_ethertype_with_its_address)
{
	struct xs_sock *p = dpdk_packet(ETH_P_EXPERIMENTAL);
	const struct sockaddr_ll *ll;
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = 6};
	struct xs_addr from;
	struct wire w;
	uint8_t f[256], buf[2048];
	size_t len;

	wire_open(&w, ETH_P_EXPERIMENTAL);
	len = frame_of(f, w.local_mac, w.peer_mac, ETH_P_EXPERIMENTAL, 21);
	to.sll_ifindex = w.ifindex;
	memcpy(to.sll_addr, w.local_mac, 6);
	cr_assert_eq(sendto(w.fd, f, len, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)len,
		     "sending a frame on %s: %s", PEER_IFACE, strerror(errno));
	CHECK(xs_settimeout(p, WAIT_S));
	cr_assert_eq(CHECK(xs_recvfrom(p, buf, sizeof buf, 0, &from)), (ssize_t)len);
	cr_assert_arr_eq(buf, f, len, "the frame arrived changed");

	ll = (const struct sockaddr_ll *)xs_addr_sa(&from);
	cr_assert_eq(from.family, AF_PACKET);
	cr_assert_eq((unsigned)ll->sll_ifindex, if_nametoindex(local_iface()),
		     "sll_ifindex %d is not %s's", ll->sll_ifindex, local_iface());
	cr_assert_eq(ntohs(ll->sll_protocol), ETH_P_EXPERIMENTAL);
	cr_assert_eq(ll->sll_pkttype, PACKET_HOST);
	cr_assert_eq(ll->sll_hatype, ARPHRD_ETHER);
	cr_assert_eq(ll->sll_halen, 6);
	cr_assert_arr_eq(ll->sll_addr, w.peer_mac, 6, "sll_addr is not the peer's MAC");
	close(w.fd);
	xs_free(p);
}

Test(dpdk, a_packet_socket_sends_a_frame_that_arrives_on_the_peer)
{
	struct xs_sock *p = dpdk_packet(ETH_P_EXPERIMENTAL);
	struct xs_addr to;
	struct wire w;
	struct sockaddr_ll ll;
	socklen_t sllen;
	uint8_t f[256], buf[2048];
	double deadline = now_s() + WAIT_S;
	size_t len;
	int arrived = 0;

	wire_open(&w, ETH_P_EXPERIMENTAL);
	len = frame_of(f, w.peer_mac, w.local_mac, ETH_P_EXPERIMENTAL, 22);
	CHECK(xs_addr_packet(&to, local_iface(), htons(ETH_P_EXPERIMENTAL), 0, 0, w.peer_mac, 6));
	cr_assert_eq(CHECK(xs_sendto(p, f, len, 0, &to)), (ssize_t)len);
	while (!arrived && readable(w.fd, deadline - now_s())) {
		ssize_t n;

		sllen = sizeof ll;
		n = recvfrom(w.fd, buf, sizeof buf, 0, (struct sockaddr *)&ll, &sllen);
		arrived = ll.sll_pkttype != PACKET_OUTGOING && n == (ssize_t)len &&
			  memcmp(buf, f, len) == 0;
	}
	cr_assert(arrived, "the frame never reached %s intact", PEER_IFACE);
	close(w.fd);
	xs_free(p);
}

/* ---- whole programs: tests/dpdk/dpdk_udp as a child ---- */

struct child {
	pid_t wrapper; /* timeout(1), our child */
	long pid;      /* dpdk_udp, from its "pid N" line */
	int out;       /* its standard output */
	char text[4096];
	size_t len;
};

/* environ with `set` ("KEY=VALUE", replacing KEY) on top; built before
 * fork, so that the child only calls execvpe. */
static char **env_with(const char *const *set, char **buf, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; set && set[i]; i++)
		buf[n++] = (char *)set[i];
	for (char **e = environ; *e && n + 1 < cap; e++) {
		int overridden = 0;

		for (size_t i = 0; set && set[i]; i++) {
			size_t klen = strcspn(set[i], "=") + 1;

			overridden |= !strncmp(*e, set[i], klen);
		}
		if (!overridden)
			buf[n++] = *e;
	}
	buf[n] = NULL;
	return buf;
}

/* dpdk_udp ARGS... under timeout(1), with environ plus `set`. */
static void child_start(struct child *c, const char *const *set, const char *const *args)
{
	static char *envp[1024];
	const char *argv[32] = {"timeout", "-k", "2", "30", XS_DPDK_UDP};
	int fds[2], n = 5;

	for (int i = 0; args[i] && n < 31; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	env_with(set, envp, sizeof envp / sizeof envp[0]);
	memset(c, 0, sizeof *c);
	c->pid = -1;
	cr_assert_eq(pipe2(fds, O_CLOEXEC), 0);
	fflush(NULL);
	c->wrapper = fork();
	cr_assert_neq(c->wrapper, -1, "fork: %s", strerror(errno));
	if (c->wrapper == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execvpe("timeout", (char *const *)argv, envp);
		_exit(127);
	}
	close(fds[1]);
	c->out = fds[0];
}

/* The child's next line that starts with one of the prefixes ("" for
 * any), within `seconds`; NULL at its end or the deadline. */
static const char *child_line(struct child *c, const char *p1, const char *p2, double seconds)
{
	static char line[1024];
	double deadline = now_s() + seconds;

	for (;;) {
		char *nl = memchr(c->text, '\n', c->len);
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - c->text);

			snprintf(line, sizeof line, "%.*s", (int)n, c->text);
			memmove(c->text, nl + 1, c->len - (size_t)(nl + 1 - c->text));
			c->len -= (size_t)(nl + 1 - c->text);
			if (sscanf(line, "pid %ld", &c->pid) == 1 && strncmp(p1, "pid", 3))
				continue;
			if (!strncmp(line, p1, strlen(p1)) ||
			    (p2 && !strncmp(line, p2, strlen(p2))))
				return line;
			continue;
		}
		if (c->len + 1 >= sizeof c->text || !readable(c->out, deadline - now_s()))
			return NULL;
		r = read(c->out, c->text + c->len, sizeof c->text - 1 - c->len);
		if (r <= 0)
			return NULL;
		c->len += (size_t)r;
	}
}

/* Wait for timeout(1) to end (it ends when dpdk_udp does); SIGKILL both
 * after `seconds`. Returns the wait status. */
static int child_wait(struct child *c, double seconds)
{
	double deadline = now_s() + seconds;
	int status = 0;
	pid_t r;

	while ((r = waitpid(c->wrapper, &status, WNOHANG)) == 0 && now_s() < deadline)
		sleep_s(0.02);
	if (r == 0) {
		if (c->pid > 0)
			kill((pid_t)c->pid, SIGKILL);
		kill(c->wrapper, SIGKILL);
		waitpid(c->wrapper, &status, 0);
		cr_assert_fail("dpdk_udp (pid %ld) did not end within %.0f s", c->pid, seconds);
	}
	close(c->out);
	return status;
}

/* Where the EAL keeps its runtime directories (eal_filesystem.h). */
static void runtime_dir(long pid, char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (getuid() == 0)
		snprintf(buf, len, "/var/run/dpdk/xsocket-%ld", pid);
	else
		snprintf(buf, len, "%s/dpdk/xsocket-%ld", xdg && *xdg ? xdg : "/tmp", pid);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* A file in dir named xsocket-<pid> or xsocket-<pid><non-digit>...: the
 * EAL names its hugepage and shared memory files after the prefix. */
static int memory_file_in(const char *dir, long pid, char *found, size_t len)
{
	char prefix[64];
	size_t n = (size_t)snprintf(prefix, sizeof prefix, "xsocket-%ld", pid);
	struct dirent *e;
	DIR *d = opendir(dir);
	int hit = 0;

	while (d && !hit && (e = readdir(d)))
		if (!strncmp(e->d_name, prefix, n) && (e->d_name[n] < '0' || e->d_name[n] > '9')) {
			snprintf(found, len, "%s/%s", dir, e->d_name);
			hit = 1;
		}
	if (d)
		closedir(d);
	return hit;
}

/* Remove what a dead child of ours left in its runtime directory, so
 * that a failing run does not pile them up; 1 if there was one. */
static int remove_left_dir(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
	return 1;
}

/* Nothing of dpdk_udp `pid` outlives it: the runtime directory, files
 * in hugetlbfs mounts and /dev/shm, processes (this test process is a
 * subreaper, so anything the child left running became ours). */
static void assert_nothing_left(long pid)
{
	char dir[PATH_MAX], found[PATH_MAX], line[1024], mnt[512], type[64];
	FILE *m = fopen("/proc/mounts", "re");
	int status;

	cr_assert_gt(pid, 0, "dpdk_udp never printed its pid");
	runtime_dir(pid, dir, sizeof dir);
	cr_assert_not(remove_left_dir(dir), "the EAL's runtime directory %s outlived its process",
		      dir);
	cr_assert_not(memory_file_in("/dev/shm", pid, found, sizeof found), "%s was left", found);
	while (m && fgets(line, sizeof line, m))
		if (sscanf(line, "%*s %511s %63s", mnt, type) == 2 && !strcmp(type, "hugetlbfs"))
			cr_assert_not(memory_file_in(mnt, pid, found, sizeof found),
				      "hugepage file %s was left", found);
	if (m)
		fclose(m);
	cr_assert(kill((pid_t)pid, 0) == -1 && errno == ESRCH, "process %ld is still there", pid);
	cr_assert_eq(waitpid(-1, &status, WNOHANG), -1, "a process outlived dpdk_udp %ld", pid);
	cr_assert_eq(errno, ECHILD);
}

static void become_subreaper(void)
{
	cr_assert_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0, "PR_SET_CHILD_SUBREAPER: %s",
		     strerror(errno));
}

/* ASAN_OPTIONS with leak detection off, for a program that exits with a
 * socket open on purpose (the socket is its own leak, as a kernel
 * socket's xs_sock would be); no change outside sanitizer builds. */
static const char *no_leak_check(char *buf, size_t len)
{
	const char *v = getenv("ASAN_OPTIONS");

	snprintf(buf, len, "ASAN_OPTIONS=%s%sdetect_leaks=0", v ? v : "", v && *v ? ":" : "");
	return buf;
}

/* A program sends one datagram to the peer from 198.18.0.2 and exits,
 * after freeing its socket or with it open. */
static void program_exits(int free_first)
{
	int fd = peer_udp(AF_INET);
	char port[16], dir[PATH_MAX], buf[16] = {0}, asan[512];
	const char *args[16] = {"open", "-b", test_host(AF_INET), "-s", peer_host(AF_INET)};
	const char *set[] = {no_leak_check(asan, sizeof asan), NULL};
	struct child c;
	const char *line;
	int status, n = 5;

	become_subreaper();
	snprintf(port, sizeof port, "%d", port_of(fd));
	args[n++] = "-p";
	args[n++] = port;
	args[n++] = "-w";
	args[n++] = "1";
	if (free_first)
		args[n++] = "-f";
	child_start(&c, free_first ? NULL : set, args);
	line = child_line(&c, "ok", "error", 20);
	cr_assert(line && !strncmp(line, "ok", 2), "dpdk_udp open: %s", line ? line : "no answer");
	runtime_dir(c.pid, dir, sizeof dir);
	cr_assert(exists(dir),
		  "no runtime directory %s while the EAL runs (the check after exit "
		  "would prove nothing)",
		  dir);
	cr_assert(readable(fd, WAIT_S), "the program's datagram never reached the peer");
	cr_assert_eq(recv(fd, buf, sizeof buf, 0), 5);
	cr_assert_str_eq(buf, "hello");
	close(fd);
	status = child_wait(&c, 20);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "dpdk_udp did not exit 0 (status 0x%x)", status);
	assert_nothing_left(c.pid);
}

Test(dpdk_process, a_program_that_exits_with_a_socket_open_leaves_no_directory_file_or_process)
{
	program_exits(0);
}

Test(dpdk_process, a_program_that_closes_its_socket_and_exits_leaves_nothing)
{
	program_exits(1);
}

Test(dpdk_process, the_runtime_directory_of_a_killed_program_goes_with_the_next_program)
{
	const char *wait_args[] = {"open", "-b", test_host(AF_INET), "-w", "25", NULL};
	const char *args[] = {"open", "-b", test_host(AF_INET), "-f", NULL};
	char dir[PATH_MAX];
	struct child killed, next;
	const char *line;
	int status;

	become_subreaper();
	child_start(&killed, NULL, wait_args);
	line = child_line(&killed, "ok", "error", 20);
	cr_assert(line && !strncmp(line, "ok", 2), "dpdk_udp open: %s", line ? line : "no answer");
	cr_assert_eq(kill((pid_t)killed.pid, SIGKILL), 0);
	status = child_wait(&killed, 10);
	/* timeout(1) passes the child's signal on by raising it on itself */
	cr_assert((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
			  (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL),
		  "timeout(1) status 0x%x", status);
	runtime_dir(killed.pid, dir, sizeof dir);
	cr_assert(exists(dir), "%s is gone already: nothing to sweep", dir);

	child_start(&next, NULL, args);
	line = child_line(&next, "ok", "error", 20);
	cr_assert(line && !strncmp(line, "ok", 2), "dpdk_udp open: %s", line ? line : "no answer");
	status = child_wait(&next, 20);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	cr_assert_not(remove_left_dir(dir),
		      "the next program did not remove %s, left by a killed one", dir);
	assert_nothing_left(next.pid);
}

/* ---- bad configuration ---- */

struct report {
	char kind[32];
	int code;
	char msg[512];
};

/* dpdk_udp open with `set` in its environment must fail at its first
 * socket, exit 1 and leave nothing; *r gets what it reported. */
static void first_socket_fails(const char *const *set, struct report *r)
{
	const char *args[] = {"open", NULL};
	struct child c;
	const char *line;
	int status, n = 0;

	become_subreaper();
	child_start(&c, set, args);
	line = child_line(&c, "ok", "error", 25);
	cr_assert_not_null(line, "dpdk_udp reported nothing within 25 s");
	cr_assert(strncmp(line, "ok", 2) != 0, "the first socket opened with %s%s%s", set[0],
		  set[1] ? " " : "", set[1] ? set[1] : "");
	cr_assert(sscanf(line, "error %31s %d %n", r->kind, &r->code, &n) == 2 && n > 0,
		  "unexpected report: %s", line);
	snprintf(r->msg, sizeof r->msg, "%s", line + n);
	status = child_wait(&c, 20);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1,
		  "dpdk_udp did not exit 1 (status 0x%x): %s", status, r->msg);
	assert_nothing_left(c.pid);
}

#define assert_report(r_, code_, needle_)                                                          \
	do {                                                                                       \
		cr_assert_str_eq((r_)->kind, "OSError", "kind %s: \"%s\"", (r_)->kind, (r_)->msg); \
		cr_assert_eq((r_)->code, (code_), "code %d (%s), expected %d (%s): \"%s\"",        \
			     (r_)->code, strerror((r_)->code), (code_), strerror(code_),           \
			     (r_)->msg);                                                           \
		cr_assert(strstr((r_)->msg, (needle_)) != NULL,                                    \
			  "the message does not say \"%s\": \"%s\"", (needle_), (r_)->msg);        \
	} while (0)

Test(dpdk_process, an_unknown_vdev_fails_with_a_message_that_names_the_vdev_argument)
{
	const char *set[] = {"XSOCKET_TRANSPORT=" DPDK_VALUE,
			     "XSOCKET_DPDK_EAL=--no-pci --vdev=net_nosuch0", NULL};
	struct report r;

	first_socket_fails(set, &r);
	cr_assert(r.code == ENODEV || r.code == ENOTSUP, "code %d (%s): \"%s\"", r.code,
		  strerror(r.code), r.msg);
	assert_report(&r, r.code, "--vdev");
	cr_assert(strstr(r.msg, "net_nosuch0"), "the EAL's own line is missing: \"%s\"", r.msg);
}

Test(dpdk_process, a_port_that_does_not_exist_fails_with_a_message_that_lists_the_ports)
{
	const char *set[] = {"XSOCKET_TRANSPORT=" DPDK_VALUE, "XSOCKET_DPDK_PORT=7", NULL};
	struct report r;

	first_socket_fails(set, &r);
	assert_report(&r, ENODEV, "dpdk.port");
	cr_assert(strstr(r.msg, "'7'"), "the message does not name port 7: \"%s\"", r.msg);
	cr_assert(strstr(r.msg, "net_af_packet0"), "the message does not list the ports: \"%s\"",
		  r.msg);
}

Test(dpdk_process, too_little_memory_fails_with_a_message_that_says_to_raise_m)
{
	const char *set[] = {
		"XSOCKET_TRANSPORT=" DPDK_VALUE,
		"XSOCKET_DPDK_EAL=--no-pci --vdev=net_af_packet0,iface=vB --no-huge -m 1", NULL};
	struct report r;

	first_socket_fails(set, &r);
	assert_report(&r, ENOMEM, "raise -m");
}

Test(dpdk_process, a_bad_ipv4_value_fails_with_a_message_that_names_the_key_and_the_value)
{
	const char *set[] = {"XSOCKET_TRANSPORT=" DPDK_VALUE, "XSOCKET_DPDK_IPV4=198.18.0.256/24",
			     NULL};
	struct report r;

	first_socket_fails(set, &r);
	assert_report(&r, EINVAL, "dpdk.ipv4");
	cr_assert(strstr(r.msg, "198.18.0.256/24"), "the value is missing: \"%s\"", r.msg);
}

/* vB stays up for the other tests: the link that is down belongs to a
 * veth pair of this test's own, inside the host under test. */
Test(dpdk_process, a_port_whose_link_is_down_fails_with_a_message_that_says_to_bring_it_up)
{
	const char *set[] = {"XSOCKET_TRANSPORT=" DPDK_VALUE,
			     "XSOCKET_DPDK_EAL=--no-pci --vdev=net_af_packet0,iface=xsdown0", NULL};
	struct report r;

	run("ip link del xsdown0 >/dev/null 2>&1; "
	    "ip link add xsdown0 type veth peer name xsdown1");
	first_socket_fails(set, &r);
	run("ip link del xsdown0");
	assert_report(&r, ENETDOWN, "ip link set xsdown0 up");
}
