/*
 * test_stack_sock.c — lib/stack's sockets as a reader meets them: which
 * socket a datagram goes to, what packet sockets see, what the queue keeps
 * when full or resized, what recv reports (MSG_PEEK, MSG_TRUNC, source
 * addresses), when the eventfd is readable, and one producer thread and one
 * reader thread moving many datagrams without loss.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TestSuite(demux, .init = stack_setup, .fini = stack_teardown);
TestSuite(packet, .init = stack_setup, .fini = stack_teardown);
TestSuite(queue, .init = stack_setup, .fini = stack_teardown);
TestSuite(readiness, .init = stack_setup, .fini = stack_teardown);
TestSuite(threads, .init = stack_setup, .fini = stack_teardown);

/* Send text from src:sport to dst:dport; returns the copies delivered. */
static unsigned send_udp(const char *src, uint16_t sport, const char *dst, uint16_t dport,
			 const char *text)
{
	uint8_t f[FRAME_MAX];
	size_t n = udp_frame(f, src, sport, dst, dport, text, strlen(text));

	return feed(f, n, NULL);
}

/* The next datagram on ss must be text. */
static void expect_datagram(struct xs_stack_sock *ss, const char *text)
{
	char buf[256];
	ssize_t n = recv_buf(ss, buf, sizeof(buf), NULL, NULL, 0, NULL);

	cr_assert_eq(n, (ssize_t)strlen(text), "got %zd bytes, want '%s'", n, text);
	cr_assert_arr_eq(buf, text, strlen(text));
}

static void expect_empty(struct xs_stack_sock *ss)
{
	char buf[16];

	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), NULL, NULL, 0, NULL), -EAGAIN);
}

static void connect_to(struct xs_stack_sock *ss, const char *addr, uint16_t port)
{
	struct sockaddr_storage sa;

	sockaddr_of(&sa, addr, port);
	cr_assert_eq(xs_stack_connect_udp(ss, (struct sockaddr *)&sa), 0);
}

/* ---- UDP demux ---- */

Test(demux, a_socket_bound_to_the_exact_address_wins_over_the_wildcard)
{
	struct xs_stack_sock *any = udp_sock("0.0.0.0", 7), *exact = udp_sock("198.18.0.2", 7);
	struct xs_stack_sock *other = udp_sock("198.18.0.3", 7);

	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 7, "to exact"), 1);
	expect_datagram(exact, "to exact");
	expect_empty(any);
	expect_empty(other);
}

Test(demux, the_wildcard_takes_what_no_exact_binding_matches)
{
	struct xs_stack_sock *any = udp_sock("0.0.0.0", 7), *exact = udp_sock("198.18.0.3", 7);

	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 7, "to any"), 1);
	expect_datagram(any, "to any");
	expect_empty(exact);
}

Test(demux, a_connected_socket_wins_over_an_exact_one_for_its_peer_only)
{
	struct xs_stack_sock *exact = udp_sock("198.18.0.2", 7);
	struct xs_stack_sock *conn = udp_sock("0.0.0.0", 7);

	connect_to(conn, "198.18.0.1", 1000);
	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 7, "from the peer"), 1);
	cr_assert_eq(send_udp("198.18.0.1", 1001, "198.18.0.2", 7, "other port"), 1);
	cr_assert_eq(send_udp("198.18.0.9", 1000, "198.18.0.2", 7, "other host"), 1);
	expect_datagram(conn, "from the peer");
	expect_empty(conn);
	expect_datagram(exact, "other port");
	expect_datagram(exact, "other host");
}

Test(demux, a_connected_socket_drops_strangers_as_no_socket)
{
	struct xs_stack_sock *conn = udp_sock("2001:2::2", 7);

	connect_to(conn, "2001:2::1", 1000);
	cr_assert_eq(send_udp("2001:2::5", 1000, "2001:2::2", 7, "stranger"), 0);
	cr_assert_eq(send_udp("2001:2::1", 999, "2001:2::2", 7, "wrong port"), 0);
	cr_assert_eq(counters().rx_no_socket, 2);
	cr_assert_eq(send_udp("2001:2::1", 1000, "2001:2::2", 7, "peer"), 1);
	expect_datagram(conn, "peer");
}

