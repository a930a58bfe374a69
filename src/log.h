/* Logging to stderr: sd-daemon "<N>" prefixes under systemd, timestamped lines (with the UTC offset)
 * otherwise. Control characters in a message are escaped (\n, \xNN): text from servers and clients
 * cannot forge a line. Warnings and errors that repeat (the same text but for numbers) go out once
 * per 10 s, the next one saying how many were left out. */
#ifndef DM_LOG_H
#define DM_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Debug categories, switchable at run time (dualmasterctl debug CAT on|off). */
enum log_cat {
	LOG_CAT_PROTO = 1 << 0,
	LOG_CAT_PKT = 1 << 1,
	LOG_CAT_NETLINK = 1 << 2,
	LOG_CAT_MYSQL = 1 << 3,
	LOG_CAT_CTL = 1 << 4,
	LOG_CAT_ALL = 0x1f,
};

/* systemd: prefixes instead of timestamps when stderr goes to the journal. */
void log_init(const char *ident, bool verbose);
void log_set_debug(unsigned cats, bool on);
unsigned log_debug_cats(void);
/* Whether stderr goes to journald (log_journal.c then sends entries with fields). */
bool log_to_journal(void);
const char *log_ident(void);
/* Control characters as \n, \t, \xNN; always terminated, cut to len. */
void log_escape(char *dst, size_t len, const char *src);
/* Parses "proto", "pkt", "netlink", "mysql", "ctl" or "all"; 0 when unknown. */
unsigned log_cat_parse(const char *name);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));     /* operator must act */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* degraded, self-repairing */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* same, appends strerror(errno) */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* role changes */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* state transitions */
void log_debug(unsigned cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
