/*
 * dpdk_port.c — the EAL and one ethdev port. The EAL starts once per
 * process (dpdk_eal_init), its log routed into xs_log and its error lines
 * kept for the messages; the port gets its RX/TX queue pairs with RSS
 * over IP and UDP where the device hashes them, a mempool sized from the
 * queues and rings, the multicast groups that IPv6 neighbour discovery
 * needs, and a link to wait for. Then frames move in bursts: a poll
 * pulls from every RX queue into lib/stack under the stack lock, and a
 * send builds straight into an mbuf and puts it on one TX queue (a
 * batch: up to a burst of mbufs, one lock and one rte_eth_tx_burst). The
 * port owns its addresses: the neighbour cache and the ICMP responder of
 * lib/stack answer through dpdk_port_send.
 *
 * Every error says what to do about it: the messages name the key or
 * the --vdev argument to change, the command that reserves hugepages,
 * the interface to bring up, and carry the EAL's own error lines.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "dpdk.h"
#include "icmp.h"
#include "internal.h"

#define TICK_NS	    10000000LL /* neighbour timers run at least this often while polled */
#define ERRLOG_SIZE 512

struct dpdk_txq {
	pthread_mutex_t lock;
} __attribute__((aligned(64)));

struct dpdk_port {
	uint16_t id;
	char name[DPDK_NAME_MAX];
	char driver[32];
	unsigned if_index;
	unsigned nqueues;
	uint16_t nb_rxd, nb_txd;
	unsigned nb_mbufs;
	uint16_t mtu;
	uint32_t frame_max; /* MTU + Ethernet header, bounded by an mbuf's room */
	uint64_t rss_hf;
	bool configured, started, no_huge;
	struct rte_mempool *pool;
	struct xs_stack *stack;
	struct xs_ifaddrs addrs;
	struct xs_neigh *neigh;
	struct xs_icmp *icmp;
	int64_t now_ns; /* this poll's time, for dpdk_port_control */
	int64_t next_tick_ns;
	struct dpdk_txq txq[DPDK_MAX_QUEUES];
};

static int fail(char *msg, size_t msglen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *msg, size_t msglen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return err;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- the EAL's log ---- */

/* The EAL's error lines on this thread since the last reset, joined. */
static __thread char errlog[ERRLOG_SIZE];

static void errlog_add(const char *line, size_t n)
{
	size_t used = strlen(errlog);

	if (used + n + 3 >= sizeof(errlog))
		return; /* the first lines say the most */
	if (used) {
		memcpy(errlog + used, "; ", 2);
		used += 2;
	}
	memcpy(errlog + used, line, n);
	errlog[used + n] = '\0';
}

const char *dpdk_last_error(void)
{
	return errlog;
}

/* DPDK logs at ERR and WARNING much that does not matter here (a tap
 * without the multiq qdisc, no secondary process to tell); what matters
 * comes back in our own error messages, which carry the EAL's error
 * lines. So ERR and WARNING are info, NOTICE and below debug, and only
 * CRIT and worse errors. (dpdk_config.c sets --log-level to match.) */
static enum xs_log_level level_from_eal(int level)
{
	if (level <= (int)RTE_LOG_CRIT)
		return XS_LOG_ERROR;
	return level <= (int)RTE_LOG_WARNING ? XS_LOG_INFO : XS_LOG_DEBUG;
}

/* rte_log writes a whole message, then flushes: one xs_log per line. */
static ssize_t log_write(void *cookie, const char *buf, size_t size)
{
	int level = rte_log_cur_msg_loglevel();
	const char *p = buf, *end = buf + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = (nl ? nl : end) - p;

		if (n) {
			xs_log(level_from_eal(level), "dpdk: %.*s", (int)n, p);
			if (level <= (int)RTE_LOG_ERR)
				errlog_add(p, n);
		}
		p += n + 1;
	}
	return size;
}

static void log_setup(void)
{
	static FILE *stream;
	cookie_io_functions_t io = {.write = log_write};

	if (!stream)
		stream = fopencookie(NULL, "w", io);
	if (stream)
		rte_openlog_stream(stream);
}

/* ---- the EAL ---- */

enum eal_state { EAL_NONE, EAL_OURS, EAL_APPS, EAL_FAILED, EAL_DONE };

static pthread_mutex_t eal_lock = PTHREAD_MUTEX_INITIALIZER;
static enum eal_state eal_state;
/* A device whose close leaves the interrupt thread busy (see
 * dpdk_port_close): rte_eal_cleanup is skipped at exit. */
static bool eal_skip_cleanup;
static int eal_err;
static char eal_msg[768];
static char eal_errors[ERRLOG_SIZE]; /* what the EAL said while starting */
static char eal_rundir[PATH_MAX];
static bool eal_own_prefix;

