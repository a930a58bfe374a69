/* Bounded string building shared by the status formatters (internal to status_format*.c). */
#ifndef DM_STATUS_BUF_H
#define DM_STATUS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db_state.h"

/* Appends into a caller's buffer; once something does not fit, every later append is a no-op and
 * status_buf_end() reports -1, so formatters check only once at the end. */
struct status_buf {
	char *p;
	size_t len;
	size_t n;
	bool full;
};

void status_buf_init(struct status_buf *b, char *buf, size_t len);
/* Length written (buffer NUL-terminated), or -1 when something did not fit. */
int status_buf_end(const struct status_buf *b);
void status_buf_mem(struct status_buf *b, const char *s, size_t n);
void status_buf_puts(struct status_buf *b, const char *s);
void status_buf_printf(struct status_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string body: quotes, backslash and control characters escaped, valid UTF-8 passed
 * through, each byte of an invalid sequence replaced by \ufffd so the output is always valid JSON. */
void status_buf_json_escape(struct status_buf *b, const char *s);
/* At most n bytes of s, control characters (newline, tab, ...) turned into spaces and trailing blanks
 * dropped: for one-line and column output. */
void status_buf_flat(struct status_buf *b, const char *s, size_t n);
/* Length of the valid UTF-8 sequence at s (1..4), 0 when s does not start one. */
size_t status_utf8_len(const unsigned char *s);

/* Name of an enum vrrp_pkt_err value for labels and JSON keys ("checksum", "ttl", ...). */
const char *status_reject_name(int reason);
/* Slave_IO_Running vocabulary: "Yes", "No", "Connecting", "None" (no replication configured). */
const char *status_io_word(enum repl_io io);
/* when_s as "2024-05-01T12:00:00Z" (UTC); out needs 21 bytes. */
void status_iso_time(int64_t when_s, char *out, size_t len);

#endif
