#!/bin/bash
# DHCP clients on children handed to containers, against dnsmasq on the
# other host: what a container runtime does with a child whose address
# comes from the LAN. A server answers a client without an address at its
# MAC and at the address it offers, which the child doesn't hold yet: on a
# child sharing the parent's MAC only the transaction id says whose reply
# it is (virt steers it by that, rx_dhcp). Covered: ISC dhclient in two
# containers (two leases, each on its child), a unicast renewal, release
# and a restart that gets the old address back; dhcpcd and busybox udhcpc;
# two own-MAC children without client ids; the parent's own dhclient
# beside them; DHCPv6 (dhclient -6) on both kinds. A container
# that copies a sibling's transaction id gets none of its replies
# (dhcp_refused; virt only). Clients sharing a MAC, the parent's too, need
# a client identifier each (dnsmasq knows a client by it, and one without
# by its MAC, matching any lease of that MAC): this file gives each one,
# and says in diag lines what happens without.
# Runs against macvlan (own MACs: passes) and ipvlan (shared MAC, no
# steering: its containers get no lease, "ipvlan breaks:" lines).
# A client that gets no lease waits 20 s for one: against ipvlan the file
# takes four minutes.
# virt-timeout: 600
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2	# ip's own-mac
topo_init
ipv6_off
need R ip addr add 198.51.100.1/24 dev eth1
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:1::1/64 dev eth1 nodad
need sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0
# Two-minute leases (dnsmasq's shortest) renewed after 10 s (T1), so that
# a unicast renewal comes within the test; DHCPv6 and router
# advertisements (the M flag) on 2001:db8:1::/64.
leases=$T_TMP/dnsmasq.leases
dnsmasq_start() {
	need R dnsmasq --port=0 --interface=eth1 --log-dhcp --log-facility="$T_TMP/dnsmasq.log" \
		--dhcp-leasefile="$leases" --pid-file="$T_TMP/dnsmasq.pid" \
		--dhcp-range=198.51.100.100,198.51.100.199,255.255.255.0,2m \
		--dhcp-option=option:T1,10 --enable-ra \
		--dhcp-range=2001:db8:1::100,2001:db8:1::1ff,64,2m
}
dnsmasq_start

# dhc NAME CTR DEV [ARGS...]: ISC dhclient in CTR (or root) on DEV, its
# files named NAME in $T_TMP (NAME.conf written by conf), trying for 20 s
# at most (the config's timeout; the outer timeout in case). Once bound it
# stays, a daemon, to renew.
dhc() {
	local n=$1 c=(C "$2") d=$3
	[ "$2" = root ] && c=()
	shift 3
	"${c[@]}" timeout 45 dhclient -1 -v "$@" -cf "$T_TMP/$n.conf" \
		-lf "$T_TMP/$n.leases" -pf "$T_TMP/$n.pid" "$d"
}
conf() { printf 'timeout 20;\n%s\n' "${2:-}" >"$T_TMP/$1.conf"; }
# leased NAME: the address of NAME's last lease (dhclient appends each one).
leased() { sed -n 's/^  fixed-address \(.*\);$/\1/p; s/^ *iaaddr \([0-9a-f:]*\) {$/\1/p' \
	"$T_TMP/$1.leases" 2>/dev/null | tail -n 1; }
# leased_then ADDR CMD...: CMD, where there is a lease (ADDR): a rival's
# client that got none fails what follows from it too.
leased_then() { [ -n "$1" ] && shift && "$@"; }
holds() { [ -n "$3" ] && ip -n "$1" -o addr show dev "$2" | grep -q "inet6\? $3/"; }
stat_of() { ethstat "$2" "$3" "$1"; }	# stat_of CTR DEV NAME

container_child ctr1 virt1
container_child ctr2 virt2
conf ctr1 'send dhcp-client-identifier "ctr1";'
conf ctr2 'send dhcp-client-identifier "ctr2";'
cap_start wire eth1 remote

# Each exchange alone, so that a sibling's counters show none of it.
is_virt && d2=$(stat_of ctr2 virt2 rx_dhcp) d1=$(stat_of ctr1 virt1 rx_dhcp)
rule "dhclient in ctr1 (client id ctr1) gets a lease" dhc ctr1 ctr1 virt1
is_virt && { n1=$(stat_of ctr1 virt1 rx_dhcp); n2=$(stat_of ctr2 virt2 rx_dhcp); }
rule "dhclient in ctr2 (client id ctr2) gets a lease" dhc ctr2 ctr2 virt2
a1=$(leased ctr1) a2=$(leased ctr2)
diag "ctr1 leased ${a1:-nothing}, ctr2 ${a2:-nothing}"
rule "... two different addresses" test -n "$a1" -a -n "$a2" -a "$a1" != "$a2"
rule "ctr1's address is on its child" holds ctr1 virt1 "$a1"
rule "ctr2's address is on its child" holds ctr2 virt2 "$a2"
rule "dnsmasq's lease file holds both" sh -c "grep -q ' $a1 .* 63:74:72:31\$' $leases &&
	grep -q ' $a2 .* 63:74:72:32\$' $leases"
