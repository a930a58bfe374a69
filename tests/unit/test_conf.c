/* Config parsing and validation: the example file, every bad example's exact messages, password and TLS files. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf_check.h"
#include "conf_load.h"

static void test_example_config(void **state)
{
	(void)state;
	struct conf c;
	struct conf_errors e = { 0 };

	assert_int_equal(conf_load("conf/dualmaster.conf", &c, &e), 0);
	assert_int_equal(e.n, 0);
	/* The example sets a tiebreaker target: no warning. */
	assert_int_equal(e.n_warn, 0);
	assert_int_equal(c.tiebreaker.n_targets, 1);
	assert_string_equal(c.node_name, "db1");
	assert_string_equal(c.vrrp.interface, "eth0");
	assert_int_equal(c.vrrp.vrid, 51);
	assert_int_equal(c.vrrp.version, 3);
	assert_int_equal(c.vrrp.priority, 150);
	assert_int_equal(c.vrrp.advert_interval_ms, 1000);
	assert_false(c.vrrp.preempt);
	assert_int_equal(c.vrrp.n_vips, 1);
	assert_int_equal(c.vrrp.vips[0].prefixlen, 24);
	assert_int_equal(ntohl(c.vrrp.vips[0].addr.s_addr), 0xc0000232);
	assert_int_equal(c.vrrp.n_unicast_peers, 0);
	assert_string_equal(c.peer.host, "192.0.2.12");
	assert_int_equal(c.peer.port, 3306);
	assert_int_equal(c.health.interval_ms, 200);
	assert_int_equal(c.health.fall, 2);
	assert_int_equal(c.takeover.catchup_timeout_ms, 5000);
	assert_true(c.takeover.fence_peer);
	assert_false(c.takeover.promote_stale);
}

/* Each tests/conf/bad/NAME.conf starts with "# expect: LINE: message" lines, in output order. */
static void check_bad_file(const char *path)
{
	char expect[CONF_MAX_ERRORS][1024];
	char line[300];
	int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && strncmp(line, "# expect: ", 10) == 0) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(expect[n++], sizeof(expect[0]), "%s:%s", path, line + 10);
	}
	fclose(f);
	assert_true(n > 0);

	struct conf c;
	struct conf_errors e = { 0 };
	assert_int_equal(conf_load(path, &c, &e), -1);
	if (e.n != n)
		for (int i = 0; i < e.n; i++)
			print_message("got: %s\n", e.msg[i]);
	assert_int_equal(e.n, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(e.msg[i], expect[i]);
}

static void test_bad_examples(void **state)
{
	(void)state;
	DIR *d = opendir("tests/conf/bad");
	struct dirent *de;
	int files = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[300];
		if (!strstr(de->d_name, ".conf"))
			continue;
		snprintf(path, sizeof(path), "tests/conf/bad/%s", de->d_name);
		check_bad_file(path);
		files++;
	}
	closedir(d);
	assert_true(files >= 10);
}

static char tmpdir[64];

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/dm-conf-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static const char *conf_with_password(const char *pwline)
{
	static char conf_path[128];
	char text[1024];

	snprintf(conf_path, sizeof(conf_path), "%s/c.conf", tmpdir);
	snprintf(text, sizeof(text),
		 "node_name = \"db1\"\nvrrp { interface = \"eth0\" vips = {\"192.0.2.50/24\"} }\n"
		 "mysql local { socket = \"/run/mysqld/mysqld.sock\" user = \"dm\" }\n"
		 "mysql peer {\n  host = \"192.0.2.12\" user = \"dm\"\n  %s\n}\n",
		 pwline);
	write_file(conf_path, text, 0644);
	return conf_path;
}

static void test_password_file_modes(void **state)
{
	(void)state;
	char pw[128], line[256], expect[512];
	struct conf c;
	struct conf_errors e = { 0 };

	snprintf(pw, sizeof(pw), "%s/pw", tmpdir);
	snprintf(line, sizeof(line), "password_file = \"%s\"", pw);

	write_file(pw, "s3cret\n", 0644);
	const char *path = conf_with_password(line);
	assert_int_equal(conf_load(path, &c, &e), -1);
	assert_int_equal(e.n, 1);
	snprintf(expect, sizeof(expect),
		 "%s:6: mysql peer|password_file: \"%s\" is readable by group or others (mode 644): chmod 600 it",
		 path, pw);
	assert_string_equal(e.msg[0], expect);
	assert_string_equal(c.peer.password, "");

	write_file(pw, "s3cret\n", 0600);
	memset(&e, 0, sizeof(e));
	assert_int_equal(conf_load(path, &c, &e), 0);
	assert_string_equal(c.peer.password, "s3cret");
}

