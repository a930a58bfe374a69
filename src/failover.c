/* The takeover and step-down sequences as a pure step machine: results in, the next command out.
 *
 * Taking over (BACKUP -> MASTER), top to bottom:
 *   0. REFUSED?     not at all when the peer is a live master we never heard, or its server answers
 *                   but refuses us: we could neither see nor fence a writable server.
 *   1. FENCE        peer: read_only ON and kill its clients, so the old master stops taking writes.
 *                   Skipped when the peer's server is known down. A peer that answers but cannot be
 *                   fenced is alive and writable: we stay BACKUP. One that answers nothing within
 *                   fence_answer_ms (a cut link, a dead host) is unreachable: carry on. A fence the
 *                   supervisor sent ahead (the master silent, its server too) is this step's job.
 *   2. SEMISYNC_OFF local: when the peer is dead, every commit here waits for its ack until the
 *                   semi-sync timeout, and that includes what our SQL thread applies from the relay
 *                   log: the master side goes off before the catch-up (on again once the peer
 *                   replicates from us).
 *   3. CATCHUP      local: apply everything the IO thread received, bounded by catchup_timeout_ms.
 *                   Failure keeps us BACKUP and read-only unless promote_stale.
 *   3b. QUORUM      witness (only when configured): two out of three before writing. Fenced (the
 *                   peer's read_only confirmed ON) or resigned (its daemon advertised priority 0)
 *                   is a majority with the peer; otherwise we wait for the witness's lease, which
 *                   the old master held and stopped using before it can expire there (lease.h).
 *                   None within quorum_timeout_ms: fail, stay BACKUP and read-only.
 *   4. WRITABLE     local: read_only OFF, verified.
 *   5. TERM         local: the takeover term, above both servers' known terms, with our name; it
 *                   is what a heal after a partition compares (heal.c). Failure is only noted.
 *   6. CLAIM        shell: the FSM goes MASTER (advert first), VIPs added, gratuitous ARPs.
 * Any failure after step 4 is undone (VIP off, read_only ON) before we report it, so the VIP is
 * never held by a read-only, unreachable or stale server.
 *
 * Stepping down: DROP_VIP first (no new client reaches us), READONLY (+ kill clients) after.
 * Switchover (planned, on the master): step down, then PEER_CATCHUP until the peer applied our
 * last transaction; if it cannot, write-enable and claim again.
 */
#include "failover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtid.h"

static const char *const step_names[FO_STEP_MAX] = {
	[FO_STEP_IDLE] = "idle",
	[FO_STEP_FENCE] = "fence peer",
	[FO_STEP_CATCHUP] = "catch up",
	[FO_STEP_QUORUM] = "wait for witness lease",
	[FO_STEP_SEMISYNC_OFF] = "semi-sync off",
	[FO_STEP_WRITABLE] = "read_only OFF",
	[FO_STEP_TERM] = "term",
	[FO_STEP_CLAIM] = "claim VIP",
	[FO_STEP_DROP_VIP] = "drop VIP",
	[FO_STEP_READONLY] = "read_only ON",
	[FO_STEP_PEER_CATCHUP] = "peer catch up",
	[FO_STEP_DONE] = "done",
	[FO_STEP_FAILED] = "failed",
};

const char *fo_step_name(enum fo_step s)
{
	return s < FO_STEP_MAX && step_names[s] ? step_names[s] : "?";
}

const char *fo_kind_name(enum fo_kind k)
{
	switch (k) {
	case FO_KIND_TAKEOVER: return "takeover";
	case FO_KIND_STEPDOWN: return "step-down";
	case FO_KIND_SWITCHOVER: return "switchover";
	default: return "none";
	}
}

