/*
 * config.c — one configuration, two spellings: xs_config_set("xdp.iface",
 * "vB") or XSOCKET_XDP_IFACE=vB in the environment. The environment is read
 * once, at first use; a value set from C wins over it. Keys are the core's
 * (transport, fallback, log) and those each built-in transport declares.
 * Values are checked when set and again when first used, so a bad value in
 * the environment fails with a message that names the key.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_KEYS 48
#define MAX_VALUE 256

struct config_entry {
	char key[64];
	char value[MAX_VALUE];
	bool too_long; /* from the environment: refused at first use, naming the key */
};

static struct config_entry entries[MAX_KEYS];
static size_t nentries;
static pthread_once_t env_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static bool frozen;
static int log_level = XS_LOG_WARN;

static const char *const core_keys[] = { "transport", "fallback", "log", NULL };
static const char *const log_levels[] = { "error", "warn", "info", "debug", NULL };

static const struct family_name {
	int family;
	const char *name;
} family_names[] = {
	{ AF_UNIX, "unix" },       { AF_INET, "inet" },       { AF_INET6, "inet6" },
	{ AF_PACKET, "packet" },   { AF_NETLINK, "netlink" }, { AF_TIPC, "tipc" },
	{ AF_CAN, "can" },         { AF_BLUETOOTH, "bluetooth" }, { AF_ALG, "alg" },
	{ AF_VSOCK, "vsock" },     { AF_QIPCRTR, "qipcrtr" }, { AF_RDS, "rds" },
};

const char *xs_family_name(int family)
{
	for (size_t i = 0; i < sizeof(family_names) / sizeof(family_names[0]); i++)
		if (family_names[i].family == family)
			return family_names[i].name;
	return NULL;
}

static int family_by_name(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(family_names) / sizeof(family_names[0]); i++)
		if (strlen(family_names[i].name) == len &&
		    !strncmp(family_names[i].name, name, len))
			return family_names[i].family;
	return -1;
}

static int word_index(const char *const *words, const char *w)
{
	for (int i = 0; words[i]; i++)
		if (!strcmp(words[i], w))
			return i;
	return -1;
}

/* "xdp.iface" is known if transport "xdp" is built in and declares "iface". */
static bool transport_key_known(const char *key)
{
	const char *dot = strchr(key, '.');
	const struct xs_transport *tp;
	char name[32];

	if (!dot || (size_t)(dot - key) >= sizeof(name))
		return false;
	memcpy(name, key, dot - key);
	name[dot - key] = '\0';
	tp = xs_transport_find(name);
	return tp && tp->config_keys && word_index(tp->config_keys, dot + 1) >= 0;
}

bool xs_config_key_known(const char *key)
{
	return word_index(core_keys, key) >= 0 || transport_key_known(key);
}

static struct config_entry *entry_find(const char *key)
{
	for (size_t i = 0; i < nentries; i++)
		if (!strcmp(entries[i].key, key))
			return &entries[i];
	return NULL;
}

/* Walk "fam=tp,fam=tp"; for each pair call fn; stop at its first failure. */
static int transport_pairs(const char *value,
			   int (*fn)(int family, const char *tp, size_t tplen, void *arg), void *arg)
{
	const char *p = value;

	while (*p) {
		const char *comma = strchrnul(p, ',');
		const char *eq = memchr(p, '=', comma - p);
		int family;

		if (!eq)
			return xs_fail_value(EINVAL, "bad value for key 'transport': '%.*s' is not "
					     "family=transport (example: inet=xdp,inet6=xdp)",
					     (int)(comma - p), p);
		family = family_by_name(p, eq - p);
		if (family < 0)
			return xs_fail_value(EINVAL, "bad value for key 'transport': unknown family "
					     "'%.*s' (families: unix, inet, inet6, packet, netlink, "
					     "tipc, can, bluetooth, alg, vsock, qipcrtr, rds)",
					     (int)(eq - p), p);
		if (fn(family, eq + 1, comma - eq - 1, arg) < 0)
			return -1;
		p = *comma ? comma + 1 : comma;
	}
	return 0;
}

static int check_transport_name(int family, const char *tp, size_t len, void *arg)
{
	char name[32];

	if (len == 0 || len >= sizeof(name))
		goto unknown;
	memcpy(name, tp, len);
	name[len] = '\0';
	if (xs_transport_find(name))
		return 0;
unknown:
	return xs_fail_value(EINVAL, "bad value for key 'transport': unknown transport '%.*s' "
			     "for family %s (built in: %s)", (int)len, tp, xs_family_name(family),
			     xs_transport_list());
}

static int check_value(const char *key, const char *value)
{
	if (strlen(value) >= MAX_VALUE)
		return xs_fail_value(EINVAL, "value for key '%s' is longer than %d bytes", key,
				     MAX_VALUE - 1);
	if (!strcmp(key, "transport"))
		return transport_pairs(value, check_transport_name, NULL);
	if (!strcmp(key, "fallback") && strcmp(value, "none") && strcmp(value, "kernel"))
		return xs_fail_value(EINVAL, "bad value for key 'fallback': '%s' (use none or "
				     "kernel)", value);
	if (!strcmp(key, "log") && word_index(log_levels, value) < 0)
		return xs_fail_value(EINVAL, "bad value for key 'log': '%s' (use error, warn, "
				     "info or debug)", value);
	return 0;
}