if is_virt; then
	check "virt1 got ctr1's offer and ack, steered by its id (rx_dhcp)" test $((n1 - d1)) -ge 2
	check_eq "... virt2 none of them" 0 $((n2 - d2))
	check "virt2 got its own" test $(($(stat_of ctr2 virt2 rx_dhcp) - n2)) -ge 2
	check_eq "... and virt1 none of them" "$n1" "$(stat_of ctr1 virt1 rx_dhcp)"
	check_eq "no id refused to either" "0 0" \
		"$(stat_of ctr1 virt1 dhcp_refused) $(stat_of ctr2 virt2 dhcp_refused)"
fi

# The renewal at T1: a unicast request from the leased address to the
# server, whose ack goes to that address. dhclient appends the renewed
# lease to its file.
rule "ctr1 renews its lease (a second lease in dhclient's file)" \
	leased_then "$a1" wait_for 30 sh -c "[ \$(grep -c '^lease' $T_TMP/ctr1.leases) -ge 2 ]"
rule "... and keeps its address" leased_then "$a1" test "$a1" = "$(leased ctr1)"
cap_stop wire
rule "... by unicast, from its address to the server" test \
	"$(cap_count wire "src host $a1 and dst host 198.51.100.1 and udp dst port 67")" -ge 1

# Release, then a restart that asks for the same address again.
rule "dhclient -r in ctr1 releases" leased_then "$a1" dhc ctr1 ctr1 virt1 -r
rule "... dnsmasq forgets the lease" leased_then "$a1" wait_for 5 sh -c "! grep -q ' $a1 ' $leases"
rule "... and the address left the child" leased_then "$a1" sh -c "! ip -n ctr1 -o addr show dev virt1 | grep -q ' $a1/'"
rule "a restart of ctr1's dhclient gets a lease" dhc ctr1 ctr1 virt1
rule "... for the address it had" leased_then "$a1" test "$a1" = "$(leased ctr1)"
rule "... on its child" holds ctr1 virt1 "$a1"

# dhcpcd (ARP-probes the address before taking it) and busybox udhcpc
# (whose default client id is its MAC: the siblings' would be the same).
container_child ctr3 virt3
# (-L: no IPv4 link-local address instead, with which it would exit 0;
# without a lease it outlives its -t, hence the timeout.)
C ctr3 timeout 40 dhcpcd -1 -4 -B -L -t 20 -I ctr3 -f /dev/null virt3 >"$T_TMP/dhcpcd.log" 2>&1
st=$?
a3=$(awk '$5 == "00:63:74:72:33" { print $3 }' "$leases")
rule "dhcpcd -I ctr3 in ctr3 gets a lease" test "$st" = 0 -a -n "$a3"
[ -n "$a3" ] || diag "dhcpcd exited $st: $(tail -n 3 "$T_TMP/dhcpcd.log" | tr '\n' ' ')"
rule "... on its child" holds ctr3 virt3 "$a3"
container_child ctr4 virt4
# shellcheck disable=SC2016 # the script's own variables
printf '#!/bin/sh\ncase $1 in bound|renew) ip addr replace $ip/$mask dev $interface ;; esac\n' \
	>"$T_TMP/udhcpc.sh"
chmod +x "$T_TMP/udhcpc.sh"
rule "udhcpc -x 61:ctr4 in ctr4 gets a lease" C ctr4 timeout 45 \
	udhcpc -f -q -n -t 6 -T 3 -i virt4 -s "$T_TMP/udhcpc.sh" -x 0x3d:0063747234
a4=$(awk '$5 == "00:63:74:72:34" { print $3 }' "$leases")
rule "... on its child" holds ctr4 virt4 "$a4"
diag "dhcpcd leased ${a3:-nothing}, udhcpc ${a4:-nothing}"

