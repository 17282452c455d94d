/*
 * test_timeout.c — blocking, non-blocking and timeout modes, the default
 * timeout, connect with a timeout, connect_ex, and the PEP 475 rules for
 * interrupted calls (API.md §1.7.3, §1.7.4, §2.9).
 */
#include "helpers.h"

#include <math.h>
#include <unistd.h>

static void reset_defaults(void)
{
	xs_setdefaulttimeout(XS_TIMEOUT_NONE);
	xs_set_interrupt_hook(NULL);
	xs_clear_error();
}

TestSuite(timeout, .timeout = 10, .init = reset_defaults, .fini = reset_defaults);

static void assert_timed_out(void)
{
	assert_error(XS_ERR_TIMEOUT, ETIMEDOUT);
	cr_assert_str_eq(xs_last_error()->msg, "timed out");
}

/* ---- the value mapping ---- */

Test(timeout, settimeout_maps_none_zero_and_positive_to_the_three_modes)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);

	CHECK(xs_settimeout(s, 1.5));
	cr_assert_eq(xs_gettimeout(s), 1.5);
	cr_assert_eq(xs_getblocking(s), 1, "timeout mode counts as blocking");
	CHECK(xs_settimeout(s, 0.0));
	cr_assert_eq(xs_gettimeout(s), 0.0);
	cr_assert_eq(xs_getblocking(s), 0);
	CHECK(xs_settimeout(s, XS_TIMEOUT_NONE));
	cr_assert(xs_gettimeout(s) < 0, "None reads back as %g", xs_gettimeout(s));
	cr_assert_eq(xs_getblocking(s), 1);
	CHECK(xs_settimeout(s, -7.0));
	cr_assert(xs_gettimeout(s) < 0, "any negative value is None");
	xs_free(s);
}

Test(timeout, setblocking_is_settimeout_none_or_zero)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);

	CHECK(xs_settimeout(s, 2.0));
	CHECK(xs_setblocking(s, 0));
	cr_assert_eq(xs_gettimeout(s), 0.0);
	cr_assert_eq(xs_getblocking(s), 0);
	CHECK(xs_setblocking(s, 1));
	cr_assert(xs_gettimeout(s) < 0, "setblocking(1) must clear the timeout, got %g",
		  xs_gettimeout(s));
	cr_assert_eq(xs_getblocking(s), 1);
	xs_free(s);
}

Test(timeout, settimeout_nan_is_a_value_error_and_changes_nothing)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);

	CHECK(xs_settimeout(s, 3.0));
	cr_assert_eq(xs_settimeout(s, NAN), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	assert_msg_mentions("timeout");
	cr_assert_eq(xs_gettimeout(s), 3.0);
	xs_free(s);
}

Test(timeout, setdefaulttimeout_nan_is_a_value_error)
{
	cr_assert_eq(xs_setdefaulttimeout(NAN), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
	cr_assert(xs_getdefaulttimeout() < 0, "the default stays None");
}

Test(timeout, the_default_timeout_starts_as_none)
{
	cr_assert(xs_getdefaulttimeout() < 0, "initial default %g", xs_getdefaulttimeout());
}

Test(timeout, the_default_timeout_applies_to_new_sockets_only)
{
	struct xs_sock *before = socket_or_skip(AF_INET, SOCK_STREAM, 0), *after;

	CHECK(xs_setdefaulttimeout(2.0));
	cr_assert_eq(xs_getdefaulttimeout(), 2.0);
	after = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	cr_assert_eq(xs_gettimeout(after), 2.0);
	cr_assert(xs_gettimeout(before) < 0, "an existing socket changed its timeout");
	xs_free(before);
	xs_free(after);
}

Test(timeout, accepted_sockets_take_the_default_timeout)
{
	struct xs_addr a;
	struct xs_sock *l, *c, *conn;

	CHECK(xs_setdefaulttimeout(2.5));
	l = tcp_listener(AF_INET, 1, &a);
	CHECK(xs_settimeout(l, 4.0));
	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &a));
	conn = CHECK_PTR(xs_accept(l, NULL));
	cr_assert_eq(xs_gettimeout(conn), 2.5, "accepted socket has timeout %g",
		     xs_gettimeout(conn));
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

Test(timeout, accepted_sockets_are_blocking_when_the_default_is_none)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c, *conn;

	CHECK(xs_settimeout(l, 4.0));
	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &a));
	conn = CHECK_PTR(xs_accept(l, NULL));
	cr_assert(xs_gettimeout(conn) < 0, "accepted socket has timeout %g, expected None",
		  xs_gettimeout(conn));
	cr_assert_eq(xs_getblocking(conn), 1);
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

