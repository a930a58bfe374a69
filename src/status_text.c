/* Pure formatting of struct dm_status for people (80 columns) and for Prometheus (text format 0.0.4). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover.h"
#include "status_buf.h"
#include "status_format.h"

#define TEXT_COLS 80

/* Writes one logical line, wrapped to TEXT_COLS: continuation lines are indented by indent + 2.
 * Breaks after a space or comma when one is in the second half of the line (GTID sets are comma
 * lists), else cuts at a UTF-8 boundary. Bytes are counted, never fewer than columns. */
static void tx_wrap(struct status_buf *b, int indent, const char *text)
{
	size_t room = TEXT_COLS - (size_t)indent;
	const char *p = text;

	status_buf_printf(b, "%*s", indent, "");
	for (;;) {
		size_t n = strlen(p);
		if (n <= room) {
			status_buf_flat(b, p, n);
			break;
		}
		size_t cut = room, k;
		for (k = room; k > room / 2; k--)
			if (p[k - 1] == ' ' || p[k - 1] == ',')
				break;
		if (k > room / 2)
			cut = k;
		else
			while (cut > 1 && ((unsigned char)p[cut] & 0xc0) == 0x80)
				cut--;
		size_t w = cut;
		while (w > 0 && p[w - 1] == ' ')
			w--;
		status_buf_flat(b, p, w);
		p += cut;
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		room = TEXT_COLS - (size_t)indent - 2;
		status_buf_printf(b, "\n%*s", indent + 2, "");
	}
	status_buf_puts(b, "\n");
}

