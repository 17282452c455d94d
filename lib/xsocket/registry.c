/*
 * registry.c — the list of built-in transports and the choice of one for
 * a new socket. Registration is explicit (no constructors a static link
 * could drop) and checked on first use: a duplicate name or a table that
 * lacks a mandatory op is refused with a message, never half-used.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* A transport adds its ops table here, guarded by the XS_HAVE_TRANSPORT_*
 * macro that meson defines when its folder builds. */
#ifdef XS_HAVE_TRANSPORT_XDP
extern const struct xs_transport xs_xdp_transport;
#endif
#ifdef XS_HAVE_TRANSPORT_DPDK
extern const struct xs_transport xs_dpdk_transport;
#endif

static const struct xs_transport *const builtin[] = {
	&xs_kernel_transport,
#ifdef XS_HAVE_TRANSPORT_XDP
	&xs_xdp_transport,
#endif
#ifdef XS_HAVE_TRANSPORT_DPDK
	&xs_dpdk_transport,
#endif
};
#define NBUILTIN (sizeof(builtin) / sizeof(builtin[0]))

/* Per transport: 0 not yet initialised, 1 ready, -errno init failed
 * (then init_error keeps the message, so every later socket reports it). */
static int init_state[NBUILTIN];
static char init_error[NBUILTIN][sizeof(((struct xs_error *)0)->msg)];
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

size_t xs_transport_count(void)
{
	return NBUILTIN;
}

const char *xs_transport_at(size_t i)
{
	return i < NBUILTIN ? builtin[i]->name : NULL;
}

const char *xs_transport_list(void)
{
	static __thread char list[128]; /* per thread: no race on first use */
	size_t used = 0;

	for (size_t i = 0; i < NBUILTIN && used < sizeof(list); i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
				 builtin[i]->name);
	return list;
}

const struct xs_transport *xs_transport_find(const char *name)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		if (!strcmp(builtin[i]->name, name))
			return builtin[i];
	return NULL;
}

/* Mandatory ops: without them the core cannot create, wait or close. A
 * broken table is marked failed (so it is never used) and logged. */
static void transport_check(size_t idx)
{
	const struct xs_transport *tp = builtin[idx];
	int err = 0;

	if (!tp->name || !tp->supports || !tp->open || !tp->close || !tp->wait ||
	    !tp->sendmsg || !tp->recvmsg) {
		err = EINVAL;
		snprintf(init_error[idx], sizeof(init_error[idx]), "transport '%s' is incomplete "
			 "(needs supports, open, close, wait, sendmsg, recvmsg)",
			 tp->name ? tp->name : "?");
	}
	for (size_t j = 0; j < idx && !err; j++)
		if (!strcmp(builtin[j]->name, tp->name)) {
			err = EEXIST;
			snprintf(init_error[idx], sizeof(init_error[idx]), "transport '%s' is "
				 "registered twice; the second table is ignored", tp->name);
		}
	if (err) {
		init_state[idx] = -err;
		xs_log(XS_LOG_ERROR, "%s", init_error[idx]);
	}
}

static void check_all(void)
{
	for (size_t i = 0; i < NBUILTIN; i++)
		transport_check(i);
}

/* Every table is checked once, before any is asked anything. */
static void registry_checked(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, check_all);
}

static size_t transport_index(const struct xs_transport *tp)
{
	size_t i = 0;

	while (builtin[i] != tp)
		i++;
	return i;
}

static void transport_init(size_t i)
{
	const struct xs_transport *tp = builtin[i];
	int rc = 0;

	if (tp->init) {
		xs_clear_error();
		rc = tp->init();
		/* init may have said what to fix; otherwise the code speaks. */
		if (rc < 0 && xs_last_error()->code != -rc)
			xs_fail_op(rc, tp->name);
	}
	if (rc == 0) {
		__atomic_store_n(&init_state[i], 1, __ATOMIC_RELEASE);
		return;
	}
	snprintf(init_error[i], sizeof(init_error[i]), "%s", xs_last_error()->msg);
	__atomic_store_n(&init_state[i], -xs_last_error()->code, __ATOMIC_RELEASE);
}

int xs_transport_ready(const struct xs_transport *tp)
{
	size_t i = transport_index(tp);
	bool first;
	int state;

	if (__atomic_load_n(&init_state[i], __ATOMIC_ACQUIRE) == 1)
		return 0;
	registry_checked();

	pthread_mutex_lock(&init_lock);
	xs_config_freeze();
	first = init_state[i] == 0;
	if (first)
		transport_init(i);
	state = init_state[i];
	pthread_mutex_unlock(&init_lock);
	/* Logged outside the lock: a handler may itself create sockets. */
	if (first && state == 1)
		xs_log(XS_LOG_INFO, "transport %s ready", tp->name);
	if (state == 1)
		return 0;
	return xs_fail_os(-state, "%s", init_error[i]);
}

/* The configured transport for a family, before fallback. */
static const struct xs_transport *configured(int family)
{
	const char *name;

	if (xs_config_ready() < 0 || xs_config_transport_for(family, &name) < 0)
		return NULL;
	return name ? xs_transport_find(name) : &xs_kernel_transport;
}

const struct xs_transport *xs_transport_pick(int family, int type, int proto)
{
	const struct xs_transport *tp;
	const char *fam = xs_family_name(family);
	int state;

	registry_checked();
	tp = configured(family);
	if (!tp)
		return NULL;
	state = __atomic_load_n(&init_state[transport_index(tp)], __ATOMIC_ACQUIRE);
	if (state < 0) {
		xs_fail_os(-state, "%s", init_error[transport_index(tp)]);
		return NULL;
	}
	if (tp->supports(family, type, proto))
		return tp;
	if (xs_config_fallback_kernel()) {
		xs_log(XS_LOG_INFO, "transport %s cannot carry family %s type %d; using kernel "
		       "(fallback=kernel)", tp->name, fam ? fam : "?", type);
		return &xs_kernel_transport;
	}
	xs_fail_os(EPROTONOSUPPORT, "transport %s cannot carry family %s type %d: change "
		   "key 'transport' (XSOCKET_TRANSPORT) or set fallback=kernel",
		   tp->name, fam ? fam : "?", type);
	return NULL;
}

const char *xs_transport_for(int family, int type, int proto)
{
	const struct xs_transport *tp = xs_transport_pick(family, type, proto);

	return tp ? tp->name : NULL;
}

int xs_transport_describe(const char *name, char *buf, size_t len)
{
	const struct xs_transport *tp;
	int rc;

	if (XS_NONNULL("xs_transport_describe", name) < 0 ||
	    XS_NONNULL("xs_transport_describe", buf) < 0)
		return -1;
	registry_checked();
	tp = xs_transport_find(name);
	if (!tp)
		return xs_fail_value(EINVAL, "no transport '%s' is built in (built in: %s)", name,
				     xs_transport_list());
	if (xs_config_ready() < 0 || xs_transport_ready(tp) < 0)
		return -1;
	if (!tp->describe)
		return xs_copy_out("", buf, len, "description");
	rc = tp->describe(buf, len);
	return rc < 0 ? xs_fail_op(rc, "describing the transport") : 0;
}
