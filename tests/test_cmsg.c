/*
 * test_cmsg.c — ancillary data as a user sees it: descriptors passed with
 * SCM_RIGHTS (raw sendmsg/recvmsg and the send_fds/recv_fds helpers), a
 * control buffer too small for what arrived, xs_cmsg_parse on hand-made
 * buffers (Python's truncation rules, never reading past anclen),
 * scatter/gather I/O, and AF_ALG encryption through sendmsg_afalg.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "helpers.h"
#include "xsocket.h"

TestSuite(cmsg, .init = stream_pair_open, .fini = stream_pair_close);

/* A control buffer aligned for struct cmsghdr, as xs_recvmsg requires. */
union ctl {
	struct cmsghdr align;
	unsigned char bytes[512];
};

static size_t open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	cr_assert_not_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Write through fd and check the bytes come out of the pipe's read end. */
static void assert_pipe_works(int fd, int read_end, const char *text)
{
	char got[32] = { 0 };
	size_t len = strlen(text);

	cr_assert_eq(write(fd, text, len), (ssize_t)len, "write: %s", strerror(errno));
	cr_assert_eq(read(read_end, got, sizeof(got)), (ssize_t)len);
	cr_assert_str_eq(got, text);
}

/* Three pipes; their write ends are what the tests pass. */
struct pipes {
	int rd[3];
	int wr[3];
};

static void open_pipes(struct pipes *p)
{
	int i, fds[2];

	for (i = 0; i < 3; i++) {
		cr_assert_eq(pipe(fds), 0);
		p->rd[i] = fds[0];
		p->wr[i] = fds[1];
	}
}

static void send_three_fds(const struct pipes *p)
{
	struct iovec iov = { "x", 1 };

	cr_assert_eq(xs_send_fds(pair[0], &iov, 1, p->wr, 3, 0, NULL), 1, "send_fds: %s",
		     xs_last_error()->msg);
}

Test(cmsg, a_pipe_passed_with_scm_rights_arrives_as_a_working_descriptor)
{
	int fds[2], got;
	struct xs_cmsg item = { SOL_SOCKET, SCM_RIGHTS, &fds[1], sizeof(int) }, out[2];
	struct iovec iov = { "m", 1 };
	char byte = 0;
	struct iovec riov = { &byte, 1 };
	union ctl ctl;
	struct xs_msginfo info;

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(xs_sendmsg(pair[0], &iov, 1, &item, 1, 0, NULL), 1, "sendmsg: %s",
		     xs_last_error()->msg);
	close(fds[1]);
	cr_assert_eq(xs_recvmsg(pair[1], &riov, 1, ctl.bytes, CMSG_SPACE(sizeof(int)), 0, &info),
		     1, "recvmsg: %s", xs_last_error()->msg);
	cr_assert_eq(byte, 'm');
	cr_assert_eq(info.msg_flags & MSG_CTRUNC, 0);
	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, out, 2), 1);
	cr_assert_eq(out[0].level, SOL_SOCKET);
	cr_assert_eq(out[0].type, SCM_RIGHTS);
	cr_assert_eq(out[0].len, sizeof(int));
	memcpy(&got, out[0].data, sizeof(int));
	assert_pipe_works(got, fds[0], "through the socket");
	close(got);
	close(fds[0]);
}

Test(cmsg, send_fds_and_recv_fds_pass_several_descriptors_in_order)
{
	struct pipes p;
	int got[8];
	size_t nfds = 8, i;
	char byte;
	struct xs_msginfo info;

	open_pipes(&p);
	send_three_fds(&p);
	cr_assert_eq(xs_recv_fds(pair[1], &byte, 1, got, &nfds, 0, &info), 1, "recv_fds: %s",
		     xs_last_error()->msg);
	cr_assert_eq(nfds, 3);
	cr_assert_eq(info.msg_flags & MSG_CTRUNC, 0);
	for (i = 0; i < 3; i++) {
		cr_assert(fcntl(got[i], F_GETFD) & FD_CLOEXEC, "fd %zu is inheritable", i);
		assert_pipe_works(got[i], p.rd[i], i == 1 ? "second" : "other");
		close(got[i]);
	}
}