/* ---- timeouts fire ---- */

Test(timeout, recv_times_out_after_the_timeout)
{
	struct xs_sock *peer, *s;
	char buf[8];
	double t;

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_settimeout(s, 0.2));
	t = now_s();
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1);
	t = now_s() - t;
	assert_timed_out();
	assert_elapsed_within(t, 0.15, 1.0);
	xs_free(peer);
	xs_free(s);
}

Test(timeout, stream_recv_times_out_and_the_connection_survives)
{
	struct xs_sock *c, *srv;
	char buf[8];
	double t;

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_settimeout(c, 0.2));
	t = now_s();
	cr_assert_eq(xs_recv(c, buf, sizeof buf, 0), -1);
	assert_timed_out();
	assert_elapsed_within(now_s() - t, 0.15, 1.0);
	CHECK(xs_sendall(srv, "late", 4, 0, NULL));
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 4);
	xs_free(c);
	xs_free(srv);
}

Test(timeout, recvfrom_times_out_with_the_timeout_kind)
{
	struct xs_sock *peer, *s;
	struct xs_addr from;
	char buf[8];

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_settimeout(s, 0.1));
	cr_assert_eq(xs_recvfrom(s, buf, sizeof buf, 0, &from), -1);
	assert_timed_out();
	xs_free(peer);
	xs_free(s);
}

Test(timeout, accept_times_out_after_the_timeout)
{
	struct xs_sock *l = tcp_listener(AF_INET, 1, NULL);
	double t;

	CHECK(xs_settimeout(l, 0.2));
	t = now_s();
	cr_assert_null(xs_accept(l, NULL));
	assert_timed_out();
	assert_elapsed_within(now_s() - t, 0.15, 1.0);
	xs_free(l);
}

Test(timeout, a_timeout_waits_for_data_that_arrives_in_time)
{
	struct xs_sock *peer, *s;
	struct xs_addr s_addr;
	char buf[8] = {0};

	udp_pair(AF_INET, &peer, &s, NULL, &s_addr);
	CHECK(xs_connect(peer, &s_addr));
	CHECK(xs_settimeout(s, 3.0));
	struct delayed_send d = {.s = peer, .data = "hi", .len = 2, .delay_s = 0.2};
	delayed_send_start(&d);
	cr_assert_eq(CHECK(xs_recv(s, buf, sizeof buf, 0)), 2);
	cr_assert_str_eq(buf, "hi");
	delayed_send_join(&d);
	xs_free(peer);
	xs_free(s);
}

/* ---- non-blocking mode ---- */

Test(timeout, non_blocking_recv_without_data_fails_with_eagain)
{
	struct xs_sock *peer, *s;
	char buf[8];
	double t;

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_setblocking(s, 0));
	t = now_s();
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1);
	assert_os_error(EAGAIN);
	cr_assert_lt(now_s() - t, 0.5, "a non-blocking call must not wait");
	xs_free(peer);
	xs_free(s);
}

Test(timeout, non_blocking_accept_without_a_client_fails_with_eagain)
{
	struct xs_sock *l = tcp_listener(AF_INET, 1, NULL);

	CHECK(xs_settimeout(l, 0.0));
	cr_assert_null(xs_accept(l, NULL));
	assert_os_error(EAGAIN);
	xs_free(l);
}

Test(timeout, non_blocking_send_to_a_full_buffer_fails_with_eagain)
{
	struct xs_sock *c, *srv;
	static uint8_t chunk[65536];
	ssize_t n = 0;
	int i;

	tcp_pair(AF_INET, &c, &srv);
	CHECK(xs_setblocking(c, 0));
	for (i = 0; i < 100000; i++) {
		n = xs_send(c, chunk, sizeof chunk, 0);
		if (n == -1)
			break;
	}
	cr_assert_eq(n, -1, "the peer never reads, yet send never blocked");
	assert_os_error(EAGAIN);
	xs_free(c);
	xs_free(srv);
}

/* ---- connect ---- */

/* Connect with a timeout to a listener whose accept queue is full: the
 * kernel drops the SYN, so only the timeout ends the call. Returns the
 * client that timed out (or skips if the kernel accepted everything). */
