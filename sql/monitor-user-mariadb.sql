-- The account dualmasterd uses on MariaDB 10.5.9 and later (tested with 10.11), least privileges.
--
-- Placeholders, replace before running (the test scene does it with sed):
--   {{DM_PASSWORD}}  the password; put the same string in the file named by password_file
--                    (mode 0600) in dualmaster.conf, or in the systemd credential.
--   {{DM_NETWORK}}   where the peer node connects from, as an address or pattern, e.g.
--                    '192.0.2.12' or '192.0.2.%' (addresses only: skip_name_resolve is on).
-- Example:
--   sed -e 's/{{DM_PASSWORD}}/s3cret/' -e 's/{{DM_NETWORK}}/192.0.2.%/' monitor-user-mariadb.sql | mariadb
--
-- Run it once on one node while replication runs (it replicates to the other), or on each node.
-- It is idempotent, and only adds: an account made with an older version of this file keeps what
-- that one granted; to trim it to the list below run, for each of the two accounts,
--   REVOKE BINLOG MONITOR, RELOAD ON *.* FROM 'dualmaster'@'localhost';
-- Two accounts with the same grants: the local daemon connects over the unix
-- socket, which is always 'localhost'; the peer's daemon connects over TCP from its address.
--
-- What each privilege is for: every statement dualmasterd sends (src/mysql_conn.c, mysql_probe.c,
-- mysql_jobs.c) and what MariaDB 10.11 needs for it, measured statement by statement with an account
-- holding one privilege at a time, and exercised with exactly this file by
-- tests/integration/t_grants.sh. MariaDB 10.5.9+ names; before 10.5.9 REPLICA MONITOR did not exist
-- and SHOW SLAVE STATUS needed REPLICATION SLAVE ADMIN.
--   REPLICA MONITOR           SHOW ALL SLAVES STATUS (probe, catch-up: IO/SQL threads, errors,
--                             Gtid_IO_Pos). Without it: error 1227, the server counts as down.
--   READ_ONLY ADMIN           SET GLOBAL read_only = ON / OFF (fence, write-enable, step down).
--                             Without it: error 1227.
--   CONNECTION ADMIN          KILL CONNECTION of other users' sessions when fencing and stepping
--                             down (without it: error 1095 "You are not owner of thread", the fence
--                             fails and the takeover is refused); also the connection the server
--                             keeps beyond max_connections for such accounts: error 1040 (too many
--                             connections) never locks the daemon out of a server the applications
--                             have filled up.
--   PROCESS                   see every session in information_schema.PROCESSLIST (the sessions to
--                             kill, the client count in status). Without it the server silently
--                             shows the daemon its own sessions only: nothing would be killed.
--   REPLICATION MASTER ADMIN  SET GLOBAL rpl_semi_sync_master_enabled = OFF / ON
--                             (takeover.manage_semisync). Without it: error 1227 "you need SUPER,
--                             REPLICATION MASTER ADMIN"; the takeover goes on with a note and
--                             commits stall for rpl_semi_sync_master_timeout.
--   REPLICATION SLAVE ADMIN   START SLAVE IO_THREAD (takeover.rejoin): a replica IO thread that
--                             stopped on error 1236 or a connection error after a failover is
--                             restarted, a bounded number of times. Never STOP SLAVE, never the
--                             SQL thread, never CHANGE MASTER or gtid_slave_pos. Without it: error
--                             1227, logged, and the thread stays stopped until someone starts it.
-- Needs none (measured): SELECT @@version, @@global.server_id, @@global.read_only,
-- @@global.gtid_binlog_pos / gtid_current_pos / gtid_slave_pos, @@global.rpl_semi_sync_*;
-- SHOW GLOBAL VARIABLES / SHOW GLOBAL STATUS (semi-sync); SELECT MASTER_GTID_WAIT(); SET SESSION
-- lock_wait_timeout / max_statement_time.
--
--   SELECT, INSERT, UPDATE ON dualmaster.term
--                             SELECT term, holder FROM dualmaster.term (every probe), and
--                             INSERT ... ON DUPLICATE KEY UPDATE term = GREATEST(term + 1, ...)
--                             at each takeover, which needs all three (it reads term: INSERT and
--                             UPDATE alone give error 1143). Every takeover writes a term above
--                             both servers' known terms into this one-row table, and replication
--                             carries it; after a partition the higher term names the node clients
--                             were sent to last, which keeps the role. Without it a heal falls back
--                             to GTIDs and VRRP priority (the daemon warns).
--
-- Not granted, because the daemon never uses them:
--   BINLOG MONITOR (REPLICATION CLIENT): the daemon reads @@gtid_binlog_pos, not SHOW MASTER STATUS.
--   RELOAD: no FLUSH TABLES WITH READ LOCK; a switchover sets read_only and kills client sessions.
--   SUPER: implies far more than the daemon needs.
--   SELECT ON mysql.global_priv: it would let the daemon find READ_ONLY ADMIN holders, but the
--     table holds every password hash. The fence kills all client sessions except replication
--     threads and its own instead, which needs no knowledge of who holds what.
--   Any data privilege: the daemon never reads or writes application tables; its one write is
--     its own term row, after read_only is OFF.
--
-- MariaDB 11.0.1 and later: SUPER no longer implies these privileges, the list above is already
-- complete.

CREATE USER IF NOT EXISTS 'dualmaster'@'localhost' IDENTIFIED BY '{{DM_PASSWORD}}';
CREATE USER IF NOT EXISTS 'dualmaster'@'{{DM_NETWORK}}' IDENTIFIED BY '{{DM_PASSWORD}}';

GRANT REPLICA MONITOR, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, REPLICATION MASTER ADMIN,
   REPLICATION SLAVE ADMIN ON *.* TO 'dualmaster'@'localhost';
GRANT REPLICA MONITOR, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, REPLICATION MASTER ADMIN,
   REPLICATION SLAVE ADMIN ON *.* TO 'dualmaster'@'{{DM_NETWORK}}';

-- The takeover term (one row, written by the daemon at each takeover, replicated to the peer).
CREATE DATABASE IF NOT EXISTS dualmaster;
CREATE TABLE IF NOT EXISTS dualmaster.term (
  id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  term BIGINT NOT NULL,
  holder VARCHAR(64) NOT NULL,
  since TIMESTAMP(6) NOT NULL
) ENGINE=InnoDB;
GRANT SELECT, INSERT, UPDATE ON dualmaster.term TO 'dualmaster'@'localhost';
GRANT SELECT, INSERT, UPDATE ON dualmaster.term TO 'dualmaster'@'{{DM_NETWORK}}';
