-- Two-way GTID replication for a dualmaster pair (MariaDB 10.5+, tested with 10.11).
-- Run this file on EACH node, with the OTHER node's address as {{PEER_HOST}}. It has two steps;
-- running step 1 on both nodes before step 2 on either saves a failed first connection attempt
-- (the peer's replication account does not exist yet) and a retry; running the whole file on one
-- node and then on the other works too.
--
-- Placeholders, replace before running (the test scene does it with sed):
--   {{PEER_HOST}}      the other node's IP address (skip_name_resolve: no names). It is both
--                      where this node replicates from and where the peer's replica connects
--                      from, so it names the replication account too.
--   {{REPL_PASSWORD}}  the replication account's password, the same on both nodes.
-- Example, on node 1 (192.0.2.11), whose peer is 192.0.2.12:
--   sed -e 's/{{PEER_HOST}}/192.0.2.12/' -e 's/{{REPL_PASSWORD}}/s3cret/' replication-setup.sql | mariadb
--
-- Before: both servers run with server-mariadb.cnf (distinct server_id, gtid_domain_id and
-- auto_increment_offset) and hold the same data:
--   * new pair: two freshly installed servers, nothing written yet; run this on both, then create
--     databases and accounts on one node only (they replicate).
--   * existing server: copy it to the second node (mariadb-backup --backup / --prepare), and on
--     the copy set the position the backup ends at before running this file:
--       SET GLOBAL gtid_slave_pos = '<GTID from mariadb_backup_binlog_info>';
-- After: SHOW ALL SLAVES STATUS on both nodes shows Slave_IO_Running and Slave_SQL_Running Yes.
--
-- MySQL 8: the same steps with CREATE USER ... / GRANT REPLICATION SLAVE, then
--   CHANGE REPLICATION SOURCE TO SOURCE_HOST='{{PEER_HOST}}', SOURCE_USER='repl',
--     SOURCE_PASSWORD='{{REPL_PASSWORD}}', SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1,
--     SOURCE_HEARTBEAT_PERIOD=1, GET_SOURCE_PUBLIC_KEY=1;
--   START REPLICA;

-- STEP 1: the replication account.
-- The replication account is local to each node (each one's peer connects to it), so it is kept
-- out of the binlog: replicated, it would arrive on the peer as an account for the wrong address.
SET SESSION sql_log_bin = 0;
CREATE USER IF NOT EXISTS 'repl'@'{{PEER_HOST}}' IDENTIFIED BY '{{REPL_PASSWORD}}';
GRANT REPLICATION SLAVE ON *.* TO 'repl'@'{{PEER_HOST}}';
SET SESSION sql_log_bin = 1;

-- STEP 2: replicate from the peer.
-- MASTER_USE_GTID = slave_pos, not current_pos. With current_pos a node asks its master to
-- start, in its own domain, after the last transaction it wrote itself. The writer's peer is
-- normally a little behind in the writer's domain, and a master asked for a GTID it does not
-- have yet refuses the connection with error 1236 ("connecting slave requested to start from
-- GTID ..., which is not in the master's binlog"), which stops the IO thread for good instead of
-- retrying. Measured in the test scene (MariaDB 10.11): the writer's IO thread restarted while
-- the peer lacked the writer's last 3 transactions -> current_pos: IO thread stopped with 1236;
-- slave_pos: it reconnected. With slave_pos a node asks
-- for what it has received back from the peer; in its own domain that is never ahead of the peer
-- (the peer's log_slave_updates returns the writer's own transactions, which the writer skips by
-- server_id while still advancing gtid_slave_pos). Divergence is still caught: gtid_strict_mode
-- refuses out-of-order transactions, and dualmasterd compares both nodes' GTID positions.
--
-- MASTER_CONNECT_RETRY = 1: the default is 60 s between reconnect attempts, which would leave a
-- pair unreplicated for up to a minute after a peer restart or a healed partition.
-- MASTER_HEARTBEAT_PERIOD = 1: the master sends a heartbeat every second when idle, so a silent
-- peer is noticed after slave_net_timeout (10 s in server-mariadb.cnf), not after 60 s.
-- STOP SLAVE first makes the file re-runnable (on a fresh server it only warns).
STOP SLAVE;
CHANGE MASTER TO
  MASTER_HOST = '{{PEER_HOST}}',
  MASTER_PORT = 3306,
  MASTER_USER = 'repl',
  MASTER_PASSWORD = '{{REPL_PASSWORD}}',
  MASTER_USE_GTID = slave_pos,
  MASTER_CONNECT_RETRY = 1,
  MASTER_HEARTBEAT_PERIOD = 1;
START SLAVE;
