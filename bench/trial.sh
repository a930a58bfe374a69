#!/usr/bin/env bash
# One benchmark trial on a fresh lab scene: start the system, write through the VIP, inject one fault
# into the master, heal it, and print one CSV row (the columns of bench/failover's header). Odd
# trials make node1 the master, even ones node2, so faults alternate between the nodes.
# Usage: bench/trial.sh SYSTEM PROFILE FAULT TRIAL DIR   (DIR keeps the trial's files and logs)
set -u
cd "$(dirname "$0")/.." || exit 1
[ $# -eq 5 ] || { echo "usage: bench/trial.sh SYSTEM PROFILE FAULT TRIAL DIR" >&2; exit 2; }
SYSTEM=$1 PROFILE=$2 FAULT=$3 TRIAL=$4 OUT=$5
. tests/lab/lab.sh
. bench/systems.sh

RATE=${RATE:-100}                # writer inserts per second
MIN_FAULT_S=${MIN_FAULT_S:-3}    # a fault lasts at least this long...
MAX_FAULT_S=${MAX_FAULT_S:-30}   # ...and is healed after this at the latest
BLOCK_S=${BLOCK_S:-6}            # VRRP blocked for a fixed time
PARTITION_S=${PARTITION_S:-6}    # partition for a fixed time (below the 10 s semi-sync timeout)
PARTITION_LONG_S=${PARTITION_LONG_S:-20} # a partition that outlasts the semi-sync timeout
LINKHEAL_S=${LINKHEAL_S:-10}     # the master's link down for a fixed time, then back
SETTLE_MIN_S=${SETTLE_MIN_S:-3}  # watched after the heal at least this long...
SETTLE_MAX_S=${SETTLE_MAX_S:-20} # ...and at most this long
export LAB_WRITER_READ_TIMEOUT_S=${WRITER_TIMEOUT_S:-2}
export LAB_QUIET=1
# Exported, not only given to lab_up: a server restarted later (lab_mysqld_start) must come back
# with semi-sync too, or its peer's commits wait out the semi-sync timeout. A profile ending in
# -async runs the same system on asynchronous replication (what most keepalived pairs run).
case $PROFILE in *-async) export LAB_SEMISYNC=0 ;; *) export LAB_SEMISYNC=1 ;; esac
# dualmaster's "witness" profile: a third mariadbd on the scene holds the lease (README "A witness").
case $PROFILE in witness*) export LAB_WITNESS=1 ;; esac
if [ $((TRIAL % 2)) = 1 ]; then M=node1 S=node2; else M=node2 S=node1; fi
SID=$(lab_nodenum "$S")

log() { echo "[$(date +%T.%3N)] $SYSTEM/$PROFILE $FAULT #$TRIAL: $*" >>"$OUT/trial.log"; }
fail() { log "ERROR: $*"; echo "bench: $SYSTEM/$PROFILE $FAULT #$TRIAL: $*" >&2; exit 1; }

finish() {
	local f
	[ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ] || return 0
	for f in "$LAB_DIR"/dm-node?.log "$LAB_DIR"/ka-node?.log "$LAB_DIR"/ka-node?.notify \
		"$LAB_DIR"/ka-node?.conf "$LAB_DIR"/writer.log "$LAB_DIR"/switchover.out "$LAB_DIR"/acct; do
		[ -e "$f" ] && cp "$f" "$OUT/"
	done
	for f in node1 node2; do
		[ -e "$LAB_DIR/$f/error.log" ] && tail -n 100 "$LAB_DIR/$f/error.log" >"$OUT/mysqld-$f.log"
	done
	# The load on the witness: statements it answered over its uptime (the scene's own set-up
	# included, a few dozen).
	[ "${LAB_WITNESS:-0}" = 1 ] && lab_running mysqld-witness &&
		lab_witness_sql "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Uptime')" \
			>"$OUT/witness_load" 2>/dev/null
	lab_down
}
trap finish EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT" || exit 1
: >"$OUT/times"
stamp() { echo "$1=$2" >>"$OUT/times"; }

