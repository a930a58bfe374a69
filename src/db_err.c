/* Classification of Connector/C and server errors into what they say about the server (pure). */
#include "db_err.h"

#include <errno.h>

/* Numbers from Connector/C's errmsg.h and the servers' error lists, spelled out so that this core
 * module does not need libmariadb's headers. */
enum {
	CR_CONNECTION_ERROR = 2002,     /* unix socket connect failed */
	CR_CONN_HOST_ERROR = 2003,      /* TCP connect failed */
	CR_UNKNOWN_HOST = 2005,
	CR_SERVER_GONE_ERROR = 2006,
	CR_SERVER_LOST = 2013,
	CR_SSL_CONNECTION_ERROR = 2026, /* TLS handshake or server certificate verification failed */
	CR_SERVER_LOST_EXTENDED = 2055,
	ER_CON_COUNT_ERROR = 1040,
	ER_DBACCESS_DENIED_ERROR = 1044,
	ER_ACCESS_DENIED_ERROR = 1045,
	ER_HOST_IS_BLOCKED = 1129,
	ER_HOST_NOT_PRIVILEGED = 1130,
	ER_TABLEACCESS_DENIED_ERROR = 1142,
	ER_COLUMNACCESS_DENIED_ERROR = 1143,
	ER_KILL_DENIED_ERROR = 1095,
	ER_TOO_MANY_USER_CONNECTIONS = 1203,
	ER_SPECIFIC_ACCESS_DENIED_ERROR = 1227,
	ER_MYSQL_ACCOUNT_LOCKED = 3118,
	ER_MARIADB_ACCOUNT_LOCKED = 4151,
	ER_MUST_CHANGE_PASSWORD_LOGIN = 1862,
};

static const char *const names[DB_ERR_MAX] = {
	[DB_ERR_NONE] = "ok",
	[DB_ERR_REFUSED] = "refused",
	[DB_ERR_UNREACHABLE] = "unreachable",
	[DB_ERR_TIMEOUT] = "timeout",
	[DB_ERR_LOST] = "lost",
	[DB_ERR_AUTH] = "auth",
	[DB_ERR_BUSY] = "busy",
	[DB_ERR_SERVER] = "server error",
	[DB_ERR_CANCELED] = "cancelled",
	[DB_ERR_LOCAL] = "local error",
};

const char *db_err_name(enum db_err e)
{
	return (unsigned)e < DB_ERR_MAX ? names[e] : "?";
}

bool db_err_server_answered(enum db_err e)
{
	return e == DB_ERR_NONE || e == DB_ERR_AUTH || e == DB_ERR_BUSY || e == DB_ERR_SERVER;
}

bool db_err_server_silent(enum db_err e)
{
	return e == DB_ERR_REFUSED || e == DB_ERR_UNREACHABLE || e == DB_ERR_TIMEOUT || e == DB_ERR_LOST;
}

/* Connector/C reports one number for every failed connect; the socket's errno and the time it took
 * tell a listener-less server (answered at once) from a host that never answered. */
static enum db_err connect_failure(int os_errno, bool slow)
{
	if (slow || os_errno == ETIMEDOUT || os_errno == EHOSTUNREACH || os_errno == ENETUNREACH ||
	    os_errno == EHOSTDOWN || os_errno == ENETDOWN)
		return DB_ERR_UNREACHABLE;
	return DB_ERR_REFUSED;
}

enum db_err db_err_classify(unsigned mysql_errno, int os_errno, int64_t took_us, int64_t timeout_us)
{
	/* Connector/C says "lost connection" for both a reset and an expired read timeout: the time
	 * it took decides (90 % of the bound: timers fire a little early or late). */
	bool slow = timeout_us > 0 && took_us >= timeout_us * 9 / 10;

	switch (mysql_errno) {
	case 0:
		return DB_ERR_NONE;
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
		return connect_failure(os_errno, slow);
	case CR_UNKNOWN_HOST:
		return DB_ERR_UNREACHABLE;
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_SERVER_LOST_EXTENDED:
		return slow ? DB_ERR_TIMEOUT : DB_ERR_LOST;
	case CR_SSL_CONNECTION_ERROR:
		/* The server answered TCP and its greeting, then we could not agree on TLS (its
		 * certificate failed our check, it offers no TLS, it rejected ours): alive, may be
		 * writable, and we can neither check nor fence it; refused like a login (failover-safety
		 * "Refused is alive"). A handshake that ran into our read timeout is a hung server, as
		 * any other silence after connect. */
		return slow ? DB_ERR_TIMEOUT : DB_ERR_AUTH;
	case ER_CON_COUNT_ERROR:
	case ER_TOO_MANY_USER_CONNECTIONS:
		return DB_ERR_BUSY;
	case ER_DBACCESS_DENIED_ERROR:
	case ER_ACCESS_DENIED_ERROR:
	case ER_HOST_IS_BLOCKED:
	case ER_HOST_NOT_PRIVILEGED:
	case ER_TABLEACCESS_DENIED_ERROR:
	case ER_COLUMNACCESS_DENIED_ERROR:
	case ER_KILL_DENIED_ERROR:
	case ER_SPECIFIC_ACCESS_DENIED_ERROR:
	case ER_MYSQL_ACCOUNT_LOCKED:
	case ER_MARIADB_ACCOUNT_LOCKED:
	case ER_MUST_CHANGE_PASSWORD_LOGIN:
		return DB_ERR_AUTH;
	default:
		break;
	}
	/* The client's own ranges: Connector/C's CR_ (2000-2999) and CER_ (5000-5999) numbers. */
	if ((mysql_errno >= 2000 && mysql_errno < 3000) || (mysql_errno >= 5000 && mysql_errno < 6000))
		return slow ? DB_ERR_TIMEOUT : DB_ERR_LOST;
	return DB_ERR_SERVER;
}
