/* VRRP FSM: hand-computed timers and RFC replays from tests/unit/fsm_scenarios/ (see its README). */
#include <arpa/inet.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fsm_invariants.h"
#include "vrrp_fsm.h"

#define SCN_DIR "tests/unit/fsm_scenarios"
#define MAX_TOK 16

/* ---- the scenario harness: one file = one replay ---- */

struct run {
	const char *path;
	int line;
	struct vrrp_fsm_conf conf;
	struct vrrp_fsm f, before;
	bool started;
	uint64_t now;
	bool pending;             /* an "at" line waits for its "expect" */
	struct vrrp_fsm_out out;
	unsigned steps;
	unsigned cover[VRRP_STATE_MAX][VRRP_EV_MAX];
};

static void sfail(const struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sfail(const struct run *r, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s:%d: %s", r->path, r->line, msg);
}

/* Splits on blanks; "..." is one token; '#' outside quotes starts a comment. */
static int tokenize(char *s, char **tok)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#' || n == MAX_TOK)
			return n;
		tok[n++] = s;
		for (bool q = false; *s && (q || (*s != ' ' && *s != '\t' && *s != '\n')); s++)
			if (*s == '"')
				q = !q;
		if (*s)
			*s++ = '\0';
	}
}

/* Decimal with optional '_' separators (4_609_375). */
static uint64_t num(const struct run *r, const char *s)
{
	uint64_t v = 0;
	bool digit = false;

	for (const char *p = s; *p; p++) {
		if (*p == '_')
			continue;
		if (*p < '0' || *p > '9')
			sfail(r, "not a number: '%s'", s);
		v = v * 10 + (uint64_t)(*p - '0');
		digit = true;
	}
	if (!digit)
		sfail(r, "not a number: '%s'", s);
	return v;
}

/* "N" absolute, "+N" relative to base, "none" = 0. */
static uint64_t when(const struct run *r, const char *s, uint64_t base)
{
	if (strcmp(s, "none") == 0)
		return 0;
	return s[0] == '+' ? base + num(r, s + 1) : num(r, s);
}

/* "none" is all zero, as the engine keeps "no master". */
static struct in6_addr addr(const struct run *r, const char *s)
{
	struct in6_addr a = { 0 };

	if (strcmp(s, "none") != 0 && !ipaddr_parse(s, &a))
		sfail(r, "not an IP address: '%s'", s);
	return a;
}

static const char *kv(const struct run *r, const char *tok, const char *key)
{
	size_t n = strlen(key);

	(void)r;
	return strncmp(tok, key, n) == 0 && tok[n] == '=' ? tok + n + 1 : NULL;
}

static const struct {
	const char *name;
	unsigned bit;
} act_names[] = {
	{ "STEP_DOWN", VRRP_ACT_STEP_DOWN },   { "ABORT_TAKEOVER", VRRP_ACT_ABORT_TAKEOVER },
	{ "SEND_PRIO0", VRRP_ACT_SEND_PRIO0 }, { "START_TAKEOVER", VRRP_ACT_START_TAKEOVER },
	{ "SEND_ADVERT", VRRP_ACT_SEND_ADVERT }, { "CLAIM", VRRP_ACT_CLAIM },
};

static unsigned actions(const struct run *r, const char *s)
{
	unsigned bits = 0;
	char buf[128];

	if (strcmp(s, "none") == 0)
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *save = NULL, *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		size_t i = 0;

		while (i < sizeof(act_names) / sizeof(act_names[0]) && strcmp(act_names[i].name, t) != 0)
			i++;
		if (i == sizeof(act_names) / sizeof(act_names[0]))
			sfail(r, "unknown action '%s'", t);
		bits |= act_names[i].bit;
	}
	return bits;
}

static void do_conf(struct run *r, char **tok, int n)
{
	r->conf = (struct vrrp_fsm_conf){ .version = 3, .adver_int_cs = 100, .preempt = true };
	for (int i = 1; i < n; i++) {
		const char *v;

		if ((v = kv(r, tok[i], "version")))
			r->conf.version = (uint8_t)num(r, v);
		else if ((v = kv(r, tok[i], "interval")))
			r->conf.adver_int_cs = (uint16_t)num(r, v);
		else if ((v = kv(r, tok[i], "preempt")))
			r->conf.preempt = num(r, v) != 0;
		else if ((v = kv(r, tok[i], "delay_ms")))
			r->conf.preempt_delay_ms = (uint32_t)num(r, v);
		else if ((v = kv(r, tok[i], "primary")))
			r->conf.primary = addr(r, v);
		else
			sfail(r, "conf: unknown '%s'", tok[i]);
	}
}