# $1 acknowledgements per second from server_id $2 (any: 0) in the last second, the newest < 0.3 s old.
flowing() {
	tail -n $((2 * RATE)) "$LAB_WRITER_ACKED" | awk -v now="$EPOCHREALTIME" -v sid="$1" \
		-v need=$((RATE / 2)) '(sid == 0 || $3 == sid) && $2 > now - 1 { n++; last = $2 }
		END { exit !(n >= need && now - last < 0.3) }'
}
acked_at_least() { [ "$(lab_writer_acked)" -ge "$1" ]; }
semisync_on() {
	[ "$(sql_t 3 "$1" "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'" |
		awk '{ print $2 }')" = ON ]
}
# The survivor took over: it holds the VIP (alone or not) and acknowledges writes.
recovered() {
	case $(lab_vip_holder) in "$S" | both) flowing "$SID" ;; *) return 1 ;; esac
}
settled() {
	case $(lab_vip_holder) in node1 | node2) flowing 0 ;; *) return 1 ;; esac
}
# rows NODE FILE: "ID NODE EPOCH" for every row NODE has (NODE and the time are the originating
# server's: CONCAT('node', @@server_id) and CURRENT_TIMESTAMP(6), replicated as written).
rows() {
	sql_t 10 "$1" 'SELECT id, node, UNIX_TIMESTAMP(ts) FROM dmtest.writes' >"$OUT/$1.rows.tmp" &&
		mv "$OUT/$1.rows.tmp" "$2"
}

inject() {
	case $FAULT in
	crash) lab_mysqld_stop "$M" KILL ;;
	hang) lab_signal "mysqld-$M" STOP ;;
	linkcut | linkheal) lab_link_down "$M" ;;
	daemonkill) sys_kill "$M" ;;
	switchover) sys_graceful "$M" ;;
	vrrpblock) lab_block_vrrp "$M" ;;
	partition | partition20) lab_partition ;;
	*) fail "unknown fault $FAULT" ;;
	esac
}
heal() {
	case $FAULT in
	crash) lab_mysqld_start "$M" ;;
	hang) lab_signal "mysqld-$M" CONT ;;
	linkcut | linkheal) lab_link_up "$M" ;;
	daemonkill) sys_start "$M" ;;
	switchover) sys_graceful_heal "$M" ;;
	vrrpblock) lab_unblock_vrrp "$M" ;;
	partition | partition20) lab_heal ;;
	esac
}
# Fixed-length faults last their time; the others until the survivor took over and writes flowed
# through it for a second (at least MIN_FAULT_S, at most MAX_FAULT_S).
wait_for_heal() {
	local fixed=
	case $FAULT in
	vrrpblock) fixed=$BLOCK_S ;;
	partition) fixed=$PARTITION_S ;;
	partition20) fixed=$PARTITION_LONG_S ;;
	linkheal) fixed=$LINKHEAL_S ;;
	esac
	while ! lab_older "$t_fault" "${fixed:-$MAX_FAULT_S}"; do
		if [ -z "$fixed" ] && lab_older "$t_fault" "$MIN_FAULT_S" && recovered; then
			return 0
		fi
		sleep 0.1
	done
}

log "start"
lab_up || fail "lab_up"
t_start=$EPOCHREALTIME
sys_write_conf "$M" "$S" || fail "configuration"
sys_start "$M" || fail "starting $M"
lab_wait_for "$M master" 30 sys_master_ready "$M" || fail "$M not master"
sys_start "$S" || fail "starting $S"
lab_wait_for "$S standby" 30 sys_standby_ready "$S" || fail "$S not standby"
lab_wait_repl 30 || fail "replication"
if [ "$LAB_SEMISYNC" = 1 ]; then
	lab_wait_for "semi-sync on $M" 15 semisync_on "$M" || fail "semi-sync not active on $M"
fi
lab_sampler_start 10 300 || fail "sampler"
lab_writer_start 10000000 300 "$RATE" || fail "writer"
lab_wait_for "steady writes" 20 acked_at_least $((2 * RATE)) || fail "no steady writes"
log "ready, injecting $FAULT"

