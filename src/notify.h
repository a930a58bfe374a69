/* systemd notifications (libsystemd stays in this file): READY, STATUS, RELOADING, STOPPING. */
#ifndef DM_NOTIFY_H
#define DM_NOTIFY_H

/* All are no-ops returning 0 when NOTIFY_SOCKET is unset; otherwise 0 or -errno. */
int notify_ready(const char *status);      /* READY=1, STATUS=, MAINPID= in one message */
int notify_status(const char *status);     /* sent only when it differs from the last one */
int notify_reloading(void);                /* RELOADING=1 (+ MONOTONIC_USEC on systemd 253+ is optional) */
int notify_stopping(void);                 /* STOPPING=1 */

#endif
