/* The read VIPs: where readers are sent. keepalived users run them as a second VRRP instance whose
 * priorities favour the standby and whose track_script watches replication; here both daemons
 * decide from what they already probe, one rule each:
 * - the backup holds them while its own server is fit for reads (up, read-only, both replica
 *   threads running, lag known and within max_lag_s);
 * - the master holds them unless the peer's server is fit AND another host answers ARP for the
 *   first read VIP (the backup's daemon has it). Without that answer the master keeps them: two
 *   holders for a moment serve the same rows, no holder serves nobody.
 * No clock reads, no I/O: the shell adds, drops and asks the link. */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "sup_int.h"
#include "sup_rules.h"

/* Answers to "who has" count this many probe intervals: one lost answer does not move the VIPs. */
#define READ_SEEN_INTERVALS 3
/* A failed add or drop is tried again after this. */
#define READ_RETRY_US 1000000ull

static uint64_t probe_interval_us(const struct sup *s)
{
	return (uint64_t)s->conf.health.interval_ms * 1000;
}

bool rule_fit_for_reads(const struct conf *c, const struct sup_server *srv, const struct sup_server *source,
			char *why, size_t len)
{
	const struct db_state *st = &srv->state;
	const struct repl_status *r = &st->repl;
	/* Its source's server not answering us either: there is nothing newer to receive, the IO
	 * thread retries and the lag reads NULL, yet the rows it has are the freshest there are (and
	 * a takeover may be coming). */
	bool source_gone = !source->hc.up || !source->state.reachable;

	/* The counter, not the latest sample, decides reachability (fall/rise, as the health policy). */
	if (!srv->hc.up)
		snprintf(why, len, "server down");
	else if (st->read_only != 1)
		snprintf(why, len, "server writable");
	else if (!r->configured)
		snprintf(why, len, "replication not configured");
	else if (r->io != REPL_IO_YES && !(r->io == REPL_IO_CONNECTING && source_gone))
		snprintf(why, len, "replica IO thread not running");
	else if (!r->sql_running)
		snprintf(why, len, "replica SQL thread not running");
	else if (r->io != REPL_IO_YES) {
		snprintf(why, len, "replicating what there is, its source does not answer");
		return true;
	} else if (r->lag_s < 0)
		snprintf(why, len, "lag unknown");
	else if (r->lag_s > c->health.max_lag_s)
		snprintf(why, len, "lag %llds > max_lag_s %d", (long long)r->lag_s, c->health.max_lag_s);
	else {
		snprintf(why, len, "replicating, lag %llds", (long long)r->lag_s);
		return true;
	}
	return false;
}

bool rule_read_seen(const struct sup *s, uint64_t now)
{
	return s->read.seen_us && now < s->read.seen_us + READ_SEEN_INTERVALS * probe_interval_us(s);
}

/* The master asks the link while the peer's server is fit: only then does the answer matter. */
static bool master_probing(const struct sup *s)
{
	char why[96];
	return s->fsm.state == VRRP_STATE_MASTER && !fo_active(&s->fo) && !s->shutting_down &&
	       rule_fit_for_reads(&s->conf, &s->srv[SUP_PEER], &s->srv[SUP_LOCAL], why, sizeof(why));
}

bool rule_read_vips_here(const struct sup *s, uint64_t now, char *why, size_t len)
{
	char fit[96];

	if (s->shutting_down) {
		snprintf(why, len, "shutting down");
		return false;
	}
	/* A sequence owns the role while it runs: the read VIPs stay where they are. */
	if (fo_active(&s->fo)) {
		snprintf(why, len, "%s", s->read.why[0] ? s->read.why : "a sequence runs");
		return s->read.want;
	}
	switch (s->fsm.state) {
	case VRRP_STATE_BACKUP:
		if (rule_fit_for_reads(&s->conf, &s->srv[SUP_LOCAL], &s->srv[SUP_PEER], fit, sizeof(fit))) {
			snprintf(why, len, "backup fit for reads (%s)", fit);
			return true;
		}
		snprintf(why, len, "backup not fit for reads (%s)", fit);
		return false;
	case VRRP_STATE_MASTER:
		if (!rule_fit_for_reads(&s->conf, &s->srv[SUP_PEER], &s->srv[SUP_LOCAL], fit, sizeof(fit))) {
			snprintf(why, len, "master, the peer's server is not fit for reads (%s)", fit);
			return true;
		}
		if (!rule_read_seen(s, now)) {
			snprintf(why, len, "master, the peer's server is fit but no other host has the read VIP");
			return true;
		}
		snprintf(why, len, "master, the backup has the read VIP");
		return false;
	default:
		/* FAULT: not eligible, which a reader would notice too (a lagging or broken replica). */
		snprintf(why, len, "%s (%s)", vrrp_state_name(s->fsm.state), s->verdict.reason);
		return false;
	}
}

