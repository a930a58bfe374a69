#!/usr/bin/env bash
# State that survives a restart, on the real scene: maintenance set on the backup is still on after
# its daemon restarts (and still holds back a takeover), the transition history carries over
# (`dualmasterctl history`, text and JSON), systemd's $STATE_DIRECTORY is used when state_file is
# empty, and a damaged state file is reported, kept aside as .corrupt and ignored (maintenance off)
# instead of being half applied.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
. tests/lab/lab_check.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v python3 >/dev/null || { echo "needs python3"; exit 77; }

state_is() { dm_state_is "$@"; }
maint() { dm_get "$1" 's["maintenance"]'; }
# hist_json NODE EXPR [ARGS...]: a Python expression over h, the "history" object of `history --json ARGS`.
hist_json() {
	local n=$1 e=$2
	shift 2
	ctl "$n" history --json "$@" 2>/dev/null |
		python3 -c "import json, sys; h = json.load(sys.stdin)['history']; print(eval(sys.argv[1]))" "$e"
}

lab_up || exit 1
trap '[ $fails -eq 0 ] || lab_dump_logs 40; lab_down' EXIT
state2=$LAB_DIR/dm-node2.state
LAB_DM_TOP_EXTRA="state_file = \"$LAB_DIR/dm-node1.state\"" lab_write_dm_conf node1 150 || exit 1
LAB_DM_TOP_EXTRA="state_file = \"$state2\"" lab_write_dm_conf node2 100 || exit 1
lab_start_dm node1 || exit 1
check "node1 MASTER" lab_wait_for "node1 MASTER" 15 state_is node1 MASTER
lab_start_dm node2 || exit 1
check "node2 BACKUP" lab_wait_for "node2 BACKUP" 15 state_is node2 BACKUP

# ---- maintenance survives a restart ----
check "maintenance on" ctl node2 maintenance on
check "the state file says so" grep -qx "maintenance 1" "$state2"
n_before=$(hist_json node2 'h["total"]')
check "history has the start-up transitions" [ "${n_before:-0}" -ge 2 ]
lab_stop_dm node2 TERM
lab_start_dm node2 || exit 1
# In maintenance the restarted node stays where start-up put it (FAULT until its first probes, and
# maintenance freezes that too): out of the election, read-only.
not_master() { ! state_is node2 MASTER && [ "$(lab_sql node2 'SELECT @@read_only')" = 1 ]; }
check "node2 answers after the restart" lab_wait_for "node2 answers" 15 ctl node2 status
check_eq "maintenance still on after the restart" True "$(maint node2)"
check "the restore is logged" grep -q "restored from the state file: maintenance on" "$LAB_DIR/dm-node2.log"
n_after=$(hist_json node2 'h["total"]')
check "history carried over and grew (before $n_before, after $n_after)" [ "${n_after:-0}" -gt "${n_before:-0}" ]
check "history text shows a transition with its time in the previous state" \
	bash -c "\"$LAB_ROOT/dualmasterctl\" -s \"$LAB_DIR/dm-node2.sock\" history | grep -Eq -- '-> BACKUP +after [0-9]+ (ms|s): '"
check_eq "history -n 1 shows one" 1 "$(hist_json node2 'len(h["transitions"])' -n 1)"

# Still in maintenance: the master's daemon killed, node2 holds back (the operator has the node).
lab_stop_dm node1 KILL
sleep 2 # Master_Down_Interval is 0.36 s: a takeover would have started by now
check "restored maintenance holds back a takeover (read-only, not master)" not_master
check "maintenance off" ctl node2 maintenance off
check "then node2 takes over" lab_wait_for "node2 MASTER" 15 state_is node2 MASTER
check "the state file says maintenance 0" grep -qx "maintenance 0" "$state2"
hist_json node2 '[t for t in h["transitions"] if t["to"] == "MASTER"][-1]["phases_ms"]["detection"] >= 0' >/dev/null &&
	ok "the takeover's phases are in the history" || bad "no phases for the takeover in the history"

# ---- a damaged file is reported and ignored ----
check "maintenance on again" ctl node2 maintenance on
lab_stop_dm node2 TERM
sed -i 's/^maintenance 1$/maintenance 0/' "$state2" # a hand edit: the checksum no longer matches
lab_start_dm node2 || exit 1
check "node2 runs after a damaged state file" lab_wait_for "node2 answers" 15 ctl node2 status
check "the damage is logged" grep -q "state file $state2: checksum mismatch.*ignored" "$LAB_DIR/dm-node2.log"
check "the damaged file is kept aside" test -s "$state2.corrupt"
check_eq "the damaged file's maintenance is not applied" False "$(maint node2)"
check "a good file is written again" lab_wait_for "a new state file" 10 grep -q '^checksum ' "$state2"

# ---- $STATE_DIRECTORY (systemd's StateDirectory=) when state_file is empty ----
lab_stop_dm node2 TERM
LAB_DM_TOP_EXTRA="" lab_write_dm_conf node2 100 || exit 1
mkdir -p "$LAB_DIR/sd"
STATE_DIRECTORY=$LAB_DIR/sd lab_start_dm node2 || exit 1
check "node2 runs with \$STATE_DIRECTORY" lab_wait_for "node2 answers" 15 ctl node2 status
check "the state goes to \$STATE_DIRECTORY/state" lab_wait_for "state file" 10 test -s "$LAB_DIR/sd/state"
exit $fails
