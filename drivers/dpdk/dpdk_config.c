/*
 * dpdk_config.c — the dpdk.* configuration keys, read once when the
 * transport starts: dpdk.eal (the EAL's arguments), dpdk.port, dpdk.queues,
 * the addresses the stack owns (dpdk.ipv4, dpdk.ipv6, dpdk.gateway) and
 * its permanent neighbours (dpdk.neighbours).
 * Each bad value fails with a message that names the key, the value and
 * the forms the key accepts.
 *
 * To the words of dpdk.eal it adds what a library needs so that it can
 * share a process and leave nothing behind: --log-level from the "log"
 * key (first, so that the user's own --log-level options win), a unique
 * --file-prefix, one lcore (the calling thread's CPU) instead of a worker
 * thread per core, --no-telemetry, and the memory mode: --in-memory on
 * free 2 MB hugepages, else --no-huge -m <MB> --no-shconf with a
 * warning. Options the user gave are never overridden.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dpdk.h"
#include "internal.h"

#define MB	       (1024 * 1024)
#define HUGEPAGE_MB    2
#define HUGEPAGES_FREE "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

/* rte_log.h's levels, by xsocket's: error, warn, info, debug. Never
 * below ERR (4): the error lines go into our messages; dpdk_port.c shows
 * ERR and WARNING at info, NOTICE and below at debug. */
static const int eal_log_levels[] = {4, 4, 5, 8};

static int fail(char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- the EAL's words ---- */

/* Append one argument, copied into cfg->args. */
static int arg_add(struct dpdk_cfg *cfg, size_t *used, const char *s, size_t n)
{
	if (cfg->argc >= DPDK_MAX_ARGS || *used + n + 1 > sizeof(cfg->args))
		return -E2BIG;
	memcpy(cfg->args + *used, s, n);
	cfg->args[*used + n] = '\0';
	cfg->argv[cfg->argc++] = cfg->args + *used;
	cfg->argv[cfg->argc] = NULL;
	*used += n + 1;
	return 0;
}

static int arg_addf(struct dpdk_cfg *cfg, size_t *used, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int arg_addf(struct dpdk_cfg *cfg, size_t *used, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -E2BIG;
	return arg_add(cfg, used, buf, n);
}

/* Split a line into words as a shell would for plain arguments:
 * blanks separate, '...' and "..." quote, a backslash escapes one
 * character outside single quotes. No expansion of any kind. */
static int split_words(struct dpdk_cfg *cfg, size_t *used, const char *line)
{
	char word[1024];
	const char *s = line;

	for (;;) {
		size_t n = 0;
		char quote = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			return 0;
		for (; *s && (quote || (*s != ' ' && *s != '\t' && *s != '\n')); s++) {
			if (!quote && (*s == '\'' || *s == '"')) {
				quote = *s;
				continue;
			}
			if (quote && *s == quote) {
				quote = 0;
				continue;
			}
			if (*s == '\\' && quote != '\'' && s[1])
				s++;
			if (n + 1 >= sizeof(word))
				return -E2BIG;
			word[n++] = *s;
		}
		if (quote)
			return -EINVAL;
		if (arg_add(cfg, used, word, n) < 0)
			return -E2BIG;
	}
}

/* Did the user give this option? Long options match "--opt" and
 * "--opt=…"; short ones "-m" and "-m512". Words from index first on. */
static bool has_opt(const struct dpdk_cfg *cfg, int first, const char *opt)
{
	size_t n = strlen(opt);

	for (int i = first; i < cfg->argc; i++) {
		const char *w = cfg->argv[i];

		if (strncmp(w, opt, n))
			continue;
		if (!w[n] || (opt[1] == '-' && w[n] == '=') || opt[1] != '-')
			return true;
	}
	return false;
}

static bool has_any(const struct dpdk_cfg *cfg, int first, const char *const *opts)
{
	for (int i = 0; opts[i]; i++)
		if (has_opt(cfg, first, opts[i]))
			return true;
	return false;
}

/* The CPU the calling thread may run on first: the EAL's one lcore. */
static int first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &set))
				return c;
	return 0;
}

/* The mempool and, under --no-huge, the memory the EAL gets (at a page
 * per mbuf: the worst case, decided only once the device is known). */
