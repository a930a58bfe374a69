/* Transition hooks: children in their own process group, reaped and timed out through sd-event. */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

struct hooks {
	sd_event *e;
	struct hook_child *children;
	int n;
	hooks_done_cb cb;
	void *ud;
};

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
	child_unlink(c);
	if (c->h->cb)
		c->h->cb(c->h->ud, &r);
	child_free(c);
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

/* posix_spawn: the child starts in its own process group (so the timeout can signal every process
 * the hook started), with no blocked signals (we block SIGCHLD for sd-event) and default handlers. */
static int spawn(const char *path, char **envp, pid_t *pid)
{
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	sigset_t none, all;
	char *argv[] = { (char *)path, NULL };
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	if ((r = posix_spawnattr_init(&attr)) != 0)
		return -r;
	if ((r = posix_spawn_file_actions_init(&fa)) != 0) {
		posix_spawnattr_destroy(&attr);
		return -r;
	}
	r = posix_spawnattr_setflags(&attr,
				     POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (!r)
		r = posix_spawnattr_setpgroup(&attr, 0);
	if (!r)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawn(pid, path, &fa, &attr, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -r;
}

/* posix_spawn reports exec errors itself, but not under every tracer (valgrind turns the vfork into
 * a fork and the child's exit 127 is all that is left): check the obvious ones first so the caller
 * always gets -ENOENT/-EACCES for a wrong hook path. */
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

int hooks_run(struct hooks *h, const char *path, int timeout_ms, const char *node, const char *state,
	      const char *reason, const char *vips)
{
	struct hook_env env;
	struct hook_child *c;
	int r;

	if (!path || !path[0])
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->h = h;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->state, sizeof(c->state), "%s", state ? state : "");
	r = check_executable(path);
	if (r == 0)
		r = env_build(&env, node, state, reason, vips);
	if (r == 0) {
		r = spawn(path, env.envp, &c->pid);
		env_free(&env);
	}
	if (r < 0) {
		free(c);
		return r;
	}
	r = watch(h, c, timeout_ms);
	if (r < 0) {
		/* Unwatched, the child would never be reaped or timed out: better not to run it. */
		kill_and_reap(c->pid);
		child_free(c);
		return r;
	}
	c->next = h->children;
	h->children = c;
	h->n++;
	log_debug(LOG_CAT_PROTO, "hook %s started (pid %d, %s)", path, (int)c->pid, c->state);
	return 0;
}

void hooks_free(struct hooks *h)
{
	if (!h)
		return;
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
