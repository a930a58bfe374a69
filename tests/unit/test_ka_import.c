/* keepalived.conf import: each mapping rule, the fixtures under tests/unit/keepalived/, and hostile
 * input (errors with FILE:LINE, never a crash, output always well-formed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ka_import.h"

#define FIXTURES "tests/unit/keepalived/"

/* ---- helpers ---- */

static struct ka_import_result res;

/* A minimal instance around body (the lines inside vrrp_instance VI_1 { }), before it: top. */
static const char *wrap(const char *top, const char *body)
{
	static char buf[16384];

	snprintf(buf, sizeof(buf),
		 "%s\nvrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 51\n  priority 100\n"
		 "  virtual_ipaddress {\n    192.0.2.50/24\n  }\n%s\n}\n", top, body);
	return buf;
}

/* Checks that every line is blank, a comment, "section {", "}" or "key = value" with a value
 * libconfuse reads as written: an integer, true/false, a quoted string or a list of them. Quoted
 * strings escape only '"', '\' and '$'. No control character anywhere but the newlines. */
static int quoted_end(const char *p)
{
	int i = 1;

	if (p[0] != '"')
		return -1;
	for (; p[i] != '"'; i++) {
		if (!p[i] || (unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '$')
			return -1;
		if (p[i] == '\\' && !strchr("\"\\$", p[++i]))
			return -1;
	}
	return i + 1;
}

static void assert_well_formed(const char *out)
{
	char line[4096];

	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		assert_true(n < sizeof(line));
		assert_int_equal(p[n], '\n'); /* every line ends */
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		for (size_t i = 0; i < n; i++)
			assert_false((unsigned char)line[i] < 0x20 || line[i] == 0x7f);
		const char *l = line + strspn(line, " ");
		if (!*l || *l == '#' || strcmp(l, "}") == 0)
			continue;
		size_t k = strspn(l, "abcdefghijklmnopqrstuvwxyz_");
		assert_true(k > 0);
		if (strcmp(l + k, " {") == 0 || strcmp(l + k, " local {") == 0 || strcmp(l + k, " peer {") == 0)
			continue;
		assert_memory_equal(l + k, " = ", 3);
		const char *v = l + k + 3;
		if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
			continue;
		if (*v == '"') {
			int e = quoted_end(v);
			assert_true(e > 0);
			assert_int_equal(v[e], '\0');
			continue;
		}
		if (*v == '{') {
			v++;
			while (*v == '"') {
				int e = quoted_end(v);
				assert_true(e > 0);
				v += e;
				if (strncmp(v, ", ", 2) == 0)
					v += 2;
			}
			assert_string_equal(v, "}");
			continue;
		}
		v += *v == '-';
		assert_true(*v >= '0' && *v <= '9');
		assert_int_equal(v[strspn(v, "0123456789")], '\0');
	}
}

/* The output with each wrapped comment on one line again ("\n  #   " continuations joined with a
 * blank), so that tests match whole sentences. Valid until the next call. */
static char *joined;

static const char *unwrap(const char *out)
{
	char *o;

	free(joined);
	joined = o = malloc(strlen(out) + 1);
	assert_non_null(joined);
	while (*out) {
		if (*out == '\n') {
			size_t sp = strspn(out + 1, " ");
			if (strncmp(out + 1 + sp, "#   ", 4) == 0) {
				*o++ = ' ';
				out += 1 + sp + 4;
				continue;
			}
		}
		*o++ = *out++;
	}
	*o = '\0';
	return joined;
}

/* Imports text; returns the output, checked well-formed, with its comments unwrapped. */
static const char *imp(const char *text)
{
	ka_import_free(&res);
	assert_int_equal(ka_import(text, strlen(text), "ka.conf", &res), 0);
	assert_non_null(res.text);
	assert_int_equal(strlen(res.text), res.len);
	assert_well_formed(res.text);
	return unwrap(res.text);
}

/* Imports text that must fail; returns the error. */
static const char *imp_err_n(const char *text, size_t len)
{
	ka_import_free(&res);
	assert_int_equal(ka_import(text, len, "ka.conf", &res), -1);
	assert_null(res.text);
	assert_true(strncmp(res.error, "ka.conf", 7) == 0);
	return res.error;
}

static const char *imp_err(const char *text)
{
	return imp_err_n(text, strlen(text));
}

/* cmocka cuts long messages: the output goes to stderr whole, the message names the text. */
#define assert_has(out, s)                                                                                        \
	do {                                                                                                       \
		if (!strstr((out), (s))) {                                                                         \
			fprintf(stderr, "%s", (out));                                                              \
			fail_msg("missing \"%s\" in the output above", (s));                                       \
		}                                                                                                  \
	} while (0)
#define assert_lacks(out, s)                                                                                      \
	do {                                                                                                       \
		if (strstr((out), (s))) {                                                                          \
			fprintf(stderr, "%s", (out));                                                              \
			fail_msg("unexpected \"%s\" in the output above", (s));                                     \
		}                                                                                                  \
	} while (0)

static int teardown(void **state)
{
	(void)state;
	ka_import_free(&res);
	free(joined);
	joined = NULL;
	return 0;
}

/* ---- global_defs ---- */