static void size_memory(struct dpdk_cfg *cfg)
{
	unsigned long bytes;

	cfg->nb_mbufs = cfg->nqueues * (DPDK_RX_DESC + DPDK_TX_DESC + DPDK_BURST) +
			(cfg->nqueues + 1) * DPDK_POOL_CACHE + DPDK_POOL_EXTRA;
	bytes = (unsigned long)cfg->nb_mbufs * DPDK_MBUF_BYTES_NO_HUGE;
	/* A quarter more for the ring and headers of the pool itself. */
	cfg->mem_mb = DPDK_NO_HUGE_BASE_MB + (unsigned)((bytes + bytes / 4 + MB - 1) / MB);
}

/* The options a user sets to take charge of the memory mode. */
static const char *const memory_opts[] = {
	"--no-huge",
	"--in-memory",
	"--huge-dir",
	"--legacy-mem",
	"--no-shconf",
	"--huge-unlink",
	"--single-file-segments",
	"--proc-type",
	NULL,
};
static const char *const size_opts[] = {"-m", "--socket-mem", NULL};
static const char *const lcore_opts[] = {"-l", "-c", "--lcores", NULL};

static int add_memory(struct dpdk_cfg *cfg, size_t *used, int first, long free_pages)
{
	int rc = 0;

	if (has_any(cfg, first, memory_opts)) {
		/* The user's choice; but --no-huge's default 64 MB may not
		 * hold the mempool. */
		if (has_opt(cfg, first, "--no-huge") && !has_any(cfg, first, size_opts))
			rc = arg_addf(cfg, used, "-m%u", cfg->mem_mb);
		return rc;
	}
	if (free_pages > 0 && (unsigned long)free_pages * HUGEPAGE_MB >= cfg->mem_mb)
		return arg_addf(cfg, used, "--in-memory");
	cfg->no_huge = true;
	rc = arg_addf(cfg, used, "--no-huge");
	if (rc == 0 && !has_any(cfg, first, size_opts))
		rc = arg_addf(cfg, used, "-m%u", cfg->mem_mb);
	if (rc == 0)
		rc = arg_addf(cfg, used, "--no-shconf");
	return rc;
}

static int check_eal_words(const struct dpdk_cfg *cfg, int first, char *msg, size_t msglen)
{
	for (int i = first; i < cfg->argc; i++)
		if (!strcmp(cfg->argv[i], "--"))
			return fail(
				msg, msglen,
				"bad value for key 'dpdk.eal': it holds EAL options only; remove "
				"'--' and what follows");
	if (has_opt(cfg, first, "--in-memory") && has_opt(cfg, first, "--no-huge"))
		return fail(msg, msglen,
			    "bad value for key 'dpdk.eal': DPDK 22.11 refuses --in-memory with "
			    "--no-huge (--no-huge is legacy memory); drop --in-memory and add "
			    "--no-shconf, which also leaves no files behind");
	return 0;
}

static int build_args(struct dpdk_cfg *cfg, const char *eal, const struct dpdk_host *h, char *msg,
		      size_t msglen)
{
	int level = h->log_level < 0 ? 0 : h->log_level > 3 ? 3 : h->log_level;
	size_t used = 0;
	int rc, first;

	rc = arg_add(cfg, &used, "xsocket", 7);
	if (rc == 0)
		rc = arg_addf(cfg, &used, "--log-level=%d", eal_log_levels[level]);
	first = cfg->argc;
	if (rc == 0 && eal)
		rc = split_words(cfg, &used, eal);
	if (rc == -EINVAL)
		return fail(msg, msglen, "bad value for key 'dpdk.eal': unterminated quote in '%s'",
			    eal);
	if (rc == 0)
		rc = check_eal_words(cfg, first, msg, msglen);
	if (rc == -EINVAL)
		return rc;
	cfg->own_prefix = !has_opt(cfg, first, "--file-prefix");
	if (rc == 0 && cfg->own_prefix)
		rc = arg_addf(cfg, &used, "--file-prefix=xsocket-%ld", h->pid);
	if (rc == 0 && !has_any(cfg, first, lcore_opts))
		rc = arg_addf(cfg, &used, "-l%d", first_cpu());
	if (rc == 0 && !has_opt(cfg, first, "--telemetry") &&
	    !has_opt(cfg, first, "--no-telemetry"))
		rc = arg_addf(cfg, &used, "--no-telemetry");
	if (rc == 0)
		rc = add_memory(cfg, &used, first, h->hugepages_free);
	if (rc < 0)
		return fail(msg, msglen,
			    "bad value for key 'dpdk.eal': too long (at most %d words, with room "
			    "for the 8 that xsocket adds)",
			    DPDK_MAX_ARGS - 8);
	return 0;
}

