/* The raw IPPROTO_VRRP socket: multicast 224.0.0.18 or unicast peers, TTL 255, counters. */
#ifndef DM_VRRP_SOCK_H
#define DM_VRRP_SOCK_H

#include <netinet/in.h>
#include <stdint.h>

#include "conf.h"
#include "vrrp_packet.h"

struct vrrp_counters {
	uint64_t sent;
	uint64_t send_errors;
	uint64_t received;            /* valid adverts handed to the engine */
	uint64_t prio0_sent;
	uint64_t prio0_received;
	uint64_t rejected[VRRP_PKT_ERR_MAX]; /* by decode reason; [VRRP_PKT_OK] unused */
	uint64_t ignored_self;        /* our own adverts looped back */
	uint64_t ignored_not_peer;    /* unicast mode: source not in unicast_peers */
	uint64_t addr_mismatch;       /* address list differs from our vips (logged, still accepted, RFC 5798 7.1 MAY) */
};

struct vrrp_sock;

/* Opens the socket on c->interface (SO_BINDTODEVICE), joins 224.0.0.18 there unless unicast,
 * IP_MULTICAST_ALL/LOOP off, TTL 255 out, TOS 0xC0, bound to src so a VIP is never the source.
 * src: our primary address (from vip_netlink). Returns 0 or -errno; *out NULL on error. */
int vrrp_sock_open(struct vrrp_sock **out, const struct conf_vrrp *c, int ifindex, struct in_addr src);
int vrrp_sock_fd(const struct vrrp_sock *s);

/* Reads one datagram. Returns 1 and fills adv for a valid advert from someone else; 0 when the
 * datagram was dropped (counted by reason, logged rate-limited); -errno on socket error
 * (-EAGAIN: nothing to read). */
int vrrp_sock_recv(struct vrrp_sock *s, struct vrrp_adv *adv);

/* Sends one advert with this priority (0 = resign) to the group or to every unicast peer
 * (per-peer v3 checksum). Returns 0 or -errno (also counted). */
int vrrp_sock_send(struct vrrp_sock *s, uint8_t priority);

const struct vrrp_counters *vrrp_sock_counters(const struct vrrp_sock *s);
void vrrp_sock_close(struct vrrp_sock *s);

#endif
