/*
 * test_batch.c — the batch extension, xs_recv_batch and xs_send_batch:
 * what a batch receives and in which order, how its first datagram is
 * waited for (timeout, blocking, non-blocking, PEP 475), truncation per
 * datagram, destinations per datagram and the connected peer, how an
 * error ends a batch, and the value errors. Over 127.0.0.1 and ::1, or in
 * peer mode on the testbed (helpers.h): `s` is the socket under test,
 * `peer` (and a stranger) the other end.
 *
 * The sentences that matter most run twice: through the transport's
 * batch ops, and through the core's loop over its one-datagram ops (the
 * path of a transport without batch ops), by giving the socket a copy of
 * its ops table without them.
 */
#include "helpers.h"

#include <net/if.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "transport.h"

TestSuite(batch, .timeout = 20);

#define SLOT 64 /* bytes of each receive buffer */

/* ---- fixtures ---- */

static struct xs_transport without_batch_ops;

/* Let the core loop over the one-datagram ops instead of the transport's
 * batch ops (the copy outlives the socket: one test per process). */
static void use_core_loop(struct xs_sock *s)
{
	without_batch_ops = *s->tp;
	without_batch_ops.recv_batch = NULL;
	without_batch_ops.send_batch = NULL;
	s->tp = &without_batch_ops;
}

static void receive_into(struct xs_msg *msgs, char (*bufs)[SLOT], unsigned n, size_t len)
{
	for (unsigned i = 0; i < n; i++)
		msgs[i] = (struct xs_msg){.buf = bufs[i], .len = len};
}

static void assert_same_endpoint(const struct xs_addr *x, const struct xs_addr *y)
{
	char fx[128], fy[128];

	CHECK(xs_addr_format(x, fx, sizeof fx));
	CHECK(xs_addr_format(y, fy, sizeof fy));
	cr_assert_str_eq(fx, fy);
}

/* `peer` receives one datagram and it is `text` from `from`. */
static void assert_receives(struct xs_sock *peer, const char *text, const struct xs_addr *from)
{
	char buf[SLOT] = {0};
	struct xs_addr got;

	CHECK(xs_settimeout(peer, 5.0));
	cr_assert_eq(CHECK(xs_recvfrom(peer, buf, sizeof buf - 1, 0, &got)), (ssize_t)strlen(text),
		     "expected \"%s\", got \"%s\"", text, buf);
	cr_assert_str_eq(buf, text);
	assert_same_endpoint(&got, from);
}

/* Nothing (more) arrives at `peer` within a moment. */
static void assert_nothing_for(struct xs_sock *peer)
{
	char buf[SLOT];

	sleep_s(0.2);
	CHECK(xs_setblocking(peer, 0));
	cr_assert_eq(xs_recv(peer, buf, sizeof buf, 0), -1, "a datagram arrived: \"%.*s\"", 8, buf);
	assert_os_error(EAGAIN);
}

/* ---- receiving ---- */

static void receive_in_order(int family, bool core_loop)
{
	struct xs_sock *peer, *s, *stranger = udp_stranger(family);
	struct xs_addr peer_addr, s_addr, stranger_addr;
	struct xs_msg msgs[16];
	char bufs[16][SLOT], text[16];
	int n;

	udp_pair(family, &peer, &s, &peer_addr, &s_addr);
	CHECK(xs_getsockname(stranger, &stranger_addr));
	if (core_loop)
		use_core_loop(s);
	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof text, "datagram %d", i);
		CHECK(xs_sendto(i % 2 ? stranger : peer, text, strlen(text), 0, &s_addr));
	}
	sleep_s(0.25); /* all eight queued (in peer mode: across the veth) */
	CHECK(xs_settimeout(s, 5.0));
	receive_into(msgs, bufs, 16, SLOT);
	n = CHECK(xs_recv_batch(s, msgs, 16, 0));
	cr_assert_eq(n, 8, "a batch of 16 returned %d of the 8 queued datagrams", n);
	for (int i = 0; i < 8; i++) {
		snprintf(text, sizeof text, "datagram %d", i);
		cr_assert_eq(msgs[i].n, strlen(text), "datagram %d: %zu bytes", i, msgs[i].n);
		cr_assert_arr_eq(bufs[i], text, strlen(text), "datagram %d is out of order", i);
		cr_assert_eq(msgs[i].flags, 0);
		cr_assert_eq(msgs[i].addr.family, family);
		assert_same_endpoint(&msgs[i].addr, i % 2 ? &stranger_addr : &peer_addr);
	}
	xs_free(stranger);
	xs_free(peer);
	xs_free(s);
}

