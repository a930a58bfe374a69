/* The state file kept across restarts: what is written reads back the same, and every kind of damage
 * (cut short, an edited byte, a wrong version, garbage, an oversized file) is refused as a whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "history_format.h"
#include "state_file.h"

static char buf[STATE_FILE_MAX];
static struct state_saved a, b;

static struct state_entry entry(int64_t when, const char *from, const char *to, const char *reason)
{
	struct state_entry e = { .when_s = when, .in_from_ms = (uint64_t)when * 7 };
	snprintf(e.from, sizeof(e.from), "%s", from);
	snprintf(e.to, sizeof(e.to), "%s", to);
	snprintf(e.reason, sizeof(e.reason), "%s", reason);
	return e;
}

static int write_read(void)
{
	char why[128] = "";
	int n = state_format(&a, buf, sizeof(buf));
	assert_true(n > 0);
	return state_parse(buf, (size_t)n, &b, why, sizeof(why));
}

static void test_round_trip(void **state)
{
	(void)state;
	memset(&a, 0, sizeof(a));
	a.maintenance = true;
	a.frozen = true;
	struct state_entry e = entry(1796475590, "BACKUP", "TAKEOVER", "master down timer expired: taking over");
	state_add(&a, &e);
	e = entry(1796475591, "TAKEOVER", "MASTER", "takeover done: master");
	snprintf(e.phases, sizeof(e.phases), "61/2/0/1/1/1/0");
	state_add(&a, &e);
	/* Every byte a reason could carry that would break a line, or hide in one. */
	e = entry(-5, "MASTER", "BACKUP", "tab\there, newline\nthere, back\\slash, bell\a, del\x7f, utf-8 \xc3\xa9 end");
	state_add(&a, &e);
	assert_int_equal(write_read(), 0);
	assert_true(b.maintenance);
	assert_true(b.frozen);
	assert_int_equal(b.transitions_total, 3);
	assert_int_equal(b.n, 3);
	assert_memory_equal(a.h, b.h, sizeof(a.h[0]) * 3);
	assert_string_equal(b.h[1].phases, "61/2/0/1/1/1/0");
	assert_string_equal(b.h[0].phases, "");
	assert_int_equal(b.h[2].when_s, -5);
}

static void test_history_is_bounded(void **state)
{
	(void)state;
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < STATE_HISTORY + 25; i++) {
		char r[32];
		snprintf(r, sizeof(r), "step %d", i);
		struct state_entry e = entry(i, "BACKUP", "MASTER", r);
		state_add(&a, &e);
	}
	assert_int_equal(a.n, STATE_HISTORY);
	assert_int_equal(a.transitions_total, STATE_HISTORY + 25);
	assert_string_equal(a.h[0].reason, "step 25");
	assert_int_equal(write_read(), 0);
	assert_int_equal(b.n, STATE_HISTORY);
	assert_string_equal(b.h[STATE_HISTORY - 1].reason, "step 224");
	/* The largest file there can be fits the bound the loader reads. */
	for (int i = 0; i < STATE_HISTORY; i++)
		memset(a.h[i].reason, 0x01, sizeof(a.h[i].reason) - 1);
	assert_true(state_format(&a, buf, sizeof(buf)) > 0);
}

static void expect_corrupt(const char *text, size_t len, const char *why_part)
{
	char why[128] = "";
	b.maintenance = true;
	assert_int_equal(state_parse(text, len, &b, why, sizeof(why)), -1);
	if (!strstr(why, why_part))
		fail_msg("reason \"%s\" lacks \"%s\"", why, why_part);
	/* Nothing half applied. */
	assert_false(b.maintenance);
	assert_int_equal(b.n, 0);
}

static void test_damage_is_refused(void **state)
{
	(void)state;
	memset(&a, 0, sizeof(a));
	a.maintenance = true;
	struct state_entry e = entry(100, "BACKUP", "MASTER", "took over");
	state_add(&a, &e);
	int n = state_format(&a, buf, sizeof(buf));
	assert_true(n > 0);
	static char copy[STATE_FILE_MAX];

	/* Cut short anywhere: no final line, no checksum, or a checksum over less. */
	for (int cut = 0; cut < n; cut++)
		expect_corrupt(buf, (size_t)cut, "");
	/* One byte changed anywhere. */
	for (int i = 0; i < n; i++) {
		memcpy(copy, buf, (size_t)n);
		copy[i] = copy[i] == '1' ? '0' : copy[i] == 'x' ? 'y' : (char)(copy[i] ^ 0x01);
		char why[128];
		assert_int_equal(state_parse(copy, (size_t)n, &b, why, sizeof(why)), -1);
	}
	/* An edit with a matching checksum is refused by the content rules instead. */
	expect_corrupt("dualmaster-state 2\nchecksum 0000000000000000\n", 45, "version 1");
	expect_corrupt("", 0, "not a dualmaster state file");
	expect_corrupt("garbage\n", 8, "not a dualmaster state file");
	memset(copy, 'a', sizeof(copy));
	expect_corrupt(copy, sizeof(copy), "not a dualmaster");
	/* Refused on its length alone, before a byte is read. */
	expect_corrupt(copy, STATE_FILE_MAX + 1, "too large");
}

