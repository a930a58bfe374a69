/* The witness lease as seen by one node: when to ask the witness, what its answers mean, and until
 * when a lease we were granted lets us write. Pure: no I/O, no clock (times are passed in, from
 * one monotonic clock of this node).
 *
 * The lease lives in one row on the witness (sql/witness-*.sql): holder, term, expires. Acquiring
 * and renewing are one conditional UPDATE (holder is us, or expires has passed), expires computed
 * by the witness as NOW(6) + lease_ms; a new holder bumps the term. So only the witness's clock
 * decides when a lease ends there, and the two nodes' clocks never meet.
 *
 * Timing assumptions, each relied on below (test_lease.c; the partition race and the drift that
 * breaks it in test_supervisor.c):
 *  T1 The witness executes our UPDATE after we submitted it, so its expiry is at least lease_ms
 *     after our submission, measured on the witness's clock. We count our lease from the
 *     submission (sent_us), never from the answer.
 *  T2 Clock rates differ by less than LEASE_DRIFT_PPM between this node and the witness (NTP keeps
 *     them within 500 ppm; an unsynchronised quartz within ~100 ppm); the witness's clock is not
 *     stepped forward meanwhile (NOW(6) follows its wall clock, so a forward step shortens every
 *     lease by the step: run the witness with a slewing NTP, as every database host should).
 *  T3 Stopping writes (read_only ON after killing sessions) takes less than the margin left after
 *     drift: lease_margin_us() = lease_ms / 4. At 2 s: 500 ms, of which drift uses 2 ms.
 * So a holder that stops by valid_until_us (= sent_us + lease - margin) has stopped before the row
 * can have expired on the witness, and so before the other node can acquire it and write. */
#ifndef DM_LEASE_H
#define DM_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEASE_DRIFT_PPM 1000

enum lease_op {
	LEASE_OP_NONE = 0,
	LEASE_OP_ACQUIRE, /* acquire or renew: granted when we hold the row afterwards */
	LEASE_OP_READ,    /* who holds it, which term, how long it has left */
	LEASE_OP_RELEASE, /* expire our row now, so the peer need not wait (after we stepped down) */
};

/* What this node needs from the lease now (the supervisor's role decides). */
enum lease_want {
	LEASE_WANT_WATCH = 0, /* backup: read now and then, for status and the term */
	LEASE_WANT_HOLD,      /* master: keep renewing */
	LEASE_WANT_ACQUIRE,   /* taking over without another majority: retry often until granted */
	LEASE_WANT_RELEASE,   /* stepped down while holding it: release once */
};

/* One answer from the witness (db_result.lease); answered false = no answer (error, timeout). */
struct lease_reading {
	bool answered;
	bool granted;            /* ACQUIRE: we hold the row after our statement */
	bool row;                /* the cluster's row exists */
	char holder[64];
	int64_t term;
	int64_t remaining_us;    /* expires - NOW(6) on the witness; negative: expired */
};

struct lease {
	int lease_ms;
	char me[64];             /* the holder we write: node_name/address */
	/* The job in flight: one at a time. */
	uint64_t job_id;         /* 0 none */
	enum lease_op op;
	uint64_t sent_us;
	uint64_t next_us;        /* not before this (after a failure: no hammering) */
	/* Ours. */
	bool held;               /* the latest ACQUIRE was granted and not released */
	uint64_t valid_until_us; /* we may write until then on the strength of the lease */
	uint64_t renewed_us;     /* sent time of the latest granted ACQUIRE */
	bool hurry;              /* the next job goes out without waiting for its period */
	/* The latest answer. */
	bool reachable;          /* the latest job got an answer */
	bool known;              /* holder/term/remaining below were read at least once */
	char holder[64];
	int64_t term;
	int64_t remaining_us;
	uint64_t read_us;        /* when that answer arrived */
	uint64_t latency_us;     /* of the latest answered job */
	uint64_t jobs;           /* jobs sent (each is one or two statements) */
	uint64_t failures;
};

void lease_init(struct lease *l, int lease_ms, const char *me);

/* The part of a lease held back for drift and for stopping writes (T2, T3). */
uint64_t lease_margin_us(int lease_ms);

/* We hold the lease at now: granted, not released, and before valid_until_us. */
bool lease_held(const struct lease *l, uint64_t now_us);

/* The job to send now for want, LEASE_OP_NONE when none is due (one in flight, or too early).
 * Renewals of a held lease go out every lease_ms / 4, so one lost answer never ends it; an ACQUIRE
 * that was refused is retried every lease_ms / 16 (at least 25 ms); WATCH reads every lease_ms / 2. */
enum lease_op lease_due(const struct lease *l, enum lease_want want, uint64_t now_us);

/* The next job (lease_due) goes out at once, not a period after the last one: something changed
 * that the next answer decides. */
void lease_hurry(struct lease *l);

/* When lease_due may next return a job for want, or when a held lease runs out, whichever comes
 * first (0: nothing to wait for). */
uint64_t lease_next_us(const struct lease *l, enum lease_want want, uint64_t now_us);

/* The job was handed to the witness's worker at now_us. */
void lease_sent(struct lease *l, uint64_t job_id, enum lease_op op, uint64_t now_us);

/* Its answer. Results for another job id are ignored (returns false). A granted ACQUIRE extends
 * valid_until_us to sent_us + lease - margin (T1); a refused one, or one held by someone else,
 * ends our holding at once; no answer changes nothing we hold (it runs out by itself). */
bool lease_result(struct lease *l, uint64_t job_id, const struct lease_reading *r, uint64_t now_us);

/* The job was lost (cancelled, worker gone): free the slot, keep what we hold. */
void lease_lost(struct lease *l, uint64_t now_us);

/* What the witness last said the row has left, aged by our clock since; <= 0: expired. */
int64_t lease_remaining_us(const struct lease *l, uint64_t now_us);

/* One line for status and logs, e.g. "held by node1, term 4, 1.73 s left". */
void lease_describe(const struct lease *l, uint64_t now_us, char *buf, size_t len);

#endif
