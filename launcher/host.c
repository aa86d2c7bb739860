/* host.c: finds the canonical host name and builds REL@host.
 * Never trusts the environment for the host: only the kernel and the resolver. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "die.h"
#include "fmt.h"
#include "host.h"

static char *plain_host_name(struct kz_err *err)
{
	char buf[HOST_NAME_MAX + 1];

	if (gethostname(buf, sizeof buf) < 0) {
		kz_err_errno(err, KZ_EXIT_FAIL, "gethostname");
		return NULL;
	}
	buf[HOST_NAME_MAX] = '\0';
	char *copy = strdup(buf);
	if (!copy)
		kz_err_errno(err, KZ_EXIT_FAIL, "gethostname");
	return copy;
}

int host_canonical(char **out, struct kz_err *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_flags = AI_CANONNAME };
	struct addrinfo *res = NULL;
	char *plain = plain_host_name(err);
	int rc;

	if (!plain)
		return -1;
	rc = getaddrinfo(plain, NULL, &hints, &res);
	if (rc != 0 || !res || !res->ai_canonname || !*res->ai_canonname) {
		warn_msg("%s: the resolver has no canonical name (%s); using the plain host name", plain,
		     rc ? gai_strerror(rc) : "empty answer");
		if (res)
			freeaddrinfo(res);
		*out = plain;
		return 0;
	}
	*out = strdup(res->ai_canonname);
	freeaddrinfo(res);
	free(plain);
	if (!*out)
		return kz_err_errno(err, KZ_EXIT_FAIL, "host name");
	return 0;
}

int host_node_check(const char *node, struct kz_err *err)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.@";
	const char *at = strchr(node, '@');
	size_t len = strlen(node);
	/* Without an '@' the host comes later and adds at least "@h". */
	size_t whole = at ? len : len + 2;

	if (whole > HOST_NODE_MAX)
		return kz_err_set(err, EX_USAGE, "node name '%.40s...': %zu bytes, more than the %d a node name may have%s",
				  node, len, HOST_NODE_MAX, at ? "" : " with its @HOST");
	if (len == 0 || at == node || (at && (!at[1] || strchr(at + 1, '@'))) || strspn(node, allowed) != len)
		return kz_err_set(err, EX_USAGE, "node name '%s': must be NAME@HOST of letters, digits, '_', '-' and '.'",
				  node);
	return 0;
}

int host_node_name(const char *rel, const char *node, const char *host, bool sname,
		   char **out, struct kz_err *err)
{
	if (node && strchr(node, '@'))
		*out = fmt_new("%s", node);
	else if (sname)
		*out = fmt_new("%s@%.*s", node ? node : rel, (int)strcspn(host, "."), host);
	else
		*out = fmt_new("%s@%s", node ? node : rel, host);
	if (!*out)
		return kz_err_errno(err, KZ_EXIT_FAIL, "node name");
	if (host_node_check(*out, err) < 0) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
