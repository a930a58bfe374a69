#!/usr/bin/env bash
# The witness on the real scene: a third mariadbd in its own namespace holds the lease (README "A
# witness"), semi-sync on, judged by what clients saw (writers' acks) and the sampler's timeline:
#   A. the witness killed for 20 s while both nodes are fine: no role change, no write outage;
#   B. node1 <-> node2 partitioned for 20 s, both reaching the witness: the master keeps the lease,
#      the role and its writes (semi-sync off at once: its backup is gone), the backup never
#      writes; one writable server all along;
#   C. the master partitioned from the peer AND the witness for 20 s, the client reaching both, a
#      writer through the VIP and one straight to the old master's address: the old master is
#      read-only within lease_ms of the cut, acknowledges nothing after the new master's first
#      acknowledged write, and after the heal the new master keeps the role with every row;
#   D. the backup's mysqld killed: the master's writes stall about one lease renewal, not the 10 s
#      semi-sync timeout;
#   E. the master's mysqld killed: its daemon resigns and the peer takes over without waiting for
#      the lease (as fast as without a witness);
#   F. the master's link down: the peer takes over only once the old lease has ended on the witness,
#      and the old master was read-only before.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
. tests/lab/lab_check.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

LEASE_MS=2000
SETTLE_S=30

st() { dm_get "$@"; }
state_is() { [ "$(st "$1" 's["state"]')" = "$2" ]; }
ro() { lab_sql "$1" 'SELECT @@read_only' 2>/dev/null; }
master_of() { local n; for n in node1 node2; do state_is $n MASTER && echo $n; done; }
held_by() { [ "$(st "$1" 's["witness"]["held"]')" = True ]; }
settled_on() {
	local b
	b=$(lab_peer "$1")
	state_is "$1" MASTER && state_is "$b" BACKUP && [ "$(lab_vip_holder)" = "$1" ] &&
		[ "$(ro "$1")" = 0 ] && [ "$(ro "$b")" = 1 ] && lab_repl_ok node1 && lab_repl_ok node2 && held_by "$1"
}
acked_by() { awk -v s="$1" '$3 == s' "$2" | wc -l; }
acked_from_ge() { [ "$(acked_by "$1" "$LAB_WRITER_ACKED")" -ge "$2" ]; }
# Ids in ACKED_FILE missing on NODE.
missing_on() { comm -23 <(awk '{ print $1 }' "$2" | sort) <(lab_sql "$1" 'SELECT id FROM dmtest.writes' | sort) | wc -l; }
# Largest gap between consecutive acknowledgements in ACKED_FILE (ms).
max_gap_ms() { awk 'NR > 1 && $2 - p > g { g = $2 - p } { p = $2 } END { printf "%d", g * 1000 }' "$1"; }
sampler_t0() { SAMPLER_T1=$EPOCHREALTIME; }
sampler_ms() { awk -v a="$SAMPLER_T1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
two_writable_ms() { lab_sampler_check "$1" | sed -n 's/.*two_writable_ms=\([0-9.]*\).*/\1/p'; }
# First sample time (ms) at or after FROM_MS where NODE's server shows read_only = RO.
first_ro() {
	awk -v from="$2" -v w="$(lab_nodenum "$1")" -v want="$3" '$1 >= from && $2 == w && $3 == want {
		printf "%d\n", $1; exit }' "$LAB_DIR/samples"
}

# A second writer straight to ADDRESS (not the VIP): what a client holding an old connection does.
writer2_start() {
	local bin
	bin=$(lab_writer_bin) || return 1
	W2_ACKED=$LAB_DIR/writer2.acked
	: >"$W2_ACKED"
	lab_spawn writer2 "$LAB_DIR/writer2.log" "$(lab_ns client)" "$bin" -h "$1" -u dmapp \
		-p "$LAB_DIR/app.password" -o "$W2_ACKED" -e "$LAB_DIR/writer2.errors" \
		-i 900000001 -n 100000 -t 60 -r 50 -T 15
}