const char *fo_fail_name(enum fo_fail e)
{
	switch (e) {
	case FO_FAIL_NONE: return "ok";
	case FO_FAIL_REFUSED: return "refused";
	case FO_FAIL_PEER_ALIVE: return "peer_not_fenced";
	case FO_FAIL_CATCHUP: return "catchup_timeout";
	case FO_FAIL_WRITABLE: return "read_only_off_failed";
	case FO_FAIL_CLAIM: return "vip_failed";
	case FO_FAIL_READONLY: return "read_only_on_failed";
	case FO_FAIL_PEER_BEHIND: return "peer_behind";
	case FO_FAIL_ABORTED: return "aborted";
	case FO_FAIL_NO_QUORUM: return "no_quorum";
	}
	return "?";
}

bool fo_active(const struct failover *f)
{
	return f->kind != FO_KIND_NONE && f->step != FO_STEP_DONE && f->step != FO_STEP_FAILED;
}

/* Safety margin beyond a statement's own timeout before the shell gives up on the worker. */
#define FO_MARGIN_US 1000000ull

static void add_note(struct failover *f, const char *fmt, const char *arg)
{
	size_t len = strlen(f->note);
	if (len && len < sizeof(f->note) - 2) {
		strcat(f->note, "; ");
		len += 2;
	}
	snprintf(f->note + len, sizeof(f->note) - len, fmt, arg);
}

/* Moves to step, adding the time spent in the one it leaves to its phase (status, metrics, bench). */
static void enter(struct failover *f, enum fo_step step, uint64_t now_us)
{
	if (f->step < FO_STEP_MAX && now_us > f->step_since_us)
		f->phase_us[f->step] += now_us - f->step_since_us;
	f->step = step;
	f->step_since_us = now_us;
}

static struct fo_cmd db_cmd(struct failover *f, enum fo_step step, enum fo_target target,
			    enum db_job_type type, int timeout_ms, uint64_t now_us)
{
	struct fo_cmd c = { .type = FO_CMD_DB, .target = target };

	enter(f, step, now_us);
	f->job_id = f->next_job_id++;
	f->job_target = target;
	c.job.type = type;
	c.job.id = f->job_id;
	c.job.timeout_ms = timeout_ms;
	f->job_deadline_us = now_us + (uint64_t)timeout_ms * 1000 + FO_MARGIN_US;
	f->answer_deadline_us = 0;
	f->deadline_us = f->job_deadline_us;
	return c;
}

static struct fo_cmd finish(struct failover *f, uint64_t now_us, bool ok, const char *reason)
{
	enter(f, ok ? FO_STEP_DONE : FO_STEP_FAILED, now_us);
	f->ok = ok;
	f->job_id = 0;
	f->deadline_us = 0;
	if (reason)
		snprintf(f->reason, sizeof(f->reason), "%s", reason);
	return (struct fo_cmd){ .type = FO_CMD_FINISHED };
}

static struct fo_cmd readonly_cmd(struct failover *f, uint64_t now_us)
{
	struct fo_cmd c = db_cmd(f, FO_STEP_READONLY, FO_LOCAL, DB_JOB_SET_READONLY, f->in.fence_timeout_ms, now_us);
	c.job.kill_clients = f->in.kill_clients || f->in.kill_first;
	c.job.kill_first = f->in.kill_first;
	return c;
}

/* Undo a partial takeover (or a failed switchover's step-down is NOT undone here): VIP first. */
static struct fo_cmd undo(struct failover *f, uint64_t now_us)
{
	if (f->claimed) {
		enter(f, FO_STEP_DROP_VIP, now_us);
		return (struct fo_cmd){ .type = FO_CMD_DROP_VIP };
	}
	if (f->writable)
		return readonly_cmd(f, now_us);
	return finish(f, now_us, false, NULL);
}

static struct fo_cmd fail(struct failover *f, enum fo_fail why, const char *reason, uint64_t now_us)
{
	snprintf(f->reason, sizeof(f->reason), "%s", reason);
	f->ok = false;
	f->fail = why;
	f->aborting = true;
	return undo(f, now_us);
}

/* --- takeover, in order --- */

static struct fo_cmd step_writable(struct failover *f, uint64_t now_us);

