/* Test driver for mysql_probe: runs a worker job against a real server, prints the result as key=value. */
#include <errno.h>
#include <mysql.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mysql_probe.h"
#include "repl_status.h"

static void usage(void)
{
	fprintf(stderr, "usage: probe_tool [-S socket | -H host -P port] [-u user] [-t timeout_ms] [-c "
			"cancel_after_ms]\n"
			"                  [-r host:port: replication source to follow]\n"
			"                  [-w flagfile: run the job again on the same connection once it "
			"exists] [-v]\n"
			"                  probe|fence|readonly|readonly-kill|writable|kill|catchup "
			"MS|semisync on|off|\n"
			"                  gtidwait GTID MS|rows SQL\n"
			"password from $DM_PROBE_PASSWORD\n");
	exit(2);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One value per line; newlines, tabs and backslashes escaped, SQL NULL as \N (tests/unit/data format). */
static void put_escaped(const char *s)
{
	if (!s) {
		fputs("\\N", stdout);
		return;
	}
	for (; *s; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\t')
			fputs("\\t", stdout);
		else if (*s == '\\')
			fputs("\\\\", stdout);
		else
			putchar(*s);
	}
}

static int dump_rows(const struct conf_mysql *m, const char *sql)
{
	MYSQL *h = mysql_init(NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;
	int nrow = 0;

	if (!mysql_real_connect(h, m->socket[0] ? NULL : m->host, m->user, m->password, NULL,
				m->socket[0] ? 0 : m->port, m->socket[0] ? m->socket : NULL, 0) ||
	    mysql_query(h, sql) || !(res = mysql_store_result(h))) {
		fprintf(stderr, "rows: %s\n", mysql_error(h));
		mysql_close(h);
		return 1;
	}
	unsigned n = mysql_num_fields(res);
	MYSQL_FIELD *f = mysql_fetch_fields(res);
	while ((row = mysql_fetch_row(res))) {
		if (nrow++)
			puts("--");
		for (unsigned i = 0; i < n; i++) {
			printf("%s\t", f[i].name);
			put_escaped(row[i]);
			putchar('\n');
		}
	}
	mysql_free_result(res);
	mysql_close(h);
	return 0;
}

static void print_state(const struct db_state *s)
{
	const struct repl_status *r = &s->repl;
	const struct semisync_state *ss = &s->semisync;

	printf("reachable=%d\nstate_error=%s\nlatency_us=%lld\nflavor=%s\nversion=%s\nversion_num=%lu\n",
	       s->reachable, s->error, (long long)s->latency_us,
	       s->flavor == DB_FLAVOR_MARIADB ? "mariadb"
	       : s->flavor == DB_FLAVOR_MYSQL ? "mysql"
					      : "unknown",
	       s->version, s->version_num);
	printf("server_id=%ld\nread_only=%d\nsuper_read_only=%d\nclient_connections=%d\n", s->server_id,
	       s->read_only, s->super_read_only, s->client_connections);
	printf("repl_configured=%d\nio=%s\nsql_running=%d\nlag=%lld\n", r->configured, repl_io_name(r->io),
	       r->sql_running, (long long)r->lag_s);
	printf("last_io_errno=%d\nlast_io_error=%s\nlast_sql_errno=%d\nlast_sql_error=%s\n", r->last_io_errno,
	       r->last_io_error, r->last_sql_errno, r->last_sql_error);
	printf("master_host=%s\nmaster_port=%u\nmaster_log_file=%s\nread_pos=%llu\nrelay_master_log_file=%s\n"
	       "exec_pos=%llu\nusing_gtid=%s\ngtid_io_pos=%s\n",
	       r->master_host, r->master_port, r->master_log_file, (unsigned long long)r->read_pos,
	       r->relay_master_log_file, (unsigned long long)r->exec_pos, r->using_gtid, db_text(r->gtid_io_pos));
	printf("gtid_binlog_pos=%s\ngtid_current_pos=%s\ngtid_slave_pos=%s\ngtid_executed=%s\n",
	       db_text(s->gtid_binlog_pos), db_text(s->gtid_current_pos), db_text(s->gtid_slave_pos),
	       db_text(s->gtid_executed));
	printf("semisync_master_enabled=%d\nsemisync_master_status=%d\nsemisync_slave_enabled=%d\n"
	       "semisync_slave_status=%d\nsemisync_master_clients=%d\nsemisync_master_timeout_ms=%ld\n"
	       "semisync_wait_point=%s\n",
	       ss->master_enabled, ss->master_status, ss->slave_enabled, ss->slave_status, ss->master_clients,
	       ss->master_timeout_ms, ss->wait_point);
}

static int parse_job(int argc, char **argv, struct db_job *job)
{
	const char *j = argv[0];

	memset(job, 0, sizeof(*job));
	job->id = 42;
	if (!strcmp(j, "probe"))
		job->type = DB_JOB_PROBE;
	else if (!strcmp(j, "fence"))
		job->type = DB_JOB_FENCE;
	else if (!strcmp(j, "readonly") || !strcmp(j, "readonly-kill")) {
		job->type = DB_JOB_SET_READONLY;
		job->kill_clients = !strcmp(j, "readonly-kill");
	} else if (!strcmp(j, "writable"))
		job->type = DB_JOB_SET_WRITABLE;
	else if (!strcmp(j, "kill"))
		job->type = DB_JOB_KILL_CLIENTS;
	else if (!strcmp(j, "catchup") && argc >= 2) {
		job->type = DB_JOB_CATCHUP;
		job->timeout_ms = atoi(argv[1]);
	} else if (!strcmp(j, "semisync") && argc >= 2) {
		job->type = DB_JOB_SEMISYNC;
		job->on = !strcmp(argv[1], "on");
	} else if (!strcmp(j, "gtidwait") && argc >= 3) {
		job->type = DB_JOB_GTID_WAIT;
		job->gtid = argv[1];
		job->timeout_ms = atoi(argv[2]);
	} else
		return -1;
	return 0;
}

/* Waits for the worker's eventfd as the daemon's loop would; returns false on timeout. */
static bool wait_fd(struct db_worker *w, int ms)
{
	struct pollfd p = { .fd = db_worker_fd(w), .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

static int run_once(struct db_worker *w, const struct db_job *job, int cancel_ms)
{
	static struct db_result res;
	int64_t t0 = now_ms();

	if (db_worker_submit(w, job) != 0 || db_worker_submit(w, job) != -EBUSY || !db_worker_busy(w)) {
		fprintf(stderr, "submit contract broken\n");
		return -1;
	}
	if (cancel_ms >= 0 && !wait_fd(w, cancel_ms))
		db_worker_cancel(w);
	if (!wait_fd(w, 120000)) {
		fprintf(stderr, "no result within 120 s\n");
		return -1;
	}
	int64_t elapsed = now_ms() - t0;
	if (db_worker_collect(w, &res) != 0 || res.id != 42 || db_worker_busy(w) ||
	    db_worker_collect(w, &res) != -EAGAIN || wait_fd(w, 0)) {
		fprintf(stderr, "collect contract broken\n");
		return -1;
	}
	printf("job=%s\nrc=%d\nrc_name=%s\nerror=%s\nkilled=%d\nelapsed_ms=%lld\n", db_job_name(res.type),
	       res.rc,
	       res.rc == 0	      ? "ok"
	       : res.rc == -ETIMEDOUT ? "ETIMEDOUT"
	       : res.rc == -ECANCELED ? "ECANCELED"
	       : res.rc == -EPIPE     ? "EPIPE"
	       : res.rc == -ENOENT    ? "ENOENT"
				      : strerror(-res.rc),
	       res.error, res.killed, (long long)elapsed);
	print_state(&res.state);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	static struct conf_mysql m = { .host = "127.0.0.1", .port = 3306, .user = "root" };
	const char *again = NULL, *repl_source = NULL;
	int timeout_ms = 2000, cancel_ms = -1, opt;
	const char *pw = getenv("DM_PROBE_PASSWORD");
	struct db_job job;

	log_init("probe_tool", false);
	while ((opt = getopt(argc, argv, "S:H:P:u:t:c:w:r:v")) != -1) {
		switch (opt) {
		case 'S': snprintf(m.socket, sizeof(m.socket), "%s", optarg); break;
		case 'H': snprintf(m.host, sizeof(m.host), "%s", optarg); break;
		case 'P': m.port = (unsigned)atoi(optarg); break;
		case 'u': snprintf(m.user, sizeof(m.user), "%s", optarg); break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'c': cancel_ms = atoi(optarg); break;
		case 'w': again = optarg; break;
		case 'r': repl_source = optarg; break;
		case 'v': log_set_debug(LOG_CAT_MYSQL, true); break;
		default: usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	snprintf(m.password, sizeof(m.password), "%s", pw ? pw : "");
	if (!strcmp(argv[0], "rows") && argc >= 2)
		return dump_rows(&m, argv[1]);
	if (parse_job(argc, argv, &job))
		usage();

	struct db_worker *w = db_worker_new("test", &m, timeout_ms);
	if (!w) {
		fprintf(stderr, "db_worker_new failed\n");
		return 1;
	}
	if (repl_source) {
		char host[64];
		unsigned port = 0;
		const char *colon = strrchr(repl_source, ':');

		snprintf(host, sizeof(host), "%.*s", colon ? (int)(colon - repl_source) : 63, repl_source);
		if (colon)
			port = (unsigned)atoi(colon + 1);
		db_worker_set_repl_source(w, host, port);
	}
	if (run_once(w, &job, cancel_ms) != 0)
		return 1;
	if (again) {
		/* Same worker, same connection: lets a test change the server between two jobs. */
		for (int i = 0; i < 3000 && access(again, F_OK) != 0; i++)
			usleep(10000);
		puts("---");
		fflush(stdout);
		if (run_once(w, &job, cancel_ms) != 0)
			return 1;
	}
	db_worker_free(w);
	mysql_library_end();
	return 0;
}
