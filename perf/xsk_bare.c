/*
 * xsk_bare.c — the floor under the xdp transport for perf/xdp_bench.sh: a
 * bare AF_XDP receive loop on libxdp's xsk API, with nothing of xsocket.
 * It binds one AF_XDP socket to (IFACE, QUEUE), lets libxdp load its
 * default program (xsk_socket__create without INHIBIT_PROG_LOAD: every
 * frame of the queue is redirected to the socket), and drains the RX ring
 * in bursts, handing each burst straight back to the fill ring, until
 * --count packets, --duration or --idle (rx_meter.h), then reports
 * packets/s and the process's CPU time per packet like udp_sink.
 *
 * The rings, the UMEM and the way the kernel is woken are those of
 * drivers/xdp (xdp_port.h, xdp_queue.c, xdp_rxtx.c), so the difference
 * with udp_sink over xdp is what the socket layer costs: 2048-entry
 * rings, 2048-byte frames, 4096 frames (half of them fed to the fill
 * ring, half a TX pool this loop never uses), no headroom, bursts of 64,
 * zero-copy if the device has it (copy otherwise), XDP_USE_NEED_WAKEUP
 * with a recvfrom(MSG_DONTWAIT) kick when the fill ring asks for one. When
 * the RX ring is empty it sleeps in poll() on the socket for up to 0.1 s
 * (with --nap, a fixed time: rx_meter.h).
 *
 * By default the frames are not touched (xdpsock's rxdrop); --copy copies
 * each frame into a buffer, as a recv() into the application would.
 *
 * --xdp-drop opens no socket: it attaches a two-instruction program that
 * drops every frame (XDP_DROP) and sleeps until the bounds or a signal.
 * What the system spends on a flood then is the generator, the veth and
 * the XDP hook: the floor under every receiver on the same flood.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "rx_meter.h"

/* As drivers/xdp/xdp_port.h; keep them in step. */
#define FRAME_SIZE 2048u
#define RING_SIZE  2048u
#define RX_FRAMES  RING_SIZE
#define NFRAMES	   (2 * RING_SIZE)
#define BURST	   64u
#define WAIT_MS	   100

struct bare {
	struct rx_meter m;
	const char *iface;
	unsigned queue;
	bool generic, copy, drop;
	int ifindex;
	uint8_t *area;
	size_t area_len;
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill, tx;
	struct xsk_ring_cons comp, rx;
	int fd;
	bool zerocopy;
	uint8_t buf[FRAME_SIZE];
};

static bool verbose;

/* Quiet unless --verbose: libxdp tries ways that may fail before one
 * works, and says so; what finally fails is reported by this program. */
static int print_fn(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xsk_bare [--iface IFACE] [--queue Q] [--generic] [--copy | --xdp-drop]\n"
		"                [-c N] [-d S] [-I S] [-n US] [--ready FILE] [--json] [--verbose]\n"
		"A bare AF_XDP receive loop (libxdp's default program, drivers/xdp's ring\n"
		"sizes): packets/s and the process's CPU time per packet.\n\n"
		"  -i, --iface IFACE   the interface (default vB)\n"
		"  -q, --queue Q       the RX queue (default 0)\n"
		"  -g, --generic       generic (SKB) XDP instead of native\n"
		"      --copy          copy every frame into a buffer, as recv() would\n"
		"  -v, --verbose       libxdp's and libbpf's informational messages\n" RX_METER_HELP
		"  -h, --help          this text\n");
}

