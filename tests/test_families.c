/*
 * test_families.c — address families beyond IP: unix abstract names and
 * autobind, unix datagrams, AF_PACKET on lo, AF_NETLINK route dumps, and
 * the families this kernel may lack (TIPC, CAN, VSOCK, QIPCRTR, Bluetooth,
 * RDS), which skip with the kernel's reason (API.md §1.3, §1.4).
 */
#include "helpers.h"

#include <linux/can.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/tipc.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef AF_QIPCRTR
#define AF_QIPCRTR 42
#endif
#ifndef BTPROTO_HCI
#define BTPROTO_HCI 1
#endif

TestSuite(families, .timeout = 10);

static const struct sockaddr_un *sun_of(const struct xs_addr *a)
{
	return (const struct sockaddr_un *)xs_addr_sa(a);
}

static size_t unix_name_len(const struct xs_addr *a)
{
	return a->len - offsetof(struct sockaddr_un, sun_path);
}

/* ---- AF_UNIX ---- */

Test(families, an_abstract_unix_name_reads_back_byte_for_byte)
{
	struct xs_sock *s = socket_or_skip(AF_UNIX, SOCK_STREAM, 0);
	struct xs_addr a, name;
	char raw[108], fmt[256], want[256];
	size_t n = unique_abstract_addr(&a, raw, sizeof raw, "abstract");

	CHECK(xs_bind(s, &a));
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_UNIX);
	cr_assert_eq(unix_name_len(&name), n, "name length %zu, bound %zu", unix_name_len(&name),
		     n);
	cr_assert_eq(memcmp(sun_of(&name)->sun_path, raw, n), 0);
	CHECK(xs_addr_format(&name, fmt, sizeof fmt));
	snprintf(want, sizeof want, "b'\\x00%s'", raw + 1);
	cr_assert_str_eq(fmt, want);
	xs_free(s);
}

Test(families, a_client_connects_to_an_abstract_name)
{
	struct xs_sock *l = socket_or_skip(AF_UNIX, SOCK_STREAM, 0), *c, *conn;
	struct xs_addr a, peer;
	char raw[108], buf[8] = {0};
	size_t n = unique_abstract_addr(&a, raw, sizeof raw, "connect");

	CHECK(xs_bind(l, &a));
	CHECK(xs_listen(l, 1));
	c = CHECK_PTR(xs_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &a));
	CHECK(xs_getpeername(c, &peer));
	cr_assert_eq(unix_name_len(&peer), n);
	cr_assert_eq(memcmp(sun_of(&peer)->sun_path, raw, n), 0);
	conn = CHECK_PTR(xs_accept(l, NULL));
	CHECK(xs_sendall(conn, "abs", 3, 0, NULL));
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 3);
	cr_assert_str_eq(buf, "abs");
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

Test(families, binding_an_empty_unix_name_autobinds_an_abstract_name)
{
	struct xs_sock *s = socket_or_skip(AF_UNIX, SOCK_DGRAM, 0), *t;
	struct xs_addr a, name, from;
	char buf[8];

	CHECK(xs_addr_unix_bytes(&a, "", 0));
	CHECK(xs_bind(s, &a));
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_UNIX);
	cr_assert_gt(unix_name_len(&name), 1, "autobind gave no name");
	cr_assert_eq(sun_of(&name)->sun_path[0], '\0', "an autobound name is abstract");

	/* the name is usable: another socket can send to it */
	t = CHECK_PTR(xs_socket(AF_UNIX, SOCK_DGRAM, 0));
	CHECK(xs_addr_unix_bytes(&a, "", 0));
	CHECK(xs_bind(t, &a));
	CHECK(xs_sendto(t, "auto", 4, 0, &name));
	CHECK(xs_settimeout(s, 5.0));
	cr_assert_eq(CHECK(xs_recvfrom(s, buf, sizeof buf, 0, &from)), 4);
	CHECK(xs_getsockname(t, &a));
	cr_assert_eq(from.len, a.len);
	cr_assert_eq(memcmp(xs_addr_sa(&from), xs_addr_sa(&a), a.len), 0);
	xs_free(t);
	xs_free(s);
}

