/* Transition hooks: children in their own process group, reaped and timed out through sd-event. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event_util.h"
#include "log.h"

extern char **environ;

/* A hook that ignores SIGTERM gets this long before SIGKILL (as keepalived's script timeout). */
#define HOOK_KILL_GRACE_US (2ULL * 1000 * 1000)
/* sd_event_add_time(3): accuracy 0 means 250 ms; a timeout should fire when it says. */
#define HOOK_TIMER_ACCURACY_US 1000ULL

struct hook_child {
	struct hooks *h;
	pid_t pid;
	bool termed;     /* SIGTERM sent: the next expiry sends SIGKILL */
	bool timed_out;
	char path[256];
	char state[32];
	sd_event_source *child_src;
	sd_event_source *timer_src;
	struct hook_child *next;
};

/* A hook waiting for the one before it: transitions run their hooks in order, one at a time. */
struct hook_req {
	char path[256];
	int timeout_ms;
	char *node, *state, *reason, *vips;
};

#define HOOK_QUEUE_MAX 16

struct hooks {
	sd_event *e;
	struct hook_child *children;
	int n;
	struct hook_req queue[HOOK_QUEUE_MAX];
	int q_head, q_len;
	hooks_done_cb cb;
	void *ud;
};

static void req_free(struct hook_req *r)
{
	free(r->node);
	free(r->state);
	free(r->reason);
	free(r->vips);
	memset(r, 0, sizeof(*r));
}

static void start_next(struct hooks *h);

int hooks_new(struct hooks **out, sd_event *e)
{
	struct hooks *h = calloc(1, sizeof(*h));

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->e = sd_event_ref(e);
	*out = h;
	return 0;
}

void hooks_set_done_cb(struct hooks *h, hooks_done_cb cb, void *ud)
{
	h->cb = cb;
	h->ud = ud;
}

int hooks_running(const struct hooks *h)
{
	return h ? h->n : 0;
}

static void child_unlink(struct hook_child *c)
{
	for (struct hook_child **pp = &c->h->children; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			c->h->n--;
			return;
		}
	}
}

static void child_free(struct hook_child *c)
{
	event_source_drop(c->child_src);
	event_source_drop(c->timer_src);
	free(c);
}

static int on_child_exit(sd_event_source *s, const siginfo_t *si, void *ud)
{
	struct hook_child *c = ud;
	struct hooks_result r = {
		.path = c->path, .pid = c->pid, .timed_out = c->timed_out, .state = c->state};
	(void)s;

	r.exited = si->si_code == CLD_EXITED;
	r.status = si->si_status;
	if (r.exited && r.status == 0)
		log_info("hook %s (pid %d, %s) exited 0", c->path, (int)c->pid, c->state);
	else if (r.exited)
		log_warnx("hook %s (pid %d, %s) exited %d", c->path, (int)c->pid, c->state, r.status);
	else
		log_warnx("hook %s (pid %d, %s) killed by signal %d (%s)%s", c->path, (int)c->pid, c->state,
			  r.status, strsignal(r.status), c->timed_out ? " after its timeout" : "");
	struct hooks *h = c->h;
	child_unlink(c);
	if (h->cb)
		h->cb(h->ud, &r);
	child_free(c);
	start_next(h);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *ud)
{
	struct hook_child *c = ud;

	c->timed_out = true;
	if (c->termed) {
		log_warnx("hook %s (pid %d) ignored SIGTERM: SIGKILL to its process group", c->path,
			  (int)c->pid);
		kill(-c->pid, SIGKILL);
		return 0;
	}
	log_warnx("hook %s (pid %d) timed out: SIGTERM to its process group", c->path, (int)c->pid);
	/* The whole group: a shell hook's own children would otherwise outlive it. */
	kill(-c->pid, SIGTERM);
	c->termed = true;
	int r = sd_event_source_set_time(s, usec + HOOK_KILL_GRACE_US);
	if (r >= 0)
		r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	if (r < 0) {
		log_warnx("hook %s (pid %d): cannot arm the SIGKILL timer (%s), killing now", c->path,
			  (int)c->pid, strerror(-r));
		kill(-c->pid, SIGKILL);
	}
	return 0;
}

/* The daemon's environment without inherited DM_* values, plus ours. own[] holds what we allocated. */
struct hook_env {
	char **envp;
	char *own[4];
};

static bool is_dm_var(const char *v)
{
	static const char *const names[] = { "DM_STATE=", "DM_REASON=", "DM_VIPS=", "DM_NODE=" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strncmp(v, names[i], strlen(names[i])) == 0)
			return true;
	return false;
}

static void env_free(struct hook_env *env)
{
	for (size_t i = 0; i < 4; i++)
		free(env->own[i]);
	free(env->envp);
}

static int env_build(struct hook_env *env, const char *node, const char *state, const char *reason,
		     const char *vips)
{
	size_t n = 0, k = 0;

	memset(env, 0, sizeof(*env));
	while (environ && environ[n])
		n++;
	env->envp = calloc(n + 5, sizeof(char *));
	if (!env->envp)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!is_dm_var(environ[i]))
			env->envp[k++] = environ[i];
	const char *vals[4][2] = {
		{ "DM_STATE", state }, { "DM_REASON", reason }, { "DM_VIPS", vips }, { "DM_NODE", node },
	};
	for (size_t i = 0; i < 4; i++) {
		size_t len = strlen(vals[i][0]) + 2 + (vals[i][1] ? strlen(vals[i][1]) : 0);
		env->own[i] = malloc(len);
		if (!env->own[i]) {
			env_free(env);
			return -ENOMEM;
		}
		snprintf(env->own[i], len, "%s=%s", vals[i][0], vals[i][1] ? vals[i][1] : "");
		env->envp[k++] = env->own[i];
	}
	return 0;
}

