/* The supervisor and the witness (failover-safety "Two out of three"): which lease job to send,
 * what its answers mean for the role, the takeover's quorum, and semi-sync without a backup.
 * Pure, like the rest of the supervisor; lease.h has the timing assumptions. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "sup_int.h"
#include "sup_rules.h"

/* A lease job unanswered this long is cancelled: the worker's own timeout is whole seconds, and a
 * takeover waiting for the lease must not wait behind a statement to a witness that went away. */
static uint64_t stuck_us(const struct sup *s)
{
	return (uint64_t)s->conf.witness.lease_ms * 1000 / 2;
}

static bool writing(const struct sup *s)
{
	return s->fsm.state == VRRP_STATE_MASTER ||
	       (fo_active(&s->fo) && s->fo.kind == FO_KIND_TAKEOVER && (s->fo.writable || s->fo.quorum_lease));
}

static enum lease_want want(const struct sup *s)
{
	if (fo_wants_quorum(&s->fo))
		return LEASE_WANT_ACQUIRE;
	if (writing(s) && !s->no_quorum)
		return LEASE_WANT_HOLD;
	/* Stepped down while holding it: release, so the peer takes over without waiting it out. */
	if (s->lease.held)
		return LEASE_WANT_RELEASE;
	return LEASE_WANT_WATCH;
}

static void submit(struct sup *s, enum lease_op op, uint64_t now)
{
	struct sup_action *a = sup_emit(s, SUP_ACT_DB);
	const struct conf_witness *w = &s->conf.witness;
	struct db_job job = { .type = DB_JOB_LEASE, .id = s->next_job_id++, .lease_op = op,
			      .lease_ms = w->lease_ms, .timeout_ms = w->lease_ms };

	/* Our own unexpired row is renewed only while we count on it (lease.h). */
	job.lease_renew = lease_held(&s->lease, now);
	snprintf(job.holder, sizeof(job.holder), "%s", s->lease.me);
	snprintf(job.table, sizeof(job.table), "%.131s", w->table);
	snprintf(job.cluster, sizeof(job.cluster), "%.63s", w->cluster);
	if (a) {
		a->target = SUP_WITNESS;
		a->job = job;
	}
	lease_sent(&s->lease, job.id, op, now);
}

void sup_witness_result(struct sup *s, const struct db_result *r, uint64_t now)
{
	struct lease_reading rd = r->lease;
	bool was_held = lease_held(&s->lease, now), was_reachable = s->lease.reachable || !s->lease.failures;

	rd.answered = r->rc == 0 && r->lease.answered;
	if (!lease_result(&s->lease, r->id, &rd, now))
		return;
	if (!rd.answered && was_reachable)
		sup_say(s, LOG_WARNING, "witness: no answer (%s)", r->error[0] ? r->error : "failed");
	else if (rd.answered && !was_reachable)
		sup_say(s, LOG_INFO, "witness answers again");
	bool held = lease_held(&s->lease, now);
	if (held && !was_held)
		sup_say(s, LOG_NOTICE, "witness lease acquired: term %lld", (long long)s->lease.term);
	else if (!held && was_held && rd.answered && !r->lease.granted)
		sup_say(s, LOG_WARNING, "witness lease lost: %s holds it, term %lld",
			s->lease.holder[0] ? s->lease.holder : "nobody", (long long)s->lease.term);
}

/* A master holding the lease whose backup's server is down: nobody else can write, so commits need
 * not wait rpl_semi_sync_master_timeout for an ack that cannot come. On again through the same
 * rule as after a takeover (rule_semisync_back: the peer replicates from us again).
 * Only with a renewal granted after the backup was last seen: a master cut off from both keeps a
 * lease for a while without reaching the witness, and must not acknowledge writes alone then (its
 * commits wait for the ack until it steps down, which kills them unacknowledged). */
