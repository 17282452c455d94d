/*
 * sock.c — the sockets of the stack: their life, their receive side
 * (xs_stack_sock_recv and the source address it reports) and their
 * readiness eventfd.
 *
 * Readiness. The eventfd must be readable while the queue holds data and
 * must cost no system call when the reader drives the input itself
 * (run-to-completion). One atomic word, `ready`, says where the eventfd
 * stands: IDLE (not written), WRITING (a write is under way), SIGNALLED
 * (written, not yet drained). The rules:
 *
 *  - Signalling, from either side: whoever moves IDLE -> WRITING (CAS)
 *    writes the eventfd, then stores SIGNALLED; anyone finding the word
 *    not IDLE leaves it, since a write is there or on its way.
 *  - Input publishes a socket's new records (tail, release) once per burst,
 *    then, after a full fence, signals. It skips this for `self`, whose
 *    reader is the caller and reads next.
 *  - The reader, after each dequeue (and on finding the queue empty):
 *      data left, IDLE        -> signal (the `self` case: a second reader
 *                                would not be woken otherwise);
 *      empty, IDLE            -> nothing (ping-pong: no system call);
 *      empty, WRITING         -> nothing: the write will land and the
 *                                wakeup it causes comes back here;
 *      empty, SIGNALLED       -> drain the eventfd, store IDLE, full fence,
 *                                look at the queue again and signal if data
 *                                arrived meanwhile.
 *
 * Why no wakeup is lost: input (store tail; fence; load ready) and the
 * reader (store IDLE; fence; load tail) form Dekker's pattern, so either
 * input sees IDLE and signals, or the reader sees the new tail and does.
 * Why a drain never eats a token it should not: only the one CAS winner
 * writes per round, and the reader drains while the word is SIGNALLED,
 * that is after that write and before anyone can start the next one. The
 * eventfd can stay readable over an empty queue only after a WRITING
 * round that the reader saw as empty; the word is then SIGNALLED, and the
 * recv that the spurious wakeup causes drains it.
 */
#include <errno.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "stack_internal.h"
#include "xsocket.h"

#define FALLBACK_RCVBUF 212992 /* the kernel's rmem_default */

static size_t default_rcvbuf_bytes = FALLBACK_RCVBUF;
static pthread_once_t default_rcvbuf_once = PTHREAD_ONCE_INIT;

static void read_default_rcvbuf(void)
{
	FILE *f = fopen("/proc/sys/net/core/rmem_default", "re");
	unsigned long v;

	if (!f)
		return;
	if (fscanf(f, "%lu", &v) == 1 && v > 0)
		default_rcvbuf_bytes = v;
	fclose(f);
}

static size_t default_rcvbuf(void)
{
	pthread_once(&default_rcvbuf_once, read_default_rcvbuf);
	return default_rcvbuf_bytes;
}

static bool sock_kind_ok(int family, int type)
{
	if (family == AF_INET || family == AF_INET6)
		return type == SOCK_DGRAM;
	return family == AF_PACKET && (type == SOCK_RAW || type == SOCK_DGRAM);
}

struct xs_stack_sock *xs_stack_sock_new(struct xs_stack *st, int family, int type, size_t rcvbuf)
{
	struct xs_stack_sock *ss;
	size_t size = (sizeof(*ss) + XS_CACHELINE - 1) & ~(size_t)(XS_CACHELINE - 1);

	if (!st || !sock_kind_ok(family, type)) {
		errno = EINVAL;
		return NULL;
	}
	if (!rcvbuf)
		rcvbuf = default_rcvbuf();
	ss = aligned_alloc(XS_CACHELINE, size);
	if (!ss)
		return NULL;
	memset(ss, 0, sizeof(*ss));
	ss->st = st;
	ss->family = family;
	ss->type = type;
	ss->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ss->efd < 0)
		goto out_free;
	if (xs_queue_init(&ss->q, rcvbuf, family == AF_PACKET) < 0) {
		errno = ENOMEM;
		goto out_close_efd;
	}
	atomic_init(&ss->rcvbuf, rcvbuf);
	pthread_mutex_init(&ss->reader, NULL);
	return ss;

out_close_efd:
	close(ss->efd);
out_free:
	free(ss);
	return NULL;
}

void xs_stack_sock_free(struct xs_stack_sock *ss)
{
	if (!ss)
		return;
	xs_stack_unbind(ss);
	close(ss->efd);
	xs_queue_destroy(&ss->q);
	pthread_mutex_destroy(&ss->reader);
	free(ss);
}

