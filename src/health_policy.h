/* Pure health policy: probe results + fall/rise counters -> effective priority and eligibility. */
#ifndef DM_HEALTH_POLICY_H
#define DM_HEALTH_POLICY_H

#include <stdbool.h>

#include "conf.h"
#include "db_state.h"

/* Hysteresis per server: `up` flips only after `fall` failures or `rise` successes in a row. */
struct health_counter {
	bool up;
	int fails;  /* consecutive failures */
	int oks;    /* consecutive successes */
	bool known; /* at least one sample seen */
};

/* Feeds one sample; returns true when `up` changed. A server starts down until `rise` oks.
 * Zero-initialise before the first sample. fall/rise below 1 count as 1; the run counters saturate.
 * The caller decides what a good sample is (normally db_state.reachable). */
bool health_counter_feed(struct health_counter *c, bool ok, int fall, int rise);

struct health_input {
	const struct db_state *local;
	const struct health_counter *local_c;
	const struct db_state *peer;
	const struct health_counter *peer_c;
	bool is_master;     /* we hold the role: replication from the peer matters less */
	bool isolated;      /* tiebreaker: no target reachable */
	const char *fault;  /* the node itself is cut off (interface down, adverts unsendable): the
			     * reason, which removes eligibility; NULL or "" when not */
	bool maintenance;
};

struct health_verdict {
	int priority;        /* base minus penalties, clamped to 1..254; 0 when not eligible */
	bool eligible;       /* may become or stay master */
	char reason[192];    /* "ok" or the first reason, e.g. "local mysqld unreachable (3 fails)",
			      * "sql thread stopped: errno 1062", "lag 45s > max_lag_s 30" */
};

/* Decides, never does I/O. Rules (the defaults are safe for a database):
 * - local server down (per counter), isolated, or a fault of the node itself: not eligible;
 * - SQL thread stopped with an error, or not running, on a replica: not eligible unless
 *   takeover.promote_stale, else weight_sql_down;
 * - IO thread not running while the peer server is up: not eligible unless promote_stale
 *   (weight_io_down); with the peer down, or while the thread retries after a network error
 *   (Connecting with errno 2002/2003/2005/2006/2013: the first witness of a dead peer), IO down
 *   only costs weight_io_down;
 * - lag > max_lag_s: weight_lag (not eligible unless promote_stale);
 * - peer server down: weight_peer_down.
 * - master whose local server reports read_only=ON: not eligible (someone fenced it);
 * A master keeps eligibility through replication problems of its own replica thread (it is
 * the writer); only local server health or isolation removes it.
 * Further details of this implementation:
 * - all pointers in `in` must be valid; c->vrrp.priority is the base; weights are subtracted as given;
 * - a master's replication problems are reasons only: no weight, never ineligible (moving the role
 *   away from a writer whose inbound stream broke would strand what it wrote);
 * - no replication configured (!repl.configured or REPL_IO_NONE) counts as both threads down:
 *   "replication not configured", weight_io_down + weight_sql_down, not eligible on a backup
 *   unless promote_stale;
 * - local counter up but the latest snapshot unreachable ("local mysqld probe failed (1 fails): ..."):
 *   a reason only; fall decides, and the shell keeps the last good replication picture meanwhile;
 * - for the IO rule the peer counts as up unless known down: counter up, never sampled, or its
 *   latest snapshot reachable; weight_peer_down needs the counter known and down;
 * - NULL lag with both threads running on a backup is reported ("lag unknown (NULL)"), no weight;
 * - reason: the first reason that removes eligibility, else the first penalty, in the order of the
 *   rules above (fault, local, isolation, read_only, replication, peer, unknown lag), then " +N more" for
 *   the others; server error texts are made one line and cut with "..." so that the count shows;
 * - is_master should mean "VIP held, writable": during a takeover read_only is still ON and the
 *   read_only rule would refuse eligibility;
 * - maintenance is ignored here (the shell freezes moves). */
struct health_verdict health_evaluate(const struct conf *c, const struct health_input *in);

#endif
