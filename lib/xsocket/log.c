/*
 * log.c — the library's messages go through one handler, like libbpf's
 * print callback: the default writes to stderr, an application may route
 * them elsewhere with xs_set_log_handler(). The threshold is the "log"
 * configuration key.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "internal.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };

static void log_to_stderr(enum xs_log_level level, const char *msg, void *ctx)
{
	fprintf(stderr, "xsocket: %s: %s\n", level_names[level], msg);
}

/* The handler and its context change together; messages are rare, so a
 * lock (not held while the handler runs) keeps the pair consistent. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static xs_log_fn log_fn = log_to_stderr;
static void *log_ctx;

void xs_set_log_handler(xs_log_fn fn, void *ctx)
{
	pthread_mutex_lock(&log_lock);
	log_fn = fn ? fn : log_to_stderr;
	log_ctx = fn ? ctx : NULL;
	pthread_mutex_unlock(&log_lock);
}

void xs_log(enum xs_log_level level, const char *fmt, ...)
{
	char msg[512];
	xs_log_fn fn;
	void *ctx;
	va_list ap;

	if ((int)level > xs_config_log_level())
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	fn = log_fn;
	ctx = log_ctx;
	pthread_mutex_unlock(&log_lock);
	fn(level, msg, ctx);
}
