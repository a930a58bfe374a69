/* Test helper: drives vip_netlink and garp from the shell, and captures one ARP frame (listen). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "conf_check.h"
#include "ipaddr.h"
#include "garp.h"
#include "log.h"
#include "vip_netlink.h"

static int usage(void)
{
	fprintf(stderr, "usage: vip_tool [-d] add|del|count|primary|linklocal|garp IFNAME [ADDRESS/LEN...]\n"
			"       vip_tool [-d] mac IFNAME\n"
			"       vip_tool listen IFNAME TIMEOUT_MS READYFILE A.B.C.D\n");
	return 2;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "vip_tool: %s: %s (errno %d)\n", what, strerror(-err), -err);
	return 1;
}

static int parse_vips(char **args, int n, struct conf_vip *vips)
{
	if (n > CONF_MAX_VIPS)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *why;
		if (conf_parse_cidr(args[i], &vips[i], &why) < 0)
			return -1;
	}
	return 0;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Waits for one received ARP frame whose sender IP is want, prints its first 42 bytes as hex. */
static int listen_arp(const char *ifname, long timeout_ms, const char *ready, const char *want_s)
{
	struct in_addr want;
	unsigned ifindex = if_nametoindex(ifname);
	if (!ifindex || inet_pton(AF_INET, want_s, &want) != 1)
		return usage();
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ARP));
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ARP),
				   .sll_ifindex = (int)ifindex };
	if (fd < 0 || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return fail("listen socket", -errno);
	int rfd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (rfd < 0)
		return fail(ready, -errno);
	close(rfd);

	long deadline = now_ms() + timeout_ms;
	for (long left; (left = deadline - now_ms()) > 0;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, (int)left) <= 0)
			continue;
		unsigned char f[1600];
		socklen_t alen = sizeof(sll);
		ssize_t n = recvfrom(fd, f, sizeof(f), 0, (struct sockaddr *)&sll, &alen);
		if (n < GARP_FRAME_LEN || sll.sll_pkttype == PACKET_OUTGOING || memcmp(f + 28, &want, 4) != 0)
			continue;
		for (int i = 0; i < GARP_FRAME_LEN; i++)
			printf("%02x", f[i]);
		printf("\n");
		close(fd);
		return 0;
	}
	close(fd);
	fprintf(stderr, "vip_tool: no ARP from %s within %ld ms\n", want_s, timeout_ms);
	return 3;
}

static int run(const char *cmd, struct vip_nl *v, struct conf_vip *vips, int n)
{
	int err;
	if (strcmp(cmd, "add") == 0)
		return (err = vip_nl_add_all(v, vips, n)) < 0 ? fail(cmd, err) : 0;
	if (strcmp(cmd, "del") == 0)
		return (err = vip_nl_del_all(v, vips, n)) < 0 ? fail(cmd, err) : 0;
	if (strcmp(cmd, "count") == 0) {
		if ((err = vip_nl_count_present(v, vips, n)) < 0)
			return fail(cmd, err);
		printf("%d\n", err);
		return 0;
	}
	if (strcmp(cmd, "primary") == 0 || strcmp(cmd, "linklocal") == 0) {
		struct in6_addr a;
		char s[IPADDR_STRLEN];
		if ((err = vip_nl_primary(v, vips, n, cmd[0] == 'l', &a)) < 0)
			return fail(cmd, err);
		printf("%s\n", ipaddr_str(&a, s));
		return 0;
	}
	unsigned char mac[6];
	if ((err = vip_nl_mac(v, mac)) < 0)
		return fail("mac", err);
	if (strcmp(cmd, "mac") == 0) {
		printf("%02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		return 0;
	}
	if (strcmp(cmd, "garp") == 0) {
		struct garp *g;
		if ((err = garp_open(&g, vip_nl_ifindex(v), mac, false)) < 0)
			return fail("garp_open", err);
		err = garp_send(g, vips, n);
		garp_close(g);
		return err < 0 ? fail("garp_send", err) : 0;
	}
	return usage();
}

int main(int argc, char **argv)
{
	bool debug = argc > 1 && strcmp(argv[1], "-d") == 0;
	argv += debug;
	argc -= debug;
	log_init("vip_tool", debug);
	if (argc < 3)
		return usage();
	if (strcmp(argv[1], "listen") == 0)
		return argc == 6 ? listen_arp(argv[2], atol(argv[3]), argv[4], argv[5]) : usage();

	struct conf_vip vips[CONF_MAX_VIPS];
	int n = argc - 3;
	if (parse_vips(argv + 3, n, vips) < 0)
		return usage();
	struct vip_nl *v;
	int err = vip_nl_open(&v, argv[2]);
	if (err < 0)
		return fail(argv[2], err);
	int rc = run(argv[1], v, vips, n);
	vip_nl_close(v);
	return rc;
}
