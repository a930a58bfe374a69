/* The witness lease as one node sees it (lease.c): the margin, the cadence of each want, what each
 * answer does to our holding, and the timing assumptions of lease.h, with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lease.h"

#define MS 1000ull
#define SEC 1000000ull

static struct lease_reading row(bool granted, const char *holder, int64_t term, int64_t remaining_us)
{
	struct lease_reading r = { .answered = true, .granted = granted, .row = true, .term = term,
				   .remaining_us = remaining_us };
	strncpy(r.holder, holder, sizeof(r.holder) - 1);
	return r;
}

/* T1 + T3: a grant counts from the submission, minus a quarter lease; the margin covers drift
 * (LEASE_DRIFT_PPM of the lease) many times over. */
static void test_grant_counts_from_send(void **st)
{
	(void)st;
	struct lease l;
	lease_init(&l, 2000, "db1");
	assert_int_equal(lease_margin_us(2000), 500 * MS);
	assert_true(lease_margin_us(2000) > 2000ull * MS * LEASE_DRIFT_PPM / 1000000 * 10);
	assert_int_equal(lease_due(&l, LEASE_WANT_HOLD, 10 * SEC), LEASE_OP_ACQUIRE);
	lease_sent(&l, 1, LEASE_OP_ACQUIRE, 10 * SEC);
	struct lease_reading r = row(true, "db1", 1, 2000 * MS);
	/* The answer came late (300 ms): the lease still counts from the send. */
	assert_true(lease_result(&l, 1, &r, 10 * SEC + 300 * MS));
	assert_int_equal(l.valid_until_us, 10 * SEC + 1500 * MS);
	assert_true(lease_held(&l, 11 * SEC + 499 * MS));
	assert_false(lease_held(&l, 11 * SEC + 500 * MS));
	assert_int_equal(l.latency_us, 300 * MS);
}

/* Renewals four times a lease while held; one in flight at a time; refused acquires retried at a
 * sixteenth; watch reads at half a lease. */
static void test_cadence(void **st)
{
	(void)st;
	struct lease l;
	lease_init(&l, 2000, "db1");
	lease_sent(&l, 1, LEASE_OP_ACQUIRE, 0);
	assert_int_equal(lease_due(&l, LEASE_WANT_HOLD, 400 * MS), LEASE_OP_NONE); /* in flight */
	struct lease_reading r = row(true, "db1", 1, 2000 * MS);
	lease_result(&l, 1, &r, 2 * MS);
	assert_int_equal(lease_due(&l, LEASE_WANT_HOLD, 499 * MS), LEASE_OP_NONE);
	assert_int_equal(lease_next_us(&l, LEASE_WANT_HOLD, 10 * MS), 500 * MS);
	assert_int_equal(lease_due(&l, LEASE_WANT_HOLD, 500 * MS), LEASE_OP_ACQUIRE);
	/* Hurried: at once, once. */
	lease_hurry(&l);
	assert_int_equal(lease_next_us(&l, LEASE_WANT_HOLD, 10 * MS), 10 * MS);
	assert_int_equal(lease_due(&l, LEASE_WANT_HOLD, 10 * MS), LEASE_OP_ACQUIRE);
	lease_sent(&l, 5, LEASE_OP_ACQUIRE, 10 * MS);
	lease_result(&l, 5, &r, 11 * MS);
	assert_int_equal(lease_due(&l, LEASE_WANT_HOLD, 20 * MS), LEASE_OP_NONE);
	/* A refused acquire: someone else holds it; retried at lease/16. */
	lease_init(&l, 2000, "db1");
	lease_sent(&l, 2, LEASE_OP_ACQUIRE, 0);
	r = row(false, "db2", 4, 1800 * MS);
	lease_result(&l, 2, &r, 1 * MS);
	assert_false(lease_held(&l, 1 * MS));
	assert_int_equal(lease_due(&l, LEASE_WANT_ACQUIRE, 124 * MS), LEASE_OP_NONE);
	assert_int_equal(lease_due(&l, LEASE_WANT_ACQUIRE, 125 * MS), LEASE_OP_ACQUIRE);
	/* Watching: a read, then every second; switching to ACQUIRE goes out at once. */
	lease_init(&l, 2000, "db1");
	assert_int_equal(lease_due(&l, LEASE_WANT_WATCH, 0), LEASE_OP_READ);
	lease_sent(&l, 3, LEASE_OP_READ, 0);
	r = row(false, "db2", 4, 1800 * MS);
	lease_result(&l, 3, &r, 1 * MS);
	assert_int_equal(lease_due(&l, LEASE_WANT_WATCH, 999 * MS), LEASE_OP_NONE);
	assert_int_equal(lease_due(&l, LEASE_WANT_WATCH, 1000 * MS), LEASE_OP_READ);
	assert_int_equal(lease_due(&l, LEASE_WANT_ACQUIRE, 10 * MS), LEASE_OP_ACQUIRE);
	/* A tiny lease still never retries faster than 25 ms. */
	lease_init(&l, 400, "db1");
	lease_sent(&l, 4, LEASE_OP_ACQUIRE, 0);
	lease_result(&l, 4, &r, 1 * MS);
	assert_int_equal(lease_due(&l, LEASE_WANT_ACQUIRE, 24 * MS), LEASE_OP_NONE);
	assert_int_equal(lease_due(&l, LEASE_WANT_ACQUIRE, 25 * MS), LEASE_OP_ACQUIRE);
}

