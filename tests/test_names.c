/*
 * test_names.c — the resolver (API.md §1.2, §1.5, §2.4): getaddrinfo,
 * getnameinfo, gethostby*, getfqdn and the host name.
 *
 * The suite runs inside a private network namespace (tests/in-private-
 * netns.sh: only `lo`, no DNS server reachable). Successes therefore come
 * from /etc/hosts ("localhost", 127.0.0.1) or from numeric addresses, and
 * failures from a resolver that reaches nothing. Such a resolver cannot tell
 * that a name does not exist, so glibc reports EAI_AGAIN ("Temporary
 * failure") where a reachable server would make it EAI_NONAME; the tests
 * accept either. When the wrapper could not make a namespace it sets
 * XS_TEST_NO_NETNS=1 and the tests that would query real DNS skip.
 */
#include "helpers.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

#define UNKNOWN_HOST "no.such.host.invalid"

TestSuite(names, .init = xs_clear_error, .timeout = 30);

/* Outside the namespace a real resolver could answer, or hang for seconds. */
static void skip_unless_private_netns(void)
{
	const char *v = getenv("XS_TEST_NO_NETNS");

	if (v && !strcmp(v, "1"))
		cr_skip_test("no private network namespace (XS_TEST_NO_NETNS=1): "
			     "this test would query the real DNS");
}

/* A name nobody resolves: EAI_NONAME, or EAI_AGAIN without a DNS server. */
static void assert_unknown_name(void)
{
	const struct xs_error *e = xs_last_error();

	cr_assert_eq(e->kind, XS_ERR_GAI, "expected gaierror, got %s/%d \"%s\"",
		     xs_errkind_name(e->kind), e->code, e->msg);
	cr_assert(e->code == EAI_NONAME || e->code == EAI_AGAIN,
		  "code %d \"%s\", expected EAI_NONAME or EAI_AGAIN", e->code, e->msg);
	cr_assert_neq(e->msg[0], '\0');
}

static void assert_str_in(char **v, const char *want)
{
	for (; *v; v++)
		if (!strcmp(*v, want))
			return;
	cr_assert_fail("\"%s\" is not in the list", want);
}

/* ---- getaddrinfo ---- */

Test(names, getaddrinfo_resolves_localhost_from_etc_hosts)
{
	struct xs_addrinfo *res, *ai;
	char host[64];
	int count, n = 0;

	count = CHECK(xs_getaddrinfo("localhost", "80", AF_INET, SOCK_STREAM, 0, 0, &res));
	for (ai = res; ai; ai = ai->next, n++) {
		cr_assert_eq(ai->family, AF_INET);
		cr_assert_eq(ai->type, SOCK_STREAM);
		cr_assert_eq(ai->addr.family, AF_INET);
		cr_assert_eq(ai->addr.len, sizeof(struct sockaddr_in));
		cr_assert_str_eq(ai->canonname, "");
		cr_assert_eq(ntohs(((struct sockaddr_in *)&ai->addr.ss)->sin_port), 80);
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ai->addr.ss)->sin_addr, host,
			  sizeof(host));
		cr_assert_str_eq(host, "127.0.0.1");
	}
	cr_assert_eq(count, n, "returned %d, the list has %d entries", count, n);
	cr_assert_geq(n, 1);
	xs_freeaddrinfo(res);
}

Test(names, getaddrinfo_gives_the_canonical_name_only_with_ai_canonname)
{
	struct xs_addrinfo *res;

	CHECK(xs_getaddrinfo("localhost", NULL, AF_INET, SOCK_DGRAM, 0, AI_CANONNAME, &res));
	cr_assert_str_eq(res->canonname, "localhost");
	xs_freeaddrinfo(res);
}

/* The seeds' IPv4/IPv6 echo server loop (HOST None, AI_PASSIVE), except that
 * every entry is bound in turn, each socket freed before the next. */
Test(names, getaddrinfo_passive_wildcards_are_usable_for_bind)
{
	struct xs_addrinfo *res, *ai;
	int families = 0;

	CHECK(xs_getaddrinfo(NULL, "50007", AF_UNSPEC, SOCK_STREAM, 0, AI_PASSIVE, &res));
	for (ai = res; ai; ai = ai->next) {
		struct xs_sock *s = CHECK_PTR(xs_socket(ai->family, ai->type, ai->proto));

		CHECK(xs_bind(s, &ai->addr));
		CHECK(xs_listen(s, 1));
		cr_assert_eq(xs_addr_port(&ai->addr), 50007);
		families |= ai->family == AF_INET ? 1 : 2;
		xs_free(s);
	}
	cr_assert_eq(families, xs_has_ipv6() ? 3 : 1, "families seen: %#x", families);
	xs_freeaddrinfo(res);
}

