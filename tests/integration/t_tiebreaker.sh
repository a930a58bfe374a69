#!/usr/bin/env bash
# Tiebreaker against the real kernel: ICMP echo and TCP connect probes across a veth pair between two
# namespaces; link down, dropped SYNs and dropped echoes must make the node isolated, RSTs must not.
set -u
cd "$(dirname "$0")/../.."

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	[ -n "${CUR:-}" ] && { echo "--- $CUR"; cat "$CUR" "${CUR%.out}.err"; }
	exit 1
}
[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
for c in ip nft timeout; do command -v "$c" >/dev/null || skip "$c not installed"; done

make -s build/tools/tiebreaker_tool >/dev/null || fail "cannot build build/tools/tiebreaker_tool"
TOOL=$PWD/build/tools/tiebreaker_tool

# Probe timing; every bound below is derived from these two.
IV=400   # interval_ms
TO=200   # timeout_ms
SLACK=500 # scheduling on a busy 2-core machine
# Link lost at t: a round whose echo left before t - rtt was answered, so the first failed round starts
# after t - rtt and ends TO later; the second ends IV after that. Isolation therefore never comes
# before t + IV + TO - rtt (one failed round would flip it as early as t + TO - rtt) ...
MIN_ISOLATE=$((IV + TO - 50))
# ... and no later than: next round start (<= t + IV), its deadline (+TO), one more round (+IV).
MAX_ISOLATE=$((2 * IV + TO + SLACK))
MAX_RECOVER=$((2 * IV + TO + SLACK))

ID=dm$$
NS_T=${ID}tbt NS_N=${ID}tbn V_T=${ID}t V_N=${ID}n
TMP=$(mktemp -d /tmp/t_tiebreaker.XXXXXX)
PIDS=""

cleanup() {
	for p in $PIDS; do kill -TERM "$p" 2>/dev/null; done
	for p in $PIDS; do
		for _ in $(seq 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill -KILL "$p" 2>/dev/null
	done
	ip netns del "$NS_T" 2>/dev/null
	ip netns del "$NS_N" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS_T" || fail "netns add"
ip netns add "$NS_N" || fail "netns add"
ip -n "$NS_T" link add "$V_T" type veth peer name "$V_N" netns "$NS_N" || fail "veth"
ip -n "$NS_T" addr add 192.0.2.1/24 dev "$V_T"
ip -n "$NS_N" addr add 192.0.2.11/24 dev "$V_N"
for ns in "$NS_T" "$NS_N"; do ip -n "$ns" link set lo up; done
ip -n "$NS_T" link set "$V_T" up
ip -n "$NS_N" link set "$V_N" up
# Readiness: the node side sees the carrier of its peer.
for _ in $(seq 100); do
	ip -n "$NS_N" link show "$V_N" | grep -q LOWER_UP && break
	sleep 0.05
done
ip -n "$NS_N" link show "$V_N" | grep -q LOWER_UP || fail "veth has no carrier"

nft_t() { ip netns exec "$NS_T" nft "$@"; }
nft_t add table inet dmtb || skip "nft does not work in a namespace"
nft_t add chain inet dmtb in '{ type filter hook input priority 0; policy accept; }' || fail "nft chain"

# start NAME [wrapper...] -- TOOL-ARGS: runs the tool in the node namespace, sets PID and CUR (its output).
start() {
	local name=$1; shift
	local wrap=()
	while [ "$1" != "--" ]; do wrap+=("$1"); shift; done
	shift
	CUR=$TMP/$name.out
	ip netns exec "$NS_N" "${wrap[@]}" "$TOOL" -i $IV -t $TO -d 60000 "$@" >"$CUR" 2>"${CUR%.out}.err" &
	PID=$!
	PIDS="$PIDS $PID"
}

# wait_line FROM REGEX LIMIT_MS: prints the first line of $CUR after line FROM matching REGEX.
wait_line() {
	local from=$1 re=$2 lim=$3 i line
	for ((i = 0; i < lim / 50; i++)); do
		line=$(tail -n "+$((from + 1))" "$CUR" | grep -m1 -E "$re") && { echo "$line"; return 0; }
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.05
	done
	return 1
}

lines() { wc -l <"$CUR"; }

# stop: SIGTERM, bounded wait, then the exit status must be 0 and no fd may stay open.
stop() {
	local i rc
	kill -TERM "$PID"
	for ((i = 0; i < 100; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$PID" 2>/dev/null && fail "tool did not exit on SIGTERM"
	wait "$PID"; rc=$?
	unpid "$PID"
	[ $rc -eq 0 ] || fail "tool exit status $rc"
	grep -q ' exit .* fd_delta=0$' "$CUR" || fail "file descriptors left open"
	# Sockets of finished probes are closed: the fd count stays flat over the rounds (the tool may look
	# late, once the next round's TCP probe is already connecting: hence 1 of tolerance).
	local fds
	fds=$(sed -n 's/.* round=.* fds=\([0-9]*\)$/\1/p' "$CUR" | sort -n)
	[ $(($(tail -n1 <<<"$fds") - $(head -n1 <<<"$fds"))) -le 1 ] || fail "fd count grows over the rounds"
}

# expect_change FROM ISOLATED T0 MIN MAX: the verdict flips to ISOLATED between T0+MIN and T0+MAX ms.
expect_change() {
	local from=$1 want=$2 t0=$3 min=$4 max=$5 line d
	line=$(wait_line "$from" "verdict isolated=" $((max + 2000))) || fail "no verdict change"
	[ "${line##*=}" = "$want" ] || fail "verdict isolated=${line##*=}, expected $want"
	d=$((${line%% *} - t0))
	echo "  isolated=$want after ${d} ms (allowed $min..$max)"
	[ $d -ge "$min" ] && [ $d -le "$max" ] || fail "isolated=$want after $d ms, allowed $min..$max"
	count_rounds "$from" "$want"
}

# rfield R NAME: a field of the line of round R.
rfield() { grep -m1 " round=$1 " "$CUR" | grep -oE " $2=[0-9]+" | cut -d= -f2; }

# count_rounds FROM ISOLATED: the round lines (one per round: rounds end >= IV - TO apart, the tool
# looks every 20 ms) show the flip came after exactly 2 failed rounds, or after 1 answered round.
count_rounds() {
	local line r
	line=$(wait_line "$1" " isolated=$2 fds=" $((IV + TO + SLACK))) || fail "no round line after the flip"
	r=$(grep -oE 'round=[0-9]+' <<<"$line"); r=${r#round=}
	[ "$r" -ge 3 ] || fail "flip in round $r"
	if [ "$2" = 1 ]; then
		[ "$(rfield $((r - 1)) isolated)" = 0 ] || fail "isolated before round $((r - 1)) had failed"
		[ "$(rfield $((r - 2)) ok)" = "$(rfield "$r" ok)" ] || fail "isolated while round $r or $((r - 1)) answered"
	else
		[ "$(rfield $((r - 1)) isolated)" = 1 ] || fail "no isolated round before round $r"
		[ $(($(rfield "$r" ok) - $(rfield $((r - 1)) ok))) -eq 1 ] || fail "not isolated without an answer"
	fi
	echo "  isolated=$2 at the end of round $r"
}

# first_rounds N: the first N rounds all answered.
first_rounds() {
	local line
	line=$(wait_line 0 " round=$1 " "$2") || fail "no round $1"
	grep -q " ok=$1 " <<<"$line" || fail "a first round failed: $line"
}

# healthy FROM N: the next N rounds all answer and the verdict does not change after line FROM.
healthy() {
	local from=$1 n=$2 last r ok line
	last=$(grep -oE 'round=[0-9]+ ok=[0-9]+' "$CUR" | tail -n1)
	[ -n "$last" ] || fail "healthy before the first round"
	r=${last#round=}; r=${r%% *}; ok=${last##*=}
	line=$(wait_line 0 " round=$((r + n)) " $(((n + 1) * IV + TO + SLACK))) || fail "rounds stopped"
	grep -q " ok=$((ok + n)) " <<<"$line" || fail "a round failed: $last -> $line"
	tail -n "+$((from + 1))" "$CUR" | grep -q verdict && fail "verdict changed while a target answered"
	return 0
}

unpid() { local p out=""; for p in $PIDS; do [ "$p" = "$1" ] || out="$out $p"; done; PIDS=$out; }

echo "ICMP echo: 192.0.2.1"
start icmp -- 192.0.2.1
first_rounds 3 3000
n=$(lines); t0=$(date +%s%3N)
ip -n "$NS_T" link set "$V_T" down
expect_change "$n" 1 "$t0" $MIN_ISOLATE $MAX_ISOLATE
n=$(lines); t0=$(date +%s%3N)
ip -n "$NS_T" link set "$V_T" up
expect_change "$n" 0 "$t0" 0 $MAX_RECOVER
healthy "$(lines)" 2
stop

echo "TCP to a closed port (RST answers): 192.0.2.1:9"
start tcp -- 192.0.2.1:9
first_rounds 3 3000
n=$(lines); t0=$(date +%s%3N)
nft_t add rule inet dmtb in tcp dport 9 drop || fail "nft rule"
expect_change "$n" 1 "$t0" $MIN_ISOLATE $MAX_ISOLATE
n=$(lines); t0=$(date +%s%3N)
nft_t flush chain inet dmtb in
expect_change "$n" 0 "$t0" 0 $MAX_RECOVER
stop

# Any one target suffices; under valgrind (when installed) to catch leaks of probe sockets and sources.
echo "ICMP + TCP to a listener, any one answering suffices"
LISTEN_PID=""
if command -v python3 >/dev/null; then
	# Prints one line per accepted connection: proof that probes connected instead of meeting a RST.
	ip netns exec "$NS_T" timeout 120 python3 -u -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("192.0.2.1", 7))
s.listen(16)
while True:
	c, a = s.accept()
	print("accepted", a[0])
	c.close()
' >"$TMP/listener.out" 2>&1 &
	LISTEN_PID=$!
	PIDS="$PIDS $LISTEN_PID"
	for _ in $(seq 100); do
		ip netns exec "$NS_T" ss -Hltn 'sport = :7' | grep -q . && break
		sleep 0.05
	done
fi
VG=()
if command -v valgrind >/dev/null; then
	echo "  (under valgrind)"
	VG=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no)
fi
start mixed "${VG[@]}" -- 192.0.2.1 192.0.2.1:7
first_rounds 2 15000
n=$(lines)
nft_t add rule inet dmtb in icmp type echo-request drop
healthy "$n" 3   # TCP still answers: never isolated
n=$(lines); t0=$(date +%s%3N)
nft_t add rule inet dmtb in tcp dport 7 drop
expect_change "$n" 1 "$t0" $MIN_ISOLATE $((MAX_ISOLATE + 1000))  # valgrind is slower
nft_t flush chain inet dmtb in
n=$(lines); t0=$(date +%s%3N)
expect_change "$n" 0 "$t0" 0 $((MAX_RECOVER + 1000))
stop
if [ -n "$LISTEN_PID" ]; then
	grep -q "accepted 192.0.2.11" "$TMP/listener.out" || fail "no TCP probe connected"
	kill -TERM "$LISTEN_PID"; unpid "$LISTEN_PID"
fi

# Without CAP_NET_RAW the kernel's ping socket is the fallback, if ping_group_range allows it.
if command -v setpriv >/dev/null; then
	echo "ICMP through the ping socket (no CAP_NET_RAW)"
	NORAW=(setpriv --bounding-set=-net_raw --)
	ip netns exec "$NS_N" sysctl -qw net.ipv4.ping_group_range="1 0"
	start noperm "${NORAW[@]}" -- 192.0.2.1
	for ((i = 0; i < 50; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$PID" 2>/dev/null && fail "opened ICMP without CAP_NET_RAW and without ping_group_range"
	wait "$PID" && fail "tool succeeded without any ICMP permission"
	unpid "$PID"
	grep -q ping_group_range "${CUR%.out}.err" || fail "no hint at ping_group_range"

	ip netns exec "$NS_N" sysctl -qw net.ipv4.ping_group_range="0 0"
	start ping "${NORAW[@]}" -- 192.0.2.1
	first_rounds 2 3000
	grep -q "ping socket" "${CUR%.out}.err" || fail "raw socket opened without CAP_NET_RAW?"
	n=$(lines); t0=$(date +%s%3N)
	nft_t add rule inet dmtb in icmp type echo-request drop
	expect_change "$n" 1 "$t0" $MIN_ISOLATE $MAX_ISOLATE
	n=$(lines); t0=$(date +%s%3N)
	nft_t flush chain inet dmtb in
	expect_change "$n" 0 "$t0" 0 $MAX_RECOVER
	stop
fi
CUR=
echo "PASS"
