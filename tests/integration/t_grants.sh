#!/usr/bin/env bash
# Grants: the daemon's whole life cycle on real servers (semi-sync on) with exactly the account
# sql/monitor-user-mariadb.sql makes, and nothing more: probe, switchover (step-down, peer
# catch-up, takeover with fence), failover fencing a live writable peer (read_only ON, client
# session killed), failover from a dead peer (semi-sync master side off, catch-up, write-enable,
# semi-sync back on). After each step: what a client sees (read_only, the VIP, writes through it,
# the term row) and no "denied" in either daemon's log. Last, the test shows it can fail: with
# CONNECTION ADMIN revoked the fence of a live peer fails (error 1095), the takeover is refused and
# the log says why; with the grant back the same takeover goes through.
#
# The account: tests/lab/lab_db.sh (lab_repl_setup) runs sql/monitor-user-mariadb.sql unchanged, with
# only its {{DM_PASSWORD}} and {{DM_NETWORK}} (192.0.2.%) placeholders substituted, on node1;
# replication carries it to node2. The first checks below compare both servers' SHOW GRANTS with
# the GRANT statements of that file.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd mariadb-install-db nft bridge python3; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
if ! [ -x ./dualmasterd ] || ! [ -x ./dualmasterctl ]; then echo "dualmasterd not built (make)"; exit 1; fi
. tests/lab/lab.sh

. tests/lab/lab_check.sh
finish() {
	[ $fails -eq 0 ] || { lab_status; lab_dump_logs 60; }
	lab_down
	[ $fails -eq 0 ] && echo "t_grants: all passed" || echo "t_grants: $fails failed"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

GRANTS_SQL=sql/monitor-user-mariadb.sql

# ---- helpers ------------------------------------------------------------------------------------

# st NODE EXPR: the Python expression EXPR over NODE's status (s = the "status" object).
st() {
	ctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["status"]
except Exception:
    sys.exit(1)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list)) or v is None else v)' "$2"
}
state_is() { [ "$(st "$1" 's["state"]')" = "$2" ]; }
ro() { lab_sql "$1" 'SELECT @@read_only' 2>/dev/null; }
writable() { [ "$(ro "$1")" = 0 ]; }
vip_on() { [ "$(lab_vip_holder)" = "$1" ]; }
vip_held() { [ "$(st "$1" 's["vips"][0]["held"]')" = True ]; }
master_alone() { state_is "$1" MASTER && vip_on "$1" && writable "$1"; }
settled_on() {
	local b
	b=$(lab_peer "$1")
	master_alone "$1" && state_is "$b" BACKUP && [ "$(ro "$b")" = 1 ]
}
# Both servers seen as up by both daemons (every probe statement answered on both accounts).
probes_up() {
	local n
	for n in node1 node2; do
		[ "$(st $n 's["local"]["up"]')" = True ] && [ "$(st $n 's["peer"]["up"]')" = True ] || return 1
	done
}
# fences NODE: how many takeovers of NODE's daemon fenced an answering peer (its metrics).
fences() { ctl "$1" metrics 2>/dev/null | awk '/^dualmaster_fence_total\{outcome="fenced"\}/ { print $2 }'; }
semisync_is() { [ "$(lab_sql "$1" 'SELECT @@rpl_semi_sync_master_enabled' 2>/dev/null)" = "$2" ]; }
# term NODE: the takeover term row as the server holds it, "TERM HOLDER".
term() { lab_sql "$1" 'SELECT term, holder FROM dualmaster.term WHERE id = 1' 2>/dev/null | tr '\t' ' '; }
term_holder_is() { [ "$(term "$1" | cut -d' ' -f2)" = "$2" ]; }
term_num() { term "$1" | cut -d' ' -f1; }

