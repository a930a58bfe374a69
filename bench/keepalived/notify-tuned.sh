#!/bin/bash
# keepalived notify script of the tuned profile. MASTER: writable, then, if the peer's server does not
# accept a TCP connection within 1 s, the semi-sync master side off (commits waiting for the dead
# peer's ack are released at once instead of after rpl_semi_sync_master_timeout). BACKUP, FAULT,
# STOP: read-only, and on a semi-sync pair the semi-sync master side back on. Every statement is
# bounded so a hung server never blocks keepalived's script queue for long.
# Usage: notify-tuned.sh STATE SOCKET LOGFILE semisync|async PEER_ADDRESS
state=$1 sock=$2 log=$3 repl=$4 peer=$5
sql() { timeout 2 mysql --no-defaults -S "$sock" -uroot --connect-timeout=1 -e "$1"; }
case $state in
MASTER)
	sql "SET GLOBAL read_only = OFF"
	rc=$?
	if [ "$repl" = semisync ] && ! timeout 1 bash -c "exec 3<>/dev/tcp/$peer/3306" 2>/dev/null; then
		sql "SET GLOBAL rpl_semi_sync_master_enabled = OFF"
		echo "$(date +%s.%N) peer $peer unreachable: semi-sync master side off rc=$?" >>"$log"
	fi
	;;
BACKUP | FAULT | STOP)
	if [ "$repl" = semisync ]; then
		sql "SET GLOBAL read_only = ON; SET GLOBAL rpl_semi_sync_master_enabled = ON"
	else
		sql "SET GLOBAL read_only = ON"
	fi
	rc=$?
	;;
*) exit 0 ;;
esac
echo "$(date +%s.%N) $state rc=$rc" >>"$log"
