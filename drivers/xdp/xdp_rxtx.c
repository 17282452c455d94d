/*
 * xdp_rxtx.c — the hot path of the port. Receive drains a burst from each
 * queue's RX ring into the stack and hands the same frames straight back
 * to the fill ring (the stack copies what it keeps). Transmit takes a
 * frame from the queue's TX free list, lets the caller build the packet
 * in it, and posts it on the TX ring; frames come back to the free list
 * through the completion ring. The kernel is woken only when the ring
 * flags say it waits for us (XDP_USE_NEED_WAKEUP), and always for TX in
 * copy mode, where the sendto is what transmits. A batch transmit posts
 * its frames under one lock with one submit and one kick (copy mode: one
 * per 32 frames, the kernel's budget for a sendto).
 */
#include <errno.h>
#include <sys/socket.h>

#include <linux/if_ether.h>

#include "xdp_port.h"

/* Descriptors the kernel transmits per sendto in copy mode: its
 * per-socket budget (TX_BATCH_SIZE, MAX_PER_SOCKET_BUDGET). */
#define XDP_COPY_TX_BUDGET 32u

/* Let the kernel refill its RX path from the fill ring (and, with busy
 * polling, run the device's NAPI in this thread). */
static void rx_wakeup(struct xdp_queue *q)
{
	recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static unsigned queue_rx(struct xdp_port *p, struct xdp_queue *q, struct xs_stack_sock *self)
{
	struct xs_frame frames[XDP_BURST];
	uint64_t chunk = ~((uint64_t)q->frame_size - 1);
	uint32_t rx_idx = 0, fill_idx = 0;
	unsigned n = xsk_ring_cons__peek(&q->rx, XDP_BURST, &rx_idx);

	if (n == 0) {
		if (p->cfg.busy_poll_us || xsk_ring_prod__needs_wakeup(&q->fill))
			rx_wakeup(q);
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, rx_idx + i);

		frames[i].data = xsk_umem__get_data(q->area, d->addr);
		frames[i].len = d->len;
	}
	xs_stack_input(p->stack, frames, n, self);
	/* The fill ring has an entry for every RX frame, so the n frames
	 * just taken out of the kernel's hands always fit. */
	xsk_ring_prod__reserve(&q->fill, n, &fill_idx);
	for (unsigned i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, fill_idx + i) =
			xsk_ring_cons__rx_desc(&q->rx, rx_idx + i)->addr & chunk;
	xsk_ring_prod__submit(&q->fill, n);
	xsk_ring_cons__release(&q->rx, n);
	if (xsk_ring_prod__needs_wakeup(&q->fill))
		rx_wakeup(q);
	return n;
}

unsigned xdp_port_poll(struct xdp_port *p, struct xs_stack_sock *self)
{
	unsigned total = 0;

	if (!xs_stack_trylock(p->stack))
		return 0;
	for (unsigned i = 0; i < p->nqueues; i++)
		total += queue_rx(p, p->q[i], self);
	xs_stack_unlock(p->stack);
	return total;
}

/* Completed TX frames back onto the free list. */
static void tx_reclaim(struct xdp_queue *q)
{
	uint32_t idx = 0;
	unsigned n = xsk_ring_cons__peek(&q->comp, XDP_TX_FRAMES, &idx);

	for (unsigned i = 0; i < n; i++)
		q->tx_free[q->tx_nfree++] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
	if (n)
		xsk_ring_cons__release(&q->comp, n);
}

/* In copy mode this sendto is the transmission itself. EAGAIN, EBUSY and
 * ENOBUFS only mean the kernel could not take everything now: the
 * descriptors stay on the ring for the next kick. */
static void tx_kick(struct xdp_queue *q)
{
	if (!q->zerocopy || xsk_ring_prod__needs_wakeup(&q->tx))
		sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
}

/* After posting n frames at once: in copy mode one sendto transmits at
 * most XDP_COPY_TX_BUDGET descriptors and answers EAGAIN when it stopped
 * there with more on the ring, so kick until the batch is handed over
 * (bounded: a busy device also answers EAGAIN, and the next kick, or a
 * poll for POLLOUT, moves what is left). */
