/*
 * xdp_config.c — the xdp.* configuration keys, read once when the
 * transport starts: xdp.iface (required), xdp.queues, xdp.mode,
 * xdp.zerocopy and xdp.busy_poll_us. Each bad value fails with a message
 * that names the key, the value and the forms the key accepts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xdp_port.h"

#define BUSY_POLL_MAX_US 1000000

static const char queues_forms[] = "use RX queue ids 0-63 as a list of ids and ranges, e.g. 0-1 "
				   "or 0,2; empty or all for every active RX queue";

static int bad_value(char *msg, size_t msglen, const char *key, const char *value,
		     const char *forms)
{
	return xdp_fail(msg, msglen, -EINVAL, "bad value for key '%s': '%s' (%s)", key, value,
			forms);
}

/* A decimal number in [0, max] that fills the text exactly. */
static int parse_uint(const char *s, const char **end, unsigned long max, unsigned long *out)
{
	char *e;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &e, 10);
	if (errno || *out > max)
		return -EINVAL;
	if (end)
		*end = e;
	else if (*e)
		return -EINVAL;
	return 0;
}

/* "0-1,4": one id or a range per comma. */
static int parse_queues(const char *s, uint64_t *mask)
{
	unsigned long lo, hi;

	*mask = 0;
	if (!*s || !strcmp(s, "all"))
		return 0;
	for (;;) {
		if (parse_uint(s, &s, XDP_MAX_QUEUES - 1, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (*s == '-' && (parse_uint(s + 1, &s, XDP_MAX_QUEUES - 1, &hi) < 0 || hi < lo))
			return -EINVAL;
		for (unsigned long q = lo; q <= hi; q++)
			*mask |= 1ull << q;
		if (!*s)
			return 0;
		if (*s++ != ',')
			return -EINVAL;
	}
}

static int word(const char *value, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(value, words[i]))
			return i;
	return -1;
}

static int load_iface(struct xdp_cfg *cfg, char *msg, size_t msglen)
{
	const char *v = xs_config_value("xdp.iface");

	if (!v || !*v)
		return xdp_fail(
			msg, msglen, -EINVAL,
			"xdp.iface is not set: name the interface, e.g. XSOCKET_XDP_IFACE=eth1");
	if (strlen(v) >= sizeof(cfg->iface))
		return bad_value(msg, msglen, "xdp.iface", v,
				 "an interface name of at most 15 characters, as ip link shows it");
	snprintf(cfg->iface, sizeof(cfg->iface), "%s", v);
	return 0;
}

static int load_choices(struct xdp_cfg *cfg, char *msg, size_t msglen)
{
	/* In the order of the enums: auto first. */
	static const char *const modes[] = {"auto", "native", "generic", NULL};
	static const char *const zc[] = {"auto", "on", "off", NULL};
	const char *v;
	int i;

	v = xs_config_value("xdp.mode");
	if (v && *v) {
		i = word(v, modes);
		if (i < 0)
			return bad_value(msg, msglen, "xdp.mode", v, "use native, generic or auto");
		cfg->mode = (enum xdp_mode)i;
	}
	v = xs_config_value("xdp.zerocopy");
	if (v && *v) {
		i = word(v, zc);
		if (i < 0)
			return bad_value(msg, msglen, "xdp.zerocopy", v, "use on, off or auto");
		cfg->zerocopy = (enum xdp_zc)i;
	}
	return 0;
}

int xdp_config_load(struct xdp_cfg *cfg, char *msg, size_t msglen)
{
	unsigned long us;
	const char *v;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = XDP_MODE_AUTO;
	cfg->zerocopy = XDP_ZC_AUTO;
	rc = load_iface(cfg, msg, msglen);
	if (rc == 0)
		rc = load_choices(cfg, msg, msglen);
	if (rc < 0)
		return rc;
	v = xs_config_value("xdp.queues");
	if (v && parse_queues(v, &cfg->queues) < 0)
		return bad_value(msg, msglen, "xdp.queues", v, queues_forms);
	v = xs_config_value("xdp.busy_poll_us");
	if (v && *v) {
		if (parse_uint(v, NULL, BUSY_POLL_MAX_US, &us) < 0)
			return bad_value(msg, msglen, "xdp.busy_poll_us", v,
					 "microseconds from 0 (off) to 1000000, e.g. 50");
		cfg->busy_poll_us = us;
	}
	return 0;
}