static void do_start(struct run *r, char **tok, int n)
{
	uint8_t prio = 100;
	bool eligible = true;

	for (int i = 1; i < n; i++) {
		const char *v;

		if ((v = kv(r, tok[i], "priority")))
			prio = (uint8_t)num(r, v);
		else if ((v = kv(r, tok[i], "eligible")))
			eligible = num(r, v) != 0;
		else
			sfail(r, "start: unknown '%s'", tok[i]);
	}
	vrrp_fsm_init(&r->f, &r->conf, prio, eligible);
	r->started = true;
	r->now = 0;
}

static const char *const ev_words[VRRP_EV_MAX] = {
	[VRRP_EV_STARTUP] = "startup", [VRRP_EV_ADVERT] = "advert", [VRRP_EV_TIMER] = "timer",
	[VRRP_EV_PRIORITY] = "priority", [VRRP_EV_TAKEOVER_DONE] = "done",
	[VRRP_EV_RELINQUISH] = "relinquish", [VRRP_EV_SHUTDOWN] = "shutdown",
};

/* at TIME EVENT [prio= src= int= verdict= | prio= eligible= | ok=] */
static void do_at(struct run *r, char **tok, int n)
{
	struct vrrp_event ev = { .adv_interval_cs = 100 };
	uint64_t t;
	const char *why;
	int e = 0;

	if (!r->started || r->pending || n < 3)
		sfail(r, "'at' needs a started FSM, a time, an event, and no step waiting for 'expect'");
	t = when(r, tok[1], r->now);
	if (t < r->now)
		sfail(r, "time goes backwards: %s", tok[1]);
	while (e < VRRP_EV_MAX && strcmp(ev_words[e], tok[2]) != 0)
		e++;
	if (e == VRRP_EV_MAX)
		sfail(r, "unknown event '%s'", tok[2]);
	ev.type = (enum vrrp_event_type)e;
	for (int i = 3; i < n; i++) {
		const char *v;

		if ((v = kv(r, tok[i], "prio"))) {
			ev.adv_priority = (uint8_t)num(r, v);
			ev.priority = ev.adv_priority;
		} else if ((v = kv(r, tok[i], "src"))) {
			ev.adv_src = addr(r, v);
		} else if ((v = kv(r, tok[i], "int"))) {
			ev.adv_interval_cs = (uint16_t)num(r, v);
		} else if ((v = kv(r, tok[i], "verdict"))) {
			int mag = (int)num(r, v + (v[0] == '-' || v[0] == '+'));

			ev.data_verdict = (int8_t)(v[0] == '-' ? -mag : mag);
		} else if ((v = kv(r, tok[i], "eligible"))) {
			ev.eligible = num(r, v) != 0;
		} else if ((v = kv(r, tok[i], "ok"))) {
			ev.ok = num(r, v) != 0;
		} else {
			sfail(r, "at: unknown '%s'", tok[i]);
		}
	}
	r->now = t;
	memcpy(&r->before, &r->f, sizeof(r->f));
	r->out = vrrp_fsm_step(&r->f, &ev, t);
	if ((why = violation(&r->before, &r->f, &ev, t, &r->out)))
		sfail(r, "invariant broken: %s (%s -> %s: %s)", why, vrrp_state_name(r->out.from),
		      vrrp_state_name(r->out.to), r->out.why ? r->out.why : "");
	r->cover[r->out.from][ev.type]++;
	r->pending = true;
	r->steps++;
}

/* expect STATE [actions=A|B] [deadline=N|+N|none] [ignored] [why="text"] */
static void do_expect(struct run *r, char **tok, int n)
{
	const struct vrrp_fsm_out *o = &r->out;
	bool ignored = false, have_deadline = false;
	unsigned acts = 0;
	uint64_t deadline = 0;

	if (!r->pending || n < 2)
		sfail(r, "'expect STATE ...' must follow an 'at' line");
	r->pending = false;
	if (strcmp(tok[1], vrrp_state_name(o->to)) != 0)
		sfail(r, "state %s, expected %s (why: %s)", vrrp_state_name(o->to), tok[1], o->why);
	for (int i = 2; i < n; i++) {
		const char *v;

		if ((v = kv(r, tok[i], "actions"))) {
			acts = actions(r, v);
		} else if ((v = kv(r, tok[i], "deadline"))) {
			deadline = when(r, v, r->now);
			have_deadline = true;
		} else if (strcmp(tok[i], "ignored") == 0) {
			ignored = true;
		} else if ((v = kv(r, tok[i], "why"))) {
			char want[256];

			snprintf(want, sizeof(want), "%.*s", (int)strlen(v) - 2, v + 1);
			if (v[0] != '"' || strstr(o->why, want) == NULL)
				sfail(r, "why is \"%s\", expected it to contain %s", o->why, v);
		} else {
			sfail(r, "expect: unknown '%s'", tok[i]);
		}
	}
	if (o->actions != acts)
		sfail(r, "actions 0x%x, expected 0x%x (why: %s)", o->actions, acts, o->why);
	if (o->ignored != ignored)
		sfail(r, "ignored=%d, expected %d (why: %s)", o->ignored, ignored, o->why);
	if (!have_deadline && !ignored)
		sfail(r, "expect needs deadline= unless the event is ignored");
	if (have_deadline && o->deadline_us != deadline)
		sfail(r, "deadline %llu, expected %llu (why: %s)", (unsigned long long)o->deadline_us,
		      (unsigned long long)deadline, o->why);
}

