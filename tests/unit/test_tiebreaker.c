/* Tiebreaker pure parts: ICMP echo build/parse, the 2-round verdict, TCP outcomes, round spacing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tiebreaker.h"

/* Independent RFC 1071 sum (32-bit accumulate, fold once at the end) to cross-check the module. */
static unsigned ref_sum(const uint8_t *p, size_t len)
{
	unsigned long sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += (i % 2) ? p[i] : (unsigned long)p[i] << 8;
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return (unsigned)sum;
}

static void fix_csum(uint8_t *pkt, size_t len)
{
	unsigned s;

	pkt[2] = pkt[3] = 0;
	s = ~ref_sum(pkt, len) & 0xffff;
	pkt[2] = (uint8_t)(s >> 8);
	pkt[3] = (uint8_t)s;
}

/* Turns a request into the reply a host sends: type 0, checksum recomputed from scratch. */
static void make_reply(uint8_t *pkt, size_t len)
{
	pkt[0] = 0;
	fix_csum(pkt, len);
}

/* Prepends a 20-byte (or longer, with options) IPv4 header for protocol proto. */
static size_t with_ip(uint8_t *out, const uint8_t *icmp, size_t len, unsigned ihl_words, uint8_t proto)
{
	size_t hl = ihl_words * 4;

	memset(out, 0, hl);
	out[0] = (uint8_t)(0x40 | ihl_words);
	out[2] = (uint8_t)((hl + len) >> 8);
	out[3] = (uint8_t)(hl + len);
	out[8] = 64;
	out[9] = proto;
	out[12] = 192, out[13] = 0, out[14] = 2, out[15] = 1;
	out[16] = 192, out[17] = 0, out[18] = 2, out[19] = 11;
	memcpy(out + hl, icmp, len);
	return hl + len;
}

static void test_echo_build(void **state)
{
	uint8_t pkt[64];

	(void)state;
	memset(pkt, 0xaa, sizeof(pkt));
	assert_int_equal(tiebreaker_echo_build(pkt, sizeof(pkt), 0xbeef, 0x0102), TIEBREAKER_ECHO_LEN);
	assert_int_equal(pkt[0], 8);
	assert_int_equal(pkt[1], 0);
	assert_int_equal(pkt[4], 0xbe);
	assert_int_equal(pkt[5], 0xef);
	assert_int_equal(pkt[6], 0x01);
	assert_int_equal(pkt[7], 0x02);
	/* A correct checksum makes the one's complement sum of the whole message 0xffff. */
	assert_int_equal(ref_sum(pkt, TIEBREAKER_ECHO_LEN), 0xffff);
	assert_int_equal(pkt[TIEBREAKER_ECHO_LEN], 0xaa);
	assert_int_equal(tiebreaker_echo_build(pkt, TIEBREAKER_ECHO_LEN - 1, 1, 1), 0);
}

/* Hand-computed: type 0, id 0x1234, seq 1, no data: sum 0x1235, checksum 0xedca. */
static void test_parse_known_reply(void **state)
{
	const uint8_t pkt[] = { 0x00, 0x00, 0xed, 0xca, 0x12, 0x34, 0x00, 0x01 };
	uint16_t id = 0, seq = 0;

	(void)state;
	assert_int_equal(tiebreaker_echo_parse(pkt, sizeof(pkt), false, &id, &seq), 0);
	assert_int_equal(id, 0x1234);
	assert_int_equal(seq, 1);
}

