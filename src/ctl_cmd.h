/* The control protocol's requests: one line in, one parsed command out (pure). */
#ifndef DM_CTL_CMD_H
#define DM_CTL_CMD_H

#include <stdbool.h>
#include <stddef.h>

enum ctl_cmd_type {
	CTL_CMD_STATUS,      /* status: both nodes in one table */
	CTL_CMD_STATUS_VERBOSE, /* status verbose: this node in detail */
	CTL_CMD_STATUS_JSON, /* status json */
	CTL_CMD_METRICS,     /* metrics */
	CTL_CMD_MAINTENANCE, /* maintenance on|off */
	CTL_CMD_SWITCHOVER,  /* switchover */
	CTL_CMD_RELOAD,      /* reload */
	CTL_CMD_DEBUG,       /* debug proto|pkt|netlink|mysql|ctl|all on|off */
	CTL_CMD_HISTORY,     /* history [json] [N]: the kept transitions, newest N (default 20) */
};

struct ctl_cmd {
	enum ctl_cmd_type type;
	bool on;             /* MAINTENANCE, DEBUG */
	char category[16];   /* DEBUG */
	bool json;           /* HISTORY */
	int count;           /* HISTORY: 1..STATE_HISTORY */
	bool changes_state;  /* needs uid 0 or the daemon's own */
};

/* Parses one request line (any bytes; words separated by blanks). Returns 0, or -1 with a reply-ready
 * reason in why ("unknown command ...", the usage). Reads at most len bytes of line. */
int ctl_cmd_parse(const char *line, size_t len, struct ctl_cmd *out, char *why, size_t why_len);

#endif
