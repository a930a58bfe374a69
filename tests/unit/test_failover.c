/* The takeover / step-down / switchover step machine, driven by hand-made worker results. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "failover.h"

#define T0 1000000ull

static struct fo_input base_input(void)
{
	struct fo_input in = {
		.fence_peer = true,
		.manage_semisync = true,
		.kill_clients = true,
		.fence_timeout_ms = 2000,
		.catchup_timeout_ms = 5000,
		.peer_up = true,
		.local_semisync_master = true,
		.term = 8,
		.holder = "db2",
	};
	return in;
}

static struct db_result res(const struct fo_cmd *c, int rc, bool reachable, int read_only)
{
	struct db_result r;
	memset(&r, 0, sizeof(r));
	r.id = c->job.id;
	r.type = c->job.type;
	r.rc = rc;
	r.state.reachable = reachable;
	r.state.read_only = read_only;
	if (rc) {
		strcpy(r.error, "boom");
		/* What the worker classifies: no answer at all, or an error from a live server. */
		r.err = reachable ? DB_ERR_SERVER : DB_ERR_UNREACHABLE;
	}
	return r;
}

static void expect_db(const struct fo_cmd *c, enum fo_target t, enum db_job_type type)
{
	assert_int_equal(c->type, FO_CMD_DB);
	assert_int_equal(c->target, t);
	assert_int_equal(c->job.type, type);
}

/* The write-enable is followed by the term, then the claim. */
static struct fo_cmd term_then_claim(struct failover *f, struct fo_cmd c, uint64_t now)
{
	expect_db(&c, FO_LOCAL, DB_JOB_TERM);
	struct db_result r = res(&c, 0, true, 0);
	return fo_db_result(f, &r, now);
}

static void test_takeover_happy_path(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r;

	expect_db(&c, FO_PEER, DB_JOB_FENCE);
	assert_int_equal(f.deadline_us, T0 + 2000000 + 1000000);
	r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0 + 1);
	assert_true(f.fenced);
	expect_db(&c, FO_LOCAL, DB_JOB_CATCHUP);
	assert_int_equal(c.job.timeout_ms, 5000);
	r = res(&c, 0, true, 1);
	/* A fenced, live peer still acks: semi-sync stays on. */
	c = fo_db_result(&f, &r, T0 + 2);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_WRITABLE);
	r = res(&c, 0, true, 0);
	c = fo_db_result(&f, &r, T0 + 3);
	/* The term: above both servers' known terms, with our name. */
	assert_int_equal(c.job.term, 8);
	assert_string_equal(c.job.holder, "db2");
	c = term_then_claim(&f, c, T0 + 3);
	assert_true(f.term_written);
	assert_int_equal(c.type, FO_CMD_CLAIM);
	assert_int_equal(f.step, FO_STEP_CLAIM);
	c = fo_claim_result(&f, 0, T0 + 4);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_true(f.ok);
	assert_int_equal(f.step, FO_STEP_DONE);
	assert_false(fo_active(&f));
}

static void test_takeover_dead_peer_turns_semisync_off(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, -ECONNREFUSED, false, -1);

	c = fo_db_result(&f, &r, T0);
	assert_true(f.peer_dead);
	/* Before the catch-up: the applier's own commits would wait for the dead peer's ack. */
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
	assert_false(c.job.on);
	r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0);
	assert_true(f.semisync_off);
	expect_db(&c, FO_LOCAL, DB_JOB_CATCHUP);
	r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_WRITABLE);
	assert_non_null(strstr(f.note, "peer server unreachable"));
}

static void test_peer_known_down_skips_fence(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.peer_up = false;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
	assert_true(f.peer_dead);
	in.local_semisync_master = false;
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_CATCHUP);
}

static void test_fence_fails_on_live_peer_stays_readonly(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, -EPERM, true, 0);

	c = fo_db_result(&f, &r, T0);
	/* Nothing was write-enabled, so nothing to undo: finished, failed. */
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_false(f.writable);
	assert_non_null(strstr(f.reason, "peer server answers but could not be fenced: boom"));
}