/* ---- the other keys ---- */

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > max ? -EINVAL : 0;
}

static int load_port(struct dpdk_cfg *cfg, const char *v, char *msg, size_t msglen)
{
	if (!v || !*v)
		return 0;
	if (strlen(v) >= sizeof(cfg->port) || strpbrk(v, " \t=,"))
		return fail(msg, msglen,
			    "bad value for key 'dpdk.port': '%s' (a port id such as 0, or a device "
			    "name such as net_af_packet0; device arguments belong in dpdk.eal's "
			    "--vdev)",
			    v);
	snprintf(cfg->port, sizeof(cfg->port), "%s", v);
	return 0;
}

static int load_queues(struct dpdk_cfg *cfg, const char *v, char *msg, size_t msglen)
{
	unsigned long n;

	cfg->nqueues = 1;
	if (!v || !*v)
		return 0;
	if (parse_uint(v, DPDK_MAX_QUEUES, &n) < 0 || n == 0)
		return fail(msg, msglen,
			    "bad value for key 'dpdk.queues': '%s' (the number of RX/TX queue "
			    "pairs, RSS spreading frames across them: 1 to %d)",
			    v, DPDK_MAX_QUEUES);
	cfg->nqueues = n;
	return 0;
}

/* "198.18.0.2/24" or "2001:2::2/64"; the prefix length is required. */
static int parse_prefix(const char *v, int family, struct xs_ifaddr *out)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(v, '/');
	unsigned long plen;
	size_t n;

	if (!slash || (n = slash - v) >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(text, v, n);
	text[n] = '\0';
	if (parse_uint(slash + 1, family == AF_INET ? 32 : 128, &plen) < 0)
		return -EINVAL;
	memset(&out->addr, 0, sizeof(out->addr));
	if (family == AF_INET) {
		out->addr.s6_addr[10] = 0xff;
		out->addr.s6_addr[11] = 0xff;
		if (inet_pton(AF_INET, text, out->addr.s6_addr + 12) != 1)
			return -EINVAL;
	} else if (inet_pton(AF_INET6, text, &out->addr) != 1 || IN6_IS_ADDR_V4MAPPED(&out->addr) ||
		   IN6_IS_ADDR_MULTICAST(&out->addr) || IN6_IS_ADDR_UNSPECIFIED(&out->addr)) {
		return -EINVAL;
	}
	out->plen = plen;
	out->set = true;
	return 0;
}

static int load_addrs(struct dpdk_cfg *cfg, const struct dpdk_keys *k, char *msg, size_t msglen)
{
	if (k->ipv4 && *k->ipv4 && parse_prefix(k->ipv4, AF_INET, &cfg->addrs.v4) < 0)
		return fail(msg, msglen,
			    "bad value for key 'dpdk.ipv4': '%s' (the IPv4 address the stack owns, "
			    "with its prefix length, e.g. 198.18.0.2/24)",
			    k->ipv4);
	if (k->ipv6 && *k->ipv6 && parse_prefix(k->ipv6, AF_INET6, &cfg->addrs.v6) < 0)
		return fail(msg, msglen,
			    "bad value for key 'dpdk.ipv6': '%s' (the unicast IPv6 address the "
			    "stack owns, with its prefix length, e.g. 2001:2::2/64)",
			    k->ipv6);
	return 0;
}

/* One gateway address: it must be on the link of the family's address. */
static int load_gateway1(struct dpdk_cfg *cfg, const char *text, char *msg, size_t msglen)
{
	struct xs_ifaddrs *a = &cfg->addrs;
	struct in6_addr ip = {0};
	int family;

	ip.s6_addr[10] = ip.s6_addr[11] = 0xff;
	if (inet_pton(AF_INET, text, ip.s6_addr + 12) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, text, &ip) == 1 && !IN6_IS_ADDR_V4MAPPED(&ip))
		family = AF_INET6;
	else
		return fail(msg, msglen,
			    "bad value for key 'dpdk.gateway': '%s' (an IPv4 and/or an IPv6 "
			    "address, comma-separated, e.g. 198.18.0.1,2001:2::1)",
			    text);
	/* xs_ifaddrs_onlink: inside the address's prefix, or IPv6 link-local. */
	if (!xs_ifaddrs_onlink(a, family, &ip))
		return fail(msg, msglen,
			    "bad value for key 'dpdk.gateway': %s is not on the link of %s (set "
			    "%s to an address whose prefix holds the gateway)",
			    text, family == AF_INET ? "dpdk.ipv4" : "dpdk.ipv6",
			    family == AF_INET ? "dpdk.ipv4" : "dpdk.ipv6");
	if (family == AF_INET ? a->has_gw4 : a->has_gw6)
		return fail(msg, msglen, "bad value for key 'dpdk.gateway': two %s gateways",
			    family == AF_INET ? "IPv4" : "IPv6");
	if (family == AF_INET) {
		a->gw4 = ip;
		a->has_gw4 = true;
	} else {
		a->gw6 = ip;
		a->has_gw6 = true;
	}
	return 0;
}