static const char *said(const char *lines)
{
	return lines[0] ? lines : "no error line from the EAL";
}

static void args_text(const struct dpdk_cfg *cfg, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 1; i < cfg->argc && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i > 1 ? " " : "", cfg->argv[i]);
}

static int eal_fail(const struct dpdk_cfg *cfg, int err, char *msg, size_t len)
{
	char args[512];

	args_text(cfg, args, sizeof(args));
	switch (err) {
	case EACCES:
		return fail(msg, len, -err,
			    "the EAL could not use hugepages (%s): reserve 2 MB pages (echo 256 > "
			    "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages) or put "
			    "--no-huge in dpdk.eal; as a user other than root, hugetlbfs and "
			    "/var/run/dpdk must be writable too",
			    said(errlog));
	case ENOMEM:
		return fail(msg, len, -err,
			    "the EAL could not get its memory (%s): reserve more 2 MB hugepages, "
			    "or raise -m in dpdk.eal (EAL arguments: %s)",
			    said(errlog), args);
	case EINVAL:
		return fail(msg, len, -err,
			    "the EAL refused its arguments (%s): correct dpdk.eal (EAL arguments: "
			    "%s)",
			    said(errlog), args);
	case ENODEV:
	case ENOTSUP:
		return fail(msg, len, -err,
			    "the EAL could not scan or probe the devices (%s): check the --vdev "
			    "and -a arguments of dpdk.eal (a --vdev is a driver name and an "
			    "index, then its arguments: net_af_packet0,iface=eth1, net_af_xdp0, "
			    "net_tap0, net_memif0)",
			    said(errlog));
	default:
		return fail(msg, len, -err, "rte_eal_init failed: %s (%s)", strerror(err),
			    said(errlog));
	}
}

/* The files of a runtime directory that is ours alone (xsocket-<pid>):
 * what the EAL leaves when dpdk.eal chose shared memory, or when it
 * failed half-way. */
static void rundir_empty(void)
{
	DIR *d = opendir(eal_rundir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

/* The EAL removes neither its directory nor, in shared mode, its files.
 * With no shared configuration the directory is empty, and rmdir never
 * removes more; a directory named by the user's --file-prefix keeps its
 * files, which another process may share. */
static void rundir_remove(bool own_prefix)
{
	if (!eal_rundir[0])
		return;
	if (own_prefix)
		rundir_empty();
	if (rmdir(eal_rundir) < 0 && errno != ENOENT)
		xs_log(XS_LOG_INFO, "dpdk: left %s behind: %s", eal_rundir, strerror(errno));
	eal_rundir[0] = '\0';
}

/* A process killed with SIGKILL leaves its empty xsocket-<pid> runtime
 * directory: remove those of processes that are gone. rmdir only, so a
 * directory that still holds files (or belongs to a process in another
 * PID namespace that shares /var/run/dpdk and uses shared memory) stays. */
static void rundir_sweep(void)
{
	char parent[PATH_MAX], *slash;
	struct dirent *e;
	DIR *d;

	snprintf(parent, sizeof(parent), "%s", eal_rundir);
	slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return;
	*slash = '\0';
	d = opendir(parent);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid;

		if (strncmp(e->d_name, "xsocket-", 8))
			continue;
		pid = strtol(e->d_name + 8, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == 0)
			xs_log(XS_LOG_INFO, "dpdk: removed %s/%s, left by a process that is gone",
			       parent, e->d_name);
	}
	closedir(d);
}

static enum eal_state eal_start(const struct dpdk_cfg *cfg)
{
	FILE *app_stream = rte_log_get_stream();
	char *argv[DPDK_MAX_ARGS + 1];
	cpu_set_t cpus;
	bool have_cpus;
	int rc;

	memcpy(argv, cfg->argv, sizeof(argv)); /* rte_eal_init permutes it */
	have_cpus = pthread_getaffinity_np(pthread_self(), sizeof(cpus), &cpus) == 0;
	errlog[0] = '\0';
	log_setup();
	rc = rte_eal_init(cfg->argc, argv);
	eal_err = rc < 0 ? rte_errno : 0;
	/* The EAL made this thread its main lcore and pinned it there. */
	if (have_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof(cpus), &cpus);
	snprintf(eal_rundir, sizeof(eal_rundir), "%s", rte_eal_get_runtime_dir());
	eal_own_prefix = cfg->own_prefix;
	snprintf(eal_errors, sizeof(eal_errors), "%s", errlog);
	if (rc >= 0) {
		rundir_sweep();
		return EAL_OURS;
	}
	if (eal_err == EALREADY) {
		/* The application's EAL: its log and runtime directory too. */
		rte_openlog_stream(app_stream);
		eal_rundir[0] = '\0';
		return EAL_APPS;
	}
	rundir_remove(eal_own_prefix);
	eal_fail(cfg, eal_err, eal_msg, sizeof(eal_msg));
	return EAL_FAILED;
}

int dpdk_eal_init(const struct dpdk_cfg *cfg, char *msg, size_t msglen)
{
	int rc = 0;

	pthread_mutex_lock(&eal_lock);
	if (eal_state == EAL_NONE)
		eal_state = eal_start(cfg);
	if (eal_state == EAL_FAILED)
		rc = fail(msg, msglen, -eal_err, "%s", eal_msg);
	else if (eal_state == EAL_DONE)
		rc = fail(msg, msglen, -ESHUTDOWN, "the EAL was shut down and cannot start again");
	pthread_mutex_unlock(&eal_lock);
	return rc;
}

void dpdk_eal_cleanup(void)
{
	pthread_mutex_lock(&eal_lock);
	if (eal_state == EAL_OURS) {
		if (!eal_skip_cleanup)
			rte_eal_cleanup();
		rundir_remove(eal_own_prefix);
	}
	if (eal_state != EAL_NONE)
		eal_state = EAL_DONE;
	pthread_mutex_unlock(&eal_lock);
}

/* ---- finding the port ---- */

static void port_list(char *buf, size_t len)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t used = 0;
	uint16_t id;

	buf[0] = '\0';
	RTE_ETH_FOREACH_DEV(id)
	{
		if (rte_eth_dev_get_name_by_port(id, name) == 0 && used < len)
			used += snprintf(buf + used, len - used, "%s%u %s", used ? ", " : "", id,
					 name);
	}
	if (!used)
		snprintf(buf, len, "none");
}

