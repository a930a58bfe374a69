/* The raw IPPROTO_VRRP sockets: open and bind, read and filter adverts, send them, count everything. */
#include "vrrp_sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Largest datagram we can accept: 60-byte IPv4 header + v2 message with 255 addresses. Anything
 * longer is truncated by recv and then rejected as an IP header/length mismatch. */
#define RX_BUF 2048
#define TX_BUF (16 + 4 * VRRP_MAX_ADDRS)
#define LOG_EVERY_MS 10000
#define DRAIN_MAX 1024

/* One rate-limit slot per decode reason, plus address mismatch and send errors. */
enum { RL_ADDRS = VRRP_PKT_ERR_MAX, RL_SEND, RL_SOURCE, RL_MAX };

struct ratelimit {
	int64_t last_ms;
	bool used;
	uint64_t suppressed;
};

struct vrrp_sock {
	int rx_fd;          /* multicast: bound to 224.0.0.18; unicast: the same socket as tx_fd */
	int tx_fd;          /* bound to src */
	bool unicast;
	bool checksum_as_v2;
	struct in_addr src;
	struct in_addr dests[CONF_MAX_PEERS]; /* the group, or every unicast peer */
	int n_dests;
	struct in_addr vips[CONF_MAX_VIPS];
	int n_vips;
	struct in_addr accept[CONF_MAX_PEERS]; /* the only sources adverts are taken from; none: any */
	int n_accept;
	struct vrrp_adv adv; /* what we send; priority, src, dst set per datagram */
	struct vrrp_pkt_expect exp;
	struct vrrp_counters cnt;
	struct ratelimit rl[RL_MAX];
	uint8_t rx[RX_BUF];
	uint8_t tx[TX_BUF];
};

/* The shell may read the clock for log rate limiting only; protocol timing lives in the FSM. */
static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when this slot may log now; returns how many were suppressed since its last line. */
static bool rl_allow(struct ratelimit *r, uint64_t *suppressed)
{
	int64_t now = mono_ms();

	if (r->used && now - r->last_ms < LOG_EVERY_MS) {
		r->suppressed++;
		return false;
	}
	*suppressed = r->suppressed;
	r->suppressed = 0;
	r->last_ms = now;
	r->used = true;
	return true;
}

static void fill_from_conf(struct vrrp_sock *s, const struct conf_vrrp *c)
{
	s->unicast = c->n_unicast_peers > 0;
	s->checksum_as_v2 = c->v3_checksum_as_v2;
	if (s->unicast) {
		memcpy(s->dests, c->unicast_peers, sizeof(c->unicast_peers[0]) * (size_t)c->n_unicast_peers);
		s->n_dests = c->n_unicast_peers;
	} else {
		s->dests[0].s_addr = htonl(VRRP_MCAST_GROUP);
		s->n_dests = 1;
	}
	s->adv.version = (uint8_t)c->version;
	s->adv.vrid = (uint8_t)c->vrid;
	/* v3 Max Adver Int is centiseconds; v2 whole seconds, which the encoder insists on. */
	s->adv.interval_cs = (uint16_t)(c->advert_interval_ms / 10);
	s->n_vips = c->n_vips;
	s->adv.naddr = (uint8_t)c->n_vips;
	for (int i = 0; i < c->n_vips; i++)
		s->vips[i] = s->adv.addrs[i] = c->vips[i].addr;
	if (c->version == 2 && c->auth_pass[0] != '\0') {
		size_t n = strnlen(c->auth_pass, VRRP_AUTH_LEN);

		/* keepalived: the first 8 characters, zero-padded, compared as 8 bytes. */
		s->adv.auth_type = VRRP_AUTH_PASS;
		memcpy(s->adv.auth, c->auth_pass, n);
	}
	s->exp.version = s->adv.version;
	s->exp.vrid = s->adv.vrid;
	/* RFC 5798 7.1: "MUST verify that the IP TTL is 255", in both modes: a unicast advert that
	 * crossed a router (TTL below 255) is not from our segment, and a spoofed one usually is not. */
	s->exp.check_ttl = true;
	memcpy(s->accept, c->accept_from, sizeof(s->accept));
	s->n_accept = c->n_accept_from;
	s->exp.v2_interval_cs = s->adv.interval_cs;
	s->exp.auth_type = s->adv.auth_type;
	memcpy(s->exp.auth, s->adv.auth, VRRP_AUTH_LEN);
}

static int set_int(int fd, int level, int opt, int val, const char *name)
{
	if (setsockopt(fd, level, opt, &val, sizeof(val)) < 0) {
		int e = errno;
		log_warn("VRRP socket: %s", name);
		return -e;
	}
	return 0;
}

/* Reads and drops whatever the socket queued before its bind and filters took effect. */
static void drain(int fd)
{
	uint8_t junk[64];

	for (int i = 0; i < DRAIN_MAX && recv(fd, junk, sizeof(junk), MSG_TRUNC) >= 0; i++)
		;
}

