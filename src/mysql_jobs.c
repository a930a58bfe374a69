/* Command jobs on a worker connection: read_only on/off, client kills, bounded catch-up waits, semi-sync. */
#include <ctype.h>
#include <errno.h>
#include <mysqld_error.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "mysql_int.h"
#include "repl_status.h"

#define KILL_MAX_IDS 4096
/* Long enough for KILL (asynchronous) to take effect before the re-list; every millisecond here
 * delays a takeover that fences a peer with connected clients. */
#define KILL_SETTLE_MS 20
#define POS_POLL_MS 100

/* Reads the global flags back: what the caller (and our own checks) trust, not what we asked for. */
static int read_flags(struct db_worker *w, struct db_result *r, int *ro, int *sro)
{
	const char *sql = w->flavor == DB_FLAVOR_MYSQL ? "SELECT @@global.read_only, @@global.super_read_only"
						       : "SELECT @@global.read_only";
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned err = dbw_query(w, sql, &res);

	*ro = *sro = -1;
	if (err)
		return dbw_fail(w, r, sql, err);
	if (res && (row = mysql_fetch_row(res))) {
		*ro = repl_bool_parse(row[0]);
		if (mysql_num_fields(res) > 1)
			*sro = repl_bool_parse(row[1]);
	}
	mysql_free_result(res);
	return 0;
}

/* Session ids matching the client filter, at most max. Returns the count or -errno. */
static int list_clients(struct db_worker *w, struct db_result *r, unsigned long *ids, int max)
{
	char filter[768], sql[1024];
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned err;
	int n = 0;

	if (dbw_client_filter(w, filter, sizeof(filter)))
		return dbw_fail_msg(r, -ENOSPC, "kill: filter too long");
	snprintf(sql, sizeof(sql), "SELECT ID FROM information_schema.PROCESSLIST WHERE %s", filter);
	err = dbw_query(w, sql, &res);
	if (err)
		return dbw_fail(w, r, "list sessions", err);
	while (res && (row = mysql_fetch_row(res)) && n < max)
		if (row[0])
			ids[n++] = strtoul(row[0], NULL, 10);
	mysql_free_result(res);
	return n;
}

static bool seen(const unsigned long *ids, int n, unsigned long id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* Kills ids; adds newly killed ones to killed[] (*n_killed distinct so far). */
static int kill_ids(struct db_worker *w, struct db_result *r, const unsigned long *ids, int n,
		    unsigned long *killed, int *n_killed)
{
	char sql[64];

	for (int i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "KILL CONNECTION %lu", ids[i]);
		unsigned err = dbw_query(w, sql, NULL);
		/* Gone between list and kill: what we wanted. */
		if (err == ER_NO_SUCH_THREAD)
			continue;
		if (err)
			return dbw_fail(w, r, sql, err);
		if (!seen(killed, *n_killed, ids[i]) && *n_killed < KILL_MAX_IDS)
			killed[(*n_killed)++] = ids[i];
	}
	return 0;
}

int dbw_job_kill_clients(struct db_worker *w, struct db_result *r)
{
	unsigned long *ids = malloc(2 * KILL_MAX_IDS * sizeof(*ids));
	unsigned long *killed = ids + KILL_MAX_IDS;
	int n, rc = 0, n_killed = 0;

	if (!ids)
		return dbw_fail_msg(r, -ENOMEM, "kill: out of memory");
	/* KILL is asynchronous and pools reconnect (notes §5): kill, re-list once, kill stragglers,
	 * then only report what still remains. */
	for (int pass = 0; pass < 3; pass++) {
		n = list_clients(w, r, ids, KILL_MAX_IDS);
		if (n < 0) {
			rc = n;
			break;
		}
		if (n == 0)
			break;
		if (pass == 2) {
			/* Pools reconnect at once; read_only is already on, so they cannot write. */
			log_debug(LOG_CAT_MYSQL, "%s: %d client sessions remain after kill (reconnected)", w->name, n);
			break;
		}
		if ((rc = kill_ids(w, r, ids, n, killed, &n_killed)) != 0)
			break;
		if (!dbw_pause(w, KILL_SETTLE_MS)) {
			rc = dbw_fail_msg(r, -ECANCELED, "kill: cancelled");
			break;
		}
	}
	/* A job may kill twice (set_readonly after a lock wait): r->killed adds up. */
	r->killed += n_killed;
	free(ids);
	return rc;
}

