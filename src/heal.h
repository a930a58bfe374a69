/* Two masters meeting again (a partition healed): who keeps the role, from facts that survive it.
 *
 * Every takeover writes a term into its own server (dualmaster.term, replicated), above both servers'
 * last known terms. When two masters hear each other again, the node whose server holds the higher
 * term took over last, while the other was unreachable, and is the one the latest gratuitous ARP sent
 * clients to: it keeps the role, the other yields. The decision waits (bounded) until both servers
 * were read after the meeting began, so it never depends on which probe reconnected first. GTID sets
 * are compared to report what exists on one side only; they decide only when no term is readable.
 * Pure: no I/O, no clock.
 */
#ifndef DM_HEAL_H
#define DM_HEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db_state.h"

enum heal_verdict {
	HEAL_WAIT = 0, /* not both servers read since the meeting began: hold, do not answer */
	HEAL_KEEP,     /* this node keeps the role */
	HEAL_YIELD,    /* the other master keeps it: step down */
	HEAL_RFC,      /* nothing decides: VRRP priority, then address (RFC 5798 6.4.3) */
};

/* What one meeting found, for the log, status and metrics. */
struct heal_report {
	bool made;                   /* a meeting was decided (fields below valid) */
	int64_t local_term, peer_term; /* -1 unknown */
	int64_t only_local, only_peer; /* transactions on one side only, -1 unknown */
	char *only_local_set;        /* their GTID ranges (heap, "" none), in the server's own form */
	char *only_peer_set;
	bool freeze;                 /* both sides hold writes a client may have been told about */
	char why[200];
};

struct heal {
	uint64_t since_us;           /* another master first heard while we are master; 0: no meeting */
	uint64_t last_advert_us;     /* its latest advert */
	bool gave_up;                /* the bound passed before both servers were read (said once) */
	bool decided;                /* the verdict of this meeting was reported */
	uint64_t decided_us;
	enum heal_verdict verdict;
	uint64_t probe_sent_us;      /* the urgent probe of the peer asked for at the meeting */
	struct heal_report report;   /* the latest decided meeting */
};

struct heal_input {
	const char *me;              /* our node_name: the holder written with our terms */
	const struct db_state *local, *peer;
	bool local_fresh, peer_fresh;/* read (successfully) after the meeting began */
	uint64_t since_us, now_us, bound_us;
};

/* The verdict for a meeting, and the report when it is not HEAL_WAIT (rep's strings are replaced;
 * free with heal_report_clear). Rules, in order:
 * - both servers read since the meeting: the higher term keeps the role (a tie between two different
 *   holders, or a term missing on either side, falls through); otherwise the side holding
 *   transactions the other lacks keeps it; both or neither: RFC;
 * - not both read yet: WAIT until since_us + bound_us, then RFC.
 * freeze: the side that yields holds transactions the other lacks, and its server was not holding
 * them behind semi-sync (master side off, or fallen back to asynchronous): a client may have been
 * told they committed, and the side that keeps the role lacks them. */
enum heal_verdict heal_decide(const struct heal_input *in, struct heal_report *rep);

void heal_report_clear(struct heal_report *rep);

#endif
