#!/bin/bash
# Malformed and random frames at the parent while children are up (a
# million under make check-debug): truncated and runt frames, ARP with
# wrong hrd/pro/hln/pln, IPv4 with a short ihl, a bad version or a tot_len
# past the end, IPv6 and NDP truncated before the target, VLAN-tagged,
# jumbo and random bytes. The machine stays healthy and the counters add
# up: every frame the parent received was steered, passed or dropped by
# the demux, every malformed one for a child's address was counted so
# (the parent's own unicast IP, for no child's address, it leaves unread)
# and none steered.
. "${0%/*}/lib/lib.sh"

topo_addressed
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:2::1/64 dev eth1 nodad
need R ip link set eth1 mtu 9000
need ip link set eth0 mtu 9000
child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1
need sysctl -qw net.ipv6.conf.virt1.disable_ipv6=0
need ip addr add 2001:db8:2::2/64 dev virt1 nodad
child virt2 eth0 c2
need ip -n c2 addr add 198.51.100.3/24 dev virt2
need gcc -O2 -o "$T_TMP/fuzz" "$(dirname "$0")/lib/fuzz-frames.c"

total=$(scaled 1000000 50000)
fuzz() { R "$T_TMP/fuzz" eth1 "$1" "$(mac eth0)" 198.51.100.2 2001:db8:2::2 "$2" "$3"; }
# snap NAME: into $NAME, eth0's rx_packets, then the port's steered,
# passed, dropped and malformed, and the frames the children gave the
# parent; once they hold still (the children's own multicast, router
# solicitations and MLD reports, reaches the demux through the backlog, a
# moment after it is counted as given),
# or a failed point (within 30 s: the children's router solicitations
# come 4 s apart for 12 s after they are made). One ethtool -S per
# reading: on the debug kernel each process costs half a second.
snap_once() {
	ethstats virt1 | awk -v e="$(counter eth0 rx_packets)" '{ v[$1] = $2 }
		END { print e, v["port_steered:"], v["port_passed:"],
			v["port_dropped:"], v["port_malformed:"],
			v["port_from_children:"] }'
}
snap() {
	local v
	v=$(STILL_LIMIT=30 still snap_once) || nok "the counters hold still ($1)"
	printf -v "$1" '%s' "$v"
}
sum() { awk '{ n += $2 } END { print n }'; }

# Lying headers for the children's addresses only: every one that
# arrives is read and malformed, none steered.
snap s0
read -r e0 st0 pa0 dr0 ma0 fc0 <<<"$s0"
sent=$(fuzz $((total / 10)) malformed 1 | tee "$T_TMP/malformed.txt" | sum)
figure frames "$sent"
sleep 1
snap s1
read -r e1 st1 pa1 dr1 ma1 fc1 <<<"$s1"
sed 's/^/#   sent /' "$T_TMP/malformed.txt"
diag "$sent malformed frames sent, $((e1 - e0)) received by eth0, $((fc1 - fc0)) from the children"
check "eth0 received most of them" test $((e1 - e0)) -gt $((sent / 2))
# The children's answers to the parent (port_from_children) pass it too.
check_eq "every one eth0 received went through the demux" $((e1 - e0 + fc1 - fc0)) \
	$((st1 - st0 + pa1 - pa0 + dr1 - dr0))
check_eq "every one was counted malformed" $((e1 - e0)) $((ma1 - ma0))
check_eq "none was steered to a child" 0 $((st1 - st0))

# Everything, a million times under make check-debug.
start=$(date +%s)
sent=$(fuzz "$total" all 2 | tee "$T_TMP/all.txt" | sum)
figure frames "$sent"
sleep 1
snap s2
read -r e2 st2 pa2 dr2 ma2 fc2 <<<"$s2"
sed 's/^/#   sent /' "$T_TMP/all.txt"
diag "$sent frames of every kind sent in $(($(date +%s) - start)) s, $((e2 - e1)) received by eth0, $((fc2 - fc1)) from the children"
check "at least $total frames were sent" test "$sent" -ge "$total"
check_eq "every frame eth0 received went through the demux" $((e2 - e1 + fc2 - fc1)) \
	$((st2 - st1 + pa2 - pa1 + dr2 - dr1))
# (counters.sh checks port_steered against what was sent.)
check "some were steered to virt1 (the good ones)" test $((st2 - st1)) -gt 0
check "the malformed ones were counted" test $((ma2 - ma1)) -gt 0
reasons_add_up virt1
reasons_add_up virt2 c2

check "the parent still answers" R ping -c 3 -i 0.5 -W 2 192.0.2.1
check "virt1 still answers" R ping -c 3 -i 0.5 -W 2 198.51.100.2
if ! check "virt1 still answers over IPv6" R ping -6 -c 3 -i 0.5 -W 2 2001:db8:2::2; then
	R ip -6 neigh | sed 's/^/#   remote: /'
	ip -6 neigh show dev virt1 | sed 's/^/#   virt1: /'
	ethstats virt1 | grep -v ' 0$' | sed 's/^/#   /'
fi
check "virt2 in c2 still answers" R ping -c 3 -i 0.5 -W 2 198.51.100.3
done_testing