Test(demux, disconnecting_with_af_unspec_accepts_everyone_again)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};

	connect_to(ss, "198.18.0.1", 1000);
	cr_assert_eq(xs_stack_connect_udp(ss, &unspec), 0);
	cr_assert_eq(send_udp("198.18.0.9", 5, "198.18.0.2", 7, "anyone"), 1);
	expect_datagram(ss, "anyone");
}

Test(demux, a_datagram_to_another_port_counts_as_no_socket)
{
	udp_sock("0.0.0.0", 7);
	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 8, "x"), 0);
	cr_assert_eq(counters().rx_no_socket, 1);
}

Test(demux, the_families_are_separate_tables)
{
	struct xs_stack_sock *v4 = udp_sock("0.0.0.0", 7), *v6 = udp_sock("::", 7);

	cr_assert_eq(send_udp("2001:2::1", 1000, "2001:2::2", 7, "six"), 1);
	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 7, "four"), 1);
	expect_datagram(v6, "six");
	expect_datagram(v4, "four");
	expect_empty(v4);
	expect_empty(v6);
}

Test(demux, an_unbound_or_freed_socket_receives_nothing)
{
	struct xs_stack_sock *a = udp_sock("198.18.0.2", 7), *b = udp_sock("198.18.0.2", 8);

	xs_stack_unbind(a);
	untrack(b);
	xs_stack_sock_free(b);
	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 7, "x"), 0);
	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 8, "x"), 0);
	cr_assert_eq(counters().rx_no_socket, 2);
	expect_empty(a);
}

Test(demux, rebinding_moves_the_socket_to_the_new_port)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	struct sockaddr_storage sa;

	sockaddr_of(&sa, "198.18.0.2", 9);
	cr_assert_eq(xs_stack_bind_udp(ss, (struct sockaddr *)&sa), 0);
	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 7, "old"), 0);
	cr_assert_eq(send_udp("198.18.0.1", 1000, "198.18.0.2", 9, "new"), 1);
	expect_datagram(ss, "new");
}

Test(demux, a_broadcast_goes_to_every_wildcard_socket_on_the_port)
{
	struct xs_stack_sock *a = udp_sock("0.0.0.0", 7), *b = udp_sock("0.0.0.0", 7);
	struct xs_stack_sock *exact = udp_sock("198.18.0.2", 7);
	uint8_t f[FRAME_MAX];
	size_t n = udp_frame(f, "198.18.0.1", 1000, "198.18.0.255", 7, "all", 3);

	memset(f, 0xff, 6);
	cr_assert_eq(feed(f, n, NULL), 1);
	cr_assert_eq(counters().rx_delivered, 2);
	expect_datagram(a, "all");
	expect_datagram(b, "all");
	expect_empty(exact);
}

Test(demux, binding_refuses_another_family_or_port_zero)
{
	struct xs_stack_sock *v4 = track(xs_stack_sock_new(st, AF_INET, SOCK_DGRAM, 0));
	struct xs_stack_sock *pk = track(xs_stack_sock_new(st, AF_PACKET, SOCK_RAW, 0));
	struct sockaddr_storage sa;

	sockaddr_of(&sa, "::", 7);
	cr_assert_eq(xs_stack_bind_udp(v4, (struct sockaddr *)&sa), -EINVAL);
	sockaddr_of(&sa, "0.0.0.0", 0);
	cr_assert_eq(xs_stack_bind_udp(v4, (struct sockaddr *)&sa), -EINVAL);
	sockaddr_of(&sa, "0.0.0.0", 7);
	cr_assert_eq(xs_stack_bind_udp(pk, (struct sockaddr *)&sa), -EINVAL);
	cr_assert_eq(xs_stack_bind_packet(v4, ETH_P_ALL), -EINVAL);
	cr_assert_null(xs_stack_sock_new(st, AF_INET, SOCK_STREAM, 0));
	cr_assert_null(xs_stack_sock_new(st, AF_PACKET, SOCK_SEQPACKET, 0));
}