static void test_fence_timeout_carries_on(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	uint64_t fence_id = c.job.id;

	assert_int_equal(f.job_target, FO_PEER);
	c = fo_tick(&f, f.deadline_us, false);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
	assert_true(f.peer_dead);
	/* The late fence result is ignored. */
	struct db_result late = { .id = fence_id, .rc = 0 };
	struct fo_cmd none = fo_db_result(&f, &late, T0 + 5000000);
	assert_int_equal(none.type, FO_CMD_NONE);
	assert_int_equal(f.step, FO_STEP_SEMISYNC_OFF);
}

/* A fence the supervisor sent ahead of the takeover: in flight, the FENCE step waits for that job
 * (no second one) with the windows counted from when it was sent; back already, its result is the
 * step's, whichever it was. */
static void test_fence_sent_ahead(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.fence_answer_ms = 200;
	in.prefence_job_id = 77;
	in.prefence_sent_us = T0 - 50000;
	in.prefence_answer_ms = 50;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_int_equal(c.type, FO_CMD_NONE);
	assert_int_equal(f.step, FO_STEP_FENCE);
	assert_int_equal(f.job_id, 77);
	assert_int_equal(f.job_target, FO_PEER);
	/* Its answer window ended as the takeover started: no answer, the peer is taken for cut off. */
	assert_int_equal(f.deadline_us, T0);
	c = fo_tick(&f, T0, false);
	assert_true(c.cancel);
	assert_int_equal(c.cancel_target, FO_PEER);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
	assert_true(f.peer_dead);

	/* Its answer arrives during the takeover: the step goes on from it. */
	memset(&f, 0, sizeof(f));
	in.prefence_sent_us = T0 - 10000;
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_int_equal(f.deadline_us, T0 + 40000);
	struct db_result r = { .id = 77, .type = DB_JOB_FENCE, .rc = 0, .state = { .reachable = true, .read_only = 1 } };
	c = fo_db_result(&f, &r, T0 + 1000);
	assert_true(f.fenced);
	expect_db(&c, FO_LOCAL, DB_JOB_CATCHUP);
	/* The peer answered something: the fence gets its whole bound, from when it was sent. */
	memset(&f, 0, sizeof(f));
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	c = fo_tick(&f, T0 + 40000, true);
	assert_int_equal(c.type, FO_CMD_NONE);
	assert_int_equal(f.deadline_us, T0 - 10000 + 2000000 + 1000000);

	/* Back before the takeover: fenced, unreachable, or alive and unfenceable. */
	in.prefence_job_id = 0;
	in.prefence_done = true;
	in.prefence_res = (struct db_result){ .id = 77, .type = DB_JOB_FENCE, .rc = 0,
					      .state = { .reachable = true, .read_only = 1 } };
	memset(&f, 0, sizeof(f));
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_true(f.fenced);
	expect_db(&c, FO_LOCAL, DB_JOB_CATCHUP);
	in.prefence_res = (struct db_result){ .id = 77, .type = DB_JOB_FENCE, .rc = -EHOSTUNREACH,
					      .err = DB_ERR_UNREACHABLE, .error = "no route" };
	memset(&f, 0, sizeof(f));
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_true(f.peer_dead);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
	in.prefence_res = (struct db_result){ .id = 77, .type = DB_JOB_FENCE, .rc = -EPERM, .err = DB_ERR_SERVER,
					      .error = "denied", .state = { .reachable = true } };
	memset(&f, 0, sizeof(f));
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_non_null(strstr(f.reason, "could not be fenced: denied"));
	/* A peer known down by now: nothing is fenced, whatever was sent ahead. */
	in.peer_up = false;
	memset(&f, 0, sizeof(f));
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_false(f.fenced);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
}

