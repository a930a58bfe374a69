/* Health policy: fall/rise counters and every eligibility/priority rule, with exact reason texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "health_policy.h"

/* Counter: a sequence of samples ('+' ok, '-' fail) and, per sample, whether `up` flips and its value. */
static void run_counter(const char *samples, int fall, int rise, const char *flips, const char *ups)
{
	struct health_counter c = { 0 };

	assert_false(c.up);
	for (size_t i = 0; samples[i]; i++) {
		bool flipped = health_counter_feed(&c, samples[i] == '+', fall, rise);

		if (flipped != (flips[i] == '!') || c.up != (ups[i] == 'U'))
			fail_msg("\"%s\" fall %d rise %d: sample %zu flipped=%d up=%d", samples, fall, rise,
				 i, flipped, c.up);
		assert_true(c.known);
	}
}

static void test_counter_sequences(void **state)
{
	(void)state;
	static const struct {
		const char *samples;
		int fall, rise;
		const char *flips, *ups;
	} cases[] = {
		/* Starts down: failures change nothing, `rise` oks bring it up. */
		{ "---", 2, 2, "...", "ddd" },
		{ "++", 2, 2, ".!", "dU" },
		{ "+-++", 2, 2, "...!", "dddU" },
		{ "++-+-+--", 2, 2, ".!.....!", "dUUUUUUd" },
		{ "++--++", 2, 2, ".!.!.!", "dUUddU" },
		{ "++-+-", 2, 2, ".!...", "dUUUU" },
		{ "+++---+", 2, 3, "..!.!..", "ddUUddd" },
		{ "+-+", 1, 1, "!!!", "UdU" },
		/* fall/rise below 1 behave as 1. */
		{ "+-", 0, 0, "!!", "Ud" },
		{ "+-", -5, -1, "!!", "Ud" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_counter(cases[i].samples, cases[i].fall, cases[i].rise, cases[i].flips, cases[i].ups);
}

static void test_counter_counts(void **state)
{
	(void)state;
	struct health_counter c = { 0 };

	assert_false(c.known);
	assert_false(health_counter_feed(&c, false, 2, 2));
	assert_true(c.known);
	assert_int_equal(c.fails, 1);
	assert_int_equal(c.oks, 0);
	assert_false(health_counter_feed(&c, false, 2, 2));
	assert_int_equal(c.fails, 2);
	assert_false(health_counter_feed(&c, true, 2, 2));
	assert_int_equal(c.fails, 0);
	assert_int_equal(c.oks, 1);
	assert_true(health_counter_feed(&c, true, 2, 2));
	assert_int_equal(c.oks, 2);
	assert_true(health_counter_feed(&c, true, 2, 2) == false);
	assert_int_equal(c.oks, 3);
	assert_true(c.up);

	/* Long runs saturate instead of overflowing. */
	c.oks = INT32_MAX;
	assert_false(health_counter_feed(&c, true, 2, 2));
	assert_int_equal(c.oks, INT32_MAX);
	c.fails = INT32_MAX;
	c.up = false;
	assert_false(health_counter_feed(&c, false, 2, 2));
	assert_int_equal(c.fails, INT32_MAX);
}

enum local_kind { L_UP = 0, L_DOWN, L_RISING, L_UNKNOWN, L_PROBE_FAIL };
enum peer_kind { P_UP = 0, P_DOWN, P_UNKNOWN, P_RISING };

#define LAG_NULL (-1)

struct tcase {
	const char *name;
	bool master, promote_stale, isolated, maintenance;
	int base;               /* 0: 150 */
	enum local_kind local;
	int local_fails;
	const char *local_err;
	enum peer_kind peer;
	bool no_repl;           /* no SHOW REPLICA STATUS row */
	enum repl_io io;        /* 0 (NONE) with !no_repl means "Yes" here; use IO_NONE for a NONE row */
	int io_errno;
	bool sql_stopped;
	int sql_errno;
	const char *sql_err;
	int64_t lag;
	int read_only;
	/* expected */
	bool eligible;
	int priority;
	const char *reason;
};

#define IO_NONE 100

static const struct tcase cases[] = {
	{ .name = "healthy backup", .eligible = true, .priority = 150, .reason = "ok" },
	{ .name = "healthy master", .master = true, .eligible = true, .priority = 150, .reason = "ok" },
	{ .name = "maintenance changes nothing", .maintenance = true, .eligible = true, .priority = 150,
	  .reason = "ok" },

	/* Local server down per counter, or not yet confirmed up. */
	{ .name = "local down backup", .local = L_DOWN, .local_fails = 3,
	  .local_err = "Can't connect to server on '127.0.0.1' (111)",
	  .reason = "local mysqld unreachable (3 fails): Can't connect to server on '127.0.0.1' (111)" },
	{ .name = "local down master", .master = true, .promote_stale = true, .local = L_DOWN,
	  .local_fails = 2, .local_err = "timeout", .reason = "local mysqld unreachable (2 fails): timeout" },
	{ .name = "local down no text", .local = L_DOWN, .local_fails = 2,
	  .reason = "local mysqld unreachable (2 fails)" },
	{ .name = "local down newline in text", .local = L_DOWN, .local_fails = 2, .local_err = "a\nb\tc",
	  .reason = "local mysqld unreachable (2 fails): a b c" },
	{ .name = "local rising", .local = L_RISING, .reason = "local mysqld not confirmed up yet (1/2 ok)" },
	{ .name = "local never probed", .master = true, .local = L_UNKNOWN,
	  .reason = "local mysqld not confirmed up yet (0/2 ok)" },
	{ .name = "local down hides replication", .local = L_DOWN, .local_fails = 2, .sql_stopped = true,
	  .io = REPL_IO_NO, .reason = "local mysqld unreachable (2 fails)" },
	{ .name = "local down and isolated", .local = L_DOWN, .local_fails = 4, .isolated = true,
	  .peer = P_DOWN, .reason = "local mysqld unreachable (4 fails) +2 more" },

	/* One failed probe inside the fall window changes nothing but the reason: fall decides. */
	{ .name = "probe failed backup", .local = L_PROBE_FAIL, .local_fails = 1, .eligible = true,
	  .priority = 150, .local_err = "lost connection",
	  .reason = "local mysqld probe failed (1 fails): lost connection" },
	{ .name = "probe failed backup stale", .promote_stale = true, .local = L_PROBE_FAIL, .local_fails = 1,
	  .local_err = "lost connection", .eligible = true, .priority = 150,
	  .reason = "local mysqld probe failed (1 fails): lost connection" },
	{ .name = "probe failed master", .master = true, .local = L_PROBE_FAIL, .local_fails = 1,
	  .eligible = true, .priority = 150, .reason = "local mysqld probe failed (1 fails)" },
	{ .name = "probe failed master isolated", .master = true, .local = L_PROBE_FAIL, .local_fails = 1,
	  .isolated = true, .reason = "isolated: no tiebreaker target reachable +1 more" },

	/* Isolation. */
	{ .name = "isolated backup", .isolated = true, .reason = "isolated: no tiebreaker target reachable" },
	{ .name = "isolated master stale", .master = true, .promote_stale = true, .isolated = true,
	  .reason = "isolated: no tiebreaker target reachable" },

	/* read_only on the master: someone fenced it. */
	{ .name = "master read-only", .master = true, .read_only = 1,
	  .reason = "local server read-only while master" },
	{ .name = "master read-only stale", .master = true, .promote_stale = true, .read_only = 1,
	  .peer = P_DOWN, .reason = "local server read-only while master +1 more" },
	{ .name = "backup read-only is normal", .read_only = 1, .eligible = true, .priority = 150,
	  .reason = "ok" },

	/* SQL thread. */
	{ .name = "sql error backup", .sql_stopped = true, .sql_errno = 1062,
	  .sql_err = "Duplicate entry '1' for key 'PRIMARY'", .lag = LAG_NULL,
	  .reason = "sql thread stopped: errno 1062 Duplicate entry '1' for key 'PRIMARY'" },
	{ .name = "sql error backup stale", .promote_stale = true, .sql_stopped = true, .sql_errno = 1062,
	  .sql_err = "Duplicate entry", .lag = LAG_NULL, .eligible = true, .priority = 120,
	  .reason = "sql thread stopped: errno 1062 Duplicate entry" },
	{ .name = "sql error master", .master = true, .sql_stopped = true, .sql_errno = 1146, .lag = LAG_NULL,
	  .eligible = true, .priority = 150, .reason = "sql thread stopped: errno 1146" },
	{ .name = "sql stopped by hand", .sql_stopped = true, .lag = LAG_NULL,
	  .reason = "sql thread not running" },

	/* IO thread: blocks only while the peer may be up, and not while it retries after a network
	 * error (the first witness of a dead peer); a refusal such as a bad password still blocks. */
	{ .name = "io down peer up", .io = REPL_IO_NO, .io_errno = 1236, .lag = LAG_NULL,
	  .reason = "io thread not running (No): errno 1236" },
	{ .name = "io retrying network peer up", .io = REPL_IO_CONNECTING, .io_errno = 2003, .lag = LAG_NULL,
	  .eligible = true, .priority = 130, .reason = "io thread not running (Connecting): errno 2003" },
	{ .name = "io retrying lost peer up", .io = REPL_IO_CONNECTING, .io_errno = 2013, .lag = LAG_NULL,
	  .eligible = true, .priority = 130, .reason = "io thread not running (Connecting): errno 2013" },
	{ .name = "io retrying refused peer up", .io = REPL_IO_CONNECTING, .io_errno = 1045, .lag = LAG_NULL,
	  .reason = "io thread not running (Connecting): errno 1045" },
	{ .name = "io down peer up stale", .promote_stale = true, .io = REPL_IO_CONNECTING, .io_errno = 2003,
	  .lag = LAG_NULL, .eligible = true, .priority = 130,
	  .reason = "io thread not running (Connecting): errno 2003" },
	{ .name = "io down peer up master", .master = true, .io = REPL_IO_NO, .lag = LAG_NULL,
	  .eligible = true, .priority = 150, .reason = "io thread not running (No)" },
	{ .name = "io down peer down", .io = REPL_IO_CONNECTING, .io_errno = 2003, .peer = P_DOWN,
	  .lag = LAG_NULL, .eligible = true, .priority = 120,
	  .reason = "io thread not running (Connecting): errno 2003 +1 more" },
	{ .name = "io down peer unknown", .io = REPL_IO_NO, .peer = P_UNKNOWN, .lag = LAG_NULL,
	  .reason = "io thread not running (No)" },
	{ .name = "io down peer answering again", .io = REPL_IO_NO, .peer = P_RISING, .lag = LAG_NULL,
	  .reason = "io thread not running (No) +1 more" },
	{ .name = "io down peer answering again stale", .promote_stale = true, .io = REPL_IO_NO,
	  .peer = P_RISING, .lag = LAG_NULL, .eligible = true, .priority = 120,
	  .reason = "io thread not running (No) +1 more" },

	/* Lag. */
	{ .name = "lag over backup", .lag = 45, .reason = "lag 45s > max_lag_s 30" },
	{ .name = "lag over backup stale", .promote_stale = true, .lag = 45, .eligible = true,
	  .priority = 135, .reason = "lag 45s > max_lag_s 30" },
	{ .name = "lag over master", .master = true, .lag = 45, .eligible = true, .priority = 150,
	  .reason = "lag 45s > max_lag_s 30" },
	{ .name = "lag at limit", .lag = 30, .eligible = true, .priority = 150, .reason = "ok" },
	{ .name = "lag unknown backup", .lag = LAG_NULL, .eligible = true, .priority = 150,
	  .reason = "lag unknown (NULL)" },
	{ .name = "lag unknown master", .master = true, .lag = LAG_NULL, .eligible = true, .priority = 150,
	  .reason = "ok" },
	{ .name = "lag unknown after peer", .lag = LAG_NULL, .peer = P_DOWN, .eligible = true,
	  .priority = 140, .reason = "peer mysqld unreachable +1 more" },
	/* A blocking reason outranks an earlier penalty. */
	{ .name = "lag blocks after io penalty", .io = REPL_IO_NO, .peer = P_DOWN, .lag = 45,
	  .reason = "lag 45s > max_lag_s 30 +2 more" },

	/* Peer. */
	{ .name = "peer down backup", .peer = P_DOWN, .eligible = true, .priority = 140,
	  .reason = "peer mysqld unreachable" },
	{ .name = "peer down master", .master = true, .peer = P_DOWN, .eligible = true, .priority = 140,
	  .reason = "peer mysqld unreachable" },
	{ .name = "peer not probed yet", .peer = P_UNKNOWN, .eligible = true, .priority = 150,
	  .reason = "ok" },

	/* No replication configured. */
	{ .name = "no repl backup", .no_repl = true, .reason = "replication not configured" },
	{ .name = "io none backup", .io = IO_NONE, .reason = "replication not configured" },
	{ .name = "no repl backup stale", .promote_stale = true, .no_repl = true, .eligible = true,
	  .priority = 100, .reason = "replication not configured" },
	{ .name = "no repl master", .master = true, .no_repl = true, .peer = P_DOWN, .eligible = true,
	  .priority = 140, .reason = "replication not configured +1 more" },

	/* Several penalties: the main one first, the rest counted. */
	{ .name = "all penalties stale", .promote_stale = true, .sql_stopped = true, .sql_errno = 1062,
	  .sql_err = "Duplicate entry", .io = REPL_IO_NO, .io_errno = 2013, .lag = 100, .peer = P_DOWN,
	  .eligible = true, .priority = 75,
	  .reason = "sql thread stopped: errno 1062 Duplicate entry +3 more" },
	{ .name = "all penalties maintenance", .maintenance = true, .promote_stale = true,
	  .sql_stopped = true, .sql_errno = 1062, .sql_err = "Duplicate entry", .io = REPL_IO_NO,
	  .io_errno = 2013, .lag = 100, .peer = P_DOWN, .eligible = true, .priority = 75,
	  .reason = "sql thread stopped: errno 1062 Duplicate entry +3 more" },

	/* Clamping. */
	{ .name = "clamp low", .base = 30, .promote_stale = true, .sql_stopped = true, .io = REPL_IO_NO,
	  .lag = LAG_NULL, .peer = P_DOWN, .eligible = true, .priority = 1,
	  .reason = "sql thread not running +2 more" },
	{ .name = "clamp exactly zero", .base = 60, .promote_stale = true, .sql_stopped = true, .io = REPL_IO_NO,
	  .lag = LAG_NULL, .peer = P_DOWN, .eligible = true, .priority = 1,
	  .reason = "sql thread not running +2 more" },
	{ .name = "clamp high", .base = 300, .eligible = true, .priority = 254, .reason = "ok" },
	{ .name = "base 254", .base = 254, .eligible = true, .priority = 254, .reason = "ok" },
	{ .name = "base 1 penalty", .base = 1, .peer = P_DOWN, .eligible = true, .priority = 1,
	  .reason = "peer mysqld unreachable" },
	{ .name = "not eligible is 0 whatever the base", .base = 254, .isolated = true,
	  .reason = "isolated: no tiebreaker target reachable" },
};

static void base_conf(struct conf *c, int base, bool promote_stale)
{
	memset(c, 0, sizeof(*c));
	c->vrrp.priority = base ? base : 150;
	c->health.fall = 2;
	c->health.rise = 2;
	c->health.max_lag_s = 30;
	c->health.weight_io_down = 20;
	c->health.weight_sql_down = 30;
	c->health.weight_lag = 15;
	c->health.weight_peer_down = 10;
	c->takeover.promote_stale = promote_stale;
}

static void build_local(const struct tcase *t, struct db_state *db, struct health_counter *lc)
{
	memset(db, 0, sizeof(*db));
	db->flavor = DB_FLAVOR_MARIADB;
	db->reachable = t->local == L_UP || t->local == L_RISING;
	db->read_only = t->read_only;
	db->super_read_only = -1;
	snprintf(db->error, sizeof(db->error), "%s", t->local_err ? t->local_err : "");
	lc->up = t->local == L_UP || t->local == L_PROBE_FAIL;
	lc->known = t->local != L_UNKNOWN;
	lc->fails = t->local_fails;
	lc->oks = t->local == L_UP ? 5 : t->local == L_RISING ? 1 : 0;

	struct repl_status *r = &db->repl;

	if (t->no_repl) {
		r->lag_s = -1;
		return;
	}
	r->configured = true;
	r->io = t->io == IO_NONE ? REPL_IO_NONE : t->io ? t->io : REPL_IO_YES;
	r->last_io_errno = t->io_errno;
	r->sql_running = !t->sql_stopped;
	r->last_sql_errno = t->sql_errno;
	snprintf(r->last_sql_error, sizeof(r->last_sql_error), "%s", t->sql_err ? t->sql_err : "");
	r->lag_s = t->lag;
}

static void build_peer(const struct tcase *t, struct db_state *db, struct health_counter *pc)
{
	memset(db, 0, sizeof(*db));
	memset(pc, 0, sizeof(*pc));
	db->reachable = t->peer == P_UP || t->peer == P_RISING;
	pc->up = t->peer == P_UP;
	pc->known = t->peer != P_UNKNOWN;
	pc->fails = t->peer == P_DOWN ? 2 : 0;
	pc->oks = t->peer == P_UP ? 9 : t->peer == P_RISING ? 1 : 0;
}

static struct health_verdict eval_case(const struct tcase *t)
{
	struct conf c;
	struct db_state local, peer;
	struct health_counter lc, pc;

	base_conf(&c, t->base, t->promote_stale);
	build_local(t, &local, &lc);
	build_peer(t, &peer, &pc);

	struct health_input in = {
		.local = &local,
		.local_c = &lc,
		.peer = &peer,
		.peer_c = &pc,
		.is_master = t->master,
		.isolated = t->isolated,
		.maintenance = t->maintenance,
	};

	return health_evaluate(&c, &in);
}

static void test_rules(void **state)
{
	(void)state;
	int bad = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *t = &cases[i];
		struct health_verdict v = eval_case(t);

		if (v.eligible != t->eligible || v.priority != t->priority ||
		    strcmp(v.reason, t->reason) != 0) {
			print_error("case \"%s\": got eligible=%d priority=%d reason=\"%s\"\n"
				    "             want eligible=%d priority=%d reason=\"%s\"\n",
				    t->name, v.eligible, v.priority, v.reason, t->eligible, t->priority,
				    t->reason);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Flipping only promote_stale turns every replication blocker into its weight. */
static void test_promote_stale_both_ways(void **state)
{
	(void)state;
	struct tcase t = { .sql_stopped = true, .sql_errno = 1032, .io = REPL_IO_NO, .lag = LAG_NULL };
	struct health_verdict v;

	v = eval_case(&t);
	assert_false(v.eligible);
	assert_int_equal(v.priority, 0);
	t.promote_stale = true;
	v = eval_case(&t);
	assert_true(v.eligible);
	assert_int_equal(v.priority, 150 - 30 - 20);
	assert_string_equal(v.reason, "sql thread stopped: errno 1032 +1 more");
	t.promote_stale = false;
	t.master = true;
	v = eval_case(&t);
	assert_true(v.eligible);
	/* A master's own inbound replication costs it nothing (reason only). */
	assert_int_equal(v.priority, 150);
}

static void test_reason_truncation(void **state)
{
	(void)state;
	char longmsg[DB_ERR_LEN], want[256];
	struct tcase t = { .sql_stopped = true, .sql_errno = 1062, .lag = LAG_NULL };
	struct health_verdict v;
	const char *head = "sql thread stopped: errno 1062 ";

	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	t.sql_err = longmsg;

	/* Alone: the issue text is cut to the reason's size with a visible mark. */
	v = eval_case(&t);
	assert_int_equal(strlen(v.reason), sizeof(v.reason) - 1);
	snprintf(want, sizeof(want), "%s%.*s...", head, (int)(sizeof(v.reason) - 4 - strlen(head)), longmsg);
	assert_string_equal(v.reason, want);

	/* With more reasons the count always survives the cut. */
	t.io = REPL_IO_NO;
	v = eval_case(&t);
	assert_int_equal(strlen(v.reason), sizeof(v.reason) - 1);
	snprintf(want, sizeof(want), "%s%.*s... +1 more", head,
		 (int)(sizeof(v.reason) - 1 - strlen("... +1 more") - strlen(head)), longmsg);
	assert_string_equal(v.reason, want);
}

/* Counters and evaluation together (fall=2, rise=2): one failed probe inside the fall window moves
 * neither the writer nor a replica; two do. */
static void run_eligibility_sequence(bool master, const char *samples, const char *eligible)
{
	struct conf c;
	struct db_state local, peer;
	struct health_counter lc, pc;
	struct tcase t = { .master = master };

	base_conf(&c, 0, false);
	build_local(&t, &local, &lc);
	build_peer(&t, &peer, &pc);
	memset(&lc, 0, sizeof(lc));
	snprintf(local.error, sizeof(local.error), "timeout");
	for (size_t i = 0; samples[i]; i++) {
		local.reachable = samples[i] == '+';
		health_counter_feed(&lc, local.reachable, c.health.fall, c.health.rise);

		struct health_input in = {
			.local = &local, .local_c = &lc, .peer = &peer, .peer_c = &pc, .is_master = master
		};
		struct health_verdict v = health_evaluate(&c, &in);

		if (v.eligible != (eligible[i] == 'E'))
			fail_msg("%s, \"%s\" sample %zu: eligible=%d reason \"%s\"",
				 master ? "master" : "backup", samples, i, v.eligible, v.reason);
	}
}

static void test_counter_drives_eligibility(void **state)
{
	(void)state;
	run_eligibility_sequence(true, "++-+--++-", "-EEEE--EE");
	run_eligibility_sequence(false, "++-+--++-", "-EEEE--EE");

	struct conf c;
	struct db_state local, peer;
	struct health_counter lc = { .up = true, .known = true, .oks = 3 }, pc;
	struct tcase t = { 0 };

	base_conf(&c, 0, false);
	build_local(&t, &local, &lc);
	build_peer(&t, &peer, &pc);
	local.reachable = false;
	snprintf(local.error, sizeof(local.error), "timeout");

	struct health_input in = { .local = &local, .local_c = &lc, .peer = &peer, .peer_c = &pc };

	health_counter_feed(&lc, false, c.health.fall, c.health.rise);
	assert_string_equal(health_evaluate(&c, &in).reason, "local mysqld probe failed (1 fails): timeout");
	health_counter_feed(&lc, false, c.health.fall, c.health.rise);
	assert_string_equal(health_evaluate(&c, &in).reason, "local mysqld unreachable (2 fails): timeout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_sequences),
		cmocka_unit_test(test_counter_counts),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_promote_stale_both_ways),
		cmocka_unit_test(test_reason_truncation),
		cmocka_unit_test(test_counter_drives_eligibility),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
