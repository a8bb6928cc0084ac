#!/bin/bash
# The configurations real networks have: an MTU asked for at creation and
# jumbo parents; VLANs (on a child: refused, as ipvlan does; on the parent,
# with the host's tagged traffic left alone and children on the VLAN
# device); bonds as parents; a child as a bridge port (refused); DHCP
# clients and ARP probes, whose broadcasts come from no address;
# allmulticast; IPv6 with extension headers; a neighbour that changes its
# MAC; netconsole. Runs against
# ipvlan too (VIRT_CHILD_KIND=ipvlan): what only virt has is skipped there.
. "${0%/*}/lib/lib.sh"

topo_addressed
rmac=$(R cat /sys/class/net/eth1/address)
kind=$(child_type)
# c1 NAME FIELD: a counter of NAME in namespace c1.
c1() { counter "$1" "$2" c1; }

# MTU: asked for at creation, held to the parent's; a jumbo parent's too.
# shellcheck disable=SC2086 # the kind's words
check "ip link add ... mtu 1400 type $kind" ip link add link eth0 name v1 mtu 1400 type $kind
check_eq "the child has the MTU asked for" 1400 "$(mtu v1)"
need ip link del v1
if is_virt; then
	out=$(ip link add link eth0 name v1 mtu 1600 type virt 2>&1)
	check_match "an MTU above the parent's is refused, and says why" "greater than the parent" "$out"
fi
need ip link set eth0 mtu 9000
need R ip link set eth1 mtu 9000
child v1 eth0 c1
need ip -n c1 addr add 198.51.100.2/24 dev v1
check_eq "a jumbo parent's child starts at 9000" 9000 "$(ip netns exec c1 cat /sys/class/net/v1/mtu)"
check "a jumbo frame reaches it: ping -s 8972 -M do" R ping -c 2 -i 0.2 -W 2 -s 8972 -M do 198.51.100.2
need ip link set eth0 mtu 1500
need R ip link set eth1 mtu 1500
check_eq "the child follows the parent back to 1500" 1500 "$(ip netns exec c1 cat /sys/class/net/v1/mtu)"

# A VLAN on a child would never receive: the demux goes by address, not
# by VLAN. Refused, as ipvlan does; the VLAN goes on the parent.
need ip link add link eth0 name eth0.10 type vlan id 10
check_fails "a VLAN on the child is refused (one on the parent was made)" \
	ip -n c1 link add link v1 name v1.10 type vlan id 10
need ip link set eth0.10 up
need R ip link add link eth1 name eth1.10 type vlan id 10
need R ip link set eth1.10 up
need R ip addr add 203.0.113.1/24 dev eth1.10
child v10 eth0.10 c10
need ip -n c10 addr add 203.0.113.2/24 dev v10
check "a child on the VLAN device eth0.10 answers, tagged" R ping -c 2 -i 0.2 -W 2 203.0.113.2
check "the untagged child still answers" R ping -c 2 -i 0.2 -W 2 198.51.100.2

# The host's tagged traffic is the VLAN's, whatever the children hold on
# the untagged LAN: another host on VLAN 10 has 198.51.100.2, as v1 does
# on the untagged LAN, and the host reaches that one.
need R ip addr add 198.51.100.2/32 dev eth1.10
need ip addr add 203.0.113.3/24 dev eth0.10
need ip route add 198.51.100.2/32 dev eth0.10 src 203.0.113.3
v1rx=$(c1 v1 rx_packets)
check "the host reaches 198.51.100.2 on VLAN 10: the other host's" \
	ping -c 2 -i 0.2 -W 2 198.51.100.2
check_eq "... and v1, holding it untagged, got none of it" 0 $(($(c1 v1 rx_packets) - v1rx))
need ip route del 198.51.100.2/32 dev eth0.10
need R ip addr del 198.51.100.2/32 dev eth1.10

