/* GTID parsing (MariaDB positions, MySQL sets), subtraction both ways and the MASTER_GTID_WAIT target. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "gtid.h"

#define U1 "3e11fa47-71ca-11e1-9e33-c80aa9429562"
#define U2 "a0a0a0a0-0000-1111-2222-333344445555"
#define U3 "ffffffff-ffff-ffff-ffff-ffffffffffff"

static void mdb(const char *txt, struct gtid_mdb_pos *p)
{
	if (gtid_mdb_parse(txt, p) != 0)
		fail_msg("cannot parse \"%s\"", txt);
}

static void mysql(const char *txt, struct gtid_mysql_set *s)
{
	if (gtid_mysql_parse(txt, s) != 0)
		fail_msg("cannot parse \"%s\"", txt);
}

static void test_mdb_parse_valid(void **state)
{
	(void)state;
	static struct gtid_mdb_pos p;

	assert_int_equal(gtid_mdb_parse("0-1-100,1-2-7", &p), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.d[0].domain, 0);
	assert_int_equal(p.d[0].server_id, 1);
	assert_int_equal(p.d[0].seq, 100);
	assert_int_equal(p.d[1].domain, 1);
	assert_int_equal(p.d[1].server_id, 2);
	assert_int_equal(p.d[1].seq, 7);

	/* Sorted by domain whatever the server's order; whitespace around elements tolerated. */
	assert_int_equal(gtid_mdb_parse("  5-9-3,\n 2-8-1 ,\t0-7-18446744073709551615\n", &p), 0);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.d[0].domain, 0);
	assert_true(p.d[0].seq == UINT64_MAX);
	assert_int_equal(p.d[1].domain, 2);
	assert_int_equal(p.d[2].domain, 5);
	assert_int_equal(p.d[2].server_id, 9);
	assert_int_equal(p.d[2].seq, 3);

	assert_int_equal(gtid_mdb_parse("4294967295-4294967295-0", &p), 0);
	assert_int_equal(p.n, 1);
	assert_true(p.d[0].domain == UINT32_MAX && p.d[0].server_id == UINT32_MAX && p.d[0].seq == 0);
}

static void test_mdb_parse_empty(void **state)
{
	(void)state;
	static struct gtid_mdb_pos p;
	p.n = 7;

	assert_int_equal(gtid_mdb_parse("", &p), 0);
	assert_int_equal(p.n, 0);
	p.n = 7;
	assert_int_equal(gtid_mdb_parse(" \n\t", &p), 0);
	assert_int_equal(p.n, 0);
}

static void test_mdb_parse_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"0-1",              /* no seq */
		"0-1-",             /* empty seq */
		"-1-100",           /* empty domain */
		"0-1-100,",         /* trailing comma */
		",0-1-100",         /* leading comma */
		"0-1-100,,1-1-1",   /* empty element */
		"0-1-100 1-1-1",    /* missing comma */
		"0-1-1a",           /* junk in a number */
		"0--1-100",         /* sign */
		"0-1-+5",
		"0 -1-100",         /* blank inside an element */
		"0-1-100,0-2-200",  /* domain twice */
		"4294967296-1-1",   /* domain above 32 bits */
		"0-4294967296-1",   /* server_id above 32 bits */
		"0-1-18446744073709551616", /* seq above 64 bits */
		"0-1-99999999999999999999999",
		U1 ":1-5",          /* MySQL set */
	};
	static struct gtid_mdb_pos p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p.n = 5;
		if (gtid_mdb_parse(bad[i], &p) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(p.n, 0);
	}
	assert_int_equal(gtid_mdb_parse(NULL, &p), -1);
}

