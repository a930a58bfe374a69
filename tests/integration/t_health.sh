#!/usr/bin/env bash
# Faults of the backup's server (SQL thread, replication error, lag, hung or dead mysqld, lost grant)
# move health, priority and eligibility as src/health_policy.c says, within bounds derived from the
# probe settings; both nodes' status shows them with reasons, and never the monitor password.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
[ -x ./dualmasterd ] && [ -x ./dualmasterctl ] || { echo "build first (make)"; exit 1; }

# Probe settings written into both configs (the lab's interval/timeout, the default fall/rise) and
# what the scenarios need: a low max_lag_s, and a peer-down weight that shows on the master.
INTERVAL_MS=100 TIMEOUT_MS=500 FALL=2 RISE=2 MAX_LAG_S=2 PEER_DOWN_W=30
ADVERT_MS=${LAB_ADVERT_MS:-100}
DELAY_S=6 # MASTER_DELAY for the lag scenario: above MAX_LAG_S + 1, so the lag crosses it
# Scheduling on a loaded 2-core machine, plus the status polls themselves (~0.1 s each).
MARGIN_MS=2500
# Bounds, in ms. Replication issues are judged on every probe, without fall/rise; evaluation runs
# on the probe tick, after the probe results that arrived since the last tick.
# - Replication change: seen by the first probe that starts after it (<= one interval), which
#   answers within timeout_ms; the next tick evaluates (<= one interval).
B_REPL=$((2 * INTERVAL_MS + TIMEOUT_MS + MARGIN_MS))
# - Dead server (connections refused at once): one failed probe per tick; `fall` of them in a
#   row, the first starting <= one interval after the death; the next tick evaluates.
B_DEAD=$(((FALL + 1) * INTERVAL_MS + MARGIN_MS))
# - Hung server (SIGSTOP): each probe fails by its own deadline, never by waiting: it starts
#   <= one interval after the previous one ended, fails timeout_ms later, and is counted at the
#   first tick after its deadline (<= one interval), where the verdict is taken too. `fall`
#   such probes in a row. (Not timeout + fall*interval: fall counts failed probes, and every
#   probe of a hung server takes its whole timeout to fail.)
B_HUNG=$((FALL * (TIMEOUT_MS + 2 * INTERVAL_MS) + MARGIN_MS))
# - Server back: the probe in flight ends within timeout_ms (answer or deadline); then `rise`
#   good probes, one per tick, the first at the next tick; the tick after the last evaluates.
B_UP=$((TIMEOUT_MS + (RISE + 2) * INTERVAL_MS + MARGIN_MS))
# - Lag: Seconds_Behind_Master counts whole seconds since the oldest unapplied event; with a
#   write every 100 ms and MASTER_DELAY > max_lag_s + 1 it exceeds max_lag_s once the first
#   delayed write is max_lag_s + 1 s old; then as for any replication change.
B_LAG=$(((MAX_LAG_S + 1) * 1000 + B_REPL))

LAB_DM_HEALTH_EXTRA="interval_ms = $INTERVAL_MS
  timeout_ms = $TIMEOUT_MS
  fall = $FALL
  rise = $RISE
  max_lag_s = $MAX_LAG_S
  weight_peer_down = $PEER_DOWN_W"

lab_up || exit 1
trap lab_down EXIT
CAPTURE=$LAB_DIR/status-capture # every status output seen, for the password check

ctl() { ./dualmasterctl -s "$LAB_DIR/dm-$1.sock" "${@:2}"; }

# sj NODE PYEXPR: evaluates PYEXPR (newlines allowed) with s = NODE's status object (re imported);
# prints the value and succeeds unless it is False or None.
sj() {
	ctl "$1" status --json 2>/dev/null | python3 -c '
import json, re, sys
s = json.load(sys.stdin)["status"]
v = eval("(" + sys.argv[1] + ")")
print(v)
sys.exit(v is False or v is None)' "$2" 2>"$LAB_DIR/sj.err"
}
sjq() { sj "$@" >/dev/null; }