static void test_global_defs(void **state)
{
	(void)state;
	const char *o = imp(wrap("global_defs {\n router_id db1\n vrrp_version 3\n notification_email {\n  a@example.com\n }\n"
				 " smtp_server 192.0.2.25\n enable_script_security\n vrrp_garp_master_delay 5\n}", ""));
	assert_has(o, "\nnode_name = \"db1\"\n");
	assert_has(o, "  version = 3\n");
	assert_has(o, "# not carried: notification_email { a@example.com } (lines 4-6): dualmasterd sends no e-mail");
	assert_has(o, "# not carried: smtp_server 192.0.2.25 (line 7)");
	assert_has(o, "# not carried: enable_script_security (line 8): hooks run as the daemon's user");
	assert_has(o, "# not carried: vrrp_garp_master_delay 5 (line 9)");
	assert_int_equal(res.not_carried, 4);
}

static void test_defaults_without_global_defs(void **state)
{
	(void)state;
	const char *o = imp(wrap("", ""));
	/* keepalived's defaults carried explicitly: version 2, advert 1 s, preemption on. */
	assert_has(o, "  version = 2\n");
	assert_has(o, "neither vrrp_version (global_defs) nor version is set");
	assert_has(o, "  advert_interval_ms = 1000\n");
	assert_has(o, "  preempt = true\n");
	assert_has(o, "preempt = false is recommended");
	assert_has(o, "node_name = \"CHANGE-ME\"\n");
	assert_has(o, "# CHANGE ME: no router_id");
	/* The header says what to do with the file. */
	assert_has(o, "# dualmaster.conf imported from the keepalived configuration ka.conf");
	assert_has(o, "dualmasterd -t -f THIS_FILE");
	assert_has(o, "REVIEW IT BEFORE USE");
	/* The fixed parts. */
	assert_has(o, "mysql local {\n");
	assert_has(o, "  socket = \"/var/lib/mysql/mysql.sock\"\n");
	assert_has(o, "  user = \"dualmaster\"\n");
	assert_has(o, "  password_file = \"/etc/dualmaster/mysql.password\"\n");
	assert_has(o, "mysql peer {\n");
	assert_has(o, "  # CHANGE ME: the other node's MySQL/MariaDB address");
	assert_has(o, "  host = \"192.0.2.12\"\n");
	assert_int_equal(res.change_me, 2);
	assert_int_equal(res.not_carried, 0);
}

static void test_router_id_checked(void **state)
{
	(void)state;
	/* Control characters (here from an escape) are refused, and said so without them. */
	const char *o = imp(wrap("global_defs {\n router_id \"db\\n1\"\n}", ""));
	assert_has(o, "node_name = \"CHANGE-ME\"\n");
	assert_has(o, "# not carried: router_id db?1 (line 2): node_name must be 1-63 characters");
	char big[200];
	memset(big, 'x', 64);
	big[64] = '\0';
	char top[300];
	snprintf(top, sizeof(top), "global_defs {\n router_id %s\n}", big);
	o = imp(wrap(top, ""));
	assert_has(o, "node_name = \"CHANGE-ME\"\n");
	o = imp(wrap("global_defs {\n vrrp_version 4\n}", ""));
	assert_has(o, "# not carried: vrrp_version 4 (line 2): vrrp_version must be 2 or 3");
	assert_has(o, "  version = 2\n");
}

/* ---- values are quoted for libconfuse ---- */

static void test_quoting(void **state)
{
	(void)state;
	const char *o = imp(wrap("global_defs {\n router_id \"a\\\"b\\\\c${HOME}\"\n}",
				 "  authentication {\n auth_type PASS\n auth_pass 'p\"$\\\\'\n }"));
	assert_has(o, "node_name = \"a\\\"b\\\\c\\${HOME}\"\n");
	assert_has(o, "auth_pass = \"p\\\"\\$\\\\\"\n");
	/* keepalived joins quoted and unquoted parts of one word. */
	o = imp(wrap("global_defs {\n router_id ab\"c d\"e\n}", ""));
	assert_has(o, "node_name = \"abc de\"\n");
}

/* ---- vrrp_instance ---- */

static void test_first_instance_only(void **state)
{
	(void)state;
	const char *o = imp("vrrp_instance A {\n interface eth0\n virtual_router_id 10\n virtual_ipaddress {\n 192.0.2.1/24\n }\n}\n"
			    "vrrp_instance B {\n interface eth0\n virtual_router_id 11\n}\n"
			    "vrrp_instance C {\n}\n");
	assert_has(o, "  vrid = 10\n");
	assert_lacks(o, "vrid = 11");
	assert_has(o, "(vrrp_instance A, lines 1-7)");
	assert_has(o, "# not carried: vrrp_instance B { interface eth0; virtual_router_id 11 } (lines 8-11): dualmasterd "
		      "runs one VRRP instance");
	assert_has(o, "only vrrp_instance A is imported");
	assert_has(o, "# not carried: vrrp_instance C { } (lines 12-13)");
}

static void test_interface_vrid_priority(void **state)
{
	(void)state;
	const char *o = imp(wrap("", ""));
	assert_has(o, "vrrp {\n  interface = \"eth0\"\n  vrid = 51\n");
	assert_has(o, "  priority = 100\n");
	o = imp("vrrp_instance X {\n priority 255\n virtual_router_id 300\n}\n");
	assert_has(o, "  priority = 254\n");
	assert_has(o, "priority 255 (line 2, keepalived's address owner) lowered to 254: dualmasterd never claims to own "
		      "the address");
	assert_has(o, "# not carried: virtual_router_id 300 (line 3): virtual_router_id must be 1-255");
	assert_has(o, "  # CHANGE ME: no usable virtual_router_id");
	assert_has(o, "  vrid = 51\n");
	assert_has(o, "  # CHANGE ME: the vrrp_instance names no (usable) interface");
	assert_has(o, "  interface = \"eth0\"\n");
	assert_has(o, "  # CHANGE ME: no VIP");
	assert_has(o, "  vips = {}\n");
	o = imp("vrrp_instance X {\n priority 0\n interface eth1\n}\n");
	assert_has(o, "# not carried: priority 0 (line 2): priority must be 1-255");
	assert_has(o, "  priority = 100\n");
	assert_has(o, "  interface = \"eth1\"\n");
}

