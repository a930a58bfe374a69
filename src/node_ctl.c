/* The node's operator surface: status for STATUS=/metrics/dualmasterctl, and the control commands. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_cmd.h"
#include "ctl_server.h"
#include "file_replace.h"
#include "history_format.h"
#include "log.h"
#include "node.h"
#include "notify.h"
#include "status_format.h"
#include "vrrp_sock.h"

#define CTL_BUF (64 * 1024)
#define CTL_MAX (512 * 1024) /* escaped, a reply stays within ctl_server's 1 MiB per client */

void node_status_fill(struct node *n)
{
	sup_status(&n->sup, node_now(n), &n->status);
	if (n->vs)
		n->status.counters = *vrrp_sock_counters(n->vs);
}

/* Whole, so node_exporter never reads half a file; 0644 whatever the umask (the unit's is 0027),
 * since node_exporter runs as another user. A failure is logged (rate-limited by log.c): under
 * ProtectSystem=strict the directory needs a ReadWritePaths= drop-in, and nothing else would tell. */
static void write_metrics(const struct node *n, const char *text)
{
	int rc = file_replace(n->conf.metrics_file, text, strlen(text), 0644, false);
	if (rc < 0)
		log_warnx("metrics_file %s: %s", n->conf.metrics_file, strerror(-rc));
}

/* The textfile for node_exporter: at once when the state line changed (a scrape must not show the
 * old role), otherwise at most once a second. */
void node_metrics_write(struct node *n, bool changed)
{
	uint64_t now = node_now(n);

	if (!n->conf.metrics_file[0] || (!changed && now < n->metrics_next_us))
		return;
	n->metrics_next_us = now + 1000000;
	char *buf = malloc(CTL_BUF);
	if (buf && status_prometheus(&n->status, buf, CTL_BUF) >= 0)
		write_metrics(n, buf);
	free(buf);
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

static bool privileged(struct ctl_client *cl)
{
	uid_t uid = ctl_client_uid(cl);
	return uid == 0 || uid == geteuid();
}

static void reply_status(struct node *n, struct ctl_client *cl, enum ctl_cmd_type type)
{
	int (*fmt)(const struct dm_status *, char *, size_t) = type == CTL_CMD_METRICS ? status_prometheus
							       : type == CTL_CMD_STATUS_JSON ? status_json
							       : type == CTL_CMD_STATUS_VERBOSE ? status_text
											     : status_table;
	char *buf = NULL;
	int rc = -1;

	node_status_fill(n);
	/* GTID sets have any length: grow until it fits (bounded by the control socket's 1 MiB). */
	for (size_t len = CTL_BUF; rc < 0 && len <= CTL_MAX; len *= 2) {
		free(buf);
		if (!(buf = malloc(len)))
			break;
		rc = fmt(&n->status, buf, len);
	}
	if (rc < 0)
		reply_simple(cl, false, "error", "status too large");
	else
		reply_big(cl, type == CTL_CMD_STATUS_JSON ? "status" : "text", buf, type == CTL_CMD_STATUS_JSON);
	free(buf);
}

void node_ctl_command(void *ud, struct ctl_client *cl, const char *line)
{
	struct node *n = ud;
	struct ctl_cmd cmd;
	char msg[2048];

	if (ctl_cmd_parse(line, strlen(line), &cmd, msg, sizeof(msg)) < 0) {
		reply_simple(cl, false, "error", msg);
		return;
	}
	log_debug(LOG_CAT_CTL, "control: command %d", (int)cmd.type);
	if (cmd.changes_state && !privileged(cl)) {
		reply_simple(cl, false, "error", "permission denied");
		return;
	}
	switch (cmd.type) {
	case CTL_CMD_STATUS:
	case CTL_CMD_STATUS_VERBOSE:
	case CTL_CMD_STATUS_JSON:
	case CTL_CMD_METRICS:
		reply_status(n, cl, cmd.type);
		return;
	case CTL_CMD_MAINTENANCE: {
		struct sup_event ev = { .type = SUP_EV_MAINTENANCE, .on = cmd.on };
		node_dispatch(n, &ev);
		node_publish(n);
		reply_simple(cl, true, "message", n->sup.maintenance ? "maintenance on: failover frozen on this node"
								     : "maintenance off");
		return;
	}
	case CTL_CMD_RELOAD: {
		int rc = node_reload(n, msg, sizeof(msg));
		reply_simple(cl, rc == 0, rc == 0 ? "message" : "error", msg);
		return;
	}
	case CTL_CMD_SWITCHOVER: {
		if (n->switchover_client) {
			reply_simple(cl, false, "error", "a switchover is running");
			return;
		}
		/* The supervisor answers this client (SUP_ACT_REPLY), now or when the sequence ends. */
		n->switchover_client = cl;
		struct sup_event ev = { .type = SUP_EV_SWITCHOVER };
		node_dispatch(n, &ev);
		node_publish(n);
		return;
	}
	case CTL_CMD_HISTORY: {
		static const struct state_saved none;
		const struct state_saved *sv = n->saved ? n->saved : &none;
		size_t len = 512 + (size_t)sv->n * 2048; /* an entry's JSON, every reason byte escaped, fits */
		char *buf = malloc(len);
		int rc = !buf ? -1 : cmd.json ? history_json(sv, cmd.count, buf, len) : history_text(sv, cmd.count, buf, len);
		if (rc < 0)
			reply_simple(cl, false, "error", buf ? "history too large" : "out of memory");
		else
			reply_big(cl, cmd.json ? "history" : "text", buf, cmd.json);
		free(buf);
		return;
	}
	case CTL_CMD_DEBUG:
		log_set_debug(log_cat_parse(cmd.category), cmd.on);
		snprintf(msg, sizeof(msg), "debug %s %s", cmd.category, cmd.on ? "on" : "off");
		reply_simple(cl, true, "message", msg);
		return;
	}
}