static int port_find(const struct dpdk_cfg *cfg, uint16_t *id, char *msg, size_t len)
{
	unsigned long v;
	char *end, ports[256];

	port_list(ports, sizeof(ports));
	if (rte_eth_dev_count_avail() == 0)
		return fail(msg, len, -ENODEV,
			    "no DPDK port (%s): put a device in dpdk.eal, e.g. "
			    "--vdev=net_af_packet0,iface=eth1, or -a with the PCI address of a "
			    "NIC bound to vfio-pci",
			    said(eal_errors));
	if (!cfg->port[0]) {
		*id = (uint16_t)rte_eth_find_next_owned_by(0, RTE_ETH_DEV_NO_OWNER);
		if (rte_eth_dev_count_avail() > 1)
			xs_log(XS_LOG_INFO, "dpdk: dpdk.port not set: using port %u of: %s", *id,
			       ports);
		return 0;
	}
	v = strtoul(cfg->port, &end, 10);
	if (!*end && v < RTE_MAX_ETHPORTS && rte_eth_dev_is_valid_port((uint16_t)v)) {
		*id = (uint16_t)v;
		return 0;
	}
	if (*end && rte_eth_dev_get_port_by_name(cfg->port, id) == 0)
		return 0;
	return fail(msg, len, -ENODEV,
		    "bad value for key 'dpdk.port': no port '%s' (ports: %s; the EAL said: %s)",
		    cfg->port, ports, said(eal_errors));
}

/* ---- configuring it ---- */

/* What raises a virtual device's queue count, for the message. */
static const char *queues_hint(const char *driver)
{
	if (strstr(driver, "af_packet"))
		return ": add qpairs=N to its --vdev in dpdk.eal";
	if (strstr(driver, "af_xdp"))
		return ": add queue_count=N to its --vdev in dpdk.eal, and give the interface "
		       "as many channels (ethtool -L IFACE combined N)";
	return ": lower dpdk.queues";
}

static int port_info(struct dpdk_port *p, const struct dpdk_cfg *cfg, struct rte_eth_dev_info *info,
		     char *msg, size_t len)
{
	int rc = rte_eth_dev_info_get(p->id, info);

	if (rc < 0)
		return fail(msg, len, rc, "port %u: rte_eth_dev_info_get: %s", p->id,
			    strerror(-rc));
	rte_eth_dev_get_name_by_port(p->id, p->name);
	snprintf(p->driver, sizeof(p->driver), "%s", info->driver_name);
	p->if_index = info->if_index;
	if (cfg->nqueues > info->max_rx_queues || cfg->nqueues > info->max_tx_queues)
		return fail(msg, len, -EINVAL,
			    "bad value for key 'dpdk.queues': %u, but port %u (%s) has %u RX and "
			    "%u TX queues%s",
			    cfg->nqueues, p->id, p->name, info->max_rx_queues, info->max_tx_queues,
			    queues_hint(p->driver));
	return 0;
}

