/* The node's wiring: supervisor events in, actions executed on the resources, results fed back.
 * Everything runs on the one sd-event loop; `now` is read once per event with node_now(). */
#include "node.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "ctl_server.h"
#include "garp.h"
#include "hooks.h"
#include "log.h"
#include "log_journal.h"
#include "mysql_probe.h"
#include "notify.h"
#include "status_format.h"
#include "vip_netlink.h"
#include "vrrp_sock.h"

uint64_t node_now(const struct node *n)
{
	uint64_t now = 0;
	sd_event_now(n->ev, CLOCK_MONOTONIC, &now);
	return now;
}

void node_arm(sd_event_source *s, uint64_t at_us)
{
	if (at_us == 0) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(s, at_us);
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
}

/* ---- actions ---- */

static int add_vips(struct node *n, const struct conf_vip *vips, int count)
{
	int rc = vip_nl_add_all(n->vip, vips, count);
	if (rc < 0)
		return rc;
	for (int i = 0; i < n->conf.vrrp.garp_repeat; i++)
		if (garp_send(n->garp, vips, count) < 0 && i == 0)
			log_warnx("gratuitous ARP failed on %s", n->conf.vrrp.interface);
	return 0;
}

static const char *hook_for(const struct node *n, enum vrrp_state s)
{
	switch (s) {
	case VRRP_STATE_MASTER: return n->conf.hooks.on_master;
	case VRRP_STATE_BACKUP: return n->conf.hooks.on_backup;
	case VRRP_STATE_FAULT: return n->conf.hooks.on_fault;
	default: return "";
	}
}

static void run_hook(struct node *n, enum vrrp_state to, const char *why)
{
	char vips[CONF_MAX_VIPS * (CONF_VIP_STRLEN + 5)] = "", a[CONF_VIP_STRLEN];
	const char *hook = hook_for(n, to);

	if (!hook[0])
		return;
	for (int i = 0; i < n->conf.vrrp.n_vips; i++) {
		size_t l = strlen(vips);
		snprintf(vips + l, sizeof(vips) - l, "%s%s/%d", i ? " " : "", conf_vip_str(&n->conf.vrrp.vips[i], a),
			 n->conf.vrrp.vips[i].prefixlen);
	}
	if (hooks_run(n->hooks, hook, n->conf.hooks.timeout_ms, n->conf.node_name, vrrp_state_name(to), why,
		      vips) < 0)
		log_warnx("hook %s could not be started", hook);
}

static void say(int level, const char *text)
{
	switch (level) {
	case LOG_ERR: log_err("%s", text); break;
	case LOG_WARNING: log_warnx("%s", text); break;
	case LOG_NOTICE: log_notice("%s", text); break;
	case LOG_DEBUG: log_debug(LOG_CAT_PROTO, "%s", text); break;
	default: log_info("%s", text); break;
	}
}

static void reply(struct node *n, const struct sup_action *a)
{
	char esc[1024], line[1100];

	if (!n->switchover_client)
		return;
	if (json_escape(a->text, esc, sizeof(esc)) < 0)
		esc[0] = '\0';
	if (a->final)
		snprintf(line, sizeof(line), "{\"ok\":%s,\"%s\":\"%s\"}", a->ok ? "true" : "false",
			 a->ok ? "message" : "error", esc);
	else
		snprintf(line, sizeof(line), "{\"progress\":\"%s\"}", esc);
	ctl_reply(n->switchover_client, line, a->final);
	if (a->final)
		n->switchover_client = NULL;
}

static void ready(struct node *n)
{
	char line[512];

	node_status_fill(n);
	status_line(&n->status, line, sizeof(line));
	notify_ready(line);
	log_info("ready: %s", line);
}

