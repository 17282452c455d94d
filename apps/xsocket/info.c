/*
 * info.c — `xsocket info`: the version, the transports built in, which
 * transport carries datagram and stream sockets of each named address
 * family under the current configuration (and whether that is a
 * fallback), the configuration keys, and what the host has: for the
 * kernel transport, whether this kernel opens the family at all, with
 * the kernel's own reason when it does not.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "out.h"
#include "xsocket.h"

struct family {
	int af;
	const char *constant;
};

static const struct family families[] = {
	{ AF_UNIX, "AF_UNIX" },		{ AF_INET, "AF_INET" },
	{ AF_INET6, "AF_INET6" },	{ AF_PACKET, "AF_PACKET" },
	{ AF_NETLINK, "AF_NETLINK" },	{ AF_TIPC, "AF_TIPC" },
	{ AF_CAN, "AF_CAN" },		{ AF_BLUETOOTH, "AF_BLUETOOTH" },
	{ AF_ALG, "AF_ALG" },		{ AF_VSOCK, "AF_VSOCK" },
	{ AF_QIPCRTR, "AF_QIPCRTR" },	{ AF_RDS, "AF_RDS" },
};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

/* The socket types a probe tries, in order; a family is available if any opens. */
static const struct {
	int type;
	const char *name;
} probe_types[] = {
	{ SOCK_DGRAM, "dgram" },
	{ SOCK_STREAM, "stream" },
	{ SOCK_RAW, "raw" },
	{ SOCK_SEQPACKET, "seqpacket" },
};
#define NPROBE_TYPES (sizeof(probe_types) / sizeof(probe_types[0]))

static const char *const config_keys[] = { "transport", "fallback", "log" };
#define NCONFIG_KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

struct carrier {
	char transport[32];
	bool fallback; /* configured for another transport that cannot carry it */
	bool refused;  /* the configured transport cannot carry it, no fallback */
};

struct family_info {
	const struct family *fam;
	const char *name;
	struct carrier dgram, stream;
	unsigned opened;  /* bit i: probe_types[i] opened */
	char reason[256]; /* the kernel's reason when none opened */
};

struct info {
	char config[NCONFIG_KEYS][256];
	struct family_info fam[NFAMILIES];
	size_t nfam;
};

static const char usage[] =
	"usage: %s [--json]\n"
	"\n"
	"Prints the version, the transports built in, which transport carries\n"
	"SOCK_DGRAM and SOCK_STREAM sockets of each address family under the\n"
	"current configuration (XSOCKET_TRANSPORT, XSOCKET_FALLBACK, XSOCKET_LOG),\n"
	"and what this host has for each transport, including whether the kernel\n"
	"opens each family and, if not, why.\n"
	"\n"
	"  --json   one JSON object for scripts\n"
	"  --help   this text\n"
	"\n"
	"Exits 1 if the configuration is invalid.\n";

/* The transport the "transport" key names for family, or "kernel". */
static void configured_for(const char *spec, const char *family, char *out, size_t len)
{
	size_t flen = strlen(family);

	snprintf(out, len, "kernel");
	for (const char *p = spec; *p;) {
		size_t n = strcspn(p, ",");

		if (n > flen && !strncmp(p, family, flen) && p[flen] == '=')
			snprintf(out, len, "%.*s", (int)(n - flen - 1), p + flen + 1);
		p += n + (p[n] == ',');
	}
}

static int carrier_get(struct family_info *fi, const char *spec, int type, struct carrier *c)
{
	char configured[32];
	const char *carrier;

	configured_for(spec, fi->name, configured, sizeof(configured));
	carrier = xs_transport_for(fi->fam->af, type, 0);
	/* A type the configured transport cannot carry fails at creation:
	 * that is an answer for the table, not an invalid configuration. */
	c->refused = !carrier && xs_last_error()->code == EPROTONOSUPPORT;
	if (!carrier && !c->refused)
		return -1;
	snprintf(c->transport, sizeof(c->transport), "%s", carrier ? carrier : configured);
	c->fallback = carrier && strcmp(configured, carrier) != 0;
	return 0;
}

