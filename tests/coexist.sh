#!/bin/bash
# virt_full's promise: the parent keeps working while a child answers for
# its own addresses. From the other host, eth0 and virt1 are reachable at
# the same time on their own subnets, over IPv4 and IPv6, with ping and
# TCP; tcpdump -i virt1 shows only the child's traffic while tcpdump -i eth0
# still sees the parent's.
. "${0%/*}/lib/lib.sh"

topo_init
need R ip addr add 192.0.2.2/24 dev eth1
need R ip addr add 198.51.100.1/24 dev eth1
need R ip addr add 2001:db8:1::2/64 dev eth1 nodad
need R ip addr add 2001:db8:2::1/64 dev eth1 nodad
need ip addr add 192.0.2.1/24 dev eth0
need ip addr add 2001:db8:1::1/64 dev eth0 nodad
# An address of eth0's that ends as one of virt1's (::7): the same slot
# of the demux's address filter, which virt1's address holds alone.
need ip addr add 2001:db8:1::5:0:7/64 dev eth0 nodad

check "ip link add link eth0 name virt1 type virt" \
	ip link add link eth0 name virt1 type virt
check "the module was loaded on demand (rtnl alias)" loaded virt_full
info=$(ip -d link show virt1)
check_match "ip link shows virt1@eth0" "virt1@eth0" "$info"
check_match "ip -d link names the kind" "^ +virt " "$info"
check_eq "virt1 has eth0's MAC" "$(mac eth0)" "$(mac virt1)"
need ip addr add 198.51.100.2/24 dev virt1
need ip addr add 2001:db8:2::2/64 dev virt1
need ip addr add 2001:db8:2::7/64 dev virt1 nodad
need ip link set virt1 up
check "virt1's IPv6 addresses pass DAD" \
	wait_for 10 sh -c '! ip -6 addr show dev virt1 tentative | grep -q inet6'
check_eq "no address of virt1 failed DAD" "" "$(ip -6 addr show dev virt1 dadfailed)"
ll() { ip -6 -br addr show dev "$1" scope link | awk '{print $3}'; }
check "virt1 has its own IPv6 link-local, not eth0's" \
	test -n "$(ll virt1)" -a "$(ll virt1)" != "$(ll eth0)"

cap_start eth0 eth0
cap_start virt1 virt1
check "remote reaches eth0 over IPv4" R ping -c 3 -i 0.2 -W 2 192.0.2.1
check "remote reaches virt1 over IPv4" R ping -c 3 -i 0.2 -W 2 198.51.100.2
check "remote reaches eth0 over IPv6" R ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::1
check "remote reaches virt1 over IPv6" R ping -6 -c 3 -i 0.2 -W 2 2001:db8:2::2
check "remote reaches eth0 at an address that ends as virt1's" \
	R ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::5:0:7
R ping -q -c 20 -i 0.05 -W 2 192.0.2.1 >"$T_TMP/p0" 2>&1 &
p0=$!
R ping -q -c 20 -i 0.05 -W 2 198.51.100.2 >"$T_TMP/p1" 2>&1
wait $p0
check_match "both at once: eth0 answers all 20" " 0% packet loss" "$(cat "$T_TMP/p0")"
check_match "both at once: virt1 answers all 20" " 0% packet loss" "$(cat "$T_TMP/p1")"
check "tcpdump -i eth0 ran to the last echo request" \
	cap_stop eth0 23 'icmp[icmptype] == icmp-echo and dst host 192.0.2.1'
check "tcpdump -i virt1 ran to the last echo request" \
	cap_stop virt1 23 'icmp[icmptype] == icmp-echo and dst host 198.51.100.2'
check_eq "tcpdump -i virt1 sees none of eth0's pings" 0 \
	"$(cap_count virt1 'icmp or icmp6 and (host 192.0.2.1 or host 2001:db8:1::1 or host 2001:db8:1::5:0:7)')"
check_eq "tcpdump -i virt1 sees its own 23 IPv4 echo requests" 23 \
	"$(cap_count virt1 'icmp[icmptype] == icmp-echo and dst host 198.51.100.2')"
check_eq "tcpdump -i virt1 sees its own 3 IPv6 echo requests" 3 \
	"$(cap_count virt1 'icmp6 and ip6[40] == 128 and dst host 2001:db8:2::2')"
check_eq "tcpdump -i eth0 still sees eth0's 23 IPv4 echo requests" 23 \
	"$(cap_count eth0 'icmp[icmptype] == icmp-echo and dst host 192.0.2.1')"

iperf_server 192.0.2.1 5201
iperf_server 198.51.100.2 5202
iperf_server 2001:db8:2::2 5203
bw0=$(iperf_mbps -- -c 192.0.2.1 -p 5201 -t 3)
bw1=$(iperf_mbps -- -c 198.51.100.2 -p 5202 -t 3)
bw6=$(iperf_mbps -- -c 2001:db8:2::2 -p 5203 -t 3)
diag "iperf3 TCP from remote: eth0 $bw0 Mbit/s, virt1 $bw1 Mbit/s, virt1 over IPv6 $bw6 Mbit/s"
check "iperf3 TCP to eth0 runs" test "${bw0:-0}" -gt 0
check "iperf3 TCP to virt1 runs" test "${bw1:-0}" -gt 0
check "iperf3 TCP to virt1 over IPv6 runs" test "${bw6:-0}" -gt 0
check "eth0 still answers after all that" R ping -c 1 -W 2 192.0.2.1
done_testing
