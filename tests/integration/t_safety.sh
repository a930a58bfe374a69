#!/usr/bin/env bash
# Failover safety on real servers (failover-safety.md): VRRP filtered, daemon SIGKILLed, mysqld
# crash under semi-sync, inter-node partition healed by data. Never two writable servers, the VIP
# only on a writable server (beyond the detection window), no acknowledged write lost.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd mariadb-install-db nft bridge python3 cc; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
if ! [ -x ./dualmasterd ] || ! [ -x ./dualmasterctl ]; then echo "dualmasterd not built (make)"; exit 1; fi
. tests/lab/lab.sh

. tests/lab/lab_check.sh
finish() {
	[ $fails -eq 0 ] || { lab_status; lab_dump_logs 60; }
	lab_down
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

# ---- helpers ------------------------------------------------------------------------------------

# st NODE EXPR: the Python expression EXPR over NODE's status (s = the "status" object).
st() {
	./dualmasterctl -s "$LAB_DIR/dm-$1.sock" status --json 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["status"]
except Exception:
    sys.exit(1)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list)) or v is None else v)' "$2"
}
state_is() { [ "$(st "$1" 's["state"]')" = "$2" ]; }
not_master() { local s; s=$(st "$1" 's["state"]') && [ "$s" != MASTER ] && [ "$s" != TAKEOVER ]; }
ro() { lab_sql "$1" 'SELECT @@read_only' 2>/dev/null; }
writable() { [ "$(ro "$1")" = 0 ]; }
vip_on() { [ "$(lab_vip_holder)" = "$1" ]; }
master_alone() { state_is "$1" MASTER && vip_on "$1" && writable "$1"; }
# One master as both daemons see it: M MASTER with the VIP and writable, the other BACKUP and
# read-only.
settled_on() {
	local b
	b=$(lab_peer "$1")
	master_alone "$1" && state_is "$b" BACKUP && [ "$(ro "$b")" = 1 ]
}
# The same, still true after HOLD_S seconds with no transition on either node in between.
stays_settled_on() {
	local t1 t2
	t1=$(st node1 's["transitions_total"]') && t2=$(st node2 's["transitions_total"]') || return 1
	sleep "$2"
	settled_on "$1" && [ "$(st node1 's["transitions_total"]')" = "$t1" ] &&
		[ "$(st node2 's["transitions_total"]')" = "$t2" ]
}
alert_starts() { [[ "$(st "$1" 's["alert"]')" == "$2"* ]]; }
frozen_is() { [ "$(st "$1" 's["frozen"]')" = "$2" ]; }
vip_held() { [ "$(st "$1" 's["vips"][0]["held"]')" = True ]; }
no_vip() { [ "$(st "$1" 's["vips"][0]["held"]')" = False ]; }
ro_is() { [ "$(ro "$1")" = "$2" ]; }
# gone PID...: none of the processes runs any more.
gone() { ! kill -0 "$@" 2>/dev/null; }
acked_at_least() { [ "$(lab_writer_acked)" -ge "$1" ]; }
# acked_from SERVER_ID N: at least N acknowledgements from that server in this writer run.
acked_from() { [ "$(awk -v s="$1" '$3 == s' "$LAB_WRITER_ACKED" | wc -l)" -ge "$2" ]; }
# The write outage of the current writer run: longest gap between two acknowledgements, in seconds.
ack_gap() {
	sort -k2,2n "$LAB_WRITER_ACKED" |
		awk 'NR > 1 && $2 - p > g { g = $2 - p } { p = $2 } END { printf "%.3f", g }'
}
# Ids of the current writer run missing on NODE (none: prints nothing).
missing_on() {
	comm -23 <(awk '{ print $1 }' "$LAB_WRITER_ACKED" | sort) \
		<(lab_sql "$1" "SELECT id FROM dmtest.writes
			WHERE id DIV 1000000 = $(cat "$LAB_DIR/writer.runs")" | sort)
}
sampler_stop_report() { # sampler_stop_report NAME: prints the numbers, sets S_two_writable_ms etc.
	local r
	lab_sampler_stop
	r=$(lab_sampler_check "$LAB_DIR/samples")
	echo "$1: $r"
	S_two_writable_ms=$(sed -n 's/.*two_writable_ms=\([0-9.]*\).*/\1/p' <<<"$r")
	S_vip_on_readonly_ms=$(sed -n 's/.*vip_on_readonly_ms=\([0-9.]*\).*/\1/p' <<<"$r")
	S_both_vip_ms=$(sed -n 's/.*both_vip_ms=\([0-9.]*\).*/\1/p' <<<"$r")
}
dm_log_count() { grep -c -- "$2" "$LAB_DIR/dm-$1.log"; }
current_master() { local n; for n in node1 node2; do state_is $n MASTER && echo $n; done; }

export LAB_SEMISYNC=1 LAB_SEMISYNC_TIMEOUT_MS=10000
lab_up || { bad "lab_up"; exit 1; }
if ! lab_write_dm_conf node1 150 || ! lab_write_dm_conf node2 100; then bad "dualmasterd configs"; exit 1; fi

# Timing: adverts every 100 ms, so Master_Down_Interval = 3 * 100 ms + Skew_Time (< 100 ms) < 0.4 s;
# health probes every 100 ms (timeout 500 ms, fall 2); fence_timeout_ms 2000. Every bound below is
# several times what these add up to, for a loaded 2-core machine.
check "node1 dualmasterd starts" lab_start_dm node1
check "node1 becomes MASTER, writable, with the VIP" lab_wait_for "node1 master" 15 master_alone node1
check "node2 dualmasterd starts" lab_start_dm node2
check "the pair settles on node1" lab_wait_for "settled on node1" 15 settled_on node1

# ==== 1. VRRP dropped by a firewall on the master; MySQL traffic flows =============================
echo "---- 1. VRRP blocked on the master"
M=node1 B=node2
lab_sampler_start 10 90
lab_writer_start 1000000 90 100
check "writer: rows acknowledged through the VIP" lab_wait_for "acks" 10 acked_at_least 50
check "VRRP blocked on $M (protocol 112 only)" lab_block_vrrp $M
# B: Master_Down_Interval, then the fence (read_only + kill) of M's live server, then claim.
check "$B takes over" lab_wait_for "$B master" 10 master_alone $B
# M: its server read-only while master (one probe, 100 ms) -> steps down.
check "$M steps down, read-only" lab_wait_for "$M not master" 5 not_master $M
check_eq "$M server read-only" 1 "$(ro $M)"
check "$B logged that it fenced a live master on lost adverts" grep -q "adverts lost from a master" \
	"$LAB_DIR/dm-$B.log"
check "$M status alert: adverts lost while peer writable" lab_wait_for "$M alert" 5 \
	alert_starts $M "adverts lost while peer writable"
check_eq "$M stays BACKUP" BACKUP "$(st $M 's["state"]')"
# No ping-pong: M hears no advert but sees B's server writable; it must not fence B back.
check "blocked: the pair stays on $B (2 s, no transition)" stays_settled_on $B 2
check "writer: acknowledged by $B's server" lab_wait_for "acks from $B" 5 acked_from "$(lab_nodenum $B)" 20
check "VRRP unblocked" lab_unblock_vrrp $M
check "unblocked: the pair stays on $B, one master (1 s, no transition)" stays_settled_on $B 1
check_eq "unblocked: $M's alert cleared once adverts arrive" null "$(st $M 's["alert"]')"
lab_writer_stop
sampler_stop_report "scenario 1"
S1="two_writable_ms=$S_two_writable_ms vip_on_readonly_ms=$S_vip_on_readonly_ms both_vip_ms=$S_both_vip_ms"
check_zero "1: never two writable servers (ms)" "$S_two_writable_ms"
# The fence makes M's server read-only while M still holds the VIP until its own probe sees it
# (probe interval 100 ms) and drops the VIP first thing: one interval plus a step, bounded at 1 s.
check_lt "1: VIP on a read-only server only during detection (ms)" "$S_vip_on_readonly_ms" 1000
echo "1: both_vip_ms=$S_both_vip_ms; write outage $(ack_gap)s"
O1=$(ack_gap)
check "1: replication in sync" lab_wait_repl 20
check_eq "1: every acknowledged row on both servers" "" "$(missing_on node1; missing_on node2)"

# ==== 2. dualmasterd SIGKILL on the master ========================================================
echo "---- 2. dualmasterd SIGKILL on the master"
M=$B B=$(lab_peer $B)
lab_sampler_start 10 90
lab_writer_start 1000000 90 100
check "writer: rows acknowledged through the VIP" lab_wait_for "acks" 10 acked_at_least 50
n_fenced=$(dm_log_count $B "adverts lost from a master")
check "dualmasterd on $M killed (SIGKILL)" lab_stop_dm $M KILL
# No adverts, no resign: B waits Master_Down_Interval, fences M's live server, takes over. M's VIP
# stays behind (nobody is left on M to remove it), B's gratuitous ARPs move the clients.
check "$B takes over" lab_wait_for "$B master" 10 state_is $B MASTER
b_claimed() { vip_held $B && writable $B; }
check "$B holds the VIP and is writable" lab_wait_for "$B vip" 5 b_claimed
check_eq "$M's server fenced (read-only)" 1 "$(ro $M)"
check "$B logged that it fenced a live master on lost adverts" \
	[ "$(dm_log_count $B "adverts lost from a master")" -gt "$n_fenced" ]
check "writer: acknowledged by $B's server" lab_wait_for "acks from $B" 10 \
	acked_from "$(lab_nodenum $B)" 20
stale_vip_line="found [0-9]* of our VIPs on .* removed"
n_found=$(dm_log_count $M "$stale_vip_line")
check_eq "2: the stale VIP is still on $M, beside $B's" both "$(lab_vip_holder)"
check "dualmasterd on $M restarted" lab_start_dm $M
stale_removed() { [ "$(dm_log_count $M "$stale_vip_line")" -gt "$n_found" ]; }
check "restarted $M removes the stale VIP (log: found 1 of our VIPs ... removed)" \
	lab_wait_for "stale VIP log" 5 stale_removed
check "restarted $M is BACKUP, read-only, the VIP only on $B" lab_wait_for "settled" 10 settled_on $B
check "the pair stays on $B (1 s, no transition)" stays_settled_on $B 1
lab_writer_stop
sampler_stop_report "scenario 2"
S2="two_writable_ms=$S_two_writable_ms vip_on_readonly_ms=$S_vip_on_readonly_ms both_vip_ms=$S_both_vip_ms"
check_zero "2: never two writable servers (ms)" "$S_two_writable_ms"
O2=$(ack_gap)
echo "2: write outage ${O2}s (the stale VIP on the read-only $M lasts until its daemon restarts)"
check "2: replication in sync" lab_wait_repl 20
check_eq "2: every acknowledged row on both servers" "" "$(missing_on node1; missing_on node2)"

# ==== 3. semi-sync on, the master's mysqld SIGKILLed ==============================================
echo "---- 3. mysqld SIGKILL on the master (semi-sync, timeout ${LAB_SEMISYNC_TIMEOUT_MS} ms)"
M=$B B=$(lab_peer $B)
gstatus() { lab_sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | awk '{ print $2 }'; }
semisync_enabled() { [ "$(st "$1" 's["local"]["semisync"]["master_enabled"]')" = "$2" ]; }
lab_sampler_start 10 90
lab_writer_start 1000000 90 100
check "writer: rows acknowledged through the VIP" lab_wait_for "acks" 10 acked_at_least 50
check_eq "$M acknowledges semi-synchronously" ON "$(gstatus $M Rpl_semi_sync_master_status)"
check "$M's mysqld killed (SIGKILL)" lab_mysqld_stop $M KILL
# M's daemon: local server down (fall 2 probes) -> FAULT, VIP off, priority-0 advert; B takes over
# after Skew_Time without fencing (nobody answers), semi-sync master side off, relay log applied.
check "$B takes over, writable, with the VIP" lab_wait_for "$B master" 10 master_alone $B
check "writer: acknowledged by $B's server" lab_wait_for "acks from $B" 10 \
	acked_from "$(lab_nodenum $B)" 20
O3=$(ack_gap)
echo "3: write outage ${O3}s (semi-sync timeout ${LAB_SEMISYNC_TIMEOUT_MS} ms)"
# Without the semi-sync switch the survivor's first commit would wait the whole timeout (10 s).
check_lt "3: writes acknowledged again well before the semi-sync timeout (s)" "$O3" 5
# Checked before the old master comes back: these rows reached B through semi-sync alone.
check_eq "3: every acknowledged row on the survivor $B" "" "$(missing_on $B)"
check "3: $B status: semi-sync master side off" lab_wait_for "semisync off" 5 semisync_enabled $B False
check "3: $B logged the semi-sync switch" grep -q "semi-sync master side off" "$LAB_DIR/dm-$B.log"
check "$M's mysqld restarted (read-only, replicating from $B)" lab_mysqld_start $M
check_eq "$M comes back read-only" 1 "$(ro $M)"
check "3: $B status: semi-sync master side back on once $M replicates" lab_wait_for "semisync on" 15 \
	semisync_enabled $B True
check "3: $B logged it" grep -q "semi-sync master side back on" "$LAB_DIR/dm-$B.log"
check "the pair settles on $B" lab_wait_for "settled on $B" 10 settled_on $B
semisync_active() { [ "$(gstatus "$1" Rpl_semi_sync_master_status)" = ON ]; }
check "3: $B acknowledges semi-synchronously again" lab_wait_for "semisync status" 10 semisync_active $B
lab_writer_stop
sampler_stop_report "scenario 3"
S3="two_writable_ms=$S_two_writable_ms vip_on_readonly_ms=$S_vip_on_readonly_ms both_vip_ms=$S_both_vip_ms"
check_zero "3: never two writable servers (ms)" "$S_two_writable_ms"
# M's VIP stays on its dead server until its daemon sees two failed probes (fall 2, 100 ms apart)
# and steps down, VIP first: bounded at 1 s.
check_lt "3: VIP on a dead or read-only server only during detection (ms)" "$S_vip_on_readonly_ms" 1000
# A MariaDB race, not dualmasterd's: the restarted old master truncates the transactions it had
# binlogged but never had acknowledged (init_rpl_role = SLAVE) and fetches them back from the new
# master; when the new master's replica thread reconnects first, it asks for a GTID that is gone
# and stops with error 1236 ("... which is not in the master's binlog"). The daemon restarts it
# (takeover.rejoin, backing off 1, 2, 4, 8 s) once the old master has them again: nothing is
# started by hand here; when it happened, the test says so.
repl_healthy() { lab_repl_ok node1 && lab_repl_ok node2 && lab_in_sync; }
check "3: replication in sync" lab_wait_for "replication in sync" 40 repl_healthy
for n in node1 node2; do
	grep -q "rejoin: the local replica IO thread stopped on error 1236" "$LAB_DIR/dm-$n.log" &&
		echo "3: note: $n's replica thread stopped with error 1236 (semi-sync recovery race); the daemon restarted it"
done
check_eq "3: every acknowledged row on both servers" "" "$(missing_on node1; missing_on node2)"

# ==== 4. inter-node partition, semi-sync on; heal by term =========================================
# The nodes lose each other; the client and the tiebreaker still reach both. No two-node system can
# tell this from a dead peer (failover-safety "Where two nodes hit their limit"): the other side may
# take over, and semi-sync keeps the cut-off master from acknowledging anything meanwhile, as long
# as the partition is shorter than the semi-sync timeout (30 s here). Both servers are writable
# during the partition: two_writable_ms is reported, not asserted.
echo "---- 4. partition between the nodes (semi-sync timeout 30000 ms)"
M=$B P=$(lab_peer $B)
for n in node1 node2; do lab_sql $n 'SET GLOBAL rpl_semi_sync_master_timeout = 30000'; done
gpos() { lab_sql "$1" 'SELECT @@gtid_binlog_pos'; }
# gtid_only A B: transactions in gtid_binlog_pos A beyond B (per domain), and the ranges.
gtid_only() {
	python3 -c '
import sys
def parse(s):
    return {int(d): (int(srv), int(seq)) for d, srv, seq in (g.split("-") for g in s.split(",") if g)}
a, b = parse(sys.argv[1]), parse(sys.argv[2])
n, r = 0, []
for d, (srv, seq) in sorted(a.items()):
    lo = b[d][1] + 1 if d in b else 1
    if seq >= lo:
        n += seq - lo + 1
        r.append("%d-%d-%d..%d" % (d, srv, lo, seq))
print(n, ",".join(r) or "none")' "$1" "$2"
}
m_id=$(lab_nodenum $M) p_id=$(lab_nodenum $P)
lab_sampler_start 10 90
# A statement stuck on the cut-off master gives up after 3 s and the writer reconnects through the
# VIP (its outcome is unknown and it is never retried).
LAB_WRITER_READ_TIMEOUT_S=3 lab_writer_start 1000000 90 100
check "writer: rows acknowledged through the VIP" lab_wait_for "acks" 10 acked_at_least 50
t_part=$EPOCHREALTIME
check "partition" lab_partition
# Two rows straight on the cut-off master: each commit waits for a semi-sync ack.
direct_m=()
for i in 1 2; do
	lab_sql $M "INSERT INTO dmtest.writes (id, node) VALUES (900000$i, 'direct-$M')" >/dev/null 2>&1 &
	direct_m+=($!)
done
p_master() { state_is $P MASTER && vip_held $P && writable $P; }
# P: Master_Down_Interval, a fence that cannot reach M (fence_timeout_ms 2000), semi-sync off, claim.
check "$P takes over during the partition" lab_wait_for "$P master" 15 p_master
echo "4: $P master $(lab_elapsed "$t_part")s after the partition; $M is $(st $M 's["state"]')"
t0=$EPOCHREALTIME
for i in 1 2 3; do
	lab_sql $P "INSERT INTO dmtest.writes (id, node) VALUES (900010$i, 'direct-$P')" ||
		bad "direct insert on $P"
done
check_lt "$P commits at once (its semi-sync master side is off), s" "$(lab_elapsed "$t0")" 3
check "writer: acknowledged by $P's server" lab_wait_for "acks from $P" 10 acked_from "$p_id" 20
# When the nodes meet again the daemons compare GTID positions; replication resuming over the
# healed link would erase the difference within a second or two. Its IO threads are stopped here
# so the comparison sees exactly what each side wrote during the partition (replication that has
# not caught up yet), and started again once the report is checked.
for n in node1 node2; do lab_sql $n 'STOP SLAVE IO_THREAD' || bad "STOP SLAVE IO_THREAD on $n"; done
check "$M's direct commits still wait for a semi-sync ack" kill -0 "${direct_m[@]}"
# Every row acknowledged before t_rec was committed before P's position is read.
t_rec=$EPOCHREALTIME pos_m=$(gpos $M) pos_p=$(gpos $P)
read -r want_only_m want_ranges_m <<<"$(gtid_only "$pos_m" "$pos_p")"
read -r low_only_p _ <<<"$(gtid_only "$pos_p" "$pos_m")"
echo "4: before the heal: $M $pos_m; $P $pos_p; only on $M: $want_only_m ($want_ranges_m);" \
	"only on $P: >= $low_only_p"
t_heal=$EPOCHREALTIME
check "heal" lab_heal
one_master() {
	local s1 s2
	s1=$(st node1 's["state"]') && s2=$(st node2 's["state"]') || return 1
	[ "$s1" = MASTER ] && [ "$s2" != MASTER ] && [ "$s2" != TAKEOVER ] && return 0
	[ "$s2" = MASTER ] && [ "$s1" != MASTER ] && [ "$s1" != TAKEOVER ]
}
# Two masters meet: each reads the other's server at once (its idle command worker connects across
# the healed link), compares the takeover terms, and the one that did not take over last yields at
# the next advert (100 ms): 3 s is generous.
check "4: exactly one master after the heal" lab_wait_for "one master" 3 one_master
echo "4: one master $(lab_elapsed "$t_heal")s after the heal: $(current_master)"
# The node that took over during the partition (the clients' latest gratuitous ARP) keeps the role,
# whatever the priorities: its server holds the higher takeover term.
W=$(current_master)
case $W in node1|node2) ;; *) bad "4: no single master: '$W'"; exit 1 ;; esac
L=$(lab_peer "$W")
check_eq "4: $P, which took over during the partition, keeps the role" "$P" "$W"
check "4: $L steps down to read-only (its stuck commits killed)" lab_wait_for "$L read-only" 5 ro_is $L 1
check "4: $L holds no VIP" no_vip $L
check_eq "4: the VIP only on $W" $W "$(lab_vip_holder)"
div() { st "$1" 's["divergence"]["'"$2"'"]'; }
# The yielding side reports as it yields; the side keeping the role once the other has gone quiet
# (three advert intervals) and a fresh probe of its server has come back.
reported() { [ "$(div "$1" only_local)" != 0 ] || [ "$(div "$1" only_peer)" != 0 ]; }
check "4: both sides report the divergence" lab_wait_for "divergence reports" 3 \
	eval 'reported node1 && reported node2'
