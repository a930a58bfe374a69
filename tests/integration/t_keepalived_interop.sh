#!/usr/bin/env bash
# dualmasterd and Debian's keepalived in one VRID, VRRPv2 (plain and PASS auth) and VRRPv3 over IPv4,
# and VRRPv3 over IPv6 (ff02::12, link-local sources, a link-local VIP first as RFC 9568 5.2.9 asks):
# the higher priority wins whichever starts first, each takes over when the other stops, and
# dualmasterd rejects none of keepalived's adverts (nor keepalived ours).
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd keepalived python3; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
[ -x ./dualmasterd ] && [ -x ./dualmasterctl ] || { echo "build first (make)"; exit 1; }
. tests/lab/lab.sh

. tests/lab/lab_check.sh
finish() {
	if [ $fails -ne 0 ]; then
		lab_dump_logs 40
		for f in "$LAB_DIR"/ka-*.log; do [ -e "$f" ] && { echo "==== $f"; tail -n 40 "$f"; }; done
	fi
	lab_down
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

# ---- helpers -------------------------------------------------------------------------------------

ctl_quiet() { ctl "$@" >/dev/null 2>&1; }
dm_up() { lab_wait_for "dualmasterd on $1 to answer" 10 ctl_quiet "$1" status; }
# FAM 4: the scene's VIP; FAM 6: an IPv6 instance whose adverts carry the link-local VIP and a global one.
FAM=4
VIP6_LL=fe80::51 VIP6=2001:db8::50
vip_addr() { if [ $FAM = 6 ]; then echo $VIP6; else echo "$LAB_VIP"; fi; }
holder_is() { [ "$(lab_vip_holder "$(vip_addr)")" = "$1" ]; }
# The address NODE sends adverts from.
src_of() {
	if [ $FAM = 6 ]; then
		ip -n "$(lab_ns "$1")" -6 -o addr show dev "$(lab_if "$1")" scope link | awk '{print $4}' |
			cut -d/ -f1 | grep -vx "$VIP6_LL" | head -1
	else
		lab_ip "$1"
	fi
}
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }'; }

# Rounds run one after the other on one scene; each writes its own files.
ROUND=0
KA_LOG=

# ka_start VERSION ADVERT_S PRIORITY AUTH: keepalived in node2's namespace, in node2's place (its
# mysqld keeps running: dualmasterd on node1 probes it as its peer). AUTH: "" or a PASS password.
ka_start() {
	local conf=$LAB_DIR/ka-$ROUND.conf auth=""
	[ -n "$4" ] && auth="authentication {
    auth_type PASS
    auth_pass $4
  }"
	KA_LOG=$LAB_DIR/ka-$ROUND.log
	# state BACKUP without nopreempt: keepalived preempts a lower priority, as RFC routers do.
	cat >"$conf" <<-EOF
	global_defs {
	  router_id dmlab_ka
	  vrrp_version $1
	}
	vrrp_instance VI_DM {
	  state BACKUP
	  interface $(lab_if node2)
	  virtual_router_id 51
	  priority $3
	  advert_int $2
	  $auth
	  virtual_ipaddress {
	    $(if [ $FAM = 6 ]; then printf '%s\n    %s' "$VIP6_LL/64" "$VIP6/64"; else echo "$LAB_VIP/24"; fi)
	  }
	}
	EOF
	ip netns exec "$(lab_ns node2)" keepalived -t -f "$conf" >"$conf.check" 2>&1 ||
		{ cat "$conf.check"; bad "keepalived -t rejects $conf"; return 1; }
	lab_spawn keepalived "$KA_LOG" "$(lab_ns node2)" keepalived -P -n -l -G -D -f "$conf" \
		-p "$LAB_DIR/ka.pid" -r "$LAB_DIR/ka-vrrp.pid"
}
ka_stop() { lab_stop keepalived TERM; }
ka_said() { grep -q "$1" "$KA_LOG"; }

