/*
 * xsocket.h — the Python `socket` module's documented API in C, over
 * pluggable transports (the kernel's system calls first).
 *
 * This is the only header applications include. Every call follows one
 * error model: functions returning int/ssize_t return -1 on failure
 * (xs_connect_ex excepted), pointer-returning functions return NULL. The
 * details go to a thread-local record read with xs_last_error(): a kind
 * (the Python exception it stands for), a code (errno, h_errno or EAI_*;
 * 0 where Python's exception has none) and a message a person can act on.
 * errno is set to the code as well whenever the code is an errno value.
 * A successful call leaves the record untouched.
 *
 * Timeouts are double seconds: negative = None (blocking), 0.0 =
 * non-blocking, > 0 = timeout mode. Constants are the system's own (AF_*,
 * SOCK_*, MSG_*, AI_*, ...), never renamed.
 */
#ifndef XSOCKET_H
#define XSOCKET_H

#include <math.h>
#include <netdb.h> /* AI_*, NI_*, EAI_* for the resolver calls */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with -fvisibility=hidden; these are its exports. */
#pragma GCC visibility push(default)

struct xs_sock; /* opaque socket handle */
typedef int xs_fd_t;

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

enum xs_errkind {
	XS_ERR_NONE = 0,
	XS_ERR_OS = 1,      /* socket.error / OSError: code = errno, 0 if none */
	XS_ERR_HERROR = 2,  /* socket.herror: code = h_errno */
	XS_ERR_GAI = 3,     /* socket.gaierror: code = EAI_* (negative on glibc) */
	XS_ERR_TIMEOUT = 4, /* socket.timeout: code = ETIMEDOUT, msg "timed out" */
	XS_ERR_VALUE = 5,   /* ValueError/OverflowError/TypeError: EINVAL, EOVERFLOW, EAFNOSUPPORT */
};

struct xs_error {
	enum xs_errkind kind;
	int code;
	char msg[512];
};

/* The calling thread's last error; never NULL (kind XS_ERR_NONE if none). */
const struct xs_error *xs_last_error(void);
/* Reset the calling thread's record to XS_ERR_NONE. */
void xs_clear_error(void);
/* Name of a kind: "OSError", "herror", "gaierror", "timeout", "ValueError". */
const char *xs_errkind_name(enum xs_errkind kind);

/* Interrupt hook (PEP 475): called on each EINTR; a non-zero return makes
 * the interrupted call fail with XS_ERR_OS/EINTR, zero retries it. NULL
 * (the default) always retries. Process-wide. */
typedef int (*xs_interrupt_hook_fn)(void);
void xs_set_interrupt_hook(xs_interrupt_hook_fn hook);

/* ------------------------------------------------------------------ */
/* Configuration, transports and logging                               */
/* ------------------------------------------------------------------ */

/* Set a configuration key ("transport", "fallback", "log", or a
 * transport's own "name.key") before the first socket; overrides the
 * XSOCKET_* environment. Errors: XS_ERR_VALUE/EINVAL for an unknown key
 * or a value that does not parse (the message lists what is accepted);
 * XS_ERR_OS/EBUSY once the configuration has been applied (first socket). */
int xs_config_set(const char *key, const char *value);
/* Current value of a key (environment applied) into buf; -1 + XS_ERR_VALUE
 * for an unknown key, XS_ERR_OS/ERANGE if buf is too small. */
int xs_config_get(const char *key, char *buf, size_t len);

/* The transport that carries socket s ("kernel", ...). Never NULL. */
const char *xs_transport_name(const struct xs_sock *s);
/* Number of transports built in, and the name of the i-th (NULL past the end). */
size_t xs_transport_count(void);
const char *xs_transport_at(size_t i);
/* The transport that would carry a new socket of this family under the
 * current configuration (fallback applied); NULL + error record if the
 * configuration is invalid. */
const char *xs_transport_for(int family, int type, int proto);
/* What a transport has got from this host, in a few lines of text for a
 * person (xsocket info): for xdp the interface, native or generic XDP,
 * copy or zero-copy, the queues, and its counters. Initialises the
 * transport if it is not yet (which applies the configuration and, for a
 * frame transport, takes the interface). Errors: XS_ERR_VALUE/EINVAL for
 * an unknown name; the transport's own error if it cannot start;
 * XS_ERR_OS/ERANGE if buf is too small. */
int xs_transport_describe(const char *name, char *buf, size_t len);

/* Counters of a socket carried by a frame transport, and of the interface
 * under it (the if_ fields: every frame the transport received there). */
