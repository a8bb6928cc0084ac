#!/bin/bash
# The trust model, addresses: what a container with its own user namespace
# (root only inside) can claim through the child handed to it. The host's
# own address in every form (plain, peer, secondary; IPv6 plain and SLAAC
# with `ip token`) stays the host's: the other host's pings to it are
# answered by the host, the child receives none of them, and the other
# host's neighbour entry for it keeps the host's MAC. A sibling's address
# stays the sibling's. When the host gains an address a container's child
# holds, the host wins. virt says why it refuses or doesn't steer (the
# message, the kernel log, the child's addr_refused). Runs against ipvlan
# and macvlan too (VIRT_CHILD_KIND), which make no such promise: where one
# of them breaks a rule the file says so in a "# ipvlan breaks: ..." line
# instead of a failed point (tests/trust-host.sh: the host's traffic).
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2
topo_addressed	# eth0 192.0.2.1/24; remote 192.0.2.2/24, 198.51.100.1/24
need R sysctl -qw net.ipv6.conf.eth1.accept_dad=0 net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:1::2/64 dev eth1
need R ip addr add 2001:db8:7::2/64 dev eth1	# the prefix it advertises
need sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
need ip addr add 2001:db8:1::1/64 dev eth0 nodad
hmac=$(mac eth0)

