#!/usr/bin/env bash
# make test: every layer in turn (unit plain, ASan/UBSan, valgrind; bounded fuzz; namespace
# integration), then one closing line adding up the per-layer "N passed, N failed" lines.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp /tmp/dm-test-XXXXXX.log)
trap 'rm -f "$log"' EXIT
rc=0
for target in unit unit-san unit-valgrind fuzz integration; do
	echo "=== make $target"
	make -s --no-print-directory "$target" 2>&1 | tee -a "$log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
done
awk '/^[a-z-]+: [0-9]+ passed, [0-9]+ failed/ {
	p += $2; f += $4; if ($6 != "") s += $6 }
	END { printf "total: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit $rc
