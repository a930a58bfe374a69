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
-- It is idempotent. Two accounts with the same grants: the local daemon connects over the unix
-- socket, which is always 'localhost'; the peer's daemon connects over TCP from its address.
--
-- What each privilege is for (MariaDB 10.5.9+ names; before 10.5.9 REPLICA MONITOR did not exist
-- and SHOW SLAVE STATUS needed REPLICATION SLAVE ADMIN):
--   REPLICA MONITOR           SHOW ALL SLAVES STATUS (IO/SQL threads, errors, Gtid_IO_Pos)
--   BINLOG MONITOR            SHOW MASTER STATUS, SHOW BINLOG STATUS (the old REPLICATION CLIENT)
--   READ_ONLY ADMIN           SET GLOBAL read_only = ON / OFF (fence, promote, step down)
--   CONNECTION ADMIN          KILL [SOFT] CONNECTION of other users' sessions when fencing; also
--                             the connection the server keeps beyond max_connections for such
--                             accounts: error 1040 (too many connections) never locks the daemon
--                             out of a server the applications have filled up
--   PROCESS                   see every session in information_schema.PROCESSLIST, to pick
--                             the ones to kill and to spot "Waiting for global read lock"
--   RELOAD                    FLUSH TABLES WITH READ LOCK during a controlled switchover
--   REPLICATION SLAVE ADMIN   STOP/START SLAVE, SET GLOBAL gtid_slave_pos,
--                             SET GLOBAL rpl_semi_sync_slave_enabled
--   REPLICATION MASTER ADMIN  SET GLOBAL rpl_semi_sync_master_enabled (takeover.manage_semisync);
--                             measured on 10.11: without it the server answers error 1227
--                             "you need SUPER, REPLICATION MASTER ADMIN"
-- Needs none: MASTER_GTID_WAIT(), @@gtid_*_pos, @@read_only, SHOW GLOBAL STATUS (semi-sync),
-- SET SESSION lock_wait_timeout / max_statement_time.
--
--   SELECT, INSERT, UPDATE ON dualmaster.term
--                             the takeover term: every takeover writes a term above both servers'
--                             known terms into this one-row table, and replication carries it;
--                             after a partition the higher term names the node clients were sent
--                             to last, which keeps the role. Without it a heal falls back to GTIDs
--                             and VRRP priority (the daemon warns).
--
-- Not granted on purpose:
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

GRANT REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD,
      REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN
   ON *.* TO 'dualmaster'@'localhost';
GRANT REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, CONNECTION ADMIN, PROCESS, RELOAD,
      REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN
   ON *.* TO 'dualmaster'@'{{DM_NETWORK}}';

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