/* Only known keys are stored, and MAX_KEYS is well above their number. */
static void entry_store(const char *key, const char *value)
{
	struct config_entry *e = entry_find(key);

	if (!e && nentries < MAX_KEYS)
		e = &entries[nentries++];
	if (!e)
		return;
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->value, sizeof(e->value), "%s", value);
	e->too_long = strlen(value) >= sizeof(e->value);
	if (!strcmp(key, "log") && word_index(log_levels, value) >= 0)
		__atomic_store_n(&log_level, word_index(log_levels, value), __ATOMIC_RELAXED);
}

/* XSOCKET_XDP_IFACE for "xdp.iface". */
static void env_name(const char *key, char *buf, size_t len)
{
	size_t n = snprintf(buf, len, "XSOCKET_");

	for (; *key && n + 1 < len; key++)
		buf[n++] = *key == '.' ? '_' : toupper((unsigned char)*key);
	buf[n] = '\0';
}

static void env_load_key(const char *key)
{
	char name[80];
	const char *value;

	env_name(key, name, sizeof(name));
	value = getenv(name);
	if (value && !entry_find(key))
		entry_store(key, value);
}

static void env_load(void)
{
	pthread_mutex_lock(&config_lock);
	for (int i = 0; core_keys[i]; i++)
		env_load_key(core_keys[i]);
	for (size_t t = 0; xs_transport_at(t); t++) {
		const struct xs_transport *tp = xs_transport_find(xs_transport_at(t));
		char key[64];

		for (int k = 0; tp->config_keys && tp->config_keys[k]; k++) {
			snprintf(key, sizeof(key), "%s.%s", tp->name, tp->config_keys[k]);
			env_load_key(key);
		}
	}
	pthread_mutex_unlock(&config_lock);
}

static void env_load_once(void)
{
	pthread_once(&env_once, env_load);
}

int xs_config_set(const char *key, const char *value)
{
	int rc = 0;

	if (!key || !value)
		return xs_fail_value(EINVAL, "xs_config_set: key and value must not be NULL");
	if (!xs_config_key_known(key))
		return xs_fail_value(EINVAL, "unknown configuration key '%s' (core keys: "
				     "transport, fallback, log; transport keys are name.key)", key);
	if (check_value(key, value) < 0)
		return -1;
	/* Values set from C win: mark them before the environment is read. */
	pthread_mutex_lock(&config_lock);
	if (frozen)
		rc = xs_fail_os(EBUSY, "configuration key '%s' set after the first socket; "
				"set it before creating sockets", key);
	else
		entry_store(key, value);
	pthread_mutex_unlock(&config_lock);
	return rc;
}

const char *xs_config_value(const char *key)
{
	struct config_entry *e;

	env_load_once();
	pthread_mutex_lock(&config_lock);
	e = entry_find(key);
	pthread_mutex_unlock(&config_lock);
	/* Stable from the first socket on, when sets are refused. */
	return e ? e->value : NULL;
}

static const char *config_default(const char *key)
{
	if (!strcmp(key, "fallback"))
		return "none";
	if (!strcmp(key, "log"))
		return "warn";
	return "";
}

int xs_config_get(const char *key, char *buf, size_t len)
{
	const char *value;

	if (!key || !buf)
		return xs_fail_value(EINVAL, "xs_config_get: key and buf must not be NULL");
	if (!xs_config_key_known(key))
		return xs_fail_value(EINVAL, "unknown configuration key '%s'", key);
	value = xs_config_value(key);
	if (!value)
		value = config_default(key);
	return xs_copy_out(value, buf, len, key);
}

int xs_config_log_level(void)
{
	env_load_once();
	return __atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void xs_config_freeze(void)
{
	pthread_mutex_lock(&config_lock);
	frozen = true;
	pthread_mutex_unlock(&config_lock);
}

bool xs_config_fallback_kernel(void)
{
	const char *v = xs_config_value("fallback");

	return v && !strcmp(v, "kernel");
}

struct family_lookup {
	int family;
	const char *name;
	size_t len;
};

static int match_family(int family, const char *tp, size_t len, void *arg)
{
	struct family_lookup *l = arg;

	if (family == l->family) {
		l->name = tp;
		l->len = len;
	}
	return 0;
}

int xs_config_transport_for(int family, const char **name)
{
	static __thread char chosen[32];
	struct family_lookup l = { .family = family };
	const char *value = xs_config_value("transport");

	*name = NULL;
	if (!value || !*value)
		return 0;
	/* xs_config_ready has validated the value; this only finds the family. */
	if (transport_pairs(value, match_family, &l) < 0)
		return -1;
	if (l.name) {
		snprintf(chosen, sizeof(chosen), "%.*s", (int)l.len, l.name);
		*name = chosen;
	}
	return 0;
}

int xs_config_ready(void)
{
	/* Once frozen the values cannot change: one good check is enough. */
	static bool valid_when_frozen;
	int rc = 0;

	if (__atomic_load_n(&valid_when_frozen, __ATOMIC_ACQUIRE))
		return 0;
	env_load_once();
	pthread_mutex_lock(&config_lock);
	for (size_t i = 0; i < nentries && rc == 0; i++)
		if (entries[i].too_long)
			rc = xs_fail_value(EINVAL, "value of key '%s' is longer than %d bytes",
					   entries[i].key, MAX_VALUE - 1);
		else
			rc = check_value(entries[i].key, entries[i].value);
	if (rc == 0 && frozen)
		__atomic_store_n(&valid_when_frozen, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&config_lock);
	return rc;
}
