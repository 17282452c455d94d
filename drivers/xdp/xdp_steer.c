/*
 * xdp_steer.c — which frames the steering program redirects: UDP
 * endpoints and ethertypes, reference-counted in user space, because
 * several sockets may hold one endpoint (SO_REUSEADDR/SO_REUSEPORT, a
 * socket and its dup) or one ethertype (packet sockets). A map entry is
 * added with the first reference and removed with the last.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "xdp_port.h"
#include "bpf/xs_steer.h"
#include "xs_steer.skel.h"

static struct xdp_steer_ref *ref_find(struct xdp_steer_table *t, const void *key, size_t keylen)
{
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(t->refs[i].key, key, keylen))
			return &t->refs[i];
	return NULL;
}

static int ref_add(struct xdp_steer_table *t, int map_fd, const void *key, size_t keylen)
{
	struct xdp_steer_ref *r = ref_find(t, key, keylen);
	__u32 one = 1;

	if (r) {
		r->refs++;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		void *grown = realloc(t->refs, cap * sizeof(*t->refs));

		if (!grown)
			return -ENOMEM;
		t->refs = grown;
		t->cap = cap;
	}
	if (bpf_map_update_elem(map_fd, key, &one, BPF_NOEXIST) < 0) {
		int err = errno;

		/* A full hash map says E2BIG; to a socket that is no buffer space. */
		xs_log(XS_LOG_WARN, "xdp: adding a steering entry failed: %s", strerror(err));
		return err == E2BIG ? -ENOBUFS : -err;
	}
	r = &t->refs[t->n++];
	memset(r, 0, sizeof(*r));
	memcpy(r->key, key, keylen);
	r->refs = 1;
	return 0;
}

static int ref_drop(struct xdp_steer_table *t, int map_fd, const void *key, size_t keylen)
{
	struct xdp_steer_ref *r = ref_find(t, key, keylen);

	if (!r)
		return -ENOENT;
	if (--r->refs > 0)
		return 0;
	if (bpf_map_delete_elem(map_fd, key) < 0)
		xs_log(XS_LOG_WARN, "xdp: removing a steering entry failed: %s", strerror(errno));
	*r = t->refs[--t->n];
	return 0;
}

static int ref_update(struct xdp_prog *pg, struct xdp_steer_table *t, struct bpf_map *map,
		      const void *key, size_t keylen, bool on)
{
	int rc;

	pthread_mutex_lock(&pg->steer_lock);
	if (on)
		rc = ref_add(t, bpf_map__fd(map), key, keylen);
	else
		rc = ref_drop(t, bpf_map__fd(map), key, keylen);
	pthread_mutex_unlock(&pg->steer_lock);
	return rc;
}

/* A v4-mapped IPv6 address steers the IPv4 endpoint: that is what
 * arrives on the wire. */
static int udp_key(const struct sockaddr *sa, struct xs_steer_udp_key *k)
{
	const struct sockaddr_in6 *in6 = (const void *)sa;
	const struct sockaddr_in *in = (const void *)sa;

	memset(k, 0, sizeof(*k));
	if (sa->sa_family == AF_INET) {
		k->family = XS_STEER_INET;
		k->port = in->sin_port;
		memcpy(k->addr, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
		k->family = XS_STEER_INET;
		k->port = in6->sin6_port;
		memcpy(k->addr, &in6->sin6_addr.s6_addr[12], 4);
	} else if (sa->sa_family == AF_INET6) {
		k->family = XS_STEER_INET6;
		k->port = in6->sin6_port;
		memcpy(k->addr, &in6->sin6_addr, 16);
	} else {
		return -EAFNOSUPPORT;
	}
	return k->port ? 0 : -EINVAL;
}

int xdp_steer_udp(struct xdp_prog *pg, const struct sockaddr *local, bool on)
{
	struct xs_steer_udp_key key;
	int rc = udp_key(local, &key);

	if (rc < 0)
		return rc;
	return ref_update(pg, &pg->udp, pg->skel->maps.udp_steer, &key, sizeof(key), on);
}

int xdp_steer_ethertype(struct xdp_prog *pg, uint16_t ethertype, bool on)
{
	__be16 key = htons(ethertype);

	return ref_update(pg, &pg->eth, pg->skel->maps.eth_steer, &key, sizeof(key), on);
}

void xdp_steer_free(struct xdp_prog *pg)
{
	free(pg->udp.refs);
	free(pg->eth.refs);
	memset(&pg->udp, 0, sizeof(pg->udp));
	memset(&pg->eth, 0, sizeof(pg->eth));
}