static void test_password_credential(void **state)
{
	(void)state;
	char pw[128];
	struct conf c;
	struct conf_errors e = { 0 };

	snprintf(pw, sizeof(pw), "%s/mysql-password", tmpdir);
	write_file(pw, "fromcred", 0400);
	const char *path = conf_with_password("password_credential = \"mysql-password\"");

	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(conf_load(path, &c, &e), -1);
	assert_non_null(strstr(e.msg[0], ":6: mysql peer|password_credential: $CREDENTIALS_DIRECTORY is not set"));

	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	memset(&e, 0, sizeof(e));
	assert_int_equal(conf_load(path, &c, &e), 0);
	assert_string_equal(c.peer.password, "fromcred");
	unsetenv("CREDENTIALS_DIRECTORY");
}

/* Hook paths: absolute, executable, not writable by group or others. */
static void test_hook_paths_checked(void **state)
{
	(void)state;
	char hook[128], text[1024], path[128];
	struct conf c;
	struct conf_errors e = { 0 };

	snprintf(hook, sizeof(hook), "%s/hook.sh", tmpdir);
	snprintf(path, sizeof(path), "%s/h.conf", tmpdir);
	static const struct {
		const char *hook;
		mode_t mode;
		const char *err;
	} cases[] = {
		{ "relative/hook.sh", 0755, "is not an absolute path" },
		{ NULL, 0757, "is writable by group or others" },
		{ NULL, 0644, "is not an executable file" },
		{ NULL, 0755, NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(hook, "#!/bin/sh\nexit 0\n", cases[i].mode);
		snprintf(text, sizeof(text),
			 "node_name = \"db1\"\nvrrp { interface = \"eth0\" vips = {\"192.0.2.50/24\"} }\n"
			 "mysql local { socket = \"/run/mysqld/mysqld.sock\" user = \"dm\" }\n"
			 "mysql peer { host = \"192.0.2.12\" user = \"dm\" }\n"
			 "hooks {\n  on_master = \"%s\"\n}\n", cases[i].hook ? cases[i].hook : hook);
		write_file(path, text, 0644);
		memset(&e, 0, sizeof(e));
		if (!cases[i].err) {
			assert_int_equal(conf_load(path, &c, &e), 0);
			continue;
		}
		assert_int_equal(conf_load(path, &c, &e), -1);
		assert_non_null(strstr(e.msg[0], ":6: hooks|on_master: "));
		assert_non_null(strstr(e.msg[0], cases[i].err));
	}
}

/* Writes a config whose "mysql local" body is line 3 and whose "mysql peer" options start on line 6,
 * one per line; returns its path. */
static const char *conf_with_tls(const char *local, const char *const *peer)
{
	static char conf_path[128];
	char text[4096];
	int off;

	snprintf(conf_path, sizeof(conf_path), "%s/tls.conf", tmpdir);
	off = snprintf(text, sizeof(text),
		       "node_name = \"db1\"\nvrrp { interface = \"eth0\" vips = {\"192.0.2.50/24\"} }\n"
		       "mysql local { socket = \"/run/mysqld/mysqld.sock\" user = \"dm\" %s }\n"
		       "mysql peer {\n  host = \"192.0.2.12\"\n", local);
	for (; *peer; peer++)
		off += snprintf(text + off, sizeof(text) - (size_t)off, "  %s\n", *peer);
	snprintf(text + off, sizeof(text) - (size_t)off, "  user = \"dm\"\n}\n");
	write_file(conf_path, text, 0644);
	return conf_path;
}

/* Loads path, expects exactly one error, equal to "PATH:LINE: TEXT". */
static void expect_one_error(const char *path, int line, const char *text)
{
	char want[512];
	struct conf c;
	struct conf_errors e = { 0 };

	snprintf(want, sizeof(want), "%s:%d: %s", path, line, text);
	assert_int_equal(conf_load(path, &c, &e), -1);
	if (e.n != 1)
		for (int i = 0; i < e.n; i++)
			print_message("got: %s\n", e.msg[i]);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.msg[0], want);
}

