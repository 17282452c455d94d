/*
 * test_neigh.c — lib/stack's neighbour cache (neigh.c), its wire formats
 * (neigh_wire.c) and the ICMP responder (icmp.c). The known answers are
 * real frames captured on the dpdk testbed (net_af_packet on vB, the
 * Linux kernel on vA at 198.18.0.1 / 2001:2::1, 02:5c:72:b3:9c:7c): the
 * kernel's requests, and the answers this code gave, which the kernel
 * accepted (ping, ARP/ND, ECONNREFUSED). Time is a fake clock passed in;
 * frames go out through a transmit callback that keeps them.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "icmp.h"
#include "neigh.h"

#define S  1000000000LL
#define MS 1000000LL

/* ---- known answers ---- */

/* arp_req: 42 bytes */
static const uint8_t arp_req[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c,
	0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02,
};
/* arp_rep: 42 bytes */
static const uint8_t arp_rep[] = {
	0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2,
	0xc6, 0x12, 0x00, 0x02, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0xc6, 0x12, 0x00, 0x01,
};
/* echo4_req: 98 bytes */
static const uint8_t echo4_req[] = {
	0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x54, 0x2e, 0x12, 0x40, 0x00, 0x40, 0x01, 0x80, 0x6f, 0xc6, 0x12,
	0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0x08, 0x00, 0x48, 0xb8, 0x32, 0x4b, 0x00, 0x01,
	0x55, 0x3a, 0x01, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x62, 0x83, 0x05, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
/* echo4_rep: 98 bytes */
static const uint8_t echo4_rep[] = {
	0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x54, 0x00, 0x00, 0x00, 0x00, 0x40, 0x01, 0xee, 0x81, 0xc6, 0x12,
	0x00, 0x02, 0xc6, 0x12, 0x00, 0x01, 0x00, 0x00, 0x50, 0xb8, 0x32, 0x4b, 0x00, 0x01,
	0x55, 0x3a, 0x01, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x62, 0x83, 0x05, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29,
	0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
/* ns: 86 bytes */
static const uint8_t ns[] = {
	0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00, 0x00, 0x02, 0x87, 0x00, 0x28, 0x08, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x01, 0x01, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c,
};
/* na: 86 bytes */
static const uint8_t na[] = {
	0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0xe9, 0x60, 0x60, 0x00,
	0x00, 0x00, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x02, 0x01, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2,
};
/* echo6_req: 118 bytes */
static const uint8_t echo6_req[] = {
	0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x86, 0xdd, 0x60,
	0x08, 0xc5, 0x24, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0xb2, 0xd3, 0x32, 0x4d,
	0x00, 0x01, 0x56, 0x3a, 0x01, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x41, 0xe2, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a,
	0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
/* echo6_rep: 118 bytes */
static const uint8_t echo6_rep[] = {
	0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x40, 0x3a, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81, 0x00, 0xb1, 0xd3, 0x32, 0x4d,
	0x00, 0x01, 0x56, 0x3a, 0x01, 0x6b, 0x00, 0x00, 0x00, 0x00, 0x41, 0xe2, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b,
	0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a,
	0x2b, 0x2c, 0x2d, 0x2e, 0x2f, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};
/* udp4: 47 bytes */
static const uint8_t udp4[] = {
	0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0xff, 0xd7, 0x40, 0x00, 0x40, 0x11,
	0xae, 0xcc, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12, 0x00, 0x02, 0xc9, 0x3c,
	0x00, 0x09, 0x00, 0x0d, 0x66, 0x94, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* unreach4: 75 bytes */
static const uint8_t unreach4[] = {
	0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x08, 0x00, 0x45,
	0xc0, 0x00, 0x3d, 0x00, 0x0a, 0x00, 0x00, 0x40, 0x01, 0xed, 0xce, 0xc6, 0x12, 0x00, 0x02,
	0xc6, 0x12, 0x00, 0x01, 0x03, 0x03, 0x89, 0x43, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00,
	0x21, 0xff, 0xd7, 0x40, 0x00, 0x40, 0x11, 0xae, 0xcc, 0xc6, 0x12, 0x00, 0x01, 0xc6, 0x12,
	0x00, 0x02, 0xc9, 0x3c, 0x00, 0x09, 0x00, 0x0d, 0x66, 0x94, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* udp6: 67 bytes */
static const uint8_t udp6[] = {
	0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x86, 0xdd,
	0x60, 0x04, 0x20, 0x9c, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xe8, 0x05,
	0x00, 0x09, 0x00, 0x0d, 0x93, 0xea, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
/* unreach6: 115 bytes */
static const uint8_t unreach6[] = {
	0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c, 0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2, 0x86, 0xdd, 0x60,
	0x00, 0x00, 0x00, 0x00, 0x3d, 0x3a, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x2c, 0xac, 0x00, 0x00,
	0x00, 0x00, 0x60, 0x04, 0x20, 0x9c, 0x00, 0x0d, 0x11, 0x40, 0x20, 0x01, 0x00, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xe8, 0x05, 0x00,
	0x09, 0x00, 0x0d, 0x93, 0xea, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t our_mac[6] = {0x3a, 0x1a, 0xd8, 0x27, 0xb9, 0xf2};
static const uint8_t peer_mac[6] = {0x02, 0x5c, 0x72, 0xb3, 0x9c, 0x7c};
static const uint8_t other_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x09};

/* ---- the transmit callback keeps what is sent ---- */

#define KEPT_MAX 64

static struct {
	uint8_t frame[KEPT_MAX][2048];
	size_t len[KEPT_MAX];
	unsigned n;
	bool fail;
} sent;

static ssize_t keep(void *ctx, xs_build_fn build, const void *arg)
{
	ssize_t n;

	if (sent.fail)
		return -EAGAIN;
	cr_assert_lt(sent.n, KEPT_MAX, "more frames sent than the test expects");
	n = build(sent.frame[sent.n], sizeof(sent.frame[0]), arg);
	if (n >= 0)
		sent.len[sent.n++] = (size_t)n;
	return n;
}

static const struct xs_xmit xmit = {.send = keep};

static struct in6_addr ip(const char *text)
{
	struct in6_addr a = {0};

	if (inet_pton(AF_INET6, text, &a) == 1)
		return a;
	a.s6_addr[10] = a.s6_addr[11] = 0xff;
	cr_assert_eq(inet_pton(AF_INET, text, a.s6_addr + 12), 1, "bad test address %s", text);
	return a;
}

/* The same, as a pointer that stays valid for the next 15 calls. */
static const struct in6_addr *pip(const char *text)
{
	static struct in6_addr ring[16];
	static unsigned next;
	struct in6_addr *a = &ring[next++ % 16];

	*a = ip(text);
	return a;
}

static int fam(const char *text)
{
	return strchr(text, ':') ? AF_INET6 : AF_INET;
}

/* 198.18.0.2/24 and 2001:2::2/64 on 3a:1a:d8:27:b9:f2, gateway 198.18.0.1. */
static struct xs_ifaddrs addrs;

static void addrs_init(void)
{
	memset(&addrs, 0, sizeof(addrs));
	memset(&sent, 0, sizeof(sent));
	xs_ifaddrs_set_mac(&addrs, our_mac);
	addrs.v4 = (struct xs_ifaddr){.set = true, .addr = ip("198.18.0.2"), .plen = 24};
	addrs.v6 = (struct xs_ifaddr){.set = true, .addr = ip("2001:2::2"), .plen = 64};
	addrs.has_gw4 = true;
	addrs.gw4 = ip("198.18.0.1");
}

static struct xs_neigh *nt;
static struct xs_neigh_params prm;

static void neigh_setup(void)
{
	addrs_init();
	xs_neigh_params_default(&prm);
	cr_assert_eq(xs_neigh_new(&addrs, &prm, &xmit, &nt), 0);
}

static void neigh_teardown(void)
{
	xs_neigh_free(nt);
}

static struct xs_neigh_counters counters(void)
{
	struct xs_neigh_counters c;

	xs_neigh_counters(nt, &c);
	return c;
}

/* An ARP frame from a neighbour with MAC mac and address spa. */
static size_t arp_from(uint8_t *buf, uint16_t op, const uint8_t *mac, const char *spa,
		       const char *tpa, const uint8_t *eth_dst)
{
	struct xs_arp a = {.op = op, .spa = ip(spa), .tpa = ip(tpa)};

	memcpy(a.eth_dst, eth_dst, 6);
	memcpy(a.eth_src, mac, 6);
	memcpy(a.sha, mac, 6);
	if (op == XS_ARP_REPLY)
		memcpy(a.tha, our_mac, 6);
	return (size_t)xs_arp_build(buf, 64, &a);
}

/* A neighbour advertisement for target from mac, to us. */
static size_t na_from(uint8_t *buf, const char *target, const uint8_t *mac, bool solicited,
		      bool override)
{
	struct xs_nd nd = {
		.type = XS_ND_NA,
		.src = ip(target),
		.dst = ip("2001:2::2"),
		.target = ip(target),
		.solicited = solicited,
		.override = override,
		.has_lladdr = true,
	};

	memcpy(nd.eth_dst, our_mac, 6);
	memcpy(nd.eth_src, mac, 6);
	memcpy(nd.lladdr, mac, 6);
	return (size_t)xs_nd_build(buf, 128, &nd);
}

static void frame_of(uint8_t *buf, size_t len, uint8_t tag)
{
	memset(buf, tag, len);
}

/* ---- ARP on the wire ---- */

Test(arp, parses_the_request_linux_sends)
{
	struct xs_arp a;

	cr_assert_eq(xs_arp_parse(arp_req, sizeof(arp_req), &a), XS_PKT_OK);
	cr_assert_eq(a.op, XS_ARP_REQUEST);
	cr_assert_arr_eq(a.sha, peer_mac, 6);
	cr_assert_arr_eq(&a.spa, pip("198.18.0.1"), 16);
	cr_assert_arr_eq(&a.tpa, pip("198.18.0.2"), 16);
}

Test(arp, builds_exactly_what_it_parsed)
{
	const uint8_t *frames[] = {arp_req, arp_rep};
	uint8_t out[64];
	struct xs_arp a;

	for (int i = 0; i < 2; i++) {
		cr_assert_eq(xs_arp_parse(frames[i], 42, &a), XS_PKT_OK);
		cr_assert_eq(xs_arp_build(out, sizeof(out), &a), 42);
		cr_assert_arr_eq(out, frames[i], 42);
	}
	cr_assert_eq(xs_arp_build(out, 41, &a), -EMSGSIZE);
}

Test(arp, refuses_truncated_and_foreign_frames)
{
	uint8_t f[42];
	struct xs_arp a;

	cr_assert_eq(xs_arp_parse(arp_req, 41, &a), XS_PKT_MALFORMED);
	cr_assert_eq(xs_arp_parse(arp_req, 10, &a), XS_PKT_MALFORMED);
	cr_assert_eq(xs_arp_parse(echo4_req, sizeof(echo4_req), &a), XS_PKT_UNHANDLED);
	memcpy(f, arp_req, 42);
	f[15] = 6; /* hardware type IEEE 802 */
	cr_assert_eq(xs_arp_parse(f, 42, &a), XS_PKT_UNHANDLED);
	memcpy(f, arp_req, 42);
	f[21] = 3; /* RARP */
	cr_assert_eq(xs_arp_parse(f, 42, &a), XS_PKT_UNHANDLED);
}

/* ---- neighbour discovery on the wire ---- */

Test(nd, parses_the_solicitation_linux_sends)
{
	struct xs_nd nd;
	struct in6_addr group;

	cr_assert_eq(xs_nd_parse(ns, sizeof(ns), &nd), XS_PKT_OK);
	cr_assert_eq(nd.type, XS_ND_NS);
	cr_assert_arr_eq(&nd.target, pip("2001:2::2"), 16);
	cr_assert_arr_eq(&nd.src, pip("2001:2::1"), 16);
	xs_nd_solicited_node(&nd.target, &group);
	cr_assert_arr_eq(&nd.dst, &group, 16);
	cr_assert(nd.has_lladdr);
	cr_assert_arr_eq(nd.lladdr, peer_mac, 6);
}

Test(nd, builds_the_advertisement_linux_accepted)
{
	struct xs_nd nd;
	uint8_t out[128];

	cr_assert_eq(xs_nd_parse(na, sizeof(na), &nd), XS_PKT_OK);
	cr_assert(nd.solicited && nd.override && !nd.router);
	cr_assert_eq(xs_nd_build(out, sizeof(out), &nd), (ssize_t)sizeof(na));
	cr_assert_arr_eq(out, na, sizeof(na));
	cr_assert_eq(xs_nd_build(out, sizeof(na) - 1, &nd), -EMSGSIZE);
}

Test(nd, rejects_what_rfc4861_says_to_drop)
{
	uint8_t f[sizeof(ns)];
	struct xs_nd nd;

	memcpy(f, ns, sizeof(ns));
	f[21] = 64; /* hop limit: off link */
	cr_assert_eq(xs_nd_parse(f, sizeof(f), &nd), XS_PKT_MALFORMED);
	memcpy(f, ns, sizeof(ns));
	f[85] ^= 1; /* the option's last byte: checksum */
	cr_assert_eq(xs_nd_parse(f, sizeof(f), &nd), XS_PKT_BAD_CSUM);
	memcpy(f, ns, sizeof(ns));
	f[79] = 0; /* an option of length 0 (checksum fixed below) */
	f[56] = 0x28;
	f[57] = 0x09;
	cr_assert_neq(xs_nd_parse(f, sizeof(f), &nd), XS_PKT_OK);
	cr_assert_eq(xs_nd_parse(ns, 70, &nd), XS_PKT_UNHANDLED); /* IPv6 length past the frame */
	cr_assert_eq(xs_nd_parse(echo6_req, sizeof(echo6_req), &nd), XS_PKT_UNHANDLED);
}

Test(nd, maps_groups_to_their_ethernet_addresses)
{
	struct in6_addr g, t = ip("2001:2::abcd:1234");
	uint8_t mac[6], want[6] = {0x33, 0x33, 0xff, 0xcd, 0x12, 0x34};

	xs_nd_solicited_node(&t, &g);
	cr_assert_arr_eq(&g, pip("ff02::1:ffcd:1234"), 16);
	xs_ipv6_mcast_mac(&g, mac);
	cr_assert_arr_eq(mac, want, 6);
}

/* ---- addresses and routes ---- */

Test(route, derives_the_link_local_address_from_the_mac)
{
	addrs_init();
	cr_assert_arr_eq(&addrs.v6_ll, pip("fe80::381a:d8ff:fe27:b9f2"), 16);
	cr_assert(xs_ifaddrs_owns(&addrs, AF_INET6, &addrs.v6_ll));
	cr_assert(xs_ifaddrs_owns(&addrs, AF_INET, pip("198.18.0.2")));
	cr_assert_not(xs_ifaddrs_owns(&addrs, AF_INET, pip("198.18.0.3")));
}

Test(route, sends_on_link_directly_and_the_rest_to_the_gateway)
{
	struct in6_addr nh, src;
	const char *cases[][2] = {
		{"198.18.0.77", "198.18.0.77"}, {"198.51.100.1", "198.18.0.1"},
		{"224.0.0.251", "224.0.0.251"}, {"2001:2::9", "2001:2::9"},
		{"fe80::1", "fe80::1"},
	};

	addrs_init();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct in6_addr dst = ip(cases[i][0]);

		cr_assert_eq(xs_ifaddrs_route(&addrs, fam(cases[i][0]), &dst, &nh, &src), 0, "%s",
			     cases[i][0]);
		cr_assert_arr_eq(&nh, pip(cases[i][1]), 16, "%s", cases[i][0]);
	}
	xs_ifaddrs_route(&addrs, AF_INET6, pip("fe80::1"), &nh, &src);
	cr_assert_arr_eq(&src, &addrs.v6_ll, 16, "link-local goes from link-local");
}

Test(route, says_unreachable_without_a_gateway_or_an_address)
{
	struct in6_addr nh, src;

	addrs_init();
	cr_assert_eq(xs_ifaddrs_route(&addrs, AF_INET6, pip("2001:db8::1"), &nh, &src),
		     -ENETUNREACH);
	addrs.v4.set = false;
	cr_assert_eq(xs_ifaddrs_route(&addrs, AF_INET, pip("198.18.0.9"), &nh, &src), -ENETUNREACH);
}

/* ---- answering ---- */

TestSuite(neigh, .init = neigh_setup, .fini = neigh_teardown);

Test(neigh, answers_an_arp_request_with_the_reply_linux_accepted)
{
	uint8_t mac[6];

	cr_assert(xs_neigh_input(nt, arp_req, sizeof(arp_req), 0));
	cr_assert_eq(sent.n, 1);
	cr_assert_eq(sent.len[0], sizeof(arp_rep));
	cr_assert_arr_eq(sent.frame[0], arp_rep, sizeof(arp_rep));
	/* Whoever asks is learnt, STALE, as the kernel does. */
	cr_assert_eq(xs_neigh_state(nt, AF_INET, pip("198.18.0.1"), 0, mac), XS_NEIGH_STALE);
	cr_assert_arr_eq(mac, peer_mac, 6);
}

Test(neigh, answers_a_solicitation_with_the_advertisement_linux_accepted)
{
	cr_assert(xs_neigh_input(nt, ns, sizeof(ns), 0));
	cr_assert_eq(sent.n, 1);
	cr_assert_arr_eq(sent.frame[0], na, sizeof(na));
	cr_assert_eq(xs_neigh_state(nt, AF_INET6, pip("2001:2::1"), 0, NULL), XS_NEIGH_STALE);
}

Test(neigh, answers_duplicate_address_detection_to_all_nodes)
{
	struct xs_nd probe = {.type = XS_ND_NS, .target = ip("2001:2::2")}, nd;
	uint8_t f[128];
	size_t len;

	xs_nd_solicited_node(&probe.target, &probe.dst);
	xs_ipv6_mcast_mac(&probe.dst, probe.eth_dst);
	memcpy(probe.eth_src, other_mac, 6);
	len = (size_t)xs_nd_build(f, sizeof(f), &probe);
	cr_assert(xs_neigh_input(nt, f, (uint32_t)len, 0));
	cr_assert_eq(sent.n, 1);
	cr_assert_eq(xs_nd_parse(sent.frame[0], (uint32_t)sent.len[0], &nd), XS_PKT_OK);
	cr_assert_arr_eq(&nd.dst, pip("ff02::1"), 16);
	cr_assert_not(nd.solicited);
	cr_assert(nd.override);
	cr_assert_eq(counters().table_full + xs_neigh_state(nt, AF_INET6, &probe.src, 0, NULL), 0,
		     "nothing is learnt from ::");
}

Test(neigh, ignores_requests_for_other_addresses_and_its_own_frames)
{
	uint8_t f[64];

	arp_from(f, XS_ARP_REQUEST, peer_mac, "198.18.0.1", "198.18.0.3",
		 (uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
	cr_assert(xs_neigh_input(nt, f, 42, 0));
	arp_from(f, XS_ARP_REQUEST, our_mac, "198.18.0.7", "198.18.0.2",
		 (uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
	cr_assert(xs_neigh_input(nt, f, 42, 0));
	cr_assert_eq(sent.n, 0);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, pip("198.18.0.1"), 0, NULL), XS_NEIGH_NONE,
		     "a request for someone else creates no entry");
	cr_assert_not(xs_neigh_input(nt, echo4_req, sizeof(echo4_req), 0), "not ARP/ND");
}

Test(neigh, counts_someone_else_claiming_our_address)
{
	uint8_t f[64];

	arp_from(f, XS_ARP_REQUEST, other_mac, "198.18.0.2", "198.18.0.2",
		 (uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
	xs_neigh_input(nt, f, 42, 0);
	cr_assert_eq(counters().conflicts, 1);
	cr_assert_eq(sent.n, 0);
}

/* ---- resolving ---- */

Test(neigh, resolves_with_one_broadcast_request_and_sends_what_it_held)
{
	struct in6_addr peer = ip("198.18.0.9");
	uint8_t mac[6], f[64], a[100], b[100];
	struct xs_arp req;

	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &peer, 0, mac), -EAGAIN);
	cr_assert_eq(sent.n, 1);
	cr_assert_eq(xs_arp_parse(sent.frame[0], (uint32_t)sent.len[0], &req), XS_PKT_OK);
	cr_assert_eq(req.op, XS_ARP_REQUEST);
	cr_assert_arr_eq(req.eth_dst, ((uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), 6);
	cr_assert_arr_eq(&req.tpa, &peer, 16);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &peer, 1, mac), -EAGAIN, "no second request");
	cr_assert_eq(sent.n, 1);

	frame_of(a, sizeof(a), 0xa1);
	frame_of(b, sizeof(b), 0xb2);
	cr_assert_eq(xs_neigh_hold(nt, AF_INET, &peer, a, sizeof(a), 2), 0);
	cr_assert_eq(xs_neigh_hold(nt, AF_INET, &peer, b, sizeof(b), 3), 0);
	cr_assert_eq(sent.n, 1);

	arp_from(f, XS_ARP_REPLY, other_mac, "198.18.0.9", "198.18.0.2", our_mac);
	xs_neigh_input(nt, f, 42, 10 * MS);
	cr_assert_eq(sent.n, 3, "both held frames go out when the answer comes");
	cr_assert_arr_eq(sent.frame[1], other_mac, 6);
	cr_assert_eq(sent.frame[1][6], 0xa1, "oldest first");
	cr_assert_arr_eq(sent.frame[2], other_mac, 6);
	cr_assert_eq(sent.frame[2][99], 0xb2);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &peer, 11 * MS, mac), 0);
	cr_assert_arr_eq(mac, other_mac, 6);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 11 * MS, NULL), XS_NEIGH_REACHABLE);
	cr_assert_eq(counters().held_sent, 2);
}

Test(neigh, resolves_ipv6_with_a_solicitation_to_the_solicited_node_group)
{
	struct in6_addr peer = ip("2001:2::1"), group;
	uint8_t mac[6], f[128];
	struct xs_nd nd;

	cr_assert_eq(xs_neigh_lookup(nt, AF_INET6, &peer, 0, mac), -EAGAIN);
	cr_assert_eq(sent.n, 1);
	cr_assert_eq(xs_nd_parse(sent.frame[0], (uint32_t)sent.len[0], &nd), XS_PKT_OK);
	xs_nd_solicited_node(&peer, &group);
	cr_assert_eq(nd.type, XS_ND_NS);
	cr_assert_arr_eq(&nd.dst, &group, 16);
	cr_assert_arr_eq(&nd.src, &addrs.v6.addr, 16);
	cr_assert(nd.has_lladdr);
	cr_assert_arr_eq(nd.lladdr, our_mac, 6);

	na_from(f, "2001:2::1", peer_mac, true, true);
	cr_assert(xs_neigh_input(nt, f, 86, 5 * MS));
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET6, &peer, 6 * MS, mac), 0);
	cr_assert_arr_eq(mac, peer_mac, 6);
}

