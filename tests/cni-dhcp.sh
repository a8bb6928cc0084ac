#!/bin/bash
# The CNI plugin with the reference dhcp IPAM plugin: its daemon, on the
# host, runs a DHCP client for each container on that container's
# interface, against dnsmasq on the other host. Two containers on a virt
# network share the parent's MAC; the daemon gives each a client id of
# its own (container id, network, interface), and virt steers each reply
# to the child whose request carried its transaction id (rx_dhcp). Each
# gets a lease, keeps it as long as its address, and DEL releases it.
# Runs against the reference macvlan (own MACs: passes) and ipvlan (shared
# MAC, no steering: "ipvlan breaks:" lines).
# virt-timeout: 600
. "${0%/*}/lib/lib.sh"

topo_addressed
leases=$T_TMP/dnsmasq.leases
need R dnsmasq --port=0 --interface=eth1 --log-dhcp --log-facility="$T_TMP/dnsmasq.log" \
	--dhcp-leasefile="$leases" --pid-file="$T_TMP/dnsmasq.pid" \
	--dhcp-range=198.51.100.100,198.51.100.199,255.255.255.0,2m
mkdir -p /run/cni
/usr/lib/cni/dhcp daemon >"$T_TMP/dhcpd.log" 2>&1 &
daemon=$!
wait_for 10 test -S /run/cni/dhcp.sock || bail "set-up failed: the dhcp plugin's daemon"

conf=$(cni_conf dlan '{"type": "dhcp"}')
for c in c1 c2; do
	need ip netns add "$c"
	rule "ADD $c: a lease from the LAN's server" cni ADD "/run/netns/$c" eth0 "$conf"
	cp "$T_TMP/cni.out" "$T_TMP/$c.json"
done
a1=$(jget "$T_TMP/c1.json" 'd["ips"][0]["address"]')
a2=$(jget "$T_TMP/c2.json" 'd["ips"][0]["address"]')
rule_match "c1's address is a lease of dnsmasq's range" '^198\.51\.100\.1[0-9][0-9]/24$' "$a1"
rule_match "c2's too, another" '^198\.51\.100\.1[0-9][0-9]/24$' "$([ "$a1" != "$a2" ] && echo "$a2")"
rule "dnsmasq holds both leases" sh -c "grep -c ' ${a1%/*} ' '$leases' && grep -c ' ${a2%/*} ' '$leases'"
rule "c1 has its address, on eth0" sh -c "ip -n c1 addr show eth0 | grep -q 'inet ${a1%/*}/'"
rule "c1 reaches the other host" ip netns exec c1 ping -c 1 -W 3 198.51.100.1
rule "the other host reaches c2" R ping -c 1 -W 3 "${a2%/*}"
rule "c1 reaches c2" ip netns exec c1 ping -c 1 -W 3 "${a2%/*}"
if is_virt; then
	check_eq "each child got its server's replies by their transaction id (rx_dhcp)" "yes yes" \
		"$( [ "$(ethstat eth0 rx_dhcp c1)" -gt 0 ] && echo yes) $( [ "$(ethstat eth0 rx_dhcp c2)" -gt 0 ] && echo yes)"
	check_eq "neither child's id was refused (dhcp_refused)" "0 0" \
		"$(ethstat eth0 dhcp_refused c1) $(ethstat eth0 dhcp_refused c2)"
	check_match "c1's child may hold its lease alone" "allow $(rx "${a1%/*}")/32 addrgenmode" \
		"$(IP_LIB_DIR=$VIRT_BUILD/iproute2 ip -n c1 -d link show eth0)"
fi

for c in c1 c2; do
	check "DEL $c" cni DEL "/run/netns/$c" eth0 "$conf"
done
# The daemon releases each lease (DHCPRELEASE), which dnsmasq logs.
for a in "$a1" "$a2"; do
	rule "dnsmasq saw ${a%/*} released" wait_for 10 grep -q "DHCPRELEASE(eth1) ${a%/*} " "$T_TMP/dnsmasq.log"
done
for c in c1 c2; do
	check "DEL: $c is there, without eth0" sh -c "ip netns exec $c true && ! ip -n $c link show eth0"
done
kill "$daemon"
wait "$daemon" 2>/dev/null
kill "$(cat "$T_TMP/dnsmasq.pid")"
done_testing