/* One pass over aux: kills the client sessions (the filter's), returns how many, -1 when aux failed. */
static int aux_kill_clients(MYSQL *aux, const char *filter)
{
	char sql[1024];
	unsigned long ids[256];
	MYSQL_RES *res;
	MYSQL_ROW row;
	int n = 0, k = 0;

	snprintf(sql, sizeof(sql), "SELECT ID FROM information_schema.PROCESSLIST WHERE %s", filter);
	if (mysql_real_query(aux, sql, strlen(sql)) != 0 || !(res = mysql_store_result(aux)))
		return -1;
	while ((row = mysql_fetch_row(res)) && k < (int)(sizeof(ids) / sizeof(ids[0])))
		if (row[0])
			ids[k++] = strtoul(row[0], NULL, 10);
	mysql_free_result(res);
	for (int i = 0; i < k; i++) {
		snprintf(sql, sizeof(sql), "KILL CONNECTION %lu", ids[i]);
		if (mysql_real_query(aux, sql, strlen(sql)) == 0)
			n++;
		else if (mysql_errno(aux) != ER_NO_SUCH_THREAD)
			return -1;
	}
	return n;
}

/* read_only ON while a second connection kills the client sessions that hold it up. A commit
 * waiting for a semi-sync ack that cannot come holds the commit lock, and read_only waits behind
 * it; killing first and then asking leaves a gap in which a client that reconnects at once (a
 * pool, or one connected to the server's own address rather than the VIP) commits again and
 * blocks it anew, every time (seen on the scene: 30 s of failed step-downs while such a client
 * kept acknowledging writes). Once read_only is pending, new writers queue behind it (notes §3),
 * so killing while it waits ends the wait. Killed clients are never told their commit happened.
 * Without a second connection: the plain statement. */
static unsigned readonly_while_killing(struct db_worker *w, const char *sql, struct db_result *r)
{
	char filter[768];
	MYSQL *aux;

	if (dbw_client_filter(w, filter, sizeof(filter)) != 0 || !(aux = dbw_conn_aux(w)))
		return dbw_query(w, sql, NULL);
	w->call_start_us = dbw_now_us();
	log_debug(LOG_CAT_MYSQL, "%s: %s, killing client sessions meanwhile", w->name, sql);
	if (mysql_send_query(w->h, sql, strlen(sql)) != 0) {
		mysql_close(aux);
		return mysql_errno(w->h);
	}
	struct pollfd pfd = { .fd = (int)mysql_get_socket(w->h), .events = POLLIN };
	/* Bounded by the statement's own lock_wait_timeout: its answer (or a cancel, which shuts the
	 * socket down) ends the loop; the count is a second bound. */
	for (int round = 0; round < 500; round++) {
		int k = aux_kill_clients(aux, filter);
		if (k < 0)
			break;
		r->killed += k;
		if (poll(&pfd, 1, KILL_SETTLE_MS) != 0)
			break;
	}
	unsigned err = mysql_read_query_result(w->h) != 0 ? mysql_errno(w->h) : 0;
	if (!err)
		atomic_fetch_add(&w->answers, 1);
	mysql_close(aux);
	return err;
}