for n in $W $L; do
	echo "4: $n divergence: $(st $n 's["divergence"]')"
	text=$(div $n text)
	if [ $n = $M ]; then
		check_eq "4: $n reports the transactions only on $M" "$want_only_m" "$(div $n only_local)"
		check "4: $n reports at least those only on $P" [ "$(div $n only_peer)" -ge "$low_only_p" ]
	else
		check_eq "4: $n reports the transactions only on $M" "$want_only_m" "$(div $n only_peer)"
		check "4: $n reports at least those only on $P" [ "$(div $n only_local)" -ge "$low_only_p" ]
	fi
	check "4: $n names the GTID range only on $M ($want_ranges_m)" \
		grep -qF -- "$want_ranges_m" <<<"$text"
	check "4: $n names a range of $P's domain" \
		grep -qE -- "(^|[ ,])$p_id-$p_id-[0-9]+\.\.[0-9]+" <<<"$text"
	check "4: $n logged the meeting and its verdict" grep -q "two masters met: .*took over last" \
		"$LAB_DIR/dm-$n.log"
	# What only $M holds are its direct commits, still waiting for a semi-sync ack: no client was
	# told about them, so nothing is frozen (both sides would have to hold acknowledged writes).
	check "4: $n not frozen" frozen_is $n False
