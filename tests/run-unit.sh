#!/usr/bin/env bash
# Runs the cmocka unit binaries in one mode (plain, asan, valgrind) and prints one summary line
# counting test cases (cmocka's own "[  PASSED  ] N test(s)." lines).
set -u
mode=$1; shift
pass=0; fail=0; bad=0
for t in "$@"; do
	case $mode in
	valgrind) out=$(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$t" 2>&1); rc=$? ;;
	asan) out=$(ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "$t" 2>&1); rc=$? ;;
	*) out=$("$t" 2>&1); rc=$? ;;
	esac
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -n1)
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	if [ $rc -ne 0 ]; then
		bad=$((bad+1)); [ -n "$f" ] || fail=$((fail+1))
		printf '%s\n' "$out"; echo "FAIL ($mode): $t (exit $rc)"
	fi
done
echo "unit-$mode: $pass passed, $fail failed"
[ $bad -eq 0 ]
