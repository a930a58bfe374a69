/* The takeover, step-down and switchover sequences as a pure step machine: results in, the next
 * command out. The order of each sequence is written out at the top of failover.c. */
#ifndef DM_FAILOVER_H
#define DM_FAILOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db_job.h"

enum fo_kind {
	FO_KIND_NONE = 0,
	FO_KIND_TAKEOVER,   /* BACKUP -> MASTER: fence, catch up, semi-sync, write-enable, claim */
	FO_KIND_STEPDOWN,   /* MASTER -> BACKUP/FAULT/exit: VIP off, read_only ON, kill clients */
	FO_KIND_SWITCHOVER, /* planned hand-over: step down, then wait until the peer applied our writes */
};

enum fo_step {
	FO_STEP_IDLE = 0,
	FO_STEP_FENCE,        /* peer: read_only ON + kill its clients */
	FO_STEP_CATCHUP,      /* local: apply everything received */
	FO_STEP_QUORUM,       /* witness: wait for the lease (no other majority: peer neither fenced nor resigned) */
	FO_STEP_SEMISYNC_OFF, /* local: master side off, the peer cannot ack */
	FO_STEP_WRITABLE,     /* local: read_only OFF, verified */
	FO_STEP_TERM,         /* local: the takeover term row, above every term known */
	FO_STEP_CLAIM,        /* shell: FSM to MASTER (advert), VIPs, gratuitous ARP */
	FO_STEP_DROP_VIP,     /* shell: VIPs off */
	FO_STEP_READONLY,     /* local: read_only ON (+ kill clients) */
	FO_STEP_PEER_CATCHUP, /* peer: wait until it applied our last GTID (switchover) */
	FO_STEP_DONE,
	FO_STEP_FAILED,
	FO_STEP_MAX
};

enum fo_cmd_type {
	FO_CMD_NONE = 0,  /* wait for a result already outstanding */
	FO_CMD_DB,        /* submit job to the local or peer command worker */
	FO_CMD_CLAIM,     /* become master: advert, VIPs, GARP; report with fo_claim_result */
	FO_CMD_DROP_VIP,  /* remove VIPs; report with fo_vip_result */
	FO_CMD_FINISHED,  /* sequence over: see f->ok and f->reason */
};

enum fo_target { FO_LOCAL = 0, FO_PEER = 1 };

/* Why a sequence failed, for the caller's decisions (never the reason text). */
enum fo_fail {
	FO_FAIL_NONE = 0,
	FO_FAIL_REFUSED,      /* takeover not started: the peer is a live master we cannot hear or fence */
	FO_FAIL_PEER_ALIVE,   /* the peer's server answered but could not be fenced */
	FO_FAIL_CATCHUP,      /* the relay log could not be applied in time (and not promote_stale) */
	FO_FAIL_WRITABLE,     /* read_only OFF did not take (or a switchover could not roll back) */
	FO_FAIL_CLAIM,        /* the VIP could not be added */
	FO_FAIL_READONLY,     /* step-down: read_only ON failed on a server that answers */
	FO_FAIL_PEER_BEHIND,  /* switchover: the peer did not apply our last transaction in time */
	FO_FAIL_ABORTED,      /* fo_abort: a master appeared, we became ineligible, shutdown */
	FO_FAIL_NO_QUORUM,    /* no majority: the peer was neither fenced nor resigned, and no lease came */
};

struct fo_cmd {
	enum fo_cmd_type type;
	enum fo_target target;
	bool cancel;             /* first cancel the job still running on cancel_target's worker */
	enum fo_target cancel_target;
	struct db_job job;       /* FO_CMD_DB */
};

/* Facts and settings fixed at the start of a sequence. */
struct fo_input {
	bool fence_peer;
	bool promote_stale;
	bool manage_semisync;
	bool kill_clients;          /* step-down: kill remaining client sessions */
	bool kill_first;            /* step-down of a node cut off: kill before read_only as well */
	int fence_timeout_ms;
	int catchup_timeout_ms;
	int fence_answer_ms;        /* a peer server that answers nothing this long is unreachable */
	bool peer_up;               /* health counter: peer server considered up */
	bool peer_refusing;         /* the peer's server answers, but refuses us (login, grants): alive */
	bool peer_writable;         /* last peer probe: read_only = 0 */
	bool adverts_lost;          /* takeover because adverts stopped (not a resign, not a fault) */
	bool local_semisync_master; /* local semi-sync master side enabled now */
	bool need_quorum;           /* a witness is configured: write-enable only with a majority */
	bool peer_resigned;         /* the master's last advert was priority 0 (its daemon stepped down) */
	int quorum_timeout_ms;      /* QUORUM: give up waiting for the lease after this */
	int64_t term;               /* takeover: the term to write at least (above both servers' known) */
	char holder[64];            /* takeover: our node_name, written with the term */
	/* Takeover: the fence the supervisor sent ahead, while the master's adverts were still due
	 * (sup_prefence.c). In flight (job id, when sent, its answer window): the FENCE step waits for
	 * that job instead of sending another. Back already (prefence_done): its result is the FENCE
	 * step's. */
	uint64_t prefence_job_id;
	uint64_t prefence_sent_us;
	int prefence_answer_ms;
	bool prefence_done;
	struct db_result prefence_res;
};

