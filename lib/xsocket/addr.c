/*
 * addr.c — the address constructors and accessors of xsocket.h.
 *
 * Each constructor turns the arguments of one Python address form into
 * its family's sockaddr inside a struct xs_addr, validating them as
 * CPython's getsockaddrarg() does, and resolving host names now, in the
 * constructor's family. The struct is zeroed first, so a failed call
 * leaves "no address" (AF_UNSPEC) behind. addr_format.c renders an
 * address back the way Python prints it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <linux/can.h>
#include <linux/if_alg.h>
#include <linux/netlink.h>
#include <linux/qrtr.h>
#include <linux/tipc.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netdb.h>
#include <netpacket/packet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "internal.h"

/*
 * The Bluetooth socket ABI. glibc does not ship it and BlueZ's headers are
 * an optional package, so the kernel's layouts (include/net/bluetooth/)
 * are spelled out here; a bdaddr is stored with its last octet first.
 */
#define BTPROTO_L2CAP 0
#define BTPROTO_HCI 1
#define BTPROTO_SCO 2
#define BTPROTO_RFCOMM 3

struct xs_sockaddr_l2 {
	sa_family_t l2_family;
	uint16_t l2_psm; /* little-endian */
	uint8_t l2_bdaddr[6];
	uint16_t l2_cid;
	uint8_t l2_bdaddr_type;
};

struct xs_sockaddr_rc {
	sa_family_t rc_family;
	uint8_t rc_bdaddr[6];
	uint8_t rc_channel;
};

struct xs_sockaddr_hci {
	sa_family_t hci_family;
	uint16_t hci_dev;
	uint16_t hci_channel;
};

struct xs_sockaddr_sco {
	sa_family_t sco_family;
	uint8_t sco_bdaddr[6];
};

_Static_assert(sizeof(struct xs_sockaddr_l2) == 14, "sockaddr_l2 layout");
_Static_assert(sizeof(struct xs_sockaddr_rc) == 10, "sockaddr_rc layout");
_Static_assert(sizeof(struct xs_sockaddr_hci) == 6, "sockaddr_hci layout");
_Static_assert(sizeof(struct xs_sockaddr_sco) == 8, "sockaddr_sco layout");

/* ---- shared steps ---- */

/* Check and zero the output first: a failed constructor then leaves AF_UNSPEC. */
static int addr_begin(struct xs_addr *a, const char *fn)
{
	if (!a)
		return xs_fail_value(EINVAL,
				     "%s: the address is NULL; pass a struct xs_addr to fill", fn);
	memset(a, 0, sizeof(*a));
	return 0;
}

static int addr_done(struct xs_addr *a, int family, int proto, size_t len)
{
	a->ss.ss_family = family;
	a->family = family;
	a->proto = proto;
	a->len = len;
	return 0;
}

static int need(const void *arg, const char *fn, const char *name)
{
	if (!arg)
		return xs_fail_value(EINVAL, "%s: %s is NULL; pass a string", fn, name);
	return 0;
}

/* Python raises OverflowError for out-of-range numbers in address tuples. */
static int in_range(long value, long max, const char *fn, const char *name)
{
	if (value < 0 || value > max)
		return xs_fail_value(EOVERFLOW, "%s: %s must be 0-%ld, not %ld", fn, name, max,
				     value);
	return 0;
}

/* Interface name to index; "" means every interface (index 0). */
static int ifname_index(const char *ifname, int *index, const char *fn)
{
	unsigned found;

	*index = 0;
	if (need(ifname, fn, "ifname"))
		return -1;
	if (!*ifname)
		return 0;
	if (strlen(ifname) >= IF_NAMESIZE)
		return xs_fail_os(ENAMETOOLONG,
				  "%s: interface name '%s' too long (at most %d bytes)", fn, ifname,
				  IF_NAMESIZE - 1);
	found = if_nametoindex(ifname);
	if (!found)
		return xs_fail_os(errno, "%s: interface '%s': %s; pass an existing interface name",
				  fn, ifname, strerror(errno));
	*index = found;
	return 0;
}

/* ---- IP ---- */

static bool is_broadcast(const char *host)
{
	return !strcmp(host, "<broadcast>") || !strcmp(host, "255.255.255.255");
}

