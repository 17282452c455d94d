/*
 * names.c — the resolver half of the module: getaddrinfo/getnameinfo,
 * the gethostby* family, getfqdn and the host name itself.
 *
 * Everything goes through the C library's thread-safe calls (getaddrinfo,
 * gethostby*_r), reproducing CPython 3.11's order of operations because it
 * decides which exception a caller sees: a host argument is first resolved
 * with getaddrinfo (gaierror if that fails), and only then is the hostent
 * asked for (herror from h_errno). Results are copied into library-owned
 * structures, each freed with its xs_free*() call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Bounds the retry-on-ERANGE loop for hostent buffers (CPython uses a
 * fixed 16 KiB; a long DNS answer can need more). */
#define HOSTENT_BUF_MIN 4096
#define HOSTENT_BUF_MAX (1024 * 1024)

/* Room for "gethostbyaddr(<name>)" and the like in messages. */
#define WHAT_LEN 300

/* ---- getaddrinfo ---- */

/* One node per entry; the canonical name lives in the same allocation. */
static struct xs_addrinfo *addrinfo_node(const struct addrinfo *ai)
{
	const char *canon = ai->ai_canonname ? ai->ai_canonname : "";
	size_t canonlen = strlen(canon) + 1;
	struct xs_addrinfo *n = calloc(1, sizeof(*n) + canonlen);

	if (!n)
		return NULL;
	n->family = ai->ai_family;
	n->type = ai->ai_socktype;
	n->proto = ai->ai_protocol;
	n->canonname = memcpy(n + 1, canon, canonlen);
	n->addr.family = ai->ai_family;
	n->addr.len = ai->ai_addrlen < sizeof(n->addr.ss) ? ai->ai_addrlen : sizeof(n->addr.ss);
	memcpy(&n->addr.ss, ai->ai_addr, n->addr.len);
	return n;
}

/* The C library's list as ours; returns the entry count or -1. */
static int addrinfo_copy(const struct addrinfo *res, struct xs_addrinfo **out)
{
	struct xs_addrinfo **tail = out;
	int count = 0;

	*out = NULL;
	for (; res; res = res->ai_next, count++) {
		*tail = addrinfo_node(res);
		if (!*tail) {
			xs_freeaddrinfo(*out);
			*out = NULL;
			return xs_fail_os(ENOMEM, "getaddrinfo: out of memory copying %d entries",
					  count + 1);
		}
		tail = &(*tail)->next;
	}
	return count;
}

int xs_getaddrinfo(const char *host, const char *port, int family, int type, int proto,
		   int flags, struct xs_addrinfo **res)
{
	struct addrinfo hints = {
		.ai_family = family,
		.ai_socktype = type,
		.ai_protocol = proto,
		.ai_flags = flags,
	};
	struct addrinfo *ai;
	char what[WHAT_LEN];
	int rc, count;

	if (XS_NONNULL("getaddrinfo", res) < 0)
		return -1;
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc) {
		snprintf(what, sizeof(what), "getaddrinfo(%s, %s)", host ? host : "NULL",
			 port ? port : "NULL");
		*res = NULL;
		return xs_fail_gai(rc, what);
	}
	count = addrinfo_copy(ai, res);
	freeaddrinfo(ai);
	return count;
}

void xs_freeaddrinfo(struct xs_addrinfo *res)
{
	while (res) {
		struct xs_addrinfo *next = res->next;

		free(res);
		res = next;
	}
}

int xs_getnameinfo(const struct xs_addr *sa, int flags, char *host, size_t hostlen, char *serv,
		   size_t servlen)
{
	char h[NI_MAXHOST], s[NI_MAXSERV];
	int rc;

	if (XS_NONNULL("getnameinfo", sa) < 0 || XS_NONNULL("getnameinfo", host) < 0 ||
	    XS_NONNULL("getnameinfo", serv) < 0)
		return -1;
	rc = getnameinfo((const struct sockaddr *)&sa->ss, sa->len, h, sizeof(h), s, sizeof(s),
			 flags);
	if (rc)
		return xs_fail_gai(rc, "getnameinfo");
	if (xs_copy_out(h, host, hostlen, "getnameinfo host") < 0)
		return -1;
	return xs_copy_out(s, serv, servlen, "getnameinfo service");
}

/* ---- resolving a host argument (CPython's setipaddr) ---- */

/* The first address getaddrinfo gives. Without a node this is the
 * wildcard, which CPython refuses to choose between 0.0.0.0 and "::". */
static int first_address(const char *node, const struct addrinfo *hints,
			 struct sockaddr_storage *ss, const char *what)
{
	struct addrinfo *res;
	int rc;

	rc = getaddrinfo(node, node ? NULL : "0", hints, &res);
	if (rc)
		return xs_fail_gai(rc, what);
	if (!node && res->ai_next) {
		freeaddrinfo(res);
		return xs_fail_os(0, "%s: wildcard resolved to multiple address", what);
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen < sizeof(*ss) ? res->ai_addrlen : sizeof(*ss));
	freeaddrinfo(res);
	return 0;
}