Test(cmsg, a_control_buffer_too_small_reports_ctrunc_and_keeps_the_fds_that_fit)
{
	struct pipes p;
	char byte;
	struct iovec iov = { &byte, 1 };
	union ctl ctl;
	struct xs_msginfo info;
	struct xs_cmsg item;
	size_t before;
	int got;

	open_pipes(&p);
	send_three_fds(&p);
	before = open_fd_count();
	cr_assert_eq(xs_recvmsg(pair[1], &iov, 1, ctl.bytes, CMSG_LEN(sizeof(int)), 0, &info), 1,
		     "recvmsg: %s", xs_last_error()->msg);
	cr_assert(info.msg_flags & MSG_CTRUNC, "MSG_CTRUNC not reported");
	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, &item, 1), 1);
	cr_assert_eq(item.len, sizeof(int));
	cr_assert_eq(open_fd_count(), before + 1, "descriptors that did not fit were installed");
	memcpy(&got, item.data, sizeof(int));
	assert_pipe_works(got, p.rd[0], "first");
	close(got);
}

Test(cmsg, recv_fds_with_room_for_fewer_descriptors_leaks_none)
{
	struct pipes p;
	struct xs_msginfo info;
	size_t before, nfds = 1;
	char byte;
	int got;

	open_pipes(&p);
	send_three_fds(&p);
	before = open_fd_count();
	cr_assert_eq(xs_recv_fds(pair[1], &byte, 1, &got, &nfds, 0, &info), 1);
	cr_assert_eq(nfds, 1);
	cr_assert(info.msg_flags & MSG_CTRUNC, "MSG_CTRUNC not reported");
	cr_assert_eq(open_fd_count(), before + 1);
	assert_pipe_works(got, p.rd[0], "only one");
	close(got);
}

Test(cmsg, recv_fds_without_a_count_is_a_value_error)
{
	char byte;
	int fd;

	cr_assert_eq(xs_recv_fds(pair[1], &byte, 1, &fd, NULL, 0, NULL), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
}

Test(cmsg, close_fds_closes_every_descriptor_a_buffer_carries)
{
	int a[2] = { dup(0), dup(0) }, b = dup(0);
	struct xs_cmsg items[3] = {
		{ SOL_SOCKET, SCM_RIGHTS, a, sizeof(a) },
		{ SOL_SOCKET, SCM_CREDENTIALS + 100, &b, sizeof(b) },
		{ SOL_SOCKET, SCM_RIGHTS, &b, sizeof(b) },
	};
	union ctl ctl;
	ssize_t len = xs_cmsg_build(items, 3, ctl.bytes, sizeof(ctl.bytes));

	cr_assert_gt(len, 0);
	xs_cmsg_close_fds(ctl.bytes, len);
	cr_assert_eq(fcntl(a[0], F_GETFD), -1);
	cr_assert_eq(fcntl(a[1], F_GETFD), -1);
	cr_assert_eq(fcntl(b, F_GETFD), -1);
	cr_assert_eq(errno, EBADF);
}

/* ---- layout and parsing of hand-made buffers ---- */

static const struct xs_cmsg three_items[3] = {
	{ 1, 2, "abc", 3 },
	{ 3, 4, "0123456789", 10 },
	{ 5, 6, NULL, 0 },
};

static size_t build_three(union ctl *ctl)
{
	ssize_t len = xs_cmsg_build(three_items, 3, ctl->bytes, sizeof(ctl->bytes));

	cr_assert_gt(len, 0, "build: %s", xs_last_error()->msg);
	return len;
}

Test(cmsg, build_lays_out_items_that_parse_back_unchanged)
{
	union ctl ctl;
	struct xs_msginfo info = { .anclen = build_three(&ctl) };
	struct xs_cmsg out[4];
	size_t i;

	cr_assert_eq(info.anclen, CMSG_SPACE(3) + CMSG_SPACE(10) + CMSG_SPACE(0));
	cr_assert_eq(xs_cmsg_build_size(three_items, 3), info.anclen);
	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, out, 4), 3);
	for (i = 0; i < 3; i++) {
		cr_assert_eq(out[i].level, three_items[i].level);
		cr_assert_eq(out[i].type, three_items[i].type);
		cr_assert_eq(out[i].len, three_items[i].len);
		/* the empty item was given no data pointer at all */
		if (out[i].len)
			cr_assert_arr_eq(out[i].data, three_items[i].data, out[i].len);
	}
}

