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

/* ---- errors (error.c) ----
 * Each returns -1 after filling the record and errno, so that a public
 * call can end with `return xs_fail_os(...)`. fmt may be NULL: the message
 * is then the standard text for the code. */
int xs_fail(enum xs_errkind kind, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define xs_fail_os(code, ...) xs_fail(XS_ERR_OS, (code), __VA_ARGS__)
#define xs_fail_value(code, ...) xs_fail(XS_ERR_VALUE, (code), __VA_ARGS__)
/* At the public boundary a NULL where the call needs a pointer is a
 * ValueError naming the argument, never a crash. fn: a string literal. */
#define XS_NONNULL(fn, arg)                                                          \
	((arg) ? 0 : xs_fail_value(EINVAL, fn ": argument '" #arg "' must not be NULL"))
/* The record with the message what + text, without formatting (hot
 * paths); errno = code; returns -1. */
int xs_fail_join(enum xs_errkind kind, int code, const char *what, const char *text);
/* An op's -errno turned into the record: "<what>: strerror" ; returns -1. */
int xs_fail_op(int neg_errno, const char *what);
int xs_fail_timeout(void);
/* getaddrinfo/getnameinfo result code: EAI_SYSTEM becomes XS_ERR_OS. */
int xs_fail_gai(int eai, const char *what);

/* Copy a string result into the caller's buffer, or fail with ERANGE
 * (saying how much is needed) without writing it. */
int xs_copy_out(const char *src, char *buf, size_t len, const char *what);

/* ---- addresses (addr.c) ---- */
/* Python's text for a Bluetooth address; addr.c alone knows the layouts
 * (glibc has no Bluetooth headers). */
int xs_addr_bt_repr(const struct xs_addr *a, char *buf, size_t len);

/* ---- logging (log.c) ---- */
void xs_log(enum xs_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- configuration and transports (config.c, registry.c) ---- */
/* The kernel transport: the default, and the carrier of wrapped kernel
 * descriptors (fromfd, socket_adopt). */
extern const struct xs_transport xs_kernel_transport;
/* The value of a key after environment and xs_config_set, or NULL if unset.
 * Transports read their own keys ("xdp.iface") with it in init(). */
const char *xs_config_value(const char *key);
/* The "log" key as a level, cheap enough to call per message. */
int xs_config_log_level(void);
/* Is key one that the core or a built-in transport declares? */
bool xs_config_key_known(const char *key);
/* Mark the configuration as in use: later xs_config_set calls get EBUSY. */
void xs_config_freeze(void);
/* The transport named for a family by the "transport" key, or NULL
 * (kernel); -1 with the record if the key's value is invalid. */
int xs_config_transport_for(int family, const char **name);
/* Is "fallback" set to kernel? */
bool xs_config_fallback_kernel(void);
/* Apply the environment and validate once; 0 or -1 with the record. */
int xs_config_ready(void);
/* The transport for a new socket, or NULL with the record filled. */
const struct xs_transport *xs_transport_pick(int family, int type, int proto);
/* "kernel, xdp": the built-in transports, for messages. */
const char *xs_transport_list(void);
/* Registered transport by name, or NULL. */
const struct xs_transport *xs_transport_find(const char *name);
/* Call tp->init once; 0 or -1 with the record. */
int xs_transport_ready(const struct xs_transport *tp);

/* ---- sockets (sock.c) ---- */
/* Allocate a handle around an fd the transport has adopted or opened. */
struct xs_sock *xs_sock_new(const struct xs_transport *tp, int family, int type, int proto);
/* The error for a NULL or closed socket; returns -1. */
int xs_sock_unusable(const struct xs_sock *s);
/* 0 if s is usable, else -1 with the record filled (every call's first
 * check, so inline). */
static inline int xs_sock_check(const struct xs_sock *s)
{
	if (__builtin_expect(s && s->fd >= 0, 1))
		return 0;
	return xs_sock_unusable(s);
}
/* Apply a timeout to the transport's blocking state. */
int xs_sock_apply_timeout(struct xs_sock *s, double timeout);
/* Finish an address a transport wrote (ss and len): the family from the
 * bytes (AF_UNSPEC if there are none: Python's None) and the protocol
 * hint of the socket where the format depends on it. */
void xs_addr_settle(struct xs_addr *a, const struct xs_sock *s, socklen_t len);
/* Does addr fit the socket's family? 0, or -1 with XS_ERR_VALUE. */
int xs_addr_check(const struct xs_sock *s, const struct xs_addr *a, const char *what);

/* ---- the blocking core (call.c) ---- */
struct xs_deadline {
	int64_t at_ns; /* 0 = not yet computed */
};
/* Monotonic clock in nanoseconds. */
int64_t xs_now_ns(void);
/* After a primitive returned -rc (EAGAIN, EINTR, or another error):
 * decide per the socket's mode. Returns 0 to retry the primitive, or -1
 * with the record filled (timeout, EAGAIN on a non-blocking socket, EINTR
 * the hook refused, any other error). flags are the call's MSG_* flags;
 * events POLLIN or POLLOUT; what names the call in messages. */
int xs_call_wait(struct xs_sock *s, int rc, int flags, short events, struct xs_deadline *dl,
		 const char *what);
/* Wait for events until the deadline (blocking: forever), retrying after
 * signals the hook lets pass; 0 ready, -1 with the record filled. */
int xs_wait_ready(struct xs_sock *s, short events, struct xs_deadline *dl, const char *what);
/* Start the deadline now (sendall: the timeout bounds the whole call). */
void xs_deadline_start(const struct xs_sock *s, struct xs_deadline *dl);
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
