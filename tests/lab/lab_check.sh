# shellcheck shell=bash
# Check helpers shared by the integration tests: each check prints "ok   DESC" or "FAIL DESC" and
# counts failures in $fails (the test exits non-zero when it is not 0).
fails=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fails=$((fails + 1)); }
# check DESC CMD...: CMD succeeds.
check() { local d=$1; shift; if "$@" >/dev/null; then ok "$d"; else bad "$d"; fi; }
check_eq() { if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: want '$2', got '$3'"; fi; }
# check_le DESC VALUE_MS BOUND_MS
check_le() {
	if awk -v v="$2" -v b="$3" 'BEGIN { exit !(v <= b) }'; then ok "$1 (${2} ms <= ${3} ms)"
	else bad "$1: ${2} ms > bound ${3} ms"; fi
}
# check_lt DESC VALUE BOUND: VALUE (a decimal) < BOUND.
check_lt() {
	if awk -v v="$2" -v b="$3" 'BEGIN { exit !(v + 0 < b + 0) }'; then ok "$1 ($2 < $3)"
	else bad "$1: $2 >= $3"; fi
}
# check_zero DESC VALUE: VALUE (a decimal) is 0.
check_zero() {
	if awk -v v="$2" 'BEGIN { exit !(v + 0 == 0) }'; then ok "$1 ($2)"; else bad "$1: $2, want 0"; fi
}
# ctl NODE ARGS...: dualmasterctl against NODE's daemon in the scene.
ctl() { local n=$1; shift; "$LAB_ROOT/dualmasterctl" -s "$LAB_DIR/dm-$n.sock" "$@"; }
# dm_get NODE EXPR: a Python expression over s, the "status" object of `status --json`.
dm_get() {
	ctl "$1" status --json 2>/dev/null |
		python3 -c 'import json, sys; s = json.load(sys.stdin)["status"]; print(eval(sys.argv[1]))' "$2" \
			2>/dev/null
}
dm_state_is() { [ "$(dm_get "$1" 's["state"]')" = "$2" ]; }