/* ---- source addresses ---- */

Test(demux, recvfrom_reports_the_ipv4_source)
{
	struct xs_stack_sock *ss = udp_sock("0.0.0.0", 7);
	struct sockaddr_storage from;
	struct sockaddr_in *sin = (struct sockaddr_in *)&from;
	socklen_t fromlen = sizeof(from);
	char buf[16];

	send_udp("198.18.0.1", 40000, "198.18.0.2", 7, "hi");
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), &from, &fromlen, 0, NULL), 2);
	cr_assert_eq(fromlen, sizeof(struct sockaddr_in));
	cr_assert_eq(sin->sin_family, AF_INET);
	cr_assert_eq(ntohs(sin->sin_port), 40000);
	cr_assert_eq(sin->sin_addr.s_addr, inet_addr("198.18.0.1"));
}

Test(demux, recvfrom_reports_the_ipv6_source_with_a_scope_only_for_link_local)
{
	struct xs_stack_sock *ss = udp_sock("::", 7);
	struct sockaddr_storage from;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&from;
	socklen_t fromlen = sizeof(from);
	struct in6_addr want = addr_of("2001:2::1");
	char buf[16];

	send_udp("2001:2::1", 40000, "2001:2::2", 7, "hi");
	send_udp("fe80::1", 40001, "fe80::2", 7, "ll");
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), &from, &fromlen, 0, NULL), 2);
	cr_assert_eq(fromlen, sizeof(struct sockaddr_in6));
	cr_assert_eq(sin6->sin6_family, AF_INET6);
	cr_assert_eq(ntohs(sin6->sin6_port), 40000);
	cr_assert_arr_eq(&sin6->sin6_addr, &want, 16);
	cr_assert_eq(sin6->sin6_scope_id, 0);
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), &from, &fromlen, 0, NULL), 2);
	cr_assert_eq(sin6->sin6_scope_id, PORT_IFINDEX);
}

Test(demux, a_short_address_buffer_gets_what_fits_and_the_full_length)
{
	struct xs_stack_sock *ss = udp_sock("::", 7);
	struct sockaddr_storage from;
	socklen_t fromlen = 4;
	char buf[16];

	memset(&from, 0xaa, sizeof(from));
	send_udp("2001:2::1", 40000, "2001:2::2", 7, "hi");
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), &from, &fromlen, 0, NULL), 2);
	cr_assert_eq(fromlen, sizeof(struct sockaddr_in6));
	cr_assert_eq(from.ss_family, AF_INET6);
	cr_assert_eq(((uint8_t *)&from)[4], 0xaa, "wrote past the caller's length");
}

/* ---- packet sockets ---- */

static size_t arp_frame(uint8_t *f, const uint8_t *dst)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	memcpy(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8); /* request */
	return 60;
}

static const uint8_t bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

Test(packet, an_eth_p_all_socket_sees_every_frame_and_an_arp_socket_only_arp)
{
	struct xs_stack_sock *all = packet_sock(SOCK_RAW, ETH_P_ALL);
	struct xs_stack_sock *arp = packet_sock(SOCK_RAW, ETH_P_ARP);
	uint8_t f[FRAME_MAX], buf[FRAME_MAX];
	size_t n = arp_frame(f, bcast_mac);

	cr_assert_eq(feed(f, n, NULL), 1);
	cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, "udp"), 1);
	cr_assert_eq(recv_buf(all, buf, sizeof(buf), NULL, NULL, 0, NULL), 60);
	cr_assert_eq(recv_buf(all, buf, sizeof(buf), NULL, NULL, 0, NULL), 42 + 3);
	cr_assert_eq(recv_buf(arp, buf, sizeof(buf), NULL, NULL, 0, NULL), 60);
	expect_empty(arp);
	cr_assert_eq(counters().rx_unhandled, 0, "a frame a packet socket took is handled");
	cr_assert_eq(counters().rx_no_socket, 1, "IP still counts its own refusals");
}

