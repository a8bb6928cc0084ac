#!/bin/bash
# Creation and removal, over and over: 50 children created and deleted
# through netlink, 20 module load/unload cycles each with children made
# through netlink. Every unload completes and everything created is
# destroyed. rmmod while the other host floods the parent and its children
# is stress-unload-under-flood.sh (it was here too, the same ten rounds:
# ten minutes of the debug kernel's CI run).
. "$(dirname "$0")/lib.sh"

topo_addressed
klog_mark

n=0
for i in $(seq 50); do
	ip link add link eth0 name "v$i" type virt &&
		ip addr add "198.51.100.$((i + 10))/24" dev "v$i" &&
		ip link set "v$i" up && ip link del "v$i" || break
	n=$((n + 1))
done
check_eq "50 netlink create/delete cycles" 50 $n

n=0
for i in $(seq 20); do
	modprobe virt_full || break
	ip link add link eth0 name virt1 type virt && ip link set virt1 up &&
		ip link add link eth0 name virt2 type virt || break
	rmmod virt_full || break
	n=$((n + 1))
done
check_eq "20 load/unload cycles, each with two children" 20 $n

check_eq "every child and port created was destroyed" \
	"$(klog_new | grep -c 'created on') $(klog_new | grep -c 'port created')" \
	"$(klog_new | grep -c ': destroyed') $(klog_new | grep -c 'port destroyed')"
check_eq "no 'waiting for ... to become free'" "" "$(klog_new | grep 'to become free')"
done_testing