/* A type-specific refusal says less about the family than, say, EAFNOSUPPORT. */
static bool error_is_about_type(int code)
{
	return code == ESOCKTNOSUPPORT || code == EPROTONOSUPPORT || code == EPROTOTYPE ||
	       code == EINVAL;
}

/* Asks the kernel itself (not the configured transport): the column is
 * about this kernel. */
static void probe_family(struct family_info *fi)
{
	bool have_reason = false;

	for (size_t i = 0; i < NPROBE_TYPES; i++) {
		int fd = socket(fi->fam->af, probe_types[i].type | SOCK_CLOEXEC, 0);
		int err = errno;

		if (fd >= 0) {
			fi->opened |= 1u << i;
			close(fd);
		} else if (!have_reason || !error_is_about_type(err)) {
			snprintf(fi->reason, sizeof(fi->reason), "socket: %s", strerror(err));
			have_reason = !error_is_about_type(err);
		}
	}
}

static int info_collect(struct info *in)
{
	for (size_t k = 0; k < NCONFIG_KEYS; k++)
		if (xs_config_get(config_keys[k], in->config[k], sizeof(in->config[k])) < 0)
			return cli_fail("reading the configuration key %s", config_keys[k]);
	for (size_t i = 0; i < NFAMILIES; i++) {
		struct family_info *fi = &in->fam[in->nfam];

		fi->fam = &families[i];
		fi->name = xs_family_name(families[i].af);
		if (!fi->name)
			continue;
		if (carrier_get(fi, in->config[0], SOCK_DGRAM, &fi->dgram) < 0 ||
		    carrier_get(fi, in->config[0], SOCK_STREAM, &fi->stream) < 0)
			return cli_fail("choosing the transport for %s", fi->fam->constant);
		probe_family(fi);
		in->nfam++;
	}
	return 0;
}

/* Is the transport configured for any family? Then it is in use, and
 * what it got from the host is worth describing. */
static bool in_use(const struct info *in, const char *transport)
{
	for (size_t i = 0; i < in->nfam; i++)
		if (!strcmp(in->fam[i].dgram.transport, transport) ||
		    !strcmp(in->fam[i].stream.transport, transport))
			return true;
	return false;
}

/* What the host has for a transport: the kernel's per-family result is in
 * the table; a transport in use describes what it got (or why it could
 * not start); one not in use says how to use it. */
static void host_detail(const struct info *in, const char *transport, char *buf, size_t len)
{
	size_t n;

	if (!strcmp(transport, "kernel")) {
		snprintf(buf, len, "the system calls: always available (per-family result above)");
		return;
	}
	if (!in_use(in, transport)) {
		snprintf(buf, len, "built in, not in use: name it in XSOCKET_TRANSPORT "
			 "(e.g. inet=%s) with its keys (docs/%s.md)", transport, transport);
		return;
	}
	if (xs_transport_describe(transport, buf, len) < 0)
		snprintf(buf, len, "cannot start: %s", xs_last_error()->msg);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
}

static void json_carrier(struct json *j, const char *key, const struct carrier *c)
{
	json_obj(j, key);
	json_str(j, "transport", c->transport);
	json_bool(j, "fallback", c->fallback);
	json_bool(j, "refused", c->refused);
	json_obj_end(j);
}

static void json_family(struct json *j, const struct family_info *fi)
{
	json_obj(j, NULL);
	json_str(j, "family", fi->fam->constant);
	json_str(j, "name", fi->name);
	json_int(j, "value", fi->fam->af);
	json_carrier(j, "dgram", &fi->dgram);
	json_carrier(j, "stream", &fi->stream);
	json_obj(j, "kernel");
	json_bool(j, "available", fi->opened != 0);
	json_arr(j, "types");
	for (size_t i = 0; i < NPROBE_TYPES; i++)
		if (fi->opened & (1u << i))
			json_str(j, NULL, probe_types[i].name);
	json_arr_end(j);
	json_str(j, "reason", fi->opened ? NULL : fi->reason);
	json_obj_end(j);
	json_obj_end(j);
}

