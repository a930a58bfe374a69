/* What the supervisor tells operators: the status picture, and whether a switchover may start. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "sup_int.h"
#include "sup_rules.h"

void sup_status(const struct sup *s, uint64_t now, struct dm_status *st)
{
	const struct db_state *l = &s->srv[SUP_LOCAL].state, *p = &s->srv[SUP_PEER].state;

	snprintf(st->node_name, sizeof(st->node_name), "%s", s->conf.node_name);
	snprintf(st->peer_name, sizeof(st->peer_name), "%s",
		 s->conf.peer.host[0] ? s->conf.peer.host : s->conf.peer.socket);
	st->state = vrrp_state_name(s->fsm.state);
	st->in_state_ms = (now - s->state_since_us) / 1000;
	st->base_priority = s->conf.vrrp.priority;
	st->priority = s->verdict.priority;
	st->eligible = s->verdict.eligible;
	snprintf(st->reason, sizeof(st->reason), "%s", s->verdict.reason);
	st->maintenance = s->maintenance;
	st->frozen = s->frozen;
	snprintf(st->alert, sizeof(st->alert), "%s", s->alert);
	if (fo_active(&s->fo))
		snprintf(st->takeover_step, sizeof(st->takeover_step), "%s: %s", fo_kind_name(s->fo.kind),
			 fo_step_name(s->fo.step));
	else
		st->takeover_step[0] = '\0';
	st->vrrp_version = s->conf.vrrp.version;
	st->vrid = s->conf.vrrp.vrid;
	char a[IPADDR_STRLEN];
	if (s->fsm.state == VRRP_STATE_MASTER)
		snprintf(st->master_addr, sizeof(st->master_addr), "%s", ipaddr_str(&s->primary, a));
	else if (!ipaddr_is_none(&s->fsm.master_addr))
		snprintf(st->master_addr, sizeof(st->master_addr), "%s", ipaddr_str(&s->fsm.master_addr, a));
	else
		st->master_addr[0] = '\0';
	st->n_vips = s->conf.vrrp.n_vips;
	memcpy(st->vips, s->conf.vrrp.vips, sizeof(st->vips));
	st->vip_held = s->vip_held || s->vip_hold;
	st->read.n_vips = s->conf.vrrp.n_read_vips;
	memcpy(st->read.vips, s->conf.vrrp.read_vips, sizeof(st->read.vips));
	st->read.held = s->read.held;
	st->read.moves = s->read.moves;
	snprintf(st->read.why, sizeof(st->read.why), "%s", s->read.decided ? s->read.why : "not decided yet");
	st->local = *l;
	st->local_c = s->srv[SUP_LOCAL].hc;
	st->peer = *p;
	st->peer_c = s->srv[SUP_PEER].hc;
	st->isolated = s->isolated;
	st->transitions_total = s->hist.total;
	memcpy(st->transitions_by, s->transitions_by, sizeof(st->transitions_by));
	st->fo_stats = s->fo_stats;
	st->last_takeover = s->last_takeover;
	st->n_transitions = s->hist.n;
	memcpy(st->transitions, s->hist.t, sizeof(st->transitions));
	st->divergence = s->divergence;
	st->divergence_only_local = s->heal.report.made ? s->heal.report.only_local : 0;
	st->divergence_only_peer = s->heal.report.made ? s->heal.report.only_peer : 0;
	st->local_term = l->term.known ? l->term.term : -1;
	st->peer_term = p->term.known ? p->term.term : -1;
	const struct db_term *top = l->term.known && (!p->term.known || l->term.term >= p->term.term) ? &l->term
				    : p->term.known ? &p->term : NULL;
	snprintf(st->term_holder, sizeof(st->term_holder), "%s", top ? top->holder : "");
	st->peer_refusing = rule_peer_refusing(s);
	st->vip_restored = s->vip_restored;
	struct status_witness *w = &st->witness;
	const struct lease *ls = &s->lease;
	w->configured = s->conf.witness.enabled;
	if (!w->configured)
		return;
	w->reachable = ls->reachable;
	w->held = lease_held(ls, now);
	w->no_quorum = s->no_quorum;
	w->known = ls->known;
	snprintf(w->holder, sizeof(w->holder), "%s", ls->holder);
	w->term = ls->term;
	w->expires_in_ms = lease_remaining_us(ls, now) / 1000;
	w->held_for_ms = w->held ? (int64_t)((ls->valid_until_us - now) / 1000) : 0;
	w->latency_ms = (double)ls->latency_us / 1000;
	w->jobs = ls->jobs;
	w->failures = ls->failures;
	lease_describe(ls, now, w->text, sizeof(w->text));
}

int sup_switchover_refused(const struct sup *s, char *why, size_t len)
{
	const struct db_state *p = &s->srv[SUP_PEER].state;

	if (s->fsm.state != VRRP_STATE_MASTER)
		snprintf(why, len, "this node is %s, not MASTER: run switchover on the master",
			 vrrp_state_name(s->fsm.state));
	else if (s->maintenance)
		snprintf(why, len, "maintenance is on");
	else if (fo_active(&s->fo))
		snprintf(why, len, "a %s is in progress", fo_kind_name(s->fo.kind));
	else if (!s->srv[SUP_PEER].hc.up || !p->reachable)
		snprintf(why, len, "peer server unreachable: %s", p->error);
	else if (p->repl.io != REPL_IO_YES || !p->repl.sql_running)
		snprintf(why, len, "peer does not replicate from us (io %s, sql %s)",
			 p->repl.io == REPL_IO_YES ? "Yes" : "not running", p->repl.sql_running ? "Yes" : "No");
	else if (p->repl.lag_s < 0 || p->repl.lag_s > s->conf.health.max_lag_s)
		snprintf(why, len, "peer lag %lld s (max_lag_s %d)", (long long)p->repl.lag_s, s->conf.health.max_lag_s);
	else
		return 0;
	return -1;
}
