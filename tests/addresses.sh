#!/bin/bash
# Addresses decide where frames go. An address held by another child of the
# same parent, or by the parent itself, is refused with a message (and the
# parent can't take one a child holds); an address added while the child is
# down answers once it is up, and only then; a removed address stops
# answering; many addresses on one child all answer.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need R ip addr add 192.0.2.2/24 dev eth1
need R ip addr add 198.51.100.1/24 dev eth1
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:2::1/64 dev eth1 nodad
need ip addr add 192.0.2.1/24 dev eth0
need sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
need ip addr add 2001:db8:1::1/64 dev eth0 nodad
child virt1 eth0
child virt2 eth0 c2
need ip netns exec c2 sysctl -qw net.ipv6.conf.virt2.disable_ipv6=0
need sysctl -qw net.ipv6.conf.virt1.disable_ipv6=0
need ip addr add 198.51.100.2/24 dev virt1
need ip addr add 2001:db8:2::2/64 dev virt1 nodad

# refused_addr DESC MSG_REGEX ip ARGS...: the command fails and says why.
refused_addr() {
	local desc=$1 re=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		nok "$desc is refused"
	else
		check_match "$desc is refused: $re" "$re" "$out"
	fi
}
refused_addr "virt2 taking virt1's IPv4 address" "already assigned to another virt device" \
	ip -n c2 addr add 198.51.100.2/24 dev virt2
refused_addr "virt2 taking virt1's IPv6 address" "already assigned to another virt device" \
	ip -n c2 addr add 2001:db8:2::2/64 dev virt2 nodad
refused_addr "virt2 taking eth0's IPv4 address" "already assigned to the parent" \
	ip -n c2 addr add 192.0.2.1/24 dev virt2
refused_addr "virt2 taking eth0's IPv6 address" "already assigned to the parent" \
	ip -n c2 addr add 2001:db8:1::1/64 dev virt2 nodad
refused_addr "eth0 taking virt1's IPv4 address" "assigned to a virt device on this interface" \
	ip addr add 198.51.100.2/24 dev eth0
refused_addr "eth0 taking virt1's IPv6 address" "assigned to a virt device on this interface" \
	ip addr add 2001:db8:2::2/64 dev eth0 nodad
check "virt1 still answers for its address" R ping -c 1 -W 2 198.51.100.2

# ARP and NDP for a child's address reach that child alone: the parent,
# in the same namespace, would answer the ARP request too (Linux answers
# for any address of its namespace), and the sibling would count copies.
# One answer of each on the wire; nothing for the sibling. Both ends
# forget each other first: a probe that virt1 sent for the other host
# would teach it virt1's MAC without a reply (seen on the debug kernel,
# where the probe of the ping above came 5 s later, after the flush).
need R ip neigh flush dev eth1
need ip neigh flush dev virt1
v2rx=$(counter virt2 rx_packets c2)
cap_start nd eth1 remote
need R ping -c 1 -W 2 198.51.100.2
need R ping -6 -c 1 -W 2 2001:db8:2::2
check "the other host's capture ran to the last echo reply" \
	cap_stop nd 1 'icmp6 and ip6[40] == 129 and src host 2001:db8:2::2'
check_eq "one ARP reply for virt1's address: virt1's, not eth0's too" 1 \
	"$(cap_count nd 'arp and arp[6:2] == 2 and arp[14:4] == 0xc6336402')"
check_eq "one neighbour advertisement for virt1's IPv6 address" 1 \
	"$(cap_count nd "icmp6 and ip6[40] == 136 and ether src $(mac eth0)")"
check_eq "virt2 received none of it" 0 $(($(counter virt2 rx_packets c2) - v2rx))

# Added while down: nothing answers until the child is up; what came for
# it meanwhile is counted (drop_down) and left to the parent.
need ip -n c2 link set virt2 down
need ip -n c2 addr add 198.51.100.3/24 dev virt2
down0=$(ethstat virt2 drop_down c2)
check_fails "virt2 down: its address does not answer" R ping -c 2 -W 1 198.51.100.3
check "virt2 down: what came for it is counted in drop_down" \
	test $(($(ethstat virt2 drop_down c2) - down0)) -gt 0
