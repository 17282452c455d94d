/*
 * internal.h — what the files of lib/xsocket/ share: the socket object,
 * the error helpers that fill the thread-local record, the configuration
 * and the transport registry. Not installed.
 */
#ifndef XS_INTERNAL_H
#define XS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"
#include "xsocket.h"

struct xs_sock {
	const struct xs_transport *tp;
	int fd;          /* the pollable descriptor; -1 once closed or detached */
	int family;
	int type;        /* without SOCK_NONBLOCK/SOCK_CLOEXEC */
	int proto;
	double timeout;  /* < 0 None, 0 non-blocking, > 0 seconds */
	void *priv;      /* the transport's per-socket state */
};

/* ---- errors (error.c) ----
 * Each returns -1 after filling the record and errno, so that a public
 * call can end with `return xs_fail_os(...)`. fmt may be NULL: the message
 * is then the standard text for the code. */
int xs_fail(enum xs_errkind kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define xs_fail_os(code, ...) xs_fail(XS_ERR_OS, (code), __VA_ARGS__)
#define xs_fail_value(code, ...) xs_fail(XS_ERR_VALUE, (code), __VA_ARGS__)
/* An op's -errno turned into the record: "<what>: strerror" ; returns -1. */
int xs_fail_op(int neg_errno, const char *what);
int xs_fail_timeout(void);
/* getaddrinfo/getnameinfo result code: EAI_SYSTEM becomes XS_ERR_OS. */
int xs_fail_gai(int eai, const char *what);

/* ---- logging (log.c) ---- */
void xs_log(enum xs_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- configuration and transports (config.c, registry.c) ---- */
/* Apply the environment and validate once; 0 or -1 with the record. */
int xs_config_ready(void);
/* The transport for a new socket, or NULL with the record filled. */
const struct xs_transport *xs_transport_pick(int family, int type, int proto);
/* Registered transport by name, or NULL. */
const struct xs_transport *xs_transport_find(const char *name);
/* Call tp->init once; 0 or -1 with the record. */
int xs_transport_ready(const struct xs_transport *tp);

/* ---- sockets (sock.c) ---- */
/* Allocate a handle around an fd the transport has adopted or opened. */
struct xs_sock *xs_sock_new(const struct xs_transport *tp, int family, int type, int proto);
/* 0 if s is usable, else -1 with EBADF in the record. */
int xs_sock_check(const struct xs_sock *s);
/* Apply a timeout to the transport's blocking state. */
int xs_sock_apply_timeout(struct xs_sock *s, double timeout);
/* Does addr fit the socket's family? 0, or -1 with XS_ERR_VALUE. */
int xs_addr_check(const struct xs_sock *s, const struct xs_addr *a, const char *what);

/* ---- the blocking core (call.c) ---- */
struct xs_deadline {
	int64_t at_ns; /* 0 = not yet computed */
};
/* Monotonic clock in nanoseconds. */
int64_t xs_now_ns(void);
/* After a primitive returned -EAGAIN/-EINTR: wait per the socket's mode.
 * Returns 0 to retry the primitive, or -1 with the record filled
 * (timeout, non-blocking EAGAIN, EINTR refused by the hook, wait error).
 * rc is the primitive's -errno; events POLLIN or POLLOUT. */
int xs_call_wait(struct xs_sock *s, int rc, short events, struct xs_deadline *dl,
		 const char *what);
/* The interrupt hook's verdict: true = give up with EINTR. */
bool xs_interrupted(void);

/* ---- ancillary data (cmsg.c) ---- */
/* Lay out items as native cmsghdrs (each CMSG_SPACE(len)) into buf of
 * size cap; returns the bytes used, or -1 with the record filled
 * (XS_ERR_OS/ENOBUFS if cap is too small, XS_ERR_VALUE for a NULL data
 * pointer with a length). */
ssize_t xs_cmsg_build(const struct xs_cmsg *items, size_t nitems, void *buf, size_t cap);
/* Bytes xs_cmsg_build needs for these items. */
size_t xs_cmsg_build_size(const struct xs_cmsg *items, size_t nitems);
/* Close every descriptor carried by SCM_RIGHTS items in a received buffer. */
void xs_cmsg_close_fds(const void *ancbuf, size_t anclen);

#endif