# client_write ID: what a client sees through the VIP: which server answers, and a write of row ID
# (semi-sync: acknowledged by the peer, or the master side is off). Prints the server_id.
client_write() {
	lab_sql_tcp client "$LAB_VIP" dmapp "$LAB_DIR/app.password" \
		"INSERT INTO dmtest.writes (id, node) VALUES ($1, 'grants'); SELECT @@server_id"
}
# row_on NODE ID: the row with that id is on NODE's server.
row_on() { [ "$(lab_sql "$1" "SELECT COUNT(*) FROM dmtest.writes WHERE id = $2" 2>/dev/null)" = 1 ]; }

# Lines of the daemons' logs saying a statement was refused for want of a privilege: "denied"
# (1044, 1045, 1142, 1143, 1227 all say it), the codes themselves, and KILL's 1095.
DENIED_RE='denied|\[(1044|1045|1095|1142|1143|1227)\]|not owner of thread|no readable dualmaster\.term'
denied_lines() { grep -aEi -- "$DENIED_RE" "$LAB_DIR/dm-$1.log"; }
# logs_clean: neither daemon's log holds such a line.
logs_clean() {
	local n out
	for n in node1 node2; do
		out=$(denied_lines $n)
		if [ -n "$out" ]; then
			bad "$1: dm-$n.log has privilege errors: $(head -n 3 <<<"$out")"
			return
		fi
	done
	ok "$1: no privilege error in either daemon's log"
}

# A client session on NODE's server, through the VIP: an open transaction holding one uncommitted
# row, then waiting. Its option file names $LAB_DIR, which lets lab_spawn/lab_down track the pid.
victim_start() {
	local id=$1
	cat >"$LAB_DIR/victim.cnf" <<-EOF
	[client]
	user = dmapp
	password = $(cat "$LAB_DIR/app.password")
	host = $LAB_VIP
	port = 3306
	connect-timeout = 2
	EOF
	chmod 0600 "$LAB_DIR/victim.cnf"
	: >"$LAB_DIR/victim.log"
	lab_spawn victim "$LAB_DIR/victim.log" "$(lab_ns client)" mariadb --defaults-file="$LAB_DIR/victim.cnf" \
		-B -N -e "BEGIN; INSERT INTO dmtest.writes (id, node) VALUES ($id, 'victim'); SELECT SLEEP(60)"
}
# victim_on NODE: the client session is on NODE's server, sleeping in its transaction.
victim_on() {
	[ "$(lab_sql "$1" "SELECT COUNT(*) FROM information_schema.PROCESSLIST
		WHERE USER = 'dmapp' AND INFO LIKE 'SELECT SLEEP%'" 2>/dev/null)" = 1 ]
}
victim_gone() { lab_pid_gone "$(lab_pid victim)"; }

# The privileges of the account's global grant, normalised and sorted, one per line.
privs_of() { # privs_of "GRANT a, b ON *.* TO ..."
	sed -E 's/^GRANT (.*) ON .*/\1/' <<<"$1" | tr ',' '\n' | sed -E 's/^ +| +$//g' |
		sed -e 's/^REPLICA MONITOR$/SLAVE MONITOR/' | sort
}

# ==== 0. the account is exactly what sql/ grants =================================================
echo "---- 0. the account"
export LAB_SEMISYNC=1 LAB_SEMISYNC_TIMEOUT_MS=10000
lab_up || { bad "lab_up"; exit 1; }
# The global and the table grants in the file, for one account (joined across lines).
file_global=$(grep -v '^--' "$GRANTS_SQL" | tr '\n' ' ' | sed 's/;/;\n/g' | grep -E "^ *GRANT .* ON \*\.\* TO 'dualmaster'@'localhost'" |
	sed -E 's/ +/ /g; s/^ //')
