#!/usr/bin/env bash
# Rejoin on the real scene: the backup's replica IO thread stops on error 1236, as after a failover
# when it asks the returning old master for a GTID that one has not got back yet; the daemon
# restarts it (no hand-run START SLAVE), bounded and logged, and replication runs again once the
# GTID exists. A thread stopped by hand (no error) is left alone; the SQL thread is never touched.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
. tests/lab/lab_check.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

st() { dm_get "$@"; }
state_is() { [ "$(st "$1" 's["state"]')" = "$2" ]; }
slave_field() { lab_slave_status "$1" | sed -n "s/^ *$2: //p"; }
io_is() { [ "$(slave_field "$1" Slave_IO_Running)" = "$2" ]; }
restarts() { grep -c "rejoin: the local replica IO thread stopped on error" "$LAB_DIR/dm-$1.log"; }

lab_up || exit 1
trap lab_down EXIT
lab_write_dm_conf node1 150 && lab_write_dm_conf node2 100 || exit 1
lab_start_dm node1 || exit 1
check "node1 MASTER" lab_wait_for "node1 MASTER" 15 state_is node1 MASTER
lab_start_dm node2 || exit 1
check "node2 BACKUP" lab_wait_for "node2 BACKUP" 15 state_is node2 BACKUP
check "replication in sync" lab_wait_repl 20

# ---- an IO thread stopped by hand stays stopped ----
lab_sql node2 'STOP SLAVE IO_THREAD'
sleep 2 # twenty probe rounds: a restart would have come by now
check "stopped by hand: IO thread still stopped" io_is node2 No
check_eq "stopped by hand: no restart logged" 0 "$(restarts node2)"
lab_sql node2 'START SLAVE IO_THREAD'
check "replication in sync again" lab_wait_repl 20

# ---- 1236: node2 asks for a GTID node1 has not written yet ----
# node1's own domain and its next three sequence numbers: node2 asks for the third, which node1
# writes only below (the old master's side of the race, in slow motion).
pos=$(lab_sql node2 'SELECT @@gtid_slave_pos')
d=$(lab_sql node1 'SELECT @@gtid_domain_id') sid=$(lab_sql node1 'SELECT @@server_id')
seq=$(tr ',' '\n' <<<"$pos" | awk -F- -v d="$d" '$1 == d { print $3 }')
[ -n "$seq" ] || { bad "no GTID of node1's domain $d in node2's gtid_slave_pos '$pos'"; exit 1; }
ahead=$(tr ',' '\n' <<<"$pos" | awk -F- -v d="$d" -v s="$sid" -v n=$((seq + 3)) \
	'$1 == d { $0 = d "-" s "-" n } { printf "%s%s", sep, $0; sep = "," }')
lab_sql node2 "STOP SLAVE; SET GLOBAL gtid_slave_pos = '$ahead'; START SLAVE"
check "node2's IO thread stops with 1236" lab_wait_for "IO error 1236" 10 \
	eval '[ "$(slave_field node2 Last_IO_Errno)" = 1236 ] && io_is node2 No'
check "the daemon restarts it (logged, error 1236)" lab_wait_for "a restart" 5 \
	eval '[ "$(restarts node2)" -ge 1 ]'
check "the log names the error" grep -q "rejoin: the local replica IO thread stopped on error 1236" \
	"$LAB_DIR/dm-node2.log"
check "still stopped while node1 lacks the GTID" io_is node2 No
for i in 1 2 3; do
	lab_sql node1 "INSERT INTO dmtest.writes (id, node) VALUES (8000$i, 'rejoin')" || bad "insert $i"
done
# Restarts back off 1, 2, 4, 8 s: the next one within 10 s finds the GTID there.
check "the IO thread runs again, nobody started it by hand" lab_wait_for "IO running" 20 io_is node2 Yes
check "the daemon says so" lab_wait_for "runs again" 5 \
	grep -q "rejoin: the local replica IO thread runs again" "$LAB_DIR/dm-node2.log"
check_eq "the SQL thread was never restarted by the daemon" 0 \
	"$(grep -c "SQL_THREAD" "$LAB_DIR/dm-node2.log")"
check "node2 BACKUP, node1 MASTER throughout" eval 'state_is node1 MASTER && state_is node2 BACKUP'
check_eq "no transition on node1" 1 "$(st node1 'sum(t["to"] == "MASTER" for t in s["transitions"])')"

echo "t_rejoin: $fails failure(s)"
[ "$fails" -eq 0 ] || { lab_dump_logs 40; exit 1; }
echo PASS
