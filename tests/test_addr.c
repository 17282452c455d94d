/*
 * test_addr.c — the address constructors, accessors and xs_addr_format():
 * every form builds the sockaddr the kernel expects and prints as Python
 * would print it, and every bad argument fails with the kind, code and
 * message the API promises. Name resolution uses only /etc/hosts
 * ("localhost") and failures glibc reports without asking a DNS server;
 * the names suite covers real lookups inside a private namespace.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/can.h>
#include <linux/tipc.h>
#include <net/if.h>
#include <netdb.h>
#include <netpacket/packet.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "xsocket.h"

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)

static void expect_error(enum xs_errkind kind, int code, const char *part)
{
	const struct xs_error *e = xs_last_error();

	cr_assert_eq(e->kind, kind, "kind %d, want %d (%s)", e->kind, kind, e->msg);
	cr_assert_eq(e->code, code, "code %d, want %d (%s)", e->code, code, e->msg);
	cr_assert(strstr(e->msg, part), "message '%s' lacks '%s'", e->msg, part);
}

/* A failed constructor returns -1, fills the record and leaves no address. */
static void expect_fail(int rc, const struct xs_addr *a, enum xs_errkind kind, int code,
			const char *part)
{
	cr_assert_eq(rc, -1);
	expect_error(kind, code, part);
	cr_assert_eq(a->family, AF_UNSPEC);
}

static void expect_format(const struct xs_addr *a, const char *want)
{
	char buf[256];

	cr_assert_eq(xs_addr_format(a, buf, sizeof(buf)), (int)strlen(want), "%s",
		     xs_last_error()->msg);
	cr_assert_str_eq(buf, want);
}

static const struct sockaddr_in *sin_of(const struct xs_addr *a)
{
	return (const struct sockaddr_in *)xs_addr_sa(a);
}

static const struct sockaddr_in6 *sin6_of(const struct xs_addr *a)
{
	return (const struct sockaddr_in6 *)xs_addr_sa(a);
}

/* ---- AF_INET ---- */

Test(addr, inet_builds_a_sockaddr_in_and_prints_as_a_pair)
{
	struct xs_addr a;
	char host[64];

	cr_assert_eq(xs_addr_inet(&a, "127.0.0.1", 80), 0);
	cr_assert_eq(a.family, AF_INET);
	cr_assert_eq(a.len, sizeof(struct sockaddr_in));
	cr_assert_eq(sin_of(&a)->sin_family, AF_INET);
	cr_assert_eq(sin_of(&a)->sin_port, htons(80));
	cr_assert_eq(xs_addr_port(&a), 80);
	cr_assert_eq(xs_addr_host(&a, host, sizeof(host)), 0);
	cr_assert_str_eq(host, "127.0.0.1");
	expect_format(&a, "('127.0.0.1', 80)");
}

Test(addr, inet_empty_host_is_any_and_broadcast_forms_are_broadcast)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_inet(&a, "", 0), 0);
	cr_assert_eq(sin_of(&a)->sin_addr.s_addr, htonl(INADDR_ANY));
	expect_format(&a, "('0.0.0.0', 0)");
	cr_assert_eq(xs_addr_inet(&a, "<broadcast>", 9), 0);
	cr_assert_eq(sin_of(&a)->sin_addr.s_addr, htonl(INADDR_BROADCAST));
	cr_assert_eq(xs_addr_inet(&a, "255.255.255.255", 9), 0);
	expect_format(&a, "('255.255.255.255', 9)");
}

Test(addr, inet_resolves_localhost_from_the_hosts_file)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_inet(&a, "localhost", 7), 0, "%s", xs_last_error()->msg);
	expect_format(&a, "('127.0.0.1', 7)");
}

Test(addr, inet_rejects_an_ipv6_literal_with_a_gaierror)
{
	struct xs_addr a;

	expect_fail(xs_addr_inet(&a, "::1", 80), &a, XS_ERR_GAI, EAI_ADDRFAMILY, "'::1'");
}

