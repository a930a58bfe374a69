/* The supervisor's rules between the state machines, each a pure predicate named for its decision. */
#include "sup_rules.h"

#include "gtid.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

uint64_t rule_master_down_us(const struct sup *s)
{
	return vrrp_master_down_us(s->fsm.conf.version, s->fsm.priority, s->fsm.master_adver_int_cs);
}

bool rule_peer_refusing(const struct sup *s)
{
	const struct db_state *p = &s->srv[SUP_PEER].state;

	return !p->reachable && p->err != DB_ERR_NONE && db_err_server_answered(p->err);
}

bool rule_local_dead(const struct sup *s)
{
	const struct sup_server *l = &s->srv[SUP_LOCAL];

	return !l->hc.up && !l->state.reachable && l->state.err == DB_ERR_REFUSED;
}

/* The fence waits fence_answer_ms for any answer from the old master's server before taking it for
 * cut off. That wait counts from the server's last sign of life, not from the takeover's start: the
 * probes that went unanswered during Master_Down_Interval have waited already, and waiting again only
 * delays the takeover (a link cut cost Master_Down_Interval + the whole window).
 * Timing assumptions, all on our own clock: ok_sent_us is when the last answered probe was sent, so
 * the server answered then at the latest; the next probe was due one health interval later, and from
 * then on nothing answered: every sample since (if one completed) got no answer at all (a timeout or
 * an unreachable host; an error or a refusal is an answer, and keeps the whole window). Probing never
 * pauses, so that interval is silence, not absence of questions.
 * FENCE_ANSWER_FLOOR_MS always stays, so a link that came back just now still gets the fence
 * answered: the decision is the same ("answered or not"), only sooner. */

/* Rejoin (MaxScale's auto_rejoin, for the IO thread only): after a failover the returning old master
 * truncates what it had binlogged unacknowledged and fetches it back; a replica thread that asked for
 * a GTID in between stops with 1236 and stays stopped, and one that gave up on a connection error
 * likewise. Restarting it is safe: it applies nothing by itself, and a GTID that really is missing
 * stops it again. Only when the thread stopped on an error (an operator's STOP SLAVE leaves no
 * error), the other server is up, no sequence runs and maintenance is off; at most
 * REJOIN_MAX_ATTEMPTS per stop, 1 s, 2 s, 4 s ... 30 s apart. A stopped SQL thread is never touched:
 * restarting or skipping it would hide an error in the data. */
static bool rejoin_error(int e)
{
	switch (e) {
	case 1236: /* ER_MASTER_FATAL_ERROR_READING_BINLOG: a GTID or position the master lacks */
	case 1158: case 1159: case 1160: case 1161: /* ER_NET_*: a read or write error */
	case 2003: case 2005: case 2006: case 2013: /* Connector errors: cannot connect, host, gone, lost */
		return true;
	default:
		return false;
	}
}

bool rule_rejoin(const struct sup *s, uint64_t now, char *why, size_t len)
{
	const struct sup_server *l = &s->srv[SUP_LOCAL], *p = &s->srv[SUP_PEER];
	const struct repl_status *r = &l->state.repl;

	if (!s->conf.takeover.rejoin || s->maintenance || fo_active(&s->fo) || !l->hc.up || !l->state.reachable ||
	    !p->hc.up || !p->state.reachable || r->io != REPL_IO_NO || !rejoin_error(r->last_io_errno) ||
	    s->rejoin_attempts >= REJOIN_MAX_ATTEMPTS || now < s->rejoin_next_us)
		return false;
	snprintf(why, len, "error %d: %s", r->last_io_errno, r->last_io_error);
	return true;
}

int rule_fence_answer_ms(const struct sup *s, uint64_t now)
{
	const struct sup_server *p = &s->srv[SUP_PEER];
	int full = s->conf.takeover.fence_answer_ms;
	uint64_t due = p->ok_sent_us + (uint64_t)s->conf.health.interval_ms * 1000;
	bool no_answer_since = p->sample_sent_us == p->ok_sent_us ||
			       (!p->state.reachable &&
				(p->state.err == DB_ERR_UNREACHABLE || p->state.err == DB_ERR_TIMEOUT));

	if (!p->ok_sent_us || !no_answer_since || now <= due || full <= FENCE_ANSWER_FLOOR_MS)
		return full;
	uint64_t waited_ms = (now - due) / 1000;
	return waited_ms >= (uint64_t)(full - FENCE_ANSWER_FLOOR_MS) ? FENCE_ANSWER_FLOOR_MS : full - (int)waited_ms;
}