Test(neigh, asks_three_times_one_second_apart_then_drops_what_it_held)
{
	struct in6_addr peer = ip("198.18.0.9");
	uint8_t mac[6], f[60] = {0};

	xs_neigh_lookup(nt, AF_INET, &peer, 0, mac);
	xs_neigh_hold(nt, AF_INET, &peer, f, sizeof(f), 0);
	xs_neigh_hold(nt, AF_INET, &peer, f, sizeof(f), 0);
	cr_assert_eq(xs_neigh_tick(nt, 999 * MS), 1 * S, "next timer at 1 s");
	cr_assert_eq(sent.n, 1);
	xs_neigh_tick(nt, 1 * S);
	cr_assert_eq(sent.n, 2);
	xs_neigh_tick(nt, 2 * S);
	cr_assert_eq(sent.n, 3);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 2 * S, NULL), XS_NEIGH_INCOMPLETE);
	xs_neigh_tick(nt, 3 * S);
	cr_assert_eq(sent.n, 3, "no fourth request");
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 3 * S, NULL), XS_NEIGH_NONE);
	cr_assert_eq(counters().res_failed, 1);
	cr_assert_eq(counters().held_dropped, 2);
	cr_assert_eq(counters().tx_requests, 3);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &peer, 4 * S, mac), -EAGAIN, "starts over");
	cr_assert_eq(sent.n, 4);
}

