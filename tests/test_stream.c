/*
 * test_stream.c — stream sockets as the documented examples use them: TCP
 * over test_host() (127.0.0.1 and ::1, or the testbed's local addresses in
 * peer mode; both ends on the host under test), the echo pattern, orderly shutdown, sendall and
 * its deadline, sendfile, create_connection, create_server, listen, and
 * unix stream sockets on a filesystem path (API.md §1.5, §1.6, §1.7.5,
 * §1.7.11, §1.7.14).
 */
#include "helpers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void setup(void)
{
	signal(SIGPIPE, SIG_IGN); /* as Python does */
	xs_setdefaulttimeout(XS_TIMEOUT_NONE);
	xs_clear_error();
}

TestSuite(stream, .timeout = 10, .init = setup);

static void host_of(const struct xs_addr *a, char *buf, size_t len)
{
	CHECK(xs_addr_host(a, buf, len));
}

/* bind/listen/accept/connect and the four addresses agree. */
static void tcp_round_trip(int family)
{
	const char *host = test_host(family);
	struct xs_addr bound, peer, cname, cpeer, sname;
	struct xs_sock *l = tcp_listener(family, 1, &bound), *c, *conn;
	char h[64], fmt[128], want[128];

	cr_assert_eq(bound.family, family);
	cr_assert_gt(xs_addr_port(&bound), 0, "binding port 0 must assign a port");
	host_of(&bound, h, sizeof h);
	cr_assert_str_eq(h, host);

	c = CHECK_PTR(xs_socket(family, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &bound));
	conn = CHECK_PTR(xs_accept(l, &peer));
	CHECK(xs_getsockname(c, &cname));
	CHECK(xs_getpeername(c, &cpeer));
	CHECK(xs_getsockname(conn, &sname));

	cr_assert_eq(peer.family, family);
	cr_assert_eq(xs_addr_port(&peer), xs_addr_port(&cname),
		     "accept peer port %d, client "
		     "port %d",
		     xs_addr_port(&peer), xs_addr_port(&cname));
	host_of(&peer, h, sizeof h);
	cr_assert_str_eq(h, host);
	cr_assert_eq(xs_addr_port(&cpeer), xs_addr_port(&bound));
	cr_assert_eq(xs_addr_port(&sname), xs_addr_port(&bound));
	cr_assert_eq(xs_family(conn), family);
	cr_assert_eq(xs_type(conn), SOCK_STREAM);

	CHECK(xs_addr_format(&cpeer, fmt, sizeof fmt));
	if (family == AF_INET)
		snprintf(want, sizeof want, "('%s', %d)", host, xs_addr_port(&bound));
	else
		snprintf(want, sizeof want, "('%s', %d, 0, 0)", host, xs_addr_port(&bound));
	cr_assert_str_eq(fmt, want);

	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

Test(stream, tcp_over_ipv4_binds_listens_accepts_and_connects)
{
	tcp_round_trip(AF_INET);
}

Test(stream, tcp_over_ipv6_binds_listens_accepts_and_connects)
{
	skip_unless_ipv6();
	tcp_round_trip(AF_INET6);
}

/* The seeds' echo example: the client sends, shuts down its side, the
 * server echoes until recv() returns 0, the client reads it all back. */
static void echo(int family)
{
	static const char msg[] = "Hello, world";
	struct xs_sock *c, *srv;
	char buf[1024], back[64];
	size_t got = 0;
	ssize_t n;

	tcp_pair(family, &c, &srv);
	CHECK(xs_settimeout(srv, 5.0));
	CHECK(xs_settimeout(c, 5.0));
	CHECK(xs_sendall(c, msg, sizeof msg - 1, 0, NULL));
	CHECK(xs_shutdown(c, SHUT_WR));
	while ((n = CHECK(xs_recv(srv, buf, sizeof buf, 0))) > 0)
		CHECK(xs_sendall(srv, buf, (size_t)n, 0, NULL));
	xs_free(srv);
	while ((n = CHECK(xs_recv(c, back + got, sizeof back - got, 0))) > 0)
		got += (size_t)n;
	cr_assert_eq(got, sizeof msg - 1);
	cr_assert_eq(memcmp(back, msg, got), 0);
	xs_free(c);
}

Test(stream, the_echo_example_works_over_ipv4)
{
	echo(AF_INET);
}

Test(stream, the_echo_example_works_over_ipv6)
{
	skip_unless_ipv6();
	echo(AF_INET6);
}

Test(stream, recv_returns_zero_at_orderly_shutdown_and_keeps_returning_zero)
{
	struct xs_sock *c, *srv;
	char buf[8];

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_sendall(srv, "bye", 3, 0, NULL));
	CHECK(xs_close(srv));
	CHECK(xs_settimeout(c, 5.0));
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 3, "queued data comes first");
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 0);
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 0);
	xs_free(c);
	xs_free(srv);
}

