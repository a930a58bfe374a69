/* The node's health loop: probes of both servers every interval, the policy after each result,
 * and the command workers' results handed to the failover sequence. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "node.h"
#include "notify.h"
#include "status_format.h"

/* True when two reasons differ in numbers only ("(2 fails)" and "(3 fails)", "lag 4s" and "lag 5s"):
 * those change with every probe while a fault lasts, and logging each would flood the log at the
 * probe rate; status shows the current count. */
static bool reason_same_kind(const char *a, const char *b)
{
	for (;;) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (isdigit((unsigned char)*a))
				a++;
			while (isdigit((unsigned char)*b))
				b++;
			continue;
		}
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++;
		b++;
	}
}

void node_evaluate(struct node *n)
{
	struct health_input in = {
		.local = &n->srv[NODE_LOCAL].state,
		.local_c = &n->srv[NODE_LOCAL].hc,
		.peer = &n->srv[NODE_PEER].state,
		.peer_c = &n->srv[NODE_PEER].hc,
		.is_master = n->fsm.state == VRRP_STATE_MASTER,
		.isolated = n->isolated,
		.maintenance = n->maintenance,
	};
	struct health_verdict v = health_evaluate(&n->conf, &in);

	if (v.eligible != n->verdict.eligible || v.priority != n->verdict.priority ||
	    !reason_same_kind(v.reason, n->verdict.reason))
		log_info("health: %s, priority %d: %s", v.eligible ? "eligible" : "not eligible", v.priority, v.reason);
	bool changed = v.priority != n->verdict.priority || v.eligible != n->verdict.eligible;
	/* A switchover sets read_only ON while still MASTER, which the policy calls a fault; fed to
	 * the FSM it would resign before the peer caught up. fo_finished feeds the verdict after. */
	bool switching = fo_active(&n->fo) && n->fo.kind == FO_KIND_SWITCHOVER;
	n->verdict = v;
	/* Maintenance freezes failover on this node: no takeover, no step-down. */
	if (changed && !n->maintenance && !switching && n->first_round_done) {
		struct vrrp_event ev = { .type = VRRP_EV_PRIORITY, .priority = (uint8_t)(v.priority ? v.priority : 1),
					 .eligible = v.eligible };
		node_fsm_event(n, &ev);
	}
}

/* Semi-sync master side back on once the peer replicates from us again (failover-safety 3). */
static void semisync_restore(struct node *n)
{
	const struct db_state *peer = &n->srv[NODE_PEER].state;

	if (!n->semisync_turned_off || n->fsm.state != VRRP_STATE_MASTER || fo_active(&n->fo))
		return;
	/* Evidence from after the takeover only: the picture from before it says "Yes" about a
	 * connection that may be gone, and turning semi-sync on towards a dead peer stalls every
	 * commit for rpl_semi_sync_master_timeout. The peer's replica side must be semi-sync too. */
	if (!n->srv[NODE_PEER].hc.up || n->srv[NODE_PEER].ok_sent_us <= n->semisync_off_us ||
	    peer->repl.io != REPL_IO_YES || peer->semisync.slave_status == 0)
		return;
	struct db_job job = { .type = DB_JOB_SEMISYNC, .on = true, .timeout_ms = n->conf.takeover.fence_timeout_ms };
	node_submit_cmd(n, NODE_LOCAL, job);
	n->semisync_turned_off = false;
	log_info("peer replicates again: semi-sync master side back on");
}

/* Only the master's server is writable (failover-safety 1, 5), yet a node that is not master can
 * find its own server writable: a step-down that could not set read_only (server hung: it resumes
 * with read_only OFF once continued, and the statement queued before may then fail behind a commit
 * frozen mid-way), a failed transition, a change by hand. Set it read-only again, once per probe
 * round while the last probe answers read_only OFF; not during a sequence (it owns read_only) nor
 * in maintenance (the operator has the node). */
static void readonly_enforce(struct node *n)
{
	const struct node_server *s = &n->srv[NODE_LOCAL];
	enum vrrp_state st = n->fsm.state;

	if (st == VRRP_STATE_MASTER || st == VRRP_STATE_TAKEOVER || st == VRRP_STATE_INIT ||
	    fo_active(&n->fo) || n->maintenance || n->shutting_down || !n->first_round_done)
		return;
	/* The last probe's answer is the evidence; waiting for `rise` would only prolong it. */
	if (!s->state.reachable || s->state.read_only != 0 || s->cmd_queued || db_worker_busy(s->w[NODE_CMD]))
		return;
	log_warnx("local server writable while %s: read_only ON again", vrrp_state_name(st));
	struct db_job job = { .type = DB_JOB_SET_READONLY,
			      .kill_clients = n->conf.takeover.kill_clients_on_stepdown,
			      .timeout_ms = n->conf.takeover.fence_timeout_ms };
	node_submit_cmd(n, NODE_LOCAL, job);
}

static void probe_feed(struct node *n, int which, bool ok)
{
	struct node_server *s = &n->srv[which];
	if (health_counter_feed(&s->hc, ok, n->conf.health.fall, n->conf.health.rise))
		log_info("%s server %s%s%s", node_srv_name(which), s->hc.up ? "up" : "down", s->hc.up ? "" : ": ",
			 s->hc.up ? "" : s->state.error);
}

