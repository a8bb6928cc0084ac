#!/bin/bash
# The trust model, the host's traffic: what a container with its own user
# namespace (root only inside) can do to the host through the child handed
# to it. The gateway's and another host's address claimed from inside: the
# host's traffic to them still reaches them, nothing of it reaches the
# container, and no ARP of the container's turns the host's neighbour
# entry for its gateway. An address the container added itself is not the
# host's to reach locally (its traffic goes to the wire); one the host's
# root added is. virt's allow-list: set by the host only, shown by ip -d
# link, what is outside it refused, and with spoofchk no ARP or NA
# claiming anything else leaves. A container's marks never reach eth0's
# filters, nor eth0's the container. Runs against ipvlan and macvlan too
# (VIRT_CHILD_KIND), which make no such promise: where one of them breaks a
# rule the file says so in a "# ipvlan breaks: ..." line instead of a
# failed point (tests/trust-addresses.sh: the addresses themselves).
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2
topo_addressed	# eth0 192.0.2.1/24; remote 192.0.2.2/24, 198.51.100.1/24
gw=192.0.2.254 other=192.0.2.3	# the gateway and another host: remote's
need R ip addr add $gw/24 dev eth1
need R ip addr add $other/24 dev eth1
need ip route add default via $gw
need R sysctl -qw net.ipv6.conf.eth1.accept_dad=0 net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:1::fe/64 dev eth1
hmac=$(mac eth0)
rmac=$(R cat /sys/class/net/eth1/address)

