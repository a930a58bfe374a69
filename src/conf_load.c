/* Reads the libconfuse configuration file into struct conf (the only user of libconfuse). */
#include "conf_load.h"

#include <confuse.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* libconfuse callbacks carry no user pointer: the parse in progress keeps its state here.
 * conf_load is not reentrant, which is fine for a single-threaded loader. */
static struct parse_ctx {
	const char *path;
	struct conf_lines *lines;
	struct conf_errors *errs;
} *ctx;

static cfg_opt_t vrrp_opts[] = {
	CFG_STR("interface", "", CFGF_NONE),
	CFG_INT("vrid", 51, CFGF_NONE),
	CFG_INT("version", 3, CFGF_NONE),
	CFG_INT("priority", 100, CFGF_NONE),
	CFG_INT("advert_interval_ms", 1000, CFGF_NONE),
	CFG_BOOL("preempt", cfg_false, CFGF_NONE),
	CFG_INT("preempt_delay_ms", 0, CFGF_NONE),
	CFG_STR_LIST("unicast_peers", "{}", CFGF_NONE),
	CFG_STR_LIST("accept_from", "{}", CFGF_NONE),
	CFG_STR("src_ip", "", CFGF_NONE),
	CFG_STR_LIST("vips", "{}", CFGF_NONE),
	CFG_STR_LIST("read_vips", "{}", CFGF_NONE),
	CFG_INT("garp_repeat", 3, CFGF_NONE),
	CFG_INT("garp_refresh_ms", 0, CFGF_NONE),
	CFG_STR("auth_pass", "", CFGF_NONE),
	CFG_BOOL("v3_checksum_as_v2", cfg_false, CFGF_NONE),
	CFG_END()
};

/* A server connection's options: the mysql sections' and the witness's (read_mysql reads them). */
#define CONNECTION_OPTS                                                                                \
	CFG_STR("host", "", CFGF_NONE), CFG_INT("port", 3306, CFGF_NONE), CFG_STR("socket", "", CFGF_NONE), \
		CFG_STR("user", "", CFGF_NONE), CFG_STR("password_file", "", CFGF_NONE),                  \
		CFG_STR("password_credential", "", CFGF_NONE), CFG_BOOL("ssl", cfg_false, CFGF_NONE),     \
		CFG_STR("ssl_ca", "", CFGF_NONE), CFG_STR("ssl_cert", "", CFGF_NONE),                     \
		CFG_STR("ssl_key", "", CFGF_NONE), CFG_BOOL("ssl_verify_server_cert", cfg_false, CFGF_NONE)

static cfg_opt_t mysql_opts[] = {
	CONNECTION_OPTS,
	CFG_END()
};

