/*
 * test_numbers.c — lookups and conversions that need no resolver (API.md
 * §1.2, §1.5, §2.4): protocol and service numbers, inet_aton/ntoa/pton/
 * ntop, CMSG_LEN/CMSG_SPACE, interface names and has_ipv6.
 *
 * Protocols and services come from /etc/protocols and /etc/services (the
 * netbase package); the tests that read them skip when a file is missing.
 * Interface tests rely only on `lo`, present in every network namespace.
 */
#include "helpers.h"

#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>
#include <unistd.h>

TestSuite(numbers, .init = xs_clear_error, .timeout = 10);

static void skip_without(const char *path)
{
	if (access(path, R_OK) < 0)
		cr_skip_test("%s is missing (install netbase): %s", path, strerror(errno));
}

/* Python's errors without errno: an OSError whose code is 0. */
static void assert_os_error_without_errno(const char *msg)
{
	assert_error(XS_ERR_OS, 0);
	cr_assert_str_eq(xs_last_error()->msg, msg);
}

/* ---- protocols and services ---- */

Test(numbers, getprotobyname_finds_tcp_udp_and_icmp)
{
	skip_without("/etc/protocols");
	cr_assert_eq(CHECK(xs_getprotobyname("tcp")), IPPROTO_TCP);
	cr_assert_eq(CHECK(xs_getprotobyname("udp")), IPPROTO_UDP);
	cr_assert_eq(CHECK(xs_getprotobyname("icmp")), IPPROTO_ICMP);
}

Test(numbers, getprotobyname_reports_an_unknown_protocol_without_errno)
{
	cr_assert_eq(xs_getprotobyname("no-such-protocol"), -1);
	assert_os_error_without_errno("protocol not found");
}

Test(numbers, getservbyname_finds_http_with_any_protocol_and_with_tcp)
{
	skip_without("/etc/services");
	cr_assert_eq(CHECK(xs_getservbyname("http", NULL)), 80);
	cr_assert_eq(CHECK(xs_getservbyname("http", "tcp")), 80);
	cr_assert_eq(CHECK(xs_getservbyname("domain", "udp")), 53);
}

Test(numbers, getservbyname_reports_an_unknown_service_without_errno)
{
	cr_assert_eq(xs_getservbyname("no-such-service", "tcp"), -1);
	assert_os_error_without_errno("service/proto not found");
}

Test(numbers, getservbyport_names_port_80_http)
{
	char name[32];

	skip_without("/etc/services");
	CHECK(xs_getservbyport(80, "tcp", name, sizeof(name)));
	cr_assert_str_eq(name, "http");
	CHECK(xs_getservbyport(80, NULL, name, sizeof(name)));
	cr_assert_str_eq(name, "http");
}

Test(numbers, getservbyport_rejects_ports_outside_0_to_65535)
{
	const int bad[] = { -1, 65536, INT_MAX };
	char name[32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(xs_getservbyport(bad[i], NULL, name, sizeof(name)), -1);
		assert_error(XS_ERR_VALUE, EOVERFLOW);
		cr_assert_str_eq(xs_last_error()->msg, "getservbyport: port must be 0-65535.");
	}
}

Test(numbers, getservbyport_reports_an_unknown_port_without_errno)
{
	char name[32];

	cr_assert_eq(xs_getservbyport(1, "no-such-proto", name, sizeof(name)), -1);
	assert_os_error_without_errno("port/proto not found");
}

Test(numbers, getservbyport_reports_a_short_buffer_as_erange)
{
	char name[4];

	skip_without("/etc/services");
	cr_assert_eq(xs_getservbyport(80, "tcp", name, sizeof(name)), -1);
	assert_os_error(ERANGE);
	assert_msg_mentions("getservbyport");
}

/* ---- inet_aton / inet_ntoa ---- */

Test(numbers, inet_aton_accepts_the_short_forms)
{
	struct in_addr in;

	CHECK(xs_inet_aton("127.1", &in));
	cr_assert_eq(ntohl(in.s_addr), 0x7f000001u);
	CHECK(xs_inet_aton("10.1.2.3", &in));
	cr_assert_eq(ntohl(in.s_addr), 0x0a010203u);
	CHECK(xs_inet_aton("0x7f.1", &in));
	cr_assert_eq(ntohl(in.s_addr), 0x7f000001u);
}

Test(numbers, inet_aton_rejects_an_illegal_string_without_errno)
{
	const char *bad[] = { "1.2.3.256", "hello", "", "1.2.3.4.5" };
	struct in_addr in;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(xs_inet_aton(bad[i], &in), -1, "\"%s\" accepted", bad[i]);
		assert_os_error_without_errno("illegal IP address string passed to inet_aton");
	}
}

Test(numbers, inet_ntoa_formats_a_dotted_quad)
{
	struct in_addr in = { .s_addr = htonl(0xc0000201) };
	char text[16];

	CHECK(xs_inet_ntoa(in, text, sizeof(text)));
	cr_assert_str_eq(text, "192.0.2.1");
}

