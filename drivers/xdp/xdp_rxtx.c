/*
 * xdp_rxtx.c — the hot path of the port. Receive drains a burst from each
 * queue's RX ring into the stack and hands the same frames straight back
 * to the fill ring (the stack copies what it keeps). Transmit takes a
 * frame from the queue's TX free list, lets the caller build the packet
 * in it, and posts it on the TX ring; frames come back to the free list
 * through the completion ring. The kernel is woken only when the ring
 * flags say it waits for us (XDP_USE_NEED_WAKEUP), and always for TX in
 * copy mode, where the sendto is what transmits.
 */
#include <errno.h>
#include <sys/socket.h>

#include <linux/if_ether.h>

#include "xdp_port.h"

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

/* A free TX frame and ring slot, reclaiming and kicking once if needed. */
static bool tx_room(struct xdp_queue *q)
{
	tx_reclaim(q);
	if (q->tx_nfree && xsk_prod_nb_free(&q->tx, 1))
		return true;
	tx_kick(q);
	tx_reclaim(q);
	return q->tx_nfree && xsk_prod_nb_free(&q->tx, 1);
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
	if (!tx_room(q)) {
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

int xdp_port_tx_fd(const struct xdp_port *p, unsigned hint)
{
	return p->q[hint % p->nqueues]->fd;
}