/* Runs one action; an action whose outcome the supervisor needs leaves a result event in *res. */
static bool run_action(struct node *n, const struct sup_action *a, struct sup_event *res)
{
	memset(res, 0, sizeof(*res));
	switch (a->type) {
	case SUP_ACT_ADVERT:
		res->type = SUP_EV_SEND;
		res->send_rc = vrrp_sock_send(n->vs, a->priority);
		return true;
	case SUP_ACT_ADD_VIPS:
	case SUP_ACT_DROP_VIPS:
		res->type = SUP_EV_VIP_RESULT;
		res->rc = a->type == SUP_ACT_ADD_VIPS ? add_vips(n, n->conf.vrrp.vips, n->conf.vrrp.n_vips)
						      : vip_nl_del_all(n->vip, n->conf.vrrp.vips, n->conf.vrrp.n_vips);
		return true;
	case SUP_ACT_ADD_READ_VIPS:
	case SUP_ACT_DROP_READ_VIPS:
		res->type = SUP_EV_READ_RESULT;
		res->rc = a->type == SUP_ACT_ADD_READ_VIPS
				  ? add_vips(n, n->conf.vrrp.read_vips, n->conf.vrrp.n_read_vips)
				  : vip_nl_del_all(n->vip, n->conf.vrrp.read_vips, n->conf.vrrp.n_read_vips);
		return true;
	case SUP_ACT_READ_PROBE:
		/* A lost probe is one answer fewer; three in a row move the read VIPs here. */
		garp_probe(n->garp, n->conf.vrrp.read_vips[0].addr);
		return false;
	case SUP_ACT_GARP:
		garp_send(n->garp, n->conf.vrrp.vips, n->conf.vrrp.n_vips);
		return false;
	case SUP_ACT_GARP_READ:
		garp_send(n->garp, n->conf.vrrp.read_vips, n->conf.vrrp.n_read_vips);
		return false;
	case SUP_ACT_DB:
		node_submit_cmd(n, a->target, &a->job);
		return false;
	case SUP_ACT_CANCEL:
		db_worker_cancel(n->srv[a->target].w[NODE_CMD]);
		return false;
	case SUP_ACT_HOOK:
		run_hook(n, a->state, a->text);
		return false;
	case SUP_ACT_LOG:
		if (a->event == SUP_LOG_PLAIN)
			say(a->level, a->text);
		else
			log_event(a->level,
				  a->event == SUP_LOG_TRANSITION	? LOG_EVENT_TRANSITION
				  : a->event == SUP_LOG_SEQUENCE_OK ? LOG_EVENT_SEQUENCE_OK
								    : LOG_EVENT_SEQUENCE_FAILED,
				  a->text, vrrp_state_name(a->state),
				  a->event == SUP_LOG_TRANSITION ? vrrp_state_name(a->from) : "", a->why);
		return false;
	case SUP_ACT_REPLY:
		reply(n, a);
		return false;
	case SUP_ACT_READY:
		ready(n);
		return false;
	case SUP_ACT_EXIT:
		n->exiting = true;
		if (n->conf.hooks.on_stop[0] &&
		    hooks_run(n->hooks, n->conf.hooks.on_stop, n->conf.hooks.timeout_ms, n->conf.node_name, "STOP",
			      "shutting down", "") < 0)
			log_warnx("hook %s could not be started", n->conf.hooks.on_stop);
		/* The hooks queued by the step-down, on_stop last, run before the exit (main.c bounds
		 * the whole shutdown). */
		if (hooks_pending(n->hooks) == 0)
			sd_event_exit(n->ev, 0);
		return false;
	}
	return false;
}

void node_dispatch(struct node *n, struct sup_event *ev)
{
	/* Results of actions, fed back in the order the actions ran. Bounded: each step returns at
	 * most a few actions that report back, and reports produce fewer still. */
	struct sup_event queue[16];
	struct sup_out *out = malloc(sizeof(*out));
	int head = 0, tail = 0;

	if (!out) {
		log_err("out of memory: event %d dropped", (int)ev->type);
		return;
	}
	queue[tail++] = *ev;
	while (head < tail) {
		struct sup_event cur = queue[head++];
		cur.wall_s = (int64_t)time(NULL);
		sup_step(&n->sup, &cur, node_now(n), out);
		if (out->overflow)
			log_err("supervisor step produced more than %d actions: some were dropped", SUP_MAX_ACTIONS);
		for (int i = 0; i < out->n; i++) {
			struct sup_event res;
			if (run_action(n, &out->a[i], &res) && tail < (int)(sizeof(queue) / sizeof(queue[0])))
				queue[tail++] = res;
		}
	}
	node_arm(n->sup_timer, out->deadline_us);
	free(out);
}

void node_on_hook_done(void *ud, const struct hooks_result *r)
{
	struct node *n = ud;
	(void)r;
	if (n->exiting && hooks_pending(n->hooks) == 0)
		sd_event_exit(n->ev, 0);
}

void node_publish(struct node *n)
{
	char line[512];

	node_status_fill(n);
	if (status_line(&n->status, line, sizeof(line)) < 0)
		return;
	bool changed = strcmp(line, n->last_status_line) != 0;
	if (n->sup.first_round_done && changed) {
		notify_status(line);
		snprintf(n->last_status_line, sizeof(n->last_status_line), "%s", line);
	}
	node_metrics_write(n, changed);
	node_state_sync(n);
}
