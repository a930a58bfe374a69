/* systemd notifications through sd_notify(3): the only file that talks to the service manager. */
#include "notify.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#define NOTIFY_STATUS_MAX 1024

/* The last STATUS= the manager accepted: unchanged texts are not sent again (probes run several
 * times a second and systemd would log nothing new). Process-wide, as the notify socket is. */
static char last_status[NOTIFY_STATUS_MAX];

static bool notify_enabled(void)
{
	const char *e = getenv("NOTIFY_SOCKET");

	return e && e[0];
}

/* sd_notify(3): the message is newline-separated VAR=VALUE assignments, so a newline inside the
 * status text would end STATUS= early and could smuggle in another assignment. */
static void flatten(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; in && in[n] && n + 1 < len; n++)
		out[n] = in[n] == '\n' || in[n] == '\r' ? ' ' : in[n];
	out[n] = '\0';
}

static int send_msg(const char *msg)
{
	int r = sd_notify(0, msg);

	return r < 0 ? r : 0;
}

int notify_ready(const char *status)
{
	char st[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 64];

	if (!notify_enabled())
		return 0;
	flatten(status, st, sizeof(st));
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s\nMAINPID=%ld", st, (long)getpid());
	int r = send_msg(msg);
	if (r == 0)
		memcpy(last_status, st, sizeof(st));
	return r;
}

int notify_status(const char *status)
{
	char st[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 16];

	if (!notify_enabled())
		return 0;
	flatten(status, st, sizeof(st));
	if (strcmp(st, last_status) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "STATUS=%s", st);
	int r = send_msg(msg);
	if (r == 0)
		memcpy(last_status, st, sizeof(st));
	return r;
}

int notify_reloading(void)
{
	return notify_enabled() ? send_msg("RELOADING=1") : 0;
}

int notify_stopping(void)
{
	return notify_enabled() ? send_msg("STOPPING=1") : 0;
}