Test(packet, sock_raw_gets_the_whole_frame_and_sock_dgram_what_follows_ethernet)
{
	struct xs_stack_sock *raw = packet_sock(SOCK_RAW, ETH_P_IP);
	struct xs_stack_sock *dgram = packet_sock(SOCK_DGRAM, ETH_P_IP);
	uint8_t f[FRAME_MAX], g[FRAME_MAX], buf[FRAME_MAX];
	size_t n = udp_frame(f, "198.18.0.1", 1, "198.18.0.2", 7, "abc", 3);

	feed(f, n, NULL);
	cr_assert_eq(recv_buf(raw, buf, sizeof(buf), NULL, NULL, 0, NULL), (ssize_t)n);
	cr_assert_arr_eq(buf, f, n);
	cr_assert_eq(recv_buf(dgram, buf, sizeof(buf), NULL, NULL, 0, NULL), (ssize_t)n - 14);
	cr_assert_arr_eq(buf, f + 14, n - 14);
	/* Tagged: SOCK_DGRAM starts after the tag too. */
	memcpy(g, f, 12);
	memcpy(g + 12, "\x81\x00\x00\x2a", 4);
	memcpy(g + 16, f + 12, n - 12);
	feed(g, n + 4, NULL);
	cr_assert_eq(recv_buf(raw, buf, sizeof(buf), NULL, NULL, 0, NULL), (ssize_t)n + 4);
	cr_assert_eq(recv_buf(dgram, buf, sizeof(buf), NULL, NULL, 0, NULL), (ssize_t)n - 14);
	cr_assert_arr_eq(buf, f + 14, n - 14);
}

static struct sockaddr_ll recv_ll(struct xs_stack_sock *ss)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	struct sockaddr_ll sll;
	uint8_t buf[FRAME_MAX];

	cr_assert_gt(recv_buf(ss, buf, sizeof(buf), &from, &fromlen, 0, NULL), 0);
	cr_assert_eq(fromlen, sizeof(struct sockaddr_ll));
	memcpy(&sll, &from, sizeof(sll));
	return sll;
}

Test(packet, the_source_is_a_sockaddr_ll_with_the_senders_mac)
{
	struct xs_stack_sock *ss = packet_sock(SOCK_DGRAM, ETH_P_ALL);
	uint8_t f[FRAME_MAX];
	struct sockaddr_ll sll;

	feed(f, arp_frame(f, bcast_mac), NULL);
	sll = recv_ll(ss);
	cr_assert_eq(sll.sll_family, AF_PACKET);
	cr_assert_eq(sll.sll_protocol, htons(ETH_P_ARP));
	cr_assert_eq(sll.sll_ifindex, PORT_IFINDEX);
	cr_assert_eq(sll.sll_hatype, ARPHRD_ETHER);
	cr_assert_eq(sll.sll_halen, 6);
	cr_assert_arr_eq(sll.sll_addr, peer_mac, 6);
	cr_assert_eq(sll.sll_addr[6], 0);
	cr_assert_eq(sll.sll_addr[7], 0);
}

Test(packet, pkttype_says_host_broadcast_multicast_or_otherhost)
{
	static const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static const uint8_t other[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x99};
	struct xs_stack_sock *ss = packet_sock(SOCK_RAW, ETH_P_ARP);
	uint8_t f[FRAME_MAX];

	feed(f, arp_frame(f, our_mac), NULL);
	feed(f, arp_frame(f, bcast_mac), NULL);
	feed(f, arp_frame(f, mcast), NULL);
	feed(f, arp_frame(f, other), NULL);
	cr_assert_eq(recv_ll(ss).sll_pkttype, PACKET_HOST);
	cr_assert_eq(recv_ll(ss).sll_pkttype, PACKET_BROADCAST);
	cr_assert_eq(recv_ll(ss).sll_pkttype, PACKET_MULTICAST);
	cr_assert_eq(recv_ll(ss).sll_pkttype, PACKET_OTHERHOST);
}