# dm_start VERSION ADVERT_MS PRIORITY AUTH: dualmasterd on node1, preempting like keepalived.
dm_start() {
	LAB_ADVERT_MS=$2
	LAB_DM_VRRP_EXTRA="version = $1
  preempt = true"
	[ $FAM = 6 ] && LAB_DM_VRRP_EXTRA+="
  vips = {\"$VIP6_LL/64\", \"$VIP6/64\"}"
	[ -n "$4" ] && LAB_DM_VRRP_EXTRA+="
  auth_pass = \"$4\""
	lab_write_dm_conf node1 "$3" || { bad "dualmasterd config"; return 1; }
	lab_start_dm node1 && dm_up node1
}
dm_stop() { lab_stop_dm node1 TERM; }

# counters_clean DESC: dualmasterd heard keepalived (adverts received) and rejected none of them.
counters_clean() {
	check_eq "$1: dualmasterd heard keepalived, rejected 0, address list mismatches 0" "yes 0 0" \
		"$(dm_get node1 '" ".join(["yes" if s["counters"]["adverts_received"] > 0 else "no",
			str(sum(s["counters"]["rejected"].values())), str(s["counters"]["addr_mismatch"])])')"
}
# keepalived's own complaints about what it received (checksum, version, interval, address list,
# authentication): none expected.
ka_clean() {
	if grep -Ei "invalid|mismatch|not present|wrong|unexpected|auth.*fail|bad " "$KA_LOG" >&2; then
		bad "$1: keepalived complained about our adverts (above)"
	else
		ok "$1: keepalived logged no complaint about our adverts"
	fi
}

# Bounds (ms). Skew_Time: v2 (256 - prio) / 256 s whatever the interval (RFC 3768 6.1); v3
# (256 - prio) * ADV / 256 (RFC 5798 6.1). Master_Down_Interval = 3 * ADV + Skew_Time. A
# dualmasterd takeover then runs fence, catch-up and read_only OFF (TAKEOVER_MS); MARGIN_MS covers
# a loaded 2-core machine and polling. Waiting for a start-up election also allows for dualmasterd's
# first probe round and health rise (STARTUP_MS).
TAKEOVER_MS=2000
MARGIN_MS=3000
STARTUP_MS=3000
# skew_ms VERSION ADVERT_MS PRIORITY
skew_ms() {
	if [ "$1" = 2 ]; then echo $(((256 - $3) * 1000 / 256)); else echo $(((256 - $3) * $2 / 256)); fi
}
down_ms() { echo $((3 * $2 + $(skew_ms "$@"))); }
wait_s() { echo $((($1 + 999) / 1000)); }

