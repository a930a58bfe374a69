/* Two masters meeting again: the takeover term decides, GTID sets are reported (pure). */
#include "heal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtid.h"

void heal_report_clear(struct heal_report *rep)
{
	free(rep->only_local_set);
	free(rep->only_peer_set);
	memset(rep, 0, sizeof(*rep));
}

/* Fills only_local/only_peer (counts and sets); -1 counts when a set does not parse. */
static void compare_gtids(const struct db_state *l, const struct db_state *p, struct heal_report *rep)
{
	const char *la = db_text(l->flavor == DB_FLAVOR_MYSQL ? l->gtid_executed : l->gtid_binlog_pos);
	const char *pa = db_text(l->flavor == DB_FLAVOR_MYSQL ? p->gtid_executed : p->gtid_binlog_pos);
	size_t room = gtid_only_in_room(la, pa) + gtid_only_in_room(pa, la);

	rep->only_local = rep->only_peer = -1;
	rep->only_local_set = calloc(1, room);
	rep->only_peer_set = calloc(1, room);
	if (!rep->only_local_set || !rep->only_peer_set)
		return;
	if (l->flavor == DB_FLAVOR_MYSQL) {
		struct gtid_mysql_set a = { 0 }, b = { 0 };
		if (gtid_mysql_parse(la, &a) == 0 && gtid_mysql_parse(pa, &b) == 0) {
			rep->only_local = gtid_mysql_only_in(&a, &b, rep->only_local_set, room);
			rep->only_peer = gtid_mysql_only_in(&b, &a, rep->only_peer_set, room);
		}
		gtid_mysql_free(&a);
		gtid_mysql_free(&b);
	} else {
		struct gtid_mdb_pos a = { 0 }, b = { 0 };
		if (gtid_mdb_parse(la, &a) == 0 && gtid_mdb_parse(pa, &b) == 0) {
			rep->only_local = gtid_mdb_only_in(&a, &b, rep->only_local_set, room);
			rep->only_peer = gtid_mdb_only_in(&b, &a, rep->only_peer_set, room);
		}
		gtid_mdb_free(&a);
		gtid_mdb_free(&b);
	}
}

/* Its commits could have been acknowledged without the other side: semi-sync was not holding them
 * (master side off, or fallen back to asynchronous after rpl_semi_sync_master_timeout). */
static bool acked_alone(const struct db_state *s)
{
	return s->semisync.master_enabled != 1 || s->semisync.master_status != 1;
}

/* The latest takeover by term: +1 ours, -1 the peer's, 0 no term decides. */
static int by_term(const struct heal_input *in)
{
	const struct db_term *l = &in->local->term, *p = &in->peer->term;
	const struct db_term *best;

	if (!l->known || !p->known)
		return 0;
	if (l->term != p->term)
		best = l->term > p->term ? l : p;
	else if (strcmp(l->holder, p->holder) == 0)
		best = l; /* the row replicated before the split: its holder took over last */
	else
		return 0;   /* two takeovers from one term: a tie only priority can break */
	return strcmp(best->holder, in->me) == 0 ? 1 : -1;
}

enum heal_verdict heal_decide(const struct heal_input *in, struct heal_report *rep)
{
	heal_report_clear(rep);
	if (!in->local_fresh || !in->peer_fresh) {
		if (in->now_us - in->since_us < in->bound_us)
			return HEAL_WAIT;
		rep->made = true;
		rep->local_term = rep->peer_term = rep->only_local = rep->only_peer = -1;
		snprintf(rep->why, sizeof(rep->why), "both servers not read within %llu ms of the meeting: "
			 "VRRP priority decides", (unsigned long long)(in->bound_us / 1000));
		return HEAL_RFC;
	}
	rep->made = true;
	rep->local_term = in->local->term.known ? in->local->term.term : -1;
	rep->peer_term = in->peer->term.known ? in->peer->term.term : -1;
	compare_gtids(in->local, in->peer, rep);

	enum heal_verdict v;
	int t = by_term(in);
	if (t != 0) {
		v = t > 0 ? HEAL_KEEP : HEAL_YIELD;
		snprintf(rep->why, sizeof(rep->why), "%s took over last (term %lld, the other %lld)",
			 t > 0 ? "this node" : "the other master",
			 (long long)(t > 0 ? rep->local_term : rep->peer_term),
			 (long long)(t > 0 ? rep->peer_term : rep->local_term));
	} else if (rep->only_local > 0 && rep->only_peer <= 0) {
		v = HEAL_KEEP;
		snprintf(rep->why, sizeof(rep->why), "no takeover term decides; only this server holds "
			 "transactions the other lacks");
	} else if (rep->only_peer > 0 && rep->only_local <= 0) {
		v = HEAL_YIELD;
		snprintf(rep->why, sizeof(rep->why), "no takeover term decides; only the other server holds "
			 "transactions this one lacks");
	} else {
		v = HEAL_RFC;
		snprintf(rep->why, sizeof(rep->why), "no takeover term decides and %s: VRRP priority decides",
			 rep->only_local > 0 ? "both sides hold transactions the other lacks"
					     : "neither side holds transactions the other lacks");
	}
	/* Freeze when the side that steps down may have acknowledged what the keeper lacks. Without a
	 * verdict (RFC), either side may step down: freeze when both hold such writes. */
	if (v == HEAL_YIELD)
		rep->freeze = rep->only_local > 0 && acked_alone(in->local);
	else if (v == HEAL_KEEP)
		rep->freeze = rep->only_peer > 0 && acked_alone(in->peer);
	else
		rep->freeze = rep->only_local > 0 && rep->only_peer > 0;
	return v;
}
