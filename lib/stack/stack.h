/*
 * stack.h — the user-space protocol stack shared by the frame drivers
 * (drivers/xdp, drivers/dpdk): frames in, socket data out, and back.
 * For drivers only; applications must not include it.
 *
 * The stack knows nothing of AF_XDP or DPDK. A driver hands it bursts of
 * received frames (pointer + length) and recycles them as soon as
 * xs_stack_input returns: the stack copies what a socket keeps into that
 * socket's queue, so a slow reader never starves the driver's rings (a
 * full queue drops and counts, as a kernel socket does). For transmit the
 * driver finds the next hop (its own business: the kernel's tables for
 * xdp, ARP/ND for dpdk) and the stack builds the headers into the
 * driver's buffer.
 *
 * Threads: one xs_stack per interface. xs_stack_input and bind/unbind are
 * serialised by the stack's lock, which the driver takes around a burst
 * with xs_stack_lock/xs_stack_unlock (receive processing of one interface
 * is serialised; that keeps the demux table lock-free on the hot path).
 * The bind/connect/unbind calls, xs_stack_sock_set_rcvbuf and
 * xs_stack_sock_free take the stack lock themselves: never call them with
 * it held. The lock order is the stack lock, then a socket's reader lock.
 * A socket's queue is single-producer (input, under the stack lock)
 * single-consumer (xs_stack_sock_recv, under the socket's own lock), so a
 * reader never waits for the driver. Counters need no lock: they are
 * read as they are, and xs_stack_count_tx may be called from any thread.
 *
 * Readiness: every stack socket has an eventfd that is readable while its
 * queue holds data, so a driver can offer it (inside its pollable fileno)
 * to poll/epoll. Writes to it happen only on the empty -> non-empty edge
 * and never for the socket whose reader is itself driving the input
 * (run-to-completion costs no system call); that reader must call
 * xs_stack_sock_recv (or _peek_len) on it next, which signals the eventfd
 * if it leaves data queued. A wakeup may be spurious (recv then says
 * -EAGAIN); none is lost. The protocol is described in sock.c.
 *
 * Errors are -errno; parsers return an enum xs_pkt_verdict.
 */
#ifndef XS_STACK_H
#define XS_STACK_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* ---- frames ---- */

/* A received frame, valid until xs_stack_input returns. */
struct xs_frame {
	const uint8_t *data;
	uint32_t len;
};

/* ---- parsing (eth.c, ipv4.c, ipv6.c, udp.c) ----
 * Each layer's parser reads only inside [frame, frame + len) and fills
 * struct xs_pkt as far as it got. */
enum xs_pkt_verdict {
	XS_PKT_OK = 0,
	XS_PKT_MALFORMED, /* truncated, bad lengths, bad version: drop and count */
	XS_PKT_BAD_CSUM,  /* IPv4 header or UDP checksum wrong: drop and count */
	XS_PKT_UNHANDLED, /* valid but not ours to parse (IP options, fragments,
			   * extension headers, other protocols) */
};

struct xs_pkt {
	const uint8_t *frame;
	uint32_t len;
	/* Ethernet */
	const uint8_t *dst_mac, *src_mac;
	uint16_t ethertype; /* host order, after at most one 802.1Q tag */
	uint16_t l3_off;
	/* IP */
	int family; /* AF_INET or AF_INET6 once an IP parser succeeded */
	uint8_t ip_proto;
	uint16_t l4_off;
	uint32_t l4_len;	  /* from the IP header (trailing Ethernet padding excluded) */
	struct in6_addr src, dst; /* IPv4 as ::ffff:a.b.c.d */
	/* UDP */
	uint16_t sport, dport; /* host order */
	const uint8_t *payload;
	uint32_t payload_len;
};

enum xs_pkt_verdict xs_parse_eth(struct xs_pkt *p, const uint8_t *frame, uint32_t len);
/* After xs_parse_eth with ethertype 0x0800 / 0x86dd. Verify the IPv4
 * header checksum; fragments, options and non-UDP are XS_PKT_UNHANDLED. */