# round VERSION ADVERT_MS DM_PRIO KA_PRIO AUTH
round() {
	local v=$1 adv=$2 dmp=$3 kap=$4 auth=$5 adv_s t0 ms bound
	ROUND=$((ROUND + 1))
	adv_s=$(awk -v a="$adv" 'BEGIN { print a / 1000 }')
	local fam=""
	[ $FAM = 6 ] && fam=" IPv6"
	local tag="v$v$fam ${adv}ms${auth:+ PASS} dm $dmp / ka $kap"
	echo "---- round $ROUND: $tag"
	# The lower priority starts first and becomes master alone; the higher one then preempts it.
	if [ "$dmp" -gt "$kap" ]; then
		ka_start "$v" "$adv_s" "$kap" "$auth" || return 1
		check "$tag: keepalived alone takes the VIP" \
			lab_wait_for "VIP on node2" "$(wait_s $(($(down_ms "$v" "$adv" "$kap") + MARGIN_MS)))" holder_is node2
		dm_start "$v" "$adv" "$dmp" "$auth" || return 1
		check "$tag: dualmasterd (higher) preempts keepalived" lab_wait_for "dualmasterd MASTER" \
			"$(wait_s $((STARTUP_MS + $(down_ms "$v" "$adv" "$dmp") + TAKEOVER_MS + MARGIN_MS)))" \
			dm_state_is node1 MASTER
		check "$tag: VIP on node1 only (keepalived released it)" lab_wait_for "VIP on node1" 5 holder_is node1
		check "$tag: keepalived yielded to dualmasterd's higher priority" lab_wait_for "keepalived BACKUP" 5 \
			ka_said "advert from $(src_of node1) with higher priority $dmp, ours $kap"
		counters_clean "$tag"
		# dualmasterd stops: its priority-0 advert lets keepalived take over after Skew_Time.
		t0=$EPOCHREALTIME
		lab_signal dm-node1 TERM
		bound=$(($(skew_ms "$v" "$adv" "$kap") + MARGIN_MS))
		if lab_wait_for "VIP on node2 only" "$(wait_s $((bound + 5000)))" holder_is node2; then
			ms=$(ms_since "$t0")
			echo "measured: $tag: dualmasterd SIGTERM -> keepalived holds the VIP in $ms ms" \
				"(Skew_Time($kap) = $(skew_ms "$v" "$adv" "$kap") ms)"
			check_le "$tag: keepalived takes over within Skew_Time + margin" "$ms" "$bound"
		else
			bad "$tag: keepalived did not take the VIP after dualmasterd stopped"
		fi
		check "$tag: dualmasterd exits" lab_wait_for "dm-node1 exit" 15 lab_pid_gone "$(lab_pid dm-node1)"
		dm_stop
		check_eq "$tag: stopped node1's server read-only" 1 "$(lab_sql node1 'SELECT @@read_only')"
		ka_clean "$tag"
		ka_stop
	else
		dm_start "$v" "$adv" "$dmp" "$auth" || return 1
		check "$tag: dualmasterd alone becomes MASTER" lab_wait_for "dualmasterd MASTER" \
			"$(wait_s $((STARTUP_MS + $(down_ms "$v" "$adv" "$dmp") + TAKEOVER_MS + MARGIN_MS)))" \
			dm_state_is node1 MASTER
		check "$tag: dualmasterd holds the VIP" lab_wait_for "VIP on node1" 5 holder_is node1
		ka_start "$v" "$adv_s" "$kap" "$auth" || return 1
		check "$tag: keepalived (higher) preempts dualmasterd" lab_wait_for "VIP on node2 only" \
			"$(wait_s $(($(down_ms "$v" "$adv" "$kap") + MARGIN_MS)))" holder_is node2
		check "$tag: dualmasterd BACKUP" lab_wait_for "dualmasterd BACKUP" 5 dm_state_is node1 BACKUP
		check "$tag: keepalived decoded our adverts (discarded as lower priority)" \
			ka_said "received lower priority ($dmp) advert from $(src_of node1)"
		check_eq "$tag: node1's server read-only again" 1 "$(lab_sql node1 'SELECT @@read_only')"
		check "$tag: dualmasterd follows keepalived as master" \
			[ "$(dm_get node1 's["vrrp"]["master"]')" = "$(src_of node2)" ]
		# keepalived stops: its priority-0 advert lets dualmasterd take over after Skew_Time; with
		# fence_peer it fences node2's server first (keepalived never made it writable).
		t0=$EPOCHREALTIME
		ka_stop &
		bound=$(($(skew_ms "$v" "$adv" "$dmp") + TAKEOVER_MS + MARGIN_MS))
		if lab_wait_for "VIP on node1 only" "$(wait_s $((bound + 5000)))" holder_is node1; then
			ms=$(ms_since "$t0")
			echo "measured: $tag: keepalived stop -> dualmasterd holds the VIP in $ms ms" \
				"(Skew_Time($dmp) = $(skew_ms "$v" "$adv" "$dmp") ms)"
			check_le "$tag: dualmasterd takes over within Skew_Time + takeover + margin" "$ms" "$bound"
		else
			bad "$tag: dualmasterd did not take the VIP after keepalived stopped"
		fi
		wait
		check "$tag: keepalived sent priority 0 on stop" ka_said "sent 0 priority"
		check "$tag: dualmasterd counted keepalived's priority-0 advert" \
			[ "$(dm_get node1 's["counters"]["prio0_received"]')" -gt 0 ]
		check_eq "$tag: node1 writable as master" 0 "$(lab_sql node1 'SELECT @@read_only')"
		check_eq "$tag: node2's server fenced" 1 "$(lab_sql node2 'SELECT @@read_only')"
		counters_clean "$tag"
		ka_clean "$tag"
		dm_stop
	fi
	check "$tag: nothing left running" eval '! lab_running keepalived && ! lab_running dm-node1'
	check "$tag: no VIP left" holder_is none
	check "$tag: replication fine" lab_wait_repl 15
}

LAB_SEMISYNC=1 lab_up || { bad "lab_up"; exit 1; }
# dualmasterd compares priorities only: the hold-down would not change who wins here.
round 2 1000 150 100 ""
round 2 1000 100 150 secret
round 3 100 150 100 ""
round 3 100 100 150 ""

# IPv6: a scene of its own (the IPv4 rounds run without IPv6 on the link).
lab_down
FAM=6
LAB_IPV6=1 LAB_SEMISYNC=1 lab_up || { bad "lab_up with IPv6"; exit 1; }
round 3 100 150 100 ""
round 3 100 100 150 ""

[ $fails -eq 0 ] && echo "keepalived interop: all cases pass"
exit $((fails > 0))
