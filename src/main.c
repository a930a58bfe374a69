/* dualmasterd: command line, start-up and the one event loop wiring every module. */
#include <errno.h>
#include <getopt.h>
#include <mysql.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "conf_load.h"
#include "log.h"
#include "node.h"

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
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	sigaddset(&ss, SIGCHLD);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!n)
		return 1;
	mysql_library_init(0, NULL, NULL);
	if ((rc = sd_event_default(&ev)) < 0) {
		log_err("sd_event_default: %s", strerror(-rc));
		free(n);
		return 1;
	}
	sd_event_add_signal(ev, NULL, SIGTERM, on_signal, n);
	sd_event_add_signal(ev, NULL, SIGINT, on_signal, n);
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

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dualmasterd [-t] [-v] [-f FILE]\n"
		"  -f, --config FILE  configuration file (default " CONF_DEFAULT_PATH ")\n"
		"  -t, --test         check the configuration and exit: 0 valid, 1 with FILE:LINE: errors\n"
		"  -v, --verbose      debug logging for every category\n"
		"  -V, --version      print the version\n"
		"  -h, --help         this text\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' }, { "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },      { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	const char *path = CONF_DEFAULT_PATH;
	bool test = false, verbose = false;
	int ch;

	while ((ch = getopt_long(argc, argv, "f:tvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': path = optarg; break;
		case 't': test = true; break;
		case 'v': verbose = true; break;
		case 'V': printf("dualmasterd %s\n", DM_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
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
	if (test) {
		printf("%s: configuration OK\n", path);
		rc = 0;
		goto out;
	}
	rc = run(conf);
out:
	free(conf);
	free(errs);
	return rc;
}
