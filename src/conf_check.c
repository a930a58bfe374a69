/* Pure validation of a parsed configuration: ranges, formats and cross-field rules, every error reported. */
#include "conf_check.h"

#include <limits.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void conf_lines_set(struct conf_lines *lines, const char *key, int line)
{
	for (int i = 0; i < lines->n; i++) {
		if (strcmp(lines->at[i].key, key) == 0) {
			lines->at[i].line = line;
			return;
		}
	}
	if (lines->n >= CONF_MAX_LINES)
		return;
	snprintf(lines->at[lines->n].key, sizeof(lines->at[0].key), "%s", key);
	lines->at[lines->n].line = line;
	lines->n++;
}

int conf_line(const struct conf_lines *lines, const char *key)
{
	char k[64];

	snprintf(k, sizeof(k), "%s", key);
	for (;;) {
		for (int i = 0; i < lines->n; i++)
			if (strcmp(lines->at[i].key, k) == 0)
				return lines->at[i].line;
		char *bar = strrchr(k, '|');
		char *hash = strrchr(k, '#');
		if (hash && (!bar || hash > bar))
			*hash = '\0';
		else if (bar)
			*bar = '\0';
		else
			return 1;
	}
}

void conf_error(struct conf_errors *errs, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int off;

	if (errs->n >= CONF_MAX_ERRORS)
		return;
	off = snprintf(errs->msg[errs->n], sizeof(errs->msg[0]), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(errs->msg[errs->n] + off, sizeof(errs->msg[0]) - (size_t)off, fmt, ap);
	va_end(ap);
	errs->n++;
}

static int parse_uint(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

int conf_parse_cidr(const char *s, struct conf_vip *out, const char **why)
{
	char buf[64];
	char *slash;
	long len;

	if (strlen(s) >= sizeof(buf)) {
		*why = "too long";
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash) {
		*why = "prefix length missing (want address/len)";
		return -1;
	}
	*slash = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, &out->addr) == 1) {
		if (parse_uint(slash + 1, 32, &len) < 0 || len < 1) {
			*why = "prefix length must be 1-32";
			return -1;
		}
	} else if (inet_pton(AF_INET6, buf, &out->addr6) == 1) {
		out->v6 = true;
		/* A VIP is one host's address: multicast, unspecified, loopback or IPv4-mapped
		 * cannot be held by a router. */
		if (IN6_IS_ADDR_MULTICAST(&out->addr6) || IN6_IS_ADDR_UNSPECIFIED(&out->addr6) ||
		    IN6_IS_ADDR_LOOPBACK(&out->addr6) || IN6_IS_ADDR_V4MAPPED(&out->addr6)) {
			*why = "not a unicast IPv6 address";
			return -1;
		}
		if (parse_uint(slash + 1, 128, &len) < 0 || len < 1) {
			*why = "prefix length must be 1-128";
			return -1;
		}
	} else {
		*why = "not an IPv4 or IPv6 address";
		return -1;
	}
	out->prefixlen = (int)len;
	return 0;
}

int conf_parse_target(const char *s, struct conf_target *out)
{
	char buf[64];
	char *colon;
	long port = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	colon = strchr(buf, ':');
	if (colon) {
		*colon = '\0';
		if (parse_uint(colon + 1, 65535, &port) < 0 || port == 0)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &out->addr) != 1)
		return -1;
	out->port = (uint16_t)port;
	return 0;
}

static void check_range(const struct conf *c, const struct conf_lines *l, struct conf_errors *e,
			const char *key, long v, long lo, long hi)
{
	/* conf_load reads a number beyond int as INT_MIN, having said so already. */
	if (v == INT_MIN)
		return;
	if (v < lo || v > hi)
		conf_error(e, c->path, conf_line(l, key), "%s = %ld out of range %ld-%ld", key, v, lo, hi);
}

static void check_mysql(const struct conf *c, const struct conf_lines *l, struct conf_errors *e,
			const struct conf_mysql *m, const char *name)
