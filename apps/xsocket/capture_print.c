/*
 * capture_print.c — one line per frame when `xsocket capture` writes no
 * file, in the manner of `tcpdump -e -n`: the local time, the Ethernet
 * addresses and type, the frame's length, then for IPv4 and IPv6 the
 * addresses, the ports of UDP and TCP (with TCP's flags), the type of
 * ICMP, and for ARP who asks for whom. Every field is read only after
 * checking that the captured bytes hold it; what is cut short or unknown
 * is left undecoded.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "capture.h"

struct l4 {
	const unsigned char *p; /* the transport header */
	size_t cap;		/* bytes of it captured */
	size_t len;		/* its length in the IP packet, header included */
	const char *src, *dst;	/* numeric addresses */
	bool v6;
};

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void print_mac(FILE *f, const unsigned char *m)
{
	fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void print_udp(FILE *f, const struct l4 *t)
{
	if (t->cap < 8) {
		fprintf(f, "%s > %s: UDP, truncated", t->src, t->dst);
		return;
	}
	fprintf(f, "%s.%u > %s.%u: UDP, length %u", t->src, get16(t->p), t->dst, get16(t->p + 2),
		get16(t->p + 4) >= 8 ? get16(t->p + 4) - 8 : 0);
}

static void print_tcp(FILE *f, const struct l4 *t)
{
	static const struct {
		unsigned bit;
		char c;
	} flags[] = {{0x01, 'F'}, {0x02, 'S'}, {0x04, 'R'}, {0x08, 'P'},
		     {0x10, '.'}, {0x20, 'U'}, {0x40, 'E'}, {0x80, 'W'}};
	char fl[9] = "";
	size_t n = 0, hdr;

	if (t->cap < 20) {
		fprintf(f, "%s > %s: TCP, truncated", t->src, t->dst);
		return;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (t->p[13] & flags[i].bit)
			fl[n++] = flags[i].c;
	hdr = (size_t)(t->p[12] >> 4) * 4;
	fprintf(f, "%s.%u > %s.%u: Flags [%s], length %zu", t->src, get16(t->p), t->dst,
		get16(t->p + 2), n ? fl : "none", t->len > hdr ? t->len - hdr : 0);
}

static const char *icmp_name(int type, bool v6)
{
	switch (type | (v6 ? 0x100 : 0)) {
	case 0:
		return "echo reply";
	case 3:
		return "unreachable";
	case 8:
		return "echo request";
	case 11:
		return "time exceeded";
	case 0x100 | 1:
		return "unreachable";
	case 0x100 | 128:
		return "echo request";
	case 0x100 | 129:
		return "echo reply";
	case 0x100 | 133:
		return "router solicitation";
	case 0x100 | 134:
		return "router advertisement";
	case 0x100 | 135:
		return "neighbor solicitation";
	case 0x100 | 136:
		return "neighbor advertisement";
	}
	return NULL;
}

static void print_icmp(FILE *f, const struct l4 *t)
{
	const char *name = t->cap >= 2 ? icmp_name(t->p[0], t->v6) : NULL;

	fprintf(f, "%s > %s: %s, ", t->src, t->dst, t->v6 ? "ICMP6" : "ICMP");
	if (name)
		fprintf(f, "%s, ", name);
	else if (t->cap >= 2)
		fprintf(f, "type %u, code %u, ", t->p[0], t->p[1]);
	fprintf(f, "length %zu", t->len);
}

static void print_l4(FILE *f, int proto, const struct l4 *t)
{
	if (proto == 17)
		print_udp(f, t);
	else if (proto == 6)
		print_tcp(f, t);
	else if (proto == (t->v6 ? 58 : 1))
		print_icmp(f, t);
	else
		fprintf(f, "%s > %s: ip-proto-%d, length %zu", t->src, t->dst, proto, t->len);
}

static void print_ipv4(FILE *f, const unsigned char *p, size_t cap)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	struct l4 t = {.src = src, .dst = dst};
	size_t ihl = cap ? (size_t)(p[0] & 15) * 4 : 0;
	size_t tot;

	if (cap < 20 || p[0] >> 4 != 4 || ihl < 20 || cap < ihl) {
		fputs("IP, truncated", f);
		return;
	}
	inet_ntop(AF_INET, p + 12, src, sizeof(src));
	inet_ntop(AF_INET, p + 16, dst, sizeof(dst));
	tot = get16(p + 2);
	t.p = p + ihl;
	t.cap = cap - ihl;
	t.len = tot > ihl ? tot - ihl : 0;
	if (get16(p + 6) & 0x1fff) { /* a later fragment: no transport header */
		fprintf(f, "%s > %s: ip-proto-%u fragment, length %zu", src, dst, p[9], t.len);
		return;
	}
	print_l4(f, p[9], &t);
}

static void print_ipv6(FILE *f, const unsigned char *p, size_t cap)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct l4 t = {.src = src, .dst = dst, .v6 = true};

	if (cap < 40 || p[0] >> 4 != 6) {
		fputs("IP6, truncated", f);
		return;
	}
	inet_ntop(AF_INET6, p + 8, src, sizeof(src));
	inet_ntop(AF_INET6, p + 24, dst, sizeof(dst));
	t.p = p + 40;
	t.cap = cap - 40;
	t.len = get16(p + 4);
	print_l4(f, p[6], &t); /* extension headers show as their own ip-proto */
}