struct fo_input rule_fo_input(const struct sup *s, enum fo_kind kind, bool adverts_lost, uint64_t now)
{
	const struct conf_takeover *t = &s->conf.takeover;
	const struct sup_server *p = &s->srv[SUP_PEER];
	const struct db_state *l = &s->srv[SUP_LOCAL].state;
	struct fo_input in = {
		.fence_peer = t->fence_peer,
		.promote_stale = t->promote_stale,
		.manage_semisync = t->manage_semisync,
		.kill_clients = t->kill_clients_on_stepdown,
		.fence_timeout_ms = t->fence_timeout_ms,
		.fence_answer_ms = kind == FO_KIND_TAKEOVER ? rule_fence_answer_ms(s, now) : t->fence_answer_ms,
		.catchup_timeout_ms = t->catchup_timeout_ms,
		.peer_up = p->hc.up,
		.peer_refusing = kind == FO_KIND_TAKEOVER && rule_peer_refusing(s),
		.peer_writable = p->state.reachable && p->state.read_only == 0,
		.adverts_lost = adverts_lost,
		.local_semisync_master = l->semisync.master_enabled == 1,
		.need_quorum = s->conf.witness.enabled,
		.peer_resigned = s->peer_resigned,
		/* The old holder's lease runs out within lease_ms of its last renewal; twice that
		 * covers our retries and a witness that answers slowly. */
		.quorum_timeout_ms = 2 * s->conf.witness.lease_ms,
	};
	/* Cut off, its clients cannot reach it, and a commit waiting for the peer's semi-sync ack holds
	 * read_only until its session is killed: kill first, so the step-down lands at once. */
	char fault[160];
	in.kill_first = kind == FO_KIND_STEPDOWN && (s->isolated || rule_node_fault(s, fault, sizeof(fault)));
	/* A switchover is started by the operator on a healthy pair: the peer is up by its checks. */
	if (kind == FO_KIND_SWITCHOVER)
		in.peer_up = true;
	/* The term a takeover writes: above both servers' known terms (failover-safety "Heal by term"). */
	int64_t top = l->term.known ? l->term.term : 0;
	if (p->state.term.known && p->state.term.term > top)
		top = p->state.term.term;
	in.term = top + 1;
	snprintf(in.holder, sizeof(in.holder), "%.63s", s->conf.node_name);
	return in;
}

bool rule_node_fault(const struct sup *s, char *buf, size_t len)
{
	const char *ifname = s->conf.vrrp.interface;

	if (s->link_known && !s->link_up) {
		snprintf(buf, len, "interface %s down or without carrier", ifname);
		return true;
	}
	if (s->link_known && !s->link_addr) {
		char a[IPADDR_STRLEN];
		snprintf(buf, len, "interface %s lost address %s", ifname, ipaddr_str(&s->primary, a));
		return true;
	}
	if (s->send_isolated) {
		snprintf(buf, len, "isolated: adverts cannot be sent on %s (%s)", ifname, strerror(s->send_errno));
		return true;
	}
	if (s->no_quorum) {
		snprintf(buf, len, "no majority: neither the witness's lease nor the peer (1 of 3)");
		return true;
	}
	return false;
}

bool rule_send_error_isolates(int send_rc)
{
	switch (-send_rc) {
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EADDRNOTAVAIL:
	case ENODEV:
	case ENXIO:
		return true;
	default:
		return false;
	}
}

bool rule_preempt_allowed(const struct sup *s, uint64_t now_us)
{
	uint64_t hold_us = (uint64_t)s->conf.takeover.holddown_ms * 1000;

	if (!s->conf.vrrp.preempt || now_us < s->holddown_until_us)
		return false;
	/* failover-safety "Own link first": back from a cut, listen; do not take the role back. */
	return s->link_back_us == 0 || now_us - s->link_back_us >= hold_us;
}

/* A takeover with a witness writes only with a majority: the old master fenced or resigned, or
 * the lease (sup_witness.c). A backup whose master is silent, whose peer server does not answer
 * (no fence) and did not resign, and whose witness says another node holds the lease, would wait
 * in QUORUM and fail, and try again every Master_Down_Interval for as long as the old master
 * renews (a partition that leaves it with the witness): each attempt a TAKEOVER -> BACKUP round,
 * two hooks and an error. So after one such failure in this silence (the first try stays: a lease
 * that is not renewed any more runs out while its QUORUM step waits, and the steps before it run
 * meanwhile), we wait for the lease's end instead: that changes no decision, and starts the
 * takeover the moment one can succeed (a renewal read meanwhile moves the end). */
uint64_t rule_lease_wait_until(const struct sup *s, uint64_t now_us)
{
	const struct lease *l = &s->lease;

	if (!s->conf.witness.enabled || s->fsm.state != VRRP_STATE_BACKUP || s->srv[SUP_PEER].hc.up ||
	    s->peer_resigned || s->no_quorum_silence_us != s->master_heard_us || !s->master_heard_us ||
	    !l->known || !l->reachable || !l->holder[0] || !strcmp(l->holder, l->me))
		return 0;
	int64_t left = lease_remaining_us(l, now_us);
	return left > 0 ? now_us + (uint64_t)left : 0;
}

uint64_t rule_fsm_timer_gate(const struct sup *s, uint64_t now_us)
{
	/* Frozen or in maintenance a backup never takes over; a master keeps advertising. */
	if ((s->maintenance || s->frozen) && s->fsm.state != VRRP_STATE_MASTER)
		return UINT64_MAX;
	/* After our switchover the peer's takeover (fence, catch-up, semi-sync, read_only OFF, each
	 * bounded) can outlast our Master_Down_Interval: a takeover of ours then would fence the new
	 * master just as it write-enables. Its first advert ends the wait. */
	if (s->fsm.state == VRRP_STATE_BACKUP && now_us < s->handover_until_us)
		return s->handover_until_us;
	if (s->fsm.state == VRRP_STATE_BACKUP && now_us < s->fsm_recheck_us)
		return s->fsm_recheck_us;
	return rule_lease_wait_until(s, now_us);
}

