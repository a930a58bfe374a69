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
int garp_open(struct garp **out, int ifindex, const uint8_t mac[6]);
/* Sends one GARP per VIP. Returns 0 or the first -errno. */
int garp_send(struct garp *g, const struct conf_vip *vips, int n);
void garp_close(struct garp *g);

#endif