static void test_advert_int(void **state)
{
	(void)state;
	/* Version 2: whole seconds, fractions rounded up. */
	const char *o = imp(wrap("", "advert_int 1.5"));
	assert_has(o, "  advert_interval_ms = 2000\n");
	assert_has(o, "advert_int 1.5 (line 9) is 1500 ms: version 2 carries whole seconds 1-255, so 2000");
	o = imp(wrap("", "advert_int 3"));
	assert_has(o, "  advert_interval_ms = 3000\n");
	assert_lacks(o, "advert_int 3 (line");
	o = imp(wrap("", "advert_int 0.1"));
	assert_has(o, "  advert_interval_ms = 1000\n");
	/* Version 3: centiseconds. */
	o = imp(wrap("global_defs {\n vrrp_version 3\n}", "advert_int 0.1"));
	assert_has(o, "  advert_interval_ms = 100\n");
	assert_lacks(o, "advert_int 0.1 (line");
	o = imp(wrap("", "version 3\nadvert_int 0.015"));
	assert_has(o, "  version = 3\n");
	assert_has(o, "from version (line 9)");
	assert_has(o, "  advert_interval_ms = 20\n");
	o = imp(wrap("", "version 3\nadvert_int 100"));
	assert_has(o, "  advert_interval_ms = 40950\n");
	o = imp(wrap("", "advert_int fast"));
	assert_has(o, "# not carried: advert_int fast (line 9): not a number of seconds");
	assert_has(o, "  advert_interval_ms = 1000\n");
}

static void test_state_and_preempt(void **state)
{
	(void)state;
	const char *o = imp(wrap("", "state MASTER"));
	assert_has(o, "# not carried: state MASTER (line 9): dualmasterd always starts as BACKUP");
	assert_has(o, "the higher priority becomes master");
	assert_int_equal(res.not_carried, 1);
	o = imp(wrap("", "state BACKUP"));
	assert_has(o, "# state BACKUP (line 9): carried");
	assert_int_equal(res.not_carried, 0);
	o = imp(wrap("", "nopreempt\npreempt_delay 2.5"));
	assert_has(o, "  # from nopreempt (line 9)");
	assert_has(o, "  preempt = false\n");
	assert_has(o, "  preempt_delay_ms = 2500\n");
	o = imp(wrap("", "preempt\npreempt_delay 5000"));
	assert_has(o, "  preempt = true\n");
	assert_has(o, "  preempt_delay_ms = 3600000\n");
	assert_has(o, "is 5000000 ms, outside 0-3600000: set to 3600000");
}

static void test_vips(void **state)
{
	(void)state;
	const char *o = imp("vrrp_instance V {\n interface eth0\n virtual_ipaddress {\n"
			    "  192.0.2.50/24 dev eth0 label eth0:1 brd 192.0.2.255 scope global\n"
			    "  192.0.2.51\n"
			    "  192.0.2.52/24 dev eth1\n"
			    "  2001:db8::1/64\n"
			    "  192.0.2.53/33\n"
			    "  192.0.2.54/24 192.0.2.55/25\n"
			    "  192.0.2.50/24\n"
			    " }\n"
			    " virtual_ipaddress_excluded {\n  192.0.2.60/24\n }\n"
			    " virtual_routes {\n  192.0.2.0/25 via 192.0.2.1\n }\n"
			    " virtual_rules {\n  from 192.0.2.0/24 table 1\n }\n}\n");
	assert_has(o, "  vips = {\"192.0.2.50/24\", \"192.0.2.51/32\", \"192.0.2.54/24\", \"192.0.2.55/25\"}\n");
	assert_has(o, "# not carried: 192.0.2.50 options \"label eth0:1 brd 192.0.2.255 scope global\" (line 4)");
	assert_has(o, "192.0.2.51 (line 5) had no prefix length: keepalived's default /32 is kept");
	assert_has(o, "# not carried: 192.0.2.52/24 dev eth1 (line 6): 192.0.2.52 is on dev eth1, not on the "
		      "instance's interface eth0");
	assert_has(o, "# not carried: 2001:db8::1/64 (line 7): 2001:db8::1/64: not of the family of the instance's "
		      "first VIP, which keepalived ignores");
	assert_has(o, "# not carried: 192.0.2.53/33 (line 8): 192.0.2.53/33 is not an IPv4 address with a prefix length");
	assert_has(o, "# not carried: 192.0.2.60/24 (line 13): 192.0.2.60/24: keepalived does not advertise "
		      "virtual_ipaddress_excluded, dualmasterd advertises every VIP of the instance's family");
	assert_has(o, "# not carried: virtual_routes { 192.0.2.0/25 via 192.0.2.1 } (lines 15-17): dualmasterd moves "
		      "addresses only");
	assert_has(o, "# not carried: virtual_rules { from 192.0.2.0/24 table 1 } (lines 18-20)");
}

/* The first VIP's family is the instance's (keepalived's rule, and ours): IPv6 first forces VRRPv3;
 * the other family comes along from virtual_ipaddress_excluded only. */