# fault_run TAG MASTER SURVIVOR READ_TIMEOUT_S CMD...: sampler and writer on, acks from MASTER, then
# CMD (the fault) at T_FAULT (sampler ms); waits until SURVIVOR is master and acknowledges writes.
fault_run() {
	local tag=$1 m=$2 s=$3 rt=$4
	shift 4
	lab_sampler_start 10 60
	sampler_t0
	LAB_WRITER_READ_TIMEOUT_S=$rt lab_writer_start 100000 60 100
	check "$tag: writer acks from $m" lab_wait_for "acks" 10 acked_from_ge "$(lab_nodenum $m)" 50
	T_FAULT=$(sampler_ms)
	"$@"
	check "$tag: $s takes over" lab_wait_for "$s MASTER" 10 state_is $s MASTER
	check "$tag: clients follow $s" lab_wait_for "acks from $s" 10 acked_from_ge "$(lab_nodenum $s)" 50
	lab_writer_stop
	lab_sampler_stop
}

export LAB_WITNESS=1 LAB_SEMISYNC=1 LAB_LEASE_MS=$LEASE_MS
lab_up || exit 1
trap lab_down EXIT
LAB_DM_TOP_EXTRA="$(lab_witness_conf)"
lab_write_dm_conf node1 150 && lab_write_dm_conf node2 100 || exit 1
lab_start_dm node1 || exit 1
check "node1 MASTER" lab_wait_for "node1 MASTER" 15 state_is node1 MASTER
lab_start_dm node2 || exit 1
check "the pair settles on node1, node1 holds the lease" lab_wait_for "settled on node1" $SETTLE_S settled_on node1
# The holder is node_name/address: two nodes given one node_name never share a lease.
check "node2 sees node1 as the lease's holder" eval '[ "$(st node2 "s[\"witness\"][\"holder\"]")" = node1/192.0.2.11 ]'
check "the lease row on the witness names node1" eval '[ "$(lab_witness_lease | cut -f1)" = node1/192.0.2.11 ]'
check "status shows the witness" grep -q "^witness: lease held by node1" <<<"$(ctl node1 status)"
check "metrics file-less: JSON has the witness latency" eval \
	'[ -n "$(st node1 "s[\"witness\"][\"latency_ms\"]")" ]'

# ---- A. the witness killed for 20 s ---------------------------------------------------------------
echo "---- A. witness killed for 20 s"
lab_sampler_start 10 60
LAB_WRITER_READ_TIMEOUT_S=3 lab_writer_start 100000 60 100
check "A: writer acks" lab_wait_for "acks" 10 acked_from_ge 1 50
lab_witness_stop KILL
sleep 20 # the outage lasts 20 s (the issue's case); nothing is polled meanwhile
check "A: node1 still MASTER" state_is node1 MASTER
check "A: node2 still BACKUP" state_is node2 BACKUP
check "A: node1 says the witness does not answer" eval \
	'[ "$(st node1 "s[\"witness\"][\"reachable\"]")" = False ]'
lab_witness_start || bad "A: witness restart"
check "A: node1 holds the lease again" lab_wait_for "lease again" 10 held_by node1
lab_writer_stop
lab_sampler_stop
gap=$(max_gap_ms "$LAB_WRITER_ACKED")
echo "A: acked $(lab_writer_acked), longest gap ${gap} ms"
check_le "A: longest write gap (ms)" "$gap" 1000
check_zero "A: two writable servers (ms)" "$(two_writable_ms "$LAB_DIR/samples")"
check "A: no role change in node1's log" eval '! grep -q "MASTER -> " "$LAB_DIR/dm-node1.log"'

# ---- B. partition, both reach the witness --------------------------------------------------------
echo "---- B. node1 <-> node2 partitioned 20 s, both reach the witness"
lab_sampler_start 10 60
LAB_WRITER_READ_TIMEOUT_S=15 lab_writer_start 100000 60 100
check "B: writer acks" lab_wait_for "acks" 10 acked_from_ge 1 50
lab_partition
sleep 20
check "B: node1 still MASTER" state_is node1 MASTER
check "B: node2 never took over" eval '! grep -q "TAKEOVER -> MASTER" "$LAB_DIR/dm-node2.log"'
check "B: node2 says why (no majority)" grep -q "no majority" "$LAB_DIR/dm-node2.log"
check "B: node1 turned semi-sync off on the strength of the lease" grep -q "hold the witness's lease" \
	"$LAB_DIR/dm-node1.log"
