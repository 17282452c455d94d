/*
 * transport.h — the contract between the core (lib/xsocket/) and a
 * transport driver (drivers/<name>/). For transport authors only:
 * applications must not include it.
 *
 * The core validates every argument before calling an op, so drivers never
 * see a closed socket, a NULL buffer with a length, or an address of the
 * wrong family. Every op returns 0 / a count, or -errno; the core turns
 * that into the public error record in one place.
 *
 * A data op (send, recv, sendmsg, recvmsg, accept, connect) never
 * blocks, returning -EAGAIN (or -EINPROGRESS) instead; the core then waits
 * with wait() and retries, so the core alone implements timeouts,
 * deadlines and PEP 475 retries. The one exception: a transport that has
 * set_blocking lets the core put a socket in blocking mode (timeout None),
 * where its ops block themselves as the system calls do — one call where
 * the wait loop would make three (attempt, wait, attempt) — and an -EAGAIN
 * they still return there (MSG_DONTWAIT, SO_RCVTIMEO) is reported to the
 * caller, as CPython does.
 *
 * An op a transport cannot do is left NULL; the core answers EOPNOTSUPP
 * (ENOPROTOOPT for the option calls) with a message naming the transport.
 *
 * Further rules the core relies on: an endpoint from open, accept,
 * socketpair or dup arrives in the blocking state (as kernel sockets do);
 * a connect that answers -EINPROGRESS is finished by wait(POLLOUT) and
 * getsockopt(SOL_SOCKET, SO_ERROR); a send never raises SIGPIPE (a closed
 * peer is -EPIPE); close is called while s->fd is still valid, once.
 */
#ifndef XS_TRANSPORT_H
#define XS_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "xsocket.h"

/* The socket as a transport sees it. The core owns the handle; an op
 * fills fd (a real, pollable descriptor: the core treats fd < 0 as closed
 * and calls fcntl on it for inheritance) and keeps its own state in priv. */
struct xs_sock {
	const struct xs_transport *tp;
	int fd;
	int family;
	int type;       /* without SOCK_NONBLOCK/SOCK_CLOEXEC */
	int proto;
	double timeout; /* the core's: < 0 None, 0 non-blocking, > 0 seconds */
	void *priv;
};

struct xs_transport {
	const char *name;
	/* The configuration keys it reads, without the "name." prefix;
	 * NULL-terminated, may be NULL. */
	const char *const *config_keys;
	/* Once, before the transport's first socket; -errno refuses it, and
	 * every later socket of the transport fails the same way. It may fill
	 * the record with xs_fail_os(-rc, ...) to say what to fix. */
	int (*init)(void);
	/* Can this transport carry the family/type/proto? */
	bool (*supports)(int family, int type, int proto);
	/* Create the endpoint; set s->fd to a pollable descriptor. type has
	 * SOCK_NONBLOCK/SOCK_CLOEXEC already removed. */
	int (*open)(struct xs_sock *s, int family, int type, int proto);
	/* Wrap an existing kernel descriptor (fromfd, socket(fileno=)). */
	int (*adopt)(struct xs_sock *s, int fd);
	/* A connected pair; a and b arrive with family/type/proto set. */
	int (*socketpair)(struct xs_sock *a, struct xs_sock *b);
	/* Fill copy (fd and private state) with a duplicate of s. */
	int (*dup)(const struct xs_sock *s, struct xs_sock *copy);
	/* Give up the private state but leave s->fd open (detach). */
	int (*detach)(struct xs_sock *s);
	int (*set_blocking)(struct xs_sock *s, bool blocking);
	int (*bind)(struct xs_sock *s, const struct xs_addr *a);
	int (*connect)(struct xs_sock *s, const struct xs_addr *a); /* may be -EINPROGRESS */
	int (*listen)(struct xs_sock *s, int backlog);
	/* Fills child->fd (and child's private state); peer may be NULL. */
	int (*accept)(struct xs_sock *s, struct xs_sock *child, struct xs_addr *peer);
	/* recvmsg fills msg_flags and msg_namelen (0 if no address). */
	ssize_t (*sendmsg)(struct xs_sock *s, const struct msghdr *m, int flags);
	ssize_t (*recvmsg)(struct xs_sock *s, struct msghdr *m, int flags);
	/* Optional one-buffer path for send/sendto/recv/recvfrom (no ancillary
	 * data, no msg_flags back); NULL = the core uses sendmsg/recvmsg. from
	 * may be NULL; *fromlen is 0 if there is no address. */
	ssize_t (*send)(struct xs_sock *s, const void *buf, size_t len, int flags,
			const struct sockaddr *to, socklen_t tolen);
	ssize_t (*recv)(struct xs_sock *s, void *buf, size_t len, int flags,
			struct sockaddr *from, socklen_t *fromlen);
	ssize_t (*sendfile)(struct xs_sock *s, int in_fd, off_t *offset, size_t count);
	/* Optional batch path (xs_recv_batch, xs_send_batch); NULL = the core
	 * calls recvmsg / send (or sendmsg) once per datagram. The socket is
	 * SOCK_DGRAM or SOCK_RAW, 1 <= count <= XS_BATCH_MAX, and every
	 * entry has been checked (buf non-NULL where len > 0; send: addr of
	 * the socket's family, or AF_UNSPEC for the connected peer). Both
	 * return how many datagrams they handled, in order (>= 1), or the
	 * -errno of the first (-EAGAIN if nothing could be done). Neither
	 * blocks — in blocking mode on a transport with set_blocking, only
	 * for the first datagram, as its send and recv would; never after it.
	 * A failure after the first ends the batch with the count so far.
	 * recv_batch fills each returned entry's n, flags (msg_flags: at
	 * least MSG_TRUNC) and addr.ss/addr.len (len 0: no address; the core
	 * settles the rest); send_batch fills n. */
	int (*recv_batch)(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
	int (*send_batch)(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
	/* Wait for events (POLLIN/POLLOUT) for up to timeout_ns (-1 = no
	 * limit): 0 ready, -ETIMEDOUT, -EINTR, or another -errno. */
	int (*wait)(struct xs_sock *s, short events, int64_t timeout_ns);
	int (*getsockopt)(struct xs_sock *s, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(struct xs_sock *s, int level, int name, const void *val, socklen_t len);
	/* Addresses out (here and from accept, recvmsg, recv): the op fills
	 * ss and len only; the core derives family and proto. */
	int (*getsockname)(const struct xs_sock *s, struct xs_addr *out);
	int (*getpeername)(const struct xs_sock *s, struct xs_addr *out);
	int (*shutdown)(struct xs_sock *s, int how);
	/* Counters (xs_stats); NULL: the kernel keeps them elsewhere. */
	int (*stats)(const struct xs_sock *s, struct xs_stats *out);
	/* A few lines on what the transport got from the host, after init
	 * (xs_transport_describe); NULL: nothing beyond the name. */
	int (*describe)(char *buf, size_t len);
	/* Release everything, s->fd included; the core then marks s closed. */
	int (*close)(struct xs_sock *s);
};

#endif
