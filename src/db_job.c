/* Names of the worker jobs, for logs and status. */
#include "db_job.h"

static const char *const job_names[] = {
	[DB_JOB_PROBE] = "probe",
	[DB_JOB_FENCE] = "fence",
	[DB_JOB_SET_READONLY] = "set-readonly",
	[DB_JOB_SET_WRITABLE] = "set-writable",
	[DB_JOB_CATCHUP] = "catchup",
	[DB_JOB_SEMISYNC] = "semisync",
	[DB_JOB_KILL_CLIENTS] = "kill-clients",
	[DB_JOB_GTID_WAIT] = "gtid-wait",
	[DB_JOB_TERM] = "term",
	[DB_JOB_START_IO] = "start-io-thread",
	[DB_JOB_LEASE] = "lease",
};

const char *db_job_name(enum db_job_type t)
{
	if ((unsigned)t >= sizeof(job_names) / sizeof(job_names[0]) || !job_names[t])
		return "?";
	return job_names[t];
}