enum xs_pkt_verdict xs_parse_ipv4(struct xs_pkt *p);
enum xs_pkt_verdict xs_parse_ipv6(struct xs_pkt *p);
/* After an IP parser with ip_proto 17: lengths and checksum (a zero IPv4
 * UDP checksum means none; a zero IPv6 one is malformed). */
enum xs_pkt_verdict xs_parse_udp(struct xs_pkt *p);

/* ---- checksums (csum.c) ---- */
/* One's-complement sum of len bytes folded into sum (not inverted), over
 * 16-bit words as they lie in memory; only the last piece of a sum taken
 * in pieces may have an odd length. */
uint32_t xs_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold to 16 bits and invert: the checksum to store, already in network
 * byte order (memcpy it, no htons). A region that includes a correct
 * checksum folds to 0. */
uint16_t xs_csum_fold(uint32_t sum);
/* UDP checksum over the pseudo header, header (its checksum field zero)
 * and payload, as sent (network byte order; never 0, see RFC 768). */
uint16_t xs_udp_csum(int family, const struct in6_addr *src, const struct in6_addr *dst,
		     const uint8_t *udp, uint32_t udp_len);

/* ---- transmit (build.c) ---- */
struct xs_udp_tx {
	uint8_t src_mac[6], dst_mac[6];
	int family;
	struct in6_addr src, dst; /* IPv4 as ::ffff:a.b.c.d */
	uint16_t sport, dport;	  /* host order */
	uint8_t ttl;		  /* hop limit for IPv6; 0 = 64 */
	uint8_t tos;		  /* traffic class for IPv6 */
	const struct iovec *iov;
	int iovcnt;
};
/* Bytes of headers in front of the payload for this family (42 or 62; 0
 * for another family). */
size_t xs_udp_header_len(int family);
/* Write the whole frame into buf; returns its length, -EMSGSIZE if it
 * exceeds cap (the driver passes the MTU-bound room it has) or the
 * payload exceeds what IP carries (65507 / 65527 bytes), -EAFNOSUPPORT
 * for another family, -EINVAL for a bad iovec. IPv4: no options, DF
 * clear, a per-thread IP ID counter (build.c says why). No padding to
 * 60 bytes: NICs pad short frames themselves. */
ssize_t xs_udp_build(uint8_t *buf, size_t cap, const struct xs_udp_tx *tx);

/* A packet socket's frame: SOCK_RAW sends the payload as the whole frame;
 * SOCK_DGRAM (with_header) puts an Ethernet header in front. */
struct xs_packet_tx {
	bool with_header;
	uint8_t dst_mac[6], src_mac[6];
	uint16_t proto_be; /* ethertype, network order */
	const struct iovec *iov;
	int iovcnt;
};
/* Write the frame into buf; its length, or -EMSGSIZE beyond cap. */
ssize_t xs_packet_build(uint8_t *buf, size_t cap, const struct xs_packet_tx *tx);

/* ---- the stack and its sockets (stack.c, demux.c, queue.c) ---- */
struct xs_stack;
struct xs_stack_sock;

struct xs_stack_port {
	int ifindex;
	char ifname[IF_NAMESIZE];
	uint8_t mac[6]; /* frames to another MAC are PACKET_OTHERHOST and not
			 * given to UDP; all zero: unknown, every frame is ours */
	uint32_t mtu;
};

/* Counters of one interface (all frames the driver handed in). Each copy
 * queued to a socket counts in rx_delivered (a frame that a packet socket
 * and a UDP socket both take counts twice), each copy refused by a full
 * queue in rx_queue_full. The IP layer counts every frame it refuses
 * (malformed, bad_csum, unhandled, no_socket) whether or not a packet
 * socket took a copy; a frame it does not look at (not IP, or for another
 * MAC) counts in rx_unhandled only when no packet socket took it. */