static void tx_kick_n(struct xdp_queue *q, unsigned n)
{
	if (q->zerocopy) {
		tx_kick(q);
		return;
	}
	for (unsigned i = 0; i <= n / XDP_COPY_TX_BUDGET; i++)
		if (sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0) == 0 || errno != EAGAIN)
			break;
}

/* How many of n frames have a free TX frame and ring slot now. */
static unsigned tx_free_now(struct xdp_queue *q, unsigned n)
{
	unsigned ring = xsk_prod_nb_free(&q->tx, n);

	n = n < q->tx_nfree ? n : q->tx_nfree;
	return n < ring ? n : ring;
}

/* Room for up to n frames, reclaiming and kicking once if there is none. */
static unsigned tx_room(struct xdp_queue *q, unsigned n)
{
	unsigned room;

	tx_reclaim(q);
	room = tx_free_now(q, n);
	if (room)
		return room;
	tx_kick(q);
	tx_reclaim(q);
	return tx_free_now(q, n);
}

static struct xdp_queue *tx_queue(struct xdp_port *p, unsigned hint)
{
	return p->q[hint % p->nqueues];
}

ssize_t xdp_port_send(struct xdp_port *p, unsigned hint, xdp_build_fn build, const void *arg)
{
	struct xdp_queue *q = tx_queue(p, hint);
	uint32_t cap =
		q->frame_size < p->sport.mtu + ETH_HLEN ? q->frame_size : p->sport.mtu + ETH_HLEN;
	struct xdp_desc *d;
	uint32_t idx = 0;
	uint64_t addr;
	ssize_t len;

	pthread_mutex_lock(&q->tx_lock);
	if (!tx_room(q, 1)) {
		pthread_mutex_unlock(&q->tx_lock);
		return -EAGAIN;
	}
	addr = q->tx_free[--q->tx_nfree];
	len = build(xsk_umem__get_data(q->area, addr), cap, arg);
	if (len <= 0 || len > cap) {
		q->tx_nfree++;
		pthread_mutex_unlock(&q->tx_lock);
		return len < 0 ? len : len == 0 ? -EINVAL : -EMSGSIZE;
	}
	xsk_ring_prod__reserve(&q->tx, 1, &idx);
	d = xsk_ring_prod__tx_desc(&q->tx, idx);
	d->addr = addr;
	d->len = len;
	d->options = 0;
	xsk_ring_prod__submit(&q->tx, 1);
	tx_kick(q);
	pthread_mutex_unlock(&q->tx_lock);
	return len;
}

int xdp_port_send_batch(struct xdp_port *p, unsigned hint, xdp_build_fn build,
			const void *const *args, unsigned n)
{
	struct xdp_queue *q = tx_queue(p, hint);
	uint32_t cap =
		q->frame_size < p->sport.mtu + ETH_HLEN ? q->frame_size : p->sport.mtu + ETH_HLEN;
	unsigned room, done;
	uint32_t idx = 0;
	ssize_t len = 0;

	pthread_mutex_lock(&q->tx_lock);
	room = tx_room(q, n);
	if (!room) {
		pthread_mutex_unlock(&q->tx_lock);
		return -EAGAIN;
	}
	xsk_ring_prod__reserve(&q->tx, room, &idx);
	for (done = 0; done < room; done++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&q->tx, idx + done);
		uint64_t addr = q->tx_free[q->tx_nfree - 1];

		len = build(xsk_umem__get_data(q->area, addr), cap, args[done]);
		if (len <= 0 || len > cap)
			break;
		q->tx_nfree--;
		d->addr = addr;
		d->len = len;
		d->options = 0;
	}
	/* Give back the slots of frames that were not built (libxdp has no
	 * cancel for a producer ring: nothing is visible before submit). */
	q->tx.cached_prod -= room - done;
	if (done) {
		xsk_ring_prod__submit(&q->tx, done);
		tx_kick_n(q, done);
	}
	pthread_mutex_unlock(&q->tx_lock);
	if (done)
		return (int)done;
	return len < 0 ? (int)len : len == 0 ? -EINVAL : -EMSGSIZE;
}

int xdp_port_tx_fd(const struct xdp_port *p, unsigned hint)
{
	return p->q[hint % p->nqueues]->fd;
}