Test(batch, receiving_a_batch_returns_every_queued_datagram_with_its_sender_in_order)
{
	receive_in_order(AF_INET, false);
}

Test(batch, receiving_a_batch_over_ipv6_returns_every_queued_datagram_in_order)
{
	skip_unless_ipv6();
	receive_in_order(AF_INET6, false);
}

Test(batch, the_core_loop_receives_every_queued_datagram_with_its_sender_in_order)
{
	receive_in_order(AF_INET, true);
}

Test(batch, the_first_datagram_is_waited_for_until_the_timeout)
{
	struct xs_sock *peer, *s;
	struct xs_msg msgs[4];
	char bufs[4][SLOT];
	double t0;

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_settimeout(s, 0.3));
	receive_into(msgs, bufs, 4, SLOT);
	t0 = now_s();
	cr_assert_eq(xs_recv_batch(s, msgs, 4, 0), -1);
	assert_error(XS_ERR_TIMEOUT, ETIMEDOUT);
	assert_elapsed_within(now_s() - t0, 0.25, 2.0);
	xs_free(peer);
	xs_free(s);
}

/* A datagram sent after `delay` seconds ends the wait; the batch does not
 * wait for more to fill its other entries. timeout: the socket's. */
static void first_ends_the_wait(double timeout, bool core_loop)
{
	struct xs_sock *peer, *s;
	struct xs_addr s_addr;
	struct delayed_send d;
	struct xs_msg msgs[8];
	char bufs[8][SLOT];
	double t0;

	udp_pair(AF_INET, &peer, &s, NULL, &s_addr);
	if (core_loop)
		use_core_loop(s);
	CHECK(xs_connect(peer, &s_addr));
	CHECK(xs_settimeout(s, timeout));
	d = (struct delayed_send){.s = peer, .data = "late", .len = 4, .delay_s = 0.2};
	receive_into(msgs, bufs, 8, SLOT);
	t0 = now_s();
	delayed_send_start(&d);
	cr_assert_eq(CHECK(xs_recv_batch(s, msgs, 8, 0)), 1);
	assert_elapsed_within(now_s() - t0, 0.15, 3.0);
	delayed_send_join(&d);
	cr_assert_eq(d.result, 0);
	cr_assert_eq(msgs[0].n, 4);
	cr_assert_arr_eq(bufs[0], "late", 4);
	xs_free(peer);
	xs_free(s);
}

Test(batch, in_timeout_mode_the_first_datagram_ends_the_wait_without_waiting_for_more)
{
	first_ends_the_wait(5.0, false);
}

Test(batch, in_blocking_mode_the_first_datagram_ends_the_wait_without_waiting_for_more)
{
	first_ends_the_wait(XS_TIMEOUT_NONE, false);
}

Test(batch, the_core_loop_waits_for_the_first_datagram_only_in_blocking_mode)
{
	first_ends_the_wait(XS_TIMEOUT_NONE, true);
}

Test(batch, the_core_loop_waits_for_the_first_datagram_only_in_timeout_mode)
{
	first_ends_the_wait(5.0, true);
}

Test(batch, a_signal_during_the_wait_is_retried_pep_475)
{
	struct xs_sock *peer, *s;
	struct xs_addr s_addr;
	struct delayed_send d;
	struct signaller sg = {
		.target = pthread_self(), .sig = SIGUSR1, .first_s = 0.1, .count = 1};
	struct xs_msg msgs[4];
	char bufs[4][SLOT];

	install_counting_handler(SIGUSR1);
	udp_pair(AF_INET, &peer, &s, NULL, &s_addr);
	CHECK(xs_connect(peer, &s_addr));
	CHECK(xs_settimeout(s, 5.0));
	d = (struct delayed_send){.s = peer, .data = "after", .len = 5, .delay_s = 0.4};
	receive_into(msgs, bufs, 4, SLOT);
	signaller_start(&sg);
	delayed_send_start(&d);
	cr_assert_eq(CHECK(xs_recv_batch(s, msgs, 4, 0)), 1);
	signaller_join(&sg);
	delayed_send_join(&d);
	cr_assert_geq(signal_hits, 1, "the signal was not delivered during the wait");
	cr_assert_arr_eq(bufs[0], "after", 5);
	xs_free(peer);
	xs_free(s);
}

