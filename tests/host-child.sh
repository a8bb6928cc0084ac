#!/bin/bash
# The host and its children talk without the wire: the parent's own stack
# reaches a child in another namespace and the child reaches the parent's
# addresses, IPv4 and IPv6, ping and TCP, both ways; the other host's
# capture shows none of it. The egress hook that does it is on the parent
# only while a child is in another namespace, or a mirror sees the output. Needs netfilter egress hooks (5.16
# and later).
. "${0%/*}/lib/lib.sh"

if ! kernel_at_least 5 16; then
	echo "1..0 # SKIP no netfilter egress hook before 5.16 ($(uname -r))"
	exit 0
fi
export IP_LIB_DIR=$VIRT_BUILD/iproute2	# mode mirror, mirror-tx
topo_addressed
modprobe -q nfnetlink_hook
# egress_hooks: the hooks on eth0's egress, "FUNCTION MODULE" a line.
# nfnetlink_hook lists egress hooks on 6.12 (the one of 6.1 answers
# EINVAL): where it can't, the hook checks are left out, saying so.
egress_hooks() { "${0%/*}/lib/nfhooks.py" eth0; }
if kernel_at_least 6 12; then
	need egress_hooks
	hooks=yes
elif ! out=$(egress_hooks 2>&1); then
	diag "this kernel doesn't list egress hooks ($out): their checks are left out"
	hooks=
else
	hooks=yes
fi
# hook_check DESC EXPECTED: eth0's egress hooks are EXPECTED, where listed.
hook_check() { [ -z "$hooks" ] || check_eq "$1" "$2" "$(egress_hooks)"; }
need modprobe virt_full
hook_check "with the module loaded and no child, eth0 has no egress hook" ""
# The hook only for a child in another namespace: the host's stack
# reaches the addresses of its own namespace without the parent.
need ip link add link eth0 name virt9 type virt
hook_check "a child in the host's own namespace: no egress hook" ""
need ip netns add c9
need ip link set virt9 netns c9
hook_check "moved to another namespace, it brings the hook" "vfull_host_out virt_full"
need ip -n c9 link set virt9 netns 1
hook_check "moved back, the hook goes" ""
need ip link del virt9
need sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
need ip addr add 2001:db8:1::1/64 dev eth0 nodad
child virt1 eth0 c1
need ip netns exec c1 sysctl -qw net.ipv6.conf.virt1.disable_ipv6=0
need ip -n c1 addr add 198.51.100.2/24 dev virt1
need ip -n c1 addr add 2001:db8:2::2/64 dev virt1 nodad
# On-link routes both ways: the host and the child resolve each other.
need ip route add 198.51.100.2/32 dev eth0
need ip -6 route add 2001:db8:2::2/128 dev eth0
need ip -n c1 route add 192.0.2.0/24 dev virt1
need ip -n c1 -6 route add 2001:db8:1::/64 dev virt1

# The host's own broadcasts reach a child in another namespace (through
# the egress hook), and no copy is made for one in the host's own, which
# shares its stack (and would drop them: their source is its own),
# whatever other children there are.
need ip link add link eth0 name virt9 type virt
need ip link set virt9 up
copies9=$(ethstat virt9 rx_copy)
udp_listen -n c1 b_virt1 4100 --dev virt1
need "$UDP" send 255.255.255.255 4100 3 --dev eth0
check "the host's broadcasts reach virt1 in c1" udp_count_is b_virt1 3
check_eq "... and no copy is made for virt9, in the host's namespace" 0 \
	$(($(ethstat virt9 rx_copy) - copies9))
need ip link del virt9

cap_start wire eth1 remote
check "the host pings virt1 in c1" ping -c 3 -i 0.2 -W 2 198.51.100.2
check "virt1 in c1 pings the host" ip netns exec c1 ping -c 3 -i 0.2 -W 2 192.0.2.1
check "the host pings virt1 over IPv6" ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::2
check "virt1 pings the host over IPv6" ip netns exec c1 ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::1
iperf_server c1 198.51.100.2 5201
iperf_server root 192.0.2.1 5202
iperf_server c1 2001:db8:2::2 5203
to_child=$(iperf_mbps root -- -c 198.51.100.2 -p 5201 -t 2)
to_host=$(iperf_mbps c1 -- -c 192.0.2.1 -p 5202 -t 2)
to_child6=$(iperf_mbps root -- -c 2001:db8:2::2 -p 5203 -t 2)
diag "iperf3 TCP: host to child $to_child Mbit/s, child to host $to_host Mbit/s, host to child over IPv6 $to_child6 Mbit/s"
check "TCP from the host to the child" test "${to_child:-0}" -gt 0
check "TCP from the child to the host" test "${to_host:-0}" -gt 0
check "TCP from the host to the child over IPv6" test "${to_child6:-0}" -gt 0
# The capture's last frame, after all of the above: the other host's ping
# to the parent. Then nothing of the host and its child may be in it: no
# packet to or from the child, no ARP request for it, and no neighbour
# solicitation (to its solicited-node group, ff02::1:ff00:2).
check "the other host still reaches the host" R ping -c 1 -W 2 192.0.2.1
check "the wire's capture ran to that ping" \
	cap_stop wire 1 'icmp[icmptype] == icmp-echoreply and src host 192.0.2.1'
check_eq "the wire saw none of it" 0 \
	"$(cap_count wire 'host 198.51.100.2 or host 2001:db8:2::2 or ip6 dst ff02::1:ff00:2 or (arp and arp[24:4] == 0xc6336402)')"
check "the other host still reaches virt1" R ping -c 1 -W 2 198.51.100.2
check "virt1 counted frames delivered locally" \
	test "$(ethstat virt1 rx_local c1)" -gt 0
hook_check "with a child, eth0 has our egress hook" "vfull_host_out virt_full"
# A child's frames skip netfilter's egress on the parent only where ours
# is its only hook: a user's own chain there sees them, as with ipvlan.
need nft add table netdev t
need nft add chain netdev t out "{ type filter hook egress device eth0 priority 0; }"
need nft add rule netdev t out ip saddr 198.51.100.2 icmp type echo-request counter
check "virt1 in c1 pings the other host" ip netns exec c1 ping -c 3 -i 0.2 -W 2 198.51.100.1
check_match "a user's nftables egress chain on eth0 saw its 3 requests" \
	"counter packets 3 " "$(nft list chain netdev t out)"
need nft delete table netdev t
need ip -n c1 link del virt1
hook_check "the last child gone, eth0 has none again" ""
# A mirror that sees the parent's output needs the hook too, only then.
need ip link add link eth0 name mirror0 type virt mode mirror
hook_check "a mirror without mirror-tx: no hook" ""
need ip link set mirror0 type virt mirror-tx on
hook_check "mirror-tx on: the hook" "vfull_host_out virt_full"
need ip link set mirror0 type virt mirror-tx off
hook_check "mirror-tx off: no hook" ""
need ip link del mirror0
done_testing