# reps [NS]: the echo replies (IPv4 and IPv6) NS's stack sent; the root
# namespace's without NS.
reps() {
	${1:+ip netns exec "$1"} awk '
		/^Icmp: / && h++ { for (i = 2; i <= NF; i++) if (k[i] == "OutEchoReps") n += $i }
		/^Icmp: / && !h0++ { split($0, k) }
		$1 == "Icmp6OutEchoReplies" { n += $2 }
		END { print n + 0 }' /proc/net/snmp /proc/net/snmp6
}
# heard ADDR OWNER: the other host, its neighbour entries forgotten, pings
# ADDR 3 times; sets $got (replies it got), $by_owner and $by_ctr (echo
# replies OWNER's stack, "" for the host's, and ctr's sent) and $ctr_saw
# (echo requests to ADDR in a capture on ctr's virt1, which ran to a ping
# of virt1's own address after them).
heard() {
	local o c
	need R ip neigh flush dev eth1
	o=$(reps "$2") c=$(reps ctr)
	cap_start ctr virt1 ctr
	got=$(R ping -c 3 -i 0.2 -W 2 "$1" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	by_owner=$(($(reps "$2") - o)) by_ctr=$(($(reps ctr) - c))
	need R ping -c 1 -W 2 198.51.100.2
	cap_stop ctr 1 'icmp and dst host 198.51.100.2' || nok "the capture on virt1 ran"
	ctr_saw=$(cap_count ctr "(icmp or icmp6) and dst host $1")
}
# stays_hosts DESC ADDR: the other host's pings to ADDR are answered by
# the host alone; its neighbour entry for ADDR holds eth0's MAC. 4 points.
stays_hosts() {
	heard "$2" ""
	check_eq "$1: the other host's 3 pings to $2 are answered" 3 "${got:-0}"
	rule_eq "... by the host: its 3 echo replies, none of the container's" "3 0" "$by_owner $by_ctr"
	rule_eq "... and the container's child received none of them" 0 "$ctr_saw"
	rule_match "... the other host's neighbour entry for $2 holds eth0's MAC" "lladdr $hmac " \
		"$(R ip neigh show "$2" dev eth1)"
}
# claim DESC RE ip ARGS...: the container's ip command; on virt it must
# be refused with a message matching RE ("" where virt accepts it).
claim() {
	local desc=$1 re=$2 out
	shift 2
	if out=$(C ctr "$@" 2>&1); then
		if [ -n "$re" ] && is_virt; then
			nok "$desc is refused"
		else
			diag "accepted: $desc"
		fi
	elif [ -n "$re" ] && is_virt; then
		check_match "$desc is refused: $re" "$re" "$out"
	else
		diag "refused: $desc: $out"
	fi
}
# refused_count: virt1's addr_refused, in ctr.
refused_count() { is_virt && ethstat virt1 addr_refused ctr; }

container_child ctr virt1 198.51.100.2/24
check "the container's child answers the other host" R ping -c 2 -i 0.2 -W 2 198.51.100.2

# The host's IPv4 address, plain: virt refuses it (EADDRINUSE).
claim "the host's 192.0.2.1/24, plain," "already assigned to the parent" \
	ip addr add 192.0.2.1/24 dev virt1
stays_hosts "claimed plain" 192.0.2.1
C ctr ip addr del 192.0.2.1/24 dev virt1 2>/dev/null

# Peer: the validator sees the peer (ifa_address), the table ifa_local.
# virt takes it (the address is the container's business) and doesn't
# steer it, saying so.
klog_mark
r0=$(refused_count)
claim "the host's 192.0.2.1/32 peer 192.0.2.9" "" \
	ip addr add 192.0.2.1/32 peer 192.0.2.9 dev virt1
if is_virt; then
	check_match "the kernel log says it is not steered: the host holds it" \
		"192\.0\.2\.1 is not steered here: the host holds it" "$(klog_new)"
	check_eq "virt1's addr_refused counted it" 1 $(($(refused_count) - ${r0:-0}))
fi
stays_hosts "claimed with a peer" 192.0.2.1
C ctr ip addr del 192.0.2.1/32 peer 192.0.2.9 dev virt1 2>/dev/null

# Secondary, after a first address of its own in the host's subnet.
need C ctr ip addr add 192.0.2.20/24 dev virt1
claim "the host's 192.0.2.1/24 as a secondary" "already assigned to the parent" \
	ip addr add 192.0.2.1/24 dev virt1
check_match "... (192.0.2.20 is virt1's primary there)" "inet 192.0.2.20/24" \
	"$(ip -n ctr -4 addr show dev virt1)"
stays_hosts "claimed as a secondary" 192.0.2.1
C ctr ip addr del 192.0.2.1/24 dev virt1 2>/dev/null
need C ctr ip addr del 192.0.2.20/24 dev virt1

# IPv6: the container turns DAD off (its choice), so nothing stops it but
# the module.
need C ctr sysctl -qw net.ipv6.conf.virt1.accept_dad=0 net.ipv6.conf.virt1.disable_ipv6=0
claim "the host's 2001:db8:1::1/64, plain," "already assigned to the parent" \
	ip addr add 2001:db8:1::1/64 dev virt1 nodad
stays_hosts "IPv6, claimed plain" 2001:db8:1::1
C ctr ip addr del 2001:db8:1::1/64 dev virt1 2>/dev/null

# SLAAC: the other host advertises 2001:db8:7::/64; the host's token makes
# it 2001:db8:7::1, and the container sets the same token on its child.
# (A router advertisement by hand, from eth1's link-local address; the
# kernel fills in the checksum of a raw ICMPv6 socket.)
ra() {
	R /usr/bin/python3 -S -c '
import socket, struct
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
p.bind(("eth1", 0))
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
ra += struct.pack("!BBBBIII", 3, 4, 64, 0xc0, 3600, 3600, 0)
ra += socket.inet_pton(socket.AF_INET6, "2001:db8:7::")
ra += struct.pack("!BB", 1, 1) + p.getsockname()[4]
s.sendto(ra, ("ff02::1", 0, 0, socket.if_nametoindex("eth1")))'
}
need ip token set ::1/64 dev eth0
need ra
check "the host made 2001:db8:7::1 from the advertisement and its token" \
	wait_for 10 sh -c "ip -6 addr show dev eth0 | grep -v tentative | grep -q '2001:db8:7::1/64'"
klog_mark
r0=$(refused_count)
need C ctr ip token set ::1/64 dev virt1
need ra
if wait_for 5 sh -c "ip -n ctr -6 addr show dev virt1 | grep -q '2001:db8:7::1/64'"; then
	diag "the container's SLAAC made 2001:db8:7::1 on virt1"
else
	diag "the container's SLAAC made no 2001:db8:7::1 on virt1"
fi
if is_virt; then
	check_match "the kernel log says it is not steered: the host holds it" \
		"2001:db8:7::1 is not steered here: the host holds it" "$(klog_new)"
	check_eq "virt1's addr_refused counted it" 1 $(($(refused_count) - ${r0:-0}))
fi
stays_hosts "IPv6, SLAAC with the host's token" 2001:db8:7::1
C ctr ip addr del 2001:db8:7::1/64 dev virt1 2>/dev/null

# A sibling's address: another container's child holds 198.51.100.3.
container_child ctr2 virt2 198.51.100.3/24
claim "a sibling's 198.51.100.3" "already assigned to another virt device" \
	ip addr add 198.51.100.3/24 dev virt1
heard 198.51.100.3 ctr2
check_eq "the other host's 3 pings to the sibling's address are answered" 3 "${got:-0}"
rule_eq "... by the sibling, none by the container" "3 0" "$by_owner $by_ctr"
rule_eq "... and the container's child received none of them" 0 "$ctr_saw"
C ctr ip addr del 198.51.100.3/24 dev virt1 2>/dev/null

# The host gains an address the container's child holds (added from
# inside): the host's add succeeds and the host answers from then on.
need C ctr ip addr add 192.0.2.70/24 dev virt1
heard 192.0.2.70 ctr
check_eq "192.0.2.70, added from inside, answers the other host from the container" \
	"3 3" "${got:-0} $by_ctr"
klog_mark
r0=$(refused_count)
rule "the host adds 192.0.2.70 to eth0 all the same" ip addr add 192.0.2.70/24 dev eth0
if is_virt; then
	check_match "the kernel log says it is not steered here any more" \
		"192\.0\.2\.70.*not steered here any more" "$(klog_new)"
	check_eq "virt1's addr_refused counted it" 1 $(($(refused_count) - ${r0:-0}))
fi
stays_hosts "once the host holds it" 192.0.2.70

# IPv6 to ::ffff:198.51.100.2, the v4-mapped form of the container's IPv4
# address: never on the wire (RFC 4291), it must not be taken for the
# IPv4 address (virt keys IPv4 v4-mapped). Three echo requests, by hand:
# the other host's stack would send them as IPv4.
rx0=$(counter virt1 rx_packets ctr)
is_virt && { addr0=$(ethstat virt1 rx_addr ctr); mal0=$(ethstat virt1 port_malformed ctr); }
need R /usr/bin/python3 -S - "$(mac eth0)" <<'EOF2'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth1", 0))
dst = bytes.fromhex(sys.argv[1].replace(":", ""))
icmp = struct.pack("!BBHHH", 128, 0, 0, 0x7672, 1) + b"v4-mapped"
ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 64)
ip6 += socket.inet_pton(socket.AF_INET6, "2001:db8:1::2")
ip6 += socket.inet_pton(socket.AF_INET6, "::ffff:198.51.100.2")
for _ in range(3):
    s.send(dst + s.getsockname()[4] + b"\x86\xdd" + ip6 + icmp)
EOF2
sleep 0.5
if is_virt; then
	check_eq "IPv6 to ::ffff:198.51.100.2: none of the 3 steered to the container" \
		0 $(($(ethstat virt1 rx_addr ctr) - addr0))
	check_eq "... the port counted them malformed" 3 \
		$(($(ethstat virt1 port_malformed ctr) - mal0))
else
	rule_eq "IPv6 to ::ffff:198.51.100.2: the container's child received none of the 3" \
		0 $(($(counter virt1 rx_packets ctr) - rx0))
fi
need ip -n ctr link del virt1
need ip -n ctr2 link del virt2
done_testing
