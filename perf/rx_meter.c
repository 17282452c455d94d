/*
 * rx_meter.c — the bounds, the measurement window and the report of the
 * receivers of perf/xdp_bench.sh (see rx_meter.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"
#include "rx_meter.h"

volatile sig_atomic_t rx_stop;

int64_t rx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void rx_meter_init(struct rx_meter *m)
{
	memset(m, 0, sizeof(*m));
	m->duration_s = 30;
	m->idle_s = 0.5;
}

static int parse_seconds(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 86400)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *arg, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int rx_meter_option(struct rx_meter *m, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case 'c':
		return parse_count(arg, &m->count) < 0 ? -1 : 1;
	case 'd':
		return parse_seconds(arg, &m->duration_s) < 0 ? -1 : 1;
	case 'I':
		return parse_seconds(arg, &m->idle_s) < 0 ? -1 : 1;
	case 'n':
		if (parse_count(arg, &v) < 0 || v == 0 || v > 1000000)
			return -1;
		m->nap_us = (unsigned)v;
		return 1;
	case 'R':
		m->ready_path = arg;
		return 1;
	case 'j':
		m->json = true;
		return 1;
	default:
		return 0;
	}
}

static void on_stop(int sig)
{
	rx_stop = 1;
}

/* No SA_RESTART: a blocked receive returns EINTR and the loop sees rx_stop. */
void rx_meter_catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int rx_meter_start(struct rx_meter *m)
{
	int fd;

	m->start_ns = rx_now_ns();
	if (!m->ready_path)
		return 0;
	fd = open(m->ready_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "ready\n", 6) != 6) {
		fprintf(stderr, "writing the ready file %s: %s\n", m->ready_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void rx_meter_first(struct rx_meter *m)
{
	m->first_ns = rx_now_ns();
	getrusage(RUSAGE_SELF, &m->ru_first);
}

bool rx_meter_tick(struct rx_meter *m)
{
	int64_t now = rx_now_ns();

	if (rx_stop) {
		m->last_ns = now;
		m->stopped_by = "signal";
		return true;
	}
	if (now - m->start_ns < (int64_t)(m->duration_s * 1e9))
		return false;
	m->last_ns = now;
	m->stopped_by = "duration";
	return true;
}

bool rx_meter_waited(struct rx_meter *m, double waited_s)
{
	int64_t now = rx_now_ns();

	/* A new idle stretch began where this wait did: just after the last
	 * packet. */
	if (!m->idle_since_ns || m->idle_mark != m->packets) {
		m->idle_since_ns = now - (int64_t)(waited_s * 1e9);
		m->idle_mark = m->packets;
	}
	m->last_ns = m->packets ? m->idle_since_ns : now;
	if (rx_stop)
		m->stopped_by = "signal";
	else if (m->packets && now - m->idle_since_ns >= (int64_t)(m->idle_s * 1e9))
		m->stopped_by = "idle";
	else if (now - m->start_ns >= (int64_t)(m->duration_s * 1e9))
		m->stopped_by = "duration";
	return m->stopped_by != NULL;
}

bool rx_meter_nap(struct rx_meter *m)
{
	struct timespec nap = {m->nap_us / 1000000, (long)(m->nap_us % 1000000) * 1000};

	nanosleep(&nap, NULL);
	return rx_meter_waited(m, m->nap_us / 1e6);
}

void rx_meter_extra(struct rx_meter *m, const char *key, long long value)
{
	if (m->nextra == RX_EXTRA_MAX)
		return;
	m->extra[m->nextra].key = key;
	m->extra[m->nextra].value = value;
	m->nextra++;
}

static double tv_s(const struct timeval *tv)
{
	return tv->tv_sec + tv->tv_usec / 1e6;
}

struct rx_figures {
	double active_s, pps, user_s, sys_s, cpu_ns_per_packet;
	long vcsw, ivcsw;
};

static void figures(const struct rx_meter *m, struct rx_figures *f)
{
	memset(f, 0, sizeof(*f));
	if (!m->packets)
		return;
	f->active_s = (m->last_ns - m->first_ns) / 1e9;
	f->pps = f->active_s > 0 ? m->packets / f->active_s : 0;
	f->user_s = tv_s(&m->ru_end.ru_utime) - tv_s(&m->ru_first.ru_utime);
	f->sys_s = tv_s(&m->ru_end.ru_stime) - tv_s(&m->ru_first.ru_stime);
	f->cpu_ns_per_packet = (f->user_s + f->sys_s) * 1e9 / m->packets;
	f->vcsw = m->ru_end.ru_nvcsw - m->ru_first.ru_nvcsw;
	f->ivcsw = m->ru_end.ru_nivcsw - m->ru_first.ru_nivcsw;
}

static void report_json(const struct rx_meter *m, const struct rx_figures *f, const char *program,
			const char *mode, const char *transport)
{
	struct json j;

	json_begin(&j, stdout);
	json_str(&j, "program", program);
	json_str(&j, "mode", mode);
	json_str(&j, "transport", transport);
	json_str(&j, "stopped_by", m->stopped_by);
	json_int(&j, "nap_us", m->nap_us);
	json_int(&j, "packets", (long long)m->packets);
	json_int(&j, "bytes", (long long)m->bytes);
	json_num(&j, "active_s", f->active_s);
	json_num(&j, "pps", f->pps);
	json_num(&j, "cpu_user_s", f->user_s);
	json_num(&j, "cpu_sys_s", f->sys_s);
	json_num(&j, "cpu_ns_per_packet", f->cpu_ns_per_packet);
	json_int(&j, "voluntary_switches", f->vcsw);
	json_int(&j, "involuntary_switches", f->ivcsw);
	json_obj(&j, "counters");
	for (unsigned i = 0; i < m->nextra; i++)
		json_int(&j, m->extra[i].key, m->extra[i].value);
	json_obj_end(&j);
	json_end(&j);
}

static void report_text(const struct rx_meter *m, const struct rx_figures *f, const char *program,
			const char *mode, const char *transport)
{
	struct table t;
	char v[8][48];

	snprintf(v[0], sizeof(v[0]), "%s (%s, %s)", program, mode, transport);
	snprintf(v[1], sizeof(v[1]), "%llu", (unsigned long long)m->packets);
	snprintf(v[2], sizeof(v[2]), "%.3f s (stopped by %s)", f->active_s, m->stopped_by);
	snprintf(v[3], sizeof(v[3]), "%.0f", f->pps);
	snprintf(v[4], sizeof(v[4]), "%.3f s user, %.3f s system", f->user_s, f->sys_s);
	snprintf(v[5], sizeof(v[5]), "%.1f", f->cpu_ns_per_packet);
	snprintf(v[6], sizeof(v[6]), "%ld voluntary, %ld involuntary", f->vcsw, f->ivcsw);
	table_init(&t, 2, NULL);
	table_row(&t, "receiver", v[0]);
	table_row(&t, "packets", v[1]);
	table_row(&t, "first to last packet", v[2]);
	table_row(&t, "packets/s", v[3]);
	table_row(&t, "CPU time", v[4]);
	table_row(&t, "CPU ns/packet", v[5]);
	table_row(&t, "context switches", v[6]);
	for (unsigned i = 0; i < m->nextra; i++) {
		snprintf(v[7], sizeof(v[7]), "%lld", m->extra[i].value);
		table_row(&t, m->extra[i].key, v[7]);
	}
	table_print(&t, stdout, 0);
}

void rx_meter_report(struct rx_meter *m, const char *program, const char *mode,
		     const char *transport)
{
	struct rx_figures f;

	getrusage(RUSAGE_SELF, &m->ru_end);
	if (!m->stopped_by)
		m->stopped_by = "error";
	figures(m, &f);
	if (m->json)
		report_json(m, &f, program, mode, transport);
	else
		report_text(m, &f, program, mode, transport);
	fflush(stdout);
}