Test(neigh, holds_the_newest_three_frames_per_neighbour)
{
	struct in6_addr peer = ip("198.18.0.9");
	uint8_t mac[6], f[60], reply[64];

	xs_neigh_lookup(nt, AF_INET, &peer, 0, mac);
	for (uint8_t i = 1; i <= 5; i++) {
		frame_of(f, sizeof(f), i);
		cr_assert_eq(xs_neigh_hold(nt, AF_INET, &peer, f, sizeof(f), 0), 0);
	}
	cr_assert_eq(counters().unres_discards, 2);
	arp_from(reply, XS_ARP_REPLY, other_mac, "198.18.0.9", "198.18.0.2", our_mac);
	xs_neigh_input(nt, reply, 42, 1);
	cr_assert_eq(sent.n, 4);
	for (unsigned i = 1; i < 4; i++)
		cr_assert_eq(sent.frame[i][10], 2 + i, "frame %u is the %u-th held", i, 2 + i);
}

Test(neigh, shares_a_bounded_pool_of_held_frames)
{
	struct in6_addr a = ip("198.18.0.9"), b = ip("198.18.0.10");
	uint8_t mac[6], f[60] = {0};

	xs_neigh_free(nt);
	prm.queue_slots = 2;
	cr_assert_eq(xs_neigh_new(&addrs, &prm, &xmit, &nt), 0);
	xs_neigh_lookup(nt, AF_INET, &a, 0, mac);
	xs_neigh_lookup(nt, AF_INET, &b, 0, mac);
	cr_assert_eq(xs_neigh_hold(nt, AF_INET, &a, f, sizeof(f), 0), 0);
	cr_assert_eq(xs_neigh_hold(nt, AF_INET, &a, f, sizeof(f), 0), 0);
	cr_assert_eq(xs_neigh_hold(nt, AF_INET, &b, f, sizeof(f), 0), -ENOBUFS);
	cr_assert_eq(counters().unres_discards, 1);
	cr_assert_eq(xs_neigh_hold(nt, AF_INET, &a, f, prm.frame_cap + 1, 0), -EMSGSIZE);
}