/* A name (or text inet_pton refused) through the resolver, restricted to af. */
static int ip_lookup(const char *host, int af, void *out, size_t outlen, const char *fn)
{
	struct addrinfo hints = { .ai_family = af };
	struct addrinfo *res;
	char what[200];
	int rc;

	rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc) {
		snprintf(what, sizeof(what), "%s: cannot resolve '%s' as an %s address", fn, host,
			 af == AF_INET ? "IPv4" : "IPv6");
		return xs_fail_gai(rc, what);
	}
	memcpy(out, res->ai_addr, res->ai_addrlen < outlen ? res->ai_addrlen : outlen);
	freeaddrinfo(res);
	return 0;
}

int xs_addr_inet(struct xs_addr *a, const char *host, int port)
{
	struct sockaddr_in *sin;

	if (addr_begin(a, __func__) || need(host, __func__, "host") ||
	    in_range(port, 0xFFFF, __func__, "port"))
		return -1;
	sin = (struct sockaddr_in *)&a->ss;
	if (is_broadcast(host))
		sin->sin_addr.s_addr = htonl(INADDR_BROADCAST);
	else if (*host && inet_pton(AF_INET, host, &sin->sin_addr) != 1 &&
		 ip_lookup(host, AF_INET, sin, sizeof(*sin), __func__))
		return -1;
	sin->sin_port = htons(port);
	return addr_done(a, AF_INET, 0, sizeof(*sin));
}

int xs_addr_inet6(struct xs_addr *a, const char *host, int port, uint32_t flowinfo,
		  uint32_t scope_id)
{
	struct sockaddr_in6 *sin6;

	if (addr_begin(a, __func__) || need(host, __func__, "host") ||
	    in_range(port, 0xFFFF, __func__, "port") ||
	    in_range(flowinfo, 0xFFFFF, __func__, "flowinfo"))
		return -1;
	if (is_broadcast(host))
		return xs_fail_os(0, "address family mismatched: '%s' is IPv4 only; use an IPv6 "
				  "multicast group such as 'ff02::1'", host);
	sin6 = (struct sockaddr_in6 *)&a->ss;
	/* A "%scope" suffix needs the resolver, which maps names to indexes. */
	if (*host && (strchr(host, '%') || inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) &&
	    ip_lookup(host, AF_INET6, sin6, sizeof(*sin6), __func__))
		return -1;
	sin6->sin6_port = htons(port);
	sin6->sin6_flowinfo = htonl(flowinfo);
	if (!sin6->sin6_scope_id)
		sin6->sin6_scope_id = scope_id;
	return addr_done(a, AF_INET6, 0, sizeof(*sin6));
}

/* ---- AF_UNIX ---- */

/*
 * A path (first byte not NUL) keeps its terminator inside sun_path and in
 * the length, as Linux reports it; an abstract name's length is exact and
 * len 0 (just the family) asks the kernel to autobind.
 */
int xs_addr_unix_bytes(struct xs_addr *a, const void *name, size_t len)
{
	struct sockaddr_un *sun;
	bool path;
	size_t room;

	if (addr_begin(a, __func__) || (len && need(name, __func__, "name")))
		return -1;
	sun = (struct sockaddr_un *)&a->ss;
	path = len && *(const char *)name;
	room = sizeof(sun->sun_path) - path;
	if (len > room)
		return xs_fail_os(ENAMETOOLONG,
				  "AF_UNIX path too long: %zu bytes, at most %zu fit; use a shorter path",
				  len, room);
	if (len)
		memcpy(sun->sun_path, name, len);
	return addr_done(a, AF_UNIX, 0, offsetof(struct sockaddr_un, sun_path) + len + path);
}

int xs_addr_unix(struct xs_addr *a, const char *path)
{
	if (addr_begin(a, __func__) || need(path, __func__, "path"))
		return -1;
	return xs_addr_unix_bytes(a, path, strlen(path));
}

/* ---- Linux families made of plain numbers ---- */

int xs_addr_netlink(struct xs_addr *a, uint32_t pid, uint32_t groups)
{
	struct sockaddr_nl *nl;

	if (addr_begin(a, __func__))
		return -1;
	nl = (struct sockaddr_nl *)&a->ss;
	nl->nl_pid = pid;
	nl->nl_groups = groups;
	return addr_done(a, AF_NETLINK, 0, sizeof(*nl));
}

