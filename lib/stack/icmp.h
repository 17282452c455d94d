/*
 * icmp.h — the ICMP and ICMPv6 answers of a driver that owns its
 * addresses (dpdk): echo replies to echo requests for one of its unicast
 * addresses, and port unreachable errors for UDP datagrams that no socket
 * is bound to, rate-limited as the kernel does (net.ipv4.icmp_msgs_per_sec
 * = 1000, icmp_msgs_burst = 50; echo replies are not limited, as they are
 * not in the kernel's default icmp_ratemask). Neighbour discovery is
 * ICMPv6 too, but it belongs to neigh.h: a driver hands a frame to
 * xs_neigh_input first.
 *
 * Like neigh.h: no DPDK types, frames in as pointer + length, answers out
 * through struct xs_xmit. A responder is not locked: the driver calls it
 * from its receive path only, where the stack lock serialises it.
 */
#ifndef XS_ICMP_H
#define XS_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "neigh.h"

/* A token bucket: rate tokens a second, at most burst stored. */
struct xs_icmp_limit {
	uint32_t rate, burst;
	uint32_t tokens;
	int64_t last_ns; /* when tokens were last added; 0 = never */
};

void xs_icmp_limit_init(struct xs_icmp_limit *l, uint32_t rate, uint32_t burst);
/* Take a token if there is one. */
bool xs_icmp_limit_allow(struct xs_icmp_limit *l, int64_t now_ns);

#define XS_ICMP_RATE  1000
#define XS_ICMP_BURST 50

struct xs_icmp_counters {
	uint64_t rx_echo; /* echo requests to one of our addresses */
	uint64_t tx_echo_reply;
	uint64_t rx_bad;	  /* malformed or bad checksum: dropped */
	uint64_t tx_unreach;	  /* port unreachable sent */
	uint64_t unreach_limited; /* not sent: over the rate */
	uint64_t unreach_skipped; /* not sent: broadcast, multicast, odd source, fragment */
	uint64_t tx_errors;	  /* the transmit callback failed */
};

struct xs_icmp;

/* addrs is copied. 0 or -ENOMEM. */
int xs_icmp_new(const struct xs_ifaddrs *addrs, const struct xs_xmit *xmit, struct xs_icmp **out);
void xs_icmp_free(struct xs_icmp *ic);
/* Change the rate limit of errors (tests, a future configuration key). */
void xs_icmp_set_limit(struct xs_icmp *ic, uint32_t rate, uint32_t burst);

/* An ICMP or ICMPv6 frame: answer an echo request for one of our unicast
 * addresses (ICMP type 8 / ICMPv6 type 128, checksums verified) with the
 * same identifier, sequence and data. Returns true if the frame was ICMP
 * or ICMPv6 (taken, answered or not), false for anything else. */
bool xs_icmp_input(struct xs_icmp *ic, const uint8_t *frame, uint32_t len, int64_t now_ns);

/* A UDP datagram for one of our addresses that no socket is bound to:
 * answer with port unreachable (ICMP type 3 code 3 carrying as much of
 * the datagram as fits in 576 bytes, RFC 1812 4.3.2.3; ICMPv6 type 1
 * code 4 carrying as much as fits in 1280 bytes, RFC 4443 2.4(c)),
 * unless RFC 1122 3.2.2 / RFC 4443 2.4(e) forbid it (link or IP broadcast
 * or multicast, a source that is not one host, a non-initial fragment) or
 * the rate limit says no. 0 sent, -EPERM not to be answered, -EAGAIN
 * over the rate, -EINVAL not a UDP datagram to us, or xmit's error. */
int xs_icmp_port_unreachable(struct xs_icmp *ic, const uint8_t *frame, uint32_t len,
			     int64_t now_ns);

void xs_icmp_counters(const struct xs_icmp *ic, struct xs_icmp_counters *out);

#endif
