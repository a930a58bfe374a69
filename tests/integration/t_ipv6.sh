#!/usr/bin/env bash
# IPv6 on the real scene. An instance whose first VIP is IPv6 advertises VRRPv3 over IPv6 (ff02::12,
# from the link-local address) and carries an IPv4 VIP along; one whose first VIP is IPv4 carries
# an IPv6 VIP along. In both, a failover moves the IPv6 VIP (with an unsolicited NA) and a client
# in the client namespace writes to the new master through it; no acknowledged row is lost. Forged
# adverts are dropped; last, IPv6 unicast between the nodes' global addresses.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lab.sh
. tests/lab/lab_check.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }

export LAB_IPV6=1
VIP6=2001:db8::50
export LAB_WRITER_HOST=$VIP6

holder6_is() { [ "$(lab_vip_holder "$VIP6")" = "$1" ]; }
holder4_is() { [ "$(lab_vip_holder)" = "$1" ]; }
# One new connection through the IPv6 VIP from the client namespace: the server_id that answers.
sid_via_vip6() {
	MYSQL_PWD=$(cat "$LAB_DIR/app.password") ip netns exec "$(lab_ns client)" mariadb --no-defaults \
		--connect-timeout=1 -h "$VIP6" -u dmapp -B -N -e 'SELECT @@server_id' 2>/dev/null
}
answers_via_vip6() { [ "$(sid_via_vip6)" = "$1" ]; }
# The master NODE's daemon follows, as its status shows it.
master_is() { [ "$(dm_get "$1" 's["vrrp"]["master"]')" = "$2" ]; }
clean_adverts() {
	[ "$(dm_get "$1" 's["counters"]["adverts_received"]')" -gt 0 ] &&
		[ "$(dm_get "$1" 'sum(s["counters"]["rejected"].values()) + s["counters"]["addr_mismatch"]')" = 0 ]
}
link_local() { ip -n "$(lab_ns "$1")" -6 -o addr show dev "$(lab_if "$1")" scope link | awk '{print $4}' | cut -d/ -f1; }
# Every row the writer had acknowledged is on SERVER.
rows_kept() {
	local want got
	want=$(lab_writer_acked)
	got=$(lab_sql "$1" "SELECT COUNT(*) FROM dmtest.writes WHERE id BETWEEN $(head -1 "$LAB_WRITER_ACKED" | cut -d' ' -f1) AND $(tail -1 "$LAB_WRITER_ACKED" | cut -d' ' -f1)")
	echo "     writer acknowledged $want rows, $got of them on $1"
	[ "$want" -gt 0 ] && [ "$got" = "$want" ]
}
acked_at_least() { [ "$(lab_writer_acked)" -ge "$1" ]; }
# The writer's last acknowledged row came from NODE's server.
last_ack_from() { [ "$(tail -1 "$LAB_WRITER_ACKED" | cut -d" " -f3)" = "$(lab_sql "$1" "SELECT @@server_id")" ]; }
status_lists() { ctl "$1" status | grep -q "$2"; }
# failover FROM TO: the writer runs through the IPv6 VIP while FROM's server is killed; TO takes
# over, holds both VIPs, answers through the IPv6 VIP and has every acknowledged row.
failover_kill() {
	local from=$1 to=$2 t0
	lab_writer_start 100000 60 50 || exit 1
	check "writer through [$VIP6] acknowledged rows on $from" lab_wait_for "writer acks" 10 acked_at_least 10
	lab_sampler_start 10 60 "$VIP6" || exit 1
	t0=$EPOCHREALTIME
	lab_mysqld_stop "$from" KILL
	check "$to MASTER" lab_wait_for "$to MASTER" 15 dm_state_is "$to" MASTER
	check "IPv6 VIP on $to" lab_wait_for "IPv6 VIP on $to" 5 holder6_is "$to"
	check "IPv4 VIP on $to" holder4_is "$to"
	local n0
	n0=$(lab_writer_acked)
	check "writer's rows through [$VIP6] acknowledged again, now by $to" lab_wait_for "writes after failover" 15 \
		eval "acked_at_least $((n0 + 20)) && last_ack_from $to"
	echo "     writes went to $to again $(lab_elapsed "$t0") s after the kill (with the check's own polling)"
	lab_writer_stop
	lab_sampler_stop
	local timeline
	timeline=$(lab_sampler_check "$LAB_DIR/samples")
	echo "     sampler ([$VIP6] and read_only every 10 ms): $timeline"
	# The killed server's VIP until its daemon drops it counts as "on a read-only server": not checked.
	check "never two writable servers, never the IPv6 VIP on both" \
		grep -q "two_writable_ms=0.0 .*both_vip_ms=0.0" <<<"$timeline"
	check "no acknowledged row lost" rows_kept "$to"
}

# A fresh scene per part: a server killed under async replication may come back without its last
# transaction (binlog truncated at restart) while its peer has it, which no part here is about.
scene() {
	lab_down
	lab_up || exit 1
	# The scene's application user is for 192.0.2.0/24; this client comes over IPv6.
	lab_sql node1 "CREATE USER 'dmapp'@'2001:db8::%' IDENTIFIED BY '$(cat "$LAB_DIR/app.password")';
		GRANT SELECT, INSERT, UPDATE, DELETE ON dmtest.* TO 'dmapp'@'2001:db8::%'" || exit 1
	check "replication in sync" lab_wait_repl 20
	sid1=$(lab_sql node1 'SELECT @@server_id') sid2=$(lab_sql node2 'SELECT @@server_id')
}
trap lab_down EXIT
scene

