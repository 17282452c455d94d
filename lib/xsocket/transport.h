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
 * A data op (sendmsg, recvmsg, accept, connect) must not block unless the
 * core has put the socket in blocking mode with set_blocking(true): it
 * returns -EAGAIN instead, and the core waits with wait() and retries. That
 * lets the core alone implement timeouts, deadlines and PEP 475 retries.
 * An op a transport cannot do is left NULL; the core answers EOPNOTSUPP
 * with a message naming the transport.
 */
#ifndef XS_TRANSPORT_H
#define XS_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "xsocket.h"

struct xs_transport {
	const char *name;
	/* Once, before the transport's first socket; -errno refuses it. */
	int (*init)(void);
	/* Can this transport carry the family/type/proto? */
	bool (*supports)(int family, int type, int proto);
	/* Create the endpoint; set s->fd to a pollable descriptor. type has
	 * SOCK_NONBLOCK/SOCK_CLOEXEC already removed. */
	int (*open)(struct xs_sock *s, int family, int type, int proto);
	/* Wrap an existing descriptor (fromfd, adopt, socketpair, dup). */
	int (*adopt)(struct xs_sock *s, int fd);
	int (*socketpair)(int family, int type, int proto, int fds[2]);
	int (*dup)(const struct xs_sock *s, int *newfd);
	int (*set_blocking)(struct xs_sock *s, bool blocking);
	int (*bind)(struct xs_sock *s, const struct xs_addr *a);
	int (*connect)(struct xs_sock *s, const struct xs_addr *a); /* may be -EINPROGRESS */
	int (*listen)(struct xs_sock *s, int backlog);
	/* Fills child->fd (and child's private state); peer may be NULL. */
	int (*accept)(struct xs_sock *s, struct xs_sock *child, struct xs_addr *peer);
	ssize_t (*sendmsg)(struct xs_sock *s, const struct msghdr *m, int flags);
	ssize_t (*recvmsg)(struct xs_sock *s, struct msghdr *m, int flags);
	ssize_t (*sendfile)(struct xs_sock *s, int in_fd, off_t *offset, size_t count);
	/* Wait for events (POLLIN/POLLOUT) for up to timeout_ns (-1 = no
	 * limit): 0 ready, -ETIMEDOUT, -EINTR, or another -errno. */
	int (*wait)(struct xs_sock *s, short events, int64_t timeout_ns);
	int (*getsockopt)(struct xs_sock *s, int level, int name, void *val, socklen_t *len);
	int (*setsockopt)(struct xs_sock *s, int level, int name, const void *val, socklen_t len);
	int (*getsockname)(const struct xs_sock *s, struct xs_addr *out);
	int (*getpeername)(const struct xs_sock *s, struct xs_addr *out);
	int (*shutdown)(struct xs_sock *s, int how);
	/* Release everything; the core has already marked the socket closed. */
	int (*close)(struct xs_sock *s);
};

/* The built-in transports, in registry order (lib/xsocket/registry.c). */
extern const struct xs_transport xs_kernel_transport;

#endif
