/* cookie.h: the cookie of a node type, picked from config.ini as Kazoo's own reader picks it
 * (README, "Where things come from").  Never prints the cookie. */
#ifndef KZ_COOKIE_H
#define KZ_COOKIE_H

#include "err.h"

#define COOKIE_MAX 255

struct cookie_source {
	char *value;        /* the cookie, quotes and comments removed */
	const char *rule;   /* "host", "zone", "generic", "KAZOO_COOKIE", "credential" or "default" */
	char *file;         /* "credential": the file it was read from */
	unsigned section_line; /* line of the [REL] header of the winning section; 0 if none */
	unsigned line;      /* line of the cookie key; 0 if none */
};

/* Picks the cookie for `rel` from `ini` for this machine's `host` and `zone` (the caller
 * applies $KAZOO_ZONE's default, `local`), and runs cookie_check on it ("PATH:LINE").
 * Returns 0, or -1 with err (EX_CONFIG) naming the file, the section and the lines; `out`
 * is then empty.  Free `out` with cookie_source_free. */
int cookie_resolve(const char *ini, const char *rel, const char *host, const char *zone,
		   struct cookie_source *out, struct kz_err *err);

/* Refuses an empty cookie, one over COOKIE_MAX bytes, or one with a byte outside printable
 * ASCII (0x20..0x7e, what the Erlang VM accepts): control characters, DEL, 0x80 and up.
 * `where` names its origin in the message ("/etc/kazoo/config.ini:14", "KAZOO_COOKIE"). */
int cookie_check(const char *value, const char *where, struct kz_err *err);

/* The systemd credential $CREDENTIALS_DIRECTORY/kazoo_cookie (LoadCredential=,
 * SetCredentialEncrypted=; systemd sets the variable only for the service's processes):
 * 1 with out filled (rule "credential"), 0 when the variable is unset or empty or the file
 * does not exist, -1 with err (EX_CONFIG) when it cannot be read or fails cookie_check.  A
 * trailing newline is not part of the cookie. */
int cookie_from_credential(struct cookie_source *out, struct kz_err *err);

void cookie_source_free(struct cookie_source *src);

#endif
