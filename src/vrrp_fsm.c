/* The VRRP state machine (RFC 5798 section 6, RFC 3768 for v2) plus TAKEOVER and FAULT, as a pure table. */
#include "vrrp_fsm.h"

#include <arpa/inet.h>
#include <stddef.h>

#define US_PER_CS 10000ULL
#define US_PER_S 1000000ULL

static const char *const state_names[VRRP_STATE_MAX] = {
	[VRRP_STATE_INIT] = "INIT",
	[VRRP_STATE_BACKUP] = "BACKUP",
	[VRRP_STATE_TAKEOVER] = "TAKEOVER",
	[VRRP_STATE_MASTER] = "MASTER",
	[VRRP_STATE_FAULT] = "FAULT",
};

static const char *const event_names[VRRP_EV_MAX] = {
	[VRRP_EV_STARTUP] = "STARTUP",
	[VRRP_EV_ADVERT] = "ADVERT",
	[VRRP_EV_TIMER] = "TIMER",
	[VRRP_EV_PRIORITY] = "PRIORITY",
	[VRRP_EV_TAKEOVER_DONE] = "TAKEOVER_DONE",
	[VRRP_EV_RELINQUISH] = "RELINQUISH",
	[VRRP_EV_SHUTDOWN] = "SHUTDOWN",
};

const char *vrrp_state_name(enum vrrp_state s)
{
	return (unsigned)s < VRRP_STATE_MAX ? state_names[s] : "?";
}

const char *vrrp_event_name(enum vrrp_event_type t)
{
	return (unsigned)t < VRRP_EV_MAX ? event_names[t] : "?";
}

uint64_t vrrp_skew_us(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs)
{
	uint64_t weight = 256 - (uint64_t)priority;

	/* RFC 3768 6.1: "Skew_Time: Time to skew Master_Down_Interval in seconds. Calculated as:
	 * ( (256 - Priority) / 256 )": the advert interval does not enter it. */
	if (version == 2)
		return weight * US_PER_S / 256;
	/* RFC 5798 6.1: "Skew_Time: Time to skew Master_Down_Interval in centiseconds. Calculated as:
	 * (((256 - priority) * Master_Adver_Interval) / 256)". Divide last, in microseconds. */
	return weight * master_adver_int_cs * US_PER_CS / 256;
}

uint64_t vrrp_master_down_us(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs)
{
	/* RFC 5798 6.1: "Master_Down_Interval: (3 * Master_Adver_Interval) + Skew_time"; RFC 3768
	 * 6.1 the same with Advertisement_Interval, which v2 backups never learn. */
	return 3 * master_adver_int_cs * US_PER_CS + vrrp_skew_us(version, priority, master_adver_int_cs);
}

void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_conf *c, uint8_t priority, bool eligible)
{
	*f = (struct vrrp_fsm){
		.conf = *c,
		.state = VRRP_STATE_INIT,
		.priority = priority,
		.eligible = eligible,
		.master_adver_int_cs = c->adver_int_cs,
	};
}

void vrrp_fsm_set_preempt(struct vrrp_fsm *f, bool preempt, uint32_t preempt_delay_ms)
{
	f->conf.preempt = preempt;
	f->conf.preempt_delay_ms = preempt_delay_ms;
}

/* ---- helpers shared by the handlers ---- */

static uint64_t down_deadline(const struct vrrp_fsm *f, uint64_t now)
{
	return now + vrrp_master_down_us(f->conf.version, f->priority, f->master_adver_int_cs);
}

/* A master always uses its own configured interval (RFC 5798 6.4.3: "Reset the Adver_Timer to
 * Advertisement_Interval"). */
static uint64_t advert_deadline(const struct vrrp_fsm *f, uint64_t now)
{
	return now + (uint64_t)f->conf.adver_int_cs * US_PER_CS;
}

static bool timer_due(const struct vrrp_fsm *f, uint64_t now)
{
	return f->deadline_us != 0 && now >= f->deadline_us;
}

static void go(struct vrrp_fsm_out *o, enum vrrp_state to, unsigned actions, const char *why)
{
	o->to = to;
	o->actions = actions;
	o->why = why;
}

static void ignore(struct vrrp_fsm_out *o, const char *why)
{
	o->ignored = true;
	o->why = why;
}

