/* MySQL/MariaDB I/O through Connector/C on a worker thread per connection, so the loop never blocks. */
#ifndef DM_MYSQL_PROBE_H
#define DM_MYSQL_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "db_job.h"
#include "db_state.h"

/* One worker = one thread + one connection (reused; reconnected after an error; MYSQL_OPT_RECONNECT
 * off, session settings re-applied). A daemon has four: probe and command workers for the local
 * and the peer server, so a long command (catch-up wait) never delays probes and a hung probe
 * never delays a fence. */
struct db_worker;

/* timeout_ms bounds connect, read and write (Connector/C takes whole seconds: rounded up); the server
 * is also asked to end any statement 250 ms before that (MariaDB max_statement_time, MySQL
 * max_execution_time) and to wait at most 1-2 s for locks. Waits longer than that (CATCHUP,
 * GTID_WAIT) run in slices. Copies m (password included; wiped on free). name is for logs ("local",
 * "peer"). Does not connect yet. Returns NULL on allocation, eventfd or thread creation failure. */
struct db_worker *db_worker_new(const char *name, const struct conf_mysql *m, int timeout_ms);
/* Which replication connection/channel PROBE and CATCHUP follow when the server has several: the row
 * whose Master_Host/Source_Host is host (and port, unless 0). Default (host NULL or ""): the unnamed
 * connection, else the first row. Call before submitting jobs (not synchronised with a running one). */
void db_worker_set_repl_source(struct db_worker *w, const char *host, unsigned port);
/* Readable (eventfd) when a result is ready; the loop then calls db_worker_collect. */
int db_worker_fd(const struct db_worker *w);
/* Queues job; -EBUSY while the previous job has not been collected (one in flight). */
int db_worker_submit(struct db_worker *w, const struct db_job *job);
bool db_worker_busy(const struct db_worker *w);
/* Takes the finished result: 0, or -EAGAIN when none is ready. */
int db_worker_collect(struct db_worker *w, struct db_result *out);
/* Counts the server's answers (completed connects and statements) on this worker, from any thread.
 * A job during which it does not move has heard nothing from the server: the fence uses that to
 * tell an unreachable peer (give up soon) from a slow one (wait the full bound). */
uint64_t db_worker_answers(const struct db_worker *w);
/* Asks a running job to stop early (closes its socket); the result still arrives. */
void db_worker_cancel(struct db_worker *w);
/* Stops the thread (cancelling any job) and frees. mysql_library_end() stays the program's, at exit. */
void db_worker_free(struct db_worker *w);


#endif
