/* The node's operator surface: status for STATUS=/metrics/dualmasterctl, and the control commands. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_server.h"
#include "log.h"
#include "node.h"
#include "notify.h"
#include "status_format.h"
#include "vrrp_sock.h"

#define CTL_BUF (64 * 1024)

void node_status_fill(struct node *n)
{
	struct dm_status *st = &n->status;
	uint64_t now = node_now(n);

	snprintf(st->node_name, sizeof(st->node_name), "%s", n->conf.node_name);
	st->state = vrrp_state_name(n->fsm.state);
	st->in_state_ms = (now - n->state_since_us) / 1000;
	st->base_priority = n->conf.vrrp.priority;
	st->priority = n->verdict.priority;
	st->eligible = n->verdict.eligible;
	snprintf(st->reason, sizeof(st->reason), "%s", n->verdict.reason);
	st->maintenance = n->maintenance;
	st->frozen = n->frozen;
	snprintf(st->alert, sizeof(st->alert), "%s", n->alert);
	if (fo_active(&n->fo))
		snprintf(st->takeover_step, sizeof(st->takeover_step), "%s: %s", fo_kind_name(n->fo.kind),
			 fo_step_name(n->fo.step));
	else
		st->takeover_step[0] = '\0';
	st->vrrp_version = n->conf.vrrp.version;
	st->vrid = n->conf.vrrp.vrid;
	if (n->fsm.state == VRRP_STATE_MASTER)
		snprintf(st->master_addr, sizeof(st->master_addr), "%s", inet_ntoa(n->primary));
	else if (n->fsm.master_addr.s_addr)
		snprintf(st->master_addr, sizeof(st->master_addr), "%s", inet_ntoa(n->fsm.master_addr));
	else
		st->master_addr[0] = '\0';
	st->n_vips = n->conf.vrrp.n_vips;
	memcpy(st->vips, n->conf.vrrp.vips, sizeof(st->vips));
	st->vip_held = n->vip_held;
	st->local = n->srv[NODE_LOCAL].state;
	st->local_c = n->srv[NODE_LOCAL].hc;
	st->peer = n->srv[NODE_PEER].state;
	st->peer_c = n->srv[NODE_PEER].hc;
	st->isolated = n->isolated;
	if (n->vs)
		st->counters = *vrrp_sock_counters(n->vs);
}

/* Atomically, so node_exporter never reads half a file. */
static void write_metrics(const struct node *n, const char *text)
{
	char tmp[CONF_STR + 8];
	snprintf(tmp, sizeof(tmp), "%s.tmp", n->conf.metrics_file);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	if (!ok || rename(tmp, n->conf.metrics_file) < 0)
		unlink(tmp);
}

void node_status_publish(struct node *n)
{
	char line[512];

	node_status_fill(n);
	if (status_line(&n->status, line, sizeof(line)) < 0)
		return;
	if (n->first_round_done && strcmp(line, n->last_status_line) != 0) {
		notify_status(line);
		snprintf(n->last_status_line, sizeof(n->last_status_line), "%s", line);
	}
	if (n->conf.metrics_file[0]) {
		char *buf = malloc(CTL_BUF);
		if (buf && status_prometheus(&n->status, buf, CTL_BUF) >= 0)
			write_metrics(n, buf);
		free(buf);
	}
}

static void reply_simple(struct ctl_client *cl, bool ok, const char *key, const char *text)
{
	char esc[2048], line[2200];
	if (json_escape(text, esc, sizeof(esc)) < 0)
		snprintf(esc, sizeof(esc), "(reply too long)");
	snprintf(line, sizeof(line), "{\"ok\":%s,\"%s\":\"%s\"}", ok ? "true" : "false", key, esc);
	ctl_reply(cl, line, true);
}

/* Replies {"ok":true,"<key>":"<text>"} or {"ok":true,"status":<json>} for big bodies. */
static void reply_big(struct ctl_client *cl, const char *key, const char *body, bool raw)
{
	size_t need = strlen(body) * 6 + 64;
	char *esc = malloc(need), *line = malloc(need + 64);
	if (esc && line && (raw || json_escape(body, esc, need) >= 0)) {
		if (raw)
			snprintf(line, need + 64, "{\"ok\":true,\"%s\":%s}", key, body);
		else
			snprintf(line, need + 64, "{\"ok\":true,\"%s\":\"%s\"}", key, esc);
		ctl_reply(cl, line, true);
	} else {
		reply_simple(cl, false, "error", "out of memory");
	}
	free(esc);
	free(line);
}

void node_switchover_progress(struct node *n, const char *text, bool final, bool ok)
{
	char esc[512], line[600];
	if (!n->switchover_client)
		return;
	if (json_escape(text, esc, sizeof(esc)) < 0)
		esc[0] = '\0';
	if (final)
		snprintf(line, sizeof(line), "{\"ok\":%s,\"%s\":\"%s\"}", ok ? "true" : "false", ok ? "message" : "error",
			 esc);
	else
		snprintf(line, sizeof(line), "{\"progress\":\"%s\"}", esc);
	ctl_reply(n->switchover_client, line, final);
	if (final)
		n->switchover_client = NULL;
}