/* Returns true when the priority changed. */
static bool store_priority(struct vrrp_fsm *f, const struct vrrp_event *ev)
{
	bool changed = f->priority != ev->priority;

	f->priority = ev->priority;
	f->eligible = ev->eligible;
	return changed;
}

/* RFC 5798 6.4.2: "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater
 * than or equal to the local Priority" the advert is accepted. There is no address tie-break in
 * Backup (only in Master, 6.4.3). A -1 data verdict counts as outranking us: preempting a master
 * that the heal verdict gave the role (it took over last) would strand its clients' writes. */
static bool backup_accepts(const struct vrrp_fsm *f, const struct vrrp_event *ev)
{
	return !f->conf.preempt || ev->no_preempt || ev->adv_priority >= f->priority || ev->data_verdict < 0;
}

/* RFC 5798 6.4.3: the sender outranks us with a higher priority, or an equal one and "the primary
 * IPvX Address of the sender is greater than the local primary IPvX Address", compared (RFC 9568
 * 6.4.3) "as an unsigned integer in network byte order". */
static bool peer_outranks(const struct vrrp_fsm *f, const struct vrrp_event *ev)
{
	if (ev->adv_priority != f->priority)
		return ev->adv_priority > f->priority;
	return memcmp(&ev->adv_src, &f->conf.primary, sizeof(ev->adv_src)) > 0;
}

/* The one place an accepted advert updates us (BACKUP accept, TAKEOVER abort, MASTER yield).
 * RFC 5798 6.4.2: "Set Master_Adver_Interval to Adver Interval contained in the ADVERTISEMENT,
 * Recompute the Master_Down_Interval, Reset the Master_Down_Timer to Master_Down_Interval".
 * v2 keeps its own: RFC 3768 7.1 discards an advert whose interval differs before it gets here.
 * A zero interval would leave a down timer of pure skew: keep the last one instead. */
static void follow_master(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now)
{
	if (f->conf.version != 2 && ev->adv_interval_cs != 0)
		f->master_adver_int_cs = ev->adv_interval_cs;
	f->deadline_us = down_deadline(f, now);
	f->master_addr = ev->adv_src;
}

/* A priority-0 advert says its sender stops being master. */
static void note_resign(struct vrrp_fsm *f, const struct vrrp_event *ev)
{
	if (ipaddr_eq(&f->master_addr, &ev->adv_src))
		f->master_addr = (struct in6_addr){ 0 };
}

/* ---- handlers: one per non-empty (state, event) cell of fsm_tbl below ---- */

typedef void fsm_fn(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o);

static void init_start(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	f->master_adver_int_cs = f->conf.adver_int_cs;
	if (!f->eligible) {
		f->deadline_us = 0;
		go(o, VRRP_STATE_FAULT, 0, "not eligible at startup");
		return;
	}
	/* RFC 5798 6.4.1 sends an owner (255) straight to Master; we never do: a peer may be master
	 * with writes we lack, so every node listens for a full Master_Down_Interval first. */
	f->deadline_us = down_deadline(f, now);
	go(o, VRRP_STATE_BACKUP, 0, "started: listening for a master for Master_Down_Interval");
}

static void init_prio(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)now;
	store_priority(f, ev);
	go(o, VRRP_STATE_INIT, 0, "health stored for startup");
}

static void to_init(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	(void)now;
	f->deadline_us = 0;
	go(o, VRRP_STATE_INIT, 0, "shutdown");
}

static void not_master(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)f;
	(void)ev;
	(void)now;
	go(o, o->from, 0, "not master: nothing to relinquish");
}

