/* IPv6 VRRPv3 codec: a real keepalived advert, round trips, every rejection reason and its order. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp_packet6.h"
#include "ref_cksum.h"

#define SRC "fe80::ff:fe00:a"
#define PEER "fe80::ff:fe00:b"
#define GROUP "ff02::12"
#define VIP_LL "fe80::51"
#define VIP "2001:db8::50"

/* keepalived 2.2.7 as MASTER (vrrp_version 3, virtual_router_id 51, priority 100, advert_int 1,
 * virtual_ipaddress { fe80::51/64 2001:db8::50/64 }) on veth va (MAC 02:00:00:00:00:0a, link-local
 * fe80::ff:fe00:a), read as a whole Ethernet frame by a python3 AF_PACKET socket on the peer veth,
 * both ends in a throwaway network namespace. Its IPv6 socket has the kernel fill the checksum
 * (IPV6_CHECKSUM 6). Flow label 0x5bf3f is the kernel's automatic one; TC 0xc0 is keepalived's. */
static const uint8_t ka_frame[94] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x12, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, /* Ethernet */
	0x6c, 0x05, 0xbf, 0x3f, 0x00, 0x28, 0x70, 0xff,                                     /* IPv6 */
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x0a,
	0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12,
	0x31, 0x33, 0x64, 0x02, 0x00, 0x64, 0x40, 0x53,                                     /* VRRP */
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x51,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50,
};
#define KA_MSG (ka_frame + 54)
#define KA_MSG_LEN 40

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* RFC 8200 8.1 figure, field by field: Source, Destination, Upper-Layer Packet Length (32 bits),
 * zero (24 bits), Next Header. The message's checksum field counts as zero. */
