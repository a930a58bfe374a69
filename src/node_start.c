/* The node's life cycle: opening every resource, start-up safety, reload, shutdown and cleanup. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_load.h"
#include "ctl_server.h"
#include "garp.h"
#include "hooks.h"
#include "log.h"
#include "node.h"
#include "notify.h"
#include "status_format.h"
#include "tiebreaker.h"
#include "vip_netlink.h"
#include "vrrp_sock.h"

static int open_workers(struct node *n)
{
	const struct conf_mysql *m[2] = { &n->conf.local, &n->conf.peer };
	static const char *names[2][2] = { { "local-probe", "local-cmd" }, { "peer-probe", "peer-cmd" } };

	for (int which = 0; which < 2; which++) {
		for (int kind = 0; kind < 2; kind++) {
			/* Commands wait on statements bounded by their own timeouts, probes by health. */
			int t = kind == NODE_PROBE ? n->conf.health.timeout_ms : n->conf.takeover.fence_timeout_ms;
			struct db_worker *w = db_worker_new(names[which][kind], m[which], t);
			if (!w)
				return -ENOMEM;
			n->srv[which].w[kind] = w;
			int rc = sd_event_add_io(n->ev, &n->srv[which].src[kind], db_worker_fd(w), EPOLLIN, node_on_worker, n);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int add_timer(struct node *n, sd_event_source **s, sd_event_time_handler_t cb)
{
	int rc = sd_event_add_time(n->ev, s, CLOCK_MONOTONIC, UINT64_MAX, TIMER_ACCURACY_US, cb, n);
	if (rc >= 0)
		sd_event_source_set_enabled(*s, SD_EVENT_OFF);
	return rc;
}

/* A crash must not leave a stale VIP: whatever of ours is on the interface goes first. */
static void remove_stale_vips(struct node *n)
{
	int present = vip_nl_count_present(n->vip, n->conf.vrrp.vips, n->conf.vrrp.n_vips);
	if (present > 0) {
		log_warnx("found %d of our VIPs on %s at start (left by a previous run): removing", present,
			  n->conf.vrrp.interface);
		snprintf(n->alert, sizeof(n->alert), "removed %d stale VIP(s) at start", present);
	}
	node_drop_vips(n);
}

int node_start(struct node *n, sd_event *ev, const struct conf *conf)
{
	int rc;
	unsigned char mac[6];

	n->ev = ev;
	n->conf = *conf;
	n->next_job_id = 1;
	n->local_epoch = 1;
	snprintf(n->verdict.reason, sizeof(n->verdict.reason), "no probe yet");

	if ((rc = vip_nl_open(&n->vip, conf->vrrp.interface)) < 0) {
		log_err("interface %s: %s", conf->vrrp.interface, strerror(-rc));
		return rc;
	}
	n->ifindex = vip_nl_ifindex(n->vip);
	if ((rc = add_timer(n, &n->garp_timer, node_on_garp_timer)) < 0 ||
	    (rc = add_timer(n, &n->vip_hold_timer, node_on_vip_hold_timer)) < 0)
		return rc;
	remove_stale_vips(n);
	if (conf->vrrp.src_ip.s_addr)
		n->primary = conf->vrrp.src_ip;
	else if ((rc = vip_nl_primary(n->vip, conf->vrrp.vips, conf->vrrp.n_vips, &n->primary)) < 0) {
		log_err("interface %s has no IPv4 address of its own to send adverts from", conf->vrrp.interface);
		return rc;
	}
	if ((rc = vip_nl_mac(n->vip, mac)) < 0 || (rc = garp_open(&n->garp, n->ifindex, mac)) < 0) {
		log_err("gratuitous ARP socket on %s: %s", conf->vrrp.interface, strerror(-rc));
		return rc;
	}
	if ((rc = vrrp_sock_open(&n->vs, &conf->vrrp, n->ifindex, n->primary)) < 0) {
		log_err("VRRP socket on %s: %s", conf->vrrp.interface, strerror(-rc));
		return rc;
	}
	if ((rc = sd_event_add_io(ev, &n->vs_src, vrrp_sock_fd(n->vs), EPOLLIN, node_on_vrrp, n)) < 0)
		return rc;
	if ((rc = add_timer(n, &n->fsm_timer, node_on_fsm_timer)) < 0 || (rc = add_timer(n, &n->fo_timer, node_on_fo_timer)) < 0 ||
	    (rc = add_timer(n, &n->probe_timer, node_on_probe_timer)) < 0)
		return rc;
	if ((rc = open_workers(n)) < 0) {
		log_err("MySQL workers: %s", strerror(-rc));
		return rc;
	}
	if ((rc = hooks_new(&n->hooks, ev)) < 0)
		return rc;
	if ((rc = tiebreaker_open(&n->tb, &conf->tiebreaker, ev, node_on_isolation, n)) < 0) {
		log_err("tiebreaker: %s", strerror(-rc));
		return rc;
	}
	if ((rc = ctl_server_open(&n->ctl, conf->control_socket, ev, node_ctl_command, n)) < 0) {
		log_err("control socket %s: %s", conf->control_socket, strerror(-rc));
		return rc;
	}

	/* Start safe (failover-safety 5): read-only and BACKUP, never MASTER, whatever the config. */
	struct db_job ro = { .type = DB_JOB_SET_READONLY, .kill_clients = true, .timeout_ms = conf->takeover.fence_timeout_ms };
	node_submit_cmd(n, NODE_LOCAL, ro);

	struct vrrp_fsm_conf fc = {
		.version = (uint8_t)conf->vrrp.version,
		.adver_int_cs = (uint16_t)(conf->vrrp.advert_interval_ms / 10),
		.preempt = conf->vrrp.preempt,
		.preempt_delay_ms = (uint32_t)conf->vrrp.preempt_delay_ms,
		.primary = n->primary,
	};
	vrrp_fsm_init(&n->fsm, &fc, (uint8_t)conf->vrrp.priority, false);
	n->state_since_us = node_now(n);
	struct vrrp_event ev0 = { .type = VRRP_EV_STARTUP };
	node_fsm_event(n, &ev0);

	node_arm(n->probe_timer, node_now(n) + 1);
	log_info("started: %s on %s (%s), vrid %d v%d, priority %d", conf->node_name, conf->vrrp.interface,
		 inet_ntoa(n->primary), conf->vrrp.vrid, conf->vrrp.version, conf->vrrp.priority);
	return 0;
}