int xs_stack_sock_eventfd(const struct xs_stack_sock *ss)
{
	return ss->efd;
}

/* Lock order: the stack lock, then the reader lock (never the reverse). */
int xs_stack_sock_set_rcvbuf(struct xs_stack_sock *ss, size_t bytes)
{
	int err;

	xs_stack_lock(ss->st);
	pthread_mutex_lock(&ss->reader);
	err = xs_queue_resize(&ss->q, bytes);
	if (!err)
		atomic_store_explicit(&ss->rcvbuf, bytes, memory_order_relaxed);
	pthread_mutex_unlock(&ss->reader);
	xs_stack_unlock(ss->st);
	return err;
}

size_t xs_stack_sock_rcvbuf(const struct xs_stack_sock *ss)
{
	return atomic_load_explicit(&ss->rcvbuf, memory_order_relaxed);
}

void xs_stack_sock_counters(const struct xs_stack_sock *ss, struct xs_stack_sock_counters *out)
{
	out->rx_packets = xs_ctr_get(&ss->rx_packets);
	out->rx_bytes = xs_ctr_get(&ss->rx_bytes);
	out->rx_dropped = xs_ctr_get(&ss->rx_dropped);
	out->tx_packets = xs_ctr_get(&ss->tx_packets);
	out->tx_bytes = xs_ctr_get(&ss->tx_bytes);
}

bool xs_stack_sock_readable(const struct xs_stack_sock *ss)
{
	return xs_queue_readable(&ss->q);
}

/* ---- readiness (the protocol at the top of the file) ---- */

static void signal_readers(struct xs_stack_sock *ss)
{
	uint8_t idle = XS_READY_IDLE;
	uint64_t one = 1;

	if (atomic_load_explicit(&ss->ready, memory_order_relaxed) != XS_READY_IDLE ||
	    !atomic_compare_exchange_strong(&ss->ready, &idle, XS_READY_WRITING))
		return;
	if (write(ss->efd, &one, sizeof(one)) < 0) {
		/* Only EAGAIN, at a count near 2^64: readable anyway. */
	}
	atomic_store_explicit(&ss->ready, XS_READY_SIGNALLED, memory_order_release);
}

static void drain_eventfd(struct xs_stack_sock *ss)
{
	uint64_t count;

	if (read(ss->efd, &count, sizeof(count)) < 0) {
		/* Cannot be EAGAIN while SIGNALLED; nothing else to do. */
	}
}