static void test_catchup_failure_keeps_backup(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.peer_up = false;
	in.local_semisync_master = false;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, -ETIMEDOUT, true, 1);

	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_string_equal(f.reason, "cannot catch up: relay log not applied in time");

	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 10, T0);
	c = fo_tick(&f, f.deadline_us, false);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
}

static void test_catchup_failure_promote_stale(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.peer_up = false;
	in.promote_stale = true;
	in.local_semisync_master = false;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, -EIO, true, 1);

	c = fo_db_result(&f, &r, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_WRITABLE);
	assert_non_null(strstr(f.note, "cannot catch up: boom (promote_stale)"));
}

static void test_writable_failure_is_undone(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.peer_up = false;
	in.local_semisync_master = false;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, 0, true, 1);

	c = fo_db_result(&f, &r, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_WRITABLE);
	r = res(&c, 0, true, 1); /* statement ok but still read-only */
	c = fo_db_result(&f, &r, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_READONLY);
	assert_true(c.job.kill_clients);
	r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_false(f.writable);
	assert_string_equal(f.reason, "read_only OFF failed: still read-only");
}

static void test_claim_failure_drops_vip_then_readonly(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.fence_peer = false;
	in.local_semisync_master = false;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, 0, true, 1);

	c = fo_db_result(&f, &r, T0);
	r = res(&c, 0, true, 0);
	c = fo_db_result(&f, &r, T0);
	c = term_then_claim(&f, c, T0);
	assert_int_equal(c.type, FO_CMD_CLAIM);
	c = fo_claim_result(&f, -EPERM, T0);
	assert_int_equal(c.type, FO_CMD_DROP_VIP);
	c = fo_vip_result(&f, 0, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_READONLY);
	r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_string_equal(f.reason, "claiming the VIP failed");
}

static void test_abort_before_and_after_writable(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.peer_up = false;
	in.local_semisync_master = false;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);

	/* During catch-up nothing needs undoing. */
	c = fo_abort(&f, "master appeared", T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_string_equal(f.reason, "aborted: master appeared");

	/* During write-enable the change may have happened: read_only ON again. */
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_WRITABLE);
	c = fo_abort(&f, "shutdown", T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_READONLY);
	r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.writable);
	/* Abort is a no-op once finished, and for step-downs. */
	assert_int_equal(fo_abort(&f, "again", T0).type, FO_CMD_NONE);
}

static void test_stepdown_order(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_STEPDOWN, &in, 1, T0);

	assert_int_equal(c.type, FO_CMD_DROP_VIP);
	assert_int_equal(fo_abort(&f, "x", T0).type, FO_CMD_NONE);
	c = fo_vip_result(&f, 0, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_READONLY);
	assert_true(c.job.kill_clients);
	struct db_result r = res(&c, -ECONNREFUSED, false, -1);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_true(f.ok); /* a dead server takes no writes */
	assert_non_null(strstr(f.note, "local server unreachable"));

	c = fo_start(&f, FO_KIND_STEPDOWN, &in, 1, T0);
	c = fo_vip_result(&f, 0, T0);
	r = res(&c, -EIO, true, 0);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_string_equal(f.reason, "read_only ON failed: boom");
}

static void test_switchover(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_SWITCHOVER, &in, 1, T0);
	struct db_result r;

	assert_int_equal(c.type, FO_CMD_DROP_VIP);
	c = fo_vip_result(&f, 0, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_READONLY);
	r = res(&c, 0, true, 1);
	r.state.flavor = DB_FLAVOR_MARIADB;
	r.state.server_id = 1;
	r.state.gtid_binlog_pos = (char *)"1-1-40,2-2-17";
	c = fo_db_result(&f, &r, T0);
	expect_db(&c, FO_PEER, DB_JOB_GTID_WAIT);
	/* Only our own domain: the peer's slave position never holds its own writes. */
	assert_string_equal(c.job.gtid, "1-1-40");
	r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_true(f.ok);

	/* The peer cannot catch up: write-enable and claim again, then report failure. */
	c = fo_start(&f, FO_KIND_SWITCHOVER, &in, 1, T0);
	c = fo_vip_result(&f, 0, T0);
	r = res(&c, 0, true, 1);
	r.state.flavor = DB_FLAVOR_MARIADB;
	r.state.server_id = 1;
	r.state.gtid_binlog_pos = (char *)"1-1-40";
	c = fo_db_result(&f, &r, T0);
	c = fo_tick(&f, f.deadline_us, false);
	expect_db(&c, FO_LOCAL, DB_JOB_SET_WRITABLE);
	r = res(&c, 0, true, 0);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_CLAIM);
	c = fo_claim_result(&f, 0, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_string_equal(f.reason, "peer did not catch up: timeout");
	fo_free(&f);
}

