/* One dualmaster node: the wiring between the pure core (FSM, policy, failover) and the I/O modules.
 * Everything here runs on the one sd-event loop; `now` is read once per callback with node_now(). */
#include "node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_load.h"
#include "ctl_server.h"
#include "garp.h"
#include "gtid.h"
#include "hooks.h"
#include "log.h"
#include "notify.h"
#include "status_format.h"
#include "tiebreaker.h"
#include "vip_netlink.h"
#include "vrrp_sock.h"



uint64_t node_now(const struct node *n)
{
	uint64_t now = 0;
	sd_event_now(n->ev, CLOCK_MONOTONIC, &now);
	return now;
}

void node_arm(sd_event_source *s, uint64_t at_us)
{
	if (at_us == 0) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(s, at_us);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

const char *node_srv_name(int which)
{
	return which == NODE_LOCAL ? "local" : "peer";
}

/* --- command jobs: one in flight per worker, one queued behind it --- */

uint64_t node_submit_cmd(struct node *n, int which, struct db_job job)
{
	struct node_server *s = &n->srv[which];

	if (job.id == 0)
		job.id = n->next_job_id++;
	if (which == NODE_LOCAL && (job.type == DB_JOB_SET_WRITABLE || job.type == DB_JOB_SET_READONLY))
		n->local_epoch++;
	if (db_worker_submit(s->w[NODE_CMD], &job) == -EBUSY) {
		/* The previous job was cancelled but has not come back yet; the newer job wins. */
		s->cmd_queued = true;
		s->queued = job;
	}
	log_debug(LOG_CAT_MYSQL, "%s: %s job %llu", node_srv_name(which), db_job_name(job.type),
		  (unsigned long long)job.id);
	return job.id;
}

/* --- VIP and advert execution --- */

static int claim_vips(struct node *n)
{
	int rc = vip_nl_add_all(n->vip, n->conf.vrrp.vips, n->conf.vrrp.n_vips);
	if (rc < 0) {
		errno = -rc;
		log_warn("adding VIPs on %s failed", n->conf.vrrp.interface);
		return rc;
	}
	n->vip_held = true;
	for (int i = 0; i < n->conf.vrrp.garp_repeat; i++)
		if (garp_send(n->garp, n->conf.vrrp.vips, n->conf.vrrp.n_vips) < 0 && i == 0)
			log_warnx("gratuitous ARP failed on %s", n->conf.vrrp.interface);
	if (n->conf.vrrp.garp_refresh_ms > 0)
		node_arm(n->garp_timer, node_now(n) + (uint64_t)n->conf.vrrp.garp_refresh_ms * 1000);
	return 0;
}

int node_drop_vips(struct node *n)
{
	int rc = vip_nl_del_all(n->vip, n->conf.vrrp.vips, n->conf.vrrp.n_vips);
	if (rc < 0) {
		errno = -rc;
		log_warn("removing VIPs from %s failed", n->conf.vrrp.interface);
	}
	n->vip_held = false;
	sd_event_source_set_enabled(n->garp_timer, SD_EVENT_OFF);
	return rc;
}

static void send_advert(struct node *n, uint8_t prio)
{
	int rc = vrrp_sock_send(n->vs, prio);
	if (rc < 0)
		log_debug(LOG_CAT_PKT, "advert send failed: %s", strerror(-rc));
}

static const char *hook_for(const struct node *n, enum vrrp_state s)
{
	switch (s) {
	case VRRP_STATE_MASTER: return n->conf.hooks.on_master;
	case VRRP_STATE_BACKUP: return n->conf.hooks.on_backup;
	case VRRP_STATE_FAULT: return n->conf.hooks.on_fault;
	default: return "";
	}
}

static void record_transition(struct node *n, enum vrrp_state from, enum vrrp_state to, const char *why)
{
	struct dm_status *st = &n->status;
	char vips[CONF_MAX_VIPS * 20] = "";

	log_info("%s -> %s: %s", vrrp_state_name(from), vrrp_state_name(to), why);
	if (st->n_transitions == STATUS_TRANSITIONS) {
		memmove(&st->transitions[0], &st->transitions[1], sizeof(st->transitions[0]) * (STATUS_TRANSITIONS - 1));
		st->n_transitions--;
	}
	struct status_transition *t = &st->transitions[st->n_transitions++];
	t->when_s = (int64_t)time(NULL);
	snprintf(t->from, sizeof(t->from), "%s", vrrp_state_name(from));
	snprintf(t->to, sizeof(t->to), "%s", vrrp_state_name(to));
	snprintf(t->reason, sizeof(t->reason), "%s", why);
	st->transitions_total++;
	n->state_since_us = node_now(n);

	for (int i = 0; i < n->conf.vrrp.n_vips; i++) {
		size_t l = strlen(vips);
		snprintf(vips + l, sizeof(vips) - l, "%s%s/%d", i ? " " : "", inet_ntoa(n->conf.vrrp.vips[i].addr),
			 n->conf.vrrp.vips[i].prefixlen);
	}
	const char *hook = hook_for(n, to);
	if (hook[0] && hooks_run(n->hooks, hook, n->conf.hooks.timeout_ms, n->conf.node_name, vrrp_state_name(to),
				 why, vips) < 0)
		log_warnx("hook %s could not be started", hook);
}

/* --- failover sequence execution --- */

static struct fo_input fo_input_now(struct node *n, bool adverts_lost)
{
	const struct conf_takeover *t = &n->conf.takeover;
	const struct db_state *peer = &n->srv[NODE_PEER].state;
	struct fo_input in = {
		.fence_peer = t->fence_peer,
		.promote_stale = t->promote_stale,
		.manage_semisync = t->manage_semisync,
		.kill_clients = t->kill_clients_on_stepdown,
		.fence_timeout_ms = t->fence_timeout_ms,
		.catchup_timeout_ms = t->catchup_timeout_ms,
		.peer_up = n->srv[NODE_PEER].hc.up,
		.peer_writable = peer->reachable && peer->read_only == 0,
		.adverts_lost = adverts_lost,
		.local_semisync_master = n->srv[NODE_LOCAL].state.semisync.master_enabled == 1,
	};
	return in;
}

static void start_sequence(struct node *n, enum fo_kind kind, bool adverts_lost)
{
	struct fo_input in = fo_input_now(n, adverts_lost);
	uint64_t now = node_now(n);

	log_info("%s started", fo_kind_name(kind));
	struct fo_cmd c = fo_start(&n->fo, kind, &in, n->next_job_id, now);
	n->next_job_id += 1000; /* the sequence numbers its own jobs from here */
	node_fo_exec(n, c);
}

static void fo_finished(struct node *n)
{
	struct failover *f = &n->fo;
	enum fo_kind kind = f->kind;
	const char *why = f->reason[0] ? f->reason : (f->ok ? "done" : "failed");

	sd_event_source_set_enabled(n->fo_timer, SD_EVENT_OFF);
	if (f->note[0])
		log_warnx("%s: %s", fo_kind_name(kind), f->note);
	/* Failover-safety 5: after any error in a transition a node is BACKUP and read-only; a
	 * read_only ON that failed (server busy, commits stuck) is tried again from the probe loop
	 * (readonly_enforce in node_health.c). */
	if (f->ok)
		log_info("%s finished: %s", fo_kind_name(kind), why);
	else
		log_err("%s failed: %s", fo_kind_name(kind), why);

	if (kind == FO_KIND_TAKEOVER) {
		if (f->ok) {
			n->holddown_until_us = node_now(n) + (uint64_t)n->conf.takeover.holddown_ms * 1000;
			n->semisync_turned_off = f->semisync_off;
			n->semisync_off_us = node_now(n);
			if (f->semisync_off)
				log_info("semi-sync master side off: the peer cannot acknowledge (back on once it "
					 "replicates from us)");
			n->alert[0] = '\0';
		} else {
			if (strncmp(f->reason, "adverts lost", 12) == 0)
				snprintf(n->alert, sizeof(n->alert), "%.180s", f->reason);
			else if (strstr(f->reason, "could not be fenced"))
				snprintf(n->alert, sizeof(n->alert), "adverts lost while peer writable: %.150s", f->reason);
			/* Claim failures already went MASTER: resign. Earlier failures: back to BACKUP. */
			if (n->fsm.state == VRRP_STATE_MASTER) {
				struct vrrp_event ev = { .type = VRRP_EV_RELINQUISH };
				node_fsm_event(n, &ev);
			} else if (n->fsm.state == VRRP_STATE_TAKEOVER) {
				struct vrrp_event ev = { .type = VRRP_EV_TAKEOVER_DONE, .ok = false };
				node_fsm_event(n, &ev);
			}
		}
	} else if (kind == FO_KIND_SWITCHOVER) {
		if (f->ok) {
			const struct conf_takeover *t = &n->conf.takeover;
			n->holddown_until_us = node_now(n) + (uint64_t)t->holddown_ms * 1000;
			/* The peer's takeover (fence, catch-up, semi-sync, read_only OFF, each bounded)
			 * can outlast our Master_Down_Interval: a takeover of ours then would fence the
			 * new master just as it write-enables. Its first advert ends the wait. */
			uint64_t bound_ms = (uint64_t)t->catchup_timeout_ms + 3ull * t->fence_timeout_ms;
			n->handover_until_us = node_now(n) + bound_ms * 1000;
			/* The peer applied everything: resign so it takes over after Skew_Time. */
			struct vrrp_event ev = { .type = VRRP_EV_RELINQUISH };
			node_fsm_event(n, &ev);
			node_switchover_progress(n, "peer caught up; sent priority 0, peer takes over", true, true);
		} else {
			node_switchover_progress(n, why, true, false);
		}
		/* Health was not fed to the FSM during the switchover: the verdict on the server as
		 * it is now (a real fault meanwhile still steps this node down). */
		node_evaluate(n);
		if (!n->maintenance)
			node_force_priority(n);
	}
	if (n->shutting_down && !fo_active(&n->fo))
		sd_event_exit(n->ev, 0);
	node_status_publish(n);
}

/* Stepping down because our server is dead (connection refused), the VIP stays until the peer
 * claims it or a bound passes. Clients then get an immediate refusal and retry, instead of SYNs
 * lost in the gap between our drop and the peer's claim (a 1 s TCP retransmit for each of them).
 * A dead server takes no writes, so nothing is acknowledged in that time; a hung or merely
 * read-only one would hold clients or refuse their writes: those drop the VIP at once. */
static bool vip_hold_for_peer(struct node *n)
{
	const struct node_server *l = &n->srv[NODE_LOCAL];

	if (n->fo.kind != FO_KIND_STEPDOWN || n->shutting_down || !n->vip_held || l->hc.up ||
	    !strstr(l->state.error, "(111)") || !n->srv[NODE_PEER].hc.up)
		return false;
	/* The peer resigns-to-claim path: Skew_Time (< 1 advert interval) + its sequence, whose fence of
	 * our dead server fails at once; 3 intervals + fence_answer_ms is ample, and bounded. */
	uint64_t bound = node_now(n) + 3ull * n->conf.vrrp.advert_interval_ms * 1000 +
			 (uint64_t)n->conf.takeover.fence_answer_ms * 1000;
	n->vip_hold = true;
	n->vip_hold_adverts = 0;
	node_arm(n->vip_hold_timer, bound);
	log_info("local server dead: VIP kept until the peer claims it (at most %llu ms), clients get "
		 "refused rather than lost", (unsigned long long)((bound - node_now(n)) / 1000));
	return true;
}

void node_release_vip(struct node *n, const char *why)
{
	if (!n->vip_hold)
		return;
	n->vip_hold = false;
	sd_event_source_set_enabled(n->vip_hold_timer, SD_EVENT_OFF);
	log_info("VIP released: %s", why);
	node_fo_exec(n, fo_vip_result(&n->fo, node_drop_vips(n), node_now(n)));
}

int node_on_vip_hold_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)s;
	(void)usec;
	node_release_vip(ud, "bound reached");
	return 0;
}