static struct xs_sock *client_of_a_full_backlog(struct xs_sock *l, const struct xs_addr *a,
						struct xs_sock **filled, int nfilled,
						int use_connect_ex, int *ex_rc, double *elapsed)
{
	for (int i = 0; i < nfilled; i++) {
		struct xs_sock *c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
		double t = now_s();
		int rc;

		CHECK(xs_settimeout(c, 0.3));
		rc = use_connect_ex ? xs_connect_ex(c, a) : xs_connect(c, a);
		*elapsed = now_s() - t;
		if (rc != 0) {
			*ex_rc = rc;
			return c;
		}
		filled[i] = c;
	}
	(void)l;
	cr_skip_test("the kernel accepted %d connections on a listen(0) socket; no full "
		     "backlog to time out against on loopback",
		     nfilled);
	return NULL;
}

Test(timeout, connect_times_out_against_a_full_backlog)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 0, &a), *filled[8] = {0}, *c;
	double t;
	int rc;

	c = client_of_a_full_backlog(l, &a, filled, 8, 0, &rc, &t);
	cr_assert_eq(rc, -1);
	assert_timed_out();
	assert_elapsed_within(t, 0.2, 1.5);
	xs_free(c);
	for (int i = 0; i < 8; i++)
		xs_free(filled[i]);
	xs_free(l);
}

Test(timeout, connect_ex_returns_ewouldblock_when_the_timeout_expires)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 0, &a), *filled[8] = {0}, *c;
	double t;
	int rc;

	c = client_of_a_full_backlog(l, &a, filled, 8, 1, &rc, &t);
	cr_assert_eq(rc, EWOULDBLOCK, "connect_ex returned %d (%s), expected EWOULDBLOCK", rc,
		     rc > 0 ? strerror(rc) : xs_last_error()->msg);
	assert_elapsed_within(t, 0.2, 1.5);
	xs_free(c);
	for (int i = 0; i < 8; i++)
		xs_free(filled[i]);
	xs_free(l);
}

/* A loopback port with nothing listening: a bound, non-listening socket
 * holds it so no parallel test can take it. */
static struct xs_sock *closed_port(struct xs_addr *a)
{
	struct xs_sock *hold = socket_or_skip(AF_INET, SOCK_STREAM, 0);

	test_local_addr(AF_INET, 0, a);
	CHECK(xs_bind(hold, a));
	CHECK(xs_getsockname(hold, a));
	return hold;
}

Test(timeout, connect_ex_returns_econnrefused_for_a_closed_port)
{
	struct xs_addr a;
	struct xs_sock *hold = closed_port(&a), *c;
	int rc;

	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	xs_clear_error();
	rc = xs_connect_ex(c, &a);
	cr_assert_eq(rc, ECONNREFUSED, "connect_ex returned %d", rc);
	xs_free(c);

	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_settimeout(c, 2.0));
	rc = xs_connect_ex(c, &a);
	cr_assert_eq(rc, ECONNREFUSED, "connect_ex with a timeout returned %d", rc);
	xs_free(c);
	xs_free(hold);
}

Test(timeout, connect_with_a_timeout_to_a_closed_port_is_refused_not_timed_out)
{
	struct xs_addr a;
	struct xs_sock *hold = closed_port(&a), *c;

	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_settimeout(c, 2.0));
	cr_assert_eq(xs_connect(c, &a), -1);
	assert_os_error(ECONNREFUSED);
	xs_free(c);
	xs_free(hold);
}

Test(timeout, connect_ex_returns_einprogress_on_a_non_blocking_socket)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c, *conn;
	int rc;

	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_setblocking(c, 0));
	rc = xs_connect_ex(c, &a);
	cr_assert_eq(rc, EINPROGRESS, "connect_ex returned %d", rc);
	CHECK(xs_settimeout(l, 2.0));
	conn = CHECK_PTR(xs_accept(l, NULL)); /* the connection does complete */
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}

Test(timeout, connect_on_a_non_blocking_socket_fails_with_einprogress)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c;

	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
	cr_assert_eq(xs_connect(c, &a), -1);
	assert_os_error(EINPROGRESS);
	xs_free(c);
	xs_free(l);
}

Test(timeout, connect_with_a_timeout_succeeds_and_keeps_the_timeout)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(AF_INET, 1, &a), *c;

	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_settimeout(c, 2.0));
	CHECK(xs_connect(c, &a));
	cr_assert_eq(xs_gettimeout(c), 2.0);
	xs_free(c);
	xs_free(l);
}

/* ---- PEP 475: interrupted calls ---- */

static int hook_calls;
static int hook_abort(void)
{
	hook_calls++;
	return 1;
}
static int hook_retry(void)
{
	hook_calls++;
	return 0;
}

