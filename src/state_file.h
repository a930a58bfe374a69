/* What a node keeps across restarts: maintenance, a divergence freeze and its transition history,
 * as one small text file in the service's state directory. Pure: text in, text out; the shell
 * (node_state.c) reads and writes the file.
 *
 * Format, one item per line:
 *   dualmaster-state 1
 *   maintenance 0|1
 *   frozen 0|1
 *   transitions_total N
 *   t WHEN_S FROM TO IN_FROM_MS PHASES REASON...     (oldest first; PHASES "-" or a/b/c ms)
 *   checksum HEX                                      (FNV-1a 64 of every byte before this line)
 * A file that fails any check is corrupt as a whole: reported and ignored, never half applied. */
#ifndef DM_STATE_FILE_H
#define DM_STATE_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_HISTORY 200
#define STATE_FILE_MAX (256 * 1024) /* the largest history, every reason byte escaped, fits */

struct state_entry {
	int64_t when_s;          /* wall clock of the transition */
	char from[16];
	char to[16];
	uint64_t in_from_ms;     /* how long the node had been in FROM */
	char phases[64];         /* a takeover's phases "detect/fence/.../claim" in ms, "" none */
	char reason[192];
};

struct state_saved {
	bool maintenance;
	bool frozen;
	uint64_t transitions_total;
	int n;                   /* newest last */
	struct state_entry h[STATE_HISTORY];
};

/* Appends e, dropping the oldest entry when full; counts it in transitions_total. */
void state_add(struct state_saved *s, const struct state_entry *e);

/* Writes s as text into buf; the length, or -1 if buf is too small. */
int state_format(const struct state_saved *s, char *buf, size_t len);

/* Parses text into *s (cleared first); 0, or -1 with the reason (and line) in why. */
int state_parse(const char *text, size_t len, struct state_saved *s, char *why, size_t why_len);

#endif
