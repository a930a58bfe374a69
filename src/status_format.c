/* Pure formatting of struct dm_status as one JSON line and as the one-line systemd STATUS= text. */
#include "status_format.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "status_buf.h"

void status_buf_init(struct status_buf *b, char *buf, size_t len)
{
	b->p = buf;
	b->len = len;
	b->n = 0;
	b->full = len == 0;
	if (len)
		buf[0] = '\0';
}

int status_buf_end(const struct status_buf *b)
{
	return b->full ? -1 : (int)b->n;
}

void status_buf_mem(struct status_buf *b, const char *s, size_t n)
{
	if (b->full)
		return;
	if (n >= b->len - b->n) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void status_buf_puts(struct status_buf *b, const char *s)
{
	status_buf_mem(b, s, strlen(s));
}

void status_buf_printf(struct status_buf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->full)
		return;
	va_start(ap, fmt);
	int r = vsnprintf(b->p + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= b->len - b->n) {
		b->full = true;
		b->p[b->n] = '\0';
		return;
	}
	b->n += (size_t)r;
}

size_t status_utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	/* RFC 3629 section 4: no overlong forms, no surrogates, nothing above U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

void status_buf_json_escape(struct status_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p && !b->full) {
		size_t n = status_utf8_len(p);
		switch (*p) {
		case '"': status_buf_puts(b, "\\\""); break;
		case '\\': status_buf_puts(b, "\\\\"); break;
		case '\n': status_buf_puts(b, "\\n"); break;
		case '\r': status_buf_puts(b, "\\r"); break;
		case '\t': status_buf_puts(b, "\\t"); break;
		default:
			if (n == 0)
				status_buf_puts(b, "\\ufffd");
			else if (*p < 0x20)
				status_buf_printf(b, "\\u%04x", *p);
			else
				status_buf_mem(b, (const char *)p, n);
		}
		p += n ? n : 1;
	}
}

void status_buf_flat(struct status_buf *b, const char *s, size_t n)
{
	n = strnlen(s, n);
	while (n > 0 && ((unsigned char)s[n - 1] <= ' ' || s[n - 1] == 0x7f))
		n--;
	for (size_t i = 0; i < n && !b->full; i++) {
		char c = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
		status_buf_mem(b, &c, 1);
	}
}

int json_escape(const char *s, char *buf, size_t len)
{
	struct status_buf b;

	status_buf_init(&b, buf, len);
	status_buf_json_escape(&b, s);
	return status_buf_end(&b);
}

/* Order of enum vrrp_pkt_err; the codec's own name function lives in vrrp_packet.c. */
static const char *const reject_names[VRRP_PKT_ERR_MAX] = {
	[VRRP_PKT_OK] = "ok",           [VRRP_PKT_SHORT] = "short",       [VRRP_PKT_IP_HEADER] = "ip_header",
	[VRRP_PKT_PROTO] = "proto",     [VRRP_PKT_TTL] = "ttl",           [VRRP_PKT_VERSION] = "version",
	[VRRP_PKT_TYPE] = "type",       [VRRP_PKT_VRID] = "vrid",         [VRRP_PKT_LENGTH] = "length",
	[VRRP_PKT_CHECKSUM] = "checksum", [VRRP_PKT_AUTH] = "auth",       [VRRP_PKT_INTERVAL] = "interval",
};

const char *status_reject_name(int reason)
{
	if (reason < 0 || reason >= VRRP_PKT_ERR_MAX || !reject_names[reason])
		return "unknown";
	return reject_names[reason];
}

const char *status_io_word(enum repl_io io)
{
	switch (io) {
	case REPL_IO_YES: return "Yes";
	case REPL_IO_CONNECTING: return "Connecting";
	case REPL_IO_NO: return "No";
	default: return "None";
	}
}

static const char *flavor_name(enum db_flavor f)
{
	return f == DB_FLAVOR_MARIADB ? "mariadb" : f == DB_FLAVOR_MYSQL ? "mysql" : "unknown";
}

static const char *jbool(bool v)
{
	return v ? "true" : "false";
}

/* -1 (variable absent) as null, anything else as a boolean. */
static const char *jtri(int v)
{
	return v < 0 ? "null" : v ? "true" : "false";
}

static void jstr(struct status_buf *b, const char *s)
{
	status_buf_puts(b, "\"");
	status_buf_json_escape(b, s);
	status_buf_puts(b, "\"");
}

/* "" means "none" in the struct; JSON readers deserve a null for it. */
static void jstr_or_null(struct status_buf *b, const char *s)
{
	if (s && s[0])
		jstr(b, s);
	else
		status_buf_puts(b, "null");
}

/* ,"key":"value" with value escaped, or null when empty. */
static void jfield(struct status_buf *b, const char *key, const char *s)
{
	status_buf_printf(b, ",\"%s\":", key);
	jstr_or_null(b, s);
}

