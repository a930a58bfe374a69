#!/usr/bin/env bash
# VRRP election between two real dualmasterd: priority and preemption decide the master, a SIGTERM
# hands over after Skew_Time (priority-0 advert), a SIGKILL after Master_Down_Interval with the old
# server fenced and the stale VIP removed at restart, and isolation (tiebreaker) moves the VIP.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd nft python3; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
[ -x ./dualmasterd ] && [ -x ./dualmasterctl ] || { echo "build first (make)"; exit 1; }
. tests/lab/lab.sh

. tests/lab/lab_check.sh
finish() {
	[ $fails -eq 0 ] || lab_dump_logs 40
	lab_down
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

# ---- helpers -------------------------------------------------------------------------------------

dm_eligible() { [ "$(dm_get "$1" 's["eligible"]')" = True ]; }
dm_settled() { [ "$(dm_get "$1" 's["state"] + " " + str(s["eligible"])')" = "$2 True" ]; }
vip_on() { ip -n "$(lab_ns "$1")" -4 -o addr show | grep -q " $LAB_VIP/"; }
no_vip_on() { ! vip_on "$1"; }
holder_is() { [ "$(lab_vip_holder)" = "$1" ]; }
read_only() { lab_sql "$1" 'SELECT @@read_only'; }
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'; }
# Started is not yet listening: wait for the control socket before the first status.
dm_up() { lab_wait_for "dualmasterd on $1 to answer" 10 ctl_quiet "$1" status; }
ctl_quiet() { ctl "$@" >/dev/null 2>&1; }
# sampled KEYS...: stops the sampler and checks that each named overlap of lab_sampler_check is 0.
sampled() {
	local res k v
	lab_sampler_stop
	res=$(lab_sampler_check)
	echo "sampler: $res"
	for k in "$@"; do
		v=$(tr ' ' '\n' <<<"$res" | sed -n "s/^$k=//p")
		check_eq "sampled $k" 0 "${v%.0}"
	done
}

# write_confs PREEMPT: both nodes' configurations (priorities 150 / 100).
write_confs() {
	LAB_DM_VRRP_EXTRA="preempt = $1"
	lab_write_dm_conf node1 150 && lab_write_dm_conf node2 100
}

LAB_SEMISYNC=1 lab_up || { bad "lab_up"; exit 1; }
ADV_MS=${LAB_ADVERT_MS:-100}
# Keep the scenario short: the hold-down (no preemption right after a move) and the isolation check
# run at a fraction of their defaults. Two failed tiebreaker rounds make a node isolated.
TB_INTERVAL_MS=300
TB_TIMEOUT_MS=200
HOLDDOWN_MS=2000
export LAB_DM_TAKEOVER_EXTRA="holddown_ms = $HOLDDOWN_MS"
export LAB_DM_TIEBREAKER_EXTRA="interval_ms = $TB_INTERVAL_MS
  timeout_ms = $TB_TIMEOUT_MS"

# Timing bounds (RFC 5798 6.1, v3, times in ms; ADV = advert interval = Master_Adver_Interval):
#   Skew_Time(prio)            = (256 - prio) * ADV / 256
#   Master_Down_Interval(prio) = 3 * ADV + Skew_Time(prio)
# After the VRRP timer fires the takeover runs: fence the peer (SET GLOBAL read_only + KILL), maybe
# semi-sync off, MASTER_GTID_WAIT, read_only OFF read back, then the VIP: a handful of SQL round trips
# on local sockets and the bridge, allowed TAKEOVER_MS. MARGIN_MS covers a loaded 2-core machine
# (other tests run concurrently), probe/timer slack and this script's 50 ms polling.
TAKEOVER_MS=2000
MARGIN_MS=3000
skew_ms() { echo $(((256 - $1) * ADV_MS / 256)); }
down_ms() { echo $((3 * ADV_MS + $(skew_ms "$1"))); }

# ---- (a) start order node2 then node1, preempt on both: the higher priority ends master -----------
write_confs true || { bad "configs"; exit 1; }
lab_start_dm node2
dm_up node2
check "node2 alone becomes MASTER" lab_wait_for "node2 MASTER" 15 dm_state_is node2 MASTER
check "node2 alone holds the VIP" lab_wait_for "VIP on node2" 5 holder_is node2
lab_start_dm node1
dm_up node1
check "node1 (150, preempt) takes the role from node2 (100)" \
	lab_wait_for "node1 MASTER" 15 dm_state_is node1 MASTER
check "node1 holds the VIP" lab_wait_for "VIP on node1 only" 5 holder_is node1
check "node2 BACKUP and eligible" lab_wait_for "node2 BACKUP" 5 dm_settled node2 BACKUP
check_eq "node1 writable" 0 "$(read_only node1)"
check_eq "node2 read-only" 1 "$(read_only node2)"
check "replication fine both ways" lab_wait_repl 15

# ---- (b) SIGTERM the master's daemon: priority 0, node2 takes over after Skew_Time ---------------
prio0_before=$(dm_get node2 's["counters"]["prio0_received"]')
lab_sampler_start 20 60
t0=$EPOCHREALTIME
lab_signal dm-node1 TERM
bound=$(($(skew_ms 100) + TAKEOVER_MS + MARGIN_MS))
if lab_wait_for "VIP on node2" $((bound / 1000 + 5)) vip_on node2; then
	ms=$(ms_since "$t0")
	echo "measured: SIGTERM failover node1 -> node2 in $ms ms (Skew_Time(100) = $(skew_ms 100) ms)"
	check_le "VIP on node2 within Skew_Time + takeover + margin" "$ms" "$bound"
else
	bad "VIP never reached node2 after SIGTERM"
fi
check "node1's dualmasterd exits" lab_wait_for "dm-node1 exit" 15 lab_pid_gone "$(lab_pid dm-node1)"
lab_stop_dm node1
check "stopped node1 holds no VIP" no_vip_on node1
check_eq "stopped node1's server read-only" 1 "$(read_only node1)"
check_eq "node2 writable" 0 "$(read_only node2)"
check "node2 MASTER" dm_state_is node2 MASTER
prio0_after=$(dm_get node2 's["counters"]["prio0_received"]')
check "node2 counted the priority-0 advert ($prio0_before -> $prio0_after)" \
	[ "${prio0_after:-0}" -gt "${prio0_before:-0}" ]
check "node1 logged its shutdown step-down" grep -q "shutdown: stepping down" "$LAB_DIR/dm-node1.log"
# The VIP goes before read_only ON on the way down and comes after read_only OFF on the way up.
sampled two_writable_ms vip_on_readonly_ms both_vip_ms

# ---- (c) restart node1 with preempt off on both: node2 keeps the role ----------------------------
write_confs false || { bad "configs"; exit 1; }
check "node2 reloads preempt = false" ctl node2 reload
lab_start_dm node1
dm_up node1
check "restarted node1 settles BACKUP" lab_wait_for "node1 BACKUP" 15 dm_settled node1 BACKUP
rx0=$(dm_get node1 's["counters"]["adverts_received"]')
# With preemption node1 (150) would discard node2's (100) adverts and take over one
# Master_Down_Interval ($(down_ms 150) ms) after becoming BACKUP; wait several times that.
sleep $(((6 * $(down_ms 150) + 999) / 1000))
rx1=$(dm_get node1 's["counters"]["adverts_received"]')
check "node1 keeps hearing node2's adverts ($rx0 -> $rx1)" [ "${rx1:-0}" -gt "${rx0:-0}" ]
check "node1 still BACKUP without preemption" dm_state_is node1 BACKUP
check "node2 still MASTER" dm_state_is node2 MASTER
check "VIP still on node2" holder_is node2
check_eq "node1 never went TAKEOVER/MASTER since the restart" 0 \
	"$(dm_get node1 'sum(t["to"] in ("TAKEOVER", "MASTER") for t in s["transitions"])')"

# ---- (d) SIGKILL the master's daemon: node1 takes over after Master_Down_Interval ----------------
check "replication fine before the kill" lab_wait_repl 15
lab_sampler_start 20 60
t0=$EPOCHREALTIME
lab_stop_dm node2 KILL
check "killed node2 left its VIP behind" vip_on node2
bound=$(($(down_ms 150) + TAKEOVER_MS + MARGIN_MS))
if lab_wait_for "VIP on node1" $((bound / 1000 + 5)) vip_on node1; then
	ms=$(ms_since "$t0")
	echo "measured: SIGKILL failover node2 -> node1 in $ms ms" \
		"(Master_Down_Interval(150) = $(down_ms 150) ms)"
	check_le "VIP on node1 within Master_Down_Interval + takeover + margin" "$ms" "$bound"
else
	bad "VIP never reached node1 after SIGKILL"
fi
check "node1 MASTER" lab_wait_for "node1 MASTER" 5 dm_state_is node1 MASTER
check_eq "old master node2's server fenced (read_only=1)" 1 "$(read_only node2)"
check_eq "node1 writable" 0 "$(read_only node1)"
# The killed daemon left node2 writable with the VIP: node1 must fence it before write-enabling
# itself (never two writable servers). node2's stale VIP on a fenced server is expected here.
sampled two_writable_ms
lab_start_dm node2
dm_up node2
check "restarted node2 removes its stale VIP" lab_wait_for "no VIP on node2" 10 no_vip_on node2
check "node2 logged the stale VIP removal" grep -q "VIPs on .* at start (left by a previous run): removed" \
	"$LAB_DIR/dm-node2.log"
check "restarted node2 settles BACKUP" lab_wait_for "node2 BACKUP" 15 dm_settled node2 BACKUP
check "VIP on node1 only" holder_is node1
check "replication fine again" lab_wait_repl 15
check_eq "restarted node2 never went TAKEOVER/MASTER" 0 \
	"$(dm_get node2 'sum(t["to"] in ("TAKEOVER", "MASTER") for t in s["transitions"])')"

# ---- (e) isolation from the policy: the master loses the tiebreaker, the VIP moves ---------------
write_confs true || { bad "configs"; exit 1; }
check "node1 reloads preempt = true" ctl node1 reload
check "node2 reloads preempt = true" ctl node2 reload
check "node1 eligible before the isolation" dm_eligible node1
lab_sampler_start 20 60
t0=$EPOCHREALTIME
ip netns exec "$(lab_ns node1)" nft -f - <<-EOF
	table ip dmvrrp_tb {
		chain output {
			type filter hook output priority 0; policy accept;
			ip daddr $LAB_TIEBREAKER icmp type echo-request counter drop;
		}
	}
EOF
# Isolated after TIEBREAKER_FALL (2) failed rounds: at most 3 rounds of TB_INTERVAL_MS (the first may
# already be under way); then MASTER -> FAULT with a priority-0 advert, node2 waits Skew_Time(100).
bound=$((3 * TB_INTERVAL_MS + TB_TIMEOUT_MS + $(skew_ms 100) + TAKEOVER_MS + MARGIN_MS))
if lab_wait_for "VIP on node2" $((bound / 1000 + 5)) holder_is node2; then
	ms=$(ms_since "$t0")
	echo "measured: isolation failover node1 -> node2 in $ms ms (tiebreaker interval $TB_INTERVAL_MS ms)"
	check_le "VIP on node2 within isolation detection + Skew_Time + takeover + margin" "$ms" "$bound"
else
	bad "VIP never reached node2 after isolating node1"
fi
check "isolated node1 is FAULT" dm_state_is node1 FAULT
check_eq "isolated node1 not eligible" False "$(dm_get node1 's["eligible"]')"
check_eq "isolated node1 says isolated, holds no VIP" "True False" \
	"$(dm_get node1 'str(s["isolated"]) + " " + str(any(v["held"] for v in s["vips"]))')"
sampled two_writable_ms vip_on_readonly_ms both_vip_ms
reason=$(dm_get node1 's["reason"]')
check "node1's reason names the isolation ($reason)" grep -q isolated <<<"$reason"
check_eq "isolated node1 read-only" 1 "$(read_only node1)"
check "tiebreaker echo requests were dropped" \
	ip netns exec "$(lab_ns node1)" sh -c "nft list table ip dmvrrp_tb | grep -q 'packets [1-9]'"
ip netns exec "$(lab_ns node1)" nft delete table ip dmvrrp_tb
check "node1 eligible again once the tiebreaker answers" \
	lab_wait_for "node1 eligible" 5 dm_eligible node1
# preempt = true and 150 > 100: node1 takes the role back once its hold-down has passed.
check "node1 (preempt) becomes MASTER again" lab_wait_for "node1 MASTER" $((HOLDDOWN_MS / 1000 + 10)) \
	dm_state_is node1 MASTER
check "VIP back on node1" lab_wait_for "VIP on node1" 5 holder_is node1
check "node2 BACKUP" lab_wait_for "node2 BACKUP" 5 dm_settled node2 BACKUP
for n in node1 node2; do
	check_eq "$n: no rejected adverts" 0 "$(dm_get "$n" 'sum(s["counters"]["rejected"].values())')"
done

[ $fails -eq 0 ] && echo "vrrp election: all cases pass"
exit $((fails > 0))
