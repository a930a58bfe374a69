/* MySQL/MariaDB worker: one thread and one Connector/C connection each, results posted on an eventfd. */
#include "mysql_probe.h"

#include <errmsg.h>
#include <errno.h>
#include <mysqld_error.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mysql_int.h"
#include "repl_status.h"

/* rpl_semi_sync_<side>_<what>, both vocabularies (notes §6). */
static void semisync_set(struct semisync_state *s, const char *name, const char *value)
{
	static const struct {
		const char *old_name, *new_name;
	} names[] = {
		{ "master_enabled", "source_enabled" }, { "slave_enabled", "replica_enabled" },
		{ "master_timeout", "source_timeout" }, { "master_wait_point", "source_wait_point" },
		{ "master_status", "source_status" },   { "slave_status", "replica_status" },
		{ "master_clients", "source_clients" },
	};
	const char *p = "rpl_semi_sync_";
	size_t k;

	if (strncasecmp(name, p, strlen(p)) != 0 || !value)
		return;
	name += strlen(p);
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcasecmp(name, names[k].new_name) == 0)
			s->new_names = true;
		else if (strcasecmp(name, names[k].old_name) != 0)
			continue;
		break;
	}
	switch (k) {
	case 0: s->master_enabled = repl_bool_parse(value); break;
	case 1: s->slave_enabled = repl_bool_parse(value); break;
	case 2: s->master_timeout_ms = strtol(value, NULL, 10); break;
	case 3: snprintf(s->wait_point, sizeof(s->wait_point), "%s", value); break;
	case 4: s->master_status = repl_bool_parse(value); break;
	case 5: s->slave_status = repl_bool_parse(value); break;
	case 6: s->master_clients = (int)strtol(value, NULL, 10); break;
	default: break;
	}
}

static void probe_vars_row(struct db_worker *w, struct db_state *st, MYSQL_ROW v)
{
	/* Column order is fixed by probe_sql(). */
	snprintf(st->version, sizeof(st->version), "%s", v[0] ? v[0] : w->version);
	st->server_id = v[1] ? strtol(v[1], NULL, 10) : -1;
	st->read_only = repl_bool_parse(v[2]);
	if (w->flavor == DB_FLAVOR_MARIADB) {
		st->gtid_binlog_pos = repl_gtid_dup(v[3]);
		st->gtid_current_pos = repl_gtid_dup(v[4]);
		st->gtid_slave_pos = repl_gtid_dup(v[5]);
	} else {
		st->super_read_only = repl_bool_parse(v[3]);
		st->gtid_executed = repl_gtid_dup(v[4]);
	}
}

static int probe_sql(struct db_worker *w, char *buf, size_t len)
{
	char filter[768], user[2 * CONF_STR + 1];
	int n;

	if (dbw_client_filter(w, filter, sizeof(filter)))
		return -ENOSPC;
	mysql_real_escape_string(w->h, user, w->conf.user, strlen(w->conf.user));
	/* One round trip: the statement that may be refused (SHOW REPLICA on MySQL < 8.0.22) comes
	 * last, so an error there loses nothing before it. */
	n = snprintf(buf, len,
		     "%s;"
		     "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('rpl_semi_sync_master_enabled',"
		     " 'rpl_semi_sync_slave_enabled', 'rpl_semi_sync_master_timeout',"
		     " 'rpl_semi_sync_master_wait_point', 'rpl_semi_sync_source_enabled',"
		     " 'rpl_semi_sync_replica_enabled', 'rpl_semi_sync_source_timeout',"
		     " 'rpl_semi_sync_source_wait_point');"
		     "SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status',"
		     " 'Rpl_semi_sync_slave_status', 'Rpl_semi_sync_master_clients',"
		     " 'Rpl_semi_sync_source_status', 'Rpl_semi_sync_replica_status',"
		     " 'Rpl_semi_sync_source_clients');"
		     "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE %s;"
		     /* Sessions of our account from the server's own host: the other node's daemon
		      * (a backup sends no adverts, so this is how its master sees it alive). */
		     "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '%s'"
		     " AND ID <> CONNECTION_ID() AND (HOST = 'localhost' OR HOST LIKE 'localhost:%%'"
		     " OR HOST LIKE '127.0.0.1:%%' OR HOST LIKE '::1:%%');"
		     "%s%s",
		     w->flavor == DB_FLAVOR_MARIADB
			     ? "SELECT @@version, @@global.server_id, @@global.read_only,"
			       " @@global.gtid_binlog_pos, @@global.gtid_current_pos, @@global.gtid_slave_pos"
			     : "SELECT @@version, @@global.server_id, @@global.read_only,"
			       " @@global.super_read_only, @@global.gtid_executed",
		     filter, user, dbw_repl_sql(w), w->no_term_table ? "" : ";" DBW_TERM_SELECT);
	return n > 0 && (size_t)n < len ? 0 : -ENOSPC;
}