Test(batch, a_non_blocking_socket_with_nothing_queued_gives_eagain)
{
	struct xs_sock *peer, *s;
	static struct xs_msg msgs[XS_BATCH_MAX]; /* the maximum is no value error */

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_setblocking(s, 0));
	cr_assert_eq(xs_recv_batch(s, msgs, XS_BATCH_MAX, 0), -1);
	assert_os_error(EAGAIN);
	xs_free(peer);
	xs_free(s);
}

Test(batch, msg_dontwait_on_a_blocking_socket_gives_eagain)
{
	struct xs_sock *peer, *s;
	struct xs_msg msgs[4];
	char bufs[4][SLOT];

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_settimeout(s, XS_TIMEOUT_NONE));
	receive_into(msgs, bufs, 4, SLOT);
	cr_assert_eq(xs_recv_batch(s, msgs, 4, MSG_DONTWAIT), -1);
	assert_os_error(EAGAIN);
	xs_free(peer);
	xs_free(s);
}

static void truncation_per_datagram(int flags, bool core_loop)
{
	static const char *const texts[] = {"short", "a longer datagram", "tiny"};
	struct xs_sock *peer, *s;
	struct xs_addr s_addr;
	struct xs_msg msgs[3];
	char bufs[3][SLOT];

	udp_pair(AF_INET, &peer, &s, NULL, &s_addr);
	if (core_loop)
		use_core_loop(s);
	for (int i = 0; i < 3; i++)
		CHECK(xs_sendto(peer, texts[i], strlen(texts[i]), 0, &s_addr));
	sleep_s(0.25);
	CHECK(xs_settimeout(s, 5.0));
	receive_into(msgs, bufs, 3, 8);
	cr_assert_eq(CHECK(xs_recv_batch(s, msgs, 3, flags)), 3);
	cr_assert_eq(msgs[0].n, 5);
	cr_assert_eq(msgs[0].flags & MSG_TRUNC, 0, "a datagram that fit is flagged");
	cr_assert_eq(msgs[1].n, flags & MSG_TRUNC ? strlen(texts[1]) : 8);
	cr_assert_eq(msgs[1].flags & MSG_TRUNC, MSG_TRUNC, "the long datagram is not flagged");
	cr_assert_arr_eq(bufs[1], "a longer", 8);
	cr_assert_eq(msgs[2].n, 4);
	cr_assert_eq(msgs[2].flags & MSG_TRUNC, 0, "the flag spilled over to the next datagram");
	xs_free(peer);
	xs_free(s);
}

Test(batch, truncation_is_flagged_per_datagram)
{
	truncation_per_datagram(0, false);
}

Test(batch, with_msg_trunc_n_is_the_length_of_the_truncated_datagram)
{
	truncation_per_datagram(MSG_TRUNC, false);
}

Test(batch, the_core_loop_flags_truncation_per_datagram)
{
	truncation_per_datagram(MSG_TRUNC, true);
}

/* ---- sending ---- */

static void send_to_destinations(int family, bool core_loop)
{
	struct xs_sock *peer, *s, *stranger = udp_stranger(family);
	struct xs_addr peer_addr, s_addr, stranger_addr;
	struct xs_msg msgs[6];
	char texts[6][16];

	udp_pair(family, &peer, &s, &peer_addr, &s_addr);
	CHECK(xs_getsockname(stranger, &stranger_addr));
	if (core_loop)
		use_core_loop(s);
	for (int i = 0; i < 6; i++) {
		snprintf(texts[i], sizeof texts[i], "to %s %d", i % 2 ? "stranger" : "peer", i);
		msgs[i] = (struct xs_msg){.buf = texts[i],
					  .len = strlen(texts[i]),
					  .addr = i % 2 ? stranger_addr : peer_addr};
	}
	CHECK(xs_settimeout(s, 5.0));
	cr_assert_eq(CHECK(xs_send_batch(s, msgs, 6, 0)), 6);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(msgs[i].n, strlen(texts[i]), "datagram %d: n is %zu", i, msgs[i].n);
	for (int i = 0; i < 6; i += 2)
		assert_receives(peer, texts[i], &s_addr);
	for (int i = 1; i < 6; i += 2)
		assert_receives(stranger, texts[i], &s_addr);
	xs_free(stranger);
	xs_free(peer);
	xs_free(s);
}