static void bk_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	if (ev->adv_priority == 0) {
		/* Only the master we follow can resign: a priority 0 from anyone else (a forged advert,
		 * a router that never was master) would otherwise start a takeover after Skew_Time. */
		if (ipaddr_is_none(&f->master_addr) || !ipaddr_eq(&f->master_addr, &ev->adv_src)) {
			go(o, VRRP_STATE_BACKUP, 0, "priority 0 from a router that is not our master: ignored");
			return;
		}
		/* RFC 5798 6.4.2: "If the Priority in the ADVERTISEMENT is zero, then: Set the
		 * Master_Down_Timer to Skew_Time". */
		note_resign(f, ev);
		f->preempt_waiting = false;
		f->deadline_us = now + vrrp_skew_us(f->conf.version, f->priority, f->master_adver_int_cs);
		go(o, VRRP_STATE_BACKUP, 0, "master resigned (priority 0): taking over after Skew_Time");
		return;
	}
	if (backup_accepts(f, ev)) {
		f->preempt_waiting = false;
		follow_master(f, ev, now);
		go(o, VRRP_STATE_BACKUP, 0, "advert accepted: master down timer reset");
		return;
	}
	/* keepalived's preempt_delay: lower-priority adverts still count until the delay, started by
	 * the first of them, has passed; then they are discarded and the down timer runs out. */
	if (f->conf.preempt_delay_ms > 0) {
		if (!f->preempt_waiting) {
			f->preempt_waiting = true;
			f->preempt_since_us = now;
		}
		if (now - f->preempt_since_us < (uint64_t)f->conf.preempt_delay_ms * 1000) {
			follow_master(f, ev, now);
			go(o, VRRP_STATE_BACKUP, 0, "lower-priority advert accepted during preempt delay");
			return;
		}
	}
	/* RFC 5798 6.4.2: "Otherwise, discard the ADVERTISEMENT", so the down timer fires: preemption. */
	go(o, VRRP_STATE_BACKUP, 0, "lower-priority advert discarded: preempting");
}

static void bk_timer(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	if (!timer_due(f, now)) {
		ignore(o, "stale timer: master down deadline not reached");
		return;
	}
	/* RFC 5798 6.4.2 "If the Master_Down_Timer fires" the router becomes Master; we first run the
	 * failover sequence, and claim only once it reports success. Meanwhile we advertise at our
	 * interval, so a peer that is BACKUP keeps its own down timer reset and does not start a
	 * takeover of its own (fencing us) while ours takes longer than its Master_Down_Interval. */
	f->deadline_us = advert_deadline(f, now);
	go(o, VRRP_STATE_TAKEOVER, VRRP_ACT_START_TAKEOVER | VRRP_ACT_SEND_ADVERT,
	   "master down timer expired: taking over");
}

static void tk_timer(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	if (!timer_due(f, now)) {
		ignore(o, "stale timer: advert deadline not reached");
		return;
	}
	f->deadline_us = advert_deadline(f, now);
	go(o, VRRP_STATE_TAKEOVER, VRRP_ACT_SEND_ADVERT, "advert timer during takeover");
}

static void bk_prio(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)now;
	store_priority(f, ev);
	if (!f->eligible) {
		f->deadline_us = 0;
		go(o, VRRP_STATE_FAULT, 0, "no longer eligible");
		return;
	}
	go(o, VRRP_STATE_BACKUP, 0, "health update: still eligible");
}

static void tk_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	if (ev->adv_priority == 0) {
		go(o, VRRP_STATE_TAKEOVER, 0, "priority 0 advert during takeover: carrying on");
		return;
	}
	/* As BACKUP would (backup_accepts), except that an equal priority is settled by address:
	 * both nodes may be taking over at once, each advertising, and with equal timers both
	 * yielding would only make them meet again one Master_Down_Interval later. */
	bool yield = backup_accepts(f, ev) &&
		     (ev->adv_priority != f->priority || ev->data_verdict < 0 || peer_outranks(f, ev));
	if (!yield) {
		go(o, VRRP_STATE_TAKEOVER, 0, "lower-priority advert during takeover: carrying on");
		return;
	}
	follow_master(f, ev, now);
	go(o, VRRP_STATE_BACKUP, VRRP_ACT_ABORT_TAKEOVER,
	   "a master we accept is advertising: takeover aborted");
}

static void tk_done(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	if (!ev->ok) {
		f->deadline_us = down_deadline(f, now);
		go(o, VRRP_STATE_BACKUP, 0, "takeover failed: backup, retrying after Master_Down_Interval");
		return;
	}
	f->master_adver_int_cs = f->conf.adver_int_cs;
	f->deadline_us = advert_deadline(f, now);
	/* RFC 5798 6.4.2 on becoming Master: "Send an ADVERTISEMENT", then the gratuitous ARPs. */
	go(o, VRRP_STATE_MASTER, VRRP_ACT_SEND_ADVERT | VRRP_ACT_CLAIM, "takeover done: master");
}

static void tk_prio(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)now;
	store_priority(f, ev);
	if (!f->eligible) {
		f->deadline_us = 0;
		go(o, VRRP_STATE_FAULT, VRRP_ACT_ABORT_TAKEOVER, "no longer eligible: takeover aborted");
		return;
	}
	go(o, VRRP_STATE_TAKEOVER, 0, "health update: still eligible");
}

