#!/bin/bash
# 32 namespaces, each with a child of eth0, add and delete addresses from
# one shared pool in parallel (1024 rounds each under make check-debug).
# Afterwards no address is held twice, and every address still held
# answers from the other host: the table points at the right child.
. "${0%/*}/lib/lib.sh"

topo_addressed
need R sysctl -qw net.ipv6.conf.eth1.disable_ipv6=0
need R ip addr add 2001:db8:3::1/64 dev eth1 nodad
need R ip route add 203.0.113.0/24 dev eth1
need modprobe virt_full
rounds=$(scaled 1024 32)
for j in $(seq 32); do
	child "virt$j" eth0 "n$j"
	need ip netns exec "n$j" sysctl -qw "net.ipv6.conf.virt$j.disable_ipv6=0"
	# A fixed address: an interface that loses its last IPv4 address
	# loses its routes too, and replies would have no way back.
	need ip -n "n$j" addr add "198.51.100.$((10 + j))/24" dev "virt$j"
	need ip -n "n$j" -6 route add 2001:db8:3::/64 dev "virt$j"
done

# churn NS: ROUNDS random adds and deletes, from one "ip -batch" process
# per namespace, so that the 32 namespaces' requests really meet in the
# kernel (an ip process per change spends its time starting up, not in
# the kernel). -force goes on past the refusals, which are the point.
churn() {
	local ns=$1 k a
	for _ in $(seq "$rounds"); do
		k=$((RANDOM % 32 + 16))
		if [ $((RANDOM % 2)) -eq 0 ]; then
			a="203.0.113.$k/32"
		else
			a="2001:db8:3::$k/128 nodad"
		fi
		if [ $((RANDOM % 2)) -eq 0 ]; then
			echo "addr add $a dev virt${ns#n}"
		else
			echo "addr del ${a% nodad} dev virt${ns#n}"
		fi
	done | ip -n "$ns" -force -batch - >/dev/null 2>&1
}
start=$(date +%s)
pids=""
for j in $(seq 32); do
	churn "n$j" &
	pids="$pids $!"
done
wait $pids
diag "32 x $rounds address changes in $(($(date +%s) - start)) s"
figure parallel_address_changes $((32 * rounds))

for j in $(seq 32); do
	ip -n "n$j" -br addr show dev "virt$j" | tr ' ' '\n' | grep -E '^(203\.0\.113\.|2001:db8:3::)' |
		sed "s|/[0-9]*\$| n$j|"
done >"$T_TMP/held"
held=$(wc -l <"$T_TMP/held")
diag "$held of the pool's 64 addresses held at the end"
# Each namespace's last change to an address wins half the time: about
# half the pool is held at the end. Fewer than 8 means the churn did not
# happen (every add refused, say), and the checks below would hold on
# nothing.
check "the churn left addresses held (at least 8 of 64)" test "$held" -ge 8
check_eq "no address is held by two namespaces" "" \
	"$(cut -d' ' -f1 "$T_TMP/held" | sort | uniq -d)"
cut -d' ' -f1 "$T_TMP/held" | sort >"$T_TMP/held.sorted"
R "$SWEEP" --from 198.51.100.1 $(cut -d' ' -f1 "$T_TMP/held") | sort >"$T_TMP/answered"
check_eq "every address held answers from the other host" \
	"$held" "$(comm -12 "$T_TMP/held.sorted" "$T_TMP/answered" | wc -l)"
while read -r a ns; do
	grep -qx "$a" "$T_TMP/answered" && continue
	diag "$a, held by $ns, does not answer:"
	ip -n "$ns" addr show dev "virt${ns#n}" | sed 's/^/#     /'
	ethstats "virt${ns#n}" "$ns" | grep -v ' 0$' | sed 's/^/#     /'
done <"$T_TMP/held"

# The rest of the pool was released: no entry of the table may still point
# at a child. Such an entry would refuse the address to anyone else (the
# validator finds it) and steer its frames to a child that can't answer.
for k in $(seq 16 47); do echo "203.0.113.$k"; echo "2001:db8:3::$k"; done |
	sort | comm -23 - "$T_TMP/held.sorted" >"$T_TMP/free"
free=$(wc -l <"$T_TMP/free")
# (198.51.100.11, n1's own, answers: the sweep itself works.)
check_eq "the $free released addresses are silent" "198.51.100.11" \
	"$(R "$SWEEP" --timeout 3 --from 198.51.100.1 198.51.100.11 $(cat "$T_TMP/free"))"
awk '{ printf "addr add %s dev virt1%s\n", $1, ($1 ~ /:/ ? " nodad" : "") }' \
	"$T_TMP/free" >"$T_TMP/take"
check "n1 can take every one of them" ip -n n1 -batch "$T_TMP/take"
check_eq "and then every one answers, from n1" "$free" \
	"$(R "$SWEEP" --from 198.51.100.1 $(cat "$T_TMP/free") | wc -l)"
done_testing
