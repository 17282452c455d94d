/*
 * test_lifetime.c — creating, duplicating, adopting, detaching and closing
 * sockets (API.md §1.6, §1.7.9, §1.7.10, §2.5), through the public API.
 */
#include "helpers.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

static void reset_defaults(void)
{
	xs_setdefaulttimeout(XS_TIMEOUT_NONE);
	xs_clear_error();
}

TestSuite(lifetime, .timeout = 10, .init = reset_defaults, .fini = reset_defaults);

/* A round trip over a connected pair proves both ends are alive. */
static void assert_pair_talks(struct xs_sock *a, struct xs_sock *b)
{
	char buf[16] = {0};

	cr_assert_eq(CHECK(xs_send(a, "ping", 4, 0)), 4);
	cr_assert_eq(CHECK(xs_recv(b, buf, sizeof buf, 0)), 4);
	cr_assert_str_eq(buf, "ping");
}

static int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

Test(lifetime, socket_with_sock_nonblock_starts_non_blocking_and_masks_the_flag)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_eq(xs_gettimeout(s), 0.0, "timeout %g, expected 0.0", xs_gettimeout(s));
	cr_assert_eq(xs_getblocking(s), 0);
	cr_assert_eq(xs_type(s), SOCK_STREAM, "type %#x still carries the flag", xs_type(s));
	xs_free(s);
}

Test(lifetime, sock_nonblock_wins_over_the_default_timeout)
{
	struct xs_sock *s;

	CHECK(xs_setdefaulttimeout(4.0));
	s = socket_or_skip(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(xs_gettimeout(s), 0.0, "timeout %g", xs_gettimeout(s));
	xs_free(s);
}

Test(lifetime, socket_with_sock_cloexec_masks_the_flag_and_is_not_inheritable)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	cr_assert_eq(xs_type(s), SOCK_DGRAM, "type %#x still carries the flag", xs_type(s));
	cr_assert_eq(xs_get_inheritable(s), 0);
	cr_assert(xs_gettimeout(s) < 0, "a new socket is blocking, got timeout %g",
		  xs_gettimeout(s));
	xs_free(s);
}

Test(lifetime, new_sockets_start_blocking)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_STREAM, 0);

	cr_assert(xs_gettimeout(s) < 0, "timeout %g, expected None", xs_gettimeout(s));
	cr_assert_eq(xs_getblocking(s), 1);
	xs_free(s);
}

Test(lifetime, every_created_socket_is_close_on_exec)
{
	struct xs_sock *c, *srv, *d, *pair[2], *f;

	tcp_pair(AF_INET, &c, &srv);
	cr_assert_eq(xs_get_inheritable(c), 0, "xs_socket() result is inheritable");
	cr_assert_eq(xs_get_inheritable(srv), 0, "xs_accept() result is inheritable");
	d = CHECK_PTR(xs_dup(c));
	cr_assert_eq(xs_get_inheritable(d), 0, "xs_dup() result is inheritable");
	CHECK(xs_socketpair(AF_UNSPEC, SOCK_STREAM, 0, pair));
	cr_assert_eq(xs_get_inheritable(pair[0]), 0, "xs_socketpair() result is inheritable");
	cr_assert_eq(xs_get_inheritable(pair[1]), 0, "xs_socketpair() result is inheritable");
	f = CHECK_PTR(xs_fromfd(xs_fileno(pair[0]), AF_UNIX, SOCK_STREAM, 0));
	cr_assert_eq(xs_get_inheritable(f), 0, "xs_fromfd() result is inheritable");
	xs_free(f);
	xs_free(pair[0]);
	xs_free(pair[1]);
	xs_free(d);
	xs_free(c);
	xs_free(srv);
}

Test(lifetime, kernel_descriptors_carry_fd_cloexec)
{
	struct xs_sock *s;

	skip_unless_kernel(AF_INET, SOCK_STREAM, 0, "checks the descriptor's FD_CLOEXEC flag");
	s = CHECK_PTR(xs_socket(AF_INET, SOCK_STREAM, 0));
	cr_assert(fcntl(xs_fileno(s), F_GETFD) & FD_CLOEXEC);
	xs_free(s);
}

