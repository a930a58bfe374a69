/* MySQL/MariaDB worker connection: Connector/C setup, bounded statements, errors, replica row choice. */
#include <errmsg.h>
#include <errno.h>
#include <mysqld_error.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "mysql_int.h"
#include "repl_status.h"

/* MySQL's "maximum statement execution time exceeded" (max_execution_time); not in libmariadb's list. */
#define DBW_ER_MYSQL_QUERY_TIMEOUT 3024

int64_t dbw_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool dbw_cancelled(struct db_worker *w)
{
	return atomic_load(&w->cancel);
}

bool dbw_pause(struct db_worker *w, int ms)
{
	for (; ms > 0; ms -= 10) {
		if (dbw_cancelled(w))
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = (ms < 10 ? ms : 10) * 1000000L }, NULL);
	}
	return !dbw_cancelled(w);
}

void dbw_conn_close(struct db_worker *w)
{
	if (!w->h)
		return;
	/* The fd must leave sock before it is closed, or a cancel could shut down a reused number. */
	pthread_mutex_lock(&w->mu);
	w->sock = -1;
	pthread_mutex_unlock(&w->mu);
	mysql_close(w->h);
	w->h = NULL;
}

/* The job's return code: what went wrong from the job's point of view (timeouts and cancels matter
 * to the caller's bounds); the class says what it means about the server. */
static int rc_of(enum db_err e, unsigned err)
{
	switch (e) {
	case DB_ERR_CANCELED: return -ECANCELED;
	case DB_ERR_TIMEOUT: return -ETIMEDOUT;
	case DB_ERR_REFUSED: return -ECONNREFUSED;
	case DB_ERR_UNREACHABLE: return -EHOSTUNREACH;
	case DB_ERR_LOST: return -ECONNRESET;
	case DB_ERR_AUTH: return err == ER_ACCESS_DENIED_ERROR ? -EACCES : -EPERM;
	default: break;
	}
	switch (err) {
	case ER_LOCK_WAIT_TIMEOUT:
	case ER_STATEMENT_TIMEOUT:
	case DBW_ER_MYSQL_QUERY_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

int dbw_fail_msg(struct db_result *r, int rc, const char *fmt, ...)
{
	va_list ap;

	/* Not a call that failed: the server answered, but not as the job needed (a setting that did
	 * not read back, a wait not reached), or the job could not be built, or it was cancelled. */
	r->err = rc == -ECANCELED ? DB_ERR_CANCELED
		 : rc == -ENOMEM || rc == -ENOSPC || rc == -EINVAL ? DB_ERR_LOCAL : DB_ERR_SERVER;
	r->err_no = 0;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	return rc;
}

int dbw_fail(struct db_worker *w, struct db_result *r, const char *what, unsigned err)
{
	int os_errno = errno; /* first: the socket call's errno tells refused from unanswered */
	int64_t took_us = dbw_now_us() - w->call_start_us;
	enum db_err e = dbw_cancelled(w) ? DB_ERR_CANCELED
					 : db_err_classify(err, os_errno, took_us, (int64_t)w->rw_ms * 1000);
	int rc = rc_of(e, err);

	if (rc == -ECANCELED)
		snprintf(r->error, sizeof(r->error), "%s: cancelled", what);
	else
		snprintf(r->error, sizeof(r->error), "%s: [%u] %s", what, err, w->h ? mysql_error(w->h) : "");
	/* A connection the server closed while we idled (restart, wait_timeout) fails at once; the job
	 * may retry once on a fresh one. A slow failure is a real timeout and is not retried. */
	w->stale_err = !w->fresh && (err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST) &&
		       took_us < (int64_t)w->rw_ms * 500 && rc != -ECANCELED;
	w->fail_unreachable = !db_err_server_answered(e);
	r->err = e;
	r->err_no = err;
	if (w->fail_unreachable)
		r->state.reachable = false;
	log_debug(LOG_CAT_MYSQL, "%s: %s", w->name, r->error);
	/* Half-read result sets and session state after an error are not worth reasoning about. */
	dbw_conn_close(w);
	return rc;
}

unsigned dbw_query(struct db_worker *w, const char *sql, MYSQL_RES **res)
{
	MYSQL_RES *rs;

	if (res)
		*res = NULL;
	w->call_start_us = dbw_now_us();
	if (!w->h || dbw_cancelled(w))
		return CR_SERVER_GONE_ERROR;
	log_debug(LOG_CAT_MYSQL, "%s: %s", w->name, sql);
	if (mysql_real_query(w->h, sql, strlen(sql)) != 0)
		return mysql_errno(w->h);
	atomic_fetch_add(&w->answers, 1);
	rs = mysql_store_result(w->h);
	if (!rs && mysql_field_count(w->h) > 0)
		return mysql_errno(w->h) ? mysql_errno(w->h) : CR_UNKNOWN_ERROR;
	if (res)
		*res = rs;
	else
		mysql_free_result(rs);
	return 0;
}

unsigned dbw_query_value(struct db_worker *w, const char *sql, char *buf, size_t len, bool *is_null)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned err = dbw_query(w, sql, &res);

	buf[0] = '\0';
	if (is_null)
		*is_null = true;
	if (err)
		return err;
	if (res && (row = mysql_fetch_row(res)) && mysql_num_fields(res) > 0 && row[0]) {
		snprintf(buf, len, "%s", row[0]);
		if (is_null)
			*is_null = false;
	}
	mysql_free_result(res);
	return 0;
}

unsigned dbw_query_text(struct db_worker *w, const char *sql, char **out)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	unsigned err = dbw_query(w, sql, &res);

	*out = NULL;
	if (err)
		return err;
	row = res ? mysql_fetch_row(res) : NULL;
	*out = strdup(row && mysql_num_fields(res) > 0 && row[0] ? row[0] : "");
	mysql_free_result(res);
	return 0;
}