Test(addr, inet_rejects_ports_outside_0_to_65535_as_overflow)
{
	struct xs_addr a;

	expect_fail(xs_addr_inet(&a, "127.0.0.1", 65536), &a, XS_ERR_VALUE, EOVERFLOW,
		    "port must be 0-65535");
	expect_fail(xs_addr_inet(&a, "127.0.0.1", -1), &a, XS_ERR_VALUE, EOVERFLOW,
		    "port must be 0-65535");
	cr_assert_eq(xs_addr_inet(&a, "127.0.0.1", 65535), 0);
}

Test(addr, constructors_reject_null_pointers_with_value_errors)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_inet(NULL, "127.0.0.1", 1), -1);
	expect_error(XS_ERR_VALUE, EINVAL, "address is NULL");
	expect_fail(xs_addr_inet(&a, NULL, 1), &a, XS_ERR_VALUE, EINVAL, "host is NULL");
	expect_fail(xs_addr_unix(&a, NULL), &a, XS_ERR_VALUE, EINVAL, "path is NULL");
	expect_fail(xs_addr_unix_bytes(&a, NULL, 3), &a, XS_ERR_VALUE, EINVAL, "name is NULL");
	expect_fail(xs_addr_can(&a, NULL), &a, XS_ERR_VALUE, EINVAL, "ifname is NULL");
	expect_fail(xs_addr_alg(&a, "hash", NULL, 0, 0), &a, XS_ERR_VALUE, EINVAL, "name is NULL");
	expect_fail(xs_addr_bt_sco(&a, NULL), &a, XS_ERR_VALUE, EINVAL, "bdaddr is NULL");
	expect_fail(xs_addr_packet(&a, "lo", 0, 0, 0, NULL, 2), &a, XS_ERR_VALUE, EINVAL,
		    "hwaddr is NULL");
}

Test(addr, a_successful_call_leaves_the_error_record_alone)
{
	struct xs_addr a;
	char buf[64];

	xs_addr_inet(&a, "127.0.0.1", 70000);
	cr_assert_eq(xs_addr_inet(&a, "127.0.0.1", 80), 0);
	cr_assert_eq(xs_addr_format(&a, buf, sizeof(buf)), 17);
	expect_error(XS_ERR_VALUE, EOVERFLOW, "port must be 0-65535");
}

/* ---- AF_INET6 ---- */

Test(addr, inet6_prints_as_a_four_tuple)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_inet6(&a, "::1", 80, 0, 0), 0);
	cr_assert_eq(a.family, AF_INET6);
	cr_assert_eq(a.len, sizeof(struct sockaddr_in6));
	cr_assert_eq(xs_addr_port(&a), 80);
	expect_format(&a, "('::1', 80, 0, 0)");
	cr_assert_eq(xs_addr_inet6(&a, "", 443, 0xFFFFF, 3), 0);
	cr_assert_eq(sin6_of(&a)->sin6_flowinfo, htonl(0xFFFFF));
	expect_format(&a, "('::', 443, 1048575, 3)");
}

Test(addr, inet6_takes_the_scope_from_a_percent_suffix)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_inet6(&a, "fe80::1%lo", 1, 0, 0), 0, "%s", xs_last_error()->msg);
	cr_assert_eq(sin6_of(&a)->sin6_scope_id, if_nametoindex("lo"));
	cr_assert_eq(xs_addr_inet6(&a, "::1%7", 1, 0, 3), 0, "%s", xs_last_error()->msg);
	expect_format(&a, "('::1', 1, 0, 7)");
}

Test(addr, inet6_fails_on_an_unknown_scope_with_a_gaierror)
{
	struct xs_addr a;

	expect_fail(xs_addr_inet6(&a, "fe80::1%nosuchif0", 1, 0, 0), &a, XS_ERR_GAI, EAI_NONAME,
		    "fe80::1%nosuchif0");
	expect_fail(xs_addr_inet6(&a, "127.0.0.1", 1, 0, 0), &a, XS_ERR_GAI, EAI_ADDRFAMILY,
		    "IPv6");
}

Test(addr, inet6_rejects_broadcast_and_large_flowinfo)
{
	struct xs_addr a;

	expect_fail(xs_addr_inet6(&a, "<broadcast>", 1, 0, 0), &a, XS_ERR_OS, 0,
		    "address family mismatched");
	expect_fail(xs_addr_inet6(&a, "::1", 1, 0x100000, 0), &a, XS_ERR_VALUE, EOVERFLOW,
		    "flowinfo must be 0-1048575");
	expect_fail(xs_addr_inet6(&a, "::1", 65536, 0, 0), &a, XS_ERR_VALUE, EOVERFLOW,
		    "port must be 0-65535");
}

