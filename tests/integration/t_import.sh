#!/usr/bin/env bash
# dualmasterctl import-keepalived on every keepalived.conf under tests/unit/keepalived/: exit 0, a
# summary on stderr, the expected settings and comments, and an output that `dualmasterd -t`
# accepts once its password file and hooks point at files of this test (0600 password file,
# executable hook). A malformed file exits 1 naming FILE:LINE; usage errors exit 2; no daemon is
# contacted (the socket named does not exist). No root, no namespaces.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ -x ./dualmasterctl ] && [ -x ./dualmasterd ] || { echo "FAIL: build dualmasterctl and dualmasterd first (make)"; exit 1; }
fixtures=$(ls tests/unit/keepalived/*.conf 2>/dev/null)
[ "$(printf '%s\n' "$fixtures" | grep -c .)" -ge 5 ] || { echo "FAIL: fewer than 5 fixtures in tests/unit/keepalived/"; exit 1; }
tmp=$(mktemp -d /tmp/dm-import-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
# No daemon: a socket that cannot exist, by option and by environment.
export DUALMASTER_SOCKET=$tmp/no-such.sock
ctl() { ./dualmasterctl -s "$tmp/no-such.sock" "$@"; }

(umask 077; echo secret >"$tmp/mysql.password")
printf '#!/bin/sh\nexit 0\n' >"$tmp/hook"
chmod 0755 "$tmp/hook"

# expect FIXTURE LINE...: each LINE (fixed text) is in the output of FIXTURE, comments unwrapped.
expect() {
	local f=$1 out line; shift
	out=$(sed -E ':a; N; $!ba; s/\n *#   / /g' "$tmp/$f.out")
	for line in "$@"; do
		grep -qF -- "$line" <<<"$out" || bad "$f: no line with: $line"
	done
}

for k in $fixtures; do
	f=$(basename "$k" .conf)
	ctl import-keepalived "$k" >"$tmp/$f.out" 2>"$tmp/$f.err"; rc=$?
	[ $rc -eq 0 ] || { bad "$f: exit $rc: $(cat "$tmp/$f.err")"; continue; }
	grep -q "^dualmasterctl: $k: [0-9]* keepalived setting(s) not carried" "$tmp/$f.err" ||
		bad "$f: no summary on stderr: $(cat "$tmp/$f.err")"
	expect "$f" "imported from the keepalived configuration $k" "dualmasterd -t -f THIS_FILE" \
		'password_file = "/etc/dualmaster/mysql.password"' "mysql local {" "mysql peer {"
	ctl import-keepalived "$k" 2>/dev/null | cmp -s - "$tmp/$f.out" || bad "$f: a second run differs"
	# The password file and the hooks the output names, made real for the check.
	sed -E "s|^( *password_file = )\".*\"|\1\"$tmp/mysql.password\"|; s|^( *on_[a-z]+ = )\".*\"|\1\"$tmp/hook\"|" \
		"$tmp/$f.out" >"$tmp/$f.dm.conf"
	if ! out=$(./dualmasterd -t -f "$tmp/$f.dm.conf" 2>&1); then
		bad "$f: dualmasterd -t refuses the import:"; echo "$out"
	elif ! grep -q "configuration OK" <<<"$out"; then
		bad "$f: dualmasterd -t: $out"
	fi
done

expect a-multicast-v2-two-instances 'node_name = "DB_NODE_1"' "vrid = 51" "version = 2" 'auth_pass = "s3cr3t\$1"' \
	'vips = {"192.0.2.50/24"}' "track_script weight -20 is not applied" "interval_ms = 2000" \
	'on_master = "/etc/keepalived/to_master.sh"' "# not carried: vrrp_instance VI_APP" "# CHANGE ME: the other node's"
expect b-unicast-v2-nopreempt "vrid = 61" 'interface = "ens192"' "preempt = false" \
	'unicast_peers = {"192.0.2.11"}' 'src_ip = "192.0.2.12"' 'host = "192.0.2.11"' 'auth_pass = "longerpa"' \
	"keepalived uses the first 8 characters of auth_pass" "fall = 3" "timeout_ms = 2000"
expect c-vrrpv3-fast-ping "version = 3" "advert_interval_ms = 100" "priority = 254" \
	'targets = {"192.0.2.1"}' "checks reachability: dualmasterd's tiebreaker does that" "preempt_delay_ms = 5000"
expect d-mysql-master-master-tutorial "vrid = 71" "# not carried: state MASTER" "rise = 1" \
	"track_script weight -30 is not applied" 'vips = {"192.0.2.200/32"}' "keepalived's default /32 is kept" \
	'then set on_master = "/etc/keepalived/mysql_notify.sh"' "must be dropped (two things flipping read_only fight)"
expect e-email-labels-garp 'vips = {"192.0.2.10/24", "192.0.2.11/32"}' 'options "label bond0:vip"' \
	"192.0.2.12 is on dev eth2" "garp_repeat = 4" "garp_refresh_ms = 60000" "# not carried: notification_email {" \
	"# not carried: eth2 (line 30)" "# not carried: include /etc/keepalived/conf.d/*.conf" \
	"# not carried: virtual_server 192.0.2.10 3306"
expect f-ipv6-dual-stack 'vips = {"fe80::52/64", "2001:db8::50/64", "2001:db8::51/128", "192.0.2.50/24"}' \
	"version = 3" "keepalived runs such an instance with VRRPv3" "not carried: unicast_peer 192.0.2.12, not of the family" \
	"# not carried: 192.0.2.70/24 (line 22)" "# not carried: 2001:db8::60/64 (line 26)" \
	"an IPv6 instance sends from the interface's link-local address"
grep -q "^ *src_ip = \|^ *unicast_peers = " "$tmp/f-ipv6-dual-stack.out" &&
	bad "f-ipv6-dual-stack: IPv4 unicast settings carried into an IPv6 instance"

# ---- malformed files: exit 1, FILE:LINE, nothing on stdout ----
refuse() { # NAME WANT-ON-STDERR: the file $tmp/NAME.conf is refused
	local out rc
	out=$(ctl import-keepalived "$tmp/$1.conf" 2>"$tmp/$1.err"); rc=$?
	[ $rc -eq 1 ] || bad "$1: exit $rc, not 1"
	[ -z "$out" ] || bad "$1: output on stdout"
	grep -qF -- "$2" "$tmp/$1.err" || bad "$1: stderr lacks '$2': $(cat "$tmp/$1.err")"
}
printf 'vrrp_instance V {\n  interface eth0\n  auth_pass "abc\n}\n' >"$tmp/quote.conf"
refuse quote "$tmp/quote.conf:3: unterminated quoted string"
printf 'vrrp_instance V {\n  virtual_ipaddress {\n    192.0.2.5/24\n}\n' >"$tmp/brace.conf"
refuse brace "$tmp/brace.conf:1: the '{' of \"vrrp_instance\" is never closed"
printf 'global_defs {\n  router_id x\n}\n}\n' >"$tmp/extra.conf"
refuse extra "$tmp/extra.conf:4: '}' without a matching '{'"
printf 'global_defs {\n  router_id x\n}\n' >"$tmp/noinst.conf"
refuse noinst "$tmp/noinst.conf:4: no vrrp_instance"
: >"$tmp/empty.conf"
refuse empty "$tmp/empty.conf:1: empty file, no vrrp_instance"
refuse missing "$tmp/missing.conf: No such file or directory"
head -c 1100000 /dev/zero | tr '\0' ' ' >"$tmp/big.conf"
refuse big "$tmp/big.conf: larger than 1 MiB"

# ---- usage ----
ctl import-keepalived >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || bad "import-keepalived without FILE: exit $rc, not 2"
ctl import-keepalived a b >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || bad "import-keepalived with two files: exit $rc, not 2"
ctl --help | grep -q "import-keepalived FILE" || bad "usage does not list import-keepalived FILE"

[ $fail -eq 0 ] && echo "import-keepalived: $(printf '%s\n' "$fixtures" | grep -c .) fixtures imported and accepted by dualmasterd -t"
exit $fail