/* The child: its own process group (the timeout signals every process the hook starts), default
 * signal handling, stdin from /dev/null, and nothing else of ours: no descriptor beyond 0-2 (the
 * MySQL connections are authenticated sessions, Connector/C does not mark them close-on-exec) and
 * no capability (the unit's ambient CAP_NET_ADMIN/CAP_NET_RAW; for a root daemon, the bounding
 * set). Only async-signal-safe calls between fork and exec: the daemon has threads. */
static void child_exec(const char *path, char **envp, int maxfd)
{
	char *argv[] = { (char *)path, NULL };
	sigset_t none;
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != STDIN_FILENO) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
#ifdef SYS_close_range
	if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0)
#endif
		for (int fd = 3; fd < maxfd; fd++)
			close(fd);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	for (int cap = 0; cap <= 63; cap++)
		prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	execve(path, argv, envp);
	_exit(127);
}

static int spawn(const char *path, char **envp, pid_t *pid)
{
	struct rlimit rl;
	int maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 65536
			    ? (int)rl.rlim_cur : 65536;

	*pid = fork();
	if (*pid < 0)
		return -errno;
	if (*pid == 0)
		child_exec(path, envp, maxfd);
	/* Also from here: the child may not have run setpgid yet when the timeout signals the group. */
	setpgid(*pid, *pid);
	return 0;
}

/* The child can only exit 127 when exec fails: check the obvious causes first, so the caller gets
 * -ENOENT/-EACCES for a wrong hook path. */
static int check_executable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EACCES;
	return access(path, X_OK) < 0 ? -errno : 0;
}

static void kill_and_reap(pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static int watch(struct hooks *h, struct hook_child *c, int timeout_ms)
{
	uint64_t now;
	int r = sd_event_add_child(h->e, &c->child_src, c->pid, WEXITED, on_child_exit, c);

	if (r < 0 || timeout_ms <= 0)
		return r;
	r = sd_event_now(h->e, CLOCK_MONOTONIC, &now);
	if (r < 0)
		return r;
	return sd_event_add_time(h->e, &c->timer_src, CLOCK_MONOTONIC, now + (uint64_t)timeout_ms * 1000,
				 HOOK_TIMER_ACCURACY_US, on_timeout, c);
}

static int start(struct hooks *h, const struct hook_req *q)
{
	struct hook_env env;
	struct hook_child *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	c->h = h;
	snprintf(c->path, sizeof(c->path), "%s", q->path);
	snprintf(c->state, sizeof(c->state), "%s", q->state ? q->state : "");
	r = check_executable(q->path);
	if (r == 0)
		r = env_build(&env, q->node, q->state, q->reason, q->vips);
	if (r == 0) {
		r = spawn(q->path, env.envp, &c->pid);
		env_free(&env);
	}
	if (r < 0) {
		free(c);
		return r;
	}
	r = watch(h, c, q->timeout_ms);
	if (r < 0) {
		/* Unwatched, the child would never be reaped or timed out: better not to run it. */
		kill_and_reap(c->pid);
		child_free(c);
		return r;
	}
	c->next = h->children;
	h->children = c;
	h->n++;
	log_debug(LOG_CAT_PROTO, "hook %s started (pid %d, %s)", q->path, (int)c->pid, c->state);
	return 0;
}

/* One at a time: the next queued hook once none runs; one that cannot start is said and skipped. */
static void start_next(struct hooks *h)
{
	while (h->n == 0 && h->q_len > 0) {
		struct hook_req *q = &h->queue[h->q_head];
		int r = start(h, q);
		if (r < 0)
			log_warnx("hook %s could not be started: %s", q->path, strerror(-r));
		req_free(q);
		h->q_head = (h->q_head + 1) % HOOK_QUEUE_MAX;
		h->q_len--;
	}
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int hooks_run(struct hooks *h, const char *path, int timeout_ms, const char *node, const char *state,
	      const char *reason, const char *vips)
{
	if (!path || !path[0])
		return 0;
	int r = check_executable(path);
	if (r < 0)
		return r;
	/* Bounded: a flapping node queues at most HOOK_QUEUE_MAX; the oldest waiting one goes. */
	if (h->q_len == HOOK_QUEUE_MAX) {
		struct hook_req *old = &h->queue[h->q_head];
		log_warnx("hook queue full: %s for %s not run", old->path, old->state);
		req_free(old);
		h->q_head = (h->q_head + 1) % HOOK_QUEUE_MAX;
		h->q_len--;
	}
	struct hook_req *q = &h->queue[(h->q_head + h->q_len) % HOOK_QUEUE_MAX];
	snprintf(q->path, sizeof(q->path), "%s", path);
	q->timeout_ms = timeout_ms;
	q->node = dup_or_empty(node);
	q->state = dup_or_empty(state);
	q->reason = dup_or_empty(reason);
	q->vips = dup_or_empty(vips);
	if (!q->node || !q->state || !q->reason || !q->vips) {
		req_free(q);
		return -ENOMEM;
	}
	h->q_len++;
	start_next(h);
	return 0;
}

int hooks_pending(const struct hooks *h)
{
	return h ? h->n + h->q_len : 0;
}

void hooks_free(struct hooks *h)
{
	if (!h)
		return;
	while (h->q_len > 0) {
		req_free(&h->queue[h->q_head]);
		h->q_head = (h->q_head + 1) % HOOK_QUEUE_MAX;
		h->q_len--;
	}
	while (h->children) {
		struct hook_child *c = h->children;
		h->children = c->next;
		log_warnx("hook %s (pid %d) still running at exit: killed", c->path, (int)c->pid);
		kill_and_reap(c->pid);
		child_free(c);
	}
	sd_event_unref(h->e);
	free(h);
}
