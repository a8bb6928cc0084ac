#!/bin/bash
# Children in other namespaces: virt1 moves into c1 and keeps working; the
# host reaches it through its own child in the root namespace; packets that
# cross namespaces are scrubbed (a mark set on one side is gone on the
# other), while those that don't keep it; deleting a namespace that holds a
# child with traffic in flight takes the child with it; rmmod removes
# children in every namespace.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need R ip addr add 198.51.100.1/24 dev eth1
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:2::1/64 dev eth1 nodad

child virt0 eth0
need ip addr add 198.51.100.2/24 dev virt0
need ip link add link eth0 name virt1 type virt
check "ip link set virt1 netns c1" sh -c 'ip netns add c1 && ip link set virt1 netns c1'
need ip -n c1 link set lo up
need ip netns exec c1 sysctl -qw net.ipv6.conf.virt1.disable_ipv6=0
need ip -n c1 addr add 198.51.100.3/24 dev virt1
need ip -n c1 addr add 2001:db8:2::3/64 dev virt1 nodad
need ip -n c1 link set virt1 up
info=$(ip -n c1 -d link show virt1)
check_match "in c1, virt1 is shown with its parent's namespace (link-netns)" "link-netns|link-netnsid" "$info"
check_match "in c1, ip -d link still names the kind" "^ +virt " "$info"

check "remote reaches virt1 in c1 over IPv4" R ping -c 2 -i 0.2 -W 2 198.51.100.3
check "remote reaches virt1 in c1 over IPv6" R ping -6 -c 2 -i 0.2 -W 2 2001:db8:2::3
check "virt1 in c1 reaches remote" ip netns exec c1 ping -c 2 -i 0.2 -W 2 198.51.100.1
check "the host reaches virt1 in c1 through its own child virt0" \
	ping -c 2 -i 0.2 -W 2 198.51.100.3

# Scrubbing: a "fw" filter counts the frames that carry its mark (tc_hits).
need tc qdisc add dev eth0 clsact
need tc filter add dev eth0 egress protocol ip prio 1 handle 66 fw action pass
need ping -m 66 -c 3 -i 0.2 -W 2 198.51.100.1
check_eq "out from virt0 (eth0's namespace): the mark survives on eth0" 3 \
	"$(tc_hits egress eth0)"
need ip netns exec c1 ping -m 66 -c 3 -i 0.2 -W 2 198.51.100.1
check_eq "out from virt1 (c1): the mark is scrubbed before eth0 (still 3)" 3 \
	"$(tc_hits egress eth0)"

need tc filter add dev eth0 ingress protocol ip prio 1 matchall action skbedit mark 77
need tc qdisc add dev virt0 clsact
need tc filter add dev virt0 ingress protocol ip prio 1 handle 77 fw action pass
need ip netns exec c1 tc qdisc add dev virt1 clsact
need ip netns exec c1 tc filter add dev virt1 ingress protocol ip prio 1 handle 77 fw action pass
need ip netns exec c1 tc filter add dev virt1 ingress protocol ip prio 2 matchall action pass
need R ping -c 3 -i 0.2 -W 2 198.51.100.2
need R ping -c 3 -i 0.2 -W 2 198.51.100.3
check_eq "in to virt0 (eth0's namespace): eth0's ingress mark survives" 3 \
	"$(tc_hits ingress virt0)"
check_eq "in to virt1 (c1): eth0's ingress mark is scrubbed" 0 \
	"$(tc_hits ingress virt1 c1)"
check_eq "... from the 3 echo requests that reached virt1's ingress" 3 \
	"$(tc_hits ingress virt1 c1 2)"

# A namespace deleted with a child and traffic in flight.
R ping -q -i 0.01 198.51.100.3 >/dev/null 2>&1 &
flood=$!
sleep 1
check "ip netns del c1 while remote pings virt1" ip netns del c1
check "virt1 went with its namespace" wait_for 10 sh -c 'dmesg | grep -q "virt1: destroyed"'
kill "$flood"

child virt2 eth0 c2
need ip -n c2 addr add 198.51.100.4/24 dev virt2
check "a new child in c2 answers" R ping -c 1 -W 2 198.51.100.4
check "rmmod virt_full removes children in every namespace" rmmod virt_full
check_fails "no virt device in c2" sh -c 'ip -n c2 link show | grep -q virt'
check_fails "no virt device in the root namespace" sh -c 'ip link show | grep -q virt'
done_testing