/* check [master_int=N] [master=ADDR|none] [priority=N] [eligible=0|1] [preempt_waiting=0|1] */
static void do_check(struct run *r, char **tok, int n)
{
	for (int i = 1; i < n; i++) {
		const char *v;
		uint64_t got, want;

		if ((v = kv(r, tok[i], "master_int"))) {
			got = r->f.master_adver_int_cs, want = num(r, v);
		} else if ((v = kv(r, tok[i], "master"))) {
			struct in6_addr w = addr(r, v);
			got = !ipaddr_eq(&r->f.master_addr, &w), want = 0; /* 1: another master */
		} else if ((v = kv(r, tok[i], "priority"))) {
			got = r->f.priority, want = num(r, v);
		} else if ((v = kv(r, tok[i], "eligible"))) {
			got = r->f.eligible, want = num(r, v);
		} else if ((v = kv(r, tok[i], "preempt_waiting"))) {
			got = r->f.preempt_waiting, want = num(r, v);
		} else {
			sfail(r, "check: unknown '%s'", tok[i]);
			return;
		}
		if (got != want)
			sfail(r, "%s: got %llu", tok[i], (unsigned long long)got);
	}
}

static void run_file(struct run *r, const char *path)
{
	char line[512], *tok[MAX_TOK];
	FILE *fp = fopen(path, "r");

	r->path = path;
	r->line = 0;
	r->started = false;
	r->pending = false;
	r->now = 0;
	if (fp == NULL)
		sfail(r, "cannot open");
	while (fgets(line, sizeof(line), fp)) {
		int n;

		r->line++;
		n = tokenize(line, tok);
		if (n == 0)
			continue;
		if (strcmp(tok[0], "conf") == 0)
			do_conf(r, tok, n);
		else if (r->pending && strcmp(tok[0], "expect") != 0)
			sfail(r, "every 'at' needs an 'expect' on the next line");
		else if (strcmp(tok[0], "start") == 0)
			do_start(r, tok, n);
		else if (strcmp(tok[0], "at") == 0)
			do_at(r, tok, n);
		else if (strcmp(tok[0], "expect") == 0)
			do_expect(r, tok, n);
		else if (strcmp(tok[0], "check") == 0)
			do_check(r, tok, n);
		else
			sfail(r, "unknown directive '%s'", tok[0]);
	}
	fclose(fp);
	if (r->pending)
		sfail(r, "file ends after an 'at' without its 'expect'");
	if (r->steps == 0)
		sfail(r, "no steps");
}

static void test_scenario(void **state)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	run_file(r, *state);
	free(r);
}

static int scn_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".scn") == 0;
}

/* Every (state, event) cell of the table is reached by at least one scenario. */
static void test_every_cell_exercised(void **state)
{
	struct dirent **names;
	struct run *r = calloc(1, sizeof(*r));
	char path[512], missing[1024] = "";
	int n = scandir(SCN_DIR, &names, scn_filter, alphasort);

	(void)state;
	assert_non_null(r);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", SCN_DIR, names[i]->d_name);
		r->steps = 0;
		run_file(r, path);
		free(names[i]);
	}
	free(names);
	for (int s = 0; s < VRRP_STATE_MAX; s++) {
		for (int e = 0; e < VRRP_EV_MAX; e++) {
			size_t len = strlen(missing);

			if (r->cover[s][e] == 0)
				snprintf(missing + len, sizeof(missing) - len, " %s/%s",
					 vrrp_state_name((enum vrrp_state)s),
					 vrrp_event_name((enum vrrp_event_type)e));
		}
	}
	free(r);
	if (missing[0])
		fail_msg("cells no scenario reaches:%s", missing);
}

/* ---- timers, names, bad input ---- */

