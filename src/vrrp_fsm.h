/* The RFC 5798 state machine, as a pure function: (state, event, now) -> (state, actions, deadline). */
#ifndef DM_VRRP_FSM_H
#define DM_VRRP_FSM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipaddr.h"

/* INIT, BACKUP and MASTER are RFC 5798's. TAKEOVER is our addition: the node has won the election
 * but runs the failover sequence (fence, catch up, read_only OFF) before it claims the VIP and
 * sends adverts as master. FAULT: not eligible (health); it listens but never takes over. */
enum vrrp_state {
	VRRP_STATE_INIT = 0,
	VRRP_STATE_BACKUP,
	VRRP_STATE_TAKEOVER,
	VRRP_STATE_MASTER,
	VRRP_STATE_FAULT,
	VRRP_STATE_MAX
};

enum vrrp_event_type {
	VRRP_EV_STARTUP,        /* leave INIT: BACKUP when eligible, FAULT otherwise; never MASTER */
	VRRP_EV_ADVERT,         /* a valid advert from the peer */
	VRRP_EV_TIMER,          /* now >= the deadline last returned */
	VRRP_EV_PRIORITY,       /* the health policy changed priority or eligibility */
	VRRP_EV_TAKEOVER_DONE,  /* the failover sequence finished: ok or not */
	VRRP_EV_RELINQUISH,     /* switchover/maintenance/isolation: stop being master, resign */
	VRRP_EV_SHUTDOWN,       /* SIGTERM */
	VRRP_EV_MAX
};

struct vrrp_event {
	enum vrrp_event_type type;
	/* VRRP_EV_ADVERT */
	uint8_t adv_priority;
	struct in6_addr adv_src;   /* ipaddr.h: IPv4 mapped */
	uint16_t adv_interval_cs;
	/* Set by the supervisor when two masters meet (heal.c: takeover term, else GTIDs): +1 we keep
	 * the role, -1 the other master does and we yield, 0 no verdict (RFC rule). Decides
	 * when both are master. Also, -1 stops BACKUP/TAKEOVER from preempting that master (its
	 * advert is accepted as if of higher priority), so a node that yielded does not take the
	 * role back Master_Down_Interval later. A +1 that overrides the RFC rule keeps the role
	 * without answering at once: two masters both answering each other's adverts would storm. */
	int8_t data_verdict;
	/* Preemption is not allowed now (a hold-down after a move): lower-priority adverts are accepted
	 * as if Preempt_Mode were false. */
	bool no_preempt;
	/* VRRP_EV_PRIORITY */
	uint8_t priority;
	bool eligible;
	/* VRRP_EV_TAKEOVER_DONE */
	bool ok;
};

/* Actions for the shell to perform, in this order when several are set. */
enum vrrp_action {
	VRRP_ACT_NONE = 0,
	VRRP_ACT_STEP_DOWN = 1 << 0,     /* VIP off, read_only ON, kill clients (failover.c) */
	VRRP_ACT_ABORT_TAKEOVER = 1 << 1,/* cancel the running failover sequence and undo it */
	VRRP_ACT_SEND_PRIO0 = 1 << 2,    /* one advert with priority 0 */
	VRRP_ACT_START_TAKEOVER = 1 << 3,/* begin the failover sequence; report with TAKEOVER_DONE */
	VRRP_ACT_SEND_ADVERT = 1 << 4,   /* one advert with our priority */
	VRRP_ACT_CLAIM = 1 << 5,         /* add VIPs, gratuitous ARPs (after the advert above) */
};

struct vrrp_fsm_conf {
	uint8_t version;          /* 2 or 3 */
	uint16_t adver_int_cs;    /* our configured advert interval */
	bool preempt;
	uint32_t preempt_delay_ms;
	struct in6_addr primary;  /* our advert source (ipaddr.h), for the tie-break */
};

struct vrrp_fsm {
	struct vrrp_fsm_conf conf;
	enum vrrp_state state;
	uint8_t priority;         /* effective priority now */
	bool eligible;
	uint16_t master_adver_int_cs; /* learned from the master (v3), ours in v2 */
	uint64_t deadline_us;     /* master-down (BACKUP) or next advert (MASTER); 0 = none */
	uint64_t preempt_since_us;/* first lower-priority advert seen while waiting preempt_delay */
	bool preempt_waiting;     /* preempt_since_us is set (BACKUP only) */
	struct in6_addr master_addr; /* last master heard (ipaddr.h), all zero = none */
};

struct vrrp_fsm_out {
	enum vrrp_state from;
	enum vrrp_state to;
	unsigned actions;         /* enum vrrp_action bits */
	uint64_t deadline_us;     /* next VRRP_EV_TIMER, 0 = none */
	const char *why;          /* static text for the log, e.g. "master down interval expired" */
	bool ignored;             /* unexpected in this state, or a stale timer: log at debug only */
};

const char *vrrp_state_name(enum vrrp_state s);
const char *vrrp_event_name(enum vrrp_event_type t);

/* RFC 5798 6.1 timers in microseconds for a given local priority (v2: RFC 3768 6.1).
 * version 2: skew = (256 - priority) / 256 s, master_adver_int_cs must be the whole-second
 * interval in centiseconds; any other version: skew = (256 - priority) * interval / 256.
 * Scaled to microseconds before dividing: exact to the microsecond (truncated below it).
 * No range checks: priority 0 gives a skew of one full interval. */
/* Names for logs ("INIT", "ADVERT", ...); "?" for a value out of range. Static strings. */
uint64_t vrrp_skew_us(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs);
uint64_t vrrp_master_down_us(uint8_t version, uint8_t priority, uint16_t master_adver_int_cs);

/* Sets *f to INIT with a copy of *c, no deadline, no master known. Does not validate c (conf_check
 * does: version 2 or 3, interval 1..4095 cs, whole seconds for v2). */
void vrrp_fsm_init(struct vrrp_fsm *f, const struct vrrp_fsm_conf *c, uint8_t priority, bool eligible);
/* Reload: the preemption settings that may change at run time, at a defined point. */
void vrrp_fsm_set_preempt(struct vrrp_fsm *f, bool preempt, uint32_t preempt_delay_ms);
/* Applies one event at time now_us (absolute, monotonic microseconds) and returns what happened;
 * never performs I/O, reads no clock, keeps no pointer to ev. The caller executes out.actions in
 * bit order, logs "event E in state S -> T: why" and arms its timer at out.deadline_us (0 = none)
 * after every call, ignored or not. A TIMER event before the deadline (a stale timer) is ignored,
 * so the caller need not cancel timers precisely. Events not expected in a state (STARTUP outside
 * INIT, TAKEOVER_DONE outside TAKEOVER, ...) change nothing and set out.ignored. Does not check
 * the advert itself (VRID, version, v2 interval match: the codec and the shell do), nor drop
 * adverts sourced from our own address except in MASTER, where it ignores them. */
struct vrrp_fsm_out vrrp_fsm_step(struct vrrp_fsm *f, const struct vrrp_event *ev, uint64_t now_us);

#endif
