/*
 * capture.h — what the files of `xsocket capture` share. The command is
 * split by concern: capture.c runs the receive loop and decides when to
 * stop, capture_opts.c parses the command line, capture_filter.c compiles
 * the tcpdump-syntax filter with libpcap, capture_sock.c owns the packet
 * socket (bind, kernel filter, timestamps, drop counters),
 * capture_dump.c writes and rotates the pcap files, capture_print.c
 * prints one line per packet, and capture_report.c the live line and the
 * summary.
 */
#ifndef XSOCKET_CAPTURE_H
#define XSOCKET_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "xsocket.h"

#define CAPTURE_SNAPLEN_DEFAULT 262144 /* tcpdump's */
#define CAPTURE_SNAPLEN_MAX	262144
#define CAPTURE_MAX_DURATION	31536000.0 /* a year */
#define CAPTURE_RECV_TIMEOUT	0.2	   /* seconds: signals and the live line are served */

/* ---- options (capture_opts.c) ---- */
struct capture_opts {
	const char *iface;
	const char *file;  /* -w; NULL: one line per packet on stdout; "-": pcap on stdout */
	char *filter;	   /* the FILTER words joined by spaces; "" = every frame */
	long count;	   /* -c; 0 = no bound */
	double duration;   /* --duration; 0 = no bound */
	long rotate_s;	   /* -G; 0 = one file */
	long file_limit;   /* -W; 0 = no limit */
	long snaplen;	   /* -s */
	bool promisc;	   /* off with -p */
	bool quiet;	   /* -q: no live line */
	bool packet_flush; /* -U: flush the file after every packet */
	bool json;
};

/* Fills o from argv. 0 to run; -1 after --help (exit 0); otherwise the
 * exit code of a usage error, already reported. */
int capture_parse(struct capture_opts *o, int argc, char **argv);

/* ---- the filter (capture_filter.c) ---- */

/* Compile expr for Ethernet frames. 0, or CLI_EXIT_USAGE with libpcap's
 * message reported. */
int capture_filter_compile(const char *cmd, const char *expr, struct bpf_program *prog);
bool capture_filter_match(const struct bpf_program *prog, const struct pcap_pkthdr *h,
			  const unsigned char *frame);

/* ---- the packet socket (capture_sock.c) ---- */
struct capture_sock {
	struct xs_sock *s;
	const char *iface;
	const char *transport;
	int ifindex;
	bool kernel_filter; /* the kernel runs the filter too, so fewer frames come */
	bool kernel_time;   /* SO_TIMESTAMP works: the receive time comes in a cmsg */
	bool promisc;	    /* promiscuous mode is on */
	bool stats_ok;	    /* PACKET_STATISTICS answered at least once, and last time */
	double timeout;	    /* the receive timeout set last (set again only on change:
			     * on the kernel transport it costs an fcntl) */
	char stats_err[sizeof(((struct xs_error *)0)->msg)];
	uint64_t stat_packets, stat_drops; /* summed, since the kernel resets on read */
	union {
		struct cmsghdr align;
		unsigned char bytes[256];
	} anc;
};

/* One received frame. */
struct capture_frame {
	struct pcap_pkthdr hdr; /* ts, caplen (<= the buffer), len (on the wire) */
	int pkttype;		/* PACKET_HOST, PACKET_OUTGOING ... */
};

/* Opens the socket on iface (checked first: the error names it), attaches
 * prog in the kernel when the transport can, else leaves it to the caller.
 * 0 or CLI_EXIT_FAIL with the failure reported. */
int capture_sock_open(struct capture_sock *cs, const struct capture_opts *o,
		      const struct bpf_program *prog);
void capture_sock_close(struct capture_sock *cs);
/* Waits up to timeout seconds for one frame into buf. 1 with f filled, 0
 * when the time passed or a stop signal came, -1 on a failure (reported). */
int capture_sock_recv(struct capture_sock *cs, unsigned char *buf, size_t len, double timeout,
		      struct capture_frame *f);
/* Adds the transport's counters since the last call to stat_packets and
 * stat_drops; on failure stats_ok is false and stats_err says why. */
void capture_sock_stats(struct capture_sock *cs);

/* ---- the files (capture_dump.c) ---- */
struct capture_dump {
	pcap_t *dead;
	pcap_dumper_t *d;
	const char *pattern; /* -w as given: a strftime format with -G */
	long rotate_s, file_limit;
	bool flush_each;
	time_t opened;	 /* when the current file was opened */
	long files;	 /* opened so far */
	char name[4096]; /* of the current file */
};

/* 0, or CLI_EXIT_FAIL with the failure reported. */
int capture_dump_open(struct capture_dump *cd, const struct capture_opts *o);
/* Rotates when -G says so. 0 to go on, 1 when the -W files are done (the
 * capture stops), -1 on a failure (reported). */
int capture_dump_tick(struct capture_dump *cd, time_t now);
void capture_dump_write(struct capture_dump *cd, const struct pcap_pkthdr *h,
			const unsigned char *frame);
/* Flushes; -1 (reported) if the file could not be written. */
int capture_dump_flush(struct capture_dump *cd);
/* Closes the file; -1 (reported) if it could not be written. */
int capture_dump_close(struct capture_dump *cd);

/* ---- one line per packet (capture_print.c) ---- */
void capture_print(FILE *f, const struct capture_frame *fr, const unsigned char *frame);

/* ---- the live line and the summary (capture_report.c) ---- */
struct capture_report {
	const struct capture_opts *o;
	struct capture_sock *cs;
	const struct capture_dump *cd; /* NULL without -w */
	uint64_t seen;		       /* frames the socket delivered */
	uint64_t captured;	       /* frames that matched and were written or printed */
	int64_t start_ns, last_ns, end_ns;
	uint64_t last_captured;
	bool live_tty;	 /* stderr is a terminal: the live line is redrawn with \r */
	bool live_shown; /* a live line is on the terminal, not yet ended */
	bool lines_tty;	 /* frame lines go to the same kind of terminal */
};

int64_t capture_now_ns(void); /* CLOCK_MONOTONIC */
void capture_report_start(struct capture_report *r);
/* Prints the live line if a second has passed since the last. */
void capture_report_tick(struct capture_report *r, int64_t now_ns);
/* Clears a live line from the terminal before a packet line is printed. */
void capture_report_clear(struct capture_report *r);
/* The final counters: tcpdump's three lines on stderr, or JSON. */
void capture_report_summary(struct capture_report *r);

#endif