static void test_ipv6_vips(void **state)
{
	(void)state;
	const char *o = imp("vrrp_instance V {\n interface eth0\n virtual_ipaddress {\n  2001:DB8::50/64\n"
			    "  192.0.2.70/24\n  2001:db8::51/129\n  fe80::1%eth0/64\n }\n"
			    " virtual_ipaddress_excluded {\n  192.0.2.50/24\n  2001:db8::60\n }\n}\n");
	assert_has(o, "  vips = {\"2001:db8::50/64\", \"192.0.2.50/24\"}\n");
	assert_has(o, "  version = 3\n");
	assert_has(o, "192.0.2.70/24: not of the family of the instance's first VIP");
	assert_has(o, "2001:db8::51/129 is not an IPv6 address with a prefix length 1-128");
	assert_has(o, "fe80::1%eth0/64 is not an IPv6 address");
	assert_has(o, "2001:db8::60/128: keepalived does not advertise virtual_ipaddress_excluded");
}

static void test_too_many_vips(void **state)
{
	(void)state;
	char body[4096] = "virtual_ipaddress {\n";
	for (int i = 0; i < 20; i++)
		snprintf(body + strlen(body), sizeof(body) - strlen(body), "192.0.2.%d/24\n", 100 + i);
	strcat(body, "}");
	const char *o = imp(wrap("", body));
	/* 192.0.2.50 of wrap() first. */
	assert_has(o, "  vips = {\"192.0.2.50/24\", \"192.0.2.100/24\", ");
	assert_has(o, "\"192.0.2.114/24\"}\n");
	assert_has(o, "192.0.2.115/24: dualmasterd holds at most 16 VIPs");
	assert_has(o, "192.0.2.119/24: dualmasterd holds at most 16 VIPs");
}

static void test_authentication(void **state)
{
	(void)state;
	const char *o = imp(wrap("", "authentication {\n auth_type PASS\n auth_pass 123456789\n}"));
	assert_has(o, "  auth_pass = \"12345678\"\n");
	assert_has(o, "keepalived uses the first 8 characters of auth_pass");
	o = imp(wrap("", "authentication {\n auth_type AH\n auth_pass secret\n}"));
	assert_lacks(o, "auth_pass = ");
	assert_has(o, "auth_type AH is not supported");
	/* The password never appears in a comment. */
	assert_lacks(o, "secret");
	o = imp(wrap("global_defs {\n vrrp_version 3\n}", "authentication {\n auth_type PASS\n auth_pass secret\n}"));
	assert_lacks(o, "auth_pass = ");
	assert_has(o, "authentication exists only in VRRP version 2");
	assert_lacks(o, "secret");
	o = imp(wrap("", "authentication {\n auth_type PASS\n auth_pass \"a\\tb\"\n}"));
	assert_lacks(o, "auth_pass = ");
	assert_has(o, "a password with control characters cannot be carried");
}

/* IPv6 unicast: peers and source of the instance's family are carried, the others not. */
static void test_unicast_ipv6(void **state)
{
	(void)state;
	const char *o = imp("vrrp_instance V {\n interface eth0\n unicast_src_ip 2001:db8::11\n"
			    " unicast_peer {\n  2001:DB8::12\n  192.0.2.12\n }\n"
			    " virtual_ipaddress {\n  2001:db8::50/64\n }\n}\n");
	assert_has(o, "  unicast_peers = {\"2001:db8::12\"}\n");
	assert_has(o, "  src_ip = \"2001:db8::11\"\n");
	assert_has(o, "not carried: unicast_peer 192.0.2.12, not of the family of the first VIP");
	assert_has(o, "  host = \"2001:db8::12\"\n");
	/* Without unicast_src_ip: the source is a placeholder to change, as -t would refuse none. */
	o = imp("vrrp_instance V {\n interface eth0\n unicast_peer {\n  2001:db8::12\n }\n"
		" virtual_ipaddress {\n  2001:db8::50/64\n }\n}\n");
	assert_has(o, "# CHANGE ME: this node's IPv6 address, the one the peer lists in unicast_peer");
}

static void test_unicast(void **state)
{
	(void)state;
	const char *o = imp(wrap("", "unicast_src_ip 192.0.2.11\nunicast_peer {\n 192.0.2.12\n 192.0.2.13 min_ttl 250\n"
				     " fe80::1\n}"));
	assert_has(o, "  unicast_peers = {\"192.0.2.12\", \"192.0.2.13\"}\n");
	assert_has(o, "  src_ip = \"192.0.2.11\"\n");
	assert_has(o, "min_ttl/max_ttl: dualmasterd requires TTL 255");
	assert_has(o, "not carried: unicast_peer fe80::1, not of the family of the first VIP (keepalived skips it too)");
	/* The peer's server is looked for at the first unicast peer: no placeholder. */
	assert_has(o, "  host = \"192.0.2.12\"\n");
	assert_has(o, "the first unicast_peer");
	assert_int_equal(res.change_me, 1); /* node_name only */
	o = imp(wrap("", "mcast_src_ip 192.0.2.14"));
	assert_has(o, "  src_ip = \"192.0.2.14\"\n");
}

static void test_track_interface(void **state)
{
	(void)state;
	const char *o = imp(wrap("", "track_interface {\n eth0\n eth1 weight -10\n}\ndont_track_primary"));
	assert_has(o, "# track_interface eth0 (line 10): carried, dualmasterd tracks its VRRP interface itself");
	assert_has(o, "# not carried: eth1 weight -10 (line 11): dualmasterd tracks its VRRP interface by itself");
	assert_has(o, "# not carried: dont_track_primary (line 13)");
	assert_int_equal(res.not_carried, 2);
}

