/*
 * kernel.h — what the kernel transport's two files share: the data-path
 * primitives of kernel_io.c, referenced by the ops table in kernel_ops.c.
 */
#ifndef XS_KERNEL_H
#define XS_KERNEL_H

#include <sys/types.h>

#include "transport.h"

ssize_t kernel_sendmsg(struct xs_sock *s, const struct msghdr *m, int flags);
ssize_t kernel_recvmsg(struct xs_sock *s, struct msghdr *m, int flags);
ssize_t kernel_send(struct xs_sock *s, const void *buf, size_t len, int flags,
		    const struct sockaddr *to, socklen_t tolen);
ssize_t kernel_recv(struct xs_sock *s, void *buf, size_t len, int flags, struct sockaddr *from,
		    socklen_t *fromlen);
int kernel_recv_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
int kernel_send_batch(struct xs_sock *s, struct xs_msg *msgs, unsigned count, int flags);
ssize_t kernel_sendfile(struct xs_sock *s, int in_fd, off_t *offset, size_t count);

#endif
