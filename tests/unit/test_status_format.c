/* Status formatting: exact JSON/STATUS=/Prometheus strings, 80-column text, escaping, small buffers. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "status_format.h"

#define GTIDS 1500

#define BIG 65536

static void fill_server(struct db_state *d, bool ro)
{
	memset(d, 0, sizeof(*d));
	d->reachable = true;
	d->latency_us = 1234;
	d->flavor = DB_FLAVOR_MARIADB;
	snprintf(d->version, sizeof(d->version), "10.11.6-MariaDB");
	d->server_id = ro ? 2 : 1;
	d->read_only = ro;
	d->super_read_only = -1;
	d->repl.configured = true;
	d->repl.io = REPL_IO_YES;
	d->repl.sql_running = true;
	d->repl.lag_s = 0;
	snprintf(d->repl.master_host, sizeof(d->repl.master_host), "192.0.2.%d", ro ? 11 : 12);
	d->repl.master_port = 3306;
	snprintf(d->repl.using_gtid, sizeof(d->repl.using_gtid), "Slave_Pos");
	d->semisync = (struct semisync_state){ -1, -1, -1, -1, -1, -1, "", false };
	d->gtid_binlog_pos = (char *)"0-1-100"; /* a borrowed view: status never frees */
}

/* A master holding one VIP, both servers fine, peer replicating from us. */
static void fill_master(struct dm_status *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->node_name, sizeof(s->node_name), "db1");
	s->state = "MASTER";
	s->in_state_ms = 3723004;
	s->base_priority = 150;
	s->priority = 150;
	s->eligible = true;
	snprintf(s->reason, sizeof(s->reason), "ok");
	s->vrrp_version = 3;
	s->vrid = 51;
	snprintf(s->master_addr, sizeof(s->master_addr), "192.0.2.11");
	s->n_vips = 1;
	inet_pton(AF_INET, "192.0.2.50", &s->vips[0].addr);
	s->vips[0].prefixlen = 24;
	s->vip_held = true;
	fill_server(&s->local, false);
	s->local.repl.io = REPL_IO_NONE;
	s->local_c = (struct health_counter){ true, 0, 5, true };
	fill_server(&s->peer, true);
	s->peer_c = (struct health_counter){ true, 0, 5, true };
	s->counters.sent = 100;
	s->counters.received = 7;
	s->counters.rejected[VRRP_PKT_CHECKSUM] = 2;
	s->counters.rejected[VRRP_PKT_TTL] = 1;
	s->transitions_total = 2;
	s->local_term = s->peer_term = 3;
	snprintf(s->term_holder, sizeof(s->term_holder), "db1");
	s->n_transitions = 1;
	s->transitions[0] = (struct status_transition){
		.when_s = 1714564800, .from = "BACKUP", .to = "MASTER", .reason = "master down \"expired\""
	};
}

static char *fmt(int (*f)(const struct dm_status *, char *, size_t), const struct dm_status *s)
{
	char *buf = malloc(BIG);
	assert_non_null(buf);
	int n = f(s, buf, BIG);
	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	return buf;
}

static void test_status_line_master(void **state)
{
	(void)state;
	struct dm_status s;
	char buf[512];

	fill_master(&s);
	int n = status_line(&s, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen(buf));
	assert_string_equal(buf, "MASTER prio 150 | local ok ro=OFF | peer ok ro=ON io=Yes sql=Yes lag=0s"
				 " | vip 192.0.2.50 held");
}

