#!/bin/bash
# One container's broadcast flood must not cost the other containers their
# copies of the wire's broadcasts (router advertisements, DHCP offers,
# ARP). Two containers with their own user namespace, a child of eth0
# each: A floods broadcasts from a packet socket as fast as it can while
# the other host sends paced broadcasts, and B must receive every one.
# Copies of broadcasts wait in a queue per parent: virt gives the wire's
# frames room of their own and each child a small share, and counts what
# A loses to its share (drop_bc_share). Runs against ipvlan and macvlan
# too (VIRT_CHILD_KIND): ipvlan queues the wire's frames and its
# children's in one queue of 1000, which A's flood fills (B misses most of
# the other host's: this fails there); macvlan in bridge mode hands a
# child's broadcasts to its siblings at once and queues only the wire's.
. "${0%/*}/lib/lib.sh"

topo_addressed
n=200		# the other host's broadcasts, 20 ms apart
flooders=2	# A's sending processes: one per CPU
# A socket buffer that holds all n even while the flood starves B's
# listener of CPU: what is measured is the copies, not the listener. Set
# before the containers' namespaces are made, should they inherit it.
need sysctl -qw net.core.rmem_default=4194304
for c in a b; do
	container_start "$c"
	child "v$c" eth0 "$c"
done
need C a ip addr add 198.51.100.2/24 dev va
need C b ip addr add 198.51.100.3/24 dev vb
check "A's child answers the other host" R ping -c 2 -i 0.2 -W 2 198.51.100.2
check "B's child answers the other host" R ping -c 2 -i 0.2 -W 2 198.51.100.3
need R ip route add 255.255.255.255/32 dev eth1

# The flood: UDP broadcasts to the discard port from A's address, built
# once and sent from a packet socket (CAP_NET_RAW over its own namespace is
# all A's root needs) until the stop file appears, or for a minute at
# most; prints how many it sent. Through four sockets, none waiting for
# room in its send buffer: where a child's own frames wait in the queue
# (ipvlan), one socket's buffer would hold the sender to the queue's pace.
cat >"$T_TMP/flood.py" <<'EOF'
import os, socket, struct, sys, time

dev, stop = sys.argv[1], sys.argv[2]
socks = []
for _ in range(4):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 24)
    socks.append(s)
payload = b"virt broadcast flood"
udp = struct.pack("!HHHH", 9, 9, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                 socket.inet_aton("198.51.100.2"), b"\xff" * 4)
words = struct.unpack("!10H", ip)
c = sum(words)
c = (c & 0xFFFF) + (c >> 16)
c = ~(c + (c >> 16)) & 0xFFFF
ip = ip[:10] + struct.pack("!H", c) + ip[12:]
frame = b"\xff" * 6 + s.getsockname()[4] + b"\x08\x00" + ip + udp
n = 0
end = time.monotonic() + 60
while not os.path.exists(stop) and time.monotonic() < end:
    for _ in range(50):
        for s in socks:
            try:
                s.send(frame, socket.MSG_DONTWAIT)
                n += 1
            except OSError:
                pass
print(n)
EOF

# A's counters: frames it sent, and (virt) those its share had no room for.
a_tx() { counter va tx_packets a; }
a_dropped() {
	local v
	is_virt && v=$(ethstat va drop_bc_share a)
	echo "${v:-0}"
}
flooding() { [ $(($(a_tx) - tx0)) -gt 1000 ]; }
udp_listen -n b got 4400 --dev vb
tx0=$(a_tx)
brx0=$(counter vb rx_packets b)
dropped0=$(a_dropped)
wire0=$(is_virt && ethstat vb port_bc_dropped b || echo 0)
pids=
for i in $(seq "$flooders"); do
	C a /usr/bin/python3 -S "$T_TMP/flood.py" va "$T_TMP/stop" >"$T_TMP/flood.$i" &
	pids="$pids $!"
done
# Once the flood is under way (or after 10 s: the checks below say how
# much of a flood it was).
wait_for 10 flooding
start=$(date +%s)
check "the other host sends $n broadcasts, 20 ms apart, during A's flood" \
	R "$UDP" send 255.255.255.255 4400 "$n" --dev eth1 --interval 0.02
diag "sent in $(($(date +%s) - start)) s"
touch "$T_TMP/stop"
# shellcheck disable=SC2086 # the list of pids
wait $pids
sent=$(awk '{ n += $1 } END { print n + 0 }' "$T_TMP"/flood.*)
tx=$(($(a_tx) - tx0))
dropped=$(($(a_dropped) - dropped0))
udp_count_is got "$n" 30
got=$(udp_count got)
# The work item may still be making copies of A's frames: B's count is
# read once it stops moving.
brx=$(($(still counter vb rx_packets b) - brx0))
if is_virt; then
	diag "A sent $sent broadcasts ($tx through its child): $((tx - dropped)) queued for their copies, $dropped without (drop_bc_share)"
else
	diag "A sent $sent broadcasts ($tx through its child)"
fi
diag "B received $brx frames: $got of the other host's $n broadcasts, about $((brx - got)) copies of A's"
figure bc_flood_frames "$sent"
figure bc_flood_without_copies "$dropped"
# Twenty to one at least, on the debug kernel too (8200 in 27 s there).
check "A flooded: $((20 * n)) broadcasts at least, twenty for each of the other host's" \
	test "$sent" -ge $((20 * n))
check_eq "B received every one of the other host's broadcasts during A's flood" "$n" "$got"
if is_virt; then
	check "A's flood outran its share of the queue: some of its broadcasts went without copies (drop_bc_share)" \
		test "$dropped" -gt 0
	check_eq "none of the wire's broadcasts went without their copies (port_bc_dropped)" \
		0 $(($(ethstat vb port_bc_dropped b) - wire0))
fi
check "B's child still answers" R ping -c 2 -i 0.2 -W 2 198.51.100.3
need ip -n a link del va
need ip -n b link del vb
done_testing
