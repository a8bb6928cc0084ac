#!/bin/bash
# virt0 follows its parent: carrier (the parent's link and its admin state),
# MTU (and can never exceed it), MAC address. Its own MAC can't be changed.
# Its groups, allmulticast and promiscuity are the parent's too.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need R ip addr add 198.51.100.1/24 dev eth1
need insmod "$VIRT_KO" link=eth0
need ip addr add 198.51.100.2/24 dev virt0
need ip link set virt0 up
check "virt0 is up" wait_for 5 operstate_is virt0 up

# Carrier
need ip link set eth0 down
check "eth0 down: virt0 loses its carrier" wait_for 5 operstate_is virt0 lowerlayerdown
check_match "eth0 down: ip link shows NO-CARRIER on virt0" "NO-CARRIER" "$(ip link show virt0)"
need ip link set eth0 up
check "eth0 up: virt0 is up again" wait_for 5 operstate_is virt0 up
check "eth0 up: virt0 is reachable again" R ping -c 1 -W 2 198.51.100.2

# Carrier of a parent whose link really drops: a veth whose peer goes down.
need rmmod virt
need ip link add vp0 type veth peer name vp1
need ip link set vp1 netns remote
need ip link set vp0 up
need R ip link set vp1 up
need insmod "$VIRT_KO" link=vp0
need ip link set virt0 up
check "veth parent with link: virt0 is up" wait_for 5 operstate_is virt0 up
need R ip link set vp1 down
check "veth peer down: virt0 is lowerlayerdown" wait_for 5 operstate_is virt0 lowerlayerdown
need R ip link set vp1 up
check "veth peer up: virt0 is up again" wait_for 5 operstate_is virt0 up
need rmmod virt
need insmod "$VIRT_KO" link=eth0
need ip addr add 198.51.100.2/24 dev virt0
need ip link set virt0 up

# MTU
check_eq "virt0 starts with eth0's MTU" "$(mtu eth0)" "$(mtu virt0)"
check_fails "virt0 can't exceed eth0's MTU" ip link set virt0 mtu 1501
check_match "... and says why" "mtu greater than device maximum" "$(cat "$T_LOG")"
check "virt0 can go below it" ip link set virt0 mtu 1400
check_eq "virt0 MTU is 1400" 1400 "$(mtu virt0)"
need ip link set eth0 mtu 1300
check_eq "eth0 to 1300: virt0 follows" 1300 "$(mtu virt0)"
check_fails "virt0 can't exceed the new maximum" ip link set virt0 mtu 1400
need ip link set eth0 mtu 1500
check_eq "eth0 back to 1500: virt0 follows" 1500 "$(mtu virt0)"
need R ip link set eth1 mtu 1500
check "a full-size frame crosses: ping -s 1472 -M do" \
	R ping -c 1 -W 2 -s 1472 -M do 198.51.100.2

# MAC
need ip link set eth0 address 02:00:00:00:00:aa
check_eq "eth0's new MAC: virt0 follows" 02:00:00:00:00:aa "$(mac virt0)"
need R ip neigh flush dev eth1
check "virt0 is reachable at the new MAC" R ping -c 1 -W 2 198.51.100.2
check_fails "virt0's own MAC can't be changed" ip link set virt0 address 02:00:00:00:00:bb
# Same MAC, but a dev_id of its own: virt0's IPv6 link-local address is
# not eth0's (DAD would fail it).
need sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 net.ipv6.conf.virt0.disable_ipv6=0
ll() { ip -6 -br addr show dev "$1" scope link | awk '{ print $3 }'; }
check "eth0 and virt0 have IPv6 link-local addresses" \
	wait_for 10 sh -c "ip -6 addr show dev eth0 scope link | grep -q inet6 &&
		ip -6 addr show dev virt0 scope link | grep -q inet6"
check "virt0's link-local is its own, not eth0's" test "$(ll virt0)" != "$(ll eth0)"
check "... and passes DAD" wait_for 10 sh -c '! ip -6 addr show dev virt0 tentative | grep -q inet6'
check_eq "... nothing failed DAD" "" "$(ip -6 addr show dev virt0 dadfailed)"