Test(numbers, inet_ntoa_reports_a_short_buffer_as_erange)
{
	struct in_addr in = { .s_addr = htonl(0xc0000201) };
	char text[9];

	cr_assert_eq(xs_inet_ntoa(in, text, sizeof(text)), -1);
	assert_os_error(ERANGE);
}

/* ---- inet_pton / inet_ntop ---- */

Test(numbers, inet_pton_packs_ipv4_and_ipv6)
{
	const unsigned char v4[] = { 7, 10, 0, 5 };
	const unsigned char v6[] = { 0x5a, 0xef, 0x00, 0x2b, [15] = 0x08 };
	unsigned char out[16];

	cr_assert_eq(CHECK(xs_inet_pton(AF_INET, "7.10.0.5", out, sizeof(out))), 4);
	cr_assert_arr_eq(out, v4, 4);
	cr_assert_eq(CHECK(xs_inet_pton(AF_INET6, "5aef:2b::8", out, sizeof(out))), 16);
	cr_assert_arr_eq(out, v6, 16);
}

Test(numbers, inet_pton_rejects_an_illegal_string_without_errno)
{
	unsigned char out[16];

	cr_assert_eq(xs_inet_pton(AF_INET, "127.1", out, sizeof(out)), -1);
	assert_os_error_without_errno("illegal IP address string passed to inet_pton");
	cr_assert_eq(xs_inet_pton(AF_INET6, "1::2::3", out, sizeof(out)), -1);
	assert_os_error_without_errno("illegal IP address string passed to inet_pton");
}

Test(numbers, inet_pton_rejects_an_unknown_family_with_eafnosupport)
{
	unsigned char out[16];

	cr_assert_eq(xs_inet_pton(AF_UNIX, "1.2.3.4", out, sizeof(out)), -1);
	assert_os_error(EAFNOSUPPORT);
}

Test(numbers, inet_pton_reports_a_short_output_as_erange)
{
	unsigned char out[8];

	cr_assert_eq(xs_inet_pton(AF_INET6, "::1", out, sizeof(out)), -1);
	assert_os_error(ERANGE);
}

Test(numbers, inet_ntop_formats_ipv4_and_ipv6)
{
	const unsigned char v4[] = { 7, 10, 0, 5 };
	const unsigned char v6[] = { 0x5a, 0xef, 0x00, 0x2b, [15] = 0x08 };
	char text[64];

	CHECK(xs_inet_ntop(AF_INET, v4, sizeof(v4), text, sizeof(text)));
	cr_assert_str_eq(text, "7.10.0.5");
	CHECK(xs_inet_ntop(AF_INET6, v6, sizeof(v6), text, sizeof(text)));
	cr_assert_str_eq(text, "5aef:2b::8");
}