int xs_addr_vsock(struct xs_addr *a, uint32_t cid, uint32_t port)
{
	struct sockaddr_vm *vm;

	if (addr_begin(a, __func__))
		return -1;
	vm = (struct sockaddr_vm *)&a->ss;
	vm->svm_cid = cid;
	vm->svm_port = port;
	return addr_done(a, AF_VSOCK, 0, sizeof(*vm));
}

int xs_addr_qipcrtr(struct xs_addr *a, uint32_t node, uint32_t port)
{
	struct sockaddr_qrtr *sq;

	if (addr_begin(a, __func__))
		return -1;
	sq = (struct sockaddr_qrtr *)&a->ss;
	sq->sq_node = node;
	sq->sq_port = port;
	return addr_done(a, AF_QIPCRTR, 0, sizeof(*sq));
}

/* v3 means something only for a range, as in CPython: NAME and ID ignore it. */
int xs_addr_tipc(struct xs_addr *a, int addr_type, uint32_t v1, uint32_t v2, uint32_t v3,
		 int scope)
{
	struct sockaddr_tipc *t;

	if (addr_begin(a, __func__))
		return -1;
	t = (struct sockaddr_tipc *)&a->ss;
	switch (addr_type) {
	case TIPC_ADDR_NAMESEQ:
		t->addr.nameseq = (struct tipc_service_range){ v1, v2, v3 };
		break;
	case TIPC_ADDR_NAME:
		t->addr.name.name = (struct tipc_service_addr){ v1, v2 };
		break;
	case TIPC_ADDR_ID:
		t->addr.id.node = v1;
		t->addr.id.ref = v2;
		break;
	default:
		return xs_fail_value(EINVAL, "%s: addr_type %d is invalid; use TIPC_ADDR_NAMESEQ, "
				     "TIPC_ADDR_NAME or TIPC_ADDR_ID", __func__, addr_type);
	}
	t->addrtype = addr_type;
	t->scope = scope;
	return addr_done(a, AF_TIPC, 0, sizeof(*t));
}

/* ---- interface-bound families ---- */

/* The interface part the three CAN forms share. */
static int can_begin(struct xs_addr *a, const char *ifname, int proto, const char *fn)
{
	struct sockaddr_can *can;
	int index;

	if (addr_begin(a, fn) || ifname_index(ifname, &index, fn))
		return -1;
	can = (struct sockaddr_can *)&a->ss;
	can->can_ifindex = index;
	return addr_done(a, AF_CAN, proto, sizeof(*can));
}

int xs_addr_can(struct xs_addr *a, const char *ifname)
{
	return can_begin(a, ifname, 0, __func__);
}

int xs_addr_can_isotp(struct xs_addr *a, const char *ifname, uint32_t rx_id, uint32_t tx_id)
{
	struct sockaddr_can *can;

	if (can_begin(a, ifname, CAN_ISOTP, __func__))
		return -1;
	can = (struct sockaddr_can *)&a->ss;
	can->can_addr.tp.rx_id = rx_id;
	can->can_addr.tp.tx_id = tx_id;
	return 0;
}

int xs_addr_can_j1939(struct xs_addr *a, const char *ifname, uint64_t name, uint32_t pgn,
		      uint8_t addr)
{
	struct sockaddr_can *can;

	if (can_begin(a, ifname, CAN_J1939, __func__))
		return -1;
	can = (struct sockaddr_can *)&a->ss;
	can->can_addr.j1939.name = name;
	can->can_addr.j1939.pgn = pgn;
	can->can_addr.j1939.addr = addr;
	return 0;
}

int xs_addr_packet(struct xs_addr *a, const char *ifname, uint16_t proto_be, int pkttype,
		   int hatype, const void *hwaddr, size_t hwlen)
{
	struct sockaddr_ll *ll;
	int index;

	if (addr_begin(a, __func__) || in_range(pkttype, 0xFF, __func__, "pkttype") ||
	    in_range(hatype, 0xFFFF, __func__, "hatype") ||
	    (hwlen && need(hwaddr, __func__, "hwaddr")))
		return -1;
	ll = (struct sockaddr_ll *)&a->ss;
	if (hwlen > sizeof(ll->sll_addr))
		return xs_fail_value(EINVAL, "%s: hardware address must be %zu bytes or less, "
				     "not %zu", __func__, sizeof(ll->sll_addr), hwlen);
	if (ifname_index(ifname, &index, __func__))
		return -1;
	ll->sll_ifindex = index;
	ll->sll_protocol = proto_be;
	ll->sll_pkttype = pkttype;
	ll->sll_hatype = hatype;
	ll->sll_halen = hwlen;
	if (hwlen)
		memcpy(ll->sll_addr, hwaddr, hwlen);
	return addr_done(a, AF_PACKET, 0, sizeof(*ll));
}

