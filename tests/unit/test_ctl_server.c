/* Control socket: real sd-event loop and real unix socket in a temp dir, clients in the same thread
 * (the loop is pumped between client steps), a forked client for SO_PEERCRED of another uid. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl_server.h"

#define BIG_REPLY 300000 /* more than a unix socket buffer: forces partial writes */

struct ctx {
	char dir[32];
	char path[64];
	sd_event *e;
	struct ctl_server *srv;
	int calls;
	struct ctl_client *deferred;
	char *big;
};

struct cli {
	int fd;
	size_t n;
	char buf[BIG_REPLY + 4096];
};

static void handler(void *ud, struct ctl_client *cl, const char *line)
{
	struct ctx *c = ud;
	char reply[8192];

	c->calls++;
	if (strncmp(line, "echo ", 5) == 0) {
		snprintf(reply, sizeof(reply), "{\"ok\":true,\"echo\":\"%s\"}", line + 5);
		assert_int_equal(ctl_reply(cl, reply, true), 0);
	} else if (strcmp(line, "defer") == 0) {
		c->deferred = cl;
	} else if (strcmp(line, "uid") == 0) {
		snprintf(reply, sizeof(reply), "{\"ok\":true,\"uid\":%u}", (unsigned)ctl_client_uid(cl));
		assert_int_equal(ctl_reply(cl, reply, true), 0);
	} else if (strcmp(line, "big") == 0) {
		assert_int_equal(ctl_reply(cl, c->big, true), 0);
	} else {
		assert_int_equal(ctl_reply(cl, "{\"ok\":false,\"error\":\"unknown command\"}", true), 0);
	}
}

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	signal(SIGPIPE, SIG_IGN);
	snprintf(c->dir, sizeof(c->dir), "/tmp/dm-ctl-XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/control.sock", c->dir);
	c->big = malloc(BIG_REPLY + 1);
	memset(c->big, 'x', BIG_REPLY);
	c->big[BIG_REPLY] = '\0';
	if (sd_event_new(&c->e) < 0 || ctl_server_open(&c->srv, c->path, c->e, handler, c) < 0)
		return -1;
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[64];

	ctl_server_close(c->srv);
	sd_event_unref(c->e);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->dir);
	if (system(cmd) != 0)
		return -1;
	free(c->big);
	free(c);
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void pump(struct ctx *c, uint64_t ms)
{
	uint64_t t0 = now_ms();

	do
		assert_true(sd_event_run(c->e, 5 * 1000) >= 0);
	while (now_ms() - t0 < ms);
}

static struct cli *cli_connect(struct ctx *c)
{
	struct cli *k = calloc(1, sizeof(*k));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
	k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	assert_true(k->fd >= 0);
	assert_int_equal(connect(k->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return k;
}

static void cli_close(struct cli *k)
{
	close(k->fd);
	free(k);
}

static void cli_send(struct cli *k, const char *s)
{
	assert_int_equal(send(k->fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Next reply line (newline stripped) into out; NULL at EOF or reset. Fails the test after 3 s. */
static char *cli_line(struct ctx *c, struct cli *k, char *out)
{
	uint64_t t0 = now_ms();

	for (;;) {
		char *nl = memchr(k->buf, '\n', k->n);
		if (nl) {
			size_t len = (size_t)(nl - k->buf);
			memcpy(out, k->buf, len);
			out[len] = '\0';
			memmove(k->buf, nl + 1, k->n - len - 1);
			k->n -= len + 1;
			return out;
		}
		ssize_t n = recv(k->fd, k->buf + k->n, sizeof(k->buf) - k->n, MSG_DONTWAIT);
		/* Closed with our bytes unread (an oversized request): the kernel reports a reset. */
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			assert_int_equal(k->n, 0);
			return NULL;
		}
		if (n > 0) {
			k->n += (size_t)n;
			continue;
		}
		assert_int_equal(errno, EAGAIN);
		if (now_ms() - t0 > 3000)
			fail_msg("no reply line within 3 s");
		assert_true(sd_event_run(c->e, 5 * 1000) >= 0);
	}
}

/* Runs the loop for ms and checks the client got nothing meanwhile. */
static void cli_quiet(struct ctx *c, struct cli *k, uint64_t ms)
{
	char b[16];

	pump(c, ms);
	assert_int_equal(k->n, 0);
	assert_int_equal(recv(k->fd, b, sizeof(b), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_request_reply(void **state)
{
	struct ctx *c = *state;
	struct cli *k = cli_connect(c);
	static char line[BIG_REPLY + 1];

	cli_send(k, "echo hi\n");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"hi\"}");
	/* Pipelined requests are answered in order; CRLF and empty lines are fine. */
	cli_send(k, "echo a\n\n\r\necho b\r\nnope\n");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"a\"}");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"b\"}");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":false,\"error\":\"unknown command\"}");
	assert_int_equal(c->calls, 4);
	/* A reply larger than the socket buffer arrives whole (partial writes resumed on EPOLLOUT). */
	cli_send(k, "big\n");
	assert_string_equal(cli_line(c, k, line), c->big);
	/* The last line may lack its newline when the client shuts down its sending side. */
	cli_send(k, "echo last");
	assert_int_equal(shutdown(k->fd, SHUT_WR), 0);
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"last\"}");
	assert_null(cli_line(c, k, line));
	cli_close(k);
}

static void test_deferred_with_progress(void **state)
{
	struct ctx *c = *state;
	struct cli *k = cli_connect(c);
	char line[256];

	cli_send(k, "defer\n");
	cli_quiet(c, k, 50);
	assert_int_equal(c->calls, 1);
	assert_non_null(c->deferred);
	assert_int_equal(ctl_reply(c->deferred, "{\"progress\":\"fencing peer\"}", false), 0);
	assert_string_equal(cli_line(c, k, line), "{\"progress\":\"fencing peer\"}");
	/* One request at a time: the next waits for the final reply. */
	cli_send(k, "echo after\n");
	cli_quiet(c, k, 50);
	assert_int_equal(c->calls, 1);
	assert_int_equal(ctl_reply(c->deferred, "{\"progress\":\"catch-up\"}", false), 0);
	assert_int_equal(ctl_reply(c->deferred, "{\"ok\":true}", true), 0);
	assert_string_equal(cli_line(c, k, line), "{\"progress\":\"catch-up\"}");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true}");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"after\"}");
	assert_int_equal(c->calls, 2);
	cli_close(k);
}

