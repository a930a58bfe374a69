#!/bin/bash
# Container entrypoint: one MariaDB server plus dualmasterd. First start initialises the data
# directory, the accounts and replication from the peer; every start writes the dualmaster
# configuration from the environment, then runs both and stops when either stops.
set -euo pipefail

: "${NODE_NAME:?}" "${SERVER_ID:?}" "${PRIORITY:?}" "${PEER_IP:?}" "${VIP:?}"
: "${DM_PASSWORD:?}" "${REPL_PASSWORD:?}"
conf=/etc/dualmaster/dualmaster.conf
sock=/run/mysqld/mysqld.sock

# Servers start read-only: only dualmasterd makes one writable, after fencing the other.
cat >/etc/mysql/mariadb.conf.d/60-dualmaster.cnf <<CNF
[mariadbd]
bind-address = 0.0.0.0
skip-name-resolve = ON
server_id = ${SERVER_ID}
log_bin = mariadb-bin
log_slave_updates = ON
binlog_format = ROW
read_only = ON
auto_increment_increment = 2
auto_increment_offset = ${SERVER_ID}
rpl_semi_sync_master_enabled = ON
rpl_semi_sync_slave_enabled = ON
rpl_semi_sync_master_wait_point = AFTER_SYNC
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
	# Accounts are made on each node and kept out of the binlog, so they never replicate.
	mariadb --socket="$sock" <<SQL
SET sql_log_bin = 0;
CREATE USER 'repl'@'%' IDENTIFIED BY '${REPL_PASSWORD}';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
CREATE USER 'dualmaster'@'%' IDENTIFIED BY '${DM_PASSWORD}';
CREATE USER 'dualmaster'@'localhost' IDENTIFIED BY '${DM_PASSWORD}';
GRANT REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, PROCESS, CONNECTION ADMIN, RELOAD,
      REPLICATION SLAVE ADMIN ON *.* TO 'dualmaster'@'%';
GRANT REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, PROCESS, CONNECTION ADMIN, RELOAD,
      REPLICATION SLAVE ADMIN ON *.* TO 'dualmaster'@'localhost';
SET sql_log_bin = 1;
CHANGE MASTER TO MASTER_HOST = '${PEER_IP}', MASTER_USER = 'repl', MASTER_PASSWORD = '${REPL_PASSWORD}',
       MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
START SLAVE;
SQL
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