void node_fo_exec(struct node *n, struct fo_cmd c)
{
	for (;;) {
		switch (c.type) {
		case FO_CMD_NONE:
			return;
		case FO_CMD_DB:
			if (n->switchover_client) {
				char msg[128];
				snprintf(msg, sizeof(msg), "%s", fo_step_name(n->fo.step));
				node_switchover_progress(n, msg, false, true);
			}
			node_submit_cmd(n, c.target == FO_PEER ? NODE_PEER : NODE_LOCAL, c.job);
			n->fo_deadline_us = c.deadline_us;
			if (c.job.type == DB_JOB_FENCE) {
				/* First check, soon: has the peer's server answered anything at all? */
				n->fence_answers = db_worker_answers(n->srv[NODE_PEER].w[NODE_CMD]);
				uint64_t soon = node_now(n) + (uint64_t)n->conf.takeover.fence_answer_ms * 1000;
				node_arm(n->fo_timer, soon < c.deadline_us ? soon : c.deadline_us);
			} else {
				node_arm(n->fo_timer, c.deadline_us);
			}
			node_status_publish(n);
			return;
		case FO_CMD_CLAIM: {
			if (n->fsm.state == VRRP_STATE_TAKEOVER) {
				/* The FSM's SEND_ADVERT|CLAIM actions add the VIP; see fsm_actions. */
				struct vrrp_event ev = { .type = VRRP_EV_TAKEOVER_DONE, .ok = true };
				node_fsm_event(n, &ev);
				c = fo_claim_result(&n->fo, n->vip_held ? 0 : -EIO, node_now(n));
			} else {
				/* Switchover rollback: we are still MASTER in the FSM. */
				send_advert(n, n->fsm.priority);
				c = fo_claim_result(&n->fo, claim_vips(n), node_now(n));
			}
			break;
		}
		case FO_CMD_DROP_VIP:
			if (vip_hold_for_peer(n))
				return; /* node_release_vip() goes on */
			c = fo_vip_result(&n->fo, node_drop_vips(n), node_now(n));
			break;
		case FO_CMD_FINISHED:
			fo_finished(n);
			return;
		}
	}
}

