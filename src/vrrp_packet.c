/* VRRP v2 (RFC 3768) and v3 (RFC 5798/9568) IPv4 advertisement codec: pure, no I/O. */
#include "vrrp_packet.h"
#include "inet_csum.h"

#include <string.h>

#define IP4_MIN_HLEN 20
#define VRRP_HLEN 8     /* fixed part shared by v2 and v3 */
#define VRRP_TYPE_ADVERT 1
#define V3_INTERVAL_MASK 0x0FFF /* RFC 5798 5.2.6-7: 4 rsvd bits, then 12 bits of centiseconds */
#define V2_MAX_INTERVAL_S 255

static const char *const err_names[VRRP_PKT_ERR_MAX] = {
	[VRRP_PKT_OK] = "ok",
	[VRRP_PKT_SHORT] = "short",
	[VRRP_PKT_IP_HEADER] = "ip-header",
	[VRRP_PKT_PROTO] = "protocol",
	[VRRP_PKT_TTL] = "ttl",
	[VRRP_PKT_VERSION] = "version",
	[VRRP_PKT_TYPE] = "type",
	[VRRP_PKT_VRID] = "vrid",
	[VRRP_PKT_LENGTH] = "length",
	[VRRP_PKT_CHECKSUM] = "checksum",
	[VRRP_PKT_AUTH] = "auth",
	[VRRP_PKT_INTERVAL] = "interval",
};

const char *vrrp_pkt_err_name(enum vrrp_pkt_err e)
{
	if ((unsigned)e >= VRRP_PKT_ERR_MAX)
		return "unknown";
	return err_names[e];
}

static size_t msg_len(uint8_t version, unsigned naddr)
{
	/* RFC 3768 5.1: v2 always carries the 8 bytes of Authentication Data, even for auth type 0. */
	return VRRP_HLEN + 4u * naddr + (version == 2 ? VRRP_AUTH_LEN : 0);
}

/* RFC 5798 5.2.8 as deployed (keepalived, FRR, tcpdump): the 12-byte IPv4 pseudo-header
 * {src, dst, 0, 112, VRRP length} in front of the message. */
static uint32_t pseudo_sum(struct in_addr src, struct in_addr dst, size_t vlen)
{
	uint8_t ph[12];

	memcpy(ph, &src.s_addr, 4);
	memcpy(ph + 4, &dst.s_addr, 4);
	ph[8] = 0;
	ph[9] = VRRP_PROTO;
	ph[10] = (uint8_t)(vlen >> 8);
	ph[11] = (uint8_t)vlen;
	return csum_add(0, ph, sizeof(ph));
}

/* Sums over a message whose checksum field is already in place: a correct one folds to 0. */
static bool v3_checksum_ok(const uint8_t *msg, size_t vlen, struct in_addr src, struct in_addr dst)
{
	struct in_addr group = { .s_addr = htonl(VRRP_MCAST_GROUP) };
	uint32_t body = csum_add(0, msg, vlen);

	/* RFC 9568 5.2.8 (a change listed in its 1.2): for IPv4 the message alone, the pseudo-header
	 * being for IPv6 only (Cisco, Juniper, keepalived v3_checksum_as_v2). */
	if (csum_fold(body) == 0)
		return true;
	if (csum_fold(body + pseudo_sum(src, dst, vlen)) == 0)
		return true;
	/* keepalived <= 1.3.6 put 224.0.0.18 in the pseudo-header of unicast adverts too (keepalived #642). */
	return csum_fold(body + pseudo_sum(src, group, vlen)) == 0;
}

bool vrrp_pkt_ip_src(const uint8_t *buf, size_t len, struct in_addr *src)
{
	if (len < IP4_MIN_HLEN || buf[0] >> 4 != 4)
		return false;
	memcpy(&src->s_addr, buf + 12, 4);
	return true;
}

/* Finds the VRRP message inside the IPv4 datagram. Bytes past the IP total length are link-layer
 * padding (a 32-byte v3 datagram arrives in a 60-byte Ethernet frame) and are not ours to read. */
static enum vrrp_pkt_err parse_ip(const uint8_t *buf, size_t len, struct vrrp_adv *out, size_t *off,
				  size_t *vlen)
{
	if (len < IP4_MIN_HLEN + VRRP_HLEN)
		return VRRP_PKT_SHORT;
	size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
	size_t tot = (size_t)buf[2] << 8 | buf[3];

	if (buf[0] >> 4 != 4 || ihl < IP4_MIN_HLEN || tot < ihl || tot > len)
		return VRRP_PKT_IP_HEADER;
	out->ttl = buf[8];
	memcpy(&out->src.s_addr, buf + 12, 4);
	memcpy(&out->dst.s_addr, buf + 16, 4);
	if (tot < ihl + VRRP_HLEN)
		return VRRP_PKT_SHORT;
	if (buf[9] != VRRP_PROTO)
		return VRRP_PKT_PROTO;
	*off = ihl;
	*vlen = tot - ihl;
	return VRRP_PKT_OK;
}

/* RFC 3768 7.1 checks after the VRID: auth type and data, then Adver Int. */
static enum vrrp_pkt_err check_v2(const uint8_t *msg, size_t vlen, const struct vrrp_pkt_expect *exp,
				  struct vrrp_adv *out)
{
	out->auth_type = msg[4];
	if (out->auth_type != exp->auth_type)
		return VRRP_PKT_AUTH;
	/* Type 0: the data is ignored on receive (RFC 3768 5.3.10); PASS compares exactly the 8 bytes
	 * (RFC 2338 simple text password, as keepalived). Other types keep zeros, so that
	 * re-encoding gives the same advert. */
	if (out->auth_type == VRRP_AUTH_PASS) {
		memcpy(out->auth, msg + vlen - VRRP_AUTH_LEN, VRRP_AUTH_LEN);
		if (memcmp(out->auth, exp->auth, VRRP_AUTH_LEN) != 0)
			return VRRP_PKT_AUTH;
	}
	/* RFC 3768 7.1: "MUST verify that the Adver Interval in the packet is the same as the locally
	 * configured for this virtual router. If the above check fails, the receiver MUST discard". */
	if (out->interval_cs != exp->v2_interval_cs)
		return VRRP_PKT_INTERVAL;
	return VRRP_PKT_OK;
}