lab_heal
check "B: the pair settles on node1" lab_wait_for "settled on node1" $SETTLE_S settled_on node1
lab_writer_stop
lab_sampler_stop
gap=$(max_gap_ms "$LAB_WRITER_ACKED")
echo "B: acked $(lab_writer_acked), longest gap ${gap} ms"
check_le "B: longest write gap (ms): semi-sync went off at once" "$gap" 3000
check_zero "B: two writable servers (ms)" "$(two_writable_ms "$LAB_DIR/samples")"
check_zero "B: acknowledged rows missing on node1" "$(missing_on node1 "$LAB_WRITER_ACKED")"
check "B: replication in sync again" lab_wait_repl 30

# ---- C. the master cut from the peer and the witness ----------------------------------------------
echo "---- C. node1 cut from node2 and the witness 20 s, the client reaching both"
lab_sampler_start 10 90
sampler_t0
LAB_WRITER_READ_TIMEOUT_S=15 lab_writer_start 100000 90 100
writer2_start "$(lab_ip node1)" || bad "C: second writer"
check "C: writer acks from node1" lab_wait_for "acks" 10 acked_from_ge 1 50
check "C: the direct writer acks" lab_wait_for "direct acks" 10 eval '[ "$(acked_by 1 "$W2_ACKED")" -ge 20 ]'
t_cut=$(sampler_ms)
lab_cut_from_witness node1 && lab_partition || bad "C: cut"
check "C: node2 takes over" lab_wait_for "node2 MASTER" 15 state_is node2 MASTER
check "C: clients follow node2" lab_wait_for "acks from node2" 15 acked_from_ge 2 50
sleep 14 # 20 s of partition in all
lab_uncut_from_witness node1 && lab_heal || bad "C: heal"
check "C: node2 keeps the role after the heal" lab_wait_for "settled on node2" $SETTLE_S settled_on node2
lab_stop writer2 TERM
lab_writer_stop
lab_sampler_stop
t_ro=$(first_ro node1 "$t_cut" 1)
t_rw2=$(first_ro node2 "$t_cut" 0)
echo "C: cut at ${t_cut} ms; node1 read-only at ${t_ro:-never} ms; node2 writable at ${t_rw2:-never} ms"
check "C: node1 read-only within lease_ms of the cut" \
	awk -v a="$t_cut" -v b="${t_ro:-999999999}" -v l=$LEASE_MS 'BEGIN { exit !(b - a <= l) }'
check "C: node1 read-only before node2 writable" \
	awk -v a="${t_ro:-999999999}" -v b="${t_rw2:-0}" 'BEGIN { exit !(a < b) }'
first_new=$(awk '$3 == 2 { print $2; exit }' "$LAB_WRITER_ACKED")
late=$(cat "$LAB_WRITER_ACKED" "$W2_ACKED" | awk -v t="${first_new:-0}" '$3 == 1 && $2 > t' | wc -l)
echo "C: acked via VIP $(lab_writer_acked), direct $(wc -l <"$W2_ACKED"); old master acks after the new master's first: $late"
check_zero "C: rows acknowledged by the old master after the new master's first acknowledged write" "$late"
check_zero "C: two writable servers (ms)" "$(two_writable_ms "$LAB_DIR/samples")"
check "C: replication in sync again" lab_wait_repl 30
check_zero "C: VIP writer's acknowledged rows missing on node2" "$(missing_on node2 "$LAB_WRITER_ACKED")"
check_zero "C: direct writer's acknowledged rows missing on node2" "$(missing_on node2 "$W2_ACKED")"
check "C: node1 logged the lost majority" grep -q "no majority" "$LAB_DIR/dm-node1.log"
check "C: node2's takeover waited for the lease" grep -q "witness lease granted" "$LAB_DIR/dm-node2.log"
check "C: the term went up (fencing token)" eval '[ "$(st node2 "s[\"witness\"][\"term\"]")" -ge 2 ]'

