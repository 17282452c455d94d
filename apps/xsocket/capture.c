/*
 * capture.c — `xsocket capture`: the run. Compiles the filter (a bad one
 * is a usage error before anything is opened), opens the packet socket
 * and the file, then receives with a short timeout so that the stop
 * signals, the live line, file rotation and the bounds (-c, --duration,
 * -W) are served even when no frame comes; SIGINT and SIGTERM end the
 * run through the library's interrupt hook, with the summary printed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture.h"
#include "cli.h"

#define FLUSH_INTERVAL_NS 1000000000LL

struct capture {
	struct capture_opts o;
	struct bpf_program prog;
	struct capture_sock cs;
	struct capture_dump cd;
	struct capture_report r;
	struct capture_frame fr;
	int64_t deadline_ns; /* 0: no --duration */
	int64_t flushed_ns;
	unsigned char buf[CAPTURE_SNAPLEN_MAX];
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	stop_requested = 1;
}

/* Non-zero makes the interrupted library call fail with EINTR. */
static int interrupt_hook(void)
{
	return stop_requested;
}

static void catch_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal}; /* no SA_RESTART */

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	xs_set_interrupt_hook(interrupt_hook);
}

/* The receive timeout: short, and never past the deadline. */
static double wait_for(const struct capture *c, int64_t now_ns)
{
	double left = (c->deadline_ns - now_ns) / 1e9;

	if (!c->deadline_ns || left > CAPTURE_RECV_TIMEOUT)
		return CAPTURE_RECV_TIMEOUT;
	return left > 0.001 ? left : 0.001;
}

/* Filters, writes or prints the frame in buf; true when -c is reached. */
static bool capture_one(struct capture *c)
{
	struct pcap_pkthdr *h = &c->fr.hdr;

	c->r.seen++;
	/* Also after the kernel's filter: a transport that took the program
	 * but does not run it on these frames cannot let one through. */
	if (!capture_filter_match(&c->prog, h, c->buf))
		return false;
	if (h->caplen > (bpf_u_int32)c->o.snaplen)
		h->caplen = (bpf_u_int32)c->o.snaplen;
	if (c->o.file) {
		capture_dump_write(&c->cd, h, c->buf);
	} else if (!c->o.json) {
		capture_report_clear(&c->r);
		capture_print(stdout, &c->fr, c->buf);
	}
	c->r.captured++;
	return c->o.count && c->r.captured >= (uint64_t)c->o.count;
}

/* Once a second: the live line, and what was written reaches the file. */
static int capture_tick(struct capture *c, int64_t now_ns)
{
	int rc = 0;

	capture_report_tick(&c->r, now_ns);
	if (now_ns - c->flushed_ns >= FLUSH_INTERVAL_NS) {
		c->flushed_ns = now_ns;
		fflush(stdout);
		if (c->o.file && capture_dump_flush(&c->cd) < 0)
			return -1;
	}
	if (c->o.file)
		rc = capture_dump_tick(&c->cd, time(NULL));
	return rc;
}

static int capture_loop(struct capture *c)
{
	int64_t now;
	int rc;

	while (!stop_requested) {
		now = capture_now_ns();
		if (c->deadline_ns && now >= c->deadline_ns)
			return 0;
		rc = capture_tick(c, now);
		if (rc)
			return rc < 0 ? CLI_EXIT_FAIL : 0;
		rc = capture_sock_recv(&c->cs, c->buf, sizeof(c->buf), wait_for(c, now), &c->fr);
		if (rc < 0)
			return CLI_EXIT_FAIL;
		if (rc > 0 && capture_one(c))
			return 0;
	}
	return 0;
}

static int capture_open(struct capture *c, const char *cmd)
{
	int rc = capture_filter_compile(cmd, c->o.filter, &c->prog);

	if (rc)
		return rc;
	rc = capture_sock_open(&c->cs, &c->o, &c->prog);
	if (rc)
		goto out_free_prog;
	if (!c->o.file)
		return 0;
	rc = capture_dump_open(&c->cd, &c->o);
	if (!rc) {
		c->r.cd = &c->cd;
		return 0;
	}
	capture_dump_close(&c->cd);
	capture_sock_close(&c->cs);
out_free_prog:
	pcap_freecode(&c->prog);
	return rc;
}

static int capture_run(struct capture *c, const char *cmd)
{
	int rc = capture_open(c, cmd);

	if (rc)
		return rc;
	if (c->o.packet_flush && !c->o.file)
		setvbuf(stdout, NULL, _IOLBF, 0);
	catch_signals();
	c->r.o = &c->o;
	c->r.cs = &c->cs;
	capture_report_start(&c->r);
	c->flushed_ns = c->r.start_ns;
	if (c->o.duration > 0)
		c->deadline_ns = c->r.start_ns + (int64_t)(c->o.duration * 1e9);
	rc = capture_loop(c);
	if (capture_dump_close(&c->cd) < 0 && !rc)
		rc = CLI_EXIT_FAIL;
	capture_report_summary(&c->r);
	capture_sock_close(&c->cs);
	pcap_freecode(&c->prog);
	return rc;
}

int cmd_capture(int argc, char **argv)
{
	static struct capture c = {
		.o = {.snaplen = CAPTURE_SNAPLEN_DEFAULT, .promisc = true},
	};
	int rc = capture_parse(&c.o, argc, argv);

	if (rc)
		return rc < 0 ? 0 : rc;
	rc = capture_run(&c, argv[0]);
	free(c.o.filter);
	return rc;
}
