/* journald's native protocol through libsystemd (sd_journal_send), for the few lines an operator
 * searches for; everything else stays on stderr (log.c). */
#include "log_journal.h"

#include <stdio.h>
#include <syslog.h>

#include <systemd/sd-journal.h>

#include "log.h"

/* Fixed forever: documented in dualmasterd(8), used in alert rules and journalctl queries. */
static const char *const msgids[] = {
	[LOG_EVENT_TRANSITION] = "97250fc042454993b56b1634ecf32593",
	[LOG_EVENT_SEQUENCE_OK] = "ee26c19f5f9044379797e28f40191a48",
	[LOG_EVENT_SEQUENCE_FAILED] = "402c3c83d7234d85b3de81d25c6a2bce",
};

static void plain(int prio, const char *text)
{
	if (prio <= LOG_ERR)
		log_err("%s", text);
	else if (prio == LOG_WARNING)
		log_warnx("%s", text);
	else if (prio == LOG_NOTICE)
		log_notice("%s", text);
	else
		log_info("%s", text);
}

void log_event(int prio, enum log_event_kind kind, const char *text, const char *state, const char *from,
	       const char *reason)
{
	char msg[1024], why[512];

	if (!log_to_journal()) {
		plain(prio, text);
		return;
	}
	/* Escaped as on stderr: the reason may carry a server's error text. */
	log_escape(msg, sizeof(msg), text);
	log_escape(why, sizeof(why), reason ? reason : "");
	if (sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio, "MESSAGE_ID=%s", msgids[kind],
			    "SYSLOG_IDENTIFIER=%s", log_ident(), "DM_STATE=%s", state ? state : "",
			    "DM_FROM_STATE=%s", from ? from : "", "DM_REASON=%s", why, NULL) < 0)
		plain(prio, text);
}
