/* unitfilter.c: runs a command under the seccomp rules that the units' MemoryDenyWriteExecute=yes
 * and the @resources part of their SystemCallFilter= stand for, built as systemd 252 builds
 * them (src/shared/seccomp-util.c), so that a test can show a node, its helper and attach
 * working under them on a machine where systemd does not start the units.
 *
 *   unitfilter COMMAND [ARG...]
 *   unitfilter --check     prints what a writable executable mapping and setpriority got
 *
 * MemoryDenyWriteExecute=: mmap asking for PROT_WRITE and PROT_EXEC at once, mprotect and
 * pkey_mprotect adding PROT_EXEC, shmat with SHM_EXEC fail with EPERM.  @resources: every call
 * of the group, as `systemd-analyze syscall-filter @resources` lists it, fails with EPERM
 * (the units' SystemCallErrorNumber=).  Exits 70 when the filter cannot be built, 127 when the
 * command cannot be run. */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <unistd.h>

#include "array.h"

static const char *const resources[] = {
	"ioprio_set", "mbind", "migrate_pages", "move_pages", "nice", "sched_setaffinity",
	"sched_setattr", "sched_setparam", "sched_setscheduler", "set_mempolicy",
	"set_mempolicy_home_node", "setpriority", "setrlimit",
};

static int fail(const char *what, int rc)
{
	fprintf(stderr, "unitfilter: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	return 70;
}

static int deny_resources(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < COUNT(resources); i++) {
		int nr = seccomp_syscall_resolve_name(resources[i]);
		/* A call this architecture lacks (set_mempolicy_home_node before Linux 5.17's
		 * headers) is one nobody can make. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int deny_write_execute(scmp_filter_ctx ctx)
{
	const unsigned wx = PROT_WRITE | PROT_EXEC;
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mmap), 1,
	                          SCMP_A2(SCMP_CMP_MASKED_EQ, wx, wx));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mprotect), 1,
		                      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(pkey_mprotect), 1,
		                      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, PROT_EXEC));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(shmat), 1,
		                      SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC, SHM_EXEC));
	return rc;
}

/* The rules bite: both calls are refused, and the test that runs the node under them says so. */
static int check_refused(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mmap: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
	int rc = setpriority(PRIO_PROCESS, 0, 0);
	printf("setpriority: %s\n", rc < 0 ? strerror(errno) : "set");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: unitfilter COMMAND [ARG...]\n", stderr);
		return 64;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return fail("seccomp_init", ENOMEM);
	int rc = deny_resources(ctx);
	if (rc < 0)
		return fail("@resources", rc);
	rc = deny_write_execute(ctx);
	if (rc < 0)
		return fail("MemoryDenyWriteExecute", rc);
	/* As under the units' NoNewPrivileges=yes, which is also what lets an unprivileged
	 * caller load a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail("PR_SET_NO_NEW_PRIVS", errno);
	rc = seccomp_load(ctx);
	if (rc < 0)
		return fail("seccomp_load", rc);
	seccomp_release(ctx);
	if (strcmp(argv[1], "--check") == 0)
		return check_refused();
	execvp(argv[1], argv + 1);
	fprintf(stderr, "unitfilter: %s: %s\n", argv[1], strerror(errno));
	return 127;
}
