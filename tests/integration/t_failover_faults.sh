#!/usr/bin/env bash
# Faults of the master under client load (semi-sync on): its mysqld killed, hung, or its link cut, the
# VIP ends on the survivor, never two writable servers, every acknowledged row on the new master; and
# a backup whose SQL thread is stopped is not promoted when the master's mysqld dies.
set -u
cd "$(dirname "$0")/../.."
. tests/lab/lab.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

# Protocol intervals every bound below is derived from (lab config: advert 100 ms, health probes
# every 100 ms with a 500 ms timeout, fall 2; defaults: fence_timeout 2000 ms, catchup 5000 ms,
# tiebreaker every 1000 ms with a 500 ms timeout, isolated after 2 rounds).
# Slowest takeover, the hung or cut-off master: the peer probe fails by deadline (2 x 500 ms), the
# adverts stop (3 x 100 ms + skew), the fence waits fence_timeout + 1 s margin, semi-sync off and
# catch-up take well under a second: ~ 1 + 0.4 + 3 + 1 = 5.4 s. Tripled for a busy 2-core machine.
VIP_MOVE_MAX_S=16
# A client statement stuck on a hung or cut-off server only returns at its read timeout. The
# default (15 s, above the semi-sync timeout) would make every such scenario wait 15 s; what is
# measured here is the daemons, so the writer gives up after 4 s: a statement waiting that long is
# "unknown outcome" (never counted as acknowledged), which keeps every check below sound.
export LAB_WRITER_READ_TIMEOUT_S=4
WRITER_S=12       # writer run per scenario (bounded), fault injected ~1.5 s in
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

