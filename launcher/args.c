/* args.c: turns argv and the option variables into a struct args.
 * Refuses every malformed input here, so no later stage sees one. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "args.h"
#include "die.h"

static const struct {
	const char *name;
	enum action act;
} actions[] = {
	{ "console", ACT_CONSOLE },
	{ "foreground", ACT_FOREGROUND },
	{ "start", ACT_START },
	{ "attach", ACT_ATTACH },
	{ "stop", ACT_STOP },
	{ "status", ACT_STATUS },
	{ "pid", ACT_PID },
	{ "remote_console", ACT_REMOTE_CONSOLE },
	{ "read-release-cookie", ACT_READ_COOKIE },
	{ "help", ACT_HELP },
	{ "version", ACT_VERSION },
};

void args_usage(void)
{
	fputs("usage: kzlaunch [OPTIONS] [REL] [ACTION] [-- EXTRA_ERL_ARGS...]\n"
	      "\n"
	      "Starts, attaches to and stops a Kazoo node without sudo, setuid or shell scripts.\n"
	      "REL      node type: kazoo_apps, ecallmgr, ... (default $REL, else kazoo_apps)\n"
	      "ACTION   console | foreground | start | attach | stop | status | pid |\n"
	      "         remote_console | read-release-cookie | help | version\n"
	      "         (default $ACT, else console)\n"
	      "\n"
	      "options:\n"
	      "  -c FILE      Kazoo's config.ini (KAZOO_CONFIG)\n"
	      "  -r DIR       release root (KAZOO_ROOT; default /opt/kazoo/_rel/kazoo, else /opt/kazoo)\n"
	      "  -p FILE      policy file (KZLAUNCH_POLICY; default /etc/kzlaunch/REL.policy)\n"
	      "  -d DIR       runtime folder (KZLAUNCH_RUNDIR; default /run/kazoo)\n"
	      "  -n NODE      node name; with an @ it is used whole (KAZOO_NODE)\n"
	      "  -e KEY       attach: detach key, as ^X or one character (default ^D)\n"
	      "  --read-only  attach: watch without typing\n"
	      "  --dry-run    print what a launch would do, one fact a line, and exit\n"
	      "  -h, --help   this text\n"
	      "  -V, --version\n"
	      "\n"
	      "environment: KAZOO_COOKIE, KAZOO_ZONE (default local), NODE_NAME_TYPE (-name or -sname);\n"
	      "  relx's VMARGS_PATH, RELX_CONFIG_PATH, RELX_REPLACE_OS_VARS, CODE_LOADING_MODE\n"
	      "  (embedded or interactive); ERL_CRASH_DUMP (default LOGDIR/TIME_REL_erl_crash.dump)\n"
	      "exit: 0 ok; 3 not running (status); 64 usage; 69 node not running;\n"
	      "      77 permission denied; 78 configuration error; 1 anything else\n",
	      stdout);
}

const char *args_env(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static bool rel_is_valid(const char *rel)
{
	size_t n = strlen(rel);

	if (n == 0 || n > ARGS_REL_MAX || rel[0] < 'a' || rel[0] > 'z')
		return false;
	return strspn(rel, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static bool action_lookup(const char *name, enum action *act)
{
	for (size_t i = 0; i < COUNT(actions); i++) {
		if (!strcmp(actions[i].name, name)) {
			*act = actions[i].act;
			return true;
		}
	}
	return false;
}

/* "^D", "^]" or a single character; anything else is a usage error. */
static int parse_escape(const char *s)
{
	if (s[0] == '^' && s[1] && !s[2]) {
		int c = s[1] == '?' ? 0x7f : (s[1] & 0x1f);
		return c;
	}
	if (s[0] && !s[1])
		return (unsigned char)s[0];
	die(EX_USAGE, "-e '%s': the detach key is one character or ^X", s);
}

bool args_is_launch(enum action act)
{
	return act == ACT_CONSOLE || act == ACT_FOREGROUND || act == ACT_START ||
	       act == ACT_REMOTE_CONSOLE;
}

