-- The account dualmasterd uses on MySQL 8.0 / 8.4, least privileges.
-- (Written from the MySQL 8.4 reference manual; the test scene runs MariaDB only, so this file
-- is not exercised by the integration tests.)
--
-- Placeholders, replace before running:
--   {{DM_PASSWORD}}  the password; the same string goes in dualmasterd's password_file (0600)
--   {{DM_NETWORK}}   where the peer node connects from: '192.0.2.12' or '192.0.2.%'
-- Example:
--   sed -e 's/{{DM_PASSWORD}}/s3cret/' -e 's/{{DM_NETWORK}}/192.0.2.%/' monitor-user-mysql8.sql | mysql
--
-- Run once on one node while replication runs (it replicates), or on each node; idempotent.
-- 'localhost' is the unix-socket account for the local daemon, the other one is for the peer's.
--
-- Authentication: caching_sha2_password (the default). Over TCP without TLS, Connector/C asks
-- the server for its RSA public key to send the password, so either require TLS for the peer
-- connection or accept that key exchange. 8.4 no longer enables mysql_native_password by default.
--
-- What each privilege is for: every statement dualmasterd sends (src/mysql_conn.c, mysql_probe.c,
-- mysql_jobs.c) and the privilege the MySQL 8.0 / 8.4 reference manual names for it. Not measured
-- here: the test scene runs MariaDB (its twin, monitor-user-mariadb.sql, is measured and tested).
--   REPLICATION CLIENT      SHOW REPLICA STATUS (SHOW SLAVE STATUS before 8.0.22): probe, catch-up
--   SYSTEM_VARIABLES_ADMIN  SET GLOBAL super_read_only = ON (fence, step down), SET GLOBAL
--                           super_read_only = OFF and read_only = OFF (write-enable), and
--                           SET GLOBAL rpl_semi_sync_source_enabled (or _master_) (manage_semisync)
--   CONNECTION_ADMIN        KILL CONNECTION of other users' sessions when fencing and stepping down,
--                           and the connection kept beyond max_connections for such accounts
--                           (error 1040 never locks the daemon out). Sessions of accounts with
--                           SYSTEM_USER (root has it) cannot be killed without SYSTEM_USER too;
--                           super_read_only stops their writes anyway, so it is not granted.
--   PROCESS                 see every session in information_schema.PROCESSLIST, to pick the ones to
--                           kill (without it only the daemon's own sessions show, nothing is killed)
--   SELECT, INSERT, UPDATE ON dualmaster.term
--                           SELECT term, holder (every probe) and INSERT ... ON DUPLICATE KEY UPDATE
--                           term = GREATEST(term + 1, ...) at each takeover (after read_only OFF;
--                           it reads term, hence SELECT too), replicated; a heal after a partition
--                           keeps the node whose server holds the higher term. Without it heals
--                           fall back to GTIDs and priority.
-- Needs none: SELECT @@version, @@global.server_id, @@global.read_only, @@global.super_read_only,
-- @@global.gtid_executed, @@global.rpl_semi_sync_*; SHOW GLOBAL VARIABLES / SHOW GLOBAL STATUS;
-- SELECT WAIT_FOR_EXECUTED_GTID_SET(); SET SESSION lock_wait_timeout / max_execution_time.
-- REPLICATION_SLAVE_ADMIN: START REPLICA IO_THREAD (takeover.rejoin: a replica IO thread stopped
-- on error 1236 or a connection error after a failover, restarted a bounded number of times; never
-- STOP REPLICA, the SQL thread or CHANGE REPLICATION SOURCE). Without it: error 1227, logged.
-- Not granted, because the daemon never uses them: RELOAD (no FLUSH TABLES WITH READ LOCK),
-- SELECT ON performance_schema.* (replica state comes from SHOW REPLICA STATUS), SUPER, any data privilege.
-- Note: CONNECTION_ADMIN also lets this account write through read_only (not through
-- super_read_only); the daemon's only write is its term row, after both are OFF.
-- An account made with an older version of this file keeps what that one granted; to trim it:
--   REVOKE RELOAD ON *.* FROM 'dualmaster'@'localhost';
--   REVOKE SELECT ON performance_schema.* FROM 'dualmaster'@'localhost';
-- (and the same for the {{DM_NETWORK}} account).

CREATE USER IF NOT EXISTS 'dualmaster'@'localhost' IDENTIFIED BY '{{DM_PASSWORD}}';
CREATE USER IF NOT EXISTS 'dualmaster'@'{{DM_NETWORK}}' IDENTIFIED BY '{{DM_PASSWORD}}';

GRANT REPLICATION CLIENT, PROCESS ON *.* TO 'dualmaster'@'localhost';
GRANT SYSTEM_VARIABLES_ADMIN, CONNECTION_ADMIN, REPLICATION_SLAVE_ADMIN ON *.* TO 'dualmaster'@'localhost';

GRANT REPLICATION CLIENT, PROCESS ON *.* TO 'dualmaster'@'{{DM_NETWORK}}';
GRANT SYSTEM_VARIABLES_ADMIN, CONNECTION_ADMIN, REPLICATION_SLAVE_ADMIN ON *.* TO 'dualmaster'@'{{DM_NETWORK}}';

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