static uint16_t ref_v6_cksum(const uint8_t *msg, size_t n, const char *src, const char *dst, uint8_t nh)
{
	struct in6_addr s = ip6(src), d = ip6(dst);
	uint8_t len32[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	uint8_t zero_nh[4] = { 0, 0, 0, nh };
	static uint8_t body[VRRP6_MAX_LEN + 8];

	memcpy(body, msg, n);
	body[6] = body[7] = 0;
	struct part parts[] = { { s.s6_addr, 16 }, { d.s6_addr, 16 }, { len32, 4 }, { zero_nh, 4 }, { body, n } };
	return ref_cksum(parts, 5);
}

static uint16_t ref_plain_cksum(const uint8_t *msg, size_t n)
{
	static uint8_t body[VRRP6_MAX_LEN + 8];

	memcpy(body, msg, n);
	body[6] = body[7] = 0;
	struct part parts[] = { { body, n } };
	return ref_cksum(parts, 1);
}

static void set_cksum(uint8_t *msg, uint16_t c)
{
	msg[6] = (uint8_t)(c >> 8);
	msg[7] = (uint8_t)c;
}

static struct vrrp_pkt_expect expect_v3(void)
{
	struct vrrp_pkt_expect e = { .version = 3, .vrid = 51, .check_ttl = true };
	return e;
}

static enum vrrp_pkt_err decode(const uint8_t *msg, size_t n, const char *src, const char *dst, uint8_t hl,
				const struct vrrp_pkt_expect *e, struct vrrp_adv6 *out)
{
	struct in6_addr s = ip6(src), d = ip6(dst);

	return vrrp_pkt6_decode(msg, n, &s, &d, hl, e, out);
}

static void test_keepalived_capture(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	struct in6_addr src, dst;
	static struct vrrp_adv6 k;
	uint8_t mine[64];

	/* What recvmsg would give: the payload, and src, dst, hop limit from the control messages. */
	memcpy(&src, ka_frame + 22, 16);
	memcpy(&dst, ka_frame + 38, 16);
	assert_int_equal(ka_frame[18] << 8 | ka_frame[19], KA_MSG_LEN);
	assert_int_equal(vrrp_pkt6_decode(KA_MSG, KA_MSG_LEN, &src, &dst, ka_frame[21], &e, &k), VRRP_PKT_OK);
	assert_int_equal(k.version, 3);
	assert_int_equal(k.vrid, 51);
	assert_int_equal(k.priority, 100);
	assert_int_equal(k.naddr, 2);
	assert_int_equal(k.interval_cs, 100);
	assert_int_equal(k.hop_limit, 255);
	assert_memory_equal(&k.addrs[0], ip6(VIP_LL).s6_addr, 16);
	assert_memory_equal(&k.addrs[1], ip6(VIP).s6_addr, 16);
	assert_memory_equal(&k.src, ip6(SRC).s6_addr, 16);
	assert_memory_equal(&k.dst, &vrrp_pkt6_mcast_group, 16);
	/* keepalived puts the link-local VIP first (RFC 9568 5.2.9) and sends from link-local. */
	assert_true(vrrp_pkt6_is_link_local(&k.addrs[0]));
	assert_true(vrrp_pkt6_is_link_local(&k.src));

	/* The kernel's checksum is the pseudo-header form, as the reference computes it. */
	assert_int_equal(ref_v6_cksum(KA_MSG, KA_MSG_LEN, SRC, GROUP, 112), 0x4053);
	assert_int_not_equal(ref_plain_cksum(KA_MSG, KA_MSG_LEN), 0x4053);

	/* Our encoder reproduces the message byte for byte. */
	memset(mine, 0xa5, sizeof(mine));
	assert_int_equal(vrrp_pkt6_encode(&k, mine, sizeof(mine)), KA_MSG_LEN);
	assert_memory_equal(mine, KA_MSG, KA_MSG_LEN);
	assert_int_equal(mine[KA_MSG_LEN], 0xa5);
}

/* The same advert from the layout alone, the checksum from the reference routine. */
static void test_golden_encode(void **state)
{
	(void)state;
	static struct vrrp_adv6 a = { .version = 3, .vrid = 51, .priority = 100, .naddr = 2, .interval_cs = 100 };
	uint8_t buf[64], want[KA_MSG_LEN] = { 0x31, 51, 100, 2, 0x00, 100, 0, 0 };

	a.addrs[0] = ip6(VIP_LL);
	a.addrs[1] = ip6(VIP);
	a.src = ip6(SRC);
	a.dst = vrrp_pkt6_mcast_group;
	memcpy(want + 8, a.addrs[0].s6_addr, 16);
	memcpy(want + 24, a.addrs[1].s6_addr, 16);
	set_cksum(want, ref_v6_cksum(want, KA_MSG_LEN, SRC, GROUP, 112));
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), KA_MSG_LEN);
	assert_memory_equal(buf, want, KA_MSG_LEN);
	assert_memory_equal(buf, KA_MSG, KA_MSG_LEN);

	/* Unicast: the real destination goes into the pseudo-header. */
	a.dst = ip6(PEER);
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), KA_MSG_LEN);
	set_cksum(want, ref_v6_cksum(want, KA_MSG_LEN, SRC, PEER, 112));
	assert_memory_equal(buf, want, KA_MSG_LEN);
	assert_memory_not_equal(buf, KA_MSG, KA_MSG_LEN);

	/* One address chosen so that the sum, 0x8fff8, carries again after the first fold. */
	struct vrrp_pkt_expect e = expect_v3();
	static struct vrrp_adv6 d;
	a.naddr = 1;
	a.addrs[0] = ip6("2001:db8:ffff:ffff:ffff:ffff:ffff:3f87");
	a.dst = vrrp_pkt6_mcast_group;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), 24);
	assert_int_equal(buf[6] << 8 | buf[7], ref_v6_cksum(buf, 24, SRC, GROUP, 112));
	assert_int_equal(vrrp_pkt6_decode(buf, 24, &a.src, &a.dst, 255, &e, &d), VRRP_PKT_OK);
}