bool rule_keep_vip_for_peer(const struct sup *s)
{
	return s->fo.kind == FO_KIND_STEPDOWN && !s->shutting_down && s->vip_held && rule_local_dead(s) &&
	       s->srv[SUP_PEER].hc.up;
}

uint64_t rule_keep_vip_bound_us(const struct sup *s)
{
	return 3ull * (uint64_t)s->conf.vrrp.advert_interval_ms * 1000 +
	       (uint64_t)s->conf.takeover.fence_answer_ms * 1000;
}

bool rule_enforce_readonly(const struct sup *s)
{
	const struct sup_server *l = &s->srv[SUP_LOCAL];
	enum vrrp_state st = s->fsm.state;

	/* Not the master's (failover-safety 1), not during a sequence (it owns read_only), not in
	 * maintenance (the operator has the node), not before we know the server. */
	if (st == VRRP_STATE_MASTER || st == VRRP_STATE_TAKEOVER || st == VRRP_STATE_INIT || fo_active(&s->fo) ||
	    s->maintenance || s->shutting_down || !s->first_round_done)
		return false;
	/* The last probe's answer is the evidence; waiting for `rise` would only prolong it. */
	return l->state.reachable && l->state.read_only == 0 && l->cmd_pending == 0;
}

bool rule_semisync_back(const struct sup *s)
{
	const struct sup_server *p = &s->srv[SUP_PEER];

	if (!s->semisync_turned_off || s->fsm.state != VRRP_STATE_MASTER || fo_active(&s->fo))
		return false;
	/* Evidence from after the takeover only: the picture from before it says "Yes" about a
	 * connection that may be gone, and turning semi-sync on towards a dead peer stalls every
	 * commit for rpl_semi_sync_master_timeout. The peer's replica side must be semi-sync too. */
	return p->hc.up && p->ok_sent_us > s->semisync_off_us && p->state.repl.io == REPL_IO_YES &&
	       p->state.semisync.slave_status != 0 && rule_peer_receives(s);
}

/* The peer's replica has received everything we had logged one probe round ago. A connection that
 * survived a partition says "Yes" while TCP retransmits after a backoff of seconds: semi-sync
 * turned on then stalls every commit until it delivers (seen: 5.8 s after a 20 s partition). A
 * live replica receives within milliseconds, so one round is ample. MariaDB: our own writes only
 * (the entries with our server_id), compared with its Gtid_IO_Pos in the same domain; the
 * replica's own transactions coming back are not counted there. MySQL: not checked (we do not
 * read our server_uuid), as before. */
bool rule_peer_receives(const struct sup *s)
{
	const struct db_state *l = &s->srv[SUP_LOCAL].state, *p = &s->srv[SUP_PEER].state;
	struct gtid_mdb_pos a = { 0 }, b = { 0 };
	bool ok;

	if (l->flavor == DB_FLAVOR_MYSQL)
		return true;
	if (!s->local_pos_prev || !p->repl.gtid_io_pos)
		return false;
	ok = gtid_mdb_parse(s->local_pos_prev, &a) == 0 && gtid_mdb_parse(p->repl.gtid_io_pos, &b) == 0;
	for (int i = 0; ok && i < a.n; i++) {
		if (a.d[i].server_id != (uint32_t)l->server_id)
			continue;
		bool got = false;
		for (int k = 0; k < b.n; k++)
			got |= b.d[k].domain == a.d[i].domain && b.d[k].seq >= a.d[i].seq;
		ok = got;
	}
	gtid_mdb_free(&a);
	gtid_mdb_free(&b);
	return ok;
}

uint64_t rule_heal_bound_us(const struct sup *s)
{
	return 2000ull * (uint64_t)(s->conf.health.timeout_ms + s->conf.health.interval_ms);
}

uint64_t rule_peer_backup_seen_until(const struct sup *s)
{
	const struct sup_server *p = &s->srv[SUP_PEER];

	if (!p->ok_sent_us || !p->state.reachable || p->state.read_only != 1)
		return 0;
	return p->ok_sent_us + 2ull * (uint64_t)s->conf.vrrp.advert_interval_ms * 1000;
}

bool rule_no_quorum(const struct sup *s, uint64_t now_us, char *why, size_t len)
{
	/* A running sequence settles the majority itself (a takeover's QUORUM step). */
	if (!s->conf.witness.enabled || s->fsm.state != VRRP_STATE_MASTER || s->maintenance || fo_active(&s->fo))
		return false;
	if (lease_held(&s->lease, now_us) || now_us < rule_peer_backup_seen_until(s) || now_us < s->majority_until_us)
		return false;
	snprintf(why, len, "no majority: the witness's lease is not ours (%s) and the peer is not seen as a backup",
		 s->lease.reachable ? "not renewed" : "witness not answering");
	return true;
}
