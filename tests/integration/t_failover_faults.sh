#!/usr/bin/env bash
# Faults of the master under client load (semi-sync on): its mysqld killed, hung, or its link cut: the
# VIP ends on the survivor, never two writable servers, every acknowledged row on the new master, the
# old master rejoins read-only; and a backup whose SQL thread is stopped is not promoted.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

# Bounds, from the lab configuration (advert 100 ms; probes every 100 ms, 500 ms timeout, fall 2)
# and the defaults (fence_timeout 2000 ms, tiebreaker every 1000 ms with a 500 ms timeout, isolated
# after 2 failed rounds):
# - VIP move, slowest case the hung master: it resigns after 2 probe timeouts (1 s), the fence of
#   it times out (3 s): ~4 s. A cut link: Master_Down_Interval (0.36 s) + a fence that hears
#   nothing (fence_answer_ms 0.2 s) + the sequence: ~0.7 s. Nearly tripled for a busy 2-core machine.
VIP_MOVE_MAX_S=12
# - A master whose link is cut stays writable until its own isolation check steps it down: 1 advert
#   (0.1 s) + 2 tiebreaker rounds of 1 s + 0.5 s + its read_only job (up to 2 s + 1 s margin) = 5.6 s,
#   while the survivor is writable from ~0.7 s. Nobody can reach the cut-off server (clients are on
#   the same switch) and its commits wait for the peer's semi-sync ack: nothing is acknowledged
#   twice, which acks_one_writer below asserts; the overlap itself is inherent and only bounded.
LINK_TAKEOVER_WRITABLE_MAX_MS=5600
# - A mysqld frozen mid-commit resumes (SIGCONT) with that commit still waiting for its semi-sync ack
#   and read_only OFF; the read_only ON queued by its daemon's step-down waits behind it (new writes
#   queue behind that request) for lock_wait_timeout (1 s); if it gives up, the next probe round
#   (0.1 s) finds the server writable while not master and sets read_only again: 1 s lock wait,
#   killing the client sessions (~0.3 s), set. 1 + 0.1 + 1 + 0.3 = 2.4 s; 4 s allowed. Only the
#   rejoin of a hung or cut-off master gets this allowance; elsewhere two writable servers fail.
HANG_REJOIN_WRITABLE_MAX_MS=4000
# - The same holds for a master whose link was cut: commits it had in flight wait for the peer's
#   semi-sync ack, which only comes when the link does, and its read_only ON waits behind them
#   (killing a session does not end that wait). They complete, and read_only lands, right after the
#   rejoin; nothing new is acknowledged twice (acks_one_writer). Seen: 0-286 ms. Same allowance.
LINK_REJOIN_WRITABLE_MAX_MS=$HANG_REJOIN_WRITABLE_MAX_MS
# A client statement stuck on a hung or cut-off server returns only at its read timeout. The
# default (15 s, above the semi-sync timeout) would make each such scenario wait 15 s; what is
# measured here is the daemons, so the writer gives up after 4 s: a statement waiting that long is an
# unknown outcome (never counted as acknowledged), which keeps every check below sound.
export LAB_WRITER_READ_TIMEOUT_S=4
WRITER_S=12       # writer run per scenario (bounded); the fault comes ~1 s in
SETTLE_MAX_S=30   # restart + replication catch-up + rise counters, generous

CTL=./dualmasterctl
FAILED=0
RESULTS=()

fail() {
	echo "FAIL: $*"
	FAILED=1
}
die() {
	echo "FAIL: $*"
	lab_status
	lab_dump_logs 25
	exit 1
}