int dbw_job_set_readonly(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	/* notes §3: only super_read_only stops MySQL's SUPER/CONNECTION_ADMIN sessions (and implies
	 * read_only); MariaDB has no such flag, so its privileged sessions are killed instead. */
	const char *sql = w->flavor == DB_FLAVOR_MYSQL ? "SET GLOBAL super_read_only=ON"
						       : "SET GLOBAL read_only=ON";
	bool kill = job->type == DB_JOB_FENCE || job->kill_clients;
	unsigned err;
	int rc, ro, sro;

	/* Start-up: a server that was read-only already has no sessions we must end. */
	if (kill && job->kill_only_if_changed) {
		if ((rc = read_flags(w, r, &ro, &sro)) != 0)
			return rc;
		if (ro == 1 && (w->flavor != DB_FLAVOR_MYSQL || sro == 1))
			return 0;
	}
	/* A node cut off (kill_first): its commits wait for acks that cannot come. */
	err = kill && job->kill_first ? readonly_while_killing(w, sql, r) : dbw_query(w, sql, NULL);
	if (err == ER_LOCK_WAIT_TIMEOUT && kill) {
		log_warnx("%s: %s waits for commits in progress (semi-sync?): killing client sessions meanwhile",
			  w->name, sql);
		err = readonly_while_killing(w, sql, r);
	}
	if (err)
		return dbw_fail(w, r, sql, err);
	if ((rc = read_flags(w, r, &ro, &sro)) != 0)
		return rc;
	if (ro != 1 || (w->flavor == DB_FLAVOR_MYSQL && sro != 1))
		return dbw_fail_msg(r, -EIO, "read_only reads back %d, super_read_only %d", ro, sro);
	return kill ? dbw_job_kill_clients(w, r) : 0;
}

int dbw_job_set_writable(struct db_worker *w, struct db_result *r)
{
	static const char *const mysql_sql[] = { "SET GLOBAL super_read_only=OFF",
						 "SET GLOBAL read_only=OFF" };
	int n = w->flavor == DB_FLAVOR_MYSQL ? 2 : 1;
	int rc, ro, sro;

	/* MySQL: read_only=OFF clears super_read_only too (WL#6799); both are said for clarity and
	 * for servers where only one was set. */
	for (int i = 2 - n; i < 2; i++) {
		unsigned err = dbw_query(w, mysql_sql[i], NULL);

		if (err)
			return dbw_fail(w, r, mysql_sql[i], err);
	}
	if ((rc = read_flags(w, r, &ro, &sro)) != 0)
		return rc;
	if (ro != 0 || sro > 0)
		return dbw_fail_msg(r, -EIO, "still read-only: read_only %d, super_read_only %d", ro, sro);
	return 0;
}

int dbw_job_semisync(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	/* One flavour of plugin can be loaded on MySQL (notes §6): try the 8.0.26+ name first. */
	static const char *const names[] = { "rpl_semi_sync_source_enabled", "rpl_semi_sync_master_enabled" };
	char sql[96], val[16];
	int first = w->flavor == DB_FLAVOR_MARIADB ? 1 : 0;

	for (int i = first; i < 2; i++) {
		snprintf(sql, sizeof(sql), "SET GLOBAL %s=%s", names[i], job->on ? "ON" : "OFF");
		unsigned err = dbw_query(w, sql, NULL);

		if (err == ER_UNKNOWN_SYSTEM_VARIABLE)
			continue;
		if (err)
			return dbw_fail(w, r, sql, err);
		snprintf(sql, sizeof(sql), "SELECT @@global.%s", names[i]);
		if ((err = dbw_query_value(w, sql, val, sizeof(val), NULL)) != 0)
			return dbw_fail(w, r, sql, err);
		if (repl_bool_parse(val) != (job->on ? 1 : 0))
			return dbw_fail_msg(r, -EIO, "%s reads back '%s'", names[i], val);
		return 0;
	}
	return dbw_fail_msg(r, -ENOENT, "semi-sync master/source side not available (plugin not loaded)");
}

/* -EPIPE when the SQL thread stopped on an error: it will never apply the rest, so waiting out the
 * timeout would only delay the verdict. */
static int check_broken(struct db_result *r, const struct repl_status *rs)
{
	if (rs->sql_running || !rs->last_sql_errno)
		return 0;
	return dbw_fail_msg(r, -EPIPE, "replication broken: SQL thread stopped with error %d: %s",
			    rs->last_sql_errno, rs->last_sql_error);
}

/* GTID text goes into SQL: beyond escaping, refuse anything a GTID list or set cannot contain
 * (MariaDB d-s-n lists, MySQL uuid[:tag]:ranges). */
