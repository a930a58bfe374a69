#include "state_file.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "dualmaster-state 1\n"

void state_add(struct state_saved *s, const struct state_entry *e)
{
	if (s->n == STATE_HISTORY) {
		memmove(&s->h[0], &s->h[1], sizeof(s->h[0]) * (STATE_HISTORY - 1));
		s->n--;
	}
	s->h[s->n++] = *e;
	s->transitions_total++;
}

static uint64_t fnv1a(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

struct out {
	char *buf;
	size_t len, used;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->full)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used)
		o->full = true;
	else
		o->used += (size_t)n;
}

/* A word of the file: no blanks, no control characters, not empty. */
static bool word_ok(const char *w)
{
	if (!*w)
		return false;
	for (; *w; w++)
		if (!isgraph((unsigned char)*w))
			return false;
	return true;
}

int state_format(const struct state_saved *s, char *buf, size_t len)
{
	struct out o = { buf, len, 0, false };

	if (!len)
		return -1;
	put(&o, MAGIC "maintenance %d\nfrozen %d\ntransitions_total %" PRIu64 "\n", s->maintenance, s->frozen,
	    s->transitions_total);
	for (int i = 0; i < s->n && i < STATE_HISTORY; i++) {
		const struct state_entry *e = &s->h[i];
		put(&o, "t %" PRId64 " %s %s %" PRIu64 " %s ", e->when_s, word_ok(e->from) ? e->from : "?",
		    word_ok(e->to) ? e->to : "?", e->in_from_ms, word_ok(e->phases) ? e->phases : "-");
		/* The reason is the rest of the line: escape what would end it or hide in it. */
		for (const char *r = e->reason; *r && !o.full; r++) {
			unsigned char c = (unsigned char)*r;
			if (c < 0x20 || c == 0x7f || c == '\\')
				put(&o, "\\x%02x", c);
			else
				put(&o, "%c", c);
		}
		put(&o, "\n");
	}
	if (o.full)
		return -1;
	uint64_t h = fnv1a(buf, o.used);
	put(&o, "checksum %016" PRIx64 "\n", h);
	return o.full ? -1 : (int)o.used;
}

static int fail(char *why, size_t why_len, int line, const char *what)
{
	if (line > 0)
		snprintf(why, why_len, "line %d: %s", line, what);
	else
		snprintf(why, why_len, "%s", what);
	return -1;
}

/* Copies the next blank-separated word of *p into w; false when there is none or it is too long. */
static bool next_word(const char **p, const char *end, char *w, size_t wlen)
{
	const char *q = *p;
	size_t n = 0;

	while (q < end && *q == ' ')
		q++;
	while (q < end && *q != ' ') {
		if (n + 1 >= wlen)
			return false;
		w[n++] = *q++;
	}
	w[n] = '\0';
	*p = q;
	return n > 0;
}

static bool parse_u64(const char *w, uint64_t *v)
{
	char *e;
	if (!isdigit((unsigned char)w[0]))
		return false;
	unsigned long long x = strtoull(w, &e, 10);
	*v = x;
	return *e == '\0';
}

static bool parse_bool(const char *w, bool *v)
{
	if (strcmp(w, "0") != 0 && strcmp(w, "1") != 0)
		return false;
	*v = w[0] == '1';
	return true;
}

