#!/bin/bash
# A child's counters count exactly its own traffic while the parent is busy
# with its own: every frame the other host sends to virt1 is one rx packet
# of virt1, byte for byte, and every reply one tx packet; none of the
# parent's traffic is counted on the child.
. "${0%/*}/lib/lib.sh"

topo_addressed
child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1
# Fixed neighbours: no ARP may land in the count below (a broadcast ARP
# request for eth0's address is copied to virt1 too, and Linux answers ARP
# for any address of the namespace unless arp_ignore says otherwise).
need R ip neigh replace 198.51.100.2 lladdr "$(mac eth0)" dev eth1 nud permanent
need R ip neigh replace 192.0.2.1 lladdr "$(mac eth0)" dev eth1 nud permanent
need ip neigh replace 198.51.100.1 lladdr "$(R cat /sys/class/net/eth1/address)" dev virt1 nud permanent
need ip neigh replace 192.0.2.2 lladdr "$(R cat /sys/class/net/eth1/address)" dev eth0 nud permanent

rx_p=$(counter virt1 rx_packets) rx_b=$(counter virt1 rx_bytes)
tx_p=$(counter virt1 tx_packets) tx_b=$(counter virt1 tx_bytes)
e_p=$(counter eth0 rx_packets) fc=$(ethstat virt1 port_from_children)
rx_addr=$(ethstat virt1 rx_addr) tx_wire=$(ethstat virt1 tx_wire)
steered=$(ethstat virt1 port_steered) passed=$(ethstat virt1 port_passed)
R ping -q -c 200 -i 0.01 -W 2 192.0.2.1 >/dev/null 2>&1 &
busy=$!
check "remote pings virt1 50 times while eth0 answers 200" \
	R ping -q -c 50 -i 0.02 -s 100 -W 2 198.51.100.2
wait "$busy"
# Each echo: 14 (Ethernet) + 20 (IPv4) + 8 (ICMP) + 100 bytes of data.
check_eq "virt1 rx_packets: exactly the 50 echo requests" 50 $(($(counter virt1 rx_packets) - rx_p))
check_eq "virt1 rx_bytes: exactly 50 x 142" 7100 $(($(counter virt1 rx_bytes) - rx_b))
check_eq "virt1 tx_packets: exactly the 50 replies" 50 $(($(counter virt1 tx_packets) - tx_p))
check_eq "virt1 tx_bytes: exactly 50 x 142" 7100 $(($(counter virt1 tx_bytes) - tx_b))
check_eq "ethtool -S virt1: rx_addr counts the 50 as steered by address" 50 \
	$(($(ethstat virt1 rx_addr) - rx_addr))
check_eq "ethtool -S virt1: tx_wire counts the 50 replies" 50 $(($(ethstat virt1 tx_wire) - tx_wire))
check_eq "the port steered the 50 to virt1" 50 $(($(ethstat virt1 port_steered) - steered))
check_eq "and left to eth0 the 200 of eth0's, and nothing else" 200 \
	$(($(ethstat virt1 port_passed) - passed))
check_eq "steered + passed = every frame eth0 received (+ the children's to eth0)" \
	$(($(counter eth0 rx_packets) - e_p + $(ethstat virt1 port_from_children) - fc)) \
	$(($(ethstat virt1 port_steered) - steered + $(ethstat virt1 port_passed) - passed))
reasons_add_up virt1
check_eq "no drops on virt1" 0 $(($(counter virt1 rx_dropped) + $(counter virt1 tx_dropped)))
check_eq "ip -s link agrees with sysfs" "$(counter virt1 rx_packets)" \
	"$(ip_rx_packets virt1)"
check_eq "/proc/net/dev agrees too" "$(counter virt1 tx_bytes)" \
	"$(awk '$1 == "virt1:" { print $10 }' /proc/net/dev)"

# A frame the parent's queue refuses is counted as drop_tx (and in
# tx_dropped), not as sent: a tc filter on eth0's egress drops what
# carries mark 5, and virt1 pings with that mark.
need tc qdisc add dev eth0 clsact
need tc filter add dev eth0 egress protocol ip prio 1 handle 5 fw action drop
d0=$(ethstat virt1 drop_tx) td0=$(counter virt1 tx_dropped) tp0=$(counter virt1 tx_packets)
check_fails "eth0 drops virt1's marked pings: no answer" ping -m 5 -c 3 -i 0.2 -W 1 198.51.100.1
check_eq "virt1 drop_tx counts the 3" 3 $(($(ethstat virt1 drop_tx) - d0))
check_eq "virt1 tx_dropped counts them" 3 $(($(counter virt1 tx_dropped) - td0))
check_eq "virt1 tx_packets counts none of them" 0 $(($(counter virt1 tx_packets) - tp0))
need tc qdisc del dev eth0 clsact
check "unmarked, virt1's pings are answered again" ping -c 1 -W 2 198.51.100.1
reasons_add_up virt1

# A copy that can't be delivered is counted as drop_backlog: a sibling at
# MTU 1300 gets no copy of virt1's 1442-byte broadcast.
child virt2 eth0
need ip link set virt2 mtu 1300
d0=$(ethstat virt2 drop_backlog) r0=$(counter virt2 rx_packets)
ping -b -c 1 -W 1 -s 1400 -I virt1 255.255.255.255 >/dev/null 2>&1
one_dropped() { [ $(($(ethstat virt2 drop_backlog) - d0)) -eq 1 ]; }
check "virt2 counts the copy it couldn't take in drop_backlog" wait_for 5 one_dropped
check_eq "... and received nothing" 0 $(($(counter virt2 rx_packets) - r0))

# port_steered is counted by the port, per frame it steers: a child in
# another namespace counts, by address and by ARP target, and a deleted
# child's frames stay counted.
child virt3 eth0 c3
need ip -n c3 addr add 198.51.100.3/24 dev virt3
need ip -n c3 neigh replace 198.51.100.1 lladdr "$(R cat /sys/class/net/eth1/address)" \
	dev virt3 nud permanent
need R ip neigh replace 198.51.100.3 lladdr "$(mac eth0)" dev eth1 nud permanent
st0=$(ethstat virt1 port_steered)
check "remote pings virt3 in c3 20 times" R ping -q -c 20 -i 0.02 -W 2 198.51.100.3
need R "$FRAMES" eth1 arp-probe 198.51.100.3 --count 2
two_arp() { [ "$(ethstat virt3 rx_arp_ndp c3)" = 2 ]; }
check "virt3 took the 2 ARP probes by target" wait_for 5 two_arp
st1=$(ethstat virt1 port_steered)
check_eq "port_steered counts virt3's 20 echo requests and 2 probes" 22 $((st1 - st0))
need ip -n c3 link del virt3
check_eq "port_steered neither falls nor rises when virt3 is deleted" "$st1" \
	"$(ethstat virt1 port_steered)"
done_testing
