#!/usr/bin/env bash
# vip_netlink and garp against the real kernel: VIP add/delete/count/primary in a namespace, GARPs
# seen by a second namespace on the other end of a veth pair.
set -u
cd "$(dirname "$0")/../.."

skip() { echo "skip: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, CAP_NET_ADMIN, CAP_NET_RAW)"
command -v ip >/dev/null || skip "no ip(8)"
make -s build/tools/vip_tool || fail "cannot build build/tools/vip_tool"
tool=$PWD/build/tools/vip_tool

tag=dm$$
ns=${tag}vip; peer=${tag}peer
ifa=${tag}a; ifb=${tag}b
tmp=$(mktemp -d)
listen_pid=

cleanup() {
	if [ -n "$listen_pid" ]; then
		kill "$listen_pid" 2>/dev/null
		wait "$listen_pid" 2>/dev/null
	fi
	ip netns del "$ns" 2>/dev/null
	ip netns del "$peer" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns" || skip "cannot create network namespaces"
ip netns add "$peer" || fail "second namespace"
ip -n "$ns" link add "$ifa" type veth peer name "$ifb" netns "$peer" || fail "veth pair"
ip -n "$ns" link set lo up
ip -n "$peer" link set lo up
ip -n "$peer" addr add 192.0.2.2/24 dev "$ifb"
# Linux creates neighbour entries from gratuitous ARP only with arp_accept; otherwise it only
# refreshes entries it already has.
ip netns exec "$peer" sysctl -qw "net.ipv4.conf.$ifb.arp_accept=1" || fail "arp_accept"
ip -n "$ns" link set "$ifa" up
ip -n "$peer" link set "$ifb" up

# Bounded poll: up to 5 s in 0.1 s steps.
wait_for() {
	local i
	for i in $(seq 50); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
carrier() { ip -n "$ns" link show "$ifa" | grep -q LOWER_UP; }
wait_for carrier || fail "veth carrier did not come up"

in_ns() { ip netns exec "$ns" "$tool" "$@"; }
addrs() { ip -n "$ns" -4 -o addr show dev "$ifa"; }

# The /32 VIP goes on first so it sits ahead of the real address in the kernel's list: a primary
# lookup that fails to skip VIPs must then return it.
in_ns add "$ifa" 192.0.2.51/32 || fail "add the /32 VIP alone"
ip -n "$ns" addr add 192.0.2.1/24 dev "$ifa" || fail "real address"

echo "== add both VIPs, one of them already there"
in_ns add "$ifa" 192.0.2.50/24 192.0.2.51/32 || fail "add with one VIP present must succeed"
addrs
# ip -o ends each address's first part with a backslash.
label="${ifa}:dm( |\\\\|$)"
addrs | grep -Eq "inet 192\.0\.2\.50/24 .*secondary $label" || fail "192.0.2.50/24 with label ${ifa}:dm"
addrs | grep -Eq "inet 192\.0\.2\.51/32 .*global $label" || fail "192.0.2.51/32 with label ${ifa}:dm"

echo "== label on a 15-character interface name: the bare name, not a cut suffix"
long=$(printf '%s' "${tag}longinterface" | cut -c1-15)
ip -n "$ns" link add "$long" type veth peer name "${tag}c" || fail "long-named veth"
in_ns add "$long" 192.0.2.60/32 || fail "add on $long"
ip -n "$ns" -4 -o addr show dev "$long" | grep -Eq "inet 192\.0\.2\.60/32 .*global $long( |\\\\|$)" ||
	fail "label on $long: $(ip -n "$ns" -4 -o addr show dev "$long")"
ip -n "$ns" link del "$long"

echo "== add again: idempotent"
in_ns add "$ifa" 192.0.2.50/24 192.0.2.51/32 || fail "second add must return 0"
[ "$(addrs | grep -c 'inet 192\.0\.2\.5[01]/')" -eq 2 ] || fail "second add changed the address list"

echo "== count"
out=$(in_ns count "$ifa" 192.0.2.50/24 192.0.2.51/32) || fail "count"
[ "$out" = 2 ] || fail "count present: got '$out', want 2"
out=$(in_ns count "$ifa" 192.0.2.50/24 192.0.2.51/32 192.0.2.52/32) || fail "count"
[ "$out" = 2 ] || fail "count with an absent VIP: got '$out', want 2"

echo "== primary address"
order=$(addrs | awk '{print $4}' | tr '\n' ' ')
case $order in
"192.0.2.51/32 192.0.2.1/24 "*) ;;
*) fail "precondition: want the /32 VIP ahead of 192.0.2.1, kernel order is: $order" ;;
esac
out=$(in_ns primary "$ifa") || fail "primary without VIPs"
[ "$out" = 192.0.2.51 ] || fail "primary without VIPs: got '$out', want the first primary 192.0.2.51"
out=$(in_ns primary "$ifa" 192.0.2.50/24 192.0.2.51/32) || fail "primary"
[ "$out" = 192.0.2.1 ] || fail "primary: got '$out', want 192.0.2.1 (the /32 VIP is flagged primary too)"
# With 192.0.2.1 listed as a VIP, only the secondary 192.0.2.50 is left: it must not be chosen.
if out=$(in_ns primary "$ifa" 192.0.2.51/32 192.0.2.1/24 2>"$tmp/err"); then
	fail "primary must skip secondary addresses, got '$out'"
fi
grep -q "errno 99" "$tmp/err" || fail "primary with no candidate: want EADDRNOTAVAIL, got: $(cat "$tmp/err")"

echo "== errors"
if in_ns count nosuch$$ 192.0.2.50/24 2>"$tmp/err"; then fail "unknown interface accepted"; fi
grep -q "errno 19" "$tmp/err" || fail "unknown interface: want ENODEV, got: $(cat "$tmp/err")"

echo "== MAC"
mac=$(ip -n "$ns" -o link show "$ifa" | sed -n 's/.*link\/ether \([0-9a-f:]*\) .*/\1/p')
[ -n "$mac" ] || fail "cannot read the MAC of $ifa"
out=$(in_ns mac "$ifa") || fail "mac"
[ "$out" = "$mac" ] || fail "mac: got '$out', want '$mac'"

echo "== gratuitous ARP"
for a in 192.0.2.50 192.0.2.51; do
	ip -n "$peer" neigh show "$a" dev "$ifb" | grep -q lladdr && fail "peer knows $a before any GARP"
done
ip netns exec "$peer" "$tool" listen "$ifb" 5000 "$tmp/ready" 192.0.2.50 >"$tmp/frame" &
listen_pid=$!
ready() { [ -e "$tmp/ready" ]; }
wait_for ready || fail "listener not ready"
in_ns garp "$ifa" 192.0.2.50/24 192.0.2.51/32 || fail "garp send"
wait "$listen_pid"
rc=$?
listen_pid=
[ $rc -eq 0 ] || fail "peer saw no ARP from 192.0.2.50 (listener exit $rc)"
m=${mac//:/}
want="ffffffffffff${m}08060001080006040001${m}c0000232ffffffffffffc0000232"
got=$(cat "$tmp/frame")
[ "$got" = "$want" ] || fail "frame on the wire: got $got, want $want"
for a in 192.0.2.50 192.0.2.51; do
	learnt() { ip -n "$peer" neigh show "$a" dev "$ifb" | grep -q "lladdr $mac"; }
	wait_for learnt || fail "peer did not learn $a -> $mac: $(ip -n "$peer" neigh show dev "$ifb")"
done

echo "== delete"
in_ns del "$ifa" 192.0.2.50/24 192.0.2.51/32 || fail "delete"
addrs
addrs | grep -q 'inet 192\.0\.2\.5[01]/' && fail "VIPs still present after delete"
addrs | grep -q 'inet 192\.0\.2\.1/24' || fail "delete took the real address with it"
out=$(in_ns count "$ifa" 192.0.2.50/24 192.0.2.51/32) || fail "count"
[ "$out" = 0 ] || fail "count after delete: got '$out', want 0"

echo "== delete again: idempotent"
in_ns del "$ifa" 192.0.2.50/24 192.0.2.51/32 || fail "second delete must return 0"

echo "== IPv6: link-local source, VIPs without DAD, unsolicited NA"
ll() { ip -n "$ns" -6 -o addr show dev "$ifa" scope link | grep -v tentative | awk '{print $4}' | cut -d/ -f1; }
wait_for eval '[ -n "$(ll)" ]' || fail "no usable link-local address on $ifa"
out=$(in_ns linklocal "$ifa" fe80::51/64) || fail "linklocal"
[ "$out" = "$(ll)" ] || fail "linklocal: got '$out', want $(ll)"
in_ns add "$ifa" 2001:db8::50/64 fe80::51/64 192.0.2.50/24 || fail "add IPv6 and IPv4 VIPs together"
v6() { ip -n "$ns" -6 -o addr show dev "$ifa"; }
v6 | grep -Eq "inet6 2001:db8::50/64 .*nodad" || fail "2001:db8::50/64 without DAD: $(v6)"
v6 | grep -q "fe80::51/64" || fail "fe80::51/64 missing: $(v6)"
v6 | grep "2001:db8::50" | grep -q tentative && fail "the IPv6 VIP is tentative: usable only after DAD"
# Our own VIP never becomes the advert source, even when it is the only link-local left.
out=$(in_ns linklocal "$ifa" fe80::51/64) || fail "linklocal with a link-local VIP"
[ "$out" = "$(ll | grep -v '^fe80::51$' | head -1)" ] || fail "linklocal chose the VIP: $out"
out=$(in_ns count "$ifa" 2001:db8::50/64 fe80::51/64 192.0.2.50/24 2001:db8::52/64) || fail "count"
[ "$out" = 3 ] || fail "count with IPv6: got '$out', want 3"
# An NA with Override replaces what the peer's neighbour cache has (RFC 4861 7.2.5); Linux does
# not create entries from unsolicited NAs, so give it a wrong one first.
ip -n "$peer" addr add 2001:db8::2/64 dev "$ifb" nodad || fail "peer IPv6 address"
ip -n "$peer" -6 neigh replace 2001:db8::50 lladdr 02:00:00:00:00:99 dev "$ifb" nud stale ||
	fail "peer neighbour entry"
in_ns garp "$ifa" 2001:db8::50/64 || fail "NA send"
na_learnt() { ip -n "$peer" -6 neigh show 2001:db8::50 dev "$ifb" | grep -q "lladdr $mac"; }
wait_for na_learnt || fail "peer did not take 2001:db8::50 -> $mac from the NA: $(ip -n "$peer" -6 neigh show dev "$ifb")"
in_ns del "$ifa" 2001:db8::50/64 fe80::51/64 192.0.2.50/24 || fail "delete IPv6 VIPs"
v6 | grep -Eq "2001:db8::50|fe80::51/" && fail "IPv6 VIPs still present after delete: $(v6)"
out=$(in_ns count "$ifa" 2001:db8::50/64 fe80::51/64) || fail "count"
[ "$out" = 0 ] || fail "count after IPv6 delete: got '$out', want 0"

echo "PASS"
