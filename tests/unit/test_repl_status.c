/* repl_status: recorded MariaDB 10.11 and MySQL 8.0/8.4 replica status rows mapped to one struct. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "repl_status.h"

#define DATA "tests/unit/data/"
#define MAX_COLS 128

/* One row of a tests/unit/data file (format in tests/unit/data/README). */
struct row {
	int n;
	char *names[MAX_COLS];
	char *values[MAX_COLS]; /* NULL = SQL NULL */
};

static char *unescape(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	assert_non_null(out);
	if (strcmp(s, "\\N") == 0) {
		free(out);
		return NULL;
	}
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		s++;
		*o++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
	}
	*o = '\0';
	return out;
}

/* Loads row number idx (0-based) of file. */
static void load(const char *file, int idx, struct row *r)
{
	char path[256], line[4096];
	FILE *f;
	int cur = 0;

	snprintf(path, sizeof(path), DATA "%s", file);
	f = fopen(path, "r");
	assert_non_null(f);
	memset(r, 0, sizeof(*r));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "--") == 0) {
			cur++;
			continue;
		}
		if (cur != idx)
			continue;
		char *tab = strchr(line, '\t');
		assert_non_null(tab);
		assert_true(r->n < MAX_COLS);
		*tab = '\0';
		r->names[r->n] = strdup(line);
		r->values[r->n] = unescape(tab + 1);
		r->n++;
	}
	fclose(f);
	assert_true(r->n > 0);
}

static void unload(struct row *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->names[i]);
		free(r->values[i]);
	}
	r->n = 0;
}

static int map(const struct row *r, struct repl_status *out)
{
	return repl_status_from_row((const char *const *)r->names, (const char *const *)r->values, r->n, out);
}

static void map_file(const char *file, struct repl_status *out)
{
	struct row r;

	load(file, 0, &r);
	assert_int_equal(map(&r, out), 0);
	unload(&r);
}

