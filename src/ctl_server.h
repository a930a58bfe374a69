/* The local control socket: one request per line, JSON replies, deferred replies for long commands. */
#ifndef DM_CTL_SERVER_H
#define DM_CTL_SERVER_H

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct ctl_server;
struct ctl_client;

/* Called once per request line (without the newline). The handler must answer with ctl_reply(...,
 * final=true) now or later; progress lines go with final=false. */
typedef void (*ctl_cmd_cb)(void *ud, struct ctl_client *cl, const char *line);

/* Binds path (umask around bind, then chmod 0660), removing a stale socket file; listens and
 * adds its sources to e. Never blocks: a client that sends nothing costs nothing; more than a
 * few concurrent clients pause accept. Returns 0 or -errno. */
int ctl_server_open(struct ctl_server **out, const char *path, sd_event *e, ctl_cmd_cb cb, void *ud);
/* Queues one reply line (a newline is added). A final reply closes the request; after the client
 * went away replies are dropped, and the handle stays valid until the final reply. */
int ctl_reply(struct ctl_client *cl, const char *line, bool final);
/* SO_PEERCRED uid of the client: state-changing commands require 0 or the daemon's own uid. */
uid_t ctl_client_uid(const struct ctl_client *cl);
void ctl_server_close(struct ctl_server *s);

#endif
