#!/usr/bin/env bash
# conf/dualmasterd.service passes `systemd-analyze verify` cleanly (no warning at all), with
# @SBINDIR@ pointing at the freshly built binary, and keeps the settings the daemon relies on.
set -u
cd "$(dirname "$0")/../.."
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze"; exit 77; }
[ -x ./dualmasterd ] || { echo "build dualmasterd first (make)"; exit 1; }
tmp=$(mktemp -d /tmp/dm-unit-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

sed "s|@SBINDIR@|$PWD|g" conf/dualmasterd.service >"$tmp/dualmasterd.service"
grep -q '@' "$tmp/dualmasterd.service" && { echo "FAIL: unsubstituted @...@ left"; fail=1; }

# verify prints warnings (unknown keys, bad values) but exits 0 for them: any output is a failure.
out=$(systemd-analyze verify "$tmp/dualmasterd.service" 2>&1); rc=$?
if [ $rc -ne 0 ] || [ -n "$out" ]; then
	echo "FAIL: systemd-analyze verify (exit $rc):"; echo "$out"; fail=1
fi

# The check itself must be able to fail on this systemd: a misspelt key is reported.
mkdir "$tmp/bad"
sed 's|^NoNewPrivileges=|NoNewPrivilegez=|' "$tmp/dualmasterd.service" >"$tmp/bad/dualmasterd.service"
bad=$(systemd-analyze verify "$tmp/bad/dualmasterd.service" 2>&1)
[ -n "$bad" ] || { echo "FAIL: verify did not notice a misspelt key"; fail=1; }

for want in 'Type=notify' 'NotifyAccess=main' 'WatchdogSec=5s' 'ExecReload=/bin/kill -HUP $MAINPID' \
	'Restart=on-failure' 'RuntimeDirectory=dualmaster' 'RuntimeDirectoryMode=0750' \
	'AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN' 'CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN' \
	'NoNewPrivileges=yes' 'ProtectSystem=strict' 'ProtectHome=yes' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_NETLINK AF_PACKET' \
	"ExecStart=$PWD/dualmasterd -f /etc/dualmaster/dualmaster.conf"; do
	grep -qxF "$want" "$tmp/dualmasterd.service" || { echo "FAIL: missing line: $want"; fail=1; }
done
[ $fail -eq 0 ] && echo "unit verified"
exit $fail