stamp t_fault_ms "$(tail -n 1 "$LAB_SAMPLES" | awk '{ print $1 }')"
t_fault=$EPOCHREALTIME
stamp t_fault "$t_fault"
inject || log "injecting $FAULT returned $?"
wait_for_heal
# The survivor is the node that serves at the end of the fault: the standby after a takeover, or
# the master when it kept the role (a partition with a witness on its side); with no single VIP
# holder, the standby.
case $(lab_vip_holder) in node1 | node2) SURV=$(lab_vip_holder) ;; *) SURV=$S ;; esac
stamp survivor "$(lab_nodenum "$SURV")"
t_snapshot=$EPOCHREALTIME
rows "$SURV" "$OUT/survivor.rows" || log "no snapshot of $SURV"
stamp t_snapshot "$t_snapshot"
t_heal=$EPOCHREALTIME
stamp t_heal "$t_heal"
log "healing after $(lab_elapsed "$t_fault") s (VIP on $(lab_vip_holder))"
heal || log "healing $FAULT returned $?"
t_healed=$EPOCHREALTIME
while ! lab_older "$t_healed" "$SETTLE_MAX_S"; do
	lab_older "$t_healed" "$SETTLE_MIN_S" && settled && break
	sleep 0.1
done
lab_writer_stop
t_end=$EPOCHREALTIME
stamp t_end "$t_end"
log "writer stopped (VIP on $(lab_vip_holder)); waiting for replication"
in_sync=0
# Async pairs may never converge after a crash (the old master binlogged rows nobody got): 10 s.
lab_wait_repl $([ "$LAB_SEMISYNC" = 1 ] && echo 30 || echo 10) 2>>"$OUT/trial.log" && in_sync=1
lab_sampler_stop
rows node1 "$OUT/node1.rows" || log "no rows from node1"
rows node2 "$OUT/node2.rows" || log "no rows from node2"
sys_acct node1
sys_acct node2
{ cp "$LAB_WRITER_ACKED" "$OUT/acked" && cp "$LAB_WRITER_ERRORS" "$OUT/errors" &&
	cp "$LAB_SAMPLES" "$OUT/samples"; } || fail "copying the writer's and sampler's files"

read -r two_writable vip_ro both_vip < <(lab_sampler_check "$OUT/samples" |
	sed -E 's/.*two_writable_ms=([0-9.]+) vip_on_readonly_ms=([0-9.]+) both_vip_ms=([0-9.]+).*/\1 \2 \3/')
read -r outage refused lost divergent takeover heal_gap late moves split < <(python3 bench/analyze.py "$OUT") || fail "analyze"
hz=$(getconf CLK_TCK)
read -r cpu_ms rss_kb < <(awk -v hz="$hz" '{ t += $2; if ($3 > m) m = $3 } END { printf "%.0f %d\n", t * 1000 / hz, m }' \
	"$LAB_DIR/acct")
trial_s=$(awk -v a="$t_start" -v b="$t_end" 'BEGIN { printf "%.1f", b - a }')
r() { printf '%.0f' "$1"; }
# dualmaster's latest takeover, phase by phase (ms, from its own log line): detection/fence/
# semi-sync/catch-up/write-enable/term/claim; empty for keepalived or without a takeover.
phases=$(grep -h "takeover phases (ms):" "$LAB_DIR"/dm-node?.log 2>/dev/null | sort | tail -n 1 |
	sed -E 's/.*detection ([0-9]+), fence ([0-9]+), semi-sync ([0-9]+), catch-up ([0-9]+), write-enable ([0-9]+), term ([0-9]+), claim ([0-9]+), lease ([0-9]+).*/\1\/\2\/\3\/\4\/\5\/\6\/\7\/\8/')
echo "$SYSTEM,$PROFILE,$FAULT,$TRIAL,$outage,$refused,$lost,$(r "$two_writable"),$(r "$vip_ro")," \
	"$(r "$both_vip"),$divergent,$cpu_ms,$rss_kb,$takeover,$heal_gap,$in_sync,$trial_s,$late,$moves,$split,$phases" |
	tr -d ' '
log "done"
