/* Invariants every VRRP FSM step keeps whatever the input, shared by the FSM unit tests. */
#ifndef DM_TEST_FSM_INVARIANTS_H
#define DM_TEST_FSM_INVARIANTS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vrrp_fsm.h"

static bool is_set(unsigned actions, unsigned bit)
{
	return (actions & bit) != 0;
}

/* Returns NULL, or what is wrong with this step. */
static const char *violation(const struct vrrp_fsm *before, const struct vrrp_fsm *after,
			     const struct vrrp_event *ev, uint64_t now, const struct vrrp_fsm_out *o)
{
	enum vrrp_state from = o->from, to = o->to;
	unsigned a = o->actions;

	if (from != before->state || to != after->state)
		return "out.from/out.to disagree with the state before/after";
	if (o->deadline_us != after->deadline_us)
		return "out.deadline_us differs from the stored deadline";
	if (o->why == NULL || o->why[0] == '\0')
		return "no why";
	if (o->ignored)
		return a == 0 && to == from && memcmp(before, after, sizeof(*after)) == 0 ?
			       NULL : "an ignored event changed something";
	if ((to == VRRP_STATE_INIT || to == VRRP_STATE_FAULT) && o->deadline_us)
		return "INIT and FAULT have no timer";
	/* TAKEOVER advertises at our interval while the failover sequence runs. */
	if ((to == VRRP_STATE_BACKUP || to == VRRP_STATE_TAKEOVER || to == VRRP_STATE_MASTER) && o->deadline_us == 0)
		return "BACKUP, TAKEOVER and MASTER always have a timer";
	if (to != from && (to == VRRP_STATE_BACKUP || to == VRRP_STATE_TAKEOVER || to == VRRP_STATE_MASTER) &&
	    o->deadline_us <= now)
		return "entered BACKUP or MASTER with a deadline in the past";
	if (is_set(a, VRRP_ACT_START_TAKEOVER) != (from == VRRP_STATE_BACKUP && to == VRRP_STATE_TAKEOVER))
		return "START_TAKEOVER iff BACKUP -> TAKEOVER";
	if (is_set(a, VRRP_ACT_CLAIM) != (from == VRRP_STATE_TAKEOVER && to == VRRP_STATE_MASTER))
		return "CLAIM iff TAKEOVER -> MASTER";
	if (is_set(a, VRRP_ACT_STEP_DOWN) != (from == VRRP_STATE_MASTER && to != VRRP_STATE_MASTER))
		return "STEP_DOWN iff leaving MASTER";
	if (is_set(a, VRRP_ACT_SEND_PRIO0) && !is_set(a, VRRP_ACT_STEP_DOWN))
		return "SEND_PRIO0 only when stepping down";
	if (is_set(a, VRRP_ACT_ABORT_TAKEOVER) != (from == VRRP_STATE_TAKEOVER && to != VRRP_STATE_TAKEOVER &&
						  ev->type != VRRP_EV_TAKEOVER_DONE))
		return "ABORT_TAKEOVER iff TAKEOVER is left by anything but TAKEOVER_DONE";
	if (is_set(a, VRRP_ACT_SEND_ADVERT) && to != VRRP_STATE_MASTER && to != VRRP_STATE_TAKEOVER)
		return "SEND_ADVERT only as MASTER or while taking over";
	if (to == VRRP_STATE_MASTER && from != VRRP_STATE_MASTER &&
	    !(from == VRRP_STATE_TAKEOVER && ev->type == VRRP_EV_TAKEOVER_DONE && ev->ok))
		return "MASTER only from TAKEOVER with TAKEOVER_DONE ok";
	if (to == VRRP_STATE_TAKEOVER && from != VRRP_STATE_TAKEOVER &&
	    !(from == VRRP_STATE_BACKUP && ev->type == VRRP_EV_TIMER))
		return "TAKEOVER only from BACKUP on its timer";
	if ((ev->type == VRRP_EV_SHUTDOWN && to != VRRP_STATE_INIT) ||
	    (to == VRRP_STATE_INIT && from != VRRP_STATE_INIT && ev->type != VRRP_EV_SHUTDOWN))
		return "SHUTDOWN always leads to INIT, and only SHUTDOWN does";
	if (from == VRRP_STATE_INIT && to != VRRP_STATE_INIT && ev->type != VRRP_EV_STARTUP)
		return "only STARTUP leaves INIT";
	if (to == VRRP_STATE_FAULT && from != VRRP_STATE_FAULT && after->eligible)
		return "FAULT entered while eligible";
	return NULL;
}

#endif
