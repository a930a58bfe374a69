/* Logging to stderr: sd-daemon "<N>" prefixes under systemd, timestamped lines otherwise. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>

/* Process-wide logging settings: set once at start, debug mask changed by the control socket. */
static struct {
	const char *ident;
	bool journal;
	unsigned debug;
} lg = { "dualmasterd", false, 0 };

void log_init(const char *ident, bool verbose)
{
	lg.ident = ident;
	/* systemd sets JOURNAL_STREAM when stderr is connected to journald. */
	lg.journal = getenv("JOURNAL_STREAM") != NULL;
	lg.debug = verbose ? LOG_CAT_ALL : 0;
}

bool log_to_journal(void)
{
	return lg.journal;
}

const char *log_ident(void)
{
	return lg.ident;
}

void log_set_debug(unsigned cats, bool on)
{
	if (on)
		lg.debug |= cats;
	else
		lg.debug &= ~cats;
}

unsigned log_debug_cats(void)
{
	return lg.debug;
}

unsigned log_cat_parse(const char *name)
{
	static const struct {
		const char *name;
		unsigned cat;
	} names[] = {
		{ "proto", LOG_CAT_PROTO }, { "pkt", LOG_CAT_PKT }, { "netlink", LOG_CAT_NETLINK },
		{ "mysql", LOG_CAT_MYSQL }, { "ctl", LOG_CAT_CTL }, { "all", LOG_CAT_ALL },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].name, name) == 0)
			return names[i].cat;
	return 0;
}

/* Text from servers and clients (Last_SQL_Error holds application queries) may carry anything: a
 * newline would forge a log line, an escape sequence would reach a terminal. */
void log_escape(char *dst, size_t len, const char *src)
{
	size_t o = 0;

	for (; *src && o + 5 < len; src++) {
		unsigned char ch = (unsigned char)*src;
		if (ch == '\n') {
			dst[o++] = '\\';
			dst[o++] = 'n';
		} else if (ch < 0x20 || ch == 0x7f) {
			o += (size_t)snprintf(dst + o, len - o, "\\x%02x", ch);
		} else {
			dst[o++] = (char)ch;
		}
	}
	dst[o] = '\0';
}

/* Repeated warnings and errors: the same text but for its numbers once per RL_WINDOW_MS, then one
 * line with the count of the ones left out. Info and debug lines are never held back. */
#define RL_SLOTS 32
#define RL_WINDOW_MS 10000
static struct {
	pthread_mutex_t mu;
	struct {
		uint64_t key;
		int64_t last_ms;
		uint64_t held;
	} slot[RL_SLOTS];
} rl = { .mu = PTHREAD_MUTEX_INITIALIZER };

static uint64_t kind_of(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h ? h : 1;
}

/* True when the line may go out; *held is how many like it were left out since the last one. */
static bool rl_allow(const char *msg, uint64_t *held)
{
	struct timespec ts;
	uint64_t key = kind_of(msg);
	int victim = 0;
	bool ok = true;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	*held = 0;
	pthread_mutex_lock(&rl.mu);
	for (int i = 0; i < RL_SLOTS; i++) {
		if (rl.slot[i].key == key) {
			if (now - rl.slot[i].last_ms < RL_WINDOW_MS) {
				rl.slot[i].held++;
				ok = false;
			} else {
				*held = rl.slot[i].held;
				rl.slot[i].held = 0;
				rl.slot[i].last_ms = now;
			}
			pthread_mutex_unlock(&rl.mu);
			return ok;
		}
		if (rl.slot[i].last_ms < rl.slot[victim].last_ms)
			victim = i;
	}
	rl.slot[victim].key = key;
	rl.slot[victim].last_ms = now;
	rl.slot[victim].held = 0;
	pthread_mutex_unlock(&rl.mu);
	return true;
}

static void vlog(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char raw[2048], msg[2048 + 128];
	static const char *names[] = { [LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
				       [LOG_INFO] = "info", [LOG_DEBUG] = "debug" };
	uint64_t held = 0;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_escape(msg, sizeof(msg) - 64, raw);
	if ((prio == LOG_WARNING || prio == LOG_ERR) && !rl_allow(msg, &held))
		return;
	if (held)
		snprintf(msg + strlen(msg), 64, " (%llu more like this)", (unsigned long long)held);
	if (lg.journal) {
		fprintf(stderr, "<%d>%s%s%s\n", prio, msg, suffix ? ": " : "", suffix ? suffix : "");
		return;
	}
	struct timeval tv;
	struct tm tm;
	char ts[32];
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	char zone[8];
	strftime(zone, sizeof(zone), "%z", &tm);
	fprintf(stderr, "%s.%03ld%s %s %s: %s%s%s\n", ts, (long)(tv.tv_usec / 1000), zone, lg.ident, names[prio],
		msg, suffix ? ": " : "", suffix ? suffix : "");
}

#define LOG_FN(name, prio)                          \
	void name(const char *fmt, ...)             \
	{                                           \
		va_list ap;                         \
		va_start(ap, fmt);                  \
		vlog(prio, fmt, ap, NULL);          \
		va_end(ap);                         \
	}
LOG_FN(log_err, LOG_ERR)
LOG_FN(log_warnx, LOG_WARNING)
LOG_FN(log_notice, LOG_NOTICE)
LOG_FN(log_info, LOG_INFO)

void log_warn(const char *fmt, ...)
{
	va_list ap;
	const char *e = strerror(errno);

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap, e);
	va_end(ap);
}

void log_debug(unsigned cat, const char *fmt, ...)
{
	va_list ap;

	if (!(lg.debug & cat))
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, NULL);
	va_end(ap);
}