/* Reader lock held: make the eventfd say what the queue holds. */
static void settle(struct xs_stack_sock *ss)
{
	uint8_t ready = atomic_load_explicit(&ss->ready, memory_order_acquire);

	if (xs_queue_readable(&ss->q)) {
		if (ready == XS_READY_IDLE)
			signal_readers(ss);
		return;
	}
	if (ready != XS_READY_SIGNALLED)
		return;
	drain_eventfd(ss);
	atomic_store_explicit(&ss->ready, XS_READY_IDLE, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (xs_queue_readable(&ss->q))
		signal_readers(ss);
}

/* ---- the producer's side (xs_stack_input, stack lock held) ---- */

bool xs_sock_deliver(struct xs_stack_sock *ss, struct xs_rec *rec, const uint8_t *payload)
{
	struct xs_stack *st = ss->st;

	if (!xs_queue_push(&ss->q, rec, payload)) {
		xs_ctr_add(&ss->rx_dropped, 1);
		xs_ctr_add(&st->ctr.rx_queue_full, 1);
		return false;
	}
	xs_ctr_add(&ss->rx_packets, 1);
	xs_ctr_add(&ss->rx_bytes, rec->len);
	xs_ctr_add(&st->ctr.rx_delivered, 1);
	if (!ss->pending) {
		ss->pending = true;
		ss->pending_next = st->pending;
		st->pending = ss;
	}
	return true;
}

void xs_sock_publish(struct xs_stack_sock *ss, const struct xs_stack_sock *self)
{
	xs_queue_publish(&ss->q);
	ss->pending = false;
	if (ss == self)
		return;
	atomic_thread_fence(memory_order_seq_cst);
	signal_readers(ss);
}

/* ---- receive ---- */

/* Link-local sources carry the interface, as the kernel reports them
 * (ipv6_iface_scope_id()). */
static uint32_t scope_of(const uint8_t *a, int ifindex)
{
	bool linklocal = a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
	bool mc_local = a[0] == 0xff && ((a[1] & 0x0f) == 1 || (a[1] & 0x0f) == 2);

	return linklocal || mc_local ? (uint32_t)ifindex : 0;
}

static socklen_t source_in(const struct xs_rec *rec, struct sockaddr_in *sin)
{
	sin->sin_family = AF_INET;
	sin->sin_port = rec->port;
	memcpy(&sin->sin_addr, rec->addr + 12, 4);
	return sizeof(*sin);
}

static socklen_t source_in6(const struct xs_rec *rec, int ifindex, struct sockaddr_in6 *sin6)
{
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = rec->port;
	memcpy(&sin6->sin6_addr, rec->addr, 16);
	sin6->sin6_scope_id = scope_of(rec->addr, ifindex);
	return sizeof(*sin6);
}

/* What packet_recvmsg() reports: the kernel fills sll_addr up to halen
 * and reports the whole struct. */
static socklen_t source_ll(const struct xs_rec *rec, int ifindex, struct sockaddr_ll *sll)
{
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = rec->port;
	sll->sll_ifindex = ifindex;
	sll->sll_hatype = ARPHRD_ETHER;
	sll->sll_pkttype = rec->pkttype;
	sll->sll_halen = 6;
	memcpy(sll->sll_addr, rec->addr, 6);
	return sizeof(*sll);
}

static socklen_t source_addr(const struct xs_stack_sock *ss, const struct xs_rec *rec,
			     struct sockaddr_storage *sa)
{
	int ifindex = ss->st->port.ifindex;

	memset(sa, 0, sizeof(*sa));
	if (ss->family == AF_INET)
		return source_in(rec, (struct sockaddr_in *)sa);
	if (ss->family == AF_INET6)
		return source_in6(rec, ifindex, (struct sockaddr_in6 *)sa);
	return source_ll(rec, ifindex, (struct sockaddr_ll *)sa);
}

/* Like the kernel's move_addr_to_user(): copy what fits, report it all. */
static void copy_source(const struct xs_stack_sock *ss, const struct xs_rec *rec,
			struct sockaddr *from, socklen_t *fromlen)
{
	struct sockaddr_storage sa;
	socklen_t len;

	if (!from || !fromlen)
		return;
	len = source_addr(ss, rec, &sa);
	memcpy(from, &sa, *fromlen < len ? *fromlen : len);
	*fromlen = len;
}

ssize_t xs_stack_sock_recv(struct xs_stack_sock *ss, const struct iovec *iov, int iovcnt,
			   struct sockaddr *from, socklen_t *fromlen, int flags, int *msg_flags)
{
	struct xs_rec rec;
	size_t copied;

	if (iovcnt < 0 || (iovcnt > 0 && !iov))
		return -EINVAL;
	pthread_mutex_lock(&ss->reader);
	if (!xs_queue_front(&ss->q, &rec)) {
		settle(ss);
		pthread_mutex_unlock(&ss->reader);
		return -EAGAIN;
	}
	copied = xs_queue_copy(&ss->q, &rec, iov, iovcnt);
	copy_source(ss, &rec, from, fromlen);
	if (!(flags & MSG_PEEK))
		xs_queue_pop(&ss->q, &rec);
	settle(ss);
	pthread_mutex_unlock(&ss->reader);
	if (msg_flags && copied < rec.len)
		*msg_flags |= MSG_TRUNC;
	return (ssize_t)(flags & MSG_TRUNC ? rec.len : copied);
}

ssize_t xs_stack_sock_peek_len(struct xs_stack_sock *ss)
{
	struct xs_rec rec;
	ssize_t ret = -EAGAIN;

	pthread_mutex_lock(&ss->reader);
	if (xs_queue_front(&ss->q, &rec))
		ret = rec.len;
	else
		settle(ss);
	pthread_mutex_unlock(&ss->reader);
	return ret;
}

unsigned xs_stack_sock_recv_msgs(struct xs_stack_sock *ss, struct xs_msg *msgs, unsigned count,
				 int flags)
{
	unsigned i;

	for (i = 0; i < count; i++) {
		struct xs_msg *m = &msgs[i];
		struct iovec iov = { .iov_base = m->buf, .iov_len = m->len };
		socklen_t namelen = sizeof(m->addr.ss);
		int mflags = 0;
		ssize_t n = xs_stack_sock_recv(ss, &iov, 1, (struct sockaddr *)&m->addr.ss,
					       &namelen, flags, &mflags);

		if (n < 0)
			break;
		m->n = (size_t)n;
		m->flags = mflags;
		m->addr.len = namelen;
	}
	return i;
}