# dm_json NODE: the daemon's status as JSON (the "status" object).
dm_json() {
	"$CTL" -s "$LAB_DIR/dm-$1.sock" status --json 2>/dev/null |
		python3 -c 'import sys, json; print(json.dumps(json.load(sys.stdin)["status"]))' 2>/dev/null
}
# dm_field NODE KEY: one top-level field of the status (python repr for non-strings).
dm_field() {
	dm_json "$1" | python3 -c 'import sys, json; v = json.load(sys.stdin).get(sys.argv[1]); print(v)' "$2" \
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
vip_on() { [ "$(lab_vip_holder)" = "$1" ]; }
ro_is() { [ "$(lab_sql "$1" 'SELECT @@read_only' 2>/dev/null)" = "$2" ]; }
acked_count_ge() { [ "$(wc -l <"$LAB_WRITER_ACKED")" -ge "$1" ]; }
# At least N acknowledgements from SERVER_ID in the current writer run.
acked_from_ge() { [ "$(awk -v s="$1" '$3 == s' "$LAB_WRITER_ACKED" | wc -l)" -ge "$2" ]; }

# The row ids of writer run RUN present on NODE, sorted.
ids_on() {
	local lo=$(($2 * 1000000))
	lab_sql "$1" "SELECT id FROM dmtest.writes WHERE id > $lo AND id < $((lo + 1000000)) ORDER BY id" |
		sort
}
writer_run() { cat "$LAB_DIR/writer.runs"; }

# Largest gap between two consecutive acknowledgements (ms), from the acked file's wall-clock stamps.
max_ack_gap_ms() {
	awk 'NR > 1 && $2 - prev > gap { gap = $2 - prev } { prev = $2 } END { printf "%d", gap * 1000 }' \
		"$LAB_WRITER_ACKED"
}

# The restored scene: MASTER holds the VIP and is writable, BACKUP is read-only and BACKUP,
# replication runs both ways and the data is the same.
wait_settled() {
	local master=$1 backup=$2
	lab_wait_for "$master MASTER" "$SETTLE_MAX_S" dm_state_is "$master" MASTER || return 1
	lab_wait_for "$backup BACKUP" "$SETTLE_MAX_S" dm_state_is "$backup" BACKUP || return 1
	lab_wait_for "VIP on $master" 5 vip_on "$master" || return 1
	lab_wait_repl "$SETTLE_MAX_S" || return 1
	# The semi-sync master side comes back on once the peer replicates again (manage_semisync).
	lab_wait_for "semi-sync master side on, on $master" "$SETTLE_MAX_S" semisync_on "$master" || return 1
	ro_is "$backup" 1 || { echo "$backup is not read-only"; return 1; }
	ro_is "$master" 0 || { echo "$master is read-only"; return 1; }
}
# vip_on_ro_ms RO: ms during which a node held the VIP while its server's sampled read_only was RO
# (1, or -1: dead or hung), counted like lab_sampler_check (two consecutive samples of the node
# agree). Its vip_on_readonly_ms adds both: a master holds the VIP on a dead server until it notices
# (fall x interval), which is no broken promise, while the VIP on a read-only server would be one.
vip_on_ro_ms() {
	awk -v want="$1" '{ n = $2; ok = ($4 == 1 && $3 == want) }
		(n in prev) && ok && prevok[n] { t += $1 - prev[n] }
		{ prev[n] = $1; prevok[n] = ok }
		END { printf "%.1f", t }' "$LAB_DIR/samples"
}
semisync_on() { [ "$(lab_sql "$1" 'SELECT @@rpl_semi_sync_master_enabled')" = 1 ]; }

# ---- fault injection and undo, by name ----
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

# acked_missing_on NODE RUN [SERVER_ID]: how many ids acknowledged so far (by SERVER_ID only, if given)
# are not on NODE.
acked_missing_on() {
	comm -23 <(awk -v s="${3:-}" 's == "" || $3 == s { print $1 }' "$LAB_WRITER_ACKED" | sort) \
		<(ids_on "$1" "$2") | wc -l
}
acked_by() { awk -v s="$1" '$3 == s' "$LAB_WRITER_ACKED" | wc -l; }

# sampler_verdict WHAT: fails unless the samples show no two writable servers and no VIP on a
# server answering read_only=1.
sampler_verdict() {
	local check two vip_ro
	check=$(lab_sampler_check)
	two=$(sed -n 's/.*two_writable_ms=\([0-9.]*\).*/\1/p' <<<"$check")
	vip_ro=$(vip_on_ro_ms 1)
	echo "   sampler: $check; VIP on a server answering read_only=1: ${vip_ro} ms," \
		"on a dead or hung one: $(vip_on_ro_ms -1) ms"
	[ "$two" = 0.0 ] || fail "$1: two servers writable for ${two} ms"
	[ "$vip_ro" = 0.0 ] || fail "$1: VIP on a server answering read_only=1 for ${vip_ro} ms"
}

# scenario FAULT: the master (VIP holder) suffers FAULT under client load; the survivor takes over;
# the fault is undone and the old master rejoins as a read-only BACKUP. Sampler and writer run
# through all of it, the rejoin included.
scenario() {
	local fault=$1 master survivor sid_m sid_s t0 t_vip run acked lost gap
	master=$(lab_vip_holder)
	case $master in node1|node2) ;; *) die "$fault: no single VIP holder before the fault ($master)" ;; esac
	survivor=$(lab_peer "$master")
	sid_m=$(lab_nodenum "$master")
	sid_s=$(lab_nodenum "$survivor")
	echo "== $fault: master $master, survivor $survivor"

	lab_sampler_start 10 90 || die "sampler"
	lab_writer_start 100000 "$WRITER_S" 100 || die "writer"
	run=$(writer_run)
	lab_wait_for "writer acks from $master" 10 acked_from_ge "$sid_m" 100 || die "writer does not write"

	t0=$EPOCHREALTIME
	inject "$fault" "$master" || die "$fault: injecting failed"
	lab_wait_for "VIP on $survivor after $fault" "$VIP_MOVE_MAX_S" vip_on "$survivor" ||
		fail "$fault: VIP not on $survivor within ${VIP_MOVE_MAX_S}s"
	t_vip=$(lab_elapsed "$t0")
	dm_state_is "$survivor" MASTER || fail "$fault: $survivor holds the VIP but is $(dm_field "$survivor" state)"
	# The writer reaches the new master through the VIP (a statement stuck on the old one first
	# times out).
	lab_wait_for "acks from $survivor" $((WRITER_S + 5)) acked_from_ge "$sid_s" 50 ||
		fail "$fault: no write acknowledged by $survivor"
	# Nothing acknowledged is lost at the takeover: checked before the old master is back, so
	# replication from it cannot fill a gap afterwards.
	lost=$(acked_missing_on "$survivor" "$run" "$sid_m")
	[ "$lost" -eq 0 ] || fail "$fault: $lost rows acknowledged by $master missing on $survivor after takeover"

	# Restore: the old master comes back read-only and BACKUP, replication in sync both ways.
	undo "$fault" "$master" || die "$fault: undo failed"
	wait_settled "$survivor" "$master" || die "$fault: scene not restored"
	lab_writer_wait $((WRITER_S + LAB_WRITER_READ_TIMEOUT_S + 5)) || lab_writer_stop
	lab_wait_repl 10 || fail "$fault: replication not in sync after the writer stopped"
	lab_sampler_stop
	sampler_verdict "$fault"

	# One writer as the client sees it: once the survivor acknowledged a write, the old master
	# never acknowledged another one (not after its rejoin either).
	awk -v m="$sid_m" -v s="$sid_s" '$3 == s { seen = 1 } $3 == m && seen { bad++ }
		$3 != m && $3 != s { other++ } END { exit (bad + other) > 0 }' "$LAB_WRITER_ACKED" ||
		fail "$fault: acknowledgements from $master after $survivor took writes (or from an unknown server)"
	acked=$(wc -l <"$LAB_WRITER_ACKED")
	lost=$(acked_missing_on "$survivor" "$run")
	[ "$lost" -eq 0 ] || fail "$fault: $lost of $acked acknowledged rows missing on $survivor"
	[ "$(acked_missing_on "$master" "$run")" -eq 0 ] ||
		fail "$fault: acknowledged rows missing on $master after its rejoin"
	[ "$(ids_on node1 "$run" | md5sum)" = "$(ids_on node2 "$run" | md5sum)" ] ||
		fail "$fault: node1 and node2 hold different rows after the rejoin"
	gap=$(max_ack_gap_ms)
	echo "   acked=$acked (by $master: $(acked_by "$sid_m"), by $survivor: $(acked_by "$sid_s"))" \
		"unknown outcome=$(wc -l <"$LAB_WRITER_ERRORS") missing=$lost; $(tail -n1 "$LAB_DIR/writer.log")"
	echo "   rejoined: $survivor MASTER, $master BACKUP read_only=1, replication in sync"
	RESULTS+=("$(printf '%-5s VIP moved after %5.2f s, write outage %5d ms, acked %d, lost %d' \
		"$fault" "$t_vip" "$gap" "$acked" "$lost")")
}