Test(families, unix_datagrams_carry_the_sender_name)
{
	struct xs_sock *a = socket_or_skip(AF_UNIX, SOCK_DGRAM, 0), *b;
	struct xs_addr na, nb, from;
	char ra[108], rb[108], buf[16] = {0};
	size_t la = unique_abstract_addr(&na, ra, sizeof ra, "dgram-a");

	unique_abstract_addr(&nb, rb, sizeof rb, "dgram-b");
	b = CHECK_PTR(xs_socket(AF_UNIX, SOCK_DGRAM, 0));
	CHECK(xs_bind(a, &na));
	CHECK(xs_bind(b, &nb));
	cr_assert_eq(CHECK(xs_sendto(a, "unixdg", 6, 0, &nb)), 6);
	CHECK(xs_settimeout(b, 5.0));
	cr_assert_eq(CHECK(xs_recvfrom(b, buf, sizeof buf, 0, &from)), 6);
	cr_assert_str_eq(buf, "unixdg");
	cr_assert_eq(from.family, AF_UNIX);
	cr_assert_eq(unix_name_len(&from), la);
	cr_assert_eq(memcmp(sun_of(&from)->sun_path, ra, la), 0);
	xs_free(a);
	xs_free(b);
}

Test(families, an_unbound_unix_socket_has_an_empty_name)
{
	struct xs_sock *s = socket_or_skip(AF_UNIX, SOCK_STREAM, 0);
	struct xs_addr name;

	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_UNIX);
	cr_assert_eq(unix_name_len(&name), 0, "name of %zu bytes", unix_name_len(&name));
	xs_free(s);
}

/* ---- AF_PACKET ---- */

Test(families, a_packet_socket_on_lo_sees_a_loopback_udp_datagram)
{
	struct xs_sock *p, *tx, *rx;
	struct xs_addr lo, from, dst;
	char marker[64], fmt[256];
	static uint8_t frame[65536];
	const struct sockaddr_ll *ll;
	unsigned lo_index = if_nametoindex("lo");
	double deadline;
	int found = 0;

	skip_unless_kernel(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL), "captures on lo");
	p = socket_or_skip(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	CHECK(xs_addr_packet(&lo, "lo", htons(ETH_P_ALL), 0, 0, NULL, 0));
	CHECK(xs_bind(p, &lo));

	/* on lo in every mode: this test is about capturing on loopback */
	tx = CHECK_PTR(xs_socket(AF_INET, SOCK_DGRAM, 0));
	rx = CHECK_PTR(xs_socket(AF_INET, SOCK_DGRAM, 0));
	loopback_addr(AF_INET, 0, &dst);
	CHECK(xs_bind(rx, &dst));
	CHECK(xs_getsockname(rx, &dst));
	snprintf(marker, sizeof marker, "xs-packet-%ld-%f", (long)getpid(), now_s());
	CHECK(xs_sendto(tx, marker, strlen(marker), 0, &dst));

	CHECK(xs_settimeout(p, 0.5));
	deadline = now_s() + 3.0;
	while (!found && now_s() < deadline) {
		ssize_t n = xs_recvfrom(p, frame, sizeof frame, 0, &from);

		if (n < 0) {
			cr_assert_eq(xs_last_error()->kind, XS_ERR_TIMEOUT, "%s",
				     xs_last_error()->msg);
			continue;
		}
		found = memmem(frame, (size_t)n, marker, strlen(marker)) != NULL;
	}
	cr_assert(found, "the datagram never showed up on lo");
	cr_assert_eq(from.family, AF_PACKET);
	ll = (const struct sockaddr_ll *)xs_addr_sa(&from);
	cr_assert_eq((unsigned)ll->sll_ifindex, lo_index);
	cr_assert_eq(ll->sll_protocol, htons(ETH_P_IP));
	CHECK(xs_addr_format(&from, fmt, sizeof fmt));
	cr_assert(strstr(fmt, "'lo'") != NULL, "packet address \"%s\" lacks 'lo'", fmt);
	xs_free(tx);
	xs_free(rx);
	xs_free(p);
}

/* ---- AF_NETLINK ---- */

