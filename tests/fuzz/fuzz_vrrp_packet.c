// sources: src/vrrp_packet.c
/* libFuzzer target for vrrp_pkt_decode: what decodes must honour the expectations and survive a
 * re-encode (both checksum forms) into a datagram that decodes to the same advert. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vrrp_packet.h"

/* Input layout: 11 control bytes choosing the expectations, then the raw IPv4 datagram.
 * ctl[0]: bit 0 version 3 (else 2), bit 1 check_ttl, bit 2 v2 PASS auth; ctl[1]: vrid;
 * ctl[2]: v2 Adver Int seconds; ctl[3..10]: PASS data. */
#define CTL_LEN 11

static void same(const struct vrrp_adv *a, const struct vrrp_adv *b)
{
	if (a->version != b->version || a->vrid != b->vrid || a->priority != b->priority ||
	    a->naddr != b->naddr || a->interval_cs != b->interval_cs || a->auth_type != b->auth_type ||
	    memcmp(a->auth, b->auth, VRRP_AUTH_LEN) != 0 || a->src.s_addr != b->src.s_addr ||
	    a->dst.s_addr != b->dst.s_addr || a->ttl != b->ttl ||
	    memcmp(a->addrs, b->addrs, sizeof(a->addrs[0]) * a->naddr) != 0)
		abort();
}

static void check_accepted(const struct vrrp_pkt_expect *exp, const struct vrrp_adv *a)
{
	if (a->version != exp->version || a->vrid != exp->vrid || a->naddr == 0)
		abort();
	if (exp->check_ttl && a->ttl != 255)
		abort();
	if (a->version == 3 && a->interval_cs > 0x0FFF)
		abort();
	if (a->version == 2) {
		if (a->interval_cs != exp->v2_interval_cs || a->auth_type != exp->auth_type)
			abort();
		if (a->auth_type == VRRP_AUTH_PASS && memcmp(a->auth, exp->auth, VRRP_AUTH_LEN) != 0)
			abort();
	}
}

/* Re-encodes the advert, wraps it in a plain IPv4 header and decodes it again. */
static void round_trip(const struct vrrp_pkt_expect *exp, const struct vrrp_adv *a, bool as_v2)
{
	static uint8_t pkt[20 + 16 + 4 * VRRP_MAX_ADDRS];
	static struct vrrp_adv b;
	int n = vrrp_pkt_encode(a, as_v2, pkt + 20, sizeof(pkt) - 20);

	if (n <= 0)
		abort();
	size_t tot = 20 + (size_t)n;

	memset(pkt, 0, 20);
	pkt[0] = 0x45;
	pkt[2] = (uint8_t)(tot >> 8);
	pkt[3] = (uint8_t)tot;
	pkt[8] = a->ttl;
	pkt[9] = VRRP_PROTO;
	memcpy(pkt + 12, &a->src.s_addr, 4);
	memcpy(pkt + 16, &a->dst.s_addr, 4);
	if (vrrp_pkt_decode(pkt, tot, exp, &b) != VRRP_PKT_OK)
		abort();
	same(a, &b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vrrp_adv a;
	struct vrrp_pkt_expect exp = { 0 };

	if (size < CTL_LEN)
		return 0;
	exp.version = (data[0] & 1) ? 3 : 2;
	exp.check_ttl = data[0] & 2;
	exp.vrid = data[1];
	exp.v2_interval_cs = (uint16_t)(data[2] * 100);
	if (data[0] & 4) {
		exp.auth_type = VRRP_AUTH_PASS;
		memcpy(exp.auth, data + 3, VRRP_AUTH_LEN);
	}
	enum vrrp_pkt_err e = vrrp_pkt_decode(data + CTL_LEN, size - CTL_LEN, &exp, &a);

	if ((unsigned)e >= VRRP_PKT_ERR_MAX || vrrp_pkt_err_name(e) == NULL)
		abort();
	if (e != VRRP_PKT_OK)
		return 0;
	check_accepted(&exp, &a);
	if (!vrrp_pkt_addrs_match(&a, a.addrs, a.naddr))
		abort();
	round_trip(&exp, &a, false);
	round_trip(&exp, &a, true);
	return 0;
}
