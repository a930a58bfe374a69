/* What a failed MySQL/MariaDB call says about the server: classified once, where the error arrives. */
#ifndef DM_DB_ERR_H
#define DM_DB_ERR_H

#include <stdbool.h>
#include <stdint.h>

/* The classes decisions use. The server's own error number is kept beside the class (err_no) for
 * logs and status; nothing downstream looks at numbers or texts. */
enum db_err {
	DB_ERR_NONE = 0,
	DB_ERR_REFUSED,     /* nothing listens: connection refused, socket file missing: server down */
	DB_ERR_UNREACHABLE, /* no answer at all: connect timed out, no route to the host */
	DB_ERR_TIMEOUT,     /* connected, then silence until our read timeout: a hung server */
	DB_ERR_LOST,        /* the connection broke mid-conversation: a crash or restart */
	DB_ERR_AUTH,        /* the server answered and refused us: login, account lock, host block, grant,
			     * a TLS handshake or certificate check that failed */
	DB_ERR_BUSY,        /* the server answered: too many connections */
	DB_ERR_SERVER,      /* the server answered with another error (lock wait, syntax, ...) */
	DB_ERR_CANCELED,    /* we cancelled the call */
	DB_ERR_LOCAL,       /* our side: out of memory, a statement we could not build */
	DB_ERR_MAX
};

const char *db_err_name(enum db_err e);

/* True for the classes in which the server itself answered: it is alive and may be writable. */
bool db_err_server_answered(enum db_err e);

/* True when the server cannot be taking writes from anyone: nothing listens (REFUSED) or, for a
 * server we could reach before, it does not answer at all (UNREACHABLE, TIMEOUT, LOST). A caller that
 * must tell a dead server from a cut link looks at REFUSED alone. */
bool db_err_server_silent(enum db_err e);

/* Classifies one failed call. mysql_errno: mysql_errno() of the handle (client errors are 2000-2999,
 * server errors below); os_errno: errno right after the failing call (Connector/C leaves the socket
 * call's errno there: ECONNREFUSED or ENOENT for a unix socket, EINPROGRESS for a refused TCP connect,
 * ETIMEDOUT for SYNs unanswered); took_us: how long the call ran; timeout_us: its client-side bound.
 * Pure. Unknown numbers fall back to SERVER (below 2000) or LOST (client range). */
enum db_err db_err_classify(unsigned mysql_errno, int os_errno, int64_t took_us, int64_t timeout_us);

#endif