Test(neigh, sends_a_frame_held_after_the_answer_came_at_once)
{
	struct in6_addr peer = ip("198.18.0.9");
	uint8_t mac[6], f[60] = {0}, reply[64];

	xs_neigh_lookup(nt, AF_INET, &peer, 0, mac);
	arp_from(reply, XS_ARP_REPLY, other_mac, "198.18.0.9", "198.18.0.2", our_mac);
	xs_neigh_input(nt, reply, 42, 1);
	/* The sender saw -EAGAIN before the answer, and holds after it. */
	cr_assert_eq(xs_neigh_hold(nt, AF_INET, &peer, f, sizeof(f), 2), 0);
	cr_assert_eq(sent.n, 2);
	cr_assert_arr_eq(sent.frame[1], other_mac, 6);
}

Test(neigh, goes_stale_after_30_s_then_delay_then_probe)
{
	struct in6_addr peer = ip("198.18.0.9");
	uint8_t mac[6], reply[64];
	struct xs_arp probe;

	xs_neigh_lookup(nt, AF_INET, &peer, 0, mac);
	arp_from(reply, XS_ARP_REPLY, other_mac, "198.18.0.9", "198.18.0.2", our_mac);
	xs_neigh_input(nt, reply, 42, 0);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 29 * S, NULL), XS_NEIGH_REACHABLE);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 30 * S, NULL), XS_NEIGH_STALE);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &peer, 31 * S, mac), 0, "STALE is still used");
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 31 * S, NULL), XS_NEIGH_DELAY);
	xs_neigh_tick(nt, 35 * S);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 35 * S, NULL), XS_NEIGH_DELAY);
	xs_neigh_tick(nt, 36 * S);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 36 * S, NULL), XS_NEIGH_PROBE);
	cr_assert_eq(sent.n, 2);
	cr_assert_eq(xs_arp_parse(sent.frame[1], (uint32_t)sent.len[1], &probe), XS_PKT_OK);
	cr_assert_arr_eq(probe.eth_dst, other_mac, 6, "a probe is unicast");
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &peer, 36 * S, mac), 0, "PROBE is still used");
	/* The answer confirms it. */
	xs_neigh_input(nt, reply, 42, 36 * S + 5 * MS);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 37 * S, NULL), XS_NEIGH_REACHABLE);
}