static void test_track_script_health(void **state)
{
	(void)state;
	const char *o = imp(wrap("vrrp_script chk_mysql {\n script \"killall -0 mysqld\"\n interval 2\n timeout 3\n"
				 " weight -20\n fall 3\n rise 4\n}\n"
				 "vrrp_script chk_other {\n script /usr/local/bin/other.sh\n interval 9\n fall 9\n}\n"
				 "vrrp_script chk_unused {\n script /bin/true\n}",
				 "track_script {\n chk_mysql\n chk_other weight -5\n chk_missing\n}"));
	assert_has(o, "health {\n  # keepalived's track_script checks are replaced: dualmasterd probes");
	assert_has(o, "  interval_ms = 2000\n");
	assert_has(o, "  timeout_ms = 3000\n");
	assert_has(o, "  fall = 3\n");
	assert_has(o, "  rise = 4\n");
	assert_has(o, "from vrrp_script chk_mysql interval 2 (line 3): the first tracked script's only");
	assert_has(o, "vrrp_script chk_mysql (line 1, \"killall -0 mysqld\"): the script is not run and its track_script "
		      "weight -20 is not applied");
	/* track_script's weight overrides the script's; only the first script sets the timing. */
	assert_has(o, "track_script weight -5 is not applied");
	assert_has(o, "vrrp_script chk_other: its interval, timeout, fall and rise are not used");
	assert_lacks(o, "\n  interval_ms = 9000");
	assert_has(o, "# not carried: chk_missing (line 27): no vrrp_script chk_missing in this file");
	assert_has(o, "# not carried: vrrp_script chk_unused { script /bin/true } (lines 14-16): not tracked by the "
		      "imported vrrp_instance");
}

static void test_track_script_clamped(void **state)
{
	(void)state;
	const char *o = imp(wrap("vrrp_script c {\n script /bin/c\n interval 120\n fall 0\n}", "track_script {\n c\n}"));
	assert_has(o, "  interval_ms = 60000\n");
	assert_has(o, "is 120000 ms, outside 50-60000: set to 60000");
	assert_has(o, "  fall = 1\n");
	o = imp(wrap("vrrp_script c {\n script /bin/c\n weight 10\n}", "track_script {\n c\n}"));
	/* Nothing to carry: the health section only says what replaces the script. */
	assert_lacks(o, "\n  interval_ms = ");
	assert_has(o, "weight 10 is not applied");
}

static void test_ping_script_tiebreaker(void **state)
{
	(void)state;
	const char *o = imp(wrap("vrrp_script gw {\n script \"/bin/ping -c1 -W1 192.0.2.1\"\n interval 2\n fall 2\n}",
				 "track_script {\n gw\n}"));
	assert_has(o, "tiebreaker {\n");
	assert_has(o, "  targets = {\"192.0.2.1\"}\n");
	assert_has(o, "  interval_ms = 2000\n");
	assert_has(o, "checks reachability: dualmasterd's tiebreaker does that");
	/* A ping script sets no health timing. */
	assert_lacks(o, "health {");
	/* Without a literal address: a suggestion only. */
	o = imp(wrap("vrrp_script gw {\n script \"ping -c1 gateway.example\"\n}", "track_script {\n gw\n}"));
	assert_has(o, "set targets = {\"<the address vrrp_script gw pings>\"}");
	assert_lacks(o, "  targets = {\"");
	/* mysqladmin ping checks the server, not the network. */
	o = imp(wrap("vrrp_script m {\n script \"/usr/bin/mysqladmin ping\"\n interval 1\n}", "track_script {\n m\n}"));
	assert_has(o, "  interval_ms = 1000\n");
	assert_lacks(o, "  targets = {\"");
	assert_has(o, "no ping check in keepalived.conf");
}

static void test_notify_hooks(void **state)
{
	(void)state;
	const char *o = imp(wrap("", "notify_master /etc/keepalived/master.sh\n"
				     "notify_backup \"/etc/keepalived/notify.sh BACKUP\"\n"
				     "notify_fault \"'/opt/my scripts/fault.sh'\"\n"
				     "notify_stop /etc/keepalived/stop.sh root\n"
				     "notify /etc/keepalived/all.sh\n"
				     "smtp_alert"));
	assert_has(o, "hooks {\n  # dualmasterd sets read_only and semi-sync itself: a notify script that only does SET "
		      "GLOBAL read_only must be dropped");
	assert_has(o, "  on_master = \"/etc/keepalived/master.sh\"\n");
	assert_lacks(o, "\n  on_backup = ");
	assert_has(o, "hooks run without arguments (\"BACKUP\" here): the new state is in $DM_STATE; adapt the script, "
		      "then set on_backup = \"/etc/keepalived/notify.sh\"");
	assert_has(o, "  on_fault = \"/opt/my scripts/fault.sh\"\n");
	assert_has(o, "  on_stop = \"/etc/keepalived/stop.sh\"\n");
	assert_has(o, "keepalived ran it as user root: hooks run as the daemon's user");
	assert_has(o, "# not carried: notify /etc/keepalived/all.sh (line 13): the generic notify script is not carried");
	assert_has(o, "# not carried: smtp_alert (line 14): dualmasterd sends no e-mail");
	o = imp(wrap("", "notify_master \"sh -c true\""));
	assert_has(o, "a hook must be an absolute path to an executable");
	assert_lacks(o, "\n  on_master = ");
}

