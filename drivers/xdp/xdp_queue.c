/*
 * xdp_queue.c — one served RX queue: an anonymous mapping for its UMEM,
 * the UMEM registration with its fill and completion rings, and the
 * AF_XDP socket bound to (interface, queue) with its RX and TX rings
 * (libxdp's xsk API with program loading inhibited: xdp_prog.c owns the
 * program and puts the socket into its XSKMAP). Zero-copy where the
 * driver has it, copy otherwise; busy polling when configured. A queue
 * that another socket just released can refuse the bind with EBUSY for a
 * moment, so the bind is retried with a backoff for up to two seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_xdp.h>

#include "internal.h"
#include "xdp_port.h"

#define BIND_RETRY_NS	    (2 * 1000000000ll)
#define BIND_BACKOFF_MAX_NS (100 * 1000000ll)

static int map_umem(struct xdp_queue *q, char *msg, size_t msglen)
{
	struct xsk_umem_config uc = {
		.fill_size = XDP_RING_SIZE,
		.comp_size = XDP_RING_SIZE,
		.frame_size = q->frame_size,
		.frame_headroom = 0,
		.flags = 0,
	};
	int err;

	q->area_len = (size_t)XDP_NFRAMES * q->frame_size;
	q->area = mmap(NULL, q->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		return xdp_fail(msg, msglen, -errno, "mapping %zu bytes of UMEM for queue %u: %s",
				q->area_len, q->id, strerror(errno));
	}
	/* A forked child cannot use these rings; without this, fork would
	 * copy every pinned page of the UMEM for it. */
	madvise(q->area, q->area_len, MADV_DONTFORK);
	err = xsk_umem__create(&q->umem, q->area, q->area_len, &q->fill, &q->comp, &uc);
	if (err == -EAFNOSUPPORT)
		return xdp_fail(
			msg, msglen, err,
			"this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS): use a kernel "
			"with them, or the kernel transport");
	if (err == -EPERM || err == -EACCES)
		return xdp_fail(msg, msglen, err, "creating an AF_XDP socket: %s: %s",
				strerror(-err), xdp_perm_hint);
	if (err == -ENOMEM || err == -ENOBUFS)
		return xdp_fail(msg, msglen, err,
				"registering %zu bytes of UMEM for queue %u: %s: raise the locked-"
				"memory limit (ulimit -l, LimitMEMLOCK=) or grant CAP_IPC_LOCK",
				q->area_len, q->id, strerror(-err));
	if (err)
		return xdp_fail(msg, msglen, err, "registering the UMEM of queue %u: %s", q->id,
				strerror(-err));
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Bind, retrying while the queue is still held by a socket that is going
 * away. */
static int bind_xsk(struct xdp_queue *q, const char *ifname, uint16_t mode_flag)
{
	struct xsk_socket_config sc = {
		.rx_size = XDP_RING_SIZE,
		.tx_size = XDP_RING_SIZE,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = mode_flag | XDP_USE_NEED_WAKEUP,
	};
	int64_t start = now_ns();
	struct timespec backoff = {0, 1000000};
	int err, tries = 0;

	for (;;) {
		err = xsk_socket__create(&q->xsk, ifname, q->id, q->umem, &q->rx, &q->tx, &sc);
		if (err != -EBUSY || now_ns() - start >= BIND_RETRY_NS)
			break;
		tries++;
		nanosleep(&backoff, NULL);
		backoff.tv_nsec = backoff.tv_nsec * 2 < BIND_BACKOFF_MAX_NS ? backoff.tv_nsec * 2
									    : BIND_BACKOFF_MAX_NS;
	}
	if (tries)
		xs_log(XS_LOG_DEBUG, "xdp: queue %u: bind was busy %d times (%lld ms), then %s",
		       q->id, tries, (long long)(now_ns() - start) / 1000000,
		       err ? strerror(-err) : "bound");
	return err;
}

static int bind_failed(const struct xdp_cfg *cfg, struct xdp_queue *q, int err, char *msg,
		       size_t msglen)
{
	if (err == -EBUSY)
		return xdp_fail(
			msg, msglen, err,
			"RX queue %u of %s is still bound to another AF_XDP socket after 2 s "
			"(another xsocket, DPDK af_xdp or xdpsock process?): stop it, or "
			"serve other queues with xdp.queues",
			q->id, cfg->iface);
	if (err == -EOPNOTSUPP)
		return xdp_fail(
			msg, msglen, err,
			"%s has no zero-copy AF_XDP on queue %u: set xdp.zerocopy=auto or off",
			cfg->iface, q->id);
	if (err == -EPERM || err == -EACCES)
		return xdp_fail(msg, msglen, err, "binding an AF_XDP socket to %s: %s: %s",
				cfg->iface, strerror(-err), xdp_perm_hint);
	return xdp_fail(msg, msglen, err, "binding an AF_XDP socket to queue %u of %s: %s", q->id,
			cfg->iface, strerror(-err));
}