void node_shutdown(struct node *n)
{
	if (n->shutting_down)
		return;
	n->shutting_down = true;
	notify_stopping();
	node_release_vip(n, "shutting down");
	log_info("shutting down");
	struct vrrp_event ev = { .type = VRRP_EV_SHUTDOWN };
	node_fsm_event(n, &ev);
	if (!fo_active(&n->fo))
		sd_event_exit(n->ev, 0);
}

/* Options that need new sockets or change the group keep their running value until a restart. */
static void keep_structural(const struct conf *old, struct conf *neu)
{
	if (strcmp(old->vrrp.interface, neu->vrrp.interface) || old->vrrp.vrid != neu->vrrp.vrid ||
	    old->vrrp.version != neu->vrrp.version || old->vrrp.n_vips != neu->vrrp.n_vips ||
	    memcmp(old->vrrp.vips, neu->vrrp.vips, sizeof(old->vrrp.vips)) ||
	    old->vrrp.n_unicast_peers != neu->vrrp.n_unicast_peers ||
	    strcmp(old->control_socket, neu->control_socket) || memcmp(&old->local, &neu->local, sizeof(old->local)) ||
	    memcmp(&old->peer, &neu->peer, sizeof(old->peer)) || memcmp(&old->tiebreaker, &neu->tiebreaker,
									  sizeof(old->tiebreaker)))
		log_warnx("reload: vrrp interface/vrid/version/vips/peers, mysql, tiebreaker and control_socket "
			  "changes take effect at the next restart");
	neu->vrrp = old->vrrp;
	neu->local = old->local;
	neu->peer = old->peer;
	neu->tiebreaker = old->tiebreaker;
	memcpy(neu->control_socket, old->control_socket, sizeof(neu->control_socket));
}

int node_reload(struct node *n, char *msg, size_t len)
{
	struct conf *neu = calloc(1, sizeof(*neu));
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	int rc = -1;

	notify_reloading();
	if (!neu || !errs) {
		snprintf(msg, len, "out of memory");
		goto out;
	}
	if (conf_load(n->conf.path, neu, errs) < 0) {
		size_t off = (size_t)snprintf(msg, len, "reload failed, running configuration kept:");
		for (int i = 0; i < errs->n && off < len; i++) {
			log_err("reload: %s", errs->msg[i]);
			off += (size_t)snprintf(msg + off, len - off, "\n%s", errs->msg[i]);
		}
		goto out;
	}
	int prio = neu->vrrp.priority;
	bool preempt = neu->vrrp.preempt;
	int pdelay = neu->vrrp.preempt_delay_ms;
	keep_structural(&n->conf, neu);
	neu->vrrp.priority = prio;
	neu->vrrp.preempt = preempt;
	neu->vrrp.preempt_delay_ms = pdelay;
	n->conf = *neu;
	n->fsm.conf.preempt = preempt;
	n->fsm.conf.preempt_delay_ms = (uint32_t)pdelay;
	node_evaluate(n);
	snprintf(msg, len, "reloaded %s", n->conf.path);
	log_info("%s", msg);
	rc = 0;
out:
	free(neu);
	free(errs);
	node_status_fill(n);
	char line[512];
	status_line(&n->status, line, sizeof(line));
	notify_ready(line);
	return rc;
}

void node_force_priority(struct node *n)
{
	struct vrrp_event ev = { .type = VRRP_EV_PRIORITY, .priority = (uint8_t)(n->verdict.priority ?: 1),
				 .eligible = n->verdict.eligible };
	node_fsm_event(n, &ev);
}

void node_stop(struct node *n)
{
	/* Whatever happened, a stopping node holds no VIP. */
	if (n->vip)
		node_drop_vips(n);
	ctl_server_close(n->ctl);
	tiebreaker_close(n->tb);
	hooks_free(n->hooks);
	for (int which = 0; which < 2; which++)
		for (int kind = 0; kind < 2; kind++) {
			sd_event_source_unref(n->srv[which].src[kind]);
			db_worker_free(n->srv[which].w[kind]);
		}
	sd_event_source_unref(n->vs_src);
	sd_event_source_unref(n->fsm_timer);
	sd_event_source_unref(n->fo_timer);
	sd_event_source_unref(n->probe_timer);
	sd_event_source_unref(n->garp_timer);
	sd_event_source_unref(n->vip_hold_timer);
	vrrp_sock_close(n->vs);
	garp_close(n->garp);
	vip_nl_close(n->vip);
	memset(n->conf.local.password, 0, sizeof(n->conf.local.password));
	memset(n->conf.peer.password, 0, sizeof(n->conf.peer.password));
}
