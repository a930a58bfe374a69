/* The daemon's configuration as a plain, copyable struct (filled by conf_load, checked by conf_check). */
#ifndef DM_CONF_H
#define DM_CONF_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipaddr.h"

#define CONF_DEFAULT_PATH "/etc/dualmaster/dualmaster.conf"
#define CONF_MAX_VIPS 16
#define CONF_MAX_PEERS 8
#define CONF_MAX_TARGETS 8
#define CONF_STR 256
#define CONF_PASSWORD_MAX 256

/* A VIP of either family: keepalived lets one instance carry both (the other family than the
 * first VIP's is held with the rest but not advertised, its virtual_ipaddress_excluded). */
struct conf_vip {
	struct in_addr addr;   /* when !v6 */
	int prefixlen;         /* 1..32, IPv6 1..128 */
	bool v6;
	struct in6_addr addr6; /* when v6 */
};

/* A tiebreaker target: ICMP echo when port == 0, TCP connect otherwise. */
struct conf_target {
	struct in_addr addr;
	uint16_t port;
};

struct conf_mysql {
	char host[CONF_STR];     /* IP literal: Connector/C resolves names blocking */
	unsigned port;
	char socket[CONF_STR];   /* unix socket, preferred over host when set */
	char user[CONF_STR];
	char password_file[CONF_STR];
	char password_credential[CONF_STR]; /* name under $CREDENTIALS_DIRECTORY */
	/* Loaded at run time from one of the two above; never logged or printed. */
	char password[CONF_PASSWORD_MAX];
	/* TLS; paths "" = not used. ssl: TLS required, set by `ssl = true` or by any of the three paths
	 * (a certificate configured but silently not used would be worse than a failed connect). */
	bool ssl;
	bool ssl_verify_server_cert; /* needs ssl_ca; the server's name or address must be in its cert */
	char ssl_ca[CONF_STR];
	char ssl_cert[CONF_STR];
	char ssl_key[CONF_STR];
};

struct conf_vrrp {
	char interface[CONF_STR];
	int vrid;               /* 1..255 */
	int version;            /* 2 or 3 */
	int priority;           /* base priority 1..254 */
	int advert_interval_ms; /* v3: 10..40950 step 10; v2: whole seconds */
	bool preempt;
	int preempt_delay_ms;
	/* Addresses below in ipaddr.h form (IPv4 mapped), of the instance's family (conf_check). */
	struct in6_addr unicast_peers[CONF_MAX_PEERS];
	int n_unicast_peers;    /* 0: multicast 224.0.0.18 (IPv6: ff02::12) */
	/* Adverts are accepted from these sources only. Configured as accept_from; empty: the unicast
	 * peers, else the peer server's address (IPv4; conf_load fills it in). 0 entries: any source. */
	struct in6_addr accept_from[CONF_MAX_PEERS];
	int n_accept_from;
	struct in6_addr src_ip; /* all zero: the interface's primary (IPv6: link-local) address */
	struct conf_vip vips[CONF_MAX_VIPS];
	int n_vips;
	/* The read VIPs: on the backup while it is fit for reads, else on the master (sup_read_vip.c).
	 * 0 entries: none. */
	struct conf_vip read_vips[CONF_MAX_VIPS];
	int n_read_vips;
	int garp_repeat;
	int garp_refresh_ms;    /* 0: no refresh */
	char auth_pass[9];      /* v2 PASS auth, "" = none; at most 8 chars as keepalived */
	bool v3_checksum_as_v2; /* RFC 9568 form: no IPv4 pseudo-header */
};

/* The family the instance advertises in: the first VIP's (RFC 5798 runs one family per virtual
 * router; keepalived decides the same way). */
static inline bool conf_vrrp_v6(const struct conf_vrrp *v)
{
	return v->n_vips > 0 && v->vips[0].v6;
}

/* A VIP's address in ipaddr.h form. */
static inline struct in6_addr conf_vip_ip(const struct conf_vip *v)
{
	return v->v6 ? v->addr6 : ipaddr_from4(v->addr);
}

/* Same address (prefix length aside). */
static inline bool conf_vip_same(const struct conf_vip *a, const struct conf_vip *b)
{
	struct in6_addr x = conf_vip_ip(a), y = conf_vip_ip(b);
	return ipaddr_eq(&x, &y);
}

#define CONF_VIP_STRLEN INET6_ADDRSTRLEN
/* The address alone, in its family's text form. Returns buf. */
static inline const char *conf_vip_str(const struct conf_vip *v, char buf[CONF_VIP_STRLEN])
{
	return v->v6 ? inet_ntop(AF_INET6, &v->addr6, buf, CONF_VIP_STRLEN)
		     : inet_ntop(AF_INET, &v->addr, buf, CONF_VIP_STRLEN);
}

struct conf_health {
	int interval_ms;
	int timeout_ms;
	int fall;
	int rise;
	int max_lag_s;
	/* Priority penalties subtracted from the base priority. */
	int weight_io_down;
	int weight_sql_down;
	int weight_lag;
	int weight_peer_down;
};

struct conf_takeover {
	int catchup_timeout_ms;
	bool fence_peer;
	bool promote_stale;
	int fence_timeout_ms;
	int fence_answer_ms;    /* a peer that answers nothing this long is unreachable: stop fencing it */
	bool kill_clients_on_stepdown;
	int holddown_ms;        /* no automatic move back within this after a move */
	bool manage_semisync;   /* turn semi-sync master side off when the peer is down */
	bool rejoin;            /* restart a replica IO thread stopped on a connection/binlog error */
};

struct conf_tiebreaker {
	struct conf_target targets[CONF_MAX_TARGETS];
	int n_targets;          /* 0: isolation check off */
	int interval_ms;
	int timeout_ms;
};

/* The witness: a third MySQL/MariaDB server holding one lease row per cluster (failover-safety
 * "Two out of three"). enabled = a host is configured. */
struct conf_witness {
	bool enabled;
	struct conf_mysql db;
	int lease_ms;           /* a lease granted now expires this much later on the witness's clock */
	char table[CONF_STR];   /* schema.table, [A-Za-z0-9_$.] only (it is written into SQL) */
	char cluster[64];       /* the row's key, the same on both nodes; "" = "vrrp-<vrid>" */
};

struct conf_hooks {
	char on_master[CONF_STR];
	char on_backup[CONF_STR];
	char on_fault[CONF_STR];
	char on_stop[CONF_STR]; /* run once the daemon has stepped down at shutdown, before it exits */
	int timeout_ms;
};

struct conf {
	char path[CONF_STR];    /* file this was read from */
	char node_name[CONF_STR];
	char control_socket[108];
	char metrics_file[CONF_STR]; /* Prometheus textfile, "" = off */
	char state_file[CONF_STR];   /* kept across restarts; "" = $STATE_DIRECTORY/state, or none */
	struct conf_vrrp vrrp;
	struct conf_mysql local;
	struct conf_mysql peer;
	struct conf_health health;
	struct conf_takeover takeover;
	struct conf_tiebreaker tiebreaker;
	struct conf_witness witness;
	struct conf_hooks hooks;
};

#endif