/* --- the FSM and its actions --- */

static void fsm_actions(struct node *n, const struct vrrp_fsm_out *o)
{
	if (o->actions & VRRP_ACT_ABORT_TAKEOVER) {
		if (fo_active(&n->fo) && n->fo.kind == FO_KIND_TAKEOVER) {
			db_worker_cancel(n->srv[n->fo.job_target == FO_PEER ? NODE_PEER : NODE_LOCAL].w[NODE_CMD]);
			node_fo_exec(n, fo_abort(&n->fo, o->why, node_now(n)));
		}
	}
	if (o->actions & VRRP_ACT_STEP_DOWN) {
		if (fo_active(&n->fo) && n->fo.kind == FO_KIND_TAKEOVER) {
			db_worker_cancel(n->srv[n->fo.job_target == FO_PEER ? NODE_PEER : NODE_LOCAL].w[NODE_CMD]);
			node_fo_exec(n, fo_abort(&n->fo, o->why, node_now(n)));
		}
		if (!fo_active(&n->fo))
			start_sequence(n, FO_KIND_STEPDOWN, false);
		else /* a switchover is stepping down already; the VIP goes now in any case */
			node_drop_vips(n);
	}
	if (o->actions & VRRP_ACT_SEND_PRIO0)
		send_advert(n, 0);
	if (o->actions & VRRP_ACT_START_TAKEOVER) {
		n->peer_resigned = false;
		/* A resign or a FAULT peer is not "adverts lost"; a silent master is. */
		start_sequence(n, FO_KIND_TAKEOVER, n->fsm.master_addr.s_addr != 0);
	}
	if (o->actions & VRRP_ACT_SEND_ADVERT)
		send_advert(n, n->fsm.priority);
	if (o->actions & VRRP_ACT_CLAIM)
		claim_vips(n);
}

