#!/bin/bash
# Encrypted links end on a child as on any interface: IPsec (ip xfrm,
# static keys, ESP with AES-GCM) in transport mode between the other host
# and a child in the host's own namespace, in tunnel mode to a child in a
# container (its own user namespace, configured from inside), and a
# WireGuard device in that container whose endpoint is its child's
# address. The other host's capture holds only ESP, or WireGuard's UDP,
# between the outer addresses, frame for frame what the exchange needs;
# the clear traffic arrives inside; the SAs' counters and the child's own
# count the same frames. Without the SA, or with the policy gone, nothing
# gets through in the clear. Runs against ipvlan and macvlan too
# (VIRT_CHILD_KIND): what only virt counts is skipped there.
. "${0%/*}/lib/lib.sh"

PINGS=5
DGRAMS=5
topo_addressed
# The Debian kernels load these on demand too (the debug kernel has them
# built in): a missing one is said here, not as a failed SA or link later.
need modprobe -a xfrm_user esp4 wireguard
need R ip addr add 203.0.113.1/32 dev lo
child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1
container_start c2
# A new namespace takes default.disable_ipv6 from the kernel's boot
# default, not from the host's (ipv6_off): router solicitations from
# virt2 would land in the counts.
need ip netns exec c2 sysctl -qw net.ipv6.conf.default.disable_ipv6=1
child virt2 eth0 c2
c2pid=$(ip netns pids c2)
need C c2 ip addr add 198.51.100.3/24 dev virt2
need C c2 ip addr add 203.0.113.2/32 dev lo
rmac=$(R cat /sys/class/net/eth1/address)
# Neighbours pinned on both sides: no ARP in the counts, only the
# exchange, so that the wire, the SAs and the children agree exactly.
need R ip neigh replace 198.51.100.2 lladdr "$(mac virt1)" dev eth1 nud permanent
need R ip neigh replace 198.51.100.3 lladdr "$(ip netns exec c2 cat /sys/class/net/virt2/address)" \
	dev eth1 nud permanent
need ip neigh replace 198.51.100.1 lladdr "$rmac" dev virt1 nud permanent
need C c2 ip neigh replace 198.51.100.1 lladdr "$rmac" dev virt2 nud permanent

