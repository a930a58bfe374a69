#!/usr/bin/env bash
# Runs every tests/integration/t_*.sh (real namespaces, mariadbd, keepalived) with a time bound.
# Exit codes as in smcroute's test/lib.sh: 0 pass, 77 skip, anything else fail.
set -u
cd "$(dirname "$0")/../.."
pass=0; fail=0; skip=0
only=${TESTS:-}
for t in tests/integration/t_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	if [ -n "$only" ] && ! grep -qw "$name" <<<"$only"; then continue; fi
	start=$(date +%s)
	timeout -k 10 "${TEST_TIMEOUT:-300}" bash "$t" >"build/$name.log" 2>&1
	rc=$?
	dur=$(( $(date +%s) - start ))
	case $rc in
	0) pass=$((pass+1)); echo "PASS $name (${dur}s)" ;;
	77) skip=$((skip+1)); echo "SKIP $name: $(tail -n1 "build/$name.log")" ;;
	*) fail=$((fail+1)); tail -n 60 "build/$name.log"; echo "FAIL $name (exit $rc, ${dur}s)" ;;
	esac
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