static void test_status_line_backup_flags(void **state)
{
	(void)state;
	struct dm_status s;
	char buf[1024];

	fill_master(&s);
	s.state = "BACKUP";
	s.priority = 0;
	s.eligible = false;
	snprintf(s.reason, sizeof(s.reason), "lag 45s > max_lag_s 30");
	s.vip_held = false;
	s.n_vips = 2;
	inet_pton(AF_INET, "192.0.2.51", &s.vips[1].addr);
	s.local.repl.io = REPL_IO_CONNECTING;
	s.local.repl.sql_running = false;
	s.local.repl.lag_s = -1;
	s.peer.reachable = false;
	snprintf(s.peer.error, sizeof(s.peer.error), "Can't connect\nto server");
	s.maintenance = true;
	snprintf(s.alert, sizeof(s.alert), "adverts lost while peer writable");
	assert_true(status_line(&s, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "BACKUP prio 0 (not eligible: lag 45s > max_lag_s 30)"
				 " | local ok ro=OFF io=Connecting sql=No lag=?"
				 " | peer down: Can't connect to server | vip 192.0.2.50,192.0.2.51 not held"
				 " | MAINTENANCE | ALERT: adverts lost while peer writable");
	assert_null(strchr(buf, '\n'));

	/* A long error is cut at 80 bytes, never inside a UTF-8 sequence ("é" straddles byte 80). */
	memset(s.peer.error, 'x', 79);
	memcpy(s.peer.error + 79, "\xc3\xa9tail", 7);
	s.maintenance = false;
	s.alert[0] = '\0';
	assert_true(status_line(&s, buf, sizeof(buf)) > 0);
	char *p = strstr(buf, "peer down: ");
	assert_non_null(p);
	p += strlen("peer down: ");
	assert_int_equal(strcspn(p, " "), 79);
}

static void test_json_master(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	char *j = fmt(status_json, &s);
	assert_null(strchr(j, '\n'));
	const char *want[] = {
		"{\"schema\":1,\"node\":\"db1\",\"peer_name\":\"\",\"state\":\"MASTER\",\"in_state_ms\":3723004,\"priority\":150,"
		"\"base_priority\":150,\"eligible\":true,\"reason\":\"ok\",\"maintenance\":false,"
		"\"frozen\":false,\"isolated\":false,\"alert\":null,\"takeover_step\":null,"
		"\"vrrp\":{\"version\":3,\"vrid\":51,\"master\":\"192.0.2.11\"},"
		"\"vips\":[{\"addr\":\"192.0.2.50\",\"family\":\"ipv4\",\"prefixlen\":24,\"held\":true}],"
		"\"local\":{\"reachable\":true,\"up\":true,\"error\":null,\"flavor\":\"mariadb\","
		"\"version\":\"10.11.6-MariaDB\",\"server_id\":1,\"read_only\":false,"
		"\"super_read_only\":null,\"latency_ms\":1.234,\"client_connections\":0,\"daemon_sessions\":0,\"io\":null,"
		"\"sql\":null,\"lag_s\":null,",
		",\"peer\":{\"reachable\":true,\"up\":true,",
		"\"read_only\":true,\"super_read_only\":null,\"latency_ms\":1.234,\"client_connections\":0,"
		"\"daemon_sessions\":0,\"io\":\"Yes\",\"sql\":\"Yes\",\"lag_s\":0,\"last_io_errno\":0,\"last_io_error\":null,"
		"\"last_sql_errno\":0,\"last_sql_error\":null,\"master_host\":\"192.0.2.11\","
		"\"master_port\":3306,\"using_gtid\":\"Slave_Pos\",\"gtid_io_pos\":null,"
		"\"executed_gtid_set\":null,\"gtid_binlog_pos\":\"0-1-100\",\"gtid_current_pos\":null,"
		"\"gtid_slave_pos\":null,\"gtid_executed\":null,\"semisync\":{\"master_enabled\":null,"
		"\"master_status\":null,\"slave_enabled\":null,\"slave_status\":null,"
		"\"master_clients\":null,\"master_timeout_ms\":null,\"wait_point\":null}}",
		",\"counters\":{\"adverts_sent\":100,\"send_errors\":0,\"adverts_received\":7,"
		"\"prio0_sent\":0,\"prio0_received\":0,\"ignored_self\":0,\"ignored_not_peer\":0,"
		"\"addr_mismatch\":0,\"rejected\":{\"short\":0,\"ip_header\":0,\"proto\":0,\"ttl\":1,"
		"\"version\":0,\"type\":0,\"vrid\":0,\"length\":0,\"checksum\":2,\"auth\":0,\"interval\":0}}",
		",\"transitions_total\":2,\"transitions\":[{\"time\":\"2024-05-01T12:00:00Z\","
		"\"from\":\"BACKUP\",\"to\":\"MASTER\",\"reason\":\"master down \\\"expired\\\"\"}],"
		"\"last_takeover\":null,\"divergence\":{\"text\":null,\"only_local\":0,\"only_peer\":0},"
		"\"term\":{\"local\":3,\"peer\":3,\"holder\":\"db1\"},\"peer_refusing\":false,\"vip_restored\":0,\"witness\":null}",
	};
	assert_ptr_equal(strstr(j, want[0]), j);
	for (size_t i = 1; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!strstr(j, want[i]))
			fail_msg("missing %s\nin %s", want[i], j);
	}
	assert_string_equal(j + strlen(j) - strlen(want[4]), want[4]);
	free(j);
}