Test(neigh, forgets_a_neighbour_that_stops_answering_probes)
{
	struct in6_addr peer = ip("198.18.0.9");
	uint8_t mac[6], reply[64];

	xs_neigh_lookup(nt, AF_INET, &peer, 0, mac);
	arp_from(reply, XS_ARP_REPLY, other_mac, "198.18.0.9", "198.18.0.2", our_mac);
	xs_neigh_input(nt, reply, 42, 0);
	xs_neigh_lookup(nt, AF_INET, &peer, 30 * S, mac); /* STALE -> DELAY */
	for (int64_t t = 35 * S; t <= 40 * S; t += S)
		xs_neigh_tick(nt, t);
	cr_assert_eq(counters().tx_requests, 4, "one broadcast, three unicast probes");
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 40 * S, NULL), XS_NEIGH_NONE);
	cr_assert_eq(counters().res_failed, 1);
}

Test(neigh, collects_unused_stale_entries_after_60_s)
{
	struct in6_addr peer = ip("198.18.0.1");

	xs_neigh_input(nt, arp_req, sizeof(arp_req), 0);
	xs_neigh_tick(nt, 59 * S);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 59 * S, NULL), XS_NEIGH_STALE);
	xs_neigh_tick(nt, 60 * S);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &peer, 60 * S, NULL), XS_NEIGH_NONE);
}