static void test_round_trip(void **state)
{
	(void)state;
	static struct vrrp_adv6 a, d;
	static uint8_t msg[VRRP6_MAX_LEN];
	struct vrrp_pkt_expect e = expect_v3();
	const unsigned counts[] = { 1, 2, 17, 255 };

	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		memset(&a, 0, sizeof(a));
		a.version = 3;
		a.vrid = 51;
		a.priority = (uint8_t)(c * 85); /* 0 (resigning) .. 255 (owner) */
		a.naddr = (uint8_t)counts[c];
		a.interval_cs = c % 2 ? 4095 : 1;
		a.addrs[0] = ip6(VIP_LL);
		for (unsigned i = 1; i < counts[c]; i++) {
			a.addrs[i] = ip6(VIP);
			a.addrs[i].s6_addr[14] = (uint8_t)(i >> 8);
			a.addrs[i].s6_addr[15] = (uint8_t)i;
		}
		a.src = ip6(SRC);
		a.dst = c == 2 ? ip6(PEER) : vrrp_pkt6_mcast_group;
		int len = vrrp_pkt6_encode(&a, msg, sizeof(msg));
		size_t want = 8 + 16 * counts[c];
		assert_int_equal(len, want);
		assert_int_equal(msg[6] << 8 | msg[7], ref_v6_cksum(msg, want, SRC, c == 2 ? PEER : GROUP, 112));
		assert_int_equal(vrrp_pkt6_encode(&a, msg, want - 1), -1);

		assert_int_equal(vrrp_pkt6_decode(msg, want, &a.src, &a.dst, 255, &e, &d), VRRP_PKT_OK);
		assert_int_equal(d.naddr, counts[c]);
		assert_int_equal(d.priority, a.priority);
		assert_int_equal(d.interval_cs, a.interval_cs);
		assert_memory_equal(d.addrs, a.addrs, sizeof(a.addrs));
		assert_true(vrrp_pkt6_addrs_match(&d, a.addrs, a.naddr));
		assert_int_equal(vrrp_pkt6_decode(msg, want - 1, &a.src, &a.dst, 255, &e, &d), VRRP_PKT_LENGTH);
	}
}

/* One test case: a valid message and its receive context, which a breaker spoils. */
struct rx {
	uint8_t msg[128];
	size_t n;
	const char *src, *dst;
	uint8_t hl;
	struct vrrp_pkt_expect e;
};

typedef void breaker(struct rx *r);

static void fix_cksum(struct rx *r)
{
	set_cksum(r->msg, ref_v6_cksum(r->msg, r->n, r->src, r->dst, 112));
}

static void expect_reject(breaker *mod, enum vrrp_pkt_err want)
{
	static struct vrrp_adv6 a;
	struct rx r = { .n = KA_MSG_LEN, .src = SRC, .dst = GROUP, .hl = 255, .e = expect_v3() };

	memcpy(r.msg, KA_MSG, KA_MSG_LEN);
	assert_int_equal(decode(r.msg, r.n, r.src, r.dst, r.hl, &r.e, &a), VRRP_PKT_OK);
	mod(&r);
	enum vrrp_pkt_err got = decode(r.msg, r.n, r.src, r.dst, r.hl, &r.e, &a);
	if (got != want)
		fail_msg("got %s, want %s", vrrp_pkt_err_name(got), vrrp_pkt_err_name(want));
	/* The receive context is reported whatever the verdict. */
	assert_memory_equal(&a.src, ip6(r.src).s6_addr, 16);
	assert_memory_equal(&a.dst, ip6(r.dst).s6_addr, 16);
	assert_int_equal(a.hop_limit, r.hl);
}

