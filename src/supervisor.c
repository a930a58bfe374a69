/* The supervisor: events in, the node's role decisions out as actions (pure; see supervisor.h).
 *
 * Inside, one direction too: an event handler updates facts and feeds the VRRP state machine
 * through fsm_post(); the state machine's actions start or stop the failover sequence; the
 * sequence's commands become actions. State-machine events raised while one is being handled
 * (a sequence finishing, a verdict changing) are queued and run after it, never nested.
 */
#include "supervisor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "sup_int.h"
#include "sup_rules.h"

/* ---- actions ---- */

struct sup_action *sup_emit(struct sup *s, enum sup_act_type t)
{
	struct sup_out *o = s->out;

	if (o->n == SUP_MAX_ACTIONS) {
		o->overflow = true;
		return NULL;
	}
	struct sup_action *a = &o->a[o->n++];
	memset(a, 0, sizeof(*a));
	a->type = t;
	return a;
}

void sup_say(struct sup *s, int level, const char *fmt, ...)
{
	struct sup_action *a = sup_emit(s, SUP_ACT_LOG);
	va_list ap;

	if (!a)
		return;
	a->level = level;
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
}

void sup_say_event(struct sup *s, int level, enum sup_log_event ev, enum vrrp_state from, enum vrrp_state to,
		   const char *why, const char *fmt, ...)
{
	struct sup_action *a = sup_emit(s, SUP_ACT_LOG);
	va_list ap;

	if (!a)
		return;
	a->level = level;
	a->event = ev;
	a->from = from;
	a->state = to;
	snprintf(a->why, sizeof(a->why), "%s", why);
	va_start(ap, fmt);
	vsnprintf(a->text, sizeof(a->text), fmt, ap);
	va_end(ap);
}

void sup_reply(struct sup *s, const char *text, bool final, bool ok)
{
	struct sup_action *a;

	if (!s->switchover_waiting || !(a = sup_emit(s, SUP_ACT_REPLY)))
		return;
	a->final = final;
	a->ok = ok;
	snprintf(a->text, sizeof(a->text), "%s", text);
	if (final)
		s->switchover_waiting = false;
}

void sup_advert(struct sup *s, uint8_t prio)
{
	struct sup_action *a = sup_emit(s, SUP_ACT_ADVERT);
	if (a)
		a->priority = prio;
}

uint64_t sup_submit(struct sup *s, int target, struct db_job job)
{
	struct sup_action *a = sup_emit(s, SUP_ACT_DB);

	if (job.id == 0)
		job.id = s->next_job_id++;
	/* Probes of our server sent before a read_only change of ours describe it as it was. */
	if (target == SUP_LOCAL && (job.type == DB_JOB_SET_WRITABLE || job.type == DB_JOB_SET_READONLY))
		s->local_epoch++;
	s->srv[target].cmd_pending++;
	if (a) {
		a->target = target;
		a->job = job;
	}
	return job.id;
}

void sup_cancel(struct sup *s, int target)
{
	struct sup_action *a = sup_emit(s, SUP_ACT_CANCEL);
	if (a)
		a->target = target;
}

void sup_vips(struct sup *s, bool add)
{
	sup_emit(s, add ? SUP_ACT_ADD_VIPS : SUP_ACT_DROP_VIPS);
	s->vip_wait = true;
	if (!add) {
		s->vip_held = false;
		s->garp_next_us = 0;
	}
}

/* ---- the state machine ---- */

static void handover_failed(struct sup *s, const char *why);

