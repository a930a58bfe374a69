/* Replacing a small file whole: readers see the old contents or the new, never a mix. */
#ifndef DM_FILE_REPLACE_H
#define DM_FILE_REPLACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Writes text to PATH.tmp (mode, whatever the umask; a symlink there is refused) and renames it
 * over path; durable: fsync first, so a crash leaves the old file or the new one. 0 or -errno; the
 * .tmp is removed on failure. Callers log. */
int file_replace(const char *path, const char *text, size_t len, mode_t mode, bool durable);

#endif