void node_fsm_event(struct node *n, const struct vrrp_event *ev)
{
	uint64_t now = node_now(n);
	struct vrrp_fsm_out o = vrrp_fsm_step(&n->fsm, ev, now);

	if (o.from != o.to)
		record_transition(n, o.from, o.to, o.why);
	else
		log_debug(LOG_CAT_PROTO, "%s in %s: %s", vrrp_event_name(ev->type), vrrp_state_name(o.from), o.why);
	fsm_actions(n, &o);
	node_arm(n->fsm_timer, n->fsm.deadline_us);
	if (o.from != o.to)
		node_status_publish(n);
}

static void end_hold(struct node *n, const char *why)
{
	if (!n->takeover_held)
		return;
	n->takeover_held = false;
	if (strncmp(n->alert, "adverts lost", 12) == 0)
		n->alert[0] = '\0';
	log_info("%s", why);
	node_status_publish(n);
}

/* The master down timer ran out, but the peer is a live master we cannot hear (fo_takeover_refused):
 * stay BACKUP without entering TAKEOVER (no transition, hook or log per interval), say so once, and
 * look again one Master_Down_Interval later. An advert heard, or the peer's server going read-only
 * or down, ends the hold. */
static bool hold_takeover(struct node *n)
{
	uint64_t now = node_now(n);
	char why[sizeof(n->alert)];

	if (n->fsm.state != VRRP_STATE_BACKUP || n->fsm.deadline_us == 0 || now < n->fsm.deadline_us)
		return false;
	/* A master that resigned (priority 0) is stepping down: its read_only may lag by a probe, and
	 * the takeover after Skew_Time fences it anyway. */
	if (n->peer_resigned)
		return false;
	struct fo_input in = fo_input_now(n, n->fsm.master_addr.s_addr != 0);
	if (!fo_takeover_refused(&in, why, sizeof(why))) {
		end_hold(n, "the peer's server is no longer a writable master: takeover goes ahead");
		return false;
	}
	if (!n->takeover_held) {
		n->takeover_held = true;
		log_warnx("master down timer expired, not taking over: %s", why);
		snprintf(n->alert, sizeof(n->alert), "%s", why);
		node_status_publish(n);
	}
	node_arm(n->fsm_timer, now + vrrp_master_down_us(n->fsm.conf.version, n->fsm.priority,
							 n->fsm.master_adver_int_cs));
	return true;
}