Test(neigh, keeps_the_address_an_advertisement_without_override_contradicts)
{
	struct in6_addr peer = ip("2001:2::1");
	uint8_t mac[6], f[128];

	xs_neigh_lookup(nt, AF_INET6, &peer, 0, mac);
	na_from(f, "2001:2::1", peer_mac, true, true);
	xs_neigh_input(nt, f, 86, 0);
	na_from(f, "2001:2::1", other_mac, false, false);
	xs_neigh_input(nt, f, 86, 1);
	cr_assert_eq(xs_neigh_state(nt, AF_INET6, &peer, 1, mac), XS_NEIGH_STALE,
		     "REACHABLE is demoted");
	cr_assert_arr_eq(mac, peer_mac, 6, "but the address is kept");
	na_from(f, "2001:2::1", other_mac, false, true);
	xs_neigh_input(nt, f, 86, 2);
	xs_neigh_state(nt, AF_INET6, &peer, 2, mac);
	cr_assert_arr_eq(mac, other_mac, 6, "override replaces it");
}

Test(neigh, ignores_answers_nobody_asked_for)
{
	uint8_t f[128];

	arp_from(f, XS_ARP_REPLY, other_mac, "198.18.0.9", "198.18.0.2", our_mac);
	xs_neigh_input(nt, f, 42, 0);
	na_from(f, "2001:2::9", other_mac, true, true);
	xs_neigh_input(nt, f, 86, 0);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, pip("198.18.0.9"), 0, NULL), XS_NEIGH_NONE);
	cr_assert_eq(xs_neigh_state(nt, AF_INET6, pip("2001:2::9"), 0, NULL), XS_NEIGH_NONE);
}

Test(neigh, maps_broadcast_and_multicast_without_asking)
{
	const char *cases[] = {"255.255.255.255", "198.18.0.255", "224.0.0.251", "ff02::1"};
	const uint8_t want[][6] = {
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
		{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb},
		{0x33, 0x33, 0x00, 0x00, 0x00, 0x01},
	};
	uint8_t mac[6];

	for (int i = 0; i < 4; i++) {
		cr_assert_eq(xs_neigh_lookup(nt, fam(cases[i]), pip(cases[i]), 0, mac), 0, "%s",
			     cases[i]);
		cr_assert_arr_eq(mac, want[i], 6, "%s", cases[i]);
	}
	cr_assert_eq(sent.n, 0);
}

Test(neigh, refuses_our_own_address_and_a_family_it_has_no_address_in)
{
	uint8_t mac[6];

	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &addrs.v4.addr, 0, mac), -EINVAL);
	xs_neigh_free(nt);
	addrs.v4.set = false;
	cr_assert_eq(xs_neigh_new(&addrs, NULL, &xmit, &nt), 0);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, pip("198.18.0.9"), 0, mac), -ENETUNREACH);
}

Test(neigh, evicts_the_oldest_stale_entry_when_full_and_nothing_else)
{
	struct in6_addr a = ip("198.18.0.1"), b = ip("198.18.0.9"), c = ip("198.18.0.10");
	uint8_t mac[6];

	xs_neigh_free(nt);
	prm.entries = 2;
	cr_assert_eq(xs_neigh_new(&addrs, &prm, &xmit, &nt), 0);
	xs_neigh_input(nt, arp_req, sizeof(arp_req), 0); /* a: STALE */
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &b, 1, mac), -EAGAIN);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &c, 2, mac), -EAGAIN, "a makes room");
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &a, 2, NULL), XS_NEIGH_NONE);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &a, 3, mac), -ENOBUFS,
		     "two resolutions in flight are not evicted");
	cr_assert_eq(counters().table_full, 1);
}

Test(neigh, counts_a_transmit_that_fails)
{
	sent.fail = true;
	xs_neigh_input(nt, arp_req, sizeof(arp_req), 0);
	cr_assert_eq(counters().tx_errors, 1);
	cr_assert_eq(counters().tx_replies, 0);
}

Test(neigh, refuses_parameters_out_of_range)
{
	struct xs_neigh *x;

	prm.queue_len = XS_NEIGH_QUEUE_MAX + 1;
	cr_assert_eq(xs_neigh_new(&addrs, &prm, &xmit, &x), -EINVAL);
	cr_assert_null(x);
}

/* ---- permanent entries (dpdk.neighbours) ---- */

Test(neigh, answers_a_permanent_entry_at_once_without_asking)
{
	struct in6_addr gen = ip("198.18.0.9"), gen6 = ip("2001:2::9");
	uint8_t mac[6];

	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET, &gen, other_mac), 0);
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET6, &gen6, peer_mac), 0);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &gen, 0, mac), 0);
	cr_assert_arr_eq(mac, other_mac, 6);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET6, &gen6, 0, mac), 0);
	cr_assert_arr_eq(mac, peer_mac, 6);
	cr_assert_eq(sent.n, 0, "no ARP request, no solicitation");
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &gen, 0, NULL), XS_NEIGH_PERMANENT);
}

Test(neigh, never_ages_or_probes_a_permanent_entry)
{
	struct in6_addr gen = ip("198.18.0.9");
	uint8_t mac[6];

	xs_neigh_add_permanent(nt, AF_INET, &gen, other_mac);
	cr_assert_eq(xs_neigh_tick(nt, 0), INT64_MAX, "no timer to run, ever");
	for (int64_t t = 0; t <= 3600 * S; t += 7 * S) {
		cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &gen, t, mac), 0);
		xs_neigh_tick(nt, t);
	}
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &gen, 3600 * S, mac), XS_NEIGH_PERMANENT,
		     "neither STALE after 30 s nor DELAY when used, nor collected after 60 s");
	cr_assert_arr_eq(mac, other_mac, 6);
	cr_assert_eq(sent.n, 0);
}