/* No fixed limits: 2,000 domains (over 10,000 characters) parse, compare and report whole. */
static void test_mdb_any_length(void **state)
{
	(void)state;
	enum { N = 2000 };
	static char a_txt[N * 24], b_txt[N * 24];
	char *buf;
	static struct gtid_mdb_pos a, b;
	size_t oa = 0, ob = 0;

	/* a: domains 0..N-1 at seq 1000+i; b: the even domains at seq 990+i, the odd ones missing. */
	for (int i = 0; i < N; i++) {
		oa += (size_t)snprintf(a_txt + oa, sizeof(a_txt) - oa, "%s%d-7-%d", i ? ",\n" : "", i, 1000 + i);
		if (i % 2 == 0)
			ob += (size_t)snprintf(b_txt + ob, sizeof(b_txt) - ob, "%s%d-7-%d", i ? "," : "", i, 990 + i);
	}
	assert_true(oa > 10000);
	mdb(a_txt, &a);
	mdb(b_txt, &b);
	assert_int_equal(a.n, N);
	assert_int_equal(a.d[N - 1].seq, 1000 + N - 1);
	/* Even domains lack 10 each, odd ones all 1000+i. */
	int64_t want = 0;
	for (int i = 0; i < N; i++)
		want += i % 2 == 0 ? 10 : 1000 + i;
	size_t room = gtid_only_in_room(a_txt, b_txt);
	assert_non_null(buf = malloc(room));
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, room), want);
	assert_non_null(strstr(buf, "1999-7-1..2999"));
	assert_non_null(strstr(buf, "1998-7-2989..2998"));
	assert_int_equal(gtid_mdb_only_in(&b, &a, buf, room), 0);
	gtid_mdb_free(&a);
	gtid_mdb_free(&b);
	free(buf);
}

static void test_mysql_parse_valid(void **state)
{
	(void)state;
	static struct gtid_mysql_set s;

	assert_int_equal(gtid_mysql_parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7-9,\n" U2 ":1", &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.u[0].uuid, U1);
	assert_int_equal(s.u[0].nint, 2);
	assert_int_equal(s.u[0].iv[0].lo, 1);
	assert_int_equal(s.u[0].iv[0].hi, 5);
	assert_int_equal(s.u[0].iv[1].lo, 7);
	assert_int_equal(s.u[0].iv[1].hi, 9);
	assert_string_equal(s.u[1].uuid, U2);
	assert_int_equal(s.u[1].nint, 1);
	assert_int_equal(s.u[1].iv[0].lo, 1);
	assert_int_equal(s.u[1].iv[0].hi, 1);

	/* UUIDs sorted, the same UUID in two cases merged, largest GNO accepted. */
	assert_int_equal(gtid_mysql_parse(U3 ":9223372036854775807, " U1 ":3,\r\n3e11FA47-71ca-11e1-9e33-"
					  "c80aa9429562:4", &s), 0);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.u[0].uuid, U1);
	assert_int_equal(s.u[0].nint, 1);
	assert_int_equal(s.u[0].iv[0].lo, 3);
	assert_int_equal(s.u[0].iv[0].hi, 4);
	assert_string_equal(s.u[1].uuid, U3);
	assert_true(s.u[1].iv[0].lo == INT64_MAX && s.u[1].iv[0].hi == INT64_MAX);

	assert_int_equal(gtid_mysql_parse("", &s), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(gtid_mysql_parse("\n", &s), 0);
	assert_int_equal(s.n, 0);
}

/* MySQL 8.3+ tagged GTIDs, in the form the MySQL 8.4 manual shows for @@gtid_executed (not recorded
 * from a server here: none is installed): the untagged intervals of a UUID, then each tag with its
 * own. uuid:tag:n and uuid:n are different transactions. */
static void test_mysql_tagged(void **state)
{
	(void)state;
	static struct gtid_mysql_set a, b;
	char buf[512];

	assert_int_equal(gtid_mysql_parse("896e7882-18fe-11ef-ab88-22222d34d411:1-5:Tag_1:1-2:4,\n" U1 ":1-3", &a), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.u[0].uuid, U1);
	assert_string_equal(a.u[1].uuid, "896e7882-18fe-11ef-ab88-22222d34d411");
	assert_int_equal(a.u[1].nint, 1);
	assert_string_equal(a.u[2].uuid, "896e7882-18fe-11ef-ab88-22222d34d411:tag_1"); /* lower case */
	assert_int_equal(a.u[2].nint, 2);
	assert_true(a.u[2].iv[0].lo == 1 && a.u[2].iv[0].hi == 2 && a.u[2].iv[1].lo == 4);
	/* A tag only, and two tags in one element. */
	assert_int_equal(gtid_mysql_parse(U1 ":_x:7:y2:1-3", &b), 0);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.u[0].uuid, U1 ":_x");
	assert_string_equal(b.u[1].uuid, U1 ":y2");

	/* Only on one side, with the tags kept: what a heal reports and a catch-up waits for. */
	assert_int_equal(gtid_mysql_parse("896e7882-18fe-11ef-ab88-22222d34d411:1-5:tag_1:1-2," U1 ":1-3", &b), 0);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "896e7882-18fe-11ef-ab88-22222d34d411:tag_1:4");
	assert_int_equal(gtid_mysql_only_in(&b, &a, buf, sizeof(buf)), 0);
	/* The same numbers untagged are not the tagged ones. */
	assert_int_equal(gtid_mysql_parse(U1 ":1-3", &b), 0);
	assert_int_equal(gtid_mysql_parse(U1 ":t:1-3", &a), 0);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, sizeof(buf)), 3);
	assert_string_equal(buf, U1 ":t:1-3");
	assert_true(strlen(buf) < gtid_only_in_room(U1 ":t:1-3", U1 ":1-3"));
	gtid_mysql_free(&a);
	gtid_mysql_free(&b);
}