static cfg_opt_t health_opts[] = {
	CFG_INT("interval_ms", 200, CFGF_NONE),
	CFG_INT("timeout_ms", 500, CFGF_NONE),
	CFG_INT("fall", 2, CFGF_NONE),
	CFG_INT("rise", 2, CFGF_NONE),
	CFG_INT("max_lag_s", 30, CFGF_NONE),
	CFG_INT("weight_io_down", 50, CFGF_NONE),
	CFG_INT("weight_sql_down", 100, CFGF_NONE),
	CFG_INT("weight_lag", 50, CFGF_NONE),
	CFG_INT("weight_peer_down", 0, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t takeover_opts[] = {
	CFG_INT("catchup_timeout_ms", 5000, CFGF_NONE),
	CFG_BOOL("fence_peer", cfg_true, CFGF_NONE),
	CFG_BOOL("promote_stale", cfg_false, CFGF_NONE),
	CFG_INT("fence_timeout_ms", 2000, CFGF_NONE),
	CFG_INT("fence_answer_ms", 200, CFGF_NONE),
	CFG_BOOL("kill_clients_on_stepdown", cfg_true, CFGF_NONE),
	CFG_INT("holddown_ms", 10000, CFGF_NONE),
	CFG_BOOL("manage_semisync", cfg_true, CFGF_NONE),
	CFG_BOOL("rejoin", cfg_true, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t tiebreaker_opts[] = {
	CFG_STR_LIST("targets", "{}", CFGF_NONE),
	CFG_INT("interval_ms", 1000, CFGF_NONE),
	CFG_INT("timeout_ms", 500, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t witness_opts[] = {
	CONNECTION_OPTS,
	CFG_INT("lease_ms", 2000, CFGF_NONE),
	CFG_STR("table", "dualmaster.lease", CFGF_NONE),
	CFG_STR("cluster", "", CFGF_NONE),
	CFG_END()
};

static cfg_opt_t hooks_opts[] = {
	CFG_STR("on_master", "", CFGF_NONE),
	CFG_STR("on_backup", "", CFGF_NONE),
	CFG_STR("on_fault", "", CFGF_NONE),
	CFG_STR("on_stop", "", CFGF_NONE),
	CFG_INT("timeout_ms", 10000, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t top_opts[] = {
	CFG_STR("node_name", "", CFGF_NONE),
	CFG_STR("control_socket", "/run/dualmaster/control.sock", CFGF_NONE),
	CFG_STR("metrics_file", "", CFGF_NONE),
	CFG_STR("state_file", "", CFGF_NONE),
	CFG_SEC("vrrp", vrrp_opts, CFGF_NONE),
	CFG_SEC("mysql", mysql_opts, CFGF_TITLE | CFGF_MULTI | CFGF_NO_TITLE_DUPES),
	CFG_SEC("health", health_opts, CFGF_NONE),
	CFG_SEC("takeover", takeover_opts, CFGF_NONE),
	CFG_SEC("tiebreaker", tiebreaker_opts, CFGF_NONE),
	CFG_SEC("witness", witness_opts, CFGF_NONE),
	CFG_SEC("hooks", hooks_opts, CFGF_NONE),
	CFG_END()
};

static void errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[300];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	conf_error(ctx->errs, ctx->path, cfg ? cfg->line : 0, "%s", msg);
}

/* "vrrp|vrid", "mysql peer|port" or "node_name": the key conf_line knows an option's line by. */
static void name_key(cfg_t *cfg, const char *name, char *key, size_t len)
{
	const char *title = cfg_title(cfg);

	if (strcmp(cfg->name, "root") == 0)
		snprintf(key, len, "%s", name);
	else if (title)
		snprintf(key, len, "%s %s|%s", cfg->name, title, name);
	else
		snprintf(key, len, "%s|%s", cfg->name, name);
}

static void opt_key(cfg_t *cfg, cfg_opt_t *opt, char *key, size_t len)
{
	name_key(cfg, opt->name, key, len);
}

/* Runs right after each value is parsed, so cfg->line is that value's line. */
static int record_line(cfg_t *cfg, cfg_opt_t *opt)
{
	char key[64];
	unsigned n = cfg_opt_size(opt);

	opt_key(cfg, opt, key, sizeof(key));
	if (opt->type == CFGT_SEC) {
		/* A repeated plain section would silently replace the first one. */
		if (!(opt->flags & CFGF_MULTI)) {
			for (int i = 0; i < ctx->lines->n; i++)
				if (strcmp(ctx->lines->at[i].key, key) == 0)
					conf_error(ctx->errs, ctx->path, cfg->line,
						   "section %s given twice (first ends at line %d)", key,
						   ctx->lines->at[i].line);
		}
		if (opt->flags & CFGF_TITLE) {
			cfg_t *sec = cfg_opt_getnsec(opt, n - 1);
			snprintf(key, sizeof(key), "%s %s", opt->name, cfg_title(sec));
		}
		conf_lines_set(ctx->lines, key, cfg->line);
		return 0;
	}
	if (opt->flags & CFGF_LIST) {
		char ekey[80];
		snprintf(ekey, sizeof(ekey), "%s#%u", key, n - 1);
		conf_lines_set(ctx->lines, ekey, cfg->line);
	}
	conf_lines_set(ctx->lines, key, cfg->line);
	return 0;
}

static void register_lines(cfg_t *cfg, cfg_opt_t *opts, const char *prefix)
{
	char path[64];

	for (cfg_opt_t *o = opts; o->name; o++) {
		if (prefix)
			snprintf(path, sizeof(path), "%s|%s", prefix, o->name);
		else
			snprintf(path, sizeof(path), "%s", o->name);
		cfg_set_validate_func(cfg, path, record_line);
		if (o->type == CFGT_SEC)
			register_lines(cfg, o->subopts, path);
	}
}

/* A string that does not fit is an error, never cut: a cut path names another file. */
static void copy_str(char *dst, size_t len, cfg_t *sec, const char *name)
{
	const char *s = cfg_getstr(sec, name);
	char key[96];

	if (s && strlen(s) >= len) {
		name_key(sec, name, key, sizeof(key));
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key), "%s: longer than %zu characters", key,
			   len - 1);
	}
	snprintf(dst, len, "%s", s ? s : "");
}

/* An integer beyond int is an error, never wrapped (vrid = 4294967347 is not 51); INT_MIN then
 * fails every range check after it. */
static int get_int(cfg_t *sec, const char *name)
{
	long v = cfg_getint(sec, name);
	char key[96];

	if (v >= INT_MIN && v <= INT_MAX)
		return (int)v;
	name_key(sec, name, key, sizeof(key));
	conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key), "%s = %ld out of range", key, v);
	return INT_MIN;
}

/* A list of addresses (vrrp|unicast_peers, vrrp|accept_from), each element checked; their family
 * against the VIPs' is conf_check's. */
static void read_addrs(cfg_t *v, const char *name, struct in6_addr *out, int *n_out)
{
	char key[64];
	unsigned n = cfg_size(v, name);

	if (n > CONF_MAX_PEERS)
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, name[0] == 'u' ? "vrrp|unicast_peers"
										    : "vrrp|accept_from"),
			   "vrrp|%s: at most %d", name, CONF_MAX_PEERS);
	for (unsigned i = 0; i < n && i < CONF_MAX_PEERS; i++) {
		const char *s = cfg_getnstr(v, name, i);
		snprintf(key, sizeof(key), "vrrp|%s#%u", name, i);
		if (!ipaddr_parse(s, &out[*n_out]) || ipaddr_is_none(&out[*n_out]))
			conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key),
				   "vrrp|%s: \"%s\" is not an IP address", name, s);
		else
			(*n_out)++;
	}
}