static void semisync_off_with_lease(struct sup *s, uint64_t now)
{
	const struct sup_server *p = &s->srv[SUP_PEER];
	const struct db_state *l = &s->srv[SUP_LOCAL].state;

	if (!s->conf.takeover.manage_semisync || s->fsm.state != VRRP_STATE_MASTER || fo_active(&s->fo) ||
	    s->semisync_turned_off || p->hc.up || l->semisync.master_enabled != 1 || !lease_held(&s->lease, now) ||
	    !s->peer_down_us || s->lease.renewed_us <= s->peer_down_us)
		return;
	struct db_job job = { .type = DB_JOB_SEMISYNC, .on = false, .timeout_ms = s->conf.takeover.fence_timeout_ms };
	sup_submit(s, SUP_LOCAL, job);
	s->semisync_turned_off = true;
	s->semisync_off_us = now;
	sup_say(s, LOG_INFO, "semi-sync master side off: the backup's server is down and we hold the witness's "
		"lease, so no other node can write (back on once it replicates from us)");
}

void sup_witness_step(struct sup *s, uint64_t now)
{
	char why[192];

	if (!s->conf.witness.enabled || !s->started)
		return;
	if (s->lease.job_id && now >= s->lease.sent_us + stuck_us(s)) {
		sup_cancel(s, SUP_WITNESS);
		if (s->lease.reachable)
			sup_say(s, LOG_WARNING, "witness: no answer within %llu ms",
				(unsigned long long)(stuck_us(s) / 1000));
		lease_lost(&s->lease, now);
	}
	if (fo_wants_quorum(&s->fo) && lease_held(&s->lease, now)) {
		sup_say(s, LOG_INFO, "takeover: witness lease granted (term %lld): majority", (long long)s->lease.term);
		sup_exec_fo(s, fo_quorum(&s->fo, s->lease.term, now), now);
	}
	if (!s->no_quorum && rule_no_quorum(s, now, why, sizeof(why))) {
		s->no_quorum = true;
		s->no_quorum_us = now;
		sup_say(s, LOG_ERR, "%s: stepping down before the lease can end on the witness", why);
		sup_alert(s, "%s", why);
		sup_evaluate(s, now);
	} else if (s->no_quorum && s->fsm.state != VRRP_STATE_MASTER && !fo_active(&s->fo) &&
		   ((s->lease.reachable && s->lease.read_us > s->no_quorum_us) ||
		    (now < rule_peer_backup_seen_until(s) && s->srv[SUP_PEER].ok_sent_us > s->no_quorum_us))) {
		/* Stepped down; the witness or the peer answered since: an ordinary backup again. Only
		 * an answer from after the fault counts: the last one before it is what went missing. */
		s->no_quorum = false;
		s->alert[0] = '\0';
		sup_say(s, LOG_INFO, "majority possible again (%s)", s->lease.reachable ? "witness answers" : "peer seen");
		sup_evaluate(s, now);
	}
	/* The backup's server just went down: renew now, so a grant proves we still reach the witness
	 * without the peer (semisync_off_with_lease) one round trip later, not a renewal period. */
	if (!s->srv[SUP_PEER].hc.up && !s->peer_down_us) {
		s->peer_down_us = now;
		if (lease_held(&s->lease, now))
			lease_hurry(&s->lease);
	} else if (s->srv[SUP_PEER].hc.up) {
		s->peer_down_us = 0;
	}
	semisync_off_with_lease(s, now);
	enum lease_op op = lease_due(&s->lease, want(s), now);
	if (op != LEASE_OP_NONE)
		submit(s, op, now);
}

uint64_t sup_witness_deadline(const struct sup *s, uint64_t now)
{
	if (!s->conf.witness.enabled || !s->started)
		return 0;
	uint64_t d = lease_next_us(&s->lease, want(s), now);
	/* A master's other votes run out: rule_no_quorum looks again then. */
	if (s->fsm.state == VRRP_STATE_MASTER) {
		uint64_t seen = rule_peer_backup_seen_until(s);
		d = sup_earliest(d, seen > now ? seen : 0);
		d = sup_earliest(d, s->majority_until_us > now ? s->majority_until_us : 0);
	}
	if (s->lease.job_id)
		d = sup_earliest(d, s->lease.sent_us + stuck_us(s));
	return d;
}
