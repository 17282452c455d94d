/*
 * options.c — getsockopt/setsockopt in their integer and buffer forms,
 * with CPython's argument checks (buflen 1..1024; a NULL value with a
 * length for the v3.6 "None, optlen" form).
 */
#include <errno.h>

#include "internal.h"

#define GETSOCKOPT_MAX_BUFLEN 1024

int xs_setsockopt(struct xs_sock *s, int level, int optname, const void *buf, socklen_t len)
{
	int rc;

	if (xs_sock_check(s) < 0)
		return -1;
	if (!s->tp->setsockopt)
		return xs_fail_os(ENOPROTOOPT, "setsockopt: transport %s has no options",
				  s->tp->name);
	rc = s->tp->setsockopt(s, level, optname, buf, len);
	return rc < 0 ? xs_fail_op(rc, "setsockopt") : 0;
}

int xs_setsockopt_int(struct xs_sock *s, int level, int optname, int value)
{
	return xs_setsockopt(s, level, optname, &value, sizeof(value));
}

static int getsockopt_raw(struct xs_sock *s, int level, int optname, void *buf,
			  socklen_t *len)
{
	int rc;

	if (!s->tp->getsockopt)
		return xs_fail_os(ENOPROTOOPT, "getsockopt: transport %s has no options",
				  s->tp->name);
	rc = s->tp->getsockopt(s, level, optname, buf, len);
	return rc < 0 ? xs_fail_op(rc, "getsockopt") : 0;
}

int xs_getsockopt_int(struct xs_sock *s, int level, int optname, int *value)
{
	socklen_t len = sizeof(*value);

	if (xs_sock_check(s) < 0)
		return -1;
	if (!value)
		return xs_fail_value(EINVAL, "getsockopt: value must not be NULL");
	*value = 0;
	return getsockopt_raw(s, level, optname, value, &len);
}

int xs_getsockopt(struct xs_sock *s, int level, int optname, void *buf, socklen_t *buflen)
{
	if (xs_sock_check(s) < 0)
		return -1;
	if (!buf || !buflen)
		return xs_fail_value(EINVAL, "getsockopt: buf and buflen must not be NULL");
	if (*buflen == 0 || *buflen > GETSOCKOPT_MAX_BUFLEN)
		return xs_fail_os(0, "getsockopt buflen out of range (%u; use 1 to %d)",
				  *buflen, GETSOCKOPT_MAX_BUFLEN);
	return getsockopt_raw(s, level, optname, buf, buflen);
}
