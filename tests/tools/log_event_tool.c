/* Sends one role-change line through log_journal.c, as the daemon does on a transition, for
 * t_journal.sh to read back from a journald socket of its own. */
#include <syslog.h>

#include "log.h"
#include "log_journal.h"

int main(void)
{
	log_init("dualmasterd", false);
	log_event(LOG_NOTICE, LOG_EVENT_TRANSITION, "BACKUP -> MASTER: master down timer expired\nforged line",
		  "MASTER", "BACKUP", "master down timer expired\nforged line");
	return 0;
}