void sup_read_step(struct sup *s, uint64_t now)
{
	struct sup_read *r = &s->read;
	char why[sizeof(r->why)];

	/* Nothing is decided before both servers were probed once (start-up removed stale ones). */
	if (s->conf.vrrp.n_read_vips == 0 || !s->first_round_done)
		return;
	/* Re-announced like the VIPs (garp_refresh_ms): switches that age out their tables forget the
	 * backup's read VIPs as well. */
	if (r->held && r->garp_next_us && now >= r->garp_next_us) {
		sup_emit(s, SUP_ACT_GARP_READ);
		r->garp_next_us = now + (uint64_t)s->conf.vrrp.garp_refresh_ms * 1000;
	}
	bool want = rule_read_vips_here(s, now, why, sizeof(why));
	r->decided = true;
	r->want = want;
	snprintf(r->why, sizeof(r->why), "%s", why);
	if (master_probing(s)) {
		if (!r->probe_next_us || now >= r->probe_next_us) {
			sup_emit(s, SUP_ACT_READ_PROBE);
			r->probe_next_us = now + probe_interval_us(s);
		}
	} else {
		r->probe_next_us = 0;
	}
	/* A drop waits until the reason has held for one probe interval: within one probe round the
	 * two servers' samples arrive one after the other, and the first alone can be misleading
	 * (the backup's IO thread retrying before the master's server is seen gone). */
	if (want || !r->held)
		r->unwanted_since_us = 0;
	else if (!r->unwanted_since_us)
		r->unwanted_since_us = now;
	bool drop_due = s->shutting_down || now >= r->unwanted_since_us + probe_interval_us(s);
	if (r->wait || want == r->held || (r->failed_rc && now < r->retry_us) || (!want && !drop_due))
		return;
	if (!r->failed_rc)
		sup_say(s, LOG_INFO, "read VIPs %s: %s", want ? "added" : "removed", why);
	sup_emit(s, want ? SUP_ACT_ADD_READ_VIPS : SUP_ACT_DROP_READ_VIPS);
	r->wait = true;
	r->adding = want;
}

void sup_read_result(struct sup *s, int rc, uint64_t now)
{
	struct sup_read *r = &s->read;
	bool adding = r->adding;

	r->wait = false;
	if (rc < 0) {
		if (rc != r->failed_rc)
			sup_say(s, LOG_WARNING, "%s the read VIPs on %s failed: %s (tried again every second)",
				adding ? "adding" : "removing", s->conf.vrrp.interface, strerror(-rc));
		r->failed_rc = rc;
		r->retry_us = now + READ_RETRY_US;
		return;
	}
	if (r->failed_rc)
		sup_say(s, LOG_INFO, "%s the read VIPs worked again", adding ? "adding" : "removing");
	r->failed_rc = 0;
	if (adding && !r->held)
		r->moves++;
	r->held = adding;
	r->garp_next_us = adding && s->conf.vrrp.garp_refresh_ms > 0
				  ? now + (uint64_t)s->conf.vrrp.garp_refresh_ms * 1000 : 0;
}

void sup_read_seen(struct sup *s, uint64_t now)
{
	s->read.seen_us = now;
}

uint64_t sup_read_deadline(const struct sup *s, uint64_t now)
{
	const struct sup_read *r = &s->read;
	uint64_t d = r->probe_next_us, stale = r->seen_us + READ_SEEN_INTERVALS * probe_interval_us(s);

	/* Past deadlines are left out: a due one has been acted on by the step that just ran. */
	if (r->failed_rc && r->retry_us > now)
		d = sup_earliest(d, r->retry_us);
	if (r->unwanted_since_us && r->unwanted_since_us + probe_interval_us(s) > now)
		d = sup_earliest(d, r->unwanted_since_us + probe_interval_us(s));
	if (r->held && r->garp_next_us > now)
		d = sup_earliest(d, r->garp_next_us);
	/* An answer that goes stale changes the master's decision without any event. */
	if (r->seen_us && s->fsm.state == VRRP_STATE_MASTER && stale > now)
		d = sup_earliest(d, stale);
	return d;
}