static void interrupted_recv_is_retried(double timeout)
{
	struct xs_sock *peer, *s;
	struct xs_addr s_addr;
	char buf[8] = {0};
	struct signaller sg = {.target = pthread_self(),
			       .sig = SIGALRM,
			       .first_s = 0.1,
			       .every_s = 0.05,
			       .count = 3};

	install_counting_handler(SIGALRM);
	udp_pair(AF_INET, &peer, &s, NULL, &s_addr);
	CHECK(xs_connect(peer, &s_addr));
	CHECK(xs_settimeout(s, timeout));
	struct delayed_send d = {.s = peer, .data = "late", .len = 4, .delay_s = 0.5};
	signaller_start(&sg);
	delayed_send_start(&d);
	cr_assert_eq(CHECK(xs_recv(s, buf, sizeof buf, 0)), 4);
	cr_assert_str_eq(buf, "late");
	signaller_join(&sg);
	delayed_send_join(&d);
	cr_assert_geq(signal_hits, 1, "no signal reached the receiving thread");
	xs_free(peer);
	xs_free(s);
}

Test(timeout, a_signal_during_a_blocking_recv_does_not_fail_the_call)
{
	interrupted_recv_is_retried(XS_TIMEOUT_NONE);
}

Test(timeout, a_signal_during_a_recv_with_timeout_does_not_fail_the_call)
{
	interrupted_recv_is_retried(5.0);
}

Test(timeout, a_hook_returning_zero_lets_the_call_retry)
{
	hook_calls = 0;
	xs_set_interrupt_hook(hook_retry);
	interrupted_recv_is_retried(XS_TIMEOUT_NONE);
	cr_assert_geq(hook_calls, 1, "the hook was not called on EINTR");
}

static void hooked_recv_fails_with_eintr(double timeout)
{
	struct xs_sock *peer, *s;
	char buf[8];
	double t;
	struct signaller sg = {.target = pthread_self(),
			       .sig = SIGALRM,
			       .first_s = 0.15,
			       .every_s = 0.2,
			       .count = 10};

	install_counting_handler(SIGALRM);
	hook_calls = 0;
	xs_set_interrupt_hook(hook_abort);
	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_settimeout(s, timeout));
	signaller_start(&sg);
	t = now_s();
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1);
	t = now_s() - t;
	signaller_join(&sg);
	assert_os_error(EINTR);
	cr_assert_eq(hook_calls, 1, "hook called %d times", hook_calls);
	assert_elapsed_within(t, 0.1, 1.0);
	xs_free(peer);
	xs_free(s);
}

Test(timeout, a_hook_returning_nonzero_makes_a_blocking_recv_fail_with_eintr)
{
	hooked_recv_fails_with_eintr(XS_TIMEOUT_NONE);
}

Test(timeout, a_hook_returning_nonzero_makes_a_recv_with_timeout_fail_with_eintr)
{
	hooked_recv_fails_with_eintr(5.0);
}

Test(timeout, retries_after_signals_do_not_extend_the_deadline)
{
	struct xs_sock *peer, *s;
	char buf[8];
	double t;
	struct signaller sg = {.target = pthread_self(),
			       .sig = SIGALRM,
			       .first_s = 0.1,
			       .every_s = 0.1,
			       .count = 40};

	install_counting_handler(SIGALRM);
	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_settimeout(s, 0.5));
	signaller_start(&sg);
	t = now_s();
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1);
	t = now_s() - t;
	signaller_join(&sg);
	assert_timed_out();
	cr_assert_geq(signal_hits, 3, "only %d signals arrived", (int)signal_hits);
	assert_elapsed_within(t, 0.45, 1.0);
	xs_free(peer);
	xs_free(s);
}

/* A thread that connects to `a` after a delay. */
struct delayed_connect {
	struct xs_addr a;
	double delay_s;
	struct xs_sock *c;
	pthread_t th;
};

static void *delayed_connect_main(void *arg)
{
	struct delayed_connect *d = arg;

	sleep_s(d->delay_s);
	d->c = xs_socket(AF_INET, SOCK_STREAM, 0);
	if (d->c && xs_connect(d->c, &d->a) == -1) {
		xs_free(d->c);
		d->c = NULL;
	}
	return NULL;
}

