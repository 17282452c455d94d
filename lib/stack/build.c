/*
 * build.c — one UDP datagram as a whole Ethernet frame, written into the
 * driver's transmit buffer: Ethernet, IPv4 or IPv6, UDP with its checksum,
 * and the payload gathered from the caller's iovec.
 *
 * IPv4 leaves DF clear and numbers every datagram. The kernel sets DF on
 * UDP when it does path MTU discovery, which needs the ICMP "fragmentation
 * needed" messages that this stack does not process; with DF set, a
 * datagram larger than some link on the path would vanish without a trace,
 * so the stack lets routers fragment instead. A fragmentable datagram needs
 * an ID that does not repeat soon between the same hosts (RFC 6864): a
 * per-thread counter from a random start gives that without a shared
 * atomic on the transmit path.
 */
#include <errno.h>
#include <linux/if_ether.h>
#include <sys/random.h>
#include <time.h>

#include "stack_internal.h"

#define DEFAULT_TTL	 64
#define IPV4_MAX_PAYLOAD (65535 - XS_IPV4_HLEN - XS_UDP_HLEN)
#define IPV6_MAX_PAYLOAD (65535 - XS_UDP_HLEN)

static _Thread_local uint16_t ip_id;
static _Thread_local bool ip_id_seeded;

static uint16_t next_ip_id(void)
{
	if (!ip_id_seeded) {
		struct timespec ts;

		if (getrandom(&ip_id, sizeof(ip_id), GRND_NONBLOCK) != sizeof(ip_id)) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			ip_id = (uint16_t)(ts.tv_nsec ^ (uintptr_t)&ip_id);
		}
		ip_id_seeded = true;
	}
	return ip_id++;
}

size_t xs_udp_header_len(int family)
{
	if (family == AF_INET)
		return XS_ETH_HLEN + XS_IPV4_HLEN + XS_UDP_HLEN;
	if (family == AF_INET6)
		return XS_ETH_HLEN + XS_IPV6_HLEN + XS_UDP_HLEN;
	return 0;
}

/* The payload bytes, or SIZE_MAX if the iovec is unusable. */
static size_t iov_total(const struct iovec *iov, int iovcnt)
{
	size_t total = 0;
	int i;

	if (iovcnt < 0 || (iovcnt > 0 && !iov))
		return SIZE_MAX;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX / 2 - total)
			return SIZE_MAX / 2;
		total += iov[i].iov_len;
	}
	return total;
}

static void gather(uint8_t *dst, const struct iovec *iov, int iovcnt)
{
	int i;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(dst, iov[i].iov_base, iov[i].iov_len);
		dst += iov[i].iov_len;
	}
}

static void write_eth(uint8_t *eth, const struct xs_udp_tx *tx)
{
	memcpy(eth, tx->dst_mac, 6);
	memcpy(eth + 6, tx->src_mac, 6);
	xs_put_be16(eth + 12, tx->family == AF_INET ? ETH_P_IP : ETH_P_IPV6);
}

static void write_ipv4(uint8_t *ip, const struct xs_udp_tx *tx, uint16_t udp_len)
{
	uint16_t csum;

	ip[0] = 0x45; /* version 4, 5 words: no options */
	ip[1] = tx->tos;
	xs_put_be16(ip + 2, (uint16_t)(XS_IPV4_HLEN + udp_len));
	xs_put_be16(ip + 4, next_ip_id());
	xs_put_be16(ip + 6, 0); /* DF clear, see the top of the file */
	ip[8] = tx->ttl ? tx->ttl : DEFAULT_TTL;
	ip[9] = IPPROTO_UDP;
	xs_put_be16(ip + 10, 0);
	memcpy(ip + 12, tx->src.s6_addr + 12, 4);
	memcpy(ip + 16, tx->dst.s6_addr + 12, 4);
	csum = xs_csum_fold(xs_csum_add(0, ip, XS_IPV4_HLEN));
	memcpy(ip + 10, &csum, 2); /* already in network order */
}

static void write_ipv6(uint8_t *ip, const struct xs_udp_tx *tx, uint16_t udp_len)
{
	/* version 6, traffic class, flow label 0 */
	ip[0] = (uint8_t)(0x60 | tx->tos >> 4);
	ip[1] = (uint8_t)(tx->tos << 4);
	ip[2] = 0;
	ip[3] = 0;
	xs_put_be16(ip + 4, udp_len);
	ip[6] = IPPROTO_UDP;
	ip[7] = tx->ttl ? tx->ttl : DEFAULT_TTL;
	memcpy(ip + 8, tx->src.s6_addr, 16);
	memcpy(ip + 24, tx->dst.s6_addr, 16);
}

static void write_udp(uint8_t *udp, const struct xs_udp_tx *tx, uint16_t udp_len)
{
	uint16_t csum;

	xs_put_be16(udp, tx->sport);
	xs_put_be16(udp + 2, tx->dport);
	xs_put_be16(udp + 4, udp_len);
	xs_put_be16(udp + 6, 0);
	csum = xs_udp_csum(tx->family, &tx->src, &tx->dst, udp, udp_len);
	memcpy(udp + 6, &csum, 2);
}

ssize_t xs_udp_build(uint8_t *buf, size_t cap, const struct xs_udp_tx *tx)
{
	size_t hlen = xs_udp_header_len(tx->family);
	size_t plen = iov_total(tx->iov, tx->iovcnt);
	size_t max = tx->family == AF_INET ? IPV4_MAX_PAYLOAD : IPV6_MAX_PAYLOAD;
	uint16_t udp_len;

	if (!hlen)
		return -EAFNOSUPPORT;
	if (plen == SIZE_MAX)
		return -EINVAL;
	if (plen > max || hlen + plen > cap)
		return -EMSGSIZE;
	udp_len = (uint16_t)(XS_UDP_HLEN + plen);
	gather(buf + hlen, tx->iov, tx->iovcnt);
	write_eth(buf, tx);
	if (tx->family == AF_INET)
		write_ipv4(buf + XS_ETH_HLEN, tx, udp_len);
	else
		write_ipv6(buf + XS_ETH_HLEN, tx, udp_len);
	write_udp(buf + hlen - XS_UDP_HLEN, tx, udp_len);
	return (ssize_t)(hlen + plen);
}

ssize_t xs_packet_build(uint8_t *buf, size_t cap, const struct xs_packet_tx *tx)
{
	size_t hlen = tx->with_header ? XS_ETH_HLEN : 0;
	size_t plen = iov_total(tx->iov, tx->iovcnt);

	if (plen == SIZE_MAX)
		return -EINVAL;
	if (hlen + plen > cap)
		return -EMSGSIZE;
	if (tx->with_header) {
		memcpy(buf, tx->dst_mac, 6);
		memcpy(buf + 6, tx->src_mac, 6);
		memcpy(buf + 12, &tx->proto_be, 2);
	}
	gather(buf + hlen, tx->iov, tx->iovcnt);
	return (ssize_t)(hlen + plen);
}
