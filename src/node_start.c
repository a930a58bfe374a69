/* The node's life cycle: opening every resource, start-up safety, reload, shutdown and cleanup. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_load.h"
#include "ctl_server.h"
#include "garp.h"
#include "hooks.h"
#include "instance_lock.h"
#include "ipaddr.h"
#include "link_watch.h"
#include "log.h"
#include "mysql_probe.h"
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
	if (!n->conf.witness.enabled)
		return 0;
	/* The witness gets lease jobs only: one command worker, bounded by the lease (a statement
	 * slower than that is no use to the lease; the supervisor cancels it at half the lease). */
	struct db_worker *w = db_worker_new("witness", &n->conf.witness.db, n->conf.witness.lease_ms);
	if (!w)
		return -ENOMEM;
	n->srv[SUP_WITNESS].w[NODE_CMD] = w;
	return sd_event_add_io(n->ev, &n->srv[SUP_WITNESS].src[NODE_CMD], db_worker_fd(w), EPOLLIN, node_on_worker, n);
}

static int add_timer(struct node *n, sd_event_source **s, sd_event_time_handler_t cb)
{
	int rc = sd_event_add_time(n->ev, s, CLOCK_MONOTONIC, UINT64_MAX, TIMER_ACCURACY_US, cb, n);
	if (rc >= 0)
		sd_event_source_set_enabled(*s, SD_EVENT_OFF);
	return rc;
}

/* A crash must not leave a stale VIP: ours (with our label) go first. A VIP that is the host's own
 * address (another label) is a configuration error: removing it would cut the host off. */
static int remove_stale_vips(struct node *n)
{
	struct in6_addr foreign;
	char a[IPADDR_STRLEN];
	int removed = vip_nl_remove_stale(n->vip, n->all_vips, n->n_all_vips, true, &foreign);

	if (removed < 0) {
		log_warnx("removing stale VIPs from %s: %s", n->conf.vrrp.interface, strerror(-removed));
		return 0;
	}
	if (!ipaddr_is_none(&foreign)) {
		log_err("VIP %s is an address of %s that dualmasterd did not add: not starting",
			ipaddr_str(&foreign, a), n->conf.vrrp.interface);
		return -EADDRINUSE;
	}
	if (removed > 0)
		log_warnx("found %d of our VIPs on %s at start (left by a previous run): removed", removed,
			  n->conf.vrrp.interface);
	return 0;
}

static int on_sup_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct node *n = ud;
	struct node_server *p = &n->srv[SUP_PEER];
	(void)s;
	(void)usec;
	struct sup_event ev = { .type = SUP_EV_TICK,
				.peer_answered = db_worker_answers(p->w[NODE_CMD]) != p->cmd_answers };
	node_dispatch(n, &ev);
	node_publish(n);
	return 0;
}

static int on_vrrp(sd_event_source *src, int fd, uint32_t revents, void *ud)
{
	struct node *n = ud;
	struct vrrp_heard h;
	(void)src;
	(void)fd;
	(void)revents;

	for (int budget = 0; budget < 64; budget++) {
		int rc = vrrp_sock_recv(n->vs, &h);
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		struct sup_event ev = { .type = SUP_EV_ADVERT, .adv_priority = h.priority, .adv_src = h.src,
					.adv_interval_cs = h.interval_cs };
		node_dispatch(n, &ev);
	}
	node_publish(n);
	return 0;
}

static void on_link(void *ud)
{
	struct node *n = ud;
	struct sup_event ev = { .type = SUP_EV_LINK };
	int rc = vip_nl_link_state(n->vip, n->primary, &ev.link_up, &ev.link_addr);

	if (rc < 0) {
		log_warnx("interface %s: state not readable: %s", n->conf.vrrp.interface, strerror(-rc));
		return;
	}
	node_dispatch(n, &ev);
	/* An address event may be a VIP of ours removed by someone else. */
	if (n->sup.vip_held && !n->sup.vip_wait &&
	    vip_nl_count_present(n->vip, n->conf.vrrp.vips, n->conf.vrrp.n_vips) < n->conf.vrrp.n_vips) {
		struct sup_event gone = { .type = SUP_EV_VIP_GONE };
		node_dispatch(n, &gone);
	}
	node_publish(n);
}

static void on_isolation(void *ud, bool isolated)
{
	struct node *n = ud;
	struct sup_event ev = { .type = SUP_EV_ISOLATION, .on = isolated };
	node_dispatch(n, &ev);
	node_publish(n);
}

/* Someone else answered ARP for the read VIP (or said it has it). */
static int on_arp(sd_event_source *src, int fd, uint32_t revents, void *ud)
{
	struct node *n = ud;
	(void)src;
	(void)fd;
	(void)revents;

	int rc = garp_read_claims(n->garp, n->conf.vrrp.read_vips[0].addr);
	if (rc > 0) {
		struct sup_event ev = { .type = SUP_EV_READ_SEEN };
		node_dispatch(n, &ev);
		node_publish(n);
	} else if (rc < 0) {
		log_warnx("ARP socket on %s: %s", n->conf.vrrp.interface, strerror(-rc));
	}
	return 0;
}