static void test_tls_good(void **state)
{
	(void)state;
	char ca[128], cert[128], key[128], l_ca[160], l_cert[160], l_key[160];
	struct conf c;
	struct conf_errors e = { 0 };

	snprintf(ca, sizeof(ca), "%s/ca.pem", tmpdir);
	snprintf(cert, sizeof(cert), "%s/client-cert.pem", tmpdir);
	snprintf(key, sizeof(key), "%s/client-key.pem", tmpdir);
	write_file(ca, "ca\n", 0644);
	write_file(cert, "cert\n", 0644);
	write_file(key, "key\n", 0600);
	snprintf(l_ca, sizeof(l_ca), "ssl_ca = \"%s\"", ca);
	snprintf(l_cert, sizeof(l_cert), "ssl_cert = \"%s\"", cert);
	snprintf(l_key, sizeof(l_key), "ssl_key = \"%s\"", key);

	const char *all[] = { l_ca, l_cert, l_key, "ssl_verify_server_cert = true", NULL };
	const char *path = conf_with_tls("ssl = true", all);
	assert_int_equal(conf_load(path, &c, &e), 0);
	assert_true(c.peer.ssl);
	assert_true(c.peer.ssl_verify_server_cert);
	assert_string_equal(c.peer.ssl_ca, ca);
	assert_string_equal(c.peer.ssl_cert, cert);
	assert_string_equal(c.peer.ssl_key, key);
	/* ssl = true alone: TLS required, the server's certificate not checked. */
	assert_true(c.local.ssl);
	assert_false(c.local.ssl_verify_server_cert);
	assert_string_equal(c.local.ssl_ca, "");

	/* A path alone requires TLS too: a configured CA must never be skipped silently. */
	const char *ca_only[] = { l_ca, NULL };
	memset(&e, 0, sizeof(e));
	assert_int_equal(conf_load(conf_with_tls("", ca_only), &c, &e), 0);
	assert_true(c.peer.ssl);
	assert_false(c.peer.ssl_verify_server_cert);
	assert_false(c.local.ssl);

	/* Defaults: no TLS at all. */
	const char *none[] = { NULL };
	memset(&e, 0, sizeof(e));
	assert_int_equal(conf_load(conf_with_tls("", none), &c, &e), 0);
	assert_false(c.peer.ssl);
	assert_false(c.peer.ssl_verify_server_cert);
	assert_string_equal(c.peer.ssl_cert, "");
}

