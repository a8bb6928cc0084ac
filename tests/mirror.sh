#!/bin/bash
# A mirror child (mode mirror, a netlink attribute of the virt kind, set
# and shown through the iproute2 plugin) sees a copy of every frame the
# parent receives, and with mirror-tx of every frame it sends; it steals
# none: the parent and its other children keep their traffic, and the
# parent is not made promiscuous. What a mirror sends is dropped and
# counted, unless forward is on. The article's way works too: insmod
# virt_full.ko link=eth0 mode=mirror.
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2
topo_addressed
child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1
# Frames are counted exactly: no neighbour probe may arrive late.
rmac=$(R cat /sys/class/net/eth1/address)
need ip neigh replace 192.0.2.2 lladdr "$rmac" dev eth0 nud permanent
need ip neigh replace 198.51.100.1 lladdr "$rmac" dev virt1 nud permanent
need R ip neigh replace 192.0.2.1 lladdr "$(mac eth0)" dev eth1 nud permanent
need R ip neigh replace 198.51.100.2 lladdr "$(mac eth0)" dev eth1 nud permanent

check "ip link add link eth0 name mirror0 type virt mode mirror" \
	ip link add link eth0 name mirror0 type virt mode mirror
check_match "ip -d link shows the mode" "virt mode mirror mirror-tx off forward off" \
	"$(ip -d link show mirror0)"
need ip link set mirror0 up
cap_start m mirror0
check_match "eth0 is not promiscuous (tcpdump -i mirror0 runs)" "promiscuity 0" \
	"$(ip -d link show eth0)"

e0=$(counter eth0 rx_packets)
t0=$(counter eth0 tx_packets)
m0=$(ethstat mirror0 rx_mirror)
a0=$(ethstat virt1 rx_addr)
# The mirror's copies must not reach a stack: the host would answer each
# echo request twice, and the other host's ping would show duplicates.
out=$(R ping -c 10 -i 0.1 -W 2 192.0.2.1 2>&1)
check_match "remote pings eth0: all 10 answered" " 10 received" "$out"
check_eq "... once each (no DUP!)" "" "$(grep DUP <<<"$out")"
out=$(R ping -c 10 -i 0.1 -W 2 198.51.100.2 2>&1)
check_match "remote pings virt1: all 10 answered" " 10 received" "$out"
check_eq "... once each (no DUP!)" "" "$(grep DUP <<<"$out")"
need R "$UDP" send 255.255.255.255 9 5 --dev eth1
# Until nothing more arrives.
e1=$(still counter eth0 rx_packets) || nok "eth0's rx_packets settles"
got=$((e1 - e0))
check "tcpdump -i mirror0 ran to the last of them" cap_stop m "$got" ''
diag "eth0 received $got frames; mirror0 copied $(($(ethstat mirror0 rx_mirror) - m0))"
check_eq "mirror0 has a copy of every frame eth0 received" "$got" \
	$(($(ethstat mirror0 rx_mirror) - m0))
check_eq "tcpdump -i mirror0 captured every one" "$got" "$(cap_count m '')"
check_eq "virt1 still got its 10 echo requests" 10 $(($(ethstat virt1 rx_addr) - a0))
check_eq "eth0 sent the 20 replies, eth0's and virt1's, and nothing else" 20 \
	$(($(counter eth0 tx_packets) - t0))

# What a mirror sends.
send_raw() {
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(bytes.fromhex("ffffffffffff" "020000000001" "88b5") + b"mirror test".ljust(46, b"."))' "$1"
}
cap_start w eth1 remote
need send_raw mirror0
check_eq "a frame sent on mirror0 is dropped and counted" 1 "$(ethstat mirror0 drop_mirror_tx)"
check "forward on: ip link set mirror0 type virt forward on" ip link set mirror0 type virt forward on
need send_raw mirror0
check "the other host's capture ran to the forwarded frame" cap_stop w 1 'ether proto 0x88b5'
check_eq "only the frame sent with forward on reached the other host" 1 \
	"$(cap_count w 'ether proto 0x88b5')"

# mirror-tx: the parent's output too, seen by a netfilter egress hook.
if kernel_at_least 5 16; then
	check "ip link set mirror0 type virt mirror-tx on" ip link set mirror0 type virt mirror-tx on
	t0=$(counter eth0 tx_packets)
	m1=$(ethstat mirror0 rx_mirror)
	e1=$(counter eth0 rx_packets)
	need R ping -c 5 -i 0.1 -W 2 192.0.2.1
	m2=$(still ethstat mirror0 rx_mirror) || nok "mirror0's rx_mirror settles"
	check_eq "with mirror-tx, mirror0 copies what eth0 received and sent" \
		$(($(counter eth0 rx_packets) - e1 + $(counter eth0 tx_packets) - t0)) \
		$((m2 - m1))
	# A mirror in another namespace: the copies of the host's output
	# leave the host's mark (its conntrack and route with it) behind.
	need ip link add link eth0 name mirror1 type virt mode mirror mirror-tx on
	need ip netns add m
	need ip link set mirror1 netns m
	need ip -n m link set mirror1 up
	need ip netns exec m tc qdisc add dev mirror1 clsact
	need ip netns exec m tc filter add dev mirror1 ingress protocol ip prio 1 handle 66 fw action pass
	need ip netns exec m tc filter add dev mirror1 ingress protocol ip prio 2 matchall action pass
	need ping -m 66 -c 3 -i 0.2 -W 2 192.0.2.2
	check_eq "mirror1 (in m) sees no copy with the host's mark" 0 \
		"$(tc_hits ingress mirror1 m)"
	check "... of the 3 echo requests and 3 replies it saw" \
		test "$(tc_hits ingress mirror1 m 2)" -ge 6
	need ip -n m link del mirror1
else
	out=$(ip link set mirror0 type virt mirror-tx on 2>&1)
	check_match "mirror-tx refused without egress hooks ($(uname -r))" \
		"needs a kernel with netfilter egress hooks" "$out"
fi

# Refusals.
out=$(ip link set mirror0 type virt mode normal 2>&1)
check_match "the mode can't change" "fixed at creation" "$out"
out=$(ip link set virt1 type virt mirror-tx on 2>&1)
check_match "mirror-tx is for mirrors only" "for mode mirror" "$out"

# The article's way.
need ip link del mirror0
need ip link del virt1
need rmmod virt_full
check "insmod virt_full.ko link=eth0 mode=mirror" \
	insmod "$VIRT_FULL_KO" link=eth0 mode=mirror
check_match "virt0 is a mirror" "virt mode mirror" "$(ip -d link show virt0)"
need rmmod virt_full
refused "$VIRT_FULL_KO" "Invalid parameters" "mode=sideways: not a mode" \
	link=eth0 mode=sideways
# Without link= too: a mistyped parameter is not silently ignored.
refused "$VIRT_FULL_KO" "Invalid parameters" "mode=sideways: not a mode" mode=sideways
done_testing