/* Two out of three: the peer fenced or resigned is a majority with us; else the lease must come. */
static struct fo_cmd step_quorum(struct failover *f, uint64_t now_us)
{
	if (!f->in.need_quorum || f->fenced || f->in.peer_resigned)
		return step_writable(f, now_us);
	enter(f, FO_STEP_QUORUM, now_us);
	f->job_id = 0;
	f->deadline_us = now_us + (uint64_t)f->in.quorum_timeout_ms * 1000;
	return (struct fo_cmd){ .type = FO_CMD_NONE };
}

static struct fo_cmd step_writable(struct failover *f, uint64_t now_us)
{
	return db_cmd(f, FO_STEP_WRITABLE, FO_LOCAL, DB_JOB_SET_WRITABLE, f->in.fence_timeout_ms, now_us);
}

static struct fo_cmd step_term(struct failover *f, uint64_t now_us)
{
	struct fo_cmd c = db_cmd(f, FO_STEP_TERM, FO_LOCAL, DB_JOB_TERM, f->in.fence_timeout_ms, now_us);
	c.job.term = f->in.term;
	snprintf(c.job.holder, sizeof(c.job.holder), "%s", f->in.holder);
	return c;
}

static struct fo_cmd claim(struct failover *f, uint64_t now_us)
{
	enter(f, FO_STEP_CLAIM, now_us);
	f->deadline_us = 0;
	return (struct fo_cmd){ .type = FO_CMD_CLAIM };
}

static struct fo_cmd step_catchup(struct failover *f, uint64_t now_us)
{
	return db_cmd(f, FO_STEP_CATCHUP, FO_LOCAL, DB_JOB_CATCHUP, f->in.catchup_timeout_ms, now_us);
}

/* After the fence: semi-sync off first when the peer is gone, then the catch-up. */
static struct fo_cmd step_after_fence(struct failover *f, uint64_t now_us)
{
	/* Only when the peer is gone: a live, fenced peer still acks and keeps acked writes safe. */
	if (f->in.manage_semisync && f->in.local_semisync_master && (f->peer_dead || !f->in.peer_up)) {
		struct fo_cmd c = db_cmd(f, FO_STEP_SEMISYNC_OFF, FO_LOCAL, DB_JOB_SEMISYNC, f->in.fence_timeout_ms,
					 now_us);
		c.job.on = false;
		return c;
	}
	return step_catchup(f, now_us);
}

bool fo_takeover_refused(const struct fo_input *in, char *why, size_t len)
{
	/* failover-safety "Refused is alive": an error is an answer; the server behind it may be
	 * writable, and a refused fence could not make it read-only. */
	if (in->peer_refusing) {
		snprintf(why, len, "peer server alive but refuses us: staying BACKUP (cannot check or fence it)");
		return true;
	}
	/* failover-safety "Peer liveness": a peer whose server answers and is writable is alive; with
	 * no advert heard from it, adverts are what is missing, not the master. */
	if (in->adverts_lost || !in->peer_up || !in->peer_writable)
		return false;
	snprintf(why, len, "adverts lost while peer writable: no advert heard, the peer's server answers "
		 "read_only=OFF; staying BACKUP (is VRRP, IP protocol 112, filtered?)");
	return true;
}

static struct fo_cmd takeover_result(struct failover *f, const struct db_result *r, uint64_t now_us);

static struct fo_cmd takeover_start(struct failover *f, uint64_t now_us)
{
	char why[sizeof(f->reason)];