/* Does a child started with exec() still hold descriptor fd? */
static int child_sees_fd(int fd)
{
	char cmd[64];
	int status;
	pid_t pid;

	snprintf(cmd, sizeof cmd, "[ -e /proc/self/fd/%d ]", fd);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) != 127, "could not run /bin/sh");
	return WEXITSTATUS(status) == 0;
}

Test(lifetime, set_inheritable_lets_a_child_process_keep_the_descriptor)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	int fd = xs_fileno(s);

	if (fd < 0)
		cr_skip_test("transport %s has no descriptor to inherit", xs_transport_name(s));
	cr_assert_not(child_sees_fd(fd), "a close-on-exec descriptor reached the child");
	CHECK(xs_set_inheritable(s, 1));
	cr_assert_eq(xs_get_inheritable(s), 1);
	cr_assert(child_sees_fd(fd), "an inheritable descriptor did not reach the child");
	CHECK(xs_set_inheritable(s, 0));
	cr_assert_eq(xs_get_inheritable(s), 0);
	cr_assert_not(child_sees_fd(fd));
	xs_free(s);
}

static void close_twice(int type)
{
	struct xs_sock *s = socket_or_skip(AF_INET, type, 0);

	cr_assert_geq(xs_fileno(s), 0);
	cr_assert_eq(xs_close(s), 0);
	cr_assert_eq(xs_fileno(s), -1);
	cr_assert_eq(xs_close(s), 0, "second close failed: %s", xs_last_error()->msg);
	cr_assert_eq(xs_fileno(s), -1);
	xs_free(s);
}

Test(lifetime, close_is_idempotent_and_fileno_becomes_minus_one)
{
	close_twice(SOCK_STREAM);
}

Test(lifetime, close_of_a_udp_socket_is_idempotent_and_fileno_becomes_minus_one)
{
	close_twice(SOCK_DGRAM);
}

Test(lifetime, operations_after_close_fail_with_ebadf)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	struct xs_addr a, out;
	char buf[4];
	int v;
	socklen_t len = sizeof v;

	test_local_addr(AF_INET, 0, &a);
	CHECK(xs_close(s));

	cr_assert_eq(xs_bind(s, &a), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_getsockname(s, &out), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_sendto(s, "x", 1, 0, &a), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_recv(s, buf, sizeof buf, 0), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_getsockopt_int(s, SOL_SOCKET, SO_TYPE, &v), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_setsockopt_int(s, SOL_SOCKET, SO_REUSEADDR, 1), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_shutdown(s, SHUT_RDWR), -1);
	assert_os_error(EBADF);
	cr_assert_null(xs_dup(s));
	assert_os_error(EBADF);
	cr_assert_eq(xs_connect(s, &a), -1);
	assert_os_error(EBADF);
	cr_assert_eq(xs_connect_ex(s, &a), -1,
		     "connect_ex on a closed socket must fail, not "
		     "return an errno");
	assert_os_error(EBADF);
	cr_assert_eq(xs_detach(s), -1);
	xs_free(s);
}

Test(lifetime, free_closes_an_open_socket_and_the_peer_sees_end_of_file)
{
	struct xs_sock *c, *srv;
	char buf[4];

	tcp_pair(AF_INET, &c, &srv);
	xs_free(srv);
	CHECK(xs_settimeout(c, 5.0));
	cr_assert_eq(CHECK(xs_recv(c, buf, sizeof buf, 0)), 0);
	xs_free(c);
	xs_free(NULL);
}

