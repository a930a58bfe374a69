/* Netlink link and address events for the VRRP interface, delivered on the sd-event loop. */
#include "link_watch.h"

#include <errno.h>
#include <stdlib.h>

#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "event_util.h"
#include "log.h"

struct link_watch {
	struct nl_sock *sk;
	sd_event_source *src;
	int ifindex;
	link_watch_cb cb;
	void *ud;
	bool changed;
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct link_watch *w = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if (h->nlmsg_type == RTM_NEWLINK || h->nlmsg_type == RTM_DELLINK) {
		struct ifinfomsg *ifi = nlmsg_data(h);
		if (ifi->ifi_index == w->ifindex)
			w->changed = true;
	} else if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR) {
		struct ifaddrmsg *ifa = nlmsg_data(h);
		if ((int)ifa->ifa_index == w->ifindex)
			w->changed = true;
	}
	return NL_OK;
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct link_watch *w = ud;
	(void)s;
	(void)fd;
	(void)revents;

	w->changed = false;
	/* Bounded: the socket is non-blocking, each call reads what is queued. */
	for (int i = 0; i < 64; i++) {
		int err = nl_recvmsgs_default(w->sk);
		if (err == -NLE_AGAIN)
			break;
		if (err == -NLE_NOMEM) { /* ENOBUFS: events were lost; the state is read afresh anyway */
			w->changed = true;
			continue;
		}
		if (err < 0) {
			log_debug(LOG_CAT_NETLINK, "link watch: %s", nl_geterror(err));
			break;
		}
	}
	if (w->changed)
		w->cb(w->ud);
	return 0;
}

int link_watch_open(struct link_watch **out, sd_event *e, int ifindex, link_watch_cb cb, void *ud)
{
	struct link_watch *w = calloc(1, sizeof(*w));
	int err;

	*out = NULL;
	if (!w || !(w->sk = nl_socket_alloc())) {
		free(w);
		return -ENOMEM;
	}
	w->ifindex = ifindex;
	w->cb = cb;
	w->ud = ud;
	/* Events carry no sequence numbers of ours. */
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, w);
	if ((err = nl_connect(w->sk, NETLINK_ROUTE)) < 0 ||
	    (err = nl_socket_add_memberships(w->sk, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, 0)) < 0 ||
	    (err = nl_socket_set_nonblocking(w->sk)) < 0) {
		log_warnx("link watch: %s", nl_geterror(err));
		link_watch_close(w);
		return -EIO;
	}
	err = sd_event_add_io(e, &w->src, nl_socket_get_fd(w->sk), EPOLLIN, on_readable, w);
	if (err < 0) {
		link_watch_close(w);
		return err;
	}
	*out = w;
	return 0;
}

void link_watch_close(struct link_watch *w)
{
	if (!w)
		return;
	event_source_drop(w->src);
	nl_socket_free(w->sk);
	free(w);
}
