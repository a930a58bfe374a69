/* One dualmaster node: the wiring between the pure core (FSM, policy, failover) and the I/O modules. */
#ifndef DM_NODE_H
#define DM_NODE_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "db_state.h"
#include "failover.h"
#include "health_policy.h"
#include "mysql_probe.h"
#include "status.h"
#include "vrrp_fsm.h"

enum { NODE_LOCAL = 0, NODE_PEER = 1 };
/* sd-event's default accuracy (0) means 250 ms, far too coarse for adverts and probes. */
#define TIMER_ACCURACY_US 1000
enum { NODE_PROBE = 0, NODE_CMD = 1 };

struct ctl_client;
struct ctl_server;
struct garp;
struct hooks;
struct tiebreaker;
struct vip_nl;
struct vrrp_sock;

/* What the shell keeps per server. */
struct node_server {
	struct db_worker *w[2];          /* [NODE_PROBE], [NODE_CMD] */
	sd_event_source *src[2];
	struct db_state state;           /* last probe */
	struct health_counter hc;
	uint64_t probe_id;               /* outstanding probe, 0 none */
	uint64_t probe_deadline_us;
	uint64_t probe_epoch;            /* epoch when the outstanding probe was sent */
	bool probe_counted;              /* a timed-out probe was already counted as a failure */
	uint64_t probe_sent_us;          /* when the outstanding probe was sent */
	uint64_t ok_sent_us;             /* when the last successful probe was sent */
	bool cmd_queued;                 /* a job waits for the command worker */
	struct db_job queued;
};

struct node {
	sd_event *ev;
	struct conf conf;
	int ifindex;
	struct in_addr primary;

	struct vrrp_fsm fsm;
	sd_event_source *fsm_timer;
	struct vrrp_sock *vs;
	sd_event_source *vs_src;
	struct vip_nl *vip;
	struct garp *garp;
	sd_event_source *garp_timer;
	bool vip_held;
	bool vip_hold;                   /* stepping down from a dead server: VIP kept for the peer */
	int vip_hold_adverts;            /* the peer's adverts heard since */
	sd_event_source *vip_hold_timer;

	struct node_server srv[2];       /* [NODE_LOCAL], [NODE_PEER] */
	sd_event_source *probe_timer;
	/* Bumped whenever we change the local server's read_only: probes sent before are stale. */
	uint64_t local_epoch;
	uint64_t next_job_id;
	bool first_round_done;

	struct health_verdict verdict;
	struct failover fo;
	sd_event_source *fo_timer;
	uint64_t fo_deadline_us;         /* the outstanding job's full bound */
	uint64_t fence_answers;          /* peer command worker's answers when the fence started */
	struct ctl_client *switchover_client;

	struct tiebreaker *tb;
	bool isolated;

	bool maintenance;
	bool frozen;
	bool shutting_down;
	bool semisync_turned_off;        /* we switched our semi-sync master side off */
	uint64_t semisync_off_us;        /* ... when that takeover finished */
	uint64_t holddown_until_us;      /* no preemption before this */
	uint64_t handover_until_us;      /* after our switchover: the peer's takeover may run until
					  * this; no master-down takeover of ours before it */
	bool takeover_held;              /* master down, but the peer is a live master we cannot hear */
	bool peer_resigned;              /* the last advert heard was priority 0, not yet taken over */
	uint64_t meet_since_us;          /* another master first heard while GTID positions were stale */
	uint64_t meet_advert_us;         /* last advert from another master while we were master */
	bool meet_gave_up;               /* that wait ran out: the RFC rule decided (logged once) */
	uint64_t state_since_us;

	struct ctl_server *ctl;
	struct hooks *hooks;
	struct dm_status status;
	char alert[192];
	char last_status_line[512];
};

/* Opens every resource for conf (copied), removes stale VIPs, sets the local server read-only,
 * starts BACKUP/FAULT. Returns 0 or -errno (logged). */
int node_start(struct node *n, sd_event *ev, const struct conf *conf);
/* SIGTERM: resign and step down; the loop exits when done (bounded). */
void node_shutdown(struct node *n);
/* SIGHUP / dualmasterctl reload: parse path again, keep the running config on error.
 * Writes the errors (or "reloaded") into msg. Returns 0 or -1. */
int node_reload(struct node *n, char *msg, size_t len);
void node_stop(struct node *n);

/* Control commands (node_ctl.c). */
void node_ctl_command(void *ud, struct ctl_client *cl, const char *line);
void node_switchover_progress(struct node *n, const char *text, bool final, bool ok);

/* Shared with node_ctl.c. */
void node_status_fill(struct node *n);
void node_status_publish(struct node *n);
uint64_t node_now(const struct node *n);
int node_start_switchover(struct node *n, char *why, size_t len);
void node_set_maintenance(struct node *n, bool on);
void node_fo_exec(struct node *n, struct fo_cmd c);
/* Internal, shared by node*.c. */
void node_fsm_event(struct node *n, const struct vrrp_event *ev);
void node_arm(sd_event_source *s, uint64_t at_us);
uint64_t node_submit_cmd(struct node *n, int which, struct db_job job);
const char *node_srv_name(int which);
void node_evaluate(struct node *n);
int node_on_probe_timer(sd_event_source *src, uint64_t usec, void *ud);
int node_on_fsm_timer(sd_event_source *s, uint64_t usec, void *ud);
int node_on_fo_timer(sd_event_source *s, uint64_t usec, void *ud);
int node_on_garp_timer(sd_event_source *s, uint64_t usec, void *ud);
int node_on_vrrp(sd_event_source *src, int fd, uint32_t revents, void *ud);
void node_on_isolation(void *ud, bool isolated);
int node_drop_vips(struct node *n);
int node_on_vip_hold_timer(sd_event_source *s, uint64_t usec, void *ud);
void node_release_vip(struct node *n, const char *why);
int node_on_worker(sd_event_source *src, int fd, uint32_t revents, void *ud);
/* Another master was met before fresh GTID positions of both servers were known and has since
 * gone quiet (it yielded): once the positions are fresh, make the divergence report (log, status,
 * freeze) that its next advert would have made. Called after each probe round. */
void node_meet_report(struct node *n);
/* Feeds the current verdict to the FSM (after maintenance off). */
void node_force_priority(struct node *n);

#endif