Test(neigh, keeps_a_permanent_entry_whatever_arp_and_nd_say)
{
	struct in6_addr a = ip("198.18.0.1"), b = ip("2001:2::1");
	uint8_t mac[6], f[128];

	xs_neigh_add_permanent(nt, AF_INET, &a, other_mac);
	xs_neigh_add_permanent(nt, AF_INET6, &b, other_mac);
	/* peer_mac asks for our address and answers unasked: both claim a. */
	cr_assert(xs_neigh_input(nt, arp_req, sizeof(arp_req), 1));
	cr_assert_eq(sent.n, 1, "the request is still answered");
	arp_from(f, XS_ARP_REPLY, peer_mac, "198.18.0.1", "198.18.0.2", our_mac);
	xs_neigh_input(nt, f, 42, 2);
	cr_assert(xs_neigh_input(nt, ns, sizeof(ns), 3));
	na_from(f, "2001:2::1", peer_mac, true, true);
	xs_neigh_input(nt, f, 86, 4);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, &a, 5, mac), XS_NEIGH_PERMANENT);
	cr_assert_arr_eq(mac, other_mac, 6);
	cr_assert_eq(xs_neigh_state(nt, AF_INET6, &b, 5, mac), XS_NEIGH_PERMANENT);
	cr_assert_arr_eq(mac, other_mac, 6, "even an overriding advertisement changes nothing");
}

Test(neigh, makes_a_resolving_entry_permanent_and_sends_what_it_held)
{
	struct in6_addr peer = ip("198.18.0.9");
	uint8_t mac[6], f[60];

	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, &peer, 0, mac), -EAGAIN);
	frame_of(f, sizeof(f), 0xa1);
	xs_neigh_hold(nt, AF_INET, &peer, f, sizeof(f), 0);
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET, &peer, other_mac), 0);
	cr_assert_eq(sent.n, 2, "the request, then the held frame");
	cr_assert_arr_eq(sent.frame[1], other_mac, 6);
	cr_assert_eq(sent.frame[1][6], 0xa1);
	xs_neigh_tick(nt, 5 * S);
	cr_assert_eq(sent.n, 2, "no more requests");
	cr_assert_eq(counters().res_failed, 0);
}

Test(neigh, never_evicts_a_permanent_entry)
{
	uint8_t mac[6];

	xs_neigh_free(nt);
	prm.entries = 1;
	cr_assert_eq(xs_neigh_new(&addrs, &prm, &xmit, &nt), 0);
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET, pip("198.18.0.9"), other_mac), 0);
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, pip("198.18.0.10"), 0, mac), -ENOBUFS);
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET, pip("198.18.0.11"), other_mac), -ENOBUFS);
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET, pip("198.18.0.9"), peer_mac), 0,
		     "replacing needs no new entry");
	cr_assert_eq(xs_neigh_lookup(nt, AF_INET, pip("198.18.0.9"), 0, mac), 0);
	cr_assert_arr_eq(mac, peer_mac, 6);
}

Test(neigh, refuses_to_pin_addresses_that_need_no_resolution)
{
	const char *bad[] = {
		"198.18.0.2", "2001:2::2", "198.18.0.255", "255.255.255.255", "224.0.0.1",
		"ff02::1",    "0.0.0.0",   "::",	   "127.0.0.1",	      "::1"};
	const uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, zero[6] = {0};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(xs_neigh_add_permanent(nt, fam(bad[i]), pip(bad[i]), other_mac),
			     -EINVAL, "%s", bad[i]);
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET6, pip("198.18.0.9"), other_mac), -EINVAL,
		     "the family must match the address");
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET, pip("198.18.0.9"), mcast), -EINVAL);
	cr_assert_eq(xs_neigh_add_permanent(nt, AF_INET, pip("198.18.0.9"), zero), -EINVAL);
	cr_assert_eq(xs_neigh_state(nt, AF_INET, pip("198.18.0.9"), 0, NULL), XS_NEIGH_NONE);
}

/* ---- ICMP ---- */

static struct xs_icmp *ic;

static void icmp_setup(void)
{
	addrs_init();
	cr_assert_eq(xs_icmp_new(&addrs, &xmit, &ic), 0);
}

static void icmp_teardown(void)
{
	xs_icmp_free(ic);
}

TestSuite(icmp, .init = icmp_setup, .fini = icmp_teardown);

Test(icmp, answers_an_echo_request_with_the_reply_linux_accepted)
{
	cr_assert(xs_icmp_input(ic, echo4_req, sizeof(echo4_req), 0));
	cr_assert_eq(sent.n, 1);
	cr_assert_eq(sent.len[0], sizeof(echo4_rep));
	cr_assert_arr_eq(sent.frame[0], echo4_rep, sizeof(echo4_rep));
}

Test(icmp, answers_an_icmpv6_echo_request_with_the_reply_linux_accepted)
{
	cr_assert(xs_icmp_input(ic, echo6_req, sizeof(echo6_req), 0));
	cr_assert_eq(sent.n, 1);
	cr_assert_arr_eq(sent.frame[0], echo6_rep, sizeof(echo6_rep));
}

Test(icmp, drops_an_echo_request_with_a_bad_checksum)
{
	uint8_t f[sizeof(echo4_req)];

	memcpy(f, echo4_req, sizeof(f));
	f[sizeof(f) - 1] ^= 0xff;
	cr_assert(xs_icmp_input(ic, f, sizeof(f), 0));
	cr_assert_eq(sent.n, 0);
	struct xs_icmp_counters c;

	xs_icmp_counters(ic, &c);
	cr_assert_eq(c.rx_bad, 1);
}

Test(icmp, answers_only_for_its_own_addresses)
{
	uint8_t f[sizeof(echo6_req)];

	memcpy(f, echo6_req, sizeof(f));
	f[53] = 0x03; /* to 2001:2::3 (the checksum no longer matters) */
	cr_assert(xs_icmp_input(ic, f, sizeof(f), 0));
	cr_assert_eq(sent.n, 0);
	cr_assert_not(xs_icmp_input(ic, arp_req, sizeof(arp_req), 0), "not ICMP");
	cr_assert_not(xs_icmp_input(ic, udp4, sizeof(udp4), 0), "not ICMP");
}

