/*
 * xdp_busy.c — why an interface cannot take the steering program: it
 * already has an XDP program. The message says which (id, name, mode)
 * and what to do: a program left behind by a netlink attach is removed
 * with `ip link set dev X xdp off` (xdpgeneric / xdpoffload for the other
 * modes); one held through a bpf_link belongs to a live process, which
 * is found by the fdinfo of its descriptors and named — another xsocket
 * process, if the program is xsocket's own.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "xdp_port.h"

/* The words of `ip link set dev X <word> off` for an attach mode. */
static const char *mode_words(__u8 mode, const char **ip_word)
{
	switch (mode) {
	case XDP_ATTACHED_DRV:
		*ip_word = "xdp";
		return "native";
	case XDP_ATTACHED_SKB:
		*ip_word = "xdpgeneric";
		return "generic";
	case XDP_ATTACHED_HW:
		*ip_word = "xdpoffload";
		return "offloaded";
	default:
		*ip_word = "xdp";
		return "several";
	}
}

/* The program's name by id, or "?" when it cannot be read. */
static void prog_name(__u32 id, char *name, size_t len)
{
	struct bpf_prog_info info;
	__u32 info_len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);

	snprintf(name, len, "?");
	if (fd < 0)
		return;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len) == 0)
		snprintf(name, len, "%s", info.name);
	close(fd);
}

/* The id of the bpf_link that holds program prog on ifindex, or 0 if it
 * was attached through netlink (and outlives its loader). Link ids are
 * global and ifindexes per namespace: the program id tells them apart. */
static __u32 xdp_link_of(int ifindex, __u32 prog)
{
	__u32 id = 0;

	while (bpf_link_get_next_id(id, &id) == 0) {
		struct bpf_link_info info;
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);
		bool match;

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		match = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
			info.type == BPF_LINK_TYPE_XDP && (int)info.xdp.ifindex == ifindex &&
			info.prog_id == prog;
		close(fd);
		if (match)
			return id;
	}
	return 0;
}

/* Does /proc/<pid>/fdinfo/<fd> describe link id? */
static bool fdinfo_has_link(const char *path, __u32 link)
{
	FILE *f = fopen(path, "re");
	char line[128];
	bool found = false;
	unsigned id;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "link_id: %u", &id) == 1 && id == link;
	if (f)
		fclose(f);
	return found;
}

static void scan_pid(const char *pid, __u32 link, char *who, size_t len)
{
	char path[PATH_MAX], comm[64] = "?";
	struct dirent *fe;
	FILE *f;
	DIR *fds;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo", pid);
	fds = opendir(path);
	while (fds && !who[0] && (fe = readdir(fds))) {
		if (fe->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s", pid, fe->d_name);
		if (!fdinfo_has_link(path, link))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", pid);
		f = fopen(path, "re");
		if (f && fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		if (f)
			fclose(f);
		snprintf(who, len, "pid %s (%s)", pid, comm);
	}
	if (fds)
		closedir(fds);
}

/* "pid 1234 (name)" of a process that holds link id, from the fdinfo
 * of its descriptors; empty if none is found (another namespace's /proc,
 * or no permission to read it). */
static void link_holder(__u32 link, char *who, size_t len)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;

	who[0] = '\0';
	while (proc && !who[0] && (pe = readdir(proc)))
		if (pe->d_name[0] >= '1' && pe->d_name[0] <= '9')
			scan_pid(pe->d_name, link, who, len);
	if (proc)
		closedir(proc);
}

int xdp_prog_check_free(const char *ifname, int ifindex, char *msg, size_t msglen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char name[BPF_OBJ_NAME_LEN + 1];
	const char *mode, *ip_word;
	char who[96];
	__u32 id, link;

	/* A query that fails says nothing useful; the attach will. */
	if (bpf_xdp_query(ifindex, 0, &q) < 0 || q.attach_mode == XDP_ATTACHED_NONE)
		return 0;
	id = q.prog_id ? q.prog_id : q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id;
	prog_name(id, name, sizeof(name));
	mode = mode_words(q.attach_mode, &ip_word);
	link = xdp_link_of(ifindex, id);
	if (link)
		link_holder(link, who, sizeof(who));
	if (link && !strcmp(name, "xs_steer"))
		return xdp_fail(
			msg, msglen, -EBUSY,
			"interface %s is in use by another xsocket process%s%s (steering "
			"program %u, %s mode, bpf link %u): stop it, or use another interface",
			ifname, who[0] ? ", " : "", who, id, mode, link);
	if (link)
		return xdp_fail(
			msg, msglen, -EBUSY,
			"interface %s already has an XDP program (id %u, '%s', %s mode), held "
			"through bpf link %u by %s: stop that process to use the interface",
			ifname, id, name, mode, link, who[0] ? who : "another process");
	return xdp_fail(msg, msglen, -EBUSY,
			"interface %s already has an XDP program (id %u, '%s', %s mode): remove it "
			"with `ip link set dev %s %s off` or `xdp-loader unload %s --all`",
			ifname, id, name, mode, ifname, ip_word, ifname);
}