/* name: the section as keys name it ("mysql local", "witness") */
{
	char key[64];

	snprintf(key, sizeof(key), "%s", name);
	if (!m->host[0] && !m->socket[0]) {
		conf_error(e, c->path, conf_line(l, key), "%s: host or socket required", name);
	} else if (m->host[0]) {
		struct in6_addr a;
		snprintf(key, sizeof(key), "%s|host", name);
		if (!ipaddr_parse(m->host, &a))
			conf_error(e, c->path, conf_line(l, key),
				   "%s: host \"%s\" must be an IP address (names resolve blocking)", name, m->host);
		else if (IN6_IS_ADDR_LINKLOCAL(&a))
			conf_error(e, c->path, conf_line(l, key),
				   "%s: host \"%s\" is link-local: a connection cannot name its interface", name, m->host);
	}
	snprintf(key, sizeof(key), "%s|port", name);
	check_range(c, l, e, key, (long)m->port, 1, 65535);
	if (!m->user[0]) {
		snprintf(key, sizeof(key), "%s", name);
		conf_error(e, c->path, conf_line(l, key), "%s: user required", name);
	}
	/* A client certificate is the pair: the server gets the certificate, we prove it with the key. */
	if (!m->ssl_cert[0] != !m->ssl_key[0]) {
		snprintf(key, sizeof(key), "%s|%s", name, m->ssl_cert[0] ? "ssl_cert" : "ssl_key");
		conf_error(e, c->path, conf_line(l, key), "%s|%s: ssl_cert and ssl_key must be given together",
			   name, m->ssl_cert[0] ? "ssl_cert" : "ssl_key");
	}
	/* Without a CA there is nothing to verify against: every connect would fail, and the peer,
	 * alive, would look as if it refused us for good. */
	if (m->ssl_verify_server_cert && !m->ssl_ca[0]) {
		snprintf(key, sizeof(key), "%s|ssl_verify_server_cert", name);
		conf_error(e, c->path, conf_line(l, key), "%s: needs ssl_ca (the CA that signed the server's certificate)",
			   key);
	}
}

/* Names written into the lease statements: plain identifiers only, so no quoting is needed. */
static bool sql_name_ok(const char *s, bool dot)
{
	if (!s[0])
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && !(dot && *s == '.'))
			return false;
	return true;
}

static void check_witness(const struct conf *c, const struct conf_lines *l, struct conf_errors *e)
{
	const struct conf_witness *w = &c->witness;

	if (!w->enabled)
		return;
	check_mysql(c, l, e, &w->db, "witness");
	/* Renewals go out every lease_ms/4 and the holder stops writing lease_ms/4 before its lease can
	 * end on the witness (lease.h): below 400 ms that leaves no room for a statement's round trip. */
	check_range(c, l, e, "witness|lease_ms", w->lease_ms, 400, 600000);
	if (!sql_name_ok(w->table, true) || strchr(w->table, '-'))
		conf_error(e, c->path, conf_line(l, "witness|table"),
			   "witness|table: \"%s\" must be [schema.]table of letters, digits and _", w->table);
	if (!sql_name_ok(w->cluster, false))
		conf_error(e, c->path, conf_line(l, "witness|cluster"),
			   "witness|cluster: \"%s\" must be letters, digits, _ and -", w->cluster);
}

/* An instance whose first VIP is IPv6 advertises over IPv6: VRRPv3 to ff02::12 from the link-local
 * address (RFC 5798 5.1.2). What only IPv4 has is refused, not silently ignored. */
static void check_vrrp_v6(const struct conf *c, const struct conf_lines *l, struct conf_errors *e)
{
	const struct conf_vrrp *v = &c->vrrp;

	for (int i = 0; i < v->n_vips; i++)
		for (int j = 0; j < i; j++)
			if (conf_vip_same(&v->vips[i], &v->vips[j])) {
				char key[40];
				snprintf(key, sizeof(key), "vrrp|vips#%d", i);
				conf_error(e, c->path, conf_line(l, key), "vrrp|vips: entry %d repeats entry %d", i + 1,
					   j + 1);
			}
	bool v6 = conf_vrrp_v6(v);
	const char *fam = v6 ? "IPv6" : "IPv4";
	char a[IPADDR_STRLEN];
	for (int i = 0; i < v->n_unicast_peers; i++)
		if (ipaddr_is4(&v->unicast_peers[i]) == v6)
			conf_error(e, c->path, conf_line(l, "vrrp|unicast_peers"),
				   "vrrp|unicast_peers: %s is not %s, the family of the first VIP (adverts go out in it)",
				   ipaddr_str(&v->unicast_peers[i], a), fam);
	/* Filled in from the unicast peers (conf_load): said once, there. */
	bool copied = v->n_accept_from == v->n_unicast_peers &&
		      !memcmp(v->accept_from, v->unicast_peers, sizeof(v->accept_from[0]) * (size_t)v->n_accept_from);
	for (int i = 0; i < v->n_accept_from && !copied; i++)
		if (ipaddr_is4(&v->accept_from[i]) == v6)
			conf_error(e, c->path, conf_line(l, "vrrp|accept_from"),
				   "vrrp|accept_from: %s is not %s, the family of the first VIP (adverts come in it)",
				   ipaddr_str(&v->accept_from[i], a), fam);
	if (!ipaddr_is_none(&v->src_ip) && ipaddr_is4(&v->src_ip) == v6)
		conf_error(e, c->path, conf_line(l, "vrrp|src_ip"),
			   "vrrp|src_ip: %s is not %s, the family of the first VIP (adverts go out in it)",
			   ipaddr_str(&v->src_ip, a), fam);
	/* Our link-local address would be the source: a peer listing our global address (its
	 * accept_from defaults to its unicast peers) drops those adverts, and sends its own to that
	 * global address, which a socket bound to the link-local one never sees. */
	if (v6 && v->n_unicast_peers > 0 && ipaddr_is_none(&v->src_ip))
		conf_error(e, c->path, conf_line(l, "vrrp|unicast_peers"),
			   "vrrp|unicast_peers: IPv6 unicast needs src_ip, the address the peers list for this node");
	if (v6 && v->v3_checksum_as_v2)
		conf_error(e, c->path, conf_line(l, "vrrp|v3_checksum_as_v2"),
			   "vrrp|v3_checksum_as_v2: IPv4 only, but the first VIP is IPv6 (RFC 9568 keeps the IPv6 "
			   "pseudo-header)");
	if (v6 && v->version != 3)
		conf_error(e, c->path, conf_line(l, "vrrp|version"),
			   "vrrp|version = %d: the first VIP is IPv6, which only version 3 carries (RFC 5798)",
			   v->version);
}

