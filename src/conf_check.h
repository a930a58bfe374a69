/* Pure validation of a parsed configuration: ranges, formats and cross-field rules, every error reported. */
#ifndef DM_CONF_CHECK_H
#define DM_CONF_CHECK_H

#include "conf.h"

#define CONF_MAX_ERRORS 32
#define CONF_MAX_LINES 160

/* Where each option was set: key is the libconfuse path ("vrrp|vrid", "mysql peer|port"),
 * list elements as "vrrp|vips#2"; a section's key holds its closing line. */
struct conf_lines {
	int n;
	struct {
		char key[64];
		int line;
	} at[CONF_MAX_LINES];
};

struct conf_errors {
	int n;
	char msg[CONF_MAX_ERRORS][384]; /* "FILE:LINE: message" */
	int n_warn;
	char warn[8][512];              /* "FILE:LINE: warning: ..." valid but costly settings */
};

/* Line of key, else of its section (text before the last '|'), else 1. */
int conf_line(const struct conf_lines *lines, const char *key);
void conf_lines_set(struct conf_lines *lines, const char *key, int line);

/* Appends "file:line: message"; silently keeps only the first CONF_MAX_ERRORS. */
void conf_error(struct conf_errors *errs, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "a.b.c.d/len" or "x:y::z/len" -> vip. Returns 0, or -1 with a reason in why. */
int conf_parse_cidr(const char *s, struct conf_vip *out, const char **why);
/* "a.b.c.d" (ICMP) or "a.b.c.d:port" (TCP). Returns 0 or -1. */
int conf_parse_target(const char *s, struct conf_target *out);

/* Checks c (already parsed; strings such as VIPs converted) and appends one error per problem.
 * Does not touch the file system: password files are checked by conf_load.
 * Returns the number of errors added. */
int conf_check(const struct conf *c, const struct conf_lines *lines, struct conf_errors *errs);
/* Valid but unwise settings, as "FILE:LINE: warning: ..." lines in errs->warn (what they cost, and
 * the fix); they do not make the file invalid. Returns the number added. */
int conf_advice(const struct conf *c, const struct conf_lines *lines, struct conf_errors *errs);

#endif
