#!/usr/bin/env bash
# The test scene itself: namespaces, links, partition, VRRP block, two replicating mariadbd with
# semi-sync, the monitor account's privileges, the writer, the generated dualmasterd config, and
# a clean teardown.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd mariadb-install-db nft bridge python3 cc; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
. tests/lab/lab.sh

fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# check DESC CMD...: CMD must succeed (its output is discarded); check_not: CMD must fail.
check() { local d=$1; shift; if "$@" >/dev/null; then ok "$d"; else bad "$d"; fi; }
check_not() { local d=$1; shift; if "$@" >/dev/null 2>&1; then bad "$d"; else ok "$d"; fi; }
# check_eq DESC WANT GOT
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: want '$2', got '$3'"; fi; }
finish() {
	[ $fails -eq 0 ] || lab_dump_logs 30
	lab_down
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

export LAB_SEMISYNC=1
lab_up || { bad "lab_up"; exit 1; }
echo "lab up took ${LAB_UP_SECONDS}s"

# ---- servers and replication --------------------------------------------------------------
for n in node1 node2; do
	check "$n answers on its socket" lab_ping_mysqld "$n"
	check_eq "$n read_only at start" 1 "$(lab_sql "$n" 'SELECT @@read_only')"
	check "$n replication IO and SQL threads Yes" lab_repl_ok "$n"
	check_eq "$n replicates from its peer with GTID slave_pos" "$(lab_ip "$(lab_peer "$n")") Slave_Pos" \
		"$(lab_slave_status "$n" |
			awk '/ Master_Host:/ { h = $2 } / Using_Gtid:/ { g = $2 } END { print h, g }')"
	k=$(lab_nodenum "$n")
	check_eq "$n server_id/gtid_domain_id/auto_increment_offset" "$k $k $k 2 1 ROW 1" \
		"$(lab_sql "$n" 'SELECT @@server_id, @@gtid_domain_id, @@auto_increment_offset,
			@@auto_increment_increment, @@log_slave_updates, @@binlog_format,
			@@gtid_strict_mode' | tr '\t' ' ')"
	check_eq "$n semi-sync enabled, AFTER_SYNC" "1 1 AFTER_SYNC" \
		"$(lab_sql "$n" 'SELECT @@rpl_semi_sync_master_enabled, @@rpl_semi_sync_slave_enabled,
			@@rpl_semi_sync_master_wait_point' | tr '\t' ' ')"
done
check_eq "dmtest.writes and the monitor account replicated to node2" "1 2" \
	"$(lab_sql node2 "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'dmtest'
		AND table_name = 'writes';
		SELECT COUNT(*) FROM mysql.user WHERE user = 'dualmaster'" | xargs)"

# ---- writes through each node from the client ------------------------------------------------
app() { lab_sql_tcp client "$(lab_ip "$1")" dmapp "$LAB_DIR/app.password" "$2"; }
row_on() { [ "$(lab_sql "$1" "SELECT node FROM dmtest.writes WHERE id = $2")" = "$3" ]; }
status() { lab_sql "$1" "SHOW GLOBAL STATUS LIKE '$2'" | awk '{ print $2 }'; }
semi_yes() { status "$1" Rpl_semi_sync_master_yes_tx; }
ins() { echo "INSERT INTO dmtest.writes (id, node) VALUES ($1, '$2')"; }

check_eq "client reaches node1:3306" 1 "$(app node1 'SELECT @@server_id')"
check_eq "client reaches node2:3306" 2 "$(app node2 'SELECT @@server_id')"
out=$(app node1 "$(ins 1 node1)" 2>&1)
check "read_only refuses the application account (error 1290)" grep -q "ERROR 1290" <<<"$out"

yes0=$(semi_yes node1)
lab_sql node1 'SET GLOBAL read_only = 0'
check "insert through node1 after read_only=0" app node1 "$(ins 1 node1)"
check "row from node1 appears on node2" lab_wait_for "row 1 on node2" 10 row_on node2 1 node1
check_eq "semi-sync master status ON on the writer node1" ON "$(status node1 Rpl_semi_sync_master_status)"
check "the insert on node1 was acknowledged semi-synchronously" [ "$(semi_yes node1)" -gt "$yes0" ]
check_eq "no asynchronous fallback on node1" 0 "$(status node1 Rpl_semi_sync_master_no_tx)"

