/* Copying and releasing server pictures (struct db_state), which own their GTID texts. */
#include "db_state.h"

#include <stdlib.h>
#include <string.h>

static char *dup(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

void db_repl_free(struct repl_status *r)
{
	free(r->gtid_io_pos);
	free(r->executed_gtid_set);
	r->gtid_io_pos = r->executed_gtid_set = NULL;
}

void db_state_free(struct db_state *st)
{
	db_repl_free(&st->repl);
	free(st->gtid_binlog_pos);
	free(st->gtid_current_pos);
	free(st->gtid_slave_pos);
	free(st->gtid_executed);
	st->gtid_binlog_pos = st->gtid_current_pos = st->gtid_slave_pos = st->gtid_executed = NULL;
}

void db_state_copy(struct db_state *dst, const struct db_state *src)
{
	if (dst == src)
		return;
	db_state_free(dst);
	memcpy(dst, src, sizeof(*dst));
	dst->repl.gtid_io_pos = dup(src->repl.gtid_io_pos);
	dst->repl.executed_gtid_set = dup(src->repl.executed_gtid_set);
	dst->gtid_binlog_pos = dup(src->gtid_binlog_pos);
	dst->gtid_current_pos = dup(src->gtid_current_pos);
	dst->gtid_slave_pos = dup(src->gtid_slave_pos);
	dst->gtid_executed = dup(src->gtid_executed);
}
