/*
 * host_helpers.c — see host_helpers.h.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "helpers.h"
#include "host_helpers.h"

const char *local_iface(void)
{
	const char *v = getenv("XSOCKET_XDP_IFACE");

	return v && *v ? v : "vB";
}

int readable(int fd, double seconds)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, (int)(seconds * 1000)) == 1;
}

void sockaddr_of(int family, const char *host, int port, struct sockaddr_storage *ss,
		 socklen_t *len)
{
	struct xs_addr a;

	if (family == AF_INET6)
		CHECK(xs_addr_inet6(&a, host, port, 0, 0));
	else
		CHECK(xs_addr_inet(&a, host, port));
	memcpy(ss, xs_addr_sa(&a), a.len);
	*len = a.len;
}

int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	cr_assert_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					      : ((struct sockaddr_in *)&ss)->sin_port);
}

void mac_of(int fd, const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	cr_assert_eq(ioctl(fd, SIOCGIFHWADDR, &ifr), 0, "MAC of %s: %s", ifname, strerror(errno));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
}

void numbered(uint8_t *buf, size_t len, unsigned i)
{
	pattern_fill(buf, len, (size_t)i * 7919);
	memcpy(buf, &i, sizeof i);
}

void assert_numbered(const uint8_t *buf, size_t len, unsigned i)
{
	uint8_t want[4096];

	cr_assert_leq(len, sizeof want);
	numbered(want, len, i);
	cr_assert(memcmp(buf, want, len) == 0, "datagram %u arrived damaged", i);
}

uint16_t inet_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *b = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
