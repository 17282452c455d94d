/*
 * helpers.c — shared pieces of the socket suites (see helpers.h): the test
 * network (loopback, or the testbed's two hosts in peer mode), UDP and TCP
 * pairs on port 0, unique names, a data pattern, and the helper threads
 * (slow reader, delayed sender, signal sender). Public API only, plus
 * setns(2) to reach the peer namespace.
 */
#include "helpers.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t signal_hits;

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_s(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- the test network ---- */

int peer_mode(void)
{
	const char *ns = getenv("XS_TEST_PEER_NETNS");

	return ns && *ns;
}

/* An XS_TEST_* variable, or the testbed's default (DESIGN.md). */
static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

const char *test_host(int family)
{
	if (!peer_mode())
		return family == AF_INET6 ? "::1" : "127.0.0.1";
	return family == AF_INET6 ? env_or("XS_TEST_LOCAL6", "2001:2::2")
				  : env_or("XS_TEST_LOCAL4", "198.18.0.2");
}

const char *peer_host(int family)
{
	if (!peer_mode())
		return test_host(family);
	return family == AF_INET6 ? env_or("XS_TEST_PEER6", "2001:2::1")
				  : env_or("XS_TEST_PEER4", "198.18.0.1");
}

static void host_addr(int family, const char *host, int port, struct xs_addr *out)
{
	if (family == AF_INET6)
		CHECK(xs_addr_inet6(out, host, port, 0, 0));
	else
		CHECK(xs_addr_inet(out, host, port));
}

void test_local_addr(int family, int port, struct xs_addr *out)
{
	host_addr(family, test_host(family), port, out);
}

void loopback_addr(int family, int port, struct xs_addr *out)
{
	host_addr(family, family == AF_INET6 ? "::1" : "127.0.0.1", port, out);
}

/* The network namespace is per thread: enter the peer's, create the
 * socket (it stays in the namespace it was made in), come back. */
int peer_socket_fd(int family, int type, int proto)
{
	const char *ns = getenv("XS_TEST_PEER_NETNS");
	char path[256];
	int self, peer, fd, err;

	cr_assert(peer_mode(), "peer_socket_fd outside peer mode (XS_TEST_PEER_NETNS unset)");
	snprintf(path, sizeof path, "/run/netns/%s", ns);
	peer = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert(peer >= 0, "peer namespace %s: %s (is the testbed up?)", path, strerror(errno));
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	cr_assert(self >= 0, "own network namespace: %s", strerror(errno));
	cr_assert_eq(setns(peer, CLONE_NEWNET), 0, "setns(%s): %s", path, strerror(errno));
	fd = socket(family, type | SOCK_CLOEXEC, proto);
	err = errno;
	if (setns(self, CLONE_NEWNET) != 0) {
		/* Every later socket would land in the wrong host. */
		fprintf(stderr, "helpers: cannot return from %s: %s\n", path, strerror(errno));
		abort();
	}
	close(self);
	close(peer);
	cr_assert(fd >= 0, "socket(%d, %d, %d) in %s: %s", family, type, proto, ns, strerror(err));
	return fd;
}

/* Asks the library, not the kernel of this host: a frame transport's
 * stack may own an IPv6 address that the kernel does not have (dpdk on
 * the bare testbed), and xs_has_ipv6() asks only the kernel. */
void skip_unless_ipv6(void)
{
	const char *tp = xs_transport_for(AF_INET6, SOCK_DGRAM, 0);
	struct xs_sock *s;
	struct xs_addr a;

	if (tp && !strcmp(tp, "kernel") && !xs_has_ipv6())
		cr_skip_test("IPv6 is not available on this host (xs_has_ipv6() == 0)");
	s = xs_socket(AF_INET6, SOCK_DGRAM, 0);
	if (!s)
		cr_skip_test("no AF_INET6 socket: %s", xs_last_error()->msg);
	test_local_addr(AF_INET6, 0, &a);
	if (xs_bind(s, &a) == -1) {
		char why[sizeof(((struct xs_error *)0)->msg)];

		snprintf(why, sizeof why, "%s", xs_last_error()->msg);
		xs_free(s);
		cr_skip_test("%s cannot be bound: %s", test_host(AF_INET6), why);
	}
	xs_free(s);
}

static int family_unavailable(int code)
{
	return code == EAFNOSUPPORT || code == EPROTONOSUPPORT || code == ESOCKTNOSUPPORT ||
	       code == ENODEV || code == EPERM || code == EACCES || code == ENOPROTOOPT ||
	       code == ENOENT;
}

struct xs_sock *socket_or_skip(int family, int type, int proto)
{
	struct xs_sock *s = xs_socket(family, type, proto);
	const struct xs_error *e = xs_last_error();
	const char *tp;

	if (s)
		return s;
	if (e->kind == XS_ERR_OS && family_unavailable(e->code)) {
		char why[sizeof e->msg];

		/* xs_transport_for() overwrites the record when it finds none */
		snprintf(why, sizeof why, "%s", e->msg);
		tp = xs_transport_for(family, type, proto);
		cr_skip_test("family %d (%s) type %d proto %d not available on %s%s: %s", family,
			     xs_family_name(family) ? xs_family_name(family) : "?", type, proto,
			     tp ? "transport " : "", tp ? tp : "this configuration", why);
	}
	cr_assert_fail("xs_socket(%d, %d, %d) failed: %s/%d \"%s\"", family, type, proto,
		       xs_errkind_name(e->kind), e->code, e->msg);
	return NULL;
}

void skip_unless_supported(int family, int type, int proto)
{
	xs_free(socket_or_skip(family, type, proto));
}

int on_kernel(const struct xs_sock *s)
{
	return strcmp(xs_transport_name(s), "kernel") == 0;
}

void skip_unless_kernel(int family, int type, int proto, const char *why)
{
	const char *tp = xs_transport_for(family, type, proto);

	if (!tp || strcmp(tp, "kernel") != 0)
		cr_skip_test("needs the kernel transport (%s); this family is carried by %s", why,
			     tp ? tp : "nothing");
}

struct xs_sock *tcp_listener(int family, int backlog, struct xs_addr *bound)
{
	struct xs_sock *l = socket_or_skip(family, SOCK_STREAM, 0);
	struct xs_addr a;

	test_local_addr(family, 0, &a);
	CHECK(xs_bind(l, &a));
	CHECK(xs_listen(l, backlog));
	if (bound)
		CHECK(xs_getsockname(l, bound));
	return l;
}

void tcp_pair(int family, struct xs_sock **client, struct xs_sock **server)
{
	struct xs_addr a;
	struct xs_sock *l = tcp_listener(family, 1, &a);

	*client = CHECK_PTR(xs_socket(family, SOCK_STREAM, 0));
	CHECK(xs_connect(*client, &a));
	*server = CHECK_PTR(xs_accept(l, NULL));
	xs_free(l);
}

static void bind_port_zero(struct xs_sock *s, int family, const char *host, struct xs_addr *bound)
{
	struct xs_addr a;

	host_addr(family, host, 0, &a);
	CHECK(xs_bind(s, &a));
	if (bound)
		CHECK(xs_getsockname(s, bound));
}

/* Every transport carries UDP: a failure here is a failure, not a skip. */
struct xs_sock *udp_local(int family, struct xs_addr *bound)
{
	struct xs_sock *s = CHECK_PTR(xs_socket(family, SOCK_DGRAM, 0));

	bind_port_zero(s, family, test_host(family), bound);
	return s;
}

struct xs_sock *udp_peer(int family, struct xs_addr *bound)
{
	struct xs_sock *s;
	int fd;

	if (!peer_mode())
		return udp_local(family, bound);
	fd = peer_socket_fd(family, SOCK_DGRAM, 0);
	s = xs_socket_adopt(fd, family, SOCK_DGRAM, 0);
	if (!s)
		close(fd);
	CHECK_PTR(s);
	bind_port_zero(s, family, peer_host(family), bound);
	return s;
}

struct xs_sock *udp_stranger(int family)
{
	return udp_peer(family, NULL);
}

void udp_pair(int family, struct xs_sock **peer, struct xs_sock **local, struct xs_addr *peer_addr,
	      struct xs_addr *local_addr)
{
	*local = udp_local(family, local_addr);
	*peer = udp_peer(family, peer_addr);
}

size_t unique_abstract_addr(struct xs_addr *a, char *name, size_t namecap, const char *tag)
{
	static unsigned counter;
	int n;

	cr_assert(namecap >= 32);
	name[0] = '\0';
	n = snprintf(name + 1, namecap - 1, "xs-test-%ld-%u-%s", (long)getpid(), counter++,
		     tag ? tag : "");
	cr_assert(n > 0 && (size_t)n < namecap - 1);
	CHECK(xs_addr_unix_bytes(a, name, (size_t)n + 1));
	return (size_t)n + 1;
}

void make_temp_dir(char *dir, size_t cap)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, cap, "%s/xs-test-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	cr_assert(mkdtemp(dir) != NULL, "mkdtemp(%s): %s", dir, strerror(errno));
}