static void test_mysql_parse_merge(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int nint;
		uint64_t iv[4][2];
	} cases[] = {
		{ U1 ":1-5:6-9", 1, { { 1, 9 } } },              /* adjacent */
		{ U1 ":1-5:3-9", 1, { { 1, 9 } } },              /* overlapping */
		{ U1 ":7-9:1-3", 2, { { 1, 3 }, { 7, 9 } } },    /* unsorted */
		{ U1 ":7-9:1-3:4-6", 1, { { 1, 9 } } },          /* gap filled later */
		{ U1 ":2:4:3", 1, { { 2, 4 } } },
		{ U1 ":1-100:5-6:50", 1, { { 1, 100 } } },       /* contained */
		{ U1 ":10-20:1-2:30:15-31", 2, { { 1, 2 }, { 10, 31 } } },
		{ U1 ":5-5", 1, { { 5, 5 } } },
	};
	static struct gtid_mysql_set s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(gtid_mysql_parse(cases[i].in, &s), 0);
		assert_int_equal(s.n, 1);
		if (s.u[0].nint != cases[i].nint)
			fail_msg("\"%s\": %d intervals", cases[i].in, s.u[0].nint);
		for (int k = 0; k < cases[i].nint; k++) {
			assert_int_equal(s.u[0].iv[k].lo, cases[i].iv[k][0]);
			assert_int_equal(s.u[0].iv[k].hi, cases[i].iv[k][1]);
		}
	}
}

static void test_mysql_parse_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		U1,                        /* no interval */
		U1 ":",                    /* empty interval */
		U1 ":0",                   /* GNO 0 does not exist */
		U1 ":0-5",
		U1 ":5-3",                 /* reversed */
		U1 ":5-4",
		U1 ":1-",
		U1 ":-3",
		U1 ":1-5,",                /* trailing comma */
		U1 ":1-5,,\n" U2 ":1",
		U1 ":1-5 " U2 ":1",        /* missing comma */
		U1 ":1-5x",
		U1 ":9223372036854775808", /* above 2^63-1 */
		U1 ":1-99999999999999999999",
		U1 ":tag",                 /* a tag names the intervals after it: one at least */
		U1 ":tag:",
		U1 ":1tag:1",              /* a tag starts with a letter or _ */
		U1 ":t-g:1",
		U1 ":abcdefghijklmnopqrstuvwxyzabcdefg:1", /* 33 characters: one too many */
		U1 ":tag:0",
		"3e11fa47-71ca-11e1-9e33-c80aa942956:1",   /* short UUID */
		"3e11fa47-71ca-11e1-9e33-c80aa94295622:1", /* long UUID */
		"3e11fa4771ca-11e1-9e33-c80aa9429562a:1",  /* dash missing */
		"3g11fa47-71ca-11e1-9e33-c80aa9429562:1",  /* not hex */
		"0-1-100",                 /* MariaDB position */
	};
	static struct gtid_mysql_set s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(gtid_mysql_parse(U2 ":1," U1 ":3", &s), 0); /* a set held before */
		if (gtid_mysql_parse(bad[i], &s) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(s.n, 0);
	}
	assert_int_equal(gtid_mysql_parse(NULL, &s), -1);
}