enum { PQ_VARS, PQ_SEMI_VARS, PQ_SEMI_STATUS, PQ_CLIENTS, PQ_DAEMON, PQ_REPL, PQ_TERM };

static int probe_result(struct db_worker *w, struct db_result *r, int idx, MYSQL_RES *res)
{
	struct db_state *st = &r->state;
	MYSQL_ROW row;

	if (idx == PQ_REPL)
		return dbw_repl_from_result(w, r, res, &st->repl, NULL);
	if (idx == PQ_TERM) {
		dbw_term_from_result(res, &st->term);
		return 0;
	}
	if (!res)
		return dbw_fail_msg(r, -EIO, "probe: statement %d returned no rows", idx);
	while ((row = mysql_fetch_row(res))) {
		if (idx == PQ_VARS && mysql_num_fields(res) >= (w->flavor == DB_FLAVOR_MARIADB ? 6 : 5))
			probe_vars_row(w, st, row);
		else if ((idx == PQ_SEMI_VARS || idx == PQ_SEMI_STATUS) && row[0])
			semisync_set(&st->semisync, row[0], row[1]);
		else if (idx == PQ_CLIENTS && row[0])
			st->client_connections = (int)strtol(row[0], NULL, 10);
		else if (idx == PQ_DAEMON && row[0])
			st->daemon_sessions = (int)strtol(row[0], NULL, 10);
	}
	mysql_free_result(res);
	return 0;
}

/* Fills r->state from one batched round trip. */
static int probe_fill(struct db_worker *w, struct db_result *r)
{
	char sql[4096];
	int rc, more;

	r->state.reachable = true;
	r->state.flavor = w->flavor;
	r->state.version_num = w->version_num;
	snprintf(r->state.version, sizeof(r->state.version), "%s", w->version);
	if (probe_sql(w, sql, sizeof(sql)))
		return dbw_fail_msg(r, -ENOSPC, "probe: statement too long");
	w->call_start_us = dbw_now_us();
	if (dbw_cancelled(w))
		return dbw_fail(w, r, "probe", CR_SERVER_GONE_ERROR);
	if (mysql_real_query(w->h, sql, strlen(sql)) != 0)
		return dbw_fail(w, r, "probe", mysql_errno(w->h));
	for (int idx = 0;; idx++) {
		MYSQL_RES *res = mysql_store_result(w->h);

		if (!res && mysql_field_count(w->h) > 0)
			return dbw_fail(w, r, "probe", mysql_errno(w->h));
		if ((rc = probe_result(w, r, idx, res)) != 0) {
			dbw_conn_close(w); /* results of the batch may still be pending */
			return rc;
		}
		more = mysql_next_result(w->h);
		if (more < 0)
			return 0;
		if (more > 0) {
			unsigned err = mysql_errno(w->h);

			if (idx + 1 == PQ_REPL && err == ER_PARSE_ERROR && w->flavor == DB_FLAVOR_MYSQL &&
			    !w->no_replica_kw) {
				w->no_replica_kw = true;
				return dbw_repl_fetch(w, r, &r->state.repl, NULL);
			}
			/* The term table is optional: without it heals fall back to GTIDs and priority. */
			if (idx + 1 == PQ_TERM && dbw_term_missing(w, err))
				return 0;
			return dbw_fail(w, r, "probe", err);
		}
	}
}

