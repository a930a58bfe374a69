/* Isolation check: can this node still reach any of its tiebreaker targets (ICMP echo or TCP connect)? */
#ifndef DM_TIEBREAKER_H
#define DM_TIEBREAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "conf.h"

struct tiebreaker;

/* Called when the verdict changes: isolated = no target answered in the last 2 rounds. */
typedef void (*tiebreaker_cb)(void *ud, bool isolated);

/* Starts probing every c->interval_ms on loop e (non-blocking sockets, per-probe deadline
 * c->timeout_ms). With no targets it never calls back and reports not isolated.
 * Returns 0 or -errno (e.g. ICMP socket not permitted). */
int tiebreaker_open(struct tiebreaker **out, const struct conf_tiebreaker *c, sd_event *e, tiebreaker_cb cb,
		    void *ud);
bool tiebreaker_isolated(const struct tiebreaker *t);
void tiebreaker_close(struct tiebreaker *t);

/*
 * Details of the contract above, and additions:
 *
 * tiebreaker_open: c is copied; interval_ms and timeout_ms are taken as conf_check left them (not
 * re-checked). The first round starts on the loop's next iteration; a round ends when every probe
 * has answered or failed, or at its deadline (start + timeout_ms). The next round starts at
 * start + interval_ms, or when the previous round ends if timeout_ms > interval_ms: rounds never
 * overlap. The ICMP socket (one per tiebreaker, only when an ICMP target exists) is opened here,
 * so open before dropping privileges: SOCK_RAW needs CAP_NET_RAW; without it the kernel's ping
 * socket (SOCK_DGRAM, allowed by net.ipv4.ping_group_range) is tried. Failures are logged here.
 * The loop's sources hold references to e; t does not take its own.
 *
 * cb runs from a loop callback, as the last thing that callback does: cb may call
 * tiebreaker_close(t).
 *
 * tiebreaker_close: closes every socket and event source; NULL is a no-op. No callback after it.
 */

/* Counters since open, for status and tests; t must not be NULL. */
struct tiebreaker_stats {
	uint64_t rounds;          /* finished rounds */
	uint64_t rounds_ok;       /* of which at least one target answered */
	uint64_t probes_answered;
	uint64_t probes_failed;   /* timed out or refused locally (no route, ...) */
	uint64_t icmp_ignored;    /* ICMP packets received that were not a reply to a pending probe */
};
void tiebreaker_get_stats(const struct tiebreaker *t, struct tiebreaker_stats *out);

/* ---- Pure parts (no I/O, no clock), exposed for the unit tests. ---- */

/* Rounds without an answer after which the node is isolated; one answered round clears it. */
#define TIEBREAKER_FALL 2

struct tiebreaker_verdict {
	unsigned failed_rounds;   /* consecutive, saturating at TIEBREAKER_FALL */
	bool isolated;
};

/* Feeds one finished round (answered = at least one target answered before the deadline).
 * Returns true when v->isolated changed. A zeroed struct is the start state (not isolated). */
bool tiebreaker_verdict_round(struct tiebreaker_verdict *v, bool answered);

/* TCP probe outcome from the connect error (0 or a positive errno, as SO_ERROR gives it):
 * connected or ECONNREFUSED (an RST: the host itself answered) count as reachable; anything else
 * (ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, ...) does not. */
bool tiebreaker_tcp_answered(int err);

/* When the next round starts: start_us + interval_ms, but never before end_us (rounds do not
 * overlap). Times in microseconds of one clock. */
uint64_t tiebreaker_next_round_us(uint64_t start_us, uint64_t end_us, int interval_ms);

/* Bytes of the echo request tiebreaker_echo_build writes: 8 of header, 16 of payload. */
#define TIEBREAKER_ECHO_LEN 24

/* Writes an ICMP echo request (type 8, code 0) with identifier id and sequence seq, both in host
 * order, and its checksum into buf. Returns TIEBREAKER_ECHO_LEN, or 0 when len is too small. */
size_t tiebreaker_echo_build(uint8_t *buf, size_t len, uint16_t id, uint16_t seq);

/* Parses what an ICMP socket received: with ip_header (SOCK_RAW) buf starts with the IPv4 header,
 * without (SOCK_DGRAM ping socket) with the ICMP header. On an echo reply (type 0, code 0, valid
 * checksum) stores identifier and sequence (host order) and returns 0; -ENOMSG for other ICMP
 * messages; -EBADMSG when truncated, not IPv4/ICMP, or the checksum is wrong. Does NOT check
 * the source address, the identifier or the sequence: the caller matches those. */
int tiebreaker_echo_parse(const uint8_t *buf, size_t len, bool ip_header, uint16_t *id, uint16_t *seq);

#endif
