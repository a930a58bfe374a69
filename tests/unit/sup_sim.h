/* A simulated node around the pure supervisor, for scenario tests with a fake clock.
 *
 * The world holds two servers (ours and the peer's), the peer's daemon as far as its adverts go,
 * our interface and our VIP. sim_run() advances time event by event: probe rounds every
 * health.interval_ms, command jobs that finish (or never do, for a server that does not answer),
 * the peer's adverts, the supervisor's own deadline. Every action the supervisor returns is carried
 * out on the world and written to a trace that scenarios match in order. Invariants are checked at
 * every step: the VIP is never added to a read-only server, no second write-enable without a
 * read_only ON between, and the time both servers were writable while they could talk, or the VIP
 * sat on a read-only server, is summed for the scenario to bound.
 */
#ifndef DM_TEST_SUP_SIM_H
#define DM_TEST_SUP_SIM_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "supervisor.h"

#define MS 1000ull
#define SEC 1000000ull
#define NEVER UINT64_MAX

enum sim_mode {
	SRV_OK = 0,   /* answers */
	SRV_DEAD,     /* mysqld gone: connection refused at once */
	SRV_HUNG,     /* connects, then silence */
	SRV_CUT,      /* the path is cut: no answer at all; the server itself goes on */
	SRV_REFUSE,   /* answers every login with .refuse_err (auth, busy) */
};

struct sim_srv {
	enum sim_mode mode;
	enum db_err refuse_err;
	int read_only;
	bool term_table;
	int64_t term;
	char holder[64];
	char gtid[128];          /* gtid_binlog_pos */
	int semisync_master;     /* enabled */
	int semisync_status;
	bool repl_broken;        /* SQL thread stopped with an error */
	bool io_stuck;         /* START_IO does not help (the error comes back) */
	int io_stopped_errno;   /* its IO thread stopped with this error (0: running); START_IO clears it */
	int start_io_calls;
	bool catchup_fails;
	bool behind;             /* GTID_WAIT on it times out */
	bool io_stale;           /* its replica connection says Yes but delivers nothing (TCP backoff) */
	int64_t lag_s;           /* Seconds_Behind_Master */
};

enum peer_daemon { PD_SILENT = 0, PD_MASTER, PD_BACKUP };

/* The witness: one lease row, kept on the witness's own clock (now + offset, running drift_ppm
 * fast or slow), answering lease jobs as mysql_jobs.c's statements do. */
struct sim_witness {
	enum sim_mode mode;      /* SRV_OK answers; SRV_CUT / SRV_HUNG: silence; SRV_DEAD: refused */
	char holder[64];
	int64_t term;
	int64_t expires_w;       /* witness clock, us */
	int64_t offset_us;
	int64_t drift_ppm;
	uint64_t delay_us;       /* from our submission to the statement's execution there */
	bool peer_cut;           /* the peer node cannot reach it (mode: whether we can) */
	int statements;
};

struct sim_job {
	bool busy;
	struct db_job job;
	uint64_t done_at;
	uint64_t sent_at;
	bool cancelled;
};

struct sim_probe {
	bool out;
	uint64_t id, sent, done_at, deadline;
	bool counted;
};

struct sim {
	struct sup sup;
	struct conf conf;
	uint64_t now;
	uint64_t sup_deadline;
	struct sim_srv srv[2];
	struct sim_witness wit;
	struct sim_job cmd[3];   /* [SUP_LOCAL], [SUP_PEER], [SUP_WITNESS] */
	bool queued[3];
	struct db_job queue[3];
	struct sim_probe probe[2];
	uint64_t next_probe_round;
	uint64_t next_probe_id;
	enum peer_daemon pd;
	uint8_t pd_prio;
	uint64_t pd_next;
	bool vrrp_cut;           /* adverts do not pass between the nodes */
	bool link_up, link_addr;
	int send_rc;
	int vip_add_rc;
	bool vip;
	bool read_vip;           /* the read VIPs are on this node */
	int read_add_rc;
	bool read_elsewhere;     /* another host has the read VIP: it answers our ARP probes */
	int read_probes, read_adds;
	bool exited;
	bool ready;
	int replies;
	bool reply_ok, reply_final;
	char reply_text[400];
	bool writable_enabled;   /* a SET_WRITABLE went out and no SET_READONLY since */
	uint64_t two_writers_us, vip_ro_us;
	char violation[256];
	int depth, nq;
	struct sup_event q[16];
	size_t trace_len, log_len, mark;
	char trace[1 << 16];
	char log[1 << 16];
};

