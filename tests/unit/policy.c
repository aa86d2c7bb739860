/* tests/unit/policy.c: policy_load, one table row per case, and the [control] lists it loads.
 * Uses only users and groups every Debian has (root, daemon, nobody; root, daemon, adm,
 * nogroup); writes its files under a mkdtemp folder in /tmp and removes them.  Rows about what
 * root refuses need root and are skipped without it; rows about other callers run as nobody
 * (seteuid) when run as root.  A user whose primary group is 0 only exists in a private mount
 * namespace with its own /etc/passwd (root with CAP_SYS_ADMIN; skipped elsewhere). */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "array.h"
#include "../tap.h"
#include "policy.h"
#include "rights.h"

/* Most rows start from a valid [node]; keys they add are on line 3. */
#define NODE "[node]\nuser = daemon\n"
#define CONTROL NODE "[control]\n" /* keys from line 4 */
#define LOG NODE "[log]\n"         /* keys from line 4 */

/* What policy_load produced, as one line, so a row can name the part it cares about. */
#define DEFAULTS " groups= caps= nofile=- core=- umask=- attach= watch= stop= stop_timeout=30 start_timeout=120" \
		 " dir=/var/log/kazoo max_size=10485760 generations=10 "

#define NOBODY 65534
#define NOCHOWN ((uid_t)-1)
#define UNSAFE ": refusing a policy root would act on"

enum setup {
	WRITE,       /* text at `path` */
	MISSING,     /* nothing at `missing` */
	DANGLING,    /* a symlink to nothing */
	OWNER,       /* text at `path`, chown'd to `owner` */
	MODE,        /* text at `path`, chmod'd to `mode` */
	SYMLINK,     /* a symlink to text at `path` */
	FIFO,        /* a FIFO */
	FOLDER,      /* the test's folder itself */
	SUBDIR,      /* text in `sub`, a folder with `mode` and `owner` */
	ROOT_GROUP,  /* text, with an /etc/passwd that has kzgid0 (uid 4242, group 0) */
};

enum caller {
	ANYONE,
	ROOT,        /* skipped without root */
	NOT_ROOT,    /* run as nobody (seteuid) when root */
};

struct load_case {
	const char *name;
	enum setup setup;
	const char *text;
	int status;        /* 0: loads */
	const char *want;  /* loads: a part of render(); fails: a part of the message */
	bool enoent;       /* fails: errno must be ENOENT exactly when this is set */
};

/* A row about the file itself: how it is made and who loads it. */
struct file_case {
	struct load_case c;
	enum caller caller;
	mode_t mode;       /* MODE, SUBDIR */
	uid_t owner;       /* OWNER, SUBDIR; NOCHOWN leaves it */
};