/* ---- AF_UNIX ---- */

Test(addr, unix_path_counts_its_terminator_and_prints_as_a_str)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_unix(&a, "/tmp/x"), 0);
	cr_assert_eq(a.family, AF_UNIX);
	cr_assert_eq(a.len, SUN_OFF + 7);
	cr_assert_str_eq(((const struct sockaddr_un *)xs_addr_sa(&a))->sun_path, "/tmp/x");
	expect_format(&a, "'/tmp/x'");
	cr_assert_eq(xs_addr_unix(&a, "it's"), 0);
	expect_format(&a, "\"it's\"");
}

Test(addr, unix_path_must_leave_room_for_its_terminator)
{
	struct xs_addr a;
	char path[110];

	memset(path, 'p', sizeof(path));
	path[107] = '\0';
	cr_assert_eq(xs_addr_unix(&a, path), 0);
	cr_assert_eq(a.len, sizeof(struct sockaddr_un));
	path[107] = 'p';
	path[108] = '\0';
	expect_fail(xs_addr_unix(&a, path), &a, XS_ERR_OS, ENAMETOOLONG, "AF_UNIX path too long");
}

Test(addr, unix_abstract_name_is_exact_and_prints_as_bytes)
{
	struct xs_addr a;
	char name[109] = "";

	cr_assert_eq(xs_addr_unix_bytes(&a, "\0name", 5), 0);
	cr_assert_eq(a.len, SUN_OFF + 5);
	expect_format(&a, "b'\\x00name'");
	cr_assert_eq(xs_addr_unix_bytes(&a, name, 108), 0);
	cr_assert_eq(a.len, sizeof(struct sockaddr_un));
	expect_fail(xs_addr_unix_bytes(&a, name, 109), &a, XS_ERR_OS, ENAMETOOLONG,
		    "AF_UNIX path too long");
}

Test(addr, unix_bytes_escape_like_python)
{
	struct xs_addr a;
	static const char name[] = "\0ab'c\x01\x7f\xff\"\\\t";

	cr_assert_eq(xs_addr_unix_bytes(&a, name, sizeof(name) - 1), 0);
	expect_format(&a, "b'\\x00ab\\'c\\x01\\x7f\\xff\"\\\\\\t'");
}

Test(addr, unix_path_keeps_utf8_and_escapes_undecodable_bytes)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_unix(&a, "/tmp/caf\xc3\xa9\xff"), 0);
	expect_format(&a, "'/tmp/caf\xc3\xa9\\udcff'");
}

Test(addr, unix_empty_name_autobinds_and_prints_empty)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_unix_bytes(&a, NULL, 0), 0);
	cr_assert_eq(a.len, SUN_OFF);
	expect_format(&a, "''");
	cr_assert_eq(xs_addr_unix(&a, ""), 0);
	cr_assert_eq(a.len, SUN_OFF);
}

/* ---- numeric Linux families ---- */

Test(addr, netlink_vsock_and_qipcrtr_print_as_pairs)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_netlink(&a, 5317, 4), 0);
	cr_assert_eq(a.family, AF_NETLINK);
	cr_assert_eq(a.len, 12);
	expect_format(&a, "(5317, 4)");
	cr_assert_eq(xs_addr_vsock(&a, 2, 1234), 0);
	cr_assert_eq(a.family, AF_VSOCK);
	cr_assert_eq(a.len, 16);
	expect_format(&a, "(2, 1234)");
	cr_assert_eq(xs_addr_qipcrtr(&a, 1, 2), 0);
	cr_assert_eq(a.family, AF_QIPCRTR);
	cr_assert_eq(a.len, 12);
	expect_format(&a, "(1, 2)");
	cr_assert_eq(xs_addr_port(&a), -1);
}