# dm_field NODE KEY: one top-level field of the daemon's status (python repr for non-strings).
dm_field() {
	"$CTL" -s "$LAB_DIR/dm-$1.sock" status --json 2>/dev/null |
		python3 -c 'import sys, json; print(json.load(sys.stdin)["status"].get(sys.argv[1]))' "$2" \
			2>/dev/null
}
dm_state_is() { [ "$(dm_field "$1" state)" = "$2" ]; }
dm_state_in() {
	local s
	s=$(dm_field "$1" state)
	shift
	for want; do [ "$s" = "$want" ] && return 0; done
	return 1
}
not_eligible() { [ "$(dm_field "$1" eligible)" = False ]; }
vip_on() { [ "$(lab_vip_holder)" = "$1" ]; }
ro_is() { [ "$(lab_sql "$1" 'SELECT @@read_only' 2>/dev/null)" = "$2" ]; }
semisync_on() { [ "$(lab_sql "$1" 'SELECT @@rpl_semi_sync_master_enabled' 2>/dev/null)" = 1 ]; }

# ---- the writer's acknowledgements ($LAB_WRITER_ACKED: "ID EPOCH SERVER_ID") ----
writer_run() { cat "$LAB_DIR/writer.runs"; }
acked_count_ge() { [ "$(wc -l <"$LAB_WRITER_ACKED")" -ge "$1" ]; }
acked_by() { awk -v s="$1" '$3 == s' "$LAB_WRITER_ACKED" | wc -l; }
acked_from_ge() { [ "$(acked_by "$1")" -ge "$2" ]; }
# ids_on NODE RUN: the row ids of writer run RUN on NODE, sorted.
ids_on() {
	local lo=$(($2 * 1000000))
	lab_sql "$1" "SELECT id FROM dmtest.writes WHERE id > $lo AND id < $((lo + 1000000))" | sort
}
# acked_missing_on NODE RUN [SERVER_ID]: how many ids acknowledged so far (by SERVER_ID only, when
# given) are not on NODE.
acked_missing_on() {
	comm -23 <(awk -v s="${3:-}" 's == "" || $3 == s { print $1 }' "$LAB_WRITER_ACKED" | sort) \
		<(ids_on "$1" "$2") | wc -l
}
# One writer as the client sees it: once SURVIVOR acknowledged a write, OLD never did again, and
# nobody else ever did.
acks_one_writer() {
	awk -v m="$1" -v s="$2" '$3 == s { seen = 1 } $3 == m && seen { bad++ } $3 != m && $3 != s { bad++ }
		END { exit bad > 0 }' "$LAB_WRITER_ACKED"
}
# Largest gap between two consecutive acknowledgements (ms): the write outage the client saw.
max_ack_gap_ms() {
	awk 'NR > 1 && $2 - prev > gap { gap = $2 - prev } { prev = $2 } END { printf "%d", gap * 1000 }' \
		"$LAB_WRITER_ACKED"
}

