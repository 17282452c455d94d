/*
 * cmsg.c — ancillary data. Lays out xs_cmsg items as native cmsghdrs for
 * xs_sendmsg, reads a received control buffer back with Python's
 * truncation rules, and builds the documented helpers on top of the two:
 * sendmsg_afalg (AF_ALG operation, IV and AEAD length) and send_fds /
 * recv_fds (SCM_RIGHTS). Nothing here touches a transport directly; the
 * data path is xs_sendmsg/xs_recvmsg in data.c.
 */
#include <errno.h>
#include <limits.h>
#include <linux/if_alg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* The kernel never passes more descriptors than this in one message
 * (SCM_MAX_FD), so recv_fds can size its control buffer on the stack. */
#define XS_MAX_FDS 253

/* IVs up to this size are laid out on the stack; larger ones are allocated. */
#define XS_IV_STACK 64

/* ---- layout ---- */

size_t xs_cmsg_build_size(const struct xs_cmsg *items, size_t nitems)
{
	size_t total = 0;
	size_t i;

	for (i = 0; i < nitems; i++) {
		size_t space = CMSG_SPACE(items[i].len);

		/* Saturate: the caller's capacity check then fails cleanly. */
		if (space < items[i].len || total > SIZE_MAX - space)
			return SIZE_MAX;
		total += space;
	}
	return total;
}

ssize_t xs_cmsg_build(const struct xs_cmsg *items, size_t nitems, void *buf, size_t cap)
{
	size_t need = xs_cmsg_build_size(items, nitems);
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < nitems; i++) {
		if (!items[i].data && items[i].len)
			return xs_fail_value(EINVAL, "ancillary data item %zu has no data", i);
	}
	if (need > cap || need > SSIZE_MAX)
		return xs_fail_os(ENOBUFS, "ancillary data needs %zu bytes, buffer has %zu",
				  need, cap);
	if (!need)
		return 0;
	/* Padding between items goes out on the wire: never leak stack bytes. */
	memset(buf, 0, need);
	for (i = 0; i < nitems; i++) {
		struct cmsghdr *c = (struct cmsghdr *)p;

		c->cmsg_level = items[i].level;
		c->cmsg_type = items[i].type;
		c->cmsg_len = CMSG_LEN(items[i].len);
		if (items[i].len)
			memcpy(CMSG_DATA(c), items[i].data, items[i].len);
		p += CMSG_SPACE(items[i].len);
	}
	return need;
}

/* ---- parsing ---- */

/*
 * A walk over a received control buffer. It steps by hand rather than with
 * CMSG_NXTHDR because glibc before 2.37 drops a last item whose data is cut
 * short, where Python's rule keeps the part inside the buffer; every bound
 * is checked against the buffer's length before a header is read.
 */
struct cmsg_iter {
	const unsigned char *buf;
	size_t len;
	size_t off; /* the next header; never past len */
};

static void cmsg_iter_init(struct cmsg_iter *it, const void *ancbuf, size_t anclen)
{
	it->buf = ancbuf;
	it->len = ancbuf ? anclen : 0;
	it->off = 0;
}

/*
 * The next item, its data cut to the part inside the buffer (CPython's
 * get_cmsg_data_len). A header that does not fit, or whose cmsg_len is
 * below CMSG_LEN(0), ends the walk as it does in Python.
 */
static bool cmsg_iter_next(struct cmsg_iter *it, struct xs_cmsg *out)
{
	size_t left = it->len - it->off;
	const struct cmsghdr *c;
	size_t space;

	if (left < CMSG_LEN(0))
		return false;
	c = (const struct cmsghdr *)(it->buf + it->off);
	if (c->cmsg_len < CMSG_LEN(0))
		return false;
	space = left - CMSG_LEN(0);
	out->level = c->cmsg_level;
	out->type = c->cmsg_type;
	out->data = CMSG_DATA(c);
	out->len = c->cmsg_len - CMSG_LEN(0);
	if (out->len > space)
		out->len = space;
	/* Step over the item and its padding; one that reaches the end of
	 * the buffer, or claims to go past it, was the last. */
	if (c->cmsg_len < left && CMSG_ALIGN(c->cmsg_len) < left)
		it->off += CMSG_ALIGN(c->cmsg_len);
	else
		it->off = it->len;
	return true;
}

size_t xs_cmsg_parse(const void *ancbuf, const struct xs_msginfo *info, struct xs_cmsg *items,
		     size_t maxitems)
{
	struct cmsg_iter it;
	struct xs_cmsg item;
	size_t n = 0;

	if (!info)
		return 0;
	cmsg_iter_init(&it, ancbuf, info->anclen);
	while (cmsg_iter_next(&it, &item)) {
		if (items && n < maxitems)
			items[n] = item;
		n++;
	}
	return n;
}

static bool cmsg_is_rights(const struct xs_cmsg *item)
{
	return item->level == SOL_SOCKET && item->type == SCM_RIGHTS;
}

/* The i-th descriptor of an SCM_RIGHTS item; the data is plain bytes. */
static int cmsg_fd_at(const struct xs_cmsg *item, size_t i)
{
	int fd;

	memcpy(&fd, (const unsigned char *)item->data + i * sizeof(int), sizeof(int));
	return fd;
}

