#!/usr/bin/env bash
# mysql_probe against two real mariadbd (a master and its GTID replica on loopback ports): probe fields,
# replication faults, a frozen server, fence/kill, writable, catch-up, semi-sync, cancel.
# DM_RECORD=dir also saves SHOW SLAVE STATUS rows of each replica state (tests/unit/data format).
set -u
cd "$(dirname "$0")/../.."

for b in mariadbd mariadb-install-db mariadb mariadb-admin; do
	command -v "$b" >/dev/null || { echo "skip: $b not installed"; exit 77; }
done
make -s build/tools/probe_tool >/dev/null || { echo "FAIL: cannot build probe_tool"; exit 1; }
# PROBE_TOOL may wrap the driver (valgrind, a sanitizer build) for debugging; timing checks assume none.
read -r -a TOOL <<<"${PROBE_TOOL:-$PWD/build/tools/probe_tool}"

TMP=$(mktemp -d /tmp/dm-probe-XXXXXX)
declare -a BG_PIDS=()
cleanup() {
	local pf p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for pf in "$TMP"/m1/pid "$TMP"/m2/pid; do
		[ -s "$pf" ] || continue
		p=$(cat "$pf")
		kill -CONT "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

fails=0
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
# check NAME got expected: compares a key of the last tool output
val() { sed -n "s/^$1=//p" "$TMP/out" | tail -n1; }
expect() { local v; v=$(val "$1"); if [ "$v" = "$2" ]; then ok "$3: $1=$v"; else bad "$3: $1='$v', want '$2'"; fi; }
expect_match() { local v; v=$(val "$1"); if [[ $v =~ $2 ]]; then ok "$3: $1=$v"; else bad "$3: $1='$v', want /$2/"; fi; }

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return; }
	done
	return 1
}
P1=$(free_port) && P2=$(free_port) && [ "$P1" != "$P2" ] || { echo "FAIL: no free port"; exit 1; }

# One install, copied: both servers start from the same empty data, replication adds the rest.
mkdir -p "$TMP/m1" "$TMP/m2"
if ! mariadb-install-db --no-defaults --datadir="$TMP/m1/data" --auth-root-authentication-method=normal \
	--skip-test-db --user=root >"$TMP/install.log" 2>&1; then
	cat "$TMP/install.log"; echo "FAIL: mariadb-install-db"; exit 1
fi
cp -a "$TMP/m1/data" "$TMP/m2/data"

start_server() { # n port domain extra...
	local n=$1 port=$2 dom=$3; shift 3
	mariadbd --no-defaults --datadir="$TMP/m$n/data" --socket="$TMP/m$n/sock" --port="$port" \
		--bind-address=127.0.0.1 --server-id="$n" --log-bin="$TMP/m$n/data/bin" --gtid-domain-id="$dom" \
		--user=root --pid-file="$TMP/m$n/pid" --log-error="$TMP/m$n/err.log" --skip-name-resolve \
		--innodb-buffer-pool-size=16M --innodb-log-file-size=8M --performance-schema=OFF \
		--slave-net-timeout=10 "$@" >/dev/null 2>&1 &
	for _ in $(seq 150); do
		mariadb-admin --no-defaults -uroot --socket="$TMP/m$n/sock" --connect-timeout=1 ping >/dev/null 2>&1 &&
			[ -s "$TMP/m$n/pid" ] && return 0
		sleep 0.1
	done
	cat "$TMP/m$n/err.log"; echo "FAIL: mariadbd $n did not start"; exit 1
}
sql() { local n=$1; shift; mariadb --no-defaults -uroot --socket="$TMP/m$n/sock" -N -B -e "$*"; }

start_server 1 "$P1" 1
start_server 2 "$P2" 2 --read-only
MPID=$(cat "$TMP/m1/pid")

# Least privileges from the notes' table (MariaDB 10.11), plus REPLICATION MASTER ADMIN, which
# SET GLOBAL rpl_semi_sync_master_enabled needs. Created on the master: replication copies them.
sql 1 "CREATE USER repl@'127.0.0.1' IDENTIFIED BY 'replpw'; GRANT REPLICATION SLAVE ON *.* TO repl@'127.0.0.1';
	CREATE USER dm@'127.0.0.1' IDENTIFIED BY 'dmpw'; CREATE USER dm@localhost IDENTIFIED BY 'dmpw';
	GRANT SLAVE MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, PROCESS, CONNECTION ADMIN,
	      REPLICATION MASTER ADMIN ON *.* TO dm@'127.0.0.1', dm@localhost;
	CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY, v INT) ENGINE=InnoDB;
	INSERT INTO app.t VALUES (1, 1), (2, 2);" || { echo "FAIL: master setup"; exit 1; }
