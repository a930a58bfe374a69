/* The supervisor's rules between the state machines: small pure predicates, each named for its decision.
 * Internal to the supervisor (supervisor.c, heal wiring) and its tests; each reads a const struct
 * sup and the time, and changes nothing. */
#ifndef DM_SUP_RULES_H
#define DM_SUP_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "supervisor.h"

/* Master_Down_Interval for our priority and the interval we follow, in microseconds. */
uint64_t rule_master_down_us(const struct sup *s);

/* The takeover sequence's fixed facts for now (failover.h struct fo_input). */
struct fo_input rule_fo_input(const struct sup *s, enum fo_kind kind, bool adverts_lost, uint64_t now);
/* Rejoin: whether to send START ... IO_THREAD to the local server now (see sup_rules.c); fills why
 * with the IO thread's error. */
bool rule_rejoin(const struct sup *s, uint64_t now, char *why, size_t len);
#define REJOIN_MAX_ATTEMPTS 10

/* The fence's answer window for a takeover starting now (see sup_rules.c); never below the floor. */
int rule_fence_answer_ms(const struct sup *s, uint64_t now);
#define FENCE_ANSWER_FLOOR_MS 50
/* Whether to send the fence now, ahead of the down timer (sup_prefence.c). */
bool rule_prefence_due(const struct sup *s, uint64_t now);

/* The peer's server answered our latest sample with an error: it is alive, but refuses us
 * (login, account lock, host block, too many connections, grants). */
bool rule_peer_refusing(const struct sup *s);

/* Our own server is dead: nothing listens (connection refused, socket gone). Not a hung or a
 * read-only one, which would hold clients or refuse their writes. */
bool rule_local_dead(const struct sup *s);

/* Why this node is cut off itself (interface down or without its address, adverts unsendable), into
 * buf; false when it is not. Such a node must hold no VIP and no writable server. */
bool rule_node_fault(const struct sup *s, char *buf, size_t len);

/* The errors of a failed advert send that say we are cut off (no route, address or link gone), as
 * opposed to a firewall dropping VRRP (EPERM), which the peer's MySQL channel settles. */
bool rule_send_error_isolates(int send_rc);

/* Preemption is allowed now: configured, and not within holddown_ms after a move of ours, a
 * step-down in a heal, or the interface coming back. */
bool rule_preempt_allowed(const struct sup *s, uint64_t now_us);

/* The master-down timer may not be acted on before the returned time: 0 = act now, UINT64_MAX =
 * not while this lasts (maintenance or a freeze on a node that is not master). */
uint64_t rule_fsm_timer_gate(const struct sup *s, uint64_t now_us);
/* With a witness: when a takeover now could not get a majority (see sup_rules.c), the time the
 * lease another node holds runs out, by the latest reading; 0 otherwise. */
uint64_t rule_lease_wait_until(const struct sup *s, uint64_t now_us);

/* Stepping down from our dead server, keep the VIP until the peer claims it (bounded): clients get an
 * immediate refusal and retry, instead of SYNs lost in the gap between our drop and its claim. */
bool rule_keep_vip_for_peer(const struct sup *s);
/* ... at most this long: the peer's Skew_Time (< 1 advert interval) + its sequence, whose fence of
 * our dead server fails at once; 3 intervals + fence_answer_ms is ample, and bounded. */
uint64_t rule_keep_vip_bound_us(const struct sup *s);

/* A node that is not master finds its own server writable: set it read-only again. */
bool rule_enforce_readonly(const struct sup *s);

/* The semi-sync master side we turned off at a takeover may come back: the peer replicates from us
 * again, seen by a probe sent after the takeover. */
bool rule_semisync_back(const struct sup *s);

/* Until when the peer counts as a backup we see, for a master without the witness's lease
 * (failover-safety "Two out of three"): its server answered our last probe read-only, and a peer
 * cut off from us now cannot take over before it has missed our adverts for Master_Down_Interval
 * (at least 3 intervals); we allow 2 intervals from the probe's send, so we have stopped writing
 * before it can have the lease. 0: not seen. */
uint64_t rule_peer_backup_seen_until(const struct sup *s);

/* A master with a witness configured must stop writing: no lease and no peer backup seen. */
bool rule_no_quorum(const struct sup *s, uint64_t now_us, char *why, size_t len);

/* The peer's replica has received what we had logged one probe round ago (rule_semisync_back). */
bool rule_peer_receives(const struct sup *s);

/* The bound on waiting for both servers' terms when two masters meet: two probe rounds. */
uint64_t rule_heal_bound_us(const struct sup *s);

/* The read VIPs (sup_read_vip.c). A server is fit for reads when its counter is up, it is read-only,
 * both replica threads run and the lag is known and within max_lag_s; while source (the server it
 * replicates from) does not answer us, an IO thread retrying and an unknown lag pass. why gets the
 * reason either way. */
bool rule_fit_for_reads(const struct conf *c, const struct sup_server *srv, const struct sup_server *source,
			char *why, size_t len);
/* Another host answered for the first read VIP within the last three probe intervals. */
bool rule_read_seen(const struct sup *s, uint64_t now);
/* Whether the read VIPs belong on this node now, and why. */
bool rule_read_vips_here(const struct sup *s, uint64_t now, char *why, size_t len);

#endif