# The parent's own dhclient beside the children: none of its replies go
# to them. With a client id too (its MAC's, as NetworkManager sends by
# default): dnsmasq gives a client without one any lease of its MAC, here
# a child's (see the end).
conf eth0 'send dhcp-client-identifier = hardware;'
is_virt && s=$(stat_of ctr2 virt2 rx_dhcp)
check "the parent's dhclient on eth0 gets a lease" dhc eth0 root eth0
a0=$(leased eth0)
check "... on eth0" sh -c "ip -o addr show dev eth0 | grep -q ' $a0/'"
is_virt && check_eq "... and get none of the parent's replies (virt2's rx_dhcp)" "$s" \
	"$(stat_of ctr2 virt2 rx_dhcp)"
check "the other host reaches the parent at $a0" R ping -c 2 -i 0.2 -W 2 "$a0"

# Children with a MAC of their own need no client id: the server tells
# them apart by MAC, and its replies come to that MAC (rx_mac). DHCPv6
# too, on one of them.
if has_own_mac; then
	for n in 6 7; do
		container_start ctr$n
		child_own virt$n eth0 ctr$n
		conf own$n
		check "dhclient without a client id in ctr$n (own MAC) gets a lease" \
			dhc own$n ctr$n virt$n
	done
	a6=$(leased own6) a7=$(leased own7)
	check "... two different addresses" test -n "$a6" -a -n "$a7" -a "$a6" != "$a7"
	check "... each on its child" sh -c "ip -n ctr6 -o addr show dev virt6 | grep -q ' $a6/' &&
		ip -n ctr7 -o addr show dev virt7 | grep -q ' $a7/'"
	is_virt && check "... steered by MAC (rx_mac), not by id (rx_dhcp)" \
		test "$(stat_of ctr6 virt6 rx_mac)" -ge 2 -a "$(stat_of ctr6 virt6 rx_dhcp)" = 0
	need C ctr6 sysctl -qw net.ipv6.conf.virt6.disable_ipv6=0
	need wait_for 10 sh -c "ip -n ctr6 -6 addr show dev virt6 scope link | grep -q inet6 &&
		! ip -n ctr6 -6 addr show dev virt6 tentative | grep -q inet6"
	conf own6v6
	check "dhclient -6 in ctr6 (own MAC) gets a lease" dhc own6v6 ctr6 virt6 -6
	check_match "... from 2001:db8:1::/64" "^2001:db8:1::[0-9a-f]+$" "$(leased own6v6)"
else
	diag "$CHILD_KIND has no child with a MAC of its own"
fi

# DHCPv6: replies go to the client's link-local address.
container_child ctr5 virt5
need C ctr5 ip link set virt5 down
need C ctr5 sysctl -qw net.ipv6.conf.virt5.disable_ipv6=0
need C ctr5 ip link set virt5 up
need wait_for 10 sh -c "ip -n ctr5 -6 addr show dev virt5 scope link | grep -q inet6 &&
	! ip -n ctr5 -6 addr show dev virt5 tentative | grep -q inet6"