# Text status of NODE, wrapped lines joined; with SECTION (local, peer) only that server's part.
text_of() {
	local out
	out=$(ctl "$1" status -v) || return 1
	printf '%s\n' "$out" >>"$CAPTURE"
	[ -z "${2:-}" ] || out=$(awk -v s="$2" '/^[a-z]+:/ { on = ($1 == s ":") } on' <<<"$out")
	tr '\n' ' ' <<<"$out" | tr -s ' '
}

fail() {
	echo "FAIL: $*"
	for n in node1 node2; do
		echo "==== $n status"
		ctl "$n" status -v
	done
	lab_status
	lab_dump_logs 30
	exit 1
}

ms2s() { awk -v m="$1" 'BEGIN { printf "%.2f", m / 1000 }'; }

# wait_cond DESC BOUND_MS NODE PYCOND [START]: PYCOND true on NODE within BOUND_MS of START
# (an $EPOCHREALTIME; default now).
wait_cond() {
	local desc=$1 bound=$2 node=$3 cond=$4 start=${5:-$EPOCHREALTIME} left
	left=$(awk -v a="$start" -v b="$EPOCHREALTIME" -v m="$bound" \
		'BEGIN { printf "%.2f", m / 1000 - (b - a) }')
	lab_wait_for "$desc" "$left" sjq "$node" "$cond" ||
		fail "$desc: not within $(ms2s "$bound") s; $node: $(sj "$node" 's["reason"]');" \
			"last check: $(sjq "$node" "$cond"; tail -n 1 "$LAB_DIR/sj.err")"
	ctl "$node" status --json >>"$CAPTURE"
	echo "ok: $desc ($(lab_elapsed "$start") s, bound $(ms2s "$bound") s)"
}

# text_has NODE SECTION STRING: the text status (SECTION "" for all of it) contains STRING.
text_has() {
	local t
	t=$(text_of "$1" "$2")
	grep -qF -- "$3" <<<"$t" || fail "$1 status${2:+ ($2 part)} lacks '$3': $t"
	echo "ok: $1 status${2:+ ($2 part)} shows '$3'"
}

MASTER_OK='s["state"] == "MASTER" and s["vips"][0]["held"] and s["eligible"] and s["priority"] == 150
	and s["reason"] == "ok" and s["peer"]["up"] and s["peer"]["sql"] == "Yes"
	and s["peer"]["last_sql_errno"] == 0'
BACKUP_OK='s["state"] == "BACKUP" and not s["vips"][0]["held"] and s["eligible"] and s["priority"] == 100
	and s["reason"] == "ok" and s["local"]["up"] and s["local"]["io"] == "Yes"
	and s["local"]["sql"] == "Yes"'
