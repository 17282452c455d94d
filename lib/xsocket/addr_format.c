/*
 * addr_format.c — xs_addr_format(): an address as Python's repr() shows
 * the value getsockname() would return for it, so that logs and tests can
 * compare against what a Python program prints: "('127.0.0.1', 80)",
 * "('::1', 80, 0, 0)", "b'\x00name'", "None". One formatter per family,
 * picked from a table; the text is built by a writer that keeps counting
 * past the end of the buffer, so a short buffer fails with the size needed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/can.h>
#include <linux/if_alg.h>
#include <linux/netlink.h>
#include <linux/qrtr.h>
#include <linux/tipc.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "internal.h"

struct out {
	char *buf;
	size_t len;
	size_t need; /* bytes the whole text takes, terminator excluded */
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	size_t room = o->need < o->len ? o->len - o->need : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->need : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->need += n;
}

/* Length of the valid UTF-8 sequence at s, 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

/*
 * Python's repr() of bytes (text false) or of the str os.fsdecode() makes
 * of them (text true: UTF-8 kept, undecodable bytes as surrogate escapes).
 * Like Python, quote with ' unless only " avoids escaping.
 */
static void put_repr(struct out *o, const void *data, size_t n, bool text)
{
	const unsigned char *s = data;
	char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
	size_t i, seq;

	put(o, "%s%c", text ? "" : "b", q);
	for (i = 0; i < n; i++) {
		if (s[i] == q || s[i] == '\\')
			put(o, "\\%c", s[i]);
		else if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
			put(o, "\\%c", s[i] == '\t' ? 't' : s[i] == '\n' ? 'n' : 'r');
		else if (s[i] >= 0x20 && s[i] < 0x7F)
			put(o, "%c", s[i]);
		else if (text && (seq = utf8_seq(s + i, n - i))) {
			put(o, "%.*s", (int)seq, (const char *)s + i);
			i += seq - 1;
		} else {
			put(o, text && s[i] >= 0x80 ? "\\udc%02x" : "\\x%02x", s[i]);
		}
	}
	put(o, "%c", q);
}

static void put_str(struct out *o, const char *s)
{
	put_repr(o, s, strlen(s), true);
}

/* Python names the interface, or shows '' when the index has none. */
static void put_ifname(struct out *o, int index)
{
	char name[IF_NAMESIZE] = "";

	if (index && !if_indextoname(index, name))
		name[0] = '\0';
	put_str(o, name);
}

/* ---- one formatter per family ---- */