Test(lifetime, detach_returns_the_descriptor_and_leaves_it_open)
{
	struct xs_sock *p[2], *again;
	int fd;

	CHECK(xs_socketpair(AF_UNSPEC, SOCK_STREAM, 0, p));
	fd = xs_fileno(p[0]);
	cr_assert_eq(xs_detach(p[0]), fd);
	cr_assert_eq(xs_fileno(p[0]), -1, "a detached socket is closed");
	cr_assert(fd_is_open(fd), "detach closed the descriptor");
	cr_assert_eq(xs_detach(p[0]), -1, "detaching twice returns -1");
	char b;
	cr_assert_eq(xs_recv(p[0], &b, 1, 0), -1);
	assert_os_error(EBADF);
	xs_free(p[0]); /* must not close fd */
	cr_assert(fd_is_open(fd), "freeing a detached handle closed the descriptor");

	again = CHECK_PTR(xs_socket_adopt(fd, -1, -1, -1));
	cr_assert_eq(xs_family(again), AF_UNIX);
	assert_pair_talks(again, p[1]);
	assert_pair_talks(p[1], again);
	xs_free(again);
	xs_free(p[1]);
}

Test(lifetime, close_fd_closes_a_detached_descriptor)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	int fd = xs_detach(s);

	if (fd < 0 && !on_kernel(s))
		cr_skip_test("transport %s has no descriptor to detach: %s", xs_transport_name(s),
			     xs_last_error()->msg);
	cr_assert_geq(fd, 0, "detach: %s", xs_last_error()->msg);
	CHECK(xs_close_fd(fd));
	cr_assert_not(fd_is_open(fd));
	cr_assert_eq(xs_close_fd(fd), -1, "closing a closed descriptor must fail");
	assert_os_error(EBADF);
	xs_free(s);
}

Test(lifetime, dup_copies_family_type_proto_and_timeout)
{
	struct xs_sock *p[2], *d;

	CHECK(xs_socketpair(AF_UNSPEC, SOCK_STREAM, 0, p));
	CHECK(xs_settimeout(p[0], 2.5));
	d = CHECK_PTR(xs_dup(p[0]));
	cr_assert_eq(xs_gettimeout(d), 2.5, "dup timeout %g", xs_gettimeout(d));
	cr_assert_eq(xs_family(d), AF_UNIX);
	cr_assert_eq(xs_type(d), SOCK_STREAM);
	cr_assert_eq(xs_proto(d), xs_proto(p[0]));
	cr_assert_neq(xs_fileno(d), xs_fileno(p[0]), "dup shares the descriptor");
	CHECK(xs_close(p[0]));
	assert_pair_talks(d, p[1]); /* the duplicate outlives the original */
	assert_pair_talks(p[1], d);
	xs_free(d);
	xs_free(p[0]);
	xs_free(p[1]);
}

Test(lifetime, dup_of_a_blocking_inet6_socket_keeps_family_and_blocking)
{
	struct xs_sock *s, *d;

	skip_unless_ipv6();
	s = socket_or_skip(AF_INET6, SOCK_DGRAM, 0);
	d = CHECK_PTR(xs_dup(s));
	cr_assert_eq(xs_family(d), AF_INET6);
	cr_assert_eq(xs_type(d), SOCK_DGRAM);
	cr_assert(xs_gettimeout(d) < 0);
	xs_free(d);
	xs_free(s);
}

Test(lifetime, fromfd_duplicates_and_the_original_stays_open)
{
	struct xs_sock *p[2], *f;
	int fd;

	CHECK(xs_setdefaulttimeout(3.0));
	CHECK(xs_socketpair(AF_UNSPEC, SOCK_STREAM, 0, p));
	fd = xs_fileno(p[0]);
	f = CHECK_PTR(xs_fromfd(fd, AF_UNIX, SOCK_STREAM, 0));
	cr_assert_neq(xs_fileno(f), fd, "fromfd must duplicate the descriptor");
	cr_assert_eq(xs_family(f), AF_UNIX);
	cr_assert_eq(xs_type(f), SOCK_STREAM);
	cr_assert_eq(xs_gettimeout(f), 3.0, "fromfd starts from the default timeout, got %g",
		     xs_gettimeout(f));
	assert_pair_talks(f, p[1]);
	xs_free(f);
	cr_assert(fd_is_open(fd), "freeing the fromfd socket closed the caller's descriptor");
	assert_pair_talks(p[0], p[1]);
	xs_free(p[0]);
	xs_free(p[1]);
}