Test(packet, a_udp_frame_goes_to_the_packet_socket_and_the_udp_socket)
{
	struct xs_stack_sock *all = packet_sock(SOCK_RAW, ETH_P_ALL);
	struct xs_stack_sock *udp = udp_sock("198.18.0.2", 7);
	uint8_t buf[FRAME_MAX];

	cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, "both"), 1, "one frame");
	cr_assert_eq(counters().rx_delivered, 2, "two copies");
	cr_assert_gt(recv_buf(all, buf, sizeof(buf), NULL, NULL, 0, NULL), 0);
	expect_datagram(udp, "both");
}

Test(packet, a_malformed_ip_frame_is_captured_and_still_counted_malformed)
{
	struct xs_stack_sock *all = packet_sock(SOCK_RAW, ETH_P_ALL);
	uint8_t f[FRAME_MAX], buf[FRAME_MAX];
	size_t n = udp_frame(f, "198.18.0.1", 1, "198.18.0.2", 7, "x", 1);

	f[14] = 0x44;
	cr_assert_eq(feed(f, n, NULL), 1);
	cr_assert_eq(counters().rx_malformed, 1);
	cr_assert_eq(recv_buf(all, buf, sizeof(buf), NULL, NULL, 0, NULL), (ssize_t)n);
}

Test(packet, a_runt_frame_reaches_no_packet_socket)
{
	struct xs_stack_sock *all = packet_sock(SOCK_RAW, ETH_P_ALL);
	uint8_t f[13] = {0};

	cr_assert_eq(feed(f, sizeof(f), NULL), 0);
	cr_assert_eq(counters().rx_malformed, 1);
	expect_empty(all);
}

Test(packet, ethertype_zero_receives_nothing)
{
	struct xs_stack_sock *ss = packet_sock(SOCK_RAW, 0);
	uint8_t f[FRAME_MAX];

	cr_assert_eq(feed(f, arp_frame(f, bcast_mac), NULL), 0);
	expect_empty(ss);
}

/* ---- the queue ---- */

static struct xs_stack_sock *small_udp_sock(size_t rcvbuf)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);

	cr_assert_eq(xs_stack_sock_set_rcvbuf(ss, rcvbuf), 0);
	return ss;
}

Test(queue, an_empty_queue_is_eagain)
{
	expect_empty(udp_sock("198.18.0.2", 7));
}

Test(queue, the_default_rcvbuf_is_the_kernels_rmem_default)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	unsigned long want = 212992;
	FILE *f = fopen("/proc/sys/net/core/rmem_default", "r");

	if (f) {
		cr_assert_eq(fscanf(f, "%lu", &want), 1);
		fclose(f);
	}
	cr_assert_eq(xs_stack_sock_rcvbuf(ss), want);
}

Test(queue, a_full_queue_drops_counts_and_keeps_what_it_holds)
{
	struct xs_stack_sock *ss = small_udp_sock(1000);
	struct xs_stack_sock_counters sc;
	char text[16];
	unsigned taken = 0;

	/* Each record is 32 bytes of header + 8 of payload: the kernel's rule
	 * takes them while 1000 bytes are not exceeded, 26 of them. */
	for (int i = 0; i < 40; i++) {
		snprintf(text, sizeof(text), "dgram%03d", i);
		taken += send_udp("198.18.0.1", 1, "198.18.0.2", 7, text);
	}
	cr_assert_eq(taken, 26);
	cr_assert_eq(counters().rx_queue_full, 14);
	xs_stack_sock_counters(ss, &sc);
	cr_assert_eq(sc.rx_dropped, 14);
	cr_assert_eq(sc.rx_packets, 26);
	cr_assert_eq(sc.rx_bytes, 26 * 8);
	for (unsigned i = 0; i < taken; i++) {
		snprintf(text, sizeof(text), "dgram%03u", i);
		expect_datagram(ss, text);
	}
	expect_empty(ss);
	cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, "room again"), 1);
}

