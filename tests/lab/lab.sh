# shellcheck shell=bash
# Two-node test scene for dualmaster: namespaces, a bridge, two real mariadbd in two-way GTID
# replication, and helpers for tests. Source it, then:  lab_up; trap lab_down EXIT
#
# Layout (every name prefixed with $LAB_ID, every address in 192.0.2.0/24):
#   ns $LAB_ID-node1  $LAB_ID"n1" 192.0.2.11/24 --+
#   ns $LAB_ID-node2  $LAB_ID"n2" 192.0.2.12/24 --+-- ns $LAB_ID-sw: bridge $LAB_ID"br" 192.0.2.1/24
#   ns $LAB_ID-client $LAB_ID"c"  192.0.2.100/24 -+   (ports $LAB_ID"p1", "p2", "pc"; tiebreaker)
# VIP 192.0.2.50 is left to dualmasterd. State lives in $LAB_DIR; lab_down removes all of it.
#
# Settings (environment, read by lab_up):
#   LAB_ID                   name prefix, [a-z0-9], at most 10 chars (default dm<pid>)
#   LAB_DIR                  state directory; must not exist or be empty (default mktemp -d)
#   LAB_SEMISYNC=1           semi-sync on both sides of both nodes (default 0: asynchronous)
#   LAB_SEMISYNC_TIMEOUT_MS  rpl_semi_sync_master_timeout (default 10000)
#   LAB_ADVERT_MS            dualmasterd advert_interval_ms in lab_write_dm_conf (default 100)
#   LAB_KEEP=1               lab_down keeps $LAB_DIR (logs) and prints where
#   LAB_QUIET=1              no progress lines

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_VIP=192.0.2.50
LAB_TIEBREAKER=192.0.2.1
LAB_NODES=(node1 node2)
LAB_HOSTS=(node1 node2 client)
LAB_STOP_TIMEOUT_S=${LAB_STOP_TIMEOUT_S:-15}

# ---- small helpers ------------------------------------------------------------------------

lab_log() { [ "${LAB_QUIET:-0}" = 1 ] || echo "lab: $*" >&2; }
lab_die() { echo "lab: ERROR: $*" >&2; return 1; }
lab_now() { echo "$EPOCHREALTIME"; }                    # seconds with microseconds
lab_elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }

lab_ns() {
	case $1 in
	node1|node2|client) echo "$LAB_ID-$1" ;;
	sw|switch) echo "$LAB_ID-sw" ;;
	*) lab_die "unknown host '$1'" ;;
	esac
}
# The host's interface (inside its namespace) and its bridge port (inside the switch namespace).
lab_if() { case $1 in node1) echo "${LAB_ID}n1" ;; node2) echo "${LAB_ID}n2" ;; client) echo "${LAB_ID}c" ;;
	   *) lab_die "unknown host '$1'" ;; esac; }
lab_port() { case $1 in node1) echo "${LAB_ID}p1" ;; node2) echo "${LAB_ID}p2" ;; client) echo "${LAB_ID}pc" ;;
	     *) lab_die "unknown host '$1'" ;; esac; }
lab_ip() { case $1 in node1) echo 192.0.2.11 ;; node2) echo 192.0.2.12 ;; client) echo 192.0.2.100 ;;
	   *) lab_die "unknown host '$1'" ;; esac; }
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
		if awk -v a="$start" -v b="$EPOCHREALTIME" -v t="$timeout" 'BEGIN { exit !(b - a >= t) }'; then
			echo "lab: timeout after ${timeout}s waiting for: $desc" >&2
			return 1
		fi
		sleep 0.05
	done
}

# ---- process records: $LAB_DIR/pids/NAME.pid --------------------------------------------

