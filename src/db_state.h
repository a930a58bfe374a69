/* What one probe of a MySQL/MariaDB server found: plain data shared by probe, policy, failover, status. */
#ifndef DM_DB_STATE_H
#define DM_DB_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "db_err.h"

#define DB_ERR_LEN 256

enum db_flavor { DB_FLAVOR_UNKNOWN = 0, DB_FLAVOR_MARIADB, DB_FLAVOR_MYSQL };

/* Anything but YES means the replica is not receiving. */
enum repl_io { REPL_IO_NONE = 0 /* no replication configured */, REPL_IO_NO, REPL_IO_CONNECTING, REPL_IO_YES };

/* SHOW REPLICA/SLAVE STATUS mapped to one vocabulary (repl_status.c). */
struct repl_status {
	bool configured;            /* a row was returned */
	enum repl_io io;
	bool sql_running;
	int64_t lag_s;              /* Seconds_Behind_Master/_Source; -1 = NULL (unknown, not zero) */
	int last_io_errno;
	char last_io_error[DB_ERR_LEN];
	int last_sql_errno;
	char last_sql_error[DB_ERR_LEN];
	char master_host[64];
	unsigned master_port;
	char master_log_file[128];  /* Master_Log_File / Source_Log_File */
	uint64_t read_pos;          /* Read_Master_Log_Pos */
	char relay_master_log_file[128];
	uint64_t exec_pos;          /* Exec_Master_Log_Pos */
	uint64_t relay_log_space;
	char using_gtid[16];        /* MariaDB Using_Gtid: No / Slave_Pos / Current_Pos */
	/* GTID texts of any length, without MySQL's newlines; heap-owned, NULL = empty (db_text()). */
	char *gtid_io_pos;          /* MariaDB Gtid_IO_Pos, MySQL Retrieved_Gtid_Set */
	char *executed_gtid_set;    /* MySQL only */
};

/* Semi-sync, master (source) and slave (replica) sides; -1 = variable absent (plugin not loaded). */
struct semisync_state {
	int master_enabled;
	int master_status;          /* Rpl_semi_sync_master_status: OFF after a timeout fallback */
	int slave_enabled;
	int slave_status;
	int master_clients;
	long master_timeout_ms;
	char wait_point[16];        /* AFTER_SYNC / AFTER_COMMIT */
	bool new_names;             /* MySQL 8.0.26+ source/replica names */
};

/* The takeover term kept in the server (dualmaster.term, one row that replication carries): every
 * takeover writes a term above both servers' last known ones, so after a partition the higher term
 * names the node clients were sent to last. */
struct db_term {
	bool known;                 /* the row was read; false: no table, no row, or not probed */
	int64_t term;
	char holder[64];            /* node_name of the daemon that wrote it */
};

struct db_state {
	bool reachable;
	char error[DB_ERR_LEN];     /* why not reachable or why the probe failed */
	enum db_err err;            /* the class of that failure (DB_ERR_NONE when reachable) */
	unsigned err_no;            /* the server's or client's error number behind it, 0 none */
	int64_t latency_us;         /* whole probe round */
	enum db_flavor flavor;
	char version[64];
	unsigned long version_num;  /* mysql_get_server_version: 100611 = 10.6.11 */
	long server_id;
	int read_only;              /* 0/1; MariaDB 12 enum values other than OFF count as 1 */
	int super_read_only;        /* -1 = not on this server (MariaDB) */
	struct repl_status repl;
	struct semisync_state semisync;
	/* GTID texts of any length, heap-owned, NULL = empty. MariaDB: */
	char *gtid_binlog_pos;
	char *gtid_current_pos;
	char *gtid_slave_pos;
	/* MySQL: */
	char *gtid_executed;
	int client_connections;     /* sessions that are not replication, system or ours */
	int daemon_sessions;        /* our account's sessions from the server's own host (its node's
				     * daemon); -1 unknown */
	struct db_term term;
};

/* A GTID field as text: "" for NULL. */
static inline const char *db_text(const char *s)
{
	return s ? s : "";
}

/* Copies src into dst (dst's old contents released, the GTID texts duplicated). Use these, never
 * plain assignment, between pictures that live on: a picture owns its GTID texts. A plain copy
 * is a borrowed view, valid while the original lives (status formatting). On allocation failure
 * a text is left empty. */
void db_state_copy(struct db_state *dst, const struct db_state *src);
/* Releases what st owns; st stays a valid, empty picture. */
void db_state_free(struct db_state *st);
void db_repl_free(struct repl_status *r);

#endif
