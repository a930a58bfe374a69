/* VRRP codec: golden v2/v3 encodings, every rejection reason and its order, padding, options, bounds. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vrrp_packet.h"
#include "ref_cksum.h"

#define SRC "192.0.2.11"
#define DST_PEER "192.0.2.12"
#define GROUP "224.0.0.18"
#define VIP "192.0.2.50"

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

/* The pseudo-header of RFC 5798 5.2.8 as deployed: src, dst, zero, protocol 112, VRRP length. */
static uint16_t ref_v3_cksum(const uint8_t *msg, size_t n, const char *src, const char *dst)
{
	uint8_t ph[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 112, (uint8_t)(n >> 8), (uint8_t)n };
	uint32_t s = ip(src), d = ip(dst);
	uint8_t body[1100];

	memcpy(ph, &s, 4);
	memcpy(ph + 4, &d, 4);
	memcpy(body, msg, n);
	body[6] = body[7] = 0;
	struct part parts[] = { { ph, 12 }, { body, n } };
	return ref_cksum(parts, 2);
}

static uint16_t ref_plain_cksum(const uint8_t *msg, size_t n)
{
	uint8_t body[1100];

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

/* Wraps a VRRP message into an IPv4 datagram with optional options (opt_len multiple of 4) and
 * link-layer padding after the IP total length. Returns the number of bytes "read". */
static size_t wrap(uint8_t *out, const uint8_t *msg, size_t n, uint8_t ttl, const char *src, const char *dst,
		   size_t opt_len, size_t pad)
{
	size_t hl = 20 + opt_len, tot = hl + n;
	uint32_t s = ip(src), d = ip(dst);

	memset(out, 0, hl);
	out[0] = (uint8_t)(0x40 | hl / 4);
	out[1] = 0xc0;
	out[2] = (uint8_t)(tot >> 8);
	out[3] = (uint8_t)tot;
	out[5] = 1;
	out[8] = ttl;
	out[9] = 112;
	memcpy(out + 12, &s, 4);
	memcpy(out + 16, &d, 4);
	for (size_t i = 0; i < opt_len; i += 4) { /* Router Alert (RFC 2113), padded with itself */
		out[20 + i] = 0x94;
		out[21 + i] = 0x04;
	}
	memcpy(out + hl, msg, n);
	memset(out + tot, 0xa5, pad);
	return tot + pad;
}

/* PASS data: the first 8 characters, zero-padded. */
static void put_pass(uint8_t *dst, const char *pass)
{
	size_t n = strlen(pass);

	memset(dst, 0, VRRP_AUTH_LEN);
	memcpy(dst, pass, n < VRRP_AUTH_LEN ? n : VRRP_AUTH_LEN);
}

static struct vrrp_pkt_expect expect_v3(void)
{
	struct vrrp_pkt_expect e = { .version = 3, .vrid = 51, .check_ttl = true };
	return e;
}

static struct vrrp_pkt_expect expect_v2(const char *pass)
{
	struct vrrp_pkt_expect e = { .version = 2, .vrid = 51, .check_ttl = true, .v2_interval_cs = 100 };

	if (pass) {
		e.auth_type = VRRP_AUTH_PASS;
		put_pass(e.auth, pass);
	}
	return e;
}

/* keepalived's v3 advert for vrid 51, priority 100, advert_int 1, VIP 192.0.2.50, from .11 to the group. */
static const uint8_t ka_v3_msg[12] = { 0x31, 51, 100, 1, 0x00, 100, 0x05, 0x9a, 192, 0, 2, 50 };

/* The same advert as keepalived 2.2.7 sent it (IP_HDRINCL: TOS 0xc0, ID 1, TTL 255), read from a raw
 * socket in a namespace test. */
static const uint8_t ka_v3_datagram[32] = {
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x8f, 0xc0, 0x00, 0x02, 0x0b,
	0xe0, 0x00, 0x00, 0x12, 0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x05, 0x9a, 0xc0, 0x00, 0x02, 0x32,
};

static void test_v3_golden_encode(void **state)
{
	(void)state;
	struct vrrp_adv a = { .version = 3, .vrid = 51, .priority = 100, .naddr = 1, .interval_cs = 100 };
	uint8_t buf[64], want[12];

	a.addrs[0].s_addr = ip(VIP);
	a.src.s_addr = ip(SRC);
	a.dst.s_addr = ip(GROUP);
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), 12);
	memcpy(want, ka_v3_msg, 12);
	set_cksum(want, ref_v3_cksum(want, 12, SRC, GROUP));
	assert_memory_equal(buf, want, 12);
	/* The reference routine and the hand-computed literal agree too. */
	assert_memory_equal(buf, ka_v3_msg, 12);

	/* Unicast: the pseudo-header carries the real destination. */
	a.dst.s_addr = ip(DST_PEER);
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), 12);
	set_cksum(want, ref_v3_cksum(want, 12, SRC, DST_PEER));
	assert_memory_equal(buf, want, 12);
	assert_memory_not_equal(buf, ka_v3_msg, 12);

	/* RFC 9568 form: no pseudo-header. */
	assert_int_equal(vrrp_pkt_encode(&a, true, buf, sizeof(buf)), 12);
	set_cksum(want, ref_plain_cksum(want, 12));
	assert_memory_equal(buf, want, 12);
}

