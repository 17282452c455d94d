/*
 * test_errors.c — the argument and system errors a user can run into, and
 * the error record itself: kind, code, a message that says what was wrong,
 * errno set to the code, thread-local, untouched by success (API.md §1.2,
 * §2.1 item 2).
 */
#include "helpers.h"

#include <math.h>
#include <stdio.h>

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	xs_clear_error();
}

TestSuite(errors, .timeout = 10, .init = setup);

/* ---- NULL pointers ---- */

Test(errors, a_null_socket_handle_is_a_value_error)
{
	struct xs_addr a;
	char buf[4];
	int v;

	test_local_addr(AF_INET, 0, &a);
	cr_assert_eq(xs_bind(NULL, &a), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_connect(NULL, &a), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_listen(NULL, 1), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_null(xs_accept(NULL, NULL));
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_send(NULL, "x", 1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_recv(NULL, buf, sizeof buf, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_settimeout(NULL, 1.0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_getsockopt_int(NULL, SOL_SOCKET, SO_TYPE, &v), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_shutdown(NULL, SHUT_RDWR), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_null(xs_dup(NULL));
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_family(NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_fileno(NULL), -1);
}

Test(errors, a_null_address_is_a_value_error)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(xs_bind(s, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("address");
	cr_assert_eq(xs_connect(s, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_connect_ex(s, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_getsockname(s, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_getpeername(s, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_null(xs_create_server(NULL, 1, 0, 0));
	assert_error(XS_ERR_VALUE, EINVAL);
	xs_free(s);
}

Test(errors, a_null_buffer_with_a_length_is_a_value_error)
{
	struct xs_sock *c, *srv;

	tcp_pair(AF_INET, &c, &srv);
	cr_assert_eq(xs_send(c, NULL, 5, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("NULL");
	cr_assert_eq(xs_sendall(c, NULL, 5, 0, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_recv(srv, NULL, 5, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	xs_free(c);
	xs_free(srv);
}

Test(errors, null_out_parameters_are_value_errors)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	char buf[8];
	socklen_t len = sizeof buf;

	cr_assert_eq(xs_socketpair(AF_UNIX, SOCK_STREAM, 0, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_getsockopt_int(s, SOL_SOCKET, SO_TYPE, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_getsockopt(s, SOL_SOCKET, SO_TYPE, NULL, &len), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_eq(xs_getsockopt(s, SOL_SOCKET, SO_TYPE, buf, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert_null(xs_create_connection(NULL, "80", 1.0, NULL, 0));
	assert_error(XS_ERR_VALUE, EINVAL);
	xs_free(s);
}

/* ---- addresses ---- */

Test(errors, an_address_of_the_wrong_family_is_a_value_error)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	struct xs_addr v6, un;

	CHECK(xs_addr_inet6(&v6, "::1", 0, 0, 0));
	CHECK(xs_addr_unix(&un, "/nonexistent/xs-test"));
	cr_assert_eq(xs_bind(s, &v6), -1);
	assert_error(XS_ERR_VALUE, EAFNOSUPPORT);
	assert_msg_mentions("inet"); /* names the family it wanted or got */
	cr_assert_eq(xs_connect(s, &un), -1);
	assert_error(XS_ERR_VALUE, EAFNOSUPPORT);
	cr_assert_eq(xs_sendto(s, "x", 1, 0, &v6), -1);
	assert_error(XS_ERR_VALUE, EAFNOSUPPORT);
	cr_assert_eq(xs_connect_ex(s, &v6), -1, "a bad address is not a connect() errno");
	assert_error(XS_ERR_VALUE, EAFNOSUPPORT);
	xs_free(s);
}

Test(errors, a_port_outside_0_to_65535_is_an_overflow)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_inet(&a, "127.0.0.1", 70000), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
	assert_msg_mentions("port");
	cr_assert_eq(xs_addr_inet(&a, "127.0.0.1", -1), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
	cr_assert_eq(xs_addr_inet6(&a, "::1", 65536, 0, 0), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
	assert_msg_mentions("port");
	CHECK(xs_addr_inet(&a, "127.0.0.1", 65535)); /* the edge is fine */
	CHECK(xs_addr_inet(&a, "127.0.0.1", 0));
}

Test(errors, an_ipv6_flowinfo_above_20_bits_is_an_overflow)
{
	struct xs_addr a;

	cr_assert_eq(xs_addr_inet6(&a, "::1", 0, 0x100000, 0), -1);
	assert_error(XS_ERR_VALUE, EOVERFLOW);
	assert_msg_mentions("flowinfo");
}

Test(errors, a_unix_path_too_long_fails_with_enametoolong)
{
	struct xs_addr a;
	char path[300];

	memset(path, 'p', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	cr_assert_eq(xs_addr_unix(&a, path), -1);
	assert_os_error(ENAMETOOLONG);
}

/* ---- modes ---- */

Test(errors, settimeout_nan_is_a_value_error_that_names_the_timeout)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(xs_settimeout(s, NAN), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("timeout");
	xs_free(s);
}

/* ---- system errors ---- */

Test(errors, a_bad_shutdown_how_fails_with_einval)
{
	struct xs_sock *c, *srv;

	tcp_pair(AF_INET, &c, &srv);
	cr_assert_eq(xs_shutdown(c, 7), -1);
	assert_os_error(EINVAL);
	cr_assert_eq(xs_shutdown(c, -1), -1);
	assert_os_error(EINVAL);
	xs_free(c);
	xs_free(srv);
}

Test(errors, an_unknown_family_fails_with_eafnosupport_from_the_kernel)
{
	cr_assert_null(xs_socket(4000, SOCK_STREAM, 0));
	assert_os_error(EAFNOSUPPORT);
}

Test(errors, an_unknown_socket_type_fails_with_einval)
{
	skip_unless_kernel(AF_INET, 4000, 0, "the kernel validates the type");
	cr_assert_null(xs_socket(AF_INET, 4000, 0));
	assert_os_error(EINVAL);
}

Test(errors, binding_an_address_in_use_fails_with_eaddrinuse)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *s;

	s = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	cr_assert_eq(xs_bind(s, &a), -1);
	assert_os_error(EADDRINUSE);
	assert_msg_mentions("in use");
	xs_free(s);
	xs_free(l);
}

Test(errors, binding_a_udp_port_in_use_fails_with_eaddrinuse)
{
	struct xs_sock *taken, *s;
	struct xs_addr taken_addr;

	taken = udp_local(AF_INET, &taken_addr);
	s = CHECK_PTR(xs_socket(AF_INET, SOCK_DGRAM, 0));
	cr_assert_eq(xs_bind(s, &taken_addr), -1);
	assert_os_error(EADDRINUSE);
	xs_free(s);
	xs_free(taken);
}

Test(errors, binding_twice_fails_with_einval)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	struct xs_addr a;

	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_bind(s, &a));
	cr_assert_eq(xs_bind(s, &a), -1);
	assert_os_error(EINVAL);
	xs_free(s);
}

Test(errors, listen_on_a_datagram_socket_fails_with_eopnotsupp)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);

	cr_assert_eq(xs_listen(s, 1), -1);
	assert_os_error(EOPNOTSUPP);
	xs_free(s);
}

Test(errors, accept_on_a_socket_that_is_not_listening_fails_with_einval)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	struct xs_addr a;

	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_bind(s, &a));
	CHECK(xs_settimeout(s, 1.0));
	cr_assert_null(xs_accept(s, NULL));
	assert_os_error(EINVAL);
	xs_free(s);
}

Test(errors, recv_and_getpeername_on_an_unconnected_stream_fail_with_enotconn)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	struct xs_addr peer;
	char buf[4];

	cr_assert_eq(xs_getpeername(s, &peer), -1);
	assert_os_error(ENOTCONN);
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1);
	assert_os_error(ENOTCONN);
	cr_assert_eq(xs_send(s, "x", 1, 0), -1);
	cr_assert(xs_last_error()->code == ENOTCONN || xs_last_error()->code == EPIPE,
		  "send on an unconnected stream: %d \"%s\"", xs_last_error()->code,
		  xs_last_error()->msg);
	xs_free(s);
}

Test(errors, operations_on_a_closed_socket_say_bad_file_descriptor)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	char buf[4];

	CHECK(xs_close(s));
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1);
	assert_os_error(EBADF);
	assert_msg_mentions(strerror(EBADF));
	cr_assert_eq(xs_listen(s, 1), -1);
	assert_os_error(EBADF);
	cr_assert_null(xs_accept(s, NULL));
	assert_os_error(EBADF);
	cr_assert_eq(xs_settimeout(s, 1.0), -1); /* as CPython */
	assert_os_error(EBADF);
	cr_assert_eq(xs_getblocking(s), -1, "getblocking of a closed socket is -1");
	xs_free(s);
}

/* ---- the record itself ---- */

Test(errors, kinds_have_python_names)
{
	cr_assert_str_eq(xs_errkind_name(XS_ERR_OS), "OSError");
	cr_assert_str_eq(xs_errkind_name(XS_ERR_HERROR), "herror");
	cr_assert_str_eq(xs_errkind_name(XS_ERR_GAI), "gaierror");
	cr_assert_str_eq(xs_errkind_name(XS_ERR_TIMEOUT), "timeout");
	cr_assert_str_eq(xs_errkind_name(XS_ERR_VALUE), "ValueError");
}

Test(errors, a_successful_call_leaves_the_record_untouched)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	struct xs_addr a;

	cr_assert_eq(xs_settimeout(s, NAN), -1);
	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_bind(s, &a));
	CHECK(xs_settimeout(s, 1.0));
	cr_assert_eq(xs_last_error()->kind, XS_ERR_VALUE, "success reset the record");
	cr_assert_eq(xs_last_error()->code, EINVAL);
	xs_clear_error();
	cr_assert_eq(xs_last_error()->kind, XS_ERR_NONE);
	xs_free(s);
}

static void *fail_in_thread(void *arg)
{
	(void)arg;
	xs_socket(4000, SOCK_STREAM, 0);
	return NULL;
}

Test(errors, the_record_is_per_thread)
{
	pthread_t th;

	xs_clear_error();
	cr_assert_eq(pthread_create(&th, NULL, fail_in_thread, NULL), 0);
	pthread_join(th, NULL);
	cr_assert_eq(xs_last_error()->kind, XS_ERR_NONE,
		     "another thread's error leaked here: \"%s\"", xs_last_error()->msg);
}

Test(errors, a_refused_connection_says_so)
{
	struct xs_sock *hold = socket_or_skip(AF_INET, SOCK_STREAM, 0), *c;
	struct xs_addr a;

	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_bind(hold, &a));
	CHECK(xs_getsockname(hold, &a));
	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	cr_assert_eq(xs_connect(c, &a), -1);
	assert_os_error(ECONNREFUSED);
	assert_msg_mentions("refused");
	xs_free(c);
	xs_free(hold);
}
