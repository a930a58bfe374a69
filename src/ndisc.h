/* Unsolicited IPv6 Neighbor Advertisement for a VIP (RFC 4861 7.2.6): a pure frame builder. */
#ifndef DM_NDISC_H
#define DM_NDISC_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define NDISC_NA_FRAME_LEN 86 /* 14 Ethernet + 40 IPv6 + 24 NA + 8 Target Link-Layer Address option */

/* The frame keepalived sends on taking an IPv6 VIP: Ethernet 33:33:00:00:00:01 from mac, IPv6 from
 * vip to ff02::1 (all-nodes), hop limit 255, ICMPv6 Neighbor Advertisement with Override set and
 * Router and Solicited clear, target vip, Target Link-Layer Address option mac; ICMPv6 checksum over
 * the RFC 8200 pseudo-header. Returns NDISC_NA_FRAME_LEN, or -1 when len is too small.
 * Does NOT check that vip is a unicast address, nor that mac is a unicast MAC; Router stays clear
 * even where keepalived sets it (an interface with IPv6 forwarding on). For an AF_PACKET socket
 * whose sll_protocol is ETH_P_IPV6. */
int ndisc_na_build(uint8_t *frame, size_t len, const uint8_t mac[6], const struct in6_addr *vip);

#endif