	if (fo_takeover_refused(&f->in, why, sizeof(why))) {
		f->fail = FO_FAIL_REFUSED;
		return finish(f, now_us, false, why);
	}
	if (f->in.fence_peer && f->in.peer_up && f->in.prefence_done) {
		enter(f, FO_STEP_FENCE, now_us);
		f->job_target = FO_PEER;
		return takeover_result(f, &f->in.prefence_res, now_us);
	}
	if (f->in.fence_peer && f->in.peer_up && f->in.prefence_job_id) {
		/* Its windows count from when it was sent: they may have passed (fo_tick then). */
		enter(f, FO_STEP_FENCE, now_us);
		f->job_id = f->in.prefence_job_id;
		f->job_target = FO_PEER;
		f->job_deadline_us = f->in.prefence_sent_us + (uint64_t)f->in.fence_timeout_ms * 1000 + FO_MARGIN_US;
		f->answer_deadline_us = f->in.prefence_sent_us + (uint64_t)f->in.prefence_answer_ms * 1000;
		f->deadline_us = f->in.prefence_answer_ms > 0 && f->answer_deadline_us < f->job_deadline_us
					 ? f->answer_deadline_us : f->job_deadline_us;
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	}
	if (f->in.fence_peer && f->in.peer_up) {
		struct fo_cmd c = db_cmd(f, FO_STEP_FENCE, FO_PEER, DB_JOB_FENCE, f->in.fence_timeout_ms, now_us);
		/* First look soon: has the peer's server answered anything at all? */
		f->answer_deadline_us = now_us + (uint64_t)f->in.fence_answer_ms * 1000;
		if (f->in.fence_answer_ms > 0 && f->answer_deadline_us < f->job_deadline_us)
			f->deadline_us = f->answer_deadline_us;
		return c;
	}
	f->peer_dead = !f->in.peer_up;
	return step_after_fence(f, now_us);
}

static struct fo_cmd takeover_result(struct failover *f, const struct db_result *r, uint64_t now_us)
{
	char why[sizeof(f->reason)];

	switch (f->step) {
	case FO_STEP_FENCE:
		if (r->rc == 0) {
			f->fenced = true;
			if (f->in.adverts_lost && f->in.peer_writable)
				add_note(f, "%s", "adverts lost from a master whose server was writable: "
					 "fenced it (its daemon died, or VRRP is filtered)");
		} else if (!db_err_server_answered(r->err)) {
			/* Nobody answers for the old master: it cannot take writes either. */
			f->peer_dead = true;
			add_note(f, "peer server unreachable, not fenced: %s", r->error);
		} else {
			snprintf(why, sizeof(why), "peer server answers but could not be fenced: %s", r->error);
			return fail(f, FO_FAIL_PEER_ALIVE, why, now_us);
		}
		return step_after_fence(f, now_us);
	case FO_STEP_SEMISYNC_OFF:
		if (r->rc == 0)
			f->semisync_off = true;
		else
			add_note(f, "semi-sync master side still on: %s", r->error);
		return step_catchup(f, now_us);
	case FO_STEP_CATCHUP:
		if (r->rc != 0) {
			snprintf(why, sizeof(why), "cannot catch up: %s",
				 r->rc == -ETIMEDOUT ? "relay log not applied in time" : r->error);
			if (!f->in.promote_stale)
				return fail(f, FO_FAIL_CATCHUP, why, now_us);
			add_note(f, "%s (promote_stale)", why);
			f->stale = true;
		}
		return step_quorum(f, now_us);
	case FO_STEP_WRITABLE:
		if (r->rc != 0 || r->state.read_only != 0) {
			/* It may have half-worked (super_read_only off, read_only on): undo anyway. */
			f->writable = true;
			snprintf(why, sizeof(why), "read_only OFF failed: %s", r->rc ? r->error : "still read-only");
			return fail(f, FO_FAIL_WRITABLE, why, now_us);
		}
		f->writable = true;
		return step_term(f, now_us);
	case FO_STEP_TERM:
		/* Without the term a heal falls back to GTIDs and priority; the takeover itself is sound. */
		if (r->rc == 0)
			f->term_written = true;
		else
			add_note(f, "takeover term not written: %s", r->error);
		return claim(f, now_us);
	default:
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	}
}

/* --- step-down and switchover --- */

/* A switchover whose peer cannot take over: we are still the only writer candidate, so write-enable
 * and claim again; unless we are going away (fo_abort), which must leave the server read-only. */