# ---- samples ("T_MS NODE RO VIP", T_MS from the sampler's start) ----
# The sampler's clock starts before lab_sampler_start returns; windows are cut on a clock started
# after that, so a window "before the undo" never holds a sample taken after it.
sampler_begin() {
	lab_sampler_start 10 90 || die "sampler"
	SAMPLER_T1=$EPOCHREALTIME
}
# ms on the sampler's clock at or before the moment this is called.
sampler_now_ms() { awk -v a="$SAMPLER_T1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
# sampler_window FILE FROM_MS TO_MS: the samples in [FROM, TO) into FILE.
sampler_window() { awk -v a="$2" -v b="$3" '$1 >= a && $1 < b' "$LAB_DIR/samples" >"$1"; }
# vip_on_ro_ms FILE RO: ms during which a node held the VIP while its sampled read_only was RO (1,
# or -1: dead or hung), counted as lab_sampler_check counts (two consecutive samples of the node
# agree). Its vip_on_readonly_ms adds both: a master holds the VIP on a dead server until it notices
# (fall x interval), which breaks no promise; the VIP on a read-only server would.
vip_on_ro_ms() {
	awk -v want="$2" '{ n = $2; ok = ($4 == 1 && $3 == want) }
		(n in prev) && ok && prevok[n] { t += $1 - prev[n] }
		{ prev[n] = $1; prevok[n] = ok }
		END { printf "%.1f", t }' "$1"
}
# sampler_verdict WHAT FILE [MAX_TWO_WRITABLE_MS]: the samples in FILE show two writable servers
# for at most MAX (default 0) ms and never the VIP on a server answering read_only=1. Sets TWO_MS.
sampler_verdict() {
	local check vip_ro
	check=$(lab_sampler_check "$2")
	TWO_MS=$(sed -n 's/.*two_writable_ms=\([0-9.]*\).*/\1/p' <<<"$check")
	vip_ro=$(vip_on_ro_ms "$2" 1)
	echo "   $1 sampler: $check; VIP on read_only=1: ${vip_ro} ms, on a dead or hung server:" \
		"$(vip_on_ro_ms "$2" -1) ms"
	awk -v v="$TWO_MS" -v m="${3:-0}" 'BEGIN { exit !(v != "" && v + 0 <= m + 0) }' ||
		fail "$1: two servers writable for ${TWO_MS} ms (allowed ${3:-0})"
	[ "$vip_ro" = 0.0 ] || fail "$1: VIP on a server answering read_only=1 for ${vip_ro} ms"
}

# The settled scene: MASTER holds the VIP and is writable, BACKUP is BACKUP and read-only,
# replication runs and is in sync both ways, semi-sync is on again on the master.
wait_settled() {
	local master=$1 backup=$2
	lab_wait_for "$master MASTER" "$SETTLE_MAX_S" dm_state_is "$master" MASTER || return 1
	lab_wait_for "$backup BACKUP" "$SETTLE_MAX_S" dm_state_is "$backup" BACKUP || return 1
	lab_wait_for "VIP on $master" 5 vip_on "$master" || return 1
	lab_wait_repl "$SETTLE_MAX_S" || return 1
	lab_wait_for "semi-sync master side on, on $master" "$SETTLE_MAX_S" semisync_on "$master" || return 1
	ro_is "$backup" 1 || { echo "$backup is not read-only"; return 1; }
	ro_is "$master" 0 || { echo "$master is read-only"; return 1; }
}

# ---- faults ----
inject() {
	case $1 in
	kill) lab_mysqld_stop "$2" KILL ;;
	hang) lab_signal "mysqld-$2" STOP ;;
	link) lab_link_down "$2" ;;
	esac
}
undo() {
	case $1 in
	kill) lab_mysqld_start "$2" ;;
	hang) lab_signal "mysqld-$2" CONT ;;
	link) lab_link_up "$2" ;;
	esac
}