int node_on_fsm_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct node *n = ud;
	struct vrrp_event ev = { .type = VRRP_EV_TIMER };
	(void)s;
	(void)usec;
	/* Frozen or in maintenance a backup never takes over; a master keeps advertising. */
	if ((n->maintenance || n->frozen) && n->fsm.state != VRRP_STATE_MASTER)
		return 0;
	if (n->fsm.state == VRRP_STATE_BACKUP && node_now(n) < n->handover_until_us) {
		node_arm(s, n->handover_until_us);
		return 0;
	}
	if (hold_takeover(n))
		return 0;
	node_fsm_event(n, &ev);
	return 0;
}

int node_on_fo_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct node *n = ud;
	(void)s;
	(void)usec;
	if (!fo_active(&n->fo) || n->fo.job_id == 0)
		return 0;
	/* A peer that answers is alive, perhaps slow (a lock wait): its fence gets the full bound. One
	 * that answered nothing (a cut link, a dead host: SYNs unanswered) is treated as unreachable
	 * now rather than after fence_timeout_ms, which is what a link cut's failover time hangs on. */
	if (n->fo.step == FO_STEP_FENCE && node_now(n) < n->fo_deadline_us &&
	    db_worker_answers(n->srv[NODE_PEER].w[NODE_CMD]) != n->fence_answers) {
		node_arm(n->fo_timer, n->fo_deadline_us);
		return 0;
	}
	log_warnx("%s: %s did not finish in time", fo_kind_name(n->fo.kind), fo_step_name(n->fo.step));
	db_worker_cancel(n->srv[n->fo.job_target == FO_PEER ? NODE_PEER : NODE_LOCAL].w[NODE_CMD]);
	node_fo_exec(n, fo_timeout(&n->fo, node_now(n)));
	return 0;
}