static const struct load_case load_cases[] = {
	/* [node] user */
	{ .name = "user by name, defaults", .setup = WRITE, .text = NODE,
	  .want = " user=daemon uid=1 gid=1" DEFAULTS },
	{ .name = "user by number takes the passwd group", .setup = WRITE, .text = "[node]\nuser = 65534\n",
	  .want = " user=65534 uid=65534 gid=65534 " },
	{ .name = "user quoted, with a comment", .setup = WRITE,
	  .text = "[node]\nuser = \"nobody\" ; the usual\n", .want = " user=nobody uid=65534 " },
	{ .name = "unknown user", .setup = WRITE, .text = "[node]\nuser = kazooo\n", .status = EX_CONFIG,
	  .want = ":2: [node] user: no such user 'kazooo'" },
	{ .name = "empty user", .setup = WRITE, .text = "[node]\nuser =\n", .status = EX_CONFIG,
	  .want = ":2: [node] user: empty user name" },
	{ .name = "user id too large", .setup = WRITE, .text = "[node]\nuser = 4294967295\n",
	  .status = EX_CONFIG, .want = ":2: [node] user: '4294967295' out of range 0..4294967294" },
	{ .name = "user id overflows", .setup = WRITE, .text = "[node]\nuser = 99999999999999999999999\n",
	  .status = EX_CONFIG, .want = "[node] user: '99999999999999999999999' out of range" },
	{ .name = "control characters escaped", .setup = WRITE, .text = "[node]\nuser = da\033[2Jmon\n",
	  .status = EX_CONFIG, .want = "no such user 'da\\x1b[2Jmon'" },
	{ .name = "a backslash shown as it is, not doubled", .setup = WRITE,
	  .text = "[node]\nuser = da\\mon\n", .status = EX_CONFIG, .want = "no such user 'da\\mon'" },
	{ .name = "user missing", .setup = WRITE, .text = "[node]\ngroup = adm\n", .status = EX_CONFIG,
	  .want = ": [node] user: missing" },
	{ .name = "empty file", .setup = WRITE, .text = "", .status = EX_CONFIG,
	  .want = ": [node] user: missing" },
	{ .name = "unknown uid needs a group", .setup = WRITE, .text = "[node]\nuser = 4000\n",
	  .status = EX_CONFIG, .want = ": [node] group: missing, and user '4000' has no passwd entry" },
	{ .name = "unknown uid with a group", .setup = WRITE, .text = "[node]\nuser = 4000\ngroup = 4000\n",
	  .want = " uid=4000 gid=4000 " },

	/* [node] group */
	{ .name = "group by name", .setup = WRITE, .text = NODE "group = adm\n", .want = " uid=1 gid=4 " },
	{ .name = "group by number", .setup = WRITE, .text = NODE "group = 4001\n", .want = " gid=4001 " },
	{ .name = "unknown group", .setup = WRITE, .text = NODE "group = nosuchgroup\n", .status = EX_CONFIG,
	  .want = ":3: [node] group: no such group 'nosuchgroup'" },
	{ .name = "empty group", .setup = WRITE, .text = NODE "group =\n", .status = EX_CONFIG,
	  .want = ":3: [node] group: empty group name" },

	/* [node] groups */
	{ .name = "groups", .setup = WRITE, .text = NODE "groups = adm,nogroup\n",
	  .want = " groups=4,65534 " },
	{ .name = "groups with spaces and a number", .setup = WRITE,
	  .text = NODE "groups =   adm ,\tnogroup,  4001  \n", .want = " groups=4,65534,4001 " },
	{ .name = "groups empty", .setup = WRITE, .text = NODE "groups =\n", .want = " groups= " },
	{ .name = "groups unknown", .setup = WRITE, .text = NODE "groups = adm, nosuch\n",
	  .status = EX_CONFIG, .want = ":3: [node] groups: no such group 'nosuch'" },
	{ .name = "groups empty item", .setup = WRITE, .text = NODE "groups = adm,,nogroup\n",
	  .status = EX_CONFIG, .want = ":3: [node] groups: empty item in 'adm,,nogroup'" },
	{ .name = "groups trailing comma", .setup = WRITE, .text = NODE "groups = adm,\n",
	  .status = EX_CONFIG, .want = "[node] groups: empty item in 'adm,'" },

	/* [node] capabilities */
	{ .name = "capability", .setup = WRITE, .text = NODE "capabilities = cap_net_bind_service\n",
	  .want = " caps=10 " },
	{ .name = "capabilities mixed case", .setup = WRITE,
	  .text = NODE "capabilities = CAP_Net_Bind_Service , cap_CHOWN\n", .want = " caps=10,0 " },
	{ .name = "capabilities empty", .setup = WRITE, .text = NODE "capabilities =\n", .want = " caps= " },
	{ .name = "capability unknown", .setup = WRITE, .text = NODE "capabilities = cap_foo\n",
	  .status = EX_CONFIG, .want = ":3: [node] capabilities: unknown capability 'cap_foo'" },
	{ .name = "capability unknown after a good one", .setup = WRITE,
	  .text = NODE "capabilities = cap_chown, cap_foo\n", .status = EX_CONFIG,
	  .want = "unknown capability 'cap_foo'" },
	{ .name = "capability as a number", .setup = WRITE, .text = NODE "capabilities = 10\n",
	  .status = EX_CONFIG, .want = "unknown capability '10'" },
	{ .name = "capability all", .setup = WRITE, .text = NODE "capabilities = all\n", .status = EX_CONFIG,
	  .want = "unknown capability 'all'" },

	/* the node never runs as root (README, "Policy"); naming root elsewhere is fine */
	{ .name = "user root", .setup = WRITE, .text = "[node]\nuser = root\n", .status = EX_CONFIG,
	  .want = ":2: [node] user: the node never runs as root" },
	{ .name = "user 0", .setup = WRITE, .text = "[node]\nuser = 0\n", .status = EX_CONFIG,
	  .want = ":2: [node] user: the node never runs as root" },
	{ .name = "user 0 with a group", .setup = WRITE, .text = "[node]\nuser = 0\ngroup = 4001\n",
	  .status = EX_CONFIG, .want = ":2: [node] user: the node never runs as root" },
	{ .name = "group root", .setup = WRITE, .text = NODE "group = root\n", .status = EX_CONFIG,
	  .want = ":3: [node] group: 'root' is gid 0: the node never runs as root" },
	{ .name = "group 0", .setup = WRITE, .text = NODE "group = 0\n", .status = EX_CONFIG,
	  .want = ":3: [node] group: '0' is gid 0: the node never runs as root" },
	{ .name = "groups with root", .setup = WRITE, .text = NODE "groups = adm, root\n",
	  .status = EX_CONFIG, .want = ":3: [node] groups: 'root' is gid 0: the node never runs as root" },
	{ .name = "groups with 0", .setup = WRITE, .text = NODE "groups = 0,adm\n", .status = EX_CONFIG,
	  .want = ":3: [node] groups: '0' is gid 0: the node never runs as root" },
	{ .name = "root may control", .setup = WRITE, .text = CONTROL "attach = root, @root\n",
	  .want = " attach=u0,g0 " },

	/* [node] nofile; rows at fs.nr_open itself are made in main() */
	{ .name = "nofile", .setup = WRITE, .text = NODE "nofile = 65536\n", .want = " nofile=65536 " },
	{ .name = "nofile lowest", .setup = WRITE, .text = NODE "nofile = 1\n", .want = " nofile=1 " },
	{ .name = "nofile zero", .setup = WRITE, .text = NODE "nofile = 0\n", .status = EX_CONFIG,
	  .want = ":3: [node] nofile: '0' out of range 1.." },
	{ .name = "nofile far above fs.nr_open", .setup = WRITE, .text = NODE "nofile = 4294967296\n",
	  .status = EX_CONFIG, .want = ":3: [node] nofile: 4294967296 is above fs.nr_open (" },
	{ .name = "nofile negative", .setup = WRITE, .text = NODE "nofile = -1\n", .status = EX_CONFIG,
	  .want = "'-1' out of range 1.." },
	{ .name = "nofile overflow", .setup = WRITE, .text = NODE "nofile = 18446744073709551617\n",
	  .status = EX_CONFIG, .want = "nofile: 18446744073709551617 is above fs.nr_open (" },
	{ .name = "nofile trailing garbage", .setup = WRITE, .text = NODE "nofile = 65536x\n",
	  .status = EX_CONFIG, .want = "[node] nofile: '65536x' is not a whole number" },
	{ .name = "nofile plus sign", .setup = WRITE, .text = NODE "nofile = +5\n", .status = EX_CONFIG,
	  .want = "'+5' is not a whole number" },
	{ .name = "nofile hex", .setup = WRITE, .text = NODE "nofile = 0x10\n", .status = EX_CONFIG,
	  .want = "'0x10' is not a whole number" },
	{ .name = "nofile inner space", .setup = WRITE, .text = NODE "nofile = 1 2\n", .status = EX_CONFIG,
	  .want = "'1 2' is not a whole number" },
	{ .name = "nofile empty", .setup = WRITE, .text = NODE "nofile =\n", .status = EX_CONFIG,
	  .want = "'' is not a whole number" },

	/* [node] core */
	{ .name = "core unlimited", .setup = WRITE, .text = NODE "core = unlimited\n",
	  .want = " core=unlimited " },
	{ .name = "core zero", .setup = WRITE, .text = NODE "core = 0\n", .want = " core=0 " },
	{ .name = "core bytes", .setup = WRITE, .text = NODE "core = 1048576\n", .want = " core=1048576 " },
	{ .name = "core negative", .setup = WRITE, .text = NODE "core = -1\n", .status = EX_CONFIG,
	  .want = ":3: [node] core: '-1' is neither a number of bytes nor 'unlimited'" },
	{ .name = "core misspelt", .setup = WRITE, .text = NODE "core = unlimted\n", .status = EX_CONFIG,
	  .want = "'unlimted' is neither" },
	{ .name = "core too large", .setup = WRITE, .text = NODE "core = 18446744073709551615\n",
	  .status = EX_CONFIG, .want = "'18446744073709551615' is too large" },

	/* [node] umask */
	{ .name = "umask", .setup = WRITE, .text = NODE "umask = 0027\n", .want = " umask=0027 " },
	{ .name = "umask zero", .setup = WRITE, .text = NODE "umask = 0\n", .want = " umask=0000 " },
	{ .name = "umask without leading zero", .setup = WRITE, .text = NODE "umask = 77\n",
	  .want = " umask=0077 " },
	{ .name = "umask highest", .setup = WRITE, .text = NODE "umask = 0777\n", .want = " umask=0777 " },
	{ .name = "umask bad octal", .setup = WRITE, .text = NODE "umask = 0028\n", .status = EX_CONFIG,
	  .want = ":3: [node] umask: '0028' is not an octal mode like 0027" },
	{ .name = "umask too large", .setup = WRITE, .text = NODE "umask = 01000\n", .status = EX_CONFIG,
	  .want = "[node] umask: '01000' out of range 0..0777" },
	{ .name = "umask prefix", .setup = WRITE, .text = NODE "umask = 0o27\n", .status = EX_CONFIG,
	  .want = "'0o27' is not an octal mode" },
	{ .name = "umask negative", .setup = WRITE, .text = NODE "umask = -027\n", .status = EX_CONFIG,
	  .want = "'-027' is not an octal mode" },
	{ .name = "umask empty", .setup = WRITE, .text = NODE "umask =\n", .status = EX_CONFIG,
	  .want = "'' is not an octal mode" },
	{ .name = "umask overflow", .setup = WRITE, .text = NODE "umask = 7777777777777777777777777\n",
	  .status = EX_CONFIG, .want = "out of range 0..0777" },

	/* [control] */
	{ .name = "attach users and groups", .setup = WRITE,
	  .text = CONTROL "attach = root, @adm,1 ,@65534\n", .want = " attach=u0,u1,g4,g65534 " },
	{ .name = "watch and stop", .setup = WRITE, .text = CONTROL "watch = @adm\nstop = daemon, @daemon\n",
	  .want = " attach= watch=g4 stop=u1,g1 " },
	{ .name = "control lists empty", .setup = WRITE, .text = CONTROL "attach =\nwatch =\nstop =\n",
	  .want = " attach= watch= stop= " },
	{ .name = "attach unknown group", .setup = WRITE, .text = CONTROL "attach = @kazoo-nosuch\n",
	  .status = EX_CONFIG, .want = ":4: [control] attach: no such group 'kazoo-nosuch'" },
	{ .name = "attach unknown user", .setup = WRITE, .text = CONTROL "attach = root, nosuchuser\n",
	  .status = EX_CONFIG, .want = ":4: [control] attach: no such user 'nosuchuser'" },
	{ .name = "watch bare @", .setup = WRITE, .text = CONTROL "watch = @\n", .status = EX_CONFIG,
	  .want = ":4: [control] watch: empty group name" },
	{ .name = "stop empty item", .setup = WRITE, .text = CONTROL "stop = root,,@adm\n",
	  .status = EX_CONFIG, .want = "[control] stop: empty item in 'root,,@adm'" },
	/* [control] sup and sup_modules (issue #22) */
	{ .name = "sup and sup_modules", .setup = WRITE,
	  .text = CONTROL "sup = daemon, @adm\nsup_modules = kapps_controller, kz_nodes, *_maintenance, kazoo_maintenance:syslog_level\n",
	  .want = " sup=u1,g4 sup_modules=kapps_controller,kz_nodes,*_maintenance,kazoo_maintenance:syslog_level " },
	{ .name = "sup_modules keep their order", .setup = WRITE, .text = CONTROL "sup_modules = zz, aa, mm\n",
	  .want = " sup_modules=zz,aa,mm " },
	{ .name = "sup unset, sup_modules unset", .setup = WRITE, .text = NODE, .want = " sup= sup_modules= " },
	{ .name = "sup empty needs no sup_modules", .setup = WRITE, .text = CONTROL "sup =\n",
	  .want = " sup= sup_modules= " },
	{ .name = "sup_modules alone allow nobody", .setup = WRITE, .text = CONTROL "sup_modules = kz_nodes\n",
	  .want = " sup= sup_modules=kz_nodes " },
	{ .name = "sup_modules before sup", .setup = WRITE,
	  .text = CONTROL "sup_modules = kz_nodes\nstop = root\nsup = @adm\n", .want = " sup=g4 sup_modules=kz_nodes " },
	{ .name = "sup_modules patterns", .setup = WRITE,
	  .text = CONTROL "sup_modules = a*b*c, kz_nodes:*, *_maintenance:flush, M@x_1:*F*, kz**\n",
	  .want = " sup_modules=a*b*c,kz_nodes:*,*_maintenance:flush,M@x_1:*F*,kz** " },
	{ .name = "sup_modules white space around items", .setup = WRITE,
	  .text = CONTROL "sup_modules =  kz_nodes ,\tkapps_controller  \n", .want = " sup_modules=kz_nodes,kapps_controller " },
	{ .name = "sup unknown group", .setup = WRITE, .text = CONTROL "sup = @kazoo-nosuch\nsup_modules = kz_nodes\n",
	  .status = EX_CONFIG, .want = ":4: [control] sup: no such group 'kazoo-nosuch'" },
	{ .name = "sup without sup_modules", .setup = WRITE, .text = CONTROL "sup = daemon\n", .status = EX_CONFIG,
	  .want = ":4: [control] sup: no sup_modules: the sup right would allow nothing" },
	{ .name = "sup with sup_modules empty", .setup = WRITE, .text = CONTROL "sup_modules =\nstop = root\nsup = @adm\n",
	  .status = EX_CONFIG, .want = ":6: [control] sup: no sup_modules: the sup right would allow nothing" },
	{ .name = "sup given twice", .setup = WRITE, .text = CONTROL "sup = daemon\nsup = @adm\n", .status = EX_CONFIG,
	  .want = ":5: [control] sup: given twice (first on line 4)" },
	{ .name = "sup_modules empty item", .setup = WRITE, .text = CONTROL "sup_modules = kz_nodes,,x\n",
	  .status = EX_CONFIG, .want = ":4: [control] sup_modules: empty item in 'kz_nodes,,x'" },
	{ .name = "sup_modules trailing comma", .setup = WRITE, .text = CONTROL "sup_modules = kz_nodes,\n",
	  .status = EX_CONFIG, .want = "[control] sup_modules: empty item in 'kz_nodes,'" },
	{ .name = "sup_modules two colons", .setup = WRITE, .text = CONTROL "sup_modules = a:b:c\n",
	  .status = EX_CONFIG, .want = ":4: [control] sup_modules: 'a:b:c' has more than one ':'" },
	{ .name = "sup_modules colons only", .setup = WRITE, .text = CONTROL "sup_modules = ::\n",
	  .status = EX_CONFIG, .want = "'::' has more than one ':'" },
	{ .name = "sup_modules no module", .setup = WRITE, .text = CONTROL "sup_modules = :syslog_level\n",
	  .status = EX_CONFIG, .want = ":4: [control] sup_modules: ':syslog_level' has no module before ':'" },
	{ .name = "sup_modules no function", .setup = WRITE, .text = CONTROL "sup_modules = kz_nodes:\n",
	  .status = EX_CONFIG, .want = ":4: [control] sup_modules: 'kz_nodes:' has no function after ':'" },
	{ .name = "sup_modules hyphen", .setup = WRITE, .text = CONTROL "sup_modules = kz-nodes\n",
	  .status = EX_CONFIG,
	  .want = ":4: [control] sup_modules: 'kz-nodes' holds a character other than ASCII letters, digits, _, @ and *" },
	{ .name = "sup_modules quoted atom", .setup = WRITE, .text = CONTROL "sup_modules = kz_nodes, 'os'\n",
	  .status = EX_CONFIG, .want = "''os'' holds a character other than" },
	{ .name = "sup_modules inner space", .setup = WRITE, .text = CONTROL "sup_modules = kz nodes\n",
	  .status = EX_CONFIG, .want = "'kz nodes' holds a character other than" },
	{ .name = "sup_modules dot and slash", .setup = WRITE, .text = CONTROL "sup_modules = ../kz_nodes\n",
	  .status = EX_CONFIG, .want = "'../kz_nodes' holds a character other than" },
	{ .name = "sup_modules UTF-8 letter", .setup = WRITE, .text = CONTROL "sup_modules = kz_n\xc3\xb6" "des\n",
	  .status = EX_CONFIG, .want = "'kz_n\xc3\xb6" "des' holds a character other than" },
	{ .name = "sup_modules a high byte", .setup = WRITE, .text = CONTROL "sup_modules = kz_\xff\n",
	  .status = EX_CONFIG, .want = "'kz_\xff' holds a character other than" },
	{ .name = "sup_modules control character escaped", .setup = WRITE, .text = CONTROL "sup_modules = kz\033[2J\n",
	  .status = EX_CONFIG, .want = "'kz\\x1b[2J' holds a character other than" },
	{ .name = "sup_modules ? is no pattern", .setup = WRITE, .text = CONTROL "sup_modules = kz_node?\n",
	  .status = EX_CONFIG, .want = "'kz_node?' holds a character other than" },
	{ .name = "sup_modules every module", .setup = WRITE, .text = CONTROL "sup_modules = kz_nodes, *\n",
	  .status = EX_CONFIG,
	  .want = ":4: [control] sup_modules: '*' would allow every module, erlang and os included: give the attach right instead" },
	{ .name = "sup_modules every module, two stars", .setup = WRITE, .text = CONTROL "sup_modules = **\n",
	  .status = EX_CONFIG, .want = "'**' would allow every module, erlang and os included" },
	{ .name = "sup_modules one function of every module", .setup = WRITE, .text = CONTROL "sup_modules = *:halt\n",
	  .status = EX_CONFIG, .want = "'*:halt' would allow every module, erlang and os included" },
	{ .name = "sup_modules misspelt", .setup = WRITE, .text = CONTROL "sup_module = kz_nodes\n",
	  .status = EX_CONFIG, .want = ":4: [control] sup_module: unknown key" },
	{ .name = "sup in [node]", .setup = WRITE, .text = NODE "sup = daemon\n", .status = EX_CONFIG,
	  .want = ":3: [node] sup: unknown key" },
	{ .name = "start_timeout", .setup = WRITE, .text = NODE "start_timeout = 86400\n",
	  .want = " start_timeout=86400 " },
	{ .name = "start_timeout lowest", .setup = WRITE, .text = NODE "start_timeout = 1\n",
	  .want = " start_timeout=1 " },
	{ .name = "start_timeout zero", .setup = WRITE, .text = NODE "start_timeout = 0\n", .status = EX_CONFIG,
	  .want = ":3: [node] start_timeout: '0' out of range 1..86400" },
	{ .name = "watchdog off by default", .setup = WRITE, .text = NODE, .want = " watchdog=0 " },
	{ .name = "watchdog", .setup = WRITE, .text = NODE "watchdog = 30\n", .want = " watchdog=30 " },
	{ .name = "watchdog 0 is off", .setup = WRITE, .text = NODE "watchdog = 0\n", .want = " watchdog=0 " },
	{ .name = "watchdog above an hour", .setup = WRITE, .text = NODE "watchdog = 3601\n", .status = EX_CONFIG,
	  .want = ":3: [node] watchdog: '3601' out of range 0..3600" },
	{ .name = "watchdog in [control]", .setup = WRITE, .text = CONTROL "watchdog = 5\n", .status = EX_CONFIG,
	  .want = "[control] watchdog: unknown key" },
	{ .name = "start_timeout in [control]", .setup = WRITE, .text = CONTROL "start_timeout = 5\n",
	  .status = EX_CONFIG, .want = "[control] start_timeout: unknown key" },
	{ .name = "ready unset", .setup = WRITE, .text = NODE "start_timeout = 5\n", .want = " ready=- " },
	{ .name = "ready", .setup = WRITE, .text = NODE "ready = kapps_controller:ready\n",
	  .want = " ready=kapps_controller:ready " },
	{ .name = "ready atoms with digits, @ and capitals", .setup = WRITE, .text = NODE "ready = m@x1:isReady_2\n",
	  .want = " ready=m@x1:isReady_2 " },
	{ .name = "ready without a colon", .setup = WRITE, .text = NODE "ready = kapps_controller\n",
	  .status = EX_CONFIG, .want = ":3: [node] ready: 'kapps_controller' is not MODULE:FUNCTION" },
	{ .name = "ready with arguments", .setup = WRITE, .text = NODE "ready = m:f()\n", .status = EX_CONFIG,
	  .want = ":3: [node] ready: 'm:f()' is not MODULE:FUNCTION" },
	{ .name = "ready capital module", .setup = WRITE, .text = NODE "ready = Mod:f\n", .status = EX_CONFIG,
	  .want = ":3: [node] ready: 'Mod:f' is not MODULE:FUNCTION" },
	{ .name = "ready empty function", .setup = WRITE, .text = NODE "ready = m:\n", .status = EX_CONFIG,
	  .want = ":3: [node] ready: 'm:' is not MODULE:FUNCTION" },
	{ .name = "ready two colons", .setup = WRITE, .text = NODE "ready = m:f:g\n", .status = EX_CONFIG,
	  .want = ":3: [node] ready: 'm:f:g' is not MODULE:FUNCTION" },
	{ .name = "ready in [control]", .setup = WRITE, .text = CONTROL "ready = m:f\n", .status = EX_CONFIG,
	  .want = "[control] ready: unknown key" },
	{ .name = "stop_timeout", .setup = WRITE, .text = CONTROL "stop_timeout = 3600\n",
	  .want = " stop_timeout=3600 " },
	{ .name = "stop_timeout lowest", .setup = WRITE, .text = CONTROL "stop_timeout = 1\n",
	  .want = " stop_timeout=1 " },
	{ .name = "stop_timeout zero", .setup = WRITE, .text = CONTROL "stop_timeout = 0\n",
	  .status = EX_CONFIG, .want = ":4: [control] stop_timeout: '0' out of range 1..3600" },
	{ .name = "stop_timeout too long", .setup = WRITE, .text = CONTROL "stop_timeout = 3601\n",
	  .status = EX_CONFIG, .want = "'3601' out of range 1..3600" },
	{ .name = "stop_timeout with unit", .setup = WRITE, .text = CONTROL "stop_timeout = 30s\n",
	  .status = EX_CONFIG, .want = "'30s' is not a whole number" },

	/* [log] */
	{ .name = "log dir", .setup = WRITE, .text = LOG "dir = /srv/kazoo/log\n",
	  .want = " dir=/srv/kazoo/log " },
	{ .name = "log dir relative", .setup = WRITE, .text = LOG "dir = var/log\n", .status = EX_CONFIG,
	  .want = ":4: [log] dir: 'var/log' is not an absolute path" },
	{ .name = "log dir empty", .setup = WRITE, .text = LOG "dir =\n", .status = EX_CONFIG,
	  .want = "[log] dir: '' is not an absolute path" },
	{ .name = "log dir control character", .setup = WRITE, .text = LOG "dir = /var/log/\033[31mx\n",
	  .status = EX_CONFIG, .want = "[log] dir: '/var/log/\\x1b[31mx' holds control characters" },
	{ .name = "max_size K", .setup = WRITE, .text = LOG "max_size = 64K\n", .want = " max_size=65536 " },
	{ .name = "max_size G", .setup = WRITE, .text = LOG "max_size = 64G\n",
	  .want = " max_size=68719476736 " },
	{ .name = "max_size lower case", .setup = WRITE, .text = LOG "max_size = 10m\n",
	  .want = " max_size=10485760 " },
	{ .name = "max_size bytes", .setup = WRITE, .text = LOG "max_size = 1000000\n",
	  .want = " max_size=1000000 " },
	{ .name = "max_size too small", .setup = WRITE, .text = LOG "max_size = 63K\n", .status = EX_CONFIG,
	  .want = ":4: [log] max_size: '63K' out of range 64K..64G" },
	{ .name = "max_size too large", .setup = WRITE, .text = LOG "max_size = 65G\n", .status = EX_CONFIG,
	  .want = "'65G' out of range 64K..64G" },
	{ .name = "max_size overflow", .setup = WRITE, .text = LOG "max_size = 99999999999999999999G\n",
	  .status = EX_CONFIG, .want = "out of range 64K..64G" },
	{ .name = "max_size two letters", .setup = WRITE, .text = LOG "max_size = 10MB\n",
	  .status = EX_CONFIG, .want = "'10MB' is not a size like 10M" },
	{ .name = "max_size unknown unit", .setup = WRITE, .text = LOG "max_size = 10T\n",
	  .status = EX_CONFIG, .want = "'10T' is not a size" },
	{ .name = "max_size no number", .setup = WRITE, .text = LOG "max_size = M\n", .status = EX_CONFIG,
	  .want = "'M' is not a size" },
	{ .name = "max_size negative", .setup = WRITE, .text = LOG "max_size = -10M\n", .status = EX_CONFIG,
	  .want = "'-10M' is not a size" },
	{ .name = "generations", .setup = WRITE, .text = LOG "generations = 1000\n",
	  .want = " generations=1000 " },
	{ .name = "generations lowest", .setup = WRITE, .text = LOG "generations = 1\n",
	  .want = " generations=1 " },
	{ .name = "generations zero", .setup = WRITE, .text = LOG "generations = 0\n", .status = EX_CONFIG,
	  .want = ":4: [log] generations: '0' out of range 1..1000" },
	{ .name = "generations too many", .setup = WRITE, .text = LOG "generations = 1001\n",
	  .status = EX_CONFIG, .want = "'1001' out of range 1..1000" },

	/* the file's shape */
	{ .name = "every key", .setup = WRITE,
	  .text = "; a production-like file\n" "[node]\nuser = daemon\ngroup = daemon\ngroups = adm\ncapabilities = cap_net_bind_service\n" "nofile = 65536\ncore = unlimited\numask = 0027\n\n" "[control]\nattach = root\nwatch = @adm\nstop = root\nstop_timeout = 30\n\n" "[log]\ndir = /var/log/kazoo\nmax_size = 10M\ngenerations = 10\n",
	  .want = " user=daemon uid=1 gid=1 groups=4 caps=10 nofile=65536 core=unlimited umask=0027" " attach=u0 watch=g4 stop=u0 stop_timeout=30 start_timeout=120 dir=/var/log/kazoo max_size=10485760 generations=10 " },
	{ .name = "section given twice", .setup = WRITE,
	  .text = NODE "[log]\ngenerations = 3\n[node]\ngroup = adm\n", .want = " gid=4 " },
	{ .name = "unknown section", .setup = WRITE, .text = NODE "[nodes]\nuser = root\n",
	  .status = EX_CONFIG, .want = ":3: unknown section [nodes]" },
	{ .name = "section names are exact", .setup = WRITE, .text = "[Node]\nuser = root\n",
	  .status = EX_CONFIG, .want = ":1: unknown section [Node]" },
	{ .name = "unknown key", .setup = WRITE, .text = "[node]\nusr = daemon\n", .status = EX_CONFIG,
	  .want = ":2: [node] usr: unknown key" },
	{ .name = "key in the wrong section", .setup = WRITE, .text = NODE "[log]\nuser = root\n",
	  .status = EX_CONFIG, .want = ":4: [log] user: unknown key" },
	{ .name = "key outside any section", .setup = WRITE, .text = "user = daemon\n[node]\n",
	  .status = EX_CONFIG, .want = ":1: user: outside any section" },
	{ .name = "key given twice, next line", .setup = WRITE, .text = NODE "user = root\n",
	  .status = EX_CONFIG, .want = ":3: [node] user: given twice (first on line 2)" },
	{ .name = "key given twice, later", .setup = WRITE, .text = NODE "group = adm\nuser = root\n",
	  .status = EX_CONFIG, .want = ":4: [node] user: given twice (first on line 2)" },
	{ .name = "indented line does not continue a value", .setup = WRITE,
	  .text = NODE "groups = adm\n  nogroup\n", .status = EX_CONFIG,
	  .want = ":4: not a section, key = value or comment" },
	{ .name = "indented key is a key", .setup = WRITE, .text = NODE "groups = adm\n  umask = 0027\n",
	  .want = " groups=4 caps= nofile=- core=- umask=0027 " },
	{ .name = "key given twice across sections", .setup = WRITE,
	  .text = NODE "[log]\n[node]\nuser = root\n", .status = EX_CONFIG,
	  .want = ":5: [node] user: given twice (first on line 2)" },
	{ .name = "line without =", .setup = WRITE, .text = NODE "nofile\n", .status = EX_CONFIG,
	  .want = ":3" },

	/* missing files: the caller tells them apart by errno */
	{ .name = "missing file", .setup = MISSING, .status = EX_CONFIG,
	  .want = ": No such file or directory", .enoent = true },
	{ .name = "dangling symlink is not a missing file", .setup = DANGLING, .status = EX_CONFIG,
	  .want = "" },
};

