/* Isolation check: can this node still reach any of its tiebreaker targets (ICMP echo or TCP connect)? */
#ifndef DM_TIEBREAKER_H
#define DM_TIEBREAKER_H

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "conf.h"

struct tiebreaker;

/* Called when the verdict changes: isolated = no target answered in the last 2 rounds. */
typedef void (*tiebreaker_cb)(void *ud, bool isolated);

/* Starts probing every c->interval_ms on loop e (non-blocking sockets, per-probe deadline
 * c->timeout_ms). With no targets it never calls back and reports not isolated.
 * Returns 0 or -errno (e.g. ICMP socket not permitted). */
int tiebreaker_open(struct tiebreaker **out, const struct conf_tiebreaker *c, sd_event *e, tiebreaker_cb cb,
		    void *ud);
bool tiebreaker_isolated(const struct tiebreaker *t);
void tiebreaker_close(struct tiebreaker *t);

#endif