Test(stream, recv_of_zero_bytes_returns_zero_at_once_in_every_mode)
{
	struct xs_sock *c, *srv;
	char buf[1];

	/* CPython returns b'' without a system call in every mode, even with
	 * no data queued; the blocking case comes last as it could hang. */
	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_settimeout(c, 0.5));
	cr_assert_eq(CHECK(xs_recv(c, buf, 0, 0)), 0, "timeout mode");
	CHECK(xs_settimeout(c, 0.0));
	cr_assert_eq(CHECK(xs_recv(c, buf, 0, 0)), 0, "non-blocking");
	CHECK(xs_settimeout(c, XS_TIMEOUT_NONE));
	cr_assert_eq(CHECK(xs_recv(c, buf, 0, 0)), 0, "blocking");
	xs_free(c);
	xs_free(srv);
}

Test(stream, shutdown_wr_ends_the_stream_but_keeps_the_other_direction)
{
	struct xs_sock *c, *srv;
	char buf[16] = {0};

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_settimeout(c, 5.0));
	CHECK(xs_settimeout(srv, 5.0));
	CHECK(xs_shutdown(c, SHUT_WR));
	cr_assert_eq(CHECK(xs_recv(srv, buf, sizeof buf, 0)), 0, "the server sees end of file");
	CHECK(xs_sendall(srv, "reply", 5, 0, NULL));
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 5);
	cr_assert_str_eq(buf, "reply");
	cr_assert_eq(xs_send(c, "x", 1, 0), -1, "sending after SHUT_WR must fail");
	assert_os_error(EPIPE);
	xs_free(c);
	xs_free(srv);
}

Test(stream, shutdown_rdwr_then_close_is_clean)
{
	struct xs_sock *c, *srv;
	char b;

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_shutdown(c, SHUT_RDWR));
	CHECK(xs_settimeout(srv, 5.0));
	cr_assert_eq(CHECK(xs_recv(srv, &b, 1, 0)), 0);
	cr_assert_eq(xs_close(c), 0);
	xs_free(c);
	xs_free(srv);
}

/* The three sendall tests' common start: total bytes of pattern to send
 * over a fresh TCP pair to a reader (not started) that expects them all. */
static uint8_t *sendall_setup(size_t total, struct slow_reader *r, struct xs_sock **c,
			      struct xs_sock **srv)
{
	uint8_t *data = malloc(total);

	cr_assert_not_null(data);
	pattern_fill(data, total, 0);
	tcp_pair(AF_INET, c, srv);
	memset(r, 0, sizeof(*r));
	r->s = *srv;
	r->expect = total;
	return data;
}

Test(stream, sendall_of_8_mib_reaches_a_slow_reader_intact)
{
	size_t total = 8u << 20, nsent = 0;
	struct xs_sock *c, *srv;
	struct slow_reader r;
	uint8_t *data = sendall_setup(total, &r, &c, &srv);

	r.chunk = 100000; /* not a divisor of anything the sender uses */
	r.delay_s = 0.002;
	slow_reader_start(&r);
	cr_assert_eq(xs_sendall(c, data, total, 0, &nsent), 0, "sendall failed: %s",
		     xs_last_error()->msg);
	slow_reader_join(&r);
	cr_assert_eq(nsent, total);
	cr_assert_eq(r.got, total, "reader got %zu of %zu (error %s/%d)", r.got, total,
		     xs_errkind_name(r.error_kind), r.error_code);
	cr_assert_eq(r.first_bad, (size_t)-1, "byte %zu differs from what was sent", r.first_bad);
	free(data);
	xs_free(c);
	xs_free(srv);
}

