/*
 * core_overhead.c — what xsocket's core adds on the kernel transport, in
 * CPU time, measured side by side with the same loop written on the raw
 * system calls:
 *
 *   udp      send on socket A + recv on socket B (UDP, 127.0.0.1), blocking:
 *            xs_send/xs_recv against send()/recv();
 *   timeout  recv on a socket in timeout mode (settimeout(1.0)) when the
 *            datagram is already queued: xs_recv against poll()+recv() (what
 *            CPython does) and against recv() alone; the send is the same
 *            raw send() in all three;
 *   sendall  64 KiB chunks over an AF_UNIX stream socketpair drained by a
 *            reader thread: xs_sendall against a raw send() loop.
 *
 * The variants run in interleaved rounds (A B, then B A, ...) so that drift
 * (frequency scaling, other load) falls on both alike. CPU time is that of
 * the process (CLOCK_PROCESS_CPUTIME_ID), with the measuring thread's own
 * (CLOCK_THREAD_CPUTIME_ID) and wall time beside it. `--only VARIANT` runs
 * one variant once, for perf/callgrind.sh to count instructions in
 * measured() alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "xsocket.h"

#define DGRAM_SIZE 32
#define CHUNK_SIZE (64 * 1024)
#define READ_SIZE (256 * 1024)
#define MAX_ROUNDS 1000
#define DEFAULT_ITERATIONS 100000
#define DEFAULT_ROUNDS 20

struct fixture {
	struct xs_sock *udp_xs[2]; /* (a) A -> B */
	int udp_raw[2];
	struct xs_sock *tmo_xs[2]; /* (b) [1] in timeout mode, 1.0 s */
	int tmo_raw[2];		   /* (b) [1] O_NONBLOCK, as in timeout mode */
	struct xs_sock *unix_xs[2]; /* (c) [1] drained by a reader thread */
	int unix_raw[2];
	pthread_t readers[2];
	char dgram[DGRAM_SIZE];
	char *chunk;
};

typedef void (*loop_fn)(struct fixture *f, long n);

struct variant {
	const char *name;
	loop_fn loop;
	int calls; /* library calls per iteration (for per-call figures) */
};

/* A benchmark: variants[first] is xsocket's, the others raw baselines. */
struct bench {
	const char *name;
	size_t first, count;
	long divisor; /* iterations = --iterations / divisor */
};

struct times {
	double proc_ns, thread_ns, wall_ns;
};

static void die_xs(const char *what)
{
	fprintf(stderr, "core_overhead: %s: %s\n", what, xs_last_error()->msg);
	exit(1);
}