static void record_transition(struct sup *s, enum vrrp_state from, enum vrrp_state to, const char *why,
			      uint64_t now)
{
	struct sup_transition_log *h = &s->hist;

	sup_say_event(s, LOG_NOTICE, SUP_LOG_TRANSITION, from, to, why, "%s -> %s: %s", vrrp_state_name(from),
		      vrrp_state_name(to), why);
	if (h->n == STATUS_TRANSITIONS) {
		memmove(&h->t[0], &h->t[1], sizeof(h->t[0]) * (STATUS_TRANSITIONS - 1));
		h->n--;
	}
	struct status_transition *t = &h->t[h->n++];
	t->when_s = s->wall_s;
	snprintf(t->from, sizeof(t->from), "%s", vrrp_state_name(from));
	snprintf(t->to, sizeof(t->to), "%s", vrrp_state_name(to));
	snprintf(t->reason, sizeof(t->reason), "%s", why);
	t->in_from_ms = s->state_since_us && now > s->state_since_us ? (now - s->state_since_us) / 1000 : 0;
	h->total++;
	if (from < STATUS_STATES && to < STATUS_STATES)
		s->transitions_by[from][to]++;
	s->state_since_us = now;
	/* Leaving INIT is the start, not an event hooks are for: a start-up that finds a real fault
	 * says so after the first probe round (sup_inputs.c). */
	if (from != VRRP_STATE_INIT)
		sup_hook(s, to, why);
	if (to == VRRP_STATE_MASTER && s->handover_waiting)
		handover_failed(s, "the peer did not take over: this node is master again");
}

void sup_hook(struct sup *s, enum vrrp_state to, const char *why)
{
	struct sup_action *a = sup_emit(s, SUP_ACT_HOOK);
	if (a) {
		a->state = to;
		snprintf(a->text, sizeof(a->text), "%s", why);
	}
}

static void fsm_actions(struct sup *s, const struct vrrp_fsm_out *o, uint64_t now)
{
	/* failover-safety "Step-down order": the priority-0 advert first, so the peer takes over after
	 * Skew_Time while we let go. */
	if (o->actions & VRRP_ACT_SEND_PRIO0)
		sup_advert(s, 0);
	if (o->actions & VRRP_ACT_ABORT_TAKEOVER)
		sup_abort_takeover(s, o->why, now);
	if (o->actions & VRRP_ACT_STEP_DOWN) {
		sup_abort_takeover(s, o->why, now);
		if (!fo_active(&s->fo))
			sup_start_sequence(s, FO_KIND_STEPDOWN, false, now);
		else if (s->vip_held) /* a switchover is stepping down already; the VIP goes now in any case */
			sup_vips(s, false);
	}
	if (o->actions & VRRP_ACT_START_TAKEOVER) {
		/* A master was heard: it is silent now, or it resigned (the FSM forgets a resigning
		 * master's address). Either way its server is fenced, not feared: after a resign our last
		 * probe may still show the read_only=OFF it had a moment ago (a switchover sets read_only
		 * ON just before the priority 0), and refusing then would hand the role back. */
		bool heard = !ipaddr_is_none(&s->fsm.master_addr) || s->peer_resigned;
		sup_start_sequence(s, FO_KIND_TAKEOVER, heard, now); /* reads peer_resigned */
		s->peer_resigned = false;
	}
	if (o->actions & VRRP_ACT_SEND_ADVERT)
		sup_advert(s, s->fsm.priority);
	if (o->actions & VRRP_ACT_CLAIM)
		sup_vips(s, true);
}

/* Runs ev now, or after the one being handled: state-machine events never nest. */
void sup_fsm_post(struct sup *s, const struct vrrp_event *ev, uint64_t now)
{
	if (s->n_pending == (int)(sizeof(s->pending) / sizeof(s->pending[0]))) {
		s->out->overflow = true;
		return;
	}
	s->pending[s->n_pending++] = *ev;
	if (s->n_pending > 1)
		return; /* the loop below, further up the stack, runs it */
	for (int i = 0; i < s->n_pending; i++) {
		struct vrrp_event e = s->pending[i];
		struct vrrp_fsm_out o = vrrp_fsm_step(&s->fsm, &e, now);

		if (o.from != o.to)
			record_transition(s, o.from, o.to, o.why, now);
		fsm_actions(s, &o, now);
	}
	s->n_pending = 0;
}

void sup_post_priority(struct sup *s, uint64_t now)
{
	struct vrrp_event ev = { .type = VRRP_EV_PRIORITY, .priority = (uint8_t)(s->verdict.priority ?: 1),
				 .eligible = s->verdict.eligible && !s->maintenance };
	sup_fsm_post(s, &ev, now);
}

/* True when two reasons differ in numbers only ("(2 fails)" and "(3 fails)"): those change with every
 * probe while a fault lasts; logging each would flood the log at the probe rate. */
