/* The supervisor's inputs from the environment: server samples, the interface, advert sends, the
 * tiebreaker. Each updates what is known, then lets the rules and the health policy act on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "sup_int.h"
#include "sup_rules.h"

static const char *srv_name(int which)
{
	return which == SUP_LOCAL ? "local" : "peer";
}

static void first_round_check(struct sup *s, uint64_t now)
{
	if (!s->srv[SUP_LOCAL].hc.known || !s->srv[SUP_PEER].hc.known)
		return;
	s->first_round_done = true;
	const struct semisync_state *ss = &s->srv[SUP_LOCAL].state.semisync;
	/* failover-safety 3: only AFTER_SYNC keeps acknowledged commits on the peer before the client
	 * hears OK; MariaDB's default is AFTER_COMMIT. */
	if (ss->master_enabled == 1 && ss->wait_point[0] && strcmp(ss->wait_point, "AFTER_SYNC") != 0)
		sup_say(s, LOG_WARNING, "semi-sync wait point is %s: acknowledged commits can be lost on a crash; "
			"set rpl_semi_sync_master_wait_point=AFTER_SYNC", ss->wait_point);
	sup_evaluate(s, now);
	struct vrrp_event ev = { .type = VRRP_EV_PRIORITY, .priority = (uint8_t)(s->verdict.priority ?: 1),
				 .eligible = s->verdict.eligible && !s->maintenance };
	sup_fsm_post(s, &ev, now);
	sup_emit(s, SUP_ACT_READY);
}

/* failover-safety "Refused is alive": said once when it starts, and in status while it lasts. */
static void refusing_alert(struct sup *s)
{
	const struct db_state *p = &s->srv[SUP_PEER].state;
	bool refusing = rule_peer_refusing(s);

	if (refusing && !s->refusing_said) {
		sup_say(s, LOG_WARNING, "peer server alive but refuses us (%s, error %u): it is not taken "
			"for dead; no takeover while we cannot check or fence it: %s",
			db_err_name(p->err), p->err_no, p->error);
		if (!s->alert[0])
			snprintf(s->alert, sizeof(s->alert), "peer server alive but refuses us: error %u", p->err_no);
	} else if (!refusing && s->refusing_said) {
		sup_say(s, LOG_INFO, "peer server answers us again");
		if (strncmp(s->alert, "peer server alive", 17) == 0)
			s->alert[0] = '\0';
	}
	s->refusing_said = refusing;
}

/* A node that has been FAULT since it started (no transition hook ran for it) runs on_fault once
 * its fault is real: the local server counted down, the node cut off, or isolated; not while it
 * merely waits for `rise` good probes. */
static void start_fault_hook(struct sup *s)
{
	char why[160];

	if (s->fsm.state != VRRP_STATE_FAULT || s->hist.n != 1 || s->start_fault_said)
		return;
	if (s->srv[SUP_LOCAL].hc.fails >= s->conf.health.fall || s->isolated || rule_node_fault(s, why, sizeof(why))) {
		s->start_fault_said = true;
		sup_hook(s, VRRP_STATE_FAULT, s->verdict.reason);
	}
}

static void rejoin(struct sup *s, uint64_t now)
{
	const struct repl_status *r = &s->srv[SUP_LOCAL].state.repl;
	char why[DB_ERR_LEN + 32];

	if (r->io == REPL_IO_YES && s->rejoin_attempts > 0) {
		sup_say(s, LOG_NOTICE, "rejoin: the local replica IO thread runs again");
		s->rejoin_attempts = 0;
		s->rejoin_next_us = 0;
		return;
	}
	if (!rule_rejoin(s, now, why, sizeof(why))) {
		if (r->io == REPL_IO_NO && s->rejoin_attempts == REJOIN_MAX_ATTEMPTS) {
			s->rejoin_attempts++; /* said once */
			sup_say(s, LOG_ERR, "rejoin: the local replica IO thread stays stopped after %d restarts (%s): "
				"fix it by hand", REJOIN_MAX_ATTEMPTS, r->last_io_error);
		}
		return;
	}
	s->rejoin_attempts++;
	uint64_t gap_s = s->rejoin_attempts >= 5 ? 30 : 1ull << (s->rejoin_attempts - 1);
	s->rejoin_next_us = now + gap_s * 1000000;
	sup_say(s, LOG_NOTICE, "rejoin: the local replica IO thread stopped on %s: START ... IO_THREAD (%d of %d)",
		why, s->rejoin_attempts, REJOIN_MAX_ATTEMPTS);
	struct db_job job = { .type = DB_JOB_START_IO, .timeout_ms = s->conf.takeover.fence_timeout_ms };
	sup_submit(s, SUP_LOCAL, job);
}