# True if PID runs and is one of ours (its command line names $LAB_DIR: guards against pid reuse).
lab_pid_ours() {
	local pid=$1 state
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
	[ "$state" != Z ] || return 1
	{ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF -- "$LAB_DIR"
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

# lab_stop NAME [SIG]: SIG (default TERM), then waits up to LAB_STOP_TIMEOUT_S, then KILL.
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

# ---- network --------------------------------------------------------------------------------

lab_net_up() {
	local h ns br sw
	sw=$(lab_ns sw)
	br=$(lab_bridge)
	for h in sw "${LAB_HOSTS[@]}"; do
		ns=$(lab_ns "$h")
		ip netns add "$ns" || return 1
		echo "$ns" >>"$LAB_DIR/namespaces"
		ip -n "$ns" link set lo up || return 1
		# No IPv6: keeps router solicitations and MLD out of packet captures.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	# STP off so ports forward at once; snooping off so VRRP multicast is always flooded. A fixed
	# bridge MAC: by default it follows the lowest port MAC and could change under the nodes' ARP.
	ip -n "$sw" link add "$br" address 02:00:c0:00:02:01 type bridge stp_state 0 mcast_snooping 0 || return 1
	ip -n "$sw" addr add "$LAB_TIEBREAKER/24" dev "$br" || return 1
	ip -n "$sw" link set "$br" up || return 1
	for h in "${LAB_HOSTS[@]}"; do
		ns=$(lab_ns "$h")
		ip link add "$(lab_if "$h")" netns "$ns" type veth peer name "$(lab_port "$h")" netns "$sw" ||
			return 1
		ip -n "$sw" link set "$(lab_port "$h")" master "$br" up || return 1
		ip -n "$ns" addr add "$(lab_ip "$h")/24" dev "$(lab_if "$h")" || return 1
		ip -n "$ns" link set "$(lab_if "$h")" up || return 1
	done
}

lab_link_down() { ip -n "$(lab_ns sw)" link set "$(lab_port "$1")" down; }
lab_link_up() { ip -n "$(lab_ns sw)" link set "$(lab_port "$1")" up; }

# Isolated bridge ports cannot talk to each other but still reach non-isolated ports and the
# bridge itself: node1 and node2 lose each other, the client and the tiebreaker see both.
lab_partition() {
	local sw
	sw=$(lab_ns sw)
	ip netns exec "$sw" bridge link set dev "$(lab_port node1)" isolated on &&
		ip netns exec "$sw" bridge link set dev "$(lab_port node2)" isolated on
}
lab_heal() {
	local sw
	sw=$(lab_ns sw)
	ip netns exec "$sw" bridge link set dev "$(lab_port node1)" isolated off &&
		ip netns exec "$sw" bridge link set dev "$(lab_port node2)" isolated off
}

# Drops IP protocol 112 (VRRP) in and out of NODE and nothing else; counters show the drops.
lab_block_vrrp() {
	ip netns exec "$(lab_ns "$1")" nft -f - <<-EOF
	table ip dmlab_vrrp {
		chain input { type filter hook input priority 0; policy accept; ip protocol 112 counter drop; }
		chain output { type filter hook output priority 0; policy accept; ip protocol 112 counter drop; }
	}
	EOF
}
lab_unblock_vrrp() { ip netns exec "$(lab_ns "$1")" nft delete table ip dmlab_vrrp; }

# lab_reach FROM IP PORT [TIMEOUT_S]: true if FROM gets an answer from IP:PORT within the timeout,
# a refused connection included (that answer proves the path works without a listener).
lab_reach() {
	local out
	out=$(ip netns exec "$(lab_ns "$1")" timeout "${4:-0.5}" bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1)
	case $? in
	0) return 0 ;;
	124) return 1 ;;
	esac
	grep -q "Connection refused" <<<"$out"
}

# Prints node1, node2, none or both: who has the VIP in its namespace.
lab_vip_holder() {
	local n holders=()
	for n in "${LAB_NODES[@]}"; do
		ip -n "$(lab_ns "$n")" -4 -o addr show 2>/dev/null | grep -q " $LAB_VIP/" && holders+=("$n")
	done
	case ${#holders[@]} in
	0) echo none ;;
	1) echo "${holders[0]}" ;;
	*) echo both ;;
	esac
}

