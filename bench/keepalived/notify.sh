#!/bin/sh
# keepalived notify script of the benchmark baseline, as tutorials write it: MASTER makes the local
# server writable, BACKUP and FAULT make it read-only. Usage: notify.sh STATE SOCKET LOGFILE
state=$1 sock=$2 log=$3
case $state in
MASTER) ro=0 ;;
BACKUP | FAULT) ro=1 ;;
*) exit 0 ;;
esac
mysql --no-defaults -S "$sock" -uroot -e "SET GLOBAL read_only = $ro"
echo "$(date +%s.%N) $state read_only=$ro rc=$?" >>"$log"