static void test_json_semisync_and_divergence(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	s.local.semisync = (struct semisync_state){ 1, 0, 0, -1, 0, 10000, "AFTER_SYNC", false };
	s.local.repl.lag_s = 5; /* no replication configured: lag is still null */
	s.divergence = "only local: 0-1-101-103";
	s.divergence_only_local = 3;
	s.frozen = true;
	snprintf(s.takeover_step, sizeof(s.takeover_step), "catch-up");
	char *j = fmt(status_json, &s);
	assert_non_null(strstr(j, "\"semisync\":{\"master_enabled\":true,\"master_status\":false,"
				  "\"slave_enabled\":false,\"slave_status\":null,\"master_clients\":0,"
				  "\"master_timeout_ms\":10000,\"wait_point\":\"AFTER_SYNC\"}"));
	assert_non_null(strstr(j, "\"io\":null,\"sql\":null,\"lag_s\":null,"));
	assert_non_null(strstr(j, "\"divergence\":{\"text\":\"only local: 0-1-101-103\",\"only_local\":3,"
				  "\"only_peer\":0}"));
	assert_non_null(strstr(j, "\"frozen\":true,"));
	assert_non_null(strstr(j, "\"takeover_step\":\"catch-up\","));
	free(j);
}

static void test_json_escape(void **state)
{
	(void)state;
	char buf[128];

	assert_int_equal(json_escape("a\"b\\c\nd\te\r\x01\x1f", buf, sizeof(buf)), 27);
	assert_string_equal(buf, "a\\\"b\\\\c\\nd\\te\\r\\u0001\\u001f");
	/* Valid UTF-8 (2, 3 and 4 bytes) passes through unchanged. */
	assert_true(json_escape("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", buf, sizeof(buf)) == 9);
	assert_string_equal(buf, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* Invalid bytes, overlong forms, surrogates and truncated sequences become U+FFFD. */
	assert_true(json_escape("a\xff" "b", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "a\\ufffdb");
	assert_true(json_escape("\xc0\xaf", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\\ufffd\\ufffd");
	assert_true(json_escape("\xed\xa0\x80", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\\ufffd\\ufffd\\ufffd");
	assert_true(json_escape("\xe2\x82", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\\ufffd\\ufffd");
	assert_true(json_escape("\xf4\x90\x80\x80", buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "\\ufffd\\ufffd\\ufffd\\ufffd");
	assert_int_equal(json_escape("", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	/* Too small: exactly the length leaves no room for the NUL. */
	assert_int_equal(json_escape("abc", buf, 3), -1);
	assert_int_equal(json_escape("abc", buf, 4), 3);
	assert_int_equal(json_escape("\n", buf, 2), -1);
	assert_int_equal(json_escape("x", buf, 0), -1);
}

/* Every line of s is at most 80 bytes (bytes >= columns). */
static void assert_width_min(const char *t, int min_lines)
{
	int lines = 0;
	for (const char *p = t; *p;) {
		size_t n = strcspn(p, "\n");
		if (n > 80)
			fail_msg("line %d is %zu bytes: %.*s", lines + 1, n, (int)n, p);
		for (size_t i = 0; i < n; i++)
			assert_false((unsigned char)p[i] < 0x20);
		p += n;
		assert_int_equal(*p, '\n');
		p++;
		lines++;
	}
	assert_true(lines >= min_lines);
}

static void assert_width(const char *t)
{
	assert_width_min(t, 11);
}

static void test_text_width(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	char *t = fmt(status_text, &s);
	assert_width(t);
	assert_ptr_equal(strstr(t, "db1: MASTER for 1h02m03s, priority 150 (base 150)\neligible: yes (ok)\n"
				   "vrrp: v3 vrid 51, master 192.0.2.11\nvip: 192.0.2.50/24 held\n"),
			 t);
	const char *peer = "\npeer: reachable, health up (fails 0, oks 5), 10.11.6-MariaDB\n"
			   "  read_only=ON super_read_only=-, server_id 2, latency 1.234 ms, clients 0\n"
			   "  replication: io=Yes sql=Yes lag=0s from 192.0.2.11:3306, gtid Slave_Pos\n";
	assert_non_null(strstr(t, peer));
	assert_non_null(strstr(t, "\n  rejected: ttl 1, checksum 2\n"));
	assert_non_null(strstr(t, "\n  2024-05-01T12:00:00Z BACKUP -> MASTER: master down \"expired\"\n"));
	free(t);

	/* Worst case: every string at its maximum, with newlines, tabs and UTF-8 inside. */
	memset(s.node_name, 'n', sizeof(s.node_name) - 1);
	memset(s.reason, 'r', sizeof(s.reason) - 1);
	for (size_t i = 0; i + 3 < sizeof(s.alert); i += 3)
		memcpy(s.alert + i, "\xe2\x82\xac", 3);
	snprintf(s.takeover_step, sizeof(s.takeover_step), "step\nwith\tcontrol");
	/* GTID texts of any length: 12,000 and 10,000 characters. */
	static char binlog[GTIDS * 8 + 1], executed[10001];
	for (size_t i = 0; i < GTIDS * 8; i += 8)
		memcpy(binlog + i, "0-1-999,", 8);
	s.local.gtid_binlog_pos = binlog;
	memset(executed, 'g', sizeof(executed) - 1);
	s.peer.gtid_executed = executed;
	memset(s.peer.error, 'e', DB_ERR_LEN - 1);
	memset(s.peer.repl.last_sql_error, ' ', DB_ERR_LEN - 1);
	s.peer.repl.last_sql_errno = 1062;
	/* GTID ranges of any length: 20,000 characters, a newline inside. */
	static char div[20001];
	memset(div, 'd', sizeof(div) - 1);
	div[100] = '\n';
	s.divergence = div;
	s.n_transitions = STATUS_TRANSITIONS;
	for (int i = 0; i < STATUS_TRANSITIONS; i++) {
		s.transitions[i] = s.transitions[0];
		memset(s.transitions[i].reason, 'x', sizeof(s.transitions[i].reason) - 1);
	}
	s.maintenance = s.frozen = s.isolated = true;
	for (int i = 0; i < VRRP_PKT_ERR_MAX; i++)
		s.counters.rejected[i] = UINT64_MAX;
	s.n_vips = CONF_MAX_VIPS;
	for (int i = 0; i < CONF_MAX_VIPS; i++)
		s.vips[i] = (struct conf_vip){ .v6 = true, .prefixlen = 128 };
	for (int i = 0; i < CONF_MAX_VIPS; i++)
		memset(&s.vips[i].addr6, 0xff, sizeof(s.vips[i].addr6));
	t = fmt(status_text, &s);
	assert_width(t);
	/* Wrapped, not cut: every GTID of the long set is still there. */
	char *g = strstr(t, "gtid_binlog_pos: ");
	assert_non_null(g);
	int count = 0;
	for (char *p = g; (p = strstr(p, "0-1-999")) && p < strstr(g, "gtid_executed"); p++)
		count++;
	assert_int_equal(count, GTIDS);
	free(t);
}

/* status: both nodes, one row each, in 80 columns; the peer as the master sees it (its daemon by
 * its sessions) and as a backup sees it (by adverts). */
static void test_table(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	snprintf(s.peer_name, sizeof(s.peer_name), "192.0.2.12");
	s.peer.daemon_sessions = 2;
	char *t = fmt(status_table, &s);
	assert_width_min(t, 5);
	assert_string_equal(t,
		"NODE            ROLE     PRIO RO  IO/SQL    LAG GTID            DAEMON  SINCE\n"
		"db1*            MASTER    150 OFF -           - 0-1-100         this    1h02m\n"
		"192.0.2.12      standby     - ON  Yes/Yes    0s 0-1-100         session -\n"
		"(* this node; the peer as this node sees it. status -v: everything)\n"
		"vip: 192.0.2.50/24 held by this node\n");
	free(t);

	/* A backup hearing the master; long GTID sets cut with "..." in the cell, an alert below. */
	s.state = "BACKUP";
	s.vip_held = false;
	s.eligible = false;
	snprintf(s.reason, sizeof(s.reason), "sql thread not running");
	s.local.gtid_binlog_pos = (char *)"0-1-100,1-2-300,2-3-4000";
	s.peer.read_only = 0;
	s.peer.repl.lag_s = 7300;
	s.peer.daemon_sessions = 0;
	snprintf(s.alert, sizeof(s.alert), "peer refuses us");
	t = fmt(status_table, &s);
	assert_width_min(t, 5);
	assert_non_null(strstr(t, "\ndb1*            BACKUP    150 OFF -           - 0-1-100,1-2-... this    1h02m\n"));
	assert_non_null(strstr(t, "\n192.0.2.12      MASTER      - OFF Yes/Yes 2h01m 0-1-100         adverts -\n"));
	assert_non_null(strstr(t, "\nvip: 192.0.2.50/24 not held here\nnot eligible: sql thread not running\n"
				  "ALERT: peer refuses us\n"));
	free(t);

	/* A master whose peer's daemon holds no session; the peer unreachable. */
	s.state = "MASTER";
	s.peer.read_only = 1;
	s.peer.repl.lag_s = 0;
	t = fmt(status_table, &s);
	assert_non_null(strstr(t, "\n192.0.2.12      standby     - ON  Yes/Yes    0s 0-1-100         none    -\n"));
	free(t);
	s.peer.reachable = false;
	t = fmt(status_table, &s);
	assert_non_null(strstr(t, "\n192.0.2.12      ?           - ?   ?           ? ?               ?       -\n"));
	free(t);
}

static void test_prometheus(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	s.transitions_by[2][3] = 1; /* TAKEOVER -> MASTER */
	s.fo_stats.runs[1][0] = 1;  /* one takeover, ok, in 1.5 s; one refused */
	s.fo_stats.runs[1][1] = 1;
	s.fo_stats.duration_sum_us[1] = 1500000;
	s.fo_stats.duration_last_us[1] = 1250;
	s.fo_stats.fence_done = 1;
	s.last_takeover = (struct status_takeover){ .done = true, .ok = true, .when_s = 1714564800, .total_us = 412345 };
	s.last_takeover.phase_us[STATUS_PHASE_DETECT] = 362000;
	s.last_takeover.phase_us[STATUS_PHASE_FENCE] = 3500;
	char *j = fmt(status_json, &s);
	assert_non_null(strstr(j, ",\"last_takeover\":{\"ok\":true,\"time\":\"2024-05-01T12:00:00Z\",\"total_ms\":412.345,"
				  "\"phases_ms\":{\"detection\":362.000,\"fence\":3.500,\"semisync\":0.000,"
				  "\"catchup\":0.000,\"write_enable\":0.000,\"term\":0.000,\"claim\":0.000,\"lease\":0.000}}"));
	free(j);
	j = fmt(status_text, &s);
	/* Wrapped at 80 columns like every long line. */
	assert_non_null(strstr(j, "\nlast takeover: 2024-05-01T12:00:00Z ok, 412.345 ms: detection 362.000, fence\n"
				  "  3.500, semisync 0.000,"));
	free(j);
	char *m = fmt(status_prometheus, &s);
	const char *want[] = {
		"# TYPE dualmaster_build_info gauge\ndualmaster_build_info{version=\"" DM_VERSION "\"} 1\n",
		"\ndualmaster_state_transitions_total{from=\"TAKEOVER\",to=\"MASTER\"} 1\n",
		"\ndualmaster_sequences_total{kind=\"takeover\",result=\"ok\"} 1\n"
		"dualmaster_sequences_total{kind=\"takeover\",result=\"refused\"} 1\n"
		"dualmaster_sequences_total{kind=\"step-down\",result=\"ok\"} 0\n",
		"# TYPE dualmaster_sequence_duration_seconds summary\n"
		"dualmaster_sequence_duration_seconds_sum{kind=\"takeover\"} 1.500000\n"
		"dualmaster_sequence_duration_seconds_count{kind=\"takeover\"} 2\n",
		"\ndualmaster_sequence_last_duration_seconds{kind=\"takeover\"} 0.001250\n",
		"\ndualmaster_fence_total{outcome=\"fenced\"} 1\ndualmaster_fence_total{outcome=\"unreachable\"} 0\n",
		"\ndualmaster_last_takeover_phase_seconds{phase=\"detection\"} 0.362000\n"
		"dualmaster_last_takeover_phase_seconds{phase=\"fence\"} 0.003500\n",
		"# HELP dualmaster_state VRRP state: 1 for the current state, 0 for the others.\n"
		"# TYPE dualmaster_state gauge\n"
		"dualmaster_state{state=\"INIT\"} 0\ndualmaster_state{state=\"BACKUP\"} 0\n"
		"dualmaster_state{state=\"TAKEOVER\"} 0\ndualmaster_state{state=\"MASTER\"} 1\n"
		"dualmaster_state{state=\"FAULT\"} 0\n",
		"# TYPE dualmaster_priority gauge\ndualmaster_priority 150\n",
		"\ndualmaster_eligible 1\n",
		"# TYPE dualmaster_replication_lag_seconds gauge\n"
		"dualmaster_replication_lag_seconds{server=\"peer\"} 0\n",
		"\ndualmaster_probe_latency_seconds{server=\"local\"} 0.001234\n",
		"# TYPE dualmaster_transitions_total counter\ndualmaster_transitions_total 2\n",
		"\ndualmaster_vrrp_adverts_sent_total 100\n",
		"\ndualmaster_vrrp_adverts_received_total 7\n",
		"# TYPE dualmaster_vrrp_rejected_total counter\ndualmaster_vrrp_rejected_total{reason=\"shor"
		"t\"} 0\n",
		"\ndualmaster_vrrp_rejected_total{reason=\"checksum\"} 2\n",
		"\ndualmaster_vrrp_rejected_total{reason=\"interval\"} 0\n",
		"\ndualmaster_vip_held 1\n",
		"\ndualmaster_maintenance 0\n",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(m, want[i]))
			fail_msg("missing %s\nin %s", want[i], m);
	/* No local lag: the local server replicates from nobody. */
	assert_null(strstr(m, "lag_seconds{server=\"local\"}"));
	assert_null(strstr(m, "reason=\"ok\""));
	assert_int_equal(m[strlen(m) - 1], '\n');
	/* Every sample has a TYPE line for its family before it. */
	for (char *p = m; *p; p = strchr(p, '\n') + 1) {
		if (*p == '#')
			continue;
		char name[128];
		size_t n = strcspn(p, "{ ");
		assert_true(n < sizeof(name) - 8);
		snprintf(name, sizeof(name), "# TYPE %.*s ", (int)n, p);
		char *type = strstr(m, name);
		/* A summary's samples are <family>_sum and <family>_count. */
		if (!type && n > 4 && !strncmp(p + n - 4, "_sum", 4))
			snprintf(name, sizeof(name), "# TYPE %.*s summary", (int)n - 4, p), type = strstr(m, name);
		if (!type && n > 6 && !strncmp(p + n - 6, "_count", 6))
			snprintf(name, sizeof(name), "# TYPE %.*s summary", (int)n - 6, p), type = strstr(m, name);
		assert_non_null(type);
		assert_true(type < p);
	}
	free(m);

	/* Unknown lag (NULL) and an unreachable peer: no samples rather than zeros. */
	s.peer.repl.lag_s = -1;
	s.local.reachable = false;
	s.state = "WEIRD\"STATE";
	m = fmt(status_prometheus, &s);
	assert_null(strstr(m, "dualmaster_replication_lag_seconds{"));
	assert_null(strstr(m, "dualmaster_probe_latency_seconds{server=\"local\"}"));
	assert_non_null(strstr(m, "dualmaster_state{state=\"MASTER\"} 0\n"));
	assert_non_null(strstr(m, "dualmaster_state{state=\"WEIRD\\\"STATE\"} 1\n"));
	free(m);
}

static int (*const formatters[])(const struct dm_status *, char *, size_t) = {
	status_json, status_text, status_line, status_prometheus, status_table,
};

/* Every formatter: each buffer size below the need returns -1 (exact-size heap buffers, so ASan
 * catches a write past the end), the exact need returns the length. */
static void test_small_buffers(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	s.maintenance = true;
	for (size_t f = 0; f < sizeof(formatters) / sizeof(formatters[0]); f++) {
		char *full = fmt(formatters[f], &s);
		size_t need = strlen(full) + 1;
		assert_int_equal(formatters[f](&s, NULL, 0), -1);
		for (size_t len = 1; len < need; len += (len < 64 || need - len < 64) ? 1 : 37) {
			char *b = malloc(len);
			assert_int_equal(formatters[f](&s, b, len), -1);
			free(b);
		}
		char *b = malloc(need);
		assert_int_equal(formatters[f](&s, b, need), (int)need - 1);
		assert_string_equal(b, full);
		free(b);
		free(full);
	}
}

static void test_no_password(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	for (size_t f = 0; f < sizeof(formatters) / sizeof(formatters[0]); f++) {
		char *out = fmt(formatters[f], &s);
		assert_null(strcasestr(out, "password"));
		assert_null(strcasestr(out, "passwd"));
		free(out);
	}
}

/* The witness in all three views: holder, term, expiry and latency; metrics only when configured. */
static void test_witness(void **state)
{
	(void)state;
	struct dm_status s;

	fill_master(&s);
	s.witness = (struct status_witness){ .configured = true, .reachable = true, .held = true, .known = true,
					     .term = 7, .expires_in_ms = 1730, .held_for_ms = 1200, .latency_ms = 0.8,
					     .jobs = 12, .failures = 1 };
	snprintf(s.witness.holder, sizeof(s.witness.holder), "db1");
	snprintf(s.witness.text, sizeof(s.witness.text), "held by db1, term 7, 1.73 s left");
	char *j = fmt(status_json, &s);
	assert_non_null(strstr(j, ",\"witness\":{\"configured\":true,\"reachable\":true,\"held\":true,"
				  "\"no_quorum\":false,\"holder\":\"db1\",\"term\":7,\"expires_in_ms\":1730,"
				  "\"held_for_ms\":1200,\"latency_ms\":0.800,\"jobs\":12,\"failures\":1,"
				  "\"text\":\"held by db1, term 7, 1.73 s left\"}}"));
	free(j);
	j = fmt(status_text, &s);
	assert_non_null(strstr(j, "witness: lease held by db1, term 7, 1.73 s left (ours), latency 0.8 ms"));
	free(j);
	char *m = fmt(status_prometheus, &s);
	assert_non_null(strstr(m, "\ndualmaster_witness_lease_held 1\n"));
	assert_non_null(strstr(m, "\ndualmaster_witness_term 7\n"));
	assert_non_null(strstr(m, "\ndualmaster_witness_failures_total 1\n"));
	free(m);
	s.witness.configured = false;
	m = fmt(status_prometheus, &s);
	assert_null(strstr(m, "dualmaster_witness"));
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_line_master),
		cmocka_unit_test(test_status_line_backup_flags),
		cmocka_unit_test(test_json_master),
		cmocka_unit_test(test_json_semisync_and_divergence),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_small_buffers),
		cmocka_unit_test(test_no_password),
		cmocka_unit_test(test_witness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
