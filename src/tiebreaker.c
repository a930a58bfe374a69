/* Isolation check: one round of ICMP echo / TCP connect probes per interval on the sd-event loop. */
#include "tiebreaker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/icmp.h>

#include "log.h"

#define USEC_PER_MSEC 1000ULL
/* sd_event_add_time(3): an accuracy of 0 selects the default of 250 ms, coarser than our deadlines. */
#define TIMER_ACCURACY_US 1000ULL
/* A raw ICMP socket receives every echo reply the host gets (other pingers' too): bound the reads per
 * wakeup so a flood cannot hold the loop; the rest stays queued for the next iteration. */
#define ICMP_READ_BUDGET 64
/* The largest IPv4 header (60) plus our echo; longer packets are someone else's and get truncated. */
#define ICMP_RX_LEN 256

static const uint8_t echo_payload[TIEBREAKER_ECHO_LEN - 8] = "dualmaster probe";

/* ---- Pure parts ---- */

/* RFC 1071 Internet checksum; returns the value to store big-endian (0 when verifying a valid packet). */
static uint16_t inet_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)p[0] << 8 | p[1];
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

size_t tiebreaker_echo_build(uint8_t *buf, size_t len, uint16_t id, uint16_t seq)
{
	uint16_t csum;

	if (len < TIEBREAKER_ECHO_LEN)
		return 0;
	buf[0] = ICMP_ECHO;
	buf[1] = 0;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)(id >> 8);
	buf[5] = (uint8_t)id;
	buf[6] = (uint8_t)(seq >> 8);
	buf[7] = (uint8_t)seq;
	memcpy(buf + 8, echo_payload, sizeof(echo_payload));
	csum = inet_csum(buf, TIEBREAKER_ECHO_LEN);
	buf[2] = (uint8_t)(csum >> 8);
	buf[3] = (uint8_t)csum;
	return TIEBREAKER_ECHO_LEN;
}

int tiebreaker_echo_parse(const uint8_t *buf, size_t len, bool ip_header, uint16_t *id, uint16_t *seq)
{
	if (ip_header) {
		size_t ihl, tot;

		if (len < 20 || buf[0] >> 4 != 4)
			return -EBADMSG;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		tot = (size_t)buf[2] << 8 | buf[3];
		if (ihl < 20 || buf[9] != IPPROTO_ICMP || tot < ihl || tot > len)
			return -EBADMSG;
		buf += ihl;
		len = tot - ihl;
	}
	if (len < 8)
		return -EBADMSG;
	/* A raw socket gets its copy before icmp_rcv() validates the checksum, so check it here. */
	if (inet_csum(buf, len) != 0)
		return -EBADMSG;
	if (buf[0] != ICMP_ECHOREPLY || buf[1] != 0)
		return -ENOMSG;
	*id = (uint16_t)(buf[4] << 8 | buf[5]);
	*seq = (uint16_t)(buf[6] << 8 | buf[7]);
	return 0;
}

bool tiebreaker_verdict_round(struct tiebreaker_verdict *v, bool answered)
{
	bool was = v->isolated;

	if (answered) {
		v->failed_rounds = 0;
		v->isolated = false;
	} else {
		if (v->failed_rounds < TIEBREAKER_FALL)
			v->failed_rounds++;
		if (v->failed_rounds >= TIEBREAKER_FALL)
			v->isolated = true;
	}
	return v->isolated != was;
}

bool tiebreaker_tcp_answered(int err)
{
	/* A RST to our SYN (ECONNREFUSED) comes from the host itself, so it is reachable; ECONNRESET can
	 * only follow an established connection. Errors a router or our own stack reports
	 * (EHOSTUNREACH, ENETUNREACH) or silence (ETIMEDOUT) say nothing about the host. */
	return err == 0 || err == ECONNREFUSED || err == ECONNRESET;
}

uint64_t tiebreaker_next_round_us(uint64_t start_us, uint64_t end_us, int interval_ms)
{
	uint64_t next = start_us + (uint64_t)(interval_ms > 0 ? interval_ms : 0) * USEC_PER_MSEC;

	return next > end_us ? next : end_us;
}

/* ---- Shell: sockets and event sources ---- */

enum probe_state { PROBE_IDLE, PROBE_PENDING, PROBE_ANSWERED, PROBE_FAILED };