Test(cmsg, build_refuses_a_small_buffer_and_an_item_without_data)
{
	struct xs_cmsg bad = { 1, 1, NULL, 4 };
	union ctl ctl;

	cr_assert_eq(xs_cmsg_build(three_items, 3, ctl.bytes, CMSG_SPACE(3)), -1);
	assert_error(XS_ERR_OS, ENOBUFS);
	cr_assert_eq(xs_cmsg_build(&bad, 1, ctl.bytes, sizeof(ctl.bytes)), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
}

Test(cmsg, parse_keeps_the_part_of_a_cut_short_last_item_inside_the_buffer)
{
	union ctl ctl;
	struct xs_msginfo info = { .anclen = CMSG_SPACE(3) + CMSG_LEN(5) };
	struct xs_cmsg out[3];

	build_three(&ctl);
	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, out, 3), 2);
	cr_assert_eq(out[1].type, 4);
	cr_assert_eq(out[1].len, 5);
	cr_assert_arr_eq(out[1].data, "01234", 5);

	/* A first item cut short follows the same rule. */
	info.anclen = CMSG_LEN(1);
	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, out, 3), 1);
	cr_assert_eq(out[0].len, 1);
	cr_assert_arr_eq(out[0].data, "a", 1);
}

Test(cmsg, parse_drops_a_last_item_whose_header_is_cut)
{
	union ctl ctl;
	struct xs_msginfo info = { .anclen = CMSG_SPACE(3) + CMSG_LEN(0) - 1 };

	build_three(&ctl);
	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, NULL, 0), 1);
}

Test(cmsg, parse_stops_at_a_header_with_an_impossible_length)
{
	union ctl ctl;
	struct xs_msginfo info = { .anclen = build_three(&ctl) };
	struct cmsghdr *second = (struct cmsghdr *)(ctl.bytes + CMSG_SPACE(3));

	second->cmsg_len = 3;
	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, NULL, 0), 1);
}

Test(cmsg, parse_counts_every_item_but_stores_only_maxitems)
{
	union ctl ctl;
	struct xs_msginfo info = { .anclen = build_three(&ctl) };
	struct xs_cmsg out[2] = { { 0 }, { .level = -7 } };

	cr_assert_eq(xs_cmsg_parse(ctl.bytes, &info, out, 1), 3);
	cr_assert_eq(out[0].level, 1);
	cr_assert_eq(out[1].level, -7, "wrote past maxitems");
}

Test(cmsg, parse_of_an_empty_buffer_finds_nothing)
{
	struct xs_msginfo info = { .anclen = 0 };

	cr_assert_eq(xs_cmsg_parse(NULL, &info, NULL, 0), 0);
}

/* A buffer that ends exactly where an unmapped page begins: any read past
 * anclen faults. */
Test(cmsg, parse_never_reads_past_anclen)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct cmsghdr *c;
	struct xs_msginfo info;
	struct xs_cmsg out;

	cr_assert_neq(map, MAP_FAILED);
	cr_assert_eq(mprotect(map + page, page, PROT_NONE), 0);

	/* One item claiming far more data than the buffer holds. */
	info.anclen = CMSG_LEN(8);
	c = (struct cmsghdr *)(map + page - info.anclen);
	*c = (struct cmsghdr){ .cmsg_len = CMSG_LEN(1000), .cmsg_level = 9, .cmsg_type = 9 };
	cr_assert_eq(xs_cmsg_parse(c, &info, &out, 1), 1);
	cr_assert_eq(out.len, 8);

	/* A whole item followed by half of a header. */
	info.anclen = CMSG_SPACE(8) + sizeof(size_t);
	c = (struct cmsghdr *)(map + page - info.anclen);
	*c = (struct cmsghdr){ .cmsg_len = CMSG_LEN(8), .cmsg_level = 9, .cmsg_type = 9 };
	memset((unsigned char *)c + CMSG_SPACE(8), 0xff, sizeof(size_t));
	cr_assert_eq(xs_cmsg_parse(c, &info, &out, 1), 1);
	cr_assert_eq(out.len, 8);
	munmap(map, 2 * page);
}

/* ---- scatter/gather ---- */