# ---- mariadbd ---------------------------------------------------------------------------------

# lab_sql NODE STMT: root over the node's unix socket, batch mode, no column names. (Unix sockets
# are file system objects: no need to enter the namespace.)
lab_sql() {
	mariadb --no-defaults -S "$(lab_sock "$1")" -uroot -B -N -e "$2"
}
# lab_sql_as NODE USER PASSWORD_FILE STMT: as USER over the node's unix socket.
lab_sql_as() {
	MYSQL_PWD=$(cat "$3") mariadb --no-defaults -S "$(lab_sock "$1")" -u"$2" -B -N -e "$4"
}
# lab_sql_tcp FROM HOST USER PASSWORD_FILE STMT: as USER over TCP from namespace FROM.
lab_sql_tcp() {
	MYSQL_PWD=$(cat "$4") ip netns exec "$(lab_ns "$1")" \
		mariadb --no-defaults --connect-timeout=2 -h "$2" -P 3306 -u"$3" -B -N -e "$5"
}
# lab_sql_subst FILE KEY=VALUE...: prints an sql/ file with its {{KEY}} placeholders replaced.
lab_sql_subst() {
	local file=$1 kv key val script=()
	shift
	for kv in "$@"; do
		key=${kv%%=*}
		val=${kv#*=}
		val=$(printf '%s' "$val" | sed 's/[|&\\]/\\&/g')
		script+=(-e "s|{{$key}}|$val|g")
	done
	sed "${script[@]}" "$file"
}
# lab_sql_stdin NODE: runs the SQL script on stdin as root.
lab_sql_stdin() { mariadb --no-defaults -S "$(lab_sock "$1")" -uroot -B -N; }

lab_ping_mysqld() { mariadb-admin --no-defaults -S "$(lab_sock "$1")" -uroot --connect-timeout=1 ping >/dev/null 2>&1; }

# The lab-only part of the server command line; everything else is sql/server-mariadb.cnf.
lab_mysqld_args() {
	local node=$1 n d
	n=$(lab_nodenum "$node")
	d=$LAB_DIR/$node
	# --defaults-file must come first; it reads that file only (no /etc/mysql), like --no-defaults.
	echo "--defaults-file=$LAB_ROOT/sql/server-mariadb.cnf"
	echo "--user=root --datadir=$d/data --socket=$d/mysqld.sock --pid-file=$d/mysqld.pid"
	# All addresses of the node's namespace: its own, and the VIP while dualmasterd holds it
	# (a server bound to the node address alone would refuse clients coming through the VIP).
	echo "--log-error=$d/error.log --tmpdir=$d/tmp --bind-address=0.0.0.0 --port=3306"
	echo "--report-host=$(lab_ip "$node")"
	echo "--server-id=$n --gtid-domain-id=$n --auto-increment-offset=$n"
	# Small and quick: memory and start-up time, not throughput.
	echo "--innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-log-buffer-size=4M"
	echo "--key-buffer-size=1M --aria-pagecache-buffer-size=8M --performance-schema=OFF"
	echo "--innodb-buffer-pool-load-at-startup=OFF --innodb-buffer-pool-dump-at-shutdown=OFF"
	echo "--rpl-semi-sync-master-timeout=${LAB_SEMISYNC_TIMEOUT_MS:-10000}"
	if [ "${LAB_SEMISYNC:-0}" != 1 ]; then
		echo "--rpl-semi-sync-master-enabled=OFF --rpl-semi-sync-slave-enabled=OFF"
	fi
}

# lab_mysqld_start NODE: starts the node's server (again) and waits until it answers.
lab_mysqld_start() {
	local node=$1
	if lab_running "mysqld-$node"; then
		lab_die "mysqld on $node already runs"
		return 1
	fi
	# shellcheck disable=SC2046 # word splitting of the argument list is intended
	lab_spawn "mysqld-$node" "$LAB_DIR/$node/stdout.log" "$(lab_ns "$node")" \
		mariadbd $(lab_mysqld_args "$node")
	lab_wait_mysqld "$node"
}

lab_wait_mysqld() {
	local node=$1 start=$EPOCHREALTIME
	while ! lab_ping_mysqld "$node"; do
		if ! lab_running "mysqld-$node"; then
			tail -n 20 "$LAB_DIR/$node/error.log" >&2
			lab_die "mysqld on $node exited during start-up"
			return 1
		fi
		if awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a > 60) }'; then
			lab_die "mysqld on $node not answering after 60 s"
			return 1
		fi
		sleep 0.05
	done
}