static void probe_result(struct node *n, int which, const struct db_result *r)
{
	struct node_server *s = &n->srv[which];

	if (r->id != s->probe_id)
		return;
	s->probe_id = 0;
	/* Counted as failed at its deadline already; and a local probe that raced our own
	 * read_only change describes the server as it was. */
	if (s->probe_counted || (which == NODE_LOCAL && s->probe_epoch != n->local_epoch))
		return;
	bool ok = r->rc == 0 && r->state.reachable;
	if (ok) {
		s->state = r->state;
		s->ok_sent_us = s->probe_sent_us;
	} else {
		/* Keep the last good replication picture; the counter decides when it stops counting. */
		s->state.reachable = false;
		s->state.latency_us = r->state.latency_us;
		snprintf(s->state.error, sizeof(s->state.error), "%s", r->error[0] ? r->error : r->state.error);
	}
	probe_feed(n, which, ok);
}

static void probe_round(struct node *n)
{
	uint64_t now = node_now(n);

	for (int which = 0; which < 2; which++) {
		struct node_server *s = &n->srv[which];
		if (s->probe_id && now >= s->probe_deadline_us) {
			/* A hung server (SIGSTOP) is found here, by deadline, never by waiting; every
			 * round it stays stuck counts as another failure. */
			if (!s->probe_counted) {
				s->probe_counted = true;
				s->state.reachable = false;
				snprintf(s->state.error, sizeof(s->state.error), "probe timed out after %d ms",
					 n->conf.health.timeout_ms);
				db_worker_cancel(s->w[NODE_PROBE]);
			}
			probe_feed(n, which, false);
		}
		if (s->probe_id)
			continue;
		struct db_job job = { .type = DB_JOB_PROBE, .id = n->next_job_id++,
				      .timeout_ms = n->conf.health.timeout_ms };
		if (db_worker_submit(s->w[NODE_PROBE], &job) < 0)
			continue; /* a cancelled probe still running: try next round */
		s->probe_id = job.id;
		s->probe_counted = false;
		s->probe_epoch = n->local_epoch;
		s->probe_deadline_us = now + (uint64_t)n->conf.health.timeout_ms * 1000;
		s->probe_sent_us = now;
	}
}

int node_on_probe_timer(sd_event_source *src, uint64_t usec, void *ud)
{
	struct node *n = ud;
	probe_round(n);
	node_evaluate(n);
	semisync_restore(n);
	readonly_enforce(n);
	node_meet_report(n);
	node_status_publish(n);
	node_arm(src, usec + (uint64_t)n->conf.health.interval_ms * 1000);
	return 0;
}

static void first_round_check(struct node *n)
{
	if (n->first_round_done)
		return;
	for (int which = 0; which < 2; which++)
		if (!n->srv[which].hc.known)
			return;
	n->first_round_done = true;
	const struct semisync_state *ss = &n->srv[NODE_LOCAL].state.semisync;
	/* failover-safety 3: only AFTER_SYNC keeps acknowledged commits on the peer before the client
	 * hears OK; MariaDB's default is AFTER_COMMIT. */
	if (ss->master_enabled == 1 && ss->wait_point[0] && strcmp(ss->wait_point, "AFTER_SYNC") != 0)
		log_warnx("semi-sync wait point is %s: acknowledged commits can be lost on a crash; set "
			  "rpl_semi_sync_master_wait_point=AFTER_SYNC", ss->wait_point);
	node_evaluate(n);
	struct vrrp_event ev = { .type = VRRP_EV_PRIORITY, .priority = (uint8_t)(n->verdict.priority ?: 1),
				 .eligible = n->verdict.eligible && !n->maintenance };
	node_fsm_event(n, &ev);
	node_status_fill(n);
	char line[512];
	status_line(&n->status, line, sizeof(line));
	notify_ready(line);
	log_info("ready: %s", line);
}

int node_on_worker(sd_event_source *src, int fd, uint32_t revents, void *ud)
{
	struct node *n = ud;
	struct db_result *r = malloc(sizeof(*r));
	(void)fd;
	(void)revents;

	if (!r)
		return 0;
	for (int which = 0; which < 2; which++) {
		for (int kind = 0; kind < 2; kind++) {
			struct node_server *s = &n->srv[which];
			if (s->src[kind] != src)
				continue;
			while (db_worker_collect(s->w[kind], r) == 0) {
				if (kind == NODE_PROBE) {
					probe_result(n, which, r);
					first_round_check(n);
					continue;
				}
				if (which == NODE_LOCAL && (r->type == DB_JOB_SET_WRITABLE || r->type == DB_JOB_SET_READONLY))
					n->local_epoch++;
				/* The worker reads the server back after every command: that is now the
				 * freshest picture (the policy must not see read_only from before a takeover). */
				if (r->state.reachable)
					s->state = r->state;
				if (s->cmd_queued && !db_worker_busy(s->w[NODE_CMD])) {
					s->cmd_queued = false;
					db_worker_submit(s->w[NODE_CMD], &s->queued);
				}
				if (r->rc != 0 && !fo_active(&n->fo))
					log_warnx("%s %s: %s", node_srv_name(which), db_job_name(r->type), r->error);
				node_fo_exec(n, fo_db_result(&n->fo, r, node_now(n)));
			}
		}
	}
	free(r);
	return 0;
}

