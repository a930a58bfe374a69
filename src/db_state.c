/* Copying and releasing server pictures (struct db_state). */
#include "db_state.h"

#include <string.h>

void db_state_copy(struct db_state *dst, const struct db_state *src)
{
	if (dst != src)
		memcpy(dst, src, sizeof(*dst));
}

void db_state_free(struct db_state *st)
{
	(void)st;
}