Test(names, getaddrinfo_fills_a_sockaddr_in6_for_a_numeric_ipv6_host)
{
	struct xs_addrinfo *res;
	struct sockaddr_in6 *sin6;

	CHECK(xs_getaddrinfo("::1", "7", AF_INET6, SOCK_DGRAM, 0, AI_NUMERICHOST, &res));
	sin6 = (struct sockaddr_in6 *)&res->addr.ss;
	cr_assert_eq(res->addr.family, AF_INET6);
	cr_assert_eq(res->addr.len, sizeof(*sin6));
	cr_assert(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	cr_assert_eq(ntohs(sin6->sin6_port), 7);
	xs_freeaddrinfo(res);
}

Test(names, getaddrinfo_rejects_an_empty_host_with_eai_noname)
{
	struct xs_addrinfo *res;

	cr_assert_eq(xs_getaddrinfo("", "80", AF_UNSPEC, 0, 0, 0, &res), -1);
	assert_error(XS_ERR_GAI, EAI_NONAME);
	cr_assert_null(res);
}

Test(names, getaddrinfo_with_ai_numerichost_refuses_a_name)
{
	struct xs_addrinfo *res;

	cr_assert_eq(xs_getaddrinfo("localhost", NULL, AF_UNSPEC, 0, 0, AI_NUMERICHOST, &res),
		     -1);
	assert_error(XS_ERR_GAI, EAI_NONAME);
	assert_msg_mentions("localhost");
}

Test(names, getaddrinfo_reports_an_unknown_service_as_eai_service)
{
	struct xs_addrinfo *res;

	cr_assert_eq(xs_getaddrinfo(NULL, "no-such-service", AF_INET, SOCK_STREAM, 0, 0, &res),
		     -1);
	assert_error(XS_ERR_GAI, EAI_SERVICE);
	assert_msg_mentions("no-such-service");
}

Test(names, getaddrinfo_reports_an_unknown_host_as_gaierror)
{
	struct xs_addrinfo *res;

	skip_unless_private_netns();
	cr_assert_eq(xs_getaddrinfo(UNKNOWN_HOST, "80", AF_UNSPEC, 0, 0, 0, &res), -1);
	assert_unknown_name();
	assert_msg_mentions(UNKNOWN_HOST);
}

Test(names, getaddrinfo_success_leaves_the_error_record_alone)
{
	struct xs_addrinfo *res;
	struct in_addr in;

	xs_inet_aton("bogus", &in);
	CHECK(xs_getaddrinfo("127.0.0.1", "80", AF_INET, 0, 0, 0, &res));
	assert_error(XS_ERR_OS, 0);
	assert_msg_mentions("inet_aton");
	xs_freeaddrinfo(res);
}

Test(names, freeaddrinfo_and_freehostent_accept_null)
{
	xs_freeaddrinfo(NULL);
	xs_freehostent(NULL);
}

/* ---- getnameinfo ---- */

Test(names, getnameinfo_names_loopback_and_port_from_etc_hosts_and_services)
{
	struct xs_addr a = { .family = AF_INET, .len = sizeof(struct sockaddr_in) };
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	sin->sin_family = AF_INET;
	sin->sin_port = htons(80);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(xs_getnameinfo(&a, 0, host, sizeof(host), serv, sizeof(serv)));
	cr_assert_str_eq(host, "localhost");
	cr_assert_str_eq(serv, "http");
	CHECK(xs_getnameinfo(&a, NI_NUMERICHOST | NI_NUMERICSERV, host, sizeof(host), serv,
			     sizeof(serv)));
	cr_assert_str_eq(host, "127.0.0.1");
	cr_assert_str_eq(serv, "80");
}

Test(names, getnameinfo_gives_numeric_ipv6_with_ni_numerichost)
{
	struct xs_addr a = { .family = AF_INET6, .len = sizeof(struct sockaddr_in6) };
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(50007);
	sin6->sin6_addr = in6addr_loopback;
	CHECK(xs_getnameinfo(&a, NI_NUMERICHOST | NI_NUMERICSERV, host, sizeof(host), serv,
			     sizeof(serv)));
	cr_assert_str_eq(host, "::1");
	cr_assert_str_eq(serv, "50007");
}

Test(names, getnameinfo_reports_a_short_buffer_as_erange)
{
	struct xs_addr a = { .family = AF_INET, .len = sizeof(struct sockaddr_in) };
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
	char host[4], serv[NI_MAXSERV];

	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(xs_getnameinfo(&a, NI_NUMERICHOST, host, sizeof(host), serv, sizeof(serv)),
		     -1);
	assert_os_error(ERANGE);
}

Test(names, getnameinfo_rejects_an_address_without_a_family_with_eai_family)
{
	struct xs_addr a = { .family = AF_UNSPEC, .len = sizeof(sa_family_t) };
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	cr_assert_eq(xs_getnameinfo(&a, 0, host, sizeof(host), serv, sizeof(serv)), -1);
	assert_error(XS_ERR_GAI, EAI_FAMILY);
}

/* ---- gethostbyname ---- */

Test(names, gethostbyname_reads_etc_hosts)
{
	char ip[16];

	CHECK(xs_gethostbyname("localhost", ip, sizeof(ip)));
	cr_assert_str_eq(ip, "127.0.0.1");
}

Test(names, gethostbyname_returns_ipv4_literals_unchanged)
{
	char ip[16];

	CHECK(xs_gethostbyname("192.0.2.1", ip, sizeof(ip)));
	cr_assert_str_eq(ip, "192.0.2.1");
	CHECK(xs_gethostbyname("127.1", ip, sizeof(ip)));
	cr_assert_str_eq(ip, "127.0.0.1");
}

Test(names, gethostbyname_maps_empty_to_any_and_broadcast_to_all_ones)
{
	char ip[16];

	CHECK(xs_gethostbyname("", ip, sizeof(ip)));
	cr_assert_str_eq(ip, "0.0.0.0");
	CHECK(xs_gethostbyname("<broadcast>", ip, sizeof(ip)));
	cr_assert_str_eq(ip, "255.255.255.255");
}

Test(names, gethostbyname_reports_an_unknown_host_as_gaierror)
{
	char ip[16];

	skip_unless_private_netns();
	cr_assert_eq(xs_gethostbyname(UNKNOWN_HOST, ip, sizeof(ip)), -1);
	assert_unknown_name();
}

Test(names, gethostbyname_reports_a_short_buffer_as_erange)
{
	char ip[9];

	cr_assert_eq(xs_gethostbyname("localhost", ip, sizeof(ip)), -1);
	assert_os_error(ERANGE);
	assert_msg_mentions("gethostbyname");
}

/* ---- gethostbyname_ex / gethostbyaddr ---- */

Test(names, gethostbyname_ex_lists_name_aliases_and_addresses)
{
	struct xs_hostent *h = CHECK_PTR(xs_gethostbyname_ex("localhost"));

	cr_assert_str_eq(h->name, "localhost");
	cr_assert_not_null(h->aliases);
	assert_str_in(h->addrs, "127.0.0.1");
	xs_freehostent(h);
}

/* True if /etc/hosts lists name (as canonical name or alias). */
static int etc_hosts_lists(const char *name)
{
	FILE *f = fopen("/etc/hosts", "r");
	char line[512], *tok, *save;
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "#")] = '\0';
		tok = strtok_r(line, " \t\n", &save);
		while (tok && !found && (tok = strtok_r(NULL, " \t\n", &save)))
			found = !strcmp(tok, name);
	}
	if (f)
		fclose(f);
	return found;
}