static void test_tls_bad(void **state)
{
	(void)state;
	char ca[128], dir[128], fifo[128], gone[128], line[200], want[300];

	snprintf(ca, sizeof(ca), "%s/ca.pem", tmpdir);
	snprintf(dir, sizeof(dir), "%s/certs", tmpdir);
	snprintf(fifo, sizeof(fifo), "%s/fifo.pem", tmpdir);
	snprintf(gone, sizeof(gone), "%s/missing.pem", tmpdir);
	write_file(ca, "ca\n", 0644);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkfifo(fifo, 0644), 0);

	const char *rel[] = { "ssl_verify_server_cert = false", "ssl_ca = \"certs/ca.pem\"", NULL };
	expect_one_error(conf_with_tls("", rel), 7, "mysql peer|ssl_ca: \"certs/ca.pem\" is not an absolute path");

	snprintf(line, sizeof(line), "ssl_key = \"%s\"", gone);
	const char *missing[] = { line, NULL };
	snprintf(want, sizeof(want), "mysql peer|ssl_key: cannot open \"%s\": No such file or directory", gone);
	/* The file error, and the cross-field one: a key without its certificate. */
	const char *path = conf_with_tls("", missing);
	struct conf c;
	struct conf_errors e = { 0 };
	assert_int_equal(conf_load(path, &c, &e), -1);
	assert_int_equal(e.n, 2);
	char full[512];
	snprintf(full, sizeof(full), "%s:6: %s", path, want);
	assert_string_equal(e.msg[0], full);
	snprintf(full, sizeof(full), "%s:6: mysql peer|ssl_key: ssl_cert and ssl_key must be given together",
		 path);
	assert_string_equal(e.msg[1], full);

	snprintf(line, sizeof(line), "ssl_ca = \"%s\"", dir);
	const char *isdir[] = { line, NULL };
	snprintf(want, sizeof(want), "mysql peer|ssl_ca: \"%s\" is not a regular file", dir);
	expect_one_error(conf_with_tls("", isdir), 6, want);

	/* A FIFO must fail, not hang the loader waiting for a writer. */
	snprintf(line, sizeof(line), "ssl_ca = \"%s\"", fifo);
	const char *isfifo[] = { line, NULL };
	snprintf(want, sizeof(want), "mysql peer|ssl_ca: \"%s\" is not a regular file", fifo);
	expect_one_error(conf_with_tls("", isfifo), 6, want);

	snprintf(line, sizeof(line), "ssl_cert = \"%s\"", ca);
	const char *cert_only[] = { "ssl = true", line, NULL };
	expect_one_error(conf_with_tls("", cert_only), 7,
			 "mysql peer|ssl_cert: ssl_cert and ssl_key must be given together");

	const char *verify_no_ca[] = { "ssl = true", "ssl_verify_server_cert = true", NULL };
	expect_one_error(conf_with_tls("", verify_no_ca), 7,
			 "mysql peer|ssl_verify_server_cert: needs ssl_ca (the CA that signed the server's certificate)");

	/* The local section is checked the same way and named as such. */
	const char *none[] = { NULL };
	expect_one_error(conf_with_tls("ssl_verify_server_cert = true", none), 3,
			 "mysql local|ssl_verify_server_cert: needs ssl_ca (the CA that signed the server's certificate)");

	/* Unreadable for this process: only testable when permissions bind us (not as root). */
	if (geteuid() != 0) {
		char key[128];
		snprintf(key, sizeof(key), "%s/key.pem", tmpdir);
		write_file(key, "key\n", 0000);
		snprintf(line, sizeof(line), "ssl_ca = \"%s\"", key);
		const char *unreadable[] = { line, NULL };
		snprintf(want, sizeof(want), "mysql peer|ssl_ca: cannot open \"%s\": Permission denied", key);
		expect_one_error(conf_with_tls("", unreadable), 6, want);
	}
}

static void test_comments_do_not_shift_lines(void **state)
{
	(void)state;
	char path[128];
	struct conf c;
	struct conf_errors e = { 0 };

	snprintf(path, sizeof(path), "%s/comments.conf", tmpdir);
	write_file(path,
		   "# one\n// two\n/* three\n four */\nnode_name = \"db1\" # trailing\n"
		   "vrrp {\n interface = \"eth0\"\n vips = {\"192.0.2.50/24\", # a comment in a list\n"
		   "  \"192.0.2.51/24\"}\n vrid = 0\n}\n"
		   "mysql local { socket = \"/s#not-a-comment\" user = \"dm\" }\n"
		   "mysql peer { host = \"192.0.2.12\" user = \"dm\" }\n",
		   0644);
	assert_int_equal(conf_load(path, &c, &e), -1);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msg[0], ":10: vrrp|vrid = 0 out of range 1-255"));

	memset(&e, 0, sizeof(e));
	write_file(path,
		   "# one\nnode_name = \"db1\"\nvrrp { interface = \"eth0\"\n vips = {\"192.0.2.50/24\", # x\n"
		   " \"192.0.2.51/24\"} }\nmysql local { socket = \"/s#x\" user = \"dm\" }\n"
		   "mysql peer { host = \"192.0.2.12\" user = \"dm\" }\n",
		   0644);
	assert_int_equal(conf_load(path, &c, &e), 0);
	assert_int_equal(c.vrrp.n_vips, 2);
	assert_string_equal(c.local.socket, "/s#x");
}

/* IPv6 first: the instance advertises over IPv6 and takes adverts from the link, not from the
 * peer server's IPv4 address; the IPv4 VIP is carried along. IPv4 first: the reverse. */
static void write_vips_conf(const char *path, const char *vips)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "node_name = \"db1\"\nvrrp { interface = \"eth0\" version = 3\n vips = {%s} }\n"
		 "mysql local { socket = \"/s\" user = \"dm\" }\n"
		 "mysql peer { host = \"192.0.2.12\" user = \"dm\" }\n",
		 vips);
	write_file(path, text, 0644);
}