/* BODY with a correct checksum line after it (FNV-1a 64, as state_file.h documents), so only the
 * content rules can refuse it. */
static int signed_file(const char *body, char *text, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const char *p = body; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	return snprintf(text, len, "%schecksum %016llx\n", body, (unsigned long long)h);
}

static void expect_content_refused(const char *body, const char *why_part)
{
	static char text[4096];
	char why[128] = "";
	int n = signed_file(body, text, sizeof(text));
	assert_int_equal(state_parse(text, (size_t)n, &b, why, sizeof(why)), -1);
	if (!strstr(why, why_part))
		fail_msg("reason \"%s\" lacks \"%s\"", why, why_part);
}

static void test_content_rules(void **state)
{
	(void)state;
	expect_content_refused("dualmaster-state 1\nmaintenance 0\nfrozen 0\n", "missing");
	expect_content_refused("dualmaster-state 1\nmaintenance 2\nfrozen 0\ntransitions_total 0\n", "line 2");
	expect_content_refused("dualmaster-state 1\nmaintenance 0\nmaintenance 1\nfrozen 0\ntransitions_total 0\n",
			       "line 3");
	expect_content_refused("dualmaster-state 1\nmaintenance 0\nfrozen 0\ntransitions_total 0\nbogus 1\n", "line 5");
	expect_content_refused("dualmaster-state 1\nmaintenance 0\nfrozen 0\ntransitions_total 0\n"
			       "t 1 BACKUP MASTER 5 - ok\n",
			       "fewer transitions");
	expect_content_refused("dualmaster-state 1\nmaintenance 0\nfrozen 0\ntransitions_total 1\n"
			       "t x BACKUP MASTER 5 - ok\n",
			       "line 5");
	expect_content_refused("dualmaster-state 1\nmaintenance 0\nfrozen 0\ntransitions_total 1\n"
			       "t 1 BACKUP MASTER 5 - bad \\q escape\n",
			       "line 5");
	expect_content_refused("dualmaster-state 1\nmaintenance 0\nfrozen 0\ntransitions_total 1\n"
			       "t 1 BACKUPBACKUPBACKUPBACKUP MASTER 5 - too long a state\n",
			       "line 5");

	/* And the same rules accept a hand-checked valid file. */
	static char text[512];
	const char *body = "dualmaster-state 1\nmaintenance 1\nfrozen 0\ntransitions_total 4\n"
			   "t 1 BACKUP MASTER 5 - ok\n";
	int n = signed_file(body, text, sizeof(text));
	char why[128] = "";
	assert_int_equal(state_parse(text, (size_t)n, &b, why, sizeof(why)), 0);
	assert_true(b.maintenance);
	assert_int_equal(b.transitions_total, 4);
	assert_string_equal(b.h[0].reason, "ok");
}

static void test_history_output(void **state)
{
	(void)state;
	static char out[64 * 1024];
	memset(&a, 0, sizeof(a));
	a.transitions_total = 41; /* older ones fell out of the kept history */
	struct state_entry e = entry(1796475590, "BACKUP", "TAKEOVER", "master down timer expired");
	e.in_from_ms = 65000;
	state_add(&a, &e);
	e = entry(1796475591, "TAKEOVER", "MASTER", "takeover done: \"quoted\"\nnext line");
	e.in_from_ms = 7;
	snprintf(e.phases, sizeof(e.phases), "361/51/0/1/1/1/0");
	state_add(&a, &e);

	assert_true(history_text(&a, 20, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "2026-12-05T"));
	assert_non_null(strstr(out, "BACKUP   -> TAKEOVER after 65 s: master down timer expired\n"));
	/* One line per transition: the newline in the reason is flattened. */
	assert_non_null(strstr(out, "takeover done: \"quoted\" next line (phases ms: detection 361, fence 51,"));
	assert_non_null(strstr(out, "2 shown of 43 since the state began"));
	/* Only the newest N. */
	assert_true(history_text(&a, 1, out, sizeof(out)) > 0);
	assert_null(strstr(out, "BACKUP   -> TAKEOVER"));
	assert_non_null(strstr(out, "1 shown of 43"));

	assert_true(history_json(&a, 20, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "{\"schema\":1,\"total\":43,\"kept\":2,\"transitions\":[{\"when\":\"2026-12-05T"));
	assert_non_null(strstr(out, "\"phases_ms\":null"));
	assert_non_null(strstr(out, "\"phases_ms\":{\"detection\":361,\"fence\":51,"));
	assert_non_null(strstr(out, "\"reason\":\"takeover done: \\\"quoted\\\"\\nnext line\"}]}"));
	/* Too small a buffer is an error, not a cut answer. */
	assert_int_equal(history_json(&a, 20, out, 40), -1);
	memset(&a, 0, sizeof(a));
	assert_true(history_text(&a, 20, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "no transitions kept"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_history_is_bounded),
		cmocka_unit_test(test_damage_is_refused),
		cmocka_unit_test(test_content_rules),
		cmocka_unit_test(test_history_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
