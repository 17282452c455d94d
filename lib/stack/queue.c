/*
 * queue.c — a socket's receive queue: a byte ring of variable-length
 * records (struct xs_rec, then the payload, padded to 8 bytes), with one
 * producer (xs_stack_input, under the stack lock) and one consumer (the
 * reader, under the socket's reader lock) and no lock between them.
 *
 * The sides share two counters of bytes: tail (produced) and head
 * (consumed). The producer writes a record, then publishes tail with a
 * release store (once per burst, see xs_queue_publish); the consumer reads
 * tail with an acquire load, so the record's bytes are visible before its
 * existence is, and publishes head with a release store once it copied a
 * record out, so the producer never overwrites bytes still being read.
 * Each side caches the other's counter and reloads it only when the cached
 * value says "full" or "empty", which keeps the shared cache lines quiet.
 *
 * Capacity follows the kernel's UDP rule: a datagram is taken while the
 * bytes queued do not exceed the limit (rcvbuf), so an empty queue takes
 * any datagram; packet sockets stop at the limit (packet_rcv()). The ring
 * is the limit plus room for one largest record, so the rule always fits.
 */
#include <errno.h>
#include <stdlib.h>

#include "stack_internal.h"

static size_t align_rec(size_t n)
{
	return (n + XS_REC_ALIGN - 1) & ~(size_t)(XS_REC_ALIGN - 1);
}

static size_t ring_size_for(size_t limit, size_t used)
{
	size_t size = limit + XS_QUEUE_SLACK;

	if (size < limit) /* limit near SIZE_MAX */
		return 0;
	return align_rec(size > used ? size : used);
}

static size_t ring_advance(const struct xs_queue *q, size_t off, size_t n)
{
	off += n;
	return off >= q->size ? off - q->size : off;
}

static void ring_put(struct xs_queue *q, size_t off, const void *src, size_t n)
{
	size_t first = q->size - off < n ? q->size - off : n;

	memcpy(q->ring + off, src, first);
	if (n > first)
		memcpy(q->ring, (const uint8_t *)src + first, n - first);
}

static void ring_get(const struct xs_queue *q, size_t off, void *dst, size_t n)
{
	size_t first = q->size - off < n ? q->size - off : n;

	memcpy(dst, q->ring + off, first);
	if (n > first)
		memcpy((uint8_t *)dst + first, q->ring, n - first);
}

int xs_queue_init(struct xs_queue *q, size_t limit, bool strict)
{
	memset(q, 0, sizeof(*q));
	q->size = ring_size_for(limit, 0);
	q->ring = q->size ? malloc(q->size) : NULL;
	if (!q->ring)
		return -ENOMEM;
	q->limit = limit;
	q->strict = strict;
	return 0;
}

void xs_queue_destroy(struct xs_queue *q)
{
	free(q->ring);
	q->ring = NULL;
}

/* Both locks are held, so no side moves: lay the queued records out from
 * the start of a new ring and keep every counter's meaning. */
int xs_queue_resize(struct xs_queue *q, size_t limit)
{
	uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
	size_t used = (size_t)(q->prod_tail - head);
	size_t size = ring_size_for(limit, used);
	uint8_t *ring = size ? malloc(size) : NULL;

	if (!ring)
		return -ENOMEM;
	ring_get(q, q->cons_off, ring, used);
	free(q->ring);
	q->ring = ring;
	q->size = size;
	q->limit = limit;
	q->cons_off = 0;
	q->prod_off = used == size ? 0 : used;
	q->head_cache = head;
	q->tail_cache = atomic_load_explicit(&q->tail, memory_order_relaxed);
	return 0;
}

static bool queue_has_room(struct xs_queue *q, size_t size)
{
	size_t used = (size_t)(q->prod_tail - q->head_cache);

	if (used + q->strict > q->limit || size > q->size - used) {
		q->head_cache = atomic_load_explicit(&q->head, memory_order_acquire);
		used = (size_t)(q->prod_tail - q->head_cache);
	}
	return used + q->strict <= q->limit && size <= q->size - used;
}

bool xs_queue_push(struct xs_queue *q, struct xs_rec *rec, const uint8_t *payload)
{
	size_t size = align_rec(sizeof(*rec) + (size_t)rec->len);

	if (size > q->size || !queue_has_room(q, size))
		return false;
	rec->size = (uint32_t)size;
	ring_put(q, q->prod_off, rec, sizeof(*rec));
	if (rec->len)
		ring_put(q, ring_advance(q, q->prod_off, sizeof(*rec)), payload, rec->len);
	q->prod_off = ring_advance(q, q->prod_off, size);
	q->prod_tail += size;
	return true;
}

void xs_queue_publish(struct xs_queue *q)
{
	atomic_store_explicit(&q->tail, q->prod_tail, memory_order_release);
}

bool xs_queue_front(struct xs_queue *q, struct xs_rec *rec)
{
	uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	if (head == q->tail_cache) {
		q->tail_cache = atomic_load_explicit(&q->tail, memory_order_acquire);
		if (head == q->tail_cache)
			return false;
	}
	ring_get(q, q->cons_off, rec, sizeof(*rec));
	return true;
}

size_t xs_queue_copy(const struct xs_queue *q, const struct xs_rec *rec, const struct iovec *iov,
		     int iovcnt)
{
	size_t off = ring_advance(q, q->cons_off, sizeof(*rec)), done = 0, n;
	int i;

	for (i = 0; i < iovcnt && done < rec->len; i++) {
		n = rec->len - done < iov[i].iov_len ? rec->len - done : iov[i].iov_len;
		if (!n)
			continue;
		ring_get(q, ring_advance(q, off, done), iov[i].iov_base, n);
		done += n;
	}
	return done;
}

void xs_queue_pop(struct xs_queue *q, const struct xs_rec *rec)
{
	uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);

	q->cons_off = ring_advance(q, q->cons_off, rec->size);
	atomic_store_explicit(&q->head, head + rec->size, memory_order_release);
}

bool xs_queue_readable(const struct xs_queue *q)
{
	return atomic_load_explicit(&q->head, memory_order_relaxed) !=
	       atomic_load_explicit(&q->tail, memory_order_acquire);
}
