/* Pure GTID arithmetic: parse MariaDB positions and MySQL sets, subtract them, pick catch-up targets. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gtid.h"

/* MySQL numbers transactions 1..2^63-1 (GNO_END); capping there keeps hi + 1 from wrapping. */
#define MYSQL_GNO_MAX ((uint64_t)INT64_MAX)

/* MySQL writes ",\n" between UUIDs; people paste other whitespace around elements. */
static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Decimal digits only (no sign, no blanks); 0 or -1 when empty or above max. */
static int parse_uint(const char **pp, uint64_t max, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*pp = p;
	*out = v;
	return 0;
}

/* Element separator: "," (then another element must follow) or the end. 1 more, 0 end, -1 junk. */
static int next_element(const char **pp)
{
	const char *p = skip_ws(*pp);

	if (*p == '\0') {
		*pp = p;
		return 0;
	}
	if (*p != ',')
		return -1;
	*pp = skip_ws(p + 1);
	return 1;
}

static int mdb_find(const struct gtid_mdb_pos *pos, uint32_t domain)
{
	for (int i = 0; i < pos->n; i++)
		if (pos->d[i].domain == domain)
			return i;
	return -1;
}

/* Room for one more element in an array of *cap elements of size sz (doubling); false on ENOMEM. */
static bool grow(void **arr, int *cap, int n, size_t sz)
{
	if (n < *cap)
		return true;
	int ncap = *cap ? 2 * *cap : 8;
	void *p = realloc(*arr, (size_t)ncap * sz);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

static int mdb_parse_one(const char **pp, struct gtid_mdb_pos *out)
{
	uint64_t domain, server_id, seq;
	const char *p = *pp;

	if (parse_uint(&p, UINT32_MAX, &domain) < 0 || *p++ != '-' ||
	    parse_uint(&p, UINT32_MAX, &server_id) < 0 || *p++ != '-' ||
	    parse_uint(&p, UINT64_MAX, &seq) < 0)
		return -1;
	/* A position holds one GTID per domain; two would make "the last seq" ambiguous. */
	if (mdb_find(out, (uint32_t)domain) >= 0 || !grow((void **)&out->d, &out->cap, out->n, sizeof(*out->d)))
		return -1;

	/* Kept sorted by domain so that output does not depend on the server's hash order. */
	int i = out->n;

	while (i > 0 && out->d[i - 1].domain > domain) {
		out->d[i] = out->d[i - 1];
		i--;
	}
	out->d[i].domain = (uint32_t)domain;
	out->d[i].server_id = (uint32_t)server_id;
	out->d[i].seq = seq;
	out->n++;
	*pp = p;
	return 0;
}

/* The list grammar shared by both flavours: elements separated by commas, blanks around them. */
static int parse_list(const char *s, void *out, int (*one)(const char **pp, void *out))
{
	if (!s)
		return -1;

	const char *p = skip_ws(s);
	int more = *p != '\0';

	while (more)
		if (one(&p, out) < 0 || (more = next_element(&p)) < 0)
			return -1;
	return 0;
}

static int mdb_one(const char **pp, void *out)
{
	return mdb_parse_one(pp, out);
}

int gtid_mdb_parse(const char *s, struct gtid_mdb_pos *out)
{
	gtid_mdb_free(out);
	if (parse_list(s, out, mdb_one) == 0)
		return 0;
	gtid_mdb_free(out);
	return -1;
}

void gtid_mdb_free(struct gtid_mdb_pos *p)
{
	free(p->d);
	*p = (struct gtid_mdb_pos){ 0 };
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* 8-4-4-4-12 hex digits, written out in lower case (MySQL compares UUIDs case-insensitively). */
static int parse_uuid(const char **pp, char uuid[37])
{
	const char *p = *pp;

	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (p[i] != '-')
				return -1;
			uuid[i] = '-';
		} else {
			int v = hexval(p[i]);

			if (v < 0)
				return -1;
			uuid[i] = "0123456789abcdef"[v];
		}
	}
	uuid[36] = '\0';
	*pp = p + 36;
	return 0;
}

/* Adds [lo, hi] to one UUID's sorted disjoint list, merging overlapping and adjacent intervals. */
static int add_interval(struct gtid_mysql_uuid *u, uint64_t lo, uint64_t hi)
{
	int k = 0;

	if (!grow((void **)&u->iv, &u->cap, u->nint, sizeof(*u->iv)))
		return -1;
	while (k < u->nint && u->iv[k].lo < lo)
		k++;
	memmove(u->iv + k + 1, u->iv + k, sizeof(*u->iv) * (size_t)(u->nint - k));
	u->iv[k] = (struct gtid_interval){ lo, hi };
	u->nint++;
	/* Merge in place: hi <= MYSQL_GNO_MAX, so hi + 1 cannot wrap. */
	int n = 0;
	for (int i = 0; i < u->nint; i++) {
		if (n > 0 && u->iv[i].lo <= u->iv[n - 1].hi + 1) {
			if (u->iv[i].hi > u->iv[n - 1].hi)
				u->iv[n - 1].hi = u->iv[i].hi;
			continue;
		}
		u->iv[n++] = u->iv[i];
	}
	u->nint = n;
	return 0;
}

