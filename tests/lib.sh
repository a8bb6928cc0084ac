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
check() {
	local desc=$1
	shift
	if "$@" >"$T_LOG" 2>&1; then
		ok "$desc"
	else
		nok "$desc"
		diag "failed: $*"
		tail -n 15 "$T_LOG" | sed 's/^/#   /'
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

done_testing() {
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

# --- topology -------------------------------------------------------------

R() { ip netns exec remote "$@"; }

# The other host: eth1 moves into "remote". Both ends up, no addresses.
topo_init() {
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

# Interface facts; a counter optionally in a namespace: counter DEV FIELD [NS].
counter() {
	local pfx=()
	[ -n "${3:-}" ] && pfx=(ip netns exec "$3")
	"${pfx[@]}" cat "/sys/class/net/$1/statistics/$2"
}
mac() { cat "/sys/class/net/$1/address"; }
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
	"${pfx[@]}" tcpdump -i "$2" -n -U -Z root -w "$T_TMP/$1.pcap" \
		2>"$T_TMP/$1.err" &
	eval "_cap_$1=$!"
	wait_for 10 grep -q "listening on" "$T_TMP/$1.err" ||
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
cap_count() { tcpdump -r "$T_TMP/$1.pcap" -n "$2" 2>/dev/null | wc -l; }
cap_show() { tcpdump -r "$T_TMP/$1.pcap" -n "${2:-}" 2>/dev/null; }

# --- kernel log -------------------------------------------------------------

klog_mark() { _klog_mark=$(dmesg | wc -l); }
klog_new() { dmesg | tail -n +$((_klog_mark + 1)); }

# --- modules ----------------------------------------------------------------

loaded() { grep -q "^$1 " /proc/modules; }

# --- UDP endpoints (tests/udp.py) ------------------------------------------

UDP=$(dirname "${BASH_SOURCE[0]}")/udp.py

# udp_listen NAME PORT [udp.py listen options]: a counting listener in the
# background, in the root namespace; ready when this returns.
udp_listen() {
	local name=$1 port=$2
	shift 2
	rm -f "$T_TMP/$name.count"
	"$UDP" listen "$port" "$T_TMP/$name.count" "$@" &
	wait_for 10 test -s "$T_TMP/$name.count" || bail "udp listener $name did not start"
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
