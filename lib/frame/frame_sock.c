/*
 * frame_sock.c — the ops the frame transports share above lib/stack (see
 * frame_sock.h): written once here so that xdp and dpdk answer dup,
 * close, packet-socket names and options, PACKET_STATISTICS, xs_stats and
 * queued receives the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <string.h>
#include <unistd.h>

#include "frame_sock.h"
#include "internal.h"

void xs_frame_sock_init(struct xs_frame_sock *f)
{
	static atomic_uint next_hint;

	atomic_init(&f->refs, 1);
	f->tx_hint = atomic_fetch_add(&next_hint, 1);
}

int xs_frame_dup(const struct xs_sock *s, struct xs_sock *copy)
{
	int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	atomic_fetch_add(&xs_frame_of(s)->refs, 1);
	copy->fd = fd;
	copy->priv = s->priv;
	return 0;
}

int xs_frame_close(struct xs_sock *s, bool *last)
{
	*last = atomic_fetch_sub(&xs_frame_of(s)->refs, 1) == 1;
	return close(s->fd) < 0 && errno != EINTR ? -errno : 0;
}

int xs_frame_int_opt(int value, void *val, socklen_t *len)
{
	if (*len < sizeof(int))
		return -EINVAL;
	memcpy(val, &value, sizeof(int));
	*len = sizeof(int);
	return 0;
}

void xs_frame_packet_name(const struct xs_frame_sock *f, const struct xs_stack *st,
			  struct xs_addr *out)
{
	struct sockaddr_ll *sll = (struct sockaddr_ll *)&out->ss;

	memset(sll, 0, sizeof(*sll));
	sll->sll_family = AF_PACKET;
	sll->sll_protocol = htons(f->ethertype);
	sll->sll_ifindex = f->ifindex;
	sll->sll_hatype = ARPHRD_ETHER;
	sll->sll_halen = ETH_ALEN;
	memcpy(sll->sll_addr, xs_stack_port(st)->mac, ETH_ALEN);
	out->len = sizeof(*sll);
}

static int packet_statistics(struct xs_frame_sock *f, uint64_t ring_drops, void *val,
			     socklen_t *len)
{
	struct xs_stack_sock_counters now;
	struct tpacket_stats st;
	uint64_t drops;

	xs_stack_sock_counters(f->ss, &now);
	drops = now.rx_dropped + ring_drops;
	st.tp_drops = (unsigned)(drops - f->stats_drops);
	st.tp_packets = (unsigned)(now.rx_packets + drops - f->stats_packets);
	f->stats_packets = now.rx_packets + drops;
	f->stats_drops = drops;
	if (*len > sizeof(st))
		*len = sizeof(st);
	memcpy(val, &st, *len);
	return 0;
}

int xs_frame_packet_getsockopt(struct xs_sock *s, uint64_t ring_drops, int level, int name,
			       void *val, socklen_t *len)
{
	struct xs_frame_sock *f = xs_frame_of(s);

	if (level == SOL_PACKET && name == PACKET_STATISTICS)
		return packet_statistics(f, ring_drops, val, len);
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	switch (name) {
	case SO_TYPE:
		return xs_frame_int_opt(s->type, val, len);
	case SO_DOMAIN:
		return xs_frame_int_opt(AF_PACKET, val, len);
	case SO_PROTOCOL:
		return xs_frame_int_opt(htons(f->ethertype), val, len);
	case SO_RCVBUF:
		return xs_frame_int_opt((int)xs_stack_sock_rcvbuf(f->ss), val, len);
	case SO_ERROR:
		return xs_frame_int_opt(0, val, len);
	}
	return -ENOPROTOOPT;
}

void xs_frame_stats(const struct xs_frame_sock *f, const struct xs_stack *st,
		    struct xs_stats *out)
{
	struct xs_stack_sock_counters sc;
	struct xs_stack_counters pc;

	xs_stack_sock_counters(f->ss, &sc);
	xs_stack_counters(st, &pc);
	out->rx_packets = sc.rx_packets;
	out->rx_bytes = sc.rx_bytes;
	out->rx_dropped = sc.rx_dropped;
	out->tx_packets = sc.tx_packets;
	out->tx_bytes = sc.tx_bytes;
	out->if_rx_frames = pc.rx_frames;
	out->if_rx_malformed = pc.rx_malformed;
	out->if_rx_bad_csum = pc.rx_bad_csum;
	out->if_rx_unhandled = pc.rx_unhandled;
	out->if_rx_no_socket = pc.rx_no_socket;
	out->if_rx_queue_full = pc.rx_queue_full;
	out->if_tx_frames = pc.tx_frames;
}

ssize_t xs_frame_recv_queued(struct xs_frame_sock *f, struct msghdr *m, int flags)
{
	socklen_t namelen = m->msg_namelen;
	ssize_t n = xs_stack_sock_recv(f->ss, m->msg_iov, (int)m->msg_iovlen, m->msg_name,
				       m->msg_name ? &namelen : NULL, flags, &m->msg_flags);

	if (n >= 0) {
		m->msg_namelen = m->msg_name ? namelen : 0;
		m->msg_controllen = 0; /* the stack carries no ancillary data */
	}
	return n;
}

bool xs_frame_busy_poll(struct xs_frame_sock *f, int64_t budget_ns, int64_t timeout_ns,
			xs_frame_poll_fn poll)
{
	int64_t until;

	if (timeout_ns >= 0 && timeout_ns < budget_ns)
		budget_ns = timeout_ns;
	until = xs_now_ns() + budget_ns;
	do {
		poll(f->ss);
		if (xs_stack_sock_readable(f->ss))
			return true;
	} while (budget_ns > 0 && xs_now_ns() < until);
	return false;
}
