/*
 * capture_opts.c — the command line of `xsocket capture`: tcpdump's
 * letters where tcpdump has them (-i -w -c -G -W -s -p -q -U -n), long
 * names for every option, the bounds checked together once parsed, and
 * the filter words joined into one expression as tcpdump does.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cli.h"

enum { OPT_JSON = 256, OPT_DURATION };

static const char usage[] =
	"usage: %s -i IFACE [-w FILE] [-c COUNT] [--duration S] [-G S [-W N]]\n"
	"          [-s SNAPLEN] [-p] [-q] [-U] [--json] [FILTER...]\n"
	"\n"
	"Captures the frames of one interface through an xsocket packet socket\n"
	"(AF_PACKET, ETH_P_ALL) over the configured transport (XSOCKET_TRANSPORT,\n"
	"family 'packet'). FILTER is a tcpdump expression (pcap-filter(7)); a\n"
	"frame that does not match is neither written nor counted as captured.\n"
	"Without -w, one line per frame on stdout; with -w, a pcap file that\n"
	"tcpdump -r and Wireshark read. A live line on stderr once a second\n"
	"(captured, packets/s, drops) and, at the end, tcpdump's summary.\n"
	"Runs until COUNT, the duration, -W files or SIGINT/SIGTERM.\n"
	"\n"
	"  -i, --interface IFACE    the interface (Ethernet), required\n"
	"  -w, --write FILE         write a pcap file; '-' is stdout\n"
	"  -c, --count N            stop after N matching frames\n"
	"      --duration S         stop after S seconds\n"
	"  -G, --rotate-seconds S   a new file every S seconds; FILE is a strftime(3)\n"
	"                           format (capture-%%H%%M%%S.pcap); without '%%' each\n"
	"                           new file replaces the last, as in tcpdump\n"
	"  -W, --file-limit N       with -G: stop once N files have been written\n"
	"  -s, --snapshot-length N  bytes kept of each frame (default 262144)\n"
	"  -p, --no-promiscuous-mode\n"
	"                           leave the interface out of promiscuous mode\n"
	"                           (by default it is put in, as by tcpdump)\n"
	"  -q, --quiet              no live line\n"
	"  -U, --packet-buffered    flush the file (or the lines) after every frame\n"
	"  -n                       accepted for tcpdump habits: output is numeric\n"
	"      --json               the summary as JSON on stdout (on stderr with\n"
	"                           -w -); no per-frame lines\n"
	"  -h, --help               this text\n"
	"\n"
	"The filter runs in the kernel where the transport lets it\n"
	"(SO_ATTACH_FILTER: the kernel transport), otherwise in xsocket.\n"
	"\n"
	"Over the kernel transport capture is passive, as with tcpdump: the\n"
	"host's traffic flows as before and frames it sends are seen too.\n"
	"Over the xdp transport (XSOCKET_TRANSPORT=packet=xdp) a packet socket\n"
	"bound to ETH_P_ALL steers every frame the interface receives into\n"
	"xsocket, since XDP cannot hand a frame both to the kernel and to\n"
	"user space: while the capture runs the host's own traffic on that\n"
	"interface stops. Use it on a dedicated capture or mirror port. A filter\n"
	"does not change this (it runs in xsocket, after the steering); only\n"
	"received frames are seen, none the host sends.\n"
	"\n"
	"Exits 0 when a bound is reached or on SIGINT/SIGTERM, 1 when the\n"
	"capture fails (no such interface, no permission), 2 on a usage error\n"
	"(a filter libpcap rejects among them).\n";

static const struct option long_opts[] = {
	{"interface", required_argument, NULL, 'i'},
	{"write", required_argument, NULL, 'w'},
	{"count", required_argument, NULL, 'c'},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"rotate-seconds", required_argument, NULL, 'G'},
	{"file-limit", required_argument, NULL, 'W'},
	{"snapshot-length", required_argument, NULL, 's'},
	{"no-promiscuous-mode", no_argument, NULL, 'p'},
	{"quiet", no_argument, NULL, 'q'},
	{"packet-buffered", no_argument, NULL, 'U'},
	{"json", no_argument, NULL, OPT_JSON},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* 0 if c was applied, -1 on a bad value (reported), 1 if c is unknown. */
static int capture_opt(struct capture_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'i':
		o->iface = arg;
		return 0;
	case 'w':
		o->file = arg;
		return 0;
	case 'c':
		return cli_parse_long("-c", arg, 1, 1L << 62, &o->count);
	case OPT_DURATION:
		return cli_parse_double("--duration", arg, 0.001, CAPTURE_MAX_DURATION,
					&o->duration);
	case 'G':
		return cli_parse_long("-G", arg, 1, 1L << 31, &o->rotate_s);
	case 'W':
		return cli_parse_long("-W", arg, 1, 1L << 31, &o->file_limit);
	case 's':
		return cli_parse_long("-s", arg, 1, CAPTURE_SNAPLEN_MAX, &o->snaplen);
	case 'p':
		o->promisc = false;
		return 0;
	case 'q':
		o->quiet = true;
		return 0;
	case 'U':
		o->packet_flush = true;
		return 0;
	case 'n':
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	}
	return 1;
}

/* The options that only make sense together. */
static int capture_check(const struct capture_opts *o, const char *cmd)
{
	if (!o->iface)
		return cli_usage_error(cmd, "-i IFACE is required");
	if (o->rotate_s && (!o->file || !strcmp(o->file, "-")))
		return cli_usage_error(cmd, "-G needs -w FILE (not stdout)");
	if (o->file_limit && !o->rotate_s)
		return cli_usage_error(cmd, "-W needs -G");
	return 0;
}

/* The remaining words, joined by single spaces. */
static char *capture_join(int argc, char **argv)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int capture_parse(struct capture_opts *o, int argc, char **argv)
{
	int c, r;

	while ((c = getopt_long(argc, argv, "i:w:c:G:W:s:pqUnh", long_opts, NULL)) != -1) {
		if (c == 'h') {
			printf(usage, argv[0]);
			return -1;
		}
		r = capture_opt(o, c, optarg);
		if (r)
			return cli_try_help(argv[0]);
	}
	r = capture_check(o, argv[0]);
	if (r)
		return r;
	o->filter = capture_join(argc - optind, argv + optind);
	if (!o->filter)
		return cli_fail_msg("reading the filter", "out of memory");
	return 0;
}