# scenario FAULT: the master (VIP holder) suffers FAULT under client load; the survivor takes over;
# the fault is undone and the old master rejoins as a read-only BACKUP. Sampler and writer run
# through all of it; the samples are judged in two windows, takeover and rejoin.
scenario() {
	local fault=$1 master survivor sid_m sid_s t0 t_vip run acked lost gap t_undo rejoin_max=0
	master=$(lab_vip_holder)
	case $master in node1|node2) ;; *) die "$fault: no single VIP holder before ($master)" ;; esac
	survivor=$(lab_peer "$master")
	sid_m=$(lab_nodenum "$master")
	sid_s=$(lab_nodenum "$survivor")
	echo "== $fault: master $master, survivor $survivor"

	sampler_begin
	lab_writer_start 100000 "$WRITER_S" 100 || die "writer"
	run=$(writer_run)
	lab_wait_for "writer acks from $master" 10 acked_from_ge "$sid_m" 100 || die "writer does not write"

	t0=$EPOCHREALTIME
	inject "$fault" "$master" || die "$fault: injecting failed"
	lab_wait_for "VIP on $survivor after $fault" "$VIP_MOVE_MAX_S" vip_on "$survivor" ||
		fail "$fault: VIP not on $survivor within ${VIP_MOVE_MAX_S}s"
	t_vip=$(lab_elapsed "$t0")
	dm_state_is "$survivor" MASTER ||
		fail "$fault: $survivor holds the VIP but is $(dm_field "$survivor" state)"
	# The writer reaches the new master through the VIP (a statement stuck on the old one first
	# times out).
	lab_wait_for "acks from $survivor" $((WRITER_S + 5)) acked_from_ge "$sid_s" 50 ||
		fail "$fault: no write acknowledged by $survivor"
	# Nothing acknowledged is lost at the takeover: checked before the old master is back, so
	# replication from it cannot fill a gap afterwards.
	lost=$(acked_missing_on "$survivor" "$run" "$sid_m")
	[ "$lost" -eq 0 ] || fail "$fault: $lost rows acked by $master missing on $survivor after takeover"

	t_undo=$(sampler_now_ms)
	undo "$fault" "$master" || die "$fault: undo failed"
	wait_settled "$survivor" "$master" || die "$fault: scene not restored"
	lab_writer_wait $((WRITER_S + LAB_WRITER_READ_TIMEOUT_S + 5)) || lab_writer_stop
	lab_wait_repl 10 || fail "$fault: replication not in sync after the writer stopped"
	lab_sampler_stop
	cp "$LAB_DIR/samples" "$LAB_DIR/samples-$run-$fault" # for LAB_KEEP=1 post-mortems

	sampler_window "$LAB_DIR/samples.a" 0 "$t_undo"
	sampler_window "$LAB_DIR/samples.b" "$t_undo" 1e9
	takeover_max=0
	[ "$fault" = link ] && takeover_max=$LINK_TAKEOVER_WRITABLE_MAX_MS
	sampler_verdict "$fault (takeover)" "$LAB_DIR/samples.a" "$takeover_max"
	[ "$fault" = hang ] && rejoin_max=$HANG_REJOIN_WRITABLE_MAX_MS
	[ "$fault" = link ] && rejoin_max=$LINK_REJOIN_WRITABLE_MAX_MS
	sampler_verdict "$fault (rejoin)" "$LAB_DIR/samples.b" "$rejoin_max"

	acks_one_writer "$sid_m" "$sid_s" ||
		fail "$fault: acks from $master after $survivor took writes (or from an unknown server)"
	acked=$(wc -l <"$LAB_WRITER_ACKED")
	lost=$(acked_missing_on "$survivor" "$run")
	[ "$lost" -eq 0 ] || fail "$fault: $lost of $acked acknowledged rows missing on $survivor"
	[ "$(acked_missing_on "$master" "$run")" -eq 0 ] ||
		fail "$fault: acknowledged rows missing on $master after its rejoin"
	[ "$(ids_on node1 "$run" | md5sum)" = "$(ids_on node2 "$run" | md5sum)" ] ||
		fail "$fault: node1 and node2 hold different rows after the rejoin"
	gap=$(max_ack_gap_ms)
	echo "   acked=$acked (by $master: $(acked_by "$sid_m"), by $survivor: $(acked_by "$sid_s"))" \
		"unknown outcome=$(wc -l <"$LAB_WRITER_ERRORS") missing=$lost;" \
		"$(tail -n1 "$LAB_DIR/writer.log")"
	echo "   rejoined: $survivor MASTER, $master BACKUP read_only=1, replication in sync"
	RESULTS+=("$(printf '%-5s VIP moved after %5.2f s, write outage %5d ms, acked %4d, lost %d, %s' \
		"$fault" "$t_vip" "$gap" "$acked" "$lost" "rejoin two-writable $TWO_MS ms")")
}

