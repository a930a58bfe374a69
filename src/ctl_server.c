/* The control socket: line requests from local clients, JSON line replies, never blocking the loop. */
#include "ctl_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "event_util.h"
#include "log.h"

#define CTL_LINE_MAX 4096            /* one request, newline included */
#define CTL_MAX_CLIENTS 16           /* beyond this, new clients wait in the listen backlog */
#define CTL_BACKLOG 32
#define CTL_OUT_MAX (1024 * 1024)    /* replies queued for a client that does not read */
#define CTL_ACCEPT_RETRY_US (1000 * 1000ULL)
#define CTL_TOO_LONG "{\"ok\":false,\"error\":\"request too long\"}"

/* A client that sends no request and waits for no reply this long is dropped. */
#define CTL_IDLE_US_DEFAULT (10 * 1000000ull)

struct ctl_client {
	struct ctl_server *srv;
	struct ctl_client *next;
	int fd;                   /* -1 once gone; the struct lives on while a request is pending */
	uid_t uid;
	pid_t pid;
	sd_event_source *io;
	sd_event_source *defer;   /* resumes buffered requests after a deferred final reply */
	sd_event_source *idle;    /* closes a client that says nothing and awaits nothing */
	bool pending;             /* a request is with the handler, which owes a final reply */
	bool eof;                 /* the client shut down its sending side */
	bool closing;             /* close once the queued output is written */
	int busy;                 /* inside the handler: ctl_reply must not free or recurse */
	size_t in_len;
	char in[CTL_LINE_MAX];
	char *out;
	size_t out_off, out_len, out_cap;
};

struct ctl_server {
	int fd;
	sd_event *e;
	uint64_t idle_us;
	sd_event_source *listen_src;
	sd_event_source *retry_src; /* resumes accept after EMFILE/ENFILE */
	bool fd_exhausted;
	ctl_cmd_cb cb;
	void *ud;
	struct ctl_client *clients; /* connected ones and gone ones with a pending request */
	int n_conn;
	dev_t dev;
	ino_t ino;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void accept_update(struct ctl_server *srv)
{
	bool on = srv->n_conn < CTL_MAX_CLIENTS && !srv->fd_exhausted;

	sd_event_source_set_enabled(srv->listen_src, on ? SD_EVENT_ON : SD_EVENT_OFF);
}

static void client_events(struct ctl_client *cl)
{
	uint32_t ev = 0;

	if (cl->fd < 0)
		return;
	/* One request at a time: the next line waits in the socket until the final reply. */
	if (!cl->pending && !cl->eof && !cl->closing)
		ev |= EPOLLIN;
	if (cl->out_len > cl->out_off)
		ev |= EPOLLOUT;
	sd_event_source_set_io_events(cl->io, ev);
}

static void client_close_fd(struct ctl_client *cl)
{
	if (cl->fd < 0)
		return;
	log_debug(LOG_CAT_CTL, "control: client fd %d (uid %u) gone", cl->fd, (unsigned)cl->uid);
	cl->io = event_source_drop(cl->io);
	cl->defer = event_source_drop(cl->defer);
	cl->idle = event_source_drop(cl->idle);
	close(cl->fd);
	cl->fd = -1;
	cl->srv->n_conn--;
	/* A descriptor came free: the pause for EMFILE can end too. */
	cl->srv->fd_exhausted = false;
	accept_update(cl->srv);
}

static void client_free(struct ctl_client *cl)
{
	client_close_fd(cl);
	free(cl->out);
	free(cl);
}

/* Frees a gone client once nobody owes it a reply and the handler is not on the stack. */
static void client_maybe_free(struct ctl_client *cl)
{
	if (cl->fd >= 0 || cl->pending || cl->busy)
		return;
	for (struct ctl_client **pp = &cl->srv->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	client_free(cl);
}

static void client_flush(struct ctl_client *cl)
{
	while (cl->fd >= 0 && cl->out_len > cl->out_off) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			client_close_fd(cl);
			return;
		}
		cl->out_off += (size_t)n;
	}
	if (cl->out_off == cl->out_len)
		cl->out_off = cl->out_len = 0;
	if (cl->fd >= 0 && cl->closing && cl->out_len == 0)
		client_close_fd(cl);
	client_events(cl);
}

