/* sockowner.c: the listening sockets of a port, their uid and inode from /proc/self/net/tcp
 * and tcp6 (readable by every user), and the process holding one from /proc/PID/fd
 * (readable for one's own processes, and by root for all).  Reads the kernel's tables only:
 * nothing here talks to the port. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "die.h"
#include "fmt.h"
#include "sockowner.h"

#define TCP_LISTEN 0x0A

struct listener {
	uid_t uid;
	unsigned long inode;
};

struct listeners {
	struct listener *v;
	size_t n;
};

static int add(struct listeners *l, unsigned long uid, unsigned long inode)
{
	struct listener *v = realloc(l->v, (l->n + 1) * sizeof *v);

	if (!v)
		return -1;
	v[l->n++] = (struct listener){ .uid = (uid_t)uid, .inode = inode };
	l->v = v;
	return 0;
}

/* One table's lines: "sl: LOCAL_HEX:PORT_HEX REMOTE st tx:rx tr:when retrnsmt uid timeout
 * inode ...", the first line being the titles. */
static int scan_table(const char *path, uint16_t port, struct listeners *l, struct kz_err *err)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	if (!f)
		return errno == ENOENT ? 0 : kz_err_errno(err, KZ_EXIT_FAIL, "%s", path); /* no IPv6 here */
	while (getline(&line, &cap, f) > 0) {
		unsigned lport, state;
		unsigned long uid, inode;

		if (sscanf(line, " %*u: %*[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %lu %*d %lu", &lport, &state, &uid, &inode) != 4)
			continue; /* the titles */
		if (state == TCP_LISTEN && lport == port && add(l, uid, inode) < 0) {
			rc = kz_err_set(err, KZ_EXIT_FAIL, "out of memory");
			break;
		}
	}
	if (rc == 0 && ferror(f))
		rc = kz_err_errno(err, KZ_EXIT_FAIL, "%s", path);
	free(line);
	fclose(f);
	return rc;
}

static int scan(uint16_t port, struct listeners *l, struct kz_err *err)
{
	l->v = NULL;
	l->n = 0;
	/* /proc/self/net, not /proc/net: a /proc mounted subset=pid (systemd's ProcSubset=pid)
	 * keeps only the processes' folders, and this one shows this process's network. */
	if (scan_table("/proc/self/net/tcp", port, l, err) < 0 || scan_table("/proc/self/net/tcp6", port, l, err) < 0) {
		free(l->v);
		return -1;
	}
	return 0;
}

/* 1 when pid holds the socket, 0 when it does not, -1 when its descriptors cannot be seen
 * (another user's process, or gone). */
static int holds(pid_t pid, unsigned long inode)
{
	char dir[40], want[48], link[48];
	struct dirent *e;
	DIR *d;
	int found = 0;

	snprintf(dir, sizeof dir, "/proc/%d/fd", (int)pid);
	snprintf(want, sizeof want, "socket:[%lu]", inode);
	if (!(d = opendir(dir)))
		return -1;
	while (!found && (e = readdir(d))) {
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
		if (n < 0)
			continue; /* ".", "..", or a descriptor closed meanwhile */
		link[n] = '\0';
		found = !strcmp(link, want);
	}
	closedir(d);
	return found;
}

/* The process holding the socket, among those this process may see; 0 when none is. */
static pid_t holder(unsigned long inode)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t pid = 0;

	if (!d)
		return 0;
	while (!pid && (e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid_t p = (pid_t)strtol(e->d_name, NULL, 10);
		if (holds(p, inode) == 1)
			pid = p;
	}
	closedir(d);
	return pid;
}

static char *describe_one(const struct listener *l)
{
	pid_t pid = holder(l->inode);

	if (pid > 0)
		return fmt_new("uid %u (pid %d)", (unsigned)l->uid, (int)pid);
	return fmt_new("uid %u", (unsigned)l->uid);
}

char *sockowner_describe(uint16_t port)
{
	struct kz_err err = { 0 };
	struct listeners l;
	char *s;

	if (scan(port, &l, &err) < 0) {
		kz_err_clear(&err);
		return fmt_new("someone kzlaunch cannot see");
	}
	s = l.n ? describe_one(&l.v[0]) : fmt_new("nobody on this host");
	free(l.v);
	return s;
}

/* The listener is the node's: its user's, and held by its process where that can be seen. */
static bool is_nodes(const struct listener *l, const struct sockowner_want *want)
{
	return l->uid == want->uid && (want->pid <= 0 || holds(want->pid, l->inode) != 0);
}

int sockowner_check(const char *node, uint16_t port, const struct sockowner_want *want, struct kz_err *err)
{
	struct listeners l;
	char *who = NULL, *node_is = NULL;
	size_t i;

	if (scan(port, &l, err) < 0)
		return -1;
	if (l.n == 0) {
		free(l.v);
		return kz_err_set(err, KZ_EXIT_FAIL,
				  "%s: nothing on this host listens on port %u, where epmd says the node is: refusing to prove the cookie there",
				  node, (unsigned)port);
	}
	for (i = 0; i < l.n && is_nodes(&l.v[i], want); i++)
		;
	if (i == l.n) {
		free(l.v);
		return 0;
	}
	who = describe_one(&l.v[i]);
	node_is = want->pid > 0 ? fmt_new("pid %d of uid %u", (int)want->pid, (unsigned)want->uid)
				: fmt_new("uid %u", (unsigned)want->uid);
	kz_err_set(err, KZ_EXIT_FAIL,
		   "%s: port %u, where epmd says the node is, is held by %s, not by the node (%s): refusing to prove the cookie there",
		   node, (unsigned)port, who ? who : "another", node_is ? node_is : "its user");
	free(who);
	free(node_is);
	free(l.v);
	return -1;
}

bool sockowner_is_local(struct in_addr addr)
{
	struct ifaddrs *ifs = NULL;
	bool local = (ntohl(addr.s_addr) >> 24) == 127;

	/* Not knowing is taken as local: the check then refuses, rather than being skipped. */
	if (local || getifaddrs(&ifs) < 0)
		return true;
	for (struct ifaddrs *i = ifs; i && !local; i = i->ifa_next)
		local = i->ifa_addr && i->ifa_addr->sa_family == AF_INET &&
			((const struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == addr.s_addr;
	freeifaddrs(ifs);
	return local;
}
