/* The state file: what a restart must not forget (maintenance, a divergence freeze, the transition
 * history). Format and checks are state_file.c's; this file only reads and writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_replace.h"
#include "log.h"
#include "node.h"
#include "state_file.h"

static int read_all(const char *path, char **text, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATE_FILE_MAX) {
		close(fd);
		return -EINVAL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	ssize_t got = buf ? read(fd, buf, (size_t)st.st_size + 1) : -1;
	int err = got < 0 ? errno : 0;
	close(fd);
	if (got < 0 || got > st.st_size) {
		free(buf);
		return got < 0 ? -(err ? err : ENOMEM) : -EINVAL; /* grew while read: not a file we wrote */
	}
	*text = buf;
	*len = (size_t)got;
	return 0;
}

void node_state_load(struct node *n)
{
	const char *path = n->conf.state_file;
	char *text = NULL, why[160];
	size_t len = 0;

	/* The history is kept in memory either way; only the file is optional. */
	if (!(n->saved = calloc(1, sizeof(*n->saved)))) {
		log_err("state file: out of memory: nothing is kept across restarts");
		return;
	}
	if (!path[0]) {
		log_info("no state_file (and no $STATE_DIRECTORY): maintenance and history end with the process");
		return;
	}
	int rc = read_all(path, &text, &len);
	if (rc == -ENOENT) {
		log_info("state file %s: none yet, starting afresh", path);
		return;
	}
	if (rc == 0 && state_parse(text, len, n->saved, why, sizeof(why)) == 0) {
		free(text);
		sup_restore(&n->sup, n->saved->maintenance, n->saved->frozen);
		log_info("state file %s: maintenance %s, %sfrozen, %d transitions kept", path,
			 n->saved->maintenance ? "on" : "off", n->saved->frozen ? "" : "not ", n->saved->n);
		if (n->saved->maintenance || n->saved->frozen)
			log_warnx("restored from the state file: %s%s", n->saved->maintenance ? "maintenance on" : "",
				  n->saved->frozen ? (n->saved->maintenance ? ", moves frozen" : "moves frozen") : "");
		return;
	}
	free(text);
	if (rc < 0)
		snprintf(why, sizeof(why), "%s", strerror(-rc));
	/* Kept aside for whoever looks into it; the next write starts a good file. */
	char aside[CONF_STR + 16];
	snprintf(aside, sizeof(aside), "%s.corrupt", path);
	bool moved = rename(path, aside) == 0;
	log_err("state file %s: %s: ignored (maintenance off, no history)%s%s", path, why,
		moved ? "; kept as " : "", moved ? aside : "");
	memset(n->saved, 0, sizeof(*n->saved));
}

void node_state_sync(struct node *n)
{
	struct state_saved *sv = n->saved;
	const struct sup *s = &n->sup;
	bool changed = false;

	if (!sv)
		return;
	/* Transitions the supervisor made since the last sync (its log keeps the newest few). */
	uint64_t fresh = s->hist.total - n->hist_seen;
	if (fresh > (uint64_t)s->hist.n)
		fresh = (uint64_t)s->hist.n;
	for (int i = s->hist.n - (int)fresh; i < s->hist.n; i++) {
		const struct status_transition *t = &s->hist.t[i];
		struct state_entry e = { .when_s = t->when_s, .in_from_ms = t->in_from_ms };
		snprintf(e.from, sizeof(e.from), "%s", t->from);
		snprintf(e.to, sizeof(e.to), "%s", t->to);
		snprintf(e.reason, sizeof(e.reason), "%s", t->reason);
		if (strcmp(t->from, "TAKEOVER") == 0 && s->last_takeover.done) {
			const uint64_t *p = s->last_takeover.phase_us;
			int len = 0;
			for (int k = 0; k < STATUS_PHASES && len >= 0 && (size_t)len < sizeof(e.phases); k++)
				len += snprintf(e.phases + len, sizeof(e.phases) - (size_t)len, "%s%llu", k ? "/" : "",
						(unsigned long long)(p[k] / 1000));
		}
		state_add(sv, &e);
		changed = true;
	}
	n->hist_seen = s->hist.total;
	if (sv->maintenance != s->maintenance || sv->frozen != s->frozen) {
		sv->maintenance = s->maintenance;
		sv->frozen = s->frozen;
		changed = true;
	}
	if (!changed || !n->conf.state_file[0])
		return;
	char *buf = malloc(STATE_FILE_MAX);
	int len = buf ? state_format(sv, buf, STATE_FILE_MAX) : -1;
	int rc = len < 0 ? -ENOMEM : file_replace(n->conf.state_file, buf, (size_t)len, 0640, true);
	free(buf);
	if (rc < 0 && -rc != n->state_errno)
		log_err("state file %s: cannot write: %s (maintenance and history may not survive a restart)",
			n->conf.state_file, strerror(-rc));
	else if (rc == 0 && n->state_errno)
		log_info("state file %s: written again", n->conf.state_file);
	n->state_errno = rc < 0 ? -rc : 0;
}

void node_state_free(struct node *n)
{
	free(n->saved);
	n->saved = NULL;
}