Test(icmp, sends_the_port_unreachable_linux_accepted)
{
	uint8_t want[sizeof(unreach4)];

	cr_assert_eq(xs_icmp_port_unreachable(ic, udp6, sizeof(udp6), 0), 0);
	cr_assert_eq(sent.len[0], sizeof(unreach6));
	cr_assert_arr_eq(sent.frame[0], unreach6, sizeof(unreach6));

	/* IPv4: the capture's IP identification was 10; a new responder's is 1
	 * (the IPv6 error took 0). Identification and header checksum aside,
	 * the bytes are the same, and the header checksum is right. */
	cr_assert_eq(xs_icmp_port_unreachable(ic, udp4, sizeof(udp4), 0), 0);
	cr_assert_eq(sent.len[1], sizeof(unreach4));
	memcpy(want, unreach4, sizeof(want));
	memcpy(want + 18, sent.frame[1] + 18, 2);
	memcpy(want + 24, sent.frame[1] + 24, 2);
	cr_assert_arr_eq(sent.frame[1], want, sizeof(want));
	cr_assert_eq(xs_inet_csum(sent.frame[1] + 14, 20), 0);
}

Test(icmp, quotes_at_most_576_bytes_of_an_ipv4_datagram)
{
	uint8_t f[14 + 1000];
	struct xs_l3 l3;

	memset(f, 0, sizeof(f));
	memcpy(f, udp4, 34);
	f[16] = (1000 >> 8);
	f[17] = 1000 & 0xff;
	f[24] = f[25] = 0;
	uint16_t c = xs_inet_csum(f + 14, 20);

	memcpy(f + 24, &c, 2);
	f[34 + 5] = 9; /* UDP to port 9 */
	cr_assert_eq(xs_icmp_port_unreachable(ic, f, sizeof(f), 0), 0);
	cr_assert_eq(xs_l3_parse(sent.frame[0], (uint32_t)sent.len[0], &l3), XS_PKT_OK);
	cr_assert_eq(l3.ip_len, 576);
	cr_assert_eq(xs_inet_csum(l3.l4, l3.l4_len), 0);
}

Test(icmp, says_nothing_about_broadcasts_groups_and_fragments)
{
	uint8_t f[sizeof(udp4)];
	uint16_t c;

	memcpy(f, udp4, sizeof(f));
	memset(f, 0xff, 6); /* to the Ethernet broadcast */
	cr_assert_eq(xs_icmp_port_unreachable(ic, f, sizeof(f), 0), -EPERM);

	memcpy(f, udp4, sizeof(f));
	f[26] = 0; /* from 0.18.0.1 */
	f[24] = f[25] = 0;
	c = xs_inet_csum(f + 14, 20);
	memcpy(f + 24, &c, 2);
	cr_assert_eq(xs_icmp_port_unreachable(ic, f, sizeof(f), 0), -EPERM);

	memcpy(f, udp4, sizeof(f));
	f[21] = 0x10; /* fragment offset 16 */
	f[24] = f[25] = 0;
	c = xs_inet_csum(f + 14, 20);
	memcpy(f + 24, &c, 2);
	cr_assert_eq(xs_icmp_port_unreachable(ic, f, sizeof(f), 0), -EPERM);

	cr_assert_eq(xs_icmp_port_unreachable(ic, echo4_req, sizeof(echo4_req), 0), -EINVAL);
	cr_assert_eq(sent.n, 0);
	struct xs_icmp_counters cnt;

	xs_icmp_counters(ic, &cnt);
	cr_assert_eq(cnt.unreach_skipped, 3);
}

Test(icmp, limits_errors_to_1000_a_second_with_a_burst_of_50)
{
	int ok = 0;

	for (int i = 0; i < 60; i++)
		ok += xs_icmp_port_unreachable(ic, udp4, sizeof(udp4), 0) == 0;
	cr_assert_eq(ok, 50);
	cr_assert_eq(xs_icmp_port_unreachable(ic, udp4, sizeof(udp4), 999999), -EAGAIN);
	cr_assert_eq(xs_icmp_port_unreachable(ic, udp4, sizeof(udp4), 1 * MS), 0, "a token a ms");
	cr_assert_eq(xs_icmp_port_unreachable(ic, udp4, sizeof(udp4), 1 * MS), -EAGAIN);
	struct xs_icmp_counters c;

	xs_icmp_counters(ic, &c);
	cr_assert_eq(c.unreach_limited, 12);
	cr_assert_eq(c.tx_unreach, 51);
	/* Echo replies are not limited. */
	for (int i = 0; i < 5; i++)
		xs_icmp_input(ic, echo4_req, sizeof(echo4_req), 1 * MS);
	xs_icmp_counters(ic, &c);
	cr_assert_eq(c.tx_echo_reply, 5);
}

Test(icmp_limit, refills_at_the_rate_up_to_the_burst)
{
	struct xs_icmp_limit l;
	int n = 0;

	xs_icmp_limit_init(&l, 1000, 50);
	while (xs_icmp_limit_allow(&l, 0))
		n++;
	cr_assert_eq(n, 50);
	cr_assert_not(xs_icmp_limit_allow(&l, 500 * 1000));
	cr_assert(xs_icmp_limit_allow(&l, 1500 * 1000), "1.5 ms: one token, half kept");
	cr_assert(xs_icmp_limit_allow(&l, 2000 * 1000), "the kept half makes the next");
	cr_assert_not(xs_icmp_limit_allow(&l, 2000 * 1000));
	n = 0;
	while (xs_icmp_limit_allow(&l, 10 * S))
		n++;
	cr_assert_eq(n, 50, "a long pause refills no more than the burst");
}

Test(icmp_limit, never_refills_at_rate_zero)
{
	struct xs_icmp_limit l;

	xs_icmp_limit_init(&l, 0, 1);
	cr_assert(xs_icmp_limit_allow(&l, 0));
	cr_assert_not(xs_icmp_limit_allow(&l, 100 * S));
}
