/*
 * test_stack.c — lib/stack's checksums, parsers and frame builder, and how
 * xs_stack_input counts every kind of frame it refuses. Known answers come
 * from RFC 1071 and from frames the Linux kernel sent over a veth (captured
 * with a packet socket, checksum offload off); round trips build a frame
 * with xs_udp_build and parse it back.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <linux/if_ether.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* 198.18.0.1:40000 -> 198.18.0.2:7 "hello xsocket", sent by Linux 6.x */
static const uint8_t linux_ipv4_frame[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x29, 0x48, 0x01, 0x40, 0x00, 0x40, 0x11, 0x66, 0x9b, 0xc6, 0x12,
	0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x07, 0x00, 0x15, 0xcc, 0x25,
	0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x78, 0x73, 0x6f, 0x63, 0x6b, 0x65, 0x74,
};

/* [2001:2::1]:40000 -> [2001:2::2]:7 "hello xsocket", sent by Linux 6.x */
static const uint8_t linux_ipv6_frame[] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0xdd, 0x60,
	0x00, 0x85, 0xe0, 0x00, 0x15, 0x11, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x07, 0x00, 0x15,
	0x18, 0x45, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x20, 0x78, 0x73, 0x6f, 0x63, 0x6b, 0x65, 0x74,
};

static enum xs_pkt_verdict parse_all(struct xs_pkt *p, const uint8_t *frame, size_t len)
{
	enum xs_pkt_verdict v = xs_parse_eth(p, frame, (uint32_t)len);

	if (v != XS_PKT_OK)
		return v;
	if (p->ethertype == ETH_P_IP)
		v = xs_parse_ipv4(p);
	else if (p->ethertype == ETH_P_IPV6)
		v = xs_parse_ipv6(p);
	else
		return XS_PKT_UNHANDLED;
	return v == XS_PKT_OK ? xs_parse_udp(p) : v;
}

static void assert_addr(const struct in6_addr *a, const char *text)
{
	struct in6_addr want = addr_of(text);

	cr_assert(memcmp(a, &want, sizeof(want)) == 0, "address is not %s", text);
}

/* The one's-complement sum the slow, obvious way (RFC 1071 4.1). */
static uint16_t reference_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- checksums ---- */

Test(csum, the_rfc_1071_example_sums_to_ddf2)
{
	static const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};

	cr_assert_eq(ntohs(xs_csum_fold(xs_csum_add(0, bytes, sizeof(bytes)))), 0xffff - 0xddf2);
}

Test(csum, an_odd_length_pads_the_last_byte_with_zero)
{
	static const uint8_t bytes[] = {0x01, 0x02, 0x03};

	cr_assert_eq(ntohs(xs_csum_fold(xs_csum_add(0, bytes, 3))), (uint16_t)~0x0402);
}

Test(csum, sums_of_every_length_and_alignment_match_the_reference)
{
	uint8_t buf[1600 + 8];

	srand(1071);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t align = 0; align < 8; align++) {
		for (size_t len = 0; len <= 1600; len += len < 80 ? 1 : 97) {
			uint16_t got = ntohs(xs_csum_fold(xs_csum_add(0, buf + align, len)));

			cr_assert_eq(got, reference_csum(buf + align, len), "len %zu align %zu",
				     len, align);
		}
	}
}

Test(csum, a_sum_split_at_even_offsets_equals_the_whole)
{
	uint8_t buf[300];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint32_t part =
		xs_csum_add(xs_csum_add(xs_csum_add(0, buf, 14), buf + 14, 100), buf + 114, 186);
	cr_assert_eq(xs_csum_fold(part), xs_csum_fold(xs_csum_add(0, buf, 300)));
}

Test(csum, all_ones_data_folds_to_zero)
{
	uint8_t buf[1500];

	memset(buf, 0xff, sizeof(buf));
	cr_assert_eq(xs_csum_fold(xs_csum_add(0, buf, sizeof(buf))), 0);
}

Test(csum, the_checksums_of_a_frame_linux_sent_verify_and_recompute)
{
	uint8_t f[sizeof(linux_ipv4_frame)];
	struct in6_addr src = addr_of("198.18.0.1"), dst = addr_of("198.18.0.2");

	memcpy(f, linux_ipv4_frame, sizeof(f));
	cr_assert_eq(xs_csum_fold(xs_csum_add(0, f + 14, 20)), 0);
	f[40] = f[41] = 0;
	cr_assert_eq(ntohs(xs_udp_csum(AF_INET, &src, &dst, f + 34, 21)), 0xcc25);
}

