/* Role changes and sequence outcomes as journald entries with fields of their own (MESSAGE_ID per
 * kind, DM_STATE, DM_FROM_STATE, DM_REASON), so `journalctl MESSAGE_ID=...` finds every failover;
 * a plain log line when stderr is not the journal or the journal refuses the entry. */
#ifndef DM_LOG_JOURNAL_H
#define DM_LOG_JOURNAL_H

enum log_event_kind {
	LOG_EVENT_TRANSITION,     /* a VRRP state change */
	LOG_EVENT_SEQUENCE_OK,    /* a takeover, step-down or switchover finished */
	LOG_EVENT_SEQUENCE_FAILED,
};

/* text: the whole line as log.c would print it; state/from/reason: the fields ("" = left out). */
void log_event(int prio, enum log_event_kind kind, const char *text, const char *state, const char *from,
	       const char *reason);

#endif
