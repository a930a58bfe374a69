/* Unsolicited IPv6 Neighbor Advertisement for a VIP (RFC 4861 7.2.6): a pure frame builder. */
#include "ndisc.h"
#include "inet_csum.h"

#include <string.h>

#define IP6_HLEN 40
#define ETHERTYPE_IP6 0x86dd
#define NH_ICMPV6 58
#define ND_HOP_LIMIT 255         /* RFC 4861 7.1.2: receivers drop NAs with any other hop limit */
#define ICMP6_NA 136
#define NA_FLAG_OVERRIDE 0x20    /* first byte of the 32-bit R|S|O|Reserved word */
#define ND_OPT_TLLA 2
#define NA_LEN 32                /* ICMPv6 header 4 + flags 4 + target 16 + option 8 */

static uint8_t *put(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

int ndisc_na_build(uint8_t *frame, size_t len, const uint8_t mac[6], const struct in6_addr *vip)
{
	/* RFC 2464 7: ff02::1 maps to 33:33 and its low 32 bits. */
	static const uint8_t eth_all_nodes[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t ip6_all_nodes[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };

	if (len < NDISC_NA_FRAME_LEN)
		return -1;
	memset(frame, 0, NDISC_NA_FRAME_LEN);
	uint8_t *p = put(frame, eth_all_nodes, 6);
	p = put(p, mac, 6);
	*p++ = ETHERTYPE_IP6 >> 8;
	*p++ = ETHERTYPE_IP6 & 0xff;

	uint8_t *ip6 = p;
	ip6[0] = 0x60;                  /* version 6; traffic class and flow label 0, as keepalived */
	ip6[5] = NA_LEN;                /* payload length, high byte 0 */
	ip6[6] = NH_ICMPV6;
	ip6[7] = ND_HOP_LIMIT;
	/* Source = the VIP, not our link-local address: what keepalived sends, and RFC 4861 7.2.6
	 * leaves the choice open. The VIP must be on the interface (added with IFA_F_NODAD, as keepalived
	 * does) or a strict peer may ignore a source that is not yet ours. */
	memcpy(ip6 + 8, vip->s6_addr, 16);
	memcpy(ip6 + 24, ip6_all_nodes, 16);

	/* RFC 4861 7.2.6: Override set, so caches update to our MAC; Solicited clear, since nobody asked;
	 * Router clear, a MySQL host not forwarding (keepalived sets it only with forwarding on). */
	uint8_t *na = ip6 + IP6_HLEN;
	na[0] = ICMP6_NA;
	na[4] = NA_FLAG_OVERRIDE;
	memcpy(na + 8, vip->s6_addr, 16);
	na[24] = ND_OPT_TLLA;
	na[25] = 1;                     /* option length in units of 8 bytes */
	memcpy(na + 26, mac, 6);

	/* RFC 4443 2.3: checksum over the RFC 8200 8.1 pseudo-header {src, dst, length, 58} + message. */
	uint32_t acc = csum_add(0, ip6 + 8, 32) + NA_LEN + NH_ICMPV6;
	uint16_t ck = csum_fold(csum_add(acc, na, NA_LEN));

	na[2] = (uint8_t)(ck >> 8);
	na[3] = (uint8_t)ck;
	return NDISC_NA_FRAME_LEN;
}
