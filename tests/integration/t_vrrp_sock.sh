#!/usr/bin/env bash
# vrrp_sock between two namespaces: multicast and unicast adverts, TTL/self/peer filtering, and
# packet-level interop with keepalived (v3 checksums, v2 PASS auth) in both directions.
set -u
cd "$(dirname "$0")/../.." || exit 1

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" = 0 ] || skip "needs root for namespaces and raw sockets"
command -v ip >/dev/null || skip "no iproute2"

NA=dm$$va; NB=dm$$vb           # namespaces; their veth ends are ${NA}0 and ${NB}0
IFA=${NA}0; IFB=${NB}0
A1=192.0.2.11; A2=192.0.2.13   # namespace A: primary and a second (non-peer) address
B1=192.0.2.12; B2=192.0.2.14   # namespace B
VIP=192.0.2.50
T=$(mktemp -d /tmp/t_vrrp_sock.XXXXXX)
BGPIDS=()

# Waits up to $2 tenths of a second for pid $1 to exit, then kills it hard.
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

cleanup() {
	local p f
	for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
	for f in "$T"/*.pid; do
		[ -s "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	for p in "${BGPIDS[@]}"; do wait_gone "$p" 30; done
	ip netns del "$NA" 2>/dev/null
	ip netns del "$NB" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

make -s >/dev/null || fail "make"
objs=()
for f in src/*.c; do
	b=$(basename "$f" .c)
	case $b in main | dualmasterctl) ;; *) objs+=("build/obj/$b.o") ;; esac
done
PROBE=$T/vrrp_sock_probe
# shellcheck disable=SC2046
cc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Isrc -o "$PROBE" tests/tools/vrrp_sock_probe.c \
	"${objs[@]}" $(pkg-config --libs libmariadb libconfuse libnl-3.0 libnl-route-3.0 libsystemd) \
	-lpthread ||
	fail "building the probe"

{ ip netns add "$NA" && ip netns add "$NB"; } || fail "netns"
ip link add "$IFA" netns "$NA" type veth peer name "$IFB" netns "$NB" || fail "veth"
ip -n "$NA" addr add $A1/24 dev "$IFA"
ip -n "$NA" addr add $A2/24 dev "$IFA"
ip -n "$NB" addr add $B1/24 dev "$IFB"
ip -n "$NB" addr add $B2/24 dev "$IFB"
for ns in "$NA" "$NB"; do
	ip -n "$ns" link set lo up
done
{ ip -n "$NA" link set "$IFA" up && ip -n "$NB" link set "$IFB" up; } || fail "link up"
# IPv4 needs no DAD: the link is usable once both veth ends report carrier.
for ((i = 0; i < 50; i++)); do
	ip -n "$NA" link show "$IFA" | grep -q 'LOWER_UP' &&
		ip -n "$NB" link show "$IFB" | grep -q 'LOWER_UP' && break
	sleep 0.1
done

ina() { ip netns exec "$NA" "$@"; }
inb() { ip netns exec "$NB" "$@"; }

# start_recv NAME NS ARGS...: a background receiver writing $T/NAME.out; returns once it is ready.
start_recv() {
	local name=$1 ns=$2 i
	shift 2
	ip netns exec "$ns" "$PROBE" recv "$@" >"$T/$name.out" 2>"$T/$name.err" &
	BGPIDS+=($!)
	eval "PID_$name=$!"
	for ((i = 0; i < 50; i++)); do
		grep -q '^ready' "$T/$name.out" && return 0
		sleep 0.1
	done
	cat "$T/$name.err"
	fail "receiver $name not ready"
}

# finish NAME: waits for the receiver (it stops by itself: condition met or its timeout).
finish() {
	local pid
	eval "pid=\$PID_$1"
	wait_gone "$pid" 200
	echo "--- $1:"
	grep -v '^ready' "$T/$1.out"
	grep -q '^sent=' "$T/$1.out" || { cat "$T/$1.err"; fail "receiver $1 printed no counters"; }
}

val() { grep '^sent=' "$T/$1.out" | tail -n1 | grep -o "\b$2=[0-9]*" | cut -d= -f2; }
expect_eq() {
	local v
	v=$(val "$1" "$2")
	[ "$v" = "$3" ] || fail "$1: $2=$v, expected $3"
}
expect_ge() {
	local v
	v=$(val "$1" "$2")
	if [ -z "$v" ] || [ "$v" -lt "$3" ]; then fail "$1: $2=$v, expected >= $3"; fi
}
no_rejects_but() {
	local r
	for r in short ip-header protocol ttl version type vrid length checksum auth interval; do
		case " $* " in *" $r "*) continue ;; esac
		expect_eq "$1" "rej_$r" 0
	done
}
has_adv() { grep -qF -- "$2" "$T/$1.out" || fail "$1: no advert line containing '$2'"; }

COMMON=(ver=3 vrid=51 int_ms=1000 "vip=$VIP")

echo "== multicast v3: fields, priority 0, RFC 9568 checksum, address list, TTL, VRID, version, self, source"
start_recv mc "$NB" if="$IFB" src=$B1 accept=$A1 "${COMMON[@]}" timeout_ms=8000 \
	until=received:4,prio0_received:1,addr_mismatch:1,rej_ttl:1,rej_vrid:1,rej_version:1,ignored_self:1,ignored_not_peer:1
ina "$PROBE" send if="$IFA" src=$A1 "${COMMON[@]}" prio=100 count=2 >/dev/null || fail "send"
ina "$PROBE" send if="$IFA" src=$A1 "${COMMON[@]}" prio=0 >/dev/null || fail "send prio 0"
ina "$PROBE" send if="$IFA" src=$A1 "${COMMON[@]}" prio=90 as_v2=1 >/dev/null || fail "send RFC 9568 form"
ina "$PROBE" send if="$IFA" src=$A1 ver=3 vrid=51 int_ms=1000 vip=192.0.2.51 prio=80 >/dev/null ||
	fail "send other VIP"
ina "$PROBE" raw if="$IFA" src=$A1 "${COMMON[@]}" ttl=1 >/dev/null || fail "raw TTL 1"
ina "$PROBE" send if="$IFA" src=$A1 ver=3 vrid=52 int_ms=1000 vip=$VIP >/dev/null || fail "send vrid 52"
ina "$PROBE" send if="$IFA" src=$A1 ver=2 vrid=51 int_ms=1000 vip=$VIP >/dev/null || fail "send v2"
# An advert from a source that is not the peer is dropped, whatever it says.
ina "$PROBE" send if="$IFA" src=$A2 "${COMMON[@]}" prio=255 >/dev/null || fail "send from A2"
# Our own sends from B must not come back (IP_MULTICAST_LOOP 0) ...
inb "$PROBE" send if="$IFB" src=$B1 "${COMMON[@]}" count=2 >/dev/null || fail "send from B"
# ... while a looped-back copy with our source is dropped as ours.
inb "$PROBE" raw if="$IFB" src=$B1 "${COMMON[@]}" loop=1 >/dev/null || fail "raw loop from B"
finish mc
MC_ADV="adv ver=3 vrid=51 prio=100 naddr=1 int_cs=100 auth_type=0 src=$A1 dst=224.0.0.18 ttl=255 addrs=$VIP"
has_adv mc "$MC_ADV"
has_adv mc "prio=0 "
has_adv mc "prio=90 "
# Another address list is another router's advert (keepalived drops it too): not seen.
grep -qF "addrs=192.0.2.51" "$T/mc.out" && fail "mc: an advert for other addresses was accepted"
expect_eq mc received 4
expect_eq mc prio0_received 1
expect_eq mc addr_mismatch 1
expect_eq mc rej_ttl 1
expect_eq mc rej_vrid 1
expect_eq mc rej_version 1
expect_eq mc ignored_self 1
expect_eq mc ignored_not_peer 1
no_rejects_but mc ttl vrid version

echo "== unicast v3: per-peer checksums, TTL 255, non-peer source ignored, multicast not seen"
start_recv uc1 "$NB" if="$IFB" src=$B1 peer=$A1 "${COMMON[@]}" timeout_ms=5000 \
	until=received:2,ignored_not_peer:2
start_recv uc2 "$NB" if="$IFB" src=$B2 peer=$A1 "${COMMON[@]}" timeout_ms=5000 until=received:2
ina "$PROBE" send if="$IFA" src=$A1 peer=$B1 peer=$B2 "${COMMON[@]}" count=2 >"$T/ucsend.out" ||
	fail "unicast send"
grep -q '^sent=4 send_errors=0' "$T/ucsend.out" || fail "unicast sender: $(cat "$T/ucsend.out")"
ina "$PROBE" send if="$IFA" src=$A1 "${COMMON[@]}" >/dev/null || fail "multicast send"
ina "$PROBE" send if="$IFA" src=$A2 peer=$B1 "${COMMON[@]}" count=2 >/dev/null || fail "send from non-peer"
finish uc1
finish uc2
for r in uc1 uc2; do
	expect_eq $r received 2
	no_rejects_but $r
done
has_adv uc1 "adv ver=3 vrid=51 prio=100 naddr=1 int_cs=100 auth_type=0 src=$A1 dst=$B1 ttl=255 addrs=$VIP"
has_adv uc2 "src=$A1 dst=$B2 ttl=255"
expect_eq uc1 ignored_not_peer 2
expect_eq uc2 ignored_not_peer 0

command -v keepalived >/dev/null || skip "keepalived not installed (the rest passed)"

# ka_start VERSION AUTHBLOCK: keepalived in namespace A, vrid 51, priority 100, 1 s, VIP .50/24.
ka_start() {
	cat >"$T/ka.conf" <<-EOF
		global_defs {
			vrrp_version $1
		}
		vrrp_instance VI_dm {
			state BACKUP
			interface $IFA
			virtual_router_id 51
			priority 100
			advert_int 1
			$2
			virtual_ipaddress {
				$VIP/24
			}
		}
	EOF
	: >"$T/ka.log"
	# ip netns exec execs keepalived, so $! is keepalived's own pid (not a subshell's).
	ip netns exec "$NA" keepalived -P -n -l -f "$T/ka.conf" -p "$T/ka.pid" -r "$T/ka_vrrp.pid" \
		>"$T/ka.log" 2>&1 &
	KA_PID=$!
	BGPIDS+=("$KA_PID")
}

ka_stop() {
	local child=""
	[ -s "$T/ka_vrrp.pid" ] && child=$(cat "$T/ka_vrrp.pid")
	kill "$KA_PID" 2>/dev/null
	wait_gone "$KA_PID" 50
	[ -n "$child" ] && kill -0 "$child" 2>/dev/null && kill "$child"
	echo "--- keepalived log:"
	cat "$T/ka.log"
	grep -q 'Stopped Keepalived' "$T/ka.log" || fail "keepalived did not stop"
	rm -f "$T/ka.pid" "$T/ka_vrrp.pid"
}

# ka_goes_backup: our priority-200 adverts must be accepted by keepalived (it yields MASTER).
ka_goes_backup() {
	local i
	for ((i = 0; i < 60; i++)); do
		grep -q 'Entering MASTER STATE' "$T/ka.log" && break
		sleep 0.1
	done
	grep -q 'Entering MASTER STATE' "$T/ka.log" || fail "keepalived never became master"
	inb "$PROBE" send if="$IFB" src=$B1 "$@" prio=200 count=4 gap_ms=500 >/dev/null ||
		fail "send to keepalived"
	for ((i = 0; i < 30; i++)); do
		grep -q 'Entering BACKUP STATE$' "$T/ka.log" && break
		sleep 0.1
	done
	grep -q 'Entering BACKUP STATE$' "$T/ka.log" || fail "keepalived ignored our adverts:
$(cat "$T/ka.log")"
	if grep -iE 'invalid|checksum|mismatch|auth' "$T/ka.log"; then fail "keepalived complained"; fi
}

echo "== keepalived v3 -> us, then us -> keepalived"
ka_start 3 ""
start_recv ka3 "$NB" if="$IFB" src=$B1 "${COMMON[@]}" timeout_ms=12000 until=received:2
finish ka3
expect_ge ka3 received 2
expect_eq ka3 rej_checksum 0
no_rejects_but ka3
has_adv ka3 "$MC_ADV"
ka_goes_backup "${COMMON[@]}"
ka_stop

echo "== keepalived v2 PASS: matching password accepted, a different one rejected as auth"
ka_start 2 "authentication {
				auth_type PASS
				auth_pass secret
			}"
V2=(ver=2 vrid=51 int_ms=1000 "vip=$VIP")
start_recv ka2ok "$NB" if="$IFB" src=$B1 "${V2[@]}" pass=secret timeout_ms=12000 until=received:2
start_recv ka2bad "$NB" if="$IFB" src=$B1 "${V2[@]}" pass=other timeout_ms=12000 until=rej_auth:2
finish ka2ok
finish ka2bad
expect_ge ka2ok received 2
no_rejects_but ka2ok
V2_ADV=${MC_ADV/ver=3/ver=2}
has_adv ka2ok "${V2_ADV/auth_type=0/auth_type=1}"
expect_eq ka2bad received 0
expect_ge ka2bad rej_auth 2
no_rejects_but ka2bad auth
ka_goes_backup "${V2[@]}" pass=secret
ka_stop

echo "PASS"
