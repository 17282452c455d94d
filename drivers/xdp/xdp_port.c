/*
 * xdp_port.c — the interface as the xdp transport holds it: what the
 * kernel says about it (index, MAC, MTU, active RX queues), which queues
 * to serve, and the order in which the parts come up — steering program
 * loaded, one AF_XDP socket per queue bound and put into the XSKMAP, the
 * stack created, and only then the program attached, so that the first
 * frame it redirects finds everything in place. Closing goes the other
 * way round. Also the port's description for xsocket info.
 */
#include <errno.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "internal.h"
#include "xdp_port.h"

/* The kernel keeps this much in front of each received frame
 * (XDP_PACKET_HEADROOM); the frame itself may carry one VLAN tag. */
#define RX_HEADROOM   256u
#define ETH_VLAN_HLEN 18u

const char xdp_perm_hint[] = "run as root, or grant CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW "
			     "(setcap cap_net_admin,cap_bpf,cap_net_raw+ep PROGRAM)";

int xdp_fail(char *msg, size_t msglen, int err, const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

static int iface_ioctl(int fd, unsigned long req, struct ifreq *ifr, const char *ifname)
{
	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", ifname);
	return ioctl(fd, req, ifr) < 0 ? -errno : 0;
}

/* Active RX queues: combined channels plus RX-only ones. A device that
 * does not answer ETHTOOL_GCHANNELS has one. */
static unsigned rx_queue_count(int fd, const char *ifname)
{
	struct ethtool_channels ch = {.cmd = ETHTOOL_GCHANNELS};
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&ch;
	if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 || ch.combined_count + ch.rx_count == 0)
		return 1;
	return ch.combined_count + ch.rx_count;
}

static int iface_facts(struct xdp_port *p, int fd, unsigned *nrx, char *msg, size_t msglen)
{
	struct xs_stack_port *sp = &p->sport;
	struct ifreq ifr;
	int err;

	snprintf(sp->ifname, sizeof(sp->ifname), "%s", p->cfg.iface);
	err = iface_ioctl(fd, SIOCGIFHWADDR, &ifr, sp->ifname);
	if (err)
		return xdp_fail(msg, msglen, err, "reading the MAC address of %s (xdp.iface): %s",
				sp->ifname, strerror(-err));
	if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		return xdp_fail(msg, msglen, -EOPNOTSUPP,
				"%s (xdp.iface) is not an Ethernet interface: the xdp transport "
				"needs one",
				sp->ifname);
	memcpy(sp->mac, ifr.ifr_hwaddr.sa_data, 6);
	err = iface_ioctl(fd, SIOCGIFMTU, &ifr, sp->ifname);
	if (err)
		return xdp_fail(msg, msglen, err, "reading the MTU of %s: %s", sp->ifname,
				strerror(-err));
	sp->mtu = ifr.ifr_mtu;
	if (iface_ioctl(fd, SIOCGIFFLAGS, &ifr, sp->ifname) == 0 && !(ifr.ifr_flags & IFF_UP))
		xs_log(XS_LOG_WARN, "xdp: %s is down: nothing arrives until `ip link set %s up`",
		       sp->ifname, sp->ifname);
	*nrx = rx_queue_count(fd, sp->ifname);
	return 0;
}

static int pick_queues(struct xdp_port *p, unsigned nrx, unsigned *ids, unsigned *n, char *msg,
		       size_t msglen)
{
	uint64_t mask = p->cfg.queues;

	if (!mask)
		mask = nrx >= XDP_MAX_QUEUES ? ~0ull : (1ull << nrx) - 1;
	if (!p->cfg.queues && nrx > XDP_MAX_QUEUES)
		xs_log(XS_LOG_WARN,
		       "xdp: %s has %u RX queues; serving the first %u (frames on "
		       "the others go to the kernel)",
		       p->cfg.iface, nrx, XDP_MAX_QUEUES);
	*n = 0;
	for (unsigned q = 0; q < XDP_MAX_QUEUES; q++) {
		if (!(mask >> q & 1))
			continue;
		if (q >= nrx)
			return xdp_fail(msg, msglen, -EINVAL,
					"xdp.queues names RX queue %u but %s has %u active RX "
					"queue%s: `ethtool -l %s` shows them, `ethtool -L %s "
					"combined N` (or rx N tx N) adds more",
					q, p->cfg.iface, nrx, nrx == 1 ? "" : "s", p->cfg.iface,
					p->cfg.iface);
		ids[(*n)++] = q;
	}
	if (p->cfg.queues && *n < nrx)
		xs_log(XS_LOG_INFO,
		       "xdp: serving %u of the %u RX queues of %s: frames that RSS "
		       "puts on the others go to the kernel",
		       *n, nrx, p->cfg.iface);
	return 0;
}

/* 2048-byte frames when the MTU fits behind the headroom, else 4096. */
static uint32_t frame_size_for(const struct xs_stack_port *sp)
{
	if (sp->mtu + ETH_VLAN_HLEN + RX_HEADROOM <= XDP_FRAME_SMALL)
		return XDP_FRAME_SMALL;
	if (sp->mtu + ETH_VLAN_HLEN + RX_HEADROOM > XDP_FRAME_LARGE)
		xs_log(XS_LOG_WARN,
		       "xdp: the MTU of %s (%u) exceeds what an AF_XDP frame holds "
		       "(%u bytes): longer frames are dropped (xsk_rx_dropped); lower the MTU",
		       sp->ifname, sp->mtu, XDP_FRAME_LARGE - RX_HEADROOM);
	return XDP_FRAME_LARGE;
}