static void read_vips(cfg_t *v, const char *name, struct conf_vip *out, int *n_out)
{
	char key[96], where[64];
	const char *why;
	unsigned n = cfg_size(v, name);

	snprintf(where, sizeof(where), "vrrp|%s", name);
	if (n > CONF_MAX_VIPS)
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, where), "%s: at most %d", where, CONF_MAX_VIPS);
	for (unsigned i = 0; i < n && i < CONF_MAX_VIPS; i++) {
		const char *s = cfg_getnstr(v, name, i);
		snprintf(key, sizeof(key), "%s#%u", where, i);
		if (conf_parse_cidr(s, &out[*n_out], &why) < 0)
			conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key), "%s: \"%s\" is not a valid VIP: %s",
				   where, s, why);
		else
			(*n_out)++;
	}
}

static void read_vrrp(cfg_t *v, struct conf *c)
{
	struct conf_vrrp *r = &c->vrrp;

	copy_str(r->interface, sizeof(r->interface), v, "interface");
	r->vrid = get_int(v, "vrid");
	r->version = get_int(v, "version");
	r->priority = get_int(v, "priority");
	r->advert_interval_ms = get_int(v, "advert_interval_ms");
	r->preempt = cfg_getbool(v, "preempt");
	r->preempt_delay_ms = get_int(v, "preempt_delay_ms");
	r->garp_repeat = get_int(v, "garp_repeat");
	r->garp_refresh_ms = get_int(v, "garp_refresh_ms");
	r->v3_checksum_as_v2 = cfg_getbool(v, "v3_checksum_as_v2");
	if (strlen(cfg_getstr(v, "auth_pass")) > 8)
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, "vrrp|auth_pass"),
			   "vrrp|auth_pass: at most 8 characters");
	copy_str(r->auth_pass, sizeof(r->auth_pass), v, "auth_pass");

	read_vips(v, "vips", r->vips, &r->n_vips);
	read_vips(v, "read_vips", r->read_vips, &r->n_read_vips);
	read_addrs(v, "unicast_peers", r->unicast_peers, &r->n_unicast_peers);
	read_addrs(v, "accept_from", r->accept_from, &r->n_accept_from);
	const char *src = cfg_getstr(v, "src_ip");
	if (src && *src && (!ipaddr_parse(src, &r->src_ip) || ipaddr_is_none(&r->src_ip))) {
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, "vrrp|src_ip"),
			   "vrrp|src_ip: \"%s\" is not an IP address", src);
		r->src_ip = (struct in6_addr){ 0 };
	}
}