static void m_empty(struct rx *r) { r->n = 0; }
static void m_short(struct rx *r) { r->n = 7; }
static void m_hop(struct rx *r) { r->hl = 254; }
static void m_hop_missing(struct rx *r) { r->hl = 0; } /* no IPV6_HOPLIMIT cmsg */
static void m_exp_v2(struct rx *r) { r->e.version = 2; }
static void m_version2(struct rx *r)
{
	r->msg[0] = 0x21;
	r->e.version = 2; /* even when the caller asks for v2: there is no v2 over IPv6 */
	fix_cksum(r);
}
static void m_version4(struct rx *r) { r->msg[0] = 0x41; fix_cksum(r); }
static void m_type(struct rx *r) { r->msg[0] = 0x32; fix_cksum(r); }
static void m_type0(struct rx *r) { r->msg[0] = 0x30; fix_cksum(r); }
static void m_vrid(struct rx *r) { r->e.vrid = 52; }
static void m_naddr3(struct rx *r) { r->msg[3] = 3; fix_cksum(r); }
static void m_naddr1(struct rx *r) { r->msg[3] = 1; fix_cksum(r); }
static void m_naddr0(struct rx *r)
{
	r->msg[3] = 0;
	r->n = 8; /* a consistent message without addresses */
	fix_cksum(r);
}
static void m_trailer(struct rx *r)
{
	memset(r->msg + 40, 0, 16); /* a keepalived 2.4 HMAC-style trailer: not a message we know */
	r->n = 56;
	fix_cksum(r);
}
static void m_odd(struct rx *r)
{
	r->msg[40] = 0;
	r->n = 41;
}
static void m_cut_addr(struct rx *r) { r->n = 39; }
static void m_cksum(struct rx *r) { r->msg[7] ^= 0x80; }
static void m_other_src(struct rx *r) { r->src = PEER; }
static void m_other_dst(struct rx *r) { r->dst = "ff02::1"; }
static void m_plain_cksum(struct rx *r) { set_cksum(r->msg, ref_plain_cksum(r->msg, r->n)); }
static void m_icmp_nh(struct rx *r) { set_cksum(r->msg, ref_v6_cksum(r->msg, r->n, r->src, r->dst, 58)); }
static void m_interval0(struct rx *r)
{
	r->msg[4] = 0xf0; /* reserved bits do not make the interval */
	r->msg[5] = 0;
	fix_cksum(r);
}

static void test_each_rejection(void **state)
{
	(void)state;
	expect_reject(m_empty, VRRP_PKT_SHORT);
	expect_reject(m_short, VRRP_PKT_SHORT);
	expect_reject(m_hop, VRRP_PKT_TTL);
	expect_reject(m_hop_missing, VRRP_PKT_TTL);
	expect_reject(m_exp_v2, VRRP_PKT_VERSION);
	expect_reject(m_version2, VRRP_PKT_VERSION);
	expect_reject(m_version4, VRRP_PKT_VERSION);
	expect_reject(m_type, VRRP_PKT_TYPE);
	expect_reject(m_type0, VRRP_PKT_TYPE);
	expect_reject(m_vrid, VRRP_PKT_VRID);
	expect_reject(m_naddr3, VRRP_PKT_LENGTH);
	expect_reject(m_naddr1, VRRP_PKT_LENGTH);
	expect_reject(m_naddr0, VRRP_PKT_LENGTH);
	expect_reject(m_trailer, VRRP_PKT_LENGTH);
	expect_reject(m_odd, VRRP_PKT_LENGTH);
	expect_reject(m_cut_addr, VRRP_PKT_LENGTH);
	expect_reject(m_cksum, VRRP_PKT_CHECKSUM);
	expect_reject(m_other_src, VRRP_PKT_CHECKSUM);
	expect_reject(m_other_dst, VRRP_PKT_CHECKSUM);
	expect_reject(m_plain_cksum, VRRP_PKT_CHECKSUM);
	expect_reject(m_icmp_nh, VRRP_PKT_CHECKSUM);
	expect_reject(m_interval0, VRRP_PKT_INTERVAL);
}

