/* Adds and removes the VIPs with libnl-route-3 (no `ip` subprocess); finds our primary address. */
#ifndef DM_VIP_NETLINK_H
#define DM_VIP_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>

#include "conf.h"

struct vip_nl;

/* Opens a NETLINK_ROUTE socket for ifname. Returns 0 or -errno (-ENODEV: no such interface). */
int vip_nl_open(struct vip_nl **out, const char *ifname);
int vip_nl_ifindex(const struct vip_nl *v);
/* Interface MAC for gratuitous ARP. */
int vip_nl_mac(const struct vip_nl *v, unsigned char mac[6]);

/* Idempotent: an address already there (EEXIST) counts as added, a missing one (EADDRNOTAVAIL)
 * as removed. Returns 0 when every VIP is in the wanted state, else the first -errno (the others
 * are still attempted). Label "<ifname>:dm" on each address so operators can see whose it is. */
int vip_nl_add_all(struct vip_nl *v, const struct conf_vip *vips, int n);
int vip_nl_del_all(struct vip_nl *v, const struct conf_vip *vips, int n);
/* How many of vips are on the interface now (a fresh kernel dump). -errno on failure. */
int vip_nl_count_present(struct vip_nl *v, const struct conf_vip *vips, int n);

/* First IPv4 address on the interface that is not secondary and not one of vips (a VIP left over
 * after a crash, or a /32 VIP, is flagged primary too). Returns 0 or -EADDRNOTAVAIL. */
int vip_nl_primary(struct vip_nl *v, const struct conf_vip *vips, int n, struct in_addr *out);

void vip_nl_close(struct vip_nl *v);

#endif
