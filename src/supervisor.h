/* The supervisor: every role decision of a node as one pure step function, events in, actions out.
 *
 * The shell (node.c) owns sockets, workers, timers and the clock; it turns what happens into
 * sup_step() calls and executes the returned actions in order. The supervisor owns the VRRP state
 * machine (vrrp_fsm.c), the takeover step machine (failover.c), the health verdict
 * (health_policy.c) and the heal of two masters (heal.c), plus the rules between them
 * (sup_rules.c): when a takeover is held back, when the VIP stays on a dead server for the peer,
 * when read_only is enforced, when semi-sync comes back, when the interface or unsendable adverts
 * make this node FAULT. It performs no I/O, reads no clock and keeps no pointer to its inputs.
 *
 *   probe / command results, adverts, sends, link, tiebreaker, operator, time
 *        -> sup_step() -> actions (advert, VIPs, jobs, hooks, log lines, replies) + next deadline
 */
#ifndef DM_SUPERVISOR_H
#define DM_SUPERVISOR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "db_job.h"
#include "failover.h"
#include "health_policy.h"
#include "heal.h"
#include "lease.h"
#include "status.h"
#include "vrrp_fsm.h"

/* Job targets: the two servers, and the witness (its command worker only; no probes, no picture). */
enum { SUP_LOCAL = 0, SUP_PEER = 1, SUP_WITNESS = 2 };

enum sup_ev_type {
	SUP_EV_START,       /* resources are open: start safe (read-only, BACKUP) */
	SUP_EV_TICK,        /* the deadline returned last has come (early ticks are harmless) */
	SUP_EV_ADVERT,      /* a valid advert from another router */
	SUP_EV_SEND,        /* how sending our last advert went */
	SUP_EV_PROBE,       /* a probe sample of one server (a probe past its deadline: a failed one) */
	SUP_EV_DB_RESULT,   /* a command job came back */
	SUP_EV_VIP_RESULT,  /* how the last ADD_VIPS / DROP_VIPS went */
	SUP_EV_LINK,        /* the VRRP interface changed (or its first reading) */
	SUP_EV_ISOLATION,   /* the tiebreaker's verdict changed */
	SUP_EV_MAINTENANCE, /* operator: maintenance on/off */
	SUP_EV_SWITCHOVER,  /* operator: hand the role to the peer (replies go to SUP_ACT_REPLY) */
	SUP_EV_RELOAD,      /* a new configuration, validated, structural parts already kept */
	SUP_EV_SHUTDOWN,    /* SIGTERM */
	SUP_EV_VIP_GONE,    /* a VIP we hold is no longer on the interface (removed by someone else) */
	SUP_EV_READ_RESULT, /* how the last ADD_READ_VIPS / DROP_READ_VIPS went (.rc) */
	SUP_EV_READ_SEEN,   /* another host answered "who has" for the first read VIP */
	SUP_EV_MAX
};

struct sup_event {
	enum sup_ev_type type;
	int64_t wall_s;              /* wall clock for the transition history, any event */
	/* ADVERT */
	uint8_t adv_priority;
	struct in6_addr adv_src;     /* ipaddr.h: IPv4 mapped */
	uint16_t adv_interval_cs;
	/* SEND: 0 or -errno */
	int send_rc;
	/* PROBE, DB_RESULT: which server; the result (PROBE: its state is the sample) */
	int which;
	const struct db_result *res;
	uint64_t sent_us;            /* PROBE: when the probe was sent */
	uint64_t epoch;              /* PROBE of the local server: sup_local_epoch() when it was sent */
	/* VIP_RESULT */
	int rc;
	/* LINK */
	bool link_up;                /* administratively up and carrier */
	bool link_addr;              /* the address we send adverts from is on it */
	/* ISOLATION, MAINTENANCE */
	bool on;
	/* RELOAD */
	const struct conf *conf;
	/* TICK: the peer's command worker has heard its server since the running job started */
	bool peer_answered;
};

enum sup_act_type {
	SUP_ACT_ADVERT,     /* send one advert with .priority (report with SUP_EV_SEND) */
	SUP_ACT_ADD_VIPS,   /* add the VIPs, gratuitous ARPs (report with SUP_EV_VIP_RESULT) */
	SUP_ACT_DROP_VIPS,  /* remove the VIPs (report with SUP_EV_VIP_RESULT) */
	SUP_ACT_GARP,       /* announce the VIPs held again */
	SUP_ACT_DB,         /* submit .job to .target's command worker */
	SUP_ACT_CANCEL,     /* cancel the job running on .target's command worker */
	SUP_ACT_HOOK,       /* run the hook for .state, reason .text */
	SUP_ACT_LOG,        /* one log line: .level (LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO) */
	SUP_ACT_REPLY,      /* to the switchover requester: .text, .final, .ok */
	SUP_ACT_READY,      /* first probe round done: tell systemd */
	SUP_ACT_EXIT,       /* shutdown has finished its step-down */
	SUP_ACT_ADD_READ_VIPS,  /* add the read VIPs, gratuitous ARPs (report with SUP_EV_READ_RESULT) */
	SUP_ACT_DROP_READ_VIPS, /* remove the read VIPs (report with SUP_EV_READ_RESULT) */
	SUP_ACT_READ_PROBE, /* ask the link who has the first read VIP (answers: SUP_EV_READ_SEEN) */
	SUP_ACT_GARP_READ,  /* announce the read VIPs held again */
};

