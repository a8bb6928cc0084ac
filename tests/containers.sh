#!/bin/bash
# A child handed to a container with its own user namespace (root only
# inside, as rootless podman, LXD or unshare --user --map-root-user --net
# make it) works there, and nothing done from inside reaches the parent,
# the host's traffic or the other children: a sibling or a mirror made
# from the container's child is refused, and so are forward and mirror-tx
# on a mirror handed to it. spoofchk: the child sends only from its MAC
# and the addresses it holds (0.0.0.0 and :: too: DHCP, ARP probes, DAD);
# a container can turn it on, never off. Without it, a child can claim
# any address on the LAN, as an ipvlan can. Runs against ipvlan too
# (VIRT_CHILD_KIND=ipvlan): what only virt has is skipped there.
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2
topo_addressed
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:2::1/64 dev eth1 nodad
rmac=$(R cat /sys/class/net/eth1/address)

container_child ctr virt1 198.51.100.2/24
check "the container's child answers the other host" R ping -c 2 -i 0.2 -W 2 198.51.100.2
check_fails "the container's root can't move its child to the host's namespace" \
	C ctr ip link set virt1 netns 1
check_fails "it can't see the parent" C ctr ip link show eth0

# From inside: make something on the host's parent through the child.
kind=$(child_type)
# shellcheck disable=SC2086 # the kind's words
out=$(C ctr ip link add link virt1 name x type $kind 2>&1)
check_match "from the container, a sibling on the host's parent ($kind) is refused" \
	"Operation not permitted|needs CAP_NET_ADMIN" "$out"
check_fails "... and nothing was made" C ctr ip link show x
if is_virt; then
	out=$(C ctr ip link add link virt1 name m type virt mode mirror 2>&1)
	check_match "a mirror of the host's parent is refused" \
		"Operation not permitted|needs CAP_NET_ADMIN" "$out"

	# A mirror the host hands over: what it sees is the host's choice,
	# what it sends is not the container's.
	need ip link add link eth0 name mirror0 type virt mode mirror
	need ip link set mirror0 netns ctr
	out=$(C ctr ip link set mirror0 type virt forward on 2>&1)
	check_match "forward on, from the container, is refused" "needs? CAP_NET_ADMIN" "$out"
	out=$(C ctr ip link set mirror0 type virt mirror-tx on 2>&1)
	check_match "mirror-tx on, from the container, is refused" "needs? CAP_NET_ADMIN" "$out"
	check_match "the mirror is as the host made it" "mirror-tx off forward off" \
		"$(ip -n ctr -d link show mirror0)"
	need ip -n ctr link del mirror0
fi

# Claiming what isn't the container's: a ping from another address, an
# ARP reply for an address it doesn't hold, a frame from another MAC. The
# other host's capture says what reached the wire; its last frame is a
# ping of the child's own, which must get through.
forge() {
	need C ctr "$FRAMES" virt1 ping 198.51.100.99 198.51.100.1 --to "$rmac"
	need C ctr "$FRAMES" virt1 arp-reply 198.51.100.77 198.51.100.1
	need C ctr "$FRAMES" virt1 ping 198.51.100.2 198.51.100.1 --to "$rmac" --mac 02:00:00:00:00:99
	need C ctr ping -c 1 -W 2 198.51.100.1
}
forged_filter='(icmp and src host 198.51.100.99) or (arp and arp[14:4] == 0xc633644d) or ether src 02:00:00:00:00:99'
own_ping='icmp[icmptype] == icmp-echo and src host 198.51.100.2 and not ether src 02:00:00:00:00:99'
if is_virt; then
	check "spoofchk on, from the container" C ctr ip link set virt1 type virt spoofchk on
	check_match "ip -d link shows it" "spoofchk on" "$(ip -n ctr -d link show virt1)"
	out=$(C ctr ip link set virt1 type virt spoofchk off 2>&1)
	check_match "spoofchk off, from the container, is refused" "needs? CAP_NET_ADMIN" "$out"
	spoof0=$(ethstat virt1 drop_spoof ctr)
	cap_start forged eth1 remote
	forge
	check "the capture ran to the child's own ping" \
		cap_stop forged 1 "$own_ping"
	check_eq "spoofchk on: none of the three forged frames reached the wire" 0 \
		"$(cap_count forged "$forged_filter")"
	check_eq "... each was dropped and counted (drop_spoof)" 3 \
		$(($(ethstat virt1 drop_spoof ctr) - spoof0))

	# What a host needs from a container all the same: DHCP from 0.0.0.0,
	# an ARP probe, IPv6 DAD from ::, then the address answering.
	cap_start allowed eth1 remote
	need C ctr "$FRAMES" virt1 dhcp
	need C ctr "$FRAMES" virt1 arp-probe 198.51.100.3
	need C ctr sysctl -qw net.ipv6.conf.virt1.disable_ipv6=0
	need C ctr ip addr add 2001:db8:2::2/64 dev virt1
	check "spoofchk on: IPv6 DAD from :: completes" \
		wait_for 10 sh -c "! ip -n ctr -6 addr show dev virt1 tentative | grep -q inet6"
	check "spoofchk on: the new IPv6 address answers" R ping -6 -c 2 -i 0.2 -W 2 2001:db8:2::2
	check "the capture ran to that ping's last reply" \
		cap_stop allowed 2 'icmp6 and ip6[40] == 129 and src host 2001:db8:2::2'
	check_eq "spoofchk on: the DHCP discover from 0.0.0.0 went out" 1 \
		"$(cap_count allowed 'udp and src host 0.0.0.0 and dst port 67')"
	check_eq "spoofchk on: the ARP probe from 0.0.0.0 went out" 1 \
		"$(cap_count allowed 'arp and arp[14:4] == 0 and arp[24:4] == 0xc6336403')"
	check "spoofchk on: DAD's neighbour solicitations from :: went out" \
		test "$(cap_count allowed 'icmp6 and ip6[40] == 135 and ip6 src ::')" -ge 1
	check "the host turns spoofchk off" ip netns exec ctr ip link set virt1 type virt spoofchk off
fi

# Without spoofchk (and on ipvlan, which has none): the child claims what
# it likes.
cap_start free eth1 remote
forge
check "the capture ran to the child's own ping" cap_stop free 1 "$own_ping"
check_eq "spoofchk off: all three forged frames reached the wire" 3 \
	"$(cap_count free "$forged_filter")"
need ip -n ctr link del virt1
done_testing
