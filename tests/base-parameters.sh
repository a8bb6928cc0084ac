#!/bin/bash
# Module parameters: modinfo describes each; every bad value fails insmod
# with the right errno and exactly one kernel log line naming the problem,
# and leaves nothing behind. A parent that already has a receive handler (a
# bridge port, a macvlan parent) is refused with EBUSY, and the bridge keeps
# working before and after.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off

info=$(modinfo "$VIRT_KO")
check_match "modinfo describes link=" '^parm: +link:.*[Pp]arent.*\(charp\)' "$info"
check_match "modinfo describes ifname=" '^parm: +ifname:.*prefix.*\(charp\)' "$info"
check_match "modinfo has a description" '^description: +.+' "$info"
check_match "modinfo has a GPL licence" '^license: +GPL' "$info"

# Load once so the one-time taint messages are out of the way.
need insmod "$VIRT_KO" link=eth0
need rmmod virt

need modprobe tun
need ip tuntap add tun0 mode tun
need ip link add vp0 type veth peer name vp1
need ip link add link vp0 name mv0 type macvlan
need modprobe ipvlan
need ip link add link eth0 name ipv0 type ipvlan mode l2

refused "$VIRT_KO" "No such device" "link= is required"
refused "$VIRT_KO" "No such device" "link=nosuch0: no such interface" link=nosuch0
refused "$VIRT_KO" "Invalid parameters" "link=lo: is a loopback device" link=lo
refused "$VIRT_KO" "Invalid parameters" "link=tun0: is not an Ethernet device" link=tun0
refused "$VIRT_KO" "Invalid parameters" "not a valid interface name" link=abcdefghijklmnopqrstuvwxyz
refused "$VIRT_KO" "Invalid parameters" "not a valid interface name" link=a/b
refused "$VIRT_KO" "Invalid parameters" "link=: not a valid interface name" link=
refused "$VIRT_KO" "Invalid parameters" "link=ipv0: cannot carry a receive handler" link=ipv0
refused "$VIRT_KO" "Device or resource busy" "link=vp0: already has a receive handler" link=vp0
refused "$VIRT_KO" "Invalid parameters" "ifname=: not a valid name prefix" link=eth0 ifname=
refused "$VIRT_KO" "Invalid parameters" "not a valid name prefix" link=eth0 ifname=abcdefghijklmn
refused "$VIRT_KO" "Invalid parameters" "not a valid name prefix" link=eth0 ifname=v%s
refused "$VIRT_KO" "Invalid parameters" "not a valid name prefix" link=eth0 ifname=a:b
need ip link del ipv0

# A bridge port: refused, and the bridge keeps working.
need ip link add br0 type bridge
need ip link set eth0 master br0
need ip link set br0 up
need ip addr add 192.0.2.1/24 dev br0
need R ip addr add 192.0.2.2/24 dev eth1
check "the bridge forwards before" R ping -c 1 -W 3 192.0.2.1
refused "$VIRT_KO" "Device or resource busy" "link=eth0: already has a receive handler" link=eth0
check "the bridge forwards after" R ping -c 1 -W 3 192.0.2.1
check_match "eth0 is still a port of br0" "master br0" "$(ip link show eth0)"
need ip link set eth0 nomaster

# A bond port and a team port: refused the same way, and eth0 stays a port.
for kind in bond team; do
	need ip link add "${kind}9" type "$kind"
	need ip link set eth0 down
	need ip link set eth0 master "${kind}9"
	refused "$VIRT_KO" "Device or resource busy" "link=eth0: already has a receive handler" link=eth0
	check_match "eth0 is still a port of ${kind}9" "master ${kind}9" "$(ip link show eth0)"
	need ip link set eth0 nomaster
	need ip link del "${kind}9"
done
need ip link set eth0 up

# A good prefix works.
check "insmod virt.ko link=eth0 ifname=second" insmod "$VIRT_KO" link=eth0 ifname=second
check "the child is called second0" exists second0
check_eq "/sys/module/virt/parameters shows link" eth0 "$(cat /sys/module/virt/parameters/link)"
check "rmmod virt" rmmod virt
done_testing
