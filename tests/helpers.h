/*
 * helpers.h — what the socket suites share: error assertions that print the
 * library's message, the test network (loopback, or the two-host testbed in
 * peer mode), UDP and TCP pairs on port 0, unique abstract unix names, a
 * slow reader thread, a signal sender thread and a clock.
 *
 * Everything goes through the public API (xsocket.h), so a suite written
 * with these helpers runs unchanged over any transport. Ports are always 0
 * (the suites run in parallel).
 */
#ifndef XS_TEST_HELPERS_H
#define XS_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "xsocket.h"

/* Seconds on the monotonic clock. */
double now_s(void);
void sleep_s(double seconds);

/* The last error must be of kind `kind_` with code `code_` and carry a
 * non-empty message; on failure the record is printed in full. */
#define assert_error(kind_, code_)                                                                 \
	do {                                                                                       \
		const struct xs_error *e_ = xs_last_error();                                       \
		cr_assert_eq(e_->kind, (kind_), "expected %s, got %s (code %d): \"%s\"",           \
			     xs_errkind_name(kind_), xs_errkind_name(e_->kind), e_->code,          \
			     e_->msg);                                                             \
		cr_assert_eq(e_->code, (code_), "expected code %d (%s), got %d: \"%s\"",           \
			     (int)(code_), strerror(code_), e_->code, e_->msg);                    \
		cr_assert_neq(e_->msg[0], '\0', "error %s/%d has an empty message",                \
			      xs_errkind_name(e_->kind), e_->code);                                \
	} while (0)

/* As assert_error, and errno must equal the code (OS errors set errno too). */
#define assert_os_error(code_)                                                                     \
	do {                                                                                       \
		int errno_ = errno;                                                                \
		assert_error(XS_ERR_OS, (code_));                                                  \
		cr_assert_eq(errno_, (code_), "errno is %d (%s), expected %d (%s)", errno_,        \
			     strerror(errno_), (int)(code_), strerror(code_));                     \
	} while (0)

/* The message of the last error contains `needle` (case-insensitive). */
#define assert_msg_mentions(needle_)                                                               \
	cr_assert(strcasestr(xs_last_error()->msg, (needle_)) != NULL,                             \
		  "message \"%s\" does not mention \"%s\"", xs_last_error()->msg, (needle_))

/* Evaluate an int/ssize_t call that must not fail; yields its value. */
#define CHECK(expr_)                                                                               \
	({                                                                                         \
		__typeof__(expr_) r_ = (expr_);                                                    \
		cr_assert(r_ != -1, "%s failed: %s/%d \"%s\"", #expr_,                             \
			  xs_errkind_name(xs_last_error()->kind), xs_last_error()->code,           \
			  xs_last_error()->msg);                                                   \
		r_;                                                                                \
	})

/* Evaluate a pointer-returning call that must not fail; yields the pointer. */
#define CHECK_PTR(expr_)                                                                           \
	({                                                                                         \
		__typeof__(expr_) p_ = (expr_);                                                    \
		cr_assert(p_ != NULL, "%s failed: %s/%d \"%s\"", #expr_,                           \
			  xs_errkind_name(xs_last_error()->kind), xs_last_error()->code,           \
			  xs_last_error()->msg);                                                   \
		p_;                                                                                \
	})

/* Seconds elapsed must lie in [lo, hi]. */
#define assert_elapsed_within(t_, lo_, hi_)                                                        \
	cr_assert((t_) >= (lo_) && (t_) <= (hi_), "took %.3f s, expected %.2f..%.2f s",            \
		  (double)(t_), (double)(lo_), (double)(hi_))

/* ---- the test network ----
 *
 * Loopback mode (the default): every socket is an xs_socket on 127.0.0.1
 * or ::1, so both ends of a pair are carried by the transport under test.
 *
 * Peer mode (XS_TEST_PEER_NETNS is set; tests/netns/with-testbed.sh sets it
 * and runs the suite on the testbed's host under test): "the socket under
 * test" is an xs_socket bound to the local address (XS_TEST_LOCAL4/6,
 * 198.18.0.2 and 2001:2::2), and "the peer" is a kernel socket created in
 * the peer namespace XS_TEST_PEER_NETNS and bound to XS_TEST_PEER4/6
 * (198.18.0.1, 2001:2::1). Every datagram between them crosses the veth,
 * so a frame transport's own receive and send paths carry the test, not
 * the kernel's loopback.
 *
 * A test that checks how a socket receives (or waits, times out, filters)
 * does it on the socket under test; one that checks how a socket sends
 * sends from it. */

/* 1 in peer mode. */
int peer_mode(void);
/* The host the socket under test binds: "127.0.0.1" / "::1", or the
 * testbed's local address in peer mode. */
const char *test_host(int family);
/* The host of the peer: test_host() in loopback mode, the peer
 * namespace's address in peer mode. */
