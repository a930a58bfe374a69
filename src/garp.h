/* ARP on the VRRP interface: gratuitous ARP for the VIPs (unsolicited NA for IPv6 ones); for the read VIPs, whether another host
 * has one. Frames are built and parsed by pure functions, sent and read through one AF_PACKET socket. */
#ifndef DM_GARP_H
#define DM_GARP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define GARP_FRAME_LEN 42 /* 14 Ethernet + 28 ARP */

/* ARP request from vip to vip, sender MAC mac, target MAC ff:ff:ff:ff:ff:ff, to broadcast
 * (as keepalived sends it). Returns the frame length or -1 when len is too small. */
int garp_build(uint8_t *frame, size_t len, const uint8_t mac[6], struct in_addr vip);

/* RFC 5227 probe: ARP request "who has ip" from mac with sender address 0.0.0.0, target MAC zeros,
 * to broadcast. Returns the frame length or -1 when len is too small. */
int arp_probe_build(uint8_t *frame, size_t len, const uint8_t mac[6], struct in_addr ip);
/* True when frame is an Ethernet ARP request or reply whose sender address is ip, from a MAC that
 * is not own_mac (in the Ethernet header and in the ARP body): another host has ip. */
bool arp_claims(const uint8_t *frame, size_t len, const uint8_t own_mac[6], struct in_addr ip);

struct garp;
/* Opens a non-blocking AF_PACKET socket for ifindex, remembering mac as the frames' source. Not
 * listen: send-only (protocol 0, nothing is ever queued for reading). listen: bound to ifindex for
 * ARP, read with garp_read_claims() when garp_fd() is readable. Needs CAP_NET_RAW. Returns 0 or
 * -errno; the caller owns *out and frees it with garp_close(). Does not check that the link is up
 * or ARP-capable (IFF_NOARP): the caller decides whether to send at all. */
int garp_open(struct garp **out, int ifindex, const uint8_t mac[6], bool listen);
int garp_fd(const struct garp *g);
/* Sends one RFC 5227 probe for ip. 0 or -errno. */
int garp_probe(struct garp *g, struct in_addr ip);
/* Reads what is queued (at most 64 frames): 1 when one of them shows another host with ip, else 0,
 * or -errno when the first read fails otherwise than with EAGAIN. */
int garp_read_claims(struct garp *g, struct in_addr ip);
/* Sends one GARP per IPv4 VIP and one unsolicited neighbour advertisement per IPv6 VIP (ndisc.h),
 * all of them even after a failure. Returns 0 or the first -errno (-EAGAIN/-ENOBUFS when the device
 * queue is full: that frame is lost, not retried). */
int garp_send(struct garp *g, const struct conf_vip *vips, int n);
void garp_close(struct garp *g);

#endif
