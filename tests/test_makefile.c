/*
 * test_makefile.c — xs_makefile as a user sees it: lines both ways over a
 * socketpair with fgets/fputs, binary data, reading and writing on one
 * "rw" stream, end of file, a read timeout that sets the stream's error
 * flag, closing the FILE without closing the socket, and mode checking.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "xsocket.h"

TestSuite(makefile, .init = stream_pair_open, .fini = stream_pair_close);

/* Criterion runs each test in a fresh process, so parameters travel by
 * value: a mode is a small array, not a pointer to a literal. */
struct mode {
	char s[8];
};

static FILE *must_makefile(struct xs_sock *s, const char *mode)
{
	FILE *f = xs_makefile(s, mode);

	cr_assert_not_null(f, "makefile(%s): %s", mode, xs_last_error()->msg);
	return f;
}

static void put_line(FILE *f, const char *line)
{
	cr_assert_geq(fputs(line, f), 0, "fputs: %s", strerror(errno));
	cr_assert_eq(fflush(f), 0, "fflush: %s", strerror(errno));
}

static void assert_line(FILE *f, const char *want)
{
	char line[128];

	cr_assert_not_null(fgets(line, sizeof(line), f), "fgets: %s", strerror(errno));
	cr_assert_str_eq(line, want);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(makefile, lines_go_both_ways_with_fgets_and_fputs)
{
	FILE *w0 = must_makefile(pair[0], "w"), *r1 = must_makefile(pair[1], "r");
	FILE *w1 = must_makefile(pair[1], "w"), *r0 = must_makefile(pair[0], "r");

	put_line(w0, "HELO example\nMAIL FROM:<a@b>\n");
	assert_line(r1, "HELO example\n");
	assert_line(r1, "MAIL FROM:<a@b>\n");
	put_line(w1, "250 ok\n");
	assert_line(r0, "250 ok\n");
	fclose(w0);
	fclose(r1);
	fclose(w1);
	fclose(r0);
}

/* A read followed by a write makes stdio drop its read-ahead; the second
 * line, already buffered, must still be there afterwards. */
Test(makefile, one_rw_stream_reads_writes_and_keeps_its_read_ahead)
{
	FILE *f = must_makefile(pair[1], "rw"), *peer = must_makefile(pair[0], "r+");

	put_line(peer, "first\nsecond\n");
	assert_line(f, "first\n");
	put_line(f, "reply\n");
	assert_line(peer, "reply\n");
	assert_line(f, "second\n");
	fclose(f);
	fclose(peer);
}

Test(makefile, binary_mode_carries_every_byte_value)
{
	FILE *w = must_makefile(pair[0], "wb"), *r = must_makefile(pair[1], "rb");
	unsigned char out[512], in[512];
	size_t i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7);
	cr_assert_eq(fwrite(out, 1, sizeof(out), w), sizeof(out));
	cr_assert_eq(fflush(w), 0);
	cr_assert_eq(fread(in, 1, sizeof(in), r), sizeof(in));
	cr_assert_arr_eq(in, out, sizeof(out));
	fclose(w);
	fclose(r);
}

Test(makefile, a_peer_that_shuts_down_gives_end_of_file_not_an_error)
{
	FILE *w = must_makefile(pair[0], "w"), *r = must_makefile(pair[1], "r");
	char line[16];

	put_line(w, "last\n");
	fclose(w);
	cr_assert_eq(xs_shutdown(pair[0], SHUT_WR), 0);
	assert_line(r, "last\n");
	cr_assert_null(fgets(line, sizeof(line), r));
	cr_assert(feof(r));
	cr_assert_not(ferror(r));
	fclose(r);
}