struct xs_stats {
	uint64_t rx_packets, rx_bytes; /* delivered to this socket */
	uint64_t rx_dropped;           /* this socket's queue was full */
	uint64_t tx_packets, tx_bytes; /* sent by this socket, both paths */
	uint64_t tx_via_kernel;        /* of those, sent through the kernel (local
					* or unresolved destinations) */
	uint64_t if_rx_frames;         /* frames the fast path received */
	uint64_t if_rx_malformed;      /* truncated or inconsistent: dropped */
	uint64_t if_rx_bad_csum;       /* wrong checksum: dropped */
	uint64_t if_rx_unhandled;      /* not for the fast path: dropped */
	uint64_t if_rx_no_socket;      /* no socket bound: dropped */
	uint64_t if_rx_queue_full;     /* a socket's queue was full: dropped */
	uint64_t if_rx_ring_drops;     /* lost before user space (full rings) */
	uint64_t if_tx_frames;
};
/* Fill out for s. Errors: XS_ERR_OS/EOPNOTSUPP on a transport that keeps
 * its counters elsewhere (the kernel: /proc/net/udp, PACKET_STATISTICS). */
int xs_stats(const struct xs_sock *s, struct xs_stats *out);

/* Lower-case name of an address family as used by the "transport" key
 * ("inet", "inet6", "unix", "packet", ...), or NULL if it has none. */
const char *xs_family_name(int family);

enum xs_log_level { XS_LOG_ERROR = 0, XS_LOG_WARN = 1, XS_LOG_INFO = 2, XS_LOG_DEBUG = 3 };
typedef void (*xs_log_fn)(enum xs_log_level level, const char *msg, void *ctx);
/* Route the library's messages (at or above the "log" key's level) to fn;
 * NULL restores the default, which writes "xsocket: <level>: msg" to stderr. */
void xs_set_log_handler(xs_log_fn fn, void *ctx);

/* ------------------------------------------------------------------ */
/* Addresses                                                           */
/* ------------------------------------------------------------------ */

#define XS_TIMEOUT_NONE (-1.0)   /* any negative value is None (blocking) */
#define XS_TIMEOUT_DEFAULT (NAN) /* xs_create_connection only: "not given" */
#define XS_LISTEN_DEFAULT (-2)   /* xs_listen: backlog omitted (min(SOMAXCONN, 128)) */

struct xs_addr {
	int family;    /* AF_*; AF_UNSPEC = no address (Python None) */
	int proto;     /* hint where the format depends on it (BTPROTO_*, CAN_ISOTP, CAN_J1939) */
	socklen_t len; /* valid bytes in ss */
	struct sockaddr_storage ss;
};

/* Constructors: 0 / -1. Host names are resolved now, in the constructor's
 * family (XS_ERR_GAI on failure). Ports outside 0-65535: XS_ERR_VALUE/EOVERFLOW. */
/* host: dotted quad, name, "" (INADDR_ANY), "<broadcast>" (INADDR_BROADCAST). */
int xs_addr_inet(struct xs_addr *a, const char *host, int port);
/* host may carry "%scope"; "" = "::"; flowinfo > 0xFFFFF: XS_ERR_VALUE/EOVERFLOW;
 * "<broadcast>": XS_ERR_OS code 0 "address family mismatched". */
int xs_addr_inet6(struct xs_addr *a, const char *host, int port, uint32_t flowinfo,
		  uint32_t scope_id);
/* A filesystem path; too long: XS_ERR_OS/ENAMETOOLONG. */
int xs_addr_unix(struct xs_addr *a, const char *path);
/* Raw name bytes: name[0] == '\0' is the abstract namespace, len 0 autobinds. */
int xs_addr_unix_bytes(struct xs_addr *a, const void *name, size_t len);
int xs_addr_netlink(struct xs_addr *a, uint32_t pid, uint32_t groups);
int xs_addr_tipc(struct xs_addr *a, int addr_type, uint32_t v1, uint32_t v2, uint32_t v3,
		 int scope);
/* "" = every CAN interface; unknown interface: XS_ERR_OS/ENODEV. */
int xs_addr_can(struct xs_addr *a, const char *ifname);
int xs_addr_can_isotp(struct xs_addr *a, const char *ifname, uint32_t rx_id, uint32_t tx_id);
int xs_addr_can_j1939(struct xs_addr *a, const char *ifname, uint64_t name, uint32_t pgn,
		      uint8_t addr);
