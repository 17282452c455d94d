/*
 * icmp.c — the ICMP and ICMPv6 messages that a host owning its addresses
 * must send: echo replies (RFC 792, RFC 4443 4.2) and port unreachable
 * errors for UDP datagrams nobody is bound to (RFC 1122 4.1.3.1), with
 * the rules on when an error must not be sent and a token bucket on the
 * errors, as the kernel has. Frames are read with xs_l3_parse and the
 * answers built straight into the driver's buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "icmp.h"

#define NS_PER_SEC 1000000000LL
#define ETH_HLEN   14
#define IPV4_HLEN  20
#define IPV6_HLEN  40
#define ICMP_HLEN  8
#define UDP_HLEN   8
#define TTL	   64
/* How much an error may carry: the whole error within 576 bytes for IPv4
 * (RFC 1812 4.3.2.3), within the minimum MTU of 1280 for IPv6. */
#define ERR4_MAX	    576
#define ERR6_MAX	    1280
#define TOS_INTERNETCONTROL 0xc0

enum {
	ICMP_ECHOREPLY = 0,
	ICMP_UNREACH = 3,
	ICMP_UNREACH_PORT = 3,
	ICMP_ECHO = 8,
	ICMP6_UNREACH = 1,
	ICMP6_UNREACH_PORT = 4,
	ICMP6_ECHO = 128,
	ICMP6_ECHOREPLY = 129,
	PROTO_ICMP = 1,
	PROTO_UDP = 17,
	PROTO_ICMPV6 = 58,
};

struct xs_icmp {
	struct xs_ifaddrs addrs;
	struct xs_xmit xmit;
	struct xs_icmp_limit limit;
	uint16_t ip_id;
	struct xs_icmp_counters cnt;
};

/* ---- the rate limit ---- */

void xs_icmp_limit_init(struct xs_icmp_limit *l, uint32_t rate, uint32_t burst)
{
	*l = (struct xs_icmp_limit){.rate = rate, .burst = burst, .tokens = burst};
}

bool xs_icmp_limit_allow(struct xs_icmp_limit *l, int64_t now_ns)
{
	int64_t per = l->rate ? NS_PER_SEC / l->rate : 0, add;

	if (per && l->tokens < l->burst && now_ns > l->last_ns) {
		add = (now_ns - l->last_ns) / per;
		if (add >= (int64_t)(l->burst - l->tokens)) {
			l->tokens = l->burst;
			l->last_ns = now_ns;
		} else if (add > 0) {
			l->tokens += (uint32_t)add;
			l->last_ns += add * per; /* keep the part of a token already earned */
		}
	} else if (l->tokens >= l->burst || now_ns < l->last_ns) {
		/* Full: no credit accrues. Or a clock that went back. */
		l->last_ns = now_ns;
	}
	if (!l->tokens)
		return false;
	l->tokens--;
	return true;
}

/* ---- building ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static uint8_t *put_eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, type);
	return buf + ETH_HLEN;
}

/* An IPv4 header from src to dst around len bytes of payload. */
static uint8_t *put_ipv4(uint8_t *ip, const struct in6_addr *src, const struct in6_addr *dst,
			 uint8_t tos, uint16_t id, uint32_t len)
{
	uint16_t csum;

	memset(ip, 0, IPV4_HLEN);
	ip[0] = 0x45;
	ip[1] = tos;
	put16(ip + 2, (uint16_t)(IPV4_HLEN + len));
	put16(ip + 4, id);
	ip[8] = TTL;
	ip[9] = PROTO_ICMP;
	memcpy(ip + 12, src->s6_addr + 12, 4);
	memcpy(ip + 16, dst->s6_addr + 12, 4);
	csum = xs_inet_csum(ip, IPV4_HLEN);
	memcpy(ip + 10, &csum, 2);
	return ip + IPV4_HLEN;
}

static uint8_t *put_ipv6(uint8_t *ip, const struct in6_addr *src, const struct in6_addr *dst,
			 uint32_t len)
{
	memset(ip, 0, 8);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)len);
	ip[6] = PROTO_ICMPV6;
	ip[7] = TTL;
	memcpy(ip + 8, src->s6_addr, 16);
	memcpy(ip + 24, dst->s6_addr, 16);
	return ip + IPV6_HLEN;
}

