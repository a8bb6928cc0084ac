#!/bin/bash
# Traffic control on a child works as on any interface. A tbf on the
# child's egress shapes the child's TCP to its rate while the parent's,
# measured with iperf3 right after, stays well above it; the child's
# shaped frames then go through the parent's own qdisc (a child transmits
# with dev_queue_xmit on the parent). A clsact ingress filter (flower) on
# the child sees only the child's frames and can drop them, while tc on
# the parent's ingress, which runs before the demux, sees everything: the
# parent's frames and the child's. A flower drop on the child's egress
# stops the child's pings and not the parent's. A tbf set from inside
# a container (its own user namespace's root) shapes the child there too.
# Runs against ipvlan and macvlan too (VIRT_CHILD_KIND): all of it holds
# for them as well.
. "${0%/*}/lib/lib.sh"

topo_addressed
child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1

# sent_bytes DEV [NS]: bytes DEV's root qdisc sent (tc -s qdisc).
sent_bytes() {
	${2:+ip netns exec "$2"} tc -s qdisc show dev "$1" root |
		sed -n 's/.*Sent \([0-9]*\) bytes.*/\1/p' | head -n 1
}
# overlimits DEV [NS]: times DEV's root qdisc held a packet back.
overlimits() {
	${2:+ip netns exec "$2"} tc -s qdisc show dev "$1" root |
		sed -n 's/.*overlimits \([0-9]*\).*/\1/p' | head -n 1
}
# at_rate DESC RATE KBPS: a test point, KBPS is within 0.5-1.3x RATE.
at_rate() {
	local lo=$(($2 / 2)) hi=$(($2 * 13 / 10))
	if [ "${3:-0}" -ge "$lo" ] && [ "${3:-0}" -le "$hi" ]; then
		ok "$1"
	else
		nok "$1"
		diag "  ${3:-no} kbit/s, not within $lo-$hi"
	fi
}
# iperf_kbps NS -- CLIENT_ARGS...: iperf_mbps, in kbit/s: the debug kernel
# on a busy host sends a bare child's TCP at about 1 Mbit/s, and is shaped
# below that.
iperf_kbps() {
	local pfx=()
	[ "$1" = root ] || pfx=(ip netns exec "$1")
	shift 2
	"${pfx[@]}" iperf3 -J --connect-timeout 10000 "$@" 2>/dev/null | /usr/bin/python3 -S -c '
import json, math, sys
print(math.ceil(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e3))'
}
# tbf DEV RATE: a tbf of RATE kbit/s on DEV's egress, with a burst of
# 20 ms at that rate (tbf_burst; 4 kB at least: a full frame and then
# some) and room for 200 ms of queue, so that TCP at a low rate doesn't
# lose half of what it sends.
tbf_burst() {
	local burst=$(($1 * 1000 / 8 / 50))
	[ "$burst" -ge 4096 ] && echo "$burst" || echo 4096
}
tbf() {
	need tc qdisc add dev "$1" root tbf rate "$2kbit" \
		burst "$(tbf_burst "$2")" latency 200ms
}

# --- shaping ----------------------------------------------------------------

# What the emulated link gives a bare child first: the rate to shape at
# is a sixteenth of it, at most 20 Mbit/s (under emulation 20-600 Mbit/s,
# about 1 on the debug kernel), so that shaped and unshaped can't be
# mistaken for each other however fast the host is today. The figures of
# a busy host swing by half from one run to the next: hence the wide
# bands.
iperf_server remote 198.51.100.1 5201
bare=$(iperf_kbps root -- -c 198.51.100.1 -p 5201 -t 2)
rate=$((${bare:-0} / 16))
[ "$rate" -le 20000 ] || rate=20000
[ "$rate" -ge 50 ] || rate=50
diag "iperf3 TCP from the bare child: ${bare:-no} kbit/s; shaping it to $rate kbit/s"

tbf virt1 "$rate"
eth0_sent=$(sent_bytes eth0)
# The child, shaped, then the parent with the child's tbf still there.
# The first second is left out of the figure (-O 1): the tbf's full
# bucket and TCP's slow start, which at 50 kbit/s alone would be a fifth
# of a two-second run.
iperf_server remote 198.51.100.1 5202
iperf_server remote 192.0.2.2 5203
shaped=$(iperf_kbps root -- -c 198.51.100.1 -p 5202 -t 3 -O 1)
# virt1's first: what its tbf has let out has reached eth0's qdisc by
# the time eth0's is read.
tbf_sent=$(sent_bytes virt1)
eth0_mid=$(sent_bytes eth0)
parent=$(iperf_kbps root -- -c 192.0.2.2 -p 5203 -t 2)
diag "iperf3 TCP: virt1 under its tbf ${shaped:-no} kbit/s, then eth0 ${parent:-no} kbit/s"
at_rate "virt1 under tbf runs at its rate ($rate kbit/s)" "$rate" "$shaped"
check "eth0 runs well above it (3x at least)" \
	test "${parent:-0}" -ge $((rate * 3))