struct probe {
	struct tiebreaker *t;
	struct conf_target target;
	enum probe_state state;
	int err;                  /* failed: positive errno, ETIMEDOUT at the deadline */
	uint16_t seq;             /* ICMP: sequence of the outstanding echo request */
	int fd;                   /* TCP: the connecting socket, -1 when none */
	sd_event_source *src;     /* TCP: its io source */
};

struct tiebreaker {
	sd_event *ev;
	struct conf_tiebreaker conf;
	tiebreaker_cb cb;
	void *ud;
	int icmp_fd;              /* -1 when no ICMP target */
	bool icmp_raw;            /* SOCK_RAW (IP header in front, our identifier) or the ping socket */
	uint16_t icmp_id;
	uint16_t next_seq;
	sd_event_source *icmp_src;
	sd_event_source *timer;   /* next round start, or the running round's deadline */
	bool round_running;
	uint64_t round_start_us;
	int pending;
	struct probe probes[CONF_MAX_TARGETS];
	struct tiebreaker_verdict verdict;
	struct tiebreaker_stats stats;
};

static void target_str(const struct conf_target *tg, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &tg->addr, a, sizeof(a));
	if (tg->port)
		snprintf(buf, len, "%s:%u", a, tg->port);
	else
		snprintf(buf, len, "%s", a);
}

static uint64_t loop_now(const struct tiebreaker *t)
{
	uint64_t now = 0;

	/* Fails only for an unknown clock or in a forked child; 0 then makes the timer fire at once. */
	if (sd_event_now(t->ev, CLOCK_MONOTONIC, &now) < 0)
		now = 0;
	return now;
}

static void tcp_close(struct probe *p, bool connected)
{
	if (p->fd < 0)
		return;
	/* Abort instead of FIN: one probe per interval would otherwise leave a TIME_WAIT socket per
	 * round on one side or the other. */
	if (connected) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		(void)setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	/* The source goes first: sd-event detaches it from epoll even while it is dispatching. */
	p->src = sd_event_source_unref(p->src);
	close(p->fd);
	p->fd = -1;
}

static void probe_finish(struct probe *p, bool answered, int err)
{
	if (p->state == PROBE_PENDING)
		p->t->pending--;
	p->state = answered ? PROBE_ANSWERED : PROBE_FAILED;
	p->err = answered ? 0 : err;
	tcp_close(p, answered && err == 0);
}

static void round_end(struct tiebreaker *t, uint64_t now);

/* Ends the running round once no probe is pending; must be the caller's last action (cb may close t). */
static void round_maybe_end(struct tiebreaker *t)
{
	if (t->round_running && t->pending == 0)
		round_end(t, loop_now(t));
}

static int on_tcp(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct probe *p = ud;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)s;
	(void)revents;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	probe_finish(p, tiebreaker_tcp_answered(err), err);
	round_maybe_end(p->t);
	return 0;
}

static void probe_start_tcp(struct tiebreaker *t, struct probe *p)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(p->target.port),
				   .sin_addr = p->target.addr };
	int r;

	p->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		r = errno;
		log_warn("tiebreaker: TCP socket");
		probe_finish(p, false, r);
		return;
	}
	if (connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
		probe_finish(p, true, 0);
		return;
	}
	if (errno != EINPROGRESS) {
		r = errno;
		probe_finish(p, tiebreaker_tcp_answered(r), r);
		return;
	}
	r = sd_event_add_io(t->ev, &p->src, p->fd, EPOLLOUT, on_tcp, p);
	if (r < 0) {
		log_warnx("tiebreaker: TCP probe event source: %s", strerror(-r));
		probe_finish(p, false, -r);
		return;
	}
	(void)sd_event_source_set_description(p->src, "tiebreaker-tcp");
}

static void probe_start_icmp(struct tiebreaker *t, struct probe *p)
{
	uint8_t pkt[TIEBREAKER_ECHO_LEN];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = p->target.addr };
	ssize_t n;

	p->seq = t->next_seq++;
	tiebreaker_echo_build(pkt, sizeof(pkt), t->icmp_id, p->seq);
	n = sendto(t->icmp_fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&sin, sizeof(sin));
	if (n < 0)
		probe_finish(p, false, errno);
	else if ((size_t)n != sizeof(pkt))
		probe_finish(p, false, EMSGSIZE);
}