static void die_errno(const char *what)
{
	fprintf(stderr, "core_overhead: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void xs_udp(struct fixture *f, long n)
{
	char buf[DGRAM_SIZE];

	for (long i = 0; i < n; i++) {
		if (xs_send(f->udp_xs[0], f->dgram, DGRAM_SIZE, 0) != DGRAM_SIZE)
			die_xs("xs_send");
		if (xs_recv(f->udp_xs[1], buf, sizeof(buf), 0) != DGRAM_SIZE)
			die_xs("xs_recv");
	}
}

static void raw_udp(struct fixture *f, long n)
{
	char buf[DGRAM_SIZE];

	for (long i = 0; i < n; i++) {
		if (send(f->udp_raw[0], f->dgram, DGRAM_SIZE, 0) != DGRAM_SIZE)
			die_errno("send");
		if (recv(f->udp_raw[1], buf, sizeof(buf), 0) != DGRAM_SIZE)
			die_errno("recv");
	}
}

static void xs_timeout(struct fixture *f, long n)
{
	int fd = xs_fileno(f->tmo_xs[0]);
	char buf[DGRAM_SIZE];

	for (long i = 0; i < n; i++) {
		if (send(fd, f->dgram, DGRAM_SIZE, 0) != DGRAM_SIZE)
			die_errno("send");
		if (xs_recv(f->tmo_xs[1], buf, sizeof(buf), 0) != DGRAM_SIZE)
			die_xs("xs_recv");
	}
}

static void raw_poll(struct fixture *f, long n)
{
	struct pollfd p = { .fd = f->tmo_raw[1], .events = POLLIN };
	char buf[DGRAM_SIZE];

	for (long i = 0; i < n; i++) {
		if (send(f->tmo_raw[0], f->dgram, DGRAM_SIZE, 0) != DGRAM_SIZE)
			die_errno("send");
		if (poll(&p, 1, 1000) != 1)
			die_errno("poll");
		if (recv(f->tmo_raw[1], buf, sizeof(buf), 0) != DGRAM_SIZE)
			die_errno("recv");
	}
}

static void raw_recv(struct fixture *f, long n)
{
	char buf[DGRAM_SIZE];

	for (long i = 0; i < n; i++) {
		if (send(f->tmo_raw[0], f->dgram, DGRAM_SIZE, 0) != DGRAM_SIZE)
			die_errno("send");
		if (recv(f->tmo_raw[1], buf, sizeof(buf), 0) != DGRAM_SIZE)
			die_errno("recv");
	}
}

static void xs_sendall_loop(struct fixture *f, long n)
{
	for (long i = 0; i < n; i++)
		if (xs_sendall(f->unix_xs[0], f->chunk, CHUNK_SIZE, 0, NULL) < 0)
			die_xs("xs_sendall");
}

static void raw_sendall(struct fixture *f, long n)
{
	for (long i = 0; i < n; i++) {
		ssize_t k;

		/* each pass sends at least one byte (no signals are caught) */
		for (size_t done = 0; done < CHUNK_SIZE; done += k) {
			k = send(f->unix_raw[0], f->chunk + done, CHUNK_SIZE - done, 0);
			if (k < 0)
				die_errno("send");
		}
	}
}

static const struct variant variants[] = {
	{ "xs-udp", xs_udp, 2 },
	{ "raw-udp", raw_udp, 2 },
	{ "xs-timeout", xs_timeout, 1 },
	{ "raw-poll", raw_poll, 1 },
	{ "raw-recv", raw_recv, 1 },
	{ "xs-sendall", xs_sendall_loop, 1 },
	{ "raw-sendall", raw_sendall, 1 },
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static const struct bench benches[] = {
	{ "udp", 0, 2, 1 },
	{ "timeout", 2, 3, 1 },
	{ "sendall", 5, 2, 8 },
};
#define NBENCHES (sizeof(benches) / sizeof(benches[0]))

/* Two UDP sockets on 127.0.0.1, fds[0] connected to fds[1]. */
static void udp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	for (int i = 0; i < 2; i++) {
		fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fds[i] < 0)
			die_errno("socket");
	}
	if (bind(fds[1], (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fds[1], (struct sockaddr *)&a, &len) < 0 ||
	    connect(fds[0], (struct sockaddr *)&a, len) < 0)
		die_errno("udp pair");
}

/* The same pair under xsocket: the library adopts the two descriptors. */
static void udp_pair_xs(struct xs_sock *s[2])
{
	int fds[2];

	udp_pair(fds);
	for (int i = 0; i < 2; i++) {
		s[i] = xs_socket_adopt(fds[i], -1, -1, -1);
		if (!s[i])
			die_xs("xs_socket_adopt");
	}
}

static void *reader(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char *buf = malloc(READ_SIZE);

	/* Drains until the writer closes its end (fixture_close). */
	while (buf && read(fd, buf, READ_SIZE) > 0)
		;
	free(buf);
	return NULL;
}

static void start_reader(pthread_t *t, int fd)
{
	if (pthread_create(t, NULL, reader, (void *)(intptr_t)fd))
		die_errno("pthread_create");
}

static void fixture_open(struct fixture *f)
{
	udp_pair_xs(f->udp_xs);
	udp_pair(f->udp_raw);
	udp_pair_xs(f->tmo_xs);
	if (xs_settimeout(f->tmo_xs[1], 1.0) < 0)
		die_xs("xs_settimeout");
	udp_pair(f->tmo_raw);
	if (fcntl(f->tmo_raw[1], F_SETFL, O_NONBLOCK) < 0)
		die_errno("fcntl");
	if (xs_socketpair(AF_UNIX, SOCK_STREAM, 0, f->unix_xs) < 0)
		die_xs("xs_socketpair");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->unix_raw) < 0)
		die_errno("socketpair");
	start_reader(&f->readers[0], xs_fileno(f->unix_xs[1]));
	start_reader(&f->readers[1], f->unix_raw[1]);
	memset(f->dgram, 'x', sizeof(f->dgram));
	f->chunk = calloc(1, CHUNK_SIZE);
	if (!f->chunk)
		die_errno("calloc");
}

static void fixture_close(struct fixture *f)
{
	xs_close(f->unix_xs[0]);
	close(f->unix_raw[0]);
	for (int i = 0; i < 2; i++)
		pthread_join(f->readers[i], NULL);
	for (int i = 0; i < 2; i++) {
		xs_free(f->udp_xs[i]);
		xs_free(f->tmo_xs[i]);
		close(f->udp_raw[i]);
		close(f->tmo_raw[i]);
	}
	xs_free(f->unix_xs[0]);
	xs_free(f->unix_xs[1]);
	close(f->unix_raw[1]);
	free(f->chunk);
}