static void test_garp(void **state)
{
	(void)state;
	const char *o = imp(wrap("global_defs {\n vrrp_garp_master_repeat 2\n vrrp_garp_master_refresh 30\n}",
				 "garp_master_delay 5\ngarp_master_refresh_repeat 2"));
	assert_has(o, "  garp_repeat = 2\n");
	assert_has(o, "  garp_refresh_ms = 30000\n");
	assert_has(o, "from global_defs vrrp_garp_master_repeat (line 2)");
	assert_has(o, "# not carried: garp_master_delay 5 (line 12)");
	assert_has(o, "# not carried: garp_master_refresh_repeat 2 (line 13)");
	o = imp(wrap("global_defs {\n vrrp_garp_master_repeat 2\n}", "garp_master_repeat 500\ngarp_master_refresh 0.5"));
	assert_has(o, "  garp_repeat = 100\n");
	assert_has(o, "  garp_refresh_ms = 500\n");
	assert_has(o, "the instance's own value overrides global_defs vrrp_garp_master_repeat (line 2)");
}

static void test_other_keywords(void **state)
{
	(void)state;
	const char *o = imp(wrap("include /etc/keepalived/other.conf\n$IF=eth0\n"
				 "virtual_server 192.0.2.50 3306 {\n real_server 192.0.2.11 3306 {\n  weight 1\n }\n}\n"
				 "vrrp_sync_group G {\n group {\n  VI_1\n }\n}",
				 "accept\nno_accept\nuse_vmac\n@db2 priority 50\nunknown_thing 1"));
	assert_has(o, "# not carried: include /etc/keepalived/other.conf (line 1): the included file is not read");
	assert_has(o, "# not carried: $IF=eth0 (line 2): keepalived parameters are not expanded");
	assert_has(o, "# not carried: virtual_server 192.0.2.50 3306 { real_server 192.0.2.11 3306 { weight 1 } } "
		      "(lines 3-7): LVS");
	assert_has(o, "# not carried: vrrp_sync_group G { group { VI_1 } } (lines 8-12)");
	assert_has(o, "# not carried: accept (line ");
	assert_has(o, "# not carried: no_accept (line ");
	assert_has(o, "# not carried: use_vmac (line ");
	assert_has(o, "# not carried: @db2 priority 50 (line 23): conditional configuration is node-specific");
	assert_has(o, "# not carried: unknown_thing 1 (line 24): no dualmaster equivalent");
	assert_has(o, "  priority = 100\n");
}

static void test_syntax_variants(void **state)
{
	(void)state;
	/* '{' on its own line, one-line blocks, comments with # and ! anywhere, CRLF line ends. */
	const char *o = imp("! comment\r\nvrrp_instance V\r\n{\r\n interface eth0 # the LAN\r\n"
			    " virtual_router_id 7 ! seven\r\n virtual_ipaddress { 192.0.2.9/24 }\r\n"
			    " authentication { auth_type PASS }\r\n}\r\n");
	assert_has(o, "  interface = \"eth0\"\n");
	assert_has(o, "  vrid = 7\n");
	assert_has(o, "  vips = {\"192.0.2.9/24\"}\n");
	/* Escapes in quoted strings, as keepalived.conf(5) lists them. */
	o = imp(wrap("global_defs {\n router_id \"\\x41\\102\\q\"\n}", ""));
	assert_has(o, "node_name = \"ABq\"\n");
	o = imp(wrap("global_defs {\n router_id \"\\x4a\\x4Bz\\xg\\cJ\"\n}", ""));
	assert_has(o, "# not carried: router_id JKzxg? (line 2)");
}

/* ---- hostile input ---- */

static void test_errors_name_the_line(void **state)
{
	(void)state;
	assert_string_equal(imp_err("vrrp_instance V {\n interface \"eth0\n}\n"),
			    "ka.conf:2: unterminated quoted string (\" without its closing \")");
	assert_string_equal(imp_err("vrrp_instance V {\n auth_pass 'abc\\'\n}\n"),
			    "ka.conf:2: unterminated quoted string (' without its closing ')");
	assert_string_equal(imp_err("vrrp_instance V {\n}\n}\n"), "ka.conf:3: '}' without a matching '{'");
	assert_string_equal(imp_err("global_defs {\n\nvrrp_instance V {\n interface eth0\n}\n"),
			    "ka.conf:1: the '{' of \"global_defs\" is never closed");
	assert_string_equal(imp_err("{\n}\n"), "ka.conf:1: '{' without a keyword before it");
	assert_string_equal(imp_err("a {\n} {\n}\n"), "ka.conf:2: '{' without a keyword before it");
	assert_string_equal(imp_err(""), "ka.conf:1: empty file, no vrrp_instance: nothing to import (dualmasterd "
					 "needs one VRRP instance)");
	assert_string_equal(imp_err("# only comments\n! here\n\n"), "ka.conf:4: empty file, no vrrp_instance: nothing "
									"to import (dualmasterd needs one VRRP instance)");
	assert_string_equal(imp_err("global_defs {\n router_id x\n}\nvrrp_script s {\n}\n"),
			    "ka.conf:6: no vrrp_instance: nothing to import (dualmasterd needs one VRRP instance)");
	assert_string_equal(imp_err("vrrp_instance V\ninterface eth0\n"), "ka.conf:1: vrrp_instance without its { } block");
	assert_string_equal(imp_err_n("vrrp_instance V {\n a\0b\n}\n", 25), "ka.conf:2: NUL byte in the file");
	assert_string_equal(imp_err("vrrp_instance V {\n a \"\\0\"\n}\n"),
			    "ka.conf:2: NUL byte (an escaped \\0) in a quoted string");
}

