#!/usr/bin/env bash
# The man pages (man/*.[58]) are clean mdoc and keep up with the source: `mandoc -Tlint -W warning`
# says nothing; every option the loader accepts (the CFG_* tables of src/conf_load.c) has an entry
# `.It Cm NAME ... Pq default VALUE` in its subsection of dualmaster.conf(5) (".Ss Top level" or
# ".Ss Section NAME ...") with the loader's default, and the page documents no option the loader
# lacks; every control command (src/ctl_cmd.c) and every dualmasterctl command, option and exit code
# (src/dualmasterctl.c) is in dualmasterctl(8); dualmasterd's options (src/main.c) are in
# dualmasterd(8); the example configuration in dualmaster.conf(5) passes `dualmasterd -t` when the
# daemon is built. Each check is also run once on a broken copy of a page, which it must reject.
# No root, no namespaces.
set -u
cd "$(dirname "$0")/../.." || exit 1
# make deps installs it: missing, the lint would silently not run, so it is a failure.
command -v mandoc >/dev/null || { echo "FAIL: no mandoc (make deps)"; exit 1; }
command -v awk >/dev/null || { echo "no awk"; exit 77; }
tmp=$(mktemp -d /tmp/dm-man-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
pages="man/dualmasterd.8 man/dualmasterctl.8 man/dualmaster.conf.5"
for p in $pages; do
	[ -f "$p" ] || { echo "FAIL: $p missing"; exit 1; }
done

# ---- (b) mandoc lint: nothing at warning level or above ----
lint() { # PAGE: silent and 0 when clean
	local out rc
	out=$(mandoc -Tlint -W warning "$1" 2>&1); rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && return 0
	echo "$1: mandoc -Tlint -W warning (exit $rc):"; echo "$out"
	return 1
}

# ---- (c) the loader's options against dualmaster.conf(5) ----
# "TABLE KIND NAME DEFAULT" for every CFG_*("name", default, ...) inside a cfg_opt_t table, and for
# every entry of a `#define NAME CFG_...` list (continued with backslashes) where a table names it.
loader_opts() {
	awk '
	function entries(s, tbl,    e, kind, name, def) {
		while (match(s, /CFG_[A-Z_]+[ \t]*\([ \t]*"[^"]*"[ \t]*,[ \t]*("[^"]*"|[^,)]+)/)) {
			e = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
			kind = e; sub(/[ \t]*\(.*/, "", kind)
			name = e; sub(/^[^"]*"/, "", name); sub(/".*/, "", name)
			def = e; sub(/^[^"]*"[^"]*"[ \t]*,[ \t]*/, "", def); sub(/[ \t]+$/, "", def)
			print tbl, kind, name, def
		}
	}
	mac != "" { body[mac] = body[mac] " " $0; if ($0 !~ /\\$/) mac = ""; next }
	/^#define[ \t]+[A-Z_]+[ \t]*\\?$/ || /^#define[ \t]+[A-Z_]+[ \t]+CFG_/ {
		m = $2; body[m] = $0; if ($0 ~ /\\$/) mac = m; next
	}
	/cfg_opt_t[ \t]+[A-Za-z0-9_]+[ \t]*\[[ \t]*\][ \t]*=/ {
		t = $0; sub(/.*cfg_opt_t[ \t]+/, "", t); sub(/[ \t]*\[.*/, "", t); tbl = t; next
	}
	tbl != "" && /CFG_END[ \t]*\(/ { tbl = ""; next }
	tbl != "" {
		for (m in body)
			if ($0 ~ ("(^|[^A-Za-z0-9_])" m "([^A-Za-z0-9_]|$)"))
				entries(body[m], tbl)
		entries($0, tbl)
	}' "$1"
}

# "SUBSECTION|NAME|IT-LINE" for every `.It Cm NAME` under .Sh OPTIONS.
page_opts() {
	awk '
	/^\.Sh / { in_opts = ($0 == ".Sh OPTIONS"); next }
	/^\.Ss / { ss = substr($0, 5); next }
	in_opts && /^\.It Cm [^ ]+/ { split($0, w, " "); print ss "|" w[3] "|" $0 }' "$1"
}

check_conf_page() { # PAGE LOADER_SRC: lists what is missing or wrong, returns 1 if anything is
	local page=$1 src=$2 bad=0 opts entries
	opts=$(loader_opts "$src")
	local n_found n_calls
	n_found=$(printf '%s\n' "$opts" | grep -c .)
	# Each CFG_*() call once, those of a #define list once per table that names the list.
	n_calls=$(awk '
		mac != "" { n[mac] += gsub(/CFG_[A-Z_]+[ \t]*\(/, "&"); if ($0 !~ /\\$/) mac = ""; next }
		/^#define[ \t]+[A-Z_]+/ && /\\$/ { mac = $2; n[mac] = gsub(/CFG_[A-Z_]+[ \t]*\(/, "&"); next }
		{ c += gsub(/CFG_[A-Z_]+[ \t]*\(/, "&") - gsub(/CFG_END[ \t]*\(/, "&")
		  for (m in n) if ($0 ~ ("(^|[^A-Za-z0-9_])" m "([^A-Za-z0-9_]|$)")) c += n[m] }
		END { print c }' "$src")
	if [ "$n_found" -lt 10 ] || [ "$n_found" -ne "$n_calls" ]; then
		echo "$src: parsed $n_found options out of $n_calls CFG_*() entries: the extraction needs updating"
		return 1
	fi
	entries=$(page_opts "$page")
	# Section names by table, and the top table (the one no CFG_SEC names).
	declare -A secname=()
	local tbl kind name def
	while read -r tbl kind name def; do
		[ "$kind" = CFG_SEC ] && secname[$def]=$name
	done <<<"$opts"
	local missing="" wrongdef="" nosec=""
	while read -r tbl kind name def; do
		local want
		if [ -n "${secname[$tbl]:-}" ]; then want="Section ${secname[$tbl]}"; else want="Top level"; fi
		if [ "$kind" = CFG_SEC ]; then
			grep -qE "^\.Ss Section $name([ ,]|\$)" "$page" || nosec+=" $name"
			continue
		fi
		local line
		line=$(printf '%s\n' "$entries" | awk -F'|' -v want="$want" -v name="$name" '
			$2 == name && ($1 == want || index($1, want " ") == 1 || index($1, want ",") == 1) { print $3; exit }')
		if [ -z "$line" ]; then
			missing+=" ${secname[$tbl]:+${secname[$tbl]}.}$name"
			continue
		fi
		local dv
		case $def in
		'""' | '"{}"') dv=empty ;;
		cfg_true) dv=true ;;
		cfg_false) dv=false ;;
		\"*\") dv=${def#\"}; dv=${dv%\"} ;;
		*) dv=$def ;;
		esac
		# The default as the page renders it: roff escapes and macro names dropped.
		local shown
		shown=$(printf '%s\n' "$line" | sed -E 's/\\-/-/g; s/\\&//g' | sed -nE 's/.*Pq default (.*)$/\1/p' |
			sed -E 's/\b(Pa|Li|Ql|Dq|Qq|No|Ar)\b ?//g; s/ +$//')
		[ "$shown" = "$dv" ] || wrongdef+=" ${secname[$tbl]:+${secname[$tbl]}.}$name(page: '${shown}', loader: '$dv')"
	done <<<"$opts"
	[ -z "$missing" ] || { echo "$page: options the loader accepts but the page lacks (.It Cm NAME):$missing"; bad=1; }
	[ -z "$nosec" ] || { echo "$page: sections without a '.Ss Section NAME':$nosec"; bad=1; }
	[ -z "$wrongdef" ] || { echo "$page: defaults that differ from the loader's:$wrongdef"; bad=1; }
	# The other way: an entry the loader does not know (an option removed or misspelt).
	local extra="" ss nm rest
	while IFS='|' read -r ss nm rest; do
		[ -n "$nm" ] || continue
		local t=""
		if [ "$ss" = "Top level" ]; then
			t=$(printf '%s\n' "$opts" | awk '{ print $1 }' | while read -r x; do
				[ -z "${secname[$x]:-}" ] && { echo "$x"; break; }; done)
		else
			local sn=${ss#Section }; sn=${sn%%[ ,]*}
			local k; for k in "${!secname[@]}"; do [ "${secname[$k]}" = "$sn" ] && t=$k; done
		fi
		printf '%s\n' "$opts" | awk -v t="$t" -v n="$nm" '$1 == t && $3 == n { f = 1 } END { exit !f }' ||
			extra+=" [$ss] $nm"
	done <<<"$entries"
	[ -z "$extra" ] || { echo "$page: entries for options the loader does not accept:$extra"; bad=1; }
	return $bad
}

# ---- (d) commands and options against dualmasterctl(8) and dualmasterd(8) ----
# Short options of the getopt_long() optstring and the long option names in SRC.
short_opts() { grep -oE 'getopt_long\([^"]*"[^"]*"' "$1" | sed -E 's/.*"\+?([^"]*)"/\1/' | tr -d ':' | fold -w1; }
long_opts() { grep -oE '\{ *"[a-z-]+", *(required|no|optional)_argument' "$1" | sed -E 's/\{ *"([^"]*)".*/\1/'; }
section_of() { # PAGE SH: the lines of that .Sh section
	awk -v sh=".Sh $2" '/^\.Sh / { on = ($0 == sh); next } on' "$1"
}

check_options() { # PAGE SRC
	local page=$1 src=$2 bad=0 o opts missing=""
	opts=$(section_of "$page" OPTIONS)
	for o in $(short_opts "$src"); do
		printf '%s\n' "$opts" | grep -qE "^\.It Fl $o( |\$)" || missing+=" -$o"
	done
	for o in $(long_opts "$src"); do
		printf '%s\n' "$opts" | grep -qE "Fl \\\\-$o( |\$)" || missing+=" --$o"
	done
	[ -z "$missing" ] || { echo "$page: options $src accepts but the page lacks:$missing"; bad=1; }
	return $bad
}

check_ctl_page() { # PAGE: the protocol's and the client's commands, options, exit codes
	local page=$1 bad=0 c missing="" cmds
	cmds=$(section_of "$page" COMMANDS)
	# Every first word the control protocol accepts, as a command entry.
	local words
	words=$(grep -oE 'strcmp\(w\[0\], *"[^"]+"\)' src/ctl_cmd.c | sed -E 's/.*"([^"]+)".*/\1/' | sort -u)
	[ "$(printf '%s\n' "$words" | grep -c .)" -ge 5 ] || { echo "src/ctl_cmd.c: commands not found"; return 1; }
	for c in $words; do
		printf '%s\n' "$cmds" | grep -qE "^\.It Cm $c( |\$)" || missing+=" $c"
	done
	# What dualmasterctl itself accepts as a command.
	for c in $(grep -oE 'strcmp\(cmd, *"[^"]+"\)' src/dualmasterctl.c | sed -E 's/.*"([^"]+)".*/\1/' | sort -u); do
		printf '%s\n' "$cmds" | grep -qE "^\.It Cm $c( |\$)" || missing+=" $c"
	done
	# Further words: the protocol's (status json) anywhere, the client's flags (--json) as Fl.
	for c in $(grep -oE 'strcmp\(w\[[12]\], *"[^"]+"\)' src/ctl_cmd.c | sed -E 's/.*"([^"]+)".*/\1/' | sort -u); do
		grep -qwF -- "$c" "$page" || missing+=" $c"
	done
	for c in $(grep -oE 'strcmp\(argv\[[12]\], *"--[^"]+"\)' src/dualmasterctl.c | sed -E 's/.*"--([^"]+)".*/\1/' | sort -u); do
		grep -qE "Fl \\\\-$c( |\$)" "$page" || missing+=" --$c"
	done
	# The debug categories and on|off.
	local cats
	cats=$(sed -n '/cats\[\] *= *{/,/}/p' src/ctl_cmd.c | grep -oE '"[a-z]+"' | tr -d '"')
	[ -n "$cats" ] || { echo "src/ctl_cmd.c: debug categories not found"; return 1; }
	for c in $cats on off; do
		printf '%s\n' "$cmds" | grep -qE "(^\.Cm|Cm) $c( |\$)" || missing+=" $c"
	done
	missing=$(tr ' ' '\n' <<<"$missing" | grep . | sort -u | tr '\n' ' ')
	[ -z "${missing// /}" ] || { echo "$page: commands or words the source accepts but the page lacks: $missing"; bad=1; }
	# Exit codes of dualmasterctl.c's enum, each an entry of EXIT STATUS.
	local codes code
	codes=$(grep -oE 'EXIT_[A-Z]+ *= *[0-9]+' src/dualmasterctl.c | sed -E 's/.*= *//' | sort -u)
	[ -n "$codes" ] || { echo "src/dualmasterctl.c: exit codes not found"; return 1; }
	for code in $codes; do
		section_of "$page" "EXIT STATUS" | grep -qx ".It $code" ||
			{ echo "$page: exit code $code not under EXIT STATUS"; bad=1; }
	done
	check_options "$page" src/dualmasterctl.c || bad=1
	return $bad
}

run_checks() { # CONF_PAGE CTL_PAGE D_PAGE: every check; returns 1 if any fails
	local r=0
	check_conf_page "$1" src/conf_load.c || r=1
	check_ctl_page "$2" || r=1
	check_options "$3" src/main.c || r=1
	return $r
}

for p in $pages; do
	lint "$p" || fail=1
done
run_checks man/dualmaster.conf.5 man/dualmasterctl.8 man/dualmasterd.8 || fail=1

# ---- the checks must be able to fail ----
sed '/^\.It Cm fence_answer_ms /d' man/dualmaster.conf.5 >"$tmp/no-option.5"
check_conf_page "$tmp/no-option.5" src/conf_load.c >"$tmp/out" 2>&1 && { echo "FAIL: a missing option went unnoticed"; fail=1; }
grep -q 'fence_answer_ms' "$tmp/out" || { echo "FAIL: the missing option is not named:"; cat "$tmp/out"; fail=1; }
sed 's/^\(\.It Cm vrid Ar integer Pq default\) 51/\1 52/' man/dualmaster.conf.5 >"$tmp/bad-default.5"
check_conf_page "$tmp/bad-default.5" src/conf_load.c >/dev/null 2>&1 && { echo "FAIL: a wrong default went unnoticed"; fail=1; }
sed 's/^\.It Cm holddown_ms /.It Cm holddown_s /' man/dualmaster.conf.5 >"$tmp/extra.5"
check_conf_page "$tmp/extra.5" src/conf_load.c >/dev/null 2>&1 && { echo "FAIL: an unknown option went unnoticed"; fail=1; }
sed '/^\.It Cm switchover/d' man/dualmasterctl.8 >"$tmp/no-cmd.8"
check_ctl_page "$tmp/no-cmd.8" >/dev/null 2>&1 && { echo "FAIL: a missing command went unnoticed"; fail=1; }
sed '/^\.It Fl t /d' man/dualmasterd.8 >"$tmp/no-opt.8"
check_options "$tmp/no-opt.8" src/main.c >/dev/null 2>&1 && { echo "FAIL: a missing daemon option went unnoticed"; fail=1; }
{ cat man/dualmasterd.8; printf '.Xr foo\n'; } >"$tmp/lint.8"
lint "$tmp/lint.8" >/dev/null 2>&1 && { echo "FAIL: mandoc lint let a broken macro through"; fail=1; }

# ---- the example in dualmaster.conf(5) is a valid configuration ----
if [ -x ./dualmasterd ]; then
	awk '/^\.Sh EXAMPLES/ { e = 1 } e && /^\.Bd -literal/ { b = 1; next } b && /^\.Ed/ { exit } b' \
		man/dualmaster.conf.5 >"$tmp/example.conf"
	mkdir -m 0700 "$tmp/cred"
	for c in $(sed -nE 's/.*password_credential *= *"([^"]+)".*/\1/p' "$tmp/example.conf" | sort -u); do
		(umask 077; echo example >"$tmp/cred/$c")
	done
	if ! out=$(CREDENTIALS_DIRECTORY=$tmp/cred ./dualmasterd -t -f "$tmp/example.conf" 2>&1); then
		echo "FAIL: the example in dualmaster.conf(5) does not pass dualmasterd -t:"; echo "$out"; fail=1
	fi
else
	echo "note: ./dualmasterd not built, the example configuration is not checked"
fi

[ $fail -eq 0 ] && echo "man pages clean and complete"
exit $fail
