/* Fuzzes releases/start_erl.data and the release layout around it (launcher/release.c):
 * the input is the file, in a release root that has nothing else, so every version that
 * parses is then looked for on disk. */
#define _GNU_SOURCE
#include <sys/stat.h>

#include "fuzz.h"
#include "release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char *root, *file;
	struct release rel;
	struct kz_err err = { 0 };

	if (!root) {
		root = fuzz_path("rel");
		char *releases = fuzz_path("rel/releases");
		if ((mkdir(root, 0755) < 0 || mkdir(releases, 0755) < 0))
			abort();
		free(releases);
		file = fuzz_path("rel/releases/start_erl.data");
	}
	fuzz_put(file, data, len);
	if (release_locate(root, &rel, &err) == 0)
		__builtin_trap(); /* no erlexec here: it can never be complete */
	if (!err.msg)
		__builtin_trap();
	release_free(&rel);
	kz_err_clear(&err);
	return 0;
}
