/* VRRPv3 (RFC 5798/9568) IPv6 advertisement codec: pure, no I/O. */
#ifndef DM_VRRP_PACKET6_H
#define DM_VRRP_PACKET6_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vrrp_packet.h"

/* RFC 5798 5.1.2.2: "The destination address MUST be the IPv6 multicast address assigned by the
 * IANA for VRRP, which is FF02:0:0:0:0:0:0:12". The initializer is for static tables; the object
 * for everything else. */
#define VRRP6_MCAST_GROUP_INIT { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12 } } }
extern const struct in6_addr vrrp_pkt6_mcast_group;
#define VRRP6_HOP_LIMIT 255 /* RFC 5798 5.1.2.3: sent with 255, received packets with less discarded */
#define VRRP6_HLEN 8
#define VRRP6_MAX_LEN (VRRP6_HLEN + 16 * VRRP_MAX_ADDRS) /* 4088: the receive buffer size */

/* A decoded (or to-be-encoded) IPv6 advertisement. There is no v2 over IPv6 (RFC 3768 is IPv4 only). */
struct vrrp_adv6 {
	uint8_t version;            /* always 3 */
	uint8_t vrid;
	uint8_t priority;           /* 0 = master resigning */
	uint8_t naddr;
	uint16_t interval_cs;       /* Max Adver Int, centiseconds */
	/* RFC 9568 5.2.9: "For IPv6, the first address MUST be the IPv6 link-local address associated
	 * with the Virtual Router"; the codec carries the list as given and checks neither way. */
	struct in6_addr addrs[VRRP_MAX_ADDRS];
	/* From recvmsg on decode (the raw socket strips the IPv6 header); the pseudo-header on encode. */
	struct in6_addr src;
	struct in6_addr dst;
	uint8_t hop_limit;          /* decode only: the kernel sets it on send (IPV6_MULTICAST_HOPS) */
};

/* Decodes one VRRP message as an AF_INET6/IPPROTO_VRRP raw socket returns it: no IPv6 header, so
 * src, dst (IPV6_PKTINFO) and hop_limit (IPV6_HOPLIMIT) come from the control messages. A shell that
 * got no hop-limit cmsg should pass 0, which fails the check when exp->check_ttl.
 * exp is read as for IPv4: version (must be 3, else every packet is VRRP_PKT_VERSION), vrid and
 * check_ttl (hop limit 255, multicast mode); its v2 fields are ignored.
 * Checks, in RFC 5798 7.1 order: hop limit, version, type, length (exactly 8 + 16 * naddr, naddr >= 1:
 * the kernel trims link padding to the IPv6 Payload Length, so any extra byte is a trailer we do
 * not know, as in vrrp_pkt_decode), checksum, VRID, then a Max Adver Int of 0.
 * The checksum is accepted only with the RFC 8200 8.1 pseudo-header {src, dst, length, 112}
 * (RFC 9568 5.2.8: "For the IPv6 address family, the checksum calculation also includes a prepended
 * pseudo-header"); keepalived's v3_checksum_as_v2 is IPv4 only, and its IPv6 socket has the kernel
 * compute and verify this form (IPV6_CHECKSUM 6).
 * Does NOT check: that src is link-local (RFC 5798 5.1.2.1; keepalived unicast peers may use global
 * sources), that src is a configured peer or ourselves, that dst is the group, the address list
 * (vrrp_pkt6_addrs_match) or its link-local first entry, or the priority.
 * src, dst and out must not be NULL. Returns VRRP_PKT_OK and fills out, or the first reason found
 * (out then partially filled; src, dst and hop_limit always). */
enum vrrp_pkt_err vrrp_pkt6_decode(const uint8_t *buf, size_t len, const struct in6_addr *src,
				   const struct in6_addr *dst, uint8_t hop_limit,
				   const struct vrrp_pkt_expect *exp, struct vrrp_adv6 *out);

/* Encodes the VRRP message only (the kernel writes the IPv6 header), its checksum over the
 * pseudo-header from adv->src and adv->dst: src must be the address the kernel will put in the
 * header (bind or IPV6_PKTINFO), or the peer discards the advert. Returns the length written, or -1
 * if buf is too small or adv is invalid (version not 3, naddr 0, interval 0 or over 4095 cs: we never
 * send what vrrp_pkt6_decode rejects). Does NOT check vrid, priority or the addresses themselves
 * (nor that the first is link-local). */
int vrrp_pkt6_encode(const struct vrrp_adv6 *adv, uint8_t *buf, size_t len);

/* True when adv carries exactly the addresses in want, any order, duplicates counted. */
bool vrrp_pkt6_addrs_match(const struct vrrp_adv6 *adv, const struct in6_addr *want, int n);

/* True for fe80::/10 (RFC 4291 2.5.6), the only source RFC 5798 5.1.2.1 allows and the first
 * address RFC 9568 5.2.9 requires. */
bool vrrp_pkt6_is_link_local(const struct in6_addr *a);

#endif