static int port_configure(struct dpdk_port *p, const struct dpdk_cfg *cfg,
			  const struct rte_eth_dev_info *info, char *msg, size_t len)
{
	struct rte_eth_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	p->nqueues = cfg->nqueues;
	if (p->nqueues > 1) {
		p->rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info->flow_type_rss_offloads;
		if (p->rss_hf) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf = p->rss_hf;
		} else {
			xs_log(XS_LOG_INFO,
			       "dpdk: %s hashes no IP or UDP flow type: frames spread across its "
			       "%u queues its own way",
			       p->name, p->nqueues);
		}
	}
	if (info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(p->id, p->nqueues, p->nqueues, &conf);
	if (rc < 0)
		return fail(msg, len, rc, "port %u (%s): rte_eth_dev_configure: %s (%s)", p->id,
			    p->name, strerror(-rc), said(errlog));
	p->configured = true;
	p->nb_rxd = DPDK_RX_DESC;
	p->nb_txd = DPDK_TX_DESC;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &p->nb_rxd, &p->nb_txd);
	if (rc < 0)
		return fail(msg, len, rc, "port %u (%s): ring sizes: %s", p->id, p->name,
			    strerror(-rc));
	return 0;
}

/* Virtual devices that reach mbuf data by its virtual address only
 * (copies, sockets, or an AF_XDP UMEM), never by buf_iova. */
static bool va_only(const char *driver)
{
	static const char *const names[] = {"net_af_xdp", "net_af_packet", "net_tap", "net_memif",
					    "net_ring",	  "net_null",	   NULL};

	for (int i = 0; names[i]; i++)
		if (!strcmp(driver, names[i]))
			return true;
	return false;
}

/* rte_pktmbuf_pool_create, except that for va_only devices the objects
 * may cross page boundaries. By default an object never does: under
 * --no-huge (4 KB pages) each 2368-byte mbuf then takes a page of its
 * own, and the af_xdp PMD of DPDK 22.11 registers as its UMEM only
 * populated_size × object size bytes from the first object, so it
 * silently drops every mbuf beyond (fixed in 24.07 by 97039941b2,
 * "net/af_xdp: parse UMEM map info from mempool"; not in 22.11.x).
 * Packed densely the pool fits the UMEM. Objects then have no IOVA,
 * which is why this is only for devices that do not DMA by it. */
static struct rte_mempool *pool_create(const char *name, unsigned n, int socket, bool dense)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
	};
	struct rte_mempool *mp;
	int rc;

	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
				      DPDK_POOL_CACHE, sizeof(priv), socket,
				      dense ? RTE_MEMPOOL_F_NO_IOVA_CONTIG : 0);
	if (!mp)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc == 0) {
		rte_pktmbuf_pool_init(mp, &priv);
		rc = rte_mempool_populate_default(mp);
	}
	if (rc < 0) {
		rte_mempool_free(mp);
		rte_errno = -rc;
		return NULL;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
}

static int port_pool(struct dpdk_port *p, const struct dpdk_cfg *cfg, char *msg, size_t len)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket = rte_eth_dev_socket_id(p->id);

	p->nb_mbufs = p->nqueues * (p->nb_rxd + p->nb_txd + DPDK_BURST) +
		      (p->nqueues + 1) * DPDK_POOL_CACHE + DPDK_POOL_EXTRA;
	snprintf(name, sizeof(name), "xs_pool_%u", p->id);
	p->pool = pool_create(name, p->nb_mbufs, socket < 0 ? SOCKET_ID_ANY : socket,
			      va_only(p->driver));
	if (p->pool)
		return 0;
	return fail(msg, len, -ENOMEM, "no memory for the mempool of %u mbufs (%u MB): %s; %s",
		    p->nb_mbufs, (unsigned)(((uint64_t)p->nb_mbufs * DPDK_MBUF_BYTES) >> 20),
		    rte_strerror(rte_errno),
		    rte_eal_has_hugepages()
			    ? "reserve more 2 MB hugepages (nr_hugepages), or raise -m"
			    : "raise -m in dpdk.eal");
}

static int port_queues(struct dpdk_port *p, const struct rte_eth_dev_info *info, char *msg,
		       size_t len)
{
	struct rte_eth_txconf txconf = info->default_txconf;
	int socket = rte_eth_dev_socket_id(p->id), rc;

	txconf.offloads = info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	for (unsigned q = 0; q < p->nqueues; q++) {
		rc = rte_eth_rx_queue_setup(p->id, q, p->nb_rxd, socket, NULL, p->pool);
		if (rc < 0)
			return fail(msg, len, rc, "port %u (%s): RX queue %u: %s (%s)", p->id,
				    p->name, q, strerror(-rc), said(errlog));
		rc = rte_eth_tx_queue_setup(p->id, q, p->nb_txd, socket, &txconf);
		if (rc < 0)
			return fail(msg, len, rc, "port %u (%s): TX queue %u: %s (%s)", p->id,
				    p->name, q, strerror(-rc), said(errlog));
	}
	return 0;
}

