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

# What every test ends with: our modules unload, everything they created
# was destroyed (by their own log lines, over the whole boot), and, on a
# kernel with kmemleak, nothing leaked since topo_init cleared it.
final_checks() {
	local m log leaks
	for m in virt virt_full; do
		loaded "$m" && check "rmmod $m at the end" timeout 30 rmmod "$m"
	done
	log=$(dmesg)
	check_eq "virt.ko: every child created was removed" \
		"$(grep -c 'virt: .*: created on' <<<"$log")" \
		"$(grep -c 'virt: .*: removed from' <<<"$log")"
	check_eq "virt_full.ko: every child and port created was destroyed" \
		"$(grep -c 'virt_full: .*: created on' <<<"$log") $(grep -c 'virt_full: .*: port created' <<<"$log")" \
		"$(grep -c 'virt_full: .*: destroyed' <<<"$log") $(grep -c 'virt_full: .*: port destroyed' <<<"$log")"
	if [ -w /sys/kernel/debug/kmemleak ]; then
		sleep 3	# outstanding RCU callbacks
		echo scan >/sys/kernel/debug/kmemleak
		echo scan >/sys/kernel/debug/kmemleak
		leaks=$(cat /sys/kernel/debug/kmemleak)
		check_eq "kmemleak: no leak since the test began" "" "$leaks"
	fi
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
# (at most 10 s): counters read after the last late frame has arrived.
still() {
	local a b
	b=$("$@")
	for _ in $(seq 20); do
		sleep 0.5
		a=$b
		b=$("$@")
		[ "$a" = "$b" ] && break
	done
	echo "$b"
}

# --- topology -------------------------------------------------------------

R() { ip netns exec remote "$@"; }

# The other host: eth1 moves into "remote". Both ends up, no addresses.
# Our modules' pr_debug lines (devices and ports created and destroyed) are
# switched on for every load, however it happens.
topo_init() {
	need sh -c 'echo "options virt_full dyndbg=+p" >/etc/modprobe.d/virt-test.conf'
	if [ -w /sys/kernel/debug/kmemleak ]; then
		need sh -c 'echo clear >/sys/kernel/debug/kmemleak'
	fi
	need ip link set lo up
	need ip netns add remote
	need ip link set eth1 netns remote
	need R ip link set lo up
	need R ip link set eth1 up
	need ip link set eth0 up
}

# No IPv6 chatter (DAD, router and MLD solicitations) in either namespace,
# so that counters can be compared frame for frame.
ipv6_off() {
	local ns
	for ns in "" "ip netns exec remote"; do
		$ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
}

# The usual addresses, and no IPv6 chatter: eth0 192.0.2.1/24 with remote
# 192.0.2.2/24 on the parent's subnet, remote 198.51.100.1/24 on the
# children's.
topo_addressed() {
	topo_init
	ipv6_off
	need R ip addr add 192.0.2.2/24 dev eth1
	need R ip addr add 198.51.100.1/24 dev eth1
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
counter() {
	local pfx=()
	[ -n "${3:-}" ] && pfx=(ip netns exec "$3")
	"${pfx[@]}" cat "/sys/class/net/$1/statistics/$2"
}
mac() { cat "/sys/class/net/$1/address"; }
# ethstats DEV [NS]: ethtool -S DEV, in namespace NS if given.
ethstats() { ${2:+ip netns exec "$2"} ethtool -S "$1"; }
# ethstat DEV NAME [NS]: one counter of ethtool -S DEV.
ethstat() { ethstats "$1" "${3:-}" | awk -v n="$2:" '$1 == n { print $2 }'; }
operstate() { cat "/sys/class/net/$1/operstate"; }
operstate_is() { [ "$(operstate "$1")" = "$2" ]; }
mtu() { cat "/sys/class/net/$1/mtu"; }
exists() { [ -e "/sys/class/net/$1" ]; }

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

cap_stop() {
	local pid
	eval "pid=\$_cap_$1"
	sleep 0.3	# let the last frames reach the file
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

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
			rx += v["rx_local:"] + v["rx_mirror:"]
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

# --- UDP endpoints (tests/udp.py) ------------------------------------------

UDP=$(dirname "${BASH_SOURCE[0]}")/udp.py

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

# pktgen_start DEV DST_IP DST_MAC [COUNT] [SIZE]: UDP frames (to port 9)
# from DEV in "remote", as fast as the kernel can, in the background.
# COUNT 0 (the default) runs until pktgen_stop.
pktgen_start() {
	need modprobe pktgen
	need R sh -c "
		echo rem_device_all >/proc/net/pktgen/kpktgend_0 &&
		echo 'add_device $1' >/proc/net/pktgen/kpktgend_0 &&
		cd /proc/net/pktgen &&
		echo 'count ${4:-0}' >$1 && echo 'pkt_size ${5:-60}' >$1 &&
		echo 'delay 0' >$1 && echo 'dst $2' >$1 && echo 'dst_mac $3' >$1 &&
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
	# the other host while the child is up: pin it, as divert.sh does.
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

# child NAME PARENT [NS]: ip link add link PARENT name NAME type virt, then
# move it into namespace NS (created if needed) and bring it up.
child() {
	need ip link add link "$2" name "$1" type virt
	if [ -n "${3:-}" ]; then
		[ -e "/run/netns/$3" ] || need ip netns add "$3"
		need ip link set "$1" netns "$3"
		need ip -n "$3" link set lo up
	fi
	need ip ${3:+-n "$3"} link set "$1" up
}

# iperf_mbps [NS] -- CLIENT_ARGS...: run an iperf3 client from NS ("root"
# for the root namespace; "remote" by default) and print its throughput
# in Mbit/s.
iperf_mbps() {
	local ns=remote pfx
	[ "$1" != -- ] && { ns=$1; shift; }
	shift
	pfx=(ip netns exec "$ns")
	[ "$ns" = root ] && pfx=()
	"${pfx[@]}" iperf3 -J "$@" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}

# --- stress -----------------------------------------------------------------

# scaled FULL SHORT: FULL under VIRT_STRESS=full (make check-debug), else
# SHORT (make check, and the CI's debug run).
scaled() { [ "${VIRT_STRESS:-short}" = full ] && echo "$1" || echo "$2"; }

# figure NAME N: a figure of the stress suite; scripts/check adds them up
# over the test files, per kernel, and prints them at the end.
figure() { echo "# figure: $1 $2"; }