static void round_start(struct tiebreaker *t, uint64_t now)
{
	t->round_running = true;
	t->round_start_us = now;
	t->pending = t->conf.n_targets;
	for (int i = 0; i < t->conf.n_targets; i++) {
		struct probe *p = &t->probes[i];

		p->state = PROBE_PENDING;
		p->err = 0;
		if (p->target.port)
			probe_start_tcp(t, p);
		else
			probe_start_icmp(t, p);
	}
}

static void arm_timer(struct tiebreaker *t, uint64_t at_us)
{
	int r = sd_event_source_set_time(t->timer, at_us);

	if (r >= 0)
		r = sd_event_source_set_enabled(t->timer, SD_EVENT_ONESHOT);
	if (r < 0)
		log_err("tiebreaker: cannot arm the probe timer, isolation check stopped: %s", strerror(-r));
}

/* "192.0.2.1: timed out, 192.0.2.1:22: No route to host" for the log lines. */
static void describe_round(const struct tiebreaker *t, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < t->conf.n_targets && off < len; i++) {
		const struct probe *p = &t->probes[i];
		char name[32];
		int w;

		target_str(&p->target, name, sizeof(name));
		w = snprintf(buf + off, len - off, "%s%s: %s", i ? ", " : "", name,
			     p->state == PROBE_ANSWERED ? "answered"
			     : p->err == ETIMEDOUT     ? "no answer in time"
						       : strerror(p->err));
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static void round_end(struct tiebreaker *t, uint64_t now)
{
	bool answered = false, changed;
	char why[512];

	for (int i = 0; i < t->conf.n_targets; i++) {
		struct probe *p = &t->probes[i];

		if (p->state == PROBE_PENDING)
			probe_finish(p, false, ETIMEDOUT);
		if (p->state == PROBE_ANSWERED) {
			answered = true;
			t->stats.probes_answered++;
		} else {
			t->stats.probes_failed++;
		}
	}
	t->round_running = false;
	t->stats.rounds++;
	if (answered)
		t->stats.rounds_ok++;
	changed = tiebreaker_verdict_round(&t->verdict, answered);
	arm_timer(t, tiebreaker_next_round_us(t->round_start_us, now, t->conf.interval_ms));
	if (!answered && (log_debug_cats() & LOG_CAT_PROTO)) {
		describe_round(t, why, sizeof(why));
		log_debug(LOG_CAT_PROTO, "tiebreaker: round without answer: %s", why);
	}
	if (!changed)
		return;
	describe_round(t, why, sizeof(why));
	if (t->verdict.isolated)
		log_info("tiebreaker: not isolated -> isolated: no target answered in %d rounds (%s)",
			 TIEBREAKER_FALL, why);
	else
		log_info("tiebreaker: isolated -> not isolated (%s)", why);
	t->cb(t->ud, t->verdict.isolated);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	struct tiebreaker *t = ud;
	uint64_t now = loop_now(t);

	(void)s;
	(void)usec;
	if (t->round_running) {
		round_end(t, now);
		return 0;
	}
	round_start(t, now);
	if (t->pending == 0) {
		round_end(t, now);
		return 0;
	}
	arm_timer(t, now + (uint64_t)t->conf.timeout_ms * USEC_PER_MSEC);
	return 0;
}

/* Marks the pending ICMP probe this reply answers; false when it answers none of ours. */
static bool icmp_match(struct tiebreaker *t, const uint8_t *buf, size_t len, const struct sockaddr_in *from)
{
	uint16_t id, seq;

	if (tiebreaker_echo_parse(buf, len, t->icmp_raw, &id, &seq) < 0)
		return false;
	/* The ping socket's identifier is the kernel's, which already delivered only our replies. */
	if (t->icmp_raw && id != t->icmp_id)
		return false;
	for (int i = 0; i < t->conf.n_targets; i++) {
		struct probe *p = &t->probes[i];

		if (p->state == PROBE_PENDING && !p->target.port && p->seq == seq &&
		    p->target.addr.s_addr == from->sin_addr.s_addr) {
			probe_finish(p, true, 0);
			return true;
		}
	}
	return false;
}

static int on_icmp(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct tiebreaker *t = ud;
	uint8_t buf[ICMP_RX_LEN];

	(void)s;
	(void)revents;
	for (int i = 0; i < ICMP_READ_BUDGET; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			/* Other errors are a pending socket error, consumed by this read: keep reading. */
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			continue;
		}
		if ((size_t)n > sizeof(buf) || flen < sizeof(from) || !icmp_match(t, buf, (size_t)n, &from)) {
			t->stats.icmp_ignored++;
			continue;
		}
		if (t->round_running && t->pending == 0) {
			round_maybe_end(t);
			return 0;
		}
	}
	return 0;
}

