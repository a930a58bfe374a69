/* Pure mapping of SHOW REPLICA STATUS / SHOW SLAVE STATUS rows (MariaDB and MySQL names) to one struct. */
#ifndef DM_REPL_STATUS_H
#define DM_REPL_STATUS_H

#include "db_state.h"

/* names/values: one result row, column names as the server sent them (matched case-insensitively,
 * both vocabularies: Slave_IO_Running or Replica_IO_Running, ...); values[i] NULL = SQL NULL.
 * Fills *out (configured = true). Unknown columns are ignored; missing ones keep zero values
 * (lag -1). Returns 0, or -1 when neither IO nor SQL running columns exist. */
int repl_status_from_row(const char *const *names, const char *const *values, int ncols,
			 struct repl_status *out);

/* Parses "Yes"/"No"/"Connecting"/"Preparing"; anything else is REPL_IO_NO. */
enum repl_io repl_io_parse(const char *s);
const char *repl_io_name(enum repl_io io);

/* Server variables as text: "1"/"ON"/"0"/"OFF"/MariaDB 12's "NO_LOCK"... -> 1 or 0; NULL -> -1. */
int repl_bool_parse(const char *s);

#endif