lab_sql node1 'SET GLOBAL read_only = 1'
lab_sql node2 'SET GLOBAL read_only = 0'
check "insert through node2 after read_only=0" app node2 "$(ins 2 node2)"
check "row from node2 appears on node1" lab_wait_for "row 2 on node1" 10 row_on node1 2 node2
lab_sql node2 'SET GLOBAL read_only = 1'
check "still in sync" lab_wait_for "sync" 10 lab_in_sync

# ---- the monitor account: everything dualmasterd needs, nothing else ---------------------------
dm() { lab_sql_as "$1" dualmaster "$LAB_DIR/dm.password" "$2"; }
check "monitor: SHOW ALL SLAVES STATUS" dm node1 'SHOW ALL SLAVES STATUS'
check "monitor: MASTER_GTID_WAIT and gtid positions" dm node1 \
	'SELECT MASTER_GTID_WAIT(@@gtid_slave_pos, 1), @@gtid_binlog_pos, @@gtid_current_pos'
check_eq "monitor: SET GLOBAL read_only OFF then ON" "0 1" \
	"$(dm node2 'SET GLOBAL read_only = 0; SELECT @@read_only;
		SET GLOBAL read_only = 1; SELECT @@read_only' | xargs)"
check "monitor: semi-sync master switch" dm node2 'SET GLOBAL rpl_semi_sync_master_enabled = ON'
check "monitor: START SLAVE IO_THREAD (rejoin)" dm node2 'START SLAVE IO_THREAD'
# Least privilege (sql/monitor-user-mariadb.sql): what the daemon never sends is refused.
for stmt in 'SHOW MASTER STATUS' 'FLUSH TABLES WITH READ LOCK'; do
	out=$(dm node2 "$stmt" 2>&1)
	check "monitor: no privilege for $stmt (1227)" grep -q "ERROR 1227" <<<"$out"
done
check "monitor: processlist shows replication threads" [ "$(dm node2 "SELECT COUNT(*)
	FROM information_schema.processlist WHERE user = 'system user'")" -gt 0 ]
lab_sql node2 'SELECT SLEEP(30)' >/dev/null 2>&1 &
sleeper=$!
sleeper_id() {
	lab_sql node2 "SELECT id FROM information_schema.processlist WHERE info = 'SELECT SLEEP(30)'"
}
sleeping() { [ -n "$(sleeper_id)" ]; }
lab_wait_for "root session sleeping" 5 sleeping
sid=$(sleeper_id)
check "monitor: KILL CONNECTION of a root session" dm node2 "KILL CONNECTION $sid"
check "the killed session ended" lab_wait_for "killed session to end" 5 lab_pid_gone "$sleeper"
wait "$sleeper" 2>/dev/null
check "monitor from the peer over TCP: SHOW ALL SLAVES STATUS" \
	lab_sql_tcp node2 192.0.2.11 dualmaster "$LAB_DIR/dm.password" 'SHOW ALL SLAVES STATUS'
out=$(dm node1 "$(ins 99 x)" 2>&1)
check "monitor: no data privilege (INSERT denied)" grep -q "ERROR 1142" <<<"$out"
out=$(dm node1 "SELECT COUNT(*) FROM mysql.global_priv" 2>&1)
check "monitor: no access to password hashes" grep -q "ERROR 1142" <<<"$out"
check "replication still fine after the privilege checks" lab_wait_repl 10

# ---- network: partition, link down -------------------------------------------------------------
reach() { lab_reach "$1" "$2" "$3" 0.5; }
check "before partition: node1 -> node2:3306" reach node1 192.0.2.12 3306
check "lab_partition" lab_partition
check_not "partition: node1 cannot reach node2" reach node1 192.0.2.12 3306
check_not "partition: node2 cannot reach node1" reach node2 192.0.2.11 3306
check "partition: client reaches node1" reach client 192.0.2.11 3306
check "partition: client reaches node2" reach client 192.0.2.12 3306
check "partition: node1 reaches the tiebreaker" reach node1 "$LAB_TIEBREAKER" 9
check "partition: node2 reaches the tiebreaker" reach node2 "$LAB_TIEBREAKER" 9
check "lab_heal" lab_heal
check "healed: node1 -> node2:3306" lab_wait_for "node1 -> node2" 5 reach node1 192.0.2.12 3306
check "healed: node2 -> node1:3306" reach node2 192.0.2.11 3306