static void after_sample(struct sup *s, uint64_t now)
{
	sup_evaluate(s, now);
	if (rule_semisync_back(s)) {
		struct db_job job = { .type = DB_JOB_SEMISYNC, .on = true,
				      .timeout_ms = s->conf.takeover.fence_timeout_ms };
		sup_submit(s, SUP_LOCAL, job);
		s->semisync_turned_off = false;
		sup_say(s, LOG_INFO, "peer replicates again: semi-sync master side back on");
	}
	/* Only the master's server is writable (failover-safety 1, 5), yet a node that is not master
	 * can find its own server writable: a step-down that could not set read_only (server hung, a
	 * commit frozen mid-way), a failed transition, a change by hand. */
	if (rule_enforce_readonly(s)) {
		sup_say(s, LOG_WARNING, "local server writable while %s: read_only ON again",
			vrrp_state_name(s->fsm.state));
		struct db_job job = { .type = DB_JOB_SET_READONLY,
				      .kill_clients = s->conf.takeover.kill_clients_on_stepdown,
				      .timeout_ms = s->conf.takeover.fence_timeout_ms };
		sup_submit(s, SUP_LOCAL, job);
	}
	rejoin(s, now);
	refusing_alert(s);
	sup_heal_after_sample(s, now);
	start_fault_hook(s);
}

void sup_sample(struct sup *s, int which, const struct db_result *r, uint64_t sent_us, uint64_t now)
{
	struct sup_server *srv = &s->srv[which];
	bool ok = r->rc == 0 && r->state.reachable;

	srv->sample_sent_us = sent_us;
	if (ok && which == SUP_LOCAL) {
		/* Kept for rule_semisync_back, the only reader, while semi-sync is off: what we had
		 * logged one probe round ago. */
		const char *pos = srv->state.flavor == DB_FLAVOR_MYSQL ? srv->state.gtid_executed
								       : srv->state.gtid_binlog_pos;
		free(s->local_pos_prev);
		s->local_pos_prev = s->semisync_turned_off && pos ? strdup(pos) : NULL;
	}
	if (ok) {
		db_state_copy(&srv->state, &r->state);
		srv->ok_sent_us = sent_us;
	} else {
		/* Keep the last good replication picture; the counter decides when it stops counting. */
		srv->state.reachable = false;
		srv->state.latency_us = r->state.latency_us;
		srv->state.err = r->err != DB_ERR_NONE ? r->err : r->state.err;
		srv->state.err_no = r->err != DB_ERR_NONE ? r->err_no : r->state.err_no;
		snprintf(srv->state.error, sizeof(srv->state.error), "%s", r->error[0] ? r->error : r->state.error);
	}
	if (health_counter_feed(&srv->hc, ok, s->conf.health.fall, s->conf.health.rise)) {
		if (srv->hc.up)
			sup_say(s, LOG_INFO, "%s server up", srv_name(which));
		else
			sup_say(s, LOG_WARNING, "%s server down (%s): %s", srv_name(which), db_err_name(srv->state.err),
				srv->state.error);
	}
	if (!s->first_round_done) {
		first_round_check(s, now);
		return;
	}
	after_sample(s, now);
}