static void json_semisync(struct status_buf *b, const struct semisync_state *ss)
{
	status_buf_printf(b, ",\"semisync\":{\"master_enabled\":%s,\"master_status\":%s,"
			  "\"slave_enabled\":%s,\"slave_status\":%s,\"master_clients\":",
			  jtri(ss->master_enabled), jtri(ss->master_status), jtri(ss->slave_enabled),
			  jtri(ss->slave_status));
	if (ss->master_clients < 0)
		status_buf_puts(b, "null");
	else
		status_buf_printf(b, "%d", ss->master_clients);
	status_buf_puts(b, ",\"master_timeout_ms\":");
	if (ss->master_timeout_ms < 0)
		status_buf_puts(b, "null");
	else
		status_buf_printf(b, "%ld", ss->master_timeout_ms);
	jfield(b, "wait_point", ss->wait_point);
	status_buf_puts(b, "}");
}

static void json_server(struct status_buf *b, const struct db_state *d, const struct health_counter *c)
{
	const struct repl_status *r = &d->repl;
	bool repl = r->io != REPL_IO_NONE;

	status_buf_printf(b, "{\"reachable\":%s,\"up\":%s", jbool(d->reachable), jbool(c->up));
	jfield(b, "error", d->error);
	status_buf_printf(b, ",\"flavor\":\"%s\"", flavor_name(d->flavor));
	jfield(b, "version", d->version);
	status_buf_printf(b, ",\"server_id\":%ld,\"read_only\":%s,\"super_read_only\":%s", d->server_id,
			  jtri(d->read_only), jtri(d->super_read_only));
	status_buf_printf(b, ",\"latency_ms\":%" PRId64 ".%03d", d->latency_us / 1000,
			  (int)(d->latency_us % 1000));
	status_buf_printf(b, ",\"client_connections\":%d,\"daemon_sessions\":%d", d->client_connections,
			  d->daemon_sessions);
	if (repl)
		status_buf_printf(b, ",\"io\":\"%s\",\"sql\":\"%s\"", status_io_word(r->io),
				  r->sql_running ? "Yes" : "No");
	else
		status_buf_puts(b, ",\"io\":null,\"sql\":null");
	if (repl && r->lag_s >= 0)
		status_buf_printf(b, ",\"lag_s\":%" PRId64, r->lag_s);
	else
		status_buf_puts(b, ",\"lag_s\":null");
	status_buf_printf(b, ",\"last_io_errno\":%d", r->last_io_errno);
	jfield(b, "last_io_error", r->last_io_error);
	status_buf_printf(b, ",\"last_sql_errno\":%d", r->last_sql_errno);
	jfield(b, "last_sql_error", r->last_sql_error);
	jfield(b, "master_host", r->master_host);
	status_buf_printf(b, ",\"master_port\":%u", r->master_port);
	jfield(b, "using_gtid", r->using_gtid);
	jfield(b, "gtid_io_pos", r->gtid_io_pos);
	jfield(b, "executed_gtid_set", r->executed_gtid_set);
	jfield(b, "gtid_binlog_pos", d->gtid_binlog_pos);
	jfield(b, "gtid_current_pos", d->gtid_current_pos);
	jfield(b, "gtid_slave_pos", d->gtid_slave_pos);
	jfield(b, "gtid_executed", d->gtid_executed);
	json_semisync(b, &d->semisync);
	status_buf_puts(b, "}");
}

static void json_counters(struct status_buf *b, const struct vrrp_counters *c)
{
	status_buf_printf(b,
			  "{\"adverts_sent\":%" PRIu64 ",\"send_errors\":%" PRIu64
			  ",\"adverts_received\":%" PRIu64 ",\"prio0_sent\":%" PRIu64
			  ",\"prio0_received\":%" PRIu64 ",\"ignored_self\":%" PRIu64
			  ",\"ignored_not_peer\":%" PRIu64 ",\"addr_mismatch\":%" PRIu64 ",\"rejected\":{",
			  c->sent, c->send_errors, c->received, c->prio0_sent, c->prio0_received,
			  c->ignored_self, c->ignored_not_peer, c->addr_mismatch);
	for (int i = VRRP_PKT_OK + 1; i < VRRP_PKT_ERR_MAX; i++)
		status_buf_printf(b, "%s\"%s\":%" PRIu64, i == VRRP_PKT_OK + 1 ? "" : ",",
				  status_reject_name(i), c->rejected[i]);
	status_buf_puts(b, "}}");
}

/* ISO 8601 UTC; gmtime_r converts, it reads no clock. */
void status_iso_time(int64_t when_s, char *out, size_t len)
{
	time_t t = (time_t)when_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "@%" PRId64, when_s);
}

