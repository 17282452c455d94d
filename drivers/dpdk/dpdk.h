/*
 * dpdk.h — what the files of the dpdk transport share. The transport is
 * split by concern: dpdk_config.c reads the dpdk.* keys and turns them
 * into the EAL's argument vector; dpdk_port.c starts the EAL once (its
 * log routed into xs_log), brings one ethdev port up (RSS queues, a
 * mempool, the link), moves bursts of frames between the port and
 * lib/stack, and owns the addresses: lib/stack's neighbour cache answers
 * ARP/ND and resolves next hops, its ICMP responder answers echo and
 * sends port unreachable; dpdk_ops.c (to come) is the ops table that the
 * core calls.
 *
 * Memory: when the host has free 2 MB hugepages the EAL runs
 * --in-memory (anonymous hugepages, no files in hugetlbfs or in
 * /var/run/dpdk); otherwise --no-huge -m <MB> --no-shconf (DPDK 22.11
 * refuses --in-memory with --no-huge), with a warning that says what that
 * costs. Either way the file prefix is unique per process and the EAL's
 * empty runtime directory is removed at cleanup.
 *
 * Threads: run to completion. Whichever thread polls takes the stack
 * lock (trylock: one receiver at a time), pulls a burst from every RX
 * queue and processes it, answers included, before returning. Transmit
 * takes the lock of one TX queue. Non-EAL threads use the mempool
 * without a per-lcore cache (rte_thread_register would give them one).
 */
#ifndef XS_DPDK_H
#define XS_DPDK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "icmp.h"
#include "neigh.h"
#include "stack.h"

/* ---- configuration (dpdk_config.c) ---- */
#define DPDK_MAX_QUEUES 16
#define DPDK_MAX_ARGS	64
#define DPDK_NAME_MAX	64   /* RTE_ETH_NAME_MAX_LEN */
#define DPDK_RX_DESC	1024 /* per queue, before rte_eth_dev_adjust_nb_rx_tx_desc */
#define DPDK_TX_DESC	1024
#define DPDK_BURST	32
#define DPDK_POOL_CACHE 256
/* mbufs beyond the rings and caches: bursts in flight, frames being built. */
#define DPDK_POOL_EXTRA 1024
/* One mbuf in the pool: RTE_MBUF_DEFAULT_BUF_SIZE (2176) of data room,
 * the 128-byte struct rte_mbuf, and the mempool's header and padding;
 * under --no-huge a whole 4 KB page, since an object that must be
 * IOVA-contiguous may not cross a page (the pool of a PCI device). */
#define DPDK_MBUF_BYTES		2432
#define DPDK_MBUF_BYTES_NO_HUGE 4096
/* What the EAL needs beside the mempool under --no-huge (its memzones,
 * the rings of the virtual devices, malloc heap headroom). */
#define DPDK_NO_HUGE_BASE_MB 64
#define DPDK_LINK_WAIT_MS    5000
#define DPDK_MAX_NEIGHBOURS  16

/* One entry of dpdk.neighbours: a permanent neighbour (xs_neigh_add_permanent). */
struct dpdk_neighbour {
	int family;	    /* AF_INET or AF_INET6 */
	struct in6_addr ip; /* IPv4 as ::ffff:a.b.c.d */
	uint8_t mac[6];
};

struct dpdk_cfg {
	/* The EAL's arguments: "xsocket", the words of dpdk.eal, then what
	 * dpdk_config adds; the strings live in args. */
	int argc;
	char *argv[DPDK_MAX_ARGS + 1];
	char args[4096];
	char port[DPDK_NAME_MAX]; /* dpdk.port: an id or a device name; "": the only port */
	unsigned nqueues;	  /* dpdk.queues: RX/TX queue pairs, RSS across them */
	struct xs_ifaddrs addrs;  /* dpdk.ipv4, dpdk.ipv6, dpdk.gateway; the MAC at open */
	unsigned nb_mbufs;	  /* the mempool, from the queues and ring sizes */
	bool no_huge;		  /* we added --no-huge: the host has no free 2 MB pages */
	bool own_prefix;	  /* we added --file-prefix xsocket-<pid>: the runtime
				   * directory is ours to empty at cleanup */
	unsigned mem_mb;	  /* -m that we added with --no-huge */
	unsigned link_wait_ms;
	unsigned nneigh; /* dpdk.neighbours, installed at open */
	struct dpdk_neighbour neigh[DPDK_MAX_NEIGHBOURS];
};

