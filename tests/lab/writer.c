/* Test-scene client: inserts numbered rows at a steady rate and records each acknowledged id. */
#include <errno.h>
#include <getopt.h>
#include <mysql.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct opts {
	const char *host;
	unsigned port;
	const char *user;
	const char *password_file;
	const char *acked_path;
	const char *errors_path;
	unsigned long long first_id;
	long count;
	double seconds;
	double rate;
	unsigned read_timeout_s;
};

struct stats {
	long acked;
	long failed;
	long connect_failures;
	double last_ack_s;
	double max_gap_s; /* longest time between two acknowledgements: the write outage */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t, .tv_nsec = (long)((t - (double)(time_t)t) * 1e9) };

	/* EINTR on SIGTERM ends the sleep early, which is what stopping needs. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Wall-clock stamp so the acknowledgements line up with the daemons' logs. */
static void stamp(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, len, "%lld.%06ld", (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

static int read_password(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(out, 1, len - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

/* Returns a connected handle and the server_id behind it (the VIP hides which node answered). */
static MYSQL *connect_db(const struct opts *o, const char *password, unsigned *server_id)
{
	unsigned connect_s = 1, rw_s = o->read_timeout_s;
	MYSQL *db = mysql_init(NULL);
	MYSQL_RES *res;
	MYSQL_ROW row;

	if (!db)
		return NULL;
	mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_s);
	mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &rw_s);
	mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &rw_s);
	if (!mysql_real_connect(db, o->host, o->user, password, NULL, o->port, NULL, 0))
		goto fail;
	if (mysql_query(db, "SELECT @@server_id") || !(res = mysql_store_result(db)))
		goto fail;
	row = mysql_fetch_row(res);
	*server_id = row && row[0] ? (unsigned)strtoul(row[0], NULL, 10) : 0;
	mysql_free_result(res);
	return db;
fail:
	mysql_close(db);
	return NULL;
}

static void record_error(FILE *f, unsigned long long id, unsigned err, const char *msg)
{
	char ts[40];

	stamp(ts, sizeof(ts));
	fprintf(f, "%llu %s %u %s\n", id, ts, err, msg);
	fflush(f);
}

/* One INSERT; returns 0 when the server acknowledged it. Any error closes the handle so the next
 * attempt reconnects through the VIP, as a connection pool would: a lost or timed-out connection
 * (2013, 2006) is in an unknown state, a killed one (1927) is gone, and a fenced server
 * (1290 read-only) will not take writes again while the VIP may already point elsewhere. A failed
 * id may or may not have been committed; it is never retried. */
static int insert_one(MYSQL **db, unsigned long long id, unsigned server_id, FILE *acked, FILE *errs,
		      struct stats *st)
{
	char sql[160];
	char ts[40];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO dmtest.writes (id, node) VALUES (%llu, CONCAT('node', @@server_id))", id);
	if (mysql_query(*db, sql) == 0) {
		double now = mono_s();
		stamp(ts, sizeof(ts));
		fprintf(acked, "%llu %s %u\n", id, ts, server_id);
		fflush(acked);
		if (st->acked > 0 && now - st->last_ack_s > st->max_gap_s)
			st->max_gap_s = now - st->last_ack_s;
		st->last_ack_s = now;
		st->acked++;
		return 0;
	}
	unsigned err = mysql_errno(*db);
	record_error(errs, id, err, mysql_error(*db));
	st->failed++;
	mysql_close(*db);
	*db = NULL;
	return -1;
}

static void run(const struct opts *o, const char *password, FILE *acked, FILE *errs, struct stats *st)
{
	double period = 1.0 / o->rate;
	double start = mono_s(), deadline = start + o->seconds, next = start;
	unsigned long long id = o->first_id;
	unsigned server_id = 0;
	MYSQL *db = NULL;

	for (long i = 0; i < o->count && !stop; i++) {
		sleep_until(next);
		while (!db && !stop && mono_s() < deadline) {
			db = connect_db(o, password, &server_id);
			if (!db) {
				if (st->connect_failures++ == 0)
					record_error(errs, id, 0,
						     "connect failed (further failures only counted)");
				sleep_until(mono_s() + 0.05);
			}
		}
		if (stop || mono_s() >= deadline)
			break;
		insert_one(&db, id++, server_id, acked, errs, st);
		/* After a stall, resume the steady rate instead of bursting to catch up. */
		next += period;
		if (next < mono_s() - period)
			next = mono_s();
	}
	if (db)
		mysql_close(db);
}

static void usage(void)
{
	fprintf(stderr, "usage: writer -h HOST [-P PORT] -u USER -p PASSWORD_FILE\n"
			"              -o ACKED_FILE -e ERRORS_FILE [-i FIRST_ID] [-n COUNT]\n"
			"              [-t SECONDS] [-r RATE_PER_S] [-T READ_TIMEOUT_S]\n"
			"Acked lines: ID EPOCH_S SERVER_ID. Error lines: ID EPOCH_S ERRNO MESSAGE.\n"
			"Stops after COUNT inserts, SECONDS, or SIGTERM/SIGINT, whichever comes first.\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	int ch;

	*o = (struct opts){ .port = 3306, .first_id = 1, .count = 1000, .seconds = 20, .rate = 100,
			    .read_timeout_s = 15 };
	while ((ch = getopt(argc, argv, "h:P:u:p:o:e:i:n:t:r:T:")) != -1) {
		switch (ch) {
		case 'h': o->host = optarg; break;
		case 'P': o->port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'u': o->user = optarg; break;
		case 'p': o->password_file = optarg; break;
		case 'o': o->acked_path = optarg; break;
		case 'e': o->errors_path = optarg; break;
		case 'i': o->first_id = strtoull(optarg, NULL, 10); break;
		case 'n': o->count = strtol(optarg, NULL, 10); break;
		case 't': o->seconds = strtod(optarg, NULL); break;
		case 'r': o->rate = strtod(optarg, NULL); break;
		case 'T': o->read_timeout_s = (unsigned)strtoul(optarg, NULL, 10); break;
		default: return -1;
		}
	}
	if (optind != argc || !o->host || !o->user || !o->password_file || !o->acked_path || !o->errors_path)
		return -1;
	if (o->count < 1 || o->seconds <= 0 || o->seconds > 3600 || o->rate <= 0 || o->rate > 10000 ||
	    o->read_timeout_s < 1)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal }; /* no SA_RESTART: a blocked query returns */
	struct stats st = { 0 };
	char password[256];
	struct opts o;
	FILE *acked, *errs;

	if (parse(argc, argv, &o) < 0) {
		usage();
		return 2;
	}
	if (read_password(o.password_file, password, sizeof(password)) < 0) {
		fprintf(stderr, "writer: %s: %s\n", o.password_file, strerror(errno));
		return 1;
	}
	acked = fopen(o.acked_path, "a");
	errs = fopen(o.errors_path, "a");
	if (!acked || !errs) {
		fprintf(stderr, "writer: cannot open output files: %s\n", strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	mysql_library_init(0, NULL, NULL);
	run(&o, password, acked, errs, &st);
	mysql_library_end();
	printf("writer: acked=%ld failed=%ld connect_failures=%ld max_gap_ms=%.0f%s\n", st.acked, st.failed,
	       st.connect_failures, st.max_gap_s * 1000, stop ? " (stopped by signal)" : "");
	fclose(acked);
	fclose(errs);
	return 0;
}