/* LOG lines an operator searches for: the shell gives them journald fields (log_journal.c). */
enum sup_log_event {
	SUP_LOG_PLAIN = 0,
	SUP_LOG_TRANSITION,          /* .from -> .state, .why */
	SUP_LOG_SEQUENCE_OK,         /* .state now, .why */
	SUP_LOG_SEQUENCE_FAILED,
};

struct sup_action {
	enum sup_act_type type;
	uint8_t priority;            /* ADVERT */
	int target;                  /* DB, CANCEL */
	struct db_job job;           /* DB */
	int level;                   /* LOG */
	enum sup_log_event event;    /* LOG */
	enum vrrp_state from;        /* LOG event */
	enum vrrp_state state;       /* HOOK, LOG event */
	char why[192];               /* LOG event: the reason alone */
	bool final, ok;              /* REPLY */
	char text[400];              /* LOG, HOOK reason, REPLY */
};

#define SUP_MAX_ACTIONS 24

struct sup_out {
	int n;
	struct sup_action a[SUP_MAX_ACTIONS];
	bool overflow;               /* more were wanted: a bug, logged by the shell */
	uint64_t deadline_us;        /* call again with SUP_EV_TICK at this time; 0 = no need */
};

/* What the supervisor keeps per server. */
struct sup_server {
	struct db_state state;       /* the last good picture; reachable/err/error from the latest sample */
	struct health_counter hc;
	uint64_t ok_sent_us;         /* when the last successful sample was sent */
	uint64_t sample_sent_us;     /* when the latest sample was sent */
	int cmd_pending;             /* command jobs submitted and not yet back */
};

/* The read VIPs (sup_read_vip.c): on the backup while its server is fit for reads, else on the master. */
struct sup_read {
	bool held;                   /* added and not dropped since */
	bool wait;                   /* an ADD/DROP result is due: no other move before it */
	bool adding;                 /* ... and it is an ADD */
	bool want;                   /* the last decision */
	bool decided;                /* want is set (the first decision is logged) */
	uint64_t seen_us;            /* the latest answer from another host for the read VIP, 0 none */
	uint64_t unwanted_since_us;  /* held but not wanted since, 0 = wanted or not held */
	uint64_t probe_next_us;      /* the master's next "who has", 0 none due */
	uint64_t moves;              /* times the read VIPs were added here */
	uint64_t garp_next_us;       /* their periodic re-announcement (garp_refresh_ms), 0 = off */
	int failed_rc;               /* the last ADD/DROP error, 0 none */
	uint64_t retry_us;           /* after a failed ADD/DROP: not again before */
	char why[128];               /* the reason for the last decision */
};

struct sup_transition_log {
	int n;                       /* newest last */
	uint64_t total;
	struct status_transition t[STATUS_TRANSITIONS];
};

