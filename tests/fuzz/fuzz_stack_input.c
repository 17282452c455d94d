/*
 * fuzz_stack_input.c — arbitrary frames through xs_stack_input into a
 * stack with UDP sockets of both families (wildcard, exact, connected),
 * packet sockets (every frame, IPv4, ARP; raw and cooked) and small
 * queues that fill up, then every queue drained with and without
 * MSG_PEEK/MSG_TRUNC. Nothing may read outside a frame, every frame must
 * count once, and an emptied socket must be unreadable, eventfd included.
 *
 * Input: one byte of flags (bit 0: repair checksums; bits 1-3: the socket
 * that is `self`), then frames as a 16-bit big-endian length and bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <stdint.h>

#include "stack_fuzz.h"

#define NSOCKS	   8
#define MAX_FRAMES 16

static struct xs_stack *st;
static struct xs_stack_sock *socks[NSOCKS];

static struct xs_stack_sock *udp(int family, const char *addr, uint16_t port, size_t rcvbuf)
{
	struct xs_stack_sock *ss = xs_stack_sock_new(st, family, SOCK_DGRAM, rcvbuf);
	struct sockaddr_storage sa = {0};

	CHECK(ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&sa;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		CHECK(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sa;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		CHECK(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
	}
	CHECK(xs_stack_bind_udp(ss, (struct sockaddr *)&sa) == 0);
	return ss;
}

static struct xs_stack_sock *packet(int type, uint16_t ethertype)
{
	struct xs_stack_sock *ss = xs_stack_sock_new(st, AF_PACKET, type, 4096);

	CHECK(ss && xs_stack_bind_packet(ss, ethertype) == 0);
	return ss;
}

static void setup(void)
{
	struct xs_stack_port port = {.ifindex = 3, .mac = {2, 0, 0, 0, 0, 2}, .mtu = 1500};
	struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(1000)};

	st = xs_stack_new(&port);
	CHECK(st);
	socks[0] = udp(AF_INET, "0.0.0.0", 7, 3000);
	socks[1] = udp(AF_INET, "198.18.0.2", 7, 0);
	socks[2] = udp(AF_INET, "198.18.0.2", 9, 2000);
	inet_pton(AF_INET, "198.18.0.1", &peer.sin_addr);
	CHECK(xs_stack_connect_udp(socks[2], (struct sockaddr *)&peer) == 0);
	socks[3] = udp(AF_INET6, "::", 7, 3000);
	socks[4] = udp(AF_INET6, "2001:2::2", 53, 0);
	socks[5] = packet(SOCK_RAW, ETH_P_ALL);
	socks[6] = packet(SOCK_DGRAM, ETH_P_IP);
	socks[7] = packet(SOCK_RAW, ETH_P_ARP);
}

static bool eventfd_readable(const struct xs_stack_sock *ss)
{
	struct pollfd pfd = {.fd = xs_stack_sock_eventfd(ss), .events = POLLIN};

	return poll(&pfd, 1, 0) == 1;
}

/* Take everything out, checking lengths against what could have come. */
static void drain(struct xs_stack_sock *ss, int i)
{
	static uint8_t buf[70000];
	struct sockaddr_storage from;
	struct iovec iov[2] = {{buf, 7}, {buf + 7, sizeof(buf) - 7}};
	socklen_t fromlen;
	int mflags;
	ssize_t n, peek;

	while ((peek = xs_stack_sock_peek_len(ss)) >= 0) {
		CHECK(peek <= 65535);
		mflags = 0;
		n = xs_stack_sock_recv(ss, iov, 1, NULL, NULL, MSG_PEEK | MSG_TRUNC, &mflags);
		CHECK(n == peek && (peek > 7) == !!(mflags & MSG_TRUNC));
		fromlen = (socklen_t)(i % 3 ? sizeof(from) : 2);
		n = xs_stack_sock_recv(ss, iov, i % 2 ? 2 : 1, (struct sockaddr *)&from, &fromlen,
				       0, &mflags);
		CHECK(n == (i % 2 ? peek : (peek < 7 ? peek : 7)));
		CHECK(fromlen >= sizeof(struct sockaddr_in) && fromlen <= sizeof(from));
	}
	CHECK(peek == -EAGAIN);
	CHECK(!xs_stack_sock_readable(ss));
	CHECK(!eventfd_readable(ss));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xs_frame frames[MAX_FRAMES];
	uint8_t *copies[MAX_FRAMES];
	struct xs_stack_counters before, after;
	struct xs_stack_sock *self;
	unsigned n = 0, delivered;
	size_t off = 1;

	if (!st)
		setup();
	if (size < 1)
		return 0;
	self = (data[0] >> 1) & 1 ? socks[(data[0] >> 2) % NSOCKS] : NULL;
	while (n < MAX_FRAMES && off + 2 <= size) {
		size_t len = (size_t)(data[off] << 8 | data[off + 1]);

		off += 2;
		len = len < size - off ? len : size - off;
		copies[n] = fuzz_copy(data + off, len);
		CHECK(copies[n]);
		if (data[0] & 1)
			fuzz_fix_csums(copies[n], len);
		frames[n] = (struct xs_frame){copies[n], (uint32_t)len};
		off += len;
		n++;
	}
	xs_stack_counters(st, &before);
	xs_stack_lock(st);
	delivered = xs_stack_input(st, frames, n, self);
	xs_stack_unlock(st);
	xs_stack_counters(st, &after);
	CHECK(delivered <= n && after.rx_frames == before.rx_frames + n);
	CHECK(after.rx_delivered - before.rx_delivered >= delivered);
	for (int i = 0; i < NSOCKS; i++)
		drain(socks[i], i);
	for (unsigned i = 0; i < n; i++)
		free(copies[i]);
	return 0;
}
