/*
 * rx_meter.h — what the receivers of perf/xdp_bench.sh (udp_sink,
 * xsk_bare) share: the bounds of a run (--count, --duration, --idle), the
 * measurement window (from the first packet to the last) with the
 * process's CPU time over it, the ready file the script waits for, and
 * the report, as a table or as JSON.
 *
 * The window starts at the first packet, so that set-up (UMEM, XDP
 * program, socket) is not charged to the packets, and ends at the last
 * one: a run that stops because nothing came for --idle seconds ends its
 * window where the wait that timed out began, which is just after the
 * last packet. The CPU time is getrusage(RUSAGE_SELF), user + system, of
 * the whole process over the window (the idle waits after the last packet
 * are sleeps, a few microseconds each).
 *
 * How a receiver waits decides much of its CPU time when the generator is
 * slower than it: one that sleeps until the next packet (the default)
 * sleeps and is woken every few packets, and a faster receiver sleeps
 * more often. With --nap US every receiver instead sleeps a fixed time
 * whenever it finds nothing, so all wake up at the same rate and the
 * difference in CPU time is the work per packet (interrupt moderation,
 * as a NIC does it).
 */
#ifndef XS_PERF_RX_METER_H
#define XS_PERF_RX_METER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

#define RX_EXTRA_MAX 16
/* The clock is read once per this many packets (a power of two) to
 * enforce --duration without a clock read per packet. */
#define RX_CLOCK_EVERY 1024u

struct rx_meter {
	/* bounds */
	uint64_t count;		/* stop after this many packets; 0: no bound */
	double duration_s;	/* stop this long after the start */
	double idle_s;		/* stop when nothing came for this long (after the first) */
	unsigned nap_us;	/* 0: wait for packets; else sleep this long when empty */
	const char *ready_path; /* written once the receiver is ready */
	bool json;
	/* the run */
	uint64_t packets, bytes;
	int64_t start_ns, first_ns, last_ns;
	int64_t idle_since_ns; /* start of the current idle stretch */
	uint64_t idle_mark;    /* packets when it started */
	struct rusage ru_first, ru_end;
	const char *stopped_by;
	/* what the receiver adds to its report: drop counters and such */
	unsigned nextra;
	struct {
		const char *key;
		long long value;
	} extra[RX_EXTRA_MAX];
};

/* Set by SIGINT/SIGTERM (rx_meter_catch_signals): the loops stop. */
extern volatile sig_atomic_t rx_stop;

int64_t rx_now_ns(void);

/* Defaults: no count, 30 s, 0.5 s idle, text output. */
void rx_meter_init(struct rx_meter *m);
/* The shared options; 1 if opt was one of them (arg parsed), 0 if not,
 * -1 if its argument is bad. */
int rx_meter_option(struct rx_meter *m, int opt, const char *arg);
/* The getopt_long entries of the shared options, and their help. */
/* clang-format off */
#define RX_METER_LONGOPTS \
	{"count", required_argument, NULL, 'c'}, \
	{"duration", required_argument, NULL, 'd'}, \
	{"idle", required_argument, NULL, 'I'}, \
	{"nap", required_argument, NULL, 'n'}, \
	{"ready", required_argument, NULL, 'R'}, \
	{"json", no_argument, NULL, 'j'}
#define RX_METER_SHORTOPTS "c:d:I:n:R:j"
#define RX_METER_HELP \
	"  -c, --count N       stop after N packets (default: no bound)\n" \
	"  -d, --duration S    stop S seconds after the start (default 30)\n" \
	"  -I, --idle S        stop when nothing came for S seconds after the first packet\n" \
	"                      (default 0.5)\n" \
	"  -n, --nap US        when nothing is there, sleep US microseconds instead of\n" \
	"                      waiting for the next packet (a fixed wake-up rate)\n" \
	"  -R, --ready FILE    write FILE once ready to receive (scripts wait for it)\n" \
	"  -j, --json          the report as JSON\n"
/* clang-format on */

void rx_meter_catch_signals(void);
/* The receiver is ready: the run starts now; writes the ready file. */
int rx_meter_start(struct rx_meter *m);

/* Out of line parts of rx_meter_add: the first packet, and the clock
 * read every RX_CLOCK_EVERY packets. */
void rx_meter_first(struct rx_meter *m);
bool rx_meter_tick(struct rx_meter *m);

/* Count n packets of `bytes` bytes in all; true when the run must stop. */
static inline bool rx_meter_add(struct rx_meter *m, unsigned n, uint64_t bytes)
{
	uint64_t before = m->packets;

	if (__builtin_expect(before == 0, 0))
		rx_meter_first(m);
	m->packets += n;
	m->bytes += bytes;
	if (m->count && m->packets >= m->count) {
		m->last_ns = rx_now_ns();
		m->stopped_by = "count";
		return true;
	}
	if ((before ^ m->packets) & ~(uint64_t)(RX_CLOCK_EVERY - 1))
		return rx_meter_tick(m);
	return false;
}

/* A wait found nothing for waited_s seconds; true when the run must
 * stop (idle, duration, or a signal). */
bool rx_meter_waited(struct rx_meter *m, double waited_s);
/* Nothing there, in --nap mode: sleep nap_us, then as rx_meter_waited. */
bool rx_meter_nap(struct rx_meter *m);
/* An extra counter for the report (drops and such). */
void rx_meter_extra(struct rx_meter *m, const char *key, long long value);
/* Ends the window (if not already) and prints the report. */
void rx_meter_report(struct rx_meter *m, const char *program, const char *mode,
		     const char *transport);

#endif
