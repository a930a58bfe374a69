/* dualmasterd: command line, start-up and the one event loop wiring every module. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <mysql.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "conf_load.h"
#include "ipaddr.h"
#include "log.h"
#include "node.h"
#include "vip_netlink.h"

/* A step-down that cannot finish (hung local server) must not keep the process alive forever:
 * the VIP is already gone by then, which is what matters. */
#define SHUTDOWN_BOUND_US (10 * 1000000ull)

static int on_exit_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)s;
	(void)usec;
	log_warnx("step-down did not finish in time: exiting anyway (the VIP is already removed)");
	sd_event_exit(ud, 0);
	return 0;
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	struct node *n = ud;
	sd_event_source *t;
	char msg[2048];
	(void)s;

	if (si->ssi_signo == SIGHUP) {
		node_reload(n, msg, sizeof(msg));
		return 0;
	}
	if (!n->sup.shutting_down)
		sd_event_add_time(n->ev, &t, CLOCK_MONOTONIC, node_now(n) + SHUTDOWN_BOUND_US, 1000, on_exit_timer,
				  n->ev);
	node_shutdown(n);
	node_publish(n);
	return 0;
}

static int run(const struct conf *conf)
{
	sd_event *ev = NULL;
	struct node *n = calloc(1, sizeof(*n));
	sigset_t ss;
	int rc;

	/* Before any thread exists, so none of them takes these signals: they are loop events,
	 * and SIGCHLD is reaped through sd-event child sources (hooks). */
	/* Every catchable signal is handled (a step-down first) or ignored: none ends the daemon
	 * behind the supervisor's back with the server writable. */
	static const int stop_sigs[] = { SIGTERM, SIGINT, SIGQUIT, SIGXCPU };
	/* SIGABRT, SIGTRAP and SIGSYS too: sent by another process they are ignored, while our own
	 * abort() still ends us (it restores the default first) and the kernel forces the synchronous
	 * faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE are left alone: ignoring them is undefined). */
	static const int ignored[] = { SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGIO,
				       SIGPWR, SIGXFSZ, SIGSTKFLT, SIGTTIN, SIGTTOU, SIGTSTP, SIGURG,
				       SIGABRT, SIGTRAP, SIGSYS };
	sigemptyset(&ss);
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(&ss, stop_sigs[i]);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGCHLD);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		signal(sig, SIG_IGN);
	if (!n)
		return 1;
	/* No core dump: it would hold the MySQL passwords and the peers' answers (LimitCORE=0 in the
	 * unit too). Also keeps other users of our uid from ptrace-reading them. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	mysql_library_init(0, NULL, NULL);
	if ((rc = sd_event_default(&ev)) < 0) {
		log_err("sd_event_default: %s", strerror(-rc));
		free(n);
		return 1;
	}
	for (size_t i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sd_event_add_signal(ev, NULL, stop_sigs[i], on_signal, n);
	sd_event_add_signal(ev, NULL, SIGHUP, on_signal, n);
	/* WATCHDOG=1 from the loop itself: a stuck loop trips WatchdogSec= and systemd restarts us. */
	sd_event_set_watchdog(ev, 1);

	rc = node_start(n, ev, conf);
	if (rc >= 0)
		rc = sd_event_loop(ev);
	node_stop(n);
	sd_event_unref(ev);
	mysql_library_end();
	free(n);
	log_info("stopped");
	return rc < 0 ? 1 : 0;
}

/* -t on the node itself: a VIP that is already an address of the interface, not added by us, would
 * be removed at start and cut the host off. Elsewhere (no such interface) there is nothing to see. */
static bool vip_is_host_address(const struct conf *c)
{
	struct vip_nl *v;
	struct in6_addr foreign;
	char a[IPADDR_STRLEN];

	if (vip_nl_open(&v, c->vrrp.interface) < 0)
		return false;
	int r = vip_nl_remove_stale(v, c->vrrp.vips, c->vrrp.n_vips, false, &foreign);
	vip_nl_close(v);
	if (r < 0 || ipaddr_is_none(&foreign))
		return false;
	fprintf(stderr, "%s: vrrp|vips: %s is an address of %s already (not one dualmasterd added)\n", c->path,
		ipaddr_str(&foreign, a), c->vrrp.interface);
	return true;
}

/* `-t -u USER`: the files are opened with the service user's rights, so a password file the
 * service could not read fails the check instead of the start. Root only, and for good: the
 * process only checks and exits. */
static int become_user(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		fprintf(stderr, "dualmasterd: -u %s: no such user\n", user);
		return -1;
	}
	if (geteuid() == pw->pw_uid)
		return 0;
	if (geteuid() != 0) {
		fprintf(stderr, "dualmasterd: -u %s: checking as another user needs root\n", user);
		return -1;
	}
	if (initgroups(user, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		fprintf(stderr, "dualmasterd: -u %s: %s\n", user, strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dualmasterd [-t [-u USER]] [-v] [-f FILE]\n"
		"  -f, --config FILE  configuration file (default " CONF_DEFAULT_PATH ")\n"
		"  -t, --test         check the configuration and exit: 0 valid, 1 with FILE:LINE: errors\n"
		"  -u, --user USER    with -t: read the files as USER (the service user), as the service would\n"
		"  -v, --verbose      debug logging for every category\n"
		"  -V, --version      print the version\n"
		"  -h, --help         this text\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' }, { "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },      { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },         { "user", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONF_DEFAULT_PATH, *user = NULL;
	bool test = false, verbose = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "f:tu:vVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
		case 't': test = true; break;
		case 'u': user = optarg; break;
		case 'v': verbose = true; break;
		case 'V': printf("dualmasterd %s\n", DM_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (user && !test)) {
		usage(stderr);
		return 2;
	}
	if (user && become_user(user) < 0)
		return 1;
	log_init("dualmasterd", verbose);

	struct conf *conf = calloc(1, sizeof(*conf));
	struct conf_errors *errs = calloc(1, sizeof(*errs));
	int rc = 1;
	if (!conf || !errs) {
		fprintf(stderr, "dualmasterd: out of memory\n");
		goto out;
	}
	if (conf_load(path, conf, errs) < 0) {
		for (int i = 0; i < errs->n; i++)
			fprintf(stderr, "%s\n", errs->msg[i]);
		goto out;
	}
	for (int i = 0; i < errs->n_warn; i++) {
		if (test)
			fprintf(stderr, "%s\n", errs->warn[i]);
		else
			log_warnx("%s", errs->warn[i]);
	}
	if (test && vip_is_host_address(conf)) {
		rc = 1;
		goto out;
	}
	if (test) {
		printf("%s: configuration OK\n", path);
		rc = 0;
		goto out;
	}
	rc = run(conf);
out:
	if (conf)
		explicit_bzero(conf, sizeof(*conf));
	free(conf);
	free(errs);
	return rc;
}
