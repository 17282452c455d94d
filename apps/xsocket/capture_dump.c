/*
 * capture_dump.c — the pcap files of `xsocket capture`, written by libpcap
 * (Ethernet link type, the -s snapshot length) so that tcpdump -r and
 * Wireshark read them. With -G the file is replaced every S seconds, its
 * name made by strftime(3) from -w at the time it opens (tcpdump's rule:
 * without a '%' the new file overwrites the last); -W ends the capture
 * when the next rotation would open one file too many.
 */
#include <stdio.h>
#include <string.h>

#include "capture.h"
#include "cli.h"

static int dump_name(struct capture_dump *cd, time_t now)
{
	struct tm tm;

	if (!cd->rotate_s || !strchr(cd->pattern, '%')) {
		snprintf(cd->name, sizeof(cd->name), "%s", cd->pattern);
		return 0;
	}
	if (!localtime_r(&now, &tm) || strftime(cd->name, sizeof(cd->name), cd->pattern, &tm) == 0)
		return cli_fail_msg(cd->pattern, "the -w format gives an empty or too long name");
	return 0;
}

static int dump_file_open(struct capture_dump *cd, time_t now)
{
	int rc = dump_name(cd, now);

	if (rc)
		return rc;
	cd->d = pcap_dump_open(cd->dead, cd->name);
	if (!cd->d)
		return cli_fail_msg("opening the capture file", pcap_geterr(cd->dead));
	cd->opened = now;
	cd->files++;
	return 0;
}

int capture_dump_open(struct capture_dump *cd, const struct capture_opts *o)
{
	cd->pattern = o->file;
	cd->rotate_s = o->rotate_s;
	cd->file_limit = o->file_limit;
	cd->flush_each = o->packet_flush;
	cd->dead = pcap_open_dead(DLT_EN10MB, (int)o->snaplen);
	if (!cd->dead)
		return cli_fail_msg("opening the capture file", "out of memory");
	return dump_file_open(cd, time(NULL));
}

/* Flushes and closes the current file; -1 if it could not be written. */
static int dump_file_close(struct capture_dump *cd)
{
	int rc = 0;

	if (!cd->d)
		return 0;
	if (pcap_dump_flush(cd->d) < 0 || ferror(pcap_dump_file(cd->d))) {
		cli_fail_msg(cd->name, "could not write the capture file");
		rc = -1;
	}
	pcap_dump_close(cd->d);
	cd->d = NULL;
	return rc;
}

int capture_dump_tick(struct capture_dump *cd, time_t now)
{
	if (!cd->rotate_s || now - cd->opened < cd->rotate_s)
		return 0;
	if (dump_file_close(cd) < 0)
		return -1;
	if (cd->file_limit && cd->files >= cd->file_limit)
		return 1;
	return dump_file_open(cd, now) ? -1 : 0;
}

void capture_dump_write(struct capture_dump *cd, const struct pcap_pkthdr *h,
			const unsigned char *frame)
{
	pcap_dump((unsigned char *)cd->d, h, frame);
	if (cd->flush_each)
		pcap_dump_flush(cd->d);
}

int capture_dump_flush(struct capture_dump *cd)
{
	if (cd->d && pcap_dump_flush(cd->d) < 0) {
		cli_fail_msg(cd->name, "could not write the capture file");
		return -1;
	}
	return 0;
}

int capture_dump_close(struct capture_dump *cd)
{
	int rc = dump_file_close(cd);

	if (cd->dead)
		pcap_close(cd->dead);
	cd->dead = NULL;
	return rc;
}
