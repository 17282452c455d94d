/*
 * capture_filter.c — the tcpdump-syntax filter, compiled by libpcap for
 * Ethernet frames on a handle that captures nothing (pcap_open_dead).
 * The program accepts a frame with CAPTURE_SNAPLEN_MAX, so that the
 * kernel, when it runs it, never cuts a frame short: -s applies when the
 * frame is written, and the length on the wire stays known.
 */
#include <pcap/pcap.h>
#include <stdio.h>

#include "capture.h"
#include "cli.h"

int capture_filter_compile(const char *cmd, const char *expr, struct bpf_program *prog)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN_MAX);
	int rc = 0;

	if (!p)
		return cli_fail_msg("compiling the filter", "out of memory");
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0)
		rc = cli_usage_error(cmd, "bad filter '%s': %s", expr, pcap_geterr(p));
	pcap_close(p);
	return rc;
}

bool capture_filter_match(const struct bpf_program *prog, const struct pcap_pkthdr *h,
			  const unsigned char *frame)
{
	return pcap_offline_filter(prog, h, frame) != 0;
}
