/* The fence sent ahead of a takeover (pure; see supervisor.h).
 *
 * When the master's adverts have stopped and its server has stopped answering our probes too (a cut
 * link, a dead host), the takeover at Master_Down_Interval fences that server and waits
 * FENCE_ANSWER_FLOOR_MS for any answer before taking it for cut off: the floor is what lets a link
 * that came back just then still get the fence answered. That wait need not come after the down
 * timer: the fence goes out FENCE_ANSWER_FLOOR_MS before it, and the takeover adopts the job, so by
 * the time the timer fires the answer, or its absence, is known.
 *
 * Sent only when the takeover would follow (BACKUP, a master heard and silent, fence_peer, nothing
 * holding the timer, the peer's server silent for two probe intervals: with VRRP blocked and the
 * server answering, no fence goes ahead of the timer). Its cost: a master whose link comes back in
 * those last FENCE_ANSWER_FLOOR_MS, whose adverts then arrive in time, has been fenced; its daemon
 * finds its server read-only, steps down, and we take over after its priority 0. Without the fence
 * ahead it would have been fenced at the timer a moment later all the same, unless its adverts made
 * it. One fence per silence: an advert heard calls off one still on its way and starts a new
 * silence. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "sup_int.h"
#include "sup_rules.h"

/* The episode a fence belongs to: the master's last advert before the silence. */
static bool same_silence(const struct sup *s)
{
	return s->prefence.episode_us == s->master_heard_us;
}

/* A fence of this silence is out or back: no second one. */
static bool pending(const struct sup *s)
{
	return (s->prefence.job_id || s->prefence.done) && same_silence(s);
}

/* Sent for the down timer that is firing now, not for one that was held off since (FAULT,
 * maintenance, a held takeover): what an older fence found out no longer describes the peer. */
static bool prefence_fresh(const struct sup *s, uint64_t now)
{
	return now <= s->prefence.sent_us + 2 * FENCE_ANSWER_FLOOR_MS * 1000ull;
}

bool rule_prefence_due(const struct sup *s, uint64_t now)
{
	const struct sup_server *p = &s->srv[SUP_PEER];
	uint64_t interval_us = (uint64_t)s->conf.health.interval_ms * 1000;

	if (s->fsm.state != VRRP_STATE_BACKUP || !s->fsm.eligible || !s->fsm.deadline_us ||
	    ipaddr_is_none(&s->fsm.master_addr) || !s->conf.takeover.fence_peer || fo_active(&s->fo) ||
	    s->shutting_down || rule_fsm_timer_gate(s, now) != 0)
		return false;
	if (now + FENCE_ANSWER_FLOOR_MS * 1000ull < s->fsm.deadline_us)
		return false;
	if (pending(s))
		return false;
	/* Silent: nothing answered since the probe sent at ok_sent_us, two intervals ago or more (an
	 * error is an answer: the server lives). */
	bool silent = p->sample_sent_us == p->ok_sent_us ||
		      (!p->state.reachable && (p->state.err == DB_ERR_UNREACHABLE || p->state.err == DB_ERR_TIMEOUT));
	if (!p->ok_sent_us || !silent || now < p->ok_sent_us + 2 * interval_us || p->cmd_pending > 0)
		return false;
	struct fo_input in = rule_fo_input(s, FO_KIND_TAKEOVER, true, now);
	char why[8];
	return in.peer_up && !in.peer_refusing && !fo_takeover_refused(&in, why, sizeof(why));
}

void sup_prefence_step(struct sup *s, uint64_t now)
{
	/* An advert heard since: that fence belonged to a silence that ended. One still on its way
	 * would only fence a master that is back: called off (it may have landed already). The same
	 * when we left BACKUP or stop: no takeover of ours will follow it. */
	bool over = !same_silence(s) || s->fsm.state != VRRP_STATE_BACKUP || s->shutting_down;
	if (s->prefence.done && (over || !prefence_fresh(s, now)))
		s->prefence.done = false;
	if (s->prefence.job_id && over) {
		sup_cancel(s, SUP_PEER);
		s->prefence.job_id = 0;
		sup_say(s, LOG_INFO, "%s: fence sent ahead called off",
			s->shutting_down ? "stopping" : same_silence(s) ? "no takeover follows" : "the master advertises again");
	}
	if (!rule_prefence_due(s, now))
		return;
	struct db_job job = { .type = DB_JOB_FENCE, .timeout_ms = s->conf.takeover.fence_timeout_ms };
	s->prefence.answer_ms = rule_fence_answer_ms(s, now);
	s->prefence.sent_us = now;
	s->prefence.episode_us = s->master_heard_us;
	s->prefence.done = false;
	s->prefence.job_id = sup_submit(s, SUP_PEER, job);
	sup_say(s, LOG_INFO, "master silent and its server not answering: fencing it %llu ms before the down timer",
		(unsigned long long)((s->fsm.deadline_us - now) / 1000));
}

bool sup_prefence_result(struct sup *s, const struct db_result *r, uint64_t now)
{
	(void)now;
	if (!s->prefence.job_id || r->id != s->prefence.job_id)
		return false;
	s->prefence.job_id = 0;
	if (r->rc == -ECANCELED)
		return true;
	s->prefence.done = true;
	s->prefence.res = *r;
	/* The snapshot's strings are the worker's and freed after this event; the step reads rc and
	 * the error only. */
	memset(&s->prefence.res.state, 0, sizeof(s->prefence.res.state));
	/* Answered: the link is back. The takeover (if the timer still fires) goes on from here; if
	 * the master's adverts come back first, it has been fenced and steps down by itself. */
	if (r->rc == 0 && same_silence(s))
		sup_say(s, LOG_WARNING, "the silent master's server answered the fence: it is read-only now");
	return true;
}

void sup_prefence_take(struct sup *s, struct fo_input *in, uint64_t now)
{
	bool ours = same_silence(s) && in->fence_peer && in->peer_up && prefence_fresh(s, now);

	if (s->prefence.job_id && ours) {
		in->prefence_job_id = s->prefence.job_id;
		in->prefence_sent_us = s->prefence.sent_us;
		in->prefence_answer_ms = s->prefence.answer_ms;
		s->prefence.job_id = 0; /* the sequence owns it now */
	} else if (s->prefence.job_id) {
		/* The peer is known down by now (the sequence fences nothing), or the fence is older
		 * than this timer (the sequence sends its own). */
		sup_cancel(s, SUP_PEER);
		s->prefence.job_id = 0;
	} else if (s->prefence.done && ours) {
		in->prefence_done = true;
		in->prefence_res = s->prefence.res;
	}
	s->prefence.done = false;
}

uint64_t sup_prefence_deadline(const struct sup *s, uint64_t now)
{
	uint64_t lead = FENCE_ANSWER_FLOOR_MS * 1000ull;

	if (s->fsm.state != VRRP_STATE_BACKUP || !s->conf.takeover.fence_peer || s->fsm.deadline_us < lead ||
	    pending(s))
		return 0;
	/* Once that moment has passed, every event looks again (sup_prefence_step). */
	return s->fsm.deadline_us - lead > now ? s->fsm.deadline_us - lead : 0;
}
