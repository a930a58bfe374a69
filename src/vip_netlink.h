/* Adds and removes the VIPs with libnl-route-3 (no `ip` subprocess); finds our primary address. */
#ifndef DM_VIP_NETLINK_H
#define DM_VIP_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>

#include "conf.h"

struct vip_nl;

/* Opens a NETLINK_ROUTE socket for ifname. Returns 0 or -errno (-ENODEV: no such interface,
 * -EINVAL: empty or longer than IFNAMSIZ-1). The ifindex is resolved once here; a renamed or
 * re-created interface needs a new handle. Every request below waits for the kernel's answer, at
 * most 2 s (then -EAGAIN). The caller owns *out and frees it with vip_nl_close(). */
int vip_nl_open(struct vip_nl **out, const char *ifname);
int vip_nl_ifindex(const struct vip_nl *v);
/* Interface MAC for gratuitous ARP, read from the kernel on each call. 0, -EADDRNOTAVAIL when the
 * link has no 6-byte hardware address, or -errno. */
int vip_nl_mac(const struct vip_nl *v, unsigned char mac[6]);

/* Idempotent: an address already there (EEXIST) counts as added, a missing one (EADDRNOTAVAIL)
 * as removed. Returns 0 when every VIP is in the wanted state, else the first -errno (the others
 * are still attempted). Label "<ifname>:dm" on each address so operators can see whose it is
 * (the bare ifname when that would not fit the kernel's 15 characters).
 * Deletion matches address and prefix length (not the label): a VIP present with another prefix
 * length is left in place and still counts as removed; vip_nl_count_present() will see it.
 * IPv6 VIPs are added without duplicate address detection (IFA_F_NODAD), as keepalived does.
 * Does not check prefixlen beyond 1..32, 1..128 (-EINVAL) nor that a VIP is not the host's own address.
 * Deleting a VIP that the kernel made primary (first address of its subnet) also deletes that
 * subnet's secondaries unless net.ipv4.conf.IF.promote_secondaries is set. */
int vip_nl_add_all(struct vip_nl *v, const struct conf_vip *vips, int n);
int vip_nl_del_all(struct vip_nl *v, const struct conf_vip *vips, int n);
/* How many of vips are on the interface now (a fresh kernel dump), matched by address alone,
 * whatever the prefix length. n <= CONF_MAX_VIPS. -errno on failure. */
int vip_nl_count_present(struct vip_nl *v, const struct conf_vip *vips, int n);

/* The address adverts are sent from (ipaddr.h form). IPv4: the first address on the interface that
 * is not secondary and not one of vips (a VIP left over after a crash, or a /32 VIP, is flagged
 * primary too). v6: the first link-local address whose duplicate address detection is over.
 * Returns 0, -EADDRNOTAVAIL when there is none, or another -errno when the kernel dump fails. */
int vip_nl_primary(struct vip_nl *v, const struct conf_vip *vips, int n, bool v6, struct in6_addr *out);

/* Start-up: removes (when remove) the VIPs a previous run left, those carrying our label (IPv6,
 * which has no labels: those added without DAD, as we add them); a VIP present otherwise is the
 * host's own address and is left alone, reported in *foreign (ipaddr.h form, all zero when none).
 * Returns how many were removed, or -errno. */
int vip_nl_remove_stale(struct vip_nl *v, const struct conf_vip *vips, int n, bool remove,
			struct in6_addr *foreign);

/* 1 when addr (ipaddr.h form) is on the interface and usable (its duplicate address detection
 * over), 0 when not (yet), or -errno. */
int vip_nl_addr_ready(struct vip_nl *v, struct in6_addr addr);

/* The interface as the VRRP engine needs it: *up when administratively up with carrier (IFF_UP and
 * IFF_RUNNING), *has_addr when addr (the advert source) is on it. 0 or -errno. */
int vip_nl_link_state(struct vip_nl *v, struct in6_addr addr, bool *up, bool *has_addr);

void vip_nl_close(struct vip_nl *v);

#endif