const char *peer_host(int family);
/* test_host(family) with the given port. */
void test_local_addr(int family, int port, struct xs_addr *out);
/* 127.0.0.1 or ::1 with the given port, in both modes (for tests about
 * loopback itself). */
void loopback_addr(int family, int port, struct xs_addr *out);
/* Peer mode only: a kernel descriptor socket(family, type | SOCK_CLOEXEC,
 * proto) created in the peer namespace (setns there and back). */
int peer_socket_fd(int family, int type, int proto);
/* Skip the test unless IPv6 is available and test_host(AF_INET6) can be bound. */
void skip_unless_ipv6(void);
/* xs_socket(), or skip the test when the transport/kernel does not carry the
 * family (the reason comes from the library's message). */
struct xs_sock *socket_or_skip(int family, int type, int proto);
/* Skip unless the transport under test carries this family/type (for
 * tests whose first socket comes from xs_create_server and the like). */
void skip_unless_supported(int family, int type, int proto);
/* 1 if s is carried by the kernel transport. */
int on_kernel(const struct xs_sock *s);
/* Skip unless a new socket of this family/type would be carried by the
 * kernel transport (for tests about the kernel itself). */
void skip_unless_kernel(int family, int type, int proto, const char *why);

/* ---- UDP (port 0; *bound / the addresses may be NULL) ---- */

/* The socket under test: an xs_socket bound to test_host(family). */
struct xs_sock *udp_local(int family, struct xs_addr *bound);
/* A peer: in peer mode a kernel socket in the peer namespace on
 * peer_host(family) (xs_socket_adopt); in loopback mode as udp_local(). */
struct xs_sock *udp_peer(int family, struct xs_addr *bound);
/* A third party for the filter of a connected socket: another udp_peer(). */
struct xs_sock *udp_stranger(int family);
/* *peer = udp_peer(), *local = udp_local() (the socket under test). */
void udp_pair(int family, struct xs_sock **peer, struct xs_sock **local, struct xs_addr *peer_addr,
	      struct xs_addr *local_addr);

/* ---- TCP and AF_UNIX (skipped where the transport carries no TCP) ----
 * TCP is not carried by a frame transport yet, so both ends stay on the
 * host under test, on test_host(). */

/* A TCP socket listening on test_host() port 0; *bound (may be NULL) gets
 * its address. */
struct xs_sock *tcp_listener(int family, int backlog, struct xs_addr *bound);
/* An AF_UNIX stream socketpair in `pair`, as a suite fixture (.init/.fini). */
extern struct xs_sock *pair[2];
void stream_pair_open(void);
void stream_pair_close(void);
/* A connected TCP pair over test_host(): client side, accepted side. */
void tcp_pair(int family, struct xs_sock **client, struct xs_sock **server);
/* An abstract unix name "\0xs-test-<pid>-<n>-<tag>" unique per process and
 * call; writes it into *a and returns its length (with the leading NUL). */
size_t unique_abstract_addr(struct xs_addr *a, char *name, size_t namecap, const char *tag);
/* A fresh private directory under $TMPDIR or /tmp; path in dir (cap >= 64). */
void make_temp_dir(char *dir, size_t cap);

/* ---- data pattern ---- */
uint8_t pattern_byte(size_t i);
void pattern_fill(uint8_t *buf, size_t len, size_t start);

/* ---- threads ---- */

/* Reads `expect` bytes from s in chunks of `chunk`, sleeping `delay_s`
 * between reads, and checks each byte against pattern_byte(). With
 * stop_after > 0 it reads that many bytes and then stops reading (without
 * closing) until released with slow_reader_release(). */
struct slow_reader {
	struct xs_sock *s;
	size_t expect;
	size_t chunk;
	double delay_s;
	size_t stop_after;
	/* results */
	size_t got;
	size_t first_bad; /* (size_t)-1 if every byte matched */
	int error_kind;
	int error_code;
	/* private */
	pthread_t th;
	volatile int released;
};
void slow_reader_start(struct slow_reader *r);
void slow_reader_release(struct slow_reader *r);
void slow_reader_join(struct slow_reader *r);

/* After `delay_s`, sends `len` bytes of `data` on s (xs_sendall). */
struct delayed_send {
	struct xs_sock *s;
	const void *data;
	size_t len;
	double delay_s;
	int result;
	pthread_t th;
};
void delayed_send_start(struct delayed_send *d);
void delayed_send_join(struct delayed_send *d);

/* Sends `sig` to `target` `count` times: first after `first_s`, then every
 * `every_s`. Threads started by these helpers block the signal, so it is
 * delivered to the target only. */
struct signaller {
	pthread_t target;
	int sig;
	double first_s;
	double every_s;
	int count;
	volatile int stop;
	int sent;
	pthread_t th;
};
void signaller_start(struct signaller *sg);
void signaller_join(struct signaller *sg);

/* Install a handler that only counts deliveries, without SA_RESTART. */
void install_counting_handler(int sig);
extern volatile sig_atomic_t signal_hits;

#endif /* XS_TEST_HELPERS_H */