/* A raw socket sees every protocol-112 datagram of the host until bound: restrict it to the link and
 * to groups it joined itself (IP_MULTICAST_ALL defaults to 1, keepalived #322). */
static int open_raw(const char *ifname, int *fd_out)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
	int r;

	*fd_out = -1;
	if (fd < 0) {
		r = -errno;
		log_warn("VRRP socket");
		return r;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strnlen(ifname, IFNAMSIZ)) < 0) {
		r = -errno;
		log_warn("VRRP socket: SO_BINDTODEVICE %s", ifname);
		close(fd);
		return r;
	}
	r = set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL");
	if (r < 0) {
		close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}

static int bind_addr(int fd, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };
	char buf[INET_ADDRSTRLEN];

	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int e = errno;
		log_warn("VRRP socket: bind %s", inet_ntop(AF_INET, &a, buf, sizeof(buf)));
		return -e;
	}
	return 0;
}

/* The kernel builds the IPv4 header (FRR's way, notes section 4 option B): TTL 255 for both
 * multicast (default 1) and unicast (default 64), TOS 0xC0 as keepalived and FRR, and bound to
 * src so the kernel never picks a VIP as the source. */
static int setup_tx(struct vrrp_sock *s, int ifindex)
{
	struct ip_mreqn mif = { .imr_address = s->src, .imr_ifindex = ifindex };
	int r;

	if ((r = set_int(s->tx_fd, IPPROTO_IP, IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL")) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IP, IP_TTL, 255, "IP_TTL")) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IP, IP_TOS, 0xc0, "IP_TOS")) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP")) < 0)
		return r;
	if (setsockopt(s->tx_fd, IPPROTO_IP, IP_MULTICAST_IF, &mif, sizeof(mif)) < 0) {
		r = -errno;
		log_warn("VRRP socket: IP_MULTICAST_IF");
		return r;
	}
	if (!s->unicast) {
		/* Send-only in multicast mode: a raw socket still queues matching input (notes section 4). */
		struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
		struct sock_fprog prog = { .len = 1, .filter = &drop };

		if (setsockopt(s->tx_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
			r = -errno;
			log_warn("VRRP socket: SO_ATTACH_FILTER");
			return r;
		}
	}
	return bind_addr(s->tx_fd, s->src);
}

/* Multicast receive needs its own socket: one bound to src would only see datagrams addressed to
 * src, and binding to 224.0.0.18 keeps unicast VRRP (a mode mismatch, as keepalived rejects) out. */
static int setup_rx_mcast(struct vrrp_sock *s, const char *ifname, int ifindex)
{
	struct ip_mreqn mreq = { .imr_multiaddr.s_addr = htonl(VRRP_MCAST_GROUP), .imr_address = s->src,
				 .imr_ifindex = ifindex };
	int r = open_raw(ifname, &s->rx_fd);

	if (r < 0)
		return r;
	if (setsockopt(s->rx_fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
		r = -errno;
		log_warn("VRRP socket: join 224.0.0.18 on %s", ifname);
		return r;
	}
	return bind_addr(s->rx_fd, mreq.imr_multiaddr);
}

int vrrp_sock_open(struct vrrp_sock **out, const struct conf_vrrp *c, int ifindex, struct in_addr src)
{
	struct vrrp_sock *s;
	int r;

	*out = NULL;
	if (src.s_addr == INADDR_ANY || c->n_vips < 1 || c->n_vips > CONF_MAX_VIPS ||
	    c->n_unicast_peers < 0 || c->n_unicast_peers > CONF_MAX_PEERS)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rx_fd = s->tx_fd = -1;
	s->src = src;
	fill_from_conf(s, c);
	if (vrrp_pkt_encode(&s->adv, s->checksum_as_v2, s->tx, sizeof(s->tx)) < 0) {
		log_err("VRRP: version %d with a %d ms interval cannot be encoded", c->version,
			c->advert_interval_ms);
		free(s);
		return -EINVAL;
	}
	r = open_raw(c->interface, &s->tx_fd);
	if (r == 0)
		r = setup_tx(s, ifindex);
	if (r == 0 && s->unicast)
		s->rx_fd = s->tx_fd;
	else if (r == 0)
		r = setup_rx_mcast(s, c->interface, ifindex);
	if (r < 0) {
		vrrp_sock_close(s);
		return r;
	}
	drain(s->rx_fd);
	if (s->tx_fd != s->rx_fd)
		drain(s->tx_fd);
	*out = s;
	return 0;
}

int vrrp_sock_fd(const struct vrrp_sock *s)
{
	return s->rx_fd;
}

static bool accepted_source(const struct vrrp_sock *s, struct in_addr a)
{
	for (int i = 0; i < s->n_accept; i++)
		if (s->accept[i].s_addr == a.s_addr)
			return true;
	return s->n_accept == 0;
}

static void log_reject(struct vrrp_sock *s, enum vrrp_pkt_err e, struct in_addr from)
{
	char buf[INET_ADDRSTRLEN];
	uint64_t more;

	inet_ntop(AF_INET, &from, buf, sizeof(buf));
	/* Other routers' VRIDs on the same link are normal (keepalived logs them only on request). */
	if (e == VRRP_PKT_VRID) {
		log_debug(LOG_CAT_PKT, "VRRP advert from %s for another VRID ignored", buf);
		return;
	}
	if (rl_allow(&s->rl[e], &more))
		log_warnx("VRRP advert from %s rejected: %s (%llu more since the last such line)", buf,
			  vrrp_pkt_err_name(e), (unsigned long long)more);
}

/* RFC 5798 7.1 "MAY verify" the address list; keepalived (2.2.7, vrrp_check_packet) drops an advert
 * whose list differs: a router for other addresses is not our master, and one forged advert must
 * not make us take over or step down. Dropped, counted, logged rate-limited. */
static bool addrs_ok(struct vrrp_sock *s, const struct vrrp_adv *adv)
{
	char buf[INET_ADDRSTRLEN];
	uint64_t more;

	if (vrrp_pkt_addrs_match(adv, s->vips, s->n_vips))
		return true;
	s->cnt.addr_mismatch++;
	if (rl_allow(&s->rl[RL_ADDRS], &more))
		log_warnx("VRRP advert from %s dropped: it lists %d addresses that differ from our %d VIPs "
			  "(%llu more since the last such line)",
			  inet_ntop(AF_INET, &adv->src, buf, sizeof(buf)), adv->naddr, s->n_vips,
			  (unsigned long long)more);
	return false;
}

int vrrp_sock_recv(struct vrrp_sock *s, struct vrrp_adv *adv)
{
	ssize_t n = recv(s->rx_fd, s->rx, sizeof(s->rx), 0);
	struct in_addr from = { 0 };

	if (n < 0)
		return -errno;
	if (vrrp_pkt_ip_src(s->rx, (size_t)n, &from)) {
		if (from.s_addr == s->src.s_addr) {
			s->cnt.ignored_self++;
			return 0;
		}
		if (!accepted_source(s, from)) {
			uint64_t more;
			char buf[INET_ADDRSTRLEN];
			s->cnt.ignored_not_peer++;
			if (rl_allow(&s->rl[RL_SOURCE], &more))
				log_warnx("VRRP advert from %s dropped: not the peer (vrrp.accept_from) (%llu more "
					  "since the last such line)", inet_ntop(AF_INET, &from, buf, sizeof(buf)),
					  (unsigned long long)more);
			return 0;
		}
	}
	enum vrrp_pkt_err e = vrrp_pkt_decode(s->rx, (size_t)n, &s->exp, adv);

	if (e != VRRP_PKT_OK) {
		s->cnt.rejected[e]++;
		log_reject(s, e, from);
		return 0;
	}
	if (!addrs_ok(s, adv))
		return 0;
	s->cnt.received++;
	if (adv->priority == 0)
		s->cnt.prio0_received++;
	return 1;
}

int vrrp_sock_send(struct vrrp_sock *s, uint8_t priority)
{
	int ret = 0;

	s->adv.priority = priority;
	s->adv.src = s->src;
	for (int i = 0; i < s->n_dests; i++) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = s->dests[i] };
		char buf[INET_ADDRSTRLEN];
		uint64_t more;

		/* RFC 5798 5.2.8: the v3 checksum covers the destination, so each peer gets its own. */
		s->adv.dst = s->dests[i];
		int len = vrrp_pkt_encode(&s->adv, s->checksum_as_v2, s->tx, sizeof(s->tx));
		ssize_t n = sendto(s->tx_fd, s->tx, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));

		if (n == len) {
			s->cnt.sent++;
			if (priority == 0)
				s->cnt.prio0_sent++;
			continue;
		}
		ret = n < 0 ? -errno : -EIO;
		s->cnt.send_errors++;
		if (rl_allow(&s->rl[RL_SEND], &more))
			log_warnx("VRRP advert to %s not sent: %s (%llu more since the last such line)",
				  inet_ntop(AF_INET, &to.sin_addr, buf, sizeof(buf)), strerror(-ret),
				  (unsigned long long)more);
	}
	return ret;
}

const struct vrrp_counters *vrrp_sock_counters(const struct vrrp_sock *s)
{
	return &s->cnt;
}

void vrrp_sock_close(struct vrrp_sock *s)
{
	if (!s)
		return;
	if (s->rx_fd >= 0 && s->rx_fd != s->tx_fd)
		close(s->rx_fd);
	if (s->tx_fd >= 0)
		close(s->tx_fd);
	free(s);
}