struct sup {
	struct conf conf;
	struct in6_addr primary;  /* the advert source, ipaddr.h */
	struct vrrp_fsm fsm;
	struct failover fo;
	struct sup_server srv[2];
	struct health_verdict verdict;
	uint64_t next_job_id;
	uint64_t local_epoch;        /* bumped with every read_only change we make: older local probes are stale */
	bool started;
	bool first_round_done;
	/* The operator. */
	bool maintenance;
	bool frozen;                 /* diverged both ways: no automatic move until maintenance off */
	bool shutting_down;
	bool switchover_waiting;     /* a requester waits for SUP_ACT_REPLY final */
	bool handover_waiting;       /* ... for the peer's takeover after our switchover (its adverts) */
	int handover_adverts;        /* the peer's adverts since our priority 0 */
	uint64_t handover_deadline_us;
	/* The environment. */
	bool isolated;               /* tiebreaker: no target answers */
	bool link_known, link_up, link_addr;
	uint64_t link_back_us;       /* when the interface last came back (no preemption for holddown_ms) */
	uint64_t send_fail_since_us; /* first of the advert sends failing in a row, 0 = last one went out */
	int send_errno;
	bool send_isolated;          /* adverts could not be sent for Master_Down_Interval */
	uint64_t send_isolated_until_us;
	/* The VIP. */
	bool vip_held;
	bool vip_hold;               /* stepping down from a dead server: VIP kept until the peer claims */
	int vip_hold_adverts;
	uint64_t vip_hold_until_us;
	uint64_t garp_next_us;       /* periodic re-announcement, 0 = off */
	bool vip_wait;               /* an ADD/DROP result is due: nothing else happens before it */
	uint64_t vip_restored;       /* VIPs put back after someone removed them */
	/* Takeover gating. */
	bool takeover_held;          /* master down, but the peer is a live master we cannot hear or fence */
	bool lease_wait_said;        /* master down, waiting for another node's witness lease (said once) */
	uint64_t no_quorum_silence_us; /* master_heard_us when a takeover last failed for lack of a majority */
	uint64_t fsm_recheck_us;     /* a held takeover is looked at again then */
	bool peer_resigned;          /* the last advert heard was priority 0, not yet taken over */
	uint64_t holddown_until_us;  /* no preemption before this */
	uint64_t handover_until_us;  /* after our switchover: no takeover of ours before the peer's ends */
	bool semisync_turned_off;
	int rejoin_attempts;         /* START ... IO_THREAD sent in this stop of the IO thread */
	uint64_t rejoin_next_us;     /* not again before */
	uint64_t semisync_off_us;
	char *local_pos_prev;        /* our binlog position one local probe ago (heap), NULL unknown */
	/* The witness (conf.witness.enabled): the lease and what it decided. */
	struct lease lease;
	bool no_quorum;              /* master without lease or a seen backup: stepped down (a fault) */
	uint64_t no_quorum_us;       /* since when */
	uint64_t majority_until_us;  /* a takeover's majority with the peer (fenced, resigned) counts until
				      * then: the old holder's lease has ended by then, and ours begun */
	uint64_t peer_down_us;       /* when we first saw the peer's server down (health counter), 0 up */
	struct sup_read read;
	/* The fence sent ahead of a takeover (sup_prefence.c). */
	struct {
		uint64_t job_id;         /* in flight, ours; 0 none (or handed to the takeover) */
		uint64_t sent_us;
		int answer_ms;           /* its answer window */
		uint64_t episode_us;     /* master_heard_us when sent: the silence it belongs to */
		bool done;               /* its result came back before the takeover started */
		struct db_result res;
	} prefence;
	/* Two masters meeting again. */
	struct heal heal;
	char *divergence;            /* the latest meeting's report for status (heap), NULL none */
	/* Said to operators. */
	char alert[192];
	uint64_t state_since_us;
	struct sup_transition_log hist;
	uint64_t transitions_by[STATUS_STATES][STATUS_STATES];
	struct status_fo_stats fo_stats;
	struct status_takeover last_takeover;
	uint64_t master_heard_us;    /* the latest advert from another master (any priority) */
	uint64_t detect_us;          /* the running takeover's detection phase */
	bool refusing_said;          /* the peer refusing us was logged */
	bool start_fault_said;       /* on_fault ran for a fault found at start-up */
	/* The step being built (valid inside sup_step only). */
	struct sup_out *out;
	int64_t wall_s;
	int n_pending;
	struct vrrp_event pending[4];
};

/* Sets up s for conf (copied) and our primary address; nothing happens before SUP_EV_START. */
void sup_init(struct sup *s, const struct conf *conf, struct in6_addr primary, uint64_t now_us);

/* Before SUP_EV_START: maintenance and a divergence freeze as a previous run left them (the state
 * file), so a restart does not undo what the operator or a heal decided. */
void sup_restore(struct sup *s, bool maintenance, bool frozen);

/* Applies one event at now_us and fills *out (cleared first) with the actions to run in order
 * and the next deadline. Actions that report back (ADVERT, ADD_VIPS, DROP_VIPS) expect their
 * result as the next event for them, before further ticks. Never blocks, never fails: an event
 * that means nothing now is ignored (a stale job id, a late tick). */
void sup_step(struct sup *s, const struct sup_event *ev, uint64_t now_us, struct sup_out *out);

/* For the shell's probe bookkeeping: the epoch to stamp on a local probe when it is sent. */
uint64_t sup_local_epoch(const struct sup *s);

/* Why a switchover cannot start now (written into why), or 0 when it can. */
int sup_switchover_refused(const struct sup *s, char *why, size_t len);

/* Fills the parts of *st the supervisor knows (everything but the socket counters). */
void sup_status(const struct sup *s, uint64_t now_us, struct dm_status *st);

/* Frees what the two servers' pictures hold. */
void sup_free(struct sup *s);

#endif
