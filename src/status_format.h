/* Pure formatting of struct dm_status: JSON, 80-column text, the STATUS= line, Prometheus text. */
#ifndef DM_STATUS_FORMAT_H
#define DM_STATUS_FORMAT_H

#include <stddef.h>

#include "status.h"

/* Each writes a NUL-terminated string and returns its length, or -1 when buf is too small (buf
 * then holds a truncated string). None prints a password (the struct holds none). Strings from
 * servers (errors, GTID sets) may hold anything: JSON escapes them, the text forms replace control
 * characters by spaces. JSON: "" and unknown values are null (alert, takeover_step, master,
 * error, lag_s when Seconds_Behind_Master is NULL or no replication is configured, -1 semisync
 * variables); units are in key names (in_state_ms, latency_ms, lag_s). */
int status_json(const struct dm_status *s, char *buf, size_t len);        /* one line, no newline */
/* The JSON status's version: raised when a field changes meaning or goes away (adding one does
 * not); documented in dualmasterctl(8). */
#define STATUS_JSON_SCHEMA 1

int status_text(const struct dm_status *s, char *buf, size_t len);        /* lines <= 80 columns */
/* Both nodes in one table as this node sees them, then what needs attention; lines <= 80 columns. */
int status_table(const struct dm_status *s, char *buf, size_t len);
/* "MASTER prio 150 | local ok ro=OFF | peer ok io=Yes sql=Yes lag=0s | vip 192.0.2.50 held" */
int status_line(const struct dm_status *s, char *buf, size_t len);
int status_prometheus(const struct dm_status *s, char *buf, size_t len);

/* Escapes s as a JSON string body (no quotes) into buf; returns length or -1. */
int json_escape(const char *s, char *buf, size_t len);

#endif