static void test_stale_results_ignored(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 100, T0);
	struct db_result r = res(&c, 0, true, 1);

	assert_int_equal(c.job.id, 100);
	r.id = 99;
	assert_int_equal(fo_db_result(&f, &r, T0).type, FO_CMD_NONE);
	assert_int_equal(f.step, FO_STEP_FENCE);
	assert_int_equal(fo_claim_result(&f, 0, T0).type, FO_CMD_NONE);
	assert_int_equal(fo_vip_result(&f, 0, T0).type, FO_CMD_NONE);
}

/* Adverts stop from a master we followed: fence first, and say the master was alive. */
static void test_lost_adverts_from_live_master_fence_noted(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	char why[256];

	in.adverts_lost = true;
	in.peer_writable = true;
	assert_false(fo_takeover_refused(&in, why, sizeof(why)));
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	expect_db(&c, FO_PEER, DB_JOB_FENCE);
	struct db_result r = res(&c, 0, true, 1);
	c = fo_db_result(&f, &r, T0 + 1);
	expect_db(&c, FO_LOCAL, DB_JOB_CATCHUP);
	assert_non_null(strstr(f.note, "adverts lost from a master whose server was writable"));
}

/* No master heard, yet the peer's server is up and writable: it is a live master we cannot hear
 * (it has just fenced us, or VRRP is filtered). Fencing it back would start a ping-pong. */
static void test_unheard_writable_peer_refused(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	char why[256] = "";

	in.peer_writable = true;
	assert_true(fo_takeover_refused(&in, why, sizeof(why)));
	assert_non_null(strstr(why, "adverts lost while peer writable"));
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_false(f.writable);
	assert_non_null(strstr(f.reason, "adverts lost while peer writable"));

	/* Read-only or down peer: a resign, a fenced or a dead master; the takeover goes ahead. */
	in.peer_writable = false;
	assert_false(fo_takeover_refused(&in, why, sizeof(why)));
	in.peer_writable = true;
	in.peer_up = false;
	assert_false(fo_takeover_refused(&in, why, sizeof(why)));
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
}


/* failover-safety "Refused is alive": a peer whose server refuses our login may be writable. */
static void test_refusing_peer_refused(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	char why[256] = "";

	in.peer_up = false;
	in.peer_refusing = true;
	in.adverts_lost = true;
	assert_true(fo_takeover_refused(&in, why, sizeof(why)));
	assert_non_null(strstr(why, "refuses us"));
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_int_equal(f.fail, FO_FAIL_REFUSED);
	assert_false(f.writable);
}

/* A fence that fails because the peer refuses the login (account locked) is a live peer: no takeover. */
static void test_fence_refused_login_is_alive(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, -EPERM, false, -1);

	r.err = DB_ERR_AUTH;
	r.err_no = 4151;
	c = fo_db_result(&f, &r, T0 + 1);
	assert_int_equal(c.type, FO_CMD_FINISHED);
	assert_false(f.ok);
	assert_int_equal(f.fail, FO_FAIL_PEER_ALIVE);
	assert_false(f.peer_dead);
	assert_false(f.writable);

	/* Too many connections: the same. Connection refused (nothing listens): dead, carry on. */
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	r = res(&c, -EIO, false, -1);
	r.err = DB_ERR_BUSY;
	c = fo_db_result(&f, &r, T0 + 1);
	assert_int_equal(f.fail, FO_FAIL_PEER_ALIVE);
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	r = res(&c, -ECONNREFUSED, false, -1);
	r.err = DB_ERR_REFUSED;
	c = fo_db_result(&f, &r, T0 + 1);
	assert_true(f.peer_dead);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
}

