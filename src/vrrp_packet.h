/* VRRP v2 (RFC 3768) and v3 (RFC 5798/9568) IPv4 advertisement codec: pure, no I/O. */
#ifndef DM_VRRP_PACKET_H
#define DM_VRRP_PACKET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_PROTO 112
#define VRRP_MCAST_GROUP 0xe0000012u /* 224.0.0.18, host order */
#define VRRP_MAX_ADDRS 255
#define VRRP_AUTH_LEN 8
#define VRRP_AUTH_NONE 0
#define VRRP_AUTH_PASS 1

/* One reason per rejection; the caller counts them (vrrp_sock) and names them in logs/status. */
enum vrrp_pkt_err {
	VRRP_PKT_OK = 0,
	VRRP_PKT_SHORT,       /* shorter than an IPv4 header + VRRP header */
	VRRP_PKT_IP_HEADER,   /* not IPv4, bad IHL, or IP total length disagrees with bytes read */
	VRRP_PKT_PROTO,       /* IP protocol is not 112 */
	VRRP_PKT_TTL,         /* TTL != 255 where required (RFC 5798 7.1) */
	VRRP_PKT_VERSION,     /* not the configured version */
	VRRP_PKT_TYPE,        /* type != 1 (advertisement) */
	VRRP_PKT_VRID,        /* VRID not ours */
	VRRP_PKT_LENGTH,      /* VRRP length does not match the address count */
	VRRP_PKT_CHECKSUM,    /* no accepted checksum form matches */
	VRRP_PKT_AUTH,        /* v2 auth type or PASS data differ from ours */
	VRRP_PKT_INTERVAL,    /* v2 Adver Int differs from ours (RFC 3768 7.1 MUST discard) */
	VRRP_PKT_ERR_MAX
};

/* A decoded (or to-be-encoded) advertisement. */
struct vrrp_adv {
	uint8_t version;            /* 2 or 3 */
	uint8_t vrid;
	uint8_t priority;           /* 0 = master resigning */
	uint8_t naddr;
	uint16_t interval_cs;       /* v3 Max Adver Int; v2 Adver Int seconds * 100 */
	uint8_t auth_type;          /* v2 only */
	uint8_t auth[VRRP_AUTH_LEN];/* v2 only, PASS data zero-padded */
	struct in_addr addrs[VRRP_MAX_ADDRS];
	/* From the IPv4 header on decode; the checksum inputs on encode. */
	struct in_addr src;
	struct in_addr dst;
	uint8_t ttl;
};

/* What the receiver expects; everything else is read from the packet. */
struct vrrp_pkt_expect {
	uint8_t version;
	uint8_t vrid;
	bool check_ttl;             /* multicast mode: TTL must be 255; unicast: not checked (as keepalived) */
	uint16_t v2_interval_cs;    /* v2: Adver Int must equal this */
	uint8_t auth_type;          /* v2 */
	uint8_t auth[VRRP_AUTH_LEN];
};

const char *vrrp_pkt_err_name(enum vrrp_pkt_err e);

/* Decodes one IPv4 datagram as a raw IPPROTO_VRRP socket returns it (IPv4 header included).
 * v3 accepts the checksum with the IPv4 pseudo-header (RFC 5798, keepalived's default; also with
 * 224.0.0.18 as destination, keepalived <= 1.3.6 unicast) and without it (RFC 9568).
 * Trailing bytes beyond the IP total length (Ethernet padding) are ignored.
 * Does NOT check: that the source is a configured peer or ourselves, or the address list
 * against our VIPs (vrrp_pkt_addrs_match), or the priority. Returns VRRP_PKT_OK and fills out,
 * or the first reason found (out then partially filled). */
enum vrrp_pkt_err vrrp_pkt_decode(const uint8_t *buf, size_t len, const struct vrrp_pkt_expect *exp,
				  struct vrrp_adv *out);

/* Encodes the VRRP message only (the kernel writes the IPv4 header). adv->src/dst feed the v3
 * pseudo-header unless checksum_as_v2. Returns the length written, or -1 if buf is too small
 * or adv is invalid (version, naddr 0, v3 interval over 4095 cs; v2 interval not a whole number
 * of seconds in 0..255). v2 auth data is adv->auth for VRRP_AUTH_PASS, zeros otherwise.
 * Does NOT check vrid, priority or the addresses themselves. */
int vrrp_pkt_encode(const struct vrrp_adv *adv, bool checksum_as_v2, uint8_t *buf, size_t len);

/* Reads the IPv4 source of a raw datagram (to drop our own or non-peer packets before decoding).
 * False when buf is not long enough for an IPv4 header or is not IPv4; nothing else is checked. */
bool vrrp_pkt_ip_src(const uint8_t *buf, size_t len, struct in_addr *src);

/* True when adv carries exactly the addresses in want (any order). */
bool vrrp_pkt_addrs_match(const struct vrrp_adv *adv, const struct in_addr *want, int n);

#endif