# reps [NS]: the echo replies NS's stack sent; the root namespace's
# without NS.
reps() {
	${1:+ip netns exec "$1"} awk '
		/^Icmp: / && h++ { for (i = 2; i <= NF; i++) if (k[i] == "OutEchoReps") n += $i }
		/^Icmp: / && !h0++ { split($0, k) }
		END { print n + 0 }' /proc/net/snmp
}
# arp_for IP: a pcap filter for an ARP request for IP (its target).
# shellcheck disable=SC2086 # the address split at its dots, on purpose
arp_for() { printf 'arp and arp[6:2] == 1 and arp[24:4] == 0x%02x%02x%02x%02x' ${1//./ }; }
# from_host IP: a pcap filter for the host's frames to IP: its IPv4 packets
# and its ARP requests (from 192.0.2.1) for IP.
from_host() { echo "(ip src 192.0.2.1 and dst host $1) or ($(arp_for "$1") and arp[14:4] == 0xc0000201)"; }
# ctr_cap_stop: stop the capture on ctr's virt1 once it holds a ping of
# the other host's to virt1's own address, sent last.
ctr_cap_stop() {
	need R ping -c 1 -W 2 198.51.100.2
	cap_stop ctr 1 'icmp and dst host 198.51.100.2' || nok "the capture on virt1 ran"
}

container_child ctr virt1 198.51.100.2/24
check "the container's child answers the other host" R ping -c 2 -i 0.2 -W 2 198.51.100.2

# The gateway's and another host's addresses, claimed from inside.
need C ctr ip addr add $gw/32 dev virt1
need C ctr ip addr add $other/32 dev virt1
for a in $gw $other; do
	need ip neigh flush dev eth0
	o=$(reps remote) c=$(reps ctr)
	cap_start wire eth1 remote
	cap_start ctr virt1 ctr
	got=$(ping -c 3 -i 0.2 -W 2 $a | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	o=$(($(reps remote) - o)) c=$(($(reps ctr) - c))
	ctr_cap_stop
	cap_stop wire 3 "icmp[icmptype] == icmp-echo and dst host $a"
	check_eq "the host's 3 pings to $a, which the container claims, are answered" 3 "${got:-0}"
	rule_eq "... by the other host: its 3 echo replies, none of the container's" "3 0" "$o $c"
	rule_eq "... its capture saw the host's ARP request for $a and 3 echo requests" "yes 3" \
		"$([ "$(cap_count wire "$(arp_for $a)")" -ge 1 ] && echo yes) $(cap_count wire "icmp[icmptype] == icmp-echo and dst host $a")"
	rule_eq "... the container's capture none of them, nor the ARP request" "0 0" \
		"$(cap_count ctr "icmp and dst host $a") $(cap_count ctr "$(arp_for $a)")"
	rule_match "... the host's neighbour entry for $a holds the other host's MAC" "lladdr $rmac " \
		"$(ip neigh show $a dev eth0)"
done
# The container says the gateway is at its MAC: a gratuitous ARP, and an
# unsolicited reply to the host's MAC, to the entry the host's ping made;
# holding the gateway's address, then not (forging only). (After the
# entry's locktime: an answer within a second of the last would not count.)
ping -c 1 -W 2 $gw >/dev/null
check_match "the host's entry for its gateway holds the other host's MAC" "lladdr $rmac " \
	"$(ip neigh show $gw dev eth0)"
# forge_gw DESC: those two frames; $claims: what virt1's drop_claim counted.
forge_gw() {
	sleep 1.1
	claims=$(is_virt && ethstat virt1 drop_claim ctr)
	need C ctr "$FRAMES" virt1 arp-reply $gw $gw
	need C ctr "$FRAMES" virt1 arp-reply $gw 192.0.2.1 --to "$hmac"
	sleep 0.5
	claims=$(($(is_virt && ethstat virt1 drop_claim ctr) - ${claims:-0}))
	rule_match "$1: after its gratuitous ARP and unsolicited reply for $gw, the host's entry still holds the other host's MAC" \
		"lladdr $rmac " "$(ip neigh show $gw dev eth0)"
}
forge_gw "the container holding $gw"
is_virt && check_eq "... both dropped and counted in virt1's drop_claim" 2 "$claims"
need C ctr ip addr del $gw/32 dev virt1
forge_gw "the container forging only"
is_virt && check_eq "... both dropped and counted in virt1's drop_claim" 2 "$claims"
o=$(reps remote)
rule "the host's pings to its gateway are answered" ping -c 2 -i 0.2 -W 2 $gw
rule_eq "... by the other host" 2 $(($(reps remote) - o))
need C ctr ip addr del $other/32 dev virt1

# The host's traffic to an address the container added itself goes to the
# wire; to one the host's root added, to the container, locally.
need ip route add 198.51.100.0/24 dev eth0
need C ctr ip route add 192.0.2.1/32 dev virt1	# to answer, if it heard
need ip neigh flush dev eth0
c=$(reps ctr)
cap_start wire eth1 remote
cap_start ctr virt1 ctr
ping -c 2 -i 0.5 -W 1 198.51.100.2 >/dev/null
c=$(($(reps ctr) - c))
cap_stop wire 1 "$(arp_for 198.51.100.2)"
ctr_cap_stop
rule "the host's ARP request for 198.51.100.2 (added from inside) went to the wire" \
	test "$(cap_count wire "$(arp_for 198.51.100.2)")" -ge 1
rule_eq "... none of the host's pings reached the container (capture, echo replies)" "0 0" \
	"$(cap_count ctr 'icmp and src host 192.0.2.1 and dst host 198.51.100.2') $c"
need C ctr ip addr del 198.51.100.2/24 dev virt1
need ip -n ctr addr add 198.51.100.2/24 dev virt1
need C ctr ip route add 192.0.2.1/32 dev virt1	# gone with its last address
need ip neigh flush dev eth0
c=$(reps ctr)
cap_start wire eth1 remote
rule "the host pings 198.51.100.2, added by the host's root" ping -c 3 -i 0.2 -W 2 198.51.100.2
rule_eq "... and the container answers: 3 echo replies" 3 $(($(reps ctr) - c))
need R ping -c 1 -W 2 192.0.2.1
cap_stop wire 1 'icmp[icmptype] == icmp-echoreply and src host 192.0.2.1'
rule_eq "... none of it on the wire" 0 \
	"$(cap_count wire "$(from_host 198.51.100.2)")"

# Marks don't cross: a container's (SO_MARK, nftables) never reach eth0's
# filters; eth0's never reach the container. The host's own do, and a
# child in the host's namespace sees eth0's.
need tc qdisc add dev eth0 clsact
need tc filter add dev eth0 egress protocol ip prio 1 handle 7 fw action pass
need ping -m 7 -c 3 -i 0.2 -W 2 192.0.2.2
check_eq "eth0's egress filter for mark 7 counts the host's own 3 ping -m 7" 3 "$(tc_hits egress eth0)"
need C ctr nft -f - <<-EOF
	table ip t {
		counter marked_out {}
		counter marked_in {}
		counter echo_in {}
		chain post { type filter hook postrouting priority 0; meta mark 7 counter name marked_out; }
		chain in { type filter hook input priority 0; meta mark 7 counter name marked_in; icmp type echo-request counter name echo_in; }
	}
EOF
nft_count() { ${2:+ip netns exec "$2"} nft list counter ip "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
need C ctr ping -m 7 -c 3 -i 0.2 -W 2 198.51.100.1
need C ctr nft add chain ip t out "{ type filter hook output priority 0; }"
need C ctr nft add rule ip t out icmp type echo-request meta mark set 7
need C ctr ping -c 3 -i 0.2 -W 2 198.51.100.1
check_eq "the container marked 6 pings 7 (SO_MARK, nftables), its own counter says" 6 \
	"$(nft_count "t marked_out" ctr)"
rule_eq "... and none of them carries the mark on eth0's egress (the host's 3 only)" 3 \
	"$(tc_hits egress eth0)"
need tc filter add dev eth0 ingress protocol ip prio 1 matchall action skbedit mark 7
need ip route del 198.51.100.0/24 dev eth0	# virt9's, now
child virt9 eth0
need ip addr add 198.51.100.9/24 dev virt9
need nft -f - <<-EOF
	table ip h {
		counter marked_in {}
		chain in { type filter hook input priority 0; ip daddr 198.51.100.9 meta mark 7 counter name marked_in; }
	}
EOF
need R ping -c 3 -i 0.2 -W 2 198.51.100.2
need R ping -c 3 -i 0.2 -W 2 198.51.100.9
rule_eq "eth0's ingress mark 7: none of the container's 3 echo requests carries it" "3 0" \
	"$(nft_count "t echo_in" ctr) $(nft_count "t marked_in" ctr)"
rule_eq "... the host's own child, in its namespace, sees it on its 3" 3 "$(nft_count "h marked_in")"
need nft delete table ip h
need ip link del virt9
need tc qdisc del dev eth0 clsact
need ip -n ctr link del virt1

# The allow-list, virt's: set by the host at creation or after, shown by
# ip -d link, changed only with CAP_NET_ADMIN over the parent's namespace.
is_virt || done_testing
if check "ip link add ... type virt allow 192.0.2.60/32" \
	ip link add link eth0 name virt3 type virt allow 192.0.2.60/32; then
	check_match "ip -d link shows it" "allow 192\.0\.2\.60/32" "$(ip -d link show virt3)"
	check "allow none clears it" ip link set virt3 type virt allow none
	check "ip -d link shows none" sh -c '! ip -d link show virt3 | grep -q " allow "'
else
	need ip link add link eth0 name virt3 type virt
fi
check "the host sets virt3's allow-list" \
	ip link set virt3 type virt allow 192.0.2.50/32 allow 2001:db8:5::/64
list='allow 192\.0\.2\.50/32 allow 2001:db8:5::/64'
check_match "ip -d link shows it" "$list" "$(ip -d link show virt3)"
container_start ctr3
need ip link set virt3 netns ctr3
need C ctr3 ip link set lo up
need C ctr3 sysctl -qw net.ipv6.conf.virt3.accept_dad=0 net.ipv6.conf.virt3.disable_ipv6=0
need C ctr3 ip link set virt3 up
for l in "allow 192.0.2.0/24" "allow none"; do
	out=$(C ctr3 ip link set virt3 type virt $l 2>&1)
	check_match "from the container, '$l' is refused" \
		"needs CAP_NET_ADMIN over the parent's namespace" "$out"
done
check_match "ip -d link shows the list unchanged" "$list" "$(ip -n ctr3 -d link show virt3)"
out=$(C ctr3 ip addr add 192.0.2.51/24 dev virt3 2>&1)
check_match "from the container, 192.0.2.51 is refused" "not in the allow-list" "$out"
check "192.0.2.50 is accepted" C ctr3 ip addr add 192.0.2.50/24 dev virt3
check "2001:db8:5::50 too" C ctr3 ip addr add 2001:db8:5::50/64 dev virt3 nodad
check "192.0.2.50 answers the other host" R ping -c 2 -i 0.2 -W 2 192.0.2.50
# na ADDR TARGET: an unsolicited neighbour advertisement from ctr3's
# virt3, from ADDR: "TARGET is at virt3's MAC", to all nodes.
na() {
	C ctr3 /usr/bin/python3 -S -c '
import socket, struct, sys
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
p.bind(("virt3", 0))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.bind((sys.argv[1], 0))
na = struct.pack("!BBHI", 136, 0, 0, 0x20000000)
na += socket.inet_pton(socket.AF_INET6, sys.argv[2]) + struct.pack("!BB", 2, 1) + p.getsockname()[4]
s.sendto(na, ("ff02::1", 0, 0, socket.if_nametoindex("virt3")))' "$@"
}
check "spoofchk on" C ctr3 ip link set virt3 type virt spoofchk on
cap_start claims eth1 remote
need C ctr3 "$FRAMES" virt3 arp-reply $gw $gw
need C ctr3 "$FRAMES" virt3 arp-reply 192.0.2.51 192.0.2.51
need na 2001:db8:5::50 2001:db8:1::fe
need C ctr3 "$FRAMES" virt3 arp-reply 192.0.2.50 192.0.2.50
need na 2001:db8:5::50 2001:db8:5::50
C ctr3 ping -c 1 -W 2 192.0.2.2 >/dev/null
check "the other host's capture ran to the container's ping from 192.0.2.50" \
	cap_stop claims 1 'icmp and src host 192.0.2.50'
na_for() { echo "icmp6 and ip6[40] == 136 and ip6[48:4] == 0x20010db8 and ip6[52:4] == $1 and ip6[60:4] == $2"; }
check_eq "none of its ARP claiming the gateway or 192.0.2.51, nor its NA claiming 2001:db8:1::fe, reached it" \
	"0 0 0" "$(cap_count claims 'arp and arp[14:4] == 0xc00002fe') $(cap_count claims 'arp and arp[14:4] == 0xc0000233') $(cap_count claims "$(na_for 0x00010000 0x000000fe)")"
check_eq "its own ARP for 192.0.2.50 and NA for 2001:db8:5::50 did" "1 1" \
	"$(cap_count claims 'arp and arp[6:2] == 2 and arp[14:4] == 0xc0000232 and arp[24:4] == 0xc0000232') $(cap_count claims "$(na_for 0x00050000 0x00000050)")"
need ip neigh flush dev eth0
c=$(reps ctr3)
cap_start wire eth1 remote
check "the host pings 192.0.2.50, in the allow-list" ping -c 3 -i 0.2 -W 2 192.0.2.50
check_eq "... and the container answers: 3 echo replies" 3 $(($(reps ctr3) - c))
need R ping -c 1 -W 2 192.0.2.1
cap_stop wire 1 'icmp[icmptype] == icmp-echoreply and src host 192.0.2.1'
check_eq "... none of it on the wire" 0 "$(cap_count wire "$(from_host 192.0.2.50)")"
need ip -n ctr3 link del virt3
done_testing
