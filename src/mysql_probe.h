/* MySQL/MariaDB I/O through Connector/C on a worker thread per connection, so the loop never blocks. */
#ifndef DM_MYSQL_PROBE_H
#define DM_MYSQL_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "db_state.h"

/* One worker = one thread + one connection (reused; reconnected after an error; MYSQL_OPT_RECONNECT
 * off, session settings re-applied). A daemon has four: probe and command workers for the local
 * and the peer server, so a long command (catch-up wait) never delays probes and a hung probe
 * never delays a fence. */
struct db_worker;

enum db_job_type {
	DB_JOB_PROBE,        /* fill a db_state snapshot */
	DB_JOB_FENCE,        /* lock_wait_timeout short; super_read_only/read_only ON; verify; kill clients */
	DB_JOB_SET_READONLY, /* as FENCE; kill clients only if job.kill_clients */
	DB_JOB_SET_WRITABLE, /* read_only OFF (super_read_only first on MySQL); verify both read back 0 */
	DB_JOB_CATCHUP,      /* wait until the SQL thread applied what the IO thread received, bounded */
	DB_JOB_SEMISYNC,     /* set the semi-sync master (source) side on/off, whichever names exist */
	DB_JOB_KILL_CLIENTS, /* kill sessions that are not replication, system, event scheduler or ours
			      * (this session and every session of the daemon's own account) */
	DB_JOB_GTID_WAIT,    /* wait until this server has applied job.gtid (MASTER_GTID_WAIT / WAIT_FOR_EXECUTED_GTID_SET) */
};

struct db_job {
	enum db_job_type type;
	uint64_t id;             /* echoed in the result; the caller drops results of stale ids */
	int timeout_ms;          /* statement-level bound for waits (CATCHUP, GTID_WAIT) */
	bool kill_clients;       /* SET_READONLY */
	bool on;                 /* SEMISYNC */
	char gtid[DB_GTID_LEN];  /* GTID_WAIT target, in the server's own form; MariaDB waits on
				  * gtid_slave_pos, so a domain absent there waits out the timeout */
};

struct db_result {
	uint64_t id;
	enum db_job_type type;
	int rc;                  /* 0 ok, -ETIMEDOUT wait expired, other negative errno-style failure:
				  * -ECANCELED cancelled, -ENOENT nothing to act on (no replication for
				  * CATCHUP, no semi-sync variables for SEMISYNC), -EPIPE replication
				  * broken (CATCHUP), -EIO a setting did not read back as asked,
				  * -EACCES/-EPERM privileges, -ECONNREFUSED/-ECONNRESET/-EHOSTUNREACH */
	char error[DB_ERR_LEN];  /* human reason when rc != 0 */
	int killed;              /* sessions killed (FENCE, SET_READONLY, KILL_CLIENTS) */
	struct db_state state;   /* PROBE: the snapshot; others: a full probe read back after the job (also
				  * after a failed one, unless the connection failed); after -ECANCELED
				  * nothing is read (reachable false): drop cancelled results */
};

/* timeout_ms bounds connect, read and write (Connector/C takes whole seconds: rounded up); the server
 * is also asked to end any statement 250 ms before that (MariaDB max_statement_time, MySQL
 * max_execution_time) and to wait at most 1-2 s for locks. Waits longer than that (CATCHUP,
 * GTID_WAIT) run in slices. Copies m (password included; wiped on free). name is for logs ("local",
 * "peer"). Does not connect yet. Returns NULL on allocation, eventfd or thread creation failure. */
struct db_worker *db_worker_new(const char *name, const struct conf_mysql *m, int timeout_ms);
/* Which replication connection/channel PROBE and CATCHUP follow when the server has several: the row
 * whose Master_Host/Source_Host is host (and port, unless 0). Default (host NULL or ""): the unnamed
 * connection, else the first row. Call before submitting jobs (not synchronised with a running one). */
void db_worker_set_repl_source(struct db_worker *w, const char *host, unsigned port);
/* Readable (eventfd) when a result is ready; the loop then calls db_worker_collect. */
int db_worker_fd(const struct db_worker *w);
/* Queues job; -EBUSY while the previous job has not been collected (one in flight). */
int db_worker_submit(struct db_worker *w, const struct db_job *job);
bool db_worker_busy(const struct db_worker *w);
/* Takes the finished result: 0, or -EAGAIN when none is ready. */
int db_worker_collect(struct db_worker *w, struct db_result *out);
/* Counts the server's answers (completed connects and statements) on this worker, from any thread.
 * A job during which it does not move has heard nothing from the server: the fence uses that to
 * tell an unreachable peer (give up soon) from a slow one (wait the full bound). */
uint64_t db_worker_answers(const struct db_worker *w);
/* Asks a running job to stop early (closes its socket); the result still arrives. */
void db_worker_cancel(struct db_worker *w);
/* Stops the thread (cancelling any job) and frees. mysql_library_end() stays the program's, at exit. */
void db_worker_free(struct db_worker *w);

const char *db_job_name(enum db_job_type t);

#endif