# A VLAN the parent has no device for: its frames reach the parent's
# handler tagged (the tag beside the frame), and a frame on VLAN 20 for
# v1's address is not v1's. eth0 promiscuous, or its NIC would drop the
# VLAN it doesn't know; the frames are for its MAC all the same.
need R ip link add link eth1 name eth1.20 type vlan id 20
need R ip link set eth1.20 up
# Counted by what a steered frame adds (rx_addr; ipvlan: rx_packets),
# not by all v1 receives: copies of the LAN's broadcasts come meanwhile.
need ip link set eth0 promisc on
steered() { if is_virt; then ethstat v1 rx_addr c1; else c1 v1 rx_packets; fi; }
v1rx=$(steered) e0rx=$(counter eth0 rx_packets)
need R "$FRAMES" eth1.20 ping 198.51.100.1 198.51.100.2 --to "$(mac eth0)" --count 3
sleep 1
check "eth0 received the 3 pings on VLAN 20" test $(($(counter eth0 rx_packets) - e0rx)) -ge 3
check_eq "v1 got none of them, though they are for its address (no eth0.20)" 0 \
	$(($(steered) - v1rx))
need ip link set eth0 promisc off

# A child's broadcasts from no address (a DHCP discover, an ARP probe):
# each sibling hears each once, the sender never hears its own back, the
# wire has it once. Neighbours pinned: no other broadcast in between.
need R ip neigh replace 192.0.2.1 lladdr "$(mac eth0)" dev eth1 nud permanent
need ip neigh replace 192.0.2.2 lladdr "$rmac" dev eth0 nud permanent
child v2 eth0 c2
child v3 eth0 c3
udp_listen -n c2 dhcp2 67
udp_listen -n c3 dhcp3 67
v1rx=$(c1 v1 rx_packets)
v3rx=$(counter v3 rx_packets c3)
cap_start bcast eth1 remote
need ip netns exec c1 "$FRAMES" v1 dhcp --count 3
need ip netns exec c1 "$FRAMES" v1 arp-probe 198.51.100.77 --count 2
check "the siblings hear the 3 discovers" udp_count_is dhcp2 3
check "... in each namespace" udp_count_is dhcp3 3
need R ping -c 1 -W 2 192.0.2.1
check "the capture ran to the other host's last ping" \
	cap_stop bcast 1 'icmp[icmptype] == icmp-echoreply and src host 192.0.2.1'
check_eq "... and only once each" "3 3" "$(udp_count dhcp2) $(udp_count dhcp3)"
check_eq "v3 received the 3 discovers and 2 probes, once each" 5 \
	$(($(counter v3 rx_packets c3) - v3rx))
check_eq "the sender heard nothing of its own" 0 $(($(c1 v1 rx_packets) - v1rx))
check_eq "the wire has the 3 discovers and 2 probes, once each" "3 2" \
	"$(cap_count bcast 'udp and src host 0.0.0.0 and dst port 67') $(cap_count bcast 'arp and arp[14:4] == 0 and arp[24:4] == 0xc633644d')"

# The same from a MAC not the child's (spoofchk off: a container may): the
# parent's stack gets no copy, whose return through the parent's handler
# would reach every sibling twice and the sender once (ipvlan does that).
v3rx=$(counter v3 rx_packets c3)
v1rx=$(c1 v1 rx_packets)
cap_start forged eth1 remote
need ip netns exec c1 "$FRAMES" v1 dhcp --mac 02:00:00:00:00:99 --count 3
need R ping -c 1 -W 2 192.0.2.1
check "the capture ran to the other host's last ping" \
	cap_stop forged 1 'icmp[icmptype] == icmp-echoreply and src host 192.0.2.1'
check "forged source MAC: each sibling hears the 3 discovers" udp_count_is dhcp2 6
check "... in each namespace" udp_count_is dhcp3 6
check_eq "... once each" 3 $(($(counter v3 rx_packets c3) - v3rx))
check_eq "... the sender hears none back" 0 $(($(c1 v1 rx_packets) - v1rx))
check_eq "... the wire has them once" 3 \
	"$(cap_count forged 'udp and src host 0.0.0.0 and dst port 67 and ether src 02:00:00:00:00:99')"

# allmulticast on a child is the parent's too: its NIC must let every
# group in (and, as with macvlan, only while the child is up). ip -d link
# shows how many ask the parent for it.
allmulti() { ip -d link show eth0 | grep -o 'allmulti [0-9]*'; }
if kernel_at_least 6 1; then
	check_eq "eth0 starts with nobody asking for allmulticast" "allmulti 0" "$(allmulti)"
	need ip -n c1 link set v1 allmulticast on
	check_eq "v1 allmulticast on: eth0 is asked once" "allmulti 1" "$(allmulti)"
	if is_virt; then
		need ip -n c1 link set v1 down
		check_eq "v1 down: not any more" "allmulti 0" "$(allmulti)"
		need ip -n c1 link set v1 up
		check_eq "v1 up again: again" "allmulti 1" "$(allmulti)"
	fi
	need ip -n c1 link set v1 allmulticast off
	check_eq "v1 allmulticast off: eth0 is not asked" "allmulti 0" "$(allmulti)"