file_table=$(grep -cE "^GRANT .* ON dualmaster\.term TO 'dualmaster'@'localhost'" "$GRANTS_SQL")
want=$(privs_of "$file_global")
echo "   $GRANTS_SQL grants: $(tr '\n' ',' <<<"$want")"
check "the file has one global grant for the local account" [ -n "$want" ]
for n in node1 node2; do
	for acct in "'dualmaster'@'localhost'" "'dualmaster'@'192.0.2.%'"; do
		g=$(lab_sql $n "SHOW GRANTS FOR $acct" 2>/dev/null)
		echo "$g" | sed "s/^/   $n: /; s/PASSWORD '[^']*'/PASSWORD '...'/"
		have=$(privs_of "$(grep ' ON \*\.\* ' <<<"$g")")
		check_eq "$n $acct: global privileges exactly those of $GRANTS_SQL" "$want" "$have"
		check_eq "$n $acct: table grant exactly SELECT, INSERT, UPDATE on dualmaster.term" \
			"GRANT SELECT, INSERT, UPDATE ON \`dualmaster\`.\`term\`" \
			"$(grep -v ' ON \*\.\* ' <<<"$g" | sed -E 's/ TO .*//')"
		check_eq "$n $acct: two grant lines, nothing else" 2 "$(grep -c '^GRANT ' <<<"$g")"
	done
done
check_eq "the file grants the table to the local account once" 1 "$file_table"
for p in SUPER RELOAD 'BINLOG MONITOR'; do
	check "not granted: $p" eval "! grep -qx '$p' <<<\"\$want\""
done

# ==== 1. probe: both daemons start, node1 MASTER =================================================
echo "---- 1. start-up and probe"
if ! lab_write_dm_conf node1 150 || ! lab_write_dm_conf node2 100; then bad "dualmasterd configs"; exit 1; fi
check "node1 dualmasterd starts" lab_start_dm node1
check "node1 becomes MASTER, writable, with the VIP" lab_wait_for "node1 master" 15 master_alone node1
check "node2 dualmasterd starts" lab_start_dm node2
check "the pair settles on node1" lab_wait_for "settled on node1" 15 settled_on node1
check "both daemons probe both servers (local over the socket, peer over TCP)" \
	lab_wait_for "probes up" 10 probes_up
check_eq "a client writing through the VIP reaches node1's server" 1 "$(client_write 1)"
check "the client's row replicates to node2" lab_wait_for "row on node2" 10 row_on node2 1
check "term row written by node1's takeover" lab_wait_for "term node1" 10 term_holder_is node1 node1
# SELECT on dualmaster.term, every probe of both servers: node2's daemon reads node1's term row on both.
term_seen() { [ "$(st node2 's["term"]["holder"]')" = node1 ] && [ "$(st node2 's["term"]["local"]')" -ge 1 ] &&
	[ "$(st node2 's["term"]["local"]')" = "$(st node2 's["term"]["peer"]')" ]; }
check "node2's status shows the term read on both servers" lab_wait_for "term in status" 10 term_seen
T1=$(term_num node1)
logs_clean "1"

# ==== 2. switchover: node1 steps down, node2 catches up and takes over (fencing node1) ===========
echo "---- 2. switchover"
check "replication in sync before the switchover" lab_wait_repl 20
fenced_before=$(fences node2)
out=$(timeout 30 ./dualmasterctl -s "$LAB_DIR/dm-node1.sock" switchover 2>&1); rc=$?
echo "$out" | sed 's/^/   switchover: /'
check_eq "switchover: dualmasterctl exit 0" 0 "$rc"
# node2 acts on node1's priority-0 advert ~60 ms after node1's read_only ON: its last probe of node1
# may predate that, and it must take over (fencing) rather than refuse as if adverts were lost.
check "switchover: node2 never refused the takeover" \
	bash -c "! grep -q 'takeover failed: adverts lost while peer writable' '$LAB_DIR/dm-node2.log'"
check "switchover: the pair settles on node2" lab_wait_for "settled on node2" 15 settled_on node2
check_eq "switchover: node1's server read-only" 1 "$(ro node1)"
check_eq "switchover: a client writing through the VIP reaches node2's server" 2 "$(client_write 2)"
check "switchover: node2's term row above node1's" lab_wait_for "term node2" 10 term_holder_is node2 node2
check "switchover: term replicated to node1" lab_wait_for "term on node1" 10 term_holder_is node1 node2
check "switchover: term increased" [ "$(term_num node2)" -gt "$T1" ]
check "switchover: node2 fenced node1 on its way (metric dualmaster_fence_total{outcome=fenced})" \
	[ "$(fences node2)" -gt "$fenced_before" ]