static bool gtid_text_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(":,-_ \n\r", *s))
			return false;
	return true;
}

/* Waits in slices shorter than the read timeout, so a slow apply is never mistaken for a dead
 * server and a cancel is seen between slices. */
static int wait_applied(struct db_worker *w, struct db_result *r, const char *set, int timeout_ms,
			bool catchup)
{
	size_t len = strlen(set);
	char *esc = malloc(2 * len + 1), *sql = malloc(2 * len + 96), val[32];
	int64_t deadline = dbw_now_us() + (int64_t)timeout_ms * 1000;
	int slice_max_ms = w->rw_ms / 2 > w->rw_ms - 1000 ? w->rw_ms / 2 : w->rw_ms - 1000;
	int rc = -ETIMEDOUT;

	if (!esc || !sql) {
		rc = dbw_fail_msg(r, -ENOMEM, "wait: out of memory");
		goto out;
	}
	mysql_real_escape_string(w->h, esc, set, (unsigned long)len);
	for (;;) {
		int64_t left_ms = (deadline - dbw_now_us()) / 1000;
		bool is_null;

		if (left_ms <= 0) {
			rc = dbw_fail_msg(r, -ETIMEDOUT, "not applied within %d ms: %.200s", timeout_ms, set);
			break;
		}
		/* MariaDB: fractional seconds, 0 = just check; MySQL reads the timeout as a real and
		 * 0 would wait forever, so never below 1 ms. */
		int slice = (int)(left_ms < slice_max_ms ? left_ms : slice_max_ms);
		snprintf(sql, 2 * len + 96, "SELECT %s('%s', %d.%03d)",
			 w->flavor == DB_FLAVOR_MARIADB ? "MASTER_GTID_WAIT" : "WAIT_FOR_EXECUTED_GTID_SET",
			 esc, slice / 1000, slice % 1000);
		unsigned err = dbw_query_value(w, sql, val, sizeof(val), &is_null);
		if (err) {
			rc = dbw_fail(w, r, "gtid wait", err);
			break;
		}
		if (is_null) {
			rc = dbw_fail_msg(r, -EIO, "gtid wait returned NULL for %.200s", set);
			break;
		}
		if (strtol(val, NULL, 10) == 0) {
			rc = 0;
			break;
		}
		if (dbw_cancelled(w)) {
			rc = dbw_fail_msg(r, -ECANCELED, "gtid wait: cancelled");
			break;
		}
		if (catchup) {
			struct repl_status rs = { 0 };

			if ((rc = dbw_repl_fetch(w, r, &rs, NULL)) == 0)
				rc = check_broken(r, &rs);
			db_repl_free(&rs);
			if (rc != 0)
				break;
		}
	}
out:
	free(esc);
	free(sql);
	return rc;
}

int dbw_job_gtid_wait(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	const char *gtid = db_text(job->gtid);

	if (!gtid_text_ok(gtid))
		return dbw_fail_msg(r, -EINVAL, "not a GTID list: %.200s", gtid);
	if (!gtid[strspn(gtid, " \n\r,")])
		return 0;
	return wait_applied(w, r, gtid, job->timeout_ms, false);
}

/* Length of a "domain-server-seq" entry starting at p (digits only), 0 if p does not start one;
 * *domain receives its domain. */
static size_t mdb_entry(const char *p, unsigned long *domain)
{
	const char *q = p;

	for (int part = 0; part < 3; part++) {
		if (!isdigit((unsigned char)*q))
			return 0;
		if (part == 0)
			*domain = strtoul(q, NULL, 10);
		while (isdigit((unsigned char)*q))
			q++;
		if (part < 2 && *q++ != '-')
			return 0;
	}
	return *q == '\0' || *q == ',' || isspace((unsigned char)*q) ? (size_t)(q - p) : 0;
}

/* Calls fn for each entry of a MariaDB GTID list; -EINVAL when malformed. */
static int mdb_each(const char *list, int (*fn)(void *ctx, const char *e, size_t n, unsigned long d),
		    void *ctx)
{
	const char *p = list;

	for (;;) {
		unsigned long d;
		size_t n;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		if ((n = mdb_entry(p, &d)) == 0)
			return -EINVAL;
		if (fn(ctx, p, n, d))
			return 0;
		p += n;
	}
}

