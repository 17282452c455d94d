/*
 * xdp_log.h — libbpf's and libxdp's messages, routed into the library's
 * log. Apart from xdp.h on purpose: xdp_log.c includes <xdp/libxdp.h>,
 * whose enum xdp_attach_mode spells XDP_MODE_NATIVE too.
 */
#ifndef XS_XDP_LOG_H
#define XS_XDP_LOG_H

#include <stddef.h>

/* Route libbpf's and libxdp's messages into xs_log at debug level, once
 * per process (libbpf_set_print is process-wide). */
void xdp_log_setup(void);
/* Start capturing what libbpf prints on this thread. */
void xdp_log_capture_reset(void);
/* After a refused load: the verifier's reason, the last lines of its log
 * before "processed N insns" (one or two, joined by "; "), written to buf;
 * NULL if libbpf printed no verifier log. */
const char *xdp_log_verifier_error(char *buf, size_t len);

#endif
