/* Fuzzes relx's ${VAR} replacement (launcher/osvars.c) over a few variables set once, one of
 * them holding the very forms it replaces, so a value is never scanned again. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "osvars.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static int set;
	struct kz_err err = { 0 };
	char *text = fuzz_cstr(data, len), *out = NULL;

	if (!set) {
		setenv("A", "alpha", 1);
		setenv("EMPTY", "", 1);
		setenv("LOOP", "${LOOP}${A}", 1);
		unsetenv("UNSET");
		set = 1;
	}
	if (osvars_replace("f", text, &out, &err) == 0) {
		if (!out)
			__builtin_trap();
		free(out);
	} else if (!err.msg || out) {
		__builtin_trap();
	}
	kz_err_clear(&err);
	free(text);
	return 0;
}