/* No fixed limits: 300 UUIDs with 40 intervals each (over 100,000 characters) parse, compare and
 * report whole; one merge still merges. */
static void test_mysql_any_length(void **state)
{
	(void)state;
	enum { U = 300, I = 40 };
	size_t cap = U * (40 + I * 24) + 64, oa = 0, ob = 0;
	char *a_txt = malloc(cap), *b_txt = malloc(cap), *buf;
	static struct gtid_mysql_set a, b;

	assert_non_null(a_txt);
	assert_non_null(b_txt);
	/* a: every UUID holds 1-5, 11-15, ... (I intervals of 5); b: the same UUIDs, only 1-5. */
	for (int u = 0; u < U; u++) {
		oa += (size_t)snprintf(a_txt + oa, cap - oa, "%s%08x-0000-4000-8000-000000000000", u ? ",\n" : "", u);
		ob += (size_t)snprintf(b_txt + ob, cap - ob, "%s%08x-0000-4000-8000-000000000000:1-5", u ? "," : "", u);
		for (int i = 0; i < I; i++)
			oa += (size_t)snprintf(a_txt + oa, cap - oa, ":%d-%d", 10 * i + 1, 10 * i + 5);
	}
	assert_true(oa > 100000);
	mysql(a_txt, &a);
	mysql(b_txt, &b);
	assert_int_equal(a.n, U);
	assert_int_equal(a.u[U - 1].nint, I);
	size_t room = gtid_only_in_room(a_txt, b_txt);
	assert_non_null(buf = malloc(room));
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, room), (int64_t)U * (I - 1) * 5);
	assert_non_null(strstr(buf, "0000012b-0000-4000-8000-000000000000:11-15:21-25"));
	assert_int_equal(gtid_mysql_only_in(&b, &a, buf, room), 0);
	/* An interval touching two others merges them: one fewer. */
	snprintf(a_txt + oa, cap - oa, ",00000000-0000-4000-8000-000000000000:6-10");
	mysql(a_txt, &a);
	assert_int_equal(a.u[0].nint, I - 1);
	gtid_mysql_free(&a);
	gtid_mysql_free(&b);
	free(a_txt);
	free(b_txt);
	free(buf);
}

static void test_mdb_only_in(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		int64_t a_not_b;
		const char *a_text;
		int64_t b_not_a;
		const char *b_text;
	} cases[] = {
		{ "0-1-100", "0-1-100", 0, "", 0, "" },
		{ "", "", 0, "", 0, "" },
		{ "0-1-105", "0-1-100", 5, "0-1-101..105", 0, "" },
		{ "0-1-105", "0-2-100", 5, "0-1-101..105", 0, "" },
		{ "0-1-100,1-2-7", "0-1-100", 7, "1-2-1..7", 0, "" },
		{ "0-1-100,1-2-7", "", 107, "0-1-1..100,1-2-1..7", 0, "" },
		/* Same seq, other server: two different transactions, each side has one the other lacks. */
		{ "0-1-100", "0-2-100", 1, "0-1-100..100", 1, "0-2-100..100" },
		{ "0-1-100,2-5-9", "0-2-100,2-5-10", 1, "0-1-100..100", 2, "0-2-100..100,2-5-10..10" },
		{ "0-1-12,3-1-4", "3-2-6,4-2-1", 12, "0-1-1..12", 3, "3-2-5..6,4-2-1..1" },
		{ "0-1-0", "", 0, "", 0, "" },
	};
	static struct gtid_mdb_pos a, b;
	char buf[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mdb(cases[i].a, &a);
		mdb(cases[i].b, &b);
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(gtid_mdb_only_in(&a, &b, buf, sizeof(buf)), cases[i].a_not_b);
		assert_string_equal(buf, cases[i].a_text);
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(gtid_mdb_only_in(&b, &a, buf, sizeof(buf)), cases[i].b_not_a);
		assert_string_equal(buf, cases[i].b_text);
	}
}

