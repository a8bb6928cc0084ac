# shellcheck shell=bash
# Guest-side test library: TAP output, the two-host topology, captures,
# counters and module helpers. Each test file runs as root in its own VM
# (scripts/vm run KVER -- tests/FILE.sh), so it starts from a clean boot:
#
#   root namespace: eth0 (the parent)  ==QEMU hub==  eth1 in netns "remote"
#
# Addresses come from 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
# 2001:db8::/32 only.

VIRT_BUILD=${VIRT_BUILD:?"run me inside the VM: scripts/vm run KVER -- $0"}
VIRT_KO=$VIRT_BUILD/virt.ko
VIRT_FULL_KO=$VIRT_BUILD/virt-full/virt_full.ko
T_TMP=$(mktemp -d)
T_LOG=$T_TMP/last.log
_t_n=0
_t_fail=0

# --- TAP -------------------------------------------------------------------

ok() { _t_n=$((_t_n + 1)); echo "ok $_t_n - $*"; }
nok() { _t_n=$((_t_n + 1)); _t_fail=$((_t_fail + 1)); echo "not ok $_t_n - $*"; }
diag() { echo "# $*"; }

# check DESC CMD...: passes when CMD succeeds; shows CMD's output if not.
# Returns whether it passed.
check() {
	local desc=$1
	shift
	if "$@" >"$T_LOG" 2>&1; then
		ok "$desc"
	else
		nok "$desc"
		diag "failed: $*"
		tail -n 15 "$T_LOG" | sed 's/^/#   /'
		return 1
	fi
}

# check_fails DESC CMD...: passes when CMD fails.
check_fails() {
	local desc=$1
	shift
	if "$@" >"$T_LOG" 2>&1; then
		nok "$desc"
		diag "succeeded, but should not have: $*"
	else
		ok "$desc"
	fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		diag "  expected: $2"
		diag "  got:      $3"
	fi
}

# check_match DESC REGEX TEXT: TEXT matches the extended REGEX.
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		ok "$1"
	else
		nok "$1"
		diag "  expected to match: $2"
		printf '%s\n' "$3" | tail -n 10 | sed 's/^/#   got: /'
	fi
}

# bail REASON: the test can't go on; TAP consumers count it as a failure.
bail() { echo "Bail out! $*"; exit 1; }

# need CMD...: set-up step that must work, or the test bails out.
need() { "$@" >"$T_LOG" 2>&1 || { cat "$T_LOG"; bail "set-up failed: $*"; }; }

# The suite's own debug kernel (KASAN, lockdep, kmemleak); the Debian
# kernels have no kmemleak.
debug_kernel() { [[ $VIRT_ABI == *-virtdbg-* ]]; }
kmemleak_expected() { debug_kernel; }

# parent_unregisters: unbind eth0's driver, which unregisters eth0 and so
# waits for every reference to it: one that a port or child kept would
# hang here, with "waiting for eth0 to become free" in the log (after 1 s,
# where the kernel lets us say so). Then bind it again. Two test points,
# none where the test left no eth0 with a driver.
parent_unregisters() {
	local dev pid
	if [ ! -e /sys/class/net/eth0/device ]; then
		diag "no eth0 with a driver left to unregister"
		return
	fi
	dev=$(basename "$(readlink /sys/class/net/eth0/device)")
	if [ -w /proc/sys/net/core/netdev_unregister_timeout_secs ]; then
		echo 1 >/proc/sys/net/core/netdev_unregister_timeout_secs
	fi
	sh -c "echo $dev >/sys/bus/virtio/drivers/virtio_net/unbind" &
	pid=$!
	if wait_for 20 sh -c "! kill -0 $pid" && wait "$pid" && ! exists eth0; then
		ok "eth0 unregisters at the end: nothing holds it"
	else
		nok "eth0 unregisters at the end: nothing holds it"
		diag "unbinding eth0 ($dev) did not finish in 20 s:"
		dmesg | grep -E 'become free|ref_tracker' | tail -n 5 | sed 's/^/#   /'
		return
	fi
	check "... and comes back" sh -c "echo $dev >/sys/bus/virtio/drivers/virtio_net/bind"
}