Test(batch, sending_a_batch_delivers_each_datagram_to_its_own_destination)
{
	send_to_destinations(AF_INET, false);
}

Test(batch, sending_a_batch_over_ipv6_delivers_each_datagram_to_its_own_destination)
{
	skip_unless_ipv6();
	send_to_destinations(AF_INET6, false);
}

Test(batch, the_core_loop_delivers_each_datagram_to_its_own_destination)
{
	send_to_destinations(AF_INET, true);
}

Test(batch, the_connected_peer_is_used_when_addr_is_af_unspec)
{
	struct xs_sock *peer, *s;
	struct xs_addr peer_addr, s_addr;
	struct xs_msg msgs[3] = {
		{.buf = "one", .len = 3},
		{.buf = "two", .len = 3},
		{.buf = "three", .len = 5},
	};

	udp_pair(AF_INET, &peer, &s, &peer_addr, &s_addr);
	CHECK(xs_connect(s, &peer_addr));
	cr_assert_eq(CHECK(xs_send_batch(s, msgs, 3, 0)), 3);
	assert_receives(peer, "one", &s_addr);
	assert_receives(peer, "two", &s_addr);
	assert_receives(peer, "three", &s_addr);
	xs_free(peer);
	xs_free(s);
}

Test(batch, af_unspec_on_an_unconnected_socket_is_edestaddrreq)
{
	struct xs_sock *peer, *s;
	struct xs_msg msgs[2] = {{.buf = "x", .len = 1}, {.buf = "y", .len = 1}};

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	cr_assert_eq(xs_send_batch(s, msgs, 2, 0), -1);
	assert_os_error(EDESTADDRREQ);
	xs_free(peer);
	xs_free(s);
}

/* msgs[1] is too large for UDP: the batch ends after msgs[0], and the
 * next call, starting there, reports the error. */
static void later_error_ends_the_batch(bool core_loop)
{
	static char huge[70000];
	struct xs_sock *peer, *s;
	struct xs_addr peer_addr, s_addr;
	struct xs_msg msgs[3];

	udp_pair(AF_INET, &peer, &s, &peer_addr, &s_addr);
	if (core_loop)
		use_core_loop(s);
	msgs[0] = (struct xs_msg){.buf = "first", .len = 5, .addr = peer_addr};
	msgs[1] = (struct xs_msg){.buf = huge, .len = sizeof huge, .addr = peer_addr};
	msgs[2] = (struct xs_msg){.buf = "third", .len = 5, .addr = peer_addr};
	cr_assert_eq(CHECK(xs_send_batch(s, msgs, 3, 0)), 1);
	cr_assert_eq(msgs[0].n, 5);
	cr_assert_eq(xs_send_batch(s, msgs + 1, 2, 0), -1);
	assert_os_error(EMSGSIZE);
	assert_receives(peer, "first", &s_addr);
	assert_nothing_for(peer);
	xs_free(peer);
	xs_free(s);
}

Test(batch, an_error_on_a_later_datagram_ends_the_batch_and_the_next_call_reports_it)
{
	later_error_ends_the_batch(false);
}

Test(batch, the_core_loop_ends_the_batch_at_an_error_on_a_later_datagram)
{
	later_error_ends_the_batch(true);
}

/* More datagrams than one chunk of the kernel (64) or one run of xdp,
 * out with send batches and back with receive batches, in order. */