Test(csum, the_udp_checksum_of_an_ipv6_frame_linux_sent_recomputes)
{
	uint8_t f[sizeof(linux_ipv6_frame)];
	struct in6_addr src = addr_of("2001:2::1"), dst = addr_of("2001:2::2");

	memcpy(f, linux_ipv6_frame, sizeof(f));
	f[60] = f[61] = 0;
	cr_assert_eq(ntohs(xs_udp_csum(AF_INET6, &src, &dst, f + 54, 21)), 0x1845);
}

/* ---- parsers on frames Linux sent ---- */

Test(parse, an_ipv4_frame_linux_sent_parses_with_its_addresses_ports_and_payload)
{
	struct xs_pkt p;

	cr_assert_eq(parse_all(&p, linux_ipv4_frame, sizeof(linux_ipv4_frame)), XS_PKT_OK);
	cr_assert_eq(p.ethertype, ETH_P_IP);
	cr_assert_eq(p.l3_off, 14);
	cr_assert_eq(p.family, AF_INET);
	cr_assert_eq(p.ip_proto, IPPROTO_UDP);
	cr_assert_eq(p.l4_off, 34);
	cr_assert_eq(p.l4_len, 21);
	assert_addr(&p.src, "198.18.0.1");
	assert_addr(&p.dst, "198.18.0.2");
	cr_assert_eq(p.sport, 40000);
	cr_assert_eq(p.dport, 7);
	cr_assert_eq(p.payload_len, 13);
	cr_assert_arr_eq(p.payload, "hello xsocket", 13);
	cr_assert_arr_eq(p.src_mac, peer_mac, 6);
	cr_assert_arr_eq(p.dst_mac, our_mac, 6);
}

Test(parse, an_ipv6_frame_linux_sent_parses_with_its_addresses_ports_and_payload)
{
	struct xs_pkt p;

	cr_assert_eq(parse_all(&p, linux_ipv6_frame, sizeof(linux_ipv6_frame)), XS_PKT_OK);
	cr_assert_eq(p.ethertype, ETH_P_IPV6);
	cr_assert_eq(p.family, AF_INET6);
	cr_assert_eq(p.l4_off, 54);
	cr_assert_eq(p.l4_len, 21);
	assert_addr(&p.src, "2001:2::1");
	assert_addr(&p.dst, "2001:2::2");
	cr_assert_eq(p.sport, 40000);
	cr_assert_eq(p.dport, 7);
	cr_assert_arr_eq(p.payload, "hello xsocket", 13);
}

Test(parse, ethernet_padding_after_the_ip_packet_is_ignored)
{
	uint8_t f[60] = {0};
	struct xs_pkt p;

	memcpy(f, linux_ipv4_frame, sizeof(linux_ipv4_frame));
	memset(f + sizeof(linux_ipv4_frame), 0xee, sizeof(f) - sizeof(linux_ipv4_frame));
	cr_assert_eq(parse_all(&p, f, sizeof(f)), XS_PKT_OK);
	cr_assert_eq(p.l4_len, 21);
	cr_assert_eq(p.payload_len, 13);
}