static void state_defaults(struct db_state *st)
{
	memset(st, 0, sizeof(*st));
	st->read_only = -1;
	st->super_read_only = -1;
	st->server_id = -1;
	st->client_connections = -1;
	st->daemon_sessions = -1;
	st->repl.lag_s = -1;
	st->semisync = (struct semisync_state){ .master_enabled = -1, .master_status = -1, .slave_enabled = -1,
						.slave_status = -1, .master_clients = -1 };
	st->semisync.master_timeout_ms = -1;
}

static int run_dispatch(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	switch (job->type) {
	case DB_JOB_PROBE:
		return probe_fill(w, r);
	case DB_JOB_FENCE:
	case DB_JOB_SET_READONLY:
		return dbw_job_set_readonly(w, job, r);
	case DB_JOB_SET_WRITABLE:
		return dbw_job_set_writable(w, r);
	case DB_JOB_CATCHUP:
		return dbw_job_catchup(w, job, r);
	case DB_JOB_SEMISYNC:
		return dbw_job_semisync(w, job, r);
	case DB_JOB_KILL_CLIENTS:
		return dbw_job_kill_clients(w, r);
	case DB_JOB_GTID_WAIT:
		return dbw_job_gtid_wait(w, job, r);
	case DB_JOB_TERM:
		return dbw_job_term(w, job, r);
	case DB_JOB_START_IO:
		return dbw_job_start_io(w, r);
	case DB_JOB_LEASE:
		return dbw_job_lease(w, job, r);
	}
	return dbw_fail_msg(r, -EINVAL, "unknown job type %d", (int)job->type);
}

static void run_job(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	int64_t t0 = dbw_now_us();

	memset(r, 0, sizeof(*r));
	state_defaults(&r->state);
	r->id = job->id;
	r->type = job->type;
	for (int attempt = 0; attempt < 2; attempt++) {
		w->fresh = false;
		w->stale_err = false;
		w->fail_unreachable = false;
		r->error[0] = '\0';
		r->err = DB_ERR_NONE;
		r->err_no = 0;
		if (dbw_cancelled(w)) {
			r->rc = dbw_fail_msg(r, -ECANCELED, "%s: cancelled", db_job_name(job->type));
			break;
		}
		if (!w->h && (r->rc = dbw_conn_open(w, r)) != 0)
			break;
		r->rc = run_dispatch(w, job, r);
		/* Every job is idempotent, so one retry on a fresh connection is safe. */
		if (r->rc == 0 || !w->stale_err)
			break;
		log_debug(LOG_CAT_MYSQL, "%s: connection went away while idle, retrying", w->name);
	}
	if (job->type != DB_JOB_PROBE && job->type != DB_JOB_LEASE) {
		/* The caller verifies a command by the state read back after it, failed ones too (did
		 * read_only change?), unless the server just proved unresponsive. */
		state_defaults(&w->scratch.state);
		w->scratch.error[0] = '\0';
		w->scratch.err = DB_ERR_NONE;
		w->scratch.err_no = 0;
		if (!w->h && !w->fail_unreachable && r->rc != -ECANCELED)
			dbw_conn_open(w, &w->scratch);
		if (w->h && probe_fill(w, &w->scratch) == 0) {
			r->state = w->scratch.state; /* moved: r owns its texts now */
			memset(&w->scratch.state, 0, sizeof(w->scratch.state));
		} else if (db_state_free(&w->scratch.state), w->scratch.error[0]) {
			snprintf(r->state.error, sizeof(r->state.error), "%s", w->scratch.error);
			r->state.err = w->scratch.err;
			r->state.err_no = w->scratch.err_no;
		} else {
			snprintf(r->state.error, sizeof(r->state.error), "%s", r->error);
			r->state.err = r->err;
			r->state.err_no = r->err_no;
		}
	} else if (r->rc != 0) {
		db_state_free(&r->state); /* a half-read picture is no picture */
		snprintf(r->state.error, sizeof(r->state.error), "%s", r->error);
		r->state.err = r->err;
		r->state.err_no = r->err_no;
	}
	r->state.latency_us = dbw_now_us() - t0;
}

