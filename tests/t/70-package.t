#!/usr/bin/env bash
# The Debian package, as an operator gets it: built from a copy of this tree with Debian's
# tools, lintian-clean, installed with apt-get, run against the installed policies and the
# demo release, purged, and nothing of it left.  As root, on a machine where installing a
# package is allowed (CI's).
. "$(dirname "$0")/lib.sh"
need_root
for tool in dpkg-buildpackage lintian apt-get dh; do
	command -v "$tool" >/dev/null || skip_all "needs $tool (scripts/deps installs debhelper and lintian)"
done
dpkg-query -W -f='${Status}' kzlaunch 2>/dev/null | grep -q 'install ok installed' &&
	skip_all "a kzlaunch package is installed already: this test would replace and purge it"
ensure_users
getent passwd kazoo >/dev/null ||
	useradd --system --gid daemon --no-create-home --home-dir /opt/kazoo --shell /usr/sbin/nologin kazoo
at_exit 'dpkg-query -W kzlaunch >/dev/null 2>&1 && apt-get purge -y -q kzlaunch >/dev/null 2>&1'

# The tree as a clone holds it: no build output, no demo release, no git.
mkdir -p "$T/src/kzlaunch"
tar -C "$TOP" --exclude=./build --exclude=./_build --exclude=./_rel --exclude=./.git -cf - . |
	tar -C "$T/src/kzlaunch" -xf -
(cd "$T/src/kzlaunch" && dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1
rc=$?
is "$rc" 0 "dpkg-buildpackage builds it"
[ "$rc" = 0 ] || diag "$(tail -n 20 "$T/build.log")"
version=$(cat "$TOP/VERSION")
deb=$(ls "$T"/src/kzlaunch_"$version"_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$T"/src/kzlaunch_"$version"_*.changes 2>/dev/null | head -n 1)
like "$deb" "kzlaunch_${version}_[a-z0-9]+\\.deb$" "kzlaunch_VERSION_ARCH.deb"

lint=$(lintian --fail-on error,warning "$changes" "$deb" 2>&1)
rc=$?
is "$rc" 0 "lintian: no error, no warning"
is "$(echo "$lint" | grep -c '^[EW]:')" 0 "lintian reports nothing worse than information"
[ "$rc" = 0 ] || diag "$lint"

listing=$(dpkg-deb -c "$deb")
names=$(echo "$listing" | awk '{ print $6 }')
is "$(echo "$listing" | awk '$1 ~ /^-..[sS]|^-.....[sS]/' | wc -l)" 0 "nothing setuid or setgid"
for f in usr/sbin/kzlaunch usr/libexec/kzlaunch/kzlaunch-helper etc/kzlaunch/kazoo_apps.policy \
	etc/kzlaunch/ecallmgr.policy usr/lib/systemd/system/kazoo_apps.service usr/lib/systemd/system/ecallmgr.service \
	usr/share/man/man8/kzlaunch.8.gz usr/share/man/man8/kzlaunch-helper.8.gz \
	usr/share/bash-completion/completions/kzlaunch; do
	check "ships /$f" -- grep -qx "\./$f" <<<"$names"
done
mkdir "$T/control"
dpkg-deb -e "$deb" "$T/control"
is "$(sort "$T/control/conffiles" | xargs)" "/etc/kzlaunch/ecallmgr.policy /etc/kzlaunch/kazoo_apps.policy" \
	"the policies are conffiles"
is "$(ls "$T/control" | grep -E -c '^(pre|post)(inst|rm)$')" 0 "no maintainer scripts"

apt-get install -y -q "$deb" >"$T/apt.log" 2>&1
rc=$?
is "$rc" 0 "apt-get installs it"
[ "$rc" = 0 ] || diag "$(tail -n 5 "$T/apt.log")"
is "$(/usr/sbin/kzlaunch version)" "kzlaunch $version" "the installed kzlaunch runs"
/usr/sbin/kzlaunch --help >/dev/null
is "$?" 0 "--help"
is "$(getcap /usr/sbin/kzlaunch /usr/libexec/kzlaunch/kzlaunch-helper 2>/dev/null)" "" "no file capabilities"
write_config
unset KZLAUNCH_POLICY
uid=$(id -u kazoo)
for rel in kazoo_apps ecallmgr; do
	dry=$(/usr/sbin/kzlaunch "$rel" --dry-run foreground 2>&1)
	is "$?" 0 "$rel: a dry run with the installed policy and the demo release"
	like "$dry" "policy: /etc/kzlaunch/$rel.policy" "$rel: the installed policy is the default"
	like "$dry" "user: kazoo \\($uid\\)" "$rel: as the policy says"
done

# The units as installed, with the programs and man pages they name in place.
if command -v systemd-analyze >/dev/null; then
	for u in kazoo_apps ecallmgr; do
		v=$(systemd-analyze verify "/usr/lib/systemd/system/$u.service" 2>&1)
		is "$?:$v" "0:" "systemd-analyze verify $u.service"
		# The issue's bound: an exposure of at most 2.5 (the figure is printed to one decimal).
		score=$(systemd-analyze security --offline=true "/usr/lib/systemd/system/$u.service" 2>&1 |
			sed -n 's/.*Overall exposure level for .*: \([0-9]*\.[0-9]\).*/\1/p')
		check "$u.service: exposure $score, at most 2.5" -- awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.5) }'
	done
else
	for _ in 1 2 3 4; do skip "no systemd-analyze"; done
fi

files=$(dpkg -L kzlaunch)
apt-get purge -y -q kzlaunch >"$T/purge.log" 2>&1
is "$?" 0 "apt-get purge removes it"
left=""
while read -r f; do
	[ -d "$f" ] && continue
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done <<<"$files"
is "$left" "" "no file of the package is left"
for d in /etc/kzlaunch /usr/libexec/kzlaunch /usr/share/doc/kzlaunch; do
	check "$d is gone" -- not test -e "$d"
done

done_testing
