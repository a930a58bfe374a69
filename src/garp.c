/* Gratuitous ARP for the VIPs: a pure frame builder and a send-only AF_PACKET socket. */
#include "garp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1

struct garp {
	int fd;
	int ifindex;
	uint8_t mac[6];
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

int garp_build(uint8_t *frame, size_t len, const uint8_t mac[6], struct in_addr vip)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	if (len < GARP_FRAME_LEN)
		return -1;
	uint8_t *p = frame;
	p = put(p, bcast, 6);
	p = put(p, mac, 6);
	p = put16(p, ETH_P_ARP);
	p = put16(p, ARP_HRD_ETHER);
	p = put16(p, ETH_P_IP);
	*p++ = 6; /* hardware address length */
	*p++ = 4; /* protocol address length */
	p = put16(p, ARP_OP_REQUEST);
	p = put(p, mac, 6);
	p = put(p, &vip.s_addr, 4);
	/* Target MAC all ones, not the zeros of an RFC 5227 announcement: the frame keepalived sends,
	 * so the LAN sees the same takeover whichever implementation is master. */
	p = put(p, bcast, 6);
	p = put(p, &vip.s_addr, 4);
	return (int)(p - frame);
}

int garp_open(struct garp **out, int ifindex, const uint8_t mac[6])
{
	if (ifindex <= 0)
		return -EINVAL;
	struct garp *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	/* Protocol 0: the socket receives nothing, so no input ever queues up on a send-only fd.
	 * Non-blocking: a full device queue must cost a GARP, never a stalled event loop. */
	g->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (g->fd < 0) {
		int err = -errno;
		free(g);
		return err;
	}
	g->ifindex = ifindex;
	memcpy(g->mac, mac, 6);
	*out = g;
	return 0;
}

int garp_send(struct garp *g, const struct conf_vip *vips, int n)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ARP),
		.sll_ifindex = g->ifindex,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	uint8_t frame[GARP_FRAME_LEN];
	int first = 0;

	if (n < 0 || (n > 0 && !vips))
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		int len = garp_build(frame, sizeof(frame), g->mac, vips[i].addr);
		ssize_t sent = sendto(g->fd, frame, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));
		int err = sent < 0 ? -errno : sent != len ? -EIO : 0;
		if (err < 0 && first == 0)
			first = err;
	}
	return first;
}

void garp_close(struct garp *g)
{
	if (!g)
		return;
	close(g->fd);
	free(g);
}