done
# P's side: its own rows written during the partition (3 direct, the writer's) are all counted,
# by the GTID positions read before the heal and by the daemons' report after it.
acked_p() { # rows acknowledged by P's server between the partition and $1
	awk -v a="$t_part" -v b="$1" -v s="$p_id" '$2 > a && $2 < b && $3 == s' "$LAB_WRITER_ACKED" | wc -l
}
check "4: positions before the heal: only-on-$P covers 3 direct + $(acked_p "$t_rec") acked rows" \
	[ "$low_only_p" -ge $((3 + $(acked_p "$t_rec"))) ]
check "4: $W's report: only-on-$P covers 3 direct + $(acked_p "$t_heal") acked rows" \
	[ "$(div $P only_local)" -ge $((3 + $(acked_p "$t_heal"))) ]
# Of M's two direct commits one is in its binlog at least, waiting for its ack; the other joins
# it there or waits behind it for the same ack (the same group commit or the next: seen both ways),
# and reaches the binlog after the heal (all 5 direct rows on both servers, checked below).
check "4: only-on-$M count covers M's first direct row" [ "$want_only_m" -ge 1 ]
# Only one side acknowledged writes while cut off: nothing from M's server after the partition
# began (a margin of 0.5 s for acknowledgements already on the way).
late_m=$(awk -v a="$t_part" -v b="$t_heal" -v s="$m_id" '$2 > a + 0.5 && $2 < b && $3 == s' \
	"$LAB_WRITER_ACKED" | wc -l)