static struct fo_cmd rollback(struct failover *f, uint64_t now_us)
{
	if (f->no_rollback)
		return finish(f, now_us, false, NULL);
	return db_cmd(f, FO_STEP_WRITABLE, FO_LOCAL, DB_JOB_SET_WRITABLE, f->in.fence_timeout_ms, now_us);
}

/* MariaDB: our own transactions only (server_id = ours), so the peer's MASTER_GTID_WAIT, which
 * looks at its gtid_slave_pos, never waits for a domain it never replicated. */
static char *switchover_target(const struct db_state *s)
{
	if (s->flavor == DB_FLAVOR_MYSQL)
		return s->gtid_executed ? strdup(s->gtid_executed) : NULL;
	struct gtid_mdb_pos pos = { 0 };
	char *out = NULL;
	if (gtid_mdb_parse(db_text(s->gtid_binlog_pos), &pos) == 0) {
		/* Ours are a subset of pos: each entry written no longer than in the text. */
		size_t room = strlen(db_text(s->gtid_binlog_pos)) + 1;
		int n = 0;
		for (int i = 0; i < pos.n; i++)
			if ((long)pos.d[i].server_id == s->server_id)
				pos.d[n++] = pos.d[i];
		pos.n = n;
		if ((out = malloc(room)) && gtid_mdb_wait_target(&pos, &pos, out, room) < 0) {
			free(out);
			out = NULL;
		}
	}
	gtid_mdb_free(&pos);
	return out;
}

static struct fo_cmd stepdown_result(struct failover *f, const struct db_result *r, uint64_t now_us)
{
	char why[sizeof(f->reason)];

	if (f->step == FO_STEP_READONLY) {
		if (r->rc != 0 && db_err_server_answered(r->err)) {
			snprintf(why, sizeof(why), "read_only ON failed: %s", r->error);
			f->fail = FO_FAIL_READONLY;
			return finish(f, now_us, false, why);
		}
		if (r->rc != 0)
			add_note(f, "local server unreachable, read_only not set: %s", r->error);
		f->writable = false;
		if (f->kind != FO_KIND_SWITCHOVER)
			return finish(f, now_us, true, "stepped down");
		struct fo_cmd c = db_cmd(f, FO_STEP_PEER_CATCHUP, FO_PEER, DB_JOB_GTID_WAIT, f->in.catchup_timeout_ms,
					 now_us);
		free(f->target);
		f->target = r->rc == 0 ? switchover_target(&r->state) : NULL;
		c.job.gtid = f->target;
		if (!f->target) {
			snprintf(f->reason, sizeof(f->reason), "cannot read our GTID position");
			f->fail = FO_FAIL_PEER_BEHIND;
			f->aborting = true;
			return rollback(f, now_us);
		}
		return c;
	}
	if (f->step == FO_STEP_PEER_CATCHUP) {
		if (r->rc == 0)
			return finish(f, now_us, true, "peer has applied every transaction");
		snprintf(why, sizeof(why), "peer did not catch up: %s",
			 r->rc == -ETIMEDOUT ? "timeout" : r->error);
		snprintf(f->reason, sizeof(f->reason), "%s", why);
		f->fail = FO_FAIL_PEER_BEHIND;
		f->aborting = true;
		/* Roll back: we are still the only writer candidate. */
		return rollback(f, now_us);
	}
	if (f->step == FO_STEP_WRITABLE) { /* switchover rollback */
		if (r->rc != 0 || r->state.read_only != 0) {
			f->fail = FO_FAIL_WRITABLE;
			return finish(f, now_us, false, NULL);
		}
		f->writable = true;
		return claim(f, now_us);
	}
	return (struct fo_cmd){ .type = FO_CMD_NONE };
}

/* --- entry points --- */

void fo_free(struct failover *f)
{
	free(f->target);
	f->target = NULL;
}