/* Two faults at once: the one RFC 5798 7.1 checks first is reported. */
static void m_short_hop(struct rx *r) { m_short(r); m_hop(r); }
static void m_hop_version(struct rx *r) { m_hop(r); m_version4(r); }
static void m_version_type(struct rx *r) { r->msg[0] = 0x42; }
static void m_type_length(struct rx *r) { m_type(r); r->n = 24; }
static void m_length_cksum(struct rx *r) { m_naddr3(r); m_cksum(r); }
static void m_cksum_vrid(struct rx *r) { m_cksum(r); m_vrid(r); }
static void m_vrid_interval(struct rx *r) { m_interval0(r); m_vrid(r); }

static void test_rejection_order(void **state)
{
	(void)state;
	expect_reject(m_short_hop, VRRP_PKT_SHORT);
	expect_reject(m_hop_version, VRRP_PKT_TTL);
	expect_reject(m_version_type, VRRP_PKT_VERSION);
	expect_reject(m_type_length, VRRP_PKT_TYPE);
	expect_reject(m_length_cksum, VRRP_PKT_LENGTH);
	expect_reject(m_cksum_vrid, VRRP_PKT_CHECKSUM);
	expect_reject(m_vrid_interval, VRRP_PKT_VRID);
}

/* Every length the socket could return around the valid one: only 40 is a message. */
static void test_truncated_and_odd(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	static struct vrrp_adv6 a;
	uint8_t msg[80];

	memset(msg, 0, sizeof(msg));
	memcpy(msg, KA_MSG, KA_MSG_LEN);
	for (size_t n = 0; n <= sizeof(msg); n++) {
		enum vrrp_pkt_err want = n < 8 ? VRRP_PKT_SHORT : n == KA_MSG_LEN ? VRRP_PKT_OK : VRRP_PKT_LENGTH;
		assert_int_equal(decode(msg, n, SRC, GROUP, 255, &e, &a), want);
	}
}

static void test_checksum_bits_and_hop_limit(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	static struct vrrp_adv6 a;
	uint8_t msg[KA_MSG_LEN];

	/* A flipped bit anywhere past the version byte and the address count. */
	for (size_t i = 1; i < KA_MSG_LEN; i++) {
		if (i == 3)
			continue;
		for (int bit = 0; bit < 8; bit++) {
			memcpy(msg, KA_MSG, KA_MSG_LEN);
			msg[i] ^= (uint8_t)(1 << bit);
			assert_int_equal(decode(msg, KA_MSG_LEN, SRC, GROUP, 255, &e, &a), VRRP_PKT_CHECKSUM);
		}
	}
	/* Unicast mode: the hop limit is read, not checked (as keepalived). */
	e.check_ttl = false;
	assert_int_equal(decode(KA_MSG, KA_MSG_LEN, SRC, GROUP, 1, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.hop_limit, 1);
	/* A unicast advert summed with the group as destination (keepalived <= 1.3.6 did that over IPv4;
	 * over IPv6 the kernel sums its adverts, IPV6_CHECKSUM): rejected. */
	assert_int_equal(decode(KA_MSG, KA_MSG_LEN, SRC, "2001:db8::12", 64, &e, &a), VRRP_PKT_CHECKSUM);
}

static void test_reserved_bits(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	static struct vrrp_adv6 a;
	uint8_t msg[KA_MSG_LEN];

	/* RFC 5798 5.2.6: "MUST be set to zero on transmission and ignored on reception". */
	memcpy(msg, KA_MSG, KA_MSG_LEN);
	msg[4] = 0xf0;
	set_cksum(msg, ref_v6_cksum(msg, KA_MSG_LEN, SRC, GROUP, 112));
	assert_int_equal(decode(msg, KA_MSG_LEN, SRC, GROUP, 255, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.interval_cs, 100);
	/* Re-encoding clears them. */
	assert_int_equal(vrrp_pkt6_encode(&a, msg, sizeof(msg)), KA_MSG_LEN);
	assert_memory_equal(msg, KA_MSG, KA_MSG_LEN);
}

static void test_encode_invalid(void **state)
{
	(void)state;
	static struct vrrp_adv6 a = { .version = 3, .vrid = 1, .priority = 1, .naddr = 1, .interval_cs = 100 };
	uint8_t buf[64];

	a.addrs[0] = ip6(VIP_LL);
	a.src = ip6(SRC);
	a.dst = vrrp_pkt6_mcast_group;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, 23), -1);
	assert_int_equal(vrrp_pkt6_encode(&a, buf, 0), -1);
	assert_int_equal(vrrp_pkt6_encode(&a, buf, 24), 24);
	a.naddr = 0;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), -1);
	a.naddr = 1;
	a.version = 2;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), -1);
	a.version = 0;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), -1);
	a.version = 3;
	a.interval_cs = 0;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), -1);
	a.interval_cs = 4096;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), -1);
	a.interval_cs = 4095;
	assert_int_equal(vrrp_pkt6_encode(&a, buf, sizeof(buf)), 24);
	assert_int_equal(buf[4], 0x0f);
	assert_int_equal(buf[5], 0xff);
}

