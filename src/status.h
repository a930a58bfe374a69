/* The daemon's state as operators see it: one plain struct, filled by the supervisor and the shell, formatted by status_format.c. */
#ifndef DM_STATUS_H
#define DM_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "db_state.h"
#include "health_policy.h"
#include "vrrp_counters.h"

#define STATUS_TRANSITIONS 16

struct status_transition {
	int64_t when_s;           /* wall clock, seconds since the epoch */
	char from[16];
	char to[16];
	char reason[192];
	uint64_t in_from_ms;      /* how long the node had been in FROM */
};

/* Sequences (takeover, step-down, switchover) by kind and result: result 0 is success, the others
 * are failover.h's enum fo_fail values, named by status_fo_result_name(). */
#define STATUS_FO_KINDS 4
#define STATUS_FO_RESULTS 10
#define STATUS_STATES 5

struct status_fo_stats {
	uint64_t runs[STATUS_FO_KINDS][STATUS_FO_RESULTS];
	uint64_t duration_sum_us[STATUS_FO_KINDS];
	uint64_t duration_last_us[STATUS_FO_KINDS];
	uint64_t fence_done;          /* the peer's server answered and was fenced */
	uint64_t fence_unreachable;   /* the fence could not reach it: taken as dead */
	uint64_t catchup_stale;       /* promote_stale: write-enabled with relay log not applied */
};

/* The latest takeover, phase by phase (ms): where the time went, so the next optimisation shows. */
enum status_phase {
	STATUS_PHASE_DETECT,    /* last advert heard from the master -> takeover start */
	STATUS_PHASE_FENCE,
	STATUS_PHASE_SEMISYNC,
	STATUS_PHASE_CATCHUP,
	STATUS_PHASE_WRITABLE,
	STATUS_PHASE_TERM,
	STATUS_PHASE_CLAIM,
	STATUS_PHASE_LEASE,     /* waiting for the witness's lease (after the catch-up, before write-enable) */
	STATUS_PHASES
};

struct status_takeover {
	bool done;                /* a takeover has finished since the start */
	bool ok;
	int64_t when_s;           /* wall clock at its end */
	uint64_t total_us;        /* detection included */
	uint64_t phase_us[STATUS_PHASES];
};

const char *status_phase_name(enum status_phase p);

struct dm_status {
	char node_name[CONF_STR];
	char peer_name[CONF_STR];  /* the peer's server as configured (host or socket) */
	const char *state;        /* vrrp_state_name() */
	uint64_t in_state_ms;
	int base_priority;
	int priority;             /* effective */
	bool eligible;
	char reason[192];         /* eligibility reason from the health policy */
	bool maintenance;
	bool frozen;              /* automatic moves frozen (divergence both ways) */
	char alert[192];          /* loud condition, e.g. "adverts lost while peer writable"; "" none */
	char takeover_step[64];   /* failover step in progress, "" when idle */
	int vrrp_version;
	int vrid;
	char master_addr[46];     /* current master as heard, "" unknown */
	int n_vips;
	struct conf_vip vips[CONF_MAX_VIPS];
	bool vip_held;
	struct status_read {
		int n_vips;          /* 0: no read VIPs configured */
		struct conf_vip vips[CONF_MAX_VIPS];
		bool held;
		uint64_t moves;      /* times added here */
		char why[128];       /* the decision's reason */
	} read;
	struct db_state local;
	struct health_counter local_c;
	struct db_state peer;
	struct health_counter peer_c;
	bool isolated;
	struct vrrp_counters counters;
	uint64_t transitions_total;
	uint64_t transitions_by[STATUS_STATES][STATUS_STATES]; /* [from][to], vrrp_fsm.h's order */
	struct status_fo_stats fo_stats;
	struct status_takeover last_takeover;
	int n_transitions;        /* newest last */
	struct status_transition transitions[STATUS_TRANSITIONS];
	const char *divergence;   /* the latest meeting of two masters: verdict and GTID ranges on one
				   * side only; NULL none (points into the supervisor) */
	int64_t local_term;       /* takeover term in our server / the peer's, -1 unknown */
	int64_t peer_term;
	char term_holder[64];     /* who wrote the higher known term */
	bool peer_refusing;       /* the peer's server answers but refuses us */
	uint64_t vip_restored;    /* VIPs put back after someone else removed them */
	int64_t divergence_only_local;
	int64_t divergence_only_peer;
	struct status_witness {
		bool configured;
		bool reachable;      /* the latest lease job got an answer */
		bool held;           /* we hold the lease now (on our clock, margin kept) */
		bool no_quorum;      /* stepped down: neither the lease nor the peer */
		bool known;          /* holder/term/expires were read */
		char holder[64];
		int64_t term;
		int64_t expires_in_ms; /* as the witness said, aged by our clock; <= 0 expired */
		int64_t held_for_ms;   /* held: our own validity left */
		double latency_ms;
		uint64_t jobs, failures;
		char text[160];      /* lease_describe() */
	} witness;
};

#endif