static void test_mdb_only_in_saturates(void **state)
{
	(void)state;
	static struct gtid_mdb_pos a, b;
	char buf[128];

	mdb("0-1-18446744073709551615", &a);
	mdb("", &b);
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, sizeof(buf)), INT64_MAX);
	assert_string_equal(buf, "0-1-1..18446744073709551615");
	mdb("0-1-9223372036854775807,1-1-9223372036854775807", &a);
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, sizeof(buf)), INT64_MAX);
	mdb("0-1-9223372036854775806,1-1-1", &a);
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, sizeof(buf)), INT64_MAX);
	mdb("0-1-9223372036854775805,1-1-1", &a);
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, sizeof(buf)), INT64_MAX - 1);
}

static void test_mdb_only_in_buffer(void **state)
{
	(void)state;
	static struct gtid_mdb_pos a, b;
	char buf[32];

	mdb("0-1-105,1-1-3", &a);
	mdb("0-1-100", &b);
	/* "0-1-101..105,1-1-1..3" is 21 characters plus the terminator. */
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, 22), 8);
	assert_string_equal(buf, "0-1-101..105,1-1-1..3");
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, 21), -1);
	assert_int_equal(gtid_mdb_only_in(&a, &b, buf, 5), -1);
	assert_int_equal(gtid_mdb_only_in(&a, &b, NULL, 0), -1);
	/* An empty result still needs its terminator. */
	assert_int_equal(gtid_mdb_only_in(&b, &a, buf, 1), 0);
	assert_string_equal(buf, "");
	assert_int_equal(gtid_mdb_only_in(&b, &a, buf, 0), -1);
}

static void test_mysql_only_in(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		int64_t a_not_b;
		const char *a_text;
		int64_t b_not_a;
		const char *b_text;
	} cases[] = {
		{ U1 ":1-100", U1 ":1-100", 0, "", 0, "" },
		{ "", "", 0, "", 0, "" },
		{ U1 ":1-5:7-9,\n" U2 ":1", "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-9,\n" U2 ":1",
		  0, "", 1, U1 ":6" },
		{ U1 ":1-100", U1 ":1-90", 10, U1 ":91-100", 0, "" },
		{ U1 ":1-100", U1 ":10-20:50", 88, U1 ":1-9:21-49:51-100", 0, "" },
		{ U1 ":1-10", U1 ":5-15", 4, U1 ":1-4", 5, U1 ":11-15" },
		{ U1 ":1-10", "", 10, U1 ":1-10", 0, "" },
		{ U1 ":1-3:5-7:9-11", U1 ":2-10", 2, U1 ":1:11", 2, U1 ":4:8" },
		{ U1 ":1-10," U2 ":1-5", U2 ":1-3," U3 ":1", 12, U1 ":1-10," U2 ":4-5", 1, U3 ":1" },
		{ U1 ":1-10," U2 ":1-5", U1 ":1-10," U2 ":1-5," U3 ":7-8", 0, "", 2, U3 ":7-8" },
		{ U1 ":5", U1 ":1-4:6-9", 1, U1 ":5", 8, U1 ":1-4:6-9" },
	};
	static struct gtid_mysql_set a, b;
	char buf[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mysql(cases[i].a, &a);
		mysql(cases[i].b, &b);
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(gtid_mysql_only_in(&a, &b, buf, sizeof(buf)), cases[i].a_not_b);
		assert_string_equal(buf, cases[i].a_text);
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(gtid_mysql_only_in(&b, &a, buf, sizeof(buf)), cases[i].b_not_a);
		assert_string_equal(buf, cases[i].b_text);
	}
}

