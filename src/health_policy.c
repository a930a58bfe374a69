/* Pure health policy: turns probe snapshots and fall/rise counters into VRRP priority and eligibility. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "health_policy.h"

bool health_counter_feed(struct health_counter *c, bool ok, int fall, int rise)
{
	if (fall < 1)
		fall = 1;
	if (rise < 1)
		rise = 1;
	c->known = true;
	if (ok) {
		c->fails = 0;
		if (c->oks < INT_MAX)
			c->oks++;
		if (!c->up && c->oks >= rise) {
			c->up = true;
			return true;
		}
	} else {
		c->oks = 0;
		if (c->fails < INT_MAX)
			c->fails++;
		if (c->up && c->fails >= fall) {
			c->up = false;
			return true;
		}
	}
	return false;
}

#define REASON_LEN sizeof(((struct health_verdict *)0)->reason)
#define MAX_ISSUES 12

/* One thing found wrong, in order of importance (the order they are added in). */
struct issue {
	bool blocks;  /* removes eligibility */
	int weight;   /* subtracted from the base priority */
	char text[REASON_LEN];
};

struct issues {
	int n;
	struct issue v[MAX_ISSUES];
};

__attribute__((format(printf, 4, 5))) static void add(struct issues *is, bool blocks, int weight,
						      const char *fmt, ...)
{
	va_list ap;

	if (is->n == MAX_ISSUES)
		return;
	struct issue *i = &is->v[is->n++];

	i->blocks = blocks;
	i->weight = weight;
	va_start(ap, fmt);
	int r = vsnprintf(i->text, sizeof(i->text), fmt, ap);
	va_end(ap);
	/* Server error texts can be long (MySQL's Last_SQL_Error names the event and binlog position). */
	if (r >= (int)sizeof(i->text))
		memcpy(i->text + sizeof(i->text) - 4, "...", 4);
}

/* Server error texts may carry newlines; the reason is one line in status, logs and STATUS=. */
static void one_line(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src[i] && i + 1 < len; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? ' ' : src[i];
	dst[i] = '\0';
}

static const char *io_name(enum repl_io io)
{
	switch (io) {
	case REPL_IO_NONE:
		return "none";
	case REPL_IO_NO:
		return "No";
	case REPL_IO_CONNECTING:
		return "Connecting";
	case REPL_IO_YES:
		return "Yes";
	}
	return "?";
}

/* Returns whether the local snapshot can be trusted for replication and read_only checks. */
static bool check_local(const struct conf *c, const struct health_input *in, struct issues *is)
{
	const struct health_counter *lc = in->local_c;
	char err[DB_ERR_LEN];
	const char *sep;

	one_line(err, sizeof(err), in->local->error);
	sep = err[0] ? ": " : "";
	if (!lc->up) {
		if (lc->fails > 0)
			add(is, true, 0, "local mysqld unreachable (%d fails)%s%s", lc->fails, sep, err);
		else
			add(is, true, 0, "local mysqld not confirmed up yet (%d/%d ok)", lc->oks,
			    c->health.rise < 1 ? 1 : c->health.rise);
		return false;
	}
	if (!in->local->reachable) {
		/* The counter rides out single failures (that is what fall is for): judge replication on
		 * the last good sample, which the shell keeps, so one lost probe does not flap the role. */
		add(is, false, 0, "local mysqld probe failed (%d fails)%s%s", lc->fails, sep, err);
	}
	return true;
}

/* The peer counts as alive for the IO rule unless we know it is down: a peer answering its latest probe,
 * or one not probed yet, may still be writing what our stopped IO thread does not fetch. */
static bool peer_maybe_up(const struct health_input *in)
{
	return in->peer_c->up || !in->peer_c->known || in->peer->reachable;
}

/* Connector/C client errors meaning "cannot reach the server" (CR_CONNECTION_ERROR,
 * CR_CONN_HOST_ERROR, CR_UNKNOWN_HOST, CR_SERVER_GONE_ERROR, CR_SERVER_LOST), as opposed to
 * refusals such as a wrong replication password, which a live peer would keep returning. */
static bool io_retrying_network(const struct repl_status *r)
{
	static const int net_errnos[] = { 0, 2002, 2003, 2005, 2006, 2013 };

	if (r->io != REPL_IO_CONNECTING)
		return false;
	for (size_t i = 0; i < sizeof(net_errnos) / sizeof(net_errnos[0]); i++)
		if (r->last_io_errno == net_errnos[i])
			return true;
	return false;
}

