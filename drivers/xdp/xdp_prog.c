/*
 * xdp_prog.c — the steering program's life: loaded from the skeleton that
 * the build embeds (libbpf; libxdp's multi-program dispatcher is not
 * used), attached with a bpf_link so that the kernel detaches it when the
 * last descriptor of the link closes — when the process exits, however
 * it exits — and never left behind as a netlink attachment would be.
 * Also: the XSKMAP entries and the per-CPU counters. (An interface that
 * already has a program is xdp_busy.c's.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "internal.h"
#include "xdp_port.h"
#include "bpf/xs_steer.h"
#include "xs_steer.skel.h"

int xdp_prog_load(struct xdp_prog *pg, char *msg, size_t msglen)
{
	char why[150];
	int err;

	xdp_log_setup();
	xdp_log_capture_reset();
	pg->link_fd = -1;
	pg->skel = xs_steer__open();
	if (!pg->skel)
		return xdp_fail(msg, msglen, -errno, "opening the embedded steering program: %s",
				strerror(errno));
	err = xs_steer__load(pg->skel);
	if (err == 0)
		return 0;
	/* EACCES is the verifier's refusal; privileges are EPERM. */
	if (err == -EPERM)
		xdp_fail(msg, msglen, err, "loading the steering program was refused (%s): %s",
			 strerror(-err), xdp_perm_hint);
	else if (xdp_log_verifier_error(why, sizeof(why)))
		xdp_fail(msg, msglen, err,
			 "the kernel's verifier refused the steering program (%s): %s (log=debug "
			 "shows its whole log)",
			 strerror(-err), why);
	else
		xdp_fail(msg, msglen, err,
			 "loading the steering program failed: %s (log=debug "
			 "shows libbpf's messages)",
			 strerror(-err));
	xs_steer__destroy(pg->skel);
	pg->skel = NULL;
	return err;
}

int xdp_prog_set_queue(struct xdp_prog *pg, unsigned queue, int xsk_fd, char *msg, size_t msglen)
{
	__u32 key = queue;
	int err = bpf_map_update_elem(bpf_map__fd(pg->skel->maps.xsks), &key, &xsk_fd, BPF_ANY);

	if (err < 0)
		return xdp_fail(msg, msglen, -errno,
				"putting the AF_XDP socket of queue %u into the XSKMAP failed: %s",
				queue, strerror(errno));
	return 0;
}

static int link_xdp(struct xdp_prog *pg, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = flags);
	int fd =
		bpf_link_create(bpf_program__fd(pg->skel->progs.xs_steer), ifindex, BPF_XDP, &opts);

	if (fd < 0)
		return -errno;
	pg->link_fd = fd;
	pg->native = flags == XDP_FLAGS_DRV_MODE;
	return 0;
}

/* Errors after which generic mode would fail the same way. */
static bool final_error(int err)
{
	return err == -EBUSY || err == -EEXIST || err == -EPERM || err == -EACCES;
}

static int attach_failed(const char *ifname, int ifindex, const char *mode, int err, char *msg,
			 size_t msglen)
{
	if (err == -EBUSY || err == -EEXIST) {
		/* Attached by someone else between the check and now. */
		if (xdp_prog_check_free(ifname, ifindex, msg, msglen) < 0)
			return -EBUSY;
		return xdp_fail(msg, msglen, -EBUSY, "interface %s already has an XDP program",
				ifname);
	}
	if (err == -EPERM || err == -EACCES)
		return xdp_fail(msg, msglen, err, "attaching the steering program to %s: %s: %s",
				ifname, strerror(-err), xdp_perm_hint);
	if (err == -EOPNOTSUPP)
		return xdp_fail(msg, msglen, err,
				"interface %s has no %s XDP (%s): set xdp.mode=generic, or auto to "
				"fall back by itself",
				ifname, mode, strerror(-err));
	return xdp_fail(msg, msglen, err,
			"attaching the steering program to %s in %s mode failed: %s (a driver "
			"may refuse native XDP with a large MTU or too few queues: lower the MTU, "
			"or set xdp.mode=generic)",
			ifname, mode, strerror(-err));
}

static void read_prog_id(struct xdp_prog *pg)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(pg->link_fd, &info, &len) == 0)
		pg->prog_id = info.prog_id;
}

int xdp_prog_attach(struct xdp_prog *pg, const char *ifname, int ifindex, enum xdp_mode mode,
		    char *msg, size_t msglen)
{
	int err;

	if (mode == XDP_MODE_GENERIC) {
		err = link_xdp(pg, ifindex, XDP_FLAGS_SKB_MODE);
		if (err)
			return attach_failed(ifname, ifindex, "generic", err, msg, msglen);
	} else {
		err = link_xdp(pg, ifindex, XDP_FLAGS_DRV_MODE);
		if (err && (mode == XDP_MODE_NATIVE || final_error(err)))
			return attach_failed(ifname, ifindex, "native", err, msg, msglen);
		if (err) {
			xs_log(XS_LOG_INFO, "xdp: native XDP on %s failed (%s); trying generic",
			       ifname, strerror(-err));
			err = link_xdp(pg, ifindex, XDP_FLAGS_SKB_MODE);
			if (err)
				return attach_failed(ifname, ifindex, "generic", err, msg, msglen);
		}
	}
	read_prog_id(pg);
	return 0;
}

void xdp_prog_close(struct xdp_prog *pg)
{
	if (pg->link_fd >= 0)
		close(pg->link_fd);
	pg->link_fd = -1;
	xs_steer__destroy(pg->skel);
	pg->skel = NULL;
	xdp_steer_free(pg);
}

void xdp_prog_counters(struct xdp_prog *pg, uint64_t *redirected, uint64_t *passed)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *v;

	*redirected = *passed = 0;
	if (!pg->skel || ncpus <= 0)
		return;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return;
	for (__u32 key = 0; key < XS_STEER_NCOUNTERS; key++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(bpf_map__fd(pg->skel->maps.counters), &key, v) < 0)
			continue;
		for (int c = 0; c < ncpus; c++)
			sum += v[c];
		*(key == XS_STEER_REDIRECTED ? redirected : passed) = sum;
	}
	free(v);
}
