/* Test driver for the tiebreaker: probes the given targets and prints rounds and verdict changes. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf_check.h"
#include "log.h"
#include "tiebreaker.h"

/* Output, one event per line, first field the wall clock in ms (compared with `date +%s%3N`):
 *   MS start targets=N
 *   MS verdict isolated=0|1
 *   MS round=N ok=M isolated=0|1 fds=K      (K: open fds of this process after the round)
 *   MS exit rounds=N ok=M answered=A failed=F ignored=I fd_delta=D
 */

struct tool {
	struct tiebreaker *tb;
	uint64_t last_rounds;
};

static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory stream itself */
}

static void on_verdict(void *ud, bool isolated)
{
	(void)ud;
	printf("%lld verdict isolated=%d\n", wall_ms(), isolated);
}

/* The module reports no per-round event, so look at its counters often (rounds are >= 100 ms apart). */
static int on_poll(sd_event_source *s, uint64_t usec, void *ud)
{
	struct tool *tl = ud;
	struct tiebreaker_stats st;

	tiebreaker_get_stats(tl->tb, &st);
	if (st.rounds != tl->last_rounds) {
		tl->last_rounds = st.rounds;
		printf("%lld round=%llu ok=%llu isolated=%d fds=%d\n", wall_ms(), (unsigned long long)st.rounds,
		       (unsigned long long)st.rounds_ok, tiebreaker_isolated(tl->tb), count_fds());
	}
	sd_event_source_set_time(s, usec + 20000);
	return 0;
}

static int on_exit_timer(sd_event_source *s, uint64_t usec, void *ud)
{
	(void)usec;
	(void)ud;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *ud)
{
	(void)si;
	(void)ud;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

int main(int argc, char **argv)
{
	struct conf_tiebreaker c = { .interval_ms = 1000, .timeout_ms = 500 };
	struct tool tl = { 0 };
	struct tiebreaker_stats st;
	sd_event *e = NULL;
	sd_event_source *poll = NULL, *stop = NULL, *sig[2] = { NULL, NULL };
	long duration_ms = 60000;
	uint64_t now;
	sigset_t ss;
	int ch, r, fds0;

	while ((ch = getopt(argc, argv, "i:t:d:v")) != -1) {
		switch (ch) {
		case 'i': c.interval_ms = atoi(optarg); break;
		case 't': c.timeout_ms = atoi(optarg); break;
		case 'd': duration_ms = atol(optarg); break;
		case 'v': log_set_debug(LOG_CAT_ALL, true); break;
		default:
			fprintf(stderr, "usage: tiebreaker_tool [-i interval_ms] [-t timeout_ms] [-d duration_ms] [-v]"
					" TARGET...\n");
			return 2;
		}
	}
	for (; optind < argc && c.n_targets < CONF_MAX_TARGETS; optind++)
		if (conf_parse_target(argv[optind], &c.targets[c.n_targets++]) < 0) {
			fprintf(stderr, "tiebreaker_tool: bad target %s\n", argv[optind]);
			return 2;
		}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init("tiebreaker_tool", false);

	fds0 = count_fds();
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigprocmask(SIG_BLOCK, &ss, NULL);
	r = sd_event_new(&e);
	if (r < 0) {
		fprintf(stderr, "tiebreaker_tool: sd_event_new: %s\n", strerror(-r));
		return 1;
	}
	sd_event_now(e, CLOCK_MONOTONIC, &now);
	if (sd_event_add_signal(e, &sig[0], SIGTERM, on_signal, NULL) < 0 ||
	    sd_event_add_signal(e, &sig[1], SIGINT, on_signal, NULL) < 0 ||
	    sd_event_add_time(e, &stop, CLOCK_MONOTONIC, now + (uint64_t)duration_ms * 1000, 1000, on_exit_timer,
			      NULL) < 0) {
		fprintf(stderr, "tiebreaker_tool: event sources failed\n");
		return 1;
	}
	r = tiebreaker_open(&tl.tb, &c, e, on_verdict, &tl);
	if (r < 0) {
		fprintf(stderr, "tiebreaker_tool: tiebreaker_open: %s\n", strerror(-r));
		sd_event_source_unref(stop);
		sd_event_source_unref(sig[0]);
		sd_event_source_unref(sig[1]);
		sd_event_unref(e);
		return 1;
	}
	if (sd_event_add_time(e, &poll, CLOCK_MONOTONIC, now + 20000, 1000, on_poll, &tl) < 0 ||
	    sd_event_source_set_enabled(poll, SD_EVENT_ON) < 0) {
		fprintf(stderr, "tiebreaker_tool: poll timer failed\n");
		return 1;
	}
	printf("%lld start targets=%d\n", wall_ms(), c.n_targets);
	r = sd_event_loop(e);

	tiebreaker_get_stats(tl.tb, &st);
	tiebreaker_close(tl.tb);
	sd_event_source_unref(poll);
	sd_event_source_unref(stop);
	sd_event_source_unref(sig[0]);
	sd_event_source_unref(sig[1]);
	sd_event_unref(e);
	printf("%lld exit rounds=%llu ok=%llu answered=%llu failed=%llu ignored=%llu fd_delta=%d\n", wall_ms(),
	       (unsigned long long)st.rounds, (unsigned long long)st.rounds_ok,
	       (unsigned long long)st.probes_answered, (unsigned long long)st.probes_failed,
	       (unsigned long long)st.icmp_ignored, count_fds() - fds0);
	return r < 0 ? 1 : 0;
}