#define LINK_LOCAL_WAIT_STEPS 50
#define LINK_LOCAL_WAIT_STEP_US 100000 /* 5 s in all: DAD takes 1 s by default (RFC 4862) */

static int open_network(struct node *n, const struct conf *conf)
{
	unsigned char mac[6];
	int rc;

	n->n_all_vips = 0;
	for (int i = 0; i < conf->vrrp.n_vips; i++)
		n->all_vips[n->n_all_vips++] = conf->vrrp.vips[i];
	for (int i = 0; i < conf->vrrp.n_read_vips; i++)
		n->all_vips[n->n_all_vips++] = conf->vrrp.read_vips[i];
	if ((rc = vip_nl_open(&n->vip, conf->vrrp.interface)) < 0) {
		log_err("interface %s: %s", conf->vrrp.interface, strerror(-rc));
		return rc;
	}
	n->ifindex = vip_nl_ifindex(n->vip);
	if ((rc = remove_stale_vips(n)) < 0)
		return rc;
	bool v6 = conf_vrrp_v6(&conf->vrrp);
	/* An IPv6 address is usable once duplicate address detection is over (about a second after
	 * the link came up): a daemon started with the network waits for its source, boundedly. */
	bool own_src = !ipaddr_is_none(&conf->vrrp.src_ip);
	for (int i = 0; v6 && i < LINK_LOCAL_WAIT_STEPS; i++) {
		if (own_src ? vip_nl_addr_ready(n->vip, conf->vrrp.src_ip) != 0
			    : vip_nl_primary(n->vip, n->all_vips, n->n_all_vips, true, &n->primary) != -EADDRNOTAVAIL)
			break;
		if (i == 0)
			log_info("interface %s: waiting for its %s address", conf->vrrp.interface,
				 own_src ? "src_ip" : "link-local");
		usleep(LINK_LOCAL_WAIT_STEP_US);
	}
	if (!ipaddr_is_none(&conf->vrrp.src_ip))
		n->primary = conf->vrrp.src_ip;
	else if ((rc = vip_nl_primary(n->vip, n->all_vips, n->n_all_vips, v6, &n->primary)) < 0) {
		log_err("interface %s has no %s address of its own to send adverts from", conf->vrrp.interface,
			v6 ? "usable link-local" : "IPv4");
		return rc;
	}
	bool listen = conf->vrrp.n_read_vips > 0;
	if ((rc = vip_nl_mac(n->vip, mac)) < 0 || (rc = garp_open(&n->garp, n->ifindex, mac, listen)) < 0) {
		log_err("ARP socket on %s: %s", conf->vrrp.interface, strerror(-rc));
		return rc;
	}
	if (listen && (rc = sd_event_add_io(n->ev, &n->arp_src, garp_fd(n->garp), EPOLLIN, on_arp, n)) < 0)
		return rc;
	if ((rc = vrrp_sock_open(&n->vs, &conf->vrrp, n->ifindex, n->primary)) < 0) {
		log_err("VRRP socket on %s: %s", conf->vrrp.interface, strerror(-rc));
		return rc;
	}
	if ((rc = sd_event_add_io(n->ev, &n->vs_src, vrrp_sock_fd(n->vs), EPOLLIN, on_vrrp, n)) < 0)
		return rc;
	if ((rc = link_watch_open(&n->lw, n->ev, n->ifindex, on_link, n)) < 0) {
		log_err("interface events on %s: %s", conf->vrrp.interface, strerror(-rc));
		return rc;
	}
	return 0;
}

int node_start(struct node *n, sd_event *ev, const struct conf *conf)
{
	int rc;

	n->ev = ev;
	n->conf = *conf;
	/* Before any VIP or server is touched: a second instance must change nothing. */
	char why[256];
	if ((n->lock_fd = instance_lock(conf->vrrp.interface, conf->vrrp.vrid, conf->control_socket, why,
					sizeof(why))) < 0) {
		log_err("%s: not starting", why);
		return n->lock_fd;
	}
	if ((rc = open_network(n, conf)) < 0)
		return rc;
	if ((rc = add_timer(n, &n->sup_timer, on_sup_timer)) < 0 ||
	    (rc = add_timer(n, &n->probe_timer, node_on_probe_timer)) < 0)
		return rc;
	if ((rc = open_workers(n)) < 0) {
		log_err("MySQL workers: %s", strerror(-rc));
		return rc;
	}
	if ((rc = hooks_new(&n->hooks, ev)) < 0)
		return rc;
	hooks_set_done_cb(n->hooks, node_on_hook_done, n);
	if ((rc = tiebreaker_open(&n->tb, &conf->tiebreaker, ev, on_isolation, n)) < 0) {
		log_err("tiebreaker: %s", strerror(-rc));
		return rc;
	}
	if ((rc = ctl_server_open(&n->ctl, conf->control_socket, ev, node_ctl_command, n)) < 0) {
		log_err("control socket %s: %s", conf->control_socket, strerror(-rc));
		return rc;
	}
	sup_init(&n->sup, conf, n->primary, node_now(n));
	node_state_load(n);
	struct sup_event ev0 = { .type = SUP_EV_START };
	node_dispatch(n, &ev0);
	on_link(n); /* the interface as it is now; events keep it current */
	node_arm(n->probe_timer, node_now(n) + 1);
	char a[IPADDR_STRLEN];
	log_info("started: %s on %s (%s), vrid %d v%d, priority %d", conf->node_name, conf->vrrp.interface,
		 ipaddr_str(&n->primary, a), conf->vrrp.vrid, conf->vrrp.version, conf->vrrp.priority);
	return 0;
}

