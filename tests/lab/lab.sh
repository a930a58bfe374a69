# shellcheck shell=bash
# Two-node test scene for dualmaster: namespaces, a bridge, two real mariadbd in two-way GTID
# replication, and helpers for tests. Source it, then:  lab_up; trap lab_down EXIT
# The function list and every setting are in tests/lab/README.md.
#
# Layout (every name prefixed with $LAB_ID, every address in 192.0.2.0/24):
#   ns $LAB_ID-node1  $LAB_ID"n1" 192.0.2.11/24 --+
#   ns $LAB_ID-node2  $LAB_ID"n2" 192.0.2.12/24 --+-- ns $LAB_ID-sw: bridge $LAB_ID"br" 192.0.2.1/24
#   ns $LAB_ID-client $LAB_ID"c"  192.0.2.100/24 -+   (ports $LAB_ID"p1", "p2", "pc"; tiebreaker)
#   ns $LAB_ID-witness $LAB_ID"w" 192.0.2.13/24 --+   (LAB_WITNESS=1 only; port "pw")
# VIP 192.0.2.50 is left to dualmasterd. State lives in $LAB_DIR; lab_down removes all of it.

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_VIP=192.0.2.50
LAB_TIEBREAKER=192.0.2.1
LAB_NODES=(node1 node2)
LAB_HOSTS=(node1 node2 client)
LAB_STOP_TIMEOUT_S=${LAB_STOP_TIMEOUT_S:-15}

# ---- small helpers ------------------------------------------------------------------------

lab_log() { [ "${LAB_QUIET:-0}" = 1 ] || echo "lab: $*" >&2; }
lab_die() { echo "lab: ERROR: $*" >&2; return 1; }
lab_elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
# lab_older START SECONDS: true once SECONDS have passed since START (an $EPOCHREALTIME value).
lab_older() { awk -v a="$1" -v b="$EPOCHREALTIME" -v t="$2" 'BEGIN { exit !(b - a >= t) }'; }

lab_ns() {
	case $1 in
	node1|node2|client|witness) echo "$LAB_ID-$1" ;;
	sw|switch) echo "$LAB_ID-sw" ;;
	*) lab_die "unknown host '$1'" ;;
	esac
}
# The host's interface (inside its namespace) and its bridge port (inside the switch namespace).
lab_if() {
	case $1 in
	node1) echo "${LAB_ID}n1" ;; node2) echo "${LAB_ID}n2" ;; client) echo "${LAB_ID}c" ;;
	witness) echo "${LAB_ID}w" ;;
	*) lab_die "unknown host '$1'" ;;
	esac
}
lab_port() {
	case $1 in
	node1) echo "${LAB_ID}p1" ;; node2) echo "${LAB_ID}p2" ;; client) echo "${LAB_ID}pc" ;;
	witness) echo "${LAB_ID}pw" ;;
	*) lab_die "unknown host '$1'" ;;
	esac
}
lab_ip() { case $1 in node1) echo 192.0.2.11 ;; node2) echo 192.0.2.12 ;; client) echo 192.0.2.100 ;;
	   witness) echo 192.0.2.13 ;; *) lab_die "unknown host '$1'" ;; esac; }
# LAB_IPV6=1 lab_up: the hosts have these too (from 2001:db8::/32), and link-local addresses.
lab_ip6() { case $1 in node1) echo 2001:db8::11 ;; node2) echo 2001:db8::12 ;; client) echo 2001:db8::100 ;;
	   witness) echo 2001:db8::13 ;; *) lab_die "unknown host '$1'" ;; esac; }
lab_peer() { case $1 in node1) echo node2 ;; node2) echo node1 ;; *) lab_die "not a node: '$1'" ;; esac; }
lab_nodenum() { case $1 in node1) echo 1 ;; node2) echo 2 ;; *) lab_die "not a node: '$1'" ;; esac; }
lab_bridge() { echo "${LAB_ID}br"; }
lab_sock() { echo "$LAB_DIR/$1/mysqld.sock"; }

# lab_wait_for DESC TIMEOUT_S CMD...: runs CMD every 50 ms until it succeeds; fails with DESC
# after TIMEOUT_S seconds (fractions allowed).
lab_wait_for() {
	local desc=$1 timeout=$2 start=$EPOCHREALTIME
	shift 2
	while :; do
		"$@" && return 0
		if lab_older "$start" "$timeout"; then
			echo "lab: timeout after ${timeout}s waiting for: $desc" >&2
			return 1
		fi
		sleep 0.05
	done
}

