#!/bin/sh
# keepalived check of the tuned profile: the server answers within 0.8 s and, if it replicates, its
# SQL thread runs (a standby whose applier stopped must not be promoted). A master whose replica
# IO thread lost the peer still passes: that is the peer's fault, not ours. Usage: check-tuned.sh SOCK
sock=$1
out=$(timeout 0.8 mysql --no-defaults -S "$sock" -uroot --connect-timeout=1 -B -N \
	-e "SHOW SLAVE STATUS" 2>/dev/null) || exit 1
[ -z "$out" ] && exit 0
# Column 12 of SHOW SLAVE STATUS is Slave_SQL_Running.
[ "$(printf '%s\n' "$out" | awk -F'\t' 'NR == 1 { print $12 }')" = Yes ]
