/* Test scene sampler: every PERIOD ms, per node, whether its server is writable and whether it holds
 * the VIP, written as "t_ms node ro vip" lines (ro: 0/1, -1 unreachable or hung). One thread per node
 * so a hung server (SIGSTOP) never delays the other node's samples. Bounded by MAX_SECONDS and stops
 * on SIGTERM. Usage: sampler OUT PERIOD_MS MAX_S VIP NS1 SOCK1 NS2 SOCK2 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <mysql.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *out;
static int period_ms, max_s;
static struct in_addr vip;
static struct in6_addr vip6; /* when vip_v6 */
static int vip_v6;
static double t0;

struct node {
	int idx;
	const char *ns;
	const char *sock;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int has_vip(void)
{
	struct ifaddrs *ifa, *i;
	int found = 0;
	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (!vip_v6 && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == vip.s_addr)
			found = 1;
		if (vip_v6 && i->ifa_addr->sa_family == AF_INET6 &&
		    memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, &vip6, sizeof(vip6)) == 0)
			found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

static MYSQL *connect_node(const char *sock)
{
	MYSQL *m = mysql_init(NULL);
	unsigned int t = 1;
	mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &t);
	mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &t);
	mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &t);
	if (!mysql_real_connect(m, NULL, "root", NULL, NULL, 0, sock, 0)) {
		mysql_close(m);
		return NULL;
	}
	return m;
}

static int read_only(MYSQL **m, const char *sock)
{
	MYSQL_RES *res;
	MYSQL_ROW row;
	int ro = -1;

	if (!*m && !(*m = connect_node(sock)))
		return -1;
	if (mysql_query(*m, "SELECT @@global.read_only") != 0 || !(res = mysql_store_result(*m))) {
		mysql_close(*m);
		*m = NULL;
		return -1;
	}
	if ((row = mysql_fetch_row(res)) && row[0])
		ro = atoi(row[0]) ? 1 : 0;
	mysql_free_result(res);
	return ro;
}

static void *sample_node(void *arg)
{
	struct node *n = arg;
	char path[256];
	MYSQL *m = NULL;

	snprintf(path, sizeof(path), "/var/run/netns/%s", n->ns);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
		perror(path);
		exit(2);
	}
	close(fd);
	mysql_thread_init();
	while (!stop && now_ms() - t0 < max_s * 1e3) {
		double t = now_ms();
		int ro = read_only(&m, n->sock);
		int v = has_vip();
		pthread_mutex_lock(&out_lock);
		fprintf(out, "%.1f %d %d %d\n", t - t0, n->idx, ro, v);
		fflush(out);
		pthread_mutex_unlock(&out_lock);
		double left = period_ms - (now_ms() - t);
		if (left > 0)
			usleep((useconds_t)(left * 1000));
	}
	if (m)
		mysql_close(m);
	mysql_thread_end();
	return NULL;
}

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc != 9) {
		fprintf(stderr, "usage: sampler OUT PERIOD_MS MAX_S VIP NS1 SOCK1 NS2 SOCK2\n");
		return 2;
	}
	out = fopen(argv[1], "w");
	period_ms = atoi(argv[2]);
	max_s = atoi(argv[3]);
	if (!out || period_ms <= 0 || max_s <= 0 || (inet_pton(AF_INET, argv[4], &vip) != 1 && !(vip_v6 = inet_pton(AF_INET6, argv[4], &vip6) == 1))) {
		fprintf(stderr, "sampler: bad arguments\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	mysql_library_init(0, NULL, NULL);
	t0 = now_ms();
	struct node nodes[2] = { { 1, argv[5], argv[6] }, { 2, argv[7], argv[8] } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, sample_node, &nodes[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	fclose(out);
	mysql_library_end();
	return 0;
}