static void check_vrrp(const struct conf *c, const struct conf_lines *l, struct conf_errors *e)
{
	const struct conf_vrrp *v = &c->vrrp;

	if (!v->interface[0])
		conf_error(e, c->path, conf_line(l, "vrrp"), "vrrp: interface is required");
	check_range(c, l, e, "vrrp|vrid", v->vrid, 1, 255);
	if (v->version != 2 && v->version != 3)
		conf_error(e, c->path, conf_line(l, "vrrp|version"), "vrrp|version = %d: must be 2 or 3",
			   v->version);
	/* 255 is the address owner (RFC 5798 6.1): it never waits for a master, which defeats the
	 * takeover sequence, and 0 is reserved for the resign advert. */
	check_range(c, l, e, "vrrp|priority", v->priority, 1, 254);
	if (v->version == 2) {
		/* RFC 3768 5.3.7: Adver Int is whole seconds in 8 bits. */
		if (v->advert_interval_ms < 1000 || v->advert_interval_ms > 255000 ||
		    v->advert_interval_ms % 1000 != 0)
			conf_error(e, c->path, conf_line(l, "vrrp|advert_interval_ms"),
				   "vrrp|advert_interval_ms = %d: version 2 needs whole seconds 1000-255000",
				   v->advert_interval_ms);
	} else if (v->advert_interval_ms < 10 || v->advert_interval_ms > 40950 ||
		   v->advert_interval_ms % 10 != 0) {
		/* RFC 5798 5.2.7: 12-bit field in centiseconds. */
		conf_error(e, c->path, conf_line(l, "vrrp|advert_interval_ms"),
			   "vrrp|advert_interval_ms = %d: must be 10-40950 in steps of 10",
			   v->advert_interval_ms);
	}
	check_range(c, l, e, "vrrp|preempt_delay_ms", v->preempt_delay_ms, 0, 3600000);
	/* Only when none was written: a malformed one has been reported where it stands. */
	if (v->n_vips == 0 && conf_line(l, "vrrp|vips") == conf_line(l, "vrrp"))
		conf_error(e, c->path, conf_line(l, "vrrp"), "vrrp: at least one address in vips is required");
	check_range(c, l, e, "vrrp|garp_repeat", v->garp_repeat, 0, 100);
	check_range(c, l, e, "vrrp|garp_refresh_ms", v->garp_refresh_ms, 0, 86400000);
	if (v->auth_pass[0] && v->version != 2)
		conf_error(e, c->path, conf_line(l, "vrrp|auth_pass"),
			   "vrrp|auth_pass: authentication exists only in version 2");
	check_vrrp_v6(c, l, e);
	for (int i = 0; i < v->n_unicast_peers; i++)
		for (int j = 0; j < v->n_vips; j++) {
			struct in6_addr x = conf_vip_ip(&v->vips[j]);
			char a[IPADDR_STRLEN];
			if (ipaddr_eq(&v->unicast_peers[i], &x))
				conf_error(e, c->path, conf_line(l, "vrrp|unicast_peers"), "vrrp|unicast_peers: %s is also a VIP",
					   ipaddr_str(&x, a));
		}
	/* A read VIP moves on its own: sharing an address with a write VIP or a peer would move that
	 * one with it. */
	for (int i = 0; i < v->n_read_vips; i++) {
		const struct conf_vip *r = &v->read_vips[i];
		struct in6_addr a6 = conf_vip_ip(r);
		char key[40];
		snprintf(key, sizeof(key), "vrrp|read_vips#%d", i);
		/* The master learns whether another host holds a read VIP by an ARP probe. */
		if (r->v6) {
			conf_error(e, c->path, conf_line(l, key), "vrrp|read_vips: IPv4 addresses only");
			continue;
		}
		bool clash = false;
		for (int j = 0; j < v->n_vips; j++)
			clash |= conf_vip_same(r, &v->vips[j]);
		for (int j = 0; j < v->n_unicast_peers; j++)
			clash |= ipaddr_eq(&a6, &v->unicast_peers[j]);
		for (int j = 0; j < i; j++)
			clash |= conf_vip_same(r, &v->read_vips[j]);
		clash |= ipaddr_eq(&a6, &v->src_ip);
		if (clash)
			conf_error(e, c->path, conf_line(l, key),
				   "vrrp|read_vips: %s is also a VIP, a peer, the source address or listed twice",
				   inet_ntoa(r->addr));
	}
}

