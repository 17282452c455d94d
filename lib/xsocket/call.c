/*
 * call.c — the one place where blocking, timeouts and interrupted calls
 * are handled, for every transport (API.md §2.9, after CPython's
 * sock_call_ex). A data call tries the transport's primitive first — on
 * the common path, where data or room is there, that is the only cost —
 * and only when it answers EAGAIN or EINTR comes here to decide: report
 * it (non-blocking), wait for readiness until the deadline (timeout and
 * blocking modes), time out, or retry after a signal (PEP 475) unless the
 * interrupt hook says the signal should end the call.
 */
#include <errno.h>
#include <poll.h>
#include <time.h>

#include "internal.h"

static xs_interrupt_hook_fn interrupt_hook;

void xs_set_interrupt_hook(xs_interrupt_hook_fn hook)
{
	__atomic_store_n(&interrupt_hook, hook, __ATOMIC_RELAXED);
}

bool xs_interrupted(void)
{
	xs_interrupt_hook_fn hook = __atomic_load_n(&interrupt_hook, __ATOMIC_RELAXED);

	return hook && hook() != 0;
}

int64_t xs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Nanoseconds left before the deadline (set on first use), or -1 for
 * blocking mode; 0 or less means the time is up. */
static int64_t remaining_ns(const struct xs_sock *s, struct xs_deadline *dl)
{
	int64_t now;

	if (s->timeout < 0)
		return -1;
	now = xs_now_ns();
	if (!dl->at_ns)
		dl->at_ns = now + (int64_t)(s->timeout * 1e9);
	return dl->at_ns - now;
}

void xs_deadline_start(const struct xs_sock *s, struct xs_deadline *dl)
{
	if (s->timeout > 0)
		remaining_ns(s, dl);
}

int xs_wait_ready(struct xs_sock *s, short events, struct xs_deadline *dl, const char *what)
{
	for (;;) {
		int64_t left = remaining_ns(s, dl);
		int rc;

		if (s->timeout >= 0 && left <= 0)
			return xs_fail_timeout();
		rc = s->tp->wait(s, events, left);
		if (rc == 0)
			return 0;
		if (rc == -ETIMEDOUT)
			return xs_fail_timeout();
		if (rc != -EINTR)
			return xs_fail_op(rc, what);
		if (xs_interrupted())
			return xs_fail_os(EINTR, "%s: interrupted by a signal", what);
	}
}

int xs_call_wait(struct xs_sock *s, int rc, int flags, short events, struct xs_deadline *dl,
		 const char *what)
{
	if (rc == -EINTR) {
		if (xs_interrupted())
			return xs_fail_os(EINTR, "%s: interrupted by a signal", what);
		return 0;
	}
	if (rc != -EAGAIN && rc != -EWOULDBLOCK)
		return xs_fail_op(rc, what);
	/* Non-blocking, an explicit MSG_DONTWAIT, or a transport that blocks
	 * by itself in blocking mode: EAGAIN is the caller's answer. */
	if (s->timeout == 0.0 ||
	    (s->timeout < 0 && (s->tp->set_blocking || (flags & MSG_DONTWAIT))))
		return xs_fail_join(XS_ERR_OS, EAGAIN, what,
				    ": Resource temporarily unavailable (the call would block: "
				    "the socket is non-blocking, or MSG_DONTWAIT or "
				    "SO_RCVTIMEO/SO_SNDTIMEO ended it)");
	return xs_wait_ready(s, events, dl, what);
}