Test(names, gethostbyname_ex_finds_this_host_when_etc_hosts_lists_it)
{
	struct xs_hostent *h;
	char self[256];

	CHECK(xs_gethostname(self, sizeof(self)));
	if (!etc_hosts_lists(self))
		cr_skip_test("/etc/hosts does not list this host's name \"%s\"", self);
	h = CHECK_PTR(xs_gethostbyname_ex(self));
	cr_assert_not_null(h->addrs[0]);
	xs_freehostent(h);
}

Test(names, gethostbyname_ex_reports_an_unknown_host_as_gaierror_not_herror)
{
	skip_unless_private_netns();
	cr_assert_null(xs_gethostbyname_ex(UNKNOWN_HOST));
	assert_unknown_name();
	assert_msg_mentions(UNKNOWN_HOST);
}

Test(names, gethostbyaddr_finds_the_loopback_name_in_etc_hosts)
{
	struct xs_hostent *h = CHECK_PTR(xs_gethostbyaddr("127.0.0.1"));

	cr_assert_str_eq(h->name, "localhost");
	assert_str_in(h->addrs, "127.0.0.1");
	xs_freehostent(h);
}

Test(names, gethostbyaddr_resolves_a_host_name_first)
{
	struct xs_hostent *h = CHECK_PTR(xs_gethostbyaddr("localhost"));

	cr_assert_str_eq(h->name, "localhost");
	assert_str_in(h->addrs, "127.0.0.1");
	xs_freehostent(h);
}

/* No source maps these documentation addresses (RFC 5737, RFC 3849): the
 * hostent lookup fails with h_errno, HOST_NOT_FOUND with a DNS server that
 * answers, TRY_AGAIN without one. */