Test(stream, sendall_with_a_timeout_reports_how_much_went_out_when_the_reader_stops)
{
	size_t total = 64u << 20, nsent = 0;
	struct xs_sock *c, *srv;
	struct slow_reader r;
	uint8_t *data = sendall_setup(total, &r, &c, &srv);
	double t;

	r.stop_after = 1u << 20;
	slow_reader_start(&r);
	CHECK(xs_settimeout(c, 0.5));
	t = now_s();
	cr_assert_eq(xs_sendall(c, data, total, 0, &nsent), -1, "64 MiB fitted in the buffers");
	t = now_s() - t;
	assert_error(XS_ERR_TIMEOUT, ETIMEDOUT);
	cr_assert_lt(nsent, total);
	cr_assert_geq(nsent, r.stop_after, "the reader took %zu bytes but nsent is %zu",
		      r.stop_after, nsent);
	assert_elapsed_within(t, 0.4, 2.0);
	slow_reader_join(&r);
	cr_assert_eq(r.first_bad, (size_t)-1);
	free(data);
	xs_free(c);
	xs_free(srv);
}

Test(stream, the_sendall_timeout_bounds_the_whole_call_not_each_send)
{
	/* The reader keeps taking small bites, so every single send makes
	 * progress well within the timeout; only a deadline for the whole
	 * call ends this sendall near 0.5 s. */
	size_t total = 64u << 20, nsent = 0;
	struct xs_sock *c, *srv;
	struct slow_reader r;
	uint8_t *data = sendall_setup(total, &r, &c, &srv);
	double t;

	r.chunk = 65536;
	r.delay_s = 0.02;
	slow_reader_start(&r);
	CHECK(xs_settimeout(c, 0.5));
	t = now_s();
	cr_assert_eq(xs_sendall(c, data, total, 0, &nsent), -1);
	t = now_s() - t;
	assert_error(XS_ERR_TIMEOUT, ETIMEDOUT);
	assert_elapsed_within(t, 0.4, 1.5);
	cr_assert_lt(nsent, total);
	xs_free(c); /* the reader sees end of file */
	slow_reader_join(&r);
	cr_assert_eq(r.first_bad, (size_t)-1);
	free(data);
	xs_free(srv);
}

static int temp_file_with_pattern(size_t len)
{
	char path[] = "/tmp/xs-test-sendfile-XXXXXX";
	uint8_t *data = malloc(len);
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	pattern_fill(data, len, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	free(data);
	return fd;
}

static void recv_exactly(struct xs_sock *s, uint8_t *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = CHECK(xs_recv(s, buf + got, len - got, 0));

		cr_assert_gt(n, 0, "end of file after %zu of %zu bytes", got, len);
		got += (size_t)n;
	}
}

static void assert_pattern(const uint8_t *buf, size_t len, size_t start)
{
	for (size_t i = 0; i < len; i++)
		cr_assert_eq(buf[i], pattern_byte(start + i), "byte %zu (file offset %zu) wrong", i,
			     start + i);
}

Test(stream, sendfile_sends_count_bytes_from_offset_and_moves_the_file_offset)
{
	size_t flen = 1u << 20;
	int fd = temp_file_with_pattern(flen);
	uint8_t *buf = malloc(flen);
	struct xs_sock *c, *srv;

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_settimeout(srv, 5.0));
	cr_assert_eq(CHECK(xs_sendfile(c, fd, 1000, 5000)), 5000);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 6000, "file offset not updated");
	recv_exactly(srv, buf, 5000);
	assert_pattern(buf, 5000, 1000);

	/* count 0 = to end of file */
	cr_assert_eq(CHECK(xs_sendfile(c, fd, 6000, 0)), (ssize_t)(flen - 6000));
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), (off_t)flen);
	recv_exactly(srv, buf, flen - 6000);
	assert_pattern(buf, flen - 6000, 6000);
	free(buf);
	close(fd);
	xs_free(c);
	xs_free(srv);
}