check_eq "4: no write acknowledged by the cut-off $M during the partition" 0 "$late_m"
echo "4: during the partition: $(acked_p "$t_heal") rows acknowledged by $P, $late_m by $M"
check "4: $M's direct sessions ended (killed by the step-down)" lab_wait_for "direct sessions" 5 \
	gone "${direct_m[@]}"
wait "${direct_m[@]}" 2>/dev/null
for n in node1 node2; do lab_sql $n 'START SLAVE IO_THREAD' || bad "START SLAVE IO_THREAD on $n"; done
check "4: replication resumes and both servers converge" lab_wait_repl 30
check "4: the pair settles on $W" lab_wait_for "settled on $W" 10 settled_on $W
lab_writer_stop
sampler_stop_report "scenario 4"
S4="two_writable_ms=$S_two_writable_ms vip_on_readonly_ms=$S_vip_on_readonly_ms both_vip_ms=$S_both_vip_ms"
O4=$(ack_gap)
check_eq "4: every acknowledged row on both servers" "" "$(missing_on node1; missing_on node2)"
direct_rows() { lab_sql "$1" 'SELECT COUNT(*) FROM dmtest.writes WHERE id > 9000000'; }
check_eq "4: the direct rows of both sides on both servers" "5 5" "$(direct_rows node1) $(direct_rows node2)"

echo "==== summary"
echo "1 VRRP blocked:      $S1 outage=${O1}s"
echo "2 dualmasterd KILL:  $S2 outage=${O2}s"
echo "3 mysqld KILL:       $S3 outage=${O3}s"
echo "4 partition + heal:  $S4 outage=${O4}s (both writable during the partition by design)"
echo "t_safety: $fails failure(s)"
[ $fails -eq 0 ]
