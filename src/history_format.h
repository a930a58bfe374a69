/* `dualmasterctl history`: the kept transitions as a table or JSON (pure). */
#ifndef DM_HISTORY_FORMAT_H
#define DM_HISTORY_FORMAT_H

#include <stddef.h>

#include "state_file.h"

/* The newest count transitions of s, oldest first: one line each (time, from -> to, time spent in
 * FROM, reason, a takeover's phases). Length, or -1 when buf is too small. */
int history_text(const struct state_saved *s, int count, char *buf, size_t len);
/* The same as {"schema":1,"total":N,"kept":N,"transitions":[{"when":"ISO","when_s":..,"from":..,
 * "to":..,"in_from_ms":..,"phases_ms":{"detection":..}|null,"reason":..}]}. */
int history_json(const struct state_saved *s, int count, char *buf, size_t len);

#endif