Test(stream, sendfile_with_a_timeout_still_sends_everything)
{
	size_t flen = 256u << 10;
	int fd = temp_file_with_pattern(flen);
	uint8_t *buf = malloc(flen);
	struct xs_sock *c, *srv;

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_settimeout(c, 5.0));
	CHECK(xs_settimeout(srv, 5.0));
	cr_assert_eq(CHECK(xs_sendfile(c, fd, 0, 0)), (ssize_t)flen);
	recv_exactly(srv, buf, flen);
	assert_pattern(buf, flen, 0);
	free(buf);
	close(fd);
	xs_free(c);
	xs_free(srv);
}

Test(stream, sendfile_on_a_non_blocking_socket_is_a_value_error)
{
	int fd = temp_file_with_pattern(4096);
	struct xs_sock *c, *srv;

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_setblocking(c, 0));
	cr_assert_eq(xs_sendfile(c, fd, 0, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("blocking");
	close(fd);
	xs_free(c);
	xs_free(srv);
}

Test(stream, sendfile_on_a_datagram_socket_is_a_value_error)
{
	int fd = temp_file_with_pattern(4096);
	struct xs_sock *s = udp_local(AF_INET, NULL);

	cr_assert_eq(xs_sendfile(s, fd, 0, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("stream");
	close(fd);
	xs_free(s);
}

/* ---- create_connection / create_server ---- */

static void port_str(const struct xs_addr *a, char *buf, size_t len)
{
	snprintf(buf, len, "%d", xs_addr_port(a));
}

Test(stream, create_connection_connects_to_a_listener)
{
	struct xs_addr a, peer;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c, *conn;
	char port[16], buf[8] = {0};

	port_str(&a, port, sizeof port);
	c = CHECK_PTR(xs_create_connection(test_host(AF_INET), port, XS_TIMEOUT_DEFAULT, NULL, 0));
	CHECK(xs_getpeername(c, &peer));
	cr_assert_eq(xs_addr_port(&peer), xs_addr_port(&a));
	cr_assert_eq(xs_family(c), AF_INET);
	cr_assert_eq(xs_type(c), SOCK_STREAM);
	cr_assert(xs_gettimeout(c) < 0, "no timeout given and default None: blocking");
	conn = CHECK_PTR(xs_accept(l, NULL));
	CHECK(xs_sendall(c, "abc", 3, 0, NULL));
	cr_assert_eq(CHECK(xs_recv(conn, buf, sizeof buf, 0)), 3);
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

Test(stream, create_connection_with_a_timeout_sets_it_on_the_socket)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 4, &a), *c;
	char port[16];

	port_str(&a, port, sizeof port);
	c = CHECK_PTR(xs_create_connection(test_host(AF_INET), port, 2.0, NULL, 0));
	cr_assert_eq(xs_gettimeout(c), 2.0);
	xs_free(c);
	CHECK(xs_setdefaulttimeout(3.0));
	c = CHECK_PTR(xs_create_connection(test_host(AF_INET), port, XS_TIMEOUT_NONE, NULL, 0));
	cr_assert(xs_gettimeout(c) < 0, "an explicit None makes a blocking socket, got %g",
		  xs_gettimeout(c));
	xs_free(c);
	xs_free(l);
}

Test(stream, create_connection_without_a_timeout_uses_the_default)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c;
	char port[16];

	port_str(&a, port, sizeof port);
	CHECK(xs_setdefaulttimeout(3.5));
	c = CHECK_PTR(xs_create_connection(test_host(AF_INET), port, XS_TIMEOUT_DEFAULT, NULL, 0));
	cr_assert_eq(xs_gettimeout(c), 3.5);
	xs_free(c);
	xs_free(l);
}

Test(stream, create_connection_binds_the_source_address)
{
	struct xs_addr a, name;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c;
	char port[16], host[64];

	port_str(&a, port, sizeof port);
	c = CHECK_PTR(xs_create_connection(test_host(AF_INET), port, 2.0, test_host(AF_INET), 0));
	CHECK(xs_getsockname(c, &name));
	CHECK(xs_addr_host(&name, host, sizeof host));
	cr_assert_str_eq(host, test_host(AF_INET));
	cr_assert_gt(xs_addr_port(&name), 0);
	xs_free(c);
	xs_free(l);
}

Test(stream, create_connection_to_a_closed_port_fails_with_econnrefused)
{
	struct xs_sock *hold = socket_or_skip(AF_INET, SOCK_STREAM, 0);
	struct xs_addr a;
	char port[16];

	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_bind(hold, &a)); /* holds the port, never listens */
	CHECK(xs_getsockname(hold, &a));
	port_str(&a, port, sizeof port);
	cr_assert_null(xs_create_connection(test_host(AF_INET), port, 2.0, NULL, 0));
	assert_os_error(ECONNREFUSED);
	xs_free(hold);
}