static void test_v3_golden_decode(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	struct vrrp_adv a;
	uint8_t pkt[128];
	size_t n = wrap(pkt, ka_v3_msg, 12, 255, SRC, GROUP, 0, 0);

	assert_int_equal(n, 32);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.version, 3);
	assert_int_equal(a.vrid, 51);
	assert_int_equal(a.priority, 100);
	assert_int_equal(a.naddr, 1);
	assert_int_equal(a.interval_cs, 100);
	assert_int_equal(a.addrs[0].s_addr, ip(VIP));
	assert_int_equal(a.src.s_addr, ip(SRC));
	assert_int_equal(a.dst.s_addr, ip(GROUP));
	assert_int_equal(a.ttl, 255);

	struct vrrp_adv k;
	assert_int_equal(vrrp_pkt_decode(ka_v3_datagram, sizeof(ka_v3_datagram), &e, &k), VRRP_PKT_OK);
	assert_int_equal(k.vrid, 51);
	assert_int_equal(k.priority, 100);
	assert_int_equal(k.interval_cs, 100);
	assert_int_equal(k.addrs[0].s_addr, ip(VIP));
	assert_int_equal(k.src.s_addr, ip(SRC));
	/* Our encoder produces keepalived's message byte for byte. */
	uint8_t mine[12];
	assert_int_equal(vrrp_pkt_encode(&k, false, mine, sizeof(mine)), 12);
	assert_memory_equal(mine, ka_v3_datagram + 20, 12);
}