/* Each row worked out by hand from RFC 5798 6.1 / RFC 3768 6.1 (microseconds). */
static void test_timers(void **state)
{
	static const struct {
		uint8_t version, prio;
		uint16_t int_cs;
		uint64_t skew_us, down_us;
	} rows[] = {
		/* (256-100)/256 * 1 s = 0.609375 s, + 3 * 1 s: both versions agree at 1 s */
		{ 3, 100, 100, 609375, 3609375 },
		{ 2, 100, 100, 609375, 3609375 },
		/* v3 scales with the interval: 156 * 10 cs / 256 = 60.9375 ms; v2 would not */
		{ 3, 100, 10, 60937, 360937 },
		/* 56/256 of 2 s = 437.5 ms in v3; v2 keeps 56/256 s = 218.75 ms */
		{ 3, 200, 200, 437500, 6437500 },
		{ 2, 200, 200, 218750, 6218750 },
		{ 3, 255, 100, 3906, 3003906 },     /* 1/256 s = 3906.25 us */
		{ 3, 1, 100, 996093, 3996093 },     /* 255/256 s */
		{ 2, 1, 100, 996093, 3996093 },
		{ 3, 254, 1, 78, 30078 },           /* 2 * 10 ms / 256 = 78.125 us */
		/* 156 * 4095 cs / 256 = 2495.390625 cs: dividing in cs would lose 3906 us */
		{ 3, 100, 4095, 24953906, 147803906 },
		{ 3, 0, 100, 1000000, 4000000 },    /* no range check: a whole interval */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(vrrp_skew_us(rows[i].version, rows[i].prio, rows[i].int_cs),
				 rows[i].skew_us);
		assert_int_equal(vrrp_master_down_us(rows[i].version, rows[i].prio, rows[i].int_cs),
				 rows[i].down_us);
	}
}

static void test_names(void **state)
{
	(void)state;
	for (int s = 0; s < VRRP_STATE_MAX; s++) {
		assert_string_not_equal(vrrp_state_name((enum vrrp_state)s), "?");
		for (int t = 0; t < s; t++)
			assert_string_not_equal(vrrp_state_name((enum vrrp_state)s),
						vrrp_state_name((enum vrrp_state)t));
	}
	for (int e = 0; e < VRRP_EV_MAX; e++) {
		assert_string_not_equal(vrrp_event_name((enum vrrp_event_type)e), "?");
		for (int t = 0; t < e; t++)
			assert_string_not_equal(vrrp_event_name((enum vrrp_event_type)e),
						vrrp_event_name((enum vrrp_event_type)t));
	}
	assert_string_equal(vrrp_state_name(VRRP_STATE_TAKEOVER), "TAKEOVER");
	assert_string_equal(vrrp_event_name(VRRP_EV_TAKEOVER_DONE), "TAKEOVER_DONE");
	assert_string_equal(vrrp_state_name(VRRP_STATE_MAX), "?");
	assert_string_equal(vrrp_event_name((enum vrrp_event_type)-1), "?");
}

static void test_bad_event_type_ignored(void **state)
{
	struct vrrp_fsm_conf c = { .version = 3, .adver_int_cs = 100, .preempt = true };
	struct vrrp_fsm f, before;
	struct vrrp_event ev = { .type = VRRP_EV_MAX };
	struct vrrp_fsm_out o;

	(void)state;
	vrrp_fsm_init(&f, &c, 100, true);
	ev.type = VRRP_EV_STARTUP;
	vrrp_fsm_step(&f, &ev, 1000);
	memcpy(&before, &f, sizeof(f));
	ev.type = VRRP_EV_MAX;
	o = vrrp_fsm_step(&f, &ev, 2000);
	assert_true(o.ignored);
	assert_int_equal(o.actions, 0);
	assert_int_equal(o.to, VRRP_STATE_BACKUP);
	assert_int_equal(o.deadline_us, 1000 + 3609375);
	assert_memory_equal(&before, &f, sizeof(f));
}

int main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_bad_event_type_ignored),
		cmocka_unit_test(test_every_cell_exercised),
	};
	const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
	struct dirent **names;
	struct CMUnitTest *tests;
	int n = scandir(SCN_DIR, &names, scn_filter, alphasort), rc;

	if (n <= 0) {
		fprintf(stderr, "no scenarios in %s (run from the source tree root)\n", SCN_DIR);
		return 1;
	}
	tests = calloc(nfixed + (size_t)n, sizeof(*tests));
	if (tests == NULL)
		return 1;
	memcpy(tests, fixed, sizeof(fixed));
	for (int i = 0; i < n; i++) {
		char *path = malloc(strlen(SCN_DIR) + strlen(names[i]->d_name) + 2);

		if (path == NULL)
			return 1;
		sprintf(path, "%s/%s", SCN_DIR, names[i]->d_name);
		tests[nfixed + (size_t)i] = (struct CMUnitTest){
			.name = path + strlen(SCN_DIR) + 1,
			.test_func = test_scenario,
			.initial_state = path,
		};
		free(names[i]);
	}
	free(names);
	rc = _cmocka_run_group_tests("vrrp_fsm", tests, nfixed + (size_t)n, NULL, NULL);
	for (size_t i = nfixed; i < nfixed + (size_t)n; i++)
		free(tests[i].initial_state);
	free(tests);
	return rc;
}