/* No answer leaves what we hold to run out by itself; a late answer to an older renewal never
 * shortens a newer one; a stale job id is ignored. */
static void test_no_answer_and_stale(void **st)
{
	(void)st;
	struct lease l;
	lease_init(&l, 2000, "db1");
	lease_sent(&l, 1, LEASE_OP_ACQUIRE, 0);
	struct lease_reading r = row(true, "db1", 1, 2000 * MS);
	lease_result(&l, 1, &r, 1 * MS);
	lease_sent(&l, 2, LEASE_OP_ACQUIRE, 500 * MS);
	struct lease_reading none = { .answered = false };
	assert_true(lease_result(&l, 2, &none, 900 * MS));
	assert_false(l.reachable);
	assert_true(lease_held(&l, 1400 * MS));
	assert_false(lease_held(&l, 1500 * MS));
	assert_int_equal(l.failures, 1);
	assert_false(lease_result(&l, 77, &r, 1000 * MS)); /* not ours */
	/* A grant for a renewal sent at 600 ms, then one sent earlier (lost) never pulls it back. */
	lease_sent(&l, 3, LEASE_OP_ACQUIRE, 600 * MS);
	lease_result(&l, 3, &r, 601 * MS);
	assert_int_equal(l.valid_until_us, 2100 * MS);
	l.sent_us = 100 * MS; /* pretend a retried older job answered */
	l.job_id = 4;
	lease_result(&l, 4, &r, 700 * MS);
	assert_int_equal(l.valid_until_us, 2100 * MS);
	/* A cancelled job frees the slot, keeps the holding. */
	lease_sent(&l, 5, LEASE_OP_ACQUIRE, 800 * MS);
	lease_lost(&l, 1300 * MS);
	assert_int_equal(l.job_id, 0);
	assert_true(lease_held(&l, 1300 * MS));
}

/* Another holder seen (refused renewal, or a read naming a live other holder) ends ours at once;
 * a release ends it; describe says who holds it. */
static void test_loss_and_release(void **st)
{
	(void)st;
	struct lease l;
	char buf[160];
	lease_init(&l, 2000, "db1");
	lease_sent(&l, 1, LEASE_OP_ACQUIRE, 0);
	struct lease_reading r = row(true, "db1", 3, 2000 * MS);
	lease_result(&l, 1, &r, 1 * MS);
	lease_describe(&l, 501 * MS, buf, sizeof(buf));
	assert_string_equal(buf, "held by db1, term 3, 1.50 s left");
	lease_sent(&l, 2, LEASE_OP_READ, 600 * MS);
	r = row(false, "db2", 4, 1900 * MS);
	lease_result(&l, 2, &r, 601 * MS);
	assert_false(lease_held(&l, 602 * MS));
	assert_int_equal(l.term, 4);
	/* Release. */
	lease_init(&l, 2000, "db1");
	lease_sent(&l, 3, LEASE_OP_ACQUIRE, 0);
	r = row(true, "db1", 5, 2000 * MS);
	lease_result(&l, 3, &r, 1 * MS);
	assert_int_equal(lease_due(&l, LEASE_WANT_RELEASE, 2 * MS), LEASE_OP_RELEASE);
	lease_sent(&l, 4, LEASE_OP_RELEASE, 2 * MS);
	r = row(false, "db1", 5, -1);
	lease_result(&l, 4, &r, 3 * MS);
	assert_false(l.held);
	assert_int_equal(lease_due(&l, LEASE_WANT_RELEASE, 200 * MS), LEASE_OP_READ);
	lease_describe(&l, 4 * MS, buf, sizeof(buf));
	assert_string_equal(buf, "free (last holder db1), term 5");
	lease_init(&l, 2000, "db1");
	lease_describe(&l, 0, buf, sizeof(buf));
	assert_string_equal(buf, "no lease row read yet");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grant_counts_from_send),
		cmocka_unit_test(test_cadence),
		cmocka_unit_test(test_no_answer_and_stale),
		cmocka_unit_test(test_loss_and_release),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
