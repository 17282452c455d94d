/*
 * numbers.c — the module's table lookups and conversions that need no
 * resolver: protocol and service numbers (/etc/protocols, /etc/services
 * through NSS), IP address text <-> binary, the CMSG_LEN/CMSG_SPACE
 * arithmetic, network interface names and indexes, and has_ipv6.
 *
 * The errors are CPython 3.11's, code and text, since programs match on
 * them: a lookup that finds nothing is an OSError without errno, a bad
 * argument a ValueError/OverflowError. Only thread-safe C calls are used.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* One /etc/protocols or /etc/services line with its aliases fits easily. */
#define ENTRY_BUF 4096

/* CPython bounds CMSG_LEN/CMSG_SPACE by the largest socklen_t it accepts. */
#define SOCKLEN_LIMIT ((size_t)INT_MAX)

/* ---- protocols and services ---- */

int xs_getprotobyname(const char *name)
{
	struct protoent pe, *res = NULL;
	char buf[ENTRY_BUF];
	int rc;

	if (XS_NONNULL("getprotobyname", name) < 0)
		return -1;
	rc = getprotobyname_r(name, &pe, buf, sizeof(buf), &res);
	if (rc == ERANGE)
		return xs_fail_os(ERANGE, "getprotobyname(%s): entry larger than %d bytes", name,
				  ENTRY_BUF);
	if (!res)
		return xs_fail_os(0, "protocol not found");
	return res->p_proto;
}

int xs_getservbyname(const char *service, const char *proto)
{
	struct servent se, *res = NULL;
	char buf[ENTRY_BUF];
	int rc;

	if (XS_NONNULL("getservbyname", service) < 0)
		return -1;
	rc = getservbyname_r(service, proto, &se, buf, sizeof(buf), &res);
	if (rc == ERANGE)
		return xs_fail_os(ERANGE, "getservbyname(%s): entry larger than %d bytes",
				  service, ENTRY_BUF);
	if (!res)
		return xs_fail_os(0, "service/proto not found");
	return ntohs(res->s_port);
}

int xs_getservbyport(int port, const char *proto, char *buf, size_t len)
{
	struct servent se, *res = NULL;
	char entry[ENTRY_BUF];
	int rc;

	if (XS_NONNULL("getservbyport", buf) < 0)
		return -1;
	if (port < 0 || port > 0xffff)
		return xs_fail_value(EOVERFLOW, "getservbyport: port must be 0-65535.");
	rc = getservbyport_r(htons(port), proto, &se, entry, sizeof(entry), &res);
	if (rc == ERANGE)
		return xs_fail_os(ERANGE, "getservbyport(%d): entry larger than %d bytes", port,
				  ENTRY_BUF);
	if (!res)
		return xs_fail_os(0, "port/proto not found");
	return xs_copy_out(res->s_name, buf, len, "getservbyport");
}

/* ---- IP addresses ---- */

int xs_inet_aton(const char *ip, struct in_addr *out)
{
	if (XS_NONNULL("inet_aton", ip) < 0 || XS_NONNULL("inet_aton", out) < 0)
		return -1;

	/* inet_aton, unlike inet_pton, takes the short forms ("127.1"). */
	if (!inet_aton(ip, out))
		return xs_fail_os(0, "illegal IP address string passed to inet_aton");
	return 0;
}

int xs_inet_ntoa(struct in_addr in, char *buf, size_t len)
{
	char text[INET_ADDRSTRLEN];

	if (XS_NONNULL("inet_ntoa", buf) < 0)
		return -1;
	inet_ntop(AF_INET, &in, text, sizeof(text));
	return xs_copy_out(text, buf, len, "inet_ntoa");
}

/* Bytes of a packed address of family af, 0 for families without one. */
static size_t packed_len(int af)
{
	switch (af) {
	case AF_INET:
		return sizeof(struct in_addr);
	case AF_INET6:
		return sizeof(struct in6_addr);
	default:
		return 0;
	}
}