Test(addr, tipc_prints_as_python_shows_each_address_type)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_tipc(&a, TIPC_ADDR_NAMESEQ, 1000, 1, 2, TIPC_CLUSTER_SCOPE), 0);
	cr_assert_eq(a.family, AF_TIPC);
	cr_assert_eq(a.len, 16);
	expect_format(&a, "(1, 1000, 1, 2, 2)");
	cr_assert_eq(xs_addr_tipc(&a, TIPC_ADDR_NAME, 1000, 5, 9, TIPC_NODE_SCOPE), 0);
	expect_format(&a, "(2, 1000, 5, 5, 3)");
	cr_assert_eq(xs_addr_tipc(&a, TIPC_ADDR_ID, 7, 8, 9, 0), 0);
	expect_format(&a, "(3, 7, 8, 0, 0)");
	expect_fail(xs_addr_tipc(&a, 9, 0, 0, 0, 0), &a, XS_ERR_VALUE, EINVAL, "TIPC_ADDR_NAMESEQ");
}

/* ---- interface-bound families ---- */

Test(addr, can_maps_the_interface_name_to_its_index)
{
	struct xs_addr a;
	const struct sockaddr_can *can = (const struct sockaddr_can *)&a.ss;

	cr_assert_eq(xs_addr_can(&a, "lo"), 0, "%s", xs_last_error()->msg);
	cr_assert_eq((const void *)xs_addr_sa(&a), (const void *)can);
	cr_assert_eq(a.family, AF_CAN);
	cr_assert_eq(a.len, sizeof(struct sockaddr_can));
	cr_assert_eq(can->can_ifindex, (int)if_nametoindex("lo"));
	expect_format(&a, "('lo',)");
	cr_assert_eq(xs_addr_can(&a, ""), 0);
	cr_assert_eq(can->can_ifindex, 0);
	expect_format(&a, "('',)");
}

Test(addr, can_isotp_and_j1939_print_their_extra_fields)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_can_isotp(&a, "lo", 0x123, 0x456), 0);
	cr_assert_eq(a.proto, CAN_ISOTP);
	expect_format(&a, "('lo', 291, 1110)");
	cr_assert_eq(xs_addr_can_j1939(&a, "", 0x1122334455667788ULL, 0x3FFFF, 0xFE), 0);
	cr_assert_eq(a.proto, CAN_J1939);
	expect_format(&a, "('', 1234605616436508552, 262143, 254)");
}

Test(addr, can_and_packet_fail_with_enodev_on_an_unknown_interface)
{
	struct xs_addr a;

	expect_fail(xs_addr_can(&a, "nosuchif0"), &a, XS_ERR_OS, ENODEV, "'nosuchif0'");
	expect_fail(xs_addr_can_isotp(&a, "nosuchif0", 1, 2), &a, XS_ERR_OS, ENODEV, "nosuchif0");
	expect_fail(xs_addr_packet(&a, "nosuchif0", htons(0x0800), 0, 0, NULL, 0), &a, XS_ERR_OS,
		    ENODEV, "'nosuchif0'");
	expect_fail(xs_addr_can(&a, "a_name_too_long_for_ifnamsiz"), &a, XS_ERR_OS, ENAMETOOLONG,
		    "too long");
}

Test(addr, packet_prints_as_getsockname_shows_it)
{
	struct xs_addr a;
	static const unsigned char mac[6] = { 0 };
	const struct sockaddr_ll *ll = (const struct sockaddr_ll *)&a.ss;

	cr_assert_eq(xs_addr_packet(&a, "lo", htons(0x0800), 0, 772, mac, 6), 0,
		     "%s", xs_last_error()->msg);
	cr_assert_eq(a.family, AF_PACKET);
	cr_assert_eq(a.len, sizeof(struct sockaddr_ll));
	cr_assert_eq(ll->sll_protocol, htons(0x0800));
	cr_assert_eq(ll->sll_ifindex, (int)if_nametoindex("lo"));
	expect_format(&a, "('lo', 2048, 0, 772, b'\\x00\\x00\\x00\\x00\\x00\\x00')");
}

Test(addr, packet_rejects_hardware_addresses_over_eight_bytes)
{
	struct xs_addr a;
	static const unsigned char mac[9] = { 0 };

	cr_assert_eq(xs_addr_packet(&a, "lo", 0, 0, 0, mac, 8), 0);
	expect_fail(xs_addr_packet(&a, "lo", 0, 0, 0, mac, 9), &a, XS_ERR_VALUE, EINVAL,
		    "8 bytes or less");
	expect_fail(xs_addr_packet(&a, "lo", 0, 256, 0, NULL, 0), &a, XS_ERR_VALUE, EOVERFLOW,
		    "pkttype must be 0-255");
}

