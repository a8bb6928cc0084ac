#!/bin/bash
# The CNI plugin as a runtime drives it (the specification 1.0): ADD, CHECK,
# DEL and VERSION with the reference host-local IPAM, in namespaces: the
# result, the interface and its address, traffic with the other host and
# between two containers, CHECK against prevResult, DEL twice and after
# the namespace is gone, the allocation released. Then what must fail and
# leave nothing: a missing master, bad JSON, an unknown mode, a name that
# exists, a CNI_NETNS that isn't a namespace, hostile input; a container
# root that tries to go beyond the addresses the plugin gave it; and the
# parser's fuzzer under AddressSanitizer.
# The same configuration runs through the reference ipvlan (l2) and macvlan
# (bridge) plugins (VIRT_CHILD_KIND): their exact error codes and the
# allow list are virt's alone.
. "${0%/*}/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2
topo_addressed
# The plugin's routes: 203.0.113.0/24 beyond the other host.
need R ip addr add 203.0.113.1/24 dev lo

hl='{"type": "host-local", "ranges": [[{"subnet": "198.51.100.0/24", "rangeStart": "198.51.100.10", "rangeEnd": "198.51.100.19"}]], "routes": [{"dst": "203.0.113.0/24", "gw": "198.51.100.1"}]}'
conf=$(cni_conf lan "$hl")
for n in c1 c2 c3 gone; do need ip netns add "$n"; done
nsp() { echo "/run/netns/$1"; }
exists_in() { ip -n "$1" link show "$2" >/dev/null 2>&1; }
links() { ip -n "$1" -o link show | grep -vc ': lo:'; }

check_match "VERSION lists 1.0.0" '"1\.0\.0"' "$(CNI_COMMAND=VERSION "$(cni_plugin)" </dev/null)"

# --- ADD, traffic, CHECK ------------------------------------------------------

check "ADD c1" cni ADD "$(nsp c1)" eth0 "$conf"
cp "$T_TMP/cni.out" "$T_TMP/add1.json"
check_eq "ADD's result: cniVersion 1.0.0, interface eth0 in c1" "1.0.0 eth0 $(nsp c1)" \
	"$(jget "$T_TMP/add1.json" 'd["cniVersion"], d["interfaces"][0]["name"], d["interfaces"][0]["sandbox"]' | tr -d "(),'")"
a1=$(jget "$T_TMP/add1.json" 'd["ips"][0]["address"]')
check_match "ADD's result: an address of the range" '^198\.51\.100\.1[0-9]/24$' "$a1"
check_eq "ADD's result: the MAC of c1's eth0" "$(ip netns exec c1 cat /sys/class/net/eth0/address)" \
	"$(jget "$T_TMP/add1.json" 'd["interfaces"][0]["mac"]')"
check_match "c1 has eth0, a child of the host's eth0, with $a1" "inet ${a1//./\\.} " "$(ip -n c1 addr show eth0)"
is_virt && check_match "c1's eth0 is a virt link, spoofchk on, allowed its address alone" \
	"virt mode normal .*spoofchk on allow ${a1%/*}/32 " "$(ip -n c1 -d link show eth0 | tr '\n' ' ' | sed 's/ *$//')"
check_match "c1 has IPAM's route to 203.0.113.0/24" '203\.0\.113\.0/24 via 198\.51\.100\.1 dev eth0' "$(ip -n c1 route)"
check "c1 reaches the other host" ip netns exec c1 ping -c 1 -W 3 198.51.100.1
check "the other host reaches c1" R ping -c 1 -W 3 "${a1%/*}"
check "c1 reaches beyond, through IPAM's route" ip netns exec c1 ping -c 1 -W 3 203.0.113.1
check "ADD c2" cni ADD "$(nsp c2)" eth0 "$conf"
cp "$T_TMP/cni.out" "$T_TMP/add2.json"
a2=$(jget "$T_TMP/add2.json" 'd["ips"][0]["address"]')
check_match "c2 has another address" "^198\\.51\\.100\\.1[0-9]/24\$" "$([ "$a2" != "$a1" ] && echo "$a2")"
check "c1 reaches c2" ip netns exec c1 ping -c 1 -W 3 "${a2%/*}"
check "c2 reaches c1" ip netns exec c2 ping -c 1 -W 3 "${a1%/*}"
check_eq "host-local holds two addresses" "${a1%/*} ${a2%/*} " "$(cni_leases lan | tr ' ' '\n' | sort -t. -k4n | tr '\n' ' ')"

