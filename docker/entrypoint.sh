#!/bin/bash
# Container entrypoint: one MariaDB server plus dualmasterd. First start initialises the data
# directory, the accounts and replication from the peer; every start writes the dualmaster
# configuration from the environment, then runs both and stops when either stops.
set -euo pipefail

: "${NODE_NAME:?}" "${SERVER_ID:?}" "${PRIORITY:?}" "${PEER_IP:?}" "${VIP:?}"
: "${DM_PASSWORD:?}" "${REPL_PASSWORD:?}"
conf=/etc/dualmaster/dualmaster.conf
sock=/run/mysqld/mysqld.sock
# The repository's sql/ directory, installed by `make install` (Dockerfile): server settings,
# replication set-up and the daemon's account come from these files unchanged, so the image runs
# what sql/ documents and tests/integration exercises, not a copy that drifts.
share=/usr/share/dualmaster/sql

case $SERVER_ID in 1 | 2) ;; *) echo "SERVER_ID must be 1 or 2 (auto_increment_offset)" >&2; exit 1 ;; esac
# The values land inside SQL string literals in the sql/ files.
for v in "$DM_PASSWORD" "$REPL_PASSWORD" "$PEER_IP" "${DM_NETWORK:-}"; do
	case $v in *"'"* | *\\*) echo "passwords and addresses must not contain ' or \\" >&2; exit 1 ;; esac
done

# subst FILE KEY=VALUE...: FILE with its {{KEY}} placeholders replaced (values taken literally).
subst() {
	local file=$1 kv key val script=()
	shift
	for kv in "$@"; do
		key=${kv%%=*}
		val=$(printf '%s' "${kv#*=}" | sed 's/[|&\\]/\\&/g')
		script+=(-e "s|{{$key}}|$val|g")
	done
	sed "${script[@]}" "$file"
}

# Server settings: sql/server-mariadb.cnf as is (servers start read-only: only dualmasterd makes
# one writable, after fencing the other), then the values it marks PER NODE. Later files win.
install -m 0644 "$share/server-mariadb.cnf" /etc/mysql/mariadb.conf.d/60-dualmaster.cnf
cat >/etc/mysql/mariadb.conf.d/61-dualmaster-node.cnf <<CNF
# The PER NODE values of 60-dualmaster.cnf (sql/server-mariadb.cnf), from the container's environment.
[mariadbd]
server_id = ${SERVER_ID}
gtid_domain_id = ${SERVER_ID}
auto_increment_offset = ${SERVER_ID}
# Debian's 50-server.cnf binds to 127.0.0.1; the peer's replica and daemon, and the clients of the
# VIP, come over the network.
bind-address = 0.0.0.0
CNF

first=no
if [ ! -d /var/lib/mysql/mysql ]; then
	mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
	first=yes
fi
install -d -o mysql -g mysql /run/mysqld
mariadbd --user=mysql &
db=$!
for _ in $(seq 300); do
	mariadb-admin --socket="$sock" ping >/dev/null 2>&1 && break
	kill -0 "$db" 2>/dev/null || { echo "mariadbd exited during start" >&2; exit 1; }
	sleep 0.1
done
mariadb-admin --socket="$sock" ping >/dev/null

if [ "$first" = yes ]; then
	# Both files run on each node, as their headers describe: the replication account for the peer's
	# address (kept out of the binlog) and replication from the peer; then the daemon's account and
	# the term table, which replicate (every statement is IF NOT EXISTS or a GRANT, so the copy
	# arriving from the peer changes nothing). The peer's daemon connects from PEER_IP; DM_NETWORK
	# (e.g. 192.0.2.%) replaces it.
	subst "$share/replication-setup.sql" PEER_HOST="$PEER_IP" REPL_PASSWORD="$REPL_PASSWORD" |
		mariadb --socket="$sock"
	subst "$share/monitor-user-mariadb.sql" DM_PASSWORD="$DM_PASSWORD" DM_NETWORK="${DM_NETWORK:-$PEER_IP}" |
		mariadb --socket="$sock"
fi

install -d -m 0750 /etc/dualmaster /run/dualmaster
umask 077
printf '%s' "$DM_PASSWORD" >/etc/dualmaster/mysql.password
umask 022
# From the installed example, so every option keeps its documented default; -t below rejects the
# result loudly if the example ever changes shape.
sed -i \
	-e "s|^node_name = .*|node_name = \"${NODE_NAME}\"|" \
	-e "s|^  priority = .*|  priority = ${PRIORITY}|" \
	-e "s|^  host = .*|  host = \"${PEER_IP}\"|" \
	-e "s|^  vips = .*|  vips = {\"${VIP}\"}|" \
	-e "s|^  # password_file = |  password_file = |" \
	"$conf"
dualmasterd -t -f "$conf"

dualmasterd -f "$conf" &
dm=$!
stop() { kill -TERM "$dm" 2>/dev/null || :; wait "$dm" || :; mariadb-admin --socket="$sock" shutdown || :; }
trap 'stop; exit 0' TERM INT
# Whichever ends first ends the container; the other is stopped in order (dualmasterd first, so it
# resigns the VIP before its server goes).
set +e
wait -n "$dm" "$db"
rc=$?
stop
exit $rc