static void test_v3_checksum_forms(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	struct vrrp_adv a;
	uint8_t msg[12], pkt[128];
	size_t n;

	e.check_ttl = false;
	memcpy(msg, ka_v3_msg, 12);
	/* RFC 9568: message only. */
	set_cksum(msg, ref_plain_cksum(msg, 12));
	n = wrap(pkt, msg, 12, 255, SRC, DST_PEER, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	/* Pseudo-header with the real unicast destination. */
	set_cksum(msg, ref_v3_cksum(msg, 12, SRC, DST_PEER));
	n = wrap(pkt, msg, 12, 255, SRC, DST_PEER, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	/* keepalived <= 1.3.6 unicast: group address in the pseudo-header. */
	set_cksum(msg, ref_v3_cksum(msg, 12, SRC, GROUP));
	n = wrap(pkt, msg, 12, 255, SRC, DST_PEER, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	/* Pseudo-header with some other destination or source: none of the forms. */
	set_cksum(msg, ref_v3_cksum(msg, 12, SRC, "192.0.2.99"));
	n = wrap(pkt, msg, 12, 255, SRC, DST_PEER, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_CHECKSUM);
	set_cksum(msg, ref_v3_cksum(msg, 12, "192.0.2.13", DST_PEER));
	n = wrap(pkt, msg, 12, 255, SRC, DST_PEER, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_CHECKSUM);
	/* A flipped bit anywhere in the message. */
	for (size_t i = 1; i < 12; i++) {
		if (i == 3) /* the address count: a length error, checked first */
			continue;
		n = wrap(pkt, ka_v3_msg, 12, 255, SRC, GROUP, 0, 0);
		pkt[20 + i] ^= 0x01;
		e.vrid = pkt[21];
		assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_CHECKSUM);
	}
}

static void test_v2_golden_encode(void **state)
{
	(void)state;
	struct vrrp_adv a = { .version = 2, .vrid = 51, .priority = 100, .naddr = 1, .interval_cs = 100,
			      .auth_type = VRRP_AUTH_PASS };
	uint8_t buf[64];
	const uint8_t pass_msg[20] = { 0x21, 51, 100, 1, 1, 1, 0, 0, 192, 0, 2, 50, 's', 'e', 'c', 'r', 'e', 't',
				       0, 0 };
	uint8_t want[20];

	a.addrs[0].s_addr = ip(VIP);
	memcpy(a.auth, "secret\0\0", 8);
	/* v2 ignores src/dst and the checksum_as_v2 switch: set them to show they do not matter. */
	a.src.s_addr = ip(SRC);
	a.dst.s_addr = ip(GROUP);
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), 20);
	memcpy(want, pass_msg, 20);
	set_cksum(want, ref_plain_cksum(want, 20));
	assert_memory_equal(buf, want, 20);
	assert_int_equal(buf[6] << 8 | buf[7], 0x7b4b);
	assert_int_equal(vrrp_pkt_encode(&a, true, buf, sizeof(buf)), 20);
	assert_memory_equal(buf, want, 20);

	/* Auth type 0: zeros on the wire whatever adv->auth holds (RFC 3768 5.3.10). */
	a.auth_type = VRRP_AUTH_NONE;
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), 20);
	memset(want + 12, 0, 8);
	want[4] = 0;
	set_cksum(want, ref_plain_cksum(want, 20));
	assert_memory_equal(buf, want, 20);

	/* 3 s interval: 3 in the Adver Int byte. */
	a.interval_cs = 300;
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), 20);
	assert_int_equal(buf[5], 3);
}

/* keepalived 2.2.7, vrrp_version 2, auth_type PASS, auth_pass secret, otherwise as ka_v3_datagram. */
static const uint8_t ka_v2_datagram[40] = {
	0x45, 0xc0, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x87, 0xc0, 0x00, 0x02, 0x0b,
	0xe0, 0x00, 0x00, 0x12, 0x21, 0x33, 0x64, 0x01, 0x01, 0x01, 0x7b, 0x4b, 0xc0, 0x00, 0x02, 0x32,
	0x73, 0x65, 0x63, 0x72, 0x65, 0x74, 0x00, 0x00,
};

static void test_v2_keepalived_datagram(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = { .version = 2, .vrid = 51, .check_ttl = true, .v2_interval_cs = 100,
				     .auth_type = VRRP_AUTH_PASS, .auth = "secret" };
	struct vrrp_adv k;
	uint8_t mine[20];

	assert_int_equal(vrrp_pkt_decode(ka_v2_datagram, sizeof(ka_v2_datagram), &e, &k), VRRP_PKT_OK);
	assert_int_equal(k.version, 2);
	assert_int_equal(k.priority, 100);
	assert_int_equal(k.interval_cs, 100);
	assert_int_equal(k.auth_type, VRRP_AUTH_PASS);
	assert_int_equal(vrrp_pkt_encode(&k, false, mine, sizeof(mine)), 20);
	assert_memory_equal(mine, ka_v2_datagram + 20, 20);
	memcpy(e.auth, "secreT", 6);
	assert_int_equal(vrrp_pkt_decode(ka_v2_datagram, sizeof(ka_v2_datagram), &e, &k), VRRP_PKT_AUTH);
}

static size_t v2_packet(uint8_t *pkt, uint8_t auth_type, const char *pass, uint8_t secs)
{
	uint8_t msg[20] = { 0x21, 51, 100, 1, auth_type, secs, 0, 0, 192, 0, 2, 50 };

	if (pass)
		put_pass(msg + 12, pass);
	set_cksum(msg, ref_plain_cksum(msg, 20));
	return wrap(pkt, msg, 20, 255, SRC, GROUP, 0, 0);
}