static void info_json(const struct info *in)
{
	struct json j;

	json_begin(&j, stdout);
	json_str(&j, "version", XSOCKET_VERSION);
	json_arr(&j, "transports");
	for (size_t i = 0; xs_transport_at(i); i++)
		json_str(&j, NULL, xs_transport_at(i));
	json_arr_end(&j);
	json_obj(&j, "config");
	for (size_t k = 0; k < NCONFIG_KEYS; k++)
		json_str(&j, config_keys[k], in->config[k]);
	json_obj_end(&j);
	json_arr(&j, "families");
	for (size_t i = 0; i < in->nfam; i++)
		json_family(&j, &in->fam[i]);
	json_arr_end(&j);
	json_arr(&j, "host");
	for (size_t i = 0; xs_transport_at(i); i++) {
		char detail[1024];

		host_detail(in, xs_transport_at(i), detail, sizeof(detail));
		json_obj(&j, NULL);
		json_str(&j, "transport", xs_transport_at(i));
		json_str(&j, "detail", detail);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_end(&j);
}

static const char *carrier_text(const struct carrier *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", c->transport,
		 c->fallback ? " (fallback)" : c->refused ? " cannot (EPROTONOSUPPORT)" : "");
	return buf;
}

/* "yes (dgram, raw)" or "no: <the kernel's reason>". */
static void kernel_text(const struct family_info *fi, char *buf, size_t len)
{
	size_t used;

	if (!fi->opened) {
		snprintf(buf, len, "no: %s", fi->reason);
		return;
	}
	used = snprintf(buf, len, "yes (");
	for (size_t i = 0; i < NPROBE_TYPES && used < len; i++)
		if (fi->opened & (1u << i))
			used += snprintf(buf + used, len - used, "%s%s",
					 used > 5 ? ", " : "", probe_types[i].name);
	if (used < len)
		snprintf(buf + used, len - used, ")");
}

static void families_table(const struct info *in)
{
	static const char *const header[] = { "FAMILY", "NAME", "SOCK_DGRAM", "SOCK_STREAM",
					      "THIS KERNEL" };
	struct table t;

	table_init(&t, 5, header);
	for (size_t i = 0; i < in->nfam; i++) {
		const struct family_info *fi = &in->fam[i];
		char dgram[80], stream[80], kernel[320];

		kernel_text(fi, kernel, sizeof(kernel));
		table_row(&t, fi->fam->constant, fi->name,
			  carrier_text(&fi->dgram, dgram, sizeof(dgram)),
			  carrier_text(&fi->stream, stream, sizeof(stream)), kernel);
	}
	table_print(&t, stdout, 2);
}

static void info_text(const struct info *in)
{
	struct table t;

	printf("xsocket %s\n\ntransports built in:", XSOCKET_VERSION);
	for (size_t i = 0; xs_transport_at(i); i++)
		printf(" %s", xs_transport_at(i));
	printf("\n\nconfiguration:\n");
	table_init(&t, 2, NULL);
	for (size_t k = 0; k < NCONFIG_KEYS; k++)
		table_row(&t, config_keys[k], in->config[k][0] ? in->config[k] : "(not set)");
	table_print(&t, stdout, 2);
	printf("\nwhat carries each family:\n");
	families_table(in);
	printf("\nwhat the host has:\n");
	for (size_t i = 0; xs_transport_at(i); i++) {
		char detail[1024];

		host_detail(in, xs_transport_at(i), detail, sizeof(detail));
		printf("  %-8s ", xs_transport_at(i));
		for (char *line = strtok(detail, "\n"); line; line = strtok(NULL, "\n"))
			printf("%s%s\n", line == detail ? "" : "           ", line);
	}
}

int cmd_info(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct info in;
	bool json = false;
	int c, rc;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		if (c == 'h') {
			printf(usage, argv[0]);
			return 0;
		}
		if (c != 'j')
			return cli_try_help(argv[0]);
		json = true;
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	rc = info_collect(&in);
	if (rc)
		return rc;
	if (json)
		info_json(&in);
	else
		info_text(&in);
	return 0;
}
