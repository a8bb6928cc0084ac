#!/bin/bash
# The module and the link kind: insmod virt_full.ko link=eth0 creates virt0
# (the article's way) next to children made with ip link; modinfo describes
# the parameters; bad parameters and bad netlink requests are refused with
# a clear message and leave nothing behind; children can't carry another
# receive handler; ethtool reports the driver and the parent's link.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need R ip addr add 198.51.100.1/24 dev eth1

info=$(modinfo "$VIRT_FULL_KO")
check_match "modinfo describes link=" '^parm: +link:.*[Pp]arent' "$info"
check_match "modinfo describes ifname=" '^parm: +ifname:.*prefix' "$info"
check_match "modinfo lists the rtnl alias" '^alias: +rtnl-link-virt' "$info"

# The legacy path.
check "insmod virt_full.ko link=eth0" insmod "$VIRT_FULL_KO" link=eth0
check_match "virt0 is a virt link on eth0" "virt0@eth0" "$(ip -d link show virt0)"
need ip addr add 198.51.100.2/24 dev virt0
need ip link set virt0 up
check "virt0 answers" R ping -c 1 -W 2 198.51.100.2
check "ip link add link eth0 name virt1 type virt works beside it" \
	ip link add link eth0 name virt1 type virt
check "a child of a child is a child of the same parent" \
	ip link add link virt1 name virt2 type virt
check_match "... virt2@eth0" "virt2@eth0" "$(ip link show virt2)"
check "ip link del virt0 removes the legacy child" ip link del virt0
child virt3 eth0 c3
check "rmmod virt_full removes the rest, c3's too" rmmod virt_full
check_fails "nothing is left" sh -c 'ip link show | grep -q virt || ip -n c3 link show | grep -q virt'

# Bad parameters, as for virt.ko.
need modprobe tun
need ip tuntap add tun0 mode tun
need ip link add vp0 type veth peer name vp1
need ip link add link vp0 name mv0 type macvlan
refused "$VIRT_FULL_KO" "No such device" "link=nosuch0: no such interface" link=nosuch0
refused "$VIRT_FULL_KO" "Invalid parameters" "link=lo: is a loopback device" link=lo
refused "$VIRT_FULL_KO" "Invalid parameters" "link=tun0: is not an Ethernet device" link=tun0
refused "$VIRT_FULL_KO" "Invalid parameters" "not a valid interface name" link=a/b
refused "$VIRT_FULL_KO" "Invalid parameters" "link=: not a valid interface name" link=
refused "$VIRT_FULL_KO" "Device or resource busy" "link=vp0: already has a receive handler" link=vp0
refused "$VIRT_FULL_KO" "Invalid parameters" "not a valid name prefix" link=eth0 ifname=a:b
refused "$VIRT_FULL_KO" "Invalid parameters" "not a valid name prefix" ifname=a%b

# Bad netlink requests: refused with a message, nothing created.
need modprobe virt_full
nl_refused() {
	local desc=$1 re=$2 out
	shift 2
	if out=$(ip link add "$@" 2>&1); then
		nok "ip link add $* is refused"
	else
		check_match "$desc: ip link add $* says '$re'" "$re" "$out"
	fi
}
nl_refused "no parent" "needs a parent" name v9 type virt
nl_refused "loopback" "loopback" link lo name v9 type virt
nl_refused "not Ethernet" "not an Ethernet device" link tun0 name v9 type virt
nl_refused "a macvlan parent" "already has a receive handler" link vp0 name v9 type virt
nl_refused "a multicast MAC" "Not a unicast MAC address" link eth0 name v9 address 01:00:5e:00:00:01 type virt
need modprobe ipvlan
need ip link add link eth0 name ipv0 type ipvlan mode l2
nl_refused "an ipvlan parent" "already has a receive handler" link eth0 name v9 type virt
need ip link del ipv0
check_fails "none of them left a device" ip link show v9

# Children take no receive handler of their own.
child virt1 eth0
check_fails "a macvlan on a child is refused" ip link add link virt1 name mv1 type macvlan
need ip link add br0 type bridge
check_fails "a child can't join a bridge" ip link set virt1 master br0

# ethtool
drv=$(ethtool -i virt1)
check_match "ethtool -i virt1 names the driver" "^driver: virt_full" "$drv"
check "ethtool virt1 shows the parent's link settings" sh -c 'ethtool virt1 | grep -q "Link detected: yes"'
done_testing
