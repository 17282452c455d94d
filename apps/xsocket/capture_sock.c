/*
 * capture_sock.c — the packet socket of `xsocket capture`, opened through
 * the library so that the configured transport carries it. The filter
 * goes to the kernel the way libpcap does it: a program that rejects
 * everything first, the queue drained of what arrived before, then the
 * real program; so no frame that does not match is ever queued. A
 * transport without SO_ATTACH_FILTER (xdp) answers ENOPROTOOPT or
 * EOPNOTSUPP and the caller filters in user space. Drop counters come
 * from PACKET_STATISTICS, which the kernel resets on every read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <linux/filter.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "capture.h"
#include "cli.h"

#define DRAIN_MAX 1000000 /* frames read away before the filter: a bound, not a size */

static bool unsupported(void)
{
	int code = xs_last_error()->code;

	return code == ENOPROTOOPT || code == EOPNOTSUPP;
}

/* 0 if iface exists, else the failure reported, naming it. */
static int check_iface(struct capture_sock *cs)
{
	cs->ifindex = (int)xs_if_nametoindex(cs->iface);
	return cs->ifindex ? 0 : cli_fail("interface '%s'", cs->iface);
}

/* 0 if the bound interface carries Ethernet frames (or the transport does
 * not say), else the failure reported: the pcap link type is Ethernet. */
static int check_link_type(struct capture_sock *cs)
{
	const struct sockaddr_ll *sll;
	struct xs_addr a;

	if (xs_getsockname(cs->s, &a) < 0 || a.family != AF_PACKET ||
	    a.len < offsetof(struct sockaddr_ll, sll_pkttype))
		return 0;
	sll = (const struct sockaddr_ll *)&a.ss;
	if (sll->sll_hatype == ARPHRD_ETHER || sll->sll_hatype == ARPHRD_LOOPBACK)
		return 0;
	fprintf(stderr,
		"xsocket: interface '%s': link type %u (ARPHRD_*) is not Ethernet: capture "
		"writes Ethernet frames only\n",
		cs->iface, sll->sll_hatype);
	return CLI_EXIT_FAIL;
}