need ip -n c2 link set virt2 up
need R ip neigh flush dev eth1	# forget the failed resolution
check "virt2 up: its address answers" R ping -c 2 -W 2 198.51.100.3
need ip -n c2 link set virt2 down
# The other host knows virt2's MAC now: its echo requests come unicast,
# no ARP first, and take the demux's short way.
need R ip neigh replace 198.51.100.3 lladdr "$(mac eth0)" dev eth1 nud permanent
down0=$(ethstat virt2 drop_down c2)
check_fails "virt2 down again: silent again" R ping -c 2 -W 1 198.51.100.3
check_eq "virt2 down again: both echo requests counted in drop_down" 2 \
	$(($(ethstat virt2 drop_down c2) - down0))
need R ip neigh del 198.51.100.3 dev eth1
need ip -n c2 link set virt2 up

# Removed: no longer steered; the address can go to a sibling.
need ip -n c2 addr del 198.51.100.3/24 dev virt2
need R ip neigh flush dev eth1
check_fails "removed from virt2: 198.51.100.3 is silent" R ping -c 2 -W 1 198.51.100.3
check "virt1 can take it now" ip addr add 198.51.100.3/24 dev virt1
need R ip neigh flush dev eth1
check "and answers for it" R ping -c 1 -W 2 198.51.100.3

# One address under two prefixes (DHCP's and a static one, say): it is
# steered until the last of them goes. (virt2, in c2: virt1's addresses
# would be answered by the root namespace through eth0 anyway.)
klog_mark
need ip -n c2 addr add 198.51.100.7/24 dev virt2
need ip -n c2 addr add 198.51.100.7/25 dev virt2
need ip -n c2 addr del 198.51.100.7/24 dev virt2
need R ip neigh flush dev eth1
check "198.51.100.7 under /25 still answers once its /24 is gone" R ping -c 1 -W 2 198.51.100.7
need ip -n c2 addr del 198.51.100.7/25 dev virt2
need R ip neigh flush dev eth1
check_fails "and not once the /25 is gone too" R ping -c 2 -W 1 198.51.100.7
# A secondary address promoted when the primary goes: it stays steered,
# without a word of complaint.
need ip netns exec c2 sysctl -qw net.ipv4.conf.virt2.promote_secondaries=1
need ip -n c2 addr add 198.51.100.5/24 dev virt2
need ip -n c2 addr add 198.51.100.6/24 dev virt2
need ip -n c2 addr del 198.51.100.5/24 dev virt2
check_match "198.51.100.6 was promoted" "inet 198.51.100.6/24 .*virt2$" "$(ip -n c2 -4 addr show dev virt2)"
need R ip neigh flush dev eth1
check "the promoted address answers" R ping -c 1 -W 2 198.51.100.6
check_eq "no 'not steered here' warning about either" "" "$(klog_new | grep 'not steered here')"

# Many addresses on one child: all 200 are held, and all answer.
for i in $(seq 10 209); do echo "203.0.113.$i"; done >"$T_TMP/many"
sed 's|^\(.*\)$|addr add \1/32 dev virt2|' "$T_TMP/many" >"$T_TMP/batch"
need ip -n c2 -batch "$T_TMP/batch"
need R ip route add 203.0.113.0/24 dev eth1
need ip -n c2 route replace 198.51.100.0/24 dev virt2
check_eq "virt2 holds the 200 addresses" 200 "$(ip -n c2 -4 addr show dev virt2 | grep -c 'inet 203')"
# Up to 30 s (it ends when all have answered): 200 ARP resolutions on the
# debug kernel, starved by a loaded host (its clocksource watchdog saw 1 s
# readouts), outlasted the default 5 s once, with 1 answer.
check_eq "all 200 answer from the other host" 200 \
	"$(R "$SWEEP" --timeout 30 --from 198.51.100.1 $(cat "$T_TMP/many") | wc -l)"
done_testing
