/* Internals shared by the supervisor's files (supervisor.c, sup_inputs.c, sup_heal.c, sup_status.c);
 * not an API: the shell uses supervisor.h only. */
#ifndef DM_SUP_INT_H
#define DM_SUP_INT_H

#include <stdint.h>

#include "supervisor.h"

/* The earlier of two deadlines, 0 meaning none. */
static inline uint64_t sup_earliest(uint64_t a, uint64_t b)
{
	return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

/* Appends an action of type t (zeroed but for the type); NULL when the step is full (out->overflow). */
struct sup_action *sup_emit(struct sup *s, enum sup_act_type t);
/* Appends one log line action (syslog level). */
void sup_say(struct sup *s, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same, for a line with journald fields: from -> to (or the state now) and the reason alone. */
void sup_say_event(struct sup *s, int level, enum sup_log_event ev, enum vrrp_state from, enum vrrp_state to,
		   const char *why, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Appends a job for target's command worker; assigns an id when job.id is 0; returns the id. */
uint64_t sup_submit(struct sup *s, int target, struct db_job job);
/* Feeds the VRRP state machine now, or right after the event being handled (never nested). */
void sup_fsm_post(struct sup *s, const struct vrrp_event *ev, uint64_t now);
/* Runs the health policy on what is known now; a changed verdict goes to the state machine. */
void sup_evaluate(struct sup *s, uint64_t now);
/* Actions: one advert; VIPs added or removed (their result comes back as SUP_EV_VIP_RESULT); a
 * cancel of target's running job; a line to the switchover requester, if one waits. */
void sup_advert(struct sup *s, uint8_t prio);
void sup_vips(struct sup *s, bool add);
void sup_cancel(struct sup *s, int target);
void sup_reply(struct sup *s, const char *text, bool final, bool ok);
/* The operator's alert line (status, STATUS=, metrics). */
void sup_alert(struct sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Runs the transition hook for state to. */
void sup_hook(struct sup *s, enum vrrp_state to, const char *why);
/* Feeds the current verdict to the state machine. */
void sup_post_priority(struct sup *s, uint64_t now);
/* The VIPs were added: we hold them (and refresh the gratuitous ARPs, if configured). */
void sup_vip_claimed(struct sup *s, uint64_t now);

/* sup_sequence.c: the failover sequences. */
void sup_start_sequence(struct sup *s, enum fo_kind kind, bool adverts_lost, uint64_t now);
/* Carries out one command of the running sequence (its end included). */
void sup_exec_fo(struct sup *s, struct fo_cmd c, uint64_t now);
/* A takeover in progress stops and undoes what it did (nothing for other kinds). */
void sup_abort_takeover(struct sup *s, const char *why, uint64_t now);
/* A VIP kept on our dead server for the peer goes now. */
void sup_release_vip(struct sup *s, const char *why);

/* sup_inputs.c: probes, the interface, advert sends, the tiebreaker. */
void sup_on_probe(struct sup *s, const struct sup_event *ev, uint64_t now);
void sup_on_link(struct sup *s, bool up, bool addr, uint64_t now);
void sup_on_send(struct sup *s, int rc, uint64_t now);
void sup_on_isolation(struct sup *s, bool isolated, uint64_t now);
void sup_send_isolation_tick(struct sup *s, uint64_t now);
uint64_t sup_send_isolation_deadline(const struct sup *s);
/* A sample of one server (a probe, or the urgent probe of a heal): state, counter, then the rules
 * that follow every sample. */
void sup_sample(struct sup *s, int which, const struct db_result *r, uint64_t sent_us, uint64_t now);

/* sup_heal.c: two masters meeting, wired to heal.c. */
/* An advert while master: false when the verdict must wait (no answer yet); otherwise fills
 * e->data_verdict and returns true. */
bool sup_heal_advert(struct sup *s, const struct sup_event *ev, struct vrrp_event *e, uint64_t now);
/* After every sample: a meeting whose other master went quiet is reported once positions are fresh. */
void sup_heal_after_sample(struct sup *s, uint64_t now);
void sup_heal_end(struct sup *s);

/* sup_witness.c: the lease (lease.h) and the quorum rules, run after every event. */
void sup_witness_step(struct sup *s, uint64_t now);
uint64_t sup_witness_deadline(const struct sup *s, uint64_t now);
void sup_witness_result(struct sup *s, const struct db_result *r, uint64_t now);

/* sup_prefence.c: the fence sent ahead of a takeover, checked after every event. */
void sup_prefence_step(struct sup *s, uint64_t now);
uint64_t sup_prefence_deadline(const struct sup *s, uint64_t now);
/* A result of the fence sent ahead: true when it was that (kept for the takeover). */
bool sup_prefence_result(struct sup *s, const struct db_result *r, uint64_t now);
/* A takeover starting: the fence sent ahead goes into its input (or is cancelled). */
void sup_prefence_take(struct sup *s, struct fo_input *in, uint64_t now);

/* sup_read_vip.c: the read VIPs, decided after every event. */
void sup_read_step(struct sup *s, uint64_t now);
void sup_read_result(struct sup *s, int rc, uint64_t now);
void sup_read_seen(struct sup *s, uint64_t now);
uint64_t sup_read_deadline(const struct sup *s, uint64_t now);

#endif
