#!/bin/bash
# Children follow their parent: carrier, MTU (never above it; one of a
# child's own kept, as macvlan keeps it), MAC address
# and offloads; a parent moved to another namespace keeps its children
# working; a parent that goes (deleted, or unplugged under traffic) takes
# all its children with it at once, in every namespace, and nothing waits
# for a reference.
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
klog_mark
need R ip addr add 198.51.100.1/24 dev eth1
child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1
child virt2 eth0 c2
need ip -n c2 addr add 198.51.100.3/24 dev virt2

# Carrier
check "children are up" wait_for 5 operstate_is virt1 up
need ip link set eth0 down
check "eth0 down: virt1 loses its carrier" wait_for 5 operstate_is virt1 lowerlayerdown
check_match "eth0 down: so does virt2 in c2" "NO-CARRIER" "$(ip -n c2 link show virt2)"
need ip link set eth0 up
check "eth0 up: virt1 is up again" wait_for 5 operstate_is virt1 up
check "eth0 up: virt2 answers again" R ping -c 1 -W 3 198.51.100.3

# MTU: a child with no MTU of its own follows the parent's up and down.
# One asked for at creation or set on the child since is its own, by
# macvlan's rule: lowered while the parent's is below it, back to it (and
# no higher) when the parent's allows again.
mtu2() { ip netns exec c2 cat /sys/class/net/virt2/mtu; }
need ip link set eth0 mtu 1400
check_eq "eth0 to 1400: virt1 follows" 1400 "$(mtu virt1)"
check_eq "eth0 to 1400: virt2 in c2 follows" 1400 "$(mtu2)"
check_fails "a child can't exceed its parent's MTU" ip link set virt1 mtu 1401
need ip link set eth0 mtu 1500
check_eq "eth0 back to 1500: virt1 follows" 1500 "$(mtu virt1)"
check "a full-size frame reaches virt2: ping -s 1472 -M do" \
	R ping -c 1 -W 2 -s 1472 -M do 198.51.100.3
check "a child can go below its parent: ip link set virt1 mtu 1400" \
	ip link set virt1 mtu 1400
# shellcheck disable=SC2046 # the kind's words
need ip link add link eth0 name virt7 mtu 1450 type $(child_type)
need ip link set eth0 mtu 9000
check_eq "eth0 to 9000: virt1 keeps the 1400 set on it" 1400 "$(mtu virt1)"
check_eq "eth0 to 9000: virt7 keeps the 1450 asked at creation" 1450 "$(mtu virt7)"
check_eq "eth0 to 9000: virt2, with no MTU of its own, follows" 9000 "$(mtu2)"
need ip link set eth0 mtu 1300
check_eq "eth0 to 1300: virt1 goes down to 1300" 1300 "$(mtu virt1)"
check_eq "eth0 to 1300: virt7 too" 1300 "$(mtu virt7)"
check_eq "eth0 to 1300: virt2 too" 1300 "$(mtu2)"
need ip link set eth0 mtu 9000
check_eq "eth0 back to 9000: virt1 back to its 1400, no higher" 1400 "$(mtu virt1)"
check_eq "eth0 back to 9000: virt7 back to its 1450" 1450 "$(mtu virt7)"
check_eq "eth0 back to 9000: virt2 follows" 9000 "$(mtu2)"
need ip link set eth0 mtu 1500
need ip link del virt7
need ip link set virt1 mtu 1500

# MAC
need ip link set eth0 address 02:00:00:00:00:aa
check_eq "eth0's new MAC: virt1 follows" 02:00:00:00:00:aa "$(mac virt1)"
need R ip neigh flush dev eth1
check "virt1 answers at the new MAC" R ping -c 1 -W 2 198.51.100.2
check_fails "a child's MAC can't be set on its own" ip link set virt1 address 02:00:00:00:00:bb

# Offloads
feat=$(ethtool -k virt1)
check_match "virt1 offers TCP segmentation offload" "^tcp-segmentation-offload: on" "$feat"
check_match "virt1 offers scatter-gather" "^scatter-gather: on" "$feat"
# The segmentation limits a child inherits: tso_max_size where the kernel
# has it (5.19 and later; a veth's is BIG TCP's 512 KiB, not the 64 KiB
# default), gso_max_size and gso_max_segs before (set here at the veth's
# creation, away from their defaults).
need ip link add vp0 gso_max_size 30000 gso_max_segs 100 type veth peer name vp1
child virt6 vp0
# A limit and its default, which a child that inherited nothing would show.
if ip -d link show vp0 | grep -q tso_max_size; then
	limits="tso_max_size:65536"
else
	limits="gso_max_size:65536 gso_max_segs:65535"
fi
for l in $limits; do
	f=${l%:*}
	want=$(ip -d link show vp0 | grep -o "$f [0-9]*")
	check_match "vp0's $f is not the default ${l#*:}" "^$f [0-9]+$" \
		"$(grep -v "^$f ${l#*:}$" <<<"$want")"
	check_eq "a child of vp0 inherits its $f" "$want" \
		"$(ip -d link show virt6 | grep -o "$f [0-9]*")"
done
need ip link del vp0

# With every offload of eth0 off, eth0 does in software what a child's
# frames ask for.
tcp_with_parent_offloads_off virt1 198.51.100.2

# The parent moves to another namespace: its children stay and work.
need ip netns add p
check "ip link set eth0 netns p" ip link set eth0 netns p
need ip -n p link set eth0 up
check "virt1 stays, in the root namespace" exists virt1
check "virt1 still answers" R ping -c 1 -W 3 198.51.100.2
check "virt2 in c2 still answers" R ping -c 1 -W 3 198.51.100.3
check "eth0 comes back" ip -n p link set eth0 netns 1
need ip link set eth0 up

# The parent goes: a veth with three children (one in a namespace).
need ip link add vp0 type veth peer name vp1
need ip link set vp0 up
child virt3 vp0
child virt4 vp0
child virt5 vp0 c5
check "ip link del vp0 with three children completes" timeout 20 ip link del vp0
check_fails "its children went with it" sh -c 'ip link show virt3 || ip link show virt4'
check "the one in c5 too" wait_for 5 sh -c '! ip -n c5 link show virt5'

# The parent is unplugged under traffic: its driver unbound.
unplug_parent 198.51.100.3
check_fails "virt1 went with eth0" exists virt1
check "virt2 in c2 went with eth0" wait_for 5 sh -c '! ip -n c2 link show virt2'
check "rmmod virt_full completes" timeout 20 rmmod virt_full
check_eq "no 'waiting for ... to become free'" "" "$(klog_new | grep 'to become free')"
check_eq "all 7 children created were destroyed, and the 3 ports" "7 7 3 3" \
	"$(klog_new | grep -c 'created on') $(klog_new | grep -c ': destroyed') $(klog_new | grep -c 'port created') $(klog_new | grep -c 'port destroyed')"
done_testing