/* Index of uuid in the set, creating it in sorted position; -1 when memory runs out. */
static int mysql_slot(struct gtid_mysql_set *set, const char *uuid)
{
	int i = 0;

	while (i < set->n && strcmp(set->u[i].uuid, uuid) < 0)
		i++;
	if (i < set->n && strcmp(set->u[i].uuid, uuid) == 0)
		return i;
	if (!grow((void **)&set->u, &set->cap, set->n, sizeof(*set->u)))
		return -1;
	memmove(&set->u[i + 1], &set->u[i], sizeof(set->u[0]) * (size_t)(set->n - i));
	memset(&set->u[i], 0, sizeof(set->u[i]));
	memcpy(set->u[i].uuid, uuid, sizeof(set->u[i].uuid));
	set->n++;
	return i;
}

/* A tag after "uuid:" (MySQL 8.3+), appended to key as ":tag" in lower case; -1 when malformed. */
static int parse_tag(const char **pp, char *key, size_t keylen)
{
	const char *p = *pp;
	size_t n = 0, at = strlen(key);
	char tag[GTID_MYSQL_TAG_MAX + 1];

	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_' ||
	       (n > 0 && p[n] >= '0' && p[n] <= '9')) {
		if (n == GTID_MYSQL_TAG_MAX)
			return -1;
		tag[n] = (char)(p[n] >= 'A' && p[n] <= 'Z' ? p[n] - 'A' + 'a' : p[n]);
		n++;
	}
	/* A tag names the intervals that follow it: one at least. */
	if (n == 0 || p[n] != ':' || p[n + 1] < '0' || p[n + 1] > '9' || at + 1 + n >= keylen)
		return -1;
	tag[n] = '\0';
	snprintf(key + at, keylen - at, ":%s", tag);
	*pp = p + n;
	return 0;
}

/* "uuid:a-b:c:d-e", MySQL 8.3+ "uuid:a-b:tag:c-d:tag2:e": intervals belong to the latest tag. */
static int mysql_parse_one(const char **pp, void *outp)
{
	struct gtid_mysql_set *out = outp;
	char uuid[37], key[sizeof(out->u[0].uuid)];
	const char *p = *pp;
	int slot = -1;

	if (parse_uuid(&p, uuid) < 0 || *p != ':')
		return -1;
	snprintf(key, sizeof(key), "%s", uuid);
	while (*p == ':') {
		uint64_t lo, hi;

		p++;
		if (!(*p >= '0' && *p <= '9')) {
			snprintf(key, sizeof(key), "%s", uuid);
			if (parse_tag(&p, key, sizeof(key)) < 0)
				return -1;
			slot = -1;
			continue;
		}
		if (slot < 0 && (slot = mysql_slot(out, key)) < 0)
			return -1;
		if (parse_uint(&p, MYSQL_GNO_MAX, &lo) < 0 || lo == 0)
			return -1;
		hi = lo;
		if (*p == '-') {
			p++;
			if (parse_uint(&p, MYSQL_GNO_MAX, &hi) < 0 || hi < lo)
				return -1;
		}
		if (add_interval(&out->u[slot], lo, hi) < 0)
			return -1;
	}
	*pp = p;
	return 0;
}

int gtid_mysql_parse(const char *s, struct gtid_mysql_set *out)
{
	gtid_mysql_free(out);
	if (parse_list(s, out, mysql_parse_one) == 0)
		return 0;
	gtid_mysql_free(out);
	return -1;
}

void gtid_mysql_free(struct gtid_mysql_set *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->u[i].iv);
	free(s->u);
	*s = (struct gtid_mysql_set){ 0 };
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == c;
	return n;
}

size_t gtid_only_in_room(const char *a, const char *b)
{
	/* MariaDB: one "domain-server-lo..hi" (at most 10+1+10+1+20+2+20 bytes and a comma) per element
	 * of a. MySQL: each interval of b splits one piece of a in two at most, and a piece is ":lo-hi"
	 * (at most 40 bytes) under a header ("uuid" or "uuid:tag", 70 bytes and a comma) per element or
	 * tag of a; each tag is behind a colon of a. */
	size_t elems = count_char(a, ',') + 1, colons = count_char(a, ':') + count_char(b, ':');
	return 65 * elems + 40 * colons + 71 * (elems + count_char(a, ':')) + 64;
}

