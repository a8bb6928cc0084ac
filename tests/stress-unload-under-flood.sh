#!/bin/bash
# rmmod virt_full while the other host floods the parent and its children
# (100 times under make check-debug): each round makes a child with an
# address in the root namespace and one in a namespace of its own, lets the
# flood in, and unloads; every unload completes.
. "${0%/*}/lib/lib.sh"

topo_addressed
with_children() {
	modprobe virt_full && ip link add link eth0 name virt1 type virt &&
		ip addr add 198.51.100.2/24 dev virt1 && ip link set virt1 up &&
		ip netns add "c$i" && ip link add link eth0 name virt2 type virt &&
		ip link set virt2 netns "c$i" && ip -n "c$i" link set virt2 up &&
		ip -n "c$i" addr add 198.51.100.3/24 dev virt2
}
unload_under_flood "$(scaled 100 10)" virt_full virt1 with_children
done_testing