# CHECK: the configuration with prevResult, as a runtime sends it.
with_prev() { python3 -c 'import json, sys; c = json.loads(sys.argv[1]); c["prevResult"] = json.load(open(sys.argv[2])); print(json.dumps(c))' "$1" "$2"; }
check "CHECK c1 against ADD's result" cni CHECK "$(nsp c1)" eth0 "$(with_prev "$conf" "$T_TMP/add1.json")"
need ip -n c2 addr del "$a2" dev eth0
check_fails "CHECK c2 fails once its address is gone" cni CHECK "$(nsp c2)" eth0 "$(with_prev "$conf" "$T_TMP/add2.json")"
check_match "CHECK's error is CNI error JSON" '"code": *[0-9]+' "$(cat "$T_TMP/cni.out")"
need ip -n c2 addr add "$a2" dev eth0

# --- DEL ----------------------------------------------------------------------

check "DEL c1" cni DEL "$(nsp c1)" eth0 "$conf"
check_eq "DEL c1: no eth0 left in c1" 0 "$(links c1)"
check_eq "DEL c1: its address released" "${a2%/*} " "$(cni_leases lan)"
check "DEL c1 again succeeds" cni DEL "$(nsp c1)" eth0 "$conf"
need ip netns del c2
check "DEL c2 after its namespace is gone succeeds" cni DEL "$(nsp c2)" eth0 "$conf"
check_eq "DEL c2: its address released" "" "$(cni_leases lan)"
check "DEL without CNI_NETNS succeeds" cni DEL "" eth0 "$conf"
wait_for 5 sh -c "! ip -o link | grep -q '@eth0'"
check_eq "no child of eth0 left in the host's namespace" "" "$(ip -o link | grep '@eth0')"

# --- what fails, and leaves nothing --------------------------------------------

# refuse DESC CODE MSG-REGEX NETNS-PATH IFNAME CONF: ADD fails, with error
# JSON; on virt with code CODE and a message naming the problem. Nothing is
# made in c3, nothing allocated.
refuse() {
	local out
	check_fails "$1: ADD fails" cni ADD "$4" "$5" "$6"
	out=$(cat "$T_TMP/cni.out")
	check_match "$1: an error in CNI's JSON" '"msg":' "$out"
	if is_virt; then
		check_eq "$1: code $2" "$2" "$(jget "$T_TMP/cni.out" 'd["code"]')"
		check_match "$1: the message says why" "$3" "$(jget "$T_TMP/cni.out" 'd["msg"]')"
	fi
	rule_eq "$1: nothing made in c3" 0 "$(links c3)"
	rule_eq "$1: nothing allocated" "" "$(cni_leases lan)"
	c3_empty
}
# What a rival left in c3, gone before the next.
c3_empty() {
	ip -n c3 -o link show | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2 }' |
		while read -r l; do ip -n c3 link del "$l"; done
}
refuse "master eth9" 7 '^master: no interface eth9' "$(nsp c3)" eth0 \
	"$(cni_conf lan "$hl" | sed 's/"master": "eth0"/"master": "eth9"/')"
refuse "bad JSON" 6 'not JSON' "$(nsp c3)" eth0 "$(cni_conf lan "$hl" | head -c 60)"
refuse "mode bogus" 7 '^mode: bogus' "$(nsp c3)" eth0 \
	"$(cni_conf lan "$hl" | sed 's/"type": "[a-z]*"/&, "mode": "bogus"/; s/"mode": "\(l2\|bridge\)", //')"
