#!/bin/bash
# Address conflict detection (RFC 5227) from children in containers: a
# probe is an ARP request from 0.0.0.0, and the host holding the address
# answers it at the prober's MAC and at 0.0.0.0, no address of the child's.
# On a child sharing the parent's MAC only the probe says whose reply it
# is: virt copies it to the children that probed (rx_probe), the parent
# keeps it. iputils arping -D (what ifupdown, NetworkManager and
# dhclient-scripts run; dhcpcd probes alike) exits 1 when an answer came:
# the address is taken. Covered: a taken address is seen taken, a free one
# free; the answer reaches the child that probed and no sibling; two
# children probing at once both hear it; the other host's gratuitous ARP
# (broadcast) reaches the children; the parent's own probe still hears
# its answer, and none of it reaches the children. Runs against macvlan
# (own MACs: passes) and ipvlan (shared MAC, the answer left to the
# parent: "ipvlan breaks:" lines).
. "${0%/*}/lib/lib.sh"

topo_addressed
rmac=$(R cat /sys/class/net/eth1/address)
# Neighbours pinned: no ARP but the probes' and their answers on the wire.
need R ip neigh replace 192.0.2.1 lladdr "$(mac eth0)" dev eth1 nud permanent
need ip neigh replace 192.0.2.2 lladdr "$rmac" dev eth0 nud permanent
container_child ctr1 virt1
container_child ctr2 virt2
# probe NS DEV ADDR: arping -D's exit status (1: an answer came).
probe() {
	local pfx=()
	[ "$1" = root ] || pfx=(C "$1")
	"${pfx[@]}" arping -D -q -I "$2" -c 2 -w 3 "$3" >/dev/null 2>&1
	echo $?
}
probes() { ethstat "$2" rx_probe "$1"; }
# Answers to a probe for ADDR (hex): ARP replies from it to 0.0.0.0.
answers() { echo "arp and arp[6:2] == 2 and arp[14:4] == $1 and arp[24:4] == 0"; }
taken=0xc6336401	# 198.51.100.1, the other host's
# bar CAPTURE...: stop the captures once each holds the other host's
# broadcast sent now (a gratuitous ARP for 198.51.100.9), copied to the
# children after any answer before it: it vouches for all of them.
need R ip addr add 198.51.100.9/32 dev eth1
bar() {
	local c st=0
	need R arping -U -q -c 1 -I eth1 -s 198.51.100.9 198.51.100.9
	for c; do
		cap_stop "$c" 1 "arp and arp[14:4] == 0xc6336409" || st=1
	done
	return $st
}

# The parent first: its probe's answer is the parent's alone.
is_virt && p1=$(probes ctr1 virt1) p2=$(probes ctr2 virt2)
cap_start c1 virt1 ctr1
check_eq "the parent: arping -D -I eth0 198.51.100.1 sees it taken" 1 \
	"$(probe root eth0 198.51.100.1)"
check_eq "... a free address (198.51.100.77) free" 0 "$(probe root eth0 198.51.100.77)"
check "ctr1's capture ran to the other host's broadcast after the probes" bar c1
check_eq "... and holds no answer to the parent's probe" 0 "$(cap_count c1 "$(answers $taken)")"
is_virt && check_eq "... nor do the children's counters (rx_probe)" "$p1 $p2" \
	"$(probes ctr1 virt1) $(probes ctr2 virt2)"

# A child probes: the answer reaches it, and not its sibling.
cap_start wire eth1 remote
cap_start c2 virt2 ctr2
is_virt && p1=$(probes ctr1 virt1) p2=$(probes ctr2 virt2)
rule_eq "ctr1: arping -D -I virt1 198.51.100.1 sees it taken" 1 \
	"$(probe ctr1 virt1 198.51.100.1)"
check "the captures ran to the other host's broadcast after it" bar wire c2
sent=$(cap_count wire "$(answers $taken)")
check "the other host answered ctr1's probe" test "$sent" -ge 1
diag "its answers: $(tcpdump -r "$T_TMP/wire.pcap" -n -e "$(answers $taken)" 2>/dev/null | cut -d' ' -f2-4 | tr '\n' ';')"
rule_eq "... and the answer reached no sibling (ctr2's capture)" 0 \
	"$(cap_count c2 "$(answers $taken)")"
if is_virt; then
	check_eq "virt1 got every answer, as a copy (rx_probe)" "$sent" $(($(probes ctr1 virt1) - p1))
	check_eq "... virt2 none" 0 $(($(probes ctr2 virt2) - p2))
fi
rule_eq "ctr1: a free address (198.51.100.77) is free" 0 "$(probe ctr1 virt1 198.51.100.77)"

# Both children probe the same address at once: each hears the answer.
C ctr1 arping -D -q -I virt1 -c 2 -w 3 198.51.100.1 >/dev/null 2>&1 &
one=$!
st2=$(probe ctr2 virt2 198.51.100.1)
wait "$one"
rule_eq "ctr1 and ctr2 probe 198.51.100.1 at once: both see it taken" "1 1" "$? $st2"

# The other host announces its address (a gratuitous ARP, broadcast):
# every child hears it.
cap_start g1 virt1 ctr1
cap_start g2 virt2 ctr2
need R arping -U -q -c 1 -I eth1 -s 198.51.100.1 198.51.100.1
garp="arp and arp[14:4] == $taken and arp[24:4] == $taken and ether dst ff:ff:ff:ff:ff:ff"
check "the other host's gratuitous ARP for 198.51.100.1 reaches ctr1" cap_stop g1 1 "$garp"
check "... and ctr2" cap_stop g2 1 "$garp"

# The parent probes while a child does: it still gets the answer (it
# keeps the frame the child gets a copy of); the child not probing gets
# none (ctr2 probed 198.51.100.1 a moment ago, which it would hear
# about for ten seconds: here they probe the other host's .9). ctr1's
# first probe leaves at once: the parent's comes after it.
is_virt && p2=$(probes ctr2 virt2)
C ctr1 arping -D -q -I virt1 -c 3 -w 4 198.51.100.9 >/dev/null 2>&1 &
one=$!
sleep 1
check_eq "the parent, probing 198.51.100.9 beside ctr1, sees it taken" 1 \
	"$(probe root eth0 198.51.100.9)"
wait "$one"
rule_eq "... and so does ctr1" 1 "$?"
is_virt && check_eq "... ctr2, not probing, got no copy (rx_probe)" "$p2" "$(probes ctr2 virt2)"
done_testing