static void test_deep_nesting(void **state)
{
	(void)state;
	char buf[512] = "vrrp_instance V {\n";
	for (int i = 0; i < KA_IMPORT_MAX_DEPTH; i++)
		strcat(buf, "a {\n");
	assert_string_equal(imp_err(buf), "ka.conf:33: blocks nested deeper than 32");
	/* Just within the bound it parses, and the nested blocks are shown clipped. */
	strcpy(buf, "vrrp_instance V {\n");
	for (int i = 0; i < KA_IMPORT_MAX_DEPTH - 1; i++)
		strcat(buf, "a {\n");
	for (int i = 0; i < KA_IMPORT_MAX_DEPTH; i++)
		strcat(buf, "}\n");
	const char *o = imp(buf);
	assert_has(o, "# not carried: a { a { a {");
	/* Nesting by '{' alone, with nothing to open: refused at the first. */
	char braces[70000];
	memset(braces, '{', sizeof(braces) - 1);
	braces[sizeof(braces) - 1] = '\0';
	assert_string_equal(imp_err(braces), "ka.conf:1: '{' without a keyword before it");
	memcpy(braces, "x ", 2);
	assert_string_equal(imp_err(braces), "ka.conf:1: '{' without a keyword before it");
}

static void test_huge_input(void **state)
{
	(void)state;
	size_t n = KA_IMPORT_MAX_TOKEN + 10;
	char *big = malloc(KA_IMPORT_MAX_INPUT + 2);
	assert_non_null(big);

	/* A word over the bound, quoted or not. */
	strcpy(big, "vrrp_instance V {\n router_id ");
	size_t off = strlen(big);
	memset(big + off, 'x', n);
	strcpy(big + off + n, "\n}\n");
	assert_string_equal(imp_err(big), "ka.conf:2: a word longer than 4096 bytes");
	big[off] = '"';
	assert_string_equal(imp_err(big), "ka.conf:2: a word longer than 4096 bytes");
	/* Too many words on a line. */
	strcpy(big, "vrrp_instance V {\n");
	for (int i = 0; i <= KA_IMPORT_MAX_WORDS; i++)
		strcat(big, "w ");
	assert_string_equal(imp_err(big), "ka.conf:2: more than 256 words in one statement");
	/* Too many statements. */
	for (size_t i = 0; i < 2 * KA_IMPORT_MAX_STMTS + 2; i += 2)
		memcpy(big + i, "a\n", 2);
	big[2 * KA_IMPORT_MAX_STMTS + 2] = '\0';
	assert_string_equal(imp_err(big), "ka.conf:65537: more than 65536 statements");
	/* Over the input bound: refused whole. */
	memset(big, ' ', KA_IMPORT_MAX_INPUT + 1);
	assert_string_equal(imp_err_n(big, KA_IMPORT_MAX_INPUT + 1), "ka.conf: larger than 1048576 bytes");
	/* At the bound, one big instance with many items: bounded output, well-formed. */
	strcpy(big, "vrrp_instance V {\n");
	off = strlen(big);
	while (off + 64 < KA_IMPORT_MAX_INPUT) {
		memcpy(big + off, " unknown \"\\x01\\n\" 192.0.2.1 !\n", 30);
		off += 30;
	}
	strcpy(big + off, "}\n");
	const char *o = imp(big);
	assert_has(o, "# not carried: unknown ?? 192.0.2.1 (line 2): no dualmaster equivalent");
	assert_true(res.len < KA_IMPORT_MAX_OUTPUT);
	free(big);
}

static void test_null_text(void **state)
{
	(void)state;
	ka_import_free(&res);
	assert_int_equal(ka_import(NULL, 0, NULL, &res), -1);
	assert_string_equal(res.error, "-:1: empty file, no vrrp_instance: nothing to import (dualmasterd needs one VRRP "
				       "instance)");
	/* A name with control characters is not printed raw. */
	assert_int_equal(ka_import("", 0, "a\nb", &res), -1);
	assert_string_equal(res.error, "a?b:1: empty file, no vrrp_instance: nothing to import (dualmasterd needs one "
				       "VRRP instance)");
	assert_int_equal(ka_import("vrrp_instance V {\n}\n", 20, "x\ny", &res), 0);
	assert_has(unwrap(res.text), "configuration x?y by");
}

/* ---- the fixtures ---- */