static int client_queue(struct ctl_client *cl, const char *line)
{
	size_t n = strlen(line);

	if (cl->out_off) {
		memmove(cl->out, cl->out + cl->out_off, cl->out_len - cl->out_off);
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	if (cl->out_len + n + 1 > CTL_OUT_MAX) {
		log_warnx("control: client (uid %u) does not read its replies, dropping it",
			  (unsigned)cl->uid);
		client_close_fd(cl);
		return -ENOBUFS;
	}
	if (cl->out_len + n + 1 > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		while (cap < cl->out_len + n + 1)
			cap *= 2;
		char *p = realloc(cl->out, cap);
		if (!p)
			return -ENOMEM;
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, line, n);
	cl->out[cl->out_len + n] = '\n';
	cl->out_len += n + 1;
	return 0;
}

/* Takes the next complete line out of the input buffer into line; false when there is none. At EOF a
 * last line without its newline still counts (printf 'status' | socat - UNIX-CONNECT:...). */
static bool next_line(struct ctl_client *cl, char *line)
{
	char *nl = memchr(cl->in, '\n', cl->in_len);
	size_t len, used;

	if (nl) {
		len = (size_t)(nl - cl->in);
		used = len + 1;
	} else if (cl->eof && cl->in_len) {
		len = used = cl->in_len;
	} else {
		return false;
	}
	memcpy(line, cl->in, len);
	line[len] = '\0';
	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	memmove(cl->in, cl->in + used, cl->in_len - used);
	cl->in_len -= used;
	return true;
}

/* Hands buffered requests to the handler, one at a time. */
static void client_process(struct ctl_client *cl)
{
	char line[CTL_LINE_MAX + 1];

	cl->busy++;
	while (cl->fd >= 0 && !cl->pending && !cl->closing) {
		if (!next_line(cl, line)) {
			if (cl->in_len == sizeof(cl->in)) {
				/* Bad input from a client is answered and dropped, never fatal. */
				log_warnx("control: request over %d bytes from uid %u, closing", CTL_LINE_MAX,
					  (unsigned)cl->uid);
				client_queue(cl, CTL_TOO_LONG);
				cl->closing = true;
				cl->in_len = 0;
			} else if (cl->eof) {
				cl->closing = true;
			}
			break;
		}
		if (!line[0])
			continue;
		log_debug(LOG_CAT_CTL, "control: uid %u: %s", (unsigned)cl->uid, line);
		cl->pending = true;
		cl->srv->cb(cl->srv->ud, cl, line);
	}
	cl->busy--;
	client_flush(cl);
	client_maybe_free(cl);
}

static void client_read(struct ctl_client *cl)
{
	while (cl->in_len < sizeof(cl->in)) {
		ssize_t n = read(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			client_close_fd(cl);
			return;
		}
		if (n == 0) {
			cl->eof = true;
			return;
		}
		cl->in_len += (size_t)n;
	}
}

/* Sixteen silent clients would otherwise hold every connection slot for good. */
static void client_touch(struct ctl_client *cl)
{
	uint64_t now;

	if (cl->idle && sd_event_now(cl->srv->e, CLOCK_MONOTONIC, &now) >= 0) {
		sd_event_source_set_time(cl->idle, now + cl->srv->idle_us);
		sd_event_source_set_enabled(cl->idle, SD_EVENT_ONESHOT);
	}
}

static int on_client_idle(sd_event_source *s, uint64_t usec, void *ud)
{
	struct ctl_client *cl = ud;
	(void)s;
	(void)usec;

	if (cl->pending) { /* a switchover's outcome is on its way: not idle */
		client_touch(cl);
		return 0;
	}
	log_debug(LOG_CAT_CTL, "control: client uid %u idle for %llu ms, closing", (unsigned)cl->uid,
		  (unsigned long long)(cl->srv->idle_us / 1000));
	client_close_fd(cl);
	client_maybe_free(cl);
	return 0;
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct ctl_client *cl = ud;
	(void)s;
	(void)fd;

	client_touch(cl);
	/* Hung up (both directions closed) or failed: nobody is left to read a reply. */
	if (revents & (EPOLLHUP | EPOLLERR)) {
		client_close_fd(cl);
		client_maybe_free(cl);
		return 0;
	}
	if (revents & EPOLLOUT)
		client_flush(cl);
	if (cl->fd >= 0 && (revents & EPOLLIN) && !cl->pending)
		client_read(cl);
	client_process(cl);
	return 0;
}

static int on_client_defer(sd_event_source *s, void *ud)
{
	(void)s;
	client_process(ud);
	return 0;
}

int ctl_reply(struct ctl_client *cl, const char *line, bool final)
{
	int r = 0;

	if (!cl || !line)
		return -EINVAL;
	/* After the client went away the reply has nowhere to go: dropped, not an error. */
	if (cl->fd >= 0 && !cl->closing)
		r = client_queue(cl, line);
	if (final)
		cl->pending = false;
	if (cl->fd >= 0) {
		client_touch(cl);
		client_flush(cl);
	}
	/* A deferred final reply: requests that arrived meanwhile are read on the next loop turn,
	 * not from inside the caller (it may hold state it does not expect the handler to touch). */
	if (final && !cl->busy && cl->fd >= 0) {
		int d = cl->defer ? sd_event_source_set_enabled(cl->defer, SD_EVENT_ONESHOT)
				  : sd_event_add_defer(cl->srv->e, &cl->defer, on_client_defer, cl);
		if (d < 0)
			log_warnx("control: cannot resume client requests: %s", strerror(-d));
	}
	client_maybe_free(cl);
	return r;
}

uid_t ctl_client_uid(const struct ctl_client *cl)
{
	return cl->uid;
}

static void client_new(struct ctl_server *srv, int fd)
{
	struct ctl_client *cl = calloc(1, sizeof(*cl));
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (!cl) {
		close(fd);
		return;
	}
	cl->srv = srv;
	cl->fd = fd;
	/* Unknown credentials must never pass as root: (uid_t)-1 matches no permitted uid. */
	cl->uid = (uid_t)-1;
	cl->pid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred)) {
		cl->uid = cred.uid;
		cl->pid = cred.pid;
	}
	if (sd_event_add_io(srv->e, &cl->io, fd, EPOLLIN, on_client_io, cl) < 0) {
		log_warnx("control: cannot watch a new client");
		close(fd);
		free(cl);
		return;
	}
	uint64_t now = 0;
	sd_event_now(srv->e, CLOCK_MONOTONIC, &now);
	if (sd_event_add_time(srv->e, &cl->idle, CLOCK_MONOTONIC, now + srv->idle_us, 10000, on_client_idle, cl) < 0)
		log_warnx("control: no idle timer for a new client");
	cl->next = srv->clients;
	srv->clients = cl;
	srv->n_conn++;
	log_debug(LOG_CAT_CTL, "control: client fd %d uid %u pid %d", fd, (unsigned)cl->uid, (int)cl->pid);
}

