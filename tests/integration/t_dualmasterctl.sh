#!/usr/bin/env bash
# dualmasterctl against a scripted fake daemon (python3) on a unix socket in a temp dir: the request
# words sent, progress lines, unescaped text, raw JSON, errors and exit codes (0 ok, 1 refused,
# 2 usage or no answer), timeouts, -s and $DUALMASTER_SOCKET.
set -u
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "no python3"; exit 77; }
[ -x ./dualmasterctl ] || { echo "build dualmasterctl first (make)"; exit 1; }
tmp=$(mktemp -d /tmp/dm-ctl-XXXXXX)
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
sock=$tmp/control.sock

cat >"$tmp/fake.py" <<'PY'
import os, socket, sys, time
sock, log = sys.argv[1], sys.argv[2]
replies = {
    "status": [b'{"ok":true,"text":"MASTER prio 150\\nvip 192.0.2.50 \\u00e9 \\ud83d\\ude00 \\"q\\" \\\\ tab\\tend"}\n'],
    "status json": [b'{"ok":true,"status":{"state":"MASTER","x":{"a":[1,{"b":"}]\\""}]},"ok":false}}\n'],
    "maintenance on": [b'{"ok":true}\n'],
    "maintenance off": [b'{"ok":false,"error":"permission denied: uid 1000"}\n'],
    "switchover": [b'{"progress":"fencing peer"}\n{"progress":"catch', b'-up"}\n', b'{"ok":true,"text":"switched"}\n'],
    "debug proto on": [b'{"ok" : true , "text" : "debug: proto"}\n'],
    "reload": [],
    "metrics": None,
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock)
s.listen(4)
while True:
    c, _ = s.accept()
    f = c.makefile("rb")
    req = f.readline().decode().rstrip("\n")
    with open(log, "a") as l:
        l.write(req + "\n")
    r = replies.get(req, [b'{"ok":false,"error":"unknown command"}\n'])
    if r is None:
        time.sleep(3)
    else:
        for part in r:
            c.sendall(part)
            time.sleep(0.05)
    f.close()
    c.close()
PY
python3 "$tmp/fake.py" "$sock" "$tmp/requests" &
srv=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "fake daemon did not start"; exit 1; }

fail=0
# expect RC STDOUT STDERR-SUBSTRING -- ARGS...
expect() {
	local rc=$1 out=$2 err=$3; shift 4
	local got_out got_err got_rc
	got_out=$(./dualmasterctl "$@" 2>"$tmp/err"); got_rc=$?
	got_err=$(cat "$tmp/err")
	if [ "$got_rc" != "$rc" ] || [ "$got_out" != "$out" ] || [[ "$got_err" != *"$err"* ]]; then
		echo "FAIL: dualmasterctl $*"
		echo "  rc $got_rc (want $rc)"; echo "  stdout: $got_out"; echo "  want:   $out"
		echo "  stderr: $got_err (want to contain: $err)"
		fail=1
	fi
}

expect 0 $'MASTER prio 150\nvip 192.0.2.50 \u00e9 \U0001F600 "q" \\ tab\tend' "" -- -s "$sock" status
expect 0 '{"ok":true,"status":{"state":"MASTER","x":{"a":[1,{"b":"}]\""}]},"ok":false}}' "" -- -s "$sock" status --json
expect 0 "" "" -- -s "$sock" maintenance on
expect 1 "" "dualmasterctl: permission denied: uid 1000" -- -s "$sock" maintenance off
expect 0 $'fencing peer\ncatch-up\nswitched' "" -- -s "$sock" switchover
DUALMASTER_SOCKET=$sock expect 0 "debug: proto" "" -- debug proto on
expect 2 "" "connection closed before the reply" -- -s "$sock" reload
expect 2 "" "no reply within 1 s" -- -s "$sock" -t 1 metrics
# Usage errors never connect.
expect 2 "" "usage:" -- -s "$sock" debug nosuchcat on
expect 2 "" "usage:" -- -s "$sock" maintenance maybe
expect 2 "" "usage:" -- -s "$sock" status --yaml
expect 2 "" "usage:" -- -s "$sock"
./dualmasterctl --version | grep -q '^dualmasterctl [0-9]' || { echo "FAIL: --version"; fail=1; }
./dualmasterctl --help | grep -q '^usage: dualmasterctl' || { echo "FAIL: --help"; fail=1; }
# No daemon: exit 2 with a clear message; -s wins over the environment.
DUALMASTER_SOCKET=$sock expect 2 "" "cannot connect to $tmp/none.sock: No such file or directory (is dualmasterd running?)" -- -s "$tmp/none.sock" status

want=$'status\nstatus json\nmaintenance on\nmaintenance off\nswitchover\ndebug proto on\nreload\nmetrics'
got=$(cat "$tmp/requests")
if [ "$got" != "$want" ]; then echo "FAIL: requests seen by the daemon:"; echo "$got"; fail=1; fi
[ $fail -eq 0 ] && echo "dualmasterctl: all cases pass"
exit $fail
