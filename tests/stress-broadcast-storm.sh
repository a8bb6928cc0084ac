#!/bin/bash
# A thousand children on one parent, and the other host sends a storm of
# broadcasts: every child listening gets a copy of each, made by a work
# item and handed to the child's stack through no receive backlog, so
# that the storm overflows no backlog and the traffic that goes through
# it (loopback here; veth, what children send each other) loses nothing. Copies
# that don't fit in the port's queue are counted (port_bc_dropped). Runs
# against ipvlan and macvlan too (VIRT_CHILD_KIND), which defer their
# copies the same way.
. "${0%/*}/lib/lib.sh"

topo_addressed
n=1000
storm=$(scaled 2000 500)	# 4 ms apart
# The debug kernel, emulated, is some thirty times slower at making,
# copying for and deleting children: there, a quarter of the children
# and a fifth of the storm (25000 copies), through the same paths.
if debug_kernel; then
	n=250
	storm=$((storm / 5))
fi
# One ip -batch: an ip process per device would take minutes.
for i in $(seq "$n"); do
	echo "link add link eth0 name s$i type $(child_type)"
	echo "link set s$i up"
done >"$T_TMP/batch"
start=$(date +%s)
check "$n children made and up" ip -batch "$T_TMP/batch"
diag "made in $(($(date +%s) - start)) s"
check_eq "... all $n of them" "$n" "$(ls /sys/class/net | grep -c '^s[0-9]')"

# softnet_drops: frames the CPUs' receive backlogs had no room for, so far
# (the second column of /proc/net/softnet_stat, hexadecimal, per CPU).
softnet_drops() {
	awk '{ v = 0
		for (i = 1; i <= length($2); i++)
			v = v * 16 + index("0123456789abcdef", substr($2, i, 1)) - 1
		n += v } END { print n + 0 }' /proc/net/softnet_stat
}
# children_got: every child's received frames and copies it could not
# take (sysfs, one process for all: there are a thousand).
children_got() {
	awk '{ n += $1 } END { print n + 0 }' \
		/sys/class/net/s[0-9]*/statistics/rx_packets \
		/sys/class/net/s[0-9]*/statistics/rx_dropped
}
# A receive backlog a third of the default, so that copies made in one go
# (a thousand per broadcast) would overflow it for sure.
need sysctl -qw net.core.netdev_max_backlog=300
drops0=$(softnet_drops)
e0=$(counter eth0 rx_packets)
g0=$(children_got)
b0=$(is_virt && ethstat s1 port_bc_dropped || echo 0)
# Unrelated traffic through the backlog meanwhile: pings over loopback,
# for as long as the storm lasts.
ping -q -c $((storm / 5)) -i 0.02 127.0.0.1 >"$T_TMP/lo" 2>&1 &
lo=$!
pktgen_start eth1 255.255.255.255 ff:ff:ff:ff:ff:ff "$storm" 60 4000000
wait "$_pktgen_pid" 2>/dev/null
wait "$lo"
check "the other host sent its $storm broadcasts" test "$(pktgen_sent eth1)" -ge "$storm"
check "eth0 received them" test $(($(counter eth0 rx_packets) - e0)) -ge "$storm"
check_match "pings over loopback meanwhile: none lost" " 0% packet loss" "$(cat "$T_TMP/lo")"
# The work item may still be copying when the storm ends: half a million
# copies take minutes on the debug kernel. Counted once they stop moving.
g1=$(STILL_LIMIT=900 still children_got) || nok "the children's counters settle"
check_eq "the storm overflowed no receive backlog (softnet_stat)" 0 $(($(softnet_drops) - drops0))
if is_virt; then
	# Each broadcast reached each child, was dropped there and counted,
	# or found the port's queue full (one count for all the children).
	b1=$(ethstat s1 port_bc_dropped)
	diag "$((g1 - g0)) copies for the children, $((b1 - b0)) broadcasts left without"
	check_eq "every broadcast accounted for, for every child" $((n * storm)) \
		$((g1 - g0 + n * (b1 - b0)))
else
	diag "$((g1 - g0)) copies for the children"
	check "the children got copies" test $((g1 - g0)) -gt 0
fi
check "the parent still answers" R ping -c 2 -i 0.2 -W 2 192.0.2.1

# ethtool -S on a child, which anyone may run, holds RTNL while it reads
# the counters: what it reads must not grow with the port's children (it
# once summed every child's per-CPU counters, for port_steered), or a
# container looping it on the child it was handed stalls the host's
# network configuration. From a container with one of the $n, looping
# the read as fast as it can (ethtool -S's ioctl; a loop of ethtool
# processes leaves RTNL free most of the time): the time ten children
# take to be added and deleted, against the same while the container
# loops a read that takes no RTNL (the same load on the CPUs), the best
# of two each; and what one read costs, the best of three, against a
# read on a port of one child.
if is_virt; then
	reads=${0%/*}/lib/ethtool-reads.py
	container_start ctr
	need ip link set s1 netns ctr
	need ip link add vp0 type veth peer name vp1
	need ip link add link vp0 name one type virt
	need ip link set one netns ctr
	for i in $(seq 10); do
		echo "link add link eth0 name t$i type virt"
		echo "link del t$i"
	done >"$T_TMP/add-del"
	# add_del_ms [--ifindex]: ten children added and deleted (ms) while
	# the container loops ethtool -S's read (or, --ifindex, one without
	# RTNL) on s1; "none" if the loop wasn't running throughout.
	add_del_ms() {
		local t0 ms
		rm -f "$T_TMP/loop.pid"
		C ctr sh -c "echo \$\$ >$T_TMP/loop.pid; exec $reads $* s1 0" \
			>/dev/null 2>"$T_TMP/loop.err" &
		wait_for 10 test -s "$T_TMP/loop.pid" || { echo none; return; }
		sleep 1
		t0=$(date +%s%N)
		ip -batch "$T_TMP/add-del" >&2
		ms=$((($(date +%s%N) - t0) / 1000000))
		kill "$(cat "$T_TMP/loop.pid")" || ms=none
		wait
		echo "$ms"
	}
	min() { printf '%s\n' "$@" | sort -n | head -n 1; }
	b1=$(add_del_ms --ifindex) l1=$(add_del_ms) b2=$(add_del_ms --ifindex) l2=$(add_del_ms)
	base=$(min "$b1" "$b2") looped=$(min "$l1" "$l2")
	diag "10 children added and deleted: $b1, $b2 ms beside a loop without RTNL; $l1, $l2 ms while a container loops ethtool -S"
	check "... within 2 times as long + 0.5 s" test "$looped" -lt $((2 * ${base/none/0} + 500))
	read_us() {
		for _ in 1 2 3; do C ctr "$reads" "$1" 2000; done | sort -n | head -n 1
	}
	many=$(read_us s1) few=$(read_us one)
	diag "one ethtool -S read: $many us on a port of $n children, $few us on a port of one"
	check "... within 3 times as long + 100 us" test "$many" -lt $((3 * few + 100))
	need ip -n ctr link set s1 netns 1
	need ip link del vp0
fi
start=$(date +%s)
check "the $n children go" sh -c "for i in \$(seq $n); do echo \"link del s\$i\"; done | ip -batch -"
diag "deleted in $(($(date +%s) - start)) s"
done_testing
