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
-- What each privilege is for:
--   REPLICATION CLIENT      SHOW REPLICA STATUS, SHOW BINARY LOG STATUS / SHOW MASTER STATUS
--   SYSTEM_VARIABLES_ADMIN  SET GLOBAL super_read_only / read_only (fence, promote, step down)
--                           and SET GLOBAL rpl_semi_sync_source_enabled (manage_semisync)
--   CONNECTION_ADMIN        KILL other users' sessions when fencing, and the connection kept
--                           beyond max_connections for such accounts (error 1040 never locks the
--                           daemon out). Sessions of accounts with
--                           SYSTEM_USER (root has it) cannot be killed without SYSTEM_USER too;
--                           super_read_only stops their writes anyway, so it is not granted.
--   PROCESS                 see every session, to pick the ones to kill
--   RELOAD                  FLUSH TABLES WITH READ LOCK during a controlled switchover
--   REPLICATION_SLAVE_ADMIN STOP/START REPLICA
--   SELECT ON performance_schema.*  the replication_* tables (applier and receiver state)
--   SELECT, INSERT, UPDATE ON dualmaster.term
--                           the takeover term row, written at each takeover (after read_only OFF)
--                           and replicated; a heal after a partition keeps the node whose server
--                           holds the higher term. Without it heals fall back to GTIDs and priority.
-- Needs none: WAIT_FOR_EXECUTED_GTID_SET(), GTID_SUBTRACT(), @@gtid_executed, SHOW GLOBAL STATUS.
-- Note: CONNECTION_ADMIN also lets this account write through read_only (not through
-- super_read_only); the daemon never writes and holds no data privilege.

CREATE USER IF NOT EXISTS 'dualmaster'@'localhost' IDENTIFIED BY '{{DM_PASSWORD}}';
CREATE USER IF NOT EXISTS 'dualmaster'@'{{DM_NETWORK}}' IDENTIFIED BY '{{DM_PASSWORD}}';

GRANT REPLICATION CLIENT, PROCESS, RELOAD ON *.* TO 'dualmaster'@'localhost';
GRANT SYSTEM_VARIABLES_ADMIN, CONNECTION_ADMIN, REPLICATION_SLAVE_ADMIN ON *.* TO 'dualmaster'@'localhost';
GRANT SELECT ON performance_schema.* TO 'dualmaster'@'localhost';

GRANT REPLICATION CLIENT, PROCESS, RELOAD ON *.* TO 'dualmaster'@'{{DM_NETWORK}}';
GRANT SYSTEM_VARIABLES_ADMIN, CONNECTION_ADMIN, REPLICATION_SLAVE_ADMIN ON *.* TO 'dualmaster'@'{{DM_NETWORK}}';
GRANT SELECT ON performance_schema.* TO 'dualmaster'@'{{DM_NETWORK}}';

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