# A backup with a stopped SQL thread is not promoted (default promote_stale = false): its relay
# log may hold acknowledged writes it has not applied.
scenario_sqlstop() {
	local master backup sid_b t0 h reason lost
	master=$(lab_vip_holder)
	case $master in node1|node2) ;; *) die "sqlstop: no single VIP holder ($master)" ;; esac
	backup=$(lab_peer "$master")
	sid_b=$(lab_nodenum "$backup")
	echo "== sqlstop: SQL thread stopped on $backup, then $master's mysqld killed"
	lab_sql "$backup" 'STOP SLAVE SQL_THREAD' || die "STOP SLAVE SQL_THREAD"
	# The policy runs after every probe (100 ms); rise and fall do not apply to replication state.
	lab_wait_for "$backup not eligible" 3 not_eligible "$backup" ||
		fail "sqlstop: $backup still eligible with its SQL thread stopped"
	sampler_begin
	lab_writer_start 100000 8 100 || die "writer"
	lab_wait_for "writer acks" 10 acked_count_ge 100 || die "writer does not write"
	t0=$EPOCHREALTIME
	lab_mysqld_stop "$master" KILL
	# The dead master's daemon notices in fall x interval (2 x 100 ms) and drops the VIP.
	lab_wait_for "VIP off $master" 3 vip_on none || fail "sqlstop: VIP still on $(lab_vip_holder)"
	# Had it been eligible, the backup would be MASTER one Skew_Time after the dead master's
	# priority-0 advert (< 0.1 s) plus a takeover without fence (< 1 s): watch for 4 s.
	while ! lab_older "$t0" 4; do
		h=$(lab_vip_holder)
		[ "$h" = none ] || { fail "sqlstop: VIP on $h, $backup's SQL thread stopped"; break; }
		dm_state_in "$backup" BACKUP FAULT ||
			{ fail "sqlstop: $backup is $(dm_field "$backup" state)"; break; }
		sleep 0.1
	done
	ro_is "$backup" 1 || fail "sqlstop: $backup is writable with its SQL thread stopped"
	reason=$(dm_field "$backup" reason)
	echo "   $backup: state $(dm_field "$backup" state), eligible $(dm_field "$backup" eligible)," \
		"reason: $reason"
	case $reason in
	*"sql thread"*) ;;
	*) fail "sqlstop: status reason does not name the SQL thread: $reason" ;;
	esac
	[ "$(acked_by "$sid_b")" -eq 0 ] || fail "sqlstop: $backup acked writes with its SQL thread stopped"
	# The block was the SQL thread and nothing else: started again, the backup applies its relay
	# log and takes over (Master_Down passed long ago; one probe, catch-up, no fence: ~1 s).
	lab_sql "$backup" 'START SLAVE SQL_THREAD' || die "START SLAVE SQL_THREAD"
	lab_wait_for "$backup MASTER once its SQL thread runs" 10 vip_on "$backup" ||
		fail "sqlstop: $backup did not take over after its SQL thread was started again"
	lab_writer_wait 15 || lab_writer_stop
	lost=$(acked_missing_on "$backup" "$(writer_run)")
	[ "$lost" -eq 0 ] || fail "sqlstop: $lost acknowledged rows missing on $backup after it took over"
	echo "   acked=$(wc -l <"$LAB_WRITER_ACKED") (by $backup after its takeover: $(acked_by "$sid_b"))," \
		"missing=$lost"
	lab_mysqld_start "$master" || die "sqlstop: restart $master"
	wait_settled "$backup" "$master" || die "sqlstop: scene not restored"
	lab_sampler_stop
	sampler_verdict sqlstop "$LAB_DIR/samples"
	RESULTS+=("sqlstop: not promoted in 4 s; took over once its SQL thread ran again, lost $lost")
}

# Exported, not a prefix of lab_up: servers restarted later (lab_mysqld_start) need semi-sync too.
export LAB_SEMISYNC=1
lab_up || exit 1
trap lab_down EXIT

lab_write_dm_conf node1 150 && lab_write_dm_conf node2 100 || exit 1
lab_start_dm node1 || exit 1
lab_wait_for "node1 MASTER" 15 dm_state_is node1 MASTER || die "node1 never became MASTER"
lab_start_dm node2 || exit 1
lab_wait_for "node2 BACKUP" 15 dm_state_is node2 BACKUP || die "node2 never became BACKUP"
wait_settled node1 node2 || die "initial scene"

# FAULTS (for debugging): which scenarios, in order; each leaves the scene settled.
T_START=$EPOCHREALTIME
for f in ${FAULTS:-kill hang link sqlstop}; do
	case $f in
	kill|hang|link) scenario "$f" ;;
	sqlstop) scenario_sqlstop ;;
	*) die "unknown fault $f" ;;
	esac
done

echo "== results (scenarios took $(lab_elapsed "$T_START") s)"
printf '   %s\n' "${RESULTS[@]}"
if [ "$FAILED" != 0 ]; then
	lab_dump_logs 25
	exit 1
fi
echo "PASS"
