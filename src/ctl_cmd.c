/* The control protocol's request parser (pure): words in, a command out, anything else refused. */
#include "ctl_cmd.h"

#include <stdio.h>
#include <string.h>

#define MAX_WORDS 4
#define WORD_LEN 32

/* Splits at blanks into at most MAX_WORDS words of at most WORD_LEN - 1 bytes; -1 beyond that. */
static int split(const char *line, size_t len, char w[MAX_WORDS][WORD_LEN])
{
	int n = 0;
	size_t i = 0;

	while (i < len && line[i]) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len || !line[i])
			break;
		if (n == MAX_WORDS)
			return -1;
		size_t k = 0;
		while (i < len && line[i] && line[i] != ' ' && line[i] != '\t') {
			if (k == WORD_LEN - 1)
				return -1;
			w[n][k++] = line[i++];
		}
		w[n++][k] = '\0';
	}
	return n;
}

static int on_off(const char *s, bool *on)
{
	if (strcmp(s, "on") == 0 || strcmp(s, "off") == 0) {
		*on = strcmp(s, "on") == 0;
		return 0;
	}
	return -1;
}

/* "1".."200" (the state file's history length) as a count. */
static int count_of(const char *s, int *v)
{
	int x = 0;
	if (!*s || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (*s - '0');
	}
	if (x < 1 || x > 200)
		return -1;
	*v = x;
	return 0;
}

static bool history_args(char w[MAX_WORDS][WORD_LEN], int n, struct ctl_cmd *out)
{
	int i = 1;
	out->count = 20;
	if (i < n && strcmp(w[i], "json") == 0) {
		out->json = true;
		i++;
	}
	if (i < n && count_of(w[i], &out->count) == 0)
		i++;
	return i == n;
}

static bool known_category(const char *s)
{
	static const char *const cats[] = { "proto", "pkt", "netlink", "mysql", "ctl", "all" };

	for (size_t i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (strcmp(s, cats[i]) == 0)
			return true;
	return false;
}

int ctl_cmd_parse(const char *line, size_t len, struct ctl_cmd *out, char *why, size_t why_len)
{
	char w[MAX_WORDS][WORD_LEN] = { "" };
	int n = split(line, len, w);

	memset(out, 0, sizeof(*out));
	if (n == 1 && strcmp(w[0], "status") == 0)
		out->type = CTL_CMD_STATUS;
	else if (n == 2 && strcmp(w[0], "status") == 0 && strcmp(w[1], "json") == 0)
		out->type = CTL_CMD_STATUS_JSON;
	else if (n == 2 && strcmp(w[0], "status") == 0 && strcmp(w[1], "verbose") == 0)
		out->type = CTL_CMD_STATUS_VERBOSE;
	else if (n == 1 && strcmp(w[0], "metrics") == 0)
		out->type = CTL_CMD_METRICS;
	else if (n == 2 && strcmp(w[0], "maintenance") == 0 && on_off(w[1], &out->on) == 0)
		out->type = CTL_CMD_MAINTENANCE;
	else if (n == 1 && strcmp(w[0], "switchover") == 0)
		out->type = CTL_CMD_SWITCHOVER;
	else if (n == 1 && strcmp(w[0], "reload") == 0)
		out->type = CTL_CMD_RELOAD;
	else if (n == 3 && strcmp(w[0], "debug") == 0 && known_category(w[1]) && on_off(w[2], &out->on) == 0) {
		out->type = CTL_CMD_DEBUG;
		snprintf(out->category, sizeof(out->category), "%.15s", w[1]);
	} else if (n >= 1 && strcmp(w[0], "history") == 0 && history_args(w, n, out)) {
		out->type = CTL_CMD_HISTORY;
	} else {
		snprintf(why, why_len, "unknown command \"%.64s\" (status [json|verbose], metrics, maintenance on|off, "
			 "switchover, reload, debug CAT on|off, history [json] [1-200])", n > 0 ? w[0] : "");
		return -1;
	}
	out->changes_state = out->type != CTL_CMD_STATUS && out->type != CTL_CMD_STATUS_JSON &&
			     out->type != CTL_CMD_STATUS_VERBOSE && out->type != CTL_CMD_METRICS &&
			     out->type != CTL_CMD_HISTORY;
	return 0;
}