Test(stream, create_server_listens_with_reuse_addr)
{
	struct xs_addr a, bound;
	struct xs_sock *srv, *c, *conn;
	int v = 0;

	skip_unless_supported(AF_INET, SOCK_STREAM, 0);
	test_local_addr(AF_INET, 0, &a);
	srv = CHECK_PTR(xs_create_server(&a, XS_LISTEN_DEFAULT, 0, 0));
	CHECK(xs_getsockopt_int(srv, SOL_SOCKET, SO_REUSEADDR, &v));
	cr_assert_neq(v, 0, "create_server must set SO_REUSEADDR");
	CHECK(xs_getsockopt_int(srv, SOL_SOCKET, SO_ACCEPTCONN, &v));
	cr_assert_eq(v, 1, "create_server must listen");
	CHECK(xs_getsockname(srv, &bound));
	cr_assert_gt(xs_addr_port(&bound), 0);
	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &bound));
	conn = CHECK_PTR(xs_accept(srv, NULL));
	xs_free(conn);
	xs_free(c);
	xs_free(srv);
}

Test(stream, create_server_with_reuse_port_sets_so_reuseport)
{
	struct xs_addr a;
	struct xs_sock *srv;
	int v = 0;

	skip_unless_supported(AF_INET, SOCK_STREAM, 0);
	test_local_addr(AF_INET, 0, &a);
	srv = CHECK_PTR(xs_create_server(&a, 5, 1, 0));
	CHECK(xs_getsockopt_int(srv, SOL_SOCKET, SO_REUSEPORT, &v));
	cr_assert_neq(v, 0);
	xs_free(srv);
}

Test(stream, create_server_on_ipv6_without_dualstack_is_v6_only)
{
	struct xs_addr a;
	struct xs_sock *srv;
	int v = 0;

	skip_unless_ipv6();
	skip_unless_supported(AF_INET6, SOCK_STREAM, 0);
	test_local_addr(AF_INET6, 0, &a);
	srv = CHECK_PTR(xs_create_server(&a, 5, 0, 0));
	CHECK(xs_getsockopt_int(srv, IPPROTO_IPV6, IPV6_V6ONLY, &v));
	cr_assert_eq(v, 1, "without dualstack an AF_INET6 server is IPv6-only");
	xs_free(srv);
}

Test(stream, create_server_dualstack_accepts_an_ipv4_client)
{
	struct xs_addr a, bound, v4, peer;
	struct xs_sock *srv, *c, *conn;
	char host[64], want[64];

	skip_unless_ipv6();
	skip_unless_supported(AF_INET6, SOCK_STREAM, 0);
	if (!xs_has_dualstack_ipv6())
		cr_skip_test("xs_has_dualstack_ipv6() == 0 on this host");
	CHECK(xs_addr_inet6(&a, "::", 0, 0, 0));
	srv = CHECK_PTR(xs_create_server(&a, 5, 0, 1));
	CHECK(xs_getsockname(srv, &bound));
	test_local_addr(AF_INET, xs_addr_port(&bound), &v4);
	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &v4));
	conn = CHECK_PTR(xs_accept(srv, &peer));
	cr_assert_eq(peer.family, AF_INET6);
	CHECK(xs_addr_host(&peer, host, sizeof host));
	snprintf(want, sizeof want, "::ffff:%s", test_host(AF_INET));
	cr_assert_str_eq(host, want);
	xs_free(conn);
	xs_free(c);
	xs_free(srv);
}

Test(stream, listen_with_the_default_backlog_accepts_several_clients)
{
	struct xs_addr a;
	struct xs_sock *l = socket_or_skip(AF_INET, SOCK_STREAM, 0), *c[5], *conn;

	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_bind(l, &a));
	CHECK(xs_listen(l, XS_LISTEN_DEFAULT));
	CHECK(xs_getsockname(l, &a));
	for (int i = 0; i < 5; i++) {
		c[i] = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
		CHECK(xs_settimeout(c[i], 2.0));
		CHECK(xs_connect(c[i], &a));
	}
	CHECK(xs_settimeout(l, 2.0));
	for (int i = 0; i < 5; i++) {
		conn = CHECK_PTR(xs_accept(l, NULL));
		xs_free(conn);
	}
	for (int i = 0; i < 5; i++)
		xs_free(c[i]);
	xs_free(l);
}