static void tk_relinq(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	f->deadline_us = down_deadline(f, now);
	go(o, VRRP_STATE_BACKUP, VRRP_ACT_ABORT_TAKEOVER, "relinquished: takeover aborted");
}

static void tk_shut(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	(void)now;
	f->deadline_us = 0;
	go(o, VRRP_STATE_INIT, VRRP_ACT_ABORT_TAKEOVER, "shutdown: takeover aborted");
}

static void ms_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	bool outranked = peer_outranks(f, ev);

	if (ipaddr_eq(&ev->adv_src, &f->conf.primary)) {
		ignore(o, "advert from our own address: looped back");
		return;
	}
	if (ev->adv_priority == 0) {
		/* RFC 5798 6.4.3: "If the Priority in the ADVERTISEMENT is zero, then: Send an
		 * ADVERTISEMENT, Reset the Adver_Timer to Advertisement_Interval". */
		note_resign(f, ev);
		f->deadline_us = advert_deadline(f, now);
		go(o, VRRP_STATE_MASTER, VRRP_ACT_SEND_ADVERT, "priority 0 advert: asserting at once");
		return;
	}
	if (ev->data_verdict < 0) {
		follow_master(f, ev, now);
		go(o, VRRP_STATE_BACKUP, VRRP_ACT_STEP_DOWN, "the heal verdict gives the other master the role: yielding");
		return;
	}
	if (ev->data_verdict > 0 && outranked) {
		/* No immediate answer: the other side, winning by RFC rule, answers each of our adverts
		 * at once; answering those at once too would make the two ping-pong without pause. */
		go(o, VRRP_STATE_MASTER, 0,
		   "other master outranks us, the heal verdict is ours: keeping the role");
		return;
	}
	if (outranked) {
		/* RFC 5798 6.4.3: "Cancel Adver_Timer, Set Master_Adver_Interval to Adver Interval
		 * contained in the ADVERTISEMENT, ... Transition to the {Backup} state". */
		follow_master(f, ev, now);
		go(o, VRRP_STATE_BACKUP, VRRP_ACT_STEP_DOWN,
		   ev->adv_priority > f->priority ? "higher-priority master: stepping down"
		   : "equal-priority master with a higher address: stepping down");
		return;
	}
	/* RFC 9568 6.4.3: the lower-ranked advert is discarded and an advert sent at once to assert
	 * the role; the Adver_Timer restarts from it as for a priority-0 advert. */
	f->deadline_us = advert_deadline(f, now);
	go(o, VRRP_STATE_MASTER, VRRP_ACT_SEND_ADVERT,
	   ev->data_verdict > 0 ? "the heal verdict is ours: asserting at once"
				: "lower-ranked master: asserting at once");
}

static void ms_timer(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	uint64_t next;

	(void)ev;
	if (!timer_due(f, now)) {
		ignore(o, "stale timer: advert deadline not reached");
		return;
	}
	/* Keep the cadence from the previous deadline so wakeup latency does not add up, but never
	 * catch up with a burst after a stall. */
	next = f->deadline_us + (uint64_t)f->conf.adver_int_cs * US_PER_CS;
	f->deadline_us = next > now ? next : advert_deadline(f, now);
	go(o, VRRP_STATE_MASTER, VRRP_ACT_SEND_ADVERT, "advert timer");
}

static void ms_prio(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	bool changed = store_priority(f, ev);

	if (!f->eligible) {
		/* As keepalived's MASTER -> FAULT: the priority-0 advert lets the peer take over after
		 * Skew_Time rather than Master_Down_Interval. */
		f->deadline_us = 0;
		go(o, VRRP_STATE_FAULT, VRRP_ACT_STEP_DOWN | VRRP_ACT_SEND_PRIO0,
		   "no longer eligible: stepping down");
		return;
	}
	if (changed) {
		/* The backup learns it an interval sooner: if it now outranks us, it discards our
		 * adverts from this one on and preempts when its down timer runs out. */
		f->deadline_us = advert_deadline(f, now);
		go(o, VRRP_STATE_MASTER, VRRP_ACT_SEND_ADVERT, "priority changed: advertising it at once");
		return;
	}
	go(o, VRRP_STATE_MASTER, 0, "health update: no change");
}

static void ms_relinq(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	f->deadline_us = down_deadline(f, now);
	go(o, VRRP_STATE_BACKUP, VRRP_ACT_STEP_DOWN | VRRP_ACT_SEND_PRIO0, "relinquished: stepping down");
}

