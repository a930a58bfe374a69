/* The single-instance lock: an abstract unix socket per VRID and interface, and a live-socket check
 * of the control socket path. A second start must change nothing: this runs before any VIP or
 * server is touched. */
#include "instance_lock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int ctl_answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return 0;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	int err = errno;
	close(fd);
	return r == 0 || err == EAGAIN;
}

int instance_lock(const char *ifname, int vrid, const char *ctl_path, char *why, unsigned long len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Abstract: sun_path[0] is NUL; the kernel frees the name with the last descriptor. */
	int n = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "dualmasterd:%s:%d", ifname, vrid);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(why, len, "instance lock: %s", strerror(errno));
		return -errno;
	}
	if (bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
		int err = errno;
		close(fd);
		if (err == EADDRINUSE)
			snprintf(why, len, "another dualmasterd runs for vrid %d on %s (in this network namespace)",
				 vrid, ifname);
		else
			snprintf(why, len, "instance lock: %s", strerror(err));
		return -err;
	}
	if (ctl_answers(ctl_path)) {
		close(fd);
		snprintf(why, len, "another dualmasterd answers on %s", ctl_path);
		return -EADDRINUSE;
	}
	return fd;
}