static bool reason_same_kind(const char *a, const char *b)
{
	for (;;) {
		if (*a >= '0' && *a <= '9' && *b >= '0' && *b <= '9') {
			while (*a >= '0' && *a <= '9')
				a++;
			while (*b >= '0' && *b <= '9')
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

void sup_evaluate(struct sup *s, uint64_t now)
{
	char fault[160] = "";
	rule_node_fault(s, fault, sizeof(fault));
	struct health_input in = {
		.local = &s->srv[SUP_LOCAL].state,
		.local_c = &s->srv[SUP_LOCAL].hc,
		.peer = &s->srv[SUP_PEER].state,
		.peer_c = &s->srv[SUP_PEER].hc,
		.is_master = s->fsm.state == VRRP_STATE_MASTER,
		.isolated = s->isolated,
		.fault = fault,
		.maintenance = s->maintenance,
	};
	struct health_verdict v = health_evaluate(&s->conf, &in);

	if (v.eligible != s->verdict.eligible || v.priority != s->verdict.priority ||
	    !reason_same_kind(v.reason, s->verdict.reason))
		sup_say(s, v.eligible ? LOG_INFO : LOG_WARNING, "health: %s, priority %d: %s",
			v.eligible ? "eligible" : "not eligible", v.priority, v.reason);
	bool changed = v.priority != s->verdict.priority || v.eligible != s->verdict.eligible;
	/* A switchover sets read_only ON while still MASTER, which the policy calls a fault; fed to
	 * the FSM it would resign before the peer caught up. The switchover's end feeds it. */
	bool switching = fo_active(&s->fo) && s->fo.kind == FO_KIND_SWITCHOVER;
	s->verdict = v;
	/* Maintenance freezes failover on this node: no takeover, no step-down. */
	if (changed && !s->maintenance && !switching && s->first_round_done)
		sup_post_priority(s, now);
}

/* ---- takeover held back ---- */

static void end_hold(struct sup *s, const char *why)
{
	if (!s->takeover_held)
		return;
	s->takeover_held = false;
	s->fsm_recheck_us = 0;
	if (strncmp(s->alert, "adverts lost", 12) == 0 || strncmp(s->alert, "peer server alive", 17) == 0)
		s->alert[0] = '\0';
	sup_say(s, LOG_INFO, "%s", why);
}

/* The master-down timer ran out, but the takeover would be refused (fo_takeover_refused): stay BACKUP
 * without entering TAKEOVER (no transition, hook or log per interval), say so once, and look again
 * one Master_Down_Interval later. An advert heard, or the peer's server going read-only, down or
 * answering again ends the hold. */
static bool hold_takeover(struct sup *s, uint64_t now)
{
	char why[sizeof(s->alert)];

	if (s->fsm.state != VRRP_STATE_BACKUP)
		return false;
	struct fo_input in = rule_fo_input(s, FO_KIND_TAKEOVER, !ipaddr_is_none(&s->fsm.master_addr), now);
	/* A master that resigned (priority 0) is stepping down: its read_only may lag by a probe, and
	 * the takeover after Skew_Time fences it anyway. A refusing one cannot be fenced. */
	if (s->peer_resigned && !in.peer_refusing)
		return false;
	if (!fo_takeover_refused(&in, why, sizeof(why))) {
		end_hold(s, "the peer's server is no longer a writable master we cannot reach: takeover goes ahead");
		return false;
	}
	if (!s->takeover_held) {
		s->takeover_held = true;
		sup_say(s, LOG_WARNING, "master down timer expired, not taking over: %s", why);
		sup_alert(s, "%s", why);
	}
	s->fsm_recheck_us = now + rule_master_down_us(s);
	return true;
}

/* A switchover whose peer never took over: the requester learns it (dualmasterctl exits non-zero);
 * this node stays as the state machine has it (BACKUP and read-only, or MASTER again). */
static void handover_failed(struct sup *s, const char *why)
{
	s->handover_waiting = false;
	sup_say(s, LOG_ERR, "switchover: %s", why);
	sup_reply(s, why, true, false);
}

/* ---- event handlers ---- */

static void on_start(struct sup *s, uint64_t now)
{
	s->started = true;
	s->state_since_us = now;
	/* Start safe (failover-safety 5): read-only and BACKUP, never MASTER, whatever the config.
	 * Sessions are killed only if the server had to be turned read-only. */
	struct db_job ro = { .type = DB_JOB_SET_READONLY, .kill_clients = true, .kill_only_if_changed = true,
			     .timeout_ms = s->conf.takeover.fence_timeout_ms };
	sup_submit(s, SUP_LOCAL, ro);
	struct vrrp_event ev = { .type = VRRP_EV_STARTUP };
	sup_fsm_post(s, &ev, now);
}

static void on_tick(struct sup *s, const struct sup_event *ev, uint64_t now)
{
	if (fo_active(&s->fo) && s->fo.deadline_us && now >= s->fo.deadline_us) {
		struct fo_cmd c = fo_tick(&s->fo, now, ev->peer_answered);
		if (c.cancel)
			sup_say(s, LOG_WARNING, "%s: %s did not finish in time", fo_kind_name(s->fo.kind),
				s->fo.step == FO_STEP_FENCE || c.cancel_target == FO_PEER ? "the peer's server"
											   : "the local server");
		sup_exec_fo(s, c, now);
	}
	if (s->vip_hold && now >= s->vip_hold_until_us)
		sup_release_vip(s, "bound reached");
	if (s->vip_held && s->garp_next_us && now >= s->garp_next_us) {
		sup_emit(s, SUP_ACT_GARP);
		s->garp_next_us = now + (uint64_t)s->conf.vrrp.garp_refresh_ms * 1000;
	}
	sup_send_isolation_tick(s, now);
	if (s->handover_waiting && now >= s->handover_deadline_us)
		handover_failed(s, "the peer did not take over in time (no advert from a new master)");
	static const char lease_wait[] = "master silent, waiting for the witness lease to end";
	bool timer_due = s->fsm.deadline_us && now >= s->fsm.deadline_us;
	uint64_t gate = timer_due ? rule_fsm_timer_gate(s, now) : 0;
	/* Said only when the lease is what holds the timer (not maintenance, a freeze, a handover). */
	uint64_t lease_end = gate ? rule_lease_wait_until(s, now) : 0;
	if (lease_end != gate)
		lease_end = 0;
	if (lease_end && !s->lease_wait_said) {
		char l[160];
		lease_describe(&s->lease, now, l, sizeof(l));
		sup_say(s, LOG_WARNING, "master down timer expired, its server unreachable: no majority without the "
			"witness lease (%s): waiting for it to end", l);
		if (!s->alert[0])
			sup_alert(s, "%s (%s)", lease_wait, l);
	} else if (!lease_end && s->lease_wait_said && !strncmp(s->alert, lease_wait, sizeof(lease_wait) - 1)) {
		s->alert[0] = '\0';
	}
	s->lease_wait_said = lease_end != 0;
	if (timer_due && gate == 0 && !hold_takeover(s, now)) {
		struct vrrp_event e = { .type = VRRP_EV_TIMER };
		sup_fsm_post(s, &e, now);
	}
}

static void on_advert(struct sup *s, const struct sup_event *ev, uint64_t now)
{
	struct vrrp_event e = { .type = VRRP_EV_ADVERT, .adv_priority = ev->adv_priority, .adv_src = ev->adv_src,
				.adv_interval_cs = ev->adv_interval_cs, .no_preempt = !rule_preempt_allowed(s, now) };
	bool was_frozen = s->frozen;

	if (s->fsm.state != VRRP_STATE_MASTER)
		s->master_heard_us = now;
	/* The peer advertises from the start of its takeover and claims the VIP within it: its second
	 * advert says the takeover is done (the same rule as releasing a kept VIP). */
	if (s->handover_waiting && ev->adv_priority > 0 && ++s->handover_adverts >= 2) {
		char msg[96];
		s->handover_waiting = false;
		char a[IPADDR_STRLEN];
		snprintf(msg, sizeof(msg), "peer took over: %s advertises as master", ipaddr_str(&ev->adv_src, a));
		sup_reply(s, msg, true, true);
	}
	if (ev->adv_priority > 0)
		s->handover_until_us = 0; /* a master speaks: the hand-over is over */
	if (s->fsm.state != VRRP_STATE_MASTER)
		s->peer_resigned = ev->adv_priority == 0 && ipaddr_eq(&ev->adv_src, &s->fsm.master_addr);
	if (!sup_heal_advert(s, ev, &e, now))
		return; /* two masters, waiting for both servers' terms: no answer yet */
	if ((s->maintenance || was_frozen) && s->fsm.state == VRRP_STATE_MASTER)
		return; /* frozen: a master makes no move; a backup still tracks the master */
	sup_fsm_post(s, &e, now);
	/* The peer advertises from the start of its takeover and claims within the sequence: its
	 * second advert comes after the claim. */
	if (ev->adv_priority > 0 && s->vip_hold && ++s->vip_hold_adverts >= 2)
		sup_release_vip(s, "the peer has taken over");
	if (ev->adv_priority > 0 && s->fsm.state == VRRP_STATE_BACKUP)
		end_hold(s, "adverts from the master arrive again");
}

static void on_vip_result(struct sup *s, const struct sup_event *ev, uint64_t now)
{
	bool was_add = s->fo.step == FO_STEP_CLAIM || (s->fsm.state == VRRP_STATE_MASTER && !fo_active(&s->fo));

	s->vip_wait = false;
	if (fo_active(&s->fo) && s->fo.step == FO_STEP_CLAIM) {
		if (ev->rc == 0)
			sup_vip_claimed(s, now);
		sup_exec_fo(s, fo_claim_result(&s->fo, ev->rc, now), now);
		return;
	}
	if (fo_active(&s->fo) && s->fo.step == FO_STEP_DROP_VIP) {
		sup_exec_fo(s, fo_vip_result(&s->fo, ev->rc, now), now);
		return;
	}
	if (was_add && ev->rc == 0)
		sup_vip_claimed(s, now);
	if (ev->rc < 0)
		sup_say(s, LOG_WARNING, "%s the VIPs on %s failed: %s", was_add ? "adding" : "removing",
			s->conf.vrrp.interface, strerror(-ev->rc));
}

void sup_vip_claimed(struct sup *s, uint64_t now)
{
	s->vip_held = true;
	if (s->conf.vrrp.garp_refresh_ms > 0)
		s->garp_next_us = now + (uint64_t)s->conf.vrrp.garp_refresh_ms * 1000;
}

static void on_db_result(struct sup *s, const struct sup_event *ev, uint64_t now)
{
	const struct db_result *r = ev->res;

	if (ev->which == SUP_WITNESS) {
		sup_witness_result(s, r, now);
		return;
	}
	struct sup_server *srv = &s->srv[ev->which];

	if (srv->cmd_pending > 0)
		srv->cmd_pending--;
	if (ev->which == SUP_PEER && sup_prefence_result(s, r, now)) {
		if (r->state.reachable)
			db_state_copy(&srv->state, &r->state);
		return;
	}
	if (r->type == DB_JOB_PROBE) { /* an urgent probe on the command worker (heal) */
		sup_sample(s, ev->which, r, s->heal.probe_sent_us, now);
		return;
	}
	if (ev->which == SUP_LOCAL && (r->type == DB_JOB_SET_WRITABLE || r->type == DB_JOB_SET_READONLY))
		s->local_epoch++;
	/* The worker reads the server back after every command: that is now the freshest picture (the
	 * policy must not see read_only from before a takeover). */
	if (r->state.reachable)
		db_state_copy(&srv->state, &r->state);
	if (r->rc != 0 && r->rc != -ECANCELED && !fo_active(&s->fo))
		sup_say(s, LOG_WARNING, "%s %s: %s", ev->which == SUP_LOCAL ? "local" : "peer", db_job_name(r->type),
			r->error);
	sup_exec_fo(s, fo_db_result(&s->fo, r, now), now);
}

static void on_switchover(struct sup *s, uint64_t now)
{
	char why[256];

	if (s->switchover_waiting || sup_switchover_refused(s, why, sizeof(why)) < 0) {
		bool busy = s->switchover_waiting;
		s->switchover_waiting = true; /* so that reply() answers this requester */
		sup_reply(s, busy ? "a switchover is running" : why, true, false);
		s->switchover_waiting = busy;
		return;
	}
	s->switchover_waiting = true;
	sup_reply(s, "dropping the VIP", false, true);
	sup_say(s, LOG_NOTICE, "switchover requested");
	sup_start_sequence(s, FO_KIND_SWITCHOVER, false, now);
}

static void on_maintenance(struct sup *s, bool on, uint64_t now)
{
	/* "maintenance off" also unfreezes a node frozen by divergence that was never in maintenance. */
	if (s->maintenance == on && (on || !s->frozen))
		return;
	s->maintenance = on;
	sup_say(s, LOG_NOTICE, "maintenance %s: automatic failover %s on this node", on ? "on" : "off",
		on ? "frozen" : "resumed");
	if (!on) {
		/* Leaving maintenance also clears a divergence freeze: the operator has looked. */
		s->frozen = false;
		s->alert[0] = '\0';
		sup_post_priority(s, now);
	}
}

void sup_restore(struct sup *s, bool maintenance, bool frozen)
{
	s->maintenance = maintenance;
	s->frozen = frozen;
	if (frozen)
		snprintf(s->alert, sizeof(s->alert), "diverged both ways (before a restart): moves frozen");
}

static void on_reload(struct sup *s, const struct conf *c, uint64_t now)
{
	/* The witness is structural (its worker was opened with it): kept as started. */
	struct conf_witness w = s->conf.witness;
	s->conf = *c;
	s->conf.witness = w;
	explicit_bzero(s->conf.local.password, sizeof(s->conf.local.password));
	explicit_bzero(s->conf.peer.password, sizeof(s->conf.peer.password));
	vrrp_fsm_set_preempt(&s->fsm, c->vrrp.preempt, (uint32_t)c->vrrp.preempt_delay_ms);
	sup_evaluate(s, now);
}

/* The master's VIP went away behind our back (ip addr del, a network script): it goes back at once,
 * with gratuitous ARPs, said and counted. Not during a sequence, which owns the VIP. */
static void on_vip_gone(struct sup *s)
{
	if (s->fsm.state != VRRP_STATE_MASTER || !s->vip_held || s->vip_wait || fo_active(&s->fo))
		return;
	s->vip_restored++;
	sup_say(s, LOG_WARNING, "a VIP was removed from %s by someone else while master: adding it back",
		s->conf.vrrp.interface);
	sup_vips(s, true);
}

static void on_shutdown(struct sup *s, uint64_t now)
{
	if (s->shutting_down)
		return;
	s->shutting_down = true;
	sup_release_vip(s, "shutting down");
	/* A switchover in progress must not roll back into a writer that then exits. */
	if (fo_active(&s->fo) && s->fo.kind == FO_KIND_SWITCHOVER)
		sup_exec_fo(s, fo_abort(&s->fo, "shutting down", now), now);
	sup_say(s, LOG_INFO, "shutting down");
	struct vrrp_event ev = { .type = VRRP_EV_SHUTDOWN };
	sup_fsm_post(s, &ev, now);
	if (!fo_active(&s->fo))
		sup_emit(s, SUP_ACT_EXIT);
}

/* ---- life cycle ---- */

void sup_init(struct sup *s, const struct conf *conf, struct in6_addr primary, uint64_t now)
{
	memset(s, 0, sizeof(*s));
	s->conf = *conf;
	/* The supervisor never connects: it keeps no copy of a password. */
	explicit_bzero(s->conf.local.password, sizeof(s->conf.local.password));
	explicit_bzero(s->conf.peer.password, sizeof(s->conf.peer.password));
	explicit_bzero(s->conf.witness.db.password, sizeof(s->conf.witness.db.password));
	/* The lease's holder names this host, not only node_name: two nodes given the same node_name
	 * (a configuration copied from one to the other) would otherwise renew each other's lease. */
	char holder[64], addr[IPADDR_STRLEN];
	ipaddr_str(&primary, addr);
	/* The address whole, the name cut to what is left: the address is what tells hosts apart. */
	int room = (int)(sizeof(holder) - 2 - strlen(addr));
	snprintf(holder, sizeof(holder), "%.*s/%s", room < 47 ? room : 47, conf->node_name, addr);
	lease_init(&s->lease, conf->witness.lease_ms, holder);
	s->primary = primary;
	s->next_job_id = 1;
	s->local_epoch = 1;
	s->state_since_us = now;
	snprintf(s->verdict.reason, sizeof(s->verdict.reason), "no probe yet");
	struct vrrp_fsm_conf fc = {
		.version = (uint8_t)conf->vrrp.version,
		.adver_int_cs = (uint16_t)(conf->vrrp.advert_interval_ms / 10),
		.preempt = conf->vrrp.preempt,
		.preempt_delay_ms = (uint32_t)conf->vrrp.preempt_delay_ms,
		.primary = primary,
	};
	vrrp_fsm_init(&s->fsm, &fc, (uint8_t)conf->vrrp.priority, false);
}

void sup_free(struct sup *s)
{
	for (int i = 0; i < 2; i++)
		db_state_free(&s->srv[i].state);
	heal_report_clear(&s->heal.report);
	fo_free(&s->fo);
	free(s->divergence);
	s->divergence = NULL;
	free(s->local_pos_prev);
	s->local_pos_prev = NULL;
}

uint64_t sup_local_epoch(const struct sup *s)
{
	return s->local_epoch;
}

/* ---- the step ---- */

static uint64_t next_deadline(const struct sup *s, uint64_t now)
{
	uint64_t d = 0;

	if (fo_active(&s->fo))
		d = sup_earliest(d, s->fo.deadline_us);
	if (s->handover_waiting)
		d = sup_earliest(d, s->handover_deadline_us);
	if (s->vip_hold)
		d = sup_earliest(d, s->vip_hold_until_us);
	if (s->vip_held)
		d = sup_earliest(d, s->garp_next_us);
	d = sup_earliest(d, sup_send_isolation_deadline(s));
	d = sup_earliest(d, sup_witness_deadline(s, now));
	d = sup_earliest(d, sup_read_deadline(s, now));
	d = sup_earliest(d, sup_prefence_deadline(s, now));
	if (s->fsm.deadline_us) {
		uint64_t gate = rule_fsm_timer_gate(s, now);
		if (gate != UINT64_MAX)
			d = sup_earliest(d, gate > s->fsm.deadline_us ? gate : s->fsm.deadline_us);
	}
	return d;
}

void sup_step(struct sup *s, const struct sup_event *ev, uint64_t now, struct sup_out *out)
{
	memset(out, 0, sizeof(*out));
	s->out = out;
	s->wall_s = ev->wall_s;
	switch (ev->type) {
	case SUP_EV_START: on_start(s, now); break;
	case SUP_EV_TICK: on_tick(s, ev, now); break;
	case SUP_EV_ADVERT: on_advert(s, ev, now); break;
	case SUP_EV_SEND: sup_on_send(s, ev->send_rc, now); break;
	case SUP_EV_PROBE: sup_on_probe(s, ev, now); break;
	case SUP_EV_DB_RESULT: on_db_result(s, ev, now); break;
	case SUP_EV_VIP_RESULT: on_vip_result(s, ev, now); break;
	case SUP_EV_LINK: sup_on_link(s, ev->link_up, ev->link_addr, now); break;
	case SUP_EV_ISOLATION: sup_on_isolation(s, ev->on, now); break;
	case SUP_EV_MAINTENANCE: on_maintenance(s, ev->on, now); break;
	case SUP_EV_SWITCHOVER: on_switchover(s, now); break;
	case SUP_EV_RELOAD: on_reload(s, ev->conf, now); break;
	case SUP_EV_SHUTDOWN: on_shutdown(s, now); break;
	case SUP_EV_VIP_GONE: on_vip_gone(s); break;
	case SUP_EV_READ_RESULT: sup_read_result(s, ev->rc, now); break;
	case SUP_EV_READ_SEEN: sup_read_seen(s, now); break;
	case SUP_EV_MAX: break;
	}
	sup_witness_step(s, now);
	sup_read_step(s, now);
	sup_prefence_step(s, now);
	out->deadline_us = next_deadline(s, now);
	s->out = NULL;
}
