/* Netlink link and address events for one interface, on the event loop (keepalived tracks its
 * interface the same way by default). */
#ifndef DM_LINK_WATCH_H
#define DM_LINK_WATCH_H

#include <systemd/sd-event.h>

struct link_watch;

/* Called from the loop after any link or IPv4 address change on ifindex (and changes elsewhere
 * are filtered out); the callee reads the interface's state itself (vip_nl_link_state): events
 * only say "look again", so a burst or a lost event changes nothing. */
typedef void (*link_watch_cb)(void *ud);

/* Subscribes to RTNLGRP_LINK and RTNLGRP_IPV4_IFADDR on its own netlink socket. 0 or -errno. An
 * overflowed socket buffer (ENOBUFS: events lost) also calls cb. */
int link_watch_open(struct link_watch **out, sd_event *e, int ifindex, link_watch_cb cb, void *ud);
void link_watch_close(struct link_watch *w);

#endif
