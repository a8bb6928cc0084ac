#!/bin/bash
# The parent goes while the other host floods it and its children (100
# times under make check-debug): a veth parent with three children, one of
# them in a namespace, is deleted; then a parent is moved to another
# namespace and back under the same flood, its children working after.
# Last, a child is deleted while the other host floods its own address:
# the demux may hold one of its frames as it goes, and must find its
# counters still there.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need modprobe virt_full
rounds=$(scaled 100 5)
klog_mark

# make_parent: vp0 here, vp1 in remote, three children, the flood started.
make_parent() {
	ip link add vp0 type veth peer name vp1 netns remote &&
		ip link set vp0 up && R ip link set vp1 up &&
		R ip addr replace 203.0.113.1/24 dev vp1 &&
		ip link add link vp0 name virt1 type virt &&
		ip addr add 203.0.113.2/24 dev virt1 && ip link set virt1 up &&
		ip link add link vp0 name virt2 type virt && ip link set virt2 up &&
		ip link add link vp0 name virt3 type virt &&
		ip link set virt3 netns c && ip -n c link set virt3 up
}
need ip netns add c
n=0
for i in $(seq "$rounds"); do
	make_parent || break
	pktgen_start vp1 203.0.113.2 "$(mac vp0)"
	sleep 0.3
	timeout 30 ip link del vp0 || break
	pktgen_stop
	ip link show virt1 >/dev/null 2>&1 && break
	n=$((n + 1))
done
pktgen_stop
figure parent_deletions_under_flood "$n"
check_eq "$rounds parents deleted under flood, children gone with them" "$rounds" "$n"
check "c's child went too" wait_for 10 sh -c '! ip -n c link show virt3'

need ip netns add p
need make_parent
pktgen_start vp1 203.0.113.2 "$(mac vp0)"
n=0
for i in $(seq "$rounds"); do
	timeout 30 ip link set vp0 netns p && timeout 30 ip -n p link set vp0 netns 1 &&
		ip link set vp0 up || break
	n=$((n + 1))
done
pktgen_stop
figure parent_moves_under_flood "$n"
check_eq "$rounds moves of the parent to another namespace and back, under flood" \
	"$rounds" "$n"
check "virt1 answers after the moves" R ping -c 1 -W 3 203.0.113.2

pktgen_start vp1 203.0.113.4 "$(mac vp0)"
n=0 got=0
for i in $(seq "$rounds"); do
	ip link add link vp0 name virt4 type virt &&
		ip addr add 203.0.113.4/24 dev virt4 && ip link set virt4 up || break
	sleep 0.3
	got=$((got + $(counter virt4 rx_packets)))
	timeout 30 ip link del virt4 || break
	n=$((n + 1))
done
pktgen_stop
diag "the children received $got frames of the flood before going"
check "the flood reached them" test "$got" -gt $((rounds * 100))
figure child_deletions_under_flood "$n"
check_eq "$rounds children deleted while the other host floods their address" \
	"$rounds" "$n"
check "virt1 still answers" R ping -c 1 -W 3 203.0.113.2
check_eq "no 'waiting for ... to become free'" "" "$(klog_new | grep 'to become free')"
done_testing