# key: a random 160-bit key for rfc4106(gcm(aes)) (128 bits and a 32-bit
# salt), as a user makes one.
key() { echo "0x$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')"; }
# esp_end ME PEER OUT_SPI:OUT_KEY IN_SPI:IN_KEY MODE [MY_INNER PEER_INNER]:
# ip -batch lines for one end: the SA out and the SA in, and a policy each
# way that requires ESP (in transport mode the selectors are the outer
# addresses).
esp_end() {
	local me=$1 peer=$2 mode=$5 mine=${6:-$1} theirs=${7:-$2}
	cat <<-EOF
		xfrm state add src $me dst $peer proto esp spi ${3%:*} mode $mode aead rfc4106(gcm(aes)) ${3#*:} 128
		xfrm state add src $peer dst $me proto esp spi ${4%:*} mode $mode aead rfc4106(gcm(aes)) ${4#*:} 128
		xfrm policy add src $mine/32 dst $theirs/32 dir out tmpl src $me dst $peer proto esp mode $mode
		xfrm policy add src $theirs/32 dst $mine/32 dir in tmpl src $peer dst $me proto esp mode $mode
	EOF
}
# sa_table NS: "SRC DST PACKETS" a line, for every SA in NS ("root": the
# host's namespace), PACKETS as ip -s xfrm state counts them ("lifetime
# current"). sa_packets TABLE SRC DST: one SA's, from such a table.
sa_table() {
	local pfx=(ip netns exec "$1")
	[ "$1" = root ] && pfx=()
	"${pfx[@]}" ip -s xfrm state |
		awk '/^src / { s = $2; d = $4 }
		/lifetime current:/ { getline; gsub(/[(),]/, " "); print s, d, $3 }'
}
sa_packets() {
	local s d p
	while read -r s d p; do
		[ "$s $d" = "$2 $3" ] && echo "$p"
	done <<<"$1"
}
# netdev_counts DEV PID: DEV's packets, "RX TX", in the namespace of
# process PID, from /proc/PID/net/dev into $counts, without starting a
# process: ran_to times its readings to the microsecond.
netdev_counts() {
	local line f
	counts=
	while read -r line; do
		# NAME: then 8 receive figures (bytes, packets, ...), 8 sent
		read -r -a f <<<"${line/:/ }"
		[ "${f[0]}" = "$1" ] && counts="${f[2]} ${f[10]}"
	done <"/proc/$2/net/dev"
}
# ran_to NAME COUNT FILTER DEV PID: once capture NAME holds COUNT frames
# matching FILTER, read DEV's counters into $after until two readings
# half a second apart agree, and stop the capture. $read_at is the time
# of the first of the two: the capture's frames up to it are the ones
# the counters saw (a WireGuard keepalive, ten seconds after the last
# packet, may come before the capture stops). A test point.
ran_to() {
	local prev
	wait_for 10 cap_has "$1" "$2" "$3"
	read_at=$EPOCHREALTIME
	netdev_counts "$4" "$5"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		prev=$counts
		sleep 0.5
		netdev_counts "$4" "$5"
		[ "$counts" = "$prev" ] && break
		read_at=$EPOCHREALTIME
		netdev_counts "$4" "$5"
	done
	after=$counts
	check "the wire's capture ran to the end of the exchange" cap_stop "$1" "$2" "$3"
}
# cap_count_to NAME FILTER: the frames of capture NAME matching FILTER,
# up to $read_at.
cap_count_to() {
	tcpdump -r "$T_TMP/$1.pcap" -n -tt "$2" 2>/dev/null |
		awk -v t="$read_at" '$1 <= t { n++ } END { print n + 0 }'
}
# child_counted DEV CAPTURE ADDR: DEV's counters moved from $before to
# $after by exactly the frames the capture saw to and from ADDR. Two test
# points.
child_counted() {
	local rx0 tx0 rx tx
	read -r rx0 tx0 <<<"$before"
	read -r rx tx <<<"$after"
	check_eq "$1 received every frame the wire carried to it" \
		"$(cap_count_to "$2" "dst host $3")" $((rx - rx0))
	check_eq "$1 sent every frame the wire carried from it" \
		"$(cap_count_to "$2" "src host $3")" $((tx - tx0))
}

# decrypted NAME: the clear replies in capture NAME that carry the
# timestamp of the ESP frame just before them: the capturing host's copy
# of what it decrypted, not a frame of the wire.
decrypted() {
	tcpdump -r "$T_TMP/$1.pcap" -n -tt 2>/dev/null | awk '
		/ 203\.0\.113\.2 > 203\.0\.113\.1: ICMP echo reply/ && $1 == t &&
			esp ~ / 198\.51\.100\.3 > 198\.51\.100\.1: ESP/ { n++ }
		{ t = $1; esp = $0 }
		END { print n + 0 }'
}

# 1. Transport mode between the other host and virt1, in the host's own
# namespace: pings and UDP datagrams, ESP only on the wire.
k12=$(key) k21=$(key)
need R ip -batch - < <(esp_end 198.51.100.1 198.51.100.2 0x1001:"$k12" 0x1002:"$k21" transport)
need ip -batch - < <(esp_end 198.51.100.2 198.51.100.1 0x1002:"$k21" 0x1001:"$k12" transport)
udp_listen clear1 4200
netdev_counts virt1 $$
before=$counts
rx_addr0=$(is_virt && ethstat virt1 rx_addr)
cap_start wire1 eth1 remote
check "transport mode: the other host pings virt1 through ESP" \
	R ping -c "$PINGS" -i 0.2 -W 2 198.51.100.2
need R "$UDP" send 198.51.100.2 4200 "$DGRAMS"
check "... and its $DGRAMS UDP datagrams arrive in the clear inside" udp_count_is clear1 "$DGRAMS"
pair='host 198.51.100.1 and host 198.51.100.2'
ran_to wire1 $((2 * PINGS + DGRAMS)) "esp and $pair" virt1 $$
check_eq "the wire carried exactly the $((2 * PINGS + DGRAMS)) ESP frames" \
	$((2 * PINGS + DGRAMS)) "$(cap_count wire1 "esp and $pair")"
check_eq "... and nothing else between the two: no ICMP, no UDP in the clear" 0 \
	"$(cap_count wire1 "$pair and not esp")"
sa_remote=$(sa_table remote)
sa_host=$(sa_table root)
check_eq "the other host's SA out counts the requests and datagrams" \
	$((PINGS + DGRAMS)) "$(sa_packets "$sa_remote" 198.51.100.1 198.51.100.2)"
check_eq "... the host's SA in, the same" \
	$((PINGS + DGRAMS)) "$(sa_packets "$sa_host" 198.51.100.1 198.51.100.2)"
check_eq "the host's SA out counts the replies" "$PINGS" \
	"$(sa_packets "$sa_host" 198.51.100.2 198.51.100.1)"
check_eq "... the other host's SA in, the same" "$PINGS" \
	"$(sa_packets "$sa_remote" 198.51.100.2 198.51.100.1)"
child_counted virt1 wire1 198.51.100.2
if is_virt; then
	check_eq "virt1 steered the $((PINGS + DGRAMS)) ESP frames to its address (rx_addr)" \
		$((PINGS + DGRAMS)) $(($(ethstat virt1 rx_addr) - rx_addr0))
fi
# Without the host's SA in, the other host's ESP finds no key: the policy
# stops everything, nothing falls back to the clear.
need ip xfrm state delete src 198.51.100.1 dst 198.51.100.2 proto esp spi 0x1001
check_fails "the host's SA in deleted: the pings stop" R ping -c 1 -W 1 198.51.100.2

# 2. Tunnel mode between the other host and virt2, in the container, which
# sets up its end itself: 203.0.113.1 and 203.0.113.2 (on each side's lo)
# talk inside ESP between 198.51.100.1 and 198.51.100.3.
k13=$(key) k31=$(key)
need R ip -batch - < <(esp_end 198.51.100.1 198.51.100.3 0x1003:"$k13" 0x1004:"$k31" tunnel \
	203.0.113.1 203.0.113.2
	echo "route add 203.0.113.2/32 via 198.51.100.3 src 203.0.113.1")
need C c2 ip -batch - < <(esp_end 198.51.100.3 198.51.100.1 0x1004:"$k31" 0x1003:"$k13" tunnel \
	203.0.113.2 203.0.113.1
	echo "route add 203.0.113.1/32 via 198.51.100.1 src 203.0.113.2")
netdev_counts virt2 "$c2pid"
before=$counts
cap_start wire2 eth1 remote
check "tunnel mode: the other host pings 203.0.113.2 inside the container" \
	R ping -c "$PINGS" -i 0.2 -W 2 203.0.113.2
pair='host 198.51.100.1 and host 198.51.100.3'
ran_to wire2 $((2 * PINGS)) "esp and $pair" virt2 "$c2pid"
check_eq "the wire carried exactly the $((2 * PINGS)) ESP frames" \
	$((2 * PINGS)) "$(cap_count wire2 "esp and $pair")"
check_eq "... and nothing else between the two" 0 "$(cap_count wire2 "$pair and not esp")"
# Linux hands what comes out of a tunnel-mode SA to the taps of the
# device the ESP came in on: the other host's capture shows each reply a
# second time, in the clear, with the timestamp of the ESP frame it came
# out of. A reply sent in the clear would have its own; a request sent in
# the clear would show at all.
check_eq "... no request in the clear" 0 "$(cap_count wire2 'dst host 203.0.113.2')"
check_eq "... and the $PINGS clear replies are the other host's own, decrypted" \
	"$PINGS $PINGS" "$(cap_count wire2 'src host 203.0.113.2') $(decrypted wire2)"
sa_c2=$(sa_table c2)
check_eq "the container's SA in counts the requests" "$PINGS" \
	"$(sa_packets "$sa_c2" 198.51.100.1 198.51.100.3)"
check_eq "... its SA out the replies" "$PINGS" "$(sa_packets "$sa_c2" 198.51.100.3 198.51.100.1)"
child_counted virt2 wire2 198.51.100.3
# The other host without its policy out: its ping leaves in the clear,
# the capture says so, and the container's policy in refuses it.
need R ip xfrm policy delete src 203.0.113.1/32 dst 203.0.113.2/32 dir out
cap_start clear2 eth1 remote
check_fails "the other host's policy out deleted: no ping gets an answer" \
	R ping -c 1 -W 1 203.0.113.2
check "... its request went out in the clear, and the capture shows it" \
	cap_stop clear2 1 'icmp and dst host 203.0.113.2'
check_eq "... and the container answered nothing: its policy in refused it" 0 \
	"$(cap_count clear2 'src host 198.51.100.3 or src host 203.0.113.2')"

# 3. WireGuard in the container, listening on its child's address (on
# every address of the container's namespace, as WireGuard does: the
# child's is the one on the wire): the other host's peer has
# 198.51.100.3:51820 as its endpoint; the container's learns the other
# host's from the handshake.
for end in r c; do
	(umask 077 && wg genkey >"$T_TMP/$end.key")
	wg pubkey <"$T_TMP/$end.key" >"$T_TMP/$end.pub"
done
need C c2 ip link add wg0 type wireguard
need C c2 wg set wg0 listen-port 51820 private-key "$T_TMP/c.key" \
	peer "$(<"$T_TMP/r.pub")" allowed-ips 203.0.113.65/32
need C c2 ip -batch - <<-EOF
	addr add 203.0.113.66 peer 203.0.113.65 dev wg0
	link set wg0 up
EOF
need R ip link add wg0 type wireguard
need R wg set wg0 listen-port 51821 private-key "$T_TMP/r.key" \
	peer "$(<"$T_TMP/c.pub")" endpoint 198.51.100.3:51820 allowed-ips 203.0.113.66/32
need R ip -batch - <<-EOF
	addr add 203.0.113.65 peer 203.0.113.66 dev wg0
	link set wg0 up
EOF
netdev_counts virt2 "$c2pid"
before=$counts
cap_start wire3 eth1 remote
check "WireGuard: the other host pings the container's 203.0.113.66" \
	R ping -c "$PINGS" -i 0.2 -W 3 203.0.113.66
pair='host 198.51.100.1 and host 198.51.100.3'
wg='udp and port 51820 and udp port 51821'
# WireGuard's message type is the first byte of the UDP payload: 1 and 2
# the handshake, 4 data; a data message longer than 32 bytes (its header
# and tag, a keepalive's size) carries a packet.
data="$wg and udp[8] = 4 and udp[4:2] > 40"
ran_to wire3 $((2 * PINGS)) "$data" virt2 "$c2pid"
check_eq "the wire carried the $((2 * PINGS)) pings as WireGuard data" \
	$((2 * PINGS)) "$(cap_count wire3 "$data")"
check_eq "... after one handshake: an initiation and a response" "1 1" \
	"$(cap_count wire3 "$wg and udp[8] = 1") $(cap_count wire3 "$wg and udp[8] = 2")"
check_eq "... and nothing else between the two: no ICMP, no other port" 0 \
	"$(cap_count wire3 "$pair and not ($wg)")"
check_eq "... and no inner address at all" 0 \
	"$(cap_count wire3 'host 203.0.113.65 or host 203.0.113.66')"
check_match "the container's peer learned the other host's endpoint" \
	"198\.51\.100\.1:51821" "$(C c2 wg show wg0 endpoints)"
child_counted virt2 wire3 198.51.100.3
done_testing