int xs_inet_pton(int af, const char *ip, void *out, size_t outlen)
{
	unsigned char packed[sizeof(struct in6_addr)];
	int rc;

	if (XS_NONNULL("inet_pton", ip) < 0 || XS_NONNULL("inet_pton", out) < 0)
		return -1;
	rc = inet_pton(af, ip, packed);
	if (rc < 0)
		return xs_fail_os(errno, "inet_pton: address family %d: %s", af, strerror(errno));
	if (rc == 0)
		return xs_fail_os(0, "illegal IP address string passed to inet_pton");
	if (outlen < packed_len(af))
		return xs_fail_os(ERANGE, "inet_pton: result needs %zu bytes, buffer has %zu",
				  packed_len(af), outlen);
	memcpy(out, packed, packed_len(af));
	return (int)packed_len(af);
}

int xs_inet_ntop(int af, const void *packed, size_t packedlen, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	if (XS_NONNULL("inet_ntop", packed) < 0 || XS_NONNULL("inet_ntop", buf) < 0)
		return -1;
	if (!packed_len(af))
		return xs_fail_value(EAFNOSUPPORT, "unknown address family %d", af);
	if (packedlen != packed_len(af))
		return xs_fail_value(EINVAL, "invalid length of packed IP address string");
	if (!inet_ntop(af, packed, text, sizeof(text)))
		return xs_fail_os(errno, "inet_ntop: %s", strerror(errno));
	return xs_copy_out(text, buf, len, "inet_ntop");
}

/* ---- ancillary data sizes ---- */

ssize_t xs_cmsg_len(size_t length)
{
	if (length > SOCKLEN_LIMIT - CMSG_LEN(0))
		return xs_fail_value(EOVERFLOW, "CMSG_LEN() argument out of range");
	return CMSG_LEN(length);
}

ssize_t xs_cmsg_space(size_t length)
{
	/* CMSG_SPACE(1) counts the padding both before and after the data. */
	if (length > SOCKLEN_LIMIT - CMSG_SPACE(1))
		return xs_fail_value(EOVERFLOW, "CMSG_SPACE() argument out of range");
	return CMSG_SPACE(length);
}

/* ---- network interfaces ---- */

/* The array, a {0, NULL} terminator and the names share one allocation,
 * so xs_free_ifnames() is a single free() whatever the count. */
static struct xs_ifname *ifnames_copy(const struct if_nameindex *ifs, size_t n)
{
	struct xs_ifname *v = malloc((n + 1) * (sizeof(*v) + IF_NAMESIZE));
	char *names;
	size_t i;

	if (!v)
		return NULL;
	names = (char *)(v + n + 1);
	for (i = 0; i < n; i++) {
		v[i].index = ifs[i].if_index;
		v[i].name = names + i * IF_NAMESIZE;
		snprintf(v[i].name, IF_NAMESIZE, "%s", ifs[i].if_name);
	}
	v[n] = (struct xs_ifname){ 0, NULL };
	return v;
}

struct xs_ifname *xs_if_nameindex(size_t *count)
{
	struct if_nameindex *ifs;
	struct xs_ifname *v;
	size_t n = 0;

	if (XS_NONNULL("if_nameindex", count) < 0)
		return NULL;
	ifs = if_nameindex();
	if (!ifs) {
		xs_fail_os(errno, "if_nameindex: %s", strerror(errno));
		return NULL;
	}
	while (ifs[n].if_index)
		n++;
	v = ifnames_copy(ifs, n);
	if_freenameindex(ifs);
	if (!v) {
		xs_fail_os(ENOMEM, "if_nameindex: out of memory copying %zu interfaces", n);
		return NULL;
	}
	*count = n;
	return v;
}

void xs_free_ifnames(struct xs_ifname *v, size_t count)
{
	free(v);
}

unsigned xs_if_nametoindex(const char *name)
{
	unsigned index;

	if (XS_NONNULL("if_nametoindex", name) < 0)
		return 0;
	index = if_nametoindex(name);
	if (!index)
		xs_fail_os(errno, "no interface with this name");
	return index;
}

int xs_if_indextoname(unsigned index, char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (XS_NONNULL("if_indextoname", buf) < 0)
		return -1;
	if (!if_indextoname(index, name))
		return xs_fail_os(errno, "if_indextoname(%u): %s", index, strerror(errno));
	return xs_copy_out(name, buf, len, "if_indextoname");
}

/* ---- IPv6 ---- */

int xs_has_ipv6(void)
{
	int saved_errno = errno;
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		errno = saved_errno;
		return 0;
	}
	close(fd);
	return 1;
}
