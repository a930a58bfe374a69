#!/usr/bin/env bash
# `make rpm` builds binary and source RPMs from the committed tree; the binary RPM holds the two
# programs, the unit (with @SBINDIR@ substituted) and the configuration as %config(noreplace).
set -u
cd "$(dirname "$0")/../.."
command -v rpmbuild >/dev/null || { echo "no rpmbuild"; exit 77; }
command -v rpm2archive >/dev/null || { echo "no rpm2archive (rpm 4.15+)"; exit 77; }
git rev-parse --git-dir >/dev/null 2>&1 || { echo "not a git checkout: make rpm archives HEAD"; exit 77; }
# make install copies sql/*.sql; without any committed, the RPM cannot be built (see Makefile).
[ -n "$(git ls-files 'sql/*.sql')" ] || { echo "no sql/*.sql committed yet: make install needs them"; exit 77; }

make rpm >build/t_rpm-make.log 2>&1 || { tail -n 40 build/t_rpm-make.log; echo "FAIL: make rpm"; exit 1; }
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
rpmfile=$(ls build/rpm/RPMS/*/dualmaster-"$version"-*.rpm 2>/dev/null | head -n1)
[ -n "$rpmfile" ] || { echo "FAIL: no binary RPM under build/rpm/RPMS"; exit 1; }
ls build/rpm/SRPMS/dualmaster-"$version"-*.src.rpm >/dev/null || { echo "FAIL: no source RPM"; exit 1; }

fail=0
files=$(rpm -qlp "$rpmfile")
for f in /usr/sbin/dualmasterd /usr/bin/dualmasterctl /usr/lib/systemd/system/dualmasterd.service \
	/etc/dualmaster/dualmaster.conf; do
	grep -qxF "$f" <<<"$files" || { echo "FAIL: $f not in $rpmfile"; fail=1; }
done
# c = %config, n = noreplace
flags=$(rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' "$rpmfile" | sed -n 's|^/etc/dualmaster/dualmaster.conf ||p')
[[ $flags == *c* && $flags == *n* ]] || { echo "FAIL: config flags '$flags', want %config(noreplace)"; fail=1; }
unit=$(rpm2archive - <"$rpmfile" | tar -xzO ./usr/lib/systemd/system/dualmasterd.service)
grep -qxF 'ExecStart=/usr/sbin/dualmasterd -f /etc/dualmaster/dualmaster.conf' <<<"$unit" ||
	{ echo "FAIL: unit ExecStart not substituted:"; grep ExecStart <<<"$unit"; fail=1; }
rpm -qp --scripts "$rpmfile" | grep -q 'useradd -r -g dualmaster' || { echo "FAIL: no user creation"; fail=1; }
[ $fail -eq 0 ] && echo "RPM ok: $rpmfile"
exit $fail