void node_shutdown(struct node *n)
{
	struct sup_event ev = { .type = SUP_EV_SHUTDOWN };

	if (n->sup.shutting_down)
		return;
	notify_stopping();
	node_dispatch(n, &ev);
}

/* Options that need new sockets or change the group keep their running value until a restart: of
 * the vrrp section, all but priority, preempt and preempt_delay_ms. Both configurations come from
 * conf_load into zeroed memory, so comparing whole sections compares their values. */
static void keep_structural(const struct conf *old, struct conf *neu)
{
	struct conf_vrrp v = old->vrrp;
	v.priority = neu->vrrp.priority;
	v.preempt = neu->vrrp.preempt;
	v.preempt_delay_ms = neu->vrrp.preempt_delay_ms;
	if (memcmp(&v, &neu->vrrp, sizeof(v)) || strcmp(old->control_socket, neu->control_socket) ||
	    strcmp(old->state_file, neu->state_file) || memcmp(&old->local, &neu->local, sizeof(old->local)) ||
	    memcmp(&old->peer, &neu->peer, sizeof(old->peer)) || memcmp(&old->tiebreaker, &neu->tiebreaker,
									  sizeof(old->tiebreaker)))
		log_warnx("reload: changes to vrrp (but priority, preempt, preempt_delay_ms), mysql, tiebreaker, "
			  "control_socket and state_file take effect at the next restart");
	int prio = neu->vrrp.priority;
	bool preempt = neu->vrrp.preempt;
	int pdelay = neu->vrrp.preempt_delay_ms;
	neu->vrrp = old->vrrp;
	neu->vrrp.priority = prio;
	neu->vrrp.preempt = preempt;
	neu->vrrp.preempt_delay_ms = pdelay;
	neu->local = old->local;
	neu->peer = old->peer;
	neu->tiebreaker = old->tiebreaker;
	memcpy(neu->control_socket, old->control_socket, sizeof(neu->control_socket));
	memcpy(neu->state_file, old->state_file, sizeof(neu->state_file));
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
	keep_structural(&n->conf, neu);
	n->conf = *neu;
	struct sup_event ev = { .type = SUP_EV_RELOAD, .conf = &n->conf };
	node_dispatch(n, &ev);
	snprintf(msg, len, "reloaded %s", n->conf.path);
	log_info("%s", msg);
	rc = 0;
out:
	if (neu)
		explicit_bzero(neu, sizeof(*neu));
	free(neu);
	free(errs);
	node_status_fill(n);
	char line[512];
	status_line(&n->status, line, sizeof(line));
	notify_ready(line);
	return rc;
}

void node_stop(struct node *n)
{
	/* Whatever happened, a stopping node holds no VIP. */
	if (n->vip)
		vip_nl_del_all(n->vip, n->all_vips, n->n_all_vips);
	ctl_server_close(n->ctl);
	tiebreaker_close(n->tb);
	hooks_free(n->hooks);
	link_watch_close(n->lw);
	for (int which = 0; which < 3; which++)
		for (int kind = 0; kind < 2; kind++) {
			sd_event_source_unref(n->srv[which].src[kind]);
			db_worker_free(n->srv[which].w[kind]);
		}
	for (int which = 0; which < 3; which++)
		free(n->srv[which].queued_gtid);
	sd_event_source_unref(n->vs_src);
	sd_event_source_unref(n->arp_src);
	sd_event_source_unref(n->sup_timer);
	sd_event_source_unref(n->probe_timer);
	vrrp_sock_close(n->vs);
	garp_close(n->garp);
	vip_nl_close(n->vip);
	node_state_sync(n);
	node_state_free(n);
	sup_free(&n->sup);
	if (n->lock_fd > 0)
		close(n->lock_fd);
	explicit_bzero(n->sup.conf.local.password, sizeof(n->sup.conf.local.password));
	explicit_bzero(n->sup.conf.peer.password, sizeof(n->sup.conf.peer.password));
	explicit_bzero(n->conf.local.password, sizeof(n->conf.local.password));
	explicit_bzero(n->conf.peer.password, sizeof(n->conf.peer.password));
	explicit_bzero(n->conf.witness.db.password, sizeof(n->conf.witness.db.password));
}
