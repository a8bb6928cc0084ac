#!/bin/bash
# Many children: two on one parent, one on a second parent, children in
# their own namespaces. Each answers for itself; a child reaches a sibling
# and the parent's own address without a frame on the wire.
#
#   eth0 (192.0.2.1) + virt1 (198.51.100.2, root ns) + virt2 (198.51.100.3, ns c2)
#   vp0 (veth, peer vp1 in remote) + virt3 (203.0.113.2, ns c3)
. "${0%/*}/lib/lib.sh"

topo_addressed
need ip link add vp0 type veth peer name vp1
need ip link set vp1 netns remote
need ip link set vp0 up
need R ip link set vp1 up
need R ip addr add 203.0.113.1/24 dev vp1

child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1
child virt2 eth0 c2
need ip -n c2 addr add 198.51.100.3/24 dev virt2
child virt3 vp0 c3
need ip -n c3 addr add 203.0.113.2/24 dev virt3

check "remote reaches virt1 on eth0" R ping -c 2 -i 0.2 -W 2 198.51.100.2
check "remote reaches virt2 on eth0, in namespace c2" R ping -c 2 -i 0.2 -W 2 198.51.100.3
check "remote reaches virt3 on vp0, in namespace c3" R ping -c 2 -i 0.2 -W 2 203.0.113.2
check "remote still reaches eth0" R ping -c 2 -i 0.2 -W 2 192.0.2.1
check_eq "virt1 and virt2 have distinct dev_ids" 2 \
	"$( (cat /sys/class/net/virt1/dev_id; ip netns exec c2 cat /sys/class/net/virt2/dev_id) | sort -u | wc -l)"

# Sibling to sibling, and child to parent: local, never on the wire.
cap_start wire eth1 remote
check "virt1 (root ns) pings its sibling virt2 (c2)" ping -c 3 -i 0.2 -W 2 198.51.100.3
check "virt2 (c2) pings its sibling virt1" ip netns exec c2 ping -c 3 -i 0.2 -W 2 198.51.100.2
udp_listen parent 4000 --dev eth0
mac0=$(mac eth0)
need ip -n c2 neigh replace 192.0.2.1 lladdr "$mac0" dev virt2 nud permanent
need ip -n c2 route add 192.0.2.0/24 dev virt2
need ip netns exec c2 "$UDP" send 192.0.2.1 4000 3
check "virt2 (c2) reaches a socket on eth0's own address" udp_count_is parent 3
# The capture's last frame, after all of the above: the other host's ping.
need R ping -c 1 -W 2 192.0.2.1
check "the wire's capture ran to the other host's last ping" \
	cap_stop wire 1 'icmp[icmptype] == icmp-echoreply and src host 192.0.2.1'
check_eq "the wire saw no unicast between the siblings" 0 \
	"$(cap_count wire 'not arp and host 198.51.100.2 and host 198.51.100.3')"
check_eq "the wire saw nothing from virt2 to eth0's address" 0 \
	"$(cap_count wire 'udp and dst host 192.0.2.1')"
check "the siblings' ARP requests for each other did go out too (broadcast)" \
	test "$(cap_count wire 'arp and arp[6:2] == 1 and (arp[24:4] == 0xc6336402 or arp[24:4] == 0xc6336403)')" -gt 0

# A child's broadcast reaches its siblings and the parent's stack, as well
# as the wire.
udp_listen b_virt1 4100 --dev virt1
udp_listen b_eth0 4100 --dev eth0
udp_listen -n remote b_remote 4100 --dev eth1
need ip -n c2 route add 255.255.255.255/32 dev virt2
need ip netns exec c2 "$UDP" send 255.255.255.255 4100 3 --dev virt2
check "virt2's broadcast reaches its sibling virt1" udp_count_is b_virt1 3
check "virt2's broadcast reaches the parent's stack" udp_count_is b_eth0 3
check "virt2's broadcast reaches the other host" udp_count_is b_remote 3

check "ip link del virt1 leaves its siblings working" ip link del virt1
check "virt2 still answers" R ping -c 1 -W 2 198.51.100.3
check "virt3 still answers" R ping -c 1 -W 2 203.0.113.2
done_testing
