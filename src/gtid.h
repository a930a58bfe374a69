/* Pure GTID arithmetic for MariaDB (domain-server-seq lists) and MySQL (uuid:interval sets). */
#ifndef DM_GTID_H
#define DM_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* MariaDB position: last seq per domain ("0-1-100,1-2-7"), sorted by domain. Heap-allocated: as
 * many domains as the text holds. */
struct gtid_mdb_entry {
	uint32_t domain;
	uint32_t server_id;
	uint64_t seq;
};
struct gtid_mdb_pos {
	int n, cap;
	struct gtid_mdb_entry *d;
};

/* MySQL set: per source UUID, sorted disjoint closed intervals; every count is the text's own. */
struct gtid_interval {
	uint64_t lo, hi;
};
/* A transaction's source: "uuid", or "uuid:tag" for MySQL 8.3+ tagged GTIDs (a tag is its own
 * sequence of numbers: uuid:tag:5 and uuid:5 are different transactions). */
#define GTID_MYSQL_TAG_MAX 32
struct gtid_mysql_uuid {
	char uuid[37 + 1 + GTID_MYSQL_TAG_MAX];
	int nint, cap;
	struct gtid_interval *iv;
};
struct gtid_mysql_set {
	int n, cap;
	struct gtid_mysql_uuid *u;
};

/* Both parsers accept "" (empty) and tolerate spaces/newlines after commas (MySQL sends ",\n").
 * Sets of any length. out must be zeroed or hold an earlier parse, whose memory is released first;
 * after the call it may own memory: release it with gtid_*_free.
 * Return 0, or -1 on malformed text or when memory runs out (out->n is then 0).
 * MariaDB: domain and server_id 32-bit, seq 64-bit; a domain listed twice is malformed; entries are
 * kept sorted by domain. MySQL: UUIDs 8-4-4-4-12 hex in any case, stored lower case and sorted;
 * numbers 1..2^63-1; a UUID listed twice is merged; intervals merged when they overlap or touch;
 * tagged GTIDs (MySQL 8.3+: "uuid:1-5:tag:1-3", a tag [A-Za-z_][A-Za-z0-9_]{0,31}, stored lower
 * case as MySQL normalises it) are kept per uuid:tag. Neither checks the
 * server's GTID mode or that the text came from a server of that flavour. */
int gtid_mdb_parse(const char *s, struct gtid_mdb_pos *out);
int gtid_mysql_parse(const char *s, struct gtid_mysql_set *out);
void gtid_mdb_free(struct gtid_mdb_pos *p);
void gtid_mysql_free(struct gtid_mysql_set *s);

/* Transactions in a but not in b, written in the server's own form into buf:
 * MariaDB "domain-server-from..to" ranges ("0-1-101..105", always with "..", lo == 1 when b lacks
 * the domain), MySQL "uuid:lo-hi" sets ("uuid:5" for a single one, as the server writes it);
 * elements joined by "," without newlines, "" when nothing is missing.
 * Returns the number of transactions (saturating at INT64_MAX), 0 when a is contained in b;
 * -1 when buf is too small (or NULL/len 0). gtid_only_in_room() is always enough. For MariaDB, where a and b name a different server_id at
 * the same domain+seq the transactions differ: both count as only-on-a (reported with a's server_id),
 * counted as the one transaction known to differ. A larger seq from another server_id at a domain
 * is not seen as divergence (seq-only, as MariaDB itself compares). */
int64_t gtid_mdb_only_in(const struct gtid_mdb_pos *a, const struct gtid_mdb_pos *b, char *buf, size_t len);
int64_t gtid_mysql_only_in(const struct gtid_mysql_set *a, const struct gtid_mysql_set *b, char *buf, size_t len);
/* Bytes that "only in a" of two sets written as text_a and text_b never exceeds: the result never
 * has more elements than both together, each no longer than its input form plus a range's digits. */
size_t gtid_only_in_room(const char *text_a, const char *text_b);

/* MariaDB catch-up target for MASTER_GTID_WAIT: io_pos (Gtid_IO_Pos) restricted to the domains present in
 * slave_pos (a domain absent there would block until timeout). Writes "d-s-n,..." into buf; returns
 * the number of domains written (0: nothing to wait for) or -1 when buf is too small. */
int gtid_mdb_wait_target(const struct gtid_mdb_pos *io_pos, const struct gtid_mdb_pos *slave_pos, char *buf,
			 size_t len);

#endif