/* IPv6 neighbour solicitations go to solicited-node groups: accept them
 * (and all-nodes) by a multicast list, else by all-multicast. */
static void port_multicast(struct dpdk_port *p)
{
	struct rte_ether_addr mc[3];
	struct in6_addr group;
	uint32_t n = 0;

	memcpy(mc[n++].addr_bytes, (uint8_t[6]){0x33, 0x33, 0, 0, 0, 1}, 6);
	xs_nd_solicited_node(&p->addrs.v6_ll, &group);
	xs_ipv6_mcast_mac(&group, mc[n++].addr_bytes);
	if (p->addrs.v6.set) {
		xs_nd_solicited_node(&p->addrs.v6.addr, &group);
		xs_ipv6_mcast_mac(&group, mc[n++].addr_bytes);
	}
	if (rte_eth_dev_set_mc_addr_list(p->id, mc, n) == 0 ||
	    rte_eth_allmulticast_enable(p->id) == 0)
		return;
	xs_log(XS_LOG_DEBUG,
	       "dpdk: %s has neither a multicast list nor all-multicast: IPv6 neighbour "
	       "solicitations reach it only if it sees every frame anyway",
	       p->name);
}

static const char *link_hint(const struct dpdk_port *p, char *buf, size_t len)
{
	char ifname[IF_NAMESIZE];

	if (strstr(p->driver, "memif"))
		return "no memif peer has connected: start the other side (the other role on "
		       "the same socket) before the wait ends";
	if (p->if_index && if_indextoname(p->if_index, ifname)) {
		snprintf(buf, len, "bring the interface up (ip link set %s up) and its peer",
			 ifname);
		return buf;
	}
	return "check the cable and the link partner";
}

/* Is the kernel interface behind the device up, with a carrier? The
 * af_packet and af_xdp PMDs report their link up whatever its state. */
static bool kernel_link_up(unsigned if_index)
{
	struct ifreq ifr;
	bool up = true; /* unknown: trust the PMD */
	int fd;

	memset(&ifr, 0, sizeof(ifr));
	if (!if_index || !if_indextoname(if_index, ifr.ifr_name))
		return true;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return true;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		up = (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
	close(fd);
	return up;
}

static int port_link_wait(struct dpdk_port *p, unsigned wait_ms, char *msg, size_t len)
{
	struct rte_eth_link link;
	char hint[96];

	for (unsigned t = 0;; t += 10) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(p->id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_UP && kernel_link_up(p->if_index))
			return 0;
		if (t >= wait_ms)
			break;
		usleep(10000);
	}
	return fail(msg, len, -ENETDOWN, "port %u (%s): the link is down after %u ms: %s", p->id,
		    p->name, wait_ms, link_hint(p, hint, sizeof(hint)));
}

static int port_start(struct dpdk_port *p, const struct dpdk_cfg *cfg, char *msg, size_t len)
{
	struct rte_ether_addr mac;
	int rc = rte_eth_dev_start(p->id);

	if (rc < 0)
		return fail(msg, len, rc, "port %u (%s): rte_eth_dev_start: %s (%s)", p->id,
			    p->name, strerror(-rc), said(errlog));
	p->started = true;
	rc = rte_eth_macaddr_get(p->id, &mac);
	if (rc < 0)
		return fail(msg, len, rc, "port %u (%s): no MAC address: %s", p->id, p->name,
			    strerror(-rc));
	xs_ifaddrs_set_mac(&p->addrs, mac.addr_bytes);
	if (rte_eth_dev_get_mtu(p->id, &p->mtu) < 0)
		p->mtu = RTE_ETHER_MTU;
	p->frame_max = p->mtu + RTE_ETHER_HDR_LEN;
	if (p->frame_max > RTE_MBUF_DEFAULT_DATAROOM)
		p->frame_max = RTE_MBUF_DEFAULT_DATAROOM;
	port_multicast(p);
	return port_link_wait(p, cfg->link_wait_ms, msg, len);
}

/* ---- the stack, the neighbour cache, the ICMP responder ---- */

static ssize_t control_xmit(void *ctx, xs_build_fn build, const void *arg)
{
	return dpdk_port_send(ctx, 0, build, arg);
}

/* The stack's hook: ARP/ND, ICMP and closed ports are the port's. */
static bool port_ctl(void *ctx, const uint8_t *frame, uint32_t len, enum xs_stack_ctl why)
{
	return dpdk_port_control(ctx, frame, len, why == XS_STACK_CTL_NO_SOCKET);
}

