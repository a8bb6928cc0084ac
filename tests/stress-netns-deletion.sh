#!/bin/bash
# A namespace deleted while it holds children with traffic in flight (50
# times under make check-debug): the other host floods the children's
# addresses, the namespace goes, and its children go with it.
. "${0%/*}/lib/lib.sh"

topo_addressed
need modprobe virt_full
rounds=$(scaled 50 5)
klog_mark
mac0=$(mac eth0)
need R ip neigh replace 198.51.100.2 lladdr "$mac0" dev eth1 nud permanent
pktgen_start eth1 198.51.100.2 "$mac0"
n=0
for i in $(seq "$rounds"); do
	ip netns add "c$i" &&
		ip link add link eth0 name virt1 type virt && ip link set virt1 netns "c$i" &&
		ip -n "c$i" addr add 198.51.100.2/24 dev virt1 && ip -n "c$i" link set virt1 up &&
		ip link add link eth0 name virt2 type virt && ip link set virt2 netns "c$i" &&
		ip -n "c$i" link set virt2 up || break
	R ping -f -c 200 -W 1 198.51.100.2 >/dev/null 2>&1 &
	sleep 0.3
	ip netns del "c$i" || break
	wait $!
	n=$((n + 1))
done
pktgen_stop
figure netns_deletions_under_traffic "$n"
check_eq "$rounds namespaces deleted under traffic" "$rounds" "$n"
check "their children went with them" \
	wait_for 30 sh -c "[ \$(dmesg | grep -c 'virt_full: virt[12]: destroyed') -ge $((2 * rounds)) ]"
check "the parent answers" R ping -c 1 -W 2 192.0.2.1
done_testing