static void ms_shut(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)ev;
	(void)now;
	f->deadline_us = 0;
	/* RFC 5798 6.4.3: "If a Shutdown event is received, then: ... Send an ADVERTISEMENT with
	 * Priority = 0". */
	go(o, VRRP_STATE_INIT, VRRP_ACT_STEP_DOWN | VRRP_ACT_SEND_PRIO0, "shutdown: stepping down");
}

static void ft_advert(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	(void)now;
	if (ev->adv_priority == 0)
		note_resign(f, ev);
	else
		f->master_addr = ev->adv_src;
	go(o, VRRP_STATE_FAULT, 0, "not eligible: advert noted, no takeover");
}

static void ft_prio(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now, struct vrrp_fsm_out *o)
{
	store_priority(f, ev);
	if (!f->eligible) {
		go(o, VRRP_STATE_FAULT, 0, "health update: still not eligible");
		return;
	}
	f->deadline_us = down_deadline(f, now);
	go(o, VRRP_STATE_BACKUP, 0, "eligible again: listening for a master");
}

/*
 * Transitions:
 *
 *                   +---- advert accepted, RELINQUISH, DONE failed ----+
 *                   v                                                  |
 *   INIT -STARTUP-> BACKUP ---TIMER (master down)---------------> TAKEOVER ---DONE ok---> MASTER
 *    |              ^  ^                                                                    |
 *    |              |  +----------- outranked, verdict -1, RELINQUISH ----------------------+
 *    | STARTUP,     | PRIORITY,
 *    | ineligible   | eligible
 *    v              |
 *   FAULT <---------+------------ PRIORITY ineligible (from BACKUP, TAKEOVER and MASTER)
 *
 *   SHUTDOWN: every state -> INIT.
 *
 * An empty cell is an event that means nothing in that state: ignored, logged at debug.
 */
_Static_assert(VRRP_EV_STARTUP == 0 && VRRP_EV_ADVERT == 1 && VRRP_EV_TIMER == 2 && VRRP_EV_PRIORITY == 3 &&
		       VRRP_EV_TAKEOVER_DONE == 4 && VRRP_EV_RELINQUISH == 5 && VRRP_EV_SHUTDOWN == 6 &&
		       VRRP_EV_MAX == 7,
	       "fsm_tbl columns follow enum vrrp_event_type");

/* Handler prefixes: bk_ BACKUP, tk_ TAKEOVER, ms_ MASTER, ft_ FAULT. */
static fsm_fn *const fsm_tbl[VRRP_STATE_MAX][VRRP_EV_MAX] = {
	/*                        STARTUP     ADVERT     TIMER     PRIORITY   DONE     RELINQUISH  SHUTDOWN */
	[VRRP_STATE_INIT] =     { init_start, NULL,      NULL,     init_prio, NULL,    NULL,       to_init },
	[VRRP_STATE_BACKUP] =   { NULL,       bk_advert, bk_timer, bk_prio,   NULL,    not_master, to_init },
	[VRRP_STATE_TAKEOVER] = { NULL,       tk_advert, tk_timer, tk_prio,   tk_done, tk_relinq,  tk_shut },
	[VRRP_STATE_MASTER] =   { NULL,       ms_advert, ms_timer, ms_prio,   NULL,    ms_relinq,  ms_shut },
	[VRRP_STATE_FAULT] =    { NULL,       ft_advert, NULL,     ft_prio,   NULL,    not_master, to_init },
};

struct vrrp_fsm_out vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now_us)
{
	struct vrrp_fsm_out o = { .from = f->state, .to = f->state, .deadline_us = f->deadline_us };
	fsm_fn *fn = NULL;

	if ((unsigned)f->state < VRRP_STATE_MAX && (unsigned)ev->type < VRRP_EV_MAX)
		fn = fsm_tbl[f->state][ev->type];
	if (fn == NULL) {
		ignore(&o, "unexpected in this state: ignored");
		return o;
	}
	fn(f, ev, now_us, &o);
	if (o.ignored)
		return o;
	/* The preempt delay counts lower-priority adverts of one stay in BACKUP only. */
	if (o.from != VRRP_STATE_BACKUP || o.to != VRRP_STATE_BACKUP)
		f->preempt_waiting = false;
	f->state = o.to;
	o.deadline_us = f->deadline_us;
	return o;
}