Test(queue, an_empty_queue_takes_a_datagram_larger_than_rcvbuf_as_linux_does)
{
	struct xs_stack_sock *ss = small_udp_sock(256);
	static char big[1400], buf[1400];

	memset(big, 'b', sizeof(big) - 1);
	cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, big), 1);
	cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, "more"), 0);
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), NULL, NULL, 0, NULL), 1399);
	cr_assert_arr_eq(buf, big, 1399);
}

Test(queue, resizing_keeps_the_queued_datagrams_in_order)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	char text[16];

	for (int i = 0; i < 50; i++) {
		snprintf(text, sizeof(text), "d%d", i);
		cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, text), 1);
	}
	expect_datagram(ss, "d0");
	cr_assert_eq(xs_stack_sock_set_rcvbuf(ss, 100), 0, "shrink below what is queued");
	cr_assert_eq(xs_stack_sock_rcvbuf(ss), 100);
	cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, "over"), 0);
	expect_datagram(ss, "d1");
	cr_assert_eq(xs_stack_sock_set_rcvbuf(ss, 1 << 20), 0, "grow");
	cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, "d50"), 1);
	for (int i = 2; i <= 50; i++) {
		snprintf(text, sizeof(text), "d%d", i);
		expect_datagram(ss, text);
	}
	expect_empty(ss);
}

Test(queue, records_that_wrap_around_the_ring_arrive_intact)
{
	struct xs_stack_sock *ss = small_udp_sock(300);
	char text[200], buf[256];

	/* Odd sizes through a ring of 300 + slack bytes, many laps. */
	for (int i = 0; i < 3000; i++) {
		int len = (i * 37) % 150;

		for (int j = 0; j < len; j++)
			text[j] = (char)('a' + (i + j) % 26);
		text[len] = '\0';
		cr_assert_eq(send_udp("198.18.0.1", 1, "198.18.0.2", 7, text), 1);
		cr_assert_eq(recv_buf(ss, buf, sizeof(buf), NULL, NULL, 0, NULL), len);
		cr_assert_arr_eq(buf, text, (size_t)len, "datagram %d", i);
	}
}

Test(queue, msg_peek_leaves_the_datagram_queued)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	char buf[16];

	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "first");
	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "second");
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), NULL, NULL, MSG_PEEK, NULL), 5);
	cr_assert_eq(xs_stack_sock_peek_len(ss), 5);
	expect_datagram(ss, "first");
	cr_assert_eq(xs_stack_sock_peek_len(ss), 6);
	expect_datagram(ss, "second");
	cr_assert_eq(xs_stack_sock_peek_len(ss), -EAGAIN);
}

Test(queue, a_short_buffer_truncates_and_sets_msg_trunc_and_drops_the_rest)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	char buf[16];
	int mflags = 0;

	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "0123456789");
	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "next");
	cr_assert_eq(recv_buf(ss, buf, 4, NULL, NULL, 0, &mflags), 4);
	cr_assert_eq(mflags, MSG_TRUNC);
	cr_assert_arr_eq(buf, "0123", 4);
	mflags = 0;
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), NULL, NULL, 0, &mflags), 4);
	cr_assert_eq(mflags, 0);
}

Test(queue, the_msg_trunc_flag_returns_the_real_length)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	char buf[16];
	int mflags = 0;

	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "0123456789");
	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "abc");
	cr_assert_eq(recv_buf(ss, buf, 4, NULL, NULL, MSG_TRUNC | MSG_PEEK, &mflags), 10);
	cr_assert_eq(mflags, MSG_TRUNC);
	cr_assert_eq(recv_buf(ss, NULL, 0, NULL, NULL, MSG_TRUNC, NULL), 10);
	mflags = 0;
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), NULL, NULL, MSG_TRUNC, &mflags), 3);
	cr_assert_eq(mflags, 0);
}

