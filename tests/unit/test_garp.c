/* garp_build: the exact bytes of a gratuitous ARP frame and the too-small-buffer refusal;
 * arp_probe_build and arp_claims: the read VIP's "does another host have it" question and answers. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "garp.h"

static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };

/* Written out by hand from the layout (notes 3.5), not produced by the code under test. */
static const uint8_t expect_50[GARP_FRAME_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,     /* Ethernet dst: broadcast */
	0x02, 0x11, 0x22, 0x33, 0x44, 0x55,     /* Ethernet src: our MAC */
	0x08, 0x06,                             /* EtherType ARP */
	0x00, 0x01,                             /* hardware type Ethernet */
	0x08, 0x00,                             /* protocol type IPv4 */
	0x06, 0x04,                             /* hln, pln */
	0x00, 0x01,                             /* op REQUEST */
	0x02, 0x11, 0x22, 0x33, 0x44, 0x55,     /* sender MAC */
	192, 0, 2, 50,                          /* sender IP = VIP */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,     /* target MAC */
	192, 0, 2, 50,                          /* target IP = VIP */
};

static struct in_addr ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void test_exact_frame(void **state)
{
	(void)state;
	uint8_t frame[GARP_FRAME_LEN];

	memset(frame, 0xa5, sizeof(frame));
	assert_int_equal(garp_build(frame, sizeof(frame), mac, ip("192.0.2.50")), GARP_FRAME_LEN);
	assert_memory_equal(frame, expect_50, GARP_FRAME_LEN);
}

/* Only the two IP fields depend on the VIP, and the bytes follow network order. */
static void test_other_vip(void **state)
{
	(void)state;
	uint8_t frame[GARP_FRAME_LEN], expect[GARP_FRAME_LEN];

	memcpy(expect, expect_50, sizeof(expect));
	const uint8_t a[4] = { 192, 0, 2, 251 };
	memcpy(expect + 28, a, 4);
	memcpy(expect + 38, a, 4);
	assert_int_equal(garp_build(frame, sizeof(frame), mac, ip("192.0.2.251")), GARP_FRAME_LEN);
	assert_memory_equal(frame, expect, GARP_FRAME_LEN);
}

/* A bigger buffer gets 42 bytes and nothing beyond them is touched. */
static void test_big_buffer(void **state)
{
	(void)state;
	uint8_t frame[64];

	memset(frame, 0xa5, sizeof(frame));
	assert_int_equal(garp_build(frame, sizeof(frame), mac, ip("192.0.2.50")), GARP_FRAME_LEN);
	assert_memory_equal(frame, expect_50, GARP_FRAME_LEN);
	for (size_t i = GARP_FRAME_LEN; i < sizeof(frame); i++)
		assert_int_equal(frame[i], 0xa5);
}

static void test_too_small(void **state)
{
	(void)state;
	uint8_t frame[GARP_FRAME_LEN];

	memset(frame, 0xa5, sizeof(frame));
	assert_int_equal(garp_build(frame, GARP_FRAME_LEN - 1, mac, ip("192.0.2.50")), -1);
	assert_int_equal(garp_build(frame, 0, mac, ip("192.0.2.50")), -1);
	for (size_t i = 0; i < sizeof(frame); i++)
		assert_int_equal(frame[i], 0xa5);
}

/* RFC 5227 probe, by hand: sender 0.0.0.0 and target MAC zeros. */
static void test_probe_frame(void **state)
{
	(void)state;
	static const uint8_t expect[GARP_FRAME_LEN] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
		0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 192, 0, 2, 51,
	};
	uint8_t frame[64];

	assert_int_equal(arp_probe_build(frame, sizeof(frame), mac, ip("192.0.2.51")), GARP_FRAME_LEN);
	assert_memory_equal(frame, expect, GARP_FRAME_LEN);
	assert_int_equal(arp_probe_build(frame, GARP_FRAME_LEN - 1, mac, ip("192.0.2.51")), -1);
}

/* The reply another host's kernel sends to our probe: op 2, sender = the read VIP, to our MAC. */
static void reply_from(uint8_t *f, const uint8_t their[6], const char *sender)
{
	static const uint8_t hdr[8] = { 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02 };
	struct in_addr a = ip(sender);
	memset(f, 0, 60);
	memcpy(f, mac, 6);
	memcpy(f + 6, their, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, hdr, 8);
	memcpy(f + 22, their, 6);
	memcpy(f + 28, &a.s_addr, 4);
	memcpy(f + 32, mac, 6);
}

static void test_claims(void **state)
{
	(void)state;
	static const uint8_t their[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	uint8_t f[60];

	reply_from(f, their, "192.0.2.51");
	assert_true(arp_claims(f, sizeof(f), mac, ip("192.0.2.51")));
	/* Another address, a short frame, our own MAC, another EtherType, another opcode: no. */
	assert_false(arp_claims(f, sizeof(f), mac, ip("192.0.2.52")));
	assert_false(arp_claims(f, GARP_FRAME_LEN - 1, mac, ip("192.0.2.51")));
	assert_false(arp_claims(f, sizeof(f), their, ip("192.0.2.51")));
	f[13] = 0x00;
	assert_false(arp_claims(f, sizeof(f), mac, ip("192.0.2.51")));
	reply_from(f, their, "192.0.2.51");
	f[21] = 3; /* RARP request */
	assert_false(arp_claims(f, sizeof(f), mac, ip("192.0.2.51")));
	/* Its gratuitous ARP on taking the address counts as well. */
	assert_int_equal(garp_build(f, sizeof(f), their, ip("192.0.2.51")), GARP_FRAME_LEN);
	assert_true(arp_claims(f, GARP_FRAME_LEN, mac, ip("192.0.2.51")));
	/* Our own probe (sender 0.0.0.0) never does. */
	assert_int_equal(arp_probe_build(f, sizeof(f), their, ip("192.0.2.51")), GARP_FRAME_LEN);
	assert_false(arp_claims(f, GARP_FRAME_LEN, mac, ip("192.0.2.51")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_frame),
		cmocka_unit_test(test_other_vip),
		cmocka_unit_test(test_big_buffer),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_probe_frame),
		cmocka_unit_test(test_claims),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