static const struct file_case file_cases[] = {
	/* a user whose primary group is 0: the default group would be root's */
	{ { "primary group 0", ROOT_GROUP, "[node]\numask = 0027\nuser = kzgid0\n", EX_CONFIG, ":3: [node] user: the primary group of 'kzgid0' is gid 0: the node never runs as root", false }, ROOT, 0, NOCHOWN },
	{ { "primary group 0, group given", ROOT_GROUP, "[node]\nuser = kzgid0\ngroup = adm\n", 0, " user=kzgid0 uid=4242 gid=4 ", false }, ROOT, 0, NOCHOWN },
	{ { "not root: dangling symlink is not a missing file", DANGLING, NULL, EX_CONFIG, ": open: No such file or directory", false }, NOT_ROOT, 0, NOCHOWN },
	{ { "root: dangling symlink is not a missing file", DANGLING, NULL, EX_CONFIG, "dangling.policy: a symbolic link" UNSAFE, false }, ROOT, 0, NOCHOWN },

	/* what the file is, and who could have written it */
	{ { "FIFO", FIFO, NULL, EX_CONFIG, "fifo.policy: not a regular file", false }, ANYONE, 0, NOCHOWN },
	{ { "folder", FOLDER, NULL, EX_CONFIG, ": not a regular file", false }, ANYONE, 0, NOCHOWN },
	{ { "root: owned by another user", OWNER, NODE, EX_CONFIG, "test.policy: owned by uid 65534" UNSAFE, false }, ROOT, 0, NOBODY },
	{ { "root: writable by others", MODE, NODE, EX_CONFIG, "test.policy: writable by others (mode 0666)" UNSAFE, false }, ROOT, 0666, NOCHOWN },
	{ { "root: writable by its group", MODE, NODE, EX_CONFIG, "test.policy: writable by its group (mode 0620)" UNSAFE, false }, ROOT, 0620, NOCHOWN },
	{ { "root: read-only is fine", MODE, NODE, 0, " user=daemon ", false }, ROOT, 0400, NOCHOWN },
	{ { "root: symlink refused", SYMLINK, NODE, EX_CONFIG, "link.policy: a symbolic link" UNSAFE " (name the file itself)", false }, ROOT, 0, NOCHOWN },
	{ { "root: folder owned by another user", SUBDIR, NODE, EX_CONFIG, "/sub: owned by uid 65534" UNSAFE, false }, ROOT, 0755, NOBODY },
	{ { "root: folder writable by its group", SUBDIR, NODE, EX_CONFIG, "/sub: writable by its group (mode 0775)" UNSAFE, false }, ROOT, 0775, NOCHOWN },
	{ { "root: folder writable by others", SUBDIR, NODE, EX_CONFIG, "/sub: writable by others (mode 0777)" UNSAFE, false }, ROOT, 0777, NOCHOWN },
	{ { "root: sticky folder is fine", SUBDIR, NODE, 0, " user=daemon ", false }, ROOT, 01777, NOCHOWN },
	{ { "not root: symlink followed", SYMLINK, NODE, 0, " user=daemon ", false }, NOT_ROOT, 0, NOCHOWN },
	{ { "not root: writable by others is fine", MODE, NODE, 0, " user=daemon ", false }, NOT_ROOT, 0666, NOCHOWN },
	{ { "not root: folder writable by others is fine", SUBDIR, NODE, 0, " user=daemon ", false }, NOT_ROOT, 0777, NOCHOWN },
};