/* ---- AF_ALG ---- */

/* Both names must fit their field with the terminator, as the kernel reads them. */
static int copy_alg_name(uint8_t *dst, size_t size, const char *src, const char *fn,
			 const char *name)
{
	if (need(src, fn, name))
		return -1;
	if (strlen(src) >= size)
		return xs_fail_value(EINVAL, "%s: AF_ALG %s '%s' too long (at most %zu bytes)", fn,
				     name, src, size - 1);
	memcpy(dst, src, strlen(src));
	return 0;
}

int xs_addr_alg(struct xs_addr *a, const char *type, const char *name, uint32_t feat,
		uint32_t mask)
{
	struct sockaddr_alg *alg;

	if (addr_begin(a, __func__))
		return -1;
	alg = (struct sockaddr_alg *)&a->ss;
	if (copy_alg_name(alg->salg_type, sizeof(alg->salg_type), type, __func__, "type") ||
	    copy_alg_name(alg->salg_name, sizeof(alg->salg_name), name, __func__, "name"))
		return -1;
	alg->salg_feat = feat;
	alg->salg_mask = mask;
	return addr_done(a, AF_ALG, 0, sizeof(*alg));
}

/* ---- Bluetooth ---- */

/* "XX:XX:XX:XX:XX:XX" (1-2 hex digits an octet), stored last octet first. */
static int bdaddr_parse(const char *text, uint8_t b[6], const char *fn)
{
	const char *p = text;
	char *end;
	int i;

	if (need(text, fn, "bdaddr"))
		return -1;
	for (i = 5; i >= 0; i--, p = end + 1) {
		if (!isxdigit((unsigned char)*p))
			break;
		b[i] = strtoul(p, &end, 16);
		if (end - p > 2 || *end != (i ? ':' : '\0'))
			break;
	}
	if (i >= 0)
		return xs_fail_os(EINVAL, "%s: bad bluetooth address '%s'; write six hex octets "
				  "as in '01:23:45:67:89:AB'", fn, text);
	return 0;
}

int xs_addr_bt_l2cap(struct xs_addr *a, const char *bdaddr, int psm)
{
	struct xs_sockaddr_l2 *l2;

	if (addr_begin(a, __func__) || in_range(psm, 0xFFFF, __func__, "psm"))
		return -1;
	l2 = (struct xs_sockaddr_l2 *)&a->ss;
	if (bdaddr_parse(bdaddr, l2->l2_bdaddr, __func__))
		return -1;
	l2->l2_psm = htole16(psm);
	return addr_done(a, AF_BLUETOOTH, BTPROTO_L2CAP, sizeof(*l2));
}

int xs_addr_bt_rfcomm(struct xs_addr *a, const char *bdaddr, int channel)
{
	struct xs_sockaddr_rc *rc;

	if (addr_begin(a, __func__) || in_range(channel, 0xFF, __func__, "channel"))
		return -1;
	rc = (struct xs_sockaddr_rc *)&a->ss;
	if (bdaddr_parse(bdaddr, rc->rc_bdaddr, __func__))
		return -1;
	rc->rc_channel = channel;
	return addr_done(a, AF_BLUETOOTH, BTPROTO_RFCOMM, sizeof(*rc));
}

int xs_addr_bt_hci(struct xs_addr *a, int device_id)
{
	struct xs_sockaddr_hci *hci;

	if (addr_begin(a, __func__) || in_range(device_id, 0xFFFF, __func__, "device_id"))
		return -1;
	hci = (struct xs_sockaddr_hci *)&a->ss;
	hci->hci_dev = htole16(device_id);
	return addr_done(a, AF_BLUETOOTH, BTPROTO_HCI, sizeof(*hci));
}