else
	diag "$(uname -r) doesn't report how many ask a device for allmulticast"
fi

# A bond as the parent.
need ip link add bond9 type bond mode active-backup
need ip link add vb0 type veth peer name vb1
need ip link set vb1 netns remote
need ip link set vb0 master bond9
need ip link set bond9 up
need R ip link set vb1 up
need R ip addr add 203.0.113.129/25 dev vb1
child vbond bond9 cb
need ip -n cb addr add 203.0.113.130/25 dev vbond
check "a child on a bond answers through it" R ping -c 2 -i 0.2 -W 2 203.0.113.130

# A child as a bridge port: refused, as for ipvlan (nothing may add a
# receive handler to a child).
need ip -n c1 link add br9 type bridge
check_fails "a child can't be a bridge port" ip -n c1 link set v1 master br9

# IPv6 with extension headers: fragments reach the child.
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:2::1/64 dev eth1 nodad
need ip netns exec c1 sysctl -qw net.ipv6.conf.v1.disable_ipv6=0
need ip -n c1 addr add 2001:db8:2::2/64 dev v1 nodad
check "a fragmented IPv6 ping (fragment headers) reaches the child" \
	R ping -6 -c 2 -i 0.2 -W 2 -s 3000 2001:db8:2::2

# A neighbour that changes its MAC says so to everyone (arp_notify: a
# gratuitous ARP; ndisc_notify: an unsolicited NA to ff02::1). The child
# has to hear it, or it keeps sending to the old MAC, which the other
# host's NIC no longer takes. (ARP ignores news about an entry made less
# than a second ago: locktime.)
need ip netns exec c1 ping -c 1 -W 2 198.51.100.1
need ip netns exec c1 ping -6 -c 1 -W 2 2001:db8:2::1
sleep 1.2
need R sysctl -qw net.ipv4.conf.eth1.arp_notify=1 net.ipv6.conf.eth1.ndisc_notify=1
need R ip link set eth1 address 02:00:00:00:00:e1
v1_knows() { ip -n c1 neigh show "$1" dev v1 | grep -q "lladdr 02:00:00:00:00:e1 "; }
check "the other host changes its MAC: the child's neighbour entry follows (ARP)" \
	wait_for 5 v1_knows 198.51.100.1
check "... and for IPv6 (unsolicited NA)" wait_for 5 v1_knows 2001:db8:2::1
check "the child reaches it at its new MAC" ip netns exec c1 ping -c 1 -W 2 198.51.100.1
need R ip link set eth1 address "$rmac"

# netconsole on a child: refused with a message, rather than a warning
# from the parent's transmit path, run with IRQs off (the log scan would
# see one). The same target on eth0 is enabled: the refusal is the child's.
modprobe -q netconsole 2>/dev/null
[ -d /sys/kernel/config/netconsole ] || mount -t configfs none /sys/kernel/config 2>/dev/null
if is_virt && [ -d /sys/kernel/config/netconsole ]; then
	nc=/sys/kernel/config/netconsole/nc0
	need ip -n c2 link set v2 netns 1
	need mkdir "$nc"
	need sh -c "echo 192.0.2.1 >$nc/local_ip && echo 192.0.2.2 >$nc/remote_ip && echo $rmac >$nc/remote_mac"
	need sh -c "echo eth0 >$nc/dev_name"
	check "netconsole on eth0 is enabled" sh -c "echo 1 >$nc/enabled"
	need sh -c "echo 0 >$nc/enabled"
	need sh -c "echo v2 >$nc/dev_name"
	klog_mark
	check_fails "netconsole on a child is refused" sh -c "echo 1 >$nc/enabled"
	check_match "... and the log says why" "v2 doesn't support polling" "$(klog_new)"
	need rmdir "$nc"
else
	diag "no netconsole here (or not virt): not tried"
fi
done_testing