static void json_vip_list(struct status_buf *b, const struct conf_vip *vips, int n, bool held)
{
	status_buf_puts(b, "[");
	for (int i = 0; i < n && i < CONF_MAX_VIPS; i++) {
		char a[CONF_VIP_STRLEN];
		status_buf_printf(b, "%s{\"addr\":\"%s\",\"family\":\"%s\",\"prefixlen\":%d,\"held\":%s}",
				  i ? "," : "", conf_vip_str(&vips[i], a), vips[i].v6 ? "ipv6" : "ipv4",
				  vips[i].prefixlen, jbool(held));
	}
	status_buf_puts(b, "]");
}

static void json_vrrp_vips(struct status_buf *b, const struct dm_status *s)
{
	status_buf_printf(b, ",\"vrrp\":{\"version\":%d,\"vrid\":%d", s->vrrp_version, s->vrid);
	jfield(b, "master", s->master_addr);
	status_buf_puts(b, "},\"vips\":");
	json_vip_list(b, s->vips, s->n_vips, s->vip_held);
	/* Only when configured: readers of the JSON tell "none" from "not held". */
	if (s->read.n_vips > 0) {
		status_buf_printf(b, ",\"read\":{\"held\":%s,\"moves\":%" PRIu64, jbool(s->read.held), s->read.moves);
		jfield(b, "reason", s->read.why);
		status_buf_puts(b, ",\"vips\":");
		json_vip_list(b, s->read.vips, s->read.n_vips, s->read.held);
		status_buf_puts(b, "}");
	}
}

/* "witness": null without one; else the lease as this node last read it. */
static void json_witness(struct status_buf *b, const struct status_witness *w)
{
	if (!w->configured) {
		status_buf_puts(b, ",\"witness\":null");
		return;
	}
	status_buf_printf(b, ",\"witness\":{\"configured\":true,\"reachable\":%s,\"held\":%s,\"no_quorum\":%s,"
			  "\"holder\":", jbool(w->reachable), jbool(w->held), jbool(w->no_quorum));
	jstr_or_null(b, w->known ? w->holder : NULL);
	status_buf_printf(b, ",\"term\":%" PRId64 ",\"expires_in_ms\":%" PRId64 ",\"held_for_ms\":%" PRId64
			  ",\"latency_ms\":%.3f,\"jobs\":%" PRIu64 ",\"failures\":%" PRIu64 ",\"text\":",
			  w->term, w->expires_in_ms, w->held_for_ms, w->latency_ms, w->jobs, w->failures);
	jstr(b, w->text);
	status_buf_puts(b, "}");
}

/* "last_takeover": null before the first, else its result, end time, total and phases in ms. */
static void json_last_takeover(struct status_buf *b, const struct status_takeover *t)
{
	if (!t->done) {
		status_buf_puts(b, ",\"last_takeover\":null");
		return;
	}
	status_buf_printf(b, ",\"last_takeover\":{\"ok\":%s,\"time\":", jbool(t->ok));
	char when[32];
	status_iso_time(t->when_s, when, sizeof(when));
	jstr(b, when);
	status_buf_printf(b, ",\"total_ms\":%.3f,\"phases_ms\":{", (double)t->total_us / 1000);
	for (int p = 0; p < STATUS_PHASES; p++)
		status_buf_printf(b, "%s\"%s\":%.3f", p ? "," : "", status_phase_name(p),
				  (double)t->phase_us[p] / 1000);
	status_buf_puts(b, "}}");
}

static void json_transitions(struct status_buf *b, const struct dm_status *s)
{
	status_buf_printf(b, ",\"transitions_total\":%" PRIu64 ",\"transitions\":[", s->transitions_total);
	for (int i = 0; i < s->n_transitions && i < STATUS_TRANSITIONS; i++) {
		const struct status_transition *t = &s->transitions[i];
		char when[32];
		status_iso_time(t->when_s, when, sizeof(when));
		status_buf_printf(b, "%s{\"time\":\"%s\",\"from\":", i ? "," : "", when);
		jstr(b, t->from);
		status_buf_puts(b, ",\"to\":");
		jstr(b, t->to);
		status_buf_puts(b, ",\"reason\":");
		jstr(b, t->reason);
		status_buf_puts(b, "}");
	}
	status_buf_puts(b, "]");
}

