#!/usr/bin/env bash
# The installed daemon, started the way the shipped unit starts it, runs a node of the scene: `make
# install` into a scratch prefix, the service user made by systemd-sysusers from the installed
# sysusers.d file, the installed config mode (root:dualmaster 0640) and a password file owned by
# the service user (0600). dualmasterd then runs as that user with only the unit's capabilities
# (setpriv stands in for User=, AmbientCapabilities=, CapabilityBoundingSet= and NoNewPrivileges=,
# since the scene has no systemd as PID 1). Checked: `-t -u dualmaster` fails on a password file the
# user cannot read and passes once it can; the daemon's credentials in /proc; it becomes master
# (read_only OFF, the VIP, a write through it), answers the installed dualmasterctl, and on stop
# steps down so the peer takes over.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
for c in mariadbd mariadb-install-db nft bridge python3 setpriv systemd-sysusers userdel; do
	command -v "$c" >/dev/null || { echo "needs $c"; exit 77; }
done
if ! [ -x ./dualmasterd ] || ! [ -x ./dualmasterctl ]; then echo "dualmasterd not built (make)"; exit 1; fi
. tests/lab/lab.sh
. tests/lab/lab_check.sh

SVC_USER=dualmaster
made_user=0
tmp=$(mktemp -d /tmp/dm-svc-XXXXXX)
finish() {
	[ $fails -eq 0 ] || { lab_status; lab_dump_logs 60; }
	lab_down
	# Only an account this test made goes again; an operator's existing one stays.
	[ $made_user = 1 ] && userdel "$SVC_USER" 2>/dev/null
	[ $made_user = 1 ] && getent group "$SVC_USER" >/dev/null && groupdel "$SVC_USER" 2>/dev/null
	rm -rf "$tmp"
	[ $fails -eq 0 ] && echo "t_service_user: all passed" || echo "t_service_user: $fails failed"
}
trap finish EXIT
trap 'exit 130' INT TERM HUP

root=$tmp/root
make -s install PREFIX="$root" SYSCONFDIR="$root/etc" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; bad "make install"; exit 1; }
DMD=$root/sbin/dualmasterd
DMCTL=$root/bin/dualmasterctl

if ! getent passwd "$SVC_USER" >/dev/null; then
	systemd-sysusers "$root/lib/sysusers.d/dualmaster.conf" || { bad "systemd-sysusers"; exit 1; }
	made_user=1
fi
check "the installed sysusers.d file gives the service user" getent passwd "$SVC_USER"
check_eq "the service user has no login shell" /usr/sbin/nologin "$(getent passwd "$SVC_USER" | cut -d: -f7)"
svc_uid=$(id -u "$SVC_USER")

lab_up || exit 1
# The service user must reach node1's server socket: traversal only, nothing readable.
chmod o+x "$LAB_DIR" "$LAB_DIR/node1"

# /etc/dualmaster as installed: the config root:dualmaster 0640 in a directory the user can enter;
# the control socket in a directory of the user's own (RuntimeDirectory= in the unit).
etc=$tmp/etc run=$tmp/run
mkdir -p "$etc" "$run"
chmod 0711 "$tmp"
chown "root:$SVC_USER" "$etc" && chmod 0750 "$etc"
chown "$SVC_USER:$SVC_USER" "$run" && chmod 0750 "$run"
install -m 0600 -o root -g root "$LAB_DIR/dm.password" "$etc/mysql.password"
lab_write_dm_conf node1 || exit 1
sed -e "s|^control_socket = .*|control_socket = \"$run/control.sock\"|" \
	-e "s|password_file = .*|password_file = \"$etc/mysql.password\"|" \
	"$(lab_dm_conf node1)" >"$etc/dualmaster.conf"
chown "root:$SVC_USER" "$etc/dualmaster.conf" && chmod 0640 "$etc/dualmaster.conf"
conf=$etc/dualmaster.conf

