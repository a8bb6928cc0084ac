#!/bin/bash
# The article's scenario, as a user runs it: load virt.ko on eth0, give
# virt0 an address on a new subnet, and let the other host on the wire reach
# it. tcpdump -i virt0 shows the exchange, and virt0's counters match, frame
# for frame and byte for byte, what the other host sent and received.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need R ip addr add 198.51.100.1/24 dev eth1

check "insmod virt.ko link=eth0" insmod "$VIRT_KO" link=eth0
check_match "virt0 is stacked on eth0" "virt0@eth0" "$(ip link show virt0)"
check_eq "virt0 has eth0's MAC" "$(mac eth0)" "$(mac virt0)"
check "ifconfig virt0 198.51.100.2 netmask 255.255.255.0 up" \
	ifconfig virt0 198.51.100.2 netmask 255.255.255.0 up
check "virt0 is operationally up" wait_for 5 operstate_is virt0 up

cap_start virt0 virt0
rx_p=$(counter virt0 rx_packets) rx_b=$(counter virt0 rx_bytes)
tx_p=$(counter virt0 tx_packets) tx_b=$(counter virt0 tx_bytes)
r_tx_p=$(counter eth1 tx_packets remote) r_tx_b=$(counter eth1 tx_bytes remote)
r_rx_p=$(counter eth1 rx_packets remote) r_rx_b=$(counter eth1 rx_bytes remote)

check "remote pings 198.51.100.2: 5 sent, 5 answered" \
	R ping -c 5 -i 0.2 -W 2 198.51.100.2
check "tcpdump -i virt0 ran to the last echo reply" \
	cap_stop virt0 5 'icmp[icmptype] == icmp-echoreply'
cap_show virt0 | sed 's/^/#   tcpdump -i virt0: /'

check_eq "tcpdump -i virt0 saw the 5 echo requests" 5 \
	"$(cap_count virt0 'icmp[icmptype] == icmp-echo and dst host 198.51.100.2')"
check_eq "tcpdump -i virt0 saw the 5 echo replies" 5 \
	"$(cap_count virt0 'icmp[icmptype] == icmp-echoreply and src host 198.51.100.2')"
check_eq "tcpdump -i virt0 saw the ARP request for 198.51.100.2" 1 \
	"$(cap_count virt0 'arp and arp[6:2] == 1 and arp[24:4] == 0xc6336402')"
check_eq "tcpdump -i virt0 saw virt0's ARP reply" 1 \
	"$(cap_count virt0 'arp and arp[6:2] == 2 and arp[14:4] == 0xc6336402')"

# Pin both neighbour entries (no ARP probe may land mid-count), let the
# last frames arrive, then read both sides' counters at once.
need R ip neigh replace 198.51.100.2 lladdr "$(mac eth0)" dev eth1 nud permanent
need ip neigh replace 198.51.100.1 lladdr "$(R cat /sys/class/net/eth1/address)" dev virt0 nud permanent
sleep 0.5
check_eq "virt0 rx_packets grew by what remote sent" \
	$(($(counter eth1 tx_packets remote) - r_tx_p)) $(($(counter virt0 rx_packets) - rx_p))
check_eq "virt0 rx_bytes grew by what remote sent" \
	$(($(counter eth1 tx_bytes remote) - r_tx_b)) $(($(counter virt0 rx_bytes) - rx_b))
check_eq "virt0 tx_packets grew by what remote received" \
	$(($(counter eth1 rx_packets remote) - r_rx_p)) $(($(counter virt0 tx_packets) - tx_p))
check_eq "virt0 tx_bytes grew by what remote received" \
	$(($(counter eth1 rx_bytes remote) - r_rx_b)) $(($(counter virt0 tx_bytes) - tx_b))
check_eq "ip -s link agrees with sysfs" "$(counter virt0 rx_packets)" \
	"$(ip_rx_packets virt0)"
check_eq "no drops on virt0" 0 "$(($(counter virt0 rx_dropped) + $(counter virt0 tx_dropped)))"

check "rmmod virt" rmmod virt
check_fails "virt0 is gone" exists virt0
check "eth0 is up and carries traffic again" \
	sh -c 'ip addr add 198.51.100.3/24 dev eth0 && ip netns exec remote ping -c 1 -W 2 198.51.100.3'
done_testing