/* Index, MAC, MTU and the queues to serve. */
static int find_iface(struct xdp_port *p, unsigned *ids, unsigned *n, char *msg, size_t msglen)
{
	unsigned nrx = 1;
	int fd, err;

	p->sport.ifindex = if_nametoindex(p->cfg.iface);
	if (!p->sport.ifindex)
		return xdp_fail(msg, msglen, -ENODEV,
				"no interface named '%s' (xdp.iface) in this network namespace: "
				"`ip link show` lists them",
				p->cfg.iface);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return xdp_fail(msg, msglen, -errno, "opening a socket for interface ioctls: %s",
				strerror(errno));
	err = iface_facts(p, fd, &nrx, msg, msglen);
	close(fd);
	if (err == 0)
		err = pick_queues(p, nrx, ids, n, msg, msglen);
	p->frame_size = frame_size_for(&p->sport);
	return err;
}

static int open_queues(struct xdp_port *p, const unsigned *ids, unsigned n, char *msg,
		       size_t msglen)
{
	for (unsigned i = 0; i < n; i++) {
		int err = xdp_queue_open(&p->cfg, ids[i], p->frame_size, &p->q[i], msg, msglen);

		if (err)
			return err;
		p->nqueues++;
		err = xdp_prog_set_queue(&p->prog, ids[i], p->q[i]->fd, msg, msglen);
		if (err)
			return err;
	}
	return 0;
}

static void log_opened(const struct xdp_port *p)
{
	xs_log(XS_LOG_INFO, "xdp: %s: %s XDP (program id %u), %u queue%s, %s, %u-byte frames%s",
	       p->cfg.iface, p->prog.native ? "native" : "generic", p->prog.prog_id, p->nqueues,
	       p->nqueues == 1 ? "" : "s", p->q[0]->zerocopy ? "zero-copy" : "copy mode",
	       p->frame_size, p->cfg.busy_poll_us ? ", busy polling" : "");
}

int xdp_port_open(const struct xdp_cfg *cfg, struct xdp_port **out, char *msg, size_t msglen)
{
	unsigned ids[XDP_MAX_QUEUES], n = 0;
	struct xdp_port *p = calloc(1, sizeof(*p));
	int err;

	*out = NULL;
	if (!p)
		return xdp_fail(msg, msglen, -ENOMEM, "allocating the xdp port: out of memory");
	p->cfg = *cfg;
	p->prog.link_fd = -1;
	pthread_mutex_init(&p->prog.steer_lock, NULL);
	err = find_iface(p, ids, &n, msg, msglen);
	if (!err)
		err = xdp_prog_check_free(cfg->iface, p->sport.ifindex, msg, msglen);
	if (!err)
		err = xdp_prog_load(&p->prog, msg, msglen);
	if (!err)
		err = open_queues(p, ids, n, msg, msglen);
	if (err)
		goto out_close;
	p->stack = xs_stack_new(&p->sport);
	if (!p->stack) {
		err = xdp_fail(msg, msglen, -ENOMEM, "creating the stack of %s: out of memory",
			       cfg->iface);
		goto out_close;
	}
	err = xdp_prog_attach(&p->prog, cfg->iface, p->sport.ifindex, cfg->mode, msg, msglen);
	if (err)
		goto out_close;
	log_opened(p);
	*out = p;
	return 0;

out_close:
	xdp_port_close(p);
	return err;
}

void xdp_port_close(struct xdp_port *p)
{
	if (!p)
		return;
	/* The program first: nothing is redirected into a closing socket. */
	xdp_prog_close(&p->prog);
	for (unsigned i = 0; i < p->nqueues; i++)
		xdp_queue_close(p->q[i]);
	if (p->stack)
		xs_stack_free(p->stack);
	pthread_mutex_destroy(&p->prog.steer_lock);
	free(p);
}

struct xs_stack *xdp_port_stack(struct xdp_port *p)
{
	return p->stack;
}

unsigned xdp_port_nfds(const struct xdp_port *p)
{
	return p->nqueues;
}

int xdp_port_fd(const struct xdp_port *p, unsigned i)
{
	return i < p->nqueues ? p->q[i]->fd : -1;
}

void xdp_port_info(struct xdp_port *p, struct xdp_port_info *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->iface, sizeof(out->iface), "%s", p->cfg.iface);
	out->ifindex = p->sport.ifindex;
	out->native = p->prog.native;
	out->zerocopy = p->nqueues > 0;
	out->nqueues = p->nqueues;
	out->busy_poll_us = p->cfg.busy_poll_us;
	out->prog_id = p->prog.prog_id;
	out->frame_size = p->frame_size;
	out->ring_size = XDP_RING_SIZE;
	for (unsigned i = 0; i < p->nqueues; i++) {
		out->queue_ids[i] = p->q[i]->id;
		out->zerocopy = out->zerocopy && p->q[i]->zerocopy;
		xdp_queue_stats(p->q[i], out);
	}
	xdp_prog_counters(&p->prog, &out->prog_redirected, &out->prog_passed);
}

int xdp_port_steer_udp(struct xdp_port *p, const struct sockaddr *local, bool on)
{
	return xdp_steer_udp(&p->prog, local, on);
}

int xdp_port_steer_ethertype(struct xdp_port *p, uint16_t ethertype, bool on)
{
	return xdp_steer_ethertype(&p->prog, ethertype, on);
}