/* The address a gethostby*() argument names, in family af (AF_INET or
 * AF_UNSPEC): "" is the wildcard, "<broadcast>" INADDR_BROADCAST. */
static int resolve_host(const char *name, int af, struct sockaddr_storage *ss, const char *what)
{
	struct addrinfo hints = { .ai_family = af };

	if (!strcmp(name, "<broadcast>"))
		name = "255.255.255.255";
	if (name[0])
		return first_address(name, &hints, ss, what);
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE;
	return first_address(NULL, &hints, ss, what);
}

int xs_gethostbyname(const char *name, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	char ip[INET_ADDRSTRLEN], what[WHAT_LEN];

	if (XS_NONNULL("gethostbyname", name) < 0 || XS_NONNULL("gethostbyname", buf) < 0)
		return -1;
	snprintf(what, sizeof(what), "gethostbyname(%s)", name);
	if (resolve_host(name, AF_INET, &ss, what) < 0)
		return -1;
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, ip, sizeof(ip));
	return xs_copy_out(ip, buf, len, "gethostbyname");
}

/* ---- hostent lookups ---- */

/* What a gethostby*_r call is asked about; one adapter per call shape lets
 * a single loop handle the buffer growth and the errors of both. */
struct hostent_key {
	const char *name;
	const struct sockaddr_storage *ss;
};
typedef int (*hostent_fn)(const struct hostent_key *key, struct hostent *he, char *buf,
			  size_t len, struct hostent **res, int *herr);

static int hostent_by_name(const struct hostent_key *key, struct hostent *he, char *buf,
			   size_t len, struct hostent **res, int *herr)
{
	return gethostbyname_r(key->name, he, buf, len, res, herr);
}

static int hostent_by_addr(const struct hostent_key *key, struct hostent *he, char *buf,
			   size_t len, struct hostent **res, int *herr)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)key->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)key->ss;

	if (key->ss->ss_family == AF_INET6)
		return gethostbyaddr_r(&sin6->sin6_addr, sizeof(sin6->sin6_addr), AF_INET6, he,
				       buf, len, res, herr);
	return gethostbyaddr_r(&sin->sin_addr, sizeof(sin->sin_addr), AF_INET, he, buf, len,
			       res, herr);
}