# -t as the service user sees what the service would: a root-only password file fails, by name.
out=$("$DMD" -t -u "$SVC_USER" -f "$conf" 2>&1); rc=$?
check_eq "-t -u: a password file the user cannot read fails the check" 1 "$rc"
case $out in *"mysql.password"*"Permission denied"*) ok "-t -u names the file and the reason" ;;
	*) bad "-t -u output: $out" ;; esac
check "-t as root passes the same file (the case -u exists for)" "$DMD" -t -f "$conf"
chown "$SVC_USER:$SVC_USER" "$etc/mysql.password"
check "-t -u passes once the user owns the password file" "$DMD" -t -u "$SVC_USER" -f "$conf"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$DMD" -t -u "$SVC_USER" -f "$conf" 2>&1)
case $out in *"needs root"*) ok "-u as another non-root user is refused" ;; *) bad "-u unprivileged: $out" ;; esac

# The unit's User=, Group=, AmbientCapabilities=, CapabilityBoundingSet=, NoNewPrivileges=.
LAB_DM_BIN=$DMD
LAB_DM_WRAP="setpriv --reuid=$SVC_USER --regid=$SVC_USER --init-groups --inh-caps=-all,+net_raw,+net_admin
 --ambient-caps=-all,+net_raw,+net_admin --bounding-set=-all,+net_raw,+net_admin --no-new-privs"
# The later -f wins: the daemon reads the installed-mode copy, not the scene's root-only one.
lab_start_dm node1 -f "$conf" || exit 1
LAB_DM_BIN= LAB_DM_WRAP=
sctl() { "$DMCTL" -s "$run/control.sock" "$@"; }
is_master() { sctl status --json 2>/dev/null | grep -q '"state":"MASTER"'; }
lab_wait_for "node1 (installed, as $SVC_USER) master" 20 is_master || bad "node1 never became master"
lab_start_dm node2 || exit 1
lab_wait_for "node2 backup" 20 dm_state_is node2 BACKUP || bad "node2 never became backup"

pid=$(lab_pid dm-node1)
uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
check_eq "the daemon runs as the service user (real, effective, saved, fs uid)" \
	"$svc_uid $svc_uid $svc_uid $svc_uid" "$uids"
capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")
# CAP_NET_ADMIN is bit 12, CAP_NET_RAW bit 13: exactly 0x3000.
check_eq "effective capabilities are NET_RAW and NET_ADMIN only" 0000000000003000 "$capeff"
check_eq "no new privileges" 1 "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status")"
check_eq "the control socket belongs to the service user" "$SVC_USER" "$(stat -c %U "$run/control.sock")"

check_eq "node1's server is writable" 0 "$(lab_sql node1 'SELECT @@read_only')"
check_eq "the VIP is on node1" node1 "$(lab_vip_holder)"
check "the installed dualmasterctl reads the two-node status" sctl status
check "a client writes through the VIP" lab_sql_tcp client "$LAB_VIP" dmapp "$LAB_DIR/app.password" \
	"INSERT INTO dmtest.writes (id, node) VALUES (424242, 'svc')"

# Stopping the service steps down (priority 0, read_only ON) and the peer takes over.
lab_stop_dm node1 TERM
# Asked again only when there is no answer (the peer's takeover fences node1 now and kills its
# sessions, ours too); the first answer counts.
ro=
for _ in 1 2 3 4 5; do ro=$(lab_sql node1 'SELECT @@read_only' 2>/dev/null) && [ -n "$ro" ] && break; done
check_eq "the stopped daemon set its server read-only" 1 "$ro"
node2_master() { dm_state_is node2 MASTER && [ "$(lab_vip_holder)" = node2 ]; }
lab_wait_for "node2 master" 10 node2_master && ok "node2 takes over after the stop" || bad "node2 did not take over"
check_eq "the row written through the VIP is on node2" 1 \
	"$(lab_sql node2 'SELECT COUNT(*) FROM dmtest.writes WHERE id = 424242')"
! grep -qi "permission denied\|operation not permitted" "$LAB_DIR/dm-node1.log" &&
	ok "no permission error in the installed daemon's log" || bad "permission errors: $(grep -i 'denied\|not permitted' "$LAB_DIR/dm-node1.log" | head -3)"
exit $fails