Test(families, a_netlink_route_dump_lists_lo)
{
	struct xs_sock *s = socket_or_skip(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	struct xs_addr local, name, kernel;
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	static uint8_t buf[65536] __attribute__((aligned(8)));
	const struct sockaddr_nl *nl;
	int done = 0, saw_lo = 0;

	CHECK(xs_addr_netlink(&local, 0, 0));
	CHECK(xs_bind(s, &local));
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_NETLINK);
	nl = (const struct sockaddr_nl *)xs_addr_sa(&name);
	cr_assert_neq(nl->nl_pid, 0, "binding pid 0 lets the kernel assign one");

	memset(&req, 0, sizeof req);
	req.nh.nlmsg_len = sizeof req;
	req.nh.nlmsg_type = RTM_GETLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 4242;
	req.ifi.ifi_family = AF_UNSPEC;
	CHECK(xs_addr_netlink(&kernel, 0, 0));
	cr_assert_eq(CHECK(xs_sendto(s, &req, sizeof req, 0, &kernel)), (ssize_t)sizeof req);

	CHECK(xs_settimeout(s, 3.0));
	while (!done) {
		ssize_t n = CHECK(xs_recv(s, buf, sizeof buf, 0));
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;

		for (; NLMSG_OK(nh, (unsigned)n); nh = NLMSG_NEXT(nh, n)) {
			cr_assert_eq(nh->nlmsg_seq, 4242);
			if (nh->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			cr_assert_neq(nh->nlmsg_type, NLMSG_ERROR, "the kernel refused the dump");
			if (nh->nlmsg_type != RTM_NEWLINK)
				continue;
			struct ifinfomsg *ifi = NLMSG_DATA(nh);
			struct rtattr *rta = IFLA_RTA(ifi);
			int len = IFLA_PAYLOAD(nh);

			for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
				if (rta->rta_type == IFLA_IFNAME &&
				    strcmp((char *)RTA_DATA(rta), "lo") == 0)
					saw_lo = 1;
		}
	}
	cr_assert(saw_lo, "the link dump does not list lo");
	xs_free(s);
}

/* ---- families this kernel may lack ---- */

Test(families, tipc_binds_a_service_address)
{
	struct xs_sock *s = socket_or_skip(AF_TIPC, SOCK_RDM, 0);
	struct xs_addr a, name;
	uint32_t type = 20000 + (uint32_t)(getpid() % 10000);

	CHECK(xs_addr_tipc(&a, TIPC_ADDR_NAMESEQ, type, 1, 1, TIPC_NODE_SCOPE));
	if (xs_bind(s, &a) == -1)
		cr_skip_test("TIPC bind refused by the kernel: %s", xs_last_error()->msg);
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_TIPC);
	xs_free(s);
}

Test(families, can_raw_binds_to_vcan0_when_it_exists)
{
	struct xs_sock *s = socket_or_skip(AF_CAN, SOCK_RAW, 1 /* CAN_RAW */);
	struct xs_addr a, name;

	if (xs_addr_can(&a, "vcan0") == -1) {
		assert_os_error(ENODEV);
		cr_skip_test("no vcan0 interface: %s", xs_last_error()->msg);
	}
	CHECK(xs_bind(s, &a));
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_CAN);
	cr_assert_eq(((const struct sockaddr_can *)xs_addr_sa(&name))->can_ifindex,
		     ((const struct sockaddr_can *)xs_addr_sa(&a))->can_ifindex,
		     "the interface index did not round-trip");
	xs_free(s);
}

Test(families, vsock_binds_cid_any_and_reads_its_name_back)
{
	struct xs_sock *s = socket_or_skip(AF_VSOCK, SOCK_STREAM, 0);
	struct xs_addr a, name;
	const struct sockaddr_vm *vm;
	char fmt[64], want[64];

	CHECK(xs_addr_vsock(&a, VMADDR_CID_ANY, VMADDR_PORT_ANY));
	if (xs_bind(s, &a) == -1)
		cr_skip_test("VSOCK bind refused by the kernel: %s", xs_last_error()->msg);
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_VSOCK);
	vm = (const struct sockaddr_vm *)xs_addr_sa(&name);
	cr_assert_eq(vm->svm_cid, VMADDR_CID_ANY);
	cr_assert_neq(vm->svm_port, VMADDR_PORT_ANY, "the kernel assigns a port");
	CHECK(xs_addr_format(&name, fmt, sizeof fmt));
	snprintf(want, sizeof want, "(%u, %u)", vm->svm_cid, vm->svm_port);
	cr_assert_str_eq(fmt, want);
	xs_free(s);
}

Test(families, qipcrtr_sockets_have_a_name)
{
	struct xs_sock *s = socket_or_skip(AF_QIPCRTR, SOCK_DGRAM, 0);
	struct xs_addr name;

	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_QIPCRTR);
	xs_free(s);
}

Test(families, bluetooth_hci_binds_device_0_when_present)
{
	struct xs_sock *s = socket_or_skip(AF_BLUETOOTH, SOCK_RAW, BTPROTO_HCI);
	struct xs_addr a, name;

	CHECK(xs_addr_bt_hci(&a, 0));
	if (xs_bind(s, &a) == -1)
		cr_skip_test("no Bluetooth device hci0: %s", xs_last_error()->msg);
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(name.family, AF_BLUETOOTH);
	xs_free(s);
}

Test(families, rds_binds_to_the_loopback_address)
{
	struct xs_sock *s = socket_or_skip(AF_RDS, SOCK_SEQPACKET, 0);
	struct xs_addr a, name;

	loopback_addr(AF_INET, 0, &a);
	if (xs_bind(s, &a) == -1)
		cr_skip_test("RDS bind refused by the kernel: %s", xs_last_error()->msg);
	CHECK(xs_getsockname(s, &name));
	cr_assert_eq(xs_addr_port(&name) >= 0, 1);
	xs_free(s);
}
