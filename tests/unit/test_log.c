/* Logging: text from servers cannot forge lines, repeated warnings are held back and counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

/* Runs fn with stderr going to a file, returns what it wrote (caller frees). */
static char *capture(void (*fn)(void))
{
	char path[] = "/tmp/dm-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	assert_true(pread(fd, buf, 65535, 0) >= 0);
	close(fd);
	unlink(path);
	return buf;
}

static void forged(void)
{
	log_warnx("SQL thread stopped: %s", "Duplicate entry\n2026-01-01 dualmasterd info: MASTER -> BACKUP\x1b[31m");
}

static void test_control_characters_escaped(void **state)
{
	(void)state;
	char *out = capture(forged);
	/* One line, the newline and the escape sequence spelled out. */
	assert_non_null(strstr(out, "Duplicate entry\\n2026-01-01 dualmasterd info: MASTER -> BACKUP\\x1b[31m\n"));
	assert_int_equal(strchr(out, '\n') - out + 1, (long)strlen(out));
	free(out);
}

static void repeated(void)
{
	for (int i = 0; i < 50; i++)
		log_warnx("local set-readonly: lock wait timeout after %d ms", 1000 + i);
	log_warnx("something else");
	for (int i = 0; i < 3; i++)
		log_info("transition %d", i);
}

static void test_repeats_held_back(void **state)
{
	(void)state;
	char *out = capture(repeated);
	int n = 0;
	for (char *p = out; (p = strstr(p, "lock wait timeout")); p++)
		n++;
	assert_int_equal(n, 1);
	assert_non_null(strstr(out, "something else"));
	/* Info lines are never held back. */
	assert_non_null(strstr(out, "transition 0"));
	assert_non_null(strstr(out, "transition 2"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_characters_escaped),
		cmocka_unit_test(test_repeats_held_back),
	};
	log_init("dualmasterd", false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
