/* Fuzzes vm.args as erlexec reads it and as kzlaunch filters it (launcher/vmargs.c, with
 * launcher/osvars.c when the first byte's low bit is set).  Two include files sit beside
 * it (inc1.args, inc2.args, the second including the first), so -args_file chains run.
 * What is kept must read back the same from vmargs_render's copy, and never hold a
 * -setcookie or a -name. */
#define _GNU_SOURCE
#include "fuzz.h"
#include "vmargs.h"

static void check_round_trip(const struct vmargs *v, const char *copy)
{
	struct vmargs_spec plain = { .root = fuzz_dir(), .rel = "kazoo_apps", .node = "kazoo_apps@vm" };
	struct vmargs back;
	struct kz_err err = { 0 };
	char *text = vmargs_render(v);

	if (!text)
		__builtin_trap();
	fuzz_put(copy, text, strlen(text));
	if (vmargs_load(&plain, copy, &back, &err) < 0 || back.args.n != v->args.n || back.extra.n != v->extra.n)
		__builtin_trap();
	for (size_t i = 0; i < v->args.n; i++)
		if (strcmp(back.args.v[i], v->args.v[i]))
			__builtin_trap();
	for (size_t i = 0; i < v->extra.n; i++)
		if (strcmp(back.extra.v[i], v->extra.v[i]))
			__builtin_trap();
	vmargs_free(&back);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static char *path, *copy;
	struct vmargs v;
	struct kz_err err = { 0 };
	unsigned pick = len ? data[0] : 0;

	if (!path) {
		char *inc1 = fuzz_path("inc1.args"), *inc2 = fuzz_path("inc2.args");
		fuzz_put(inc1, "+A 4 -setcookie x -extra e\n", 27);
		fuzz_put(inc2, "-args_file inc1.args\n+K true\n", 29);
		free(inc1);
		free(inc2);
		path = fuzz_path("vm.args");
		copy = fuzz_path("copy.args");
		setenv("NODE_NAME", "kazoo_apps", 1);
		setenv("COOKIE", "change_me", 1);
	}
	if (len)
		data++, len--;
	fuzz_put(path, data, len);
	struct vmargs_spec spec = { .root = fuzz_dir(), .rel = "kazoo_apps", .node = "kazoo_apps@vm", .osvars = pick & 1 };
	if (vmargs_load(&spec, path, &v, &err) == 0) {
		for (size_t i = 0; i < v.args.n; i++)
			if (!strcmp(v.args.v[i], "-setcookie") || !strcmp(v.args.v[i], "-name") ||
			    !strcmp(v.args.v[i], "-sname") || !strcmp(v.args.v[i], "-args_file"))
				__builtin_trap();
		check_round_trip(&v, copy);
	} else if (!err.msg) {
		__builtin_trap();
	}
	vmargs_free(&v);
	kz_err_clear(&err);
	return 0;
}