struct mdb_find {
	unsigned long domain;
	bool found;
};

static int mdb_find_fn(void *ctx, const char *e, size_t n, unsigned long d)
{
	struct mdb_find *f = ctx;

	(void)e, (void)n;
	f->found = d == f->domain;
	return f->found;
}

static int mdb_check_fn(void *ctx, const char *e, size_t n, unsigned long d)
{
	(void)ctx, (void)e, (void)n, (void)d;
	return 0;
}

struct mdb_restrict {
	const char *slave_pos;
	char *out;
	size_t len;
};

static int mdb_restrict_fn(void *ctx, const char *e, size_t n, unsigned long d)
{
	struct mdb_restrict *x = ctx;
	struct mdb_find f = { d, false };

	mdb_each(x->slave_pos, mdb_find_fn, &f);
	if (f.found) {
		if (x->len)
			x->out[x->len++] = ',';
		memcpy(x->out + x->len, e, n);
		x->len += n;
		x->out[x->len] = '\0';
	}
	return 0;
}

/* notes §2: MASTER_GTID_WAIT blocks until timeout on a domain absent from gtid_slave_pos, so the
 * target is Gtid_IO_Pos without such domains. Returns a malloc'ed list ("" = nothing to wait for)
 * or NULL with *rc set. */
static char *mdb_wait_target(const char *io_pos, const char *slave_pos, int *rc)
{
	struct mdb_restrict x = { slave_pos, malloc(strlen(io_pos) + 1), 0 };

	*rc = -ENOMEM;
	if (!x.out)
		return NULL;
	x.out[0] = '\0';
	*rc = -EINVAL;
	if (mdb_each(slave_pos, mdb_check_fn, NULL) != 0 || mdb_each(io_pos, mdb_restrict_fn, &x) != 0) {
		free(x.out);
		return NULL;
	}
	*rc = 0;
	return x.out;
}

/* Without GTIDs the only evidence is positions (notes §1): fragile, hence bounded. */
static int wait_positions(struct db_worker *w, struct db_result *r, int timeout_ms)
{
	int64_t deadline = dbw_now_us() + (int64_t)timeout_ms * 1000;
	struct repl_status rs;
	int rc;

	for (;;) {
		rs = (struct repl_status){ 0 };
		if ((rc = dbw_repl_fetch(w, r, &rs, NULL)) == 0)
			rc = check_broken(r, &rs);
		db_repl_free(&rs); /* positions only, from here on */
		if (rc != 0)
			return rc;
		if (strcmp(rs.relay_master_log_file, rs.master_log_file) == 0 && rs.exec_pos == rs.read_pos)
			return 0;
		if (dbw_now_us() >= deadline)
			return dbw_fail_msg(
				r, -ETIMEDOUT, "relay log not applied within %d ms (%s:%llu of %s:%llu)",
				timeout_ms, rs.relay_master_log_file, (unsigned long long)rs.exec_pos,
				rs.master_log_file, (unsigned long long)rs.read_pos);
		if (!dbw_pause(w, POS_POLL_MS))
			return dbw_fail_msg(r, -ECANCELED, "catchup: cancelled");
	}
}

static int catchup_mariadb(struct db_worker *w, const struct db_job *job, struct db_result *r,
			   const char *io_pos)
{
	char *slave_pos = NULL;
	unsigned err;
	int rc;

	err = dbw_query_text(w, "SELECT @@global.gtid_slave_pos", &slave_pos);
	if (err)
		return dbw_fail(w, r, "gtid_slave_pos", err);
	char *target = slave_pos ? mdb_wait_target(io_pos, slave_pos, &rc) : NULL;
	if (!target) {
		rc = dbw_fail_msg(r, slave_pos ? rc : -ENOMEM, "cannot use Gtid_IO_Pos '%.100s' / "
				  "gtid_slave_pos '%.100s'", io_pos, slave_pos ? slave_pos : "?");
		free(slave_pos);
		return rc;
	}
	free(slave_pos);
	log_debug(LOG_CAT_MYSQL, "%s: catch-up target '%s'", w->name, target);
	rc = target[0] ? wait_applied(w, r, target, job->timeout_ms, true) : 0;
	free(target);
	return rc;
}