/* Planned hand-over from this master: refuses unless the peer could take over cleanly now. */
int node_start_switchover(struct node *n, char *why, size_t len)
{
	const struct db_state *p = &n->srv[NODE_PEER].state;

	if (n->fsm.state != VRRP_STATE_MASTER)
		snprintf(why, len, "this node is %s, not MASTER: run switchover on the master",
			 vrrp_state_name(n->fsm.state));
	else if (n->maintenance)
		snprintf(why, len, "maintenance is on");
	else if (fo_active(&n->fo))
		snprintf(why, len, "a %s is in progress", fo_kind_name(n->fo.kind));
	else if (!n->srv[NODE_PEER].hc.up || !p->reachable)
		snprintf(why, len, "peer server unreachable: %s", p->error);
	else if (p->repl.io != REPL_IO_YES || !p->repl.sql_running)
		snprintf(why, len, "peer does not replicate from us (io %s, sql %s)",
			 p->repl.io == REPL_IO_YES ? "Yes" : "not running", p->repl.sql_running ? "Yes" : "No");
	else if (p->repl.lag_s < 0 || p->repl.lag_s > n->conf.health.max_lag_s)
		snprintf(why, len, "peer lag %lld s (max_lag_s %d)", (long long)p->repl.lag_s, n->conf.health.max_lag_s);
	else
		return 0;
	return -1;
}

void node_set_maintenance(struct node *n, bool on)
{
	/* "maintenance off" also unfreezes a node frozen by divergence that was never in maintenance. */
	if (n->maintenance == on && (on || !n->frozen))
		return;
	n->maintenance = on;
	log_info("maintenance %s: automatic failover %s on this node", on ? "on" : "off", on ? "frozen" : "resumed");
	if (!on) {
		/* Leaving maintenance also clears a divergence freeze: the operator has looked. */
		n->frozen = false;
		n->alert[0] = '\0';
		node_force_priority(n);
	}
	node_status_publish(n);
}

static bool privileged(struct ctl_client *cl)
{
	uid_t uid = ctl_client_uid(cl);
	return uid == 0 || uid == geteuid();
}

void node_ctl_command(void *ud, struct ctl_client *cl, const char *line)
{
	struct node *n = ud;
	char word[32] = "", arg[32] = "", arg2[16] = "";
	char msg[2048];

	sscanf(line, "%31s %31s %15s", word, arg, arg2);
	log_debug(LOG_CAT_CTL, "control: %s", word);
	if (strcmp(word, "status") == 0 || strcmp(word, "metrics") == 0) {
		char *buf = malloc(CTL_BUF);
		int rc = -1;
		node_status_fill(n);
		if (buf) {
			if (strcmp(word, "metrics") == 0)
				rc = status_prometheus(&n->status, buf, CTL_BUF);
			else if (strcmp(arg, "json") == 0)
				rc = status_json(&n->status, buf, CTL_BUF);
			else
				rc = status_text(&n->status, buf, CTL_BUF);
		}
		if (rc < 0)
			reply_simple(cl, false, "error", "status too large");
		else
			reply_big(cl, strcmp(arg, "json") == 0 ? "status" : "text", buf, strcmp(arg, "json") == 0);
		free(buf);
		return;
	}
	if (!privileged(cl)) {
		reply_simple(cl, false, "error", "permission denied");
		return;
	}
	if (strcmp(word, "maintenance") == 0 && (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0)) {
		node_set_maintenance(n, strcmp(arg, "on") == 0);
		reply_simple(cl, true, "message", n->maintenance ? "maintenance on: failover frozen on this node"
								 : "maintenance off");
	} else if (strcmp(word, "reload") == 0) {
		int rc = node_reload(n, msg, sizeof(msg));
		reply_simple(cl, rc == 0, rc == 0 ? "message" : "error", msg);
	} else if (strcmp(word, "switchover") == 0) {
		if (n->switchover_client || node_start_switchover(n, msg, sizeof(msg)) < 0) {
			reply_simple(cl, false, "error", n->switchover_client ? "a switchover is running" : msg);
			return;
		}
		n->switchover_client = cl;
		node_switchover_progress(n, "dropping the VIP", false, true);
		log_info("switchover requested");
		struct fo_input in = {
			.kill_clients = n->conf.takeover.kill_clients_on_stepdown,
			.fence_timeout_ms = n->conf.takeover.fence_timeout_ms,
			.catchup_timeout_ms = n->conf.takeover.catchup_timeout_ms,
			.peer_up = true,
		};
		struct fo_cmd c = fo_start(&n->fo, FO_KIND_SWITCHOVER, &in, n->next_job_id, node_now(n));
		n->next_job_id += 1000;
		node_fo_exec(n, c);
	} else if (strcmp(word, "debug") == 0 && log_cat_parse(arg) && (!strcmp(arg2, "on") || !strcmp(arg2, "off"))) {
		log_set_debug(log_cat_parse(arg), strcmp(arg2, "on") == 0);
		snprintf(msg, sizeof(msg), "debug %s %s", arg, arg2);
		reply_simple(cl, true, "message", msg);
	} else {
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\" (status [json], metrics, maintenance on|off, "
					   "switchover, reload, debug CAT on|off)", line);
		reply_simple(cl, false, "error", msg);
	}
}
