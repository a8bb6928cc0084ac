#!/bin/bash
# rmmod while the other host floods: pktgen sends UDP to virt0's address as
# fast as it can and ping -f keeps virt0's transmit path busy; the module is
# loaded and unloaded ten times under that load, every unload completes, and
# nothing is left behind.
. "${0%/*}/lib/lib.sh"

topo_addressed

with_child() {
	insmod "$VIRT_KO" link=eth0 && ip addr add 198.51.100.2/24 dev virt0 &&
		ip link set virt0 up
}
unload_under_flood 10 virt virt0 with_child
check_fails "no virt device is left" sh -c 'ls /sys/class/net | grep -q virt'
done_testing
