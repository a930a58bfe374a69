/* Pure mapping of SHOW REPLICA STATUS / SHOW SLAVE STATUS rows (MariaDB and MySQL names) to one struct. */
#ifndef DM_REPL_STATUS_H
#define DM_REPL_STATUS_H

#include <stddef.h>

#include "db_state.h"

/* names/values: one result row, column names as the server sent them (matched case-insensitively,
 * both vocabularies: Slave_IO_Running or Replica_IO_Running, ...); values[i] NULL = SQL NULL.
 * Fills *out (configured = true). Unknown columns are ignored; missing ones keep zero values
 * (lag -1). The GTID texts are heap copies (db_repl_free); *out's old ones are not freed.
 * Returns 0, or -1 when neither IO nor SQL running columns exist. */
int repl_status_from_row(const char *const *names, const char *const *values, int ncols,
			 struct repl_status *out);

/* Parses "Yes"/"No"/"Connecting"/"Preparing" (case-insensitive; MariaDB's "Preparing" is a connect
 * phase: REPL_IO_CONNECTING); NULL or anything else is REPL_IO_NO. */
enum repl_io repl_io_parse(const char *s);
const char *repl_io_name(enum repl_io io);

/* Index of the column called name (case-insensitive) in names[0..ncols), or -1. */
int repl_col_index(const char *const *names, int ncols, const char *name);

/* A heap copy of a GTID list/set, whole, without the newlines MySQL puts after each comma; NULL
 * for NULL or "" (and when memory runs out). The caller frees it. */
char *repl_gtid_dup(const char *src);
/* Same, into a buffer the caller owns (len > 0): -1 and a prefix ending in "..." when it does not
 * fit (no parser accepts that, so a cut set is never taken for a smaller one). */
int repl_gtid_copy(char *dst, size_t len, const char *src);

/* Server variables as text: "1"/"ON"/"0"/"OFF"/MariaDB 12's "NO_LOCK"... -> 1 or 0; NULL -> -1.
 * Case-insensitive; "OFF"/"NO"/"FALSE" and numbers equal to 0 give 0, "" gives -1, any other word 1
 * (MariaDB 12 read_only values other than OFF all restrict writes). */
int repl_bool_parse(const char *s);

#endif