Test(batch, batches_larger_than_a_chunk_keep_every_datagram_in_order)
{
	enum { TOTAL = 150 };
	static char texts[TOTAL][16], bufs[TOTAL][SLOT];
	static struct xs_msg msgs[TOTAL];
	struct xs_sock *peer, *s;
	struct xs_addr peer_addr, s_addr, from;
	char buf[SLOT];
	unsigned done;

	udp_pair(AF_INET, &peer, &s, &peer_addr, &s_addr);
	CHECK(xs_settimeout(s, 5.0));
	CHECK(xs_settimeout(peer, 5.0));
	for (int i = 0; i < TOTAL; i++) {
		snprintf(texts[i], sizeof texts[i], "d%03d", i);
		msgs[i] = (struct xs_msg){.buf = texts[i], .len = 4, .addr = peer_addr};
	}
	for (done = 0; done < TOTAL;)
		done += CHECK(xs_send_batch(s, msgs + done, TOTAL - done, 0));
	for (int i = 0; i < TOTAL; i++) {
		cr_assert_eq(CHECK(xs_recvfrom(peer, buf, sizeof buf, 0, &from)), 4);
		cr_assert_arr_eq(buf, texts[i], 4, "sent datagram %d arrived out of order", i);
	}
	for (int i = 0; i < TOTAL; i++)
		CHECK(xs_sendto(peer, texts[i], 4, 0, &s_addr));
	receive_into(msgs, bufs, TOTAL, SLOT);
	for (done = 0; done < TOTAL;)
		done += CHECK(xs_recv_batch(s, msgs + done, TOTAL - done, 0));
	for (int i = 0; i < TOTAL; i++) {
		cr_assert_eq(msgs[i].n, 4);
		cr_assert_arr_eq(bufs[i], texts[i], 4, "received datagram %d is out of order", i);
		assert_same_endpoint(&msgs[i].addr, &peer_addr);
	}
	xs_free(peer);
	xs_free(s);
}

/* On a frame transport (one that keeps counters), a batch to a neighbour
 * it knows leaves on the fast path, not through the kernel socket: more
 * frames than one kick of copy mode carries (32), all delivered, in order. */
Test(batch, a_batch_to_a_known_neighbour_leaves_on_the_fast_path)
{
	enum { TOTAL = 100 };
	static char texts[TOTAL][16];
	static struct xs_msg msgs[TOTAL];
	struct xs_sock *peer, *s;
	struct xs_addr peer_addr, s_addr;
	struct xs_stats before, after;
	char buf[SLOT];
	unsigned done;

	udp_pair(AF_INET, &peer, &s, &peer_addr, &s_addr);
	if (xs_stats(s, &before) < 0)
		cr_skip("transport %s keeps no counters: %s", xs_transport_name(s),
			xs_last_error()->msg);
	/* the peer's datagram makes the host learn its link-layer address */
	CHECK(xs_sendto(peer, "hello", 5, 0, &s_addr));
	CHECK(xs_settimeout(s, 5.0));
	CHECK(xs_recv(s, buf, sizeof buf, 0));
	CHECK(xs_stats(s, &before));
	for (int i = 0; i < TOTAL; i++) {
		snprintf(texts[i], sizeof texts[i], "fast %03d", i);
		msgs[i] = (struct xs_msg){.buf = texts[i], .len = 8, .addr = peer_addr};
	}
	for (done = 0; done < TOTAL;)
		done += CHECK(xs_send_batch(s, msgs + done, TOTAL - done, 0));
	CHECK(xs_stats(s, &after));
	cr_assert_leq(after.tx_via_kernel - before.tx_via_kernel, 1,
		      "%llu of %d went through the kernel socket",
		      (unsigned long long)(after.tx_via_kernel - before.tx_via_kernel), TOTAL);
	cr_assert_geq(after.tx_packets - before.tx_packets, TOTAL - 1, "%llu of %d were counted",
		      (unsigned long long)(after.tx_packets - before.tx_packets), TOTAL);
	CHECK(xs_settimeout(peer, 5.0));
	for (int i = 0; i < TOTAL; i++) {
		cr_assert_eq(CHECK(xs_recv(peer, buf, sizeof buf, 0)), 8, "datagram %d", i);
		cr_assert_arr_eq(buf, texts[i], 8, "datagram %d arrived out of order", i);
	}
	xs_free(peer);
	xs_free(s);
}

/* ---- packet sockets (peer mode: frames across the testbed's veth) ---- */