void sup_on_probe(struct sup *s, const struct sup_event *ev, uint64_t now)
{
	/* A local probe that raced our own read_only change describes the server as it was. */
	if (ev->which == SUP_LOCAL && ev->epoch != s->local_epoch)
		return;
	sup_sample(s, ev->which, ev->res, ev->sent_us, now);
}

void sup_on_link(struct sup *s, bool up, bool addr, uint64_t now)
{
	bool was_fault = s->link_known && (!s->link_up || !s->link_addr);
	bool fault = !up || !addr;
	char why[160];

	s->link_known = true;
	s->link_up = up;
	s->link_addr = addr;
	if (fault && !was_fault && rule_node_fault(s, why, sizeof(why)))
		sup_say(s, LOG_ERR, "%s: this node must not be master (FAULT: VIP off, read-only)", why);
	if (!fault && was_fault) {
		/* failover-safety "Own link first": back, listen as BACKUP; taking the role back is a
		 * preemption, held off for holddown_ms. An isolation by failed sends ends here too. */
		s->link_back_us = now;
		s->send_isolated = false;
		s->send_fail_since_us = 0;
		sup_say(s, LOG_NOTICE, "interface %s usable again: listening as BACKUP, no preemption for %d ms",
			s->conf.vrrp.interface, s->conf.takeover.holddown_ms);
	}
	sup_evaluate(s, now);
}

static void send_isolate(struct sup *s, uint64_t now, const char *when)
{
	s->send_isolated = true;
	s->send_isolated_until_us = now + (uint64_t)s->conf.takeover.holddown_ms * 1000;
	sup_say(s, LOG_ERR, "adverts cannot be sent on %s (%s) %s: isolated, this node must not be master",
		s->conf.vrrp.interface, strerror(s->send_errno), when);
	sup_evaluate(s, now);
}

void sup_on_send(struct sup *s, int rc, uint64_t now)
{
	if (rc == 0) {
		s->send_fail_since_us = 0;
		return;
	}
	/* A firewall dropping VRRP (EPERM) is settled through the peer's MySQL, as lost adverts are. */
	if (!rule_send_error_isolates(rc))
		return;
	if (s->send_fail_since_us == 0) {
		s->send_fail_since_us = now;
		s->send_errno = -rc;
	}
	/* A takeover whose adverts cannot go out would claim a VIP nobody hears about. */
	if (s->fsm.state == VRRP_STATE_TAKEOVER && !s->send_isolated)
		send_isolate(s, now, "while taking over");
}

void sup_send_isolation_tick(struct sup *s, uint64_t now)
{
	uint64_t since = s->send_fail_since_us;

	/* The local stack already knows: a master whose adverts have not gone out for
	 * Master_Down_Interval is not heard by anyone; the peer is taking over by now. */
	if (!s->send_isolated && since && s->fsm.state == VRRP_STATE_MASTER && now - since >= rule_master_down_us(s))
		send_isolate(s, now, "for Master_Down_Interval");
	/* Not master, it sends nothing and cannot learn that sending works again: look again after
	 * holddown_ms (an interface event ends it sooner). */
	if (s->send_isolated && s->fsm.state != VRRP_STATE_MASTER && now >= s->send_isolated_until_us) {
		s->send_isolated = false;
		s->send_fail_since_us = 0;
		sup_say(s, LOG_NOTICE, "isolation by failed adverts over after %d ms: listening again",
			s->conf.takeover.holddown_ms);
		sup_evaluate(s, now);
	}
}

uint64_t sup_send_isolation_deadline(const struct sup *s)
{
	if (s->send_isolated)
		return s->send_isolated_until_us;
	if (s->send_fail_since_us && s->fsm.state == VRRP_STATE_MASTER)
		return s->send_fail_since_us + rule_master_down_us(s);
	return 0;
}

void sup_on_isolation(struct sup *s, bool isolated, uint64_t now)
{
	s->isolated = isolated;
	if (isolated)
		sup_say(s, LOG_ERR, "isolated: no tiebreaker target answers; this node must not be master");
	else
		sup_say(s, LOG_INFO, "tiebreaker targets reachable again");
	sup_evaluate(s, now);
}