/* The fence answer window: a peer that answers nothing within fence_answer_ms is unreachable; one
 * that answered gets the whole bound. */
static void test_fence_answer_window(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.fence_answer_ms = 200;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);

	expect_db(&c, FO_PEER, DB_JOB_FENCE);
	assert_int_equal(f.deadline_us, T0 + 200000);
	/* Before the deadline nothing happens. */
	assert_int_equal(fo_tick(&f, T0 + 100000, false).type, FO_CMD_NONE);
	assert_int_equal(f.step, FO_STEP_FENCE);
	/* Silent at 200 ms: given up, its job cancelled, semi-sync off next. */
	c = fo_tick(&f, T0 + 200000, false);
	assert_true(c.cancel);
	assert_int_equal(c.cancel_target, FO_PEER);
	assert_true(f.peer_dead);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);

	/* Answered: the full bound (fence_timeout_ms + margin), then given up as hung. */
	c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	c = fo_tick(&f, T0 + 200000, true);
	assert_int_equal(c.type, FO_CMD_NONE);
	assert_int_equal(f.step, FO_STEP_FENCE);
	assert_int_equal(f.deadline_us, T0 + 3000000);
	c = fo_tick(&f, T0 + 3000000, true);
	assert_true(c.cancel);
	expect_db(&c, FO_LOCAL, DB_JOB_SEMISYNC);
}

/* Without the term (no table, no grant) the takeover still completes; the note says why. */
static void test_term_failure_only_noted(void **st)
{
	(void)st;
	struct failover f = { 0 };
	struct fo_input in = base_input();
	in.peer_up = false;
	in.local_semisync_master = false;
	struct fo_cmd c = fo_start(&f, FO_KIND_TAKEOVER, &in, 1, T0);
	struct db_result r = res(&c, 0, true, 1);

	c = fo_db_result(&f, &r, T0);
	r = res(&c, 0, true, 0);
	c = fo_db_result(&f, &r, T0);
	expect_db(&c, FO_LOCAL, DB_JOB_TERM);
	r = res(&c, -EIO, true, 0);
	c = fo_db_result(&f, &r, T0);
	assert_int_equal(c.type, FO_CMD_CLAIM);
	assert_false(f.term_written);
	assert_non_null(strstr(f.note, "takeover term not written"));
	c = fo_claim_result(&f, 0, T0);
	assert_true(f.ok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_takeover_happy_path),
		cmocka_unit_test(test_takeover_dead_peer_turns_semisync_off),
		cmocka_unit_test(test_peer_known_down_skips_fence),
		cmocka_unit_test(test_fence_fails_on_live_peer_stays_readonly),
		cmocka_unit_test(test_fence_timeout_carries_on),
		cmocka_unit_test(test_fence_sent_ahead),
		cmocka_unit_test(test_catchup_failure_keeps_backup),
		cmocka_unit_test(test_catchup_failure_promote_stale),
		cmocka_unit_test(test_writable_failure_is_undone),
		cmocka_unit_test(test_claim_failure_drops_vip_then_readonly),
		cmocka_unit_test(test_abort_before_and_after_writable),
		cmocka_unit_test(test_stepdown_order),
		cmocka_unit_test(test_switchover),
		cmocka_unit_test(test_stale_results_ignored),
		cmocka_unit_test(test_lost_adverts_from_live_master_fence_noted),
		cmocka_unit_test(test_unheard_writable_peer_refused),
		cmocka_unit_test(test_refusing_peer_refused),
		cmocka_unit_test(test_fence_refused_login_is_alive),
		cmocka_unit_test(test_fence_answer_window),
		cmocka_unit_test(test_term_failure_only_noted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