/* An answer to the packet in l3, from the address it was sent to: a
 * message of type/code whose body (after the 4 bytes of header) is
 * 4 bytes of rest (echo: identifier and sequence; errors: unused) and
 * then body_len bytes of body. */
struct answer {
	const struct xs_icmp *ic;
	const struct xs_l3 *l3;
	uint8_t type, code;
	const uint8_t *rest; /* 4 bytes, or NULL for zeros */
	const uint8_t *body;
	uint32_t body_len;
	uint16_t ip_id;
};

static ssize_t build_answer(uint8_t *buf, size_t cap, const void *arg)
{
	const struct answer *a = arg;
	const struct xs_l3 *l3 = a->l3;
	bool v4 = l3->family == AF_INET;
	uint32_t mlen = ICMP_HLEN + a->body_len;
	size_t len = ETH_HLEN + (v4 ? IPV4_HLEN : IPV6_HLEN) + mlen;
	uint8_t *m;
	uint16_t csum;

	if (cap < len)
		return -EMSGSIZE;
	m = put_eth(buf, l3->eth_src, a->ic->addrs.mac, v4 ? 0x0800 : 0x86dd);
	if (v4)
		m = put_ipv4(m, &l3->dst, &l3->src,
			     a->type == ICMP_ECHOREPLY ? 0 : TOS_INTERNETCONTROL, a->ip_id, mlen);
	else
		m = put_ipv6(m, &l3->dst, &l3->src, mlen);
	m[0] = a->type;
	m[1] = a->code;
	memset(m + 2, 0, 6);
	if (a->rest)
		memcpy(m + 4, a->rest, 4);
	memcpy(m + ICMP_HLEN, a->body, a->body_len);
	csum = v4 ? xs_inet_csum(m, mlen) : xs_icmp6_csum(&l3->dst, &l3->src, m, mlen);
	memcpy(m + 2, &csum, 2);
	return (ssize_t)len;
}

static int send_answer(struct xs_icmp *ic, struct answer *a, uint64_t *counter)
{
	ssize_t rc;

	a->ic = ic;
	a->ip_id = ic->ip_id++;
	rc = ic->xmit.send(ic->xmit.ctx, build_answer, a);
	if (rc < 0) {
		ic->cnt.tx_errors++;
		return (int)rc;
	}
	(*counter)++;
	return 0;
}

/* ---- echo ---- */