int node_on_garp_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct node *n = ud;
	(void)s;
	if (n->vip_held) {
		garp_send(n->garp, n->conf.vrrp.vips, n->conf.vrrp.n_vips);
		node_arm(n->garp_timer, usec + (uint64_t)n->conf.vrrp.garp_refresh_ms * 1000);
	}
	return 0;
}

/* --- VRRP receive; partition heal by data --- */

/* Both sides master: the one holding acknowledged writes the other lacks keeps the role
 * (failover-safety "Heal by data"). Also fills the divergence report. Returns false while either
 * server's latest probe failed (no fresh GTID picture: after a partition the peer's health counter
 * is still down for `rise` probes, the last probe succeeding is enough here); otherwise true with
 * *verdict +1 keep, -1 yield, 0 RFC rule. */
static bool data_verdict(struct node *n, int8_t *verdict)
{
	const struct db_state *l = &n->srv[NODE_LOCAL].state, *p = &n->srv[NODE_PEER].state;
	struct dm_status *st = &n->status;
	char only_l[512] = "", only_p[512] = "";
	int64_t nl, np;

	*verdict = 0;
	if (!l->reachable || !p->reachable)
		return false;
	if (l->flavor == DB_FLAVOR_MYSQL) {
		static struct gtid_mysql_set a, b; /* large: kept off the stack, loop is single-threaded */
		if (gtid_mysql_parse(l->gtid_executed, &a) < 0 || gtid_mysql_parse(p->gtid_executed, &b) < 0)
			return true;
		nl = gtid_mysql_only_in(&a, &b, only_l, sizeof(only_l));
		np = gtid_mysql_only_in(&b, &a, only_p, sizeof(only_p));
	} else {
		struct gtid_mdb_pos a, b;
		if (gtid_mdb_parse(l->gtid_binlog_pos, &a) < 0 || gtid_mdb_parse(p->gtid_binlog_pos, &b) < 0)
			return true;
		nl = gtid_mdb_only_in(&a, &b, only_l, sizeof(only_l));
		np = gtid_mdb_only_in(&b, &a, only_p, sizeof(only_p));
	}
	st->divergence_only_local = nl;
	st->divergence_only_peer = np;
	snprintf(st->divergence, sizeof(st->divergence), "only on %s: %s; only on peer: %s", n->conf.node_name,
		 nl > 0 ? only_l : "none", np > 0 ? only_p : "none");
	if (nl > 0 || np > 0)
		log_warnx("two masters: divergence: %s", st->divergence);
	if (nl > 0 && np > 0) {
		if (!n->frozen)
			log_err("both sides hold writes the other lacks: automatic moves frozen, reconcile by hand "
				"(%s), then dualmasterctl maintenance off", st->divergence);
		n->frozen = true;
		snprintf(n->alert, sizeof(n->alert), "diverged both ways: moves frozen");
		return true;
	}
	*verdict = nl > 0 ? 1 : np > 0 ? -1 : 0;
	return true;
}

