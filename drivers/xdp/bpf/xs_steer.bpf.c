/*
 * xs_steer.bpf.c — the steering program of the xdp transport. It runs on
 * every frame the interface receives and redirects to the AF_XDP socket
 * of the frame's RX queue only what belongs to an xsocket socket: UDP
 * datagrams to a bound endpoint (exact address, then wildcard) and frames
 * of an ethertype a packet socket asked for. Everything else — ping, TCP,
 * other ports, IPv4 options and fragments, IPv6 extension headers — goes
 * on to the kernel (XDP_PASS), so the host keeps working. A queue without
 * a socket passes too: bpf_redirect_map falls back to XDP_PASS.
 *
 * User space (xdp_steer.c) fills the maps; the layout is in xs_steer.h.
 */
#include <stdbool.h>

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xs_steer.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, XS_STEER_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_STEER_MAX_UDP);
	__type(key, struct xs_steer_udp_key);
	__type(value, __u32);
} udp_steer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_STEER_MAX_ETHERTYPES);
	__type(key, __be16);
	__type(value, __u32);
} eth_steer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_STEER_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* 802.1Q tag between the MAC addresses and the ethertype. */
struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

static __always_inline int count(int action)
{
	__u32 idx = action == XDP_REDIRECT ? XS_STEER_REDIRECTED : XS_STEER_PASSED;
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += 1;
	return action;
}

static __always_inline int redirect(struct xdp_md *ctx)
{
	return count(bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS));
}

/* key holds family, port and the exact address: try it, then the
 * wildcard of the same family and port. */
static __always_inline bool udp_steered(struct xs_steer_udp_key *key)
{
	if (bpf_map_lookup_elem(&udp_steer, key))
		return true;
	__builtin_memset(key->addr, 0, sizeof(key->addr));
	return bpf_map_lookup_elem(&udp_steer, key) != NULL;
}

static __always_inline bool ipv4_steered(void *l3, void *end)
{
	struct iphdr *ip = l3;
	struct udphdr *udp = (void *)(ip + 1);
	struct xs_steer_udp_key key;

	if ((void *)(udp + 1) > end)
		return false;
	/* Options, fragments (MF set or an offset) and non-UDP stay with
	 * the kernel, which reassembles and answers them. */
	if (ip->version != 4 || ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)) ||
	    ip->protocol != IPPROTO_UDP)
		return false;
	__builtin_memset(&key, 0, sizeof(key));
	key.family = XS_STEER_INET;
	key.port = udp->dest;
	__builtin_memcpy(key.addr, &ip->daddr, 4);
	return udp_steered(&key);
}

static __always_inline bool ipv6_steered(void *l3, void *end)
{
	struct ipv6hdr *ip6 = l3;
	struct udphdr *udp = (void *)(ip6 + 1);
	struct xs_steer_udp_key key;

	if ((void *)(udp + 1) > end)
		return false;
	/* Extension headers (fragments among them) stay with the kernel. */
	if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
		return false;
	__builtin_memset(&key, 0, sizeof(key));
	key.family = XS_STEER_INET6;
	key.port = udp->dest;
	__builtin_memcpy(key.addr, &ip6->daddr, 16);
	return udp_steered(&key);
}

static __always_inline bool ethertype_steered(__be16 proto)
{
	__be16 all = bpf_htons(XS_STEER_ETH_ALL);

	return bpf_map_lookup_elem(&eth_steer, &proto) || bpf_map_lookup_elem(&eth_steer, &all);
}

SEC("xdp")
int xs_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__be16 proto;

	if (l3 > end)
		return count(XDP_PASS);
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q)) {
		struct vlan_tag *tag = l3;

		if ((void *)(tag + 1) > end)
			return count(XDP_PASS);
		proto = tag->proto;
		l3 = tag + 1;
	}
	if (ethertype_steered(proto))
		return redirect(ctx);
	if (proto == bpf_htons(ETH_P_IP) && ipv4_steered(l3, end))
		return redirect(ctx);
	if (proto == bpf_htons(ETH_P_IPV6) && ipv6_steered(l3, end))
		return redirect(ctx);
	return count(XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