static void sim_conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->node_name, sizeof(c->node_name), "db1");
	snprintf(c->vrrp.interface, sizeof(c->vrrp.interface), "eth0");
	c->vrrp.vrid = 51;
	c->vrrp.version = 3;
	c->vrrp.priority = 150;
	c->vrrp.advert_interval_ms = 100;
	c->vrrp.preempt = false;
	c->vrrp.n_vips = 1;
	inet_aton("192.0.2.50", &c->vrrp.vips[0].addr);
	c->vrrp.vips[0].prefixlen = 24;
	c->vrrp.garp_repeat = 3;
	c->health = (struct conf_health){ .interval_ms = 100, .timeout_ms = 500, .fall = 2, .rise = 2,
					  .max_lag_s = 30, .weight_io_down = 50, .weight_sql_down = 100,
					  .weight_lag = 50 };
	c->takeover = (struct conf_takeover){ .catchup_timeout_ms = 5000, .fence_peer = true,
					      .fence_timeout_ms = 2000, .fence_answer_ms = 200,
					      .kill_clients_on_stepdown = true, .holddown_ms = 10000,
					      .manage_semisync = true, .rejoin = true };
}

static void tracef(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tracef(struct sim *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vsnprintf(s->trace + s->trace_len, sizeof(s->trace) - s->trace_len, fmt, ap);
	va_end(ap);
	if (r > 0 && s->trace_len + (size_t)r < sizeof(s->trace) - 1) {
		s->trace_len += (size_t)r;
		s->trace[s->trace_len++] = ' ';
		s->trace[s->trace_len] = '\0';
	}
}

static void violate(struct sim *s, const char *what)
{
	if (!s->violation[0])
		snprintf(s->violation, sizeof(s->violation), "t=%llu ms: %s", (unsigned long long)(s->now / MS), what);
}

static bool answers(const struct sim_srv *v)
{
	return v->mode == SRV_OK;
}

static bool silent(const struct sim_srv *v)
{
	return v->mode == SRV_HUNG || v->mode == SRV_CUT;
}

/* What a probe (or the read-back after a job) of server which finds now. */
static void sim_state(const struct sim *s, int which, struct db_state *st)
{
	const struct sim_srv *v = &s->srv[which], *o = &s->srv[!which];

	memset(st, 0, sizeof(*st));
	st->reachable = true;
	st->flavor = DB_FLAVOR_MARIADB;
	st->server_id = which == SUP_LOCAL ? 1 : 2;
	st->read_only = v->read_only;
	st->super_read_only = -1;
	st->client_connections = 0;
	st->gtid_binlog_pos = strdup(v->gtid);
	st->semisync.master_enabled = v->semisync_master;
	st->semisync.master_status = v->semisync_status;
	st->semisync.slave_enabled = 1;
	st->semisync.slave_status = 1;
	st->repl.configured = true;
	st->repl.lag_s = v->lag_s;
	/* Its replica thread follows the other server: retrying on a network error when that one is
	 * gone, which never blocks a takeover. */
	st->repl.io = o->mode == SRV_OK || o->mode == SRV_REFUSE ? REPL_IO_YES : REPL_IO_CONNECTING;
	st->repl.last_io_errno = st->repl.io == REPL_IO_YES ? 0 : 2003;
	if (v->io_stopped_errno) {
		st->repl.io = REPL_IO_NO;
		st->repl.last_io_errno = v->io_stopped_errno;
	}
	/* What its IO thread received: all the other logged, unless the connection is stale. */
	if (st->repl.io == REPL_IO_YES)
		st->repl.gtid_io_pos = strdup(v->io_stale ? "1-1-1" : o->gtid);
	st->repl.sql_running = !v->repl_broken;
	st->repl.last_sql_errno = v->repl_broken ? 1062 : 0;
	st->term.known = v->term_table && v->term > 0;
	st->term.term = v->term;
	snprintf(st->term.holder, sizeof(st->term.holder), "%s", v->holder);
}

/* A failed call as the worker reports it. */
static void sim_fail(const struct sim *s, int which, struct db_result *r)
{
	const struct sim_srv *v = &s->srv[which];

	r->state.reachable = false;
	switch (v->mode) {
	case SRV_DEAD: r->rc = -ECONNREFUSED; r->err = DB_ERR_REFUSED; r->err_no = 2002; break;
	case SRV_REFUSE: r->rc = -EPERM; r->err = v->refuse_err; r->err_no = 4151; break;
	default: r->rc = -ETIMEDOUT; r->err = DB_ERR_TIMEOUT; r->err_no = 2013; break;
	}
	snprintf(r->error, sizeof(r->error), "simulated %s", db_err_name(r->err));
	r->state.err = r->err;
	r->state.err_no = r->err_no;
}

static void sim_step(struct sim *s, struct sup_event *ev);

static int64_t sim_witness_clock(const struct sim *s, uint64_t at)
{
	return (int64_t)at + s->wit.offset_us + (int64_t)at / 1000000 * s->wit.drift_ppm;
}

/* The conditional acquire (mysql_jobs.c) for holder at our time `at`: true when granted. */
static bool sim_witness_acquire(struct sim *s, const char *holder, int lease_ms, bool renew, uint64_t at)
{
	struct sim_witness *w = &s->wit;
	int64_t t = sim_witness_clock(s, at);

	w->statements += 2;
	if (!(renew && strcmp(w->holder, holder) == 0) && w->expires_w >= t)
		return false;
	if (strcmp(w->holder, holder) != 0)
		w->term++;
	snprintf(w->holder, sizeof(w->holder), "%s", holder);
	w->expires_w = t + (int64_t)lease_ms * 1000;
	return true;
}

/* The peer node's daemon asking the witness for the lease now (a scenario drives it). */
static bool sim_peer_acquire(struct sim *s)
{
	return !s->wit.peer_cut && sim_witness_acquire(s, "db2/192.0.2.12", s->conf.witness.lease_ms, true, s->now);
}

static void sim_witness_result(struct sim *s, const struct sim_job *j, struct db_result *r)
{
	struct sim_witness *w = &s->wit;
	uint64_t at = j->sent_at + w->delay_us;

	if (w->mode != SRV_OK) {
		r->rc = w->mode == SRV_DEAD ? -ECONNREFUSED : -ETIMEDOUT;
		r->err = w->mode == SRV_DEAD ? DB_ERR_REFUSED : DB_ERR_TIMEOUT;
		snprintf(r->error, sizeof(r->error), "simulated witness %s", db_err_name(r->err));
		return;
	}
	switch (j->job.lease_op) {
	case LEASE_OP_ACQUIRE:
		sim_witness_acquire(s, j->job.holder, j->job.lease_ms, j->job.lease_renew, at);
		break;
	case LEASE_OP_RELEASE:
		w->statements++;
		if (strcmp(w->holder, j->job.holder) == 0)
			w->expires_w = sim_witness_clock(s, at) - 1;
		break;
	default:
		w->statements++;
		break;
	}
	r->lease.answered = true;
	r->lease.row = true;
	snprintf(r->lease.holder, sizeof(r->lease.holder), "%s", w->holder);
	r->lease.term = w->term;
	r->lease.remaining_us = w->expires_w - sim_witness_clock(s, at);
	r->lease.granted = j->job.lease_op == LEASE_OP_ACQUIRE && strcmp(w->holder, j->job.holder) == 0 &&
			   r->lease.remaining_us > 0;
}

/* Results of actions wait until the step's actions have all run, as in the shell (node.c). */
static void sim_feed(struct sim *s, struct sup_event ev)
{
	if (s->depth > 0) {
		if (s->nq < (int)(sizeof(s->q) / sizeof(s->q[0])))
			s->q[s->nq++] = ev;
		else
			violate(s, "result queue full");
		return;
	}
	sim_step(s, &ev);
}

static void sim_submit(struct sim *s, int target, const struct db_job *job)
{
	struct sim_job *j = &s->cmd[target];

	if (j->busy) { /* behind a cancelled job, as the shell queues it */
		s->queued[target] = true;
		s->queue[target] = *job;
		return;
	}
	j->busy = true;
	j->job = *job;
	j->cancelled = false;
	j->sent_at = s->now;
	if (target == SUP_WITNESS)
		j->done_at = s->wit.mode == SRV_CUT || s->wit.mode == SRV_HUNG ? NEVER : s->now + 2 * s->wit.delay_us + 1 * MS;
	else
		j->done_at = silent(&s->srv[target]) ? NEVER : s->now + 2 * MS;
}

/* The world after a command job, and its result. */
static void sim_job_result(struct sim *s, int target, struct db_result *r)
{
	struct sim_job *j = &s->cmd[target];

	memset(r, 0, sizeof(*r));
	r->id = j->job.id;
	r->type = j->job.type;
	if (j->cancelled) {
		r->rc = -ECANCELED;
		r->err = DB_ERR_CANCELED;
		snprintf(r->error, sizeof(r->error), "cancelled");
		return;
	}
	if (target == SUP_WITNESS) {
		sim_witness_result(s, j, r);
		return;
	}
	struct sim_srv *v = &s->srv[target];
	if (!answers(v)) {
		sim_fail(s, target, r);
		return;
	}
	switch (j->job.type) {
	case DB_JOB_FENCE:
	case DB_JOB_SET_READONLY:
		v->read_only = 1;
		break;
	case DB_JOB_SET_WRITABLE:
		v->read_only = 0;
		break;
	case DB_JOB_CATCHUP:
		if (v->catchup_fails) {
			r->rc = -ETIMEDOUT;
			r->err = DB_ERR_SERVER;
			snprintf(r->error, sizeof(r->error), "not applied in time");
		}
		break;
	case DB_JOB_SEMISYNC:
		v->semisync_master = j->job.on;
		v->semisync_status = j->job.on;
		break;
	case DB_JOB_START_IO:
		v->start_io_calls++;
		if (!v->io_stuck)
			v->io_stopped_errno = 0;
		break;
	case DB_JOB_TERM:
		if (!v->term_table) {
			r->rc = -EIO;
			r->err = DB_ERR_SERVER;
			snprintf(r->error, sizeof(r->error), "no such table");
			break;
		}
		v->term = v->term + 1 > j->job.term ? v->term + 1 : j->job.term;
		memcpy(v->holder, j->job.holder, sizeof(v->holder));
		break;
	case DB_JOB_GTID_WAIT:
		if (v->behind) {
			r->rc = -ETIMEDOUT;
			r->err = DB_ERR_SERVER;
			snprintf(r->error, sizeof(r->error), "timeout");
		}
		break;
	default:
		break;
	}
	sim_state(s, target, &r->state);
}

static void sim_action(struct sim *s, const struct sup_action *a)
{
	static const char *const who[3] = { "L", "P", "W" };
	struct sup_event res = { 0 };

	switch (a->type) {
	case SUP_ACT_ADVERT:
		tracef(s, "ADVERT(%d)", a->priority);
		res.type = SUP_EV_SEND;
		res.send_rc = s->send_rc;
		sim_feed(s, res);
		return;
	case SUP_ACT_ADD_VIPS:
		tracef(s, "ADD_VIPS");
		if (s->srv[SUP_LOCAL].read_only != 0)
			violate(s, "VIP added while the local server is read-only");
		if (s->vip_add_rc == 0)
			s->vip = true;
		res.type = SUP_EV_VIP_RESULT;
		res.rc = s->vip_add_rc;
		sim_feed(s, res);
		return;
	case SUP_ACT_DROP_VIPS:
		tracef(s, "DROP_VIPS");
		s->vip = false;
		res.type = SUP_EV_VIP_RESULT;
		sim_feed(s, res);
		return;
	case SUP_ACT_GARP:
		tracef(s, "GARP");
		return;
	case SUP_ACT_GARP_READ:
		tracef(s, "GARP_READ");
		return;
	case SUP_ACT_DB:
		tracef(s, "DB(%s,%s%s)", who[a->target], db_job_name(a->job.type),
		       a->job.kill_first ? ",kill-first" : "");
		if (a->target == SUP_LOCAL && a->job.type == DB_JOB_SET_WRITABLE) {
			if (s->writable_enabled)
				violate(s, "a second write-enable without read_only ON between");
			s->writable_enabled = true;
		}
		if (a->target == SUP_LOCAL && a->job.type == DB_JOB_SET_READONLY)
			s->writable_enabled = false;
		sim_submit(s, a->target, &a->job);
		return;
	case SUP_ACT_CANCEL:
		tracef(s, "CANCEL(%s)", who[a->target]);
		if (s->cmd[a->target].busy) {
			s->cmd[a->target].cancelled = true;
			s->cmd[a->target].done_at = s->now + 1 * MS;
		}
		return;
	case SUP_ACT_HOOK:
		tracef(s, "HOOK(%s)", vrrp_state_name(a->state));
		return;
	case SUP_ACT_LOG: {
		int r = snprintf(s->log + s->log_len, sizeof(s->log) - s->log_len, "%llu %d %s\n",
				 (unsigned long long)(s->now / MS), a->level, a->text);
		if (r > 0 && s->log_len + (size_t)r < sizeof(s->log))
			s->log_len += (size_t)r;
		return;
	}
	case SUP_ACT_REPLY:
		tracef(s, "REPLY(%s)", a->final ? (a->ok ? "ok" : "error") : "progress");
		s->replies++;
		s->reply_final = a->final;
		s->reply_ok = a->ok;
		snprintf(s->reply_text, sizeof(s->reply_text), "%s", a->text);
		return;
	case SUP_ACT_READY:
		s->ready = true;
		return;
	case SUP_ACT_EXIT:
		tracef(s, "EXIT");
		s->exited = true;
		return;
	case SUP_ACT_ADD_READ_VIPS:
		tracef(s, "ADD_READ");
		s->read_adds++;
		if (s->read_add_rc == 0)
			s->read_vip = true;
		res.type = SUP_EV_READ_RESULT;
		res.rc = s->read_add_rc;
		sim_feed(s, res);
		return;
	case SUP_ACT_DROP_READ_VIPS:
		tracef(s, "DROP_READ");
		s->read_vip = false;
		res.type = SUP_EV_READ_RESULT;
		sim_feed(s, res);
		return;
	case SUP_ACT_READ_PROBE:
		s->read_probes++;
		if (s->read_elsewhere) {
			res.type = SUP_EV_READ_SEEN;
			sim_feed(s, res);
		}
		return;
	}
}

static void sim_step(struct sim *s, struct sup_event *ev)
{
	struct sup_out *out = malloc(sizeof(*out));
	struct sup_event cur = *ev;

	s->depth++;
	for (int head = 0;; head++) {
		cur.wall_s = 1700000000 + (int64_t)(s->now / SEC);
		sup_step(&s->sup, &cur, s->now, out);
		if (out->overflow)
			violate(s, "a step wanted more actions than it has room for");
		s->sup_deadline = out->deadline_us;
		for (int i = 0; i < out->n; i++)
			sim_action(s, &out->a[i]);
		if (head >= s->nq)
			break;
		cur = s->q[head];
	}
	s->nq = 0;
	s->depth--;
	free(out);
	if (s->vip && s->srv[SUP_LOCAL].read_only == 1 && s->srv[SUP_LOCAL].mode == SRV_OK &&
	    s->sup.fsm.state != VRRP_STATE_MASTER && !s->sup.vip_hold)
		violate(s, "VIP held by a node that is not master, on a read-only server");
}

/* Integrals over time of what must not last: both writable while they can talk, VIP on read-only. */
static void sim_account(struct sim *s, uint64_t to)
{
	const struct sim_srv *l = &s->srv[SUP_LOCAL], *p = &s->srv[SUP_PEER];
	uint64_t dt = to - s->now;

	if (l->read_only == 0 && l->mode == SRV_OK && p->read_only == 0 && p->mode != SRV_DEAD &&
	    p->mode != SRV_CUT && !silent(p))
		s->two_writers_us += dt;
	if (s->vip && l->read_only == 1 && l->mode == SRV_OK)
		s->vip_ro_us += dt;
	s->now = to;
}

static void sim_probe_done(struct sim *s, int which, bool timed_out)
{
	struct sim_probe *p = &s->probe[which];
	struct db_result *r = calloc(1, sizeof(*r));
	struct sup_event ev = { .type = SUP_EV_PROBE, .which = which, .res = r, .sent_us = p->sent,
				.epoch = which == SUP_LOCAL ? p->id >> 32 : 0 };

	r->id = p->id;
	r->type = DB_JOB_PROBE;
	if (timed_out) {
		r->rc = -ETIMEDOUT;
		r->err = DB_ERR_TIMEOUT;
		snprintf(r->error, sizeof(r->error), "probe timed out");
	} else if (answers(&s->srv[which])) {
		sim_state(s, which, &r->state);
	} else {
		sim_fail(s, which, r);
	}
	sim_step(s, &ev);
	db_state_free(&r->state);
	free(r);
}

static void sim_probe_round(struct sim *s)
{
	for (int w = 0; w < 2; w++) {
		struct sim_probe *p = &s->probe[w];
		if (p->out) {
			/* Every round a probe stays stuck counts as another failure (node_probes.c). */
			if (p->counted)
				sim_probe_done(s, w, true);
			continue;
		}
		p->out = true;
		p->counted = false;
		/* The epoch rides in the id's high bits, as the shell keeps it beside the probe. */
		p->id = ((uint64_t)sup_local_epoch(&s->sup) << 32) | ++s->next_probe_id;
		p->sent = s->now;
		p->deadline = s->now + (uint64_t)s->conf.health.timeout_ms * MS;
		p->done_at = silent(&s->srv[w]) ? NEVER : s->now + 1 * MS;
	}
	s->next_probe_round = s->now + (uint64_t)s->conf.health.interval_ms * MS;
}

static uint64_t min3(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Advances to `until`, handling every event on the way in time order. */
static void sim_run(struct sim *s, uint64_t until)
{
	for (int guard = 0; guard < 100000 && !s->exited; guard++) {
		uint64_t t = s->next_probe_round;
		for (int w = 0; w < 2; w++) {
			if (s->probe[w].out)
				t = min3(t, s->probe[w].counted ? s->probe[w].done_at : min3(s->probe[w].done_at, s->probe[w].deadline));
			if (s->cmd[w].busy)
				t = min3(t, s->cmd[w].done_at);
		}
		if (s->cmd[SUP_WITNESS].busy)
			t = min3(t, s->cmd[SUP_WITNESS].done_at);
		if (s->sup_deadline)
			t = min3(t, s->sup_deadline);
		if (s->pd == PD_MASTER && !s->vrrp_cut && s->link_up)
			t = min3(t, s->pd_next);
		if (t > until) {
			sim_account(s, until);
			return;
		}
		sim_account(s, t > s->now ? t : s->now);
		if (s->sup_deadline && s->now >= s->sup_deadline) {
			struct sup_event ev = { .type = SUP_EV_TICK };
			struct sim_job *j = &s->cmd[SUP_PEER];
			ev.peer_answered = j->busy && answers(&s->srv[SUP_PEER]) && s->now > j->sent_at;
			s->sup_deadline = 0;
			sim_step(s, &ev);
			continue;
		}
		bool did = false;
		for (int w = 0; w < 3 && !did; w++) {
			struct sim_probe *p = &s->probe[w < 2 ? w : 0];
			if (w < 2 && p->out && !p->counted && s->now >= p->deadline && p->done_at > p->deadline) {
				p->counted = true;
				/* Cancelled: a read wakes at once, a connect into a cut link at its timeout. */
				p->done_at = s->now + (s->srv[w].mode == SRV_CUT ? 500 * MS : 1 * MS);
				sim_probe_done(s, w, true);
				did = true;
			} else if (w < 2 && p->out && s->now >= p->done_at) {
				p->out = false;
				if (!p->counted)
					sim_probe_done(s, w, false);
				did = true;
			} else if (s->cmd[w].busy && s->now >= s->cmd[w].done_at) {
				struct db_result *r = malloc(sizeof(*r));
				sim_job_result(s, w, r);
				s->cmd[w].busy = false;
				if (s->queued[w]) {
					s->queued[w] = false;
					sim_submit(s, w, &s->queue[w]);
				}
				struct sup_event ev = { .type = SUP_EV_DB_RESULT, .which = w, .res = r };
				sim_step(s, &ev);
				db_state_free(&r->state);
				free(r);
				did = true;
			}
		}
		if (did)
			continue;
		if (s->pd == PD_MASTER && !s->vrrp_cut && s->link_up && s->now >= s->pd_next) {
			struct sup_event ev = { .type = SUP_EV_ADVERT, .adv_priority = s->pd_prio,
						.adv_interval_cs = 10 };
			ipaddr_parse("192.0.2.12", &ev.adv_src);
			s->pd_next = s->now + 100 * MS;
			sim_step(s, &ev);
			continue;
		}
		if (s->now >= s->next_probe_round)
			sim_probe_round(s);
	}
}

/* As sim_init, with what a state file restores (sup_restore) before the start. */
static void sim_init_restored(struct sim *s, const struct conf *c, bool maintenance, bool frozen)
{
	struct in6_addr primary;

	memset(s, 0, sizeof(*s));
	s->conf = *c;
	s->now = 1 * SEC;
	s->link_up = s->link_addr = true;
	for (int w = 0; w < 2; w++) {
		s->srv[w] = (struct sim_srv){ .read_only = 1, .term_table = true, .semisync_master = 1,
					      .semisync_status = 1 };
		snprintf(s->srv[w].gtid, sizeof(s->srv[w].gtid), "1-1-100");
	}
	ipaddr_parse("192.0.2.11", &primary);
	sup_init(&s->sup, c, primary, s->now);
	sup_restore(&s->sup, maintenance, frozen);
	s->next_probe_round = s->now;
	struct sup_event ev = { .type = SUP_EV_START };
	sim_step(s, &ev);
	struct sup_event link = { .type = SUP_EV_LINK, .link_up = true, .link_addr = true };
	sim_step(s, &link);
}

static void sim_init(struct sim *s, const struct conf *c)
{
	sim_init_restored(s, c, false, false);
}

static void sim_free(struct sim *s)
{
	sup_free(&s->sup);
}

/* The peer's daemon advertises as master at prio, from now on. */
static void sim_peer_master(struct sim *s, uint8_t prio)
{
	s->pd = PD_MASTER;
	s->pd_prio = prio;
	s->pd_next = s->now;
}

static void sim_advert(struct sim *s, uint8_t prio)
{
	struct sup_event ev = { .type = SUP_EV_ADVERT, .adv_priority = prio, .adv_interval_cs = 10 };
	ipaddr_parse("192.0.2.12", &ev.adv_src);
	sim_step(s, &ev);
}

static void sim_link(struct sim *s, bool up, bool addr)
{
	s->link_up = up;
	s->link_addr = addr;
	sim_feed(s, (struct sup_event){ .type = SUP_EV_LINK, .link_up = up, .link_addr = addr });
}

static const char *sim_state_name(const struct sim *s)
{
	return vrrp_state_name(s->sup.fsm.state);
}

/* Starts matching the trace from here on. */
static void sim_mark(struct sim *s)
{
	s->mark = s->trace_len;
}

/* True when the tokens (NULL-terminated) appear in this order in the trace since the mark. */
static bool sim_saw_v(const struct sim *s, va_list ap)
{
	const char *p = s->trace + s->mark;
	const char *tok;

	while ((tok = va_arg(ap, const char *))) {
		char want[96];
		snprintf(want, sizeof(want), "%s ", tok);
		const char *q = strstr(p, want);
		if (!q)
			return false;
		p = q + strlen(want);
	}
	return true;
}

static bool sim_saw(const struct sim *s, ...)
{
	va_list ap;
	va_start(ap, s);
	bool r = sim_saw_v(s, ap);
	va_end(ap);
	return r;
}

/* How many times tok appears in the trace since the mark. */
static int sim_count(const struct sim *s, const char *tok)
{
	char want[96];
	int n = 0;
	snprintf(want, sizeof(want), "%s ", tok);
	for (const char *p = strstr(s->trace + s->mark, want); p; p = strstr(p + 1, want))
		n++;
	return n;
}

static bool sim_logged(const struct sim *s, const char *text)
{
	return strstr(s->log, text) != NULL;
}

#endif