static void *worker_main(void *arg)
{
	struct db_worker *w = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && w->phase != DBW_QUEUED)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		w->phase = DBW_RUNNING;
		struct db_job job = w->job;
		pthread_mutex_unlock(&w->mu);
		/* res is ours while RUNNING: submit and collect only touch it in other phases. */
		run_job(w, &job, &w->res);
		pthread_mutex_lock(&w->mu);
		w->phase = DBW_DONE;
		/* Written under mu so collect's drain never misses it (no readable fd without a result). */
		if (write(w->efd, &one, sizeof(one)) != sizeof(one))
			log_warn("%s: eventfd write", w->name);
	}
	pthread_mutex_unlock(&w->mu);
	dbw_conn_close(w);
	return NULL;
}

struct db_worker *db_worker_new(const char *name, const struct conf_mysql *m, int timeout_ms)
{
	struct db_worker *w = calloc(1, sizeof(*w));
	sigset_t all, old;

	if (!w)
		return NULL;
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->conf = *m;
	w->rw_ms = timeout_ms > 0 ? (timeout_ms + 999) / 1000 * 1000 : 1000;
	w->sock = -1;
	w->phase = DBW_IDLE;
	atomic_init(&w->cancel, false);
	/* Connector/C initialises once per process (pthread_once); before any thread uses it. */
	if (mysql_library_init(0, NULL, NULL) != 0)
		goto fail;
	w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->efd < 0)
		goto fail;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* Signals belong to the loop (sd-event signal sources): the worker blocks them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		close(w->efd);
		goto fail;
	}
	return w;
fail:
	explicit_bzero(w->conf.password, sizeof(w->conf.password));
	free(w);
	return NULL;
}

void db_worker_set_repl_source(struct db_worker *w, const char *host, unsigned port)
{
	snprintf(w->repl_host, sizeof(w->repl_host), "%s", host ? host : "");
	w->repl_port = port;
}

uint64_t db_worker_answers(const struct db_worker *w)
{
	return atomic_load(&((struct db_worker *)w)->answers);
}

int db_worker_fd(const struct db_worker *w)
{
	return w->efd;
}

int db_worker_submit(struct db_worker *w, const struct db_job *job)
{
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	if (w->phase != DBW_IDLE) {
		rc = -EBUSY;
	} else {
		w->job = *job;
		/* The target text belongs to the caller: the worker keeps its own copy. */
		free(w->job_gtid);
		w->job_gtid = job->gtid ? strdup(job->gtid) : NULL;
		w->job.gtid = w->job_gtid;
		atomic_store(&w->cancel, false);
		w->phase = DBW_QUEUED;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

bool db_worker_busy(const struct db_worker *w)
{
	struct db_worker *mw = (struct db_worker *)w; /* the lock is not part of the observable state */
	bool busy;

	pthread_mutex_lock(&mw->mu);
	busy = mw->phase != DBW_IDLE;
	pthread_mutex_unlock(&mw->mu);
	return busy;
}

int db_worker_collect(struct db_worker *w, struct db_result *out)
{
	uint64_t v;
	int rc = -EAGAIN;

	pthread_mutex_lock(&w->mu);
	if (w->phase == DBW_DONE) {
		*out = w->res;
		w->phase = DBW_IDLE;
		if (read(w->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_warn("%s: eventfd read", w->name);
		rc = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static void cancel_locked(struct db_worker *w)
{
	atomic_store(&w->cancel, true);
	/* Wakes a blocked read or write at once; the thread then fails the call and closes the handle.
	 * A connect in progress has no socket here yet and ends at its own timeout. */
	if (w->sock >= 0)
		shutdown(w->sock, SHUT_RDWR);
}

void db_worker_cancel(struct db_worker *w)
{
	pthread_mutex_lock(&w->mu);
	if (w->phase == DBW_QUEUED || w->phase == DBW_RUNNING)
		cancel_locked(w);
	pthread_mutex_unlock(&w->mu);
}

void db_worker_free(struct db_worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	if (w->phase == DBW_QUEUED || w->phase == DBW_RUNNING)
		cancel_locked(w);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	close(w->efd);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	explicit_bzero(w->conf.password, sizeof(w->conf.password));
	free(w->job_gtid);
	if (w->phase == DBW_DONE) /* a result nobody collected owns its texts still */
		db_state_free(&w->res.state);
	free(w);
}