static char dir[] = "/tmp/kzpolicy-test.XXXXXX";
static char *path, *missing, *dangling, *link_path, *fifo, *sub, *sub_file, *passwd;
static bool root;

static void fail_setup(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(255);
}

static void write_file(const char *file, const char *text)
{
	FILE *f = fopen(file, "we");

	if (!f || fputs(text, f) == EOF || fclose(f) == EOF)
		fail_setup(file);
}

static void put_ids(FILE *f, const char *tag, const unsigned *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s%u", i ? "," : "", tag, ids[i]);
}

static void put_who(FILE *f, const char *name, const struct policy_who *who)
{
	fprintf(f, " %s=", name);
	put_ids(f, "u", who->uids, who->nuids);
	if (who->nuids && who->ngids)
		fputc(',', f);
	put_ids(f, "g", who->gids, who->ngids);
}

/* Every field of a loaded policy as " key=value ... ", lists comma-separated. */
static char *render(const struct policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		fail_setup("open_memstream");
	fprintf(f, " user=%s uid=%u gid=%u groups=", p->user, p->uid, p->gid);
	put_ids(f, "", p->groups, p->ngroups);
	fputs(" caps=", f);
	for (size_t i = 0; i < p->ncaps; i++)
		fprintf(f, "%s%d", i ? "," : "", p->caps[i]);
	if (p->has_nofile)
		fprintf(f, " nofile=%llu", (unsigned long long)p->nofile);
	else
		fputs(" nofile=-", f);
	if (!p->has_core)
		fputs(" core=-", f);
	else if (p->core == RLIM_INFINITY)
		fputs(" core=unlimited", f);
	else
		fprintf(f, " core=%llu", (unsigned long long)p->core);
	if (p->has_umask)
		fprintf(f, " umask=%04o", (unsigned)p->umask);
	else
		fputs(" umask=-", f);
	put_who(f, "attach", &p->attach);
	put_who(f, "watch", &p->watch);
	put_who(f, "stop", &p->stop);
	fprintf(f, " stop_timeout=%u start_timeout=%u dir=%s max_size=%llu generations=%u ", p->stop_timeout,
		p->start_timeout, p->log_dir, p->log_max_size, p->log_generations);
	fprintf(f, "watchdog=%u ", p->watchdog);
	if (p->ready_mod[0])
		fprintf(f, "ready=%s:%s ", p->ready_mod, p->ready_fun);
	else
		fputs("ready=- ", f);
	put_who(f, "sup", &p->sup);
	fputs(" sup_modules=", f);
	for (size_t i = 0; i < p->nsup_modules; i++)
		fprintf(f, "%s%s", i ? "," : "", p->sup_modules[i]);
	fputc(' ', f);
	if (fclose(f) == EOF)
		fail_setup("render");
	return text;
}