static int port_stack(struct dpdk_port *p, char *msg, size_t len)
{
	struct xs_xmit xmit = {.send = control_xmit, .ctx = p};
	struct xs_neigh_params prm;
	struct xs_stack_port sp = {.ifindex = (int)p->if_index, .mtu = p->mtu};
	int rc;

	memcpy(sp.mac, p->addrs.mac, 6);
	/* The kernel interface behind the device if there is one (as
	 * sockaddr_ll names it), else the port's name, cut to fit. */
	if (!p->if_index || !if_indextoname(p->if_index, sp.ifname))
		snprintf(sp.ifname, sizeof(sp.ifname), "%.*s", IF_NAMESIZE - 1, p->name);
	p->stack = xs_stack_new(&sp);
	if (!p->stack)
		return fail(msg, len, -ENOMEM, "port %u (%s): no memory for the stack", p->id,
			    p->name);
	xs_neigh_params_default(&prm);
	prm.frame_cap = p->frame_max;
	/* Hold as much as the kernel does while a neighbour resolves
	 * (unres_qlen_bytes: 212992 bytes, a few hundred small datagrams),
	 * so a burst to a new peer is not cut to its last frames. */
	prm.queue_len = XS_NEIGH_QUEUE_MAX;
	prm.queue_slots = 1024;
	rc = xs_neigh_new(&p->addrs, &prm, &xmit, &p->neigh);
	if (rc == 0)
		rc = xs_icmp_new(&p->addrs, &xmit, &p->icmp);
	if (rc < 0)
		return fail(msg, len, rc, "port %u (%s): neighbour cache: %s", p->id, p->name,
			    strerror(-rc));
	xs_stack_set_ctl(p->stack, port_ctl, p);
	return 0;
}

/* dpdk.neighbours: permanent entries, for peers that answer no ARP or
 * ND (a packet generator) or to skip resolution altogether. */