check "tc -s qdisc: virt1's tbf sent the child's bytes" test "${tbf_sent:-0}" -gt $((rate * 100))
check "... and held them back (overlimits)" test "$(overlimits virt1)" -gt 0
# The child transmits through the parent: what its tbf let out went
# through eth0's own qdisc too, in the same window (the last frames may
# still sit in eth0's queue: nine tenths of it at least).
check "eth0's qdisc sent the child's shaped bytes too" \
	test $((eth0_mid - eth0_sent)) -ge $((tbf_sent * 9 / 10))
need tc qdisc del dev virt1 root

# --- ingress ---------------------------------------------------------------

# icmp_filter DIR DEV PRIO ACTION [NS]: a flower filter for ICMP.
icmp_filter() {
	need ${5:+ip netns exec "$5"} tc filter add dev "$2" "$1" prio "$3" \
		protocol ip flower ip_proto icmp action "$4"
}
need tc qdisc add dev eth0 clsact
icmp_filter ingress eth0 1 pass
need tc qdisc add dev virt1 clsact
icmp_filter ingress virt1 1 drop
check_fails "a flower drop on virt1's ingress: the other host's pings to virt1 fail" \
	R ping -c 3 -i 0.2 -W 1 198.51.100.2
check_eq "... the filter dropped its 3 echo requests" 3 "$(tc_hits ingress virt1)"
check "pings to eth0 still work" R ping -c 3 -i 0.2 -W 2 192.0.2.1
check_eq "... and virt1's filter saw none of them" 3 "$(tc_hits ingress virt1)"
need tc filter del dev virt1 ingress prio 1
icmp_filter ingress virt1 2 pass
check "a flower pass on virt1's ingress: pings to virt1 work" R ping -c 3 -i 0.2 -W 2 198.51.100.2
check "... and to eth0" R ping -c 3 -i 0.2 -W 2 192.0.2.1
check_eq "... the filter counted the 3 to virt1 and none of the 3 to eth0" 3 \
	"$(tc_hits ingress virt1 "" 2)"
# eth0's ingress runs before the demux hands the child its frames.
check_eq "eth0's ingress filter counted all 12 echo requests, the child's too" 12 \
	"$(tc_hits ingress eth0)"

# --- egress ----------------------------------------------------------------

icmp_filter egress eth0 1 pass
check "virt1 pings the other host" ping -c 3 -i 0.2 -W 2 198.51.100.1
check_eq "... through eth0's egress (its filter counted the 3)" 3 "$(tc_hits egress eth0)"
icmp_filter egress virt1 1 drop
check_fails "a flower drop on virt1's egress: virt1's pings out fail" \
	ping -c 3 -i 0.2 -W 1 198.51.100.1
diag "$(grep -c 'No buffer space' "$T_LOG") ENOBUFS lines from ping"
# ping tries again a request the send refused (ENOBUFS, what a drop on
# the egress hook returns), so each of the 3 may be dropped more than once.
check "... the filter dropped its echo requests (3 or more)" \
	test "$(tc_hits egress virt1)" -ge 3
check "eth0's pings still work" ping -c 3 -i 0.2 -W 2 192.0.2.2
check_eq "... and eth0's egress saw only those 3 more" 6 "$(tc_hits egress eth0)"
need tc qdisc del dev virt1 clsact
need tc qdisc del dev eth0 clsact

# --- from inside a namespace ------------------------------------------------

# A container shapes its own child: the qdisc lives with the child, and
# the container's root (CAP_NET_ADMIN over its own namespace only) may
# set it.
need ip addr del 198.51.100.2/24 dev virt1
container_start c1
need ip link set virt1 netns c1
need C c1 ip link set lo up
need C c1 ip addr add 198.51.100.2/24 dev virt1
need C c1 ip link set virt1 up
need C c1 tc qdisc add dev virt1 root tbf rate "${rate}kbit" \
	burst "$(tbf_burst "$rate")" latency 200ms
iperf_server remote 198.51.100.1 5204
shaped=$(iperf_kbps c1 -- -c 198.51.100.1 -p 5204 -t 3 -O 1)
diag "iperf3 TCP from virt1 in c1 under its tbf: ${shaped:-no} kbit/s"
at_rate "virt1 in c1, shaped from inside, runs at its rate" "$rate" "$shaped"
check "... and c1's tc -s qdisc shows it held packets back" \
	test "$(overlimits virt1 c1)" -gt 0
need ip -n c1 link del virt1
done_testing