static void check_repl(const struct conf *c, const struct health_input *in, struct issues *is)
{
	const struct repl_status *r = &in->local->repl;
	const struct conf_health *h = &c->health;
	/* The writer does not need its inbound stream to stay the writer; promote_stale says the operator
	 * accepts a stale promotion. Either way broken replication only costs weight. */
	bool stale_ok = in->is_master || c->takeover.promote_stale;
	/* A master's inbound stream carries the backup's (few) writes: its breakage must not hand the
	 * role to a node that would then stop receiving what the master wrote. Reason only. */
	struct conf_health hw = *h;
	char msg[DB_ERR_LEN];

	if (in->is_master) {
		hw.weight_io_down = hw.weight_sql_down = hw.weight_lag = 0;
		h = &hw;
	}

	if (!r->configured || r->io == REPL_IO_NONE) {
		add(is, !stale_ok, h->weight_io_down + h->weight_sql_down, "replication not configured");
		return;
	}
	if (!r->sql_running) {
		one_line(msg, sizeof(msg), r->last_sql_error);
		if (r->last_sql_errno)
			add(is, !stale_ok, h->weight_sql_down, "sql thread stopped: errno %d%s%s",
			    r->last_sql_errno, msg[0] ? " " : "", msg);
		else
			add(is, !stale_ok, h->weight_sql_down, "sql thread not running");
	}
	if (r->io != REPL_IO_YES) {
		/* With the peer down the IO thread cannot connect; that is the failover case, not a fault.
		 * A thread retrying after a network error is the first witness of a dead peer, usually
		 * before our own probe's fall count: it must not block the takeover that follows. */
		bool blocks = !stale_ok && peer_maybe_up(in) && !io_retrying_network(r);

		if (r->last_io_errno)
			add(is, blocks, h->weight_io_down, "io thread not running (%s): errno %d",
			    io_name(r->io), r->last_io_errno);
		else
			add(is, blocks, h->weight_io_down, "io thread not running (%s)", io_name(r->io));
	}
	if (r->lag_s >= 0 && r->lag_s > h->max_lag_s)
		add(is, !stale_ok, h->weight_lag, "lag %llds > max_lag_s %d", (long long)r->lag_s,
		    h->max_lag_s);
}

/* NULL lag with both threads running: the replica cannot say how far behind it is. Only a replica
 * that may be promoted cares, and only as information. */
static void check_lag_unknown(const struct health_input *in, struct issues *is)
{
	const struct repl_status *r = &in->local->repl;

	if (!in->is_master && r->configured && r->io == REPL_IO_YES && r->sql_running && r->lag_s < 0)
		add(is, false, 0, "lag unknown (NULL)");
}

/* "main reason +N more", the main text cut (marked "...") so that the count always shows. */
static void write_reason(char *dst, size_t len, const struct issue *main_issue, int more)
{
	char suffix[32] = "";
	size_t tl = strlen(main_issue->text), sl;

	if (more > 0)
		snprintf(suffix, sizeof(suffix), " +%d more", more);
	sl = strlen(suffix);
	if (tl + sl < len) {
		snprintf(dst, len, "%s%s", main_issue->text, suffix);
		return;
	}
	tl = len - sl - 4;
	memcpy(dst, main_issue->text, tl);
	snprintf(dst + tl, len - tl, "...%s", suffix);
}

struct health_verdict health_evaluate(const struct conf *c, const struct health_input *in)
{
	struct health_verdict v = { 0 };
	struct issues is = { 0 };
	long long prio = c->vrrp.priority;
	int main_i = -1;

	if (in->fault && in->fault[0])
		add(&is, true, 0, "%s", in->fault);
	bool local_ok = check_local(c, in, &is);

	if (in->isolated)
		add(&is, true, 0, "isolated: no tiebreaker target reachable");
	if (local_ok && in->is_master && in->local->read_only == 1)
		add(&is, true, 0, "local server read-only while master");
	if (local_ok)
		check_repl(c, in, &is);
	if (in->peer_c->known && !in->peer_c->up)
		add(&is, false, c->health.weight_peer_down, "peer mysqld unreachable");
	if (local_ok)
		check_lag_unknown(in, &is);

	v.eligible = true;
	for (int i = 0; i < is.n; i++) {
		prio -= is.v[i].weight;
		/* A reason that removes eligibility explains the verdict better than any penalty. */
		if (is.v[i].blocks && v.eligible) {
			v.eligible = false;
			main_i = i;
		}
	}
	if (main_i < 0 && is.n > 0)
		main_i = 0;

	/* RFC 5798 5.2.4: "VRRP routers backing up a Virtual Router MUST use priority values between 1-254";
	 * 255 belongs to the address owner and 0 says the Master stopped participating. */
	if (!v.eligible)
		v.priority = 0;
	else
		v.priority = prio < 1 ? 1 : prio > 254 ? 254 : (int)prio;

	if (main_i < 0)
		snprintf(v.reason, sizeof(v.reason), "ok");
	else
		write_reason(v.reason, sizeof(v.reason), &is.v[main_i], is.n - 1);
	return v;
}