static void test_addrs_match(void **state)
{
	(void)state;
	static struct vrrp_adv6 a = { .naddr = 3 };
	struct in6_addr w[3];

	a.addrs[0] = ip6("2001:db8::1");
	a.addrs[1] = ip6("2001:db8::2");
	a.addrs[2] = ip6("2001:db8::1");
	w[0] = ip6("2001:db8::2");
	w[1] = ip6("2001:db8::1");
	w[2] = ip6("2001:db8::1");
	assert_true(vrrp_pkt6_addrs_match(&a, w, 3));
	assert_false(vrrp_pkt6_addrs_match(&a, w, 2));
	w[2] = ip6("2001:db8::2"); /* {1, 2, 2} against {1, 2, 1} */
	assert_false(vrrp_pkt6_addrs_match(&a, w, 3));
	w[2] = ip6("2001:db8:0:1::1"); /* differs in the middle, not the last bytes */
	assert_false(vrrp_pkt6_addrs_match(&a, w, 3));
	a.naddr = 2;
	assert_true(vrrp_pkt6_addrs_match(&a, w, 2));
	assert_false(vrrp_pkt6_addrs_match(&a, w, -1));
	a.naddr = 0;
	assert_true(vrrp_pkt6_addrs_match(&a, w, 0));
}

static void test_link_local_and_group(void **state)
{
	(void)state;
	struct in6_addr g = ip6(GROUP);
	const struct in6_addr init = VRRP6_MCAST_GROUP_INIT;

	assert_memory_equal(&vrrp_pkt6_mcast_group, &g, 16);
	assert_memory_equal(&init, &g, 16);
	struct in6_addr yes[] = { ip6("fe80::"), ip6(SRC), ip6("fe80::1:2:3:4"),
				  ip6("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff") };
	struct in6_addr no[] = { ip6("fec0::1"), ip6("fe7f::1"), ip6("ff02::12"), ip6("2001:db8::50"),
				 ip6("::1"), ip6("::"), ip6("::ffff:192.0.2.1"), ip6("fc00::1") };
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(vrrp_pkt6_is_link_local(&yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(vrrp_pkt6_is_link_local(&no[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalived_capture),
		cmocka_unit_test(test_golden_encode),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_each_rejection),
		cmocka_unit_test(test_rejection_order),
		cmocka_unit_test(test_truncated_and_odd),
		cmocka_unit_test(test_checksum_bits_and_hop_limit),
		cmocka_unit_test(test_reserved_bits),
		cmocka_unit_test(test_encode_invalid),
		cmocka_unit_test(test_addrs_match),
		cmocka_unit_test(test_link_local_and_group),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