/* bdaddr "XX:XX:XX:XX:XX:XX"; malformed: XS_ERR_OS/EINVAL "bad bluetooth address". */
int xs_addr_bt_l2cap(struct xs_addr *a, const char *bdaddr, int psm);
int xs_addr_bt_rfcomm(struct xs_addr *a, const char *bdaddr, int channel);
int xs_addr_bt_hci(struct xs_addr *a, int device_id);
int xs_addr_bt_sco(struct xs_addr *a, const char *bdaddr);
/* type < 14 bytes, name < 64 bytes, else XS_ERR_VALUE/EINVAL. */
int xs_addr_alg(struct xs_addr *a, const char *type, const char *name, uint32_t feat,
		uint32_t mask);
/* proto_be in network byte order; pkttype PACKET_*; hwlen <= 8. */
int xs_addr_packet(struct xs_addr *a, const char *ifname, uint16_t proto_be, int pkttype,
		   int hatype, const void *hwaddr, size_t hwlen);
int xs_addr_vsock(struct xs_addr *a, uint32_t cid, uint32_t port);
int xs_addr_qipcrtr(struct xs_addr *a, uint32_t node, uint32_t port);
/* Escape hatch: copy any sockaddr (len <= sizeof ss, else XS_ERR_VALUE). */
int xs_addr_from_sockaddr(struct xs_addr *a, const struct sockaddr *sa, socklen_t len,
			  int proto);

/* Accessors. */
const struct sockaddr *xs_addr_sa(const struct xs_addr *a);
/* Port in host order for AF_INET/AF_INET6, -1 otherwise. */
int xs_addr_port(const struct xs_addr *a);
/* Numeric host of an IP address into buf; XS_ERR_VALUE/EAFNOSUPPORT otherwise. */
int xs_addr_host(const struct xs_addr *a, char *buf, size_t len);
/* The Python tuple form: "('127.0.0.1', 80)", "('::1', 80, 0, 0)",
 * "b'\\x00name'" ...; returns the length written; XS_ERR_OS/ERANGE if buf
 * is too small. */