static size_t strv_count(char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

static size_t strv_bytes(char *const *v)
{
	size_t bytes = 0;

	for (; *v; v++)
		bytes += strlen(*v) + 1;
	return bytes;
}

/* One allocation holds the struct, both NULL-terminated arrays and every
 * string: nothing to unwind half-way, and xs_freehostent is one free(). */
static struct xs_hostent *hostent_copy(const struct hostent *he, const char *what)
{
	size_t naliases = strv_count(he->h_aliases), naddrs = strv_count(he->h_addr_list);
	size_t size = sizeof(struct xs_hostent) + (naliases + naddrs + 2) * sizeof(char *) +
		      strlen(he->h_name) + 1 + strv_bytes(he->h_aliases) +
		      naddrs * INET6_ADDRSTRLEN;
	struct xs_hostent *h = malloc(size);
	char *p;
	size_t i;

	if (!h) {
		xs_fail_os(ENOMEM, "%s: out of memory copying the host entry", what);
		return NULL;
	}
	h->aliases = (char **)(h + 1);
	h->addrs = h->aliases + naliases + 1;
	p = (char *)(h->addrs + naddrs + 1);
	h->name = p;
	p = stpcpy(p, he->h_name) + 1;
	for (i = 0; i < naliases; i++) {
		h->aliases[i] = p;
		p = stpcpy(p, he->h_aliases[i]) + 1;
	}
	h->aliases[naliases] = NULL;
	for (i = 0; i < naddrs; i++) {
		h->addrs[i] = p;
		inet_ntop(he->h_addrtype, he->h_addr_list[i], p, INET6_ADDRSTRLEN);
		p += strlen(p) + 1;
	}
	h->addrs[naddrs] = NULL;
	return h;
}

/* A gethostby*_r call found nothing: herror from h_errno, as in CPython,
 * unless the entry never fitted. */
static void hostent_fail(int rc, int herr, const char *what)
{
	if (rc == ERANGE)
		xs_fail_os(ERANGE, "%s: host entry larger than %d bytes", what, HOSTENT_BUF_MAX);
	else
		xs_fail(XS_ERR_HERROR, herr, "%s: %s", what, hstrerror(herr));
}

/* Call fn with a buffer that grows while the C library says ERANGE. */
static struct xs_hostent *hostent_fetch(hostent_fn fn, const struct hostent_key *key,
					const char *what)
{
	struct hostent he, *res = NULL;
	struct xs_hostent *h = NULL;
	char *buf = NULL, *bigger;
	size_t len;
	int herr = 0, rc = ERANGE;

	for (len = HOSTENT_BUF_MIN; rc == ERANGE && len <= HOSTENT_BUF_MAX; len *= 2) {
		bigger = realloc(buf, len);
		if (!bigger) {
			xs_fail_os(ENOMEM, "%s: out of memory for a %zu-byte buffer", what, len);
			goto out_free_buf;
		}
		buf = bigger;
		rc = fn(key, &he, buf, len, &res, &herr);
	}
	if (res)
		h = hostent_copy(res, what);
	else
		hostent_fail(rc, herr, what);
out_free_buf:
	free(buf);
	return h;
}

struct xs_hostent *xs_gethostbyname_ex(const char *name)
{
	struct sockaddr_storage ss;
	struct hostent_key key = { .name = name, .ss = &ss };
	char what[WHAT_LEN];

	if (XS_NONNULL("gethostbyname_ex", name) < 0)
		return NULL;
	snprintf(what, sizeof(what), "gethostbyname_ex(%s)", name);
	if (resolve_host(name, AF_INET, &ss, what) < 0)
		return NULL;
	return hostent_fetch(hostent_by_name, &key, what);
}

struct xs_hostent *xs_gethostbyaddr(const char *ip_address)
{
	struct sockaddr_storage ss;
	struct hostent_key key = { .name = ip_address, .ss = &ss };
	char what[WHAT_LEN];

	if (XS_NONNULL("gethostbyaddr", ip_address) < 0)
		return NULL;
	snprintf(what, sizeof(what), "gethostbyaddr(%s)", ip_address);
	if (resolve_host(ip_address, AF_UNSPEC, &ss, what) < 0)
		return NULL;
	return hostent_fetch(hostent_by_addr, &key, what);
}

void xs_freehostent(struct xs_hostent *h)
{
	free(h);
}

/* ---- this host ---- */

int xs_gethostname(char *buf, size_t len)
{
	char name[HOST_NAME_MAX + 1];

	if (XS_NONNULL("gethostname", buf) < 0)
		return -1;
	if (gethostname(name, sizeof(name)) < 0)
		return xs_fail_os(errno, "gethostname: %s", strerror(errno));
	return xs_copy_out(name, buf, len, "gethostname");
}

int xs_sethostname(const char *name)
{
	size_t len;
	int err;

	if (XS_NONNULL("sethostname", name) < 0)
		return -1;
	len = strlen(name);
	if (sethostname(name, len) == 0)
		return 0;
	err = errno;
	if (err == EINVAL && len > HOST_NAME_MAX)
		return xs_fail_os(err, "sethostname: the name has %zu bytes, at most %d allowed",
				  len, HOST_NAME_MAX);
	return xs_fail_os(err, "sethostname(%s): %s", name, strerror(err));
}

/* getfqdn() tolerates a failed lookup, yet as a call that succeeds it must
 * leave the caller's error record (and errno) as it found them. */
static struct xs_hostent *gethostbyaddr_quietly(const char *name)
{
	struct xs_error saved = *xs_last_error();
	int saved_errno = errno;
	struct xs_hostent *h = xs_gethostbyaddr(name);

	if (!h) {
		if (saved.kind == XS_ERR_NONE)
			xs_clear_error();
		else
			xs_fail(saved.kind, saved.code, "%s", saved.msg);
		errno = saved_errno;
	}
	return h;
}

#define SPACE " \t\n\r\f\v"

/* Python's getfqdn() looks up this host for "", "0.0.0.0" and "::". */
static bool names_this_host(const char *s, size_t len)
{
	return !len || (len == 7 && !memcmp(s, "0.0.0.0", 7)) || (len == 2 && !memcmp(s, "::", 2));
}

/* The name getfqdn() looks up: stripped of white space as Python does,
 * or this host's name. */
static char *fqdn_query(const char *name)
{
	char self[HOST_NAME_MAX + 1];
	size_t len;
	char *q;

	name = name ? name + strspn(name, SPACE) : "";
	len = strlen(name);
	while (len && strchr(SPACE, name[len - 1]))
		len--;
	if (names_this_host(name, len)) {
		if (xs_gethostname(self, sizeof(self)) < 0)
			return NULL;
		name = self;
		len = strlen(self);
	}
	q = strndup(name, len);
	if (!q)
		xs_fail_os(ENOMEM, "getfqdn: out of memory");
	return q;
}

/* Python's rule: the host name or the first alias with a dot in it. */
static const char *fqdn_pick(const struct xs_hostent *h)
{
	char **alias;

	if (strchr(h->name, '.'))
		return h->name;
	for (alias = h->aliases; *alias; alias++)
		if (strchr(*alias, '.'))
			return *alias;
	return h->name;
}

int xs_getfqdn(const char *name, char *buf, size_t len)
{
	struct xs_hostent *h;
	char *query;
	int rc;

	if (XS_NONNULL("getfqdn", buf) < 0)
		return -1;
	query = fqdn_query(name);
	if (!query)
		return -1;
	h = gethostbyaddr_quietly(query);
	rc = xs_copy_out(h ? fqdn_pick(h) : query, buf, len, "getfqdn");
	xs_freehostent(h);
	free(query);
	return rc;
}
