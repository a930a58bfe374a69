#!/usr/bin/env bash
# `make demo`: two MariaDB nodes with dualmasterd in network namespaces; the master's mysqld is killed
# under a client writing through the VIP, and the VIP and the writes move to the other node.
# KEEP=1 leaves the scene up afterwards. Exits non-zero if the failover did not happen.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh

KEEP=${KEEP:-0}
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: FAILED: $*" >&2; lab_dump_logs 20; exit 1; }

[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces); try: sudo make demo" >&2; exit 1; }
{ [ -x ./dualmasterd ] && [ -x ./dualmasterctl ]; } || { echo "demo: run make first" >&2; exit 1; }
for c in mariadbd mariadb python3 nft; do
	command -v "$c" >/dev/null || { echo "demo: $c missing: run make deps" >&2; exit 1; }
done

cleanup() {
	lab_running writer && lab_writer_stop
	if [ "$KEEP" = 1 ] && [ "${demo_ok:-0}" = 1 ]; then
		return
	fi
	lab_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ctl() { ./dualmasterctl -s "$LAB_DIR/dm-$1.sock" "${@:2}"; }
# Prints one field of `status --json` (state, vip held...), or nothing while the daemon is not up.
field() {
	ctl "$1" status --json 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["status"]
except Exception:
    sys.exit(1)
print({"state": s["state"], "ro": s["local"].get("read_only")}[sys.argv[1]])' "$2"
}
is_state() { [ "$(field "$1" state)" = "$2" ]; }
vip_on() { [ "$(lab_vip_holder)" = "$1" ]; }
# Acknowledged rows in the writer's file per server_id, optionally only those acked after EPOCH.
acks_by() { awk -v sid="$1" -v after="${2:-0}" '$3 == sid && $2 > after' "$LAB_WRITER_ACKED" | wc -l; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }

say "building the scene: namespaces, a bridge, two mariadbd in two-way GTID replication, semi-sync"
# Exported: node1's server restarted at the end must come back with semi-sync as well.
export LAB_SEMISYNC=1
lab_up || die "lab_up"
cat <<EOF
   client 192.0.2.100 ---+
   node1  192.0.2.11  ---+--- bridge (tiebreaker 192.0.2.1)      VIP 192.0.2.50
   node2  192.0.2.12  ---+
   LAB_ID=$LAB_ID  LAB_DIR=$LAB_DIR  (up in ${LAB_UP_SECONDS}s)
EOF

say "starting dualmasterd on node1 (priority 150), then on node2 (priority 100)"
lab_write_dm_conf node1 150 && lab_write_dm_conf node2 100 || die "writing configurations"
# With preempt = false the first node to become master keeps the role: start order decides.
lab_start_dm node1 || die "starting dualmasterd on node1"
lab_wait_for "node1 MASTER" 15 is_state node1 MASTER || die "node1 did not become MASTER"
lab_start_dm node2 || die "starting dualmasterd on node2"
lab_wait_for "node2 BACKUP" 15 is_state node2 BACKUP || die "node2 did not become BACKUP"
echo "VIP $LAB_VIP is on: $(lab_vip_holder)"

say "dualmasterctl status on node1"
ctl node1 status
say "dualmasterctl status on node2"
ctl node2 status

say "a client writes 100 rows/s through the VIP (tests/lab/writer.c, one INSERT per row)"
lab_writer_start 100000 120 100 || die "starting the writer"
acked_at_least() { [ "$(lab_writer_acked)" -ge "$1" ]; }
lab_wait_for "200 acknowledged rows" 20 acked_at_least 200 || die "the writer gets no acknowledgements"
echo "acknowledged so far: $(acks_by 1) by server_id 1 (node1), $(acks_by 2) by server_id 2 (node2)"

t_fault=$EPOCHREALTIME
say "killing node1's mysqld with SIGKILL (pid $(lab_pid mysqld-node1)) at $(date +%T.%3N)"
lab_mysqld_stop node1 KILL
if ! lab_wait_for "the VIP on node2" 20 vip_on node2; then
	die "the VIP did not move to node2 (holder: $(lab_vip_holder))"
fi
t_vip=$EPOCHREALTIME
echo "VIP $LAB_VIP moved to node2 $(ms_between "$t_fault" "$t_vip") ms after the kill"
first_after() { [ "$(acks_by 2 "$t_fault")" -gt 0 ]; }
lab_wait_for "writes acknowledged by node2" 30 first_after || die "no write acknowledged by node2"
sleep 2 # a little steady writing on the new master, for the counts below
lab_writer_stop

last_before=$(awk -v t="$t_fault" '$2 <= t { x = $2 } END { print x }' "$LAB_WRITER_ACKED")
first_new=$(awk -v t="$t_fault" '$2 > t && $3 == 2 { print $2; exit }' "$LAB_WRITER_ACKED")
say "writes"
echo "acknowledged before the kill: $(awk -v t="$t_fault" '$2 <= t' "$LAB_WRITER_ACKED" | wc -l)" \
	"(server_id 1: $(awk -v t="$t_fault" '$2 <= t && $3 == 1' "$LAB_WRITER_ACKED" | wc -l))"
echo "acknowledged after the kill:  $(acks_by 1 "$t_fault") by server_id 1, $(acks_by 2 "$t_fault") by server_id 2"
echo "write outage (last ack before the kill to first ack by node2): $(ms_between "$last_before" "$first_new") ms"
echo "  (the client's reconnect adds up to 1 s: a TCP SYN sent while the VIP moves is retried after 1 s)"
echo "statements that failed (outcome unknown to the client): $(wc -l <"$LAB_WRITER_ERRORS")"
sed 's/^/  /' "$LAB_WRITER_ERRORS" | head -n 5
missing=$(comm -23 <(awk '{ print $1 }' "$LAB_WRITER_ACKED" | sort) \
	<(lab_sql node2 'SELECT id FROM dmtest.writes' | sort) | wc -l)
echo "acknowledged rows missing on node2: $missing (semi-sync: every acknowledged commit reached node2)"

say "dualmasterctl status on node2 (the new master)"
ctl node2 status
say "dualmasterctl status on node1 (its mysqld is dead)"
ctl node1 status | head -n 4

say "restarting node1's mysqld: it comes back read-only and replicates from node2"
lab_mysqld_start node1 || die "restarting node1's mysqld"
lab_wait_repl 30 || echo "replication not back in sync within 30 s"
lab_wait_for "node1 BACKUP" 15 is_state node1 BACKUP
echo "node1: $(field node1 state), read_only=$(lab_sql node1 'SELECT @@read_only')"
echo "node2: $(field node2 state), read_only=$(lab_sql node2 'SELECT @@read_only'), VIP on: $(lab_vip_holder)"

[ "$missing" = 0 ] || die "$missing acknowledged rows missing on node2"
demo_ok=1
say "failover done: VIP and writes moved from node1 to node2"
if [ "$KEEP" = 1 ]; then
	echo "$LAB_DIR" >"${LAB_POINTER:-/tmp/dualmaster-lab.current}"
	cat <<EOF
The scene stays up (KEEP=1). To look around:
  # the lab_* functions (tests/lab/README.md) in this shell, on this scene:
  eval "\$(tests/lab/lab env)"; . tests/lab/lab.sh
  tests/lab/lab status
  ./dualmasterctl -s $LAB_DIR/dm-node1.sock status
  ./dualmasterctl -s $LAB_DIR/dm-node2.sock status --json
  # hand the master role back to node1, safely:
  ./dualmasterctl -s $LAB_DIR/dm-node2.sock switchover
  tests/lab/lab sql node2 'SELECT COUNT(*) FROM dmtest.writes'
  ip netns exec $(lab_ns node2) ip -4 addr show
  less $LAB_DIR/dm-node2.log
  # remove everything:
  tests/lab/lab down
EOF
fi
exit 0
