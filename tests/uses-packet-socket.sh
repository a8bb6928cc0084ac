#!/bin/bash
# Your own program on a child's frames: examples/virt-frames (make
# examples) reads virt1 through a TPACKET_V3 ring, as tcpdump does, and
# counts by protocol and direction exactly what the other host sent it and
# what virt1 answered; none of what went to the parent's address (which
# the other host's capture shows went out). A mirror (virt only: the
# rivals have none) counts the parent's frames too. With -e the program
# writes frames onto virt1's wire: every UDP datagram to its port is
# answered from virt1's address through the same socket, and the other
# host gets exactly as many answers. The rings drop nothing (a sanity
# check: a few dozen frames can't fill them). virt1 down, the program
# waits without spinning; deleted, it stops with its totals. Runs against
# ipvlan and macvlan too.
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2	# mode mirror
VF=${0%/*}/../examples/virt-frames
topo_addressed
# -B: built here, whatever binary the repository has; its warnings are
# what -Werror would catch, without imposing it on users' compilers.
out=$(make -s -B -C "${0%/*}/.." examples 2>&1) || bail "make examples: $out"
check_eq "make examples builds examples/virt-frames without a warning" "" "$out"

# No IPv6 on virt1 either: a router solicitation of its own would be
# counted. A new namespace inherits "all" but, here, not "default".
need ip netns add c1
need ip netns exec c1 sysctl -qw net.ipv6.conf.default.disable_ipv6=1
child virt1 eth0 c1
need ip -n c1 addr add 198.51.100.2/24 dev virt1
# Counts are exact: no neighbour probe of the stacks' own may come.
rmac=$(R cat /sys/class/net/eth1/address)
need ip neigh replace 192.0.2.2 lladdr "$rmac" dev eth0 nud permanent
need ip -n c1 neigh replace 198.51.100.1 lladdr "$rmac" dev virt1 nud permanent
need R ip neigh replace 192.0.2.1 lladdr "$(mac eth0)" dev eth1 nud permanent
need R ip neigh replace 198.51.100.2 lladdr \
	"$(ip netns exec c1 cat /sys/class/net/virt1/address)" dev eth1 nud permanent
if is_virt; then
	need ip link add link eth0 name m1 type virt mode mirror
	need ip link set m1 up
fi

# frames_start NAME IFACE NS [OPTIONS...]: virt-frames OPTIONS IFACE in
# the background, in namespace NS ("-": the root one), its lines in
# $T_TMP/NAME.out, returning once it listens.
frames_start() {
	local name=$1 dev=$2 ns=$3 pfx=()
	shift 3
	[ "$ns" = - ] || pfx=(ip netns exec "$ns")
	"${pfx[@]}" "$VF" "$@" "$dev" >"$T_TMP/$name.out" 2>"$T_TMP/$name.err" &
	eval "_vf_$name=$!"
	wait_for 30 grep -q "listening on" "$T_TMP/$name.err" ||
		bail "virt-frames on $dev did not start: $(cat "$T_TMP/$name.err")"
}
# frames_stop NAME: SIGINT; it prints its totals and exits 0. Fails if
# not, or if there is no total line.
frames_stop() {
	local pid
	eval "pid=\$_vf_$1"
	kill -INT "$pid" && wait "$pid" && grep -q '^total ' "$T_TMP/$1.out"
}
# shellcheck disable=SC2317 # run by wait_for
frames_exited() {
	local pid
	eval "pid=\$_vf_$1"
	! kill -0 "$pid" 2>/dev/null
}
# frames_wait NAME: returns NAME's exit status once it has exited by
# itself (5 s at most: then SIGINT).
frames_wait() {
	local pid
	eval "pid=\$_vf_$1"
	wait_for 5 frames_exited "$1" || kill -INT "$pid"
	wait "$pid"
}
# total NAME REGEX: the keys of NAME's total line that match REGEX, as
# they came (key=value, in a fixed order, counts of 0 left out). With no
# total line, a note saying so: no check passes on it, not even one that
# expects no keys.
total() {
	grep -q '^total ' "$T_TMP/$1.out" || { echo "(no total line)"; return; }
	grep '^total ' "$T_TMP/$1.out" | tr ' ' '\n' | grep -E -- "$2" | paste -sd ' '
}
# frames_idle NAME: NAME uses under 0.2 s of CPU in the next second
# (utime + stime, in 1/100 s): a busy loop would use most of it.
# shellcheck disable=SC2317 # run by check
frames_idle() {
	local pid a b
	eval "pid=\$_vf_$1"
	a=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 1
	b=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	echo "$((b - a)) ticks"
	[ $((b - a)) -lt 20 ]
}
# wire: what eth0 and virt1 have received and sent, to wait for the last
# frame: broadcast copies reach virt1 later, from a work item.
# shellcheck disable=SC2317 # run by still
wire() {
	echo "$(counter eth0 rx_packets) $(counter eth0 tx_packets)" \
		"$(counter virt1 rx_packets c1) $(counter virt1 tx_packets c1)"
}

# udp_ask ADDR PORT N: from one socket of the other host, N datagrams to
# ADDR:PORT, each waiting up to 3 s for its answer, from ADDR:PORT with
# what was sent; prints how many came. What else comes meanwhile (an
# earlier datagram's answer, late or twice) is read and skipped: taken
# for this one's, it would shift every later one.
udp_ask() {
	R /usr/bin/python3 -S -c '
import socket, sys, time
addr, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
got = 0
for i in range(n):
    msg = b"virt-frames %d" % i
    s.sendto(msg, (addr, port))
    end = time.monotonic() + 3
    while time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.001))
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            break
        if data == msg and src == (addr, port):
            got += 1
            break
print(got)' "$@"
}
# arp_requests TARGET SENDER N: from the other host, N broadcast ARP
# requests "who has TARGET, tell SENDER" (with a sender address: a probe,
# from 0.0.0.0, is every child's to hear).
# shellcheck disable=SC2317 # run by need
arp_requests() {
	R /usr/bin/python3 -S -c '
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth1", 0))
mac = s.getsockname()[4]
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac,
                  socket.inet_aton(sys.argv[2]), b"\0" * 6, socket.inet_aton(sys.argv[1]))
for _ in range(int(sys.argv[3])):
    s.send((b"\xff" * 6 + mac + b"\x08\x06" + arp).ljust(60, b"\0"))' "$@"
}
# other_frames DST_MAC: from the other host, 3 IPv6 UDP datagrams to an
# address nobody holds and 1 frame of EtherType 0x88b5 (local
# experimental), to DST_MAC.
# shellcheck disable=SC2317 # run by need
other_frames() {
	R /usr/bin/python3 -S -c '
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth1", 0))
eth = bytes.fromhex(sys.argv[1].replace(":", "")) + s.getsockname()[4]
a6 = lambda a: socket.inet_pton(socket.AF_INET6, a)
udp = struct.pack("!HHHH", 4000, 4000, 12, 0) + b"virt"
ip6 = struct.pack("!IHBB16s16s", 6 << 28, len(udp), 17, 64,
                  a6("2001:db8::1"), a6("2001:db8::99"))
for _ in range(3):
    s.send(eth + b"\x86\xdd" + ip6 + udp)
s.send(eth + b"\x88\xb5" + b"virt-frames".ljust(46, b"."))' "$1"
}

# The two ways it stops by itself: after -c seconds, after -n frames.
out=$(timeout 20 ip netns exec c1 "$VF" -c 1 virt1 2>/dev/null)
check_match "virt-frames -c 1 prints a line for its second, then its totals, and exits" \
	"^t=1 drops=0 total frames=0 echoed=0 packets=0 drops=0$" "$(paste -sd ' ' <<<"$out")"
frames_start n virt1 c1 -n 4
need R ping -c 2 -i 0.2 -W 2 198.51.100.2
# Else stopped here: left running, it would count to the end of the test.
check "virt-frames -n 4 exits after 2 echo requests and their replies" \
	wait_for 5 frames_exited n || frames_stop n
check_eq "... having counted them" "frames=4 in:ipv4/icmp=2 out:ipv4/icmp=2" \
	"$(total n '^(frames|in:|out:)')"

# The other host's frames for virt1: 10 pings, 3 TCP connections refused,
# 7 UDP datagrams to port 7000 (where virt-frames answers and virt1's
# stack listens too, so that it sends no port unreachable), 2 ARP requests.
# Then the parent's: 5 pings, 4 datagrams, 2 ARP requests for 192.0.2.1,
# and frames of other protocols to eth0's MAC.
udp_listen -n c1 stack 7000
cap_start wire eth1 remote
frames_start v virt1 c1 -e 7000
is_virt && frames_start m m1 -
out=$(R ping -c 10 -i 0.05 -W 2 198.51.100.2 2>&1)
check_match "the other host pings virt1: 10 answered" " 10 received" "$out"
out=$(R bash -c 'for i in 1 2 3; do (exec 3<>/dev/tcp/198.51.100.2/9) 2>&1; done')
check_eq "... connects to its TCP port 9 3 times, refused each time" 3 \
	"$(grep -c 'connect: Connection refused' <<<"$out")"
check_eq "... has its 7 UDP datagrams answered by virt-frames -e 7000 on virt1" 7 \
	"$(udp_ask 198.51.100.2 7000 7)"
need arp_requests 198.51.100.2 198.51.100.1 2
need R ping -c 5 -i 0.05 -W 2 192.0.2.1
need R "$UDP" send 192.0.2.1 7000 4
need arp_requests 192.0.2.1 192.0.2.2 2
need other_frames "$(mac eth0)"
# Up to 30 s: on the debug kernel each reading of virt1's (through ip
# netns exec) takes a second or more of a loaded host.
settled=$(STILL_LIMIT=30 still wire) ||
	{ nok "eth0's and virt1's counters settle"; diag "still moving: $settled"; }
check "virt-frames -e 7000 on virt1 stops on SIGINT, with its totals" frames_stop v
check "tcpdump on the other host ran to the last frame sent, of EtherType 0x88b5" \
	cap_stop wire 1 'ether proto 0x88b5'
# Else "none of the parent's" below would pass with nothing sent.
check_eq "the parent's frames went out of the other host: 5 echo requests, 4 datagrams to port 7000, 2 ARP requests, 3 IPv6 datagrams, 1 of EtherType 0x88b5" \
	"5 4 2 3 1" "$(cap_count wire 'icmp[icmptype] = icmp-echo and dst host 192.0.2.1') $(
	cap_count wire 'udp and dst host 192.0.2.1 and dst port 7000') $(
	cap_count wire 'arp[6:2] = 1 and arp dst host 192.0.2.1') $(
	cap_count wire 'ip6 and udp and dst host 2001:db8::99') $(
	cap_count wire 'ether proto 0x88b5')"

check_eq "virt1's IP frames as virt-frames counted them: the 10 pings, 3 SYNs and 7 datagrams, none of the parent's" \
	"in:ipv4/icmp=10 in:ipv4/tcp=3 in:ipv4/udp=7" "$(total v '^in:ipv')"
# A broadcast is everyone's, even a request for the parent's address.
check_eq "... its 2 ARP requests and the 2 broadcast for eth0's address" \
	"in:arp=4" "$(total v '^in:arp')"
check_eq "... nothing of another protocol" "" "$(total v '^in:other')"
check_eq "... what virt1 sent: 2 ARP replies, 10 echo replies, 3 resets (not the answers virt-frames wrote itself)" \
	"out:arp=2 out:ipv4/icmp=10 out:ipv4/tcp=3" "$(total v '^out:')"
check_eq "... 7 datagrams answered" "echoed=7" "$(total v '^echoed=')"
check_eq "... every frame the socket got counted; no frame dropped (a sanity check, at this load)" \
	"$(total v '^frames=' | sed 's/frames=/packets=/') drops=0" "$(total v '^(packets|drops)=')"
check "virt1's stack still got the 7 datagrams (the socket takes nothing)" udp_count_is stack 7
check_eq "the other host's capture has the 7 answers, from virt1's address and port" 7 \
	"$(cap_count wire 'udp and src host 198.51.100.2 and src port 7000 and dst host 198.51.100.1')"

if is_virt; then
	check "virt-frames on mirror m1 stops on SIGINT, with its totals" frames_stop m
	check_eq "virt-frames on mirror m1 counted everything eth0 received: virt1's and the parent's" \
		"in:arp=4 in:ipv4/icmp=15 in:ipv4/tcp=3 in:ipv4/udp=11 in:ipv6/udp=3 in:other=1" \
		"$(total m '^in:')"
	check_eq "... nothing eth0 sent (no mirror-tx)" "" "$(total m '^out:')"
	check_eq "... and dropped nothing" "drops=0" "$(total m '^drops=')"
	need ip link del m1
else
	diag "$CHILD_KIND has no mirror: its checks are left out"
fi

# virt1 down: the socket's error (ENETDOWN) is read once, then virt-frames
# waits for virt1 to come up. Deleted: it stops, with its totals.
frames_start g virt1 c1
need ip -n c1 link set virt1 down
check "virt-frames waits while virt1 is down, without spinning (under 0.2 s of CPU a second)" frames_idle g
need ip -n c1 link del virt1
frames_wait g
check_eq "... and stops when virt1 is deleted, with status 1 and its totals" \
	"1 frames=0" "$? $(total g '^frames=')"
done_testing
