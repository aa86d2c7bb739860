#!/usr/bin/env bash
# bash completion (contrib/bash-completion/kzlaunch), driven as bash drives it: COMP_WORDS and
# COMP_CWORD set, the completion function called, COMPREPLY read.  Needs no root.
. "$(dirname "$0")/lib.sh"

. "$TOP/contrib/bash-completion/kzlaunch"
mkdir -p "$T/policy" "$T/run" "$T/files"
: >"$T/policy/kazoo_apps.policy"
: >"$T/policy/ecallmgr.policy"
: >"$T/policy/Not-a-type.policy"
: >"$T/run/extra_node.sock"
: >"$T/files/config.ini"
export KZLAUNCH_POLICY=$T/policy/kazoo_apps.policy KZLAUNCH_RUNDIR=$T/run

# complete WORD...: the completions for the last word, sorted, on one line.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	case $1 in sup) _kzlaunch_sup ;; *) _kzlaunch ;; esac
	printf '%s\n' "${COMPREPLY[@]}" | sort | xargs
}

is "$(complete_line kzlaunch e)" "ecallmgr eval extra_node" "first word: node types (policies, sockets) and actions"
is "$(complete_line kzlaunch kazoo_apps st)" "start status stop" "after a node type: actions"
is "$(complete_line kzlaunch kazoo_apps start '')" "" "after an action: nothing"
is "$(complete_line kzlaunch --d)" "--dry-run" "options"
is "$(complete_line kzlaunch -c "$T/files/con")" "$T/files/config.ini" "-c: file names"
is "$(complete_line kzlaunch -d "$T/r")" "$T/run" "-d: folders"
is "$(complete_line kzlaunch -t 5 kazoo_apps rp)" "rpc rpcterms" "an option's value is not a word"
is "$(complete_line kzlaunch kazoo_apps rpc lists s)" "" "a call's words are its own"
is "$(complete_line kzlaunch N)" "" "a file that is not a node type's is left out"
is "$(complete_line sup -n k)" "kazoo_apps" "sup -n: node types"
is "$(complete_line sup -)" "-c -h -n -s -t -v" "sup: its options"

done_testing