int dbw_client_filter(struct db_worker *w, char *buf, size_t len)
{
	char user[2 * CONF_STR + 1];
	int n;

	mysql_real_escape_string(w->h, user, w->conf.user, strlen(w->conf.user));
	/* Spared (notes §5): our own session, replica threads ('system user'), the peer's IO thread
	 * (Binlog Dump*) and its account, the event scheduler, and the daemon's account, whose sessions
	 * are the other workers here and on the peer: killing them would only cost reconnects.
	 * A session still logging in shows as 'unauthenticated user': it may be one of those (our own
	 * probe connecting while the start-up read-only job kills, or a replica's IO thread), and it
	 * holds no transaction; once logged in it is no different from a client connecting just after
	 * the kill, and the re-list after KILL_SETTLE_MS sees it under its real name. */
	n = snprintf(buf, len,
		     "ID <> CONNECTION_ID()"
		     " AND USER NOT IN ('system user', 'event_scheduler', 'unauthenticated user', '%s')"
		     " AND COMMAND NOT IN ('Daemon', 'Binlog Dump', 'Binlog Dump GTID', 'Slave_IO',"
		     " 'Slave_SQL', 'Slave_worker')"
		     " AND USER NOT IN (SELECT USER FROM information_schema.PROCESSLIST"
		     " WHERE COMMAND LIKE 'Binlog Dump%%' AND USER IS NOT NULL)",
		     user);
	return n > 0 && (size_t)n < len ? 0 : -ENOSPC;
}

static int conn_setup(struct db_worker *w, struct db_result *r)
{
	const char *info = mysql_get_server_info(w->h);
	/* Small but whole seconds; the statement bound below is what keeps the connection usable. */
	int lock_s = w->rw_ms >= 3000 ? 2 : 1;
	int stmt_ms = w->rw_ms - 250;
	char sql[160];
	unsigned err;

	snprintf(w->version, sizeof(w->version), "%s", info ? info : "");
	w->version_num = mysql_get_server_version(w->h);
	w->flavor = strstr(w->version, "MariaDB") ? DB_FLAVOR_MARIADB : DB_FLAVOR_MYSQL;
	/* notes §0.4: SET GLOBAL read_only otherwise waits up to a year for the global read lock.
	 * The server-side statement bound ends a stuck statement before our read timeout does, so
	 * the server does not go on running it after we gave up. */
	if (w->flavor == DB_FLAVOR_MARIADB)
		snprintf(sql, sizeof(sql),
			 "SET SESSION lock_wait_timeout=%d, SESSION max_statement_time=%.3f", lock_s,
			 stmt_ms / 1000.0);
	else
		snprintf(sql, sizeof(sql), "SET SESSION lock_wait_timeout=%d, SESSION max_execution_time=%d",
			 lock_s, stmt_ms);
	err = dbw_query(w, sql, NULL);
	if (err)
		return dbw_fail(w, r, "session setup", err);
	return 0;
}