/* May this source be answered: one host, not a group or "nobody"? */
static bool src_is_host(const struct xs_ifaddrs *a, const struct xs_l3 *l3)
{
	const uint8_t *b = l3->src.s6_addr + 12;
	uint32_t host, v;

	if (l3->family == AF_INET6)
		return !IN6_IS_ADDR_UNSPECIFIED(&l3->src) && !IN6_IS_ADDR_MULTICAST(&l3->src);
	if (b[0] == 0 || b[0] == 127 || b[0] >= 224)
		return false;
	if (!a->v4.set || a->v4.plen >= 31)
		return true;
	/* Our subnet's broadcast address. */
	host = ~0u >> a->v4.plen;
	v = (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
	return (v & host) != host;
}

static void echo(struct xs_icmp *ic, const struct xs_l3 *l3)
{
	bool v4 = l3->family == AF_INET;
	struct answer a = {
		.l3 = l3,
		.type = v4 ? ICMP_ECHOREPLY : ICMP6_ECHOREPLY,
		.rest = l3->l4 + 4,
		.body = l3->l4 + ICMP_HLEN,
		.body_len = l3->l4_len - ICMP_HLEN,
	};

	ic->cnt.rx_echo++;
	send_answer(ic, &a, &ic->cnt.tx_echo_reply);
}

static bool csum_ok(const struct xs_l3 *l3)
{
	if (l3->family == AF_INET)
		return xs_inet_csum(l3->l4, l3->l4_len) == 0;
	return xs_icmp6_csum(&l3->src, &l3->dst, l3->l4, l3->l4_len) == 0;
}

bool xs_icmp_input(struct xs_icmp *ic, const uint8_t *frame, uint32_t len, int64_t now_ns)
{
	struct xs_l3 l3;
	uint8_t echo_type;

	if (xs_l3_parse(frame, len, &l3) != XS_PKT_OK)
		return false;
	if (l3.proto != (l3.family == AF_INET ? PROTO_ICMP : PROTO_ICMPV6))
		return false;
	/* Fragments are not reassembled: a fragmented ping goes unanswered. */
	if (l3.fragment || !xs_ifaddrs_owns(&ic->addrs, l3.family, &l3.dst))
		return true;
	if (l3.l4_len < ICMP_HLEN || !csum_ok(&l3)) {
		ic->cnt.rx_bad++;
		return true;
	}
	echo_type = l3.family == AF_INET ? ICMP_ECHO : ICMP6_ECHO;
	if (l3.l4[0] == echo_type && l3.l4[1] == 0 && src_is_host(&ic->addrs, &l3))
		echo(ic, &l3);
	return true;
}

/* ---- port unreachable ---- */

/* RFC 1122 3.2.2 and RFC 4443 2.4(e): no error about a datagram sent to
 * a link-layer group, from a source that is not one host, or about a
 * fragment other than the first. (The IP destination is ours, so it is
 * neither a group nor a broadcast address.) */
static bool may_answer(const struct xs_icmp *ic, const struct xs_l3 *l3)
{
	if (l3->eth_dst[0] & 1)
		return false;
	if (l3->family == AF_INET && (l3->ip[6] & 0x1f || l3->ip[7]))
		return false;
	return src_is_host(&ic->addrs, l3);
}

int xs_icmp_port_unreachable(struct xs_icmp *ic, const uint8_t *frame, uint32_t len, int64_t now_ns)
{
	bool v4;
	struct xs_l3 l3;
	struct answer a;
	uint32_t room;

	if (xs_l3_parse(frame, len, &l3) != XS_PKT_OK || l3.proto != PROTO_UDP ||
	    l3.l4_len < UDP_HLEN || !xs_ifaddrs_owns(&ic->addrs, l3.family, &l3.dst))
		return -EINVAL;
	if (!may_answer(ic, &l3)) {
		ic->cnt.unreach_skipped++;
		return -EPERM;
	}
	if (!xs_icmp_limit_allow(&ic->limit, now_ns)) {
		ic->cnt.unreach_limited++;
		return -EAGAIN;
	}
	v4 = l3.family == AF_INET;
	room = v4 ? ERR4_MAX - IPV4_HLEN - ICMP_HLEN : ERR6_MAX - IPV6_HLEN - ICMP_HLEN;
	a = (struct answer){
		.l3 = &l3,
		.type = v4 ? ICMP_UNREACH : ICMP6_UNREACH,
		.code = v4 ? ICMP_UNREACH_PORT : ICMP6_UNREACH_PORT,
		.body = l3.ip,
		.body_len = l3.ip_len < room ? l3.ip_len : room,
	};
	return send_answer(ic, &a, &ic->cnt.tx_unreach);
}

/* ---- the responder ---- */

int xs_icmp_new(const struct xs_ifaddrs *addrs, const struct xs_xmit *xmit, struct xs_icmp **out)
{
	struct xs_icmp *ic;

	*out = NULL;
	if (!xmit || !xmit->send)
		return -EINVAL;
	ic = calloc(1, sizeof(*ic));
	if (!ic)
		return -ENOMEM;
	ic->addrs = *addrs;
	ic->xmit = *xmit;
	xs_icmp_limit_init(&ic->limit, XS_ICMP_RATE, XS_ICMP_BURST);
	*out = ic;
	return 0;
}

void xs_icmp_free(struct xs_icmp *ic)
{
	free(ic);
}

void xs_icmp_set_limit(struct xs_icmp *ic, uint32_t rate, uint32_t burst)
{
	xs_icmp_limit_init(&ic->limit, rate, burst);
}

void xs_icmp_counters(const struct xs_icmp *ic, struct xs_icmp_counters *out)
{
	*out = ic->cnt;
}