static void test_v2_decode_auth_interval(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v2("secret");
	struct vrrp_adv a;
	uint8_t pkt[128];
	size_t n;

	n = v2_packet(pkt, VRRP_AUTH_PASS, "secret", 1);
	assert_int_equal(n, 40);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.version, 2);
	assert_int_equal(a.interval_cs, 100);
	assert_int_equal(a.auth_type, VRRP_AUTH_PASS);
	assert_memory_equal(a.auth, "secret\0\0", 8);
	assert_int_equal(a.addrs[0].s_addr, ip(VIP));

	n = v2_packet(pkt, VRRP_AUTH_PASS, "Secret", 1);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_AUTH);
	n = v2_packet(pkt, VRRP_AUTH_PASS, "secret1", 1); /* a prefix is not a match */
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_AUTH);
	n = v2_packet(pkt, VRRP_AUTH_NONE, NULL, 1);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_AUTH);
	n = v2_packet(pkt, 2, "secret", 1);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_AUTH);
	/* Only the first 8 characters exist on the wire. */
	e = expect_v2("12345678");
	n = v2_packet(pkt, VRRP_AUTH_PASS, "123456789", 1);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);

	/* No auth: whatever is in the data field is ignored, and not reported. */
	e = expect_v2(NULL);
	n = v2_packet(pkt, VRRP_AUTH_NONE, "garbage!", 1);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_memory_equal(a.auth, "\0\0\0\0\0\0\0\0", 8);
	n = v2_packet(pkt, VRRP_AUTH_PASS, "secret", 1);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_AUTH);

	/* RFC 3768 7.1: a different Adver Int is discarded. */
	n = v2_packet(pkt, VRRP_AUTH_NONE, NULL, 2);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_INTERVAL);
	e.v2_interval_cs = 200;
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.interval_cs, 200);
}

/* Builds a valid v3 datagram, lets mod() break it, and expects one reason. */
typedef void breaker(uint8_t *pkt, size_t *n, struct vrrp_pkt_expect *e);

static void expect_reject(breaker *mod, enum vrrp_pkt_err want)
{
	struct vrrp_pkt_expect e = expect_v3();
	struct vrrp_adv a;
	uint8_t pkt[256];
	size_t n = wrap(pkt, ka_v3_msg, 12, 255, SRC, GROUP, 0, 0);

	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	mod(pkt, &n, &e);
	enum vrrp_pkt_err got = vrrp_pkt_decode(pkt, n, &e, &a);
	if (got != want)
		fail_msg("got %s, want %s", vrrp_pkt_err_name(got), vrrp_pkt_err_name(want));
}

static void fix_v3_cksum(uint8_t *pkt)
{
	size_t hl = (size_t)(pkt[0] & 0xf) * 4, tot = (size_t)pkt[2] << 8 | pkt[3];

	set_cksum(pkt + hl, ref_plain_cksum(pkt + hl, tot - hl));
}

static void m_short(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)p; (void)e; *n = 27; }
static void m_short_tot(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	(void)e;
	p[3] = 27; /* the IP datagram ends inside the VRRP header; the rest counts as padding */
	(void)n;
}
static void m_ipv6(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)n; (void)e; p[0] = 0x65; }
static void m_ihl4(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)n; (void)e; p[0] = 0x44; }
static void m_ihl_past_tot(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	(void)e;
	p[0] = 0x4f; /* 60-byte header in a 32-byte datagram */
	memset(p + 32, 0, 40);
	*n = 72;
}
static void m_tot_long(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)e; *n -= 1; (void)p; }
static void m_proto(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)n; (void)e; p[9] = 51; }
static void m_ttl(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)n; (void)e; p[8] = 254; }
static void m_version(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)n; (void)p; e->version = 2; }
static void m_version4(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	(void)n; (void)e;
	p[20] = 0x41;
	fix_v3_cksum(p);
}
static void m_type(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	(void)n; (void)e;
	p[20] = 0x32;
	fix_v3_cksum(p);
}
static void m_vrid(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)n; (void)p; e->vrid = 52; }
static void m_naddr2(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	(void)n; (void)e;
	p[23] = 2;
	fix_v3_cksum(p);
}
static void m_naddr0(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	(void)e;
	p[23] = 0;
	p[3] = 28; /* a consistent 8-byte message without addresses */
	*n = 28;
	fix_v3_cksum(p);
}
static void m_trailer(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	(void)e;
	memset(p + 32, 0, 4); /* inside the IP total length, so not padding */
	p[3] = 36;
	*n = 36;
	fix_v3_cksum(p);
}
static void m_cksum(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e) { (void)n; (void)e; p[27] ^= 0x80; }

