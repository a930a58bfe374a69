/* Internals shared by the worker (mysql_probe.c) and its command jobs (mysql_jobs.c); not a public API. */
#ifndef DM_MYSQL_INT_H
#define DM_MYSQL_INT_H

#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "db_state.h"
#include "mysql_probe.h"

enum db_worker_phase { DBW_IDLE, DBW_QUEUED, DBW_RUNNING, DBW_DONE };

struct db_worker {
	char name[32];
	struct conf_mysql conf;
	int rw_ms;               /* Connector/C timeouts: timeout_ms rounded up to whole seconds */
	char repl_host[64];      /* preferred replication row (db_worker_set_repl_source), "" = default */
	unsigned repl_port;
	int efd;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* Under mu. */
	enum db_worker_phase phase;
	bool stop;
	int sock;                /* socket of the open connection or -1: shutdown() target of cancel */
	struct db_job job;
	char *job_gtid;          /* the worker's copy of job.gtid */
	struct db_result res;
	atomic_bool cancel;
	atomic_uint_fast64_t answers; /* server round trips completed (db_worker_answers) */
	/* Worker thread only. */
	MYSQL *h;
	bool fresh;              /* the connection was opened by the running job */
	bool stale_err;          /* last failure looked like a connection that died while idle */
	bool fail_unreachable;   /* last failure was the connection's, not an SQL error */
	int64_t call_start_us;
	enum db_flavor flavor;
	unsigned long version_num;
	char version[64];
	bool no_replica_kw;      /* server rejected SHOW REPLICA STATUS: use the SLAVE keyword */
	bool no_term_table;      /* this connection found no readable dualmaster.term: not asked again */
	bool warned_term_table;  /* said so once in this worker's life */
	int repl_rows_seen;
	struct db_result scratch; /* state read back after a command job */
};

/* Opens the connection (timeouts, no reconnect, multi-statements) and applies session bounds;
 * 0 or -errno with r->error set. dbw_conn_close forgets the socket for cancel, then closes. */
int dbw_conn_open(struct db_worker *w, struct db_result *r);
/* A second connection to the same server with the same options (no session setup), for a statement
 * that must run while the worker's own connection waits; NULL when it cannot connect. The caller
 * closes it with mysql_close. Worker thread only. */
MYSQL *dbw_conn_aux(struct db_worker *w);
void dbw_conn_close(struct db_worker *w);
/* SHOW [ALL] REPLICA/SLAVE STATUS form this server takes; dbw_repl_from_result maps and frees one
 * such result (as dbw_repl_fetch). */
const char *dbw_repl_sql(const struct db_worker *w);
int dbw_repl_from_result(struct db_worker *w, struct db_result *r, MYSQL_RES *res, struct repl_status *rs,
			 char **raw_gtid);
/* Monotonic clock in microseconds (worker threads only; the loop gets its time from sd-event). */
int64_t dbw_now_us(void);
/* Runs sql; *res receives the stored result set (NULL when the statement has none). Returns 0 or the
 * server/client error number (> 0); the connection stays open. */
unsigned dbw_query(struct db_worker *w, const char *sql, MYSQL_RES **res);
/* Records why the job failed in r->error ("what: [errno] message"), closes the connection when the
 * error is not a plain SQL error and returns the negative errno for r->rc. */
int dbw_fail(struct db_worker *w, struct db_result *r, const char *what, unsigned err);
/* r->error = text, returns rc (no connection change). */
int dbw_fail_msg(struct db_result *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* One-value query, the value whole: *out a heap copy ("" for NULL or no row; NULL when memory ran
 * out). Returns 0 or the error number (then *out stays NULL). */
unsigned dbw_query_text(struct db_worker *w, const char *sql, char **out);
/* One-value query: copies the first column of the first row ("" when NULL or no row) into buf;
 * *is_null set when given. Returns 0 or the error number. */
unsigned dbw_query_value(struct db_worker *w, const char *sql, char *buf, size_t len, bool *is_null);
/* The replication row this worker follows (see mysql_probe.c): fills *rs (configured false when there
 * is none) and, when raw_gtid is given, a malloc'ed copy of the full Gtid_IO_Pos/Retrieved_Gtid_Set
 * without newlines (caller frees). Returns 0 or -errno with r->error set. */
int dbw_repl_fetch(struct db_worker *w, struct db_result *r, struct repl_status *rs, char **raw_gtid);
/* The shared client-session filter (WHERE body) for PROCESSLIST: not ours, not replication (either
 * direction), not system or event scheduler threads, not the daemon's own account. */
int dbw_client_filter(struct db_worker *w, char *buf, size_t len);
/* Sleeps ms unless the job is cancelled first; returns false when cancelled. */
bool dbw_pause(struct db_worker *w, int ms);
bool dbw_cancelled(struct db_worker *w);

/* The takeover term row (dualmaster.term): the probe's statement, its result, and whether err means
 * the table is missing or unreadable (then remembered for this connection, warned about once). */
#define DBW_TERM_SELECT "SELECT term, holder FROM dualmaster.term WHERE id = 1"
void dbw_term_from_result(MYSQL_RES *res, struct db_term *t);
bool dbw_term_missing(struct db_worker *w, unsigned err);

/* Command jobs (mysql_jobs.c); each returns r->rc. */
int dbw_job_set_readonly(struct db_worker *w, const struct db_job *job, struct db_result *r);
int dbw_job_set_writable(struct db_worker *w, struct db_result *r);
int dbw_job_kill_clients(struct db_worker *w, struct db_result *r);
int dbw_job_catchup(struct db_worker *w, const struct db_job *job, struct db_result *r);
int dbw_job_gtid_wait(struct db_worker *w, const struct db_job *job, struct db_result *r);
int dbw_job_semisync(struct db_worker *w, const struct db_job *job, struct db_result *r);
int dbw_job_term(struct db_worker *w, const struct db_job *job, struct db_result *r);
int dbw_job_start_io(struct db_worker *w, struct db_result *r);
int dbw_job_lease(struct db_worker *w, const struct db_job *job, struct db_result *r);

#endif