static int attach(struct capture_sock *cs, const struct bpf_program *prog)
{
	struct sock_fprog fp = {
		.len = (unsigned short)prog->bf_len,
		/* struct bpf_insn and struct sock_filter have one layout */
		.filter = (struct sock_filter *)prog->bf_insns,
	};

	return xs_setsockopt(cs->s, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}

/* Reads away what was queued before the reject-all program went in. */
static void drain(struct capture_sock *cs)
{
	unsigned char byte;

	if (xs_settimeout(cs->s, 0.0) < 0)
		return;
	cs->timeout = 0.0;
	for (int i = 0; i < DRAIN_MAX; i++)
		if (xs_recv(cs->s, &byte, 1, MSG_TRUNC) < 0)
			break;
}

/* The reject-all program decides whether the kernel can filter at all. */
static void filter_start(struct capture_sock *cs)
{
	struct bpf_insn reject = {.code = BPF_RET | BPF_K, .k = 0};
	struct bpf_program none = {.bf_len = 1, .bf_insns = &reject};

	if (attach(cs, &none) == 0) {
		cs->kernel_filter = true;
		drain(cs);
		return;
	}
	if (!unsupported())
		fprintf(stderr,
			"xsocket: the kernel cannot run the filter (%s): filtering in xsocket\n",
			xs_last_error()->msg);
}

static int filter_finish(struct capture_sock *cs, const struct bpf_program *prog)
{
	if (!cs->kernel_filter || attach(cs, prog) == 0)
		return 0;
	/* The reject-all program would stay: nothing would be captured. */
	return cli_fail("attaching the filter to %s", cs->iface);
}

static void set_promisc(struct capture_sock *cs)
{
	struct packet_mreq mr = {.mr_ifindex = cs->ifindex, .mr_type = PACKET_MR_PROMISC};

	cs->promisc = xs_setsockopt(cs->s, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) == 0;
	if (!cs->promisc && !unsupported())
		fprintf(stderr, "xsocket: promiscuous mode on %s: %s\n", cs->iface,
			xs_last_error()->msg);
}

static int sock_bind(struct capture_sock *cs)
{
	struct xs_addr a;

	if (xs_addr_packet(&a, cs->iface, htons(ETH_P_ALL), 0, 0, NULL, 0) < 0 ||
	    xs_bind(cs->s, &a) < 0)
		return cli_fail("binding to interface %s", cs->iface);
	return 0;
}

int capture_sock_open(struct capture_sock *cs, const struct capture_opts *o,
		      const struct bpf_program *prog)
{
	int rc;

	cs->iface = o->iface;
	rc = check_iface(cs);
	if (rc)
		return rc;
	cs->timeout = NAN; /* not set yet: the first receive sets it */
	cs->s = xs_socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (!cs->s)
		return cli_fail("opening a packet socket for %s", cs->iface);
	cs->transport = xs_transport_name(cs->s);
	filter_start(cs);
	rc = sock_bind(cs);
	if (!rc)
		rc = check_link_type(cs);
	if (!rc)
		rc = filter_finish(cs, prog);
	if (rc)
		goto out_close_sock;
	if (o->promisc)
		set_promisc(cs);
	cs->kernel_time = xs_setsockopt_int(cs->s, SOL_SOCKET, SO_TIMESTAMP, 1) == 0;
	capture_sock_stats(cs); /* the counters start now */
	cs->stat_packets = cs->stat_drops = 0;
	return 0;

out_close_sock:
	capture_sock_close(cs);
	return rc;
}

void capture_sock_close(struct capture_sock *cs)
{
	xs_free(cs->s);
	cs->s = NULL;
}

static void frame_time(struct capture_sock *cs, const struct xs_msginfo *info, struct timeval *tv)
{
	struct xs_cmsg items[4];
	size_t n;

	if (cs->kernel_time) {
		n = xs_cmsg_parse(cs->anc.bytes, info, items, 4);
		for (size_t i = 0; i < n && i < 4; i++)
			if (items[i].level == SOL_SOCKET && items[i].type == SCM_TIMESTAMP &&
			    items[i].len >= sizeof(*tv)) {
				memcpy(tv, items[i].data, sizeof(*tv));
				return;
			}
	}
	gettimeofday(tv, NULL);
}

/* A stop signal or the timeout ends the wait (0); anything else fails. */
static int recv_failed(struct capture_sock *cs)
{
	const struct xs_error *e = xs_last_error();

	if (e->kind == XS_ERR_TIMEOUT || (e->kind == XS_ERR_OS && e->code == EINTR))
		return 0;
	cli_fail("receiving from %s", cs->iface);
	return -1;
}

int capture_sock_recv(struct capture_sock *cs, unsigned char *buf, size_t len, double timeout,
		      struct capture_frame *f)
{
	struct iovec iov = {buf, len};
	struct xs_msginfo info;
	const struct sockaddr_ll *sll = (const struct sockaddr_ll *)&info.addr.ss;
	ssize_t n;

	if (timeout != cs->timeout) {
		if (xs_settimeout(cs->s, timeout) < 0) {
			cli_fail("setting the receive timeout");
			return -1;
		}
		cs->timeout = timeout;
	}
	n = xs_recvmsg(cs->s, &iov, 1, cs->anc.bytes, sizeof(cs->anc.bytes), MSG_TRUNC, &info);
	if (n < 0)
		return recv_failed(cs);
	f->pkttype = PACKET_HOST;
	if (info.addr.family == AF_PACKET) {
		/* Queued before the bind (no kernel filter to hold it back). */
		if (sll->sll_ifindex && sll->sll_ifindex != cs->ifindex)
			return 0;
		f->pkttype = sll->sll_pkttype;
	}
	frame_time(cs, &info, &f->hdr.ts);
	f->hdr.len = (bpf_u_int32)n; /* MSG_TRUNC: the whole frame's length */
	f->hdr.caplen = (bpf_u_int32)((size_t)n < len ? (size_t)n : len);
	return 1;
}

void capture_sock_stats(struct capture_sock *cs)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	cs->stats_ok = xs_getsockopt(cs->s, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0 &&
		       len >= sizeof(st);
	if (!cs->stats_ok) {
		snprintf(cs->stats_err, sizeof(cs->stats_err), "%s",
			 len < sizeof(st) ? "short answer" : xs_last_error()->msg);
		return;
	}
	cs->stat_packets += st.tp_packets;
	cs->stat_drops += st.tp_drops;
}
