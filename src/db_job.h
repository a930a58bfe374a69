/* Jobs for the MySQL workers and their results: plain data shared by the workers and the pure core. */
#ifndef DM_DB_JOB_H
#define DM_DB_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "db_err.h"
#include "db_state.h"
#include "lease.h"

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
	DB_JOB_TERM,         /* write the takeover term row: term = max(term + 1, job.term), holder = job.holder */
	DB_JOB_START_IO,     /* START SLAVE IO_THREAD / START REPLICA IO_THREAD (rejoin; never the SQL thread) */
	DB_JOB_LEASE,        /* witness: job.lease_op on the lease row job.cluster of job.table (lease.h);
			      * no probe is read back after it (the witness is no replication server) */
};

struct db_job {
	enum db_job_type type;
	uint64_t id;             /* echoed in the result; the caller drops results of stale ids */
	int timeout_ms;          /* statement-level bound for waits (CATCHUP, GTID_WAIT) */
	bool kill_clients;       /* SET_READONLY */
	bool kill_first;         /* SET_READONLY: kill before read_only too (a node cut off: its clients
				  * cannot be answered, and a commit waiting for a semi-sync ack that cannot
				  * come holds read_only until its session is killed) */
	bool kill_only_if_changed; /* SET_READONLY: kill only if the server was writable (start-up) */
	bool on;                 /* SEMISYNC */
	int64_t term;            /* TERM: at least this */
	char holder[64];         /* TERM, LEASE: our node_name */
	enum lease_op lease_op;  /* LEASE */
	int lease_ms;            /* LEASE ACQUIRE: the lease granted */
	bool lease_renew;        /* LEASE ACQUIRE: we hold it now, so our own unexpired row may be renewed;
				  * otherwise only an expired row is taken (a restarted or resigned node
				  * never picks up a lease it no longer counts on) */
	char table[132];         /* LEASE: schema.table, checked by conf_check (plain identifiers) */
	char cluster[64];        /* LEASE: the row's key */
	const char *gtid;        /* GTID_WAIT target, in the server's own form, any length; the caller's
				  * memory, copied by db_worker_submit. MariaDB waits on gtid_slave_pos,
				  * so a domain absent there waits out the timeout */
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
	enum db_err err;         /* what the failure says about the server (db_err.h), NONE when rc == 0 */
	unsigned err_no;         /* the MySQL/Connector/C error number behind it, 0 when none */
	int killed;              /* sessions killed (FENCE, SET_READONLY, KILL_CLIENTS) */
	struct lease_reading lease; /* LEASE: the row after the job (answered false: no answer) */
	struct db_state state;   /* PROBE: the snapshot; others: a full probe read back after the job (also
				  * after a failed one, unless the connection failed); after -ECANCELED
				  * nothing is read (reachable false): drop cancelled results */
};

const char *db_job_name(enum db_job_type t);

#endif