/* The wait that fits what the replica records: GTIDs when it uses them, positions otherwise. */
static int catchup_wait(struct db_worker *w, const struct db_job *job, struct db_result *r,
			const struct repl_status *rs, const char *raw_gtid)
{
	if (w->flavor == DB_FLAVOR_MARIADB && rs->using_gtid[0] && strcasecmp(rs->using_gtid, "No") != 0)
		return catchup_mariadb(w, job, r, raw_gtid);
	/* MySQL: Retrieved_Gtid_Set is everything the receiver has (notes §2). */
	if (w->flavor == DB_FLAVOR_MYSQL && raw_gtid[strspn(raw_gtid, " ,")])
		return wait_applied(w, r, raw_gtid, job->timeout_ms, true);
	return wait_positions(w, r, job->timeout_ms);
}

int dbw_job_catchup(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	struct repl_status rs = { 0 };
	char *raw = NULL;
	int rc;

	rc = dbw_repl_fetch(w, r, &rs, &raw);
	if (rc == 0 && !rs.configured)
		rc = dbw_fail_msg(r, -ENOENT, "no replication configured");
	if (rc == 0 && (rc = check_broken(r, &rs)) == 0)
		rc = catchup_wait(w, job, r, &rs, raw);
	db_repl_free(&rs);
	free(raw);
	return rc;
}

void dbw_term_from_result(MYSQL_RES *res, struct db_term *t)
{
	MYSQL_ROW row;

	memset(t, 0, sizeof(*t));
	if (res && mysql_num_fields(res) >= 2 && (row = mysql_fetch_row(res)) && row[0]) {
		t->known = true;
		t->term = strtoll(row[0], NULL, 10);
		snprintf(t->holder, sizeof(t->holder), "%s", row[1] ? row[1] : "");
	}
	mysql_free_result(res);
}

bool dbw_term_missing(struct db_worker *w, unsigned err)
{
	if (err != ER_NO_SUCH_TABLE && err != ER_BAD_DB_ERROR && err != ER_TABLEACCESS_DENIED_ERROR &&
	    err != ER_DBACCESS_DENIED_ERROR)
		return false;
	if (!w->warned_term_table)
		log_warnx("%s: no readable dualmaster.term table ([%u] %s): a heal after a partition is "
			  "decided by GTIDs and priority instead of the takeover term; create it with sql/",
			  w->name, err, mysql_error(w->h));
	w->warned_term_table = true;
	w->no_term_table = true;
	return true;
}

/* Rejoin: the IO thread only. A stopped SQL thread is an error in the data and is never restarted
 * (or skipped) by the daemon. MariaDB: the default connection, as the scene and sql/ set it up. */
int dbw_job_start_io(struct db_worker *w, struct db_result *r)
{
	const char *sql = w->flavor == DB_FLAVOR_MARIADB || w->no_replica_kw ? "START SLAVE IO_THREAD"
									  : "START REPLICA IO_THREAD";
	unsigned err = dbw_query(w, sql, NULL);

	return err ? dbw_fail(w, r, sql, err) : 0;
}

int dbw_job_term(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	char holder[2 * sizeof(job->holder) + 1], sql[384];
	unsigned err;

	mysql_real_escape_string(w->h, holder, job->holder, strlen(job->holder));
	/* One statement, so the row never holds a term without its holder. GREATEST: a term replicated
	 * in since the caller looked is never lowered. */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO dualmaster.term (id, term, holder, since) VALUES (1, %lld, '%s', NOW(6))"
		 " ON DUPLICATE KEY UPDATE term = GREATEST(term + 1, VALUES(term)),"
		 " holder = VALUES(holder), since = VALUES(since)",
		 (long long)job->term, holder);
	/* The row as it is now comes with the read-back after every job (run_job). */
	if ((err = dbw_query(w, sql, NULL)) != 0)
		return dbw_fail(w, r, "term", err);
	return 0;
}

