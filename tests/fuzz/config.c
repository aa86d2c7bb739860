/* Fuzzes config.ini and the cookie choice (launcher/cookie.c over common/inifile.c): the
 * first byte picks the node type, the host and the zone, so the host, zone and generic
 * rules all run; the rest is the file. */
#define _GNU_SOURCE
#include "cookie.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char *const rels[] = { "kazoo_apps", "ecallmgr" };
	static const char *const hosts[] = { "vm", "fs1.example.com" };
	static const char *const zones[] = { "local", "dc2" };
	static char *path;
	struct cookie_source src;
	struct kz_err err = { 0 };
	unsigned pick = len ? data[0] : 0;

	if (!path)
		path = fuzz_path("config.ini");
	if (len)
		data++, len--;
	fuzz_put(path, data, len);
	if (cookie_resolve(path, rels[pick & 1], hosts[(pick >> 1) & 1], zones[(pick >> 2) & 1], &src, &err) == 0) {
		/* A cookie that came out passed its checks: printable, 1 to 255 bytes. */
		size_t n = strlen(src.value);
		if (n == 0 || n > COOKIE_MAX)
			__builtin_trap();
		cookie_source_free(&src);
	} else if (!err.msg) {
		__builtin_trap(); /* every failure says why */
	}
	kz_err_clear(&err);
	return 0;
}