/* The keys' values as read (NULL: unset), and what the host offers that
 * the EAL's arguments depend on: dpdk_config_parse is the whole
 * validation without the environment, for tests. */
struct dpdk_keys {
	const char *eal, *port, *ipv4, *ipv6, *gateway, *queues, *neighbours;
};
struct dpdk_host {
	long hugepages_free; /* free 2 MB pages; < 0 unknown (counts as none) */
	long pid;	     /* for --file-prefix xsocket-<pid> */
	int log_level;	     /* enum xs_log_level, for --log-level */
};

/* Read the dpdk.* keys and the host, validate, build the arguments; log
 * the --no-huge warning. 0, or -EINVAL with msg set to a sentence naming
 * the key, the bad value and what it accepts. */
int dpdk_config_load(struct dpdk_cfg *cfg, char *msg, size_t msglen);
int dpdk_config_parse(struct dpdk_cfg *cfg, const struct dpdk_keys *k, const struct dpdk_host *h,
		      char *msg, size_t msglen);
/* Free 2 MB hugepages (sysfs, else /proc/meminfo), or -1. */
long dpdk_hugepages_free(void);
/* The warning for --no-huge, for the log and xsocket info. */
int dpdk_config_no_huge_text(const struct dpdk_cfg *cfg, char *buf, size_t len);

/* ---- the EAL and the port (dpdk_port.c) ---- */

/* Start the EAL with cfg's arguments, once per process: later calls give
 * the first call's result (the EAL cannot start twice). If the
 * application started the EAL itself, use that one and leave its cleanup
 * to the application. The calling thread's CPU affinity is kept (the EAL
 * would pin it to the main lcore). 0, or -errno with msg saying what to
 * fix: hugepages, memory, an argument the EAL refused, a device it could
 * not parse. */
int dpdk_eal_init(const struct dpdk_cfg *cfg, char *msg, size_t msglen);
/* rte_eal_cleanup and removal of the EAL's runtime directory, if
 * dpdk_eal_init started the EAL; after every port is closed, once. */
void dpdk_eal_cleanup(void);
/* The EAL's last error line on this thread ("" if none), for messages. */
const char *dpdk_last_error(void);

struct dpdk_port;

/* What the port got, for xsocket info and the log. */
struct dpdk_port_info {
	uint16_t port_id;
	char name[DPDK_NAME_MAX];
	char driver[32];
	unsigned if_index; /* the kernel interface behind it (af_packet, af_xdp, tap), or 0 */
	uint8_t mac[6];
	uint16_t mtu;
	unsigned nqueues;
	uint16_t nb_rxd, nb_txd;
	unsigned nb_mbufs;
	uint64_t rss_hf; /* 0: one queue, or the device spreads frames its own way */
	bool link_up;
	uint32_t link_speed_mbps;
	bool no_huge;
	/* rte_eth_stats */
	uint64_t ipackets, opackets, imissed, ierrors, oerrors, rx_nombuf;
	struct xs_neigh_counters neigh;
	struct xs_icmp_counters icmp;
};

/* Start the EAL if need be, find the port (cfg->port: an id, a device
 * name such as net_af_packet0, or the only one), configure nqueues RX/TX
 * queues with RSS over IP and UDP where the device hashes them, create
 * the mempool, start the port, accept the frames of IPv6 solicited-node
 * groups, wait for the link (cfg->link_wait_ms), create the stack, the
 * neighbour cache (with cfg's permanent entries) and the ICMP responder.
 * 0, or -errno with msg naming what failed and what to do (-ENODEV no
 * such port, -EINVAL too many queues for the device, -ENOMEM mempool,
 * -ENETDOWN link down). */