static void test_mysql_only_in_round_trip(void **state)
{
	(void)state;
	static struct gtid_mysql_set a, b, d, empty;
	char buf[512], buf2[512];

	/* The difference parses back, and subtracting it from a leaves exactly what b also has. */
	mysql(U1 ":1-100:200-300," U2 ":1-5:9," U3 ":4", &a);
	mysql(U1 ":50-250," U2 ":2-9", &b);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, sizeof(buf)), 49 + 50 + 1 + 1);
	assert_string_equal(buf, U1 ":1-49:251-300," U2 ":1," U3 ":4");
	mysql(buf, &d);
	assert_int_equal(gtid_mysql_only_in(&d, &a, buf2, sizeof(buf2)), 0);
	mysql("", &empty);
	assert_int_equal(gtid_mysql_only_in(&d, &empty, buf2, sizeof(buf2)), 101);
}

static void test_mysql_only_in_limits(void **state)
{
	(void)state;
	static struct gtid_mysql_set a, b;
	char buf[128];

	mysql(U1 ":1-9223372036854775807," U2 ":1-9223372036854775807", &a);
	mysql("", &b);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, sizeof(buf)), INT64_MAX);
	mysql(U1 ":1-9223372036854775807", &a);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, sizeof(buf)), INT64_MAX);
	assert_string_equal(buf, U1 ":1-9223372036854775807");
	mysql(U1 ":9223372036854775807", &b);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, sizeof(buf)), INT64_MAX - 1);
	assert_string_equal(buf, U1 ":1-9223372036854775806");
	assert_int_equal(gtid_mysql_only_in(&b, &a, buf, sizeof(buf)), 0);

	/* Buffer: U1 ":1-3" is 40 characters plus the terminator. */
	mysql(U1 ":1-3", &a);
	mysql("", &b);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, 41), 3);
	assert_int_equal(gtid_mysql_only_in(&a, &b, buf, 40), -1);
	assert_int_equal(gtid_mysql_only_in(&a, &b, NULL, 0), -1);
}

static void test_mdb_wait_target(void **state)
{
	(void)state;
	static const struct {
		const char *io, *slave;
		int n;
		const char *text;
	} cases[] = {
		{ "0-1-105", "0-1-100", 1, "0-1-105" },
		/* Domain 1 comes from our own binlog (current_pos): absent in slave_pos, would block. */
		{ "0-1-105,1-2-7", "0-1-100", 1, "0-1-105" },
		{ "0-1-105,1-2-7", "1-2-3,0-1-100", 2, "0-1-105,1-2-7" },
		{ "1-2-7", "0-1-100", 0, "" },
		{ "", "0-1-100", 0, "" },
		{ "0-1-105", "", 0, "" },
		{ "3-4-5,0-1-105", "3-9-1,0-1-1", 2, "0-1-105,3-4-5" },
	};
	static struct gtid_mdb_pos io, slave;
	char buf[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mdb(cases[i].io, &io);
		mdb(cases[i].slave, &slave);
		memset(buf, 'x', sizeof(buf));
		assert_int_equal(gtid_mdb_wait_target(&io, &slave, buf, sizeof(buf)), cases[i].n);
		assert_string_equal(buf, cases[i].text);
	}
	mdb("0-1-105,1-2-7", &io);
	mdb("0-1-1,1-1-1", &slave);
	assert_int_equal(gtid_mdb_wait_target(&io, &slave, buf, 14), 2);
	assert_int_equal(gtid_mdb_wait_target(&io, &slave, buf, 13), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mdb_parse_valid),
		cmocka_unit_test(test_mdb_parse_empty),
		cmocka_unit_test(test_mdb_parse_malformed),
		cmocka_unit_test(test_mdb_any_length),
		cmocka_unit_test(test_mysql_parse_valid),
		cmocka_unit_test(test_mysql_parse_merge),
		cmocka_unit_test(test_mysql_parse_malformed),
		cmocka_unit_test(test_mysql_tagged),
		cmocka_unit_test(test_mysql_any_length),
		cmocka_unit_test(test_mdb_only_in),
		cmocka_unit_test(test_mdb_only_in_saturates),
		cmocka_unit_test(test_mdb_only_in_buffer),
		cmocka_unit_test(test_mysql_only_in),
		cmocka_unit_test(test_mysql_only_in_round_trip),
		cmocka_unit_test(test_mysql_only_in_limits),
		cmocka_unit_test(test_mdb_wait_target),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
