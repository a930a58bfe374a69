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

#include "ipaddr.h"
#include "log.h"

/* Largest datagram we can accept: 60-byte IPv4 header + v2 message with 255 addresses, or an IPv6
 * message with 255 addresses. Anything longer is truncated by recv and then rejected as an IP
 * header/length mismatch. */
#define RX_BUF VRRP6_MAX_LEN
#define TX_BUF VRRP6_MAX_LEN
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
	int rx_fd;          /* multicast: bound to the group; unicast: the same socket as tx_fd */
	int tx_fd;          /* bound to src */
	bool v6;
	bool unicast;
	bool checksum_as_v2;
	int ifindex;
	struct in_addr src;
	struct in6_addr src6;
	struct in6_addr dests[CONF_MAX_PEERS]; /* the group, or every unicast peer (ipaddr.h) */
	int n_dests;
	struct in_addr vips[CONF_MAX_VIPS];
	struct in6_addr vips6[CONF_MAX_VIPS];
	int n_vips;
	struct in6_addr accept[CONF_MAX_PEERS]; /* the only sources adverts are taken from; none: any */
	int n_accept;
	struct vrrp_adv adv; /* what we send; priority, src, dst set per datagram */
	struct vrrp_adv6 adv6;
	struct vrrp_adv in;  /* the last one read */
	struct vrrp_adv6 in6;
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
		s->dests[0] = s->v6 ? vrrp_pkt6_mcast_group : ipaddr_from4((struct in_addr){ htonl(VRRP_MCAST_GROUP) });
		s->n_dests = 1;
	}
	s->adv.version = s->adv6.version = (uint8_t)c->version;
	s->adv.vrid = s->adv6.vrid = (uint8_t)c->vrid;
	/* v3 Max Adver Int is centiseconds; v2 whole seconds, which the encoder insists on. */
	s->adv.interval_cs = s->adv6.interval_cs = (uint16_t)(c->advert_interval_ms / 10);
	/* Only the instance's own family goes on the wire (keepalived's virtual_ipaddress_excluded
	 * for the rest): a VRRP message carries addresses of one family. */
	for (int i = 0; i < c->n_vips; i++) {
		if (c->vips[i].v6 != s->v6)
			continue;
		s->vips[s->n_vips] = s->adv.addrs[s->n_vips] = c->vips[i].addr;
		s->vips6[s->n_vips] = s->adv6.addrs[s->n_vips] = c->vips[i].addr6;
		s->n_vips++;
	}
	s->adv.naddr = s->adv6.naddr = (uint8_t)s->n_vips;
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
	memcpy(s->accept, c->accept_from, sizeof(c->accept_from[0]) * (size_t)c->n_accept_from);
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
static int open_raw(const char *ifname, bool v6, int *fd_out)
{
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, VRRP_PROTO);
	int r = 0;

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
	if (v6) {
		/* IPV6_MULTICAST_ALL came with Linux 4.20; older kernels deliver only joined groups to a
		 * socket bound to one, which rx is. */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &(int){ 0 }, sizeof(int)) < 0 &&
		    errno != ENOPROTOOPT) {
			r = -errno;
			log_warn("VRRP socket: IPV6_MULTICAST_ALL");
		}
	} else {
		r = set_int(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL");
	}
	if (r < 0) {
		close(fd);
		return r;
	}
	*fd_out = fd;
	return 0;
}

/* Scope on a link-local or link-scope multicast address: our interface. */
static int bind_addr6(int fd, const struct in6_addr *a, int ifindex)
{
	struct sockaddr_in6 sin = { .sin6_family = AF_INET6, .sin6_addr = *a, .sin6_scope_id = (uint32_t)ifindex };
	char buf[IPADDR_STRLEN];

	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		int e = errno;
		log_warn("VRRP socket: bind %s", ipaddr_str(a, buf));
		return -e;
	}
	return 0;
}

static int drop_all_input(int fd)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { .len = 1, .filter = &drop };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		int r = -errno;
		log_warn("VRRP socket: SO_ATTACH_FILTER");
		return r;
	}
	return 0;
}

