/*
 * host_helpers.h — what the host tests of the frame transports
 * (test_xdp.c, test_dpdk.c) share on the testbed: the interface under
 * test, kernel sockets and their addresses, numbered datagrams, and the
 * Internet checksum for hand-built frames.
 */
#ifndef XS_TEST_HOST_HELPERS_H
#define XS_TEST_HOST_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The interface under test (XSOCKET_XDP_IFACE, else the testbed's vB). */
const char *local_iface(void);
/* fd becomes readable within `seconds`. */
int readable(int fd, double seconds);
/* host:port as a sockaddr of the family. */
void sockaddr_of(int family, const char *host, int port, struct sockaddr_storage *ss,
		 socklen_t *len);
/* The local port of a kernel socket. */
int port_of(int fd);
/* The MAC of an interface, asked through fd. */
void mac_of(int fd, const char *ifname, uint8_t mac[6]);
/* A datagram of `len` bytes that says which of a series it is, and the
 * check that one arrived intact. */
void numbered(uint8_t *buf, size_t len, unsigned i);
void assert_numbered(const uint8_t *buf, size_t len, unsigned i);
/* The Internet checksum of data, on top of the partial sum `sum`. */
uint16_t inet_csum(const void *data, size_t len, uint32_t sum);
/* A 16-bit value in network order. */
void put16(uint8_t *p, uint16_t v);

#endif
