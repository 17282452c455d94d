/*
 * echo_stats.c — the reports of `xsocket echo`: what the server echoed,
 * and the client's counts, rate and round-trip percentiles (nearest rank
 * over every sample, up to RTT_MAX_SAMPLES), as a table or as JSON.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "echo.h"
#include "out.h"

#define RTT_MAX_SAMPLES (1u << 24) /* 128 MiB; later samples are not kept */

static const struct {
	const char *name;
	double pct;
} percentiles[] = {
	{ "p50", 50 }, { "p90", 90 }, { "p99", 99 }, { "p99.9", 99.9 }, { "max", 100 },
};
#define NPERCENTILES (sizeof(percentiles) / sizeof(percentiles[0]))

static double seconds(int64_t start_ns, int64_t end_ns)
{
	return (end_ns - start_ns) / 1e9;
}

static double per_second(uint64_t n, int64_t start_ns, int64_t end_ns)
{
	double s = seconds(start_ns, end_ns);

	return s > 0 ? n / s : 0;
}

static void row_u64(struct table *t, const char *name, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	table_row(t, name, buf);
}

static void row_num(struct table *t, const char *name, double v, const char *unit)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%.1f%s", v, unit);
	table_row(t, name, buf);
}

/* What the interface lost before any socket: malformed, bad checksums,
 * full queues, full rings. */
static uint64_t interface_drops(const struct xs_stats *c)
{
	return c->if_rx_malformed + c->if_rx_bad_csum + c->if_rx_queue_full + c->if_rx_ring_drops;
}

void echo_server_report(const struct echo_server_stats *st, bool json)
{
	double rate = per_second(st->messages, st->start_ns, st->end_ns);
	struct json j;
	struct table t;

	if (json) {
		json_begin(&j, stdout);
		json_str(&j, "protocol", st->proto);
		json_str(&j, "address", st->addr);
		json_num(&j, "duration_s", seconds(st->start_ns, st->end_ns));
		json_int(&j, "messages", st->messages);
		json_int(&j, "bytes", st->bytes);
		json_num(&j, "msgs_per_s", rate);
		json_int(&j, "clients", st->clients);
		json_str(&j, "transport", st->transport);
		if (st->have_counters) {
			json_int(&j, "dropped_queue_full", st->counters.rx_dropped);
			json_int(&j, "interface_dropped", interface_drops(&st->counters));
		}
		json_end(&j);
		return;
	}
	table_init(&t, 2, NULL);
	table_row(&t, "protocol", st->proto);
	table_row(&t, "transport", st->transport);
	row_num(&t, "duration", seconds(st->start_ns, st->end_ns), " s");
	row_u64(&t, "messages", st->messages);
	row_u64(&t, "bytes", st->bytes);
	row_num(&t, "msgs/s", rate, "");
	if (st->clients)
		row_u64(&t, "clients", st->clients);
	if (st->have_counters) {
		row_u64(&t, "dropped (queue full)", st->counters.rx_dropped);
		row_u64(&t, "interface drops", interface_drops(&st->counters));
	}
	table_print(&t, stdout, 0);
}

int echo_client_rtt(struct echo_client_stats *st, int64_t rtt_ns)
{
	size_t cap = st->rtt_cap ? 2 * st->rtt_cap : 4096;
	int64_t *grown;

	if (st->nrtt == st->rtt_cap) {
		if (st->rtt_cap == RTT_MAX_SAMPLES)
			return 0;
		grown = realloc(st->rtt_ns, cap * sizeof(*grown));
		if (!grown)
			return cli_fail_msg("recording a round trip", "out of memory");
		st->rtt_ns = grown;
		st->rtt_cap = cap;
	}
	st->rtt_ns[st->nrtt++] = rtt_ns;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank of sorted samples, in microseconds; NaN without samples. */
static double percentile_us(const struct echo_client_stats *st, double pct)
{
	size_t rank = (size_t)(pct / 100 * st->nrtt + 0.999999);

	if (!st->nrtt)
		return NAN;
	return st->rtt_ns[rank ? rank - 1 : 0] / 1e3;
}

static void client_json(const struct echo_client_stats *st, double rate)
{
	struct json j;

	json_begin(&j, stdout);
	json_str(&j, "protocol", st->proto);
	json_str(&j, "peer", st->peer);
	json_int(&j, "size", st->size);
	json_num(&j, "rate", st->rate > 0 ? st->rate : NAN);
	json_num(&j, "duration_s", seconds(st->start_ns, st->end_ns));
	json_int(&j, "sent", st->sent);
	json_int(&j, "received", st->received);
	json_int(&j, "lost", st->sent - st->received);
	json_int(&j, "late", st->late);
	json_num(&j, "msgs_per_s", rate);
	json_obj(&j, "rtt_us");
	for (size_t i = 0; i < NPERCENTILES; i++)
		json_num(&j, percentiles[i].name, percentile_us(st, percentiles[i].pct));
	json_obj_end(&j);
	json_end(&j);
}

static void client_text(const struct echo_client_stats *st, double rate)
{
	struct table t;
	char pct[256];
	size_t used = 0;

	table_init(&t, 2, NULL);
	table_row(&t, "peer", st->peer);
	row_num(&t, "duration", seconds(st->start_ns, st->end_ns), " s");
	row_u64(&t, "sent", st->sent);
	row_u64(&t, "received", st->received);
	row_u64(&t, "lost", st->sent - st->received);
	row_u64(&t, "late", st->late);
	row_num(&t, "msgs/s", rate, "");
	for (size_t i = 0; i < NPERCENTILES && used < sizeof(pct); i++)
		used += snprintf(pct + used, sizeof(pct) - used, "%s%s %.1f", i ? "  " : "",
				 percentiles[i].name, percentile_us(st, percentiles[i].pct));
	table_row(&t, "rtt (us)", st->nrtt ? pct : "none: no echo came back");
	table_print(&t, stdout, 0);
}

void echo_client_report(struct echo_client_stats *st, bool json)
{
	double rate = per_second(st->received, st->start_ns, st->end_ns);

	qsort(st->rtt_ns, st->nrtt, sizeof(*st->rtt_ns), cmp_i64);
	if (json)
		client_json(st, rate);
	else
		client_text(st, rate);
	free(st->rtt_ns);
	st->rtt_ns = NULL;
	st->nrtt = st->rtt_cap = 0;
}