static void test_each_rejection(void **state)
{
	(void)state;
	expect_reject(m_short, VRRP_PKT_SHORT);
	expect_reject(m_short_tot, VRRP_PKT_SHORT);
	expect_reject(m_ipv6, VRRP_PKT_IP_HEADER);
	expect_reject(m_ihl4, VRRP_PKT_IP_HEADER);
	expect_reject(m_ihl_past_tot, VRRP_PKT_IP_HEADER);
	expect_reject(m_tot_long, VRRP_PKT_IP_HEADER);
	expect_reject(m_proto, VRRP_PKT_PROTO);
	expect_reject(m_ttl, VRRP_PKT_TTL);
	expect_reject(m_version, VRRP_PKT_VERSION);
	expect_reject(m_version4, VRRP_PKT_VERSION);
	expect_reject(m_type, VRRP_PKT_TYPE);
	expect_reject(m_vrid, VRRP_PKT_VRID);
	expect_reject(m_naddr2, VRRP_PKT_LENGTH);
	expect_reject(m_naddr0, VRRP_PKT_LENGTH);
	expect_reject(m_trailer, VRRP_PKT_LENGTH);
	expect_reject(m_cksum, VRRP_PKT_CHECKSUM);
}

/* Two faults at once: the one RFC 5798 7.1 checks first is reported. */
static void m_ttl_vrid(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	m_ttl(p, n, e);
	m_vrid(p, n, e);
}
static void m_ttl_version(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	m_ttl(p, n, e);
	m_version(p, n, e);
}
static void m_version_cksum(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	m_version(p, n, e);
	m_cksum(p, n, e);
}
static void m_length_cksum(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	m_naddr2(p, n, e);
	m_cksum(p, n, e);
}
static void m_cksum_vrid(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	m_cksum(p, n, e);
	m_vrid(p, n, e);
}
static void m_proto_ttl(uint8_t *p, size_t *n, struct vrrp_pkt_expect *e)
{
	m_proto(p, n, e);
	m_ttl(p, n, e);
}

static void test_rejection_order(void **state)
{
	(void)state;
	expect_reject(m_proto_ttl, VRRP_PKT_PROTO);
	expect_reject(m_ttl_version, VRRP_PKT_TTL);
	expect_reject(m_ttl_vrid, VRRP_PKT_TTL);
	expect_reject(m_version_cksum, VRRP_PKT_VERSION);
	expect_reject(m_length_cksum, VRRP_PKT_LENGTH);
	expect_reject(m_cksum_vrid, VRRP_PKT_CHECKSUM);
}

static void test_v2_rejection_order(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v2("secret");
	struct vrrp_adv a;
	uint8_t pkt[128];
	size_t n;

	/* Wrong VRID and wrong password: VRID first (RFC 3768 7.1). */
	n = v2_packet(pkt, VRRP_AUTH_PASS, "other", 1);
	e.vrid = 52;
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_VRID);
	/* Wrong password and wrong interval: auth first. */
	e.vrid = 51;
	n = v2_packet(pkt, VRRP_AUTH_PASS, "other", 2);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_AUTH);
	/* Checksum before auth. */
	n = v2_packet(pkt, VRRP_AUTH_PASS, "other", 1);
	pkt[n - 1] ^= 1;
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_CHECKSUM);
	/* v2 without its 8 auth bytes is incomplete. */
	n = v2_packet(pkt, VRRP_AUTH_PASS, "secret", 1);
	pkt[3] = 32;
	assert_int_equal(vrrp_pkt_decode(pkt, n - 8, &e, &a), VRRP_PKT_LENGTH);
	/* TTL is not checked in unicast mode. */
	n = v2_packet(pkt, VRRP_AUTH_PASS, "secret", 1);
	pkt[8] = 64;
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_TTL);
	e.check_ttl = false;
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.ttl, 64);
}