/* The witness's lease row (lease.h). Session time zone UTC: NOW(6) and the stored expiry then
 * never jump with a daylight-saving change on the witness. The row is created on first use
 * (INSERT IGNORE, a free row) so the operator creates only the table (sql/witness-*.sql). */
static int lease_read(struct db_worker *w, const struct db_job *job, const char *cluster, struct db_result *r)
{
	char sql[512];
	MYSQL_RES *res = NULL;
	MYSQL_ROW row;
	unsigned err;

	snprintf(sql, sizeof(sql),
		 "SELECT holder, term, TIMESTAMPDIFF(MICROSECOND, NOW(6), expires) FROM %s WHERE cluster = '%s'",
		 job->table, cluster);
	if ((err = dbw_query(w, sql, &res)) != 0)
		return dbw_fail(w, r, "lease read", err);
	r->lease.answered = true;
	if (res && mysql_num_fields(res) == 3 && (row = mysql_fetch_row(res)) && row[0] && row[1] && row[2]) {
		r->lease.row = true;
		snprintf(r->lease.holder, sizeof(r->lease.holder), "%s", row[0]);
		r->lease.term = strtoll(row[1], NULL, 10);
		r->lease.remaining_us = strtoll(row[2], NULL, 10);
	}
	mysql_free_result(res);
	return 0;
}

int dbw_job_lease(struct db_worker *w, const struct db_job *job, struct db_result *r)
{
	char holder[2 * sizeof(job->holder) + 1], cluster[2 * sizeof(job->cluster) + 1], sql[1024];
	char renew[sizeof(holder) + 16];
	unsigned err;

	mysql_real_escape_string(w->h, holder, job->holder, strlen(job->holder));
	snprintf(renew, sizeof(renew), "holder = '%s'", holder);
	mysql_real_escape_string(w->h, cluster, job->cluster, strlen(job->cluster));
	if (w->fresh) {
		snprintf(sql, sizeof(sql), "SET SESSION time_zone = '+00:00'");
		if ((err = dbw_query(w, sql, NULL)) != 0)
			return dbw_fail(w, r, "lease session", err);
		snprintf(sql, sizeof(sql), "INSERT IGNORE INTO %s (cluster) VALUES ('%s')", job->table, cluster);
		if ((err = dbw_query(w, sql, NULL)) != 0)
			return dbw_fail(w, r, "lease row", err);
	}
	switch (job->lease_op) {
	case LEASE_OP_ACQUIRE:
		/* One statement: granted only if the row is ours or has expired on the witness's clock;
		 * a new holder bumps the term (the term is computed from the old holder whichever order
		 * the server assigns in). */
		snprintf(sql, sizeof(sql),
			 "UPDATE %s SET term = IF(holder = '%s', term, term + 1), holder = '%s',"
			 " expires = NOW(6) + INTERVAL %lld MICROSECOND"
			 " WHERE cluster = '%s' AND (%s OR expires < NOW(6))",
			 job->table, holder, holder, (long long)job->lease_ms * 1000, cluster,
			 job->lease_renew ? renew : "FALSE");
		break;
	case LEASE_OP_RELEASE:
		snprintf(sql, sizeof(sql),
			 "UPDATE %s SET expires = NOW(6) - INTERVAL 1 MICROSECOND WHERE cluster = '%s' AND holder = '%s'",
			 job->table, cluster, holder);
		break;
	default:
		sql[0] = '\0';
		break;
	}
	if (sql[0] && (err = dbw_query(w, sql, NULL)) != 0)
		return dbw_fail(w, r, "lease update", err);
	int rc = lease_read(w, job, cluster, r);
	if (rc == 0 && job->lease_op == LEASE_OP_ACQUIRE)
		r->lease.granted = r->lease.row && strcmp(r->lease.holder, job->holder) == 0 && r->lease.remaining_us > 0;
	return rc;
}