#define PEER_IFACE	   "vA"	  /* tests/netns/testbed.sh */
#define ETH_P_EXPERIMENTAL 0x88b5 /* IEEE 802 local experimental ethertype 1 */

static const char *local_iface(void)
{
	const char *v = getenv("XSOCKET_XDP_IFACE");

	return v && *v ? v : "vB";
}

static void mac_of(int fd, const char *ifname, uint8_t mac[6], int *ifindex)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	cr_assert_eq(ioctl(fd, SIOCGIFHWADDR, &ifr), 0, "MAC of %s: %s", ifname, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	cr_assert_eq(ioctl(fd, SIOCGIFINDEX, &ifr), 0, "%s: %s", ifname, strerror(errno));
	*ifindex = ifr.ifr_ifindex;
}

/* A SOCK_DGRAM packet socket sends a batch of frames to the peer's MAC,
 * and receives a batch of the peer's frames, each with the peer as its
 * sender, all in order. */
Test(batch, a_packet_socket_sends_and_receives_batches_of_frames)
{
	struct xs_sock *s;
	struct xs_addr local, to;
	struct xs_msg msgs[4];
	struct sockaddr_ll ll = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(ETH_P_EXPERIMENTAL)};
	uint8_t local_mac[6], peer_mac[6], frame[64];
	char texts[4][16], bufs[4][SLOT];
	int peer, probe, local_ifindex, peer_ifindex;

	if (!peer_mode())
		cr_skip("needs the testbed (peer mode): frames cross its veth");
	s = socket_or_skip(AF_PACKET, SOCK_DGRAM, htons(ETH_P_EXPERIMENTAL));
	peer = peer_socket_fd(AF_PACKET, SOCK_DGRAM, htons(ETH_P_EXPERIMENTAL));
	probe = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	mac_of(probe, local_iface(), local_mac, &local_ifindex);
	mac_of(peer, PEER_IFACE, peer_mac, &peer_ifindex);
	close(probe);
	ll.sll_ifindex = peer_ifindex;
	cr_assert_eq(bind(peer, (struct sockaddr *)&ll, sizeof ll), 0, "%s", strerror(errno));
	CHECK(xs_addr_packet(&local, local_iface(), htons(ETH_P_EXPERIMENTAL), 0, 0, NULL, 0));
	CHECK(xs_bind(s, &local));
	CHECK(xs_addr_packet(&to, local_iface(), htons(ETH_P_EXPERIMENTAL), 0, 0, peer_mac, 6));

	for (int i = 0; i < 4; i++) {
		snprintf(texts[i], sizeof texts[i], "frame %d", i);
		msgs[i] = (struct xs_msg){.buf = texts[i], .len = strlen(texts[i]), .addr = to};
	}
	CHECK(xs_settimeout(s, 5.0));
	cr_assert_eq(CHECK(xs_send_batch(s, msgs, 4, 0)), 4);
	for (int i = 0; i < 4; i++) {
		struct pollfd pfd = {.fd = peer, .events = POLLIN};
		ssize_t n;

		cr_assert_eq(poll(&pfd, 1, 5000), 1, "frame %d did not arrive", i);
		n = recv(peer, frame, sizeof frame, 0);
		cr_assert_geq(n, (ssize_t)strlen(texts[i])); /* padded to the minimum frame */
		cr_assert_arr_eq(frame, texts[i], strlen(texts[i]), "frame %d is out of order", i);
	}

	memcpy(ll.sll_addr, local_mac, 6);
	ll.sll_halen = 6;
	for (int i = 0; i < 4; i++)
		cr_assert_eq(sendto(peer, texts[i], strlen(texts[i]), 0, (struct sockaddr *)&ll,
				    sizeof ll),
			     (ssize_t)strlen(texts[i]), "%s", strerror(errno));
	sleep_s(0.25);
	receive_into(msgs, bufs, 4, SLOT);
	cr_assert_eq(CHECK(xs_recv_batch(s, msgs, 4, 0)), 4);
	for (int i = 0; i < 4; i++) {
		const struct sockaddr_ll *from =
			(const struct sockaddr_ll *)xs_addr_sa(&msgs[i].addr);

		cr_assert_arr_eq(bufs[i], texts[i], strlen(texts[i]), "frame %d is out of order",
				 i);
		cr_assert_eq(msgs[i].addr.family, AF_PACKET);
		cr_assert_eq(from->sll_ifindex, local_ifindex);
		cr_assert_arr_eq(from->sll_addr, peer_mac, 6);
	}
	close(peer);
	xs_free(s);
}