/* TLS as configured. Connector/C 3.1 names (RHEL 8); they take effect at mysql_real_connect.
 * Returns non-zero when one was not taken (out of memory): a connect without it could go plain. */
static int tls_options(MYSQL *h, const struct conf_mysql *c)
{
	my_bool on = 1, verify = c->ssl_verify_server_cert;
	int rc = 0;

	if (c->ssl_ca[0])
		rc |= mysql_optionsv(h, MYSQL_OPT_SSL_CA, c->ssl_ca);
	if (c->ssl_cert[0])
		rc |= mysql_optionsv(h, MYSQL_OPT_SSL_CERT, c->ssl_cert);
	if (c->ssl_key[0])
		rc |= mysql_optionsv(h, MYSQL_OPT_SSL_KEY, c->ssl_key);
	/* Required, never "if the server offers it": a plain-text fallback is what TLS is against. */
	if (c->ssl)
		rc |= mysql_optionsv(h, MYSQL_OPT_SSL_ENFORCE, &on);
	/* Set either way, TLS configured or not: Connector/C 3.4 verifies by default (and may use TLS
	 * unasked), 3.1 does not; one configuration must mean the same on both. */
	rc |= mysql_optionsv(h, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
	return rc;
}

/* A handle with the worker's options (timeouts, protocol, TLS), not yet connected; NULL when
 * memory ran out or a TLS option was not taken. */
static MYSQL *conn_new(const struct db_worker *w)
{
	unsigned t_s = (unsigned)(w->rw_ms / 1000);
	unsigned proto = w->conf.socket[0] ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
	unsigned no_infile = 0;
	my_bool no_reconnect = 0;
	MYSQL *h = mysql_init(NULL);

	if (!h)
		return NULL;
	/* Whole seconds only (notes §7); reconnect stays off so session settings cannot vanish. */
	mysql_optionsv(h, MYSQL_OPT_CONNECT_TIMEOUT, &t_s);
	mysql_optionsv(h, MYSQL_OPT_READ_TIMEOUT, &t_s);
	mysql_optionsv(h, MYSQL_OPT_WRITE_TIMEOUT, &t_s);
	mysql_optionsv(h, MYSQL_OPT_RECONNECT, &no_reconnect);
	mysql_optionsv(h, MYSQL_OPT_LOCAL_INFILE, &no_infile);
	mysql_optionsv(h, MYSQL_OPT_PROTOCOL, &proto);
	mysql_optionsv(h, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (tls_options(h, &w->conf) != 0) {
		mysql_close(h);
		return NULL;
	}
	return h;
}

static bool conn_connect(MYSQL *h, const struct conf_mysql *c)
{
	return mysql_real_connect(h, c->socket[0] ? NULL : c->host, c->user, c->password, NULL,
				  c->socket[0] ? 0 : c->port, c->socket[0] ? c->socket : NULL,
				  CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS) != NULL;
}

MYSQL *dbw_conn_aux(struct db_worker *w)
{
	MYSQL *h = conn_new(w);

	if (h && !conn_connect(h, &w->conf)) {
		log_debug(LOG_CAT_MYSQL, "%s: second connection: %s", w->name, mysql_error(h));
		mysql_close(h);
		return NULL;
	}
	return h;
}

int dbw_conn_open(struct db_worker *w, struct db_result *r)
{
	const struct conf_mysql *c = &w->conf;

	w->h = conn_new(w);
	if (!w->h)
		return dbw_fail_msg(r, -ENOMEM, "connect: out of memory or TLS options not accepted");
	w->call_start_us = dbw_now_us();
	if (!conn_connect(w->h, c))
		return dbw_fail(w, r, "connect", mysql_errno(w->h));
	atomic_fetch_add(&w->answers, 1);
	pthread_mutex_lock(&w->mu);
	w->sock = (int)mysql_get_socket(w->h);
	if (atomic_load(&w->cancel) && w->sock >= 0)
		shutdown(w->sock, SHUT_RDWR);
	pthread_mutex_unlock(&w->mu);
	w->fresh = true;
	w->no_term_table = false; /* it may have been created meanwhile */
	log_debug(LOG_CAT_MYSQL, "%s: connected to %s", w->name, mysql_get_server_info(w->h));
	return conn_setup(w, r);
}

/* Picks the replication row to follow from a SHOW [ALL] REPLICA/SLAVE STATUS result (see header). */
static int repl_pick(struct db_worker *w, MYSQL_RES *res, struct repl_status *rs, char **raw_gtid)
{
	int n = (int)mysql_num_fields(res), rows = 0;
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	MYSQL_ROW row, pick = NULL, first = NULL, unnamed = NULL;

	if (!names)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		names[i] = f[i].name;
	int ih = repl_col_index(names, n, "Master_Host");
	int ip = repl_col_index(names, n, "Master_Port");
	int in = repl_col_index(names, n, "Connection_name");
	int ig = repl_col_index(names, n, "Gtid_IO_Pos");
	ih = ih >= 0 ? ih : repl_col_index(names, n, "Source_Host");
	ip = ip >= 0 ? ip : repl_col_index(names, n, "Source_Port");
	in = in >= 0 ? in : repl_col_index(names, n, "Channel_Name");
	ig = ig >= 0 ? ig : repl_col_index(names, n, "Retrieved_Gtid_Set");
	while ((row = mysql_fetch_row(res))) {
		rows++;
		first = first ? first : row;
		if (!unnamed && (in < 0 || !row[in] || !row[in][0]))
			unnamed = row;
		if (!pick && w->repl_host[0] && ih >= 0 && row[ih] && strcmp(row[ih], w->repl_host) == 0 &&
		    (!w->repl_port || (ip >= 0 && row[ip] && strtoul(row[ip], NULL, 10) == w->repl_port)))
			pick = row;
	}
	pick = pick ? pick : unnamed ? unnamed : first;
	memset(rs, 0, sizeof(*rs));
	rs->lag_s = -1;
	if (pick)
		repl_status_from_row(names, (const char *const *)pick, n, rs);
	if (rows > 1 && rows != w->repl_rows_seen)
		log_warnx("%s: %d replication connections; following the one from %s:%u", w->name, rows,
			  rs->master_host, rs->master_port);
	w->repl_rows_seen = rows;
	if (raw_gtid) {
		const char *v = pick && ig >= 0 && pick[ig] ? pick[ig] : "";
		size_t len = strlen(v) + 1;

		*raw_gtid = malloc(len);
		if (*raw_gtid)
			repl_gtid_copy(*raw_gtid, len, v);
	}
	free(names);
	return raw_gtid && !*raw_gtid ? -ENOMEM : 0;
}

const char *dbw_repl_sql(const struct db_worker *w)
{
	/* MariaDB: ALL shows named connections too (notes §1). MySQL 8.4 removed the SLAVE form and
	 * before 8.0.22 only it exists; the server's answer, not its version string, decides. */
	if (w->flavor == DB_FLAVOR_MARIADB)
		return "SHOW ALL SLAVES STATUS";
	return w->no_replica_kw ? "SHOW SLAVE STATUS" : "SHOW REPLICA STATUS";
}

int dbw_repl_from_result(struct db_worker *w, struct db_result *r, MYSQL_RES *res, struct repl_status *rs,
			 char **raw_gtid)
{
	int rc = res ? repl_pick(w, res, rs, raw_gtid) : -EIO;

	mysql_free_result(res);
	if (rc)
		return dbw_fail_msg(r, rc, "replication status: %s", strerror(-rc));
	return 0;
}

int dbw_repl_fetch(struct db_worker *w, struct db_result *r, struct repl_status *rs, char **raw_gtid)
{
	MYSQL_RES *res;
	unsigned err = dbw_query(w, dbw_repl_sql(w), &res);

	if (err == ER_PARSE_ERROR && w->flavor == DB_FLAVOR_MYSQL && !w->no_replica_kw) {
		w->no_replica_kw = true;
		err = dbw_query(w, dbw_repl_sql(w), &res);
	}
	if (err)
		return dbw_fail(w, r, dbw_repl_sql(w), err);
	return dbw_repl_from_result(w, r, res, rs, raw_gtid);
}
