#!/usr/bin/env bash
# Role changes reach journald as entries with fields of their own (MESSAGE_ID, DM_STATE,
# DM_FROM_STATE, DM_REASON, PRIORITY 5), through libsystemd's native protocol, to a journald
# socket this test owns (a private /run in a mount namespace); without journald, a plain line.
set -u
cd "$(dirname "$0")/../.." || exit 1
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v unshare >/dev/null || { echo "needs unshare"; exit 77; }
make -s build/tools/log_event_tool >/dev/null || { echo "FAIL: cannot build log_event_tool"; exit 1; }
TOOL=$PWD/build/tools/log_event_tool SINK=$PWD/tests/tools/journal_sink.py
tmp=$(mktemp -d /tmp/dm-journal-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
has() { grep -qxF -- "$3" <<<"$2" && ok "$1" || { bad "$1: no line '$3' in:"; echo "$2"; }; }

# Without journald: one line on stderr, the newline escaped.
out=$(env -u JOURNAL_STREAM "$TOOL" 2>&1)
[[ $out == *" dualmasterd notice: BACKUP -> MASTER: master down timer expired\\nforged line" ]] &&
	ok "plain: one escaped notice line" || bad "plain: got '$out'"

# With journald: the entry, and nothing on stderr. The sink binds the socket in the namespace's own
# /run, says when it is ready, and exits after one datagram (or 10 s).
out=$(unshare -m --propagation private sh -c '
	mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal || exit 3
	/usr/bin/python3 "$1" /run/systemd/journal/socket "$2/ready" >"$2/fields" 2>"$2/sink.err" & sink=$!
	i=0; while [ ! -e "$2/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	JOURNAL_STREAM=8:1 "$3" 2>"$2/stderr"
	wait $sink' _ "$SINK" "$tmp" "$TOOL" 2>&1); rc=$?
[ $rc -eq 0 ] && ok "journal: the sink got one entry" || { bad "journal: sink exit $rc: $out"; cat "$tmp/sink.err"; }
f=$(cat "$tmp/fields" 2>/dev/null)
has "journal: MESSAGE_ID of a transition" "$f" "MESSAGE_ID=97250fc042454993b56b1634ecf32593"
has "journal: PRIORITY notice" "$f" "PRIORITY=5"
has "journal: DM_STATE" "$f" "DM_STATE=MASTER"
has "journal: DM_FROM_STATE" "$f" "DM_FROM_STATE=BACKUP"
has "journal: DM_REASON, escaped" "$f" 'DM_REASON=master down timer expired\\nforged line'
has "journal: MESSAGE, escaped" "$f" 'MESSAGE=BACKUP -> MASTER: master down timer expired\\nforged line'
has "journal: SYSLOG_IDENTIFIER" "$f" "SYSLOG_IDENTIFIER=dualmasterd"
[ ! -s "$tmp/stderr" ] && ok "journal: nothing on stderr" || bad "journal: stderr has: $(cat "$tmp/stderr")"
echo "t_journal: $fails failure(s)"
exit $((fails > 0))
