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
. "${0%/*}/lib/lib.sh"

export IP_LIB_DIR=$VIRT_BUILD/iproute2
topo_addressed
# The plugin's routes: 203.0.113.0/24 beyond the other host.
need R ip addr add 203.0.113.1/24 dev lo

hl='{"type": "host-local", "ranges": [[{"subnet": "198.51.100.0/24", "rangeStart": "198.51.100.10", "rangeEnd": "198.51.100.19"}]], "routes": [{"dst": "203.0.113.0/24", "gw": "198.51.100.1"}]}'
conf=$(cni_conf lan "$hl")
for n in c1 c2 c3 gone; do need ip netns add "$n"; done
nsp() { echo "/run/netns/$1"; }
exists_in() { ip -n "$1" link show "$2" >/dev/null 2>&1; }
# fails CMD...: CMD fails (a rule's command: rule has no check_fails).
fails() { ! "$@"; }
# names NS: the links in NS but lo and the fallback tunnels a kernel with
# them built in puts in every namespace (sit0@NONE on the debug kernel).
names() { ip -n "$1" -o link show | awk -F': ' '$2 != "lo" && $2 !~ /@NONE$/ { print $2 }'; }
links() { names "$1" | wc -l; }

CNI_COMMAND=VERSION "$(cni_plugin)" </dev/null >"$T_TMP/version.json"
check_match "VERSION: 0.3.1, 0.4.0 and 1.0.0 supported" "'0\.3\.1'.*'0\.4\.0'.*'1\.0\.0'" \
	"$(jget "$T_TMP/version.json" 'd["supportedVersions"]')"

# --- ADD, traffic, CHECK ------------------------------------------------------

check "ADD c1" cni ADD "$(nsp c1)" eth0 "$conf"
cp "$T_TMP/cni.out" "$T_TMP/add1.json"
check_eq "ADD's result: cniVersion 1.0.0, interface eth0 in c1" "1.0.0 eth0 $(nsp c1)" \
	"$(jget "$T_TMP/add1.json" 'd["cniVersion"], d["interfaces"][0]["name"], d["interfaces"][0]["sandbox"]' | tr -d "(),'")"
a1=$(jget "$T_TMP/add1.json" 'd["ips"][0]["address"]')
check_match "ADD's result: an address of the range" '^198\.51\.100\.1[0-9]/24$' "$a1"
check_match "ADD's result: the MAC of c1's eth0" \
	"^$(ip netns exec c1 cat /sys/class/net/eth0/address)\$" "$(jget "$T_TMP/add1.json" 'd["interfaces"][0]["mac"]')"
check_match "c1's eth0 is a child of the host's eth0" \
	"^[0-9]+: eth0@if$(cat /sys/class/net/eth0/ifindex):" "$(ip -n c1 -o link show eth0)"