static bool all_zero(const struct policy *p)
{
	static const struct policy zero;

	return !memcmp(p, &zero, sizeof zero);
}

static void must(int rc, const char *what)
{
	if (rc < 0)
		fail_setup(what);
}

/* /etc/passwd plus kzgid0, whose primary group is 0 (no real Debian user has that). */
static void write_passwd(void)
{
	FILE *in = fopen("/etc/passwd", "re");
	char *text = NULL, *all = NULL;
	size_t cap = 0;
	ssize_t n = in ? getdelim(&text, &cap, '\0', in) : -1;

	if (n < 0 || asprintf(&all, "%s%skzgid0:x:4242:0:kzlaunch test:/nonexistent:/usr/sbin/nologin\n",
			      text, n > 0 && text[n - 1] != '\n' ? "\n" : "") < 0)
		fail_setup("/etc/passwd");
	fclose(in);
	write_file(passwd, all);
	free(text);
	free(all);
}

static const char *setup(const struct file_case *f)
{
	const struct load_case *c = &f->c;

	switch (c->setup) {
	case WRITE:
		write_file(path, c->text);
		return path;
	case MISSING:
		return missing;
	case DANGLING:
		return dangling;
	case OWNER:
		write_file(path, c->text);
		must(chown(path, f->owner, (gid_t)-1), "chown");
		return path;
	case MODE:
		write_file(path, c->text);
		must(chmod(path, f->mode), "chmod");
		return path;
	case SYMLINK:
		write_file(path, c->text);
		must(symlink(path, link_path), "symlink");
		return link_path;
	case FIFO:
		must(mkfifo(fifo, 0644), "mkfifo");
		return fifo;
	case FOLDER:
		return dir;
	case SUBDIR:
		must(mkdir(sub, 0700), "mkdir");
		write_file(sub_file, c->text);
		must(chmod(sub_file, 0644), "chmod"); /* nobody reads it on NOT_ROOT rows */
		must(chown(sub, f->owner, (gid_t)-1), "chown");
		must(chmod(sub, f->mode), "chmod"); /* after chown, which clears no bits on folders */
		return sub_file;
	case ROOT_GROUP:
		write_file(path, c->text);
		write_passwd();
		return path;
	}
	return NULL;
}