/* RFC 5798 5.1.2: IPv6 adverts go to ff02::12 with hop limit 255 from the link-local address. The
 * checksum is ours (vrrp_pkt6_encode): IPV6_CHECKSUM stays off on both sockets, so a bad one
 * arrives and is counted rather than dropped unseen by the kernel. */
static int setup_v6(struct vrrp_sock *s, const char *ifname)
{
	struct ipv6_mreq mreq = { .ipv6mr_multiaddr = vrrp_pkt6_mcast_group, .ipv6mr_interface = (unsigned)s->ifindex };
	int r;

	if ((r = open_raw(ifname, true, &s->tx_fd)) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, VRRP6_HOP_LIMIT, "IPV6_MULTICAST_HOPS")) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, VRRP6_HOP_LIMIT, "IPV6_UNICAST_HOPS")) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0, "IPV6_TCLASS")) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP")) < 0 ||
	    (r = set_int(s->tx_fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, s->ifindex, "IPV6_MULTICAST_IF")) < 0 ||
	    (!s->unicast && (r = drop_all_input(s->tx_fd)) < 0) || (r = bind_addr6(s->tx_fd, &s->src6, s->ifindex)) < 0)
		return r;
	/* Unicast: the one socket, bound to src, receives exactly what is sent to src (as IPv4). */
	if (s->unicast) {
		s->rx_fd = s->tx_fd;
		if ((r = set_int(s->rx_fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")) < 0 ||
		    (r = set_int(s->rx_fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT")) < 0)
			return r;
		return 0;
	}
	if ((r = open_raw(ifname, true, &s->rx_fd)) < 0 ||
	    (r = set_int(s->rx_fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")) < 0 ||
	    (r = set_int(s->rx_fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT")) < 0)
		return r;
	if (setsockopt(s->rx_fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
		r = -errno;
		log_warn("VRRP socket: join ff02::12 on %s", ifname);
		return r;
	}
	return bind_addr6(s->rx_fd, &vrrp_pkt6_mcast_group, s->ifindex);
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
	/* Send-only in multicast mode: a raw socket still queues matching input (notes section 4). */
	if (!s->unicast && (r = drop_all_input(s->tx_fd)) < 0)
		return r;
	return bind_addr(s->tx_fd, s->src);
}

/* Multicast receive needs its own socket: one bound to src would only see datagrams addressed to
 * src, and binding to 224.0.0.18 keeps unicast VRRP (a mode mismatch, as keepalived rejects) out. */
static int setup_rx_mcast(struct vrrp_sock *s, const char *ifname, int ifindex)
{
	struct ip_mreqn mreq = { .imr_multiaddr.s_addr = htonl(VRRP_MCAST_GROUP), .imr_address = s->src,
				 .imr_ifindex = ifindex };
	int r = open_raw(ifname, false, &s->rx_fd);

	if (r < 0)
		return r;
	if (setsockopt(s->rx_fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0) {
		r = -errno;
		log_warn("VRRP socket: join 224.0.0.18 on %s", ifname);
		return r;
	}
	return bind_addr(s->rx_fd, mreq.imr_multiaddr);
}

int vrrp_sock_open(struct vrrp_sock **out, const struct conf_vrrp *c, int ifindex, struct in6_addr src)
{
	struct vrrp_sock *s;
	bool v6 = conf_vrrp_v6(c);
	int r;

	*out = NULL;
	if (ipaddr_is_none(&src) || ipaddr_is4(&src) == v6 || c->n_vips < 1 || c->n_vips > CONF_MAX_VIPS ||
	    c->n_unicast_peers < 0 || c->n_unicast_peers > CONF_MAX_PEERS || c->n_accept_from < 0 ||
	    c->n_accept_from > CONF_MAX_PEERS)
		return -EINVAL;
	for (int i = 0; i < c->n_unicast_peers; i++)
		if (ipaddr_is4(&c->unicast_peers[i]) == v6)
			return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->rx_fd = s->tx_fd = -1;
	s->v6 = v6;
	s->ifindex = ifindex;
	s->src = ipaddr_to4(&src);
	s->src6 = src;
	fill_from_conf(s, c);
	s->adv6.src = s->src6;
	s->adv6.dst = vrrp_pkt6_mcast_group;
	if ((v6 ? vrrp_pkt6_encode(&s->adv6, s->tx, sizeof(s->tx))
		: vrrp_pkt_encode(&s->adv, s->checksum_as_v2, s->tx, sizeof(s->tx))) < 0) {
		log_err("VRRP: version %d with a %d ms interval cannot be encoded", c->version,
			c->advert_interval_ms);
		free(s);
		return -EINVAL;
	}
	if (v6) {
		r = setup_v6(s, c->interface);
	} else {
		r = open_raw(c->interface, false, &s->tx_fd);
		if (r == 0)
			r = setup_tx(s, ifindex);
		if (r == 0 && s->unicast)
			s->rx_fd = s->tx_fd;
		else if (r == 0)
			r = setup_rx_mcast(s, c->interface, ifindex);
	}
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

static bool accepted_source(const struct vrrp_sock *s, const struct in6_addr *a)
{
	for (int i = 0; i < s->n_accept; i++)
		if (ipaddr_eq(&s->accept[i], a))
			return true;
	return s->n_accept == 0;
}

static void log_reject(struct vrrp_sock *s, enum vrrp_pkt_err e, const struct in6_addr *from)
{
	char buf[IPADDR_STRLEN];
	uint64_t more;

	ipaddr_str(from, buf);
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
static bool addrs_ok(struct vrrp_sock *s, const struct in6_addr *from, int naddr, bool match)
{
	char buf[IPADDR_STRLEN];
	uint64_t more;

	if (match)
		return true;
	s->cnt.addr_mismatch++;
	if (rl_allow(&s->rl[RL_ADDRS], &more))
		log_warnx("VRRP advert from %s dropped: it lists %d addresses that differ from our %d VIPs "
			  "(%llu more since the last such line)",
			  ipaddr_str(from, buf), naddr, s->n_vips, (unsigned long long)more);
	return false;
}

/* recvmsg on the IPv6 socket: the payload, and what the stripped header said. Returns the length
 * or -errno; *hop_limit 0 when the kernel gave none (then the hop-limit check fails). */
static ssize_t recv6(struct vrrp_sock *s, struct in6_addr *src, struct in6_addr *dst, uint8_t *hop_limit)
{
	struct sockaddr_in6 from = { 0 };
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = s->rx, .iov_len = sizeof(s->rx) };
	struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(s->rx_fd, &m, 0);

	if (n < 0)
		return -errno;
	*src = from.sin6_addr;
	*dst = (struct in6_addr){ 0 };
	*hop_limit = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			*dst = pi.ipi6_addr;
		} else if (c->cmsg_type == IPV6_HOPLIMIT) {
			int hl;
			memcpy(&hl, CMSG_DATA(c), sizeof(hl));
			*hop_limit = (uint8_t)(hl < 0 || hl > 255 ? 0 : hl);
		}
	}
	return n;
}

int vrrp_sock_recv(struct vrrp_sock *s, struct vrrp_heard *h)
{
	struct in6_addr from = { 0 }, dst;
	struct in_addr from4 = { 0 };
	uint8_t hop_limit = 0;
	ssize_t n = s->v6 ? recv6(s, &from, &dst, &hop_limit) : recv(s->rx_fd, s->rx, sizeof(s->rx), 0);

	if (n < 0)
		return s->v6 ? (int)n : -errno;
	if (!s->v6)
		from = ipaddr_from4(from4); /* 0.0.0.0 in logs when the header does not parse */
	if (s->v6 ? true : vrrp_pkt_ip_src(s->rx, (size_t)n, &from4)) {
		if (!s->v6)
			from = ipaddr_from4(from4);
		if (ipaddr_eq(&from, &s->src6)) {
			s->cnt.ignored_self++;
			return 0;
		}
		if (!accepted_source(s, &from)) {
			uint64_t more;
			char buf[IPADDR_STRLEN];
			s->cnt.ignored_not_peer++;
			if (rl_allow(&s->rl[RL_SOURCE], &more))
				log_warnx("VRRP advert from %s dropped: not the peer (vrrp.accept_from) (%llu more "
					  "since the last such line)", ipaddr_str(&from, buf),
					  (unsigned long long)more);
			return 0;
		}
	}
	enum vrrp_pkt_err e = s->v6 ? vrrp_pkt6_decode(s->rx, (size_t)n, &from, &dst, hop_limit, &s->exp, &s->in6)
				    : vrrp_pkt_decode(s->rx, (size_t)n, &s->exp, &s->in);

	if (e != VRRP_PKT_OK) {
		s->cnt.rejected[e]++;
		log_reject(s, e, &from);
		return 0;
	}
	bool match = s->v6 ? vrrp_pkt6_addrs_match(&s->in6, s->vips6, s->n_vips)
			   : vrrp_pkt_addrs_match(&s->in, s->vips, s->n_vips);
	if (!addrs_ok(s, &from, s->v6 ? s->in6.naddr : s->in.naddr, match))
		return 0;
	*h = (struct vrrp_heard){ .priority = s->v6 ? s->in6.priority : s->in.priority,
				  .interval_cs = s->v6 ? s->in6.interval_cs : s->in.interval_cs,
				  .src = from,
				  .v4 = s->v6 ? NULL : &s->in,
				  .v6 = s->v6 ? &s->in6 : NULL };
	s->cnt.received++;
	if (h->priority == 0)
		s->cnt.prio0_received++;
	return 1;
}

/* rc: 0 when the whole advert went out, else -errno. */
static void count_send(struct vrrp_sock *s, int rc, uint8_t priority, int *ret, const char *to)
{
	uint64_t more;

	if (rc == 0) {
		s->cnt.sent++;
		if (priority == 0)
			s->cnt.prio0_sent++;
		return;
	}
	*ret = rc;
	s->cnt.send_errors++;
	if (rl_allow(&s->rl[RL_SEND], &more))
		log_warnx("VRRP advert to %s not sent: %s (%llu more since the last such line)", to,
			  strerror(-*ret), (unsigned long long)more);
}

int vrrp_sock_send(struct vrrp_sock *s, uint8_t priority)
{
	int ret = 0;

	for (int i = 0; s->v6 && i < s->n_dests; i++) {
		/* A link-local peer (and the group) needs the interface; a global one ignores it. */
		struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_addr = s->dests[i],
					   .sin6_scope_id = (uint32_t)s->ifindex };
		char buf[IPADDR_STRLEN];
		s->adv6.priority = priority;
		s->adv6.dst = s->dests[i]; /* in the checksum's pseudo-header */
		int len = vrrp_pkt6_encode(&s->adv6, s->tx, sizeof(s->tx));
		ssize_t n = sendto(s->tx_fd, s->tx, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));
		count_send(s, n == len ? 0 : n < 0 ? -errno : -EIO, priority, &ret, ipaddr_str(&s->dests[i], buf));
	}
	if (s->v6)
		return ret;

	s->adv.priority = priority;
	s->adv.src = s->src;
	for (int i = 0; i < s->n_dests; i++) {
		struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = ipaddr_to4(&s->dests[i]) };
		char buf[INET_ADDRSTRLEN];

		/* RFC 5798 5.2.8: the v3 checksum covers the destination, so each peer gets its own. */
		s->adv.dst = to.sin_addr;
		int len = vrrp_pkt_encode(&s->adv, s->checksum_as_v2, s->tx, sizeof(s->tx));
		ssize_t n = sendto(s->tx_fd, s->tx, (size_t)len, 0, (struct sockaddr *)&to, sizeof(to));
		int rc = n == len ? 0 : n < 0 ? -errno : -EIO;
		count_send(s, rc, priority, &ret, inet_ntop(AF_INET, &to.sin_addr, buf, sizeof(buf)));
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
