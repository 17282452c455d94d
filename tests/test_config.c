/*
 * test_config.c — the configuration as a user meets it: keys set from C
 * or the environment, bad keys and values refused with a message that
 * names the key, the transport registry, and the log handler. Criterion
 * runs each test in a fresh process, so each starts unconfigured.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xsocket.h"

static void assert_value_error(const char *needle)
{
	const struct xs_error *e = xs_last_error();

	cr_assert_eq(e->kind, XS_ERR_VALUE, "kind %s: %s", xs_errkind_name(e->kind), e->msg);
	cr_assert_eq(e->code, EINVAL);
	cr_assert(strstr(e->msg, needle), "message '%s' should mention '%s'", e->msg, needle);
}

Test(config, kernel_carries_every_family_by_default)
{
	cr_assert_str_eq(xs_transport_for(AF_INET, SOCK_DGRAM, 0), "kernel");
	cr_assert_str_eq(xs_transport_for(AF_UNIX, SOCK_STREAM, 0), "kernel");
	cr_assert_str_eq(xs_transport_for(AF_PACKET, SOCK_RAW, 0), "kernel");
}

Test(config, registry_lists_the_built_in_transports)
{
	size_t n = xs_transport_count();

	cr_assert_geq(n, 1);
	cr_assert_str_eq(xs_transport_at(0), "kernel");
	cr_assert_null(xs_transport_at(n));
}

Test(config, family_names_match_the_transport_key)
{
	cr_assert_str_eq(xs_family_name(AF_INET6), "inet6");
	cr_assert_str_eq(xs_family_name(AF_PACKET), "packet");
	cr_assert_null(xs_family_name(12345));
}

Test(config, naming_the_kernel_explicitly_works)
{
	struct xs_sock *s;

	cr_assert_eq(xs_config_set("transport", "inet=kernel,inet6=kernel"), 0);
	s = xs_socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_not_null(s, "%s", xs_last_error()->msg);
	cr_assert_str_eq(xs_transport_name(s), "kernel");
	xs_free(s);
}

Test(config, unknown_transport_is_refused_with_the_list_of_built_in_ones)
{
	cr_assert_eq(xs_config_set("transport", "inet=warp"), -1);
	assert_value_error("unknown transport 'warp'");
	cr_assert(strstr(xs_last_error()->msg, "kernel"));
}

Test(config, unknown_family_is_refused)
{
	cr_assert_eq(xs_config_set("transport", "carrierpigeon=kernel"), -1);
	assert_value_error("unknown family 'carrierpigeon'");
}

Test(config, malformed_pair_is_refused)
{
	cr_assert_eq(xs_config_set("transport", "inet"), -1);
	assert_value_error("family=transport");
}

Test(config, unknown_key_is_refused)
{
	cr_assert_eq(xs_config_set("xdp.nosuch", "1"), -1);
	assert_value_error("unknown configuration key 'xdp.nosuch'");
	cr_assert_eq(xs_config_set("colour", "blue"), -1);
	assert_value_error("colour");
}

Test(config, fallback_and_log_accept_only_their_words)
{
	cr_assert_eq(xs_config_set("fallback", "maybe"), -1);
	assert_value_error("fallback");
	cr_assert_eq(xs_config_set("log", "loud"), -1);
	assert_value_error("log");
	cr_assert_eq(xs_config_set("fallback", "kernel"), 0);
	cr_assert_eq(xs_config_set("log", "debug"), 0);
}

Test(config, get_reports_defaults_and_set_values)
{
	char buf[64];

	cr_assert_eq(xs_config_get("fallback", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "none");
	cr_assert_eq(xs_config_set("log", "info"), 0);
	cr_assert_eq(xs_config_get("log", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "info");
	cr_assert_eq(xs_config_get("log", buf, 2), -1);
	cr_assert_eq(xs_last_error()->code, ERANGE);
}

Test(config, environment_is_read_at_first_use)
{
	char buf[64];

	setenv("XSOCKET_FALLBACK", "kernel", 1);
	cr_assert_eq(xs_config_get("fallback", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "kernel");
}

Test(config, a_value_set_from_c_wins_over_the_environment)
{
	char buf[64];

	setenv("XSOCKET_LOG", "debug", 1);
	cr_assert_eq(xs_config_set("log", "error"), 0);
	cr_assert_eq(xs_config_get("log", buf, sizeof(buf)), 0);
	cr_assert_str_eq(buf, "error");
}

Test(config, bad_environment_value_fails_the_first_socket_naming_the_key)
{
	setenv("XSOCKET_TRANSPORT", "inet=warp", 1);
	cr_assert_null(xs_socket(AF_INET, SOCK_DGRAM, 0));
	assert_value_error("'transport'");
}

Test(config, setting_a_key_after_the_first_socket_is_refused)
{
	struct xs_sock *s = xs_socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_not_null(s);
	cr_assert_eq(xs_config_set("log", "debug"), -1);
	cr_assert_eq(xs_last_error()->kind, XS_ERR_OS);
	cr_assert_eq(xs_last_error()->code, EBUSY);
	xs_free(s);
}

static char logged[512];

static void capture(enum xs_log_level level, const char *msg, void *ctx)
{
	if (level == XS_LOG_INFO)
		snprintf(logged, sizeof(logged), "%s|%s", (const char *)ctx, msg);
}

Test(config, log_handler_receives_messages_at_the_configured_level)
{
	struct xs_sock *s;

	cr_assert_eq(xs_config_set("log", "info"), 0);
	xs_set_log_handler(capture, "ctx");
	s = xs_socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_not_null(s);
	cr_assert(strstr(logged, "ctx|transport kernel ready"), "logged: '%s'", logged);
	xs_free(s);
}

Test(config, log_handler_stays_quiet_below_the_level)
{
	struct xs_sock *s;

	cr_assert_eq(xs_config_set("log", "warn"), 0);
	xs_set_log_handler(capture, "ctx");
	s = xs_socket(AF_INET, SOCK_DGRAM, 0);
	cr_assert_not_null(s);
	cr_assert_str_empty(logged);
	xs_free(s);
}

Test(config, asking_about_dual_stack_does_not_freeze_the_configuration)
{
	xs_has_dualstack_ipv6();
	cr_assert_eq(xs_config_set("log", "info"), 0, "%s", xs_last_error()->msg);
}
