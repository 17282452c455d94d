/*
 * makefile.c — xs_makefile: a stdio FILE over a socket, Python's
 * makefile(). The stream is an fopencookie whose callbacks go through the
 * public calls (xs_recv, xs_sendall), so it works on every transport and
 * each read or write is bounded by the socket's timeout; a failure sets
 * the stream's error flag with errno from the library's record. The socket
 * stays the caller's: closing the FILE frees only the cookie, and the
 * socket handle must outlive the FILE.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct mf_cookie {
	struct xs_sock *s;
	/* A copy of the last chunk handed to stdio. stdio drops read-ahead
	 * when a read is followed by a write (or on fflush) and "seeks back"
	 * over it; a socket cannot seek, so mf_seek marks the tail of this
	 * copy as pending and mf_read serves it again. */
	size_t last_len;
	size_t pending;
	unsigned char last[BUFSIZ];
};

static ssize_t mf_read(void *cookie, char *buf, size_t size)
{
	struct mf_cookie *mf = cookie;
	ssize_t n;

	if (size > sizeof(mf->last))
		size = sizeof(mf->last);
	if (mf->pending) {
		n = size < mf->pending ? size : mf->pending;
		memcpy(buf, mf->last + mf->last_len - mf->pending, n);
		mf->pending -= n;
		return n;
	}
	n = xs_recv(mf->s, buf, size, 0);
	mf->last_len = n > 0 ? (size_t)n : 0;
	memcpy(mf->last, buf, mf->last_len);
	return n;
}

/* stdio wants the count that went out, short on failure, never -1; it
 * sets the error flag itself. (A peer that went away shows up as EPIPE:
 * transports never raise SIGPIPE.) */
static ssize_t mf_write(void *cookie, const char *buf, size_t size)
{
	struct mf_cookie *mf = cookie;
	size_t sent = 0;

	xs_sendall(mf->s, buf, size, 0, &sent);
	return sent;
}

/* Only the step back over read-ahead stdio is discarding (see struct
 * mf_cookie) is possible; positions on a socket mean nothing, so 0. */
static int mf_seek(void *cookie, off64_t *offset, int whence)
{
	struct mf_cookie *mf = cookie;

	if (whence != SEEK_CUR || *offset > 0 ||
	    (uint64_t)-*offset > mf->last_len - mf->pending) {
		errno = ESPIPE;
		return -1;
	}
	mf->pending += (size_t)-*offset;
	*offset = 0;
	return 0;
}

static int mf_close(void *cookie)
{
	free(cookie);
	return 0;
}

/*
 * Python's modes: r, w or both (rw, r+, w+), b optional, each letter at
 * most once, in any order. Returns the fopencookie mode, or NULL.
 */
static const char *mf_stdio_mode(const char *mode)
{
	static const char letters[] = "rwb+";
	enum { R = 1, W = 2, PLUS = 8 };
	unsigned seen = 0;
	const char *p;

	for (p = mode; *p; p++) {
		const char *at = strchr(letters, *p);
		unsigned bit = at ? 1u << (at - letters) : 0;

		if (!bit || (seen & bit))
			return NULL;
		seen |= bit;
	}
	if (!(seen & (R | W)))
		return NULL;
	if ((seen & PLUS) || (seen & (R | W)) == (R | W))
		return "r+";
	return seen & R ? "r" : "w";
}

FILE *xs_makefile(struct xs_sock *s, const char *mode)
{
	static const cookie_io_functions_t io = {
		.read = mf_read,
		.write = mf_write,
		.seek = mf_seek,
		.close = mf_close,
	};
	const char *stdio_mode = mode ? mf_stdio_mode(mode) : NULL;
	struct mf_cookie *mf;
	FILE *f;

	if (!stdio_mode) {
		xs_fail_value(EINVAL, "invalid mode '%s' (use r, w, rw, optionally with b)",
			      mode ? mode : "(null)");
		return NULL;
	}
	if (xs_sock_check(s) < 0)
		return NULL;
	mf = calloc(1, sizeof(*mf));
	if (!mf)
		goto out_nomem;
	mf->s = s;
	f = fopencookie(mf, stdio_mode, io);
	if (!f)
		goto out_free_cookie;
	return f;

out_free_cookie:
	free(mf);
out_nomem:
	xs_fail_os(ENOMEM, NULL);
	return NULL;
}