# A backup with a stopped SQL thread is not promoted (default promote_stale = false): its relay
# log may hold acknowledged writes it has not applied.
not_eligible() { [ "$(dm_field "$1" eligible)" = False ]; }
scenario_sqlstop() {
	local master backup sid_b t0 h reason lost
	master=$(lab_vip_holder)
	case $master in node1|node2) ;; *) die "sqlstop: no single VIP holder ($master)" ;; esac
	backup=$(lab_peer "$master")
	sid_b=$(lab_nodenum "$backup")
	echo "== sqlstop: SQL thread stopped on $backup, then $master's mysqld killed"
	lab_sql "$backup" 'STOP SLAVE SQL_THREAD' || die "STOP SLAVE SQL_THREAD"
	# Policy runs after every probe (100 ms); rise/fall do not apply to replication state.
	lab_wait_for "$backup not eligible" 3 not_eligible "$backup" ||
		fail "sqlstop: $backup still eligible with its SQL thread stopped"
	lab_sampler_start 10 60 || die "sampler"
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
		dm_state_in "$backup" BACKUP FAULT || { fail "sqlstop: $backup is $(dm_field "$backup" state)"; break; }
		sleep 0.1
	done
	ro_is "$backup" 1 || fail "sqlstop: $backup is writable with its SQL thread stopped"
	reason=$(dm_field "$backup" reason)
	echo "   $backup: state $(dm_field "$backup" state), eligible $(dm_field "$backup" eligible)," \
		"reason: $reason"
	case $reason in *"sql thread"*) ;; *) fail "sqlstop: status reason does not name the SQL thread: $reason" ;; esac
	[ "$(acked_by "$sid_b")" -eq 0 ] || fail "sqlstop: $backup acknowledged writes with its SQL thread stopped"
	# The block was the SQL thread and nothing else: started again, the backup applies its relay
	# log and takes over (one probe, Master_Down already passed, catch-up, no fence: a few s).
	lab_sql "$backup" 'START SLAVE SQL_THREAD' || die "START SLAVE SQL_THREAD"
	lab_wait_for "$backup MASTER once its SQL thread runs" 10 vip_on "$backup" ||
		fail "sqlstop: $backup did not take over after its SQL thread was started again"
	lab_writer_wait 15 || lab_writer_stop
	lab_sampler_stop
	sampler_verdict sqlstop
	lost=$(acked_missing_on "$backup" "$(writer_run)")
	[ "$lost" -eq 0 ] || fail "sqlstop: $lost acknowledged rows missing on $backup after it took over"
	echo "   acked=$(wc -l <"$LAB_WRITER_ACKED") (by $backup after its takeover: $(acked_by "$sid_b"))," \
		"missing=$lost"
	lab_mysqld_start "$master" || die "sqlstop: restart $master"
	wait_settled "$backup" "$master" || die "sqlstop: scene not restored"
	RESULTS+=("sqlstop: not promoted in 4 s; took over once its SQL thread ran again, lost $lost")
}

# Exported, not a prefix of lab_up: servers restarted later (lab_mysqld_start) must get semi-sync too.
export LAB_SEMISYNC=1
lab_up || exit 1
trap lab_down EXIT

lab_write_dm_conf node1 150 && lab_write_dm_conf node2 100 || exit 1
lab_start_dm node1 || exit 1
lab_wait_for "node1 MASTER" 15 dm_state_is node1 MASTER || die "node1 never became MASTER"
lab_start_dm node2 || exit 1
lab_wait_for "node2 BACKUP" 15 dm_state_is node2 BACKUP || die "node2 never became BACKUP"
wait_settled node1 node2 || die "initial scene"

T_START=$EPOCHREALTIME
for f in ${FAULTS:-kill hang link sqlstop}; do
	case $f in
	sqlstop) scenario_sqlstop ;;
	*) scenario "$f" ;;
	esac
done

echo "== results (scenarios took $(lab_elapsed "$T_START") s)"
printf '   %s\n' "${RESULTS[@]}"
if [ "$FAILED" != 0 ]; then
	lab_dump_logs 25
	exit 1
fi
echo "PASS"