int dpdk_port_open(const struct dpdk_cfg *cfg, struct dpdk_port **out, char *msg, size_t msglen);
/* Stop and close the port, free the mempool, the stack, the cache. */
void dpdk_port_close(struct dpdk_port *p);
struct xs_stack *dpdk_port_stack(struct dpdk_port *p);
struct xs_neigh *dpdk_port_neigh(struct dpdk_port *p);
const struct xs_ifaddrs *dpdk_port_addrs(const struct dpdk_port *p);
void dpdk_port_info(struct dpdk_port *p, struct dpdk_port_info *out);

/* Receive: if no other thread is doing it, drain up to a burst from
 * every RX queue into the stack (xs_stack_input with self; the stack
 * hands ARP, ICMP and unclaimed UDP back through dpdk_port_control) and
 * run the neighbour timers when due. Returns frames handed to the stack
 * (0 also when another thread held the stack lock). Never blocks. */
unsigned dpdk_port_poll(struct dpdk_port *p, struct xs_stack_sock *self);

/* Transmit one frame on TX queue hint % nqueues: build writes at most
 * cap bytes (the MTU-bound room of one mbuf) and returns the frame
 * length or -errno. Returns the frame length, -ENOBUFS when the mempool
 * is empty, -EAGAIN when the TX ring is full, or build's error. */
ssize_t dpdk_port_send(struct dpdk_port *p, unsigned hint, xs_build_fn build, const void *arg);
/* One frame of a batch: build and its argument, as for dpdk_port_send. */
struct dpdk_tx {
	xs_build_fn build;
	const void *arg;
};
/* Transmit up to n frames (at most DPDK_BURST) on TX queue hint %
 * nqueues with one rte_eth_tx_burst, each built into its own mbuf in
 * order. Returns how many went out: always the first ones, the others
 * were not sent and may be tried again. If none did: -ENOBUFS (mempool
 * empty), -EAGAIN (TX ring full) or the first build's error. */
int dpdk_port_send_batch(struct dpdk_port *p, unsigned hint, const struct dpdk_tx *tx, unsigned n);
/* The destination MAC of an IP datagram to dst (the next hop's, from the
 * neighbour cache), holding and sending nothing: 0 with mac filled,
 * -EAGAIN while it resolves (dpdk_port_send_ip then holds the frame),
 * -ENETUNREACH, -ENOBUFS, -EINVAL (one of our own addresses). */
int dpdk_port_resolve(struct dpdk_port *p, int family, const struct in6_addr *dst, uint8_t mac[6]);
/* Transmit an IP frame towards dst: the next hop from the addresses,
 * its MAC from the neighbour cache written over the frame's destination
 * MAC after build. While the next hop resolves, the frame is built into
 * a local buffer and held (a few per neighbour, as the kernel's
 * arp_queue). Returns the frame length (also when held), -ENETUNREACH,
 * -ENOBUFS, -EAGAIN, or build's error. */
ssize_t dpdk_port_send_ip(struct dpdk_port *p, unsigned hint, int family,
			  const struct in6_addr *dst, xs_build_fn build, const void *arg);

/* For the stack's hook, during xs_stack_input under the stack lock: a
 * frame that no UDP socket took. ARP and NS/NA go to the neighbour
 * cache, ICMP/ICMPv6 to the responder; udp_no_socket says the frame is a
 * UDP datagram for one of our addresses that no socket is bound to (port
 * unreachable). Returns true if the frame was taken (not to be counted
 * as unhandled). */
bool dpdk_port_control(struct dpdk_port *p, const uint8_t *frame, uint32_t len, bool udp_no_socket);

#endif
