/* One dualmaster node: the shell around the supervisor. It owns every resource, turns what happens
 * on them into supervisor events (node.c), runs the actions that come back, and publishes status
 * once per wakeup. One direction: inputs -> sup_step() -> actions. */
#ifndef DM_NODE_H
#define DM_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "status.h"
#include "supervisor.h"

/* sd-event's default accuracy (0) means 250 ms, far too coarse for adverts and probes. */
#define TIMER_ACCURACY_US 1000
enum { NODE_PROBE = 0, NODE_CMD = 1 };

struct ctl_client;
struct ctl_server;
struct db_worker;
struct garp;
struct hooks;
struct link_watch;
struct tiebreaker;
struct vip_nl;
struct vrrp_sock;
struct state_saved;

/* The shell's side of one server: its two workers and the probe in flight. */
struct node_server {
	struct db_worker *w[2];          /* [NODE_PROBE], [NODE_CMD] */
	sd_event_source *src[2];
	uint64_t probe_id;               /* outstanding probe, 0 none */
	uint64_t probe_deadline_us;
	uint64_t probe_sent_us;
	uint64_t probe_epoch;            /* sup_local_epoch() when it was sent */
	bool probe_counted;              /* a timed-out probe was already reported as failed */
	bool unanswered;                 /* the latest probe got no answer in time (cleared by one that did) */
	bool retried_soon;               /* this failure streak had its early second probe */
	uint64_t cmd_answers;            /* the command worker's answer count when its job was sent */
	bool cmd_queued;                 /* a job waits behind a cancelled one still running */
	struct db_job queued;
	char *queued_gtid;
};

struct node {
	sd_event *ev;
	struct conf conf;
	int ifindex;
	struct in6_addr primary; /* the advert source, ipaddr.h form */
	struct sup sup;
	sd_event_source *sup_timer;
	sd_event_source *probe_timer;
	struct node_server srv[3];       /* [SUP_LOCAL], [SUP_PEER], [SUP_WITNESS] (command worker only) */
	uint64_t next_probe_id;
	struct vrrp_sock *vs;
	sd_event_source *vs_src;
	struct vip_nl *vip;
	struct garp *garp;
	sd_event_source *arp_src;        /* answers for the read VIP (read_vips configured) */
	/* The VIPs and the read VIPs in one list: what start-up removes and never takes as our own
	 * address. */
	struct conf_vip all_vips[2 * CONF_MAX_VIPS];
	int n_all_vips;
	struct link_watch *lw;
	struct tiebreaker *tb;
	struct ctl_server *ctl;
	struct ctl_client *switchover_client;
	struct hooks *hooks;
	struct dm_status status;
	char last_status_line[512];
	uint64_t metrics_next_us;
	int lock_fd;                     /* instance_lock(), held for the process's life */
	struct state_saved *saved;       /* what the state file holds (node_state.c), NULL without one */
	uint64_t hist_seen;              /* the supervisor's transitions already in saved */
	int state_errno;                 /* the last write's error, logged once until it changes */
	bool exiting;
};

/* node_start.c: opens every resource for conf (copied), removes VIPs a crash left, starts the
 * supervisor (read-only, BACKUP). 0 or -errno (logged). */
int node_start(struct node *n, sd_event *ev, const struct conf *conf);
/* SIGTERM: the supervisor steps down; the loop exits when it says so (bounded by main.c). */
void node_shutdown(struct node *n);
/* SIGHUP / dualmasterctl reload: parse again, keep the running config on error; the errors (or
 * "reloaded ...") go into msg. 0 or -1. */
int node_reload(struct node *n, char *msg, size_t len);
void node_stop(struct node *n);

/* node.c: one supervisor event, its actions run, results fed back; then the timer re-armed. */
void node_dispatch(struct node *n, struct sup_event *ev);
/* hooks.c's done callback: the exit waits for the last hook. */
struct hooks_result;
void node_on_hook_done(void *ud, const struct hooks_result *r);
/* Status for STATUS=, metrics and dualmasterctl, once per wakeup. */
void node_publish(struct node *n);
uint64_t node_now(const struct node *n);
void node_arm(sd_event_source *s, uint64_t at_us);

/* node_probes.c: the probe schedule and the workers' results. */
int node_on_probe_timer(sd_event_source *src, uint64_t usec, void *ud);
int node_on_worker(sd_event_source *src, int fd, uint32_t revents, void *ud);
void node_submit_cmd(struct node *n, int which, const struct db_job *job);

/* node_ctl.c: the control socket's commands. */
void node_ctl_command(void *ud, struct ctl_client *cl, const char *line);
void node_status_fill(struct node *n);
void node_metrics_write(struct node *n, bool changed);

/* node_state.c: the state file. load: before SUP_EV_START, restores maintenance and a freeze (a
 * corrupt file is reported, kept aside as FILE.corrupt and ignored). sync: after each wakeup, adds
 * new transitions and writes the file atomically when anything changed. */
void node_state_load(struct node *n);
void node_state_sync(struct node *n);
void node_state_free(struct node *n);

#endif
