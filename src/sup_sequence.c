/* The supervisor running the failover sequences (failover.c): starting them, turning their commands
 * into actions, and what their end means for the role (pure; see supervisor.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "sup_int.h"
#include "sup_rules.h"

void sup_abort_takeover(struct sup *s, const char *why, uint64_t now)
{
	if (fo_active(&s->fo) && s->fo.kind == FO_KIND_TAKEOVER)
		sup_exec_fo(s, fo_abort(&s->fo, why, now), now);
}

void sup_start_sequence(struct sup *s, enum fo_kind kind, bool adverts_lost, uint64_t now)
{
	struct fo_input in = rule_fo_input(s, kind, adverts_lost, now);
	if (kind == FO_KIND_TAKEOVER)
		sup_prefence_take(s, &in, now);

	/* Detection: from the last advert heard (or the resign) to now; 0 when none was ever heard. */
	s->detect_us = kind == FO_KIND_TAKEOVER && s->master_heard_us && now > s->master_heard_us
			       ? now - s->master_heard_us : 0;
	sup_say(s, LOG_INFO, "%s started", fo_kind_name(kind));
	struct fo_cmd c = fo_start(&s->fo, kind, &in, s->next_job_id, now);
	s->next_job_id += 1000; /* the sequence numbers its own jobs from here */
	sup_exec_fo(s, c, now);
}

void sup_alert(struct sup *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->alert, sizeof(s->alert), fmt, ap);
	va_end(ap);
}

static void takeover_finished(struct sup *s, uint64_t now)
{
	const struct failover *f = &s->fo;

	if (f->ok) {
		s->holddown_until_us = now + (uint64_t)s->conf.takeover.holddown_ms * 1000;
		/* Fenced or resigned, the old master cannot write, and cannot take the lease back before
		 * it ends (only an expired row is taken by a node not holding it): until then the peer's
		 * state is our second vote, and we take the lease meanwhile. */
		if (s->conf.witness.enabled && !f->quorum_lease)
			s->majority_until_us = now + 2ull * (uint64_t)s->conf.witness.lease_ms * 1000;
		s->semisync_turned_off = f->semisync_off;
		s->semisync_off_us = now;
		if (f->semisync_off)
			sup_say(s, LOG_INFO, "semi-sync master side off: the peer cannot acknowledge (back on once "
				"it replicates from us)");
		s->alert[0] = '\0';
		return;
	}
	if (f->fail == FO_FAIL_REFUSED)
		sup_alert(s, "%.180s", f->reason);
	else if (f->fail == FO_FAIL_PEER_ALIVE)
		sup_alert(s, "adverts lost while peer writable: %.150s", f->reason);
	else if (f->fail == FO_FAIL_NO_QUORUM)
		s->no_quorum_silence_us = s->master_heard_us; /* rule_lease_wait_until */
	/* Claim failures already went MASTER: resign. Earlier failures: back to BACKUP. */
	struct vrrp_event ev = { .type = VRRP_EV_TAKEOVER_DONE, .ok = false };
	if (s->fsm.state == VRRP_STATE_MASTER)
		ev.type = VRRP_EV_RELINQUISH;
	if (s->fsm.state == VRRP_STATE_MASTER || s->fsm.state == VRRP_STATE_TAKEOVER)
		sup_fsm_post(s, &ev, now);
}

static void switchover_finished(struct sup *s, uint64_t now)
{
	const struct failover *f = &s->fo;

	if (f->ok) {
		const struct conf_takeover *t = &s->conf.takeover;
		s->holddown_until_us = now + (uint64_t)t->holddown_ms * 1000;
		uint64_t bound_ms = (uint64_t)t->catchup_timeout_ms + 3ull * t->fence_timeout_ms;
		s->handover_until_us = now + bound_ms * 1000;
		/* The peer applied everything: resign so it takes over after Skew_Time. */
		struct vrrp_event ev = { .type = VRRP_EV_RELINQUISH };
		sup_fsm_post(s, &ev, now);
		sup_reply(s, "peer caught up; sent priority 0, waiting for the peer to take over", false, true);
		s->handover_waiting = true;
		s->handover_adverts = 0;
		s->handover_deadline_us = s->handover_until_us;
	} else {
		sup_reply(s, f->reason[0] ? f->reason : "failed", true, false);
	}
	/* Health was not fed to the FSM during the switchover: the verdict on the server as it is
	 * now (a real fault meanwhile still steps this node down). */
	sup_evaluate(s, now);
	if (!s->maintenance)
		sup_post_priority(s, now);
}

_Static_assert(FO_KIND_SWITCHOVER < STATUS_FO_KINDS && FO_FAIL_NO_QUORUM < STATUS_FO_RESULTS,
	       "status_fo_stats too small for failover.h's enums");
_Static_assert(VRRP_STATE_MAX == STATUS_STATES, "status transitions_by sized by vrrp_fsm.h's states");

/* The metrics' view of a finished sequence: how it ended, how long it took, what the fence found. */
static void count_sequence(struct status_fo_stats *st, const struct failover *f, uint64_t now)
{
	uint64_t took = now > f->started_us ? now - f->started_us : 0;

	st->runs[f->kind][f->ok ? 0 : f->fail]++;
	st->duration_sum_us[f->kind] += took;
	st->duration_last_us[f->kind] = took;
	if (f->kind == FO_KIND_TAKEOVER && f->peer_dead)
		st->fence_unreachable++;
	else if (f->kind == FO_KIND_TAKEOVER && f->fenced)
		st->fence_done++;
	if (f->stale)
		st->catchup_stale++;
}