check "probes up after the switchover" lab_wait_for "probes up" 10 probes_up
logs_clean "2"

# ==== 3. failover: node2's daemon SIGKILLed, its server writable; node1 fences it =================
echo "---- 3. daemon SIGKILL on the master: fence of a live, writable server"
check "replication in sync" lab_wait_repl 20
VICTIM_ROW=900001
victim_start $VICTIM_ROW
check "a client session holds an open transaction on node2's server" lab_wait_for "victim" 10 victim_on node2
check_eq "node2's server writable before the kill" 0 "$(ro node2)"
n_fenced=$(grep -c "adverts lost from a master" "$LAB_DIR/dm-node1.log")
check "dualmasterd on node2 killed (SIGKILL)" lab_stop_dm node2 KILL
n1_takes_over() { state_is node1 MASTER && vip_held node1 && writable node1; }
check "node1 takes over: MASTER, VIP held, writable" lab_wait_for "node1 master" 10 n1_takes_over
check_eq "node2's server fenced: read_only=1" 1 "$(ro node2)"
check "node1 logged that it fenced a live master" \
	[ "$(grep -c "adverts lost from a master" "$LAB_DIR/dm-node1.log")" -gt "$n_fenced" ]
check "the client's session on node2 was killed (its client exits)" lab_wait_for "victim gone" 10 victim_gone
check "no dmapp session left on node2" eval '! victim_on node2'
echo "   client: $(tr '\n' ' ' <"$LAB_DIR/victim.log")"
check "the client saw its connection end (2013/lost connection)" grep -qiE "2013|lost connection|gone away" "$LAB_DIR/victim.log"
check "its uncommitted row is on neither server" eval "! row_on node1 $VICTIM_ROW && ! row_on node2 $VICTIM_ROW"
check "node1's semi-sync master side left on (the peer is alive)" semisync_is node1 1
check "term: node1 holds it" lab_wait_for "term node1" 10 term_holder_is node1 node1
check "dualmasterd on node2 restarted" lab_start_dm node2
check "node2 removes its stale VIP and settles as BACKUP" lab_wait_for "settled on node1" 15 settled_on node1
check_eq "a client writing through the VIP reaches node1's server" 1 "$(client_write 3)"
check "probes up" lab_wait_for "probes up" 10 probes_up
logs_clean "3"

# ==== 4. failover from a dead peer: node1's mysqld SIGKILLed; semi-sync off, then back on =========
echo "---- 4. mysqld SIGKILL on the master: semi-sync toggled by the takeover"
check "replication in sync" lab_wait_repl 20
check "node2's semi-sync master side on" semisync_is node2 1
check "node1's mysqld killed (SIGKILL)" lab_mysqld_stop node1 KILL
check "node2 takes over: MASTER, VIP, writable" lab_wait_for "node2 master" 15 master_alone node2
check "node2's daemon turned its semi-sync master side off (SQL: @@rpl_semi_sync_master_enabled=0)" \
	semisync_is node2 0
check "node2 logged the semi-sync switch" grep -q "semi-sync master side off" "$LAB_DIR/dm-node2.log"
t0=$EPOCHREALTIME
check_eq "a client write through the VIP reaches node2's server" 2 "$(client_write 4)"
check_lt "and returns at once, not after the semi-sync timeout (s)" "$(lab_elapsed "$t0")" 5
check "node1's mysqld restarted" lab_mysqld_start node1
check_eq "node1's server comes back read-only" 1 "$(ro node1)"
check "node2's daemon turned semi-sync back on once node1 replicates (SQL: =1)" \
	lab_wait_for "semisync on" 20 semisync_is node2 1
check "node2 logged it" grep -q "semi-sync master side back on" "$LAB_DIR/dm-node2.log"
check "the pair settles on node2" lab_wait_for "settled on node2" 15 settled_on node2
check "term: node2 holds it, replicated to node1" lab_wait_for "term on node1" 15 term_holder_is node1 node2
check "probes up" lab_wait_for "probes up" 15 probes_up
logs_clean "4"