static double clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void times_now(struct times *t)
{
	t->proc_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	t->thread_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	t->wall_ns = clock_ns(CLOCK_MONOTONIC);
}

/* Runs v for n iterations and adds the time it took to *acc. */
static double run_timed(const struct variant *v, struct fixture *f, long n, struct times *acc)
{
	struct times t0, t1;

	times_now(&t0);
	v->loop(f, n);
	times_now(&t1);
	acc->proc_ns += t1.proc_ns - t0.proc_ns;
	acc->thread_ns += t1.thread_ns - t0.thread_ns;
	acc->wall_ns += t1.wall_ns - t0.wall_ns;
	return t1.proc_ns - t0.proc_ns;
}

/* The one function perf/callgrind.sh counts (--toggle-collect=measured*). */
__attribute__((noinline)) void measured(const struct variant *v, struct fixture *f, long n)
{
	v->loop(f, n);
}

struct run {
	long iterations; /* per variant and round, before the divisor */
	int rounds;
	bool json;
	const char *only;
	struct times total[NVARIANTS];
	double round_proc_ns[MAX_ROUNDS][NVARIANTS];
};

static long bench_iterations(const struct run *r, const struct bench *b)
{
	long n = r->iterations / r->rounds / b->divisor;

	return n > 0 ? n : 1;
}

/* Odd rounds run a benchmark's variants in reverse: A B C, C B A, ... */
static void run_round(struct run *r, struct fixture *f, int round)
{
	for (size_t b = 0; b < NBENCHES; b++) {
		const struct bench *be = &benches[b];
		long n = bench_iterations(r, be);

		for (size_t k = 0; k < be->count; k++) {
			size_t v = be->first + (round % 2 ? be->count - 1 - k : k);

			r->round_proc_ns[round][v] = run_timed(&variants[v], f, n, &r->total[v]);
		}
	}
}

#define WARM_UP_ITERATIONS 64

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median over rounds of variant x's time divided by variant y's. */
static double median_ratio(const struct run *r, size_t x, size_t y)
{
	double q[MAX_ROUNDS];

	for (int i = 0; i < r->rounds; i++)
		q[i] = r->round_proc_ns[i][x] / r->round_proc_ns[i][y];
	qsort(q, r->rounds, sizeof(q[0]), cmp_double);
	return r->rounds % 2 ? q[r->rounds / 2] :
			       (q[r->rounds / 2 - 1] + q[r->rounds / 2]) / 2;
}

static double per_op(const struct run *r, const struct bench *b, double ns)
{
	return ns / ((double)bench_iterations(r, b) * r->rounds);
}

