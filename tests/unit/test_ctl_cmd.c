/* The control protocol's request parser: every command, and what it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_cmd.h"

static void test_commands(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		enum ctl_cmd_type type;
		bool on, changes;
		const char *cat;
	} ok[] = {
		{ "status", CTL_CMD_STATUS, false, false, "" },
		{ "  status\tjson ", CTL_CMD_STATUS_JSON, false, false, "" },
		{ "status verbose", CTL_CMD_STATUS_VERBOSE, false, false, "" },
		{ "metrics", CTL_CMD_METRICS, false, false, "" },
		{ "maintenance on", CTL_CMD_MAINTENANCE, true, true, "" },
		{ "maintenance off", CTL_CMD_MAINTENANCE, false, true, "" },
		{ "switchover", CTL_CMD_SWITCHOVER, false, true, "" },
		{ "reload", CTL_CMD_RELOAD, false, true, "" },
		{ "debug mysql on", CTL_CMD_DEBUG, true, true, "mysql" },
		{ "debug all off", CTL_CMD_DEBUG, false, true, "all" },
	};
	struct ctl_cmd c;
	char why[256];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(ctl_cmd_parse(ok[i].line, strlen(ok[i].line), &c, why, sizeof(why)), 0);
		assert_int_equal(c.type, ok[i].type);
		assert_int_equal(c.on, ok[i].on);
		assert_int_equal(c.changes_state, ok[i].changes);
		assert_string_equal(c.category, ok[i].cat);
	}
}

static void test_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "   ", "stat", "status xml", "status json extra", "maintenance", "maintenance maybe",
		"maintenance on now", "debug", "debug kernel on", "debug mysql", "debug mysql yes",
		"switchover now", "reload x", "a b c d e", "status\n", "history 0", "history 201",
		"history -1", "history 20 json", "history json json", "history 1x", "history json 5 5",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};
	struct ctl_cmd c;
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (ctl_cmd_parse(bad[i], strlen(bad[i]), &c, why, sizeof(why)) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(strstr(why, "unknown command"));
	}
	/* Only len bytes are read: "status" followed by junk past len. */
	assert_int_equal(ctl_cmd_parse("statusXYZ", 6, &c, why, sizeof(why)), 0);
	assert_int_equal(c.type, CTL_CMD_STATUS);
}

static void test_history(void **state)
{
	(void)state;
	struct ctl_cmd c;
	char why[256];

	assert_int_equal(ctl_cmd_parse("history", 7, &c, why, sizeof(why)), 0);
	assert_int_equal(c.type, CTL_CMD_HISTORY);
	assert_false(c.json);
	assert_int_equal(c.count, 20);
	assert_false(c.changes_state);
	assert_int_equal(ctl_cmd_parse("history json 200", 16, &c, why, sizeof(why)), 0);
	assert_true(c.json);
	assert_int_equal(c.count, 200);
	assert_int_equal(ctl_cmd_parse("history 1", 9, &c, why, sizeof(why)), 0);
	assert_false(c.json);
	assert_int_equal(c.count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_history),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