Test(stream, listen_with_a_negative_backlog_is_accepted_as_zero)
{
	struct xs_addr a;
	struct xs_sock *l = socket_or_skip(AF_INET, SOCK_STREAM, 0), *c, *conn;

	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_bind(l, &a));
	CHECK(xs_listen(l, -5));
	CHECK(xs_getsockname(l, &a));
	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_settimeout(c, 2.0));
	CHECK(xs_connect(c, &a)); /* backlog 0 still admits one */
	CHECK(xs_settimeout(l, 2.0));
	conn = CHECK_PTR(xs_accept(l, NULL));
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

Test(stream, accept_reports_the_peer_address)
{
	struct xs_addr a, peer, cname;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c, *conn;
	char fmt[64], want[64];

	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &a));
	CHECK(xs_getsockname(c, &cname));
	conn = CHECK_PTR(xs_accept(l, &peer));
	CHECK(xs_addr_format(&peer, fmt, sizeof fmt));
	snprintf(want, sizeof want, "('%s', %d)", test_host(AF_INET), xs_addr_port(&cname));
	cr_assert_str_eq(fmt, want);
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

Test(stream, unix_stream_sockets_work_on_a_filesystem_path)
{
	char dir[128], path[192], fmt[256], buf[8] = {0};
	struct xs_addr a, name, peer;
	struct xs_sock *l, *c, *conn;

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/sock", dir);
	CHECK(xs_addr_unix(&a, path));
	l = socket_or_skip(AF_UNIX, SOCK_STREAM, 0);
	CHECK(xs_bind(l, &a));
	CHECK(xs_listen(l, 1));
	cr_assert_eq(access(path, F_OK), 0, "bind did not create %s", path);
	CHECK(xs_getsockname(l, &name));
	cr_assert_eq(name.family, AF_UNIX);
	CHECK(xs_addr_format(&name, fmt, sizeof fmt));
	cr_assert(strstr(fmt, path) != NULL, "format \"%s\" lacks the path", fmt);

	c = CHECK_PTR(xs_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &a));
	CHECK(xs_getpeername(c, &peer));
	CHECK(xs_addr_format(&peer, fmt, sizeof fmt));
	cr_assert(strstr(fmt, path) != NULL, "peer \"%s\" lacks the path", fmt);
	conn = CHECK_PTR(xs_accept(l, NULL));
	CHECK(xs_sendall(c, "unix", 4, 0, NULL));
	cr_assert_eq(CHECK(xs_recv(conn, buf, sizeof buf, 0)), 4);
	cr_assert_str_eq(buf, "unix");
	xs_free(conn);
	xs_free(c);
	xs_free(l);
	unlink(path);
	rmdir(dir);
}

Test(stream, binding_an_existing_unix_path_fails_with_eaddrinuse)
{
	char dir[128], path[192];
	struct xs_addr a;
	struct xs_sock *s1, *s2;

	make_temp_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/sock", dir);
	CHECK(xs_addr_unix(&a, path));
	s1 = socket_or_skip(AF_UNIX, SOCK_STREAM, 0);
	s2 = CHECK_PTR(xs_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(xs_bind(s1, &a));
	cr_assert_eq(xs_bind(s2, &a), -1);
	assert_os_error(EADDRINUSE);
	xs_free(s1);
	xs_free(s2);
	unlink(path);
	rmdir(dir);
}

Test(stream, sendall_on_a_non_blocking_socket_stops_with_eagain_and_reports_progress)
{
	size_t total = 64u << 20, nsent = 0;
	uint8_t *data = malloc(total);
	struct xs_sock *c, *srv;

	cr_assert_not_null(data);
	pattern_fill(data, total, 0);
	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_setblocking(c, 0));
	cr_assert_eq(xs_sendall(c, data, total, 0, &nsent), -1, "64 MiB fitted in the buffers");
	assert_os_error(EAGAIN);
	cr_assert_gt(nsent, 0, "the buffers took nothing?");
	cr_assert_lt(nsent, total);
	free(data);
	xs_free(c);
	xs_free(srv);
}