static int on_accept_retry(sd_event_source *s, uint64_t usec, void *ud)
{
	struct ctl_server *srv = ud;
	(void)s;
	(void)usec;

	srv->fd_exhausted = false;
	accept_update(srv);
	return 0;
}

/* Out of descriptors: stop accepting (else the listen fd stays readable and the loop spins) and
 * retry in a second or when a client closes, as relayd's control.c does. */
static void accept_pause_fds(struct ctl_server *srv)
{
	uint64_t now;

	log_warn("control: accept");
	srv->fd_exhausted = true;
	accept_update(srv);
	if (sd_event_now(srv->e, CLOCK_MONOTONIC, &now) < 0)
		return;
	if (srv->retry_src) {
		sd_event_source_set_time(srv->retry_src, now + CTL_ACCEPT_RETRY_US);
		sd_event_source_set_enabled(srv->retry_src, SD_EVENT_ONESHOT);
	} else {
		sd_event_add_time(srv->e, &srv->retry_src, CLOCK_MONOTONIC, now + CTL_ACCEPT_RETRY_US, 1000,
				  on_accept_retry, srv);
	}
}

static int on_listen(sd_event_source *s, int fd, uint32_t revents, void *ud)
{
	struct ctl_server *srv = ud;
	(void)s;
	(void)revents;

	while (srv->n_conn < CTL_MAX_CLIENTS) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			client_new(srv, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			accept_pause_fds(srv);
		else if (errno != EAGAIN)
			log_warn("control: accept");
		break;
	}
	accept_update(srv);
	return 0;
}

/* A socket file left by a daemon that died is removed; a live daemon's socket or any other file is not. */
static int remove_stale(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int err = errno;
	close(fd);
	if (r == 0 || err == EAGAIN)
		return -EADDRINUSE;
	if (err != ECONNREFUSED)
		return -err;
	return unlink(path) < 0 ? -errno : 0;
}

static int bind_listen(struct ctl_server *srv, const struct sockaddr_un *sa)
{
	struct stat st;

	int r = remove_stale(srv->path, sa);
	if (r < 0)
		return r;
	/* No window in which the socket exists with wider permissions than 0660. */
	mode_t old = umask(0117);
	r = bind(srv->fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (r < 0)
		return -errno;
	if (chmod(srv->path, 0660) < 0 || lstat(srv->path, &st) < 0 || listen(srv->fd, CTL_BACKLOG) < 0) {
		r = -errno;
		unlink(srv->path);
		return r;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	return 0;
}

int ctl_server_open(struct ctl_server **out, const char *path, sd_event *e, ctl_cmd_cb cb, void *ud)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_server *srv;
	int r;

	*out = NULL;
	if (!path || !path[0] || !cb)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	memcpy(sa.sun_path, path, strlen(path));
	memcpy(srv->path, path, strlen(path) + 1);
	srv->cb = cb;
	srv->ud = ud;
	srv->idle_us = CTL_IDLE_US_DEFAULT;
	srv->e = sd_event_ref(e);
	srv->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0) {
		r = -errno;
		goto fail;
	}
	r = bind_listen(srv, &sa);
	if (r < 0)
		goto fail;
	r = sd_event_add_io(e, &srv->listen_src, srv->fd, EPOLLIN, on_listen, srv);
	if (r < 0) {
		unlink(srv->path);
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	if (srv->fd >= 0)
		close(srv->fd);
	sd_event_unref(srv->e);
	free(srv);
	return r;
}

void ctl_server_set_idle(struct ctl_server *srv, uint64_t idle_us)
{
	srv->idle_us = idle_us;
}

void ctl_server_close(struct ctl_server *srv)
{
	struct stat st;

	if (!srv)
		return;
	while (srv->clients) {
		struct ctl_client *cl = srv->clients;
		srv->clients = cl->next;
		client_free(cl);
	}
	srv->listen_src = event_source_drop(srv->listen_src);
	srv->retry_src = event_source_drop(srv->retry_src);
	close(srv->fd);
	/* Only our own socket: a newer daemon may have replaced it already. */
	if (lstat(srv->path, &st) == 0 && st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
	sd_event_unref(srv->e);
	free(srv);
}