# node2 unfit, for any reason: what health_policy.c gives a backup with a blocking issue.
UNFIT='s["state"] == "FAULT" and not s["eligible"] and s["priority"] == 0 and not s["vips"][0]["held"]'
# node1 keeps the role through all of it; with the peer's server down it pays weight_peer_down.
# The reason is the first issue found (health_policy.h): its own IO thread retrying, if the
# peer's death broke it, comes before the peer and costs a master nothing.
MASTER_PEER_DOWN="s[\"state\"] == \"MASTER\" and s[\"eligible\"] and not s[\"peer\"][\"up\"]
	and s[\"priority\"] == $((150 - PEER_DOWN_W))
	and (s[\"reason\"] == \"peer mysqld unreachable\"
	     or re.fullmatch(r\"io thread not running \(Connecting\): errno \d+ \+1 more\", s[\"reason\"]))"

settled() {
	wait_cond "node1 master, healthy" "${1:-$B_UP}" node1 "$MASTER_OK"
	wait_cond "node2 backup, healthy" "${1:-$B_UP}" node2 "$BACKUP_OK"
	lab_wait_repl 20 || fail "replication does not recover"
}

lab_write_dm_conf node1 150 && lab_write_dm_conf node2 100 || exit 1
lab_start_dm node1
wait_cond "node1 becomes master" 15000 node1 's["state"] == "MASTER"'
lab_start_dm node2
settled 15000
N1_TRANSITIONS=$(sj node1 's["transitions_total"]')

echo "== SQL thread stopped on the backup"
lab_sql node2 'STOP SLAVE SQL_THREAD'
wait_cond "node2 not eligible: sql thread not running" "$B_REPL" node2 \
	"$UNFIT"' and s["reason"] == "sql thread not running" and s["local"]["sql"] == "No"
	 and s["local"]["io"] == "Yes"'
wait_cond "node1 sees the peer's SQL thread stopped" "$B_REPL" node1 \
	's["state"] == "MASTER" and s["priority"] == 150 and s["peer"]["up"] and s["peer"]["sql"] == "No"'
text_has node2 "" "eligible: NO (sql thread not running)"
text_has node1 peer "replication: io=Yes sql=No"
lab_sql node2 'START SLAVE'
settled "$B_REPL"

echo "== duplicate key breaks the backup's replication"
lab_sql node2 "SET SESSION sql_log_bin = 0; INSERT INTO dmtest.writes (id, node) VALUES (7001, 'node2')"
lab_sql node1 "INSERT INTO dmtest.writes (id, node) VALUES (7001, 'node1')"
wait_cond "node2 not eligible: errno 1062" "$B_REPL" node2 \
	"$UNFIT"' and s["reason"].startswith("sql thread stopped: errno 1062 ")
	 and s["local"]["last_sql_errno"] == 1062'
wait_cond "node1 shows the peer's SQL error" "$B_REPL" node1 \
	's["state"] == "MASTER" and s["eligible"] and s["peer"]["last_sql_errno"] == 1062
	 and "Duplicate entry" in (s["peer"]["last_sql_error"] or "") and s["peer"]["sql"] == "No"'
text_has node2 "" "eligible: NO (sql thread stopped: errno 1062"
text_has node1 peer "last sql error 1062: Could not execute Write_rows"
lab_sql node2 "SET SESSION sql_log_bin = 0; DELETE FROM dmtest.writes WHERE id = 7001; START SLAVE"
settled "$B_REPL"
[ "$(lab_sql node2 'SELECT node FROM dmtest.writes WHERE id = 7001')" = node1 ] ||
	fail "node2 did not apply node1's row 7001"

echo "== lag on the backup (MASTER_DELAY $DELAY_S s, writes through the VIP)"
lab_sql node2 "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = $DELAY_S; START SLAVE"
lab_writer_start 400 30 10 || fail "writer does not start"
lab_wait_for "first write acknowledged" 10 test -s "$LAB_WRITER_ACKED" || fail "writer acknowledges nothing"
LAG_RE='re.fullmatch(r"lag (\d+)s > max_lag_s '$MAX_LAG_S'", s["reason"])'
wait_cond "node2 not eligible: lag > max_lag_s $MAX_LAG_S" "$B_LAG" node2 \
	"$UNFIT and (m := $LAG_RE) and int(m.group(1)) > $MAX_LAG_S and s[\"local\"][\"lag_s\"] > $MAX_LAG_S"
wait_cond "node1 shows the peer's lag" "$B_REPL" node1 \
	"s[\"state\"] == \"MASTER\" and s[\"priority\"] == 150 and s[\"peer\"][\"lag_s\"] > $MAX_LAG_S"
text_has node2 "" "eligible: NO (lag "
text_has node2 "" "> max_lag_s $MAX_LAG_S)"
lab_sql node2 "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE"
lab_writer_stop
settled "$B_UP"

echo "== backup's mysqld frozen (SIGSTOP)"
RX0=$(sj node2 's["counters"]["adverts_received"]') || fail "no advert counter"
T_STOP=$EPOCHREALTIME
lab_signal mysqld-node2 STOP || fail "cannot stop mysqld-node2"
wait_cond "node2 local down by probe timeout" "$B_HUNG" node2 \
	"$UNFIT"' and not s["local"]["up"] and s["reason"].startswith("local mysqld unreachable (")
	 and "probe timed out" in s["reason"] and "probe timed out" in (s["local"]["error"] or "")' "$T_STOP"
wait_cond "node1 shows the peer down" "$B_HUNG" node1 \
	"$MASTER_PEER_DOWN"' and s["reason"] == "peer mysqld unreachable"
	 and "timed out" in (s["peer"]["error"] or "")' "$T_STOP"
text_has node2 local "local: UNREACHABLE, health DOWN"
text_has node1 peer "peer: UNREACHABLE, health DOWN"
# The probes go on while the server hangs (the count grows), and so does VRRP: node1 keeps
# sending (its peer probe hangs too) and node2 keeps receiving (its local probe hangs).
wait_cond "node2 keeps counting failed probes" $((3 * (TIMEOUT_MS + 2 * INTERVAL_MS) + MARGIN_MS)) node2 \
	"int(re.match(r\"local mysqld unreachable \((\d+) fails\)\", s[\"reason\"]).group(1)) > $FALL"
RX1=$(sj node2 's["counters"]["adverts_received"]')
T_RX1=$EPOCHREALTIME
wait_cond "node2 receives 10 more adverts" $((10 * ADVERT_MS + MARGIN_MS)) node2 \
	"s[\"counters\"][\"adverts_received\"] >= $((RX1 + 10))"
RX2=$(sj node2 's["counters"]["adverts_received"]')
[ "$(awk '{ print $3 }' "/proc/$(lab_pid mysqld-node2)/stat")" = T ] || fail "mysqld-node2 no longer stopped"
# No gap: at least half the adverts one every ADVERT_MS would give since the stop.
awk -v a="$RX0" -v b="$RX2" -v t0="$T_STOP" -v t1="$EPOCHREALTIME" -v i="$ADVERT_MS" \
	'BEGIN { exit !(b - a >= (t1 - t0) * 1000 / i / 2) }' ||
	fail "adverts stalled while mysqld hung: $RX0 -> $RX2 in $(lab_elapsed "$T_STOP") s"
echo "ok: adverts received while frozen: $RX0 -> $RX1 -> $RX2 in $(lab_elapsed "$T_STOP") s" \
	"($(lab_elapsed "$T_RX1") s for the last $((RX2 - RX1)))"
[ "$(lab_vip_holder)" = node1 ] || fail "VIP on $(lab_vip_holder) while node2's mysqld hangs"
T_CONT=$EPOCHREALTIME
lab_signal mysqld-node2 CONT || fail "cannot continue mysqld-node2"
wait_cond "node2 healthy again after SIGCONT" "$B_UP" node2 "$BACKUP_OK" "$T_CONT"
wait_cond "node1 sees the peer up" "$B_UP" node1 "$MASTER_OK" "$T_CONT"
settled

echo "== backup's mysqld killed (SIGKILL), then restarted"
LOG0=$(wc -l <"$LAB_DIR/dm-node2.log")
T_KILL=$EPOCHREALTIME
lab_mysqld_stop node2 KILL || fail "cannot kill mysqld-node2"
wait_cond "node2 local down" "$B_DEAD" node2 \
	"$UNFIT"' and not s["local"]["up"] and s["reason"].startswith("local mysqld unreachable (")
	 and "2002" in (s["local"]["error"] or "")' "$T_KILL"
wait_cond "node1 shows the peer down" "$B_DEAD" node1 "$MASTER_PEER_DOWN" "$T_KILL"
text_has node1 peer "peer: UNREACHABLE, health DOWN"
# A long enough outage that a reason logged on every probe would show in the log count below.
wait_cond "node2 counts 10 failed probes" $((10 * INTERVAL_MS + MARGIN_MS)) node2 \
	'int(re.match(r"local mysqld unreachable \((\d+) fails\)", s["reason"]).group(1)) >= 10'
lab_mysqld_start node2 || fail "mysqld-node2 does not restart"
T_START=$EPOCHREALTIME
wait_cond "node2 healthy again after the restart" "$B_UP" node2 "$BACKUP_OK" "$T_START"
wait_cond "node1 sees the peer up" "$B_UP" node1 "$MASTER_OK" "$T_START"
# The log says what changed, not every probe's fail count: expected here "probe failed",
# "unreachable", "not confirmed up yet", "ok", and perhaps one passing replication reason.
HEALTH_LINES=$(tail -n +"$((LOG0 + 1))" "$LAB_DIR/dm-node2.log" | grep -c ' health: ')
[ "$HEALTH_LINES" -le 6 ] || fail "node2 logged $HEALTH_LINES health lines for one outage:
$(tail -n +"$((LOG0 + 1))" "$LAB_DIR/dm-node2.log" | grep ' health: ')"
echo "ok: $HEALTH_LINES health lines logged for the outage"
settled

echo "== monitor grant revoked on the backup"
# Connection and statement logs of both daemons during the reconnects, for the password check.
for n in node1 node2; do ctl "$n" debug mysql on >/dev/null || fail "$n: debug mysql on refused"; done
lab_sql node2 "SET SESSION sql_log_bin = 0;
	REVOKE REPLICA MONITOR ON *.* FROM 'dualmaster'@'localhost', 'dualmaster'@'192.0.2.%'"
if lab_sql_as node2 dualmaster "$LAB_DIR/dm.password" 'SHOW ALL SLAVES STATUS' >/dev/null 2>&1; then
	fail "revoke had no effect on a new session"
fi
# A session keeps the global privileges it logged in with: end the daemons' sessions on node2
# (node2's local workers, node1's peer workers) so that they reconnect and meet the new grants.
T_REVOKE=$EPOCHREALTIME
for id in $(lab_sql node2 "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'dualmaster'"); do
	lab_sql node2 "KILL CONNECTION $id" 2>/dev/null
done
wait_cond "node2 not eligible: replication status denied (1227)" "$B_DEAD" node2 \
	"$UNFIT"' and not s["local"]["up"] and "[1227]" in s["reason"]
	 and "[1227]" in (s["local"]["error"] or "")' "$T_REVOKE"
wait_cond "node1 shows the peer's probe error" "$B_DEAD" node1 \
	"$MASTER_PEER_DOWN"' and s["reason"] == "peer mysqld unreachable"
	 and "[1227]" in (s["peer"]["error"] or "")' "$T_REVOKE"
text_has node2 local "error: probe: [1227]"
text_has node1 peer "error: probe: [1227]"
T_GRANT=$EPOCHREALTIME
lab_sql node2 "SET SESSION sql_log_bin = 0;
	GRANT REPLICA MONITOR ON *.* TO 'dualmaster'@'localhost', 'dualmaster'@'192.0.2.%'"
wait_cond "node2 healthy again after the grant" "$B_UP" node2 "$BACKUP_OK" "$T_GRANT"
wait_cond "node1 sees the peer up" "$B_UP" node1 "$MASTER_OK" "$T_GRANT"
for n in node1 node2; do ctl "$n" debug mysql off >/dev/null; done
grep -q 'local-probe: connected to' "$LAB_DIR/dm-node2.log" &&
	grep -q 'peer-probe: connected to' "$LAB_DIR/dm-node1.log" ||
	fail "no reconnection logged by debug mysql"
settled

echo "== the master never moved; no password anywhere"
[ "$(sj node1 's["transitions_total"]')" = "$N1_TRANSITIONS" ] || fail "node1 changed state"
[ "$(lab_vip_holder)" = node1 ] || fail "VIP on $(lab_vip_holder)"
PW=$(cat "$LAB_DIR/dm.password")
[ "${#PW}" -ge 16 ] || fail "lab password too short to search for"
for n in node1 node2; do
	{ ctl "$n" status --json && ctl "$n" status && ctl "$n" metrics; } >>"$CAPTURE" ||
		fail "$n: status or metrics failed"
done
[ "$(grep -c '"ok":true' "$CAPTURE")" -ge 20 ] || fail "too few status outputs captured"
for f in "$CAPTURE" "$LAB_DIR"/dm-node1.log "$LAB_DIR"/dm-node2.log; do
	! grep -qF -- "$PW" "$f" || fail "password text in $f"
done
echo "ok: no password in $(wc -c <"$CAPTURE") bytes of status and" \
	"$(cat "$LAB_DIR"/dm-node*.log | wc -l) log lines"
echo "PASS"