enum vrrp_pkt_err vrrp_pkt_decode(const uint8_t *buf, size_t len, const struct vrrp_pkt_expect *exp,
				  struct vrrp_adv *out)
{
	size_t off = 0, vlen = 0;
	enum vrrp_pkt_err e;

	memset(out, 0, sizeof(*out));
	e = parse_ip(buf, len, out, &off, &vlen);
	if (e != VRRP_PKT_OK)
		return e;
	const uint8_t *msg = buf + off;

	/* RFC 5798 7.1 order: TTL, version, complete packet, checksum, VRID (then v2's auth and interval,
	 * RFC 3768 7.1). The type shares the version byte; RFC 5798 5.2.2: unknown types MUST be
	 * discarded, and their layout is unknown, so it goes before the length. */
	if (exp->check_ttl && out->ttl != 255)
		return VRRP_PKT_TTL;
	out->version = msg[0] >> 4;
	if (out->version != exp->version || (exp->version != 2 && exp->version != 3))
		return VRRP_PKT_VERSION;
	if ((msg[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_PKT_TYPE;
	out->vrid = msg[1];
	out->priority = msg[2];
	out->naddr = msg[3];
	/* Count IPvX Addr: "The minimum value is 1" (RFC 5798 5.2.5); any byte beyond the addresses
	 * (and v2 auth data) is not a VRRP message we know (keepalived 2.4 HMAC trailers included). */
	if (out->naddr == 0 || vlen != msg_len(out->version, out->naddr))
		return VRRP_PKT_LENGTH;
	if (out->version == 3)
		out->interval_cs = ((uint16_t)msg[4] << 8 | msg[5]) & V3_INTERVAL_MASK;
	else
		out->interval_cs = (uint16_t)(msg[5] * 100);
	memcpy(out->addrs, msg + VRRP_HLEN, 4u * out->naddr);
	if (out->version == 3 ? !v3_checksum_ok(msg, vlen, out->src, out->dst)
			      : csum_fold(csum_add(0, msg, vlen)) != 0)
		return VRRP_PKT_CHECKSUM;
	if (out->vrid != exp->vrid)
		return VRRP_PKT_VRID;
	if (out->version == 2)
		return check_v2(msg, vlen, exp, out);
	/* RFC 5798 5.2.7 allows 1-4095 cs; a learned 0 would make Master_Down_Interval pure skew. */
	if (out->interval_cs == 0)
		return VRRP_PKT_INTERVAL;
	return VRRP_PKT_OK;
}

static bool adv_valid(const struct vrrp_adv *adv)
{
	if (adv->naddr == 0)
		return false;
	if (adv->version == 3)
		return adv->interval_cs <= V3_INTERVAL_MASK;
	/* v2 Adver Int is whole seconds in 8 bits (RFC 3768 5.3.7): a fraction cannot be sent. */
	return adv->version == 2 && adv->interval_cs % 100 == 0 && adv->interval_cs / 100 <= V2_MAX_INTERVAL_S;
}

int vrrp_pkt_encode(const struct vrrp_adv *adv, bool checksum_as_v2, uint8_t *buf, size_t len)
{
	if (!adv_valid(adv))
		return -1;
	size_t vlen = msg_len(adv->version, adv->naddr);

	if (len < vlen)
		return -1;
	buf[0] = (uint8_t)(adv->version << 4 | VRRP_TYPE_ADVERT);
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddr;
	if (adv->version == 3) {
		buf[4] = (uint8_t)(adv->interval_cs >> 8); /* rsvd bits: "MUST be set to zero on transmission" */
		buf[5] = (uint8_t)adv->interval_cs;
	} else {
		buf[4] = adv->auth_type;
		buf[5] = (uint8_t)(adv->interval_cs / 100);
	}
	buf[6] = buf[7] = 0;
	memcpy(buf + VRRP_HLEN, adv->addrs, 4u * adv->naddr);
	if (adv->version == 2) {
		uint8_t *auth = buf + VRRP_HLEN + 4u * adv->naddr;

		/* RFC 3768 5.3.10: with auth type 0 the field is zero on transmission. */
		if (adv->auth_type == VRRP_AUTH_PASS)
			memcpy(auth, adv->auth, VRRP_AUTH_LEN);
		else
			memset(auth, 0, VRRP_AUTH_LEN);
	}
	uint32_t acc = csum_add(0, buf, vlen);

	if (adv->version == 3 && !checksum_as_v2)
		acc += pseudo_sum(adv->src, adv->dst, vlen);
	uint16_t ck = csum_fold(acc);

	buf[6] = (uint8_t)(ck >> 8);
	buf[7] = (uint8_t)ck;
	return (int)vlen;
}

bool vrrp_pkt_addrs_match(const struct vrrp_adv *adv, const struct in_addr *want, int n)
{
	bool used[VRRP_MAX_ADDRS] = { false };

	if (n != adv->naddr)
		return false;
	/* A multiset compare: {A, A, B} must not match {A, B, B}. */
	for (int i = 0; i < n; i++) {
		int j = 0;

		while (j < adv->naddr && (used[j] || adv->addrs[j].s_addr != want[i].s_addr))
			j++;
		if (j == adv->naddr)
			return false;
		used[j] = true;
	}
	return true;
}
