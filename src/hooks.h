/* Transition hooks: executables run as children with a timeout, reaped through sd-event, never waited on. */
#ifndef DM_HOOKS_H
#define DM_HOOKS_H

#include <stdbool.h>
#include <systemd/sd-event.h>

struct hooks;

/* SIGCHLD must be blocked in every thread before this (main.c does it first thing). */
int hooks_new(struct hooks **out, sd_event *e);
/* Runs path (if non-empty) in its own process group with DM_STATE, DM_REASON, DM_VIPS, DM_NODE in
 * the environment, stdin from /dev/null, no other descriptor than 0-2 and no capability; after
 * timeout_ms SIGTERM to the group, SIGKILL 2 s later. The exit status is logged. One hook runs at
 * a time, in the order asked; the queue holds 16, the oldest waiting one is dropped (logged) beyond
 * that. stdout/stderr are the daemon's. timeout_ms <= 0: no timeout. Returns 0 (also for an empty
 * path: nothing to run) or -errno (not executable: -ENOENT, -EACCES; logged by the caller); a later
 * spawn failure is logged here. */
int hooks_run(struct hooks *h, const char *path, int timeout_ms, const char *node, const char *state,
	      const char *reason, const char *vips);
/* How one hook ended, for the optional callback below (the log line is written either way). */
struct hooks_result {
	const char *path;   /* valid during the callback only */
	int pid;
	bool exited;        /* true: exit code in status; false: killed by signal number status */
	int status;
	bool timed_out;     /* the timeout fired (SIGTERM, maybe SIGKILL, was sent) */
	const char *state;  /* DM_STATE it ran for, valid during the callback only */
};
typedef void (*hooks_done_cb)(void *ud, const struct hooks_result *r);
/* Called after each hook was reaped; not called for hooks killed by hooks_free. */
void hooks_set_done_cb(struct hooks *h, hooks_done_cb cb, void *ud);
/* Number of hooks running now (0 or 1), and running or waiting. */
int hooks_running(const struct hooks *h);
int hooks_pending(const struct hooks *h);
/* Kills (SIGKILL) and reaps whatever is still running. */
void hooks_free(struct hooks *h);

#endif