uint8_t pattern_byte(size_t i)
{
	/* Not periodic at 256 or any small power of two: a lost, doubled or
	 * reordered chunk shows up at its first byte. */
	return (uint8_t)(((uint64_t)i * 2654435761u) >> 13 ^ (i >> 16));
}

void pattern_fill(uint8_t *buf, size_t len, size_t start)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern_byte(start + i);
}

/* Threads inherit the creator's mask: block every signal while creating so
 * signals aimed at the test thread never land in a helper. */
static void start_thread_blocked(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	cr_assert_eq(pthread_create(th, NULL, fn, arg), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void *slow_reader_main(void *arg)
{
	struct slow_reader *r = arg;
	uint8_t *buf = malloc(r->chunk);

	r->first_bad = (size_t)-1;
	while (buf && r->got < r->expect) {
		size_t want = r->expect - r->got;
		ssize_t n;

		if (r->stop_after && r->got >= r->stop_after) {
			while (!r->released)
				sleep_s(0.01);
			break;
		}
		if (want > r->chunk)
			want = r->chunk;
		if (r->stop_after && want > r->stop_after - r->got)
			want = r->stop_after - r->got;
		n = xs_recv(r->s, buf, want, 0);
		if (n < 0) {
			r->error_kind = xs_last_error()->kind;
			r->error_code = xs_last_error()->code;
			break;
		}
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n && r->first_bad == (size_t)-1; i++)
			if (buf[i] != pattern_byte(r->got + (size_t)i))
				r->first_bad = r->got + (size_t)i;
		r->got += (size_t)n;
		sleep_s(r->delay_s);
	}
	free(buf);
	return NULL;
}

void slow_reader_start(struct slow_reader *r)
{
	r->got = 0;
	r->first_bad = (size_t)-1;
	r->error_kind = XS_ERR_NONE;
	r->error_code = 0;
	r->released = 0;
	if (!r->chunk)
		r->chunk = 65536;
	start_thread_blocked(&r->th, slow_reader_main, r);
}

void slow_reader_release(struct slow_reader *r)
{
	r->released = 1;
}

void slow_reader_join(struct slow_reader *r)
{
	r->released = 1;
	pthread_join(r->th, NULL);
}

static void *delayed_send_main(void *arg)
{
	struct delayed_send *d = arg;

	sleep_s(d->delay_s);
	d->result = xs_sendall(d->s, d->data, d->len, 0, NULL);
	return NULL;
}

void delayed_send_start(struct delayed_send *d)
{
	d->result = -2;
	start_thread_blocked(&d->th, delayed_send_main, d);
}

void delayed_send_join(struct delayed_send *d)
{
	pthread_join(d->th, NULL);
}

static void *signaller_main(void *arg)
{
	struct signaller *sg = arg;

	for (int i = 0; i < sg->count && !sg->stop; i++) {
		sleep_s(i == 0 ? sg->first_s : sg->every_s);
		if (sg->stop)
			break;
		pthread_kill(sg->target, sg->sig);
		sg->sent++;
	}
	return NULL;
}

void signaller_start(struct signaller *sg)
{
	sg->stop = 0;
	sg->sent = 0;
	start_thread_blocked(&sg->th, signaller_main, sg);
}

void signaller_join(struct signaller *sg)
{
	sg->stop = 1;
	pthread_join(sg->th, NULL);
}

static void counting_handler(int sig)
{
	(void)sig;
	signal_hits++;
}

void install_counting_handler(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = counting_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: the system call sees EINTR */
	cr_assert_eq(sigaction(sig, &sa, NULL), 0);
	signal_hits = 0;
}

struct xs_sock *pair[2];

void stream_pair_open(void)
{
	cr_assert_eq(xs_socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0, "socketpair: %s",
		     xs_last_error()->msg);
}

void stream_pair_close(void)
{
	xs_free(pair[0]);
	xs_free(pair[1]);
}