/* ---- AF_ALG ---- */

Test(addr, alg_prints_type_name_feat_and_mask)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_alg(&a, "hash", "sha256", 0, 0), 0);
	cr_assert_eq(a.family, AF_ALG);
	cr_assert_eq(a.len, 88);
	expect_format(&a, "('hash', 'sha256', 0, 0)");
}

Test(addr, alg_needs_room_for_each_terminator)
{
	struct xs_addr a;
	char name[65];

	memset(name, 'n', 63);
	name[63] = '\0';
	cr_assert_eq(xs_addr_alg(&a, "skcipher12345", name, 0, 0), 0);
	name[63] = 'n';
	name[64] = '\0';
	expect_fail(xs_addr_alg(&a, "hash", name, 0, 0), &a, XS_ERR_VALUE, EINVAL,
		    "name");
	expect_fail(xs_addr_alg(&a, "skcipher123456", "aes", 0, 0), &a, XS_ERR_VALUE, EINVAL,
		    "AF_ALG type 'skcipher123456' too long");
}

/* ---- Bluetooth ---- */

Test(addr, bluetooth_stores_bdaddr_last_octet_first)
{
	struct xs_addr a;
	const unsigned char *sa = (const unsigned char *)&a.ss;
	static const unsigned char want[6] = { 0xAB, 0x89, 0x67, 0x45, 0x23, 0x01 };

	cr_assert_eq(xs_addr_bt_l2cap(&a, "01:23:45:67:89:ab", 0x1001), 0);
	cr_assert_eq(a.family, AF_BLUETOOTH);
	cr_assert_eq(a.proto, 0 /* BTPROTO_L2CAP */);
	cr_assert_eq(a.len, 14);
	cr_assert_arr_eq(sa + 4, want, 6);
	expect_format(&a, "('01:23:45:67:89:AB', 4097)");
}

Test(addr, bluetooth_protocols_print_as_python_shows_them)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_bt_rfcomm(&a, "1:2:3:4:5:6", 3), 0);
	cr_assert_eq(a.proto, 3 /* BTPROTO_RFCOMM */);
	cr_assert_eq(a.len, 10);
	expect_format(&a, "('01:02:03:04:05:06', 3)");
	cr_assert_eq(xs_addr_bt_hci(&a, 0), 0);
	cr_assert_eq(a.proto, 1 /* BTPROTO_HCI */);
	cr_assert_eq(a.len, 6);
	expect_format(&a, "0");
	cr_assert_eq(xs_addr_bt_sco(&a, "AA:BB:CC:DD:EE:FF"), 0);
	cr_assert_eq(a.proto, 2 /* BTPROTO_SCO */);
	cr_assert_eq(a.len, 8);
	expect_format(&a, "'AA:BB:CC:DD:EE:FF'");
}

Test(addr, bluetooth_rejects_malformed_addresses)
{
	static const char *const bad[] = {
		"", "01:23:45:67:89", "01:23:45:67:89:AB:CD", "0x1:2:3:4:5:6",
		"001:2:3:4:5:6", "01-23-45-67-89-AB", "01:23:45:67:89:AG", " 1:2:3:4:5:6",
	};
	struct xs_addr a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_fail(xs_addr_bt_rfcomm(&a, bad[i], 1), &a, XS_ERR_OS, EINVAL,
			    "bad bluetooth address");
	expect_fail(xs_addr_bt_rfcomm(&a, "01:23:45:67:89:AB", 256), &a, XS_ERR_VALUE, EOVERFLOW,
		    "channel must be 0-255");
}

/* ---- raw sockaddrs and the accessors ---- */

Test(addr, from_sockaddr_copies_and_formats_by_family)
{
	struct xs_addr a, b;

	cr_assert_eq(xs_addr_inet(&a, "10.1.2.3", 4), 0);
	cr_assert_eq(xs_addr_from_sockaddr(&b, xs_addr_sa(&a), a.len, 0), 0);
	cr_assert_eq(b.family, AF_INET);
	cr_assert_eq(b.len, a.len);
	expect_format(&b, "('10.1.2.3', 4)");
	cr_assert_eq(xs_addr_from_sockaddr(&b, NULL, 0, 0), 0);
	cr_assert_eq(b.family, AF_UNSPEC);
	expect_format(&b, "None");
}