static char *slurp(const char *name, size_t *len)
{
	char path[256];
	FILE *f;
	char *buf = malloc(KA_IMPORT_MAX_INPUT);

	assert_non_null(buf);
	snprintf(path, sizeof(path), FIXTURES "%s", name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s (run from the top directory)", path);
	*len = fread(buf, 1, KA_IMPORT_MAX_INPUT - 1, f);
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static const struct fixture {
	const char *file;
	const char *want[12];
} fixtures[] = {
	{ "a-multicast-v2-two-instances.conf",
	  { "node_name = \"DB_NODE_1\"\n", "  vrid = 51\n", "  version = 2\n", "  auth_pass = \"s3cr3t\\$1\"\n",
	    "  vips = {\"192.0.2.50/24\"}\n", "  preempt = true\n", "track_script weight -20 is not applied",
	    "  interval_ms = 2000\n", "  on_master = \"/etc/keepalived/to_master.sh\"\n",
	    "  on_fault = \"/etc/keepalived/to_fault.sh\"\n", "# not carried: vrrp_instance VI_APP", NULL } },
	{ "b-unicast-v2-nopreempt.conf",
	  { "  vrid = 61\n", "  interface = \"ens192\"\n", "  preempt = false\n", "  unicast_peers = {\"192.0.2.11\"}\n",
	    "  src_ip = \"192.0.2.12\"\n", "  host = \"192.0.2.11\"\n", "  auth_pass = \"longerpa\"\n",
	    "  vips = {\"192.0.2.100/24\"}\n", "  timeout_ms = 2000\n", "  fall = 3\n", NULL } },
	{ "c-vrrpv3-fast-ping.conf",
	  { "  version = 3\n", "  advert_interval_ms = 100\n", "  priority = 254\n", "  preempt_delay_ms = 5000\n",
	    "  targets = {\"192.0.2.1\"}\n", "# not carried: notify /usr/local/bin/keepalived-notify.sh",
	    "# not carried: vrrp_strict", NULL } },
	{ "d-mysql-master-master-tutorial.conf",
	  { "node_name = \"MYSQL_HA_1\"\n", "# not carried: state MASTER", "  interval_ms = 2000\n", "  fall = 2\n",
	    "  rise = 1\n", "track_script weight -30 is not applied", "  vips = {\"192.0.2.200/32\"}\n",
	    "keepalived's default /32 is kept", "then set on_master = \"/etc/keepalived/mysql_notify.sh\"",
	    "  on_stop = \"/etc/keepalived/mysql_stop.sh\"\n", "# not carried: notification_email { dba@example.com }",
	    NULL } },
	{ "e-email-labels-garp.conf",
	  { "  vips = {\"192.0.2.10/24\", \"192.0.2.11/32\"}\n", "options \"label bond0:vip\"",
	    "192.0.2.12 is on dev eth2", "  garp_repeat = 4\n", "  garp_refresh_ms = 60000\n",
	    "# not carried: garp_master_delay 5", "# track_interface bond0 (line 29): carried",
	    "# not carried: eth2 (line 30)", "# not carried: include /etc/keepalived/conf.d/*.conf",
	    "# not carried: virtual_server 192.0.2.10 3306", "# not carried: smtp_server 192.0.2.25", NULL } },
};

static void test_fixtures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		size_t len;
		char *text = slurp(fixtures[i].file, &len);
		ka_import_free(&res);
		if (ka_import(text, len, fixtures[i].file, &res) < 0)
			fail_msg("%s: %s", fixtures[i].file, res.error);
		assert_well_formed(res.text);
		const char *o = unwrap(res.text);
		for (int k = 0; fixtures[i].want[k]; k++)
			assert_has(o, fixtures[i].want[k]);
		assert_true(res.not_carried > 0);
		free(text);
	}
}

/* Mutated fixtures: bytes replaced by syntax characters, cut short, lines doubled. Every run either
 * fails with FILE:LINE or gives a well-formed file; ASan/valgrind runs of this test check memory. */
static uint32_t rng = 12345;

static uint32_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void test_mutations(void **state)
{
	static const char special[] = "{}\"'#!\\\n \t$@x0/:";
	(void)state;

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		size_t len;
		char *orig = slurp(fixtures[i].file, &len);
		char *m = malloc(2 * len + 1);
		assert_non_null(m);
		for (int round = 0; round < 200; round++) {
			size_t n = len;
			memcpy(m, orig, len);
			int edits = 1 + (int)(next_rand() % 4);
			for (int e = 0; e < edits; e++) {
				size_t at = next_rand() % n;
				switch (next_rand() % 4) {
				case 0: m[at] = special[next_rand() % (sizeof(special) - 1)]; break;
				case 1: m[at] = (char)(next_rand() & 0xff); break;
				case 2: n = at + 1; break;
				default: /* repeat a chunk */
					if (n + 64 <= 2 * len) {
						memmove(m + at + 64, m + at, n - at);
						n += 64;
					}
				}
			}
			ka_import_free(&res);
			if (ka_import(m, n, "mut.conf", &res) == 0)
				assert_well_formed(res.text);
			else
				assert_true(strncmp(res.error, "mut.conf", 8) == 0);
		}
		free(m);
		free(orig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_global_defs, teardown),
		cmocka_unit_test_teardown(test_defaults_without_global_defs, teardown),
		cmocka_unit_test_teardown(test_router_id_checked, teardown),
		cmocka_unit_test_teardown(test_quoting, teardown),
		cmocka_unit_test_teardown(test_first_instance_only, teardown),
		cmocka_unit_test_teardown(test_interface_vrid_priority, teardown),
		cmocka_unit_test_teardown(test_advert_int, teardown),
		cmocka_unit_test_teardown(test_state_and_preempt, teardown),
		cmocka_unit_test_teardown(test_vips, teardown),
		cmocka_unit_test_teardown(test_ipv6_vips, teardown),
		cmocka_unit_test_teardown(test_too_many_vips, teardown),
		cmocka_unit_test_teardown(test_unicast_ipv6, teardown),
		cmocka_unit_test_teardown(test_authentication, teardown),
		cmocka_unit_test_teardown(test_unicast, teardown),
		cmocka_unit_test_teardown(test_track_interface, teardown),
		cmocka_unit_test_teardown(test_track_script_health, teardown),
		cmocka_unit_test_teardown(test_track_script_clamped, teardown),
		cmocka_unit_test_teardown(test_ping_script_tiebreaker, teardown),
		cmocka_unit_test_teardown(test_notify_hooks, teardown),
		cmocka_unit_test_teardown(test_garp, teardown),
		cmocka_unit_test_teardown(test_other_keywords, teardown),
		cmocka_unit_test_teardown(test_syntax_variants, teardown),
		cmocka_unit_test_teardown(test_errors_name_the_line, teardown),
		cmocka_unit_test_teardown(test_deep_nesting, teardown),
		cmocka_unit_test_teardown(test_huge_input, teardown),
		cmocka_unit_test_teardown(test_null_text, teardown),
		cmocka_unit_test_teardown(test_fixtures, teardown),
		cmocka_unit_test_teardown(test_mutations, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
