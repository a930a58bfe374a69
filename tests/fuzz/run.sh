#!/usr/bin/env bash
# Builds each tests/fuzz/fuzz_*.c with libFuzzer + ASan/UBSan and runs it for a bounded time.
# A target names the sources it needs on a "// sources:" line.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-20}
# Split between the targets: the whole run stays within the bound it was given.
ntargets=$(ls tests/fuzz/fuzz_*.c | wc -l)
secs=$(( secs / ntargets > 5 ? secs / ntargets : 5 ))
pass=0; fail=0; skip=0
mkdir -p build/fuzz
for src in tests/fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	if ! command -v clang >/dev/null; then echo "SKIP $name: no clang"; skip=$((skip+1)); continue; fi
	deps=$(sed -n 's|^// sources: ||p' "$src")
	# "// pkg: NAME..." links the target against those libraries (pkg-config).
	pkgs=$(sed -n 's|^// pkg: ||p' "$src")
	pkgflags=
	[ -n "$pkgs" ] && pkgflags=$(pkg-config --cflags --libs $pkgs)
	# shellcheck disable=SC2086 # the lists split into words on purpose
	if ! clang -g -O1 -std=gnu11 -D_GNU_SOURCE -Isrc -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o "build/fuzz/$name" "$src" $deps $pkgflags; then
		echo "FAIL $name: build"; fail=$((fail+1)); continue
	fi
	corpus=build/fuzz/corpus-$name
	mkdir -p "$corpus"
	[ -d "tests/fuzz/seeds/$name" ] && cp -n tests/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null
	if "build/fuzz/$name" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 \
		-artifact_prefix=build/fuzz/ "$corpus" >"build/fuzz/$name.log" 2>&1; then
		echo "PASS $name: $(grep -o 'Done [0-9]* runs' "build/fuzz/$name.log" | tail -n1) in ${secs}s"
		pass=$((pass+1))
	else
		tail -n 40 "build/fuzz/$name.log"; echo "FAIL $name"; fail=$((fail+1))
	fi
done
echo "fuzz: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