static bool unescape(const char *p, const char *end, char *out, size_t len)
{
	size_t n = 0;
	while (p < end) {
		char c = *p++;
		if (c == '\\') {
			unsigned v;
			if (end - p < 3 || p[0] != 'x' || sscanf(p + 1, "%2x", &v) != 1 || !isxdigit((unsigned char)p[1]) ||
			    !isxdigit((unsigned char)p[2]))
				return false;
			if (v == 0) /* would end the reason early */
				return false;
			c = (char)v;
			p += 3;
		} else if ((unsigned char)c < 0x20 || c == 0x7f) {
			return false;
		}
		if (n + 1 >= len)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

static bool parse_entry(const char *p, const char *end, struct state_entry *e)
{
	char w[64];
	uint64_t v;

	if (!next_word(&p, end, w, sizeof(w)))
		return false;
	char *x;
	long long when = strtoll(w, &x, 10);
	if (*x || w[0] == '\0')
		return false;
	e->when_s = when;
	if (!next_word(&p, end, e->from, sizeof(e->from)) || !next_word(&p, end, e->to, sizeof(e->to)) ||
	    !next_word(&p, end, w, sizeof(w)) || !parse_u64(w, &v) ||
	    !next_word(&p, end, e->phases, sizeof(e->phases)))
		return false;
	e->in_from_ms = v;
	if (!word_ok(e->from) || !word_ok(e->to) || !word_ok(e->phases))
		return false;
	if (strcmp(e->phases, "-") == 0)
		e->phases[0] = '\0';
	if (p < end && *p == ' ')
		p++;
	return unescape(p, end, e->reason, sizeof(e->reason));
}

int state_parse(const char *text, size_t len, struct state_saved *s, char *why, size_t why_len)
{
	memset(s, 0, sizeof(*s));
	if (len > STATE_FILE_MAX)
		return fail(why, why_len, 0, "too large");
	if (len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0)
		return fail(why, why_len, 1, "not a dualmaster state file (version 1)");
	if (memchr(text, '\0', len))
		return fail(why, why_len, 0, "a NUL byte in the file");
	if (text[len - 1] != '\n')
		return fail(why, why_len, 0, "cut short (no final newline)");

	/* The checksum line is the last one; everything before it is what it covers. */
	const char *last = text + len - 1;
	while (last > text && last[-1] != '\n')
		last--;
	/* Exactly "checksum " and 16 hex digits: the buffer has no NUL, so nothing reads past it. */
	char hex[17];
	if ((size_t)(text + len - last) != 9 + 16 + 1 || memcmp(last, "checksum ", 9) != 0)
		return fail(why, why_len, 0, "no checksum line at the end (cut short?)");
	memcpy(hex, last + 9, 16);
	hex[16] = '\0';
	char *e;
	uint64_t want = strtoull(hex, &e, 16);
	if (*e || strspn(hex, "0123456789abcdef") != 16)
		return fail(why, why_len, 0, "a malformed checksum line");
	if (fnv1a(text, (size_t)(last - text)) != want)
		return fail(why, why_len, 0, "checksum mismatch: the file changed after it was written");

	const char *p = text + strlen(MAGIC);
	int line = 1;
	bool seen_m = false, seen_f = false, seen_t = false;
	while (p < last) {
		const char *nl = memchr(p, '\n', (size_t)(last - p));
		const char *end = nl ? nl : last;
		char key[32];
		const char *q = p;
		line++;
		if (!next_word(&q, end, key, sizeof(key)))
			return fail(why, why_len, line, "an empty or overlong key");
		if (strcmp(key, "t") == 0) {
			if (s->n == STATE_HISTORY)
				return fail(why, why_len, line, "more history entries than kept");
			if (!parse_entry(q, end, &s->h[s->n]))
				return fail(why, why_len, line, "a malformed transition");
			s->n++;
		} else {
			char val[32];
			uint64_t v;
			if (!next_word(&q, end, val, sizeof(val)) || q != end)
				return fail(why, why_len, line, "a malformed value");
			if (strcmp(key, "maintenance") == 0 && !seen_m && parse_bool(val, &s->maintenance))
				seen_m = true;
			else if (strcmp(key, "frozen") == 0 && !seen_f && parse_bool(val, &s->frozen))
				seen_f = true;
			else if (strcmp(key, "transitions_total") == 0 && !seen_t && parse_u64(val, &v)) {
				s->transitions_total = v;
				seen_t = true;
			} else
				return fail(why, why_len, line, "an unknown, repeated or invalid item");
		}
		p = end + 1;
	}
	if (!seen_m || !seen_f || !seen_t)
		return fail(why, why_len, 0, "maintenance, frozen or transitions_total missing");
	if (s->transitions_total < (uint64_t)s->n)
		return fail(why, why_len, 0, "fewer transitions counted than listed");
	return 0;
}
