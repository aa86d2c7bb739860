/* args.c: turns argv and the option variables into a struct args.
 * Refuses every malformed input here, so no later stage sees one. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "args.h"
#include "die.h"
#include "dist.h"
#include "epmd.h"
#include "host.h"
#include "num.h"
#include "rundir.h"

const char *args_env(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

bool args_rel_valid(const char *s, size_t len)
{
	if (len == 0 || len > ARGS_REL_MAX || s[0] < 'a' || s[0] > 'z')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") >= len;
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

/* -t SECONDS: a whole number, 0 for none, at most a day. */
static long parse_timeout(const char *s)
{
	unsigned long long v;

	if (*s < '0' || *s > '9')
		die(EX_USAGE, "-t '%s': expected whole seconds, 0 for no timeout", s);
	if (!num_parse(s, 0, 86400, &v))
		die(EX_USAGE, "-t '%s': expected whole seconds from 0 to 86400", s);
	return (long)v;
}

/* The options that take a value, in a cluster such as -n NODE or -nNODE. */
#define OPTS_WITH_VALUE "crpdnet"

/* Where a call's own words begin: after the first word (REL or ACTION, skipping options and
 * their values) that names a call.  argc when there is none, or "--" comes first.  A call's
 * words are never options: "-1" is an argument, and so is "--". */
static int call_words(int argc, char **argv)
{
	const struct action_def *def;

	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "--"))
			return argc;
		if (s[0] == '-' && s[1] == '-')
			continue;
		if (s[0] == '-' && s[1]) {
			for (const char *c = s + 1; *c; c++) {
				if (strchr(OPTS_WITH_VALUE, *c)) {
					if (!c[1])
						i++; /* the value is the next word */
					break;
				}
			}
			continue;
		}
		if ((def = action_find(s)) && def->accepts & ACCEPTS_CALL)
			return i + 1;
	}
	return argc;
}