Test(queue, a_zero_length_datagram_is_received_as_zero_bytes_with_its_source)
{
	struct xs_stack_sock *ss = udp_sock("::", 7);
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char buf[16];

	cr_assert_eq(send_udp("2001:2::1", 4242, "2001:2::2", 7, ""), 1);
	cr_assert(xs_stack_sock_readable(ss));
	cr_assert_eq(xs_stack_sock_peek_len(ss), 0);
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), &from, &fromlen, 0, NULL), 0);
	cr_assert_eq(ntohs(((struct sockaddr_in6 *)&from)->sin6_port), 4242);
	cr_assert_not(xs_stack_sock_readable(ss));
	expect_empty(ss);
}

Test(queue, a_datagram_scatters_over_the_iovec)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	char a[3], b[1], c[10];
	struct iovec iov[4] = {{a, 3}, {NULL, 0}, {b, 1}, {c, 10}};

	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "abcdefg");
	cr_assert_eq(xs_stack_sock_recv(ss, iov, 4, NULL, NULL, 0, NULL), 7);
	cr_assert_arr_eq(a, "abc", 3);
	cr_assert_arr_eq(b, "d", 1);
	cr_assert_arr_eq(c, "efg", 3);
}

Test(queue, a_packet_socket_stops_at_its_limit)
{
	struct xs_stack_sock *ss = packet_sock(SOCK_RAW, ETH_P_ARP);
	uint8_t f[FRAME_MAX];
	unsigned taken = 0;

	/* A 60-byte frame is a 96-byte record: under 200 bytes, 3 of them
	 * (packet_rcv() drops at the limit, UDP only beyond it). */
	cr_assert_eq(xs_stack_sock_set_rcvbuf(ss, 192), 0);
	for (int i = 0; i < 5; i++)
		taken += feed(f, arp_frame(f, bcast_mac), NULL);
	cr_assert_eq(taken, 2);
	cr_assert_eq(counters().rx_queue_full, 3);
}

/* ---- readiness ---- */

Test(readiness, the_eventfd_is_readable_exactly_while_data_is_queued)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);

	cr_assert_not(eventfd_readable(ss));
	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "one");
	cr_assert(eventfd_readable(ss));
	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "two");
	cr_assert(eventfd_readable(ss));
	expect_datagram(ss, "one");
	cr_assert(eventfd_readable(ss), "one datagram still queued");
	expect_datagram(ss, "two");
	cr_assert_not(eventfd_readable(ss));
	cr_assert_not(xs_stack_sock_readable(ss));
	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "three");
	cr_assert(eventfd_readable(ss), "the next edge signals again");
}

Test(readiness, a_peek_keeps_the_eventfd_readable)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	char buf[8];

	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "one");
	cr_assert_eq(recv_buf(ss, buf, sizeof(buf), NULL, NULL, MSG_PEEK, NULL), 3);
	cr_assert(eventfd_readable(ss));
}

static unsigned feed_self(struct xs_stack_sock *self, const char *text)
{
	uint8_t f[FRAME_MAX];
	size_t n = udp_frame(f, "198.18.0.1", 1, "198.18.0.2", 7, text, strlen(text));

	return feed(f, n, self);
}

Test(readiness, run_to_completion_never_writes_the_eventfd)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);

	for (int i = 0; i < 100; i++) {
		cr_assert_eq(feed_self(ss, "ping"), 1);
		cr_assert(xs_stack_sock_readable(ss));
		cr_assert_not(eventfd_readable(ss), "written for self");
		expect_datagram(ss, "ping");
		cr_assert_not(eventfd_readable(ss));
	}
}

Test(readiness, a_self_reader_that_leaves_data_queued_signals_the_others)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);

	feed_self(ss, "one");
	feed_self(ss, "two");
	cr_assert_not(eventfd_readable(ss));
	expect_datagram(ss, "one");
	cr_assert(eventfd_readable(ss), "data left and nobody told");
	expect_datagram(ss, "two");
	cr_assert_not(eventfd_readable(ss));
}