static int open_socket(const struct xdp_cfg *cfg, struct xdp_queue *q, char *msg, size_t msglen)
{
	int err = -EOPNOTSUPP;

	if (cfg->zerocopy != XDP_ZC_OFF) {
		err = bind_xsk(q, cfg->iface, XDP_ZEROCOPY);
		q->zerocopy = err == 0;
	}
	if (err == -EOPNOTSUPP && cfg->zerocopy != XDP_ZC_ON)
		err = bind_xsk(q, cfg->iface, XDP_COPY);
	if (err)
		return bind_failed(cfg, q, err, msg, msglen);
	q->fd = xsk_socket__fd(q->xsk);
	/* libxdp opens it (the UMEM's socket too: the first socket of a
	 * UMEM is the UMEM's) without SOCK_CLOEXEC: a program we exec must
	 * not keep the queue bound. */
	fcntl(q->fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

static int set_busy_poll(struct xdp_queue *q, const struct xdp_cfg *cfg, char *msg, size_t msglen)
{
	int one = 1, us = cfg->busy_poll_us, budget = XDP_BURST;

	if (!cfg->busy_poll_us)
		return 0;
	if (setsockopt(q->fd, SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof(one)) < 0 ||
	    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL, &us, sizeof(us)) < 0 ||
	    setsockopt(q->fd, SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof(budget)) < 0)
		return xdp_fail(msg, msglen, -errno,
				"xdp.busy_poll_us=%u: setting busy polling on queue %u: %s (values "
				"above net.core.busy_read need CAP_NET_ADMIN; 0 turns it off)",
				cfg->busy_poll_us, q->id, strerror(errno));
	return 0;
}

/* Every RX frame into the fill ring; every TX frame onto the free list.
 * The rings were sized for that, so the reservation cannot fall short. */
static void prime_frames(struct xdp_queue *q)
{
	uint32_t idx = 0;

	xsk_ring_prod__reserve(&q->fill, XDP_RX_FRAMES, &idx);
	for (unsigned i = 0; i < XDP_RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = (uint64_t)i * q->frame_size;
	xsk_ring_prod__submit(&q->fill, XDP_RX_FRAMES);
	for (unsigned i = 0; i < XDP_TX_FRAMES; i++)
		q->tx_free[i] = (uint64_t)(XDP_RX_FRAMES + i) * q->frame_size;
	q->tx_nfree = XDP_TX_FRAMES;
}

int xdp_queue_open(const struct xdp_cfg *cfg, unsigned id, uint32_t frame_size,
		   struct xdp_queue **out, char *msg, size_t msglen)
{
	struct xdp_queue *q = calloc(1, sizeof(*q));
	int err;

	*out = NULL;
	if (!q)
		return xdp_fail(msg, msglen, -ENOMEM, "allocating queue %u: out of memory", id);
	q->id = id;
	q->fd = -1;
	q->frame_size = frame_size;
	pthread_mutex_init(&q->tx_lock, NULL);
	err = map_umem(q, msg, msglen);
	if (err == 0)
		err = open_socket(cfg, q, msg, msglen);
	if (err == 0)
		err = set_busy_poll(q, cfg, msg, msglen);
	if (err) {
		xdp_queue_close(q);
		return err;
	}
	prime_frames(q);
	*out = q;
	return 0;
}

void xdp_queue_close(struct xdp_queue *q)
{
	if (!q)
		return;
	xsk_socket__delete(q->xsk);
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, q->area_len);
	pthread_mutex_destroy(&q->tx_lock);
	free(q);
}

void xdp_queue_stats(const struct xdp_queue *q, struct xdp_port_info *info)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(q->fd, SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return;
	info->xsk_rx_dropped += st.rx_dropped;
	info->xsk_rx_ring_full += st.rx_ring_full;
	info->xsk_fill_empty += st.rx_fill_ring_empty_descs;
	info->xsk_tx_invalid += st.tx_invalid_descs;
}