Test(timeout, a_signal_during_a_blocking_accept_does_not_fail_the_call)
{
	struct delayed_connect d = {.delay_s = 0.4};
	struct xs_sock *l = tcp_listener(AF_INET, 1, &d.a), *conn;
	struct signaller sg = {.target = pthread_self(),
			       .sig = SIGALRM,
			       .first_s = 0.1,
			       .every_s = 0.1,
			       .count = 2};
	sigset_t all, old;

	install_counting_handler(SIGALRM);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	cr_assert_eq(pthread_create(&d.th, NULL, delayed_connect_main, &d), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signaller_start(&sg);
	conn = CHECK_PTR(xs_accept(l, NULL));
	signaller_join(&sg);
	pthread_join(d.th, NULL);
	cr_assert_not_null(d.c, "the client could not connect");
	cr_assert_geq(signal_hits, 1);
	xs_free(conn);
	xs_free(d.c);
	xs_free(l);
}

Test(timeout, a_signal_during_sendall_does_not_lose_or_repeat_data)
{
	struct xs_sock *c, *srv;
	/* 16 MiB to a reader that needs > 1 s: more than the socket buffers
	 * hold, so sendall is still sending when the signals come. */
	size_t total = 16u << 20, nsent = 0;
	uint8_t *data = malloc(total);
	struct signaller sg = {.target = pthread_self(),
			       .sig = SIGALRM,
			       .first_s = 0.02,
			       .every_s = 0.03,
			       .count = 100};
	struct slow_reader r;

	cr_assert_not_null(data);
	pattern_fill(data, total, 0);
	install_counting_handler(SIGALRM);
	tcp_pair(AF_INET, &c, &srv);
	memset(&r, 0, sizeof r);
	r.s = srv;
	r.expect = total;
	r.chunk = 65536;
	r.delay_s = 0.005;
	slow_reader_start(&r);
	signaller_start(&sg);
	CHECK(xs_sendall(c, data, total, 0, &nsent));
	signaller_join(&sg);
	slow_reader_join(&r);
	cr_assert_eq(nsent, total);
	cr_assert_eq(r.got, total, "reader got %zu of %zu (error %d/%d)", r.got, total,
		     r.error_kind, r.error_code);
	cr_assert_eq(r.first_bad, (size_t)-1, "byte %zu is wrong", r.first_bad);
	cr_assert_geq(signal_hits, 1);
	free(data);
	xs_free(c);
	xs_free(srv);
}

/* Leaving timeout or non-blocking mode must make calls wait again, not
 * leave the socket non-blocking underneath (EAGAIN would show it). */
static void blocking_again_waits(int initial_type_flags, double first_timeout)
{
	struct xs_sock *s, *peer;
	struct xs_addr s_addr, any;
	char buf[8] = {0};

	s = CHECK_PTR(xs_socket(AF_INET, SOCK_DGRAM | initial_type_flags, 0));
	test_local_addr(AF_INET, 0, &any);
	CHECK(xs_bind(s, &any));
	CHECK(xs_getsockname(s, &s_addr));
	peer = udp_peer(AF_INET, NULL);
	CHECK(xs_connect(peer, &s_addr));
	if (first_timeout >= 0)
		CHECK(xs_settimeout(s, first_timeout));
	CHECK(xs_setblocking(s, 1));
	struct delayed_send d = {.s = peer, .data = "wait", .len = 4, .delay_s = 0.3};
	delayed_send_start(&d);
	cr_assert_eq(CHECK(xs_recv(s, buf, sizeof buf, 0)), 4);
	cr_assert_str_eq(buf, "wait");
	delayed_send_join(&d);
	xs_free(s);
	xs_free(peer);
}

Test(timeout, setblocking_after_a_timeout_makes_recv_wait_again)
{
	blocking_again_waits(0, 0.1);
}

Test(timeout, setblocking_after_non_blocking_mode_makes_recv_wait_again)
{
	blocking_again_waits(0, 0.0);
}

Test(timeout, setblocking_on_a_sock_nonblock_socket_makes_recv_wait)
{
	blocking_again_waits(SOCK_NONBLOCK, -1.0);
}

Test(timeout, a_non_blocking_listener_hands_out_sockets_with_the_default_timeout)
{
	struct xs_addr a, any;
	struct xs_sock *l, *c, *conn = NULL;
	double deadline;

	CHECK(xs_setdefaulttimeout(1.5));
	l = socket_or_skip(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(xs_gettimeout(l), 0.0);
	test_local_addr(AF_INET, 0, &any);
	CHECK(xs_bind(l, &any));
	CHECK(xs_listen(l, 1));
	CHECK(xs_getsockname(l, &a));
	c = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	CHECK(xs_connect(c, &a));
	deadline = now_s() + 3.0;
	while (!conn && now_s() < deadline) {
		conn = xs_accept(l, NULL);
		if (!conn) {
			assert_os_error(EAGAIN);
			sleep_s(0.01);
		}
	}
	cr_assert_not_null(conn, "the connection never became acceptable");
	cr_assert_eq(xs_gettimeout(conn), 1.5, "accepted socket has timeout %g",
		     xs_gettimeout(conn));
	xs_free(conn);
	xs_free(c);
	xs_free(l);
}