int xs_addr_format(const struct xs_addr *a, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Sockets: creation and lifetime                                      */
/* ------------------------------------------------------------------ */

/* A new socket; SOCK_NONBLOCK/SOCK_CLOEXEC may be OR-ed into type. Always
 * close-on-exec. Initial timeout: the default timeout, or 0.0 with
 * SOCK_NONBLOCK. The transport is chosen by family from the configuration;
 * one that cannot carry the family/type fails with XS_ERR_OS/EPROTONOSUPPORT
 * naming the key to change (unless fallback=kernel). */
struct xs_sock *xs_socket(int family, int type, int proto);
/* Adopt fd without duplicating it (socket(fileno=fd)); -1 for family/type/
 * proto = ask the kernel. Not a socket: XS_ERR_OS/ENOTSOCK. */
struct xs_sock *xs_socket_adopt(xs_fd_t fd, int family, int type, int proto);
/* Duplicate fd (close-on-exec) and wrap the copy; the caller keeps fd. */
struct xs_sock *xs_fromfd(xs_fd_t fd, int family, int type, int proto);
/* A connected pair; family AF_UNSPEC = AF_UNIX. 0 / -1. */
int xs_socketpair(int family, int type, int proto, struct xs_sock *pair[2]);
/* Resolve host/port (AF_UNSPEC, SOCK_STREAM) and connect to each result in
 * turn; timeout XS_TIMEOUT_DEFAULT = the default timeout. src_host NULL = no
 * bind. On total failure the record holds the last error. */
struct xs_sock *xs_create_connection(const char *host, const char *port, double timeout,
				     const char *src_host, int src_port);
/* A bound, listening TCP socket (create_server): SO_REUSEADDR set; reuse_port
 * sets SO_REUSEPORT; dualstack on an AF_INET6 address accepts IPv4 too.
 * backlog XS_LISTEN_DEFAULT = default. */
struct xs_sock *xs_create_server(const struct xs_addr *a, int backlog, int reuse_port,
				 int dualstack);
/* 1 if an AF_INET6 socket can accept IPv4 as well (IPV6_V6ONLY off). */
int xs_has_dualstack_ipv6(void);

/* Close the descriptor; the handle stays, closed (later calls fail with
 * XS_ERR_OS/EBADF). Idempotent; ECONNRESET from close() is ignored. */
int xs_close(struct xs_sock *s);
/* Close if open (errors ignored) and free the handle. NULL is a no-op. */
void xs_free(struct xs_sock *s);
/* Closed state without closing the descriptor, which is returned (-1 if
 * closed). XS_ERR_OS/EOPNOTSUPP on a transport whose descriptor is not the
 * whole socket (xdp: an epoll instance over its parts). */
xs_fd_t xs_detach(struct xs_sock *s);
/* A new socket on a duplicate descriptor, same family/type/proto/timeout. */
struct xs_sock *xs_dup(const struct xs_sock *s);
/* The socket's pollable descriptor, -1 when closed. */
xs_fd_t xs_fileno(const struct xs_sock *s);
/* close(fd) for a detached descriptor; XS_ERR_OS on failure. */
int xs_close_fd(xs_fd_t fd);
int xs_get_inheritable(const struct xs_sock *s); /* 1 / 0 / -1 */
int xs_set_inheritable(struct xs_sock *s, int inheritable);
int xs_family(const struct xs_sock *s);
int xs_type(const struct xs_sock *s); /* SOCK_NONBLOCK/SOCK_CLOEXEC masked */
int xs_proto(const struct xs_sock *s);

/* ------------------------------------------------------------------ */
/* Connection                                                          */
/* ------------------------------------------------------------------ */

/* An address whose family differs from the socket's: XS_ERR_VALUE/EAFNOSUPPORT. */
int xs_bind(struct xs_sock *s, const struct xs_addr *a);
/* backlog < 0 becomes 0; XS_LISTEN_DEFAULT picks min(SOMAXCONN, 128). */
int xs_listen(struct xs_sock *s, int backlog);
/* The accepted connection (close-on-exec, timeout = the default timeout);
 * peer may be NULL. Timeout: XS_ERR_TIMEOUT; non-blocking and none
 * pending: XS_ERR_OS/EAGAIN. */
struct xs_sock *xs_accept(struct xs_sock *s, struct xs_addr *peer);
/* Timeout mode: XS_ERR_TIMEOUT. EINTR waits for completion (PEP 475). */
int xs_connect(struct xs_sock *s, const struct xs_addr *a);
/* 0 on success, the errno (> 0) of the C-level connect (EINPROGRESS,
 * ECONNREFUSED, EWOULDBLOCK on timeout ...), or -1 with the record for
 * other failures (bad address, closed socket). */
int xs_connect_ex(struct xs_sock *s, const struct xs_addr *a);
int xs_getsockname(const struct xs_sock *s, struct xs_addr *out);
int xs_getpeername(const struct xs_sock *s, struct xs_addr *out);
int xs_shutdown(struct xs_sock *s, int how);

/* ------------------------------------------------------------------ */
/* Data                                                                */
/* ------------------------------------------------------------------ */

/* Bytes received (0 = orderly shutdown on a stream, or len 0). No data on
 * a non-blocking socket: XS_ERR_OS/EAGAIN; timeout: XS_ERR_TIMEOUT. */
ssize_t xs_recv(struct xs_sock *s, void *buf, size_t len, int flags);
/* from may be NULL; from->family = AF_UNSPEC when there is no address. */
ssize_t xs_recvfrom(struct xs_sock *s, void *buf, size_t len, int flags, struct xs_addr *from);

struct xs_cmsg {
	int level;
	int type;
	const void *data;
	size_t len;
};
struct xs_msginfo {
	int msg_flags;       /* MSG_TRUNC, MSG_CTRUNC, MSG_EOR, ... */
	struct xs_addr addr; /* sender; AF_UNSPEC when none */
	size_t anclen;       /* bytes of native control data in ancbuf */
};
/* Scatter receive with ancillary data (recvmsg / recvmsg_into). ancbuf must
 * be aligned for struct cmsghdr; NULL when ancbufsize is 0. info may be
 * NULL; descriptors received by SCM_RIGHTS are then closed, since the
 * caller could not find them. */
ssize_t xs_recvmsg(struct xs_sock *s, const struct iovec *iov, int iovcnt, void *ancbuf,
		   size_t ancbufsize, int flags, struct xs_msginfo *info);
/* Items of a received control buffer, Python's truncation rules applied
 * (a last item cut short keeps the part inside the buffer); returns the
 * number of items found (may exceed maxitems; only maxitems are stored). */
size_t xs_cmsg_parse(const void *ancbuf, const struct xs_msginfo *info, struct xs_cmsg *items,
		     size_t maxitems);

/* May send fewer bytes than len. */
ssize_t xs_send(struct xs_sock *s, const void *buf, size_t len, int flags);
/* Everything or an error; the timeout bounds the whole call. nsent (may be
 * NULL) reports how much went out, also on failure. */
int xs_sendall(struct xs_sock *s, const void *buf, size_t len, int flags, size_t *nsent);
ssize_t xs_sendto(struct xs_sock *s, const void *buf, size_t len, int flags,
		  const struct xs_addr *to);
/* Gather send with ancillary items; to NULL (or AF_UNSPEC) = connected peer. */
ssize_t xs_sendmsg(struct xs_sock *s, const struct iovec *iov, int iovcnt,
		   const struct xs_cmsg *anc, size_t nanc, int flags, const struct xs_addr *to);
/* sendmsg for AF_ALG: op ALG_OP_*; iv NULL = not set; assoclen < 0 = not set. */
ssize_t xs_sendmsg_afalg(struct xs_sock *s, const struct iovec *iov, int iovcnt, int op,
			 const void *iv, size_t ivlen, int assoclen, int flags);
/* Send in_fd from offset, count bytes (0 = to EOF); SOCK_STREAM and not
 * non-blocking (XS_ERR_VALUE/EINVAL otherwise). in_fd's offset is left at
 * offset + bytes sent, also on failure. Returns the bytes sent. */
ssize_t xs_sendfile(struct xs_sock *s, int in_fd, off_t offset, size_t count);
/* Pass descriptors with SCM_RIGHTS (send_fds / recv_fds). */
ssize_t xs_send_fds(struct xs_sock *s, const struct iovec *iov, int iovcnt, const int *fds,
		    size_t nfds, int flags, const struct xs_addr *to);
/* *nfds: capacity in, count received out. */
ssize_t xs_recv_fds(struct xs_sock *s, void *buf, size_t len, int *fds, size_t *nfds, int flags,
		    struct xs_msginfo *info);
/* A FILE * over the socket (mode "r", "w", "rw", with optional "b"),
 * working on every transport and honouring the timeout (a read that times
 * out sets the stream's error flag with errno ETIMEDOUT). Closing the FILE
 * does not close the socket. */
FILE *xs_makefile(struct xs_sock *s, const char *mode);

/* ------------------------------------------------------------------ */
/* Batches (an extension, after recvmmsg/sendmmsg)                     */
/* ------------------------------------------------------------------ */

/* Python has no batch calls; these are xsocket's own, for datagram
 * (SOCK_DGRAM) and raw (SOCK_RAW) sockets, so that one call can carry
 * many datagrams: one system call on the kernel, one ring kick on xdp. */

/* The most datagrams one batch call takes (UIO_MAXIOV, as sendmmsg). */
#define XS_BATCH_MAX 1024

/* One datagram of a batch. */
struct xs_msg {
	void *buf;	     /* in: the buffer */
	size_t len;	     /* in: its size */
	struct xs_addr addr; /* recv, out: the sender (family AF_UNSPEC if none);
			      * send, in: the destination, or family AF_UNSPEC
			      * (zeroed) for the connected peer */
	size_t n;	     /* out: bytes received (the datagram's length with
			      * MSG_TRUNC) / bytes sent */
	int flags;	     /* out, recv: MSG_TRUNC if the datagram was longer than
			      * len (its msg_flags); send: 0 */
};

/* Receive up to count datagrams into msgs[0..count). Waits for the first
 * as xs_recvfrom would (timeout, blocking, non-blocking, PEP 475), then
 * takes what is already queued without waiting more. Returns how many
 * (>= 1; 0 when count is 0), their n, flags and addr filled in order.
 * flags: MSG_DONTWAIT, MSG_TRUNC as in xs_recvfrom; MSG_PEEK is refused.
 * Errors: no datagram in time: XS_ERR_TIMEOUT; none on a non-blocking
 * socket (or with MSG_DONTWAIT on a blocking one): XS_ERR_OS/EAGAIN;
 * XS_ERR_VALUE/EINVAL for a socket that is not SOCK_DGRAM/SOCK_RAW, count
 * above XS_BATCH_MAX, msgs NULL with count > 0, an entry with a NULL buf
 * and a non-zero len, MSG_PEEK; the transport's XS_ERR_OS otherwise. */
int xs_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
/* Send up to count datagrams, msgs[i].buf/len to msgs[i].addr, in order.
 * Waits for room for the first as xs_sendto would, then sends what fits
 * without waiting. Returns how many were sent (>= 1; 0 when count is 0),
 * with their n filled. A failure on a later datagram ends the batch early
 * (reported by the count: the same datagram first in the next call gets
 * the error); a failure on the first is -1 with the record, as xs_sendto
 * reports it (XS_ERR_TIMEOUT, XS_ERR_OS/EAGAIN, EDESTADDRREQ for
 * AF_UNSPEC on an unconnected socket, EMSGSIZE ...). Every entry is
 * checked before anything is sent: XS_ERR_VALUE as xs_recv_batch, and
 * EAFNOSUPPORT (or EINVAL for a bad len) for an address that does not
 * fit the socket, naming the entry. */
int xs_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);