static int load_gateway(struct dpdk_cfg *cfg, const char *v, char *msg, size_t msglen)
{
	char text[2 * INET6_ADDRSTRLEN + 2], *save = NULL, *tok;
	int rc = 0;

	if (!v || !*v)
		return 0;
	if (strlen(v) >= sizeof(text))
		return load_gateway1(cfg, "(too long)", msg, msglen);
	snprintf(text, sizeof(text), "%s", v);
	for (tok = strtok_r(text, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save))
		rc = load_gateway1(cfg, tok, msg, msglen);
	return rc;
}

/* Six bytes as six pairs of hex digits separated by ':' ("02:00:00:00:00:02"). */
static int parse_mac(const char *s, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++, s += 3) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    s[2] != (i < 5 ? ':' : '\0'))
			return -EINVAL;
		mac[i] = (uint8_t)strtoul((char[3]){s[0], s[1], '\0'}, NULL, 16);
	}
	return 0;
}

static const char neighbours_forms[] =
	"comma-separated ADDRESS=MAC pairs, the neighbours that get a permanent entry, e.g. "
	"198.18.1.2=02:00:00:00:00:02,2001:2:1::2=02:00:00:00:00:02";

static bool neighbour_dup(const struct dpdk_cfg *cfg, const struct dpdk_neighbour *n)
{
	for (unsigned i = 0; i < cfg->nneigh; i++)
		if (!memcmp(&cfg->neigh[i].ip, &n->ip, sizeof(n->ip)))
			return true;
	return false;
}

/* One ADDRESS=MAC pair: a unicast MAC, an address on the link of the
 * family's own address that is not that address. */
static int load_neighbour1(struct dpdk_cfg *cfg, char *pair, char *msg, size_t msglen)
{
	struct dpdk_neighbour n = {0};
	char *eq = strchr(pair, '=');
	const char *fam;

	if (!eq)
		return fail(msg, msglen, "bad value for key 'dpdk.neighbours': '%s' (%s)", pair,
			    neighbours_forms);
	*eq = '\0';
	n.ip.s6_addr[10] = n.ip.s6_addr[11] = 0xff;
	if (inet_pton(AF_INET, pair, n.ip.s6_addr + 12) == 1)
		n.family = AF_INET;
	else if (inet_pton(AF_INET6, pair, &n.ip) == 1 && !IN6_IS_ADDR_V4MAPPED(&n.ip))
		n.family = AF_INET6;
	else
		return fail(msg, msglen,
			    "bad value for key 'dpdk.neighbours': '%s' is not an IPv4 or IPv6 "
			    "address (%s)",
			    pair, neighbours_forms);
	fam = n.family == AF_INET ? "dpdk.ipv4" : "dpdk.ipv6";
	if (parse_mac(eq + 1, n.mac) < 0 || (n.mac[0] & 1) ||
	    !(n.mac[0] | n.mac[1] | n.mac[2] | n.mac[3] | n.mac[4] | n.mac[5]))
		return fail(msg, msglen,
			    "bad value for key 'dpdk.neighbours': '%s' for %s is not a unicast "
			    "MAC (six hex bytes separated by ':', the first even, not all zero, "
			    "e.g. 02:00:00:00:00:02)",
			    eq + 1, pair);
	if (xs_ifaddrs_owns(&cfg->addrs, n.family, &n.ip))
		return fail(msg, msglen,
			    "bad value for key 'dpdk.neighbours': %s is the stack's own address "
			    "(%s)",
			    pair, fam);
	if (!xs_ifaddrs_onlink(&cfg->addrs, n.family, &n.ip))
		return fail(msg, msglen,
			    "bad value for key 'dpdk.neighbours': %s is not on the link of %s (a "
			    "neighbour is a next hop: an address inside the prefix of %s%s)",
			    pair, fam, fam,
			    (n.family == AF_INET ? cfg->addrs.v4.set : cfg->addrs.v6.set)
				    ? ""
				    : ", which is not set");
	if (neighbour_dup(cfg, &n))
		return fail(msg, msglen, "bad value for key 'dpdk.neighbours': %s given twice",
			    pair);
	if (cfg->nneigh == DPDK_MAX_NEIGHBOURS)
		return fail(msg, msglen,
			    "bad value for key 'dpdk.neighbours': more than %d neighbours",
			    DPDK_MAX_NEIGHBOURS);
	cfg->neigh[cfg->nneigh++] = n;
	return 0;
}

