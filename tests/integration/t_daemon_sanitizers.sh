#!/usr/bin/env bash
# The daemon itself, not only its unit tests, runs clean: node1 under AddressSanitizer/UBSan, node2
# under valgrind, through start-up, a takeover after the master's mysqld dies, and SIGTERM.
set -u
cd "$(dirname "$0")/../.."
. tests/lab/lab.sh
[ "$(id -u)" = 0 ] || { echo "needs root"; exit 77; }
command -v valgrind >/dev/null || { echo "no valgrind"; exit 77; }
make -s build/san/dualmasterd || exit 1
# The checks below would pass vacuously on a build without the sanitizer runtime.
ldd build/san/dualmasterd | grep -q libasan || { echo "FAIL: build/san/dualmasterd lacks ASan"; exit 1; }
lab_up || exit 1
trap lab_down EXIT
fail() { echo "FAIL: $*"; lab_dump_logs 40; exit 1; }
state() { ./dualmasterctl -s "$LAB_DIR/dm-$1.sock" status --json 2>/dev/null |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["status"]["state"])' 2>/dev/null; }
is_state() { [ "$(state "$1")" = "$2" ]; }

# Valgrind slows the probes down: give them room (timeouts are a policy choice, not the subject).
LAB_DM_HEALTH_EXTRA='timeout_ms = 2000' lab_write_dm_conf node1 150 || fail "config node1"
LAB_DM_HEALTH_EXTRA='timeout_ms = 2000' lab_write_dm_conf node2 100 || fail "config node2"
ASAN_OPTIONS=detect_leaks=1:log_path=$LAB_DIR/asan UBSAN_OPTIONS=print_stacktrace=1:log_path=$LAB_DIR/ubsan \
	LAB_DM_BIN=$PWD/build/san/dualmasterd lab_start_dm node1
lab_wait_for "node1 MASTER (ASan build)" 30 is_state node1 MASTER || fail "node1 did not become master"
LAB_DM_WRAP="valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
--log-file=$LAB_DIR/valgrind.log" lab_start_dm node2
lab_wait_for "node2 BACKUP (valgrind)" 60 is_state node2 BACKUP || fail "node2 did not become backup"
grep -q valgrind "/proc/$(lab_pid dm-node2)/cmdline" 2>/dev/null || fail "node2's daemon is not under valgrind"

# A takeover under valgrind: node1's server dies, node2 runs the whole sequence.
lab_mysqld_stop node1 KILL
lab_wait_for "node2 MASTER" 60 is_state node2 MASTER || fail "node2 did not take over"
[ "$(lab_vip_holder)" = node2 ] || fail "VIP on $(lab_vip_holder), not node2"

lab_stop_dm node2 TERM
lab_stop_dm node1 TERM
# The stopped master dropped its VIP on the way out.
[ "$(lab_vip_holder)" = none ] || fail "VIP left on $(lab_vip_holder) after SIGTERM"

if ls "$LAB_DIR"/asan* "$LAB_DIR"/ubsan* >/dev/null 2>&1; then
	cat "$LAB_DIR"/asan* "$LAB_DIR"/ubsan* 2>/dev/null | head -60
	fail "sanitizer reports"
fi
grep -q "runtime error" "$LAB_DIR/dm-node1.log" && fail "UBSan runtime error in node1's log"
if [ -s "$LAB_DIR/valgrind.log" ]; then
	head -80 "$LAB_DIR/valgrind.log"
	fail "valgrind reports"
fi
echo "ok: ASan/UBSan and valgrind clean through start, takeover and SIGTERM"
