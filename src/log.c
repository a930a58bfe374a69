/* Logging to stderr: sd-daemon "<N>" prefixes under systemd, timestamped lines otherwise. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
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

static void vlog(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char msg[1024];
	static const char *names[] = { [LOG_ERR] = "error", [LOG_WARNING] = "warning", [LOG_INFO] = "info",
				       [LOG_DEBUG] = "debug" };

	vsnprintf(msg, sizeof(msg), fmt, ap);
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
	fprintf(stderr, "%s.%03ld %s %s: %s%s%s\n", ts, (long)(tv.tv_usec / 1000), lg.ident, names[prio], msg,
		suffix ? ": " : "", suffix ? suffix : "");
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
