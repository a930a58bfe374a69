/* Gratuitous ARP: the frame is built by a pure function, sent through one AF_PACKET socket. */
#ifndef DM_GARP_H
#define DM_GARP_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

#define GARP_FRAME_LEN 42 /* 14 Ethernet + 28 ARP */

/* ARP request from vip to vip, sender MAC mac, target MAC ff:ff:ff:ff:ff:ff, to broadcast
 * (as keepalived sends it). Returns the frame length or -1 when len is too small. */
int garp_build(uint8_t *frame, size_t len, const uint8_t mac[6], struct in_addr vip);

struct garp;
/* Opens a send-only, non-blocking AF_PACKET socket (protocol 0: nothing is ever queued for reading)
 * for ifindex, remembering mac as the frames' source. Needs CAP_NET_RAW. Returns 0 or -errno; the
 * caller owns *out and frees it with garp_close(). Does not check that the link is up or ARP-capable
 * (IFF_NOARP): the caller decides whether to send at all. */
int garp_open(struct garp **out, int ifindex, const uint8_t mac[6]);
/* Sends one GARP per VIP, all of them even after a failure. Returns 0 or the first -errno
 * (-EAGAIN/-ENOBUFS when the device queue is full: that GARP is lost, not retried). */
int garp_send(struct garp *g, const struct conf_vip *vips, int n);
void garp_close(struct garp *g);

#endif
