/* VRRPv3 (RFC 5798/9568) IPv6 advertisement codec: pure, no I/O. */
#include "vrrp_packet6.h"
#include "inet_csum.h"

#include <string.h>

#define VRRP_TYPE_ADVERT 1
#define V3_INTERVAL_MASK 0x0FFF /* RFC 5798 5.2.6-7: 4 rsvd bits, then 12 bits of centiseconds */
#define IN6_LEN 16

const struct in6_addr vrrp_pkt6_mcast_group = VRRP6_MCAST_GROUP_INIT;

static size_t msg_len(unsigned naddr)
{
	return VRRP6_HLEN + (size_t)IN6_LEN * naddr;
}

/* RFC 8200 8.1 pseudo-header: source, destination, 32-bit upper-layer length, 3 zero bytes, next
 * header 112. The length is the VRRP message's: no extension header is ours to count. */
static uint32_t pseudo_sum(const struct in6_addr *src, const struct in6_addr *dst, size_t vlen)
{
	uint8_t ph[40] = { 0 };

	memcpy(ph, src->s6_addr, IN6_LEN);
	memcpy(ph + 16, dst->s6_addr, IN6_LEN);
	ph[34] = (uint8_t)(vlen >> 8); /* vlen <= 4088: the two high bytes stay 0 */
	ph[35] = (uint8_t)vlen;
	ph[39] = VRRP_PROTO;
	return csum_add(0, ph, sizeof(ph));
}

enum vrrp_pkt_err vrrp_pkt6_decode(const uint8_t *buf, size_t len, const struct in6_addr *src,
				   const struct in6_addr *dst, uint8_t hop_limit,
				   const struct vrrp_pkt_expect *exp, struct vrrp_adv6 *out)
{
	memset(out, 0, sizeof(*out));
	out->src = *src;
	out->dst = *dst;
	out->hop_limit = hop_limit;
	if (len < VRRP6_HLEN)
		return VRRP_PKT_SHORT;
	/* RFC 5798 7.1 order: hop limit, version, complete packet, checksum, VRID. The type shares the
	 * version byte; unknown types MUST be discarded (5.2.2) and have no known layout, so it goes
	 * before the length. */
	if (exp->check_ttl && hop_limit != VRRP6_HOP_LIMIT)
		return VRRP_PKT_TTL;
	out->version = buf[0] >> 4;
	if (out->version != 3 || exp->version != 3)
		return VRRP_PKT_VERSION;
	if ((buf[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_PKT_TYPE;
	out->vrid = buf[1];
	out->priority = buf[2];
	out->naddr = buf[3];
	/* Count IPvX Addr: "The minimum value is 1" (RFC 5798 5.2.5). */
	if (out->naddr == 0 || len != msg_len(out->naddr))
		return VRRP_PKT_LENGTH;
	out->interval_cs = ((uint16_t)buf[4] << 8 | buf[5]) & V3_INTERVAL_MASK;
	memcpy(out->addrs, buf + VRRP6_HLEN, (size_t)IN6_LEN * out->naddr);
	if (csum_fold(csum_add(pseudo_sum(src, dst, len), buf, len)) != 0)
		return VRRP_PKT_CHECKSUM;
	if (out->vrid != exp->vrid)
		return VRRP_PKT_VRID;
	/* RFC 5798 5.2.7 allows 1-4095 cs; a learned 0 would make Master_Down_Interval pure skew. */
	if (out->interval_cs == 0)
		return VRRP_PKT_INTERVAL;
	return VRRP_PKT_OK;
}

int vrrp_pkt6_encode(const struct vrrp_adv6 *adv, uint8_t *buf, size_t len)
{
	if (adv->version != 3 || adv->naddr == 0 || adv->interval_cs == 0 || adv->interval_cs > V3_INTERVAL_MASK)
		return -1;
	size_t vlen = msg_len(adv->naddr);

	if (len < vlen)
		return -1;
	buf[0] = 3 << 4 | VRRP_TYPE_ADVERT;
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddr;
	buf[4] = (uint8_t)(adv->interval_cs >> 8); /* rsvd bits: "MUST be set to zero on transmission" */
	buf[5] = (uint8_t)adv->interval_cs;
	buf[6] = buf[7] = 0;
	memcpy(buf + VRRP6_HLEN, adv->addrs, (size_t)IN6_LEN * adv->naddr);
	uint16_t ck = csum_fold(csum_add(pseudo_sum(&adv->src, &adv->dst, vlen), buf, vlen));

	buf[6] = (uint8_t)(ck >> 8);
	buf[7] = (uint8_t)ck;
	return (int)vlen;
}

bool vrrp_pkt6_addrs_match(const struct vrrp_adv6 *adv, const struct in6_addr *want, int n)
{
	bool used[VRRP_MAX_ADDRS] = { false };

	if (n != adv->naddr)
		return false;
	/* A multiset compare: {A, A, B} must not match {A, B, B}. */
	for (int i = 0; i < n; i++) {
		int j = 0;

		while (j < adv->naddr && (used[j] || memcmp(&adv->addrs[j], &want[i], IN6_LEN) != 0))
			j++;
		if (j == adv->naddr)
			return false;
		used[j] = true;
	}
	return true;
}

bool vrrp_pkt6_is_link_local(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xfe && (a->s6_addr[1] & 0xc0) == 0x80;
}
