/* Reads the libconfuse configuration file into struct conf (the only user of libconfuse). */
#ifndef DM_CONF_LOAD_H
#define DM_CONF_LOAD_H

#include "conf.h"
#include "conf_check.h"

/* Parses path into *out, runs conf_check, reads the password files.
 * Returns 0 when the file is valid; otherwise -1 with every message found in errs
 * (libconfuse's own syntax errors stop the parse at the first one), and valid but costly
 * settings as warnings in errs->warn either way.
 * *out is only meaningful on success; nothing is logged. */
int conf_load(const char *path, struct conf *out, struct conf_errors *errs);

#endif