Test(readiness, input_for_another_socket_signals_it_even_with_a_self)
{
	struct xs_stack_sock *self = udp_sock("198.18.0.2", 7);
	struct xs_stack_sock *other = udp_sock("198.18.0.2", 8);
	uint8_t f[FRAME_MAX];
	size_t n = udp_frame(f, "198.18.0.1", 1, "198.18.0.2", 8, "x", 1);

	cr_assert_eq(feed(f, n, self), 1);
	cr_assert(eventfd_readable(other));
	cr_assert_not(eventfd_readable(self));
}

Test(readiness, a_spurious_count_on_the_eventfd_is_drained_with_the_next_datagram)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	uint64_t one = 1;

	cr_assert_eq(write(xs_stack_sock_eventfd(ss), &one, sizeof(one)), 8);
	send_udp("198.18.0.1", 1, "198.18.0.2", 7, "x");
	expect_datagram(ss, "x");
	cr_assert_not(eventfd_readable(ss));
}

/* ---- one producer thread, one reader thread ---- */

#define NDGRAMS	  200000
#define IN_FLIGHT 512
#define BURST	  32

static _Atomic unsigned received;

static size_t seq_payload(uint8_t *buf, unsigned seq)
{
	size_t len = seq % 97; /* 0 .. 96 bytes, the first 4 the sequence */

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(seq * 31 + i);
	if (len >= 4)
		memcpy(buf, &seq, 4);
	return len;
}

static void *producer(void *arg)
{
	static uint8_t frames[BURST][256];
	struct xs_frame burst[BURST];
	uint8_t payload[128];
	unsigned seq = 0;

	(void)arg;
	while (seq < NDGRAMS) {
		unsigned n = 0;

		while (seq - atomic_load(&received) > IN_FLIGHT - BURST)
			sched_yield();
		for (; n < BURST && seq < NDGRAMS; n++, seq++) {
			size_t len = seq_payload(payload, seq);
			size_t flen = udp_frame(frames[n], "198.18.0.1", 1, "198.18.0.2", 7,
						payload, len);

			burst[n] = (struct xs_frame){frames[n], (uint32_t)flen};
		}
		xs_stack_lock(st);
		xs_stack_input(st, burst, n, NULL);
		xs_stack_unlock(st);
	}
	return NULL;
}

/* The reader polls the eventfd before every recv, as a program using
 * poll() would: a queue holding data behind an eventfd that is not
 * readable stalls it at once, and the poll timeout turns that into a
 * failure instead of a hang. */
Test(threads, two_hundred_thousand_datagrams_arrive_in_order_and_intact)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	struct pollfd pfd = {.fd = xs_stack_sock_eventfd(ss), .events = POLLIN};
	uint8_t buf[256], want[128];
	unsigned spurious = 0;
	pthread_t tid;

	cr_assert_eq(xs_stack_sock_set_rcvbuf(ss, 1 << 20), 0);
	atomic_store(&received, 0);
	cr_assert_eq(pthread_create(&tid, NULL, producer, NULL), 0);
	for (unsigned seq = 0; seq < NDGRAMS;) {
		cr_assert_eq(poll(&pfd, 1, 5000), 1, "no wakeup at datagram %u", seq);
		ssize_t n = recv_buf(ss, buf, sizeof(buf), NULL, NULL, 0, NULL);

		if (n == -EAGAIN) {
			spurious++;
			continue;
		}
		size_t len = seq_payload(want, seq);

		cr_assert_eq(n, (ssize_t)len, "datagram %u: %zd bytes, want %zu", seq, n, len);
		cr_assert_arr_eq(buf, want, len, "datagram %u differs", seq);
		atomic_store(&received, ++seq);
	}
	pthread_join(tid, NULL);
	cr_assert_eq(counters().rx_queue_full, 0);
	cr_assert_eq(counters().rx_delivered, NDGRAMS);
	cr_assert_not(eventfd_readable(ss));
	cr_log_info("%u spurious wakeups for %u datagrams", spurious, NDGRAMS);
}