static int port_neighbours(struct dpdk_port *p, const struct dpdk_cfg *cfg, char *msg, size_t len)
{
	char text[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < cfg->nneigh; i++) {
		const struct dpdk_neighbour *n = &cfg->neigh[i];
		const void *raw = n->family == AF_INET ? n->ip.s6_addr + 12 : n->ip.s6_addr;
		int rc = xs_neigh_add_permanent(p->neigh, n->family, &n->ip, n->mac);
		const char *why = rc == -EINVAL ? "a broadcast or multicast address needs no entry"
						: "the neighbour table is full";

		inet_ntop(n->family, raw, text, sizeof(text));
		if (rc < 0)
			return fail(msg, len, rc, "bad value for key 'dpdk.neighbours': %s: %s",
				    text, why);
		xs_log(XS_LOG_INFO,
		       "dpdk: %s: permanent neighbour %s at %02x:%02x:%02x:%02x:%02x:%02x", p->name,
		       text, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	}
	return 0;
}

int dpdk_port_open(const struct dpdk_cfg *cfg, struct dpdk_port **out, char *msg, size_t msglen)
{
	struct rte_eth_dev_info info;
	struct dpdk_port *p;
	int rc;

	*out = NULL;
	rc = dpdk_eal_init(cfg, msg, msglen);
	if (rc < 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return fail(msg, msglen, -ENOMEM, "no memory for the port");
	for (unsigned q = 0; q < DPDK_MAX_QUEUES; q++)
		pthread_mutex_init(&p->txq[q].lock, NULL);
	p->addrs = cfg->addrs;
	p->no_huge = cfg->no_huge;
	errlog[0] = '\0';
	rc = port_find(cfg, &p->id, msg, msglen);
	if (rc == 0)
		rc = port_info(p, cfg, &info, msg, msglen);
	if (rc == 0)
		rc = port_configure(p, cfg, &info, msg, msglen);
	if (rc == 0)
		rc = port_pool(p, cfg, msg, msglen);
	if (rc == 0)
		rc = port_queues(p, &info, msg, msglen);
	if (rc == 0)
		rc = port_start(p, cfg, msg, msglen);
	if (rc == 0)
		rc = port_stack(p, msg, msglen);
	if (rc == 0)
		rc = port_neighbours(p, cfg, msg, msglen);
	if (rc < 0) {
		dpdk_port_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

void dpdk_port_close(struct dpdk_port *p)
{
	if (!p)
		return;
	if (p->started)
		rte_eth_dev_stop(p->id);
	if (p->configured)
		rte_eth_dev_close(p->id);
	/* DPDK 22.11's rte_eal_cleanup frees memory that its interrupt
	 * thread, never stopped, still walks; memif's control socket wakes
	 * that thread when the peer goes, and about one exit in ten crashed
	 * there (gdb: eal-intr-thread in rte_intr_fd_get after
	 * rte_eal_cleanup). With a memif port the EAL's memory is left to
	 * the kernel at exit instead: --in-memory/--no-shconf leave no file
	 * either way, and the runtime directory is still removed. */
	if (p->configured && !strcmp(p->driver, "net_memif"))
		eal_skip_cleanup = true;
	rte_mempool_free(p->pool);
	xs_icmp_free(p->icmp);
	xs_neigh_free(p->neigh);
	if (p->stack)
		xs_stack_free(p->stack);
	for (unsigned q = 0; q < DPDK_MAX_QUEUES; q++)
		pthread_mutex_destroy(&p->txq[q].lock);
	free(p);
}

struct xs_stack *dpdk_port_stack(struct dpdk_port *p)
{
	return p->stack;
}

struct xs_neigh *dpdk_port_neigh(struct dpdk_port *p)
{
	return p->neigh;
}

const struct xs_ifaddrs *dpdk_port_addrs(const struct dpdk_port *p)
{
	return &p->addrs;
}

void dpdk_port_info(struct dpdk_port *p, struct dpdk_port_info *out)
{
	struct rte_eth_stats st;
	struct rte_eth_link link;

	memset(out, 0, sizeof(*out));
	out->port_id = p->id;
	snprintf(out->name, sizeof(out->name), "%s", p->name);
	snprintf(out->driver, sizeof(out->driver), "%s", p->driver);
	out->if_index = p->if_index;
	memcpy(out->mac, p->addrs.mac, 6);
	out->mtu = p->mtu;
	out->nqueues = p->nqueues;
	out->nb_rxd = p->nb_rxd;
	out->nb_txd = p->nb_txd;
	out->nb_mbufs = p->nb_mbufs;
	out->rss_hf = p->rss_hf;
	out->no_huge = p->no_huge;
	memset(&link, 0, sizeof(link));
	if (rte_eth_link_get_nowait(p->id, &link) == 0) {
		out->link_up = link.link_status == RTE_ETH_LINK_UP;
		out->link_speed_mbps = link.link_speed;
	}
	if (rte_eth_stats_get(p->id, &st) == 0) {
		out->ipackets = st.ipackets;
		out->opackets = st.opackets;
		out->imissed = st.imissed;
		out->ierrors = st.ierrors;
		out->oerrors = st.oerrors;
		out->rx_nombuf = st.rx_nombuf;
	}
	xs_neigh_counters(p->neigh, &out->neigh);
	xs_icmp_counters(p->icmp, &out->icmp);
}

/* ---- the data path ---- */

unsigned dpdk_port_poll(struct dpdk_port *p, struct xs_stack_sock *self)
{
	struct rte_mbuf *m[DPDK_BURST];
	struct xs_frame f[DPDK_BURST];
	unsigned total = 0;

	if (!xs_stack_trylock(p->stack))
		return 0;
	p->now_ns = now_ns();
	for (unsigned q = 0; q < p->nqueues; q++) {
		uint16_t n = rte_eth_rx_burst(p->id, q, m, DPDK_BURST);

		if (!n)
			continue;
		/* One segment each: scatter is off and a frame fits an mbuf. */
		for (uint16_t i = 0; i < n; i++) {
			f[i].data = rte_pktmbuf_mtod(m[i], const uint8_t *);
			f[i].len = rte_pktmbuf_data_len(m[i]);
		}
		xs_stack_input(p->stack, f, n, self);
		rte_pktmbuf_free_bulk(m, n);
		total += n;
	}
	if (p->now_ns >= p->next_tick_ns) {
		int64_t next = xs_neigh_tick(p->neigh, p->now_ns);

		/* Lookups from senders may arm timers earlier than next. */
		p->next_tick_ns = next < p->now_ns + TICK_NS ? next : p->now_ns + TICK_NS;
	}
	xs_stack_unlock(p->stack);
	return total;
}

static bool link_down(struct dpdk_port *p)
{
	struct rte_eth_link link = {0};

	return rte_eth_link_get_nowait(p->id, &link) == 0 && link.link_status == RTE_ETH_LINK_DOWN;
}

/* Let build write one frame into m, within the MTU. */
static inline ssize_t mbuf_build(const struct dpdk_port *p, struct rte_mbuf *m, xs_build_fn build,
				 const void *arg)
{
	uint32_t cap = rte_pktmbuf_tailroom(m);
	ssize_t n =
		build(rte_pktmbuf_mtod(m, uint8_t *), cap < p->frame_max ? cap : p->frame_max, arg);

	if (n >= 0) {
		m->data_len = (uint16_t)n;
		m->pkt_len = (uint32_t)n;
	}
	return n;
}

ssize_t dpdk_port_send(struct dpdk_port *p, unsigned hint, xs_build_fn build, const void *arg)
{
	unsigned q = hint % p->nqueues;
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);
	ssize_t n;
	uint16_t sent;

	if (!m)
		return -ENOBUFS;
	n = mbuf_build(p, m, build, arg);
	if (n < 0) {
		rte_pktmbuf_free(m);
		return n;
	}
	pthread_mutex_lock(&p->txq[q].lock);
	sent = rte_eth_tx_burst(p->id, q, &m, 1);
	pthread_mutex_unlock(&p->txq[q].lock);
	if (!sent) {
		rte_pktmbuf_free(m);
		/* A full ring waits for room; a link that is down never has
		 * any: the datagram is lost, as on a kernel interface. */
		return link_down(p) ? n : -EAGAIN;
	}
	return n;
}

/* As many mbufs as the pool gives, up to n: all at once if it can. */
static unsigned mbuf_alloc(struct rte_mempool *pool, struct rte_mbuf **m, unsigned n)
{
	unsigned got = 0;

	if (rte_pktmbuf_alloc_bulk(pool, m, n) == 0)
		return n;
	while (got < n && (m[got] = rte_pktmbuf_alloc(pool)))
		got++;
	return got;
}

int dpdk_port_send_batch(struct dpdk_port *p, unsigned hint, const struct dpdk_tx *tx, unsigned n)
{
	struct rte_mbuf *m[DPDK_BURST];
	unsigned q = hint % p->nqueues, built;
	ssize_t rc = 0;
	uint16_t sent;

	n = mbuf_alloc(p->pool, m, n < DPDK_BURST ? n : DPDK_BURST);
	if (!n)
		return -ENOBUFS;
	for (built = 0; built < n; built++) {
		rc = mbuf_build(p, m[built], tx[built].build, tx[built].arg);
		if (rc < 0)
			break;
	}
	if (built < n)
		rte_pktmbuf_free_bulk(m + built, n - built);
	if (!built)
		return (int)rc;
	/* One lock and one burst for the lot: the point of a batch. */
	pthread_mutex_lock(&p->txq[q].lock);
	sent = rte_eth_tx_burst(p->id, q, m, (uint16_t)built);
	pthread_mutex_unlock(&p->txq[q].lock);
	if (sent == built)
		return (int)built;
	rte_pktmbuf_free_bulk(m + sent, built - sent);
	/* As dpdk_port_send: a link that is down loses them; a full ring
	 * keeps the rest for the caller to try again. */
	if (link_down(p))
		return (int)built;
	return sent ? sent : -EAGAIN;
}

int dpdk_port_resolve(struct dpdk_port *p, int family, const struct in6_addr *dst, uint8_t mac[6])
{
	struct in6_addr nexthop, src;
	int rc = xs_ifaddrs_route(&p->addrs, family, dst, &nexthop, &src);

	return rc < 0 ? rc : xs_neigh_lookup(p->neigh, family, &nexthop, now_ns(), mac);
}

/* build, then the resolved next hop's MAC over the destination. */
struct patched {
	xs_build_fn build;
	const void *arg;
	uint8_t mac[6];
};

static ssize_t build_patched(uint8_t *buf, size_t cap, const void *arg)
{
	const struct patched *pa = arg;
	ssize_t n = pa->build(buf, cap, pa->arg);

	if (n >= 6)
		memcpy(buf, pa->mac, 6);
	return n;
}

ssize_t dpdk_port_send_ip(struct dpdk_port *p, unsigned hint, int family,
			  const struct in6_addr *dst, xs_build_fn build, const void *arg)
{
	struct patched pa = {.build = build, .arg = arg};
	uint8_t frame[RTE_MBUF_DEFAULT_DATAROOM];
	struct in6_addr nexthop, src;
	int64_t now = now_ns();
	ssize_t n;
	int rc;

	rc = xs_ifaddrs_route(&p->addrs, family, dst, &nexthop, &src);
	if (rc == 0)
		rc = xs_neigh_lookup(p->neigh, family, &nexthop, now, pa.mac);
	if (rc == 0)
		return dpdk_port_send(p, hint, build_patched, &pa);
	if (rc != -EAGAIN)
		return rc;
	n = build(frame, p->frame_max, arg);
	if (n < 0)
		return n;
	rc = xs_neigh_hold(p->neigh, family, &nexthop, frame, (uint32_t)n, now);
	return rc < 0 ? rc : n;
}

bool dpdk_port_control(struct dpdk_port *p, const uint8_t *frame, uint32_t len, bool udp_no_socket)
{
	if (udp_no_socket) {
		xs_icmp_port_unreachable(p->icmp, frame, len, p->now_ns);
		return true;
	}
	if (xs_neigh_input(p->neigh, frame, len, p->now_ns))
		return true;
	return xs_icmp_input(p->icmp, frame, len, p->now_ns);
}
