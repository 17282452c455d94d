/*
 * capture_report.c — what `xsocket capture` says about its run: the
 * "listening on" line when the socket is ready (scripts wait for it), a
 * live line on stderr once a second (redrawn in place on a terminal, one
 * line per second otherwise), and at the end tcpdump's three counters on
 * stderr or one JSON object. The drops are the transport's: the kernel's
 * for the kernel transport, xsocket's own for a frame transport.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "out.h"

#define LIVE_INTERVAL_NS 1000000000LL

int64_t capture_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool drops_by_kernel(const struct capture_report *r)
{
	return !strcmp(r->cs->transport, "kernel");
}

void capture_report_start(struct capture_report *r)
{
	const struct capture_sock *cs = r->cs;

	r->start_ns = r->last_ns = capture_now_ns();
	r->live_tty = isatty(STDERR_FILENO);
	r->lines_tty = r->live_tty && isatty(STDOUT_FILENO);
	fprintf(stderr,
		"listening on %s, link-type EN10MB (Ethernet), snapshot length %ld bytes, "
		"transport %s, filter in %s\n",
		cs->iface, r->o->snaplen, cs->transport, cs->kernel_filter ? "kernel" : "xsocket");
	fflush(stderr);
}

static void live_drops(const struct capture_sock *cs, char *buf, size_t len)
{
	if (cs->stats_ok)
		snprintf(buf, len, "%llu", (unsigned long long)cs->stat_drops);
	else
		snprintf(buf, len, "unknown");
}

void capture_report_tick(struct capture_report *r, int64_t now_ns)
{
	double dt = (now_ns - r->last_ns) / 1e9;
	char drops[32];

	if (r->o->quiet || now_ns - r->last_ns < LIVE_INTERVAL_NS)
		return;
	capture_sock_stats(r->cs);
	live_drops(r->cs, drops, sizeof(drops));
	fprintf(stderr, "%s%s: %llu packets captured, %.0f packets/s, %s dropped%s",
		r->live_tty ? "\r" : "", r->cs->iface, (unsigned long long)r->captured,
		(r->captured - r->last_captured) / dt, drops, r->live_tty ? "\033[K" : "\n");
	fflush(stderr);
	r->live_shown = r->live_tty;
	r->last_ns = now_ns;
	r->last_captured = r->captured;
}

void capture_report_clear(struct capture_report *r)
{
	if (!r->live_shown || !r->lines_tty)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	r->live_shown = false;
}

static uint64_t received_by_filter(const struct capture_report *r)
{
	/* The kernel counts what its filter accepted, as tcpdump reports on
	 * Linux; in user space, every frame the filter looked at. */
	return r->cs->kernel_filter && r->cs->stats_ok ? r->cs->stat_packets : r->seen;
}

static void summary_json(const struct capture_report *r, FILE *f)
{
	const struct capture_sock *cs = r->cs;
	struct json j;

	json_begin(&j, f);
	json_str(&j, "interface", cs->iface);
	json_str(&j, "transport", cs->transport);
	json_str(&j, "filter", r->o->filter);
	json_str(&j, "filter_in", cs->kernel_filter ? "kernel" : "xsocket");
	json_bool(&j, "promiscuous", cs->promisc);
	json_str(&j, "file", r->cd ? r->cd->name : NULL);
	json_int(&j, "files", r->cd ? r->cd->files : 0);
	json_num(&j, "duration_s", (r->end_ns - r->start_ns) / 1e9);
	json_int(&j, "captured", (long long)r->captured);
	json_int(&j, "received_by_filter", (long long)received_by_filter(r));
	if (cs->stats_ok)
		json_int(&j, "dropped", (long long)cs->stat_drops);
	else
		json_str(&j, "dropped", NULL);
	json_str(&j, "dropped_by", drops_by_kernel(r) ? "kernel" : "xsocket");
	json_str(&j, "drops_error", cs->stats_ok ? NULL : cs->stats_err);
	json_end(&j);
}

static void summary_text(const struct capture_report *r)
{
	const struct capture_sock *cs = r->cs;

	fprintf(stderr, "%llu packets captured\n", (unsigned long long)r->captured);
	fprintf(stderr, "%llu packets received by filter\n",
		(unsigned long long)received_by_filter(r));
	if (!cs->stats_ok)
		fprintf(stderr, "packets dropped unknown: %s\n", cs->stats_err);
	else if (drops_by_kernel(r))
		fprintf(stderr, "%llu packets dropped by kernel\n",
			(unsigned long long)cs->stat_drops);
	else
		fprintf(stderr, "%llu packets dropped by xsocket (transport %s)\n",
			(unsigned long long)cs->stat_drops, cs->transport);
}

void capture_report_summary(struct capture_report *r)
{
	bool to_stdout = !(r->o->file && !strcmp(r->o->file, "-"));

	r->end_ns = capture_now_ns();
	capture_sock_stats(r->cs);
	if (r->live_shown) {
		fputc('\n', stderr);
		r->live_shown = false;
	}
	if (r->o->json)
		summary_json(r, to_stdout ? stdout : stderr);
	else
		summary_text(r);
	fflush(NULL);
}