# ==== 5. the test can fail: CONNECTION ADMIN revoked on node2, the fence of it fails ===============
echo "---- 5. one privilege revoked: CONNECTION ADMIN for the peer account on node2"
check "replication in sync" lab_wait_repl 20
# Not binlogged: only node2's copy of the peer account (the one node1 fences node2 with) loses it.
check "revoked on node2" lab_sql node2 "SET SESSION sql_log_bin = 0;
	REVOKE CONNECTION ADMIN ON *.* FROM 'dualmaster'@'192.0.2.%'"
# A session keeps the global privileges it logged in with: end node1's sessions on node2 so its peer
# worker reconnects and meets the new grants.
for id in $(lab_sql node2 "SELECT ID FROM information_schema.PROCESSLIST
		WHERE USER = 'dualmaster' AND HOST LIKE '192.0.2.11:%'"); do
	lab_sql node2 "KILL CONNECTION $id" 2>/dev/null
done
check "node1 probes node2 again" lab_wait_for "probes up" 10 probes_up
check "the pair still settled on node2" lab_wait_for "settled on node2" 10 settled_on node2
marks=$(wc -l <"$LAB_DIR/dm-node1.log")
VICTIM_ROW=900002
victim_start $VICTIM_ROW
check "a client session holds an open transaction on node2's server" lab_wait_for "victim" 10 victim_on node2
check "dualmasterd on node2 killed (SIGKILL)" lab_stop_dm node2 KILL
new_denied() { tail -n +"$((marks + 1))" "$LAB_DIR/dm-node1.log" | grep -aEi -- "$DENIED_RE"; }
check "node1's log reports the refused KILL ([1095] not owner of thread)" \
	lab_wait_for "1095 in node1's log" 10 eval 'new_denied | grep -q "1095"'
echo "   node1: $(new_denied | head -n 1)"
not_master_for() { # NODE SECONDS: NODE never MASTER during that time
	local end=$((SECONDS + $2))
	while [ $SECONDS -lt $end ]; do
		state_is "$1" MASTER && return 1
		sleep 0.1
	done
}
check "node1 refuses to take over without CONNECTION ADMIN (3 s, never MASTER)" not_master_for node1 3
check "the client's session on node2 survives" victim_on node2
check "node1's status alert says why" eval '[[ "$(st node1 "s[\"alert\"]")" == *"could not be fenced"* ]]'
check "the privilege error is what logs_clean looks for" [ -n "$(denied_lines node1)" ]
# Back as the file has it: the same takeover goes through.
check "granted again on node2" lab_sql node2 "SET SESSION sql_log_bin = 0;
	GRANT CONNECTION ADMIN ON *.* TO 'dualmaster'@'192.0.2.%'"
for id in $(lab_sql node2 "SELECT ID FROM information_schema.PROCESSLIST
		WHERE USER = 'dualmaster' AND HOST LIKE '192.0.2.11:%'"); do
	lab_sql node2 "KILL CONNECTION $id" 2>/dev/null
done
check "with the grant back node1 takes over" lab_wait_for "node1 master" 15 n1_takes_over
check_eq "node2's server fenced: read_only=1" 1 "$(ro node2)"
check "the client's session on node2 was killed" lab_wait_for "victim gone" 10 victim_gone
check "its uncommitted row is on neither server" eval "! row_on node1 $VICTIM_ROW && ! row_on node2 $VICTIM_ROW"
check "dualmasterd on node2 restarted" lab_start_dm node2
check "the pair settles on node1" lab_wait_for "settled on node1" 15 settled_on node1
check "replication in sync at the end" lab_wait_repl 20
check_eq "node2's grants as the file has them again" "$want" \
	"$(privs_of "$(lab_sql node2 "SHOW GRANTS FOR 'dualmaster'@'192.0.2.%'" | grep ' ON \*\.\* ')")"
exit $((fails > 0))