/* ------------------------------------------------------------------ */
/* Modes and options                                                   */
/* ------------------------------------------------------------------ */

/* negative = None (blocking), 0 = non-blocking, > 0 = seconds; NaN:
 * XS_ERR_VALUE/EINVAL "Timeout value out of range". */
int xs_settimeout(struct xs_sock *s, double timeout);
double xs_gettimeout(const struct xs_sock *s);
int xs_setblocking(struct xs_sock *s, int flag);
int xs_getblocking(const struct xs_sock *s); /* 1 iff timeout != 0; -1 if closed */
int xs_setdefaulttimeout(double timeout);
double xs_getdefaulttimeout(void);

int xs_setsockopt_int(struct xs_sock *s, int level, int optname, int value);
/* buf NULL = optval NULL with optlen len (the Python 3.6 form). */
int xs_setsockopt(struct xs_sock *s, int level, int optname, const void *buf, socklen_t len);
int xs_getsockopt_int(struct xs_sock *s, int level, int optname, int *value);
/* *buflen: capacity in (1..1024, else XS_ERR_OS code 0 "getsockopt buflen
 * out of range"), length out. */
int xs_getsockopt(struct xs_sock *s, int level, int optname, void *buf, socklen_t *buflen);

/* ------------------------------------------------------------------ */
/* Names and numbers                                                   */
/* ------------------------------------------------------------------ */

