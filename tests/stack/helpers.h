/*
 * helpers.h — what the lib/stack suites share: one stack on a port with a
 * known MAC, the two hosts of the test network (198.18.0.1 / 2001:2::1 is
 * the peer, 198.18.0.2 / 2001:2::2 is us), and frames built, edited and fed
 * to the stack the way a driver feeds them.
 */
#ifndef XS_TEST_STACK_HELPERS_H
#define XS_TEST_STACK_HELPERS_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "stack.h"

#define PORT_IFINDEX 7
#define FRAME_MAX    2048

extern const uint8_t our_mac[6], peer_mac[6];
/* The stack of the current test (created by the fixture) */
extern struct xs_stack *st;

void stack_setup(void);
void stack_teardown(void);

/* "198.18.0.1" (as ::ffff:198.18.0.1) or "2001:2::1". */
struct in6_addr addr_of(const char *text);
int family_of(const char *text);
/* A sockaddr_in/in6 for text and port; returns its length. */
socklen_t sockaddr_of(struct sockaddr_storage *sa, const char *text, uint16_t port);

/* A UDP frame from src:sport to dst:dport (family from the addresses),
 * built by xs_udp_build to our MAC from the peer's. Returns its length. */
size_t udp_frame(uint8_t *buf, const char *src, uint16_t sport, const char *dst, uint16_t dport,
		 const void *payload, size_t len);
/* Offsets in an untagged frame of that family. */
size_t l4_offset(int family);
/* After editing a frame: recompute the IPv4 header checksum (header at
 * l3) and the UDP checksum (UDP at l4, length from its header). */
void fix_ipv4_csum(uint8_t *frame, size_t l3);
void fix_udp_csum(uint8_t *frame, int family, size_t l3, size_t l4);

/* Feed one frame under the stack lock, as a driver does. */
unsigned feed(const uint8_t *frame, size_t len, struct xs_stack_sock *self);
struct xs_stack_counters counters(void);

/* A UDP socket bound to addr:port (tracked: the fixture frees it). */
struct xs_stack_sock *udp_sock(const char *addr, uint16_t port);
struct xs_stack_sock *packet_sock(int type, uint16_t ethertype);
struct xs_stack_sock *track(struct xs_stack_sock *ss);
void untrack(struct xs_stack_sock *ss);

/* recv into buf; from/fromlen may be NULL. */
ssize_t recv_buf(struct xs_stack_sock *ss, void *buf, size_t cap, struct sockaddr_storage *from,
		 socklen_t *fromlen, int flags, int *msg_flags);
/* Is the socket's eventfd readable right now? */
bool eventfd_readable(const struct xs_stack_sock *ss);

#endif