static void format_inet(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	char host[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	put(o, "('%s', %u)", host, ntohs(sin->sin_port));
}

/* Python shows no "%scope" in the host: the scope id is the fourth item. */
static void format_inet6(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;
	char host[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
	put(o, "('%s', %u, %u, %u)", host, ntohs(sin6->sin6_port), ntohl(sin6->sin6_flowinfo),
	    sin6->sin6_scope_id);
}

/* An abstract name (leading NUL) is bytes of exact length; a path is a str. */
static void format_unix(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)&a->ss;
	size_t off = offsetof(struct sockaddr_un, sun_path);
	size_t n = a->len > off ? a->len - off : 0;

	if (n && !sun->sun_path[0])
		put_repr(o, sun->sun_path, n, false);
	else
		put_repr(o, sun->sun_path, strnlen(sun->sun_path, n), true);
}

static void format_netlink(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_nl *nl = (const struct sockaddr_nl *)&a->ss;

	put(o, "(%u, %u)", nl->nl_pid, nl->nl_groups);
}

static void format_vsock(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_vm *vm = (const struct sockaddr_vm *)&a->ss;

	put(o, "(%u, %u)", vm->svm_cid, vm->svm_port);
}

static void format_qipcrtr(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_qrtr *sq = (const struct sockaddr_qrtr *)&a->ss;

	put(o, "(%u, %u)", sq->sq_node, sq->sq_port);
}

/* (addr_type, v1, v2, v3, scope); CPython repeats the instance as v3 of a name. */
static void format_tipc(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_tipc *t = (const struct sockaddr_tipc *)&a->ss;
	uint32_t v[3] = { 0 };

	switch (t->addrtype) {
	case TIPC_ADDR_NAMESEQ:
		v[0] = t->addr.nameseq.type;
		v[1] = t->addr.nameseq.lower;
		v[2] = t->addr.nameseq.upper;
		break;
	case TIPC_ADDR_NAME:
		v[0] = t->addr.name.name.type;
		v[1] = v[2] = t->addr.name.name.instance;
		break;
	case TIPC_ADDR_ID:
		v[0] = t->addr.id.node;
		v[1] = t->addr.id.ref;
		break;
	}
	put(o, "(%u, %u, %u, %u, %d)", t->addrtype, v[0], v[1], v[2], t->scope);
}

static void format_can(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_can *can = (const struct sockaddr_can *)&a->ss;

	put(o, "(");
	put_ifname(o, can->can_ifindex);
	if (a->proto == CAN_ISOTP)
		put(o, ", %u, %u)", can->can_addr.tp.rx_id, can->can_addr.tp.tx_id);
	else if (a->proto == CAN_J1939)
		put(o, ", %llu, %u, %u)", (unsigned long long)can->can_addr.j1939.name,
		    can->can_addr.j1939.pgn, can->can_addr.j1939.addr);
	else
		put(o, ",)");
}

/* (ifname, proto in host order, pkttype, hatype, hardware address) */
static void format_packet(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_ll *ll = (const struct sockaddr_ll *)&a->ss;
	size_t halen = ll->sll_halen < sizeof(ll->sll_addr) ? ll->sll_halen : sizeof(ll->sll_addr);

	put(o, "(");
	put_ifname(o, ll->sll_ifindex);
	put(o, ", %u, %u, %u, ", ntohs(ll->sll_protocol), ll->sll_pkttype, ll->sll_hatype);
	put_repr(o, ll->sll_addr, halen, false);
	put(o, ")");
}

static void format_alg(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr_alg *alg = (const struct sockaddr_alg *)&a->ss;

	put(o, "(");
	put_repr(o, alg->salg_type, strnlen((const char *)alg->salg_type, sizeof(alg->salg_type)),
		 true);
	put(o, ", ");
	put_repr(o, alg->salg_name, strnlen((const char *)alg->salg_name, sizeof(alg->salg_name)),
		 true);
	put(o, ", %u, %u)", alg->salg_feat, alg->salg_mask);
}

/* What Python shows for a family it does not know: (family, sa_data). */
static void format_other(struct out *o, const struct xs_addr *a)
{
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;

	put(o, "(%d, ", a->family);
	put_repr(o, sa->sa_data, sizeof(sa->sa_data), false);
	put(o, ")");
}

static void format_bluetooth(struct out *o, const struct xs_addr *a)
{
	char text[48];

	if (xs_addr_bt_repr(a, text, sizeof(text)) < 0)
		format_other(o, a);
	else
		put(o, "%s", text);
}

typedef void (*format_fn)(struct out *o, const struct xs_addr *a);

static const struct {
	int family;
	format_fn format;
} formats[] = {
	{ AF_INET, format_inet },	  { AF_INET6, format_inet6 },
	{ AF_UNIX, format_unix },	  { AF_NETLINK, format_netlink },
	{ AF_VSOCK, format_vsock },	  { AF_QIPCRTR, format_qipcrtr },
	{ AF_TIPC, format_tipc },	  { AF_CAN, format_can },
	{ AF_PACKET, format_packet },	  { AF_ALG, format_alg },
	{ AF_BLUETOOTH, format_bluetooth },
};

static format_fn formatter(int family)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].family == family)
			return formats[i].format;
	return format_other;
}

int xs_addr_format(const struct xs_addr *a, char *buf, size_t len)
{
	struct out o = { .buf = buf, .len = len };

	if (!a || !buf)
		return xs_fail_value(EINVAL, "%s: %s is NULL", __func__, a ? "buf" : "the address");
	if (a->len > sizeof(a->ss))
		return xs_fail_value(EINVAL, "%s: address length %u is larger than a sockaddr_storage "
				     "(build the address with an xs_addr_* constructor)", __func__,
				     (unsigned)a->len);
	if (a->family == AF_UNSPEC || !a->len)
		put(&o, "None");
	else
		formatter(a->family)(&o, a);
	if (o.need >= len)
		return xs_fail_os(ERANGE,
				  "%s: the text needs %zu bytes, the buffer has %zu; pass a larger one",
				  __func__, o.need + 1, len);
	return o.need;
}