void node_meet_report(struct node *n)
{
	uint64_t quiet_us = 3ull * n->fsm.conf.adver_int_cs * 10000;
	int8_t verdict;

	if (n->meet_since_us == 0)
		return;
	if (n->fsm.state != VRRP_STATE_MASTER) {
		n->meet_since_us = 0;
		return;
	}
	/* While the other master still advertises, its next advert decides and reports in one step
	 * (a divergence both ways freezes moves only after the RFC rule has settled that meeting). */
	if (node_now(n) - n->meet_advert_us < quiet_us)
		return;
	if (data_verdict(n, &verdict))
		n->meet_since_us = 0;
}

/* Another master advertises before a fresh probe of both servers came back (a partition has just
 * healed: the probe in flight times out, the next one answers). Deciding by priority now could
 * strand the writes of the side that yields, so the master keeps its role without answering for at
 * most two probe timeouts and intervals; then the RFC rule decides. */
static bool await_data(struct node *n)
{
	uint64_t now = node_now(n);
	uint64_t bound_us = 2000ull * (uint64_t)(n->conf.health.timeout_ms + n->conf.health.interval_ms);

	if (n->meet_since_us == 0) {
		n->meet_since_us = now;
		n->meet_gave_up = false;
		log_info("another master advertises: waiting for fresh GTID positions of both servers");
	}
	if (now - n->meet_since_us < bound_us)
		return true;
	if (!n->meet_gave_up)
		log_warnx("another master advertises and no fresh GTID positions of both servers: RFC rule "
			  "decides");
	n->meet_gave_up = true;
	return false;
}

int node_on_vrrp(sd_event_source *src, int fd, uint32_t revents, void *ud)
{
	struct node *n = ud;
	struct vrrp_adv *adv = malloc(sizeof(*adv));
	(void)src;
	(void)fd;
	(void)revents;

	if (!adv)
		return 0;
	for (int budget = 0; budget < 64; budget++) {
		int rc = vrrp_sock_recv(n->vs, adv);
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		struct vrrp_event ev = { .type = VRRP_EV_ADVERT, .adv_priority = adv->priority, .adv_src = adv->src,
					 .adv_interval_cs = adv->interval_cs };
		if (adv->priority > 0)
			n->handover_until_us = 0; /* a master speaks: the hand-over is over */
		if (n->fsm.state != VRRP_STATE_MASTER)
			n->peer_resigned = adv->priority == 0;
		bool was_frozen = n->frozen;
		/* Diverged both ways: this one meeting is settled by the RFC rule (both sides compute
		 * the same), then nothing moves until an operator reconciles. */
		if (n->fsm.state != VRRP_STATE_MASTER) {
			n->meet_since_us = 0;
		} else if (adv->priority > 0) {
			n->meet_advert_us = node_now(n);
			if (data_verdict(n, &ev.data_verdict))
				n->meet_since_us = 0;
			else if (!was_frozen && await_data(n))
				continue;
		}
		/* Anti-flapping: no preemption within the hold-down; a silent or resigning master is
		 * still taken over (failover-safety 6). */
		n->fsm.conf.preempt = n->conf.vrrp.preempt && node_now(n) >= n->holddown_until_us;
		if ((n->maintenance || was_frozen) && n->fsm.state == VRRP_STATE_MASTER)
			continue; /* frozen: a master makes no move; a backup still tracks the master */
		node_fsm_event(n, &ev);
		/* The peer advertises from the start of its takeover and claims within the sequence:
		 * its second advert comes after the claim. */
		if (adv->priority > 0 && n->vip_hold && ++n->vip_hold_adverts >= 2)
			node_release_vip(n, "the peer has taken over");
		if (adv->priority > 0 && n->fsm.state == VRRP_STATE_BACKUP)
			end_hold(n, "adverts from the master arrive again");
	}
	free(adv);
	return 0;
}

void node_on_isolation(void *ud, bool isolated)
{
	struct node *n = ud;
	n->isolated = isolated;
	if (isolated)
		log_err("isolated: no tiebreaker target answers; this node must not be master");
	else
		log_info("tiebreaker targets reachable again");
	node_evaluate(n);
	node_status_publish(n);
}