# ---- D. the backup's mysqld killed ----------------------------------------------------------------
echo "---- D. backup (node1) mysqld killed"
LAB_WRITER_READ_TIMEOUT_S=15 lab_writer_start 100000 60 100
check "D: writer acks from node2" lab_wait_for "acks" 10 acked_from_ge 2 50
lab_mysqld_stop node1 KILL
n0=$(lab_writer_acked)
check "D: writes go on" lab_wait_for "writes after the kill" 10 eval '[ "$(lab_writer_acked)" -ge $((n0 + 200)) ]'
lab_writer_stop
gap=$(max_gap_ms "$LAB_WRITER_ACKED")
echo "D: longest write gap ${gap} ms (10 s without a witness: rpl_semi_sync_master_timeout)"
check_le "D: longest write gap (ms)" "$gap" 3000
lab_mysqld_start node1 || bad "D: restart node1's mysqld"
check "D: the pair settles on node2" lab_wait_for "settled on node2" $SETTLE_S settled_on node2

# ---- E. the master's mysqld killed ----------------------------------------------------------------
echo "---- E. master (node2) mysqld killed"
fault_run E node2 node1 2 lab_mysqld_stop node2 KILL
t_kill=$T_FAULT
t_rw=$(first_ro node1 "$t_kill" 0)
echo "E: node1 writable $((${t_rw:-0} - t_kill)) ms after the kill; longest write gap $(max_gap_ms "$LAB_WRITER_ACKED") ms"
check "E: the takeover did not wait for the lease" eval \
	'[ "$(st node1 "s[\"last_takeover\"][\"phases_ms\"][\"lease\"]")" = 0.0 ]'
check_zero "E: acknowledged rows missing on node1" "$(missing_on node1 "$LAB_WRITER_ACKED")"
lab_mysqld_start node2 || bad "E: restart node2's mysqld"
check "E: the pair settles on node1" lab_wait_for "settled on node1" $SETTLE_S settled_on node1

# ---- F. the master's link down ----------------------------------------------------------------------
echo "---- F. master (node1) link down"
fault_run F node1 node2 3 lab_link_down node1
t_cut=$T_FAULT
t_ro=$(first_ro node1 "$t_cut" 1)
t_rw2=$(first_ro node2 "$t_cut" 0)
echo "F: node1 read-only after $((${t_ro:-0} - t_cut)) ms, node2 writable after $((${t_rw2:-0} - t_cut)) ms;" \
	"lease phase $(st node2 's["last_takeover"]["phases_ms"]["lease"]') ms"
check "F: node1 read-only before node2 writable" \
	awk -v a="${t_ro:-999999999}" -v b="${t_rw2:-0}" 'BEGIN { exit !(a < b) }'
# The old lease was renewed at most a quarter lease before the cut: it ends on the witness at least
# three quarters of a lease after it (less 100 ms for the sampler's and the renewal's granularity).
check "F: node2 writable only once the old lease could have ended" \
	awk -v a="$t_cut" -v b="${t_rw2:-0}" -v l=$LEASE_MS 'BEGIN { exit !(b - a >= 0.75 * l - 100) }'
check_zero "F: two writable servers (ms)" "$(two_writable_ms "$LAB_DIR/samples")"
check_zero "F: acknowledged rows missing on node2" "$(missing_on node2 "$LAB_WRITER_ACKED")"
lab_link_up node1
check "F: the pair settles on node2" lab_wait_for "settled on node2" $SETTLE_S settled_on node2
echo "witness load: $(lab_witness_sql "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Uptime')" | tr '\n' ' ')"

echo "t_witness: $fails failure(s)"
[ "$fails" -eq 0 ] || { lab_dump_logs 40; exit 1; }
echo PASS