/* Reads a password file: it must exist and not be readable by group or others. */
static void read_password_file(const char *path, const char *key, char *out, size_t len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key), "%s: cannot open \"%s\": %s", key,
			   path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key), "%s: \"%s\" is not a regular file",
			   key, path);
	} else if (st.st_mode & (S_IRGRP | S_IROTH | S_IWGRP | S_IWOTH)) {
		conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key),
			   "%s: \"%s\" is readable by group or others (mode %03o): chmod 600 it", key, path,
			   (unsigned)(st.st_mode & 0777));
	} else {
		ssize_t r = read(fd, out, len - 1);
		if (r < 0) {
			conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key), "%s: read \"%s\": %s", key,
				   path, strerror(errno));
			r = 0;
		}
		out[r] = '\0';
		/* Editors add a newline that is not part of the password. */
		while (r > 0 && (out[r - 1] == '\n' || out[r - 1] == '\r'))
			out[--r] = '\0';
	}
	close(fd);
}

/* A TLS file (ssl_ca, ssl_cert, ssl_key): checked now, so a typo fails `dualmasterd -t` instead of
 * every connect at run time. Symlinks are fine (certificate stores are made of them). */
static void check_tls_file(const char *path, const char *sect, const char *name)
{
	struct stat st;
	char key[64];
	int fd;

	if (!path[0])
		return;
	snprintf(key, sizeof(key), "%s|%s", sect, name);
	int line = conf_line(ctx->lines, key);
	if (path[0] != '/') {
		conf_error(ctx->errs, ctx->path, line, "%s: \"%s\" is not an absolute path", key, path);
		return;
	}
	/* O_NONBLOCK: a FIFO put there must not hang the loader; it fails the regular-file test. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		conf_error(ctx->errs, ctx->path, line, "%s: cannot open \"%s\": %s", key, path, strerror(errno));
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		conf_error(ctx->errs, ctx->path, line, "%s: \"%s\" is not a regular file", key, path);
	close(fd);
}

/* sect: the section as keys name it ("mysql local", "witness"). */
static void read_mysql(cfg_t *m, struct conf_mysql *out, const char *sect)
{
	char key[64];
	char cred[CONF_STR + 64];

	copy_str(out->host, sizeof(out->host), m, "host");
	int port = get_int(m, "port");
	out->port = port < 0 ? 0 : (unsigned)port;
	copy_str(out->socket, sizeof(out->socket), m, "socket");
	copy_str(out->user, sizeof(out->user), m, "user");
	copy_str(out->password_file, sizeof(out->password_file), m, "password_file");
	copy_str(out->password_credential, sizeof(out->password_credential), m, "password_credential");
	copy_str(out->ssl_ca, sizeof(out->ssl_ca), m, "ssl_ca");
	copy_str(out->ssl_cert, sizeof(out->ssl_cert), m, "ssl_cert");
	copy_str(out->ssl_key, sizeof(out->ssl_key), m, "ssl_key");
	out->ssl_verify_server_cert = cfg_getbool(m, "ssl_verify_server_cert");
	out->ssl = cfg_getbool(m, "ssl") || out->ssl_ca[0] || out->ssl_cert[0] || out->ssl_key[0];
	check_tls_file(out->ssl_ca, sect, "ssl_ca");
	check_tls_file(out->ssl_cert, sect, "ssl_cert");
	check_tls_file(out->ssl_key, sect, "ssl_key");

	if (out->password_credential[0]) {
		const char *dir = getenv("CREDENTIALS_DIRECTORY");
		snprintf(key, sizeof(key), "%s|password_credential", sect);
		if (!dir) {
			conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key),
				   "%s: $CREDENTIALS_DIRECTORY is not set (LoadCredential= in the unit; "
				   "the unit's ExecStartPre= runs this check with it)", key);
			return;
		}
		snprintf(cred, sizeof(cred), "%s/%s", dir, out->password_credential);
		read_password_file(cred, key, out->password, sizeof(out->password));
	} else if (out->password_file[0]) {
		snprintf(key, sizeof(key), "%s|password_file", sect);
		read_password_file(out->password_file, key, out->password, sizeof(out->password));
	}
}