int xs_addr_bt_sco(struct xs_addr *a, const char *bdaddr)
{
	struct xs_sockaddr_sco *sco;

	if (addr_begin(a, __func__))
		return -1;
	sco = (struct xs_sockaddr_sco *)&a->ss;
	if (bdaddr_parse(bdaddr, sco->sco_bdaddr, __func__))
		return -1;
	return addr_done(a, AF_BLUETOOTH, BTPROTO_SCO, sizeof(*sco));
}

static void bdaddr_print(const uint8_t b[6], char *buf, size_t len)
{
	snprintf(buf, len, "'%02X:%02X:%02X:%02X:%02X:%02X'", b[5], b[4], b[3], b[2], b[1], b[0]);
}

/*
 * Python's form of a Bluetooth address into buf (snprintf's contract),
 * for addr_format.c: the layouts above are known only here. Returns -1
 * for a protocol Python cannot show either.
 */
int xs_addr_bt_repr(const struct xs_addr *a, char *buf, size_t len)
{
	const void *sa = &a->ss;
	const struct xs_sockaddr_l2 *l2 = sa;
	const struct xs_sockaddr_rc *rc = sa;
	const struct xs_sockaddr_hci *hci = sa;
	const struct xs_sockaddr_sco *sco = sa;
	char bd[24];

	switch (a->proto) {
	case BTPROTO_L2CAP:
		bdaddr_print(l2->l2_bdaddr, bd, sizeof(bd));
		return snprintf(buf, len, "(%s, %u)", bd, le16toh(l2->l2_psm));
	case BTPROTO_RFCOMM:
		bdaddr_print(rc->rc_bdaddr, bd, sizeof(bd));
		return snprintf(buf, len, "(%s, %u)", bd, rc->rc_channel);
	case BTPROTO_HCI:
		return snprintf(buf, len, "%u", le16toh(hci->hci_dev));
	case BTPROTO_SCO:
		bdaddr_print(sco->sco_bdaddr, buf, len);
		return strlen(buf);
	}
	return -1;
}

/* ---- any sockaddr, and the accessors ---- */

int xs_addr_from_sockaddr(struct xs_addr *a, const struct sockaddr *sa, socklen_t len,
			  int proto)
{
	if (addr_begin(a, __func__))
		return -1;
	if (len > sizeof(a->ss))
		return xs_fail_value(EINVAL,
				     "%s: len %u exceeds struct sockaddr_storage (%zu bytes)", __func__,
				     (unsigned)len, sizeof(a->ss));
	if (len && len < sizeof(sa_family_t))
		return xs_fail_value(EINVAL, "%s: len %u cannot hold the address family; pass 0 "
				     "for no address", __func__, (unsigned)len);
	if (!len)
		return 0;
	if (!sa)
		return xs_fail_value(EINVAL, "%s: sa is NULL with len %u", __func__, (unsigned)len);
	memcpy(&a->ss, sa, len);
	/* Read the family from our aligned copy: sa may be any byte buffer. */
	return addr_done(a, a->ss.ss_family, proto, len);
}

const struct sockaddr *xs_addr_sa(const struct xs_addr *a)
{
	if (!a) {
		xs_fail_value(EINVAL, "%s: the address is NULL", __func__);
		return NULL;
	}
	return (const struct sockaddr *)&a->ss;
}

int xs_addr_port(const struct xs_addr *a)
{
	if (!a)
		return xs_fail_value(EINVAL, "%s: the address is NULL", __func__);
	if (a->family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return -1;
}

int xs_addr_host(const struct xs_addr *a, char *buf, size_t len)
{
	const void *ip;

	if (!a || !buf)
		return xs_fail_value(EINVAL, "%s: %s is NULL", __func__, a ? "buf" : "the address");
	if (a->family == AF_INET)
		ip = &((const struct sockaddr_in *)&a->ss)->sin_addr;
	else if (a->family == AF_INET6)
		ip = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	else
		return xs_fail_value(EAFNOSUPPORT, "%s: family %d has no IP host; only AF_INET and "
				     "AF_INET6 addresses do", __func__, a->family);
	if (!inet_ntop(a->family, ip, buf, len))
		return xs_fail_os(ERANGE, "%s: a buffer of %zu bytes is too small; %d always fit",
				  __func__, len, INET6_ADDRSTRLEN);
	return 0;
}
