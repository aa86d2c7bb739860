/* execline.h: the argument vector and environment the VM is exec'd with.  No shell ever
 * parses them; the cookie is never in either (it is in HOME/.erlang.cookie). */
#ifndef KZ_EXECLINE_H
#define KZ_EXECLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "release.h"
#include "strv.h"

struct execline {
	struct strv argv;
	struct strv envp;
};

enum execline_mode {
	EXECLINE_CONSOLE,    /* interactive shell on this terminal */
	EXECLINE_FOREGROUND, /* no shell, no input */
	EXECLINE_REMSH,      /* hidden remote shell into `node` */
};

struct execline_spec {
	enum execline_mode mode;
	const struct release *rel;
	const char *node;      /* the node's name; for REMSH the node to reach */
	const char *self;      /* REMSH: this shell's own name */
	bool sname;            /* -sname instead of -name */
	const char *home;      /* the private home holding .erlang.cookie */
	const char *config;    /* config.ini in use, passed on as KAZOO_CONFIG; may be NULL */
	const char *vm_args;   /* the file for -args_file and the one for -config (node modes) */
	const char *sys_config;
	const char *code_mode; /* "embedded" or "interactive" */
	const char *crash_dump; /* ERL_CRASH_DUMP; NULL for a remote shell */
	char **extra;          /* appended to argv */
	int nextra;
};

int execline_build(const struct execline_spec *spec, char **environ_in, struct execline *out,
		   struct kz_err *err);
void execline_free(struct execline *line);

#endif