static void parse_options(int argc, char **argv, struct args *a)
{
	enum { OPT_DRY_RUN = 256, OPT_READ_ONLY };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	/* Options may come anywhere before "--": argc stops there, so EXTRA_ERL_ARGS are never
	 * taken for ours, and GNU getopt moves REL and ACTION after the options. */
	while ((c = getopt_long(argc, argv, ":c:r:p:d:n:e:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 'r': a->root = optarg; break;
		case 'p': a->policy = optarg; break;
		case 'd': a->rundir = optarg; break;
		case 'n': a->node = optarg; break;
		case 'e': a->escape = parse_escape(optarg); break;
		case 'h': a->action = ACT_HELP; a->action_name = "help"; break;
		case 'V': a->action = ACT_VERSION; a->action_name = "version"; break;
		case OPT_DRY_RUN: a->dry_run = true; break;
		case OPT_READ_ONLY: a->read_only = true; break;
		case ':':
			die(EX_USAGE, "option -%c needs a value (see kzlaunch --help)", optopt);
		default:
			if (optopt)
				die(EX_USAGE, "unknown option -%c (see kzlaunch --help)", optopt);
			die(EX_USAGE, "unknown option %s (see kzlaunch --help)", argv[optind - 1]);
		}
	}
}

/* REL and ACTION are positional and both optional: one word is an ACTION when it names
 * one, so `kzlaunch stop` stops $REL, as `ACT=stop make release` does. */
static void parse_words(int argc, char **argv, struct args *a)
{
	const char *words[2];
	int nwords = 0;

	for (; optind < argc; optind++) {
		if (nwords == 2)
			die(EX_USAGE, "unexpected argument '%s' (see kzlaunch --help)", argv[optind]);
		words[nwords++] = argv[optind];
	}

	const char *rel = NULL, *act = NULL;
	enum action ignored;
	if (nwords == 2) {
		rel = words[0];
		act = words[1];
	} else if (nwords == 1) {
		if (action_lookup(words[0], &ignored))
			act = words[0];
		else
			rel = words[0];
	}
	if (!rel)
		rel = args_env("REL", "kazoo_apps");
	if (!act && !a->action_name)
		act = args_env("ACT", "console");
	if (act) {
		if (!action_lookup(act, &a->action))
			die(EX_USAGE, "unknown action '%s' (see kzlaunch --help)", act);
		a->action_name = act;
	}
	if (!rel_is_valid(rel))
		die(EX_USAGE, "node type '%.80s': must match [a-z][a-z0-9_]* and be at most 64 bytes", rel);
	a->rel = rel;
}

void args_parse(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	a->escape = 0x04; /* ^D, as to_erl */
	/* Set but empty is still set: config_locate refuses it rather than search elsewhere. */
	a->config = getenv("KAZOO_CONFIG");
	a->root = args_env("KAZOO_ROOT", NULL);
	a->policy = args_env("KZLAUNCH_POLICY", NULL);
	a->rundir = args_env("KZLAUNCH_RUNDIR", "/run/kazoo");
	a->node = args_env("KAZOO_NODE", NULL);

	int ours = 1;
	while (ours < argc && strcmp(argv[ours], "--"))
		ours++;
	if (ours < argc) {
		a->extra = argv + ours + 1;
		a->nextra = argc - ours - 1;
	}
	parse_options(ours, argv, a);
	parse_words(ours, argv, a);

	if (a->read_only && a->action != ACT_ATTACH)
		die(EX_USAGE, "--read-only applies to attach only");
	if (a->dry_run && !args_is_launch(a->action))
		die(EX_USAGE, "--dry-run applies to console, foreground, start and remote_console");
	if (a->nextra && a->action != ACT_CONSOLE && a->action != ACT_FOREGROUND && a->action != ACT_START)
		die(EX_USAGE, "extra VM arguments apply to console, foreground and start only");
}
