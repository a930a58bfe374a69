/* The supervisor's side of a heal: two masters meeting, decided by heal.c, said and acted on here. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "sup_int.h"
#include "sup_rules.h"

void sup_heal_end(struct sup *s)
{
	s->heal.since_us = 0;
	s->heal.decided = false;
	s->heal.gave_up = false;
}

/* The report of a decided meeting, for status ("" parts when unknown). */
static void keep_report(struct sup *s)
{
	const struct heal_report *r = &s->heal.report;
	const char *l = r->only_local_set ? r->only_local_set : "", *p = r->only_peer_set ? r->only_peer_set : "";
	size_t len = strlen(l) + strlen(p) + strlen(r->why) + 200;
	char *text = malloc(len);

	if (!text)
		return;
	snprintf(text, len, "%s; only on %s: %s; only on the peer: %s", r->why, s->conf.node_name,
		 r->only_local > 0 ? l : r->only_local < 0 ? "unknown" : "none",
		 r->only_peer > 0 ? p : r->only_peer < 0 ? "unknown" : "none");
	free(s->divergence);
	s->divergence = text;
}

static void act_on_verdict(struct sup *s, enum heal_verdict v, uint64_t now)
{
	const struct heal_report *r = &s->heal.report;

	keep_report(s);
	sup_say(s, LOG_WARNING, "two masters met: %s: %s", v == HEAL_KEEP ? "keeping the role"
							    : v == HEAL_YIELD ? "yielding" : "VRRP priority decides",
		s->divergence ? s->divergence : r->why);
	if (v == HEAL_KEEP && s->vip_held)
		sup_emit(s, SUP_ACT_GARP); /* clients that followed the other master come back at once */
	if (v == HEAL_YIELD) /* and do not take the role back by preemption right after */
		s->holddown_until_us = now + (uint64_t)s->conf.takeover.holddown_ms * 1000;
	if (r->freeze && !s->frozen) {
		s->frozen = true;
		sup_say(s, LOG_ERR, "both sides hold writes the other lacks, and the side stepping down may "
			"have acknowledged them: automatic moves frozen; reconcile by hand, then "
			"dualmasterctl maintenance off (%s)", s->divergence ? s->divergence : r->why);
		snprintf(s->alert, sizeof(s->alert), "diverged both ways: moves frozen");
	}
}

static enum heal_verdict decide(struct sup *s, uint64_t now)
{
	struct heal *h = &s->heal;

	if (h->decided)
		return h->verdict;
	struct heal_input in = {
		.me = s->conf.node_name,
		.local = &s->srv[SUP_LOCAL].state,
		.peer = &s->srv[SUP_PEER].state,
		.local_fresh = s->srv[SUP_LOCAL].ok_sent_us >= h->since_us,
		.peer_fresh = s->srv[SUP_PEER].ok_sent_us >= h->since_us,
		.since_us = h->since_us,
		.now_us = now,
		.bound_us = rule_heal_bound_us(s),
	};
	enum heal_verdict v = heal_decide(&in, &h->report);
	if (v == HEAL_WAIT)
		return v;
	h->decided = true;
	h->decided_us = now;
	h->verdict = v;
	act_on_verdict(s, v, now);
	return v;
}

bool sup_heal_advert(struct sup *s, const struct sup_event *ev, struct vrrp_event *e, uint64_t now)
{
	struct heal *h = &s->heal;

	if (s->fsm.state != VRRP_STATE_MASTER) {
		sup_heal_end(s);
		return true;
	}
	if (ev->adv_priority == 0)
		return true;
	h->last_advert_us = now;
	if (h->since_us == 0) {
		h->since_us = now;
		h->decided = false;
		char a[IPADDR_STRLEN];
		sup_say(s, LOG_WARNING, "another master advertises (%s, priority %d): reading both servers' "
			"takeover terms", ipaddr_str(&ev->adv_src, a), ev->adv_priority);
		/* The peer's probe may sit in a connect that started during the partition: ask its idle
		 * command worker, whose fresh connect crosses the healed link at once. */
		if (s->srv[SUP_PEER].cmd_pending == 0) {
			struct db_job job = { .type = DB_JOB_PROBE, .timeout_ms = s->conf.health.timeout_ms };
			h->probe_sent_us = now;
			sup_submit(s, SUP_PEER, job);
		}
	}
	enum heal_verdict v = decide(s, now);
	if (v == HEAL_WAIT)
		return s->frozen; /* frozen, the master makes no move anyway */
	/* A verdict the other master does not follow (it would have yielded by now) is not held on
	 * to: two masters must not both keep the role, so the RFC rule settles it. */
	if (v == HEAL_KEEP && now - h->decided_us > rule_heal_bound_us(s)) {
		if (!h->gave_up)
			sup_say(s, LOG_WARNING, "the other master keeps advertising although this node took over "
				"last: VRRP priority decides");
		h->gave_up = true;
		v = HEAL_RFC;
	}
	e->data_verdict = v == HEAL_KEEP ? 1 : v == HEAL_YIELD ? -1 : 0;
	return true;
}

void sup_heal_after_sample(struct sup *s, uint64_t now)
{
	struct heal *h = &s->heal;
	uint64_t quiet_us = 3ull * s->fsm.conf.adver_int_cs * 10000;

	if (h->since_us == 0)
		return;
	if (s->fsm.state != VRRP_STATE_MASTER) {
		sup_heal_end(s);
		return;
	}
	/* While the other master still advertises, its next advert decides. Once it went quiet (it
	 * yielded), the report it would have made is made now, and the VIP announced again. */
	if (now - h->last_advert_us < quiet_us)
		return;
	bool was_decided = h->decided;
	if (decide(s, now) == HEAL_WAIT)
		return;
	if (was_decided && s->vip_held)
		sup_emit(s, SUP_ACT_GARP);
	sup_heal_end(s);
}
