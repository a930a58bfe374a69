# shellcheck shell=bash
# Test scene, sourced by lab.sh: the two mariadbd, their replication and SQL helpers.

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

lab_ping_mysqld() {
	mariadb-admin --no-defaults -S "$(lab_sock "$1")" -uroot --connect-timeout=1 ping >/dev/null 2>&1
}

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
	# LAB_IPV6=1: "*" is every IPv6 and IPv4 address.
	echo "--log-error=$d/error.log --tmpdir=$d/tmp --port=3306"
	[ "${LAB_IPV6:-0}" = 1 ] && echo "--bind-address=*" || echo "--bind-address=0.0.0.0"
	echo "--report-host=$(lab_ip "$node")"
	echo "--server-id=$n --gtid-domain-id=$n --auto-increment-offset=$n"
	# Small and quick: memory and start-up time, not throughput.
	echo "--innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-log-buffer-size=4M"
	echo "--key-buffer-size=1M --aria-pagecache-buffer-size=8M --performance-schema=OFF"
	echo "--innodb-buffer-pool-load-at-startup=OFF --innodb-buffer-pool-dump-at-shutdown=OFF"
	# What lab_up was given (LAB_SEMISYNC=1 lab_up is a one-shot prefix), unless set again now.
	echo "--rpl-semi-sync-master-timeout=${LAB_SEMISYNC_TIMEOUT_MS:-${LAB_UP_SEMISYNC_TIMEOUT_MS:-10000}}"
	if [ "${LAB_SEMISYNC:-${LAB_UP_SEMISYNC:-0}}" != 1 ]; then
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
		if lab_older "$start" 60; then
			lab_die "mysqld on $node not answering after 60 s"
			return 1
		fi
		sleep 0.05
	done
}

# lab_mysqld_stop NODE [SIG]: TERM (clean shutdown) by default; KILL simulates a crash.
lab_mysqld_stop() { lab_stop "mysqld-$1" "${2:-TERM}"; }

# SHOW SLAVE STATUS of NODE, one "Field: value" per line.
lab_slave_status() {
	mariadb --no-defaults -S "$(lab_sock "$1")" -uroot -e 'SHOW SLAVE STATUS\G' 2>/dev/null
}
# IO and SQL threads of NODE's replication both "Yes".
lab_repl_ok() {
	local st
	st=$(lab_slave_status "$1") || return 1
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
LAB_INSTALL_OPTS="--skip-test-db --skip-name-resolve --innodb-log-file-size=16M"
LAB_INSTALL_OPTS+=" --innodb-buffer-pool-size=32M"
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
	local n step repl dm
	repl=$(cat "$LAB_DIR/repl.password")
	dm=$(cat "$LAB_DIR/dm.password")
	# Step 1 (accounts) on both nodes before step 2 (CHANGE MASTER, START SLAVE) on either, so
	# the first connection attempts find the accounts: no failed attempt and 1 s retry.
	# shellcheck disable=SC2016 # sed addresses, not shell expansions
	for step in '1,/^-- STEP 2/p' '/^-- STEP 2/,$p'; do
		for n in "${LAB_NODES[@]}"; do
			lab_sql_subst "$LAB_ROOT/sql/replication-setup.sql" \
				PEER_HOST="$(lab_ip "$(lab_peer "$n")")" REPL_PASSWORD="$repl" |
				sed -n "$step" | lab_sql_stdin "$n" || return 1
		done
	done
	# Accounts and schema on node1 only: they replicate, which also proves the link works.
	lab_sql_subst "$LAB_ROOT/sql/monitor-user-mariadb.sql" DM_PASSWORD="$dm" DM_NETWORK='192.0.2.%' |
		lab_sql_stdin node1 || return 1
	lab_sql node1 "
		CREATE USER 'dmapp'@'192.0.2.%' IDENTIFIED BY '$(cat "$LAB_DIR/app.password")';
		CREATE DATABASE dmtest;
		CREATE TABLE dmtest.writes (id BIGINT PRIMARY KEY, node VARCHAR(16),
			ts TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
		GRANT SELECT, INSERT, UPDATE, DELETE ON dmtest.* TO 'dmapp'@'192.0.2.%';" || return 1
	lab_wait_repl 30
}