static void assert_no_reverse_mapping(const char *ip)
{
	const struct xs_error *e;

	cr_assert_null(xs_gethostbyaddr(ip), "%s has a reverse mapping", ip);
	e = xs_last_error();
	cr_assert_eq(e->kind, XS_ERR_HERROR, "%s: expected herror, got %s/%d \"%s\"", ip,
		     xs_errkind_name(e->kind), e->code, e->msg);
	cr_assert(e->code == HOST_NOT_FOUND || e->code == TRY_AGAIN, "code %d \"%s\"", e->code,
		  e->msg);
	assert_msg_mentions(ip);
}

Test(names, gethostbyaddr_reports_an_unmapped_address_as_herror)
{
	skip_unless_private_netns();
	assert_no_reverse_mapping("192.0.2.77");
	assert_no_reverse_mapping("2001:db8::77");
}

Test(names, gethostbyaddr_reports_an_unresolvable_argument_as_gaierror)
{
	skip_unless_private_netns();
	cr_assert_null(xs_gethostbyaddr(UNKNOWN_HOST));
	assert_unknown_name();
}

Test(names, gethostbyaddr_refuses_the_ambiguous_wildcard)
{
	cr_assert_null(xs_gethostbyaddr(""));
	assert_error(XS_ERR_OS, 0);
	assert_msg_mentions("wildcard resolved to multiple address");
}

/* ---- getfqdn ---- */

Test(names, getfqdn_of_localhost_is_localhost)
{
	char fqdn[256];

	CHECK(xs_getfqdn("localhost", fqdn, sizeof(fqdn)));
	cr_assert_str_eq(fqdn, "localhost");
}

Test(names, getfqdn_strips_white_space_as_python_does)
{
	char fqdn[256];

	CHECK(xs_getfqdn(" \tlocalhost \n", fqdn, sizeof(fqdn)));
	cr_assert_str_eq(fqdn, "localhost");
}

Test(names, getfqdn_of_no_name_or_a_wildcard_is_the_fqdn_of_this_host)
{
	const char *forms[] = { NULL, "", "  ", "0.0.0.0", "::" };
	char self[256], want[256], fqdn[256];
	size_t i;

	skip_unless_private_netns(); /* this host's name may be in DNS only */
	CHECK(xs_gethostname(self, sizeof(self)));
	CHECK(xs_getfqdn(self, want, sizeof(want)));
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		CHECK(xs_getfqdn(forms[i], fqdn, sizeof(fqdn)));
		cr_assert_str_eq(fqdn, want, "form %zu gave \"%s\"", i, fqdn);
	}
}

Test(names, getfqdn_returns_an_unknown_name_unchanged_and_keeps_the_record)
{
	char fqdn[256];
	struct in_addr in;

	skip_unless_private_netns();
	xs_inet_aton("bogus", &in);
	errno = EDOM;
	cr_assert_eq(xs_getfqdn(UNKNOWN_HOST, fqdn, sizeof(fqdn)), 0);
	cr_assert_str_eq(fqdn, UNKNOWN_HOST);
	cr_assert_eq(errno, EDOM, "errno changed to %d", errno);
	assert_error(XS_ERR_OS, 0);
	assert_msg_mentions("inet_aton");
}

Test(names, getfqdn_reports_a_short_buffer_as_erange)
{
	char fqdn[4];

	cr_assert_eq(xs_getfqdn("localhost", fqdn, sizeof(fqdn)), -1);
	assert_os_error(ERANGE);
	assert_msg_mentions("getfqdn");
}

/* ---- the host name ---- */

Test(names, gethostname_is_the_kernel_node_name)
{
	struct utsname u;
	char name[256];

	uname(&u);
	CHECK(xs_gethostname(name, sizeof(name)));
	cr_assert_str_eq(name, u.nodename);
}

Test(names, gethostname_reports_a_short_buffer_as_erange)
{
	char name[1];

	cr_assert_eq(xs_gethostname(name, sizeof(name)), -1);
	assert_os_error(ERANGE);
}

/* Setting the name is only harmless in a UTS namespace of our own; Criterion
 * runs each test in its own process, so unsharing here touches nothing else. */
static void enter_private_uts_namespace(void)
{
	if (unshare(CLONE_NEWUTS) < 0)
		cr_skip_test("cannot make a UTS namespace: %s", strerror(errno));
}

Test(names, sethostname_changes_the_name_in_a_private_uts_namespace)
{
	char name[256];

	enter_private_uts_namespace();
	CHECK(xs_sethostname("xsocket-test"));
	CHECK(xs_gethostname(name, sizeof(name)));
	cr_assert_str_eq(name, "xsocket-test");
}

Test(names, sethostname_rejects_a_name_longer_than_64_bytes)
{
	char name[66];

	enter_private_uts_namespace();
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	cr_assert_eq(xs_sethostname(name), -1);
	assert_os_error(EINVAL);
	assert_msg_mentions("65 bytes");
}