/* ---- value errors ---- */

Test(batch, a_stream_socket_is_a_value_error, .init = stream_pair_open, .fini = stream_pair_close)
{
	char buf[8];
	struct xs_msg m = {.buf = buf, .len = sizeof buf};

	cr_assert_eq(xs_recv_batch(pair[0], &m, 1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("stream");
	cr_assert_eq(xs_send_batch(pair[0], &m, 1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("stream");
}

Test(batch, a_count_above_the_maximum_is_a_value_error)
{
	static struct xs_msg msgs[XS_BATCH_MAX + 1];
	struct xs_sock *s = udp_local(AF_INET, NULL);

	cr_assert_eq(xs_recv_batch(s, msgs, XS_BATCH_MAX + 1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("XS_BATCH_MAX");
	cr_assert_eq(xs_send_batch(s, msgs, XS_BATCH_MAX + 1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	xs_free(s);
}

Test(batch, null_msgs_with_a_count_is_a_value_error)
{
	struct xs_sock *s = udp_local(AF_INET, NULL);

	cr_assert_eq(xs_recv_batch(s, NULL, 1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("msgs");
	cr_assert_eq(xs_send_batch(s, NULL, 1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	xs_free(s);
}

Test(batch, msg_peek_is_a_value_error)
{
	char buf[8];
	struct xs_msg m = {.buf = buf, .len = sizeof buf};
	struct xs_sock *s = udp_local(AF_INET, NULL);

	cr_assert_eq(xs_recv_batch(s, &m, 1, MSG_PEEK), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("MSG_PEEK");
	xs_free(s);
}

Test(batch, an_entry_with_a_null_buffer_and_a_length_is_a_value_error)
{
	char buf[8];
	struct xs_msg msgs[2] = {{.buf = buf, .len = sizeof buf}, {.buf = NULL, .len = 8}};
	struct xs_sock *s = udp_local(AF_INET, NULL);

	cr_assert_eq(xs_recv_batch(s, msgs, 2, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("msgs[1]");
	xs_free(s);
}

Test(batch, an_address_of_another_family_fails_the_whole_batch_before_sending)
{
	struct xs_sock *peer, *s;
	struct xs_addr peer_addr, v6;
	struct xs_msg msgs[3];

	udp_pair(AF_INET, &peer, &s, &peer_addr, NULL);
	CHECK(xs_addr_inet6(&v6, "::1", 9, 0, 0));
	msgs[0] = (struct xs_msg){.buf = "a", .len = 1, .addr = peer_addr};
	msgs[1] = (struct xs_msg){.buf = "b", .len = 1, .addr = peer_addr};
	msgs[2] = (struct xs_msg){.buf = "c", .len = 1, .addr = v6};
	cr_assert_eq(xs_send_batch(s, msgs, 3, 0), -1);
	assert_error(XS_ERR_VALUE, EAFNOSUPPORT);
	assert_msg_mentions("msgs[2]");
	assert_nothing_for(peer);
	xs_free(peer);
	xs_free(s);
}

Test(batch, a_batch_of_zero_returns_zero_at_once)
{
	struct xs_sock *s = udp_local(AF_INET, NULL);

	CHECK(xs_settimeout(s, XS_TIMEOUT_NONE)); /* would block forever if it waited */
	cr_assert_eq(xs_recv_batch(s, NULL, 0, 0), 0);
	cr_assert_eq(xs_send_batch(s, NULL, 0, 0), 0);
	xs_free(s);
}

Test(batch, a_closed_socket_is_ebadf)
{
	char buf[8];
	struct xs_msg m = {.buf = buf, .len = sizeof buf};
	struct xs_sock *s = udp_local(AF_INET, NULL);

	CHECK(xs_close(s));
	cr_assert_eq(xs_recv_batch(s, &m, 1, 0), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_send_batch(s, &m, 1, 0), -1);
	assert_os_error(EBADF);
	xs_free(s);
}