struct xs_stack_counters {
	uint64_t rx_frames;	/* frames handed to xs_stack_input */
	uint64_t rx_delivered;	/* datagrams/frames queued to a socket */
	uint64_t rx_malformed;	/* truncated or inconsistent: dropped */
	uint64_t rx_bad_csum;	/* checksum wrong: dropped */
	uint64_t rx_unhandled;	/* options, fragments, other protocols: dropped
				 * (the steering program should have passed them) */
	uint64_t rx_no_socket;	/* no socket bound to the destination: dropped */
	uint64_t rx_queue_full; /* a socket's queue was full: dropped */
	uint64_t rx_control;	/* taken by the driver's control hook (ARP/ND, ICMP) */
	uint64_t tx_frames;
};

/* The driver's own protocols: a stack that owns its addresses (dpdk)
 * answers ARP/ND and ICMP itself and sends port unreachable. During
 * xs_stack_input, under the stack lock, after the packet sockets got
 * their copy, the hook sees: with XS_STACK_CTL_FRAME every frame that is
 * not IP, and ICMP/ICMPv6 to this host; with XS_STACK_CTL_NO_SOCKET a UDP
 * datagram to this host that no socket took (still counted in
 * rx_no_socket). It returns true if it took the frame (counted in
 * rx_control instead of rx_unhandled). It must not call back into the
 * stack's locking calls. */
enum xs_stack_ctl { XS_STACK_CTL_FRAME, XS_STACK_CTL_NO_SOCKET };
typedef bool (*xs_stack_ctl_fn)(void *ctx, const uint8_t *frame, uint32_t len,
				enum xs_stack_ctl why);
/* Install (or, with NULL, remove) the hook; takes the stack lock. */
void xs_stack_set_ctl(struct xs_stack *st, xs_stack_ctl_fn fn, void *ctx);

/* Per socket, as xs_stats shows it. */
struct xs_stack_sock_counters {
	uint64_t rx_packets, rx_bytes, rx_dropped; /* dropped: queue full */
	uint64_t tx_packets, tx_bytes;
};

/* NULL if out of memory. */
struct xs_stack *xs_stack_new(const struct xs_stack_port *port);
/* Every socket of the stack must have been freed first. */
void xs_stack_free(struct xs_stack *st);
const struct xs_stack_port *xs_stack_port(const struct xs_stack *st);
void xs_stack_lock(struct xs_stack *st);
bool xs_stack_trylock(struct xs_stack *st);
void xs_stack_unlock(struct xs_stack *st);
/* A snapshot of the interface counters (takes no lock: counters are
 * written under the stack lock and read as they are). */
void xs_stack_counters(const struct xs_stack *st, struct xs_stack_counters *out);
void xs_stack_count_tx(struct xs_stack *st, struct xs_stack_sock *ss, size_t bytes);

/* Parse, verify, demultiplex and queue n frames; the caller holds the
 * stack lock. self: the socket whose reader drives this input (no
 * eventfd write for it), or NULL. Returns how many frames were delivered
 * to at least one socket. */
unsigned xs_stack_input(struct xs_stack *st, const struct xs_frame *frames, unsigned n,
			struct xs_stack_sock *self);

/* A socket of the stack: family AF_INET/AF_INET6 with type SOCK_DGRAM
 * (UDP), or AF_PACKET with SOCK_RAW/SOCK_DGRAM. rcvbuf: queue bytes, 0 for
 * the kernel's default (/proc/sys/net/core/rmem_default). Each datagram
 * costs 32 bytes of record header plus its payload rounded up to 8; as in
 * the kernel, a UDP queue takes a datagram while what it holds does not
 * exceed rcvbuf (so an empty queue takes any), a packet socket while it
 * holds less than rcvbuf. NULL with errno EINVAL (family/type), ENOMEM,
 * EMFILE/ENFILE (eventfd). */
struct xs_stack_sock *xs_stack_sock_new(struct xs_stack *st, int family, int type, size_t rcvbuf);
/* Unbind (under the stack lock) and free; the eventfd is closed. */
void xs_stack_sock_free(struct xs_stack_sock *ss);
int xs_stack_sock_eventfd(const struct xs_stack_sock *ss);
/* Resize the queue (SO_RCVBUF: the caller doubles the value as the kernel
 * does); what is queued is kept, even beyond the new size. Takes the
 * stack lock and the reader lock. -ENOMEM leaves the queue as it was. */
