/* Small sd-event helpers shared by the shell modules. */
#ifndef DM_EVENT_UTIL_H
#define DM_EVENT_UTIL_H

#include <systemd/sd-event.h>

/* Disables and unrefs s (NULL is fine); returns NULL for `src = event_source_drop(src)`. Safe inside
 * s's own callback. sd_event_source_disable_unref() does this from systemd 243; RHEL 8 ships 239. */
static inline sd_event_source *event_source_drop(sd_event_source *s)
{
	if (!s)
		return NULL;
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return sd_event_source_unref(s);
}

#endif
