/* Test tool for t_vrrp_sock.sh: sends and receives adverts through vrrp_sock, or hand-made ones. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ipaddr.h"
#include "vrrp_sock.h"

/* Arguments are key=value: if= src= ver= vrid= int_ms= vip=(repeat) peer=(repeat) pass= as_v2=1
 * prio= count= gap_ms= timeout_ms= until=NAME:N,... (recv) ttl= loop=1 dst= spoof=1 (raw) accept=(repeat). */
struct opts {
	struct conf_vrrp c;
	struct in_addr src, dst;
	int prio, count, gap_ms, timeout_ms, ttl, loop, spoof;
	char until[256];
};

static void die(const char *what)
{
	fprintf(stderr, "vrrp_sock_probe: %s\n", what);
	exit(2);
}

static struct in_addr addr(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die(s);
	return a;
}

static void parse(struct opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof(*o));
	o->c.version = 3;
	o->c.vrid = 51;
	o->c.advert_interval_ms = 1000;
	o->prio = 100;
	o->count = 1;
	o->gap_ms = 100;
	o->timeout_ms = 5000;
	o->ttl = 255;
	o->dst.s_addr = htonl(VRRP_MCAST_GROUP);
	for (int i = 0; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			die(argv[i]);
		*v++ = '\0';
		const char *k = argv[i];
		if (!strcmp(k, "if"))
			snprintf(o->c.interface, sizeof(o->c.interface), "%s", v);
		else if (!strcmp(k, "src"))
			o->src = addr(v);
		else if (!strcmp(k, "dst"))
			o->dst = addr(v);
		else if (!strcmp(k, "ver"))
			o->c.version = atoi(v);
		else if (!strcmp(k, "vrid"))
			o->c.vrid = atoi(v);
		else if (!strcmp(k, "int_ms"))
			o->c.advert_interval_ms = atoi(v);
		else if (!strcmp(k, "vip") && o->c.n_vips < CONF_MAX_VIPS)
			o->c.vips[o->c.n_vips++].addr = addr(v);
		else if (!strcmp(k, "accept") && o->c.n_accept_from < CONF_MAX_PEERS)
			o->c.accept_from[o->c.n_accept_from++] = ipaddr_from4(addr(v));
		else if (!strcmp(k, "peer") && o->c.n_unicast_peers < CONF_MAX_PEERS)
			o->c.unicast_peers[o->c.n_unicast_peers++] = ipaddr_from4(addr(v));
		else if (!strcmp(k, "pass"))
			snprintf(o->c.auth_pass, sizeof(o->c.auth_pass), "%s", v);
		else if (!strcmp(k, "as_v2"))
			o->c.v3_checksum_as_v2 = atoi(v);
		else if (!strcmp(k, "prio"))
			o->prio = atoi(v);
		else if (!strcmp(k, "count"))
			o->count = atoi(v);
		else if (!strcmp(k, "gap_ms"))
			o->gap_ms = atoi(v);
		else if (!strcmp(k, "timeout_ms"))
			o->timeout_ms = atoi(v);
		else if (!strcmp(k, "until"))
			snprintf(o->until, sizeof(o->until), "%s", v);
		else if (!strcmp(k, "ttl"))
			o->ttl = atoi(v);
		else if (!strcmp(k, "spoof"))
			o->spoof = atoi(v);
		else if (!strcmp(k, "loop"))
			o->loop = atoi(v);
		else
			die(k);
	}
	if (!o->c.interface[0] || !o->src.s_addr || !o->c.n_vips)
		die("if=, src= and vip= are required");
}

static uint64_t counter(const struct vrrp_counters *k, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
		{ "sent", offsetof(struct vrrp_counters, sent) },
		{ "send_errors", offsetof(struct vrrp_counters, send_errors) },
		{ "received", offsetof(struct vrrp_counters, received) },
		{ "prio0_sent", offsetof(struct vrrp_counters, prio0_sent) },
		{ "prio0_received", offsetof(struct vrrp_counters, prio0_received) },
		{ "ignored_self", offsetof(struct vrrp_counters, ignored_self) },
		{ "ignored_not_peer", offsetof(struct vrrp_counters, ignored_not_peer) },
		{ "addr_mismatch", offsetof(struct vrrp_counters, addr_mismatch) },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (!strcmp(f[i].name, name))
			return *(const uint64_t *)((const char *)k + f[i].off);
	for (int e = 1; e < VRRP_PKT_ERR_MAX; e++)
		if (!strncmp(name, "rej_", 4) && !strcmp(name + 4, vrrp_pkt_err_name(e)))
			return k->rejected[e];
	die(name);
	return 0;
}

static void print_counters(const struct vrrp_counters *k)
{
	printf("sent=%llu send_errors=%llu received=%llu prio0_sent=%llu prio0_received=%llu ignored_self=%llu "
	       "ignored_not_peer=%llu addr_mismatch=%llu",
	       (unsigned long long)k->sent, (unsigned long long)k->send_errors,
	       (unsigned long long)k->received, (unsigned long long)k->prio0_sent,
	       (unsigned long long)k->prio0_received, (unsigned long long)k->ignored_self,
	       (unsigned long long)k->ignored_not_peer, (unsigned long long)k->addr_mismatch);
	for (int e = 1; e < VRRP_PKT_ERR_MAX; e++)
		printf(" rej_%s=%llu", vrrp_pkt_err_name(e), (unsigned long long)k->rejected[e]);
	printf("\n");
	fflush(stdout);
}

