/* The raw IPPROTO_VRRP sockets: IPv4 multicast 224.0.0.18 or unicast peers, or IPv6 multicast
 * ff02::12; hop limit 255, counters. */
#ifndef DM_VRRP_SOCK_H
#define DM_VRRP_SOCK_H

#include <netinet/in.h>
#include <stdint.h>

#include "conf.h"
#include "vrrp_counters.h"
#include "vrrp_packet.h"
#include "vrrp_packet6.h"

struct vrrp_sock;

/* One accepted advert, whichever family carried it. */
struct vrrp_heard {
	uint8_t priority;
	uint16_t interval_cs;
	struct in6_addr src;           /* ipaddr.h form: IPv4 mapped */
	/* The whole decoded message, owned by the socket, valid until the next recv: v4 or v6. */
	const struct vrrp_adv *v4;
	const struct vrrp_adv6 *v6;
};

/* Opens the socket on c->interface (SO_BINDTODEVICE), joins 224.0.0.18 there unless unicast,
 * IP_MULTICAST_ALL/LOOP off, TTL 255 out, TOS 0xC0, bound to src so a VIP is never the source.
 * src: our primary address (from vip_netlink), ipaddr.h form. An IPv6 instance (conf_vrrp_v6)
 * takes the interface's link-local address and works the same way over IPv6: ff02::12 joined,
 * hop limit 255, traffic class 0xC0, the VIPs of the first VIP's family advertised (the others
 * are held, not advertised, as keepalived's virtual_ipaddress_excluded). Returns 0 or -errno; *out
 * NULL on error.
 * Multicast mode uses two sockets: a send socket bound to src (its input dropped by a BPF filter)
 * and a receive socket bound to 224.0.0.18; unicast mode one socket bound to src, which receives
 * exactly what is sent to src. Reads c (copied; not kept) and validates only what it needs:
 * -EINVAL for src none or of the other family, n_vips outside 1..CONF_MAX_VIPS, or a
 * version/interval the codec cannot encode. Logs the failing step itself (log_warn), so the caller need not repeat the detail. */
int vrrp_sock_open(struct vrrp_sock **out, const struct conf_vrrp *c, int ifindex, struct in6_addr src);
/* The fd to poll for input (the receive socket). */
int vrrp_sock_fd(const struct vrrp_sock *s);

/* Reads one datagram. Returns 1 and fills h for a valid advert from the peer; 0 when the
 * datagram was dropped (counted by reason, logged rate-limited); -errno on socket error
 * (-EAGAIN: nothing to read). Drops, in this order: source == src (ignored_self), a source not in
 * c->accept_from (ignored_not_peer; none configured: any source), decode rejections (TTL or hop
 * limit 255 in both modes, a v3 interval of 0), an address list differing from our advertised
 * VIPs (addr_mismatch).
 * Rejections log at most one line per reason per 10 s; other VRIDs only at debug (pkt). */
int vrrp_sock_recv(struct vrrp_sock *s, struct vrrp_heard *h);

/* Sends one advert with this priority (0 = resign) to the group or to every unicast peer
 * (per-peer v3 checksum, or the RFC 9568 form with v3_checksum_as_v2). Tries every peer even
 * when one fails. Returns 0 or the last -errno (each failure counted, logged rate-limited). */
int vrrp_sock_send(struct vrrp_sock *s, uint8_t priority);

const struct vrrp_counters *vrrp_sock_counters(const struct vrrp_sock *s);
void vrrp_sock_close(struct vrrp_sock *s);

#endif