struct fo_cmd fo_start(struct failover *f, enum fo_kind kind, const struct fo_input *in, uint64_t first_job_id,
		       uint64_t now_us)
{
	fo_free(f);
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->in = *in;
	f->started_us = now_us;
	f->step_since_us = now_us;
	f->next_job_id = first_job_id;
	if (kind == FO_KIND_TAKEOVER)
		return takeover_start(f, now_us);
	/* Step-down and switchover both start by letting go of the VIP. */
	f->claimed = true;
	f->writable = true;
	enter(f, FO_STEP_DROP_VIP, now_us);
	return (struct fo_cmd){ .type = FO_CMD_DROP_VIP };
}

struct fo_cmd fo_db_result(struct failover *f, const struct db_result *r, uint64_t now_us)
{
	if (!fo_active(f) || r->id != f->job_id)
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	f->job_id = 0;
	f->deadline_us = 0;
	if (f->aborting) {
		/* Undo path: only READONLY (the last undo step) or a switchover rollback is outstanding. */
		if (f->step == FO_STEP_READONLY) {
			f->writable = false;
			if (r->rc != 0 && r->state.reachable)
				add_note(f, "undo: read_only ON failed: %s", r->error);
			return finish(f, now_us, false, NULL);
		}
		return stepdown_result(f, r, now_us);
	}
	if (f->kind == FO_KIND_TAKEOVER)
		return takeover_result(f, r, now_us);
	return stepdown_result(f, r, now_us);
}

struct fo_cmd fo_claim_result(struct failover *f, int rc, uint64_t now_us)
{
	if (!fo_active(f) || f->step != FO_STEP_CLAIM)
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	if (rc == 0) {
		f->claimed = true;
		if (f->kind == FO_KIND_SWITCHOVER) /* rolled back: master again */
			return finish(f, now_us, false, NULL);
		return finish(f, now_us, true, f->note[0] ? f->note : "took over");
	}
	f->claimed = true; /* some VIPs may be on: remove them all */
	return fail(f, FO_FAIL_CLAIM, "claiming the VIP failed", now_us);
}

struct fo_cmd fo_vip_result(struct failover *f, int rc, uint64_t now_us)
{
	if (!fo_active(f) || f->step != FO_STEP_DROP_VIP)
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	if (rc != 0)
		add_note(f, "%s", "removing the VIP failed");
	f->claimed = false;
	if (f->aborting)
		return undo(f, now_us);
	/* Step-down/switchover: read_only next, even if a VIP could not be removed. */
	return readonly_cmd(f, now_us);
}

static struct fo_cmd timeout(struct failover *f, uint64_t now_us)
{
	char why[sizeof(f->reason)];

	f->job_id = 0;
	f->deadline_us = 0;
	switch (f->step) {
	case FO_STEP_FENCE:
		/* No answer at all within the bound (a lock wait would have returned an error, the job
		 * sets a short lock_wait_timeout): the old master is hung and takes no writes. Carry
		 * on; its own daemon steps it down if it comes back, and it holds no VIP then. */
		f->peer_dead = true;
		add_note(f, "%s", "peer server did not answer the fence");
		return step_after_fence(f, now_us);
	case FO_STEP_CATCHUP:
		if (f->in.promote_stale) {
			add_note(f, "%s", "catch-up timed out (promote_stale)");
			f->stale = true;
			return step_quorum(f, now_us);
		}
		return fail(f, FO_FAIL_CATCHUP, "cannot catch up: relay log not applied in time", now_us);
	case FO_STEP_SEMISYNC_OFF:
		add_note(f, "%s", "semi-sync off timed out");
		return step_catchup(f, now_us);
	case FO_STEP_QUORUM:
		return fail(f, FO_FAIL_NO_QUORUM,
			    "no majority: the peer was neither fenced nor resigned and the witness granted no lease "
			    "(it is held by the old master, or the witness does not answer)", now_us);
	case FO_STEP_WRITABLE:
		f->writable = true; /* it may have taken effect: undo */
		if (f->kind == FO_KIND_SWITCHOVER && f->aborting) {
			f->fail = FO_FAIL_WRITABLE;
			return finish(f, now_us, false, NULL);
		}
		return fail(f, FO_FAIL_WRITABLE, "read_only OFF timed out", now_us);
	case FO_STEP_TERM:
		add_note(f, "%s", "takeover term not written: timed out");
		return claim(f, now_us);
	case FO_STEP_READONLY:
		if (f->aborting) {
			add_note(f, "%s", "undo: read_only ON timed out");
			return finish(f, now_us, false, NULL);
		}
		f->fail = FO_FAIL_READONLY;
		return finish(f, now_us, false, "read_only ON timed out");
	case FO_STEP_PEER_CATCHUP:
		snprintf(why, sizeof(why), "peer did not catch up: timeout");
		snprintf(f->reason, sizeof(f->reason), "%s", why);
		f->fail = FO_FAIL_PEER_BEHIND;
		f->aborting = true;
		return rollback(f, now_us);
	default:
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	}
}