static void test_client_gone_before_final(void **state)
{
	struct ctx *c = *state;
	struct cli *k = cli_connect(c);
	char line[256];

	cli_send(k, "defer\n");
	pump(c, 30);
	assert_non_null(c->deferred);
	cli_close(k);
	pump(c, 30);
	/* Dropped quietly; the handle stays valid until the final reply frees it (ASan/valgrind check). */
	assert_int_equal(ctl_reply(c->deferred, "{\"progress\":\"still working\"}", false), 0);
	assert_int_equal(ctl_reply(c->deferred, "{\"ok\":true}", true), 0);
	c->deferred = NULL;
	k = cli_connect(c);
	cli_send(k, "echo alive\n");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"alive\"}");
	cli_close(k);
}

static void test_unread_replies_drop_client(void **state)
{
	struct ctx *c = *state;
	struct cli *k = cli_connect(c);
	int r = 0, i;

	cli_send(k, "defer\n");
	pump(c, 30);
	assert_non_null(c->deferred);
	for (i = 0; i < 10 && r == 0; i++)
		r = ctl_reply(c->deferred, c->big, false);
	assert_int_equal(r, -ENOBUFS);
	assert_true(i > 3); /* 1 MiB queued plus what the socket buffer took */
	assert_int_equal(ctl_reply(c->deferred, "{\"ok\":true}", true), 0);
	c->deferred = NULL;
	/* The client sees what the socket buffer took before the drop, then EOF. */
	size_t total = 0;
	uint64_t t0 = now_ms();
	for (;;) {
		ssize_t n = recv(k->fd, k->buf, sizeof(k->buf), MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			total += (size_t)n;
		else
			assert_true(errno == EAGAIN && now_ms() - t0 < 3000);
		assert_true(sd_event_run(c->e, 1000) >= 0);
	}
	assert_true(total > 0 && total < 2 * BIG_REPLY);
	cli_close(k);
}

static void test_silent_client_blocks_nobody(void **state)
{
	struct ctx *c = *state;
	struct cli *silent = cli_connect(c), *half = cli_connect(c), *k = cli_connect(c);
	char line[256];

	cli_send(half, "echo par");
	cli_send(k, "echo other\n");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"other\"}");
	cli_quiet(c, half, 20);
	cli_send(half, "tial\n");
	assert_string_equal(cli_line(c, half, line), "{\"ok\":true,\"echo\":\"partial\"}");
	cli_quiet(c, silent, 20);
	cli_close(silent);
	cli_close(half);
	cli_close(k);
}

static void test_oversized_line(void **state)
{
	struct ctx *c = *state;
	static char req[6000], line[6000];
	struct cli *k = cli_connect(c);

	/* 4095 bytes + newline fill the 4 KiB buffer exactly: accepted. */
	memset(req, 0, sizeof(req));
	memcpy(req, "echo ", 5);
	memset(req + 5, 'y', 4090);
	req[4095] = '\n';
	cli_send(k, req);
	assert_non_null(cli_line(c, k, line));
	assert_non_null(strstr(line, "yyyy\"}"));
	/* 4096 bytes before the newline: rejected with an error reply, then closed. */
	memset(req + 5, 'z', 4091);
	req[4096] = '\n';
	req[4097] = '\0';
	cli_send(k, req);
	assert_string_equal(cli_line(c, k, line), "{\"ok\":false,\"error\":\"request too long\"}");
	assert_null(cli_line(c, k, line));
	assert_int_equal(c->calls, 1);
	cli_close(k);
	/* The server lives on. */
	k = cli_connect(c);
	cli_send(k, "echo fine\n");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"fine\"}");
	cli_close(k);
}