check "lab_link_down node1" lab_link_down node1
check "link down: node1 interface lost carrier" \
	bash -c "ip -n '$(lab_ns node1)' link show '$(lab_if node1)' | grep -q NO-CARRIER"
check_not "link down: client cannot reach node1" reach client 192.0.2.11 3306
check "link down: client reaches node2" reach client 192.0.2.12 3306
check "lab_link_up node1" lab_link_up node1
check "link up: client reaches node1 again" lab_wait_for "client -> node1" 5 reach client 192.0.2.11 3306

# ---- VRRP block: protocol 112 only -------------------------------------------------------------
# vrrp_probe RECEIVER SENDER: sends 3 protocol-112 datagrams, prints "got" or "none" as seen by a
# raw socket on the receiver (bounded by a 1.5 s receive timeout).
vrrp_probe() {
	local ready=$LAB_DIR/vrrp-rx.ready out=$LAB_DIR/vrrp-rx.out
	rm -f "$ready" "$out"
	ip netns exec "$(lab_ns "$1")" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
open(sys.argv[1], "w").close()
s.settimeout(1.5)
try:
    s.recvfrom(2048)
    print("got")
except socket.timeout:
    print("none")' "$ready" >"$out" 2>&1 &
	local rx=$!
	lab_wait_for "raw receiver ready" 5 test -e "$ready" || { kill "$rx"; return 1; }
	ip netns exec "$(lab_ns "$2")" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
for i in range(3):
    try:  # an output drop rule makes sendto fail with EPERM
        s.sendto(bytes([0x31, 51, 100, 1, 0, 100, 0, 0]) + bytes(4), (sys.argv[1], 0))
    except PermissionError:
        pass
    time.sleep(0.05)' "$(lab_ip "$1")"
	wait "$rx"
	cat "$out"
}
counter() { # counter NODE CHAIN: packets counted by the drop rule in CHAIN
	ip netns exec "$(lab_ns "$1")" nft list chain ip dmlab_vrrp "$2" |
		awk '/counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
check_eq "before block: protocol 112 reaches node1" got "$(vrrp_probe node1 node2)"
check "lab_block_vrrp node1" lab_block_vrrp node1
rules=$(ip netns exec "$(lab_ns node1)" nft list ruleset)
n_rules=$(grep -c 'counter packets' <<<"$rules")
n_vrrp=$(grep -cE 'ip protocol (112|vrrp) counter packets [0-9]+ bytes [0-9]+ drop' <<<"$rules")
check_eq "nft: exactly two rules, both 'ip protocol 112 (vrrp) drop'" "2 2" "$n_rules $n_vrrp"
check "nft: the rules hook input and output" \
	bash -c "grep -q 'hook input' <<<'$rules' && grep -q 'hook output' <<<'$rules'"
check_eq "blocked: protocol 112 to node1 dropped" none "$(vrrp_probe node1 node2)"
check "blocked: input drop counter counted it" [ "$(counter node1 input)" -ge 3 ]
check_eq "blocked: protocol 112 from node1 dropped" none "$(vrrp_probe node2 node1)"
check "blocked: output drop counter counted it" [ "$(counter node1 output)" -ge 3 ]
check "blocked: TCP node1 -> node2 still passes" reach node1 192.0.2.12 3306
check "blocked: replication still Yes both ways" lab_wait_repl 5
check "lab_unblock_vrrp node1" lab_unblock_vrrp node1
check_eq "unblocked: protocol 112 reaches node1 again" got "$(vrrp_probe node1 node2)"

# ---- VIP holder and the writer ------------------------------------------------------------------
vip() { ip -n "$(lab_ns "$2")" addr "$1" "$LAB_VIP/24" dev "$(lab_if "$2")"; }
check_eq "VIP holder at start" none "$(lab_vip_holder)"
vip add node1
check_eq "VIP holder with the VIP on node1" node1 "$(lab_vip_holder)"
vip add node2
check_eq "VIP holder with the VIP on both" both "$(lab_vip_holder)"
vip del node2
lab_sql node1 'SET GLOBAL read_only = 0'
t0=$EPOCHREALTIME
check "writer starts" lab_writer_start 200 10 100
check "writer stops by itself after 200 rows" lab_writer_wait 15
echo "writer: 200 rows in $(lab_elapsed "$t0")s: $(tail -n 1 "$LAB_DIR/writer.log")"
check_eq "writer: 200 acknowledged, no errors" "200 0" "$(lab_writer_acked) $(wc -l <"$LAB_WRITER_ERRORS")"
check_eq "writer: all acknowledged by server 1" 200 "$(awk '$3 == 1' "$LAB_WRITER_ACKED" | wc -l)"
check "every acknowledged row replicated to node2" lab_wait_for "sync" 10 lab_in_sync
run1_ids=$(lab_sql node2 'SELECT id FROM dmtest.writes WHERE id BETWEEN 1000001 AND 1999999 ORDER BY id')
check_eq "node2 holds exactly the acknowledged ids" \
	"$(awk '{ print $1 }' "$LAB_WRITER_ACKED" | sort -n | md5sum)" "$(md5sum <<<"$run1_ids")"

# A second run: refused writes are recorded, and the writer reconnects and resumes after them.
acked_at_least() { [ "$(lab_writer_acked)" -ge "$1" ]; }
errors_at_least() { [ "$(wc -l <"$LAB_WRITER_ERRORS")" -ge "$1" ]; }
check "second writer run starts" lab_writer_start 100000 30 100
check "second writer acknowledges rows" lab_wait_for "20 acks" 5 acked_at_least 20
lab_sql node1 'SET GLOBAL read_only = 1'
check "refused writes are recorded" lab_wait_for "3 errors" 5 errors_at_least 3
check "refusals carry error 1290" grep -q '^2[0-9]* [0-9.]* 1290 ' "$LAB_WRITER_ERRORS"
lab_sql node1 'SET GLOBAL read_only = 0'
n=$(lab_writer_acked)
check "writer resumes once writes are accepted again" lab_wait_for "more acks" 5 acked_at_least $((n + 10))
check "lab_writer_stop ends it early" lab_writer_stop
n=$(lab_writer_acked)
check "second run stopped early ($n rows)" [ "$n" -lt 2000 ]
check_eq "second run used its own id range" "" "$(awk '$1 <= 2000000 || $1 > 3000000' "$LAB_WRITER_ACKED")"
both=$(comm -12 <(cut -d' ' -f1 "$LAB_WRITER_ACKED" | sort) <(cut -d' ' -f1 "$LAB_WRITER_ERRORS" | sort))
check_eq "acknowledged and refused ids do not overlap" "" "$both"
vip del node1
lab_sql node1 'SET GLOBAL read_only = 1'
check_eq "VIP holder after removal" none "$(lab_vip_holder)"

# ---- restart a server: it comes back read-only and replicating ---------------------------------
check "crash node2 (SIGKILL)" lab_mysqld_stop node2 KILL
check "restart node2" lab_mysqld_start node2
check_eq "node2 read_only after restart" 1 "$(lab_sql node2 'SELECT @@read_only')"
check "replication Yes both ways again and in sync" lab_wait_repl 20

# ---- dualmasterd configuration -----------------------------------------------------------------
check "lab_write_dm_conf node1 passes dualmasterd -t" lab_write_dm_conf node1
check "lab_write_dm_conf node2 passes dualmasterd -t" lab_write_dm_conf node2
conf=$(cat "$(lab_dm_conf node1)")
check "config names node1's interface" grep -q "interface = \"$(lab_if node1)\"" <<<"$conf"
check "config names the peer" grep -q 'host = "192.0.2.12"' <<<"$conf"
check_eq "password file mode" 600 "$(stat -c %a "$LAB_DIR/dm.password")"
check_not "an invalid priority is rejected by dualmasterd -t" lab_write_dm_conf node1 300

# ---- teardown ---------------------------------------------------------------------------------------
recorded=$(cat "$LAB_DIR"/pids/*.pid 2>/dev/null | xargs)
id=$LAB_ID dir=$LAB_DIR
trap - EXIT
t0=$EPOCHREALTIME
lab_down
echo "lab down took $(lab_elapsed "$t0")s"
check_eq "no namespace left" "" "$(ip netns list | grep "^$id-")"
alive=""
for p in $recorded; do
	[ -r "/proc/$p/stat" ] && [ "$(awk '{ print $3 }' "/proc/$p/stat")" != Z ] && alive+=" $p"
done
check_eq "no process left (recorded: $recorded)" "" "$alive"
check "state directory removed" [ ! -e "$dir" ]

echo "t_lab: $fails failure(s)"
[ $fails -eq 0 ]