static void read_all(cfg_t *cfg, struct conf *c)
{
	cfg_t *s;

	copy_str(c->node_name, sizeof(c->node_name), cfg, "node_name");
	copy_str(c->control_socket, sizeof(c->control_socket), cfg, "control_socket");
	copy_str(c->metrics_file, sizeof(c->metrics_file), cfg, "metrics_file");
	copy_str(c->state_file, sizeof(c->state_file), cfg, "state_file");
	/* systemd's StateDirectory= (the shipped unit) says where state goes when the file does not:
	 * the first of its colon-separated paths. */
	const char *sd = getenv("STATE_DIRECTORY");
	if (!c->state_file[0] && sd && sd[0] == '/') {
		size_t dl = strcspn(sd, ":");
		if (dl + sizeof("/state") <= sizeof(c->state_file))
			snprintf(c->state_file, sizeof(c->state_file), "%.*s/state", (int)dl, sd);
	}
	read_vrrp(cfg_getsec(cfg, "vrrp"), c);

	for (unsigned i = 0; i < cfg_size(cfg, "mysql"); i++) {
		s = cfg_getnsec(cfg, "mysql", i);
		const char *t = cfg_title(s);
		if (strcmp(t, "local") == 0)
			read_mysql(s, &c->local, "mysql local");
		else if (strcmp(t, "peer") == 0)
			read_mysql(s, &c->peer, "mysql peer");
		else {
			char key[64];
			snprintf(key, sizeof(key), "mysql %s", t);
			conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key),
				   "mysql \"%s\": only \"local\" and \"peer\" are known", t);
		}
	}

	/* Adverts come from the peer: its unicast address, else the address its server has. */
	struct conf_vrrp *r = &c->vrrp;
	struct in_addr a;
	if (r->n_accept_from == 0 && r->n_unicast_peers > 0) {
		memcpy(r->accept_from, r->unicast_peers, sizeof(r->accept_from));
		r->n_accept_from = r->n_unicast_peers;
	} else if (r->n_accept_from == 0 && !conf_vrrp_v6(r) && inet_pton(AF_INET, c->peer.host, &a) == 1) {
		/* Not for IPv6 multicast: its adverts come from the peer's link-local address, which
		 * the server's address does not tell. */
		r->accept_from[r->n_accept_from++] = ipaddr_from4(a);
	}

	s = cfg_getsec(cfg, "health");
	c->health.interval_ms = get_int(s, "interval_ms");
	c->health.timeout_ms = get_int(s, "timeout_ms");
	c->health.fall = get_int(s, "fall");
	c->health.rise = get_int(s, "rise");
	c->health.max_lag_s = get_int(s, "max_lag_s");
	c->health.weight_io_down = get_int(s, "weight_io_down");
	c->health.weight_sql_down = get_int(s, "weight_sql_down");
	c->health.weight_lag = get_int(s, "weight_lag");
	c->health.weight_peer_down = get_int(s, "weight_peer_down");

	s = cfg_getsec(cfg, "takeover");
	c->takeover.catchup_timeout_ms = get_int(s, "catchup_timeout_ms");
	c->takeover.fence_peer = cfg_getbool(s, "fence_peer");
	c->takeover.promote_stale = cfg_getbool(s, "promote_stale");
	c->takeover.fence_timeout_ms = get_int(s, "fence_timeout_ms");
	c->takeover.fence_answer_ms = get_int(s, "fence_answer_ms");
	c->takeover.kill_clients_on_stepdown = cfg_getbool(s, "kill_clients_on_stepdown");
	c->takeover.holddown_ms = get_int(s, "holddown_ms");
	c->takeover.manage_semisync = cfg_getbool(s, "manage_semisync");
	c->takeover.rejoin = cfg_getbool(s, "rejoin");

	s = cfg_getsec(cfg, "tiebreaker");
	for (unsigned i = 0; i < cfg_size(s, "targets"); i++) {
		char key[64];
		const char *t = cfg_getnstr(s, "targets", i);
		snprintf(key, sizeof(key), "tiebreaker|targets#%u", i);
		if (i >= CONF_MAX_TARGETS)
			conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key), "tiebreaker|targets: at most %d",
				   CONF_MAX_TARGETS);
		else if (conf_parse_target(t, &c->tiebreaker.targets[c->tiebreaker.n_targets]) < 0)
			conf_error(ctx->errs, ctx->path, conf_line(ctx->lines, key),
				   "tiebreaker|targets: \"%s\" is not a.b.c.d or a.b.c.d:port", t);
		else
			c->tiebreaker.n_targets++;
	}
	c->tiebreaker.interval_ms = get_int(s, "interval_ms");
	c->tiebreaker.timeout_ms = get_int(s, "timeout_ms");

	s = cfg_getsec(cfg, "witness");
	read_mysql(s, &c->witness.db, "witness");
	c->witness.enabled = c->witness.db.host[0] || c->witness.db.socket[0];
	c->witness.lease_ms = get_int(s, "lease_ms");
	copy_str(c->witness.table, sizeof(c->witness.table), s, "table");
	copy_str(c->witness.cluster, sizeof(c->witness.cluster), s, "cluster");
	if (!c->witness.cluster[0])
		snprintf(c->witness.cluster, sizeof(c->witness.cluster), "vrrp-%d", c->vrrp.vrid);

	s = cfg_getsec(cfg, "hooks");
	copy_str(c->hooks.on_master, sizeof(c->hooks.on_master), s, "on_master");
	copy_str(c->hooks.on_backup, sizeof(c->hooks.on_backup), s, "on_backup");
	copy_str(c->hooks.on_fault, sizeof(c->hooks.on_fault), s, "on_fault");
	copy_str(c->hooks.on_stop, sizeof(c->hooks.on_stop), s, "on_stop");
	c->hooks.timeout_ms = get_int(s, "timeout_ms");
}