static void json_bench(struct json *j, const struct run *r, const struct bench *b)
{
	const struct times *x = &r->total[b->first];

	json_obj(j, NULL);
	json_str(j, "name", b->name);
	json_int(j, "iterations", bench_iterations(r, b) * r->rounds);
	json_arr(j, "variants");
	for (size_t v = b->first; v < b->first + b->count; v++) {
		json_obj(j, NULL);
		json_str(j, "name", variants[v].name);
		json_num(j, "cpu_ns_per_op", per_op(r, b, r->total[v].proc_ns));
		json_num(j, "thread_cpu_ns_per_op", per_op(r, b, r->total[v].thread_ns));
		json_num(j, "wall_ns_per_op", per_op(r, b, r->total[v].wall_ns));
		json_obj_end(j);
	}
	json_arr_end(j);
	json_arr(j, "ratios");
	for (size_t v = b->first + 1; v < b->first + b->count; v++) {
		json_obj(j, NULL);
		json_str(j, "xsocket", variants[b->first].name);
		json_str(j, "raw", variants[v].name);
		json_num(j, "cpu_ratio", x->proc_ns / r->total[v].proc_ns);
		json_num(j, "thread_cpu_ratio", x->thread_ns / r->total[v].thread_ns);
		json_num(j, "median_round_cpu_ratio", median_ratio(r, b->first, v));
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static void report_json(const struct run *r)
{
	struct json j;

	json_begin(&j, stdout);
	json_int(&j, "rounds", r->rounds);
	json_str(&j, "cpu_clock", "CLOCK_PROCESS_CPUTIME_ID");
	json_arr(&j, "benchmarks");
	for (size_t b = 0; b < NBENCHES; b++)
		json_bench(&j, r, &benches[b]);
	json_arr_end(&j);
	json_end(&j);
}

static void fmt(char *buf, size_t len, double v)
{
	snprintf(buf, len, "%.1f", v);
}

static void report_times(const struct run *r)
{
	static const char *const header[] = { "BENCH", "VARIANT", "CPU NS/OP", "THREAD NS/OP",
					      "WALL NS/OP" };
	struct table t;
	char c[3][32];

	table_init(&t, 5, header);
	for (size_t b = 0; b < NBENCHES; b++) {
		for (size_t v = benches[b].first; v < benches[b].first + benches[b].count; v++) {
			fmt(c[0], sizeof(c[0]), per_op(r, &benches[b], r->total[v].proc_ns));
			fmt(c[1], sizeof(c[1]), per_op(r, &benches[b], r->total[v].thread_ns));
			fmt(c[2], sizeof(c[2]), per_op(r, &benches[b], r->total[v].wall_ns));
			table_row(&t, benches[b].name, variants[v].name, c[0], c[1], c[2]);
		}
	}
	table_print(&t, stdout, 2);
}

/* One row: xsocket variant x against raw variant v. */
static void ratio_row(struct table *t, const struct run *r, size_t x, size_t v)
{
	const struct times *tx = &r->total[x], *tv = &r->total[v];
	char name[64], c[3][32];

	snprintf(name, sizeof(name), "%s / %s", variants[x].name, variants[v].name);
	snprintf(c[0], sizeof(c[0]), "%.3f", tx->proc_ns / tv->proc_ns);
	snprintf(c[1], sizeof(c[1]), "%.3f", tx->thread_ns / tv->thread_ns);
	snprintf(c[2], sizeof(c[2]), "%.3f", median_ratio(r, x, v));
	table_row(t, name, c[0], c[1], c[2]);
}

static void report_ratios(const struct run *r)
{
	static const char *const header[] = { "XSOCKET / RAW", "CPU", "THREAD CPU",
					      "MEDIAN OF ROUNDS" };
	struct table t;

	table_init(&t, 4, header);
	for (size_t b = 0; b < NBENCHES; b++)
		for (size_t v = benches[b].first + 1; v < benches[b].first + benches[b].count; v++)
			ratio_row(&t, r, benches[b].first, v);
	table_print(&t, stdout, 2);
}

static void report_text(const struct run *r)
{
	printf("core overhead, kernel transport: %d interleaved rounds, CPU time per "
	       "operation\n\n",
	       r->rounds);
	report_times(r);
	printf("\n");
	report_ratios(r);
}

static const struct variant *find_variant(const char *name)
{
	for (size_t v = 0; v < NVARIANTS; v++)
		if (!strcmp(variants[v].name, name))
			return &variants[v];
	return NULL;
}

static const char usage[] =
	"usage: core_overhead [--iterations N] [--rounds R] [--json] [--only VARIANT]\n"
	"\n"
	"Measures the CPU time per operation of xsocket's core against the same\n"
	"loop on raw system calls, in R interleaved rounds, and prints the ratio.\n"
	"\n"
	"  --iterations N   operations per variant in all (default %d; sendall: N/8)\n"
	"  --rounds R       interleaved rounds, 1-%d (default %d)\n"
	"  --json           the results as JSON\n"
	"  --only VARIANT   run one variant N times, untimed (for callgrind):\n"
	"                   xs-udp raw-udp xs-timeout raw-poll raw-recv\n"
	"                   xs-sendall raw-sendall\n";

static int parse_args(struct run *r, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:r:jo:h", opts, NULL)) != -1) {
		if (c == 'n')
			r->iterations = atol(optarg);
		else if (c == 'r')
			r->rounds = atoi(optarg);
		else if (c == 'j')
			r->json = true;
		else if (c == 'o')
			r->only = optarg;
		else
			return c == 'h' ? 1 : -1;
	}
	if (r->iterations < 1 || r->rounds < 1 || r->rounds > MAX_ROUNDS ||
	    (r->only && !find_variant(r->only)) || optind < argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct run r = { .iterations = DEFAULT_ITERATIONS, .rounds = DEFAULT_ROUNDS };
	struct fixture f;
	int rc = parse_args(&r, argc, argv);

	if (rc) {
		fprintf(rc > 0 ? stdout : stderr, usage, DEFAULT_ITERATIONS, MAX_ROUNDS,
			DEFAULT_ROUNDS);
		return rc > 0 ? 0 : 2;
	}
	fixture_open(&f);
	if (r.only) {
		const struct variant *v = find_variant(r.only);

		v->loop(&f, WARM_UP_ITERATIONS); /* first-call costs stay out of the count */
		measured(v, &f, r.iterations);
	} else {
		for (size_t v = 0; v < NVARIANTS; v++)
			variants[v].loop(&f, WARM_UP_ITERATIONS);
		for (int i = 0; i < r.rounds; i++)
			run_round(&r, &f, i);
		if (r.json)
			report_json(&r);
		else
			report_text(&r);
	}
	fixture_close(&f);
	return 0;
}