# ---- IPv6 first: VRRPv3 over IPv6, the IPv4 VIP carried along ----
export LAB_DM_VRRP_EXTRA="vips = {\"$VIP6/64\", \"$LAB_VIP/24\"}"
lab_write_dm_conf node1 && lab_write_dm_conf node2 || exit 1
lab_start_dm node1 || exit 1
check "node1 MASTER" lab_wait_for "node1 MASTER" 15 dm_state_is node1 MASTER
check "both VIPs on node1" eval 'holder6_is node1 && holder4_is node1'
lab_start_dm node2 || exit 1
check "node2 BACKUP" lab_wait_for "node2 BACKUP" 15 dm_state_is node2 BACKUP
check "node2 hears node1's adverts from its link-local address" lab_wait_for "master address" 5 \
	master_is node2 "$(link_local node1)"
check "node2 counts IPv6 adverts and drops none" clean_adverts node2
check "status lists the IPv6 VIP" status_lists node1 "$VIP6/64"
check "a client through [$VIP6] reaches node1" lab_wait_for "answer via the IPv6 VIP" 5 answers_via_vip6 "$sid1"
check "node2 stays BACKUP for 1 s (adverts keep arriving)" eval \
	'sleep 1; dm_state_is node2 BACKUP && holder6_is node1'
# Forged adverts from the client's namespace, on the same link: an IPv6 instance takes adverts from
# any link-local source, so the hop limit (RFC 5798 7.1: 255, what a router would have lowered) and
# the checksum are what keep them out; a priority 0 from a router that is not the master is ignored.
forge() { ip netns exec "$(lab_ns client)" python3 tests/tools/vrrp6_send.py "$(lab_if client)" 51 "$@" >/dev/null; }
rejected() { dm_get "$1" "s['counters']['rejected']['$2']"; }
at_least() { [ "$(rejected "$1" "$2")" -ge "$3" ]; }
ttl0=$(rejected node2 ttl) sum0=$(rejected node2 checksum)
forge 254 "$VIP6" hop=1 count=3
forge 254 "$VIP6" badsum=1 count=3
check "forged adverts with hop limit 1: dropped and counted" lab_wait_for "hop limit rejects" 3 \
	at_least node2 ttl $((ttl0 + 3))
check "forged adverts with a bad checksum: dropped and counted" lab_wait_for "checksum rejects" 3 \
	at_least node2 checksum $((sum0 + 3))
prio0_count() { dm_get "$1" 's["counters"]["prio0_received"]'; }
prio0_at_least() { [ "$(prio0_count "$1")" -ge "$2" ]; }
roles_kept() { sleep 0.5; dm_state_is node1 MASTER && dm_state_is node2 BACKUP; }
p0=$(prio0_count node2)
forge 0 "$VIP6" count=3
check "node2 took in the forged priority 0 adverts (valid packets)" lab_wait_for "prio 0 counted" 3 \
	prio0_at_least node2 $((p0 + 3))
check "roles unchanged by the forged adverts" roles_kept
failover_kill node1 node2

# ---- IPv4 first: VRRP over IPv4, the IPv6 VIP carried along ----
lab_stop_dm node1
lab_stop_dm node2
check "no VIP left after both daemons stopped" eval 'holder6_is none && holder4_is none'
scene
export LAB_DM_VRRP_EXTRA="vips = {\"$LAB_VIP/24\", \"$VIP6/64\"}"
lab_write_dm_conf node1 100 && lab_write_dm_conf node2 150 || exit 1
lab_start_dm node2 || exit 1
check "node2 MASTER" lab_wait_for "node2 MASTER" 15 dm_state_is node2 MASTER
lab_start_dm node1 || exit 1
check "node1 BACKUP" lab_wait_for "node1 BACKUP" 15 dm_state_is node1 BACKUP
check "node1 hears node2 over IPv4" lab_wait_for "master address" 5 master_is node1 "$(lab_ip node2)"
check "both VIPs on node2" eval 'holder6_is node2 && holder4_is node2'
check "a client through [$VIP6] reaches node2" lab_wait_for "answer via the IPv6 VIP" 5 answers_via_vip6 "$sid2"
failover_kill node2 node1

# ---- IPv6 unicast: adverts to the peer's global address, from our own ----
lab_stop_dm node1
lab_stop_dm node2
scene
for n in node1 node2; do
	LAB_DM_VRRP_EXTRA="vips = {\"$VIP6/64\"}
  unicast_peers = {\"$(lab_ip6 "$(lab_peer $n)")\"}
  src_ip = \"$(lab_ip6 $n)\"" lab_write_dm_conf $n || exit 1
done
lab_start_dm node1 || exit 1
check "unicast: node1 MASTER" lab_wait_for "node1 MASTER" 15 dm_state_is node1 MASTER
lab_start_dm node2 || exit 1
check "unicast: node2 BACKUP" lab_wait_for "node2 BACKUP" 15 dm_state_is node2 BACKUP
check "unicast: node2 hears node1 from $(lab_ip6 node1)" lab_wait_for "master address" 5 \
	master_is node2 "$(lab_ip6 node1)"
check "unicast: node2 counts the adverts and drops none" clean_adverts node2
check "unicast: IPv6 VIP on node1" holder6_is node1
# A stopping master says priority 0 to its unicast peer: node2 takes over after Skew_Time.
lab_stop_dm node1
check "unicast: node2 MASTER after node1's daemon stopped" lab_wait_for "node2 MASTER" 10 dm_state_is node2 MASTER
check "unicast: IPv6 VIP on node2" lab_wait_for "IPv6 VIP on node2" 5 holder6_is node2
check "unicast: node2 counted node1's priority 0" prio0_at_least node2 1
check "unicast: a client through [$VIP6] reaches node2" lab_wait_for "answer via the IPv6 VIP" 5 answers_via_vip6 "$sid2"

echo "t_ipv6: $fails failure(s)"
[ "$fails" = 0 ]