# lab_mysqld_stop NODE [SIG]: TERM (clean shutdown) by default; KILL simulates a crash.
lab_mysqld_stop() { lab_stop "mysqld-$1" "${2:-TERM}"; }

# IO and SQL threads of NODE's replication both "Yes".
lab_repl_ok() {
	local st
	st=$(mariadb --no-defaults -S "$(lab_sock "$1")" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null) || return 1
	grep -q '^ *Slave_IO_Running: Yes$' <<<"$st" && grep -q '^ *Slave_SQL_Running: Yes$' <<<"$st"
}
# Both nodes have applied everything the other one logged (same per-domain binlog positions).
lab_in_sync() {
	local a b
	a=$(lab_sql node1 'SELECT @@gtid_binlog_pos' 2>/dev/null | tr ',' '\n' | sort) || return 1
	b=$(lab_sql node2 'SELECT @@gtid_binlog_pos' 2>/dev/null | tr ',' '\n' | sort) || return 1
	[ -n "$a" ] && [ "$a" = "$b" ]
}
lab_wait_repl() {
	lab_wait_for "node1 replication IO/SQL Yes" "${1:-30}" lab_repl_ok node1 &&
		lab_wait_for "node2 replication IO/SQL Yes" "${1:-30}" lab_repl_ok node2 &&
		lab_wait_for "node1 and node2 in sync" "${1:-30}" lab_in_sync
}

