/* Fuzzes the policy file (common/policy.c, common/inifile.c, common/nss.c): names resolve
 * through this machine's NSS, as they do for the launcher and the helper. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char *path;
	struct policy p;
	struct kz_err err = { 0 };

	if (!path)
		path = fuzz_path("test.policy");
	fuzz_put(path, data, len);
	if (policy_load(path, &p, &err) == 0) {
		if (p.uid == 0 || p.gid == 0) /* the node never runs as root */
			__builtin_trap();
		policy_free(&p);
	} else if (!err.msg) {
		__builtin_trap();
	}
	kz_err_clear(&err);
	return 0;
}