Test(makefile, a_read_that_times_out_sets_the_error_flag_with_etimedout)
{
	FILE *r;
	char line[16];
	double start, took;

	cr_assert_eq(xs_settimeout(pair[1], 0.2), 0);
	r = must_makefile(pair[1], "r");
	start = now();
	errno = 0;
	cr_assert_null(fgets(line, sizeof(line), r));
	took = now() - start;
	cr_assert_eq(errno, ETIMEDOUT, "errno %d (%s)", errno, strerror(errno));
	cr_assert(ferror(r), "error flag not set");
	cr_assert_not(feof(r));
	cr_assert_eq(xs_last_error()->kind, XS_ERR_TIMEOUT);
	cr_assert(took >= 0.18 && took < 1.0, "timed out after %.3f s", took);
	fclose(r);
}

Test(makefile, writing_to_a_peer_that_has_gone_sets_the_error_flag_with_epipe)
{
	FILE *w = must_makefile(pair[0], "w");

	cr_assert_eq(xs_close(pair[1]), 0);
	fputs("nobody listens\n", w);
	errno = 0;
	cr_assert_eq(fflush(w), EOF);
	cr_assert_eq(errno, EPIPE, "errno %d (%s)", errno, strerror(errno));
	cr_assert(ferror(w), "error flag not set");
	fclose(w);
}

Test(makefile, closing_the_file_leaves_the_socket_usable)
{
	FILE *w = must_makefile(pair[0], "w"), *r = must_makefile(pair[1], "r");
	char buf[16] = { 0 };

	put_line(w, "via file\n");
	cr_assert_eq(fclose(w), 0);
	cr_assert_eq(fclose(r), 0);
	cr_assert_geq(xs_fileno(pair[0]), 0);
	cr_assert_geq(xs_fileno(pair[1]), 0);
	cr_assert_eq(xs_recv(pair[1], buf, sizeof(buf), 0), 9, "recv: %s", xs_last_error()->msg);
	cr_assert_str_eq(buf, "via file\n");
	cr_assert_eq(xs_send(pair[0], "direct", 7, 0), 7, "send: %s", xs_last_error()->msg);
	cr_assert_eq(xs_recv(pair[1], buf, sizeof(buf), 0), 7);
	cr_assert_str_eq(buf, "direct");
}

Test(makefile, a_closed_socket_has_no_file)
{
	cr_assert_eq(xs_close(pair[0]), 0);
	cr_assert_null(xs_makefile(pair[0], "r"));
	cr_assert_eq(xs_last_error()->kind, XS_ERR_OS);
	cr_assert_eq(xs_last_error()->code, EBADF);
}

ParameterizedTestParameters(makefile, every_documented_mode_is_accepted)
{
	static struct mode modes[] = {
		{ "r" }, { "w" }, { "rw" }, { "wr" }, { "r+" }, { "w+" },
		{ "rb" }, { "wb" }, { "br" }, { "rwb" }, { "r+b" }, { "w+b" },
	};

	return cr_make_param_array(struct mode, modes, sizeof(modes) / sizeof(modes[0]));
}

ParameterizedTest(struct mode *mode, makefile, every_documented_mode_is_accepted)
{
	fclose(must_makefile(pair[0], mode->s));
}

ParameterizedTestParameters(makefile, a_bad_mode_is_a_value_error)
{
	static struct mode modes[] = {
		{ "" }, { "a" }, { "rt" }, { "rr" }, { "+" }, { "b" }, { "r+a" }, { "x" },
	};

	return cr_make_param_array(struct mode, modes, sizeof(modes) / sizeof(modes[0]));
}

ParameterizedTest(struct mode *mode, makefile, a_bad_mode_is_a_value_error)
{
	const struct xs_error *e;

	cr_assert_null(xs_makefile(pair[0], mode->s), "mode '%s' accepted", mode->s);
	e = xs_last_error();
	cr_assert_eq(e->kind, XS_ERR_VALUE);
	cr_assert_eq(e->code, EINVAL);
	cr_assert(strstr(e->msg, "invalid mode"), "message: %s", e->msg);
}
