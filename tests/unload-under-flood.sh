#!/bin/bash
# rmmod while the other host floods: pktgen sends UDP to virt0's address as
# fast as it can and ping -f keeps virt0's transmit path busy; the module is
# loaded and unloaded ten times under that load, and every unload completes.
. "$(dirname "$0")/lib.sh"

topo_init
ipv6_off
need R ip addr add 198.51.100.1/24 dev eth1
# A static entry, so the flood keeps going while virt0 is absent.
need R ip neigh replace 198.51.100.2 lladdr "$(mac eth0)" dev eth1 nud permanent

pktgen_start eth1 198.51.100.2 "$(mac eth0)"
R ping -f -q 198.51.100.2 >/dev/null 2>&1 &
ping_pid=$!

rounds=10 loaded=0 unloaded=0 received=0
for i in $(seq $rounds); do
	insmod "$VIRT_KO" link=eth0 || break
	loaded=$((loaded + 1))
	ip addr add 198.51.100.2/24 dev virt0
	ip link set virt0 up
	sleep 0.5
	received=$((received + $(counter virt0 rx_packets)))
	timeout 30 rmmod virt || break
	unloaded=$((unloaded + 1))
done
kill "$ping_pid"
pktgen_stop

check_eq "$rounds loads under flood" $rounds $loaded
check_eq "$rounds unloads under flood, each within 30 s" $rounds $unloaded
diag "virt0 received $received frames over the $rounds rounds"
check "virt0 received the flood" test "$received" -gt $((rounds * 100))
check_fails "no virt device is left" sh -c 'ls /sys/class/net | grep -q virt'
need ip addr add 198.51.100.3/24 dev eth0
check "eth0 carries traffic again" R ping -c 1 -W 2 198.51.100.3
done_testing
