# shellcheck shell=bash
# The two HA systems the benchmark compares, on one lab scene (sourced after tests/lab/lab.sh):
# dualmasterd as the lab configures it, and keepalived with the check and notify scripts that
# MySQL master-master tutorials deploy. Every function takes the system from $SYSTEM/$PROFILE.

BENCH_DIR=${BENCH_DIR:-$LAB_ROOT/bench}

# ---- keepalived ---------------------------------------------------------------------------------

# Tutorial defaults (keepalived.conf.in: VRRPv2, 1 s adverts, `select 1` every 2 s, fall 3) and
# what a careful operator writes (keepalived-tuned.conf.in; its advert_int KA_ADVERT_S, default 0.1). A "-async" suffix runs either profile
# on asynchronous replication (bench/trial.sh).
ka_write_conf() {
	local node=$1 prio=$2 tmpl notify repl=semisync
	case ${PROFILE%-async} in
	default) tmpl=keepalived.conf.in notify=notify.sh ;;
	tuned) tmpl=keepalived-tuned.conf.in notify=notify-tuned.sh ;;
	*) lab_die "keepalived profile '$PROFILE': default, tuned, default-async or tuned-async"; return 1 ;;
	esac
	[ "${LAB_SEMISYNC:-0}" = 1 ] || repl=async
	sed -e "s|@NODE@|$node|g" -e "s|@VRRP_VERSION@|2|" -e "s|@MYSQL@|$(command -v mysql)|" \
		-e "s|@SOCK@|$(lab_sock "$node")|g" -e "s|@CHECK_INTERVAL@|2|" -e "s|@FALL@|3|" \
		-e "s|@IFACE@|$(lab_if "$node")|" -e "s|@PRIORITY@|$prio|" -e "s|@ADVERT_INT@|1|" \
		-e "s|@KA_ADVERT@|${KA_ADVERT_S:-0.1}|" \
		-e "s|@VIP@|$LAB_VIP|" -e "s|@TIEBREAKER@|$LAB_TIEBREAKER|" -e "s|@PING@|$(command -v ping)|" \
		-e "s|@CHECK@|$BENCH_DIR/keepalived/check-tuned.sh|" -e "s|@REPL@|$repl|g" \
		-e "s|@PEER@|$(lab_ip "$(lab_peer "$node")")|g" \
		-e "s|@NOTIFY@|$BENCH_DIR/keepalived/$notify|g" \
		-e "s|@NOTIFY_LOG@|$LAB_DIR/ka-$node.notify|g" \
		"$BENCH_DIR/keepalived/$tmpl" >"$LAB_DIR/ka-$node.conf"
}

# Starts keepalived (VRRP only, foreground, console log) in NODE's namespace; also records the VRRP
# child, so lab_down stops both by pid.
ka_start() {
	local node=$1 vpid
	vpid=$LAB_DIR/ka-$node-vrrp.pid
	rm -f "$LAB_DIR/ka-$node.pid" "$vpid"
	lab_spawn "ka-$node" "$LAB_DIR/ka-$node.log" "$(lab_ns "$node")" keepalived -P -n -l \
		-f "$LAB_DIR/ka-$node.conf" -p "$LAB_DIR/ka-$node.pid" -r "$vpid"
	lab_wait_for "keepalived VRRP child on $node" 10 test -s "$vpid" || return 1
	cp "$vpid" "$LAB_DIR/pids/ka-$node-vrrp.pid"
}

