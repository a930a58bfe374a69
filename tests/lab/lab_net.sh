# shellcheck shell=bash
# Test scene, sourced by lab.sh: namespaces, bridge, links, partition, VRRP block, reachability.

# ---- network --------------------------------------------------------------------------------

lab_net_up() {
	local h ns br sw
	sw=$(lab_ns sw)
	br=$(lab_bridge)
	for h in sw "${LAB_HOSTS[@]}"; do
		ns=$(lab_ns "$h")
		ip netns add "$ns" || return 1
		echo "$ns" >>"$LAB_DIR/namespaces"
		ip -n "$ns" link set lo up || return 1
		if [ "${LAB_IPV6:-0}" = 1 ] && [ "$h" != sw ]; then
			# No duplicate address detection: link-local addresses are usable at once, so
			# a daemon started right after lab_up has its advert source.
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
				net.ipv6.conf.default.accept_dad=0 || return 1
		else
			# No IPv6: keeps router solicitations and MLD out of packet captures.
			ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1
		fi
	done
	# STP off so ports forward at once; snooping off so VRRP multicast is always flooded. A fixed
	# bridge MAC: by default it follows the lowest port MAC and could change under the nodes' ARP.
	ip -n "$sw" link add "$br" address 02:00:c0:00:02:01 type bridge stp_state 0 mcast_snooping 0 ||
		return 1
	ip -n "$sw" addr add "$LAB_TIEBREAKER/24" dev "$br" || return 1
	ip -n "$sw" link set "$br" up || return 1
	for h in "${LAB_HOSTS[@]}"; do
		ns=$(lab_ns "$h")
		ip link add "$(lab_if "$h")" netns "$ns" type veth peer name "$(lab_port "$h")" netns "$sw" ||
			return 1
		ip -n "$sw" link set "$(lab_port "$h")" master "$br" up || return 1
		ip -n "$ns" addr add "$(lab_ip "$h")/24" dev "$(lab_if "$h")" || return 1
		if [ "${LAB_IPV6:-0}" = 1 ]; then
			ip -n "$ns" addr add "$(lab_ip6 "$h")/64" dev "$(lab_if "$h")" nodad || return 1
		fi
		ip -n "$ns" link set "$(lab_if "$h")" up || return 1
	done
}

lab_link_down() { ip -n "$(lab_ns sw)" link set "$(lab_port "$1")" down; }
lab_link_up() { ip -n "$(lab_ns sw)" link set "$(lab_port "$1")" up; }

# Isolated bridge ports cannot talk to each other but still reach non-isolated ports and the
# bridge itself: node1 and node2 lose each other, the client and the tiebreaker see both.
lab_partition() {
	local sw
	sw=$(lab_ns sw)
	ip netns exec "$sw" bridge link set dev "$(lab_port node1)" isolated on &&
		ip netns exec "$sw" bridge link set dev "$(lab_port node2)" isolated on
}
lab_heal() {
	local sw
	sw=$(lab_ns sw)
	ip netns exec "$sw" bridge link set dev "$(lab_port node1)" isolated off &&
		ip netns exec "$sw" bridge link set dev "$(lab_port node2)" isolated off
}

# Drops IP protocol 112 (VRRP) in and out of NODE and nothing else; counters show the drops.
lab_block_vrrp() {
	ip netns exec "$(lab_ns "$1")" nft -f - <<-EOF
	table ip dmlab_vrrp {
		chain input {
			type filter hook input priority 0; policy accept;
			ip protocol 112 counter drop;
		}
		chain output {
			type filter hook output priority 0; policy accept;
			ip protocol 112 counter drop;
		}
	}
	EOF
}
lab_unblock_vrrp() { ip netns exec "$(lab_ns "$1")" nft delete table ip dmlab_vrrp; }

# lab_reach FROM IP PORT [TIMEOUT_S]: true if FROM gets an answer from IP:PORT within the timeout,
# a refused connection included (that answer proves the path works without a listener).
lab_reach() {
	local out
	out=$(ip netns exec "$(lab_ns "$1")" timeout "${4:-0.5}" bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1)
	case $? in
	0) return 0 ;;
	124) return 1 ;;
	esac
	grep -q "Connection refused" <<<"$out"
}

# lab_vip_holder [ADDR]: prints node1, node2, none or both: who has ADDR (default the VIP) in its
# namespace.
lab_vip_holder() {
	local n holders=() addr=${1:-$LAB_VIP}
	for n in "${LAB_NODES[@]}"; do
		ip -n "$(lab_ns "$n")" -o addr show 2>/dev/null | grep -q " $addr/" && holders+=("$n")
	done
	case ${#holders[@]} in
	0) echo none ;;
	1) echo "${holders[0]}" ;;
	*) echo both ;;
	esac
}
