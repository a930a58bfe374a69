#!/usr/bin/env bash
# Hostile and careless input on the real scene: forged adverts from the client namespace change
# nothing and are counted; a second dualmasterd on the master exits and the VIP stays; a VIP
# deleted by hand comes back; a hook sees no MySQL socket and no capability.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
. tests/lab/lab_check.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

st() { dm_get "$@"; }
state_is() { [ "$(st "$1" 's["state"]')" = "$2" ]; }
settled() {
	state_is node1 MASTER && state_is node2 BACKUP && [ "$(lab_vip_holder)" = node1 ]
}
counter() { st "$1" "s[\"counters\"]$2"; }

make -s build/tools/vrrp_sock_probe >/dev/null || { echo "FAIL: cannot build vrrp_sock_probe"; exit 1; }
PROBE=$PWD/build/tools/vrrp_sock_probe

lab_up || exit 1
trap lab_down EXIT
# node2's on_backup hook records what it inherited: its descriptors and its capabilities.
cat >"$LAB_DIR/hook.sh" <<EOF
#!/bin/sh
ls -l /proc/\$\$/fd/ > "$LAB_DIR/hook.fds" 2>&1
grep -E '^Cap(Prm|Eff|Amb):' /proc/\$\$/status > "$LAB_DIR/hook.caps"
EOF
chmod 0755 "$LAB_DIR/hook.sh"
LAB_DM_HOOKS_EXTRA="on_backup = \"$LAB_DIR/hook.sh\"" lab_write_dm_conf node2 100 || exit 1
lab_write_dm_conf node1 150 || exit 1
lab_start_dm node1 || exit 1
check "node1 MASTER" lab_wait_for "node1 MASTER" 15 state_is node1 MASTER
lab_start_dm node2 || exit 1
check "the pair settles on node1" lab_wait_for "settled" 15 settled

# ---- a hook inherits no MySQL session and no capability ----
check "node2's on_backup hook ran" lab_wait_for "hook" 10 test -s "$LAB_DIR/hook.caps"
check_eq "hook: no socket among its descriptors" 0 "$(grep -c 'socket:' "$LAB_DIR/hook.fds")"
check_eq "hook: no capability" "CapPrm:	0000000000000000 CapEff:	0000000000000000 CapAmb:	0000000000000000" \
	"$(tr '\n' ' ' <"$LAB_DIR/hook.caps" | sed 's/ $//')"

# ---- forged adverts ----
t1=$(st node1 's["transitions_total"]') t2=$(st node2 's["transitions_total"]')
np1=$(counter node1 '["ignored_not_peer"]') np2=$(counter node2 '["ignored_not_peer"]')
C=(ver=3 vrid=51 int_ms=100 "vip=$LAB_VIP")
forge() { ip netns exec "$(lab_ns client)" "$PROBE" raw if="$(lab_if client)" "$@" >/dev/null; }
# From the client's own address: not the peer, whatever it says.
check "forge: priority 0 from the client" forge src="$(lab_ip client)" "${C[@]}" prio=0 count=5 gap_ms=20
check "forge: priority 255 from the client" forge src="$(lab_ip client)" "${C[@]}" prio=255 count=5 gap_ms=20
# With the master's address forged: a TTL that crossed a router, and another VIP list.
check "forge: node1's address, TTL 64" forge src="$(lab_ip node1)" spoof=1 ttl=64 "${C[@]}" prio=0 count=5 gap_ms=20
check "forge: node1's address, another VIP list" forge src="$(lab_ip node1)" spoof=1 ver=3 vrid=51 int_ms=100 \
	vip=192.0.2.77 prio=0 count=5 gap_ms=20
sleep 1 # several Master_Down_Intervals: a takeover would have started by now
check "forged adverts: still node1 MASTER, node2 BACKUP" settled
check_eq "forged adverts: no transition on node1" "$t1" "$(st node1 's["transitions_total"]')"
check_eq "forged adverts: no transition on node2" "$t2" "$(st node2 's["transitions_total"]')"
for n in node1 node2; do
	v=$(counter $n '["ignored_not_peer"]')
	base=$([ $n = node1 ] && echo "$np1" || echo "$np2")
	check "forged adverts: $n counted 10 not from the peer" [ "$v" -ge $((base + 10)) ]
done
check "forged adverts: node2 counted the TTL 64 ones" [ "$(counter node2 '["rejected"]["ttl"]')" -ge 5 ]
check "forged adverts: node2 counted the other VIP list" [ "$(counter node2 '["addr_mismatch"]')" -ge 5 ]
check "node2's metrics count them" grep -q 'dualmaster_vrrp_dropped_total{reason="not_peer"} [1-9]' \
	<<<"$(ctl node2 metrics)"

# ---- a second instance on the master ----
out=$(ip netns exec "$(lab_ns node1)" ./dualmasterd -f "$(lab_dm_conf node1)" 2>&1)
rc=$?
check "second dualmasterd on node1 exits non-zero" [ $rc -ne 0 ]
check "second dualmasterd says why" grep -q "another dualmasterd runs for vrid 51" <<<"$out"
check "the VIP stays on node1" settled
check_eq "node1's server still writable" 0 "$(lab_sql node1 'SELECT @@read_only')"

# ---- the VIP deleted by hand comes back ----
ip -n "$(lab_ns node1)" addr del "$LAB_VIP/24" dev "$(lab_if node1)"
check "the VIP is back on node1" lab_wait_for "VIP back" 2 eval '[ "$(lab_vip_holder)" = node1 ]'
check_eq "node1 counted the restored VIP" 1 "$(st node1 's["vip_restored"]')"
check "node1 logged it" grep -q "removed from .* by someone else" "$LAB_DIR/dm-node1.log"

# ---- signals nobody should send end nothing ----
t1=$(st node1 's["transitions_total"]')
for sig in USR1 USR2 ALRM PIPE ABRT TRAP SYS PWR URG; do
	kill -s "$sig" "$(lab_pid dm-node1)"
done
sleep 0.5 # a handful of advert intervals: a death or a step-down would show by now
check "signals: node1's daemon still runs" lab_running dm-node1
check_eq "signals: no transition on node1" "$t1" "$(st node1 's["transitions_total"]')"
check "signals: still node1 MASTER with the VIP" settled

echo "t_hostile: $fails failure(s)"
[ "$fails" -eq 0 ] || { lab_dump_logs 30; exit 1; }
echo PASS