# Both keepalived processes of NODE frozen first, so neither reacts (the parent would respawn the
# child, the child would act on the parent's death), then killed: what a kill -9 of the service does.
ka_kill() {
	local node=$1 p pids=()
	for p in "ka-$node" "ka-$node-vrrp"; do
		lab_running "$p" && pids+=("$(lab_pid "$p")")
	done
	[ ${#pids[@]} -gt 0 ] || return 1
	kill -STOP "${pids[@]}"
	sys_acct "$node"
	kill -KILL "${pids[@]}"
	for p in "${pids[@]}"; do
		lab_wait_for "pid $p to die" 5 lab_proc_gone "$p"
	done
	rm -f "$LAB_DIR/pids/ka-$node.pid" "$LAB_DIR/pids/ka-$node-vrrp.pid"
}

# sql_t SECONDS NODE STMT: lab_sql bounded in time (a frozen server never answers).
sql_t() {
	timeout "$1" mariadb --no-defaults -S "$(lab_sock "$2")" -uroot --connect-timeout=2 -B -N -e "$3"
}

# ---- either system ------------------------------------------------------------------------------

# sys_write_conf MASTER STANDBY: the node meant to be master first gets the higher priority.
sys_write_conf() {
	if [ "$SYSTEM" = dualmaster ]; then
		[ "${LAB_WITNESS:-0}" = 1 ] && LAB_DM_TOP_EXTRA="$(lab_witness_conf)"
		lab_write_dm_conf "$1" 150 && lab_write_dm_conf "$2" 100
	else
		ka_write_conf "$1" 150 && ka_write_conf "$2" 100
	fi
}

sys_start() {
	if [ "$SYSTEM" = dualmaster ]; then lab_start_dm "$1"; else ka_start "$1"; fi
}

# The pids of NODE's daemon (keepalived: parent and VRRP child).
sys_pids() {
	local p
	for p in "dm-$1" "ka-$1" "ka-$1-vrrp"; do
		lab_running "$p" && lab_pid "$p"
	done
}

# Appends "NODE CPU_TICKS VMHWM_KB" for NODE's running daemon to $LAB_DIR/acct: user and system
# time of the daemon and of the children it waited for (keepalived's check and notify scripts), and
# the summed peak RSS of its processes. Called before the daemon stops, whatever stops it.
sys_acct() {
	local node=$1 pid ticks=0 hwm=0 t h
	for pid in $(sys_pids "$node"); do
		t=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null) || continue
		h=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
		ticks=$((ticks + ${t:-0}))
		hwm=$((hwm + ${h:-0}))
	done
	echo "$node $ticks $hwm" >>"$LAB_DIR/acct"
}

sys_kill() {
	if [ "$SYSTEM" = dualmaster ]; then
		sys_acct "$1"
		lab_stop_dm "$1" KILL
	else
		ka_kill "$1"
	fi
}

# dualmaster: `dualmasterctl switchover` on the master, in the background (bounded; its output in
# $LAB_DIR/switchover.out). keepalived: SIGTERM, the planned way to move its VIP.
sys_graceful() {
	if [ "$SYSTEM" = dualmaster ]; then
		timeout 90 "$LAB_ROOT/dualmasterctl" -s "$LAB_DIR/dm-$1.sock" -t 60 switchover \
			>"$LAB_DIR/switchover.out" 2>&1 &
		BENCH_SWITCHOVER_PID=$!
	else
		sys_acct "$1"
		lab_stop "ka-$1" TERM
		rm -f "$LAB_DIR/pids/ka-$1-vrrp.pid"
	fi
}

# Undoes sys_graceful: waits for the switchover command (dualmaster), restarts keepalived.
sys_graceful_heal() {
	if [ "$SYSTEM" = dualmaster ]; then
		lab_wait_for "dualmasterctl switchover to finish" 90 lab_proc_gone "$BENCH_SWITCHOVER_PID"
		wait "$BENCH_SWITCHOVER_PID" 2>/dev/null
		echo "switchover exit $?" >>"$LAB_DIR/switchover.out"
	else
		sys_start "$1"
	fi
}

# The master is ready when it holds the VIP and its server is writable.
sys_master_ready() {
	[ "$(lab_vip_holder)" = "$1" ] && [ "$(sql_t 3 "$1" 'SELECT @@read_only')" = 0 ]
}

dm_state() {
	"$LAB_ROOT/dualmasterctl" -s "$LAB_DIR/dm-$1.sock" -t 3 status --json 2>/dev/null |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["status"]["state"])' 2>/dev/null
}

# The standby is ready when its daemon settled as backup behind the master.
sys_standby_ready() {
	if [ "$SYSTEM" = dualmaster ]; then
		[ "$(dm_state "$1")" = BACKUP ]
	else
		grep -q 'Entering BACKUP STATE' "$LAB_DIR/ka-$1.log" 2>/dev/null
	fi
}
