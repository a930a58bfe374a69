/* Pure mapping of one SHOW REPLICA/SLAVE STATUS row, whichever vocabulary the server used. */
#include "repl_status.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum col_kind { COL_IO, COL_SQL, COL_LAG, COL_INT, COL_U64, COL_UINT, COL_STR, COL_GTID };

/* MariaDB keeps Slave_ and Master_ names whatever keyword was used; MySQL 8.0.22+ sends the new
 * names with SHOW REPLICA STATUS and the old ones with SHOW SLAVE STATUS (notes §1). */
static const struct col {
	const char *name[2];
	enum col_kind kind;
	size_t off;
	size_t size;
} cols[] = {
#define F(field) offsetof(struct repl_status, field), sizeof(((struct repl_status *)0)->field)
	{ { "Slave_IO_Running", "Replica_IO_Running" }, COL_IO, F(io) },
	{ { "Slave_SQL_Running", "Replica_SQL_Running" }, COL_SQL, F(sql_running) },
	{ { "Seconds_Behind_Master", "Seconds_Behind_Source" }, COL_LAG, F(lag_s) },
	{ { "Last_IO_Errno", NULL }, COL_INT, F(last_io_errno) },
	{ { "Last_IO_Error", NULL }, COL_STR, F(last_io_error) },
	{ { "Last_SQL_Errno", NULL }, COL_INT, F(last_sql_errno) },
	{ { "Last_SQL_Error", NULL }, COL_STR, F(last_sql_error) },
	{ { "Master_Host", "Source_Host" }, COL_STR, F(master_host) },
	{ { "Master_Port", "Source_Port" }, COL_UINT, F(master_port) },
	{ { "Master_Log_File", "Source_Log_File" }, COL_STR, F(master_log_file) },
	{ { "Read_Master_Log_Pos", "Read_Source_Log_Pos" }, COL_U64, F(read_pos) },
	{ { "Relay_Master_Log_File", "Relay_Source_Log_File" }, COL_STR, F(relay_master_log_file) },
	{ { "Exec_Master_Log_Pos", "Exec_Source_Log_Pos" }, COL_U64, F(exec_pos) },
	{ { "Relay_Log_Space", NULL }, COL_U64, F(relay_log_space) },
	{ { "Using_Gtid", NULL }, COL_STR, F(using_gtid) },
	{ { "Gtid_IO_Pos", "Retrieved_Gtid_Set" }, COL_GTID, F(gtid_io_pos) },
	{ { "Executed_Gtid_Set", NULL }, COL_GTID, F(executed_gtid_set) },
#undef F
};

int repl_col_index(const char *const *names, int ncols, const char *name)
{
	for (int i = 0; i < ncols; i++)
		if (names[i] && strcasecmp(names[i], name) == 0)
			return i;
	return -1;
}

enum repl_io repl_io_parse(const char *s)
{
	if (!s)
		return REPL_IO_NO;
	if (strcasecmp(s, "Yes") == 0)
		return REPL_IO_YES;
	if (strcasecmp(s, "Connecting") == 0 || strcasecmp(s, "Preparing") == 0)
		return REPL_IO_CONNECTING;
	return REPL_IO_NO;
}

const char *repl_io_name(enum repl_io io)
{
	static const char *const names[] = {
		[REPL_IO_NONE] = "none",
		[REPL_IO_NO] = "No",
		[REPL_IO_CONNECTING] = "Connecting",
		[REPL_IO_YES] = "Yes",
	};
	if ((unsigned)io >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[io];
}

char *repl_gtid_dup(const char *src)
{
	size_t len = src ? strlen(src) + 1 : 1;
	char *dst = len > 1 ? malloc(len) : NULL;

	if (dst)
		repl_gtid_copy(dst, len, src);
	return dst;
}

int repl_gtid_copy(char *dst, size_t len, const char *src)
{
	size_t o = 0;

	if (len == 0)
		return -1;
	for (; src && *src; src++) {
		if (*src == '\n' || *src == '\r')
			continue;
		if (o + 1 >= len) {
			/* Room for "..." and the terminator: len >= 4 for every caller's buffer. */
			o = len >= 4 ? len - 4 : 0;
			snprintf(dst + o, len - o, "%s", "...");
			return -1;
		}
		dst[o++] = *src;
	}
	dst[o] = '\0';
	return 0;
}

/* Whole-string decimal; -1 when empty, signed or trailing garbage. */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

static void set_col(struct repl_status *out, const struct col *c, const char *v)
{
	char *p = (char *)out + c->off;
	uint64_t n;

	switch (c->kind) {
	case COL_IO:
		out->io = repl_io_parse(v);
		break;
	case COL_SQL:
		out->sql_running = v && strcasecmp(v, "Yes") == 0;
		break;
	case COL_LAG:
		/* NULL means unknown, never "in sync" (notes §0.1): keep -1. */
		out->lag_s = parse_u64(v, &n) == 0 && n <= INT64_MAX ? (int64_t)n : -1;
		break;
	case COL_INT:
		*(int *)(void *)p = parse_u64(v, &n) == 0 && n <= INT32_MAX ? (int)n : 0;
		break;
	case COL_UINT:
		*(unsigned *)(void *)p = parse_u64(v, &n) == 0 && n <= UINT32_MAX ? (unsigned)n : 0;
		break;
	case COL_U64:
		*(uint64_t *)(void *)p = parse_u64(v, &n) == 0 ? n : 0;
		break;
	case COL_STR:
		snprintf(p, c->size, "%s", v ? v : "");
		break;
	case COL_GTID:
		*(char **)(void *)p = repl_gtid_dup(v);
		break;
	}
}

int repl_status_from_row(const char *const *names, const char *const *values, int ncols,
			 struct repl_status *out)
{
	bool found_running = false;

	memset(out, 0, sizeof(*out));
	out->lag_s = -1;
	for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
		const struct col *c = &cols[k];
		int i = repl_col_index(names, ncols, c->name[0]);

		if (i < 0 && c->name[1])
			i = repl_col_index(names, ncols, c->name[1]);
		if (i < 0)
			continue;
		if (c->kind == COL_IO || c->kind == COL_SQL)
			found_running = true;
		set_col(out, c, values[i]);
	}
	if (!found_running) {
		db_repl_free(out);
		memset(out, 0, sizeof(*out));
		out->lag_s = -1;
		return -1;
	}
	out->configured = true;
	return 0;
}

int repl_bool_parse(const char *s)
{
	static const char *const off[] = { "OFF", "NO", "FALSE" };
	uint64_t n;

	if (!s || !*s)
		return -1;
	if (parse_u64(s, &n) == 0)
		return n != 0;
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		if (strcasecmp(s, off[i]) == 0)
			return 0;
	return 1;
}