static void test_parse_roundtrip(void **state)
{
	uint8_t pkt[TIEBREAKER_ECHO_LEN], ip[128];
	uint16_t id = 0, seq = 0;
	size_t n;

	(void)state;
	tiebreaker_echo_build(pkt, sizeof(pkt), 0xfffe, 0x8001);
	make_reply(pkt, sizeof(pkt));
	assert_int_equal(tiebreaker_echo_parse(pkt, sizeof(pkt), false, &id, &seq), 0);
	assert_int_equal(id, 0xfffe);
	assert_int_equal(seq, 0x8001);

	id = seq = 0;
	n = with_ip(ip, pkt, sizeof(pkt), 5, 1);
	assert_int_equal(tiebreaker_echo_parse(ip, n, true, &id, &seq), 0);
	assert_int_equal(id, 0xfffe);
	assert_int_equal(seq, 0x8001);

	/* IP options move the ICMP header. */
	id = seq = 0;
	n = with_ip(ip, pkt, sizeof(pkt), 7, 1);
	assert_int_equal(tiebreaker_echo_parse(ip, n, true, &id, &seq), 0);
	assert_int_equal(id, 0xfffe);

	/* Bytes past the IPv4 total length (padding) are not part of the ICMP message. */
	ip[n] = 0x55;
	assert_int_equal(tiebreaker_echo_parse(ip, n + 1, true, &id, &seq), 0);

	/* Without the ip_header flag the same bytes are garbage. */
	assert_int_not_equal(tiebreaker_echo_parse(ip, n, false, &id, &seq), 0);
}

static void test_parse_rejects(void **state)
{
	uint8_t req[TIEBREAKER_ECHO_LEN], rep[TIEBREAKER_ECHO_LEN], ip[128], unreach[8] = { 3, 1, 0, 0 };
	uint16_t id = 7, seq = 9;
	size_t n;

	(void)state;
	tiebreaker_echo_build(req, sizeof(req), 0x4242, 5);
	/* Our own request (seen on a raw socket without the filter) is not an answer. */
	assert_int_equal(tiebreaker_echo_parse(req, sizeof(req), false, &id, &seq), -ENOMSG);

	memcpy(rep, req, sizeof(rep));
	make_reply(rep, sizeof(rep));
	rep[10] ^= 0x01;
	assert_int_equal(tiebreaker_echo_parse(rep, sizeof(rep), false, &id, &seq), -EBADMSG);
	rep[10] ^= 0x01;
	assert_int_equal(tiebreaker_echo_parse(rep, 7, false, &id, &seq), -EBADMSG);

	/* A valid destination unreachable is ICMP but no reply. */
	fix_csum(unreach, sizeof(unreach));
	assert_int_equal(tiebreaker_echo_parse(unreach, sizeof(unreach), false, &id, &seq), -ENOMSG);

	/* A reply with a non-zero code is not an echo reply (RFC 792: code 0). */
	memcpy(req, rep, sizeof(req));
	req[1] = 1;
	fix_csum(req, sizeof(req));
	assert_int_equal(tiebreaker_echo_parse(req, sizeof(req), false, &id, &seq), -ENOMSG);

	n = with_ip(ip, rep, sizeof(rep), 5, 6);        /* TCP, not ICMP */
	assert_int_equal(tiebreaker_echo_parse(ip, n, true, &id, &seq), -EBADMSG);
	n = with_ip(ip, rep, sizeof(rep), 5, 1);
	assert_int_equal(tiebreaker_echo_parse(ip, n - 1, true, &id, &seq), -EBADMSG); /* total > received */
	ip[0] = 0x44;                                   /* IHL below 5 */
	assert_int_equal(tiebreaker_echo_parse(ip, n, true, &id, &seq), -EBADMSG);
	ip[0] = 0x65;                                   /* IPv6 version nibble */
	assert_int_equal(tiebreaker_echo_parse(ip, n, true, &id, &seq), -EBADMSG);
	assert_int_equal(tiebreaker_echo_parse(ip, 19, true, &id, &seq), -EBADMSG);
	n = with_ip(ip, rep, 4, 5, 1);                  /* IP header plus half an ICMP header */
	assert_int_equal(tiebreaker_echo_parse(ip, n, true, &id, &seq), -EBADMSG);

	/* Nothing was stored by the rejected packets. */
	assert_int_equal(id, 7);
	assert_int_equal(seq, 9);
}

/* Scenario: rounds fed in order, with the expected "changed" and verdict after each. */
struct round_step {
	bool answered;
	bool changed;
	bool isolated;
};

