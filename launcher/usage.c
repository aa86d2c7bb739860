/* usage.c: the --help texts, kzlaunch's and Kazoo's sup command line's. */
#include <stdio.h>

#include "usage.h"

void usage_kzlaunch(void)
{
	fputs("usage: kzlaunch [OPTIONS] [REL] [ACTION] [-- EXTRA_ERL_ARGS...]\n"
	      "       kzlaunch [OPTIONS] [REL] ping | eval 'EXPRS.' | rpcterms MOD FUN 'TERM. ...'\n"
	      "       kzlaunch [OPTIONS] [REL] rpc MOD FUN [TERM...] | sup MOD FUN [ARG...]\n"
	      "\n"
	      "Starts, attaches to and stops a Kazoo node without sudo, setuid or shell scripts.\n"
	      "REL      node type: kazoo_apps, ecallmgr, ... (default $REL, else kazoo_apps;\n"
	      "         status with neither: every node type)\n"
	      "ACTION   console | foreground | start | attach | stop | restart | status | pid |\n"
	      "         remote_console | read-release-cookie | help | version\n"
	      "         (default $ACT, else console); the calls above take every word after\n"
	      "         them as their own, so options come before them\n"
	      "\n"
	      "options:\n"
	      "  -c FILE      Kazoo's config.ini (KAZOO_CONFIG)\n"
	      "  -r DIR       release root (KAZOO_ROOT; default /opt/kazoo/_rel/kazoo, else /opt/kazoo)\n"
	      "  -p FILE      policy file (KZLAUNCH_POLICY; default /etc/kzlaunch/REL.policy)\n"
	      "  -d DIR       runtime folder (KZLAUNCH_RUNDIR; default /run/kazoo)\n"
	      "  -n NODE      node name; with an @ it is used whole (KAZOO_NODE)\n"
	      "  -e KEY       attach: detach key, as ^X or one character (default ^D)\n"
	      "  --read-only  attach: watch without typing\n"
	      "  --all        status: every node type with a policy or a socket here (also\n"
	      "               status with no REL given and none in $REL)\n"
	      "  -t SECONDS   calls: give up after this long (0: never; default 60, sup never)\n"
	      "  -v           calls: say what the call cannot prove or check (a node of another\n"
	      "               host; a release root that is not here); sup: as Kazoo's sup -v\n"
	      "  --dry-run    print what a launch would do, one fact a line, and exit\n"
	      "  -h, --help   this text\n"
	      "  -V, --version\n"
	      "\n"
	      "environment: KAZOO_COOKIE, KAZOO_ZONE (default local), NODE_NAME_TYPE (-name or -sname);\n"
	      "  relx's VMARGS_PATH, RELX_CONFIG_PATH, RELX_REPLACE_OS_VARS, CODE_LOADING_MODE\n"
	      "  (embedded or interactive); ERL_CRASH_DUMP (default LOGDIR/TIME_REL_erl_crash.dump)\n"
	      "exit: 0 ok; 3 not running (status); 64 usage; 69 node not running;\n"
	      "      sup: Kazoo's (1 no connection, 2 a _maintenance call not ok, 3 badrpc, 4 timeout);\n"
	      "      77 permission denied; 78 configuration error; 1 anything else\n",
	      stdout);
}

void usage_sup(void)
{
	fputs("usage: sup [-n NODE] [-t SECONDS] [-v] [-s] [-c COOKIE] MODULE FUNCTION [ARG...]\n"
	      "\n"
	      "Calls MODULE:FUNCTION(ARG...) on the Kazoo node NODE@host, each ARG a binary, as\n"
	      "Kazoo's sup does, through kzlaunch: no VM is started and no cookie is needed.\n"
	      "  -n NODE     node type (default $KAZOO_NODE, else kazoo_apps); with an @, the node\n"
	      "  -t SECONDS  give up after this long (default 0: never)\n"
	      "  -v          say what is called and print \"Result: \" before the result\n"
	      "  -s          short node names (-sname)\n"
	      "  -c COOKIE   connect with this cookie (it shows in ps: better left out)\n"
	      "  -h          this text\n"
	      "exit: 0; 1 bad arguments or no connection; 2 a _maintenance call that did not return\n"
	      "      ok; 3 badrpc; 4 timeout; N for {no_return, N}; 77 permission denied\n",
	      stdout);
}