static void tx_line(struct status_buf *b, int indent, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void tx_line(struct status_buf *b, int indent, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	tx_wrap(b, indent, tmp);
}

static void fmt_duration(uint64_t ms, char *out, size_t len)
{
	uint64_t s = ms / 1000;

	if (s < 60)
		snprintf(out, len, "%" PRIu64 ".%03" PRIu64 "s", s, ms % 1000);
	else if (s < 3600)
		snprintf(out, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, len, "%" PRIu64 "d%02" PRIu64 "h%02" PRIu64 "m", s / 86400, s / 3600 % 24,
			 s / 60 % 60);
}

static const char *onoff(int v)
{
	return v < 0 ? "-" : v ? "ON" : "OFF";
}

static void text_semisync(struct status_buf *b, const struct semisync_state *ss)
{
	if (ss->master_enabled < 0 && ss->slave_enabled < 0)
		return;
	tx_line(b, 2,
		"semisync: master enabled=%s status=%s clients=%d timeout=%ldms, slave enabled=%s "
		"status=%s%s%s",
		onoff(ss->master_enabled), onoff(ss->master_status), ss->master_clients,
		ss->master_timeout_ms, onoff(ss->slave_enabled), onoff(ss->slave_status),
		ss->wait_point[0] ? ", " : "", ss->wait_point);
}

static void text_server(struct status_buf *b, const char *name, const struct db_state *d,
			const struct health_counter *c)
{
	const struct repl_status *r = &d->repl;
	const struct {
		const char *label;
		const char *value;
	} gtids[] = {
		{ "gtid_binlog_pos", d->gtid_binlog_pos }, { "gtid_current_pos", d->gtid_current_pos },
		{ "gtid_slave_pos", d->gtid_slave_pos },   { "gtid_executed", d->gtid_executed },
		{ "gtid_io_pos", r->gtid_io_pos },         { "retrieved/executed", r->executed_gtid_set },
	};

	const char *health = !c->known ? "unknown" : c->up ? "up" : "DOWN";

	tx_line(b, 0, "%s: %s, health %s (fails %d, oks %d)%s%s", name,
		d->reachable ? "reachable" : "UNREACHABLE", health, c->fails, c->oks,
		d->version[0] ? ", " : "", d->version);
	if (d->error[0])
		tx_line(b, 2, "error: %s", d->error);
	tx_line(b, 2,
		"read_only=%s super_read_only=%s, server_id %ld, latency %" PRId64 ".%03d ms, clients %d",
		onoff(d->read_only), onoff(d->super_read_only), d->server_id, d->latency_us / 1000,
		(int)(d->latency_us % 1000), d->client_connections);
	if (r->io == REPL_IO_NONE) {
		tx_line(b, 2, "replication: none configured");
	} else {
		char lag[32] = "?";
		if (r->lag_s >= 0)
			snprintf(lag, sizeof(lag), "%" PRId64 "s", r->lag_s);
		tx_line(b, 2, "replication: io=%s sql=%s lag=%s from %s:%u, gtid %s", status_io_word(r->io),
			r->sql_running ? "Yes" : "No", lag, r->master_host[0] ? r->master_host : "?",
			r->master_port, r->using_gtid[0] ? r->using_gtid : "-");
	}
	if (r->last_io_errno || r->last_io_error[0])
		tx_line(b, 2, "last io error %d: %s", r->last_io_errno, r->last_io_error);
	if (r->last_sql_errno || r->last_sql_error[0])
		tx_line(b, 2, "last sql error %d: %s", r->last_sql_errno, r->last_sql_error);
	text_semisync(b, &d->semisync);
	/* GTID texts of any length: wrapped, never cut (tx_line's buffer would cut them). */
	for (size_t i = 0; i < sizeof(gtids) / sizeof(gtids[0]); i++) {
		if (!gtids[i].value || !gtids[i].value[0])
			continue;
		size_t len = strlen(gtids[i].label) + strlen(gtids[i].value) + 3;
		char *line = malloc(len);
		if (!line) {
			b->full = true;
			return;
		}
		snprintf(line, len, "%s: %s", gtids[i].label, gtids[i].value);
		tx_wrap(b, 2, line);
		free(line);
	}
}

static void text_counters(struct status_buf *b, const struct vrrp_counters *c)
{
	char rej[512] = "";
	size_t n = 0;

	tx_line(b, 0,
		"adverts: sent %" PRIu64 ", received %" PRIu64 ", send errors %" PRIu64
		", priority 0 sent %" PRIu64 ", received %" PRIu64,
		c->sent, c->received, c->send_errors, c->prio0_sent, c->prio0_received);
	/* 11 reasons x (name + 20 digits) fit in rej: snprintf never truncates here. */
	for (int i = VRRP_PKT_OK + 1; i < VRRP_PKT_ERR_MAX; i++)
		if (c->rejected[i])
			n += (size_t)snprintf(rej + n, sizeof(rej) - n, "%s%s %" PRIu64, n ? ", " : "",
					      status_reject_name(i), c->rejected[i]);
	tx_line(b, 2, "rejected: %s", n ? rej : "none");
	tx_line(b, 2, "dropped: own %" PRIu64 ", not from the peer %" PRIu64 ", other address list %" PRIu64,
		c->ignored_self, c->ignored_not_peer, c->addr_mismatch);
}

#define VIPS_TEXT (CONF_MAX_VIPS * (CONF_VIP_STRLEN + 6))

/* "192.0.2.50/24, 2001:db8::50/64, ..." or "none": 16 of the longest IPv6 text with "/128, " fit,
 * snprintf never truncates. */
static void fmt_vips(const struct conf_vip *vips, int count, char out[VIPS_TEXT])
{
	size_t n = 0;

	snprintf(out, VIPS_TEXT, "none");
	for (int i = 0; i < count && i < CONF_MAX_VIPS; i++) {
		char a[CONF_VIP_STRLEN];
		n += (size_t)snprintf(out + n, VIPS_TEXT - n, "%s%s/%d", i ? ", " : "", conf_vip_str(&vips[i], a),
				      vips[i].prefixlen);
	}
}

static void text_read_vips(struct status_buf *b, const struct dm_status *s)
{
	char vips[VIPS_TEXT];

	if (s->read.n_vips == 0)
		return;
	fmt_vips(s->read.vips, s->read.n_vips, vips);
	tx_line(b, 0, "read vip: %s %s (%s)", vips, s->read.held ? "held" : "not held", s->read.why);
}

static void text_alerts(struct status_buf *b, const struct dm_status *s);

static void text_head(struct status_buf *b, const struct dm_status *s)
{
	char dur[32], vips[VIPS_TEXT];

	fmt_duration(s->in_state_ms, dur, sizeof(dur));
	tx_line(b, 0, "%s: %s for %s, priority %d (base %d)", s->node_name[0] ? s->node_name : "dualmaster",
		s->state ? s->state : "?", dur, s->priority, s->base_priority);
	tx_line(b, 0, "eligible: %s (%s)", s->eligible ? "yes" : "NO", s->reason);
	tx_line(b, 0, "vrrp: v%d vrid %d, master %s", s->vrrp_version, s->vrid,
		s->master_addr[0] ? s->master_addr : "unknown");
	fmt_vips(s->vips, s->n_vips, vips);
	tx_line(b, 0, "vip: %s %s", vips, s->vip_held ? "held" : "not held");
	text_read_vips(b, s);
	text_alerts(b, s);
}

/* What needs attention, in both views. */
static void text_alerts(struct status_buf *b, const struct dm_status *s)
{
	if (s->maintenance)
		tx_line(b, 0, "MAINTENANCE: automatic moves off");
	if (s->frozen)
		tx_line(b, 0, "FROZEN: automatic moves stopped (transactions on both sides only)");
	if (s->isolated)
		tx_line(b, 0, "ISOLATED: no tiebreaker target answers");
	if (s->alert[0])
		tx_line(b, 0, "ALERT: %s", s->alert);
	if (s->witness.configured)
		tx_line(b, 0, "witness: lease %s%s, latency %.1f ms", s->witness.text,
			s->witness.held ? " (ours)" : "", s->witness.latency_ms);
	if (s->takeover_step[0])
		tx_line(b, 0, "takeover: %s", s->takeover_step);
}

/* The table's footer: the VIPs, eligibility when it is refused, then the alerts. */
static void text_flags(struct status_buf *b, const struct dm_status *s)
{
	char vips[VIPS_TEXT];

	fmt_vips(s->vips, s->n_vips, vips);
	tx_line(b, 0, "vip: %s %s", vips, s->vip_held ? "held by this node" : "not held here");
	text_read_vips(b, s);
	if (!s->eligible)
		tx_line(b, 0, "not eligible: %s", s->reason);
	text_alerts(b, s);
}

const char *status_phase_name(enum status_phase p)
{
	static const char *const names[STATUS_PHASES] = {
		[STATUS_PHASE_DETECT] = "detection", [STATUS_PHASE_FENCE] = "fence",
		[STATUS_PHASE_SEMISYNC] = "semisync", [STATUS_PHASE_CATCHUP] = "catchup",
		[STATUS_PHASE_WRITABLE] = "write_enable", [STATUS_PHASE_TERM] = "term",
		[STATUS_PHASE_CLAIM] = "claim", [STATUS_PHASE_LEASE] = "lease",
	};
	return p < STATUS_PHASES ? names[p] : "?";
}

static void text_last_takeover(struct status_buf *b, const struct status_takeover *t)
{
	char when[32], ph[STATUS_PHASES * 32] = "";
	size_t n = 0;

	if (!t->done)
		return;
	status_iso_time(t->when_s, when, sizeof(when));
	/* 8 phases x "name 123456789.123, " fit: snprintf never truncates here. */
	for (int p = 0; p < STATUS_PHASES; p++)
		n += (size_t)snprintf(ph + n, sizeof(ph) - n, "%s%s %" PRIu64 ".%03u", p ? ", " : "",
				      status_phase_name(p), t->phase_us[p] / 1000, (unsigned)(t->phase_us[p] % 1000));
	tx_line(b, 0, "last takeover: %s %s, %" PRIu64 ".%03u ms: %s", when, t->ok ? "ok" : "FAILED",
		t->total_us / 1000, (unsigned)(t->total_us % 1000), ph);
}

/* The GTID position a table cell shows: MariaDB's binlog position, MySQL's executed set; cut to
 * the cell with "..." (status -v prints them whole). */
static void cell_gtid(const struct db_state *d, char *out, size_t len)
{
	const char *g = d->gtid_binlog_pos && d->gtid_binlog_pos[0] ? d->gtid_binlog_pos
			: d->gtid_executed && d->gtid_executed[0] ? d->gtid_executed : "-";
	if (!d->reachable)
		g = "?";
	if (strlen(g) < len)
		snprintf(out, len, "%s", g);
	else
		snprintf(out, len, "%.*s...", (int)len - 4, g);
}

/* At most 7 characters: a table cell. */
static void fmt_short(uint64_t s, char *out, size_t len)
{
	if (s < 60)
		snprintf(out, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(out, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
	else
		snprintf(out, len, "%" PRIu64 "d", s / 86400);
}

static void cell_repl(const struct db_state *d, char *io_sql, size_t il, char *lag, size_t ll)
{
	const struct repl_status *r = &d->repl;

	if (!d->reachable) {
		snprintf(io_sql, il, "?");
		snprintf(lag, ll, "?");
	} else if (r->io == REPL_IO_NONE) {
		snprintf(io_sql, il, "-");
		snprintf(lag, ll, "-");
	} else {
		snprintf(io_sql, il, "%.3s/%s", status_io_word(r->io), r->sql_running ? "Yes" : "No");
		if (r->lag_s >= 0)
			fmt_short((uint64_t)r->lag_s, lag, ll);
		else
			snprintf(lag, ll, "?");
	}
}

#define TABLE_ROW "%-15s %-8s %4s %-3s %-7s %5s %-15s %-7s %s\n"

static void table_row(struct status_buf *b, const char *name, const char *role, const char *prio,
		      const struct db_state *d, const char *daemon, const char *since)
{
	char gtid[16], io_sql[16], lag[24], n[16];

	cell_gtid(d, gtid, sizeof(gtid));
	cell_repl(d, io_sql, sizeof(io_sql), lag, sizeof(lag));
	snprintf(n, sizeof(n), "%s", name);
	status_buf_printf(b, TABLE_ROW, n, role, prio, d->reachable ? onoff(d->read_only) : "?", io_sql, lag,
			  gtid, daemon, since);
}

/* The peer as this node knows it: a BACKUP hears its master's adverts; a master hears nothing from
 * a backup, and sees its daemon by the sessions it holds on its own server. */
static void peer_view(const struct dm_status *s, const char **role, const char **daemon)
{
	bool we_master = s->state && strcmp(s->state, "MASTER") == 0;
	bool heard = !we_master && s->master_addr[0] && s->counters.received > 0;

	*role = heard ? "MASTER" : !s->peer.reachable ? "?" : s->peer.read_only == 1 ? "standby" : "WRITABLE";
	if (heard)
		*daemon = "adverts";
	else if (!s->peer.reachable || s->peer.daemon_sessions < 0)
		*daemon = "?";
	else
		*daemon = s->peer.daemon_sessions > 0 ? "session" : "none";
}

int status_table(const struct dm_status *s, char *buf, size_t len)
{
	struct status_buf b;
	char dur[32], prio[8], me[CONF_STR + 8];
	const char *peer_role, *peer_daemon;

	status_buf_init(&b, buf, len);
	fmt_short(s->in_state_ms / 1000, dur, sizeof(dur));
	snprintf(prio, sizeof(prio), "%d", s->priority);
	snprintf(me, sizeof(me), "%.14s*", s->node_name[0] ? s->node_name : "this");
	peer_view(s, &peer_role, &peer_daemon);
	status_buf_printf(&b, TABLE_ROW, "NODE", "ROLE", "PRIO", "RO", "IO/SQL", "LAG", "GTID", "DAEMON", "SINCE");
	table_row(&b, me, s->state ? s->state : "?", prio, &s->local, "this", dur);
	table_row(&b, s->peer_name[0] ? s->peer_name : "peer", peer_role, "-", &s->peer, peer_daemon, "-");
	status_buf_puts(&b, "(* this node; the peer as this node sees it. status -v: everything)\n");
	text_flags(&b, s);
	return status_buf_end(&b);
}

int status_text(const struct dm_status *s, char *buf, size_t len)
{
	struct status_buf b;

	status_buf_init(&b, buf, len);
	text_head(&b, s);
	text_server(&b, "local", &s->local, &s->local_c);
	text_server(&b, "peer", &s->peer, &s->peer_c);
	text_counters(&b, &s->counters);
	tx_line(&b, 0, "transitions: %" PRIu64 " total%s", s->transitions_total,
		s->n_transitions ? ", newest last" : "");
	for (int i = 0; i < s->n_transitions && i < STATUS_TRANSITIONS; i++) {
		const struct status_transition *t = &s->transitions[i];
		char when[32];
		status_iso_time(t->when_s, when, sizeof(when));
		tx_line(&b, 2, "%s %s -> %s: %s", when, t->from, t->to, t->reason);
	}
	text_last_takeover(&b, &s->last_takeover);
	if (s->local_term >= 0 || s->peer_term >= 0)
		tx_line(&b, 0, "takeover term: local %" PRId64 ", peer %" PRId64 ", latest by %s", s->local_term,
			s->peer_term, s->term_holder[0] ? s->term_holder : "-");
	if ((s->divergence && s->divergence[0]) || s->divergence_only_local || s->divergence_only_peer) {
		tx_line(&b, 0,
			"divergence: %" PRId64 " transactions only local, %" PRId64 " only on the peer",
			s->divergence_only_local, s->divergence_only_peer);
		/* GTID ranges of any length: wrapped, never cut. */
		if (s->divergence && s->divergence[0])
			tx_wrap(&b, 2, s->divergence);
	}
	return status_buf_end(&b);
}

/* Label values: backslash, double quote and newline escaped (exposition format 0.0.4). */
static void prom_label(struct status_buf *b, const char *v)
{
	for (; *v && !b->full; v++) {
		if (*v == '\\' || *v == '"')
			status_buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			status_buf_puts(b, "\\n");
		else
			status_buf_mem(b, v, 1);
	}
}

static void prom_head(struct status_buf *b, const char *name, const char *type, const char *help)
{
	status_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_gauge(struct status_buf *b, const char *name, const char *help, int64_t v)
{
	prom_head(b, name, "gauge", help);
	status_buf_printf(b, "%s %" PRId64 "\n", name, v);
}

static void prom_counter(struct status_buf *b, const char *name, const char *help, uint64_t v)
{
	prom_head(b, name, "counter", help);
	status_buf_printf(b, "%s %" PRIu64 "\n", name, v);
}

/* The names vrrp_state_name() gives; a state outside the list still gets its own series. */
static const char *const prom_states[] = { "INIT", "BACKUP", "TAKEOVER", "MASTER", "FAULT" };

static void prom_state(struct status_buf *b, const struct dm_status *s)
{
	const char *cur = s->state ? s->state : "";
	bool known = false;

	prom_head(b, "dualmaster_state", "gauge", "VRRP state: 1 for the current state, 0 for the others.");
	for (size_t i = 0; i < sizeof(prom_states) / sizeof(prom_states[0]); i++) {
		bool is = strcmp(cur, prom_states[i]) == 0;
		known |= is;
		status_buf_printf(b, "dualmaster_state{state=\"%s\"} %d\n", prom_states[i], is);
	}
	if (!known && cur[0]) {
		status_buf_puts(b, "dualmaster_state{state=\"");
		prom_label(b, cur);
		status_buf_puts(b, "\"} 1\n");
	}
}

static void prom_servers(struct status_buf *b, const struct dm_status *s)
{
	const struct db_state *d[2] = { &s->local, &s->peer };
	const struct health_counter *c[2] = { &s->local_c, &s->peer_c };
	const char *name[2] = { "local", "peer" };

	prom_head(b, "dualmaster_server_up", "gauge", "Server health after fall/rise hysteresis.");
	for (int i = 0; i < 2; i++)
		status_buf_printf(b, "dualmaster_server_up{server=\"%s\"} %d\n", name[i], c[i]->up);
	prom_head(b, "dualmaster_read_only", "gauge", "read_only of the server as last probed.");
	for (int i = 0; i < 2; i++)
		if (d[i]->reachable)
			status_buf_printf(b, "dualmaster_read_only{server=\"%s\"} %d\n", name[i],
					  d[i]->read_only > 0);
	/* Seconds_Behind_Master NULL is unknown, not zero: no sample rather than a false 0. */
	prom_head(b, "dualmaster_replication_lag_seconds", "gauge",
		  "Seconds_Behind_Master; absent when unknown.");
	for (int i = 0; i < 2; i++)
		if (d[i]->reachable && d[i]->repl.io != REPL_IO_NONE && d[i]->repl.lag_s >= 0)
			status_buf_printf(b,
					  "dualmaster_replication_lag_seconds{server=\"%s\"} %" PRId64 "\n",
					  name[i], d[i]->repl.lag_s);
	prom_head(b, "dualmaster_probe_latency_seconds", "gauge", "Duration of the last probe round.");
	for (int i = 0; i < 2; i++)
		if (d[i]->reachable)
			status_buf_printf(
				b, "dualmaster_probe_latency_seconds{server=\"%s\"} %" PRId64 ".%06d\n",
				name[i], d[i]->latency_us / 1000000, (int)(d[i]->latency_us % 1000000));
}

static void prom_us(struct status_buf *b, uint64_t us)
{
	status_buf_printf(b, "%" PRIu64 ".%06u\n", us / 1000000, (unsigned)(us % 1000000));
}

/* Sequences by kind and result, their durations (a summary without quantiles: _sum and _count), the
 * fence's findings; every kind gets its series from the start so rate() has a zero to start from. */
static void prom_sequences(struct status_buf *b, const struct status_fo_stats *st,
			   const struct status_takeover *last)
{
	static const enum fo_kind kinds[] = { FO_KIND_TAKEOVER, FO_KIND_STEPDOWN, FO_KIND_SWITCHOVER };

	prom_head(b, "dualmaster_sequences_total", "counter",
		  "Finished takeovers, step-downs and switchovers, by result (ok or why it failed).");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (int r = 0; r < STATUS_FO_RESULTS; r++)
			if (r == 0 || st->runs[kinds[k]][r])
				status_buf_printf(b, "dualmaster_sequences_total{kind=\"%s\",result=\"%s\"} %" PRIu64 "\n",
						  fo_kind_name(kinds[k]), fo_fail_name((enum fo_fail)r),
						  st->runs[kinds[k]][r]);
	prom_head(b, "dualmaster_sequence_duration_seconds", "summary",
		  "Time from the start of a sequence to its end, whatever the result.");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		uint64_t n = 0;
		for (int r = 0; r < STATUS_FO_RESULTS; r++)
			n += st->runs[kinds[k]][r];
		status_buf_printf(b, "dualmaster_sequence_duration_seconds_sum{kind=\"%s\"} ", fo_kind_name(kinds[k]));
		prom_us(b, st->duration_sum_us[kinds[k]]);
		status_buf_printf(b, "dualmaster_sequence_duration_seconds_count{kind=\"%s\"} %" PRIu64 "\n",
				  fo_kind_name(kinds[k]), n);
	}
	prom_head(b, "dualmaster_sequence_last_duration_seconds", "gauge",
		  "Duration of the latest sequence of each kind (0 before the first).");
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		status_buf_printf(b, "dualmaster_sequence_last_duration_seconds{kind=\"%s\"} ", fo_kind_name(kinds[k]));
		prom_us(b, st->duration_last_us[kinds[k]]);
	}
	prom_head(b, "dualmaster_fence_total", "counter",
		  "Takeover fences of the old master: fenced, or its server unreachable and taken as dead.");
	status_buf_printf(b, "dualmaster_fence_total{outcome=\"fenced\"} %" PRIu64 "\n", st->fence_done);
	status_buf_printf(b, "dualmaster_fence_total{outcome=\"unreachable\"} %" PRIu64 "\n", st->fence_unreachable);
	prom_head(b, "dualmaster_last_takeover_phase_seconds", "gauge",
		  "The latest takeover's time per phase (detection: last advert heard to takeover start).");
	for (int p = 0; p < STATUS_PHASES; p++) {
		status_buf_printf(b, "dualmaster_last_takeover_phase_seconds{phase=\"%s\"} ", status_phase_name(p));
		prom_us(b, last->phase_us[p]);
	}
	prom_counter(b, "dualmaster_promoted_stale_total",
		     "Takeovers that write-enabled with the relay log not applied (promote_stale).", st->catchup_stale);
}

static void prom_transitions(struct status_buf *b, const struct dm_status *s)
{
	prom_head(b, "dualmaster_state_transitions_total", "counter", "VRRP state transitions by from and to.");
	for (int f = 0; f < STATUS_STATES; f++)
		for (int t = 0; t < STATUS_STATES; t++)
			if (s->transitions_by[f][t])
				status_buf_printf(b, "dualmaster_state_transitions_total{from=\"%s\",to=\"%s\"} %" PRIu64 "\n",
						  prom_states[f], prom_states[t], s->transitions_by[f][t]);
	if (s->n_transitions > 0)
		prom_gauge(b, "dualmaster_last_transition_timestamp_seconds",
			   "When the latest state transition happened (seconds since the epoch).",
			   s->transitions[s->n_transitions - 1].when_s);
}

int status_prometheus(const struct dm_status *s, char *buf, size_t len)
{
	struct status_buf b;
	const struct vrrp_counters *c = &s->counters;

	status_buf_init(&b, buf, len);
	prom_head(&b, "dualmaster_build_info", "gauge", "Always 1; the version in a label.");
	status_buf_printf(&b, "dualmaster_build_info{version=\"%s\"} 1\n", DM_VERSION);
	prom_state(&b, s);
	prom_gauge(&b, "dualmaster_priority", "Effective VRRP priority (0 when not eligible).", s->priority);
	prom_gauge(&b, "dualmaster_base_priority", "Configured VRRP priority.", s->base_priority);
	prom_gauge(&b, "dualmaster_eligible", "1 when this node may become or stay master.", s->eligible);
	prom_gauge(&b, "dualmaster_state_seconds", "Time in the current state.",
		   (int64_t)(s->in_state_ms / 1000));
	prom_servers(&b, s);
	prom_counter(&b, "dualmaster_transitions_total", "VRRP state transitions.", s->transitions_total);
	prom_transitions(&b, s);
	prom_sequences(&b, &s->fo_stats, &s->last_takeover);
	prom_counter(&b, "dualmaster_vrrp_adverts_sent_total", "Adverts sent.", c->sent);
	prom_counter(&b, "dualmaster_vrrp_send_errors_total", "Adverts that could not be sent.",
		     c->send_errors);
	prom_counter(&b, "dualmaster_vrrp_adverts_received_total", "Valid adverts received from the peer.",
		     c->received);
	prom_counter(&b, "dualmaster_vrrp_priority0_sent_total", "Priority 0 (resign) adverts sent.",
		     c->prio0_sent);
	prom_counter(&b, "dualmaster_vrrp_priority0_received_total", "Priority 0 adverts received.",
		     c->prio0_received);
	prom_head(&b, "dualmaster_vrrp_rejected_total", "counter",
		  "Datagrams dropped by the decoder, by reason.");
	for (int i = VRRP_PKT_OK + 1; i < VRRP_PKT_ERR_MAX; i++)
		status_buf_printf(&b, "dualmaster_vrrp_rejected_total{reason=\"%s\"} %" PRIu64 "\n",
				  status_reject_name(i), c->rejected[i]);
	prom_head(&b, "dualmaster_vrrp_dropped_total", "counter",
		  "Adverts dropped before the state machine, by reason.");
	status_buf_printf(&b, "dualmaster_vrrp_dropped_total{reason=\"own\"} %" PRIu64 "\n", c->ignored_self);
	status_buf_printf(&b, "dualmaster_vrrp_dropped_total{reason=\"not_peer\"} %" PRIu64 "\n",
			  c->ignored_not_peer);
	status_buf_printf(&b, "dualmaster_vrrp_dropped_total{reason=\"address_list\"} %" PRIu64 "\n",
			  c->addr_mismatch);
	prom_gauge(&b, "dualmaster_vip_held", "1 while this node holds the virtual addresses.", s->vip_held);
	if (s->read.n_vips > 0) {
		prom_gauge(&b, "dualmaster_read_vip_held", "1 while this node holds the read VIPs.", s->read.held);
		prom_counter(&b, "dualmaster_read_vip_moves_total", "Times the read VIPs were added on this node.",
			     s->read.moves);
	}
	prom_gauge(&b, "dualmaster_maintenance", "1 in maintenance mode (automatic moves off).",
		   s->maintenance);
	prom_gauge(&b, "dualmaster_frozen", "1 while automatic moves are frozen by divergence.", s->frozen);
	prom_gauge(&b, "dualmaster_isolated", "1 while no tiebreaker target answers.", s->isolated);
	prom_counter(&b, "dualmaster_vip_restored_total", "VIPs put back after someone else removed them.",
		     s->vip_restored);
	prom_gauge(&b, "dualmaster_peer_refusing",
		   "1 while the peer's server answers but refuses us (alive, cannot be checked or fenced).",
		   s->peer_refusing);
	if (s->witness.configured) {
		prom_gauge(&b, "dualmaster_witness_reachable", "1 while the witness answers lease statements.",
			   s->witness.reachable);
		prom_gauge(&b, "dualmaster_witness_lease_held", "1 while this node holds the witness's lease.",
			   s->witness.held);
		prom_gauge(&b, "dualmaster_witness_no_quorum",
			   "1 while this node is stepped down for lack of a majority (no lease, no peer).",
			   s->witness.no_quorum);
		prom_gauge(&b, "dualmaster_witness_term", "The lease's term as last read (the fencing token).",
			   s->witness.term);
		prom_head(&b, "dualmaster_witness_latency_seconds", "gauge", "The latest lease statement's round trip.");
		status_buf_printf(&b, "dualmaster_witness_latency_seconds %.6f\n", s->witness.latency_ms / 1000);
		prom_counter(&b, "dualmaster_witness_jobs_total", "Lease jobs sent to the witness.", s->witness.jobs);
		prom_counter(&b, "dualmaster_witness_failures_total", "Lease jobs without an answer.",
			     s->witness.failures);
	}
	prom_gauge(&b, "dualmaster_term_local", "Takeover term in the local server (-1 unknown).", s->local_term);
	prom_gauge(&b, "dualmaster_term_peer", "Takeover term in the peer's server (-1 unknown).", s->peer_term);
	prom_gauge(&b, "dualmaster_divergent_transactions_only_local",
		   "Transactions found only on this node.", s->divergence_only_local);
	prom_gauge(&b, "dualmaster_divergent_transactions_only_peer", "Transactions found only on the peer.",
		   s->divergence_only_peer);
	return status_buf_end(&b);
}