/* The recvmsg_into() example of the 3.6 documentation. */
Test(cmsg, sendmsg_gathers_and_recvmsg_scatters_like_the_recvmsg_into_example)
{
	struct iovec out[3] = {
		{ "Mary had", 8 }, { " a little", 9 }, { " lamb", 5 },
	};
	char b1[] = "----", b2[] = "0123456789", b3[] = "--------------";
	struct iovec in[3] = {
		{ b1, 4 }, { b2 + 2, 7 }, { b3, 14 },
	};
	struct xs_msginfo info;

	cr_assert_eq(xs_sendmsg(pair[0], out, 3, NULL, 0, 0, NULL), 22, "sendmsg: %s",
		     xs_last_error()->msg);
	cr_assert_eq(xs_recvmsg(pair[1], in, 3, NULL, 0, 0, &info), 22, "recvmsg: %s",
		     xs_last_error()->msg);
	cr_assert_str_eq(b1, "Mary");
	cr_assert_str_eq(b2, "01 had a 9");
	cr_assert_str_eq(b3, "little lamb---");
	cr_assert_eq(info.msg_flags, 0);
	cr_assert_eq(info.anclen, 0);
	cr_assert_eq(info.addr.family, AF_UNSPEC);
}

/* ---- AF_ALG ---- */

/* An operation socket for an AF_ALG algorithm with its key (and, for an
 * AEAD, tag size) set, or a skipped test if the kernel lacks AF_ALG or
 * the algorithm. */
static struct xs_sock *alg_op(const char *type, const char *name, const void *key,
			      size_t keylen, int authsize, struct xs_sock **alg)
{
	struct xs_addr a;
	struct xs_sock *op;

	*alg = xs_socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (!*alg && xs_last_error()->code == EAFNOSUPPORT)
		cr_skip_test("AF_ALG unavailable: %s", xs_last_error()->msg);
	cr_assert_not_null(*alg, "socket: %s", xs_last_error()->msg);
	cr_assert_eq(xs_addr_alg(&a, type, name, 0, 0), 0);
	if (xs_bind(*alg, &a) < 0 && xs_last_error()->code == ENOENT)
		cr_skip_test("%s %s unavailable: %s", type, name, xs_last_error()->msg);
	cr_assert_eq(xs_setsockopt(*alg, SOL_ALG, ALG_SET_KEY, key, keylen), 0, "key: %s",
		     xs_last_error()->msg);
	/* optval NULL, optlen = tag size: the setsockopt(level, opt, None, len) form. */
	if (authsize)
		cr_assert_eq(xs_setsockopt(*alg, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, authsize),
			     0, "authsize: %s", xs_last_error()->msg);
	op = xs_accept(*alg, NULL);
	cr_assert_not_null(op, "accept: %s", xs_last_error()->msg);
	return op;
}

/* Run one operation and check its output. */
static void alg_run(struct xs_sock *op, int alg_op_code, const void *iv, size_t ivlen,
		    int assoclen, const void *in, size_t inlen, const void *want, size_t wantlen)
{
	struct iovec iov = { (void *)in, inlen };
	unsigned char got[128];

	cr_assert_eq(xs_sendmsg_afalg(op, &iov, 1, alg_op_code, iv, ivlen, assoclen, 0),
		     (ssize_t)inlen, "sendmsg_afalg: %s", xs_last_error()->msg);
	cr_assert_eq(xs_recv(op, got, sizeof(got), 0), (ssize_t)wantlen, "recv: %s",
		     xs_last_error()->msg);
	cr_assert_arr_eq(got, want, wantlen);
}

/* NIST SP 800-38A, F.2.1 CBC-AES128.Encrypt, first two blocks. */
static const unsigned char cbc_key[16] = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
};
static const unsigned char cbc_iv[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};
static const unsigned char cbc_plain[32] = {
	0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
	0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
	0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c,
	0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
};
static const unsigned char cbc_cipher[32] = {
	0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
	0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d,
	0x50, 0x86, 0xcb, 0x9b, 0x50, 0x72, 0x19, 0xee,
	0x95, 0xdb, 0x11, 0x3a, 0x91, 0x76, 0x78, 0xb2,
};

