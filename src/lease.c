/* The witness lease as seen by one node (see lease.h for the timing assumptions T1-T3). */
#include "lease.h"

#include <stdio.h>
#include <string.h>

#define MIN_RETRY_US 25000

void lease_init(struct lease *l, int lease_ms, const char *me)
{
	memset(l, 0, sizeof(*l));
	l->lease_ms = lease_ms;
	snprintf(l->me, sizeof(l->me), "%s", me);
}

uint64_t lease_margin_us(int lease_ms)
{
	/* T2 + T3: drift takes lease * LEASE_DRIFT_PPM / 1e6 of it, the rest is for stopping writes. */
	return (uint64_t)lease_ms * 1000 / 4;
}

bool lease_held(const struct lease *l, uint64_t now_us)
{
	return l->held && now_us < l->valid_until_us;
}

static uint64_t period_us(const struct lease *l, enum lease_want want)
{
	uint64_t lease_us = (uint64_t)l->lease_ms * 1000;
	uint64_t p;

	switch (want) {
	case LEASE_WANT_HOLD:
		/* A held lease is renewed four times per lease: the margin is one period, so a single
		 * lost renewal leaves it valid, and two in a row leave half a margin. An unheld one
		 * (refused: the other node holds it) is tried at the ACQUIRE rate. */
		p = l->held ? lease_us / 4 : lease_us / 16;
		break;
	case LEASE_WANT_ACQUIRE:
	case LEASE_WANT_RELEASE:
		p = lease_us / 16;
		break;
	default:
		p = lease_us / 2;
		break;
	}
	return p < MIN_RETRY_US ? MIN_RETRY_US : p;
}

static enum lease_op op_for(const struct lease *l, enum lease_want want)
{
	switch (want) {
	case LEASE_WANT_HOLD:
	case LEASE_WANT_ACQUIRE:
		return LEASE_OP_ACQUIRE;
	case LEASE_WANT_RELEASE:
		/* Only a lease we may still hold is worth releasing; after that, watch. */
		return l->held ? LEASE_OP_RELEASE : LEASE_OP_READ;
	default:
		return LEASE_OP_READ;
	}
}

void lease_hurry(struct lease *l)
{
	l->hurry = true;
}

enum lease_op lease_due(const struct lease *l, enum lease_want want, uint64_t now_us)
{
	if (l->job_id || now_us < l->next_us)
		return LEASE_OP_NONE;
	enum lease_op op = op_for(l, want);
	if (l->hurry)
		return op;
	/* Nothing sent yet, or the last job of another kind: at once (a takeover must not wait for a
	 * watch period); otherwise one period after the last one was sent. */
	if (l->jobs && l->op == op && now_us < l->sent_us + period_us(l, want))
		return LEASE_OP_NONE;
	return op;
}

uint64_t lease_next_us(const struct lease *l, enum lease_want want, uint64_t now_us)
{
	uint64_t next = 0;

	if (!l->job_id) {
		next = l->next_us > now_us ? l->next_us : now_us;
		if (!l->hurry && l->jobs && l->op == op_for(l, want) && l->sent_us + period_us(l, want) > next)
			next = l->sent_us + period_us(l, want);
	}
	if (l->held && l->valid_until_us > now_us && (!next || l->valid_until_us < next))
		next = l->valid_until_us;
	return next;
}

void lease_sent(struct lease *l, uint64_t job_id, enum lease_op op, uint64_t now_us)
{
	l->job_id = job_id;
	l->op = op;
	l->sent_us = now_us;
	l->hurry = false;
	l->jobs++;
}

bool lease_result(struct lease *l, uint64_t job_id, const struct lease_reading *r, uint64_t now_us)
{
	if (!job_id || job_id != l->job_id)
		return false;
	l->job_id = 0;
	l->reachable = r->answered;
	if (!r->answered) {
		l->failures++;
		/* No answer says nothing about the row: what we hold runs out by itself (T1). */
		l->next_us = now_us + MIN_RETRY_US;
		return true;
	}
	l->latency_us = now_us > l->sent_us ? now_us - l->sent_us : 0;
	l->known = r->row;
	snprintf(l->holder, sizeof(l->holder), "%s", r->row ? r->holder : "");
	l->term = r->row ? r->term : 0;
	l->remaining_us = r->row ? r->remaining_us : 0;
	l->read_us = now_us;
	switch (l->op) {
	case LEASE_OP_ACQUIRE:
		if (r->granted) {
			uint64_t until = l->sent_us + (uint64_t)l->lease_ms * 1000 - lease_margin_us(l->lease_ms);
			if (l->sent_us > l->renewed_us)
				l->renewed_us = l->sent_us;
			/* A late answer to an older renewal never shortens a newer one. */
			if (!l->held || until > l->valid_until_us)
				l->valid_until_us = until;
			l->held = true;
		} else {
			/* Someone else holds it now: whatever we thought we held is over. */
			l->held = false;
		}
		break;
	case LEASE_OP_RELEASE:
		l->held = false;
		break;
	case LEASE_OP_READ:
		/* The row names another live holder: ours ended (expired and taken over). */
		if (r->row && r->remaining_us > 0 && strcmp(r->holder, l->me) != 0)
			l->held = false;
		break;
	default:
		break;
	}
	return true;
}

void lease_lost(struct lease *l, uint64_t now_us)
{
	if (!l->job_id)
		return;
	l->job_id = 0;
	l->reachable = false;
	l->failures++;
	l->next_us = now_us + MIN_RETRY_US;
}

int64_t lease_remaining_us(const struct lease *l, uint64_t now_us)
{
	return l->remaining_us - (int64_t)(now_us > l->read_us ? now_us - l->read_us : 0);
}

void lease_describe(const struct lease *l, uint64_t now_us, char *buf, size_t len)
{
	if (!l->known) {
		snprintf(buf, len, "%s", l->reachable || !l->jobs ? "no lease row read yet" : "witness not answering");
		return;
	}
	int64_t left = lease_remaining_us(l, now_us);
	if (!l->holder[0] || left <= 0)
		snprintf(buf, len, "free (last holder %s), term %lld%s", l->holder[0] ? l->holder : "none",
			 (long long)l->term, l->reachable ? "" : ", witness not answering");
	else
		snprintf(buf, len, "held by %s, term %lld, %.2f s left%s", l->holder, (long long)l->term,
			 (double)left / 1e6, l->reachable ? "" : ", witness not answering");
}