int conf_check(const struct conf *c, const struct conf_lines *l, struct conf_errors *e)
{
	int before = e->n;
	const struct conf_health *h = &c->health;
	const struct conf_takeover *t = &c->takeover;

	if (!c->node_name[0])
		conf_error(e, c->path, conf_line(l, "node_name"), "node_name must not be empty");
	/* The name is written with every takeover term (dualmaster.term.holder, 64 characters). */
	if (strlen(c->node_name) > 63)
		conf_error(e, c->path, conf_line(l, "node_name"), "node_name longer than 63 characters");
	if (!c->control_socket[0] || c->control_socket[0] != '/')
		conf_error(e, c->path, conf_line(l, "control_socket"), "control_socket must be an absolute path");
	check_vrrp(c, l, e);
	check_mysql(c, l, e, &c->local, "mysql local");
	check_mysql(c, l, e, &c->peer, "mysql peer");
	check_witness(c, l, e);

	check_range(c, l, e, "health|interval_ms", h->interval_ms, 50, 60000);
	check_range(c, l, e, "health|timeout_ms", h->timeout_ms, 50, 60000);
	check_range(c, l, e, "health|fall", h->fall, 1, 100);
	check_range(c, l, e, "health|rise", h->rise, 1, 100);
	check_range(c, l, e, "health|max_lag_s", h->max_lag_s, 0, 86400);
	check_range(c, l, e, "health|weight_io_down", h->weight_io_down, 0, 254);
	check_range(c, l, e, "health|weight_sql_down", h->weight_sql_down, 0, 254);
	check_range(c, l, e, "health|weight_lag", h->weight_lag, 0, 254);
	check_range(c, l, e, "health|weight_peer_down", h->weight_peer_down, 0, 254);

	check_range(c, l, e, "takeover|catchup_timeout_ms", t->catchup_timeout_ms, 100, 3600000);
	check_range(c, l, e, "takeover|fence_timeout_ms", t->fence_timeout_ms, 100, 600000);
	check_range(c, l, e, "takeover|fence_answer_ms", t->fence_answer_ms, 10, 600000);
	check_range(c, l, e, "takeover|holddown_ms", t->holddown_ms, 0, 86400000);

	if (c->tiebreaker.n_targets > 0) {
		check_range(c, l, e, "tiebreaker|interval_ms", c->tiebreaker.interval_ms, 100, 600000);
		check_range(c, l, e, "tiebreaker|timeout_ms", c->tiebreaker.timeout_ms, 50, 60000);
	}
	check_range(c, l, e, "hooks|timeout_ms", c->hooks.timeout_ms, 100, 600000);
	return e->n - before;
}

int conf_advice(const struct conf *c, const struct conf_lines *l, struct conf_errors *w)
{
	int before = w->n_warn;

	/* failover-safety "Where two nodes hit their limit": without a target the node cannot tell
	 * "I am cut off" from "the peer is dead" unless its own interface or its adverts say so. */
	if (c->tiebreaker.n_targets == 0 && w->n_warn < (int)(sizeof(w->warn) / sizeof(w->warn[0])))
		snprintf(w->warn[w->n_warn++], sizeof(w->warn[0]),
			 "%s:%d: warning: tiebreaker has no targets: a master cut off beyond its own link (a "
			 "switch port, an upstream cable) keeps its server writable while the peer takes over, "
			 "so both accept writes until the partition heals; set targets = {\"<gateway>\"}",
			 c->path, conf_line(l, "tiebreaker"));
	return w->n_warn - before;
}