struct fo_cmd fo_quorum(struct failover *f, int64_t term, uint64_t now_us)
{
	if (!fo_wants_quorum(f))
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	f->quorum_lease = true;
	/* The lease's term is the fencing token: the takeover term is at least it. */
	if (term > f->in.term)
		f->in.term = term;
	return step_writable(f, now_us);
}

bool fo_wants_quorum(const struct failover *f)
{
	return fo_active(f) && f->kind == FO_KIND_TAKEOVER && f->step == FO_STEP_QUORUM && !f->aborting;
}

struct fo_cmd fo_tick(struct failover *f, uint64_t now_us, bool job_answered)
{
	/* QUORUM runs no job: its deadline is the wait's bound. */
	if (fo_wants_quorum(f) && f->deadline_us && now_us >= f->deadline_us)
		return timeout(f, now_us);
	if (!fo_active(f) || f->job_id == 0 || f->deadline_us == 0 || now_us < f->deadline_us)
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	/* A peer that answers is alive, perhaps slow (a lock wait): its fence gets the full bound. */
	if (f->step == FO_STEP_FENCE && now_us < f->job_deadline_us && job_answered) {
		f->deadline_us = f->job_deadline_us;
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	}
	enum fo_target running = f->job_target;
	struct fo_cmd c = timeout(f, now_us);
	c.cancel = true;
	c.cancel_target = running;
	return c;
}

struct fo_cmd fo_abort(struct failover *f, const char *why, uint64_t now_us)
{
	/* A switchover runs on (it is stepping down), but never rolls back into a writer. */
	if (fo_active(f) && f->kind == FO_KIND_SWITCHOVER) {
		f->no_rollback = true;
		if (!f->aborting)
			return (struct fo_cmd){ .type = FO_CMD_NONE };
		/* Already rolling back: the write-enable in flight may have landed; undo it. */
		if (f->step == FO_STEP_WRITABLE || f->step == FO_STEP_CLAIM) {
			f->writable = true;
			f->claimed = f->step == FO_STEP_CLAIM;
			bool was_running = f->job_id != 0;
			f->job_id = 0;
			struct fo_cmd c = undo(f, now_us);
			c.cancel = was_running;
			c.cancel_target = FO_LOCAL;
			return c;
		}
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	}
	if (!fo_active(f) || f->aborting || f->kind != FO_KIND_TAKEOVER)
		return (struct fo_cmd){ .type = FO_CMD_NONE };
	snprintf(f->reason, sizeof(f->reason), "aborted: %s", why);
	f->aborting = true;
	f->fail = FO_FAIL_ABORTED;
	/* A write-enable in flight may already have taken effect. */
	if (f->job_id != 0 && f->step == FO_STEP_WRITABLE)
		f->writable = true;
	bool was_running = f->job_id != 0;
	enum fo_target running = f->job_target;
	f->job_id = 0;
	f->deadline_us = 0;
	struct fo_cmd c = undo(f, now_us);
	c.cancel = was_running;
	c.cancel_target = running;
	return c;
}