# ---- process records: $LAB_DIR/pids/NAME.pid --------------------------------------------

# True if PID runs and is one of ours (its command line names a path in $LAB_DIR: guards against
# pid reuse).
lab_pid_ours() {
	local pid=$1 state
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$state" != Z ] || return 1
	{ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$LAB_DIR/"
}

lab_pid() { cat "$LAB_DIR/pids/$1.pid" 2>/dev/null; }
lab_running() { lab_pid_ours "$(lab_pid "$1")"; }

# lab_spawn NAME LOG NS CMD...: starts CMD in namespace NS in the background and records its pid.
# `ip netns exec` execs CMD, so $! is CMD's own pid.
lab_spawn() {
	local name=$1 log=$2 ns=$3
	shift 3
	ip netns exec "$ns" "$@" </dev/null >>"$log" 2>&1 &
	echo $! >"$LAB_DIR/pids/$name.pid"
	disown $! 2>/dev/null || true
}

# lab_signal NAME SIG: sends SIG to the recorded process NAME if it is still ours.
lab_signal() {
	local pid
	pid=$(lab_pid "$1")
	lab_pid_ours "$pid" || return 1
	kill -s "$2" "$pid" 2>/dev/null
}

# lab_stop NAME [SIG]: SIG (default TERM; INT, QUIT or KILL also make sense), then waits up to
# LAB_STOP_TIMEOUT_S for the exit, then KILL. For STOP/CONT and the like use lab_signal.
lab_stop() {
	local name=$1 sig=${2:-TERM} pid
	pid=$(lab_pid "$name")
	if lab_pid_ours "$pid"; then
		kill -s "$sig" "$pid" 2>/dev/null
		kill -s CONT "$pid" 2>/dev/null # a frozen process acts on TERM only once continued
		[ "$sig" = KILL ] || [ "$sig" = 9 ] ||
			lab_wait_for "$name (pid $pid) to exit" "$LAB_STOP_TIMEOUT_S" lab_pid_gone "$pid" ||
			kill -s KILL "$pid" 2>/dev/null
		lab_wait_for "$name (pid $pid) to die" 5 lab_pid_gone "$pid" || return 1
	fi
	rm -f "$LAB_DIR/pids/$name.pid"
}
lab_pid_gone() { ! lab_pid_ours "$1"; }
# True once PID has exited (zombie included), whatever its command line.
lab_proc_gone() {
	[ ! -r "/proc/$1/stat" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# The scene's parts; each file only defines functions.
# shellcheck source=tests/lab/lab_net.sh
. "$LAB_ROOT/tests/lab/lab_net.sh"
# shellcheck source=tests/lab/lab_db.sh
. "$LAB_ROOT/tests/lab/lab_db.sh"
# shellcheck source=tests/lab/lab_client.sh
. "$LAB_ROOT/tests/lab/lab_client.sh"
# shellcheck source=tests/lab/lab_witness.sh
. "$LAB_ROOT/tests/lab/lab_witness.sh"

# ---- scene ------------------------------------------------------------------------------------

lab_pick_id() {
	local id=$1 i
	for i in "" a b c d e f g h; do
		ip netns list | grep -q "^$id$i-" || { echo "$id$i"; return 0; }
	done
	lab_die "no free LAB_ID near $id"
}

lab_up() {
	local t0=$EPOCHREALTIME n t_net t_install t_start
	local c
	for c in mariadbd mariadb-install-db mariadb nft bridge; do
		command -v "$c" >/dev/null || { lab_die "needs $c (make deps)"; return 1; }
	done
	[ "$(id -u)" = 0 ] || { lab_die "needs root (network namespaces)"; return 1; }
	if [ -z "${LAB_ID:-}" ]; then
		LAB_ID=$(lab_pick_id "dm$$") || return 1
		LAB_ID_AUTO=1
	fi
	if ! [[ $LAB_ID =~ ^[a-z][a-z0-9]{0,9}$ ]]; then
		lab_die "LAB_ID '$LAB_ID': [a-z][a-z0-9], <= 10 chars"
		return 1
	fi
	if ip netns list | grep -q "^$LAB_ID-"; then
		lab_die "namespaces $LAB_ID-* exist already"
		return 1
	fi
	if [ -z "${LAB_DIR:-}" ]; then
		LAB_DIR=$(mktemp -d "/tmp/dmlab-$LAB_ID.XXXXXX") || return 1
		LAB_DIR_AUTO=1
	else
		if ! mkdir -p "$LAB_DIR" || [ -n "$(ls -A "$LAB_DIR")" ]; then
			lab_die "LAB_DIR $LAB_DIR not empty"
			return 1
		fi
	fi
	LAB_DIR=$(cd "$LAB_DIR" && pwd)
	export LAB_ID LAB_DIR
	mkdir -p "$LAB_DIR/pids" && touch "$LAB_DIR/.dmlab" || return 1
	lab_log "LAB_ID=$LAB_ID LAB_DIR=$LAB_DIR semisync=${LAB_SEMISYNC:-0}"
	# Kept for servers restarted later by tests (lab_mysqld_start), after a prefix assignment is gone.
	declare -g LAB_UP_SEMISYNC=${LAB_SEMISYNC:-0} LAB_UP_SEMISYNC_TIMEOUT_MS=${LAB_SEMISYNC_TIMEOUT_MS:-10000}
	lab_passwords || return 1
	# LAB_WITNESS=1: a third host with its own mariadbd holding the lease (lab_witness.sh).
	LAB_HOSTS=(node1 node2 client)
	[ "${LAB_WITNESS:-0}" = 1 ] && LAB_HOSTS+=(witness)

	lab_install_db &
	LAB_INSTALL_PID=$!
	lab_net_up || { lab_die "network set-up failed"; return 1; }
	t_net=$(lab_elapsed "$t0")
	wait "$LAB_INSTALL_PID" || { LAB_INSTALL_PID=; lab_die "mariadb-install-db failed"; return 1; }
	LAB_INSTALL_PID=
	t_install=$(lab_elapsed "$t0")
	[ "${LAB_WITNESS:-0}" = 1 ] && { lab_witness_prepare || return 1; }

	for n in "${LAB_NODES[@]}"; do
		# shellcheck disable=SC2046
		lab_spawn "mysqld-$n" "$LAB_DIR/$n/stdout.log" "$(lab_ns "$n")" \
			mariadbd $(lab_mysqld_args "$n")
	done
	for n in "${LAB_NODES[@]}"; do
		lab_wait_mysqld "$n" || return 1
	done
	[ "${LAB_WITNESS:-0}" = 1 ] && { lab_witness_up || return 1; }
	t_start=$(lab_elapsed "$t0")
	lab_repl_setup || { lab_die "replication set-up failed"; return 1; }
	{
		echo "LAB_ID=$LAB_ID"
		echo "LAB_DIR=$LAB_DIR"
		echo "LAB_SEMISYNC=${LAB_SEMISYNC:-0}"
		echo "LAB_SEMISYNC_TIMEOUT_MS=${LAB_SEMISYNC_TIMEOUT_MS:-10000}"
		echo "LAB_WITNESS=${LAB_WITNESS:-0}"
	} >"$LAB_DIR/lab.env"
	LAB_UP_SECONDS=$(lab_elapsed "$t0")
	lab_log "up in ${LAB_UP_SECONDS}s (network ${t_net}s, install ${t_install}s," \
		"servers ${t_start}s, replication ${LAB_UP_SECONDS}s)"
}

# Removes everything lab_up and the helpers created. Safe to call twice, or after a failed lab_up.
lab_down() {
	local f n ns pid pids=()
	[ -n "${LAB_DIR:-}" ] && [ -e "$LAB_DIR/.dmlab" ] || return 0
	# Interrupted during lab_up: let the background install finish before removing its directory.
	if [ -n "${LAB_INSTALL_PID:-}" ]; then
		lab_wait_for "mariadb-install-db to finish" 60 lab_proc_gone "$LAB_INSTALL_PID"
		wait "$LAB_INSTALL_PID" 2>/dev/null
		LAB_INSTALL_PID=
	fi
	# A server whose peer stops first may be applying a transaction that waits for the peer's
	# semi-sync ack: its shutdown would then take the whole semi-sync timeout. Nothing here is
	# worth waiting for, so switch the master side off first (bounded: a server may be frozen).
	for n in "${LAB_NODES[@]}"; do
		lab_running "mysqld-$n" && timeout 2 mariadb --no-defaults -S "$(lab_sock "$n")" -uroot \
			--connect-timeout=1 -e 'SET GLOBAL rpl_semi_sync_master_enabled = OFF' >/dev/null 2>&1
	done
	for f in "$LAB_DIR"/pids/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		# CONT after TERM: a test may have frozen the process with SIGSTOP.
		lab_pid_ours "$pid" && kill -TERM "$pid" 2>/dev/null && kill -CONT "$pid" 2>/dev/null &&
			pids+=("$pid")
	done
	for pid in "${pids[@]}"; do
		lab_wait_for "pid $pid to exit" "$LAB_STOP_TIMEOUT_S" lab_pid_gone "$pid" 2>/dev/null ||
			{ lab_log "pid $pid ignored TERM, killing"; kill -KILL "$pid" 2>/dev/null; }
	done
	for pid in "${pids[@]}"; do
		lab_wait_for "pid $pid to die" 5 lab_pid_gone "$pid"
	done
	# Anything else still inside our namespaces was started by a test in this scene.
	if [ -e "$LAB_DIR/namespaces" ]; then
		while read -r ns; do
			for _ in 1 2 3; do
				mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null)
				[ ${#pids[@]} -gt 0 ] || break
				lab_log "killing leftover pids in $ns: ${pids[*]}"
				kill -KILL "${pids[@]}" 2>/dev/null
				sleep 0.1
			done
		done <"$LAB_DIR/namespaces"
		while read -r ns; do
			ip netns del "$ns" 2>/dev/null
		done <"$LAB_DIR/namespaces"
	fi
	if [ "${LAB_KEEP:-0}" = 1 ]; then
		rm -f "$LAB_DIR/.dmlab"
		lab_log "kept $LAB_DIR"
	else
		rm -rf -- "$LAB_DIR"
	fi
	# A later lab_up in the same shell builds a fresh scene.
	[ "${LAB_DIR_AUTO:-0}" = 1 ] && unset LAB_DIR LAB_DIR_AUTO
	[ "${LAB_ID_AUTO:-0}" = 1 ] && unset LAB_ID LAB_ID_AUTO
	return 0
}

lab_status() {
	local n
	echo "LAB_ID=$LAB_ID LAB_DIR=$LAB_DIR"
	for n in "${LAB_NODES[@]}"; do
		printf '%s: mysqld %s, read_only=%s, repl %s, gtid_binlog_pos=%s, semisync master=%s\n' "$n" \
			"$(lab_running "mysqld-$n" && echo "pid $(lab_pid "mysqld-$n")" || echo down)" \
			"$(lab_sql "$n" 'SELECT @@read_only' 2>/dev/null || echo '?')" \
			"$(lab_repl_ok "$n" && echo Yes/Yes || echo 'NOT running')" \
			"$(lab_sql "$n" 'SELECT @@gtid_binlog_pos' 2>/dev/null || echo '?')" \
			"$(lab_sql "$n" "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'" 2>/dev/null |
				awk '{ print $2 }')"
		lab_running "dm-$n" && echo "$n: dualmasterd pid $(lab_pid "dm-$n")"
	done
	if lab_has_witness; then
		printf 'witness: mysqld %s, lease (holder term ms_left): %s\n' \
			"$(lab_running mysqld-witness && echo "pid $(lab_pid mysqld-witness)" || echo down)" \
			"$(lab_witness_lease 2>/dev/null | tr '\t\n' '  ' || echo '?')"
	fi
	echo "VIP $LAB_VIP on: $(lab_vip_holder)"
	lab_running writer && echo "writer pid $(lab_pid writer)"
	return 0
}

# Tails every log of the scene to stderr (for a failing test).
lab_dump_logs() {
	local f
	for f in "$LAB_DIR"/node*/error.log "$LAB_DIR"/witness/error.log "$LAB_DIR"/dm-*.log "$LAB_DIR"/writer.log; do
		[ -e "$f" ] || continue
		echo "==== $f" >&2
		tail -n "${1:-40}" "$f" >&2
	done
}
