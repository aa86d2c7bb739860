/* execline.h: the argument vector and environment the VM is exec'd with.  No shell ever
 * parses them; the cookie is never in either (it is in HOME/.erlang.cookie). */
#ifndef KZ_EXECLINE_H
#define KZ_EXECLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "release.h"

struct strv {
	char **v; /* NULL-terminated */
	size_t n, cap;
};

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
	char **extra;          /* appended to argv */
	int nextra;
};

int execline_build(const struct execline_spec *spec, char **environ_in, struct execline *out,
		   struct kz_err *err);
void execline_free(struct execline *line);

#endif