static void test_peercred_uid(void **state)
{
	struct ctx *c = *state;
	struct cli *k = cli_connect(c);
	char line[256], want[64];

	cli_send(k, "uid\n");
	snprintf(want, sizeof(want), "{\"ok\":true,\"uid\":%u}", (unsigned)getuid());
	assert_string_equal(cli_line(c, k, line), want);
	cli_close(k);
	if (getuid() != 0)
		return;
	/* Another uid (nobody), from a child process; the socket is 0660, so open it up for it. */
	assert_int_equal(chmod(c->dir, 0755), 0);
	assert_int_equal(chmod(c->path, 0666), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		struct timeval tv = { 5, 0 };
		char buf[256] = "";
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->path);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (setgid(65534) < 0 || setuid(65534) < 0 ||
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(fd, "uid\n", 4) != 4 ||
		    recv(fd, buf, sizeof(buf) - 1, 0) <= 0)
			_exit(1);
		_exit(write(p[1], buf, strlen(buf)) > 0 ? 0 : 1);
	}
	close(p[1]);
	struct pollfd pf = { p[0], POLLIN, 0 };
	uint64_t t0 = now_ms();
	while (poll(&pf, 1, 0) == 0 && now_ms() - t0 < 5000)
		assert_true(sd_event_run(c->e, 5 * 1000) >= 0);
	ssize_t n = read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(n > 0);
	line[n] = '\0';
	assert_string_equal(line, "{\"ok\":true,\"uid\":65534}\n");
}

static void test_client_limit_pauses_accept(void **state)
{
	struct ctx *c = *state;
	struct cli *idle[16], *k;
	char line[256];

	for (int i = 0; i < 16; i++)
		idle[i] = cli_connect(c);
	pump(c, 20);
	/* The 17th waits in the backlog: connected, but not served. */
	k = cli_connect(c);
	cli_send(k, "echo seventeenth\n");
	cli_quiet(c, k, 100);
	assert_int_equal(c->calls, 0);
	cli_close(idle[0]);
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"seventeenth\"}");
	for (int i = 1; i < 16; i++)
		cli_close(idle[i]);
	cli_close(k);
}

/* Silent clients are dropped after the idle timeout; one waiting for a deferred reply is not. */
static void test_idle_clients_dropped(void **state)
{
	struct ctx *c = *state;
	struct cli *idle[16], *k;
	char line[256];

	ctl_server_set_idle(c->srv, 200 * 1000);
	for (int i = 0; i < 16; i++)
		idle[i] = cli_connect(c);
	pump(c, 400);
	/* All sixteen gone: a new client is served at once. */
	k = cli_connect(c);
	cli_send(k, "echo after\n");
	assert_string_equal(cli_line(c, k, line), "{\"ok\":true,\"echo\":\"after\"}");
	for (int i = 0; i < 16; i++) {
		assert_null(cli_line(c, idle[i], line));
		cli_close(idle[i]);
	}
	cli_close(k);
}

static void test_socket_file(void **state)
{
	struct ctx *c = *state;
	struct ctl_server *other = NULL;
	struct stat st;
	char path[96];

	assert_int_equal(lstat(c->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0660);
	/* A live server's socket is not stolen. */
	assert_int_equal(ctl_server_open(&other, c->path, c->e, handler, c), -EADDRINUSE);
	assert_null(other);
	/* Something that is not a socket is left alone. */
	snprintf(path, sizeof(path), "%s/file", c->dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ctl_server_open(&other, path, c->e, handler, c), -EEXIST);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	/* A socket file nobody listens on (a daemon that died) is replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", c->dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(ctl_server_open(&other, path, c->e, handler, c), 0);
	/* Closing with a request still pending frees it (no leak under valgrind) and removes the file. */
	struct cli *k = calloc(1, sizeof(*k));
	k->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(k->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cli_send(k, "defer\n");
	pump(c, 30);
	assert_non_null(c->deferred);
	ctl_server_close(other);
	c->deferred = NULL;
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	cli_close(k);
	/* Paths longer than sun_path are refused, not truncated. */
	char longp[200];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_int_equal(ctl_server_open(&other, longp, c->e, handler, c), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_with_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gone_before_final, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_replies_drop_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_client_blocks_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peercred_uid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_limit_pauses_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_clients_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
