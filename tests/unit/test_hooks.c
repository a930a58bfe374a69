/* Hooks: real child scripts on a real sd-event loop: environment, stdin, process group, exit
 * status, TERM then KILL on the process group after the timeout, spawn errors, kill at free. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hooks.h"

struct ctx {
	char dir[32];
	sd_event *e;
	struct hooks *h;
	int done;
	struct hooks_result last;
	char last_state[32];
};

static void on_done(void *ud, const struct hooks_result *r)
{
	struct ctx *c = ud;

	c->done++;
	c->last = *r;
	snprintf(c->last_state, sizeof(c->last_state), "%s", r->state);
	c->last.path = NULL;
	c->last.state = NULL;
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	sigset_t ss;

	/* sd_event_add_child(3) needs SIGCHLD blocked; as subreaper we also collect the orphaned
	 * grandchildren of killed hooks, so the test can check they died too. */
	sigemptyset(&ss);
	sigaddset(&ss, SIGCHLD);
	if (!c || sigprocmask(SIG_BLOCK, &ss, NULL) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -1;
	snprintf(c->dir, sizeof(c->dir), "/tmp/dm-hooks-XXXXXX");
	if (!mkdtemp(c->dir) || sd_event_new(&c->e) < 0 || hooks_new(&c->h, c->e) < 0)
		return -1;
	hooks_set_done_cb(c->h, on_done, c);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[64];

	hooks_free(c->h);
	sd_event_unref(c->e);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	if (system(cmd) != 0)
		return -1;
	free(c);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs the loop until `done` reaches want or max_ms passed; returns the elapsed milliseconds. */
static uint64_t run_until_done(struct ctx *c, int want, uint64_t max_ms)
{
	uint64_t t0 = now_ms();

	while (c->done < want && now_ms() - t0 < max_ms)
		assert_true(sd_event_run(c->e, 20 * 1000) >= 0);
	assert_int_equal(c->done, want);
	return now_ms() - t0;
}

static void script(struct ctx *c, const char *name, const char *body, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", c->dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\ncd %s || exit 99\n%s\n", c->dir, body);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static void read_file(struct ctx *c, const char *name, char *buf, size_t len)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void test_env_stdin_pgroup_exit(void **state)
{
	struct ctx *c = *state;
	char path[96], out[512], want[512];

	/* An inherited DM_STATE must not leak through; the rest of the environment must. */
	setenv("DM_STATE", "stale", 1);
	setenv("DM_TEST_INHERITED", "yes", 1);
	script(c, "env.sh",
	       "pgid=$(cut -d' ' -f5 /proc/$$/stat)\n"
	       "printf '%s|%s|%s|%s|%s|%s|%s|%s\\n' \"$DM_STATE\" \"$DM_REASON\" \"$DM_VIPS\" \"$DM_NODE\" "
	       "\"$DM_TEST_INHERITED\" \"$(readlink /proc/$$/fd/0)\" \"$pgid\" \"$$\" > out.tmp\n"
	       "env | grep -c '^DM_STATE=' >> out.tmp\n"
	       "mv out.tmp out\nexit 3",
	       path, sizeof(path));
	assert_int_equal(
		hooks_run(c->h, path, 5000, "db1", "MASTER", "peer down; 'quoted' $x", "192.0.2.50/24"), 0);
	assert_int_equal(hooks_running(c->h), 1);
	run_until_done(c, 1, 5000);
	assert_int_equal(hooks_running(c->h), 0);
	assert_true(c->last.exited);
	assert_int_equal(c->last.status, 3);
	assert_false(c->last.timed_out);
	assert_string_equal(c->last_state, "MASTER");
	/* Reaped by sd-event: not even a zombie left. */
	assert_int_equal(kill(c->last.pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	read_file(c, "out", out, sizeof(out));
	/* The hook leads its own process group: pgid == pid. */
	snprintf(want, sizeof(want),
		 "MASTER|peer down; 'quoted' $x|192.0.2.50/24|db1|yes|/dev/null|%d|%d\n1\n", c->last.pid,
		 c->last.pid);
	assert_string_equal(out, want);
	unsetenv("DM_STATE");
	unsetenv("DM_TEST_INHERITED");
}

/* A background child of the hook, orphaned to us (subreaper): reap it and return its signal. */
static int reap_orphan(struct ctx *c)
{
	char buf[32];
	int st = 0;

	read_file(c, "child.pid", buf, sizeof(buf));
	pid_t pid = (pid_t)atoi(buf);
	assert_true(pid > 0);
	for (int i = 0; i < 200; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		assert_true(r >= 0);
		if (r == pid)
			return WIFSIGNALED(st) ? WTERMSIG(st) : -1;
		usleep(10 * 1000);
	}
	fail_msg("orphan %d still running", (int)pid);
	return -1;
}

static void test_timeout_sigterm_group(void **state)
{
	struct ctx *c = *state;
	char path[96];

	script(c, "slow.sh", "sleep 30 & echo $! > child.pid.tmp; mv child.pid.tmp child.pid; wait", path,
	       sizeof(path));
	assert_int_equal(hooks_run(c->h, path, 300, "db1", "BACKUP", "", ""), 0);
	uint64_t ms = run_until_done(c, 1, 5000);
	assert_false(c->last.exited);
	assert_int_equal(c->last.status, SIGTERM);
	assert_true(c->last.timed_out);
	/* SIGTERM was enough: no 2 s wait for SIGKILL. */
	assert_true(ms >= 250 && ms < 1800);
	/* The whole process group got it, not only the shell. */
	assert_int_equal(reap_orphan(c), SIGTERM);
}

static void test_timeout_escalates_to_sigkill(void **state)
{
	struct ctx *c = *state;
	char path[96];

	/* SIG_IGN is inherited by the background sleep too: only SIGKILL ends either. */
	script(c, "stubborn.sh",
	       "trap '' TERM\nsleep 30 & echo $! > child.pid.tmp; mv child.pid.tmp child.pid\n"
	       "while :; do wait; done",
	       path, sizeof(path));
	assert_int_equal(hooks_run(c->h, path, 300, "db1", "FAULT", "", ""), 0);
	uint64_t ms = run_until_done(c, 1, 6000);
	assert_false(c->last.exited);
	assert_int_equal(c->last.status, SIGKILL);
	assert_true(c->last.timed_out);
	/* 300 ms timeout + 2 s grace before SIGKILL. */
	assert_true(ms >= 2200 && ms < 4500);
	assert_int_equal(reap_orphan(c), SIGKILL);
}

static void test_spawn_errors(void **state)
{
	struct ctx *c = *state;
	char path[96];

	snprintf(path, sizeof(path), "%s/missing.sh", c->dir);
	assert_int_equal(hooks_run(c->h, path, 1000, "db1", "MASTER", "", ""), -ENOENT);
	script(c, "noexec.sh", "exit 0", path, sizeof(path));
	assert_int_equal(chmod(path, 0644), 0);
	/* root may execute a file without x bits only if some x bit is set: none here. */
	assert_int_equal(hooks_run(c->h, path, 1000, "db1", "MASTER", "", ""), -EACCES);
	assert_int_equal(hooks_run(c->h, c->dir, 1000, "db1", "MASTER", "", ""), -EACCES);
	assert_int_equal(hooks_run(c->h, "", 1000, "db1", "MASTER", "", ""), 0);
	assert_int_equal(hooks_run(c->h, NULL, 1000, "db1", "MASTER", "", ""), 0);
	assert_int_equal(hooks_running(c->h), 0);
	assert_int_equal(sd_event_run(c->e, 50 * 1000) >= 0, 1);
	assert_int_equal(c->done, 0);
}

/* One at a time, in the order asked: the second starts when the first has ended. */
static void test_serial_in_order_and_no_timeout(void **state)
{
	struct ctx *c = *state;
	char a[96], b[96], out[64];

	script(c, "a.sh", "sleep 0.3; echo a >> order; exit 0", a, sizeof(a));
	script(c, "b.sh", "echo b >> order; exit 1", b, sizeof(b));
	assert_int_equal(hooks_run(c->h, a, 0, "db1", "MASTER", "", ""), 0);
	assert_int_equal(hooks_run(c->h, b, -1, "db1", "BACKUP", "", ""), 0);
	assert_int_equal(hooks_running(c->h), 1);
	assert_int_equal(hooks_pending(c->h), 2);
	run_until_done(c, 2, 5000);
	assert_int_equal(hooks_pending(c->h), 0);
	read_file(c, "order", out, sizeof(out));
	assert_string_equal(out, "a\nb\n");
	assert_true(c->last.exited);
	assert_int_equal(c->last.status, 1);
	assert_false(c->last.timed_out);
}

/* A hook inherits no descriptor of ours but 0-2 (a MySQL session would be one) and no capability,
 * even from a root daemon. */
static void test_no_fds_no_caps(void **state)
{
	struct ctx *c = *state;
	char path[96], out[256];
	int fd = open("/dev/null", O_RDONLY); /* not close-on-exec, as Connector/C's sockets */

	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 42), 42);
	script(c, "fds.sh", "if [ -e /proc/$$/fd/42 ]; then echo leaked; else echo clean; fi > fds; "
			    "grep -E '^Cap(Eff|Prm|Amb):' /proc/$$/status > caps", path, sizeof(path));
	assert_int_equal(hooks_run(c->h, path, 5000, "db1", "MASTER", "", ""), 0);
	run_until_done(c, 1, 5000);
	close(42);
	close(fd);
	read_file(c, "fds", out, sizeof(out));
	assert_string_equal(out, "clean\n");
	read_file(c, "caps", out, sizeof(out));
	assert_string_equal(out, "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
				 "CapAmb:\t0000000000000000\n");
}

static void test_free_kills_and_reaps(void **state)
{
	struct ctx *c = *state;
	char path[96], buf[32];

	script(c, "long.sh", "echo $$ > pid.tmp; mv pid.tmp pid; exec sleep 30", path, sizeof(path));
	assert_int_equal(hooks_run(c->h, path, 60000, "db1", "MASTER", "", ""), 0);
	char pidfile[96];
	snprintf(pidfile, sizeof(pidfile), "%s/pid", c->dir);
	uint64_t t0 = now_ms();
	while (access(pidfile, F_OK) != 0 && now_ms() - t0 < 5000)
		assert_true(sd_event_run(c->e, 20 * 1000) >= 0);
	read_file(c, "pid", buf, sizeof(buf));
	pid_t pid = (pid_t)atoi(buf);
	assert_true(pid > 0);
	assert_int_equal(kill(pid, 0), 0);
	hooks_free(c->h);
	/* Gone and reaped: not even a zombie is left. */
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(c->done, 0);
	assert_int_equal(hooks_new(&c->h, c->e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_env_stdin_pgroup_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_sigterm_group, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_escalates_to_sigkill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spawn_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serial_in_order_and_no_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_fds_no_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_kills_and_reaps, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
