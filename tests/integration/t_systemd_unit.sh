#!/usr/bin/env bash
# `make install` into a scratch prefix gives a unit that passes `systemd-analyze verify` cleanly (no
# warning at all) and keeps the settings the daemon relies on; the install lays down every file the
# package ships and never replaces an existing configuration.
set -u
cd "$(dirname "$0")/../.."
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze"; exit 77; }
[ -x ./dualmasterd ] || { echo "build dualmasterd first (make)"; exit 1; }
tmp=$(mktemp -d /tmp/dm-unit-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
root=$tmp/root
inst() { make -s install PREFIX="$root" SYSCONFDIR="$root/etc" >"$tmp/install.log" 2>&1; }

inst || { echo "FAIL: make install"; cat "$tmp/install.log"; exit 1; }
unit=$root/lib/systemd/system/dualmasterd.service
for f in sbin/dualmasterd bin/dualmasterctl lib/systemd/system/dualmasterd.service \
	lib/sysusers.d/dualmaster.conf lib/firewalld/services/dualmaster-vrrp.xml \
	share/man/man8/dualmasterd.8 share/man/man8/dualmasterctl.8 share/man/man5/dualmaster.conf.5 \
	share/dualmaster/dualmaster.conf.example share/dualmaster/sql/monitor-user-mariadb.sql \
	etc/dualmaster/dualmaster.conf; do
	[ -e "$root/$f" ] || { echo "FAIL: make install left out $f"; fail=1; }
done
check_mode() { [ "$(stat -c %a "$1")" = "$2" ] || { echo "FAIL: $1 mode $(stat -c %a "$1"), want $2"; fail=1; }; }
check_mode "$root/etc/dualmaster/dualmaster.conf" 640
check_mode "$unit" 644

# A second install keeps what the operator wrote.
echo "# edited by the operator" >>"$root/etc/dualmaster/dualmaster.conf"
inst || { echo "FAIL: second make install"; cat "$tmp/install.log"; fail=1; }
grep -q "edited by the operator" "$root/etc/dualmaster/dualmaster.conf" ||
	{ echo "FAIL: make install replaced an existing configuration"; fail=1; }
grep -q "keeping" "$tmp/install.log" || { echo "FAIL: make install did not say it kept the file"; fail=1; }

grep -q '@' "$unit" && { echo "FAIL: unsubstituted @...@ left"; fail=1; }
# verify prints warnings (unknown keys, bad values) but exits 0 for them: any output is a failure.
out=$(systemd-analyze verify "$unit" 2>&1); rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "FAIL: systemd-analyze verify (exit $rc):"; echo "$out"; fail=1
fi

# The check itself must be able to fail on this systemd: a misspelt key is reported.
mkdir "$tmp/bad"
sed 's|^NoNewPrivileges=|NoNewPrivilegez=|' "$unit" >"$tmp/bad/dualmasterd.service"
bad=$(systemd-analyze verify "$tmp/bad/dualmasterd.service" 2>&1)
[ -n "$bad" ] || { echo "FAIL: verify did not notice a misspelt key"; fail=1; }

for want in 'Type=notify' 'NotifyAccess=main' 'WatchdogSec=5s' "ExecReload=$root/bin/dualmasterctl reload" \
	'Restart=on-failure' 'RuntimeDirectory=dualmaster' 'RuntimeDirectoryMode=0750' \
	'StateDirectory=dualmaster' \
	'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' \
	'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' 'LimitCORE=0' \
	'ReadWritePaths=-/var/lib/prometheus/node-exporter -/var/lib/node_exporter/textfile_collector' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_NETLINK AF_PACKET' \
	"ExecStartPre=$root/sbin/dualmasterd -t -f /etc/dualmaster/dualmaster.conf" \
	"ExecStart=$root/sbin/dualmasterd -f /etc/dualmaster/dualmaster.conf"; do
	grep -qxF "$want" "$unit" || { echo "FAIL: missing line: $want"; fail=1; }
done
# A credential whose file is missing keeps a unit from starting: none in the shipped unit.
grep -q '^LoadCredential=' "$unit" && { echo "FAIL: LoadCredential= in the shipped unit"; fail=1; }
[ $fail -eq 0 ] && echo "unit verified"
exit $fail
