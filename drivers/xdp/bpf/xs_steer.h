/*
 * xs_steer.h — the layout of the steering program's maps, shared by the
 * program (xs_steer.bpf.c, compiled by clang -target bpf) and the user
 * space that fills them (xdp_steer.c). Only fixed-width kernel types, so
 * that both sides see the same bytes.
 */
#ifndef XS_STEER_H
#define XS_STEER_H

#include <linux/types.h>

/* Sizes of the maps. The XSKMAP is indexed by RX queue id, and the
 * configuration names queues with a 64-bit mask. */
#define XS_STEER_MAX_QUEUES	64
#define XS_STEER_MAX_UDP	4096
#define XS_STEER_MAX_ETHERTYPES 64

/* The address families of a key: the values of AF_INET and AF_INET6,
 * spelled out because the BPF side has no <sys/socket.h>. */
#define XS_STEER_INET  2
#define XS_STEER_INET6 10

/* A steered UDP endpoint. port is in network order, as in the header.
 * addr holds the 4 bytes of an IPv4 address followed by zeros, or the 16
 * of an IPv6 one; all zeros is the wildcard, which the program tries when
 * the exact destination is not in the map. */
struct xs_steer_udp_key {
	__u8 family;
	__u8 pad;
	__be16 port;
	__u8 addr[16];
};

/* The ethertype map's key is the ethertype in network order (after at
 * most one 802.1Q tag); XS_STEER_ETH_ALL (ETH_P_ALL) steers every frame.
 * Both maps' values are a __u32 that the program does not read. */
#define XS_STEER_ETH_ALL 0x0003

/* Indices of the per-CPU counter array. */
enum xs_steer_counter {
	XS_STEER_REDIRECTED = 0, /* handed to the AF_XDP socket of the queue */
	XS_STEER_PASSED,	 /* left to the kernel */
	XS_STEER_NCOUNTERS,
};

#endif
