/* ARP on the VRRP interface: gratuitous ARP for the VIPs, and for the read VIPs the question "does
 * another host have this address" (RFC 5227 probe) with its answers. Pure frame builders and a
 * parser, and one AF_PACKET socket. */
#include "garp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ndisc.h"

#define ARP_HRD_ETHER 1
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
/* Frames read per wakeup at most: a flood of ARP costs one bounded pass, never the loop. */
#define ARP_READ_MAX 64

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

static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A broadcast ARP request from mac: sender sip, target tha/tip. */
static int arp_request(uint8_t *frame, size_t len, const uint8_t mac[6], struct in_addr sip, const uint8_t tha[6],
		       struct in_addr tip)
{
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
	p = put(p, &sip.s_addr, 4);
	p = put(p, tha, 6);
	p = put(p, &tip.s_addr, 4);
	return (int)(p - frame);
}

int garp_build(uint8_t *frame, size_t len, const uint8_t mac[6], struct in_addr vip)
{
	/* Target MAC all ones, not the zeros of an RFC 5227 announcement: the frame keepalived sends,
	 * so the LAN sees the same takeover whichever implementation is master. */
	return arp_request(frame, len, mac, vip, bcast, vip);
}

int arp_probe_build(uint8_t *frame, size_t len, const uint8_t mac[6], struct in_addr ip)
{
	static const uint8_t zero[6];
	/* Sender address 0.0.0.0: neighbours answer without learning anything from us (RFC 5227 2.1.1),
	 * so asking never moves a cache entry towards this host. */
	return arp_request(frame, len, mac, (struct in_addr){ 0 }, zero, ip);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool arp_claims(const uint8_t *frame, size_t len, const uint8_t own_mac[6], struct in_addr ip)
{
	if (len < GARP_FRAME_LEN || get16(frame + 12) != ETH_P_ARP)
		return false;
	const uint8_t *a = frame + 14;
	uint16_t op = get16(a + 6);
	if (get16(a) != ARP_HRD_ETHER || get16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4 ||
	    (op != ARP_OP_REQUEST && op != ARP_OP_REPLY))
		return false;
	/* Ours (an outgoing copy) never counts, by either MAC. */
	if (memcmp(frame + 6, own_mac, 6) == 0 || memcmp(a + 8, own_mac, 6) == 0)
		return false;
	return memcmp(a + 14, &ip.s_addr, 4) == 0;
}

int garp_open(struct garp **out, int ifindex, const uint8_t mac[6], bool listen)
{
	if (ifindex <= 0)
		return -EINVAL;
	struct garp *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	/* Protocol 0 unless we listen: a send-only socket receives nothing, so no input ever queues
	 * up on it. Listening, it is bound to the one interface (ARP of other links is not ours).
	 * Non-blocking: a full device queue must cost a GARP, never a stalled event loop. */
	g->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, listen ? htons(ETH_P_ARP) : 0);
	struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP), .sll_ifindex = ifindex };
	if (g->fd < 0 || (listen && bind(g->fd, (struct sockaddr *)&at, sizeof(at)) < 0)) {
		int err = -errno;
		if (g->fd >= 0)
			close(g->fd);
		free(g);
		return err;
	}
	g->ifindex = ifindex;
	memcpy(g->mac, mac, 6);
	*out = g;
	return 0;
}

/* The frame carries its own Ethernet header; the protocol is what the kernel hands the driver. */
static int send_frame_proto(struct garp *g, const uint8_t *frame, int len, uint16_t proto)
{
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(proto),
		.sll_ifindex = g->ifindex,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	ssize_t sent = sendto(g->fd, frame, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));
	return sent < 0 ? -errno : sent != len ? -EIO : 0;
}

static int send_frame(struct garp *g, const uint8_t *frame, int len)
{
	return send_frame_proto(g, frame, len, ETH_P_ARP);
}

int garp_send(struct garp *g, const struct conf_vip *vips, int n)
{
	uint8_t frame[NDISC_NA_FRAME_LEN];
	int first = 0;

	if (n < 0 || (n > 0 && !vips))
		return -EINVAL;
	for (int i = 0; i < n; i++) {
		int err = vips[i].v6 ? send_frame_proto(g, frame, ndisc_na_build(frame, sizeof(frame), g->mac, &vips[i].addr6),
							ETH_P_IPV6)
				     : send_frame(g, frame, garp_build(frame, sizeof(frame), g->mac, vips[i].addr));
		if (err < 0 && first == 0)
			first = err;
	}
	return first;
}

int garp_probe(struct garp *g, struct in_addr ip)
{
	uint8_t frame[GARP_FRAME_LEN];
	return send_frame(g, frame, arp_probe_build(frame, sizeof(frame), g->mac, ip));
}

int garp_fd(const struct garp *g)
{
	return g->fd;
}

int garp_read_claims(struct garp *g, struct in_addr ip)
{
	uint8_t frame[128];
	int seen = 0;

	for (int i = 0; i < ARP_READ_MAX; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t got = recvfrom(g->fd, frame, sizeof(frame), MSG_TRUNC, (struct sockaddr *)&from, &fl);
		if (got < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? seen : (seen ? seen : -errno);
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)got > sizeof(frame))
			continue;
		if (arp_claims(frame, (size_t)got, g->mac, ip))
			seen = 1;
	}
	return seen;
}

void garp_close(struct garp *g)
{
	if (!g)
		return;
	close(g->fd);
	free(g);
}
