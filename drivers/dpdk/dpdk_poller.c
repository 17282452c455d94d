/*
 * dpdk_poller.c — the thread that polls the port when nobody else does.
 *
 * Receive is run-to-completion: the thread that calls recv or wait polls
 * the port. But a poll-mode driver raises no interrupt, so while the
 * program sleeps (in poll() on a fileno, in a wait with a timeout, or
 * doing something else) nothing would answer ARP or ping, run the
 * neighbour timers, or wake the sleeper when its datagram arrives. This
 * thread does that: every POLL_IDLE_NS when no one sleeps on a socket,
 * every POLL_SLEEPER_NS while someone does (that interval bounds the
 * extra latency of a sleeping receiver). It takes the stack lock with
 * trylock, so it never holds up a thread that polls for itself.
 *
 * At exit it is stopped first, then the port is closed and the EAL
 * cleaned up, so no hugepage or runtime file is left behind.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "dpdk_sock.h"
#include "internal.h"

#define POLL_IDLE_NS 1000000LL  /* 1 ms: ARP, ping, timers */
#define POLL_SLEEPER_NS 50000LL /* 50 us while a receiver sleeps */

static pthread_t poller;
static atomic_bool running;
static atomic_int sleepers;

static void *poll_loop(void *arg)
{
	(void)arg;
	while (atomic_load_explicit(&running, memory_order_relaxed)) {
		int64_t ns = atomic_load_explicit(&sleepers, memory_order_relaxed) > 0
				     ? POLL_SLEEPER_NS
				     : POLL_IDLE_NS;
		struct timespec ts = { 0, ns };

		dpdk_port_poll(dpdk_port, NULL);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

void dpdk_poller_sleeper(int delta)
{
	atomic_fetch_add_explicit(&sleepers, delta, memory_order_relaxed);
}

void dpdk_poller_shutdown(void)
{
	if (atomic_exchange(&running, false))
		pthread_join(poller, NULL);
	if (dpdk_port) {
		dpdk_port_close(dpdk_port);
		dpdk_port = NULL;
	}
	dpdk_eal_cleanup();
}

int dpdk_poller_start(void)
{
	sigset_t all, old;
	int rc;

	/* The thread takes no signal: they belong to the program's threads
	 * (PEP 475 retries and the interrupt hook are theirs). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	atomic_store(&running, true);
	rc = pthread_create(&poller, NULL, poll_loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		atomic_store(&running, false);
		return -rc;
	}
	atexit(dpdk_poller_shutdown);
	return 0;
}