int status_json(const struct dm_status *s, char *buf, size_t len)
{
	struct status_buf b;

	status_buf_init(&b, buf, len);
	status_buf_printf(&b, "{\"schema\":%d,\"node\":", STATUS_JSON_SCHEMA);
	jstr(&b, s->node_name);
	status_buf_puts(&b, ",\"peer_name\":");
	jstr(&b, s->peer_name);
	status_buf_puts(&b, ",\"state\":");
	jstr(&b, s->state ? s->state : "");
	status_buf_printf(&b,
			  ",\"in_state_ms\":%" PRIu64 ",\"priority\":%d,\"base_priority\":%d,\"eligible\":%s",
			  s->in_state_ms, s->priority, s->base_priority, jbool(s->eligible));
	status_buf_puts(&b, ",\"reason\":");
	jstr(&b, s->reason);
	status_buf_printf(&b, ",\"maintenance\":%s,\"frozen\":%s,\"isolated\":%s", jbool(s->maintenance),
			  jbool(s->frozen), jbool(s->isolated));
	jfield(&b, "alert", s->alert);
	jfield(&b, "takeover_step", s->takeover_step);
	json_vrrp_vips(&b, s);
	status_buf_puts(&b, ",\"local\":");
	json_server(&b, &s->local, &s->local_c);
	status_buf_puts(&b, ",\"peer\":");
	json_server(&b, &s->peer, &s->peer_c);
	status_buf_puts(&b, ",\"counters\":");
	json_counters(&b, &s->counters);
	json_transitions(&b, s);
	json_last_takeover(&b, &s->last_takeover);
	status_buf_puts(&b, ",\"divergence\":{\"text\":");
	jstr_or_null(&b, s->divergence);
	status_buf_printf(&b, ",\"only_local\":%" PRId64 ",\"only_peer\":%" PRId64 "}",
			  s->divergence_only_local, s->divergence_only_peer);
	status_buf_printf(&b, ",\"term\":{\"local\":%" PRId64 ",\"peer\":%" PRId64 ",\"holder\":",
			  s->local_term, s->peer_term);
	jstr_or_null(&b, s->term_holder);
	status_buf_printf(&b, "},\"peer_refusing\":%s,\"vip_restored\":%" PRIu64, jbool(s->peer_refusing),
			  s->vip_restored);
	json_witness(&b, &s->witness);
	status_buf_puts(&b, "}");
	return status_buf_end(&b);
}

/* Long server errors would swamp `systemctl status`; the full text is in status and the log. */
#define LINE_ERR_MAX 80

static void line_server(struct status_buf *b, const char *name, const struct db_state *d)
{
	const struct repl_status *r = &d->repl;

	status_buf_printf(b, " | %s ", name);
	if (!d->reachable) {
		status_buf_puts(b, "down");
		if (d->error[0]) {
			size_t n = strnlen(d->error, LINE_ERR_MAX);
			/* Never cut inside a UTF-8 sequence. */
			while (n > 0 && ((unsigned char)d->error[n] & 0xc0) == 0x80)
				n--;
			status_buf_puts(b, ": ");
			status_buf_flat(b, d->error, n);
		}
		return;
	}
	status_buf_printf(b, "ok ro=%s", d->read_only > 0 ? "ON" : "OFF");
	if (r->io == REPL_IO_NONE)
		return;
	status_buf_printf(b, " io=%s sql=%s", status_io_word(r->io), r->sql_running ? "Yes" : "No");
	if (r->lag_s >= 0)
		status_buf_printf(b, " lag=%" PRId64 "s", r->lag_s);
	else
		status_buf_puts(b, " lag=?");
}

int status_line(const struct dm_status *s, char *buf, size_t len)
{
	struct status_buf b;
	const char *flat_fields[][2] = {
		{ " | takeover: ", s->takeover_step },
		{ " | ALERT: ", s->alert },
	};

	status_buf_init(&b, buf, len);
	status_buf_printf(&b, "%s prio %d", s->state ? s->state : "?", s->priority);
	if (!s->eligible) {
		status_buf_puts(&b, " (not eligible: ");
		status_buf_flat(&b, s->reason, sizeof(s->reason));
		status_buf_puts(&b, ")");
	}
	line_server(&b, "local", &s->local);
	line_server(&b, "peer", &s->peer);
	status_buf_puts(&b, " | vip ");
	for (int i = 0; i < s->n_vips && i < CONF_MAX_VIPS; i++) {
		char a[CONF_VIP_STRLEN];
		status_buf_printf(&b, "%s%s", i ? "," : "", conf_vip_str(&s->vips[i], a));
	}
	status_buf_puts(&b, s->vip_held ? " held" : " not held");
	if (s->read.n_vips > 0)
		status_buf_puts(&b, s->read.held ? " | read vip held" : " | read vip not held");
	if (s->maintenance)
		status_buf_puts(&b, " | MAINTENANCE");
	if (s->frozen)
		status_buf_puts(&b, " | FROZEN");
	for (size_t i = 0; i < sizeof(flat_fields) / sizeof(flat_fields[0]); i++) {
		if (!flat_fields[i][1][0])
			continue;
		status_buf_puts(&b, flat_fields[i][0]);
		status_buf_flat(&b, flat_fields[i][1], strlen(flat_fields[i][1]));
	}
	return status_buf_end(&b);
}
