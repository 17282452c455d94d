/*
 * test_options.c — getsockopt/setsockopt in their integer and buffer forms,
 * the buflen range, and the (None, optlen) form (API.md §1.6, §1.7.12).
 */
#include "helpers.h"

#include <net/if.h>
#include <netinet/tcp.h>

TestSuite(options, .timeout = 10);

static int get_int(struct xs_sock *s, int level, int name)
{
	int v = -12345;

	CHECK(xs_getsockopt_int(s, level, name, &v));
	return v;
}

static void reuseaddr_round_trip(int type)
{
	struct xs_sock *s = socket_or_skip(AF_INET, type, 0);

	cr_assert_eq(get_int(s, SOL_SOCKET, SO_REUSEADDR), 0);
	CHECK(xs_setsockopt_int(s, SOL_SOCKET, SO_REUSEADDR, 1));
	cr_assert_neq(get_int(s, SOL_SOCKET, SO_REUSEADDR), 0);
	CHECK(xs_setsockopt_int(s, SOL_SOCKET, SO_REUSEADDR, 0));
	cr_assert_eq(get_int(s, SOL_SOCKET, SO_REUSEADDR), 0);
	xs_free(s);
}

Test(options, so_reuseaddr_is_off_by_default_and_can_be_set_and_cleared)
{
	reuseaddr_round_trip(SOCK_STREAM);
}

Test(options, so_reuseaddr_is_off_by_default_and_can_be_set_and_cleared_on_udp)
{
	reuseaddr_round_trip(SOCK_DGRAM);
}

Test(options, so_rcvbuf_set_in_int_form_reads_back_in_both_forms)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	int v = 0;
	socklen_t len = sizeof v;

	CHECK(xs_setsockopt_int(s, SOL_SOCKET, SO_RCVBUF, 65536));
	cr_assert_geq(get_int(s, SOL_SOCKET, SO_RCVBUF), 65536);
	CHECK(xs_getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len));
	cr_assert_eq(len, sizeof v);
	cr_assert_eq(v, get_int(s, SOL_SOCKET, SO_RCVBUF));
	xs_free(s);
}

Test(options, so_rcvbuf_set_in_buffer_form_reads_back_as_an_int)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	int small = 4096, big = 131072;

	CHECK(xs_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &small, sizeof small));
	int after_small = get_int(s, SOL_SOCKET, SO_RCVBUF);
	CHECK(xs_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof big));
	int after_big = get_int(s, SOL_SOCKET, SO_RCVBUF);
	cr_assert_gt(after_big, after_small, "setting %d then %d gave %d then %d", small, big,
		     after_small, after_big);
	xs_free(s);
}

Test(options, so_linger_round_trips_as_a_struct)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	struct linger in = {.l_onoff = 1, .l_linger = 5}, out;
	socklen_t len = sizeof out;

	CHECK(xs_setsockopt(s, SOL_SOCKET, SO_LINGER, &in, sizeof in));
	memset(&out, 0, sizeof out);
	CHECK(xs_getsockopt(s, SOL_SOCKET, SO_LINGER, &out, &len));
	cr_assert_eq(len, sizeof out, "length out %u", (unsigned)len);
	cr_assert_neq(out.l_onoff, 0);
	cr_assert_eq(out.l_linger, 5);
	xs_free(s);
}

Test(options, getsockopt_reports_the_real_length_in_a_larger_buffer)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[1024];
	socklen_t len = sizeof buf;
	int v;

	CHECK(xs_getsockopt(s, SOL_SOCKET, SO_TYPE, buf, &len));
	cr_assert_eq(len, sizeof(int), "length out %u", (unsigned)len);
	memcpy(&v, buf, sizeof v);
	cr_assert_eq(v, SOCK_STREAM);
	xs_free(s);
}

static void type_domain_protocol(int family, int type, int proto)
{
	struct xs_sock *s = socket_or_skip(family, type, 0);

	cr_assert_eq(get_int(s, SOL_SOCKET, SO_TYPE), type);
	cr_assert_eq(get_int(s, SOL_SOCKET, SO_DOMAIN), family);
	cr_assert_eq(get_int(s, SOL_SOCKET, SO_PROTOCOL), proto);
	xs_free(s);
}

/* One test per kind of socket, so that a transport without TCP still
 * answers for its UDP sockets. */
Test(options, so_type_so_domain_and_so_protocol_describe_a_tcp_socket)
{
	type_domain_protocol(AF_INET, SOCK_STREAM, IPPROTO_TCP);
}