/* Bounded text output: remembers whether anything did not fit. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
	bool overflow;
};

static void out_init(struct out *o, char *buf, size_t len)
{
	o->buf = buf;
	o->len = buf ? len : 0;
	o->pos = 0;
	o->overflow = o->len == 0;
	if (o->len)
		buf[0] = '\0';
}

__attribute__((format(printf, 2, 3))) static void out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	r = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= o->len - o->pos) {
		o->overflow = true;
		return;
	}
	o->pos += (size_t)r;
}

static void add_sat(int64_t *acc, uint64_t v)
{
	if (v > (uint64_t)(INT64_MAX - *acc))
		*acc = INT64_MAX;
	else
		*acc += (int64_t)v;
}

int64_t gtid_mdb_only_in(const struct gtid_mdb_pos *a, const struct gtid_mdb_pos *b, char *buf, size_t len)
{
	struct out o;
	int64_t count = 0;

	out_init(&o, buf, len);
	for (int i = 0; i < a->n; i++) {
		int j = mdb_find(b, a->d[i].domain);
		uint64_t lo = j < 0 ? 1 : b->d[j].seq + 1, hi = a->d[i].seq;

		/* Same domain and seq from another server: two different transactions, and seq-only
		 * comparison (what MASTER_GTID_WAIT does) cannot see it. We know only the last one. */
		if (j >= 0 && b->d[j].seq == hi && b->d[j].server_id != a->d[i].server_id && hi > 0)
			lo = hi;
		if (hi == 0 || lo > hi)
			continue;
		add_sat(&count, hi - lo + 1);
		out_printf(&o, "%s%u-%u-%llu..%llu", o.pos ? "," : "", a->d[i].domain, a->d[i].server_id,
			   (unsigned long long)lo, (unsigned long long)hi);
	}
	return o.overflow ? -1 : count;
}

static int mysql_find(const struct gtid_mysql_set *set, const char *uuid)
{
	for (int i = 0; i < set->n; i++)
		if (strcmp(set->u[i].uuid, uuid) == 0)
			return i;
	return -1;
}

/* Writes [lo, hi] in MySQL's own form ("5" or "5-9"), opening the UUID's element first if needed. */
static void mysql_emit(struct out *o, bool *opened, const char *uuid, uint64_t lo, uint64_t hi,
		       int64_t *count)
{
	if (!*opened)
		out_printf(o, "%s%s", o->pos ? "," : "", uuid);
	*opened = true;
	if (lo == hi)
		out_printf(o, ":%llu", (unsigned long long)lo);
	else
		out_printf(o, ":%llu-%llu", (unsigned long long)lo, (unsigned long long)hi);
	add_sat(count, hi - lo + 1);
}

int64_t gtid_mysql_only_in(const struct gtid_mysql_set *a, const struct gtid_mysql_set *b, char *buf,
			   size_t len)
{
	struct out o;
	int64_t count = 0;

	out_init(&o, buf, len);
	for (int i = 0; i < a->n; i++) {
		int j = mysql_find(b, a->u[i].uuid);
		int nb = j < 0 ? 0 : b->u[j].nint;
		bool opened = false;
		int k = 0;

		for (int m = 0; m < a->u[i].nint; m++) {
			uint64_t cur = a->u[i].iv[m].lo, hi = a->u[i].iv[m].hi;

			/* Both lists are sorted and disjoint: one forward sweep over b suffices. */
			while (k < nb && b->u[j].iv[k].hi < cur)
				k++;
			for (int q = k; q < nb && b->u[j].iv[q].lo <= hi && cur <= hi; q++) {
				uint64_t blo = b->u[j].iv[q].lo, bhi = b->u[j].iv[q].hi;

				if (blo > cur)
					mysql_emit(&o, &opened, a->u[i].uuid, cur, blo - 1, &count);
				if (bhi + 1 > cur)
					cur = bhi + 1;
			}
			if (cur <= hi)
				mysql_emit(&o, &opened, a->u[i].uuid, cur, hi, &count);
		}
	}
	return o.overflow ? -1 : count;
}

int gtid_mdb_wait_target(const struct gtid_mdb_pos *io_pos, const struct gtid_mdb_pos *slave_pos, char *buf,
			 size_t len)
{
	struct out o;
	int n = 0;

	out_init(&o, buf, len);
	for (int i = 0; i < io_pos->n; i++) {
		if (mdb_find(slave_pos, io_pos->d[i].domain) < 0)
			continue;
		out_printf(&o, "%s%u-%u-%llu", n ? "," : "", io_pos->d[i].domain, io_pos->d[i].server_id,
			   (unsigned long long)io_pos->d[i].seq);
		n++;
	}
	return o.overflow ? -1 : n;
}