Test(parse, one_vlan_tag_is_skipped)
{
	uint8_t f[FRAME_MAX];
	size_t n = sizeof(linux_ipv4_frame);
	struct xs_pkt p;

	memcpy(f, linux_ipv4_frame, 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x2a; /* VLAN 42 */
	memcpy(f + 16, linux_ipv4_frame + 12, n - 12);
	cr_assert_eq(parse_all(&p, f, n + 4), XS_PKT_OK);
	cr_assert_eq(p.l3_off, 18);
	cr_assert_eq(p.ethertype, ETH_P_IP);
	cr_assert_arr_eq(p.payload, "hello xsocket", 13);
}

Test(parse, an_802_3_length_field_reads_as_llc_or_raw_802_3)
{
	uint8_t f[60] = {0};
	struct xs_pkt p;

	f[12] = 0x00, f[13] = 0x2e, f[14] = 0x42, f[15] = 0x42; /* LLC, STP's SAPs */
	cr_assert_eq(xs_parse_eth(&p, f, sizeof(f)), XS_PKT_OK);
	cr_assert_eq(p.ethertype, ETH_P_802_2);
	f[14] = 0xff, f[15] = 0xff;
	cr_assert_eq(xs_parse_eth(&p, f, sizeof(f)), XS_PKT_OK);
	cr_assert_eq(p.ethertype, ETH_P_802_3);
}

Test(parse, a_udp_length_below_the_ip_length_trims_the_payload_as_linux_does)
{
	uint8_t f[FRAME_MAX];
	size_t n = udp_frame(f, "198.18.0.1", 9, "198.18.0.2", 7, "abcdef", 6);
	struct xs_pkt p;

	f[34 + 5] = 8 + 4; /* UDP length: 4 of the 6 bytes */
	fix_udp_csum(f, AF_INET, 14, 34);
	cr_assert_eq(parse_all(&p, f, n), XS_PKT_OK);
	cr_assert_eq(p.payload_len, 4);
}

Test(parse, an_ipv6_udp_length_of_zero_means_the_ip_payload)
{
	uint8_t f[FRAME_MAX];
	size_t n = udp_frame(f, "2001:2::1", 9, "2001:2::2", 7, "abcdef", 6);
	struct in6_addr src = addr_of("2001:2::1"), dst = addr_of("2001:2::2");
	struct xs_pkt p;
	uint16_t c;

	f[54 + 4] = f[54 + 5] = 0;
	f[54 + 6] = f[54 + 7] = 0;
	c = xs_udp_csum(AF_INET6, &src, &dst, f + 54, 14);
	memcpy(f + 54 + 6, &c, 2);
	cr_assert_eq(parse_all(&p, f, n), XS_PKT_OK);
	cr_assert_eq(p.payload_len, 6);
}

/* ---- building ---- */

static ssize_t build(uint8_t *buf, size_t cap, const char *src, const char *dst,
		     const struct iovec *iov, int iovcnt, uint8_t ttl, uint8_t tos)
{
	struct xs_udp_tx tx = {
		.family = family_of(src),
		.src = addr_of(src),
		.dst = addr_of(dst),
		.sport = 40000,
		.dport = 7,
		.ttl = ttl,
		.tos = tos,
		.iov = iov,
		.iovcnt = iovcnt,
	};

	memcpy(tx.src_mac, our_mac, 6);
	memcpy(tx.dst_mac, peer_mac, 6);
	return xs_udp_build(buf, cap, &tx);
}

Test(build, the_header_lengths_are_42_for_ipv4_and_62_for_ipv6)
{
	cr_assert_eq(xs_udp_header_len(AF_INET), 42);
	cr_assert_eq(xs_udp_header_len(AF_INET6), 62);
	cr_assert_eq(xs_udp_header_len(AF_PACKET), 0);
}

Test(build, a_udp_frame_built_for_ipv4_parses_back_with_the_same_addresses)
{
	uint8_t f[FRAME_MAX];
	struct iovec iov = {"hello xsocket", 13};
	ssize_t n = build(f, sizeof(f), "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0);
	struct xs_pkt p;

	cr_assert_eq(n, 42 + 13);
	cr_assert_eq(parse_all(&p, f, (size_t)n), XS_PKT_OK);
	assert_addr(&p.src, "198.18.0.2");
	assert_addr(&p.dst, "198.18.0.1");
	cr_assert_eq(p.sport, 40000);
	cr_assert_eq(p.dport, 7);
	cr_assert_arr_eq(p.payload, "hello xsocket", 13);
	cr_assert_arr_eq(p.dst_mac, peer_mac, 6);
	cr_assert_arr_eq(p.src_mac, our_mac, 6);
}

Test(build, an_ipv4_header_has_no_options_df_clear_ttl_64_and_a_fresh_id)
{
	uint8_t f[FRAME_MAX], g[FRAME_MAX];
	struct iovec iov = {"x", 1};

	cr_assert_gt(build(f, sizeof(f), "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0x10), 0);
	cr_assert_gt(build(g, sizeof(g), "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0), 0);
	cr_assert_eq(f[14], 0x45);
	cr_assert_eq(f[15], 0x10, "TOS");
	cr_assert_eq(f[20] & 0xff, 0, "flags and offset: DF, MF clear");
	cr_assert_eq(f[21], 0);
	cr_assert_eq(f[22], 64, "TTL");
	cr_assert_eq(f[23], IPPROTO_UDP);
	cr_assert_neq(memcmp(f + 18, g + 18, 2), 0, "two datagrams share an IP ID");
	cr_assert_eq(xs_csum_fold(xs_csum_add(0, f + 14, 20)), 0);
}

Test(build, an_ipv6_header_carries_the_hop_limit_and_traffic_class)
{
	uint8_t f[FRAME_MAX];
	struct iovec iov = {"x", 1};

	cr_assert_gt(build(f, sizeof(f), "2001:2::2", "2001:2::1", &iov, 1, 5, 0xb8), 0);
	cr_assert_eq(f[12], 0x86);
	cr_assert_eq(f[13], 0xdd);
	cr_assert_eq(f[14], 0x6b, "version 6, traffic class high nibble");
	cr_assert_eq(f[15] & 0xf0, 0x80, "traffic class low nibble");
	cr_assert_eq(f[18], 0);
	cr_assert_eq(f[19], 9, "payload length");
	cr_assert_eq(f[20], IPPROTO_UDP);
	cr_assert_eq(f[21], 5, "hop limit");
}

Test(build, a_udp_frame_built_for_ipv6_parses_back_with_the_same_addresses)
{
	uint8_t f[FRAME_MAX];
	struct iovec iov = {"hello xsocket", 13};
	ssize_t n = build(f, sizeof(f), "2001:2::2", "2001:2::1", &iov, 1, 0, 0);
	struct xs_pkt p;

	cr_assert_eq(n, 62 + 13);
	cr_assert_eq(parse_all(&p, f, (size_t)n), XS_PKT_OK);
	assert_addr(&p.src, "2001:2::2");
	assert_addr(&p.dst, "2001:2::1");
	cr_assert_eq(f[21], 64, "default hop limit");
	cr_assert_arr_eq(p.payload, "hello xsocket", 13);
}

Test(build, zero_length_datagrams_build_and_parse_in_both_families)
{
	uint8_t f[FRAME_MAX];
	struct xs_pkt p;
	ssize_t n;

	n = build(f, sizeof(f), "198.18.0.2", "198.18.0.1", NULL, 0, 0, 0);
	cr_assert_eq(n, 42);
	cr_assert_eq(parse_all(&p, f, (size_t)n), XS_PKT_OK);
	cr_assert_eq(p.payload_len, 0);
	n = build(f, sizeof(f), "2001:2::2", "2001:2::1", NULL, 0, 0, 0);
	cr_assert_eq(n, 62);
	cr_assert_eq(parse_all(&p, f, (size_t)n), XS_PKT_OK);
	cr_assert_eq(p.payload_len, 0);
}

Test(build, the_payload_is_gathered_from_every_iovec_entry)
{
	uint8_t f[FRAME_MAX];
	struct iovec iov[4] = {{"abc", 3}, {NULL, 0}, {"defgh", 5}, {"i", 1}};
	struct xs_pkt p;

	for (int fam = 0; fam < 2; fam++) {
		const char *src = fam ? "2001:2::2" : "198.18.0.2";
		const char *dst = fam ? "2001:2::1" : "198.18.0.1";
		ssize_t n = build(f, sizeof(f), src, dst, iov, 4, 0, 0);

		cr_assert_eq(n, (ssize_t)xs_udp_header_len(family_of(src)) + 9);
		cr_assert_eq(parse_all(&p, f, (size_t)n), XS_PKT_OK, "checksum over odd pieces");
		cr_assert_eq(p.payload_len, 9);
		cr_assert_arr_eq(p.payload, "abcdefghi", 9);
	}
}

Test(build, a_frame_that_does_not_fit_is_emsgsize_and_a_full_fit_is_not)
{
	uint8_t f[FRAME_MAX];
	struct iovec iov = {"0123456789", 10};

	cr_assert_eq(build(f, 51, "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0), -EMSGSIZE);
	cr_assert_eq(build(f, 52, "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0), 52);
	cr_assert_eq(build(f, 71, "2001:2::2", "2001:2::1", &iov, 1, 0, 0), -EMSGSIZE);
}

Test(build, a_payload_larger_than_ip_can_carry_is_emsgsize)
{
	static uint8_t big[65536 + 100], payload[65536];
	struct iovec iov = {payload, 65508};

	cr_assert_eq(build(big, sizeof(big), "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0), -EMSGSIZE);
	iov.iov_len = 65507;
	cr_assert_eq(build(big, sizeof(big), "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0),
		     42 + 65507);
	iov.iov_len = 65528;
	cr_assert_eq(build(big, sizeof(big), "2001:2::2", "2001:2::1", &iov, 1, 0, 0), -EMSGSIZE);
	iov.iov_len = 65527;
	cr_assert_eq(build(big, sizeof(big), "2001:2::2", "2001:2::1", &iov, 1, 0, 0), 62 + 65527);
}

Test(build, a_checksum_that_computes_to_zero_is_sent_as_ffff)
{
	uint8_t f[FRAME_MAX], payload[2] = {0, 0};
	struct iovec iov = {payload, 2};
	struct xs_pkt p;

	cr_assert_eq(build(f, sizeof(f), "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0), 44);
	/* Adding the checksum itself to the data makes the sum all ones. */
	memcpy(payload, f + 40, 2);
	cr_assert_eq(build(f, sizeof(f), "198.18.0.2", "198.18.0.1", &iov, 1, 0, 0), 44);
	cr_assert_eq(f[40], 0xff);
	cr_assert_eq(f[41], 0xff);
	cr_assert_eq(parse_all(&p, f, 44), XS_PKT_OK);
}

Test(build, an_unknown_family_or_a_negative_iovcnt_is_refused)
{
	uint8_t f[FRAME_MAX];
	struct xs_udp_tx tx = {.family = AF_UNIX};

	cr_assert_eq(xs_udp_build(f, sizeof(f), &tx), -EAFNOSUPPORT);
	tx.family = AF_INET;
	tx.iovcnt = -1;
	cr_assert_eq(xs_udp_build(f, sizeof(f), &tx), -EINVAL);
}

/* ---- what xs_stack_input counts ---- */

TestSuite(input, .init = stack_setup, .fini = stack_teardown);

/* Feed the frame; exactly one counter besides rx_frames moves. */
#define expect_counted(frame, len, field)                                                          \
	do {                                                                                       \
		struct xs_stack_counters before_ = counters(), after_;                             \
		cr_assert_eq(feed(frame, len, NULL), 0);                                           \
		after_ = counters();                                                               \
		cr_assert_eq(after_.rx_frames, before_.rx_frames + 1);                             \
		cr_assert_eq(after_.field, before_.field + 1, #field " did not count");            \
		cr_assert_eq(after_.rx_malformed + after_.rx_bad_csum + after_.rx_unhandled +      \
				     after_.rx_no_socket + after_.rx_delivered,                    \
			     before_.rx_malformed + before_.rx_bad_csum + before_.rx_unhandled +   \
				     before_.rx_no_socket + before_.rx_delivered + 1,              \
			     "another counter moved too");                                         \
	} while (0)

static size_t v4_frame(uint8_t *f)
{
	udp_sock("198.18.0.2", 7);
	return udp_frame(f, "198.18.0.1", 40000, "198.18.0.2", 7, "0123456789", 10);
}

static size_t v6_frame(uint8_t *f)
{
	udp_sock("2001:2::2", 7);
	return udp_frame(f, "2001:2::1", 40000, "2001:2::2", 7, "0123456789", 10);
}

Test(input, a_valid_datagram_counts_as_delivered)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);
	struct xs_stack_counters c;

	cr_assert_eq(feed(f, n, NULL), 1);
	c = counters();
	cr_assert_eq(c.rx_frames, 1);
	cr_assert_eq(c.rx_delivered, 1);
}

Test(input, a_frame_shorter_than_an_ethernet_header_is_malformed)
{
	uint8_t f[FRAME_MAX];

	v4_frame(f);
	expect_counted(f, 13, rx_malformed);
	expect_counted(f, 0, rx_malformed);
}

Test(input, a_vlan_tag_cut_short_is_malformed)
{
	uint8_t f[16] = {0};

	f[12] = 0x81;
	expect_counted(f, 16, rx_malformed);
}

Test(input, a_truncated_ipv4_header_is_malformed)
{
	uint8_t f[FRAME_MAX];

	v4_frame(f);
	expect_counted(f, 14 + 19, rx_malformed);
}

Test(input, an_ipv4_frame_with_another_version_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[14] = 0x65;
	fix_ipv4_csum(f, 14);
	expect_counted(f, n, rx_malformed);
}

Test(input, an_ipv4_header_length_below_five_words_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[14] = 0x44;
	expect_counted(f, n, rx_malformed);
}

Test(input, an_ipv4_header_longer_than_the_frame_is_malformed)
{
	uint8_t f[FRAME_MAX];

	v4_frame(f);
	f[14] = 0x4f; /* 60 bytes of header in a 34-byte frame */
	expect_counted(f, 34, rx_malformed);
}

Test(input, an_ipv4_total_length_beyond_the_frame_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[17] += 1;
	fix_ipv4_csum(f, 14);
	expect_counted(f, n, rx_malformed);
}

Test(input, an_ipv4_total_length_below_the_header_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[16] = 0, f[17] = 19;
	fix_ipv4_csum(f, 14);
	expect_counted(f, n, rx_malformed);
}

Test(input, a_wrong_ipv4_header_checksum_counts_as_bad_csum)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[24] ^= 0x01;
	expect_counted(f, n, rx_bad_csum);
}

Test(input, ipv4_options_are_unhandled)
{
	uint8_t f[FRAME_MAX], g[FRAME_MAX];
	size_t n = v4_frame(f);

	/* Insert 4 bytes of options (NOP NOP NOP EOL) after the header. */
	memcpy(g, f, 34);
	memcpy(g + 34, "\x01\x01\x01\x00", 4);
	memcpy(g + 38, f + 34, n - 34);
	g[14] = 0x46;
	g[17] += 4;
	fix_ipv4_csum(g, 14);
	expect_counted(g, n + 4, rx_unhandled);
}

Test(input, ipv4_fragments_are_unhandled)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[20] = 0x20; /* MF: the first fragment */
	fix_ipv4_csum(f, 14);
	expect_counted(f, n, rx_unhandled);
	f[20] = 0x00, f[21] = 0x01; /* offset 8: a later fragment */
	fix_ipv4_csum(f, 14);
	expect_counted(f, n, rx_unhandled);
	f[20] = 0x40, f[21] = 0x00; /* DF alone is not a fragment */
	fix_ipv4_csum(f, 14);
	cr_assert_eq(feed(f, n, NULL), 1);
}

Test(input, icmp_is_unhandled)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[23] = IPPROTO_ICMP;
	fix_ipv4_csum(f, 14);
	expect_counted(f, n, rx_unhandled);
}

Test(input, a_udp_header_cut_short_by_the_ip_length_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[16] = 0, f[17] = 20 + 4;
	fix_ipv4_csum(f, 14);
	expect_counted(f, n, rx_malformed);
}

Test(input, a_udp_length_beyond_the_ip_payload_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[39] += 1;
	expect_counted(f, n, rx_malformed);
}

Test(input, a_udp_length_below_its_header_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[38] = 0, f[39] = 7;
	expect_counted(f, n, rx_malformed);
}

Test(input, a_wrong_udp_checksum_counts_as_bad_csum_in_both_families)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[n - 1] ^= 0x40;
	expect_counted(f, n, rx_bad_csum);
	n = v6_frame(f);
	f[n - 1] ^= 0x40;
	expect_counted(f, n, rx_bad_csum);
}

Test(input, a_zero_ipv4_udp_checksum_means_none_and_is_delivered)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[40] = f[41] = 0;
	cr_assert_eq(feed(f, n, NULL), 1);
}

Test(input, a_zero_ipv6_udp_checksum_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v6_frame(f);

	f[60] = f[61] = 0;
	expect_counted(f, n, rx_malformed);
}

Test(input, a_truncated_ipv6_header_is_malformed)
{
	uint8_t f[FRAME_MAX];

	v6_frame(f);
	expect_counted(f, 14 + 39, rx_malformed);
}

Test(input, an_ipv6_frame_with_another_version_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v6_frame(f);

	f[14] = 0x40;
	expect_counted(f, n, rx_malformed);
}

Test(input, an_ipv6_payload_length_beyond_the_frame_is_malformed)
{
	uint8_t f[FRAME_MAX];
	size_t n = v6_frame(f);

	f[19] += 1;
	expect_counted(f, n, rx_malformed);
}

Test(input, an_ipv6_extension_header_is_unhandled)
{
	uint8_t f[FRAME_MAX], g[FRAME_MAX];
	size_t n = v6_frame(f);

	/* A hop-by-hop header (8 bytes, PadN) in front of UDP. */
	memcpy(g, f, 54);
	memcpy(g + 54, "\x11\x00\x01\x04\x00\x00\x00\x00", 8);
	memcpy(g + 62, f + 54, n - 54);
	g[20] = 0; /* next header: hop-by-hop */
	g[19] += 8;
	expect_counted(g, n + 8, rx_unhandled);
}

Test(input, icmpv6_is_unhandled)
{
	uint8_t f[FRAME_MAX];
	size_t n = v6_frame(f);

	f[20] = IPPROTO_ICMPV6;
	expect_counted(f, n, rx_unhandled);
}

Test(input, a_vlan_tagged_datagram_is_delivered_and_a_double_tagged_one_is_not)
{
	uint8_t f[FRAME_MAX], g[FRAME_MAX];
	size_t n = v4_frame(f);

	memcpy(g, f, 12);
	memcpy(g + 12, "\x81\x00\x00\x2a", 4);
	memcpy(g + 16, f + 12, n - 12);
	cr_assert_eq(feed(g, n + 4, NULL), 1);
	memcpy(g + 12, "\x81\x00\x00\x2a\x81\x00\x00\x2b", 8);
	memcpy(g + 20, f + 12, n - 12);
	expect_counted(g, n + 8, rx_unhandled);
}

Test(input, an_arp_frame_without_a_packet_socket_is_unhandled)
{
	uint8_t f[60] = {0};

	memset(f, 0xff, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	expect_counted(f, sizeof(f), rx_unhandled);
}

Test(input, a_datagram_for_another_hosts_mac_is_not_delivered)
{
	uint8_t f[FRAME_MAX];
	size_t n = v4_frame(f);

	f[5] = 0x99;
	expect_counted(f, n, rx_unhandled);
}

Test(input, a_datagram_to_a_port_nobody_bound_counts_as_no_socket)
{
	uint8_t f[FRAME_MAX];
	size_t n;

	v4_frame(f);
	n = udp_frame(f, "198.18.0.1", 40000, "198.18.0.2", 8, "x", 1);
	expect_counted(f, n, rx_no_socket);
	n = udp_frame(f, "2001:2::1", 40000, "2001:2::2", 7, "x", 1);
	expect_counted(f, n, rx_no_socket);
}

Test(input, a_burst_counts_every_frame_and_returns_the_delivered_ones)
{
	uint8_t a[FRAME_MAX], b[FRAME_MAX];
	struct xs_frame frames[3];
	size_t na = v4_frame(a), nb = udp_frame(b, "198.18.0.1", 1, "198.18.0.2", 9, "", 0);
	struct xs_stack_counters c;

	frames[0] = (struct xs_frame){a, (uint32_t)na};
	frames[1] = (struct xs_frame){b, (uint32_t)nb};
	frames[2] = (struct xs_frame){a, (uint32_t)na};
	xs_stack_lock(st);
	cr_assert_eq(xs_stack_input(st, frames, 3, NULL), 2);
	xs_stack_unlock(st);
	c = counters();
	cr_assert_eq(c.rx_frames, 3);
	cr_assert_eq(c.rx_delivered, 2);
	cr_assert_eq(c.rx_no_socket, 1);
}

Test(input, transmit_counts_on_the_stack_and_the_socket)
{
	struct xs_stack_sock *ss = udp_sock("198.18.0.2", 7);
	struct xs_stack_sock_counters sc;

	xs_stack_count_tx(st, ss, 100);
	xs_stack_count_tx(st, ss, 20);
	xs_stack_count_tx(st, NULL, 60);
	xs_stack_sock_counters(ss, &sc);
	cr_assert_eq(counters().tx_frames, 3);
	cr_assert_eq(sc.tx_packets, 2);
	cr_assert_eq(sc.tx_bytes, 120);
}

static void *try_from_another_thread(void *arg)
{
	bool got = xs_stack_trylock(st);

	if (got)
		xs_stack_unlock(st);
	*(bool *)arg = got;
	return NULL;
}

Test(input, trylock_fails_while_another_thread_holds_the_lock)
{
	pthread_t tid;
	bool got = true;

	xs_stack_lock(st);
	pthread_create(&tid, NULL, try_from_another_thread, &got);
	pthread_join(tid, NULL);
	xs_stack_unlock(st);
	cr_assert_not(got);
	pthread_create(&tid, NULL, try_from_another_thread, &got);
	pthread_join(tid, NULL);
	cr_assert(got);
}