Test(options, so_type_so_domain_and_so_protocol_describe_a_udp_socket)
{
	type_domain_protocol(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
}

Test(options, so_type_so_domain_and_so_protocol_describe_a_unix_socket)
{
	type_domain_protocol(AF_UNIX, SOCK_STREAM, 0);
}

Test(options, so_type_so_domain_and_so_protocol_describe_an_ipv6_tcp_socket)
{
	skip_unless_ipv6();
	type_domain_protocol(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
}

Test(options, so_type_so_domain_and_so_protocol_describe_an_ipv6_udp_socket)
{
	skip_unless_ipv6();
	type_domain_protocol(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
}

Test(options, tcp_nodelay_can_be_set_in_both_forms)
{
	struct xs_sock *c, *srv;
	int one = 1, v = 0;
	socklen_t len = sizeof v;

	tcp_pair(AF_INET, &c, &srv);
	cr_assert_eq(get_int(c, IPPROTO_TCP, TCP_NODELAY), 0);
	CHECK(xs_setsockopt_int(c, IPPROTO_TCP, TCP_NODELAY, 1));
	cr_assert_neq(get_int(c, IPPROTO_TCP, TCP_NODELAY), 0);
	CHECK(xs_setsockopt(srv, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
	CHECK(xs_getsockopt(srv, IPPROTO_TCP, TCP_NODELAY, &v, &len));
	cr_assert_neq(v, 0);
	xs_free(c);
	xs_free(srv);
}

Test(options, ipv6_v6only_can_be_set)
{
	struct xs_sock *s;

	skip_unless_ipv6();
	s = socket_or_skip(AF_INET6, SOCK_STREAM, 0);
	CHECK(xs_setsockopt_int(s, IPPROTO_IPV6, IPV6_V6ONLY, 1));
	cr_assert_eq(get_int(s, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	CHECK(xs_setsockopt_int(s, IPPROTO_IPV6, IPV6_V6ONLY, 0));
	cr_assert_eq(get_int(s, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	xs_free(s);
}

Test(options, so_broadcast_can_be_enabled)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);

	CHECK(xs_setsockopt_int(s, SOL_SOCKET, SO_BROADCAST, 1));
	cr_assert_neq(get_int(s, SOL_SOCKET, SO_BROADCAST), 0);
	xs_free(s);
}

static void assert_buflen_out_of_range(socklen_t buflen)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	static unsigned char buf[4096];
	socklen_t len = buflen;

	cr_assert_eq(xs_getsockopt(s, SOL_SOCKET, SO_TYPE, buf, &len), -1, "buflen %u accepted",
		     (unsigned)buflen);
	assert_error(XS_ERR_OS, 0);
	/* Python's text, which the library may follow with details */
	cr_assert(strncmp(xs_last_error()->msg, "getsockopt buflen out of range", 30) == 0,
		  "message \"%s\"", xs_last_error()->msg);
	xs_free(s);
}

Test(options, getsockopt_buflen_zero_is_out_of_range)
{
	assert_buflen_out_of_range(0);
}

Test(options, getsockopt_buflen_above_1024_is_out_of_range)
{
	assert_buflen_out_of_range(1025);
}

Test(options, getsockopt_buflen_of_1_and_1024_are_accepted)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	unsigned char buf[1024];
	socklen_t len = 1024;

	CHECK(xs_getsockopt(s, SOL_SOCKET, SO_TYPE, buf, &len));
	len = 1;
	CHECK(xs_getsockopt(s, SOL_SOCKET, SO_REUSEADDR, buf, &len));
	cr_assert_eq(len, 1, "a 1-byte buffer holds at most 1 byte, got %u", (unsigned)len);
	xs_free(s);
}

Test(options, setsockopt_with_a_null_buffer_passes_null_and_the_length)
{
	struct xs_sock *s;
	char name[IFNAMSIZ] = {0};
	socklen_t len = sizeof name;

	skip_unless_kernel(AF_INET, SOCK_DGRAM, 0, "checks what the kernel receives");
	s = CHECK_PTR(xs_socket(AF_INET, SOCK_DGRAM, 0));
	/* NULL with a non-zero length reaches the kernel as optval NULL, which
	 * it cannot read: EFAULT, not an argument error from the library. */
	cr_assert_eq(xs_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, NULL, sizeof(int)), -1);
	assert_os_error(EFAULT);

	/* NULL, 0 on SO_BINDTODEVICE unbinds: the (None, 0) form works. */
	if (xs_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) == -1) {
		if (xs_last_error()->code == EPERM)
			cr_skip_test("SO_BINDTODEVICE needs CAP_NET_RAW: %s", xs_last_error()->msg);
		cr_assert_fail("SO_BINDTODEVICE lo: %s", xs_last_error()->msg);
	}
	CHECK(xs_getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, name, &len));
	cr_assert_str_eq(name, "lo");
	CHECK(xs_setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, NULL, 0));
	len = sizeof name;
	memset(name, 0, sizeof name);
	CHECK(xs_getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, name, &len));
	cr_assert_str_eq(name, "", "still bound to \"%s\"", name);
	xs_free(s);
}

static void unknown_option(int type)
{
	struct xs_sock *s = socket_or_skip(AF_INET, type, 0);
	int v;

	cr_assert_eq(xs_setsockopt_int(s, SOL_SOCKET, 9999, 1), -1);
	assert_os_error(ENOPROTOOPT);
	cr_assert_eq(xs_getsockopt_int(s, SOL_SOCKET, 9999, &v), -1);
	assert_os_error(ENOPROTOOPT);
	xs_free(s);
}

Test(options, an_unknown_option_fails_with_enoprotoopt)
{
	unknown_option(SOCK_STREAM);
}

Test(options, an_unknown_option_fails_with_enoprotoopt_on_udp)
{
	unknown_option(SOCK_DGRAM);
}

Test(options, so_error_is_zero_on_a_healthy_socket)
{
	struct xs_sock *c, *srv;

	tcp_pair(AF_INET, &c, &srv);
	cr_assert_eq(get_int(c, SOL_SOCKET, SO_ERROR), 0);
	cr_assert_eq(get_int(srv, SOL_SOCKET, SO_ACCEPTCONN), 0);
	xs_free(c);
	xs_free(srv);
}
