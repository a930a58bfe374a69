/* systemd notifications: a real NOTIFY_SOCKET datagram socket in a temp dir, messages read back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "notify.h"

struct ctx {
	char dir[32];
	char path[96];
	int fd;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(c->dir, sizeof(c->dir), "/tmp/dm-notify-XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/notify", c->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	c->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0 || bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	unsetenv("NOTIFY_SOCKET");
	close(c->fd);
	unlink(c->path);
	rmdir(c->dir);
	free(c);
	return 0;
}

/* The next datagram as a string, or NULL when none is queued (sd_notify sends synchronously). */
static char *next_msg(struct ctx *c, char *buf, size_t len)
{
	ssize_t n = recv(c->fd, buf, len - 1, MSG_DONTWAIT);

	if (n < 0) {
		assert_int_equal(errno, EAGAIN);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static void test_unset_is_noop(void **state)
{
	struct ctx *c = *state;
	char buf[2048];

	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready("x"), 0);
	assert_int_equal(notify_status("y"), 0);
	assert_int_equal(notify_reloading(), 0);
	assert_int_equal(notify_stopping(), 0);
	assert_null(next_msg(c, buf, sizeof(buf)));
}

static void test_ready_and_status(void **state)
{
	struct ctx *c = *state;
	char buf[2048], want[256];

	setenv("NOTIFY_SOCKET", c->path, 1);
	assert_int_equal(notify_ready("BACKUP prio 100 | local ok ro=ON"), 0);
	snprintf(want, sizeof(want), "READY=1\nSTATUS=BACKUP prio 100 | local ok ro=ON\nMAINPID=%ld",
		 (long)getpid());
	assert_string_equal(next_msg(c, buf, sizeof(buf)), want);
	assert_null(next_msg(c, buf, sizeof(buf)));

	/* The text READY=1 carried is the last one: the same STATUS= is not sent again. */
	assert_int_equal(notify_status("BACKUP prio 100 | local ok ro=ON"), 0);
	assert_null(next_msg(c, buf, sizeof(buf)));
	assert_int_equal(notify_status("MASTER prio 150"), 0);
	assert_string_equal(next_msg(c, buf, sizeof(buf)), "STATUS=MASTER prio 150");
	assert_int_equal(notify_status("MASTER prio 150"), 0);
	assert_int_equal(notify_status("MASTER prio 150"), 0);
	assert_null(next_msg(c, buf, sizeof(buf)));
	assert_int_equal(notify_status("BACKUP prio 100 | local ok ro=ON"), 0);
	assert_string_equal(next_msg(c, buf, sizeof(buf)), "STATUS=BACKUP prio 100 | local ok ro=ON");
	assert_null(next_msg(c, buf, sizeof(buf)));
}

static void test_newline_cannot_add_assignments(void **state)
{
	struct ctx *c = *state;
	char buf[2048];

	setenv("NOTIFY_SOCKET", c->path, 1);
	assert_int_equal(notify_status("evil\nREADY=1\r\nSTOPPING=1"), 0);
	assert_string_equal(next_msg(c, buf, sizeof(buf)), "STATUS=evil READY=1  STOPPING=1");
}

static void test_reloading_stopping(void **state)
{
	struct ctx *c = *state;
	char buf[2048];

	setenv("NOTIFY_SOCKET", c->path, 1);
	assert_int_equal(notify_reloading(), 0);
	assert_string_equal(next_msg(c, buf, sizeof(buf)), "RELOADING=1");
	assert_int_equal(notify_stopping(), 0);
	assert_string_equal(next_msg(c, buf, sizeof(buf)), "STOPPING=1");
	assert_null(next_msg(c, buf, sizeof(buf)));
}

/* A failed send is reported and not remembered: the same text goes out once the socket works. */
static void test_failed_send_not_deduplicated(void **state)
{
	struct ctx *c = *state;
	char buf[2048], gone[160];

	snprintf(gone, sizeof(gone), "%s/missing", c->dir);
	setenv("NOTIFY_SOCKET", gone, 1);
	int r = notify_status("FAULT prio 0");
	assert_true(r < 0);
	assert_int_equal(r, -ENOENT);
	setenv("NOTIFY_SOCKET", c->path, 1);
	assert_int_equal(notify_status("FAULT prio 0"), 0);
	assert_string_equal(next_msg(c, buf, sizeof(buf)), "STATUS=FAULT prio 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unset_is_noop),
		cmocka_unit_test(test_ready_and_status),
		cmocka_unit_test(test_newline_cannot_add_assignments),
		cmocka_unit_test(test_reloading_stopping),
		cmocka_unit_test(test_failed_send_not_deduplicated),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