Test(addr, from_sockaddr_rejects_lengths_that_do_not_fit)
{
	struct xs_addr a, b;

	xs_addr_inet(&a, "10.1.2.3", 4);
	expect_fail(xs_addr_from_sockaddr(&b, xs_addr_sa(&a), sizeof(a.ss) + 1, 0), &b,
		    XS_ERR_VALUE, EINVAL, "exceeds");
	expect_fail(xs_addr_from_sockaddr(&b, xs_addr_sa(&a), 1, 0), &b, XS_ERR_VALUE, EINVAL,
		    "family");
}

Test(addr, unknown_families_print_as_family_and_raw_bytes)
{
	struct sockaddr sa = { .sa_family = AF_APPLETALK, .sa_data = "ab" };
	struct xs_addr a;

	cr_assert_eq(xs_addr_from_sockaddr(&a, &sa, sizeof(sa), 0), 0);
	expect_format(&a, "(5, b'ab\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00')");
}

Test(addr, format_fails_with_erange_when_the_buffer_is_short)
{
	struct xs_addr a;
	char buf[18];

	xs_addr_inet(&a, "127.0.0.1", 80);
	cr_assert_eq(xs_addr_format(&a, buf, 17), -1);
	expect_error(XS_ERR_OS, ERANGE, "needs 18 bytes");
	cr_assert_eq(xs_addr_format(&a, buf, 18), 17);
	cr_assert_eq(xs_addr_format(&a, NULL, 18), -1);
	expect_error(XS_ERR_VALUE, EINVAL, "buf is NULL");
}

Test(addr, host_is_only_for_ip_families_and_needs_room)
{
	struct xs_addr a;
	char buf[8];

	xs_addr_netlink(&a, 1, 0);
	cr_assert_eq(xs_addr_host(&a, buf, sizeof(buf)), -1);
	expect_error(XS_ERR_VALUE, EAFNOSUPPORT, "AF_INET");
	xs_addr_inet(&a, "192.168.100.200", 1);
	cr_assert_eq(xs_addr_host(&a, buf, sizeof(buf)), -1);
	expect_error(XS_ERR_OS, ERANGE, "too small");
}

/* The kernel accepts what the constructors build and hands back the same text. */
static void expect_kernel_round_trip(const struct xs_addr *a, int type, const char *want)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct xs_addr back;
	int fd = socket(a->family, type, 0);

	cr_assert_geq(fd, 0, "socket: %s", strerror(errno));
	cr_assert_eq(bind(fd, xs_addr_sa(a), a->len), 0, "bind: %s", strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	close(fd);
	cr_assert_eq(xs_addr_from_sockaddr(&back, (struct sockaddr *)&ss, len, 0), 0);
	cr_assert_eq(back.len, a->len);
	expect_format(&back, want);
}

Test(addr, bound_unix_addresses_come_back_from_the_kernel_unchanged)
{
	struct xs_addr a;
	char path[64], want[80];

	cr_assert_eq(xs_addr_unix_bytes(&a, "\0xsocket-test-addr", 18), 0);
	expect_kernel_round_trip(&a, SOCK_DGRAM, "b'\\x00xsocket-test-addr'");
	snprintf(path, sizeof(path), "/tmp/xsocket-test-addr-%d", (int)getpid());
	snprintf(want, sizeof(want), "'%s'", path);
	unlink(path);
	cr_assert_eq(xs_addr_unix(&a, path), 0);
	expect_kernel_round_trip(&a, SOCK_DGRAM, want);
	unlink(path);
}

Test(addr, format_refuses_a_length_larger_than_the_storage)
{
	struct xs_addr a;
	char buf[256];

	cr_assert_eq(xs_addr_unix_bytes(&a, "\0name", 5), 0);
	a.len = 1000;
	cr_assert_eq(xs_addr_format(&a, buf, sizeof(buf)), -1);
	cr_assert_eq(xs_last_error()->kind, XS_ERR_VALUE);
}