static void test_padding_and_options(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	struct vrrp_adv a;
	uint8_t pkt[256];
	size_t n;

	/* 32-byte datagram in a minimum Ethernet frame: 14 header + 46 payload, 14 bytes of padding. */
	n = wrap(pkt, ka_v3_msg, 12, 255, SRC, GROUP, 0, 14);
	assert_int_equal(n, 46);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.addrs[0].s_addr, ip(VIP));
	/* Options: the VRRP header is found through IHL, and the checksum is unaffected. */
	n = wrap(pkt, ka_v3_msg, 12, 255, SRC, GROUP, 4, 0);
	assert_int_equal(n, 36);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.priority, 100);
	n = wrap(pkt, ka_v3_msg, 12, 255, SRC, GROUP, 40, 10);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &a), VRRP_PKT_OK);
	assert_int_equal(a.vrid, 51);
	assert_int_equal(a.addrs[0].s_addr, ip(VIP));
}

static void test_priority0_and_interval_bits(void **state)
{
	(void)state;
	struct vrrp_pkt_expect e = expect_v3();
	struct vrrp_adv a = { .version = 3, .vrid = 51, .priority = 0, .naddr = 1, .interval_cs = 4095 }, d;
	uint8_t msg[64], pkt[128];
	int len;

	a.addrs[0].s_addr = ip(VIP);
	a.src.s_addr = ip(SRC);
	a.dst.s_addr = ip(GROUP);
	len = vrrp_pkt_encode(&a, false, msg, sizeof(msg));
	assert_int_equal(len, 12);
	assert_int_equal(msg[2], 0);
	assert_int_equal(msg[4], 0x0f);
	assert_int_equal(msg[5], 0xff);
	size_t n = wrap(pkt, msg, 12, 255, SRC, GROUP, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &d), VRRP_PKT_OK);
	assert_int_equal(d.priority, 0);
	assert_int_equal(d.interval_cs, 4095);

	/* Reserved bits: ignored on receive (RFC 5798 5.2.6). */
	msg[4] = 0xf0;
	msg[5] = 100;
	set_cksum(msg, ref_v3_cksum(msg, 12, SRC, GROUP));
	n = wrap(pkt, msg, 12, 255, SRC, GROUP, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &d), VRRP_PKT_OK);
	assert_int_equal(d.interval_cs, 100);

	/* An interval of 0 (RFC 5798 5.2.7 allows 1-4095): rejected, never learned. */
	msg[4] = 0xf0;
	msg[5] = 0;
	set_cksum(msg, ref_v3_cksum(msg, 12, SRC, GROUP));
	n = wrap(pkt, msg, 12, 255, SRC, GROUP, 0, 0);
	assert_int_equal(vrrp_pkt_decode(pkt, n, &e, &d), VRRP_PKT_INTERVAL);

	a.interval_cs = 4096;
	assert_int_equal(vrrp_pkt_encode(&a, false, msg, sizeof(msg)), -1);
}

static void test_255_addresses(void **state)
{
	(void)state;
	static struct vrrp_adv a, d;
	static uint8_t msg[1100], pkt[1200];
	struct vrrp_pkt_expect e3 = expect_v3(), e2 = expect_v2("pw");

	for (uint8_t version = 2; version <= 3; version++) {
		memset(&a, 0, sizeof(a));
		a.version = version;
		a.vrid = 51;
		a.priority = 255;
		a.naddr = 255;
		a.interval_cs = 100;
		a.auth_type = version == 2 ? VRRP_AUTH_PASS : 0;
		memcpy(a.auth, version == 2 ? "pw\0\0\0\0\0\0" : "\0\0\0\0\0\0\0\0", 8);
		for (int i = 0; i < 255; i++)
			a.addrs[i].s_addr = htonl(0xc0000200u + (uint32_t)i);
		a.src.s_addr = ip(SRC);
		a.dst.s_addr = ip(GROUP);
		int len = vrrp_pkt_encode(&a, false, msg, sizeof(msg));
		size_t want = version == 2 ? 16 + 1020 : 8 + 1020;
		assert_int_equal(len, want);
		uint16_t ck = version == 2 ? ref_plain_cksum(msg, want) : ref_v3_cksum(msg, want, SRC, GROUP);
		assert_int_equal(msg[6] << 8 | msg[7], ck);
		/* One byte short of room. */
		assert_int_equal(vrrp_pkt_encode(&a, false, msg, want - 1), -1);

		size_t n = wrap(pkt, msg, want, 255, SRC, GROUP, 0, 0);
		assert_int_equal(vrrp_pkt_decode(pkt, n, version == 2 ? &e2 : &e3, &d), VRRP_PKT_OK);
		assert_int_equal(d.naddr, 255);
		assert_int_equal(d.priority, 255);
		assert_memory_equal(d.addrs, a.addrs, sizeof(a.addrs));
		assert_true(vrrp_pkt_addrs_match(&d, a.addrs, 255));
		/* The datagram cut short by one byte. */
		assert_int_equal(vrrp_pkt_decode(pkt, n - 1, version == 2 ? &e2 : &e3, &d), VRRP_PKT_IP_HEADER);
	}
}