/* libconfuse 3.3 counts every comment as three lines, which breaks FILE:LINE messages, and
 * rejects a comment inside a list (libconfuse issue #150). Blank out comments ourselves,
 * keeping newlines, so the parser sees none. Quoted strings are left alone. */
static void blank_comments(char *s)
{
	char quote = 0;

	for (; *s; s++) {
		if (quote) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'') {
			quote = *s;
		} else if (*s == '#' || (s[0] == '/' && s[1] == '/')) {
			while (*s && *s != '\n')
				*s++ = ' ';
			if (!*s)
				return;
		} else if (s[0] == '/' && s[1] == '*') {
			while (*s && !(s[0] == '*' && s[1] == '/')) {
				if (*s != '\n')
					*s = ' ';
				s++;
			}
			if (!*s)
				return;
			s[0] = s[1] = ' ';
			s++;
		}
	}
}

/* Reads the whole file into a NUL-terminated buffer the caller frees. */
/* A hook runs with the daemon's rights over the database's role: someone else who can change the
 * file could run anything there. */
static void check_hook(const char *path, const char *name)
{
	struct stat st;
	char key[32];

	if (!path[0])
		return;
	snprintf(key, sizeof(key), "hooks|%s", name);
	int line = conf_line(ctx->lines, key);
	if (path[0] != '/') {
		conf_error(ctx->errs, ctx->path, line, "%s: \"%s\" is not an absolute path", key, path);
		return;
	}
	if (stat(path, &st) < 0) {
		conf_error(ctx->errs, ctx->path, line, "%s: %s: %s", key, path, strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		conf_error(ctx->errs, ctx->path, line, "%s: %s is not an executable file", key, path);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		conf_error(ctx->errs, ctx->path, line, "%s: %s is writable by group or others", key, path);
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		conf_error(ctx->errs, ctx->path, line, "%s: %s belongs to uid %u, not root or this daemon", key,
			   path, (unsigned)st.st_uid);
}

#define CONF_FILE_MAX (1024 * 1024)

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0 && len <= CONF_FILE_MAX);
	/* Never a prefix: a file cut short would be a different configuration. */
	if (len > CONF_FILE_MAX) {
		free(buf);
		fclose(f);
		errno = EFBIG;
		return NULL;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

int conf_load(const char *path, struct conf *out, struct conf_errors *errs)
{
	struct conf_lines *lines = calloc(1, sizeof(*lines));
	struct parse_ctx pc = { .path = path, .lines = lines, .errs = errs };
	cfg_t *cfg;
	char *text;
	int rc;

	if (!lines) {
		conf_error(errs, path, 0, "out of memory");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", path);
	ctx = &pc;
	cfg = cfg_init(top_opts, CFGF_NONE);
	if (!cfg) {
		conf_error(errs, path, 0, "out of memory");
		rc = -1;
		goto out;
	}
	cfg_set_error_function(cfg, errfunc);
	register_lines(cfg, top_opts, NULL);

	text = read_text(path);
	if (!text) {
		conf_error(errs, path, 0, "cannot read: %s", strerror(errno));
		rc = -1;
		goto out_cfg;
	}
	blank_comments(text);
	rc = cfg_parse_buf(cfg, text);
	free(text);
	if (rc != CFG_SUCCESS) {
		if (errs->n == 0)
			conf_error(errs, path, 0, "parse error");
		rc = -1;
	} else {
		read_all(cfg, out);
		check_hook(out->hooks.on_master, "on_master");
		check_hook(out->hooks.on_backup, "on_backup");
		check_hook(out->hooks.on_fault, "on_fault");
		check_hook(out->hooks.on_stop, "on_stop");
		conf_check(out, lines, errs);
		conf_advice(out, lines, errs);
		rc = errs->n ? -1 : 0;
	}
out_cfg:
	cfg_free(cfg);
out:
	ctx = NULL;
	free(lines);
	if (rc < 0) {
		memset(out->local.password, 0, sizeof(out->local.password));
		memset(out->peer.password, 0, sizeof(out->peer.password));
	}
	return rc;
}