/* "NAME:N,NAME:N": true when every counter has reached its value. */
static bool reached(const struct vrrp_counters *k, const char *until)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", until);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(t, ':');

		if (!colon)
			die(t);
		*colon = '\0';
		if (counter(k, t) < strtoull(colon + 1, NULL, 10))
			return false;
	}
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_adv(const struct vrrp_adv *a)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN], x[INET_ADDRSTRLEN];

	printf("adv ver=%d vrid=%d prio=%d naddr=%d int_cs=%d auth_type=%d src=%s dst=%s ttl=%d addrs=",
	       a->version, a->vrid, a->priority, a->naddr, a->interval_cs, a->auth_type,
	       inet_ntop(AF_INET, &a->src, s, sizeof(s)), inet_ntop(AF_INET, &a->dst, d, sizeof(d)), a->ttl);
	for (int i = 0; i < a->naddr; i++)
		printf("%s%s", i ? "," : "", inet_ntop(AF_INET, &a->addrs[i], x, sizeof(x)));
	printf("\n");
	fflush(stdout);
}

static int do_recv(const struct opts *o, struct vrrp_sock *s)
{
	struct vrrp_heard h;
	int64_t end = now_ms() + o->timeout_ms;

	printf("ready\n");
	fflush(stdout);
	while (!(o->until[0] && reached(vrrp_sock_counters(s), o->until))) {
		int64_t left = end - now_ms();
		struct pollfd p = { .fd = vrrp_sock_fd(s), .events = POLLIN };

		if (left <= 0)
			break;
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		int r;
		while ((r = vrrp_sock_recv(s, &h)) >= 0)
			if (r == 1 && h.v4)
				print_adv(h.v4);
		if (r != -EAGAIN)
			fprintf(stderr, "recv: %s\n", strerror(-r));
	}
	print_counters(vrrp_sock_counters(s));
	return 0;
}

static int do_send(const struct opts *o, struct vrrp_sock *s)
{
	for (int i = 0; i < o->count; i++) {
		if (i)
			poll(NULL, 0, o->gap_ms);
		vrrp_sock_send(s, (uint8_t)o->prio);
	}
	print_counters(vrrp_sock_counters(s));
	return vrrp_sock_counters(s)->send_errors ? 1 : 0;
}

/* An advert through a plain raw socket, so the test controls what vrrp_sock never does (TTL, loop). */
static int do_raw(const struct opts *o, int ifindex)
{
	static struct vrrp_adv a;
	uint8_t buf[1100];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = o->dst };
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr = o->src };
	struct ip_mreqn mif = { .imr_address = o->src, .imr_ifindex = ifindex };
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, VRRP_PROTO);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->c.interface, strlen(o->c.interface)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &o->ttl, sizeof(o->ttl)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_TTL, &o->ttl, sizeof(o->ttl)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &o->loop, sizeof(o->loop)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mif, sizeof(mif)) < 0 ||
	    /* spoof=1: a source address this host does not have (a forged advert), so the probe writes
	     * the IP header itself instead of binding to it. */
	    setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &o->spoof, sizeof(o->spoof)) < 0 ||
	    (!o->spoof && bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0))
		die(strerror(errno));
	a.version = (uint8_t)o->c.version;
	a.vrid = (uint8_t)o->c.vrid;
	a.priority = (uint8_t)o->prio;
	a.interval_cs = (uint16_t)(o->c.advert_interval_ms / 10);
	a.naddr = (uint8_t)o->c.n_vips;
	for (int i = 0; i < o->c.n_vips; i++)
		a.addrs[i] = o->c.vips[i].addr;
	a.src = o->src;
	a.dst = o->dst;
	size_t hl = o->spoof ? sizeof(struct iphdr) : 0;
	int n = vrrp_pkt_encode(&a, o->c.v3_checksum_as_v2, buf + hl, sizeof(buf) - hl);
	if (n < 0)
		die("encode");
	if (o->spoof) {
		/* The kernel fills in the length, the id and the header checksum. */
		struct iphdr ih = { .version = 4, .ihl = 5, .tos = 0xc0, .ttl = (uint8_t)o->ttl,
				    .protocol = VRRP_PROTO, .saddr = o->src.s_addr, .daddr = o->dst.s_addr };
		memcpy(buf, &ih, sizeof(ih));
		n += (int)hl;
	}
	for (int i = 0; i < o->count; i++) {
		if (i)
			poll(NULL, 0, o->gap_ms);
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&to, sizeof(to)) != n)
			die(strerror(errno));
	}
	close(fd);
	printf("raw sent=%d\n", o->count);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct vrrp_sock *s;

	if (argc < 2)
		die("usage: vrrp_sock_probe recv|send|raw key=value...");
	log_init("vrrp_sock_probe", true);
	parse(&o, argc - 2, argv + 2);
	int ifindex = (int)if_nametoindex(o.c.interface);
	if (!ifindex)
		die(o.c.interface);
	if (!strcmp(argv[1], "raw"))
		return do_raw(&o, ifindex);
	/* As conf_load: adverts from the unicast peers only, unless accept= says otherwise. */
	if (o.c.n_accept_from == 0) {
		memcpy(o.c.accept_from, o.c.unicast_peers, sizeof(o.c.accept_from));
		o.c.n_accept_from = o.c.n_unicast_peers;
	}
	int r = vrrp_sock_open(&s, &o.c, ifindex, ipaddr_from4(o.src));
	if (r < 0) {
		fprintf(stderr, "vrrp_sock_open: %s\n", strerror(-r));
		return 2;
	}
	if (!strcmp(argv[1], "recv"))
		r = do_recv(&o, s);
	else if (!strcmp(argv[1], "send"))
		r = do_send(&o, s);
	else
		die(argv[1]);
	vrrp_sock_close(s);
	return r;
}
