#!/usr/bin/env bash
# Operating it, on the real two-node scene: control protocol (status, JSON, metrics, errors,
# permissions), maintenance, switchover, reload, systemd notify/watchdog, hooks, metrics_file.
#
# node2 runs under a fake service manager: NOTIFY_SOCKET is a datagram socket this test reads,
# WATCHDOG_USEC=2 s, WATCHDOG_PID = the daemon's own pid (sh exports $$ and execs the daemon).
# The control socket is 0660 root:root; for the non-root client the test makes $LAB_DIR
# traversable (0711) and gives node1's socket to group nogroup (65534), then puts both back.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd mariadb-install-db nft bridge python3 cc setpriv; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
[ -x ./dualmasterd ] && [ -x ./dualmasterctl ] || { echo "dualmasterd not built (make)"; exit 1; }
# Installed by make deps: missing, it is a failure, not a skip.
/usr/bin/python3 -c "import prometheus_client" || { echo "FAIL: python3-prometheus-client missing (make deps)"; exit 1; }
. tests/lab/lab.sh

. tests/lab/lab_check.sh
has() { [[ $2 == *"$3"* ]] && ok "$1" || bad "$1: '$3' not in: $2"; }
finish() {
	[ $fails -eq 0 ] || { lab_status; lab_dump_logs 60; tail -n 30 "$LAB_DIR/notify.log" 2>/dev/null; }
	[ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR" ] && chmod 0700 "$LAB_DIR"
	lab_down
	[ $fails -eq 0 ] && echo "t_ops: all passed" || echo "t_ops: $fails failed"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

# ---- helpers ------------------------------------------------------------------------------------

sock() { echo "$LAB_DIR/dm-$1.sock"; }
# st NODE EXPR: the Python expression EXPR over NODE's status object s.
st() {
	ctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["status"]
except Exception:
    sys.exit(1)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$2"
}
state_is() { [ "$(st "$1" 's["state"]')" = "$2" ]; }
ro() { lab_sql "$1" 'SELECT @@read_only' 2>/dev/null; }
writable() { [ "$(ro "$1")" = 0 ]; }
vip_on() { [ "$(lab_vip_holder)" = "$1" ]; }
settled_on() {
	local b
	b=$(lab_peer "$1")
	state_is "$1" MASTER && state_is "$b" BACKUP && vip_on "$1" && writable "$1" && [ "$(ro "$b")" = 1 ] &&
		[ "$(st "$b" 's["eligible"]')" = True ]
}
acked_at_least() { [ "$(lab_writer_acked)" -ge "$1" ]; }
# Lines of the fake service manager's log (one datagram per line, assignments separated by tabs).
notify_has() { grep -q -- "$1" "$LAB_DIR/notify.log"; }
notify_count() { grep -c -- "$1" "$LAB_DIR/notify.log"; }
hook_line() { grep -E -- "$1" "$LAB_DIR/hooks.log" | tail -n 1; }
hook_ran() { grep -qE -- "$1" "$LAB_DIR/hooks.log" 2>/dev/null; }
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# raw NODE LINE: sends one request line itself and prints the daemon's reply lines, up to the final one.
raw() {
	python3 -c '
import json, socket, sys
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.settimeout(10)
c.connect(sys.argv[1])
c.sendall(sys.argv[2].encode() + b"\n")
f = c.makefile("rb")
for line in f:
    sys.stdout.write(line.decode())
    if "ok" in json.loads(line):
        break' "$(sock "$1")" "$2"
}

# ---- the scene ----------------------------------------------------------------------------------

export LAB_SEMISYNC=1
lab_up || { bad "lab_up"; exit 1; }

mkdir -p "$LAB_DIR/hooks"
for k in master backup fault; do
	cat >"$LAB_DIR/hooks/on_$k" <<-EOF
	#!/bin/sh
	# test hook: records which hook ran with which environment; sleeps past its timeout on request
	echo "hook=$k node=\$DM_NODE state=\$DM_STATE vips=\$DM_VIPS reason=\$DM_REASON" >>"$LAB_DIR/hooks.log"
	if [ $k = master ] && [ -e "$LAB_DIR/hook-sleep-\$DM_NODE" ]; then
		trap '' TERM        # ignored across exec: only the SIGKILL after the grace ends it
		echo \$\$ >"$LAB_DIR/hook-sleeping.pid"
		exec sleep 30
	fi
	EOF
	chmod 0755 "$LAB_DIR/hooks/on_$k"
done
: >"$LAB_DIR/hooks.log"
HOOK_TIMEOUT_MS=1000
LAB_DM_HOOKS_EXTRA="on_master = \"$LAB_DIR/hooks/on_master\"
on_backup = \"$LAB_DIR/hooks/on_backup\"
on_fault = \"$LAB_DIR/hooks/on_fault\"
timeout_ms = $HOOK_TIMEOUT_MS"
for n in node1 node2; do
	LAB_DM_TOP_EXTRA="metrics_file = \"$LAB_DIR/metrics-$n.prom\"" lab_write_dm_conf "$n" ||
		{ bad "config $n"; exit 1; }
done

# Adverts every 100 ms: Master_Down_Interval = 3 * 0.1 s + skew (< 0.1 s) < 0.4 s; health every
# 100 ms, fall 2. Waits below are seconds: many intervals, on a loaded 2-core machine.
check "node1 dualmasterd starts" lab_start_dm node1
check "node1 becomes MASTER" lab_wait_for "node1 master" 15 state_is node1 MASTER

# The fake service manager: one line per datagram, "MONOTONIC_S ASSIGNMENT<TAB>ASSIGNMENT...".
cat >"$LAB_DIR/notify.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        d = s.recv(65536)
        f.write("%.3f %s\n" % (time.monotonic(), d.decode(errors="replace").replace("\n", "\t")))
PY
: >"$LAB_DIR/notify.log"
lab_spawn notify "$LAB_DIR/notify.err" "$(lab_ns client)" python3 "$LAB_DIR/notify.py" \
	"$LAB_DIR/notify.sock" "$LAB_DIR/notify.log"
check "fake service manager listens" lab_wait_for "notify socket" 10 test -S "$LAB_DIR/notify.sock"
# shellcheck disable=SC2016 # $$ is the inner shell's
lab_spawn dm-node2 "$LAB_DIR/dm-node2.log" "$(lab_ns node2)" env NOTIFY_SOCKET="$LAB_DIR/notify.sock" \
	WATCHDOG_USEC=2000000 sh -c 'export WATCHDOG_PID=$$; exec "$0" -f "$1"' "$PWD/dualmasterd" \
	"$(lab_dm_conf node2)"
check "the pair settles on node1" lab_wait_for "settled on node1" 15 settled_on node1 ||
	{ lab_dump_logs; exit 1; }
DM2_PID=$(lab_pid dm-node2)

# ==== systemd: READY=1 ==========================================================================
check "node2 sent READY=1" lab_wait_for "READY=1" 5 notify_has 'READY=1'
ready=$(grep -m1 'READY=1' "$LAB_DIR/notify.log")
has "READY=1 carries STATUS=" "$ready" $'\tSTATUS='
has "READY=1 carries MAINPID= of the daemon" "$ready" "MAINPID=$DM2_PID"
check_eq "WATCHDOG_PID is the daemon (sh exec'ed it)" "$DM2_PID" "$(awk '{print $1}' "/proc/$DM2_PID/stat")"

# ==== control protocol: status ===================================================================
# The two-node table first: both rows, 80 columns; the master sees the backup's daemon by its
# sessions on its own server, the backup sees the master by its adverts.
out=$(ctl node1 status); rc=$?
check_eq "status table: exit 0" 0 "$rc"
echo "$out" | sed 's/^/  status node1: /'
check_eq "status table: every line <= 80 columns" 0 "$(awk 'length($0) > 80' <<<"$out" | wc -l)"
check "status table: header" grep -q '^NODE  *ROLE  *PRIO  *RO  *IO/SQL  *LAG  *GTID  *DAEMON  *SINCE$' <<<"$out"
check "status table: node1 MASTER, writable" grep -Eq '^node1\* +MASTER +150 OFF ' <<<"$out"
check "status table: the peer a read-only standby replicating, its daemon connected" \
	grep -Eq '^192\.0\.2\.12 +standby +- ON +Yes/Yes +0s .* session +-$' <<<"$out"
check "status table: VIP line" grep -qx 'vip: 192.0.2.50/24 held by this node' <<<"$out"
out=$(ctl node2 status)
echo "$out" | sed 's/^/  status node2: /'
check "status table node2: the master heard by adverts" \
	grep -Eq '^192\.0\.2\.11 +MASTER +- OFF .* adverts +-$' <<<"$out"
check "status table node2: node2 BACKUP, read-only" grep -Eq '^node2\* +BACKUP +100 ON ' <<<"$out"

out=$(ctl node1 status -v); rc=$?
check_eq "status: exit 0" 0 "$rc"
check_eq "status: every line <= 80 columns" 0 "$(awk 'length($0) > 80' <<<"$out" | wc -l)"
has "status: head line" "$out" "node1: MASTER for"
has "status: priority and base" "$out" "priority 150 (base 150)"
has "status: eligibility" "$out" "eligible: yes"
has "status: VIP held" "$out" "vip: 192.0.2.50/24 held"
has "status: peer replication" "$out" "replication: io=Yes sql=Yes lag=0s"
has "status: counters" "$out" "adverts: sent "
has "status: transitions" "$out" "-> MASTER:"
check "status: gtid positions shown" grep -q 'gtid_binlog_pos: ' <<<"$out"
[ "$(wc -l <<<"$out")" -ge 10 ] && ok "status: several lines" || bad "status: only $(wc -l <<<"$out") lines"
out2=$(ctl node2 status --verbose)
check_eq "status node2: every line <= 80 columns" 0 "$(awk 'length($0) > 80' <<<"$out2" | wc -l)"
has "status node2: BACKUP, master known" "$out2" "master 192.0.2.11"

# ==== control protocol: status --json ============================================================
json_check() { # NODE PYTHON-ASSERTIONS: prints the first failed assertion
	ctl "$1" status --json | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["ok"] is True, "ok"
s = r["status"]
for line in sys.argv[1].strip().splitlines():
    line = line.strip()
    try:
        good = eval(line)
    except Exception as e:
        good = False
    if not good:
        print("assertion failed: " + line)
        sys.exit(1)' "$2"
}
out=$(json_check node1 '
s["schema"] == 1 and s["node"] == "node1" and s["peer_name"] == "192.0.2.12"
s["peer"]["daemon_sessions"] >= 1
s["state"] == "MASTER"
s["priority"] == 150 and s["base_priority"] == 150
s["eligible"] is True and isinstance(s["reason"], str)
s["maintenance"] is False
s["vips"][0]["addr"] == "192.0.2.50" and s["vips"][0]["held"] is True
isinstance(s["in_state_ms"], int) and s["in_state_ms"] > 0
s["local"]["up"] is True and s["local"]["read_only"] is False
s["local"]["io"] == "Yes" and s["local"]["sql"] == "Yes" and s["local"]["lag_s"] == 0
s["peer"]["up"] is True and s["peer"]["read_only"] is True
s["peer"]["io"] == "Yes" and s["peer"]["sql"] == "Yes" and s["peer"]["lag_s"] == 0
s["local"]["gtid_binlog_pos"] and s["peer"]["gtid_binlog_pos"]
s["local"]["gtid_binlog_pos"] == s["peer"]["gtid_binlog_pos"]
s["counters"]["adverts_sent"] > 0 and "adverts_received" in s["counters"]
s["transitions_total"] >= 2 and s["transitions"][-1]["to"] == "MASTER"
all(k in t for t in s["transitions"] for k in ("time", "from", "to", "reason"))
')
check_eq "status --json node1: every field" "" "$out"
out=$(json_check node2 '
s["state"] == "BACKUP" and s["priority"] == 100 and s["base_priority"] == 100
s["vips"][0]["held"] is False
s["counters"]["adverts_received"] > 0
s["local"]["read_only"] is True and s["peer"]["read_only"] is False
')
check_eq "status --json node2: every field" "" "$out"

# ==== control protocol: metrics, errors ==========================================================
out=$(ctl node1 metrics); rc=$?
check_eq "metrics: exit 0" 0 "$rc"
check "metrics: state gauge" grep -qx 'dualmaster_state{state="MASTER"} 1' <<<"$out"
check "metrics: other states 0" grep -qx 'dualmaster_state{state="BACKUP"} 0' <<<"$out"
check "metrics: priority" grep -qx 'dualmaster_priority 150' <<<"$out"
check "metrics: lag" grep -qx 'dualmaster_replication_lag_seconds{server="peer"} 0' <<<"$out"
check "metrics: TYPE lines" grep -qx '# TYPE dualmaster_state gauge' <<<"$out"
# dualmasterctl refuses unknown words itself (usage, exit 2); the daemon answers a bad line with
# {"ok":false,"error":...}, which dualmasterctl turns into exit 1 (seen below with the refusals).
out=$(ctl node1 frobnicate 2>&1); rc=$?
check_eq "dualmasterctl: unknown command exit 2 (usage)" 2 "$rc"
has "dualmasterctl: unknown command prints usage" "$out" "usage: dualmasterctl"
out=$(raw node1 frobnicate)
has "daemon: unknown command is an error" "$out" '{"ok":false,"error":"unknown command'
out=$(raw node1 'maintenance sideways')
has "daemon: bad argument is an error" "$out" '"ok":false'

# ==== control protocol: permissions ==============================================================
check_eq "control socket mode 0660 root:root" "660 0 0" "$(stat -c '%a %u %g' "$(sock node1)")"
chmod 0711 "$LAB_DIR"
out=$(nobody ./dualmasterctl -s "$(sock node1)" status 2>&1); rc=$?
check_eq "non-root without the socket's group: no connection (exit 2)" 2 "$rc"
has "non-root without group: says why" "$out" "Permission denied"
chgrp 65534 "$(sock node1)"
out=$(nobody ./dualmasterctl -s "$(sock node1)" status 2>&1); rc=$?
check_eq "non-root: status readable" 0 "$rc"
has "non-root: status table" "$out" "node1*          MASTER"
check "non-root: metrics readable" nobody ./dualmasterctl -s "$(sock node1)" metrics
for cmd in "maintenance on" switchover reload "debug all on"; do
	# shellcheck disable=SC2086 # the command's words
	out=$(nobody ./dualmasterctl -s "$(sock node1)" $cmd 2>&1); rc=$?
	check_eq "non-root: $cmd refused (exit 1)" 1 "$rc"
	has "non-root: $cmd says permission denied" "$out" "permission denied"
done
check_eq "non-root: maintenance stayed off" False "$(st node1 's["maintenance"]')"
check_eq "non-root: still MASTER" MASTER "$(st node1 's["state"]')"
chgrp 0 "$(sock node1)"
chmod 0700 "$LAB_DIR"

# ==== metrics_file ==============================================================================
mf1=$LAB_DIR/metrics-node1.prom mf2=$LAB_DIR/metrics-node2.prom
check "metrics_file node1: MASTER" grep -qx 'dualmaster_state{state="MASTER"} 1' "$mf1"
check "metrics_file node1: priority" grep -qx 'dualmaster_priority 150' "$mf1"
check "metrics_file node2: BACKUP" grep -qx 'dualmaster_state{state="BACKUP"} 1' "$mf2"
check "metrics_file node2: maintenance 0" grep -qx 'dualmaster_maintenance 0' "$mf2"
check_eq "metrics_file: mode 0644" 644 "$(stat -c %a "$mf1")"

# ==== hooks at start =============================================================================
check "hook on_master ran on node1" lab_wait_for "node1 on_master" 5 hook_ran '^hook=master node=node1 '
line=$(hook_line '^hook=master node=node1 ')
has "on_master: DM_STATE" "$line" "state=MASTER "
has "on_master: DM_VIPS" "$line" "vips=192.0.2.50/24 "
[[ $line =~ reason=.+ ]] && ok "on_master: DM_REASON set" || bad "on_master: DM_REASON empty: $line"
check "hook on_backup ran on node2" lab_wait_for "node2 on_backup" 5 hook_ran '^hook=backup node=node2 state=BACKUP '

# ==== maintenance on the backup freezes failover =================================================
out=$(ctl node2 maintenance on); rc=$?
check_eq "maintenance on: exit 0" 0 "$rc"
has "maintenance on: says so" "$out" "failover frozen"
check_eq "maintenance on: in status" True "$(st node2 's["maintenance"]')"
check "maintenance on: human status" grep -q '^MAINTENANCE' <<<"$(ctl node2 status)"
check "maintenance on: STATUS= says MAINTENANCE" lab_wait_for "STATUS MAINTENANCE" 5 notify_has 'STATUS=BACKUP.*| MAINTENANCE'
check "maintenance on: metrics_file rewritten" lab_wait_for "metrics maintenance 1" 5 grep -qx 'dualmaster_maintenance 1' "$mf2"
check "node1 mysqld killed" lab_mysqld_stop node1 KILL
check "node1 gives up the master role" lab_wait_for "node1 not master" 10 eval '! state_is node1 MASTER && vip_on none'
check "node1: on_fault/on_backup hook ran" lab_wait_for "node1 fault hook" 5 hook_ran '^hook=(fault|backup) node=node1 state=(FAULT|BACKUP) '
line=$(hook_line '^hook=(fault|backup) node=node1 ')
[[ $line =~ ^hook=([a-z]+)\ node=node1\ state=([A-Z]+) ]] && [ "${BASH_REMATCH[1]^^}" = "${BASH_REMATCH[2]}" ] &&
	ok "node1 step-down hook matches DM_STATE" || bad "node1 step-down hook: $line"
# Without maintenance node2 would take over within Master_Down_Interval (< 0.4 s): watch 3 s.
held=1
for _ in $(seq 30); do
	state_is node2 BACKUP && ! vip_on node2 && [ "$(ro node2)" = 1 ] || { held=0; break; }
	sleep 0.1
done
check_eq "maintenance: node2 stays BACKUP, read-only, without the VIP" 1 "$held"
check_eq "maintenance: status still says so" True "$(st node2 's["maintenance"]')"
out=$(ctl node2 maintenance off); rc=$?
check_eq "maintenance off: exit 0" 0 "$rc"
check "maintenance off: node2 takes over" lab_wait_for "node2 master" 15 eval 'state_is node2 MASTER && vip_on node2 && writable node2'
check "STATUS= changes to MASTER on the transition" lab_wait_for "STATUS MASTER" 5 notify_has $'STATUS=MASTER prio 100'
check "metrics_file node2 rewritten: MASTER" lab_wait_for "metrics MASTER" 5 grep -qx 'dualmaster_state{state="MASTER"} 1' "$mf2"
# The Prometheus client's own parser (Debian/EPEL package, hence the system python3) reads both
# files; node2's shows the takeover it just did.
prom() { /usr/bin/python3 tests/tools/prom_read.py "$@"; }
for f in "$mf1" "$mf2"; do
	check "metrics_file $(basename "$f"): parsed by prometheus_client" prom "$f"
done
check_eq "metrics node2: build_info" 1 "$(prom "$mf2" 'dualmaster_build_info{version}')"
check "metrics node2: takeovers ok >= 1" [ "$(prom "$mf2" 'dualmaster_sequences_total{kind=takeover,result=ok}')" -ge 1 ]
check "metrics node2: BACKUP -> TAKEOVER counted" [ "$(prom "$mf2" 'dualmaster_state_transitions_total{from=BACKUP,to=TAKEOVER}')" -ge 1 ]
check "metrics node2: a takeover duration" [ "$(prom "$mf2" 'dualmaster_sequence_duration_seconds_count{kind=takeover}')" -ge 1 ]
check "metrics node2: last transition time" [ "$(prom "$mf2" 'dualmaster_last_transition_timestamp_seconds')" -gt 1700000000 ]
check "hook on_master ran on node2" lab_wait_for "node2 on_master" 5 hook_ran '^hook=master node=node2 state=MASTER vips=192.0.2.50/24 '

# Restore: node1's server back, replication both ways, node1 an eligible BACKUP.
check "node1 mysqld restarts" lab_mysqld_start node1
check "replication recovers" lab_wait_repl 60
check "the pair settles on node2" lab_wait_for "settled on node2" 20 settled_on node2

# ==== switchover under writes ====================================================================
: >"$LAB_DIR/hooks.log"
lab_sampler_start 10 90
lab_writer_start 100000 40 100
check "writer: acks through the VIP on node2" lab_wait_for "acks" 15 acked_at_least 50
touch "$LAB_DIR/hook-sleep-node1"      # node1's on_master will outlive hooks.timeout_ms
out=$(ctl node2 switchover 2>&1); rc=$?
echo "$out" | sed 's/^/  switchover: /'
check_eq "switchover: exit 0" 0 "$rc"
[ "$(wc -l <<<"$out")" -ge 3 ] && ok "switchover: progress lines" || bad "switchover: too few lines"
has "switchover: first step" "$(head -n1 <<<"$out")" "dropping the VIP"
has "switchover: final message" "$(tail -n1 <<<"$out")" "peer took over"
check "switchover: node1 is master with the VIP" lab_wait_for "node1 master" 15 eval 'state_is node1 MASTER && vip_on node1 && writable node1'
check "switchover: node2 read-only BACKUP" lab_wait_for "node2 backup" 10 eval 'state_is node2 BACKUP && [ "$(ro node2)" = 1 ]'
out=$(json_check node2 '
s["transitions"][-1]["from"] == "MASTER" and s["transitions"][-1]["to"] == "BACKUP"
')
check_eq "switchover: node2 went MASTER -> BACKUP directly, and stayed" "" "$out"
# node1's takeover (fence, catch-up, read_only OFF) may outlast node2's Master_Down_Interval
# (0.36 s): node2 must not start a takeover of its own meanwhile (it would fence node1).
check "switchover: node2 started no takeover while node1 took over" \
	eval '! sed -n "/switchover requested/,\$p" "$LAB_DIR/dm-node2.log" | grep -q "takeover started"'
check "switchover: no on_fault hook on node2 (a planned move is no fault)" eval '! hook_ran "^hook=fault node=node2 "'

# ==== hooks: one that outlives its timeout is killed; the master keeps advertising ==============
# node1's on_master ignores SIGTERM: SIGTERM at hooks.timeout_ms (1 s), SIGKILL 2 s later.
check "slow on_master started on node1" lab_wait_for "sleeping hook" 5 test -s "$LAB_DIR/hook-sleeping.pid"
rm -f "$LAB_DIR/hook-sleep-node1"
hpid=$(cat "$LAB_DIR/hook-sleeping.pid")
a0=$(st node1 's["counters"]["adverts_sent"]') t0=$EPOCHREALTIME
kept=1
hook_gone() { { vip_on node1 && state_is node2 BACKUP; } || kept=0; lab_proc_gone "$hpid"; }
check "slow hook killed after its timeout" lab_wait_for "hook $hpid gone" 10 hook_gone
a1=$(st node1 's["counters"]["adverts_sent"]')
hook_s=$(lab_elapsed "$t0")
check_eq "VIP stayed on node1, node2 stayed BACKUP while the hook ran" 1 "$kept"
# The hook lived about 3 s, most of it in the window: 10 adverts/s; 10 in all is generous.
[ $((a1 - a0)) -ge 10 ] && ok "adverts went on while the hook ran ($a0 -> $a1 in ${hook_s}s)" ||
	bad "adverts while the hook ran: $a0 -> $a1 in ${hook_s}s"
check "daemon escalated to SIGKILL" grep -q "hook $LAB_DIR/hooks/on_master (pid $hpid) ignored SIGTERM" "$LAB_DIR/dm-node1.log"
check "daemon logged the hook's timeout" grep -q "hook $LAB_DIR/hooks/on_master (pid $hpid, MASTER) killed by signal 9 .* after its timeout" "$LAB_DIR/dm-node1.log"
check_eq "node1 still MASTER after the hook" MASTER "$(st node1 's["state"]')"
n0=$(lab_writer_acked)
check "writer: acks through the VIP on node1" lab_wait_for "acks on node1" 20 acked_at_least $((n0 + 50))
check "on_backup ran on node2 at the switchover" hook_ran '^hook=backup node=node2 state=BACKUP '

lab_writer_stop
lab_sampler_stop
r=$(lab_sampler_check)
echo "sampler: $r"
eval "$(tr ' ' '\n' <<<"$r" | sed 's/^/S_/')"
zero() { awk -v v="$1" 'BEGIN { exit !(v != "" && v + 0 == 0) }'; }
check "switchover: never two writable servers" zero "${S_two_writable_ms:-}"
check "switchover: VIP never on a read-only server" zero "${S_vip_on_readonly_ms:-}"
check "switchover: VIP never on both" zero "${S_both_vip_ms:-}"
check "replication in sync after the switchover" lab_wait_repl 30
run=$(cat "$LAB_DIR/writer.runs")
awk '{ print $1 }' "$LAB_WRITER_ACKED" | sort -u >"$LAB_DIR/acked.ids"
lab_sql node1 "SELECT id FROM dmtest.writes WHERE id > $((run * 1000000)) AND id < $(((run + 1) * 1000000))" |
	sort -u >"$LAB_DIR/node1.ids"
lost=$(comm -23 "$LAB_DIR/acked.ids" "$LAB_DIR/node1.ids" | wc -l)
check_eq "every acked row ($(wc -l <"$LAB_DIR/acked.ids")) is on the new master" 0 "$lost"
check "acks came from both servers" eval '[ "$(awk "{ print \$3 }" "$LAB_WRITER_ACKED" | sort -u | wc -l)" = 2 ]'

# ==== switchover refusals ========================================================================
out=$(ctl node2 switchover 2>&1); rc=$?
check_eq "switchover on the backup: refused (exit 1)" 1 "$rc"
has "switchover on the backup: reason" "$out" "not MASTER"
lab_sql node2 'STOP SLAVE SQL_THREAD'
check "node1 sees the peer's SQL thread stopped" lab_wait_for "peer sql No" 5 eval '[ "$(st node1 "s[\"peer\"][\"sql\"]")" = No ]'
out=$(ctl node1 switchover 2>&1); rc=$?
check_eq "switchover with the peer's SQL thread stopped: refused (exit 1)" 1 "$rc"
has "switchover refused: reason names the SQL thread" "$out" "sql No"
check "refused switchover changed nothing" eval 'state_is node1 MASTER && vip_on node1 && writable node1'
lab_sql node2 'START SLAVE SQL_THREAD'
check "replication recovers" lab_wait_repl 30
check "the pair settles on node1" lab_wait_for "settled on node1" 15 settled_on node1

# ==== reload (node2: dualmasterctl, SIGHUP, a broken file) =======================================
conf2=$(lab_dm_conf node2)
set_prio() { sed -i "s/^\( *priority = \).*/\1$1/" "$conf2"; }
base2() { st node2 's["base_priority"]'; }
set_prio 120
out=$(ctl node2 reload 2>&1); rc=$?
check_eq "reload: exit 0" 0 "$rc"
has "reload: says so" "$out" "reloaded $conf2"
check_eq "reload: new base priority" 120 "$(base2)"
check "reload: effective priority follows" lab_wait_for "priority 120" 5 eval '[ "$(st node2 "s[\"priority\"]")" = 120 ]'
n_rel=$(notify_count 'RELOADING=1')
set_prio 110
lab_signal dm-node2 HUP
check "SIGHUP: new base priority" lab_wait_for "base 110" 5 eval '[ "$(base2)" = 110 ]'
check "SIGHUP: RELOADING=1 sent" lab_wait_for "RELOADING=1" 5 eval '[ "$(notify_count RELOADING=1)" -gt "$n_rel" ]'
last_line() { grep -n -- "$1" "$LAB_DIR/notify.log" | tail -n 1 | cut -d: -f1; }
check "SIGHUP: READY=1 after RELOADING=1" lab_wait_for "READY after RELOADING" 5 \
	eval '[ "$(last_line READY=1)" -gt "$(last_line RELOADING=1)" ]'
set_prio 300
pline=$(grep -n '^ *priority = 300' "$conf2" | cut -d: -f1)
out=$(ctl node2 reload 2>&1); rc=$?
check_eq "broken reload: refused (exit 1)" 1 "$rc"
has "broken reload: FILE:LINE" "$out" "$conf2:$pline:"
has "broken reload: running configuration kept" "$out" "running configuration kept"
check_eq "broken reload: base priority unchanged" 110 "$(base2)"
lab_signal dm-node2 HUP
check "broken SIGHUP: logged with FILE:LINE" lab_wait_for "log line" 5 grep -q "reload: $conf2:$pline:" "$LAB_DIR/dm-node2.log"
check "broken SIGHUP: daemon still runs" lab_running dm-node2
check_eq "broken SIGHUP: base priority unchanged" 110 "$(base2)"
set_prio 100
check "reload back to 100" ctl node2 reload
check_eq "base priority 100 again" 100 "$(base2)"
restart_said() { grep -c "take effect at the next restart" "$LAB_DIR/dm-node2.log"; }
check_eq "priority-only reloads: no restart warning" 0 "$(restart_said)"
sed -i "s/^\( *advert_interval_ms = \).*/\1200/" "$conf2"
check "reload with another advert interval" ctl node2 reload
check_eq "reload: the advert interval is said to wait for a restart" 1 "$(restart_said)"
sed -i "s/^\( *advert_interval_ms = \).*/\1${LAB_ADVERT_MS:-100}/" "$conf2"
check "reload with the running advert interval" ctl node2 reload
check_eq "reload: nothing waits for a restart any more" 1 "$(restart_said)"
check "still settled on node1" settled_on node1

# ==== systemd: watchdog, STOPPING=1 ==============================================================
# sd-event pings at 1/2..3/4 of WATCHDOG_USEC (2 s); a gap of 2 s would have made systemd kill us.
wd=$(grep $'WATCHDOG=1' "$LAB_DIR/notify.log" | awk 'NR > 1 { g = $1 - p; if (g > m) m = g } { p = $1; n++ }
	END { printf "%d %.3f %.3f\n", n, m, p - f } NR == 1 { f = $1 }')
read -r wd_n wd_gap wd_span <<<"$wd"
echo "watchdog: $wd_n pings over ${wd_span}s, longest gap ${wd_gap}s"
[ "$wd_n" -ge 10 ] && ok "WATCHDOG=1 sent periodically ($wd_n)" || bad "WATCHDOG=1: only $wd_n"
awk -v g="$wd_gap" 'BEGIN { exit !(g < 2.0) }' && ok "WATCHDOG=1 gaps below WATCHDOG_USEC" ||
	bad "WATCHDOG=1 gap ${wd_gap}s"
check "node2 stops on SIGTERM" lab_stop_dm node2 TERM
check "STOPPING=1 sent" notify_has 'STOPPING=1'
check "node1 keeps the master role" eval 'state_is node1 MASTER && vip_on node1'

[ $fails -eq 0 ]
