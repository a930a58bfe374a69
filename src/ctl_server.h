/* The local control socket: one request per line, JSON replies, deferred replies for long commands. */
#ifndef DM_CTL_SERVER_H
#define DM_CTL_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct ctl_server;
struct ctl_client;

/* Called once per request line (without the newline or a trailing CR; empty lines are skipped). The
 * handler must answer with ctl_reply(..., final=true) now or later; progress lines go with
 * final=false. A client has at most one request with the handler: its next line is read after the
 * final reply. Lines over 4 KiB get {"ok":false,"error":"request too long"} and the client is closed. */
typedef void (*ctl_cmd_cb)(void *ud, struct ctl_client *cl, const char *line);

/* Binds path (umask around bind, then chmod 0660), removing a stale socket file; listens and
 * adds its sources to e. Never blocks: a client that sends nothing and awaits no reply is closed
 * after 10 s (ctl_server_set_idle); more than 16 connected clients pause accept (the rest wait in
 * the backlog) until one closes. A client that hangs
 * up before its request was read is dropped without running it. Returns 0 or -errno: -EADDRINUSE
 * when a live server answers on path, -EEXIST when path is not a socket (left alone). */
int ctl_server_open(struct ctl_server **out, const char *path, sd_event *e, ctl_cmd_cb cb, void *ud);
/* How long a silent client without a pending request is kept (new clients), in microseconds. */
void ctl_server_set_idle(struct ctl_server *s, uint64_t idle_us);
/* Queues one reply line (line must not contain a newline; one is added) and writes what the socket
 * takes now, the rest when it becomes writable. A final reply closes the request; after the client
 * went away (hang-up, write error, or over 1 MiB of unread replies) replies are dropped, and the
 * handle stays valid until the final reply, after which it must not be used. The client stays
 * connected for further requests. Returns 0 (also when dropped), -ENOBUFS when this reply made the
 * client be dropped, -ENOMEM, -EINVAL. */
int ctl_reply(struct ctl_client *cl, const char *line, bool final);
/* SO_PEERCRED uid of the client, read at accept; (uid_t)-1 when unknown. State-changing commands
 * require 0 or the daemon's own uid (the handler checks; this module does not). */
uid_t ctl_client_uid(const struct ctl_client *cl);
/* Closes every client (pending requests included: their handles become invalid, the handler must
 * not reply to them afterwards), the listening socket, and unlinks path if it is still ours. */
void ctl_server_close(struct ctl_server *s);

#endif