refuse "mtu 1e30" 7 '^mtu:' "$(nsp c3)" eth0 "$(cni_conf lan "$hl" '"mtu": 1e30')"
refuse "cniVersion 9.9.9" 1 '^cniVersion' "$(nsp c3)" eth0 \
	"$(cni_conf lan "$hl" | sed 's/"1\.0\.0"/"9.9.9"/')"
refuse "CNI_NETNS a file" 4 '^CNI_NETNS: not a network namespace' /etc/hostname eth0 "$conf"
refuse "CNI_NETNS missing" 4 '^CNI_NETNS' /run/netns/nonesuch eth0 "$conf"
refuse "CNI_IFNAME a/b" 4 '^CNI_IFNAME' "$(nsp c3)" a/b "$conf"
refuse "JSON nested 100000 deep" 6 'not JSON' "$(nsp c3)" eth0 \
	"$(python3 -c 'print("[" * 100000)')"
# The reference plugins read any size.
big=$(cni_conf lan "$hl" "\"pad\": \"$(head -c 2000000 /dev/zero | tr '\0' x)\"")
is_virt && refuse "2 MB on stdin" 5 'more than' "$(nsp c3)" eth0 "$big"
refuse "ipam.type a path" 7 '^ipam\.type' "$(nsp c3)" eth0 \
	"$(cni_conf lan '{"type": "../../bin/sh"}')"

# A name that exists: c3's eth0 (a dummy) stays, and no address is taken.
need ip -n c3 link add eth0 type dummy
check_fails "eth0 exists in c3: ADD fails" cni ADD "$(nsp c3)" eth0 "$conf"
is_virt && check_match "eth0 exists in c3: the message says so" 'eth0 exists' "$(jget "$T_TMP/cni.out" 'd["msg"]')"
check_match "eth0 exists in c3: c3's eth0 is still the dummy" 'dummy' "$(ip -n c3 -d link show eth0)"
check_eq "eth0 exists in c3: nothing allocated" "" "$(cni_leases lan)"
check "DEL of a link not made by the plugin succeeds" cni DEL "$(nsp c3)" eth0 "$conf"
rule "DEL leaves a link the plugin didn't make" exists_in c3 eth0
c3_empty

# --- a container's root, on the plugin's interface -------------------------------

# The runtime's namespace as rootless podman or LXD make one: a user
# namespace of its own, root only inside it.
container_start u1
check "ADD u1 (a container with its own user namespace)" cni ADD "$(nsp u1)" eth0 "$conf"
a3=$(jget "$T_TMP/cni.out" 'd["ips"][0]["address"]')
check "u1 reaches the other host" C u1 ping -c 1 -W 3 198.51.100.1
# fails CMD...: CMD fails (a rule's command: rule has no check_fails).
fails() { ! "$@"; }
check "u1's root can add a route (the container's own business)" \
	C u1 ip route add 192.0.2.0/24 via 198.51.100.1 dev eth0
rule "u1's root can't add an address IPAM didn't give" \
	fails C u1 ip addr add 198.51.100.99/24 dev eth0
is_virt && check "u1's root can't widen its allow list" \
	fails C u1 ip link set eth0 type virt allow 0.0.0.0/0
is_virt && check "u1's root can't turn spoofchk off" \
	fails C u1 ip link set eth0 type virt spoofchk off
rule "u1's root can't change its MAC" \
	fails C u1 ip link set eth0 address 02:00:00:00:00:99
rule "nothing answers the other host at 198.51.100.99" \
	fails R ping -c 1 -W 2 198.51.100.99
check "DEL u1" cni DEL "$(nsp u1)" eth0 "$conf"
check_eq "DEL u1: released" "" "$(cni_leases lan)"

# --- the parser, fuzzed ---------------------------------------------------------

if is_virt; then
	cp -r "${0%/*}/../cni/fuzz-seeds" "$T_TMP/corpus"
	check "the configuration parser: 20 s of libFuzzer under ASan and UBSan, no report" \
		"$VIRT_BUILD/cni/fuzz-conf" -max_total_time=20 -max_len=8192 -timeout=5 "$T_TMP/corpus"
	grep -E 'DONE|ERROR' "$T_LOG" | sed 's/^/# /'
fi

done_testing
