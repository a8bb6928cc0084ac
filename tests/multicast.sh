#!/bin/bash
# Broadcast and multicast reach the parent and every child that is up and
# listening, in any namespace, and no child that isn't in the group; a
# child's group memberships are added to the parent's filter so that its
# NIC lets them in, and leave it when the child goes down; a child that is
# down gets nothing.
. "${0%/*}/lib/lib.sh"

topo_init
# IPv6 only where the test needs it (virt2 and the other host): counters
# of virt1 and eth0 see no chatter.
ipv6_off
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need ip addr add 192.0.2.1/24 dev eth0
need R ip addr add 192.0.2.2/24 dev eth1
child virt1 eth0
need ip addr add 198.51.100.2/24 dev virt1
child virt2 eth0 c2
need ip netns exec c2 sysctl -qw net.ipv6.conf.virt2.disable_ipv6=0
need ip -n c2 addr add 198.51.100.3/24 dev virt2
need R ip route add 255.255.255.255/32 dev eth1
need R ip route add 239.0.0.0/8 dev eth1

# maddr_users MAC: how many hold MAC in eth0's filter (ip omits 1).
maddr_users() {
	ip maddr show dev eth0 | awk -v m="$1" '$2 == m { print ($3 == "users" ? $4 : 1); f = 1 } END { if (!f) print 0 }'
}

# Limited broadcast.
udp_listen b_eth0 4100 --dev eth0
udp_listen b_virt1 4100 --dev virt1
udp_listen -n c2 b_virt2 4100 --dev virt2
need R "$UDP" send 255.255.255.255 4100 3 --dev eth1
check "broadcast reaches eth0" udp_count_is b_eth0 3
check "broadcast reaches virt1" udp_count_is b_virt1 3
check "broadcast reaches virt2 in c2" udp_count_is b_virt2 3

# An IPv4 group: virt1 joins first, so that eth0's filter holds it only
# for virt1; then the parent and virt2 join too.
check_eq "before: 01:00:5e:01:02:03 is not in eth0's filter" 0 "$(maddr_users 01:00:5e:01:02:03)"
udp_listen m_virt1 4200 --dev virt1 --group 239.1.2.3
check_eq "virt1 joins 239.1.2.3: its group is in eth0's filter" 1 "$(maddr_users 01:00:5e:01:02:03)"
udp_listen m_eth0 4200 --dev eth0 --group 239.1.2.3
udp_listen -n c2 m_virt2 4200 --dev virt2 --group 239.1.2.3
need R "$UDP" send 239.1.2.3 4200 4 --dev eth1
check "group 239.1.2.3 reaches eth0" udp_count_is m_eth0 4
check "group 239.1.2.3 reaches virt1" udp_count_is m_virt1 4
check "group 239.1.2.3 reaches virt2 in c2" udp_count_is m_virt2 4

# A group only virt2 joined: copies for virt2, none for virt1 (its
# counters, not a socket, say so: the stack would drop such a copy anyway).
udp_listen -n c2 m5_virt2 4250 --dev virt2 --group 239.1.2.5
e0=$(counter eth0 rx_packets)
v1=$(counter virt1 rx_packets)
need R "$UDP" send 239.1.2.5 4250 4 --dev eth1
check "group 239.1.2.5 reaches virt2 in c2" udp_count_is m5_virt2 4
check "eth0 received the 4 frames" test $(($(counter eth0 rx_packets) - e0)) -ge 4
check_eq "virt1, not in the group, got no copy" 0 $(($(counter virt1 rx_packets) - v1))

# An IPv6 group joined only by a child: the parent's filter needs it.
udp_listen -n c2 m6_virt2 4300 --v6 --dev virt2 --group ff05::1:3
check_eq "virt2's IPv6 group is in eth0's filter" 1 "$(maddr_users 33:33:00:01:00:03)"
need R "$UDP" send ff05::1:3 4300 2 --dev eth1
check "IPv6 group ff05::1:3 reaches virt2 in c2" udp_count_is m6_virt2 2

# A child that is down gets nothing (its own counters say so); the others
# still do, and its groups leave eth0's filter.
users=$(maddr_users 01:00:5e:01:02:03)
diag "eth0's filter holds 01:00:5e:01:02:03 for $users"
need ip link set virt1 down
# What it received or had to drop (the kernel's backlog refuses a device
# that is down, so a copy made for it would show there).
v1_got() { echo $(($(counter virt1 rx_packets) + $(counter virt1 rx_dropped))); }
v1=$(v1_got)
need R "$UDP" send 255.255.255.255 4100 2 --dev eth1
need R "$UDP" send 239.1.2.3 4200 2 --dev eth1
check "virt1 down: eth0 still gets the broadcast" udp_count_is b_eth0 5
check "virt1 down: virt2 still gets the broadcast" udp_count_is b_virt2 5
check "virt1 down: virt2 still gets the group" udp_count_is m_virt2 6
check_eq "virt1 down: nothing was made for it" 0 $(($(v1_got) - v1))
check_eq "virt1 down: its hold on the group left eth0's filter" $((users - 1)) \
	"$(maddr_users 01:00:5e:01:02:03)"
done_testing