static void test_ipv6_instance(void **state)
{
	char path[512];
	struct conf c;
	struct conf_errors e = { 0 };
	(void)state;

	snprintf(path, sizeof(path), "%s/v6.conf", tmpdir);
	write_vips_conf(path, "\"2001:db8::50/64\", \"192.0.2.50/24\"");
	assert_int_equal(conf_load(path, &c, &e), 0);
	assert_true(conf_vrrp_v6(&c.vrrp));
	assert_int_equal(c.vrrp.n_vips, 2);
	assert_false(c.vrrp.vips[1].v6);
	assert_int_equal(c.vrrp.n_accept_from, 0);

	write_vips_conf(path, "\"192.0.2.50/24\", \"2001:db8::50/64\"");
	assert_int_equal(conf_load(path, &c, &e), 0);
	assert_false(conf_vrrp_v6(&c.vrrp));
	assert_true(c.vrrp.vips[1].v6);
	assert_int_equal(c.vrrp.n_accept_from, 1);
}

static void test_parse_helpers(void **state)
{
	(void)state;
	struct conf_vip v;
	struct conf_target t;
	const char *why;

	assert_int_equal(conf_parse_cidr("192.0.2.1/32", &v, &why), 0);
	assert_int_equal(v.prefixlen, 32);
	assert_int_equal(conf_parse_cidr("192.0.2.1/0", &v, &why), -1);
	assert_int_equal(conf_parse_cidr("192.0.2.1/2x", &v, &why), -1);
	assert_int_equal(conf_parse_cidr("/24", &v, &why), -1);
	assert_int_equal(conf_parse_cidr("2001:db8::50/64", &v, &why), 0);
	assert_true(v.v6);
	assert_int_equal(v.prefixlen, 64);
	assert_int_equal(v.addr6.s6_addr[15], 0x50);
	assert_int_equal(conf_parse_cidr("fe80::51/128", &v, &why), 0);
	assert_int_equal(conf_parse_cidr("2001:db8::50/0", &v, &why), -1);
	assert_int_equal(conf_parse_cidr("::/64", &v, &why), -1);
	assert_int_equal(conf_parse_cidr("::ffff:192.0.2.1/96", &v, &why), -1);
	assert_int_equal(conf_parse_cidr("192.0.2.1/33", &v, &why), -1);
	assert_int_equal(conf_parse_cidr("192.0.2.1/32", &v, &why), 0);
	assert_false(v.v6);
	assert_int_equal(conf_parse_target("192.0.2.1", &t), 0);
	assert_int_equal(t.port, 0);
	assert_int_equal(conf_parse_target("192.0.2.1:3306", &t), 0);
	assert_int_equal(t.port, 3306);
	assert_int_equal(conf_parse_target("192.0.2.1:0", &t), -1);
	assert_int_equal(conf_parse_target("192.0.2.1:70000", &t), -1);
	assert_int_equal(conf_parse_target("host:1", &t), -1);
}

/* Without a tiebreaker target the file is valid, and -t says what that costs. */
static void test_no_tiebreaker_warns(void **state)
{
	(void)state;
	struct conf c;
	struct conf_errors e = { 0 };
	struct conf_lines l = { 0 };

	assert_int_equal(conf_load("conf/dualmaster.conf", &c, &e), 0);
	c.tiebreaker.n_targets = 0;
	e.n_warn = 0;
	assert_int_equal(conf_advice(&c, &l, &e), 1);
	assert_non_null(strstr(e.warn[0], "warning: tiebreaker has no targets"));
	assert_non_null(strstr(e.warn[0], "both accept writes"));
	assert_int_equal(conf_check(&c, &l, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_config),
		cmocka_unit_test(test_no_tiebreaker_warns),
		cmocka_unit_test(test_bad_examples),
		cmocka_unit_test_setup_teardown(test_password_file_modes, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_password_credential, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_comments_do_not_shift_lines, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hook_paths_checked, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_tls_good, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_tls_bad, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_parse_helpers),
		cmocka_unit_test_setup_teardown(test_ipv6_instance, setup_tmp, teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
