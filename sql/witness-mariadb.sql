-- The witness's lease table and its least-privilege account, for MariaDB 10.5 and later (tested
-- with 10.11). Run it on the third server both nodes reach (README "A witness").
--
-- Placeholders, replace before running (the test scene does it with sed):
--   {{WITNESS_PASSWORD}}  the password; put the same string in the file named by the witness
--                         section's password_file (mode 0600), or in the systemd credential.
--   {{DM_NETWORK}}        where the two nodes connect from, e.g. '192.0.2.%' (addresses only).
-- Example:
--   sed -e 's/{{WITNESS_PASSWORD}}/s3cret/' -e 's/{{DM_NETWORK}}/192.0.2.%/' witness-mariadb.sql | mariadb
--
-- One row per cluster (the witness section's cluster, default 'vrrp-<vrid>'), created by the
-- daemon on first use. The witness's own clock decides when a lease ends: expires is computed by
-- NOW(6) in the daemon's statements (session time zone UTC), so keep this server's clock slewed by
-- NTP, never stepped forward. It needs no binlog and no replication; it may be a replica or a busy
-- application server (two small statements a second per node).
--
-- The statements the daemon sends (src/mysql_jobs.c), all on this one table, hence the grants:
--   INSERT IGNORE INTO dualmaster.lease (cluster) VALUES (...)           once per connection
--   UPDATE dualmaster.lease SET term = IF(holder = me, term, term + 1), holder = me,
--          expires = NOW(6) + INTERVAL lease MICROSECOND
--          WHERE cluster = ... AND ((holder = me AND <we hold it>) OR expires < NOW(6))   acquire, renew
--   UPDATE dualmaster.lease SET expires = NOW(6) - INTERVAL 1 MICROSECOND
--          WHERE cluster = ... AND holder = me                            release after a step-down
--   SELECT holder, term, TIMESTAMPDIFF(MICROSECOND, NOW(6), expires) FROM dualmaster.lease ...
-- Idempotent.
CREATE DATABASE IF NOT EXISTS dualmaster;
CREATE TABLE IF NOT EXISTS dualmaster.lease (
  cluster VARCHAR(64) NOT NULL PRIMARY KEY,
  holder  VARCHAR(64) NOT NULL DEFAULT '',
  term    BIGINT UNSIGNED NOT NULL DEFAULT 0,
  expires DATETIME(6) NOT NULL DEFAULT '2000-01-01 00:00:00'
) ENGINE=InnoDB;
CREATE USER IF NOT EXISTS 'dualmaster_witness'@'{{DM_NETWORK}}' IDENTIFIED BY '{{WITNESS_PASSWORD}}';
GRANT SELECT, INSERT, UPDATE ON dualmaster.lease TO 'dualmaster_witness'@'{{DM_NETWORK}}';