# created_destroyed MODULE: every child and port MODULE logged as created
# (over the whole boot) was also destroyed: its last reference gone, the
# device freed (stacked_destructor), the port freed. A test point only for a
# module that created something here.
created_destroyed() {
	local m=$1 counts
	# One pass of awk over the log: on the debug kernel every process
	# costs a third of a second, and a grep per pattern added up to 14 s.
	counts=$(dmesg | awk -v m="$m" '
		NR == 1 && !/Linux version/ { wrapped = 1; exit }
		index($0, "] " m ": ") || index($0, m ": ") == 1 {
			if (/: created on/) c++
			else if (/: port created/) p++
			else if (/: destroyed/) d++
			else if (/: port destroyed/) f++
		}
		END { if (wrapped || !NR) print "wrapped"; else printf "%d %d %d %d\n", c, p, d, f }')
	if [ "$counts" = wrapped ]; then
		nok "$m.ko: the kernel log still holds the whole boot, to count from"
		return
	fi
	set -- $counts	# created, ports created, destroyed, ports destroyed
	if [ "$1 $2" = "0 0" ]; then
		diag "$m.ko created nothing here"
		return
	fi
	check_eq "$m.ko: every child and port created was destroyed and freed" \
		"$1 $2" "$3 $4"
}

# What every test ends with: our modules unload; eth0 unregisters, so no
# reference to it was kept; everything the modules created was destroyed;
# on the debug kernel, kmemleak finds nothing leaked since topo_init.
final_checks() {
	local m unloaded leaks
	for m in virt virt_full; do
		loaded "$m" && check "rmmod $m at the end" timeout 30 rmmod "$m"
	done
	unloaded=$(date +%s%N)
	parent_unregisters
	created_destroyed virt
	created_destroyed virt_full
	kmemleak_expected || return 0
	if [ ! -w /sys/kernel/debug/kmemleak ]; then
		nok "kmemleak is there to ask"
		diag "$(mount | grep -c debugfs) debugfs mounts; no /sys/kernel/debug/kmemleak"
		return
	fi
	# kmemleak reports only objects older than 5 s: let what the unload
	# freed, or failed to, reach that age (RCU callbacks have run by
	# then too), then scan once.
	sleep "$(awk -v t="$(( ($(date +%s%N) - unloaded) / 1000000 ))" \
		'BEGIN { s = (5500 - t) / 1000; print (s > 0 ? s : 0) }')"
	echo scan >/sys/kernel/debug/kmemleak
	leaks=$(cat /sys/kernel/debug/kmemleak)
	check_eq "kmemleak: no leak since the test began" "" "$leaks"
}

done_testing() {
	final_checks
	echo "1..$_t_n"
	[ "$_t_fail" -eq 0 ]
	exit
}

# --- waiting ------------------------------------------------------------------

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# still CMD...: CMD's output once two readings half a second apart agree
# (at most STILL_LIMIT seconds, 10 unless the caller says): counters read
# after the last late frame has arrived. Fails, after printing the last
# reading, if they never agree: callers check that
# (x=$(still ...) || nok ...), a count still moving is no count.
still() {
	local a b end=$((SECONDS + ${STILL_LIMIT:-10}))
	b=$("$@")
	while [ "$SECONDS" -lt "$end" ]; do
		sleep 0.5
		a=$b
		b=$("$@")
		if [ "$a" = "$b" ]; then
			echo "$b"
			return 0
		fi
	done
	echo "$b"
	return 1
}

# --- topology -------------------------------------------------------------

R() { ip netns exec remote "$@"; }

# The other host: eth1 moves into "remote". Both ends up, no addresses.
# Our modules' pr_debug lines (devices and ports created and destroyed),
# which final_checks counts, print for every load: the suite's builds have
# them on (VIRT_DEBUG=1), and modprobe turns them on in a build that
# doesn't (DKMS's).
topo_init() {
	printf "options virt dyndbg=+p\noptions virt_full dyndbg=+p\n" \
		>/etc/modprobe.d/virt-test.conf || bail "set-up failed: modprobe.d"
	if kmemleak_expected; then
		echo clear >/sys/kernel/debug/kmemleak || bail "set-up failed: kmemleak clear"
	fi
	# Two ip processes, not seven: each costs a third of a second on the
	# debug kernel, and every test starts here.
	need ip -batch - <<-EOF2
		link set lo up
		netns add remote
		link set eth1 netns remote
		link set eth0 up
	EOF2
	need ip -n remote -batch - <<-EOF2
		link set lo up
		link set eth1 up
	EOF2
}

# No IPv6 chatter (DAD, router and MLD solicitations) in either namespace,
# nor in the namespaces made after (they inherit the root namespace's
# settings, not the kernel's defaults), so that counters can be compared
# frame for frame. Tests turn IPv6 on per device where they want it.
ipv6_off() {
	local f
	for f in core/devconf_inherit_init_net ipv6/conf/all/disable_ipv6 \
		ipv6/conf/default/disable_ipv6; do
		echo 1 >"/proc/sys/net/$f" || bail "set-up failed: net.$f=1"
	done
	need R sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

# The usual addresses, and no IPv6 chatter: eth0 192.0.2.1/24 with remote
# 192.0.2.2/24 on the parent's subnet, remote 198.51.100.1/24 on the
# children's.
topo_addressed() {
	topo_init
	ipv6_off
	need ip -n remote -batch - <<-EOF2
		addr add 192.0.2.2/24 dev eth1
		addr add 198.51.100.1/24 dev eth1
	EOF2
	need ip addr add 192.0.2.1/24 dev eth0
}

# unplug_parent ADDR: unbind eth0's virtio device from its driver (what a
# hot-unplug does) while the other host pings ADDR. A test point; the
# device's name is left in $UNPLUGGED for replug_parent.
unplug_parent() {
	local ping
	UNPLUGGED=$(basename "$(readlink /sys/class/net/eth0/device)")
	R ping -q -i 0.01 -W 1 "$1" >/dev/null 2>&1 &
	ping=$!
	sleep 1
	check "unplug eth0 ($UNPLUGGED) while remote pings $1" \
		timeout 20 sh -c "echo $UNPLUGGED >/sys/bus/virtio/drivers/virtio_net/unbind"
	kill "$ping"
}
replug_parent() {
	check "plug eth0 back" sh -c "echo $UNPLUGGED >/sys/bus/virtio/drivers/virtio_net/bind"
	check "eth0 is back" wait_for 5 exists eth0
	need ip link set eth0 up
}

# Interface facts; a counter optionally in a namespace: counter DEV FIELD [NS].
# $(<FILE) reads without starting a process: on the debug kernel each one
# costs half a second, and the tests read counters by the hundred.
counter() {
	if [ -n "${3:-}" ]; then
		ip netns exec "$3" cat "/sys/class/net/$1/statistics/$2"
	else
		echo "$(<"/sys/class/net/$1/statistics/$2")"
	fi
}
# ip_rx_packets DEV: rx_packets as ip -s link shows it (its JSON), for the tests
# that check the user's view agrees with sysfs. python3 -S: no site
# packages to import, a third of the start-up time.
ip_rx_packets() {
	ip -s -j link show "$1" | /usr/bin/python3 -S -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}
mac() { echo "$(<"/sys/class/net/$1/address")"; }
# ethstats DEV [NS]: ethtool -S DEV, in namespace NS if given.
ethstats() { ${2:+ip netns exec "$2"} ethtool -S "$1"; }
# ethstat DEV NAME [NS]: one counter of ethtool -S DEV.
ethstat() { ethstats "$1" "${3:-}" | awk -v n="$2:" '$1 == n { print $2 }'; }
operstate() { echo "$(<"/sys/class/net/$1/operstate")"; }
operstate_is() { [ "$(operstate "$1")" = "$2" ]; }
mtu() { echo "$(<"/sys/class/net/$1/mtu")"; }
exists() { [ -e "/sys/class/net/$1" ]; }

# tc_hits DIR DEV [NS] [PRIO]: frames the tc filter of priority PRIO
# (default 1) on DEV's ingress or egress (DIR) matched.
tc_hits() {
	${3:+ip netns exec "$3"} tc -s filter show dev "$2" "$1" prio "${4:-1}" |
		sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt.*/\1/p' | head -n 1
}

# --- captures -------------------------------------------------------------

# cap_start NAME IFACE [NS]: tcpdump IFACE into $T_TMP/NAME.pcap, returning
# once it listens.
cap_start() {
	local pfx=()
	[ -n "${3:-}" ] && pfx=(ip netns exec "$3")
	# --immediate-mode: no frame may sit in an unretired ring block at exit.
	"${pfx[@]}" tcpdump -i "$2" -n -U --immediate-mode -Z root -w "$T_TMP/$1.pcap" \
		2>"$T_TMP/$1.err" &
	eval "_cap_$1=$!"
	wait_for 30 grep -q "listening on" "$T_TMP/$1.err" ||
		bail "tcpdump -i $2 did not start"
}

# cap_stop NAME [COUNT FILTER]: stop capture NAME, once it holds COUNT
# frames matching FILTER if asked (up to 10 s: tcpdump writes what it
# has read a moment after the frame went by). Frames reach the file in
# the order they passed, so a last frame waited for this way vouches for
# all before it. Fails, saying why, if tcpdump had stopped early, the
# frames waited for never came, or the kernel dropped frames on the
# capture's socket: a count from such a capture proves nothing.
cap_stop() {
	local name=$1 pid err=$T_TMP/$1.err dropped status=0
	eval "pid=\$_cap_$name"
	if [ $# -ge 3 ] && ! wait_for 10 cap_has "$name" "$2" "$3"; then
		diag "capture $name: fewer than $2 frames matching '$3' after 10 s"
		status=1
	fi
	if ! kill -INT "$pid" 2>/dev/null; then
		diag "capture $name: tcpdump had stopped already:"
		sed 's/^/#   /' "$err"
		return 1
	fi
	wait "$pid" 2>/dev/null
	dropped=$(sed -n -E 's/^([0-9]+) packets? dropped by kernel$/\1/p' "$err")
	if [ "${dropped:-none}" != 0 ]; then
		diag "capture $name: ${dropped:-an unknown number of} frames dropped by the kernel"
		status=1
	fi
	return "$status"
}
# cap_has NAME COUNT FILTER: the capture holds at least COUNT such frames.
cap_has() { [ "$(cap_count "$1" "$3")" -ge "$2" ]; }

# cap_count NAME FILTER: frames in the capture matching the pcap FILTER.
cap_count() {
	tcpdump -r "$T_TMP/$1.pcap" -n --count "$2" 2>/dev/null | awk '{ print $1 }'
}
cap_show() { tcpdump -r "$T_TMP/$1.pcap" -n "${2:-}" 2>/dev/null; }

# --- kernel log -------------------------------------------------------------

klog_mark() { _klog_mark=$(dmesg | wc -l); }
klog_new() { dmesg | tail -n +$((_klog_mark + 1)); }

# --- modules ----------------------------------------------------------------

loaded() { grep -q "^$1 " /proc/modules; }

# kernel_at_least MAJOR MINOR: the guest's kernel is that recent.
kernel_at_least() {
	local v=${VIRT_ABI%%-*} maj min
	maj=${v%%.*}
	min=${v#*.}
	min=${min%%[!0-9]*}
	[ "$maj" -gt "$1" ] || { [ "$maj" -eq "$1" ] && [ "$min" -ge "$2" ]; }
}

# reasons_add_up DEV [NS]: DEV's counters by reason add up to its totals,
# in one ethtool -S: the module reads each CPU's totals and reasons under
# one seqcount, so a snapshot agrees with itself even while DEV still sends
# (an ARP reply, a router solicitation), where separate reads need not.
# Two test points.
reasons_add_up() {
	local rx rx_sum tx tx_sum
	read -r rx rx_sum tx tx_sum < <(ethstats "$1" "${2:-}" |
		awk 'function total(k) { return k in v ? v[k] : "none" }
		{ v[$1] = $2 }
		END {
			rx = v["rx_addr:"] + v["rx_arp_ndp:"] + v["rx_copy:"]
			rx += v["rx_local:"] + v["rx_mirror:"] + v["rx_mac:"]
			rx += v["rx_dhcp:"] + v["rx_probe:"]
			tx = v["tx_wire:"] + v["tx_local:"]
			print total("rx_packets:"), rx, total("tx_packets:"), tx
		}')
	check_eq "$1: its rx reasons add up to rx_packets" "${rx:-none}" "$rx_sum"
	check_eq "$1: its tx reasons add up to tx_packets" "${tx:-none}" "$tx_sum"
}

# refused KO ERRNO_TEXT LOG_REGEX PARAMS...: insmod KO PARAMS fails with
# that errno (as kmod words it: "No such device" is ENODEV, "Invalid
# parameters" EINVAL, "Device or resource busy" EBUSY), logs exactly one
# line matching LOG_REGEX, and leaves no module and no virt device behind.
# Four test points.
refused() {
	local ko=$1 errno=$2 logre=$3 mod out lines
	shift 3
	mod=$(basename "$ko" .ko)
	klog_mark
	if out=$(insmod "$ko" "$@" 2>&1); then
		nok "insmod $mod.ko $* is refused"
		rmmod "$mod"
		return
	fi
	check_match "insmod $mod.ko $* fails with '$errno'" "$errno" "$out"
	lines=$(klog_new | grep "$mod: ")
	check_eq "... with one log line" 1 "$(printf '%s' "$lines" | grep -c .)"
	check_match "... that says: $logre" "$logre" "$lines"
	if loaded "$mod" || ls /sys/class/net | grep -q virt; then
		nok "... and leaves nothing behind"
	else
		ok "... and leaves nothing behind"
	fi
}

# --- UDP endpoints (tests/lib/udp.py) --------------------------------------

UDP=${BASH_SOURCE[0]%/*}/udp.py
# frames.py DEV KIND ARGS...: hand-made frames (forged sources, DHCP).
FRAMES=${BASH_SOURCE[0]%/*}/frames.py
# sweep.py [--from ADDR] [--timeout S] ADDR...: which of many addresses
# answer a ping, from one process.
SWEEP=${BASH_SOURCE[0]%/*}/sweep.py

# udp_listen [-n NS] NAME PORT [udp.py listen options]: a counting listener
# in the background, in the root namespace or NS; ready when this returns.
udp_listen() {
	local pfx=() name port
	if [ "$1" = -n ]; then
		pfx=(ip netns exec "$2")
		shift 2
	fi
	name=$1 port=$2
	shift 2
	rm -f "$T_TMP/$name.count"
	"${pfx[@]}" "$UDP" listen "$port" "$T_TMP/$name.count" "$@" &
	wait_for 30 test -s "$T_TMP/$name.count" || bail "udp listener $name did not start"
}
udp_count() { cat "$T_TMP/$1.count"; }
# udp_count_is NAME N [SECONDS]: wait up to SECONDS (default 3) for N.
udp_count_is() { wait_for "${3:-3}" test "$(cat "$T_TMP/$1.count")" = "$2"; }

# --- load generator (pktgen, in "remote") ------------------------------------

# pktgen_start DEV DST_IP DST_MAC [COUNT] [SIZE] [DELAY]: UDP frames (to
# port 9) from DEV in "remote", DELAY ns apart (default 0: as fast as the
# kernel can), in the background. COUNT 0 (the default) runs until
# pktgen_stop.
pktgen_start() {
	need modprobe pktgen
	need R sh -c "
		echo rem_device_all >/proc/net/pktgen/kpktgend_0 &&
		echo 'add_device $1' >/proc/net/pktgen/kpktgend_0 &&
		cd /proc/net/pktgen &&
		echo 'count ${4:-0}' >$1 && echo 'pkt_size ${5:-60}' >$1 &&
		echo 'delay ${6:-0}' >$1 && echo 'dst $2' >$1 && echo 'dst_mac $3' >$1 &&
		echo 'udp_dst_min 9' >$1 && echo 'udp_dst_max 9' >$1"
	R sh -c 'echo start >/proc/net/pktgen/pgctrl' 2>/dev/null &
	_pktgen_pid=$!
}
pktgen_stop() {
	R sh -c 'echo stop >/proc/net/pktgen/pgctrl' 2>/dev/null
	wait "$_pktgen_pid" 2>/dev/null
	return 0
}
# pktgen_sent DEV: frames pktgen reports sent on DEV by its last run.
pktgen_sent() { R sed -n 's/.*pkts-sofar: \([0-9]*\).*/\1/p' "/proc/net/pktgen/$1"; }

# unload_under_flood ROUNDS MODULE CHILD SETUP...: while the other host
# floods 198.51.100.2 with pktgen and pings both 198.51.100.2 and 192.0.2.1
# with ping -f (replies keep the transmit paths busy), ROUNDS times: SETUP
# (which loads MODULE and makes CHILD, holding 198.51.100.2), half a second
# of flood, then rmmod MODULE, which must complete within 30 s. Three test
# points.
unload_under_flood() {
	local rounds=$1 mod=$2 dev=$3 done_n=0 got=0 flood i
	shift 3
	need R ip neigh replace 198.51.100.2 lladdr "$(mac eth0)" dev eth1 nud permanent
	# Under virt.ko eth0 hears no ARP reply (divert), so it can't resolve
	# the other host while the child is up: pin it, as base-divert.sh does.
	need ip neigh replace 192.0.2.2 lladdr "$(R cat /sys/class/net/eth1/address)" \
		dev eth0 nud permanent
	pktgen_start eth1 198.51.100.2 "$(mac eth0)"
	R ping -f -q 192.0.2.1 >/dev/null 2>&1 &
	flood=$!
	R ping -f -q 198.51.100.2 >/dev/null 2>&1 &
	flood="$flood $!"
	for i in $(seq "$rounds"); do
		"$@" || break
		sleep 0.5
		got=$((got + $(counter "$dev" rx_packets)))
		timeout 30 rmmod "$mod" || break
		done_n=$((done_n + 1))
	done
	kill $flood
	pktgen_stop
	check_eq "$rounds rounds of load, flood and rmmod $mod, each within 30 s" \
		"$rounds" "$done_n"
	diag "$dev received $got frames over the $rounds rounds"
	figure unloads_under_flood "$done_n"
	check "$dev received the flood" test "$got" -gt $((rounds * 100))
	check "eth0 answers after the flood" R ping -c 3 -i 0.5 -W 2 192.0.2.1
}

# --- virt_full --------------------------------------------------------------

# The kind of child the tests make with 'child': virt, or a rival's, so
# that the same test runs against it (VIRT_CHILD_KIND=ipvlan, L2 mode, or
# macvlan, bridge mode). Checks of what only virt has ask is_virt.
CHILD_KIND=${VIRT_CHILD_KIND:-virt}
is_virt() { [ "$CHILD_KIND" = virt ]; }
child_type() {
	case $CHILD_KIND in
	ipvlan)  echo "ipvlan mode l2" ;;
	macvlan) echo "macvlan mode bridge" ;;
	*)       echo virt ;;
	esac
}

# rule DESC CMD... / rule_eq DESC EXPECTED ACTUAL / rule_match DESC RE TEXT:
# a rule virt promises and a rival may not (the trust model). On virt a
# test point; on a rival, a point where the rule holds and a diag line
# "KIND breaks: ..." where it doesn't, so that the file says what the
# rival does and stays green.
rule() {
	is_virt && { check "$@"; return; }
	if "${@:2}" >"$T_LOG" 2>&1; then ok "$1"; else diag "$CHILD_KIND breaks: $1"; fi
}
rule_eq() {
	is_virt && { check_eq "$@"; return; }
	if [ "$2" = "$3" ]; then ok "$1"; else diag "$CHILD_KIND breaks: $1 (expected $2, got $3)"; fi
}
rule_match() {
	is_virt && { check_match "$@"; return; }
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else diag "$CHILD_KIND breaks: $1 (got: $3)"; fi
}

# child NAME PARENT [NS]: ip link add link PARENT name NAME type virt (or
# the rival's kind), then move it into namespace NS (created if needed)
# and bring it up.
child() {
	# shellcheck disable=SC2046 # the kind's words, split on purpose
	need ip link add link "$2" name "$1" type $(child_type)
	if [ -n "${3:-}" ]; then
		[ -e "/run/netns/$3" ] || need ip netns add "$3"
		need ip link set "$1" netns "$3"
		need ip -n "$3" link set lo up
	fi
	need ip ${3:+-n "$3"} link set "$1" up
}

# child_own NAME PARENT [NS [MAC]]: as child, a child with a MAC address of
# its own (MAC, or a random one): virt's own-mac, or macvlan (whose children
# all have one). ipvlan has none: has_own_mac says whether the kind can.
has_own_mac() { [ "$CHILD_KIND" != ipvlan ]; }
child_own() {
	local mac=() kind
	# shellcheck disable=SC2206 # the kind's words, split on purpose
	kind=($(child_type))
	if [ -n "${4:-}" ]; then
		mac=(address "$4")
	elif is_virt; then
		kind+=(own-mac)
	fi
	need ip link add link "$2" name "$1" "${mac[@]}" type "${kind[@]}"
	if [ -n "${3:-}" ]; then
		[ -e "/run/netns/$3" ] || need ip netns add "$3"
		need ip link set "$1" netns "$3"
		need ip -n "$3" link set lo up
	fi
	need ip ${3:+-n "$3"} link set "$1" up
}

# iperf_server [NS] ADDR PORT: an iperf3 server for one test, in NS ("root"
# for the root namespace), listening when this returns.
iperf_server() {
	local pfx=()
	if [ $# -eq 3 ]; then
		[ "$1" = root ] || pfx=(ip netns exec "$1")
		shift
	fi
	need "${pfx[@]}" iperf3 -s -D -1 -B "$1" -p "$2"
	wait_for 30 sh -c "${pfx[*]} ss -ltnH 'sport = :$2' | grep -q ." ||
		bail "iperf3 -s on $1 port $2 is not listening"
}

# tcp_with_parent_offloads_off CHILD ADDR: with every offload of eth0 off,
# eth0 segments and checksums in software what CHILD (which offers them
# all) sends: iperf3 TCP from the other host to ADDR, and back, runs.
# (QEMU's virtio NIC on a hub offers no offload at all: turning them off
# only makes sure, wherever the suite runs.) Two test points.
tcp_with_parent_offloads_off() {
	local tx rx
	ethtool -K eth0 tx off sg off tso off gso off >/dev/null 2>&1
	need sh -c 'ethtool -k eth0 | grep -q "^tcp-segmentation-offload: off"'
	iperf_server root "$2" 5201
	tx=$(iperf_mbps -- -c "$2" -p 5201 -t 2 -R)
	iperf_server root "$2" 5202
	rx=$(iperf_mbps -- -c "$2" -p 5202 -t 2)
	diag "iperf3 TCP with eth0's offloads off: from $1 $tx Mbit/s, to $1 $rx Mbit/s"
	check "TCP from $1 runs, segmented and checksummed by eth0 in software" \
		test "${tx:-0}" -gt 0
	check "TCP to $1 runs" test "${rx:-0}" -gt 0
}

# iperf_mbps [NS] -- CLIENT_ARGS...: run an iperf3 client from NS ("root"
# for the root namespace; "remote" by default) and print its throughput
# in Mbit/s, rounded up: any data through is at least 1 (the debug kernel
# on a busy host can run below one).
iperf_mbps() {
	local ns=remote pfx
	[ "$1" != -- ] && { ns=$1; shift; }
	shift
	pfx=(ip netns exec "$ns")
	[ "$ns" = root ] && pfx=()
	"${pfx[@]}" iperf3 -J --connect-timeout 10000 "$@" 2>/dev/null | /usr/bin/python3 -S -c '
import json, math, sys
print(math.ceil(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}

# --- containers ---------------------------------------------------------------

# container_start NAME: a container as rootless podman or LXD make one: a
# process in a user and a network namespace of its own, root only inside.
# Its network namespace is also "ip netns" NAME, for the host's view.
# C NAME CMD...: CMD as the container's root (CAP_NET_ADMIN over its own
# namespace, none over the host's).
container_start() {
	local pid
	unshare --user --map-root-user --net sleep 1e9 &
	pid=$!
	wait_for 10 sh -c "[ \"\$(readlink /proc/$pid/ns/user)\" != \"\$(readlink /proc/self/ns/user)\" ]" ||
		bail "unshare --user --net did not start"
	need ip netns attach "$1" "$pid"
	eval "_ctr_$1=$pid"
}
C() {
	local pid
	eval "pid=\$_ctr_$1"
	shift
	nsenter -t "$pid" -U -n "$@"
}
# container_child CTR CHILD [ADDR/LEN]: a container CTR with a child CHILD
# of eth0, handed to it, which its own root brings up with ADDR (an address
# the container chose: the host doesn't trust the child with it), or with
# none (for a DHCP client, or a probe before it takes one).
container_child() {
	container_start "$1"
	child "$2" eth0
	need ip link set "$2" netns "$1"
	need C "$1" ip link set lo up
	[ -z "${3:-}" ] || need C "$1" ip addr add "$3" dev "$2"
	need C "$1" ip link set "$2" up
}

# --- CNI ------------------------------------------------------------------

# The CNI plugin of the kind under test: virt's (built with the modules),
# or the reference ipvlan (l2) or macvlan (bridge) of Debian's
# containernetworking-plugins, whose IPAM plugins (host-local, static,
# dhcp) all three delegate to, as a runtime finds them in CNI_PATH.
export CNI_PATH=$VIRT_BUILD/cni:/usr/lib/cni
cni_plugin() { is_virt && echo "$VIRT_BUILD/cni/virt" || echo "/usr/lib/cni/$CHILD_KIND"; }
cni_type() {
	case $CHILD_KIND in
	ipvlan)  echo '"type": "ipvlan", "mode": "l2"' ;;
	macvlan) echo '"type": "macvlan", "mode": "bridge"' ;;
	*)       echo '"type": "virt"' ;;
	esac
}
# cni_conf NAME IPAM [MORE]: a network configuration (cniVersion 1.0.0) of
# the kind, master eth0, with IPAM (a JSON object) and MORE keys.
cni_conf() {
	printf '{"cniVersion": "1.0.0", "name": "%s", %s, "master": "eth0", "ipam": %s%s}\n' \
		"$1" "$(cni_type)" "$2" "${3:+, $3}"
}
# cni CMD NETNS-PATH IFNAME CONF [ID]: the plugin, run as a runtime runs
# it (CONF on stdin, container id ID, a minute at most), its stdout left in
# $T_TMP/cni.out; returns its exit status, and prints what it said where
# that isn't 0.
cni() {
	CNI_COMMAND=$1 CNI_CONTAINERID=${5:-id-${2##*/}} CNI_NETNS=$2 CNI_IFNAME=$3 \
		timeout 60 "$(cni_plugin)" <<<"$4" >"$T_TMP/cni.out" 2>"$T_TMP/cni.err" ||
		{ local rc=$?; cat "$T_TMP/cni.out" "$T_TMP/cni.err"; return $rc; }
}
# jget FILE EXPR: EXPR (Python, over the JSON in FILE as d) printed;
# nothing, and failure, where FILE or EXPR has none.
jget() {
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@" 2>/dev/null
}
# rx TEXT: TEXT as an extended regex that matches it alone.
rx() { sed 's/[][\\.*^$+?(){}|]/\\&/g' <<<"$1"; }
# cni_leases NAME: the addresses host-local has allocated on network NAME,
# in order.
cni_leases() { find "/var/lib/cni/networks/$1" -name '[0-9]*' -printf '%f\n' 2>/dev/null | sort -V | tr '\n' ' '; }

# --- stress -----------------------------------------------------------------

# scaled FULL SHORT: FULL under VIRT_STRESS=full (make check-debug), else
# SHORT (make check, and the CI's debug run).
scaled() { [ "${VIRT_STRESS:-short}" = full ] && echo "$1" || echo "$2"; }

# figure NAME N: a figure of the stress suite; scripts/check adds them up
# over the test files, per kernel, and prints them at the end.
figure() { echo "# figure: $1 $2"; }