/* Back to the folder make_dir() left: a fresh file for every row, so no owner or mode
 * carries over (fopen "w" keeps both). */
static void cleanup(void)
{
	const char *files[] = { path, link_path, fifo, sub_file, passwd };

	for (size_t i = 0; i < COUNT(files); i++)
		if (unlink(files[i]) < 0 && errno != ENOENT)
			fail_setup(files[i]);
	if (rmdir(sub) < 0 && errno != ENOENT)
		fail_setup(sub);
}

/* Loads the row's file and says whether it did what the row wants, with diagnostics if not. */
static bool check_load_case(const struct load_case *c, const char *file)
{
	struct policy p;
	struct kz_err err = { 0, NULL };
	bool pass;
	int rc, saved;

	/* A folder at fault is named first, and it is a prefix of the file's path. */
	const char *prefix = c->setup == SUBDIR ? sub : file;

	memset(&p, 0xa5, sizeof p); /* policy_load must not rely on a zeroed struct */
	rc = policy_load(file, &p, &err);
	saved = errno;
	if (c->status == 0) {
		char *got = rc == 0 ? render(&p) : NULL;

		pass = rc == 0 && strstr(got, c->want) && !strcmp(p.file, file);
		if (!pass) {
			tap_diag("error: %s", err.msg ? err.msg : "(none)");
			tap_diag("got:  '%s'", got ? got : "(null)");
			tap_diag("want: '%s'", c->want);
		}
		free(got);
	} else {
		pass = rc == -1 && err.status == c->status && err.msg &&
		       !strncmp(err.msg, prefix, strlen(prefix)) && strstr(err.msg, c->want) &&
		       (saved == ENOENT) == c->enoent && all_zero(&p);
		if (!pass) {
			tap_diag("rc %d, status %d, errno %d, struct %s", rc, err.status, saved,
				 all_zero(&p) ? "zeroed" : "not zeroed");
			tap_diag("got:  '%s'", err.msg ? err.msg : "(null)");
			tap_diag("want: '%s'", c->want);
		}
	}
	policy_free(&p);
	kz_err_clear(&err);
	return pass;
}