static int parse_args(struct bare *b, int argc, char **argv)
{
	static const struct option longopts[] = {{"iface", required_argument, NULL, 'i'},
						 {"queue", required_argument, NULL, 'q'},
						 {"generic", no_argument, NULL, 'g'},
						 {"copy", no_argument, NULL, 'C'},
						 {"xdp-drop", no_argument, NULL, 'D'},
						 {"verbose", no_argument, NULL, 'v'},
						 {"help", no_argument, NULL, 'h'},
						 RX_METER_LONGOPTS,
						 {NULL, 0, NULL, 0}};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "i:q:gvh" RX_METER_SHORTOPTS, longopts, NULL)) !=
	       -1) {
		rc = rx_meter_option(&b->m, opt, optarg);
		if (rc < 0) {
			fprintf(stderr, "xsk_bare: bad value for option -%c: '%s'\n", opt, optarg);
			return -1;
		}
		if (rc)
			continue;
		switch (opt) {
		case 'i':
			b->iface = optarg;
			break;
		case 'q':
			b->queue = (unsigned)atoi(optarg);
			break;
		case 'g':
			b->generic = true;
			break;
		case 'C':
			b->copy = true;
			break;
		case 'D':
			b->drop = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* ---- set-up, as drivers/xdp/xdp_queue.c ---- */

static int map_umem(struct bare *b)
{
	struct xsk_umem_config uc = {
		.fill_size = RING_SIZE,
		.comp_size = RING_SIZE,
		.frame_size = FRAME_SIZE,
		.frame_headroom = 0,
	};
	int err;

	b->area_len = (size_t)NFRAMES * FRAME_SIZE;
	b->area = mmap(NULL, b->area_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (b->area == MAP_FAILED) {
		b->area = NULL;
		fprintf(stderr, "xsk_bare: mapping the UMEM: %s\n", strerror(errno));
		return -1;
	}
	err = xsk_umem__create(&b->umem, b->area, b->area_len, &b->fill, &b->comp, &uc);
	if (err) {
		fprintf(stderr, "xsk_bare: registering the UMEM: %s\n", strerror(-err));
		return -1;
	}
	return 0;
}

static uint32_t xdp_flags(const struct bare *b)
{
	return b->generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

static int bind_xsk(struct bare *b, uint16_t mode)
{
	struct xsk_socket_config sc = {
		.rx_size = RING_SIZE,
		.tx_size = RING_SIZE,
		.libxdp_flags = 0, /* libxdp loads its default program */
		.xdp_flags = xdp_flags(b),
		.bind_flags = mode | XDP_USE_NEED_WAKEUP,
	};

	return xsk_socket__create(&b->xsk, b->iface, b->queue, b->umem, &b->rx, &b->tx, &sc);
}

static int open_xsk(struct bare *b)
{
	int err = bind_xsk(b, XDP_ZEROCOPY);

	b->zerocopy = err == 0;
	if (err == -EOPNOTSUPP)
		err = bind_xsk(b, XDP_COPY);
	if (err) {
		fprintf(stderr, "xsk_bare: binding an AF_XDP socket to queue %u of %s: %s\n",
			b->queue, b->iface, strerror(-err));
		return -1;
	}
	b->fd = xsk_socket__fd(b->xsk);
	return 0;
}

static void prime_fill(struct bare *b)
{
	uint32_t idx = 0;

	xsk_ring_prod__reserve(&b->fill, RX_FRAMES, &idx);
	for (unsigned i = 0; i < RX_FRAMES; i++)
		*xsk_ring_prod__fill_addr(&b->fill, idx + i) = (uint64_t)i * FRAME_SIZE;
	xsk_ring_prod__submit(&b->fill, RX_FRAMES);
}

static void close_all(struct bare *b)
{
	xsk_socket__delete(b->xsk);
	if (b->umem)
		xsk_umem__delete(b->umem);
	if (b->area)
		munmap(b->area, b->area_len);
}

/* ---- the loop, as drivers/xdp/xdp_rxtx.c queue_rx ---- */

static void wakeup(struct bare *b)
{
	recvfrom(b->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
}

static unsigned drain(struct bare *b, uint64_t *bytes)
{
	uint32_t rx_idx = 0, fill_idx = 0;
	unsigned n = xsk_ring_cons__peek(&b->rx, BURST, &rx_idx);

	if (n == 0)
		return 0;
	xsk_ring_prod__reserve(&b->fill, n, &fill_idx);
	for (unsigned i = 0; i < n; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&b->rx, rx_idx + i);

		*bytes += d->len;
		if (b->copy)
			memcpy(b->buf, xsk_umem__get_data(b->area, d->addr), d->len);
		*xsk_ring_prod__fill_addr(&b->fill, fill_idx + i) =
			d->addr & ~((uint64_t)FRAME_SIZE - 1);
	}
	xsk_ring_prod__submit(&b->fill, n);
	xsk_ring_cons__release(&b->rx, n);
	if (xsk_ring_prod__needs_wakeup(&b->fill))
		wakeup(b);
	return n;
}

/* Nothing in the RX ring: kick the kernel if it asks, then sleep. */
static bool wait_rx(struct bare *b)
{
	struct pollfd p = {.fd = b->fd, .events = POLLIN};
	int rc;

	if (xsk_ring_prod__needs_wakeup(&b->fill))
		wakeup(b);
	if (b->m.nap_us)
		return rx_meter_nap(&b->m);
	rc = poll(&p, 1, WAIT_MS);
	if (rc > 0 && !rx_stop)
		return false;
	if (rc < 0 && errno != EINTR) {
		fprintf(stderr, "xsk_bare: poll: %s\n", strerror(errno));
		b->m.stopped_by = "error";
		return true;
	}
	return rx_meter_waited(&b->m, rc == 0 ? WAIT_MS / 1e3 : 0);
}

/* Not inlined: callgrind counts it alone (--toggle-collect='loop*': GCC
 * clones it as loop.constprop.0). */
__attribute__((noinline)) static void loop(struct bare *b)
{
	uint64_t bytes;
	unsigned n;

	for (;;) {
		bytes = 0;
		n = drain(b, &bytes);
		if (n ? rx_meter_add(&b->m, n, bytes) : wait_rx(b))
			return;
	}
}

/* The socket's own counters: what the kernel could not deliver. */
static void counters(struct bare *b)
{
	struct xdp_statistics st;
	socklen_t len = sizeof(st);

	if (getsockopt(b->fd, SOL_XDP, XDP_STATISTICS, &st, &len) < 0)
		return;
	rx_meter_extra(&b->m, "xsk_rx_dropped", (long long)st.rx_dropped);
	rx_meter_extra(&b->m, "xsk_rx_ring_full", (long long)st.rx_ring_full);
	rx_meter_extra(&b->m, "xsk_fill_ring_empty", (long long)st.rx_fill_ring_empty_descs);
	rx_meter_extra(&b->m, "zerocopy", b->zerocopy);
}

/* How the program on the interface runs: native, generic (skb), ... */
static void attach_mode(struct bare *b)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(b->ifindex, 0, &q) == 0)
		rx_meter_extra(&b->m, "xdp_native",
			       q.attach_mode == XDP_ATTACHED_DRV ||
				       (q.attach_mode == XDP_ATTACHED_MULTI && q.drv_prog_id));
}

/* ---- --xdp-drop ---- */

static int drop_attach(struct bare *b)
{
	static const struct bpf_insn drop[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_DROP},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xsk_bare_drop", "GPL", (const void *)drop, 2,
			       NULL);
	int err;

	if (fd < 0) {
		fprintf(stderr, "xsk_bare: loading the drop program: %s\n", strerror(-fd));
		return -1;
	}
	err = bpf_xdp_attach(b->ifindex, fd, xdp_flags(b) | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	close(fd);
	if (err) {
		fprintf(stderr, "xsk_bare: attaching the drop program to %s: %s\n", b->iface,
			strerror(-err));
		return -1;
	}
	return 0;
}

static int run_drop(struct bare *b)
{
	struct timespec nap = {0, 50 * 1000000};

	if (drop_attach(b) < 0)
		return 1;
	attach_mode(b);
	if (rx_meter_start(&b->m) == 0)
		while (!rx_stop && rx_now_ns() - b->m.start_ns < (int64_t)(b->m.duration_s * 1e9))
			nanosleep(&nap, NULL);
	b->m.stopped_by = rx_stop ? "signal" : "duration";
	rx_meter_report(&b->m, "xsk_bare", "xdp-drop", b->generic ? "generic" : "native");
	bpf_xdp_detach(b->ifindex, xdp_flags(b), NULL);
	return 0;
}

int main(int argc, char **argv)
{
	static struct bare b = {.iface = "vB", .fd = -1};
	int rc = 1;

	rx_meter_init(&b.m);
	if (parse_args(&b, argc, argv) < 0)
		return 2;
	libxdp_set_print(print_fn);
	libbpf_set_print(libbpf_print);
	rx_meter_catch_signals();
	b.ifindex = (int)if_nametoindex(b.iface);
	if (!b.ifindex) {
		fprintf(stderr, "xsk_bare: interface %s: %s\n", b.iface, strerror(errno));
		return 1;
	}
	if (b.drop)
		return run_drop(&b);
	if (map_umem(&b) < 0 || open_xsk(&b) < 0)
		goto out_close;
	prime_fill(&b);
	if (rx_meter_start(&b.m) < 0)
		goto out_close;
	loop(&b);
	counters(&b);
	attach_mode(&b);
	rx_meter_report(&b.m, "xsk_bare", b.copy ? "bare-copy" : "bare",
			b.generic ? "af_xdp-generic" : "af_xdp");
	rc = 0;
out_close:
	close_all(&b);
	return rc;
}
