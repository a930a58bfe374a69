#!/usr/bin/env bash
# TLS on the daemon's MySQL connections, on the real scene: both servers get a certificate from a
# CA made here (the node's address in its subjectAltName), the daemon's account requires a client
# certificate (REQUIRE X509) on every host, so a session without TLS cannot even log in.
#   A. ssl_ca + ssl_cert + ssl_key + ssl_verify_server_cert = true on both sections: the pair comes
#      up (node1 MASTER, node2 BACKUP, each sees the other's server up), the servers count finished
#      TLS handshakes; node1's daemon SIGKILLed with its server writable: node2 fences it over TLS
#      and takes over; node2's daemon stopped (TERM): node1 takes over again, fencing node2.
#   B. node2 verifies the peer against a CA that did not sign node1's certificate: node1's server is
#      alive but fails our check, so node2 takes it as refusing, never as dead. With node1's daemon
#      SIGKILLed and its server writable node2 stays BACKUP and read-only, and says why.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd mariadb-install-db nft bridge python3 openssl; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
if ! [ -x ./dualmasterd ] || ! [ -x ./dualmasterctl ]; then echo "dualmasterd not built (make)"; exit 1; fi
. tests/lab/lab.sh
. tests/lab/lab_check.sh
finish() {
	[ "$fails" -eq 0 ] || { lab_status; lab_dump_logs 60; }
	lab_down
	[ "$fails" -eq 0 ] && echo "t_tls: all passed" || echo "t_tls: $fails failed"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

st() { dm_get "$@"; }
state_is() { [ "$(st "$1" 's["state"]')" = "$2" ]; }
ro() { lab_sql "$1" 'SELECT @@read_only' 2>/dev/null; }
writable() { [ "$(ro "$1")" = 0 ]; }
peer_up() { [ "$(st "$1" 's["peer"]["up"]')" = True ]; }
local_up() { [ "$(st "$1" 's["local"]["up"]')" = True ]; }
settled_on() {
	local b
	b=$(lab_peer "$1")
	state_is "$1" MASTER && state_is "$b" BACKUP && [ "$(lab_vip_holder)" = "$1" ] && writable "$1" &&
		[ "$(ro "$b")" = 1 ]
}
fences() { ctl "$1" metrics 2>/dev/null | awk '/^dualmaster_fence_total\{outcome="fenced"\}/ { print $2 }'; }
ssl_accepts() { lab_sql "$1" "SHOW GLOBAL STATUS LIKE 'Ssl_finished_accepts'" | awk '{ print $2 }'; }

# ---- certificates: a CA, each server's (its address as IP subjectAltName), the daemon's client
# certificate, and a second CA that signed none of them --------------------------------------------
lab_up || exit 1
TLS=$LAB_DIR/tls
mkdir -m 0700 "$TLS" || exit 1
mkcert() { # NAME CN EXT...: NAME-key.pem and NAME-cert.pem signed by ca.pem
	local name=$1 cn=$2
	shift 2
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$TLS/$name-key.pem" \
		-out "$TLS/$name.csr" -subj "/CN=$cn" 2>/dev/null &&
		openssl x509 -req -in "$TLS/$name.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca-key.pem" \
			-CAcreateserial -days 2 -out "$TLS/$name-cert.pem" \
			-extfile <(printf '%s\n' basicConstraints=CA:FALSE "$@") 2>/dev/null
}
mkca() { # NAME CN
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$TLS/$1-key.pem" -out "$TLS/$1.pem" -subj "/CN=$2" \
		-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
mkca ca "dualmaster test CA" && mkca other-ca "dualmaster other CA" &&
	mkcert node1 192.0.2.11 subjectAltName=IP:192.0.2.11 extendedKeyUsage=serverAuth &&
	mkcert node2 192.0.2.12 subjectAltName=IP:192.0.2.12 extendedKeyUsage=serverAuth &&
	mkcert client dualmaster extendedKeyUsage=clientAuth || { bad "openssl: certificates"; exit 1; }
check "node1's certificate verifies against the CA" openssl verify -CAfile "$TLS/ca.pem" "$TLS/node1-cert.pem"
check "and not against the other CA" eval "! openssl verify -CAfile '$TLS/other-ca.pem' '$TLS/node1-cert.pem'"

# The servers again, with TLS (lab_up starts them without; lab_mysqld_start has no hook for options).
for n in node1 node2; do
	lab_mysqld_stop $n || exit 1
	# shellcheck disable=SC2046 # the argument list splits on purpose
	lab_spawn "mysqld-$n" "$LAB_DIR/$n/stdout.log" "$(lab_ns $n)" mariadbd $(lab_mysqld_args $n) \
		--ssl-ca="$TLS/ca.pem" --ssl-cert="$TLS/$n-cert.pem" --ssl-key="$TLS/$n-key.pem"
	lab_wait_mysqld $n || exit 1
done
check "replication both ways again" lab_wait_repl 30
check_eq "node1's server has TLS" YES "$(lab_sql node1 'SELECT @@have_ssl')"
# Replicated to node2; the daemon's sessions (local over the socket, peer over TCP) all need TLS now.
lab_sql node1 "ALTER USER 'dualmaster'@'localhost' REQUIRE X509;
	ALTER USER 'dualmaster'@'192.0.2.%' REQUIRE X509" || bad "REQUIRE X509"
check "REQUIRE X509 replicated to node2" lab_wait_for "x509 on node2" 10 eval \
	"[ \"\$(lab_sql node2 \"SELECT COUNT(*) FROM mysql.user WHERE User = 'dualmaster' AND ssl_type = 'X509'\")\" = 2 ]"
check "without TLS the daemon's account cannot log in to node1 from node2" eval \
	"! lab_sql_tcp node2 192.0.2.11 dualmaster '$LAB_DIR/dm.password' 'SELECT 1' 2>/dev/null"
tls_login() { # CA: the daemon's account from node2 to node1 with the client certificate, CA verified
	MYSQL_PWD=$(cat "$LAB_DIR/dm.password") ip netns exec "$(lab_ns node2)" mariadb --no-defaults \
		--connect-timeout=2 -h 192.0.2.11 -P 3306 -u dualmaster -B -N --ssl-verify-server-cert \
		--ssl-ca="$1" --ssl-cert="$TLS/client-cert.pem" --ssl-key="$TLS/client-key.pem" -e 'SELECT 1'
}
check "with the client certificate it can (server certificate verified)" tls_login "$TLS/ca.pem"
check "verified against the other CA the same login fails" eval "! tls_login '$TLS/other-ca.pem' 2>/dev/null"

# tls_conf NODE CA: NODE's generated configuration with TLS in both mysql sections, the peer's
# certificate verified against CA; checked by dualmasterd -t.
tls_conf() {
	local node=$1 ca=$2 conf tls
	lab_write_dm_conf "$node" || return 1
	conf=$(lab_dm_conf "$node")
	tls="  ssl_cert = \"$TLS/client-cert.pem\"\n  ssl_key = \"$TLS/client-key.pem\""
	sed -i -e "/^mysql local {/a\\  ssl = true\n  ssl_ca = \"$TLS/ca.pem\"\n$tls" \
		-e "/^mysql peer {/a\\  ssl_ca = \"$ca\"\n  ssl_verify_server_cert = true\n$tls" "$conf" || return 1
	grep -q "ssl_verify_server_cert = true" "$conf" || return 1
	./dualmasterd -t -f "$conf" >/dev/null
}

# ---- A. the pair over TLS, and two takeovers that fence over TLS ------------------------------------
echo "---- A. TLS with verified server certificates"
check "node1's config with TLS passes dualmasterd -t" tls_conf node1 "$TLS/ca.pem"
check "node2's config with TLS passes dualmasterd -t" tls_conf node2 "$TLS/ca.pem"
acc1=$(ssl_accepts node1) acc2=$(ssl_accepts node2)
lab_start_dm node1 || exit 1
check "A: node1 MASTER" lab_wait_for "node1 MASTER" 15 state_is node1 MASTER
lab_start_dm node2 || exit 1
check "A: the pair settles on node1" lab_wait_for "settled on node1" 30 settled_on node1
check "A: node2 sees its own server up (TLS over the socket)" lab_wait_for "node2 local up" 10 local_up node2
check "A: node2 sees the peer's server up (TLS, verified)" lab_wait_for "node2 peer up" 10 peer_up node2
check "A: node1 sees the peer's server up" lab_wait_for "node1 peer up" 10 peer_up node1
check_eq "A: node2 does not take the peer as refusing" False "$(st node2 's["peer_refusing"]')"
check "A: node1's server finished TLS handshakes for the daemons" [ "$(ssl_accepts node1)" -gt "$acc1" ]
check "A: node2's server too" [ "$(ssl_accepts node2)" -gt "$acc2" ]

check "A: replication in sync" lab_wait_repl 20
f2=$(fences node2)
check_eq "A: node1's server writable before its daemon dies" 0 "$(ro node1)"
check "A: node1's daemon killed (SIGKILL)" lab_stop_dm node1 KILL
check "A: node2 takes over" lab_wait_for "node2 MASTER" 10 eval 'state_is node2 MASTER && writable node2'
check_eq "A: node1's server fenced by node2 over TLS: read_only=1" 1 "$(ro node1)"
check "A: node2 counted the fence (dualmaster_fence_total{outcome=fenced})" [ "$(fences node2)" -gt "${f2:-0}" ]
check "A: node2 logged the fence of a live master" grep -q "adverts lost from a master" "$LAB_DIR/dm-node2.log"
lab_start_dm node1 || exit 1
check "A: node1 back as BACKUP" lab_wait_for "settled on node2" 20 settled_on node2
check "A: node1 sees the peer's server up" lab_wait_for "node1 peer up" 10 peer_up node1
check "A: replication in sync" lab_wait_repl 20
f1=$(fences node1)
check "A: node2's daemon stopped (TERM)" lab_stop_dm node2 TERM
check "A: node1 takes over again" lab_wait_for "node1 MASTER" 15 eval 'state_is node1 MASTER && writable node1'
check_eq "A: node2's server read-only" 1 "$(ro node2)"
check "A: node1 fenced node2 over TLS on its way" [ "$(fences node1)" -gt "${f1:-0}" ]
check "A: no TLS error in either log" eval "! grep -q '\\[2026\\]' '$LAB_DIR/dm-node1.log' '$LAB_DIR/dm-node2.log'"

# ---- B. the peer's certificate fails our check: alive, refusing, never dead ------------------------
echo "---- B. node2 verifies node1 against a CA that did not sign it"
check "node2's config with the other CA passes dualmasterd -t" tls_conf node2 "$TLS/other-ca.pem"
b_from=$(($(wc -l <"$LAB_DIR/dm-node2.log") + 1))
blog() { tail -n +"$b_from" "$LAB_DIR/dm-node2.log"; } # node2's log in B only
lab_start_dm node2 || exit 1
check "B: node2 BACKUP" lab_wait_for "node2 BACKUP" 15 state_is node2 BACKUP
check "B: node2 sees its own server up" lab_wait_for "node2 local up" 10 local_up node2
check "B: node2 takes node1's server as refusing" lab_wait_for "refusing" 10 \
	eval '[ "$(st node2 "s[\"peer_refusing\"]")" = True ]'
check "B: node2's log has the TLS error (2026)" grep -q "\\[2026\\]" <<<"$(blog)"
check_eq "B: node1's server writable" 0 "$(ro node1)"
check "B: node1's daemon killed (SIGKILL)" lab_stop_dm node1 KILL
sleep 3 # many Master_Down_Intervals (adverts every 100 ms): no takeover may start
check "B: node2 stays BACKUP" state_is node2 BACKUP
check_eq "B: node2 read-only" 1 "$(ro node2)"
check_eq "B: node1's server still the only writer" 0 "$(ro node1)"
check_eq "B: the VIP still on node1 alone (its daemon left it)" node1 "$(lab_vip_holder)"
check "B: node2's alert says the peer refuses it" grep -q "refuses us" <<<"$(st node2 's["alert"]')"
check "B: node2 logged it at warning" grep -q "warning: peer server alive but refuses us" <<<"$(blog)"
check "B: node2's takeover refused, not run" grep -q "refuses us: staying BACKUP" <<<"$(blog)"
exit $((fails > 0))