struct xs_addrinfo {
	int family, type, proto;
	char *canonname; /* "" unless AI_CANONNAME */
	struct xs_addr addr;
	struct xs_addrinfo *next;
};
struct xs_hostent {
	char *name;
	char **aliases; /* NULL-terminated */
	char **addrs;   /* NULL-terminated numeric address strings */
};
struct xs_ifname {
	unsigned index;
	char *name;
};

/* NULL host/port = None. Returns the number of entries or -1 (XS_ERR_GAI;
 * EAI_SYSTEM becomes XS_ERR_OS with errno). */
int xs_getaddrinfo(const char *host, const char *port, int family, int type, int proto,
		   int flags, struct xs_addrinfo **res);
void xs_freeaddrinfo(struct xs_addrinfo *res);
int xs_getnameinfo(const struct xs_addr *sa, int flags, char *host, size_t hostlen, char *serv,
		   size_t servlen);
/* name NULL or "" = this host; never fails on lookups, only on buffer size. */
int xs_getfqdn(const char *name, char *buf, size_t len);
int xs_gethostbyname(const char *name, char *buf, size_t len);
struct xs_hostent *xs_gethostbyname_ex(const char *name);
struct xs_hostent *xs_gethostbyaddr(const char *ip_address);
void xs_freehostent(struct xs_hostent *h);
int xs_gethostname(char *buf, size_t len);
int xs_sethostname(const char *name);
int xs_getprotobyname(const char *name);
/* proto NULL = any; the port in host order. */
int xs_getservbyname(const char *service, const char *proto);
int xs_getservbyport(int port, const char *proto, char *buf, size_t len);
int xs_inet_aton(const char *ip, struct in_addr *out);
int xs_inet_ntoa(struct in_addr in, char *buf, size_t len);
/* Bytes written (4 or 16). */
int xs_inet_pton(int af, const char *ip, void *out, size_t outlen);
int xs_inet_ntop(int af, const void *packed, size_t packedlen, char *buf, size_t len);
ssize_t xs_cmsg_len(size_t length);
ssize_t xs_cmsg_space(size_t length);
struct xs_ifname *xs_if_nameindex(size_t *count);
void xs_free_ifnames(struct xs_ifname *v, size_t count);
unsigned xs_if_nametoindex(const char *name); /* 0 + XS_ERR_OS on failure */
int xs_if_indextoname(unsigned index, char *buf, size_t len);
int xs_has_ipv6(void);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif
#endif /* XSOCKET_H */