Test(cmsg, sendmsg_afalg_encrypts_and_decrypts_the_aes_cbc_test_vector)
{
	struct xs_sock *alg, *op = alg_op("skcipher", "cbc(aes)", cbc_key, 16, 0, &alg);

	alg_run(op, ALG_OP_ENCRYPT, cbc_iv, 16, -1, cbc_plain, 32, cbc_cipher, 32);
	alg_run(op, ALG_OP_DECRYPT, cbc_iv, 16, -1, cbc_cipher, 32, cbc_plain, 32);
	xs_free(op);
	xs_free(alg);
}

/* GCM test case 4 (McGrew and Viega). AF_ALG reads the associated data
 * followed by the text and writes the associated data, the result and,
 * when encrypting, the tag. */
static const unsigned char gcm_key[16] = {
	0xfe, 0xff, 0xe9, 0x92, 0x86, 0x65, 0x73, 0x1c,
	0x6d, 0x6a, 0x8f, 0x94, 0x67, 0x30, 0x83, 0x08,
};
static const unsigned char gcm_iv[12] = {
	0xca, 0xfe, 0xba, 0xbe, 0xfa, 0xce, 0xdb, 0xad, 0xde, 0xca, 0xf8, 0x88,
};
/* associated data (20 bytes) then plaintext (60 bytes) */
static const unsigned char gcm_plain[80] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
	0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2,
	0xd9, 0x31, 0x32, 0x25, 0xf8, 0x84, 0x06, 0xe5, 0xa5, 0x59,
	0x09, 0xc5, 0xaf, 0xf5, 0x26, 0x9a, 0x86, 0xa7, 0xa9, 0x53,
	0x15, 0x34, 0xf7, 0xda, 0x2e, 0x4c, 0x30, 0x3d, 0x8a, 0x31,
	0x8a, 0x72, 0x1c, 0x3c, 0x0c, 0x95, 0x95, 0x68, 0x09, 0x53,
	0x2f, 0xcf, 0x0e, 0x24, 0x49, 0xa6, 0xb5, 0x25, 0xb1, 0x6a,
	0xed, 0xf5, 0xaa, 0x0d, 0xe6, 0x57, 0xba, 0x63, 0x7b, 0x39,
};
/* associated data, ciphertext, tag (16 bytes) */
static const unsigned char gcm_sealed[96] = {
	0xfe, 0xed, 0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xfe, 0xed,
	0xfa, 0xce, 0xde, 0xad, 0xbe, 0xef, 0xab, 0xad, 0xda, 0xd2,
	0x42, 0x83, 0x1e, 0xc2, 0x21, 0x77, 0x74, 0x24, 0x4b, 0x72,
	0x21, 0xb7, 0x84, 0xd0, 0xd4, 0x9c, 0xe3, 0xaa, 0x21, 0x2f,
	0x2c, 0x02, 0xa4, 0xe0, 0x35, 0xc1, 0x7e, 0x23, 0x29, 0xac,
	0xa1, 0x2e, 0x21, 0xd5, 0x14, 0xb2, 0x54, 0x66, 0x93, 0x1c,
	0x7d, 0x8f, 0x6a, 0x5a, 0xac, 0x84, 0xaa, 0x05, 0x1b, 0xa3,
	0x0b, 0x39, 0x6a, 0x0a, 0xac, 0x97, 0x3d, 0x58, 0xe0, 0x91,
	0x5b, 0xc9, 0x4f, 0xbc, 0x32, 0x21, 0xa5, 0xdb, 0x94, 0xfa,
	0xe9, 0x5a, 0xe7, 0x12, 0x1a, 0x47,
};

Test(cmsg, sendmsg_afalg_passes_the_assoclen_of_an_aead_cipher)
{
	struct xs_sock *alg, *op = alg_op("aead", "gcm(aes)", gcm_key, 16, 16, &alg);

	alg_run(op, ALG_OP_ENCRYPT, gcm_iv, 12, 20, gcm_plain, 80, gcm_sealed, 96);
	alg_run(op, ALG_OP_DECRYPT, gcm_iv, 12, 20, gcm_sealed, 96, gcm_plain, 80);
	xs_free(op);
	xs_free(alg);
}

Test(cmsg, sendmsg_afalg_without_an_op_is_a_value_error)
{
	struct iovec iov = { "x", 1 };

	cr_assert_eq(xs_sendmsg_afalg(pair[0], &iov, 1, -1, NULL, 0, -1, 0), -1);
	assert_error(XS_ERR_VALUE, EINVAL);
}