/* ROOT_GROUP: in a child with its own mount namespace, /etc/passwd bind-mounted from ours,
 * so the machine's file is never touched.  Exit 0 pass, 1 fail, 2 cannot set it up. */
static void run_in_namespace(const struct load_case *c, const char *file)
{
	int status;
	pid_t pid;

	fflush(stdout); /* or the child prints our buffered lines again */
	pid = fork();
	if (pid < 0)
		fail_setup("fork");
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(passwd, "/etc/passwd", NULL, MS_BIND, NULL) < 0) {
			tap_diag("%s: private /etc/passwd: %s", c->name, strerror(errno));
			exit(2);
		}
		exit(check_load_case(c, file) ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) < 0)
		fail_setup("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
		tap_skip("needs a private mount namespace (CAP_SYS_ADMIN)");
	else
		tap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", c->name);
}

static void run_file_case(const struct file_case *f)
{
	const struct load_case *c = &f->c;
	const char *file;
	bool pass;

	if (f->caller == ROOT && !root) {
		char why[256];

		snprintf(why, sizeof why, "%s: needs root", c->name);
		tap_skip(why);
		return;
	}
	file = setup(f);
	if (c->setup == ROOT_GROUP) {
		run_in_namespace(c, file);
	} else if (f->caller == NOT_ROOT && root) {
		must(seteuid(NOBODY), "seteuid");
		pass = check_load_case(c, file);
		must(seteuid(0), "seteuid");
		tap_ok(pass, "%s", c->name);
	} else {
		tap_ok(check_load_case(c, file), "%s", c->name);
	}
	cleanup();
}

static void run_load_case(const struct load_case *c)
{
	run_file_case(&(const struct file_case){ *c, ANYONE, 0, NOCHOWN });
}

/* nofile exactly at fs.nr_open loads and one more is refused, whatever this machine's is. */
static void run_nr_open(void)
{
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	unsigned long long max = 1048576; /* what policy_load falls back to */
	char *at_text, *at_want, *above_text, *above_want;

	if (f && fscanf(f, "%llu", &max) != 1)
		max = 1048576;
	if (f)
		fclose(f);
	if (asprintf(&at_text, NODE "nofile = %llu\n", max) < 0 ||
	    asprintf(&at_want, " nofile=%llu ", max) < 0 ||
	    asprintf(&above_text, NODE "nofile = %llu\n", max + 1) < 0 ||
	    asprintf(&above_want, ":3: [node] nofile: %llu is above fs.nr_open (%llu)", max + 1, max) < 0)
		fail_setup("asprintf");
	run_load_case(&(struct load_case){ "nofile at fs.nr_open", WRITE, at_text, 0, at_want, false });
	run_load_case(&(struct load_case){ "nofile above fs.nr_open", WRITE, above_text, EX_CONFIG,
					   above_want, false });
	free(at_text);
	free(at_want);
	free(above_text);
	free(above_want);
}

/* A loaded file's lists name what it says (tests/unit/rights.c asks every rule), and an
 * empty list allows nobody. */
static void run_who_loaded(void)
{
	struct policy p;
	struct kz_err err = { 0, NULL };
	gid_t adm = 4;

	write_file(path, CONTROL "attach = daemon, @adm\n");
	if (policy_load(path, &p, &err) < 0) {
		tap_ok(0, "who: loaded policy");
		tap_diag("%s", err.msg ? err.msg : "(null)");
		tap_ok(0, "who: empty list");
		kz_err_clear(&err);
		return;
	}
	tap_ok(rights_who_allows(&p.attach, &(struct rights_peer){ 1, 1, NULL, 0 }) &&
		       rights_who_allows(&p.attach, &(struct rights_peer){ 65534, 65534, &adm, 1 }) &&
		       !rights_who_allows(&p.attach, &(struct rights_peer){ 65534, 65534, NULL, 0 }),
	       "who: loaded policy");
	tap_ok(!rights_who_allows(&p.stop, &(struct rights_peer){ 0, 0, NULL, 0 }), "who: empty list");
	policy_free(&p);
}

/* policy_sup_allows over a policy made here: one row per item list and call. */
struct sup_case {
	const char *name;
	char *items[4];
	const char *mod, *fun;
	bool want;
};

