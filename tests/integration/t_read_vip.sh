#!/usr/bin/env bash
# The read VIP on the real scene: it lives on the backup while the backup's server replicates, moves
# to the master when the backup's SQL thread stops or its daemon stops, and comes back; a reader
# through it in the client namespace is answered by the server the read VIP is on, with every
# outage bounded. The write VIP never moves.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
. tests/lab/lab_check.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

READ_VIP=192.0.2.51
export LAB_DM_VRRP_EXTRA="read_vips = {\"$READ_VIP/24\"}"
# Slower than the scene's 100 ms: moves need no speed here, and the reader's outages must come from
# the read VIP, not from a busy machine.
export LAB_HEALTH_TIMEOUT_MS=1000

read_holder() { lab_vip_holder "$READ_VIP"; }
holder_is() { [ "$(read_holder)" = "$1" ]; }
held() { [ "$(dm_get "$1" 's["read"]["held"]')" = "$2" ]; }

# The reader: one query through the read VIP every 50 ms, "EPOCH SERVER_ID" or "EPOCH ERR" per line,
# for at most 180 s (a new connection each time, as a pool after a move would).
start_reader() {
	cat >"$LAB_DIR/reader.sh" <<-EOS
	#!/usr/bin/env bash
	end=\$((SECONDS + 180))
	while [ \$SECONDS -lt \$end ]; do
		r=\$(MYSQL_PWD=\$(cat "$LAB_DIR/app.password") mariadb --no-defaults --connect-timeout=1 \
			-h $READ_VIP -u dmapp -B -N -e 'SELECT @@server_id' 2>/dev/null) || r=ERR
		echo "\$EPOCHREALTIME \${r:-ERR}"
		sleep 0.05
	done
	EOS
	chmod 0755 "$LAB_DIR/reader.sh"
	: >"$LAB_DIR/reader.log"
	lab_spawn reader "$LAB_DIR/reader.log" "$(lab_ns client)" "$LAB_DIR/reader.sh"
}
# reads_from SID N: the last N reads all came from server SID.
reads_from() { [ "$(tail -n "$2" "$LAB_DIR/reader.log" | awk -v s="$1" '$2 != s' | wc -l)" = 0 ] &&
	[ "$(wc -l <"$LAB_DIR/reader.log")" -ge "$2" ]; }
# The longest time without a good read from MARK (a line count) on, in ms.
longest_gap_ms() {
	tail -n +"$(($1 + 1))" "$LAB_DIR/reader.log" |
		awk 'NR == 1 { last = $1 } $2 != "ERR" { if (($1 - last) * 1000 > gap) gap = ($1 - last) * 1000; last = $1 }
		     END { if (($1 - last) * 1000 > gap) gap = ($1 - last) * 1000; printf "%d", gap }'
}
mark() { wc -l <"$LAB_DIR/reader.log"; }
# move DESC FROM_MARK: reports the move's outage and checks it against a bound that only an
# orphaned read VIP (nobody holds it) or a stuck ARP cache would exceed.
outage() {
	local gap
	gap=$(longest_gap_ms "$2")
	echo "     $1: longest time without an answer ${gap} ms"
	check_le "$1: reads interrupted at most 5 s" "$gap" 5000
}

lab_up || exit 1
trap lab_down EXIT
lab_write_dm_conf node1 && lab_write_dm_conf node2 || exit 1
sid1=$(lab_sql node1 'SELECT @@server_id') sid2=$(lab_sql node2 'SELECT @@server_id')

# ---- alone, the master serves reads too ----
lab_start_dm node1 || exit 1
check "node1 MASTER" lab_wait_for "node1 MASTER" 15 dm_state_is node1 MASTER
check "read VIP on node1 while node2's daemon is not running" lab_wait_for "read VIP on node1" 10 holder_is node1

# ---- node2 joins: the read VIP goes to the backup ----
lab_start_dm node2 || exit 1
check "node2 BACKUP" lab_wait_for "node2 BACKUP" 15 dm_state_is node2 BACKUP
check "read VIP on node2 alone" lab_wait_for "read VIP on node2" 10 holder_is node2
check "status: node2 holds it, node1 not" eval 'held node2 True && held node1 False'
check "the text status names the reason" eval \
	'ctl node2 status | grep -q "read vip: $READ_VIP/24 held (backup fit for reads"'
start_reader
check "the reader is answered by node2's server" lab_wait_for "reads from node2" 10 reads_from "$sid2" 5

# ---- node2's SQL thread stops: the read VIP goes to the master ----
m=$(mark)
lab_sql node2 'STOP SLAVE SQL_THREAD'
check "SQL thread stopped: read VIP on node1" lab_wait_for "read VIP on node1" 10 holder_is node1
check "the reader is answered by node1's server" lab_wait_for "reads from node1" 10 reads_from "$sid1" 5
outage "SQL thread stopped" "$m"
why1=$(dm_get node1 's["read"]["reason"]')
check_eq "node1 says why" "master, the peer's server is not fit for reads (replica SQL thread not running)" "$why1"

# ---- and restarted: back to node2 ----
m=$(mark)
lab_sql node2 'START SLAVE SQL_THREAD'
check "SQL thread running: read VIP back on node2" lab_wait_for "read VIP on node2" 10 holder_is node2
check "the reader is answered by node2's server again" lab_wait_for "reads from node2" 10 reads_from "$sid2" 5
outage "SQL thread restarted" "$m"

# ---- node2's daemon stops (its server runs on): nobody answers for the read VIP, node1 takes it ----
m=$(mark)
lab_stop_dm node2 || bad "node2's daemon did not stop"
check "node2's daemon gone: read VIP on node1" lab_wait_for "read VIP on node1" 10 holder_is node1
check "the reader is answered by node1's server" lab_wait_for "reads from node1" 10 reads_from "$sid1" 5
outage "backup daemon stopped" "$m"
lab_start_dm node2 || exit 1
check "node2's daemon back: read VIP on node2" lab_wait_for "read VIP on node2" 15 holder_is node2
check "reads from node2 once more" lab_wait_for "reads from node2" 10 reads_from "$sid2" 5

# ---- the write VIP never moved ----
check "node1 MASTER throughout, write VIP on node1" eval 'dm_state_is node1 MASTER && [ "$(lab_vip_holder)" = node1 ]'
check_eq "no transition to MASTER on node2" 0 "$(dm_get node2 'sum(t["to"] == "MASTER" for t in s["transitions"])')"
check_eq "node1 added the read VIP three times (alone, SQL thread, daemon stopped)" 3 \
	"$(dm_get node1 's["read"]["moves"]')"
lab_stop reader TERM
echo "     reader: $(grep -c . "$LAB_DIR/reader.log") reads, $(grep -c ' ERR$' "$LAB_DIR/reader.log") failed"

echo "t_read_vip: $fails failure(s)"
[ "$fails" -eq 0 ] || { lab_dump_logs 40; exit 1; }
echo PASS