sql 2 "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$P1, MASTER_USER='repl',
	MASTER_PASSWORD='replpw', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; START SLAVE;" ||
	{ echo "FAIL: replica setup"; exit 1; }

export DM_PROBE_PASSWORD=dmpw
T1=(-H 127.0.0.1 -P "$P1" -u dm)   # the master over TCP, as a peer is probed
T2=(-S "$TMP/m2/sock" -u dm)       # the replica over its socket, as the local server is
run() { "${TOOL[@]}" "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?; [ $rc -eq 0 ] || { cat "$TMP/err"; bad "probe_tool $*"; }; }
record() { [ -n "${DM_RECORD:-}" ] && "${TOOL[@]}" "${T2[@]}" rows "SHOW SLAVE STATUS" >"$DM_RECORD/$1.row"; true; }
# Probes the replica until KEY matches REGEX (bounded: 10 s).
wait_replica() {
	for _ in $(seq 100); do
		run "${T2[@]}" probe
		[[ $(val "$1") =~ $2 ]] && return 0
		sleep 0.1
	done
	return 1
}
master_pos() { sql 1 "SELECT @@global.gtid_binlog_pos"; }

echo "# master 127.0.0.1:$P1, replica 127.0.0.1:$P2"
# 1. Plain probes.
run "${T1[@]}" -t 1000 probe
expect rc 0 "master probe"
expect reachable 1 "master probe"
expect flavor mariadb "master probe"
expect server_id 1 "master probe"
expect read_only 0 "master probe"
expect super_read_only -1 "master probe"
expect repl_configured 0 "master probe"
expect gtid_binlog_pos "$(master_pos)" "master probe"
expect_match gtid_binlog_pos '^1-1-[0-9]+$' "master probe"
expect semisync_master_enabled 0 "master probe"
expect semisync_wait_point AFTER_COMMIT "master probe"
POS=$(master_pos)
wait_replica gtid_slave_pos "^$POS\$" || bad "replica never reached $POS"
expect rc 0 "replica probe"
expect server_id 2 "replica probe"
expect read_only 1 "replica probe"
expect io Yes "replica probe"
expect sql_running 1 "replica probe"
expect lag 0 "replica probe"
expect master_port "$P1" "replica probe"
expect using_gtid Slave_Pos "replica probe"
expect gtid_io_pos "$POS" "replica probe"
expect client_connections 0 "replica probe"
record mariadb-10.11-running
[ -n "${DM_RECORD:-}" ] && "${TOOL[@]}" "${T2[@]}" rows "SHOW ALL SLAVES STATUS" >"$DM_RECORD/mariadb-10.11-all-running.row"

# 1b. A second, named connection (never started): followed only when asked for by host:port.
PX=$(free_port)
sql 2 "CHANGE MASTER 'other' TO MASTER_HOST='127.0.0.1', MASTER_PORT=$PX, MASTER_USER='repl',
	MASTER_PASSWORD='x', MASTER_USE_GTID=slave_pos"
run "${T2[@]}" probe
expect master_port "$P1" "two connections, default followed"
expect io Yes "two connections, default followed"
run "${T2[@]}" -r "127.0.0.1:$PX" probe
expect master_port "$PX" "two connections, named one asked for"
expect io No "two connections, named one asked for"
run "${T2[@]}" -r "127.0.0.1:$P1" probe
expect master_port "$P1" "two connections, default asked for"
sql 2 "RESET SLAVE 'other' ALL"

# 2. SQL thread stopped: not running, lag unknown (NULL), not zero.
sql 2 "STOP SLAVE SQL_THREAD"
wait_replica sql_running '^0$' || bad "sql thread did not stop"
expect io Yes "sql stopped"
expect lag -1 "sql stopped"
expect last_sql_errno 0 "sql stopped"
record mariadb-10.11-sql-stopped

# 3. Catch-up times out while received rows wait for the stopped SQL thread.
sql 1 "INSERT INTO app.t VALUES (3, 3)"
POS=$(master_pos)
wait_replica gtid_io_pos "^$POS\$" || bad "IO thread did not receive $POS"
run "${T2[@]}" -t 1000 catchup 1500
expect rc_name ETIMEDOUT "catchup, sql stopped"
EL=$(val elapsed_ms)
if [ "$EL" -ge 1400 ] && [ "$EL" -le 3000 ]; then ok "catchup timeout took ${EL} ms"; else bad "catchup timeout took ${EL} ms"; fi
sql 2 "START SLAVE SQL_THREAD"
run "${T2[@]}" -t 1000 catchup 5000
expect rc 0 "catchup, sql running"
expect gtid_slave_pos "$POS" "catchup, sql running"

# 3b. Without GTID (Using_Gtid=No) catch-up compares relay positions instead.
sql 2 "STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=no; START SLAVE; STOP SLAVE SQL_THREAD"
wait_replica sql_running '^0$' || bad "sql thread did not stop"
expect using_gtid No "positions"
sql 1 "INSERT INTO app.t VALUES (4, 4)"
POS=$(master_pos)
wait_replica read_pos "^$(sql 1 "SHOW MASTER STATUS" | cut -f2)\$" || bad "IO thread did not receive row 4"
run "${T2[@]}" -t 1000 catchup 800
expect rc_name ETIMEDOUT "positions, sql stopped"
sql 2 "START SLAVE SQL_THREAD"
run "${T2[@]}" -t 1000 catchup 5000
expect rc 0 "positions, sql running"
expect gtid_slave_pos "$POS" "positions, sql running"
sql 2 "STOP SLAVE; CHANGE MASTER TO MASTER_USE_GTID=slave_pos; START SLAVE"

# 4. Waiting for a GTID: reached at once; unreachable one cancelled from the loop side.
run "${T2[@]}" -t 1000 gtidwait "$POS" 2000
expect rc 0 "gtid wait reached"
run "${T2[@]}" -t 1000 -c 300 gtidwait "1-1-999999" 10000
expect rc_name ECANCELED "gtid wait cancelled"
EL=$(val elapsed_ms)
if [ "$EL" -le 1500 ]; then ok "cancel returned after ${EL} ms"; else bad "cancel returned after ${EL} ms"; fi
run "${T2[@]}" gtidwait "1-1-5'; DROP TABLE app.t; --" 1000
expect rc_name "Invalid argument" "gtid text with SQL refused"

# 5. Duplicate key: the replica has the row the master then inserts.
sql 2 "SET SESSION sql_log_bin=0; INSERT INTO app.t VALUES (100, 0)"
sql 1 "INSERT INTO app.t VALUES (100, 1)"
wait_replica last_sql_errno '^1062$' || bad "no duplicate-key error on the replica"
expect sql_running 0 "duplicate key"
expect_match last_sql_error "Duplicate entry '100'" "duplicate key"
expect lag -1 "duplicate key"
record mariadb-10.11-sql-error-1062
run "${T2[@]}" -t 1000 catchup 5000
expect rc_name EPIPE "catchup, replication broken"
EL=$(val elapsed_ms)
if [ "$EL" -le 1000 ]; then ok "broken replication reported after ${EL} ms"; else bad "broken reported after ${EL} ms"; fi
sql 2 "SET SESSION sql_log_bin=0; DELETE FROM app.t WHERE id=100; START SLAVE SQL_THREAD"
wait_replica gtid_slave_pos "^$(master_pos)\$" || bad "replica did not recover"

# 6. Frozen master: established connection (read timeout) and new connection (greeting wait).
rm -f "$TMP/again"
"${TOOL[@]}" "${T1[@]}" -t 1000 -w "$TMP/again" probe >"$TMP/out2" 2>"$TMP/err2" &
TPID=$!; BG_PIDS+=("$TPID")
for _ in $(seq 100); do grep -q '^---' "$TMP/out2" 2>/dev/null || grep -q '^rc=' "$TMP/out2" && break; sleep 0.05; done
kill -STOP "$MPID"
touch "$TMP/again"
wait "$TPID"
sed -n '/^---/,$p' "$TMP/out2" >"$TMP/out"
expect reachable 0 "frozen master, open connection"
expect rc_name ETIMEDOUT "frozen master, open connection"
EL=$(val elapsed_ms)
if [ "$EL" -le 2000 ]; then ok "frozen master (open connection): ${EL} ms"; else bad "frozen (open): ${EL} ms > 2000"; fi
run "${T1[@]}" -t 1000 probe
expect reachable 0 "frozen master, new connection"
expect rc_name ETIMEDOUT "frozen master, new connection"
EL=$(val elapsed_ms)
if [ "$EL" -le 2000 ]; then ok "frozen master (new connection): ${EL} ms"; else bad "frozen (new): ${EL} ms > 2000"; fi
kill -CONT "$MPID"
run "${T1[@]}" -t 1000 probe
expect reachable 1 "master thawed"

# 7. Fence a writable server with a sleeping client; then writable again; then read-only without kill.
mariadb --no-defaults -uroot --socket="$TMP/m1/sock" -e "SELECT SLEEP(30)" >/dev/null 2>&1 &
CPID=$!; BG_PIDS+=("$CPID")
for _ in $(seq 50); do [ "$(sql 1 "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%'")" = 1 ] && break; sleep 0.1; done
run "${T1[@]}" -t 2000 probe
expect client_connections 1 "sleeping client counted"
DUMP="SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND LIKE 'Binlog Dump%'"
DUMP_ID=$(sql 1 "$DUMP")
run "${T1[@]}" -t 2000 fence
expect rc 0 "fence"
expect read_only 1 "fence"
expect killed 1 "fence"
expect client_connections 0 "fence"
for _ in $(seq 50); do kill -0 "$CPID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$CPID" 2>/dev/null; then bad "sleeping client survived the fence"; else ok "sleeping client killed"; fi
if [ -n "$DUMP_ID" ] && [ "$(sql 1 "$DUMP")" = "$DUMP_ID" ]; then ok "replica's binlog dump session spared"
else bad "binlog dump session $DUMP_ID gone after fence"; fi
run "${T1[@]}" -t 2000 writable
expect rc 0 "writable"
expect read_only 0 "writable"
mariadb --no-defaults -uroot --socket="$TMP/m1/sock" -e "SELECT SLEEP(30)" >/dev/null 2>&1 &
CPID=$!; BG_PIDS+=("$CPID")
for _ in $(seq 50); do [ "$(sql 1 "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%'")" = 1 ] && break; sleep 0.1; done
run "${T1[@]}" -t 2000 readonly
expect rc 0 "read-only without kill"
expect read_only 1 "read-only without kill"
expect killed 0 "read-only without kill"
if kill -0 "$CPID" 2>/dev/null; then ok "client kept"; else bad "client killed without kill_clients"; fi
run "${T1[@]}" -t 2000 kill
expect killed 1 "kill clients"
run "${T1[@]}" -t 2000 writable
expect read_only 0 "writable again"

# 8. Semi-sync master side (built into MariaDB).
run "${T1[@]}" semisync on
expect rc 0 "semisync on"
expect semisync_master_enabled 1 "semisync on"
run "${T1[@]}" semisync off
expect semisync_master_enabled 0 "semisync off"

# 9. Master gone: refused at once; the replica's IO thread retries with error 2003.
rm -f "$TMP/again"
"${TOOL[@]}" "${T1[@]}" -t 1000 -w "$TMP/again" probe >"$TMP/out2" 2>"$TMP/err2" &
TPID=$!; BG_PIDS+=("$TPID")
for _ in $(seq 100); do grep -q '^rc=' "$TMP/out2" && break; sleep 0.05; done
mariadb-admin --no-defaults -uroot --socket="$TMP/m1/sock" shutdown
for _ in $(seq 100); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
run "${T1[@]}" -t 1000 probe
expect reachable 0 "master down"
expect rc_name "Connection refused" "master down"
wait_replica last_io_errno '^2003$' || bad "replica IO error 2003 not seen"
expect io Connecting "master down"
expect_match last_io_error "error (re)?connecting to master" "master down"
record mariadb-10.11-io-connecting-2003

# 10. Master back: a connection that died while idle is replaced within the same job.
start_server 1 "$P1" 1
touch "$TMP/again"
wait "$TPID"
sed -n '/^---/,$p' "$TMP/out2" >"$TMP/out"
expect rc 0 "restarted master, old connection retried"
expect reachable 1 "restarted master, old connection retried"

grep -q "password" "$TMP"/out 2>/dev/null && grep -q dmpw "$TMP"/out && bad "password in output"
echo "# $fails failures"
[ $fails -eq 0 ]
