/* Error classification: what a failed call says about the server, TLS failures above all. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db_err.h"

#define TIMEOUT_US 1000000 /* the worker's client-side bound: 1 s */
#define FAST_US 2000       /* an answer well within it */

static enum db_err fast(unsigned err, int os_errno)
{
	return db_err_classify(err, os_errno, FAST_US, TIMEOUT_US);
}

/* A server that answered TCP and then failed our TLS check (or we its) is alive and may be a
 * writable master: refused like a login, never silent, so no takeover writes beside it. */
static void test_tls_failure_is_refusal(void **state)
{
	(void)state;
	/* errno after the handshake is whatever the TLS library left: it must not matter. */
	static const int errnos[] = { 0, EINPROGRESS, ECONNRESET, ETIMEDOUT, EHOSTUNREACH };

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
		enum db_err e = fast(2026, errnos[i]);
		assert_int_equal(e, DB_ERR_AUTH);
		assert_true(db_err_server_answered(e));
		assert_false(db_err_server_silent(e));
	}
	/* The same class as the login refusals the supervisor already treats as "alive". */
	assert_int_equal(fast(2026, 0), fast(1045, 0));
	assert_int_equal(fast(2026, 0), fast(4151, 0));
}

/* A handshake that ran into our read timeout is a hung server, like any other silence. */
static void test_tls_handshake_timeout(void **state)
{
	(void)state;
	assert_int_equal(db_err_classify(2026, EAGAIN, TIMEOUT_US, TIMEOUT_US), DB_ERR_TIMEOUT);
	assert_int_equal(db_err_classify(2026, 0, TIMEOUT_US * 9 / 10, TIMEOUT_US), DB_ERR_TIMEOUT);
	assert_int_equal(db_err_classify(2026, 0, TIMEOUT_US * 8 / 10, TIMEOUT_US), DB_ERR_AUTH);
}

/* The neighbours 2026 must not be confused with: nothing listening, no answer, other client errors. */
static void test_connect_failures(void **state)
{
	(void)state;
	assert_int_equal(fast(2003, ECONNREFUSED), DB_ERR_REFUSED);
	assert_int_equal(fast(2002, ENOENT), DB_ERR_REFUSED);
	assert_int_equal(fast(2003, ETIMEDOUT), DB_ERR_UNREACHABLE);
	assert_int_equal(db_err_classify(2003, EINPROGRESS, TIMEOUT_US, TIMEOUT_US), DB_ERR_UNREACHABLE);
	assert_int_equal(fast(2013, 0), DB_ERR_LOST);
	/* An unlisted client error falls back to LOST: where 2026 would land without its own case. */
	assert_int_equal(fast(2027, 0), DB_ERR_LOST);
	assert_false(db_err_server_answered(DB_ERR_REFUSED));
	assert_true(db_err_server_silent(DB_ERR_REFUSED));
	assert_int_equal(fast(0, 0), DB_ERR_NONE);
	assert_int_equal(fast(1205, 0), DB_ERR_SERVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_failure_is_refusal),
		cmocka_unit_test(test_tls_handshake_timeout),
		cmocka_unit_test(test_connect_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