static int icmp_open(struct tiebreaker *t)
{
	int fd, r, raw_err;

	/* SOCK_RAW first: the daemon holds CAP_NET_RAW for VRRP anyway, while the ping socket needs a
	 * group in net.ipv4.ping_group_range, which is "1 0" (nobody) by default on RHEL 8. */
	fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd >= 0) {
		/* Only echo replies: the kernel drops the rest (every error, redirect, request) for us. */
		struct icmp_filter f = { .data = ~(1U << ICMP_ECHOREPLY) };

		if (setsockopt(fd, SOL_RAW, ICMP_FILTER, &f, sizeof(f)) < 0)
			log_warn("tiebreaker: ICMP_FILTER (every ICMP packet will wake us)");
		t->icmp_raw = true;
	} else if (errno == EPERM || errno == EACCES) {
		raw_err = errno;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (fd < 0) {
			log_err("tiebreaker: ICMP targets need CAP_NET_RAW or a group in net.ipv4.ping_group_range"
				" (raw socket: %s; ping socket: %s)", strerror(raw_err), strerror(errno));
			return -raw_err;
		}
		log_info("tiebreaker: no CAP_NET_RAW, ICMP echo through a ping socket");
		t->icmp_raw = false;
	} else {
		r = -errno;
		log_warn("tiebreaker: ICMP socket");
		return r;
	}
	t->icmp_fd = fd;
	/* Other processes' raw ICMP sockets see our replies too: a random identifier keeps them apart. */
	if (getrandom(&t->icmp_id, sizeof(t->icmp_id), GRND_NONBLOCK) != (ssize_t)sizeof(t->icmp_id))
		t->icmp_id = (uint16_t)getpid();
	r = sd_event_add_io(t->ev, &t->icmp_src, fd, EPOLLIN, on_icmp, t);
	if (r < 0) {
		log_warnx("tiebreaker: ICMP event source: %s", strerror(-r));
		return r;
	}
	(void)sd_event_source_set_description(t->icmp_src, "tiebreaker-icmp");
	return 0;
}

int tiebreaker_open(struct tiebreaker **out, const struct conf_tiebreaker *c, sd_event *e, tiebreaker_cb cb,
		    void *ud)
{
	struct tiebreaker *t;
	bool need_icmp = false;
	int r;

	*out = NULL;
	if (c->n_targets < 0 || c->n_targets > CONF_MAX_TARGETS ||
	    (c->n_targets > 0 && (c->interval_ms <= 0 || c->timeout_ms <= 0 || !cb)))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->ev = e;
	t->conf = *c;
	t->cb = cb;
	t->ud = ud;
	t->icmp_fd = -1;
	for (int i = 0; i < c->n_targets; i++) {
		t->probes[i].t = t;
		t->probes[i].target = c->targets[i];
		t->probes[i].fd = -1;
		need_icmp |= c->targets[i].port == 0;
	}
	if (c->n_targets == 0) {
		*out = t;
		return 0;
	}
	if (need_icmp && (r = icmp_open(t)) < 0)
		goto fail;
	r = sd_event_add_time(e, &t->timer, CLOCK_MONOTONIC, loop_now(t), TIMER_ACCURACY_US, on_timer, t);
	if (r < 0) {
		log_warnx("tiebreaker: timer: %s", strerror(-r));
		goto fail;
	}
	(void)sd_event_source_set_description(t->timer, "tiebreaker-timer");
	*out = t;
	return 0;
fail:
	tiebreaker_close(t);
	return r;
}

bool tiebreaker_isolated(const struct tiebreaker *t)
{
	return t && t->verdict.isolated;
}

void tiebreaker_get_stats(const struct tiebreaker *t, struct tiebreaker_stats *out)
{
	*out = t->stats;
}

void tiebreaker_close(struct tiebreaker *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->conf.n_targets; i++)
		tcp_close(&t->probes[i], false);
	sd_event_source_unref(t->timer);
	sd_event_source_unref(t->icmp_src);
	if (t->icmp_fd >= 0)
		close(t->icmp_fd);
	free(t);
}
