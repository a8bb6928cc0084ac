#!/bin/bash
# Create and delete, over and over (1000 times each under make check-debug,
# 50 otherwise): children through netlink, some moved into a namespace; and
# children made by loading the modules with link=eth0, with two more made
# through netlink on virt_full's turns, all removed by unloading. Every
# unload completes, everything created is destroyed (final checks),
# nothing leaks.
. "${0%/*}/lib/lib.sh"

topo_addressed
need modprobe virt_full
need ip netns add c
rounds=$(scaled 1000 50)

n=0
start=$(date +%s)
for i in $(seq "$rounds"); do
	ip link add link eth0 name virt1 type virt &&
		ip addr add 198.51.100.2/24 dev virt1 && ip link set virt1 up || break
	if [ $((i % 10)) -eq 0 ]; then
		ip link set virt1 netns c && ip -n c link del virt1 || break
	else
		ip link del virt1 || break
	fi
	n=$((n + 1))
done
diag "$n netlink cycles in $(($(date +%s) - start)) s"
figure netlink_cycles "$n"
check_eq "$rounds children created and deleted through netlink" "$rounds" "$n"
check "the parent answers" R ping -c 1 -W 2 192.0.2.1
need rmmod virt_full

n=0
start=$(date +%s)
for i in $(seq "$rounds"); do
	if [ $((i % 2)) -eq 0 ]; then
		insmod "$VIRT_KO" link=eth0 && ip link set virt0 up && rmmod virt || break
	else
		insmod "$VIRT_FULL_KO" link=eth0 && ip link set virt0 up &&
			ip link add link eth0 name virt1 type virt &&
			ip link set virt1 up &&
			ip link add link eth0 name virt2 type virt &&
			rmmod virt_full || break
	fi
	n=$((n + 1))
done
diag "$n module cycles in $(($(date +%s) - start)) s"
figure module_cycles "$n"
check_eq "$rounds module load/unload cycles, each removing what it made (virt_full's: three children)" \
	"$rounds" "$n"
check "the parent answers" R ping -c 1 -W 2 192.0.2.1
done_testing
