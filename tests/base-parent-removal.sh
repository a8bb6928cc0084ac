#!/bin/bash
# The parent leaves while virt0 exists: a veth deleted, a virtio NIC
# hot-unplugged (its driver unbound through sysfs) under traffic, and a
# parent moved to another namespace. virt0 goes with it at once, nothing
# waits for a reference, and the module then unloads.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
klog_mark

# A veth parent, deleted.
need ip link add vp0 type veth peer name vp1
need ip link set vp0 up
need insmod "$VIRT_KO" link=vp0
check "virt0 exists on vp0" exists virt0
check "ip link del vp0 completes" timeout 20 ip link del vp0
check_fails "virt0 went with its parent" exists virt0
check "rmmod virt completes after the parent went" timeout 20 rmmod virt

# A virtio parent, unplugged while the other host pings virt0.
need R ip addr add 198.51.100.1/24 dev eth1
need insmod "$VIRT_KO" link=eth0
need ip addr add 198.51.100.2/24 dev virt0
need ip link set virt0 up
check "virt0 on eth0 answers" R ping -c 1 -W 2 198.51.100.2
unplug_parent 198.51.100.2
check_fails "eth0 is gone" exists eth0
check_fails "virt0 went with it" exists virt0
check "rmmod virt completes" timeout 20 rmmod virt
replug_parent
check "virt loads on the new eth0" insmod "$VIRT_KO" link=eth0
need ip addr add 198.51.100.2/24 dev virt0
need ip link set virt0 up
check "and its child answers" R ping -c 1 -W 3 198.51.100.2

# A parent moved to another namespace.
need ip netns add other
check "ip link set eth0 netns other" timeout 20 ip link set eth0 netns other
check_fails "virt0 did not follow it out of its namespace" exists virt0
check "rmmod virt completes" timeout 20 rmmod virt
check "eth0 can come back" ip -n other link set eth0 netns 1

check_eq "no 'waiting for ... to become free' in the kernel log" "" \
	"$(klog_new | grep 'to become free')"
done_testing