static const struct sup_case sup_cases[] = {
	{ "module item, any function", { "kapps_controller" }, "kapps_controller", "restart_app", true },
	{ "module item, a longer module", { "kapps_controller" }, "kapps_controllers", "f", false },
	{ "module item, a shorter module", { "kapps_controller" }, "kapps_controlle", "f", false },
	{ "case matters", { "kz_nodes" }, "KZ_NODES", "status", false },
	{ "suffix pattern", { "*_maintenance" }, "kazoo_maintenance", "flush", true },
	{ "suffix pattern, one byte more", { "*_maintenance" }, "kazoo_maintenancex", "flush", false },
	{ "suffix pattern, star empty", { "*_maintenance" }, "_maintenance", "flush", true },
	{ "suffix pattern, no underscore", { "*_maintenance" }, "maintenance", "flush", false },
	{ "suffix pattern, twice over", { "*_maintenance" }, "a_maintenance_maintenance", "f", true },
	{ "prefix pattern", { "kz_*" }, "kz_nodes", "status", true },
	{ "prefix pattern, star empty", { "kz_*" }, "kz_", "status", true },
	{ "prefix pattern, prefix cut", { "kz_*" }, "kz", "status", false },
	{ "prefix pattern, inside a name", { "kz_*" }, "xkz_nodes", "status", false },
	{ "a*b*c, all stars empty", { "a*b*c" }, "abc", "f", true },
	{ "a*b*c, both filled", { "a*b*c" }, "aXbYc", "f", true },
	{ "a*b*c, b twice", { "a*b*c" }, "abbc", "f", true },
	{ "a*b*c, c again after", { "a*b*c" }, "abcbc", "f", true },
	{ "a*b*c, no c", { "a*b*c" }, "ab", "f", false },
	{ "a*b*c, out of order", { "a*b*c" }, "acb", "f", false },
	{ "a*b*c, a byte after c", { "a*b*c" }, "aXbYcZ", "f", false },
	{ "two stars in a row", { "a**b" }, "ab", "f", true },
	{ "many stars, no match, quickly", { "*a*a*a*a*a*a*a*a*b" },
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "f", false },
	{ "M:F", { "kazoo_maintenance:syslog_level" }, "kazoo_maintenance", "syslog_level", true },
	{ "M:F, another function", { "kazoo_maintenance:syslog_level" }, "kazoo_maintenance", "flush", false },
	{ "M:F, a longer function", { "kazoo_maintenance:syslog_level" }, "kazoo_maintenance", "syslog_levels", false },
	{ "M:F, a shorter function", { "kazoo_maintenance:syslog_level" }, "kazoo_maintenance", "syslog", false },
	{ "M:F, another module", { "kazoo_maintenance:syslog_level" }, "kz_nodes", "syslog_level", false },
	{ "M:*, any function", { "kz_nodes:*" }, "kz_nodes", "status", true },
	{ "M:*, another module", { "kz_nodes:*" }, "kz_node", "status", false },
	{ "pattern:F", { "*_maintenance:flush" }, "kazoo_maintenance", "flush", true },
	{ "pattern:F, another function", { "*_maintenance:flush" }, "kazoo_maintenance", "refresh", false },
	{ "function pattern", { "kz_nodes:*_status" }, "kz_nodes", "node_status", true },
	{ "function pattern, no match", { "kz_nodes:*_status" }, "kz_nodes", "status", false },
	{ "no items allow nothing", { NULL }, "kz_nodes", "status", false },
	{ "a later item", { "kapps_controller", "kz_nodes" }, "kz_nodes", "status", true },
	{ "none of several", { "kapps_controller", "kz_nodes", "*_maintenance" }, "erlang", "halt", false },
	/* a name no item could spell never matches, whatever a `*` would stand for */
	{ "a quote in the module", { "kz_*" }, "kz_x'", "f", false },
	{ "a slash in the module", { "kz_*" }, "kz_/../os", "cmd", false },
	{ "a colon in the module", { "kz_*" }, "kz_a:b", "f", false },
	{ "a dot in the module", { "*_maintenance" }, "os.x_maintenance", "f", false },
	{ "UTF-8 in the module", { "kz_*" }, "kz_n\xc3\xb6" "des", "f", false },
	{ "a parenthesis in the function", { "kz_nodes" }, "kz_nodes", "status()", false },
	{ "a space in the function", { "kz_nodes:*" }, "kz_nodes", "status ", false },
	{ "an empty module", { "kz_nodes" }, "", "status", false },
	{ "an empty function", { "kz_nodes" }, "kz_nodes", "", false },
	{ "digits, @ and capitals", { "M@x_1:*F*" }, "M@x_1", "isF2", true },
};

static void run_sup_case(const struct sup_case *c)
{
	struct policy p = { .sup_modules = (char **)c->items };

	while (p.nsup_modules < COUNT(c->items) && c->items[p.nsup_modules])
		p.nsup_modules++;
	tap_is_int(policy_sup_allows(&p, c->mod, c->fun), c->want, "sup allows: %s", c->name);
}

/* The files `make install` ships, read from the source tree (prove runs from its top).
 * They name the user kazoo, which only a Kazoo machine has: elsewhere they are skipped. */
static void run_shipped(const char *file)
{
	struct policy p;
	struct kz_err err = { 0, NULL };
	char *got;

	if (access(file, R_OK) < 0) {
		tap_skip("not run from the source tree");
		return;
	}
	if (!getpwnam("kazoo")) {
		tap_skip("no user kazoo on this machine");
		return;
	}
	if (policy_load(file, &p, &err) < 0) {
		tap_ok(0, "shipped %s", file);
		tap_diag("%s", err.msg ? err.msg : "(null)");
		kz_err_clear(&err);
		return;
	}
	got = render(&p);
	if (!tap_ok(strstr(got, " nofile=65536 core=unlimited umask=0027 ") &&
			    strstr(got, " stop_timeout=30 start_timeout=120 dir=/var/log/kazoo max_size=10485760 generations=10 "),
		    "shipped %s", file))
		tap_diag("got: '%s'", got);
	free(got);
	policy_free(&p);
}

static void make_dir(void)
{
	if (!mkdtemp(dir))
		fail_setup("mkdtemp");
	/* Root-owned and 0755: safe for root, and nobody can reach the files on NOT_ROOT rows. */
	must(chmod(dir, 0755), "chmod");
	if (asprintf(&path, "%s/test.policy", dir) < 0 ||
	    asprintf(&missing, "%s/missing.policy", dir) < 0 ||
	    asprintf(&dangling, "%s/dangling.policy", dir) < 0 ||
	    asprintf(&link_path, "%s/link.policy", dir) < 0 ||
	    asprintf(&fifo, "%s/fifo.policy", dir) < 0 ||
	    asprintf(&sub, "%s/sub", dir) < 0 ||
	    asprintf(&sub_file, "%s/sub/test.policy", dir) < 0 ||
	    asprintf(&passwd, "%s/passwd", dir) < 0)
		fail_setup("asprintf");
	if (symlink(missing, dangling) < 0)
		fail_setup("symlink");
}

static void remove_dir(void)
{
	/* ENOENT is fine: a row may not have written the file. */
	if ((unlink(path) < 0 && errno != ENOENT) || unlink(dangling) < 0 || rmdir(dir) < 0)
		tap_diag("cleaning %s: %s", dir, strerror(errno));
	free(path);
	free(missing);
	free(dangling);
	free(link_path);
	free(fifo);
	free(sub);
	free(sub_file);
	free(passwd);
}

int main(void)
{
	size_t nload = COUNT(load_cases);
	size_t nfile = COUNT(file_cases);
	size_t nsup = COUNT(sup_cases);

	tap_plan((unsigned)(nload + 2 + nfile + 4 + nsup));
	root = geteuid() == 0;
	umask(022); /* a group-writable file would be refused on every row run as root */
	make_dir();
	for (size_t i = 0; i < nload; i++)
		run_load_case(&load_cases[i]);
	run_nr_open();
	for (size_t i = 0; i < nfile; i++)
		run_file_case(&file_cases[i]);
	run_who_loaded();
	for (size_t i = 0; i < nsup; i++)
		run_sup_case(&sup_cases[i]);
	run_shipped("policy/kazoo_apps.policy");
	run_shipped("policy/ecallmgr.policy");
	remove_dir();
	return tap_done();
}