static int load_neighbours(struct dpdk_cfg *cfg, const char *v, char *msg, size_t msglen)
{
	char text[DPDK_MAX_NEIGHBOURS * (INET6_ADDRSTRLEN + 19) + 1], *save = NULL, *tok;
	int rc = 0;

	if (!v || !*v)
		return 0;
	if (strlen(v) >= sizeof(text))
		return fail(msg, msglen,
			    "bad value for key 'dpdk.neighbours': too long (at most %d "
			    "neighbours)",
			    DPDK_MAX_NEIGHBOURS);
	snprintf(text, sizeof(text), "%s", v);
	for (tok = strtok_r(text, ",", &save); tok && rc == 0; tok = strtok_r(NULL, ",", &save))
		rc = load_neighbour1(cfg, tok, msg, msglen);
	return rc;
}

int dpdk_config_parse(struct dpdk_cfg *cfg, const struct dpdk_keys *k, const struct dpdk_host *h,
		      char *msg, size_t msglen)
{
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	cfg->link_wait_ms = DPDK_LINK_WAIT_MS;
	rc = load_port(cfg, k->port, msg, msglen);
	if (rc == 0)
		rc = load_queues(cfg, k->queues, msg, msglen);
	if (rc == 0)
		rc = load_addrs(cfg, k, msg, msglen);
	if (rc == 0)
		rc = load_gateway(cfg, k->gateway, msg, msglen);
	if (rc == 0)
		rc = load_neighbours(cfg, k->neighbours, msg, msglen);
	if (rc < 0)
		return rc;
	size_memory(cfg);
	return build_args(cfg, k->eal, h, msg, msglen);
}

/* ---- the host ---- */

static long meminfo_free(void)
{
	char line[128];
	long n = -1, size_kb = 0, v;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "HugePages_Free: %ld", &v) == 1)
			n = v;
		else if (sscanf(line, "Hugepagesize: %ld kB", &v) == 1)
			size_kb = v;
	}
	fclose(f);
	return size_kb == 2048 ? n : -1;
}

long dpdk_hugepages_free(void)
{
	FILE *f = fopen(HUGEPAGES_FREE, "re");
	long n = -1;

	if (!f)
		return meminfo_free();
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

int dpdk_config_no_huge_text(const struct dpdk_cfg *cfg, char *buf, size_t len)
{
	return snprintf(buf, len,
			"dpdk: no free 2 MB hugepages for %u MB: the EAL runs with --no-huge -m %u "
			"--no-shconf, which DPDK lists among its debugging options: ordinary 4 KB "
			"pages, so more TLB misses at high packet rates, and no DPDK secondary "
			"processes. To use hugepages: echo %u > "
			"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
			cfg->mem_mb, cfg->mem_mb, (cfg->mem_mb + HUGEPAGE_MB - 1) / HUGEPAGE_MB);
}

int dpdk_config_load(struct dpdk_cfg *cfg, char *msg, size_t msglen)
{
	struct dpdk_keys k = {
		.eal = xs_config_value("dpdk.eal"),
		.port = xs_config_value("dpdk.port"),
		.ipv4 = xs_config_value("dpdk.ipv4"),
		.ipv6 = xs_config_value("dpdk.ipv6"),
		.gateway = xs_config_value("dpdk.gateway"),
		.queues = xs_config_value("dpdk.queues"),
		.neighbours = xs_config_value("dpdk.neighbours"),
	};
	struct dpdk_host h = {
		.hugepages_free = dpdk_hugepages_free(),
		.pid = (long)getpid(),
		.log_level = xs_config_log_level(),
	};
	char warn[512];
	int rc = dpdk_config_parse(cfg, &k, &h, msg, msglen);

	if (rc == 0 && cfg->no_huge) {
		dpdk_config_no_huge_text(cfg, warn, sizeof(warn));
		xs_log(XS_LOG_WARN, "%s", warn);
	}
	return rc;
}