/* What each recorded row must map to; values read off the files by hand. */
static const struct expect {
	const char *file;
	enum repl_io io;
	bool sql;
	int64_t lag_s;
	int io_errno, sql_errno;
	const char *io_error_start, *sql_error_part;
	const char *host;
	unsigned port;
	const char *log_file;
	uint64_t read_pos;
	const char *relay_log_file;
	uint64_t exec_pos, relay_space;
	const char *using_gtid, *gtid_io, *executed;
} expects[] = {
	{ "mariadb-10.11-running.row", REPL_IO_YES, true, 0, 0, 0, "", "", "127.0.0.1", 20843, "bin.000001",
	  1699, "bin.000001", 1699, 2299, "Slave_Pos", "1-1-8", "" },
	{ "mariadb-10.11-all-running.row", REPL_IO_YES, true, 0, 0, 0, "", "", "127.0.0.1", 20843,
	  "bin.000001", 1699, "bin.000001", 1699, 2299, "Slave_Pos", "1-1-8", "" },
	{ "mariadb-10.11-sql-stopped.row", REPL_IO_YES, false, -1, 0, 0, "", "", "127.0.0.1", 20843,
	  "bin.000001", 1699, "bin.000001", 1699, 2299, "Slave_Pos", "1-1-8", "" },
	{ "mariadb-10.11-sql-error-1062.row", REPL_IO_YES, false, -1, 0, 1062, "", "Duplicate entry '100'",
	  "127.0.0.1", 20843, "bin.000001", 2035, "bin.000001", 1866, 2635, "Slave_Pos", "1-1-10", "" },
	{ "mariadb-10.11-io-connecting-2003.row", REPL_IO_CONNECTING, true, -1, 2003, 0,
	  "error reconnecting to master 'repl@127.0.0.1:20843'", "", "127.0.0.1", 20843, "bin.000001", 2035,
	  "bin.000001", 2035, 2635, "Slave_Pos", "1-1-10", "" },
	{ "mysql-8.0-running.row", REPL_IO_YES, true, 0, 0, 0, "", "", "192.0.2.11", 3306, "binlog.000012",
	  48213, "binlog.000012", 48213, 48847, "", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
	{ "mysql-8.0-io-connecting-2003.row", REPL_IO_CONNECTING, true, -1, 2003, 0,
	  "error connecting to master 'repl@192.0.2.11:3306'", "", "192.0.2.11", 3306, "binlog.000012", 48213,
	  "binlog.000012", 48213, 48847, "", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
	{ "mysql-8.0-sql-error-1062.row", REPL_IO_YES, false, -1, 0, 1062, "", "Worker 1 failed executing",
	  "192.0.2.11", 3306, "binlog.000012", 48213, "binlog.000012", 48008, 48847, "",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1526,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
	{ "mysql-8.0-io-stopped-lag-null.row", REPL_IO_NO, true, -1, 0, 0, "", "", "192.0.2.11", 3306,
	  "binlog.000012", 48213, "binlog.000012", 48213, 48847, "",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
	{ "mysql-8.4-running.row", REPL_IO_YES, true, 17, 0, 0, "", "", "192.0.2.11", 3306, "binlog.000012",
	  48213, "binlog.000012", 40118, 48847, "", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1540",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
	{ "mysql-8.4-io-connecting-2003.row", REPL_IO_CONNECTING, true, -1, 2003, 0,
	  "Error connecting to source 'repl@192.0.2.11:3306'", "", "192.0.2.11", 3306, "binlog.000012", 48213,
	  "binlog.000012", 48213, 48847, "", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
	{ "mysql-8.4-sql-error-1062.row", REPL_IO_YES, false, -1, 0, 1062, "", "at source log binlog.000012",
	  "192.0.2.11", 3306, "binlog.000012", 48213, "binlog.000012", 48008, 48847, "",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1526,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
	{ "mysql-8.4-io-stopped-lag-null.row", REPL_IO_NO, true, -1, 0, 0, "", "", "192.0.2.11", 3306,
	  "binlog.000012", 48213, "binlog.000012", 48213, 48847, "",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527",
	  "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-1527,8f2b6c1e-27d4-11ef-a1c3-0242c0000216:1-12" },
};

static void test_recorded_rows(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
		const struct expect *e = &expects[i];
		struct repl_status s;

		print_message("%s\n", e->file);
		map_file(e->file, &s);
		assert_true(s.configured);
		assert_int_equal(s.io, e->io);
		assert_int_equal(s.sql_running, e->sql);
		assert_int_equal(s.lag_s, e->lag_s);
		assert_int_equal(s.last_io_errno, e->io_errno);
		assert_int_equal(s.last_sql_errno, e->sql_errno);
		assert_int_equal(strncmp(s.last_io_error, e->io_error_start, strlen(e->io_error_start)), 0);
		if (!e->io_errno)
			assert_string_equal(s.last_io_error, "");
		assert_non_null(strstr(s.last_sql_error, e->sql_error_part));
		if (!e->sql_errno)
			assert_string_equal(s.last_sql_error, "");
		assert_string_equal(s.master_host, e->host);
		assert_int_equal(s.master_port, e->port);
		assert_string_equal(s.master_log_file, e->log_file);
		assert_int_equal(s.read_pos, e->read_pos);
		assert_string_equal(s.relay_master_log_file, e->relay_log_file);
		assert_int_equal(s.exec_pos, e->exec_pos);
		assert_int_equal(s.relay_log_space, e->relay_space);
		assert_string_equal(s.using_gtid, e->using_gtid);
		assert_string_equal(db_text(s.gtid_io_pos), e->gtid_io);
		assert_string_equal(db_text(s.executed_gtid_set), e->executed);
		db_repl_free(&s);
	}
}

/* Equal field by field, the GTID texts by content; frees b's texts. */
static void same_status(const struct repl_status *a, struct repl_status *b)
{
	struct repl_status x = *a;

	assert_string_equal(db_text(a->gtid_io_pos), db_text(b->gtid_io_pos));
	assert_string_equal(db_text(a->executed_gtid_set), db_text(b->executed_gtid_set));
	db_repl_free(b);
	x.gtid_io_pos = x.executed_gtid_set = NULL;
	assert_memory_equal(&x, b, sizeof(x));
}

/* Same values under the old and the new names map to the same struct. */
static void test_vocabularies_agree(void **state)
{
	static const char *const pairs[][2] = {
		{ "mysql-8.0-io-stopped-lag-null.row", "mysql-8.4-io-stopped-lag-null.row" },
		{ "mariadb-10.11-running.row", "mariadb-10.11-all-running.row" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct repl_status a, b;

		map_file(pairs[i][0], &a);
		map_file(pairs[i][1], &b);
		same_status(&a, &b);
		db_repl_free(&a);
	}
}

/* The server's spelling and column order do not matter (notes §1: the docs spell Master_host). */
static void test_case_and_order(void **state)
{
	struct repl_status ref, s;
	struct row r;

	(void)state;
	load("mariadb-10.11-sql-error-1062.row", 0, &r);
	assert_int_equal(map(&r, &ref), 0);
	for (int i = 0; i < r.n; i++)
		for (char *p = r.names[i]; *p; p++)
			*p = (char)(i % 2 ? toupper((unsigned char)*p) : tolower((unsigned char)*p));
	assert_int_equal(map(&r, &s), 0);
	same_status(&ref, &s);
	for (int i = 0, j = r.n - 1; i < j; i++, j--) {
		char *t = r.names[i];
		r.names[i] = r.names[j];
		r.names[j] = t;
		t = r.values[i];
		r.values[i] = r.values[j];
		r.values[j] = t;
	}
	assert_int_equal(map(&r, &s), 0);
	same_status(&ref, &s);
	db_repl_free(&ref);
	unload(&r);
}

static void test_missing_and_odd_columns(void **state)
{
	const char *names[] = {"Master_Host", "Seconds_Behind_Master", "Slave_SQL_Running", "Last_SQL_Errno"};
	const char *values[] = { "192.0.2.12", "abc", "Yes", "-3" };
	struct repl_status s;

	(void)state;
	/* Not a replica status row at all. */
	assert_int_equal(repl_status_from_row(names, values, 2, &s), -1);
	assert_false(s.configured);
	assert_int_equal(s.lag_s, -1);
	assert_string_equal(s.master_host, "");
	/* Only the SQL column: accepted; an unparsable lag is unknown, not 0; the absent IO column
	 * reads as not receiving. */
	assert_int_equal(repl_status_from_row(names, values, 4, &s), 0);
	assert_true(s.configured);
	assert_true(s.sql_running);
	assert_int_equal(s.io, REPL_IO_NONE);
	assert_int_equal(s.lag_s, -1);
	assert_int_equal(s.last_sql_errno, 0);
	assert_string_equal(s.master_host, "192.0.2.12");
	values[1] = "-5";
	assert_int_equal(repl_status_from_row(names, values, 4, &s), 0);
	assert_int_equal(s.lag_s, -1);
	values[1] = "3600";
	assert_int_equal(repl_status_from_row(names, values, 4, &s), 0);
	assert_int_equal(s.lag_s, 3600);
	assert_int_equal(repl_status_from_row(names, values, 0, &s), -1);
}

/* A set of any length is kept whole, MySQL's newlines dropped (20,000+ characters here). */
static void test_long_gtid_set_kept_whole(void **state)
{
	const char *names[] = { "Replica_IO_Running", "Executed_Gtid_Set" };
	const char *values[2] = { "Yes", NULL };
	size_t cap = 24000, o = 0, newlines = 0;
	char *big = malloc(cap);
	struct repl_status s;

	(void)state;
	assert_non_null(big);
	for (int i = 0; o < 20000; i++, newlines += i > 1)
		o += (size_t)snprintf(big + o, cap - o, "%s%08x-27d4-11ef-a1c3-0242c0000216:1-%d",
				      i ? ",\n" : "", i, i + 1);
	values[1] = big;
	assert_int_equal(repl_status_from_row(names, values, 2, &s), 0);
	assert_int_equal(strlen(s.executed_gtid_set), o - newlines);
	assert_null(strchr(s.executed_gtid_set, '\n'));
	assert_non_null(strstr(s.executed_gtid_set, big + o - 30));
	db_repl_free(&s);
	free(big);
}

static void test_gtid_copy(void **state)
{
	char b[12];

	(void)state;
	assert_int_equal(repl_gtid_copy(b, sizeof(b), "a:1-2,\nb:3"), 0);
	assert_string_equal(b, "a:1-2,b:3");
	assert_int_equal(repl_gtid_copy(b, sizeof(b), "0-1-1234567"), 0); /* 11 chars: exact fit */
	assert_string_equal(b, "0-1-1234567");
	assert_int_equal(repl_gtid_copy(b, sizeof(b), "0-1-12345678"), -1);
	assert_string_equal(b, "0-1-1234...");
	assert_int_equal(repl_gtid_copy(b, sizeof(b), NULL), 0);
	assert_string_equal(b, "");
	assert_int_equal(repl_gtid_copy(b, 0, "x"), -1);
}

static void test_io_parse(void **state)
{
	(void)state;
	assert_int_equal(repl_io_parse("Yes"), REPL_IO_YES);
	assert_int_equal(repl_io_parse("yes"), REPL_IO_YES);
	assert_int_equal(repl_io_parse("No"), REPL_IO_NO);
	assert_int_equal(repl_io_parse("Connecting"), REPL_IO_CONNECTING);
	assert_int_equal(repl_io_parse("Preparing"), REPL_IO_CONNECTING);
	assert_int_equal(repl_io_parse(""), REPL_IO_NO);
	assert_int_equal(repl_io_parse("Yess"), REPL_IO_NO);
	assert_int_equal(repl_io_parse(NULL), REPL_IO_NO);
	assert_string_equal(repl_io_name(REPL_IO_YES), "Yes");
	assert_string_equal(repl_io_name(REPL_IO_CONNECTING), "Connecting");
	assert_string_equal(repl_io_name(REPL_IO_NONE), "none");
	assert_string_equal(repl_io_name((enum repl_io)99), "?");
}

static void test_bool_parse(void **state)
{
	static const struct {
		const char *s;
		int v;
	} cases[] = {
		{ NULL, -1 },  { "", -1 },     { "0", 0 },       { "1", 1 },        { "ON", 1 },
		{ "off", 0 },  { "OFF", 0 },   { "No", 0 },      { "false", 0 },    { "YES", 1 },
		{ "2", 1 },    { "00", 0 },    { "NO_LOCK", 1 }, { "NO_LOCK_NO_ADMIN", 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("'%s'\n", cases[i].s ? cases[i].s : "(null)");
		assert_int_equal(repl_bool_parse(cases[i].s), cases[i].v);
	}
}

static void test_col_index(void **state)
{
	const char *names[] = { "Connection_name", NULL, "Channel_Name" };

	(void)state;
	assert_int_equal(repl_col_index(names, 3, "connection_NAME"), 0);
	assert_int_equal(repl_col_index(names, 3, "channel_name"), 2);
	assert_int_equal(repl_col_index(names, 3, "Channel"), -1);
	assert_int_equal(repl_col_index(names, 1, "Channel_Name"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_rows),
		cmocka_unit_test(test_vocabularies_agree),
		cmocka_unit_test(test_case_and_order),
		cmocka_unit_test(test_missing_and_odd_columns),
		cmocka_unit_test(test_long_gtid_set_kept_whole),
		cmocka_unit_test(test_gtid_copy),
		cmocka_unit_test(test_io_parse),
		cmocka_unit_test(test_bool_parse),
		cmocka_unit_test(test_col_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
