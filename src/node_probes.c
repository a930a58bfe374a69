/* The probe schedule of both servers and the workers' results, handed to the supervisor. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mysql_probe.h"
#include "node.h"

static const char *srv_name(int which)
{
	return which == SUP_LOCAL ? "local" : which == SUP_PEER ? "peer" : "witness";
}

void node_submit_cmd(struct node *n, int which, const struct db_job *job)
{
	struct node_server *s = &n->srv[which];

	s->cmd_answers = db_worker_answers(s->w[NODE_CMD]);
	if (db_worker_submit(s->w[NODE_CMD], job) == -EBUSY) {
		/* The previous job was cancelled but has not come back yet; the newer job waits, its
		 * GTID text copied (the supervisor's may be gone by then). */
		s->cmd_queued = true;
		s->queued = *job;
		free(s->queued_gtid);
		s->queued_gtid = job->gtid ? strdup(job->gtid) : NULL;
		s->queued.gtid = s->queued_gtid;
	}
	log_debug(LOG_CAT_MYSQL, "%s: %s job %llu", srv_name(which), db_job_name(job->type),
		  (unsigned long long)job->id);
}

static void probe_sample(struct node *n, int which, const struct db_result *r)
{
	struct node_server *s = &n->srv[which];
	struct sup_event ev = { .type = SUP_EV_PROBE, .which = which, .res = r, .sent_us = s->probe_sent_us,
				.epoch = s->probe_epoch };
	node_dispatch(n, &ev);
}

/* A probe past its deadline is a failed sample (a hung server is found here, by deadline, never by
 * waiting); every round it stays stuck counts as another failure. */
static void probe_overdue(struct node *n, int which)
{
	struct node_server *s = &n->srv[which];
	struct db_result *r = calloc(1, sizeof(*r));

	if (!r)
		return;
	if (!s->probe_counted) {
		s->probe_counted = true;
		s->unanswered = true;
		db_worker_cancel(s->w[NODE_PROBE]);
	}
	r->id = s->probe_id;
	r->type = DB_JOB_PROBE;
	r->rc = -ETIMEDOUT;
	r->err = DB_ERR_TIMEOUT;
	snprintf(r->error, sizeof(r->error), "probe timed out after %d ms", n->conf.health.timeout_ms);
	r->state.latency_us = (int64_t)n->conf.health.timeout_ms * 1000;
	probe_sample(n, which, r);
	free(r);
}

static void probe_round(struct node *n)
{
	for (int which = 0; which < 2; which++) {
		struct node_server *s = &n->srv[which];
		uint64_t now = node_now(n);

		if (s->probe_id && now >= s->probe_deadline_us)
			probe_overdue(n, which);
		if (s->probe_id)
			continue; /* still running (a cancelled one comes back soon): next round */
		struct db_job job = { .type = DB_JOB_PROBE, .id = ++n->next_probe_id,
				      .timeout_ms = n->conf.health.timeout_ms };
		if (db_worker_submit(s->w[NODE_PROBE], &job) < 0)
			continue; /* its result not collected yet: next round */
		s->probe_id = job.id;
		s->probe_counted = false;
		s->probe_epoch = sup_local_epoch(&n->sup);
		/* A server that let the last probe time out gets one interval, not a whole timeout, to
		 * answer the next (a reconnect on a local socket or a LAN takes milliseconds): a hung
		 * server reaches `fall` failures at the rounds' pace, as one probe stuck for good would,
		 * instead of a full timeout per failure (the cancelled probe comes back and is sent
		 * again). A slow but live server answers within its interval and clears this. */
		uint64_t bound_ms = s->unanswered && n->conf.health.interval_ms < n->conf.health.timeout_ms
					    ? (uint64_t)n->conf.health.interval_ms
					    : (uint64_t)n->conf.health.timeout_ms;
		s->probe_deadline_us = now + bound_ms * 1000;
		s->probe_sent_us = now;
	}
}

int node_on_probe_timer(sd_event_source *src, uint64_t usec, void *ud)
{
	struct node *n = ud;
	probe_round(n);
	node_publish(n);
	node_arm(src, usec + (uint64_t)n->conf.health.interval_ms * 1000);
	return 0;
}

/* A probe that failed at once (the connection dropped, nothing listens: a crash looks like this) is
 * asked again right away rather than after a whole interval, once per failure streak: `fall` is
 * then reached by a second real attempt milliseconds later, and the crashed master resigns about
 * one interval sooner. A server that stays down is probed at the normal pace. */
#define PROBE_RETRY_SOON_US 10000

static void retry_soon(struct node *n, struct node_server *s, const struct db_result *r)
{
	uint64_t at = 0, now = node_now(n);

	if (r->rc == 0 && r->state.reachable) {
		s->retried_soon = false;
		return;
	}
	if (s->retried_soon || (r->err != DB_ERR_LOST && r->err != DB_ERR_REFUSED))
		return;
	s->retried_soon = true;
	if (sd_event_source_get_time(n->probe_timer, &at) < 0 || at > now + PROBE_RETRY_SOON_US)
		node_arm(n->probe_timer, now + PROBE_RETRY_SOON_US);
}

static void collect(struct node *n, int which, int kind, struct db_result *r)
{
	struct node_server *s = &n->srv[which];

	while (db_worker_collect(s->w[kind], r) == 0) {
		if (kind == NODE_PROBE) {
			if (r->id != s->probe_id) {
				db_state_free(&r->state);
				continue;
			}
			bool counted = s->probe_counted;
			s->probe_id = 0;
			/* Counted as failed at its deadline already. */
			if (!counted) {
				s->unanswered = false;
				probe_sample(n, which, r);
				retry_soon(n, s, r);
			}
			db_state_free(&r->state);
			continue;
		}
		if (s->cmd_queued && !db_worker_busy(s->w[NODE_CMD])) {
			s->cmd_queued = false;
			node_submit_cmd(n, which, &s->queued);
		}
		struct sup_event ev = { .type = SUP_EV_DB_RESULT, .which = which, .res = r };
		node_dispatch(n, &ev);
		db_state_free(&r->state);
	}
}

int node_on_worker(sd_event_source *src, int fd, uint32_t revents, void *ud)
{
	struct node *n = ud;
	struct db_result *r = malloc(sizeof(*r));
	(void)fd;
	(void)revents;

	if (!r)
		return 0;
	for (int which = 0; which < 3; which++)
		for (int kind = 0; kind < 2; kind++)
			if (n->srv[which].src[kind] == src)
				collect(n, which, kind, r);
	free(r);
	node_publish(n);
	return 0;
}