conf ctr5
rule "dhclient -6 in ctr5 gets a lease" dhc ctr5 ctr5 virt5 -6
a5=$(leased ctr5)
rule_match "... from 2001:db8:1::/64" "^2001:db8:1::[0-9a-f]+$" "$a5"
rule "... on its child" holds ctr5 virt5 "$a5"
check "the parent still answers the other host, IPv4" R ping -c 2 -i 0.2 -W 2 "$a0"
ll0=$(ip -6 -o addr show dev eth0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
check "... and IPv6 (link-local)" R ping -6 -c 2 -i 0.2 -W 2 "$ll0%eth1"

# copy_id WHO ID CMD...: ctr3 sniffs the transaction id of the discover
# that CMD (a dhclient, for WHO, with client id ID) broadcasts, and sends
# a discover of its own with that id: the id stays WHO's, CMD gets its
# lease all the same, and ctr3 none of its replies (dhcp_refused).
copy_id() {
	local who=$1 id=$2 victim xid r3
	shift 2
	# (tcpdump can't drop its privileges in a user namespace: python.)
	C ctr3 timeout 40 python3 -S -c '
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((sys.argv[1], 0))
print("ready", flush=True)
while True:
    f = s.recv(2048)
    u = 14 + (f[14] & 15) * 4
    if f[23] == 17 and f[u + 2:u + 4] == b"\0\x43" and f[u + 8] == 1:
        print("xid %#010x" % struct.unpack("!I", f[u + 12:u + 16]), flush=True)
        break' virt3 >"$T_TMP/sniff" 2>&1 &
	wait_for 10 grep -q ready "$T_TMP/sniff" || bail "the sniffer in ctr3 did not start"
	cap_start ctr3 virt3 ctr3
	r3=$(stat_of ctr3 virt3 dhcp_refused)
	"$@" >/dev/null 2>&1 &
	victim=$!
	wait_for 20 grep -q 'xid 0x' "$T_TMP/sniff"
	xid=$(sed -n 's/.*xid \(0x[0-9a-f]*\).*/\1/p' "$T_TMP/sniff" | head -n 1)
	check "ctr3 sniffed $who's discover (xid ${xid:-none})" test -n "$xid"
	need C ctr3 "$FRAMES" virt3 dhcp --xid "${xid:-0}" --client-id "$id"
	check "$who still gets its lease" wait "$victim"
	check_eq "ctr3's copy of $who's id was refused (dhcp_refused)" 1 \
		$(($(stat_of ctr3 virt3 dhcp_refused) - r3))
	# The other host's ping to ctr3 comes after every reply.
	need R ping -c 1 -W 2 203.0.113.3
	check "ctr3's capture ran to the other host's ping" \
		cap_stop ctr3 1 "icmp and src host 203.0.113.1"
	check_eq "... and holds none of the server's replies to $who" 0 \
		"$(cap_count ctr3 "udp src port 67 and udp[12:4] == ${xid:-0}")"
	# Not for want of replies: dnsmasq answered ctr3's discover too.
	check "... though dnsmasq answered both discovers (3 offers and acks at least)" \
		test "$(grep -c " $((xid)) DHCP\(OFFER\|ACK\)(" "$T_TMP/dnsmasq.log")" -ge 3
}
if is_virt; then
	# An address for the barrier: dhcpcd's lease on virt3 may have run
	# out by now, and its address with it (the debug kernel is slow).
	need R ip addr add 203.0.113.1/24 dev eth1
	need C ctr3 ip addr add 203.0.113.3/24 dev virt3
	# ctr2 starts afresh: no lease, no address (dhclient -x leaves it).
	need C ctr2 dhclient -x -pf "$T_TMP/ctr2.pid"
	need C ctr2 ip -4 addr flush dev virt2
	rm -f "$T_TMP/ctr2.leases"
	s=$(stat_of ctr2 virt2 rx_dhcp)
	copy_id ctr2 ctr2 dhc ctr2 ctr2 virt2
	check "... ctr2's on its child" holds ctr2 virt2 "$(leased ctr2)"
	check "... its replies steered to it (rx_dhcp)" test $(($(stat_of ctr2 virt2 rx_dhcp) - s)) -ge 2
	# The host's own id: its discover reaches the children as a copy.
	need dhc eth0 root eth0 -r
	need ip -4 addr flush dev eth0
	copy_id "the parent" "" dhc eth0 root eth0
	a0=$(leased eth0)
	check "... the parent's on eth0" sh -c "ip -o addr show dev eth0 | grep -q ' $a0/'"
fi

# Without a client id a client is its MAC to dnsmasq: it gets any lease
# of that MAC (and a client with an id one of its MAC that has none). So
# shared-MAC children without ids are one client, and the parent without
# one too. For the user's guide, not a promise: each client's fate in a diag
# line, from a fresh server, the children holding no address.
need dhc eth0 root eth0 -r
for n in 1 2; do
	C ctr$n dhclient -x -pf "$T_TMP/ctr$n.pid" >/dev/null 2>&1
	need C ctr$n ip -4 addr flush dev virt$n
done
need kill "$(cat "$T_TMP/dnsmasq.pid")"
need wait_for 5 sh -c "! pgrep -x dnsmasq"
rm -f "$leases"
dnsmasq_start
for n in 1 2 0; do
	conf noid$n
	mark=$(wc -l <"$T_TMP/dnsmasq.log")
	if [ $n = 0 ]; then dhc noid0 root eth0; else dhc noid$n ctr$n virt$n; fi >/dev/null 2>&1
	st=$?
	diag "no client id: $([ $n = 0 ] && echo the parent || echo ctr$n)'s dhclient exits $st," \
		"leased '$(leased noid$n)'; dnsmasq offered: $(tail -n +$((mark + 1)) \
		"$T_TMP/dnsmasq.log" | grep -o 'DHCPOFFER(eth1) [0-9.]*' | cut -d' ' -f2 | sort -u | xargs)"
done
diag "dnsmasq's leases: $(cut -d' ' -f2- "$leases" | tr '\n' ';')"
check "the parent still answers the other host (IPv6 link-local)" \
	R ping -6 -c 2 -i 0.2 -W 2 "$ll0%eth1"

for f in "$T_TMP"/*.pid; do
	[ "$f" = "$T_TMP/dnsmasq.pid" ] || kill "$(cat "$f")" 2>/dev/null
done
done_testing