static void print_arp(FILE *f, const unsigned char *p, size_t cap)
{
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];

	/* Ethernet and IPv4 only: hardware type 1, protocol 0x0800, 6 and 4 */
	if (cap < 28 || get16(p) != 1 || get16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		fputs("ARP", f);
		return;
	}
	inet_ntop(AF_INET, p + 14, spa, sizeof(spa));
	inet_ntop(AF_INET, p + 24, tpa, sizeof(tpa));
	if (get16(p + 6) == 1) {
		fprintf(f, "ARP, Request who-has %s tell %s", tpa, spa);
	} else if (get16(p + 6) == 2) {
		fprintf(f, "ARP, Reply %s is-at ", spa);
		print_mac(f, p + 8);
	} else {
		fprintf(f, "ARP, opcode %u", get16(p + 6));
	}
}

static const char *ethertype_name(unsigned type)
{
	switch (type) {
	case 0x0800:
		return "IPv4";
	case 0x0806:
		return "ARP";
	case 0x86dd:
		return "IPv6";
	case 0x8100:
		return "802.1Q";
	case 0x88cc:
		return "LLDP";
	}
	return "Unknown";
}

static void print_time(FILE *f, const struct timeval *tv)
{
	time_t sec = tv->tv_sec;
	struct tm tm;

	if (!localtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	fprintf(f, "%02d:%02d:%02d.%06ld ", tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv->tv_usec);
}

void capture_print(FILE *f, const struct capture_frame *fr, const unsigned char *frame)
{
	size_t cap = fr->hdr.caplen;
	unsigned type;

	print_time(f, &fr->hdr.ts);
	if (fr->pkttype == PACKET_OUTGOING)
		fputs("Out ", f);
	if (cap < 14) {
		fprintf(f, "truncated frame, length %u\n", fr->hdr.len);
		return;
	}
	type = get16(frame + 12);
	print_mac(f, frame + 6);
	fputs(" > ", f);
	print_mac(f, frame);
	fprintf(f, ", ethertype %s (0x%04x), length %u", ethertype_name(type), type, fr->hdr.len);
	if (type == 0x0800 || type == 0x86dd || type == 0x0806)
		fputs(": ", f);
	if (type == 0x0800)
		print_ipv4(f, frame + 14, cap - 14);
	else if (type == 0x86dd)
		print_ipv6(f, frame + 14, cap - 14);
	else if (type == 0x0806)
		print_arp(f, frame + 14, cap - 14);
	fputc('\n', f);
}