check_match "c1's eth0 has $a1" "inet ${a1//./\\.} " "$(ip -n c1 addr show eth0)"
is_virt && check_match "c1's eth0 is a virt link, spoofchk on, allowed its address alone" \
	"virt mode normal .*spoofchk on allow $(rx "${a1%/*}")/32 addrgenmode" "$(ip -n c1 -d link show eth0 | tr '\n' ' ' | sed 's/ *$//')"
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
check_eq "host-local holds two addresses" "${a1%/*} ${a2%/*} " "$(cni_leases lan)"

# CHECK: the configuration with prevResult, as a runtime sends it.
with_prev() { python3 -c 'import json, sys; c = json.loads(sys.argv[1]); c["prevResult"] = json.load(open(sys.argv[2])); print(json.dumps(c))' "$1" "$2"; }
check "CHECK c1 against ADD's result" cni CHECK "$(nsp c1)" eth0 "$(with_prev "$conf" "$T_TMP/add1.json")"
need ip -n c2 addr del "$a2" dev eth0
check_fails "CHECK c2 fails once its address is gone" cni CHECK "$(nsp c2)" eth0 "$(with_prev "$conf" "$T_TMP/add2.json")"
check_match "CHECK's error is CNI error JSON" '"code": *[0-9]+' "$(cat "$T_TMP/cni.out")"
is_virt && check_match "CHECK says the address is gone" "^address ${a2//./\\.}: gone" \
	"$(jget "$T_TMP/cni.out" 'd["msg"]')"
need ip -n c2 addr add "$a2" dev eth0
need ip -n c1 route del 203.0.113.0/24
check_fails "CHECK c1 fails once IPAM's route is gone" cni CHECK "$(nsp c1)" eth0 \
	"$(with_prev "$conf" "$T_TMP/add1.json")"
is_virt && check_match "CHECK names the route" '^route 203\.0\.113\.0/24: gone' \
	"$(jget "$T_TMP/cni.out" 'd["msg"]')"
need ip -n c1 route add 203.0.113.0/24 via 198.51.100.1 dev eth0

# --- DEL ----------------------------------------------------------------------

check "DEL c1" cni DEL "$(nsp c1)" eth0 "$conf"
check_eq "DEL c1: no eth0 left in c1" 0 "$(links c1)"
check_eq "DEL c1: its address released" "${a2%/*} " "$(cni_leases lan)"
check "DEL c1 again succeeds" cni DEL "$(nsp c1)" eth0 "$conf"
need ip netns del c2
check "DEL c2 after its namespace is gone succeeds" cni DEL "$(nsp c2)" eth0 "$conf"
check_eq "DEL c2: its address released" "" "$(cni_leases lan)"
check "ADD c3, then DEL without CNI_NETNS (the namespace gone)" cni ADD "$(nsp c3)" eth0 "$conf"
check "DEL without CNI_NETNS succeeds" cni DEL "" eth0 "$conf" id-c3
check_eq "DEL without CNI_NETNS: the address released" "" "$(cni_leases lan)"
need ip -n c3 link del eth0

# --- keys and versions ------------------------------------------------------------

# keyed NAME CONF DESC: ADD in c1 with CONF (a point), its result left in
# $T_TMP/NAME.json.
keyed() {
	check "ADD, $3" cni ADD "$(nsp c1)" eth0 "$2"
	cp "$T_TMP/cni.out" "$T_TMP/$1.json"
}
unkeyed() { check "DEL, $1" cni DEL "$(nsp c1)" eth0 "$2"; }

check_fails "CHECK without prevResult fails" cni CHECK "$(nsp c1)" eth0 "$conf"
is_virt && check_match "CHECK without prevResult: code 7, prevResult named" '^7 prevResult' \
	"$(jget "$T_TMP/cni.out" 'd["code"], d["msg"]' | tr -d "(),'")"

# No master: the interface of the host's default route, as the reference
# plugins read it.
need ip route add default via 192.0.2.2 dev eth0
nomaster=$(cni_conf lan "$hl" | sed 's/"master": "eth0", //')
keyed nomaster "$nomaster" "no master: the default route's interface"
check_eq "no master: c1's eth0 is a child of eth0 (ifindex $(cat /sys/class/net/eth0/ifindex))" \
	"eth0@if$(cat /sys/class/net/eth0/ifindex)" \
	"$(ip -n c1 -o link show eth0 | awk -F': ' '{ print $2 }')"
unkeyed "no master" "$nomaster"
need ip route del default

v04=$(cni_conf lan "$hl" | sed 's/"1\.0\.0"/"0.4.0"/')
keyed v04 "$v04" "cniVersion 0.4.0"
check_eq "cniVersion 0.4.0: its result's form (version 4 on the address)" "0.4.0 4" \
	"$(jget "$T_TMP/v04.json" 'd["cniVersion"] + " " + d["ips"][0]["version"]')"
unkeyed "cniVersion 0.4.0" "$v04"

static=$(cni_conf lan '{"type": "static", "addresses": [{"address": "198.51.100.40/24", "gateway": "198.51.100.1"}], "routes": [{"dst": "0.0.0.0/0"}]}')
keyed static "$static" "IPAM static"
check_match "IPAM static: 198.51.100.40 on c1's eth0" 'inet 198\.51\.100\.40/24 ' "$(ip -n c1 addr show eth0)"
check_match "IPAM static: the default route through its gateway" '^default via 198\.51\.100\.1 dev eth0' "$(ip -n c1 route)"
check "IPAM static: c1 reaches the other host" ip netns exec c1 ping -c 1 -W 3 198.51.100.1
unkeyed "IPAM static" "$static"

if is_virt; then
	own=$(cni_conf lan "$hl" '"ownMac": true')
	keyed own "$own" "ownMac"
	check_match "ownMac: c1's eth0 is own-mac" "virt mode normal .* own-mac" "$(ip -n c1 -d link show eth0)"
	check "ownMac: a MAC not eth0's" test "$(ip netns exec c1 cat /sys/class/net/eth0/address)" != "$(mac eth0)"
	check "ownMac: the other host reaches c1" R ping -c 1 -W 3 "$(jget "$T_TMP/own.json" 'd["ips"][0]["address"].split("/")[0]')"
	unkeyed "ownMac" "$own"
	given=$(cni_conf lan "$hl" '"mac": "02:00:5e:10:00:42"')
	keyed given "$given" "mac 02:00:5e:10:00:42"
	check_eq "mac: c1's eth0 and the result have it" "02:00:5e:10:00:42 02:00:5e:10:00:42" \
		"$(ip netns exec c1 cat /sys/class/net/eth0/address) $(jget "$T_TMP/given.json" 'd["interfaces"][0]["mac"]')"
	unkeyed "mac" "$given"
	mirror=$(cni_conf tap '{}' '"mode": "mirror", "mirrorTx": true')
	keyed mirror "$mirror" "mode mirror, mirrorTx, no IPAM"
	check_match "mode mirror: c1's eth0 is a mirror copying the parent's output" 'virt mode mirror mirror-tx on forward off' \
		"$(ip -n c1 -d link show eth0)"
	check_eq "mode mirror: no address in its result" "[]" "$(jget "$T_TMP/mirror.json" 'd["ips"]')"
	unkeyed "mode mirror" "$mirror"
	check_eq "spoofchk false: c1's eth0 has spoofchk off" "spoofchk off" \
		"$(cni ADD "$(nsp c1)" eth0 "$(cni_conf lan "$hl" '"spoofchk": false')" &&
			ip -n c1 -d link show eth0 | grep -o 'spoofchk o[nf]*')"
	unkeyed "spoofchk false" "$conf"
fi
mtu=$(cni_conf lan "$hl" '"mtu": 1400')
keyed mtu "$mtu" "mtu 1400"
check_eq "mtu 1400: on c1's eth0" 1400 "$(ip netns exec c1 cat /sys/class/net/eth0/mtu)"
check "mtu 1400: CHECK" cni CHECK "$(nsp c1)" eth0 "$(with_prev "$mtu" "$T_TMP/mtu.json")"
need ip -n c1 link set eth0 mtu 1300
rule "mtu 1400: CHECK fails once it is 1300" fails cni CHECK "$(nsp c1)" eth0 \
	"$(with_prev "$mtu" "$T_TMP/mtu.json")"
unkeyed "mtu 1400" "$mtu"
v031=$(cni_conf lan "$hl" | sed 's/"1\.0\.0"/"0.3.1"/')
keyed v031 "$v031" "cniVersion 0.3.1"
check_eq "cniVersion 0.3.1: its result's form" "0.3.1 4 0" \
	"$(jget "$T_TMP/v031.json" 'd["cniVersion"], d["ips"][0]["version"], d["ips"][0]["interface"]' | tr -d "(),'")"
check_fails "cniVersion 0.3.1: CHECK is refused (it came with 0.4.0)" cni CHECK "$(nsp c1)" eth0 \
	"$(with_prev "$v031" "$T_TMP/v031.json")"
unkeyed "cniVersion 0.3.1" "$v031"
check_eq "cniVersion 1.0.0: no version on the addresses" False \
	"$(jget "$T_TMP/add1.json" '"version" in d["ips"][0]')"
check_eq "the keys' ADDs and DELs left nothing allocated" "" "$(cni_leases lan)"
check_eq "the keys' ADDs and DELs left no link in c1" 0 "$(links c1)"

# While IPAM runs, the child is up (the dhcp daemon needs it) and may hold
# nothing yet: an IPAM plugin that looks before it hands out an address.
if is_virt; then
	mkdir -p "$T_TMP/spy"
	cat >"$T_TMP/spy/spy" <<-EOF
		#!/bin/sh
		nsenter --net="\$CNI_NETNS" ip -d link show "\$CNI_IFNAME" >"$T_TMP/spy.seen" 2>&1
		exec /usr/lib/cni/host-local
	EOF
	chmod +x "$T_TMP/spy/spy"
	spied=$(cni_conf lan "${hl/host-local/spy}")
	CNI_PATH=$T_TMP/spy:$CNI_PATH check "ADD with an IPAM plugin that looks first" \
		cni ADD "$(nsp c1)" eth0 "$spied"
	check_match "while IPAM ran, the child was up and allowed nothing (::/128)" \
		'UP.*spoofchk on allow ::/128 addrgenmode' "$(tr '\n' ' ' <"$T_TMP/spy.seen")"
	CNI_PATH=$T_TMP/spy:$CNI_PATH check "DEL after it" cni DEL "$(nsp c1)" eth0 "$spied"
fi

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
# What a rival left in c3, and the addresses it kept, gone before the next.
c3_empty() {
	names c3 | sed 's/@.*//' |
		while read -r l; do ip -n c3 link del "$l"; done
	is_virt || rm -f /var/lib/cni/networks/lan/[0-9]*
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
	"$(python3 -c 'print("[" * 100000 + "]" * 100000)')"
is_virt && check_match "JSON nested 100000 deep: refused for its depth" 'depth' \
	"$(jget "$T_TMP/cni.out" 'd["details"]')"
# The reference plugins read any size.
big=$(cni_conf lan "$hl" "\"pad\": \"$(head -c 2000000 /dev/zero | tr '\0' x)\"")
is_virt && refuse "2 MB on stdin" 5 'more than' "$(nsp c3)" eth0 "$big"
refuse "ipam.type a path" 7 '^ipam\.type' "$(nsp c3)" eth0 \
	"$(cni_conf lan '{"type": "../../bin/sh"}')"
# After the link and the allocation exist: a route the kernel refuses (its
# gateway on no link of the child's).
refuse "a route through 192.0.2.99" 100 '^adding a route' "$(nsp c3)" eth0 \
	"$(cni_conf lan "$hl" | sed 's/"gw": "198.51.100.1"/"gw": "192.0.2.99"/')"
refuse "CNI_NETNS the plugin's own" 4 "^CNI_NETNS: the plugin's own" /proc/self/ns/net eth0 "$conf"
if is_virt; then
	refuse "mac multicast" 7 '^mac:' "$(nsp c3)" eth0 "$(cni_conf lan "$hl" '"mac": "01:00:5e:00:00:01"')"
	refuse "ownMac on a mirror" 7 '^ownMac:' "$(nsp c3)" eth0 \
		"$(cni_conf lan '{}' '"mode": "mirror", "ownMac": true')"
	refuse "mirrorTx in mode normal" 7 '^mirrorTx, forward:' "$(nsp c3)" eth0 \
		"$(cni_conf lan "$hl" '"mirrorTx": true')"
	refuse "allow an IPv4-mapped prefix" 7 '^allow:' "$(nsp c3)" eth0 \
		"$(cni_conf lan "$hl" '"allow": ["::ffff:198.51.100.0/120"]')"
	refuse "no master, no default route" 7 '^master: not given' "$(nsp c3)" eth0 \
		"$(cni_conf lan "$hl" | sed 's/"master": "eth0", //')"
fi

# A name that exists: c3's eth0 (a dummy) stays, and no address is taken.
need ip -n c3 link add eth0 type dummy
check_fails "eth0 exists in c3: ADD fails" cni ADD "$(nsp c3)" eth0 "$conf"
is_virt && check_match "eth0 exists in c3: the message says so" 'eth0 exists' "$(jget "$T_TMP/cni.out" 'd["msg"]')"
check_match "eth0 exists in c3: c3's eth0 is still the dummy" 'dummy' "$(ip -n c3 -d link show eth0)"
rule_eq "eth0 exists in c3: nothing allocated" "" "$(cni_leases lan)"
rule_eq "eth0 exists in c3: only the dummy is left" eth0 \
	"$(names c3)"
check "DEL of a link not made by the plugin succeeds" cni DEL "$(nsp c3)" eth0 "$conf"
rule "DEL leaves a link the plugin didn't make" exists_in c3 eth0
c3_empty

# --- a container's root, on the plugin's interface -------------------------------

# The runtime's namespace as rootless podman or LXD make one: a user
# namespace of its own, root only inside it.
container_start u1
check "ADD u1 (a container with its own user namespace)" cni ADD "$(nsp u1)" eth0 "$conf"
a3=$(jget "$T_TMP/cni.out" 'd["ips"][0]["address"]')
check_match "u1 has an address of the range" '^198\.51\.100\.1[0-9]/24$' "$a3"
check "u1 reaches the other host" C u1 ping -c 1 -W 3 198.51.100.1
check "the other host reaches u1" R ping -c 1 -W 3 "${a3%/*}"
check "u1's root can add a route (the container's own business)" \
	C u1 ip route add 192.0.2.0/24 via 198.51.100.1 dev eth0
rule_match "u1's root can't add an address IPAM didn't give" 'not in the allow-list' \
	"$(C u1 ip addr add 198.51.100.99/24 dev eth0 2>&1)"
is_virt && check_match "u1's root can't widen its allow list" 'allow-list needs CAP_NET_ADMIN' \
	"$(C u1 ip link set eth0 type virt allow 0.0.0.0/0 2>&1)"
is_virt && check_match "u1's root can't turn spoofchk off" 'spoofchk off needs CAP_NET_ADMIN' \
	"$(C u1 ip link set eth0 type virt spoofchk off 2>&1)"
rule "u1's root can't change its MAC" \
	fails C u1 ip link set eth0 address 02:00:00:00:00:99
rule "nothing answers the other host at 198.51.100.99" \
	fails R ping -c 1 -W 2 198.51.100.99
check "DEL u1" cni DEL "$(nsp u1)" eth0 "$conf"
check_eq "DEL u1: no eth0 left" 0 "$(links u1)"
check_eq "DEL u1: released" "" "$(cni_leases lan)"

# --- the parser, fuzzed ---------------------------------------------------------

if is_virt; then
	cp -r "${0%/*}/../cni/fuzz-seeds" "$T_TMP/corpus"
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	check "the configuration parser: 20 s of libFuzzer under ASan and UBSan, no report" \
		"$VIRT_BUILD/cni/fuzz-conf" -max_total_time=20 -max_len=8192 -timeout=5 "$T_TMP/corpus"
	grep -E 'DONE|ERROR' "$T_LOG" | sed 's/^/# /'
fi

done_testing