Test(numbers, inet_ntop_rejects_a_packed_address_of_the_wrong_length)
{
	const unsigned char packed[16] = { 0 };
	char text[64];

	cr_assert_eq(xs_inet_ntop(AF_INET, packed, 16, text, sizeof(text)), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_str_eq(xs_last_error()->msg, "invalid length of packed IP address string");
	cr_assert_eq(xs_inet_ntop(AF_INET6, packed, 4, text, sizeof(text)), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
}

Test(numbers, inet_ntop_rejects_an_unknown_family)
{
	const unsigned char packed[4] = { 0 };
	char text[64];

	cr_assert_eq(xs_inet_ntop(AF_UNIX, packed, 4, text, sizeof(text)), -1);
	assert_error(XS_ERR_VALUE, EAFNOSUPPORT);
	assert_msg_mentions("unknown address family");
}

Test(numbers, inet_ntop_reports_a_short_buffer_as_erange)
{
	const unsigned char v6[16] = { [15] = 1 };
	char text[3];

	cr_assert_eq(xs_inet_ntop(AF_INET6, v6, sizeof(v6), text, sizeof(text)), -1);
	assert_os_error(ERANGE);
}

/* ---- CMSG_LEN / CMSG_SPACE ---- */

Test(numbers, cmsg_len_and_cmsg_space_match_the_c_macros)
{
	const size_t lengths[] = { 0, 1, 4, 7, 8, 16, 100, 4096 };
	size_t i;

	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		cr_assert_eq(CHECK(xs_cmsg_len(lengths[i])), (ssize_t)CMSG_LEN(lengths[i]));
		cr_assert_eq(CHECK(xs_cmsg_space(lengths[i])), (ssize_t)CMSG_SPACE(lengths[i]));
	}
}

/* CPython's bound: the result must fit a socklen_t it accepts (INT_MAX). */
Test(numbers, cmsg_len_accepts_up_to_the_socklen_limit_and_no_further)
{
	size_t max = INT_MAX - CMSG_LEN(0);

	cr_assert_eq(CHECK(xs_cmsg_len(max)), INT_MAX);
	cr_assert_eq(xs_cmsg_len(max + 1), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
	cr_assert_str_eq(xs_last_error()->msg, "CMSG_LEN() argument out of range");
	cr_assert_eq(xs_cmsg_len(SIZE_MAX), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
}

Test(numbers, cmsg_space_accepts_up_to_the_socklen_limit_and_no_further)
{
	size_t max = INT_MAX - CMSG_SPACE(1);

	cr_assert_leq(CHECK(xs_cmsg_space(max)), INT_MAX);
	cr_assert_eq(xs_cmsg_space(max + 1), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
	cr_assert_str_eq(xs_last_error()->msg, "CMSG_SPACE() argument out of range");
	cr_assert_eq(xs_cmsg_space(SIZE_MAX), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
}

/* ---- interfaces ---- */

/* xs_if_nametoindex fails with 0, not -1, so CHECK() does not fit it. */
static unsigned lo_index(void)
{
	unsigned index = xs_if_nametoindex("lo");

	cr_assert_gt(index, 0, "no index for lo: \"%s\"", xs_last_error()->msg);
	return index;
}

Test(numbers, if_nameindex_lists_loopback_with_its_index)
{
	size_t count, i;
	struct xs_ifname *v = CHECK_PTR(xs_if_nameindex(&count));
	unsigned lo = lo_index();
	int found = 0;

	for (i = 0; i < count; i++) {
		cr_assert_gt(v[i].index, 0);
		if (!strcmp(v[i].name, "lo"))
			found = v[i].index == lo;
	}
	cr_assert(found, "lo (index %u) is not in the list of %zu", lo, count);
	xs_free_ifnames(v, count);
}

Test(numbers, if_nametoindex_and_if_indextoname_round_trip)
{
	char name[IF_NAMESIZE];
	unsigned index = lo_index();

	CHECK(xs_if_indextoname(index, name, sizeof(name)));
	cr_assert_str_eq(name, "lo");
}

Test(numbers, if_nametoindex_reports_an_unknown_interface_with_zero)
{
	cr_assert_eq(xs_if_nametoindex("xs-no-such0"), 0);
	assert_os_error(ENODEV);
	assert_msg_mentions("no interface with this name");
}

Test(numbers, if_indextoname_reports_an_unknown_index_with_enxio)
{
	char name[IF_NAMESIZE];

	cr_assert_eq(xs_if_indextoname(0, name, sizeof(name)), -1);
	assert_os_error(ENXIO);
}

Test(numbers, if_indextoname_reports_a_short_buffer_as_erange)
{
	char name[2];

	cr_assert_eq(xs_if_indextoname(lo_index(), name, sizeof(name)), -1);
	assert_os_error(ERANGE);
}

/* ---- IPv6 and the error record ---- */

Test(numbers, has_ipv6_agrees_with_the_kernel)
{
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	cr_assert_eq(xs_has_ipv6(), fd >= 0);
	if (fd >= 0)
		close(fd);
}

Test(numbers, successful_calls_leave_the_error_record_alone)
{
	struct in_addr in;
	unsigned char out[16];
	char text[64];

	xs_getprotobyname("no-such-protocol");
	CHECK(xs_inet_aton("127.0.0.1", &in));
	CHECK(xs_inet_pton(AF_INET6, "::1", out, sizeof(out)));
	CHECK(xs_inet_ntop(AF_INET, out, 4, text, sizeof(text)));
	CHECK(xs_cmsg_space(8));
	xs_has_ipv6();
	assert_os_error_without_errno("protocol not found");
}

Test(numbers, null_arguments_are_value_errors_naming_the_argument)
{
	struct in_addr in;
	char buf[64];

	cr_assert_eq(xs_inet_pton(AF_INET, NULL, &in, sizeof(in)), -1);
	cr_assert_eq(xs_last_error()->kind, XS_ERR_VALUE);
	cr_assert(strstr(xs_last_error()->msg, "'ip'"), "%s", xs_last_error()->msg);
	cr_assert_eq(xs_getaddrinfo("127.0.0.1", "80", 0, 0, 0, AI_NUMERICHOST, NULL), -1);
	cr_assert(strstr(xs_last_error()->msg, "'res'"), "%s", xs_last_error()->msg);
	cr_assert_eq(xs_gethostbyname(NULL, buf, sizeof(buf)), -1);
	cr_assert_eq(xs_last_error()->code, EINVAL);
	cr_assert_eq(xs_if_nametoindex(NULL), 0);
	cr_assert_eq(xs_last_error()->kind, XS_ERR_VALUE);
	cr_assert_null(xs_gethostbyaddr(NULL));
	cr_assert_eq(xs_last_error()->kind, XS_ERR_VALUE);
	cr_assert_eq(xs_getnameinfo(NULL, 0, buf, sizeof(buf), buf, sizeof(buf)), -1);
	cr_assert(strstr(xs_last_error()->msg, "'sa'"), "%s", xs_last_error()->msg);
}