static void parse_options(int argc, char **argv, struct args *a)
{
	enum { OPT_DRY_RUN = 256, OPT_READ_ONLY, OPT_ALL };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "all", no_argument, NULL, OPT_ALL },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	/* Options may come anywhere before "--": argc stops there, so EXTRA_ERL_ARGS are never
	 * taken for ours, and GNU getopt moves REL and ACTION after the options. */
	while ((c = getopt_long(argc, argv, ":c:r:p:d:n:e:t:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config = optarg; break;
		case 'r': a->root = optarg; break;
		case 'p': a->policy = optarg; break;
		case 'd': a->rundir = optarg; break;
		case 'n': a->node = optarg; break;
		case 'e': a->escape = parse_escape(optarg); break;
		case 't': a->timeout = parse_timeout(optarg); break;
		case 'v': a->verbose = true; break;
		case 'h': a->action = ACT_HELP; a->action_name = "help"; break;
		case 'V': a->action = ACT_VERSION; a->action_name = "version"; break;
		case OPT_DRY_RUN: a->dry_run = true; break;
		case OPT_READ_ONLY: a->read_only = true; break;
		case OPT_ALL: a->all = true; break;
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
	const struct action_def *def;
	if (nwords == 2) {
		rel = words[0];
		act = words[1];
	} else if (nwords == 1) {
		if (action_find(words[0]))
			act = words[0];
		else
			rel = words[0];
	}
	/* `status` alone, with no REL anywhere, is every node type's. */
	if (!rel && !args_env("REL", NULL) && act && (def = action_find(act)) && def->act == ACT_STATUS)
		a->all = true;
	if (!rel)
		rel = args_env("REL", "kazoo_apps");
	if (!act && !a->action_name)
		act = args_env("ACT", "console");
	if (act) {
		if (!(def = action_find(act)))
			die(EX_USAGE, "unknown action '%s' (see kzlaunch --help)", act);
		a->action = def->act;
		a->action_name = act;
	}
	if (!args_rel_valid(rel, strlen(rel)))
		die(EX_USAGE, "node type '%.80s': must match [a-z][a-z0-9_]* and be at most 64 bytes", rel);
	a->rel = rel;
}

/* The values the environment and the options give, checked once here for every action, by
 * the functions that use them later: so no path takes one another path refuses (status over
 * a helper's socket never reads ERL_EPMD_PORT, a call through a helper never builds a node
 * name, only a launch opens RUNDIR, and a module name fails only once encoded). */
static void check_values(const struct args *a)
{
	struct kz_err err = { 0 };
	uint16_t port;

	die_on_error(epmd_port(&port, &err), &err);
	if (a->node)
		die_on_error(host_node_check(a->node, &err), &err);
	die_on_error(rundir_check_path(a->rundir, &err), &err);
	if (a->action == ACT_RPC || a->action == ACT_RPCTERMS || a->action == ACT_SUP) {
		die_on_error(dist_atom_check("module", a->call[0], &err), &err);
		die_on_error(dist_atom_check("function", a->call[1], &err), &err);
	}
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
	a->timeout = -1;

	int ours = call_words(argc, argv);
	if (ours < argc) {
		a->call = argv + ours;
		a->ncall = argc - ours;
	} else {
		ours = 1;
		while (ours < argc && strcmp(argv[ours], "--"))
			ours++;
		if (ours < argc) {
			a->extra = argv + ours + 1;
			a->nextra = argc - ours - 1;
		}
	}
	parse_options(ours, argv, a);
	parse_words(ours, argv, a);

	action_check(a);
	if (a->action != ACT_HELP && a->action != ACT_VERSION)
		check_values(a);
}

/* Kazoo's sup takes its options first, then MODULE FUNCTION ARGS: the first word that is
 * not an option ends them, so an argument may begin with '-'. */
void args_parse_sup(int argc, char **argv, struct args *a)
{
	const char *node = args_env("KAZOO_NODE", "kazoo_apps");
	int c;

	memset(a, 0, sizeof *a);
	a->action = ACT_SUP;
	a->action_name = "sup";
	a->sup_command_line = true;
	a->config = getenv("KAZOO_CONFIG");
	a->root = args_env("KAZOO_ROOT", NULL);
	a->policy = args_env("KZLAUNCH_POLICY", NULL);
	a->rundir = args_env("KZLAUNCH_RUNDIR", "/run/kazoo");
	a->timeout = 0;
	opterr = 0;
	while ((c = getopt(argc, argv, "+:n:c:t:vsh")) != -1) {
		switch (c) {
		case 'n': node = optarg; break;
		case 'c': a->cookie = optarg; break;
		case 't': a->timeout = parse_timeout(optarg); break;
		case 'v': a->verbose = true; break;
		case 's': setenv("NODE_NAME_TYPE", "-sname", 1); break;
		case '?':
			/* -? is Kazoo's sup's help too */
			if (optopt != '?')
				die(1, "unknown option -%c (see sup -h)", optopt);
			/* fall through */
		case 'h':
			a->action = ACT_HELP;
			return;
		case ':':
			die(1, "option -%c needs a value (see sup -h)", optopt);
		}
	}
	/* -n NAME is a node type; with an @ it is the node itself, its type the part before. */
	const char *at = strchr(node, '@');
	static char rel[ARGS_REL_MAX + 1];
	size_t n = at ? (size_t)(at - node) : strlen(node);
	if (n > ARGS_REL_MAX)
		die(1, "-n '%.80s': the node type is at most %d bytes", node, ARGS_REL_MAX);
	memcpy(rel, node, n);
	rel[n] = '\0';
	if (!args_rel_valid(rel, strlen(rel)))
		die(1, "-n '%.80s': the node type must match [a-z][a-z0-9_]*", node);
	a->rel = rel;
	a->node = at ? node : NULL;
	a->call = argv + optind;
	a->ncall = argc - optind;
	if (a->ncall < 2) /* as Kazoo's sup says it */
		die(1, "Invalid command or wrong number of arguments, please try again");
	check_values(a);
}
