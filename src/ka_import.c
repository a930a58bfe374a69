/* keepalived.conf importer: a bounded tokenizer for keepalived's syntax builds a statement tree,
 * then the first vrrp_instance (and the vrrp_scripts and global_defs it uses) is mapped onto
 * dualmaster.conf. Whatever does not map becomes a "not carried:" comment. Pure: no I/O, no clock. */
#include "ka_import.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"

#define WRAP 100                       /* comment lines are wrapped at this width */
#define SHOW_MAX 200                   /* characters of a keepalived statement quoted in a comment */
#define MAX_SCRIPTS 64                 /* vrrp_script blocks remembered */
#define MAX_WORDS_TOTAL (256 * 1024)   /* words in the file */
#define ADDR_LEN 52                    /* an IPv6 address with "/128" */

/* ---- output buffers ---- */

/* Grows on demand up to KA_IMPORT_MAX_OUTPUT; once something did not fit, every later append is a
 * no-op and failed stays set, so callers check once at the end. */
struct obuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void ob_mem(struct obuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (n >= KA_IMPORT_MAX_OUTPUT - b->len) {
		b->failed = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void ob_puts(struct obuf *b, const char *s)
{
	ob_mem(b, s, strlen(s));
}

/* For our own formats only: user text goes in with a bounded %.Ns, values through ob_quoted. */
__attribute__((format(printf, 2, 3))) static void ob_printf(struct obuf *b, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = true;
	else
		ob_mem(b, tmp, (size_t)n);
}

/* s as a libconfuse double-quoted string: '"', '\' and '$' (libconfuse expands ${VAR} inside
 * double quotes) escaped. The caller has refused control characters. */
static void ob_quoted(struct obuf *b, const char *s, size_t n)
{
	ob_mem(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\' || s[i] == '$')
			ob_mem(b, "\\", 1);
		ob_mem(b, s + i, 1);
	}
	ob_mem(b, "\"", 1);
}

/* ---- the statement tree ---- */

struct word {
	size_t off, len; /* in the arena, NUL-terminated there; len counts bytes (an escaped \0 too) */
	int line;
};

/* One keyword line: its words, and the { } block that follows it, if any. */
struct stmt {
	int line, end_line; /* end_line: the line of the block's '}' */
	int w0, nw;         /* words w[w0 .. w0+nw-1] */
	int child, next;    /* first statement of the block, next sibling; -1: none */
	bool block;
};

struct tree {
	char *arena;
	size_t alen, acap;
	struct word *w;
	int nw, capw;
	struct stmt *s;
	int ns, caps;
	int top;   /* first top-level statement */
	int lines; /* lines in the file */
};

struct perr {
	const char *name;
	char *buf;
	size_t len;
};

__attribute__((format(printf, 3, 4))) static int fail(const struct perr *e, int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(e->buf, e->len, "%.200s:%d: %s", e->name, line, msg);
	else
		snprintf(e->buf, e->len, "%.200s: %s", e->name, msg);
	/* The name is the caller's; a control character in it must not reach a terminal raw. */
	for (char *p = e->buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

/* Makes room for one more element of size elem in *arr (capacity *cap, max elements). */
static bool grow(void **arr, int *cap, int n, size_t elem, int max)
{
	if (n < *cap)
		return true;
	if (n >= max)
		return false;
	int nc = *cap ? *cap * 2 : 64;
	if (nc > max)
		nc = max;
	void *p = realloc(*arr, (size_t)nc * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = nc;
	return true;
}

/* keepalived.conf(5) "Quoted strings": \a \b \E \f \n \r \t \v, \nnn (octal), \xXX..., \cC, and \C
 * for any other C. *pi is just after the backslash. Returns the byte, -1 at the end of the line
 * (the quote is unterminated), -2 for a NUL byte in the file. */
static int unescape(const char *s, size_t len, size_t *pi)
{
	static const char hex[] = "0123456789abcdefABCDEF"; /* value: index, less 6 for A-F */
	const char *h;
	size_t i = *pi;
	int v;

	if (i >= len || s[i] == '\n')
		return -1;
	unsigned char c = (unsigned char)s[i++];
	switch (c) {
	case '\0': return -2;
	case 'a': v = 7; break;
	case 'b': v = 8; break;
	case 'E': v = 27; break;
	case 'f': v = 12; break;
	case 'n': v = 10; break;
	case 'r': v = 13; break;
	case 't': v = 9; break;
	case 'v': v = 11; break;
	case 'x':
		v = 'x';
		if (i < len && s[i] && strchr(hex, s[i]))
			for (v = 0; i < len && s[i] && (h = strchr(hex, s[i])); i++)
				v = (v * 16 + (h - hex < 16 ? (int)(h - hex) : (int)(h - hex) - 6)) & 0xff;
		break;
	case 'c':
		v = 'c';
		if (i < len && s[i] != '\n' && s[i] != '\0')
			v = s[i++] & 0x1f;
		break;
	default:
		v = c;
		if (c >= '0' && c <= '7') {
			v = c - '0';
			for (int k = 0; k < 2 && i < len && s[i] >= '0' && s[i] <= '7'; k++)
				v = v * 8 + (s[i++] - '0');
			v &= 0xff;
		}
	}
	*pi = i;
	return v;
}

static bool is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* One word at *pi: unquoted runs and "..." or '...' parts (keepalived joins abc"d e"f into one
 * word), ending at a blank, a newline, a brace or a comment outside quotes. */
static int read_word(struct tree *t, const char *text, size_t len, size_t *pi, int line, const struct perr *e)
{
	size_t i = *pi, start = t->alen;
	char q = 0;

	while (i < len) {
		int c = (unsigned char)text[i];
		if (!q) {
			if (c == '"' || c == '\'') {
				q = (char)c;
				i++;
				continue;
			}
			if (is_blank((unsigned char)c) || c == '\n' || c == '{' || c == '}' || c == '#' || c == '!')
				break;
			i++;
		} else if (c == q) {
			q = 0;
			i++;
			continue;
		} else if (c == '\n') {
			break;
		} else if (c == '\\') {
			i++;
			c = unescape(text, len, &i);
			if (c == -1)
				break;
		} else {
			i++;
		}
		if (c == '\0' && text[i - 1] == '\0')
			return fail(e, line, "NUL byte in the file");
		if (c == '\0' || c == -2)
			return fail(e, line, "NUL byte (an escaped \\0) in a quoted string");
		if (t->alen - start >= KA_IMPORT_MAX_TOKEN)
			return fail(e, line, "a word longer than %d bytes", KA_IMPORT_MAX_TOKEN);
		t->arena[t->alen++] = (char)c;
	}
	if (q)
		return fail(e, line, "unterminated quoted string (%c without its closing %c)", q, q);
	if (!grow((void **)&t->w, &t->capw, t->nw, sizeof(*t->w), MAX_WORDS_TOTAL))
		return fail(e, line, t->nw >= MAX_WORDS_TOTAL ? "more than %d words in the file" : "out of memory",
			    MAX_WORDS_TOTAL);
	t->arena[t->alen++] = '\0';
	t->w[t->nw++] = (struct word){ .off = start, .len = t->alen - 1 - start, .line = line };
	*pi = i;
	return 0;
}

/* Parses text into t. Statements end at a newline, '{' or '}'; a '{' opens the block of the
 * statement before it on its line, or of the one on the line above when it stands alone. */
static int parse(struct tree *t, const char *text, size_t len, const struct perr *e)
{
	int last[KA_IMPORT_MAX_DEPTH + 1], owner[KA_IMPORT_MAX_DEPTH + 1];
	int depth = 0, cur = -1, line = 1;
	size_t i = 0;

	last[0] = owner[0] = -1;
	t->top = -1;
	/* Every word is at most its own text plus a NUL: the arena never grows. */
	t->acap = 2 * len + 2;
	t->arena = malloc(t->acap);
	if (!t->arena)
		return fail(e, 0, "out of memory");
	while (i < len) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			line++;
			cur = -1;
			i++;
		} else if (is_blank(c)) {
			i++;
		} else if (c == '#' || c == '!') {
			while (i < len && text[i] != '\n')
				i++;
		} else if (c == '{') {
			int target = cur >= 0 ? cur : last[depth];
			if (target < 0 || t->s[target].block)
				return fail(e, line, "'{' without a keyword before it");
			if (depth >= KA_IMPORT_MAX_DEPTH)
				return fail(e, line, "blocks nested deeper than %d", KA_IMPORT_MAX_DEPTH);
			t->s[target].block = true;
			depth++;
			owner[depth] = target;
			last[depth] = -1;
			cur = -1;
			i++;
		} else if (c == '}') {
			if (depth == 0)
				return fail(e, line, "'}' without a matching '{'");
			t->s[owner[depth]].end_line = line;
			depth--;
			cur = -1;
			i++;
		} else {
			if (cur < 0) {
				if (!grow((void **)&t->s, &t->caps, t->ns, sizeof(*t->s), KA_IMPORT_MAX_STMTS))
					return fail(e, line, t->ns >= KA_IMPORT_MAX_STMTS ? "more than %d statements"
											  : "out of memory",
						    KA_IMPORT_MAX_STMTS);
				cur = t->ns++;
				t->s[cur] = (struct stmt){ .line = line, .end_line = line, .w0 = t->nw, .child = -1,
							   .next = -1 };
				if (last[depth] >= 0)
					t->s[last[depth]].next = cur;
				else if (depth == 0)
					t->top = cur;
				else
					t->s[owner[depth]].child = cur;
				last[depth] = cur;
			}
			if (t->s[cur].nw >= KA_IMPORT_MAX_WORDS)
				return fail(e, line, "more than %d words in one statement", KA_IMPORT_MAX_WORDS);
			if (read_word(t, text, len, &i, line, e) < 0)
				return -1;
			t->s[cur].nw++;
		}
	}
	t->lines = line;
	if (depth > 0) {
		const struct stmt *o = &t->s[owner[depth]];
		return fail(e, o->line, "the '{' of \"%.64s\" is never closed", t->arena + t->w[o->w0].off);
	}
	return 0;
}

static void tree_free(struct tree *t)
{
	free(t->arena);
	free(t->w);
	free(t->s);
}

/* ---- what the output holds ---- */

enum sec { S_TOP, S_VRRP, S_LOCAL, S_PEER, S_HEALTH, S_TIEBREAKER, S_HOOKS, S_OTHER, N_SEC };

static const char *const sec_head[N_SEC] = {
	[S_VRRP] = "vrrp",     [S_LOCAL] = "mysql local",     [S_PEER] = "mysql peer",
	[S_HEALTH] = "health", [S_TIEBREAKER] = "tiebreaker", [S_HOOKS] = "hooks",
};

enum item {
	I_NODE_NAME,
	I_IFACE, I_VRID, I_VERSION, I_PRIORITY, I_ADVERT, I_PREEMPT, I_PREEMPT_DELAY, I_UNICAST_PEERS,
	I_SRC_IP, I_VIPS, I_GARP_REPEAT, I_GARP_REFRESH, I_AUTH_PASS,
	I_L_SOCKET, I_L_USER, I_L_PWFILE,
	I_P_HOST, I_P_USER, I_P_PWFILE,
	I_H_INTERVAL, I_H_TIMEOUT, I_H_FALL, I_H_RISE,
	I_T_TARGETS, I_T_INTERVAL,
	I_ON_MASTER, I_ON_BACKUP, I_ON_FAULT, I_ON_STOP,
	N_ITEMS
};

/* In output order within each section. */
static const struct {
	enum sec sec;
	const char *key;
} item_def[N_ITEMS] = {
	[I_NODE_NAME] = { S_TOP, "node_name" },
	[I_IFACE] = { S_VRRP, "interface" },
	[I_VRID] = { S_VRRP, "vrid" },
	[I_VERSION] = { S_VRRP, "version" },
	[I_PRIORITY] = { S_VRRP, "priority" },
	[I_ADVERT] = { S_VRRP, "advert_interval_ms" },
	[I_PREEMPT] = { S_VRRP, "preempt" },
	[I_PREEMPT_DELAY] = { S_VRRP, "preempt_delay_ms" },
	[I_UNICAST_PEERS] = { S_VRRP, "unicast_peers" },
	[I_SRC_IP] = { S_VRRP, "src_ip" },
	[I_VIPS] = { S_VRRP, "vips" },
	[I_GARP_REPEAT] = { S_VRRP, "garp_repeat" },
	[I_GARP_REFRESH] = { S_VRRP, "garp_refresh_ms" },
	[I_AUTH_PASS] = { S_VRRP, "auth_pass" },
	[I_L_SOCKET] = { S_LOCAL, "socket" },
	[I_L_USER] = { S_LOCAL, "user" },
	[I_L_PWFILE] = { S_LOCAL, "password_file" },
	[I_P_HOST] = { S_PEER, "host" },
	[I_P_USER] = { S_PEER, "user" },
	[I_P_PWFILE] = { S_PEER, "password_file" },
	[I_H_INTERVAL] = { S_HEALTH, "interval_ms" },
	[I_H_TIMEOUT] = { S_HEALTH, "timeout_ms" },
	[I_H_FALL] = { S_HEALTH, "fall" },
	[I_H_RISE] = { S_HEALTH, "rise" },
	[I_T_TARGETS] = { S_TIEBREAKER, "targets" },
	[I_T_INTERVAL] = { S_TIEBREAKER, "interval_ms" },
	[I_ON_MASTER] = { S_HOOKS, "on_master" },
	[I_ON_BACKUP] = { S_HOOKS, "on_backup" },
	[I_ON_FAULT] = { S_HOOKS, "on_fault" },
	[I_ON_STOP] = { S_HOOKS, "on_stop" },
};

/* One output setting: the comment lines above it and its value as written ("eth0" with quotes,
 * 150, {"a", "b"}); not set: only the comments are written. */
struct slot {
	struct obuf notes, val;
	bool set;
};

struct ctx {
	const struct tree *t;
	const char *name;
	struct slot slot[N_ITEMS];
	struct obuf intro[N_SEC]; /* comments at the top of a section */
	struct obuf gen[N_SEC];   /* comments of a section that belong to no setting, at its end */
	struct obuf head;
	int not_carried, change_me;
	int inst;               /* the imported vrrp_instance */
	int version, version_line;
	bool version_in_instance;
	const char *iface;      /* the instance's interface, "" if none */
	bool nopreempt;
	int scripts[MAX_SCRIPTS];
	bool script_used[MAX_SCRIPTS];
	int n_scripts;
	bool health_set;
	char vips[CONF_MAX_VIPS][ADDR_LEN];
	int n_vips;
	int family;             /* the first VIP's, 4 or 6 (keepalived's instance family); 0: none yet */
	struct evip {           /* virtual_ipaddress_excluded, sorted out once the family is known */
		char addr[ADDR_LEN];
		int family;
		int si;
	} evips[CONF_MAX_VIPS];
	int n_evips;
	char peers[CONF_MAX_PEERS][ADDR_LEN];
	int n_peers;
	char targets[CONF_MAX_TARGETS][ADDR_LEN];
	int n_targets;
	struct gdef {
		long v;
		int line; /* 0: not given */
	} g_garp_repeat, g_garp_refresh; /* global_defs defaults for the instance */
};

/* ---- reading statements ---- */

static const struct stmt *st(const struct ctx *c, int si)
{
	return &c->t->s[si];
}

static const char *wd(const struct ctx *c, int si, int k)
{
	const struct stmt *s = st(c, si);
	return k < s->nw ? c->t->arena + c->t->w[s->w0 + k].off : "";
}

static size_t wlen(const struct ctx *c, int si, int k)
{
	const struct stmt *s = st(c, si);
	return k < s->nw ? c->t->w[s->w0 + k].len : 0;
}

static bool has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static bool kw(const struct ctx *c, int si, const char *k)
{
	return strcmp(wd(c, si, 0), k) == 0;
}

/* An integer of at most 9 digits, optionally signed. */
static bool parse_long(const char *s, long *out)
{
	long v = 0;
	int n = 0;
	bool neg = *s == '-';

	if (*s == '-' || *s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++, n++)
		v = v * 10 + (*s - '0');
	if (*s || n == 0 || n > 9)
		return false;
	*out = neg ? -v : v;
	return true;
}

/* keepalived's <TIMER>: seconds, fractions allowed ("0.1", "3", ".5"), to milliseconds rounded up. */
static bool parse_secs_ms(const char *s, long *ms)
{
	long long us = 0;
	int n = 0, frac = 0;

	for (; *s >= '0' && *s <= '9'; s++, n++)
		us = us * 10 + (*s - '0');
	if (n > 9)
		return false;
	us *= 1000000;
	if (*s == '.') {
		long long scale = 100000;
		for (s++; *s >= '0' && *s <= '9'; s++, frac++) {
			us += (*s - '0') * scale;
			scale /= 10;
		}
	}
	if (*s || (n == 0 && frac == 0))
		return false;
	*ms = (long)((us + 999) / 1000);
	return true;
}

/* "a.b.c.d" to its canonical form; false for anything else (IPv6, names, trailing text). */
static bool ipv4_canon(const char *s, char out[ADDR_LEN])
{
	struct in_addr a;

	if (strlen(s) > 15 || inet_pton(AF_INET, s, &a) != 1)
		return false;
	return inet_ntop(AF_INET, &a, out, ADDR_LEN) != NULL;
}

/* A unicast IPv6 address to its RFC 5952 form; false for anything else (scopes "%eth0", multicast,
 * loopback, unspecified and IPv4-mapped addresses included: no host holds those as its own). */
static bool ipv6_canon(const char *s, char out[ADDR_LEN])
{
	struct in6_addr a;

	if (strlen(s) > 45 || inet_pton(AF_INET6, s, &a) != 1 || IN6_IS_ADDR_MULTICAST(&a) ||
	    IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_V4MAPPED(&a))
		return false;
	return inet_ntop(AF_INET6, &a, out, ADDR_LEN) != NULL;
}

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* ---- comments ---- */

/* A bounded writer for one statement shown in a comment. */
struct sbuf {
	char p[SHOW_MAX + 4];
	size_t n;
	bool full;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n && !b->full; i++) {
		if (b->n >= SHOW_MAX) {
			memcpy(b->p + b->n, "...", 4);
			b->full = true;
			return;
		}
		b->p[b->n++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
		b->p[b->n] = '\0';
	}
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* The statement as keepalived.conf had it, block included ("auth_pass" values masked). */
static void show_stmt(const struct ctx *c, int si, struct sbuf *b)
{
	const struct stmt *s = st(c, si);

	for (int k = 0; k < s->nw && !b->full; k++) {
		const char *w = wd(c, si, k);
		size_t n = wlen(c, si, k);
		bool q = n == 0 || strpbrk(w, " \t") || strlen(w) != n;
		if (k)
			sb_puts(b, " ");
		if (k > 0 && kw(c, si, "auth_pass")) {
			sb_puts(b, "********");
			continue;
		}
		if (q)
			sb_puts(b, "\"");
		sb_put(b, w, n);
		if (q)
			sb_puts(b, "\"");
	}
	if (!s->block)
		return;
	sb_puts(b, s->nw ? " {" : "{");
	for (int ch = s->child; ch >= 0 && !b->full; ch = st(c, ch)->next) {
		sb_puts(b, " ");
		show_stmt(c, ch, b);
		if (st(c, ch)->next >= 0)
			sb_puts(b, ";");
	}
	sb_puts(b, " }");
}

/* One comment line (wrapped when written): control characters of user text become '?'. */
static void note_v(struct obuf *b, const char *fmt, va_list ap)
{
	char tmp[1536];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);

	if (n < 0)
		return;
	for (char *p = tmp; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	ob_puts(b, tmp);
	ob_mem(b, "\n", 1);
}

/* A comment above setting it. */
__attribute__((format(printf, 3, 4))) static void note(struct ctx *c, enum item it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_v(&c->slot[it].notes, fmt, ap);
	va_end(ap);
}

/* A comment of a section. */
__attribute__((format(printf, 3, 4))) static void gnote(struct ctx *c, enum sec s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_v(&c->gen[s], fmt, ap);
	va_end(ap);
}

/* A comment at the top of a section, once. */
static void intro(struct ctx *c, enum sec s, const char *text)
{
	if (!c->intro[s].len)
		ob_printf(&c->intro[s], "%s\n", text);
}

/* A placeholder the operator must replace. */
__attribute__((format(printf, 3, 4))) static void change_me(struct ctx *c, enum item it, const char *fmt, ...)
{
	char why[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	note(c, it, "CHANGE ME: %s", why);
	c->change_me++;
}

/* "not carried: WHAT (line N): WHY" into out (a section's comments or a setting's). */
static void not_carried_v(struct ctx *c, struct obuf *out, int si, const char *fmt, va_list ap)
{
	struct sbuf what = { .n = 0 };
	char why[768];
	const struct stmt *s = st(c, si);

	what.p[0] = '\0';
	show_stmt(c, si, &what);
	vsnprintf(why, sizeof(why), fmt, ap);
	if (s->end_line > s->line)
		ob_printf(out, "not carried: %s (lines %d-%d): ", what.p, s->line, s->end_line);
	else
		ob_printf(out, "not carried: %s (line %d): ", what.p, s->line);
	/* why holds user text too (bounded by its formats): no control characters in a comment. */
	for (char *p = why; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	ob_puts(out, why);
	ob_mem(out, "\n", 1);
	c->not_carried++;
}

__attribute__((format(printf, 4, 5))) static void not_carried(struct ctx *c, enum sec sec, int si, const char *fmt,
							       ...)
{
	va_list ap;

	va_start(ap, fmt);
	not_carried_v(c, &c->gen[sec], si, fmt, ap);
	va_end(ap);
}

/* Not carried, said above the setting it concerns. */
__attribute__((format(printf, 4, 5))) static void not_carried_at(struct ctx *c, enum item it, int si,
								  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	not_carried_v(c, &c->slot[it].notes, si, fmt, ap);
	va_end(ap);
}

/* ---- setting values ---- */

static struct obuf *val_reset(struct ctx *c, enum item it)
{
	c->slot[it].set = true;
	c->slot[it].val.len = 0;
	ob_mem(&c->slot[it].val, "", 0);
	return &c->slot[it].val;
}

static void set_int(struct ctx *c, enum item it, long v)
{
	ob_printf(val_reset(c, it), "%ld", v);
}

static void set_word(struct ctx *c, enum item it, const char *v)
{
	ob_puts(val_reset(c, it), v);
}

/* False (nothing set) when s holds a control character: libconfuse could take it, the comment
 * that says so is the caller's. */
static bool set_str(struct ctx *c, enum item it, const char *s, size_t n)
{
	if (has_ctl(s, n))
		return false;
	ob_quoted(val_reset(c, it), s, n);
	return true;
}

static void set_list(struct ctx *c, enum item it, char (*v)[ADDR_LEN], int n)
{
	struct obuf *b = val_reset(c, it);

	ob_puts(b, "{");
	for (int i = 0; i < n; i++) {
		if (i)
			ob_puts(b, ", ");
		ob_quoted(b, v[i], strlen(v[i]));
	}
	ob_puts(b, "}");
}

/* A keepalived <TIMER> in milliseconds, clamped to lo..hi (said so when it was). */
static bool set_ms(struct ctx *c, enum item it, int si, long lo, long hi)
{
	long ms;

	if (st(c, si)->nw != 2 || !parse_secs_ms(wd(c, si, 1), &ms)) {
		not_carried(c, item_def[it].sec, si, "not a number of seconds");
		return false;
	}
	if (ms < lo || ms > hi) {
		long v = ms < lo ? lo : hi;
		note(c, it, "%s %.32s s (line %d) is %ld ms, outside %ld-%ld: set to %ld", wd(c, si, 0), wd(c, si, 1),
		     st(c, si)->line, ms, lo, hi, v);
		ms = v;
	}
	set_int(c, it, ms);
	return true;
}

/* An integer clamped to lo..hi (said so when it was). */
static bool set_bounded(struct ctx *c, enum item it, int si, int k, long lo, long hi)
{
	long v;

	if (k >= st(c, si)->nw || !parse_long(wd(c, si, k), &v)) {
		not_carried(c, item_def[it].sec, si, "not an integer");
		return false;
	}
	if (v < lo || v > hi) {
		long b = v < lo ? lo : hi;
		note(c, it, "%s %ld (line %d) is outside %ld-%ld: set to %ld", wd(c, si, 0), v, st(c, si)->line, lo, hi,
		     b);
		v = b;
	}
	set_int(c, it, v);
	return true;
}

/* ---- why a keepalived setting is not carried ---- */

#define WHY_MAIL "dualmasterd sends no e-mail: alert on its journal lines or on the dualmaster_* metrics " \
		 "(dualmasterctl metrics, metrics_file), or mail from a hook"
#define WHY_SCRIPT_SEC "hooks run as the daemon's user, without arguments, and must be owned by root or that " \
		       "user and writable by nobody else (dualmasterd -t checks)"
#define WHY_TRACK "dualmasterd decides by both MySQL/MariaDB servers' health, its VRRP interface and the " \
		  "tiebreaker targets; it watches nothing else"
#define WHY_LVS "LVS (virtual servers, real servers, their checkers) is not part of dualmaster: keep it in " \
		"a keepalived of its own"
#define WHY_GARP "dualmasterd sends garp_repeat gratuitous ARP rounds on takeover and one round every " \
		 "garp_refresh_ms while master; it has no delayed or lower-priority rounds"
#define WHY_MCAST "dualmasterd sends adverts to 224.0.0.18, or to vrrp.unicast_peers"
#define WHY_VMAC "virtual MAC interfaces are not supported: the VIPs are announced by gratuitous ARP from " \
		 "the interface's own MAC"
#define WHY_STATIC "not moved by VRRP: configure it in the system's network configuration"
#define WHY_NOTIFY "the generic notify script is not carried: hooks.on_master, on_backup, on_fault and on_stop " \
		   "are run instead, with the new state in $DM_STATE"
#define WHY_ROUTES "dualmasterd moves addresses only: add routes and rules from hooks.on_master and on_backup"

static const struct {
	const char *kw, *why;
} why_table[] = {
	{ "notification_email", WHY_MAIL },
	{ "notification_email_from", WHY_MAIL },
	{ "smtp_server", WHY_MAIL },
	{ "smtp_connect_timeout", WHY_MAIL },
	{ "smtp_helo_name", WHY_MAIL },
	{ "smtp_alert", WHY_MAIL },
	{ "smtp_alert_vrrp", WHY_MAIL },
	{ "smtp_alert_checker", WHY_MAIL },
	{ "enable_script_security", WHY_SCRIPT_SEC },
	{ "script_user", WHY_SCRIPT_SEC },
	{ "vrrp_strict", "dualmasterd follows RFC 3768/5798 (TTL 255, one address family, no VIP owner); it "
			 "adds no firewall rules" },
	{ "strict_mode", "dualmasterd follows RFC 3768/5798 (TTL 255, one address family, no VIP owner); it "
			 "adds no firewall rules" },
	{ "vrrp_iptables", "dualmasterd adds no firewall rules" },
	{ "vrrp_ipsets", "dualmasterd adds no firewall rules" },
	{ "vrrp_mcast_group4", WHY_MCAST },
	{ "mcast_dst_ip", WHY_MCAST },
	{ "vrrp_garp_master_delay", WHY_GARP },
	{ "vrrp_garp_master_refresh_repeat", WHY_GARP },
	{ "vrrp_garp_lower_prio_delay", WHY_GARP },
	{ "vrrp_garp_lower_prio_repeat", WHY_GARP },
	{ "vrrp_garp_interval", WHY_GARP },
	{ "vrrp_gna_interval", WHY_GARP },
	{ "garp_master_delay", WHY_GARP },
	{ "garp_master_refresh_repeat", WHY_GARP },
	{ "garp_lower_prio_delay", WHY_GARP },
	{ "garp_lower_prio_repeat", WHY_GARP },
	{ "garp_extra_if", WHY_GARP },
	{ "garp_group", WHY_GARP },
	{ "dont_track_primary", "dualmasterd always tracks its VRRP interface: link, carrier or address loss "
				"puts the node in FAULT" },
	{ "accept", "dualmasterd adds the VIPs as ordinary addresses: the master always accepts packets to "
		    "them" },
	{ "no_accept", "not supported: the master always accepts packets to the VIPs, which are ordinary "
		       "addresses" },
	{ "use_vmac", WHY_VMAC },
	{ "vmac_xmit_base", WHY_VMAC },
	{ "virtual_server", WHY_LVS },
	{ "virtual_server_group", WHY_LVS },
	{ "lvs_id", WHY_LVS },
	{ "lvs_sync_daemon", WHY_LVS },
	{ "lvs_sync_daemon_interface", WHY_LVS },
	{ "vrrp_sync_group", "dualmasterd runs one VRRP instance: there is nothing to synchronise" },
	{ "notify", WHY_NOTIFY },
	{ "notify_master_rx_lower_pri", WHY_NOTIFY },
	{ "virtual_routes", WHY_ROUTES },
	{ "virtual_rules", WHY_ROUTES },
	{ "static_ipaddress", WHY_STATIC },
	{ "static_routes", WHY_STATIC },
	{ "static_rules", WHY_STATIC },
	{ "native_ipv6", "dualmasterd advertises in the family of the first VIP: list an IPv6 VIP first" },
	{ "track_file", WHY_TRACK },
	{ "track_process", WHY_TRACK },
	{ "track_bfd", WHY_TRACK },
	{ "vrrp_track_file", WHY_TRACK },
	{ "vrrp_track_process", WHY_TRACK },
	{ "bfd_instance", WHY_TRACK },
	{ "unicast_ttl", "dualmasterd sends and requires TTL 255 in both modes (RFC 5798 7.1)" },
	{ "mcast_src_ip", "one IP address is carried" },
	{ "unicast_src_ip", "one IP address is carried" },
	{ "lower_prio_no_advert", "dualmasterd answers a lower-priority advert as RFC 5798 wants" },
	{ "higher_prio_send_advert", "dualmasterd settles two masters with its heal (terms, then GTIDs): "
				     "see dualmasterd(8)" },
	{ "down_timer_adverts", "dualmasterd uses the RFC's 3 advert intervals plus skew time" },
};

static const char *why_not(const char *k)
{
	if (strncmp(k, "include", 7) == 0)
		return "the included file is not read: merge it into this file and import again";
	if (k[0] == '@')
		return "conditional configuration is node-specific: import a file with this node's lines only";
	if (k[0] == '$')
		return "keepalived parameters are not expanded: replace them by their values and import again";
	for (size_t i = 0; i < sizeof(why_table) / sizeof(why_table[0]); i++)
		if (strcmp(why_table[i].kw, k) == 0)
			return why_table[i].why;
	return "no dualmaster equivalent";
}

static void not_known(struct ctx *c, enum sec sec, int si)
{
	not_carried(c, sec, si, "%s", why_not(wd(c, si, 0)));
}

/* ---- global_defs ---- */

static void do_global(struct ctx *c, int si)
{
	for (int ch = st(c, si)->child; ch >= 0; ch = st(c, ch)->next) {
		long v;
		if (kw(c, ch, "router_id") && st(c, ch)->nw == 2) {
			if (wlen(c, ch, 1) == 0 || wlen(c, ch, 1) > 63 ||
			    !set_str(c, I_NODE_NAME, wd(c, ch, 1), wlen(c, ch, 1)))
				not_carried(c, S_TOP, ch, "node_name must be 1-63 characters, without control characters");
			else
				note(c, I_NODE_NAME, "from router_id (line %d): different on the two nodes", st(c, ch)->line);
		} else if (kw(c, ch, "vrrp_version")) {
			if (st(c, ch)->nw == 2 && parse_long(wd(c, ch, 1), &v) && (v == 2 || v == 3)) {
				c->version = (int)v;
				c->version_line = st(c, ch)->line;
			} else {
				not_carried(c, S_TOP, ch, "vrrp_version must be 2 or 3");
			}
		} else if (kw(c, ch, "vrrp_garp_master_repeat") && st(c, ch)->nw == 2 && parse_long(wd(c, ch, 1), &v) &&
			   v >= 0 && v <= 100) {
			c->g_garp_repeat = (struct gdef){ v, st(c, ch)->line };
		} else if (kw(c, ch, "vrrp_garp_master_refresh") && st(c, ch)->nw == 2 &&
			   parse_secs_ms(wd(c, ch, 1), &v) && v <= 86400000) {
			c->g_garp_refresh = (struct gdef){ v, st(c, ch)->line };
		} else {
			not_known(c, S_TOP, ch);
		}
	}
}

/* ---- vrrp_instance ---- */

static const char *const vip_opt_arg[] = { "dev", "label", "brd", "broadcast", "scope", "peer", "preferred_lft",
					   "track_group", NULL };
static const char *const vip_opt_flag[] = { "home", "-nodad", "nodad", "mngtmpaddr", "noprefixroute", "autojoin",
					    "no_track", NULL };

static bool looks_like_addr(const char *w)
{
	return (w[0] >= '0' && w[0] <= '9' && strchr(w, '.')) || strchr(w, ':');
}

/* True when vip ("addr/len") is in the list already; with another prefix length that is said (a
 * VIP is one address, dualmasterd -t refuses it twice). */
static bool listed_already(struct ctx *c, enum item it, int si, const char *vip)
{
	size_t n = strcspn(vip, "/");
	for (int i = 0; i < c->n_vips; i++) {
		if (strncmp(c->vips[i], vip, n) != 0 || c->vips[i][n] != '/')
			continue;
		if (strcmp(c->vips[i], vip) != 0)
			not_carried_at(c, it, si, "%s: the address is listed already, as %s", vip, c->vips[i]);
		return true;
	}
	return false;
}

/* One virtual_ipaddress (excluded: virtual_ipaddress_excluded) entry: ADDR[/PREFIX] with its
 * options from word k on; returns the word after them (the next entry when several share a line). */
static int do_vip(struct ctx *c, int si, int k, bool excluded)
{
	enum item item = I_VIPS;
	const char *addr = wd(c, si, k++), *dev = NULL;
	char opts[160] = "", ip[ADDR_LEN], a[ADDR_LEN], *slash;
	long prefix = 32;

	for (int n = st(c, si)->nw; k < n;) {
		const char *o = wd(c, si, k);
		size_t used = strlen(opts);
		if (in_list(vip_opt_arg, o) && k + 1 < n) {
			if (strcmp(o, "dev") == 0)
				dev = wd(c, si, k + 1);
			else
				snprintf(opts + used, sizeof(opts) - used, "%s%s %.40s", used ? " " : "", o, wd(c, si, k + 1));
			k += 2;
			continue;
		}
		if (!in_list(vip_opt_flag, o) && looks_like_addr(o))
			break;
		snprintf(opts + used, sizeof(opts) - used, "%s%.40s", used ? " " : "", o);
		k++;
	}
	bool v6 = strchr(addr, ':') != NULL;
	long max = v6 ? 128 : 32;
	prefix = max; /* keepalived's default: the host alone */
	snprintf(ip, sizeof(ip), "%.*s", (int)sizeof(ip) - 1, addr);
	slash = strchr(ip, '/');
	if (slash)
		*slash = '\0';
	if (strlen(addr) >= sizeof(ip) || !(v6 ? ipv6_canon(ip, a) : ipv4_canon(ip, a)) ||
	    (slash && (!parse_long(slash + 1, &prefix) || prefix < 1 || prefix > max || slash[1] == '-' || slash[1] == '+'))) {
		not_carried_at(c, item, si, "%.64s is not an %s address with a prefix length 1-%ld", addr,
			       v6 ? "IPv6" : "IPv4", max);
		return k;
	}
	if (dev && strcmp(dev, c->iface) != 0) {
		not_carried_at(c, item, si,
			       "%s is on dev %.32s, not on the instance's interface %.32s: dualmasterd adds VIPs on its VRRP "
			       "interface only (other interfaces are not supported yet)", a, dev, c->iface);
		return k;
	}
	snprintf(ip, sizeof(ip), "%.45s/%u", a, (unsigned)(unsigned char)prefix);
	if (excluded && c->n_evips >= CONF_MAX_VIPS) {
		not_carried_at(c, I_VIPS, si, "%s: dualmasterd holds at most %d VIPs", ip, CONF_MAX_VIPS);
		return k;
	}
	if (excluded) {
		struct evip *e = &c->evips[c->n_evips++];
		e->family = v6 ? 6 : 4;
		e->si = si;
		memcpy(e->addr, ip, sizeof(ip));
		return k;
	}
	if (c->family && c->family != (v6 ? 6 : 4)) {
		not_carried_at(c, I_VIPS, si, "%s: not of the family of the instance's first VIP, which keepalived ignores "
					      "(\"address family must match VRRP instance\"); in virtual_ipaddress_excluded "
					      "it moves along unadvertised", ip);
		return k;
	}
	c->family = v6 ? 6 : 4;
	if (listed_already(c, I_VIPS, si, ip))
		return k;
	if (c->n_vips >= CONF_MAX_VIPS) {
		not_carried_at(c, I_VIPS, si, "%s: dualmasterd holds at most %d VIPs", ip, CONF_MAX_VIPS);
		return k;
	}
	memcpy(c->vips[c->n_vips++], ip, sizeof(ip));
	if (!slash)
		note(c, I_VIPS, "%s (line %d) had no prefix length: keepalived's default /%ld is kept; the address "
				"is usually wanted with the subnet's prefix (%s)", a, st(c, si)->line, max,
		     v6 ? "/64..." : "/24...");
	if (opts[0]) {
		note(c, I_VIPS, "not carried: %s options \"%s\" (line %d): the VIP is added with its address and "
				"prefix only (no label, broadcast or scope)", a, opts, st(c, si)->line);
		c->not_carried++;
	}
	return k;
}

static void do_vips(struct ctx *c, int si, bool excluded)
{
	for (int ch = st(c, si)->child; ch >= 0; ch = st(c, ch)->next) {
		if (st(c, ch)->block) {
			not_carried_at(c, I_VIPS, ch, "a block inside %s", wd(c, si, 0));
			continue;
		}
		for (int k = 0; k < st(c, ch)->nw;)
			k = do_vip(c, ch, k, excluded);
	}
}

/* keepalived advertises virtual_ipaddress only; dualmasterd every VIP of the first VIP's family. So
 * an excluded address of the other family is carried (it moves along unadvertised in both), one of
 * the same family is not: it would make the two list different addresses during a migration. */
static void sort_out_evips(struct ctx *c)
{
	for (int i = 0; i < c->n_evips && i < CONF_MAX_VIPS; i++) {
		const struct evip *e = &c->evips[i];
		if (!c->family || e->family == c->family) {
			not_carried_at(c, I_VIPS, e->si, "%s: keepalived does not advertise virtual_ipaddress_excluded, "
							 "dualmasterd advertises every VIP of the instance's family (that "
							 "of its first VIP): add it to vips once keepalived is gone", e->addr);
			continue;
		}
		if (listed_already(c, I_VIPS, e->si, e->addr))
			continue;
		if (c->n_vips >= CONF_MAX_VIPS) {
			not_carried_at(c, I_VIPS, e->si, "%s: dualmasterd holds at most %d VIPs", e->addr, CONF_MAX_VIPS);
			continue;
		}
		memcpy(c->vips[c->n_vips++], e->addr, ADDR_LEN);
		note(c, I_VIPS, "%s from virtual_ipaddress_excluded (line %d): of the other family, it moves with "
				"the VIPs unadvertised, as in keepalived", e->addr, st(c, e->si)->line);
	}
}

static void do_auth(struct ctx *c, int si)
{
	const char *type = NULL;
	int pass = -1;

	for (int ch = st(c, si)->child; ch >= 0; ch = st(c, ch)->next) {
		if (kw(c, ch, "auth_type") && st(c, ch)->nw == 2)
			type = wd(c, ch, 1);
		else if (kw(c, ch, "auth_pass") && st(c, ch)->nw >= 2)
			pass = ch;
		else
			not_known(c, S_VRRP, ch);
	}
	if (c->version != 2) {
		not_carried_at(c, I_AUTH_PASS, si, "authentication exists only in VRRP version 2 (keepalived ignores it "
						   "with version 3)");
		return;
	}
	if (type && strcasecmp(type, "PASS") != 0) {
		not_carried_at(c, I_AUTH_PASS, si,
			       "auth_type %.16s is not supported: dualmasterd speaks PASS or no authentication; switch the "
			       "keepalived pair to PASS (or none) first, or the nodes will not accept each other's adverts",
			       type);
		return;
	}
	if (pass < 0) {
		not_carried_at(c, I_AUTH_PASS, si, "no auth_pass");
		return;
	}
	size_t n = wlen(c, pass, 1);
	if (n == 0)
		return;
	if (!set_str(c, I_AUTH_PASS, wd(c, pass, 1), n > 8 ? 8 : n)) {
		not_carried_at(c, I_AUTH_PASS, pass, "a password with control characters cannot be carried");
		return;
	}
	note(c, I_AUTH_PASS, "from authentication { auth_type PASS } (line %d): the same on both nodes",
	     st(c, pass)->line);
	if (n > 8)
		note(c, I_AUTH_PASS, "keepalived uses the first 8 characters of auth_pass: those are carried");
}

static void do_peers(struct ctx *c, int si)
{
	for (int ch = st(c, si)->child; ch >= 0; ch = st(c, ch)->next) {
		char a[ADDR_LEN];
		if (st(c, ch)->block || !(ipv4_canon(wd(c, ch, 0), a) || ipv6_canon(wd(c, ch, 0), a))) {
			not_carried_at(c, I_UNICAST_PEERS, ch, "not an IP address");
			continue;
		}
		if (c->n_peers >= CONF_MAX_PEERS) {
			not_carried_at(c, I_UNICAST_PEERS, ch, "dualmasterd takes at most %d unicast peers", CONF_MAX_PEERS);
			continue;
		}
		memcpy(c->peers[c->n_peers++], a, sizeof(a));
		if (st(c, ch)->nw > 1)
			not_carried_at(c, I_UNICAST_PEERS, ch, "min_ttl/max_ttl: dualmasterd requires TTL 255 in both "
							       "modes and accepts adverts from the unicast peers only");
	}
}

static void do_track_interface(struct ctx *c, int si)
{
	for (int ch = st(c, si)->child; ch >= 0; ch = st(c, ch)->next) {
		if (st(c, ch)->nw == 1 && c->iface[0] && strcmp(wd(c, ch, 0), c->iface) == 0)
			gnote(c, S_VRRP, "track_interface %s (line %d): carried, dualmasterd tracks its VRRP interface "
					 "itself (link, carrier or address lost: FAULT)", c->iface, st(c, ch)->line);
		else
			not_carried(c, S_VRRP, ch, "dualmasterd tracks its VRRP interface by itself (link, carrier or "
						   "address lost: FAULT); other interfaces are not tracked (a tiebreaker "
						   "target reached through one covers a lost path there)");
	}
}

/* A vrrp_script's settings: the command, its weight, and where its timing keywords stand. */
enum { SK_INTERVAL, SK_TIMEOUT, SK_FALL, SK_RISE, N_SK };
static const char *const script_keys[N_SK] = { "interval", "timeout", "fall", "rise" };

struct script {
	const char *name, *weight;
	char cmd[512];
	int si;
	int at[N_SK]; /* the statement of each timing keyword; -1: not given */
};

static void read_script(const struct ctx *c, int si, struct script *s)
{
	*s = (struct script){ .name = wd(c, si, 1), .si = si, .at = { -1, -1, -1, -1 } };
	for (int ch = st(c, si)->child; ch >= 0; ch = st(c, ch)->next) {
		const char *k = wd(c, ch, 0);
		if (strcmp(k, "script") == 0) {
			size_t used = 0;
			for (int i = 1; i < st(c, ch)->nw && used < sizeof(s->cmd) - 1; i++)
				used += (size_t)snprintf(s->cmd + used, sizeof(s->cmd) - used, "%s%s", i > 1 ? " " : "",
							 wd(c, ch, i));
		} else if (strcmp(k, "weight") == 0) {
			s->weight = wd(c, ch, 1);
		}
		for (int j = 0; j < N_SK; j++)
			if (strcmp(k, script_keys[j]) == 0)
				s->at[j] = ch;
	}
}

/* The first IPv4 literal among the command's words (a pinged gateway). */
static bool ping_target(const char *cmd, char out[ADDR_LEN])
{
	char w[32];

	while (*cmd) {
		size_t n = strcspn(cmd, " \t'\"");
		if (n > 0 && n < sizeof(w)) {
			memcpy(w, cmd, n);
			w[n] = '\0';
			if (ipv4_canon(w, out))
				return true;
		}
		cmd += n;
		cmd += strspn(cmd, " \t'\"");
	}
	return false;
}

/* A reachability check: ping, fping, arping... as a word of the command, and no MySQL in it
 * ("mysqladmin ping" checks the server). */
static bool is_ping(const char *cmd)
{
	static const char *const progs[] = { "ping", "ping4", "fping", "arping", "hping3", NULL };
	char w[64];

	if (strcasestr(cmd, "mysql") || strcasestr(cmd, "mariadb"))
		return false;
	while (*cmd) {
		size_t n = strcspn(cmd, " \t'\"");
		if (n > 0 && n < sizeof(w)) {
			memcpy(w, cmd, n);
			w[n] = '\0';
			const char *base = strrchr(w, '/');
			if (in_list(progs, base ? base + 1 : w))
				return true;
		}
		cmd += n;
		cmd += strspn(cmd, " \t'\"");
	}
	return false;
}

static void script_as_tiebreaker(struct ctx *c, const struct script *s, int track)
{
	char a[ADDR_LEN];
	bool found = ping_target(s->cmd, a);

	not_carried(c, S_TIEBREAKER, track,
		    "vrrp_script %.64s (line %d, \"%.120s\") checks reachability: dualmasterd's tiebreaker does that (a "
		    "node that reaches none of its targets is not eligible, a master steps down)%s", s->name,
		    st(c, s->si)->line, s->cmd, found ? "; its address is carried as a target" : "");
	if (!found) {
		note(c, I_T_TARGETS, "set targets = {\"<the address vrrp_script %.64s pings>\"} (a literal IPv4 "
				     "address; names are not resolved)", s->name);
		return;
	}
	for (int i = 0; i < c->n_targets; i++)
		if (strcmp(c->targets[i], a) == 0)
			return;
	if (c->n_targets >= CONF_MAX_TARGETS)
		return;
	memcpy(c->targets[c->n_targets++], a, sizeof(a));
	note(c, I_T_TARGETS, "%s: from vrrp_script %.64s (line %d)", a, s->name, st(c, s->si)->line);
	int iv = s->at[SK_INTERVAL];
	if (iv >= 0 && !c->slot[I_T_INTERVAL].set && set_ms(c, I_T_INTERVAL, iv, 100, 600000))
		note(c, I_T_INTERVAL, "from vrrp_script %.64s interval %.32s (line %d)", s->name, wd(c, iv, 1),
		     st(c, iv)->line);
}

/* The health check timing from the first tracked script that is not a ping. */
static void script_timing(struct ctx *c, const struct script *s)
{
	static const struct {
		enum item it;
		long lo, hi;
		bool secs;
	} map[N_SK] = {
		[SK_INTERVAL] = { I_H_INTERVAL, 50, 60000, true },
		[SK_TIMEOUT] = { I_H_TIMEOUT, 50, 60000, true },
		[SK_FALL] = { I_H_FALL, 1, 100, false },
		[SK_RISE] = { I_H_RISE, 1, 100, false },
	};
	bool any = false;

	for (int i = 0; i < N_SK; i++)
		any = any || s->at[i] >= 0;
	if (c->health_set) {
		if (any)
			gnote(c, S_HEALTH, "vrrp_script %.64s: its interval, timeout, fall and rise are not used, only "
					   "the first tracked script's are", s->name);
		return;
	}
	c->health_set = true;
	for (int i = 0; i < N_SK; i++) {
		int si = s->at[i];
		if (si < 0)
			continue;
		bool ok = map[i].secs ? set_ms(c, map[i].it, si, map[i].lo, map[i].hi)
				      : set_bounded(c, map[i].it, si, 1, map[i].lo, map[i].hi);
		if (ok)
			note(c, map[i].it, "from vrrp_script %.64s %s %.32s (line %d): the first tracked script's only",
			     s->name, wd(c, si, 0), wd(c, si, 1), st(c, si)->line);
	}
}

static int find_script(const struct ctx *c, const char *name)
{
	for (int i = 0; i < c->n_scripts; i++)
		if (strcmp(wd(c, c->scripts[i], 1), name) == 0)
			return i;
	return -1;
}

static void do_track_script(struct ctx *c, int si)
{
	for (int ch = st(c, si)->child; ch >= 0; ch = st(c, ch)->next) {
		int i = find_script(c, wd(c, ch, 0));
		struct script s;
		if (i < 0) {
			not_carried(c, S_HEALTH, ch, "no vrrp_script %.64s in this file", wd(c, ch, 0));
			continue;
		}
		c->script_used[i] = true;
		read_script(c, c->scripts[i], &s);
		/* track_script's own weight overrides the script's. */
		const char *weight = st(c, ch)->nw >= 3 && strcmp(wd(c, ch, 1), "weight") == 0 ? wd(c, ch, 2) : s.weight;
		if (is_ping(s.cmd)) {
			script_as_tiebreaker(c, &s, ch);
			continue;
		}
		intro(c, S_HEALTH, "keepalived's track_script checks are replaced: dualmasterd probes the local and the "
				   "peer MySQL/MariaDB server itself (interval_ms, timeout_ms, fall, rise). A local server "
				   "down makes the node ineligible and a master steps down; replication faults cost "
				   "weight_io_down, weight_sql_down and weight_lag priority.");
		not_carried(c, S_HEALTH, ch,
			    "vrrp_script %.64s (line %d, \"%.120s\"): the script is not run and its track_script weight "
			    "%.16s%s is not applied; the health section replaces it", s.name, st(c, s.si)->line, s.cmd,
			    weight ? weight : "0", weight ? "" : " (a failure put keepalived's instance in FAULT)");
		script_timing(c, &s);
	}
}

static const struct {
	const char *kw;
	enum item it;
} hook_map[] = {
	{ "notify_master", I_ON_MASTER },
	{ "notify_backup", I_ON_BACKUP },
	{ "notify_fault", I_ON_FAULT },
	{ "notify_stop", I_ON_STOP },
};

/* notify_master "CMD" [user [group]]: CMD is split as keepalived does (blanks, '...' quoting). */
static void do_hook(struct ctx *c, int si, enum item it)
{
	const char *cmd = wd(c, si, 1);
	char prog[CONF_STR];
	size_t n;

	intro(c, S_HOOKS, "dualmasterd sets read_only and semi-sync itself: a notify script that only does SET GLOBAL "
			  "read_only must be dropped (two things flipping read_only fight). Hooks run as the daemon's "
			  "user, without arguments, with DM_STATE, DM_REASON, DM_VIPS and DM_NODE in the environment.");
	if (st(c, si)->nw < 2 || has_ctl(cmd, wlen(c, si, 1))) {
		not_carried_at(c, it, si, "no script, or one with control characters");
		return;
	}
	cmd += strspn(cmd, " \t");
	if (*cmd == '\'') {
		n = strcspn(cmd + 1, "'");
		snprintf(prog, sizeof(prog), "%.*s", (int)(n < sizeof(prog) ? n : sizeof(prog) - 1), cmd + 1);
		cmd += 1 + n + (cmd[1 + n] == '\'');
	} else {
		n = strcspn(cmd, " \t");
		snprintf(prog, sizeof(prog), "%.*s", (int)(n < sizeof(prog) ? n : sizeof(prog) - 1), cmd);
		cmd += n;
	}
	cmd += strspn(cmd, " \t");
	if (prog[0] != '/' || strlen(prog) >= sizeof(prog) - 1) {
		not_carried_at(c, it, si, "a hook must be an absolute path to an executable (under %d characters)",
			       CONF_STR - 1);
		return;
	}
	if (st(c, si)->nw > 2)
		note(c, it, "keepalived ran it as user %.32s: hooks run as the daemon's user", wd(c, si, 2));
	if (*cmd) {
		not_carried_at(c, it, si,
			       "hooks run without arguments (\"%.100s\" here): the new state is in $DM_STATE; adapt the "
			       "script, then set %s = \"%.200s\"", cmd, item_def[it].key, prog);
		return;
	}
	set_str(c, it, prog, strlen(prog));
	note(c, it, "from %s (line %d)", wd(c, si, 0), st(c, si)->line);
}

/* interface and version first: VIPs are compared with the one, advert_int and authentication
 * depend on the other, wherever they stand in the block. */
static void instance_prescan(struct ctx *c)
{
	for (int ch = st(c, c->inst)->child; ch >= 0; ch = st(c, ch)->next) {
		long v;
		if (kw(c, ch, "interface") && st(c, ch)->nw == 2 && !has_ctl(wd(c, ch, 1), wlen(c, ch, 1)))
			c->iface = wd(c, ch, 1);
		else if (kw(c, ch, "version") && st(c, ch)->nw == 2 && parse_long(wd(c, ch, 1), &v) && (v == 2 || v == 3)) {
			c->version = (int)v;
			c->version_line = st(c, ch)->line;
			c->version_in_instance = true;
		} else if (kw(c, ch, "nopreempt")) {
			c->nopreempt = true;
		}
	}
}

static void do_advert(struct ctx *c, int si)
{
	long ms, r;

	if (st(c, si)->nw != 2 || !parse_secs_ms(wd(c, si, 1), &ms)) {
		not_carried(c, S_VRRP, si, "not a number of seconds");
		return;
	}
	/* v2: whole seconds in 8 bits; v3: centiseconds in 12 bits. */
	long step = c->version == 2 ? 1000 : 10, lo = step, hi = c->version == 2 ? 255000 : 40950;
	r = (ms + step - 1) / step * step;
	if (r < lo)
		r = lo;
	if (r > hi)
		r = hi;
	if (r != ms)
		note(c, I_ADVERT, "advert_int %.32s (line %d) is %ld ms: version %d carries %s, so %ld", wd(c, si, 1),
		     st(c, si)->line, ms, c->version, c->version == 2 ? "whole seconds 1-255" : "10-40950 ms in steps of 10",
		     r);
	set_int(c, I_ADVERT, r);
}

static void do_instance_stmt(struct ctx *c, int ch)
{
	const char *k = wd(c, ch, 0);
	int nw = st(c, ch)->nw;
	bool block = st(c, ch)->block;
	char a[ADDR_LEN];

	for (size_t i = 0; i < sizeof(hook_map) / sizeof(hook_map[0]); i++)
		if (strcmp(k, hook_map[i].kw) == 0) {
			do_hook(c, ch, hook_map[i].it);
			return;
		}
	if (strcmp(k, "interface") == 0) {
		if (nw == 2 && c->iface == wd(c, ch, 1))
			set_str(c, I_IFACE, c->iface, strlen(c->iface));
		else
			not_carried(c, S_VRRP, ch, "one interface name without control characters; the last one counts");
	} else if (strcmp(k, "virtual_router_id") == 0) {
		long v;
		if (nw == 2 && parse_long(wd(c, ch, 1), &v) && v >= 1 && v <= 255)
			set_int(c, I_VRID, v);
		else
			not_carried(c, S_VRRP, ch, "virtual_router_id must be 1-255");
	} else if (strcmp(k, "priority") == 0) {
		long v;
		if (nw != 2 || !parse_long(wd(c, ch, 1), &v) || v < 1 || v > 255) {
			not_carried(c, S_VRRP, ch, "priority must be 1-255");
		} else if (v == 255) {
			set_int(c, I_PRIORITY, 254);
			note(c, I_PRIORITY, "priority 255 (line %d, keepalived's address owner) lowered to 254: dualmasterd "
					    "never claims to own the address, it always takes over through its fence and "
					    "catch-up sequence", st(c, ch)->line);
		} else {
			set_int(c, I_PRIORITY, v);
		}
	} else if (strcmp(k, "advert_int") == 0) {
		do_advert(c, ch);
	} else if (strcmp(k, "state") == 0 && nw == 2 && strcmp(wd(c, ch, 1), "BACKUP") == 0) {
		gnote(c, S_VRRP, "state BACKUP (line %d): carried, dualmasterd always starts as BACKUP with its server "
				 "read-only and lets the election decide: the higher priority becomes master", st(c, ch)->line);
	} else if (strcmp(k, "state") == 0) {
		not_carried(c, S_VRRP, ch, "dualmasterd always starts as BACKUP with its server read-only and lets the "
					   "election decide: the higher priority becomes master");
	} else if (strcmp(k, "nopreempt") == 0) {
		set_word(c, I_PREEMPT, "false");
		note(c, I_PREEMPT, "from nopreempt (line %d): a recovered node does not take the role back",
		     st(c, ch)->line);
	} else if (strcmp(k, "preempt") == 0 && nw == 1 && !block) {
		/* keepalived's default, kept for compatibility there: the default below says it. */
	} else if (strcmp(k, "preempt_delay") == 0) {
		if (set_ms(c, I_PREEMPT_DELAY, ch, 0, 3600000))
			note(c, I_PREEMPT_DELAY, "from preempt_delay %.32s (line %d)", wd(c, ch, 1), st(c, ch)->line);
	} else if (strcmp(k, "virtual_ipaddress") == 0 && block) {
		do_vips(c, ch, false);
	} else if (strcmp(k, "virtual_ipaddress_excluded") == 0 && block) {
		do_vips(c, ch, true);
	} else if (strcmp(k, "authentication") == 0 && block) {
		do_auth(c, ch);
	} else if ((strcmp(k, "unicast_src_ip") == 0 || strcmp(k, "mcast_src_ip") == 0) && nw == 2 &&
		   (ipv4_canon(wd(c, ch, 1), a) || ipv6_canon(wd(c, ch, 1), a))) {
		set_str(c, I_SRC_IP, a, strlen(a));
		note(c, I_SRC_IP, "from %s (line %d)", k, st(c, ch)->line);
	} else if (strcmp(k, "unicast_peer") == 0 && block) {
		do_peers(c, ch);
	} else if (strcmp(k, "track_interface") == 0 && block) {
		do_track_interface(c, ch);
	} else if (strcmp(k, "track_script") == 0 && block) {
		do_track_script(c, ch);
	} else if (strcmp(k, "garp_master_repeat") == 0) {
		set_bounded(c, I_GARP_REPEAT, ch, 1, 0, 100);
	} else if (strcmp(k, "garp_master_refresh") == 0) {
		if (set_ms(c, I_GARP_REFRESH, ch, 0, 86400000))
			note(c, I_GARP_REFRESH, "from garp_master_refresh %.32s (line %d)", wd(c, ch, 1), st(c, ch)->line);
	} else if (strcmp(k, "version") == 0) {
		/* taken by instance_prescan when valid */
		if (!c->version_in_instance || c->version_line != st(c, ch)->line)
			not_carried(c, S_VRRP, ch, "version must be 2 or 3 (the last valid one counts)");
	} else if (strcmp(k, "check_unicast_src") == 0 && nw == 1) {
		gnote(c, S_VRRP, "check_unicast_src (line %d): carried, dualmasterd accepts adverts from its unicast "
				 "peers only (vrrp.accept_from defaults to them)", st(c, ch)->line);
	} else {
		not_known(c, S_VRRP, ch);
	}
}

/* A global_defs value the instance did not set itself. */
static void global_default(struct ctx *c, enum item it, const struct gdef *g, const char *name)
{
	if (!g->line)
		return;
	if (c->slot[it].set) {
		note(c, it, "the instance's own value overrides global_defs %s (line %d)", name, g->line);
		return;
	}
	set_int(c, it, g->v);
	note(c, it, "from global_defs %s (line %d)", name, g->line);
}

static void instance_defaults(struct ctx *c)
{
	if (!c->slot[I_IFACE].set) {
		set_str(c, I_IFACE, "eth0", 4);
		change_me(c, I_IFACE, "the vrrp_instance names no (usable) interface: the one adverts go out on");
	}
	if (!c->slot[I_VRID].set) {
		set_int(c, I_VRID, 51);
		change_me(c, I_VRID, "no usable virtual_router_id: use the keepalived pair's, 1-255");
	}
	sort_out_evips(c);
	bool v6 = c->family == 6;
	if (v6 && c->version != 3) {
		note(c, I_VERSION, "the first VIP is IPv6: keepalived runs such an instance with VRRPv3 whatever "
				   "version says, so does dualmasterd");
		c->version = 3;
	}
	set_int(c, I_VERSION, c->version);
	if (!v6 && !c->version_line)
		note(c, I_VERSION, "keepalived's default: neither vrrp_version (global_defs) nor version is set");
	else if (!v6)
		note(c, I_VERSION, "from %s (line %d)", c->version_in_instance ? "version" : "vrrp_version",
		     c->version_line);
	if (!c->slot[I_PRIORITY].set) {
		set_int(c, I_PRIORITY, 100);
		note(c, I_PRIORITY, "keepalived's default priority");
	}
	if (!c->slot[I_ADVERT].set) {
		set_int(c, I_ADVERT, 1000);
		note(c, I_ADVERT, "keepalived's default advert_int 1");
	}
	if (!c->slot[I_PREEMPT].set) {
		set_word(c, I_PREEMPT, "true");
		note(c, I_PREEMPT, "keepalived preempts unless nopreempt is set, so this keeps its behaviour. For "
				   "databases preempt = false is recommended: a recovered node taking the role back "
				   "moves the writes a second time.");
	}
	/* keepalived skips a unicast peer of the other family ("MUST be of the same family"). */
	int kept = 0;
	for (int i = 0; i < c->n_peers; i++) {
		if ((strchr(c->peers[i], ':') != NULL) == v6)
			memmove(c->peers[kept++], c->peers[i], ADDR_LEN);
		else
			note(c, I_UNICAST_PEERS, "not carried: unicast_peer %s, not of the family of the first VIP "
						 "(keepalived skips it too)", c->peers[i]);
	}
	c->n_peers = kept;
	if (c->n_peers)
		set_list(c, I_UNICAST_PEERS, c->peers, c->n_peers);
	if (c->slot[I_SRC_IP].set && (strchr(c->slot[I_SRC_IP].val.p, ':') != NULL) != v6) {
		c->slot[I_SRC_IP].set = false;
		note(c, I_SRC_IP, "not carried: not of the family of the first VIP (%s)",
		     v6 ? "an IPv6 instance sends from the interface's link-local address unless told another IPv6 one"
			: "IPv4");
	}
	if (v6 && c->n_peers && !c->slot[I_SRC_IP].set) {
		set_str(c, I_SRC_IP, "2001:db8::1", 11);
		change_me(c, I_SRC_IP, "this node's IPv6 address, the one the peer lists in unicast_peer: IPv6 unicast "
				       "needs it (dualmasterd -t refuses the instance without)");
	}
	set_list(c, I_VIPS, c->vips, c->n_vips);
	if (!c->n_vips)
		change_me(c, I_VIPS, "no VIP on the instance's interface was found: add the address(es) "
				     "dualmasterd must hold, \"a.b.c.d/prefix\" (dualmasterd -t refuses an empty list)");
	global_default(c, I_GARP_REPEAT, &c->g_garp_repeat, "vrrp_garp_master_repeat");
	global_default(c, I_GARP_REFRESH, &c->g_garp_refresh, "vrrp_garp_master_refresh");
}

static void do_instance(struct ctx *c)
{
	instance_prescan(c);
	for (int ch = st(c, c->inst)->child; ch >= 0; ch = st(c, ch)->next)
		do_instance_stmt(c, ch);
	instance_defaults(c);
}

/* The parts keepalived.conf has nothing for, and the node's name. */
static void fixed_parts(struct ctx *c)
{
	if (!c->slot[I_NODE_NAME].set) {
		set_str(c, I_NODE_NAME, "CHANGE-ME", 9);
		change_me(c, I_NODE_NAME, "no router_id in global_defs (keepalived then uses the host name): this "
					  "node's name, different on the two nodes");
	}
	set_str(c, I_L_SOCKET, "/var/lib/mysql/mysql.sock", 25);
	note(c, I_L_SOCKET, "the local server's socket (RHEL/CentOS path; Debian/Ubuntu: /run/mysqld/mysqld.sock)");
	set_str(c, I_L_USER, "dualmaster", 10);
	note(c, I_L_USER, "dualmasterd's own account on both servers (sql/ in the dualmaster sources creates it)");
	set_str(c, I_L_PWFILE, "/etc/dualmaster/mysql.password", 30);
	note(c, I_L_PWFILE, "mode 0600, owned by the user the daemon runs as");
	if (c->n_peers) {
		set_str(c, I_P_HOST, c->peers[0], strlen(c->peers[0]));
		note(c, I_P_HOST, "the first unicast_peer: the peer's server must listen there");
	} else {
		set_str(c, I_P_HOST, "192.0.2.12", 10);
		change_me(c, I_P_HOST, "the other node's MySQL/MariaDB address (an IP address). With IPv4 multicast "
				       "adverts it is also the only address adverts are accepted from (vrrp.accept_from "
				       "defaults to it).");
	}
	set_str(c, I_P_USER, "dualmaster", 10);
	set_str(c, I_P_PWFILE, "/etc/dualmaster/mysql.password", 30);
	if (c->n_targets) {
		set_list(c, I_T_TARGETS, c->targets, c->n_targets);
	} else {
		note(c, I_T_TARGETS, "no ping check in keepalived.conf: set targets = {\"<gateway of the VRRP segment>\"}. "
				     "Without one a master cut off beyond its own link stays writable while the peer "
				     "takes over (dualmasterd -t warns).");
	}
}

/* ---- output ---- */

/* One comment line wrapped at WRAP columns. */
static void emit_comment(struct obuf *out, const char *s, size_t n, const char *indent)
{
	size_t width = WRAP - strlen(indent) - 2;
	bool first = true;

	do {
		size_t w = first ? width : width - 2, take = n;
		if (take > w) {
			take = w;
			for (size_t i = w; i > w / 2; i--)
				if (s[i] == ' ') {
					take = i;
					break;
				}
		}
		ob_puts(out, indent);
		ob_puts(out, first ? "# " : "#   ");
		ob_mem(out, s, take);
		ob_mem(out, "\n", 1);
		s += take;
		n -= take;
		while (n && *s == ' ') {
			s++;
			n--;
		}
		first = false;
	} while (n > 0);
}

static void emit_notes(struct obuf *out, const struct obuf *notes, const char *indent)
{
	const char *p = notes->p, *end = p + notes->len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		emit_comment(out, p, n, indent);
		p += n + 1;
	}
}

static void emit_section(struct ctx *c, struct obuf *out, enum sec s)
{
	const char *indent = sec_head[s] ? "  " : "";
	bool any = c->gen[s].len > 0 || c->intro[s].len > 0;

	for (int i = 0; i < N_ITEMS; i++)
		if (item_def[i].sec == s && (c->slot[i].set || c->slot[i].notes.len))
			any = true;
	if (!any)
		return;
	ob_puts(out, "\n");
	if (s == S_OTHER)
		ob_puts(out, "# Elsewhere in the keepalived configuration:\n");
	if (sec_head[s])
		ob_printf(out, "%s {\n", sec_head[s]);
	emit_notes(out, &c->intro[s], indent);
	for (int i = 0; i < N_ITEMS; i++) {
		if (item_def[i].sec != s)
			continue;
		emit_notes(out, &c->slot[i].notes, indent);
		if (c->slot[i].set) {
			ob_printf(out, "%s%s = ", indent, item_def[i].key);
			ob_mem(out, c->slot[i].val.p, c->slot[i].val.len);
			ob_puts(out, "\n");
		}
	}
	emit_notes(out, &c->gen[s], indent);
	if (sec_head[s])
		ob_puts(out, "}\n");
}

__attribute__((format(printf, 2, 3))) static void head(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note_v(&c->head, fmt, ap);
	va_end(ap);
}

static void emit(struct ctx *c, struct obuf *out)
{
	const struct stmt *in = st(c, c->inst);

	/* The file name and the instance's are the user's: through note_v, which drops control characters. */
	head(c, "dualmaster.conf imported from the keepalived configuration %.200s by \"dualmasterctl "
		"import-keepalived\" (vrrp_instance %.64s, lines %d-%d).", c->name, wd(c, c->inst, 1), in->line,
	     in->end_line);
	head(c, "REVIEW IT BEFORE USE. \"not carried:\" comments are keepalived settings this file does not carry, "
		"and why; \"CHANGE ME\" marks a placeholder. Then check it on the node with:");
	head(c, "    dualmasterd -t -f THIS_FILE");
	head(c, "Import each node's own keepalived.conf: router_id, priority, unicast_src_ip and unicast_peer "
		"differ between the nodes.");
	head(c, "%d keepalived setting(s) not carried, %d placeholder(s) to change.", c->not_carried, c->change_me);
	emit_notes(out, &c->head, "");
	for (int s = 0; s < N_SEC; s++)
		emit_section(c, out, (enum sec)s);
}

/* ---- the whole ---- */

static int find_instance(const struct ctx *c)
{
	for (int si = c->t->top; si >= 0; si = st(c, si)->next)
		if (kw(c, si, "vrrp_instance"))
			return si;
	return -1;
}

static void top_level(struct ctx *c)
{
	for (int si = c->t->top; si >= 0; si = st(c, si)->next) {
		if (kw(c, si, "vrrp_script") && st(c, si)->block && st(c, si)->nw == 2) {
			if (c->n_scripts < MAX_SCRIPTS)
				c->scripts[c->n_scripts++] = si;
			else
				not_carried(c, S_OTHER, si, "more than %d vrrp_script blocks", MAX_SCRIPTS);
		}
	}
	for (int si = c->t->top; si >= 0; si = st(c, si)->next)
		if (kw(c, si, "global_defs") && st(c, si)->block)
			do_global(c, si);
	do_instance(c);
	for (int si = c->t->top; si >= 0; si = st(c, si)->next) {
		if (si == c->inst || (kw(c, si, "global_defs") && st(c, si)->block))
			continue;
		if (kw(c, si, "vrrp_script") && st(c, si)->block && st(c, si)->nw == 2) {
			int i = find_script(c, wd(c, si, 1));
			if (i >= 0 && c->scripts[i] == si && !c->script_used[i])
				not_carried(c, S_OTHER, si, "not tracked by the imported vrrp_instance");
		} else if (kw(c, si, "vrrp_instance")) {
			not_carried(c, S_OTHER, si, "dualmasterd runs one VRRP instance, for one MySQL/MariaDB pair: only "
						    "vrrp_instance %.64s is imported", wd(c, c->inst, 1));
		} else {
			not_known(c, S_OTHER, si);
		}
	}
	fixed_parts(c);
}

static void ctx_free(struct ctx *c)
{
	for (int i = 0; i < N_ITEMS; i++) {
		free(c->slot[i].notes.p);
		free(c->slot[i].val.p);
	}
	for (int s = 0; s < N_SEC; s++) {
		free(c->gen[s].p);
		free(c->intro[s].p);
	}
	free(c->head.p);
}

static bool ctx_failed(const struct ctx *c)
{
	bool f = c->head.failed;

	for (int i = 0; i < N_ITEMS; i++)
		f = f || c->slot[i].notes.failed || c->slot[i].val.failed;
	for (int s = 0; s < N_SEC; s++)
		f = f || c->gen[s].failed || c->intro[s].failed;
	return f;
}

int ka_import(const char *text, size_t len, const char *name, struct ka_import_result *res)
{
	struct tree t = { .top = -1 };
	struct perr e = { .name = name ? name : "-", .buf = res->error, .len = sizeof(res->error) };
	struct ctx *c = NULL;
	struct obuf out = { 0 };
	int rc = -1;

	*res = (struct ka_import_result){ .text = NULL };
	if (!text)
		text = "";
	if (len > KA_IMPORT_MAX_INPUT) {
		fail(&e, 0, "larger than %d bytes", KA_IMPORT_MAX_INPUT);
		return -1;
	}
	if (parse(&t, text, len, &e) < 0)
		goto out;
	c = calloc(1, sizeof(*c));
	if (!c) {
		fail(&e, 0, "out of memory");
		goto out;
	}
	*c = (struct ctx){ .t = &t, .name = e.name, .version = 2, .iface = "" };
	c->inst = find_instance(c);
	if (c->inst < 0) {
		fail(&e, t.lines, "%s: nothing to import (dualmasterd needs one VRRP instance)",
		     t.ns ? "no vrrp_instance" : "empty file, no vrrp_instance");
		goto out;
	}
	if (!st(c, c->inst)->block) {
		fail(&e, st(c, c->inst)->line, "vrrp_instance without its { } block");
		goto out;
	}
	top_level(c);
	emit(c, &out);
	if (ctx_failed(c) || out.failed || !out.p) {
		fail(&e, 0, "out of memory, or the output is over %u bytes", KA_IMPORT_MAX_OUTPUT);
		goto out;
	}
	res->text = out.p;
	res->len = out.len;
	res->not_carried = c->not_carried;
	res->change_me = c->change_me;
	out.p = NULL;
	rc = 0;
out:
	if (c)
		ctx_free(c);
	free(c);
	free(out.p);
	tree_free(&t);
	return rc;
}

void ka_import_free(struct ka_import_result *res)
{
	free(res->text);
	res->text = NULL;
	res->len = 0;
}