struct failover {
	enum fo_kind kind;
	enum fo_step step;
	struct fo_input in;
	uint64_t started_us;
	uint64_t step_since_us;     /* when the current step began */
	uint64_t phase_us[FO_STEP_MAX]; /* time spent in each step so far */
	uint64_t next_job_id;
	uint64_t job_id;            /* outstanding job, 0 none */
	enum fo_target job_target;  /* worker running it */
	uint64_t job_deadline_us;   /* its full bound: statement timeout + margin */
	uint64_t answer_deadline_us;/* FENCE: by then the peer's server must have answered something */
	uint64_t deadline_us;       /* call fo_tick then (the earlier of the two above); 0 none */
	/* What has been done, for the undo path and the log. */
	bool fenced;
	bool peer_dead;             /* the fence could not reach the peer's server */
	bool semisync_off;
	bool writable;
	bool claimed;
	bool aborting;
	bool no_rollback;           /* switchover: never write-enable again (we are shutting down) */
	bool term_written;
	bool quorum_lease;          /* the majority came from the witness's lease */
	bool stale;                 /* promote_stale: write-enabled without the relay log applied */
	bool ok;                    /* valid at FO_STEP_DONE/FAILED */
	enum fo_fail fail;          /* valid at FO_STEP_FAILED */
	char reason[512];           /* why it failed, or a summary of what happened */
	char note[512];             /* warnings collected on the way (promote_stale, semi-sync) */
	char *target;               /* switchover: our last GTIDs the peer must apply (heap, any length) */
};

const char *fo_step_name(enum fo_step s);
const char *fo_kind_name(enum fo_kind k);
/* A short label for metrics: "ok" for FO_FAIL_NONE. */
const char *fo_fail_name(enum fo_fail e);
bool fo_active(const struct failover *f);

/* Whether a takeover must not start although the master down timer ran out:
 * - no master was heard (in->adverts_lost false: we were master ourselves, never heard one, or it
 *   resigned) while the peer's server is up and writable. That peer is a live master whose adverts
 *   do not reach us (VRRP filtered, or it has just fenced us); fencing it back would start a
 *   ping-pong between two nodes that cannot hear each other;
 * - the peer's server answers but refuses us (failover-safety "Refused is alive"): it may be
 *   writable and we can neither see nor fence it.
 * Writes the reason into why. Pure; does not look at how old the peer facts are. */
bool fo_takeover_refused(const struct fo_input *in, char *why, size_t len);

/* Releases what f holds (fo_start does it for the previous sequence). f stays valid and idle-able. */
void fo_free(struct failover *f);
/* Each call returns the next command for the shell; none does I/O or reads a clock. A DB command's
 * job.gtid points into f: valid until the next fo_start or fo_free. */
struct fo_cmd fo_start(struct failover *f, enum fo_kind kind, const struct fo_input *in, uint64_t first_job_id,
		       uint64_t now_us);
/* A command worker result; results whose id is not outstanding are ignored (FO_CMD_NONE). What the
 * result says about the server is read from r->err (db_err.h), never from its text. */
struct fo_cmd fo_db_result(struct failover *f, const struct db_result *r, uint64_t now_us);
struct fo_cmd fo_claim_result(struct failover *f, int rc, uint64_t now_us);
struct fo_cmd fo_vip_result(struct failover *f, int rc, uint64_t now_us);
/* Time has reached f->deadline_us. job_answered: the worker running the job has heard its server
 * since the job started (connect or statement answered). A fence whose peer answered nothing within
 * fence_answer_ms is given up as unreachable (a cut link, a dead host: SYNs unanswered); one that
 * answers gets its full bound. Past the full bound the job is given up. A returned command with
 * .cancel set asks the shell to cancel the job first; its late result is ignored. Before the
 * deadline: FO_CMD_NONE and nothing changes. */
struct fo_cmd fo_tick(struct failover *f, uint64_t now_us, bool job_answered);
/* QUORUM: the witness granted us the lease (term: the lease's term, a floor for the takeover term).
 * Ignored in any other step. */
struct fo_cmd fo_quorum(struct failover *f, int64_t term, uint64_t now_us);
/* Whether the running takeover waits for the lease now. */
bool fo_wants_quorum(const struct failover *f);

/* Stop a takeover (a master appeared, we became ineligible, shutdown) and undo what was done; the
 * returned command cancels the outstanding job first (.cancel). A switchover runs to its end but
 * never rolls back into a writer (a rollback under way is undone). A step-down always runs to its
 * end. */
struct fo_cmd fo_abort(struct failover *f, const char *why, uint64_t now_us);

#endif
