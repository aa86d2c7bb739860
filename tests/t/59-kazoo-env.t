#!/usr/bin/env bash
# What Kazoo's own code reads with os:getenv reaches the node as Kazoo expects it: KAZOO_APPS
# and KAZOO_ZONE as set, KAZOO_CONFIG from / (the VM runs in the release root), KAZOO_COOKIE
# never; and a cookie from a systemd credential ($CREDENTIALS_DIRECTORY/kazoo_cookie).
. "$(dirname "$0")/lib.sh"
need_root
ensure_users

write_config "env_cookie_$$"
write_policy kazoo_apps "[control]" "stop_timeout = 5"
NODE=$KAZOO_NODE@$HOST
_helpers+=(kazoo_apps)
K() { "$KZLAUNCH" kazoo_apps "$@"; }
run() { OUT=$("$@" 2>"$T/err"); RC=$?; ERR=$(cat "$T/err"); }

# ---- the environment, as --dry-run shows it and as the node reads it ----
run env -u KAZOO_CONFIG KAZOO_APPS=crossbar,callflow KAZOO_COOKIE=from_env_$$ \
	bash -c 'cd "$1" && "$2" -c config.ini kazoo_apps --dry-run start' _ "$T" "$KZLAUNCH"
is "$RC" 0 "--dry-run with KAZOO_APPS, KAZOO_COOKIE and a relative -c"
like "$OUT" "env: KAZOO_APPS=crossbar,callflow" "--dry-run lists KAZOO_APPS among the node's variables"
like "$OUT" "env: KAZOO_CONFIG=$T/config.ini" "and KAZOO_CONFIG from /, though -c named it from the current folder"
unlike "$OUT" "env: KAZOO_COOKIE" "KAZOO_COOKIE is not among them"

run env -u KAZOO_CONFIG KAZOO_APPS=crossbar,callflow KAZOO_ZONE=local KAZOO_COOKIE=from_env_$$ \
	bash -c 'cd "$1" && "$2" -c config.ini kazoo_apps start' _ "$T" "$KZLAUNCH"
is "$RC" 0 "the node started with them"
[ "$RC" = 0 ] || { diag "$ERR"; done_testing; }
run K eval 'os:getenv("KAZOO_APPS").'
is "$OUT" '"crossbar,callflow"' "the node reads KAZOO_APPS as set"
run K eval 'os:getenv("KAZOO_ZONE").'
is "$OUT" '"local"' "and KAZOO_ZONE"
run K eval 'os:getenv("KAZOO_CONFIG").'
is "$OUT" "\"$T/config.ini\"" "and KAZOO_CONFIG as a path from /, which it can open from the release root"
run K eval 'os:getenv("KAZOO_COOKIE").'
is "$OUT" "false" "but never KAZOO_COOKIE"
run K eval 'erlang:get_cookie().'
is "$OUT" "from_env_$$" "KAZOO_COOKIE was the cookie all the same"
run K stop
is "$RC" 0 "stopped"

# ---- a cookie from a systemd credential ----
CRED=$T/credentials
mkdir -p "$CRED"
printf 'credential_%s\n' "$$" >"$CRED/kazoo_cookie"
chmod 0400 "$CRED/kazoo_cookie"
run env CREDENTIALS_DIRECTORY="$CRED" "$KZLAUNCH" kazoo_apps --dry-run console
like "$OUT" "cookie: from the systemd credential $CRED/kazoo_cookie" "--dry-run names the credential as the cookie's source"
run env CREDENTIALS_DIRECTORY="$CRED" "$KZLAUNCH" kazoo_apps read-release-cookie
is "$OUT" "credential_$$" "read-release-cookie prints the credential's cookie, without its newline"
like "$ERR" "the cookie of the systemd credential $CRED/kazoo_cookie, not config.ini's" "and says where it came from"
run env CREDENTIALS_DIRECTORY="$T/nowhere" "$KZLAUNCH" kazoo_apps read-release-cookie
is "$OUT:$ERR" "env_cookie_$$:" "no kazoo_cookie in the folder: config.ini's, and nothing said"

run env CREDENTIALS_DIRECTORY="$CRED" "$KZLAUNCH" kazoo_apps start
is "$RC" 0 "started with the credential"
run K eval 'erlang:get_cookie().'
is "$OUT" "credential_$$" "the node's cookie is the credential's; a call through the helper needs none"
run K stop
is "$RC" 0 "stopped"

printf 'bad\033[2Jcookie' >"$CRED/kazoo_cookie"
run env CREDENTIALS_DIRECTORY="$CRED" "$KZLAUNCH" kazoo_apps --dry-run console
is "$RC" 78 "a credential with a control character: 78"
like "$ERR" "$CRED/kazoo_cookie" "naming the file"
unlike "$ERR" $'\033' "and never printing the byte"
head -c 300 /dev/zero | tr '\0' a >"$CRED/kazoo_cookie"
run env CREDENTIALS_DIRECTORY="$CRED" "$KZLAUNCH" kazoo_apps --dry-run console
is "$RC" 78 "a credential over 255 bytes: 78"
rm "$CRED/kazoo_cookie"
mkdir "$CRED/kazoo_cookie"
run env CREDENTIALS_DIRECTORY="$CRED" "$KZLAUNCH" kazoo_apps --dry-run console
is "$RC:$ERR" "78:kzlaunch: $CRED/kazoo_cookie: not a regular file" "a folder in its place: 78, one line"

done_testing