int xs_stack_sock_set_rcvbuf(struct xs_stack_sock *ss, size_t bytes);
size_t xs_stack_sock_rcvbuf(const struct xs_stack_sock *ss);
/* Bytes of the next queued datagram, or -EAGAIN (for FIONREAD-like use).
 * Takes the reader lock. */
ssize_t xs_stack_sock_peek_len(struct xs_stack_sock *ss);
void xs_stack_sock_counters(const struct xs_stack_sock *ss, struct xs_stack_sock_counters *out);

/* UDP: deliver datagrams for this local address (sockaddr_in/in6; the
 * wildcard address matches any) and port. The driver has already
 * reserved the port with the kernel, so no two sockets of one process
 * clash unless SO_REUSEADDR/SO_REUSEPORT allowed it; the most specific
 * binding wins (connected, then exact address, then wildcard); a
 * broadcast or multicast datagram goes to every socket that matches.
 * Rebinding moves the socket. -EINVAL (another family, port 0, not a UDP
 * socket), -ENOMEM (the family's port table, 512 KiB, at its first bind). */
int xs_stack_bind_udp(struct xs_stack_sock *ss, const struct sockaddr *local);
/* UDP for a stack that owns its ports (no kernel reserves them): the
 * stack applies the kernel's rules itself. Port 0 takes a free port of
 * the ephemeral range 32768-60999 (written back into local); a port
 * whose address overlaps a bound socket's (equal, or either the
 * wildcard) is -EADDRINUSE unless both allowed reuse. -EINVAL, -ENOMEM
 * as xs_stack_bind_udp. */
int xs_stack_bind_udp_owned(struct xs_stack_sock *ss, struct sockaddr *local);
/* SO_REUSEADDR/SO_REUSEPORT for xs_stack_bind_udp_owned. */
void xs_stack_sock_set_reuse(struct xs_stack_sock *ss, bool reuse);
/* UDP: accept only datagrams from this peer (NULL or AF_UNSPEC: any; a
 * wildcard address or port 0 leaves that part open). -EINVAL. */
int xs_stack_connect_udp(struct xs_stack_sock *ss, const struct sockaddr *peer);
/* Packet socket: frames of this ethertype (host order; ETH_P_ALL = all;
 * 0 = none, as in the kernel). -EINVAL if not a packet socket. */
int xs_stack_bind_packet(struct xs_stack_sock *ss, uint16_t ethertype);
void xs_stack_unbind(struct xs_stack_sock *ss);

/* Dequeue one datagram (UDP payload, or for packet sockets the whole
 * frame for SOCK_RAW / the frame after the Ethernet header for
 * SOCK_DGRAM) into iov. from: sockaddr_in/in6 or sockaddr_ll (with
 * pkttype from the destination MAC), truncated to *fromlen which is set
 * to the full length. flags: MSG_PEEK, MSG_TRUNC (return the full length);
 * others are ignored. MSG_TRUNC is ORed into *msg_flags (if not NULL) when
 * the datagram was longer than iov. Returns the bytes copied (or the full
 * length with MSG_TRUNC), -EAGAIN if the queue is empty, -EINVAL for a
 * bad iovec. Takes the socket's reader lock. */
ssize_t xs_stack_sock_recv(struct xs_stack_sock *ss, const struct iovec *iov, int iovcnt,
			   struct sockaddr *from, socklen_t *fromlen, int flags, int *msg_flags);
/* Dequeue up to count datagrams into a batch of the public API (struct
 * xs_msg of xsocket.h: buf/len in; n, flags, addr.ss and addr.len out),
 * stopping at the first empty queue; returns how many. */
struct xs_msg;
unsigned xs_stack_sock_recv_msgs(struct xs_stack_sock *ss, struct xs_msg *msgs, unsigned count,
				 int flags);
/* Is anything queued? (no lock, no system call) */
bool xs_stack_sock_readable(const struct xs_stack_sock *ss);

#endif