static void run_rounds(const struct round_step *steps, size_t n)
{
	struct tiebreaker_verdict v = { 0 };

	for (size_t i = 0; i < n; i++) {
		bool changed = tiebreaker_verdict_round(&v, steps[i].answered);

		if (changed != steps[i].changed || v.isolated != steps[i].isolated)
			fail_msg("step %zu: answered=%d -> changed=%d isolated=%d, expected %d %d", i,
				 steps[i].answered, changed, v.isolated, steps[i].changed, steps[i].isolated);
	}
}

static void test_verdict_two_failures(void **state)
{
	static const struct round_step s[] = {
		{ true, false, false },
		{ false, false, false },  /* one failed round is not enough */
		{ false, true, true },    /* second consecutive: isolated, reported once */
		{ false, false, true },
		{ false, false, true },
		{ true, true, false },    /* one answered round clears it */
		{ true, false, false },
	};

	(void)state;
	run_rounds(s, sizeof(s) / sizeof(s[0]));
}

static void test_verdict_not_consecutive(void **state)
{
	static const struct round_step s[] = {
		{ false, false, false }, { true, false, false }, { false, false, false },
		{ true, false, false },  { false, false, false }, { false, true, true },
		{ true, true, false },   { false, false, false }, { false, true, true },
	};

	(void)state;
	run_rounds(s, sizeof(s) / sizeof(s[0]));
}

static void test_tcp_outcomes(void **state)
{
	(void)state;
	assert_true(tiebreaker_tcp_answered(0));
	assert_true(tiebreaker_tcp_answered(ECONNREFUSED));
	assert_false(tiebreaker_tcp_answered(ETIMEDOUT));
	assert_false(tiebreaker_tcp_answered(EHOSTUNREACH));
	assert_false(tiebreaker_tcp_answered(ENETUNREACH));
	assert_false(tiebreaker_tcp_answered(EACCES));
}

static void test_next_round(void **state)
{
	(void)state;
	assert_int_equal(tiebreaker_next_round_us(5000000, 5200000, 1000), 6000000);
	/* timeout longer than the interval: the next round waits for this one to end */
	assert_int_equal(tiebreaker_next_round_us(5000000, 7000000, 1000), 7000000);
	assert_int_equal(tiebreaker_next_round_us(5000000, 6000000, 1000), 6000000);
}

static void never_called(void *ud, bool isolated)
{
	(void)ud;
	(void)isolated;
	fail_msg("callback without targets");
}

/* No targets: no socket, no timer, never isolated; and a nonsense interval is refused. */
static void test_open_without_targets(void **state)
{
	struct conf_tiebreaker c = { .n_targets = 0 };
	struct tiebreaker *t = (void *)1;
	struct tiebreaker_stats st;
	sd_event *e = NULL;

	(void)state;
	assert_int_equal(sd_event_new(&e), 0);
	assert_int_equal(tiebreaker_open(&t, &c, e, never_called, NULL), 0);
	assert_non_null(t);
	assert_false(tiebreaker_isolated(t));
	for (int i = 0; i < 3; i++)
		assert_true(sd_event_run(e, 1000) >= 0);
	tiebreaker_get_stats(t, &st);
	assert_int_equal(st.rounds, 0);
	assert_false(tiebreaker_isolated(t));
	tiebreaker_close(t);

	c.n_targets = 1;
	c.targets[0].port = 22;
	c.interval_ms = 0;
	c.timeout_ms = 500;
	assert_int_equal(tiebreaker_open(&t, &c, e, never_called, NULL), -EINVAL);
	assert_null(t);
	tiebreaker_close(NULL);
	sd_event_unref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_build),
		cmocka_unit_test(test_parse_known_reply),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_verdict_two_failures),
		cmocka_unit_test(test_verdict_not_consecutive),
		cmocka_unit_test(test_tcp_outcomes),
		cmocka_unit_test(test_next_round),
		cmocka_unit_test(test_open_without_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