void xs_cmsg_close_fds(const void *ancbuf, size_t anclen)
{
	struct cmsg_iter it;
	struct xs_cmsg item;
	size_t i;

	cmsg_iter_init(&it, ancbuf, anclen);
	while (cmsg_iter_next(&it, &item)) {
		if (!cmsg_is_rights(&item))
			continue;
		for (i = 0; i < item.len / sizeof(int); i++)
			close(cmsg_fd_at(&item, i));
	}
}

/* ---- AF_ALG ---- */

/* The ALG_SET_IV payload: struct af_alg_iv followed by the IV bytes. */
static void *afalg_iv_payload(void *stackbuf, const void *iv, size_t ivlen)
{
	size_t size = sizeof(struct af_alg_iv) + ivlen;
	struct af_alg_iv *payload = size <= XS_IV_STACK ? stackbuf : malloc(size);

	if (!payload)
		return NULL;
	payload->ivlen = (uint32_t)ivlen;
	memcpy(payload->iv, iv, ivlen);
	return payload;
}

ssize_t xs_sendmsg_afalg(struct xs_sock *s, const struct iovec *iov, int iovcnt, int op,
			 const void *iv, size_t ivlen, int assoclen, int flags)
{
	_Alignas(struct af_alg_iv) unsigned char ivstack[XS_IV_STACK];
	uint32_t op32 = (uint32_t)op, assoc32 = (uint32_t)assoclen;
	struct xs_cmsg items[3] = {
		{ SOL_ALG, ALG_SET_OP, &op32, sizeof(op32) },
	};
	size_t n = 1;
	void *payload = NULL;
	ssize_t rc;

	if (op < 0)
		return xs_fail_value(EINVAL, "Invalid or missing argument 'op'");
	if (iv && ivlen > UINT32_MAX)
		return xs_fail_value(EOVERFLOW, "iv is too large");
	if (iv) {
		payload = afalg_iv_payload(ivstack, iv, ivlen);
		if (!payload)
			return xs_fail_os(ENOMEM, NULL);
		items[n++] = (struct xs_cmsg){ SOL_ALG, ALG_SET_IV, payload,
					       sizeof(struct af_alg_iv) + ivlen };
	}
	if (assoclen >= 0)
		items[n++] = (struct xs_cmsg){ SOL_ALG, ALG_SET_AEAD_ASSOCLEN, &assoc32,
					       sizeof(assoc32) };
	rc = xs_sendmsg(s, iov, iovcnt, items, n, flags, NULL);
	if (payload != ivstack)
		free(payload);
	return rc;
}

/* ---- descriptor passing ---- */

ssize_t xs_send_fds(struct xs_sock *s, const struct iovec *iov, int iovcnt, const int *fds,
		    size_t nfds, int flags, const struct xs_addr *to)
{
	struct xs_cmsg rights = { SOL_SOCKET, SCM_RIGHTS, fds, nfds * sizeof(int) };

	if (nfds && !fds)
		return xs_fail_value(EINVAL, "fds is NULL with %zu descriptors", nfds);
	return xs_sendmsg(s, iov, iovcnt, &rights, nfds ? 1 : 0, flags, to);
}

/*
 * Copy the descriptors of the received buffer into fds (up to cap) and
 * close the ones that do not fit, so none leaks. A truncated trailing int
 * is ignored, as recv_fds does in Python. Returns the count stored.
 */
static size_t take_fds(const void *ancbuf, size_t anclen, int *fds, size_t cap)
{
	struct cmsg_iter it;
	struct xs_cmsg item;
	size_t n = 0, i;

	cmsg_iter_init(&it, ancbuf, anclen);
	while (cmsg_iter_next(&it, &item)) {
		if (!cmsg_is_rights(&item))
			continue;
		for (i = 0; i < item.len / sizeof(int); i++) {
			int fd = cmsg_fd_at(&item, i);

			if (n < cap)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	return n;
}

ssize_t xs_recv_fds(struct xs_sock *s, void *buf, size_t len, int *fds, size_t *nfds, int flags,
		    struct xs_msginfo *info)
{
	union {
		struct cmsghdr align;
		unsigned char bytes[CMSG_SPACE(XS_MAX_FDS * sizeof(int))];
	} anc;
	struct iovec iov = { buf, len };
	struct xs_msginfo local;
	size_t cap;
	ssize_t rc;

	if (!nfds)
		return xs_fail_value(EINVAL, "nfds is NULL");
	if (*nfds && !fds)
		return xs_fail_value(EINVAL, "fds is NULL with room for %zu descriptors", *nfds);
	if (!info)
		info = &local;
	cap = *nfds < XS_MAX_FDS ? *nfds : XS_MAX_FDS;
	/* CMSG_LEN, not CMSG_SPACE: the padding would let the kernel pass
	 * one descriptor more than asked for. */
	rc = xs_recvmsg(s, &iov, 1, cap ? anc.bytes : NULL, cap ? CMSG_LEN(cap * sizeof(int)) : 0,
			flags | MSG_CMSG_CLOEXEC, info);
	if (rc < 0)
		return -1;
	*nfds = take_fds(anc.bytes, cap ? info->anclen : 0, fds, cap);
	/* The control buffer was ours and is gone; its bytes are now in fds. */
	info->anclen = 0;
	return rc;
}