Test(lifetime, socket_adopt_detects_family_type_and_proto_without_dup)
{
	struct xs_sock *s;
	int fd;

	skip_unless_kernel(AF_INET, SOCK_DGRAM, IPPROTO_UDP, "adopts a kernel descriptor");
	fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	cr_assert_geq(fd, 0);
	s = CHECK_PTR(xs_socket_adopt(fd, -1, -1, -1));
	cr_assert_eq(xs_fileno(s), fd, "adopt must not duplicate");
	cr_assert_eq(xs_family(s), AF_INET);
	cr_assert_eq(xs_type(s), SOCK_DGRAM, "type %#x", xs_type(s));
	cr_assert_eq(xs_proto(s), IPPROTO_UDP, "proto %d", xs_proto(s));
	CHECK(xs_close(s));
	cr_assert_not(fd_is_open(fd), "closing an adopted socket closes its descriptor");
	xs_free(s);
}

Test(lifetime, socket_adopt_detects_inet6_stream)
{
	struct xs_sock *s;
	int fd;

	skip_unless_ipv6();
	skip_unless_kernel(AF_INET6, SOCK_STREAM, 0, "adopts a kernel descriptor");
	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	s = CHECK_PTR(xs_socket_adopt(fd, -1, -1, -1));
	cr_assert_eq(xs_family(s), AF_INET6);
	cr_assert_eq(xs_type(s), SOCK_STREAM, "type %#x", xs_type(s));
	cr_assert_eq(xs_proto(s), IPPROTO_TCP, "proto %d", xs_proto(s));
	xs_free(s);
	cr_assert_not(fd_is_open(fd));
}

Test(lifetime, socket_adopt_of_a_pipe_fails_with_enotsock)
{
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_null(xs_socket_adopt(fds[0], -1, -1, -1));
	assert_os_error(ENOTSOCK);
	cr_assert(fd_is_open(fds[0]), "a refused descriptor must stay the caller's");
	close(fds[0]);
	close(fds[1]);
}

Test(lifetime, socketpair_defaults_to_af_unix_and_talks_both_ways)
{
	struct xs_sock *p[2];

	CHECK(xs_socketpair(AF_UNSPEC, SOCK_STREAM, 0, p));
	cr_assert_eq(xs_family(p[0]), AF_UNIX);
	cr_assert_eq(xs_family(p[1]), AF_UNIX);
	cr_assert_eq(xs_type(p[0]), SOCK_STREAM);
	assert_pair_talks(p[0], p[1]);
	assert_pair_talks(p[1], p[0]);
	xs_free(p[0]);
	xs_free(p[1]);
}

Test(lifetime, socketpair_of_datagrams_keeps_message_boundaries)
{
	struct xs_sock *p[2];
	char buf[16];

	CHECK(xs_socketpair(AF_UNIX, SOCK_DGRAM, 0, p));
	cr_assert_eq(xs_type(p[1]), SOCK_DGRAM);
	CHECK(xs_send(p[0], "ab", 2, 0));
	CHECK(xs_send(p[0], "cde", 3, 0));
	cr_assert_eq(CHECK(xs_recv(p[1], buf, sizeof buf, 0)), 2);
	cr_assert_eq(CHECK(xs_recv(p[1], buf, sizeof buf, 0)), 3);
	cr_assert_eq(memcmp(buf, "cde", 3), 0);
	xs_free(p[0]);
	xs_free(p[1]);
}