lab_passwords() {
	local f
	for f in repl dm app; do
		(umask 077 && od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$LAB_DIR/$f.password") || return 1
	done
}

# Both nodes start from one installed datadir (identical system tables). mariadb-install-db costs
# 0.6-2 s of CPU, so its result is kept as a template in build/lab/ (a build product like the
# binaries, removed by `make clean`), keyed by the server version and the install options;
# LAB_TEMPLATE=0 installs afresh every time.
LAB_INSTALL_OPTS="--skip-test-db --skip-name-resolve --innodb-log-file-size=16M --innodb-buffer-pool-size=32M"
lab_install_db() {
	local key tpl tmp
	mkdir -p "$LAB_DIR/node1/tmp" "$LAB_DIR/node2/tmp" || return 1
	key=$(printf '%s\n' "$(mariadbd --version)" "$LAB_INSTALL_OPTS" | md5sum | cut -c1-12)
	tpl=$LAB_ROOT/build/lab/datadir-$key
	if [ "${LAB_TEMPLATE:-1}" = 1 ] && [ -d "$tpl" ]; then
		cp -a "$tpl" "$LAB_DIR/node1/data" && cp -a "$tpl" "$LAB_DIR/node2/data"
		return
	fi
	# shellcheck disable=SC2086 # the option list splits on purpose
	mariadb-install-db --no-defaults --user=root --datadir="$LAB_DIR/node1/data" $LAB_INSTALL_OPTS \
		>"$LAB_DIR/install.log" 2>&1 || { tail -n 20 "$LAB_DIR/install.log" >&2; return 1; }
	cp -a "$LAB_DIR/node1/data" "$LAB_DIR/node2/data" || return 1
	if [ "${LAB_TEMPLATE:-1}" = 1 ] && mkdir -p "$LAB_ROOT/build/lab" 2>/dev/null &&
		tmp=$(mktemp -d "$LAB_ROOT/build/lab/.tpl.XXXXXX"); then
		# Renamed into place whole, so a concurrent run never sees half a template.
		cp -a "$LAB_DIR/node2/data" "$tmp/data" && mv -T "$tmp/data" "$tpl" 2>/dev/null
		rm -rf -- "$tmp"
	fi
	return 0
}

lab_repl_setup() {
	local n step
	# Step 1 (accounts) on both nodes before step 2 (CHANGE MASTER, START SLAVE) on either, so
	# the first connection attempts find the accounts: no failed attempt and 1 s retry.
	# shellcheck disable=SC2016 # sed addresses, not shell expansions
	for step in '1,/^-- STEP 2/p' '/^-- STEP 2/,$p'; do
		for n in "${LAB_NODES[@]}"; do
			lab_sql_subst "$LAB_ROOT/sql/replication-setup.sql" \
				PEER_HOST="$(lab_ip "$(lab_peer "$n")")" REPL_PASSWORD="$(cat "$LAB_DIR/repl.password")" |
				sed -n "$step" | lab_sql_stdin "$n" || return 1
		done
	done
	# Accounts and schema on node1 only: they replicate, which also proves the link works.
	lab_sql_subst "$LAB_ROOT/sql/monitor-user-mariadb.sql" \
		DM_PASSWORD="$(cat "$LAB_DIR/dm.password")" DM_NETWORK='192.0.2.%' | lab_sql_stdin node1 || return 1
	lab_sql node1 "
		CREATE USER 'dmapp'@'192.0.2.%' IDENTIFIED BY '$(cat "$LAB_DIR/app.password")';
		CREATE DATABASE dmtest;
		CREATE TABLE dmtest.writes (id BIGINT PRIMARY KEY, node VARCHAR(16),
			ts TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
		GRANT SELECT, INSERT, UPDATE, DELETE ON dmtest.* TO 'dmapp'@'192.0.2.%';" || return 1
	lab_wait_repl 30
}

# ---- scene ------------------------------------------------------------------------------------

lab_pick_id() {
	local id=$1 i
	for i in "" a b c d e f g h; do
		ip netns list | grep -q "^$id$i-" || { echo "$id$i"; return 0; }
	done
	lab_die "no free LAB_ID near $id"
}

lab_up() {
	local t0=$EPOCHREALTIME install_pid n t_net t_install t_start
	if ! command -v mariadbd >/dev/null || ! command -v nft >/dev/null || ! command -v bridge >/dev/null; then
		lab_die "needs mariadbd, nft and bridge (make deps)"
		return 1
	fi
	[ "$(id -u)" = 0 ] || { lab_die "needs root (network namespaces)"; return 1; }
	if [ -z "${LAB_ID:-}" ]; then
		LAB_ID=$(lab_pick_id "dm$$") || return 1
	fi
	[[ $LAB_ID =~ ^[a-z][a-z0-9]{0,9}$ ]] || { lab_die "LAB_ID '$LAB_ID': [a-z][a-z0-9], <= 10 chars"; return 1; }
	if ip netns list | grep -q "^$LAB_ID-"; then
		lab_die "namespaces $LAB_ID-* exist already"
		return 1
	fi
	if [ -z "${LAB_DIR:-}" ]; then
		LAB_DIR=$(mktemp -d "/tmp/dmlab-$LAB_ID.XXXXXX") || return 1
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
	lab_passwords || return 1

	lab_install_db &
	install_pid=$!
	lab_net_up || { lab_die "network set-up failed"; wait "$install_pid"; return 1; }
	t_net=$(lab_elapsed "$t0")
	wait "$install_pid" || { lab_die "mariadb-install-db failed"; return 1; }
	t_install=$(lab_elapsed "$t0")

	for n in "${LAB_NODES[@]}"; do
		# shellcheck disable=SC2046
		lab_spawn "mysqld-$n" "$LAB_DIR/$n/stdout.log" "$(lab_ns "$n")" mariadbd $(lab_mysqld_args "$n")
	done
	for n in "${LAB_NODES[@]}"; do
		lab_wait_mysqld "$n" || return 1
	done
	t_start=$(lab_elapsed "$t0")
	lab_repl_setup || { lab_die "replication set-up failed"; return 1; }
	{
		echo "LAB_ID=$LAB_ID"
		echo "LAB_DIR=$LAB_DIR"
		echo "LAB_SEMISYNC=${LAB_SEMISYNC:-0}"
		echo "LAB_SEMISYNC_TIMEOUT_MS=${LAB_SEMISYNC_TIMEOUT_MS:-10000}"
	} >"$LAB_DIR/lab.env"
	LAB_UP_SECONDS=$(lab_elapsed "$t0")
	lab_log "up in ${LAB_UP_SECONDS}s (network ${t_net}s, install ${t_install}s, servers ${t_start}s, replication ${LAB_UP_SECONDS}s)"
}

# Removes everything lab_up and the helpers created. Safe to call twice, or after a failed lab_up.
lab_down() {
	local f n ns pid pids=()
	[ -n "${LAB_DIR:-}" ] && [ -e "$LAB_DIR/.dmlab" ] || return 0
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
	echo "VIP $LAB_VIP on: $(lab_vip_holder)"
	lab_running writer && echo "writer pid $(lab_pid writer)"
	return 0
}

# Tails every log of the scene to stderr (for a failing test).
lab_dump_logs() {
	local f
	for f in "$LAB_DIR"/node*/error.log "$LAB_DIR"/dm-*.log "$LAB_DIR"/writer.log; do
		[ -e "$f" ] || continue
		echo "==== $f" >&2
		tail -n "${1:-40}" "$f" >&2
	done
}

# ---- dualmasterd ------------------------------------------------------------------------------

lab_dm_conf() { echo "$LAB_DIR/dm-$1.conf"; }

# lab_write_dm_conf NODE [PRIORITY]: writes $LAB_DIR/dm-NODE.conf and checks it with
# `dualmasterd -t`. Priority defaults to 150 on node1, 100 on node2. Extra lines for a section
# come from LAB_DM_<SECTION>_EXTRA (VRRP, HEALTH, TAKEOVER, TIEBREAKER, HOOKS, TOP); a repeated
# option overrides the earlier one.
lab_write_dm_conf() {
	local node=$1 prio=${2:-} peer conf
	[ -n "$prio" ] || { [ "$node" = node1 ] && prio=150 || prio=100; }
	peer=$(lab_peer "$node") || return 1
	conf=$(lab_dm_conf "$node")
	cat >"$conf" <<-EOF
	# dualmasterd configuration for $node of test scene $LAB_ID (generated by tests/lab/lab.sh)
	node_name = "$node"
	control_socket = "$LAB_DIR/dm-$node.sock"
	${LAB_DM_TOP_EXTRA:-}
	vrrp {
	  interface = "$(lab_if "$node")"
	  vrid = 51
	  version = 3
	  priority = $prio
	  advert_interval_ms = ${LAB_ADVERT_MS:-100}
	  preempt = false
	  vips = {"$LAB_VIP/24"}
	  ${LAB_DM_VRRP_EXTRA:-}
	}
	mysql local {
	  socket = "$(lab_sock "$node")"
	  user = "dualmaster"
	  password_file = "$LAB_DIR/dm.password"
	}
	mysql peer {
	  host = "$(lab_ip "$peer")"
	  port = 3306
	  user = "dualmaster"
	  password_file = "$LAB_DIR/dm.password"
	}
	health {
	  interval_ms = 100
	  timeout_ms = 500
	  ${LAB_DM_HEALTH_EXTRA:-}
	}
	takeover {
	  ${LAB_DM_TAKEOVER_EXTRA:-}
	}
	tiebreaker {
	  targets = {"$LAB_TIEBREAKER"}
	  ${LAB_DM_TIEBREAKER_EXTRA:-}
	}
	hooks {
	  ${LAB_DM_HOOKS_EXTRA:-}
	}
	EOF
	chmod 0600 "$conf"
	[ -x "$LAB_ROOT/dualmasterd" ] || { lab_die "$LAB_ROOT/dualmasterd missing: run make"; return 1; }
	"$LAB_ROOT/dualmasterd" -t -f "$conf" >"$LAB_DIR/dm-$node.check" 2>&1 ||
		{ cat "$LAB_DIR/dm-$node.check" >&2; lab_die "dualmasterd -t rejects $conf"; return 1; }
}

# lab_start_dm NODE [ARGS...]: starts dualmasterd in NODE's namespace with its generated config
# (written by lab_write_dm_conf if missing), logging to $LAB_DIR/dm-NODE.log.
lab_start_dm() {
	local node=$1
	shift
	lab_running "dm-$node" && { lab_die "dualmasterd on $node already runs"; return 1; }
	[ -e "$(lab_dm_conf "$node")" ] || lab_write_dm_conf "$node" || return 1
	lab_spawn "dm-$node" "$LAB_DIR/dm-$node.log" "$(lab_ns "$node")" \
		"$LAB_ROOT/dualmasterd" -f "$(lab_dm_conf "$node")" "$@"
}

# lab_stop_dm NODE [SIG]: SIG (default TERM) then bounded wait, KILL if it does not exit.
lab_stop_dm() { lab_stop "dm-$1" "${2:-TERM}"; }

# ---- client writer ----------------------------------------------------------------------------

lab_writer_bin() {
	local bin=$LAB_DIR/writer
	[ -x "$bin" ] && { echo "$bin"; return 0; }
	# shellcheck disable=SC2046
	cc -O2 -g -Wall -Wextra -Werror -std=gnu11 $(pkg-config --cflags libmariadb) -o "$bin" \
		"$LAB_ROOT/tests/lab/writer.c" $(pkg-config --libs libmariadb) >&2 || return 1
	echo "$bin"
}

# lab_writer_start [COUNT] [SECONDS] [RATE]: inserts into dmtest.writes through the VIP from the
# client namespace, at most COUNT rows (default 1000) and SECONDS (default 20), RATE per second
# (default 100). Acknowledged ids go to $LAB_WRITER_ACKED ("ID EPOCH_S SERVER_ID" per line),
# failures to $LAB_WRITER_ERRORS ("ID EPOCH_S ERRNO MESSAGE"). Each run uses a fresh id range
# (run N starts at N*1000000+1) and fresh files. LAB_WRITER_READ_TIMEOUT_S (default 15) bounds
# one statement; keep it above the semi-sync timeout.
lab_writer_start() {
	local bin run
	lab_running writer && { lab_die "writer already runs"; return 1; }
	bin=$(lab_writer_bin) || return 1
	run=$(($(cat "$LAB_DIR/writer.runs" 2>/dev/null || echo 0) + 1))
	echo "$run" >"$LAB_DIR/writer.runs"
	LAB_WRITER_ACKED=$LAB_DIR/writer-$run.acked
	LAB_WRITER_ERRORS=$LAB_DIR/writer-$run.errors
	: >"$LAB_WRITER_ACKED"
	: >"$LAB_WRITER_ERRORS"
	lab_spawn writer "$LAB_DIR/writer.log" "$(lab_ns client)" "$bin" -h "$LAB_VIP" -u dmapp \
		-p "$LAB_DIR/app.password" -o "$LAB_WRITER_ACKED" -e "$LAB_WRITER_ERRORS" \
		-i $((run * 1000000 + 1)) -n "${1:-1000}" -t "${2:-20}" -r "${3:-100}" \
		-T "${LAB_WRITER_READ_TIMEOUT_S:-15}"
}
# lab_writer_wait [TIMEOUT_S]: waits until the writer has stopped by itself.
lab_writer_wait() { lab_wait_for "writer to finish" "${1:-60}" lab_pid_gone "$(lab_pid writer)"; }
lab_writer_stop() { lab_stop writer TERM; }
# Number of acknowledged rows of the last writer run.
lab_writer_acked() { wc -l <"$LAB_WRITER_ACKED"; }
