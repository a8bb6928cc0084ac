#!/bin/bash
# 50 load/unload cycles, each bringing virt0 up with an address, and each
# leaving nothing behind: no device, no module, the parent's receive
# handler free (eth0 can then join a bridge, which needs it).
. "${0%/*}/lib/lib.sh"

topo_init
ipv6_off
need R ip addr add 198.51.100.1/24 dev eth1
klog_mark

cycles=50 done_ok=0 pinged=0
start=$(date +%s)
for i in $(seq $cycles); do
	insmod "$VIRT_KO" link=eth0 || break
	ip addr add 198.51.100.2/24 dev virt0 && ip link set virt0 up || break
	if [ $((i % 10)) -eq 0 ]; then
		R ping -c 1 -W 3 198.51.100.2 >/dev/null && pinged=$((pinged + 1))
	fi
	rmmod virt || break
	exists virt0 && break
	done_ok=$((done_ok + 1))
done
diag "$done_ok cycles in $(($(date +%s) - start)) s"
check_eq "$cycles load/unload cycles" $cycles $done_ok
check_eq "virt0 answered in every 10th cycle" $((cycles / 10)) $pinged
check_fails "the module is not loaded" loaded virt
check_eq "the kernel log has one 'created' and one 'removed' line per cycle" \
	"$cycles $cycles" \
	"$(klog_new | grep -c 'virt0: created on eth0') $(klog_new | grep -c 'virt0: removed from eth0')"
check "eth0's receive handler is free: eth0 joins a bridge" \
	sh -c 'ip link add br0 type bridge && ip link set eth0 master br0'
done_testing