/* The takeover's phases from the sequence's own step times (failover.c) and the detection. */
static void record_phases(struct sup *s, const struct failover *f, uint64_t now)
{
	struct status_takeover *t = &s->last_takeover;
	static const struct {
		enum status_phase phase;
		enum fo_step step;
	} map[] = {
		{ STATUS_PHASE_FENCE, FO_STEP_FENCE },	     { STATUS_PHASE_SEMISYNC, FO_STEP_SEMISYNC_OFF },
		{ STATUS_PHASE_CATCHUP, FO_STEP_CATCHUP },   { STATUS_PHASE_WRITABLE, FO_STEP_WRITABLE },
		{ STATUS_PHASE_TERM, FO_STEP_TERM },	     { STATUS_PHASE_CLAIM, FO_STEP_CLAIM },
		{ STATUS_PHASE_LEASE, FO_STEP_QUORUM },
	};

	memset(t, 0, sizeof(*t));
	t->done = true;
	t->ok = f->ok;
	t->when_s = s->wall_s;
	t->phase_us[STATUS_PHASE_DETECT] = s->detect_us;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		t->phase_us[map[i].phase] = f->phase_us[map[i].step];
	t->total_us = s->detect_us + (now > f->started_us ? now - f->started_us : 0);
}

static void fo_finished(struct sup *s, uint64_t now)
{
	const struct failover *f = &s->fo;
	const char *why = f->reason[0] ? f->reason : (f->ok ? "done" : "failed");

	count_sequence(&s->fo_stats, f, now);
	if (f->kind == FO_KIND_TAKEOVER && f->fail != FO_FAIL_REFUSED) {
		const struct status_takeover *t = &s->last_takeover;
		record_phases(s, f, now);
		sup_say(s, LOG_INFO,
			"takeover phases (ms): detection %llu, fence %llu, semi-sync %llu, catch-up %llu, "
			"write-enable %llu, term %llu, claim %llu, lease %llu; total %llu",
			(unsigned long long)t->phase_us[STATUS_PHASE_DETECT] / 1000,
			(unsigned long long)t->phase_us[STATUS_PHASE_FENCE] / 1000,
			(unsigned long long)t->phase_us[STATUS_PHASE_SEMISYNC] / 1000,
			(unsigned long long)t->phase_us[STATUS_PHASE_CATCHUP] / 1000,
			(unsigned long long)t->phase_us[STATUS_PHASE_WRITABLE] / 1000,
			(unsigned long long)t->phase_us[STATUS_PHASE_TERM] / 1000,
			(unsigned long long)t->phase_us[STATUS_PHASE_CLAIM] / 1000,
			(unsigned long long)t->phase_us[STATUS_PHASE_LEASE] / 1000,
			(unsigned long long)t->total_us / 1000);
	}

	if (f->note[0])
		sup_say(s, LOG_WARNING, "%s: %s", fo_kind_name(f->kind), f->note);
	/* Failover-safety 5: after any error in a transition a node is BACKUP and read-only; a
	 * read_only ON that failed (server busy, commits stuck) is tried again (rule_enforce_readonly). */
	if (f->ok)
		sup_say_event(s, LOG_NOTICE, SUP_LOG_SEQUENCE_OK, s->fsm.state, s->fsm.state, why, "%s finished: %s",
			      fo_kind_name(f->kind), why);
	else
		sup_say_event(s, f->fail == FO_FAIL_REFUSED ? LOG_WARNING : LOG_ERR, SUP_LOG_SEQUENCE_FAILED,
			      s->fsm.state, s->fsm.state, why, "%s failed: %s", fo_kind_name(f->kind), why);
	if (f->kind == FO_KIND_TAKEOVER)
		takeover_finished(s, now);
	else if (f->kind == FO_KIND_SWITCHOVER)
		switchover_finished(s, now);
	if (s->shutting_down && !fo_active(&s->fo))
		sup_emit(s, SUP_ACT_EXIT);
}

void sup_exec_fo(struct sup *s, struct fo_cmd c, uint64_t now)
{
	if (c.cancel)
		sup_cancel(s, c.cancel_target == FO_PEER ? SUP_PEER : SUP_LOCAL);
	switch (c.type) {
	case FO_CMD_NONE:
		return;
	case FO_CMD_DB:
		sup_reply(s, fo_step_name(s->fo.step), false, true);
		sup_submit(s, c.target == FO_PEER ? SUP_PEER : SUP_LOCAL, c.job);
		return;
	case FO_CMD_CLAIM:
		if (s->fsm.state == VRRP_STATE_TAKEOVER) {
			/* The FSM's SEND_ADVERT|CLAIM actions add the VIP; its result comes back. */
			struct vrrp_event ev = { .type = VRRP_EV_TAKEOVER_DONE, .ok = true };
			sup_fsm_post(s, &ev, now);
		} else {
			/* Switchover rollback: we are still MASTER in the FSM. */
			sup_advert(s, s->fsm.priority);
			sup_vips(s, true);
		}
		return;
	case FO_CMD_DROP_VIP:
		if (rule_keep_vip_for_peer(s)) {
			s->vip_hold = true;
			s->vip_hold_adverts = 0;
			s->vip_hold_until_us = now + rule_keep_vip_bound_us(s);
			sup_say(s, LOG_INFO, "local server dead: VIP kept until the peer claims it (at most %llu ms), "
				"clients get refused rather than lost",
				(unsigned long long)(rule_keep_vip_bound_us(s) / 1000));
			return;
		}
		sup_vips(s, false);
		return;
	case FO_CMD_FINISHED:
		fo_finished(s, now);
		return;
	}
}

void sup_release_vip(struct sup *s, const char *why)
{
	if (!s->vip_hold)
		return;
	s->vip_hold = false;
	sup_say(s, LOG_INFO, "VIP released: %s", why);
	sup_vips(s, false);
}