Test(stream, shutdown_rd_makes_recv_return_zero)
{
	struct xs_sock *c, *srv;
	char buf[4];

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_shutdown(c, SHUT_RD));
	CHECK(xs_settimeout(c, 2.0));
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 0);
	xs_free(c);
	xs_free(srv);
}

Test(stream, msg_dontwait_on_a_blocking_socket_fails_with_eagain_at_once)
{
	struct xs_sock *c, *srv;
	char buf[4];
	double t = now_s();

	tcp_pair(AF_INET, &c, &srv);
	cr_assert_eq(xs_recv(c, buf, sizeof buf, MSG_DONTWAIT), -1);
	assert_os_error(EAGAIN);
	cr_assert_lt(now_s() - t, 1.0);
	cr_assert(xs_gettimeout(c) < 0, "the flag must not change the socket's mode");
	xs_free(c);
	xs_free(srv);
}

Test(stream, sendfile_to_a_closed_peer_is_epipe_not_a_killed_process, .timeout = 10)
{
	struct xs_sock *p[2];
	char path[] = "/tmp/xs-sendfile-XXXXXX";
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	unlink(path);
	cr_assert_eq(write(fd, "0123456789", 10), 10);
	CHECK(xs_socketpair(AF_UNIX, SOCK_STREAM, 0, p));
	CHECK(xs_close(p[1]));
	cr_assert_eq(xs_sendfile(p[0], fd, 2, 0), -1);
	assert_os_error(EPIPE);
	cr_assert_eq(lseek(fd, 0, SEEK_CUR), 10, "nothing sent: the position stays");
	xs_free(p[0]);
	xs_free(p[1]);
	close(fd);
}

Test(stream, sendfile_reads_a_pipe_with_the_send_loop, .timeout = 10)
{
	struct xs_sock *p[2];
	char buf[32] = {0};
	int pipefd[2];

	cr_assert_eq(pipe(pipefd), 0);
	cr_assert_eq(write(pipefd[1], "through a pipe", 14), 14);
	close(pipefd[1]);
	CHECK(xs_socketpair(AF_UNIX, SOCK_STREAM, 0, p));
	cr_assert_eq(xs_sendfile(p[0], pipefd[0], 0, 0), 14, "%s", xs_last_error()->msg);
	cr_assert_eq(xs_recv(p[1], buf, sizeof(buf), 0), 14);
	cr_assert_str_eq(buf, "through a pipe");
	cr_assert_eq(xs_sendfile(p[0], pipefd[0], 5, 0), -1, "a pipe cannot start at an offset");
	assert_error(XS_ERR_VALUE, EINVAL);
	close(pipefd[0]);
	xs_free(p[0]);
	xs_free(p[1]);
}

Test(stream, timed_unix_connect_to_a_full_backlog_fails_instead_of_pretending, .timeout = 10)
{
	struct xs_sock *l, *c1, *c2 = NULL, *c3;
	struct xs_addr a;
	char name[64];
	int i, rc = 0;

	unique_abstract_addr(&a, name, sizeof(name), "backlog");
	CHECK_PTR(l = xs_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(xs_bind(l, &a));
	CHECK(xs_listen(l, 0));
	CHECK_PTR(c1 = xs_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(xs_connect(c1, &a));
	/* Fill whatever the kernel's minimum backlog is, non-blocking. */
	for (i = 0; i < 8 && rc == 0; i++) {
		xs_free(c2);
		CHECK_PTR(c2 = xs_socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
		rc = xs_connect_ex(c2, &a);
	}
	cr_assert_eq(rc, EAGAIN, "the backlog never filled: connect_ex gave %d", rc);
	CHECK_PTR(c3 = xs_socket(AF_UNIX, SOCK_STREAM, 0));
	CHECK(xs_settimeout(c3, 0.5));
	cr_assert_eq(xs_connect(c3, &a), -1, "a connect that never started must not succeed");
	assert_os_error(EAGAIN);
	xs_free(c3);
	xs_free(c2);
	xs_free(c1);
	xs_free(l);
}
