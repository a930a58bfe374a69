/* ndisc_na_build: the exact bytes of an unsolicited NA, keepalived's own frames, the checksum. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ndisc.h"

static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };

/* Written out by hand from RFC 4861 4.4 and 7.2.6, not produced by the code under test; the
 * checksum is checked separately against the reference below. */
static const uint8_t expect_50[NDISC_NA_FRAME_LEN] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01,             /* Ethernet dst: ff02::1 per RFC 2464 7 */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,             /* Ethernet src: our MAC */
	0x86, 0xdd,                                     /* EtherType IPv6 */
	0x60, 0x00, 0x00, 0x00,                         /* version 6, traffic class 0, flow label 0 */
	0x00, 0x20, 0x3a, 0xff,                         /* payload 32, next header ICMPv6, hop limit 255 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, /* source: the VIP */
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,       /* destination: all-nodes */
	0x88, 0x00,                                     /* type 136 Neighbor Advertisement, code 0 */
	0xf8, 0x83,                                     /* checksum */
	0x20, 0x00, 0x00, 0x00,                         /* R=0 S=0 O=1, reserved */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, /* target: the VIP */
	0x02, 0x01,                                     /* option Target Link-Layer Address, 8 bytes */
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,             /* our MAC */
};

/* keepalived 2.2.7 taking virtual_ipaddress { fe80::51/64 2001:db8::50/64 } on veth va (MAC
 * 02:00:00:00:00:0a, IPv6 forwarding off) in a throwaway network namespace, read by a python3
 * AF_PACKET socket on the peer veth: its unsolicited NAs for both VIPs (5 of each, all identical). */
static const uint8_t ka_na_50[NDISC_NA_FRAME_LEN] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0xf8, 0x83, 0x20, 0x00, 0x00, 0x00, 0x20, 0x01,
	0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
};
static const uint8_t ka_na_ll[NDISC_NA_FRAME_LEN] = {
	0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x86, 0xdd, 0x60, 0x00,
	0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x51, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x88, 0x00, 0x56, 0xf2, 0x20, 0x00, 0x00, 0x00, 0xfe, 0x80,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x51, 0x02, 0x01,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x0a,
};

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* Independent RFC 1071 / RFC 4443 2.3 reference over the frame's own fields: the RFC 8200 8.1
 * pseudo-header (source, destination, 32-bit length, 24 zero bits, next header), then the ICMPv6
 * message with its checksum field zero, as one stream of bytes. */
static uint16_t ref_icmp6_cksum(const uint8_t *frame)
{
	const uint8_t *ip = frame + 14, *icmp = ip + 40;
	size_t n = (size_t)ip[4] << 8 | ip[5];
	uint8_t stream[40 + 64];
	uint64_t sum = 0;

	memcpy(stream, ip + 8, 32);
	stream[32] = (uint8_t)(n >> 24);
	stream[33] = (uint8_t)(n >> 16);
	stream[34] = (uint8_t)(n >> 8);
	stream[35] = (uint8_t)n;
	stream[36] = stream[37] = stream[38] = 0;
	stream[39] = ip[6];
	memcpy(stream + 40, icmp, n);
	stream[42] = stream[43] = 0;
	for (size_t i = 0; i < 40 + n; i++)
		sum += i % 2 == 0 ? (uint64_t)stream[i] << 8 : stream[i];
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)(0xffff - sum);
}

static void test_exact_frame(void **state)
{
	(void)state;
	uint8_t frame[NDISC_NA_FRAME_LEN];
	struct in6_addr vip = ip6("2001:db8::50");

	memset(frame, 0xa5, sizeof(frame));
	assert_int_equal(ndisc_na_build(frame, sizeof(frame), mac, &vip), NDISC_NA_FRAME_LEN);
	assert_memory_equal(frame, expect_50, NDISC_NA_FRAME_LEN);
	assert_int_equal(ref_icmp6_cksum(expect_50), 0xf883);
}

