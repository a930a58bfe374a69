/* `dualmasterctl history` formatting (pure): the state file's transitions as lines or JSON. */
#include "history_format.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "status_buf.h"

static int first_of(const struct state_saved *s, int count)
{
	return count >= s->n ? 0 : s->n - count;
}

/* "61/2/0" -> each number in turn; false at the end or on anything else. */
static bool next_phase(const char **p, unsigned long long *v)
{
	char *e;
	if (!**p)
		return false;
	*v = strtoull(*p, &e, 10);
	if (e == *p || (*e && *e != '/'))
		return false;
	*p = *e ? e + 1 : e;
	return true;
}

static void duration(struct status_buf *b, uint64_t ms)
{
	if (ms < 10000)
		status_buf_printf(b, "%" PRIu64 " ms", ms);
	else if (ms < 3600000)
		status_buf_printf(b, "%" PRIu64 " s", ms / 1000);
	else
		status_buf_printf(b, "%" PRIu64 " h %" PRIu64 " min", ms / 3600000, ms % 3600000 / 60000);
}

int history_text(const struct state_saved *s, int count, char *buf, size_t len)
{
	struct status_buf b;
	char when[24];

	status_buf_init(&b, buf, len);
	if (s->n == 0)
		status_buf_puts(&b, "no transitions kept\n");
	for (int i = first_of(s, count); i < s->n; i++) {
		const struct state_entry *e = &s->h[i];
		status_iso_time(e->when_s, when, sizeof(when));
		status_buf_printf(&b, "%s  %-8s -> %-8s after ", when, e->from, e->to);
		duration(&b, e->in_from_ms);
		status_buf_puts(&b, ": ");
		status_buf_flat(&b, e->reason, strlen(e->reason));
		const char *p = e->phases;
		unsigned long long v;
		for (int k = 0; k < STATUS_PHASES && next_phase(&p, &v); k++)
			status_buf_printf(&b, "%s%s %llu", k ? ", " : " (phases ms: ", status_phase_name(k), v);
		if (e->phases[0])
			status_buf_puts(&b, ")");
		status_buf_puts(&b, "\n");
	}
	status_buf_printf(&b, "%d shown of %" PRIu64 " since the state began\n", s->n - first_of(s, count),
			  s->transitions_total);
	return status_buf_end(&b);
}

int history_json(const struct state_saved *s, int count, char *buf, size_t len)
{
	struct status_buf b;
	char when[24];

	status_buf_init(&b, buf, len);
	status_buf_printf(&b, "{\"schema\":1,\"total\":%" PRIu64 ",\"kept\":%d,\"transitions\":[", s->transitions_total,
			  s->n);
	for (int i = first_of(s, count); i < s->n; i++) {
		const struct state_entry *e = &s->h[i];
		status_iso_time(e->when_s, when, sizeof(when));
		status_buf_printf(&b, "%s{\"when\":\"%s\",\"when_s\":%" PRId64 ",\"from\":\"", i > first_of(s, count) ? "," : "",
				  when, e->when_s);
		status_buf_json_escape(&b, e->from);
		status_buf_puts(&b, "\",\"to\":\"");
		status_buf_json_escape(&b, e->to);
		status_buf_printf(&b, "\",\"in_from_ms\":%" PRIu64 ",\"phases_ms\":", e->in_from_ms);
		const char *p = e->phases;
		unsigned long long v;
		int k = 0;
		for (; k < STATUS_PHASES && next_phase(&p, &v); k++)
			status_buf_printf(&b, "%s\"%s\":%llu", k ? "," : "{", status_phase_name(k), v);
		status_buf_puts(&b, k ? "}" : "null");
		status_buf_puts(&b, ",\"reason\":\"");
		status_buf_json_escape(&b, e->reason);
		status_buf_puts(&b, "\"}");
	}
	status_buf_puts(&b, "]}");
	return status_buf_end(&b);
}