# Multicast: the groups virt0 joins, and its allmulticast, are eth0's too,
# so that a NIC that filters multicast (QEMU's does) lets them in: the
# other host's neighbour solicitation for an address of virt0's that is
# not derived from the MAC goes to a group eth0 itself never joined.
check "ip maddr add 01:00:5e:01:02:04 dev virt0" ip maddr add 01:00:5e:01:02:04 dev virt0
check_match "... and it is in eth0's filter" "01:00:5e:01:02:04" "$(ip maddr show dev eth0)"
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:2::1/64 dev eth1 nodad
need ip addr add 2001:db8:2::77/64 dev virt0 nodad
check_match "virt0's solicited-node group for it is in eth0's filter" "33:33:ff:00:00:77" \
	"$(ip maddr show dev eth0)"
check "the other host reaches 2001:db8:2::77 on virt0" R ping -6 -c 2 -i 0.2 -W 2 2001:db8:2::77
if kernel_at_least 6 1; then
	need ip link set virt0 allmulticast on
	check_match "virt0 allmulticast on: eth0 is asked for it" "allmulti 1" "$(ip -d link show eth0)"
	need ip link set virt0 allmulticast off
fi
need sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 net.ipv6.conf.virt0.disable_ipv6=1

# Promiscuity: virt0 takes over all of eth0's traffic, so a sniffer on it
# expects eth0's promiscuous view, and gets it while virt0 is up. QEMU's
# NIC filters unicast by MAC unless it is promiscuous: a frame to a
# foreign MAC arrives only then, and the stack (virt0's now) drops it.
promisc() { echo $(($(<"/sys/class/net/$1/flags") & 0x100)); }
check_eq "eth0 is not promiscuous to begin with" 0 "$(promisc eth0)"
need ip link set virt0 promisc on
check_eq "virt0 promisc on: eth0's flags have IFF_PROMISC" 256 "$(promisc eth0)"
check_match "... and ip -d link shows eth0's promiscuity 1" "promiscuity 1( |$)" \
	"$(ip -d link show eth0)"
need ip link set virt0 down
check_eq "virt0 down: eth0 is not promiscuous" 0 "$(promisc eth0)"
need ip link set virt0 up
check_eq "virt0 up again: eth0 is promiscuous again" 256 "$(promisc eth0)"
need ip link set virt0 promisc off
check_eq "virt0 promisc off: eth0's IFF_PROMISC is gone" 0 "$(promisc eth0)"
check_match "... and its promiscuity is 0" "promiscuity 0( |$)" "$(ip -d link show eth0)"
need R ip neigh replace 198.51.100.2 lladdr 02:00:00:00:00:99 dev eth1 nud permanent
cap_start foreign virt0
check_eq "tcpdump -i virt0 makes eth0 promiscuous" 256 "$(promisc eth0)"
check_fails "the other host's pings to 198.51.100.2 at a foreign MAC get no answer" \
	R ping -c 3 -i 0.2 -W 1 198.51.100.2
check "tcpdump -i virt0 sees them" \
	cap_stop foreign 3 'ether dst 02:00:00:00:00:99 and icmp[icmptype] = icmp-echo'
check_eq "... and no answer to them" 0 "$(cap_count foreign 'icmp[icmptype] = icmp-echoreply')"
check_eq "tcpdump gone: eth0 is not promiscuous" 0 "$(promisc eth0)"
need R ip neigh del 198.51.100.2 dev eth1

# Offloads: virt0 offers segmentation, scatter-gather and checksum offload
# whatever eth0 has, and eth0 does in software what its hardware can't:
# TCP through virt0 works, both ways, with every offload of eth0 off.
feat=$(ethtool -k virt0)
check_match "virt0 offers TCP segmentation offload" "^tcp-segmentation-offload: on" "$feat"
check_match "virt0 offers scatter-gather" "^scatter-gather: on" "$feat"
check_match "virt0 offers checksum offload" "^tx-checksumming: on" "$feat"
tcp_with_parent_offloads_off virt0 198.51.100.2

check "rmmod virt" rmmod virt
done_testing
