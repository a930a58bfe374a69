# shellcheck shell=bash
# Test scene, sourced by lab.sh: the witness host (LAB_WITNESS=1 before lab_up). Its own namespace
# on the bridge at 192.0.2.13, its own mariadbd (no binlog, no replication) with the lease table and
# account of sql/witness-mariadb.sql; lab_partition cuts node1 from node2 only, so both still reach it.

# True when the scene was built with a witness (LAB_WITNESS=1 lab_up, a one-shot prefix or not).
lab_has_witness() { [ -n "${LAB_DIR:-}" ] && [ -d "$LAB_DIR/witness" ]; }

# lab_witness_sql STMT: root over the witness's unix socket.
lab_witness_sql() { lab_sql witness "$1"; }

lab_witness_args() {
	local d=$LAB_DIR/witness
	echo "--no-defaults --user=root --datadir=$d/data --socket=$d/mysqld.sock --pid-file=$d/mysqld.pid"
	echo "--log-error=$d/error.log --tmpdir=$d/tmp --bind-address=0.0.0.0 --port=3306 --server-id=3"
	echo "--skip-name-resolve --skip-log-bin"
	echo "--innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-log-buffer-size=4M"
	echo "--key-buffer-size=1M --aria-pagecache-buffer-size=8M --performance-schema=OFF"
	echo "--innodb-buffer-pool-load-at-startup=OFF --innodb-buffer-pool-dump-at-shutdown=OFF"
}

# lab_witness_start: starts the witness's server (again) and waits until it answers.
lab_witness_start() {
	lab_running mysqld-witness && { lab_die "the witness's mysqld runs already"; return 1; }
	# shellcheck disable=SC2046 # the argument list splits on purpose
	lab_spawn mysqld-witness "$LAB_DIR/witness/stdout.log" "$(lab_ns witness)" mariadbd $(lab_witness_args)
	lab_wait_mysqld witness
}

# lab_witness_stop [SIG]: TERM by default; KILL for a crash.
lab_witness_stop() { lab_stop mysqld-witness "${1:-TERM}"; }

# Called by lab_up once the nodes' datadirs are installed and before their servers start: the
# witness gets a copy of that fresh install.
lab_witness_prepare() {
	mkdir -p "$LAB_DIR/witness/tmp" || return 1
	cp -a "$LAB_DIR/node1/data" "$LAB_DIR/witness/data" || { lab_die "witness datadir"; return 1; }
	(umask 077 && od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$LAB_DIR/witness.password")
}

# Called by lab_up with the nodes' servers up: the witness's server, its table and account.
lab_witness_up() {
	lab_witness_start || return 1
	lab_sql_subst "$LAB_ROOT/sql/witness-mariadb.sql" WITNESS_PASSWORD="$(cat "$LAB_DIR/witness.password")" \
		DM_NETWORK='192.0.2.%' | lab_sql_stdin witness
}

# The witness section for dualmasterd's configuration. lab_write_dm_conf adds it by itself on a
# scene with a witness, unless LAB_DM_TOP_EXTRA has a witness section already or LAB_DM_WITNESS=0.
lab_witness_conf() {
	cat <<-EOF2
	witness {
	  host = "$(lab_ip witness)"
	  port = 3306
	  user = "dualmaster_witness"
	  password_file = "$LAB_DIR/witness.password"
	  lease_ms = ${LAB_LEASE_MS:-2000}
	}
	EOF2
}

# The lease row as the witness has it: "holder term remaining_ms".
lab_witness_lease() {
	lab_witness_sql "SET time_zone = '+00:00'; SELECT holder, term,
		TIMESTAMPDIFF(MICROSECOND, NOW(6), expires) DIV 1000 FROM dualmaster.lease"
}

# lab_cut_from_witness NODE / lab_uncut_from_witness NODE: drops NODE's traffic at the witness
# (both directions), so a partition can put the witness on one side.
lab_cut_from_witness() {
	ip netns exec "$(lab_ns witness)" nft -f - <<-EOF2
	table ip dmlab_wcut {
		chain input { type filter hook input priority 0; policy accept; ip saddr $(lab_ip "$1") counter drop; }
		chain output { type filter hook output priority 0; policy accept; ip daddr $(lab_ip "$1") counter drop; }
	}
	EOF2
}
lab_uncut_from_witness() { ip netns exec "$(lab_ns witness)" nft delete table ip dmlab_wcut; }
