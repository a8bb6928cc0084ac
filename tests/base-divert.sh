#!/bin/bash
# Divert semantics: while virt0 is up, everything eth0 receives arrives on
# virt0 instead. A socket bound to eth0 hears nothing and one bound to
# virt0 hears it all; with strict reverse-path filtering the parent's own
# address stops answering. rmmod (or virt0 down) gives eth0 its traffic back.
# The parent's own looped-back multicast is not diverted.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need ip addr add 192.0.2.1/24 dev eth0
need R ip addr add 192.0.2.2/24 dev eth1
need R ip addr add 198.51.100.1/24 dev eth1
need R ip neigh flush dev eth1
udp_listen on_eth0 4000 --dev eth0

send_to_eth0() { R "$UDP" send 192.0.2.1 4000 "$1"; }

send_to_eth0 3
check "before loading: a socket bound to eth0 gets 3 datagrams" udp_count_is on_eth0 3
check "before loading: 192.0.2.1 answers ping" R ping -c 1 -W 2 192.0.2.1

need insmod "$VIRT_KO" link=eth0
need ip addr add 198.51.100.2/24 dev virt0
need ip link set virt0 up
udp_listen on_virt0 4000 --dev virt0

cap_start eth0 eth0
send_to_eth0 3
check "loaded: the socket bound to virt0 gets the 3 datagrams" udp_count_is on_virt0 3
check_eq "loaded: the socket bound to eth0 gets nothing" 3 "$(udp_count on_eth0)"
check "tcpdump -i eth0 ran to the last of them" cap_stop eth0 3 'udp dst port 4000'
check_eq "tcpdump -i eth0 still sees the 3 diverted datagrams" 3 \
	"$(cap_count eth0 'udp dst port 4000')"
check "loaded: virt0's own subnet answers" R ping -c 1 -W 2 198.51.100.2
# eth0 no longer hears ARP replies (they go to virt0 too), so it can't
# refresh its neighbour entries: pin the remote's, or the answer could
# wait on a resolution that never completes.
need ip neigh replace 192.0.2.2 lladdr "$(R cat /sys/class/net/eth1/address)" dev eth0 nud permanent
check "loaded, rp_filter off: 192.0.2.1 still answers (weak host model)" \
	R ping -c 1 -W 2 192.0.2.1
need sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=1 \
	net.ipv4.conf.virt0.rp_filter=1
check_fails "loaded, strict rp_filter: 192.0.2.1 no longer answers" \
	R ping -c 2 -W 1 192.0.2.1

udp_listen mcast 4001 --dev eth0 --group 239.1.2.3
need "$UDP" send 239.1.2.3 4001 2 --dev eth0 --loop
check "loaded: eth0's own looped-back multicast stays on eth0" udp_count_is mcast 2

need ip link set virt0 down
send_to_eth0 2
check "virt0 down: eth0 gets its datagrams back" udp_count_is on_eth0 5
check "virt0 down: 192.0.2.1 answers under strict rp_filter" R ping -c 1 -W 2 192.0.2.1
need ip link set virt0 up

check "rmmod virt" rmmod virt
send_to_eth0 3
check "unloaded: the socket bound to eth0 gets datagrams again" udp_count_is on_eth0 8
check "unloaded: 192.0.2.1 answers under strict rp_filter" R ping -c 1 -W 2 192.0.2.1
done_testing
