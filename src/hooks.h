/* Transition hooks: executables run as children with a timeout, reaped through sd-event, never waited on. */
#ifndef DM_HOOKS_H
#define DM_HOOKS_H

#include <systemd/sd-event.h>

struct hooks;

/* SIGCHLD must be blocked in every thread before this (main.c does it first thing). */
int hooks_new(struct hooks **out, sd_event *e);
/* Runs path (if non-empty) in its own process group with DM_STATE, DM_REASON, DM_VIPS, DM_NODE in
 * the environment and stdin from /dev/null; after timeout_ms SIGTERM to the group, SIGKILL 2 s later.
 * The exit status is logged. Returns 0 or -errno (spawn failed, logged by the caller). */
int hooks_run(struct hooks *h, const char *path, int timeout_ms, const char *node, const char *state,
	      const char *reason, const char *vips);
/* Number of hooks still running. */
int hooks_running(const struct hooks *h);
/* Kills (SIGKILL) and reaps whatever is still running. */
void hooks_free(struct hooks *h);

#endif