static void test_encode_invalid(void **state)
{
	(void)state;
	struct vrrp_adv a = { .version = 3, .vrid = 1, .priority = 1, .naddr = 1, .interval_cs = 100 };
	uint8_t buf[64];

	assert_int_equal(vrrp_pkt_encode(&a, false, buf, 11), -1);
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, 12), 12);
	a.naddr = 0;
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), -1);
	a.naddr = 1;
	a.version = 4;
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), -1);
	a.version = 2;
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, 19), -1);
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, 20), 20);
	a.interval_cs = 150; /* 1.5 s has no v2 encoding */
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), -1);
	a.interval_cs = 25600;
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), -1);
	a.interval_cs = 25500;
	assert_int_equal(vrrp_pkt_encode(&a, false, buf, sizeof(buf)), 20);
	assert_int_equal(buf[5], 255);
}

static void test_addrs_match(void **state)
{
	(void)state;
	struct vrrp_adv a = { .naddr = 3 };
	struct in_addr w[3];

	a.addrs[0].s_addr = ip("192.0.2.1");
	a.addrs[1].s_addr = ip("192.0.2.2");
	a.addrs[2].s_addr = ip("192.0.2.1");
	w[0].s_addr = ip("192.0.2.2");
	w[1].s_addr = ip("192.0.2.1");
	w[2].s_addr = ip("192.0.2.1");
	assert_true(vrrp_pkt_addrs_match(&a, w, 3));
	assert_false(vrrp_pkt_addrs_match(&a, w, 2));
	w[2].s_addr = ip("192.0.2.2"); /* {1, 2, 2} against {1, 2, 1} */
	assert_false(vrrp_pkt_addrs_match(&a, w, 3));
	a.naddr = 2;
	assert_true(vrrp_pkt_addrs_match(&a, w, 2));
	assert_false(vrrp_pkt_addrs_match(&a, w, -1));
}

static void test_err_names_and_src(void **state)
{
	(void)state;
	for (int i = 0; i < VRRP_PKT_ERR_MAX; i++) {
		const char *n = vrrp_pkt_err_name((enum vrrp_pkt_err)i);
		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, vrrp_pkt_err_name((enum vrrp_pkt_err)j));
	}
	assert_string_equal(vrrp_pkt_err_name(VRRP_PKT_ERR_MAX), "unknown");
	assert_string_equal(vrrp_pkt_err_name(VRRP_PKT_CHECKSUM), "checksum");

	uint8_t pkt[64];
	struct in_addr s;
	size_t n = wrap(pkt, ka_v3_msg, 12, 255, SRC, GROUP, 0, 0);
	assert_true(vrrp_pkt_ip_src(pkt, n, &s));
	assert_int_equal(s.s_addr, ip(SRC));
	assert_false(vrrp_pkt_ip_src(pkt, 19, &s));
	pkt[0] = 0x60;
	assert_false(vrrp_pkt_ip_src(pkt, n, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v3_golden_encode),
		cmocka_unit_test(test_v3_golden_decode),
		cmocka_unit_test(test_v3_checksum_forms),
		cmocka_unit_test(test_v2_golden_encode),
		cmocka_unit_test(test_v2_decode_auth_interval),
		cmocka_unit_test(test_v2_keepalived_datagram),
		cmocka_unit_test(test_each_rejection),
		cmocka_unit_test(test_rejection_order),
		cmocka_unit_test(test_v2_rejection_order),
		cmocka_unit_test(test_padding_and_options),
		cmocka_unit_test(test_priority0_and_interval_bits),
		cmocka_unit_test(test_255_addresses),
		cmocka_unit_test(test_encode_invalid),
		cmocka_unit_test(test_addrs_match),
		cmocka_unit_test(test_err_names_and_src),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