/* Byte for byte what keepalived sends, for a global and a link-local VIP. */
static void test_keepalived_frames(void **state)
{
	(void)state;
	uint8_t frame[NDISC_NA_FRAME_LEN];
	struct in6_addr vip = ip6("2001:db8::50"), ll = ip6("fe80::51");

	assert_memory_equal(ka_na_50, expect_50, NDISC_NA_FRAME_LEN);
	assert_int_equal(ndisc_na_build(frame, sizeof(frame), mac, &ll), NDISC_NA_FRAME_LEN);
	assert_memory_equal(frame, ka_na_ll, NDISC_NA_FRAME_LEN);
	assert_int_equal(ndisc_na_build(frame, sizeof(frame), mac, &vip), NDISC_NA_FRAME_LEN);
	assert_memory_equal(frame, ka_na_50, NDISC_NA_FRAME_LEN);
	assert_int_equal(ref_icmp6_cksum(ka_na_ll), ka_na_ll[56] << 8 | ka_na_ll[57]);
}

/* Other MACs and VIPs: only their fields and the checksum change, and the checksum stays right,
 * including values whose sum carries more than once. */
static void test_other_inputs(void **state)
{
	(void)state;
	const uint8_t mac2[6] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff };
	const char *vips[] = { "2001:db8::51", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::1", "::1",
			       "2001:db8:ffff:ffff:ffff:ffff:ffff:7e17", /* with mac2 the sum 0xffff1 folds twice */
			       "2001:db8:0:0:1::" };
	uint8_t frame[NDISC_NA_FRAME_LEN], expect[NDISC_NA_FRAME_LEN];

	for (size_t i = 0; i < sizeof(vips) / sizeof(vips[0]); i++) {
		struct in6_addr vip = ip6(vips[i]);

		memcpy(expect, expect_50, sizeof(expect));
		memcpy(expect + 6, mac2, 6);
		memcpy(expect + 22, vip.s6_addr, 16);
		memcpy(expect + 62, vip.s6_addr, 16);
		memcpy(expect + 80, mac2, 6);
		uint16_t ck = ref_icmp6_cksum(expect);
		expect[56] = (uint8_t)(ck >> 8);
		expect[57] = (uint8_t)ck;
		assert_int_equal(ndisc_na_build(frame, sizeof(frame), mac2, &vip), NDISC_NA_FRAME_LEN);
		assert_memory_equal(frame, expect, NDISC_NA_FRAME_LEN);
	}
}

/* A bigger buffer gets 86 bytes and nothing beyond them is touched. */
static void test_big_buffer(void **state)
{
	(void)state;
	uint8_t frame[128];
	struct in6_addr vip = ip6("2001:db8::50");

	memset(frame, 0xa5, sizeof(frame));
	assert_int_equal(ndisc_na_build(frame, sizeof(frame), mac, &vip), NDISC_NA_FRAME_LEN);
	assert_memory_equal(frame, expect_50, NDISC_NA_FRAME_LEN);
	for (size_t i = NDISC_NA_FRAME_LEN; i < sizeof(frame); i++)
		assert_int_equal(frame[i], 0xa5);
}

static void test_too_small(void **state)
{
	(void)state;
	uint8_t frame[NDISC_NA_FRAME_LEN];
	struct in6_addr vip = ip6("2001:db8::50");

	memset(frame, 0xa5, sizeof(frame));
	assert_int_equal(ndisc_na_build(frame, NDISC_NA_FRAME_LEN - 1, mac, &vip), -1);
	assert_int_equal(ndisc_na_build(frame, 0, mac, &vip), -1);
	for (size_t i = 0; i < sizeof(frame); i++)
		assert_int_equal(frame[i], 0xa5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_frame),
		cmocka_unit_test(test_keepalived_frames),
		cmocka_unit_test(test_other_inputs),
		cmocka_unit_test(test_big_buffer),
		cmocka_unit_test(test_too_small),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
