/* One daemon per VRID and interface, and per control socket: taken before anything is touched. */
#ifndef DM_INSTANCE_LOCK_H
#define DM_INSTANCE_LOCK_H

/* Binds the abstract unix socket "dualmasterd:IFNAME:VRID" (one per network namespace, released by
 * the kernel when the process ends, however it ends) and checks that nothing answers on ctl_path.
 * Returns the lock's fd (keep it open for the process's life), -EADDRINUSE when another daemon
 * holds either (why says which), or another -errno. Changes nothing else. */
int instance_lock(const char *ifname, int vrid, const char *ctl_path, char *why, unsigned long len);

#endif
