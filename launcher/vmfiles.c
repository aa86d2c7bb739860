/* vmfiles.c: picks the node's vm.args and sys.config and reads them (vmfiles.h).  Reads,
 * never writes: the copies it makes are written into the private home by rundir.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "die.h"
#include "fmt.h"
#include "osvars.h"
#include "trustfile.h"
#include "vmfiles.h"

#define UNSAFE "refusing VM settings root would start a node with"

/* CONFDIR/NAME when it exists (it is then the file: trustfile_open says what is wrong with
 * it); NULL in *out when it does not.  Anything but "not there" is an error, never a silent
 * step to the next candidate. */
static int candidate(const char *confdir, const char *name, char **out, struct kz_err *err)
{
	struct stat st;
	char *path = NULL;

	*out = NULL;
	if (!(path = fmt_new("%s/%s", confdir, name)))
		return kz_err_errno(err, KZ_EXIT_FAIL, "%s", confdir);
	if (lstat(path, &st) == 0) {
		*out = path;
		return 0;
	}
	if (errno == ENOENT || errno == ENOTDIR) {
		free(path);
		return 0;
	}
	kz_err_errno(err, EX_CONFIG, "%s", path);
	free(path);
	return -1;
}

/* The first of `names` in CONFDIR, else `fallback`; $VAR alone when set. */
static int pick(const char *var, const char *confdir, const char *const *names, const char *fallback,
		char **out, const char **from, struct kz_err *err)
{
	const char *forced = getenv(var);

	if (forced && *forced) {
		*from = var;
		*out = strdup(forced);
		return *out ? 0 : kz_err_errno(err, KZ_EXIT_FAIL, "%s", var);
	}
	for (; confdir && *names; names++) {
		if (candidate(confdir, *names, out, err) < 0)
			return -1;
		if (*out) {
			*from = "config folder";
			return 0;
		}
	}
	*from = "release";
	*out = strdup(fallback);
	return *out ? 0 : kz_err_errno(err, KZ_EXIT_FAIL, "%s", fallback);
}

static char *confdir_of(const char *ini)
{
	const char *slash = ini ? strrchr(ini, '/') : NULL;

	if (!ini)
		return NULL;
	return slash ? strndup(ini, (size_t)(slash - ini == 0 ? 1 : slash - ini)) : strdup(".");
}

/* Read even when the VM will read it itself: as root, that is the check that only root
 * could have written it; with ${VAR}s to replace, the copy for the private home. */
static int load_sys_config(struct vmfiles *f, bool osvars, struct kz_err *err)
{
	char *text = NULL;
	size_t len;
	int rc;

	if (trustfile_read(f->sys_config, SYS_CONFIG_MAX, UNSAFE, &text, &len, err) < 0)
		return -1;
	rc = osvars ? osvars_replace(f->sys_config, text, &f->sys_config_text, err) : 0;
	free(text);
	return rc;
}

int vmfiles_load(const char *ini, const struct release *rel, const struct vmargs_spec *spec,
		 struct vmfiles *out, struct kz_err *err)
{
	char *confdir = confdir_of(ini), *rel_vm = NULL, *rel_sys = NULL;
	int rc = -1;

	memset(out, 0, sizeof *out);
	if ((ini && !confdir) || !(rel_vm = fmt_new("%s.vm.args", spec->rel)) ||
	    !(rel_sys = fmt_new("%s.sys.config", spec->rel))) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", spec->rel);
		goto out;
	}
	const char *vm_names[] = { rel_vm, "vm.args", NULL };
	const char *sys_names[] = { rel_sys, "sys.config", "app.config", NULL };
	if (pick("VMARGS_PATH", confdir, vm_names, rel->vm_args, &out->vm_args, &out->vm_args_from, err) < 0 ||
	    pick("RELX_CONFIG_PATH", confdir, sys_names, rel->sys_config, &out->sys_config,
		 &out->sys_config_from, err) < 0)
		goto out;
	if (vmargs_load(spec, out->vm_args, &out->args, err) < 0 || load_sys_config(out, spec->osvars, err) < 0)
		goto out;
	out->vm_args_text = vmargs_render(&out->args);
	if (!out->vm_args_text) {
		kz_err_errno(err, KZ_EXIT_FAIL, "%s", out->vm_args);
		goto out;
	}
	rc = 0;
out:
	free(confdir);
	free(rel_vm);
	free(rel_sys);
	return rc;
}

void vmfiles_free(struct vmfiles *f)
{
	free(f->vm_args);
	free(f->sys_config);
	vmargs_free(&f->args);
	free(f->vm_args_text);
	free(f->sys_config_text);
	memset(f, 0, sizeof *f);
}