Test(lifetime, accessors_return_the_constructor_values)
{
	struct xs_sock *t = socket_or_skip(AF_INET, SOCK_STREAM, 0);

	cr_assert_eq(xs_family(t), AF_INET);
	cr_assert_eq(xs_type(t), SOCK_STREAM);
	cr_assert_eq(xs_proto(t), 0, "proto is the value given, got %d", xs_proto(t));
	xs_free(t);
}

Test(lifetime, accessors_of_a_udp_socket_return_the_constructor_values)
{
	struct xs_sock *u = socket_or_skip(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

	cr_assert_eq(xs_family(u), AF_INET);
	cr_assert_eq(xs_type(u), SOCK_DGRAM);
	cr_assert_eq(xs_proto(u), IPPROTO_UDP);
	xs_free(u);
}

Test(lifetime, transport_name_is_never_null)
{
	struct xs_sock *s = socket_or_skip(AF_INET, SOCK_DGRAM, 0);
	const char *name = xs_transport_name(s);

	cr_assert_not_null(name);
	cr_assert_neq(name[0], '\0');
	xs_free(s);
}

Test(lifetime, a_dup_honours_the_copied_timeout)
{
	struct xs_sock *peer, *s, *d;
	char buf[4];
	double t;

	udp_pair(AF_INET, &peer, &s, NULL, NULL);
	CHECK(xs_settimeout(s, 0.2));
	d = CHECK_PTR(xs_dup(s));
	t = now_s();
	cr_assert_eq(xs_recv(d, buf, sizeof buf, 0), -1);
	assert_error(XS_ERR_TIMEOUT, ETIMEDOUT);
	assert_elapsed_within(now_s() - t, 0.15, 1.0);
	xs_free(d);
	xs_free(peer);
	xs_free(s);
}

Test(lifetime, settimeout_resets_a_flag_a_dup_changed, .timeout = 10)
{
	struct xs_sock *p[2], *d;
	char c;

	CHECK(xs_socketpair(AF_UNIX, SOCK_STREAM, 0, p));
	CHECK_PTR(d = xs_dup(p[0]));
	CHECK(xs_settimeout(d, 0.0)); /* the duplicate shares the O_NONBLOCK flag */
	CHECK(xs_setblocking(p[0], 1));
	cr_assert_eq(fcntl(xs_fileno(p[0]), F_GETFL) & O_NONBLOCK, 0);
	CHECK(xs_send(p[1], "x", 1, 0));
	cr_assert_eq(xs_recv(p[0], &c, 1, 0), 1);
	xs_free(d);
	xs_free(p[0]);
	xs_free(p[1]);
}

Test(lifetime, fromfd_leaves_the_callers_descriptor_flags_alone)
{
	int fds[2], flags;
	struct xs_sock *s;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	CHECK_PTR(s = xs_fromfd(fds[0], AF_UNIX, SOCK_STREAM, 0));
	flags = fcntl(fds[0], F_GETFL);
	cr_assert(flags & O_NONBLOCK, "fromfd in blocking mode must not clear the caller's flag");
	cr_assert_lt(xs_gettimeout(s), 0.0);
	xs_free(s);
	close(fds[0]);
	close(fds[1]);
}

Test(lifetime, adopt_with_sock_nonblock_starts_non_blocking)
{
	int fds[2];
	struct xs_sock *s;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	CHECK_PTR(s = xs_socket_adopt(fds[0], AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
	cr_assert_eq(xs_gettimeout(s), 0.0);
	cr_assert_eq(xs_type(s), SOCK_STREAM);
	cr_assert(fcntl(fds[0], F_GETFL) & O_NONBLOCK);
	xs_free(s);
	close(fds[1]);
}

Test(lifetime, adopting_a_pipe_is_enotsock_even_with_every_argument_given)
{
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_null(xs_socket_adopt(fds[0], AF_INET, SOCK_STREAM, 0));
	assert_os_error(ENOTSOCK);
	cr_assert_neq(fcntl(fds[0], F_GETFD), -1, "the caller's descriptor stays open");
	close(fds[0]);
	close(fds[1]);
}
